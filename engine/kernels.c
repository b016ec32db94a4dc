/* engine/kernels.c: SIMD kernels (simde AVX2) and their scalar twins.
 *
 * Layout of every SIMD kernel: a main loop over whole SIMD blocks, then the
 * scalar twin's loop body for the tail. Bitmask outputs are assembled from
 * movemask results into 64-bit words. See engine/kernels.h for contracts.
 */
#include "engine/kernels.h"

#include <math.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "util/hash.h"
#include "util/vec.h"

floe_kcmp floe_kernel_cmp_swap(floe_kcmp op)
{
    switch (op) {
    case FLOE_KCMP_LT: return FLOE_KCMP_GT;
    case FLOE_KCMP_LE: return FLOE_KCMP_GE;
    case FLOE_KCMP_GT: return FLOE_KCMP_LT;
    case FLOE_KCMP_GE: return FLOE_KCMP_LE;
    default: return op;
    }
}

static inline int valid_at(const uint64_t *validity, uint32_t i)
{
    return validity == NULL || ((validity[i >> 6] >> (i & 63)) & 1);
}

/* ------------------------------------------------------------ comparisons */

/* Scalar compare loops: one loop per operator so the loop body has no
 * switch. B(i) names the right operand of row i. */
#define SCALAR_CMP_LOOP(OPEXPR)                                         \
    for (i = 0; i < n; i++) {                                           \
        if ((i & 63) == 0) out[i >> 6] = 0;                             \
        out[i >> 6] |= (uint64_t)(OPEXPR) << (i & 63);                  \
    }

#define SCALAR_CMP_BODY(A, B)                                          \
    uint32_t i;                                                         \
    switch (op) {                                                       \
    case FLOE_KCMP_EQ: SCALAR_CMP_LOOP((A) == (B)) break;               \
    case FLOE_KCMP_NE: SCALAR_CMP_LOOP((A) != (B)) break;               \
    case FLOE_KCMP_LT: SCALAR_CMP_LOOP((A) < (B)) break;                \
    case FLOE_KCMP_LE: SCALAR_CMP_LOOP((A) <= (B)) break;               \
    case FLOE_KCMP_GT: SCALAR_CMP_LOOP((A) > (B)) break;                \
    case FLOE_KCMP_GE: SCALAR_CMP_LOOP((A) >= (B)) break;               \
    }

void floe_kernel_cmp_i32_const_scalar(const int32_t *a, int32_t c, floe_kcmp op, uint32_t n,
                                      uint64_t *out)
{
    SCALAR_CMP_BODY(a[i], c)
}
void floe_kernel_cmp_i32_vec_scalar(const int32_t *a, const int32_t *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out)
{
    SCALAR_CMP_BODY(a[i], b[i])
}
void floe_kernel_cmp_i64_const_scalar(const int64_t *a, int64_t c, floe_kcmp op, uint32_t n,
                                      uint64_t *out)
{
    SCALAR_CMP_BODY(a[i], c)
}
void floe_kernel_cmp_i64_vec_scalar(const int64_t *a, const int64_t *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out)
{
    SCALAR_CMP_BODY(a[i], b[i])
}

/* PostgreSQL total order for doubles: NaN == NaN, NaN > everything. */
static inline int f_eq(double x, double y) { return x == y || (isnan(x) && isnan(y)); }
static inline int f_lt(double x, double y) { return x < y || (!isnan(x) && isnan(y)); }
static inline int f_le(double x, double y) { return x <= y || isnan(y); }

#define SCALAR_FCMP_BODY(A, B)                                         \
    uint32_t i;                                                         \
    switch (op) {                                                       \
    case FLOE_KCMP_EQ: SCALAR_CMP_LOOP(f_eq(A, B)) break;               \
    case FLOE_KCMP_NE: SCALAR_CMP_LOOP(!f_eq(A, B)) break;              \
    case FLOE_KCMP_LT: SCALAR_CMP_LOOP(f_lt(A, B)) break;               \
    case FLOE_KCMP_LE: SCALAR_CMP_LOOP(f_le(A, B)) break;               \
    case FLOE_KCMP_GT: SCALAR_CMP_LOOP(f_lt(B, A)) break;               \
    case FLOE_KCMP_GE: SCALAR_CMP_LOOP(f_le(B, A)) break;               \
    }

void floe_kernel_cmp_f64_const_scalar(const double *a, double c, floe_kcmp op, uint32_t n,
                                      uint64_t *out)
{
    SCALAR_FCMP_BODY(a[i], c)
}
void floe_kernel_cmp_f64_vec_scalar(const double *a, const double *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out)
{
    SCALAR_FCMP_BODY(a[i], b[i])
}

/* SIMD compare: mask of 8 (i32) or 4 (i64, f64) lanes per step, written into
 * the output word. MASKFN(x, y) returns the lane mask as an int. */
#define SIMD_CMP_LOOP(LANES, LOADA, LOADB, MASKFN, TAILEXPR)                         \
    do {                                                                           \
        uint32_t i = 0;                                                            \
        uint32_t nblk = n / 64 * 64;                                               \
        for (; i < nblk; i += 64) {                                                \
            uint64_t w = 0;                                                        \
            uint32_t k;                                                            \
            for (k = 0; k < 64; k += LANES) {                                      \
                uint64_t m = (uint64_t)(unsigned)MASKFN(LOADA(i + k), LOADB(i + k)); \
                w |= m << k;                                                       \
            }                                                                      \
            out[i >> 6] = w;                                                       \
        }                                                                          \
        for (; i < n; i++) {                                                       \
            if ((i & 63) == 0) out[i >> 6] = 0;                                    \
            out[i >> 6] |= (uint64_t)(TAILEXPR) << (i & 63);                       \
        }                                                                          \
    } while (0)

