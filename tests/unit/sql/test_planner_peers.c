/* tests/unit/sql/test_planner_peers.c: the peer benchmark queries (TPC-H
 * subset and the events workload, as DuckDB runs them) bind against a
 * TPC-H + events catalog, with the plan shapes that matter for speed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <strings.h>

#include "binder_testlib.h"

static const struct {
    const char *name;
    const char *sql;
} peer_queries[] = {
#include "test_parser_queries.inc"
};

#define I32 {FLOE_TYPE_INTEGER, 0, 0}
#define I64 {FLOE_TYPE_BIGINT, 0, 0}
#define STR {FLOE_TYPE_VARCHAR, 0, 0}
#define DT {FLOE_TYPE_DATE, 0, 0}
#define TS {FLOE_TYPE_TIMESTAMP, 0, 0}
#define DBL {FLOE_TYPE_DOUBLE, 0, 0}
#define MONEY {FLOE_TYPE_DECIMAL, 15, 2}
#define C(n, t) {n, t, false, false, {{FLOE_TYPE_NULL, 0, 0}, true, {0}}}

typedef struct ptable {
    const char *name;
    floe_cat_column cols[16];
    uint32_t ncols;
    double nrows;
} ptable;

static ptable ptables[] = {
    {"lineitem",
     {C("l_orderkey", I64), C("l_partkey", I64), C("l_suppkey", I64), C("l_linenumber", I32),
      C("l_quantity", MONEY), C("l_extendedprice", MONEY), C("l_discount", MONEY),
      C("l_tax", MONEY), C("l_returnflag", STR), C("l_linestatus", STR), C("l_shipdate", DT),
      C("l_commitdate", DT), C("l_receiptdate", DT), C("l_shipinstruct", STR),
      C("l_shipmode", STR), C("l_comment", STR)},
     16,
     6000000},
    {"orders",
     {C("o_orderkey", I64), C("o_custkey", I64), C("o_orderstatus", STR), C("o_totalprice", MONEY),
      C("o_orderdate", DT), C("o_orderpriority", STR), C("o_clerk", STR),
      C("o_shippriority", I32), C("o_comment", STR)},
     9,
     1500000},
    {"customer",
     {C("c_custkey", I64), C("c_name", STR), C("c_address", STR), C("c_nationkey", I32),
      C("c_phone", STR), C("c_acctbal", MONEY), C("c_mktsegment", STR), C("c_comment", STR)},
     8,
     150000},
    {"part",
     {C("p_partkey", I64), C("p_name", STR), C("p_mfgr", STR), C("p_brand", STR), C("p_type", STR),
      C("p_size", I32), C("p_container", STR), C("p_retailprice", MONEY), C("p_comment", STR)},
     9,
     200000},
    {"supplier",
     {C("s_suppkey", I64), C("s_name", STR), C("s_address", STR), C("s_nationkey", I32),
      C("s_phone", STR), C("s_acctbal", MONEY), C("s_comment", STR)},
     7,
     10000},
    {"nation",
     {C("n_nationkey", I32), C("n_name", STR), C("n_regionkey", I32), C("n_comment", STR)},
     4,
     25},
    {"region", {C("r_regionkey", I32), C("r_name", STR), C("r_comment", STR)}, 3, 5},
    {"events",
     {C("ts", TS), C("user_id", I64), C("event_type", STR), C("country", STR), C("device", STR),
      C("duration_ms", I32), C("revenue", DBL), C("url", STR)},
     8,
     10000000},
};
#define NPT (sizeof ptables / sizeof ptables[0])

/* Distinct-value estimates the api may supply (TPC-H truth for the keys). */
static bool use_ndv;
static const double orders_ndv[9] = {1500000, 100000, 3, 0, 2406, 5, 1000, 1, 0};

static int p_find(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    uint32_t i;
    (void)self;
    (void)err;
    for (i = 0; i < NPT; i++)
        if (strcasecmp(ptables[i].name, name) == 0) {
            out->name = ptables[i].name;
            out->cols = ptables[i].cols;
            out->ncols = ptables[i].ncols;
            out->nrows = ptables[i].nrows;
            out->table_ref = &ptables[i];
            out->ndv = use_ndv && strcmp(ptables[i].name, "orders") == 0 ? orders_ndv : NULL;
            return FLOE_OK;
        }
    return FLOE_NOTFOUND;
}
static uint32_t p_count(void *self)
{
    (void)self;
    return NPT;
}
static const char *p_name(void *self, uint32_t i)
{
    (void)self;
    return ptables[i].name;
}
static const floe_sql_catalog peer_cat = {NULL, p_find, p_count, p_name, NULL, NULL};

