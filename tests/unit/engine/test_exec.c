/* tests/unit/engine/test_exec.c: SCAN (morsels, pushed predicates, filter),
 * FILTER, PROJECT, LIMIT, UNION_ALL, VALUES, subqueries, interrupt, memory
 * limit and EXPLAIN, vs plain-C references with 1 and 2 threads. */
#include "test_exec_data.h"
#include "util/strbuf.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};
static const floe_type T_BOOL = {FLOE_TYPE_BOOLEAN, 0, 0};
static const floe_type T_STR = {FLOE_TYPE_VARCHAR, 0, 0};

static floe_expr *mk_call2(floe_query_plan *qp, floe_fn fn, floe_type t, floe_expr *a, floe_expr *b)
{
    floe_expr *e = floe_arena_alloc(qp->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = FLOE_EXPR_CALL;
    e->fn = fn;
    e->type = t;
    e->nargs = 2;
    e->args = floe_arena_alloc(qp->arena, 2 * sizeof *e->args);
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static floe_plan *mk_sum_count(floe_query_plan *qp, floe_plan *child, uint32_t col)
{
    floe_type ty[2] = {T_BIG, T_BIG};
    floe_plan *p = t_node(qp, FLOE_PLAN_AGGREGATE, 2, ty, 1);
    p->children[0] = child;
    p->u.agg.naggs = 2;
    p->u.agg.aggs = floe_arena_alloc(qp->arena, 2 * sizeof(floe_agg));
    memset(p->u.agg.aggs, 0, 2 * sizeof(floe_agg));
    p->u.agg.aggs[0].fn = FLOE_AGG_SUM;
    p->u.agg.aggs[0].arg = t_col(qp, col, child->types[col]);
    p->u.agg.aggs[0].type = T_BIG;
    p->u.agg.aggs[1].fn = FLOE_AGG_COUNT_STAR;
    p->u.agg.aggs[1].type = T_BIG;
    return p;
}

Test(exec, scan_returns_every_row_of_every_source)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 25000, 1, 999);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {5, 3};
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i;
        uint8_t *seen = calloc(td.n, 1);
        qp->root = t_scan(qp, 0, &td.src[0], 2, cols);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, td.n);
        for (i = 0; i < res.n; i++) {
            uint64_t t = (uint64_t)tres_at(&res, i, 0)->v.i;
            const floe_value *s = tres_at(&res, i, 1);
            cr_assert(t < td.n && !seen[t]);
            seen[t] = 1;
            cr_assert_eq(s->is_null, td.nul[3][t] != 0);
            if (!s->is_null)
                cr_assert(s->v.s.len == td.s[t].len && memcmp(s->v.s.ptr, td.s[t].ptr, s->v.s.len) == 0);
        }
        free(seen);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(exec, filter_project_pipeline_matches_reference)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 30000, 2, 1700);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[3] = {5, 1, 3};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
        floe_plan *f = t_node(qp, FLOE_PLAN_FILTER, 3, scan->types, 1);
        floe_type pty[4] = {T_BIG, T_BIG, T_BIG, T_STR};
        floe_plan *pr = t_node(qp, FLOE_PLAN_PROJECT, 4, pty, 1);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r, nref = 0;
        int64_t sumref = 0;
        f->children[0] = scan;
        f->u.filter.pred = mk_call2(qp, FLOE_FN_GT, T_BOOL, t_col(qp, 1, T_BIG), t_const_i(qp, T_BIG, 100, 0));
        pr->children[0] = f;
        pr->u.project.exprs = floe_arena_alloc(qp->arena, 4 * sizeof(floe_expr *));
        pr->u.project.exprs[0] = t_col(qp, 0, T_BIG);
        pr->u.project.exprs[1] = mk_call2(qp, FLOE_FN_MUL, T_BIG, t_col(qp, 1, T_BIG), t_const_i(qp, T_BIG, 2, 0));
        pr->u.project.exprs[2] = t_col(qp, 0, T_BIG); /* the same column twice */
        pr->u.project.exprs[3] = t_col(qp, 2, T_STR);
        qp->root = pr;
        for (r = 0; r < td.n; r++)
            if (!td.nul[1][r] && td.v[r] > 100) {
                nref++;
                sumref += td.v[r] * 2;
            }
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, nref);
        for (i = 0; i < res.n; i++) {
            uint64_t t = (uint64_t)tres_at(&res, i, 0)->v.i;
            cr_assert_eq(tres_at(&res, i, 1)->v.i, td.v[t] * 2);
            cr_assert_eq(tres_at(&res, i, 2)->v.i, (int64_t)t);
            cr_assert_eq(tres_at(&res, i, 3)->is_null, td.nul[3][t] != 0);
        }
        tres_free(&res);
        /* the same pipeline below an aggregate runs on all workers */
        qp->root = mk_sum_count(qp, pr, 1);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 1);
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, sumref);
        cr_assert_eq(tres_at(&res, 0, 1)->v.i, (int64_t)nref);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(exec, pushed_predicates_skip_morsels_and_filter_applies)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 40000, 3, 1000);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {5};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 1, cols);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        int64_t ref = 0;
        uint64_t r;
        scan->u.scan.npreds = 1;
        scan->u.scan.preds = floe_arena_alloc(qp->arena, sizeof(floe_scan_pred));
        scan->u.scan.preds[0].col = 5;
        scan->u.scan.preds[0].op = FLOE_PRED_GE;
        scan->u.scan.preds[0].value.type = T_BIG;
        scan->u.scan.preds[0].value.is_null = false;
        scan->u.scan.preds[0].value.v.i = 35500;
        scan->u.scan.filter = mk_call2(qp, FLOE_FN_GE, T_BOOL, t_col(qp, 0, T_BIG), t_const_i(qp, T_BIG, 35500, 0));
        qp->root = mk_sum_count(qp, scan, 0);
        for (r = 35500; r < td.n; r++) ref += (int64_t)r;
        atomic_store(&td.src[0].opened, 0);
        atomic_store(&td.src[1].opened, 0);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, ref);
        cr_assert_eq(tres_at(&res, 0, 1)->v.i, (int64_t)(td.n - 35500));
        /* only the morsels holding t >= 35500 were opened: 5 of 40 */
        cr_assert_eq(atomic_load(&td.src[0].opened) + atomic_load(&td.src[1].opened), 5);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(exec, limit_and_offset_over_scan_order)
{
    tdata td;
    uint32_t nt, v;
    int64_t cases[4][2] = {{25, 3000}, {0, 0}, {-1, 19990}, {5000, 0}};
    td_init(&td, 20000, 4, 777);
    for (nt = 1; nt <= 2; nt++) {
        for (v = 0; v < 4; v++) {
            floe_query_plan *qp = floe_query_plan_new();
            uint32_t cols[1] = {5};
            floe_plan *scan = t_scan(qp, 0, &td.src[0], 1, cols);
            floe_plan *l = t_node(qp, FLOE_PLAN_LIMIT, 1, scan->types, 1);
            tres res;
            floe_err err = FLOE_ERR_INIT;
            uint64_t i, want;
            l->children[0] = scan;
            l->u.limit.limit = cases[v][0];
            l->u.limit.offset = cases[v][1];
            qp->root = l;
            want = cases[v][0] < 0 ? td.n - (uint64_t)cases[v][1] : (uint64_t)cases[v][0];
            cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(res.n, want);
            for (i = 0; i < res.n; i++) cr_assert_eq(tres_at(&res, i, 0)->v.i, cases[v][1] + (int64_t)i);
            tres_free(&res);
            floe_query_plan_free(qp);
        }
    }
    td_free(&td);
}

