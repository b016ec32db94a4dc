/* tests/unit/sql/test_parser.c: every statement and expression form of the
 * dialect parses to the expected tree (stated as the printer's fully
 * parenthesised text), operator precedence, node fields and byte ranges,
 * statement splitting, and errors with their offsets and positions. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser.h"
#include "util/mem.h"
#include "util/strbuf.h"

/* Formatted statement, or "ERROR <code> @<offset>: <msg>". Static buffer. */
static const char *fmt(const char *sql)
{
    static char out[8192];
    floe_parser *p = NULL;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    int rc = floe_parser_parse_one(sql, strlen(sql), &p, &s, &err);
    if (rc != FLOE_OK) {
        snprintf(out, sizeof out, "ERROR %d @%d: %s", rc, err.offset, err.msg);
    } else {
        floe_strbuf b = FLOE_STRBUF_INIT;
        floe_ast_format_stmt(s, &b);
        snprintf(out, sizeof out, "%s", floe_strbuf_str(&b));
        floe_strbuf_free(&b);
    }
    floe_parser_free(p);
    return out;
}

static const char *fmt_expr(const char *sql)
{
    static char out[8192];
    floe_parser *p = NULL;
    floe_ast_expr *e;
    floe_err err = FLOE_ERR_INIT;
    int rc = floe_parser_parse_expr(sql, strlen(sql), &p, &e, &err);
    if (rc != FLOE_OK) {
        snprintf(out, sizeof out, "ERROR %d @%d: %s", rc, err.offset, err.msg);
    } else {
        floe_strbuf b = FLOE_STRBUF_INIT;
        floe_ast_format_expr(e, &b);
        snprintf(out, sizeof out, "%s", floe_strbuf_str(&b));
        floe_strbuf_free(&b);
    }
    floe_parser_free(p);
    return out;
}

#define EXPECT(sql, want) cr_expect_str_eq(fmt(sql), want, "for: %s", sql)
#define EXPECT_EXPR(sql, want) cr_expect_str_eq(fmt_expr(sql), want, "for: %s", sql)

/* ------------------------------------------------------------ precedence */

Test(parser_expr, arithmetic_precedence_and_associativity)
{
    EXPECT_EXPR("1 + 2 * 3", "(1 + (2 * 3))");
    EXPECT_EXPR("1 * 2 + 3", "((1 * 2) + 3)");
    EXPECT_EXPR("1 - 2 - 3", "((1 - 2) - 3)");
    EXPECT_EXPR("8 / 4 / 2", "((8 / 4) / 2)");
    EXPECT_EXPR("a % b * c", "((a % b) * c)");
    EXPECT_EXPR("(1 + 2) * 3", "((1 + 2) * 3)");
    EXPECT_EXPR("a || b + c", "(a || (b + c))");
    EXPECT_EXPR("a + b || c", "((a + b) || c)");
    EXPECT_EXPR("a || b || c", "((a || b) || c)");
}

Test(parser_expr, unary_minus_binds_tighter_than_multiplication)
{
    EXPECT_EXPR("-a * b", "((- a) * b)");
    EXPECT_EXPR("- a + + b", "((- a) + (+ b))");
    EXPECT_EXPR("a - -b", "(a - (- b))");
    EXPECT_EXPR("-a::int", "(- CAST(a AS INT))");
    EXPECT_EXPR("- - a", "(- (- a))");
}

Test(parser_expr, minus_folds_into_numeric_literals)
{
    EXPECT_EXPR("-1", "-1");
    EXPECT_EXPR("-(1)", "-1");
    EXPECT_EXPR("- 2.5", "-2.5");
    EXPECT_EXPR("- -1", "(- -1)");
    EXPECT_EXPR("-1::bigint", "(- CAST(1 AS BIGINT))");
    EXPECT_EXPR("+1", "(+ 1)");
    EXPECT_EXPR("2 - 1", "(2 - 1)");
    EXPECT_EXPR("2 -1", "(2 - 1)");
}

