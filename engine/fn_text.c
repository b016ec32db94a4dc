/* engine/fn_text.c: more string functions, DuckDB semantics, UTF-8 aware.
 *
 * split_part, strpos (instr), left, right, lpad, rpad, repeat, md5, hash,
 * concat_ws, ascii, chr, translate. Counts and positions are in characters
 * (UTF-8 sequences), 1-based; an invalid UTF-8 byte counts as one character.
 * Negative counts follow DuckDB: left(s, -n) drops the last n characters,
 * right(s, -n) the first n, split_part(s, d, -k) counts from the end, and
 * repeat / lpad / rpad with a count <= 0 give ''. lpad/rpad truncate to the
 * count when the string is longer, and an empty fill that would be needed is
 * an error, as in DuckDB. Results above FLOE_TEXT_MAX bytes are FLOE_RANGE,
 * so a huge count cannot exhaust memory.
 *
 * hash(x, ...) is XXH3-64 (util/hash.h) of the arguments' text forms,
 * combined, returned as BIGINT (DuckDB returns UBIGINT, which floe does not
 * have; the values differ from DuckDB's too: only equality of hashes is
 * meaningful). Strict like every function here but concat_ws, which skips
 * NULL arguments and is NULL only for a NULL separator.
 *
 * Results that are pieces of the first argument (split_part, left, right)
 * point into it and adopt its heap; the others are built in the output
 * vector's heap. Stateless and thread-safe.
 */
#include <string.h>

#include "engine/eval_internal.h"
#include "engine/functions.h"
#include "util/hash.h"
#include "util/md5.h"

#define FLOE_TEXT_MAX (256u << 20) /* bytes of one built string */

static inline floe_string sarg(const floe_vec *v, uint32_t r)
{
    return ((const floe_string *)v->data)[floe_vidx(v, r)];
}

static inline int64_t iarg(const floe_vec *v, uint32_t r)
{
    uint32_t i = floe_vidx(v, r);
    return v->type.id == FLOE_TYPE_INTEGER ? ((const int32_t *)v->data)[i] : ((const int64_t *)v->data)[i];
}

/* Bytes of the character at s[i] (1 for an invalid byte), within n. */
static inline uint32_t u8_step(const char *s, uint32_t i, uint32_t n)
{
    unsigned char c = (unsigned char)s[i];
    uint32_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
    return i + k <= n ? k : n - i;
}

static uint64_t u8_chars(floe_string s)
{
    uint64_t c = 0;
    uint32_t i = 0;
    while (i < s.len) {
        i += u8_step(s.ptr, i, s.len);
        c++;
    }
    return c;
}

/* Byte offset of character ch (0-based) in s, clamped to s.len. */
static uint32_t u8_off(floe_string s, uint64_t ch)
{
    uint32_t i = 0;
    while (ch > 0 && i < s.len) {
        i += u8_step(s.ptr, i, s.len);
        ch--;
    }
    return i;
}

static int too_long(const char *fn, floe_err *err)
{
    return floe_err_set(err, FLOE_RANGE, "%s: result longer than %u bytes", fn, FLOE_TEXT_MAX);
}

static int split_part(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, d, res;
        int64_t k, nparts = 0, want;
        uint32_t i, start;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        d = sarg(&fa->args[1], r);
        k = iarg(&fa->args[2], r);
        res.ptr = s.ptr;
        res.len = 0;
        /* count the parts (for negative k), then take part `want` (0-based) */
        if (d.len == 0) {
            nparts = (int64_t)u8_chars(s);
        } else {
            const char *q = s.ptr;
            uint32_t left = s.len;
            nparts = 1;
            while ((q = floe_str_find(q, left, d.ptr, d.len)) != NULL) {
                nparts++;
                q += d.len;
                left = s.len - (uint32_t)(q - s.ptr);
            }
        }
        want = k > 0 ? k - 1 : k < 0 ? nparts + k : -1;
        if (want >= 0 && want < nparts) {
            if (d.len == 0) {
                start = u8_off(s, (uint64_t)want);
                res.ptr = s.ptr + start;
                res.len = start < s.len ? u8_step(s.ptr, start, s.len) : 0;
            } else {
                int64_t p = 0;
                start = 0;
                for (i = 0;;) {
                    const char *q = floe_str_find(s.ptr + i, s.len - i, d.ptr, d.len);
                    uint32_t end = q ? (uint32_t)(q - s.ptr) : s.len;
                    if (p == want) {
                        res.ptr = s.ptr + start;
                        res.len = end - start;
                        break;
                    }
                    p++;
                    i = end + d.len;
                    start = i;
                }
            }
        }
        o[r] = res;
    });
    return floe_eval_adopt_strings(out, &fa->args[0], fa, err);
}

