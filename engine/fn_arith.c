/* engine/fn_arith.c: arithmetic, temporal arithmetic, and math functions.
 *
 * Integer arithmetic is checked: overflow and division by zero are
 * FLOE_RANGE errors naming the operator, operands and type, e.g.
 * "integer overflow in +: 2147483647 + 1 (INTEGER)". Loops compute every
 * live row with a sticky flag and no branches on the hot path; only when the
 * flag is set is the selection rescanned to find the first valid offending
 * row (a NULL row with garbage operands is not an error). Integer division
 * truncates toward zero, MOD takes the sign of the dividend (C semantics,
 * like PostgreSQL). DECIMAL values are int64 scaled by 10^scale; operands
 * are rescaled to the result scale where the binder left them different.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/eval_internal.h"
#include "engine/kernels.h"
#include "util/datetime.h"

static const char *fn_sym(floe_fn fn)
{
    switch (fn) {
    case FLOE_FN_ADD: return "+";
    case FLOE_FN_SUB: return "-";
    case FLOE_FN_MUL: return "*";
    case FLOE_FN_DIV: return "/";
    case FLOE_FN_MOD: return "%";
    case FLOE_FN_NEG: return "-";
    case FLOE_FN_ABS: return "abs";
    case FLOE_FN_ROUND: return "round";
    default: return "?";
    }
}

static int64_t load_i(const floe_vec *v, uint32_t r)
{
    uint32_t i = floe_vidx(v, r);
    switch (floe_eval_pclass(v->type)) {
    case FLOE_PC_U8: return ((const uint8_t *)v->data)[i];
    case FLOE_PC_I32: return ((const int32_t *)v->data)[i];
    default: return ((const int64_t *)v->data)[i];
    }
}

static double load_d(const floe_vec *v, uint32_t r)
{
    return ((const double *)v->data)[floe_vidx(v, r)];
}

/* Text of row r of v for error messages. */
static void fmt_row(const floe_vec *v, uint32_t r, char *buf, size_t cap)
{
    floe_value x;
    floe_eval_load(v, r, &x);
    floe_value_format(&x, buf, cap);
}

/* Checked integer op on int64 operands within [lo, hi]; 0 ok, 1 overflow,
 * 2 division by zero. */
static int int_check(floe_fn fn, int64_t x, int64_t y, int64_t lo, int64_t hi, int64_t *res)
{
    __int128 v;
    switch (fn) {
    case FLOE_FN_ADD: v = (__int128)x + y; break;
    case FLOE_FN_SUB: v = (__int128)x - y; break;
    case FLOE_FN_MUL: v = (__int128)x * y; break;
    case FLOE_FN_DIV:
        if (y == 0) return 2;
        v = (__int128)x / y;
        break;
    case FLOE_FN_MOD:
        if (y == 0) return 2;
        v = (__int128)x % y;
        break;
    default: return 0;
    }
    if (v < lo || v > hi) return 1;
    *res = (int64_t)v;
    return 0;
}

/* After a flagged loop: find the first live, valid row that really fails. */
static int report_int(const floe_fnargs *fa, const floe_vec *out, int64_t lo, int64_t hi,
                      floe_err *err)
{
    const floe_vec *a = &fa->args[0], *b = &fa->args[1];
    floe_fn fn = fa->e->fn;
    int rc = FLOE_OK;
    FLOE_FOR_ROWS(fa, r, {
        int64_t res;
        int bad;
        if (!floe_bit(out->validity, r)) continue;
        bad = int_check(fn, load_i(a, r), load_i(b, r), lo, hi, &res);
        if (bad) {
            char x[64], y[64], tn[32];
            if (bad == 2) return floe_err_set(err, FLOE_RANGE, "division by zero");
            fmt_row(a, r, x, sizeof x);
            fmt_row(b, r, y, sizeof y);
            return floe_err_set(err, FLOE_RANGE, "integer overflow in %s: %s %s %s (%s)",
                                fn_sym(fn), x, fn_sym(fn), y,
                                floe_type_name(out->type, tn, sizeof tn));
        }
    });
    return rc;
}

/* Three operand shapes of a binary loop; BODY reads x, y and writes res,
 * may set `flag`. */
