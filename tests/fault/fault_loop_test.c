/* tests/fault/fault_loop_test.c: fail every I/O call of every write path,
 * one at a time, in every durability mode, and check the answer.
 *
 * For each durability mode (full, batch, off) a template database is built
 * once: table t (bid BIGINT, id BIGINT) with 2 shards and 8 committed parts
 * (so a merge has work) plus rows still in the WAL. Each operation
 *   insert  INSERT of 50 rows (ingest: WAL append + sync)
 *   append  appender column batch of 300 rows + floe_appender_flush
 *   flush   FLUSH after an acknowledged INSERT (part files, directory
 *           renames, catalog commit, WAL truncation)
 *   merge   one maintenance pass (floe_maintain_run: merge of 8+ parts,
 *           catalog commit, garbage removal)
 *   copy    COPY t FROM a small CSV (the ingest path)
 * is first run on a copy of the template with the util/os hook counting
 * calls per kind (open, write, fsync, rename, mkdir, unlink; the catalog's
 * own sqlite writes and syncs count too, through the storage/catalog_vfs.c
 * shim, so catalog commits are injection points like any other); then, for
 * every kind and every n in 1..count, on a fresh copy with the nth call of
 * that kind failing (EIO; for writes in mode full also ENOSPC and a short
 * write, in every mode with FLOE_FAULT_LOOP_ALL=1). After each
 * fault it checks:
 *  - the operation returned FLOE_OK or a clean error (IOERR/READONLY, with a
 *    message), never crashed;
 *  - after a failed fsync the database stopped writing: a probe INSERT
 *    fails with FLOE_READONLY (the fail-stop rule); otherwise the probe is
 *    acknowledged and must survive like any row;
 *  - the handle closes, and the database reopens (hook off) with every
 *    acknowledged batch present exactly once, the faulted operation's batch
 *    whole or absent (never partial, never twice), and no other row.
 * Faults are process-level (the machine does not lose power), so the check
 * is the same in every durability mode; power loss is power_loss_test.c.
 *
 * Usage: fault_loop_test DIR. Prints per mode and operation the injection
 * points and faults, then "fault_loop: N passed, M failed".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "db/maintain.h"
#include "floe.h"
#include "util/os.h"

static const char *g_dir;
static int g_failed, g_passed;
static uint64_t g_faults[FLOE_OS_NKINDS];

#define MAXBID 512
static int g_rows_of[MAXBID]; /* rows of batch bid (0: never sent) */

static void sh(const char *fmt, const char *a, const char *b, const char *c)
{
    char cmd[12400];
    snprintf(cmd, sizeof cmd, fmt, a, b, c);
    if (system(cmd) != 0) {
        fprintf(stderr, "fault_loop: '%s' failed\n", cmd);
        exit(2);
    }
}

static floe_db *open_db(const char *path, unsigned dur)
{
    floe_open_options o;
    floe_db *db = NULL;
    int rc;
    floe_open_options_init(&o);
    o.flags = FLOE_OPEN_CREATE | dur;
    o.maintain_interval_ms = UINT32_MAX; /* merges only when the test runs one */
    rc = floe_db_open_ex(path, &o, &db);
    if (rc != FLOE_OK) {
        fprintf(stderr, "fault_loop: open %s: %s\n", path, db ? floe_db_errmsg(db) : "?");
        floe_db_close(db);
        return NULL;
    }
    return db;
}

static int insert_batch(floe_db *db, int bid, int n)
{
    char *sql = malloc((size_t)n * 48 + 64), *p;
    int i, rc;
    p = sql + sprintf(sql, "INSERT INTO t VALUES ");
    for (i = 0; i < n; i++)
        p += sprintf(p, "%s(%d, %d)", i ? ", " : "", bid, bid * 10000 + i);
    g_rows_of[bid] = n;
    rc = floe_exec(db, sql);
    free(sql);
    return rc;
}

static int append_batch(floe_db *db, int bid, int n)
{
    floe_appender *app = NULL;
    int64_t *b = malloc((size_t)n * 8), *id = malloc((size_t)n * 8);
    const void *data[2] = {b, id};
    int i, rc;
    for (i = 0; i < n; i++) {
        b[i] = bid;
        id[i] = (int64_t)bid * 10000 + i;
    }
    g_rows_of[bid] = n;
    rc = floe_appender_open(db, "t", &app);
    if (rc == FLOE_OK) rc = floe_appender_append_columns(app, (uint32_t)n, data, NULL);
    if (rc == FLOE_OK) rc = floe_appender_flush(app, NULL);
    if (app) {
        int rc2 = floe_appender_close(app);
        if (rc == FLOE_OK) rc = rc2;
    }
    free(b);
    free(id);
    return rc;
}