static int strpos(const floe_fnargs *fa, floe_vec *out)
{
    int64_t *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, t;
        const char *q;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        t = sarg(&fa->args[1], r);
        q = floe_str_find(s.ptr, s.len, t.ptr, t.len);
        if (q == NULL) {
            o[r] = 0;
        } else {
            floe_string pre = {s.ptr, (uint32_t)(q - s.ptr)};
            o[r] = (int64_t)u8_chars(pre) + 1;
        }
    });
    return FLOE_OK;
}

static int left_right(const floe_fnargs *fa, floe_vec *out, bool left, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s;
        int64_t n, len;
        uint64_t from, to; /* characters [from, to) */
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        n = iarg(&fa->args[1], r);
        len = (int64_t)u8_chars(s);
        if (left) {
            from = 0;
            to = n >= 0 ? (uint64_t)(n < len ? n : len) : (uint64_t)(-n < len ? len + n : 0);
        } else {
            to = (uint64_t)len;
            from = n >= 0 ? (uint64_t)(n < len ? len - n : 0) : (uint64_t)(-n < len ? -n : len);
        }
        {
            uint32_t b0 = u8_off(s, from), b1 = u8_off(s, to);
            o[r].ptr = s.ptr + b0;
            o[r].len = b1 - b0;
        }
    });
    return floe_eval_adopt_strings(out, &fa->args[0], fa, err);
}

static int pad(const floe_fnargs *fa, floe_vec *out, bool left, floe_err *err)
{
    const char *fn = left ? "lpad" : "rpad";
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, f;
        int64_t n;
        uint64_t len, need, fl;
        uint32_t keep, fill_bytes = 0;
        char *p;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        n = iarg(&fa->args[1], r);
        f = sarg(&fa->args[2], r);
        if (n <= 0) {
            o[r].ptr = "";
            o[r].len = 0;
            continue;
        }
        len = u8_chars(s);
        keep = u8_off(s, (uint64_t)n); /* truncates when s is longer */
        need = len < (uint64_t)n ? (uint64_t)n - len : 0;
        fl = u8_chars(f);
        if (need && fl == 0)
            return floe_err_set(err, FLOE_ERROR, "%s: insufficient padding (the fill string is empty)", fn);
        /* bytes of `need` characters cycling through f */
        if (need) {
            uint64_t whole = need / fl, rest = need % fl, bytes;
            bytes = whole * f.len + u8_off(f, rest);
            if (whole > FLOE_TEXT_MAX || bytes + keep > FLOE_TEXT_MAX) return too_long(fn, err);
            fill_bytes = (uint32_t)bytes;
        }
        p = floe_eval_str_alloc(out, keep + fill_bytes);
        if (p == NULL) return floe_err_nomem(err);
        o[r].ptr = p;
        o[r].len = keep + fill_bytes;
        if (!left) memcpy(p, s.ptr, keep);
        if (need) {
            uint64_t rem = need;
            char *q = left ? p : p + keep;
            while (rem >= fl) {
                memcpy(q, f.ptr, f.len);
                q += f.len;
                rem -= fl;
            }
            if (rem) memcpy(q, f.ptr, u8_off(f, rem));
        }
        if (left) memcpy(p + fill_bytes, s.ptr, keep);
    });
    return FLOE_OK;
}

