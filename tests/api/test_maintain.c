/* tests/api/test_maintain.c: background part merges and TTL retention
 * (api/maintain.h) driven through floe.h: many small flushes, then a
 * maintenance pass; query answers are compared with a plain-C computation
 * over the same random rows, before and after merging and after reopening;
 * the sort order of merged parts is checked by reading the parts; TTL drops
 * old parts only; queries running during merges always see every row once. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"
#include "util/os.h"
#include "tests/api/api_test_util.h"
#include "db/db.h"
#include "db/maintain.h"
#include "storage/part.h"
#include "util/mem.h"

static int64_t table_parts(floe_db *db, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT parts FROM floe_stats WHERE table_name = '%s'", table);
    return query_int(db, sql);
}

/* Open with background passes off: the tests run passes themselves. */
static floe_db *open_db(const char *dir)
{
    floe_db *db = NULL;
    floe_maintain_opts o;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    floe_maintain_get_opts(db, &o);
    o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
    cr_assert_eq(o.merge_min_parts, FLOE_MAINTAIN_MIN_PARTS);
    o.interval_ms = 0;
    floe_maintain_set_opts(db, &o);
    return db;
}

/* Committed part directories on disk for a table id (part-<n>, no .tmp). */
static int count_part_dirs(const char *dbdir, int64_t table_id)
{
    char path[4096];
    DIR *d;
    struct dirent *e;
    int n = 0;
    snprintf(path, sizeof path, "%s/tables/%lld", dbdir, (long long)table_id);
    d = opendir(path);
    cr_assert_not_null(d, "%s", path);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, "part-", 5) == 0 && strstr(e->d_name, ".tmp") == NULL) n++;
    closedir(d);
    return n;
}

/* ------------------------------------------------------ reference rows */

/* Row i of the data set: k small int with some NULLs, v any int64 sign,
 * d double or NULL, s one of 37 names, ts a timestamp. */
typedef struct ref_row {
    int k_null;
    int64_t k, v;
    int d_null;
    double d;
    char s[16];
    int64_t ts;
} ref_row;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 33;
}

static void make_rows(ref_row *r, int n, int64_t ts0)
{
    int i;
    for (i = 0; i < n; i++) {
        r[i].k_null = rnd() % 17 == 0;
        r[i].k = (int64_t)(rnd() % 50);
        r[i].v = (int64_t)(rnd() % 2000001) - 1000000;
        r[i].d_null = rnd() % 11 == 0;
        r[i].d = (double)(rnd() % 100000) / 8.0;
        snprintf(r[i].s, sizeof r[i].s, "n%d", (int)(rnd() % 37));
        r[i].ts = ts0 + (int64_t)i * 1000;
    }
}

static void append_rows(floe_db *db, const char *table, const ref_row *r, int n)
{
    floe_appender *app = NULL;
    int i;
    cr_assert_eq(floe_appender_open(db, table, &app), FLOE_OK, "%s", floe_db_errmsg(db));
    for (i = 0; i < n; i++) {
        if (r[i].k_null)
            cr_assert_eq(floe_append_null(app), FLOE_OK);
        else
            cr_assert_eq(floe_append_int64(app, r[i].k), FLOE_OK);
        cr_assert_eq(floe_append_int64(app, r[i].v), FLOE_OK);
        if (r[i].d_null)
            cr_assert_eq(floe_append_null(app), FLOE_OK);
        else
            cr_assert_eq(floe_append_double(app, r[i].d), FLOE_OK);
        cr_assert_eq(floe_append_string(app, r[i].s, -1), FLOE_OK);
        cr_assert_eq(floe_append_int64(app, r[i].ts), FLOE_OK);
        cr_assert_eq(floe_appender_end_row(app), FLOE_OK, "%s", floe_appender_errmsg(app));
    }
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
}

