/* tests/api/test_log.c: the library never prints: recovery warnings reach
 * the log callback of floe_open_options (and nothing when none is set), and
 * the in-memory scratch directory follows temp_directory. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floe.h"
#include "ingest/wal.h"
#include "tests/api/api_test_util.h"

typedef struct log_rec {
    pthread_mutex_t mu;
    int n, nwarn;
    char last[1024];
} log_rec;

static void record(void *ctx, int level, const char *msg)
{
    log_rec *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->n++;
    if (level == FLOE_LOG_WARN) r->nwarn++;
    snprintf(r->last, sizeof r->last, "%s", msg);
    pthread_mutex_unlock(&r->mu);
}

static int note_last(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    uint64_t *off = ctx;
    (void)err;
    if (rec->type == FLOE_WAL_REC_BATCH && rec->nrows > 0) *off = rec->offset + 1;
    return FLOE_OK;
}

/* A database whose only shard's WAL holds 3 acknowledged rows and then the
 * first bytes of a 4th record (a torn tail). */
static void make_torn_tail(const char *dir)
{
    char pat[4200];
    glob_t g;
    floe_wal_opts o;
    floe_wal *w = NULL;
    floe_err err = FLOE_ERR_INIT;
    uint64_t last = 0;
    unsigned long long tid, shard, seg;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        floe_db *db = NULL;
        if (floe_db_open(dir, FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK ||
            floe_exec(db, "CREATE TABLE t (a BIGINT) WITH (shards = 1)") != FLOE_OK)
            _exit(2);
        for (int i = 1; i <= 4; i++) {
            char sql[64];
            snprintf(sql, sizeof sql, "INSERT INTO t VALUES (%d)", i);
            if (floe_exec(db, sql) != FLOE_OK) _exit(3);
        }
        _exit(0); /* a crash: no close, the rows stay in the WAL */
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed");
    snprintf(pat, sizeof pat, "%s/wal/*-0-*.wal", dir);
    cr_assert_eq(glob(pat, 0, NULL, &g), 0);
    cr_assert_eq(g.gl_pathc, 1);
    cr_assert_eq(sscanf(strrchr(g.gl_pathv[0], '/') + 1, "%llu-%llu-%llu.wal", &tid, &shard, &seg), 3);
    memset(&o, 0, sizeof o);
    o.db_dir = dir;
    o.table_id = tid;
    o.shard = 0;
    o.durability = FLOE_DURABILITY_OFF;
    o.readonly = true;
    cr_assert_eq(floe_wal_open(&o, note_last, &last, NULL, 0, &w, &err), FLOE_OK, "%s", err.msg);
    floe_wal_close(w);
    cr_assert_gt(last, 0);
    /* keep a few bytes of the last record: its checksum cannot match */
    cr_assert_eq(truncate(g.gl_pathv[0], (off_t)(last - 1 + 6)), 0);
    globfree(&g);
}

Test(log, recovery_warning_goes_to_the_callback)
{
    char *dir = scratch_dir("log");
    char dbp[4200];
    log_rec r = {.mu = PTHREAD_MUTEX_INITIALIZER};
    floe_open_options o;
    floe_db *db = NULL;
    snprintf(dbp, sizeof dbp, "%s/db", dir);
    make_torn_tail(dbp);
    floe_open_options_init(&o);
    o.log = record;
    o.log_ctx = &r;
    cr_assert_eq(floe_db_open_ex(dbp, &o, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    /* the torn 4th row is gone, the 3 before it recovered */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 3);
    cr_assert_eq(query_int(db, "SELECT sum(a) FROM t"), 6);
    pthread_mutex_lock(&r.mu);
    cr_assert_eq(r.nwarn, 1, "warnings: %d, last: %s", r.nwarn, r.last);
    cr_assert(strstr(r.last, "torn") != NULL, "message: %s", r.last);
    cr_assert(strchr(r.last, '\n') == NULL, "one line without a newline: %s", r.last);
    pthread_mutex_unlock(&r.mu);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(dir);
}

/* Without a callback the same recovery is silent (nothing on stderr). */
Test(log, default_is_silent, .init = cr_redirect_stderr)
{
    char *dir = scratch_dir("logq");
    char dbp[4200];
    floe_db *db = NULL;
    snprintf(dbp, sizeof dbp, "%s/db", dir);
    make_torn_tail(dbp);
    cr_assert_eq(floe_db_open(dbp, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 3);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    fflush(stderr);
    cr_assert_stderr_eq_str("");
    free(dir);
}

/* An in-memory database keeps its scratch directory under temp_directory
 * and removes it at close. */
static int count_mem_dirs(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, "floe-mem-", 9) == 0;
    closedir(d);
    return n;
}

Test(log, temp_directory_holds_in_memory_databases)
{
    char *dir = scratch_dir("tmpd");
    floe_open_options o;
    floe_db *db = NULL;
    floe_open_options_init(&o);
    o.temp_directory = dir;
    cr_assert_eq(floe_db_open_ex(NULL, &o, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t (a BIGINT)");
    exec_ok(db, "INSERT INTO t VALUES (1), (2)");
    cr_assert_eq(query_int(db, "SELECT sum(a) FROM t"), 3);
    cr_assert_eq(count_mem_dirs(dir), 1);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    cr_assert_eq(count_mem_dirs(dir), 0);
    free(dir);
}
