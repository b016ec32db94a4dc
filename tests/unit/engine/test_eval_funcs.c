/* tests/unit/engine/test_eval_funcs.c: LIKE, casts, string and date
 * functions, each checked against hand-computed expected values. */
#include <math.h>

#include "engine/eval_internal.h"
#include "util/datetime.h"
#include "evaltest.h"

TestSuite(funcs, .init = t_setup, .fini = t_teardown);

/* ------------------------------------------------------------ LIKE */

static const struct {
    const char *text, *pat, *esc;
    int ilike, want;
} like_cases[] = {
    {"hello", "hello", NULL, 0, 1},
    {"hello", "hell", NULL, 0, 0},
    {"hello", "h%", NULL, 0, 1},
    {"hello", "%llo", NULL, 0, 1},
    {"hello", "%ell%", NULL, 0, 1},
    {"hello", "%x%", NULL, 0, 0},
    {"hello", "h_llo", NULL, 0, 1},
    {"hello", "h__lo", NULL, 0, 1},
    {"hello", "h___lo", NULL, 0, 0},
    {"hello", "%", NULL, 0, 1},
    {"", "%", NULL, 0, 1},
    {"", "_", NULL, 0, 0},
    {"", "", NULL, 0, 1},
    {"abc", "", NULL, 0, 0},
    {"abcabc", "%b%c", NULL, 0, 1},
    {"abcabd", "%b%c", NULL, 0, 0},
    {"mississippi", "m%iss%pi", NULL, 0, 1},
    {"mississippi", "m%is%is%is%", NULL, 0, 0},
    {"aaa", "a%a%a", NULL, 0, 1},
    {"aa", "a%a%a", NULL, 0, 0},
    {"héllo", "h_llo", NULL, 0, 1},   /* _ is one UTF-8 character */
    {"héllo", "h__llo", NULL, 0, 0},
    {"日本語", "___", NULL, 0, 1},
    {"日本語", "日%", NULL, 0, 1},
    {"日本語", "%語", NULL, 0, 1},
    {"日本語", "_本_", NULL, 0, 1},
    {"100%", "100!%", "!", 0, 1},
    {"1000", "100!%", "!", 0, 0},
    {"a_b", "a!_b", "!", 0, 1},
    {"axb", "a!_b", "!", 0, 0},
    {"a!b", "a!!b", "!", 0, 1},
    {"50% off", "%!%%", "!", 0, 1},
    {"a\\b", "a\\b", NULL, 0, 1}, /* no default escape */
    {"HeLLo", "hello", NULL, 1, 1},
    {"HeLLo", "h%O", NULL, 1, 1},
    {"HeLLo", "h%O", NULL, 0, 0},
    {"ABC", "a_c", NULL, 1, 1},
    {"ÉCOLE", "éc%", NULL, 1, 1},
    {"ÉCOLE", "éc%", NULL, 0, 0},
    {"ПРИВЕТ мир", "привет%", NULL, 1, 1},
    {"A%B", "a!%b", "!", 1, 1},
    {"AxB", "a!%b", "!", 1, 0},
    {"a_b", "AX_B", "X", 1, 1},
    {"", "%", NULL, 1, 1},
};

Test(funcs, like_pattern_table)
{
    size_t k;
    floe_type vt = T(FLOE_TYPE_VARCHAR), bt = T(FLOE_TYPE_BOOLEAN);
    for (k = 0; k < sizeof like_cases / sizeof like_cases[0]; k++) {
        floe_string s = {like_cases[k].text, (uint32_t)strlen(like_cases[k].text)};
        floe_batch b;
        floe_vec o;
        floe_expr *e;
        int neg;
        for (neg = 0; neg <= 1; neg++) {
            /* constant pattern over a column (fast paths) */
            e = like_cases[k].esc ? node(FLOE_EXPR_LIKE, bt, 3, col(0, vt), cstr(like_cases[k].pat), cstr(like_cases[k].esc))
                                  : node(FLOE_EXPR_LIKE, bt, 2, col(0, vt), cstr(like_cases[k].pat));
            e->ilike = like_cases[k].ilike;
            e->negated = neg;
            t_batch(&b, 2, 1);
            t_col(&b, 0, vt, &s, NULL);
            t_eval(e, &b, &o);
            cr_assert_eq(VAL(&o, uint8_t, 0), like_cases[k].want ^ neg, "'%s' LIKE '%s' (neg %d)",
                         like_cases[k].text, like_cases[k].pat, neg);
            floe_vec_free(&o);
            /* pattern from a column (general matcher per row) */
            {
                floe_string p = {like_cases[k].pat, (uint32_t)strlen(like_cases[k].pat)};
                t_col(&b, 1, vt, &p, NULL);
                e->args[1] = col(1, vt);
                t_eval(e, &b, &o);
                cr_assert_eq(VAL(&o, uint8_t, 0), like_cases[k].want ^ neg, "row pattern '%s' LIKE '%s'",
                             like_cases[k].text, like_cases[k].pat);
                floe_vec_free(&o);
            }
            floe_batch_free(&b);
        }
    }
}

