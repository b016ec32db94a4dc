/* sql/bind_expr.c: typed construction, implicit casts and constant folding
 * of bound expressions. */
#include "sql/bind_expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "util/datetime.h"

/* ------------------------------------------------------------ constructors */

floe_expr *floe_bind_expr_new(floe_arena *a, floe_expr_kind kind, floe_type t, uint32_t nargs)
{
    floe_expr *e = floe_arena_alloc(a, sizeof *e);
    if (e == NULL) return NULL;
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->type = t;
    e->nargs = nargs;
    if (nargs) {
        e->args = floe_arena_alloc(a, nargs * sizeof *e->args);
        if (e->args == NULL) return NULL;
        memset(e->args, 0, nargs * sizeof *e->args);
    }
    return e;
}

floe_expr *floe_bind_expr_const(floe_arena *a, floe_value v)
{
    floe_expr *e = floe_bind_expr_new(a, FLOE_EXPR_CONST, v.type, 0);
    if (e == NULL) return NULL;
    e->value = v;
    return e;
}

floe_expr *floe_bind_expr_column(floe_arena *a, uint32_t index, floe_type t)
{
    floe_expr *e = floe_bind_expr_new(a, FLOE_EXPR_COLUMN, t, 0);
    if (e == NULL) return NULL;
    e->index = index;
    return e;
}

floe_expr *floe_bind_expr_call(floe_arena *a, floe_fn fn, floe_type t, floe_expr **args,
                               uint32_t nargs)
{
    floe_expr *e = floe_bind_expr_new(a, FLOE_EXPR_CALL, t, nargs);
    if (e == NULL) return NULL;
    e->fn = fn;
    if (nargs) memcpy(e->args, args, nargs * sizeof *args);
    return e;
}

floe_expr *floe_bind_expr_copy(floe_arena *a, const floe_expr *e)
{
    floe_expr *c;
    uint32_t i;
    if (e == NULL) return NULL;
    c = floe_arena_alloc(a, sizeof *c);
    if (c == NULL) return NULL;
    *c = *e;
    if (e->nargs) {
        c->args = floe_arena_alloc(a, e->nargs * sizeof *c->args);
        if (c->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++) {
            c->args[i] = floe_bind_expr_copy(a, e->args[i]);
            if (c->args[i] == NULL) return NULL;
        }
    }
    return c;
}

floe_expr *floe_bind_expr_subst(floe_arena *a, const floe_expr *e, floe_expr *const *repl)
{
    floe_expr *x;
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN) return floe_bind_expr_copy(a, repl[e->index]);
    x = floe_arena_alloc(a, sizeof *x);
    if (x == NULL) return NULL;
    *x = *e;
    if (e->nargs) {
        x->args = floe_arena_alloc(a, e->nargs * sizeof *x->args);
        if (x->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((x->args[i] = floe_bind_expr_subst(a, e->args[i], repl)) == NULL) return NULL;
    }
    return x;
}

static bool value_equal(const floe_value *x, const floe_value *y)
{
    if (!floe_type_eq(x->type, y->type) || x->is_null != y->is_null) return false;
    if (x->is_null) return true;
    if (x->type.id == FLOE_TYPE_INTERVAL)
        return x->v.iv.months == y->v.iv.months && x->v.iv.days == y->v.iv.days &&
               x->v.iv.micros == y->v.iv.micros;
    if (x->type.id == FLOE_TYPE_DOUBLE) return memcmp(&x->v.d, &y->v.d, sizeof x->v.d) == 0;
    return floe_value_cmp(x, y) == 0;
}

bool floe_bind_expr_equal(const floe_expr *x, const floe_expr *y)
{
    uint32_t i;
    if (x == y) return true;
    if (x == NULL || y == NULL) return false;
    if (x->kind != y->kind || !floe_type_eq(x->type, y->type) || x->nargs != y->nargs ||
        x->negated != y->negated || x->ilike != y->ilike || x->has_else != y->has_else)
        return false;
    switch (x->kind) {
    case FLOE_EXPR_CONST:
        if (!value_equal(&x->value, &y->value)) return false;
        break;
    case FLOE_EXPR_COLUMN:
    case FLOE_EXPR_PARAM:
        if (x->index != y->index) return false;
        break;
    case FLOE_EXPR_CALL:
        if (x->fn != y->fn) return false;
        break;
    case FLOE_EXPR_SUBQUERY:
        if (x->subplan != y->subplan || x->subq_kind != y->subq_kind) return false;
        break;
    default: break;
    }
    for (i = 0; i < x->nargs; i++)
        if (!floe_bind_expr_equal(x->args[i], y->args[i])) return false;
    return true;
}

bool floe_bind_expr_is_const(const floe_expr *e)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN || e->kind == FLOE_EXPR_PARAM ||
        e->kind == FLOE_EXPR_SUBQUERY)
        return false;
    for (i = 0; i < e->nargs; i++)
        if (!floe_bind_expr_is_const(e->args[i])) return false;
    return true;
}

const char *floe_bind_expr_type_name(floe_type t, char buf[32])
{
    return floe_type_name(t, buf, 32);
}

/* ------------------------------------------------------------ value casts */


static int range_err(floe_err *err, const floe_value *v, floe_type to)
{
    char b1[32], b2[64];
    floe_value_format(v, b2, sizeof b2);
    return floe_err_set(err, FLOE_RANGE, "value %s out of range for %s", b2,
                        floe_type_name(to, b1, sizeof b1));
}

static int check_int_range(const floe_value *src, int64_t x, floe_type to, floe_err *err)
{
    if (to.id == FLOE_TYPE_INTEGER && (x < INT32_MIN || x > INT32_MAX))
        return range_err(err, src, to);
    return FLOE_OK;
}

