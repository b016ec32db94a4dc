/* engine/xsum.h: exact, order-independent sums of doubles.
 *
 * A floe_xsum holds the exact sum of the doubles added to it: nothing is
 * rounded until floe_xsum_value() rounds it once (to nearest, ties to
 * even). So the result does not depend on the order of the additions, nor
 * on how they were split into partial sums later merged: SUM/AVG of DOUBLE
 * give the same bits on 1 thread and on N, run after run, whatever the
 * scheduling. (Compensated summation alone would not: it is still order
 * dependent in the last bit.)
 *
 * Representation: the finite part is m * 2^e, m a signed 128-bit integer
 * kept below 2^125 in magnitude and e >= -1074. The fast path (inline) adds
 * a double whose exponent lies 0..64 bits above e with one shift and one
 * 128-bit add; it needs |m| < 2^124. The slow path lowers e (shifting m up,
 * with 16 bits of slack so that the next smaller values stay on the fast
 * path), raises it over m's trailing zeros, or, when the values' exponents
 * spread over more than m can hold (~70 bits), moves the sum to a heap
 * "big" accumulator of 72 signed 64-bit digits of 32 bits each, covering
 * the whole double range with carry room, which is exact too. NaN and
 * infinities are kept apart as flags: the result is NaN if a NaN or both
 * infinities were added, else the infinity added, else the rounded sum
 * (+-inf if it is beyond the double range). A sum of zeros is +0.
 *
 * Ownership: an all-zero floe_xsum (memset / calloc) is the empty sum. The
 * big accumulator, if any, belongs to its floe_xsum and is released by
 * floe_xsum_free(); the *heap counters the add/merge calls take grow by the
 * bytes they allocate (for memory accounting). Not thread-safe: one owner
 * per floe_xsum; merging reads the source only.
 */
#ifndef FLOE_ENGINE_XSUM_H
#define FLOE_ENGINE_XSUM_H

#include <stdint.h>
#include <string.h>

__extension__ typedef __int128 floe_xsum_i128;
__extension__ typedef unsigned __int128 floe_xsum_u128;

typedef struct floe_xsum_big floe_xsum_big;

enum { FLOE_XSUM_NAN = 1, FLOE_XSUM_PINF = 2, FLOE_XSUM_NINF = 4 };

typedef struct floe_xsum {
    floe_xsum_i128 m;   /* finite part m * 2^e (0 once big is set) */
    int32_t e;          /* exponent of m's unit, >= -1074 once m != 0 */
    uint32_t special;   /* FLOE_XSUM_* seen */
    floe_xsum_big *big; /* NULL, or the wide accumulator holding the finite part */
} floe_xsum;

/* Bytes of the heap accumulator a floe_xsum may allocate (for accounting). */
#define FLOE_XSUM_BIG_BYTES ((uint64_t)(72 * 8 + 8))

/* Add mant * 2^ex (|mant| < 2^53, ex >= -1074) when the fast path cannot.
 * FLOE_OK, or FLOE_NOMEM when the big accumulator cannot be allocated (the
 * sum is then unchanged). */
int floe_xsum_add_slow(floe_xsum *s, int64_t mant, int32_t ex, uint64_t *heap);

/* Add x to s. FLOE_OK, or FLOE_NOMEM (s unchanged). */
static inline int floe_xsum_add(floe_xsum *s, double x, uint64_t *heap)
{
    uint64_t b;
    int64_t mant;
    int32_t be, ex;
    uint32_t d;
    memcpy(&b, &x, sizeof b);
    be = (int32_t)((b >> 52) & 0x7ff);
    mant = (int64_t)(b & 0xfffffffffffffULL);
    if (be == 0x7ff) {
        s->special |= mant ? FLOE_XSUM_NAN : (b >> 63) ? FLOE_XSUM_NINF : FLOE_XSUM_PINF;
        return 0;
    }
    if (be == 0) {
        if (mant == 0) return 0; /* +-0 */
        ex = -1074;
    } else {
        mant |= (int64_t)1 << 52;
        ex = be - 1075;
    }
    if (b >> 63) mant = -mant;
    d = (uint32_t)(ex - s->e);
    if (d <= 64 && s->big == NULL && (uint64_t)((int64_t)(s->m >> 124) + 1) <= 1) {
        s->m += (floe_xsum_i128)((floe_xsum_u128)(floe_xsum_i128)mant << d);
        return 0;
    }
    return floe_xsum_add_slow(s, mant, ex, heap);
}

/* Add the sum src to dst (src unchanged). FLOE_OK, or FLOE_NOMEM (dst may
 * then have moved to a big accumulator, holding the same value). */
int floe_xsum_merge(floe_xsum *dst, const floe_xsum *src, uint64_t *heap);

/* The sum rounded once to the nearest double (ties to even). */
double floe_xsum_value(const floe_xsum *s);

/* Release s's heap accumulator and make it the empty sum. NULL is fine. */
void floe_xsum_free(floe_xsum *s);

#endif
