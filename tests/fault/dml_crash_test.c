/* tests/fault/dml_crash_test.c: SIGKILL during DELETE and UPDATE statements.
 *
 * The database holds BASE rows (id 0..BASE-1, grp = id % GROUPS, v = 0)
 * over 8 parts. A child process opens it (durability FULL, merges every 50
 * ms), starts an appender thread adding rows id >= BASE (grp -1, v = 0),
 * acknowledged after each floe_appender_flush, and runs statements in a
 * loop, alternating
 *     UPDATE t SET v = v + 1 WHERE id < BASE          (rewrites every base row)
 *     DELETE FROM t WHERE grp = g                      (g = 0, 1, 2, ...)
 * telling the parent through a pipe when each statement starts and ends
 * and which ids are acknowledged. The parent SIGKILLs it after a random
 * delay (so kills land in flushes, scans, part writes, the catalog commit
 * and the part-list swap), reopens the database and checks:
 *  - each statement is all or nothing: every remaining base row has the
 *    same v, equal to the UPDATEs completed, or one more if one was running;
 *    every group has all its rows or none, the deleted groups are exactly
 *    0..d-1 with d the DELETEs completed, or one more if one was running;
 *  - no acknowledged appended row is lost and none is duplicated: the ids
 *    >= BASE are exactly BASE..max with max >= the last acknowledged id.
 * Then the next child continues from the state found.
 *
 * Usage: dml_crash_test DIR [KILLS]   (env FLOE_CRASH_SOAK=N overrides KILLS)
 * Prints "dml_crash_test: N kills, ... ok" on success.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"

#define BASE 40000
#define GROUPS 400
#define BATCH 300

typedef struct msg {
    char kind;   /* 'A' acked id, 'U'/'u' UPDATE start/end (val = v after), 'D'/'d' DELETE (val = grp) */
    int64_t val;
} msg;

static void die(const char *what, floe_db *db)
{
    fprintf(stderr, "dml_crash_test: %s: %s\n", what, db ? floe_db_errmsg(db) : "");
    exit(2);
}

static int64_t q(floe_db *db, const char *sql, uint32_t col)
{
    floe_result *res = NULL;
    int64_t v;
    if (floe_query(db, sql, &res) != FLOE_OK) die(sql, db);
    v = floe_value_is_null(res, col, 0) ? -1 : floe_value_int64(res, col, 0);
    floe_result_free(res);
    return v;
}

static void send_msg(int fd, char kind, int64_t val)
{
    msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    m.val = val;
    if (write(fd, &m, sizeof m) != (ssize_t)sizeof m) _exit(3);
}

/* ------------------------------------------------------------- the child */

typedef struct child_ctx {
    floe_db *db;
    int fd;
    int64_t next;
} child_ctx;

