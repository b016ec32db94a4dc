/* util/vec.c: column vectors and batches. */
#include "util/vec.h"

#include <stdatomic.h>
#include <string.h>

#include "util/mem.h"

int floe_vec_init(floe_vec *v, floe_type t, uint32_t cap)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    v->cap = cap ? cap : FLOE_VEC_SIZE;
    v->data = floe_malloc_aligned((size_t)v->cap * floe_type_size(t));
    if (v->data == NULL) return FLOE_NOMEM;
    return FLOE_OK;
}

uint64_t floe_vec_dict_id(void)
{
    static atomic_uint_fast64_t next = 1;
    return (uint64_t)atomic_fetch_add(&next, 1);
}

void floe_vec_borrow(floe_vec *v, floe_type t, void *data, uint64_t *validity, uint32_t n)
{
    memset(v, 0, sizeof *v);
    v->type = t;
    v->n = n;
    v->cap = n;
    v->data = data;
    v->validity = validity;
    v->flags = FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
}

void floe_vec_free(floe_vec *v)
{
    if (v == NULL) return;
    if (!(v->flags & FLOE_VEC_BORROWED)) floe_free_aligned(v->data);
    if (!(v->flags & FLOE_VEC_BORROWED_VALIDITY)) floe_free(v->validity);
    floe_arena_free(v->heap);
    memset(v, 0, sizeof *v);
}

int floe_vec_make_owned(floe_vec *v, uint32_t cap)
{
    size_t w = floe_type_size(v->type);
    uint32_t n = v->n;
    int is_const = (v->flags & FLOE_VEC_CONST) != 0;
    void *data;
    uint64_t *val = NULL;
    uint32_t i;

    memset(&v->dict, 0, sizeof v->dict); /* the caller is about to change data */
    if (cap < n) cap = n;
    if (cap == 0) cap = FLOE_VEC_SIZE;
    if (!(v->flags & (FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY | FLOE_VEC_CONST)) &&
        v->cap >= cap)
        return FLOE_OK;
    data = floe_malloc_aligned((size_t)cap * w);
    if (data == NULL) return FLOE_NOMEM;
    if (is_const) {
        for (i = 0; i < n; i++) memcpy((char *)data + i * w, v->data, w);
    } else if (n) {
        memcpy(data, v->data, (size_t)n * w);
    }
    if (v->validity) {
        val = floe_calloc(FLOE_BITMAP_WORDS(cap), sizeof(uint64_t));
        if (val == NULL) {
            floe_free_aligned(data);
            return FLOE_NOMEM;
        }
        if (is_const) {
            uint64_t fill = (v->validity[0] & 1) ? ~0ULL : 0;
            for (i = 0; i < FLOE_BITMAP_WORDS(cap); i++) val[i] = fill;
        } else {
            memcpy(val, v->validity, FLOE_BITMAP_WORDS(n) * sizeof(uint64_t));
        }
    }
    if (!(v->flags & FLOE_VEC_BORROWED)) floe_free_aligned(v->data);
    if (!(v->flags & FLOE_VEC_BORROWED_VALIDITY)) floe_free(v->validity);
    v->data = data;
    v->validity = val;
    v->cap = cap;
    v->flags = 0;
    return FLOE_OK;
}

int floe_vec_ensure_validity(floe_vec *v)
{
    size_t words;
    if (v->validity) return FLOE_OK;
    words = FLOE_BITMAP_WORDS(v->cap ? v->cap : 1);
    v->validity = floe_malloc(words * sizeof(uint64_t));
    if (v->validity == NULL) return FLOE_NOMEM;
    memset(v->validity, 0xff, words * sizeof(uint64_t));
    v->flags &= ~(uint32_t)FLOE_VEC_BORROWED_VALIDITY;
    return FLOE_OK;
}

int floe_vec_set_null(floe_vec *v, uint32_t i)
{
    int rc = floe_vec_ensure_validity(v);
    if (rc) return rc;
    v->validity[i >> 6] &= ~(1ULL << (i & 63));
    return FLOE_OK;
}

