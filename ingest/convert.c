/* ingest/convert.c: validated text -> value conversion. */
#include "ingest/convert.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/mem.h"

#define NUM_MAX 400 /* longest numeric text accepted (bytes) */

bool floe_utf8_valid(const char *s, size_t n, size_t *bad_at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c;
        size_t k, len;
        uint32_t cp;
        if (n - i >= 8) { /* ASCII fast path, 8 bytes at a time */
            uint64_t w;
            memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (n - i < len) goto bad;
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += len;
    }
    return true;
bad:
    if (bad_at) *bad_at = i;
    return false;
}

static inline void set_valid(floe_vec *v, uint32_t row)
{
    if (v->validity) v->validity[row >> 6] |= 1ULL << (row & 63);
}

int floe_convert_null(floe_vec *v, uint32_t row)
{
    if (v->type.id == FLOE_TYPE_VARCHAR) {
        floe_string *s = (floe_string *)v->data + row;
        s->ptr = "";
        s->len = 0;
    } else {
        memset((char *)v->data + (size_t)row * floe_type_size(v->type), 0,
               floe_type_size(v->type));
    }
    return floe_vec_set_null(v, row);
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static bool word_eq(const char *s, size_t n, const char *w)
{
    size_t i;
    if (strlen(w) != n) return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != w[i]) return false;
    }
    return true;
}

static int show(size_t n) { return (int)(n > 60 ? 60 : n); }

static int parse_int64(const char *s, size_t n, int64_t lo, int64_t hi, const char *tname,
                       int64_t *out, floe_err *err)
{
    char buf[NUM_MAX + 1];
    char *end;
    long long v;
    {
        /* fast path: [sign] 1..18 digits, which cannot overflow */
        size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0, d0 = i;
        uint64_t u = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - d0 < 18) u = u * 10 + (uint64_t)(s[i++] - '0');
        if (i == n && i > d0) {
            int64_t x = s[0] == '-' ? -(int64_t)u : (int64_t)u;
            if (x < lo || x > hi)
                return floe_err_set(err, FLOE_RANGE, "%s out of range: '%.*s'", tname, show(n), s);
            *out = x;
            return FLOE_OK;
        }
    }
    if (n == 0 || n > NUM_MAX) goto bad;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!(buf[0] == '-' || buf[0] == '+' || (buf[0] >= '0' && buf[0] <= '9'))) goto bad;
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (*end != '\0') goto bad;
    if (errno == ERANGE || v < lo || v > hi)
        return floe_err_set(err, FLOE_RANGE, "%s out of range: '%.*s'", tname, show(n), s);
    *out = v;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE, "invalid %s '%.*s'", tname, show(n), s);
}

static int parse_double(const char *s, size_t n, double *out, floe_err *err)
{
    char buf[NUM_MAX + 1];
    char *end;
    double d;
    size_t i;
    {
        /* fast path (Clinger): [sign] digits [. digits] with at most 15
         * digits is m / 10^k with m and 10^k exact doubles, so one correctly
         * rounded division gives strtod's answer */
        static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
        size_t j = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
        uint64_t m = 0;
        int nd = 0, frac = -1;
        for (; j < n && nd <= 15; j++) {
            if (s[j] >= '0' && s[j] <= '9') {
                m = m * 10 + (uint64_t)(s[j] - '0');
                nd++;
                if (frac >= 0) frac++;
            } else if (s[j] == '.' && frac < 0) {
                frac = 0;
            } else {
                break;
            }
        }
        if (j == n && nd >= 1 && nd <= 15) {
            d = (double)m;
            if (frac > 0) d /= p10[frac];
            *out = s[0] == '-' ? -d : d;
            return FLOE_OK;
        }
    }
    if (n == 0 || n > NUM_MAX) goto bad;
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* strtod also reads hex floats; floe's text form is decimal only */
    for (i = 0; i < n; i++)
        if (buf[i] == 'x' || buf[i] == 'X') goto bad;
    errno = 0;
    d = strtod(buf, &end);
    if (end == buf || *end != '\0') goto bad;
    if (errno == ERANGE && isinf(d))
        return floe_err_set(err, FLOE_RANGE, "DOUBLE out of range: '%.*s'", show(n), s);
    *out = d;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE, "invalid DOUBLE '%.*s'", show(n), s);
}

