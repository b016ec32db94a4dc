/* db/part_source.c: scan source over part readers (see part_source.h). */
#include "db/part_source.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#ifdef __GLIBC__
#endif

#include "db/block_bloom.h"
#include "engine/kernels.h"
#include "storage/format.h"
#include "util/mem.h"

typedef struct part_source {
    floe_part_reader **readers;
    uint32_t nreaders;
    uint32_t nmorsels;
    uint32_t *m_part, *m_block; /* morsel -> (reader, block) */
    atomic_uint_fast64_t opened;  /* cursors opened (blocks visited) */
    atomic_uint_fast64_t decoded; /* column blocks decoded */
    floe_part_blooms **blooms;    /* per reader: CREATE INDEX filters (db/block_bloom.h), or NULL */
} part_source;

typedef struct part_cursor {
    part_source *src;
    uint32_t part, block, rows, pos;
    uint32_t ncols;   /* projected */
    uint32_t nextra;  /* predicate-only columns decoded after the projected ones */
    uint32_t *cols;   /* ncols + nextra table column indexes */
    floe_vec *vecs;   /* decoded block per column */
    floe_vec *codes;  /* per column: dictionary codes when read through the dictionary */
    floe_vec *dicts;  /* per column: that dictionary (owns the bytes vecs point into) */
    floe_scan_pred *preds;
    uint32_t npreds;
    uint32_t *pred_vec; /* index into vecs of each predicate's column */
    bool exact;         /* every predicate is applied exactly: batches say so
                         * (cleared when filter_sel keeps rows for the engine:
                         * NaN in a DOUBLE comparison, or no memory) */
    uint32_t *bsel;     /* with predicates: block rows that pass them, ascending */
    uint32_t nbsel, selpos; /* entries in bsel; next entry to hand out */
    /* Columns read through their dictionary (codes[i].data set, vecs[i]
     * empty) are materialised per batch, only at the selected rows, into
     * win[i] (FLOE_VEC_SIZE strings, zeroed when allocated); the rows
     * written for the last batch are zeroed again before the next one, so
     * unselected rows always read as empty strings. */
    floe_string **win;  /* per column, or NULL; owned */
    uint64_t *dids;     /* per column: floe_vec_dict_id of its dictionary, or 0 */
    floe_block_cursor **bcur; /* per column: read a vector at a time (projected
                               * fixed-width columns), or NULL; owned */
    uint32_t *wrows;    /* rows of the windows written by the last batch */
    uint32_t nwrows;
} part_cursor;

/* Predicate value usable against a column of type t. */
static bool pred_usable(floe_type t, const floe_scan_pred *p)
{
    floe_type v = p->value.type;
    if (p->op == FLOE_PRED_IS_NULL || p->op == FLOE_PRED_IS_NOT_NULL) return true;
    if (p->value.is_null) return false;
    if (v.id == t.id) return t.id != FLOE_TYPE_DECIMAL || v.scale == t.scale;
    return (v.id == FLOE_TYPE_INTEGER || v.id == FLOE_TYPE_BIGINT) &&
           (t.id == FLOE_TYPE_INTEGER || t.id == FLOE_TYPE_BIGINT);
}

