/* tests/api/api_test_util.h: helpers shared by the C API tests: a scratch
 * directory under FLOE_TEST_TMP and SQL calls that fail the test with the
 * database's message. Header-only (static functions), one copy per test file. */
#ifndef FLOE_TESTS_API_TEST_UTIL_H
#define FLOE_TESTS_API_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "floe.h"

/* A new empty directory <FLOE_TEST_TMP or /tmp>/api-<name>-XXXXXX; free() it. */
static inline char *scratch_dir(const char *name)
{
    const char *root = getenv("FLOE_TEST_TMP");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/api-%s-XXXXXX", root && *root ? root : "/tmp", name);
    cr_assert_not_null(mkdtemp(p));
    return p;
}

static inline void exec_ok(floe_db *db, const char *sql)
{
    cr_assert_eq(floe_exec(db, sql), FLOE_OK, "%s: %s", sql, floe_db_errmsg(db));
}

static inline floe_result *query_ok(floe_db *db, const char *sql)
{
    floe_result *res = NULL;
    cr_assert_eq(floe_query(db, sql, &res), FLOE_OK, "%s: %s", sql, floe_db_errmsg(db));
    cr_assert_not_null(res);
    return res;
}

/* The single BIGINT-convertible value of a one-row query. */
static inline int64_t query_int(floe_db *db, const char *sql)
{
    floe_result *res = query_ok(db, sql);
    int64_t v;
    cr_assert_eq(floe_result_row_count(res), 1, "%s", sql);
    v = floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return v;
}

#endif
