/* sql/bind_from.c: binding of FROM items.
 *
 * Tables (through the catalog), CTE references, derived tables and joins:
 * each relation is added to the block with its columns, inner join
 * conditions join the WHERE conjuncts, outer joins become LEFT items for
 * the planner (sql/planner.h).
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

static int bind_cte_ref(binder *b, block *bk, cte_def *c, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc;
    /* a CTE sees the CTEs defined before it, not itself */
    b->ctes = c->visible;
    rc = floe_binder_query(b, bk->fr, c->ast->query, out);
    b->ctes = saved;
    return rc;
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
    if (it == NULL) return floe_binder_nomem(b);
    memset(it, 0, sizeof *it);
    memset(&r, 0, sizeof r);
    if (f->kind == FLOE_AST_FROM_TABLE)
        for (c = b->ctes; c; c = c->next)
            if (strcmp(c->name, f->table) == 0) break;
    if (f->kind == FLOE_AST_FROM_SUBQUERY || c) {
        floe_plan *p;
        if (c) {
            if ((rc = bind_cte_ref(b, bk, c, &p))) return rc;
            if (alias == NULL) alias = c->name;
            if (ncols == 0 && c->ast->ncols) {
                cols = c->ast->cols;
                ncols = c->ast->ncols;
            }
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
    return push_item(b, items, nitems, capitems, it);
}

/* A join: both sides, then ON / USING as WHERE conjuncts (inner) or as the
 * condition of a LEFT item (outer; RIGHT swaps the sides). */
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
    bool outer = k == FLOE_AST_JOIN_LEFT || k == FLOE_AST_JOIN_RIGHT;
    if (k == FLOE_AST_JOIN_FULL)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, f->off, "FULL JOIN is not supported");
    if (!outer) {
        if ((rc = floe_binder_from(fc, lf, items, nitems, capitems))) return rc;
        rcol0 = bk->ncols;
        if ((rc = floe_binder_from(fc, rf, items, nitems, capitems))) return rc;
    } else {
        if ((rc = floe_binder_from(fc, lf, &lefts, &nl, &capl))) return rc;
        rcol0 = bk->ncols;
        if ((rc = floe_binder_from(fc, rf, &rights, &nr, &capr))) return rc;
    }
    rcol1 = bk->ncols;
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
    for (i = 0; i < (uint32_t)f->join.nusing; i++) {
        const char *u = f->join.using_cols[i];
        int li = -1, ri = -1;
        uint32_t j;
        floe_expr *lx, *rx, *eq;
        for (j = lcol0; j < rcol0; j++)
            if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) li = (int)j;
        for (j = rcol0; j < rcol1; j++)
            if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) ri = (int)j;
        if (li < 0 || ri < 0)
            return floe_err_set_at(b->err, FLOE_ERROR, f->off,
                                   "column \"%s\" specified in USING clause does not exist in %s table",
                                   u, li < 0 ? "left" : "right");
        lx = floe_bind_expr_column(b->a, bk->cols[li].gid, bk->cols[li].type);
        rx = floe_bind_expr_column(b->a, bk->cols[ri].gid, bk->cols[ri].type);
        if (lx == NULL || rx == NULL) return floe_binder_nomem(b);
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", lx, rx, &eq, b->err)))
            return floe_binder_at(b, rc, f->off);
        bk->cols[k == FLOE_AST_JOIN_RIGHT ? li : ri].hidden = true;
        if (outer) {
            if (floe_planner_conjuncts(b->a, eq, &onl, &non, &capon)) return floe_binder_nomem(b);
        } else if ((rc = floe_binder_add_conj(fc, eq))) {
            return rc;
        }
    }
    if (outer) {
        floe_pitem *it = floe_arena_alloc(b->a, sizeof *it);
        if (it == NULL) return floe_binder_nomem(b);
        memset(it, 0, sizeof *it);
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
        it->kind = FLOE_PITEM_LEFT;
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