Test(funcs, like_pattern_ending_in_escape_is_an_error)
{
    floe_batch b;
    floe_type vt = T(FLOE_TYPE_VARCHAR), bt = T(FLOE_TYPE_BOOLEAN);
    floe_string s = {"ab", 2};
    t_batch(&b, 1, 1);
    t_col(&b, 0, vt, &s, NULL);
    t_expect_err(node(FLOE_EXPR_LIKE, bt, 3, col(0, vt), cstr("ab!"), cstr("!")), &b, FLOE_ERROR,
                 "must not end with escape");
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ casts */

static floe_value cast_const(floe_expr *a, floe_type t) { return t_const(cast(a, t)); }

static void expect_cast_err(floe_expr *a, floe_type t, int code, const char *frag)
{
    floe_batch b;
    t_batch(&b, 0, 1);
    t_expect_err(cast(a, t), &b, code, frag);
    floe_batch_free(&b);
}

Test(funcs, text_casts_validate_and_name_the_text)
{
    floe_value v;
    floe_type it = T(FLOE_TYPE_INTEGER), lt = T(FLOE_TYPE_BIGINT), dt = T(FLOE_TYPE_DOUBLE);
    v = cast_const(cstr(" 42 "), it);
    cr_assert_eq(v.v.i, 42);
    v = cast_const(cstr("-2147483648"), it);
    cr_assert_eq(v.v.i, INT32_MIN);
    v = cast_const(cstr("9223372036854775807"), lt);
    cr_assert_eq(v.v.i, INT64_MAX);
    v = cast_const(cstr("-9223372036854775808"), lt);
    cr_assert_eq(v.v.i, INT64_MIN);
    expect_cast_err(cstr("abc"), it, FLOE_TYPE, "invalid input syntax for type integer: \"abc\"");
    expect_cast_err(cstr("1.5"), it, FLOE_TYPE, "\"1.5\"");
    expect_cast_err(cstr(""), it, FLOE_TYPE, "\"\"");
    expect_cast_err(cstr("2147483648"), it, FLOE_RANGE, "2147483648");
    expect_cast_err(cstr("9223372036854775808"), lt, FLOE_RANGE, "out of range");
    v = cast_const(cstr("1.5e3"), dt);
    cr_assert_eq(v.v.d, 1500);
    v = cast_const(cstr("-inf"), dt);
    cr_assert(isinf(v.v.d) && v.v.d < 0);
    expect_cast_err(cstr("1.5x"), dt, FLOE_TYPE, "double: \"1.5x\"");
    v = cast_const(cstr("TRUE"), T(FLOE_TYPE_BOOLEAN));
    cr_assert_eq(v.v.i, 1);
    v = cast_const(cstr(" off"), T(FLOE_TYPE_BOOLEAN));
    cr_assert_eq(v.v.i, 0);
    expect_cast_err(cstr("maybe"), T(FLOE_TYPE_BOOLEAN), FLOE_TYPE, "\"maybe\"");
    v = cast_const(cstr("2024-02-29"), T(FLOE_TYPE_DATE));
    cr_assert_eq(v.v.i, floe_date_from_ymd(2024, 2, 29));
    expect_cast_err(cstr("2023-02-29"), T(FLOE_TYPE_DATE), FLOE_TYPE, "date: \"2023-02-29\"");
    v = cast_const(cstr("2024-01-02 03:04:05.5"), T(FLOE_TYPE_TIMESTAMP));
    cr_assert_eq(v.v.i, floe_date_from_ymd(2024, 1, 2) * FLOE_MICROS_PER_DAY + (3 * 3600 + 4 * 60 + 5) * FLOE_MICROS_PER_SEC + 500000);
    expect_cast_err(cstr("yesterday-ish"), T(FLOE_TYPE_TIMESTAMP), FLOE_TYPE, "yesterday-ish");
    v = cast_const(cstr("1 day 2 hours"), T(FLOE_TYPE_INTERVAL));
    cr_assert_eq(v.v.iv.days, 1);
    cr_assert_eq(v.v.iv.micros, 2 * 3600 * FLOE_MICROS_PER_SEC);
    expect_cast_err(cstr("1 fortnight"), T(FLOE_TYPE_INTERVAL), FLOE_TYPE, "fortnight");
}

Test(funcs, decimal_casts_round_and_check_precision)
{
    floe_value v;
    floe_type d52 = floe_type_decimal(5, 2), d102 = floe_type_decimal(10, 2), d104 = floe_type_decimal(10, 4);
    v = cast_const(cstr("123.456"), d52);
    cr_assert_eq(v.v.i, 12346);
    v = cast_const(cstr("-123.455"), d52);
    cr_assert_eq(v.v.i, -12346); /* half away from zero */
    v = cast_const(cstr("1e2"), d52);
    cr_assert_eq(v.v.i, 10000);
    expect_cast_err(cstr("1000"), d52, FLOE_RANGE, "out of range");
    v = cast_const(cstr("0.0049"), d52);
    cr_assert_eq(v.v.i, 0);
    v = cast_const(cstr("-0.005"), d52);
    cr_assert_eq(v.v.i, -1);
    v = cast_const(cstr("+.5"), floe_type_decimal(5, 0));
    cr_assert_eq(v.v.i, 1);
    v = cast_const(cstr("1.5e-1"), floe_type_decimal(5, 1));
    cr_assert_eq(v.v.i, 2);
    v = cast_const(cstr("0.000000000000000000000000000000000000000001"), d52);
    cr_assert_eq(v.v.i, 0);
    expect_cast_err(cstr("123456789012345678901234567890"), floe_type_decimal(18, 0), FLOE_RANGE, "out of range");
    expect_cast_err(cstr("."), d52, FLOE_TYPE, "\".\"");
    expect_cast_err(cstr("1e"), d52, FLOE_TYPE, "\"1e\"");
    expect_cast_err(cstr("12a"), d52, FLOE_TYPE, "\"12a\"");
    v = cast_const(cf64(1.005), d102);
    cr_assert_eq(v.v.i, 101);
    v = cast_const(cf64(-2.5), floe_type_decimal(10, 0));
    cr_assert_eq(v.v.i, -3);
    v = cast_const(cval(d104, 123455), d102); /* 12.3455 -> 12.35 */
    cr_assert_eq(v.v.i, 1235);
    v = cast_const(cval(d102, 1235), d104);
    cr_assert_eq(v.v.i, 123500);
    expect_cast_err(cval(d102, 12345678), floe_type_decimal(6, 2), FLOE_RANGE, "out of range");
    v = cast_const(ci32(42), d102);
    cr_assert_eq(v.v.i, 4200);
    v = cast_const(cval(d102, 1250), T(FLOE_TYPE_INTEGER)); /* 12.50 -> 13 */
    cr_assert_eq(v.v.i, 13);
    v = cast_const(cval(d102, -1250), T(FLOE_TYPE_BIGINT));
    cr_assert_eq(v.v.i, -13);
    v = cast_const(cval(d102, 1250), T(FLOE_TYPE_DOUBLE));
    cr_assert_eq(v.v.d, 12.5);
}

Test(funcs, numeric_casts_round_and_check_range)
{
    floe_value v;
    floe_type it = T(FLOE_TYPE_INTEGER), lt = T(FLOE_TYPE_BIGINT);
    v = cast_const(cf64(2.5), it);
    cr_assert_eq(v.v.i, 3);
    v = cast_const(cf64(-2.5), it);
    cr_assert_eq(v.v.i, -3);
    v = cast_const(cf64(2.4999), it);
    cr_assert_eq(v.v.i, 2);
    expect_cast_err(cf64(3e9), it, FLOE_RANGE, "out of range for type INTEGER");
    expect_cast_err(cf64(NAN), lt, FLOE_RANGE, "out of range");
    expect_cast_err(cf64(9.3e18), lt, FLOE_RANGE, "out of range");
    expect_cast_err(ci64(1LL << 40), it, FLOE_RANGE, "1099511627776");
    v = cast_const(ci64(-7), it);
    cr_assert_eq(v.v.i, -7);
    v = cast_const(ci32(0), T(FLOE_TYPE_BOOLEAN));
    cr_assert_eq(v.v.i, 0);
    v = cast_const(cbool(1), it);
    cr_assert_eq(v.v.i, 1);
}

Test(funcs, casts_to_varchar_and_temporal)
{
    floe_value v;
    floe_type vt = T(FLOE_TYPE_VARCHAR);
    int64_t ts = floe_date_from_ymd(2024, 3, 1) * FLOE_MICROS_PER_DAY + 3723 * FLOE_MICROS_PER_SEC;
#define STR_IS(val, want) cr_assert(val.v.s.len == strlen(want) && memcmp(val.v.s.ptr, want, val.v.s.len) == 0, "got '%.*s'", (int)val.v.s.len, val.v.s.ptr)
    v = cast_const(ci32(-12), vt);
    STR_IS(v, "-12");
    v = cast_const(cf64(0.1), vt);
    STR_IS(v, "0.1");
    v = cast_const(cval(floe_type_decimal(10, 2), -5), vt);
    STR_IS(v, "-0.05");
    v = cast_const(cbool(1), vt);
    STR_IS(v, "true");
    v = cast_const(cval(T(FLOE_TYPE_TIMESTAMP), ts), vt);
    STR_IS(v, "2024-03-01 01:02:03");
    v = cast_const(cval(T(FLOE_TYPE_TIMESTAMP), ts), T(FLOE_TYPE_DATE));
    cr_assert_eq(v.v.i, floe_date_from_ymd(2024, 3, 1));
    v = cast_const(cval(T(FLOE_TYPE_TIMESTAMP), -1), T(FLOE_TYPE_DATE));
    cr_assert_eq(v.v.i, -1); /* floors before the epoch */
    v = cast_const(cval(T(FLOE_TYPE_DATE), 19000), T(FLOE_TYPE_TIMESTAMP));
    cr_assert_eq(v.v.i, 19000 * FLOE_MICROS_PER_DAY);
    v = cast_const(cnull(T(FLOE_TYPE_INTEGER)), vt);
    cr_assert(v.is_null);
    expect_cast_err(cval(T(FLOE_TYPE_DATE), 1), T(FLOE_TYPE_INTERVAL), FLOE_TYPE, "cannot cast DATE to INTERVAL");
}

Test(funcs, vector_casts_with_nulls_and_selection)
{
    int32_t x[5] = {1, -2, 3, 4, 5};
    floe_string s[5] = {{"7", 1}, {"x", 1}, {"-9", 2}, {"10", 2}, {"zz", 2}};
    uint64_t v = 0x1d; /* row 1 NULL */
    uint32_t sel[3] = {0, 2, 3};
    floe_batch b;
    floe_vec o;
    floe_type it = T(FLOE_TYPE_INTEGER), vt = T(FLOE_TYPE_VARCHAR);
    t_batch(&b, 2, 5);
    t_col(&b, 0, it, x, &v);
    t_col(&b, 1, vt, s, &v);
    t_eval(cast(col(0, it), T(FLOE_TYPE_DOUBLE)), &b, &o);
    cr_assert_eq(VAL(&o, double, 4), 5.0);
    cr_assert(!t_valid(&o, 1));
    floe_vec_free(&o);
    /* row 1 ('x') is NULL and row 4 ('zz') is not selected: no error */
    t_sel(&b, sel, 3);
    t_eval(cast(col(1, vt), it), &b, &o);
    cr_assert_eq(VAL(&o, int32_t, 0), 7);
    cr_assert_eq(VAL(&o, int32_t, 2), -9);
    cr_assert_eq(VAL(&o, int32_t, 3), 10);
    floe_vec_free(&o);
    t_eval(cast(col(0, it), vt), &b, &o);
    cr_assert(VAL(&o, floe_string, 2).len == 1 && VAL(&o, floe_string, 2).ptr[0] == '3');
    floe_vec_free(&o);
    floe_batch_free(&b);
    t_batch(&b, 2, 5);
    t_col(&b, 1, vt, s, &v);
    t_expect_err(cast(col(1, vt), it), &b, FLOE_TYPE, "\"zz\"");
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ strings */

static void expect_str(floe_expr *e, const char *want)
{
    floe_value v = t_const(e);
    cr_assert(!v.is_null, "expected '%s', got NULL", want);
    cr_assert(v.v.s.len == strlen(want) && memcmp(v.v.s.ptr, want, v.v.s.len) == 0, "got '%.*s' want '%s'",
              (int)v.v.s.len, v.v.s.ptr, want);
}
static int64_t const_int(floe_expr *e) { return t_const(e).v.i; }

Test(funcs, string_functions_are_utf8_aware)
{
    floe_type vt = T(FLOE_TYPE_VARCHAR), lt = T(FLOE_TYPE_BIGINT), bt = T(FLOE_TYPE_BOOLEAN);
    cr_assert_eq(const_int(call(FLOE_FN_LENGTH, lt, 1, cstr("héllo wörld"))), 11);
    cr_assert_eq(const_int(call(FLOE_FN_LENGTH, lt, 1, cstr("日本語"))), 3);
    cr_assert_eq(const_int(call(FLOE_FN_LENGTH, lt, 1, cstr(""))), 0);
    expect_str(call(FLOE_FN_UPPER, vt, 1, cstr("héllo Straße ωμέγα")), "HÉLLO STRAßE ΩΜέΓΑ");
    expect_str(call(FLOE_FN_LOWER, vt, 1, cstr("ÀÉÎ ПРИВЕТ ABC")), "àéî привет abc");
    expect_str(call(FLOE_FN_SUBSTR, vt, 3, cstr("héllo"), ci64(2), ci64(3)), "éll");
    expect_str(call(FLOE_FN_SUBSTR, vt, 2, cstr("日本語です"), ci64(3)), "語です");
    expect_str(call(FLOE_FN_SUBSTR, vt, 3, cstr("hello"), ci64(0), ci64(2)), "h");
    expect_str(call(FLOE_FN_SUBSTR, vt, 3, cstr("hello"), ci64(-5), ci64(3)), "");
    expect_str(call(FLOE_FN_SUBSTR, vt, 3, cstr("hello"), ci64(4), ci64(100)), "lo");
    expect_str(call(FLOE_FN_SUBSTR, vt, 2, cstr("hello"), ci64(9)), "");
    expect_str(call(FLOE_FN_TRIM, vt, 1, cstr("  a b  ")), "a b");
    expect_str(call(FLOE_FN_LTRIM, vt, 1, cstr("  a b  ")), "a b  ");
    expect_str(call(FLOE_FN_RTRIM, vt, 1, cstr("  a b  ")), "  a b");
    expect_str(call(FLOE_FN_TRIM, vt, 1, cstr("   ")), "");
    expect_str(call(FLOE_FN_REPLACE, vt, 3, cstr("aXbXXc"), cstr("X"), cstr("yy")), "ayybyyyyc");
    expect_str(call(FLOE_FN_REPLACE, vt, 3, cstr("ééé"), cstr("é"), cstr("e")), "eee");
    expect_str(call(FLOE_FN_REPLACE, vt, 3, cstr("abc"), cstr(""), cstr("z")), "abc");
    expect_str(call(FLOE_FN_CONCAT, vt, 3, cstr("ü"), cstr(""), cstr("ber")), "über");
    cr_assert_eq(const_int(call(FLOE_FN_STARTS_WITH, bt, 2, cstr("héllo"), cstr("hé"))), 1);
    cr_assert_eq(const_int(call(FLOE_FN_STARTS_WITH, bt, 2, cstr("héllo"), cstr("e"))), 0);
    cr_assert_eq(const_int(call(FLOE_FN_CONTAINS, bt, 2, cstr("héllo"), cstr("éll"))), 1);
    cr_assert_eq(const_int(call(FLOE_FN_CONTAINS, bt, 2, cstr("héllo"), cstr("xyz"))), 0);
    cr_assert_eq(const_int(call(FLOE_FN_CONTAINS, bt, 2, cstr("abc"), cstr(""))), 1);
    {
        floe_batch b;
        t_batch(&b, 0, 1);
        t_expect_err(call(FLOE_FN_SUBSTR, vt, 3, cstr("abc"), ci64(1), ci64(-1)), &b, FLOE_RANGE,
                     "negative substring length");
        floe_batch_free(&b);
    }
}

Test(funcs, string_functions_over_vectors_keep_results_alive)
{
    /* trim/substr results point into their argument's heap (an upper()
     * result), which must move to the output */
    floe_string s[4] = {{"  ab ", 5}, {"x", 1}, {"", 0}, {" héé ", 7}};
    uint64_t v = 0xb; /* row 2 NULL */
    floe_batch b;
    floe_vec o;
    floe_type vt = T(FLOE_TYPE_VARCHAR), lt = T(FLOE_TYPE_BIGINT);
    t_batch(&b, 1, 4);
    t_col(&b, 0, vt, s, &v);
    t_eval(call(FLOE_FN_SUBSTR, vt, 3, call(FLOE_FN_TRIM, vt, 1, call(FLOE_FN_UPPER, vt, 1, col(0, vt))), ci64(1), ci64(2)), &b, &o);
    cr_assert(VAL(&o, floe_string, 0).len == 2 && memcmp(VAL(&o, floe_string, 0).ptr, "AB", 2) == 0);
    cr_assert(VAL(&o, floe_string, 1).len == 1 && VAL(&o, floe_string, 1).ptr[0] == 'X');
    cr_assert(!t_valid(&o, 2));
    cr_assert(VAL(&o, floe_string, 3).len == 3 && memcmp(VAL(&o, floe_string, 3).ptr, "HÉ", 3) == 0);
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_LENGTH, lt, 1, col(0, vt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 3), 5);
    cr_assert_eq(VAL(&o, int64_t, 0), 5);
    floe_vec_free(&o);
    floe_batch_free(&b);
}

/* ------------------------------------------------------------ dates */

static int64_t ts_of(int y, int m, int d, int hh, int mi, int ss)
{
    return (int64_t)floe_date_from_ymd(y, m, d) * FLOE_MICROS_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss) * FLOE_MICROS_PER_SEC;
}