Test(parser_expr, comparison_and_logic_precedence)
{
    EXPECT_EXPR("a = 1 AND b = 2 OR c = 3", "(((a = 1) AND (b = 2)) OR (c = 3))");
    EXPECT_EXPR("a OR b AND c", "(a OR (b AND c))");
    EXPECT_EXPR("NOT a AND b", "((NOT a) AND b)");
    EXPECT_EXPR("NOT a = b", "(NOT (a = b))");
    EXPECT_EXPR("NOT NOT a", "(NOT (NOT a))");
    EXPECT_EXPR("a + 1 < b * 2", "((a + 1) < (b * 2))");
    EXPECT_EXPR("a <> b", "(a <> b)");
    EXPECT_EXPR("a != b", "(a <> b)");
    EXPECT_EXPR("a <= b AND a >= c AND a < d AND a > e",
                "((((a <= b) AND (a >= c)) AND (a < d)) AND (a > e))");
    EXPECT_EXPR("a OR b OR c", "((a OR b) OR c)");
}

Test(parser_expr, is_binds_looser_than_comparison)
{
    EXPECT_EXPR("a = b IS NULL", "((a = b) IS NULL)");
    EXPECT_EXPR("a IS NOT NULL AND b IS NULL", "((a IS NOT NULL) AND (b IS NULL))");
    EXPECT_EXPR("NOT a IS TRUE", "(NOT (a IS TRUE))");
    EXPECT_EXPR("a IS FALSE", "(a IS FALSE)");
    EXPECT_EXPR("a IS NOT UNKNOWN", "(a IS NOT UNKNOWN)");
    EXPECT_EXPR("a IS DISTINCT FROM b + 1", "(a IS DISTINCT FROM (b + 1))");
    EXPECT_EXPR("a IS NOT DISTINCT FROM b", "(a IS NOT DISTINCT FROM b)");
}

Test(parser_expr, between_in_like_bind_tighter_than_comparison)
{
    EXPECT_EXPR("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 AND 2) AND b)");
    EXPECT_EXPR("a NOT BETWEEN b + 1 AND c * 2", "(a NOT BETWEEN (b + 1) AND (c * 2))");
    EXPECT_EXPR("x = a BETWEEN 1 AND 2", "(x = (a BETWEEN 1 AND 2))");
    EXPECT_EXPR("a || b LIKE 'x%'", "((a || b) LIKE 'x%')");
    EXPECT_EXPR("a NOT LIKE 'x' ESCAPE '!'", "(a NOT LIKE 'x' ESCAPE '!')");
    EXPECT_EXPR("a ILIKE 'X'", "(a ILIKE 'X')");
    EXPECT_EXPR("a NOT ILIKE b", "(a NOT ILIKE b)");
    EXPECT_EXPR("a IN (1, 2, 3)", "(a IN (1, 2, 3))");
    EXPECT_EXPR("a + 1 NOT IN (b)", "((a + 1) NOT IN (b))");
    EXPECT_EXPR("a IN (SELECT b FROM t)", "(a IN (SELECT b FROM t))");
    EXPECT_EXPR("a NOT IN (SELECT b FROM t WHERE c)", "(a NOT IN (SELECT b FROM t WHERE c))");
    EXPECT_EXPR("NOT a IN (1)", "(NOT (a IN (1)))");
}

Test(parser_expr, cast_binds_tightest)
{
    EXPECT_EXPR("a::int + 1", "(CAST(a AS INT) + 1)");
    EXPECT_EXPR("a::varchar::int", "CAST(CAST(a AS VARCHAR) AS INT)");
    EXPECT_EXPR("(a + 1)::double", "CAST((a + 1) AS DOUBLE)");
    EXPECT_EXPR("CAST(a AS DECIMAL(12, 2))", "CAST(a AS DECIMAL(12,2))");
    EXPECT_EXPR("cast(a as double precision)", "CAST(a AS DOUBLE PRECISION)");
    EXPECT_EXPR("CAST(a AS varchar(20))", "CAST(a AS VARCHAR(20))");
    EXPECT_EXPR("CAST(a AS timestamp without time zone)", "CAST(a AS TIMESTAMP WITHOUT TIME ZONE)");
    EXPECT_EXPR("CAST(a AS character varying)", "CAST(a AS CHARACTER VARYING)");
}

