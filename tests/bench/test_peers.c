/* tests/bench/test_peers.c: the peer drivers load the generated rows and
 * answer the query set; answers are checked against plain C loops over the
 * same generated rows, and ingest/copy counts against the rows handed in.
 * DuckDB and ClickHouse tests skip when the engine is absent. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_data.h"
#include "bench/bench_peer.h"
#include "bench/bench_queries.h"
#include "bench/bench_work.h"
#include "bench/peer_duckdb.h"
#include "util/datetime.h"

static void scratch(char *dir, size_t cap)
{
    const char *root = getenv("FLOE_TEST_TMP");
    snprintf(dir, cap, "%s/benchpeerXXXXXX", root && *root ? root : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

static const char *sql_of(const char *name, const char *dialect)
{
    size_t n, i;
    const floe_bench_query *q = floe_bench_queries(&n);
    for (i = 0; i < n; i++)
        if (strcmp(q[i].name, name) == 0) return floe_bench_query_sql(&q[i], dialect);
    cr_assert_fail("no query %s", name);
    return NULL;
}

static double cell_num(floe_bench_table *t, uint64_t r, uint32_t c)
{
    const char *s = floe_bench_table_get(t, r, c);
    cr_assert_not_null(s);
    return strtod(s, NULL);
}

static void close_to(double got, double want, const char *what)
{
    cr_assert(fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want)), "%s: got %.17g want %.17g", what, got, want);
}

/* q6 and events answers computed by plain loops over the generators */
typedef struct expect {
    double q6;
    int64_t ev_rows, purchases, range_n;
    double range_rev;
} expect;

