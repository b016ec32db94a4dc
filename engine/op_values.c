/* engine/op_values.c: VALUES: literal rows, FLOE_VEC_SIZE at a time.
 *
 * Cells that are not constants are evaluated once per row with the op's
 * eval context (parameters, uncorrelated subqueries); VARCHAR results are
 * copied into the batch, the folded constants kept in the op's arena until
 * it closes. Owns its arena; no children.
 */
#include "engine/exec.h"
#include "util/mem.h"

typedef struct values_op {
    floe_exec_op base;
    uint32_t row;         /* next row to emit */
    floe_arena *arena;    /* folded VARCHAR constants */
} values_op;

static int values_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    values_op *v = (values_op *)op;
    const floe_plan *p = op->plan;
    uint32_t n, r, c;
    int rc;
    if (v->row >= p->u.values.nrows) return FLOE_DONE;
    n = p->u.values.nrows - v->row;
    if (n > FLOE_VEC_SIZE) n = FLOE_VEC_SIZE;
    rc = floe_batch_init(out, p->ncols, p->types, n);
    if (rc) return floe_err_nomem(err);
    for (r = 0; r < n; r++) {
        for (c = 0; c < p->ncols; c++) {
            const floe_expr *e = p->u.values.cells[(size_t)(v->row + r) * p->ncols + c];
            floe_value val;
            floe_vec *col = &out->cols[c];
            if (e->kind == FLOE_EXPR_CONST) {
                val = e->value;
            } else {
                rc = floe_expr_eval_const(e, &op->ectx, v->arena, &val, err);
                if (rc) goto fail;
            }
            if (val.is_null || val.type.id == FLOE_TYPE_NULL) {
                rc = floe_vec_set_null(col, r);
            } else if (col->type.id == FLOE_TYPE_VARCHAR) {
                rc = floe_vec_set_string(col, r, val.v.s.ptr, val.v.s.len);
            } else {
                val.type = col->type;
                floe_value_store(&val, col->data, r);
                rc = FLOE_OK;
            }
            if (rc) {
                rc = floe_err_nomem(err);
                goto fail;
            }
        }
    }
    for (c = 0; c < p->ncols; c++) out->cols[c].n = n;
    out->n = n;
    v->row += n;
    return FLOE_ROW;
fail:
    floe_batch_free(out);
    return rc;
}

static void values_close(floe_exec_op *op)
{
    floe_arena_free(((values_op *)op)->arena);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_values_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    values_op *v = floe_calloc(1, sizeof *v);
    if (v == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&v->base, ex, p);
    v->base.next = values_next;
    v->base.close = values_close;
    v->arena = floe_arena_new(0);
    if (v->arena == NULL) {
        values_close(&v->base);
        return floe_err_nomem(err);
    }
    *out = &v->base;
    return FLOE_OK;
}