/* Compare a VARCHAR upper bound (prefix, truncated?) with a full string. */
static int upper_cmp(const floe_string *bound, bool trunc, const floe_string *v)
{
    uint32_t n = bound->len < v->len ? bound->len : v->len;
    int c = n ? memcmp(bound->ptr, v->ptr, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    if (bound->len == v->len) return trunc ? 1 : 0;
    if (bound->len < v->len) return trunc ? 1 : -1; /* "ab..." may exceed "abc" */
    return 1;
}

bool floe_part_source_block_may_match(const floe_block_info *bi, floe_type t,
                                      const floe_scan_pred *p)
{
    int lo, hi; /* value vs lower bound, upper bound vs value */
    if (p->op == FLOE_PRED_IS_NULL) return bi->nulls > 0;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return bi->nulls < bi->rows;
    if (bi->nulls == bi->rows) return false; /* comparisons with NULL are never true */
    if (!(bi->flags & FLOE_BLOCK_MINMAX) || !pred_usable(t, p)) return true;
    if (t.id == FLOE_TYPE_VARCHAR) {
        /* min prefix is a lower bound, truncated or not */
        lo = floe_value_cmp(&p->value, &bi->min);
        hi = upper_cmp(&bi->max.v.s, (bi->flags & FLOE_BLOCK_MAX_TRUNC) != 0, &p->value.v.s);
        /* a truncated min prefix is strictly below the real min */
        if (lo == 0 && (bi->flags & FLOE_BLOCK_MIN_TRUNC)) lo = -1;
    } else {
        floe_value v = p->value, mn = bi->min, mx = bi->max;
        v.type = mn.type = mx.type = t;
        lo = floe_value_cmp(&v, &mn);
        hi = floe_value_cmp(&mx, &v);
    }
    switch (p->op) {
    case FLOE_PRED_EQ: return lo >= 0 && hi >= 0;
    case FLOE_PRED_LT: return lo > 0;  /* some value < v needs min < v */
    case FLOE_PRED_LE: return lo >= 0;
    case FLOE_PRED_GT: return hi > 0;  /* max > v */
    case FLOE_PRED_GE: return hi >= 0;
    case FLOE_PRED_NE: /* only a block of one exact value equal to v is excluded */
        if (t.id == FLOE_TYPE_VARCHAR && (bi->flags & (FLOE_BLOCK_MIN_TRUNC | FLOE_BLOCK_MAX_TRUNC)))
            return true;
        return !(lo == 0 && hi == 0 && floe_value_cmp(&bi->min, &bi->max) == 0);
    default: return true;
    }
}

/* True when the block's statistics prove every row passes p (no NULLs, and
 * min/max inside the predicate's range), so the block needs no filtering.
 * Integer-like types only (DOUBLE statistics say nothing about NaN). */
static bool block_all_match(const floe_block_info *bi, floe_type t, const floe_scan_pred *p)
{
    floe_value v = p->value, mn, mx;
    if (bi == NULL || t.id == FLOE_TYPE_VARCHAR || t.id == FLOE_TYPE_DOUBLE || t.id == FLOE_TYPE_INTERVAL)
        return false;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return bi->nulls == 0;
    if (p->op == FLOE_PRED_IS_NULL) return bi->nulls == bi->rows;
    if (bi->nulls || !(bi->flags & FLOE_BLOCK_MINMAX) || !pred_usable(t, p)) return false;
    mn = bi->min;
    mx = bi->max;
    v.type = mn.type = mx.type = t;
    switch (p->op) {
    case FLOE_PRED_EQ: return floe_value_cmp(&mn, &v) == 0 && floe_value_cmp(&mx, &v) == 0;
    case FLOE_PRED_NE: return floe_value_cmp(&v, &mn) < 0 || floe_value_cmp(&v, &mx) > 0;
    case FLOE_PRED_LT: return floe_value_cmp(&mx, &v) < 0;
    case FLOE_PRED_LE: return floe_value_cmp(&mx, &v) <= 0;
    case FLOE_PRED_GT: return floe_value_cmp(&mn, &v) > 0;
    case FLOE_PRED_GE: return floe_value_cmp(&mn, &v) >= 0;
    default: return false;
    }
}

static uint32_t ps_nmorsels(void *self) { return ((part_source *)self)->nmorsels; }

static uint64_t ps_morsel_rows(void *self, uint32_t m)
{
    part_source *s = self;
    return m < s->nmorsels ? floe_part_reader_block_rows(s->readers[s->m_part[m]], s->m_block[m]) : 0;
}

static bool ps_may_match(void *self, uint32_t m, const floe_scan_pred *preds, uint32_t npreds)
{
    part_source *s = self;
    floe_part_reader *r;
    uint32_t i;
    if (m >= s->nmorsels) return false;
    r = s->readers[s->m_part[m]];
    for (i = 0; i < npreds; i++) {
        const floe_block_info *bi;
        if (preds[i].col >= floe_part_reader_ncols(r)) continue;
        bi = floe_part_reader_block_info(r, preds[i].col, s->m_block[m]);
        if (bi && !floe_part_source_block_may_match(bi, floe_part_reader_col_type(r, preds[i].col),
                                                    &preds[i]))
            return false;
        if (s->blooms && !floe_part_blooms_may_match(s->blooms[s->m_part[m]], s->m_block[m], &preds[i]))
            return false;
    }
    return true;
}

static void ps_close(floe_scan_cursor *cc)
{
    part_cursor *c = (part_cursor *)cc;
    uint32_t i;
    if (c == NULL) return;
    for (i = 0; c->vecs && i < c->ncols + c->nextra; i++) floe_vec_free(&c->vecs[i]);
    for (i = 0; c->codes && i < c->ncols + c->nextra; i++) floe_vec_free(&c->codes[i]);
    for (i = 0; c->dicts && i < c->ncols + c->nextra; i++) floe_vec_free(&c->dicts[i]);
    for (i = 0; c->win && i < c->ncols; i++) floe_free(c->win[i]);
    floe_free(c->win);
    floe_free(c->wrows);
    floe_free(c->dids);
    for (i = 0; c->bcur && i < c->ncols + c->nextra; i++) floe_block_cursor_free(c->bcur[i]);
    floe_free(c->bcur);
    floe_free(c->vecs);
    floe_free(c->codes);
    floe_free(c->dicts);
    floe_free(c->cols);
    floe_free(c->preds);
    floe_free(c->pred_vec);
    floe_free(c->bsel);
    floe_free(c);
}

/* ok[op][cmp + 1]: whether a row comparing `cmp` to the value passes `op`
 * (EQ, NE, LT, LE, GT, GE in floe_pred_op order). */
static const uint8_t cmp_ok[6][3] = {{0, 1, 0}, {1, 0, 1}, {1, 0, 0},
                                     {1, 1, 0}, {0, 0, 1}, {0, 1, 1}};

/* Three-way byte order of two strings (floe_value_cmp's VARCHAR order). */
static int str_cmp3(const floe_string *a, const floe_string *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    int m = n ? memcmp(a->ptr, b->ptr, n) : 0;
    return m ? (m > 0) - (m < 0) : (a->len > b->len) - (a->len < b->len);
}

/* Column i of the cursor is decoded (values, codes and dictionary, or a
 * block cursor). */
static inline bool col_read(const part_cursor *c, uint32_t i)
{
    return c->vecs[i].data != NULL || c->codes[i].data != NULL || c->bcur[i] != NULL;
}

/* filter_sel for a VARCHAR column read through its dictionary: compare each
 * dictionary entry once, then select rows by code. */
static uint32_t filter_sel_dict(const floe_vec *codes, const floe_vec *dict, uint32_t base,
                                const floe_scan_pred *p, uint32_t *sel, uint32_t nsel,
                                const uint8_t *ok, bool *exact)
{
    const uint32_t *cd = codes->data;
    const floe_string *dd = dict->data;
    uint8_t pass_small[256], *pass = dict->n <= 256 ? pass_small : floe_malloc(dict->n);
    uint32_t i, k = 0, lo = UINT32_MAX, hi = 0, npass = 0;
    if (pass == NULL) {
        *exact = false;
        return nsel; /* keep every row: the engine filters */
    }
    for (i = 0; i < dict->n; i++) {
        pass[i] = ok[str_cmp3(&dd[i], &p->value.v.s) + 1];
        if (pass[i]) {
            npass++;
            if (lo == UINT32_MAX) lo = i;
            hi = i + 1;
        }
    }
    if (npass == 0) {
        k = 0; /* no entry passes (NULLs never pass a comparison) */
    } else if (base == 0 && nsel == codes->n && npass == hi - lo && dict->n <= INT32_MAX) {
        /* the whole block, passing codes [lo, hi) (a sorted dictionary makes
         * every comparison one range): SIMD compares into a bitmap, ANDed
         * with validity, then the set bits' rows */
        uint64_t *bits = floe_malloc(FLOE_BITMAP_WORDS(nsel) * 2 * sizeof *bits);
        if (bits == NULL) {
            if (pass != pass_small) floe_free(pass);
            *exact = false;
            return nsel;
        }
        if (npass == dict->n) {
            memset(bits, 0xff, FLOE_BITMAP_WORDS(nsel) * sizeof *bits);
        } else if (hi - lo == 1) {
            floe_kernel_cmp_i32_const((const int32_t *)cd, (int32_t)lo, FLOE_KCMP_EQ, nsel, bits);
        } else {
            uint64_t *b2 = bits + FLOE_BITMAP_WORDS(nsel);
            floe_kernel_cmp_i32_const((const int32_t *)cd, (int32_t)lo, FLOE_KCMP_GE, nsel, bits);
            floe_kernel_cmp_i32_const((const int32_t *)cd, (int32_t)hi, FLOE_KCMP_LT, nsel, b2);
            for (i = 0; i < FLOE_BITMAP_WORDS(nsel); i++) bits[i] &= b2[i];
        }
        if (codes->validity)
            for (i = 0; i < FLOE_BITMAP_WORDS(nsel); i++) bits[i] &= codes->validity[i];
        if (nsel % 64) bits[nsel / 64] &= (1ull << (nsel % 64)) - 1;
        k = floe_kernel_sel_from_bits(bits, nsel, sel);
        floe_free(bits);
    } else if (codes->validity == NULL) {
        for (i = 0; i < nsel; i++) {
            sel[k] = sel[i];
            k += pass[cd[base + sel[i]]];
        }
    } else {
        for (i = 0; i < nsel; i++) {
            uint32_t r = base + sel[i];
            sel[k] = sel[i];
            k += ((codes->validity[r >> 6] >> (r & 63)) & 1) & pass[cd[r]];
        }
    }
    if (pass != pass_small) floe_free(pass);
    return k;
}

/* Keep in sel[0, nsel) the block rows base + sel[i] of v that pass p; returns
 * the new count. Typed loops: this runs for every row of a filtered scan.
 * codes/dict: v's dictionary codes and dictionary, or NULL. */
static uint32_t filter_sel(const floe_vec *v, const floe_vec *codes, const floe_vec *dict,
                           uint32_t base, const floe_scan_pred *p, uint32_t *sel, uint32_t nsel,
                           bool *exact)
{
    uint32_t i, k = 0;
    const uint8_t *ok;
    size_t w = floe_type_size(v->type);
    if (p->op == FLOE_PRED_IS_NULL || p->op == FLOE_PRED_IS_NOT_NULL) {
        bool want = p->op == FLOE_PRED_IS_NOT_NULL;
        const floe_vec *vv = codes && codes->data ? codes : v; /* validity lives there */
        for (i = 0; i < nsel; i++)
            if (floe_vec_is_valid(vv, base + sel[i]) == want) sel[k++] = sel[i];
        return k;
    }
    ok = cmp_ok[p->op];
    if (codes && codes->data) return filter_sel_dict(codes, dict, base, p, sel, nsel, ok, exact);
#define FILTER_LOOP(CMP)                                                    \
    for (i = 0; i < nsel; i++) {                                            \
        uint32_t r = base + sel[i];                                         \
        int c;                                                              \
        if (v->validity && !((v->validity[r >> 6] >> (r & 63)) & 1)) continue; \
        CMP;                                                                \
        sel[k] = sel[i]; /* branch-free: k only advances on a pass */       \
        k += ok[c + 1];                                                     \
    }
    if (v->type.id == FLOE_TYPE_VARCHAR) {
        /* dictionary-decoded blocks point equal values at the same bytes:
         * remember the comparison per address (direct-mapped, 64 entries) */
        const floe_string *d = v->data, *val = &p->value.v.s;
        struct { const char *ptr; uint32_t len; int c; } memo[64];
        memset(memo, 0, sizeof memo);
        FILTER_LOOP({
            uint32_t h = (uint32_t)(((uint64_t)(uintptr_t)d[r].ptr * 0x9e3779b97f4a7c15ULL) >> 58);
            if (memo[h].ptr == d[r].ptr && memo[h].len == d[r].len && d[r].ptr != NULL) {
                c = memo[h].c;
            } else {
                uint32_t n = d[r].len < val->len ? d[r].len : val->len;
                int m = n ? memcmp(d[r].ptr, val->ptr, n) : 0;
                c = m ? (m > 0) - (m < 0) : (d[r].len > val->len) - (d[r].len < val->len);
                memo[h].ptr = d[r].ptr;
                memo[h].len = d[r].len;
                memo[h].c = c;
            }
        })
    } else if (v->type.id == FLOE_TYPE_DOUBLE) {
        const double *d = v->data;
        double val = p->value.v.d;
        FILTER_LOOP({
            double x = d[r];
            if (isnan(x) || isnan(val)) {
                sel[k++] = sel[i]; /* NaN semantics are the engine's call: keep */
                *exact = false;
                continue;
            }
            c = (x > val) - (x < val);
        })
    } else if (v->type.id != FLOE_TYPE_INTERVAL && w == 8 && base == 0 && nsel == v->n &&
               v->validity == NULL && nsel > 0) {
        /* the whole block (sel is the identity), no NULLs: SIMD compares
         * into a bitmap, then the set bits' rows */
        static const floe_kcmp kop[6] = {FLOE_KCMP_EQ, FLOE_KCMP_NE, FLOE_KCMP_LT,
                                         FLOE_KCMP_LE, FLOE_KCMP_GT, FLOE_KCMP_GE};
        uint64_t *bits = floe_malloc(FLOE_BITMAP_WORDS(nsel) * sizeof *bits);
        if (bits == NULL) {
            *exact = false;
            return nsel; /* keep every row: the engine filters */
        }
        floe_kernel_cmp_i64_const(v->data, p->value.v.i, kop[p->op], nsel, bits);
        if (nsel % 64) bits[nsel / 64] &= (1ull << (nsel % 64)) - 1;
        k = floe_kernel_sel_from_bits(bits, nsel, sel);
        floe_free(bits);
        return k;
    } else if (v->type.id != FLOE_TYPE_INTERVAL && (w == 8 || w == 4 || w == 1)) {
        int64_t val = p->value.v.i;
        if (w == 8) {
            const int64_t *d = v->data;
            FILTER_LOOP(c = (d[r] > val) - (d[r] < val))
        } else if (w == 4) {
            const int32_t *d = v->data;
            FILTER_LOOP(c = (d[r] > val) - (d[r] < val))
        } else {
            const uint8_t *d = v->data;
            FILTER_LOOP(c = (d[r] > val) - (d[r] < val))
        }
    } else {
        FILTER_LOOP({
            floe_value x;
            floe_value_load(v->type, v->data, r, &x);
            c = floe_value_cmp(&x, &p->value);
            c = (c > 0) - (c < 0);
        })
    }
#undef FILTER_LOOP
    return k;
}

/* Drop the block rows the part's delete vector marks from the cursor's
 * selection (making one, all rows, when there was none), so deleted rows
 * are never produced, counted or aggregated. Statistics are not changed:
 * they still bound the live rows. FLOE_NOMEM. */
static int apply_deletes(part_cursor *c, const floe_part_reader *r)
{
    const uint64_t *del = floe_part_reader_deletes(r, NULL);
    uint64_t start, w;
    uint32_t i, k;
    bool any = false;
    if (del == NULL || c->rows == 0) return FLOE_OK;
    start = floe_part_reader_block_start(r, c->block);
    for (w = start >> 6; w <= (start + c->rows - 1) >> 6 && !any; w++) any = del[w] != 0;
    if (!any) return FLOE_OK;
    if (c->bsel == NULL) {
        c->bsel = floe_malloc((size_t)c->rows * sizeof *c->bsel);
        if (c->bsel == NULL) return FLOE_NOMEM;
        for (i = 0; i < c->rows; i++) c->bsel[i] = i;
        c->nbsel = c->rows;
    }
    for (i = 0, k = 0; i < c->nbsel; i++) {
        uint64_t row = start + c->bsel[i];
        c->bsel[k] = c->bsel[i];
        k += !((del[row >> 6] >> (row & 63)) & 1);
    }
    c->nbsel = k;
    return FLOE_OK;
}

static int ps_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    part_source *s = self;
    part_cursor *c;
    floe_part_reader *r;
    uint32_t i, k, nall;
    int rc;
    *out = NULL;
    if (m >= s->nmorsels) return floe_err_set(err, FLOE_MISUSE, "part scan: morsel %u of %u", m, s->nmorsels);
    r = s->readers[s->m_part[m]];
    for (i = 0; i < ncols; i++)
        if (cols[i] > floe_part_reader_ncols(r)) /* == ncols: the row id (part_source.h) */
            return floe_err_set(err, FLOE_MISUSE, "part scan: column %u of %u", cols[i],
                                floe_part_reader_ncols(r));
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    c->src = s;
    c->part = s->m_part[m];
    c->block = s->m_block[m];
    c->rows = floe_part_reader_block_rows(r, c->block);
    c->ncols = ncols;
    c->cols = floe_malloc((size_t)(ncols + npreds + 1) * sizeof *c->cols);
    c->preds = floe_malloc((size_t)(npreds + 1) * sizeof *c->preds);
    c->pred_vec = floe_malloc((size_t)(npreds + 1) * sizeof *c->pred_vec);
    if (!c->cols || !c->preds || !c->pred_vec) {
        ps_close((floe_scan_cursor *)c);
        return floe_err_nomem(err);
    }
    if (ncols) memcpy(c->cols, cols, ncols * sizeof *cols);
    nall = ncols;
    c->exact = true;
    for (i = 0; i < npreds; i++) {
        const floe_scan_pred *p = &preds[i];
        if (p->col >= floe_part_reader_ncols(r) ||
            !pred_usable(floe_part_reader_col_type(r, p->col), p)) {
            c->exact = false;
            continue; /* unusable: leave it to the engine */
        }
        if (!floe_part_reader_has_col(r, p->col)) c->exact = false;
        for (k = 0; k < nall && c->cols[k] != p->col; k++) {
        }
        if (k == nall) c->cols[nall++] = p->col;
        c->preds[c->npreds] = *p;
        c->pred_vec[c->npreds++] = k;
    }
    c->nextra = nall - ncols;
    c->vecs = floe_calloc(nall + 1, sizeof *c->vecs);
    c->codes = floe_calloc(nall + 1, sizeof *c->codes);
    c->dicts = floe_calloc(nall + 1, sizeof *c->dicts);
    c->dids = floe_calloc(nall + 1, sizeof *c->dids);
    c->bcur = floe_calloc(nall + 1, sizeof *c->bcur);
    if (c->vecs == NULL || c->codes == NULL || c->dicts == NULL || c->dids == NULL || c->bcur == NULL) {
        ps_close((floe_scan_cursor *)c);
        return floe_err_nomem(err);
    }
    atomic_fetch_add(&s->opened, 1);
    if (c->npreds) {
        /* late materialisation: decode the predicate columns, filter the whole
         * block, and decode the other columns only when some row passes */
        for (k = 0; k < c->npreds; k++) {
            uint32_t vi = c->pred_vec[k];
            floe_vec *v = &c->vecs[vi];
            if (col_read(c, vi)) continue;
            atomic_fetch_add(&s->decoded, 1);
            rc = FLOE_NOTFOUND;
            if (floe_part_reader_col_type(r, c->cols[vi]).id == FLOE_TYPE_VARCHAR &&
                floe_part_reader_has_col(r, c->cols[vi])) {
                rc = floe_part_read_dict(r, c->cols[vi], c->block, &c->codes[vi], &c->dicts[vi], err);
                if (rc == FLOE_OK) {
                    v->type = floe_type_make(FLOE_TYPE_VARCHAR);
                    c->dids[vi] = floe_vec_dict_id();
                }
            }
            if (rc == FLOE_NOTFOUND)
                rc = floe_part_read_block(r, c->cols[vi], c->block, v, err);
            if (rc) {
                ps_close((floe_scan_cursor *)c);
                return rc;
            }
        }
        c->bsel = floe_malloc((size_t)(c->rows ? c->rows : 1) * sizeof *c->bsel);
        if (c->bsel == NULL) {
            ps_close((floe_scan_cursor *)c);
            return floe_err_nomem(err);
        }
        {
            uint32_t *bs = c->bsel, nr = c->rows; /* locals: no reload per row */
            for (i = 0; i < nr; i++) bs[i] = i;
        }
        c->nbsel = c->rows;
        for (k = 0; k < c->npreds && c->nbsel; k++) {
            uint32_t col = c->cols[c->pred_vec[k]];
            if (block_all_match(floe_part_reader_block_info(r, col, c->block),
                                floe_part_reader_col_type(r, col), &c->preds[k]))
                continue; /* every row passes: nothing to filter */
            c->nbsel = filter_sel(&c->vecs[c->pred_vec[k]], &c->codes[c->pred_vec[k]],
                                  &c->dicts[c->pred_vec[k]], 0, &c->preds[k], c->bsel, c->nbsel,
                                  &c->exact);
        }
        if (c->nbsel == 0) {
            c->pos = c->rows; /* nothing can match: the cursor is empty */
            *out = (floe_scan_cursor *)c;
            return FLOE_OK;
        }
    }
    if ((rc = apply_deletes(c, r)) != FLOE_OK) {
        ps_close((floe_scan_cursor *)c);
        return floe_err_nomem(err);
    }
    if (c->bsel && c->nbsel == 0) {
        c->pos = c->rows; /* every row is deleted */
        *out = (floe_scan_cursor *)c;
        return FLOE_OK;
    }
    for (i = 0; i < nall; i++) {
        if (col_read(c, i) || c->cols[i] == floe_part_reader_ncols(r)) continue;
        atomic_fetch_add(&s->decoded, 1);
        rc = FLOE_NOTFOUND;
        if (floe_part_reader_col_type(r, c->cols[i]).id == FLOE_TYPE_VARCHAR &&
            floe_part_reader_has_col(r, c->cols[i])) {
            /* through the dictionary: values are materialised per batch and
             * the batch carries the codes (util/vec.h floe_vec_dict) */
            rc = floe_part_read_dict(r, c->cols[i], c->block, &c->codes[i], &c->dicts[i], err);
            if (rc == FLOE_OK) {
                c->vecs[i].type = floe_type_make(FLOE_TYPE_VARCHAR);
                c->dids[i] = floe_vec_dict_id();
            }
        }
        if (rc == FLOE_NOTFOUND && i < ncols && floe_part_reader_col_type(r, c->cols[i]).id != FLOE_TYPE_VARCHAR) {
            /* a projected value column: decoded a vector at a time in ps_next */
            rc = floe_part_open_block(r, c->cols[i], c->block, &c->bcur[i], err);
            if (rc == FLOE_OK) c->vecs[i].type = floe_part_reader_col_type(r, c->cols[i]);
        }
        if (rc == FLOE_NOTFOUND) rc = floe_part_read_block(r, c->cols[i], c->block, &c->vecs[i], err);
        if (rc) {
            ps_close((floe_scan_cursor *)c);
            return rc;
        }
    }
    *out = (floe_scan_cursor *)c;
    return FLOE_OK;
}