floe_arena *floe_vec_heap(floe_vec *v)
{
    if (v->heap == NULL) v->heap = floe_arena_new(0);
    return v->heap;
}

int floe_vec_set_string(floe_vec *v, uint32_t i, const char *s, uint32_t len)
{
    floe_arena *h = floe_vec_heap(v);
    floe_string *dst = (floe_string *)v->data + i;
    char *p;
    if (h == NULL) return FLOE_NOMEM;
    v->dict.codes = NULL; /* the value no longer comes from the dictionary */
    p = floe_arena_memdup(h, s, len);
    if (p == NULL) return FLOE_NOMEM;
    dst->ptr = p;
    dst->len = len;
    return FLOE_OK;
}

uint32_t floe_vec_null_count(const floe_vec *v)
{
    uint32_t i, valid = 0, full;
    if (v->validity == NULL) return 0;
    if (v->flags & FLOE_VEC_CONST) return (v->validity[0] & 1) ? 0 : v->n;
    full = v->n / 64;
    for (i = 0; i < full; i++) valid += (uint32_t)__builtin_popcountll(v->validity[i]);
    if (v->n % 64) {
        uint64_t mask = (1ULL << (v->n % 64)) - 1;
        valid += (uint32_t)__builtin_popcountll(v->validity[full] & mask);
    }
    return v->n - valid;
}

int floe_batch_init(floe_batch *b, uint32_t ncols, const floe_type *types, uint32_t cap)
{
    uint32_t c;
    memset(b, 0, sizeof *b);
    b->cols = floe_calloc(ncols ? ncols : 1, sizeof(floe_vec));
    if (b->cols == NULL) return FLOE_NOMEM;
    b->ncols = ncols;
    for (c = 0; c < ncols; c++) {
        if (floe_vec_init(&b->cols[c], types[c], cap) != FLOE_OK) {
            floe_batch_free(b);
            return FLOE_NOMEM;
        }
    }
    return FLOE_OK;
}

void floe_batch_free(floe_batch *b)
{
    uint32_t c;
    if (b == NULL) return;
    for (c = 0; c < b->ncols && b->cols; c++) floe_vec_free(&b->cols[c]);
    floe_free(b->cols);
    floe_free(b->sel);
    memset(b, 0, sizeof *b);
}

int floe_batch_compact(floe_batch *b)
{
    uint32_t c, i;
    if (b->sel == NULL) return FLOE_OK;
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        size_t w = floe_type_size(v->type);
        int rc;
        memset(&v->dict, 0, sizeof v->dict);
        if (v->flags & FLOE_VEC_CONST) {
            v->n = b->nsel;
            continue;
        }
        rc = floe_vec_make_owned(v, v->cap);
        if (rc) return rc;
        switch (w) {
        case 1:
            for (i = 0; i < b->nsel; i++) ((uint8_t *)v->data)[i] = ((uint8_t *)v->data)[b->sel[i]];
            break;
        case 4:
            for (i = 0; i < b->nsel; i++) ((uint32_t *)v->data)[i] = ((uint32_t *)v->data)[b->sel[i]];
            break;
        case 8:
            for (i = 0; i < b->nsel; i++) ((uint64_t *)v->data)[i] = ((uint64_t *)v->data)[b->sel[i]];
            break;
        default:
            for (i = 0; i < b->nsel; i++)
                memmove((char *)v->data + i * w, (char *)v->data + (size_t)b->sel[i] * w, w);
        }
        if (v->validity) {
            for (i = 0; i < b->nsel; i++) {
                uint32_t s = b->sel[i];
                int valid = (v->validity[s >> 6] >> (s & 63)) & 1;
                if (valid)
                    v->validity[i >> 6] |= 1ULL << (i & 63);
                else
                    v->validity[i >> 6] &= ~(1ULL << (i & 63));
            }
        }
        v->n = b->nsel;
    }
    b->n = b->nsel;
    floe_free(b->sel);
    b->sel = NULL;
    b->nsel = 0;
    return FLOE_OK;
}
