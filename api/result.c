/* api/result.c: floe.h's result getters over the materialized result that
 * db/ built (db/result_build.h). */
#include "db/result_build.h"

#include <math.h>
#include <string.h>

#include "util/mem.h"

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
