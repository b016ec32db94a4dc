/* sql/bind_select.c: binding of query nodes.
 *
 * WITH lists, SELECT blocks (WHERE, select list, GROUP BY, HAVING, ORDER BY,
 * DISTINCT, LIMIT/OFFSET), VALUES and set operations, to plans. A SELECT
 * binds its FROM (bind_from.c) into a block, its expressions over the
 * block's gids, then plans FROM + WHERE (sql/planner.h), adds the AGGREGATE
 * node and rewrites what follows it onto the aggregate's outputs.
 */
#include "sql/bind_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "util/datetime.h"
#include "util/mem.h"

/* ------------------------------------------------------------ plan helpers */

floe_plan *floe_binder_node(binder *b, floe_plan_kind k, uint32_t ncols, uint32_t nchildren)
{
    return floe_planner_node(b->a, k, ncols, nchildren);
}

floe_plan *floe_binder_project(binder *b, floe_plan *child, floe_expr **exprs, const char **names,
                          uint32_t n)
{
    floe_plan *p;
    uint32_t i;
    /* an identity projection only renames: copy the child node with new names */
    for (i = 0; i < n; i++)
        if (exprs[i]->kind != FLOE_EXPR_COLUMN || exprs[i]->index != i) break;
    if (i == n && n == child->ncols && n > 0) {
        p = floe_arena_alloc(b->a, sizeof *p);
        if (p == NULL) return NULL;
        *p = *child;
        p->names = floe_arena_alloc(b->a, n * sizeof *p->names);
        if (p->names == NULL) return NULL;
        memcpy(p->names, names, n * sizeof *names);
        return p;
    }
    p = floe_binder_node(b, FLOE_PLAN_PROJECT, n, 1);
    if (p == NULL) return NULL;
    p->u.project.exprs = floe_arena_alloc(b->a, (n ? n : 1) * sizeof *p->u.project.exprs);
    if (p->u.project.exprs == NULL) return NULL;
    for (i = 0; i < n; i++) {
        p->u.project.exprs[i] = exprs[i];
        p->types[i] = exprs[i]->type;
        p->names[i] = names[i];
    }
    p->children[0] = child;
    p->est_rows = child->est_rows;
    return p;
}

static int const_int(block *bk, const floe_ast_expr *ae, const char *what, int64_t *out)
{
    binder *b = bk->b;
    floe_expr *e;
    floe_value v;
    int rc = floe_binder_expr(bk, ae, &e);
    if (rc) return rc;
    if (e->kind != FLOE_EXPR_CONST || !floe_type_is_numeric(e->type) || e->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must be a constant integer", what);
    if ((rc = floe_bind_expr_cast_value(b->a, &e->value, T(FLOE_TYPE_BIGINT), &v, b->err)))
        return floe_binder_at(b, rc, ae->off);
    if (v.v.i < 0) return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must not be negative", what);
    *out = v.v.i;
    return FLOE_OK;
}

/* Sort/TopN/Limit on top of p per the query's ORDER BY keys and LIMIT/OFFSET. */
static int order_limit(binder *b, const floe_ast_query *q, floe_plan *p, floe_sort_key *keys,
                       uint32_t nkeys, floe_plan **out)
{
    block tmp;
    int64_t limit = -1, offset = 0;
    int rc;
    memset(&tmp, 0, sizeof tmp);
    tmp.b = b;
    if (q->limit && (rc = const_int(&tmp, q->limit, "LIMIT", &limit))) return rc;
    if (q->offset && (rc = const_int(&tmp, q->offset, "OFFSET", &offset))) return rc;
    if (nkeys) {
        floe_plan *s = floe_binder_node(b, limit >= 0 ? FLOE_PLAN_TOPN : FLOE_PLAN_SORT, p->ncols, 1);
        if (s == NULL) return floe_binder_nomem(b);
        memcpy(s->types, p->types, p->ncols * sizeof *s->types);
        memcpy(s->names, p->names, p->ncols * sizeof *s->names);
        s->children[0] = p;
        s->u.sort.keys = keys;
        s->u.sort.nkeys = nkeys;
        s->u.sort.limit = limit;
        s->u.sort.offset = limit >= 0 ? offset : 0;
        s->est_rows = limit >= 0 && limit < p->est_rows ? (double)limit : p->est_rows;
        p = s;
        if (limit >= 0) offset = 0; /* the TOPN applied both */
        limit = -1;
    }
    if (limit >= 0 || offset > 0) {
        floe_plan *l = floe_binder_node(b, FLOE_PLAN_LIMIT, p->ncols, 1);
        if (l == NULL) return floe_binder_nomem(b);
        memcpy(l->types, p->types, p->ncols * sizeof *l->types);
        memcpy(l->names, p->names, p->ncols * sizeof *l->names);
        l->children[0] = p;
        l->u.limit.limit = limit;
        l->u.limit.offset = offset;
        l->est_rows = limit >= 0 && limit < p->est_rows ? (double)limit : p->est_rows;
        p = l;
    }
    *out = p;
    return FLOE_OK;
}

static void sort_key_init(floe_sort_key *k, uint32_t col, const floe_ast_order *o)
{
    k->col = col;
    k->desc = o->desc;
    k->nulls_first = o->nulls == FLOE_AST_NULLS_DEFAULT ? o->desc : o->nulls == FLOE_AST_NULLS_FIRST;
}

/* ORDER BY of a set operation / VALUES: ordinals or output column names. */
static int order_by_outputs(binder *b, const floe_ast_query *q, floe_plan *p, floe_plan **out)
{
    floe_sort_key *keys = NULL;
    int i;
    uint32_t c;
    if (q->norder_by) {
        keys = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *keys);
        if (keys == NULL) return floe_binder_nomem(b);
    }
    for (i = 0; i < q->norder_by; i++) {
        const floe_ast_expr *e = q->order_by[i].expr;
        if (e->kind == FLOE_AST_INT && e->int_lit.fits) {
            if (e->int_lit.value < 1 || (uint64_t)e->int_lit.value > p->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, e->off,
                                       "ORDER BY position %lld is not in select list",
                                       (long long)e->int_lit.value);
            c = (uint32_t)e->int_lit.value - 1;
        } else if (e->kind == FLOE_AST_COLUMN && e->column.table == NULL) {
            for (c = 0; c < p->ncols; c++)
                if (p->names[c] && strcmp(p->names[c], e->column.name) == 0) break;
            if (c == p->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, e->off,
                                       "column \"%s\" does not exist in the result",
                                       e->column.name);
        } else {
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, e->off,
                                   "ORDER BY here must name an output column or position");
        }
        sort_key_init(&keys[i], c, &q->order_by[i]);
    }
    return order_limit(b, q, p, keys, (uint32_t)q->norder_by, out);
}

/* ------------------------------------------------------------ post-aggregation */

typedef struct aggctx {
    block *bk;
    floe_expr **groups;
    uint32_t ngroups;
    int off;
} aggctx;

static const char *gid_name(block *bk, uint32_t gid)
{
    uint32_t i;
    for (i = 0; i < bk->ncols; i++)
        if (bk->cols[i].gid == gid) return bk->cols[i].name;
    return "?";
}