#define BIN_SHAPES(TA, TB, TR, BODY)                                               \
    do {                                                                           \
        const TA *a_ = fa->args[0].data;                                           \
        const TB *b_ = fa->args[1].data;                                           \
        TR *o_ = out->data;                                                        \
        if (floe_vec_const(&fa->args[0])) {                                        \
            const TA x = a_[0];                                                    \
            FLOE_FOR_ROWS(fa, r, {                                                 \
                const TB y = b_[r];                                                \
                TR res;                                                            \
                BODY;                                                              \
                o_[r] = res;                                                       \
            });                                                                    \
        } else if (floe_vec_const(&fa->args[1])) {                                 \
            const TB y = b_[0];                                                    \
            FLOE_FOR_ROWS(fa, r, {                                                 \
                const TA x = a_[r];                                                \
                TR res;                                                            \
                BODY;                                                              \
                o_[r] = res;                                                       \
            });                                                                    \
        } else {                                                                   \
            FLOE_FOR_ROWS(fa, r, {                                                 \
                const TA x = a_[r];                                                \
                const TB y = b_[r];                                                \
                TR res;                                                            \
                BODY;                                                              \
                o_[r] = res;                                                       \
            });                                                                    \
        }                                                                          \
    } while (0)

/* Integer ADD/SUB/MUL/DIV/MOD on type T (int32_t or int64_t). */
#define INT_OPS(T, TMIN)                                                           \
    do {                                                                           \
        switch (fn) {                                                              \
        case FLOE_FN_ADD: BIN_SHAPES(T, T, T, flag |= __builtin_add_overflow(x, y, &res)); break; \
        case FLOE_FN_SUB: BIN_SHAPES(T, T, T, flag |= __builtin_sub_overflow(x, y, &res)); break; \
        case FLOE_FN_MUL: BIN_SHAPES(T, T, T, flag |= __builtin_mul_overflow(x, y, &res)); break; \
        case FLOE_FN_DIV:                                                          \
            BIN_SHAPES(T, T, T, {                                                  \
                int z_ = (y == 0) | ((x == TMIN) & (y == -1));                     \
                flag |= z_;                                                        \
                res = (T)(x / (z_ ? 1 : y));                                       \
            });                                                                    \
            break;                                                                 \
        case FLOE_FN_MOD:                                                          \
            BIN_SHAPES(T, T, T, {                                                  \
                int z_ = y == 0;                                                   \
                flag |= z_;                                                        \
                res = (T)(y == -1 ? 0 : x % (z_ ? 1 : y));                         \
            });                                                                    \
            break;                                                                 \
        default: return floe_err_set(err, FLOE_MISUSE, "bad integer op");         \
        }                                                                          \
    } while (0)

static int arith_int(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    int flag = 0;
    bool i32 = floe_eval_pclass(out->type) == FLOE_PC_I32;
    if (i32) {
        INT_OPS(int32_t, INT32_MIN);
    } else if (fa->sel == NULL && !floe_vec_const(&fa->args[0]) &&
               (fn == FLOE_FN_ADD || fn == FLOE_FN_SUB || fn == FLOE_FN_MUL)) {
        /* contiguous int64: SIMD kernels */
        const int64_t *a = fa->args[0].data, *b = fa->args[1].data;
        int64_t *o = out->data;
        if (floe_vec_const(&fa->args[1])) {
            if (fn == FLOE_FN_ADD)
                flag = floe_kernel_add_i64_const(a, b[0], o, fa->nsel);
            else if (fn == FLOE_FN_SUB)
                flag = floe_kernel_sub_i64_const(a, b[0], o, fa->nsel);
            else
                INT_OPS(int64_t, INT64_MIN);
        } else if (fn == FLOE_FN_ADD) {
            flag = floe_kernel_add_i64(a, b, o, fa->nsel);
        } else if (fn == FLOE_FN_SUB) {
            flag = floe_kernel_sub_i64(a, b, o, fa->nsel);
        } else {
            flag = floe_kernel_mul_i64(a, b, o, fa->nsel);
        }
    } else {
        INT_OPS(int64_t, INT64_MIN);
    }
    if (flag) {
        if (i32) return report_int(fa, out, INT32_MIN, INT32_MAX, err);
        return report_int(fa, out, INT64_MIN, INT64_MAX, err);
    }
    return FLOE_OK;
}

static int arith_double(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    int flag = 0;
    switch (fn) {
    case FLOE_FN_ADD:
        if (fa->sel == NULL && !floe_vec_const(&fa->args[0]) && !floe_vec_const(&fa->args[1]))
            floe_kernel_add_f64(fa->args[0].data, fa->args[1].data, out->data, fa->nsel);
        else
            BIN_SHAPES(double, double, double, res = x + y);
        break;
    case FLOE_FN_SUB:
        if (fa->sel == NULL && !floe_vec_const(&fa->args[0]) && !floe_vec_const(&fa->args[1]))
            floe_kernel_sub_f64(fa->args[0].data, fa->args[1].data, out->data, fa->nsel);
        else
            BIN_SHAPES(double, double, double, res = x - y);
        break;
    case FLOE_FN_MUL:
        if (fa->sel == NULL && !floe_vec_const(&fa->args[0]) && !floe_vec_const(&fa->args[1]))
            floe_kernel_mul_f64(fa->args[0].data, fa->args[1].data, out->data, fa->nsel);
        else
            BIN_SHAPES(double, double, double, res = x * y);
        break;
    case FLOE_FN_DIV: BIN_SHAPES(double, double, double, {
            flag |= y == 0;
            res = x / y;
        });
        break;
    case FLOE_FN_MOD: BIN_SHAPES(double, double, double, {
            flag |= y == 0;
            res = fmod(x, y);
        });
        break;
    default: return floe_err_set(err, FLOE_MISUSE, "bad double op");
    }
    if (flag) {
        FLOE_FOR_ROWS(fa, r, {
            if (floe_bit(out->validity, r) && load_d(&fa->args[1], r) == 0)
                return floe_err_set(err, FLOE_RANGE, "division by zero");
        });
    }
    return FLOE_OK;
}

