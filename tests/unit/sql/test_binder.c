/* tests/unit/sql/test_binder.c: name resolution, typing, aggregation and
 * statement descriptions of the binder, checked on plan text and fields. */
#include <criterion/criterion.h>

#include "binder_testlib.h"
#include "sql/bind_expr.h"
#include "util/mem.h"

/* Bind sql, expect success, return the plan text (free with floe_free). */
static char *plan_of(const char *sql)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    char *t;
    int rc = bind_sql(sql, &s, &err);
    cr_assert_eq(rc, FLOE_OK, "%s: %s", sql, err.msg);
    t = plan_text(s);
    floe_bound_stmt_free(s);
    return t;
}

static void expect_plan(const char *sql, const char *want)
{
    char *t = plan_of(sql);
    cr_expect_str_eq(t, want, "%s\n--- got:\n%s--- want:\n%s", sql, t, want);
    floe_free(t);
}

static void expect_error(const char *sql, int code, const char *msg_part, int offset)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    int rc = bind_sql(sql, &s, &err);
    cr_assert_eq(rc, code, "%s: rc=%d msg=%s", sql, rc, err.msg);
    cr_expect(strstr(err.msg, msg_part) != NULL, "%s: message '%s' lacks '%s'", sql, err.msg,
              msg_part);
    if (offset >= 0) cr_expect_eq(err.offset, offset, "%s: offset %d", sql, err.offset);
    cr_expect_null(s);
}

static void expect_names(const char *sql, const char *want)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    char *n;
    cr_assert_eq(bind_sql(sql, &s, &err), FLOE_OK, "%s: %s", sql, err.msg);
    n = col_names(s);
    cr_expect_str_eq(n, want, "%s", sql);
    floe_free(n);
    floe_bound_stmt_free(s);
}

Test(binder, pushes_predicates_and_projection_into_scan)
{
    expect_plan("select a, b + 1 from t where a > 5 and c = 'x'",
                "PROJECT #0, (#1 + 1:BIGINT)\n"
                "  SCAN t cols=[a,b,c] pred(c0 > 5:INTEGER) pred(c2 = x:VARCHAR) "
                "filter=((#0 > 5:INTEGER) AND (#2 = 'x'))\n");
}

Test(binder, between_on_double_compares_as_double)
{
    expect_plan("select l_orderkey from lineitem where l_discount between 0.05 and 0.07",
                "PROJECT #0\n"
                "  SCAN lineitem cols=[l_orderkey,l_discount] pred(c3 >= 0.05:DOUBLE) "
                "pred(c3 <= 0.07:DOUBLE) filter=((#1 >= 0.05:DOUBLE) AND (#1 <= 0.07:DOUBLE))\n");
}

Test(binder, string_literal_cast_to_date_and_timestamp)
{
    expect_plan("select a from t where e > '2024-01-01' and f <= '2024-01-02 10:00'",
                "PROJECT #0\n"
                "  SCAN t cols=[a,e,f] pred(c4 > 2024-01-01:DATE) pred(c5 <= 2024-01-02 "
                "10:00:00:TIMESTAMP) filter=((#1 > 2024-01-01:DATE) AND (#2 <= 2024-01-02 "
                "10:00:00:TIMESTAMP))\n");
    /* DATE vs TIMESTAMP compares as TIMESTAMP */
    expect_plan("select a from t where e = f",
                "PROJECT #0\n  SCAN t cols=[a,e,f] filter=(CAST(#1 AS TIMESTAMP) = #2)\n");
}

Test(binder, count_star_reads_one_column)
{
    expect_plan("select count(*) from t",
                "AGGREGATE groups=[] aggs=[count_star()]\n  SCAN t cols=[a]\n");
    expect_names("select count(*) from t", "count_star()");
}

Test(binder, group_having_order_limit_becomes_topn)
{
    expect_plan("select c, sum(g), avg(d) from t group by c having count(*) > 2 order by 2 desc "
                "limit 10",
                "TOPN keys=[#1 DESC NF] limit=10 offset=0\n"
                "  PROJECT #0, #1, #2\n"
                "    FILTER (#3 > 2:BIGINT)\n"
                "      AGGREGATE groups=[#0] aggs=[sum(#2), avg(#1), count_star()]\n"
                "        SCAN t cols=[c,d,g]\n");
}

