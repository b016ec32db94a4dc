/* tests/fault/crash_test.c: kill -9 a producer at random moments and check
 * that every acknowledged row survives exactly once and no row is partial.
 *
 * A child process opens the database with durability FULL, appends batches
 * of rows (id, payload 'p<id>', v = id / 2) through the appender (row by row,
 * or every other batch as five column batches), and after
 * each acknowledged flush writes the highest acknowledged id to a pipe; every
 * few batches it also runs FLUSH so kills land inside part writes too. The
 * parent SIGKILLs it after a random delay, reopens the database (WAL
 * recovery), and checks: ids form exactly 0..M with no duplicate, M is at
 * least the last acknowledged id, and every row's payload and v match its
 * id. Then it starts the next child, which continues from M + 1.
 *
 * Usage: crash_test DIR [KILLS]   (env FLOE_CRASH_SOAK=N overrides KILLS)
 * Prints "crash_test: N passed, 0 failed" on success.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"

#define BATCH 500

static void die(const char *what, floe_db *db)
{
    fprintf(stderr, "crash_test: %s: %s\n", what, db ? floe_db_errmsg(db) : "");
    exit(2);
}

static int64_t query_i64(floe_db *db, const char *sql)
{
    floe_result *res = NULL;
    int64_t v;
    if (floe_query(db, sql, &res) != FLOE_OK) die(sql, db);
    v = floe_value_is_null(res, 0, 0) ? -1 : floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return v;
}

/* The child: append forever from `next`, reporting acknowledged ids. */
static void producer(const char *dir, int fd)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int64_t next;
    int batches = 0;
    char payload[32];
    if (floe_db_open(dir, FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) die("child open", db);
    next = query_i64(db, "SELECT max(id) FROM t") + 1;
    if (floe_appender_open(db, "t", &app) != FLOE_OK) die("appender", db);
    for (;;) {
        int64_t i;
        if (batches % 2 == 0) {
            for (i = next; i < next + BATCH; i++) {
                int n = snprintf(payload, sizeof payload, "p%lld", (long long)i);
                if (floe_append_int64(app, i) || floe_append_string(app, payload, n) ||
                    floe_append_double(app, (double)i / 2) || floe_appender_end_row(app))
                    die(floe_appender_errmsg(app), NULL);
            }
        } else {
            /* column batches: several appends whose WAL records the flush
             * makes durable together */
            static int64_t ids[BATCH / 5];
            static double vs[BATCH / 5];
            static floe_string ps[BATCH / 5];
            static char pbuf[BATCH / 5][24];
            const void *data[3] = {ids, ps, vs};
            int64_t c0;
            for (c0 = next; c0 < next + BATCH; c0 += BATCH / 5) {
                for (i = 0; i < BATCH / 5; i++) {
                    ids[i] = c0 + i;
                    vs[i] = (double)(c0 + i) / 2;
                    ps[i].len = (uint32_t)snprintf(pbuf[i], sizeof pbuf[i], "p%lld", (long long)(c0 + i));
                    ps[i].ptr = pbuf[i];
                }
                if (floe_appender_append_columns(app, BATCH / 5, data, NULL) != FLOE_OK)
                    die(floe_appender_errmsg(app), NULL);
            }
        }
        if (floe_appender_flush(app, NULL) != FLOE_OK) die(floe_appender_errmsg(app), NULL);
        next += BATCH;
        i = next - 1;
        if (write(fd, &i, sizeof i) != (ssize_t)sizeof i) exit(3);
        if (++batches % 7 == 0 && floe_exec(db, "FLUSH t") != FLOE_OK) die("flush", db);
    }
}

int main(int argc, char **argv)
{
    const char *dir;
    const char *soak = getenv("FLOE_CRASH_SOAK");
    int kills, k, passed = 0;
    int64_t acked = -1;
    floe_db *db = NULL;
    unsigned seed = (unsigned)time(NULL);

    if (argc < 2) {
        fprintf(stderr, "usage: crash_test DIR [KILLS]\n");
        return 2;
    }
    dir = argv[1];
    kills = soak && *soak ? atoi(soak) : argc > 2 ? atoi(argv[2]) : 20;
    srand(seed);
    printf("crash_test: dir %s, %d kills, seed %u\n", dir, kills, seed);
    if (floe_db_open(dir, FLOE_OPEN_CREATE, &db) != FLOE_OK) die("open", db);
    if (floe_exec(db, "CREATE TABLE t (id BIGINT NOT NULL, payload VARCHAR, v DOUBLE) "
                      "WITH (flush_rows = 3000, flush_interval_ms = 50)") != FLOE_OK)
        die("create", db);
    floe_db_close(db);

    for (k = 0; k < kills; k++) {
        int fds[2];
        pid_t pid;
        int64_t got, n, distinct, lo, hi, bad;
        struct timespec nap;
        if (pipe(fds) != 0) return 2;
        pid = fork();
        if (pid < 0) return 2;
        if (pid == 0) {
            close(fds[0]);
            producer(dir, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        /* let it run 30..330 ms, draining acknowledgements */
        nap.tv_sec = 0;
        nap.tv_nsec = (30 + rand() % 300) * 1000000L;
        nanosleep(&nap, NULL);
        kill(pid, SIGKILL);
        while (read(fds[0], &got, sizeof got) == (ssize_t)sizeof got)
            if (got > acked) acked = got;
        close(fds[0]);
        waitpid(pid, NULL, 0);

        if (floe_db_open(dir, 0, &db) != FLOE_OK) die("reopen after kill", db);
        n = query_i64(db, "SELECT count(*) FROM t");
        distinct = query_i64(db, "SELECT count(DISTINCT id) FROM t");
        lo = query_i64(db, "SELECT min(id) FROM t");
        hi = query_i64(db, "SELECT max(id) FROM t");
        bad = query_i64(db, "SELECT count(*) FROM t WHERE payload <> 'p' || CAST(id AS VARCHAR) "
                            "OR payload IS NULL OR v <> id / 2.0 OR v IS NULL");
        floe_db_close(db);
        if (n != distinct || (n > 0 && (lo != 0 || hi != n - 1)) || hi < acked || bad != 0) {
            fprintf(stderr,
                    "crash_test: kill %d: rows %lld, distinct ids %lld, ids %lld..%lld, last "
                    "acknowledged %lld, bad rows %lld\n",
                    k, (long long)n, (long long)distinct, (long long)lo, (long long)hi,
                    (long long)acked, (long long)bad);
            printf("crash_test: %d passed, 1 failed\n", passed);
            return 1;
        }
        acked = hi; /* rows beyond the last acknowledgement may survive: now they are durable */
        passed++;
    }
    printf("crash_test: %d passed, 0 failed (%lld rows)\n", passed, (long long)acked + 1);
    return 0;
}
