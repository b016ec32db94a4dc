/* tests/api/test_dml.c: DELETE and UPDATE through floe.h: the affected-row
 * count (floe_result_rows_changed), answers against a plain-C computation
 * over the same rows (in memtables, in parts, after reopening), merges that
 * purge deleted rows and drop the catalog's delete vectors, a damaged
 * vector refused at open, and read-only handles refusing both statements. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe.h"
#include "tests/api/api_test_util.h"
#include "db/db.h"
#include "db/maintain.h"

#define N 3000

static floe_db *open_db(const char *dir)
{
    floe_db *db = NULL;
    floe_maintain_opts o;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    floe_maintain_get_opts(db, &o);
    o.retire_ms = 0;
    o.interval_ms = 0; /* the tests run passes themselves */
    o.merge_min_parts = 2;
    floe_maintain_set_opts(db, &o);
    return db;
}

static uint64_t changes(floe_db *db, const char *sql)
{
    floe_result *res = query_ok(db, sql);
    uint64_t n = floe_result_rows_changed(res);
    cr_assert_eq(floe_result_column_count(res), 0);
    floe_result_free(res);
    return n;
}

/* The model: v[i] of row id i, or deleted. */
static int64_t mv[N];
static int mdel[N];

static void check(floe_db *db, const char *when)
{
    int64_t cnt = 0, sum = 0, mn = INT64_MAX, i;
    for (i = 0; i < N; i++) {
        if (mdel[i]) continue;
        cnt++;
        sum += mv[i];
        if (mv[i] < mn) mn = mv[i];
    }
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), cnt, "%s: count(*)", when);
    cr_assert_eq(query_int(db, "SELECT CAST(sum(v) AS BIGINT) FROM t"), sum, "%s: sum", when);
    cr_assert_eq(query_int(db, "SELECT min(v) FROM t"), mn, "%s: min", when);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT id) FROM t"), cnt, "%s: distinct", when);
    if (mdel[0])
        cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE id % 3 = 0"), 0, "%s: deleted", when);
}

static void load(floe_db *db, const char *create, int parts)
{
    char sql[256];
    int p;
    exec_ok(db, create);
    for (p = 0; p < parts; p++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO t SELECT x, x * 7 %% 1000, 'r' || CAST(x AS VARCHAR) FROM "
                 "(SELECT %d + i AS x FROM generate_series(0, %d) g(i)) s",
                 p * (N / parts), N / parts - 1);
        if (floe_exec(db, sql) != FLOE_OK) { /* without generate_series: row by row */
            floe_appender *app = NULL;
            int64_t i;
            cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
            for (i = p * (N / parts); i < (p + 1) * (N / parts); i++) {
                char s[32];
                int n = snprintf(s, sizeof s, "r%lld", (long long)i);
                cr_assert_eq(floe_append_int64(app, i) || floe_append_int64(app, i * 7 % 1000) ||
                                 floe_append_string(app, s, n) || floe_appender_end_row(app),
                             0);
            }
            cr_assert_eq(floe_appender_close(app), FLOE_OK);
        }
        if (parts > 1) exec_ok(db, "FLUSH TABLE t");
    }
    for (p = 0; p < N; p++) {
        mv[p] = (int64_t)p * 7 % 1000;
        mdel[p] = 0;
    }
}

/* DELETE id % 3 = 0, then UPDATE v = v * 2 + 1 WHERE id < 500. */
static void run_statements(floe_db *db)
{
    int64_t i, nd = 0, nu = 0;
    for (i = 0; i < N; i++)
        if (i % 3 == 0) mdel[i] = 1, nd++;
    cr_assert_eq(changes(db, "DELETE FROM t WHERE id % 3 = 0"), (uint64_t)nd);
    for (i = 0; i < 500; i++)
        if (!mdel[i]) mv[i] = mv[i] * 2 + 1, nu++;
    cr_assert_eq(changes(db, "UPDATE t SET v = v * 2 + 1 WHERE id < 500"), (uint64_t)nu);
    cr_assert_eq(changes(db, "DELETE FROM t WHERE id % 3 = 0"), 0, "already deleted");
    cr_assert_eq(changes(db, "UPDATE t SET v = 0 WHERE id < 0"), 0);
}

