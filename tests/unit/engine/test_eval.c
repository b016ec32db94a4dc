/* tests/unit/engine/test_eval.c: expression evaluation core: arithmetic,
 * comparisons, three-valued logic, CASE/COALESCE laziness, IN, filters,
 * constants, subqueries and EXPLAIN text, all checked against plain C. */
#include <math.h>

#include "engine/eval_internal.h"
#include "util/strbuf.h"
#include "evaltest.h"

#define N 1000

TestSuite(eval, .init = t_setup, .fini = t_teardown);

static int32_t a32[N], b32[N];
static int64_t a64[N], b64[N];
static uint64_t va[FLOE_BITMAP_WORDS(N)], vb[FLOE_BITMAP_WORDS(N)];

static void fill_ints(int range)
{
    uint32_t i;
    for (i = 0; i < N; i++) {
        a32[i] = (int32_t)(t_rand() % (2 * range + 1)) - range;
        b32[i] = (int32_t)(t_rand() % (2 * range + 1)) - range;
        if (b32[i] == 0) b32[i] = 3;
        a64[i] = a32[i] * 1000003LL;
        b64[i] = b32[i];
    }
    for (i = 0; i < FLOE_BITMAP_WORDS(N); i++) {
        va[i] = t_rand() | t_rand();
        vb[i] = t_rand() | t_rand() | t_rand();
    }
}

Test(eval, integer_arithmetic_matches_c_with_nulls)
{
    static const floe_fn fns[] = {FLOE_FN_ADD, FLOE_FN_SUB, FLOE_FN_MUL, FLOE_FN_DIV, FLOE_FN_MOD};
    floe_batch b;
    size_t f;
    uint32_t i;
    fill_ints(40000);
    t_batch(&b, 4, N);
    t_col(&b, 0, T(FLOE_TYPE_INTEGER), a32, va);
    t_col(&b, 1, T(FLOE_TYPE_INTEGER), b32, vb);
    t_col(&b, 2, T(FLOE_TYPE_BIGINT), a64, va);
    t_col(&b, 3, T(FLOE_TYPE_BIGINT), b64, vb);
    for (f = 0; f < sizeof fns / sizeof fns[0]; f++) {
        floe_vec o32, o64, oc;
        floe_fn fn = fns[f];
        t_eval(call(fn, T(FLOE_TYPE_INTEGER), 2, col(0, T(FLOE_TYPE_INTEGER)), col(1, T(FLOE_TYPE_INTEGER))), &b, &o32);
        t_eval(call(fn, T(FLOE_TYPE_BIGINT), 2, col(2, T(FLOE_TYPE_BIGINT)), col(3, T(FLOE_TYPE_BIGINT))), &b, &o64);
        t_eval(call(fn, T(FLOE_TYPE_BIGINT), 2, col(2, T(FLOE_TYPE_BIGINT)), ci64(7)), &b, &oc);
        for (i = 0; i < N; i++) {
            bool valid = t_bit(va, i) && t_bit(vb, i);
            int64_t x = a32[i], y = b32[i], X = a64[i], Y = b64[i], r32, r64, rc;
            switch (fn) {
            case FLOE_FN_ADD: r32 = x + y; r64 = X + Y; rc = X + 7; break;
            case FLOE_FN_SUB: r32 = x - y; r64 = X - Y; rc = X - 7; break;
            case FLOE_FN_MUL: r32 = x * y; r64 = X * Y; rc = X * 7; break;
            case FLOE_FN_DIV: r32 = x / y; r64 = X / Y; rc = X / 7; break;
            default: r32 = x % y; r64 = X % Y; rc = X % 7; break;
            }
            cr_assert_eq(t_valid(&o32, i), valid, "fn %d row %u", fn, i);
            cr_assert_eq(t_valid(&o64, i), valid);
            cr_assert_eq(t_valid(&oc, i), t_bit(va, i));
            if (valid) {
                cr_assert_eq(VAL(&o32, int32_t, i), r32, "fn %d row %u: %lld vs %lld", fn, i,
                             (long long)VAL(&o32, int32_t, i), (long long)r32);
                cr_assert_eq(VAL(&o64, int64_t, i), r64);
            }
            if (t_bit(va, i)) cr_assert_eq(VAL(&oc, int64_t, i), rc);
        }
        floe_vec_free(&o32);
        floe_vec_free(&o64);
        floe_vec_free(&oc);
    }
    floe_batch_free(&b);
}

Test(eval, division_truncates_and_mod_takes_dividend_sign)
{
    floe_value v;
    v = t_const(call(FLOE_FN_DIV, T(FLOE_TYPE_INTEGER), 2, ci32(-7), ci32(2)));
    cr_assert_eq(v.v.i, -3);
    v = t_const(call(FLOE_FN_MOD, T(FLOE_TYPE_INTEGER), 2, ci32(-7), ci32(2)));
    cr_assert_eq(v.v.i, -1);
    v = t_const(call(FLOE_FN_MOD, T(FLOE_TYPE_INTEGER), 2, ci32(7), ci32(-2)));
    cr_assert_eq(v.v.i, 1);
    v = t_const(call(FLOE_FN_MOD, T(FLOE_TYPE_BIGINT), 2, ci64(INT64_MIN), ci64(-1)));
    cr_assert_eq(v.v.i, 0);
    v = t_const(call(FLOE_FN_DIV, T(FLOE_TYPE_DOUBLE), 2, cf64(1), cf64(4)));
    cr_assert_eq(v.v.d, 0.25);
}

Test(eval, overflow_and_division_by_zero_are_errors_only_on_live_valid_rows)
{
    int32_t x[4] = {2147483647, 5, 1, 2147483647};
    int32_t y[4] = {1, 0, 2, 1};
    uint64_t valid = 0x7; /* row 3 NULL */
    floe_batch b;
    floe_expr *add = call(FLOE_FN_ADD, T(FLOE_TYPE_INTEGER), 2, col(0, T(FLOE_TYPE_INTEGER)), col(1, T(FLOE_TYPE_INTEGER)));
    floe_expr *div = call(FLOE_FN_DIV, T(FLOE_TYPE_INTEGER), 2, col(0, T(FLOE_TYPE_INTEGER)), col(1, T(FLOE_TYPE_INTEGER)));
    floe_vec out;
    uint32_t s[2] = {2, 3};
    t_batch(&b, 2, 4);
    t_col(&b, 0, T(FLOE_TYPE_INTEGER), x, &valid);
    t_col(&b, 1, T(FLOE_TYPE_INTEGER), y, NULL);
    t_expect_err(add, &b, FLOE_RANGE, "integer overflow in +: 2147483647 + 1 (INTEGER)");
    t_expect_err(div, &b, FLOE_RANGE, "division by zero");
    /* only rows 2 and 3 live: row 3 overflows but is NULL */
    t_sel(&b, s, 2);
    t_eval(add, &b, &out);
    cr_assert_eq(VAL(&out, int32_t, 2), 3);
    cr_assert(!t_valid(&out, 3));
    floe_vec_free(&out);
    t_eval(div, &b, &out);
    cr_assert_eq(VAL(&out, int32_t, 2), 0);
    floe_vec_free(&out);
    floe_batch_free(&b);
    /* BIGINT and NEG / ABS overflow */
    t_batch(&b, 0, 1);
    t_expect_err(call(FLOE_FN_MUL, T(FLOE_TYPE_BIGINT), 2, ci64(INT64_MAX / 2 + 1), ci64(2)), &b,
                 FLOE_RANGE, "integer overflow in *: 4611686018427387904 * 2 (BIGINT)");
    t_expect_err(call(FLOE_FN_NEG, T(FLOE_TYPE_INTEGER), 1, ci32(INT32_MIN)), &b, FLOE_RANGE,
                 "integer overflow in -");
    t_expect_err(call(FLOE_FN_ABS, T(FLOE_TYPE_BIGINT), 1, ci64(INT64_MIN)), &b, FLOE_RANGE,
                 "integer overflow in abs");
    t_expect_err(call(FLOE_FN_DIV, T(FLOE_TYPE_INTEGER), 2, ci32(INT32_MIN), ci32(-1)), &b,
                 FLOE_RANGE, "integer overflow in /");
    t_expect_err(call(FLOE_FN_DIV, T(FLOE_TYPE_DOUBLE), 2, cf64(1), cf64(0)), &b, FLOE_RANGE,
                 "division by zero");
    t_expect_err(call(FLOE_FN_MOD, T(FLOE_TYPE_BIGINT), 2, ci64(1), ci64(0)), &b, FLOE_RANGE,
                 "division by zero");
    floe_batch_free(&b);
}