/* Answers computed in C, compared with the engine's. */
static void check_answers(floe_db *db, const char *table, const ref_row *r, int n)
{
    int64_t sum_v = 0, min_v = INT64_MAX, max_v = INT64_MIN, cnt_k = 0, sum_k = 0;
    int64_t cnt_d = 0;
    double sum_d = 0;
    int seen[37] = {0}, distinct = 0, i;
    char sql[512];
    floe_result *res;

    for (i = 0; i < n; i++) {
        sum_v += r[i].v;
        if (r[i].v < min_v) min_v = r[i].v;
        if (r[i].v > max_v) max_v = r[i].v;
        if (!r[i].k_null) {
            cnt_k++;
            sum_k += r[i].k;
        }
        if (!r[i].d_null) {
            cnt_d++;
            sum_d += r[i].d;
        }
        if (!seen[atoi(r[i].s + 1)]++) distinct++;
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*), sum(v), min(v), max(v), count(k), sum(k), count(d), sum(d),"
             " count(DISTINCT s) FROM %s",
             table);
    res = query_ok(db, sql);
    cr_assert_eq(floe_result_row_count(res), 1);
    cr_expect_eq(floe_value_int64(res, 0, 0), n);
    cr_expect_eq(floe_value_int64(res, 1, 0), sum_v);
    cr_expect_eq(floe_value_int64(res, 2, 0), min_v);
    cr_expect_eq(floe_value_int64(res, 3, 0), max_v);
    cr_expect_eq(floe_value_int64(res, 4, 0), cnt_k);
    cr_expect_eq(floe_value_int64(res, 5, 0), sum_k);
    cr_expect_eq(floe_value_int64(res, 6, 0), cnt_d);
    /* multiples of 1/8 below 2^53: the sum is exact in any order */
    cr_expect_eq(floe_value_double(res, 7, 0), sum_d);
    cr_expect_eq(floe_value_int64(res, 8, 0), distinct);
    floe_result_free(res);
}

/* Every part of `table` is sorted by (k NULLS LAST, v): read the parts'
 * blocks directly and compare consecutive rows. Returns the rows seen. */
