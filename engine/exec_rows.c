/* engine/exec_rows.c: materialized row collections (see exec_rows.h). */
#include "engine/exec_rows.h"

#include <string.h>

#include "util/mem.h"

int floe_exec_rows_init(floe_exec_rows *r, uint32_t ncols, const floe_type *types, floe_err *err)
{
    uint32_t c;
    memset(r, 0, sizeof *r);
    r->ncols = ncols;
    r->types = floe_calloc(ncols ? ncols : 1, sizeof *r->types);
    r->widths = floe_calloc(ncols ? ncols : 1, sizeof *r->widths);
    r->data = floe_calloc(ncols ? ncols : 1, sizeof *r->data);
    r->valid = floe_calloc(ncols ? ncols : 1, sizeof *r->valid);
    r->strings = floe_arena_new(0);
    if (!r->types || !r->widths || !r->data || !r->valid || !r->strings) {
        floe_exec_rows_free(r);
        return floe_err_nomem(err);
    }
    for (c = 0; c < ncols; c++) {
        r->types[c] = types[c];
        r->widths[c] = floe_type_size(types[c]);
    }
    return FLOE_OK;
}

void floe_exec_rows_free(floe_exec_rows *r)
{
    uint32_t c;
    if (r == NULL) return;
    for (c = 0; c < r->ncols; c++) {
        if (r->data) floe_free(r->data[c]);
        if (r->valid) floe_free(r->valid[c]);
    }
    floe_free(r->types);
    floe_free(r->widths);
    floe_free(r->data);
    floe_free(r->valid);
    floe_arena_free(r->strings);
    memset(r, 0, sizeof *r);
}

int floe_exec_rows_reserve(floe_exec_rows *r, uint64_t more, floe_err *err)
{
    uint64_t need = r->n + more, ncap;
    uint32_t c;
    if (need <= r->cap) return FLOE_OK;
    ncap = r->cap ? r->cap : 1024;
    while (ncap < need) ncap *= 2;
    for (c = 0; c < r->ncols; c++) {
        void *d = floe_realloc(r->data[c], (size_t)ncap * r->widths[c]);
        uint64_t *v;
        if (d == NULL) return floe_err_nomem(err);
        r->data[c] = d;
        v = floe_realloc(r->valid[c], FLOE_BITMAP_WORDS(ncap) * sizeof(uint64_t));
        if (v == NULL) return floe_err_nomem(err);
        memset(v + FLOE_BITMAP_WORDS(r->cap), 0,
               (FLOE_BITMAP_WORDS(ncap) - FLOE_BITMAP_WORDS(r->cap)) * sizeof(uint64_t));
        r->valid[c] = v;
    }
    r->cap = ncap;
    return FLOE_OK;
}

static int copy_string(floe_exec_rows *r, floe_string *dst, floe_string src, floe_err *err)
{
    char *p;
    if (src.len == 0) {
        dst->ptr = "";
        dst->len = 0;
        return FLOE_OK;
    }
    p = floe_arena_memdup(r->strings, src.ptr, src.len);
    if (p == NULL) return floe_err_nomem(err);
    dst->ptr = p;
    dst->len = src.len;
    return FLOE_OK;
}

static inline void set_valid(uint64_t *bm, uint64_t i, int valid)
{
    if (valid)
        bm[i >> 6] |= 1ULL << (i & 63);
    else
        bm[i >> 6] &= ~(1ULL << (i & 63));
}

int floe_exec_rows_append(floe_exec_rows *r, const floe_vec *cols, uint32_t n, const uint32_t *sel,
                          uint32_t nsel, floe_err *err)
{
    uint32_t live = sel ? nsel : n, c, k;
    uint64_t base = r->n;
    int rc;
    if (live == 0) return FLOE_OK;
    rc = floe_exec_rows_reserve(r, live, err);
    if (rc) return rc;
    for (c = 0; c < r->ncols; c++) {
        const floe_vec *v = &cols[c];
        size_t w = r->widths[c];
        char *dst = (char *)r->data[c] + base * w;
        const char *src = v->data;
        uint64_t *bm = r->valid[c];
        if (v->flags & FLOE_VEC_CONST) {
            int valid = floe_vec_is_valid(v, 0);
            for (k = 0; k < live; k++) {
                memcpy(dst + (size_t)k * w, src, w);
                set_valid(bm, base + k, valid);
            }
        } else if (sel == NULL) {
            memcpy(dst, src, (size_t)live * w);
            for (k = 0; k < live; k++) set_valid(bm, base + k, floe_vec_is_valid(v, k));
        } else {
            switch (w) {
            case 1:
                for (k = 0; k < live; k++) ((uint8_t *)dst)[k] = ((const uint8_t *)src)[sel[k]];
                break;
            case 4:
                for (k = 0; k < live; k++) ((uint32_t *)dst)[k] = ((const uint32_t *)src)[sel[k]];
                break;
            case 8:
                for (k = 0; k < live; k++) ((uint64_t *)dst)[k] = ((const uint64_t *)src)[sel[k]];
                break;
            default:
                for (k = 0; k < live; k++) memcpy(dst + (size_t)k * w, src + (size_t)sel[k] * w, w);
            }
            for (k = 0; k < live; k++) set_valid(bm, base + k, floe_vec_is_valid(v, sel[k]));
        }
        if (r->types[c].id == FLOE_TYPE_VARCHAR) {
            floe_string *s = (floe_string *)dst;
            for (k = 0; k < live; k++) {
                if (!((bm[(base + k) >> 6] >> ((base + k) & 63)) & 1)) {
                    s[k].ptr = "";
                    s[k].len = 0;
                    continue;
                }
                rc = copy_string(r, &s[k], s[k], err);
                if (rc) return rc;
            }
        }
    }
    r->n += live;
    return FLOE_OK;
}