/* ------------------------------------------------------------ primaries */

Test(parser_expr, literals)
{
    EXPECT_EXPR("123", "123");
    EXPECT_EXPR("123456789012345678901234567890", "123456789012345678901234567890");
    EXPECT_EXPR("1.5", "1.5");
    EXPECT_EXPR("1e3", "1e3");
    EXPECT_EXPR(".5", ".5");
    EXPECT_EXPR("1.", "1.");
    EXPECT_EXPR("2.5E-3", "2.5E-3");
    EXPECT_EXPR("'it''s'", "'it''s'");
    EXPECT_EXPR("E'a\\nb\\'c'", "'a\nb''c'");
    EXPECT_EXPR("e'\\x41\\101\\\\'", "'AA\\'");
    EXPECT_EXPR("TRUE", "TRUE");
    EXPECT_EXPR("false", "FALSE");
    EXPECT_EXPR("null", "NULL");
    EXPECT_EXPR("DATE '2024-01-01'", "DATE '2024-01-01'");
    EXPECT_EXPR("timestamp '2024-01-01 10:00:00'", "TIMESTAMP '2024-01-01 10:00:00'");
}

Test(parser_expr, intervals)
{
    EXPECT_EXPR("INTERVAL '1 hour'", "INTERVAL '1 hour'");
    EXPECT_EXPR("INTERVAL '90' DAY", "INTERVAL '90' DAY");
    EXPECT_EXPR("interval 1 hour", "INTERVAL 1 HOUR");
    EXPECT_EXPR("INTERVAL 2 days", "INTERVAL 2 DAY");
    EXPECT_EXPR("INTERVAL 1.5 SECONDS", "INTERVAL 1.5 SECOND");
    EXPECT_EXPR("INTERVAL (n * 2) DAY", "INTERVAL (n * 2) DAY");
    EXPECT_EXPR("INTERVAL (-3) MINUTE", "INTERVAL (-3) MINUTE");
    EXPECT_EXPR("INTERVAL -3 MINUTES", "INTERVAL (-3) MINUTE");
    EXPECT_EXPR("INTERVAL (- x) HOUR", "INTERVAL (- x) HOUR");
    EXPECT_EXPR("interval - 1", "(\"interval\" - 1)");
    EXPECT_EXPR("ts - INTERVAL 1 HOUR", "(ts - INTERVAL 1 HOUR)");
    EXPECT_EXPR("interval", "\"interval\"");
    EXPECT_EXPR("date + 1", "(\"date\" + 1)");
}

Test(parser_expr, identifiers_fold_unless_quoted)
{
    EXPECT_EXPR("Abc", "abc");
    EXPECT_EXPR("T.Col", "t.col");
    EXPECT_EXPR("\"Quoted\"", "\"Quoted\"");
    EXPECT_EXPR("\"a\"\"b\"", "\"a\"\"b\"");
    EXPECT_EXPR("\"select\"", "\"select\"");
    EXPECT_EXPR("t.\"X\"", "t.\"X\"");
    EXPECT_EXPR("_x1$", "_x1$");
}

Test(parser_expr, function_calls)
{
    EXPECT_EXPR("count(*)", "count(*)");
    EXPECT_EXPR("COUNT(DISTINCT x)", "count(DISTINCT x)");
    EXPECT_EXPR("sum(ALL x)", "sum(x)");
    EXPECT_EXPR("now()", "now()");
    EXPECT_EXPR("quantile(x, 0.9)", "quantile(x, 0.9)");
    EXPECT_EXPR("COALESCE(a, b, 0)", "coalesce(a, b, 0)");
    EXPECT_EXPR("NULLIF(a, 0)", "nullif(a, 0)");
    EXPECT_EXPR("date_trunc('minute', max(ts))", "date_trunc('minute', max(ts))");
    EXPECT_EXPR("left(s, 2)", "\"left\"(s, 2)");
    EXPECT_EXPR("\"MyFn\"(1)", "\"MyFn\"(1)");
}