/* Fill column i's window with the values of the selected rows of the
 * batch at c->pos (n rows), after clearing what the last batch wrote, or
 * with every row when there is no selection. FLOE_NOMEM. */
static int dict_window(part_cursor *c, uint32_t i, const uint32_t *sel, uint32_t nsel, uint32_t n)
{
    const uint32_t *cd = (const uint32_t *)c->codes[i].data + c->pos;
    const floe_string *dd = c->dicts[i].data;
    floe_string *w;
    uint32_t k;
    if (c->win == NULL) {
        c->win = floe_calloc(c->ncols, sizeof *c->win);
        c->wrows = floe_malloc(FLOE_VEC_SIZE * sizeof *c->wrows);
        if (c->win == NULL || c->wrows == NULL) return FLOE_NOMEM;
    }
    if (c->win[i] == NULL && (c->win[i] = floe_calloc(FLOE_VEC_SIZE, sizeof **c->win)) == NULL)
        return FLOE_NOMEM;
    w = c->win[i];
    if (sel == NULL) {
        for (k = 0; k < n; k++) w[k] = dd[cd[k]]; /* codes < dict->n: checked by decode */
        return FLOE_OK;
    }
    for (k = 0; k < c->nwrows; k++) w[c->wrows[k]].ptr = NULL, w[c->wrows[k]].len = 0;
    for (k = 0; k < nsel; k++) w[sel[k]] = dd[cd[sel[k]]];
    return FLOE_OK;
}

