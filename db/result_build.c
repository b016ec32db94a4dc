/* db/result_build.c: building materialized results (db/result_build.h). */
#include "db/result_build.h"

#include <math.h>
#include <string.h>

#include "util/mem.h"

floe_result *floe_result_new(uint32_t ncols, const char *const *names, const floe_type *types)
{
    floe_result *res = floe_calloc(1, sizeof *res);
    uint32_t c;
    if (res == NULL) return NULL;
    floe_err_clear(&res->err);
    res->ncols = ncols;
    res->names = floe_calloc(ncols ? ncols : 1, sizeof(char *));
    res->types = floe_calloc(ncols ? ncols : 1, sizeof(floe_type));
    if (res->names == NULL || res->types == NULL) goto oom;
    for (c = 0; c < ncols; c++) {
        res->names[c] = floe_strdup(names[c] ? names[c] : "");
        if (res->names[c] == NULL) goto oom;
        res->types[c] = types[c];
    }
    return res;
oom:
    floe_result_free(res);
    return NULL;
}

floe_result *floe_result_new_count(const char *name, uint64_t value)
{
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    floe_result *res = floe_result_new(1, &name, &t);
    floe_batch b;
    int64_t v = (int64_t)value;
    if (res == NULL) return NULL;
    memset(&b, 0, sizeof b);
    b.ncols = 1;
    b.n = 1;
    b.cols = floe_calloc(1, sizeof(floe_vec));
    if (b.cols == NULL) goto oom;
    floe_vec_borrow(&b.cols[0], t, &v, NULL, 1);
    if (floe_result_append(res, &b, NULL) != FLOE_OK) goto oom;
    floe_free(b.cols);
    res->rows_changed = value;
    return res;
oom:
    floe_free(b.cols);
    floe_result_free(res);
    return NULL;
}

void floe_result_free(floe_result *res)
{
    uint64_t i;
    uint32_t c;
    if (res == NULL) return;
    for (i = 0; i < res->nchunks; i++) floe_batch_free(&res->chunks[i]);
    floe_free(res->chunks);
    if (res->names)
        for (c = 0; c < res->ncols; c++) floe_free(res->names[c]);
    floe_free(res->names);
    floe_free(res->types);
    floe_free(res);
}

/* The chunk that receives the next row, allocating a new one when full. */
static floe_batch *tail_chunk(floe_result *res)
{
    floe_batch *b;
    if (res->nchunks > 0 && res->chunks[res->nchunks - 1].n < FLOE_VEC_SIZE)
        return &res->chunks[res->nchunks - 1];
    if (res->nchunks == res->cap_chunks) {
        uint64_t cap = res->cap_chunks ? res->cap_chunks * 2 : 4;
        floe_batch *nc = floe_realloc(res->chunks, cap * sizeof *nc);
        if (nc == NULL) return NULL;
        res->chunks = nc;
        res->cap_chunks = cap;
    }
    b = &res->chunks[res->nchunks];
    if (floe_batch_init(b, res->ncols, res->types, FLOE_VEC_SIZE) != FLOE_OK) return NULL;
    res->nchunks++;
    return b;
}

int floe_result_append(floe_result *res, const floe_batch *b, floe_err *err)
{
    uint32_t live = floe_batch_rows(b), i = 0, c;
    while (i < live) {
        floe_batch *t = tail_chunk(res);
        uint32_t room, take, k;
        if (t == NULL) return floe_err_nomem(err);
        room = FLOE_VEC_SIZE - t->n;
        take = live - i < room ? live - i : room;
        for (c = 0; c < res->ncols; c++) {
            const floe_vec *src = &b->cols[c];
            floe_vec *dst = &t->cols[c];
            size_t w = floe_type_size(dst->type);
            int is_const = (src->flags & FLOE_VEC_CONST) != 0;
            for (k = 0; k < take; k++) {
                uint32_t r = b->sel ? b->sel[i + k] : i + k;
                uint32_t s = is_const ? 0 : r;
                uint32_t d = t->n + k;
                if (!floe_vec_is_valid(src, s)) {
                    if (floe_vec_set_null(dst, d) != FLOE_OK) return floe_err_nomem(err);
                    memset((char *)dst->data + (size_t)d * w, 0, w);
                    continue;
                }
                if (dst->type.id == FLOE_TYPE_VARCHAR) {
                    const floe_string *sv = (const floe_string *)src->data + s;
                    if (floe_vec_set_string(dst, d, sv->ptr, sv->len) != FLOE_OK)
                        return floe_err_nomem(err);
                } else {
                    memcpy((char *)dst->data + (size_t)d * w, (const char *)src->data + (size_t)s * w,
                           w);
                }
            }
        }
        t->n += take;
        for (c = 0; c < res->ncols; c++) t->cols[c].n = t->n;
        res->nrows += take;
        i += take;
    }
    return FLOE_OK;
}

int floe_result_append_text_row(floe_result *res, const char *const *values, floe_err *err)
{
    floe_batch *t = tail_chunk(res);
    uint32_t c, d;
    if (t == NULL) return floe_err_nomem(err);
    d = t->n;
    for (c = 0; c < res->ncols; c++) {
        int rc = values[c] ? floe_vec_set_string(&t->cols[c], d, values[c], (uint32_t)strlen(values[c]))
                           : floe_vec_set_null(&t->cols[c], d);
        if (rc != FLOE_OK) return floe_err_nomem(err);
        if (values[c] == NULL) memset((floe_string *)t->cols[c].data + d, 0, sizeof(floe_string));
    }
    t->n++;
    for (c = 0; c < res->ncols; c++) t->cols[c].n = t->n;
    res->nrows++;
    return FLOE_OK;
}

