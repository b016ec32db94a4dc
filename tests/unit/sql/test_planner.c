/* tests/unit/sql/test_planner.c: join order, build sides, pushdown and
 * decorrelation produced by the planner for bound queries. */
#include <criterion/criterion.h>

#include "binder_testlib.h"

static void expect_plan2(const char *sql, const char *want)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    char *t;
    cr_assert_eq(bind_sql(sql, &s, &err), FLOE_OK, "%s: %s", sql, err.msg);
    t = plan_text(s);
    cr_expect_str_eq(t, want, "%s\n--- got:\n%s--- want:\n%s", sql, t, want);
    floe_free(t);
    floe_bound_stmt_free(s);
}

/* Depth-first list of SCAN table names (join order, left to right). */
static void scan_order(const floe_plan *p, floe_strbuf *o)
{
    uint32_t i;
    if (p->kind == FLOE_PLAN_SCAN) floe_strbuf_printf(o, "%s%s", o->len ? "," : "", p->u.scan.table_name);
    for (i = 0; i < p->nchildren; i++) scan_order(p->children[i], o);
}

Test(planner, tpch_q3_joins_follow_predicates_smallest_first)
{
    expect_plan2(
        "select o_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate "
        "from customer, orders, lineitem where c_custkey = o_custkey and l_orderkey = o_orderkey "
        "and o_orderdate < date '1995-03-15' and c_name = 'BUILDING' "
        "group by o_orderkey, o_orderdate order by revenue desc, o_orderdate limit 10",
        "TOPN keys=[#1 DESC NF,#2] limit=10 offset=0\n"
        "  PROJECT #0, #2, #1\n"
        "    AGGREGATE groups=[#2, #4] aggs=[sum((CAST(#6 AS DOUBLE) * (1.0:DOUBLE - #7)))]\n"
        "      HASH_JOIN INNER keys=#2=#0 build_left\n"
        "        HASH_JOIN INNER keys=#0=#1 build_left\n"
        "          SCAN customer cols=[c_custkey,c_name] pred(c1 = BUILDING:VARCHAR) "
        "filter=(#1 = 'BUILDING')\n"
        "          SCAN orders cols=[o_orderkey,o_custkey,o_orderdate] pred(c2 < "
        "1995-03-15:DATE) filter=(#2 < 1995-03-15:DATE)\n"
        "        SCAN lineitem cols=[l_orderkey,l_extendedprice,l_discount]\n");
}

Test(planner, never_cross_product_when_a_connecting_predicate_exists)
{
    /* nation is smallest but joins only customer; written order is adversarial */
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    floe_strbuf o = FLOE_STRBUF_INIT;
    const floe_plan *j;
    cr_assert_eq(bind_sql("select count(*) from lineitem, nation, orders, customer where "
                          "l_orderkey = o_orderkey and o_custkey = c_custkey and c_nationkey = "
                          "n_nationkey",
                          &s, &err),
                 FLOE_OK, "%s", err.msg);
    scan_order(s->plan->root, &o);
    cr_expect_str_eq(floe_strbuf_str(&o), "nation,customer,orders,lineitem");
    /* every join is a hash join: no NL_JOIN (cross product) anywhere */
    cr_expect_null(find_node(s->plan->root, FLOE_PLAN_NL_JOIN));
    j = find_node(s->plan->root, FLOE_PLAN_HASH_JOIN);
    cr_assert_not_null(j);
    cr_expect(j->u.join.build_left, "the joined small side is built");
    floe_strbuf_free(&o);
    floe_bound_stmt_free(s);
}

Test(planner, join_without_equality_is_nested_loop_with_cond)
{
    expect_plan2("select t.a, u.a from t, u where t.a < u.a",
                 "PROJECT #1, #0\n  NL_JOIN INNER cond=(#1 < #0)\n    SCAN u cols=[a]\n"
                 "    SCAN t cols=[a]\n");
}

Test(planner, build_side_is_smaller_input)
{
    /* u (10 rows) is smaller than t (1000): u ends up on the left and is built */
    expect_plan2("select t.b from t join u on t.a = u.a",
                 "PROJECT #2\n  HASH_JOIN INNER keys=#0=#0 build_left\n    SCAN u cols=[a]\n"
                 "    SCAN t cols=[a,b]\n");
    /* explicit join with extra non-equi ON condition stays in the join */
    expect_plan2("select t.b from t join u on t.a = u.a and t.b > length(u.x)",
                 "PROJECT #3\n  HASH_JOIN INNER keys=#0=#0 cond=(#3 > length(#1)) build_left\n"
                 "    SCAN u cols=[a,x]\n    SCAN t cols=[a,b]\n");
}