static int ps_next(floe_scan_cursor *cc, floe_batch *out, floe_err *err)
{
    part_cursor *c = (part_cursor *)cc;
    uint32_t n, i, end;
    memset(out, 0, sizeof *out);
    if (c->bsel) {
        /* skip whole vectors without a passing row (pos stays a multiple of
         * FLOE_VEC_SIZE, so validity bitmaps slice on word boundaries) */
        if (c->selpos >= c->nbsel) return FLOE_DONE;
        if (c->bsel[c->selpos] >= c->pos + FLOE_VEC_SIZE)
            c->pos = c->bsel[c->selpos] / FLOE_VEC_SIZE * FLOE_VEC_SIZE;
    }
    if (c->pos >= c->rows) return FLOE_DONE;
    n = c->rows - c->pos < FLOE_VEC_SIZE ? c->rows - c->pos : FLOE_VEC_SIZE;
    out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = c->ncols;
    out->n = n;
    if (c->bsel) {
        end = c->pos + n;
        out->sel = floe_malloc((size_t)n * sizeof(uint32_t));
        if (out->sel == NULL) {
            floe_batch_free(out);
            return floe_err_nomem(err);
        }
        out->nsel = 0;
        while (c->selpos < c->nbsel && c->bsel[c->selpos] < end)
            out->sel[out->nsel++] = c->bsel[c->selpos++] - c->pos;
    }
    for (i = 0; i < c->ncols; i++) {
        floe_vec *v = &c->vecs[i];
        size_t w = floe_type_size(v->type);
        if (c->cols[i] == floe_part_reader_ncols(c->src->readers[c->part])) {
            /* the row id: part id << 32 | row number in the part */
            const floe_part_reader *r = c->src->readers[c->part];
            uint64_t base = ((uint64_t)floe_part_reader_id(r) << 32) +
                            floe_part_reader_block_start(r, c->block) + c->pos;
            int64_t *d;
            uint32_t k;
            if (floe_vec_init(&out->cols[i], floe_type_make(FLOE_TYPE_BIGINT), n) != FLOE_OK) {
                floe_batch_free(out);
                return floe_err_nomem(err);
            }
            d = out->cols[i].data;
            for (k = 0; k < n; k++) d[k] = (int64_t)(base + k);
            out->cols[i].n = n;
            continue;
        }
        if (c->codes[i].data) {
            int rc = dict_window(c, i, out->sel, out->nsel, n);
            if (rc) {
                floe_batch_free(out);
                return floe_err_nomem(err);
            }
            floe_vec_borrow(&out->cols[i], v->type, c->win[i],
                            c->codes[i].validity ? c->codes[i].validity + c->pos / 64 : NULL, n);
            out->cols[i].dict.codes = (const uint32_t *)c->codes[i].data + c->pos;
            out->cols[i].dict.entries = c->dicts[i].data;
            out->cols[i].dict.nentries = c->dicts[i].n;
            out->cols[i].dict.id = c->dids[i];
            continue;
        }
        if (c->bcur[i]) {
            const void *data;
            const uint64_t *val;
            floe_block_cursor_read(c->bcur[i], c->pos, n, &data, &val);
            floe_vec_borrow(&out->cols[i], v->type, (void *)data, (uint64_t *)val, n);
            continue;
        }
        floe_vec_borrow(&out->cols[i], v->type, (char *)v->data + (size_t)c->pos * w,
                        v->validity ? v->validity + c->pos / 64 : NULL, n);
    }
    if (c->exact) out->flags |= FLOE_BATCH_EXACT;
    if (c->wrows) { /* the windows now hold exactly the selected rows */
        c->nwrows = out->sel ? out->nsel : 0; /* (without one, the next batch rewrites all) */
        if (c->nwrows) memcpy(c->wrows, out->sel, c->nwrows * sizeof *c->wrows);
    }
    c->pos += n;
    return FLOE_ROW;
}

