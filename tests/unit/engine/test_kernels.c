/* tests/unit/engine/test_kernels.c: every SIMD kernel against its scalar twin
 * (and the twins against plain loops) on random data with NULLs and edge
 * values (INT64_MIN/MAX, NaN, -0.0, infinities), for every length
 * 0..3*FLOE_VEC_SIZE. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/kernels.h"
#include "util/hash.h"
#include "util/vec.h"

#define NMAX (3 * FLOE_VEC_SIZE)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static int64_t i64v[NMAX], i64w[NMAX];
static int32_t i32v[NMAX], i32w[NMAX];
static double f64v[NMAX], f64w[NMAX];
static uint64_t validity[FLOE_BITMAP_WORDS(NMAX)];

static int64_t edge_i64(void)
{
    static const int64_t e[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1,
                                (int64_t)1 << 31, -((int64_t)1 << 31), ((int64_t)1 << 31) - 1};
    uint64_t r = rnd();
    if (r % 8 == 0) return e[(r >> 8) % (sizeof e / sizeof e[0])];
    if (r % 8 < 4) return (int64_t)(rnd() % 200) - 100; /* many equal values */
    if (r % 8 < 6) return (int64_t)(rnd() % 4000000000ULL) - 2000000000LL;
    return (int64_t)rnd();
}

static double edge_f64(void)
{
    static const double e[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 1e308, -1e308, 5e-324};
    uint64_t r = rnd();
    if (r % 8 == 0) return e[(r >> 8) % (sizeof e / sizeof e[0])];
    if (r % 8 < 5) return (double)((int64_t)(rnd() % 200) - 100) / 4.0;
    return ((double)(int64_t)rnd()) / 1e6;
}

static void fill(void)
{
    uint32_t i;
    for (i = 0; i < NMAX; i++) {
        i64v[i] = edge_i64();
        i64w[i] = edge_i64();
        i32v[i] = (int32_t)edge_i64();
        i32w[i] = (int32_t)edge_i64();
        f64v[i] = edge_f64();
        f64w[i] = edge_f64();
    }
    for (i = 0; i < FLOE_BITMAP_WORDS(NMAX); i++) validity[i] = rnd() | rnd(); /* ~75% valid */
    validity[3] = 0;                                                            /* all NULL word */
    validity[4] = ~0ULL;                                                        /* dense word */
}

/* cr_assert_eq only on mismatch: the per-element asserts in the
 * every-length loops would otherwise dominate the test's runtime. */
#define FAST_EQ(a, b, ...)                                  \
    do {                                                    \
        if ((a) != (b)) cr_assert_eq(a, b, __VA_ARGS__);    \
    } while (0)

static int bit(const uint64_t *b, uint32_t i) { return (b[i >> 6] >> (i & 63)) & 1; }

/* Plain-C reference of the PostgreSQL total order for doubles. */
static int ref_fcmp(double x, double y)
{
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}
static int ref_op(int c, floe_kcmp op)
{
    switch (op) {
    case FLOE_KCMP_EQ: return c == 0;
    case FLOE_KCMP_NE: return c != 0;
    case FLOE_KCMP_LT: return c < 0;
    case FLOE_KCMP_LE: return c <= 0;
    case FLOE_KCMP_GT: return c > 0;
    case FLOE_KCMP_GE: return c >= 0;
    }
    return -1;
}
#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

static uint64_t out1[FLOE_BITMAP_WORDS(NMAX)], out2[FLOE_BITMAP_WORDS(NMAX)];

static void check_bits(uint32_t n, const char *what, int op)
{
    uint32_t w;
    for (w = 0; w < FLOE_BITMAP_WORDS(n); w++)
        FAST_EQ(out1[w], out2[w], "%s op %d n %u word %u", what, op, n, w);
    if (n & 63) cr_assert_eq(out1[n / 64] >> (n & 63), 0, "%s: bits past n", what);
}

