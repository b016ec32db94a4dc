/* tests/unit/engine/test_grouping_oom.c: fail the Nth allocation for every N
 * of an aggregation with grouping sets (ROLLUP (k, s), GROUPING, string_agg
 * with ORDER BY, first) and of a WINDOW with a GROUPS / EXCLUDE frame and a
 * segment-tree aggregate (stddev_pop), and median over whole partitions,
 * over several partitions: each run ends
 * in FLOE_OK or FLOE_NOMEM, never a crash, frees everything it allocated
 * (t_run checks floe_mem_live), and when it succeeds gives the same rows as
 * an undisturbed run, on 1 and 2 threads. */
#include "test_exec_data.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};
static const floe_type T_STR = {FLOE_TYPE_VARCHAR, 0, 0};
static const floe_type T_DBL = {FLOE_TYPE_DOUBLE, 0, 0};

static void sweep(floe_query_plan *qp, floe_table_scan *tables)
{
    tres ref, res;
    floe_err err = FLOE_ERR_INIT;
    uint32_t nt;
    int64_t n;
    cr_assert_eq(t_run(qp, tables, 1, 1, 0, NULL, &ref, &err), FLOE_OK, "%s", err.msg);
    cr_assert(ref.n > 0);
    tres_sort(&ref);
    for (nt = 1; nt <= 2; nt++) {
        int ok = 0;
        for (n = 0; n < 40000 && !ok; n += (n < 300 ? 1 : 11)) {
            int rc;
            floe_err e2 = FLOE_ERR_INIT;
            floe_mem_fail_after(n, 1);
            rc = t_run(qp, tables, 1, nt, 0, NULL, &res, &e2);
            floe_mem_fail_after(-1, 0);
            cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "fail after %lld: rc %d %s", (long long)n, rc, e2.msg);
            if (rc == FLOE_OK) {
                uint64_t i;
                uint32_t c;
                ok = 1;
                cr_assert_eq(res.n, ref.n);
                tres_sort(&res);
                for (i = 0; i < res.n; i++)
                    for (c = 0; c < res.ncols; c++) {
                        const floe_value *x = tres_at(&res, i, c), *y = tres_at(&ref, i, c);
                        cr_assert_eq(x->is_null, y->is_null);
                        if (x->is_null) continue;
                        if (x->type.id == FLOE_TYPE_DOUBLE)
                            cr_assert(x->v.d - y->v.d < 1e-6 && y->v.d - x->v.d < 1e-6);
                        else
                            cr_assert_eq(floe_value_cmp(x, y), 0);
                    }
            }
            tres_free(&res);
        }
        cr_assert(ok, "never succeeded");
    }
    tres_free(&ref);
}

/* AGGREGATE groups (k, s) sets ((k, s), (k), ()) aggs grouping(k, s),
 * count(*), string_agg(s ORDER BY t DESC), first(v ORDER BY t) */
