/* sql/planner.c: FROM/WHERE planning: pushdown, projection, greedy joins. */
#include "sql/planner.h"

#include <string.h>

#include "sql/bind_expr.h"

#define NO_COL UINT32_MAX

floe_plan *floe_planner_node(floe_arena *a, floe_plan_kind kind, uint32_t ncols,
                             uint32_t nchildren)
{
    floe_plan *p = floe_arena_alloc(a, sizeof *p);
    if (p == NULL) return NULL;
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->ncols = ncols;
    p->types = floe_arena_alloc(a, (ncols ? ncols : 1) * sizeof *p->types);
    p->names = floe_arena_alloc(a, (ncols ? ncols : 1) * sizeof *p->names);
    p->nchildren = nchildren;
    if (nchildren) p->children = floe_arena_alloc(a, nchildren * sizeof *p->children);
    if (p->types == NULL || p->names == NULL || (nchildren && p->children == NULL)) return NULL;
    memset(p->names, 0, (ncols ? ncols : 1) * sizeof *p->names);
    return p;
}

floe_expr *floe_planner_remap(floe_arena *a, const floe_expr *e, const uint32_t *map)
{
    floe_expr *c = floe_arena_alloc(a, sizeof *c);
    uint32_t i;
    if (c == NULL) return NULL;
    *c = *e;
    if (e->kind == FLOE_EXPR_COLUMN) c->index = map[e->index];
    if (e->nargs) {
        c->args = floe_arena_alloc(a, e->nargs * sizeof *c->args);
        if (c->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++) {
            c->args[i] = floe_planner_remap(a, e->args[i], map);
            if (c->args[i] == NULL) return NULL;
        }
    }
    return c;
}

void floe_planner_mark(const floe_expr *e, bool *needed, uint32_t ngids)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index < ngids) needed[e->index] = true;
    for (i = 0; i < e->nargs; i++) floe_planner_mark(e->args[i], needed, ngids);
}

int floe_planner_conjuncts(floe_arena *a, floe_expr *e, floe_expr ***list, uint32_t *n,
                           uint32_t *cap)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_OR) {
        floe_expr *f;
        if (floe_planner_factor_or(a, e, &f)) return FLOE_NOMEM;
        if (f != e) return floe_planner_conjuncts(a, f, list, n, cap);
    }
    if (e->kind == FLOE_EXPR_AND) {
        for (i = 0; i < e->nargs; i++) {
            int rc = floe_planner_conjuncts(a, e->args[i], list, n, cap);
            if (rc) return rc;
        }
        return FLOE_OK;
    }
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        floe_expr **nl = floe_arena_alloc(a, nc * sizeof *nl);
        if (nl == NULL) return FLOE_NOMEM;
        if (*n) memcpy(nl, *list, *n * sizeof *nl);
        *list = nl;
        *cap = nc;
    }
    (*list)[(*n)++] = e;
    return FLOE_OK;
}

double floe_planner_selectivity(const floe_expr *e)
{
    uint32_t i;
    double s;
    switch (e->kind) {
    case FLOE_EXPR_CONST: return (!e->value.is_null && e->value.v.i) ? 1.0 : 0.01;
    case FLOE_EXPR_AND:
        s = 1.0;
        for (i = 0; i < e->nargs; i++) s *= floe_planner_selectivity(e->args[i]);
        return s;
    case FLOE_EXPR_OR:
        s = 0.0;
        for (i = 0; i < e->nargs; i++) s += floe_planner_selectivity(e->args[i]);
        return s > 1.0 ? 1.0 : s;
    case FLOE_EXPR_NOT: return 1.0 - 0.5 * floe_planner_selectivity(e->args[0]);
    case FLOE_EXPR_IS_NULL: return e->negated ? 0.9 : 0.1;
    case FLOE_EXPR_IN_LIST:
        s = 0.05 * (e->nargs - 1);
        if (s > 0.5) s = 0.5;
        return e->negated ? 1.0 - s : s;
    case FLOE_EXPR_LIKE: return e->negated ? 0.8 : 0.2;
    case FLOE_EXPR_SUBQUERY: return 0.5;
    case FLOE_EXPR_CALL:
        switch (e->fn) {
        case FLOE_FN_EQ: return 0.05;
        case FLOE_FN_NE: return 0.95;
        case FLOE_FN_LT:
        case FLOE_FN_LE:
        case FLOE_FN_GT:
        case FLOE_FN_GE: return 0.35;
        default: return 0.5;
        }
    default: return 0.5;
    }
}

/* ------------------------------------------------------------ planner state */

typedef struct pctx {
    floe_arena *a;
    const floe_prel *rels;
    uint32_t nrels;
    uint32_t ngids;
    uint32_t *gid_rel; /* gid -> relation index */
    double *gid_ndv;   /* gid -> distinct values in its table (0: unknown) */
    floe_expr **conj;
    uint64_t *mask;    /* per conjunct: relations referenced */
    bool *used;
    uint32_t nconj;
    const bool *needed;
    const floe_psemi *semis;
    uint64_t *semi_mask;
    bool *semi_used;
    uint32_t nsemis;
    uint64_t all_mask; /* relations of the whole FROM clause */
    floe_err *err;
} pctx;

/* A planned subtree: its plan, the gid of each output column, the relations it covers. */
typedef struct pres {
    floe_plan *plan;
    uint32_t *gids;
    uint32_t ncols;
    uint64_t mask;
    double est;
} pres;

static uint64_t expr_mask(const pctx *c, const floe_expr *e)
{
    uint64_t m = 0;
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index < c->ngids) m |= 1ULL << c->gid_rel[e->index];
    for (i = 0; i < e->nargs; i++) m |= expr_mask(c, e->args[i]);
    return m;
}

static uint64_t item_mask(const floe_pitem *it)
{
    uint64_t m;
    uint32_t i;
    if (it->kind == FLOE_PITEM_REL) return 1ULL << it->rel;
    m = it->kind == FLOE_PITEM_LEFT || it->kind == FLOE_PITEM_ASOF ? item_mask(it->right)
        : it->kind == FLOE_PITEM_LATERAL ? 1ULL << it->rel : 0;
    for (i = 0; i < it->nleft; i++) m |= item_mask(it->lefts[i]);
    if (it->kind == FLOE_PITEM_OUTER)
        for (i = 0; i < it->nright; i++) m |= item_mask(it->rights[i]);
    return m;
}

/* Position map of a subtree: gid -> column (NO_COL elsewhere). */
static uint32_t *layout_map(pctx *c, const pres *r)
{
    uint32_t *m = floe_arena_alloc(c->a, (c->ngids ? c->ngids : 1) * sizeof *m);
    uint32_t i;
    if (m == NULL) return NULL;
    for (i = 0; i < c->ngids; i++) m[i] = NO_COL;
    for (i = 0; i < r->ncols; i++) m[r->gids[i]] = i;
    return m;
}

static int nomem(pctx *c) { return floe_err_nomem(c->err); }

static floe_expr *and_of(pctx *c, floe_expr **list, uint32_t n)
{
    floe_expr *e;
    if (n == 1) return list[0];
    e = floe_bind_expr_new(c->a, FLOE_EXPR_AND, floe_type_make(FLOE_TYPE_BOOLEAN), n);
    if (e == NULL) return NULL;
    memcpy(e->args, list, n * sizeof *list);
    return e;
}

static bool is_semi_conj(const floe_expr *e)
{
    return e->kind == FLOE_EXPR_SUBQUERY && e->subq_kind == FLOE_SUBQ_IN && !e->correlated &&
           !e->negated && e->nparams == 0;
}

