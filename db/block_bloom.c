/* db/block_bloom.c: per-block bloom filters of indexed columns. Contract in
 * db/block_bloom.h. */
#include "db/block_bloom.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "db/part_source.h"
#include "util/hash.h"
#include "util/mem.h"

struct floe_part_blooms {
    atomic_int refs;
    floe_part_reader *reader; /* one reference: the cache matches parts by this pointer,
                               * which must not be reused while the filter lives */
    uint32_t ncols;
    uint32_t cols[16];
    uint32_t nblocks;
    uint32_t *nwords; /* [col * nblocks + block]: words of that filter (power of two) */
    uint64_t **bits;  /* [col * nblocks + block] */
    uint64_t bytes;
};

static uint64_t value_hash(const floe_value *v)
{
    switch (v->type.id) {
    case FLOE_TYPE_VARCHAR: return floe_hash64(v->v.s.len ? v->v.s.ptr : "", v->v.s.len);
    case FLOE_TYPE_DOUBLE: {
        double d = v->v.d == 0 ? 0 : v->v.d; /* -0.0 equals 0.0 */
        return floe_hash64(&d, sizeof d);
    }
    case FLOE_TYPE_INTERVAL: return floe_hash64(&v->v.iv, sizeof v->v.iv);
    default: return floe_hash64(&v->v.i, sizeof v->v.i);
    }
}

static void set_bits(uint64_t *w, uint32_t nw, uint64_t h)
{
    uint64_t mask = (uint64_t)nw * 64 - 1, p0 = h & mask, p1 = (h >> 21) & mask, p2 = (h >> 42) & mask;
    w[p0 >> 6] |= 1ull << (p0 & 63);
    w[p1 >> 6] |= 1ull << (p1 & 63);
    w[p2 >> 6] |= 1ull << (p2 & 63);
}

static bool test_bits(const uint64_t *w, uint32_t nw, uint64_t h)
{
    uint64_t mask = (uint64_t)nw * 64 - 1, p0 = h & mask, p1 = (h >> 21) & mask, p2 = (h >> 42) & mask;
    return ((w[p0 >> 6] >> (p0 & 63)) & 1) && ((w[p1 >> 6] >> (p1 & 63)) & 1) &&
           ((w[p2 >> 6] >> (p2 & 63)) & 1);
}

static void load(const floe_vec *v, uint32_t r, floe_value *out)
{
    if (v->flags & FLOE_VEC_CONST) r = 0;
    out->type = v->type;
    out->is_null = !floe_vec_is_valid(v, r);
    if (out->is_null) return;
    if (v->type.id == FLOE_TYPE_VARCHAR && v->dict.codes) {
        out->v.s = v->dict.entries[v->dict.codes[r]];
        return;
    }
    floe_value_load(v->type, v->data, r, out);
}

void floe_part_blooms_ref(floe_part_blooms *b) { atomic_fetch_add(&b->refs, 1); }

void floe_part_blooms_unref(floe_part_blooms *b)
{
    uint32_t i;
    if (b == NULL || atomic_fetch_sub(&b->refs, 1) != 1) return;
    for (i = 0; b->bits && i < b->ncols * b->nblocks; i++) floe_free(b->bits[i]);
    if (b->reader) floe_part_reader_unref(b->reader);
    floe_free(b->bits);
    floe_free(b->nwords);
    floe_free(b);
}

int floe_part_blooms_build(floe_part_reader *r, const uint32_t *cols, uint32_t ncols,
                           floe_part_blooms **out, floe_err *err)
{
    floe_part_blooms *b = floe_calloc(1, sizeof *b);
    floe_scan_source src;
    uint32_t blk, c;
    int rc = FLOE_OK;
    *out = NULL;
    if (b == NULL) return floe_err_nomem(err);
    atomic_init(&b->refs, 1);
    floe_part_reader_ref(r);
    b->reader = r;
    b->ncols = ncols > 16 ? 16 : ncols;
    memcpy(b->cols, cols, b->ncols * sizeof *cols);
    b->nblocks = floe_part_reader_nblocks(r);
    b->nwords = floe_calloc((size_t)b->ncols * b->nblocks + 1, sizeof *b->nwords);
    b->bits = floe_calloc((size_t)b->ncols * b->nblocks + 1, sizeof *b->bits);
    if (b->nwords == NULL || b->bits == NULL) {
        floe_part_blooms_unref(b);
        return floe_err_nomem(err);
    }
    for (c = 0; c < b->ncols && rc == FLOE_OK; c++)
        for (blk = 0; blk < b->nblocks && rc == FLOE_OK; blk++) {
            uint64_t want = ((uint64_t)floe_part_reader_block_rows(r, blk) * 10 + 63) / 64;
            uint32_t nw = 1, k = c * b->nblocks + blk;
            while (nw < want && nw < (1u << 20)) nw *= 2;
            b->nwords[k] = nw;
            if ((b->bits[k] = floe_calloc(nw, sizeof(uint64_t))) == NULL) rc = floe_err_nomem(err);
            b->bytes += (uint64_t)nw * 8;
        }
    if (rc == FLOE_OK) rc = floe_part_source_new(&r, 1, &src, err);
    if (rc != FLOE_OK) {
        floe_part_blooms_unref(b);
        return rc;
    }
    /* one morsel per block, in block order (db/part_source.h) */
    for (blk = 0; blk < b->nblocks && rc == FLOE_OK; blk++) {
        floe_scan_cursor *cur = NULL;
        rc = src.vt->open(src.self, blk, b->cols, b->ncols, NULL, 0, &cur, err);
        while (rc == FLOE_OK) {
            floe_batch bt;
            uint32_t i;
            memset(&bt, 0, sizeof bt);
            rc = src.vt->next(cur, &bt, err);
            if (rc != FLOE_ROW) {
                if (rc == FLOE_DONE) rc = FLOE_OK;
                floe_batch_free(&bt);
                break;
            }
            rc = FLOE_OK;
            for (c = 0; c < b->ncols; c++) {
                uint32_t k = c * b->nblocks + blk, live = floe_batch_rows(&bt);
                for (i = 0; i < live; i++) {
                    floe_value v;
                    load(&bt.cols[c], bt.sel ? bt.sel[i] : i, &v);
                    if (!v.is_null) set_bits(b->bits[k], b->nwords[k], value_hash(&v));
                }
            }
            floe_batch_free(&bt);
        }
        if (cur) src.vt->close(cur);
    }
    src.vt->free(src.self);
    if (rc != FLOE_OK) {
        floe_part_blooms_unref(b);
        return rc;
    }
    *out = b;
    return FLOE_OK;
}

