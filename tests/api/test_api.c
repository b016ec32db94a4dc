/* tests/api/test_api.c: the first slice end to end through floe.h, as a user
 * would drive it: CREATE TABLE, INSERT, appender, FLUSH, SELECT with
 * aggregates, filters, GROUP BY, ORDER BY, LIMIT; answers compared with a
 * plain-C computation over the same rows, whether the rows sit in memtables,
 * in parts, or both, and after closing and reopening the database. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

/* Reference data: row i has k = i % 7, v = i * 3 - 1000, d = i / 4.0,
 * s = "name<i % 13>", ts = 1700000000000000 + i * 1000000. */
#define NROWS 10000

static void append_rows(floe_db *db, int from, int to)
{
    floe_appender *app = NULL;
    char buf[32];
    int i;
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK, "%s", floe_db_errmsg(db));
    for (i = from; i < to; i++) {
        cr_assert_eq(floe_append_int64(app, i % 7), FLOE_OK, "%s", floe_appender_errmsg(app));
        cr_assert_eq(floe_append_int64(app, (int64_t)i * 3 - 1000), FLOE_OK);
        if (i % 10 == 3)
            cr_assert_eq(floe_append_null(app), FLOE_OK);
        else
            cr_assert_eq(floe_append_double(app, i / 4.0), FLOE_OK);
        snprintf(buf, sizeof buf, "name%d", i % 13);
        cr_assert_eq(floe_append_string(app, buf, -1), FLOE_OK);
        cr_assert_eq(floe_append_int64(app, 1700000000000000LL + (int64_t)i * 1000000), FLOE_OK);
        cr_assert_eq(floe_appender_end_row(app), FLOE_OK, "%s", floe_appender_errmsg(app));
    }
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
}

static void check_answers(floe_db *db, int n)
{
    int64_t sum_v = 0, cnt_d = 0, min_v = INT64_MAX, max_v = INT64_MIN, cnt_filter = 0;
    int64_t per_k[7] = {0};
    double sum_d = 0;
    floe_result *res;
    int i;
    uint64_t r;
    for (i = 0; i < n; i++) {
        int64_t v = (int64_t)i * 3 - 1000;
        sum_v += v;
        if (v < min_v) min_v = v;
        if (v > max_v) max_v = v;
        if (i % 10 != 3) {
            cnt_d++;
            sum_d += i / 4.0;
        }
        if (v > 500 && i % 7 == 2) cnt_filter++;
        per_k[i % 7] += v;
    }
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), n);
    cr_assert_eq(query_int(db, "SELECT sum(v) FROM t"), sum_v);
    cr_assert_eq(query_int(db, "SELECT min(v) FROM t"), min_v);
    cr_assert_eq(query_int(db, "SELECT max(v) FROM t"), max_v);
    cr_assert_eq(query_int(db, "SELECT count(d) FROM t"), cnt_d);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE v > 500 AND k = 2"), cnt_filter);
    res = query_ok(db, "SELECT avg(d) FROM t");
    cr_assert(fabs(floe_value_double(res, 0, 0) - sum_d / (double)cnt_d) < 1e-9);
    floe_result_free(res);

    res = query_ok(db, "SELECT k, sum(v) AS s, count(*) FROM t GROUP BY k ORDER BY k");
    cr_assert_eq(floe_result_row_count(res), 7);
    cr_assert_str_eq(floe_result_column_name(res, 1), "s");
    for (r = 0; r < 7; r++) {
        cr_assert_eq(floe_value_int64(res, 0, r), (int64_t)r);
        cr_assert_eq(floe_value_int64(res, 1, r), per_k[r], "group %d", (int)r);
    }
    floe_result_free(res);

    res = query_ok(db, "SELECT v, s FROM t ORDER BY v DESC LIMIT 3");
    cr_assert_eq(floe_result_row_count(res), 3);
    for (r = 0; r < 3; r++) {
        int idx = n - 1 - (int)r;
        char want[32];
        floe_string s = floe_value_string(res, 1, r);
        cr_assert_eq(floe_value_int64(res, 0, r), (int64_t)idx * 3 - 1000);
        snprintf(want, sizeof want, "name%d", idx % 13);
        cr_assert_eq(s.len, strlen(want));
        cr_assert(memcmp(s.ptr, want, s.len) == 0);
    }
    floe_result_free(res);
}

static const char *create_sql =
    "CREATE TABLE t (k BIGINT, v BIGINT, d DOUBLE, s VARCHAR, ts TIMESTAMP)";