/* Scan predicate hint from `col op const` (or const op col, IS [NOT] NULL). */
static bool scan_pred_of(const floe_expr *e, uint32_t first_gid, uint32_t ncols,
                         floe_scan_pred *out)
{
    static const floe_pred_op ops[] = {FLOE_PRED_EQ, FLOE_PRED_NE, FLOE_PRED_LT,
                                       FLOE_PRED_LE, FLOE_PRED_GT, FLOE_PRED_GE};
    static const floe_pred_op flip[] = {FLOE_PRED_EQ, FLOE_PRED_NE, FLOE_PRED_GT,
                                        FLOE_PRED_GE, FLOE_PRED_LT, FLOE_PRED_LE};
    const floe_expr *col, *k;
    bool flipped = false;
    if (e->kind == FLOE_EXPR_IS_NULL && e->args[0]->kind == FLOE_EXPR_COLUMN) {
        out->col = e->args[0]->index - first_gid;
        out->op = e->negated ? FLOE_PRED_IS_NOT_NULL : FLOE_PRED_IS_NULL;
        out->value = floe_value_null(e->args[0]->type);
        return out->col < ncols;
    }
    if (e->kind != FLOE_EXPR_CALL || e->fn < FLOE_FN_EQ || e->fn > FLOE_FN_GE) return false;
    col = e->args[0];
    k = e->args[1];
    if (col->kind == FLOE_EXPR_CONST) {
        const floe_expr *t = col;
        col = k;
        k = t;
        flipped = true;
    }
    if (col->kind != FLOE_EXPR_COLUMN || k->kind != FLOE_EXPR_CONST || k->value.is_null)
        return false;
    if (!floe_type_eq(col->type, k->type)) return false;
    out->col = col->index - first_gid;
    out->op = flipped ? flip[e->fn - FLOE_FN_EQ] : ops[e->fn - FLOE_FN_EQ];
    out->value = k->value;
    return out->col < ncols;
}

/* sj's residual condition over the join's combined row (r's columns, then
 * sub's); NULL on OOM. */
static floe_expr *semi_cond(pctx *c, const pres *r, const floe_psemi *sj, const uint32_t *map)
{
    uint32_t n = sj->ncond_left + sj->ncond_right, i;
    floe_expr **repl = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *repl);
    if (repl == NULL) return NULL;
    for (i = 0; i < sj->ncond_left; i++)
        if ((repl[i] = floe_planner_remap(c->a, sj->cond_left[i], map)) == NULL) return NULL;
    for (i = 0; i < sj->ncond_right; i++) {
        uint32_t col = sj->cond_right[i];
        repl[sj->ncond_left + i] = floe_bind_expr_column(c->a, r->ncols + col, sj->plan->types[col]);
        if (repl[sj->ncond_left + i] == NULL) return NULL;
    }
    return floe_bind_expr_subst(c->a, sj->cond, repl);
}

/* SEMI/ANTI join of r with plan `sub` on left keys (over gids) = right columns. */
static int apply_semi(pctx *c, pres *r, floe_join_type type, floe_plan *sub,
                      floe_expr *const *lkeys, const uint32_t *rcols, uint32_t nkeys,
                      const floe_psemi *sj)
{
    floe_plan *j = floe_planner_node(c->a, FLOE_PLAN_HASH_JOIN, r->ncols, 2);
    uint32_t *map = layout_map(c, r);
    uint32_t i;
    if (j == NULL || map == NULL) return nomem(c);
    memcpy(j->types, r->plan->types, r->ncols * sizeof *j->types);
    memcpy(j->names, r->plan->names, r->ncols * sizeof *j->names);
    j->children[0] = r->plan;
    j->children[1] = sub;
    j->u.join.type = type;
    j->u.join.nkeys = nkeys;
    j->u.join.left_keys = floe_arena_alloc(c->a, nkeys * sizeof(floe_expr *));
    j->u.join.right_keys = floe_arena_alloc(c->a, nkeys * sizeof(floe_expr *));
    if (j->u.join.left_keys == NULL || j->u.join.right_keys == NULL) return nomem(c);
    for (i = 0; i < nkeys; i++) {
        j->u.join.left_keys[i] = floe_planner_remap(c->a, lkeys[i], map);
        j->u.join.right_keys[i] = floe_bind_expr_column(c->a, rcols[i], sub->types[rcols[i]]);
        if (j->u.join.left_keys[i] == NULL || j->u.join.right_keys[i] == NULL) return nomem(c);
    }
    if (sj != NULL && sj->cond != NULL && (j->u.join.cond = semi_cond(c, r, sj, map)) == NULL)
        return nomem(c);
    /* a much larger build side keeps only the keys the probe side has */
    if (floe_planner_magic_semi(c->a, j, r->est)) return nomem(c);
    r->est = r->est * 0.5 < 1 ? 1 : r->est * 0.5;
    j->est_rows = r->est;
    r->plan = j;
    return FLOE_OK;
}

/* Apply every unused conjunct covered by r as a FILTER on top (semi
 * conjuncts as SEMI joins). */
static int filter_covered(pctx *c, pres *r)
{
    floe_expr **list = NULL;
    uint32_t n = 0, i;
    uint32_t *map = NULL;
    int rc;
    for (i = 0; i < c->nconj; i++) {
        if (c->used[i] || (c->mask[i] & ~r->mask)) continue;
        if (is_semi_conj(c->conj[i])) {
            static const uint32_t col0 = 0;
            c->used[i] = true;
            if ((rc = apply_semi(c, r, FLOE_JOIN_SEMI, c->conj[i]->subplan, &c->conj[i]->args[0],
                                 &col0, 1, NULL)))
                return rc;
        }
    }
    for (i = 0; i < c->nsemis; i++) {
        const floe_psemi *sj = &c->semis[i];
        if (c->semi_used[i] || (c->semi_mask[i] & ~r->mask)) continue;
        /* a semi join that builds as many rows as it filters waits for the
         * inner joins, which may shrink its probe side (Q21) */
        if (sj->plan->est_rows >= r->est && (r->mask & c->all_mask) != c->all_mask) continue;
        c->semi_used[i] = true;
        if ((rc = apply_semi(c, r, sj->type, sj->plan, sj->left_keys, sj->right_cols, sj->nkeys, sj)))
            return rc;
    }
    for (i = 0; i < c->nconj; i++) {
        if (c->used[i] || (c->mask[i] & ~r->mask)) continue;
        if (list == NULL) {
            list = floe_arena_alloc(c->a, c->nconj * sizeof *list);
            map = layout_map(c, r);
            if (list == NULL || map == NULL) return nomem(c);
        }
        c->used[i] = true;
        list[n] = floe_planner_remap(c->a, c->conj[i], map);
        if (list[n] == NULL) return nomem(c);
        r->est *= floe_planner_selectivity(c->conj[i]);
        n++;
    }
    if (n) {
        floe_plan *f = floe_planner_node(c->a, FLOE_PLAN_FILTER, r->ncols, 1);
        if (f == NULL) return nomem(c);
        memcpy(f->types, r->plan->types, r->ncols * sizeof *f->types);
        memcpy(f->names, r->plan->names, r->ncols * sizeof *f->names);
        f->children[0] = r->plan;
        if ((f->u.filter.pred = and_of(c, list, n)) == NULL) return nomem(c);
        if (r->est < 1) r->est = 1;
        f->est_rows = r->est;
        r->plan = f;
    }
    return FLOE_OK;
}

static bool cols_below(const floe_expr *e, uint32_t n)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= n) return false;
    for (i = 0; i < e->nargs; i++)
        if (!cols_below(e->args[i], n)) return false;
    return true;
}

static floe_expr *and2(pctx *c, floe_expr *x, floe_expr *y)
{
    floe_expr *l[2];
    if (x == NULL) return y;
    l[0] = x;
    l[1] = y;
    return and_of(c, l, 2);
}