static uint64_t check_parts_sorted(floe_db *db, const char *table)
{
    floe_db_table *t = floe_db_find_table(db, table);
    floe_err err = FLOE_ERR_INIT;
    uint64_t total = 0;
    uint32_t p, b, i;
    cr_assert_not_null(t);
    cr_assert_eq(t->def->cols[0].type.id, FLOE_TYPE_BIGINT);
    for (p = 0; p < t->nparts; p++) {
        floe_part_reader *r = t->parts[p];
        int prev_null = 0, have_prev = 0;
        int64_t prev_k = 0, prev_v = 0;
        for (b = 0; b < floe_part_reader_nblocks(r); b++) {
            floe_vec kv, vv;
            memset(&kv, 0, sizeof kv);
            memset(&vv, 0, sizeof vv);
            cr_assert_eq(floe_part_read_block(r, 0, b, &kv, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(floe_part_read_block(r, 1, b, &vv, &err), FLOE_OK, "%s", err.msg);
            for (i = 0; i < kv.n; i++) {
                uint32_t ki = (kv.flags & FLOE_VEC_CONST) ? 0 : i;
                uint32_t vi = (vv.flags & FLOE_VEC_CONST) ? 0 : i;
                int knull = !floe_vec_is_valid(&kv, ki);
                int64_t k = ((const int64_t *)kv.data)[ki], v = ((const int64_t *)vv.data)[vi];
                if (have_prev) {
                    int ok;
                    if (prev_null != knull)
                        ok = !prev_null; /* NULL keys come last */
                    else if (!knull && prev_k != k)
                        ok = prev_k < k;
                    else
                        ok = prev_v <= v;
                    cr_assert(ok, "part-%lld row %llu out of order", (long long)floe_part_reader_id(r),
                              (unsigned long long)(floe_part_reader_block_start(r, b) + i));
                }
                have_prev = 1;
                prev_null = knull;
                prev_k = k;
                prev_v = v;
            }
            total += kv.n;
            floe_vec_free(&kv);
            floe_vec_free(&vv);
        }
    }
    return total;
}

#define ROUNDS 40
#define PER_ROUND 100

static void merge_case(const char *name, const char *create, int sorted)
{
    char *dir = scratch_dir(name);
    ref_row *rows = malloc(sizeof(ref_row) * ROUNDS * PER_ROUND);
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(dir);
    int64_t before, after, table_id;
    int i;

    rng_state = 42;
    make_rows(rows, ROUNDS * PER_ROUND, 1700000000000000LL);
    exec_ok(db, create);
    table_id = floe_db_find_table(db, "t")->def->id;
    for (i = 0; i < ROUNDS; i++) {
        append_rows(db, "t", rows + i * PER_ROUND, PER_ROUND);
        exec_ok(db, "FLUSH t");
    }
    before = table_parts(db, "t");
    cr_assert_geq(before, ROUNDS, "one part per flush at least: %lld", (long long)before);
    check_answers(db, "t", rows, ROUNDS * PER_ROUND);
    if (sorted) check_parts_sorted(db, "t");

    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    after = table_parts(db, "t");
    cr_assert_lt(after, before);
    cr_assert_leq(after, FLOE_MAINTAIN_MIN_PARTS, "converged: %lld parts", (long long)after);
    cr_assert_geq(st.merges, 1);
    cr_assert_eq((int64_t)(st.parts_merged - st.merges), before - after);
    cr_assert_eq(count_part_dirs(dir, table_id), after, "old part directories removed");
    check_answers(db, "t", rows, ROUNDS * PER_ROUND);
    if (sorted) cr_assert_eq(check_parts_sorted(db, "t"), ROUNDS * PER_ROUND);
    cr_assert_eq(query_int(db, "SELECT part_rows FROM floe_stats WHERE table_name = 't'"),
                 ROUNDS * PER_ROUND);

    /* a second pass has nothing to do */
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.merges, 0);

    cr_assert_eq(floe_db_close(db), FLOE_OK);
    db = open_db(dir);
    cr_assert_eq(table_parts(db, "t"), after);
    check_answers(db, "t", rows, ROUNDS * PER_ROUND);
    if (sorted) cr_assert_eq(check_parts_sorted(db, "t"), ROUNDS * PER_ROUND);
    cr_assert_eq(count_part_dirs(dir, table_id), after);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(rows);
    free(dir);
}

Test(maintain, merges_small_parts_keeping_answers)
{
    merge_case("plain", "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)", 0);
}

Test(maintain, merge_keeps_sort_key_order)
{
    merge_case("sorted",
               "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
               " ORDER BY (k, v) WITH (shards = 2)",
               1);
}

Test(maintain, few_parts_are_not_merged)
{
    char *dir = scratch_dir("few");
    ref_row rows[5 * 20];
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(dir);
    int i;

    rng_state = 7;
    make_rows(rows, 100, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " WITH (shards = 1)");
    for (i = 0; i < 5; i++) {
        append_rows(db, "t", rows + i * 20, 20);
        exec_ok(db, "FLUSH t");
    }
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.merges, 0);
    cr_assert_eq(table_parts(db, "t"), 5);

    /* a lower threshold merges them, and parts over the size target stay */
    {
        floe_maintain_opts o;
        floe_maintain_get_opts(db, &o);
        o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
        o.merge_min_parts = 2;
        o.merge_max_parts = 3;
        o.small_rows = 50;
        floe_maintain_set_opts(db, &o);
    }
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    /* 5 parts of 20: merge 3 -> {60, 20, 20}; 2 small left: done */
    cr_assert_eq(st.merges, 1);
    cr_assert_eq(st.parts_merged, 3);
    cr_assert_eq(table_parts(db, "t"), 3);
    check_answers(db, "t", rows, 100);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

Test(maintain, ttl_drops_only_expired_parts)
{
    char *dir = scratch_dir("ttl");
    int64_t now = (int64_t)time(NULL) * 1000000;
    ref_row *rows = malloc(sizeof(ref_row) * 600);
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(dir);
    int i;

    rng_state = 99;
    /* three parts two days old, three parts of now; one part mixing both */
    make_rows(rows, 300, now - 2LL * 86400 * 1000000);
    make_rows(rows + 300, 300, now);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " WITH (ttl = '1 hour', shards = 1)");
    for (i = 0; i < 6; i++) {
        append_rows(db, "t", rows + i * 100, 100);
        exec_ok(db, "FLUSH t");
    }
    /* the mixed part: 10 old rows and 10 new ones */
    append_rows(db, "t", rows + 0, 10);
    append_rows(db, "t", rows + 300, 10);
    exec_ok(db, "FLUSH t");
    cr_assert_eq(table_parts(db, "t"), 7);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 620);

    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.ttl_parts, 3);
    cr_assert_eq(st.ttl_rows, 300);
    cr_assert_eq(st.merges, 0);
    cr_assert_eq(table_parts(db, "t"), 4);
    {
        /* what stays: rows 300..599 and the mixed part (rows 0..9, 300..309) */
        ref_row *keep = malloc(sizeof(ref_row) * 320);
        memcpy(keep, rows + 300, sizeof(ref_row) * 300);
        memcpy(keep + 300, rows, sizeof(ref_row) * 10);
        memcpy(keep + 310, rows + 300, sizeof(ref_row) * 10);
        check_answers(db, "t", keep, 320);
        cr_assert_eq(floe_db_close(db), FLOE_OK);
        db = open_db(dir);
        cr_assert_eq(table_parts(db, "t"), 4);
        check_answers(db, "t", keep, 320);
        free(keep);
    }
    cr_assert_eq(query_int(db, "SELECT part_rows FROM floe_stats WHERE table_name = 't'"), 320);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(rows);
    free(dir);
}

