/* engine/kernels.h: SIMD kernels over plain arrays (compare, arithmetic, aggregates, hashing).
 *
 * These are the innermost loops of the engine: the expression evaluator
 * (engine/eval.c) uses the compare and arithmetic kernels, the aggregate and
 * join operators use the sum/min/max/count and hash kernels. Each kernel runs
 * over n values of one array (n may be any size, including 0 and values that
 * are not a multiple of the SIMD width) and is written with simde AVX2
 * intrinsics, which compile to native AVX2 where the build enables it and to
 * portable code elsewhere.
 *
 * Every SIMD kernel has a scalar twin with the same signature and the suffix
 * `_scalar` that computes exactly the same result with a plain C loop; the
 * unit tests compare them on random inputs. Kernels never allocate, never
 * fail except where they return an overflow flag, and are thread-safe (they
 * only touch their arguments).
 *
 * Conventions
 *  - Bitmaps are uint64_t words, bit i of word i/64 stands for row i (like
 *    floe_vec validity). Output bitmaps need FLOE_BITMAP_WORDS(n) words; bits
 *    at positions >= n in the last word are written as zero.
 *  - `validity` NULL means every value is valid.
 *  - Double comparisons use PostgreSQL's total order (as floe_value_cmp):
 *    NaN equals NaN and is greater than every other value, -0.0 == 0.0.
 */
#ifndef FLOE_ENGINE_KERNELS_H
#define FLOE_ENGINE_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "floe.h"

typedef enum floe_kcmp {
    FLOE_KCMP_EQ,
    FLOE_KCMP_NE,
    FLOE_KCMP_LT,
    FLOE_KCMP_LE,
    FLOE_KCMP_GT,
    FLOE_KCMP_GE
} floe_kcmp;

/* The operator that gives the same answer with the operands swapped
 * (a < c  <=>  c > a). */
floe_kcmp floe_kernel_cmp_swap(floe_kcmp op);

/* out bit i = (a[i] op c) / (a[i] op b[i]) for i < n. */
void floe_kernel_cmp_i32_const(const int32_t *a, int32_t c, floe_kcmp op, uint32_t n,
                               uint64_t *out);
void floe_kernel_cmp_i32_const_scalar(const int32_t *a, int32_t c, floe_kcmp op, uint32_t n,
                                      uint64_t *out);
void floe_kernel_cmp_i32_vec(const int32_t *a, const int32_t *b, floe_kcmp op, uint32_t n,
                             uint64_t *out);
void floe_kernel_cmp_i32_vec_scalar(const int32_t *a, const int32_t *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out);
void floe_kernel_cmp_i64_const(const int64_t *a, int64_t c, floe_kcmp op, uint32_t n,
                               uint64_t *out);
void floe_kernel_cmp_i64_const_scalar(const int64_t *a, int64_t c, floe_kcmp op, uint32_t n,
                                      uint64_t *out);
void floe_kernel_cmp_i64_vec(const int64_t *a, const int64_t *b, floe_kcmp op, uint32_t n,
                             uint64_t *out);
void floe_kernel_cmp_i64_vec_scalar(const int64_t *a, const int64_t *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out);
void floe_kernel_cmp_f64_const(const double *a, double c, floe_kcmp op, uint32_t n,
                               uint64_t *out);
void floe_kernel_cmp_f64_const_scalar(const double *a, double c, floe_kcmp op, uint32_t n,
                                      uint64_t *out);
void floe_kernel_cmp_f64_vec(const double *a, const double *b, floe_kcmp op, uint32_t n,
                             uint64_t *out);
void floe_kernel_cmp_f64_vec_scalar(const double *a, const double *b, floe_kcmp op, uint32_t n,
                                    uint64_t *out);

/* Write the indexes of the set bits among rows [0, n) to sel in ascending
 * order; returns how many (sel needs room for n). */
uint32_t floe_kernel_sel_from_bits(const uint64_t *bits, uint32_t n, uint32_t *sel);
uint32_t floe_kernel_sel_from_bits_scalar(const uint64_t *bits, uint32_t n, uint32_t *sel);

/* out[i] = a[i] op b[i] with wrap-around; the result is nonzero when any
 * row i < n overflowed (the caller decides whether that row matters, e.g.
 * it may be NULL). out may alias a or b. */
int floe_kernel_add_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
int floe_kernel_add_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
int floe_kernel_sub_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
int floe_kernel_sub_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
/* AVX2 has no 64-bit multiply: the SIMD version checks four lanes at a time
 * for small operands (|x| < 2^31 multiplies exactly with 32x32->64 products)
 * and falls back per block to __builtin_mul_overflow otherwise. */