Test(funcs, date_functions_on_known_dates)
{
    int64_t ts[3] = {ts_of(2024, 2, 29, 13, 45, 30), ts_of(1969, 12, 31, 23, 59, 59), ts_of(2023, 1, 1, 0, 0, 0)};
    floe_batch b;
    floe_vec o;
    floe_type tt = T(FLOE_TYPE_TIMESTAMP), lt = T(FLOE_TYPE_BIGINT);
    t_batch(&b, 1, 3);
    t_col(&b, 0, tt, ts, NULL);
    t_eval(call(FLOE_FN_DATE_TRUNC, tt, 2, cstr("month"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 2, 1, 0, 0, 0));
    cr_assert_eq(VAL(&o, int64_t, 1), ts_of(1969, 12, 1, 0, 0, 0));
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_TRUNC, tt, 2, cstr("hour"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 2, 29, 13, 0, 0));
    cr_assert_eq(VAL(&o, int64_t, 1), ts_of(1969, 12, 31, 23, 0, 0)); /* floor before epoch */
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_TRUNC, tt, 2, cstr("week"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 2, 26, 0, 0, 0)); /* Monday */
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_TRUNC, tt, 2, cstr("YEAR"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 2), ts_of(2023, 1, 1, 0, 0, 0));
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_PART, lt, 2, cstr("year"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), 2024);
    cr_assert_eq(VAL(&o, int64_t, 1), 1969);
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_PART, lt, 2, cstr("dow"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), 4); /* Thursday */
    cr_assert_eq(VAL(&o, int64_t, 1), 3); /* Wednesday */
    cr_assert_eq(VAL(&o, int64_t, 2), 0); /* Sunday */
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_PART, lt, 2, cstr("doy"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), 60);
    cr_assert_eq(VAL(&o, int64_t, 1), 365);
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_PART, lt, 2, cstr("epoch"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 1), -1);
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_DATE_PART, lt, 2, cstr("minute"), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), 45);
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_TIME_BUCKET, tt, 2, civ(0, 0, 15 * 60 * FLOE_MICROS_PER_SEC), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 2, 29, 13, 45, 0));
    cr_assert_eq(VAL(&o, int64_t, 1), ts_of(1969, 12, 31, 23, 45, 0));
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_TIME_BUCKET, tt, 2, civ(0, 7, 0), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 2, 26, 0, 0, 0)); /* Monday-aligned (2000-01-03 origin) */
    floe_vec_free(&o);
    t_eval(call(FLOE_FN_TIME_BUCKET, tt, 2, civ(3, 0, 0), col(0, tt)), &b, &o);
    cr_assert_eq(VAL(&o, int64_t, 0), ts_of(2024, 1, 1, 0, 0, 0));
    cr_assert_eq(VAL(&o, int64_t, 1), ts_of(1969, 10, 1, 0, 0, 0));
    floe_vec_free(&o);
    t_expect_err(call(FLOE_FN_DATE_TRUNC, tt, 2, cstr("fortnight"), col(0, tt)), &b, FLOE_PARSE, "fortnight");
    t_expect_err(call(FLOE_FN_TIME_BUCKET, tt, 2, civ(0, 0, 0), col(0, tt)), &b, FLOE_RANGE, "positive");
    floe_batch_free(&b);
}