static void counts_and_reopen(const char *create, int parts)
{
    char *dir = scratch_dir("dml");
    floe_db *db = open_db(dir);
    load(db, create, parts);
    check(db, "loaded");
    run_statements(db);
    check(db, "after the statements");
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    db = open_db(dir);
    check(db, "reopened");
    floe_db_close(db);
    free(dir);
}

Test(dml, rows_in_memtables)
{
    /* rows never flushed: the statements flush first */
    counts_and_reopen("CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR)", 1);
}

Test(dml, rows_in_parts)
{
    counts_and_reopen("CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR)", 6);
}

Test(dml, sorted_table)
{
    counts_and_reopen("CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR) ORDER BY (v)", 6);
}

static int64_t cat_int(const char *dir, const char *sql)
{
    char path[4096];
    sqlite3 *c;
    sqlite3_stmt *st;
    int64_t v = -1;
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return v;
}

static void cat_exec(const char *dir, const char *sql)
{
    char path[4096];
    sqlite3 *c;
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(c, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(c));
    sqlite3_close(c);
}

static void merge_purges(const char *create)
{
    char *dir = scratch_dir("dmlmerge");
    floe_db *db = open_db(dir);
    floe_maintain_stats st;
    floe_err err = FLOE_ERR_INIT;
    int64_t live;
    load(db, create, 6);
    run_statements(db);
    check(db, "before merging");
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    cr_assert_geq(cat_int(dir, "SELECT count(*) FROM part_deletes"), 6, "a vector per part");
    db = open_db(dir);
    memset(&st, 0, sizeof st);
    cr_assert_eq(floe_maintain_run(db, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_geq(st.merges, 1);
    check(db, "after merging");
    live = query_int(db, "SELECT count(*) FROM t");
    /* the merged parts hold the live rows only */
    cr_assert_eq(query_int(db, "SELECT part_rows FROM floe_stats WHERE table_name = 't'"), live);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    cr_assert_eq(cat_int(dir, "SELECT count(*) FROM part_deletes"), 0, "vectors dropped");
    cr_assert_eq(cat_int(dir, "SELECT sum(rows) FROM parts"), live);
    db = open_db(dir);
    check(db, "reopened after merging");
    floe_db_close(db);
    free(dir);
}

Test(dml, merge_purges_deleted_rows)
{
    merge_purges("CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR)");
}

Test(dml, sorted_merge_purges_deleted_rows)
{
    merge_purges("CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR) ORDER BY (v)");
}

Test(dml, damaged_vector_is_refused)
{
    char *dir = scratch_dir("dmldamage");
    floe_db *db = open_db(dir);
    int rc;
    load(db, "CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR)", 2);
    run_statements(db);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    cat_exec(dir, "UPDATE part_deletes SET ndeleted = ndeleted + 1");
    db = NULL;
    rc = floe_db_open(dir, 0, &db);
    cr_assert_eq(rc, FLOE_CORRUPT, "open: %d %s", rc, floe_db_errmsg(db));
    cr_assert_not_null(strstr(floe_db_errmsg(db), "catalog.db"), "%s", floe_db_errmsg(db));
    cr_assert_not_null(strstr(floe_db_errmsg(db), "delete vector"), "%s", floe_db_errmsg(db));
    floe_db_close(db);
    free(dir);
}

Test(dml, readonly_refuses)
{
    char *dir = scratch_dir("dmlro");
    floe_db *db = open_db(dir), *ro = NULL;
    load(db, "CREATE TABLE t(id BIGINT, v BIGINT, s VARCHAR)", 2);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_READONLY, &ro), FLOE_OK, "%s", floe_db_errmsg(ro));
    cr_assert_eq(floe_exec(ro, "DELETE FROM t"), FLOE_READONLY);
    cr_assert_eq(floe_exec(ro, "UPDATE t SET v = 1"), FLOE_READONLY);
    cr_assert_eq(query_int(ro, "SELECT count(*) FROM t"), N);
    floe_db_close(ro);
    free(dir);
}
