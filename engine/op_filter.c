/* engine/op_filter.c: FILTER: the rows of its child's batches where the
 * predicate is TRUE.
 *
 * Narrows each batch's selection vector in place (floe_exec_filter) and
 * passes the batch on; batches left empty are freed and skipped, so it emits
 * only non-empty batches. Streaming, one op per worker; owns its child.
 */
#include <string.h>

#include "engine/exec.h"
#include "util/mem.h"

typedef struct filter_op {
    floe_exec_op base;
    floe_exec_op *child;
} filter_op;

static void filter_close(floe_exec_op *op)
{
    floe_exec_op_free(((filter_op *)op)->child);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

static int filter_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    filter_op *u = (filter_op *)op;
    int rc;
    for (;;) {
        rc = u->child->next(u->child, out, err);
        if (rc != FLOE_ROW) return rc;
        rc = floe_exec_filter(op, op->plan->u.filter.pred, out, err);
        if (rc) {
            floe_batch_free(out);
            return rc;
        }
        if (floe_batch_rows(out) > 0) return FLOE_ROW;
        floe_batch_free(out);
    }
}

/* Its child is built with the same morsel dispenser: FILTER and PROJECT
 * stay inside the pipeline of the SCAN below them. */
int floe_op_filter_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                        floe_exec_op **out, floe_err *err)
{
    filter_op *u = floe_calloc(1, sizeof *u);
    int rc;
    if (u == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&u->base, ex, p);
    u->base.next = filter_next;
    u->base.close = filter_close;
    rc = floe_exec_build(ex, p->children[0], shared, &u->child, err);
    if (rc) {
        filter_close(&u->base);
        return rc;
    }
    *out = &u->base;
    return FLOE_OK;
}