/* Rewrite e (over gids + aggregate placeholders) to the AGGREGATE output. */
static int post_agg(aggctx *ac, floe_expr *e, floe_expr **out)
{
    binder *b = ac->bk->b;
    uint32_t i;
    floe_expr *c;
    for (i = 0; i < ac->ngroups; i++)
        if (floe_bind_expr_equal(ac->groups[i], e)) {
            *out = floe_bind_expr_column(b->a, i, e->type);
            if (*out == NULL) return floe_binder_nomem(b);
            (*out)->name = e->name;
            return FLOE_OK;
        }
    if (e->kind == FLOE_EXPR_COLUMN) {
        if (e->index >= WIN_BASE && e->index < AGG_BASE) {
            *out = e;
            return FLOE_OK;
        }
        if (e->index >= AGG_BASE) {
            *out = floe_bind_expr_column(b->a, ac->ngroups + (e->index - AGG_BASE), e->type);
            return *out ? FLOE_OK : floe_binder_nomem(b);
        }
        return floe_err_set_at(b->err, FLOE_ERROR, ac->off,
                               "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                               gid_name(ac->bk, e->index));
    }
    if (e->nargs == 0) {
        *out = e;
        return FLOE_OK;
    }
    c = floe_arena_alloc(b->a, sizeof *c);
    if (c == NULL) return floe_binder_nomem(b);
    *c = *e;
    c->args = floe_arena_alloc(b->a, e->nargs * sizeof *c->args);
    if (c->args == NULL) return floe_binder_nomem(b);
    for (i = 0; i < e->nargs; i++) {
        int rc = post_agg(ac, e->args[i], &c->args[i]);
        if (rc) return rc;
    }
    *out = c;
    return FLOE_OK;
}

static bool has_agg_ref(const floe_expr *e)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= AGG_BASE) return true;
    for (i = 0; i < e->nargs; i++)
        if (has_agg_ref(e->args[i])) return true;
    return false;
}

/* ------------------------------------------------------------ SELECT */

typedef struct target {
    floe_expr *e;
    const char *name;
    const floe_ast_expr *ast; /* NULL for * expansions */
    const char *alias;
    int off;
} target;

/* One SELECT block being bound; the phases below fill it in order. */
typedef struct selctx {
    binder *b;
    const floe_ast_query *q;
    block *bk;
    fromctx fc;
    decorr *dc;           /* non-NULL: the top block of a decorrelated subquery */
    floe_pitem **items;   /* FROM items for the planner */
    uint32_t nitems, capitems;
    target *tg;           /* select list, then hidden ORDER BY columns */
    uint32_t nt, capt;
    uint32_t nvis;        /* visible targets */
    floe_expr **groups;
    uint32_t ngroups;
    const uint64_t *sets; /* GROUPING SETS: nsets masks over groups (AST's) */
    uint32_t nsets;
    floe_expr *having;
    uint32_t *ocol;       /* ORDER BY: output column, or UINT32_MAX for expressions */
    floe_expr **oexprs;
    floe_plan *p;         /* the plan so far */
    uint32_t *map;        /* gid -> column of the FROM plan */
    floe_expr *qualify;   /* QUALIFY condition, or NULL */
} selctx;

/* floe_planner_remap that leaves window placeholders alone; NULL on OOM. */
static floe_expr *remap_keep_win(floe_arena *a, const floe_expr *e, const uint32_t *map)
{
    floe_expr *c;
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index < WIN_BASE) return floe_planner_remap(a, e, map);
    if ((c = floe_arena_alloc(a, sizeof *c)) == NULL) return NULL;
    *c = *e;
    if (e->nargs) {
        if ((c->args = floe_arena_alloc(a, e->nargs * sizeof *c->args)) == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((c->args[i] = remap_keep_win(a, e->args[i], map)) == NULL) return NULL;
    }
    return c;
}

/* Every expression of the block's window calls (and QUALIFY) through f. */
static int wins_rewrite(selctx *sc, void *arg, int (*f)(void *arg, floe_expr *e, floe_expr **out))
{
    block *bk = sc->bk;
    uint32_t i, k;
    int rc;
    for (i = 0; i < bk->nwins; i++) {
        bwin *w = &bk->wins[i];
        if (w->arg && (rc = f(arg, w->arg, &w->arg))) return rc;
        if (w->def && (rc = f(arg, w->def, &w->def))) return rc;
        for (k = 0; k < w->w.npart; k++)
            if ((rc = f(arg, w->part[k], &w->part[k]))) return rc;
        for (k = 0; k < w->w.norder; k++)
            if ((rc = f(arg, w->ord[k], &w->ord[k]))) return rc;
    }
    if (sc->qualify && (rc = f(arg, sc->qualify, &sc->qualify))) return rc;
    return FLOE_OK;
}

static int rw_post_agg(void *arg, floe_expr *e, floe_expr **out);
static int rw_remap(void *arg, floe_expr *e, floe_expr **out)
{
    selctx *sc = arg;
    *out = remap_keep_win(sc->b->a, e, sc->map);
    return *out ? FLOE_OK : floe_binder_nomem(sc->b);
}

/* FROM, then WHERE conjuncts (correlated EXISTS / IN ones may become semi
 * joins), then the correlated equalities of a decorrelated subquery. */
static int sel_from_where(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    block *bk = sc->bk;
    int rc, k;

    for (k = 0; k < q->select.nfrom; k++)
        if ((rc = floe_binder_from(&sc->fc, q->select.from[k], &sc->items, &sc->nitems,
                                   &sc->capitems)))
            return rc;
    if (q->select.where) {
        /* AST conjuncts: correlated EXISTS / IN ones may become semi joins */
        const floe_ast_expr *stack[64], *wa;
        int sp = 0;
        stack[sp++] = q->select.where;
        bk->agg_ok = false;
        bk->in_where = true;
        while (sp > 0) {
            floe_expr *w;
            bool done = false;
            wa = stack[--sp];
            if (wa->kind == FLOE_AST_BINARY && wa->binary.op == FLOE_AST_AND && sp < 62) {
                stack[sp++] = wa->binary.right;
                stack[sp++] = wa->binary.left;
                continue;
            }
            if (sc->nitems && (rc = floe_binder_try_semi(bk, wa, &done))) return rc;
            if (done) continue;
            if ((rc = floe_binder_expr(bk, wa, &w))) return rc;
            if (w->type.id == FLOE_TYPE_NULL &&
                (rc = floe_bind_expr_cast(b->a, w, T(FLOE_TYPE_BOOLEAN), &w, b->err)))
                return rc;
            if (w->type.id != FLOE_TYPE_BOOLEAN) {
                char b1[32];
                return floe_err_set_at(b->err, FLOE_TYPE, wa->off,
                                       "argument of WHERE must be type BOOLEAN, not type %s",
                                       floe_type_name(w->type, b1, sizeof b1));
            }
            if ((rc = floe_binder_add_conj(&sc->fc, w))) return rc;
        }
        bk->in_where = false;
    }
    if (sc->dc && (rc = floe_binder_dc_extract(bk, sc->fc.conj, &sc->fc.nconj, sc->dc))) return rc;
    return FLOE_OK;
}