static void ps_free(void *self)
{
    part_source *s = self;
    uint32_t i;
    if (s == NULL) return;
    for (i = 0; i < s->nreaders; i++) floe_part_reader_unref(s->readers[i]);
    for (i = 0; s->blooms && i < s->nreaders; i++) floe_part_blooms_unref(s->blooms[i]);
    floe_free(s->blooms);
    floe_free(s->readers);
    floe_free(s->m_part);
    floe_free(s->m_block);
    floe_free(s);
}

static const floe_scan_source_vt part_source_vt = {ps_nmorsels, ps_morsel_rows, ps_may_match,
                                                   ps_open,     ps_next,        ps_close,
                                                   ps_free};

int floe_part_source_new(floe_part_reader *const *readers, uint32_t n, floe_scan_source *out,
                         floe_err *err)
{
    part_source *s = floe_calloc(1, sizeof *s);
    uint32_t i, b, total = 0, m = 0;
    memset(out, 0, sizeof *out);
    if (s == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) total += floe_part_reader_nblocks(readers[i]);
    s->readers = floe_malloc((size_t)(n ? n : 1) * sizeof *s->readers);
    s->m_part = floe_malloc((size_t)(total ? total : 1) * sizeof(uint32_t));
    s->m_block = floe_malloc((size_t)(total ? total : 1) * sizeof(uint32_t));
    if (!s->readers || !s->m_part || !s->m_block) {
        ps_free(s);
        return floe_err_nomem(err);
    }
    atomic_init(&s->opened, 0);
    atomic_init(&s->decoded, 0);
    for (i = 0; i < n; i++) {
        floe_part_reader_ref(readers[i]);
        s->readers[s->nreaders++] = readers[i];
        for (b = 0; b < floe_part_reader_nblocks(readers[i]); b++, m++) {
            s->m_part[m] = i;
            s->m_block[m] = b;
        }
    }
    s->nmorsels = total;
    out->vt = &part_source_vt;
    out->self = s;
    return FLOE_OK;
}

