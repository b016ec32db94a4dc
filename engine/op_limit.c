/* engine/op_limit.c: LIMIT/OFFSET: skip `offset` rows, then emit at most
 * `limit` (-1: all).
 *
 * Counts live rows (after selection) and trims the batch that crosses a
 * boundary with a new selection vector; once the limit is reached it stops
 * pulling its child. Its child is built with a private dispenser (a limit
 * ends a pipeline: it needs one order of rows). Owns its child.
 */
#include "engine/exec.h"
#include "util/mem.h"

typedef struct limit_op {
    floe_exec_op base;
    floe_exec_op *child;
    int64_t skip;  /* rows still to skip */
    int64_t left;  /* rows still to emit; -1 unlimited */
} limit_op;

static int limit_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    limit_op *l = (limit_op *)op;
    int rc;
    for (;;) {
        uint32_t live, from, to, k, *sel;
        if (l->left == 0) return FLOE_DONE;
        rc = l->child->next(l->child, out, err);
        if (rc != FLOE_ROW) return rc;
        live = floe_batch_rows(out);
        if (l->skip >= live) {
            l->skip -= live;
            floe_batch_free(out);
            continue;
        }
        from = (uint32_t)l->skip;
        l->skip = 0;
        to = live;
        if (l->left >= 0 && (int64_t)(to - from) > l->left) to = from + (uint32_t)l->left;
        if (l->left > 0) l->left -= to - from;
        if (from == 0 && to == live) return FLOE_ROW;
        sel = floe_malloc((to - from) * sizeof *sel);
        if (sel == NULL) {
            floe_batch_free(out);
            return floe_err_nomem(err);
        }
        for (k = from; k < to; k++) sel[k - from] = out->sel ? out->sel[k] : k;
        floe_free(out->sel);
        out->sel = sel;
        out->nsel = to - from;
        return FLOE_ROW;
    }
}

static void limit_close(floe_exec_op *op)
{
    floe_exec_op_free(((limit_op *)op)->child);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_limit_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    limit_op *l = floe_calloc(1, sizeof *l);
    int rc;
    if (l == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&l->base, ex, p);
    l->base.next = limit_next;
    l->base.close = limit_close;
    l->skip = p->u.limit.offset > 0 ? p->u.limit.offset : 0;
    l->left = p->u.limit.limit;
    rc = floe_exec_build(ex, p->children[0], NULL, &l->child, err);
    if (rc) {
        limit_close(&l->base);
        return rc;
    }
    *out = &l->base;
    return FLOE_OK;
}
