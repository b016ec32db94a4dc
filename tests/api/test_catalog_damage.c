/* tests/api/test_catalog_damage.c: a damaged catalog never loses data
 * quietly (issue #12 items 2 and 5c).
 *
 * A child process builds a real database (three tables, several parts each,
 * one with a TTL drop and a merge behind it, acknowledged rows still only in
 * the WAL) and dies without closing; sqlite then checkpoints catalog.db.
 * Each case works on a copy: flip one byte of catalog.db, or edit one value
 * with the sqlite3 API, and open it. The open must either fail cleanly
 * (FLOE_CORRUPT, or an error naming catalog.db) or give exactly the answers
 * known from the inserted rows, and no file of a committed part may be
 * removed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"
#include "tests/api/api_test_util.h"
#include "db/maintain.h"
#include "storage/catalog.h"

#define NTAB 3
static const char *const tab_names[NTAB] = {"a", "b", "c"};

/* Expected answers per table, computed from the rows inserted. */
typedef struct expect {
    int64_t count, sum;
} expect;

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[9000];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Rows k in [lo, hi): (k, k*7 % 1000, ts_us), by the appender (in the
 * builder child: failures exit with status 4). */
static void insert_range(floe_db *db, const char *t, int64_t lo, int64_t hi, int64_t ts_us)
{
    floe_appender *app = NULL;
    int64_t k;
    if (floe_appender_open(db, t, &app) != FLOE_OK) _exit(4);
    for (k = lo; k < hi; k++)
        if (floe_append_int64(app, k) != FLOE_OK || floe_append_int64(app, k * 7 % 1000) != FLOE_OK ||
            floe_append_int64(app, ts_us) != FLOE_OK || floe_appender_end_row(app) != FLOE_OK)
            _exit(4);
    if (floe_appender_close(app) != FLOE_OK) _exit(4);
}

/* exec in the builder child */
static void cexec(floe_db *db, const char *sql)
{
    if (floe_exec(db, sql) != FLOE_OK) _exit(5);
}

/* Build the reference database in `dir` in a child that exits without
 * closing (rows stay in the WAL), then checkpoint catalog.db. */
static void build(const char *dir, expect *e)
{
    pid_t pid;
    int status;
    char cat[4200];
    sqlite3 *s;
    int64_t now = (int64_t)time(NULL) * 1000000;
    memset(e, 0, NTAB * sizeof *e);
    /* expectations are computed in the parent the same way the child inserts */
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        floe_db *db = NULL;
        floe_maintain_opts mo;
        floe_maintain_stats st;
        floe_err err = FLOE_ERR_INIT;
        int p;
        if (floe_db_open(dir, FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) _exit(2);
        floe_maintain_get_opts(db, &mo);
        mo.interval_ms = 0;
        mo.retire_ms = 0; /* TTL-dropped parts removed at once: the copies start clean */
        floe_maintain_set_opts(db, &mo);
        cexec(db, "CREATE TABLE a (k BIGINT, v BIGINT, ts TIMESTAMP) WITH (shards = 2)");
        cexec(db, "CREATE TABLE b (k BIGINT, v BIGINT, ts TIMESTAMP) WITH (shards = 1)");
        cexec(db, "CREATE TABLE c (k BIGINT, v BIGINT, ts TIMESTAMP)"
                    " WITH (shards = 1, ttl = '30 days')");
        for (p = 0; p < 4; p++) {
            insert_range(db, "a", p * 40, p * 40 + 40, now);
            cexec(db, "FLUSH a");
            insert_range(db, "b", p * 30, p * 30 + 30, now);
            cexec(db, "FLUSH b");
        }
        /* c: an expired part (dropped by TTL), then live parts */
        insert_range(db, "c", 1000, 1030, now - 90LL * 86400 * 1000000);
        cexec(db, "FLUSH c");
        for (p = 0; p < 3; p++) {
            insert_range(db, "c", p * 20, p * 20 + 20, now);
            cexec(db, "FLUSH c");
        }
        memset(&st, 0, sizeof st);
        if (floe_maintain_run(db, &st, &err) != FLOE_OK || st.ttl_parts != 1) {
            fprintf(stderr, "builder: maintain: %s (ttl parts %llu)\n", err.msg,
                    (unsigned long long)st.ttl_parts);
            _exit(3);
        }
        /* acknowledged rows only in the WAL */
        insert_range(db, "a", 500, 530, now);
        insert_range(db, "b", 500, 510, now);
        insert_range(db, "c", 500, 515, now);
        _exit(0); /* no close: a crash */
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "builder failed: %d", status);
    {
        /* the same rows, counted here */
        int64_t k;
        for (k = 0; k < 160; k++) e[0].count++, e[0].sum += k * 7 % 1000;
        for (k = 500; k < 530; k++) e[0].count++, e[0].sum += k * 7 % 1000;
        for (k = 0; k < 120; k++) e[1].count++, e[1].sum += k * 7 % 1000;
        for (k = 500; k < 510; k++) e[1].count++, e[1].sum += k * 7 % 1000;
        for (k = 0; k < 60; k++) e[2].count++, e[2].sum += k * 7 % 1000;
        for (k = 500; k < 515; k++) e[2].count++, e[2].sum += k * 7 % 1000;
    }
    /* closing the last connection checkpoints the catalog's WAL */
    snprintf(cat, sizeof cat, "%s/catalog.db", dir);
    cr_assert_eq(sqlite3_open(cat, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_close(s), SQLITE_OK);
}

/* Files under dir/tables, one path a line, into buf (sorted by find). */
typedef struct tree {
    char **paths;
    int n, cap;
} tree;

static void list_tree(const char *dir, tree *t)
{
    char cmd[4300], line[4400];
    FILE *p;
    snprintf(cmd, sizeof cmd, "cd '%s' && find tables -type f | sort", dir);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    memset(t, 0, sizeof *t);
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->paths = realloc(t->paths, (size_t)t->cap * sizeof *t->paths);
        }
        t->paths[t->n++] = strdup(line);
    }
    pclose(p);
}