void floe_part_source_set_blooms(floe_scan_source *src, floe_part_blooms **blooms)
{
    ((part_source *)src->self)->blooms = blooms;
}

uint64_t floe_part_source_blocks_opened(const floe_scan_source *src)
{
    return atomic_load(&((part_source *)src->self)->opened);
}

bool floe_part_source_part_may_match(const floe_catalog_part *part, const floe_table_def *t,
                                     const floe_scan_pred *preds, uint32_t npreds)
{
    uint32_t i, k;
    for (i = 0; i < npreds; i++) {
        const floe_catalog_part_col *pc = NULL;
        floe_block_info bi;
        if (preds[i].col >= t->ncols) continue;
        for (k = 0; k < part->ncols; k++)
            if (part->cols[k].col_id == t->cols[preds[i].col].id) pc = &part->cols[k];
        /* only the relations none / some / all NULL matter to the check */
        memset(&bi, 0, sizeof bi);
        bi.rows = 2;
        if (pc == NULL || pc->nulls >= part->rows)
            bi.nulls = 2; /* all NULL (a column added after the part is) */
        else
            bi.nulls = pc->nulls ? 1 : 0;
        if (pc && pc->has_minmax) {
            bi.flags = FLOE_BLOCK_MINMAX | (pc->min_trunc ? FLOE_BLOCK_MIN_TRUNC : 0) |
                       (pc->max_trunc ? FLOE_BLOCK_MAX_TRUNC : 0);
            bi.min = pc->min;
            bi.max = pc->max;
        }
        if (part->rows == 0) return false;
        if (!floe_part_source_block_may_match(&bi, t->cols[preds[i].col].type, &preds[i]))
            return false;
    }
    return true;
}

uint64_t floe_part_source_columns_decoded(const floe_scan_source *src)
{
    return atomic_load(&((part_source *)src->self)->decoded);
}
