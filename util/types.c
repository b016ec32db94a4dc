/* util/types.c: type names, sizes, parsing, and scalar value helpers. */
#include "util/types.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/datetime.h"

const int64_t floe_pow10[19] = {1LL,
                                10LL,
                                100LL,
                                1000LL,
                                10000LL,
                                100000LL,
                                1000000LL,
                                10000000LL,
                                100000000LL,
                                1000000000LL,
                                10000000000LL,
                                100000000000LL,
                                1000000000000LL,
                                10000000000000LL,
                                100000000000000LL,
                                1000000000000000LL,
                                10000000000000000LL,
                                100000000000000000LL,
                                1000000000000000000LL};

size_t floe_type_size(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return 1;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return 4;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DOUBLE:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP: return 8;
    case FLOE_TYPE_VARCHAR: return sizeof(floe_string);
    case FLOE_TYPE_INTERVAL: return sizeof(floe_interval);
    case FLOE_TYPE_NULL: return 1;
    case FLOE_TYPE_INVALID: break;
    }
    return 8;
}

const char *floe_type_name(floe_type t, char *buf, size_t cap)
{
    const char *s = "INVALID";
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: s = "BOOLEAN"; break;
    case FLOE_TYPE_INTEGER: s = "INTEGER"; break;
    case FLOE_TYPE_BIGINT: s = "BIGINT"; break;
    case FLOE_TYPE_DOUBLE: s = "DOUBLE"; break;
    case FLOE_TYPE_DECIMAL:
        snprintf(buf, cap, "DECIMAL(%d,%d)", t.precision, t.scale);
        return buf;
    case FLOE_TYPE_VARCHAR: s = "VARCHAR"; break;
    case FLOE_TYPE_DATE: s = "DATE"; break;
    case FLOE_TYPE_TIMESTAMP: s = "TIMESTAMP"; break;
    case FLOE_TYPE_INTERVAL: s = "INTERVAL"; break;
    case FLOE_TYPE_NULL: s = "NULL"; break;
    case FLOE_TYPE_INVALID: break;
    }
    snprintf(buf, cap, "%s", s);
    return buf;
}

static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

