/* tests/unit/engine/test_exec_oom.c: fail the Nth allocation for every N of
 * a query using joins, aggregation (with DISTINCT and quantiles), sort and
 * top-N: each run ends in FLOE_OK or FLOE_NOMEM, never a crash, and frees
 * everything it allocated (t_run checks floe_mem_live). */
#include "test_exec_data.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};
static const floe_type T_STR = {FLOE_TYPE_VARCHAR, 0, 0};

static floe_plan *build_query(floe_query_plan *qp, tdata *L, tdata *R)
{
    uint32_t lcols[3] = {0, 1, 3}, rcols[2] = {0, 5};
    floe_type jt[5] = {T_BIG, T_BIG, T_STR, T_BIG, T_BIG};
    floe_plan *j = t_node(qp, FLOE_PLAN_HASH_JOIN, 5, jt, 2);
    floe_type at[4] = {T_STR, T_BIG, T_BIG, T_BIG};
    floe_plan *agg = t_node(qp, FLOE_PLAN_AGGREGATE, 4, at, 1);
    floe_plan *top = t_node(qp, FLOE_PLAN_TOPN, 4, at, 1);
    floe_agg *a;
    j->children[0] = t_scan(qp, 0, &L->src[0], 3, lcols);
    j->children[1] = t_scan(qp, 1, &R->src[0], 2, rcols);
    j->u.join.type = FLOE_JOIN_LEFT;
    j->u.join.nkeys = 1;
    j->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    j->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    j->u.join.left_keys[0] = t_col(qp, 0, T_BIG);
    j->u.join.right_keys[0] = t_col(qp, 0, T_BIG);
    agg->children[0] = j;
    agg->u.agg.ngroups = 1;
    agg->u.agg.groups = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    agg->u.agg.groups[0] = t_col(qp, 2, T_STR);
    agg->u.agg.naggs = 3;
    a = agg->u.agg.aggs = floe_arena_alloc(qp->arena, 3 * sizeof(floe_agg));
    memset(a, 0, 3 * sizeof(floe_agg));
    a[0].fn = FLOE_AGG_SUM;
    a[0].arg = t_col(qp, 1, T_BIG);
    a[0].type = T_BIG;
    a[1].fn = FLOE_AGG_COUNT;
    a[1].distinct = true;
    a[1].arg = t_col(qp, 4, T_BIG);
    a[1].type = T_BIG;
    a[2].fn = FLOE_AGG_QUANTILE;
    a[2].param = 0.5;
    a[2].arg = t_col(qp, 1, T_BIG);
    a[2].type = T_BIG;
    top->children[0] = agg;
    top->u.sort.nkeys = 1;
    top->u.sort.keys = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
    memset(top->u.sort.keys, 0, sizeof(floe_sort_key));
    top->u.sort.keys[0].col = 0;
    top->u.sort.limit = 5;
    return top;
}

static void sweep(floe_query_plan *qp, floe_table_scan *tables, uint32_t ntables)
{
    tres ref, res;
    floe_err err = FLOE_ERR_INIT;
    uint32_t nt;
    int64_t n;
    cr_assert_eq(t_run(qp, tables, ntables, 1, 0, NULL, &ref, &err), FLOE_OK, "%s", err.msg);
    cr_assert(ref.n > 0);
    for (nt = 1; nt <= 2; nt++) {
        int ok = 0;
        for (n = 0; n < 20000 && !ok; n += (n < 300 ? 1 : 7)) {
            int rc;
            floe_err e2 = FLOE_ERR_INIT;
            floe_mem_fail_after(n, 1);
            rc = t_run(qp, tables, ntables, nt, 0, NULL, &res, &e2);
            floe_mem_fail_after(-1, 0);
            cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "fail after %lld: rc %d %s", (long long)n, rc, e2.msg);
            if (rc == FLOE_OK) {
                uint64_t i;
                uint32_t c;
                ok = 1;
                cr_assert_eq(res.n, ref.n);
                if (qp->root->kind != FLOE_PLAN_TOPN && qp->root->kind != FLOE_PLAN_SORT) {
                    tres_sort(&res);
                    tres_sort(&ref);
                }
                for (i = 0; i < res.n; i++)
                    for (c = 0; c < res.ncols; c++) {
                        cr_assert_eq(tres_at(&res, i, c)->is_null, tres_at(&ref, i, c)->is_null);
                        if (!tres_at(&res, i, c)->is_null)
                            cr_assert_eq(floe_value_cmp(tres_at(&res, i, c), tres_at(&ref, i, c)), 0);
                    }
            }
            tres_free(&res);
        }
        cr_assert(ok, "never succeeded");
    }
    tres_free(&ref);
}