/* Decimal from int64 scaled integer at scale `s` to scale `ts`, precision tp. */
static int rescale(const floe_value *src, int64_t x, int s, floe_type to, int64_t *out,
                   floe_err *err)
{
    int ts = to.scale;
    if (ts >= s) {
        int64_t m = floe_pow10[ts - s];
        if (x > INT64_MAX / m || x < INT64_MIN / m) return range_err(err, src, to);
        x *= m;
    } else {
        int64_t d = floe_pow10[s - ts], q = x / d, r = x % d;
        /* round half away from zero */
        if (r * 2 >= d) q++;
        else if (r * 2 <= -d) q--;
        x = q;
    }
    if (to.precision > 0 && to.precision < 19) {
        int64_t lim = floe_pow10[to.precision];
        if (x >= lim || x <= -lim) return range_err(err, src, to);
    }
    *out = x;
    return FLOE_OK;
}

static int parse_decimal_text(const char *s, size_t n, int scale, int64_t *out, bool *ok)
{
    size_t i = 0;
    int neg = 0, frac = 0, any = 0;
    __int128 acc = 0;
    int round_digit = -1;
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    while (i < n && isdigit((unsigned char)s[i])) {
        /* saturate past 10^20: scaled by up to 10^18 below it still fits 128 bits */
        if (acc <= (__int128)10000000000LL * 1000000000LL) acc = acc * 10 + (s[i] - '0');
        i++;
        any = 1;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && isdigit((unsigned char)s[i])) {
            if (frac < scale) {
                acc = acc * 10 + (s[i] - '0');
                frac++;
            } else if (round_digit < 0) {
                round_digit = s[i] - '0';
            }
            i++;
            any = 1;
        }
    }
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (!any || i != n) return *ok = false, 0;
    while (frac < scale) {
        acc *= 10;
        frac++;
    }
    if (round_digit >= 5) acc++;
    if (neg) acc = -acc;
    /* well-formed but huge: saturate, so the caller's precision check
     * (p <= 18) reports it as out of range rather than as bad syntax */
    if (acc > INT64_MAX) acc = INT64_MAX;
    if (acc < -INT64_MAX) acc = -INT64_MAX;
    *out = (int64_t)acc;
    *ok = true;
    return 0;
}

static int cast_from_string(floe_arena *a, const floe_value *v, floe_type to, floe_value *out,
                            floe_err *err)
{
    const char *s = v->v.s.ptr;
    size_t n = v->v.s.len;
    char buf[128], tn[32];
    int rc;
    (void)a;
    out->type = to;
    out->is_null = false;
    switch ((floe_type_id)to.id) {
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: {
        char *end;
        long long x;
        if (n == 0 || n >= sizeof buf) goto bad;
        memcpy(buf, s, n);
        buf[n] = '\0';
        errno = 0;
        x = strtoll(buf, &end, 10);
        while (*end && isspace((unsigned char)*end)) end++;
        if (end == buf || *end) goto bad;
        if (errno == ERANGE) return range_err(err, v, to);
        out->v.i = x;
        return check_int_range(v, x, to, err);
    }
    case FLOE_TYPE_DOUBLE: {
        char *end;
        if (n == 0 || n >= sizeof buf) goto bad;
        memcpy(buf, s, n);
        buf[n] = '\0';
        out->v.d = strtod(buf, &end);
        while (*end && isspace((unsigned char)*end)) end++;
        if (end == buf || *end) goto bad;
        return FLOE_OK;
    }
    case FLOE_TYPE_DECIMAL: {
        bool ok;
        int64_t x;
        parse_decimal_text(s, n, to.scale, &x, &ok);
        if (!ok) goto bad;
        if (to.precision < 19 && (x >= floe_pow10[to.precision] || x <= -floe_pow10[to.precision]))
            return range_err(err, v, to);
        out->v.i = x;
        return FLOE_OK;
    }
    case FLOE_TYPE_BOOLEAN: {
        size_t b = 0, e = n;
        while (b < e && isspace((unsigned char)s[b])) b++;
        while (e > b && isspace((unsigned char)s[e - 1])) e--;
        if ((e - b == 4 && strncasecmp(s + b, "true", 4) == 0) ||
            (e - b == 1 && (s[b] == 't' || s[b] == 'T' || s[b] == '1')) ||
            (e - b == 3 && strncasecmp(s + b, "yes", 3) == 0))
            out->v.i = 1;
        else if ((e - b == 5 && strncasecmp(s + b, "false", 5) == 0) ||
                 (e - b == 1 && (s[b] == 'f' || s[b] == 'F' || s[b] == '0')) ||
                 (e - b == 2 && strncasecmp(s + b, "no", 2) == 0))
            out->v.i = 0;
        else
            goto bad;
        return FLOE_OK;
    }
    case FLOE_TYPE_DATE: {
        int32_t d;
        rc = floe_date_parse(s, n, &d, err);
        if (rc) return rc;
        out->v.i = d;
        return FLOE_OK;
    }
    case FLOE_TYPE_TIMESTAMP: {
        int64_t t;
        rc = floe_timestamp_parse(s, n, &t, err);
        if (rc) return rc;
        out->v.i = t;
        return FLOE_OK;
    }
    case FLOE_TYPE_INTERVAL:
        return floe_interval_parse(s, n, &out->v.iv, err);
    case FLOE_TYPE_VARCHAR: *out = *v; return FLOE_OK;
    default: break;
    }
bad:
    return floe_err_set(err, FLOE_TYPE, "invalid input for %s: '%.*s'",
                        floe_type_name(to, tn, sizeof tn), (int)(n > 200 ? 200 : n), s);
}

static int64_t round_double(double d) { return (int64_t)llround(d); }