Test(kernels, compare_matches_scalar_and_reference_for_every_length)
{
    uint32_t n, i;
    int op;
    fill();
    /* every length, the operator rotating with it (every operator still
     * meets every length modulo 64 and every tail size) */
    for (n = 0; n <= NMAX; n++) {
        op = (int)(n % 6);
        {
            int32_t c32 = i32v[n % 50];
            int64_t c64 = i64v[n % 50];
            double cf = f64v[n % 50];
            floe_kernel_cmp_i32_const(i32v, c32, op, n, out1);
            floe_kernel_cmp_i32_const_scalar(i32v, c32, op, n, out2);
            check_bits(n, "i32 const", op);
            floe_kernel_cmp_i32_vec(i32v, i32w, op, n, out1);
            floe_kernel_cmp_i32_vec_scalar(i32v, i32w, op, n, out2);
            check_bits(n, "i32 vec", op);
            floe_kernel_cmp_i64_const(i64v, c64, op, n, out1);
            floe_kernel_cmp_i64_const_scalar(i64v, c64, op, n, out2);
            check_bits(n, "i64 const", op);
            floe_kernel_cmp_i64_vec(i64v, i64w, op, n, out1);
            floe_kernel_cmp_i64_vec_scalar(i64v, i64w, op, n, out2);
            check_bits(n, "i64 vec", op);
            floe_kernel_cmp_f64_const(f64v, cf, op, n, out1);
            floe_kernel_cmp_f64_const_scalar(f64v, cf, op, n, out2);
            check_bits(n, "f64 const", op);
            floe_kernel_cmp_f64_vec(f64v, f64w, op, n, out1);
            floe_kernel_cmp_f64_vec_scalar(f64v, f64w, op, n, out2);
            check_bits(n, "f64 vec", op);
        }
    }
    for (op = FLOE_KCMP_EQ; op <= FLOE_KCMP_GE; op++) {
        /* reference on the full length */
        n = NMAX;
        floe_kernel_cmp_i64_vec(i64v, i64w, op, n, out1);
        floe_kernel_cmp_f64_vec(f64v, f64w, op, n, out2);
        for (i = 0; i < n; i++) {
            cr_assert_eq(bit(out1, i), ref_op(CMP3(i64v[i], i64w[i]), op));
            cr_assert_eq(bit(out2, i), ref_op(ref_fcmp(f64v[i], f64w[i]), op), "%g %g op %d",
                         f64v[i], f64w[i], op);
        }
        floe_kernel_cmp_i32_vec(i32v, i32w, op, n, out1);
        for (i = 0; i < n; i++) cr_assert_eq(bit(out1, i), ref_op(CMP3(i32v[i], i32w[i]), op));
    }
}

Test(kernels, double_compare_edge_values_follow_total_order)
{
    double a[6] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 1.0};
    uint64_t bits;
    floe_kernel_cmp_f64_const(a, NAN, FLOE_KCMP_EQ, 6, &bits);
    cr_assert_eq(bits, 0x1);
    floe_kernel_cmp_f64_const(a, 0.0, FLOE_KCMP_EQ, 6, &bits);
    cr_assert_eq(bits, 0x6); /* -0.0 == 0.0 */
    floe_kernel_cmp_f64_const(a, INFINITY, FLOE_KCMP_GT, 6, &bits);
    cr_assert_eq(bits, 0x1); /* NaN > inf */
    floe_kernel_cmp_f64_const(a, NAN, FLOE_KCMP_LT, 6, &bits);
    cr_assert_eq(bits, 0x3e);
}