int floe_exec_rows_append_rows(floe_exec_rows *r, const floe_exec_rows *src, floe_err *err)
{
    uint64_t start;
    floe_vec *view;
    int rc = FLOE_OK;
    if (src->n == 0) return FLOE_OK;
    view = floe_calloc(r->ncols ? r->ncols : 1, sizeof *view);
    if (view == NULL) return floe_err_nomem(err);
    for (start = 0; start < src->n && rc == FLOE_OK; start += FLOE_VEC_SIZE) {
        uint32_t n = (uint32_t)(src->n - start < FLOE_VEC_SIZE ? src->n - start : FLOE_VEC_SIZE);
        floe_exec_rows_view(src, start, n, view);
        rc = floe_exec_rows_append(r, view, n, NULL, 0, err);
    }
    floe_free(view);
    return rc;
}

int floe_exec_rows_set(floe_exec_rows *r, uint64_t dst, const floe_vec *cols, uint32_t row,
                       floe_err *err)
{
    uint32_t c;
    for (c = 0; c < r->ncols; c++) {
        const floe_vec *v = &cols[c];
        uint32_t sr = floe_exec_vrow(v, row);
        size_t w = r->widths[c];
        int valid = floe_vec_is_valid(v, sr);
        char *d = (char *)r->data[c] + dst * w;
        set_valid(r->valid[c], dst, valid);
        if (r->types[c].id == FLOE_TYPE_VARCHAR) {
            floe_string s = ((const floe_string *)v->data)[sr];
            if (!valid) s.len = 0;
            int rc = copy_string(r, (floe_string *)d, s, err);
            if (rc) return rc;
        } else {
            memcpy(d, (const char *)v->data + (size_t)sr * w, w);
        }
    }
    return FLOE_OK;
}

void floe_exec_rows_view(const floe_exec_rows *r, uint64_t start, uint32_t n, floe_vec *out)
{
    uint32_t c;
    for (c = 0; c < r->ncols; c++) {
        floe_vec_borrow(&out[c], r->types[c], (char *)r->data[c] + start * r->widths[c],
                        r->valid[c] + (start >> 6), n);
    }
}

int floe_exec_rows_gather(const floe_exec_rows *r, uint32_t col0, uint32_t ncols,
                          const uint64_t *idx, uint64_t start, uint32_t n, floe_vec *out,
                          uint32_t at)
{
    uint32_t c, k;
    if (n == 0) return FLOE_OK;
    for (c = 0; c < ncols; c++) {
        uint32_t sc = col0 + c;
        floe_vec *v = &out[c];
        size_t w = r->widths[sc];
        const char *src = r->data[sc];
        char *dst = (char *)v->data + (size_t)at * w;
        const uint64_t *bm = r->valid[sc];
        int rc;
        if (idx == NULL) {
            memcpy(dst, src + start * w, (size_t)n * w);
        } else {
            switch (w) {
            case 1:
                for (k = 0; k < n; k++) ((uint8_t *)dst)[k] = ((const uint8_t *)src)[idx[k]];
                break;
            case 4:
                for (k = 0; k < n; k++) ((uint32_t *)dst)[k] = ((const uint32_t *)src)[idx[k]];
                break;
            case 8:
                for (k = 0; k < n; k++) ((uint64_t *)dst)[k] = ((const uint64_t *)src)[idx[k]];
                break;
            default:
                for (k = 0; k < n; k++) memcpy(dst + (size_t)k * w, src + idx[k] * w, w);
            }
        }
        for (k = 0; k < n; k++) {
            uint64_t i = idx ? idx[k] : start + k;
            if (!((bm[i >> 6] >> (i & 63)) & 1)) {
                rc = floe_vec_set_null(v, at + k);
                if (rc) return rc;
            } else if (v->validity) {
                v->validity[(at + k) >> 6] |= 1ULL << ((at + k) & 63);
            }
        }
    }
    return FLOE_OK;
}

size_t floe_exec_rows_bytes(const floe_exec_rows *r)
{
    size_t b = 0;
    uint32_t c;
    for (c = 0; c < r->ncols; c++) b += (size_t)r->cap * r->widths[c] + (size_t)r->cap / 8;
    return b + (r->strings ? floe_arena_reserved(r->strings) : 0);
}
