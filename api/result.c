/* api/result.c: materialized query results and their getters (floe.h). */
#include "api/result.h"

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

uint32_t floe_result_column_count(floe_result *res) { return res ? res->ncols : 0; }

const char *floe_result_column_name(floe_result *res, uint32_t col)
{
    if (res == NULL || col >= res->ncols) return NULL;
    return res->names[col];
}

floe_type_id floe_result_column_type(floe_result *res, uint32_t col)
{
    if (res == NULL || col >= res->ncols) return FLOE_TYPE_INVALID;
    return (floe_type_id)res->types[col].id;
}

int floe_result_column_decimal(floe_result *res, uint32_t col, int *out_precision, int *out_scale)
{
    if (res == NULL || col >= res->ncols) return FLOE_MISUSE;
    if (out_precision) *out_precision = res->types[col].precision;
    if (out_scale) *out_scale = res->types[col].scale;
    return FLOE_OK;
}

uint64_t floe_result_row_count(floe_result *res) { return res ? res->nrows : 0; }
uint64_t floe_result_rows_changed(floe_result *res) { return res ? res->rows_changed : 0; }
uint64_t floe_result_chunk_count(floe_result *res) { return res ? res->nchunks : 0; }
uint32_t floe_result_chunk_size(void) { return FLOE_VEC_SIZE; }

int floe_result_column_data(floe_result *res, uint64_t chunk, uint32_t col, uint32_t *out_rows,
                            const void **out_data, const uint64_t **out_validity)
{
    const floe_vec *v;
    if (res == NULL || chunk >= res->nchunks || col >= res->ncols)
        return floe_err_set(res ? &res->err : NULL, FLOE_MISUSE, "chunk %llu column %u out of range",
                            (unsigned long long)chunk, col);
    v = &res->chunks[chunk].cols[col];
    if (out_rows) *out_rows = v->n;
    if (out_data) *out_data = v->data;
    if (out_validity) *out_validity = floe_vec_null_count(v) ? v->validity : NULL;
    return FLOE_OK;
}

/* Locate (chunk vector, index) of a cell; NULL and an error on bad access. */
static const floe_vec *cell(floe_result *res, uint32_t col, uint64_t row, uint32_t *idx)
{
    if (res == NULL) return NULL;
    if (col >= res->ncols || row >= res->nrows) {
        floe_err_set(&res->err, FLOE_MISUSE, "cell (row %llu, column %u) out of range",
                     (unsigned long long)row, col);
        return NULL;
    }
    *idx = (uint32_t)(row % FLOE_VEC_SIZE);
    return &res->chunks[row / FLOE_VEC_SIZE].cols[col];
}

int floe_value_is_null(floe_result *res, uint32_t col, uint64_t row)
{
    uint32_t i;
    const floe_vec *v = cell(res, col, row, &i);
    return v == NULL || !floe_vec_is_valid(v, i);
}

int64_t floe_value_int64(floe_result *res, uint32_t col, uint64_t row)
{
    uint32_t i;
    const floe_vec *v = cell(res, col, row, &i);
    floe_value x;
    if (v == NULL || !floe_vec_is_valid(v, i)) return 0;
    floe_value_load(v->type, v->data, i, &x);
    switch (v->type.id) {
    case FLOE_TYPE_DOUBLE: {
        /* as CAST(x AS BIGINT): half away from zero, never undefined */
        double r = round(x.v.d);
        if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) {
            floe_err_set(&res->err, FLOE_RANGE, "value %g (row %llu, column %u) out of range for int64",
                         x.v.d, (unsigned long long)row, col);
            return 0;
        }
        return (int64_t)r;
    }
    case FLOE_TYPE_VARCHAR:
    case FLOE_TYPE_INTERVAL:
        floe_err_set(&res->err, FLOE_TYPE, "column %u is not numeric", col);
        return 0;
    case FLOE_TYPE_DECIMAL: {
        /* as CAST(x AS BIGINT): half away from zero (2.5 -> 3, -2.5 -> -3),
         * not truncation; |x| < 10^18 so q +- 1 cannot overflow */
        int64_t p = 1, q, r;
        int k;
        for (k = 0; k < v->type.scale; k++) p *= 10;
        q = x.v.i / p;
        r = x.v.i % p;
        if (r >= 0 ? 2 * r >= p : -2 * r >= p) q += x.v.i < 0 ? -1 : 1;
        return q;
    }
    default: return x.v.i;
    }
}

double floe_value_double(floe_result *res, uint32_t col, uint64_t row)
{
    uint32_t i;
    const floe_vec *v = cell(res, col, row, &i);
    floe_value x;
    if (v == NULL || !floe_vec_is_valid(v, i)) return 0.0;
    floe_value_load(v->type, v->data, i, &x);
    switch (v->type.id) {
    case FLOE_TYPE_DOUBLE: return x.v.d;
    case FLOE_TYPE_DECIMAL: return (double)x.v.i / pow(10.0, v->type.scale);
    case FLOE_TYPE_VARCHAR:
    case FLOE_TYPE_INTERVAL:
        floe_err_set(&res->err, FLOE_TYPE, "column %u is not numeric", col);
        return 0.0;
    default: return (double)x.v.i;
    }
}

floe_string floe_value_string(floe_result *res, uint32_t col, uint64_t row)
{
    uint32_t i;
    const floe_vec *v = cell(res, col, row, &i);
    floe_string none = {NULL, 0};
    if (v == NULL || !floe_vec_is_valid(v, i)) return none;
    if (v->type.id != FLOE_TYPE_VARCHAR) {
        floe_err_set(&res->err, FLOE_TYPE, "column %u is not VARCHAR", col);
        return none;
    }
    return ((const floe_string *)v->data)[i];
}

char *floe_value_text(floe_result *res, uint32_t col, uint64_t row)
{
    uint32_t i;
    const floe_vec *v = cell(res, col, row, &i);
    floe_value x;
    char buf[128];
    size_t n;
    if (v == NULL || !floe_vec_is_valid(v, i)) return NULL;
    floe_value_load(v->type, v->data, i, &x);
    if (x.type.id == FLOE_TYPE_VARCHAR) return floe_strndup(x.v.s.ptr ? x.v.s.ptr : "", x.v.s.len);
    n = floe_value_format(&x, buf, sizeof buf);
    return floe_strndup(buf, n);
}

const char *floe_result_errmsg(floe_result *res)
{
    if (res == NULL) return "NULL result";
    return res->err.code ? res->err.msg : "not an error";
}