/* Push predicate e (over the output columns of *slot) as deep into the
 * subtree as it can go: into a SCAN's filter (and its predicate hints),
 * through PROJECT (inlining the projected expressions), FILTER, DISTINCT,
 * SORT, UNION ALL and, over group columns only, AGGREGATE; elsewhere a
 * FILTER is placed on top. */
static int push_into(pctx *c, floe_plan **slot, floe_expr *e)
{
    floe_plan *p = *slot;
    uint32_t i;
    switch (p->kind) {
    case FLOE_PLAN_SCAN: {
        floe_scan_pred sp;
        bool exact = false;
        if (p->u.scan.filter == NULL) p->u.scan.residual_known = true; /* nothing pushed yet */
        if (scan_pred_of(e, 0, p->ncols, &sp)) {
            exact = true;
            floe_scan_pred *np = floe_arena_alloc(c->a, (p->u.scan.npreds + 1) * sizeof *np);
            if (np == NULL) return nomem(c);
            if (p->u.scan.npreds) memcpy(np, p->u.scan.preds, p->u.scan.npreds * sizeof *np);
            sp.col = p->u.scan.cols[sp.col];
            np[p->u.scan.npreds] = sp;
            p->u.scan.preds = np;
            p->u.scan.npreds++;
        }
        if ((p->u.scan.filter = and2(c, p->u.scan.filter, e)) == NULL) return nomem(c);
        if (!exact && p->u.scan.residual_known &&
            (p->u.scan.residual = and2(c, p->u.scan.residual, e)) == NULL)
            return nomem(c);
        p->est_rows *= floe_planner_selectivity(e);
        if (p->est_rows < 1) p->est_rows = 1;
        return FLOE_OK;
    }
    case FLOE_PLAN_PROJECT: {
        floe_expr *x = floe_bind_expr_subst(c->a, e, p->u.project.exprs);
        if (x == NULL) return nomem(c);
        return push_into(c, &p->children[0], x);
    }
    case FLOE_PLAN_FILTER:
    case FLOE_PLAN_DISTINCT:
    case FLOE_PLAN_SORT: return push_into(c, &p->children[0], e);
    case FLOE_PLAN_UNION_ALL:
        for (i = 0; i < p->nchildren; i++) {
            floe_expr *x = i ? floe_bind_expr_copy(c->a, e) : e;
            int rc;
            if (x == NULL) return nomem(c);
            if ((rc = push_into(c, &p->children[i], x))) return rc;
        }
        return FLOE_OK;
    case FLOE_PLAN_AGGREGATE:
        /* not with grouping sets: a key is NULL in the sets grouping it out */
        if (p->u.agg.nsets == 0 && cols_below(e, p->u.agg.ngroups)) {
            floe_expr *x = floe_bind_expr_subst(c->a, e, p->u.agg.groups);
            if (x == NULL) return nomem(c);
            return push_into(c, &p->children[0], x);
        }
        break;
    default: break;
    }
    {
        floe_plan *f = floe_planner_node(c->a, FLOE_PLAN_FILTER, p->ncols, 1);
        if (f == NULL) return nomem(c);
        memcpy(f->types, p->types, p->ncols * sizeof *f->types);
        memcpy(f->names, p->names, p->ncols * sizeof *f->names);
        f->children[0] = p;
        f->u.filter.pred = e;
        f->est_rows = p->est_rows * floe_planner_selectivity(e);
        if (f->est_rows < 1) f->est_rows = 1;
        *slot = f;
    }
    return FLOE_OK;
}

static void mark_cols(const floe_expr *e, bool *keep, uint32_t n)
{
    floe_planner_mark(e, keep, n);
}

static uint32_t *ident_map(pctx *c, uint32_t n)
{
    uint32_t *m = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *m), i;
    if (m == NULL) return NULL;
    for (i = 0; i < n; i++) m[i] = i;
    return m;
}

/* Copy of p's header (kind, children, union) with ncols output columns. */
static floe_plan *clone_node(pctx *c, const floe_plan *p, uint32_t ncols)
{
    floe_plan *q = floe_planner_node(c->a, p->kind, ncols, 0);
    floe_type *t;
    const char **nm;
    if (q == NULL) return NULL;
    t = q->types;
    nm = q->names;
    *q = *p;
    q->ncols = ncols;
    q->types = t;
    q->names = nm;
    if (p->nchildren) {
        q->children = floe_arena_alloc(c->a, p->nchildren * sizeof *q->children);
        if (q->children == NULL) return NULL;
        memcpy(q->children, p->children, p->nchildren * sizeof *q->children);
    }
    return q;
}

/* Prune p's output to the columns in keep[0..p->ncols) (more may stay when
 * an operator needs them; at least one stays). *out is the new subtree,
 * *map its old column -> new column (NO_COL when dropped). Nodes whose
 * semantics depend on all columns (DISTINCT, joins, UNION ALL, VALUES) are
 * kept whole. */
