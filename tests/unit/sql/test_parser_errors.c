/* tests/unit/sql/test_parser_errors.c: syntax and lexical errors carry the
 * offending token's offset and a line/column, nesting is bounded, OOM at
 * every allocation is reported (never a crash or a leak), node fields and
 * byte ranges, and splitting a script into statements. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser.h"
#include "util/mem.h"
#include "util/strbuf.h"

typedef struct perr {
    int rc;
    int offset;
    char msg[FLOE_ERRMSG_MAX];
} perr;

static perr parse_err_n(const char *sql, size_t len)
{
    perr r;
    floe_parser *p = NULL;
    floe_ast_stmt *s = NULL;
    floe_err err = FLOE_ERR_INIT;
    r.rc = floe_parser_parse_one(sql, len, &p, &s, &err);
    r.offset = err.offset;
    snprintf(r.msg, sizeof r.msg, "%s", err.msg);
    floe_parser_free(p);
    return r;
}

static perr parse_err(const char *sql) { return parse_err_n(sql, strlen(sql)); }

/* The error for `sql` is FLOE_PARSE at `off` and its message contains `part`
 * and the line/column of `off`. */
static void expect_error(const char *sql, int off, const char *part)
{
    perr r = parse_err(sql);
    char pos[64];
    int line = 1, col = 1, i;
    for (i = 0; i < off; i++) {
        if (sql[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(pos, sizeof pos, "line %d, column %d", line, col);
    cr_expect_eq(r.rc, FLOE_PARSE, "rc %d for: %s", r.rc, sql);
    cr_expect_eq(r.offset, off, "offset %d, want %d for: %s (%s)", r.offset, off, sql, r.msg);
    cr_expect(strstr(r.msg, part) != NULL, "message '%s' lacks '%s'", r.msg, part);
    cr_expect(strstr(r.msg, pos) != NULL, "message '%s' lacks '%s'", r.msg, pos);
}

Test(parser_errors, syntax_errors_point_at_the_token)
{
    expect_error("SELECT FROM t", 7, "syntax error at or near \"FROM\"");
    expect_error("SELECT a FROM", 13, "syntax error at end of input");
    expect_error("SELECT a FROM t WHERE", 21, "end of input");
    expect_error("SELECT a b c FROM t", 11, "at or near \"c\"");
    expect_error("SELECT 1 SELECT 2", 9, "at or near \"SELECT\"");
    expect_error("SELECT 1 +", 10, "end of input");
    expect_error("SELECT (1 + 2", 13, "expected ')'");
    expect_error("SELECT f(1, 2", 13, "expected ')' after function arguments");
    expect_error("CREATE TABLE t (a INT, b INT", 28, "expected ')' after column list");
    expect_error("CREATE TABLE t (a INT b INT)", 22, "expected ')' after column list");
    expect_error("CREATE t (a INT)", 7, "expected TABLE after CREATE");
    expect_error("SELECT * FROM a JOIN b", 22, "expected ON or USING");
    expect_error("SELECT * FROM a LEFT b", 21, "expected JOIN");
    expect_error("SELECT a\n  FROM t\n WHERE a = = 1", 29, "at or near \"=\"");
    expect_error("SELECT INTERVAL 5", 17, "expected an interval unit");
    expect_error("SELECT CASE END", 12, "expected WHEN");
    expect_error("SELECT a IS 5", 12, "expected NULL, TRUE");
    expect_error("INSERT INTO t VALUES (1, 2), (3)", 29, "same length");
    expect_error("SELECT 1 ORDER BY 1 LIMIT 1 LIMIT 2", 28, "multiple LIMIT");
    expect_error("(SELECT 1 ORDER BY 1) ORDER BY 1", 22, "multiple ORDER BY");
    expect_error("SELECT CAST(a AS foo)", 17, "type FOO");
    expect_error("SELECT CAST(a AS DECIMAL(40,2))", 17, "precision");
    expect_error("COPY t FROM a.csv", 12, "expected a file name string");
    expect_error("DROP t", 5, "expected TABLE");
    expect_error("SHOW t", 5, "expected TABLES");
    expect_error("GRANT ALL", 0, "at or near \"GRANT\"");
    expect_error("SELECT 1; SELECT 2", 10, "expected one statement");
}

Test(parser_errors, lexical_errors)
{
    expect_error("SELECT 'abc", 7, "unterminated string");
    expect_error("SELECT E'abc\\'", 7, "unterminated string");
    expect_error("SELECT \"abc", 7, "unterminated quoted identifier");
    expect_error("SELECT \"\"", 7, "zero-length quoted identifier");
    expect_error("SELECT 1 /* open /* nested */", 9, "unterminated /* comment");
    expect_error("SELECT 1e", 7, "bad number");
    expect_error("SELECT 1e+", 7, "bad number");
    expect_error("SELECT 12abc", 7, "bad number");
    expect_error("SELECT 1.2.3", 7, "bad number");
    expect_error("SELECT a\nFROM t WHERE @", 22, "at or near \"@\""); /* ? is a parameter */
    expect_error("SELECT a FROM t WHERE a = 'x' AND b = 'y", 38, "unterminated string");
}

Test(parser_errors, nul_byte_is_an_error_not_the_end)
{
    perr r = parse_err_n("SELECT 1\0 + 2", 12);
    cr_expect_eq(r.rc, FLOE_PARSE);
    cr_expect_eq(r.offset, 8, "%s", r.msg);
    cr_expect(strstr(r.msg, "0x00") != NULL, "%s", r.msg);
    r = parse_err_n("SELECT 'a\0b'", 12);
    cr_expect_eq(r.rc, FLOE_OK, "%s", r.msg);
}

static void expect_too_deep(const char *prefix, const char *unit, int n, const char *mid,
                            const char *close, const char *suffix)
{
    floe_strbuf b = FLOE_STRBUF_INIT;
    int i;
    perr r;
    floe_strbuf_puts(&b, prefix);
    for (i = 0; i < n; i++) floe_strbuf_puts(&b, unit);
    floe_strbuf_puts(&b, mid);
    for (i = 0; i < n; i++) floe_strbuf_puts(&b, close);
    floe_strbuf_puts(&b, suffix);
    cr_assert(floe_strbuf_ok(&b));
    r = parse_err_n(b.s, b.len);
    cr_expect_eq(r.rc, FLOE_PARSE, "rc %d for %s x%d", r.rc, unit, n);
    cr_expect(strstr(r.msg, "too deeply nested") != NULL, "%s", r.msg);
    floe_strbuf_free(&b);
}

Test(parser_errors, deep_nesting_is_an_error_not_a_crash)
{
    expect_too_deep("SELECT ", "(", 100000, "1", ")", "");
    expect_too_deep("SELECT ", "- ", 100000, "a", "", "");
    expect_too_deep("SELECT ", "NOT ", 100000, "a", "", "");
    expect_too_deep("SELECT ", "(SELECT ", 20000, "1", ")", "");
    expect_too_deep("SELECT ", "CASE WHEN ", 20000, "1", " THEN 1 END", "");
    expect_too_deep("SELECT ", "a IN (", 20000, "1", ")", "");
    expect_too_deep("SELECT * FROM ", "(", 20000, "t", ")", "");
    expect_too_deep("", "EXPLAIN ", 20000, "SELECT 1", "", "");
    expect_too_deep("", "(", 20000, "SELECT 1", ")", "");
    expect_too_deep("SELECT ", "f(", 20000, "1", ")", "");
}

Test(parser_errors, nesting_below_the_limit_parses)
{
    floe_strbuf b = FLOE_STRBUF_INIT;
    int i;
    perr r;
    floe_strbuf_puts(&b, "SELECT ");
    for (i = 0; i < 900; i++) floe_strbuf_puts(&b, "(");
    floe_strbuf_puts(&b, "1");
    for (i = 0; i < 900; i++) floe_strbuf_puts(&b, ")");
    r = parse_err_n(b.s, b.len);
    cr_expect_eq(r.rc, FLOE_OK, "%s", r.msg);
    floe_strbuf_free(&b);
    /* long flat chains do not recurse */
    floe_strbuf_puts(&b, "SELECT 1");
    for (i = 0; i < 100000; i++) floe_strbuf_puts(&b, " + 1");
    r = parse_err_n(b.s, b.len);
    cr_expect_eq(r.rc, FLOE_OK, "%s", r.msg);
    floe_strbuf_free(&b);
}

Test(parser_errors, position_helper_is_one_based)
{
    const char *s = "ab\ncd\n\nx";
    int line, col;
    floe_sql_position(s, 0, &line, &col);
    cr_expect(line == 1 && col == 1);
    floe_sql_position(s, 2, &line, &col);
    cr_expect(line == 1 && col == 3, "%d:%d", line, col);
    floe_sql_position(s, 3, &line, &col);
    cr_expect(line == 2 && col == 1, "%d:%d", line, col);
    floe_sql_position(s, 4, &line, &col);
    cr_expect(line == 2 && col == 2, "%d:%d", line, col);
    floe_sql_position(s, 7, &line, &col);
    cr_expect(line == 4 && col == 1, "%d:%d", line, col);
    floe_sql_position(s, -5, &line, &col);
    cr_expect(line == 1 && col == 1);
}

Test(parser_errors, error_is_sticky)
{
    const char *sql = "SELECT 1; SELECT FROM; SELECT 3";
    floe_parser *p;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_parser_new(sql, strlen(sql), &p, &err), FLOE_OK);
    cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_ROW);
    cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_PARSE);
    cr_expect_eq(err.offset, 17);
    cr_expect_null(s);
    floe_err_clear(&err);
    cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_PARSE);
    cr_expect_eq(err.offset, 17);
    floe_parser_free(p);
}