Test(binder, limit_without_order_is_limit)
{
    expect_plan("select a from t limit 5 offset 2",
                "LIMIT limit=5 offset=2\n  SCAN t cols=[a]\n");
    expect_plan("select a from t order by b offset 3",
                "PROJECT #0\n  LIMIT limit=-1 offset=3\n    SORT keys=[#1]\n"
                "      SCAN t cols=[a,b]\n");
}

Test(binder, order_by_hidden_column_is_projected_away)
{
    expect_plan("select a from t order by b desc limit 3",
                "PROJECT #0\n  TOPN keys=[#1 DESC NF] limit=3 offset=0\n    SCAN t cols=[a,b]\n");
}

Test(binder, aliases_and_ordinals_in_group_and_order)
{
    expect_plan("select a as k, count(*) from t group by k order by k",
                "SORT keys=[#0]\n  AGGREGATE groups=[#0] aggs=[count_star()]\n    SCAN t cols=[a]\n");
    expect_plan("select a + 1, count(*) from t group by 1 order by 2 desc",
                "SORT keys=[#1 DESC NF]\n  AGGREGATE groups=[(#0 + 1:INTEGER)] aggs=[count_star()]\n"
                "    SCAN t cols=[a]\n");
    /* an alias that shadows a column: GROUP BY means the column (PostgreSQL) */
    expect_error("select b as a from t group by a", FLOE_ERROR, "column \"b\" must appear", 7);
    expect_names("select a as k, count(*) from t group by k order by k", "k,count_star()");
}

Test(binder, group_by_error_names_column)
{
    expect_error("select a, b from t group by a", FLOE_ERROR,
                 "column \"b\" must appear in the GROUP BY clause or be used in an aggregate function",
                 10);
    expect_error("select sum(a) from t where sum(a) > 1", FLOE_ERROR,
                 "aggregate functions are not allowed", -1);
    expect_error("select sum(sum(a)) from t", FLOE_ERROR, "cannot be nested", -1);
}

Test(binder, unknown_names_with_suggestions)
{
    expect_error("select zz from t", FLOE_ERROR, "column \"zz\" does not exist", 7);
    expect_error("select l_orderkee from lineitem", FLOE_ERROR,
                 "column \"l_orderkee\" does not exist; did you mean \"l_orderkey\"?", 7);
    expect_error("select * from lineitm", FLOE_ERROR,
                 "table \"lineitm\" does not exist; did you mean \"lineitem\"?", 14);
    expect_error("select t.zz from t", FLOE_ERROR, "column \"t.zz\" does not exist", 7);
    expect_error("select q.a from t", FLOE_ERROR, "missing FROM-clause entry for table \"q\"", 7);
    expect_error("select a from t, u", FLOE_ERROR, "column reference \"a\" is ambiguous", 7);
    expect_error("select lenght(c) from t", FLOE_ERROR, "did you mean \"length\"", 7);
}

Test(binder, type_errors_name_operator_and_types)
{
    expect_error("select c + 1 from t", FLOE_TYPE, "operator does not exist: VARCHAR + INTEGER", 7);
    expect_error("select a from t where e = 5", FLOE_TYPE, "operator does not exist: DATE = INTEGER",
                 22);
    expect_error("select a from t where a", FLOE_TYPE, "argument of WHERE must be type BOOLEAN", 22);
    expect_error("select sum(c) from t", FLOE_TYPE, "function sum(VARCHAR) does not exist", 7);
    expect_error("select a from t where e > 'not a date'", FLOE_PARSE, "", 22);
}

Test(binder, literal_types_and_casts)
{
    expect_plan("select 1, 2.50, 'x', 3000000000, null, 1e3",
                "PROJECT 1:INTEGER, 2.50:DECIMAL(3,2), 'x', 3000000000:BIGINT, NULL:INTEGER, "
                "1000.0:DOUBLE\n  VALUES rows=1\n");
    /* integer division, decimal division in DOUBLE, promotions */
    expect_plan("select a / 2, g / 2, d / 2, a % 3, b + a from t",
                "PROJECT (#0 / 2:INTEGER), (CAST(#3 AS DOUBLE) / 2.0:DOUBLE), (#2 / 2.0:DOUBLE), "
                "(#0 % 3:INTEGER), (#1 + CAST(#0 AS BIGINT))\n  SCAN t cols=[a,b,d,g]\n");
    /* decimal arithmetic: same scale for +, scales add for * */
    expect_plan("select g + 1, g * g, g * 2 from t",
                "PROJECT (#0 + 1.00:DECIMAL(15,2)), (#0 * #0), (#0 * 2:DECIMAL(1,0))"
                "\n  SCAN t cols=[g]\n");
    /* constant folding of casts and arithmetic */
    expect_plan("select date '2024-03-01' - interval '1 day', cast('12' as bigint) * 2",
                "PROJECT 2024-02-29 00:00:00:TIMESTAMP, 24:BIGINT\n  VALUES rows=1\n");
}