/* Per bid: rows present and distinct ids; -1 on a query failure. */
static int count_batches(floe_db *db, int64_t *rows, int64_t *distinct)
{
    floe_result *r = NULL;
    uint64_t i, n;
    memset(rows, 0, MAXBID * sizeof *rows);
    memset(distinct, 0, MAXBID * sizeof *distinct);
    if (floe_query(db, "SELECT bid, count(*), count(DISTINCT id), min(id - bid * 10000), "
                       "max(id - bid * 10000) FROM t GROUP BY bid",
                   &r) != FLOE_OK) {
        fprintf(stderr, "fault_loop: query: %s\n", floe_db_errmsg(db));
        return -1;
    }
    n = floe_result_row_count(r);
    for (i = 0; i < n; i++) {
        int64_t bid = floe_value_int64(r, 0, i);
        if (bid < 0 || bid >= MAXBID || floe_value_int64(r, 3, i) < 0 ||
            floe_value_int64(r, 4, i) >= (g_rows_of[bid] ? g_rows_of[bid] : 1)) {
            rows[0] = -1000000; /* an id no batch has: reported by the caller */
            continue;
        }
        rows[bid] = floe_value_int64(r, 1, i);
        distinct[bid] = floe_value_int64(r, 2, i);
    }
    floe_result_free(r);
    return 0;
}

/* The template: 8 parts of 20 rows (bids 1..8), then bids 9, 10 in the WAL. */
static void build_template(const char *path, unsigned dur)
{
    floe_db *db = open_db(path, dur);
    int i;
    if (db == NULL) exit(2);
    if (floe_exec(db, "CREATE TABLE t (bid BIGINT NOT NULL, id BIGINT NOT NULL) WITH (shards = 2, "
                      "flush_rows = 1000000, flush_interval_ms = 3600000)") != FLOE_OK) {
        fprintf(stderr, "fault_loop: create: %s\n", floe_db_errmsg(db));
        exit(2);
    }
    for (i = 1; i <= 8; i++)
        if (insert_batch(db, i, 20) != FLOE_OK || floe_exec(db, "FLUSH t") != FLOE_OK) {
            fprintf(stderr, "fault_loop: template: %s\n", floe_db_errmsg(db));
            exit(2);
        }
    if (insert_batch(db, 9, 30) != FLOE_OK || append_batch(db, 10, 40) != FLOE_OK) exit(2);
    floe_db_close(db); /* flushes 9 and 10: a trial's merge has 9+ parts */
}

enum { OP_INSERT, OP_APPEND, OP_FLUSH, OP_MERGE, OP_COPY, NOPS };
static const char *const op_names[NOPS] = {"insert", "append", "flush", "merge", "copy"};
static char g_csv[4096];

/* Run op on db; *out_bid is the batch it sends (0: none). Pre-steps that
 * must succeed run before the hook is armed (arm() is called in between). */
static int run_op(floe_db *db, int op, int *out_bid, void (*arm)(void *), void *arm_ctx)
{
    floe_err e = FLOE_ERR_INIT;
    char sql[4200];
    int rc;
    *out_bid = 0;
    switch (op) {
    case OP_INSERT:
        arm(arm_ctx);
        *out_bid = 100;
        return insert_batch(db, 100, 50);
    case OP_APPEND:
        arm(arm_ctx);
        *out_bid = 101;
        return append_batch(db, 101, 300);
    case OP_FLUSH:
        if (insert_batch(db, 102, 25) != FLOE_OK) return -1;
        arm(arm_ctx);
        return floe_exec(db, "FLUSH t");
    case OP_MERGE:
        arm(arm_ctx);
        rc = floe_maintain_run(db, NULL, &e);
        if (rc != FLOE_OK && e.msg[0] == '\0') return -1;
        return rc;
    case OP_COPY:
        arm(arm_ctx);
        *out_bid = 103;
        g_rows_of[103] = 70;
        snprintf(sql, sizeof sql, "COPY t FROM '%s' (HEADER false)", g_csv);
        return floe_exec(db, sql);
    }
    return -1;
}