static floe_plan *mk_values(floe_query_plan *qp, uint32_t nrows)
{
    floe_type ty[2] = {T_BIG, T_STR};
    floe_plan *p = t_node(qp, FLOE_PLAN_VALUES, 2, ty, 0);
    uint32_t r;
    p->u.values.nrows = nrows;
    p->u.values.cells = floe_arena_alloc(qp->arena, nrows * 2 * sizeof(floe_expr *));
    for (r = 0; r < nrows; r++) {
        floe_expr *s = t_const_i(qp, T_STR, 0, r % 3 == 2);
        char *txt = floe_arena_alloc(qp->arena, 16);
        snprintf(txt, 16, "row%u", r);
        s->value.v.s.ptr = txt;
        s->value.v.s.len = (uint32_t)strlen(txt);
        p->u.values.cells[r * 2] = t_const_i(qp, T_BIG, (int64_t)r * 10, 0);
        /* a computed cell: folded by the evaluator */
        if (r == 1)
            p->u.values.cells[r * 2] = mk_call2(qp, FLOE_FN_ADD, T_BIG, t_const_i(qp, T_BIG, 4, 0),
                                                t_const_i(qp, T_BIG, 6, 0));
        p->u.values.cells[r * 2 + 1] = s;
    }
    return p;
}

