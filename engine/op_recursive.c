/* engine/op_recursive.c: RECURSIVE (WITH RECURSIVE) and WORKTABLE.
 *
 * RECURSIVE materializes its anchor (children[0]) as the first working
 * table, then runs the step (children[1]) again and again; each run's
 * WORKTABLE nodes read the previous run's new rows. UNION ALL keeps every
 * row of every run; UNION keeps only rows never produced before (a
 * floe_hashtable over all columns, NULLs equal, whose key rows are the
 * result in order of first appearance). It stops when a run produces no
 * new row (the fixpoint) and fails with FLOE_ERROR naming the cap after
 * u.recursive.max_iter runs (a recursion that never ends). Everything is
 * computed at the first next() and then emitted FLOE_VEC_SIZE rows at a
 * time; memory is accounted with floe_exec_mem.
 *
 * The working table is published to WORKTABLE ops through the executor's
 * `wt` stack (pushed for the duration of the computation, innermost
 * first, so nested recursive CTEs find their own); the step's pipelines
 * may run on several workers, which only read it. Owns its row
 * collections; not thread-safe itself (one op per RECURSIVE node: it is
 * never part of a parallel pipeline).
 */
#include <string.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/hashtable.h"
#include "util/mem.h"

struct floe_exec_wt {
    const void *key;             /* u.recursive.key = the WORKTABLE nodes' u.worktable.key */
    const floe_exec_rows *rows;  /* its current rows */
    struct floe_exec_wt *next;
};

typedef struct rec_op {
    floe_exec_op base;
    floe_exec_rows all;     /* UNION ALL: every row */
    floe_exec_rows work;    /* the previous run's new rows */
    floe_exec_rows next;    /* this run's rows (UNION ALL) */
    floe_hashtable ht;      /* UNION: distinct rows, in order */
    int inited, ht_init, done;
    uint64_t pos;           /* next row to emit */
    uint64_t reported;      /* bytes accounted */
    struct floe_exec_wt wt;
} rec_op;

static int collect(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    floe_exec_rows *r = arg;
    (void)w;
    return floe_exec_rows_append(r, b->cols, b->n, b->sel, b->nsel, err);
}

static int account(rec_op *o, floe_err *err)
{
    uint64_t bytes = floe_exec_rows_bytes(&o->work) + floe_exec_rows_bytes(&o->next) +
                     (o->ht_init ? floe_hashtable_bytes(&o->ht) : floe_exec_rows_bytes(&o->all));
    int64_t d = (int64_t)bytes - (int64_t)o->reported;
    o->reported = bytes;
    return floe_exec_mem(o->base.ex, d, "RECURSIVE", err);
}

/* UNION: insert the rows of `in` into the table; the new ones become the
 * working table. */