/* ------------------------------------------------------------ splitting */

Test(parser_split, statements_one_at_a_time_with_ranges)
{
    const char *sql = "SELECT 1; ;\n  INSERT INTO t VALUES (1) ;-- done\n/* c */ SHOW TABLES";
    floe_parser *p;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_parser_new(sql, strlen(sql), &p, &err), FLOE_OK);

    cr_assert_eq(floe_parser_next(p, &s, &err), FLOE_ROW, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_AST_STMT_QUERY);
    cr_expect(s->off == 0 && s->len == 8, "%d %d", s->off, s->len);
    cr_expect_eq(floe_parser_offset(p), 9);

    cr_assert_eq(floe_parser_next(p, &s, &err), FLOE_ROW, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_AST_STMT_INSERT);
    cr_expect_eq(s->off, 14);
    cr_expect_eq(s->len, (int)strlen("INSERT INTO t VALUES (1)"));
    cr_expect_eq(floe_parser_offset(p), 40);

    cr_assert_eq(floe_parser_next(p, &s, &err), FLOE_ROW, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_AST_STMT_SHOW_TABLES);
    cr_expect_eq(s->off, (int)(strstr(sql, "SHOW") - sql));
    cr_expect_eq(s->len, 11);

    cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_DONE);
    cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_DONE);
    cr_expect_eq(floe_parser_offset(p), strlen(sql));
    floe_parser_free(p);
}