/* DECIMAL(p, scale): exact decimal parse into an int64 scaled by 10^scale. */
static int parse_decimal(const char *s, size_t n, int precision, int scale, int64_t *out,
                         floe_err *err)
{
    size_t i = 0;
    int neg = 0, ndig = 0, frac = 0, exp_neg = 0;
    long exp10 = 0;
    char digits[64];
    int nd = 0, any = 0, k, shift;
    __int128 v = 0, limit = 1;

    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    /* collect significant digits; frac counts digits after the point */
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        any = 1;
        if (nd == 0 && s[i] == '0') continue; /* leading zeros */
        if (nd >= 40) goto range;
        digits[nd++] = s[i];
    }
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            any = 1;
            if (nd >= 60) continue; /* beyond any scale: only rounding matters, see below */
            digits[nd++] = s[i];
            frac++;
        }
    }
    if (!any) goto bad;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int edig = 0;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) exp_neg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, edig++)
            if (exp10 < 100000) exp10 = exp10 * 10 + (s[i] - '0');
        if (edig == 0) goto bad;
        if (exp_neg) exp10 = -exp10;
    }
    if (i != n) goto bad;
    /* value = digits * 10^(exp10 - frac); we want it * 10^scale */
    shift = (int)(exp10 - frac + scale);
    (void)ndig;
    if (exp10 > 100 || exp10 < -100) {
        if (exp10 > 0 && nd > 0) goto range;
        if (exp10 < 0) nd = 0; /* rounds to zero */
    }
    if (shift >= 0) {
        for (k = 0; k < nd; k++) {
            v = v * 10 + (digits[k] - '0');
            if (v > ((__int128)1 << 100)) goto range;
        }
        for (k = 0; k < shift && v != 0; k++) {
            v *= 10;
            if (v > ((__int128)1 << 100)) goto range;
        }
    } else {
        int keep = nd + shift; /* digits kept before rounding */
        for (k = 0; k < keep; k++) {
            v = v * 10 + (digits[k] - '0');
            if (v > ((__int128)1 << 100)) goto range;
        }
        if (keep >= 0 && keep < nd && digits[keep] >= '5') v += 1; /* half away from zero */
    }
    for (k = 0; k < precision; k++) limit *= 10;
    if (v >= limit) goto range;
    *out = (int64_t)(neg ? -v : v);
    return FLOE_OK;
range:
    return floe_err_set(err, FLOE_RANGE, "DECIMAL(%d,%d) out of range: '%.*s'", precision, scale,
                        show(n), s);
bad:
    return floe_err_set(err, FLOE_PARSE, "invalid DECIMAL '%.*s'", show(n), s);
}