/* Room for one more target; NULL on OOM. */
static target *sel_target_new(selctx *sc)
{
    sc->tg = floe_binder_grow(sc->b, sc->tg, sc->nt, &sc->capt, sizeof *sc->tg);
    return sc->tg ? &sc->tg[sc->nt] : NULL;
}

/* `*` or `rel.*`: every visible column of the block (of rel). */
static int sel_star(selctx *sc, const floe_ast_target *t)
{
    binder *b = sc->b;
    block *bk = sc->bk;
    const char *rel = t->expr->star.table;
    bool any = false;
    uint32_t i;
    for (i = 0; i < bk->ncols; i++) {
        scol *c = &bk->cols[i];
        target *g;
        if (rel ? (c->rel == NULL || strcmp(c->rel, rel) != 0) : c->hidden) continue;
        if ((g = sel_target_new(sc)) == NULL) return floe_binder_nomem(b);
        g->e = c->merged && rel == NULL ? floe_bind_expr_copy(b->a, c->merged)
                                        : floe_bind_expr_column(b->a, c->gid, c->type);
        if (g->e == NULL) return floe_binder_nomem(b);
        g->name = c->name;
        g->ast = NULL;
        g->alias = NULL;
        g->off = t->off;
        sc->nt++;
        any = true;
    }
    if (!any)
        return floe_err_set_at(b->err, FLOE_ERROR, t->off,
                               rel ? "missing FROM-clause entry for table \"%s\""
                                   : "SELECT * with no tables specified%s",
                               rel ? rel : "");
    return FLOE_OK;
}

/* The select list (aggregates allowed). */
static int sel_targets(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    int rc, k;

    sc->bk->agg_ok = true;
    for (k = 0; k < q->select.ntargets && !(sc->dc && sc->dc->kind == FLOE_SUBQ_EXISTS); k++) {
        const floe_ast_target *t = &q->select.targets[k];
        target *g;
        if (t->expr->kind == FLOE_AST_STAR) {
            if ((rc = sel_star(sc, t))) return rc;
            continue;
        }
        if ((g = sel_target_new(sc)) == NULL) return floe_binder_nomem(b);
        if ((rc = floe_binder_expr(sc->bk, t->expr, &g->e))) return rc;
        if (g->e->type.id == FLOE_TYPE_NULL &&
            (rc = floe_bind_expr_cast(b->a, g->e, T(FLOE_TYPE_INTEGER), &g->e, b->err)))
            return rc;
        g->ast = t->expr;
        g->alias = t->alias;
        g->name = t->alias ? floe_binder_strdup(b, t->alias) : floe_binder_expr_name(b, t->expr);
        g->off = t->off;
        sc->nt++;
    }
    sc->nvis = sc->nt;
    return FLOE_OK;
}

/* Decorrelated subquery: its values, then the inner keys as columns, then
 * the inner columns of a residual condition; a scalar one groups by the
 * inner keys. FLOE_UNSUPPORTED (dc->failed) when
 * the block's shape does not allow it. */
static int sel_decorr(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    block *bk = sc->bk;
    decorr *dc = sc->dc;
    bool agg = bk->naggs > 0 || q->select.ngroup_by > 0 || q->select.ngroup_sets > 0 ||
               q->select.having;
    uint32_t i;

    dc->nvals = sc->nt;
    if (dc->kind == FLOE_SUBQ_SCALAR) {
        target *tg = sc->tg;
        if (bk->naggs == 0 || q->select.ngroup_by > 0 || q->select.ngroup_sets > 0 ||
            q->select.distinct || sc->nt != 1)
            goto dc_fail;
        /* count of no rows is 0 where a LEFT join gives NULL: only a bare
         * count can be fixed up (coalesce to 0), other uses of counts fail */
        dc->count_value = tg[0].e->kind == FLOE_EXPR_COLUMN && tg[0].e->index >= AGG_BASE &&
                          (bk->aggs[tg[0].e->index - AGG_BASE].fn == FLOE_AGG_COUNT ||
                           bk->aggs[tg[0].e->index - AGG_BASE].fn == FLOE_AGG_COUNT_STAR);
        for (i = 0; i < bk->naggs; i++)
            if ((bk->aggs[i].fn == FLOE_AGG_COUNT || bk->aggs[i].fn == FLOE_AGG_COUNT_STAR) &&
                !(dc->count_value && i == tg[0].e->index - AGG_BASE))
                goto dc_fail;
        if (q->select.having && dc->count_value) goto dc_fail;
        sc->groups = floe_arena_alloc(b->a, dc->nkeys * sizeof *sc->groups);
        if (sc->groups == NULL) return floe_binder_nomem(b);
        for (i = 0; i < dc->nkeys; i++) sc->groups[sc->ngroups++] = dc->inner[i];
    } else if (agg) {
        goto dc_fail;
    }
    for (i = 0; i < dc->nkeys + dc->nrinner; i++) {
        target *g = sel_target_new(sc);
        if (g == NULL) return floe_binder_nomem(b);
        g->e = i < dc->nkeys ? dc->inner[i] : dc->rinner[i - dc->nkeys];
        g->name = "key";
        g->ast = NULL;
        g->alias = NULL;
        g->off = q->off;
        sc->nt++;
    }
    sc->nvis = sc->nt;
    return FLOE_OK;
dc_fail:
    dc->failed = true;
    return FLOE_UNSUPPORTED;
}

/* GROUP BY (ordinals, output aliases that do not shadow a column,
 * expressions), then HAVING. */
static int sel_group_by(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    block *bk = sc->bk;
    target *tg = sc->tg;
    uint32_t i;
    int rc, k;

    if (q->select.ngroup_by) {
        sc->groups = floe_arena_alloc(b->a, (size_t)q->select.ngroup_by * sizeof *sc->groups);
        if (sc->groups == NULL) return floe_binder_nomem(b);
    }
    for (k = 0; k < q->select.ngroup_by; k++) {
        const floe_ast_expr *g = q->select.group_by[k];
        const floe_ast_expr *use = g;
        floe_expr *ge;
        if (g->kind == FLOE_AST_INT && g->int_lit.fits) {
            if (g->int_lit.value < 1 || (uint64_t)g->int_lit.value > sc->nvis)
                return floe_err_set_at(b->err, FLOE_ERROR, g->off,
                                       "GROUP BY position %lld is not in select list",
                                       (long long)g->int_lit.value);
            ge = tg[g->int_lit.value - 1].e;
            if (has_agg_ref(ge))
                return floe_err_set_at(b->err, FLOE_ERROR, g->off,
                                       "aggregate functions are not allowed in GROUP BY");
            sc->groups[sc->ngroups++] = ge;
            continue;
        }
        if (g->kind == FLOE_AST_COLUMN && g->column.table == NULL) {
            bool is_col = false;
            for (i = 0; i < bk->ncols; i++)
                if (!bk->cols[i].hidden && strcmp(bk->cols[i].name, g->column.name) == 0) is_col = true;
            if (!is_col)
                for (i = 0; i < sc->nvis; i++)
                    if (tg[i].alias && strcmp(tg[i].alias, g->column.name) == 0 && tg[i].ast) {
                        use = tg[i].ast;
                        break;
                    }
        }
        bk->agg_ok = false;
        rc = floe_binder_expr(bk, use, &ge);
        bk->agg_ok = true;
        if (rc) return rc;
        sc->groups[sc->ngroups++] = ge;
    }
    sc->sets = q->select.group_sets;
    sc->nsets = (uint32_t)q->select.ngroup_sets;

    if (q->select.having) {
        if ((rc = floe_binder_expr(bk, q->select.having, &sc->having))) return rc;
        if (sc->having->type.id != FLOE_TYPE_BOOLEAN &&
            (rc = floe_bind_expr_cast(b->a, sc->having, T(FLOE_TYPE_BOOLEAN), &sc->having, b->err)))
            return floe_binder_at(b, rc, q->select.having->off);
    }
    return FLOE_OK;
}