Test(parser_split, empty_input_is_done)
{
    static const char *const inputs[] = {"", "  ", ";;", "-- x", "/* y */ ;"};
    size_t i;
    for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        floe_parser *p;
        floe_ast_stmt *s;
        floe_err err = FLOE_ERR_INIT;
        cr_assert_eq(floe_parser_new(inputs[i], strlen(inputs[i]), &p, &err), FLOE_OK);
        cr_expect_eq(floe_parser_next(p, &s, &err), FLOE_DONE, "input '%s'", inputs[i]);
        floe_parser_free(p);
    }
}

/* ------------------------------------------------------------ node fields */

static floe_ast_query *parse_query_text(const char *sql, floe_parser **pp)
{
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), pp, &s, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(s->kind, FLOE_AST_STMT_QUERY);
    return s->query;
}

static void expect_range(const char *sql, int off, int len, const char *text)
{
    cr_expect(len == (int)strlen(text) && strncmp(sql + off, text, (size_t)len) == 0,
              "range [%d,%d) is '%.*s', want '%s'", off, off + len, len, sql + off, text);
}

Test(parser_fields, byte_ranges_of_nodes)
{
    const char *sql = "SELECT (a + 1) * b AS x, count(*) FROM t AS u WHERE c IN (1, 2) ORDER BY x DESC";
    floe_parser *p;
    floe_ast_query *q = parse_query_text(sql, &p);
    floe_ast_expr *e = q->select.targets[0].expr;
    expect_range(sql, q->off, q->len, sql);
    expect_range(sql, q->select.targets[0].off, q->select.targets[0].len, "(a + 1) * b AS x");
    cr_expect_eq(e->kind, FLOE_AST_BINARY);
    cr_expect_eq(e->binary.op, FLOE_AST_MUL);
    expect_range(sql, e->off, e->len, "(a + 1) * b");
    expect_range(sql, e->binary.left->off, e->binary.left->len, "(a + 1)");
    expect_range(sql, e->binary.left->binary.left->off, e->binary.left->binary.left->len, "a");
    expect_range(sql, q->select.targets[1].expr->off, q->select.targets[1].expr->len, "count(*)");
    expect_range(sql, q->select.from[0]->off, q->select.from[0]->len, "t AS u");
    cr_expect_str_eq(q->select.from[0]->table, "t");
    cr_expect_str_eq(q->select.from[0]->alias, "u");
    expect_range(sql, q->select.where->off, q->select.where->len, "c IN (1, 2)");
    expect_range(sql, q->order_by[0].off, q->order_by[0].len, "x DESC");
    cr_expect(q->order_by[0].desc);
    floe_parser_free(p);
}

