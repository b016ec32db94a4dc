/* engine/like.c: [NOT] LIKE / ILIKE with %, _ and ESCAPE.
 *
 * `_` matches one UTF-8 character, `%` any sequence of characters. There is
 * no default escape character (as in DuckDB); ESCAPE '' also means none, and
 * an escape must be one byte. A pattern ending in its escape character is an
 * error. ILIKE lower-cases text and pattern like lower() (ASCII, Latin-1,
 * Greek, Cyrillic) into scratch buffers. A constant pattern is classified once
 * per vector: exact, prefix 'abc%', suffix '%abc' and infix '%abc%' patterns
 * become memcmp/memmem loops; others run the backtracking matcher, which is
 * linear in practice (one backtrack point: the last %).
 */
#include <string.h>

#include "engine/eval_internal.h"
#include "util/mem.h"

static inline uint32_t u8_len(unsigned char c)
{
    if (c < 0xC0) return 1;
    if (c < 0xE0) return 2;
    if (c < 0xF0) return 3;
    if (c < 0xF8) return 4;
    return 1;
}

static inline unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool floe_like_match(const char *s, uint32_t slen, const char *p, uint32_t plen, uint32_t escape,
                     bool ilike)
{
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < slen) {
        if (pi < plen) {
            unsigned char c = (unsigned char)p[pi];
            if (escape && c == escape && pi + 1 < plen) {
                unsigned char l = (unsigned char)p[pi + 1], t = (unsigned char)s[si];
                if (l == t || (ilike && fold(l) == fold(t))) {
                    si++;
                    pi += 2;
                    continue;
                }
            } else if (c == '%') {
                star_p = ++pi;
                star_s = si;
                continue;
            } else if (c == '_') {
                si += u8_len((unsigned char)s[si]);
                if (si > slen) si = slen;
                pi++;
                continue;
            } else {
                unsigned char t = (unsigned char)s[si];
                if (c == t || (ilike && fold(c) == fold(t))) {
                    si++;
                    pi++;
                    continue;
                }
            }
        }
        if (star_p == UINT32_MAX) return false;
        /* backtrack: let the last % swallow one more character */
        star_s += u8_len((unsigned char)s[star_s]);
        if (star_s > slen) return false;
        si = star_s;
        pi = star_p;
    }
    while (pi < plen && p[pi] == '%') pi++;
    return pi == plen;
}

typedef enum like_shape { SHAPE_GENERAL, SHAPE_EXACT, SHAPE_PREFIX, SHAPE_SUFFIX, SHAPE_INFIX } like_shape;

/* Classify a pattern without escapes: the literal core is p[*off, *off+*len). */
static like_shape classify(const char *p, uint32_t n, uint32_t *off, uint32_t *len)
{
    uint32_t i, b = 0, e = n;
    while (b < n && p[b] == '%') b++;
    while (e > b && p[e - 1] == '%') e--;
    for (i = b; i < e; i++)
        if (p[i] == '%' || p[i] == '_') return SHAPE_GENERAL;
    for (i = 0; i < b; i++)
        if (p[i] == '_') return SHAPE_GENERAL;
    *off = b;
    *len = e - b;
    if (b == 0 && e == n) return SHAPE_EXACT;
    if (b == 0) return SHAPE_PREFIX;
    if (e == n) return SHAPE_SUFFIX;
    return SHAPE_INFIX;
}

static int check_pattern(floe_string p, uint32_t escape, floe_err *err)
{
    uint32_t i;
    if (!escape) return FLOE_OK;
    for (i = 0; i < p.len; i++) {
        if ((unsigned char)p.ptr[i] == escape) {
            if (i + 1 == p.len)
                return floe_err_set(err, FLOE_ERROR, "LIKE pattern must not end with escape character");
            i++;
        }
    }
    return FLOE_OK;
}

static int escape_at(const floe_fnargs *fa, uint32_t r, uint32_t *out, floe_err *err)
{
    floe_string e;
    if (fa->nargs < 3) {
        *out = 0;
        return FLOE_OK;
    }
    e = ((const floe_string *)fa->args[2].data)[floe_vidx(&fa->args[2], r)];
    if (e.len > 1) return floe_err_set(err, FLOE_ERROR, "invalid escape string: must be one character");
    *out = e.len ? (unsigned char)e.ptr[0] : 0;
    return FLOE_OK;
}

/* Grow a scratch buffer to at least n bytes (amortized, not per row). */
static char *scratch(char **buf, uint32_t *cap, uint32_t n)
{
    if (n == 0) n = 1;
    if (n > *cap) {
        uint32_t c = *cap ? *cap : 64;
        char *p;
        while (c < n) c *= 2;
        p = floe_realloc(*buf, c);
        if (p == NULL) return NULL;
        *buf = p;
        *cap = c;
    }
    return *buf;
}

/* ILIKE: lower-case text and pattern (the same mapping as lower()) into
 * scratch buffers and match case-sensitively, so non-ASCII letters fold
 * too. */
