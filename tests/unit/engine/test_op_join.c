/* tests/unit/engine/test_op_join.c: HASH_JOIN and NL_JOIN of every type vs a
 * nested-loop reference, with NULL keys, duplicate keys and an extra
 * condition, 1 and 2 threads (RIGHT and FULL: the unmatched build rows come
 * from the last of the parallel probers). */
#include <pthread.h>
#include <time.h>

#include "test_exec_data.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};
static const floe_type T_BOOL = {FLOE_TYPE_BOOLEAN, 0, 0};

#define NOMATCH 999999

static floe_expr *t_call2(floe_query_plan *qp, floe_fn fn, floe_type t, floe_expr *a, floe_expr *b)
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

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Reference key match: NULL never matches. */
static int keys_match(const tdata *l, uint64_t i, const tdata *r, uint64_t j)
{
    return !l->nul[0][i] && !r->nul[0][j] && l->k[i] == r->k[j];
}

/* Run a join of L (cols k, t) with R (cols k, t) and compare it with the
 * reference. use_cond: extra condition L.t < R.t * 17 (hash) or, for NL,
 * cond = (L.k = R.k) [AND L.t < R.t * 17]. */
static void check_join(tdata *L, tdata *R, floe_plan_kind kind, floe_join_type jt, int use_cond,
                       int build_left, uint32_t nt)
{
    floe_query_plan *qp = floe_query_plan_new();
    uint32_t cols[2] = {0, 5};
    floe_plan *ls = t_scan(qp, 0, &L->src[0], 2, cols), *rs = t_scan(qp, 1, &R->src[0], 2, cols);
    floe_type ty[4] = {T_BIG, T_BIG, T_BIG, T_BIG};
    int pairs = jt == FLOE_JOIN_INNER || jt == FLOE_JOIN_LEFT || jt == FLOE_JOIN_RIGHT ||
                jt == FLOE_JOIN_FULL;
    uint32_t nout = pairs ? 4 : jt == FLOE_JOIN_MARK ? 3 : 2;
    char *rmatched = calloc(R->n + 1, 1);
    floe_plan *j;
    floe_table_scan tables[2] = {L->table, R->table};
    floe_expr *cond = NULL, *lt = NULL;
    int64_t *ref = malloc((L->n * (R->n + 1) + R->n + 1) * 8), *got;
    uint64_t nref = 0, i, r;
    tres res;
    floe_err err = FLOE_ERR_INIT;

    if (jt == FLOE_JOIN_MARK) ty[2] = T_BOOL;
    j = t_node(qp, kind, nout, ty, 2);
    j->children[0] = ls;
    j->children[1] = rs;
    j->u.join.type = jt;
    j->u.join.build_left = build_left;
    if (use_cond)
        lt = t_call2(qp, FLOE_FN_LT, T_BOOL, t_col(qp, 1, T_BIG),
                     t_call2(qp, FLOE_FN_MUL, T_BIG, t_col(qp, 3, T_BIG), t_const_i(qp, T_BIG, 17, 0)));
    if (kind == FLOE_PLAN_HASH_JOIN) {
        j->u.join.nkeys = 1;
        j->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j->u.join.left_keys[0] = t_col(qp, 0, T_BIG);
        j->u.join.right_keys[0] = t_col(qp, 0, T_BIG);
        cond = lt;
    } else {
        cond = t_call2(qp, FLOE_FN_EQ, T_BOOL, t_col(qp, 0, T_BIG), t_col(qp, 2, T_BIG));
        if (lt) {
            floe_expr *a = floe_arena_alloc(qp->arena, sizeof *a);
            memset(a, 0, sizeof *a);
            a->kind = FLOE_EXPR_AND;
            a->type = T_BOOL;
            a->nargs = 2;
            a->args = floe_arena_alloc(qp->arena, 2 * sizeof *a->args);
            a->args[0] = cond;
            a->args[1] = lt;
            cond = a;
        }
    }
    j->u.join.cond = cond;
    qp->root = j;

    /* reference */
    for (i = 0; i < L->n; i++) {
        int matched = 0, unknown = 0;
        for (r = 0; r < R->n; r++) {
            int m = keys_match(L, i, R, r);
            if (m && use_cond) m = L->t[i] < R->t[r] * 17;
            if (!m && (L->nul[0][i] || R->nul[0][r])) unknown = 1;
            if (!m) continue;
            matched = 1;
            rmatched[r] = 1;
            if (pairs) ref[nref++] = L->t[i] * 1000000 + R->t[r];
        }
        if ((jt == FLOE_JOIN_LEFT || jt == FLOE_JOIN_FULL) && !matched)
            ref[nref++] = L->t[i] * 1000000 + NOMATCH;
        if (jt == FLOE_JOIN_SEMI && matched) ref[nref++] = L->t[i];
        if (jt == FLOE_JOIN_ANTI && !matched) ref[nref++] = L->t[i];
        if (jt == FLOE_JOIN_MARK)
            ref[nref++] = L->t[i] * 10 + (matched ? 1 : (unknown && R->n > 0) ? 2 : 0);
    }
    if (jt == FLOE_JOIN_RIGHT || jt == FLOE_JOIN_FULL)
        for (r = 0; r < R->n; r++)
            if (!rmatched[r]) ref[nref++] = (int64_t)NOMATCH * 1000000 + R->t[r];
    free(rmatched);
    qsort(ref, nref, 8, cmp_i64);

    cr_assert_eq(t_run(qp, tables, 2, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(res.n, nref, "kind %d type %d cond %d: %llu rows, want %llu", kind, jt, use_cond,
                 (unsigned long long)res.n, (unsigned long long)nref);
    got = malloc((res.n + 1) * 8);
    for (i = 0; i < res.n; i++) {
        const floe_value *lv = tres_at(&res, i, 1);
        int64_t lt_ = lv->is_null ? NOMATCH : lv->v.i;
        if (pairs) {
            const floe_value *rt = tres_at(&res, i, 3);
            got[i] = lt_ * 1000000 + (rt->is_null ? NOMATCH : rt->v.i);
            if (rt->is_null) cr_assert(tres_at(&res, i, 2)->is_null);
            else if (lv->is_null) cr_assert(tres_at(&res, i, 0)->is_null);
            else cr_assert(keys_match(L, (uint64_t)lt_, R, (uint64_t)rt->v.i));
        } else if (jt == FLOE_JOIN_MARK) {
            const floe_value *m = tres_at(&res, i, 2);
            got[i] = lt_ * 10 + (m->is_null ? 2 : m->v.i ? 1 : 0);
        } else {
            got[i] = lt_;
        }
    }
    qsort(got, res.n, 8, cmp_i64);
    for (i = 0; i < res.n; i++)
        cr_assert_eq(got[i], ref[i], "kind %d type %d cond %d nt %u: row %llu", kind, jt, use_cond,
                     nt, (unsigned long long)i);
    free(got);
    free(ref);
    tres_free(&res);
    floe_query_plan_free(qp);
}

Test(join, hash_join_all_types_with_null_and_duplicate_keys)
{
    tdata L, R;
    uint32_t nt, jt;
    td_init(&L, 4000, 101, 700);
    td_init(&R, 300, 202, 64);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_INNER; jt <= FLOE_JOIN_MARK; jt++)
            check_join(&L, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 0, 0, nt);
    td_free(&L);
    td_free(&R);
}

Test(join, hash_join_all_types_with_extra_condition)
{
    tdata L, R;
    uint32_t nt, jt;
    td_init(&L, 3000, 303, 500);
    td_init(&R, 250, 404, 50);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_INNER; jt <= FLOE_JOIN_MARK; jt++)
            check_join(&L, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 1, 0, nt);
    td_free(&L);
    td_free(&R);
}

