/* tests/fault/concurrency_test.c: producers on several shards and readers at
 * once, through floe.h, checking snapshot consistency.
 *
 * P producer threads append rows (producer p, n = 0, 1, 2, ...) in batches to
 * a table partitioned over 4 shards that flushes every few thousand rows
 * (so memtables freeze, parts commit and background merges run while the
 * readers read). Q reader threads loop on count(*) and check that it never
 * goes down and never exceeds what was appended; each also checks, per
 * producer, that no row appears twice and that every row of every batch
 * acknowledged before the query started is visible (a batch still in flight
 * may be partly visible: its rows go to several shards). At the end every
 * row is there exactly once. Built as a plain program (Criterion does not run under
 * ThreadSanitizer): configure with -DFLOE_TSAN=ON to run it under TSan.
 * Prints "concurrency_test: N passed, 0 failed".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "floe.h"

#define PRODUCERS 3
#define READERS 2
#define BATCH 700
#define BATCHES 60

static floe_db *db;
static atomic_llong appended;     /* rows acknowledged so far */
static atomic_llong acked[PRODUCERS]; /* rows acknowledged per producer (a prefix of n) */
static atomic_int producers_done;
static atomic_int failures;
static atomic_int checks;

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "concurrency_test: %s: %s\n", what, detail);
    atomic_fetch_add(&failures, 1);
}

static void *producer(void *arg)
{
    int p = (int)(intptr_t)arg, b, i;
    floe_appender *app = NULL;
    int64_t pid[BATCH], n[BATCH];
    const void *data[2] = {pid, n};
    if (floe_appender_open(db, "t", &app) != FLOE_OK) {
        fail("appender", floe_db_errmsg(db));
        return NULL;
    }
    for (b = 0; b < BATCHES; b++) {
        for (i = 0; i < BATCH; i++) {
            pid[i] = p;
            n[i] = (int64_t)b * BATCH + i;
        }
        if (floe_appender_append_columns(app, BATCH, data, NULL) != FLOE_OK ||
            floe_appender_flush(app, NULL) != FLOE_OK) {
            fail("append", floe_appender_errmsg(app));
            break;
        }
        atomic_fetch_add(&acked[p], BATCH);
        atomic_fetch_add(&appended, BATCH);
    }
    floe_appender_close(app);
    atomic_fetch_add(&producers_done, 1);
    return NULL;
}

static int64_t one_int(floe_result *res, uint32_t col, uint64_t row)
{
    return floe_value_is_null(res, col, row) ? -1 : floe_value_int64(res, col, row);
}

static void *reader(void *arg)
{
    int64_t last = 0;
    (void)arg;
    while (atomic_load(&producers_done) < PRODUCERS || last < (int64_t)PRODUCERS * BATCH * BATCHES) {
        floe_result *res = NULL;
        int64_t before = atomic_load(&appended), c;
        uint64_t r;
        char msg[256];
        if (floe_query(db, "SELECT count(*) FROM t", &res) != FLOE_OK) {
            fail("count", floe_db_errmsg(db));
            return NULL;
        }
        c = one_int(res, 0, 0);
        floe_result_free(res);
        if (c < last || c < before || c > (int64_t)PRODUCERS * BATCH * BATCHES) {
            snprintf(msg, sizeof msg, "count %lld after %lld (acknowledged before: %lld)",
                     (long long)c, (long long)last, (long long)before);
            fail("count went wrong", msg);
            return NULL;
        }
        last = c;
        /* per producer: no row twice, and every acknowledged row visible */
        {
            char q[1024];
            int64_t a[PRODUCERS];
            int k, n = 0;
            for (k = 0; k < PRODUCERS; k++) a[k] = atomic_load(&acked[k]);
            n += snprintf(q + n, sizeof q - (size_t)n,
                          "SELECT p, count(*), count(DISTINCT n), sum(CASE");
            for (k = 0; k < PRODUCERS; k++)
                n += snprintf(q + n, sizeof q - (size_t)n, " WHEN p = %d AND n < %lld THEN 1", k,
                              (long long)a[k]);
            snprintf(q + n, sizeof q - (size_t)n, " ELSE 0 END) FROM t GROUP BY p ORDER BY p");
            if (floe_query(db, q, &res) != FLOE_OK) {
                fail("per-producer query", floe_db_errmsg(db));
                return NULL;
            }
            for (r = 0; r < floe_result_row_count(res); r++) {
                int64_t p = one_int(res, 0, r), cnt = one_int(res, 1, r), d = one_int(res, 2, r),
                        seen = one_int(res, 3, r);
                if (cnt != d || p < 0 || p >= PRODUCERS || seen != a[p]) {
                    snprintf(msg, sizeof msg,
                             "producer %lld: %lld rows, %lld distinct, %lld of the %lld acknowledged "
                             "before the query",
                             (long long)p, (long long)cnt, (long long)d, (long long)seen,
                             (long long)a[p]);
                    fail("inconsistent snapshot", msg);
                }
            }
        }
        floe_result_free(res);
        atomic_fetch_add(&checks, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t pt[PRODUCERS], rt[READERS];
    floe_result *res = NULL;
    int i, ok;
    if (argc < 2) {
        fprintf(stderr, "usage: concurrency_test DIR\n");
        return 2;
    }
    if (floe_db_open(argv[1], FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_OFF, &db) != FLOE_OK ||
        floe_exec(db, "CREATE TABLE t (p BIGINT, n BIGINT) PARTITION BY (n) "
                      "WITH (shards = 4, flush_rows = 3000, flush_interval_ms = 20)") != FLOE_OK) {
        fprintf(stderr, "setup: %s\n", floe_db_errmsg(db));
        return 2;
    }
    for (i = 0; i < READERS; i++) pthread_create(&rt[i], NULL, reader, NULL);
    for (i = 0; i < PRODUCERS; i++) pthread_create(&pt[i], NULL, producer, (void *)(intptr_t)i);
    for (i = 0; i < PRODUCERS; i++) pthread_join(pt[i], NULL);
    for (i = 0; i < READERS; i++) pthread_join(rt[i], NULL);
    ok = floe_query(db, "SELECT count(*), count(DISTINCT p * 1000000 + n) FROM t", &res) == FLOE_OK &&
         one_int(res, 0, 0) == (int64_t)PRODUCERS * BATCH * BATCHES &&
         one_int(res, 1, 0) == (int64_t)PRODUCERS * BATCH * BATCHES;
    if (!ok) fail("final count", res ? "wrong totals" : floe_db_errmsg(db));
    floe_result_free(res);
    floe_db_close(db);
    printf("concurrency_test: %d checks; %d passed, %d failed\n", atomic_load(&checks),
           atomic_load(&failures) ? 0 : 1, atomic_load(&failures) ? 1 : 0);
    return atomic_load(&failures) ? 1 : 0;
}