Test(grouping_oom, rollup_grouping_string_agg_first)
{
    static const uint64_t sets[3] = {3, 1, 0};
    tdata L;
    floe_query_plan *qp;
    floe_table_scan tables[1];
    uint32_t cols[4] = {0, 1, 3, 5};
    floe_type at[6] = {T_BIG, T_STR, T_BIG, T_BIG, T_STR, T_BIG};
    floe_plan *agg;
    floe_agg *a;
    td_init(&L, 3000, 11, 500);
    tables[0] = L.table;
    qp = floe_query_plan_new();
    agg = t_node(qp, FLOE_PLAN_AGGREGATE, 6, at, 1);
    agg->children[0] = t_scan(qp, 0, &L.src[0], 4, cols);
    agg->u.agg.ngroups = 2;
    agg->u.agg.groups = floe_arena_alloc(qp->arena, 2 * sizeof(floe_expr *));
    agg->u.agg.groups[0] = t_col(qp, 0, T_BIG);
    agg->u.agg.groups[1] = t_col(qp, 2, T_STR);
    agg->u.agg.sets = sets;
    agg->u.agg.nsets = 3;
    agg->u.agg.naggs = 4;
    a = agg->u.agg.aggs = floe_arena_alloc(qp->arena, 4 * sizeof(floe_agg));
    memset(a, 0, 4 * sizeof(floe_agg));
    a[0].fn = FLOE_AGG_GROUPING;
    a[0].type = T_BIG;
    a[0].ngkeys = 2;
    a[0].gkeys = floe_arena_alloc(qp->arena, 2 * sizeof(uint32_t));
    a[0].gkeys[0] = 0;
    a[0].gkeys[1] = 1;
    a[1].fn = FLOE_AGG_COUNT_STAR;
    a[1].type = T_BIG;
    a[2].fn = FLOE_AGG_STRING_AGG;
    a[2].type = T_STR;
    a[2].arg = t_col(qp, 2, T_STR);
    a[2].norder = 1;
    a[2].order = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    a[2].order[0] = t_col(qp, 3, T_BIG);
    a[2].okeys = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
    memset(a[2].okeys, 0, sizeof(floe_sort_key));
    a[2].okeys[0].desc = true;
    a[3].fn = FLOE_AGG_FIRST;
    a[3].type = T_BIG;
    a[3].arg = t_col(qp, 1, T_BIG);
    a[3].norder = 1;
    a[3].order = a[2].order;
    a[3].okeys = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
    memset(a[3].okeys, 0, sizeof(floe_sort_key));
    qp->root = agg;
    sweep(qp, tables);
    floe_query_plan_free(qp);
    td_free(&L);
}

/* WINDOW over (k, v, d, t): stddev_pop(d) and count(v) PARTITION BY k
 * ORDER BY v GROUPS BETWEEN 1 PRECEDING AND 2 FOLLOWING EXCLUDE TIES, and
 * median(d) PARTITION BY k */
Test(grouping_oom, window_groups_exclude_tree)
{
    tdata L;
    floe_query_plan *qp;
    floe_table_scan tables[1];
    uint32_t cols[4] = {0, 1, 2, 5}, i;
    floe_type wt[7] = {T_BIG, T_BIG, T_DBL, T_BIG, T_DBL, T_BIG, T_DBL};
    floe_plan *w;
    td_init(&L, 2500, 12, 400);
    tables[0] = L.table;
    qp = floe_query_plan_new();
    w = t_node(qp, FLOE_PLAN_WINDOW, 7, wt, 1);
    w->children[0] = t_scan(qp, 0, &L.src[0], 4, cols);
    w->u.window.nfns = 3;
    w->u.window.fns = floe_arena_alloc(qp->arena, 3 * sizeof(floe_window));
    memset(w->u.window.fns, 0, 3 * sizeof(floe_window));
    for (i = 0; i < 3; i++) {
        floe_window *f = &w->u.window.fns[i];
        f->fn = FLOE_WIN_AGG;
        f->agg.fn = i == 0 ? FLOE_AGG_STDDEV_POP : i == 1 ? FLOE_AGG_COUNT : FLOE_AGG_MEDIAN;
        f->agg.type = i == 1 ? T_BIG : T_DBL;
        f->type = f->agg.type;
        f->arg = i == 1 ? 1 : 2;
        f->def = UINT32_MAX;
        f->npart = 1;
        f->part = floe_arena_alloc(qp->arena, sizeof(uint32_t));
        f->part[0] = 0;
        f->norder = 1;
        f->order = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
        memset(f->order, 0, sizeof(floe_sort_key));
        f->order[0].col = 1;
        f->groups = true;
        f->start = FLOE_WB_PRECEDING;
        f->start_off = 1;
        f->end = FLOE_WB_FOLLOWING;
        f->end_off = 2;
        f->exclude = FLOE_WX_TIES;
        if (i == 2) { /* a holistic aggregate: over the whole partition */
            f->groups = false;
            f->start = FLOE_WB_UNBOUNDED_PRECEDING;
            f->end = FLOE_WB_UNBOUNDED_FOLLOWING;
            f->exclude = FLOE_WX_NONE;
        }
    }
    qp->root = w;
    sweep(qp, tables);
    floe_query_plan_free(qp);
    td_free(&L);
}
