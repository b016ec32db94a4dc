/* engine/hll.c: HyperLogLog (see hll.h). */
#include "engine/hll.h"

#include <math.h>

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
