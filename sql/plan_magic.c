/* sql/plan_magic.c: the outer key set of a decorrelated scalar subquery
 * pushed into the subquery (Neumann-Kemper's duplicate-eliminated "magic"
 * set, DuckDB's delim join).
 *
 * A correlated scalar aggregate in WHERE is planned as
 *     L  LEFT JOIN  (AGGREGATE group by inner keys over I)  ON keys
 * (bind_subquery.c). When L is much smaller than I (TPC-H Q17: 6,000 rows of
 * part x lineitem against all of lineitem; Q2, Q20 likewise), aggregating
 * all of I wastes most of the work: only groups whose key some L row has
 * can join. floe_planner_magic_left then rewrites the join into
 *     CTE_SCAN(L)  LEFT JOIN  (AGGREGATE over I SEMI JOIN keys(CTE_SCAN(L)))
 * L is computed once (a CTE_SCAN shared by both uses, engine/op_cte.c); the
 * semi join is pushed down I through FILTER, PROJECT and inner joins to the
 * input that provides the key columns, so the subquery's joins and its
 * aggregate see only rows that can match. The LEFT join's answer is
 * unchanged: the groups dropped are exactly those no L row joins with.
 *
 * floe_planner_magic_semi does the same for a SEMI/ANTI join whose build
 * side is much larger than its probe side (Q21's EXISTS / NOT EXISTS over
 * all of lineitem for the few thousand orders of one nation's suppliers):
 * the build side keeps only rows whose keys the probe side has, which
 * changes no probe row's (non-)match.
 *
 * Ownership: new nodes go to the given arena; the join and the subquery's
 * nodes (owned by this join alone) are modified in place. Not thread-safe
 * per arena.
 */
#include "sql/planner.h"

#include <string.h>

#include "sql/bind_expr.h"

#define MAGIC_RATIO 1.0 /* rewrite when the subquery's input is estimated larger than L */
#define MAGIC_SEMI_RATIO 8.0 /* semi/anti: when the build side is this many times the probe */

/* Copy of e with every COLUMN index shifted down by by; NULL on OOM. */
static floe_expr *shift(floe_arena *a, const floe_expr *e, uint32_t by)
{
    floe_expr *x = floe_arena_alloc(a, sizeof *x);
    uint32_t i;
    if (x == NULL) return NULL;
    *x = *e;
    if (e->kind == FLOE_EXPR_COLUMN) x->index -= by;
    if (e->nargs) {
        x->args = floe_arena_alloc(a, e->nargs * sizeof *x->args);
        if (x->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((x->args[i] = shift(a, e->args[i], by)) == NULL) return NULL;
    }
    return x;
}

/* Smallest and largest COLUMN index in e (lo = UINT32_MAX: none). */
static void col_range(const floe_expr *e, uint32_t *lo, uint32_t *hi)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN) {
        if (e->index < *lo) *lo = e->index;
        if (e->index > *hi) *hi = e->index;
    }
    if (e->kind == FLOE_EXPR_SUBQUERY) *lo = 0, *hi = UINT32_MAX; /* do not move it */
    for (i = 0; i < e->nargs; i++) col_range(e->args[i], lo, hi);
}

/* Put `rows SEMI JOIN keys ON lk = keys' columns` at *slot, pushed down to
 * the input providing lk's columns. */
