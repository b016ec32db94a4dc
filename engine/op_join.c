/* engine/op_join.c: HASH_JOIN and NL_JOIN (INNER, LEFT, SEMI, ANTI, MARK, RIGHT, FULL).
 *
 * The build side (the right input, or the left one for an INNER join with
 * build_left; always the right one for NL_JOIN) is materialized by all
 * workers of its pipeline into row buffers, concatenated, and for HASH_JOIN
 * indexed by a floe_hashtable over the build keys with per-key chains of row
 * numbers. Rows with a NULL key are never inserted (NULL never matches) but
 * are remembered for MARK (IN) semantics.
 *
 * The probe side streams: for each probe batch the keys are looked up once,
 * then (probe row, build row) candidate pairs are produced in chunks of up
 * to FLOE_VEC_SIZE, gathered into a combined batch (left columns, then right
 * columns) and filtered by the extra condition `cond`. INNER and LEFT emit
 * the surviving pairs; after the last chunk of a probe batch LEFT emits its
 * unmatched rows with NULL right columns, SEMI/ANTI the (un)matched probe
 * rows, MARK the probe rows plus a BOOLEAN (TRUE matched; NULL when unmatched
 * but a NULL key or an unknown condition was involved; FALSE otherwise).
 *
 * RIGHT and FULL (the build side is always the right input) also record in
 * a byte per build row, shared by every worker's op (relaxed atomic stores
 * of 1), which build rows some pair matched. Each op probing a build
 * registers in its `probers` count when it is opened (all ops of a parallel
 * pipeline are opened before any runs); the op whose probe input ends last
 * (its acq_rel decrement reaches 0, so every other op's marks are visible)
 * then emits the never-matched build rows with NULL left columns, a
 * vector at a time. RIGHT drops unmatched probe rows as INNER does, FULL
 * keeps them as LEFT does. Build rows with a NULL key are never matched,
 * so they come out there too.
 */
#include <stdatomic.h>
#include <string.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/hashtable.h"
#include "util/mem.h"

#define JOIN_NONE UINT64_MAX

/* The materialized, indexed build side. Shared read-only by the join ops of
 * all workers when the join is part of a parallel pipeline. */
typedef struct join_build {
    floe_executor *ex;
    int hash;
    const floe_plan *build_plan;
    floe_expr **build_keys;
    uint32_t nkeys;
    uint32_t nw;
    floe_exec_rows *parts;    /* nw buffers filled by the build pipeline */
    floe_exec_rows rows;      /* all build rows */
    int rows_init;
    floe_hashtable ht;
    int ht_init;
    uint64_t *head;           /* per key id: first build row */
    uint64_t *nextr;          /* per build row: next row with the same key */
    int null_key;             /* some build row has a NULL key */
    int outer;                /* RIGHT/FULL: track matched build rows */
    atomic_uchar *bmatched;   /* outer: per build row, 1 once some pair matched it */
    atomic_uint probers;      /* outer: ops still probing this build */
    uint64_t reported;        /* bytes reported */
    floe_exec_op ev;          /* eval context for the build keys */
} join_build;

typedef struct join_op {
    floe_exec_op base;
    int hash;                 /* HASH_JOIN (else NL_JOIN) */
    floe_join_type type;
    int swap;                 /* build on the left input (INNER only) */
    const floe_plan *build_plan, *probe_plan;
    floe_expr **probe_keys;
    uint32_t nkeys;
    join_build *jb;           /* built on first next() unless shared */
    int own_jb;
    floe_exec_morsels *shared;/* dispenser of the probe pipeline's scan */
    floe_exec_op *probe;
    /* current probe batch */
    floe_batch pb;
    int have_pb;
    uint32_t plive;           /* live rows of pb */
    uint32_t pk;              /* next live row to pair */
    uint64_t cur;             /* next candidate build row for live row pk */
    uint32_t *prow;           /* live row -> physical row */
    uint32_t *pids;           /* live row -> key id (FLOE_HT_NONE) */
    uint64_t *hbuf;           /* hash scratch for probing */
    uint8_t *pnull;           /* live row -> probe key has a NULL */
    uint8_t *matched;         /* live row -> 0 none, 1 matched, 2 unknown */
    uint32_t *pair_l;         /* chunk: live probe row */
    uint64_t *pair_b;         /* chunk: build row */
    int probe_done;           /* outer: the probe input has ended */
    int emitter;              /* outer: this op emits the unmatched build rows */
    uint64_t ecur;            /* outer: next build row to check for emission */
} join_op;

