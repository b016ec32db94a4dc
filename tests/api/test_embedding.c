/* tests/api/test_embedding.c: the floe.h answers an embedder used to find
 * out by experiment: when row-at-a-time appends become visible, DECIMAL
 * through the row and the column-batch paths, floe_value_int64 rounding,
 * type errors of text appends, and what a failed appender open or close
 * leaves behind. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "api_test_util.h"

static floe_db *mem_db(void)
{
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    return db;
}

Test(embedding, row_appends_are_visible_at_flush_not_at_end_row)
{
    floe_db *db = mem_db();
    floe_appender *app = NULL;
    uint32_t chunk = floe_result_chunk_size();
    uint32_t i;
    exec_ok(db, "CREATE TABLE t (a BIGINT)");
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK, "%s", floe_db_errmsg(db));
    for (i = 0; i < 3; i++) {
        cr_assert_eq(floe_append_int64(app, i), FLOE_OK);
        cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    }
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 0, "staged rows are not visible yet");
    cr_assert_eq(floe_appender_flush(app, NULL), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 3);
    /* a full chunk of staged rows is handed over by the end_row completing it */
    for (i = 0; i < chunk; i++) {
        cr_assert_eq(floe_append_int64(app, i), FLOE_OK);
        cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    }
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 3 + (int64_t)chunk);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(embedding, decimal_row_append_takes_the_value_column_batch_the_physical_layout)
{
    floe_db *db = mem_db();
    floe_appender *app = NULL;
    int64_t phys[2] = {1234, -5};
    const void *data[1] = {phys};
    floe_result *res;
    exec_ok(db, "CREATE TABLE d (x DECIMAL(10,2))");
    cr_assert_eq(floe_appender_open(db, "d", &app), FLOE_OK);
    cr_assert_eq(floe_append_int64(app, 5), FLOE_OK); /* the value 5 -> 5.00 */
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    cr_assert_eq(floe_append_text(app, "12.34"), FLOE_OK);
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    cr_assert_eq(floe_append_double(app, 0.125), FLOE_OK); /* half away: 0.13 */
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    cr_assert_eq(floe_append_int64(app, 100000000), FLOE_RANGE); /* 10^8.00 > precision 10 */
    cr_assert_eq(floe_append_null(app), FLOE_OK); /* the failed value was not taken */
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    cr_assert_eq(floe_appender_append_columns(app, 2, data, NULL), FLOE_OK); /* 12.34, -0.05 */
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    res = query_ok(db, "SELECT CAST(x AS VARCHAR) FROM d");
    {
        const char *want[] = {"5.00", "12.34", "0.13", NULL, "12.34", "-0.05"};
        uint64_t r;
        cr_assert_eq(floe_result_row_count(res), 6);
        for (r = 0; r < 6; r++) {
            char *t = floe_value_text(res, 0, r);
            if (want[r] == NULL)
                cr_assert_null(t, "row %llu", (unsigned long long)r);
            else
                cr_assert_str_eq(t, want[r], "row %llu", (unsigned long long)r);
            floe_free(t);
        }
    }
    floe_result_free(res);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(embedding, value_int64_rounds_decimal_and_double_half_away_from_zero)
{
    floe_db *db = mem_db();
    floe_result *res = query_ok(db, "SELECT CAST(2.5 AS DECIMAL(4,1)), CAST(-2.5 AS DECIMAL(4,1)), "
                                    "CAST(2.49 AS DECIMAL(5,2)), CAST(-2.51 AS DECIMAL(5,2)), "
                                    "CAST(7 AS DECIMAL(5,2)), CAST(2.5 AS DOUBLE), CAST(-3.5 AS DOUBLE), CAST(1e30 AS DOUBLE)");
    /* reference: SQL's own CAST(... AS BIGINT) */
    floe_result *ref = query_ok(db, "SELECT CAST(CAST(2.5 AS DECIMAL(4,1)) AS BIGINT), "
                                    "CAST(CAST(-2.5 AS DECIMAL(4,1)) AS BIGINT), "
                                    "CAST(CAST(2.49 AS DECIMAL(5,2)) AS BIGINT), "
                                    "CAST(CAST(-2.51 AS DECIMAL(5,2)) AS BIGINT), 7, "
                                    "CAST(CAST(2.5 AS DOUBLE) AS BIGINT), CAST(CAST(-3.5 AS DOUBLE) AS BIGINT)");
    int64_t want[] = {3, -3, 2, -3, 7, 3, -4};
    uint32_t c;
    for (c = 0; c < 7; c++) {
        cr_assert_eq(floe_value_int64(res, c, 0), want[c], "column %u: %lld", c,
                     (long long)floe_value_int64(res, c, 0));
        cr_assert_eq(floe_value_int64(ref, c, 0), want[c], "SQL CAST column %u", c);
    }
    cr_assert_str_eq(floe_result_errmsg(res), "not an error");
    cr_assert_eq(floe_value_int64(res, 7, 0), 0);
    cr_assert_not_null(strstr(floe_result_errmsg(res), "out of range"), "%s", floe_result_errmsg(res));
    floe_result_free(ref);
    floe_result_free(res);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(embedding, text_that_is_no_value_of_the_column_type_is_a_type_error)
{
    floe_db *db = mem_db();
    floe_appender *app = NULL;
    exec_ok(db, "CREATE TABLE t (a INTEGER, d DATE)");
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
    cr_assert_eq(floe_append_string(app, "abc", -1), FLOE_TYPE, "%s", floe_appender_errmsg(app));
    cr_assert_not_null(strstr(floe_appender_errmsg(app), "'a'"), "%s", floe_appender_errmsg(app));
    cr_assert_eq(floe_append_text(app, "x1"), FLOE_TYPE);
    cr_assert_eq(floe_append_string(app, "42", 2), FLOE_OK); /* parsed like CAST('42' AS INTEGER) */
    cr_assert_eq(floe_append_text(app, "2024-13-45"), FLOE_TYPE);
    cr_assert_eq(floe_append_text(app, "2024-02-29"), FLOE_OK);
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE a = 42 AND d = CAST('2024-02-29' AS DATE)"), 1);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(embedding, failed_appender_open_leaves_nothing_to_free_and_the_message_on_db)
{
    floe_db *db = mem_db();
    floe_appender *app = (floe_appender *)&db; /* any non-NULL garbage */
    cr_assert_eq(floe_appender_open(db, "nope", &app), FLOE_NOTFOUND);
    cr_assert_null(app);
    cr_assert_eq(floe_db_errcode(db), FLOE_NOTFOUND);
    cr_assert_not_null(strstr(floe_db_errmsg(db), "'nope'"), "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_db_close(db), FLOE_OK, "no appender counted as open");
}

Test(embedding, failed_appender_close_frees_it_and_reports_on_db)
{
    floe_db *db = mem_db();
    floe_appender *app = NULL;
    exec_ok(db, "CREATE TABLE t (a BIGINT)");
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
    cr_assert_eq(floe_append_int64(app, 1), FLOE_OK);
    cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
    exec_ok(db, "DROP TABLE t");
    cr_assert_eq(floe_appender_close(app), FLOE_ERROR);
    cr_assert_not_null(strstr(floe_db_errmsg(db), "dropped"), "%s", floe_db_errmsg(db));
    /* freed and no longer counted: the database closes (ASan: no leak) */
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}
