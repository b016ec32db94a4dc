/* tests/api/test_options.c: floe_open_options across floe.h versions.
 *
 * A program compiled against an older floe.h has a smaller options struct;
 * the library must read only the `size` bytes that program's
 * floe_open_options_init recorded, and give every newer field its default.
 * Simulated here by an options struct followed by garbage, with `size`
 * cut short before the log callback: reading past `size` would call a
 * garbage function pointer. An uninitialised struct is FLOE_MISUSE.
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>

#include "floe.h"

static int64_t count_rows(floe_db *db)
{
    floe_result *res = NULL;
    int64_t n;
    cr_assert_eq(floe_query(db, "SELECT count(*) FROM t", &res), FLOE_OK, "%s", floe_db_errmsg(db));
    n = floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return n;
}

Test(options, older_struct_reads_only_its_size)
{
    unsigned char buf[sizeof(floe_open_options) + 64];
    floe_open_options *o = (floe_open_options *)(void *)buf;
    floe_db *db = NULL;
    memset(buf, 0xA5, sizeof buf); /* fields the old program never had */
    o->size = offsetof(floe_open_options, log); /* an old floe.h ended before `log` */
    o->flags = 0;
    o->memory_limit = 0;
    o->threads = 1;
    o->memtable_limit = 0;
    cr_assert_eq(floe_db_open_ex(NULL, o, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_exec(db, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)"), FLOE_OK,
                 "%s", floe_db_errmsg(db));
    cr_assert_eq(count_rows(db), 2);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}

Test(options, uninitialised_struct_is_misuse)
{
    floe_open_options o;
    floe_db *db = NULL;
    memset(&o, 0, sizeof o); /* size 0: floe_open_options_init was not called */
    cr_assert_eq(floe_db_open_ex(NULL, &o, &db), FLOE_MISUSE);
    cr_assert(strstr(floe_db_errmsg(db), "floe_open_options_init") != NULL, "%s", floe_db_errmsg(db));
    floe_db_close(db);
}

Test(options, init_sets_size_and_defaults)
{
    floe_open_options o;
    floe_db *db = NULL;
    floe_open_options_init(&o);
    cr_assert_eq(o.size, sizeof o);
    cr_assert_eq(o.flags, 0u);
    cr_assert_null(o.log);
    cr_assert_eq(floe_db_open_ex(NULL, &o, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    floe_db_close(db);
    cr_assert_eq(floe_db_open_ex(NULL, NULL, &db), FLOE_OK); /* NULL: the defaults */
    floe_db_close(db);
}

/* The handle of a failed open answers FLOE_MISUSE to everything but the
 * error getters and close (it used to crash on a NULL catalog). */
Test(options, failed_open_handle_is_misuse_not_a_crash)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    floe_result *res = NULL;
    cr_assert_eq(floe_db_open("/nonexistent/floe-db-here", 0, &db), FLOE_NOTFOUND);
    cr_assert_not_null(db);
    cr_assert_eq(floe_exec(db, "CREATE TABLE t (a INTEGER)"), FLOE_MISUSE);
    cr_assert_eq(floe_query(db, "SELECT 1", &res), FLOE_MISUSE);
    cr_assert_null(res);
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_MISUSE);
    cr_assert_null(app);
    cr_assert(strstr(floe_db_errmsg(db), "does not exist") != NULL, "%s", floe_db_errmsg(db));
    floe_db_close(db);
}