Test(planner, left_join_keeps_on_in_join_and_pushes_where_into_preserved_side)
{
    expect_plan2("select * from t left join u on t.a = u.a and u.x = 'k' where t.b > 3",
                 "HASH_JOIN LEFT keys=#0=#0\n"
                 "  SCAN t cols=[a,b,c,d,e,f,g] pred(c1 > 3:BIGINT) filter=(#1 > 3:BIGINT)\n"
                 "  SCAN u cols=[a,x] pred(c1 = k:VARCHAR) filter=(#1 = 'k')\n");
    /* a WHERE condition on the nullable side filters after the join */
    expect_plan2("select t.a from t left join u on t.a = u.a where u.x is null",
                 "PROJECT #0\n  FILTER #2 IS NULL\n    HASH_JOIN LEFT keys=#0=#0\n"
                 "      SCAN t cols=[a]\n      SCAN u cols=[a,x]\n");
    /* an ON condition on the preserved side stays in the join condition */
    expect_plan2("select t.a from t left join u on t.a = u.a and t.b > 1",
                 "PROJECT #0\n  HASH_JOIN LEFT keys=#0=#0 cond=(#1 > 1:BIGINT)\n"
                 "    SCAN t cols=[a,b]\n    SCAN u cols=[a]\n");
}

Test(planner, right_join_is_a_mirrored_left_join)
{
    expect_plan2("select t.a, u.x from t right join u on t.a = u.a",
                 "PROJECT #2, #1\n  HASH_JOIN LEFT keys=#0=#0\n    SCAN u cols=[a,x]\n"
                 "    SCAN t cols=[a]\n");
}

Test(planner, tpch_q18_in_subquery_becomes_semi_join_on_orders)
{
    expect_plan2(
        "select c_name, o_orderkey, sum(l_quantity) from customer, orders, lineitem "
        "where o_orderkey in (select l_orderkey from lineitem group by l_orderkey "
        "having sum(l_quantity) > 300) and c_custkey = o_custkey and o_orderkey = l_orderkey "
        "group by c_name, o_orderkey order by 2 limit 100",
        "TOPN keys=[#1] limit=100 offset=0\n"
        "  AGGREGATE groups=[#1, #2] aggs=[sum(#5)]\n"
        "    HASH_JOIN INNER keys=#2=#0 build_left\n"
        "      HASH_JOIN INNER keys=#0=#1 build_left\n"
        "        SCAN customer cols=[c_custkey,c_name]\n"
        "        HASH_JOIN SEMI keys=#0=#0\n"
        "          SCAN orders cols=[o_orderkey,o_custkey]\n"
        "          PROJECT #0\n"
        "            FILTER (#1 > 300.00:DECIMAL(18,2))\n"
        "              AGGREGATE groups=[#0] aggs=[sum(#1)]\n"
        "                SCAN lineitem cols=[l_orderkey,l_quantity]\n"
        "      SCAN lineitem cols=[l_orderkey,l_quantity]\n");
}

Test(planner, exists_and_not_exists_become_semi_and_anti_joins)
{
    expect_plan2("select a from t where exists (select 1 from u where u.a = t.a and u.x = 'k')",
                 "HASH_JOIN SEMI keys=#0=#0\n  SCAN t cols=[a]\n  PROJECT #0\n"
                 "    SCAN u cols=[a,x] pred(c1 = k:VARCHAR) filter=(#1 = 'k')\n");
    expect_plan2("select a from t where not exists (select * from u where u.a = t.a)",
                 "HASH_JOIN ANTI keys=#0=#0\n  SCAN t cols=[a]\n  SCAN u cols=[key]\n");
    expect_plan2("select a from t where c in (select x from u where u.a = t.a)",
                 "PROJECT #0\n  HASH_JOIN SEMI keys=#0=#1, #1=#0\n    SCAN t cols=[a,c]\n"
                 "    PROJECT #1, #0\n      SCAN u cols=[a,x]\n");
}

Test(planner, correlated_scalar_aggregate_becomes_left_join_with_grouped_aggregate)
{
    expect_plan2("select a from t where d > (select avg(a) from u where u.a = t.a)",
                 "PROJECT #0\n  FILTER (#1 > #2)\n    HASH_JOIN LEFT keys=#0=#1\n"
                 "      SCAN t cols=[a,d]\n      PROJECT #1, #0\n"
                 "        AGGREGATE groups=[#0] aggs=[avg(#0)]\n          SCAN u cols=[a]\n");
    expect_plan2("select a from t where d > (select count(*) from u where u.a = t.a)",
                 "PROJECT #0\n  FILTER (#1 > CAST(coalesce(#2, 0:BIGINT) AS DOUBLE))\n"
                 "    HASH_JOIN LEFT keys=#0=#1\n      SCAN t cols=[a,d]\n      PROJECT #1, #0\n"
                 "        AGGREGATE groups=[#0] aggs=[count_star()]\n          SCAN u cols=[a]\n");
}