int floe_convert_text(floe_vec *v, uint32_t row, const char *s, size_t n, floe_err *err)
{
    int64_t i64;
    int rc;
    if (v->type.id == FLOE_TYPE_VARCHAR) {
        size_t bad;
        if (n > UINT32_MAX) return floe_err_set(err, FLOE_RANGE, "string of %zu bytes", n);
        if (!floe_utf8_valid(s, n, &bad))
            return floe_err_set(err, FLOE_PARSE, "invalid UTF-8 at byte %zu of the value", bad);
        if (n == 0) {
            floe_string *d = (floe_string *)v->data + row;
            d->ptr = "";
            d->len = 0;
        } else if (floe_vec_set_string(v, row, s, (uint32_t)n) != FLOE_OK) {
            return floe_err_nomem(err);
        }
        set_valid(v, row);
        return FLOE_OK;
    }
    while (n && is_blank(*s)) s++, n--;
    while (n && is_blank(s[n - 1])) n--;
    switch ((floe_type_id)v->type.id) {
    case FLOE_TYPE_BOOLEAN: {
        uint8_t b;
        if (word_eq(s, n, "true") || word_eq(s, n, "t") || word_eq(s, n, "yes") ||
            word_eq(s, n, "y") || word_eq(s, n, "on") || word_eq(s, n, "1"))
            b = 1;
        else if (word_eq(s, n, "false") || word_eq(s, n, "f") || word_eq(s, n, "no") ||
                 word_eq(s, n, "n") || word_eq(s, n, "off") || word_eq(s, n, "0"))
            b = 0;
        else
            return floe_err_set(err, FLOE_PARSE, "invalid BOOLEAN '%.*s'", show(n), s);
        ((uint8_t *)v->data)[row] = b;
        break;
    }
    case FLOE_TYPE_INTEGER:
        rc = parse_int64(s, n, INT32_MIN, INT32_MAX, "INTEGER", &i64, err);
        if (rc) return rc;
        ((int32_t *)v->data)[row] = (int32_t)i64;
        break;
    case FLOE_TYPE_BIGINT:
        rc = parse_int64(s, n, INT64_MIN, INT64_MAX, "BIGINT", &i64, err);
        if (rc) return rc;
        ((int64_t *)v->data)[row] = i64;
        break;
    case FLOE_TYPE_DOUBLE:
        rc = parse_double(s, n, (double *)v->data + row, err);
        if (rc) return rc;
        break;
    case FLOE_TYPE_DECIMAL:
        rc = parse_decimal(s, n, v->type.precision, v->type.scale, (int64_t *)v->data + row, err);
        if (rc) return rc;
        break;
    case FLOE_TYPE_DATE:
        rc = floe_date_parse(s, n, (int32_t *)v->data + row, err);
        if (rc) return rc;
        break;
    case FLOE_TYPE_TIMESTAMP:
        rc = floe_timestamp_parse(s, n, (int64_t *)v->data + row, err);
        if (rc) return rc;
        break;
    case FLOE_TYPE_INTERVAL:
        rc = floe_interval_parse(s, n, (floe_interval *)v->data + row, err);
        if (rc) return rc;
        break;
    default:
        return floe_err_set(err, FLOE_TYPE, "cannot load type %u from text", v->type.id);
    }
    set_valid(v, row);
    return FLOE_OK;
}

int floe_copy_read_file(void *file, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    FILE *f = file;
    size_t n = fread(buf, 1, cap, f);
    *out_n = n;
    if (n == 0 && ferror(f)) return floe_err_set(err, FLOE_IOERR, "read: %s", strerror(errno));
    return FLOE_OK;
}

int floe_copy_write_file(void *file, const char *p, size_t n, floe_err *err)
{
    FILE *f = file;
    if (n && fwrite(p, 1, n, f) != n) return floe_err_set(err, FLOE_IOERR, "write: %s", strerror(errno));
    return FLOE_OK;
}

int floe_copy_refill(floe_read_fn rd, void *rd_ctx, size_t block, char **buf, size_t *cap,
                     size_t *start, size_t *end, uint64_t *buf_off, bool *eof, floe_err *err)
{
    size_t want, got_total = 0;
    if (*start > 0) {
        memmove(*buf, *buf + *start, *end - *start);
        *buf_off += *start;
        *end -= *start;
        *start = 0;
    }
    want = *end > block / 2 ? *end : block / 2;
    if (*cap - *end < want) {
        size_t ncap = *cap ? *cap : block;
        char *nb;
        while (ncap - *end < want) ncap *= 2;
        nb = floe_realloc(*buf, ncap);
        if (nb == NULL) return floe_err_nomem(err);
        *buf = nb;
        *cap = ncap;
    }
    while (got_total < want) {
        size_t got = 0;
        int rc = rd(rd_ctx, *buf + *end, *cap - *end, &got, err);
        if (rc) return rc;
        if (got == 0) {
            *eof = true;
            break;
        }
        *end += got;
        got_total += got;
    }
    return FLOE_OK;
}