static int prune(pctx *c, floe_plan *p, const bool *keep_in, floe_plan **out, uint32_t **map)
{
    uint32_t n = p->ncols, i, k = 0;
    bool *keep = floe_arena_alloc(c->a, n ? n : 1);
    uint32_t *m = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *m);
    floe_plan *q;
    int rc;
    if (keep == NULL || m == NULL) return nomem(c);
    memcpy(keep, keep_in, n);
    switch (p->kind) {
    case FLOE_PLAN_SCAN: {
        if (p->u.scan.filter) mark_cols(p->u.scan.filter, keep, n);
        for (i = 0; i < n; i++) k += keep[i];
        if (k == 0 && n) keep[0] = true, k = 1;
        if (k == n) break;
        if ((q = clone_node(c, p, k)) == NULL) return nomem(c);
        q->u.scan.cols = floe_arena_alloc(c->a, k * sizeof *q->u.scan.cols);
        if (q->u.scan.cols == NULL) return nomem(c);
        for (i = 0, k = 0; i < n; i++) {
            m[i] = keep[i] ? k : NO_COL;
            if (!keep[i]) continue;
            q->u.scan.cols[k] = p->u.scan.cols[i];
            q->types[k] = p->types[i];
            q->names[k] = p->names[i];
            k++;
        }
        if (p->u.scan.filter &&
            (q->u.scan.filter = floe_planner_remap(c->a, p->u.scan.filter, m)) == NULL)
            return nomem(c);
        if (p->u.scan.residual &&
            (q->u.scan.residual = floe_planner_remap(c->a, p->u.scan.residual, m)) == NULL)
            return nomem(c);
        *out = q;
        *map = m;
        return FLOE_OK;
    }
    case FLOE_PLAN_PROJECT:
    case FLOE_PLAN_AGGREGATE: {
        floe_plan *child = p->children[0], *nc;
        bool *ck = floe_arena_alloc(c->a, child->ncols ? child->ncols : 1);
        uint32_t *cm, first = p->kind == FLOE_PLAN_AGGREGATE ? p->u.agg.ngroups : 0;
        if (ck == NULL) return nomem(c);
        memset(ck, 0, child->ncols ? child->ncols : 1);
        for (i = 0; i < first; i++) keep[i] = true; /* groups define the rows */
        for (i = 0; i < n; i++) k += keep[i];
        if (k == 0 && n) keep[0] = true, k = 1;
        for (i = 0; i < first; i++) mark_cols(p->u.agg.groups[i], ck, child->ncols);
        for (i = first; i < n; i++) {
            const floe_expr *e = p->kind == FLOE_PLAN_PROJECT ? p->u.project.exprs[i]
                                                                 : p->u.agg.aggs[i - first].arg;
            if (keep[i] && e) mark_cols(e, ck, child->ncols);
            if (keep[i] && p->kind == FLOE_PLAN_AGGREGATE) {
                const floe_agg *g = &p->u.agg.aggs[i - first];
                if (g->arg2) mark_cols(g->arg2, ck, child->ncols);
                uint32_t j;
                if (g->filter) mark_cols(g->filter, ck, child->ncols);
                for (j = 0; j < g->norder; j++) mark_cols(g->order[j], ck, child->ncols);
            }
        }
        if ((rc = prune(c, child, ck, &nc, &cm))) return rc;
        if ((q = clone_node(c, p, k)) == NULL) return nomem(c);
        q->children[0] = nc;
        if (p->kind == FLOE_PLAN_PROJECT) {
            q->u.project.exprs = floe_arena_alloc(c->a, k * sizeof *q->u.project.exprs);
            if (q->u.project.exprs == NULL) return nomem(c);
        } else {
            q->u.agg.groups = floe_arena_alloc(c->a, (first ? first : 1) * sizeof(floe_expr *));
            q->u.agg.aggs = floe_arena_alloc(c->a, (k - first + 1) * sizeof(floe_agg));
            if (q->u.agg.groups == NULL || q->u.agg.aggs == NULL) return nomem(c);
            q->u.agg.naggs = k - first;
        }
        for (i = 0, k = 0; i < n; i++) {
            m[i] = keep[i] ? k : NO_COL;
            if (!keep[i]) continue;
            q->types[k] = p->types[i];
            q->names[k] = p->names[i];
            if (p->kind == FLOE_PLAN_PROJECT) {
                q->u.project.exprs[k] = floe_planner_remap(c->a, p->u.project.exprs[i], cm);
                if (q->u.project.exprs[k] == NULL) return nomem(c);
            } else if (i < first) {
                if ((q->u.agg.groups[i] = floe_planner_remap(c->a, p->u.agg.groups[i], cm)) == NULL)
                    return nomem(c);
            } else {
                floe_agg *g = &q->u.agg.aggs[k - first];
                *g = p->u.agg.aggs[i - first];
                if (g->arg && (g->arg = floe_planner_remap(c->a, g->arg, cm)) == NULL)
                    return nomem(c);
                if (g->arg2 && (g->arg2 = floe_planner_remap(c->a, g->arg2, cm)) == NULL)
                    return nomem(c);
                if (g->filter && (g->filter = floe_planner_remap(c->a, g->filter, cm)) == NULL)
                    return nomem(c);
                if (g->norder) {
                    floe_expr **ok = floe_arena_alloc(c->a, g->norder * sizeof *ok);
                    uint32_t j;
                    if (ok == NULL) return nomem(c);
                    for (j = 0; j < g->norder; j++)
                        if ((ok[j] = floe_planner_remap(c->a, g->order[j], cm)) == NULL) return nomem(c);
                    g->order = ok;
                }
            }
            k++;
        }
        *out = q;
        *map = m;
        return FLOE_OK;
    }
    case FLOE_PLAN_FILTER:
    case FLOE_PLAN_SORT:
    case FLOE_PLAN_TOPN:
    case FLOE_PLAN_LIMIT: {
        floe_plan *nc;
        uint32_t *cm;
        if (p->kind == FLOE_PLAN_FILTER) mark_cols(p->u.filter.pred, keep, n);
        if (p->kind == FLOE_PLAN_SORT || p->kind == FLOE_PLAN_TOPN)
            for (i = 0; i < p->u.sort.nkeys; i++) keep[p->u.sort.keys[i].col] = true;
        if ((rc = prune(c, p->children[0], keep, &nc, &cm))) return rc;
        for (i = 0; i < n; i++) k += cm[i] != NO_COL;
        if ((q = clone_node(c, p, k)) == NULL) return nomem(c);
        q->children[0] = nc;
        memcpy(q->types, nc->types, k * sizeof *q->types);
        memcpy(q->names, nc->names, k * sizeof *q->names);
        if (p->kind == FLOE_PLAN_FILTER &&
            (q->u.filter.pred = floe_planner_remap(c->a, p->u.filter.pred, cm)) == NULL)
            return nomem(c);
        if (p->kind == FLOE_PLAN_SORT || p->kind == FLOE_PLAN_TOPN) {
            floe_sort_key *keys = floe_arena_alloc(c->a, (p->u.sort.nkeys + 1) * sizeof *keys);
            if (keys == NULL) return nomem(c);
            for (i = 0; i < p->u.sort.nkeys; i++) {
                keys[i] = p->u.sort.keys[i];
                keys[i].col = cm[keys[i].col];
            }
            q->u.sort.keys = keys;
        }
        *out = q;
        *map = cm;
        return FLOE_OK;
    }
    default: break;
    }
    if ((*map = ident_map(c, n)) == NULL) return nomem(c);
    *out = p;
    return FLOE_OK;
}

static int plan_rel(pctx *c, uint32_t ri, pres *out)
{
    const floe_prel *rel = &c->rels[ri];
    uint32_t i, n = 0;
    bool *want;

    out->mask = 1ULL << ri;
    out->est = rel->est_rows < 1 ? 1 : rel->est_rows;
    if (!rel->is_table) {
        out->plan = rel->plan;
        out->ncols = rel->ncols;
        out->gids = floe_arena_alloc(c->a, (rel->ncols ? rel->ncols : 1) * sizeof *out->gids);
        if (out->gids == NULL) return nomem(c);
        for (i = 0; i < rel->ncols; i++) out->gids[i] = rel->first_gid + i;
        {
            /* conjuncts over this subquery alone go down into it */
            uint32_t *map = layout_map(c, out);
            if (map == NULL) return nomem(c);
            for (i = 0; i < c->nconj; i++) {
                floe_expr *e;
                int rc;
                if (c->used[i] || c->mask[i] != out->mask || is_semi_conj(c->conj[i])) continue;
                c->used[i] = true;
                if ((e = floe_planner_remap(c->a, c->conj[i], map)) == NULL) return nomem(c);
                if ((rc = push_into(c, &out->plan, e))) return rc;
                out->est *= floe_planner_selectivity(c->conj[i]);
            }
            if (out->est < 1) out->est = 1;
        }
        {
            /* produce only the columns the query reads */
            bool *keep = floe_arena_alloc(c->a, rel->ncols ? rel->ncols : 1);
            floe_plan *np;
            uint32_t *pm, k = 0;
            int rc;
            if (keep == NULL) return nomem(c);
            for (i = 0; i < rel->ncols; i++) keep[i] = c->needed[rel->first_gid + i];
            if ((rc = prune(c, out->plan, keep, &np, &pm))) return rc;
            for (i = 0; i < rel->ncols; i++)
                if (pm[i] != NO_COL) out->gids[pm[i]] = rel->first_gid + i, k++;
            out->plan = np;
            out->ncols = k;
        }
        return filter_covered(c, out);
    }
    /* base table: columns needed above or by the conjuncts pushed here */
    want = floe_arena_alloc(c->a, rel->ncols ? rel->ncols : 1);
    if (want == NULL) return nomem(c);
    for (i = 0; i < rel->ncols; i++) want[i] = c->needed[rel->first_gid + i];
    for (i = 0; i < c->nconj; i++) {
        if (c->used[i] || c->mask[i] != out->mask || is_semi_conj(c->conj[i])) continue;
        bool *tmp = floe_arena_alloc(c->a, c->ngids ? c->ngids : 1);
        uint32_t g;
        if (tmp == NULL) return nomem(c);
        memset(tmp, 0, c->ngids);
        floe_planner_mark(c->conj[i], tmp, c->ngids);
        for (g = 0; g < rel->ncols; g++)
            if (tmp[rel->first_gid + g]) want[g] = true;
    }
    for (i = 0; i < rel->ncols; i++) n += want[i];
    if (n == 0 && rel->ncols > 0) {
        /* nothing read (count(*)): scan the narrowest column */
        uint32_t best = 0;
        for (i = 1; i < rel->ncols; i++)
            if (floe_type_size(rel->types[i]) < floe_type_size(rel->types[best])) best = i;
        want[best] = true;
        n = 1;
    }
    {
        floe_plan *s = floe_planner_node(c->a, FLOE_PLAN_SCAN, n, 0);
        floe_expr **list, **rlist;
        uint32_t nf = 0, nr = 0, k = 0, *map;
        if (s == NULL) return nomem(c);
        s->u.scan.table = rel->table;
        s->u.scan.table_name = rel->table_name;
        s->u.scan.cols = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *s->u.scan.cols);
        out->gids = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *out->gids);
        if (s->u.scan.cols == NULL || out->gids == NULL) return nomem(c);
        for (i = 0; i < rel->ncols; i++) {
            if (!want[i]) continue;
            s->u.scan.cols[k] = i;
            s->types[k] = rel->types[i];
            s->names[k] = rel->names[i];
            out->gids[k] = rel->first_gid + i;
            k++;
        }
        out->ncols = n;
        out->plan = s;
        map = layout_map(c, out);
        list = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof *list);
        rlist = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof *rlist);
        s->u.scan.preds = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof(floe_scan_pred));
        if (map == NULL || list == NULL || rlist == NULL || s->u.scan.preds == NULL) return nomem(c);
        for (i = 0; i < c->nconj; i++) {
            bool exact = false;
            if (c->used[i] || c->mask[i] != out->mask || is_semi_conj(c->conj[i])) continue;
            c->used[i] = true;
            if (scan_pred_of(c->conj[i], rel->first_gid, rel->ncols,
                             &s->u.scan.preds[s->u.scan.npreds])) {
                s->u.scan.npreds++;
                exact = true;
            }
            list[nf] = floe_planner_remap(c->a, c->conj[i], map);
            if (list[nf] == NULL) return nomem(c);
            if (!exact) rlist[nr++] = list[nf];
            out->est *= floe_planner_selectivity(c->conj[i]);
            nf++;
        }
        if (nf) {
            s->u.scan.filter = and_of(c, list, nf);
            if (s->u.scan.filter == NULL) return nomem(c);
        }
        s->u.scan.residual_known = true;
        if (nr && (s->u.scan.residual = and_of(c, rlist, nr)) == NULL) return nomem(c);
        if (out->est < 1) out->est = 1;
        s->est_rows = out->est;
    }
    /* uncorrelated IN subqueries over this table alone: semi join right here */
    return filter_covered(c, out);
}