static void tree_free(tree *t)
{
    int i;
    for (i = 0; i < t->n; i++) free(t->paths[i]);
    free(t->paths);
}

/* Every part file listed in `before` still exists under dir. */
static void assert_nothing_removed(const char *dir, const tree *before, const char *what)
{
    char p[8400];
    struct stat st;
    int i;
    for (i = 0; i < before->n; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, before->paths[i]);
        if (strstr(before->paths[i], "/part-") == NULL) continue;
        cr_assert_eq(stat(p, &st), 0, "%s: %s was removed", what, before->paths[i]);
    }
}

typedef enum outcome { OUT_EXACT, OUT_OPEN_ERROR, OUT_QUERY_ERROR } outcome;

/* Open the copy and compare with the expectations; never fewer rows. */
static outcome open_and_check(const char *dir, const expect *e, const char *what, char *msg,
                              size_t msgcap)
{
    floe_db *db = NULL;
    floe_maintain_opts mo;
    outcome out = OUT_EXACT;
    int rc = floe_db_open(dir, FLOE_OPEN_DURABILITY_OFF, &db), t; /* the copy is scratch */
    msg[0] = '\0';
    if (rc != FLOE_OK) {
        const char *m = floe_db_errmsg(db);
        snprintf(msg, msgcap, "%s", m);
        cr_assert(rc == FLOE_CORRUPT || rc == FLOE_UNSUPPORTED ||
                      (rc == FLOE_IOERR && strstr(m, "catalog.db") != NULL),
                  "%s: open failed unclearly (%s): %s", what, floe_errstr(rc), m);
        floe_db_close(db);
        return OUT_OPEN_ERROR;
    }
    floe_maintain_get_opts(db, &mo);
    mo.interval_ms = 0;
    floe_maintain_set_opts(db, &mo);
    for (t = 0; t < NTAB; t++) {
        char sql[128];
        floe_result *res = NULL;
        snprintf(sql, sizeof sql, "SELECT count(*), CAST(sum(v) AS BIGINT) FROM %s", tab_names[t]);
        if (floe_query(db, sql, &res) != FLOE_OK) {
            /* e.g. a flipped table or column name: an error, not an answer */
            snprintf(msg, msgcap, "%s", floe_db_errmsg(db));
            out = OUT_QUERY_ERROR;
            continue;
        }
        cr_assert_eq(floe_value_int64(res, 0, 0), e[t].count, "%s: table %s has %lld rows, not %lld",
                     what, tab_names[t], (long long)floe_value_int64(res, 0, 0),
                     (long long)e[t].count);
        cr_assert_eq(floe_value_int64(res, 1, 0), e[t].sum, "%s: table %s sum %lld, not %lld", what,
                     tab_names[t], (long long)floe_value_int64(res, 1, 0), (long long)e[t].sum);
        floe_result_free(res);
    }
    floe_db_close(db);
    return out;
}

static void copy_db(const char *from, const char *to)
{
    sh("rm -rf '%s' && mkdir -p '%s'", to, to);
    sh("cp -a '%s/.' '%s'", from, to);
}