/* i32 lane masks */
#define M32(v) simde_mm256_movemask_ps(simde_mm256_castsi256_ps(v))
#define I32_EQ(x, y) M32(simde_mm256_cmpeq_epi32(x, y))
#define I32_NE(x, y) (0xff & ~M32(simde_mm256_cmpeq_epi32(x, y)))
#define I32_LT(x, y) M32(simde_mm256_cmpgt_epi32(y, x))
#define I32_LE(x, y) (0xff & ~M32(simde_mm256_cmpgt_epi32(x, y)))
#define I32_GT(x, y) M32(simde_mm256_cmpgt_epi32(x, y))
#define I32_GE(x, y) (0xff & ~M32(simde_mm256_cmpgt_epi32(y, x)))
/* i64 lane masks */
#define M64(v) simde_mm256_movemask_pd(simde_mm256_castsi256_pd(v))
#define I64_EQ(x, y) M64(simde_mm256_cmpeq_epi64(x, y))
#define I64_NE(x, y) (0xf & ~M64(simde_mm256_cmpeq_epi64(x, y)))
#define I64_LT(x, y) M64(simde_mm256_cmpgt_epi64(y, x))
#define I64_LE(x, y) (0xf & ~M64(simde_mm256_cmpgt_epi64(x, y)))
#define I64_GT(x, y) M64(simde_mm256_cmpgt_epi64(x, y))
#define I64_GE(x, y) (0xf & ~M64(simde_mm256_cmpgt_epi64(y, x)))

static inline int f64_eq_mask(simde__m256d x, simde__m256d y)
{
    simde__m256d eq = simde_mm256_cmp_pd(x, y, SIMDE_CMP_EQ_OQ);
    simde__m256d nx = simde_mm256_cmp_pd(x, x, SIMDE_CMP_UNORD_Q);
    simde__m256d ny = simde_mm256_cmp_pd(y, y, SIMDE_CMP_UNORD_Q);
    return simde_mm256_movemask_pd(simde_mm256_or_pd(eq, simde_mm256_and_pd(nx, ny)));
}
static inline int f64_lt_mask(simde__m256d x, simde__m256d y)
{
    simde__m256d lt = simde_mm256_cmp_pd(x, y, SIMDE_CMP_LT_OQ);
    simde__m256d ox = simde_mm256_cmp_pd(x, x, SIMDE_CMP_ORD_Q);
    simde__m256d ny = simde_mm256_cmp_pd(y, y, SIMDE_CMP_UNORD_Q);
    return simde_mm256_movemask_pd(simde_mm256_or_pd(lt, simde_mm256_and_pd(ox, ny)));
}
static inline int f64_le_mask(simde__m256d x, simde__m256d y)
{
    simde__m256d le = simde_mm256_cmp_pd(x, y, SIMDE_CMP_LE_OQ);
    simde__m256d ny = simde_mm256_cmp_pd(y, y, SIMDE_CMP_UNORD_Q);
    return simde_mm256_movemask_pd(simde_mm256_or_pd(le, ny));
}
#define F64_EQ(x, y) f64_eq_mask(x, y)
#define F64_NE(x, y) (0xf & ~f64_eq_mask(x, y))
#define F64_LT(x, y) f64_lt_mask(x, y)
#define F64_LE(x, y) f64_le_mask(x, y)
#define F64_GT(x, y) f64_lt_mask(y, x)
#define F64_GE(x, y) f64_le_mask(y, x)

#define LD32(p) simde_mm256_loadu_si256((const simde__m256i *)(const void *)(p))
#define LDPD(p) simde_mm256_loadu_pd(p)

