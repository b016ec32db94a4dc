/* engine/cast.c: CAST between all types, with validation.
 *
 * Text to number/boolean/date/timestamp/interval parses strictly (leading
 * and trailing blanks allowed) and fails with FLOE_TYPE naming the text:
 * `invalid input syntax for type integer: "abc"`. Out-of-range values fail
 * with FLOE_RANGE. DOUBLE and DECIMAL to integers round half away from zero;
 * DECIMAL rescaling rounds half away from zero and checks the precision;
 * DOUBLE to DECIMAL goes through the shortest round-trip text of the double
 * so 1.005 becomes 1.01 at scale 2 (like PostgreSQL). Anything to VARCHAR
 * uses util's value formatting. Common numeric widenings run as plain
 * vector loops; the rest converts value by value.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/eval_internal.h"
#include "util/datetime.h"

static const char *type_word(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return "boolean";
    case FLOE_TYPE_INTEGER: return "integer";
    case FLOE_TYPE_BIGINT: return "bigint";
    case FLOE_TYPE_DOUBLE: return "double";
    case FLOE_TYPE_DECIMAL: return "decimal";
    case FLOE_TYPE_DATE: return "date";
    case FLOE_TYPE_TIMESTAMP: return "timestamp";
    case FLOE_TYPE_INTERVAL: return "interval";
    default: return "varchar";
    }
}

static int bad_text(floe_type t, const char *s, uint32_t n, floe_err *err)
{
    return floe_err_set(err, FLOE_TYPE, "invalid input syntax for type %s: \"%.*s\"", type_word(t),
                        (int)(n > 100 ? 100 : n), s);
}

static int out_of_range(const floe_value *in, floe_type t, floe_err *err)
{
    char buf[64], tn[32];
    floe_value_format(in, buf, sizeof buf);
    return floe_err_set(err, FLOE_RANGE, "value %s is out of range for type %s", buf,
                        floe_type_name(t, tn, sizeof tn));
}

/* Trim ASCII blanks. */
static void trim(const char **s, uint32_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Parse [+-]digits into *out; false on syntax; *ovf on overflow. */
static bool parse_int(const char *s, uint32_t n, int64_t *out, bool *ovf)
{
    uint32_t i = 0;
    bool neg = false;
    uint64_t v = 0, lim;
    *ovf = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == n) return false;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') return false;
        d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10) *ovf = true;
        else v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Parse a decimal literal [+-]digits[.digits][e[+-]digits] to an integer
 * scaled by 10^scale, rounding half away from zero. false on syntax;
 * *ovf when |value| >= 10^18 after scaling (caller checks precision). */
