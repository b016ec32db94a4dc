/* sql/bind_from.c: binding of FROM items.
 *
 * Tables (through the catalog), CTE references, derived tables and joins:
 * each relation is added to the block with its columns, inner join
 * conditions join the WHERE conjuncts, outer joins become LEFT items (LEFT,
 * RIGHT swapped) or OUTER items (FULL, RIGHT over several items) for the
 * planner (sql/planner.h). USING / NATURAL keep one visible copy of each
 * named column (FULL: reading COALESCE of both).
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

/* ------------------------------------------------------------ FROM */


int floe_binder_add_conj(fromctx *fc, floe_expr *e)
{
    return floe_planner_conjuncts(fc->bk->b->a, e, &fc->conj, &fc->nconj, &fc->capconj) ? floe_binder_nomem(fc->bk->b) : FLOE_OK;
}

static int push_item(binder *b, floe_pitem ***list, uint32_t *n, uint32_t *cap, floe_pitem *it)
{
    *list = floe_binder_grow(b, *list, *n, cap, sizeof **list);
    if (*list == NULL) return floe_binder_nomem(b);
    (*list)[(*n)++] = it;
    return FLOE_OK;
}

/* A CTE_SCAN of shared plan def (its own column arrays: callers rename). */
static floe_plan *cte_scan(binder *b, cte_def *c)
{
    floe_plan *def = c->shared, *p = floe_planner_node(b->a, FLOE_PLAN_CTE_SCAN, def->ncols, 0);
    if (p == NULL) return NULL;
    memcpy(p->types, def->types, def->ncols * sizeof *p->types);
    memcpy(p->names, def->names, def->ncols * sizeof *p->names);
    p->est_rows = def->est_rows;
    p->u.cte.def = def;
    p->u.cte.name = floe_binder_strdup(b, c->name); /* the AST goes before the plan */
    if (p->u.cte.name == NULL) return NULL;
    return p;
}

/* A reference to CTE c: its query bound in place, or, for a CTE referenced
 * more than once that reads no outer value, a CTE_SCAN of one shared plan
 * (computed once per query). */
static int bind_cte_ref(binder *b, block *bk, cte_def *c, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc;
    if (c->shared == NULL) {
        /* a CTE sees the CTEs defined before it, not itself */
        b->ctes = c->visible;
        rc = floe_binder_query(b, bk->fr, c->ast->query, out);
        b->ctes = saved;
        if (rc || c->nrefs < 2 || floe_binder_plan_has_param(*out)) return rc;
        c->shared = *out;
    }
    if ((*out = cte_scan(b, c)) == NULL) return floe_binder_nomem(b);
    return FLOE_OK;
}

/* LATERAL (query): bound in a frame whose outer block is this one, so
 * references to earlier FROM items become its PARAMs (*lfr->args). */
static int bind_lateral(fromctx *fc, const floe_ast_from *f, floe_plan **p, frame **lfr)
{
    binder *b = fc->bk->b;
    frame *fr = floe_arena_alloc(b->a, sizeof *fr);
    if (fr == NULL) return floe_binder_nomem(b);
    memset(fr, 0, sizeof *fr);
    fr->outer = fc->bk;
    *lfr = fr;
    return floe_binder_query(b, fr, f->query, p);
}

