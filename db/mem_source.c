/* db/mem_source.c: memtable snapshot -> engine scan source. */
#include "db/mem_source.h"

#include <string.h>

#include "util/mem.h"

typedef struct mem_source {
    floe_ingest_snapshot *snap;
    uint64_t *first_morsel; /* nmems + 1 prefix sums of chunk counts */
    uint32_t nmorsels;
} mem_source;

struct floe_scan_cursor {
    mem_source *src;
    uint32_t mem;       /* index into snap->mems */
    uint64_t chunk;     /* chunk within that memtable */
    uint32_t n;         /* rows of the chunk in the snapshot */
    uint32_t *cols;     /* table columns to produce */
    uint32_t ncols;
    uint64_t *validity; /* ncols * FLOE_BITMAP_WORDS(FLOE_VEC_SIZE) copied words (partial chunk) */
    bool done;
};

/* Which memtable and chunk morsel m is (binary search in the prefix sums). */
static void locate(const mem_source *s, uint32_t m, uint32_t *out_mem, uint64_t *out_chunk)
{
    uint32_t lo = 0, hi = s->snap->nmems;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->first_morsel[mid] <= m) lo = mid;
        else hi = mid;
    }
    *out_mem = lo;
    *out_chunk = m - s->first_morsel[lo];
}

static uint32_t chunk_rows(uint64_t rows, uint64_t chunk)
{
    uint64_t left = rows - chunk * FLOE_VEC_SIZE;
    return (uint32_t)(left < FLOE_VEC_SIZE ? left : FLOE_VEC_SIZE);
}

static uint32_t ms_nmorsels(void *self) { return ((mem_source *)self)->nmorsels; }

static uint64_t ms_morsel_rows(void *self, uint32_t m)
{
    mem_source *s = self;
    uint32_t mem;
    uint64_t chunk;
    if (m >= s->nmorsels) return 0;
    locate(s, m, &mem, &chunk);
    return chunk_rows(s->snap->mems[mem].rows, chunk);
}

/* Can a value in [min, max] (per st) satisfy `col op value`? */
static bool pred_may_match(const floe_memtable_stats *st, floe_type t, const floe_scan_pred *p)
{
    int lo, hi; /* sign of min - value, max - value */
    if (p->op == FLOE_PRED_IS_NULL) return st->has_null;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return st->has_valid;
    if (!st->has_valid) return false; /* all NULL: no comparison is true */
    if (p->value.is_null) return false; /* comparing with NULL is never true */
    if (!st->has_minmax || p->value.type.id != t.id) return true;
    if (t.id == FLOE_TYPE_DOUBLE) {
        double v = p->value.v.d;
        if (v != v) return true;
        lo = (st->dmin > v) - (st->dmin < v);
        hi = (st->dmax > v) - (st->dmax < v);
    } else {
        int64_t v = p->value.v.i;
        lo = (st->imin > v) - (st->imin < v);
        hi = (st->imax > v) - (st->imax < v);
    }
    switch (p->op) {
    case FLOE_PRED_EQ: return lo <= 0 && hi >= 0;
    case FLOE_PRED_NE: return !(lo == 0 && hi == 0);
    case FLOE_PRED_LT: return lo < 0;
    case FLOE_PRED_LE: return lo <= 0;
    case FLOE_PRED_GT: return hi > 0;
    case FLOE_PRED_GE: return hi >= 0;
    default: return true;
    }
}

static bool ms_may_match(void *self, uint32_t m, const floe_scan_pred *preds, uint32_t npreds)
{
    /* per-chunk min/max and NULL presence, where the chunk is final */
    mem_source *s = self;
    uint32_t mem, i;
    uint64_t chunk;
    if (m >= s->nmorsels) return false;
    locate(s, m, &mem, &chunk);
    for (i = 0; i < npreds; i++) {
        const floe_ingest_snap_mem *e = &s->snap->mems[mem];
        floe_memtable_stats st;
        if (preds[i].col >= s->snap->ncols) continue;
        if (!floe_memtable_chunk_stats(e->mem, chunk, preds[i].col, e->rows, &st)) return true;
        if (!pred_may_match(&st, s->snap->types[preds[i].col], &preds[i])) return false;
    }
    return true;
}