static void *append_main(void *arg)
{
    child_ctx *c = arg;
    floe_appender *app = NULL;
    if (floe_appender_open(c->db, "t", &app) != FLOE_OK) die("appender", c->db);
    for (;;) {
        int64_t i;
        struct timespec ts = {0, 2000000};
        for (i = c->next; i < c->next + BATCH; i++)
            if (floe_append_int64(app, i) || floe_append_int32(app, -1) ||
                floe_append_int64(app, 0) || floe_appender_end_row(app))
                die(floe_appender_errmsg(app), NULL);
        if (floe_appender_flush(app, NULL) != FLOE_OK) die(floe_appender_errmsg(app), NULL);
        c->next += BATCH;
        send_msg(c->fd, 'A', c->next - 1);
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void child(const char *dir, int fd)
{
    floe_open_options o;
    child_ctx c;
    pthread_t th;
    int64_t v, g;
    char sql[160];
    int k = 0;
    floe_open_options_init(&o);
    o.flags = FLOE_OPEN_DURABILITY_FULL;
    o.maintain_interval_ms = 50;
    if (floe_db_open_ex(dir, &o, &c.db) != FLOE_OK) die("child open", c.db);
    c.fd = fd;
    c.next = q(c.db, "SELECT max(id) FROM t", 0) + 1;
    if (c.next < BASE) c.next = BASE;
    v = q(c.db, "SELECT max(v) FROM t WHERE id < " "40000", 0);
    g = q(c.db, "SELECT min(grp) FROM t WHERE grp >= 0", 0); /* next group to delete */
    if (pthread_create(&th, NULL, append_main, &c) != 0) die("thread", NULL);
    for (;; k++) {
        if (k % 2 == 0 || g < 0) {
            send_msg(fd, 'U', v + 1);
            if (floe_exec(c.db, "UPDATE t SET v = v + 1 WHERE id < 40000") != FLOE_OK) die("update", c.db);
            v++;
            send_msg(fd, 'u', v);
        } else {
            snprintf(sql, sizeof sql, "DELETE FROM t WHERE grp = %lld", (long long)g);
            send_msg(fd, 'D', g);
            if (floe_exec(c.db, sql) != FLOE_OK) die("delete", c.db);
            send_msg(fd, 'd', g);
            g = g + 1 < GROUPS ? g + 1 : -1;
        }
    }
}

/* ------------------------------------------------------------ the parent */

static void setup(const char *dir)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int64_t i;
    if (floe_db_open(dir, FLOE_OPEN_CREATE, &db) != FLOE_OK) die("create", db);
    if (floe_exec(db, "CREATE TABLE t(id BIGINT, grp INTEGER, v BIGINT) WITH (flush_rows = 20000)"))
        die("create table", db);
    if (floe_appender_open(db, "t", &app) != FLOE_OK) die("appender", db);
    for (i = 0; i < BASE; i++) {
        if (floe_append_int64(app, i) || floe_append_int32(app, (int32_t)(i % GROUPS)) ||
            floe_append_int64(app, 0) || floe_appender_end_row(app))
            die(floe_appender_errmsg(app), NULL);
        if ((i + 1) % (BASE / 8) == 0) {
            if (floe_appender_flush(app, NULL) != FLOE_OK) die("flush", db);
            if (floe_exec(db, "FLUSH TABLE t") != FLOE_OK) die("FLUSH", db);
        }
    }
    floe_appender_close(app);
    floe_db_close(db);
}

typedef struct expect {
    int64_t v;        /* UPDATEs committed (known) */
    int64_t d;        /* groups deleted (known): 0..d-1 */
    int upd_running;  /* an UPDATE started and did not report its end */
    int del_running;
    int64_t acked;    /* highest acknowledged appended id */
} expect;

static void check(const char *dir, expect *e, int kill_no)
{
    floe_db *db = NULL;
    int64_t v, nv, d, full, part, ids, maxid, distinct;
    char sql[200];
    if (floe_db_open(dir, 0, &db) != FLOE_OK) die("reopen", db);
    nv = q(db, "SELECT count(DISTINCT v) FROM t WHERE id < 40000", 0);
    v = q(db, "SELECT max(v) FROM t WHERE id < 40000", 0);
    if (nv > 1 || !(v == e->v || (e->upd_running && v == e->v + 1))) {
        fprintf(stderr, "dml_crash_test: kill %d: UPDATE not atomic: %lld distinct v, max %lld, "
                        "expected %lld%s\n", kill_no, (long long)nv, (long long)v, (long long)e->v,
                e->upd_running ? " or one more" : "");
        exit(1);
    }
    /* groups: full (BASE / GROUPS rows) or absent; absent ones are 0..d-1 */
    full = q(db, "SELECT count(*) FROM (SELECT grp, count(*) AS n FROM t WHERE grp >= 0 GROUP BY grp) s"
                 " WHERE n = 100", 0);
    part = q(db, "SELECT count(*) FROM (SELECT grp, count(*) AS n FROM t WHERE grp >= 0 GROUP BY grp) s"
                 " WHERE n <> 100", 0);
    d = q(db, "SELECT min(grp) FROM t WHERE grp >= 0", 0);
    if (d < 0) d = GROUPS;
    if (part != 0 || full != GROUPS - d || !(d == e->d || (e->del_running && d == e->d + 1))) {
        fprintf(stderr, "dml_crash_test: kill %d: DELETE not atomic: %lld full groups, %lld partial, "
                        "first present %lld, expected %lld deleted%s\n", kill_no, (long long)full,
                (long long)part, (long long)d, (long long)e->d, e->del_running ? " or one more" : "");
        exit(1);
    }
    snprintf(sql, sizeof sql, "SELECT count(*), max(id), count(DISTINCT id) FROM t WHERE id >= 40000");
    ids = q(db, sql, 0);
    maxid = q(db, sql, 1);
    distinct = q(db, sql, 2);
    if (ids != distinct || (ids > 0 && maxid - BASE + 1 != ids) || (e->acked >= BASE && maxid < e->acked)) {
        fprintf(stderr, "dml_crash_test: kill %d: appended rows: %lld rows, %lld distinct, max %lld, "
                        "acknowledged up to %lld\n", kill_no, (long long)ids, (long long)distinct,
                (long long)maxid, (long long)e->acked);
        exit(1);
    }
    floe_db_close(db);
    e->v = v;
    e->d = d;
    e->upd_running = e->del_running = 0;
    if (maxid > e->acked) e->acked = maxid;
}

int main(int argc, char **argv)
{
    const char *dir;
    const char *soak = getenv("FLOE_CRASH_SOAK");
    int kills = argc > 2 ? atoi(argv[2]) : 24, k;
    int64_t upd_seen = 0, del_seen = 0, in_upd = 0, in_del = 0;
    expect e;
    if (argc < 2) {
        fprintf(stderr, "usage: dml_crash_test DIR [KILLS]\n");
        return 2;
    }
    if (soak && atoi(soak) > 0) kills = atoi(soak);
    dir = argv[1];
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    setup(dir);
    memset(&e, 0, sizeof e);
    e.acked = -1;
    for (k = 0; k < kills; k++) {
        int p[2], status;
        pid_t pid;
        msg m;
        int started = 0;
        struct timespec ts;
        if (pipe(p) != 0) die("pipe", NULL);
        pid = fork();
        if (pid < 0) die("fork", NULL);
        if (pid == 0) {
            close(p[0]);
            child(dir, p[1]);
            _exit(0);
        }
        close(p[1]);
        /* wait for the first message, then a random 20..400 ms */
        if (read(p[0], &m, sizeof m) == (ssize_t)sizeof m) started = 1;
        ts.tv_sec = 0;
        ts.tv_nsec = (20 + rand() % 380) * 1000000L;
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status)) {
            fprintf(stderr, "dml_crash_test: child exited by itself (status %d)\n", status);
            return 1;
        }
        /* everything the child said before it died */
        do {
            if (!started) break;
            switch (m.kind) {
            case 'A': e.acked = m.val > e.acked ? m.val : e.acked; break;
            case 'U': e.upd_running = 1; in_upd++; break;
            case 'u': e.upd_running = 0; e.v = m.val; upd_seen++; break;
            case 'D': e.del_running = 1; in_del++; break;
            case 'd': e.del_running = 0; e.d = m.val + 1; del_seen++; break;
            default: die("bad message", NULL);
            }
        } while (read(p[0], &m, sizeof m) == (ssize_t)sizeof m);
        close(p[0]);
        check(dir, &e, k + 1);
    }
    printf("dml_crash_test: %d kills, %lld UPDATEs and %lld DELETEs completed (%lld and %lld "
           "started), %lld appended ids acknowledged: ok\n",
           kills, (long long)upd_seen, (long long)del_seen, (long long)in_upd, (long long)in_del,
           (long long)(e.acked >= BASE ? e.acked - BASE + 1 : 0));
    return 0;
}
