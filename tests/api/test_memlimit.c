/* tests/api/test_memlimit.c: memory_limit and threads through the C API and
 * SQL (SET, RESET, current_setting), and a query over the limit failing
 * cleanly while the database keeps working. */
#include <string.h>

#include "api_test_util.h"

static char *setting(floe_db *db, const char *name, char *buf, size_t cap)
{
    char sql[128];
    floe_result *res;
    snprintf(sql, sizeof sql, "SELECT current_setting('%s')", name);
    res = query_ok(db, sql);
    cr_assert_eq(floe_result_row_count(res), 1);
    {
        char *text = floe_value_text(res, 0, 0); /* free with floe_free() */
        snprintf(buf, cap, "%s", text ? text : "(null)");
        floe_free(text);
    }
    floe_result_free(res);
    return buf;
}

/* u(v) = 0..9999, built with a 4-way cross join of 0..9 */
static void make_u(floe_db *db)
{
    exec_ok(db, "CREATE TABLE t (v BIGINT)");
    exec_ok(db, "INSERT INTO t VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
    exec_ok(db, "CREATE TABLE u AS SELECT a.v*1000 + b.v*100 + c.v*10 + d.v AS v "
                "FROM t a, t b, t c, t d");
}

/* 3,000,000 distinct keys: a.v in 0..299 times b.v in 0..9999 */
#define BIG_GROUP_BY                                                                          \
    "SELECT count(*), max(k) FROM (SELECT a.v * 10000 + b.v AS k, count(*) AS n FROM u a, u b " \
    "WHERE a.v < 300 GROUP BY k) s"

Test(memlimit, set_memory_limit_makes_a_big_group_by_fail_cleanly_then_succeed)
{
    floe_db *db = NULL;
    floe_result *res = NULL;
    char buf[64];
    int rc;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    make_u(db);
    exec_ok(db, "SET memory_limit = '64MB'");
    cr_assert_str_eq(setting(db, "memory_limit", buf, sizeof buf), "61.0 MiB");
    rc = floe_query(db, BIG_GROUP_BY, &res);
    cr_assert_eq(rc, FLOE_NOMEM, "got %d: %s", rc, floe_db_errmsg(db));
    cr_assert_null(res);
    cr_assert(strstr(floe_db_errmsg(db), "memory limit of 61.0 MiB exceeded by AGGREGATE") != NULL,
              "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "SET memory_limit to raise it") != NULL, "%s",
              floe_db_errmsg(db));
    /* the database still works, and the failed query gave its bytes back:
     * a smaller GROUP BY fits under the same limit */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM u"), 10000);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM (SELECT v % 1000 AS k FROM u GROUP BY k) s"),
                 1000);
    exec_ok(db, "SET memory_limit TO '4GB'");
    res = query_ok(db, BIG_GROUP_BY);
    cr_assert_eq(floe_value_int64(res, 0, 0), 300 * 10000);
    cr_assert_eq(floe_value_int64(res, 1, 0), 299 * 10000 + 9999, "max(k) = %lld",
                 (long long)floe_value_int64(res, 1, 0));
    floe_result_free(res);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(memlimit, the_failing_query_frees_what_it_held)
{
    /* after many failures under a limit, a query needing almost all of it
     * still fits: nothing leaked in the shared counter */
    floe_db *db = NULL;
    int i;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    make_u(db);
    exec_ok(db, "SET memory_limit = '64MiB'");
    for (i = 0; i < 5; i++) cr_assert_eq(floe_exec(db, BIG_GROUP_BY), FLOE_NOMEM);
    /* 100,000 keys: a few MiB */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM (SELECT a.v * 10000 + b.v AS k FROM u a, u b "
                               "WHERE a.v < 10 GROUP BY k) s"),
                 100000);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(memlimit, sort_and_result_buffer_are_counted)
{
    floe_db *db = NULL;
    int rc;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    make_u(db);
    exec_ok(db, "SET memory_limit = '8MB'");
    /* 2,000,000 rows sorted: ~16 MB of sort buffer */
    rc = floe_exec(db, "SELECT a.v * 10000 + b.v AS k FROM u a, u b WHERE a.v < 200 ORDER BY k DESC");
    cr_assert_eq(rc, FLOE_NOMEM, "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "memory limit of") != NULL, "%s", floe_db_errmsg(db));
    /* the same rows unsorted: the result buffer alone goes over */
    rc = floe_exec(db, "SELECT a.v * 10000 + b.v AS k FROM u a, u b WHERE a.v < 200");
    cr_assert_eq(rc, FLOE_NOMEM, "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "memory limit of") != NULL, "%s", floe_db_errmsg(db));
    exec_ok(db, "RESET memory_limit");
    cr_assert_eq(query_int(db, "SELECT count(*) FROM (SELECT a.v * 10000 + b.v AS k FROM u a, u b "
                               "WHERE a.v < 200 ORDER BY k DESC) s"),
                 2000000);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(memlimit, open_options_set_the_defaults_and_reset_returns_to_them)
{
    floe_open_options o;
    floe_db *db = NULL;
    char buf[64];
    floe_open_options_init(&o);
    cr_assert_eq(o.flags, 0);
    cr_assert_eq(o.memory_limit, 0);
    cr_assert_eq(o.threads, 0);
    o.memory_limit = 1ULL << 30;
    o.threads = 3;
    cr_assert_eq(floe_db_open_ex(NULL, &o, &db), FLOE_OK);
    cr_assert_str_eq(setting(db, "memory_limit", buf, sizeof buf), "1.0 GiB");
    cr_assert_str_eq(setting(db, "threads", buf, sizeof buf), "3");
    exec_ok(db, "SET threads = 1");
    exec_ok(db, "SET GLOBAL memory_limit = '1.5GiB'");
    cr_assert_str_eq(setting(db, "threads", buf, sizeof buf), "1");
    cr_assert_str_eq(setting(db, "memory_limit", buf, sizeof buf), "1.5 GiB");
    exec_ok(db, "RESET threads; RESET memory_limit");
    cr_assert_str_eq(setting(db, "threads", buf, sizeof buf), "3");
    cr_assert_str_eq(setting(db, "memory_limit", buf, sizeof buf), "1.0 GiB");
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(memlimit, bad_settings_get_clear_errors)
{
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open_ex(NULL, NULL, &db), FLOE_OK);
    cr_assert_eq(floe_exec(db, "SET memroy_limit = '1GB'"), FLOE_ERROR);
    cr_assert(strstr(floe_db_errmsg(db), "unknown setting 'memroy_limit'; known settings: "
                                         "memory_limit, threads") != NULL,
              "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_exec(db, "SELECT current_setting('nope')"), FLOE_ERROR);
    cr_assert(strstr(floe_db_errmsg(db), "known settings") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_exec(db, "SET memory_limit = '1 parsec'"), FLOE_RANGE);
    cr_assert(strstr(floe_db_errmsg(db), "is not a memory size") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_exec(db, "SET memory_limit = '10KB'"), FLOE_RANGE);
    cr_assert_eq(floe_exec(db, "SET threads = 0"), FLOE_RANGE);
    cr_assert_eq(floe_exec(db, "SET threads = 'many'"), FLOE_RANGE);
    cr_assert_eq(floe_exec(db, "SET threads"), FLOE_PARSE);
    /* the defaults were kept */
    exec_ok(db, "SELECT 1");
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}
