/* engine/xsum.c: exact, order-independent sums of doubles (engine/xsum.h).
 *
 * The slow paths of floe_xsum: rebasing the 128-bit fixed point m * 2^e,
 * the big accumulator (digit i, a signed 64-bit integer, weighs
 * 2^(32 i - 1074); every add puts at most 2^32 - 1 into a digit, and the
 * digits are carried every 2^30 adds, so none overflows), merging, and the
 * single correctly rounded conversion to double.
 */
#include "engine/xsum.h"

#include <assert.h>
#include <math.h>

#include "floe.h"
#include "util/mem.h"

#define XB_DIGITS 72
#define XB_LSB (-1074)         /* exponent of digit 0's unit */
#define XB_CARRY_EVERY (1u << 30)
#define XSUM_SLACK 16          /* bits e goes below a new smallest exponent */

struct floe_xsum_big {
    int64_t d[XB_DIGITS];
    uint32_t adds; /* adds since the last carry */
    uint32_t pad;
};

typedef floe_xsum_i128 i128;
typedef floe_xsum_u128 u128;

static u128 uabs(i128 m)
{
    return m < 0 ? (u128)0 - (u128)m : (u128)m;
}

/* Bits in |m| (0 for 0). */
static int bitlen(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    if (hi) return 128 - __builtin_clzll(hi);
    if (lo) return 64 - __builtin_clzll(lo);
    return 0;
}

static int ctz128(u128 v)
{
    uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);
    if (lo) return __builtin_ctzll(lo);
    if (hi) return 64 + __builtin_ctzll(hi);
    return 128;
}

static i128 shl(i128 m, int n)
{
    return (i128)((u128)m << n);
}

static void big_carry(floe_xsum_big *b)
{
    int i;
    for (i = 0; i < XB_DIGITS - 1; i++) {
        int64_t c = b->d[i] >> 32; /* floor: arithmetic shift */
        b->d[i] -= c * ((int64_t)1 << 32);
        b->d[i + 1] += c;
    }
    b->adds = 0;
}

/* Add sign * mag * 2^e (mag < 2^126, e >= XB_LSB) to b. */
static void big_add(floe_xsum_big *b, u128 mag, int neg, int32_t e)
{
    int32_t p = e - XB_LSB;
    int i = p >> 5, sh = p & 31;
    uint64_t piece;
    if (mag == 0) return;
    if (b->adds >= XB_CARRY_EVERY) big_carry(b);
    b->adds++;
    piece = (uint64_t)(mag & (((u128)1 << (32 - sh)) - 1)) << sh;
    mag >>= 32 - sh;
    for (;;) {
        b->d[i] += neg ? -(int64_t)piece : (int64_t)piece;
        if (mag == 0) break;
        i++;
        piece = (uint64_t)(mag & 0xffffffffu);
        mag >>= 32;
    }
}

/* Move s's finite part to a new big accumulator. FLOE_NOMEM. */
static int to_big(floe_xsum *s, uint64_t *heap)
{
    floe_xsum_big *b = floe_calloc(1, sizeof *b);
    if (b == NULL) return FLOE_NOMEM;
    if (heap) *heap += sizeof *b;
    big_add(b, uabs(s->m), s->m < 0, s->e);
    s->big = b;
    s->m = 0;
    return FLOE_OK;
}

/* Add m * 2^e (|m| < 2^126, e >= -1074) exactly. FLOE_NOMEM. */
static int add_wide(floe_xsum *s, i128 m, int32_t e, uint64_t *heap)
{
    if (m == 0) return FLOE_OK;
    if (s->big == NULL) {
        int32_t ne;
        int need;
        if (s->m == 0) {
            /* empty: put m's unit XSUM_SLACK bits lower if there is room */
            int room = 124 - bitlen(uabs(m));
            int down = room < XSUM_SLACK ? (room < 0 ? 0 : room) : XSUM_SLACK;
            if (e - down < XB_LSB) down = e - XB_LSB;
            s->e = e - down;
            s->m = shl(m, down);
            return FLOE_OK;
        }
        if (e < s->e) {
            /* a smaller unit: lower e, with slack when m has the room */
            int32_t lo = e - XSUM_SLACK < XB_LSB ? XB_LSB : e - XSUM_SLACK;
            int have = bitlen(uabs(s->m));
            ne = have + (s->e - lo) <= 124 ? lo : e;
            need = have + (s->e - ne);
            if (need <= 124) {
                s->m = shl(s->m, s->e - ne);
                s->e = ne;
            }
        } else if (e - s->e > 64 || bitlen(uabs(s->m)) > 124) {
            /* raise e over m's trailing zeros, without passing e */
            int r = ctz128((u128)s->m);
            if (r > e - s->e) r = e - s->e;
            s->m >>= r; /* exact: r low bits are zero */
            s->e += r;
        }
        if (e >= s->e && e - s->e < 128) {
            u128 am = uabs(s->m), ax = uabs(m);
            int sh = e - s->e;
            if (bitlen(am) <= 124 && bitlen(ax) + sh <= 124) {
                s->m += shl(m, sh);
                return FLOE_OK;
            }
        }
        if (to_big(s, heap)) return FLOE_NOMEM;
    }
    big_add(s->big, uabs(m), m < 0, e);
    return FLOE_OK;
}