Test(eval, bigint_simd_path_overflow_with_contiguous_rows)
{
    static int64_t x[300], y[300];
    uint64_t valid[5];
    floe_batch b;
    floe_vec out;
    uint32_t i;
    floe_expr *add = call(FLOE_FN_ADD, T(FLOE_TYPE_BIGINT), 2, col(0, T(FLOE_TYPE_BIGINT)), col(1, T(FLOE_TYPE_BIGINT)));
    for (i = 0; i < 300; i++) {
        x[i] = i;
        y[i] = 2 * i;
    }
    memset(valid, 0xff, sizeof valid);
    x[123] = INT64_MAX;
    valid[123 / 64] &= ~(1ULL << (123 % 64)); /* overflowing row is NULL */
    t_batch(&b, 2, 300);
    t_col(&b, 0, T(FLOE_TYPE_BIGINT), x, valid);
    t_col(&b, 1, T(FLOE_TYPE_BIGINT), y, NULL);
    t_eval(add, &b, &out);
    for (i = 0; i < 300; i++)
        if (i != 123) cr_assert_eq(VAL(&out, int64_t, i), 3 * (int64_t)i);
    cr_assert(!t_valid(&out, 123));
    floe_vec_free(&out);
    valid[123 / 64] |= 1ULL << (123 % 64);
    t_expect_err(add, &b, FLOE_RANGE, "integer overflow in +: 9223372036854775807 + 246 (BIGINT)");
    floe_batch_free(&b);
}

Test(eval, decimal_and_double_arithmetic)
{
    floe_value v;
    floe_type d2 = floe_type_decimal(12, 2), d4 = floe_type_decimal(18, 4);
    /* 12.34 + 0.66 = 13.00 */
    v = t_const(call(FLOE_FN_ADD, d2, 2, cval(d2, 1234), cval(d2, 66)));
    cr_assert_eq(v.v.i, 1300);
    /* 12.34 * 0.50 = 6.1700 (scale 4) */
    v = t_const(call(FLOE_FN_MUL, d4, 2, cval(d2, 1234), cval(d2, 50)));
    cr_assert_eq(v.v.i, 61700);
    /* 10.00 / 3.00 at scale 4 = 3.3333; 20.00 / 3.00 = 6.6667 (rounded) */
    v = t_const(call(FLOE_FN_DIV, d4, 2, cval(d2, 1000), cval(d2, 300)));
    cr_assert_eq(v.v.i, 33333);
    v = t_const(call(FLOE_FN_DIV, d4, 2, cval(d2, 2000), cval(d2, 300)));
    cr_assert_eq(v.v.i, 66667);
    v = t_const(call(FLOE_FN_SUB, T(FLOE_TYPE_DOUBLE), 2, cf64(1.5), cf64(0.25)));
    cr_assert_eq(v.v.d, 1.25);
    v = t_const(call(FLOE_FN_NEG, d2, 1, cval(d2, 1234)));
    cr_assert_eq(v.v.i, -1234);
}

