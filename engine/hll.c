/* engine/hll.c: HyperLogLog (see hll.h). */
#include "engine/hll.h"

#include <math.h>
#include <string.h>

#include "floe.h"
#include "util/mem.h"

void floe_hll_add(uint8_t *regs, uint64_t hash)
{
    uint32_t idx = (uint32_t)(hash >> (64 - FLOE_HLL_P));
    /* rank of the remaining 50 bits: position of the first 1, from the top */
    uint64_t rest = (hash << FLOE_HLL_P) | (1ULL << (FLOE_HLL_P - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > regs[idx]) regs[idx] = rank;
}

void floe_hll_merge(uint8_t *dst, const uint8_t *src)
{
    uint32_t i;
    for (i = 0; i < FLOE_HLL_BYTES; i++)
        if (src[i] > dst[i]) dst[i] = src[i];
}

uint64_t floe_hll_estimate(const uint8_t *regs)
{
    const double m = (double)FLOE_HLL_BYTES;
    const double alpha = 0.7213 / (1.0 + 1.079 / m);
    double sum = 0, est;
    uint32_t i, zeros = 0;
    for (i = 0; i < FLOE_HLL_BYTES; i++) {
        sum += ldexp(1.0, -(int)regs[i]);
        if (regs[i] == 0) zeros++;
    }
    est = alpha * m * m / sum;
    if (est <= 2.5 * m && zeros > 0) est = m * log(m / (double)zeros);
    return (uint64_t)(est + 0.5);
}

static int to_dense(floe_hll_sketch *s)
{
    uint32_t i;
    uint8_t *d = floe_calloc(1, FLOE_HLL_BYTES);
    if (d == NULL) return FLOE_NOMEM;
    for (i = 0; i < s->n; i++) floe_hll_add(d, s->sparse[i]);
    floe_free(s->sparse);
    s->sparse = NULL;
    s->n = s->cap = 0;
    s->dense = d;
    return FLOE_OK;
}

int floe_hll_sketch_add(floe_hll_sketch *s, uint64_t hash)
{
    uint32_t i;
    if (s->dense) {
        floe_hll_add(s->dense, hash);
        return FLOE_OK;
    }
    for (i = 0; i < s->n; i++)
        if (s->sparse[i] == hash) return FLOE_OK;
    if (s->n == FLOE_HLL_SPARSE_MAX) {
        if (to_dense(s) != FLOE_OK) return FLOE_NOMEM;
        floe_hll_add(s->dense, hash);
        return FLOE_OK;
    }
    if (s->n == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 4;
        uint64_t *p = floe_realloc(s->sparse, nc * sizeof *p);
        if (p == NULL) return FLOE_NOMEM;
        s->sparse = p;
        s->cap = nc;
    }
    s->sparse[s->n++] = hash;
    return FLOE_OK;
}

int floe_hll_sketch_merge(floe_hll_sketch *dst, floe_hll_sketch *src)
{
    uint32_t i;
    if (src->dense && dst->dense) {
        floe_hll_merge(dst->dense, src->dense);
    } else if (src->dense) {
        /* take src's registers and add dst's hashes to them */
        floe_hll_sketch t = *dst;
        *dst = *src;
        memset(src, 0, sizeof *src);
        for (i = 0; i < t.n; i++) floe_hll_add(dst->dense, t.sparse[i]);
        floe_free(t.sparse);
        return FLOE_OK;
    } else {
        for (i = 0; i < src->n; i++)
            if (floe_hll_sketch_add(dst, src->sparse[i]) != FLOE_OK) return FLOE_NOMEM;
    }
    floe_hll_sketch_free(src);
    return FLOE_OK;
}

uint64_t floe_hll_sketch_estimate(const floe_hll_sketch *s)
{
    return s->dense ? floe_hll_estimate(s->dense) : s->n;
}

size_t floe_hll_sketch_bytes(const floe_hll_sketch *s)
{
    return s->dense ? FLOE_HLL_BYTES : (size_t)s->cap * sizeof(uint64_t);
}

void floe_hll_sketch_free(floe_hll_sketch *s)
{
    floe_free(s->sparse);
    floe_free(s->dense);
    memset(s, 0, sizeof *s);
}