static int repeat(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s;
        int64_t n, i;
        char *p;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        n = iarg(&fa->args[1], r);
        if (n <= 0 || s.len == 0) {
            o[r].ptr = "";
            o[r].len = 0;
            continue;
        }
        if ((uint64_t)n > FLOE_TEXT_MAX / s.len) return too_long("repeat", err);
        p = floe_eval_str_alloc(out, (uint32_t)(n * s.len));
        if (p == NULL) return floe_err_nomem(err);
        for (i = 0; i < n; i++) memcpy(p + i * s.len, s.ptr, s.len);
        o[r].ptr = p;
        o[r].len = (uint32_t)(n * s.len);
    });
    return FLOE_OK;
}

static int md5(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    FLOE_FOR_ROWS(fa, r, {
        floe_string s;
        char hex[33];
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        floe_md5_hex(s.ptr, s.len, hex);
        if ((rc = floe_eval_set_str(out, r, hex, 32, err))) return rc;
    });
    return FLOE_OK;
}

static int hash(const floe_fnargs *fa, floe_vec *out)
{
    int64_t *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        uint64_t h = 0;
        uint32_t i;
        if (!floe_bit(out->validity, r)) continue;
        for (i = 0; i < fa->nargs; i++) {
            floe_string s = sarg(&fa->args[i], r);
            uint64_t x = floe_hash64(s.ptr, s.len);
            h = i == 0 ? x : floe_hash_combine(h, x);
        }
        o[r] = (int64_t)h;
    });
    return FLOE_OK;
}

static int concat_ws(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_string *o = out->data;
    const floe_vec *sv = &fa->args[0];
    FLOE_FOR_ROWS(fa, r, {
        floe_string sep;
        uint32_t i, len = 0, n = 0;
        char *p;
        int rc;
        if (sv->type.id == FLOE_TYPE_NULL || !floe_bit(sv->validity, floe_vidx(sv, r))) {
            if ((rc = floe_eval_set_null(out, r, err))) return rc;
            continue;
        }
        sep = sarg(sv, r);
        for (i = 1; i < fa->nargs; i++) {
            const floe_vec *v = &fa->args[i];
            if (v->type.id == FLOE_TYPE_NULL || !floe_bit(v->validity, floe_vidx(v, r))) continue;
            len += sarg(v, r).len + (n++ ? sep.len : 0);
        }
        p = floe_eval_str_alloc(out, len);
        if (p == NULL) return floe_err_nomem(err);
        o[r].ptr = p;
        o[r].len = len;
        for (i = 1, n = 0; i < fa->nargs; i++) {
            const floe_vec *v = &fa->args[i];
            floe_string s;
            if (v->type.id == FLOE_TYPE_NULL || !floe_bit(v->validity, floe_vidx(v, r))) continue;
            if (n++ && sep.len) {
                memcpy(p, sep.ptr, sep.len);
                p += sep.len;
            }
            s = sarg(v, r);
            if (s.len) memcpy(p, s.ptr, s.len);
            p += s.len;
        }
    });
    return FLOE_OK;
}

/* Code point of the character at s (an invalid sequence: its first byte). */
static uint32_t u8_decode(const char *s, uint32_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t k = u8_step(s, 0, n), cp, i;
    if (k == 1) return u[0];
    cp = u[0] & (0x7F >> k);
    for (i = 1; i < k; i++) {
        if ((u[i] & 0xC0) != 0x80) return u[0];
        cp = (cp << 6) | (u[i] & 0x3F);
    }
    return cp;
}

static int ascii(const floe_fnargs *fa, floe_vec *out)
{
    int32_t *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        o[r] = s.len ? (int32_t)u8_decode(s.ptr, s.len) : 0;
    });
    return FLOE_OK;
}