/* ----------------------------------------------------------- concurrency */

typedef struct query_loop {
    floe_db *db;
    atomic_int stop;
    int64_t expect_count, expect_sum;
    int runs, bad;
    char msg[256];
} query_loop;

static void *run_queries(void *arg)
{
    query_loop *q = arg;
    while (!atomic_load(&q->stop) || q->runs < 3) {
        floe_result *res = NULL;
        if (floe_query(q->db, "SELECT count(*), sum(v) FROM t", &res) != FLOE_OK) {
            snprintf(q->msg, sizeof q->msg, "query failed: %s", floe_db_errmsg(q->db));
            q->bad++;
            break;
        }
        if (floe_value_int64(res, 0, 0) != q->expect_count ||
            floe_value_int64(res, 1, 0) != q->expect_sum) {
            snprintf(q->msg, sizeof q->msg, "run %d saw count %lld sum %lld", q->runs,
                     (long long)floe_value_int64(res, 0, 0), (long long)floe_value_int64(res, 1, 0));
            q->bad++;
        }
        floe_result_free(res);
        q->runs++;
    }
    return NULL;
}

static void concurrent_case(const char *name, const char *create)
{
    char *dir = scratch_dir(name);
    ref_row *rows = malloc(sizeof(ref_row) * 60 * 50);
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(dir);
    query_loop q;
    pthread_t th;
    int i;

    rng_state = 1234;
    make_rows(rows, 60 * 50, 1700000000000000LL);
    exec_ok(db, create);
    for (i = 0; i < 60; i++) {
        append_rows(db, "t", rows + i * 50, 50);
        exec_ok(db, "FLUSH t");
    }
    memset(&q, 0, sizeof q);
    q.db = db;
    q.expect_count = 60 * 50;
    for (i = 0; i < 60 * 50; i++) q.expect_sum += rows[i].v;
    {
        /* small merges, many swaps while the queries run */
        floe_maintain_opts o;
        floe_maintain_get_opts(db, &o);
        o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
        o.merge_min_parts = 1;
        o.merge_max_parts = 3;
        floe_maintain_set_opts(db, &o);
    }
    cr_assert_eq(pthread_create(&th, NULL, run_queries, &q), 0);
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    atomic_store(&q.stop, 1);
    pthread_join(th, NULL);
    cr_assert_eq(q.bad, 0, "%s", q.msg);
    cr_assert_geq(st.merges, 20);
    cr_assert_eq(table_parts(db, "t"), 1);
    check_answers(db, "t", rows, 60 * 50);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(rows);
    free(dir);
}

Test(maintain, queries_during_merges_see_every_row_once)
{
    concurrent_case("conc", "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)");
}

Test(maintain, queries_during_sorted_merges_see_every_row_once)
{
    concurrent_case("concsort", "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR,"
                                " ts TIMESTAMP) ORDER BY (k, v)");
}