/* ORDER BY: ordinals, output names, else expressions (hidden columns). */
static int sel_order_by(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    uint32_t i, nvis = sc->nvis;
    int rc, k;

    if (q->norder_by) {
        sc->ocol = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *sc->ocol);
        sc->oexprs = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *sc->oexprs);
        if (sc->ocol == NULL || sc->oexprs == NULL) return floe_binder_nomem(b);
    }
    for (k = 0; k < q->norder_by; k++) {
        const floe_ast_expr *o = q->order_by[k].expr;
        target *g;
        sc->ocol[k] = UINT32_MAX;
        sc->oexprs[k] = NULL;
        if (o->kind == FLOE_AST_INT && o->int_lit.fits) {
            if (o->int_lit.value < 1 || (uint64_t)o->int_lit.value > nvis)
                return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                       "ORDER BY position %lld is not in select list",
                                       (long long)o->int_lit.value);
            sc->ocol[k] = (uint32_t)o->int_lit.value - 1;
            continue;
        }
        if (o->kind == FLOE_AST_COLUMN && o->column.table == NULL) {
            for (i = 0; i < nvis; i++)
                if (sc->tg[i].alias && strcmp(sc->tg[i].alias, o->column.name) == 0) break;
            if (i < nvis) {
                sc->ocol[k] = i;
                continue;
            }
        }
        if ((rc = floe_binder_expr(sc->bk, o, &sc->oexprs[k]))) return rc;
        for (i = 0; i < nvis; i++)
            if (floe_bind_expr_equal(sc->tg[i].e, sc->oexprs[k])) break;
        if (i < nvis) {
            sc->ocol[k] = i;
            continue;
        }
        if (q->select.distinct)
            return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                   "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        if ((g = sel_target_new(sc)) == NULL) return floe_binder_nomem(b);
        g->e = sc->oexprs[k];
        g->name = floe_binder_expr_name(b, o);
        g->ast = o;
        g->alias = NULL;
        g->off = o->off;
        sc->ocol[k] = sc->nt++;
    }
    return FLOE_OK;
}

/* The plan of FROM + WHERE over the columns the rest of the query reads
 * (sc->p, sc->map). */
static int sel_from_plan(selctx *sc)
{
    binder *b = sc->b;
    block *bk = sc->bk;
    bool *needed;
    uint32_t i, k;
    int rc;

    /* columns the rest of the query reads */
    needed = floe_arena_alloc(b->a, bk->ngids ? bk->ngids : 1);
    if (needed == NULL) return floe_binder_nomem(b);
    memset(needed, 0, bk->ngids ? bk->ngids : 1);
    for (i = 0; i < sc->nt; i++) floe_planner_mark(sc->tg[i].e, needed, bk->ngids);
    for (i = 0; i < sc->ngroups; i++) floe_planner_mark(sc->groups[i], needed, bk->ngids);
    for (i = 0; i < bk->naggs; i++) {
        if (bk->aggs[i].arg) floe_planner_mark(bk->aggs[i].arg, needed, bk->ngids);
        if (bk->aggs[i].arg2) floe_planner_mark(bk->aggs[i].arg2, needed, bk->ngids);
        if (bk->aggs[i].filter) floe_planner_mark(bk->aggs[i].filter, needed, bk->ngids);
        for (k = 0; k < bk->aggs[i].norder; k++) floe_planner_mark(bk->aggs[i].order[k], needed, bk->ngids);
    }
    if (sc->having) floe_planner_mark(sc->having, needed, bk->ngids);
    if (sc->qualify) floe_planner_mark(sc->qualify, needed, bk->ngids);
    for (i = 0; i < bk->nwins; i++) {
        bwin *w = &bk->wins[i];
        uint32_t k;
        if (w->arg) floe_planner_mark(w->arg, needed, bk->ngids);
        if (w->def) floe_planner_mark(w->def, needed, bk->ngids);
        for (k = 0; k < w->w.npart; k++) floe_planner_mark(w->part[k], needed, bk->ngids);
        for (k = 0; k < w->w.norder; k++) floe_planner_mark(w->ord[k], needed, bk->ngids);
    }

    for (i = 0; i < bk->nsjoins; i++) {
        /* decorrelated scalar subqueries: (FROM items) LEFT JOIN aggregate */
        floe_pitem *l = floe_arena_alloc(b->a, sizeof *l);
        floe_pitem **one = floe_arena_alloc(b->a, sizeof *one);
        if (l == NULL || one == NULL) return floe_binder_nomem(b);
        memset(l, 0, sizeof *l);
        l->kind = FLOE_PITEM_LEFT;
        l->lefts = sc->items;
        l->nleft = sc->nitems;
        l->right = bk->sjoins[i];
        l->on = bk->sjoin_on[i];
        l->non = bk->sjoins[i]->non;
        bk->sjoins[i]->non = 0;
        one[0] = l;
        sc->items = one;
        sc->nitems = 1;
    }
    if (sc->nitems)
        return floe_planner_from(b->a, bk->rels, bk->nrels, sc->items, sc->nitems, sc->fc.conj,
                                 sc->fc.nconj, bk->semis, bk->nsemis, needed, bk->ngids, &sc->p,
                                 &sc->map, b->err);
    sc->p = floe_binder_node(b, FLOE_PLAN_VALUES, 0, 0);
    if (sc->p == NULL) return floe_binder_nomem(b);
    sc->p->u.values.nrows = 1;
    sc->p->est_rows = 1;
    if (sc->fc.nconj) {
        floe_plan *f = floe_binder_node(b, FLOE_PLAN_FILTER, 0, 1);
        floe_expr *w;
        if (f == NULL) return floe_binder_nomem(b);
        if ((rc = floe_bind_expr_logic(b->a, FLOE_EXPR_AND, sc->fc.conj, sc->fc.nconj, &w, b->err)))
            return rc;
        f->u.filter.pred = w;
        f->children[0] = sc->p;
        f->est_rows = 1;
        sc->p = f;
    }
    sc->map = floe_arena_alloc(b->a, sizeof *sc->map);
    return sc->map ? FLOE_OK : floe_binder_nomem(b);
}

