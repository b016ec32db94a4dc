/* tests/unit/sql/test_parse_group.c: the GROUP BY clause with grouping sets
 * (sql/parse_group.c): ROLLUP, CUBE, GROUPING SETS, () and parenthesized
 * lists expand as PostgreSQL does (stated as the printer's GROUPING SETS
 * text), plain lists stay plain, keys are shared by their text,
 * parenthesized expressions stay expressions, aggregate ORDER BY prints
 * back, and the limits are errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser.h"
#include "util/strbuf.h"

static const char *fmt(const char *sql)
{
    static char out[65536];
    floe_parser *p = NULL;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    int rc = floe_parser_parse_one(sql, strlen(sql), &p, &s, &err);
    if (rc != FLOE_OK) {
        snprintf(out, sizeof out, "ERROR %d: %s", rc, err.msg);
    } else {
        floe_strbuf b = FLOE_STRBUF_INIT;
        floe_ast_format_stmt(s, &b);
        snprintf(out, sizeof out, "%s", floe_strbuf_str(&b));
        floe_strbuf_free(&b);
    }
    floe_parser_free(p);
    return out;
}

#define EXPECT(sql, want) cr_expect_str_eq(fmt(sql), want, "for: %s", sql)

Test(parse_group, plain_lists_stay_plain)
{
    EXPECT("SELECT a FROM t GROUP BY a, b + 1, 2", "SELECT a FROM t GROUP BY a, (b + 1), 2");
    EXPECT("SELECT a FROM t GROUP BY (a), (a + 1) * 2", "SELECT a FROM t GROUP BY a, ((a + 1) * 2)");
    EXPECT("SELECT a FROM t GROUP BY (a, b) HAVING a > 1",
           "SELECT a FROM t GROUP BY a, b HAVING (a > 1)");
    EXPECT("SELECT 1 FROM t GROUP BY (SELECT 1)", "SELECT 1 FROM t GROUP BY (SELECT 1)");
    EXPECT("SELECT 1 FROM t GROUP BY ROLLUP ((SELECT 1), a)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS (((SELECT 1), a), ((SELECT 1)), ())");
}

Test(parse_group, rollup_cube_and_sets_expand)
{
    EXPECT("SELECT 1 FROM t GROUP BY ROLLUP (a, b)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), ())");
    EXPECT("SELECT 1 FROM t GROUP BY CUBE (a, b)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), (b), ())");
    EXPECT("SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), c, (), ROLLUP (c))",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (c), (), (c), ())");
    EXPECT("SELECT 1 FROM t GROUP BY ()", "SELECT 1 FROM t GROUP BY GROUPING SETS (())");
    EXPECT("SELECT 1 FROM t GROUP BY ROLLUP ((a, b), c)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b, c), (a, b), ())");
}

Test(parse_group, items_combine_as_a_cross_product_keeping_duplicates)
{
    EXPECT("SELECT 1 FROM t GROUP BY a, ROLLUP (a, b)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), (a))");
    EXPECT("SELECT 1 FROM t GROUP BY ROLLUP (a), CUBE (b)",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), (b), ())");
    EXPECT("SELECT 1 FROM t GROUP BY GROUPING SETS ((a), (a))",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((a), (a))");
}

Test(parse_group, keys_are_shared_by_text_and_expressions_allowed)
{
    EXPECT("SELECT 1 FROM t GROUP BY ROLLUP (a + 1, lower(s)), a+1",
           "SELECT 1 FROM t GROUP BY GROUPING SETS (((a + 1), lower(s)), ((a + 1)), ((a + 1)))");
    EXPECT("SELECT 1 FROM t GROUP BY GROUPING SETS ((a + 1) * 2, (b))",
           "SELECT 1 FROM t GROUP BY GROUPING SETS ((((a + 1) * 2)), (b))");
    /* rollup and cube are ordinary names elsewhere */
    EXPECT("SELECT rollup, cube FROM t GROUP BY rollup", "SELECT rollup, cube FROM t GROUP BY rollup");
}

Test(parse_group, limits_are_errors)
{
    char sql[4096];
    int n = 0, i;
    n += snprintf(sql + n, sizeof sql - (size_t)n, "SELECT 1 FROM t GROUP BY CUBE (");
    for (i = 0; i < 13; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%sc%d", i ? ", " : "", i);
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    cr_expect(strstr(fmt(sql), "CUBE of more than 12 elements") != NULL, "%s", fmt(sql));
    /* 2^6 * 2^7 sets: over 4096 */
    cr_expect(strstr(fmt("SELECT 1 FROM t GROUP BY CUBE (a, b, c, d, e, f), CUBE (g, h, i, j, k, l, m)"),
                     "more than 4096 grouping sets") != NULL);
    n = snprintf(sql, sizeof sql, "SELECT 1 FROM t GROUP BY ROLLUP (");
    for (i = 0; i < 65; i++) n += snprintf(sql + n, sizeof sql - (size_t)n, "%sc%d", i ? ", " : "", i);
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    cr_expect(strstr(fmt(sql), "64") != NULL, "%s", fmt(sql));
    cr_expect(strstr(fmt("SELECT 1 FROM t GROUP BY ROLLUP a"), "ERROR") != NULL);
}

Test(parse_group, aggregate_order_by_prints_back)
{
    EXPECT("SELECT string_agg(x, ',' ORDER BY y DESC NULLS LAST, z) FROM t",
           "SELECT string_agg(x, ',' ORDER BY y DESC NULLS LAST, z) FROM t");
    EXPECT("SELECT string_agg(DISTINCT x ORDER BY x) FROM t",
           "SELECT string_agg(DISTINCT x ORDER BY x) FROM t");
}