Test(eval, math_functions)
{
    floe_value v;
    floe_batch b;
    floe_type d2 = floe_type_decimal(12, 2);
    v = t_const(call(FLOE_FN_SQRT, T(FLOE_TYPE_DOUBLE), 1, cf64(16)));
    cr_assert_eq(v.v.d, 4);
    v = t_const(call(FLOE_FN_POWER, T(FLOE_TYPE_DOUBLE), 2, cf64(2), cf64(10)));
    cr_assert_eq(v.v.d, 1024);
    v = t_const(call(FLOE_FN_LN, T(FLOE_TYPE_DOUBLE), 1, cf64(1)));
    cr_assert_eq(v.v.d, 0);
    v = t_const(call(FLOE_FN_LOG10, T(FLOE_TYPE_DOUBLE), 1, cf64(1000)));
    cr_assert_float_eq(v.v.d, 3, 1e-12);
    v = t_const(call(FLOE_FN_EXP, T(FLOE_TYPE_DOUBLE), 1, cf64(0)));
    cr_assert_eq(v.v.d, 1);
    v = t_const(call(FLOE_FN_ROUND, T(FLOE_TYPE_DOUBLE), 1, cf64(2.5)));
    cr_assert_eq(v.v.d, 3);
    v = t_const(call(FLOE_FN_ROUND, T(FLOE_TYPE_DOUBLE), 1, cf64(-2.5)));
    cr_assert_eq(v.v.d, -3);
    v = t_const(call(FLOE_FN_ROUND, T(FLOE_TYPE_DOUBLE), 2, cf64(3.14159), ci32(2)));
    cr_assert_float_eq(v.v.d, 3.14, 1e-12);
    v = t_const(call(FLOE_FN_ROUND, d2, 2, cval(d2, 1235), ci32(1))); /* 12.35 -> 12.40 */
    cr_assert_eq(v.v.i, 1240);
    v = t_const(call(FLOE_FN_ROUND, d2, 2, cval(d2, -1235), ci32(1)));
    cr_assert_eq(v.v.i, -1240);
    v = t_const(call(FLOE_FN_ROUND, T(FLOE_TYPE_INTEGER), 2, ci32(1250), ci32(-2)));
    cr_assert_eq(v.v.i, 1300);
    v = t_const(call(FLOE_FN_FLOOR, d2, 1, cval(d2, -1201)));
    cr_assert_eq(v.v.i, -1300);
    v = t_const(call(FLOE_FN_CEIL, d2, 1, cval(d2, 1201)));
    cr_assert_eq(v.v.i, 1300);
    v = t_const(call(FLOE_FN_FLOOR, T(FLOE_TYPE_DOUBLE), 1, cf64(-1.5)));
    cr_assert_eq(v.v.d, -2);
    v = t_const(call(FLOE_FN_ABS, T(FLOE_TYPE_INTEGER), 1, ci32(-5)));
    cr_assert_eq(v.v.i, 5);
    v = t_const(call(FLOE_FN_GREATEST, T(FLOE_TYPE_INTEGER), 3, ci32(3), cnull(T(FLOE_TYPE_INTEGER)), ci32(9)));
    cr_assert_eq(v.v.i, 9);
    v = t_const(call(FLOE_FN_LEAST, T(FLOE_TYPE_VARCHAR), 2, cstr("pear"), cstr("apple")));
    cr_assert_eq(v.v.s.len, 5);
    cr_assert(memcmp(v.v.s.ptr, "apple", 5) == 0);
    v = t_const(call(FLOE_FN_LEAST, T(FLOE_TYPE_INTEGER), 2, cnull(T(FLOE_TYPE_INTEGER)), cnull(T(FLOE_TYPE_INTEGER))));
    cr_assert(v.is_null);
    t_batch(&b, 0, 1);
    t_expect_err(call(FLOE_FN_SQRT, T(FLOE_TYPE_DOUBLE), 1, cf64(-1)), &b, FLOE_RANGE, "square root of a negative");
    t_expect_err(call(FLOE_FN_LN, T(FLOE_TYPE_DOUBLE), 1, cf64(0)), &b, FLOE_RANGE, "logarithm of zero");
    t_expect_err(call(FLOE_FN_POWER, T(FLOE_TYPE_DOUBLE), 2, cf64(0), cf64(-1)), &b, FLOE_RANGE, "zero raised");
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ comparisons */

static int ref_cmp_op(floe_fn fn, int c)
{
    switch (fn) {
    case FLOE_FN_EQ: return c == 0;
    case FLOE_FN_NE: return c != 0;
    case FLOE_FN_LT: return c < 0;
    case FLOE_FN_LE: return c <= 0;
    case FLOE_FN_GT: return c > 0;
    default: return c >= 0;
    }
}

Test(eval, comparisons_on_every_type_with_nulls_and_constants)
{
    static uint8_t bo[N], bo2[N];
    static double d1[N], d2[N];
    static floe_string s1[N], s2[N];
    static floe_interval i1[N], i2[N];
    static const char *words[] = {"", "a", "ab", "abc", "b", "é", "zz", "ab\0", "Ab"};
    floe_type types[] = {T(FLOE_TYPE_INTEGER), T(FLOE_TYPE_BIGINT), T(FLOE_TYPE_DOUBLE),
                         T(FLOE_TYPE_VARCHAR), T(FLOE_TYPE_DATE), T(FLOE_TYPE_TIMESTAMP),
                         T(FLOE_TYPE_BOOLEAN), floe_type_decimal(10, 2), T(FLOE_TYPE_INTERVAL)};
    floe_batch b;
    uint32_t i, t;
    int fn;
    fill_ints(5);
    for (i = 0; i < N; i++) {
        static const double dv[] = {NAN, -0.0, 0.0, 1.5, -1.5, INFINITY};
        bo[i] = t_rand() & 1;
        bo2[i] = t_rand() & 1;
        d1[i] = dv[t_rand() % 6];
        d2[i] = dv[t_rand() % 6];
        s1[i].ptr = words[t_rand() % 9];
        s1[i].len = (uint32_t)strlen(s1[i].ptr) + (s1[i].ptr == words[7]);
        s2[i].ptr = words[t_rand() % 9];
        s2[i].len = (uint32_t)strlen(s2[i].ptr) + (s2[i].ptr == words[7]);
        i1[i].months = (int32_t)(t_rand() % 3);
        i1[i].days = (int32_t)(t_rand() % 61);
        i1[i].micros = 0;
        i2[i].months = (int32_t)(t_rand() % 3);
        i2[i].days = (int32_t)(t_rand() % 61);
        i2[i].micros = 0;
    }
    for (t = 0; t < sizeof types / sizeof types[0]; t++) {
        void *x, *y;
        switch (types[t].id) {
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_DATE: x = a32; y = b32; break;
        case FLOE_TYPE_DOUBLE: x = d1; y = d2; break;
        case FLOE_TYPE_VARCHAR: x = s1; y = s2; break;
        case FLOE_TYPE_BOOLEAN: x = bo; y = bo2; break;
        case FLOE_TYPE_INTERVAL: x = i1; y = i2; break;
        default: x = a64; y = b64; break;
        }
        t_batch(&b, 2, N);
        t_col(&b, 0, types[t], x, va);
        t_col(&b, 1, types[t], y, vb);
        for (fn = FLOE_FN_EQ; fn <= FLOE_FN_GE; fn++) {
            floe_vec o, oc, ocl;
            floe_expr *k = col(1, types[t]);
            floe_value kv;
            floe_value_load(types[t], y, 17, &kv);
            k = mk(FLOE_EXPR_CONST, types[t]);
            k->value = kv;
            t_eval(call(fn, T(FLOE_TYPE_BOOLEAN), 2, col(0, types[t]), col(1, types[t])), &b, &o);
            t_eval(call(fn, T(FLOE_TYPE_BOOLEAN), 2, col(0, types[t]), k), &b, &oc);
            t_eval(call(fn, T(FLOE_TYPE_BOOLEAN), 2, k, col(0, types[t])), &b, &ocl);
            for (i = 0; i < N; i++) {
                floe_value p, q;
                int c, cc;
                floe_value_load(types[t], x, i, &p);
                floe_value_load(types[t], y, i, &q);
                /* reference: plain comparisons per type */
                switch (types[t].id) {
                case FLOE_TYPE_DOUBLE:
                    c = (isnan(p.v.d) || isnan(q.v.d)) ? isnan(p.v.d) - isnan(q.v.d)
                                                       : (p.v.d > q.v.d) - (p.v.d < q.v.d);
                    cc = (isnan(p.v.d) || isnan(kv.v.d)) ? isnan(p.v.d) - isnan(kv.v.d)
                                                         : (p.v.d > kv.v.d) - (p.v.d < kv.v.d);
                    break;
                case FLOE_TYPE_VARCHAR: {
                    uint32_t m = p.v.s.len < q.v.s.len ? p.v.s.len : q.v.s.len, j;
                    c = 0;
                    for (j = 0; j < m && c == 0; j++)
                        c = ((unsigned char)p.v.s.ptr[j] > (unsigned char)q.v.s.ptr[j]) -
                            ((unsigned char)p.v.s.ptr[j] < (unsigned char)q.v.s.ptr[j]);
                    if (c == 0) c = (p.v.s.len > q.v.s.len) - (p.v.s.len < q.v.s.len);
                    m = p.v.s.len < kv.v.s.len ? p.v.s.len : kv.v.s.len;
                    cc = 0;
                    for (j = 0; j < m && cc == 0; j++)
                        cc = ((unsigned char)p.v.s.ptr[j] > (unsigned char)kv.v.s.ptr[j]) -
                             ((unsigned char)p.v.s.ptr[j] < (unsigned char)kv.v.s.ptr[j]);
                    if (cc == 0) cc = (p.v.s.len > kv.v.s.len) - (p.v.s.len < kv.v.s.len);
                    break;
                }
                case FLOE_TYPE_INTERVAL: {
                    int64_t pa = (p.v.iv.months * 30LL + p.v.iv.days), qa = (q.v.iv.months * 30LL + q.v.iv.days),
                            ka = (kv.v.iv.months * 30LL + kv.v.iv.days);
                    c = (pa > qa) - (pa < qa);
                    cc = (pa > ka) - (pa < ka);
                    break;
                }
                default:
                    c = (p.v.i > q.v.i) - (p.v.i < q.v.i);
                    cc = (p.v.i > kv.v.i) - (p.v.i < kv.v.i);
                }
                cr_assert_eq(t_valid(&o, i), t_bit(va, i) && t_bit(vb, i), "type %u row %u", t, i);
                if (t_valid(&o, i))
                    cr_assert_eq(VAL(&o, uint8_t, i), ref_cmp_op(fn, c), "type %u fn %d row %u", t, fn, i);
                cr_assert_eq(t_valid(&oc, i), t_bit(va, i));
                if (t_valid(&oc, i)) {
                    cr_assert_eq(VAL(&oc, uint8_t, i), ref_cmp_op(fn, cc), "const type %u fn %d row %u", t, fn, i);
                    cr_assert_eq(VAL(&ocl, uint8_t, i), ref_cmp_op(fn, -cc));
                }
            }
            floe_vec_free(&o);
            floe_vec_free(&oc);
            floe_vec_free(&ocl);
        }
        floe_batch_free(&b);
    }
}

Test(eval, comparison_with_null_constant_is_null_constant)
{
    floe_batch b;
    floe_vec o;
    t_batch(&b, 1, 3);
    t_col(&b, 0, T(FLOE_TYPE_INTEGER), a32, NULL);
    t_eval(call(FLOE_FN_EQ, T(FLOE_TYPE_BOOLEAN), 2, col(0, T(FLOE_TYPE_INTEGER)), cnull(T(FLOE_TYPE_INTEGER))), &b, &o);
    cr_assert(o.flags & FLOE_VEC_CONST);
    cr_assert(!t_valid(&o, 0) && !t_valid(&o, 2));
    floe_vec_free(&o);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ 3VL */

/* 9 rows: all (x, y) pairs over {TRUE, FALSE, NULL} */
static uint8_t tx[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0}, ty[9] = {1, 0, 0, 1, 0, 0, 1, 0, 0};
static uint64_t vx = 0x3f, vy = 0xdb; /* x NULL for rows 6-8, y NULL for rows 2,5,8 */

static int tv(uint8_t v, bool valid) { return valid ? v : -1; }

Test(eval, three_valued_and_or_not_truth_tables)
{
    floe_batch b;
    floe_vec oa, oo, on;
    uint32_t i;
    floe_type bt = T(FLOE_TYPE_BOOLEAN);
    t_batch(&b, 2, 9);
    t_col(&b, 0, bt, tx, &vx);
    t_col(&b, 1, bt, ty, &vy);
    t_eval(node(FLOE_EXPR_AND, bt, 2, col(0, bt), col(1, bt)), &b, &oa);
    t_eval(node(FLOE_EXPR_OR, bt, 2, col(0, bt), col(1, bt)), &b, &oo);
    t_eval(node(FLOE_EXPR_NOT, bt, 1, col(0, bt)), &b, &on);
    for (i = 0; i < 9; i++) {
        int x = tv(tx[i], t_bit(&vx, i)), y = tv(ty[i], t_bit(&vy, i));
        /* Kleene logic: FALSE dominates AND, TRUE dominates OR */
        int and_ = (x == 0 || y == 0) ? 0 : (x == -1 || y == -1) ? -1 : 1;
        int or_ = (x == 1 || y == 1) ? 1 : (x == -1 || y == -1) ? -1 : 0;
        int not_ = x == -1 ? -1 : !x;
        cr_assert_eq(tv(VAL(&oa, uint8_t, i), t_valid(&oa, i)), and_, "AND row %u", i);
        cr_assert_eq(tv(VAL(&oo, uint8_t, i), t_valid(&oo, i)), or_, "OR row %u", i);
        cr_assert_eq(tv(VAL(&on, uint8_t, i), t_valid(&on, i)), not_, "NOT row %u", i);
    }
    floe_vec_free(&oa);
    floe_vec_free(&oo);
    floe_vec_free(&on);
    floe_batch_free(&b);
}

Test(eval, and_short_circuits_rows_already_false)
{
    /* x <> 0 AND 10 / x > 1: the division never sees x = 0 */
    int32_t x[4] = {0, 5, 20, 0};
    floe_batch b;
    floe_vec o;
    floe_type it = T(FLOE_TYPE_INTEGER), bt = T(FLOE_TYPE_BOOLEAN);
    floe_expr *e = node(FLOE_EXPR_AND, bt, 2, call(FLOE_FN_NE, bt, 2, col(0, it), ci32(0)),
                        call(FLOE_FN_GT, bt, 2, call(FLOE_FN_DIV, it, 2, ci32(10), col(0, it)), ci32(1)));
    t_batch(&b, 1, 4);
    t_col(&b, 0, it, x, NULL);
    t_eval(e, &b, &o);
    cr_assert_eq(VAL(&o, uint8_t, 0), 0);
    cr_assert_eq(VAL(&o, uint8_t, 1), 1);
    cr_assert_eq(VAL(&o, uint8_t, 2), 0);
    cr_assert_eq(VAL(&o, uint8_t, 3), 0);
    floe_vec_free(&o);
    floe_batch_free(&b);
}

Test(eval, is_null_and_is_not_null)
{
    floe_batch b;
    floe_vec o, o2;
    uint32_t i;
    floe_type bt = T(FLOE_TYPE_BOOLEAN);
    floe_expr *isn = node(FLOE_EXPR_IS_NULL, bt, 1, col(0, bt));
    floe_expr *isnn = node(FLOE_EXPR_IS_NULL, bt, 1, col(0, bt));
    isnn->negated = true;
    t_batch(&b, 1, 9);
    t_col(&b, 0, bt, tx, &vx);
    t_eval(isn, &b, &o);
    t_eval(isnn, &b, &o2);
    for (i = 0; i < 9; i++) {
        cr_assert(t_valid(&o, i) && t_valid(&o2, i));
        cr_assert_eq(VAL(&o, uint8_t, i), !t_bit(&vx, i));
        cr_assert_eq(VAL(&o2, uint8_t, i), t_bit(&vx, i));
    }
    floe_vec_free(&o);
    floe_vec_free(&o2);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ CASE, COALESCE */

Test(eval, case_evaluates_branches_only_on_their_rows)
{
    int32_t x[6] = {0, 2, -5, 0, 7, 1};
    uint64_t v = 0x3d; /* row 1 NULL */
    floe_batch b;
    floe_vec o;
    uint32_t i;
    floe_type it = T(FLOE_TYPE_INTEGER), bt = T(FLOE_TYPE_BOOLEAN);
    /* CASE WHEN x <> 0 THEN 100 / x WHEN x IS NULL THEN -1 END */
    floe_expr *e = node(FLOE_EXPR_CASE, it, 4, call(FLOE_FN_NE, bt, 2, col(0, it), ci32(0)),
                        call(FLOE_FN_DIV, it, 2, ci32(100), col(0, it)),
                        node(FLOE_EXPR_IS_NULL, bt, 1, col(0, it)), ci32(-1));
    t_batch(&b, 1, 6);
    t_col(&b, 0, it, x, &v);
    t_eval(e, &b, &o);
    for (i = 0; i < 6; i++) {
        if (!t_bit(&v, i)) {
            cr_assert(t_valid(&o, i));
            cr_assert_eq(VAL(&o, int32_t, i), -1);
        } else if (x[i] == 0) {
            cr_assert(!t_valid(&o, i), "row %u has no branch: NULL", i);
        } else {
            cr_assert_eq(VAL(&o, int32_t, i), 100 / x[i]);
        }
    }
    floe_vec_free(&o);
    /* with ELSE and string results built in branch heaps */
    {
        floe_type vt = T(FLOE_TYPE_VARCHAR);
        floe_expr *s = node(FLOE_EXPR_CASE, vt, 3, call(FLOE_FN_GT, bt, 2, col(0, it), ci32(0)),
                            call(FLOE_FN_UPPER, vt, 1, cstr("pos")),
                            call(FLOE_FN_CONCAT, vt, 2, cstr("non"), cstr("pos")));
        s->has_else = true;
        t_eval(s, &b, &o);
        for (i = 0; i < 6; i++) {
            const floe_string *str = &VAL(&o, floe_string, i);
            const char *want = t_bit(&v, i) && x[i] > 0 ? "POS" : "nonpos";
            cr_assert(t_valid(&o, i));
            cr_assert_eq(str->len, strlen(want));
            cr_assert(memcmp(str->ptr, want, str->len) == 0, "row %u", i);
        }
        floe_vec_free(&o);
    }
    floe_batch_free(&b);
}

Test(eval, coalesce_is_lazy_and_takes_first_non_null)
{
    int32_t x[4] = {1, 0, 3, 0}, y[4] = {10, 20, 0, 0};
    uint64_t vxx = 0x5, vyy = 0x3;
    floe_batch b;
    floe_vec o;
    floe_type it = T(FLOE_TYPE_INTEGER);
    /* COALESCE(x, y, 100 / x): the division runs only on row 3 where x is NULL...
     * and x's slot is 0 there, so evaluating it on other rows would not fail
     * either; use 100 / (y - 0) on rows where y is NULL to prove laziness */
    floe_expr *e = node(FLOE_EXPR_COALESCE, it, 3, col(0, it), col(1, it),
                        call(FLOE_FN_DIV, it, 2, ci32(100), col(0, it)));
    t_batch(&b, 2, 4);
    t_col(&b, 0, it, x, &vxx);
    t_col(&b, 1, it, y, &vyy);
    t_eval(e, &b, &o);
    cr_assert_eq(VAL(&o, int32_t, 0), 1);
    cr_assert_eq(VAL(&o, int32_t, 1), 20);
    cr_assert_eq(VAL(&o, int32_t, 2), 3);
    cr_assert(!t_valid(&o, 3)); /* 100 / NULL */
    floe_vec_free(&o);
    /* a division by zero would be hit if the third arg ran on row 1 (x = 0) */
    e = node(FLOE_EXPR_COALESCE, it, 2, col(1, it), call(FLOE_FN_DIV, it, 2, ci32(100), col(0, it)));
    {
        uint64_t vx2 = 0xf;
        t_col(&b, 0, it, x, &vx2);
        t_expect_err(e, &b, FLOE_RANGE, "division by zero"); /* row 3: y NULL, x = 0 */
        y[3] = 1;
        vyy = 0xf;
        t_eval(e, &b, &o);
        cr_assert_eq(VAL(&o, int32_t, 1), 20);
        floe_vec_free(&o);
    }
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ IN */

static void check_in(int nlist, bool with_null, bool negated)
{
    int32_t x[50];
    uint64_t v = ~0ULL ^ (1ULL << 7);
    floe_batch b;
    floe_vec o;
    floe_expr *e;
    floe_type it = T(FLOE_TYPE_INTEGER), bt = T(FLOE_TYPE_BOOLEAN);
    int i, j;
    for (i = 0; i < 50; i++) x[i] = i - 10;
    e = mk(FLOE_EXPR_IN_LIST, bt);
    e->negated = negated;
    e->nargs = (uint32_t)(nlist + 1 + with_null);
    e->args = floe_arena_alloc(T_ARENA, e->nargs * sizeof(floe_expr *));
    e->args[0] = col(0, it);
    for (j = 0; j < nlist; j++) e->args[1 + j] = ci32(j * 3);
    if (with_null) e->args[nlist + 1] = cnull(it);
    t_batch(&b, 1, 50);
    t_col(&b, 0, it, x, &v);
    t_eval(e, &b, &o);
    for (i = 0; i < 50; i++) {
        bool found = x[i] >= 0 && x[i] % 3 == 0 && x[i] / 3 < nlist;
        int want = !t_bit(&v, (uint32_t)i) ? -1 : found ? !negated : with_null ? -1 : negated;
        cr_assert_eq(tv(VAL(&o, uint8_t, i), t_valid(&o, (uint32_t)i)), want,
                     "nlist %d null %d neg %d row %d", nlist, with_null, negated, i);
    }
    floe_vec_free(&o);
    floe_batch_free(&b);
}

Test(eval, in_list_follows_sql_null_rules_short_and_long)
{
    int n, nl, ng;
    for (n = 0; n <= 1; n++)
        for (nl = 0; nl <= 1; nl++)
            for (ng = 0; ng <= 1; ng++) check_in(n ? 20 : 3, nl, ng);
}

Test(eval, in_list_with_column_items_and_strings)
{
    floe_string s[3] = {{"a", 1}, {"bb", 2}, {"c", 1}};
    int32_t y[3] = {1, 2, 3};
    floe_batch b;
    floe_vec o;
    floe_type vt = T(FLOE_TYPE_VARCHAR), bt = T(FLOE_TYPE_BOOLEAN), it = T(FLOE_TYPE_INTEGER);
    t_batch(&b, 2, 3);
    t_col(&b, 0, vt, s, NULL);
    t_col(&b, 1, it, y, NULL);
    t_eval(node(FLOE_EXPR_IN_LIST, bt, 3, col(0, vt), cstr("bb"), cstr("c")), &b, &o);
    cr_assert_eq(VAL(&o, uint8_t, 0), 0);
    cr_assert_eq(VAL(&o, uint8_t, 1), 1);
    cr_assert_eq(VAL(&o, uint8_t, 2), 1);
    floe_vec_free(&o);
    /* y IN (2, y * 1): non-constant list */
    t_eval(node(FLOE_EXPR_IN_LIST, bt, 3, ci32(2), col(1, it), ci32(7)), &b, &o);
    cr_assert_eq(VAL(&o, uint8_t, 0), 0);
    cr_assert_eq(VAL(&o, uint8_t, 1), 1);
    cr_assert_eq(VAL(&o, uint8_t, 2), 0);
    floe_vec_free(&o);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ filters */

Test(eval, filter_fast_and_generic_paths_with_and_without_selection)
{
    static double dd[N];
    floe_type it = T(FLOE_TYPE_INTEGER), lt = T(FLOE_TYPE_BIGINT), dt = T(FLOE_TYPE_DOUBLE),
              bt = T(FLOE_TYPE_BOOLEAN);
    uint32_t i, k, round;
    fill_ints(50);
    for (i = 0; i < N; i++) dd[i] = a32[i] / 4.0;
    for (round = 0; round < 4; round++) {
        floe_batch b;
        floe_eval_ctx ctx;
        floe_err err = FLOE_ERR_INIT;
        static uint32_t insel[N];
        uint32_t ninsel = 0;
        floe_expr *e;
        t_batch(&b, 4, N);
        t_col(&b, 0, it, a32, va);
        t_col(&b, 1, it, b32, vb);
        t_col(&b, 2, lt, a64, NULL);
        t_col(&b, 3, dt, dd, va);
        if (round & 1) {
            for (i = 0; i < N; i++)
                if (t_rand() % 3) insel[ninsel++] = i;
            t_sel(&b, insel, ninsel);
        }
        switch (round / 2) {
        case 0: /* fast: col < const AND col >= col AND const > double col */
            e = node(FLOE_EXPR_AND, bt, 3, call(FLOE_FN_LT, bt, 2, col(0, it), ci32(20)),
                     call(FLOE_FN_GE, bt, 2, col(0, it), col(1, it)),
                     call(FLOE_FN_GT, bt, 2, cf64(5.0), col(3, dt)));
            break;
        default: /* generic: (a + b) > 0 OR bigint = const */
            e = node(FLOE_EXPR_OR, bt, 2,
                     call(FLOE_FN_GT, bt, 2, call(FLOE_FN_ADD, it, 2, col(0, it), col(1, it)), ci32(0)),
                     call(FLOE_FN_EQ, bt, 2, col(2, lt), ci64(a64[5])));
        }
        memset(&ctx, 0, sizeof ctx);
        cr_assert_eq(floe_expr_filter(e, &b, &ctx, &err), FLOE_OK, "%s", err.msg);
        k = 0;
        for (i = 0; i < N; i++) {
            bool live = !(round & 1), want;
            uint32_t j;
            if (round & 1)
                for (j = 0; j < ninsel; j++)
                    if (insel[j] == i) live = true;
            if (round / 2 == 0) {
                want = t_bit(va, i) && t_bit(vb, i) && a32[i] < 20 && a32[i] >= b32[i] && 5.0 > dd[i];
            } else {
                bool sum_t = t_bit(va, i) && t_bit(vb, i) && a32[i] + b32[i] > 0;
                want = sum_t || a64[i] == a64[5];
            }
            if (live && want) {
                cr_assert(b.sel != NULL);
                cr_assert(k < b.nsel, "round %u: too few rows", round);
                cr_assert_eq(b.sel[k], i, "round %u", round);
                k++;
            }
        }
        cr_assert_eq(k, b.nsel, "round %u", round);
        floe_eval_ctx_free(&ctx);
        floe_batch_free(&b);
    }
}

Test(eval, filter_with_constant_predicates)
{
    floe_batch b;
    floe_eval_ctx ctx;
    floe_err err = FLOE_ERR_INIT;
    floe_type bt = T(FLOE_TYPE_BOOLEAN), it = T(FLOE_TYPE_INTEGER);
    memset(&ctx, 0, sizeof ctx);
    t_batch(&b, 1, 10);
    t_col(&b, 0, it, a32, NULL);
    cr_assert_eq(floe_expr_filter(cbool(1), &b, &ctx, &err), FLOE_OK);
    cr_assert(b.sel == NULL); /* all rows stay */
    cr_assert_eq(floe_expr_filter(call(FLOE_FN_EQ, bt, 2, col(0, it), cnull(it)), &b, &ctx, &err), FLOE_OK);
    cr_assert(b.sel != NULL);
    cr_assert_eq(b.nsel, 0);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ constants */

Test(eval, constant_arguments_fold_to_constant_vectors)
{
    floe_batch b;
    floe_vec o;
    floe_value v;
    floe_type it = T(FLOE_TYPE_INTEGER);
    t_batch(&b, 1, 100);
    t_col(&b, 0, it, a32, NULL);
    t_eval(call(FLOE_FN_MUL, it, 2, call(FLOE_FN_ADD, it, 2, ci32(2), ci32(3)), ci32(4)), &b, &o);
    cr_assert(o.flags & FLOE_VEC_CONST);
    cr_assert_eq(o.n, 100);
    cr_assert_eq(VAL(&o, int32_t, 57), 20);
    floe_vec_free(&o);
    v = t_const(call(FLOE_FN_CONCAT_OP, T(FLOE_TYPE_VARCHAR), 2, cstr("ab"), cstr("cd")));
    cr_assert_eq(v.v.s.len, 4);
    cr_assert(memcmp(v.v.s.ptr, "abcd", 4) == 0);
    v = t_const(call(FLOE_FN_CONCAT_OP, T(FLOE_TYPE_VARCHAR), 2, cstr("ab"), cnull(T(FLOE_TYPE_VARCHAR))));
    cr_assert(v.is_null);
    v = t_const(call(FLOE_FN_CONCAT, T(FLOE_TYPE_VARCHAR), 3, cstr("ab"), cnull(T(FLOE_TYPE_VARCHAR)), cstr("!")));
    cr_assert_eq(v.v.s.len, 3);
    cr_assert(memcmp(v.v.s.ptr, "ab!", 3) == 0);
    floe_batch_free(&b);
}

Test(eval, params_are_read_from_the_context)
{
    floe_value p[2];
    floe_expr *e;
    floe_eval_ctx ctx;
    floe_err err = FLOE_ERR_INIT;
    floe_value out;
    p[0].type = T(FLOE_TYPE_INTEGER);
    p[0].is_null = false;
    p[0].v.i = 41;
    p[1] = floe_value_null(T(FLOE_TYPE_INTEGER));
    e = mk(FLOE_EXPR_PARAM, T(FLOE_TYPE_INTEGER));
    e->index = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.params = p;
    ctx.nparams = 2;
    cr_assert_eq(floe_expr_eval_const(call(FLOE_FN_ADD, T(FLOE_TYPE_INTEGER), 2, e, ci32(1)), &ctx, T_ARENA, &out, &err), FLOE_OK);
    cr_assert_eq(out.v.i, 42);
    e = mk(FLOE_EXPR_PARAM, T(FLOE_TYPE_INTEGER));
    e->index = 1;
    cr_assert_eq(floe_expr_eval_const(e, &ctx, T_ARENA, &out, &err), FLOE_OK);
    cr_assert(out.is_null);
    e->index = 5;
    cr_assert_eq(floe_expr_eval_const(e, &ctx, T_ARENA, &out, &err), FLOE_MISUSE);
    floe_eval_ctx_free(&ctx);
}

Test(eval, interrupt_stops_evaluation)
{
    floe_batch b;
    floe_vec o;
    floe_eval_ctx ctx;
    floe_err err = FLOE_ERR_INIT;
    atomic_int stop = 1;
    memset(&ctx, 0, sizeof ctx);
    ctx.interrupt = &stop;
    t_batch(&b, 0, 5);
    cr_assert_eq(floe_expr_eval(ci32(1), &b, &ctx, &o, &err), FLOE_INTERRUPT);
    cr_assert_eq(floe_expr_filter(cbool(1), &b, &ctx, &err), FLOE_INTERRUPT);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ subqueries */

typedef struct fake_subq {
    int calls;
    int nrows;          /* rows returned for uncorrelated plans */
    bool with_null;
} fake_subq;

/* The "plan" pointer is ignored: returns rows 10, 20, ... (nrows of them),
 * plus a NULL when with_null; correlated calls return params[0] * 2 and
 * params[0] * 3 when params[0] is even, nothing when odd. */
static int fake_run(void *self, const struct floe_plan *plan, const floe_value *params,
                    uint32_t nparams, floe_vec *out, floe_err *err)
{
    fake_subq *f = self;
    int i;
    (void)plan;
    f->calls++;
    if (floe_vec_init(out, T(FLOE_TYPE_BIGINT), 16)) return floe_err_nomem(err);
    if (nparams) {
        int64_t p = params[0].v.i;
        out->n = (p % 2 == 0) ? 2 : 0;
        FLOE_VEC_DATA(out, int64_t)[0] = p * 2;
        FLOE_VEC_DATA(out, int64_t)[1] = p * 3;
        return FLOE_OK;
    }
    for (i = 0; i < f->nrows; i++) FLOE_VEC_DATA(out, int64_t)[i] = (i + 1) * 10;
    out->n = (uint32_t)f->nrows;
    if (f->with_null) {
        if (floe_vec_set_null(out, out->n)) return floe_err_nomem(err);
        out->n++;
    }
    return FLOE_OK;
}

static floe_expr *subq(floe_subq_kind k, floe_type t, bool correlated, uint32_t nargs, ...)
{
    va_list ap;
    floe_expr *e;
    va_start(ap, nargs);
    e = nodev(FLOE_EXPR_SUBQUERY, t, nargs, ap);
    va_end(ap);
    e->subq_kind = k;
    e->correlated = correlated;
    e->nparams = correlated ? nargs - (k == FLOE_SUBQ_IN ? 1 : 0) : 0;
    return e;
}

Test(eval, uncorrelated_subqueries_run_once_per_context)
{
    int64_t x[6] = {10, 15, 30, 0, 20, 40};
    uint64_t v = 0x37; /* row 3 NULL */
    fake_subq f = {0, 1, false};
    floe_eval_ctx ctx;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    floe_vec o;
    floe_type lt = T(FLOE_TYPE_BIGINT), bt = T(FLOE_TYPE_BOOLEAN);
    floe_expr *sc = subq(FLOE_SUBQ_SCALAR, lt, false, 0);
    floe_expr *ex = subq(FLOE_SUBQ_EXISTS, bt, false, 0);
    floe_expr *in = subq(FLOE_SUBQ_IN, bt, false, 1, col(0, lt));
    int i;
    memset(&ctx, 0, sizeof ctx);
    ctx.subq_run = fake_run;
    ctx.subq_self = &f;
    t_batch(&b, 1, 6);
    t_col(&b, 0, lt, x, &v);
    cr_assert_eq(floe_expr_eval(sc, &b, &ctx, &o, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(VAL(&o, int64_t, 4), 10);
    floe_vec_free(&o);
    cr_assert_eq(floe_expr_eval(sc, &b, &ctx, &o, &err), FLOE_OK);
    floe_vec_free(&o);
    cr_assert_eq(f.calls, 1, "cached for the query");
    cr_assert_eq(floe_expr_eval(ex, &b, &ctx, &o, &err), FLOE_OK);
    cr_assert_eq(VAL(&o, uint8_t, 0), 1);
    floe_vec_free(&o);
    floe_eval_ctx_free(&ctx);

    /* IN (10, 20, 30, NULL) */
    f.nrows = 3;
    f.with_null = true;
    memset(&ctx, 0, sizeof ctx);
    ctx.subq_run = fake_run;
    ctx.subq_self = &f;
    cr_assert_eq(floe_expr_eval(in, &b, &ctx, &o, &err), FLOE_OK, "%s", err.msg);
    for (i = 0; i < 6; i++) {
        int want = !t_bit(&v, (uint32_t)i) ? -1 : (x[i] == 10 || x[i] == 20 || x[i] == 30) ? 1 : -1;
        cr_assert_eq(tv(VAL(&o, uint8_t, i), t_valid(&o, (uint32_t)i)), want, "row %d", i);
    }
    floe_vec_free(&o);
    floe_eval_ctx_free(&ctx);

    /* NOT IN (10, 20, 30) without NULL; scalar with > 1 row is an error */
    f.with_null = false;
    in->negated = true;
    memset(&ctx, 0, sizeof ctx);
    ctx.subq_run = fake_run;
    ctx.subq_self = &f;
    cr_assert_eq(floe_expr_eval(in, &b, &ctx, &o, &err), FLOE_OK);
    cr_assert_eq(VAL(&o, uint8_t, 1), 1);
    cr_assert_eq(VAL(&o, uint8_t, 2), 0);
    cr_assert(!t_valid(&o, 3));
    floe_vec_free(&o);
    cr_assert_eq(floe_expr_eval(sc, &b, &ctx, &o, &err), FLOE_ERROR);
    cr_assert(strstr(err.msg, "more than one row returned by a subquery used as an expression"));
    floe_eval_ctx_free(&ctx);

    /* no rows: scalar NULL, EXISTS false, IN false even for NULL x */
    f.nrows = 0;
    memset(&ctx, 0, sizeof ctx);
    ctx.subq_run = fake_run;
    ctx.subq_self = &f;
    cr_assert_eq(floe_expr_eval(sc, &b, &ctx, &o, &err), FLOE_OK);
    cr_assert(!t_valid(&o, 0));
    floe_vec_free(&o);
    cr_assert_eq(floe_expr_eval(ex, &b, &ctx, &o, &err), FLOE_OK);
    cr_assert_eq(VAL(&o, uint8_t, 0), 0);
    floe_vec_free(&o);
    in->negated = false;
    cr_assert_eq(floe_expr_eval(in, &b, &ctx, &o, &err), FLOE_OK);
    cr_assert(t_valid(&o, 3));
    cr_assert_eq(VAL(&o, uint8_t, 3), 0);
    floe_vec_free(&o);
    floe_eval_ctx_free(&ctx);
    floe_batch_free(&b);
}

Test(eval, correlated_subqueries_cache_by_parameter_tuple)
{
    int64_t x[8] = {2, 3, 2, 4, 4, 2, 3, 6};
    fake_subq f = {0, 0, false};
    floe_eval_ctx ctx;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    floe_vec o;
    floe_type lt = T(FLOE_TYPE_BIGINT), bt = T(FLOE_TYPE_BOOLEAN);
    /* EXISTS (rows for x) and 6 IN (x*2, x*3) */
    floe_expr *ex = subq(FLOE_SUBQ_EXISTS, bt, true, 1, col(0, lt));
    floe_expr *in = subq(FLOE_SUBQ_IN, bt, true, 2, ci64(6), col(0, lt));
    int i;
    memset(&ctx, 0, sizeof ctx);
    ctx.subq_run = fake_run;
    ctx.subq_self = &f;
    t_batch(&b, 1, 8);
    t_col(&b, 0, lt, x, NULL);
    cr_assert_eq(floe_expr_eval(ex, &b, &ctx, &o, &err), FLOE_OK, "%s", err.msg);
    for (i = 0; i < 8; i++) cr_assert_eq(VAL(&o, uint8_t, i), x[i] % 2 == 0);
    floe_vec_free(&o);
    cr_assert_eq(f.calls, 4, "one call per distinct x (2, 3, 4, 6)");
    cr_assert_eq(floe_expr_eval(in, &b, &ctx, &o, &err), FLOE_OK, "%s", err.msg);
    for (i = 0; i < 8; i++) cr_assert_eq(VAL(&o, uint8_t, i), x[i] == 2 || x[i] == 3 ? x[i] == 2 : 0, "row %d", i);
    floe_vec_free(&o);
    floe_eval_ctx_free(&ctx);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ EXPLAIN */

Test(eval, format_renders_explain_text)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    floe_type it = T(FLOE_TYPE_INTEGER), bt = T(FLOE_TYPE_BOOLEAN), vt = T(FLOE_TYPE_VARCHAR);
    floe_expr *e = node(FLOE_EXPR_AND, bt, 2, call(FLOE_FN_GT, bt, 2, col(2, it), ci32(10)),
                        call(FLOE_FN_EQ, bt, 2, col(0, vt), cstr("x")));
    floe_expr_format(e, &sb);
    cr_assert_str_eq(floe_strbuf_str(&sb), "(#2 > 10) AND (#0 = 'x')");
    floe_strbuf_reset(&sb);
    e = node(FLOE_EXPR_OR, bt, 2, e, node(FLOE_EXPR_IS_NULL, bt, 1, col(1, it)));
    floe_expr_format(e, &sb);
    cr_assert_str_eq(floe_strbuf_str(&sb), "((#2 > 10) AND (#0 = 'x')) OR (#1 IS NULL)");
    floe_strbuf_reset(&sb);
    floe_expr_format(call(FLOE_FN_LOWER, vt, 1, cast(col(1, it), vt)), &sb);
    cr_assert_str_eq(floe_strbuf_str(&sb), "lower(CAST(#1 AS VARCHAR))");
    floe_strbuf_reset(&sb);
    floe_expr_format(cstr("it's"), &sb);
    cr_assert_str_eq(floe_strbuf_str(&sb), "'it''s'");
    floe_strbuf_reset(&sb);
    {
        floe_expr *cs = node(FLOE_EXPR_CASE, it, 3, call(FLOE_FN_LT, bt, 2, col(0, it), cval(floe_type_decimal(5, 2), 1250)),
                             call(FLOE_FN_NEG, it, 1, col(0, it)), cnull(it));
        floe_expr *lk = node(FLOE_EXPR_LIKE, bt, 3, col(1, vt), cstr("a!%"), cstr("!"));
        floe_expr *in = node(FLOE_EXPR_IN_LIST, bt, 3, col(0, it), ci32(1), ci32(2));
        floe_expr *sq = subq(FLOE_SUBQ_IN, bt, true, 2, col(0, it), col(3, it));
        cs->has_else = true;
        lk->negated = true;
        lk->ilike = true;
        in->negated = true;
        floe_expr_format(node(FLOE_EXPR_AND, bt, 4, call(FLOE_FN_EQ, bt, 2, cs, ci32(0)), lk, in, sq), &sb);
        cr_assert_str_eq(floe_strbuf_str(&sb),
                         "(CASE WHEN (#0 < 12.50) THEN (-#0) ELSE NULL END = 0) AND (#1 NOT ILIKE 'a!%' ESCAPE '!') AND "
                         "(#0 NOT IN (1, 2)) AND (#0 IN SUBQUERY correlated(#3))");
        floe_strbuf_reset(&sb);
        floe_expr_format(call(FLOE_FN_DATE_TRUNC, T(FLOE_TYPE_TIMESTAMP), 2, cstr("day"), cval(T(FLOE_TYPE_DATE), 0)), &sb);
        cr_assert_str_eq(floe_strbuf_str(&sb), "date_trunc('day', DATE '1970-01-01')");
    }
    floe_strbuf_free(&sb);
}

/* ------------------------------------------------------------ OOM */

Test(eval, out_of_memory_at_every_allocation_fails_cleanly)
{
    int32_t x[70];
    floe_string s[70];
    uint64_t v[2] = {~0ULL ^ 0x10, 0x3f};
    floe_type it = T(FLOE_TYPE_INTEGER), bt = T(FLOE_TYPE_BOOLEAN), vt = T(FLOE_TYPE_VARCHAR);
    floe_batch b;
    floe_expr *in, *cs, *e;
    int n, i, ok = 0;
    int64_t live0;
    for (i = 0; i < 70; i++) {
        x[i] = i % 13 - 3;
        s[i].ptr = "Abc";
        s[i].len = 3;
    }
    in = mk(FLOE_EXPR_IN_LIST, bt);
    in->nargs = 13;
    in->args = floe_arena_alloc(T_ARENA, 13 * sizeof(floe_expr *));
    in->args[0] = col(0, it);
    for (i = 1; i < 13; i++) in->args[i] = ci32(i * 2);
    /* CASE WHEN x IN (...) AND x <> 0 THEN lower(s) || CAST(100 / x AS VARCHAR)
     *      ELSE COALESCE(NULL, upper(s)) END */
    cs = node(FLOE_EXPR_CASE, vt, 3,
              node(FLOE_EXPR_AND, bt, 2, in, call(FLOE_FN_NE, bt, 2, col(0, it), ci32(0))),
              call(FLOE_FN_CONCAT_OP, vt, 2, call(FLOE_FN_LOWER, vt, 1, col(1, vt)),
                   cast(call(FLOE_FN_DIV, it, 2, ci32(100), col(0, it)), vt)),
              node(FLOE_EXPR_COALESCE, vt, 2, cnull(vt), call(FLOE_FN_UPPER, vt, 1, col(1, vt))));
    cs->has_else = true;
    e = cs;
    t_batch(&b, 2, 70);
    t_col(&b, 0, it, x, v);
    t_col(&b, 1, vt, s, NULL);
    live0 = floe_mem_live();
    for (n = 0; n < 400 && !ok; n++) {
        floe_eval_ctx ctx;
        floe_err err = FLOE_ERR_INIT;
        floe_vec o;
        int rc;
        memset(&ctx, 0, sizeof ctx);
        floe_mem_fail_after(n, 1);
        rc = floe_expr_eval(e, &b, &ctx, &o, &err);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            const floe_string *r = &VAL(&o, floe_string, 2); /* x = -1: in list? no -> ELSE */
            cr_assert(r->len == 3 && memcmp(r->ptr, "ABC", 3) == 0);
            r = &VAL(&o, floe_string, 7); /* x = 4: in list -> 'abc' || '25' */
            cr_assert(r->len == 5 && memcmp(r->ptr, "abc25", 5) == 0, "got %.*s", (int)r->len, r->ptr);
            ok = 1;
            floe_vec_free(&o);
        } else {
            cr_assert_eq(rc, FLOE_NOMEM, "n %d: %s", n, err.msg);
        }
        floe_eval_ctx_free(&ctx);
        cr_assert_eq(floe_mem_live(), live0, "leak after failing allocation %d (rc %d)", n, rc);
    }
    cr_assert(ok, "never succeeded");
    floe_batch_free(&b);
}

/* Fail each allocation in turn while evaluating (and filtering by) e with
 * a subquery-capable context; every failure must be FLOE_NOMEM and leak
 * nothing. */
static void oom_sweep(const floe_expr *e, const floe_batch *b, bool filter)
{
    int n, ok = 0;
    int64_t live0 = floe_mem_live();
    for (n = 0; n < 500 && !ok; n++) {
        floe_eval_ctx ctx;
        floe_err err = FLOE_ERR_INIT;
        fake_subq f = {0, 3, true};
        floe_vec o;
        floe_batch fb = *b;
        int rc;
        memset(&ctx, 0, sizeof ctx);
        ctx.subq_run = fake_run;
        ctx.subq_self = &f;
        fb.sel = NULL;
        floe_mem_fail_after(n, 1);
        if (filter) {
            rc = floe_expr_filter(e, &fb, &ctx, &err);
        } else {
            rc = floe_expr_eval(e, b, &ctx, &o, &err);
            if (rc == FLOE_OK) floe_vec_free(&o);
        }
        floe_mem_fail_after(-1, 0);
        floe_free(fb.sel);
        floe_eval_ctx_free(&ctx);
        if (rc == FLOE_OK) ok = 1;
        else cr_assert_eq(rc, FLOE_NOMEM, "n %d: %s", n, err.msg);
        cr_assert_eq(floe_mem_live(), live0, "leak after failing allocation %d (rc %d)", n, rc);
    }
    cr_assert(ok);
}

Test(eval, out_of_memory_sweep_over_node_kinds)
{
    int64_t x[100];
    floe_string s[100];
    uint64_t v[2] = {~0ULL ^ 0x4, ~0ULL};
    floe_type lt = T(FLOE_TYPE_BIGINT), bt = T(FLOE_TYPE_BOOLEAN), vt = T(FLOE_TYPE_VARCHAR);
    floe_batch b;
    int i;
    for (i = 0; i < 100; i++) {
        x[i] = i * 5;
        s[i].ptr = i % 2 ? " xy " : "héllo";
        s[i].len = (uint32_t)strlen(s[i].ptr);
    }
    t_batch(&b, 2, 100);
    t_col(&b, 0, lt, x, v);
    t_col(&b, 1, vt, s, NULL);
    oom_sweep(subq(FLOE_SUBQ_IN, bt, false, 1, col(0, lt)), &b, false);
    oom_sweep(subq(FLOE_SUBQ_EXISTS, bt, true, 1, col(0, lt)), &b, true);
    oom_sweep(call(FLOE_FN_GREATEST, vt, 2, col(1, vt), call(FLOE_FN_SUBSTR, vt, 2, call(FLOE_FN_TRIM, vt, 1, call(FLOE_FN_UPPER, vt, 1, col(1, vt))), ci64(2))), &b, false);
    oom_sweep(node(FLOE_EXPR_AND, bt, 3, call(FLOE_FN_GT, bt, 2, col(0, lt), ci64(7)),
                   node(FLOE_EXPR_LIKE, bt, 2, col(1, vt), cstr("h_llo")),
                   node(FLOE_EXPR_NOT, bt, 1, node(FLOE_EXPR_IS_NULL, bt, 1, col(0, lt)))), &b, true);
    {
        floe_expr *il = node(FLOE_EXPR_LIKE, bt, 2, col(1, vt), cstr("%É%"));
        il->ilike = true;
        oom_sweep(il, &b, true);
    }
    oom_sweep(node(FLOE_EXPR_OR, bt, 2, call(FLOE_FN_EQ, bt, 2, cast(col(0, lt), vt), cstr("10")),
                   call(FLOE_FN_EQ, bt, 2, cast(cstr("15"), lt), col(0, lt))), &b, true);
    floe_batch_free(&b);
}

/* Every filter shortcut must keep exactly the rows where a plain C
 * predicate over the same data is TRUE (NULL drops the row). */
Test(eval, filter_shortcuts_match_plain_predicates)
{
    static int32_t ia[N];
    static double da[N], db[N];
    static uint8_t bl[N];
    static floe_string st[N];
    static uint64_t vs[FLOE_BITMAP_WORDS(N)];
    static const char *words[] = {"", "x", "xy", "yx", "x "};
    floe_type it = T(FLOE_TYPE_INTEGER), dt = T(FLOE_TYPE_DOUBLE), bt = T(FLOE_TYPE_BOOLEAN),
              vt = T(FLOE_TYPE_VARCHAR), dat = T(FLOE_TYPE_DATE);
    uint32_t i, round, p;
    fill_ints(20);
    for (i = 0; i < N; i++) {
        ia[i] = (int32_t)(t_rand() % 7) - 3;
        da[i] = (t_rand() % 5 == 0) ? NAN : (double)(t_rand() % 5);
        db[i] = (double)(t_rand() % 5);
        bl[i] = t_rand() & 1;
        st[i].ptr = words[t_rand() % 5];
        st[i].len = (uint32_t)strlen(st[i].ptr);
    }
    for (i = 0; i < FLOE_BITMAP_WORDS(N); i++) vs[i] = t_rand() | t_rand();
    for (p = 0; p < 11; p++) {
        for (round = 0; round < 2; round++) {
            floe_batch b;
            floe_eval_ctx ctx;
            floe_err err = FLOE_ERR_INIT;
            floe_expr *e = NULL;
            static bool live[N];
            uint32_t k = 0;
            t_batch(&b, 6, N);
            t_col(&b, 0, it, ia, va);
            t_col(&b, 1, dt, da, vb);
            t_col(&b, 2, dt, db, NULL);
            t_col(&b, 3, bt, bl, vs);
            t_col(&b, 4, vt, st, vs);
            t_col(&b, 5, dat, a32, NULL);
            for (i = 0; i < N; i++) live[i] = round == 0 || i % 3 != 1;
            if (round) {
                static uint32_t s[N];
                uint32_t ns = 0;
                for (i = 0; i < N; i++)
                    if (live[i]) s[ns++] = i;
                t_sel(&b, s, ns);
            }
            switch (p) {
            case 0: e = node(FLOE_EXPR_IS_NULL, bt, 1, col(0, it)); break;
            case 1: e = node(FLOE_EXPR_IS_NULL, bt, 1, col(0, it)); e->negated = true; break;
            case 2: e = col(3, bt); break;
            case 3: e = call(FLOE_FN_EQ, bt, 2, col(4, vt), cstr("xy")); break;
            case 4: e = call(FLOE_FN_NE, bt, 2, cstr("x"), col(4, vt)); break;
            case 5: e = call(FLOE_FN_LE, bt, 2, col(1, dt), col(2, dt)); break;
            case 6: e = call(FLOE_FN_GT, bt, 2, cf64(NAN), col(1, dt)); break;
            case 7: e = call(FLOE_FN_NE, bt, 2, ci32(1), col(0, it)); break;
            case 8: e = call(FLOE_FN_GE, bt, 2, col(5, dat), cval(dat, 3)); break;
            case 9: e = node(FLOE_EXPR_IS_NULL, bt, 1, col(2, dt)); break;
            default: e = call(FLOE_FN_EQ, bt, 2, col(4, vt), cstr("")); break;
            }
            memset(&ctx, 0, sizeof ctx);
            cr_assert_eq(floe_expr_filter(e, &b, &ctx, &err), FLOE_OK, "%s", err.msg);
            for (i = 0; i < N; i++) {
                bool want;
                switch (p) {
                case 0: want = !t_bit(va, i); break;
                case 1: want = t_bit(va, i); break;
                case 2: want = t_bit(vs, i) && bl[i]; break;
                case 3: want = t_bit(vs, i) && strcmp(st[i].ptr, "xy") == 0; break;
                case 4: want = t_bit(vs, i) && strcmp(st[i].ptr, "x") != 0; break;
                case 5: want = t_bit(vb, i) && (isnan(db[i]) || (!isnan(da[i]) && da[i] <= db[i])); break;
                case 6: want = t_bit(vb, i) && !isnan(da[i]); break;
                case 7: want = t_bit(va, i) && ia[i] != 1; break;
                case 8: want = a32[i] >= 3; break;
                case 9: want = false; break;
                default: want = t_bit(vs, i) && st[i].len == 0; break;
                }
                if (live[i] && want) {
                    cr_assert(b.sel && k < b.nsel && b.sel[k] == i, "pattern %u round %u row %u", p, round, i);
                    k++;
                }
            }
            cr_assert_eq(b.sel ? b.nsel : N, k, "pattern %u round %u", p, round);
            floe_eval_ctx_free(&ctx);
            floe_batch_free(&b);
        }
    }
}

Test(eval, decimal_vectors_match_scaled_integer_math)
{
    static int64_t x[N], y[N];
    floe_type d2 = floe_type_decimal(12, 2), d4 = floe_type_decimal(18, 4), d3 = floe_type_decimal(14, 3);
    floe_batch b;
    floe_vec add, div, mod;
    uint32_t i;
    fill_ints(1);
    for (i = 0; i < N; i++) {
        x[i] = (int64_t)(t_rand() % 2000001) - 1000000;
        y[i] = (int64_t)(t_rand() % 20001) - 10000;
        if (y[i] == 0) y[i] = 7;
    }
    t_batch(&b, 2, N);
    t_col(&b, 0, d2, x, va);
    t_col(&b, 1, d4, y, NULL);
    /* DECIMAL(12,2) + DECIMAL(18,4) -> scale 3 (rounded) */
    t_eval(call(FLOE_FN_ADD, d3, 2, col(0, d2), col(1, d4)), &b, &add);
    /* DECIMAL(12,2) / DECIMAL(18,4) -> scale 4 */
    t_eval(call(FLOE_FN_DIV, d4, 2, col(0, d2), col(1, d4)), &b, &div);
    t_eval(call(FLOE_FN_MOD, d4, 2, col(0, d2), col(1, d4)), &b, &mod);
    for (i = 0; i < N; i++) {
        __int128 s4 = (__int128)x[i] * 100 + y[i]; /* sum at scale 4 */
        __int128 num = (__int128)x[i] * 100 * 10000, den = y[i];  /* x/y at scale 4 */
        __int128 q = num / den, r = num % den, want_add;
        int64_t want_div;
        want_add = s4 / 10;
        if (s4 % 10 >= 5) want_add++;
        if (s4 % 10 <= -5) want_add--;
        if (r != 0 && (r < 0 ? -r : r) * 2 >= (den < 0 ? -den : den)) q += ((num < 0) != (den < 0)) ? -1 : 1;
        want_div = (int64_t)q;
        cr_assert_eq(t_valid(&add, i), t_bit(va, i));
        if (!t_bit(va, i)) continue;
        cr_assert_eq(VAL(&add, int64_t, i), (int64_t)want_add, "row %u", i);
        cr_assert_eq(VAL(&div, int64_t, i), want_div, "row %u: %lld / %lld", i, (long long)x[i], (long long)y[i]);
        cr_assert_eq(VAL(&mod, int64_t, i), (int64_t)(((__int128)x[i] * 100) % y[i]), "row %u", i);
    }
    floe_vec_free(&add);
    floe_vec_free(&div);
    floe_vec_free(&mod);
    floe_batch_free(&b);
    t_batch(&b, 0, 1);
    t_expect_err(call(FLOE_FN_DIV, d4, 2, cval(d2, 100), cval(d2, 0)), &b, FLOE_RANGE, "division by zero");
    t_expect_err(call(FLOE_FN_MUL, floe_type_decimal(18, 4), 2, cval(d2, INT64_MAX / 10), cval(d2, 100)), &b,
                 FLOE_RANGE, "overflow in *");
    floe_batch_free(&b);
}

Test(eval, greatest_least_ignore_nulls_over_vectors)
{
    static double dx[N], dy[N];
    floe_type it = T(FLOE_TYPE_INTEGER), dt = T(FLOE_TYPE_DOUBLE);
    floe_batch b;
    floe_vec g, l, gd;
    uint32_t i;
    fill_ints(100);
    for (i = 0; i < N; i++) {
        dx[i] = (t_rand() % 7 == 0) ? NAN : (double)a32[i];
        dy[i] = (double)b32[i];
    }
    t_batch(&b, 4, N);
    t_col(&b, 0, it, a32, va);
    t_col(&b, 1, it, b32, vb);
    t_col(&b, 2, dt, dx, va);
    t_col(&b, 3, dt, dy, vb);
    t_eval(call(FLOE_FN_GREATEST, it, 3, col(0, it), col(1, it), ci32(50)), &b, &g);
    t_eval(call(FLOE_FN_LEAST, it, 2, col(0, it), col(1, it)), &b, &l);
    t_eval(call(FLOE_FN_GREATEST, dt, 2, col(2, dt), col(3, dt)), &b, &gd);
    for (i = 0; i < N; i++) {
        bool pa = t_bit(va, i), pb = t_bit(vb, i);
        int32_t want_g = 50, want_l = 0;
        if (pa && a32[i] > want_g) want_g = a32[i];
        if (pb && b32[i] > want_g) want_g = b32[i];
        cr_assert(t_valid(&g, i));
        cr_assert_eq(VAL(&g, int32_t, i), want_g, "row %u", i);
        cr_assert_eq(t_valid(&l, i), pa || pb);
        if (pa && pb) want_l = a32[i] < b32[i] ? a32[i] : b32[i];
        else if (pa) want_l = a32[i];
        else if (pb) want_l = b32[i];
        if (pa || pb) cr_assert_eq(VAL(&l, int32_t, i), want_l, "row %u", i);
        cr_assert_eq(t_valid(&gd, i), pa || pb);
        if (pa && isnan(dx[i])) cr_assert(isnan(VAL(&gd, double, i)), "NaN is greatest, row %u", i);
        else if (pa && pb) cr_assert_eq(VAL(&gd, double, i), dx[i] > dy[i] ? dx[i] : dy[i]);
        else if (pb) cr_assert_eq(VAL(&gd, double, i), dy[i]);
    }
    floe_vec_free(&g);
    floe_vec_free(&l);
    floe_vec_free(&gd);
    floe_batch_free(&b);
}