Test(api, memtable_parts_and_reopen_give_the_same_answers)
{
    char *dir = scratch_dir("slice");
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, create_sql);
    append_rows(db, 0, NROWS / 2);
    check_answers(db, NROWS / 2); /* memtable only */
    exec_ok(db, "FLUSH t");
    check_answers(db, NROWS / 2); /* parts only */
    append_rows(db, NROWS / 2, NROWS);
    check_answers(db, NROWS); /* both */
    cr_assert_eq(floe_db_close(db), FLOE_OK);

    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    check_answers(db, NROWS); /* after reopen */
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

Test(api, insert_values_and_typed_getters)
{
    floe_db *db = NULL;
    floe_result *res;
    char *txt;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, "CREATE TABLE e (id BIGINT, price DOUBLE, name VARCHAR, at TIMESTAMP)");
    exec_ok(db, "INSERT INTO e VALUES (1, 2.5, 'a', TIMESTAMP '2024-01-02 03:04:05'),"
                " (2, NULL, 'b', '2024-01-03 00:00:00'), (3, 4.0, NULL, NULL)");
    res = query_ok(db, "SELECT id, price, name, at FROM e ORDER BY id");
    cr_assert_eq(floe_result_column_count(res), 4);
    cr_assert_eq(floe_result_column_type(res, 0), FLOE_TYPE_BIGINT);
    cr_assert_eq(floe_result_column_type(res, 1), FLOE_TYPE_DOUBLE);
    cr_assert_eq(floe_result_column_type(res, 2), FLOE_TYPE_VARCHAR);
    cr_assert_eq(floe_result_column_type(res, 3), FLOE_TYPE_TIMESTAMP);
    cr_assert_eq(floe_result_row_count(res), 3);
    cr_assert(floe_value_is_null(res, 1, 1));
    cr_assert(floe_value_is_null(res, 2, 2));
    cr_assert(!floe_value_is_null(res, 0, 2));
    cr_assert_eq(floe_value_double(res, 1, 0), 2.5);
    txt = floe_value_text(res, 3, 0);
    cr_assert_str_eq(txt, "2024-01-02 03:04:05");
    floe_free(txt);
    cr_assert_null(floe_value_text(res, 3, 2));
    {
        uint32_t rows;
        const void *data;
        const uint64_t *validity;
        cr_assert_eq(floe_result_chunk_count(res), 1);
        cr_assert_eq(floe_result_column_data(res, 0, 0, &rows, &data, &validity), FLOE_OK);
        cr_assert_eq(rows, 3);
        cr_assert_eq(((const int64_t *)data)[2], 3);
        cr_assert_null(validity);
        cr_assert_eq(floe_result_column_data(res, 0, 1, &rows, &data, &validity), FLOE_OK);
        cr_assert_not_null(validity);
        cr_assert_eq(validity[0] & 7, 5); /* rows 0 and 2 valid */
    }
    floe_result_free(res);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(api, errors_are_kept_on_the_handle)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    cr_assert_neq(floe_exec(db, "SELECT * FROM nope"), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "nope") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_exec(db, "SELEC 1"), FLOE_PARSE);
    cr_assert_eq(floe_db_erroffset(db), 0);
    exec_ok(db, "CREATE TABLE t (a BIGINT NOT NULL, b VARCHAR)");
    cr_assert_neq(floe_exec(db, "CREATE TABLE t (a BIGINT)"), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "already exists") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
    cr_assert_eq(floe_append_null(app), FLOE_CONSTRAINT);
    cr_assert_eq(floe_db_close(db), FLOE_BUSY); /* appender still open */
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(api, column_batches_append_and_report_sequence_numbers)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int64_t a[5000];
    floe_string b[5000];
    uint64_t valid[(5000 + 63) / 64];
    const void *data[2] = {a, b};
    const uint64_t *validity[2] = {NULL, valid};
    uint64_t seq = 0;
    int i, nulls = 0;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE c (a BIGINT, b VARCHAR) WITH (shards = 1)");
    memset(valid, 0xff, sizeof valid);
    for (i = 0; i < 5000; i++) {
        a[i] = i;
        b[i].ptr = "xyz";
        b[i].len = (uint32_t)(i % 4);
        if (i % 9 == 0) {
            valid[i / 64] &= ~(1ULL << (i % 64));
            nulls++;
        }
    }
    cr_assert_eq(floe_appender_open(db, "c", &app), FLOE_OK);
    cr_assert_eq(floe_appender_append_columns(app, 5000, data, validity), FLOE_OK, "%s",
                 floe_appender_errmsg(app));
    cr_assert_eq(floe_appender_flush(app, &seq), FLOE_OK);
    cr_assert_eq(seq, 5000); /* one shard: sequence numbers 1..5000 */
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM c WHERE b IS NULL"), nulls);
    cr_assert_eq(query_int(db, "SELECT sum(a) FROM c"), 4999LL * 5000 / 2);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(api, idempotent_producer_retries_never_double_count_even_after_restart)
{
    char *dir = scratch_dir("producer");
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int64_t v[3000];
    const void *data[1] = {v};
    int dup = -1, i;
    for (i = 0; i < 3000; i++) v[i] = i;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE p (v BIGINT) WITH (shards = 1)");
    cr_assert_eq(floe_appender_open(db, "p", &app), FLOE_OK);
    cr_assert_eq(floe_appender_append_idempotent(app, 7, 1, 3000, data, NULL, &dup), FLOE_OK, "%s",
                 floe_appender_errmsg(app));
    cr_assert_eq(dup, 0);
    cr_assert_eq(floe_appender_append_idempotent(app, 7, 2, 1000, data, NULL, &dup), FLOE_OK);
    cr_assert_eq(dup, 0);
    /* the retry of batch 2 (e.g. after a timeout) is skipped */
    cr_assert_eq(floe_appender_append_idempotent(app, 7, 2, 1000, data, NULL, &dup), FLOE_OK);
    cr_assert_eq(dup, 1);
    /* another producer has its own sequence */
    cr_assert_eq(floe_appender_append_idempotent(app, 8, 1, 10, data, NULL, &dup), FLOE_OK);
    cr_assert_eq(dup, 0);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM p"), 4010);
    exec_ok(db, "FLUSH p"); /* producer state moves from the WAL into the catalog */
    cr_assert_eq(floe_db_close(db), FLOE_OK);

    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_appender_open(db, "p", &app), FLOE_OK);
    cr_assert_eq(floe_appender_append_idempotent(app, 7, 2, 1000, data, NULL, &dup), FLOE_OK);
    cr_assert_eq(dup, 1);
    cr_assert_eq(floe_appender_append_idempotent(app, 7, 3, 5, data, NULL, &dup), FLOE_OK);
    cr_assert_eq(dup, 0);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM p"), 4015);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

