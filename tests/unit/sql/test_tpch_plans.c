/* tests/unit/sql/test_tpch_plans.c: the 22 TPC-H queries of floe-bench
 * (bench/bench_queries.c, included below so the texts are the bench's own)
 * bind, and their plans never re-run a subquery per row (no correlated
 * SUBQUERY expression: Q2, Q4, Q17, Q20, Q21, Q22 are decorrelated into
 * joins) and never join by a cross product when an equality connects the
 * sides (Q19's join key inside an OR of conjunctions is factored out; Q7,
 * Q8, Q9 follow their equalities). Q15's CTE, used twice, is one shared
 * plan. */
#include <criterion/criterion.h>
#include <strings.h>

#include "binder_testlib.h"

/* the bench's query table (static data and two lookup functions) */
#include "bench/bench_queries.c"

#define I32 {FLOE_TYPE_INTEGER, 0, 0}
#define I64 {FLOE_TYPE_BIGINT, 0, 0}
#define STR {FLOE_TYPE_VARCHAR, 0, 0}
#define DT {FLOE_TYPE_DATE, 0, 0}
#define DBL {FLOE_TYPE_DOUBLE, 0, 0}
#define C(n, t) {n, t, false, false, {{FLOE_TYPE_NULL, 0, 0}, true, {0}}}

typedef struct ttable {
    const char *name;
    floe_cat_column cols[16];
    uint32_t ncols;
    double nrows;
} ttable;

/* bench/bench_data.c's schemas, SF1 row counts */
static ttable ttables[] = {
    {"lineitem",
     {C("l_orderkey", I64), C("l_partkey", I64), C("l_suppkey", I64), C("l_linenumber", I32),
      C("l_quantity", DBL), C("l_extendedprice", DBL), C("l_discount", DBL), C("l_tax", DBL),
      C("l_returnflag", STR), C("l_linestatus", STR), C("l_shipdate", DT), C("l_commitdate", DT),
      C("l_receiptdate", DT), C("l_shipinstruct", STR), C("l_shipmode", STR), C("l_comment", STR)},
     16,
     6000000},
    {"orders",
     {C("o_orderkey", I64), C("o_custkey", I64), C("o_orderstatus", STR), C("o_totalprice", DBL),
      C("o_orderdate", DT), C("o_orderpriority", STR), C("o_clerk", STR), C("o_shippriority", I32),
      C("o_comment", STR)},
     9,
     1500000},
    {"customer",
     {C("c_custkey", I64), C("c_name", STR), C("c_address", STR), C("c_nationkey", I32),
      C("c_phone", STR), C("c_acctbal", DBL), C("c_mktsegment", STR), C("c_comment", STR)},
     8,
     150000},
    {"part",
     {C("p_partkey", I64), C("p_name", STR), C("p_mfgr", STR), C("p_brand", STR), C("p_type", STR),
      C("p_size", I32), C("p_container", STR), C("p_retailprice", DBL), C("p_comment", STR)},
     9,
     200000},
    {"supplier",
     {C("s_suppkey", I64), C("s_name", STR), C("s_address", STR), C("s_nationkey", I32),
      C("s_phone", STR), C("s_acctbal", DBL), C("s_comment", STR)},
     7,
     10000},
    {"partsupp",
     {C("ps_partkey", I64), C("ps_suppkey", I64), C("ps_availqty", I32), C("ps_supplycost", DBL),
      C("ps_comment", STR)},
     5,
     800000},
    {"nation",
     {C("n_nationkey", I32), C("n_name", STR), C("n_regionkey", I32), C("n_comment", STR)},
     4,
     25},
    {"region", {C("r_regionkey", I32), C("r_name", STR), C("r_comment", STR)}, 3, 5},
};
#define NTT (sizeof ttables / sizeof ttables[0])

static int t_find(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    uint32_t i;
    (void)self;
    (void)err;
    for (i = 0; i < NTT; i++)
        if (strcasecmp(ttables[i].name, name) == 0) {
            out->name = ttables[i].name;
            out->cols = ttables[i].cols;
            out->ncols = ttables[i].ncols;
            out->nrows = ttables[i].nrows;
            out->table_ref = &ttables[i];
            out->ndv = NULL;
            return FLOE_OK;
        }
    return FLOE_NOTFOUND;
}
static uint32_t t_count(void *self)
{
    (void)self;
    return NTT;
}
static const char *t_name(void *self, uint32_t i)
{
    (void)self;
    return ttables[i].name;
}
static const floe_sql_catalog tpch_cat = {NULL, t_find, t_count, t_name, NULL, NULL};

typedef struct shape {
    int correlated; /* SUBQUERY expressions with parameters */
    int nl_joins;   /* NL_JOIN nodes */
    int cte_scans;
    const floe_plan *cte_def;
    int cte_defs;   /* distinct CTE definitions */
} shape;

static void walk_plan(const floe_plan *p, shape *s);

