/* tests/fault/dml_concurrent_test.c: DELETE and UPDATE while another thread
 * appends and background merges run, with readers checking atomicity.
 *
 * - An appender thread appends rows (id, v = id, tag 'a') to table t in
 *   batches of 500, each made visible and durable by floe_appender_flush,
 *   and publishes the highest acknowledged id; it records its longest
 *   batch (up to MAX_ROWS rows, so sanitizer builds finish; the "never blocked for long" check: at most 5 s on this shared
 *   machine; the measured value is printed).
 * - The main thread runs, against t, DELETE ... WHERE id % 10 = k AND id < A
 *   and UPDATE ... SET v = v + 1000000, tag = 'u' WHERE id % 10 = k AND id < A,
 *   A being the acknowledged id when the statement starts, and checks the
 *   affected-row count (floe_result_rows_changed) against the count computed
 *   here. Between them it runs an UPDATE on table acct (1000 rows over 20
 *   parts) that moves one unit from every odd row to every even row.
 * - A reader thread checks, all the time, that acct's count is 1000 and its
 *   sum is constant (an UPDATE seen half-applied across parts breaks it).
 * - Merges run every 20 ms (maintain_interval_ms), so DELETE/UPDATE meet
 *   merges of the parts they touch.
 * At the end, and again after closing and reopening the database, every
 * acknowledged row is checked: present unless deleted, v updated exactly
 * when its class was updated, no duplicates (count, sum, count DISTINCT).
 *
 * Usage: dml_concurrent_test DIR    Prints "dml_concurrent_test: ok ...".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "floe.h"

#define BATCH 500
#define ROUNDS 8
#define MAX_ROWS 120000

static floe_db *db;
static atomic_llong acked = -1;  /* highest acknowledged id */
static atomic_int stop;
static atomic_llong max_batch_us;
static atomic_int reader_checks;

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "dml_concurrent_test: %s: %s\n", what, msg ? msg : "");
    exit(1);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void exec(const char *sql)
{
    if (floe_exec(db, sql) != FLOE_OK) die(sql, floe_db_errmsg(db));
}

static int64_t q_i64(const char *sql, int col)
{
    floe_result *res = NULL;
    int64_t v;
    if (floe_query(db, sql, &res) != FLOE_OK) die(sql, floe_db_errmsg(db));
    v = floe_value_is_null(res, (uint32_t)col, 0) ? -1 : floe_value_int64(res, (uint32_t)col, 0);
    floe_result_free(res);
    return v;
}

static uint64_t changes(const char *sql)
{
    floe_result *res = NULL;
    uint64_t n;
    if (floe_query(db, sql, &res) != FLOE_OK) die(sql, floe_db_errmsg(db));
    n = floe_result_rows_changed(res);
    floe_result_free(res);
    return n;
}

static void *appender_main(void *arg)
{
    floe_appender *app = NULL;
    int64_t next = 0;
    (void)arg;
    if (floe_appender_open(db, "t", &app) != FLOE_OK) die("appender", floe_db_errmsg(db));
    while (!atomic_load(&stop)) {
        int64_t t0 = now_us(), i, dt;
        if (next >= MAX_ROWS) { /* bounded work (sanitizer builds are slow) */
            struct timespec ts = {0, 5000000};
            nanosleep(&ts, NULL);
            continue;
        }
        for (i = next; i < next + BATCH; i++)
            if (floe_append_int64(app, i) || floe_append_int64(app, i) ||
                floe_append_string(app, "a", 1) || floe_appender_end_row(app))
                die("append", floe_appender_errmsg(app));
        if (floe_appender_flush(app, NULL) != FLOE_OK) die("appender flush", floe_appender_errmsg(app));
        dt = now_us() - t0;
        if (dt > atomic_load(&max_batch_us)) atomic_store(&max_batch_us, dt);
        next += BATCH;
        atomic_store(&acked, next - 1);
        {
            struct timespec ts = {0, 5000000}; /* ~100k rows/s: merges keep up */
            nanosleep(&ts, NULL);
        }
    }
    floe_appender_close(app);
    return NULL;
}

static void *reader_main(void *arg)
{
    int64_t want = *(int64_t *)arg;
    while (!atomic_load(&stop)) {
        floe_result *res = NULL;
        if (floe_query(db, "SELECT count(*), CAST(sum(bal) AS BIGINT), count(bal) FROM acct", &res) != FLOE_OK)
            die("reader", floe_db_errmsg(db));
        if (floe_value_int64(res, 0, 0) != 1000 || floe_value_int64(res, 1, 0) != want) {
            fprintf(stderr, "dml_concurrent_test: reader saw count %lld sum %lld nonnull %lld (want 1000, %lld)\n",
                    (long long)floe_value_int64(res, 0, 0), (long long)floe_value_int64(res, 1, 0), (long long)floe_value_int64(res, 2, 0),
                    (long long)want);
            exit(1);
        }
        floe_result_free(res);
        atomic_fetch_add(&reader_checks, 1);
    }
    return NULL;
}

/* Rows with id in [0, a) and id % 10 == k. */
static uint64_t class_count(int64_t a, int k)
{
    return a <= k ? 0 : (uint64_t)((a - 1 - k) / 10 + 1);
}

static int64_t del_below[10], upd_below[10]; /* -1: class untouched */

