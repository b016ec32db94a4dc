/* tests/fault/determinism_test.c: a query's answer never depends on thread
 * timing (issue #15).
 *
 * Loads the 8 TPC-H tables at a small scale factor (default 0.1, with
 * floe-bench's generators, through floe's appenders, committing every
 * 100,000 rows so tables span several morsels), then runs all 22 TPC-H
 * queries of the bench set (tpch_q1 ... tpch_q22, the specification's
 * texts), Q15 once more in the CTE form (revenue0 referenced twice:
 * total_revenue = (SELECT max(total_revenue) FROM revenue0); the CTE is
 * computed once, engine/op_cte.c), a plain float sum, a CUBE with
 * string_agg / first, and a segment-tree window aggregate, each 5 times on
 * 1 thread and 5 times on
 * 2 threads, and asserts byte-identical answers, every double rendered with
 * 17 significant digits. Q15 must also find its row (the symptom of the
 * issue was 0 rows in some runs).
 *
 * Usage: determinism_test DIR [SF]. Exit 0 when every answer matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_data.h"
#include "bench/bench_peer.h"
#include "bench/bench_queries.h"
#include "util/mem.h"

#define RUNS 5

static const char *const tables[8] = {"lineitem", "orders", "customer", "part",
                                      "supplier", "partsupp", "nation", "region"};

static const char q15[] =
    "WITH revenue0 AS ("
    "  SELECT l_suppkey AS supplier_no, sum(l_extendedprice * (1 - l_discount)) AS total_revenue"
    "  FROM lineitem"
    "  WHERE l_shipdate >= DATE '1996-01-01' AND l_shipdate < DATE '1996-04-01'"
    "  GROUP BY l_suppkey) "
    "SELECT s_suppkey, s_name, s_address, s_phone, total_revenue "
    "FROM supplier, revenue0 "
    "WHERE s_suppkey = supplier_no AND total_revenue = (SELECT max(total_revenue) FROM revenue0) "
    "ORDER BY s_suppkey";

static const char plain_sum[] =
    "SELECT sum(l_extendedprice) AS s, avg(l_extendedprice * (1 - l_discount)) AS a, "
    "sum(l_extendedprice * l_tax) AS t FROM lineitem";

/* Grouping sets (one aggregation feeding 4 sets), ordered aggregates, and a
 * window aggregate over a segment tree with EXCLUDE, all parallel. */
static const char grouping_sets[] =
    "SELECT l_returnflag, l_linestatus, grouping(l_returnflag, l_linestatus) AS gr, count(*) AS n, "
    "sum(l_extendedprice) AS s, string_agg(DISTINCT l_shipmode, ',' ORDER BY l_shipmode) AS modes, "
    "first(l_orderkey ORDER BY l_extendedprice DESC, l_orderkey) AS top "
    "FROM lineitem GROUP BY CUBE (l_returnflag, l_linestatus) ORDER BY gr, l_returnflag, l_linestatus";
static const char window_tree[] =
    "SELECT count(*), sum(v) FROM (SELECT var_pop(l_extendedprice) OVER (PARTITION BY l_returnflag "
    "ORDER BY l_orderkey, l_linenumber ROWS BETWEEN 50 PRECEDING AND 50 FOLLOWING EXCLUDE CURRENT ROW) "
    "AS v FROM lineitem) q";

static int fail(const char *what, const floe_err *e)
{
    fprintf(stderr, "determinism_test: %s: %s\n", what, e ? e->msg : "");
    return 1;
}

/* The answer as text: cells separated by '|', rows by '\n' (NULL: "NULL").
 * Free with free(). */
static char *render(const floe_bench_table *t)
{
    size_t cap = 1024, n = 0;
    char *s = malloc(cap);
    uint64_t r;
    uint32_t c;
    if (s == NULL) return NULL;
    s[0] = '\0';
    for (r = 0; r < t->nrows; r++)
        for (c = 0; c < t->ncols; c++) {
            const char *v = floe_bench_table_get(t, r, c);
            size_t len = strlen(v ? v : "NULL") + 2;
            if (n + len + 1 > cap) {
                char *ns;
                while (n + len + 1 > cap) cap *= 2;
                ns = realloc(s, cap);
                if (ns == NULL) {
                    free(s);
                    return NULL;
                }
                s = ns;
            }
            n += (size_t)sprintf(s + n, "%s%c", v ? v : "NULL", c + 1 == t->ncols ? '\n' : '|');
        }
    return s;
}