int floe_type_parse(const char *s, size_t n, floe_type *out, floe_err *err)
{
    size_t i = 0, wl;
    const char *w;
    int args[2] = {-1, -1}, nargs = 0;

    while (i < n && isspace((unsigned char)s[i])) i++;
    w = s + i;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_')) i++;
    wl = (size_t)(s + i - w);
    /* two-word names: DOUBLE PRECISION, CHARACTER VARYING, TIMESTAMP WITHOUT TIME ZONE */
    while (i < n && isspace((unsigned char)s[i])) i++;
    if (i < n && s[i] == '(') {
        i++;
        while (i < n && s[i] != ')') {
            char *end;
            long v;
            while (i < n && isspace((unsigned char)s[i])) i++;
            v = strtol(s + i, &end, 10);
            if (end == s + i || nargs == 2) goto bad;
            args[nargs++] = (int)v;
            i = (size_t)(end - s);
            while (i < n && isspace((unsigned char)s[i])) i++;
            if (i < n && s[i] == ',') i++;
        }
        if (i >= n) goto bad;
        i++;
    }
    if (word_is(w, wl, "BOOLEAN") || word_is(w, wl, "BOOL")) *out = floe_type_make(FLOE_TYPE_BOOLEAN);
    else if (word_is(w, wl, "INTEGER") || word_is(w, wl, "INT") || word_is(w, wl, "INT4") ||
             word_is(w, wl, "SMALLINT") || word_is(w, wl, "TINYINT") || word_is(w, wl, "INT2"))
        *out = floe_type_make(FLOE_TYPE_INTEGER);
    else if (word_is(w, wl, "BIGINT") || word_is(w, wl, "INT8") || word_is(w, wl, "LONG"))
        *out = floe_type_make(FLOE_TYPE_BIGINT);
    else if (word_is(w, wl, "DOUBLE") || word_is(w, wl, "FLOAT8") || word_is(w, wl, "FLOAT") ||
             word_is(w, wl, "REAL") || word_is(w, wl, "FLOAT4"))
        *out = floe_type_make(FLOE_TYPE_DOUBLE);
    else if (word_is(w, wl, "DECIMAL") || word_is(w, wl, "NUMERIC")) {
        int p = nargs >= 1 ? args[0] : 18, sc = nargs >= 2 ? args[1] : (nargs == 1 ? 0 : 3);
        if (p < 1 || p > 18 || sc < 0 || sc > p)
            return floe_err_set(err, FLOE_PARSE,
                                "DECIMAL(%d,%d): precision must be 1..18 and scale 0..precision",
                                p, sc);
        *out = floe_type_decimal(p, sc);
    } else if (word_is(w, wl, "VARCHAR") || word_is(w, wl, "TEXT") || word_is(w, wl, "STRING") ||
               word_is(w, wl, "CHAR") || word_is(w, wl, "CHARACTER") || word_is(w, wl, "BPCHAR"))
        *out = floe_type_make(FLOE_TYPE_VARCHAR);
    else if (word_is(w, wl, "DATE")) *out = floe_type_make(FLOE_TYPE_DATE);
    else if (word_is(w, wl, "TIMESTAMP") || word_is(w, wl, "DATETIME") ||
             word_is(w, wl, "TIMESTAMPTZ"))
        *out = floe_type_make(FLOE_TYPE_TIMESTAMP);
    else if (word_is(w, wl, "INTERVAL")) *out = floe_type_make(FLOE_TYPE_INTERVAL);
    else goto bad;
    while (i < n && isspace((unsigned char)s[i])) i++;
    (void)i;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE, "unknown type '%.*s'", (int)n, s);
}

bool floe_type_is_integer(floe_type t)
{
    return t.id == FLOE_TYPE_INTEGER || t.id == FLOE_TYPE_BIGINT;
}

bool floe_type_is_numeric(floe_type t)
{
    return floe_type_is_integer(t) || t.id == FLOE_TYPE_DOUBLE || t.id == FLOE_TYPE_DECIMAL;
}

bool floe_type_is_temporal(floe_type t)
{
    return t.id == FLOE_TYPE_DATE || t.id == FLOE_TYPE_TIMESTAMP;
}

void floe_value_load(floe_type t, const void *data, size_t row, floe_value *out)
{
    out->type = t;
    out->is_null = false;
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: out->v.i = ((const uint8_t *)data)[row]; break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: out->v.i = ((const int32_t *)data)[row]; break;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP: out->v.i = ((const int64_t *)data)[row]; break;
    case FLOE_TYPE_DOUBLE: out->v.d = ((const double *)data)[row]; break;
    case FLOE_TYPE_VARCHAR: out->v.s = ((const floe_string *)data)[row]; break;
    case FLOE_TYPE_INTERVAL: out->v.iv = ((const floe_interval *)data)[row]; break;
    default: out->is_null = true; out->v.i = 0;
    }
}

void floe_value_store(const floe_value *v, void *data, size_t row)
{
    switch ((floe_type_id)v->type.id) {
    case FLOE_TYPE_BOOLEAN: ((uint8_t *)data)[row] = (uint8_t)(v->v.i != 0); break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: ((int32_t *)data)[row] = (int32_t)v->v.i; break;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP: ((int64_t *)data)[row] = v->v.i; break;
    case FLOE_TYPE_DOUBLE: ((double *)data)[row] = v->v.d; break;
    case FLOE_TYPE_VARCHAR: ((floe_string *)data)[row] = v->v.s; break;
    case FLOE_TYPE_INTERVAL: ((floe_interval *)data)[row] = v->v.iv; break;
    default: break;
    }
}