static char *ref_dir(expect *e)
{
    char *d = scratch_dir("catdmg");
    build(d, e);
    return d;
}

Test(catalog_damage, every_flipped_byte_gives_an_error_or_the_exact_answer, .timeout = 120)
{
    expect e[NTAB];
    char *ref = ref_dir(e), copy[4200], cat[4300], what[128], msg[1024];
    struct stat st;
    tree before;
    long size, page, off;
    int counts[3] = {0, 0, 0}, k;
    uint64_t seed = 12345;

    snprintf(copy, sizeof copy, "%s-copy", ref);
    snprintf(cat, sizeof cat, "%s/catalog.db", ref);
    cr_assert_eq(stat(cat, &st), 0);
    size = (long)st.st_size;
    /* the reference itself gives the exact answers */
    copy_db(ref, copy);
    cr_assert_eq(open_and_check(copy, e, "undamaged copy", msg, sizeof msg), OUT_EXACT, "%s", msg);
    list_tree(ref, &before);
    cr_assert_gt(before.n, 10);
    for (page = 0; page < size; page += 4096) {
        for (k = 0; k < 3; k++) {
            FILE *f;
            int ch;
            outcome o;
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            off = page + (k == 0 ? (page == 0 ? 20 : 0) : (long)((seed >> 33) % 4096));
            if (off >= size) continue;
            copy_db(ref, copy);
            snprintf(cat, sizeof cat, "%s/catalog.db", copy);
            f = fopen(cat, "r+b");
            cr_assert_not_null(f);
            fseek(f, off, SEEK_SET);
            ch = fgetc(f);
            fseek(f, off, SEEK_SET);
            fputc(ch ^ (1 << ((seed >> 20) % 8)), f);
            fclose(f);
            snprintf(what, sizeof what, "byte %ld flipped", off);
            o = open_and_check(copy, e, what, msg, sizeof msg);
            counts[o]++;
            assert_nothing_removed(copy, &before, what);
        }
    }
    cr_log_info("catalog.db %ld bytes: exact %d, open error %d, query error %d", size, counts[0],
                counts[1], counts[2]);
    cr_assert_gt(counts[0] + counts[1] + counts[2], 20);
    tree_free(&before);
    sh("rm -rf '%s' '%s'", ref, copy);
    free(ref);
}