static floe_bound_stmt *bind_peer(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof peer_queries / sizeof peer_queries[0]; i++)
        if (strcmp(peer_queries[i].name, name) == 0) {
            floe_parser *p = NULL;
            floe_ast_stmt *st = NULL;
            floe_bound_stmt *s = NULL;
            floe_err err = FLOE_ERR_INIT;
            const char *sql = peer_queries[i].sql;
            cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), &p, &st, &err), FLOE_OK, "%s",
                         err.msg);
            cr_assert_eq(floe_bind_statement(st, sql, &peer_cat, TEST_NOW_US, &s, &err), FLOE_OK,
                         "%s: %s", name, err.msg);
            floe_parser_free(p);
            return s;
        }
    cr_assert_fail("no query %s", name);
    return NULL;
}

static int count_kind(const floe_plan *p, floe_plan_kind k)
{
    uint32_t i;
    int n = p->kind == k;
    for (i = 0; i < p->nchildren; i++) n += count_kind(p->children[i], k);
    return n;
}

Test(planner_peers, every_peer_query_binds)
{
    size_t i;
    for (i = 0; i < sizeof peer_queries / sizeof peer_queries[0]; i++) {
        floe_bound_stmt *s = bind_peer(peer_queries[i].name);
        cr_expect_eq(s->kind, FLOE_BOUND_QUERY);
        if (getenv("FLOE_TEST_DUMP")) { /* debugging aid: print every plan */
            char *t = plan_text(s);
            fprintf(stderr, "== %s\n%s", peer_queries[i].name, t);
            floe_free(t);
        }
        cr_expect_eq(count_kind(s->plan->root, FLOE_PLAN_NL_JOIN), 0, "%s has a cross product",
                     peer_queries[i].name);
        floe_bound_stmt_free(s);
    }
}

Test(planner_peers, q1_shape)
{
    floe_bound_stmt *s = bind_peer("tpch_q1");
    const floe_plan *scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    const floe_plan *agg = find_node(s->plan->root, FLOE_PLAN_AGGREGATE);
    char *n = col_names(s);
    cr_assert_not_null(scan);
    cr_expect_eq(scan->ncols, 7, "reads only the 7 columns used");
    cr_assert_eq(scan->u.scan.npreds, 1);
    cr_expect_eq(scan->u.scan.preds[0].op, FLOE_PRED_LE);
    cr_expect_eq(scan->u.scan.preds[0].value.type.id, FLOE_TYPE_DATE);
    cr_expect_eq(agg->u.agg.ngroups, 2);
    cr_expect_eq(agg->u.agg.naggs, 8, "one per distinct aggregate");
    cr_expect_eq(s->plan->root->kind, FLOE_PLAN_SORT);
    cr_expect_str_eq(n, "l_returnflag,l_linestatus,sum_qty,sum_base_price,sum_disc_price,"
                        "sum_charge,avg_qty,avg_price,avg_disc,count_order");
    floe_free(n);
    floe_bound_stmt_free(s);
}

Test(planner_peers, q6_all_predicates_pushed)
{
    floe_bound_stmt *s = bind_peer("tpch_q6");
    const floe_plan *scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    cr_expect_eq(scan->u.scan.npreds, 5);
    cr_expect_eq(scan->ncols, 4);
    floe_bound_stmt_free(s);
}

Test(planner_peers, q5_starts_from_region_and_never_crosses)
{
    floe_bound_stmt *s = bind_peer("tpch_q5");
    const floe_plan *p = s->plan->root;
    cr_expect_eq(count_kind(p, FLOE_PLAN_HASH_JOIN), 5);
    /* the leftmost leaf is the most selective small table */
    while (p->nchildren) p = p->children[0];
    cr_expect_str_eq(p->u.scan.table_name, "region");
    {
        /* joins follow keys (lookups), never the many-to-many nationkey
         * equality alone: customer comes last, joined on two keys */
        const floe_plan *top = find_node(s->plan->root, FLOE_PLAN_HASH_JOIN);
        cr_expect_eq(top->u.join.nkeys, 2);
        cr_expect_str_eq(top->children[1]->u.scan.table_name, "customer");
    }
    floe_bound_stmt_free(s);
}