Test(parser_fields, literal_values)
{
    const char *sql = "SELECT 42, -9223372036854775808, 9223372036854775808, 1.5, -2e3, "
                      "E'a\\0b', 'x''y', DATE '2024-02-29', TRUE";
    floe_parser *p;
    floe_ast_query *q = parse_query_text(sql, &p);
    floe_ast_target *t = q->select.targets;
    cr_assert_eq(q->select.ntargets, 9);
    cr_expect(t[0].expr->kind == FLOE_AST_INT && t[0].expr->int_lit.fits &&
              t[0].expr->int_lit.value == 42);
    cr_expect(t[1].expr->kind == FLOE_AST_INT && t[1].expr->int_lit.fits &&
              t[1].expr->int_lit.value == INT64_MIN);
    cr_expect_str_eq(t[1].expr->int_lit.text, "-9223372036854775808");
    cr_expect(t[2].expr->kind == FLOE_AST_INT && !t[2].expr->int_lit.fits);
    cr_expect_str_eq(t[2].expr->int_lit.text, "9223372036854775808");
    cr_expect(t[3].expr->kind == FLOE_AST_NUM && !t[3].expr->num_lit.exponent &&
              t[3].expr->num_lit.value == 1.5);
    cr_expect(t[4].expr->kind == FLOE_AST_NUM && t[4].expr->num_lit.exponent &&
              t[4].expr->num_lit.value == -2000.0);
    cr_expect(t[5].expr->kind == FLOE_AST_STRING && t[5].expr->str.n == 3 &&
              memcmp(t[5].expr->str.s, "a\0b", 3) == 0);
    cr_expect(t[6].expr->str.n == 3 && strcmp(t[6].expr->str.s, "x'y") == 0);
    cr_expect(t[7].expr->kind == FLOE_AST_TYPED && t[7].expr->typed.type.id == FLOE_TYPE_DATE &&
              strcmp(t[7].expr->typed.s, "2024-02-29") == 0);
    cr_expect(t[8].expr->kind == FLOE_AST_BOOL && t[8].expr->bool_val);
    floe_parser_free(p);
}