Test(join, inner_join_build_left_equals_reference)
{
    tdata L, R;
    uint32_t nt;
    td_init(&L, 200, 505, 50);
    td_init(&R, 3000, 606, 400);
    for (nt = 1; nt <= 2; nt++) {
        check_join(&L, &R, FLOE_PLAN_HASH_JOIN, FLOE_JOIN_INNER, 0, 1, nt);
        check_join(&L, &R, FLOE_PLAN_HASH_JOIN, FLOE_JOIN_INNER, 1, 1, nt);
    }
    td_free(&L);
    td_free(&R);
}

Test(join, mark_join_without_null_build_keys_gives_false)
{
    tdata L, R;
    uint64_t r;
    uint32_t nt;
    td_init(&L, 2000, 707, 300);
    td_init(&R, 100, 808, 30);
    for (r = 0; r < R.n; r++) R.nul[0][r] = 0;
    for (nt = 1; nt <= 2; nt++) check_join(&L, &R, FLOE_PLAN_HASH_JOIN, FLOE_JOIN_MARK, 0, 0, nt);
    td_free(&L);
    td_free(&R);
}

Test(join, empty_build_side)
{
    tdata L, R;
    uint32_t nt, jt;
    td_init(&L, 1000, 909, 300);
    td_init(&R, 0, 1, 30);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_INNER; jt <= FLOE_JOIN_MARK; jt++) {
            check_join(&L, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 0, 0, nt);
            check_join(&L, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 0, 0, nt);
        }
    td_free(&L);
    td_free(&R);
}