Test(planner_peers, q18_semi_join_and_topn)
{
    floe_bound_stmt *s = bind_peer("tpch_q18");
    const floe_plan *j = s->plan->root;
    cr_expect_eq(j->kind, FLOE_PLAN_TOPN);
    cr_expect_eq(j->u.sort.limit, 100);
    cr_assert_eq(count_kind(s->plan->root, FLOE_PLAN_HASH_JOIN), 3);
    {
        /* exactly one SEMI join, directly over orders */
        const floe_plan *stack[32];
        int sp = 0, semis = 0;
        stack[sp++] = s->plan->root;
        while (sp) {
            const floe_plan *q = stack[--sp];
            uint32_t i;
            if (q->kind == FLOE_PLAN_HASH_JOIN && q->u.join.type == FLOE_JOIN_SEMI) {
                semis++;
                cr_expect_eq(q->children[0]->kind, FLOE_PLAN_SCAN);
                cr_expect_str_eq(q->children[0]->u.scan.table_name, "orders");
            }
            for (i = 0; i < q->nchildren && sp < 32; i++) stack[sp++] = q->children[i];
        }
        cr_expect_eq(semis, 1);
    }
    floe_bound_stmt_free(s);
}

Test(planner_peers, events_queries)
{
    floe_bound_stmt *s = bind_peer("ev_last_hour_per_minute");
    const floe_plan *scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    char *n = col_names(s);
    cr_expect_str_eq(n, "minute,n");
    cr_assert_not_null(scan->u.scan.filter);
    cr_expect_eq(scan->u.scan.filter->args[1]->kind, FLOE_EXPR_SUBQUERY);
    cr_expect(!scan->u.scan.filter->args[1]->correlated);
    floe_free(n);
    floe_bound_stmt_free(s);

    s = bind_peer("ev_top_urls");
    cr_expect_eq(s->plan->root->kind, FLOE_PLAN_TOPN);
    floe_bound_stmt_free(s);

    s = bind_peer("ev_ts_range_1pct");
    scan = find_node(s->plan->root, FLOE_PLAN_SCAN);
    cr_expect_eq(scan->u.scan.npreds, 2);
    cr_expect_eq(scan->u.scan.preds[0].value.type.id, FLOE_TYPE_TIMESTAMP);
    floe_bound_stmt_free(s);

    s = bind_peer("ev_distinct_users");
    cr_expect(find_node(s->plan->root, FLOE_PLAN_AGGREGATE)->u.agg.aggs[0].distinct);
    floe_bound_stmt_free(s);
}

Test(planner_peers, catalog_ndv_drives_many_to_many_estimates)
{
    /* a self-join on a non-key column estimates |L||R| / max(ndv): an
     * unknown ndv is taken as at most 100 (pessimistic), a catalog estimate
     * replaces it */
    floe_err err = FLOE_ERR_INIT;
    floe_parser *p = NULL;
    floe_ast_stmt *st = NULL;
    floe_bound_stmt *s1 = NULL, *s2 = NULL;
    const char *sql = "select count(*) from orders o1, orders o2 where o1.o_custkey = o2.o_custkey";
    const floe_plan *j1, *j2;
    cr_assert_eq(floe_parser_parse_one(sql, strlen(sql), &p, &st, &err), FLOE_OK, "%s", err.msg);
    use_ndv = false;
    cr_assert_eq(floe_bind_statement(st, sql, &peer_cat, 0, &s1, &err), FLOE_OK, "%s", err.msg);
    use_ndv = true;
    cr_assert_eq(floe_bind_statement(st, sql, &peer_cat, 0, &s2, &err), FLOE_OK, "%s", err.msg);
    use_ndv = false;
    j1 = find_node(s1->plan->root, FLOE_PLAN_HASH_JOIN);
    j2 = find_node(s2->plan->root, FLOE_PLAN_HASH_JOIN);
    cr_expect_eq(j1->est_rows, 1500000.0 * 1500000.0 / 100);
    cr_expect_eq(j2->est_rows, 1500000.0 * 1500000.0 / 100000);
    floe_bound_stmt_free(s1);
    floe_bound_stmt_free(s2);
    floe_parser_free(p);
}