Test(binder, temporal_functions)
{
    expect_plan("select extract(year from e), date_trunc('month', f), time_bucket(interval '5 "
                "minutes', f), e + interval '1 day', f - f, e - 3, now() from t",
                "PROJECT date_part('year', CAST(#0 AS TIMESTAMP)), date_trunc('month', #1), "
                "time_bucket(00:05:00:INTERVAL, #1), (#0 + 1 day:INTERVAL), (#1 - #1), (#0 - "
                "3:INTEGER), 2023-11-14 22:13:20:TIMESTAMP\n  SCAN t cols=[e,f]\n");
    expect_error("select date_trunc('fortnight', f) from t", FLOE_PARSE, "", 7);
    expect_error("select date_trunc(c, f) from t", FLOE_ERROR, "unit must be a constant", 7);
}

Test(binder, nullif_in_list_case_coalesce)
{
    expect_plan("select nullif(a, 0), coalesce(c, 'z'), case when a > 1 then 'big' else c end, a in "
                "(1, 2) from t",
                "PROJECT CASE((#0 = 0:INTEGER), NULL:INTEGER, #0 else), coalesce(#1, 'z'), "
                "CASE((#0 > 1:INTEGER), 'big', #1 else), #0 IN (1:INTEGER, 2:INTEGER)\n"
                "  SCAN t cols=[a,c]\n");
}

Test(binder, quantiles_and_median)
{
    expect_plan("select quantile(d, 0.9), quantile_disc(a, 0.5), median(a), median(d), "
                "approx_count_distinct(c), count(distinct c) from t",
                "AGGREGATE groups=[] aggs=[quantile(#2, 0.9), quantile(#0, 0.5), median(#0), "
                "median(#2), approx_count_distinct(#1), count(DISTINCT #1)]\n"
                "  SCAN t cols=[a,c,d]\n");
    expect_plan("select quantile_cont(d, 0.25), percentile_cont(0.5) within group (order by a), "
                "percentile_disc(0.5) within group (order by a) from t",
                "AGGREGATE groups=[] aggs=[quantile_cont(#1, 0.25), quantile_cont(CAST(#0 AS DOUBLE), 0.5), "
                "quantile(#0, 0.5)]\n"
                "  SCAN t cols=[a,d]\n");
    expect_error("select percentile_cont(0.5) from t", FLOE_ERROR, "WITHIN GROUP", 7);
    /* DESC: cont is the ascending fraction 1 - q */
    expect_plan("select percentile_cont(0.25) within group (order by a desc) from t",
                "AGGREGATE groups=[] aggs=[quantile_cont(CAST(#0 AS DOUBLE), 0.75)]\n"
                "  SCAN t cols=[a]\n");
    expect_error("select sum(a) within group (order by a) from t", FLOE_UNSUPPORTED, "WITHIN GROUP", 7);
    expect_error("select quantile(d, 2) from t", FLOE_RANGE, "between 0 and 1", -1);
}

Test(binder, two_argument_aggregates_and_filter)
{
    expect_plan("select covar_pop(a, d), arg_min(c, a), count(*) filter (where a > 1) from t",
                "AGGREGATE groups=[] aggs=[covar_pop(CAST(#0 AS DOUBLE), #2), arg_min(#1, #0), "
                "count_star() FILTER (#0 > 1:INTEGER)]\n"
                "  SCAN t cols=[a,c,d]\n");
    expect_error("select covar_pop(a) from t", FLOE_ERROR, "takes 2 arguments", 7);
    expect_error("select corr(distinct a, d) from t", FLOE_UNSUPPORTED, "DISTINCT", 7);
    expect_error("select corr(c, d) from t", FLOE_TYPE, "does not exist", 7);
    expect_error("select stddev(c) from t", FLOE_TYPE, "does not exist", 7);
    expect_error("select sum(a) filter (where c) from t", FLOE_TYPE, "FILTER", -1);
    expect_error("select abs(a) filter (where a > 1) from t", FLOE_ERROR, "only allowed in aggregates", 7);
    expect_error("select sum(a) filter (where sum(a) > 1) from t", FLOE_ERROR, "nested", -1);
}

