/* tests/unit/ingest/ingest_test_util.h: helpers shared by the ingest tests.
 *
 * Random batches over every column type (with NULLs) and a plain reference
 * copy of their values to compare against, independent of the code under
 * test. Header-only (static functions) because each test_*.c is compiled
 * into one binary.
 */
#ifndef FLOE_TEST_INGEST_UTIL_H
#define FLOE_TEST_INGEST_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/types.h"
#include "util/vec.h"

static inline uint64_t tu_rand(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define TU_NTYPES 9
static inline void tu_all_types(floe_type *t)
{
    t[0] = floe_type_make(FLOE_TYPE_BOOLEAN);
    t[1] = floe_type_make(FLOE_TYPE_INTEGER);
    t[2] = floe_type_make(FLOE_TYPE_BIGINT);
    t[3] = floe_type_make(FLOE_TYPE_DOUBLE);
    t[4] = floe_type_decimal(12, 2);
    t[5] = floe_type_make(FLOE_TYPE_VARCHAR);
    t[6] = floe_type_make(FLOE_TYPE_DATE);
    t[7] = floe_type_make(FLOE_TYPE_TIMESTAMP);
    t[8] = floe_type_make(FLOE_TYPE_INTERVAL);
}

/* One reference value: a floe_value whose string bytes are malloc'ed here. */
typedef struct tu_ref {
    floe_value *vals; /* nrows * ncols, row-major */
    uint64_t nrows, cap;
    uint32_t ncols;
} tu_ref;

static inline void tu_ref_push(tu_ref *r, const floe_value *row)
{
    uint32_t c;
    if (r->nrows == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->vals = realloc(r->vals, r->cap * r->ncols * sizeof(floe_value));
    }
    for (c = 0; c < r->ncols; c++) {
        floe_value v = row[c];
        if (!v.is_null && v.type.id == FLOE_TYPE_VARCHAR) {
            char *p = malloc(v.v.s.len + 1);
            memcpy(p, v.v.s.ptr, v.v.s.len);
            v.v.s.ptr = p;
        }
        r->vals[r->nrows * r->ncols + c] = v;
    }
    r->nrows++;
}

static inline void tu_ref_free(tu_ref *r)
{
    uint64_t i;
    for (i = 0; i < r->nrows * r->ncols; i++)
        if (!r->vals[i].is_null && r->vals[i].type.id == FLOE_TYPE_VARCHAR)
            free((void *)r->vals[i].v.s.ptr);
    free(r->vals);
    memset(r, 0, sizeof *r);
}

/* Fill `b` (initialized with types, capacity >= n) with n random rows;
 * about 1 in `null_every` values is NULL (0: none). */
static inline void tu_fill_random(floe_batch *b, uint32_t n, uint64_t *seed, int null_every)
{
    uint32_t c, i;
    char buf[64];
    b->n = n;
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        v->n = n;
        for (i = 0; i < n; i++) {
            uint64_t x = tu_rand(seed);
            if (null_every && x % (uint64_t)null_every == 0) {
                floe_vec_set_null(v, i);
                if (v->type.id == FLOE_TYPE_VARCHAR) {
                    FLOE_VEC_DATA(v, floe_string)[i].ptr = "";
                    FLOE_VEC_DATA(v, floe_string)[i].len = 0;
                }
                continue;
            }
            if (v->validity) v->validity[i >> 6] |= 1ULL << (i & 63);
            switch (v->type.id) {
            case FLOE_TYPE_BOOLEAN: FLOE_VEC_DATA(v, uint8_t)[i] = (uint8_t)(x >> 7 & 1); break;
            case FLOE_TYPE_INTEGER: FLOE_VEC_DATA(v, int32_t)[i] = (int32_t)(x >> 13); break;
            case FLOE_TYPE_DATE: FLOE_VEC_DATA(v, int32_t)[i] = (int32_t)(x % 40000) - 10000; break;
            case FLOE_TYPE_BIGINT:
            case FLOE_TYPE_DECIMAL:
            case FLOE_TYPE_TIMESTAMP: FLOE_VEC_DATA(v, int64_t)[i] = (int64_t)(x >> 3) - (1LL << 59); break;
            case FLOE_TYPE_DOUBLE: FLOE_VEC_DATA(v, double)[i] = (double)(int64_t)(x >> 11) / 1024.0; break;
            case FLOE_TYPE_INTERVAL: {
                floe_interval iv = {(int32_t)(x % 100), (int32_t)(x % 31), (int64_t)(x >> 20)};
                FLOE_VEC_DATA(v, floe_interval)[i] = iv;
                break;
            }
            case FLOE_TYPE_VARCHAR: {
                uint32_t len = (uint32_t)(x % 40), k;
                for (k = 0; k < len; k++) buf[k] = (char)('a' + (tu_rand(seed) % 26));
                floe_vec_set_string(v, i, buf, len);
                break;
            }
            default: break;
            }
        }
    }
}

/* Row `i` of batch `b` as values (strings borrowed from b). */
static inline void tu_batch_row(const floe_batch *b, uint32_t i, floe_value *out)
{
    uint32_t c;
    for (c = 0; c < b->ncols; c++) {
        const floe_vec *v = &b->cols[c];
        if (!floe_vec_is_valid(v, i))
            out[c] = floe_value_null(v->type);
        else
            floe_value_load(v->type, v->data, (v->flags & FLOE_VEC_CONST) ? 0 : i, &out[c]);
    }
}

/* Equal as stored values (DOUBLE bitwise-equal via ==; NULLs equal). */
static inline int tu_value_eq(const floe_value *a, const floe_value *b)
{
    if (a->is_null || b->is_null) return a->is_null == b->is_null;
    if (a->type.id != b->type.id) return 0;
    return floe_value_cmp(a, b) == 0 &&
           (a->type.id != FLOE_TYPE_INTERVAL ||
            (a->v.iv.months == b->v.iv.months && a->v.iv.days == b->v.iv.days &&
             a->v.iv.micros == b->v.iv.micros));
}

/* A fresh scratch directory under $FLOE_TEST_TMP (or /tmp). */
static inline void tu_tmpdir(char *buf, size_t cap)
{
    const char *root = getenv("FLOE_TEST_TMP");
    if (root == NULL || *root == '\0') root = "/tmp";
    mkdir(root, 0755);
    snprintf(buf, cap, "%s/ingest-XXXXXX", root);
    cr_assert_not_null(mkdtemp(buf));
}

#endif