static expect compute(double sf, int64_t rows)
{
    expect x;
    floe_bench_data *d = NULL;
    floe_bench_batch b;
    floe_err err = FLOE_ERR_INIT;
    int32_t lo = floe_date_from_ymd(1994, 1, 1), hi = floe_date_from_ymd(1995, 1, 1);
    int64_t tlo = (int64_t)floe_date_from_ymd(2024, 1, 4) * 86400000000LL;
    int64_t thi = tlo + (1LL * 3600 + 40 * 60 + 48) * 1000000LL;
    uint32_t i;
    memset(&x, 0, sizeof x);
    cr_assert_eq(floe_bench_data_new("lineitem", sf, 0, &d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_batch_init(&b, floe_bench_data_schema(d), &err), FLOE_OK);
    while (floe_bench_data_next(d, &b, 2048) > 0) {
        double *qty = b.cols[4], *ext = b.cols[5], *disc = b.cols[6];
        int32_t *ship = b.cols[10];
        for (i = 0; i < b.n; i++)
            if (ship[i] >= lo && ship[i] < hi && disc[i] >= 0.05 && disc[i] <= 0.07 && qty[i] < 24)
                x.q6 += ext[i] * disc[i];
    }
    floe_bench_batch_free(&b);
    floe_bench_data_free(d);
    cr_assert_eq(floe_bench_data_new("events", (double)rows, 0, &d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_batch_init(&b, floe_bench_data_schema(d), &err), FLOE_OK);
    while (floe_bench_data_next(d, &b, 2048) > 0) {
        int64_t *ts = b.cols[0];
        floe_string *et = b.cols[2];
        double *rev = b.cols[6];
        for (i = 0; i < b.n; i++) {
            x.ev_rows++;
            if (et[i].len == 8 && memcmp(et[i].ptr, "purchase", 8) == 0) x.purchases++;
            if (ts[i] >= tlo && ts[i] < thi) {
                x.range_n++;
                x.range_rev += rev[i];
            }
        }
    }
    floe_bench_batch_free(&b);
    floe_bench_data_free(d);
    return x;
}

static void check_peer(const char *name)
{
    char dir[512];
    floe_bench_peer *p = NULL;
    floe_bench_data *d = NULL;
    floe_bench_table *t = NULL;
    floe_err err = FLOE_ERR_INIT;
    int64_t rows = 0, n = 0;
    uint64_t bytes = 0;
    double secs;
    expect x = compute(0.01, 30000);
    const char *dialect;

    scratch(dir, sizeof dir);
    if (floe_bench_peer_open(name, dir, &p, &err) == FLOE_NOTFOUND) cr_skip_test("%s", err.msg);
    cr_assert_not_null(p, "%s", err.msg);
    dialect = floe_bench_peer_dialect(p);
    cr_assert_eq(floe_bench_peer_create_table(p, &floe_bench_lineitem_schema, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_peer_create_table(p, &floe_bench_events_schema, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_data_new("lineitem", 0.01, 0, &d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_peer_load(p, d, 7000, &rows, &bytes, &err), FLOE_OK, "%s", err.msg);
    floe_bench_data_free(d);
    cr_assert_eq(rows, 60012);
    cr_assert_eq(floe_bench_peer_count(p, "lineitem", &n, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(n, 60012);
    cr_assert_eq(floe_bench_data_new("events", 30000, 0, &d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_peer_load(p, d, 0, &rows, &bytes, &err), FLOE_OK, "%s", err.msg);
    floe_bench_data_free(d);
    cr_assert_eq(floe_bench_peer_count(p, "events", &n, &err), FLOE_OK);
    cr_assert_eq(n, 30000);

    cr_assert_eq(floe_bench_peer_query(p, sql_of("tpch_q6", dialect), &secs, &t, &err), FLOE_OK, "%s", err.msg);
    cr_assert(secs > 0);
    cr_assert_eq(t->nrows, 1);
    close_to(cell_num(t, 0, 0), x.q6, "tpch_q6");
    floe_bench_table_free(t);

    cr_assert_eq(floe_bench_peer_query(p, sql_of("ev_count_purchase", dialect), &secs, &t, &err), FLOE_OK);
    cr_assert_eq((int64_t)cell_num(t, 0, 0), x.purchases);
    floe_bench_table_free(t);

    cr_assert_eq(floe_bench_peer_query(p, sql_of("ev_ts_range_1pct", dialect), &secs, &t, &err), FLOE_OK);
    cr_assert_eq((int64_t)cell_num(t, 0, 0), x.range_n);
    cr_assert_gt(x.range_n, 100);
    close_to(cell_num(t, 0, 1), x.range_rev, "ev_ts_range_1pct revenue");
    floe_bench_table_free(t);

    cr_assert_eq(floe_bench_peer_query(p, "SELECT no_such_column FROM events", &secs, &t, &err), FLOE_ERROR);
    cr_assert_null(t);
    floe_bench_peer_close(p);
}

/* floe itself, once built (skips with "floe is not built yet" until api/db.c lands) */
Test(peers, floe_answers_match_plain_loops, .timeout = 60) { check_peer("floe"); }
Test(peers, sqlite_answers_match_plain_loops) { check_peer("sqlite"); }
Test(peers, duckdb_answers_match_plain_loops) { check_peer("duckdb"); }
Test(peers, clickhouse_answers_match_plain_loops, .timeout = 60) { check_peer("clickhouse"); }

Test(peers, unknown_and_unbuilt_peers_are_not_found)
{
    floe_bench_peer *p = NULL;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_bench_peer_open("nosuch", "/tmp", &p, &err), FLOE_NOTFOUND);
    cr_assert_null(p);
}

/* the workloads end to end on tiny sizes: every record ok, duckdb and
 * sqlite agree on every answer (the 16 queries, TPC-H joins included),
 * ingest and load counts verified */
Test(peers, workloads_run_and_peers_agree, .timeout = 120)
{
    floe_bench_opts o;
    floe_bench_report rep;
    floe_err err = FLOE_ERR_INIT;
    char dir[512];
    size_t i, nquery = 0, ningest = 0, nmixed = 0, ndisk = 0;
    int have_duck = floe_bench_duckdb_version() != NULL;

    scratch(dir, sizeof dir);
    floe_bench_opts_defaults(&o);
    o.workdir = dir;
    o.peers[o.npeers++] = "sqlite";
    if (have_duck) o.peers[o.npeers++] = "duckdb";
    o.sf = 0.002;
    o.tpch_sf = 0.002;
    o.rows = 20000;
    o.runs = 2;
    o.threads = 2;
    o.modes = 1u << FLOE_BENCH_DUR_FULL | 1u << FLOE_BENCH_DUR_OFF;
    o.batch = 3000;
    o.ingest_rows = 20000;
    o.ingest_secs = 2;
    o.mixed_secs = 1;
    o.mixed_rate = 20000;
    o.progress = NULL;
    floe_bench_report_init(&rep, o.peers[0]);
    cr_assert_eq(floe_bench_run_query(&o, &rep, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_run_ingest(&o, &rep, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_run_copy(&o, &rep, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_run_mixed(&o, &rep, &err), FLOE_OK, "%s", err.msg);
    for (i = 0; i < rep.n; i++) {
        const floe_bench_record *x = &rep.recs[i];
        cr_assert_str_eq(x->status, "ok", "%s %s %s: %s", x->workload, x->name, x->peer, x->status);
        if (strcmp(x->workload, "query") == 0) {
            nquery++;
            cr_assert_eq(x->runs, 2);
            cr_assert(x->min <= x->median && x->median <= x->max && x->cold > 0);
        }
        if (strcmp(x->workload, "ingest") == 0) ningest++;
        if (strcmp(x->workload, "mixed") == 0) nmixed++;
        if (strcmp(x->workload, "disk") == 0) {
            ndisk++;
            cr_assert_gt(x->median, 0.01, "%s %s: %g MiB", x->name, x->peer, x->median);
        }
    }
    /* with the TPC-H tables loaded, lineitem alone is not: tpch, events */
    cr_assert_eq(ndisk, 2 * (size_t)o.npeers);
    /* floe and DuckDB run all 22 TPC-H queries and the 8 events ones, SQLite
     * the kit's 8 TPC-H and 8 events queries (no text for the other 14) */
    cr_assert_eq(nquery, 30 * (size_t)o.npeers - 14);
    /* sqlite: 2 modes x 2 thread counts x (rows/s, MB/s); duckdb: only 'full' */
    cr_assert_eq(ningest, 8 + (have_duck ? 4 : 0));
    cr_assert_eq(nmixed, 7 * (size_t)o.npeers);
    floe_bench_report_free(&rep);
}