/* A table, CTE reference or derived table: one relation of the block. */
static int bind_rel(fromctx *fc, const floe_ast_from *f, floe_pitem ***items, uint32_t *nitems,
                    uint32_t *capitems)
{
    block *bk = fc->bk;
    binder *b = bk->b;
    int rc;
    uint32_t i;
    floe_prel r;
    floe_pitem *it = floe_arena_alloc(b->a, sizeof *it);
    const char *alias = f->alias;
    const char **cols = f->cols;
    int ncols = f->ncols;
    cte_def *c = NULL;
    const floe_ast_query *vq = NULL; /* a view's query */
    const char *vsql = NULL;
    const char *const *vcols = NULL;
    int nvcols = 0;
    frame *lfr = NULL;
    if (it == NULL) return floe_binder_nomem(b);
    memset(it, 0, sizeof *it);
    memset(&r, 0, sizeof r);
    if (f->kind == FLOE_AST_FROM_TABLE)
        for (c = b->ctes; c; c = c->next)
            if (strcmp(c->name, f->table) == 0) break;
    if (f->kind == FLOE_AST_FROM_TABLE && c == NULL &&
        (rc = floe_binder_find_view(b, f->table, &vq, &vsql, &vcols, &nvcols)))
        return floe_binder_at(b, rc, f->off);
    if (f->kind == FLOE_AST_FROM_SUBQUERY || c || vq) {
        floe_plan *p;
        if (vq) {
            if ((rc = floe_binder_view_query(b, f->table, vq, vsql, f->off, &p))) return rc;
            if (alias == NULL) alias = f->table;
            if (ncols == 0 && nvcols) {
                cols = (const char **)vcols;
                ncols = nvcols;
            }
        } else if (c && c->wt) {
            /* the recursive term's reference: the working table */
            p = c->wt;
            *c->wt_used = true;
            if (alias == NULL) alias = c->name;
            if (ncols == 0 && c->ast->ncols) {
                cols = c->ast->cols;
                ncols = c->ast->ncols;
            }
        } else if (c) {
            if ((rc = c->recursive ? floe_binder_recursive_cte(b, bk->fr, c, &p)
                                   : bind_cte_ref(b, bk, c, &p)))
                return rc;
            if (alias == NULL) alias = c->name;
            if (ncols == 0 && c->ast->ncols) {
                cols = c->ast->cols;
                ncols = c->ast->ncols;
            }
        } else if (f->lateral) {
            if ((rc = bind_lateral(fc, f, &p, &lfr))) return rc;
        } else if ((rc = floe_binder_query(b, bk->fr, f->query, &p))) {
            return rc;
        }
        r.is_table = false;
        r.plan = p;
        r.ncols = p->ncols;
        r.types = p->types;
        r.names = p->names;
        r.est_rows = p->est_rows;
    } else {
        floe_cat_table t;
        floe_type *types;
        const char **names;
        if (f->kind == FLOE_AST_FROM_FUNCTION)
            rc = floe_binder_table_function(b, f, &t);
        else
            rc = floe_binder_find_table(b, f->table, f->off, &t);
        if (rc) return rc;
        r.is_table = true;
        if ((rc = floe_binder_plan_table(b, &t, &r.table))) return rc;
        r.table_name = b->qp->table_names[r.table];
        r.ncols = t.ncols;
        types = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *types);
        names = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *names);
        if (types == NULL || names == NULL) return floe_binder_nomem(b);
        for (i = 0; i < t.ncols; i++) {
            types[i] = t.cols[i].type;
            names[i] = floe_binder_strdup(b, t.cols[i].name);
            if (names[i] == NULL) return floe_binder_nomem(b);
        }
        r.types = types;
        r.names = names;
        r.est_rows = t.nrows;
        {
            double *ndv = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *ndv);
            if (ndv == NULL) return floe_binder_nomem(b);
            for (i = 0; i < t.ncols; i++)
                ndv[i] = t.ndv && t.ndv[i] > 0 ? t.ndv[i] : (i == 0 ? t.nrows : 0);
            r.ndv = ndv;
        }
        if (alias == NULL) alias = f->kind == FLOE_AST_FROM_FUNCTION ? f->func.name : f->table;
    }
    it->kind = FLOE_PITEM_REL;
    it->rel = bk->nrels;
    if ((rc = floe_binder_add_rel(bk, &r, alias, cols, ncols, f->off))) return rc;
    if (lfr && lfr->n > 0) {
        /* reads earlier items: a LATERAL item over all of them */
        if (*nitems == 0)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, f->off,
                                   "LATERAL is supported after the items it reads in a FROM list, "
                                   "CROSS JOIN or [INNER] JOIN");
        it->kind = FLOE_PITEM_LATERAL;
        it->lefts = floe_arena_alloc(b->a, *nitems * sizeof *it->lefts);
        if (it->lefts == NULL) return floe_binder_nomem(b);
        memcpy(it->lefts, *items, *nitems * sizeof *it->lefts);
        it->nleft = *nitems;
        it->params = lfr->args;
        it->nparams = lfr->n;
        *nitems = 0;
    }
    return push_item(b, items, nitems, capitems, it);
}