Test(binder, result_column_names_like_duckdb)
{
    expect_names("select a, a as x, count(*), sum(b), b + 1 from t group by a, b",
                 "a,x,count_star(),sum(b),b + 1");
    expect_names("select * from t", "a,b,c,d,e,f,g");
    expect_names("select u.*, t.a from t, u where t.a = u.a", "a,x,a");
}

Test(binder, ctes_referenced_twice_and_subquery_in_from)
{
    expect_plan("with q as (select a, c from t where a > 1) select * from q, q as q2 where q.a = "
                "q2.a",
                "HASH_JOIN INNER keys=#0=#0\n"
                "  CTE_SCAN q\n"
                "    SCAN t cols=[a,c] pred(c0 > 1:INTEGER) filter=(#0 > 1:INTEGER)\n"
                "  CTE_SCAN q\n"
                "    SCAN t cols=[a,c] pred(c0 > 1:INTEGER) filter=(#0 > 1:INTEGER)\n");
    /* a CTE referenced twice is one shared plan (computed once); once: inlined */
    {
        floe_err err = FLOE_ERR_INIT;
        floe_bound_stmt *s = NULL;
        const floe_plan *j;
        cr_assert_eq(bind_sql("with q as (select a, c from t where a > 1) select * from q, q as q2 "
                              "where q.a = q2.a", &s, &err), FLOE_OK, "%s", err.msg);
        j = s->plan->root;
        cr_assert_eq(j->children[0]->kind, FLOE_PLAN_CTE_SCAN);
        cr_assert_eq(j->children[1]->kind, FLOE_PLAN_CTE_SCAN);
        cr_expect_eq(j->children[0]->u.cte.def, j->children[1]->u.cte.def);
        floe_bound_stmt_free(s);
    }
    expect_plan("with q as (select a, c from t where a > 1) select * from q where c = 'x'",
                "SCAN t cols=[a,c] pred(c0 > 1:INTEGER) pred(c2 = x:VARCHAR) "
                "filter=((#0 > 1:INTEGER) AND (#1 = 'x'))\n");
    expect_plan("select * from (select a, count(*) as n from t group by a) s where n > 3 order by n desc",
                "SORT keys=[#1 DESC NF]\n  FILTER (#1 > 3:BIGINT)\n"
                "    AGGREGATE groups=[#0] aggs=[count_star()]\n      SCAN t cols=[a]\n");
    expect_error("with q as (select 1) select * from q2", FLOE_ERROR, "did you mean \"q\"", -1);
}

Test(binder, set_operations)
{
    expect_plan("select a from t union select a from u order by 1",
                "SORT keys=[#0]\n  DISTINCT\n    UNION_ALL\n      SCAN t cols=[a]\n"
                "      SCAN u cols=[a]\n");
    expect_plan("select b from t union all select a from u",
                "UNION_ALL\n  SCAN t cols=[b]\n  PROJECT CAST(#0 AS BIGINT)\n    SCAN u cols=[a]\n");
    /* EXCEPT / INTERSECT group both sides so NULLs compare equal */
    expect_plan("select a from t except select a from u",
                "PROJECT #0\n  FILTER (#2 = 1:INTEGER)\n"
                "    AGGREGATE groups=[#0] aggs=[min(#1), max(#1)]\n      UNION_ALL\n"
                "        PROJECT #0, 1:INTEGER\n          SCAN t cols=[a]\n"
                "        PROJECT #0, 2:INTEGER\n          SCAN u cols=[a]\n");
    expect_error("select a from t intersect all select a from u", FLOE_UNSUPPORTED, "ALL", -1);
    expect_error("select a, b from t union select a from u", FLOE_ERROR, "same number of columns",
                 -1);
}