/* ------------------------------------------------------------- DECIMAL */

/* v * 10^(to - from), rounding half away from zero when to < from; false on
 * int64 overflow. */
static bool dec_rescale(__int128 v, int from, int to, int64_t *out)
{
    if (to > from) {
        v *= floe_pow10[to - from];
    } else if (to < from) {
        int64_t p = floe_pow10[from - to];
        __int128 q = v / p, rem = v % p;
        if (rem * 2 >= p) q++;
        else if (rem * 2 <= -p) q--;
        v = q;
    }
    if (v > INT64_MAX || v < INT64_MIN) return false;
    *out = (int64_t)v;
    return true;
}

/* Integer-valued decimals / integers into a decimal vector: round(x / y)
 * half away from zero. */
static __int128 div_round(__int128 x, __int128 y)
{
    __int128 q = x / y, rem = x % y;
    if (rem != 0 && ((rem < 0 ? -rem : rem) * 2 >= (y < 0 ? -y : y))) q += ((x < 0) != (y < 0)) ? -1 : 1;
    return q;
}

static int arith_decimal(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    const floe_vec *a = &fa->args[0], *b = &fa->args[1];
    int sa = a->type.id == FLOE_TYPE_DECIMAL ? a->type.scale : 0;
    int sb = b->type.id == FLOE_TYPE_DECIMAL ? b->type.scale : 0;
    int rs = out->type.scale;
    int64_t *o = out->data;
    char tn[32];
    if ((fn == FLOE_FN_ADD || fn == FLOE_FN_SUB || fn == FLOE_FN_MOD) && sa == rs && sb == rs &&
        floe_eval_pclass(a->type) == FLOE_PC_I64 && floe_eval_pclass(b->type) == FLOE_PC_I64)
        return arith_int(fa, out, err);
    if (fn == FLOE_FN_MUL && sa + sb == rs && floe_eval_pclass(a->type) == FLOE_PC_I64 &&
        floe_eval_pclass(b->type) == FLOE_PC_I64)
        return arith_int(fa, out, err);
    if (floe_eval_pclass(a->type) != FLOE_PC_I64 || floe_eval_pclass(b->type) != FLOE_PC_I64)
        return floe_err_set(err, FLOE_TYPE, "DECIMAL %s needs DECIMAL or BIGINT operands", fn_sym(fn));
    {
        const int64_t *pa = a->data, *pb = b->data;
        const bool ca = floe_vec_const(a), cb = floe_vec_const(b);
        const int s = sa > sb ? sa : sb;
        const int64_t ma = floe_pow10[s - sa], mb = floe_pow10[s - sb];
        const int k = rs - sa + sb; /* DIV: x * 10^k / y */
        int64_t bad = -1;           /* first failing row: overflow */
        bool zero = false;
/* One loop per operator; BODY computes `res` from x, y and clears `ok`. */
#define DEC_LOOP(...)                                                              \
    FLOE_FOR_ROWS(fa, r, {                                                         \
        __int128 x = pa[ca ? 0 : r], y = pb[cb ? 0 : r];                           \
        int64_t res = 0;                                                           \
        bool ok = true;                                                            \
        if (!floe_bit(out->validity, r)) continue;                                 \
        __VA_ARGS__;                                                               \
        if (!ok) {                                                                 \
            bad = r;                                                               \
            break;                                                                 \
        }                                                                          \
        o[r] = res;                                                                \
    })
        switch (fn) {
        case FLOE_FN_ADD: DEC_LOOP(ok = dec_rescale(x * ma + y * mb, s, rs, &res)); break;
        case FLOE_FN_SUB: DEC_LOOP(ok = dec_rescale(x * ma - y * mb, s, rs, &res)); break;
        case FLOE_FN_MOD:
            DEC_LOOP({
                if (y == 0) {
                    zero = true;
                    ok = false;
                } else {
                    ok = dec_rescale((x * ma) % (y * mb), s, rs, &res);
                }
            });
            break;
        case FLOE_FN_MUL:
            if (sa + sb > 36) return floe_err_set(err, FLOE_RANGE, "decimal scale out of range");
            DEC_LOOP(ok = dec_rescale(x * y, sa + sb, rs, &res));
            break;
        case FLOE_FN_DIV:
            if (k > 18 || k < -18)
                return floe_err_set(err, FLOE_RANGE, "decimal division scale out of range");
            DEC_LOOP({
                __int128 v;
                if (y == 0) {
                    zero = true;
                    ok = false;
                } else {
                    v = k >= 0 ? div_round(x * floe_pow10[k], y) : div_round(x, y * floe_pow10[-k]);
                    ok = v >= INT64_MIN && v <= INT64_MAX;
                    res = (int64_t)v;
                }
            });
            break;
        default: return floe_err_set(err, FLOE_MISUSE, "bad decimal op");
        }
#undef DEC_LOOP
        if (zero) return floe_err_set(err, FLOE_RANGE, "division by zero");
        if (bad >= 0) {
            char xs[64], ys[64];
            fmt_row(a, (uint32_t)bad, xs, sizeof xs);
            fmt_row(b, (uint32_t)bad, ys, sizeof ys);
            return floe_err_set(err, FLOE_RANGE, "decimal overflow in %s: %s %s %s (%s)",
                                fn_sym(fn), xs, fn_sym(fn), ys,
                                floe_type_name(out->type, tn, sizeof tn));
        }
    }
    return FLOE_OK;
}