/* NATURAL: the visible column names of the left range also visible in
 * the right range, in left order. */
static int natural_cols(block *bk, uint32_t lcol0, uint32_t rcol0, uint32_t rcol1,
                        const char ***out, int *nout)
{
    uint32_t i, j, n = 0;
    const char **l = floe_arena_alloc(bk->b->a, (rcol0 - lcol0 + 1) * sizeof *l);
    if (l == NULL) return floe_binder_nomem(bk->b);
    for (i = lcol0; i < rcol0; i++) {
        if (bk->cols[i].hidden) continue;
        for (j = rcol0; j < rcol1; j++)
            if (!bk->cols[j].hidden && strcmp(bk->cols[i].name, bk->cols[j].name) == 0) break;
        if (j < rcol1) l[n++] = bk->cols[i].name;
    }
    *out = l;
    *nout = (int)n;
    return FLOE_OK;
}

/* USING column u: the equality (ge: left >= right) of its left and right copies (*eq); the
 * right copy is hidden, and the visible left one reads the right copy for
 * RIGHT, COALESCE(left, right) for FULL (DuckDB, PostgreSQL). */
static int using_col(block *bk, const floe_ast_from *f, const char *u, uint32_t lcol0,
                     uint32_t rcol0, uint32_t rcol1, bool ge, floe_expr **eq)
{
    binder *b = bk->b;
    floe_ast_join_kind k = f->join.kind;
    int li = -1, ri = -1, rc;
    uint32_t j;
    floe_expr *lx, *rx;
    for (j = lcol0; j < rcol0; j++)
        if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) li = (int)j;
    for (j = rcol0; j < rcol1; j++)
        if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) ri = (int)j;
    if (li < 0 || ri < 0)
        return floe_err_set_at(b->err, FLOE_ERROR, f->off,
                               "column \"%s\" specified in USING clause does not exist in %s table",
                               u, li < 0 ? "left" : "right");
    lx = bk->cols[li].merged ? floe_bind_expr_copy(b->a, bk->cols[li].merged)
                             : floe_bind_expr_column(b->a, bk->cols[li].gid, bk->cols[li].type);
    rx = bk->cols[ri].merged ? floe_bind_expr_copy(b->a, bk->cols[ri].merged)
                             : floe_bind_expr_column(b->a, bk->cols[ri].gid, bk->cols[ri].type);
    if (lx == NULL || rx == NULL) return floe_binder_nomem(b);
    if ((rc = floe_bind_expr_binary(b->a, ge ? FLOE_FN_GE : FLOE_FN_EQ, ge ? ">=" : "=", lx, rx, eq,
                                    b->err)))
        return floe_binder_at(b, rc, f->off);
    bk->cols[ri].hidden = true;
    if (k == FLOE_AST_JOIN_RIGHT) {
        /* shown where the left copy was, with the right one's value */
        if ((bk->cols[li].merged = floe_bind_expr_copy(b->a, rx)) == NULL)
            return floe_binder_nomem(b);
    } else if (k == FLOE_AST_JOIN_FULL) {
        floe_expr *args[2], *m;
        floe_type t;
        args[0] = floe_bind_expr_copy(b->a, lx);
        args[1] = floe_bind_expr_copy(b->a, rx);
        if (args[0] == NULL || args[1] == NULL) return floe_binder_nomem(b);
        if ((rc = floe_binder_common_type(b, args, 2, "USING", f->off, &t))) return rc;
        m = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, t, 2);
        if (m == NULL) return floe_binder_nomem(b);
        memcpy(m->args, args, sizeof args);
        bk->cols[li].merged = m;
    }
    return FLOE_OK;
}