bool floe_part_blooms_may_match(const floe_part_blooms *b, uint32_t block, const floe_scan_pred *p)
{
    uint32_t c;
    if (b == NULL || p->op != FLOE_PRED_EQ || p->value.is_null || block >= b->nblocks) return true;
    for (c = 0; c < b->ncols; c++) {
        uint32_t k;
        if (b->cols[c] != p->col) continue;
        if (p->col >= floe_part_reader_ncols(b->reader) ||
            floe_part_reader_col_type(b->reader, p->col).id != p->value.type.id)
            return true;
        k = c * b->nblocks + block;
        return test_bits(b->bits[k], b->nwords[k], value_hash(&p->value));
    }
    return true;
}

uint64_t floe_part_blooms_bytes(const floe_part_blooms *b) { return b ? b->bytes : 0; }

/* ------------------------------------------------------------ the table cache */

struct floe_db_blooms {
    pthread_mutex_t mu;
    uint32_t cols[16], ncols;
    floe_part_blooms **parts; /* one reference each */
    uint32_t n, cap;
};

int floe_db_blooms_new(const uint32_t *cols, uint32_t ncols, floe_db_blooms **out, floe_err *err)
{
    floe_db_blooms *c = floe_calloc(1, sizeof *c);
    *out = NULL;
    if (c == NULL) return floe_err_nomem(err);
    pthread_mutex_init(&c->mu, NULL);
    c->ncols = ncols > 16 ? 16 : ncols;
    memcpy(c->cols, cols, c->ncols * sizeof *cols);
    *out = c;
    return FLOE_OK;
}

void floe_db_blooms_free(floe_db_blooms *c)
{
    uint32_t i;
    if (c == NULL) return;
    for (i = 0; i < c->n; i++) floe_part_blooms_unref(c->parts[i]);
    floe_free(c->parts);
    pthread_mutex_destroy(&c->mu);
    floe_free(c);
}

int floe_db_blooms_get(floe_db_blooms *c, floe_part_reader *const *parts, uint32_t n,
                       floe_part_blooms **out, floe_err *err)
{
    floe_part_blooms **keep;
    uint32_t i, k, nkeep = 0;
    int rc = FLOE_OK;
    for (i = 0; i < n; i++) out[i] = NULL;
    if ((keep = floe_calloc(n + 1, sizeof *keep)) == NULL) return floe_err_nomem(err);
    pthread_mutex_lock(&c->mu);
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        for (k = 0; k < c->n; k++)
            if (c->parts[k] && c->parts[k]->reader == parts[i]) break;
        if (k < c->n) {
            out[i] = c->parts[k];
            c->parts[k] = NULL; /* moved to keep */
        } else {
            rc = floe_part_blooms_build(parts[i], c->cols, c->ncols, &out[i], err);
        }
        if (rc == FLOE_OK) {
            keep[nkeep++] = out[i];
            floe_part_blooms_ref(out[i]);
        }
    }
    if (rc == FLOE_OK) { /* the cache now holds exactly these parts */
        for (k = 0; k < c->n; k++) floe_part_blooms_unref(c->parts[k]);
        floe_free(c->parts);
        c->parts = keep;
        c->n = c->cap = nkeep;
        keep = NULL;
    } else {
        for (k = 0; k < nkeep; k++) {
            /* give the moved ones back to the cache, drop the callers' */
            floe_part_blooms_unref(keep[k]);
        }
        for (i = 0; i < n; i++) {
            floe_part_blooms_unref(out[i]);
            out[i] = NULL;
        }
    }
    pthread_mutex_unlock(&c->mu);
    floe_free(keep);
    return rc;
}