static int plan_group(pctx *c, floe_pitem **items, uint32_t nitems, pres *out);

/* Equality conjunct i joining x and y? Sets which arg belongs to x. */
static bool is_join_eq(const pctx *c, uint32_t i, uint64_t mx, uint64_t my, int *xarg)
{
    const floe_expr *e = c->conj[i];
    uint64_t m0, m1;
    if (c->used[i] || e->kind != FLOE_EXPR_CALL || e->fn != FLOE_FN_EQ) return false;
    m0 = expr_mask(c, e->args[0]);
    m1 = expr_mask(c, e->args[1]);
    if (m0 == 0 || m1 == 0) return false;
    if ((m0 & ~mx) == 0 && (m1 & ~my) == 0) {
        *xarg = 0;
        return true;
    }
    if ((m0 & ~my) == 0 && (m1 & ~mx) == 0) {
        *xarg = 1;
        return true;
    }
    return false;
}

/* Distinct values of key expression e within subtree x (0: unknown). */
static double key_ndv(const pctx *c, const floe_expr *e, const pres *x, bool *unique)
{
    const floe_prel *rel;
    double ndv;
    *unique = false;
    if (e->kind == FLOE_EXPR_CAST && e->args[0]->kind == FLOE_EXPR_COLUMN) e = e->args[0];
    if (e->kind != FLOE_EXPR_COLUMN || e->index >= c->ngids) return 0;
    rel = &c->rels[c->gid_rel[e->index]];
    ndv = c->gid_ndv[e->index];
    if (ndv <= 0) return 0;
    *unique = rel->est_rows > 0 && ndv >= 0.9 * rel->est_rows;
    return ndv < x->est ? ndv : x->est;
}

/* Fraction of a base table's rows that survive in subtree x (for the table
 * owning key e). */
static double kept_fraction(const pctx *c, const floe_expr *e, const pres *x)
{
    const floe_prel *rel;
    double f;
    if (e->kind == FLOE_EXPR_CAST) e = e->args[0];
    rel = &c->rels[c->gid_rel[e->index]];
    f = rel->est_rows > 0 ? x->est / rel->est_rows : 1.0;
    return f > 1.0 ? 1.0 : f;
}

/* Estimated rows of joining x and y on the unused equality conjuncts
 * between them (the most selective key wins); cross product without one. */
static double join_estimate(const pctx *c, const pres *x, const pres *y)
{
    double best = -1;
    uint32_t i;
    for (i = 0; i < c->nconj; i++) {
        int xa;
        const floe_expr *kx, *ky;
        double nx, ny, est;
        bool ux, uy;
        if (is_semi_conj(c->conj[i]) || !is_join_eq(c, i, x->mask, y->mask, &xa)) continue;
        kx = c->conj[i]->args[xa];
        ky = c->conj[i]->args[1 - xa];
        nx = key_ndv(c, kx, x, &ux);
        ny = key_ndv(c, ky, y, &uy);
        if (uy) est = x->est * kept_fraction(c, ky, y);      /* lookup into y */
        else if (ux) est = y->est * kept_fraction(c, kx, x); /* lookup into x */
        else {
            /* many-to-many (or unknown): |X||Y| / max(ndv); an unknown ndv
             * is taken as at most 100 (pessimistic: prefer key lookups) */
            if (nx <= 0) nx = x->est < 100 ? x->est : 100;
            if (ny <= 0) ny = y->est < 100 ? y->est : 100;
            est = x->est * y->est / (nx > ny ? nx : ny);
        }
        if (best < 0 || est < best) best = est;
    }
    if (best < 0) best = x->est * y->est;
    return best < 1 ? 1 : best;
}

/* Join l and r (type INNER or LEFT) using equality conjuncts among conj[]
 * (for LEFT: the ON list given in on[]), the rest covering both as cond. */
