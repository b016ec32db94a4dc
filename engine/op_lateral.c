/* engine/op_lateral.c: LATERAL: a dependent join, one run of the right side
 * per left row.
 *
 * For each live row of each batch of children[0], the parameter
 * expressions u.lateral.params are evaluated (once per batch, as vectors),
 * children[1] is run to completion in a one-thread sub-executor with those
 * values as its PARAMs (floe_exec_run_rows), and the row is paired with
 * every result row (left columns then right columns) that passes the ON
 * condition u.lateral.cond when there is one; a row without any is dropped
 * (inner) or, with u.lateral.left, emitted once with NULL right columns.
 *
 * Cost: a full execution of the right side per left row (a nested loop);
 * fine for a few thousand rows or a cheap right side, not a bulk join: an
 * uncorrelated or equality-correlated subquery should be written as a
 * join. The left input streams; the op never runs inside a parallel
 * pipeline. Owns its child op, the parameter vectors of the current batch
 * and the current run's rows (accounted with floe_exec_mem).
 */
#include <string.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "util/mem.h"

typedef struct lat_op {
    floe_exec_op base;
    floe_exec_op *child;
    floe_batch lb;          /* current left batch */
    int have;
    uint32_t live, k;       /* live rows of lb; next one to run */
    uint32_t row;           /* physical row being paired */
    floe_vec *pv;           /* nparams parameter vectors of lb */
    floe_value *vals;       /* nparams values of the current row */
    floe_exec_rows sub;     /* the current row's run */
    int sub_init;
    uint64_t spos;          /* next run row to emit */
    int pending;            /* LEFT: the current row still needs its NULL-extended row */
    uint64_t reported;
} lat_op;

static void drop_left(lat_op *o)
{
    uint32_t i;
    for (i = 0; i < o->base.plan->u.lateral.nparams; i++) floe_vec_free(&o->pv[i]);
    floe_batch_free(&o->lb);
    o->have = 0;
}

static int next_left(lat_op *o, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t i;
    int rc;
    memset(&o->lb, 0, sizeof o->lb);
    rc = o->child->next(o->child, &o->lb, err);
    if (rc != FLOE_ROW) return rc;
    o->have = 1;
    o->live = floe_batch_rows(&o->lb);
    o->k = 0;
    for (i = 0; i < p->u.lateral.nparams; i++) {
        rc = floe_exec_eval(&o->base, p->u.lateral.params[i], &o->lb, &o->pv[i], err);
        if (rc) {
            while (i-- > 0) floe_vec_free(&o->pv[i]);
            floe_batch_free(&o->lb);
            o->have = 0;
            return rc;
        }
    }
    return FLOE_ROW;
}

/* Run the right side for physical row r of lb. */
static int run_row(lat_op *o, uint32_t r, floe_err *err)
{
    const floe_plan *p = o->base.plan, *rp = p->children[1];
    uint32_t i;
    int rc;
    for (i = 0; i < p->u.lateral.nparams; i++) {
        const floe_vec *v = &o->pv[i];
        uint32_t vr = (v->flags & FLOE_VEC_CONST) ? 0 : r;
        if (!floe_vec_is_valid(v, vr)) o->vals[i] = floe_value_null(v->type);
        else floe_value_load(v->type, v->data, vr, &o->vals[i]);
    }
    if (o->sub_init) floe_exec_rows_free(&o->sub);
    o->sub_init = 0;
    if ((rc = floe_exec_rows_init(&o->sub, rp->ncols, rp->types, err))) return rc;
    o->sub_init = 1;
    o->spos = 0;
    o->pending = p->u.lateral.left;
    rc = floe_exec_run_rows(o->base.ex, rp, o->vals, p->u.lateral.nparams, &o->sub, err);
    if (rc) return rc;
    {
        uint64_t bytes = floe_exec_rows_bytes(&o->sub);
        int64_t d = (int64_t)bytes - (int64_t)o->reported;
        o->reported = bytes;
        return floe_exec_mem(o->base.ex, d, "LATERAL", err);
    }
}

/* Row `row` of lb paired with run rows [spos, spos + n), or (null_right)
 * once with NULL right columns. */