static int ms_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    mem_source *s = self;
    floe_scan_cursor *c;
    uint32_t i;
    (void)preds;
    (void)npreds;
    *out = NULL;
    if (m >= s->nmorsels) return floe_err_set(err, FLOE_MISUSE, "morsel %u of %u", m, s->nmorsels);
    for (i = 0; i < ncols; i++)
        if (cols[i] >= s->snap->ncols)
            return floe_err_set(err, FLOE_MISUSE, "column %u of %u", cols[i], s->snap->ncols);
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    c->src = s;
    locate(s, m, &c->mem, &c->chunk);
    c->n = chunk_rows(s->snap->mems[c->mem].rows, c->chunk);
    c->ncols = ncols;
    c->cols = floe_malloc((ncols ? ncols : 1) * sizeof *c->cols);
    if (c->cols == NULL) goto nomem;
    if (ncols) memcpy(c->cols, cols, ncols * sizeof *cols);
    if (c->n < FLOE_VEC_SIZE) {
        c->validity = floe_malloc((ncols ? ncols : 1) * FLOE_BITMAP_WORDS(FLOE_VEC_SIZE) *
                                  sizeof(uint64_t));
        if (c->validity == NULL) goto nomem;
    }
    *out = c;
    return FLOE_OK;
nomem:
    floe_free(c->cols);
    floe_free(c);
    return floe_err_nomem(err);
}

static int ms_next(floe_scan_cursor *c, floe_batch *out, floe_err *err)
{
    const floe_memtable *mt = c->src->snap->mems[c->mem].mem;
    uint32_t i;
    if (c->done) return FLOE_DONE;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof(floe_vec));
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = c->ncols;
    out->n = c->n;
    for (i = 0; i < c->ncols; i++) {
        floe_vec *v = &out->cols[i];
        floe_memtable_chunk_vec(mt, c->chunk, c->cols[i], c->n, v);
        if (c->validity) {
            uint64_t *words = c->validity + (size_t)i * FLOE_BITMAP_WORDS(FLOE_VEC_SIZE);
            v->validity = floe_memtable_copy_validity(mt, c->chunk, c->cols[i], c->n, words)
                              ? words
                              : NULL;
        }
    }
    c->done = true;
    return FLOE_ROW;
}

static void ms_close(floe_scan_cursor *c)
{
    if (c == NULL) return;
    floe_free(c->validity);
    floe_free(c->cols);
    floe_free(c);
}

static void ms_free(void *self)
{
    mem_source *s = self;
    if (s == NULL) return;
    floe_ingest_snapshot_free(s->snap);
    floe_free(s->first_morsel);
    floe_free(s);
}

static const floe_scan_source_vt mem_source_vt = {
    ms_nmorsels, ms_morsel_rows, ms_may_match, ms_open, ms_next, ms_close, ms_free,
};

int floe_mem_source_new(floe_ingest_snapshot *snap, floe_scan_source *out, floe_err *err)
{
    mem_source *s = floe_calloc(1, sizeof *s);
    uint32_t i;
    uint64_t total = 0;
    memset(out, 0, sizeof *out);
    if (s == NULL) {
        floe_ingest_snapshot_free(snap);
        return floe_err_nomem(err);
    }
    s->snap = snap;
    s->first_morsel = floe_malloc((snap->nmems + 1) * sizeof *s->first_morsel);
    if (s->first_morsel == NULL) {
        ms_free(s);
        return floe_err_nomem(err);
    }
    for (i = 0; i < snap->nmems; i++) {
        s->first_morsel[i] = total;
        total += floe_memtable_nchunks(snap->mems[i].rows);
    }
    s->first_morsel[snap->nmems] = total;
    if (total > UINT32_MAX) {
        ms_free(s);
        return floe_err_set(err, FLOE_RANGE, "memtable snapshot of %llu chunks is too large",
                            (unsigned long long)total);
    }
    s->nmorsels = (uint32_t)total;
    out->vt = &mem_source_vt;
    out->self = s;
    return FLOE_OK;
}