Test(funcs, temporal_arithmetic)
{
    floe_type tt = T(FLOE_TYPE_TIMESTAMP), dt = T(FLOE_TYPE_DATE), it = T(FLOE_TYPE_INTEGER), ivt = T(FLOE_TYPE_INTERVAL);
    floe_value v;
    /* 2024-01-31 + 1 month = 2024-02-29 (clamped) */
    v = t_const(call(FLOE_FN_ADD, tt, 2, cval(tt, ts_of(2024, 1, 31, 10, 0, 0)), civ(1, 0, 0)));
    cr_assert_eq(v.v.i, ts_of(2024, 2, 29, 10, 0, 0));
    v = t_const(call(FLOE_FN_SUB, tt, 2, cval(tt, ts_of(2024, 3, 1, 0, 0, 0)), civ(0, 1, 3600 * FLOE_MICROS_PER_SEC)));
    cr_assert_eq(v.v.i, ts_of(2024, 2, 28, 23, 0, 0));
    v = t_const(call(FLOE_FN_ADD, tt, 2, cval(dt, floe_date_from_ymd(2024, 1, 1)), civ(0, 0, 90 * FLOE_MICROS_PER_SEC)));
    cr_assert_eq(v.v.i, ts_of(2024, 1, 1, 0, 1, 30));
    v = t_const(call(FLOE_FN_ADD, dt, 2, cval(dt, floe_date_from_ymd(2024, 2, 28)), ci32(2)));
    cr_assert_eq(v.v.i, floe_date_from_ymd(2024, 3, 1));
    v = t_const(call(FLOE_FN_SUB, it, 2, cval(dt, floe_date_from_ymd(2024, 3, 1)), cval(dt, floe_date_from_ymd(2024, 2, 1))));
    cr_assert_eq(v.v.i, 29);
    v = t_const(call(FLOE_FN_SUB, ivt, 2, cval(tt, ts_of(2024, 1, 2, 3, 0, 0)), cval(tt, ts_of(2024, 1, 1, 1, 0, 0))));
    cr_assert_eq(v.v.iv.days, 1);
    cr_assert_eq(v.v.iv.micros, 2 * 3600 * FLOE_MICROS_PER_SEC);
    v = t_const(call(FLOE_FN_ADD, ivt, 2, civ(1, 2, 3), civ(4, 5, 6)));
    cr_assert(v.v.iv.months == 5 && v.v.iv.days == 7 && v.v.iv.micros == 9);
    v = t_const(call(FLOE_FN_NEG, ivt, 1, civ(1, 2, 3)));
    cr_assert(v.v.iv.months == -1 && v.v.iv.days == -2 && v.v.iv.micros == -3);
}