/* ------------------------------------------------------------- temporal */

/* FLOE_RANGE for row r of a temporal a <op> b: "<what> out of range: x op y". */
static int temporal_range(const floe_fnargs *fa, uint32_t r, const char *what, floe_err *err)
{
    char xs[64], ys[64];
    fmt_row(&fa->args[0], r, xs, sizeof xs);
    fmt_row(&fa->args[1], r, ys, sizeof ys);
    return floe_err_set(err, FLOE_RANGE, "%s out of range: %s %s %s", what, xs,
                        fn_sym(fa->e->fn), ys);
}

/* Temporal arithmetic is checked row by row (each row calls into
 * util/datetime.h anyway); only valid rows can fail. */
static int arith_temporal(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    const floe_vec *a = &fa->args[0], *b = &fa->args[1];
    int ta = a->type.id, tb = b->type.id;
    bool sub = fn == FLOE_FN_SUB;
    const floe_interval *ivb = b->data, *iva = a->data;
    char tn1[32], tn2[32];

#define TEMPORAL_CHECK(ok, what)                                                   \
    do {                                                                           \
        if (!(ok) && floe_bit(out->validity, r)) return temporal_range(fa, r, what, err); \
    } while (0)
    if ((ta == FLOE_TYPE_TIMESTAMP || ta == FLOE_TYPE_DATE) && tb == FLOE_TYPE_INTERVAL &&
        out->type.id == FLOE_TYPE_TIMESTAMP) {
        int64_t *o = out->data;
        bool date = ta == FLOE_TYPE_DATE;
        FLOE_FOR_ROWS(fa, r, {
            int64_t t = 0, res = 0;
            floe_interval iv = ivb[floe_vidx(b, r)];
            bool ok = date ? floe_date_to_timestamp(((const int32_t *)a->data)[floe_vidx(a, r)], &t)
                           : (t = ((const int64_t *)a->data)[floe_vidx(a, r)], true);
            ok = ok && (!sub || floe_interval_neg(iv, &iv)) && floe_timestamp_add(t, iv, &res);
            TEMPORAL_CHECK(ok, "timestamp");
            o[r] = res;
        });
        return FLOE_OK;
    }
    if (ta == FLOE_TYPE_INTERVAL && tb == FLOE_TYPE_TIMESTAMP && !sub) {
        int64_t *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            int64_t res = 0;
            bool ok = floe_timestamp_add(((const int64_t *)b->data)[floe_vidx(b, r)],
                                         iva[floe_vidx(a, r)], &res);
            TEMPORAL_CHECK(ok, "timestamp");
            o[r] = res;
        });
        return FLOE_OK;
    }
    if (ta == FLOE_TYPE_DATE && floe_type_is_integer(b->type) && out->type.id == FLOE_TYPE_DATE) {
        int32_t *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            int64_t k = load_i(b, r);
            int32_t res = 0;
            bool ok = !(sub && k == INT64_MIN) &&
                      floe_date_add_days(((const int32_t *)a->data)[floe_vidx(a, r)], sub ? -k : k, &res);
            TEMPORAL_CHECK(ok, "date");
            o[r] = res;
        });
        return FLOE_OK;
    }
    if (floe_type_is_integer(a->type) && tb == FLOE_TYPE_DATE && !sub) {
        int32_t *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            int32_t res = 0;
            bool ok = floe_date_add_days(((const int32_t *)b->data)[floe_vidx(b, r)], load_i(a, r), &res);
            TEMPORAL_CHECK(ok, "date");
            o[r] = res;
        });
        return FLOE_OK;
    }
    if (ta == FLOE_TYPE_DATE && tb == FLOE_TYPE_DATE && sub) {
        /* the difference of two int32 day counts always fits int64 */
        if (floe_eval_pclass(out->type) == FLOE_PC_I32) {
            int32_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, {
                int64_t d = load_i(a, r) - load_i(b, r);
                TEMPORAL_CHECK(d >= INT32_MIN && d <= INT32_MAX, "integer");
                o[r] = (int32_t)d;
            });
        } else {
            int64_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, { o[r] = load_i(a, r) - load_i(b, r); });
        }
        return FLOE_OK;
    }
    if (ta == FLOE_TYPE_TIMESTAMP && tb == FLOE_TYPE_TIMESTAMP && sub) {
        floe_interval *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            floe_interval res = {0, 0, 0};
            TEMPORAL_CHECK(floe_timestamp_diff(load_i(a, r), load_i(b, r), &res), "interval");
            o[r] = res;
        });
        return FLOE_OK;
    }
    if (ta == FLOE_TYPE_INTERVAL && tb == FLOE_TYPE_INTERVAL) {
        floe_interval *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            floe_interval x = iva[floe_vidx(a, r)], y = ivb[floe_vidx(b, r)], res = {0, 0, 0};
            bool ok = (!sub || floe_interval_neg(y, &y)) && floe_interval_add(x, y, &res);
            TEMPORAL_CHECK(ok, "interval");
            o[r] = res;
        });
        return FLOE_OK;
    }
