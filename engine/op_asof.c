/* engine/op_asof.c: ASOF_JOIN: each left row with the nearest right row.
 *
 * DuckDB's ASOF JOIN: for `l ASOF JOIN r ON l.k = r.k AND l.t >= r.t` a
 * left row pairs with the right row of equal keys whose r.t is the largest
 * one <= l.t (GT: < l.t; LE: the smallest >= l.t; LT: > l.t); ties among
 * equal r.t pick one of them. NULL keys and NULL inequality values never
 * match. INNER drops left rows without a match, LEFT keeps them with NULL
 * right columns.
 *
 * Sort-based: the right input is materialized (all workers of its
 * pipeline, concatenated), its rows are grouped by the equality keys
 * (floe_hashtable: key -> dense group id) and sorted by (group, inequality
 * value), so each group is a sorted run; each left row costs one hash
 * lookup and one binary search. Values are compared as int64 (every
 * integer-like type: INTEGER, BIGINT, DATE, TIMESTAMP, DECIMAL) or double
 * (DOUBLE); the planner gives both sides one type. The left input streams
 * on one thread. Owns its child op and build state (accounted with
 * floe_exec_mem).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/functions.h"
#include "engine/hashtable.h"
#include "util/mem.h"

typedef struct asof_ent {
    uint32_t gid;
    uint32_t row;
    union {
        int64_t i;
        double d;
    } v;
} asof_ent;

typedef struct asof_op {
    floe_exec_op base;
    floe_exec_op *probe;
    uint32_t nw;
    floe_exec_rows *parts;
    floe_exec_rows rows;       /* the right rows */
    int rows_init, built;
    floe_hashtable ht;
    int ht_init;
    asof_ent *ent;             /* sorted by (gid, value) */
    uint64_t nent;
    uint64_t *gstart;          /* per group: [gstart[g], gstart[g + 1]) of ent */
    uint32_t ngroups;
    int dbl;                   /* values compared as double */
    uint64_t reported;
    uint32_t *ids, *prow;
    uint64_t *hbuf, *match;
    floe_batch pb;             /* the probe batch the last output borrows from */
    int have_pb;
} asof_op;

static int cmp_i(const void *a, const void *b)
{
    const asof_ent *x = a, *y = b;
    if (x->gid != y->gid) return x->gid < y->gid ? -1 : 1;
    return x->v.i < y->v.i ? -1 : x->v.i > y->v.i;
}

static int cmp_d(const void *a, const void *b)
{
    const asof_ent *x = a, *y = b;
    if (x->gid != y->gid) return x->gid < y->gid ? -1 : 1;
    return x->v.d < y->v.d ? -1 : x->v.d > y->v.d;
}

static int consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    asof_op *o = arg;
    int rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    return floe_exec_rows_append(&o->parts[w], b->cols, b->n, b->sel, b->nsel, err);
}

/* Evaluate the keys (nkeys) and the inequality value of batch b: vecs[0..nkeys]. */
static int eval_keys(asof_op *o, floe_expr **keys, floe_expr *on, const floe_batch *b,
                     floe_vec *vecs, floe_err *err)
{
    uint32_t nk = o->base.plan->u.join.nkeys, k;
    int rc;
    for (k = 0; k <= nk; k++) {
        rc = floe_exec_eval(&o->base, k < nk ? keys[k] : on, b, &vecs[k], err);
        if (rc) {
            while (k-- > 0) floe_vec_free(&vecs[k]);
            return rc;
        }
    }
    return FLOE_OK;
}

static int null_at(const floe_vec *vecs, uint32_t n, uint32_t r)
{
    uint32_t k;
    for (k = 0; k < n; k++)
        if (!floe_vec_is_valid(&vecs[k], floe_exec_vrow(&vecs[k], r))) return 1;
    return 0;
}

static void load_val(const floe_vec *v, uint32_t r, asof_ent *e, int dbl)
{
    floe_value x;
    floe_value_load(v->type, v->data, floe_exec_vrow(v, r), &x);
    if (dbl) e->v.d = x.v.d;
    else e->v.i = x.v.i;
}

