/* tests/api/test_prepared.c: prepared statements through floe.h
 * (floe_prepare, floe_bind_*, floe_stmt_execute, floe_stmt_finalize) and
 * SQL's PREPARE / EXECUTE / DEALLOCATE, checked against the rows the test
 * itself inserted. */
#include <criterion/criterion.h>
#include <string.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

static floe_db *open_mem(void)
{
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t(id BIGINT PRIMARY KEY, name VARCHAR, score DOUBLE)");
    return db;
}

Test(prepared, insert_many_rows_then_query_with_typed_binds)
{
    floe_db *db = open_mem();
    floe_stmt *ins = NULL, *sel = NULL;
    floe_result *res = NULL;
    int64_t i, want_sum = 0;
    char name[32];
    cr_assert_eq(floe_prepare(db, "INSERT INTO t VALUES ($1, $2, $3)", &ins), FLOE_OK, "%s",
                 floe_db_errmsg(db));
    for (i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "n%lld", (long long)i);
        cr_assert_eq(floe_bind_int64(ins, 1, i), FLOE_OK);
        cr_assert_eq(floe_bind_text(ins, 2, name, -1), FLOE_OK);
        if (i % 10 == 0)
            cr_assert_eq(floe_bind_null(ins, 3), FLOE_OK);
        else
            cr_assert_eq(floe_bind_double(ins, 3, (double)i / 4), FLOE_OK);
        cr_assert_eq(floe_stmt_execute(ins, &res), FLOE_OK, "%s", floe_db_errmsg(db));
        cr_assert_eq(floe_result_rows_changed(res), 1);
        floe_result_free(res);
        if (i >= 50) want_sum += i;
    }
    /* a duplicate key through the statement fails naming it, and changes nothing */
    cr_assert_eq(floe_bind_int64(ins, 1, 7), FLOE_OK);
    cr_assert_eq(floe_stmt_execute(ins, &res), FLOE_CONSTRAINT);
    cr_assert_null(res);
    cr_assert(strstr(floe_db_errmsg(db), "(id)=(7)") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 200);

    /* ? parameters, numbered left to right; a text binds to a BIGINT comparison */
    cr_assert_eq(floe_prepare(db, "SELECT count(*), sum(id) FROM t WHERE id >= ? AND name <> ?", &sel),
                 FLOE_OK);
    cr_assert_eq(floe_bind_text(sel, 1, "50", 2), FLOE_OK);
    cr_assert_eq(floe_bind_text(sel, 2, "none", -1), FLOE_OK);
    cr_assert_eq(floe_stmt_execute(sel, &res), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_value_int64(res, 0, 0), 150);
    cr_assert_eq(floe_value_int64(res, 1, 0), want_sum);
    floe_result_free(res);
    /* rebinding one value re-runs with the new value */
    cr_assert_eq(floe_bind_int64(sel, 1, 190), FLOE_OK);
    cr_assert_eq(floe_stmt_execute(sel, &res), FLOE_OK);
    cr_assert_eq(floe_value_int64(res, 0, 0), 10);
    floe_result_free(res);
    /* the NULL scores: 0, 10, ..., 190 */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE score IS NULL"), 20);
    cr_assert_eq(floe_stmt_finalize(ins), FLOE_OK);
    cr_assert_eq(floe_stmt_finalize(sel), FLOE_OK);
    cr_assert_eq(floe_stmt_finalize(NULL), FLOE_OK);
    floe_db_close(db);
}

Test(prepared, misuse_and_missing_values)
{
    floe_db *db = open_mem();
    floe_stmt *st = NULL;
    floe_result *res = NULL;
    cr_assert_eq(floe_prepare(db, "SELEC 1", &st), FLOE_PARSE);
    cr_assert_null(st);
    cr_assert_eq(floe_prepare(db, "SELECT 1; SELECT 2", &st), FLOE_PARSE);
    cr_assert_eq(floe_prepare(db, "SELECT $1 + $2", &st), FLOE_OK);
    cr_assert_eq(floe_bind_int64(st, 0, 1), FLOE_MISUSE);
    cr_assert_eq(floe_bind_int64(st, 1, 40), FLOE_OK);
    cr_assert_eq(floe_stmt_execute(st, &res), FLOE_ERROR);
    cr_assert(strstr(floe_db_errmsg(db), "$2") != NULL, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_bind_int64(st, 2, 2), FLOE_OK);
    cr_assert_eq(floe_stmt_execute(st, &res), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_value_int64(res, 0, 0), 42);
    floe_result_free(res);
    floe_stmt_finalize(st);
    floe_db_close(db);
}

Test(prepared, sql_prepare_execute_deallocate)
{
    floe_db *db = open_mem();
    exec_ok(db, "PREPARE ins AS INSERT INTO t VALUES ($1, $2, $3)");
    exec_ok(db, "EXECUTE ins(1, 'a', 1.5)");
    exec_ok(db, "EXECUTE ins(2, 'b', NULL)");
    cr_assert_eq(floe_exec(db, "EXECUTE ins(1, 'c', 0)"), FLOE_CONSTRAINT);
    cr_assert_eq(floe_exec(db, "PREPARE ins AS SELECT 1"), FLOE_ERROR); /* name taken */
    exec_ok(db, "PREPARE q AS SELECT count(*) FROM t WHERE name = $1 OR id = $2");
    cr_assert_eq(query_int(db, "EXECUTE q('a', 2)"), 2);
    cr_assert_eq(query_int(db, "EXECUTE q('zz', 9)"), 0);
    exec_ok(db, "DEALLOCATE q");
    cr_assert_eq(floe_exec(db, "EXECUTE q('a', 2)"), FLOE_ERROR);
    exec_ok(db, "DEALLOCATE ALL");
    cr_assert_eq(floe_exec(db, "EXECUTE ins(3, 'c', 0)"), FLOE_ERROR);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 2);
    floe_db_close(db);
}