Test(parser_fields, statement_fields)
{
    const char *sql = "CREATE TABLE ev (ts TIMESTAMP NOT NULL, price DECIMAL(10,2) DEFAULT 0, "
                      "name VARCHAR(8)) PARTITION BY (name) WITH (shards = 2)";
    floe_parser *p;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), &p, &s, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(s->kind, FLOE_AST_STMT_CREATE_TABLE);
    cr_expect_str_eq(s->create_table.table, "ev");
    cr_assert_eq(s->create_table.ncols, 3);
    cr_expect_eq(s->create_table.cols[0].type.id, FLOE_TYPE_TIMESTAMP);
    cr_expect(s->create_table.cols[0].not_null);
    cr_expect_eq(s->create_table.cols[1].type.id, FLOE_TYPE_DECIMAL);
    cr_expect_eq(s->create_table.cols[1].type.precision, 10);
    cr_expect_eq(s->create_table.cols[1].type.scale, 2);
    cr_expect_eq(s->create_table.cols[1].default_->kind, FLOE_AST_INT);
    cr_expect_eq(s->create_table.cols[2].type.id, FLOE_TYPE_VARCHAR);
    cr_expect_str_eq(s->create_table.cols[2].type_name, "VARCHAR(8)");
    cr_assert_eq(s->create_table.npartition_by, 1);
    cr_expect_str_eq(s->create_table.partition_by[0], "name");
    cr_assert_eq(s->create_table.noptions, 1);
    cr_expect_str_eq(s->create_table.options[0].name, "shards");
    cr_expect_eq(s->create_table.options[0].value->int_lit.value, 2);
    floe_parser_free(p);
}

/* ------------------------------------------------------------ OOM */

Test(parser_oom, every_allocation_failure_is_reported_without_leaks)
{
    const char *sql =
        "WITH c AS (SELECT a, count(*) AS n FROM t GROUP BY a) "
        "SELECT DISTINCT x.a, CASE WHEN n > 1 THEN 'm' ELSE 'o' END, CAST(n AS BIGINT) "
        "FROM c AS x LEFT JOIN u ON x.a = u.a WHERE x.a IN (1, 2, 3) AND EXISTS (SELECT 1) "
        "ORDER BY 1 DESC LIMIT 5; INSERT INTO t VALUES (1, 'a'), (2, 'b')";
    int64_t n, base = floe_mem_live();
    int ok = 0;
    for (n = 0; n < 200 && !ok; n++) {
        floe_parser *p = NULL;
        floe_ast_stmt *s;
        floe_err err = FLOE_ERR_INIT;
        int rc;
        floe_mem_fail_after(n, 0);
        rc = floe_parser_new(sql, strlen(sql), &p, &err);
        if (rc == FLOE_OK) {
            while ((rc = floe_parser_next(p, &s, &err)) == FLOE_ROW) {
            }
        }
        floe_mem_fail_after(-1, 0);
        cr_assert(rc == FLOE_DONE || rc == FLOE_NOMEM, "n=%ld rc=%d %s", (long)n, rc, err.msg);
        if (rc == FLOE_DONE) ok = 1;
        floe_parser_free(p);
        cr_assert_eq(floe_mem_live(), base, "leak after failing allocation %ld", (long)n);
    }
    cr_expect(ok, "never succeeded within 200 allocations");
}