static int build(asof_op *o, floe_err *err)
{
    const floe_plan *p = o->base.plan, *bp = p->children[1];
    uint32_t nk = p->u.join.nkeys, w, k;
    floe_vec *vecs = NULL;
    uint64_t start, i;
    int rc;
    o->nw = floe_exec_workers(o->base.ex);
    o->parts = floe_calloc(o->nw, sizeof *o->parts);
    if (o->parts == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw; w++)
        if ((rc = floe_exec_rows_init(&o->parts[w], bp->ncols, bp->types, err))) return rc;
    if ((rc = floe_exec_drive(o->base.ex, bp, consume, o, err))) return rc;
    o->rows = o->parts[0];
    memset(&o->parts[0], 0, sizeof o->parts[0]);
    o->rows_init = 1;
    for (w = 1; w < o->nw; w++) {
        rc = floe_exec_rows_append_rows(&o->rows, &o->parts[w], err);
        floe_exec_rows_free(&o->parts[w]);
        if (rc) return rc;
    }
    {
        floe_type *kt = floe_malloc((nk ? nk : 1) * sizeof *kt);
        if (kt == NULL) return floe_err_nomem(err);
        for (k = 0; k < nk; k++) kt[k] = p->u.join.right_keys[k]->type;
        rc = nk ? floe_hashtable_init(&o->ht, nk, kt, err) : FLOE_OK;
        floe_free(kt);
        if (rc) return rc;
        o->ht_init = nk > 0;
    }
    o->ent = floe_malloc((o->rows.n ? o->rows.n : 1) * sizeof *o->ent);
    vecs = floe_calloc(nk + 1 + bp->ncols, sizeof *vecs);
    if (o->ent == NULL || vecs == NULL) {
        floe_free(vecs);
        return floe_err_nomem(err);
    }
    for (start = 0; start < o->rows.n; start += FLOE_VEC_SIZE) {
        uint32_t n = (uint32_t)(o->rows.n - start < FLOE_VEC_SIZE ? o->rows.n - start : FLOE_VEC_SIZE);
        uint32_t ns = 0, r;
        floe_vec *view = vecs + nk + 1;
        floe_batch vb;
        floe_exec_rows_view(&o->rows, start, n, view);
        memset(&vb, 0, sizeof vb);
        vb.ncols = bp->ncols;
        vb.n = n;
        vb.cols = view;
        if ((rc = eval_keys(o, p->u.join.right_keys, p->u.join.asof_right, &vb, vecs, err))) break;
        for (r = 0; r < n; r++)
            if (!null_at(vecs, nk + 1, r)) o->prow[ns++] = r;
        if (nk) rc = floe_hashtable_insert(&o->ht, vecs, n, o->prow, ns, o->ids, err);
        for (r = 0; r < ns && rc == FLOE_OK; r++) {
            asof_ent *e = &o->ent[o->nent++];
            e->gid = nk ? o->ids[r] : 0;
            e->row = (uint32_t)(start + o->prow[r]);
            load_val(&vecs[nk], o->prow[r], e, o->dbl);
        }
        for (k = 0; k <= nk; k++) floe_vec_free(&vecs[k]);
        if (rc) break;
    }
    floe_free(vecs);
    if (rc) return rc;
    qsort(o->ent, o->nent, sizeof *o->ent, o->dbl ? cmp_d : cmp_i);
    o->ngroups = nk ? o->ht.count : 1;
    o->gstart = floe_calloc((size_t)o->ngroups + 1, sizeof *o->gstart);
    if (o->gstart == NULL) return floe_err_nomem(err);
    for (i = 0; i < o->nent; i++) o->gstart[o->ent[i].gid + 1]++;
    for (i = 0; i < o->ngroups; i++) o->gstart[i + 1] += o->gstart[i];
    o->reported = floe_exec_rows_bytes(&o->rows) + o->nent * sizeof *o->ent +
                  (o->ht_init ? floe_hashtable_bytes(&o->ht) : 0);
    return floe_exec_mem(o->base.ex, (int64_t)o->reported, "ASOF_JOIN", err);
}

