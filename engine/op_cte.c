/* engine/op_cte.c: CTE_SCAN, the rows of a WITH query referenced more than
 * once.
 *
 * The first CTE_SCAN of a definition to run asks the executor for its rows
 * (floe_exec_cte_rows: computed once, on all workers, cached until the
 * executor closes); every reference then emits owned copies of those rows
 * in batches of up to FLOE_VEC_SIZE, in the order they were materialized.
 * So a CTE used twice (TPC-H Q15's revenue0) is computed once and both uses
 * see the same rows bit for bit. Not a pipeline source: its parent reads it
 * on one worker. The op owns nothing but its position; the rows belong to
 * the executor.
 */
#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "util/mem.h"

typedef struct cte_op {
    floe_exec_op base;
    const floe_exec_rows *rows; /* the executor's, set on the first next() */
    uint64_t pos;
} cte_op;

static int cte_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    cte_op *c = (cte_op *)op;
    int rc;
    if (c->rows == NULL && (rc = floe_exec_cte_rows(op->ex, op->plan->u.cte.def, &c->rows, err)))
        return rc;
    if ((rc = floe_exec_check(op->ex, err))) return rc;
    return floe_exec_emit_rows(c->rows, NULL, c->rows->n, &c->pos, out, err);
}

static void cte_close(floe_exec_op *op)
{
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_cte_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    cte_op *c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&c->base, ex, p);
    c->base.next = cte_next;
    c->base.close = cte_close;
    *out = &c->base;
    return FLOE_OK;
}