typedef struct fault {
    unsigned kind;
    uint64_t nth;
    int effect, errnum;
    bool count_only;
} fault;

static void arm_fault(void *ctx)
{
    fault *f = ctx;
    floe_os_hook_reset();
    if (!f->count_only) floe_os_fault_set(f->kind, f->nth, f->effect, f->errnum);
}

static void fail(const char *mode, int op, const fault *f, const char *what)
{
    static const char *const kinds[] = {"open", "read",  "write", "fsync", "rename",
                                        "mkdir", "unlink", "truncate", "stat", "close"};
    fprintf(stderr, "FAIL %s %s: %s call %" PRIu64 " (effect %d, errno %d): %s\n", mode,
            op_names[op], f->kind ? kinds[__builtin_ctz(f->kind)] : "no fault", f->nth, f->effect,
            f->errnum, what);
    g_failed++;
}

/* One trial on a fresh copy; returns the calls per kind seen (count_only). */
static void trial(const char *tmpl, const char *mode, unsigned dur, int op, fault *f,
                  uint64_t *calls)
{
    char path[4096], msg[600];
    floe_db *db;
    int bid = 0, rc, probe;
    bool acked_probe = false, sync_hit;
    int64_t rows[MAXBID], distinct[MAXBID];
    int b;

    snprintf(path, sizeof path, "%s/trial", g_dir);
    sh("rm -rf '%s' && cp -a '%s' '%s'", path, tmpl, path);
    db = open_db(path, dur);
    if (db == NULL) {
        fail(mode, op, f, "template copy does not open");
        return;
    }
    rc = run_op(db, op, &bid, arm_fault, f);
    sync_hit = !f->count_only && f->kind == FLOE_OS_FSYNC && floe_os_faults_hit() > 0;
    if (f->count_only) {
        int k;
        for (k = 0; k < FLOE_OS_NKINDS; k++) calls[k] = floe_os_calls(1u << k);
    } else if (floe_os_faults_hit() > 0) {
        g_faults[__builtin_ctz(f->kind)]++;
    }
    floe_os_fault_clear();
    floe_os_hook_off();
    if (f->count_only && rc != FLOE_OK) {
        fail(mode, op, f, floe_db_errmsg(db));
        floe_db_close(db);
        return;
    }
    if (rc != FLOE_OK && rc != FLOE_IOERR && rc != FLOE_READONLY) {
        snprintf(msg, sizeof msg, "unclean error %d: %s", rc, floe_db_errmsg(db));
        fail(mode, op, f, msg);
    }
    if (rc != FLOE_OK && floe_db_errmsg(db)[0] == '\0') fail(mode, op, f, "error without message");
    /* the probe: a failed sync must have stopped writing */
    probe = insert_batch(db, 200, 3);
    if (probe == FLOE_OK) {
        acked_probe = true;
        if (sync_hit && rc != FLOE_OK) fail(mode, op, f, "write accepted after a failed fsync");
    } else if (probe != FLOE_READONLY) {
        snprintf(msg, sizeof msg, "probe: unexpected %d: %s", probe, floe_db_errmsg(db));
        fail(mode, op, f, msg);
    } else if (!sync_hit && strstr(floe_db_errmsg(db), "I/O error") == NULL) {
        snprintf(msg, sizeof msg, "probe refused: %s", floe_db_errmsg(db));
        fail(mode, op, f, msg);
    }
    floe_db_close(db); /* may fail (fail-stop): the WAL keeps the rows */
    db = open_db(path, dur);
    if (db == NULL) {
        fail(mode, op, f, "does not reopen after the fault");
        return;
    }
    if (count_batches(db, rows, distinct) != 0) {
        fail(mode, op, f, "query after reopen failed");
        floe_db_close(db);
        return;
    }
    if (rows[0] != 0) fail(mode, op, f, "a row of no batch");
    for (b = 1; b < MAXBID; b++) {
        bool acked = (b <= 10) || (b == 102 && op == OP_FLUSH) || (b == bid && rc == FLOE_OK) ||
                     (b == 200 && acked_probe);
        bool maybe = (b == bid && rc != FLOE_OK) || (b == 200 && !acked_probe);
        if (rows[b] != distinct[b]) {
            snprintf(msg, sizeof msg, "batch %d: %" PRId64 " rows, %" PRId64 " distinct", b,
                     rows[b], distinct[b]);
            fail(mode, op, f, msg);
        } else if (acked && rows[b] != g_rows_of[b]) {
            snprintf(msg, sizeof msg, "acknowledged batch %d: %" PRId64 " of %d rows", b, rows[b],
                     g_rows_of[b]);
            fail(mode, op, f, msg);
        } else if (maybe && rows[b] != 0 && rows[b] != g_rows_of[b]) {
            snprintf(msg, sizeof msg, "failed batch %d partly present: %" PRId64 " of %d rows", b,
                     rows[b], g_rows_of[b]);
            fail(mode, op, f, msg);
        } else if (!acked && !maybe && rows[b] != 0) {
            snprintf(msg, sizeof msg, "unknown batch %d present", b);
            fail(mode, op, f, msg);
        }
    }
    floe_db_close(db);
    g_passed++;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned flag;
    } modes[] = {{"full", FLOE_OPEN_DURABILITY_FULL}, {"batch", 0}, {"off", FLOE_OPEN_DURABILITY_OFF}};
    static const unsigned kinds[] = {FLOE_OS_OPEN,   FLOE_OS_WRITE, FLOE_OS_FSYNC,
                                     FLOE_OS_RENAME, FLOE_OS_MKDIR, FLOE_OS_UNLINK};
    char tmpl[4096];
    FILE *csv;
    unsigned m;
    int op, i;

    if (argc < 2) {
        fprintf(stderr, "usage: fault_loop_test DIR\n");
        return 2;
    }
    g_dir = argv[1];
    mkdir(g_dir, 0755);
    snprintf(g_csv, sizeof g_csv, "%s/copy.csv", g_dir);
    csv = fopen(g_csv, "w");
    for (i = 0; i < 70; i++) fprintf(csv, "103,%d\n", 1030000 + i);
    fclose(csv);
    for (m = 0; m < sizeof modes / sizeof *modes; m++) {
        snprintf(tmpl, sizeof tmpl, "%s/template-%s", g_dir, modes[m].name);
        sh("rm -rf '%s'%s%s", tmpl, "", "");
        build_template(tmpl, modes[m].flag);
        for (op = 0; op < NOPS; op++) {
            uint64_t calls[FLOE_OS_NKINDS] = {0}, points = 0, before = (uint64_t)g_failed;
            fault f = {0, 0, 0, 0, true};
            unsigned k;
            trial(tmpl, modes[m].name, modes[m].flag, op, &f, calls);
            for (k = 0; k < sizeof kinds / sizeof *kinds; k++) {
                unsigned kind = kinds[k];
                uint64_t n, nc = calls[__builtin_ctz(kind)];
                for (n = 1; n <= nc; n++) {
                    fault g = {kind, n, FLOE_OS_FAIL, EIO, false};
                    trial(tmpl, modes[m].name, modes[m].flag, op, &g, calls);
                    points++;
                    if (kind == FLOE_OS_WRITE && (m == 0 || getenv("FLOE_FAULT_LOOP_ALL"))) {
                        g.errnum = ENOSPC;
                        trial(tmpl, modes[m].name, modes[m].flag, op, &g, calls);
                        g.effect = FLOE_OS_SHORT;
                        g.errnum = 0;
                        trial(tmpl, modes[m].name, modes[m].flag, op, &g, calls);
                    }
                }
            }
            printf("fault_loop: %-5s %-6s %3" PRIu64 " injection points (open %" PRIu64
                   ", write %" PRIu64 ", fsync %" PRIu64 ", rename %" PRIu64 ", mkdir %" PRIu64
                   ", unlink %" PRIu64 "), %s\n",
                   modes[m].name, op_names[op], points, calls[0], calls[2], calls[3], calls[4],
                   calls[5], calls[6], (uint64_t)g_failed == before ? "ok" : "FAILED");
            fflush(stdout);
        }
    }
    printf("fault_loop: faults injected: open %" PRIu64 ", write %" PRIu64 ", fsync %" PRIu64
           ", rename %" PRIu64 ", mkdir %" PRIu64 ", unlink %" PRIu64 "\n",
           g_faults[0], g_faults[2], g_faults[3], g_faults[4], g_faults[5], g_faults[6]);
    printf("fault_loop: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