/* An aggregate's ORDER BY keys remapped onto the FROM plan; GROUPING's
 * arguments resolved to the indexes of the group keys they are. */
static int agg_order_keys(selctx *sc, floe_agg *g)
{
    binder *b = sc->b;
    uint32_t k, i;
    if (g->fn == FLOE_AGG_GROUPING) {
        g->gkeys = floe_arena_alloc(b->a, (g->norder ? g->norder : 1) * sizeof *g->gkeys);
        if (g->gkeys == NULL) return floe_binder_nomem(b);
        for (k = 0; k < g->norder; k++) {
            for (i = 0; i < sc->ngroups; i++)
                if (floe_bind_expr_equal(sc->groups[i], g->order[k])) break;
            if (i == sc->ngroups)
                return floe_err_set_at(b->err, FLOE_ERROR, sc->q->off,
                                       "arguments to GROUPING must be grouping expressions of the associated query level");
            g->gkeys[k] = i;
        }
        g->ngkeys = g->norder;
        g->order = NULL;
        g->norder = 0;
        return FLOE_OK;
    }
    if (g->norder == 0) return FLOE_OK;
    {
        floe_expr **o = floe_arena_alloc(b->a, g->norder * sizeof *o);
        if (o == NULL) return floe_binder_nomem(b);
        for (k = 0; k < g->norder; k++)
            if ((o[k] = floe_planner_remap(b->a, g->order[k], sc->map)) == NULL) return floe_binder_nomem(b);
        g->order = o;
    }
    return FLOE_OK;
}

/* The AGGREGATE node over sc->p, HAVING, and the targets rewritten onto
 * the aggregate's outputs. */
static int sel_aggregate(selctx *sc)
{
    binder *b = sc->b;
    block *bk = sc->bk;
    uint32_t i, ngroups = sc->ngroups;
    aggctx ac;
    int rc;
    floe_plan *ag = floe_binder_node(b, FLOE_PLAN_AGGREGATE, ngroups + bk->naggs, 1);
    if (ag == NULL) return floe_binder_nomem(b);
    ag->u.agg.groups = floe_arena_alloc(b->a, (ngroups ? ngroups : 1) * sizeof(floe_expr *));
    ag->u.agg.aggs = floe_arena_alloc(b->a, (bk->naggs ? bk->naggs : 1) * sizeof(floe_agg));
    if (ag->u.agg.groups == NULL || ag->u.agg.aggs == NULL) return floe_binder_nomem(b);
    for (i = 0; i < ngroups; i++) {
        ag->u.agg.groups[i] = floe_planner_remap(b->a, sc->groups[i], sc->map);
        if (ag->u.agg.groups[i] == NULL) return floe_binder_nomem(b);
        ag->types[i] = sc->groups[i]->type;
        ag->names[i] = sc->groups[i]->name ? sc->groups[i]->name : "group";
    }
    for (i = 0; i < bk->naggs; i++) {
        ag->u.agg.aggs[i] = bk->aggs[i];
        if (bk->aggs[i].arg) {
            ag->u.agg.aggs[i].arg = floe_planner_remap(b->a, bk->aggs[i].arg, sc->map);
            if (ag->u.agg.aggs[i].arg == NULL) return floe_binder_nomem(b);
        }
        if (bk->aggs[i].arg2 &&
            (ag->u.agg.aggs[i].arg2 = floe_planner_remap(b->a, bk->aggs[i].arg2, sc->map)) == NULL)
            return floe_binder_nomem(b);
        if (bk->aggs[i].filter &&
            (ag->u.agg.aggs[i].filter = floe_planner_remap(b->a, bk->aggs[i].filter, sc->map)) == NULL)
            return floe_binder_nomem(b);
        if ((rc = agg_order_keys(sc, &ag->u.agg.aggs[i]))) return rc;
        ag->types[ngroups + i] = bk->aggs[i].type;
        ag->names[ngroups + i] = bk->agg_names[i];
    }
    ag->u.agg.ngroups = ngroups;
    ag->u.agg.naggs = bk->naggs;
    ag->u.agg.sets = sc->sets;
    ag->u.agg.nsets = sc->nsets;
    ag->children[0] = sc->p;
    {
        double est = 1;
        if (ngroups) {
            est = sc->p->est_rows;
            for (i = 0; i < ngroups && i < 3; i++) est *= 0.1;
            if (est < 1) est = 1;
        }
        ag->est_rows = est;
    }
    sc->p = ag;
    ac.bk = bk;
    ac.groups = sc->groups;
    ac.ngroups = ngroups;
    if (sc->having) {
        floe_plan *p = sc->p, *f = floe_binder_node(b, FLOE_PLAN_FILTER, p->ncols, 1);
        if (f == NULL) return floe_binder_nomem(b);
        ac.off = sc->q->select.having->off;
        if ((rc = post_agg(&ac, sc->having, &f->u.filter.pred))) return rc;
        memcpy(f->types, p->types, p->ncols * sizeof *f->types);
        memcpy(f->names, p->names, p->ncols * sizeof *f->names);
        f->children[0] = p;
        f->est_rows = p->est_rows * 0.5 < 1 ? 1 : p->est_rows * 0.5;
        sc->p = f;
    }
    for (i = 0; i < sc->nt; i++) {
        ac.off = sc->tg[i].off;
        if ((rc = post_agg(&ac, sc->tg[i].e, &sc->tg[i].e))) return rc;
    }
    ac.off = sc->q->off;
    return wins_rewrite(sc, &ac, rw_post_agg);
}

static int rw_post_agg(void *arg, floe_expr *e, floe_expr **out)
{
    return post_agg(arg, e, out);
}

/* Rewrite window placeholders WIN_BASE + i to column base + i. */
static floe_expr *win_cols(floe_arena *a, const floe_expr *e, uint32_t base)
{
    floe_expr *c;
    uint32_t i;
    if ((c = floe_arena_alloc(a, sizeof *c)) == NULL) return NULL;
    *c = *e;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= WIN_BASE && e->index < AGG_BASE)
        c->index = base + (e->index - WIN_BASE);
    if (e->nargs) {
        if ((c->args = floe_arena_alloc(a, e->nargs * sizeof *c->args)) == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((c->args[i] = win_cols(a, e->args[i], base)) == NULL) return NULL;
    }
    return c;
}

/* Column of expression e in the pre-window projection: an existing column
 * reference, else a new one appended to exprs. */
static uint32_t win_input(floe_expr **exprs, uint32_t *n, floe_expr *e)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN) return e->index;
    for (i = 0; i < *n; i++)
        if (floe_bind_expr_equal(exprs[i], e)) return i;
    exprs[*n] = e;
    return (*n)++;
}

/* Window calls: PROJECT (the plan's columns + the window calls' inputs),
 * WINDOW, QUALIFY as a FILTER; targets read the window outputs. */