Test(join, nested_loop_join_all_types_equals_reference)
{
    tdata L, R;
    uint32_t nt, jt;
    td_init(&L, 1500, 111, 300);
    td_init(&R, 200, 222, 40);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_INNER; jt <= FLOE_JOIN_MARK; jt++) {
            check_join(&L, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 0, 0, nt);
            check_join(&L, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 1, 0, nt);
        }
    td_free(&L);
    td_free(&R);
}

Test(join, right_and_full_joins_equal_reference)
{
    tdata L, R, E;
    uint32_t nt, jt;
    td_init(&L, 5000, 333, 900);
    td_init(&R, 2600, 444, 1200); /* more than one vector on each side */
    td_init(&E, 0, 2, 30);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_RIGHT; jt <= FLOE_JOIN_FULL; jt++) {
            check_join(&L, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 0, 0, nt);
            check_join(&L, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 1, 0, nt);
            check_join(&L, &E, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 0, 0, nt);
            check_join(&E, &R, FLOE_PLAN_HASH_JOIN, (floe_join_type)jt, 1, 0, nt);
            check_join(&E, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 0, 0, nt);
        }
    td_free(&L);
    td_free(&R);
    td_init(&L, 900, 555, 200);
    td_init(&R, 300, 666, 90);
    for (nt = 1; nt <= 2; nt++)
        for (jt = FLOE_JOIN_RIGHT; jt <= FLOE_JOIN_FULL; jt++) {
            check_join(&L, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 0, 0, nt);
            check_join(&L, &R, FLOE_PLAN_NL_JOIN, (floe_join_type)jt, 1, 0, nt);
        }
    td_free(&L);
    td_free(&R);
    td_free(&E);
}

