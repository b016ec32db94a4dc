/* tests/fault/unique_crash_test.c: a PRIMARY KEY holds across SIGKILL.
 *
 * A child process opens the database (durability FULL) and appends column
 * batches of new keys (id, v = 3 * id) to `t(id BIGINT PRIMARY KEY, v)`
 * through the appender; before each batch it sends one that mixes an
 * already acknowledged key with new ones, which must fail whole with
 * FLOE_CONSTRAINT (else the child exits 4). Every few batches it runs
 * FLUSH, so kills land in part writes too. The parent SIGKILLs it after a
 * random delay, reopens (WAL replay, key sets rebuilt from parts and the
 * replayed rows) and checks: ids are exactly 0..M once each, M is at least
 * the last acknowledged id, v = 3 * id, and inserting the newest key (most
 * likely only in the WAL), the oldest one, and a random one fails with
 * "duplicate key value violates primary key (id)=(<key>)".
 *
 * Usage: unique_crash_test DIR [KILLS]   (env FLOE_CRASH_SOAK=N overrides KILLS)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"

#define BATCH 400

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "unique_crash_test: %s: %s\n", what, msg ? msg : "");
    exit(2);
}

static int64_t query_i64(floe_db *db, const char *sql)
{
    floe_result *res = NULL;
    int64_t v;
    if (floe_query(db, sql, &res) != FLOE_OK) die(sql, floe_db_errmsg(db));
    v = floe_value_is_null(res, 0, 0) ? -1 : floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return v;
}

static void producer(const char *dir, int fd)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    static int64_t ids[BATCH], vs[BATCH];
    const void *data[2] = {ids, vs};
    int64_t next, i;
    int batches = 0;
    if (floe_db_open(dir, FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) die("child open", floe_db_errmsg(db));
    next = query_i64(db, "SELECT max(id) FROM t") + 1;
    if (floe_appender_open(db, "t", &app) != FLOE_OK) die("appender", floe_db_errmsg(db));
    for (;;) {
        if (next > 0) { /* a batch with one old key: refused whole */
            for (i = 0; i < BATCH; i++) {
                ids[i] = next + i;
                vs[i] = -1;
            }
            ids[BATCH / 2] = rand() % next;
            if (floe_appender_append_columns(app, BATCH, data, NULL) != FLOE_CONSTRAINT) {
                fprintf(stderr, "unique_crash_test: a duplicate key %lld was accepted\n",
                        (long long)ids[BATCH / 2]);
                exit(4);
            }
        }
        for (i = 0; i < BATCH; i++) {
            ids[i] = next + i;
            vs[i] = 3 * (next + i);
        }
        if (floe_appender_append_columns(app, BATCH, data, NULL) != FLOE_OK)
            die("append", floe_appender_errmsg(app));
        if (floe_appender_flush(app, NULL) != FLOE_OK) die("flush", floe_appender_errmsg(app));
        next += BATCH;
        i = next - 1;
        if (write(fd, &i, sizeof i) != (ssize_t)sizeof i) exit(3);
        if (++batches % 5 == 0 && floe_exec(db, "FLUSH t") != FLOE_OK) die("FLUSH", floe_db_errmsg(db));
    }
}

/* INSERT of key k must fail naming it. */
static int dup_refused(floe_db *db, int64_t k)
{
    char sql[128], want[96];
    int rc;
    snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%lld, 0)", (long long)k);
    snprintf(want, sizeof want, "violates primary key (id)=(%lld)", (long long)k);
    rc = floe_exec(db, sql);
    if (rc == FLOE_CONSTRAINT && strstr(floe_db_errmsg(db), want)) return 1;
    fprintf(stderr, "unique_crash_test: INSERT of existing key %lld: rc %d, '%s'\n", (long long)k, rc,
            rc ? floe_db_errmsg(db) : "accepted");
    return 0;
}

int main(int argc, char **argv)
{
    const char *soak = getenv("FLOE_CRASH_SOAK");
    const char *dir;
    int kills, k, passed = 0;
    int64_t acked = -1;
    floe_db *db = NULL;
    unsigned seed = (unsigned)time(NULL);
    if (argc < 2) {
        fprintf(stderr, "usage: unique_crash_test DIR [KILLS]\n");
        return 2;
    }
    dir = argv[1];
    kills = soak && *soak ? atoi(soak) : argc > 2 ? atoi(argv[2]) : 10;
    srand(seed);
    printf("unique_crash_test: dir %s, %d kills, seed %u\n", dir, kills, seed);
    if (floe_db_open(dir, FLOE_OPEN_CREATE, &db) != FLOE_OK) die("open", floe_db_errmsg(db));
    if (floe_exec(db, "CREATE TABLE t (id BIGINT PRIMARY KEY, v BIGINT) "
                      "WITH (flush_rows = 3000, flush_interval_ms = 50)") != FLOE_OK)
        die("create", floe_db_errmsg(db));
    floe_db_close(db);
    for (k = 0; k < kills; k++) {
        int fds[2], status = 0, ok;
        pid_t pid;
        int64_t got, n, distinct, lo, hi, bad;
        struct timespec nap;
        if (pipe(fds) != 0) return 2;
        if ((pid = fork()) < 0) return 2;
        if (pid == 0) {
            close(fds[0]);
            srand(seed + (unsigned)k);
            producer(dir, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        nap.tv_sec = 0;
        nap.tv_nsec = (30 + rand() % 300) * 1000000L;
        nanosleep(&nap, NULL);
        kill(pid, SIGKILL);
        while (read(fds[0], &got, sizeof got) == (ssize_t)sizeof got)
            if (got > acked) acked = got;
        close(fds[0]);
        waitpid(pid, &status, 0);
        if (WIFEXITED(status)) {
            fprintf(stderr, "unique_crash_test: the producer exited with %d\n", WEXITSTATUS(status));
            printf("unique_crash_test: %d passed, 1 failed\n", passed);
            return 1;
        }
        if (floe_db_open(dir, 0, &db) != FLOE_OK) die("reopen after kill", floe_db_errmsg(db));
        n = query_i64(db, "SELECT count(*) FROM t");
        distinct = query_i64(db, "SELECT count(DISTINCT id) FROM t");
        lo = query_i64(db, "SELECT min(id) FROM t");
        hi = query_i64(db, "SELECT max(id) FROM t");
        bad = query_i64(db, "SELECT count(*) FROM t WHERE v <> 3 * id OR v IS NULL");
        ok = n == distinct && (n == 0 || (lo == 0 && hi == n - 1)) && hi >= acked && bad == 0;
        if (ok && n > 0) ok = dup_refused(db, hi) && dup_refused(db, 0) && dup_refused(db, rand() % n);
        floe_db_close(db);
        if (!ok) {
            fprintf(stderr, "unique_crash_test: kill %d: rows %lld, distinct %lld, ids %lld..%lld, "
                            "last acknowledged %lld, bad rows %lld\n", k, (long long)n,
                    (long long)distinct, (long long)lo, (long long)hi, (long long)acked, (long long)bad);
            printf("unique_crash_test: %d passed, 1 failed\n", passed);
            return 1;
        }
        acked = hi;
        passed++;
    }
    printf("unique_crash_test: %d passed, 0 failed (%lld keys)\n", passed, (long long)acked + 1);
    return 0;
}