#define SIMD_CMP_SWITCH(LANES, PFX, LOADA, LOADB, TA, TB, SCMP)                        \
    switch (op) {                                                                       \
    case FLOE_KCMP_EQ: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_EQ, SCMP##eq(TA, TB)); break; \
    case FLOE_KCMP_NE: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_NE, !SCMP##eq(TA, TB)); break; \
    case FLOE_KCMP_LT: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_LT, SCMP##lt(TA, TB)); break; \
    case FLOE_KCMP_LE: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_LE, SCMP##le(TA, TB)); break; \
    case FLOE_KCMP_GT: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_GT, SCMP##lt(TB, TA)); break; \
    case FLOE_KCMP_GE: SIMD_CMP_LOOP(LANES, LOADA, LOADB, PFX##_GE, SCMP##le(TB, TA)); break; \
    }

#define i_eq(x, y) ((x) == (y))
#define i_lt(x, y) ((x) < (y))
#define i_le(x, y) ((x) <= (y))

void floe_kernel_cmp_i32_const(const int32_t *a, int32_t c, floe_kcmp op, uint32_t n,
                               uint64_t *out)
{
    simde__m256i vc = simde_mm256_set1_epi32(c);
#define LA(j) LD32(a + (j))
#define LC(j) vc
    SIMD_CMP_SWITCH(8, I32, LA, LC, a[i], c, i_)
#undef LA
#undef LC
}

void floe_kernel_cmp_i32_vec(const int32_t *a, const int32_t *b, floe_kcmp op, uint32_t n,
                             uint64_t *out)
{
#define LA(j) LD32(a + (j))
#define LB(j) LD32(b + (j))
    SIMD_CMP_SWITCH(8, I32, LA, LB, a[i], b[i], i_)
#undef LA
#undef LB
}

void floe_kernel_cmp_i64_const(const int64_t *a, int64_t c, floe_kcmp op, uint32_t n,
                               uint64_t *out)
{
    simde__m256i vc = simde_mm256_set1_epi64x(c);
#define LA(j) LD32(a + (j))
#define LC(j) vc
    SIMD_CMP_SWITCH(4, I64, LA, LC, a[i], c, i_)
#undef LA
#undef LC
}

void floe_kernel_cmp_i64_vec(const int64_t *a, const int64_t *b, floe_kcmp op, uint32_t n,
                             uint64_t *out)
{
#define LA(j) LD32(a + (j))
#define LB(j) LD32(b + (j))
    SIMD_CMP_SWITCH(4, I64, LA, LB, a[i], b[i], i_)
#undef LA
#undef LB
}

void floe_kernel_cmp_f64_const(const double *a, double c, floe_kcmp op, uint32_t n,
                               uint64_t *out)
{
    simde__m256d vc = simde_mm256_set1_pd(c);
#define LA(j) LDPD(a + (j))
#define LC(j) vc
    SIMD_CMP_SWITCH(4, F64, LA, LC, a[i], c, f_)
#undef LA
#undef LC
}

void floe_kernel_cmp_f64_vec(const double *a, const double *b, floe_kcmp op, uint32_t n,
                             uint64_t *out)
{
#define LA(j) LDPD(a + (j))
#define LB(j) LDPD(b + (j))
    SIMD_CMP_SWITCH(4, F64, LA, LB, a[i], b[i], f_)
#undef LA
#undef LB
}

/* ------------------------------------------------------------- selection */

uint32_t floe_kernel_sel_from_bits_scalar(const uint64_t *bits, uint32_t n, uint32_t *sel)
{
    uint32_t i, k = 0;
    for (i = 0; i < n; i++)
        if ((bits[i >> 6] >> (i & 63)) & 1) sel[k++] = i;
    return k;
}

/* pack_lut[m]: byte j = index of the j-th set bit of m (left-pack table). */
static const uint64_t pack_lut[256] = {
    0x0000000000000000ULL, 0x0000000000000000ULL, 0x0000000000000001ULL, 0x0000000000000100ULL,
    0x0000000000000002ULL, 0x0000000000000200ULL, 0x0000000000000201ULL, 0x0000000000020100ULL,
    0x0000000000000003ULL, 0x0000000000000300ULL, 0x0000000000000301ULL, 0x0000000000030100ULL,
    0x0000000000000302ULL, 0x0000000000030200ULL, 0x0000000000030201ULL, 0x0000000003020100ULL,
    0x0000000000000004ULL, 0x0000000000000400ULL, 0x0000000000000401ULL, 0x0000000000040100ULL,
    0x0000000000000402ULL, 0x0000000000040200ULL, 0x0000000000040201ULL, 0x0000000004020100ULL,
    0x0000000000000403ULL, 0x0000000000040300ULL, 0x0000000000040301ULL, 0x0000000004030100ULL,
    0x0000000000040302ULL, 0x0000000004030200ULL, 0x0000000004030201ULL, 0x0000000403020100ULL,
    0x0000000000000005ULL, 0x0000000000000500ULL, 0x0000000000000501ULL, 0x0000000000050100ULL,
    0x0000000000000502ULL, 0x0000000000050200ULL, 0x0000000000050201ULL, 0x0000000005020100ULL,
    0x0000000000000503ULL, 0x0000000000050300ULL, 0x0000000000050301ULL, 0x0000000005030100ULL,
    0x0000000000050302ULL, 0x0000000005030200ULL, 0x0000000005030201ULL, 0x0000000503020100ULL,
    0x0000000000000504ULL, 0x0000000000050400ULL, 0x0000000000050401ULL, 0x0000000005040100ULL,
    0x0000000000050402ULL, 0x0000000005040200ULL, 0x0000000005040201ULL, 0x0000000504020100ULL,
    0x0000000000050403ULL, 0x0000000005040300ULL, 0x0000000005040301ULL, 0x0000000504030100ULL,
    0x0000000005040302ULL, 0x0000000504030200ULL, 0x0000000504030201ULL, 0x0000050403020100ULL,
    0x0000000000000006ULL, 0x0000000000000600ULL, 0x0000000000000601ULL, 0x0000000000060100ULL,
    0x0000000000000602ULL, 0x0000000000060200ULL, 0x0000000000060201ULL, 0x0000000006020100ULL,
    0x0000000000000603ULL, 0x0000000000060300ULL, 0x0000000000060301ULL, 0x0000000006030100ULL,
    0x0000000000060302ULL, 0x0000000006030200ULL, 0x0000000006030201ULL, 0x0000000603020100ULL,
    0x0000000000000604ULL, 0x0000000000060400ULL, 0x0000000000060401ULL, 0x0000000006040100ULL,
    0x0000000000060402ULL, 0x0000000006040200ULL, 0x0000000006040201ULL, 0x0000000604020100ULL,
    0x0000000000060403ULL, 0x0000000006040300ULL, 0x0000000006040301ULL, 0x0000000604030100ULL,
    0x0000000006040302ULL, 0x0000000604030200ULL, 0x0000000604030201ULL, 0x0000060403020100ULL,
    0x0000000000000605ULL, 0x0000000000060500ULL, 0x0000000000060501ULL, 0x0000000006050100ULL,
    0x0000000000060502ULL, 0x0000000006050200ULL, 0x0000000006050201ULL, 0x0000000605020100ULL,
    0x0000000000060503ULL, 0x0000000006050300ULL, 0x0000000006050301ULL, 0x0000000605030100ULL,
    0x0000000006050302ULL, 0x0000000605030200ULL, 0x0000000605030201ULL, 0x0000060503020100ULL,
    0x0000000000060504ULL, 0x0000000006050400ULL, 0x0000000006050401ULL, 0x0000000605040100ULL,
    0x0000000006050402ULL, 0x0000000605040200ULL, 0x0000000605040201ULL, 0x0000060504020100ULL,
    0x0000000006050403ULL, 0x0000000605040300ULL, 0x0000000605040301ULL, 0x0000060504030100ULL,
    0x0000000605040302ULL, 0x0000060504030200ULL, 0x0000060504030201ULL, 0x0006050403020100ULL,
    0x0000000000000007ULL, 0x0000000000000700ULL, 0x0000000000000701ULL, 0x0000000000070100ULL,
    0x0000000000000702ULL, 0x0000000000070200ULL, 0x0000000000070201ULL, 0x0000000007020100ULL,
    0x0000000000000703ULL, 0x0000000000070300ULL, 0x0000000000070301ULL, 0x0000000007030100ULL,
    0x0000000000070302ULL, 0x0000000007030200ULL, 0x0000000007030201ULL, 0x0000000703020100ULL,
    0x0000000000000704ULL, 0x0000000000070400ULL, 0x0000000000070401ULL, 0x0000000007040100ULL,
    0x0000000000070402ULL, 0x0000000007040200ULL, 0x0000000007040201ULL, 0x0000000704020100ULL,
    0x0000000000070403ULL, 0x0000000007040300ULL, 0x0000000007040301ULL, 0x0000000704030100ULL,
    0x0000000007040302ULL, 0x0000000704030200ULL, 0x0000000704030201ULL, 0x0000070403020100ULL,
    0x0000000000000705ULL, 0x0000000000070500ULL, 0x0000000000070501ULL, 0x0000000007050100ULL,
    0x0000000000070502ULL, 0x0000000007050200ULL, 0x0000000007050201ULL, 0x0000000705020100ULL,
    0x0000000000070503ULL, 0x0000000007050300ULL, 0x0000000007050301ULL, 0x0000000705030100ULL,
    0x0000000007050302ULL, 0x0000000705030200ULL, 0x0000000705030201ULL, 0x0000070503020100ULL,
    0x0000000000070504ULL, 0x0000000007050400ULL, 0x0000000007050401ULL, 0x0000000705040100ULL,
    0x0000000007050402ULL, 0x0000000705040200ULL, 0x0000000705040201ULL, 0x0000070504020100ULL,
    0x0000000007050403ULL, 0x0000000705040300ULL, 0x0000000705040301ULL, 0x0000070504030100ULL,
    0x0000000705040302ULL, 0x0000070504030200ULL, 0x0000070504030201ULL, 0x0007050403020100ULL,
    0x0000000000000706ULL, 0x0000000000070600ULL, 0x0000000000070601ULL, 0x0000000007060100ULL,
    0x0000000000070602ULL, 0x0000000007060200ULL, 0x0000000007060201ULL, 0x0000000706020100ULL,
    0x0000000000070603ULL, 0x0000000007060300ULL, 0x0000000007060301ULL, 0x0000000706030100ULL,
    0x0000000007060302ULL, 0x0000000706030200ULL, 0x0000000706030201ULL, 0x0000070603020100ULL,
    0x0000000000070604ULL, 0x0000000007060400ULL, 0x0000000007060401ULL, 0x0000000706040100ULL,
    0x0000000007060402ULL, 0x0000000706040200ULL, 0x0000000706040201ULL, 0x0000070604020100ULL,
    0x0000000007060403ULL, 0x0000000706040300ULL, 0x0000000706040301ULL, 0x0000070604030100ULL,
    0x0000000706040302ULL, 0x0000070604030200ULL, 0x0000070604030201ULL, 0x0007060403020100ULL,
    0x0000000000070605ULL, 0x0000000007060500ULL, 0x0000000007060501ULL, 0x0000000706050100ULL,
    0x0000000007060502ULL, 0x0000000706050200ULL, 0x0000000706050201ULL, 0x0000070605020100ULL,
    0x0000000007060503ULL, 0x0000000706050300ULL, 0x0000000706050301ULL, 0x0000070605030100ULL,
    0x0000000706050302ULL, 0x0000070605030200ULL, 0x0000070605030201ULL, 0x0007060503020100ULL,
    0x0000000007060504ULL, 0x0000000706050400ULL, 0x0000000706050401ULL, 0x0000070605040100ULL,
    0x0000000706050402ULL, 0x0000070605040200ULL, 0x0000070605040201ULL, 0x0007060504020100ULL,
    0x0000000706050403ULL, 0x0000070605040300ULL, 0x0000070605040301ULL, 0x0007060504030100ULL,
    0x0000070605040302ULL, 0x0007060504030200ULL, 0x0007060504030201ULL, 0x0706050403020100ULL,
};

uint32_t floe_kernel_sel_from_bits(const uint64_t *bits, uint32_t n, uint32_t *sel)
{
    /* 8 rows at a time: look up the packed indexes of the set bits, widen
     * them to 8 int32 lanes, add the row base and store all 8 lanes; only
     * popcount of them are kept (the next store overwrites the rest). The
     * store ends at sel[k + 7] <= sel[i + 7] < sel[n], so it stays inside
     * a buffer of n entries. */
    uint32_t i = 0, k = 0;
    for (; i + 8 <= n; i += 8) {
        uint32_t m = (uint32_t)(bits[i >> 6] >> (i & 63)) & 0xff;
        simde__m128i packed = simde_mm_cvtsi64_si128((int64_t)pack_lut[m]);
        simde__m256i idx = simde_mm256_add_epi32(simde_mm256_cvtepu8_epi32(packed),
                                                 simde_mm256_set1_epi32((int32_t)i));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(sel + k), idx);
        k += (uint32_t)__builtin_popcount(m);
    }
    for (; i < n; i++)
        if ((bits[i >> 6] >> (i & 63)) & 1) sel[k++] = i;
    return k;
}