#undef TEMPORAL_CHECK
    return floe_err_set(err, FLOE_TYPE, "operator %s is not defined for %s and %s", fn_sym(fn),
                        floe_type_name(a->type, tn1, sizeof tn1),
                        floe_type_name(b->type, tn2, sizeof tn2));
}

/* ------------------------------------------------------------- unary */

static int neg_abs(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *a = &fa->args[0];
    bool is_abs = fa->e->fn == FLOE_FN_ABS;
    int flag = 0;
    char tn[32], xs[64];
    switch (floe_eval_pclass(a->type)) {
    case FLOE_PC_I32: {
        const int32_t *x = a->data;
        int32_t *o = out->data;
        if (is_abs)
            FLOE_FOR_ROWS(fa, r, { flag |= x[r] == INT32_MIN; o[r] = x[r] < 0 ? -(x[r] | (x[r] == INT32_MIN)) : x[r]; });
        else
            FLOE_FOR_ROWS(fa, r, { flag |= x[r] == INT32_MIN; o[r] = -(x[r] | (x[r] == INT32_MIN)); });
        break;
    }
    case FLOE_PC_I64: {
        const int64_t *x = a->data;
        int64_t *o = out->data;
        if (is_abs)
            FLOE_FOR_ROWS(fa, r, { flag |= x[r] == INT64_MIN; o[r] = x[r] < 0 ? -(x[r] | (x[r] == INT64_MIN)) : x[r]; });
        else
            FLOE_FOR_ROWS(fa, r, { flag |= x[r] == INT64_MIN; o[r] = -(x[r] | (x[r] == INT64_MIN)); });
        break;
    }
    case FLOE_PC_F64: {
        const double *x = a->data;
        double *o = out->data;
        if (is_abs)
            FLOE_FOR_ROWS(fa, r, { o[r] = fabs(x[r]); });
        else
            FLOE_FOR_ROWS(fa, r, { o[r] = -x[r]; });
        return FLOE_OK;
    }
    case FLOE_PC_IV: {
        const floe_interval *x = a->data;
        floe_interval *o = out->data;
        if (is_abs) return floe_err_set(err, FLOE_TYPE, "abs is not defined for INTERVAL");
        FLOE_FOR_ROWS(fa, r, {
            floe_interval res = {0, 0, 0};
            if (!floe_interval_neg(x[r], &res) && floe_bit(out->validity, r)) {
                fmt_row(a, r, xs, sizeof xs);
                return floe_err_set(err, FLOE_RANGE, "interval out of range: -(%s)", xs);
            }
            o[r] = res;
        });
        return FLOE_OK;
    }
    default: return floe_err_set(err, FLOE_TYPE, "%s needs a number", is_abs ? "abs" : "-");
    }
    if (flag) {
        FLOE_FOR_ROWS(fa, r, {
            int64_t v = load_i(a, r);
            if (floe_bit(out->validity, r) &&
                v == (floe_eval_pclass(a->type) == FLOE_PC_I32 ? INT32_MIN : INT64_MIN)) {
                fmt_row(a, r, xs, sizeof xs);
                if (is_abs)
                    return floe_err_set(err, FLOE_RANGE, "integer overflow in abs: abs(%s) (%s)", xs,
                                        floe_type_name(out->type, tn, sizeof tn));
                return floe_err_set(err, FLOE_RANGE, "integer overflow in -: -(%s) (%s)", xs,
                                    floe_type_name(out->type, tn, sizeof tn));
            }
        });
    }
    return FLOE_OK;
}

