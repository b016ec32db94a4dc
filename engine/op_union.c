/* engine/op_union.c: UNION_ALL: the batches of its children, one child
 * after the other.
 *
 * Builds each child only when the previous one is exhausted and frees it
 * right after, so at most one child is open. Owns the open child.
 */
#include "engine/exec.h"
#include "util/mem.h"

typedef struct union_op {
    floe_exec_op base;
    uint32_t i;          /* current child */
    floe_exec_op *child; /* open child i, or NULL */
} union_op;

static int union_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    union_op *u = (union_op *)op;
    int rc;
    while (u->i < op->plan->nchildren) {
        if (u->child == NULL) {
            rc = floe_exec_build(op->ex, op->plan->children[u->i], NULL, &u->child, err);
            if (rc) return rc;
        }
        rc = u->child->next(u->child, out, err);
        if (rc != FLOE_DONE) return rc;
        floe_exec_op_free(u->child);
        u->child = NULL;
        u->i++;
    }
    return FLOE_DONE;
}

static void union_close(floe_exec_op *op)
{
    floe_exec_op_free(((union_op *)op)->child);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_union_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    union_op *u = floe_calloc(1, sizeof *u);
    if (u == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&u->base, ex, p);
    u->base.next = union_next;
    u->base.close = union_close;
    *out = &u->base;
    return FLOE_OK;
}