Test(exec_oom, join_aggregate_topn_query)
{
    tdata L, R;
    floe_query_plan *qp;
    floe_table_scan tables[2];
    td_init(&L, 3000, 5, 700);
    td_init(&R, 200, 6, 60);
    tables[0] = L.table;
    tables[1] = R.table;
    qp = floe_query_plan_new();
    qp->root = build_query(qp, &L, &R);
    sweep(qp, tables, 2);
    floe_query_plan_free(qp);
    td_free(&L);
    td_free(&R);
}

/* SORT(UNION_ALL(NL_JOIN ANTI with cond, DISTINCT(scan), VALUES)) */
Test(exec_oom, sort_union_nljoin_distinct_values_query)
{
    tdata L, R;
    floe_query_plan *qp;
    floe_table_scan tables[2];
    uint32_t cols[2] = {0, 5}, k;
    floe_type ty[2] = {T_BIG, T_BIG};
    floe_plan *u, *j, *d, *v, *srt;
    floe_expr *cond;
    td_init(&L, 1500, 7, 300);
    td_init(&R, 100, 8, 30);
    tables[0] = L.table;
    tables[1] = R.table;
    qp = floe_query_plan_new();
    j = t_node(qp, FLOE_PLAN_NL_JOIN, 2, ty, 2);
    j->children[0] = t_scan(qp, 0, &L.src[0], 2, cols);
    j->children[1] = t_scan(qp, 1, &R.src[0], 2, cols);
    j->u.join.type = FLOE_JOIN_ANTI;
    cond = floe_arena_alloc(qp->arena, sizeof *cond);
    memset(cond, 0, sizeof *cond);
    cond->kind = FLOE_EXPR_CALL;
    cond->fn = FLOE_FN_EQ;
    cond->type = floe_type_make(FLOE_TYPE_BOOLEAN);
    cond->nargs = 2;
    cond->args = floe_arena_alloc(qp->arena, 2 * sizeof(floe_expr *));
    cond->args[0] = t_col(qp, 0, T_BIG);
    cond->args[1] = t_col(qp, 2, T_BIG);
    j->u.join.cond = cond;
    d = t_node(qp, FLOE_PLAN_DISTINCT, 2, ty, 1);
    d->children[0] = t_scan(qp, 1, &R.src[0], 2, cols);
    v = t_node(qp, FLOE_PLAN_VALUES, 2, ty, 0);
    v->u.values.nrows = 3;
    v->u.values.cells = floe_arena_alloc(qp->arena, 6 * sizeof(floe_expr *));
    for (k = 0; k < 6; k++) v->u.values.cells[k] = t_const_i(qp, T_BIG, (int64_t)k * 1000, k == 4);
    u = t_node(qp, FLOE_PLAN_UNION_ALL, 2, ty, 3);
    u->children[0] = j;
    u->children[1] = d;
    u->children[2] = v;
    srt = t_node(qp, FLOE_PLAN_SORT, 2, ty, 1);
    srt->children[0] = u;
    srt->u.sort.nkeys = 2;
    srt->u.sort.keys = floe_arena_alloc(qp->arena, 2 * sizeof(floe_sort_key));
    memset(srt->u.sort.keys, 0, 2 * sizeof(floe_sort_key));
    srt->u.sort.keys[0].col = 1;
    srt->u.sort.keys[1].col = 0;
    srt->u.sort.keys[1].desc = true;
    srt->u.sort.limit = -1;
    qp->root = srt;
    sweep(qp, tables, 2);
    floe_query_plan_free(qp);
    td_free(&L);
    td_free(&R);
}