/* Vector casts (the plain-loop paths) against plain C rounding. */
Test(funcs, numeric_vector_casts_round_and_check_range)
{
    enum { M = 300 };
    static int64_t dec[M], big[M], ts[M];
    static double dbl[M];
    uint64_t v[FLOE_BITMAP_WORDS(M)];
    floe_type d2 = floe_type_decimal(10, 2), d1 = floe_type_decimal(10, 1), it = T(FLOE_TYPE_INTEGER),
              lt = T(FLOE_TYPE_BIGINT), dt = T(FLOE_TYPE_DOUBLE), tt = T(FLOE_TYPE_TIMESTAMP);
    floe_batch b;
    floe_vec o1, o2, o3, o4;
    uint32_t i;
    for (i = 0; i < M; i++) {
        dec[i] = (int64_t)(t_rand() % 200001) - 100000;
        big[i] = (int64_t)(t_rand() % 2000001) - 1000000;
        dbl[i] = ((double)((int64_t)(t_rand() % 20001) - 10000)) / 8.0; /* exact halves included */
        ts[i] = (int64_t)(t_rand() % 1000000000000ULL) - 500000000000LL;
    }
    for (i = 0; i < FLOE_BITMAP_WORDS(M); i++) v[i] = ~0ULL ^ (0x5ULL << (i * 7));
    dec[2] = INT64_MAX; /* garbage in NULL row 2 must not fail */
    t_batch(&b, 4, M);
    t_col(&b, 0, d2, dec, v);
    t_col(&b, 1, lt, big, v);
    t_col(&b, 2, dt, dbl, v);
    t_col(&b, 3, tt, ts, v);
    t_eval(cast(col(0, d2), d1), &b, &o1);
    t_eval(cast(col(0, d2), it), &b, &o2);
    t_eval(cast(col(2, dt), lt), &b, &o3);
    t_eval(cast(col(3, tt), T(FLOE_TYPE_DATE)), &b, &o4);
    for (i = 0; i < M; i++) {
        int64_t x = dec[i], r1, r2, r3, r4;
        if (!t_bit(v, i)) {
            cr_assert(!t_valid(&o1, i) && !t_valid(&o2, i));
            continue;
        }
        r1 = x / 10 + (x % 10 >= 5) - (x % 10 <= -5);
        r2 = x / 100 + (x % 100 >= 50) - (x % 100 <= -50);
        r3 = (int64_t)(dbl[i] < 0 ? -floor(-dbl[i] + 0.5) : floor(dbl[i] + 0.5));
        r4 = ts[i] >= 0 ? ts[i] / FLOE_MICROS_PER_DAY : -((-ts[i] + FLOE_MICROS_PER_DAY - 1) / FLOE_MICROS_PER_DAY);
        cr_assert_eq(VAL(&o1, int64_t, i), r1, "row %u: %lld", i, (long long)x);
        cr_assert_eq(VAL(&o2, int32_t, i), r2, "row %u", i);
        cr_assert_eq(VAL(&o3, int64_t, i), r3, "row %u: %g", i, dbl[i]);
        cr_assert_eq(VAL(&o4, int32_t, i), r4, "row %u", i);
    }
    floe_vec_free(&o1);
    floe_vec_free(&o2);
    floe_vec_free(&o3);
    floe_vec_free(&o4);
    /* BIGINT -> DECIMAL(8,2): |x| < 10^6 fits, the first valid row beyond fails */
    t_eval(cast(col(1, lt), floe_type_decimal(8, 2)), &b, &o1);
    for (i = 0; i < M; i++)
        if (t_bit(v, i)) cr_assert_eq(VAL(&o1, int64_t, i), big[i] * 100);
    floe_vec_free(&o1);
    big[5] = 1000000;
    t_expect_err(cast(col(1, lt), floe_type_decimal(8, 2)), &b, FLOE_RANGE, "1000000 is out of range for type DECIMAL(8,2)");
    t_expect_err(cast(col(0, d2), floe_type_decimal(3, 1)), &b, FLOE_RANGE, "out of range");
    floe_batch_free(&b);
}