/* The background thread merges on its own when given a short period. */
Test(maintain, background_thread_merges)
{
    char *dir = scratch_dir("bg");
    ref_row rows[12 * 10];
    floe_db *db = open_db(dir);
    floe_maintain_opts o;
    int i, tries;

    rng_state = 5;
    make_rows(rows, 120, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " WITH (shards = 1)");
    for (i = 0; i < 12; i++) {
        append_rows(db, "t", rows + i * 10, 10);
        exec_ok(db, "FLUSH t");
    }
    cr_assert_eq(table_parts(db, "t"), 12);
    floe_maintain_get_opts(db, &o);
    o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
    o.interval_ms = 20;
    floe_maintain_set_opts(db, &o);
    for (tries = 0; tries < 250 && table_parts(db, "t") > FLOE_MAINTAIN_MIN_PARTS; tries++)
        usleep(20000);
    cr_assert_leq(table_parts(db, "t"), FLOE_MAINTAIN_MIN_PARTS);
    check_answers(db, "t", rows, 120);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

/* Allocation failures at every point of a pass: the pass reports
 * FLOE_NOMEM, no part is lost or duplicated (answers and directories agree
 * with the part list), and a later pass completes the merge. */
Test(maintain, allocation_failures_lose_nothing)
{
    char *dir = scratch_dir("oom");
    ref_row rows[10 * 10];
    floe_db *db = open_db(dir);
    floe_maintain_opts o;
    int64_t table_id, n;
    int i, done = 0, failures = 0;

    rng_state = 77;
    make_rows(rows, 100, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " ORDER BY (k, v) WITH (shards = 1)");
    table_id = floe_db_find_table(db, "t")->def->id;
    for (i = 0; i < 10; i++) {
        append_rows(db, "t", rows + i * 10, 10);
        exec_ok(db, "FLUSH t");
    }
    floe_maintain_get_opts(db, &o);
    o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
    o.merge_min_parts = 1;
    floe_maintain_set_opts(db, &o);
    for (n = 0; !done && n < 1000000; n += n < 64 ? 1 : n / 8) {
        floe_maintain_stats st;
        floe_err err = FLOE_ERR_INIT;
        int rc;
        memset(&st, 0, sizeof st);
        floe_mem_fail_after(n, 1);
        rc = floe_maintain_run(db, &st, &err);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK && st.merges == 1) {
            done = 1;
        } else {
            cr_assert_neq(rc, FLOE_OK, "n %lld: no merge and no error", (long long)n);
            cr_assert_eq(st.merges, 0);
            failures++;
        }
        cr_assert_eq(table_parts(db, "t"), done ? 1 : 10, "n %lld", (long long)n);
        cr_assert_eq(count_part_dirs(dir, table_id), done ? 1 : 10, "n %lld", (long long)n);
        check_answers(db, "t", rows, 100);
    }
    cr_assert(done);
    cr_assert_geq(failures, 10);
    cr_assert_eq(check_parts_sorted(db, "t"), 100);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    db = open_db(dir);
    check_answers(db, "t", rows, 100);
    cr_assert_eq(table_parts(db, "t"), 1);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

/* Flushes committing new parts while passes merge: nothing is lost, and
 * the part list, the catalog and the directories agree at the end. */
typedef struct ingest_loop {
    floe_db *db;
    const ref_row *rows;
    int batches, per;
    atomic_int finished;
} ingest_loop;

static void *run_ingest(void *arg)
{
    ingest_loop *g = arg;
    int i;
    for (i = 0; i < g->batches; i++) {
        append_rows(g->db, "t", g->rows + i * g->per, g->per);
        cr_assert_eq(floe_exec(g->db, "FLUSH t"), FLOE_OK, "%s", floe_db_errmsg(g->db));
    }
    atomic_store(&g->finished, 1);
    return NULL;
}

Test(maintain, merges_while_flushing)
{
    char *dir = scratch_dir("flushing");
    ref_row *rows = malloc(sizeof(ref_row) * 40 * 25);
    floe_db *db = open_db(dir);
    floe_maintain_opts o;
    floe_maintain_stats st;
    ingest_loop g;
    pthread_t th;
    int64_t table_id, parts;

    rng_state = 4321;
    make_rows(rows, 40 * 25, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " ORDER BY (k, v)");
    table_id = floe_db_find_table(db, "t")->def->id;
    floe_maintain_get_opts(db, &o);
    o.retire_ms = 0; /* replaced part directories go at once (see retired_parts_stay_a_while) */
    o.merge_min_parts = 2;
    o.merge_max_parts = 4;
    floe_maintain_set_opts(db, &o);
    memset(&g, 0, sizeof g);
    g.db = db;
    g.rows = rows;
    g.batches = 40;
    g.per = 25;
    memset(&st, 0, sizeof st);
    cr_assert_eq(pthread_create(&th, NULL, run_ingest, &g), 0);
    while (!atomic_load(&g.finished)) {
        floe_err err = FLOE_ERR_INIT;
        cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
        usleep(2000);
    }
    pthread_join(th, NULL);
    {
        floe_err err = FLOE_ERR_INIT;
        cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    }
    cr_assert_geq(st.merges, 1);
    parts = table_parts(db, "t");
    cr_assert_leq(parts, 2);
    cr_assert_eq(count_part_dirs(dir, table_id), parts);
    check_answers(db, "t", rows, 40 * 25);
    cr_assert_eq(check_parts_sorted(db, "t"), 40 * 25);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    db = open_db(dir);
    cr_assert_eq(table_parts(db, "t"), parts);
    check_answers(db, "t", rows, 40 * 25);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(rows);
    free(dir);
}

/* Parts of t sorted by (s, d NULLS LAST), strings in byte order. */
static uint64_t check_parts_sorted_s_d(floe_db *db)
{
    floe_db_table *t = floe_db_find_table(db, "t");
    floe_err err = FLOE_ERR_INIT;
    uint64_t total = 0;
    uint32_t p, b, i;
    for (p = 0; p < t->nparts; p++) {
        floe_part_reader *r = t->parts[p];
        char prev_s[16] = "";
        int have_prev = 0, prev_null = 0;
        double prev_d = 0;
        for (b = 0; b < floe_part_reader_nblocks(r); b++) {
            floe_vec sv, dv;
            cr_assert_eq(floe_part_read_block(r, 3, b, &sv, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(floe_part_read_block(r, 2, b, &dv, &err), FLOE_OK, "%s", err.msg);
            for (i = 0; i < sv.n; i++) {
                uint32_t si = (sv.flags & FLOE_VEC_CONST) ? 0 : i;
                uint32_t di = (dv.flags & FLOE_VEC_CONST) ? 0 : i;
                const floe_string *fs = (const floe_string *)sv.data + si;
                char s[16];
                int dnull = !floe_vec_is_valid(&dv, di);
                double d = ((const double *)dv.data)[di];
                cr_assert_lt(fs->len, sizeof s);
                memcpy(s, fs->ptr, fs->len);
                s[fs->len] = '\0';
                if (have_prev) {
                    int c = strcmp(prev_s, s), ok;
                    if (c != 0)
                        ok = c < 0;
                    else if (prev_null != dnull)
                        ok = !prev_null;
                    else
                        ok = dnull || prev_d <= d;
                    cr_assert(ok, "part-%lld: (%s, %g) before (%s, %g)",
                              (long long)floe_part_reader_id(r), prev_s, prev_d, s, d);
                }
                have_prev = 1;
                strcpy(prev_s, s);
                prev_null = dnull;
                prev_d = d;
            }
            total += sv.n;
            floe_vec_free(&sv);
            floe_vec_free(&dv);
        }
    }
    return total;
}

Test(maintain, merge_sorts_by_string_and_double_keys)
{
    char *dir = scratch_dir("strkey");
    ref_row *rows = malloc(sizeof(ref_row) * 30 * 50);
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(dir);
    int i;

    rng_state = 31337;
    make_rows(rows, 30 * 50, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " ORDER BY (s, d)");
    for (i = 0; i < 30; i++) {
        append_rows(db, "t", rows + i * 50, 50);
        exec_ok(db, "FLUSH t");
    }
    cr_assert_eq(check_parts_sorted_s_d(db), 30 * 50);
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_geq(st.merges, 1);
    cr_assert_leq(table_parts(db, "t"), FLOE_MAINTAIN_MIN_PARTS);
    cr_assert_eq(check_parts_sorted_s_d(db), 30 * 50);
    check_answers(db, "t", rows, 30 * 50);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    db = open_db(dir);
    cr_assert_eq(check_parts_sorted_s_d(db), 30 * 50);
    check_answers(db, "t", rows, 30 * 50);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(rows);
    free(dir);
}

/* In-memory databases keep parts in a scratch directory: they merge too. */
Test(maintain, in_memory_database_merges)
{
    ref_row rows[20 * 10];
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    floe_db *db = open_db(":memory:");
    int i;

    rng_state = 11;
    make_rows(rows, 200, 1700000000000000LL);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)"
                " ORDER BY (k, v) WITH (shards = 1)");
    for (i = 0; i < 20; i++) {
        append_rows(db, "t", rows + i * 10, 10);
        exec_ok(db, "FLUSH t");
    }
    cr_assert_eq(table_parts(db, "t"), 20);
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.parts_merged - st.merges, 20 - (uint64_t)table_parts(db, "t"));
    cr_assert_leq(table_parts(db, "t"), FLOE_MAINTAIN_MIN_PARTS);
    cr_assert_eq(count_part_dirs(db->path, floe_db_find_table(db, "t")->def->id),
                 table_parts(db, "t"));
    cr_assert_eq(check_parts_sorted(db, "t"), 200);
    check_answers(db, "t", rows, 200);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

/* The maintenance thread blocks signals, so an application's handler (the
 * shell's SIGINT handler jumps back to its prompt) never runs on it. */
Test(maintain, thread_blocks_signals)
{
    floe_db *db = open_db(":memory:");
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int found = 0;
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[512], line[256];
        FILE *f;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        if ((f = fopen(path, "r")) == NULL) continue;
        if (fgets(line, sizeof line, f) == NULL || strncmp(line, "floe-maintain", 13) != 0) {
            fclose(f);
            continue;
        }
        fclose(f);
        snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
        cr_assert_not_null(f = fopen(path, "r"));
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "SigBlk:", 7) == 0) {
                unsigned long long mask = strtoull(line + 7, NULL, 16);
                cr_assert(mask & (1ULL << (SIGINT - 1)), "SIGINT not blocked: %s", line);
                cr_assert(mask & (1ULL << (SIGTERM - 1)), "SIGTERM not blocked: %s", line);
                cr_assert(mask & (1ULL << (SIGUSR1 - 1)), "SIGUSR1 not blocked: %s", line);
                found = 1;
            }
        }
        fclose(f);
    }
    closedir(d);
    cr_assert(found, "no floe-maintain thread");
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

