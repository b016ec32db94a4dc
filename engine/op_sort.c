/* engine/op_sort.c: SORT and TOPN.
 *
 * SORT: every worker of the child pipeline appends its batches to a local
 * row buffer; each buffer is sorted on its own worker into a run of
 * normalized-key records (sort.h, radix sort), and the runs are k-way merged
 * by their records (ties: full values, then run order) into a list of
 * (run, row) that is emitted. A single run is sorted and emitted directly.
 * TOPN: every worker keeps a bounded max-heap of the limit+offset best rows
 * (worst on top); a row whose normalized key is already worse than the top
 * is rejected with one memcmp, without copying it. The heaps' rows are then
 * sorted together and rows [offset, offset+limit) emitted. Both account the
 * bytes they hold against the memory limit.
 */
#include <string.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/sort.h"
#include "util/mem.h"

#define SORT_TOPN_MAX_HEAP (1u << 20) /* rows kept per worker by a top-N heap */

typedef struct sort_local {
    floe_exec_rows rows;
    uint8_t *recs;     /* sorted records of rows (parallel full sort) */
    int rc;            /* status of the run's sort */
    floe_err err;
    uint64_t reported; /* bytes reported to floe_exec_mem */
    /* TOPN only */
    uint8_t *heap;     /* hn records of spec.reclen, max-heap (worst first) */
    uint64_t hn;
    uint64_t scratch;  /* free slot of rows used for the candidate */
    uint8_t *cand;     /* one record */
} sort_local;

typedef struct sort_op {
    floe_exec_op base;
    floe_sort_spec spec;
    int topn;
    uint64_t k;          /* TOPN: rows kept per worker (limit + offset) */
    uint64_t skip, take; /* rows to skip / emit (take UINT64_MAX: all) */
    uint32_t nw;
    sort_local *locals;
    floe_exec_rows all;  /* merged rows */
    int all_init;
    uint64_t *idx;       /* sorted order of `all` */
    uint64_t pos, end;   /* emit idx[pos..end) (or merged[pos..end)) */
    /* parallel full sort: per-worker runs sorted on the pool, then merged */
    uint32_t *mrun;      /* merged order: run (worker) of each row */
    uint64_t *mrow;      /* ... and the row within that run */
    uint64_t mbytes;     /* bytes of mrun/mrow reported */
    int merged;
    int nw_single;       /* full sort of a single run */
    uint64_t all_reported; /* bytes of `all` reported */
    int done;
    const char *name;
} sort_op;

static int local_account(sort_op *o, sort_local *L, floe_err *err)
{
    uint64_t b = floe_exec_rows_bytes(&L->rows) + L->hn * o->spec.reclen;
    int rc;
    if (b == L->reported) return FLOE_OK;
    rc = floe_exec_mem(o->base.ex, (int64_t)b - (int64_t)L->reported, o->name, err);
    L->reported = b;
    return rc;
}

static int sort_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    sort_op *o = arg;
    sort_local *L = &o->locals[w];
    int rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    rc = floe_exec_rows_append(&L->rows, b->cols, b->n, b->sel, b->nsel, err);
    if (rc) return rc;
    return local_account(o, L, err);
}

/* ------------------------------------------------------------------- heap */

static inline uint8_t *hrec(sort_op *o, sort_local *L, uint64_t i)
{
    return L->heap + i * o->spec.reclen;
}

static void hswap(sort_op *o, sort_local *L, uint64_t i, uint64_t j)
{
    uint8_t tmp[512], *a = hrec(o, L, i), *b = hrec(o, L, j);
    uint32_t n = o->spec.reclen;
    while (n) {
        uint32_t m = n < sizeof tmp ? n : (uint32_t)sizeof tmp;
        memcpy(tmp, a, m);
        memcpy(a, b, m);
        memcpy(b, tmp, m);
        a += m;
        b += m;
        n -= m;
    }
}

static void sift_up(sort_op *o, sort_local *L, uint64_t i)
{
    while (i > 0) {
        uint64_t parent = (i - 1) / 2;
        if (floe_sort_cmp(&o->spec, &L->rows, hrec(o, L, i), hrec(o, L, parent)) <= 0) break;
        hswap(o, L, i, parent);
        i = parent;
    }
}

static void sift_down(sort_op *o, sort_local *L, uint64_t i)
{
    for (;;) {
        uint64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < L->hn && floe_sort_cmp(&o->spec, &L->rows, hrec(o, L, l), hrec(o, L, m)) > 0) m = l;
        if (r < L->hn && floe_sort_cmp(&o->spec, &L->rows, hrec(o, L, r), hrec(o, L, m)) > 0) m = r;
        if (m == i) return;
        hswap(o, L, i, m);
        i = m;
    }
}