static int chr(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    FLOE_FOR_ROWS(fa, r, {
        int64_t c;
        char b[4];
        uint32_t n;
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        c = iarg(&fa->args[0], r);
        if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return floe_err_set(err, FLOE_RANGE, "chr: invalid code point %lld", (long long)c);
        if (c < 0x80) {
            b[0] = (char)c;
            n = 1;
        } else if (c < 0x800) {
            b[0] = (char)(0xC0 | (c >> 6));
            b[1] = (char)(0x80 | (c & 0x3F));
            n = 2;
        } else if (c < 0x10000) {
            b[0] = (char)(0xE0 | (c >> 12));
            b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[2] = (char)(0x80 | (c & 0x3F));
            n = 3;
        } else {
            b[0] = (char)(0xF0 | (c >> 18));
            b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
            b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
            b[3] = (char)(0x80 | (c & 0x3F));
            n = 4;
        }
        if ((rc = floe_eval_set_str(out, r, b, n, err))) return rc;
    });
    return FLOE_OK;
}

static int translate(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, from, to;
        uint32_t i = 0, len = 0;
        char *p;
        if (!floe_bit(out->validity, r)) continue;
        s = sarg(&fa->args[0], r);
        from = sarg(&fa->args[1], r);
        to = sarg(&fa->args[2], r);
        /* the result is never longer than s plus 3 bytes a character */
        if (s.len > FLOE_TEXT_MAX / 4) return too_long("translate", err);
        p = floe_eval_str_alloc(out, s.len * 4u);
        if (p == NULL) return floe_err_nomem(err);
        o[r].ptr = p;
        while (i < s.len) {
            uint32_t k = u8_step(s.ptr, i, s.len), j = 0, idx = 0;
            bool found = false;
            while (j < from.len) {
                uint32_t m = u8_step(from.ptr, j, from.len);
                if (m == k && memcmp(from.ptr + j, s.ptr + i, k) == 0) {
                    found = true;
                    break;
                }
                j += m;
                idx++;
            }
            if (!found) {
                memcpy(p + len, s.ptr + i, k);
                len += k;
            } else {
                uint32_t b0 = u8_off(to, idx);
                if (b0 < to.len) {
                    uint32_t m = u8_step(to.ptr, b0, to.len);
                    memcpy(p + len, to.ptr + b0, m);
                    len += m;
                }
            }
            i += k;
        }
        o[r].len = len;
    });
    return FLOE_OK;
}

int floe_fn_text_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    uint32_t i;
    for (i = 0; i < fa->nargs; i++) {
        floe_type t = fa->args[i].type;
        floe_fn fn = fa->e->fn;
        bool want_int = (i == 1 && (fn == FLOE_FN_LEFT || fn == FLOE_FN_RIGHT || fn == FLOE_FN_LPAD ||
                                    fn == FLOE_FN_RPAD || fn == FLOE_FN_REPEAT)) ||
                        (i == 2 && fn == FLOE_FN_SPLIT_PART) || fn == FLOE_FN_CHR;
        if (t.id == FLOE_TYPE_NULL) continue;
        if (want_int ? !floe_type_is_integer(t) : t.id != FLOE_TYPE_VARCHAR)
            return floe_err_set(err, FLOE_TYPE, "%s: argument %u has the wrong type",
                                floe_functions_get(fn)->name, i + 1);
    }
    switch (fa->e->fn) {
    case FLOE_FN_SPLIT_PART: return split_part(fa, out, err);
    case FLOE_FN_STRPOS: return strpos(fa, out);
    case FLOE_FN_LEFT: return left_right(fa, out, true, err);
    case FLOE_FN_RIGHT: return left_right(fa, out, false, err);
    case FLOE_FN_LPAD: return pad(fa, out, true, err);
    case FLOE_FN_RPAD: return pad(fa, out, false, err);
    case FLOE_FN_REPEAT: return repeat(fa, out, err);
    case FLOE_FN_MD5: return md5(fa, out, err);
    case FLOE_FN_HASH: return hash(fa, out);
    case FLOE_FN_CONCAT_WS: return concat_ws(fa, out, err);
    case FLOE_FN_ASCII: return ascii(fa, out);
    case FLOE_FN_CHR: return chr(fa, out, err);
    case FLOE_FN_TRANSLATE: return translate(fa, out, err);
    default: return floe_err_set(err, FLOE_MISUSE, "not a text function: %d", (int)fa->e->fn);
    }
}