/* ------------------------------------------------------------- arithmetic */

int floe_kernel_add_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int64_t r;
        ovf |= __builtin_add_overflow(a[i], b[i], &r);
        out[i] = r;
    }
    return ovf;
}

int floe_kernel_sub_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int64_t r;
        ovf |= __builtin_sub_overflow(a[i], b[i], &r);
        out[i] = r;
    }
    return ovf;
}

int floe_kernel_mul_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int64_t r;
        ovf |= __builtin_mul_overflow(a[i], b[i], &r);
        out[i] = r;
    }
    return ovf;
}

int floe_kernel_add_i64_const_scalar(const int64_t *a, int64_t c, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int64_t r;
        ovf |= __builtin_add_overflow(a[i], c, &r);
        out[i] = r;
    }
    return ovf;
}

int floe_kernel_sub_i64_const_scalar(const int64_t *a, int64_t c, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i;
    for (i = 0; i < n; i++) {
        int64_t r;
        ovf |= __builtin_sub_overflow(a[i], c, &r);
        out[i] = r;
    }
    return ovf;
}

/* Wrapping add with overflow lanes: sign of (a ^ r) & (b ^ r). */
#define ADD_STEP(VA, VB, P)                                                        \
    do {                                                                           \
        simde__m256i x_ = (VA), y_ = (VB);                                         \
        simde__m256i r_ = simde_mm256_add_epi64(x_, y_);                           \
        acc = simde_mm256_or_si256(                                                \
            acc, simde_mm256_and_si256(simde_mm256_xor_si256(x_, r_),              \
                                       simde_mm256_xor_si256(y_, r_)));            \
        simde_mm256_storeu_si256((simde__m256i *)(void *)(P), r_);                 \
    } while (0)