static int topn_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    sort_op *o = arg;
    sort_local *L = &o->locals[w];
    uint32_t live = floe_batch_rows(b), k;
    int rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    for (k = 0; k < live; k++) {
        uint32_t r = b->sel ? b->sel[k] : k;
        if (L->hn < o->k) {
            uint64_t slot = L->rows.n;
            uint32_t one = r;
            rc = floe_exec_rows_append(&L->rows, b->cols, b->n, &one, 1, err);
            if (rc) return rc;
            floe_sort_encode(&o->spec, b->cols, r, slot, hrec(o, L, L->hn));
            L->hn++;
            sift_up(o, L, L->hn - 1);
            continue;
        }
        floe_sort_encode(&o->spec, b->cols, r, L->scratch, L->cand);
        /* worse normalized key than the current worst: reject without copying */
        if (memcmp(L->cand, L->heap, o->spec.klen) > 0) continue;
        if (L->scratch >= L->rows.n) {
            uint32_t one = r;
            rc = floe_exec_rows_append(&L->rows, b->cols, b->n, &one, 1, err);
        } else {
            rc = floe_exec_rows_set(&L->rows, L->scratch, b->cols, r, err);
        }
        if (rc) return rc;
        if (floe_sort_cmp(&o->spec, &L->rows, L->cand, L->heap) < 0) {
            uint64_t old;
            memcpy(&old, L->heap + o->spec.klen, 8);
            memcpy(L->heap, L->cand, o->spec.reclen);
            L->scratch = old;
            sift_down(o, L, 0);
        }
    }
    return local_account(o, L, err);
}

/* Append the rows of L's heap to o->all. */
static int topn_collect(sort_op *o, sort_local *L, floe_err *err)
{
    uint64_t i;
    uint32_t nc = L->rows.ncols;
    floe_vec *view = floe_calloc(nc ? nc : 1, sizeof *view);
    int rc = FLOE_OK;
    if (view == NULL) return floe_err_nomem(err);
    for (i = 0; i < L->hn && rc == FLOE_OK; i++) {
        uint64_t slot, base;
        uint32_t one;
        memcpy(&slot, hrec(o, L, i) + o->spec.klen, 8);
        base = slot & ~(uint64_t)63;
        one = (uint32_t)(slot - base);
        floe_exec_rows_view(&L->rows, base, one + 1, view);
        rc = floe_exec_rows_append(&o->all, view, one + 1, &one, 1, err);
    }
    floe_free(view);
    return rc;
}

/* ------------------------------------------------------- parallel sort */

static void sort_run_worker(void *arg, uint32_t w)
{
    sort_op *o = arg;
    sort_local *L = &o->locals[w];
    if (w >= o->nw || L->rows.n == 0) return;
    floe_err_clear(&L->err);
    L->rc = floe_sort_records(&o->spec, &L->rows, &L->recs, &L->err);
}

/* Compare the heads of two runs: normalized keys, full values of the tail
 * keys, then run order (runs hold disjoint, input-ordered morsels). */
static int head_cmp(sort_op *o, uint32_t ra, const uint8_t *a, uint32_t rb, const uint8_t *b)
{
    int c = memcmp(a, b, o->spec.klen);
    uint32_t k;
    if (c) return c;
    if (o->spec.tail_from < o->spec.nkeys) {
        const floe_exec_rows *xa = &o->locals[ra].rows, *xb = &o->locals[rb].rows;
        uint64_t ia, ib;
        memcpy(&ia, a + o->spec.klen, 8);
        memcpy(&ib, b + o->spec.klen, 8);
        for (k = o->spec.tail_from; k < o->spec.nkeys; k++) {
            const floe_sort_key *key = &o->spec.keys[k];
            uint32_t col = key->col;
            int va = floe_exec_rows_is_valid(xa, col, ia), vb = floe_exec_rows_is_valid(xb, col, ib);
            floe_value x, y;
            if (va != vb) return (va ? 1 : -1) * (key->nulls_first ? 1 : -1);
            if (!va) continue;
            floe_value_load(xa->types[col], xa->data[col], ia, &x);
            floe_value_load(xb->types[col], xb->data[col], ib, &y);
            c = floe_value_cmp(&x, &y);
            if (c) return key->desc ? -c : c;
        }
    }
    return (ra > rb) - (ra < rb);
}