/* A join: both sides, then ON / USING as WHERE conjuncts (inner), as the
 * condition of a LEFT item (LEFT, and RIGHT with a single left item:
 * the sides swap), or of an OUTER item (FULL; RIGHT otherwise), whose
 * sides keep their own inner join conditions. */
static int bind_join(fromctx *fc, const floe_ast_from *f, floe_pitem ***items, uint32_t *nitems,
                     uint32_t *capitems)
{
    block *bk = fc->bk;
    binder *b = bk->b;
    int rc;
    uint32_t i;
    floe_ast_join_kind k = f->join.kind;
    const floe_ast_from *lf = f->join.left, *rf = f->join.right;
    uint32_t lcol0 = bk->ncols, rcol0, rcol1;
    floe_expr **onl = NULL;
    uint32_t non = 0, capon = 0;
    floe_pitem **lefts = NULL, **rights = NULL;
    uint32_t nl = 0, capl = 0, nr = 0, capr = 0;
    bool outer = k == FLOE_AST_JOIN_LEFT || k == FLOE_AST_JOIN_RIGHT || k == FLOE_AST_JOIN_FULL ||
                 f->join.asof;
    bool sep = k == FLOE_AST_JOIN_RIGHT || k == FLOE_AST_JOIN_FULL; /* sides keep their conjuncts */
    fromctx lfc, rfc;
    const char **ucols = f->join.using_cols;
    int nusing = f->join.nusing;
    bool lat = k == FLOE_AST_JOIN_LEFT && !f->join.asof && rf->kind == FLOE_AST_FROM_SUBQUERY &&
               rf->lateral;
    memset(&lfc, 0, sizeof lfc);
    memset(&rfc, 0, sizeof rfc);
    lfc.bk = rfc.bk = bk;
    if (!outer) {
        if ((rc = floe_binder_from(fc, lf, items, nitems, capitems))) return rc;
        rcol0 = bk->ncols;
        if ((rc = floe_binder_from(fc, rf, items, nitems, capitems))) return rc;
    } else if (lat) {
        if ((rc = floe_binder_from(fc, lf, &lefts, &nl, &capl))) return rc;
        rcol0 = bk->ncols;
        /* bound over the lefts: they become the lateral item's left side */
        if ((rc = floe_binder_from(fc, rf, &lefts, &nl, &capl))) return rc;
        if (nl != 1 || lefts[0]->kind != FLOE_PITEM_LATERAL)
            lat = false; /* reads nothing on its left: a plain LEFT JOIN */
        if (!lat) {
            rights = lefts + nl - 1;
            nr = 1;
            nl--;
        }
    } else {
        if ((rc = floe_binder_from(sep ? &lfc : fc, lf, &lefts, &nl, &capl))) return rc;
        rcol0 = bk->ncols;
        if ((rc = floe_binder_from(sep ? &rfc : fc, rf, &rights, &nr, &capr))) return rc;
    }
    rcol1 = bk->ncols;
    if (f->join.natural && (rc = natural_cols(bk, lcol0, rcol0, rcol1, &ucols, &nusing)))
        return rc;
    /* ON / USING conditions */
    if (f->join.on) {
        floe_expr *on;
        bool saved = bk->agg_ok;
        bk->agg_ok = false;
        rc = floe_binder_expr(bk, f->join.on, &on);
        bk->agg_ok = saved;
        if (rc) return rc;
        if (on->type.id != FLOE_TYPE_BOOLEAN &&
            (rc = floe_bind_expr_cast(b->a, on, T(FLOE_TYPE_BOOLEAN), &on, b->err)))
            return floe_binder_at(b, rc, f->join.on->off);
        if (outer) {
            if (floe_planner_conjuncts(b->a, on, &onl, &non, &capon)) return floe_binder_nomem(b);
        } else if ((rc = floe_binder_add_conj(fc, on))) {
            return rc;
        }
    }
    for (i = 0; i < (uint32_t)nusing; i++) {
        floe_expr *eq;
        /* ASOF ... USING (keys..., t): the last column is `left.t >= right.t` */
        bool ge = f->join.asof && i + 1 == (uint32_t)nusing;
        if ((rc = using_col(bk, f, ucols[i], lcol0, rcol0, rcol1, ge, &eq))) return rc;
        if (outer) {
            if (floe_planner_conjuncts(b->a, eq, &onl, &non, &capon)) return floe_binder_nomem(b);
        } else if ((rc = floe_binder_add_conj(fc, eq))) {
            return rc;
        }
    }
    if (outer && lat) {
        /* LEFT JOIN LATERAL: the lateral item over the lefts keeps ON */
        floe_pitem *it = lefts[0];
        it->jtype = FLOE_JOIN_LEFT;
        it->on = onl;
        it->non = non;
        return push_item(b, items, nitems, capitems, it);
    }
    if (outer) {
        floe_pitem *it = floe_arena_alloc(b->a, sizeof *it);
        if (it == NULL) return floe_binder_nomem(b);
        memset(it, 0, sizeof *it);
        if (!f->join.asof && (k == FLOE_AST_JOIN_FULL || (k == FLOE_AST_JOIN_RIGHT && nl != 1))) {
            it->kind = FLOE_PITEM_OUTER;
            it->jtype = k == FLOE_AST_JOIN_FULL ? FLOE_JOIN_FULL : FLOE_JOIN_RIGHT;
            it->lefts = lefts;
            it->nleft = nl;
            it->rights = rights;
            it->nright = nr;
            it->lconj = lfc.conj;
            it->nlconj = lfc.nconj;
            it->rconj = rfc.conj;
            it->nrconj = rfc.nconj;
            it->on = onl;
            it->non = non;
            return push_item(b, items, nitems, capitems, it);
        }
        if (sep) {
            /* RIGHT as a swapped LEFT: the inner conditions of its sides
             * are WHERE conjuncts again (planned into the preserved side) */
            for (i = 0; i < lfc.nconj; i++)
                if ((rc = floe_binder_add_conj(fc, lfc.conj[i]))) return rc;
            for (i = 0; i < rfc.nconj; i++)
                if ((rc = floe_binder_add_conj(fc, rfc.conj[i]))) return rc;
        }
        if (k == FLOE_AST_JOIN_RIGHT) {
            floe_pitem **ts = lefts;
            uint32_t tn = nl;
            lefts = rights;
            nl = nr;
            rights = ts;
            nr = tn;
        }
        if (nr != 1)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, f->off,
                                   "the inner side of an outer join must be a single table or subquery");
        it->kind = f->join.asof ? FLOE_PITEM_ASOF : FLOE_PITEM_LEFT;
        it->jtype = k == FLOE_AST_JOIN_LEFT ? FLOE_JOIN_LEFT : FLOE_JOIN_INNER;
        it->lefts = lefts;
        it->nleft = nl;
        it->right = rights[0];
        it->on = onl;
        it->non = non;
        return push_item(b, items, nitems, capitems, it);
    }
    return FLOE_OK;
}

int floe_binder_from(fromctx *fc, const floe_ast_from *f, floe_pitem ***items, uint32_t *nitems,
                     uint32_t *capitems)
{
    if (f->kind == FLOE_AST_FROM_TABLE || f->kind == FLOE_AST_FROM_SUBQUERY ||
        f->kind == FLOE_AST_FROM_FUNCTION)
        return bind_rel(fc, f, items, nitems, capitems);
    return bind_join(fc, f, items, nitems, capitems);
}