Test(binder, insert_values_casts_defaults_and_not_null)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    expect_plan("insert into u values (1, 'a'), (2, default)",
                "VALUES rows=2 1:INTEGER, 'a', 2:INTEGER, 'dflt'\n");
    expect_plan("insert into u (x, a) values ('q', 7.6)", "VALUES rows=1 8:INTEGER, 'q'\n");
    expect_plan("insert into t (c, b) select x, a from u",
                "PROJECT NULL:INTEGER, CAST(#1 AS BIGINT), #0, NULL:DOUBLE, NULL:DATE, "
                "NULL:TIMESTAMP, NULL:DECIMAL(15,2)\n"
                "  PROJECT #1, #0\n    SCAN u cols=[a,x]\n");
    expect_error("insert into u (x) values ('q')", FLOE_CONSTRAINT,
                 "null value in column \"a\" violates not-null constraint", -1);
    expect_error("insert into u values (null, 'q')", FLOE_CONSTRAINT, "not-null", 22);
    expect_error("insert into u (a, zz) values (1, 2)", FLOE_ERROR, "column \"zz\" of table \"u\"",
                 -1);
    expect_error("insert into u values (1)", FLOE_ERROR, "INSERT has 1 expressions but 2", -1);
    cr_assert_eq(bind_sql("insert into u values (1, 'a')", &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_INSERT);
    cr_expect_str_eq(s->table.name, "u");
    cr_expect_eq(s->table.table_ref, &fake_tables[1]);
    floe_bound_stmt_free(s);
}

Test(binder, create_table_description)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    const floe_bound_create *c;
    cr_assert_eq(bind_sql("create table z (ts timestamp not null, v double default 1, k varchar) "
                          "partition by (k) order by (ts) with (flush_rows = 1000, ttl = interval "
                          "'7 days', shards = 4, flush_interval_ms = 250)",
                          &s, &err),
                 FLOE_OK, "%s", err.msg);
    c = &s->create;
    cr_expect_eq(s->kind, FLOE_BOUND_CREATE_TABLE);
    cr_expect_null(s->plan);
    cr_expect_str_eq(c->table, "z");
    cr_assert_eq(c->ncols, 3);
    cr_expect(c->cols[0].not_null);
    cr_expect_eq(c->cols[0].type.id, FLOE_TYPE_TIMESTAMP);
    cr_expect(c->cols[1].has_default);
    cr_expect_eq(c->cols[1].default_value.type.id, FLOE_TYPE_DOUBLE);
    cr_expect_eq(c->cols[1].default_value.v.d, 1.0);
    cr_expect_eq(c->partition_col, 2);
    cr_assert_eq(c->norder_cols, 1);
    cr_expect_eq(c->order_cols[0], 0);
    cr_expect_eq(c->flush_rows, 1000);
    cr_expect_eq(c->flush_bytes, -1);
    cr_expect_eq(c->flush_interval_ms, 250);
    cr_expect_eq(c->shards, 4);
    cr_expect_eq(c->ttl_us, 7LL * 86400 * 1000000);
    cr_expect_eq(c->ttl_col, 0);
    floe_bound_stmt_free(s);

    cr_assert_eq(bind_sql("create table y (a int, t1 timestamp, t2 timestamp) with (ttl = 60, "
                          "ttl_column = t2)",
                          &s, &err),
                 FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->create.ttl_us, 60LL * 1000000);
    cr_expect_eq(s->create.ttl_col, 2);
    floe_bound_stmt_free(s);

    expect_error("create table z (a int) with (bogus = 1)", FLOE_ERROR,
                 "unknown table option \"bogus\"; valid options: flush_rows, flush_bytes, "
                 "flush_interval_ms, shards, ttl, ttl_column",
                 -1);
    expect_error("create table z (a int) with (ttl = 60)", FLOE_ERROR, "TIMESTAMP column", -1);
    expect_error("create table z (a int, b int) with (ttl = 60, ttl_column = b)", FLOE_TYPE,
                 "must be a TIMESTAMP column", -1);
    expect_error("create table z (a int, a int)", FLOE_ERROR, "specified more than once", -1);
    expect_error("create table z (a int) partition by (q)", FLOE_ERROR, "column \"q\"", -1);
    expect_error("create table z (a int not null default null)", FLOE_CONSTRAINT, "NOT NULL", -1);
}