/* Wrapping sub: overflow when sign of (a ^ b) & (a ^ r). */
#define SUB_STEP(VA, VB, P)                                                        \
    do {                                                                           \
        simde__m256i x_ = (VA), y_ = (VB);                                         \
        simde__m256i r_ = simde_mm256_sub_epi64(x_, y_);                           \
        acc = simde_mm256_or_si256(                                                \
            acc, simde_mm256_and_si256(simde_mm256_xor_si256(x_, y_),              \
                                       simde_mm256_xor_si256(x_, r_)));            \
        simde_mm256_storeu_si256((simde__m256i *)(void *)(P), r_);                 \
    } while (0)

int floe_kernel_add_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    simde__m256i acc = simde_mm256_setzero_si256();
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) ADD_STEP(LD32(a + i), LD32(b + i), out + i);
    return (M64(acc) != 0) | floe_kernel_add_i64_scalar(a + i, b + i, out + i, n - i);
}

int floe_kernel_sub_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    simde__m256i acc = simde_mm256_setzero_si256();
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) SUB_STEP(LD32(a + i), LD32(b + i), out + i);
    return (M64(acc) != 0) | floe_kernel_sub_i64_scalar(a + i, b + i, out + i, n - i);
}

int floe_kernel_add_i64_const(const int64_t *a, int64_t c, int64_t *out, uint32_t n)
{
    simde__m256i acc = simde_mm256_setzero_si256(), vc = simde_mm256_set1_epi64x(c);
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) ADD_STEP(LD32(a + i), vc, out + i);
    return (M64(acc) != 0) | floe_kernel_add_i64_const_scalar(a + i, c, out + i, n - i);
}

int floe_kernel_sub_i64_const(const int64_t *a, int64_t c, int64_t *out, uint32_t n)
{
    simde__m256i acc = simde_mm256_setzero_si256(), vc = simde_mm256_set1_epi64x(c);
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) SUB_STEP(LD32(a + i), vc, out + i);
    return (M64(acc) != 0) | floe_kernel_sub_i64_const_scalar(a + i, c, out + i, n - i);
}

/* Lanes whose value lies in [-2^31, 2^31): (x + 2^31) >> 32 == 0. */
static inline simde__m256i fits_i32(simde__m256i x)
{
    simde__m256i t = simde_mm256_add_epi64(x, simde_mm256_set1_epi64x(0x80000000LL));
    return simde_mm256_cmpeq_epi64(simde_mm256_srli_epi64(t, 32), simde_mm256_setzero_si256());
}

int floe_kernel_mul_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n)
{
    int ovf = 0;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m256i x = LD32(a + i), y = LD32(b + i);
        simde__m256i ok = simde_mm256_and_si256(fits_i32(x), fits_i32(y));
        if (M64(ok) == 0xf) {
            /* signed 32x32 -> 64 products are exact */
            simde_mm256_storeu_si256((simde__m256i *)(void *)(out + i),
                                     simde_mm256_mul_epi32(x, y));
        } else {
            ovf |= floe_kernel_mul_i64_scalar(a + i, b + i, out + i, 4);
        }
    }
    return ovf | floe_kernel_mul_i64_scalar(a + i, b + i, out + i, n - i);
}

#define F64_SCALAR(NAME, OP)                                                       \
    void NAME(const double *a, const double *b, double *out, uint32_t n)           \
    {                                                                              \
        uint32_t i;                                                                \
        for (i = 0; i < n; i++) out[i] = a[i] OP b[i];                             \
    }
F64_SCALAR(floe_kernel_add_f64_scalar, +)
F64_SCALAR(floe_kernel_sub_f64_scalar, -)
F64_SCALAR(floe_kernel_mul_f64_scalar, *)

#define F64_SIMD(NAME, INTR, OP)                                                   \
    void NAME(const double *a, const double *b, double *out, uint32_t n)           \
    {                                                                              \
        uint32_t i = 0;                                                            \
        for (; i + 4 <= n; i += 4)                                                 \
            simde_mm256_storeu_pd(out + i, INTR(LDPD(a + i), LDPD(b + i)));        \
        for (; i < n; i++) out[i] = a[i] OP b[i];                                  \
    }
F64_SIMD(floe_kernel_add_f64, simde_mm256_add_pd, +)
F64_SIMD(floe_kernel_sub_f64, simde_mm256_sub_pd, -)
F64_SIMD(floe_kernel_mul_f64, simde_mm256_mul_pd, *)

/* ------------------------------------------------------------ aggregates */