int floe_bind_expr_cast_value(floe_arena *a, const floe_value *v, floe_type to, floe_value *out,
                              floe_err *err)
{
    char b1[32], b2[32];
    floe_type from = v->type;
    if (v->is_null || from.id == FLOE_TYPE_NULL) {
        *out = floe_value_null(to);
        return FLOE_OK;
    }
    if (floe_type_eq(from, to)) {
        *out = *v;
        return FLOE_OK;
    }
    out->type = to;
    out->is_null = false;
    out->v.i = 0;
    if (from.id == FLOE_TYPE_VARCHAR) return cast_from_string(a, v, to, out, err);
    if (to.id == FLOE_TYPE_VARCHAR) {
        char buf[128];
        size_t n = floe_value_format(v, buf, sizeof buf);
        char *p = floe_arena_strndup(a, buf, n);
        if (p == NULL) return floe_err_nomem(err);
        out->v.s.ptr = p;
        out->v.s.len = (uint32_t)n;
        return FLOE_OK;
    }
    switch ((floe_type_id)from.id) {
    case FLOE_TYPE_BOOLEAN:
        if (floe_type_is_integer(to)) {
            out->v.i = v->v.i != 0;
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
        if (floe_type_is_integer(to)) {
            out->v.i = v->v.i;
            return check_int_range(v, v->v.i, to, err);
        }
        if (to.id == FLOE_TYPE_DOUBLE) {
            out->v.d = (double)v->v.i;
            return FLOE_OK;
        }
        if (to.id == FLOE_TYPE_DECIMAL) return rescale(v, v->v.i, 0, to, &out->v.i, err);
        if (to.id == FLOE_TYPE_BOOLEAN) {
            out->v.i = v->v.i != 0;
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_DECIMAL:
        if (to.id == FLOE_TYPE_DECIMAL) return rescale(v, v->v.i, from.scale, to, &out->v.i, err);
        if (to.id == FLOE_TYPE_DOUBLE) {
            out->v.d = (double)v->v.i / (double)floe_pow10[from.scale];
            return FLOE_OK;
        }
        if (floe_type_is_integer(to)) {
            floe_type t0 = floe_type_decimal(18, 0);
            int rc = rescale(v, v->v.i, from.scale, t0, &out->v.i, err);
            if (rc) return rc;
            out->type = to;
            return check_int_range(v, out->v.i, to, err);
        }
        break;
    case FLOE_TYPE_DOUBLE:
        if (isnan(v->v.d) || isinf(v->v.d)) {
            if (to.id != FLOE_TYPE_DOUBLE) return range_err(err, v, to);
        }
        if (floe_type_is_integer(to)) {
            /* the engine's bound: round(d) in [-2^63, 2^63) */
            if (!(round(v->v.d) >= -9223372036854775808.0 && round(v->v.d) < 9223372036854775808.0))
                return range_err(err, v, to);
            out->v.i = round_double(v->v.d);
            return check_int_range(v, out->v.i, to, err);
        }
        if (to.id == FLOE_TYPE_DECIMAL) {
            double x = v->v.d * (double)floe_pow10[to.scale];
            if (fabs(x) >= (double)floe_pow10[to.precision < 19 ? to.precision : 18])
                return range_err(err, v, to);
            out->v.i = round_double(x);
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_DATE:
        if (to.id == FLOE_TYPE_TIMESTAMP) {
            if (!floe_date_to_timestamp((int32_t)v->v.i, &out->v.i)) return range_err(err, v, to);
            return FLOE_OK;
        }
        break;
    case FLOE_TYPE_TIMESTAMP:
        if (to.id == FLOE_TYPE_DATE) {
            int64_t d = v->v.i / FLOE_MICROS_PER_DAY;
            if (v->v.i % FLOE_MICROS_PER_DAY < 0) d--;
            out->v.i = d;
            return FLOE_OK;
        }
        break;
    default: break;
    }
    return floe_err_set(err, FLOE_TYPE, "cannot cast %s to %s", floe_type_name(from, b1, sizeof b1),
                        floe_type_name(to, b2, sizeof b2));
}

/* Whether any cast (explicit) exists from `from` to `to`. */
static bool cast_exists(floe_type from, floe_type to)
{
    if (from.id == FLOE_TYPE_NULL || from.id == FLOE_TYPE_VARCHAR || to.id == FLOE_TYPE_VARCHAR)
        return true;
    if (floe_type_eq(from, to)) return true;
    if ((floe_type_is_numeric(from) || from.id == FLOE_TYPE_BOOLEAN) &&
        (floe_type_is_numeric(to) || to.id == FLOE_TYPE_BOOLEAN))
        return !(from.id == FLOE_TYPE_BOOLEAN && (to.id == FLOE_TYPE_DOUBLE || to.id == FLOE_TYPE_DECIMAL)) &&
               !(to.id == FLOE_TYPE_BOOLEAN && (from.id == FLOE_TYPE_DOUBLE || from.id == FLOE_TYPE_DECIMAL));
    if (floe_type_is_temporal(from) && floe_type_is_temporal(to)) return true;
    return from.id == to.id;
}

bool floe_bind_expr_implicit_ok(floe_type from, floe_type to)
{
    if (from.id == FLOE_TYPE_NULL || floe_type_eq(from, to)) return true;
    if (floe_type_is_numeric(from) && floe_type_is_numeric(to)) return true;
    if (from.id == FLOE_TYPE_DATE && to.id == FLOE_TYPE_TIMESTAMP) return true;
    return from.id == to.id;
}

int floe_bind_expr_cast(floe_arena *a, floe_expr *e, floe_type to, floe_expr **out,
                        floe_err *err)
{
    floe_expr *c;
    char b1[32], b2[32];
    if (floe_type_eq(e->type, to)) {
        *out = e;
        return FLOE_OK;
    }
    if (!cast_exists(e->type, to))
        return floe_err_set(err, FLOE_TYPE, "cannot cast %s to %s",
                            floe_type_name(e->type, b1, sizeof b1),
                            floe_type_name(to, b2, sizeof b2));
    if (e->kind == FLOE_EXPR_CONST) {
        floe_value v;
        int rc = floe_bind_expr_cast_value(a, &e->value, to, &v, err);
        if (rc) return rc;
        c = floe_bind_expr_const(a, v);
        if (c == NULL) return floe_err_nomem(err);
        c->name = e->name;
        *out = c;
        return FLOE_OK;
    }
    c = floe_bind_expr_new(a, FLOE_EXPR_CAST, to, 1);
    if (c == NULL) return floe_err_nomem(err);
    c->args[0] = e;
    *out = c;
    return FLOE_OK;
}

/* --------------------------------------------------------- type promotion */

static int num_rank(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_INTEGER: return 1;
    case FLOE_TYPE_BIGINT: return 2;
    case FLOE_TYPE_DECIMAL: return 3;
    case FLOE_TYPE_DOUBLE: return 4;
    default: return 0;
    }
}

static int digits_of(int64_t x)
{
    int d = 1;
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    while (u >= 10) {
        u /= 10;
        d++;
    }
    return d;
}

/* Integer digits and scale an operand contributes to a DECIMAL common type. */
static void dec_shape(const floe_expr *e, int *intd, int *scale)
{
    floe_type t = e->type;
    if (t.id == FLOE_TYPE_DECIMAL) {
        *intd = t.precision - t.scale;
        *scale = t.scale;
    } else if (e->kind == FLOE_EXPR_CONST && !e->value.is_null && floe_type_is_integer(t)) {
        *intd = digits_of(e->value.v.i);
        *scale = 0;
    } else {
        *intd = t.id == FLOE_TYPE_INTEGER ? 10 : 18;
        *scale = 0;
    }
}

static floe_type numeric_common(const floe_expr *x, const floe_expr *y)
{
    int rx = num_rank(x->type), ry = num_rank(y->type);
    int r = rx > ry ? rx : ry;
    if (r == 4) return floe_type_make(FLOE_TYPE_DOUBLE);
    if (r == 3) {
        int ix, sx, iy, sy, intd, s, p;
        dec_shape(x, &ix, &sx);
        dec_shape(y, &iy, &sy);
        intd = ix > iy ? ix : iy;
        s = sx > sy ? sx : sy;
        p = intd + s;
        if (p > 18) p = 18;
        if (s > p) s = p;
        return floe_type_decimal(p, s);
    }
    return floe_type_make(r == 2 ? FLOE_TYPE_BIGINT : FLOE_TYPE_INTEGER);
}

static bool is_str_const(const floe_expr *e)
{
    return e->kind == FLOE_EXPR_CONST && e->type.id == FLOE_TYPE_VARCHAR;
}

bool floe_bind_expr_common_type(const floe_expr *x, const floe_expr *y, floe_type *out)
{
    floe_type a = x->type, b = y->type;
    if (floe_type_eq(a, b)) {
        *out = a;
        return true;
    }
    if (a.id == FLOE_TYPE_NULL) {
        *out = b;
        return true;
    }
    if (b.id == FLOE_TYPE_NULL) {
        *out = a;
        return true;
    }
    if (is_str_const(x) && b.id != FLOE_TYPE_VARCHAR) {
        *out = b;
        return true;
    }
    if (is_str_const(y) && a.id != FLOE_TYPE_VARCHAR) {
        *out = a;
        return true;
    }
    if (floe_type_is_numeric(a) && floe_type_is_numeric(b)) {
        *out = numeric_common(x, y);
        return true;
    }
    if (floe_type_is_temporal(a) && floe_type_is_temporal(b)) {
        *out = floe_type_make(FLOE_TYPE_TIMESTAMP);
        return true;
    }
    return false;
}

static int op_error(floe_err *err, const char *opname, floe_type a, floe_type b)
{
    char b1[32], b2[32];
    return floe_err_set(err, FLOE_TYPE, "operator does not exist: %s %s %s",
                        floe_type_name(a, b1, sizeof b1), opname, floe_type_name(b, b2, sizeof b2));
}

static bool is_cmp(floe_fn fn) { return fn >= FLOE_FN_EQ && fn <= FLOE_FN_GE; }

static int make_call2(floe_arena *a, floe_fn fn, floe_type t, floe_expr *x, floe_expr *y,
                      floe_expr **out, floe_err *err)
{
    floe_expr *args[2] = {x, y};
    floe_expr *e = floe_bind_expr_call(a, fn, t, args, 2);
    if (e == NULL) return floe_err_nomem(err);
    return floe_bind_expr_fold(a, e, out, err);
}

int floe_bind_expr_binary(floe_arena *a, floe_fn fn, const char *opname, floe_expr *x,
                          floe_expr *y, floe_expr **out, floe_err *err)
{
    floe_type tx = x->type, ty = y->type, t;
    int rc;
    const floe_type tbool = floe_type_make(FLOE_TYPE_BOOLEAN);

    if (is_cmp(fn)) {
        /* DATE column vs a TIMESTAMP constant at midnight (date +/- interval):
         * compare as DATE so the column stays bare (scan predicates, no casts) */
        if (tx.id == FLOE_TYPE_DATE && ty.id == FLOE_TYPE_TIMESTAMP && y->kind == FLOE_EXPR_CONST &&
            !y->value.is_null && y->value.v.i % FLOE_MICROS_PER_DAY == 0) {
            if ((rc = floe_bind_expr_cast(a, y, tx, &y, err))) return rc;
            ty = tx;
        } else if (ty.id == FLOE_TYPE_DATE && tx.id == FLOE_TYPE_TIMESTAMP &&
                   x->kind == FLOE_EXPR_CONST && !x->value.is_null &&
                   x->value.v.i % FLOE_MICROS_PER_DAY == 0) {
            if ((rc = floe_bind_expr_cast(a, x, ty, &x, err))) return rc;
            tx = ty;
        }
        if (!floe_bind_expr_common_type(x, y, &t)) return op_error(err, opname, tx, ty);
        if (t.id == FLOE_TYPE_NULL) t = floe_type_make(FLOE_TYPE_INTEGER);
        if ((rc = floe_bind_expr_cast(a, x, t, &x, err)) ||
            (rc = floe_bind_expr_cast(a, y, t, &y, err)))
            return rc;
        return make_call2(a, fn, tbool, x, y, out, err);
    }
    if (fn == FLOE_FN_CONCAT_OP) {
        floe_type tv = floe_type_make(FLOE_TYPE_VARCHAR);
        if ((rc = floe_bind_expr_cast(a, x, tv, &x, err)) ||
            (rc = floe_bind_expr_cast(a, y, tv, &y, err)))
            return rc;
        return make_call2(a, fn, tv, x, y, out, err);
    }
    /* NULL operand: adopt the other side's type */
    if (tx.id == FLOE_TYPE_NULL && ty.id == FLOE_TYPE_NULL) {
        tx = ty = floe_type_make(FLOE_TYPE_INTEGER);
        if ((rc = floe_bind_expr_cast(a, x, tx, &x, err)) ||
            (rc = floe_bind_expr_cast(a, y, ty, &y, err)))
            return rc;
    } else if (tx.id == FLOE_TYPE_NULL) {
        if ((rc = floe_bind_expr_cast(a, x, ty, &x, err))) return rc;
        tx = ty;
    } else if (ty.id == FLOE_TYPE_NULL) {
        if ((rc = floe_bind_expr_cast(a, y, tx, &y, err))) return rc;
        ty = tx;
    }
    /* temporal arithmetic */
    if (fn == FLOE_FN_ADD || fn == FLOE_FN_SUB) {
        floe_type_id ix = (floe_type_id)tx.id, iy = (floe_type_id)ty.id;
        if (fn == FLOE_FN_ADD && iy != FLOE_TYPE_INTERVAL && ix == FLOE_TYPE_INTERVAL &&
            floe_type_is_temporal(ty)) {
            floe_expr *s = x;
            x = y;
            y = s;
            tx = x->type;
            ty = y->type;
            ix = (floe_type_id)tx.id;
            iy = (floe_type_id)ty.id;
        }
        if (fn == FLOE_FN_ADD && ix == FLOE_TYPE_INTEGER && iy == FLOE_TYPE_DATE) {
            floe_expr *s = x;
            x = y;
            y = s;
            tx = x->type;
            ty = y->type;
            ix = (floe_type_id)tx.id;
            iy = (floe_type_id)ty.id;
        }
        if (floe_type_is_temporal(tx) && (iy == FLOE_TYPE_INTERVAL || is_str_const(y))) {
            if ((rc = floe_bind_expr_cast(a, y, floe_type_make(FLOE_TYPE_INTERVAL), &y, err)))
                return rc;
            return make_call2(a, fn, floe_type_make(FLOE_TYPE_TIMESTAMP), x, y, out, err);
        }
        if (ix == FLOE_TYPE_DATE && floe_type_is_integer(ty)) {
            if ((rc = floe_bind_expr_cast(a, y, floe_type_make(FLOE_TYPE_INTEGER), &y, err)))
                return rc;
            return make_call2(a, fn, floe_type_make(FLOE_TYPE_DATE), x, y, out, err);
        }
        if (fn == FLOE_FN_SUB && ix == FLOE_TYPE_DATE && (iy == FLOE_TYPE_DATE || is_str_const(y))) {
            if ((rc = floe_bind_expr_cast(a, y, tx, &y, err))) return rc;
            return make_call2(a, fn, floe_type_make(FLOE_TYPE_INTEGER), x, y, out, err);
        }
        if (fn == FLOE_FN_SUB && floe_type_is_temporal(tx) &&
            (floe_type_is_temporal(ty) || is_str_const(y))) {
            floe_type ts = floe_type_make(FLOE_TYPE_TIMESTAMP);
            if ((rc = floe_bind_expr_cast(a, x, ts, &x, err)) ||
                (rc = floe_bind_expr_cast(a, y, ts, &y, err)))
                return rc;
            return make_call2(a, fn, floe_type_make(FLOE_TYPE_INTERVAL), x, y, out, err);
        }
        if (ix == FLOE_TYPE_INTERVAL && iy == FLOE_TYPE_INTERVAL) {
            if (fn == FLOE_FN_SUB) {
                if ((rc = floe_bind_expr_neg(a, y, &y, err))) return rc;
            }
            return make_call2(a, FLOE_FN_ADD, tx, x, y, out, err);
        }
    }
    if (!floe_type_is_numeric(tx) || !floe_type_is_numeric(ty)) {
        /* a string constant next to a number adopts the number's type */
        if (is_str_const(x) && floe_type_is_numeric(ty)) {
            if ((rc = floe_bind_expr_cast(a, x, ty, &x, err))) return rc;
            return floe_bind_expr_binary(a, fn, opname, x, y, out, err);
        }
        if (is_str_const(y) && floe_type_is_numeric(tx)) {
            if ((rc = floe_bind_expr_cast(a, y, tx, &y, err))) return rc;
            return floe_bind_expr_binary(a, fn, opname, x, y, out, err);
        }
        return op_error(err, opname, tx, ty);
    }
    t = numeric_common(x, y);
    if (t.id == FLOE_TYPE_DECIMAL) {
        if (fn == FLOE_FN_DIV) {
            t = floe_type_make(FLOE_TYPE_DOUBLE);
        } else if (fn == FLOE_FN_MUL) {
            int ix, sx, iy, sy, p, s;
            dec_shape(x, &ix, &sx);
            dec_shape(y, &iy, &sy);
            s = sx + sy;
            p = ix + iy + s;
            if (s > 18) {
                t = floe_type_make(FLOE_TYPE_DOUBLE);
            } else {
                floe_type txd = floe_type_decimal(ix + sx > 18 ? 18 : ix + sx, sx);
                floe_type tyd = floe_type_decimal(iy + sy > 18 ? 18 : iy + sy, sy);
                if (p > 18) p = 18;
                if ((rc = floe_bind_expr_cast(a, x, txd, &x, err)) ||
                    (rc = floe_bind_expr_cast(a, y, tyd, &y, err)))
                    return rc;
                return make_call2(a, fn, floe_type_decimal(p, s), x, y, out, err);
            }
        } else {
            /* ADD SUB MOD: same scale on both sides, result one more digit */
            floe_type res = floe_type_decimal(t.precision < 18 ? t.precision + 1 : 18, t.scale);
            if ((rc = floe_bind_expr_cast(a, x, t, &x, err)) ||
                (rc = floe_bind_expr_cast(a, y, t, &y, err)))
                return rc;
            return make_call2(a, fn, fn == FLOE_FN_MOD ? t : res, x, y, out, err);
        }
    }
    if ((rc = floe_bind_expr_cast(a, x, t, &x, err)) ||
        (rc = floe_bind_expr_cast(a, y, t, &y, err)))
        return rc;
    return make_call2(a, fn, t, x, y, out, err);
}

int floe_bind_expr_neg(floe_arena *a, floe_expr *x, floe_expr **out, floe_err *err)
{
    floe_expr *e;
    char b1[32];
    if (x->type.id == FLOE_TYPE_NULL) {
        int rc = floe_bind_expr_cast(a, x, floe_type_make(FLOE_TYPE_INTEGER), &x, err);
        if (rc) return rc;
    }
    if (!floe_type_is_numeric(x->type) && x->type.id != FLOE_TYPE_INTERVAL)
        return floe_err_set(err, FLOE_TYPE, "operator does not exist: - %s",
                            floe_type_name(x->type, b1, sizeof b1));
    e = floe_bind_expr_call(a, FLOE_FN_NEG, x->type, &x, 1);
    if (e == NULL) return floe_err_nomem(err);
    return floe_bind_expr_fold(a, e, out, err);
}

int floe_bind_expr_logic(floe_arena *a, floe_expr_kind kind, floe_expr **args, uint32_t nargs,
                         floe_expr **out, floe_err *err)
{
    floe_type tb = floe_type_make(FLOE_TYPE_BOOLEAN);
    floe_expr *e = floe_bind_expr_new(a, kind, tb, nargs);
    uint32_t i;
    char b1[32];
    if (e == NULL) return floe_err_nomem(err);
    for (i = 0; i < nargs; i++) {
        floe_expr *x = args[i];
        if (x->type.id == FLOE_TYPE_NULL || is_str_const(x)) {
            int rc = floe_bind_expr_cast(a, x, tb, &x, err);
            if (rc) return rc;
        }
        if (x->type.id != FLOE_TYPE_BOOLEAN)
            return floe_err_set(err, FLOE_TYPE, "argument of %s must be type BOOLEAN, not type %s",
                                kind == FLOE_EXPR_AND  ? "AND"
                                : kind == FLOE_EXPR_OR ? "OR"
                                                       : "NOT",
                                floe_type_name(x->type, b1, sizeof b1));
        e->args[i] = x;
    }
    return floe_bind_expr_fold(a, e, out, err);
}

/* ----------------------------------------------------------------- folding */

static bool all_const_args(const floe_expr *e)
{
    uint32_t i;
    for (i = 0; i < e->nargs; i++)
        if (e->args[i]->kind != FLOE_EXPR_CONST) return false;
    return true;
}

static int set_const(floe_arena *a, floe_expr *e, floe_value v, floe_expr **out, floe_err *err)
{
    floe_expr *c = floe_bind_expr_const(a, v);
    if (c == NULL) return floe_err_nomem(err);
    c->name = e->name;
    *out = c;
    return FLOE_OK;
}

static int fold_arith(floe_arena *a, floe_expr *e, floe_expr **out, floe_err *err)
{
    const floe_value *x = &e->args[0]->value;
    const floe_value *y = e->nargs > 1 ? &e->args[1]->value : NULL;
    floe_value r;
    r.type = e->type;
    r.is_null = false;
    r.v.i = 0;
    if (x->is_null || (y && y->is_null)) return set_const(a, e, floe_value_null(e->type), out, err);
    if (e->fn == FLOE_FN_NEG) {
        if (x->type.id == FLOE_TYPE_DOUBLE) r.v.d = -x->v.d;
        else if (x->type.id == FLOE_TYPE_INTERVAL) {
            if (!floe_interval_neg(x->v.iv, &r.v.iv)) goto keep; /* the engine reports it */
        } else {
            if (x->v.i == INT64_MIN) goto keep;
            r.v.i = -x->v.i;
            if (e->type.id == FLOE_TYPE_INTEGER && (r.v.i < INT32_MIN || r.v.i > INT32_MAX))
                goto keep;
        }
        return set_const(a, e, r, out, err);
    }
    /* temporal */
    /* temporal: anything out of range is left to the engine, which raises
     * FLOE_RANGE naming the operands if the expression is evaluated */
    if (floe_type_is_temporal(x->type) && y->type.id == FLOE_TYPE_INTERVAL) {
        int64_t ts = x->v.i;
        floe_interval iv = y->v.iv;
        if (x->type.id == FLOE_TYPE_DATE && !floe_date_to_timestamp((int32_t)x->v.i, &ts)) goto keep;
        if (e->fn == FLOE_FN_SUB && !floe_interval_neg(iv, &iv)) goto keep;
        if (!floe_timestamp_add(ts, iv, &r.v.i)) goto keep;
        return set_const(a, e, r, out, err);
    }
    if (x->type.id == FLOE_TYPE_DATE && y->type.id == FLOE_TYPE_INTEGER) {
        int32_t d;
        if (!floe_date_add_days((int32_t)x->v.i, e->fn == FLOE_FN_ADD ? y->v.i : -y->v.i, &d))
            goto keep; /* y is an INTEGER: -y fits */
        r.v.i = d;
        return set_const(a, e, r, out, err);
    }
    if (x->type.id == FLOE_TYPE_DATE && y->type.id == FLOE_TYPE_DATE) {
        r.v.i = x->v.i - y->v.i;
        if (e->type.id == FLOE_TYPE_INTEGER && (r.v.i < INT32_MIN || r.v.i > INT32_MAX)) goto keep;
        return set_const(a, e, r, out, err);
    }
    if (x->type.id == FLOE_TYPE_TIMESTAMP && y->type.id == FLOE_TYPE_TIMESTAMP) {
        if (!floe_timestamp_diff(x->v.i, y->v.i, &r.v.iv)) goto keep;
        return set_const(a, e, r, out, err);
    }
    if (x->type.id == FLOE_TYPE_INTERVAL && y->type.id == FLOE_TYPE_INTERVAL) {
        floe_interval yv = y->v.iv;
        if (e->fn == FLOE_FN_SUB && !floe_interval_neg(yv, &yv)) goto keep;
        if (!floe_interval_add(x->v.iv, yv, &r.v.iv)) goto keep;
        return set_const(a, e, r, out, err);
    }
    if (x->type.id == FLOE_TYPE_DOUBLE) {
        double p = x->v.d, q = y->v.d;
        switch (e->fn) {
        case FLOE_FN_ADD: r.v.d = p + q; break;
        case FLOE_FN_SUB: r.v.d = p - q; break;
        case FLOE_FN_MUL: r.v.d = p * q; break;
        case FLOE_FN_DIV:
            if (q == 0) goto keep; /* fails at run time only if evaluated */
            r.v.d = p / q;
            break;
        case FLOE_FN_MOD:
            if (q == 0) goto keep;
            r.v.d = fmod(p, q);
            break;
        default: *out = e; return FLOE_OK;
        }
        return set_const(a, e, r, out, err);
    }
    if (floe_type_is_integer(x->type) || x->type.id == FLOE_TYPE_DECIMAL) {
        int64_t p = x->v.i, q = y->v.i, z;
        bool ovf = false;
        switch (e->fn) {
        case FLOE_FN_ADD: ovf = __builtin_add_overflow(p, q, &z); break;
        case FLOE_FN_SUB: ovf = __builtin_sub_overflow(p, q, &z); break;
        case FLOE_FN_MUL: ovf = __builtin_mul_overflow(p, q, &z); break;
        case FLOE_FN_DIV:
        case FLOE_FN_MOD:
            if (x->type.id == FLOE_TYPE_DECIMAL && e->fn == FLOE_FN_DIV) {
                *out = e;
                return FLOE_OK;
            }
            if (q == 0) goto keep;
            if (p == INT64_MIN && q == -1) ovf = true;
            else z = e->fn == FLOE_FN_DIV ? p / q : p % q;
            break;
        default: *out = e; return FLOE_OK;
        }
        if (ovf || (e->type.id == FLOE_TYPE_INTEGER && (z < INT32_MIN || z > INT32_MAX)))
            goto keep;
        if (e->type.id == FLOE_TYPE_DECIMAL && e->type.precision < 19 &&
            (z >= floe_pow10[e->type.precision] || z <= -floe_pow10[e->type.precision])) {
            *out = e; /* leave it to the engine's wider evaluation */
            return FLOE_OK;
        }
        r.v.i = z;
        return set_const(a, e, r, out, err);
    }
keep:
    *out = e;
    return FLOE_OK;
}

/* Fold a constant expression with the engine's evaluator; on any evaluation
 * error the expression is kept (it fails at run time only if evaluated). */
static int fold_engine(floe_arena *a, floe_expr *e, floe_expr **out, floe_err *err)
{
    floe_eval_ctx ctx;
    floe_err e2 = FLOE_ERR_INIT;
    floe_value v;
    int rc;
    memset(&ctx, 0, sizeof ctx);
    rc = floe_expr_eval_const(e, &ctx, a, &v, &e2);
    floe_eval_ctx_free(&ctx);
    if (rc == FLOE_NOMEM) return floe_err_nomem(err);
    if (rc != FLOE_OK || !floe_type_eq(v.type, e->type)) return FLOE_OK;
    return set_const(a, e, v, out, err);
}

int floe_bind_expr_fold(floe_arena *a, floe_expr *e, floe_expr **out, floe_err *err)
{
    floe_value r;
    uint32_t i;
    const floe_type tb = floe_type_make(FLOE_TYPE_BOOLEAN);
    *out = e;
    switch (e->kind) {
    case FLOE_EXPR_CAST:
        if (e->args[0]->kind == FLOE_EXPR_CONST) {
            int rc = floe_bind_expr_cast_value(a, &e->args[0]->value, e->type, &r, err);
            if (rc) return rc;
            return set_const(a, e, r, out, err);
        }
        return FLOE_OK;
    case FLOE_EXPR_CALL:
        /* strict functions: a NULL argument makes the result NULL */
        if (floe_functions_get(e->fn)->flags & FLOE_FNF_FOLD_NULL)
            for (i = 0; i < e->nargs; i++)
                if (e->args[i]->kind == FLOE_EXPR_CONST && e->args[i]->value.is_null)
                    return set_const(a, e, floe_value_null(e->type), out, err);
        if (!all_const_args(e)) return FLOE_OK;
        switch (e->fn) {
        case FLOE_FN_ADD:
        case FLOE_FN_SUB:
        case FLOE_FN_MUL:
        case FLOE_FN_DIV:
        case FLOE_FN_MOD:
        case FLOE_FN_NEG: return fold_arith(a, e, out, err);
        case FLOE_FN_EQ:
        case FLOE_FN_NE:
        case FLOE_FN_LT:
        case FLOE_FN_LE:
        case FLOE_FN_GT:
        case FLOE_FN_GE: {
            const floe_value *x = &e->args[0]->value, *y = &e->args[1]->value;
            int c;
            if (x->is_null || y->is_null) return set_const(a, e, floe_value_null(tb), out, err);
            c = floe_value_cmp(x, y);
            r.type = tb;
            r.is_null = false;
            r.v.i = e->fn == FLOE_FN_EQ   ? c == 0
                    : e->fn == FLOE_FN_NE ? c != 0
                    : e->fn == FLOE_FN_LT ? c < 0
                    : e->fn == FLOE_FN_LE ? c <= 0
                    : e->fn == FLOE_FN_GT ? c > 0
                                          : c >= 0;
            return set_const(a, e, r, out, err);
        }
        default:
            if (floe_functions_get(e->fn)->flags & FLOE_FNF_FOLD) return fold_engine(a, e, out, err);
            return FLOE_OK;
        }
    case FLOE_EXPR_NOT:
        if (e->args[0]->kind != FLOE_EXPR_CONST) return FLOE_OK;
        r = e->args[0]->value;
        r.type = tb;
        if (!r.is_null) r.v.i = !r.v.i;
        return set_const(a, e, r, out, err);
    case FLOE_EXPR_AND:
    case FLOE_EXPR_OR: {
        /* drop neutral constants; a dominant constant decides */
        bool is_and = e->kind == FLOE_EXPR_AND, saw_null = false;
        uint32_t n = 0;
        for (i = 0; i < e->nargs; i++) {
            floe_expr *x = e->args[i];
            if (x->kind == FLOE_EXPR_CONST) {
                if (x->value.is_null) {
                    saw_null = true;
                    continue;
                }
                if ((x->value.v.i != 0) == is_and) continue; /* neutral */
                r.type = tb;
                r.is_null = false;
                r.v.i = !is_and;
                return set_const(a, e, r, out, err);
            }
            e->args[n++] = x;
        }
        if (saw_null) {
            r = floe_value_null(tb);
            e->args[n++] = floe_bind_expr_const(a, r);
            if (e->args[n - 1] == NULL) return floe_err_nomem(err);
        }
        e->nargs = n;
        if (n == 0) {
            r.type = tb;
            r.is_null = false;
            r.v.i = is_and;
            return set_const(a, e, r, out, err);
        }
        if (n == 1) *out = e->args[0];
        return FLOE_OK;
    }
    case FLOE_EXPR_COALESCE: {
        /* NULL constants drop out; a non-NULL constant ends the list */
        uint32_t n = 0;
        for (i = 0; i < e->nargs; i++) {
            floe_expr *x = e->args[i];
            if (x->kind == FLOE_EXPR_CONST && x->value.is_null) continue;
            e->args[n++] = x;
            if (x->kind == FLOE_EXPR_CONST) break;
        }
        if (n == 0) return set_const(a, e, floe_value_null(e->type), out, err);
        e->nargs = n;
        if (n == 1) *out = e->args[0];
        return FLOE_OK;
    }
    case FLOE_EXPR_CASE: {
        /* WHEN branches with constant FALSE/NULL conditions drop out; a
         * leading constant TRUE condition selects its result */
        uint32_t npairs = (e->nargs - (e->has_else ? 1 : 0)) / 2, n = 0;
        for (i = 0; i < npairs; i++) {
            floe_expr *w = e->args[2 * i], *t = e->args[2 * i + 1];
            if (w->kind == FLOE_EXPR_CONST) {
                if (w->value.is_null || !w->value.v.i) continue;
                if (n == 0) {
                    *out = t;
                    return FLOE_OK;
                }
            }
            e->args[2 * n] = w;
            e->args[2 * n + 1] = t;
            n++;
        }
        if (e->has_else) e->args[2 * n] = e->args[e->nargs - 1];
        if (n == 0) {
            if (e->has_else) *out = e->args[0];
            else return set_const(a, e, floe_value_null(e->type), out, err);
            return FLOE_OK;
        }
        e->nargs = 2 * n + (e->has_else ? 1 : 0);
        return FLOE_OK;
    }
    case FLOE_EXPR_IN_LIST:
        if (e->args[0]->kind == FLOE_EXPR_CONST && e->args[0]->value.is_null)
            return set_const(a, e, floe_value_null(e->type), out, err);
        return FLOE_OK;
    case FLOE_EXPR_IS_NULL:
        if (e->args[0]->kind != FLOE_EXPR_CONST) return FLOE_OK;
        r.type = tb;
        r.is_null = false;
        r.v.i = e->args[0]->value.is_null != e->negated;
        return set_const(a, e, r, out, err);
    default: return FLOE_OK;
    }
}