/* The right row for value e within group g, or UINT64_MAX. */
static uint64_t search(const asof_op *o, uint32_t g, const asof_ent *e)
{
    int op = o->base.plan->u.join.asof_op;
    uint64_t lo = o->gstart[g], hi = o->gstart[g + 1];
    /* first index in [lo, hi) whose value is > x (upper) or >= x (lower) */
    int upper = op == FLOE_FN_GE || op == FLOE_FN_LT;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const asof_ent *m = &o->ent[mid];
        int c = o->dbl ? (m->v.d < e->v.d ? -1 : m->v.d > e->v.d)
                       : (m->v.i < e->v.i ? -1 : m->v.i > e->v.i);
        if (upper ? c <= 0 : c < 0) lo = mid + 1;
        else hi = mid;
    }
    /* lo: first entry > x (upper) / >= x (lower) */
    if (op == FLOE_FN_GE || op == FLOE_FN_GT) /* the last one before lo */
        return lo > o->gstart[g] ? o->ent[lo - 1].row : UINT64_MAX;
    return lo < o->gstart[g + 1] ? o->ent[lo].row : UINT64_MAX;
}

static int null_vec(floe_vec *v, floe_type t, uint32_t n)
{
    if (floe_vec_init(v, t, 1) != FLOE_OK) return FLOE_NOMEM;
    memset(v->data, 0, floe_type_size(t));
    if (floe_vec_set_null(v, 0) != FLOE_OK) return FLOE_NOMEM;
    v->flags |= FLOE_VEC_CONST;
    v->n = n;
    return FLOE_OK;
}

/* Output for one probe batch: left cols of rows prow[0..n) + right rows match[0..n). */
static int output(asof_op *o, floe_batch *pb, uint32_t n, floe_batch *out, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t nl = p->children[0]->ncols, nr = p->children[1]->ncols, c, k;
    int any = 0;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(nl + nr ? nl + nr : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = nl + nr;
    out->n = n;
    for (c = 0; c < nl; c++) {
        const floe_vec *src = &pb->cols[c];
        floe_vec *dst = &out->cols[c];
        size_t w = floe_type_size(src->type);
        if (floe_vec_init(dst, src->type, n ? n : 1) != FLOE_OK) goto nomem;
        for (k = 0; k < n; k++) {
            uint32_t r = floe_exec_vrow(src, o->prow[k]);
            memcpy((char *)dst->data + (size_t)k * w, (const char *)src->data + (size_t)r * w, w);
            if (!floe_vec_is_valid(src, r) && floe_vec_set_null(dst, k) != FLOE_OK) goto nomem;
        }
        dst->n = n;
    }
    for (k = 0; k < n; k++) any |= o->match[k] != UINT64_MAX;
    for (c = 0; c < nr; c++) {
        floe_vec *dst = &out->cols[nl + c];
        if (!any) {
            if (null_vec(dst, o->rows.types[c], n) != FLOE_OK) goto nomem;
            continue;
        }
        if (floe_vec_init(dst, o->rows.types[c], n ? n : 1) != FLOE_OK) goto nomem;
        dst->n = n;
    }
    if (any) {
        for (k = 0; k < n; k++) o->hbuf[k] = o->match[k] == UINT64_MAX ? 0 : o->match[k];
        if (floe_exec_rows_gather(&o->rows, 0, nr, o->hbuf, 0, n, out->cols + nl, 0) != FLOE_OK)
            goto nomem;
        for (k = 0; k < n; k++)
            if (o->match[k] == UINT64_MAX)
                for (c = 0; c < nr; c++)
                    if (floe_vec_set_null(&out->cols[nl + c], k) != FLOE_OK) goto nomem;
    }
    return FLOE_ROW;
nomem:
    floe_batch_free(out);
    return floe_err_nomem(err);
}

static int asof_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    asof_op *o = (asof_op *)op;
    const floe_plan *p = op->plan;
    uint32_t nk = p->u.join.nkeys, k;
    int rc, left = p->u.join.type == FLOE_JOIN_LEFT;
    if (!o->built) {
        o->built = 1;
        if ((rc = build(o, err))) return rc;
    }
    for (;;) {
        floe_batch pb;
        if (o->have_pb) {
            floe_batch_free(&o->pb);
            o->have_pb = 0;
        }
        floe_vec vecs[17], *kv = vecs;
        uint32_t live, i, n = 0;
        if ((rc = floe_exec_check(op->ex, err))) return rc;
        memset(&pb, 0, sizeof pb);
        rc = o->probe->next(o->probe, &pb, err);
        if (rc != FLOE_ROW) return rc;
        if (nk + 1 > 17 && (kv = floe_calloc(nk + 1, sizeof *kv)) == NULL) {
            floe_batch_free(&pb);
            return floe_err_nomem(err);
        }
        if ((rc = eval_keys(o, p->u.join.left_keys, p->u.join.asof_left, &pb, kv, err))) {
            if (kv != vecs) floe_free(kv);
            floe_batch_free(&pb);
            return rc;
        }
        live = floe_batch_rows(&pb);
        if (nk && o->ht.count)
            floe_hashtable_find(&o->ht, kv, pb.n, pb.sel, pb.nsel, o->hbuf, o->ids);
        else
            for (i = 0; i < live; i++) o->ids[i] = nk ? FLOE_HT_NONE : 0;
        for (i = 0; i < live; i++) {
            uint32_t r = pb.sel ? pb.sel[i] : i;
            uint64_t m = UINT64_MAX;
            if (!null_at(kv, nk + 1, r) && o->ids[i] != FLOE_HT_NONE && o->ids[i] < o->ngroups) {
                asof_ent e;
                load_val(&kv[nk], r, &e, o->dbl);
                m = search(o, o->ids[i], &e);
            }
            if (m == UINT64_MAX && !left) continue;
            o->prow[n] = r;
            o->match[n] = m;
            n++;
        }
        for (k = 0; k <= nk; k++) floe_vec_free(&kv[k]);
        if (kv != vecs) floe_free(kv);
        if (n == 0) {
            floe_batch_free(&pb);
            continue;
        }
        rc = output(o, &pb, n, out, err);
        /* the output borrows pb's strings: pb lives until the next call */
        o->pb = pb;
        o->have_pb = 1;
        return rc;
    }
}