static int like_ilike(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *tv = &fa->args[0], *pv = &fa->args[1];
    const floe_string *ts = tv->data, *ps = pv->data;
    uint8_t *o = out->data;
    const uint8_t neg = fa->e->negated;
    char *tb = NULL, *pb = NULL;
    uint32_t tcap = 0, pcap = 0, escape = 0;
    int rc = FLOE_OK;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, p;
        if (!floe_bit(out->validity, r)) continue;
        s = ts[floe_vidx(tv, r)];
        p = ps[floe_vidx(pv, r)];
        rc = escape_at(fa, r, &escape, err);
        if (rc == FLOE_OK) rc = check_pattern(p, escape, err);
        if (rc) break;
        if (!scratch(&tb, &tcap, s.len) || !scratch(&pb, &pcap, p.len)) {
            rc = floe_err_nomem(err);
            break;
        }
        floe_fn_string_casemap(s.ptr, s.len, tb, false);
        floe_fn_string_casemap(p.ptr, p.len, pb, false);
        if (escape >= 'A' && escape <= 'Z') escape += 32;
        o[r] = (uint8_t)(floe_like_match(tb, s.len, pb, p.len, escape, false) ^ neg);
    });
    floe_free(tb);
    floe_free(pb);
    return rc;
}

int floe_like_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *tv = &fa->args[0], *pv = &fa->args[1];
    const floe_string *ts = tv->data, *ps = pv->data;
    const uint64_t *valid = out->validity;
    uint8_t *o = out->data;
    const uint8_t neg = fa->e->negated;
    bool ilike = fa->e->ilike;
    bool pconst = floe_vec_const(pv) && (fa->nargs < 3 || floe_vec_const(&fa->args[2]));
    uint32_t i, escape = 0;
    int rc;

    for (i = 0; i < fa->nargs; i++)
        if (fa->args[i].type.id != FLOE_TYPE_VARCHAR)
            return floe_err_set(err, FLOE_TYPE, "LIKE needs VARCHAR arguments");
    if (ilike) return like_ilike(fa, out, err);
    if (pconst) {
        floe_string p = ps[0];
        uint32_t off = 0, len = 0;
        like_shape shape = SHAPE_GENERAL;
        rc = escape_at(fa, 0, &escape, err);
        if (rc) return rc;
        rc = check_pattern(p, escape, err);
        if (rc) return rc;
        if (!ilike && (escape == 0 || memchr(p.ptr, (int)escape, p.len) == NULL))
            shape = classify(p.ptr, p.len, &off, &len);
        switch (shape) {
        case SHAPE_EXACT:
            FLOE_FOR_ROWS(fa, r, {
                floe_string s = ts[floe_vidx(tv, r)];
                if (floe_bit(valid, r))
                    o[r] = (uint8_t)((s.len == len && (len == 0 || memcmp(s.ptr, p.ptr, len) == 0)) ^ neg);
            });
            return FLOE_OK;
        case SHAPE_PREFIX:
            FLOE_FOR_ROWS(fa, r, {
                floe_string s = ts[floe_vidx(tv, r)];
                if (floe_bit(valid, r))
                    o[r] = (uint8_t)((s.len >= len && (len == 0 || memcmp(s.ptr, p.ptr, len) == 0)) ^ neg);
            });
            return FLOE_OK;
        case SHAPE_SUFFIX:
            FLOE_FOR_ROWS(fa, r, {
                floe_string s = ts[floe_vidx(tv, r)];
                if (floe_bit(valid, r))
                    o[r] = (uint8_t)((s.len >= len &&
                                      (len == 0 || memcmp(s.ptr + s.len - len, p.ptr + off, len) == 0)) ^
                                     neg);
            });
            return FLOE_OK;
        case SHAPE_INFIX:
            FLOE_FOR_ROWS(fa, r, {
                floe_string s = ts[floe_vidx(tv, r)];
                if (floe_bit(valid, r))
                    o[r] = (uint8_t)((len == 0 || (s.len >= len && floe_str_find(s.ptr, s.len, p.ptr + off, len) != NULL)) ^ neg);
            });
            return FLOE_OK;
        case SHAPE_GENERAL:
            FLOE_FOR_ROWS(fa, r, {
                floe_string s = ts[floe_vidx(tv, r)];
                if (floe_bit(valid, r))
                    o[r] = (uint8_t)(floe_like_match(s.ptr, s.len, p.ptr, p.len, escape, ilike) ^ neg);
            });
            return FLOE_OK;
        }
    }
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, p;
        if (!floe_bit(valid, r)) continue;
        s = ts[floe_vidx(tv, r)];
        p = ps[floe_vidx(pv, r)];
        rc = escape_at(fa, r, &escape, err);
        if (rc) return rc;
        rc = check_pattern(p, escape, err);
        if (rc) return rc;
        o[r] = (uint8_t)(floe_like_match(s.ptr, s.len, p.ptr, p.len, escape, ilike) ^ neg);
    });
    return FLOE_OK;
}