Test(join, cross_product_without_condition)
{
    tdata L, R;
    floe_query_plan *qp = floe_query_plan_new();
    uint32_t cols[1] = {5}, nt;
    floe_type ty[2] = {T_BIG, T_BIG};
    floe_plan *j;
    floe_table_scan tables[2];
    td_init(&L, 700, 1, 100);
    td_init(&R, 30, 2, 7);
    tables[0] = L.table;
    tables[1] = R.table;
    j = t_node(qp, FLOE_PLAN_NL_JOIN, 2, ty, 2);
    j->children[0] = t_scan(qp, 0, &L.src[0], 1, cols);
    j->children[1] = t_scan(qp, 1, &R.src[0], 1, cols);
    j->u.join.type = FLOE_JOIN_INNER;
    qp->root = j;
    for (nt = 1; nt <= 2; nt++) {
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint8_t *seen = calloc(700 * 30, 1);
        uint64_t i;
        cr_assert_eq(t_run(qp, tables, 2, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 700 * 30);
        for (i = 0; i < res.n; i++) {
            uint64_t a = (uint64_t)tres_at(&res, i, 0)->v.i, b = (uint64_t)tres_at(&res, i, 1)->v.i;
            cr_assert(a < 700 && b < 30 && !seen[a * 30 + b]);
            seen[a * 30 + b] = 1;
        }
        free(seen);
        tres_free(&res);
    }
    floe_query_plan_free(qp);
    td_free(&L);
    td_free(&R);
}

/* AGGREGATE(count, sum(L.t)) over a join: the join's probe runs inside the
 * aggregate's parallel pipeline with a shared build. */
Test(join, joins_inside_parallel_pipelines_match_reference)
{
    tdata L, R;
    uint32_t nt, jt;
    td_init(&L, 20000, 1234, 600);
    td_init(&R, 400, 4321, 50);
    for (jt = FLOE_JOIN_INNER; jt <= FLOE_JOIN_MARK; jt++) {
        int64_t refc = 0, refs = 0;
        uint64_t i, r;
        for (i = 0; i < L.n; i++) {
            int64_t m = 0;
            for (r = 0; r < R.n; r++) m += keys_match(&L, i, &R, r);
            if (jt == FLOE_JOIN_INNER) {
                refc += m;
                refs += m * L.t[i];
            } else if (jt == FLOE_JOIN_LEFT) {
                refc += m ? m : 1;
                refs += (m ? m : 1) * L.t[i];
            } else if ((jt == FLOE_JOIN_SEMI && m) || (jt == FLOE_JOIN_ANTI && !m) || jt == FLOE_JOIN_MARK) {
                refc += 1;
                refs += L.t[i];
            }
        }
        for (nt = 1; nt <= 2; nt++) {
            uint32_t build_left;
            for (build_left = 0; build_left <= (jt == FLOE_JOIN_INNER); build_left++) {
                floe_query_plan *qp = floe_query_plan_new();
                uint32_t cols[2] = {0, 5};
                floe_type ty[4] = {T_BIG, T_BIG, T_BIG, T_BIG};
                uint32_t nout = (jt == FLOE_JOIN_INNER || jt == FLOE_JOIN_LEFT) ? 4 : jt == FLOE_JOIN_MARK ? 3 : 2;
                floe_table_scan tables[2] = {L.table, R.table};
                floe_plan *j, *agg, *f;
                tres res;
                floe_err err = FLOE_ERR_INIT;
                if (jt == FLOE_JOIN_MARK) ty[2] = T_BOOL;
                j = t_node(qp, FLOE_PLAN_HASH_JOIN, nout, ty, 2);
                j->children[0] = t_scan(qp, 0, &L.src[0], 2, cols);
                j->children[1] = t_scan(qp, 1, &R.src[0], 2, cols);
                j->u.join.type = (floe_join_type)jt;
                j->u.join.build_left = build_left;
                j->u.join.nkeys = 1;
                j->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
                j->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
                j->u.join.left_keys[0] = t_col(qp, 0, T_BIG);
                j->u.join.right_keys[0] = t_col(qp, 0, T_BIG);
                /* a FILTER between join and aggregate keeps it one pipeline */
                f = t_node(qp, FLOE_PLAN_FILTER, nout, ty, 1);
                f->children[0] = j;
                f->u.filter.pred = t_call2(qp, FLOE_FN_GE, T_BOOL, t_col(qp, 1, T_BIG), t_const_i(qp, T_BIG, 0, 0));
                agg = t_node(qp, FLOE_PLAN_AGGREGATE, 2, ty, 1);
                agg->children[0] = f;
                agg->u.agg.naggs = 2;
                agg->u.agg.aggs = floe_arena_alloc(qp->arena, 2 * sizeof(floe_agg));
                memset(agg->u.agg.aggs, 0, 2 * sizeof(floe_agg));
                agg->u.agg.aggs[0].fn = FLOE_AGG_COUNT_STAR;
                agg->u.agg.aggs[0].type = T_BIG;
                agg->u.agg.aggs[1].fn = FLOE_AGG_SUM;
                agg->u.agg.aggs[1].arg = t_col(qp, 1, T_BIG);
                agg->u.agg.aggs[1].type = T_BIG;
                agg->types[0] = agg->types[1] = T_BIG;
                qp->root = agg;
                cr_assert_eq(t_run(qp, tables, 2, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
                cr_assert_eq(res.n, 1);
                cr_assert_eq(tres_at(&res, 0, 0)->v.i, refc, "type %u nt %u: %lld vs %lld", jt, nt,
                             (long long)tres_at(&res, 0, 0)->v.i, (long long)refc);
                cr_assert_eq(tres_at(&res, 0, 1)->v.i, refs);
                tres_free(&res);
                floe_query_plan_free(qp);
            }
        }
    }
    td_free(&L);
    td_free(&R);
}

/* join of a join: both builds are shared by the pipeline's workers */
Test(join, join_of_join_in_pipeline)
{
    tdata A, B, C;
    uint32_t nt;
    int64_t ref = 0;
    uint64_t a, b, c;
    td_init(&A, 3000, 11, 300);
    td_init(&B, 120, 22, 30);
    td_init(&C, 80, 33, 30);
    for (a = 0; a < A.n; a++)
        for (b = 0; b < B.n; b++)
            if (keys_match(&A, a, &B, b))
                for (c = 0; c < C.n; c++)
                    if (!C.nul[0][c] && B.v[b] % 7 == C.k[c] % 7 && !B.nul[1][b]) ref++;
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t acols[1] = {0}, bcols[2] = {0, 1}, ccols[1] = {0};
        floe_type ty[4] = {T_BIG, T_BIG, T_BIG, T_BIG};
        floe_table_scan tables[3] = {A.table, B.table, C.table};
        floe_plan *j1 = t_node(qp, FLOE_PLAN_HASH_JOIN, 3, ty, 2), *j2 = t_node(qp, FLOE_PLAN_HASH_JOIN, 4, ty, 2);
        floe_plan *agg = t_node(qp, FLOE_PLAN_AGGREGATE, 1, ty, 1);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        j1->children[0] = t_scan(qp, 0, &A.src[0], 1, acols);
        j1->children[1] = t_scan(qp, 1, &B.src[0], 2, bcols);
        j1->u.join.type = FLOE_JOIN_INNER;
        j1->u.join.nkeys = 1;
        j1->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j1->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j1->u.join.left_keys[0] = t_col(qp, 0, T_BIG);
        j1->u.join.right_keys[0] = t_col(qp, 0, T_BIG);
        j2->children[0] = j1;
        j2->children[1] = t_scan(qp, 2, &C.src[0], 1, ccols);
        j2->u.join.type = FLOE_JOIN_INNER;
        j2->u.join.nkeys = 1;
        j2->u.join.left_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j2->u.join.right_keys = floe_arena_alloc(qp->arena, sizeof(floe_expr *));
        j2->u.join.left_keys[0] = t_call2(qp, FLOE_FN_MOD, T_BIG, t_col(qp, 2, T_BIG), t_const_i(qp, T_BIG, 7, 0));
        j2->u.join.right_keys[0] = t_call2(qp, FLOE_FN_MOD, T_BIG, t_col(qp, 0, T_BIG), t_const_i(qp, T_BIG, 7, 0));
        agg->children[0] = j2;
        agg->u.agg.naggs = 1;
        agg->u.agg.aggs = floe_arena_alloc(qp->arena, sizeof(floe_agg));
        memset(agg->u.agg.aggs, 0, sizeof(floe_agg));
        agg->u.agg.aggs[0].fn = FLOE_AGG_COUNT_STAR;
        agg->u.agg.aggs[0].type = T_BIG;
        qp->root = agg;
        cr_assert_eq(t_run(qp, tables, 3, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, ref, "nt %u: %lld vs %lld", nt, (long long)tres_at(&res, 0, 0)->v.i, (long long)ref);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&A);
    td_free(&B);
    td_free(&C);
}

typedef struct stopper {
    atomic_int *flag;
    unsigned us;
} stopper;

static void *stop_later(void *a)
{
    stopper *s = a;
    usleep(s->us);
    atomic_store(s->flag, 1);
    return NULL;
}

/* (L x R) x R with a condition that is never true: ~10^10 pairs, so the
 * query can only end through the interrupt, checked per pair chunk. */
Test(join, interrupt_stops_a_long_nested_loop_join)
{
    tdata L, R;
    uint32_t nt;
    td_init(&L, 3000, 1, 500);
    td_init(&R, 3000, 2, 500);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {5};
        floe_type ty[3] = {T_BIG, T_BIG, T_BIG};
        floe_table_scan tables[2] = {L.table, R.table};
        floe_plan *j1 = t_node(qp, FLOE_PLAN_NL_JOIN, 2, ty, 2), *j2 = t_node(qp, FLOE_PLAN_NL_JOIN, 3, ty, 2);
        floe_plan *agg = t_node(qp, FLOE_PLAN_AGGREGATE, 1, ty, 1);
        atomic_int flag;
        stopper st;
        pthread_t th;
        tres res;
        floe_err err = FLOE_ERR_INIT;
        struct timespec t0, t1;
        j1->children[0] = t_scan(qp, 0, &L.src[0], 1, cols);
        j1->children[1] = t_scan(qp, 1, &R.src[0], 1, cols);
        j1->u.join.type = FLOE_JOIN_INNER;
        j2->children[0] = j1;
        j2->children[1] = t_scan(qp, 1, &R.src[0], 1, cols);
        j2->u.join.type = FLOE_JOIN_INNER;
        j2->u.join.cond = t_call2(qp, FLOE_FN_LT, T_BOOL, t_col(qp, 2, T_BIG), t_const_i(qp, T_BIG, -1, 0));
        agg->children[0] = j2;
        agg->u.agg.naggs = 1;
        agg->u.agg.aggs = floe_arena_alloc(qp->arena, sizeof(floe_agg));
        memset(agg->u.agg.aggs, 0, sizeof(floe_agg));
        agg->u.agg.aggs[0].fn = FLOE_AGG_COUNT_STAR;
        agg->u.agg.aggs[0].type = T_BIG;
        qp->root = agg;
        atomic_init(&flag, 0);
        st.flag = &flag;
        st.us = 200000;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pthread_create(&th, NULL, stop_later, &st);
        cr_assert_eq(t_run(qp, tables, 2, nt, 0, &flag, &res, &err), FLOE_INTERRUPT, "%s", err.msg);
        pthread_join(th, NULL);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        cr_assert((t1.tv_sec - t0.tv_sec) < 20, "took %lld s", (long long)(t1.tv_sec - t0.tv_sec));
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&L);
    td_free(&R);
}