/* A merge keeps the replaced parts' directories for retire_ms (a read-only
 * handle may be opening them), and a later pass removes them. */
Test(maintain, retired_parts_stay_a_while)
{
    char dir[] = "/tmp/floe-maint-retire-XXXXXX";
    floe_db *db = NULL;
    floe_maintain_opts o;
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    int64_t table_id;
    int i, before;
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    floe_maintain_get_opts(db, &o);
    o.interval_ms = 0;
    o.retire_ms = 300;
    floe_maintain_set_opts(db, &o);
    cr_assert_eq(floe_exec(db, "CREATE TABLE t (a BIGINT) WITH (shards = 1)"), FLOE_OK);
    for (i = 0; i < 10; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d), (%d); FLUSH t", 2 * i, 2 * i + 1);
        cr_assert_eq(floe_exec(db, sql), FLOE_OK, "%s", floe_db_errmsg(db));
    }
    table_id = floe_db_find_table(db, "t")->def->id;
    before = count_part_dirs(dir, table_id);
    cr_assert_eq(before, 10);
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_gt(st.merges, 0);
    cr_assert_eq(table_parts(db, "t"), 1);
    /* the merged part and the 10 replaced ones, still on disk */
    cr_assert_eq(count_part_dirs(dir, table_id), 11);
    usleep(400 * 1000);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(count_part_dirs(dir, table_id), 1);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    floe_os_remove_tree(dir, NULL);
}