static int run_one(floe_bench_peer *p, const char *name, const char *sql, int want_rows)
{
    char *first = NULL;
    int threads, run, bad = 0;
    for (threads = 1; threads <= 2 && !bad; threads++) {
        floe_err e = FLOE_ERR_INIT;
        char set[32];
        double secs;
        snprintf(set, sizeof set, "SET threads = %d", threads);
        if (floe_bench_peer_query(p, set, &secs, NULL, &e) != FLOE_OK) return fail(set, &e);
        for (run = 0; run < RUNS && !bad; run++) {
            floe_bench_table *t = NULL;
            char *txt;
            if (floe_bench_peer_query(p, sql, &secs, &t, &e) != FLOE_OK) {
                free(first);
                return fail(name, &e);
            }
            if (want_rows >= 0 && t->nrows != (uint64_t)want_rows) {
                fprintf(stderr, "determinism_test: %s: %llu rows on %d thread(s), run %d; want %d\n", name,
                        (unsigned long long)t->nrows, threads, run + 1, want_rows);
                bad = 1;
            }
            if (t->nrows == 0) {
                fprintf(stderr, "determinism_test: %s: empty answer\n", name);
                bad = 1;
            }
            txt = render(t);
            floe_bench_table_free(t);
            if (txt == NULL) return fail("out of memory", NULL);
            if (first == NULL) {
                first = txt;
                continue;
            }
            if (strcmp(first, txt) != 0) {
                fprintf(stderr,
                        "determinism_test: %s: answer differs on %d thread(s), run %d\n"
                        "--- first (1 thread, run 1):\n%.2000s--- this:\n%.2000s",
                        name, threads, run + 1, first, txt);
                bad = 1;
            }
            free(txt);
        }
    }
    if (!bad) printf("%-10s same answer 2 x %d runs (%zu bytes)\n", name, RUNS, strlen(first));
    free(first);
    return bad;
}

int main(int argc, char **argv)
{
    floe_err e = FLOE_ERR_INIT;
    floe_bench_peer *p = NULL;
    const floe_bench_query *qs;
    double sf = argc > 2 ? atof(argv[2]) : 0.1;
    size_t nq, i;
    int ti, bad = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: determinism_test DIR [SF]\n");
        return 2;
    }
    if (floe_bench_peer_open("floe", argv[1], &p, &e) != FLOE_OK) return fail("open", &e);
    if (floe_bench_peer_set_durability(p, FLOE_BENCH_DUR_OFF, &e) != FLOE_OK) {
        floe_bench_peer_close(p);
        return fail("durability off", &e);
    }
    for (ti = 0; ti < 8; ti++) {
        floe_bench_data *d = NULL;
        int64_t rows = 0;
        uint64_t bytes = 0;
        if (floe_bench_peer_create_table(p, floe_bench_schema_find(tables[ti]), &e) != FLOE_OK ||
            floe_bench_data_new(tables[ti], sf, 0, &d, &e) != FLOE_OK ||
            floe_bench_peer_load(p, d, 100000, &rows, &bytes, &e) != FLOE_OK) {
            floe_bench_data_free(d);
            floe_bench_peer_close(p);
            return fail(tables[ti], &e);
        }
        floe_bench_data_free(d);
    }
    qs = floe_bench_queries(&nq);
    for (i = 0; i < nq; i++)
        if (strncmp(qs[i].name, "tpch_", 5) == 0)
            bad |= run_one(p, qs[i].name, floe_bench_query_sql(&qs[i], "floe"), -1);
    bad |= run_one(p, "tpch_q15", q15, 1);
    bad |= run_one(p, "float_sum", plain_sum, 1);
    bad |= run_one(p, "grouping", grouping_sets, 10);
    bad |= run_one(p, "win_tree", window_tree, 1);
    floe_bench_peer_close(p);
    return bad;
}