Test(planner, other_correlations_stay_parameterized_subqueries)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    const floe_plan *scan;
    const floe_expr *sq;
    /* count() gives 0 on no rows: only a bare count is decorrelated */
    expect_plan2("select a from t where d > (select count(*) + 1 from u where u.a = t.a)",
                 "PROJECT #0\n  SCAN t cols=[a,d] filter=(#1 > CAST(SUBQ(scalar correlated "
                 "args=#0) AS DOUBLE))\n");
    expect_plan2("select a from t where exists (select 1 from u where u.a > t.a)",
                 "SCAN t cols=[a] filter=SUBQ(exists correlated args=#0)\n");
    cr_assert_eq(bind_sql("select a from t where exists (select 1 from u where u.a > t.a)", &s,
                          &err),
                 FLOE_OK, "%s", err.msg);
    scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    sq = scan->u.scan.filter;
    cr_assert_eq(sq->kind, FLOE_EXPR_SUBQUERY);
    cr_expect(sq->correlated);
    cr_expect_eq(sq->nparams, 1);
    /* inside the subplan the outer column is PARAM 0 */
    {
        const floe_plan *in = find_node(sq->subplan, FLOE_PLAN_SCAN);
        cr_assert_not_null(in->u.scan.filter);
        cr_expect_eq(in->u.scan.filter->args[1]->kind, FLOE_EXPR_PARAM);
        cr_expect_eq(in->u.scan.filter->args[1]->index, 0);
    }
    floe_bound_stmt_free(s);
    /* NOT IN keeps its NULL semantics as a subquery expression */
    expect_plan2("select a from t where a not in (select a from u)",
                 "SCAN t cols=[a] filter=SUBQ(NOT in args=#0)\n");
    /* uncorrelated scalar subquery: computed once */
    expect_plan2("select a from t where b = (select max(a) from u)",
                 "PROJECT #0\n  SCAN t cols=[a,b] filter=(#1 = CAST(SUBQ(scalar) AS BIGINT))\n");
}

Test(planner, semi_join_of_uncorrelated_in_is_pushed_to_its_table)
{
    expect_plan2("select * from t where a in (select a from u)",
                 "HASH_JOIN SEMI keys=#0=#0\n  SCAN t cols=[a,b,c,d,e,f,g]\n  SCAN u cols=[a]\n");
}

Test(planner, estimates_shrink_with_filters)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    const floe_plan *scan;
    cr_assert_eq(bind_sql("select a from t where a = 1", &s, &err), FLOE_OK, "%s", err.msg);
    scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    cr_expect(scan->est_rows < 1000 && scan->est_rows >= 1, "est %g", scan->est_rows);
    floe_bound_stmt_free(s);
}

Test(planner, filters_over_subqueries_are_pushed_inside)
{
    /* through AGGREGATE on group columns only */
    expect_plan2("select * from (select a, count(*) as n from t group by a) s where a = 3 and n > 2",
                 "FILTER (#1 > 2:BIGINT)\n  AGGREGATE groups=[#0] aggs=[count_star()]\n"
                 "    SCAN t cols=[a] pred(c0 = 3:INTEGER) filter=(#0 = 3:INTEGER)\n");
    /* into every branch of UNION ALL */
    expect_plan2("select * from (select a from t union all select a from u) s where a > 5",
                 "UNION_ALL\n  SCAN t cols=[a] pred(c0 > 5:INTEGER) filter=(#0 > 5:INTEGER)\n"
                 "  SCAN u cols=[a] pred(c0 > 5:INTEGER) filter=(#0 > 5:INTEGER)\n");
    /* through a projection, inlining its expressions */
    expect_plan2("select y from (select a + 1 as y, c from t) s where y = 3 and c like 'k%'",
                 "PROJECT #0\n  PROJECT (#0 + 1:INTEGER), #1\n"
                 "    SCAN t cols=[a,c] filter=(((#0 + 1:INTEGER) = 3:INTEGER) AND #1 LIKE 'k%')\n");
    /* never below a LIMIT */
    expect_plan2("select * from (select a from t limit 5) s where a = 1",
                 "FILTER (#0 = 1:INTEGER)\n  LIMIT limit=5 offset=0\n    SCAN t cols=[a]\n");
    /* CTE with column aliases */
    expect_plan2("with q(x, y) as (select a, c from t) select y from q where x = 1",
                 "PROJECT #1\n  SCAN t cols=[a,c] pred(c0 = 1:INTEGER) filter=(#0 = 1:INTEGER)\n");
}

Test(planner, subqueries_and_ctes_produce_only_the_columns_read)
{
    expect_plan2("with q as (select * from t where a > 1) select sum(b) from q",
                 "AGGREGATE groups=[] aggs=[sum(#1)]\n"
                 "  SCAN t cols=[a,b] pred(c0 > 1:INTEGER) filter=(#0 > 1:INTEGER)\n");
    /* unused aggregates go; the sort key stays */
    expect_plan2("select s.n from (select c, count(*) as n, sum(b) as sb, max(d) from t group by c "
                 "order by sb limit 3) s",
                 "PROJECT #1\n  TOPN keys=[#2] limit=3 offset=0\n"
                 "    AGGREGATE groups=[#1] aggs=[count_star(), sum(#0)]\n      SCAN t cols=[b,c]\n");
    expect_plan2("select count(*) from (select a, b + 1 as y, c from t) s",
                 "AGGREGATE groups=[] aggs=[count_star()]\n  PROJECT #0\n    SCAN t cols=[a]\n");
    /* DISTINCT depends on every column: kept whole */
    expect_plan2("select x from (select distinct a as x, c from t) s",
                 "PROJECT #0\n  DISTINCT\n    SCAN t cols=[x,c]\n");
}