Test(binder, ctas_and_other_statements)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    cr_assert_eq(bind_sql("create table z as select a, c as name from t", &s, &err), FLOE_OK, "%s",
                 err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_CREATE_TABLE);
    cr_assert_not_null(s->plan);
    cr_assert_eq(s->create.ncols, 2);
    cr_expect_str_eq(s->create.cols[1].name, "name");
    cr_expect_eq(s->create.cols[1].type.id, FLOE_TYPE_VARCHAR);
    floe_bound_stmt_free(s);

    cr_assert_eq(bind_sql("drop table if exists nosuch", &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_DROP_TABLE);
    cr_expect_null(s->table.table_ref);
    floe_bound_stmt_free(s);
    expect_error("drop table nosuch", FLOE_ERROR, "does not exist", -1);

    cr_assert_eq(bind_sql("alter table u add column y bigint default 5", &s, &err), FLOE_OK, "%s",
                 err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_ALTER_ADD);
    cr_expect_str_eq(s->alter_col.name, "y");
    cr_expect_eq(s->alter_col.default_value.v.i, 5);
    floe_bound_stmt_free(s);
    expect_error("alter table u add column x int", FLOE_ERROR, "already exists", -1);

    cr_assert_eq(bind_sql("copy u (x, a) from '/tmp/f.csv' (format csv, header)", &s, &err),
                 FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_COPY_FROM);
    cr_expect_str_eq(s->copy.path, "/tmp/f.csv");
    cr_assert_eq(s->copy.ncols, 2);
    cr_expect_eq(s->copy.cols[0], 1);
    cr_expect_eq(s->copy.cols[1], 0);
    cr_assert_eq(s->copy.noptions, 2);
    cr_expect_str_eq(s->copy.options[0].name, "format");
    cr_expect_eq(s->copy.options[0].value.type.id, FLOE_TYPE_VARCHAR);
    cr_expect(!s->copy.options[1].has_value);
    floe_bound_stmt_free(s);

    cr_assert_eq(bind_sql("copy (select a from t where a > 1) to '/tmp/o.csv'", &s, &err), FLOE_OK,
                 "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_COPY_TO);
    cr_assert_not_null(s->plan);
    floe_bound_stmt_free(s);

    cr_assert_eq(bind_sql("explain select a from t", &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_QUERY);
    cr_expect(s->explain);
    floe_bound_stmt_free(s);

    cr_assert_eq(bind_sql("describe lineitem", &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_DESCRIBE);
    cr_expect_eq(s->table.ncols, 5);
    floe_bound_stmt_free(s);
    cr_assert_eq(bind_sql("show tables", &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->kind, FLOE_BOUND_SHOW_TABLES);
    floe_bound_stmt_free(s);
}

Test(binder, table_refs_listed_once_per_distinct_table)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    cr_assert_eq(bind_sql("select * from t x, t y, u where x.a = y.a and y.a = u.a and x.a in "
                          "(select a from u)",
                          &s, &err),
                 FLOE_OK, "%s", err.msg);
    cr_assert_eq(s->plan->ntables, 2);
    cr_expect_str_eq(s->plan->table_names[0], "t");
    cr_expect_eq(s->plan->table_refs[0], &fake_tables[0]);
    cr_expect_str_eq(s->plan->table_names[1], "u");
    floe_bound_stmt_free(s);
}

Test(bind_expr, cast_value_rules)
{
    floe_arena *a = floe_arena_new(0);
    floe_err err = FLOE_ERR_INIT;
    floe_value v, out;
    v.type = floe_type_make(FLOE_TYPE_VARCHAR);
    v.is_null = false;
    v.v.s.ptr = "12.345";
    v.v.s.len = 6;
    cr_assert_eq(floe_bind_expr_cast_value(a, &v, floe_type_decimal(10, 2), &out, &err), FLOE_OK);
    cr_expect_eq(out.v.i, 1235); /* rounded half away from zero */
    v.type = floe_type_make(FLOE_TYPE_DOUBLE);
    v.v.d = -2.5;
    cr_assert_eq(floe_bind_expr_cast_value(a, &v, floe_type_make(FLOE_TYPE_INTEGER), &out, &err),
                 FLOE_OK);
    cr_expect_eq(out.v.i, -3);
    v.type = floe_type_make(FLOE_TYPE_BIGINT);
    v.v.i = 3000000000LL;
    cr_expect_eq(floe_bind_expr_cast_value(a, &v, floe_type_make(FLOE_TYPE_INTEGER), &out, &err),
                 FLOE_RANGE);
    v.type = floe_type_decimal(15, 2);
    v.v.i = 12345;
    cr_assert_eq(floe_bind_expr_cast_value(a, &v, floe_type_make(FLOE_TYPE_VARCHAR), &out, &err),
                 FLOE_OK);
    cr_expect_eq(out.v.s.len, 6);
    cr_expect(memcmp(out.v.s.ptr, "123.45", 6) == 0);
    v.type = floe_type_make(FLOE_TYPE_DATE);
    v.v.i = 1;
    cr_assert_eq(floe_bind_expr_cast_value(a, &v, floe_type_make(FLOE_TYPE_TIMESTAMP), &out, &err),
                 FLOE_OK);
    cr_expect_eq(out.v.i, 86400LL * 1000000);
    floe_arena_free(a);
}

Test(bind_expr, edit_distance)
{
    cr_expect_eq(floe_binder_edit_distance("lineitm", "lineitem"), 1);
    cr_expect_eq(floe_binder_edit_distance("ABC", "abc"), 0);
    cr_expect_eq(floe_binder_edit_distance("", "abc"), 3);
    cr_expect_eq(floe_binder_edit_distance("kitten", "sitting"), 3);
}

Test(binder, date_column_vs_date_plus_interval_stays_a_date_predicate)
{
    /* TPC-H Q1/Q6 shapes: the constant side folds to midnight and is cast to DATE */
    expect_plan("select count(*) from lineitem where l_shipdate <= date '1998-12-01' - interval "
                "'90' day",
                "AGGREGATE groups=[] aggs=[count_star()]\n  SCAN lineitem cols=[l_shipdate] "
                "pred(c4 <= 1998-09-02:DATE) filter=(#0 <= 1998-09-02:DATE)\n");
    expect_plan("select a from t where e < date '1994-01-01' + interval '1' year",
                "PROJECT #0\n  SCAN t cols=[a,e] pred(c4 < 1995-01-01:DATE) filter=(#1 < "
                "1995-01-01:DATE)\n");
    /* not at midnight: compared as TIMESTAMP */
    expect_plan("select a from t where e < timestamp '2024-01-01 10:00'",
                "PROJECT #0\n  SCAN t cols=[a,e] filter=(CAST(#1 AS TIMESTAMP) < 2024-01-01 "
                "10:00:00:TIMESTAMP)\n");
}

Test(binder, constant_function_calls_fold)
{
    expect_plan("select upper('abc'), date_trunc('month', timestamp '2024-05-17 10:00'), "
                "length('h\xc3\xa9llo')",
                "PROJECT 'ABC', 2024-05-01 00:00:00:TIMESTAMP, 5:BIGINT\n  VALUES rows=1\n");
}

/* Every allocation failure while binding returns FLOE_NOMEM (never crashes
 * or reports another error), and binding succeeds once memory is back. */
Test(binder, out_of_memory_at_every_allocation)
{
    static const char *queries[] = {
        "select c, sum(g), avg(d) from t where a > 1 and e >= '2024-01-01' group by c having "
        "count(*) > 2 order by 2 desc limit 10",
        "select o_orderkey, sum(l_extendedprice) from customer, orders, lineitem where c_custkey = "
        "o_custkey and l_orderkey = o_orderkey and o_orderkey in (select l_orderkey from lineitem "
        "group by l_orderkey having sum(l_quantity) > 300) group by o_orderkey",
        "with q as (select a, c from t) select * from q left join u on q.a = u.a where exists "
        "(select 1 from u u2 where u2.a = q.a) and q.a > (select avg(a) from u u3 where u3.x = q.c)",
        "insert into u (a) values (1), (2)",
        "create table z (ts timestamp, v double default 1.5) with (ttl = '1 day')"};
    size_t qi;
    for (qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        floe_parser *p = NULL;
        floe_ast_stmt *st = NULL;
        floe_err err = FLOE_ERR_INIT;
        int64_t n;
        int rc = FLOE_NOMEM;
        cr_assert_eq(floe_parser_parse_one(queries[qi], strlen(queries[qi]), &p, &st, &err), FLOE_OK,
                     "%s", err.msg);
        for (n = 0; rc == FLOE_NOMEM && n < 100000; n++) {
            floe_bound_stmt *s = NULL;
            floe_mem_fail_after(n, 1);
            rc = floe_bind_statement(st, queries[qi], &fake_cat, TEST_NOW_US, &s, &err);
            floe_mem_fail_after(-1, 0);
            cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "%s: fail after %lld: rc %d %s",
                      queries[qi], (long long)n, rc, err.msg);
            if (rc == FLOE_NOMEM) cr_assert_null(s);
            floe_bound_stmt_free(s);
        }
        cr_expect_eq(rc, FLOE_OK, "%s", queries[qi]);
        floe_parser_free(p);
    }
}

Test(binder, aliases_for_tables_ctes_and_using)
{
    expect_names("with q(x, y) as (select a, c from t) select * from q", "x,y");
    expect_names("select * from t as z(p, q) where p > 0", "p,q,c,d,e,f,g");
    expect_error("select a from t as z(p) ", FLOE_ERROR, "column \"a\" does not exist", 7);
    /* USING merges the column: * shows it once and it is not ambiguous */
    expect_names("select * from t join u using (a)", "a,b,c,d,e,f,g,x");
    expect_names("select a from t join u using (a)", "a");
    expect_error("select * from t join u using (zz)", FLOE_ERROR, "USING clause", -1);
    expect_error("select * from t, t", FLOE_ERROR, "specified more than once", -1);
}

Test(binder, clause_misuse_errors)
{
    expect_error("select distinct a from t order by b", FLOE_ERROR,
                 "for SELECT DISTINCT, ORDER BY expressions must appear in select list", 34);
    expect_error("select a from t having a > 1", FLOE_ERROR, "HAVING requires GROUP BY", -1);
    expect_error("select a from t order by 3", FLOE_ERROR, "ORDER BY position 3 is not in select list",
                 25);
    expect_error("select a from t group by 2", FLOE_ERROR, "GROUP BY position 2", 25);
    expect_error("select a from t limit -1", FLOE_ERROR, "LIMIT must not be negative", -1);
    expect_error("select a from t limit a", FLOE_ERROR, "column \"a\" does not exist", 22);
    expect_error("select a from t limit now()", FLOE_ERROR, "LIMIT must be a constant", -1);
    expect_error("select (select a, b from u) from t", FLOE_ERROR, "only one column", -1);
    expect_error("select a from t where a in (select a, x from u)", FLOE_ERROR, "only one column",
                 -1);
    expect_error("select count(*) + a from t", FLOE_ERROR, "column \"a\" must appear", -1);
}

Test(binder, intervals)
{
    expect_plan("select interval (2+3) day, interval '3' hour, interval 1 day, interval '1 hour 30 "
                "minutes'",
                "PROJECT 5 days:INTERVAL, 03:00:00:INTERVAL, 1 day:INTERVAL, 01:30:00:INTERVAL\n"
                "  VALUES rows=1\n");
    expect_error("select interval (a) day from t", FLOE_UNSUPPORTED, "constant integer", -1);
}

Test(binder, explain_text_from_engine)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    floe_strbuf o = FLOE_STRBUF_INIT;
    cr_assert_eq(bind_sql("explain select c, count(*) from t, u where t.a = u.a and t.b > 5 group "
                          "by c order by 2 desc limit 3",
                          &s, &err),
                 FLOE_OK, "%s", err.msg);
    cr_expect(s->explain);
    floe_plan_explain(s->plan->root, &o);
    cr_assert(floe_strbuf_ok(&o));
    cr_expect(strstr(floe_strbuf_str(&o), "SCAN t") != NULL, "%s", floe_strbuf_str(&o));
    cr_expect(strstr(floe_strbuf_str(&o), "TOPN") != NULL, "%s", floe_strbuf_str(&o));
    floe_strbuf_free(&o);
    floe_bound_stmt_free(s);
}

Test(binder, deep_nesting_binds_or_fails_cleanly)
{
    floe_strbuf q = FLOE_STRBUF_INIT;
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    int i, rc;
    /* a long left-deep sum folds to one constant */
    floe_strbuf_puts(&q, "select 1");
    for (i = 0; i < 900; i++) floe_strbuf_puts(&q, " + 1");
    cr_assert_eq(bind_sql(floe_strbuf_str(&q), &s, &err), FLOE_OK, "%s", err.msg);
    cr_expect_eq(s->plan->root->u.project.exprs[0]->kind, FLOE_EXPR_CONST);
    cr_expect_eq(s->plan->root->u.project.exprs[0]->value.v.i, 901);
    floe_bound_stmt_free(s);
    /* nested scalar subqueries: fine up to the limit, then a clean error */
    floe_strbuf_reset(&q);
    for (i = 0; i < 150; i++) floe_strbuf_puts(&q, "select (");
    floe_strbuf_puts(&q, "select a from u limit 1");
    for (i = 0; i < 150; i++) floe_strbuf_puts(&q, ")");
    rc = bind_sql(floe_strbuf_str(&q), &s, &err);
    cr_expect(rc == FLOE_OK || rc == FLOE_ERROR || rc == FLOE_PARSE, "rc %d %s", rc, err.msg);
    floe_bound_stmt_free(s);
    floe_strbuf_free(&q);
}