static int push_semi(floe_arena *a, floe_plan **slot, floe_expr **lk, uint32_t nk, floe_plan *keys)
{
    floe_plan *p = *slot, *sj;
    uint32_t lo = UINT32_MAX, hi = 0, i, nl;
    for (i = 0; i < nk; i++) col_range(lk[i], &lo, &hi);
    switch (p->kind) {
    case FLOE_PLAN_FILTER: return push_semi(a, &p->children[0], lk, nk, keys);
    case FLOE_PLAN_PROJECT: {
        floe_expr **n = floe_arena_alloc(a, nk * sizeof *n);
        if (n == NULL) return FLOE_NOMEM;
        for (i = 0; i < nk; i++)
            if ((n[i] = floe_bind_expr_subst(a, lk[i], p->u.project.exprs)) == NULL) return FLOE_NOMEM;
        return push_semi(a, &p->children[0], n, nk, keys);
    }
    case FLOE_PLAN_AGGREGATE:
        /* a filter on group keys commutes with grouping (and HAVING) */
        if (lo != UINT32_MAX && hi < p->u.agg.ngroups) {
            floe_expr **n = floe_arena_alloc(a, nk * sizeof *n);
            if (n == NULL) return FLOE_NOMEM;
            for (i = 0; i < nk; i++)
                if ((n[i] = floe_bind_expr_subst(a, lk[i], p->u.agg.groups)) == NULL) return FLOE_NOMEM;
            return push_semi(a, &p->children[0], n, nk, keys);
        }
        break;
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN:
        if (lo == UINT32_MAX) break;
        nl = p->children[0]->ncols;
        /* the preserved side of LEFT/SEMI/ANTI/MARK, either side of INNER */
        if (hi < nl) return push_semi(a, &p->children[0], lk, nk, keys);
        if (lo >= nl && hi != UINT32_MAX && p->u.join.type == FLOE_JOIN_INNER) {
            floe_expr **n = floe_arena_alloc(a, nk * sizeof *n);
            if (n == NULL) return FLOE_NOMEM;
            for (i = 0; i < nk; i++)
                if ((n[i] = shift(a, lk[i], nl)) == NULL) return FLOE_NOMEM;
            return push_semi(a, &p->children[1], n, nk, keys);
        }
        break;
    default: break;
    }
    sj = floe_planner_node(a, FLOE_PLAN_HASH_JOIN, p->ncols, 2);
    if (sj == NULL) return FLOE_NOMEM;
    memcpy(sj->types, p->types, p->ncols * sizeof *sj->types);
    memcpy(sj->names, p->names, p->ncols * sizeof *sj->names);
    sj->children[0] = p;
    sj->children[1] = keys;
    sj->u.join.type = FLOE_JOIN_SEMI;
    sj->u.join.nkeys = nk;
    sj->u.join.left_keys = lk;
    sj->u.join.right_keys = floe_arena_alloc(a, nk * sizeof *sj->u.join.right_keys);
    if (sj->u.join.right_keys == NULL) return FLOE_NOMEM;
    for (i = 0; i < nk; i++)
        if ((sj->u.join.right_keys[i] = floe_bind_expr_column(a, i, keys->types[i])) == NULL)
            return FLOE_NOMEM;
    sj->est_rows = p->est_rows < keys->est_rows ? p->est_rows : keys->est_rows;
    if (sj->est_rows < 1) sj->est_rows = 1;
    *slot = sj;
    return FLOE_OK;
}

static floe_plan *cte_of(floe_arena *a, floe_plan *def)
{
    floe_plan *p = floe_planner_node(a, FLOE_PLAN_CTE_SCAN, def->ncols, 0);
    if (p == NULL) return NULL;
    memcpy(p->types, def->types, def->ncols * sizeof *p->types);
    memcpy(p->names, def->names, def->ncols * sizeof *p->names);
    p->est_rows = def->est_rows;
    p->u.cte.def = def;
    p->u.cte.name = "outer keys";
    return p;
}