/* Check every acknowledged row of t against the statements' effects. */
static void verify(int64_t total, const char *when)
{
    int64_t id, cnt = 0, sum = 0;
    char sql[256];
    for (id = 0; id < total; id++) {
        int k = (int)(id % 10);
        if (del_below[k] >= 0 && id < del_below[k]) continue;
        cnt++;
        sum += id + (upd_below[k] >= 0 && id < upd_below[k] ? 1000000 : 0);
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*), CAST(sum(v) AS BIGINT), count(DISTINCT id), sum(CASE WHEN tag = 'u' THEN 1 ELSE 0 END)"
             " FROM t WHERE id < %lld", (long long)total);
    if (q_i64(sql, 0) != cnt || q_i64(sql, 1) != sum || q_i64(sql, 2) != cnt) {
        fprintf(stderr, "dml_concurrent_test: %s: count %lld sum %lld distinct %lld, want %lld %lld\n",
                when, (long long)q_i64(sql, 0), (long long)q_i64(sql, 1), (long long)q_i64(sql, 2),
                (long long)cnt, (long long)sum);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    floe_open_options o;
    pthread_t ta, tr;
    int64_t acct_sum = 0, total;
    int i, r;
    char sql[256];
    if (argc < 2) die("usage", "dml_concurrent_test DIR");
    floe_open_options_init(&o);
    o.maintain_interval_ms = 20;
    o.flags = FLOE_OPEN_CREATE;
    if (floe_db_open_ex(argv[1], &o, &db) != FLOE_OK) die("open", floe_db_errmsg(db));
    exec("CREATE TABLE t(id BIGINT, v BIGINT, tag VARCHAR) WITH (flush_rows = 3000)");
    exec("CREATE TABLE acct(id INTEGER, bal BIGINT)");
    for (i = 0; i < 20; i++) { /* 20 parts */
        static char big[8192];
        int j;
        char *q = big + sprintf(big, "INSERT INTO acct VALUES ");
        for (j = 0; j < 50; j++) q += sprintf(q, "%s(%d, 100)", j ? ", " : "", i * 50 + j);
        exec(big);
        exec("FLUSH TABLE acct");
    }
    for (i = 0; i < 1000; i++) acct_sum += 100;
    for (i = 0; i < 10; i++) del_below[i] = upd_below[i] = -1;
    if (pthread_create(&ta, NULL, appender_main, NULL) != 0) die("thread", "appender");
    if (pthread_create(&tr, NULL, reader_main, &acct_sum) != 0) die("thread", "reader");
    while (atomic_load(&acked) < 20000) {
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    for (r = 0; r < ROUNDS; r++) {
        int kd = r, ku = 9 - r; /* distinct classes: 0..7 deleted, 9..2 updated */
        int64_t a = atomic_load(&acked) + 1;
        uint64_t n;
        if (kd == ku) continue;
        if (upd_below[kd] < 0) {
            snprintf(sql, sizeof sql, "DELETE FROM t WHERE id %% 10 = %d AND id < %lld", kd, (long long)a);
            n = changes(sql);
            if (n != class_count(a, kd)) {
                fprintf(stderr, "dml_concurrent_test: %s: %llu rows, want %llu\n", sql,
                        (unsigned long long)n, (unsigned long long)class_count(a, kd));
                exit(1);
            }
            del_below[kd] = a;
        }
        snprintf(sql, sizeof sql, "UPDATE acct SET bal = bal + CASE WHEN id %% 2 = 0 THEN 1 ELSE -1 END");
        if ((n = changes(sql)) != 1000) die("acct update count", "not 1000");
        a = atomic_load(&acked) + 1;
        if (del_below[ku] < 0 && upd_below[ku] < 0) {
            snprintf(sql, sizeof sql,
                     "UPDATE t SET v = v + 1000000, tag = 'u' WHERE id %% 10 = %d AND id < %lld", ku,
                     (long long)a);
            n = changes(sql);
            if (n != class_count(a, ku)) {
                fprintf(stderr, "dml_concurrent_test: %s: %llu rows, want %llu\n", sql,
                        (unsigned long long)n, (unsigned long long)class_count(a, ku));
                exit(1);
            }
            upd_below[ku] = a;
        }
        total = atomic_load(&acked) + 1;
        verify(total, "while appending");
    }
    atomic_store(&stop, 1);
    pthread_join(ta, NULL);
    pthread_join(tr, NULL);
    total = atomic_load(&acked) + 1;
    verify(total, "after the appender stopped");
    if (q_i64("SELECT count(*) FROM t", 0) != q_i64("SELECT count(*) FROM t WHERE id < 999999999", 0))
        die("count", "rows beyond the acknowledged ones");
    floe_db_close(db);
    if (floe_db_open(argv[1], 0, &db) != FLOE_OK) die("reopen", floe_db_errmsg(db));
    verify(total, "after reopening");
    if (q_i64("SELECT CAST(sum(bal) AS BIGINT) FROM acct", 0) != acct_sum) die("acct", "sum changed after reopen");
    floe_db_close(db);
    printf("dml_concurrent_test: ok: %lld rows appended, %d rounds, %d reader checks, longest "
           "append batch %.1f ms\n",
           (long long)total, ROUNDS, atomic_load(&reader_checks),
           (double)atomic_load(&max_batch_us) / 1000.0);
    if (atomic_load(&max_batch_us) > 5000000) die("appender", "blocked for more than 5 s");
    return 0;
}