static int sel_window(selctx *sc)
{
    binder *b = sc->b;
    block *bk = sc->bk;
    floe_plan *p = sc->p, *wp;
    uint32_t i, k, n = p->ncols, cap = p->ncols, base;
    floe_expr **exprs;
    const char **names;
    for (i = 0; i < bk->nwins; i++) cap += 2 + bk->wins[i].w.npart + bk->wins[i].w.norder;
    exprs = floe_arena_alloc(b->a, cap * sizeof *exprs);
    names = floe_arena_alloc(b->a, cap * sizeof *names);
    if (exprs == NULL || names == NULL) return floe_binder_nomem(b);
    for (i = 0; i < n; i++)
        if ((exprs[i] = floe_bind_expr_column(b->a, i, p->types[i])) == NULL) return floe_binder_nomem(b);
    wp = floe_binder_node(b, FLOE_PLAN_WINDOW, 0, 1);
    if (wp == NULL) return floe_binder_nomem(b);
    wp->u.window.nfns = bk->nwins;
    wp->u.window.fns = floe_arena_alloc(b->a, bk->nwins * sizeof *wp->u.window.fns);
    if (wp->u.window.fns == NULL) return floe_binder_nomem(b);
    for (i = 0; i < bk->nwins; i++) {
        bwin *w = &bk->wins[i];
        floe_window *f = &wp->u.window.fns[i];
        *f = w->w;
        if (w->arg) f->arg = win_input(exprs, &n, w->arg);
        if (w->def) f->def = win_input(exprs, &n, w->def);
        f->part = floe_arena_alloc(b->a, (f->npart ? f->npart : 1) * sizeof *f->part);
        f->order = floe_arena_alloc(b->a, (f->norder ? f->norder : 1) * sizeof *f->order);
        if (f->part == NULL || f->order == NULL) return floe_binder_nomem(b);
        for (k = 0; k < f->npart; k++) f->part[k] = win_input(exprs, &n, w->part[k]);
        for (k = 0; k < f->norder; k++) {
            f->order[k] = w->w.order[k];
            f->order[k].col = win_input(exprs, &n, w->ord[k]);
        }
    }
    for (i = 0; i < n; i++) names[i] = i < p->ncols ? p->names[i] : "window input";
    if (n > p->ncols && (p = floe_binder_project(b, p, exprs, names, n)) == NULL)
        return floe_binder_nomem(b);
    base = p->ncols;
    wp->ncols = base + bk->nwins;
    wp->types = floe_arena_alloc(b->a, wp->ncols * sizeof *wp->types);
    wp->names = floe_arena_alloc(b->a, wp->ncols * sizeof *wp->names);
    if (wp->types == NULL || wp->names == NULL) return floe_binder_nomem(b);
    memcpy(wp->types, p->types, base * sizeof *wp->types);
    memcpy(wp->names, p->names, base * sizeof *wp->names);
    for (i = 0; i < bk->nwins; i++) {
        wp->types[base + i] = bk->wins[i].w.type;
        wp->names[base + i] = "window";
    }
    wp->children[0] = p;
    wp->est_rows = p->est_rows;
    p = wp;
    for (i = 0; i < sc->nt; i++)
        if ((sc->tg[i].e = win_cols(b->a, sc->tg[i].e, base)) == NULL) return floe_binder_nomem(b);
    if (sc->qualify) {
        floe_plan *f = floe_binder_node(b, FLOE_PLAN_FILTER, p->ncols, 1);
        if (f == NULL) return floe_binder_nomem(b);
        if ((f->u.filter.pred = win_cols(b->a, sc->qualify, base)) == NULL) return floe_binder_nomem(b);
        memcpy(f->types, p->types, p->ncols * sizeof *f->types);
        memcpy(f->names, p->names, p->ncols * sizeof *f->names);
        f->children[0] = p;
        f->est_rows = p->est_rows * 0.5 < 1 ? 1 : p->est_rows * 0.5;
        p = f;
    }
    sc->p = p;
    return FLOE_OK;
}

/* Select list (+ hidden ORDER BY columns), DISTINCT, ORDER BY / LIMIT, and
 * the final projection dropping the hidden columns. */
static int sel_output(selctx *sc)
{
    binder *b = sc->b;
    const floe_ast_query *q = sc->q;
    uint32_t i, nt = sc->nt, nvis = sc->nvis;
    floe_plan *p = sc->p;
    int rc, k;
    {
        floe_expr **ex = floe_arena_alloc(b->a, (nt ? nt : 1) * sizeof *ex);
        const char **nm = floe_arena_alloc(b->a, (nt ? nt : 1) * sizeof *nm);
        if (ex == NULL || nm == NULL) return floe_binder_nomem(b);
        for (i = 0; i < nt; i++) {
            ex[i] = sc->tg[i].e;
            nm[i] = sc->tg[i].name;
        }
        p = floe_binder_project(b, p, ex, nm, nt);
        if (p == NULL) return floe_binder_nomem(b);
    }
    if (q->select.distinct) {
        floe_plan *d = floe_binder_node(b, FLOE_PLAN_DISTINCT, p->ncols, 1);
        if (d == NULL) return floe_binder_nomem(b);
        memcpy(d->types, p->types, p->ncols * sizeof *d->types);
        memcpy(d->names, p->names, p->ncols * sizeof *d->names);
        d->children[0] = p;
        d->est_rows = p->est_rows;
        p = d;
    }
    {
        floe_sort_key *keys = NULL;
        if (q->norder_by) {
            keys = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *keys);
            if (keys == NULL) return floe_binder_nomem(b);
            for (k = 0; k < q->norder_by; k++) sort_key_init(&keys[k], sc->ocol[k], &q->order_by[k]);
        }
        if ((rc = order_limit(b, q, p, keys, (uint32_t)q->norder_by, &p))) return rc;
    }
    if (nt > nvis) {
        floe_expr **ex = floe_arena_alloc(b->a, nvis * sizeof *ex);
        if (ex == NULL) return floe_binder_nomem(b);
        for (i = 0; i < nvis; i++) {
            ex[i] = floe_bind_expr_column(b->a, i, p->types[i]);
            if (ex[i] == NULL) return floe_binder_nomem(b);
        }
        p = floe_binder_project(b, p, ex, p->names, nvis);
        if (p == NULL) return floe_binder_nomem(b);
    }
    sc->p = p;
    return FLOE_OK;
}

/* SELECT block: phases over a selctx, in this order (each reads what the
 * ones before it bound). */