int floe_planner_magic_left(floe_arena *a, floe_plan *j, double left_est)
{
    floe_plan *p = j->children[1], *agg = NULL, *keys, *cs;
    uint32_t nk = j->u.join.nkeys, i, *g;
    floe_expr **lk;
    if (j->kind != FLOE_PLAN_HASH_JOIN || j->u.join.type != FLOE_JOIN_LEFT || nk == 0) return FLOE_OK;
    g = floe_arena_alloc(a, nk * sizeof *g);
    lk = floe_arena_alloc(a, nk * sizeof *lk);
    if (g == NULL || lk == NULL) return FLOE_NOMEM;
    /* each right key must be a group column of the subquery's AGGREGATE */
    for (i = 0; i < nk; i++) {
        const floe_expr *rk = j->u.join.right_keys[i];
        uint32_t col;
        const floe_plan *q = p;
        if (rk->kind != FLOE_EXPR_COLUMN) return FLOE_OK;
        col = rk->index;
        for (;;) {
            if (q->kind == FLOE_PLAN_PROJECT) {
                const floe_expr *e = q->u.project.exprs[col];
                if (e->kind != FLOE_EXPR_COLUMN) return FLOE_OK;
                col = e->index;
            } else if (q->kind != FLOE_PLAN_FILTER) {
                break;
            }
            q = q->children[0];
        }
        if (q->kind != FLOE_PLAN_AGGREGATE || col >= q->u.agg.ngroups) return FLOE_OK;
        if (agg != NULL && agg != q) return FLOE_OK;
        agg = (floe_plan *)q;
        g[i] = col;
        if (!floe_type_eq(j->u.join.left_keys[i]->type, agg->u.agg.groups[col]->type)) return FLOE_OK;
    }
    if (agg == NULL || left_est * MAGIC_RATIO > agg->children[0]->est_rows) return FLOE_OK;
    /* L once, read by the join and by the key set */
    if ((cs = cte_of(a, j->children[0])) == NULL) return FLOE_NOMEM;
    keys = floe_planner_node(a, FLOE_PLAN_PROJECT, nk, 1);
    if (keys == NULL) return FLOE_NOMEM;
    if ((keys->children[0] = cte_of(a, j->children[0])) == NULL) return FLOE_NOMEM;
    keys->u.project.exprs = floe_arena_alloc(a, nk * sizeof *keys->u.project.exprs);
    if (keys->u.project.exprs == NULL) return FLOE_NOMEM;
    for (i = 0; i < nk; i++) {
        keys->u.project.exprs[i] = j->u.join.left_keys[i];
        keys->types[i] = j->u.join.left_keys[i]->type;
        keys->names[i] = "key";
        if ((lk[i] = floe_bind_expr_copy(a, agg->u.agg.groups[g[i]])) == NULL) return FLOE_NOMEM;
    }
    keys->est_rows = left_est;
    j->children[0] = cs;
    return push_semi(a, &agg->children[0], lk, nk, keys);
}

int floe_planner_magic_semi(floe_arena *a, floe_plan *j, double left_est)
{
    floe_plan *keys;
    floe_expr **rk;
    uint32_t nk = j->u.join.nkeys, i;
    if (j->kind != FLOE_PLAN_HASH_JOIN || nk == 0 ||
        (j->u.join.type != FLOE_JOIN_SEMI && j->u.join.type != FLOE_JOIN_ANTI))
        return FLOE_OK;
    if (left_est * MAGIC_SEMI_RATIO > j->children[1]->est_rows) return FLOE_OK;
    for (i = 0; i < nk; i++)
        if (!floe_type_eq(j->u.join.left_keys[i]->type, j->u.join.right_keys[i]->type)) return FLOE_OK;
    keys = floe_planner_node(a, FLOE_PLAN_PROJECT, nk, 1);
    rk = floe_arena_alloc(a, nk * sizeof *rk);
    if (keys == NULL || rk == NULL) return FLOE_NOMEM;
    if ((keys->children[0] = cte_of(a, j->children[0])) == NULL) return FLOE_NOMEM;
    keys->u.project.exprs = floe_arena_alloc(a, nk * sizeof *keys->u.project.exprs);
    if (keys->u.project.exprs == NULL) return FLOE_NOMEM;
    for (i = 0; i < nk; i++) {
        keys->u.project.exprs[i] = j->u.join.left_keys[i];
        keys->types[i] = j->u.join.left_keys[i]->type;
        keys->names[i] = "key";
        if ((rk[i] = floe_bind_expr_copy(a, j->u.join.right_keys[i])) == NULL) return FLOE_NOMEM;
    }
    keys->est_rows = left_est;
    if ((j->children[0] = cte_of(a, j->children[0])) == NULL) return FLOE_NOMEM;
    return push_semi(a, &j->children[1], rk, nk, keys);
}