/* Lane masks from 4 validity bits (for 64-bit lanes) or 8 bits (32-bit). */
static inline simde__m256i mask4(uint64_t bits)
{
    simde__m256i sel = simde_mm256_setr_epi64x(1, 2, 4, 8);
    simde__m256i b = simde_mm256_set1_epi64x((int64_t)(bits & 0xf));
    return simde_mm256_cmpeq_epi64(simde_mm256_and_si256(b, sel), sel);
}
static inline simde__m256i mask8(uint64_t bits)
{
    simde__m256i sel = simde_mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    simde__m256i b = simde_mm256_set1_epi32((int32_t)(bits & 0xff));
    return simde_mm256_cmpeq_epi32(simde_mm256_and_si256(b, sel), sel);
}
static inline uint64_t vbits(const uint64_t *validity, uint32_t i, uint32_t k)
{
    /* k (<= 8) validity bits starting at row i (i % k == 0, so no word split) */
    if (validity == NULL) return (1ULL << k) - 1;
    return (validity[i >> 6] >> (i & 63)) & ((1ULL << k) - 1);
}

int floe_kernel_sum_i64_scalar(const int64_t *v, const uint64_t *validity, uint32_t n,
                               int64_t *io_sum)
{
    __int128 s = *io_sum;
    uint32_t i;
    for (i = 0; i < n; i++)
        if (valid_at(validity, i)) s += v[i];
    if (s > INT64_MAX || s < INT64_MIN) return 1;
    *io_sum = (int64_t)s;
    return 0;
}

int floe_kernel_sum_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *io_sum)
{
    simde__m256i acc = simde_mm256_setzero_si256(), ovf = simde_mm256_setzero_si256();
    int64_t lanes[4], tail = 0;
    __int128 s;
    uint32_t i = 0, k;
    for (; i + 4 <= n; i += 4) {
        simde__m256i x = simde_mm256_and_si256(LD32(v + i), mask4(vbits(validity, i, 4)));
        simde__m256i r = simde_mm256_add_epi64(acc, x);
        ovf = simde_mm256_or_si256(
            ovf, simde_mm256_and_si256(simde_mm256_xor_si256(acc, r), simde_mm256_xor_si256(x, r)));
        acc = r;
    }
    if (M64(ovf)) return floe_kernel_sum_i64_scalar(v, validity, n, io_sum); /* exact retry */
    simde_mm256_storeu_si256((simde__m256i *)(void *)lanes, acc);
    for (; i < n; i++)
        if (valid_at(validity, i)) tail += v[i]; /* < 4 values: cannot overflow with __int128 below */
    s = (__int128)*io_sum + tail;
    for (k = 0; k < 4; k++) s += lanes[k];
    if (s > INT64_MAX || s < INT64_MIN) return 1;
    *io_sum = (int64_t)s;
    return 0;
}

int64_t floe_kernel_sum_i32_scalar(const int32_t *v, const uint64_t *validity, uint32_t n)
{
    int64_t s = 0;
    uint32_t i;
    for (i = 0; i < n; i++)
        if (valid_at(validity, i)) s += v[i];
    return s;
}

int64_t floe_kernel_sum_i32(const int32_t *v, const uint64_t *validity, uint32_t n)
{
    /* widen 4 int32 to 4 int64 lanes; two accumulators per 8 rows */
    simde__m256i acc = simde_mm256_setzero_si256();
    int64_t lanes[4], s = 0;
    uint32_t i = 0, k;
    for (; i + 8 <= n; i += 8) {
        simde__m256i x = simde_mm256_and_si256(LD32(v + i), mask8(vbits(validity, i, 8)));
        simde__m256i lo = simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(x));
        simde__m256i hi = simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(x, 1));
        acc = simde_mm256_add_epi64(acc, simde_mm256_add_epi64(lo, hi));
    }
    simde_mm256_storeu_si256((simde__m256i *)(void *)lanes, acc);
    for (k = 0; k < 4; k++) s += lanes[k];
    for (; i < n; i++)
        if (valid_at(validity, i)) s += v[i];
    return s;
}

double floe_kernel_sum_f64_scalar(const double *v, const uint64_t *validity, uint32_t n)
{
    double l[4] = {0, 0, 0, 0};
    uint32_t i;
    for (i = 0; i < n; i++)
        if (valid_at(validity, i)) l[i & 3] += v[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
}

double floe_kernel_sum_f64(const double *v, const uint64_t *validity, uint32_t n)
{
    simde__m256d acc = simde_mm256_setzero_pd();
    double l[4];
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m256d m = simde_mm256_castsi256_pd(mask4(vbits(validity, i, 4)));
        /* masked rows add +0.0... except that x + 0.0 turns -0.0 into 0.0, so
         * blend keeps the accumulator itself for invalid lanes */
        simde__m256d r = simde_mm256_add_pd(acc, LDPD(v + i));
        acc = simde_mm256_blendv_pd(acc, r, m);
    }
    simde_mm256_storeu_pd(l, acc);
    for (; i < n; i++)
        if (valid_at(validity, i)) l[i & 3] += v[i];
    return (l[0] + l[1]) + (l[2] + l[3]);
}

uint32_t floe_kernel_count_scalar(const uint64_t *validity, uint32_t n)
{
    uint32_t i, c = 0;
    for (i = 0; i < n; i++) c += (uint32_t)valid_at(validity, i);
    return c;
}

uint32_t floe_kernel_count(const uint64_t *validity, uint32_t n)
{
    uint32_t w, full = n / 64, c = 0;
    if (validity == NULL) return n;
    for (w = 0; w < full; w++) c += (uint32_t)__builtin_popcountll(validity[w]);
    if (n & 63) c += (uint32_t)__builtin_popcountll(validity[full] & ((1ULL << (n & 63)) - 1));
    return c;
}

/* min/max scalar twins */
#define MINMAX_SCALAR(NAME, T, BETTER)                                             \
    bool NAME(const T *v, const uint64_t *validity, uint32_t n, T *out)            \
    {                                                                              \
        bool any = false;                                                          \
        T best = 0;                                                                \
        uint32_t i;                                                                \
        for (i = 0; i < n; i++) {                                                  \
            if (!valid_at(validity, i)) continue;                                  \
            if (!any || BETTER(v[i], best)) best = v[i];                           \
            any = true;                                                            \
        }                                                                          \
        if (any) *out = best;                                                      \
        return any;                                                                \
    }