Test(exec, values_and_union_all)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 5000, 5, 333);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {5, 3};
        floe_plan *u = t_node(qp, FLOE_PLAN_UNION_ALL, 2, (floe_type[]){T_BIG, T_STR}, 3);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, nvals = 0;
        int64_t sum = 0, ref = 0;
        u->children[0] = mk_values(qp, 4);
        u->children[1] = t_scan(qp, 0, &td.src[0], 2, cols);
        u->children[2] = mk_values(qp, 3000);
        qp->root = u;
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 4 + td.n + 3000);
        /* the first 4 rows are the first VALUES, in order */
        for (i = 0; i < 4; i++) {
            const floe_value *s = tres_at(&res, i, 1);
            char want[16];
            cr_assert_eq(tres_at(&res, i, 0)->v.i, (int64_t)i * 10);
            cr_assert_eq(s->is_null, i % 3 == 2);
            snprintf(want, sizeof want, "row%u", (unsigned)i);
            if (!s->is_null) cr_assert(s->v.s.len == strlen(want) && memcmp(s->v.s.ptr, want, s->v.s.len) == 0);
        }
        for (i = 0; i < res.n; i++) {
            sum += tres_at(&res, i, 0)->v.i;
            if (i >= 4 + td.n) nvals++;
        }
        for (i = 0; i < 4; i++) ref += (int64_t)i * 10;
        for (i = 0; i < td.n; i++) ref += (int64_t)i;
        for (i = 0; i < 3000; i++) ref += (int64_t)i * 10;
        cr_assert_eq(sum, ref);
        cr_assert_eq(nvals, 3000);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(exec, select_without_from_is_one_row_of_no_columns)
{
    floe_query_plan *qp = floe_query_plan_new();
    floe_plan *p = t_node(qp, FLOE_PLAN_VALUES, 0, NULL, 0);
    tres res;
    floe_err err = FLOE_ERR_INIT;
    p->u.values.nrows = 1;
    qp->root = p;
    cr_assert_eq(t_run(qp, NULL, 0, 1, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(res.n, 1);
    tres_free(&res);
    floe_query_plan_free(qp);
}

Test(exec, interrupt_stops_with_interrupt_status)
{
    tdata td;
    uint32_t nt;
    atomic_int stop;
    td_init(&td, 20000, 6, 500);
    atomic_init(&stop, 1);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {5};
        tres res;
        floe_err err = FLOE_ERR_INIT;
        qp->root = mk_sum_count(qp, t_scan(qp, 0, &td.src[0], 1, cols), 0);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, &stop, &res, &err), FLOE_INTERRUPT);
        cr_assert_str_eq(err.msg, "interrupted");
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(exec, scalar_and_correlated_subqueries_run_through_executor)
{
    tdata L, R;
    uint32_t nt;
    td_init(&L, 3000, 7, 400);
    td_init(&R, 200, 8, 50);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {0, 5}, rcols[1] = {0}, rvcols[1] = {1};
        floe_table_scan tables[2] = {L.table, R.table};
        floe_plan *ls = t_scan(qp, 0, &L.src[0], 2, cols);
        floe_plan *f = t_node(qp, FLOE_PLAN_FILTER, 2, ls->types, 1);
        floe_plan *sub = t_node(qp, FLOE_PLAN_FILTER, 1, (floe_type[]){T_BIG}, 1);
        floe_plan *pr = t_node(qp, FLOE_PLAN_PROJECT, 2, (floe_type[]){T_BIG, T_BIG}, 1);
        floe_plan *maxp = t_node(qp, FLOE_PLAN_AGGREGATE, 1, (floe_type[]){T_BIG}, 1);
        floe_expr *ex = floe_arena_alloc(qp->arena, sizeof *ex), *param, *sq;
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r, nref = 0;
        int64_t vmax = INT64_MIN;
        /* EXISTS (SELECT k FROM R WHERE R.k = $0) with $0 = L.k */
        sub->children[0] = t_scan(qp, 1, &R.src[0], 1, rcols);
        param = t_const_i(qp, T_BIG, 0, 0);
        param->kind = FLOE_EXPR_PARAM;
        param->index = 0;
        sub->u.filter.pred = mk_call2(qp, FLOE_FN_EQ, T_BOOL, t_col(qp, 0, T_BIG), param);
        memset(ex, 0, sizeof *ex);
        ex->kind = FLOE_EXPR_SUBQUERY;
        ex->type = T_BOOL;
        ex->subq_kind = FLOE_SUBQ_EXISTS;
        ex->subplan = sub;
        ex->nparams = 1;
        ex->correlated = true;
        ex->nargs = 1;
        ex->args = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        ex->args[0] = t_col(qp, 0, T_BIG);
        f->children[0] = ls;
        f->u.filter.pred = ex;
        /* PROJECT t, (SELECT max(v) FROM R) */
        maxp->children[0] = t_scan(qp, 1, &R.src[0], 1, rvcols);
        maxp->u.agg.naggs = 1;
        maxp->u.agg.aggs = floe_arena_alloc(qp->arena, sizeof(floe_agg));
        memset(maxp->u.agg.aggs, 0, sizeof(floe_agg));
        maxp->u.agg.aggs[0].fn = FLOE_AGG_MAX;
        maxp->u.agg.aggs[0].arg = t_col(qp, 0, T_BIG);
        maxp->u.agg.aggs[0].type = T_BIG;
        sq = floe_arena_alloc(qp->arena, sizeof *sq);
        memset(sq, 0, sizeof *sq);
        sq->kind = FLOE_EXPR_SUBQUERY;
        sq->type = T_BIG;
        sq->subq_kind = FLOE_SUBQ_SCALAR;
        sq->subplan = maxp;
        pr->children[0] = f;
        pr->u.project.exprs = floe_arena_alloc(qp->arena, 2 * sizeof(floe_expr *));
        pr->u.project.exprs[0] = t_col(qp, 1, T_BIG);
        pr->u.project.exprs[1] = sq;
        qp->root = pr;
        for (r = 0; r < R.n; r++)
            if (!R.nul[1][r] && R.v[r] > vmax) vmax = R.v[r];
        for (i = 0; i < L.n; i++) {
            int m = 0;
            for (r = 0; r < R.n && !m; r++) m = !L.nul[0][i] && !R.nul[0][r] && L.k[i] == R.k[r];
            nref += (uint64_t)m;
        }
        cr_assert_eq(t_run(qp, tables, 2, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, nref);
        for (i = 0; i < res.n; i++) {
            uint64_t t = (uint64_t)tres_at(&res, i, 0)->v.i;
            int m = 0;
            for (r = 0; r < R.n && !m; r++) m = !L.nul[0][t] && !R.nul[0][r] && L.k[t] == R.k[r];
            cr_assert(m);
            cr_assert_eq(tres_at(&res, i, 1)->v.i, vmax);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&L);
    td_free(&R);
}

Test(exec, join_build_over_memory_limit_names_operator)
{
    tdata L, R;
    floe_query_plan *qp = floe_query_plan_new();
    uint32_t cols[2] = {0, 5};
    floe_table_scan tables[2];
    floe_plan *j = t_node(qp, FLOE_PLAN_HASH_JOIN, 4, (floe_type[]){T_BIG, T_BIG, T_BIG, T_BIG}, 2);
    tres res;
    floe_err err = FLOE_ERR_INIT;
    td_init(&L, 100, 1, 50);
    td_init(&R, 50000, 2, 5000);
    tables[0] = L.table;
    tables[1] = R.table;
    j->children[0] = t_scan(qp, 0, &L.src[0], 2, cols);
    j->children[1] = t_scan(qp, 1, &R.src[0], 2, cols);
    j->u.join.type = FLOE_JOIN_INNER;
    j->u.join.nkeys = 1;
    j->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    j->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    j->u.join.left_keys[0] = t_col(qp, 0, T_BIG);
    j->u.join.right_keys[0] = t_col(qp, 0, T_BIG);
    qp->root = j;
    cr_assert_eq(t_run(qp, tables, 2, 2, 200000, NULL, &res, &err), FLOE_NOMEM);
    cr_assert(strstr(err.msg, "HASH_JOIN") != NULL, "%s", err.msg);
    tres_free(&res);
    floe_query_plan_free(qp);
    td_free(&L);
    td_free(&R);
}

Test(exec, explain_prints_indented_tree)
{
    tdata td;
    floe_query_plan *qp = floe_query_plan_new();
    uint32_t cols[2] = {3, 1};
    floe_plan *scan, *agg, *top;
    floe_strbuf sb = FLOE_STRBUF_INIT;
    const char *s;
    td_init(&td, 10, 1, 10);
    scan = t_scan(qp, 0, &td.src[0], 2, cols);
    scan->u.scan.table_name = "events";
    scan->names[0] = "country";
    scan->names[1] = "revenue";
    scan->u.scan.npreds = 1;
    scan->u.scan.preds = floe_arena_alloc(qp->arena, sizeof(floe_scan_pred));
    scan->u.scan.preds[0].col = 1;
    scan->u.scan.preds[0].op = FLOE_PRED_GE;
    scan->u.scan.preds[0].value.type = T_BIG;
    scan->u.scan.preds[0].value.v.i = 10;
    scan->u.scan.preds[0].value.is_null = false;
    agg = mk_sum_count(qp, scan, 1);
    agg->u.agg.ngroups = 1;
    agg->u.agg.groups = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
    agg->u.agg.groups[0] = t_col(qp, 0, T_STR);
    top = t_node(qp, FLOE_PLAN_TOPN, 2, agg->types, 1);
    top->children[0] = agg;
    top->u.sort.nkeys = 1;
    top->u.sort.keys = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
    top->u.sort.keys[0].col = 1;
    top->u.sort.keys[0].desc = true;
    top->u.sort.keys[0].nulls_first = true;
    top->u.sort.limit = 10;
    floe_plan_explain(top, &sb);
    s = floe_strbuf_str(&sb);
    cr_assert(strstr(s, "TOPN keys=[#1 DESC] limit=10\n") == s, "%s", s);
    cr_assert(strstr(s, "\n  AGGREGATE groups=[#0] aggs=[sum(#1), count(*)]\n") != NULL, "%s", s);
    cr_assert(strstr(s, "\n    SCAN events cols=[country, revenue] pushed=[revenue >= 10]\n") != NULL, "%s", s);
    floe_strbuf_free(&sb);
    floe_query_plan_free(qp);
    td_free(&td);
}

Test(exec, uncorrelated_subquery_runs_once_for_all_workers)
{
    tdata L, R;
    uint32_t nt;
    td_init(&L, 20000, 9, 500);
    td_init(&R, 1000, 10, 100);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {5};
        floe_table_scan tables[2] = {L.table, R.table};
        floe_plan *pr = t_node(qp, FLOE_PLAN_PROJECT, 2, (floe_type[]){T_BIG, T_BIG}, 1);
        floe_plan *cnt = t_node(qp, FLOE_PLAN_AGGREGATE, 1, (floe_type[]){T_BIG}, 1);
        floe_expr *sq = floe_arena_alloc(qp->arena, sizeof *sq);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i;
        cnt->children[0] = t_scan(qp, 1, &R.src[0], 1, cols);
        cnt->u.agg.naggs = 1;
        cnt->u.agg.aggs = floe_arena_alloc(qp->arena, sizeof(floe_agg));
        memset(cnt->u.agg.aggs, 0, sizeof(floe_agg));
        cnt->u.agg.aggs[0].fn = FLOE_AGG_SUM;
        cnt->u.agg.aggs[0].arg = t_col(qp, 0, T_BIG);
        cnt->u.agg.aggs[0].type = T_BIG;
        memset(sq, 0, sizeof *sq);
        sq->kind = FLOE_EXPR_SUBQUERY;
        sq->type = T_BIG;
        sq->subq_kind = FLOE_SUBQ_SCALAR;
        sq->subplan = cnt;
        pr->children[0] = t_scan(qp, 0, &L.src[0], 1, cols);
        pr->u.project.exprs = floe_arena_alloc(qp->arena, 2 * sizeof(floe_expr *));
        pr->u.project.exprs[0] = t_col(qp, 0, T_BIG);
        pr->u.project.exprs[1] = sq;
        qp->root = pr;
        atomic_store(&R.src[0].opened, 0);
        atomic_store(&R.src[1].opened, 0);
        L.src[0].delay_us = L.src[1].delay_us = 2000;
        cr_assert_eq(t_run(qp, tables, 2, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, L.n);
        for (i = 0; i < res.n; i++) cr_assert_eq(tres_at(&res, i, 1)->v.i, 999 * 1000 / 2);
        /* R's morsels were read once, not once per worker */
        cr_assert_eq(atomic_load(&R.src[0].opened) + atomic_load(&R.src[1].opened),
                     (int)(ts_nmorsels(&R.src[0]) + ts_nmorsels(&R.src[1])));
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&L);
    td_free(&R);
}