static int bind_select(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    selctx sc;
    uint32_t i;
    int rc;

    memset(&sc, 0, sizeof sc);
    sc.b = b;
    sc.q = q;
    sc.bk = floe_arena_alloc(b->a, sizeof *sc.bk);
    if (sc.bk == NULL) return floe_binder_nomem(b);
    memset(sc.bk, 0, sizeof *sc.bk);
    sc.bk->b = b;
    sc.bk->fr = fr;
    sc.fc.bk = sc.bk;
    if (fr && fr->dc_pending) {
        sc.dc = fr->dc;
        fr->dc_pending = false;
    }
    sc.bk->named = q->select.windows;
    sc.bk->nnamed = q->select.nwindows;
    if ((rc = sel_from_where(&sc))) return rc;
    sc.bk->win_ok = true;
    rc = sel_targets(&sc);
    sc.bk->win_ok = false;
    if (rc) return rc;
    if (sc.dc && sc.bk->nwins)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, q->off,
                               "window functions in a correlated subquery are not supported");
    if (sc.dc && (rc = sel_decorr(&sc))) return rc;
    if ((rc = sel_group_by(&sc))) return rc;
    sc.bk->win_ok = true;
    rc = sel_order_by(&sc);
    if (rc == FLOE_OK && q->select.qualify) {
        rc = floe_binder_expr(sc.bk, q->select.qualify, &sc.qualify);
        if (rc == FLOE_OK && sc.qualify->type.id != FLOE_TYPE_BOOLEAN &&
            (rc = floe_bind_expr_cast(b->a, sc.qualify, T(FLOE_TYPE_BOOLEAN), &sc.qualify, b->err)))
            rc = floe_binder_at(b, rc, q->select.qualify->off);
    }
    sc.bk->win_ok = false;
    if (rc) return rc;
    if (sc.dc && sc.bk->nwins)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, q->off,
                               "window functions in a correlated subquery are not supported");
    if (q->select.qualify && sc.bk->nwins == 0)
        return floe_err_set_at(b->err, FLOE_ERROR, q->select.qualify->off,
                               "QUALIFY requires a window function in the select list or the QUALIFY clause");
    if ((rc = sel_from_plan(&sc))) return rc;
    if (sc.ngroups > 0 || sc.bk->naggs > 0 || sc.nsets > 0) {
        if ((rc = sel_aggregate(&sc))) return rc;
    } else {
        if (sc.having)
            return floe_err_set_at(b->err, FLOE_ERROR, q->select.having->off,
                                   "HAVING requires GROUP BY or an aggregate");
        for (i = 0; i < sc.nt; i++) {
            sc.tg[i].e = remap_keep_win(b->a, sc.tg[i].e, sc.map);
            if (sc.tg[i].e == NULL) return floe_binder_nomem(b);
        }
        if ((rc = wins_rewrite(&sc, &sc, rw_remap))) return rc;
    }
    if (sc.bk->nwins && (rc = sel_window(&sc))) return rc;
    if ((rc = sel_output(&sc))) return rc;
    *out = sc.p;
    return FLOE_OK;
}

/* ------------------------------------------------------------ VALUES, set ops */

static int bind_values(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    block bk;
    uint32_t nr = (uint32_t)q->values.nrows, nc = (uint32_t)q->values.ncols, r, c;
    floe_plan *p = floe_binder_node(b, FLOE_PLAN_VALUES, nc, 0);
    floe_expr **cells;
    int rc;
    memset(&bk, 0, sizeof bk);
    bk.b = b;
    bk.fr = fr;
    if (p == NULL) return floe_binder_nomem(b);
    cells = floe_arena_alloc(b->a, ((size_t)nr * nc + 1) * sizeof *cells);
    if (cells == NULL) return floe_binder_nomem(b);
    for (r = 0; r < nr; r++)
        for (c = 0; c < nc; c++)
            if ((rc = floe_binder_expr(&bk, q->values.rows[r][c], &cells[r * nc + c]))) return rc;
    for (c = 0; c < nc; c++) {
        floe_expr **col = floe_arena_alloc(b->a, nr * sizeof *col);
        floe_type t;
        char nm[32];
        if (col == NULL) return floe_binder_nomem(b);
        for (r = 0; r < nr; r++) col[r] = cells[r * nc + c];
        if ((rc = floe_binder_common_type(b, col, nr, "VALUES", q->off, &t))) return rc;
        for (r = 0; r < nr; r++) cells[r * nc + c] = col[r];
        p->types[c] = t;
        snprintf(nm, sizeof nm, "col%u", c);
        p->names[c] = floe_binder_strdup(b, nm);
    }
    p->u.values.nrows = nr;
    p->u.values.cells = cells;
    p->est_rows = nr;
    return order_by_outputs(b, q, p, out);
}

/* Cast plan p's columns to types t (PROJECT when any differs). */
static int cast_plan(binder *b, floe_plan *p, const floe_type *t, floe_plan **out)
{
    uint32_t i;
    bool same = true;
    floe_expr **ex;
    int rc;
    for (i = 0; i < p->ncols; i++)
        if (!floe_type_eq(p->types[i], t[i])) same = false;
    if (same) {
        *out = p;
        return FLOE_OK;
    }
    ex = floe_arena_alloc(b->a, p->ncols * sizeof *ex);
    if (ex == NULL) return floe_binder_nomem(b);
    for (i = 0; i < p->ncols; i++) {
        ex[i] = floe_bind_expr_column(b->a, i, p->types[i]);
        if (ex[i] == NULL) return floe_binder_nomem(b);
        if ((rc = floe_bind_expr_cast(b->a, ex[i], t[i], &ex[i], b->err))) return rc;
    }
    *out = floe_binder_project(b, p, ex, p->names, p->ncols);
    return *out ? FLOE_OK : floe_binder_nomem(b);
}

static floe_plan *distinct_of(binder *b, floe_plan *p)
{
    floe_plan *d = floe_binder_node(b, FLOE_PLAN_DISTINCT, p->ncols, 1);
    if (d == NULL) return NULL;
    memcpy(d->types, p->types, p->ncols * sizeof *d->types);
    memcpy(d->names, p->names, p->ncols * sizeof *d->names);
    d->children[0] = p;
    d->est_rows = p->est_rows;
    return d;
}