#define LESS(x, y) ((x) < (y))
#define GREATER(x, y) ((x) > (y))
#define F_LESS(x, y) f_lt(x, y)
#define F_GREATER(x, y) f_lt(y, x)
MINMAX_SCALAR(floe_kernel_min_i32_scalar, int32_t, LESS)
MINMAX_SCALAR(floe_kernel_max_i32_scalar, int32_t, GREATER)
MINMAX_SCALAR(floe_kernel_min_i64_scalar, int64_t, LESS)
MINMAX_SCALAR(floe_kernel_max_i64_scalar, int64_t, GREATER)
MINMAX_SCALAR(floe_kernel_min_f64_scalar, double, F_LESS)
MINMAX_SCALAR(floe_kernel_max_f64_scalar, double, F_GREATER)

/* SIMD min/max: invalid lanes are replaced by the identity (the type's
 * max for min, min for max) so they never win; the count of valid rows
 * decides whether there was a value at all. */
bool floe_kernel_min_i32(const int32_t *v, const uint64_t *validity, uint32_t n, int32_t *out)
{
    simde__m256i acc = simde_mm256_set1_epi32(INT32_MAX), id = acc;
    int32_t l[8], best = INT32_MAX;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 8 <= n; i += 8) {
        simde__m256i x = simde_mm256_blendv_epi8(id, LD32(v + i), mask8(vbits(validity, i, 8)));
        acc = simde_mm256_min_epi32(acc, x);
    }
    simde_mm256_storeu_si256((simde__m256i *)(void *)l, acc);
    for (k = 0; k < 8; k++) best = l[k] < best ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && v[i] < best) best = v[i];
    *out = best;
    return true;
}

bool floe_kernel_max_i32(const int32_t *v, const uint64_t *validity, uint32_t n, int32_t *out)
{
    simde__m256i acc = simde_mm256_set1_epi32(INT32_MIN), id = acc;
    int32_t l[8], best = INT32_MIN;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 8 <= n; i += 8) {
        simde__m256i x = simde_mm256_blendv_epi8(id, LD32(v + i), mask8(vbits(validity, i, 8)));
        acc = simde_mm256_max_epi32(acc, x);
    }
    simde_mm256_storeu_si256((simde__m256i *)(void *)l, acc);
    for (k = 0; k < 8; k++) best = l[k] > best ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && v[i] > best) best = v[i];
    *out = best;
    return true;
}

bool floe_kernel_min_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *out)
{
    simde__m256i acc = simde_mm256_set1_epi64x(INT64_MAX), id = acc;
    int64_t l[4], best = INT64_MAX;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 4 <= n; i += 4) {
        simde__m256i x = simde_mm256_blendv_epi8(id, LD32(v + i), mask4(vbits(validity, i, 4)));
        acc = simde_mm256_blendv_epi8(acc, x, simde_mm256_cmpgt_epi64(acc, x));
    }
    simde_mm256_storeu_si256((simde__m256i *)(void *)l, acc);
    for (k = 0; k < 4; k++) best = l[k] < best ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && v[i] < best) best = v[i];
    *out = best;
    return true;
}

bool floe_kernel_max_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *out)
{
    simde__m256i acc = simde_mm256_set1_epi64x(INT64_MIN), id = acc;
    int64_t l[4], best = INT64_MIN;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 4 <= n; i += 4) {
        simde__m256i x = simde_mm256_blendv_epi8(id, LD32(v + i), mask4(vbits(validity, i, 4)));
        acc = simde_mm256_blendv_epi8(acc, x, simde_mm256_cmpgt_epi64(x, acc));
    }
    simde_mm256_storeu_si256((simde__m256i *)(void *)l, acc);
    for (k = 0; k < 4; k++) best = l[k] > best ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && v[i] > best) best = v[i];
    *out = best;
    return true;
}

bool floe_kernel_min_f64(const double *v, const uint64_t *validity, uint32_t n, double *out)
{
    /* identity NaN (greatest); take x where x < acc in the total order */
    simde__m256d acc = simde_mm256_set1_pd(NAN), id = acc;
    double l[4], best = NAN;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 4 <= n; i += 4) {
        simde__m256d m = simde_mm256_castsi256_pd(mask4(vbits(validity, i, 4)));
        simde__m256d x = simde_mm256_blendv_pd(id, LDPD(v + i), m);
        /* x < acc (total order) = (x < acc) || (!isnan(x) && isnan(acc)) */
        simde__m256d lt = simde_mm256_or_pd(
            simde_mm256_cmp_pd(x, acc, SIMDE_CMP_LT_OQ),
            simde_mm256_and_pd(simde_mm256_cmp_pd(x, x, SIMDE_CMP_ORD_Q),
                               simde_mm256_cmp_pd(acc, acc, SIMDE_CMP_UNORD_Q)));
        acc = simde_mm256_blendv_pd(acc, x, lt);
    }
    simde_mm256_storeu_pd(l, acc);
    for (k = 0; k < 4; k++) best = f_lt(l[k], best) ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && f_lt(v[i], best)) best = v[i];
    *out = best;
    return true;
}

bool floe_kernel_max_f64(const double *v, const uint64_t *validity, uint32_t n, double *out)
{
    /* identity -inf; NaN wins over everything */
    simde__m256d acc = simde_mm256_set1_pd(-INFINITY), id = acc;
    double l[4], best = -INFINITY;
    uint32_t i = 0, k;
    if (floe_kernel_count(validity, n) == 0) return false;
    for (; i + 4 <= n; i += 4) {
        simde__m256d m = simde_mm256_castsi256_pd(mask4(vbits(validity, i, 4)));
        simde__m256d x = simde_mm256_blendv_pd(id, LDPD(v + i), m);
        /* acc < x (total order) = (acc < x) || (!isnan(acc) && isnan(x)) */
        simde__m256d gt = simde_mm256_or_pd(
            simde_mm256_cmp_pd(acc, x, SIMDE_CMP_LT_OQ),
            simde_mm256_and_pd(simde_mm256_cmp_pd(acc, acc, SIMDE_CMP_ORD_Q),
                               simde_mm256_cmp_pd(x, x, SIMDE_CMP_UNORD_Q)));
        acc = simde_mm256_blendv_pd(acc, x, gt);
    }
    simde_mm256_storeu_pd(l, acc);
    for (k = 0; k < 4; k++) best = f_lt(best, l[k]) ? l[k] : best;
    for (; i < n; i++)
        if (valid_at(validity, i) && f_lt(best, v[i])) best = v[i];
    *out = best;
    return true;
}