/* Run `sql` on the copy's catalog with the plain sqlite3 API. */
static void edit(const char *dir, const char *sql)
{
    char cat[4300];
    sqlite3 *s;
    char *m = NULL;
    snprintf(cat, sizeof cat, "%s/catalog.db", dir);
    cr_assert_eq(sqlite3_open(cat, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(s, sql, NULL, NULL, &m), SQLITE_OK, "%s: %s", sql, m ? m : "");
    cr_assert_eq(sqlite3_close(s), SQLITE_OK);
}

static int64_t cat_int(const char *dir, const char *sql)
{
    char cat[4300];
    sqlite3 *s;
    sqlite3_stmt *st;
    int64_t v;
    snprintf(cat, sizeof cat, "%s/catalog.db", dir);
    cr_assert_eq(sqlite3_open(cat, &s), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

static void expect_refusal(const char *copy, const expect *e, const tree *before, const char *what,
                           const char *needle)
{
    char msg[1024];
    cr_assert_eq(open_and_check(copy, e, what, msg, sizeof msg), OUT_OPEN_ERROR,
                 "%s: opened anyway", what);
    cr_assert(strstr(msg, needle) != NULL, "%s: message lacks '%s': %s", what, needle, msg);
    assert_nothing_removed(copy, before, what);
}

Test(catalog_damage, single_edited_values_are_refused_and_nothing_is_removed, .timeout = 120)
{
    expect e[NTAB];
    char *ref = ref_dir(e), copy[4200], sql[512], msg[1024], p[8600], q[8600];
    tree before;
    int64_t part, next, ta, tb;
    struct stat st;

    snprintf(copy, sizeof copy, "%s-copy", ref);
    list_tree(ref, &before);
    ta = cat_int(ref, "SELECT id FROM tables WHERE name='a'");
    tb = cat_int(ref, "SELECT id FROM tables WHERE name='b'");
    part = cat_int(ref, "SELECT min(id) FROM parts WHERE table_id=(SELECT id FROM tables WHERE name='a')");

    /* a part's table id */
    copy_db(ref, copy);
    snprintf(sql, sizeof sql, "UPDATE parts SET table_id=%lld WHERE id=%lld", (long long)tb,
             (long long)part);
    edit(copy, sql);
    expect_refusal(copy, e, &before, "part moved to another table", "catalog.db");

    /* a shard's flushed seq raised by 50: 50 WAL rows would be skipped */
    copy_db(ref, copy);
    snprintf(sql, sizeof sql,
             "UPDATE shard_state SET flushed_seq=flushed_seq+50 WHERE table_id=%lld AND shard=0",
             (long long)ta);
    edit(copy, sql);
    expect_refusal(copy, e, &before, "flushed_seq + 50", "flushed_seq");

    /* the same on the TTL table, whose flushed seq is explained by a drop */
    copy_db(ref, copy);
    edit(copy, "UPDATE shard_state SET flushed_seq=flushed_seq+50 WHERE table_id="
               "(SELECT id FROM tables WHERE name='c')");
    expect_refusal(copy, e, &before, "flushed_seq + 50 after TTL", "flushed_seq");

    /* a part row deleted */
    copy_db(ref, copy);
    snprintf(sql, sizeof sql, "DELETE FROM parts WHERE id=%lld", (long long)part);
    edit(copy, sql);
    expect_refusal(copy, e, &before, "part row deleted", "catalog.db");

    /* a crash leftover: a finished part directory of an allocated, never
     * committed id is removed and the answers are exact ... */
    next = cat_int(ref, "SELECT value FROM meta WHERE key='next_part_id'");
    copy_db(ref, copy);
    snprintf(p, sizeof p, "%s/tables/%lld/part-%lld", copy, (long long)ta, (long long)part);
    snprintf(q, sizeof q, "%s/tables/%lld/part-%lld", copy, (long long)ta, (long long)next);
    sh("cp -a '%s' '%s'", p, q);
    snprintf(sql, sizeof sql,
             "INSERT INTO pending_parts VALUES(%lld, %lld);"
             " UPDATE meta SET value=value+1 WHERE key='next_part_id'",
             (long long)next, (long long)ta);
    edit(copy, sql);
    cr_assert_eq(open_and_check(copy, e, "pending leftover", msg, sizeof msg), OUT_EXACT, "%s", msg);
    cr_assert_neq(stat(q, &st), 0, "the pending leftover stayed");
    assert_nothing_removed(copy, &before, "pending leftover");

    /* ... but with its pending row deleted it is unexplained: refused, kept */
    copy_db(ref, copy);
    sh("cp -a '%s' '%s'", p, q);
    edit(copy, "UPDATE meta SET value=value+1 WHERE key='next_part_id'");
    expect_refusal(copy, e, &before, "pending row deleted", "refusing to open");
    cr_assert_eq(stat(q, &st), 0, "the unexplained directory was removed");

    /* a catalog from before this bookkeeping (v1) is upgraded: the
     * unexplained directory is quarantined, never deleted */
    copy_db(ref, copy);
    sh("cp -a '%s' '%s'", p, q);
    edit(copy, "UPDATE meta SET value=value+1 WHERE key='next_part_id';"
               " DROP TABLE part_deletes;"
               " DROP TABLE pending_parts; DROP TABLE garbage_parts; DROP TABLE legacy_gc;"
               " ALTER TABLE shard_state DROP COLUMN dropped_seq;"
               " DROP TABLE objects;" /* v3 */
               " UPDATE schema_version SET version=1");
    cr_assert_eq(open_and_check(copy, e, "v1 upgrade", msg, sizeof msg), OUT_EXACT, "%s", msg);
    snprintf(q, sizeof q, "%s/quarantine/%lld/part-%lld/part.meta", copy, (long long)ta,
             (long long)next);
    cr_assert_eq(stat(q, &st), 0, "not quarantined: %s", q);
    assert_nothing_removed(copy, &before, "v1 upgrade");
    cr_assert_eq(cat_int(copy, "SELECT version FROM schema_version"), FLOE_CATALOG_VERSION);
    /* ... once: the next open finds nothing to move */
    cr_assert_eq(open_and_check(copy, e, "after upgrade", msg, sizeof msg), OUT_EXACT, "%s", msg);

    tree_free(&before);
    sh("rm -rf '%s' '%s'", ref, copy);
    free(ref);
}

Test(catalog_damage, integrity_check_flag_opens_a_sound_catalog)
{
    expect e[NTAB];
    char *ref = ref_dir(e);
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open(ref, FLOE_OPEN_INTEGRITY_CHECK, &db), FLOE_OK, "%s",
                 floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT count(*) FROM a"), e[0].count);
    floe_db_close(db);
    sh("rm -rf '%s'%s", ref, "");
    free(ref);
}