static void asof_close(floe_exec_op *op)
{
    asof_op *o = (asof_op *)op;
    uint32_t w;
    floe_exec_op_free(o->probe);
    if (o->have_pb) floe_batch_free(&o->pb);
    if (o->parts) {
        for (w = 0; w < o->nw; w++) floe_exec_rows_free(&o->parts[w]);
        floe_free(o->parts);
    }
    if (o->rows_init) floe_exec_rows_free(&o->rows);
    if (o->ht_init) floe_hashtable_free(&o->ht);
    if (o->reported) (void)floe_exec_mem(op->ex, -(int64_t)o->reported, "ASOF_JOIN", NULL);
    floe_free(o->ent);
    floe_free(o->gstart);
    floe_free(o->ids);
    floe_free(o->prow);
    floe_free(o->hbuf);
    floe_free(o->match);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_asof_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    asof_op *o = floe_calloc(1, sizeof *o);
    int rc;
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = asof_next;
    o->base.close = asof_close;
    o->dbl = p->u.join.asof_left->type.id == FLOE_TYPE_DOUBLE;
    o->ids = floe_malloc(FLOE_VEC_SIZE * sizeof *o->ids);
    o->prow = floe_malloc(FLOE_VEC_SIZE * sizeof *o->prow);
    o->hbuf = floe_malloc(FLOE_VEC_SIZE * sizeof *o->hbuf);
    o->match = floe_malloc(FLOE_VEC_SIZE * sizeof *o->match);
    if (!o->ids || !o->prow || !o->hbuf || !o->match) {
        asof_close(&o->base);
        return floe_err_nomem(err);
    }
    if ((rc = floe_exec_build(ex, p->children[0], NULL, &o->probe, err))) {
        asof_close(&o->base);
        return rc;
    }
    *out = &o->base;
    return FLOE_OK;
}