static int make_join(pctx *c, pres *l, pres *r, floe_join_type type, pres *out)
{
    uint32_t i, nk = 0, nc = 0, n = l->ncols + r->ncols;
    floe_expr **lk, **rk, **cond;
    uint32_t *lmap = layout_map(c, l), *rmap = layout_map(c, r), *bmap;
    floe_plan *j;
    uint64_t both = l->mask | r->mask;
    double sel = 1.0;

    double est = join_estimate(c, l, r); /* before the keys are marked used */

    out->ncols = n;
    out->mask = both;
    out->gids = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *out->gids);
    lk = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof *lk);
    rk = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof *rk);
    cond = floe_arena_alloc(c->a, (c->nconj ? c->nconj : 1) * sizeof *cond);
    if (out->gids == NULL || lk == NULL || rk == NULL || cond == NULL || lmap == NULL ||
        rmap == NULL)
        return nomem(c);
    memcpy(out->gids, l->gids, l->ncols * sizeof *out->gids);
    memcpy(out->gids + l->ncols, r->gids, r->ncols * sizeof *out->gids);
    bmap = layout_map(c, out);
    if (bmap == NULL) return nomem(c);
    for (i = 0; i < c->nconj; i++) {
        int xa;
        if (is_semi_conj(c->conj[i])) continue;
        if (!is_join_eq(c, i, l->mask, r->mask, &xa)) continue;
        if (!floe_type_eq(c->conj[i]->args[0]->type, c->conj[i]->args[1]->type)) continue;
        c->used[i] = true;
        lk[nk] = floe_planner_remap(c->a, c->conj[i]->args[xa], lmap);
        rk[nk] = floe_planner_remap(c->a, c->conj[i]->args[1 - xa], rmap);
        if (lk[nk] == NULL || rk[nk] == NULL) return nomem(c);
        nk++;
    }
    for (i = 0; i < c->nconj; i++) {
        if (c->used[i] || (c->mask[i] & ~both) || is_semi_conj(c->conj[i])) continue;
        c->used[i] = true;
        cond[nc] = floe_planner_remap(c->a, c->conj[i], bmap);
        if (cond[nc] == NULL) return nomem(c);
        sel *= floe_planner_selectivity(c->conj[i]);
        nc++;
    }
    j = floe_planner_node(c->a, nk ? FLOE_PLAN_HASH_JOIN : FLOE_PLAN_NL_JOIN, n, 2);
    if (j == NULL) return nomem(c);
    memcpy(j->types, l->plan->types, l->ncols * sizeof *j->types);
    memcpy(j->types + l->ncols, r->plan->types, r->ncols * sizeof *j->types);
    memcpy(j->names, l->plan->names, l->ncols * sizeof *j->names);
    memcpy(j->names + l->ncols, r->plan->names, r->ncols * sizeof *j->names);
    j->children[0] = l->plan;
    j->children[1] = r->plan;
    j->u.join.type = type;
    j->u.join.nkeys = nk;
    j->u.join.left_keys = nk ? lk : NULL;
    j->u.join.right_keys = nk ? rk : NULL;
    j->u.join.cond = nc ? and_of(c, cond, nc) : NULL;
    if (nc && j->u.join.cond == NULL) return nomem(c);
    j->u.join.build_left = type == FLOE_JOIN_INNER && nk > 0 && l->est < r->est;
    out->est = est * sel;
    if ((type == FLOE_JOIN_LEFT || type == FLOE_JOIN_FULL) && out->est < l->est) out->est = l->est;
    if ((type == FLOE_JOIN_RIGHT || type == FLOE_JOIN_FULL) && out->est < r->est) out->est = r->est;
    if (out->est < 1) out->est = 1;
    j->est_rows = out->est;
    out->plan = j;
    return FLOE_OK;
}

/* A context over conjuncts list[0..n) alone (none used yet, no semi joins). */
static int sub_ctx(pctx *c, floe_expr **list, uint32_t n, pctx *out)
{
    uint32_t i;
    *out = *c;
    out->nsemis = 0;
    out->conj = list;
    out->nconj = n;
    out->mask = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *out->mask);
    out->used = floe_arena_alloc(c->a, n ? n : 1);
    if (out->mask == NULL || out->used == NULL) return nomem(c);
    for (i = 0; i < n; i++) {
        out->mask[i] = expr_mask(c, list[i]);
        out->used[i] = false;
    }
    return FLOE_OK;
}

/* RIGHT / FULL: each side with its own inner conditions, the ON list in the
 * join, then the WHERE conjuncts covered by the result above it. */
static int plan_outer(pctx *c, floe_pitem *it, pres *out)
{
    pres l, r;
    pctx s;
    int rc;
    if ((rc = sub_ctx(c, it->lconj, it->nlconj, &s))) return rc;
    if ((rc = plan_group(&s, it->lefts, it->nleft, &l))) return rc;
    if ((rc = sub_ctx(c, it->rconj, it->nrconj, &s))) return rc;
    if ((rc = plan_group(&s, it->rights, it->nright, &r))) return rc;
    if ((rc = sub_ctx(c, it->on, it->non, &s))) return rc;
    if ((rc = make_join(&s, &l, &r, it->jtype, out))) return rc;
    return filter_covered(c, out);
}

/* LATERAL: the lefts, then the relation run once per left row. */
static int plan_lateral(pctx *c, floe_pitem *it, pres *out)
{
    pres l, r;
    floe_plan *j;
    uint32_t *map, i, n;
    int rc;
    if ((rc = plan_group(c, it->lefts, it->nleft, &l))) return rc;
    if ((rc = plan_rel(c, it->rel, &r))) return rc;
    if ((map = layout_map(c, &l)) == NULL) return nomem(c);
    n = l.ncols + r.ncols;
    j = floe_planner_node(c->a, FLOE_PLAN_LATERAL, n, 2);
    out->gids = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *out->gids);
    if (j == NULL || out->gids == NULL) return nomem(c);
    j->u.lateral.nparams = it->nparams;
    j->u.lateral.left = it->jtype == FLOE_JOIN_LEFT;
    if (it->non) {
        pres both;
        uint32_t *bmap;
        floe_expr **cl = floe_arena_alloc(c->a, it->non * sizeof *cl);
        both.ncols = n;
        both.gids = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *both.gids);
        if (cl == NULL || both.gids == NULL) return nomem(c);
        memcpy(both.gids, l.gids, l.ncols * sizeof *both.gids);
        memcpy(both.gids + l.ncols, r.gids, r.ncols * sizeof *both.gids);
        if ((bmap = layout_map(c, &both)) == NULL) return nomem(c);
        for (i = 0; i < it->non; i++)
            if ((cl[i] = floe_planner_remap(c->a, it->on[i], bmap)) == NULL) return nomem(c);
        if ((j->u.lateral.cond = and_of(c, cl, it->non)) == NULL) return nomem(c);
    }
    j->u.lateral.params = floe_arena_alloc(c->a, (it->nparams ? it->nparams : 1) * sizeof(floe_expr *));
    if (j->u.lateral.params == NULL) return nomem(c);
    for (i = 0; i < it->nparams; i++)
        if ((j->u.lateral.params[i] = floe_planner_remap(c->a, it->params[i], map)) == NULL)
            return nomem(c);
    memcpy(j->types, l.plan->types, l.ncols * sizeof *j->types);
    memcpy(j->types + l.ncols, r.plan->types, r.ncols * sizeof *j->types);
    memcpy(j->names, l.plan->names, l.ncols * sizeof *j->names);
    memcpy(j->names + l.ncols, r.plan->names, r.ncols * sizeof *j->names);
    j->children[0] = l.plan;
    j->children[1] = r.plan;
    memcpy(out->gids, l.gids, l.ncols * sizeof *out->gids);
    memcpy(out->gids + l.ncols, r.gids, r.ncols * sizeof *out->gids);
    out->ncols = n;
    out->mask = l.mask | r.mask;
    out->est = l.est * (r.est < 1 ? 1 : r.est);
    j->est_rows = out->est;
    out->plan = j;
    return filter_covered(c, out);
}

static bool asof_type_ok(floe_type t)
{
    switch (t.id) {
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_DOUBLE: return true;
    default: return false;
    }
}