static void walk_expr(const floe_expr *e, shape *s)
{
    uint32_t i;
    if (e == NULL) return;
    if (e->kind == FLOE_EXPR_SUBQUERY) {
        if (e->nparams > 0 || e->correlated) s->correlated++;
        walk_plan(e->subplan, s);
    }
    for (i = 0; i < e->nargs; i++) walk_expr(e->args[i], s);
}

static void walk_plan(const floe_plan *p, shape *s)
{
    uint32_t i;
    switch (p->kind) {
    case FLOE_PLAN_SCAN: walk_expr(p->u.scan.filter, s); break;
    case FLOE_PLAN_FILTER: walk_expr(p->u.filter.pred, s); break;
    case FLOE_PLAN_PROJECT:
        for (i = 0; i < p->ncols; i++) walk_expr(p->u.project.exprs[i], s);
        break;
    case FLOE_PLAN_AGGREGATE:
        for (i = 0; i < p->u.agg.ngroups; i++) walk_expr(p->u.agg.groups[i], s);
        for (i = 0; i < p->u.agg.naggs; i++) {
            walk_expr(p->u.agg.aggs[i].arg, s);
            walk_expr(p->u.agg.aggs[i].arg2, s);
            walk_expr(p->u.agg.aggs[i].filter, s);
        }
        break;
    case FLOE_PLAN_NL_JOIN: s->nl_joins++; /* fall through */
    case FLOE_PLAN_HASH_JOIN:
        for (i = 0; i < p->u.join.nkeys; i++) {
            walk_expr(p->u.join.left_keys[i], s);
            walk_expr(p->u.join.right_keys[i], s);
        }
        walk_expr(p->u.join.cond, s);
        break;
    case FLOE_PLAN_CTE_SCAN:
        s->cte_scans++;
        if (s->cte_def != p->u.cte.def) {
            s->cte_defs++;
            s->cte_def = p->u.cte.def;
            walk_plan(p->u.cte.def, s);
        }
        break;
    default: break;
    }
    for (i = 0; i < p->nchildren; i++) walk_plan(p->children[i], s);
}

static shape shape_of(const char *name)
{
    size_t nq, i;
    const floe_bench_query *qs = floe_bench_queries(&nq);
    shape s = {0, 0, 0, NULL, 0};
    for (i = 0; i < nq; i++)
        if (strcmp(qs[i].name, name) == 0) {
            floe_parser *p = NULL;
            floe_ast_stmt *st = NULL;
            floe_bound_stmt *b = NULL;
            floe_err err = FLOE_ERR_INIT;
            const char *sql = floe_bench_query_sql(&qs[i], "floe");
            cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), &p, &st, &err), FLOE_OK, "%s: %s",
                         name, err.msg);
            cr_assert_eq(floe_bind_statement(st, sql, &tpch_cat, TEST_NOW_US, &b, &err), FLOE_OK,
                         "%s: %s", name, err.msg);
            walk_plan(b->plan->root, &s);
            floe_bound_stmt_free(b);
            floe_parser_free(p);
            return s;
        }
    cr_assert_fail("no query %s", name);
    return s;
}

Test(tpch_plans, all_22_bind_without_per_row_subqueries_or_cross_products)
{
    int q, n = 0;
    for (q = 1; q <= 22; q++) {
        char name[16];
        shape s;
        snprintf(name, sizeof name, "tpch_q%d", q);
        s = shape_of(name);
        cr_expect_eq(s.correlated, 0, "%s re-runs a correlated subquery per row", name);
        cr_expect_eq(s.nl_joins, 0, "%s joins by a nested loop", name);
        n++;
    }
    cr_expect_eq(n, 22);
}

Test(tpch_plans, q15_cte_is_one_shared_plan)
{
    shape s = shape_of("tpch_q15");
    cr_expect_eq(s.cte_scans, 2, "revenue0 is read twice");
    cr_expect_eq(s.cte_defs, 1, "from one definition");
}

Test(tpch_plans, q2_q17_q20_aggregate_only_the_outer_keys)
{
    /* the outer side is read once (a CTE_SCAN for the join, one for its key
     * set) and the correlated aggregate's input is semi-joined with its keys */
    static const char *const qs[] = {"tpch_q2", "tpch_q17", "tpch_q20"};
    size_t i;
    for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        shape s = shape_of(qs[i]);
        cr_expect_geq(s.cte_scans, 2, "%s: %d CTE_SCANs", qs[i], s.cte_scans);
        cr_expect_geq(s.cte_defs, 1, "%s", qs[i]);
    }
}

Test(tpch_plans, q21_semi_and_anti_build_only_the_probe_keys)
{
    /* EXISTS / NOT EXISTS over all of lineitem wait for the joins that
     * shrink their probe side, and build only the orders it has */
    shape s = shape_of("tpch_q21");
    cr_expect_geq(s.cte_scans, 4, "%d CTE_SCANs", s.cte_scans);
}