static inline double round_away(double x) { return round(x); }

/* ROUND/FLOOR/CEIL */
static int rounding(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *a = &fa->args[0];
    const floe_vec *dg = fa->nargs > 1 ? &fa->args[1] : NULL;
    floe_fn fn = fa->e->fn;
    char tn[32];
    switch (a->type.id) {
    case FLOE_TYPE_DOUBLE: {
        const double *x = a->data;
        double *o = out->data;
        if (fn == FLOE_FN_FLOOR) {
            FLOE_FOR_ROWS(fa, r, { o[r] = floor(x[floe_vidx(a, r)]); });
        } else if (fn == FLOE_FN_CEIL) {
            FLOE_FOR_ROWS(fa, r, { o[r] = ceil(x[floe_vidx(a, r)]); });
        } else if (dg == NULL) {
            FLOE_FOR_ROWS(fa, r, { o[r] = round_away(x[floe_vidx(a, r)]); });
        } else {
            FLOE_FOR_ROWS(fa, r, {
                double v = x[floe_vidx(a, r)];
                int64_t d = load_i(dg, r);
                if (d > 300) d = 300;
                if (d < -300) d = -300;
                if (d == 0) {
                    o[r] = round_away(v);
                } else {
                    double m = pow(10.0, (double)d), t = round_away(v * m) / m;
                    o[r] = isfinite(t) ? t : v;
                }
            });
        }
        return FLOE_OK;
    }
    case FLOE_TYPE_DECIMAL: {
        int s = a->type.scale, rs = out->type.id == FLOE_TYPE_DECIMAL ? out->type.scale : 0;
        bool out64 = floe_eval_pclass(out->type) == FLOE_PC_I64;
        FLOE_FOR_ROWS(fa, r, {
            __int128 v = load_i(a, r);
            int64_t d = fn == FLOE_FN_ROUND && dg ? load_i(dg, r) : 0, res;
            if (!floe_bit(out->validity, r)) continue;
            if (d < s && s - d > 18) {
                v = 0; /* |v| < 10^19 / 2: rounds to zero at 10^19 and beyond */
            } else if (d < s) {
                int64_t p = floe_pow10[s - d];
                __int128 q = v / p, rem = v % p;
                if (fn == FLOE_FN_ROUND) {
                    if (rem * 2 >= p) q++;
                    else if (rem * 2 <= -p) q--;
                } else if (fn == FLOE_FN_FLOOR) {
                    if (rem < 0) q--;
                } else {
                    if (rem > 0) q++;
                }
                v = q * p;
            }
            if (!dec_rescale(v, s, rs, &res) || (!out64 && (res < INT32_MIN || res > INT32_MAX)) ||
                (out->type.id == FLOE_TYPE_DECIMAL && out->type.precision > 0 &&
                 out->type.precision < 19 &&
                 (res >= floe_pow10[out->type.precision] || res <= -floe_pow10[out->type.precision])))
                return floe_err_set(err, FLOE_RANGE, "value out of range for %s",
                                    floe_type_name(out->type, tn, sizeof tn));
            if (out64)
                ((int64_t *)out->data)[r] = res;
            else
                ((int32_t *)out->data)[r] = (int32_t)res;
        });
        return FLOE_OK;
    }
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: {
        bool out64 = floe_eval_pclass(out->type) == FLOE_PC_I64;
        FLOE_FOR_ROWS(fa, r, {
            __int128 v = load_i(a, r);
            int64_t d = fn == FLOE_FN_ROUND && dg ? load_i(dg, r) : 0;
            if (!floe_bit(out->validity, r)) continue;
            if (d < 0) {
                int64_t p = d < -18 ? 0 : floe_pow10[-d];
                if (p == 0) {
                    v = 0;
                } else {
                    __int128 q = v / p, rem = v % p;
                    if (rem * 2 >= p) q++;
                    else if (rem * 2 <= -p) q--;
                    v = q * p;
                }
            }
            if (out->type.id == FLOE_TYPE_DOUBLE) {
                ((double *)out->data)[r] = (double)v;
                continue;
            }
            if (v > (out64 ? INT64_MAX : INT32_MAX) || v < (out64 ? INT64_MIN : INT32_MIN))
                return floe_err_set(err, FLOE_RANGE, "integer overflow in round (%s)",
                                    floe_type_name(out->type, tn, sizeof tn));
            if (out64)
                ((int64_t *)out->data)[r] = (int64_t)v;
            else
                ((int32_t *)out->data)[r] = (int32_t)v;
        });
        return FLOE_OK;
    }
    default: return floe_err_set(err, FLOE_TYPE, "rounding needs a number");
    }
}