static int bind_setop(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    floe_plan *l, *r, *p;
    floe_type *t;
    uint32_t i;
    int rc;
    if ((rc = floe_binder_query(b, fr, q->setop.left, &l)) || (rc = floe_binder_query(b, fr, q->setop.right, &r)))
        return rc;
    if (l->ncols != r->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, q->off,
                               "each %s query must have the same number of columns",
                               q->setop.op == FLOE_AST_UNION    ? "UNION"
                               : q->setop.op == FLOE_AST_EXCEPT ? "EXCEPT"
                                                                : "INTERSECT");
    t = floe_arena_alloc(b->a, (l->ncols ? l->ncols : 1) * sizeof *t);
    if (t == NULL) return floe_binder_nomem(b);
    for (i = 0; i < l->ncols; i++) {
        floe_expr x, y;
        char b1[32], b2[32];
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        x.kind = y.kind = FLOE_EXPR_COLUMN;
        x.type = l->types[i];
        y.type = r->types[i];
        if (!floe_bind_expr_common_type(&x, &y, &t[i]))
            return floe_err_set_at(b->err, FLOE_TYPE, q->off,
                                   "set operation types %s and %s cannot be matched",
                                   floe_type_name(x.type, b1, sizeof b1),
                                   floe_type_name(y.type, b2, sizeof b2));
        if (t[i].id == FLOE_TYPE_NULL) t[i] = T(FLOE_TYPE_INTEGER);
    }
    if ((rc = cast_plan(b, l, t, &l)) || (rc = cast_plan(b, r, t, &r))) return rc;
    if (q->setop.op == FLOE_AST_UNION) {
        p = floe_binder_node(b, FLOE_PLAN_UNION_ALL, l->ncols, 2);
        if (p == NULL) return floe_binder_nomem(b);
        memcpy(p->types, t, l->ncols * sizeof *t);
        memcpy(p->names, l->names, l->ncols * sizeof *p->names);
        p->children[0] = l;
        p->children[1] = r;
        p->est_rows = l->est_rows + r->est_rows;
        if (!q->setop.all && (p = distinct_of(b, p)) == NULL) return floe_binder_nomem(b);
    } else {
        /* EXCEPT / INTERSECT (set semantics) by grouping, so NULLs compare
         * equal as the standard requires: tag left rows 1 and right rows 2,
         * UNION ALL, GROUP BY every column with min(tag) and max(tag), keep
         * groups with max = 1 (EXCEPT) or min = 1 and max = 2 (INTERSECT). */
        uint32_t n = l->ncols, side;
        floe_plan *tagged[2], *ag, *f;
        floe_expr **ex, *mn, *mx, *c1, *c2, *pred;
        const floe_type ti = T(FLOE_TYPE_INTEGER);
        if (q->setop.all)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, q->off,
                                   "EXCEPT ALL / INTERSECT ALL are not supported");
        for (side = 0; side < 2; side++) {
            floe_plan *in = side ? r : l;
            const char **nm = floe_arena_alloc(b->a, (n + 1) * sizeof *nm);
            ex = floe_arena_alloc(b->a, (n + 1) * sizeof *ex);
            if (ex == NULL || nm == NULL) return floe_binder_nomem(b);
            for (i = 0; i < n; i++) {
                if ((ex[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL) return floe_binder_nomem(b);
                nm[i] = l->names[i];
            }
            if ((ex[n] = floe_binder_const_int(b, ti, side + 1)) == NULL) return floe_binder_nomem(b);
            nm[n] = "tag";
            /* not the identity: always a real PROJECT */
            tagged[side] = floe_binder_project(b, in, ex, nm, n + 1);
            if (tagged[side] == NULL) return floe_binder_nomem(b);
        }
        p = floe_binder_node(b, FLOE_PLAN_UNION_ALL, n + 1, 2);
        ag = floe_binder_node(b, FLOE_PLAN_AGGREGATE, n + 2, 1);
        f = floe_binder_node(b, FLOE_PLAN_FILTER, n + 2, 1);
        if (p == NULL || ag == NULL || f == NULL) return floe_binder_nomem(b);
        memcpy(p->types, tagged[0]->types, (n + 1) * sizeof *p->types);
        memcpy(p->names, tagged[0]->names, (n + 1) * sizeof *p->names);
        p->children[0] = tagged[0];
        p->children[1] = tagged[1];
        p->est_rows = l->est_rows + r->est_rows;
        ag->u.agg.groups = floe_arena_alloc(b->a, (n ? n : 1) * sizeof(floe_expr *));
        ag->u.agg.aggs = floe_arena_alloc(b->a, 2 * sizeof(floe_agg));
        if (ag->u.agg.groups == NULL || ag->u.agg.aggs == NULL) return floe_binder_nomem(b);
        for (i = 0; i < n; i++) {
            if ((ag->u.agg.groups[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL)
                return floe_binder_nomem(b);
            ag->types[i] = t[i];
            ag->names[i] = l->names[i];
        }
        ag->u.agg.ngroups = n;
        ag->u.agg.naggs = 2;
        for (i = 0; i < 2; i++) {
            floe_agg *g = &ag->u.agg.aggs[i];
            memset(g, 0, sizeof *g);
            g->fn = i ? FLOE_AGG_MAX : FLOE_AGG_MIN;
            g->type = ti;
            if ((g->arg = floe_bind_expr_column(b->a, n, ti)) == NULL) return floe_binder_nomem(b);
            ag->types[n + i] = ti;
            ag->names[n + i] = i ? "max_tag" : "min_tag";
        }
        ag->children[0] = p;
        ag->est_rows = l->est_rows;
        mn = floe_bind_expr_column(b->a, n, ti);
        mx = floe_bind_expr_column(b->a, n + 1, ti);
        c1 = floe_binder_const_int(b, ti, 1);
        c2 = floe_binder_const_int(b, ti, 2);
        if (mn == NULL || mx == NULL || c1 == NULL || c2 == NULL) return floe_binder_nomem(b);
        if (q->setop.op == FLOE_AST_EXCEPT) {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mx, c1, &pred, b->err)))
                return rc;
        } else {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mn, c1, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mx, c2, &c2, b->err)) ||
                (rc = floe_binder_logic2(b, FLOE_EXPR_AND, c1, c2, &pred)))
                return rc;
        }
        memcpy(f->types, ag->types, (n + 2) * sizeof *f->types);
        memcpy(f->names, ag->names, (n + 2) * sizeof *f->names);
        f->children[0] = ag;
        f->u.filter.pred = pred;
        f->est_rows = l->est_rows * 0.5;
        ex = floe_arena_alloc(b->a, (n ? n : 1) * sizeof *ex);
        if (ex == NULL) return floe_binder_nomem(b);
        for (i = 0; i < n; i++)
            if ((ex[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL) return floe_binder_nomem(b);
        p = floe_binder_project(b, f, ex, l->names, n);
        if (p == NULL) return floe_binder_nomem(b);
        p->est_rows = l->est_rows;
    }
    return order_by_outputs(b, q, p, out);
}

int floe_binder_query(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc = FLOE_OK, i;
    if (++b->qdepth > 200) {
        b->qdepth--;
        return floe_err_set_at(b->err, FLOE_ERROR, q->off, "query nested too deeply");
    }
    for (i = 0; i < q->nctes; i++) {
        cte_def *c = floe_arena_alloc(b->a, sizeof *c), *o;
        if (c == NULL) {
            rc = floe_binder_nomem(b);
            goto done;
        }
        for (o = b->ctes; o != saved; o = o->next)
            if (strcmp(o->name, q->ctes[i].name) == 0) {
                rc = floe_err_set_at(b->err, FLOE_ERROR, q->ctes[i].off,
                                     "WITH query name \"%s\" specified more than once",
                                     q->ctes[i].name);
                goto done;
            }
        memset(c, 0, sizeof *c);
        c->name = q->ctes[i].name;
        c->ast = &q->ctes[i];
        c->recursive = q->recursive;
        c->nrefs = floe_binder_cte_refs(q, i);
        c->shared = NULL;
        c->visible = b->ctes;
        c->next = b->ctes;
        b->ctes = c;
    }
    switch (q->kind) {
    case FLOE_AST_Q_SELECT:
        if (q->select.ndistinct_on && (rc = floe_binder_distinct_on(b, q, &q))) break;
        rc = bind_select(b, fr, q, out);
        break;
    case FLOE_AST_Q_VALUES: rc = bind_values(b, fr, q, out); break;
    case FLOE_AST_Q_SETOP: rc = bind_setop(b, fr, q, out); break;
    }
done:
    b->ctes = saved;
    b->qdepth--;
    return rc;
}