static int sort_merge_runs(sort_op *o, floe_err *err)
{
    uint32_t w, rl = floe_sort_reclen(&o->spec);
    uint64_t total = 0, i, *pos = floe_calloc(o->nw, sizeof *pos);
    int rc = FLOE_OK;
    if (pos == NULL) return floe_err_nomem(err);
    if (o->base.ex->pool)
        floe_pool_run(o->base.ex->pool, sort_run_worker, o);
    else
        for (w = 0; w < o->nw; w++) sort_run_worker(o, w);
    for (w = 0; w < o->nw; w++) {
        if (o->locals[w].rows.n && o->locals[w].rc) {
            *err = o->locals[w].err;
            rc = o->locals[w].rc;
            goto out;
        }
        total += o->locals[w].rows.n;
    }
    o->mbytes = total * (sizeof *o->mrun + sizeof *o->mrow);
    rc = floe_exec_mem(o->base.ex, (int64_t)o->mbytes, o->name, err);
    if (rc) goto out;
    o->mrun = floe_malloc((total ? total : 1) * sizeof *o->mrun);
    o->mrow = floe_malloc((total ? total : 1) * sizeof *o->mrow);
    if (o->mrun == NULL || o->mrow == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    /* k-way merge of the sorted records: sequential reads, no re-encoding */
    for (i = 0; i < total; i++) {
        uint32_t best = UINT32_MAX;
        const uint8_t *bh = NULL;
        if ((i & 0xffff) == 0 && (rc = floe_exec_check(o->base.ex, err)) != FLOE_OK) goto out;
        for (w = 0; w < o->nw; w++) {
            const uint8_t *h;
            if (pos[w] >= o->locals[w].rows.n) continue;
            h = o->locals[w].recs + pos[w] * rl;
            if (best == UINT32_MAX || head_cmp(o, w, h, best, bh) < 0) {
                best = w;
                bh = h;
            }
        }
        o->mrun[i] = best;
        memcpy(&o->mrow[i], bh + o->spec.klen, 8);
        pos[best]++;
    }
    o->merged = 1;
    o->pos = o->skip < total ? o->skip : total;
    o->end = o->take == UINT64_MAX || total - o->pos < o->take ? total : o->pos + o->take;
    for (w = 0; w < o->nw; w++) {
        floe_free(o->locals[w].recs);
        o->locals[w].recs = NULL;
    }
out:
    floe_free(pos);
    return rc;
}

/* Emit merged rows [pos, min(pos + FLOE_VEC_SIZE, end)) gathered from the runs. */
static int emit_merged(sort_op *o, floe_batch *out, floe_err *err)
{
    const floe_plan *ch = o->base.plan->children[0];
    uint32_t n = (uint32_t)(o->end - o->pos < FLOE_VEC_SIZE ? o->end - o->pos : FLOE_VEC_SIZE), c, k;
    if (floe_batch_init(out, ch->ncols, ch->types, n) != FLOE_OK) return floe_err_nomem(err);
    for (c = 0; c < ch->ncols; c++) {
        floe_vec *v = &out->cols[c];
        size_t wd = floe_type_size(ch->types[c]);
        for (k = 0; k < n; k++) {
            const floe_exec_rows *r = &o->locals[o->mrun[o->pos + k]].rows;
            uint64_t row = o->mrow[o->pos + k];
            memcpy((char *)v->data + (size_t)k * wd, (const char *)r->data[c] + row * wd, wd);
            if (!floe_exec_rows_is_valid(r, c, row) && floe_vec_set_null(v, k) != FLOE_OK) {
                floe_batch_free(out);
                return floe_err_nomem(err);
            }
        }
        v->n = n;
    }
    out->n = n;
    o->pos += n;
    return FLOE_ROW;
}

/* ------------------------------------------------------------------- run */

static int sort_run(sort_op *o, floe_err *err)
{
    const floe_plan *ch = o->base.plan->children[0];
    uint32_t w;
    int rc;
    o->nw = floe_exec_workers(o->base.ex);
    o->locals = floe_calloc(o->nw, sizeof *o->locals);
    if (o->locals == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw; w++) {
        sort_local *L = &o->locals[w];
        rc = floe_exec_rows_init(&L->rows, ch->ncols, ch->types, err);
        if (rc) return rc;
        if (o->topn) {
            L->heap = floe_malloc((size_t)o->k * o->spec.reclen);
            L->cand = floe_malloc(o->spec.reclen);
            if (L->heap == NULL || L->cand == NULL) return floe_err_nomem(err);
            L->scratch = o->k; /* the slot after the k heap rows */
        }
    }
    rc = floe_exec_rows_init(&o->all, ch->ncols, ch->types, err);
    if (rc) return rc;
    o->all_init = 1;
    rc = floe_exec_drive(o->base.ex, ch, o->topn ? topn_consume : sort_consume, o, err);
    if (rc) return rc;
    if (!o->topn) {
        uint32_t nruns = 0, last = 0;
        for (w = 0; w < o->nw; w++)
            if (o->locals[w].rows.n) {
                nruns++;
                last = w;
            }
        if (nruns > 1) return sort_merge_runs(o, err);
        /* one run: sort it in place below */
        if (last != 0) {
            floe_exec_rows tmp = o->locals[0].rows;
            o->locals[0].rows = o->locals[last].rows;
            o->locals[last].rows = tmp;
        }
        o->nw_single = 1;
    }
    for (w = 0; w < o->nw; w++) {
        sort_local *L = &o->locals[w];
        if (o->topn)
            rc = topn_collect(o, L, err);
        else if (o->nw_single)
            rc = FLOE_OK;
        else
            rc = floe_exec_rows_append_rows(&o->all, &L->rows, err);
        if (rc) return rc;
    }
    if (!o->topn && o->nw_single) {
        /* one run: take it over instead of copying */
        floe_exec_rows tmp = o->all;
        o->all = o->locals[0].rows;
        o->locals[0].rows = tmp;
    }
    o->all_reported = floe_exec_rows_bytes(&o->all);
    rc = floe_exec_mem(o->base.ex, (int64_t)o->all_reported, o->name, err);
    if (rc) return rc;
    rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    rc = floe_sort_rows(&o->spec, &o->all, &o->idx, err);
    if (rc) return rc;
    o->pos = o->skip < o->all.n ? o->skip : o->all.n;
    o->end = o->take == UINT64_MAX || o->all.n - o->pos < o->take ? o->all.n : o->pos + o->take;
    return FLOE_OK;
}

static int sort_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    sort_op *o = (sort_op *)op;
    int rc;
    if (!o->done) {
        o->done = 1;
        if (o->topn && o->k == 0) {
            o->pos = o->end = 0;
        } else {
            rc = sort_run(o, err);
            if (rc) return rc;
        }
    }
    if (o->pos >= o->end) return FLOE_DONE;
    if (o->merged) return emit_merged(o, out, err);
    return floe_exec_emit_rows(&o->all, o->idx, o->end, &o->pos, out, err);
}