int floe_kernel_mul_i64(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
int floe_kernel_mul_i64_scalar(const int64_t *a, const int64_t *b, int64_t *out, uint32_t n);
/* Same with a constant right operand (a[i] op c). */
int floe_kernel_add_i64_const(const int64_t *a, int64_t c, int64_t *out, uint32_t n);
int floe_kernel_add_i64_const_scalar(const int64_t *a, int64_t c, int64_t *out, uint32_t n);
int floe_kernel_sub_i64_const(const int64_t *a, int64_t c, int64_t *out, uint32_t n);
int floe_kernel_sub_i64_const_scalar(const int64_t *a, int64_t c, int64_t *out, uint32_t n);

void floe_kernel_add_f64(const double *a, const double *b, double *out, uint32_t n);
void floe_kernel_add_f64_scalar(const double *a, const double *b, double *out, uint32_t n);
void floe_kernel_sub_f64(const double *a, const double *b, double *out, uint32_t n);
void floe_kernel_sub_f64_scalar(const double *a, const double *b, double *out, uint32_t n);
void floe_kernel_mul_f64(const double *a, const double *b, double *out, uint32_t n);
void floe_kernel_mul_f64_scalar(const double *a, const double *b, double *out, uint32_t n);

/* Aggregates over the valid values among v[0..n).
 * sum_i64: *io_sum += the sum; returns nonzero (leaving *io_sum unchanged)
 * when the exact total does not fit in int64 (intermediate overflow that
 * cancels out is not an error). sum_i32 returns the exact int64 sum. sum_f64
 * adds in four interleaved lanes (row i goes to lane i % 4, lanes summed
 * ((l0 + l1) + (l2 + l3)) at the end), in both twins, so results match bit
 * for bit. */
int floe_kernel_sum_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *io_sum);
int floe_kernel_sum_i64_scalar(const int64_t *v, const uint64_t *validity, uint32_t n,
                               int64_t *io_sum);
int64_t floe_kernel_sum_i32(const int32_t *v, const uint64_t *validity, uint32_t n);
int64_t floe_kernel_sum_i32_scalar(const int32_t *v, const uint64_t *validity, uint32_t n);
double floe_kernel_sum_f64(const double *v, const uint64_t *validity, uint32_t n);
double floe_kernel_sum_f64_scalar(const double *v, const uint64_t *validity, uint32_t n);
/* Number of valid rows among [0, n) (n when validity is NULL). */
uint32_t floe_kernel_count(const uint64_t *validity, uint32_t n);
uint32_t floe_kernel_count_scalar(const uint64_t *validity, uint32_t n);
/* min/max: false when no row is valid (then *out is untouched), else true
 * and *out = the extreme value. Doubles: NaN is the greatest value. */
bool floe_kernel_min_i32(const int32_t *v, const uint64_t *validity, uint32_t n, int32_t *out);
bool floe_kernel_min_i32_scalar(const int32_t *v, const uint64_t *validity, uint32_t n,
                                int32_t *out);
bool floe_kernel_max_i32(const int32_t *v, const uint64_t *validity, uint32_t n, int32_t *out);
bool floe_kernel_max_i32_scalar(const int32_t *v, const uint64_t *validity, uint32_t n,
                                int32_t *out);
bool floe_kernel_min_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *out);
bool floe_kernel_min_i64_scalar(const int64_t *v, const uint64_t *validity, uint32_t n,
                                int64_t *out);
bool floe_kernel_max_i64(const int64_t *v, const uint64_t *validity, uint32_t n, int64_t *out);
bool floe_kernel_max_i64_scalar(const int64_t *v, const uint64_t *validity, uint32_t n,
                                int64_t *out);
bool floe_kernel_min_f64(const double *v, const uint64_t *validity, uint32_t n, double *out);
bool floe_kernel_min_f64_scalar(const double *v, const uint64_t *validity, uint32_t n,
                                double *out);
bool floe_kernel_max_f64(const double *v, const uint64_t *validity, uint32_t n, double *out);
bool floe_kernel_max_f64_scalar(const double *v, const uint64_t *validity, uint32_t n,
                                double *out);

/* Hashes: out[i] = floe_hash_u64((uint64_t)v[i]) (util/hash.h fmix64), and
 * out[i] = floe_hash64(s[i].ptr, s[i].len) (XXH3) for strings. The _combine
 * form mixes into existing hashes: io[i] = floe_hash_combine(io[i],
 * (uint64_t)v[i]), for multi-column keys. */
void floe_kernel_hash_i64(const int64_t *v, uint32_t n, uint64_t *out);
void floe_kernel_hash_i64_scalar(const int64_t *v, uint32_t n, uint64_t *out);
void floe_kernel_hash_i64_combine(const int64_t *v, uint32_t n, uint64_t *io);
void floe_kernel_hash_i64_combine_scalar(const int64_t *v, uint32_t n, uint64_t *io);
/* INTEGER/DATE keys hash like their int64 value (so INTEGER and BIGINT
 * keys that are equal hash equal); doubles hash their bits after mapping
 * -0.0 to 0.0 and every NaN to one NaN (equal values hash equal). */
void floe_kernel_hash_i32(const int32_t *v, uint32_t n, uint64_t *out);
void floe_kernel_hash_i32_scalar(const int32_t *v, uint32_t n, uint64_t *out);
void floe_kernel_hash_f64(const double *v, uint32_t n, uint64_t *out);
void floe_kernel_hash_f64_scalar(const double *v, uint32_t n, uint64_t *out);
/* String hashing is XXH3 per value (already vectorized inside xxHash);
 * there is no separate SIMD loop, so no twin. */
void floe_kernel_hash_str(const floe_string *s, uint32_t n, uint64_t *out);

#endif