/* ------------------------------------------------------------------- build */

static int build_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    join_build *o = arg;
    int rc = floe_exec_check(o->ex, err);
    if (rc) return rc;
    return floe_exec_rows_append(&o->parts[w], b->cols, b->n, b->sel, b->nsel, err);
}

static int key_any_null(const floe_vec *keys, uint32_t nkeys, uint32_t r)
{
    uint32_t k;
    for (k = 0; k < nkeys; k++)
        if (!floe_vec_is_valid(&keys[k], floe_exec_vrow(&keys[k], r))) return 1;
    return 0;
}

static int build_run(join_build *o, floe_err *err)
{
    const floe_plan *bp = o->build_plan;
    uint32_t w, k;
    uint64_t start, bytes;
    int rc;
    floe_vec *keys = NULL;
    uint32_t *ids = NULL, *sel = NULL;

    o->nw = floe_exec_workers(o->ex);
    o->parts = floe_calloc(o->nw, sizeof *o->parts);
    if (o->parts == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw; w++) {
        rc = floe_exec_rows_init(&o->parts[w], bp->ncols, bp->types, err);
        if (rc) return rc;
    }
    rc = floe_exec_drive(o->ex, bp, build_consume, o, err);
    if (rc) return rc;
    /* worker 0's rows become the build buffer; the others are appended */
    o->rows = o->parts[0];
    memset(&o->parts[0], 0, sizeof o->parts[0]);
    o->rows_init = 1;
    for (w = 1; w < o->nw; w++) {
        rc = floe_exec_rows_append_rows(&o->rows, &o->parts[w], err);
        floe_exec_rows_free(&o->parts[w]);
        if (rc) return rc;
    }
    if (o->outer) {
        o->bmatched = floe_calloc(o->rows.n ? o->rows.n : 1, sizeof *o->bmatched);
        if (o->bmatched == NULL) return floe_err_nomem(err);
    }
    if (!o->hash) goto account;

    {
        floe_type *kt = floe_malloc((o->nkeys ? o->nkeys : 1) * sizeof *kt);
        if (kt == NULL) return floe_err_nomem(err);
        for (k = 0; k < o->nkeys; k++) kt[k] = o->build_keys[k]->type;
        rc = floe_hashtable_init(&o->ht, o->nkeys, kt, err);
        floe_free(kt);
        if (rc) return rc;
        o->ht_init = 1;
    }
    o->nextr = floe_malloc((o->rows.n ? o->rows.n : 1) * sizeof *o->nextr);
    keys = floe_calloc(o->nkeys + bp->ncols, sizeof *keys);
    ids = floe_malloc(FLOE_VEC_SIZE * sizeof *ids);
    sel = floe_malloc(FLOE_VEC_SIZE * sizeof *sel);
    if (o->nextr == NULL || keys == NULL || ids == NULL || sel == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (start = 0; start < o->rows.n; start += FLOE_VEC_SIZE) {
        uint32_t n = (uint32_t)(o->rows.n - start < FLOE_VEC_SIZE ? o->rows.n - start
                                                                   : FLOE_VEC_SIZE);
        uint32_t ns = 0, i;
        floe_vec *view = keys + o->nkeys;
        floe_batch vb;
        uint64_t oldcount = o->ht.count;
        rc = floe_exec_check(o->ex, err);
        if (rc) goto out;
        floe_exec_rows_view(&o->rows, start, n, view);
        memset(&vb, 0, sizeof vb);
        vb.ncols = bp->ncols;
        vb.n = n;
        vb.cols = view;
        for (k = 0; k < o->nkeys; k++) {
            rc = floe_exec_eval(&o->ev, o->build_keys[k], &vb, &keys[k], err);
            if (rc) {
                while (k-- > 0) floe_vec_free(&keys[k]);
                goto out;
            }
        }
        for (i = 0; i < n; i++) {
            if (key_any_null(keys, o->nkeys, i)) {
                o->null_key = 1;
                o->nextr[start + i] = JOIN_NONE;
            } else {
                sel[ns++] = i;
            }
        }
        rc = floe_hashtable_insert(&o->ht, keys, n, sel, ns, ids, err);
        for (k = 0; k < o->nkeys; k++) floe_vec_free(&keys[k]);
        if (rc) goto out;
        if (o->ht.count > oldcount) {
            uint64_t *nh = floe_realloc(o->head, o->ht.count * sizeof *nh);
            if (nh == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            for (i = (uint32_t)oldcount; i < o->ht.count; i++) nh[i] = JOIN_NONE;
            o->head = nh;
        }
        for (i = 0; i < ns; i++) {
            uint64_t row = start + sel[i];
            o->nextr[row] = o->head[ids[i]];
            o->head[ids[i]] = row;
        }
    }
    /* probes reject most absent keys before the slot table */
    if (o->hash && o->ht_init && (rc = floe_hashtable_seal_bloom(&o->ht, err))) goto out;
account:
    bytes = floe_exec_rows_bytes(&o->rows);
    if (o->outer) bytes += o->rows.n;
    if (o->hash)
        bytes += floe_hashtable_bytes(&o->ht) + o->rows.n * 8 + (uint64_t)o->ht.count * 8;
    rc = floe_exec_mem(o->ex, (int64_t)bytes, o->hash ? "HASH_JOIN" : "NL_JOIN", err);
    o->reported = bytes;
out:
    floe_free(keys);
    floe_free(ids);
    floe_free(sel);
    return rc;
}

static void build_free(join_build *b)
{
    uint32_t w;
    if (b == NULL) return;
    if (b->parts) {
        for (w = 0; w < b->nw; w++) floe_exec_rows_free(&b->parts[w]);
        floe_free(b->parts);
    }
    if (b->rows_init) floe_exec_rows_free(&b->rows);
    if (b->ht_init) floe_hashtable_free(&b->ht);
    if (b->reported) (void)floe_exec_mem(b->ex, -(int64_t)b->reported, "join", NULL);
    floe_free(b->head);
    floe_free(b->nextr);
    floe_free(b->bmatched);
    floe_eval_ctx_free(&b->ev.ectx);
    floe_free(b);
}

static int join_swapped(const floe_plan *p)
{
    return p->kind == FLOE_PLAN_HASH_JOIN && p->u.join.build_left && p->u.join.type == FLOE_JOIN_INNER;
}

const floe_plan *floe_op_join_probe_child(const floe_plan *p)
{
    return p->children[join_swapped(p) ? 1 : 0];
}

int floe_op_join_prepare(floe_executor *ex, const floe_plan *p, void **out, floe_err *err)
{
    join_build *b = floe_calloc(1, sizeof *b);
    int swap = join_swapped(p), rc;
    *out = NULL;
    if (b == NULL) return floe_err_nomem(err);
    b->ex = ex;
    floe_exec_op_init(&b->ev, ex, p);
    b->hash = p->kind == FLOE_PLAN_HASH_JOIN;
    b->nkeys = b->hash ? p->u.join.nkeys : 0;
    b->build_plan = p->children[swap ? 0 : 1];
    b->build_keys = swap ? p->u.join.left_keys : p->u.join.right_keys;
    b->outer = p->u.join.type == FLOE_JOIN_RIGHT || p->u.join.type == FLOE_JOIN_FULL;
    atomic_init(&b->probers, 0);
    rc = build_run(b, err);
    if (rc) {
        build_free(b);
        return rc;
    }
    *out = b;
    return FLOE_OK;
}

void floe_op_join_release(void *state)
{
    build_free(state);
}

/* ------------------------------------------------------------------- probe */

/* Gather rows[0..n) of src into a new owned vector (strings borrowed). */
static int gather_vec(const floe_vec *src, const uint32_t *rows, uint32_t n, floe_vec *dst)
{
    size_t w = floe_type_size(src->type);
    uint32_t k;
    int cst = (src->flags & FLOE_VEC_CONST) != 0;
    if (floe_vec_init(dst, src->type, n ? n : 1) != FLOE_OK) return FLOE_NOMEM;
    for (k = 0; k < n; k++) {
        uint32_t r = cst ? 0 : rows[k];
        memcpy((char *)dst->data + (size_t)k * w, (const char *)src->data + (size_t)r * w, w);
        if (!floe_vec_is_valid(src, r) && floe_vec_set_null(dst, k) != FLOE_OK) return FLOE_NOMEM;
    }
    dst->n = n;
    return FLOE_OK;
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

static void drop_pb(join_op *o)
{
    floe_batch_free(&o->pb);
    o->have_pb = 0;
}

/* Fetch the next probe batch and look its keys up. FLOE_ROW/FLOE_DONE/error. */
static int next_probe(join_op *o, floe_err *err)
{
    uint32_t k, i;
    int rc;
    memset(&o->pb, 0, sizeof o->pb);
    rc = o->probe->next(o->probe, &o->pb, err);
    if (rc != FLOE_ROW) return rc;
    o->have_pb = 1;
    if (o->pb.n > FLOE_VEC_SIZE)
        return floe_err_set(err, FLOE_MISUSE, "join: batch of %u rows exceeds %u", o->pb.n,
                            FLOE_VEC_SIZE);
    o->plive = floe_batch_rows(&o->pb);
    o->pk = 0;
    o->cur = JOIN_NONE;
    for (i = 0; i < o->plive; i++) {
        o->prow[i] = o->pb.sel ? o->pb.sel[i] : i;
        o->matched[i] = 0;
        o->pnull[i] = 0;
    }
    if (o->hash) {
        floe_vec keys[16], *kv = keys;
        if (o->nkeys > 16) {
            kv = floe_calloc(o->nkeys, sizeof *kv);
            if (kv == NULL) return floe_err_nomem(err);
        }
        for (k = 0; k < o->nkeys; k++) {
            rc = floe_exec_eval(&o->base, o->probe_keys[k], &o->pb, &kv[k], err);
            if (rc) {
                while (k-- > 0) floe_vec_free(&kv[k]);
                if (kv != keys) floe_free(kv);
                return rc;
            }
        }
        if (o->jb->ht.count)
            floe_hashtable_find(&o->jb->ht, kv, o->pb.n, o->pb.sel, o->pb.nsel, o->hbuf, o->pids);
        else
            for (i = 0; i < o->plive; i++) o->pids[i] = FLOE_HT_NONE;
        for (i = 0; i < o->plive; i++) {
            if (key_any_null(kv, o->nkeys, o->prow[i])) {
                o->pnull[i] = 1;
                o->pids[i] = FLOE_HT_NONE;
            }
        }
        for (k = 0; k < o->nkeys; k++) floe_vec_free(&kv[k]);
        if (kv != keys) floe_free(kv);
    }
    return FLOE_ROW;
}

/* Fill the next chunk of candidate pairs; returns their count. */
static uint32_t make_pairs(join_op *o)
{
    uint32_t n = 0;
    while (o->pk < o->plive && n < FLOE_VEC_SIZE) {
        if (o->cur == JOIN_NONE) {
            if (o->hash) {
                if (o->pids[o->pk] == FLOE_HT_NONE) {
                    o->pk++;
                    continue;
                }
                o->cur = o->jb->head[o->pids[o->pk]];
            } else {
                if (o->jb->rows.n == 0) {
                    o->pk = o->plive;
                    break;
                }
                o->cur = 0;
            }
        }
        o->pair_l[n] = o->pk;
        o->pair_b[n] = o->cur;
        n++;
        if (o->hash)
            o->cur = o->jb->nextr[o->cur];
        else
            o->cur = o->cur + 1 < o->jb->rows.n ? o->cur + 1 : JOIN_NONE;
        if (o->cur == JOIN_NONE) o->pk++;
    }
    return n;
}

/* Build the combined batch for n pairs: left columns then right columns. */
static int pair_batch(join_op *o, uint32_t n, floe_batch *out, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t np = o->probe_plan->ncols, nb = o->build_plan->ncols, c, k;
    uint32_t poff = o->swap ? nb : 0, boff = o->swap ? 0 : np;
    uint32_t *rows = floe_malloc((n ? n : 1) * sizeof *rows);
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(np + nb ? np + nb : 1, sizeof *out->cols);
    if (rows == NULL || out->cols == NULL) goto nomem;
    out->ncols = np + nb;
    out->n = n;
    for (k = 0; k < n; k++) rows[k] = o->prow[o->pair_l[k]];
    for (c = 0; c < np; c++)
        if (gather_vec(&o->pb.cols[c], rows, n, &out->cols[poff + c]) != FLOE_OK) goto nomem;
    for (c = 0; c < nb; c++) {
        if (floe_vec_init(&out->cols[boff + c], o->jb->rows.types[c], n ? n : 1) != FLOE_OK) goto nomem;
        out->cols[boff + c].n = n;
    }
    if (floe_exec_rows_gather(&o->jb->rows, 0, nb, o->pair_b, 0, n, out->cols + boff, 0) != FLOE_OK)
        goto nomem;
    floe_free(rows);
    (void)p;
    return FLOE_OK;
nomem:
    floe_free(rows);
    floe_batch_free(out);
    return floe_err_nomem(err);
}

/* Apply cond to a pair batch: sets the batch selection to the TRUE pairs
 * and updates matched[]. */
static int apply_cond(join_op *o, floe_batch *b, uint32_t n, floe_err *err)
{
    const floe_expr *cond = o->base.plan->u.join.cond;
    floe_vec cv;
    uint32_t k, ns = 0;
    int rc;
    if (cond == NULL) {
        for (k = 0; k < n; k++) o->matched[o->pair_l[k]] = 1;
        if (o->jb->outer)
            for (k = 0; k < n; k++)
                atomic_store_explicit(&o->jb->bmatched[o->pair_b[k]], 1, memory_order_relaxed);
        return FLOE_OK;
    }
    rc = floe_exec_eval(&o->base, cond, b, &cv, err);
    if (rc) return rc;
    b->sel = floe_malloc((n ? n : 1) * sizeof *b->sel);
    if (b->sel == NULL) {
        floe_vec_free(&cv);
        return floe_err_nomem(err);
    }
    for (k = 0; k < n; k++) {
        uint32_t r = floe_exec_vrow(&cv, k);
        uint32_t l = o->pair_l[k];
        if (!floe_vec_is_valid(&cv, r)) {
            if (o->matched[l] == 0) o->matched[l] = 2;
        } else if (((const uint8_t *)cv.data)[r]) {
            o->matched[l] = 1;
            b->sel[ns++] = k;
            if (o->jb->outer)
                atomic_store_explicit(&o->jb->bmatched[o->pair_b[k]], 1, memory_order_relaxed);
        }
    }
    b->nsel = ns;
    floe_vec_free(&cv);
    return FLOE_OK;
}

/* Emit the per-probe-batch result of LEFT/SEMI/ANTI/MARK, consuming pb. */
static int finish_probe(join_op *o, floe_batch *out, floe_err *err)
{
    const floe_plan *p = o->base.plan;
    uint32_t i, ns = 0, *sel;
    int rc;
    if (o->type == FLOE_JOIN_MARK) {
        floe_vec *cols = floe_realloc(o->pb.cols, (o->pb.ncols + 1) * sizeof *cols);
        floe_vec *mv;
        if (cols == NULL) return floe_err_nomem(err);
        o->pb.cols = cols;
        mv = &cols[o->pb.ncols];
        rc = floe_vec_init(mv, floe_type_make(FLOE_TYPE_BOOLEAN), o->pb.n ? o->pb.n : 1);
        if (rc) return floe_err_nomem(err);
        o->pb.ncols++;
        mv->n = o->pb.n;
        memset(mv->data, 0, o->pb.n ? o->pb.n : 1);
        for (i = 0; i < o->plive; i++) {
            uint32_t r = o->prow[i];
            int unknown = o->matched[i] == 2 ||
                          (o->matched[i] == 0 && o->jb->rows.n > 0 && (o->pnull[i] || o->jb->null_key));
            ((uint8_t *)mv->data)[r] = o->matched[i] == 1;
            if (o->matched[i] != 1 && unknown && floe_vec_set_null(mv, r) != FLOE_OK)
                return floe_err_nomem(err);
        }
        *out = o->pb;
        memset(&o->pb, 0, sizeof o->pb);
        o->have_pb = 0;
        return FLOE_ROW;
    }
    sel = floe_malloc((o->plive ? o->plive : 1) * sizeof *sel);
    if (sel == NULL) return floe_err_nomem(err);
    for (i = 0; i < o->plive; i++) {
        int keep = o->type == FLOE_JOIN_SEMI ? o->matched[i] == 1 : o->matched[i] != 1;
        if (keep) sel[ns++] = o->prow[i];
    }
    if (ns == 0) {
        floe_free(sel);
        drop_pb(o);
        return FLOE_DONE; /* nothing from this probe batch */
    }
    floe_free(o->pb.sel);
    o->pb.sel = sel;
    o->pb.nsel = ns;
    if (o->type == FLOE_JOIN_LEFT || o->type == FLOE_JOIN_FULL) {
        uint32_t c, np = o->pb.ncols;
        floe_vec *cols = floe_realloc(o->pb.cols, p->ncols * sizeof *cols);
        if (cols == NULL) return floe_err_nomem(err);
        o->pb.cols = cols;
        for (c = np; c < p->ncols; c++) {
            memset(&cols[c], 0, sizeof cols[c]);
            o->pb.ncols = c + 1;
            if (null_vec(&cols[c], p->types[c], o->pb.n) != FLOE_OK) return floe_err_nomem(err);
        }
    }
    *out = o->pb;
    memset(&o->pb, 0, sizeof o->pb);
    o->have_pb = 0;
    return FLOE_ROW;
}

/* RIGHT/FULL after the last probe batch: the next vector of never-matched
 * build rows with NULL probe columns; FLOE_DONE when none are left. */
static int emit_unmatched(join_op *o, floe_batch *out, floe_err *err)
{
    join_build *jb = o->jb;
    uint32_t np = o->probe_plan->ncols, nb = o->build_plan->ncols, c, n = 0;
    while (o->ecur < jb->rows.n && n < FLOE_VEC_SIZE) {
        if (!atomic_load_explicit(&jb->bmatched[o->ecur], memory_order_relaxed))
            o->pair_b[n++] = o->ecur;
        o->ecur++;
    }
    if (n == 0) return FLOE_DONE;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(np + nb ? np + nb : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = np + nb;
    out->n = n;
    for (c = 0; c < np; c++)
        if (null_vec(&out->cols[c], o->probe_plan->types[c], n) != FLOE_OK) goto nomem;
    for (c = 0; c < nb; c++) {
        if (floe_vec_init(&out->cols[np + c], jb->rows.types[c], n) != FLOE_OK) goto nomem;
        out->cols[np + c].n = n;
    }
    if (floe_exec_rows_gather(&jb->rows, 0, nb, o->pair_b, 0, n, out->cols + np, 0) != FLOE_OK)
        goto nomem;
    return FLOE_ROW;
nomem:
    floe_batch_free(out);
    return floe_err_nomem(err);
}

/* RIGHT/FULL: the probe input ended; FLOE_ROW with unmatched build rows
 * (from the op that finished last) or FLOE_DONE. */
static int outer_tail(join_op *o, floe_batch *out, floe_err *err)
{
    if (!o->probe_done) {
        o->probe_done = 1;
        o->emitter = atomic_fetch_sub_explicit(&o->jb->probers, 1, memory_order_acq_rel) == 1;
        o->ecur = 0;
    }
    if (!o->emitter) return FLOE_DONE;
    return emit_unmatched(o, out, err);
}

static int join_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    join_op *o = (join_op *)op;
    int rc;
    if (o->jb == NULL) {
        void *b;
        rc = floe_op_join_prepare(op->ex, op->plan, &b, err);
        if (rc) return rc;
        o->jb = b;
        o->own_jb = 1;
        atomic_fetch_add(&o->jb->probers, 1);
    }
    for (;;) {
        uint32_t n;
        if (o->probe_done) return outer_tail(o, out, err);
        if (!o->have_pb) {
            rc = floe_exec_check(op->ex, err);
            if (rc) return rc;
            rc = next_probe(o, err);
            if (rc == FLOE_DONE && o->jb->outer) return outer_tail(o, out, err);
            if (rc != FLOE_ROW) return rc;
        }
        if (o->type != FLOE_JOIN_INNER && o->type != FLOE_JOIN_LEFT && !o->jb->outer &&
            op->plan->u.join.cond == NULL) {
            /* existence only: no pairs needed */
            uint32_t i;
            for (i = 0; i < o->plive; i++)
                o->matched[i] = o->hash ? o->pids[i] != FLOE_HT_NONE : o->jb->rows.n > 0;
            o->pk = o->plive;
        }
        n = make_pairs(o);
        if (n > 0) {
            /* a selective condition may reject many chunks in a row */
            rc = floe_exec_check(op->ex, err);
            if (rc) return rc;
            rc = pair_batch(o, n, out, err);
            if (rc) return rc;
            rc = apply_cond(o, out, n, err);
            if (rc) {
                floe_batch_free(out);
                return rc;
            }
            if ((o->type == FLOE_JOIN_INNER || o->type == FLOE_JOIN_LEFT ||
                 o->type == FLOE_JOIN_RIGHT || o->type == FLOE_JOIN_FULL) &&
                floe_batch_rows(out) > 0)
                return FLOE_ROW;
            floe_batch_free(out);
            continue;
        }
        /* all pairs of this probe batch are done */
        if (o->type == FLOE_JOIN_INNER || o->type == FLOE_JOIN_RIGHT) {
            drop_pb(o);
            continue;
        }
        rc = finish_probe(o, out, err);
        if (rc == FLOE_DONE) continue;
        return rc;
    }
}

static void join_close(floe_exec_op *op)
{
    join_op *o = (join_op *)op;
    floe_exec_op_free(o->probe);
    if (o->have_pb) floe_batch_free(&o->pb);
    if (o->own_jb) build_free(o->jb);
    floe_free(o->prow);
    floe_free(o->pids);
    floe_free(o->hbuf);
    floe_free(o->pnull);
    floe_free(o->matched);
    floe_free(o->pair_l);
    floe_free(o->pair_b);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_join_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                      floe_exec_op **out, floe_err *err)
{
    join_op *o = floe_calloc(1, sizeof *o);
    int rc;
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = join_next;
    o->base.close = join_close;
    o->hash = p->kind == FLOE_PLAN_HASH_JOIN;
    o->type = p->u.join.type;
    o->swap = join_swapped(p);
    o->nkeys = o->hash ? p->u.join.nkeys : 0;
    o->build_plan = p->children[o->swap ? 0 : 1];
    o->probe_plan = p->children[o->swap ? 1 : 0];
    o->probe_keys = o->swap ? p->u.join.right_keys : p->u.join.left_keys;
    o->jb = floe_exec_shared_build(ex, p);
    if (o->jb) atomic_fetch_add(&o->jb->probers, 1); /* before any op of the pipeline runs */
    o->prow = floe_malloc(FLOE_VEC_SIZE * sizeof *o->prow);
    o->pids = floe_malloc(FLOE_VEC_SIZE * sizeof *o->pids);
    o->hbuf = floe_malloc(FLOE_VEC_SIZE * sizeof *o->hbuf);
    o->pnull = floe_malloc(FLOE_VEC_SIZE);
    o->matched = floe_malloc(FLOE_VEC_SIZE);
    o->pair_l = floe_malloc(FLOE_VEC_SIZE * sizeof *o->pair_l);
    o->pair_b = floe_malloc(FLOE_VEC_SIZE * sizeof *o->pair_b);
    if (!o->prow || !o->pids || !o->hbuf || !o->pnull || !o->matched || !o->pair_l || !o->pair_b) {
        join_close(&o->base);
        return floe_err_nomem(err);
    }
    /* the probe side streams through this op; inside a parallel pipeline its
     * scan shares the pipeline's morsel dispenser */
    rc = floe_exec_build(ex, o->probe_plan, shared, &o->probe, err);
    if (rc) {
        join_close(&o->base);
        return rc;
    }
    *out = &o->base;
    return FLOE_OK;
}