static int add_distinct(rec_op *o, const floe_exec_rows *in, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t *ids = floe_malloc(FLOE_VEC_SIZE * sizeof *ids);
    floe_vec *view = floe_calloc(p->ncols ? p->ncols : 1, sizeof *view);
    uint32_t first = o->ht.count, n;
    uint64_t start;
    int rc = FLOE_OK;
    if (ids == NULL || view == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (start = 0; start < in->n; start += FLOE_VEC_SIZE) {
        n = (uint32_t)(in->n - start < FLOE_VEC_SIZE ? in->n - start : FLOE_VEC_SIZE);
        floe_exec_rows_view(in, start, n, view);
        if ((rc = floe_hashtable_insert(&o->ht, view, n, NULL, 0, ids, err))) goto out;
    }
    /* the new keys are rows [first, count) of the table's key rows */
    floe_exec_rows_free(&o->work);
    if ((rc = floe_exec_rows_init(&o->work, p->ncols, p->types, err))) goto out;
    for (start = first; start < o->ht.count; start += n) {
        n = (uint32_t)(o->ht.count - start < FLOE_VEC_SIZE - 64 ? o->ht.count - start
                                                                          : FLOE_VEC_SIZE - 64);
        uint64_t base = start & ~(uint64_t)63;
        uint32_t skip = (uint32_t)(start - base);
        floe_exec_rows_view(&o->ht.keys, base, n + skip, view);
        {
            uint32_t *sel = floe_malloc((n ? n : 1) * sizeof *sel), k;
            if (sel == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            for (k = 0; k < n; k++) sel[k] = skip + k;
            rc = floe_exec_rows_append(&o->work, view, n + skip, sel, n, err);
            floe_free(sel);
            if (rc) goto out;
        }
    }
out:
    floe_free(ids);
    floe_free(view);
    return rc;
}

static int compute(rec_op *o, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    floe_executor *ex = o->base.ex;
    uint64_t iter = 0;
    int rc;
    if ((rc = floe_exec_rows_init(&o->all, p->ncols, p->types, err))) return rc;
    if ((rc = floe_exec_rows_init(&o->work, p->ncols, p->types, err))) return rc;
    if ((rc = floe_exec_rows_init(&o->next, p->ncols, p->types, err))) return rc;
    o->inited = 1;
    if (p->u.recursive.distinct) {
        if ((rc = floe_hashtable_init(&o->ht, p->ncols, p->types, err))) return rc;
        o->ht_init = 1;
    }
    /* the anchor */
    if ((rc = floe_exec_drive(ex, p->children[0], collect, &o->next, err))) return rc;
    o->wt.key = p->u.recursive.key;
    o->wt.rows = &o->work;
    o->wt.next = ex->wt;
    ex->wt = &o->wt;
    for (;;) {
        if (o->ht_init) {
            if ((rc = add_distinct(o, &o->next, err))) break;
        } else {
            if ((rc = floe_exec_rows_append_rows(&o->all, &o->next, err))) break;
            floe_exec_rows_free(&o->work);
            o->work = o->next;
            if ((rc = floe_exec_rows_init(&o->next, p->ncols, p->types, err))) {
                memset(&o->next, 0, sizeof o->next);
                break;
            }
        }
        floe_exec_rows_free(&o->next);
        if ((rc = floe_exec_rows_init(&o->next, p->ncols, p->types, err))) break;
        if ((rc = account(o, err))) break;
        if (o->work.n == 0) break; /* fixpoint */
        if (++iter > p->u.recursive.max_iter) {
            rc = floe_err_set(err, FLOE_ERROR,
                              "WITH RECURSIVE: no fixpoint after %llu iterations (the recursion "
                              "does not end; add a stopping condition)",
                              (unsigned long long)p->u.recursive.max_iter);
            break;
        }
        if ((rc = floe_exec_check(ex, err))) break;
        if ((rc = floe_exec_drive(ex, p->children[1], collect, &o->next, err))) break;
    }
    ex->wt = o->wt.next;
    return rc;
}

static int rec_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    rec_op *o = (rec_op *)op;
    int rc;
    if (!o->done) {
        o->done = 1;
        if ((rc = compute(o, err))) return rc;
        /* the working tables are no longer needed */
        floe_exec_rows_free(&o->work);
        floe_exec_rows_free(&o->next);
        memset(&o->work, 0, sizeof o->work);
        memset(&o->next, 0, sizeof o->next);
    }
    if (o->ht_init) return floe_exec_emit_rows(&o->ht.keys, NULL, o->ht.count, &o->pos, out, err);
    return floe_exec_emit_rows(&o->all, NULL, o->all.n, &o->pos, out, err);
}

static void rec_close(floe_exec_op *op)
{
    rec_op *o = (rec_op *)op;
    if (o->inited) {
        floe_exec_rows_free(&o->all);
        floe_exec_rows_free(&o->work);
        floe_exec_rows_free(&o->next);
    }
    if (o->ht_init) floe_hashtable_free(&o->ht);
    if (o->reported) (void)floe_exec_mem(op->ex, -(int64_t)o->reported, "RECURSIVE", NULL);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_recursive_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out,
                           floe_err *err)
{
    rec_op *o = floe_calloc(1, sizeof *o);
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = rec_next;
    o->base.close = rec_close;
    *out = &o->base;
    return FLOE_OK;
}

/* ---------------------------------------------------------------- WORKTABLE */

typedef struct wt_op {
    floe_exec_op base;
    uint64_t pos;
} wt_op;

static int wt_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    wt_op *o = (wt_op *)op;
    const struct floe_exec_wt *w;
    for (w = op->ex->wt; w; w = w->next)
        if (w->key == op->plan->u.worktable.key) break;
    if (w == NULL)
        return floe_err_set(err, FLOE_UNSUPPORTED,
                            "WITH RECURSIVE: the recursive reference must not appear within a "
                            "subquery expression");
    return floe_exec_emit_rows(w->rows, NULL, w->rows->n, &o->pos, out, err);
}

static void wt_close(floe_exec_op *op)
{
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_worktable_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out,
                           floe_err *err)
{
    wt_op *o = floe_calloc(1, sizeof *o);
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = wt_next;
    o->base.close = wt_close;
    *out = &o->base;
    return FLOE_OK;
}