int floe_xsum_add_slow(floe_xsum *s, int64_t mant, int32_t ex, uint64_t *heap)
{
    return add_wide(s, (i128)mant, ex, heap);
}

int floe_xsum_merge(floe_xsum *dst, const floe_xsum *src, uint64_t *heap)
{
    dst->special |= src->special;
    if (src->big) {
        floe_xsum_big t = *src->big;
        int i;
        if (dst->big == NULL && to_big(dst, heap)) return FLOE_NOMEM;
        big_carry(&t);
        big_carry(dst->big);
        for (i = 0; i < XB_DIGITS; i++) dst->big->d[i] += t.d[i];
        dst->big->adds = 1;
        return FLOE_OK;
    }
    return add_wide(dst, src->m, src->e, heap);
}

/* v * 2^e plus, when sticky, a positive amount below v's last bit, rounded
 * once to the nearest double, ties to even (v > 0, e >= -1074). */
static double round_double(u128 v, int sticky, int32_t e)
{
    int nb = bitlen(v), sh;
    int32_t q = nb - 53 + e;
    uint64_t mant;
    if (q < -1074) q = -1074; /* subnormal: the last bit is 2^-1074 */
    sh = q - e;
    if (sh <= 0) {
        mant = (uint64_t)(v << -sh);
    } else {
        u128 rem = v & (((u128)1 << sh) - 1);
        u128 half = (u128)1 << (sh - 1);
        assert(sh < 128); /* nb <= 128, e >= -1074: sh <= 75 */
        mant = (uint64_t)(v >> sh);
        if (rem > half || (rem == half && (sticky || (mant & 1)))) mant++;
    }
    return ldexp((double)mant, q); /* exact but for overflow to inf */
}

double floe_xsum_value(const floe_xsum *s)
{
    if (s->special & FLOE_XSUM_NAN) return NAN;
    if ((s->special & FLOE_XSUM_PINF) && (s->special & FLOE_XSUM_NINF)) return NAN;
    if (s->special & FLOE_XSUM_PINF) return INFINITY;
    if (s->special & FLOE_XSUM_NINF) return -INFINITY;
    if (s->big == NULL) {
        double r;
        if (s->m == 0) return 0.0;
        r = round_double(uabs(s->m), 0, s->e);
        return s->m < 0 ? -r : r;
    } else {
        floe_xsum_big t = *s->big;
        int i, top, lo, neg, sticky = 0;
        u128 v = 0;
        double r;
        big_carry(&t);
        neg = t.d[XB_DIGITS - 1] < 0;
        if (neg) {
            for (i = 0; i < XB_DIGITS; i++) t.d[i] = -t.d[i];
            big_carry(&t);
        }
        for (top = XB_DIGITS - 1; top >= 0 && t.d[top] == 0; top--)
            ;
        if (top < 0) return 0.0;
        lo = top - 2 < 0 ? 0 : top - 2;
        for (i = top; i >= lo; i--) v = (v << 32) | (u128)(uint64_t)t.d[i];
        for (i = 0; i < lo; i++) sticky |= t.d[i] != 0;
        r = round_double(v, sticky, XB_LSB + 32 * lo);
        return neg ? -r : r;
    }
}

void floe_xsum_free(floe_xsum *s)
{
    if (s == NULL) return;
    floe_free(s->big);
    memset(s, 0, sizeof *s);
}