int floe_value_cmp(const floe_value *a, const floe_value *b)
{
    switch ((floe_type_id)a->type.id) {
    case FLOE_TYPE_DOUBLE:
        /* NaN sorts after everything, equal to itself (PostgreSQL) */
        if (isnan(a->v.d) || isnan(b->v.d)) return isnan(a->v.d) - isnan(b->v.d);
        return (a->v.d > b->v.d) - (a->v.d < b->v.d);
    case FLOE_TYPE_VARCHAR: {
        uint32_t n = a->v.s.len < b->v.s.len ? a->v.s.len : b->v.s.len;
        int c = n ? memcmp(a->v.s.ptr, b->v.s.ptr, n) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (a->v.s.len > b->v.s.len) - (a->v.s.len < b->v.s.len);
    }
    case FLOE_TYPE_INTERVAL: {
        /* compare as PostgreSQL does: months as 30 days */
        __int128 x = ((__int128)a->v.iv.months * 30 + a->v.iv.days) * FLOE_MICROS_PER_DAY +
                     a->v.iv.micros;
        __int128 y = ((__int128)b->v.iv.months * 30 + b->v.iv.days) * FLOE_MICROS_PER_DAY +
                     b->v.iv.micros;
        return (x > y) - (x < y);
    }
    default:
        return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    }
}

static size_t format_decimal(int64_t v, int scale, char *buf, size_t cap)
{
    char tmp[320]; /* scale <= 255 digits in the worst case */
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t p = (uint64_t)floe_pow10[scale < 0 ? 0 : scale > 18 ? 18 : scale];
    if (scale == 0)
        snprintf(tmp, sizeof tmp, "%s%llu", v < 0 ? "-" : "", (unsigned long long)u);
    else
        snprintf(tmp, sizeof tmp, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(u / p),
                 scale, (unsigned long long)(u % p));
    return (size_t)snprintf(buf, cap, "%s", tmp);
}

static size_t format_double(double d, char *buf, size_t cap)
{
    char tmp[64];
    int prec;
    if (isnan(d)) return (size_t)snprintf(buf, cap, "nan");
    if (isinf(d)) return (size_t)snprintf(buf, cap, d < 0 ? "-inf" : "inf");
    /* whole numbers print with one decimal, like DuckDB ("100.0") */
    if (d == floor(d) && fabs(d) < 1e15) return (size_t)snprintf(buf, cap, "%.1f", d);
    /* shortest text that reads back to the same double */
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) break;
    }
    return (size_t)snprintf(buf, cap, "%s", tmp);
}

size_t floe_value_format(const floe_value *v, char *buf, size_t cap)
{
    size_t n;
    if (cap == 0) return 0;
    if (v->is_null) return (size_t)snprintf(buf, cap, "NULL");
    switch ((floe_type_id)v->type.id) {
    case FLOE_TYPE_BOOLEAN: return (size_t)snprintf(buf, cap, "%s", v->v.i ? "true" : "false");
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: return (size_t)snprintf(buf, cap, "%lld", (long long)v->v.i);
    case FLOE_TYPE_DECIMAL: return format_decimal(v->v.i, v->type.scale, buf, cap);
    case FLOE_TYPE_DOUBLE: return format_double(v->v.d, buf, cap);
    case FLOE_TYPE_DATE: return floe_date_format((int32_t)v->v.i, buf, cap);
    case FLOE_TYPE_TIMESTAMP: return floe_timestamp_format(v->v.i, buf, cap);
    case FLOE_TYPE_INTERVAL: return floe_interval_format(v->v.iv, buf, cap);
    case FLOE_TYPE_VARCHAR:
        n = v->v.s.len < cap - 1 ? v->v.s.len : cap - 1;
        if (n) memcpy(buf, v->v.s.ptr, n);
        buf[n] = '\0';
        return n;
    default: return (size_t)snprintf(buf, cap, "NULL");
    }
}