/* ---------------------------------------------------------------- hashing */

/* Low 64 bits of x * k per lane, from three 32x32->64 products. */
static inline simde__m256i mul64(simde__m256i x, simde__m256i k)
{
    simde__m256i lo = simde_mm256_mul_epu32(x, k);
    simde__m256i c1 = simde_mm256_mul_epu32(simde_mm256_srli_epi64(x, 32), k);
    simde__m256i c2 = simde_mm256_mul_epu32(x, simde_mm256_srli_epi64(k, 32));
    return simde_mm256_add_epi64(lo, simde_mm256_slli_epi64(simde_mm256_add_epi64(c1, c2), 32));
}

static inline simde__m256i fmix64(simde__m256i x)
{
    const simde__m256i k1 = simde_mm256_set1_epi64x((int64_t)0xff51afd7ed558ccdULL);
    const simde__m256i k2 = simde_mm256_set1_epi64x((int64_t)0xc4ceb9fe1a85ec53ULL);
    x = simde_mm256_xor_si256(x, simde_mm256_srli_epi64(x, 33));
    x = mul64(x, k1);
    x = simde_mm256_xor_si256(x, simde_mm256_srli_epi64(x, 33));
    x = mul64(x, k2);
    return simde_mm256_xor_si256(x, simde_mm256_srli_epi64(x, 33));
}

void floe_kernel_hash_i64_scalar(const int64_t *v, uint32_t n, uint64_t *out)
{
    uint32_t i;
    for (i = 0; i < n; i++) out[i] = floe_hash_u64((uint64_t)v[i]);
}

void floe_kernel_hash_i64(const int64_t *v, uint32_t n, uint64_t *out)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4)
        simde_mm256_storeu_si256((simde__m256i *)(void *)(out + i), fmix64(LD32(v + i)));
    for (; i < n; i++) out[i] = floe_hash_u64((uint64_t)v[i]);
}

void floe_kernel_hash_i32_scalar(const int32_t *v, uint32_t n, uint64_t *out)
{
    uint32_t i;
    for (i = 0; i < n; i++) out[i] = floe_hash_u64((uint64_t)(int64_t)v[i]);
}

void floe_kernel_hash_i32(const int32_t *v, uint32_t n, uint64_t *out)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m128i x = simde_mm_loadu_si128((const simde__m128i *)(const void *)(v + i));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(out + i), fmix64(simde_mm256_cvtepi32_epi64(x)));
    }
    for (; i < n; i++) out[i] = floe_hash_u64((uint64_t)(int64_t)v[i]);
}

static inline uint64_t f64_key(double d)
{
    uint64_t u;
    if (d != d) d = NAN;
    if (d == 0) d = 0.0;
    memcpy(&u, &d, 8);
    return u;
}

void floe_kernel_hash_f64_scalar(const double *v, uint32_t n, uint64_t *out)
{
    uint32_t i;
    for (i = 0; i < n; i++) out[i] = floe_hash_u64(f64_key(v[i]));
}

void floe_kernel_hash_f64(const double *v, uint32_t n, uint64_t *out)
{
    const simde__m256d zero = simde_mm256_setzero_pd(), qnan = simde_mm256_set1_pd(NAN);
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m256d x = LDPD(v + i);
        /* -0.0 == 0.0 compares equal: replace by +0.0; NaN lanes by NAN */
        x = simde_mm256_blendv_pd(x, zero, simde_mm256_cmp_pd(x, zero, SIMDE_CMP_EQ_OQ));
        x = simde_mm256_blendv_pd(x, qnan, simde_mm256_cmp_pd(x, x, SIMDE_CMP_UNORD_Q));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(out + i), fmix64(simde_mm256_castpd_si256(x)));
    }
    for (; i < n; i++) out[i] = floe_hash_u64(f64_key(v[i]));
}

void floe_kernel_hash_i64_combine_scalar(const int64_t *v, uint32_t n, uint64_t *io)
{
    uint32_t i;
    for (i = 0; i < n; i++) io[i] = floe_hash_combine(io[i], (uint64_t)v[i]);
}

void floe_kernel_hash_i64_combine(const int64_t *v, uint32_t n, uint64_t *io)
{
    const simde__m256i golden = simde_mm256_set1_epi64x((int64_t)0x9e3779b97f4a7c15ULL);
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        simde__m256i h = LD32(io + i), x = LD32(v + i);
        /* h ^ (v + golden + (h << 6) + (h >> 2)) */
        simde__m256i t = simde_mm256_add_epi64(simde_mm256_add_epi64(x, golden),
                                               simde_mm256_add_epi64(simde_mm256_slli_epi64(h, 6),
                                                                     simde_mm256_srli_epi64(h, 2)));
        simde_mm256_storeu_si256((simde__m256i *)(void *)(io + i),
                                 fmix64(simde_mm256_xor_si256(h, t)));
    }
    for (; i < n; i++) io[i] = floe_hash_combine(io[i], (uint64_t)v[i]);
}

void floe_kernel_hash_str(const floe_string *s, uint32_t n, uint64_t *out)
{
    uint32_t i;
    for (i = 0; i < n; i++) out[i] = floe_hash64(s[i].ptr, s[i].len);
}