/* ASOF [LEFT] JOIN: equality keys and one inequality from the ON list. */
static int plan_asof(pctx *c, floe_pitem *it, pres *out)
{
    static const char bad[] = "ASOF JOIN: the ON condition must be equalities and one "
                              "inequality (>=, >, <=, <) between the two sides";
    pres l, r;
    pctx s;
    floe_plan *j;
    uint32_t *lmap, *rmap, i, nk = 0, n;
    floe_expr **lk, **rk, *al = NULL, *ar = NULL;
    int rc, op = 0;
    if ((rc = plan_group(c, it->lefts, it->nleft, &l))) return rc;
    if ((rc = sub_ctx(c, NULL, 0, &s))) return rc;
    if ((rc = plan_group(&s, &it->right, 1, &r))) return rc;
    if ((rc = sub_ctx(c, it->on, it->non, &s))) return rc;
    lmap = layout_map(c, &l);
    rmap = layout_map(c, &r);
    lk = floe_arena_alloc(c->a, (it->non ? it->non : 1) * sizeof *lk);
    rk = floe_arena_alloc(c->a, (it->non ? it->non : 1) * sizeof *rk);
    if (lmap == NULL || rmap == NULL || lk == NULL || rk == NULL) return nomem(c);
    for (i = 0; i < it->non; i++) {
        const floe_expr *e = it->on[i];
        int xa;
        if (is_join_eq(&s, i, l.mask, r.mask, &xa) &&
            floe_type_eq(e->args[0]->type, e->args[1]->type)) {
            lk[nk] = floe_planner_remap(c->a, e->args[xa], lmap);
            rk[nk] = floe_planner_remap(c->a, e->args[1 - xa], rmap);
            if (lk[nk] == NULL || rk[nk] == NULL) return nomem(c);
            nk++;
            continue;
        }
        if (al == NULL && e->kind == FLOE_EXPR_CALL && e->fn >= FLOE_FN_LT && e->fn <= FLOE_FN_GE &&
            e->fn != FLOE_FN_NE) {
            uint64_t m0 = expr_mask(c, e->args[0]), m1 = expr_mask(c, e->args[1]);
            int flip = -1;
            if (m0 && m1 && !(m0 & ~l.mask) && !(m1 & ~r.mask)) flip = 0;
            else if (m0 && m1 && !(m0 & ~r.mask) && !(m1 & ~l.mask)) flip = 1;
            if (flip >= 0 && floe_type_eq(e->args[0]->type, e->args[1]->type) &&
                asof_type_ok(e->args[0]->type)) {
                al = floe_planner_remap(c->a, e->args[flip], lmap);
                ar = floe_planner_remap(c->a, e->args[1 - flip], rmap);
                if (al == NULL || ar == NULL) return nomem(c);
                op = e->fn;
                if (flip)
                    op = op == FLOE_FN_GE ? FLOE_FN_LE : op == FLOE_FN_LE ? FLOE_FN_GE
                         : op == FLOE_FN_GT ? FLOE_FN_LT : FLOE_FN_GT;
                continue;
            }
        }
        if (it->jtype == FLOE_JOIN_INNER && s.mask[i] && !(s.mask[i] & ~l.mask)) {
            /* a condition on the left rows alone filters them (inner only) */
            floe_plan *f = floe_planner_node(c->a, FLOE_PLAN_FILTER, l.ncols, 1);
            if (f == NULL) return nomem(c);
            memcpy(f->types, l.plan->types, l.ncols * sizeof *f->types);
            memcpy(f->names, l.plan->names, l.ncols * sizeof *f->names);
            f->children[0] = l.plan;
            if ((f->u.filter.pred = floe_planner_remap(c->a, e, lmap)) == NULL) return nomem(c);
            f->est_rows = l.est = l.est * floe_planner_selectivity(e);
            l.plan = f;
            continue;
        }
        return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s", bad);
    }
    if (al == NULL) return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s", bad);
    n = l.ncols + r.ncols;
    j = floe_planner_node(c->a, FLOE_PLAN_ASOF_JOIN, n, 2);
    out->gids = floe_arena_alloc(c->a, (n ? n : 1) * sizeof *out->gids);
    if (j == NULL || out->gids == NULL) return nomem(c);
    memcpy(j->types, l.plan->types, l.ncols * sizeof *j->types);
    memcpy(j->types + l.ncols, r.plan->types, r.ncols * sizeof *j->types);
    memcpy(j->names, l.plan->names, l.ncols * sizeof *j->names);
    memcpy(j->names + l.ncols, r.plan->names, r.ncols * sizeof *j->names);
    j->children[0] = l.plan;
    j->children[1] = r.plan;
    j->u.join.type = it->jtype;
    j->u.join.nkeys = nk;
    j->u.join.left_keys = lk;
    j->u.join.right_keys = rk;
    j->u.join.asof_left = al;
    j->u.join.asof_right = ar;
    j->u.join.asof_op = op;
    memcpy(out->gids, l.gids, l.ncols * sizeof *out->gids);
    memcpy(out->gids + l.ncols, r.gids, r.ncols * sizeof *out->gids);
    out->ncols = n;
    out->mask = l.mask | r.mask;
    out->est = l.est;
    j->est_rows = out->est;
    out->plan = j;
    return filter_covered(c, out);
}

static int plan_item(pctx *c, floe_pitem *it, pres *out)
{
    pres l, r;
    pctx on;
    uint32_t i;
    uint64_t rm;
    int rc;
    if (it->kind == FLOE_PITEM_REL) return plan_rel(c, it->rel, out);
    if (it->kind == FLOE_PITEM_OUTER) return plan_outer(c, it, out);
    if (it->kind == FLOE_PITEM_LATERAL) return plan_lateral(c, it, out);
    if (it->kind == FLOE_PITEM_ASOF) return plan_asof(c, it, out);
    rm = item_mask(it->right);
    /* WHERE conjuncts over the preserved (left) side go into it */
    if ((rc = plan_group(c, it->lefts, it->nleft, &l))) return rc;
    /* ON conjuncts: right-only ones filter the right input; the rest join */
    on = *c;
    on.nsemis = 0; /* WHERE semi joins apply above the outer join */
    on.conj = it->on;
    on.nconj = it->non;
    on.mask = floe_arena_alloc(c->a, (it->non ? it->non : 1) * sizeof *on.mask);
    on.used = floe_arena_alloc(c->a, it->non ? it->non : 1);
    if (on.mask == NULL || on.used == NULL) return nomem(c);
    for (i = 0; i < it->non; i++) {
        on.mask[i] = expr_mask(c, it->on[i]);
        /* left-only ON conjuncts must stay in the join condition */
        on.used[i] = false;
    }
    {
        /* plan the right side with only its own ON conjuncts available */
        pctx rc2 = on;
        bool *saved = floe_arena_alloc(c->a, it->non ? it->non : 1);
        if (saved == NULL) return nomem(c);
        for (i = 0; i < it->non; i++) {
            saved[i] = on.used[i];
            if (on.mask[i] & ~rm) on.used[i] = true; /* hide from the right side */
        }
        rc2.used = on.used;
        if ((rc = plan_group(&rc2, &it->right, 1, &r))) return rc;
        for (i = 0; i < it->non; i++)
            if (on.mask[i] & ~rm) on.used[i] = saved[i];
    }
    if ((rc = make_join(&on, &l, &r, FLOE_JOIN_LEFT, out))) return rc;
    /* a grouped right side aggregates only the keys the left side has */
    if (floe_planner_magic_left(c->a, out->plan, l.est)) return nomem(c);
    /* WHERE conjuncts over both sides filter the joined rows */
    return filter_covered(c, out);
}