Test(parser_expr, case_extract_exists_subquery)
{
    EXPECT_EXPR("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END",
                "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END");
    EXPECT_EXPR("case x when 1 then 'a' end", "CASE x WHEN 1 THEN 'a' END");
    EXPECT_EXPR("CASE WHEN a > 1 AND b THEN c + 1 END", "CASE WHEN ((a > 1) AND b) THEN (c + 1) END");
    EXPECT_EXPR("EXTRACT(year FROM ts)", "EXTRACT(year FROM ts)");
    EXPECT_EXPR("extract('Epoch' from ts + 1)", "EXTRACT(epoch FROM (ts + 1))");
    EXPECT_EXPR("EXISTS (SELECT 1)", "EXISTS (SELECT 1)");
    EXPECT_EXPR("NOT EXISTS (SELECT * FROM t)", "(NOT EXISTS (SELECT * FROM t))");
    EXPECT_EXPR("(SELECT max(a) FROM t) + 1", "((SELECT max(a) FROM t) + 1)");
    EXPECT_EXPR("((a))", "a");
}

/* ------------------------------------------------------------ queries */

Test(parser_query, select_clauses)
{
    EXPECT("SELECT a, b AS x, c y FROM t WHERE a > 1 GROUP BY a, 2 HAVING count(*) > 1 "
           "ORDER BY a DESC, b ASC NULLS FIRST, c NULLS LAST LIMIT 10 OFFSET 20",
           "SELECT a, b AS x, c AS y FROM t WHERE (a > 1) GROUP BY a, 2 HAVING (count(*) > 1) "
           "ORDER BY a DESC, b NULLS FIRST, c NULLS LAST LIMIT 10 OFFSET 20");
    EXPECT("SELECT DISTINCT a FROM t", "SELECT DISTINCT a FROM t");
    EXPECT("SELECT ALL a FROM t", "SELECT a FROM t");
    EXPECT("SELECT *, t.* FROM t", "SELECT *, t.* FROM t");
    EXPECT("SELECT 1", "SELECT 1");
    EXPECT("select a from t offset 5 limit 2", "SELECT a FROM t LIMIT 2 OFFSET 5");
    EXPECT("SELECT a FROM t LIMIT ALL", "SELECT a FROM t");
    EXPECT("SELECT 1 AS \"Select\", 2 AS from", "SELECT 1 AS \"Select\", 2 AS \"from\"");
}

Test(parser_query, from_items_and_joins)
{
    EXPECT("SELECT * FROM a, b AS x, c y", "SELECT * FROM a, b AS x, c AS y");
    EXPECT("SELECT * FROM (SELECT 1) AS s(x)", "SELECT * FROM (SELECT 1) AS s(x)");
    EXPECT("SELECT * FROM (SELECT 1) s", "SELECT * FROM (SELECT 1) AS s");
    EXPECT("SELECT * FROM a JOIN b ON a.x = b.x", "SELECT * FROM a JOIN b ON (a.x = b.x)");
    EXPECT("SELECT * FROM a INNER JOIN b ON c", "SELECT * FROM a JOIN b ON c");
    EXPECT("SELECT * FROM a LEFT OUTER JOIN b ON c", "SELECT * FROM a LEFT JOIN b ON c");
    EXPECT("SELECT * FROM a LEFT JOIN b ON c RIGHT JOIN d ON e FULL OUTER JOIN f ON g",
           "SELECT * FROM a LEFT JOIN b ON c RIGHT JOIN d ON e FULL JOIN f ON g");
    EXPECT("SELECT * FROM a CROSS JOIN b, c", "SELECT * FROM a CROSS JOIN b, c");
    EXPECT("SELECT * FROM a JOIN b USING (x, y)", "SELECT * FROM a JOIN b USING (x, y)");
    EXPECT("SELECT * FROM (a JOIN b ON c)", "SELECT * FROM a JOIN b ON c");
    EXPECT("SELECT * FROM a JOIN (b JOIN c ON d) ON e", "SELECT * FROM a JOIN (b JOIN c ON d) ON e");
}

