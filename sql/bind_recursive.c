/* sql/bind_recursive.c: WITH RECURSIVE.
 *
 * A CTE defined by WITH RECURSIVE whose query is `anchor UNION [ALL] step`
 * and whose step reads the CTE itself binds to a RECURSIVE plan node
 * (engine/op_recursive.c): the anchor is bound without the CTE in scope,
 * then the step with the CTE's name bound to a WORKTABLE node of the
 * anchor's column types (references in the step read the previous
 * iteration's new rows); step columns are cast to the anchor's types
 * (PostgreSQL). Any other CTE of a WITH RECURSIVE list binds as a plain
 * one. Each reference to the CTE binds (and runs) it again, like any CTE.
 * Iteration stops at the fixpoint or fails after FLOE_RECURSIVE_MAX_ITER
 * iterations.
 */
#include "sql/bind_internal.h"

#include <string.h>

#include "sql/bind_expr.h"

#define FLOE_RECURSIVE_MAX_ITER 1000000

static int plain(binder *b, frame *fr, cte_def *c, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc;
    b->ctes = c->visible;
    rc = floe_binder_query(b, fr, c->ast->query, out);
    b->ctes = saved;
    return rc;
}

int floe_binder_recursive_cte(binder *b, frame *fr, cte_def *c, floe_plan **out)
{
    const floe_ast_query *q = c->ast->query;
    cte_def *saved = b->ctes, self;
    floe_plan *anchor, *step, *wt, *r;
    floe_expr **casts = NULL;
    bool used = false;
    uint32_t i;
    int rc;
    if (q->kind != FLOE_AST_Q_SETOP || q->setop.op != FLOE_AST_UNION || q->nctes ||
        q->norder_by || q->limit || q->offset)
        return plain(b, fr, c, out);
    b->ctes = c->visible;
    rc = floe_binder_query(b, fr, q->setop.left, &anchor);
    b->ctes = saved;
    if (rc) return rc;
    if (c->ast->ncols && (uint32_t)c->ast->ncols != anchor->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, c->ast->off,
                               "WITH query \"%s\" has %u columns available but %d columns specified",
                               c->name, anchor->ncols, c->ast->ncols);
    wt = floe_binder_node(b, FLOE_PLAN_WORKTABLE, anchor->ncols, 0);
    if (wt == NULL) return floe_binder_nomem(b);
    memcpy(wt->types, anchor->types, anchor->ncols * sizeof *wt->types);
    for (i = 0; i < anchor->ncols; i++)
        wt->names[i] = (int)i < c->ast->ncols ? c->ast->cols[i] : anchor->names[i];
    wt->est_rows = anchor->est_rows;
    if ((wt->u.worktable.key = floe_arena_alloc(b->a, 1)) == NULL) return floe_binder_nomem(b);
    self = *c;
    self.next = c->visible;
    self.recursive = false;
    self.wt = wt;
    self.wt_used = &used;
    b->ctes = &self;
    rc = floe_binder_query(b, fr, q->setop.right, &step);
    b->ctes = saved;
    if (rc) return rc;
    if (!used) return plain(b, fr, c, out); /* a plain UNION after all */
    if (step->ncols != anchor->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, q->off,
                               "each UNION query must have the same number of columns");
    for (i = 0; i < anchor->ncols; i++) {
        if (floe_type_eq(step->types[i], anchor->types[i])) continue;
        if (casts == NULL) {
            uint32_t k;
            casts = floe_arena_alloc(b->a, anchor->ncols * sizeof *casts);
            if (casts == NULL) return floe_binder_nomem(b);
            for (k = 0; k < anchor->ncols; k++)
                if ((casts[k] = floe_bind_expr_column(b->a, k, step->types[k])) == NULL)
                    return floe_binder_nomem(b);
        }
        if ((rc = floe_bind_expr_cast(b->a, casts[i], anchor->types[i], &casts[i], b->err)))
            return floe_binder_at(b, rc, q->setop.right->off);
    }
    if (casts && (step = floe_binder_project(b, step, casts, wt->names, anchor->ncols)) == NULL)
        return floe_binder_nomem(b);
    r = floe_binder_node(b, FLOE_PLAN_RECURSIVE, anchor->ncols, 2);
    if (r == NULL) return floe_binder_nomem(b);
    memcpy(r->types, anchor->types, anchor->ncols * sizeof *r->types);
    memcpy(r->names, wt->names, anchor->ncols * sizeof *r->names);
    r->children[0] = anchor;
    r->children[1] = step;
    r->u.recursive.key = wt->u.worktable.key;
    r->u.recursive.distinct = !q->setop.all;
    r->u.recursive.max_iter = FLOE_RECURSIVE_MAX_ITER;
    r->est_rows = anchor->est_rows * 10;
    *out = r;
    return FLOE_OK;
}
