/* tests/unit/sql/test_parse_ddl.c: constraints, ON CONFLICT, indexes,
 * views, parameters and PREPARE/EXECUTE parse, and each statement parses
 * back to the same tree from its formatted text (sql/parse_ddl.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "sql/parser.h"
#include "util/strbuf.h"

static void round_trip(const char *sql, const char *want)
{
    floe_parser *p1 = NULL, *p2 = NULL;
    floe_ast_stmt *s1, *s2;
    floe_err err = FLOE_ERR_INIT;
    floe_strbuf a = FLOE_STRBUF_INIT, b = FLOE_STRBUF_INIT;
    cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), &p1, &s1, &err), FLOE_OK, "%s: %s", sql, err.msg);
    floe_ast_format_stmt(s1, &a);
    if (want) cr_assert_str_eq(floe_strbuf_str(&a), want);
    cr_assert_eq(floe_parser_parse_one(a.s, a.len, &p2, &s2, &err), FLOE_OK, "%s: %s", a.s, err.msg);
    floe_ast_format_stmt(s2, &b);
    cr_assert_str_eq(floe_strbuf_str(&a), floe_strbuf_str(&b));
    floe_parser_free(p1);
    floe_parser_free(p2);
    floe_strbuf_free(&a);
    floe_strbuf_free(&b);
}

Test(parse_ddl, constraints_round_trip)
{
    round_trip("CREATE TABLE t(id INTEGER PRIMARY KEY, a INT UNIQUE CHECK (a > 0), b TEXT NOT NULL DEFAULT 'x', "
               "CONSTRAINT k UNIQUE (a, b), CHECK (a < b), PRIMARY KEY (id))",
               NULL);
    round_trip("CREATE TABLE tab0(pk INTEGER PRIMARY KEY, col0 INTEGER, col1 FLOAT)",
               "CREATE TABLE tab0 (pk INTEGER NOT NULL PRIMARY KEY, col0 INTEGER, col1 FLOAT)");
    round_trip("INSERT INTO t VALUES (1, 2) ON CONFLICT (id) DO NOTHING",
               "INSERT INTO t VALUES (1, 2) ON CONFLICT (id) DO NOTHING");
    round_trip("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING", NULL);
}

Test(parse_ddl, indexes_views_prepared_round_trip)
{
    round_trip("CREATE UNIQUE INDEX idx_tab1_0 ON tab1 (col0 DESC, col3)",
               "CREATE UNIQUE INDEX idx_tab1_0 ON tab1 (col0, col3)");
    round_trip("create index if not exists i on t(a)", "CREATE INDEX IF NOT EXISTS i ON t (a)");
    round_trip("DROP INDEX IF EXISTS i", "DROP INDEX IF EXISTS i");
    round_trip("CREATE OR REPLACE VIEW v (x, y) AS SELECT a, b FROM t WHERE a > 1", NULL);
    round_trip("DROP VIEW v", "DROP VIEW v");
    round_trip("PREPARE q AS SELECT a FROM t WHERE a = $1 AND b = $2", NULL);
    round_trip("PREPARE q (INTEGER, VARCHAR) AS SELECT ?, ?", "PREPARE q AS SELECT $1, $2");
    round_trip("EXECUTE q(1, 'x')", "EXECUTE q(1, 'x')");
    round_trip("DEALLOCATE PREPARE q", "DEALLOCATE q");
    round_trip("DEALLOCATE ALL", "DEALLOCATE ALL");
    round_trip("SELECT * FROM information_schema.tables", NULL);
}

Test(parse_ddl, errors)
{
    static const char *bad[] = {"CREATE TABLE t(a INT CHECK a > 0)", "CREATE UNIQUE TABLE t(a INT)",
                                "CREATE OR REPLACE TABLE t(a INT)", "CREATE INDEX i ON t",
                                "PREPARE p AS PREPARE q AS SELECT 1", "SELECT $0",
                                "INSERT INTO t VALUES (1) ON CONFLICT DO"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        floe_parser *p = NULL;
        floe_ast_stmt *s;
        floe_err err = FLOE_ERR_INIT;
        cr_expect_eq(floe_parser_parse_one(bad[i], strlen(bad[i]), &p, &s, &err), FLOE_PARSE, "%s", bad[i]);
        floe_parser_free(p);
    }
}