/* SQRT LN LOG10 EXP POWER over doubles; domain errors like PostgreSQL. */
static int math_double(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    double *o = out->data;
    const floe_vec *a = &fa->args[0];
    const double *x = a->data;
    int flag = 0;
    if (a->type.id != FLOE_TYPE_DOUBLE ||
        (fn == FLOE_FN_POWER && fa->args[1].type.id != FLOE_TYPE_DOUBLE))
        return floe_err_set(err, FLOE_TYPE, "math functions need DOUBLE arguments");
    switch (fn) {
    case FLOE_FN_SQRT:
        FLOE_FOR_ROWS(fa, r, {
            double v = x[floe_vidx(a, r)];
            flag |= v < 0;
            o[r] = sqrt(v < 0 ? 0 : v);
        });
        break;
    case FLOE_FN_LN:
        FLOE_FOR_ROWS(fa, r, {
            double v = x[floe_vidx(a, r)];
            flag |= v <= 0;
            o[r] = log(v <= 0 ? 1 : v);
        });
        break;
    case FLOE_FN_LOG10:
        FLOE_FOR_ROWS(fa, r, {
            double v = x[floe_vidx(a, r)];
            flag |= v <= 0;
            o[r] = log10(v <= 0 ? 1 : v);
        });
        break;
    case FLOE_FN_EXP:
        FLOE_FOR_ROWS(fa, r, {
            double v = x[floe_vidx(a, r)];
            o[r] = exp(v);
            flag |= isinf(o[r]) && isfinite(v);
        });
        break;
    case FLOE_FN_POWER:
        FLOE_FOR_ROWS(fa, r, {
            double v = x[floe_vidx(a, r)], p = load_d(&fa->args[1], r);
            flag |= (v == 0 && p < 0) || (v < 0 && floor(p) != p && isfinite(p));
            o[r] = pow(v, p);
            flag |= isinf(o[r]) && isfinite(v) && isfinite(p);
        });
        break;
    default: return floe_err_set(err, FLOE_MISUSE, "bad math function");
    }
    if (!flag) return FLOE_OK;
    FLOE_FOR_ROWS(fa, r, {
        double v = x[floe_vidx(a, r)];
        if (!floe_bit(out->validity, r)) continue;
        switch (fn) {
        case FLOE_FN_SQRT:
            if (v < 0) return floe_err_set(err, FLOE_RANGE, "cannot take square root of a negative number");
            break;
        case FLOE_FN_LN:
        case FLOE_FN_LOG10:
            if (v == 0) return floe_err_set(err, FLOE_RANGE, "cannot take logarithm of zero");
            if (v < 0) return floe_err_set(err, FLOE_RANGE, "cannot take logarithm of a negative number");
            break;
        case FLOE_FN_EXP:
            if (isinf(o[r]) && isfinite(v)) return floe_err_set(err, FLOE_RANGE, "value out of range: overflow");
            break;
        default: {
            double p = load_d(&fa->args[1], r);
            if (v == 0 && p < 0)
                return floe_err_set(err, FLOE_RANGE, "zero raised to a negative power is undefined");
            if (v < 0 && floor(p) != p && isfinite(p))
                return floe_err_set(err, FLOE_RANGE,
                                    "a negative number raised to a non-integer power yields a complex result");
            if (isinf(o[r]) && isfinite(v) && isfinite(p))
                return floe_err_set(err, FLOE_RANGE, "value out of range: overflow");
        }
        }
    });
    return FLOE_OK;
}