static bool parse_decimal(const char *s, uint32_t n, int scale, int64_t *out, bool *ovf)
{
    const __int128 big = (__int128)1 << 120;
    uint32_t i = 0;
    bool neg = false, any = false, point = false;
    __int128 v = 0;
    int64_t shift = scale; /* value * 10^scale = v * 10^shift */
    *ovf = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        any = true;
        if (v < big / 10) {
            v = v * 10 + (c - '0');
            if (point) shift--;
        } else if (!point) {
            shift++; /* digits beyond ~36 significant ones only scale */
        }
    }
    if (!any) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int64_t e;
        bool o;
        uint32_t j = ++i;
        while (i < n && (isdigit((unsigned char)s[i]) || (i == j && (s[i] == '+' || s[i] == '-')))) i++;
        if (!parse_int(s + j, i - j, &e, &o) || o || e > 1000 || e < -1000) return false;
        shift += e;
    }
    if (i != n) return false;
    for (; shift > 0; shift--) {
        if (v > big / 10) {
            *ovf = true;
            return true;
        }
        v *= 10;
    }
    if (shift < 0) {
        __int128 p = 1;
        for (; shift < 0 && p < big / 10; shift++) p *= 10;
        if (shift < 0) {
            v = 0; /* far below the last kept digit */
        } else {
            __int128 q = v / p, rem = v % p;
            if (rem * 2 >= p) q++;
            v = q;
        }
    }
    if (v >= (__int128)1000000000000000000LL) {
        *ovf = true;
        return true;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static bool parse_bool(const char *s, uint32_t n, bool *out)
{
    static const char *t[] = {"t", "true", "y", "yes", "on", "1"};
    static const char *f[] = {"f", "false", "n", "no", "off", "0"};
    size_t k;
    for (k = 0; k < 6; k++) {
        if (strlen(t[k]) == n && strncasecmp(s, t[k], n) == 0) {
            *out = true;
            return true;
        }
        if (strlen(f[k]) == n && strncasecmp(s, f[k], n) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static int64_t round_div(__int128 v, int64_t p)
{
    __int128 q = v / p, rem = v % p;
    if (rem * 2 >= p) q++;
    else if (rem * 2 <= -p) q--;
    return (int64_t)q;
}

static bool fits_precision(int64_t v, int precision)
{
    if (precision >= 19 || precision <= 0) return true;
    return v < floe_pow10[precision] && v > -floe_pow10[precision];
}

/* From text to t. */
static int cast_from_text(const floe_value *in, floe_type t, floe_value *out, floe_err *err)
{
    const char *s = in->v.s.ptr;
    uint32_t n = in->v.s.len;
    const char *s0 = s;
    uint32_t n0 = n;
    bool ovf;
    trim(&s, &n);
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: {
        bool b;
        if (!parse_bool(s, n, &b)) return bad_text(t, s0, n0, err);
        out->v.i = b;
        return FLOE_OK;
    }
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: {
        int64_t v;
        if (!parse_int(s, n, &v, &ovf)) return bad_text(t, s0, n0, err);
        if (ovf || (t.id == FLOE_TYPE_INTEGER && (v < INT32_MIN || v > INT32_MAX)))
            return floe_err_set(err, FLOE_RANGE, "value \"%.*s\" is out of range for type %s",
                                (int)(n0 > 100 ? 100 : n0), s0, type_word(t));
        out->v.i = v;
        return FLOE_OK;
    }
    case FLOE_TYPE_DOUBLE: {
        char buf[128], *end;
        double d;
        if (n == 0 || n >= sizeof buf) return bad_text(t, s0, n0, err);
        memcpy(buf, s, n);
        buf[n] = '\0';
        if (!isdigit((unsigned char)buf[0]) && buf[0] != '-' && buf[0] != '+' && buf[0] != '.' &&
            strncasecmp(buf, "inf", 3) != 0 && strncasecmp(buf, "nan", 3) != 0)
            return bad_text(t, s0, n0, err);
        if (strchr(buf, 'x') || strchr(buf, 'X')) return bad_text(t, s0, n0, err); /* no hex */
        d = strtod(buf, &end);
        if (end == buf || *end != '\0') return bad_text(t, s0, n0, err);
        out->v.d = d;
        return FLOE_OK;
    }
    case FLOE_TYPE_DECIMAL: {
        int64_t v;
        if (!parse_decimal(s, n, t.scale, &v, &ovf)) return bad_text(t, s0, n0, err);
        if (ovf || !fits_precision(v, t.precision)) {
            char tn[32];
            return floe_err_set(err, FLOE_RANGE, "value \"%.*s\" is out of range for type %s",
                                (int)(n0 > 100 ? 100 : n0), s0, floe_type_name(t, tn, sizeof tn));
        }
        out->v.i = v;
        return FLOE_OK;
    }
    case FLOE_TYPE_DATE: {
        int32_t d;
        if (floe_date_parse(s, n, &d, NULL)) return bad_text(t, s0, n0, err);
        out->v.i = d;
        return FLOE_OK;
    }
    case FLOE_TYPE_TIMESTAMP: {
        int64_t ts;
        int rc = floe_timestamp_parse(s, n, &ts, err);
        if (rc == FLOE_RANGE) return rc; /* well-formed but beyond the type */
        if (rc) return bad_text(t, s0, n0, err);
        out->v.i = ts;
        return FLOE_OK;
    }
    case FLOE_TYPE_INTERVAL: {
        floe_interval iv;
        int rc = floe_interval_parse(s, n, &iv, err);
        if (rc == FLOE_RANGE) return rc;
        if (rc) return bad_text(t, s0, n0, err);
        out->v.iv = iv;
        return FLOE_OK;
    }
    default: break;
    }
    return floe_err_set(err, FLOE_TYPE, "cannot cast VARCHAR to %s", type_word(t));
}

static int cast_to_int(const floe_value *in, floe_type t, floe_value *out, floe_err *err)
{
    int64_t lo = t.id == FLOE_TYPE_INTEGER ? INT32_MIN : INT64_MIN;
    int64_t hi = t.id == FLOE_TYPE_INTEGER ? INT32_MAX : INT64_MAX;
    int64_t v;
    switch ((floe_type_id)in->type.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: v = in->v.i; break;
    case FLOE_TYPE_DOUBLE: {
        double r = round(in->v.d); /* half away from zero */
        if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
            return out_of_range(in, t, err);
        v = (int64_t)r;
        break;
    }
    case FLOE_TYPE_DECIMAL: v = in->type.scale ? round_div(in->v.i, floe_pow10[in->type.scale]) : in->v.i; break;
    default: {
        char tn[32];
        return floe_err_set(err, FLOE_TYPE, "cannot cast %s to %s",
                            floe_type_name(in->type, tn, sizeof tn), type_word(t));
    }
    }
    if (v < lo || v > hi) return out_of_range(in, t, err);
    out->v.i = v;
    return FLOE_OK;
}

static int cast_to_decimal(const floe_value *in, floe_type t, floe_value *out, floe_err *err)
{
    int64_t v;
    switch ((floe_type_id)in->type.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: {
        __int128 x = (__int128)in->v.i * floe_pow10[t.scale];
        if (x > INT64_MAX || x < INT64_MIN) return out_of_range(in, t, err);
        v = (int64_t)x;
        break;
    }
    case FLOE_TYPE_DECIMAL: {
        int from = in->type.scale;
        __int128 x = in->v.i;
        if (t.scale >= from) {
            x *= floe_pow10[t.scale - from];
            if (x > INT64_MAX || x < INT64_MIN) return out_of_range(in, t, err);
            v = (int64_t)x;
        } else {
            v = round_div(x, floe_pow10[from - t.scale]);
        }
        break;
    }
    case FLOE_TYPE_DOUBLE: {
        char buf[64];
        bool ovf;
        if (!isfinite(in->v.d)) return out_of_range(in, t, err);
        floe_value_format(in, buf, sizeof buf);
        if (!parse_decimal(buf, (uint32_t)strlen(buf), t.scale, &v, &ovf) || ovf)
            return out_of_range(in, t, err);
        break;
    }
    default: {
        char tn[32], tn2[32];
        return floe_err_set(err, FLOE_TYPE, "cannot cast %s to %s",
                            floe_type_name(in->type, tn, sizeof tn), floe_type_name(t, tn2, sizeof tn2));
    }
    }
    if (!fits_precision(v, t.precision)) return out_of_range(in, t, err);
    out->v.i = v;
    return FLOE_OK;
}

int floe_cast_value(const floe_value *in, floe_type t, floe_arena *arena, floe_value *out,
                    floe_err *err)
{
    char tn1[32], tn2[32];
    out->type = t;
    out->is_null = false;
    out->v.i = 0;
    if (in->is_null || in->type.id == FLOE_TYPE_NULL) {
        out->is_null = true;
        return FLOE_OK;
    }
    if (floe_type_eq(in->type, t)) {
        *out = *in;
        return FLOE_OK;
    }
    if (t.id == FLOE_TYPE_VARCHAR) {
        char buf[128];
        size_t n = floe_value_format(in, buf, sizeof buf);
        char *p = arena ? floe_arena_memdup(arena, buf, n) : NULL;
        if (p == NULL) return floe_err_nomem(err);
        out->v.s.ptr = p;
        out->v.s.len = (uint32_t)n;
        return FLOE_OK;
    }
    if (in->type.id == FLOE_TYPE_VARCHAR) return cast_from_text(in, t, out, err);
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
        if (floe_type_is_integer(in->type)) {
            out->v.i = in->v.i != 0;
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: return cast_to_int(in, t, out, err);
    case FLOE_TYPE_DOUBLE:
        switch ((floe_type_id)in->type.id) {
        case FLOE_TYPE_BOOLEAN:
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_BIGINT: out->v.d = (double)in->v.i; return FLOE_OK;
        case FLOE_TYPE_DECIMAL: out->v.d = (double)in->v.i / (double)floe_pow10[in->type.scale]; return FLOE_OK;
        default: break;
        }
        break;
    case FLOE_TYPE_DECIMAL: return cast_to_decimal(in, t, out, err);
    case FLOE_TYPE_DATE:
        if (in->type.id == FLOE_TYPE_TIMESTAMP) {
            int64_t d = in->v.i / FLOE_MICROS_PER_DAY;
            if (in->v.i % FLOE_MICROS_PER_DAY < 0) d--;
            out->v.i = d;
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_TIMESTAMP:
        if (in->type.id == FLOE_TYPE_DATE) {
            if (!floe_date_to_timestamp((int32_t)in->v.i, &out->v.i)) return out_of_range(in, t, err);
            return FLOE_OK;
        }
        break;
    default: break;
    }
    return floe_err_set(err, FLOE_TYPE, "cannot cast %s to %s", floe_type_name(in->type, tn1, sizeof tn1),
                        floe_type_name(t, tn2, sizeof tn2));
}

/* Fast vector loops for common widenings; false when the pair has none or
 * a row needs the checked value-by-value path (DATE beyond TIMESTAMP). */
static bool cast_fast(const floe_fnargs *fa, floe_vec *out)
{
    const floe_vec *a = &fa->args[0];
    int from = a->type.id, to = out->type.id;
    if (from == FLOE_TYPE_INTEGER && to == FLOE_TYPE_BIGINT) {
        const int32_t *x = a->data;
        int64_t *o = out->data;
        FLOE_FOR_ROWS(fa, r, { o[r] = x[r]; });
        return true;
    }
    if ((from == FLOE_TYPE_INTEGER || from == FLOE_TYPE_BIGINT) && to == FLOE_TYPE_DOUBLE) {
        double *o = out->data;
        if (from == FLOE_TYPE_INTEGER) {
            const int32_t *x = a->data;
            FLOE_FOR_ROWS(fa, r, { o[r] = x[r]; });
        } else {
            const int64_t *x = a->data;
            FLOE_FOR_ROWS(fa, r, { o[r] = (double)x[r]; });
        }
        return true;
    }
    if (from == FLOE_TYPE_DECIMAL && to == FLOE_TYPE_DOUBLE) {
        const int64_t *x = a->data;
        double *o = out->data, p = (double)floe_pow10[a->type.scale];
        FLOE_FOR_ROWS(fa, r, { o[r] = (double)x[r] / p; });
        return true;
    }
    if (from == FLOE_TYPE_DATE && to == FLOE_TYPE_TIMESTAMP) {
        /* dates beyond year ~292000 do not fit: the value path reports them */
        const int32_t *x = a->data;
        int64_t *o = out->data;
        int flag = 0;
        FLOE_FOR_ROWS(fa, r, { flag |= __builtin_mul_overflow((int64_t)x[r], FLOE_MICROS_PER_DAY, &o[r]); });
        return !flag;
    }
    if (from == FLOE_TYPE_TIMESTAMP && to == FLOE_TYPE_DATE) {
        const int64_t *x = a->data;
        int32_t *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            int64_t d = x[r] / FLOE_MICROS_PER_DAY;
            o[r] = (int32_t)(d - (x[r] % FLOE_MICROS_PER_DAY < 0));
        });
        return true;
    }
    return false;
}

/* Checked numeric conversions as plain loops. A sticky flag marks rows
 * that are out of range (possibly NULL rows with garbage values); then the
 * caller reruns the value-by-value path, which skips NULLs and reports the
 * first real error. Returns true when the result is complete. */
static bool cast_fast_checked(const floe_fnargs *fa, floe_vec *out)
{
    const floe_vec *a = &fa->args[0];
    floe_type ft = a->type, tt = out->type;
    int flag = 0;
    if (floe_eval_pclass(ft) == FLOE_PC_I64 && (tt.id == FLOE_TYPE_DECIMAL || tt.id == FLOE_TYPE_BIGINT ||
                                               tt.id == FLOE_TYPE_INTEGER) &&
        (ft.id == FLOE_TYPE_BIGINT || ft.id == FLOE_TYPE_DECIMAL)) {
        /* BIGINT/DECIMAL -> DECIMAL/BIGINT/INTEGER: rescale by 10^(ts - fs) */
        const int64_t *x = a->data;
        int fs = ft.id == FLOE_TYPE_DECIMAL ? ft.scale : 0;
        int ts = tt.id == FLOE_TYPE_DECIMAL ? tt.scale : 0;
        int64_t lo = INT64_MIN, hi = INT64_MAX;
        if (tt.id == FLOE_TYPE_INTEGER) {
            lo = INT32_MIN;
            hi = INT32_MAX;
        } else if (tt.id == FLOE_TYPE_DECIMAL && tt.precision >= 1 && tt.precision < 19) {
            hi = floe_pow10[tt.precision] - 1;
            lo = -hi;
        }
        if (ts >= fs) {
            int64_t m = floe_pow10[ts - fs];
            if (tt.id == FLOE_TYPE_INTEGER) {
                int32_t *o = out->data;
                FLOE_FOR_ROWS(fa, r, {
                    flag |= x[r] < lo || x[r] > hi;
                    o[r] = (int32_t)x[r];
                });
            } else {
                int64_t *o = out->data;
                FLOE_FOR_ROWS(fa, r, {
                    int64_t v;
                    flag |= __builtin_mul_overflow(x[r], m, &v);
                    flag |= v < lo || v > hi;
                    o[r] = v;
                });
            }
        } else {
            int64_t p = floe_pow10[fs - ts];
            bool i32 = tt.id == FLOE_TYPE_INTEGER;
            FLOE_FOR_ROWS(fa, r, {
                int64_t q = x[r] / p, rem = x[r] % p;
                q += (rem * 2 >= p) - (rem * 2 <= -p); /* half away from zero */
                flag |= q < lo || q > hi;
                if (i32)
                    ((int32_t *)out->data)[r] = (int32_t)q;
                else
                    ((int64_t *)out->data)[r] = q;
            });
        }
        return !flag;
    }
    if (ft.id == FLOE_TYPE_DOUBLE && floe_type_is_integer(tt)) {
        const double *x = a->data;
        double lo = tt.id == FLOE_TYPE_INTEGER ? -2147483648.5 : -9223372036854775808.0;
        double hi = tt.id == FLOE_TYPE_INTEGER ? 2147483647.5 : 9223372036854775808.0;
        if (tt.id == FLOE_TYPE_INTEGER) {
            int32_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, {
                double v = round(x[r]);
                int okv = v >= lo && v < hi;
                flag |= !okv;
                o[r] = okv ? (int32_t)v : 0;
            });
        } else {
            int64_t *o = out->data;
            FLOE_FOR_ROWS(fa, r, {
                double v = round(x[r]);
                int okv = v >= lo && v < hi;
                flag |= !okv;
                o[r] = okv ? (int64_t)v : 0;
            });
        }
        return !flag;
    }
    return false;
}

int floe_cast_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_vec *a = &fa->args[0];
    floe_type t = out->type;
    int rc;
    if (floe_type_eq(a->type, t)) {
        size_t w = floe_type_size(t);
        FLOE_FOR_ROWS(fa, r, {
            memcpy((char *)out->data + (size_t)r * w, (const char *)a->data + (size_t)floe_vidx(a, r) * w, w);
        });
        if (t.id == FLOE_TYPE_VARCHAR) return floe_eval_adopt_strings(out, a, fa, err);
        return FLOE_OK;
    }
    if (a->type.id == FLOE_TYPE_NULL) {
        if (floe_vec_ensure_validity(out)) return floe_err_nomem(err);
        memset(out->validity, 0, FLOE_BITMAP_WORDS(out->cap) * sizeof(uint64_t));
        return FLOE_OK;
    }
    if (!floe_vec_const(a) && (cast_fast(fa, out) || cast_fast_checked(fa, out))) return FLOE_OK;
    FLOE_FOR_ROWS(fa, r, {
        floe_value x, y;
        if (!floe_bit(out->validity, r)) continue;
        floe_eval_load(a, r, &x);
        if (t.id == FLOE_TYPE_VARCHAR) {
            char buf[128];
            size_t n = floe_value_format(&x, buf, sizeof buf);
            rc = floe_eval_set_str(out, r, buf, (uint32_t)n, err);
        } else {
            rc = floe_cast_value(&x, t, NULL, &y, err);
            if (rc == FLOE_OK) floe_value_store(&y, out->data, r);
        }
        if (rc && fa->e && fa->e->kind == FLOE_EXPR_CAST && fa->e->negated && rc != FLOE_NOMEM) {
            /* try_cast: the row becomes NULL */
            floe_err_clear(err);
            if (floe_vec_set_null(out, r) != FLOE_OK) return floe_err_nomem(err);
            rc = FLOE_OK;
        }
        if (rc) return rc;
    });
    return FLOE_OK;
}