Test(parser_query, set_operations_are_left_assoc_and_intersect_binds_tighter)
{
    EXPECT("SELECT 1 UNION ALL SELECT 2", "SELECT 1 UNION ALL SELECT 2");
    EXPECT("SELECT 1 UNION SELECT 2 UNION SELECT 3", "(SELECT 1 UNION SELECT 2) UNION SELECT 3");
    EXPECT("SELECT 1 EXCEPT SELECT 2 UNION SELECT 3", "(SELECT 1 EXCEPT SELECT 2) UNION SELECT 3");
    EXPECT("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3", "SELECT 1 UNION (SELECT 2 INTERSECT SELECT 3)");
    EXPECT("SELECT 1 UNION (SELECT 2 UNION SELECT 3)", "SELECT 1 UNION (SELECT 2 UNION SELECT 3)");
    EXPECT("SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 3",
           "SELECT a FROM t UNION SELECT b FROM u ORDER BY 1 LIMIT 3");
    EXPECT("(SELECT a FROM t ORDER BY a LIMIT 1) UNION DISTINCT SELECT 2",
           "(SELECT a FROM t ORDER BY a LIMIT 1) UNION SELECT 2");
    EXPECT("(SELECT 1)", "SELECT 1");
    EXPECT("SELECT 1 INTERSECT ALL SELECT 2 EXCEPT ALL SELECT 3",
           "(SELECT 1 INTERSECT ALL SELECT 2) EXCEPT ALL SELECT 3");
}

Test(parser_query, values_and_with)
{
    EXPECT("VALUES (1, 'a'), (2, 'b')", "VALUES (1, 'a'), (2, 'b')");
    EXPECT("VALUES (1) ORDER BY 1", "VALUES (1) ORDER BY 1");
    EXPECT("WITH x AS (SELECT 1 AS a), y(b) AS (SELECT a FROM x) SELECT * FROM y",
           "WITH x AS (SELECT 1 AS a), y(b) AS (SELECT a FROM x) SELECT * FROM y");
    EXPECT("WITH x AS (SELECT 1) SELECT 1 UNION SELECT 2",
           "WITH x AS (SELECT 1) SELECT 1 UNION SELECT 2");
    EXPECT("SELECT * FROM (VALUES (1), (2)) AS v(a)", "SELECT * FROM (VALUES (1), (2)) AS v(a)");
    EXPECT("SELECT (SELECT 1 UNION SELECT 2)", "SELECT (SELECT 1 UNION SELECT 2)");
}

/* ------------------------------------------------------------ statements */

Test(parser_stmt, create_table)
{
    EXPECT("CREATE TABLE t (a INT NOT NULL, b VARCHAR(20) DEFAULT 'x', c DECIMAL(12,2), "
           "d DOUBLE PRECISION NULL, ts TIMESTAMP DEFAULT now() NOT NULL)",
           "CREATE TABLE t (a INT NOT NULL, b VARCHAR(20) DEFAULT 'x', c DECIMAL(12,2), "
           "d DOUBLE PRECISION, ts TIMESTAMP NOT NULL DEFAULT now())");
    EXPECT("create table if not exists Events (ts timestamp, user_id bigint, country text) "
           "partition by (country) order by (ts, user_id) with (shards = 4, ttl = '7 days', wal = full)",
           "CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP, user_id BIGINT, country TEXT) "
           "PARTITION BY (country) ORDER BY (ts, user_id) WITH (shards = 4, ttl = '7 days', wal = full)");
    EXPECT("CREATE TABLE t (a INT) ORDER BY a, b PARTITION BY a",
           "CREATE TABLE t (a INT) PARTITION BY (a) ORDER BY (a, b)");
    EXPECT("CREATE TABLE t AS SELECT a FROM u", "CREATE TABLE t AS SELECT a FROM u");
    EXPECT("CREATE TABLE tab0(col0 INTEGER, col1 INTEGER, col2 INTEGER)",
           "CREATE TABLE tab0 (col0 INTEGER, col1 INTEGER, col2 INTEGER)");
}