static void sort_close(floe_exec_op *op)
{
    sort_op *o = (sort_op *)op;
    uint32_t w;
    if (o->locals) {
        for (w = 0; w < o->nw; w++) {
            sort_local *L = &o->locals[w];
            if (L->reported) (void)floe_exec_mem(op->ex, -(int64_t)L->reported, o->name, NULL);
            floe_exec_rows_free(&L->rows);
            floe_free(L->recs);
            floe_free(L->heap);
            floe_free(L->cand);
        }
    }
    if (o->all_init) {
        if (o->all_reported) (void)floe_exec_mem(op->ex, -(int64_t)o->all_reported, o->name, NULL);
        floe_exec_rows_free(&o->all);
    }
    floe_free(o->locals);
    floe_free(o->idx);
    floe_free(o->mrun);
    floe_free(o->mrow);
    if (o->mbytes) (void)floe_exec_mem(op->ex, -(int64_t)o->mbytes, o->name, NULL);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_sort_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    sort_op *o = floe_calloc(1, sizeof *o);
    const floe_plan *ch = p->children[0];
    uint32_t k;
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = sort_next;
    o->base.close = sort_close;
    for (k = 0; k < p->u.sort.nkeys; k++) {
        if (p->u.sort.keys[k].col >= ch->ncols) {
            floe_free(o);
            return floe_err_set(err, FLOE_MISUSE, "sort key #%u out of range", p->u.sort.keys[k].col);
        }
    }
    floe_sort_spec_init(&o->spec, p->u.sort.keys, p->u.sort.nkeys, ch->types);
    o->name = p->kind == FLOE_PLAN_TOPN ? "TOPN" : "SORT";
    o->skip = 0;
    o->take = UINT64_MAX;
    if (p->kind == FLOE_PLAN_TOPN) {
        o->skip = p->u.sort.offset > 0 ? (uint64_t)p->u.sort.offset : 0;
        if (p->u.sort.limit >= 0) {
            o->take = (uint64_t)p->u.sort.limit;
            o->k = o->take + o->skip;
            /* a heap only pays while it is small; beyond that sort fully */
            o->topn = o->k <= SORT_TOPN_MAX_HEAP;
            if (o->k == 0) o->topn = 1;
        }
    }
    *out = &o->base;
    return FLOE_OK;
}