static int plan_group(pctx *c, floe_pitem **items, uint32_t nitems, pres *out)
{
    pres *parts = floe_arena_alloc(c->a, nitems * sizeof *parts);
    bool *done = floe_arena_alloc(c->a, nitems);
    uint32_t i, left;
    int rc;
    if (parts == NULL || done == NULL) return nomem(c);
    for (i = 0; i < nitems; i++) {
        if ((rc = plan_item(c, items[i], &parts[i]))) return rc;
        done[i] = false;
    }
    /* start from the smallest estimated input */
    {
        uint32_t best = 0;
        for (i = 1; i < nitems; i++)
            if (parts[i].est < parts[best].est) best = i;
        *out = parts[best];
        done[best] = true;
    }
    for (left = nitems - 1; left > 0; left--) {
        int pick = -1;
        bool connected = false;
        pres j;
        double pick_est = 0;
        for (i = 0; i < nitems; i++) {
            uint32_t k;
            bool conn = false;
            double est;
            if (done[i]) continue;
            for (k = 0; k < c->nconj && !conn; k++) {
                int xa;
                conn = is_join_eq(c, k, out->mask, parts[i].mask, &xa) && !is_semi_conj(c->conj[k]);
            }
            est = conn ? join_estimate(c, out, &parts[i]) : parts[i].est;
            if (pick < 0 || (conn && !connected) || (conn == connected && est < pick_est)) {
                pick = (int)i;
                connected = conn;
                pick_est = est;
            }
        }
        done[pick] = true;
        if ((rc = make_join(c, out, &parts[pick], FLOE_JOIN_INNER, &j))) return rc;
        *out = j;
        if ((rc = filter_covered(c, out))) return rc;
    }
    return filter_covered(c, out);
}

/* Append to c->conj the single-relation filters implied by its ORs, for
 * relations joined by INNER joins only (top-level REL items). */
static int or_derive(pctx *c, floe_pitem **items, uint32_t nitems)
{
    uint32_t i, n = c->nconj, cap = c->nconj;
    floe_expr **list = c->conj;
    uint64_t inner = 0;
    for (i = 0; i < nitems; i++)
        if (items[i]->kind == FLOE_PITEM_REL) inner |= 1ULL << items[i]->rel;
    for (i = 0; i < c->nconj; i++) {
        uint64_t m;
        uint32_t r;
        if (c->conj[i]->kind != FLOE_EXPR_OR) continue;
        m = expr_mask(c, c->conj[i]);
        if ((m & (m - 1)) == 0) continue; /* one relation: it filters that one already */
        for (r = 0; r < c->nrels; r++) {
            floe_expr *d;
            if (!((m & inner) >> r & 1)) continue;
            if (floe_planner_or_derive(c->a, c->conj[i], c->gid_rel, c->ngids, r, &d))
                return nomem(c);
            if (d == NULL) continue;
            if (n == cap) {
                floe_expr **nl = floe_arena_alloc(c->a, (cap * 2 + 4) * sizeof *nl);
                if (nl == NULL) return nomem(c);
                memcpy(nl, list, n * sizeof *nl);
                list = nl;
                cap = cap * 2 + 4;
            }
            list[n++] = d;
        }
    }
    c->conj = list;
    c->nconj = n;
    return FLOE_OK;
}

int floe_planner_from(floe_arena *a, const floe_prel *rels, uint32_t nrels, floe_pitem **items,
                      uint32_t nitems, floe_expr **conj, uint32_t nconj, const floe_psemi *semis,
                      uint32_t nsemis, const bool *needed, uint32_t ngids, floe_plan **out,
                      uint32_t **out_map, floe_err *err)
{
    pctx c;
    pres r;
    uint32_t i, g;
    int rc;
    bool *need2;

    if (nrels > 64)
        return floe_err_set(err, FLOE_UNSUPPORTED, "more than 64 relations in one FROM clause");
    memset(&c, 0, sizeof c);
    c.a = a;
    c.rels = rels;
    c.nrels = nrels;
    c.ngids = ngids;
    c.err = err;
    c.conj = conj;
    c.nconj = nconj;
    c.gid_rel = floe_arena_alloc(a, (ngids ? ngids : 1) * sizeof *c.gid_rel);
    c.gid_ndv = floe_arena_alloc(a, (ngids ? ngids : 1) * sizeof *c.gid_ndv);
    if (c.gid_ndv == NULL) return floe_err_nomem(err);
    need2 = floe_arena_alloc(a, ngids ? ngids : 1);
    if (c.gid_rel == NULL || need2 == NULL) return floe_err_nomem(err);
    for (i = 0; i < nrels; i++)
        for (g = 0; g < rels[i].ncols; g++) {
            c.gid_rel[rels[i].first_gid + g] = i;
            c.gid_ndv[rels[i].first_gid + g] = rels[i].ndv ? rels[i].ndv[g] : 0;
        }
    if (ngids) memcpy(need2, needed, ngids);
    if ((rc = or_derive(&c, items, nitems))) return rc;
    conj = c.conj;
    nconj = c.nconj;
    c.mask = floe_arena_alloc(a, (nconj ? nconj : 1) * sizeof *c.mask);
    c.used = floe_arena_alloc(a, nconj ? nconj : 1);
    if (c.mask == NULL || c.used == NULL) return floe_err_nomem(err);
    /* columns used by joins above their relation must be produced */
    for (i = 0; i < nconj; i++) {
        c.mask[i] = expr_mask(&c, conj[i]);
        c.used[i] = false;
    }
    for (i = 0; i < nitems; i++) {
        floe_pitem *stack[128];
        int sp = 0;
        stack[sp++] = items[i];
        while (sp > 0) {
            floe_pitem *it = stack[--sp];
            uint32_t k;
            if (it->kind == FLOE_PITEM_REL) continue;
            for (k = 0; k < it->non; k++) floe_planner_mark(it->on[k], need2, ngids);
            for (k = 0; k < it->nparams; k++) floe_planner_mark(it->params[k], need2, ngids);
            if ((it->kind == FLOE_PITEM_LEFT || it->kind == FLOE_PITEM_ASOF) && sp < 127)
                stack[sp++] = it->right;
            for (k = 0; k < it->nleft && sp < 127; k++) stack[sp++] = it->lefts[k];
            if (it->kind != FLOE_PITEM_OUTER) continue;
            for (k = 0; k < it->nlconj; k++) floe_planner_mark(it->lconj[k], need2, ngids);
            for (k = 0; k < it->nrconj; k++) floe_planner_mark(it->rconj[k], need2, ngids);
            for (k = 0; k < it->nright && sp < 127; k++) stack[sp++] = it->rights[k];
        }
    }
    /* multi-relation conjuncts need their columns above the scans */
    for (i = 0; i < nconj; i++) {
        /* (single-table ones too: a WHERE filter over the inner side of an
         * outer join runs above the join) */
        floe_planner_mark(conj[i], need2, ngids);
    }
    c.semis = semis;
    c.nsemis = nsemis;
    c.semi_mask = floe_arena_alloc(a, (nsemis ? nsemis : 1) * sizeof *c.semi_mask);
    c.semi_used = floe_arena_alloc(a, nsemis ? nsemis : 1);
    if (c.semi_mask == NULL || c.semi_used == NULL) return floe_err_nomem(err);
    for (i = 0; i < nsemis; i++) {
        uint32_t k;
        c.semi_mask[i] = 0;
        c.semi_used[i] = false;
        for (k = 0; k < semis[i].ncond_left; k++) {
            c.semi_mask[i] |= expr_mask(&c, semis[i].cond_left[k]);
            floe_planner_mark(semis[i].cond_left[k], need2, ngids);
        }
        for (k = 0; k < semis[i].nkeys; k++) {
            c.semi_mask[i] |= expr_mask(&c, semis[i].left_keys[k]);
            floe_planner_mark(semis[i].left_keys[k], need2, ngids);
        }
    }
    c.needed = need2;
    if (nitems == 0) return floe_err_set(err, FLOE_MISUSE, "planner: empty FROM");
    for (i = 0; i < nitems; i++) c.all_mask |= item_mask(items[i]);
    if ((rc = plan_group(&c, items, nitems, &r))) return rc;
    *out = r.plan;
    {
        uint32_t *map = layout_map(&c, &r);
        if (map == NULL) return floe_err_nomem(err);
        *out_map = map;
    }
    return FLOE_OK;
}