Test(parser_stmt, drop_alter_insert)
{
    EXPECT("DROP TABLE t", "DROP TABLE t");
    EXPECT("drop table if exists t", "DROP TABLE IF EXISTS t");
    EXPECT("ALTER TABLE t ADD COLUMN c INT DEFAULT 0", "ALTER TABLE t ADD COLUMN c INT DEFAULT 0");
    EXPECT("ALTER TABLE t ADD c varchar", "ALTER TABLE t ADD COLUMN c VARCHAR");
    EXPECT("INSERT INTO t VALUES (1, 'a'), (2, NULL)", "INSERT INTO t VALUES (1, 'a'), (2, NULL)");
    EXPECT("INSERT INTO t (a, b) VALUES (1, -2)", "INSERT INTO t (a, b) VALUES (1, -2)");
    EXPECT("INSERT INTO t SELECT * FROM u WHERE x", "INSERT INTO t SELECT * FROM u WHERE x");
    EXPECT("INSERT INTO t (a) SELECT 1", "INSERT INTO t (a) SELECT 1");
    EXPECT("INSERT INTO t (SELECT 1)", "INSERT INTO t SELECT 1");
    EXPECT("INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x",
           "INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x");
}

Test(parser_stmt, copy_forms)
{
    EXPECT("COPY t FROM 'a.csv'", "COPY t FROM 'a.csv'");
    EXPECT("COPY t (a, b) FROM 'a.csv' (FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"', "
           "NULL 'x', REJECTS 'r.csv')",
           "COPY t (a, b) FROM 'a.csv' (format = csv, header, delimiter = ',', quote = '\"', "
           "null = 'x', rejects = 'r.csv')");
    EXPECT("COPY t FROM 'a.json' WITH (FORMAT jsonl, HEADER false)",
           "COPY t FROM 'a.json' (format = jsonl, header = FALSE)");
    EXPECT("COPY t FROM 'a.csv' WITH FORMAT csv HEADER DELIMITER '|'",
           "COPY t FROM 'a.csv' (format = csv, header, delimiter = '|')");
    EXPECT("COPY t FROM 'a.csv' FORMAT json, HEADER true",
           "COPY t FROM 'a.csv' (format = json, header = TRUE)");
    EXPECT("COPY t TO 'out.csv' (HEADER)", "COPY t TO 'out.csv' (header)");
    EXPECT("COPY (SELECT a FROM t WHERE a > 1) TO 'o.jsonl' (FORMAT jsonl)",
           "COPY (SELECT a FROM t WHERE (a > 1)) TO 'o.jsonl' (format = jsonl)");
}

Test(parser_stmt, utility_statements)
{
    EXPECT("EXPLAIN SELECT 1", "EXPLAIN SELECT 1");
    EXPECT("explain analyze select a from t", "EXPLAIN ANALYZE SELECT a FROM t");
    EXPECT("EXPLAIN INSERT INTO t VALUES (1)", "EXPLAIN INSERT INTO t VALUES (1)");
    EXPECT("SHOW TABLES", "SHOW TABLES");
    EXPECT("DESCRIBE t", "DESCRIBE t");
    EXPECT("DESC \"T\"", "DESCRIBE \"T\"");
    EXPECT("FLUSH t", "FLUSH TABLE t");
    EXPECT("flush table t;", "FLUSH TABLE t");
}

Test(parser_stmt, comments_and_case_insensitive_keywords)
{
    EXPECT("-- lead\nsElEcT /* inline /* nested */ */ a -- trailing\nFrOm t", "SELECT a FROM t");
    EXPECT("select a from t -- no newline at end", "SELECT a FROM t");
}