Test(api, nowait_appender_gets_busy_instead_of_unbounded_memory)
{
    char *dir = scratch_dir("busy");
    floe_db *db = NULL;
    floe_appender *app = NULL;
    static int64_t v[200000];
    const void *data[1] = {v};
    int i, busy = 0, ok = 0, rc;
    for (i = 0; i < 200000; i++) v[i] = i;
    floe_open_options o;
    floe_open_options_init(&o);
    o.flags = FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_OFF;
    o.memtable_limit = 1 << 20;
    cr_assert_eq(floe_db_open_ex(dir, &o, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE b (v BIGINT) WITH (shards = 1)");
    cr_assert_eq(floe_appender_open(db, "b", &app), FLOE_OK);
    cr_assert_eq(floe_appender_set_nowait(app, 1), FLOE_OK);
    /* 1.6 MB per batch against a 1 MiB bound: producers outrun the flusher */
    for (i = 0; i < 40 && busy == 0; i++) {
        rc = floe_appender_append_columns(app, 200000, data, NULL);
        if (rc == FLOE_BUSY)
            busy++;
        else {
            cr_assert_eq(rc, FLOE_OK, "%s", floe_appender_errmsg(app));
            ok++;
        }
    }
    cr_assert_gt(busy, 0, "no FLOE_BUSY after %d batches over the bound", ok);
    /* blocking mode waits for the flusher instead, and nothing was lost */
    cr_assert_eq(floe_appender_set_nowait(app, 0), FLOE_OK);
    cr_assert_eq(floe_appender_append_columns(app, 200000, data, NULL), FLOE_OK, "%s",
                 floe_appender_errmsg(app));
    ok++;
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM b"), (int64_t)ok * 200000);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

static void *run_query_thread(void *arg)
{
    floe_db *db = arg;
    floe_result *res = NULL;
    cr_assert_eq(floe_query(db, "SELECT count(DISTINCT v % 100003), sum(v) FROM big", &res), FLOE_OK);
    floe_result_free(res);
    return NULL;
}

Test(api, progress_reports_the_fraction_of_rows_scanned)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    static int64_t v[100000];
    const void *data[1] = {v};
    pthread_t th;
    double last = 0, f;
    int i, seen_fraction = 0, polls = 0;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE big (v BIGINT)");
    cr_assert_eq(floe_appender_open(db, "big", &app), FLOE_OK);
    for (i = 0; i < 100000; i++) v[i] = i;
    for (i = 0; i < 20; i++) cr_assert_eq(floe_appender_append_columns(app, 100000, data, NULL), FLOE_OK);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    exec_ok(db, "FLUSH big");
    cr_assert_eq(floe_progress(db), -1.0); /* nothing running */
    cr_assert_eq(pthread_create(&th, NULL, run_query_thread, db), 0);
    while (polls < 200000) {
        f = floe_progress(db);
        polls++;
        if (f >= 0) {
            cr_assert(f <= 1.0, "progress %f", f);
            cr_assert(f >= last, "progress went back from %f to %f", last, f);
            last = f;
            if (f > 0 && f < 1) seen_fraction = 1;
        } else if (last > 0) {
            break; /* finished */
        }
        sched_yield();
    }
    pthread_join(th, NULL);
    cr_assert_eq(floe_progress(db), -1.0);
    cr_log_info("progress polls %d, saw a fraction: %d", polls, seen_fraction);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

/* COUNT(DISTINCT integer) without GROUP BY runs on its own radix-partitioned
 * set: check it against a count computed here, over flushed parts plus
 * memtable rows, BIGINT/INTEGER/BOOLEAN with NULLs, alone and next to other
 * aggregates, and against the generic DISTINCT path (SELECT DISTINCT). */
Test(api, count_distinct_integers_matches_a_reference)
{
    enum { N = 300000, DOM = 70001 };
    floe_db *db = NULL;
    floe_appender *app = NULL;
    static int64_t b[N];
    static int32_t i32[N];
    static uint8_t bo[N];
    static uint64_t valid[(N + 63) / 64];
    static uint8_t seen64[DOM], seen32[DOM];
    const void *data[3] = {b, i32, bo};
    const uint64_t *validity[3] = {valid, valid, NULL};
    int64_t want64 = 0, want32 = 0, nonnull = 0, sumi = 0;
    uint64_t s = 99;
    uint32_t r;
    char *dir = scratch_dir("cdistinct");
    floe_result *res;
    memset(valid, 0, sizeof valid);
    for (r = 0; r < N; r++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        b[r] = (int64_t)(s % DOM) - DOM / 2; /* negatives and 0 included */
        i32[r] = (int32_t)((s >> 20) % DOM);
        bo[r] = (uint8_t)(s & 1);
        if (r % 7 == 3) continue; /* NULL in b and i32 */
        valid[r / 64] |= 1ull << (r % 64);
        nonnull++;
        sumi += i32[r];
        if (!seen64[b[r] + DOM / 2]) seen64[b[r] + DOM / 2] = 1, want64++;
        if (!seen32[i32[r]]) seen32[i32[r]] = 1, want32++;
    }
    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t (b BIGINT, i INTEGER, f BOOLEAN)");
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
    cr_assert_eq(floe_appender_append_columns(app, N / 2, data, validity), FLOE_OK);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    exec_ok(db, "FLUSH t");
    /* the second half stays in the memtable: both sources are scanned */
    {
        const void *d2[3] = {b + N / 2, i32 + N / 2, bo + N / 2};
        static uint64_t v2[(N / 2 + 63) / 64];
        const uint64_t *val2[3] = {v2, v2, NULL};
        for (r = 0; r < N / 2; r++)
            if ((valid[(r + N / 2) / 64] >> ((r + N / 2) % 64)) & 1) v2[r / 64] |= 1ull << (r % 64);
        cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
        cr_assert_eq(floe_appender_append_columns(app, N / 2, d2, val2), FLOE_OK);
        cr_assert_eq(floe_appender_close(app), FLOE_OK);
    }
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT b) FROM t"), want64);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT i) FROM t"), want32);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT f) FROM t"), 2);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM (SELECT DISTINCT b FROM t WHERE b IS NOT NULL) x"),
                 want64);
    res = query_ok(db, "SELECT count(*), count(b), count(DISTINCT b), count(DISTINCT i), sum(i) FROM t");
    cr_assert_eq(floe_value_int64(res, 0, 0), N);
    cr_assert_eq(floe_value_int64(res, 1, 0), nonnull);
    cr_assert_eq(floe_value_int64(res, 2, 0), want64);
    cr_assert_eq(floe_value_int64(res, 3, 0), want32);
    cr_assert_eq(floe_value_int64(res, 4, 0), sumi);
    floe_result_free(res);
    /* with a filter: a selection vector reaches the set */
    {
        int64_t wantf = 0;
        memset(seen64, 0, sizeof seen64);
        for (r = 0; r < N; r++)
            if (((valid[r / 64] >> (r % 64)) & 1) && b[r] > 100 && !seen64[b[r] + DOM / 2])
                seen64[b[r] + DOM / 2] = 1, wantf++;
        cr_assert_eq(query_int(db, "SELECT count(DISTINCT b) FROM t WHERE b > 100"), wantf);
    }
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT b) FROM t WHERE b > 1000000"), 0);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}