static int emit(lat_op *o, uint32_t n, int null_right, floe_batch *out, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t nl = p->children[0]->ncols, nr = p->children[1]->ncols, c;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(nl + nr ? nl + nr : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = nl + nr;
    out->n = n;
    for (c = 0; c < nl; c++) {
        const floe_vec *src = &o->lb.cols[c];
        floe_vec *dst = &out->cols[c];
        uint32_t r = (src->flags & FLOE_VEC_CONST) ? 0 : o->row;
        size_t w = floe_type_size(src->type);
        if (floe_vec_init(dst, src->type, 1) != FLOE_OK) goto nomem;
        memcpy(dst->data, (const char *)src->data + (size_t)r * w, w); /* strings borrowed */
        if (!floe_vec_is_valid(src, r) && floe_vec_set_null(dst, 0) != FLOE_OK) goto nomem;
        dst->flags |= FLOE_VEC_CONST;
        dst->n = n;
    }
    for (c = 0; c < nr; c++) {
        if (null_right) {
            floe_vec *v = &out->cols[nl + c];
            if (floe_vec_init(v, o->sub.types[c], 1) != FLOE_OK) goto nomem;
            memset(v->data, 0, floe_type_size(o->sub.types[c]));
            if (floe_vec_set_null(v, 0) != FLOE_OK) goto nomem;
            v->flags |= FLOE_VEC_CONST;
            v->n = n;
            continue;
        }
        if (floe_vec_init(&out->cols[nl + c], o->sub.types[c], n) != FLOE_OK) goto nomem;
        out->cols[nl + c].n = n;
    }
    if (!null_right &&
        floe_exec_rows_gather(&o->sub, 0, nr, NULL, o->spos, n, out->cols + nl, 0) != FLOE_OK)
        goto nomem;
    if (!null_right) o->spos += n;
    return FLOE_ROW;
nomem:
    floe_batch_free(out);
    return floe_err_nomem(err);
}

static int lat_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    lat_op *o = (lat_op *)op;
    int rc;
    for (;;) {
        if (o->sub_init && o->spos < o->sub.n) {
            uint64_t left = o->sub.n - o->spos;
            rc = emit(o, (uint32_t)(left < FLOE_VEC_SIZE ? left : FLOE_VEC_SIZE), 0, out, err);
            if (rc != FLOE_ROW) return rc;
            if (op->plan->u.lateral.cond) {
                rc = floe_exec_filter(op, op->plan->u.lateral.cond, out, err);
                if (rc) {
                    floe_batch_free(out);
                    return rc;
                }
                if (floe_batch_rows(out) == 0) {
                    floe_batch_free(out);
                    continue;
                }
            }
            o->pending = 0;
            return FLOE_ROW;
        }
        if (o->sub_init && o->pending) {
            o->pending = 0;
            return emit(o, 1, 1, out, err);
        }
        if ((rc = floe_exec_check(op->ex, err))) return rc;
        if (o->have && o->k >= o->live) drop_left(o);
        if (!o->have) {
            rc = next_left(o, err);
            if (rc != FLOE_ROW) return rc;
            continue;
        }
        o->row = o->lb.sel ? o->lb.sel[o->k] : o->k;
        o->k++;
        if ((rc = run_row(o, o->row, err))) return rc;
    }
}

static void lat_close(floe_exec_op *op)
{
    lat_op *o = (lat_op *)op;
    if (o->have) drop_left(o);
    if (o->sub_init) floe_exec_rows_free(&o->sub);
    if (o->reported) (void)floe_exec_mem(op->ex, -(int64_t)o->reported, "LATERAL", NULL);
    floe_exec_op_free(o->child);
    floe_free(o->pv);
    floe_free(o->vals);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_lateral_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    lat_op *o = floe_calloc(1, sizeof *o);
    uint32_t np = p->u.lateral.nparams;
    int rc;
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = lat_next;
    o->base.close = lat_close;
    o->pv = floe_calloc(np ? np : 1, sizeof *o->pv);
    o->vals = floe_calloc(np ? np : 1, sizeof *o->vals);
    if (o->pv == NULL || o->vals == NULL) {
        lat_close(&o->base);
        return floe_err_nomem(err);
    }
    if ((rc = floe_exec_build(ex, p->children[0], NULL, &o->child, err))) {
        lat_close(&o->base);
        return rc;
    }
    *out = &o->base;
    return FLOE_OK;
}
