/* tests/fault/atomic_test.c: batches that span shards are atomic across
 * crashes, and idempotent retries are answered "duplicate" only for batches
 * that are wholly durable.
 *
 * Part 1 (the reproduction): a child appends one idempotent 10-row
 * batch (producer 7, seq 1) to a 2-shard partitioned table and _exit(0)s
 * without closing; the parent cuts one shard's last WAL segment back to its
 * header (that shard's WAL write never happened), reopens and resends seq
 * 1: all 10 rows must then be present exactly once.
 *
 * Part 2 (kill loop): a child appends idempotent 40-row batches (column b =
 * batch number = producer seq, ids spread over 4 shards) and reports each
 * acknowledged one through a pipe; the parent SIGKILLs it at random, then,
 * as a power loss could, sometimes drops the last WAL record of a random
 * shard when it belongs to an unacknowledged batch, reopens and checks that
 * every batch is present with 0 or 40 rows, exactly once each, and every
 * acknowledged one fully. The next child resends the first unacknowledged
 * batch.
 *
 * Usage: atomic_test DIR [KILLS]   (env FLOE_ATOMIC_SOAK=N overrides KILLS)
 */
#include <dirent.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"
#include "ingest/wal.h"

#define ROWS 40

static void die(const char *what, floe_db *db)
{
    fprintf(stderr, "atomic_test: %s: %s\n", what, db ? floe_db_errmsg(db) : "");
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

static int send_batch(floe_appender *app, int64_t seq, uint32_t n, int *dup)
{
    int64_t b[ROWS], id[ROWS];
    const void *data[2] = {b, id};
    uint32_t i;
    for (i = 0; i < n; i++) {
        b[i] = seq;
        id[i] = seq * 1000 + i;
    }
    return floe_appender_append_idempotent(app, 7, (uint64_t)seq, n, data, NULL, dup);
}

/* Path of the last WAL segment of `shard` under dir (table id any). */
static int last_segment(const char *dir, uint32_t shard, char *out, size_t cap,
                        unsigned long long *tid)
{
    char pat[600];
    glob_t g;
    unsigned long long best = 0, t, s, seg;
    size_t i;
    int found = 0;
    snprintf(pat, sizeof pat, "%s/wal/*-%u-*.wal", dir, shard);
    if (glob(pat, 0, NULL, &g) != 0) return 0;
    for (i = 0; i < g.gl_pathc; i++) {
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        if (sscanf(base, "%llu-%llu-%llu.wal", &t, &s, &seg) != 3 || s != shard) continue;
        if (!found || seg > best) {
            best = seg;
            *tid = t;
            snprintf(out, cap, "%s", g.gl_pathv[i]);
            found = 1;
        }
    }
    globfree(&g);
    return found;
}

static int part1(const char *dir)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    char seg[700];
    unsigned long long tid;
    pid_t pid;
    int dup = -1;
    int64_t n, d;
    if (floe_db_open(dir, FLOE_OPEN_CREATE, &db) != FLOE_OK) die("open", db);
    if (floe_exec(db, "CREATE TABLE r (b BIGINT, id BIGINT) PARTITION BY (id) WITH (shards = 2)"))
        die("create", db);
    floe_db_close(db);
    pid = fork();
    if (pid == 0) {
        if (floe_db_open(dir, FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) _exit(2);
        if (floe_appender_open(db, "r", &app) != FLOE_OK) _exit(2);
        if (send_batch(app, 1, 10, &dup) != FLOE_OK || dup) _exit(2);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    if (!last_segment(dir, 1, seg, sizeof seg, &tid) || truncate(seg, FLOE_WAL_HEADER_BYTES) != 0)
        die("no WAL segment of shard 1", NULL);
    if (floe_db_open(dir, 0, &db) != FLOE_OK) die("reopen", db);
    if (floe_appender_open(db, "r", &app) != FLOE_OK) die("appender", db);
    if (send_batch(app, 1, 10, &dup) != FLOE_OK) die(floe_appender_errmsg(app), NULL);
    floe_appender_close(app);
    n = query_i64(db, "SELECT count(*) FROM r");
    d = query_i64(db, "SELECT count(DISTINCT id) FROM r");
    floe_exec(db, "DROP TABLE r");
    floe_db_close(db);
    printf("atomic_test: reproduction: retry duplicate=%d, %lld rows, %lld distinct\n", dup,
           (long long)n, (long long)d);
    return n == 10 && d == 10 ? 0 : 1;
}

static void child(const char *dir, int64_t seq, int fd)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int k = 0;
    if (floe_db_open(dir, FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) die("child open", db);
    if (floe_appender_open(db, "t", &app) != FLOE_OK) die("appender", db);
    for (;; seq++) {
        int dup = 0;
        if (send_batch(app, seq, ROWS, &dup) != FLOE_OK) die(floe_appender_errmsg(app), NULL);
        if (write(fd, &seq, sizeof seq) != (ssize_t)sizeof seq) _exit(3);
        if (++k % 9 == 0 && floe_exec(db, "FLUSH t") != FLOE_OK) die("flush", db);
    }
}

typedef struct last_rec {
    uint64_t offset;
    int64_t batch;
    int found;
} last_rec;

static int note_last(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    last_rec *l = ctx;
    (void)err;
    if (rec->type != FLOE_WAL_REC_BATCH || rec->nrows == 0) return FLOE_OK;
    l->offset = rec->offset;
    l->batch = ((const int64_t *)rec->batch->cols[0].data)[0];
    l->found = 1;
    return FLOE_OK;
}

/* Drop the last record of shard `shard` when it belongs to a batch after
 * `acked` (never synced for the producer, so a power loss may lose it). */
static int tear_tail(const char *dir, uint32_t shard, int64_t acked)
{
    char seg[700];
    unsigned long long tid;
    floe_wal_opts o;
    floe_wal *w = NULL;
    floe_err err = FLOE_ERR_INIT;
    last_rec l = {0, 0, 0};
    if (!last_segment(dir, shard, seg, sizeof seg, &tid)) return 0;
    memset(&o, 0, sizeof o);
    o.db_dir = dir;
    o.table_id = tid;
    o.shard = shard;
    o.durability = FLOE_DURABILITY_OFF;
    if (floe_wal_open(&o, note_last, &l, NULL, 0, &w, &err) != FLOE_OK) die(err.msg, NULL);
    floe_wal_close(w);
    if (!l.found || l.batch <= acked) return 0;
    if (truncate(seg, (off_t)l.offset) != 0) die("truncate", NULL);
    return 1;
}

int main(int argc, char **argv)
{
    const char *soak = getenv("FLOE_ATOMIC_SOAK");
    const char *dir;
    int kills, k, torn = 0;
    int64_t acked = 0;
    floe_db *db = NULL;
    unsigned seed = (unsigned)time(NULL);
    if (argc < 2) {
        fprintf(stderr, "usage: atomic_test DIR [KILLS]\n");
        return 2;
    }
    dir = argv[1];
    kills = soak && *soak ? atoi(soak) : argc > 2 ? atoi(argv[2]) : 20;
    srand(seed);
    printf("atomic_test: dir %s, %d kills, seed %u\n", dir, kills, seed);
    if (part1(dir) != 0) {
        printf("atomic_test: reproduction failed\n");
        return 1;
    }
    if (floe_db_open(dir, 0, &db) != FLOE_OK) die("open", db);
    if (floe_exec(db, "CREATE TABLE t (b BIGINT, id BIGINT) PARTITION BY (id) "
                      "WITH (shards = 4, flush_rows = 2000, flush_interval_ms = 50)"))
        die("create", db);
    floe_db_close(db);
    for (k = 0; k < kills; k++) {
        int fds[2];
        pid_t pid;
        int64_t got, n, d, partial, missing, hi;
        struct timespec nap;
        if (pipe(fds) != 0) return 2;
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child(dir, acked + 1, fds[1]);
            _exit(0);
        }
        close(fds[1]);
        nap.tv_sec = 0;
        nap.tv_nsec = (20 + rand() % 200) * 1000000L;
        nanosleep(&nap, NULL);
        kill(pid, SIGKILL);
        while (read(fds[0], &got, sizeof got) == (ssize_t)sizeof got)
            if (got > acked) acked = got;
        close(fds[0]);
        waitpid(pid, NULL, 0);
        if (rand() % 2) torn += tear_tail(dir, (uint32_t)(rand() % 4), acked);

        if (floe_db_open(dir, 0, &db) != FLOE_OK) die("reopen after kill", db);
        n = query_i64(db, "SELECT count(*) FROM t");
        d = query_i64(db, "SELECT count(DISTINCT id) FROM t");
        hi = query_i64(db, "SELECT max(b) FROM t");
        partial = query_i64(db, "SELECT count(*) FROM (SELECT b, count(*) AS c FROM t GROUP BY b) "
                                "WHERE c <> 40");
        {
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT count(DISTINCT b) FROM t WHERE b <= %lld",
                     (long long)acked);
            missing = acked - query_i64(db, sql);
        }
        floe_db_close(db);
        if (n != d || partial != 0 || missing != 0 || n != 40 * (hi > 0 ? hi : 0)) {
            fprintf(stderr, "atomic_test: kill %d: rows %lld, distinct ids %lld, partial batches "
                    "%lld, acknowledged batches missing %lld (acked %lld, max batch %lld)\n", k,
                    (long long)n, (long long)d, (long long)partial, (long long)missing,
                    (long long)acked, (long long)hi);
            printf("atomic_test: %d passed, 1 failed\n", k);
            return 1;
        }
    }
    printf("atomic_test: %d passed, 0 failed (%d torn tails)\n", kills, torn);
    return 0;
}
