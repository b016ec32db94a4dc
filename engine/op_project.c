/* engine/op_project.c: PROJECT: one output column per expression.
 *
 * Computed columns are evaluated first, while every input vector is still
 * in place; then column references take the input vector (moved the first
 * time, borrowed from the moved one after), so a pass-through column is
 * never copied. The input's selection vector carries over. Streaming, one
 * op per worker; owns its child.
 */
#include <string.h>

#include "engine/exec.h"
#include "util/mem.h"

typedef struct project_op {
    floe_exec_op base;
    floe_exec_op *child;
} project_op;

static void project_close(floe_exec_op *op)
{
    floe_exec_op_free(((project_op *)op)->child);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

static int project_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    project_op *u = (project_op *)op;
    const floe_plan *p = op->plan;
    floe_batch in;
    uint32_t c, *moved_to;
    int rc;
    memset(&in, 0, sizeof in);
    rc = u->child->next(u->child, &in, err);
    if (rc != FLOE_ROW) return rc;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(p->ncols ? p->ncols : 1, sizeof *out->cols);
    moved_to = floe_malloc((in.ncols ? in.ncols : 1) * sizeof *moved_to);
    if (out->cols == NULL || moved_to == NULL) {
        floe_free(moved_to);
        floe_batch_free(out);
        floe_batch_free(&in);
        return floe_err_nomem(err);
    }
    out->ncols = p->ncols;
    out->n = in.n;
    /* computed columns first, while every input vector is still in place */
    for (c = 0; c < p->ncols; c++) {
        const floe_expr *e = p->u.project.exprs[c];
        if (e->kind == FLOE_EXPR_COLUMN && e->index < in.ncols) continue;
        rc = floe_exec_eval(op, e, &in, &out->cols[c], err);
        if (rc) {
            floe_free(moved_to);
            floe_batch_free(out);
            floe_batch_free(&in);
            return rc;
        }
    }
    /* then column references: move an input vector the first time, borrow
     * from the moved one afterwards (both live in `out`) */
    for (c = 0; c < in.ncols; c++) moved_to[c] = UINT32_MAX;
    for (c = 0; c < p->ncols; c++) {
        const floe_expr *e = p->u.project.exprs[c];
        if (!(e->kind == FLOE_EXPR_COLUMN && e->index < in.ncols)) continue;
        if (moved_to[e->index] != UINT32_MAX) {
            out->cols[c] = out->cols[moved_to[e->index]];
            out->cols[c].flags |= FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
            out->cols[c].heap = NULL;
        } else {
            out->cols[c] = in.cols[e->index];
            memset(&in.cols[e->index], 0, sizeof in.cols[e->index]);
            moved_to[e->index] = c;
        }
    }
    floe_free(moved_to);
    if (in.sel) {
        out->sel = in.sel;
        out->nsel = in.nsel;
        in.sel = NULL;
    }
    floe_batch_free(&in);
    return FLOE_ROW;
}

/* Its child is built with the same morsel dispenser: FILTER and PROJECT
 * stay inside the pipeline of the SCAN below them. */
int floe_op_project_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                         floe_exec_op **out, floe_err *err)
{
    project_op *u = floe_calloc(1, sizeof *u);
    int rc;
    if (u == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&u->base, ex, p);
    u->base.next = project_next;
    u->base.close = project_close;
    rc = floe_exec_build(ex, p->children[0], shared, &u->child, err);
    if (rc) {
        project_close(&u->base);
        return rc;
    }
    *out = &u->base;
    return FLOE_OK;
}