Test(kernels, sel_from_bits_matches_scalar)
{
    static uint32_t s1[NMAX], s2[NMAX];
    uint32_t n, k1, k2, i;
    fill();
    for (n = 0; n <= NMAX; n++) {
        k1 = floe_kernel_sel_from_bits(validity, n, s1);
        k2 = floe_kernel_sel_from_bits_scalar(validity, n, s2);
        cr_assert_eq(k1, k2, "n %u", n);
        cr_assert_eq(k1, floe_kernel_count(validity, n));
        for (i = 0; i < k1; i++) FAST_EQ(s1[i], s2[i], "n %u", n);
    }
}

Test(kernels, integer_arithmetic_detects_overflow_like_builtins)
{
    static int64_t o1[NMAX], o2[NMAX];
    uint32_t n, i;
    fill();
    for (n = 0; n <= NMAX; n++) {
        int64_t c = i64w[n % 64];
        int r1, r2, ref;
        /* reference overflow flags from a plain loop */
#define CHECK(KS, KV, BUILTIN, ARGB)                                      \
        r1 = KS;                                                          \
        r2 = KV;                                                          \
        cr_assert_eq(!!r1, !!r2, #KS " n %u", n);                         \
        ref = 0;                                                          \
        for (i = 0; i < n; i++) {                                         \
            int64_t t;                                                    \
            ref |= BUILTIN(i64v[i], ARGB, &t);                            \
            FAST_EQ(o1[i], t, #KS " row %u", i);                          \
            FAST_EQ(o2[i], t, "row %u", i);                               \
        }                                                                 \
        cr_assert_eq(!!r1, ref);
        CHECK(floe_kernel_add_i64(i64v, i64w, o1, n), floe_kernel_add_i64_scalar(i64v, i64w, o2, n),
              __builtin_add_overflow, i64w[i])
        CHECK(floe_kernel_sub_i64(i64v, i64w, o1, n), floe_kernel_sub_i64_scalar(i64v, i64w, o2, n),
              __builtin_sub_overflow, i64w[i])
        CHECK(floe_kernel_mul_i64(i64v, i64w, o1, n), floe_kernel_mul_i64_scalar(i64v, i64w, o2, n),
              __builtin_mul_overflow, i64w[i])
        CHECK(floe_kernel_add_i64_const(i64v, c, o1, n),
              floe_kernel_add_i64_const_scalar(i64v, c, o2, n), __builtin_add_overflow, c)
        CHECK(floe_kernel_sub_i64_const(i64v, c, o1, n),
              floe_kernel_sub_i64_const_scalar(i64v, c, o2, n), __builtin_sub_overflow, c)
#undef CHECK
    }
    /* small operands never overflow */
    {
        int64_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8}, b[8] = {-1, 2, -3, 4, 1000000, 6, 7, 8}, o[8];
        cr_assert_eq(floe_kernel_mul_i64(a, b, o, 8), 0);
        cr_assert_eq(o[4], 5000000);
        a[0] = INT64_MAX;
        b[0] = 1;
        cr_assert_neq(floe_kernel_add_i64(a, b, o, 8), 0);
    }
}

Test(kernels, double_arithmetic_matches_scalar)
{
    static double o1[NMAX], o2[NMAX];
    uint32_t n = NMAX, i;
    fill();
    floe_kernel_add_f64(f64v, f64w, o1, n);
    floe_kernel_add_f64_scalar(f64v, f64w, o2, n);
    for (i = 0; i < n; i++) cr_assert(memcmp(&o1[i], &o2[i], 8) == 0 || (isnan(o1[i]) && isnan(o2[i])));
    floe_kernel_sub_f64(f64v, f64w, o1, n - 3);
    floe_kernel_sub_f64_scalar(f64v, f64w, o2, n - 3);
    for (i = 0; i < n - 3; i++) cr_assert(memcmp(&o1[i], &o2[i], 8) == 0 || (isnan(o1[i]) && isnan(o2[i])));
    floe_kernel_mul_f64(f64v, f64w, o1, n - 1);
    floe_kernel_mul_f64_scalar(f64v, f64w, o2, n - 1);
    for (i = 0; i < n - 1; i++) {
        cr_assert(memcmp(&o1[i], &o2[i], 8) == 0 || (isnan(o1[i]) && isnan(o2[i])));
        cr_assert(o2[i] == f64v[i] * f64w[i] || isnan(o2[i]));
    }
}

Test(kernels, aggregates_match_scalar_and_reference)
{
    uint32_t n, i;
    fill();
    for (n = 0; n <= NMAX; n++) {
        int64_t s1 = 5, s2 = 5, mn1 = 0, mn2 = 0;
        int32_t m32a = 0, m32b = 0;
        double d1, d2;
        int r1, r2;
        __int128 ref = 5;
        int64_t ref32 = 0;
        uint32_t cnt = 0;
        /* int64 sum over small values (no overflow) and over edge values */
        for (i = 0; i < n; i++) {
            if (!bit(validity, i)) continue;
            ref += i64v[i];
            ref32 += i32v[i];
            cnt++;
        }
        r1 = floe_kernel_sum_i64(i64v, validity, n, &s1);
        r2 = floe_kernel_sum_i64_scalar(i64v, validity, n, &s2);
        cr_assert_eq(r1, r2, "n %u", n);
        cr_assert_eq(r1, ref > INT64_MAX || ref < INT64_MIN);
        if (!r1) {
            cr_assert_eq(s1, (int64_t)ref);
            cr_assert_eq(s2, (int64_t)ref);
        }
        cr_assert_eq(floe_kernel_sum_i32(i32v, validity, n), ref32);
        cr_assert_eq(floe_kernel_sum_i32_scalar(i32v, validity, n), ref32);
        cr_assert_eq(floe_kernel_sum_i32(i32v, NULL, n), floe_kernel_sum_i32_scalar(i32v, NULL, n));
        cr_assert_eq(floe_kernel_count(validity, n), cnt);
        cr_assert_eq(floe_kernel_count_scalar(validity, n), cnt);
        cr_assert_eq(floe_kernel_count(NULL, n), n);
        d1 = floe_kernel_sum_f64(f64v, validity, n);
        d2 = floe_kernel_sum_f64_scalar(f64v, validity, n);
        cr_assert(memcmp(&d1, &d2, 8) == 0 || (isnan(d1) && isnan(d2)), "n %u %g %g", n, d1, d2);
        /* min/max */
        cr_assert_eq(floe_kernel_min_i64(i64v, validity, n, &mn1),
                     floe_kernel_min_i64_scalar(i64v, validity, n, &mn2));
        cr_assert_eq(mn1, mn2);
        cr_assert_eq(floe_kernel_max_i64(i64v, validity, n, &mn1),
                     floe_kernel_max_i64_scalar(i64v, validity, n, &mn2));
        cr_assert_eq(mn1, mn2);
        cr_assert_eq(floe_kernel_min_i32(i32v, validity, n, &m32a),
                     floe_kernel_min_i32_scalar(i32v, validity, n, &m32b));
        cr_assert_eq(m32a, m32b);
        cr_assert_eq(floe_kernel_max_i32(i32v, validity, n, &m32a),
                     floe_kernel_max_i32_scalar(i32v, validity, n, &m32b));
        cr_assert_eq(m32a, m32b);
        d1 = d2 = 0;
        cr_assert_eq(floe_kernel_min_f64(f64v, validity, n, &d1),
                     floe_kernel_min_f64_scalar(f64v, validity, n, &d2));
        cr_assert(d1 == d2 || (isnan(d1) && isnan(d2)), "min n %u %g %g", n, d1, d2);
        cr_assert_eq(floe_kernel_max_f64(f64v, validity, n, &d1),
                     floe_kernel_max_f64_scalar(f64v, validity, n, &d2));
        cr_assert(d1 == d2 || (isnan(d1) && isnan(d2)), "max n %u %g %g", n, d1, d2);
    }
}

Test(kernels, aggregate_edge_cases)
{
    int64_t v[5] = {INT64_MAX, 1, -1, INT64_MIN, 7}, s = 0;
    uint64_t allnull = 0, only01 = 0x3;
    double d[5] = {1.0, NAN, -0.0, -INFINITY, 2.0}, out = 0;
    int64_t m = 42;
    /* intermediate overflow that cancels is fine: MAX + 1 - 1 + MIN + 7 */
    cr_assert_eq(floe_kernel_sum_i64(v, NULL, 5, &s), 0);
    cr_assert_eq(s, INT64_MAX + INT64_MIN + 7);
    s = 0;
    cr_assert_neq(floe_kernel_sum_i64(v, &only01, 5, &s), 0); /* MAX + 1 */
    cr_assert_eq(s, 0);
    cr_assert_eq(floe_kernel_min_i64(v, &allnull, 5, &m), false);
    cr_assert_eq(m, 42);
    cr_assert(floe_kernel_max_f64(d, NULL, 5, &out));
    cr_assert(isnan(out));
    cr_assert(floe_kernel_min_f64(d, NULL, 5, &out));
    cr_assert(out == -INFINITY);
    cr_assert(floe_kernel_min_f64(d + 1, NULL, 1, &out));
    cr_assert(isnan(out));
}

Test(kernels, hashes_match_util_hash)
{
    static uint64_t h1[NMAX], h2[NMAX];
    floe_string s[3] = {{"abc", 3}, {"", 0}, {"héllo", 6}};
    uint32_t n, i;
    fill();
    for (n = 0; n <= NMAX; n++) {
        floe_kernel_hash_i64(i64v, n, h1);
        floe_kernel_hash_i64_scalar(i64v, n, h2);
        for (i = 0; i < n; i++) {
            FAST_EQ(h1[i], h2[i], "row %u", i);
            FAST_EQ(h1[i], floe_hash_u64((uint64_t)i64v[i]), "row %u", i);
        }
        for (i = 0; i < n; i++) h1[i] = h2[i] = (uint64_t)i * 31;
        floe_kernel_hash_i64_combine(i64v, n, h1);
        floe_kernel_hash_i64_combine_scalar(i64v, n, h2);
        for (i = 0; i < n; i++) {
            FAST_EQ(h1[i], h2[i], "row %u", i);
            FAST_EQ(h1[i], floe_hash_combine((uint64_t)i * 31, (uint64_t)i64v[i]), "row %u", i);
        }
    }
    for (n = 0; n <= NMAX; n++) {
        static uint64_t h3[NMAX], h4[NMAX];
        floe_kernel_hash_i32(i32v, n, h3);
        floe_kernel_hash_i32_scalar(i32v, n, h4);
        floe_kernel_hash_f64(f64v, n, h1);
        floe_kernel_hash_f64_scalar(f64v, n, h2);
        for (i = 0; i < n; i++) {
            FAST_EQ(h3[i], h4[i], "i32 row %u", i);
            FAST_EQ(h1[i], h2[i], "f64 row %u", i);
        }
    }
    /* equal keys hash equal across widths and double spellings */
    {
        int32_t k32[2] = {-5, 7};
        int64_t k64[2] = {-5, 7};
        double d[4] = {0.0, -0.0, NAN, -NAN};
        floe_kernel_hash_i32(k32, 2, h1);
        floe_kernel_hash_i64(k64, 2, h2);
        cr_assert(h1[0] == h2[0] && h1[1] == h2[1]);
        floe_kernel_hash_f64(d, 4, h1);
        cr_assert_eq(h1[0], h1[1]);
        cr_assert_eq(h1[2], h1[3]);
        cr_assert_neq(h1[0], h1[2]);
    }
    floe_kernel_hash_str(s, 3, h1);
    for (i = 0; i < 3; i++) cr_assert_eq(h1[i], floe_hash64(s[i].ptr, s[i].len));
}