/* GREATEST/LEAST: NULL arguments are ignored; NULL only when all are. */
static int greatest_least(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    bool greatest = fa->e->fn == FLOE_FN_GREATEST;
    size_t w = floe_type_size(out->type);
    uint32_t i;
    int rc;
    if (floe_vec_ensure_validity(out)) return floe_err_nomem(err);
    memset(out->validity, 0, FLOE_BITMAP_WORDS(out->cap) * sizeof(uint64_t));
    for (i = 0; i < fa->nargs; i++) {
        const floe_vec *v = &fa->args[i];
        uint64_t *ov = out->validity;
        if (v->type.id == FLOE_TYPE_NULL) continue;
        switch (floe_eval_pclass(out->type)) {
/* typed loop: take x when out is NULL or x beats it */
#define GL_LOOP(T, BETTER)                                                         \
    do {                                                                           \
        const T *x = v->data;                                                      \
        T *o = out->data;                                                          \
        FLOE_FOR_ROWS(fa, r, {                                                     \
            uint32_t iv = floe_vidx(v, r);                                         \
            if (!floe_bit(v->validity, iv)) continue;                              \
            if (!floe_bit(ov, r) || (greatest ? BETTER(x[iv], o[r]) : BETTER(o[r], x[iv]))) { \
                o[r] = x[iv];                                                      \
                ov[r >> 6] |= 1ULL << (r & 63);                                    \
            }                                                                      \
        });                                                                        \
    } while (0)
#define GT_(p, q) ((p) > (q))
#define FGT_(p, q) ((p) > (q) || (isnan(p) && !isnan(q)))
        case FLOE_PC_I32: GL_LOOP(int32_t, GT_); continue;
        case FLOE_PC_I64: GL_LOOP(int64_t, GT_); continue;
        case FLOE_PC_F64: GL_LOOP(double, FGT_); continue;
        default: break;
#undef GL_LOOP
#undef GT_
#undef FGT_
        }
        FLOE_FOR_ROWS(fa, r, {
            uint32_t iv = floe_vidx(v, r);
            if (!floe_bit(v->validity, iv)) continue;
            if (floe_bit(out->validity, r)) {
                int c = floe_eval_cmp_rows(v, iv, out, r);
                if (greatest ? c <= 0 : c >= 0) continue;
            }
            memcpy((char *)out->data + (size_t)r * w, (const char *)v->data + (size_t)iv * w, w);
            out->validity[r >> 6] |= 1ULL << (r & 63);
        });
    }
    if (out->type.id == FLOE_TYPE_VARCHAR) {
        /* the winners point into argument vectors that are freed next */
        floe_string *s = out->data;
        FLOE_FOR_ROWS(fa, r, {
            if (floe_bit(out->validity, r)) {
                rc = floe_eval_set_str(out, r, s[r].ptr, s[r].len, err);
                if (rc) return rc;
            }
        });
    }
    return FLOE_OK;
}

int floe_fn_arith_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    char tn[32];
    switch (fn) {
    case FLOE_FN_ADD:
    case FLOE_FN_SUB:
    case FLOE_FN_MUL:
    case FLOE_FN_DIV:
    case FLOE_FN_MOD: {
        const floe_vec *a = &fa->args[0], *b = &fa->args[1];
        if (fa->nargs != 2) return floe_err_set(err, FLOE_MISUSE, "%s needs 2 arguments", fn_sym(fn));
        if (floe_type_is_temporal(a->type) || floe_type_is_temporal(b->type) ||
            a->type.id == FLOE_TYPE_INTERVAL || b->type.id == FLOE_TYPE_INTERVAL)
            return arith_temporal(fa, out, err);
        if (out->type.id == FLOE_TYPE_DECIMAL) return arith_decimal(fa, out, err);
        if (out->type.id == FLOE_TYPE_DOUBLE && a->type.id == FLOE_TYPE_DOUBLE &&
            b->type.id == FLOE_TYPE_DOUBLE)
            return arith_double(fa, out, err);
        if (floe_type_is_integer(out->type) && a->type.id == out->type.id &&
            b->type.id == out->type.id)
            return arith_int(fa, out, err);
        return floe_err_set(err, FLOE_TYPE, "operator %s: arguments must have the result type %s",
                            fn_sym(fn), floe_type_name(out->type, tn, sizeof tn));
    }
    case FLOE_FN_NEG:
        if (fa->args[0].type.id == FLOE_TYPE_DECIMAL) {
            const int64_t *x = fa->args[0].data;
            int64_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, { o[r] = x[r] == INT64_MIN ? 0 : -x[r]; });
            return FLOE_OK;
        }
        return neg_abs(fa, out, err);
    case FLOE_FN_ABS:
        if (fa->args[0].type.id == FLOE_TYPE_DECIMAL) {
            const int64_t *x = fa->args[0].data;
            int64_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, { o[r] = x[r] < 0 && x[r] != INT64_MIN ? -x[r] : x[r]; });
            return FLOE_OK;
        }
        return neg_abs(fa, out, err);
    case FLOE_FN_ROUND:
    case FLOE_FN_FLOOR:
    case FLOE_FN_CEIL: return rounding(fa, out, err);
    case FLOE_FN_SQRT:
    case FLOE_FN_LN:
    case FLOE_FN_LOG10:
    case FLOE_FN_EXP:
    case FLOE_FN_POWER: return math_double(fa, out, err);
    case FLOE_FN_GREATEST:
    case FLOE_FN_LEAST: return greatest_least(fa, out, err);
    default: return floe_err_set(err, FLOE_MISUSE, "not an arithmetic function: %d", (int)fn);
    }
}
