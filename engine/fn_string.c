/* engine/fn_string.c: string functions, UTF-8 aware (lengths and positions in characters).
 *
 * Functions that return a piece of their argument (SUBSTR, TRIM) return
 * pointers into the argument's bytes and take over its heap, so they never
 * copy; functions that build new strings (LOWER, UPPER, REPLACE, CONCAT)
 * write into the output vector's heap arena. Case mapping covers ASCII,
 * Latin-1, Greek and Cyrillic letters whose upper and lower forms have the
 * same UTF-8 length; other characters are kept as they are. Invalid UTF-8
 * bytes are treated as one character each.
 */
#include <string.h>

#include "engine/eval_internal.h"

static inline floe_string arg_str(const floe_vec *v, uint32_t r)
{
    return ((const floe_string *)v->data)[floe_vidx(v, r)];
}

/* Bytes of the UTF-8 character starting at p (1 for invalid lead bytes). */
static inline uint32_t u8_len_at(const char *p, uint32_t avail)
{
    unsigned char c = (unsigned char)p[0];
    uint32_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return n <= avail ? n : avail;
}

/* Whether the character ch[0..n) is one of the characters of `set` (trim's
 * second argument, PostgreSQL: a set of characters, not a substring). */
static bool u8_in_set(const char *ch, uint32_t n, floe_string set)
{
    uint32_t i = 0;
    while (i < set.len) {
        uint32_t m = u8_len_at(set.ptr + i, set.len - i);
        if (m == n && memcmp(set.ptr + i, ch, n) == 0) return true;
        i += m;
    }
    return false;
}

/* Bytes of the UTF-8 character starting with byte c (1 for invalid bytes). */
static inline uint32_t u8_len(unsigned char c)
{
    if (c < 0xC0) return 1;
    if (c < 0xE0) return 2;
    if (c < 0xF0) return 3;
    if (c < 0xF8) return 4;
    return 1;
}

static uint32_t u8_count(const char *s, uint32_t n)
{
    uint32_t i, c = 0;
    for (i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte offset of character `ch` (0-based), clamped to n. */
static uint32_t u8_offset(const char *s, uint32_t n, uint64_t ch)
{
    uint32_t i = 0;
    while (ch > 0 && i < n) {
        uint32_t l = u8_len((unsigned char)s[i]);
        i += l;
        ch--;
    }
    return i > n ? n : i;
}

/* Map a 2-byte code point to lower (to_upper false) or upper case. */
static uint32_t map2(uint32_t cp, bool upper)
{
    if (upper) {
        if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2) ||
            (cp >= 0x430 && cp <= 0x44F))
            return cp - 0x20;
        if (cp >= 0x450 && cp <= 0x45F) return cp - 0x50;
    } else {
        if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) ||
            (cp >= 0x410 && cp <= 0x42F))
            return cp + 0x20;
        if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
    }
    return cp;
}

void floe_fn_string_casemap(const char *s, uint32_t n, char *o, bool upper)
{
    uint32_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (upper && c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
            else if (!upper && c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
            o[i++] = (char)c;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            uint32_t cp = ((uint32_t)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            cp = map2(cp, upper);
            o[i] = (char)(0xC0 | (cp >> 6));
            o[i + 1] = (char)(0x80 | (cp & 0x3F));
            i += 2;
        } else {
            o[i] = s[i];
            i++;
        }
    }
}

static int fn_concat(const floe_fnargs *fa, floe_vec *out, bool skip_nulls, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        uint32_t len = 0, i;
        char *p;
        if (!skip_nulls && !floe_bit(out->validity, r)) continue;
        for (i = 0; i < fa->nargs; i++) {
            const floe_vec *v = &fa->args[i];
            if (v->type.id == FLOE_TYPE_NULL || !floe_bit(v->validity, floe_vidx(v, r))) continue;
            len += arg_str(v, r).len;
        }
        p = floe_eval_str_alloc(out, len);
        if (p == NULL) return floe_err_nomem(err);
        o[r].ptr = p;
        o[r].len = len;
        for (i = 0; i < fa->nargs; i++) {
            const floe_vec *v = &fa->args[i];
            floe_string s;
            if (v->type.id == FLOE_TYPE_NULL || !floe_bit(v->validity, floe_vidx(v, r))) continue;
            s = arg_str(v, r);
            if (s.len) memcpy(p, s.ptr, s.len);
            p += s.len;
        }
    });
    return FLOE_OK;
}

static int fn_replace(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_string *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_string s, f, t;
        uint32_t i, cnt = 0, len;
        char *p;
        if (!floe_bit(out->validity, r)) continue;
        s = arg_str(&fa->args[0], r);
        f = arg_str(&fa->args[1], r);
        t = arg_str(&fa->args[2], r);
        if (f.len == 0 || f.len > s.len) {
            o[r] = s;
            if (floe_eval_set_str(out, r, s.ptr, s.len, err)) return FLOE_NOMEM;
            continue;
        }
        for (i = 0; i + f.len <= s.len;) {
            if (memcmp(s.ptr + i, f.ptr, f.len) == 0) {
                cnt++;
                i += f.len;
            } else {
                i++;
            }
        }
        len = s.len - cnt * f.len + cnt * t.len;
        p = floe_eval_str_alloc(out, len);
        if (p == NULL) return floe_err_nomem(err);
        o[r].ptr = p;
        o[r].len = len;
        for (i = 0; i < s.len;) {
            if (i + f.len <= s.len && memcmp(s.ptr + i, f.ptr, f.len) == 0) {
                if (t.len) memcpy(p, t.ptr, t.len);
                p += t.len;
                i += f.len;
            } else {
                *p++ = s.ptr[i++];
            }
        }
    });
    return FLOE_OK;
}

/* reverse(s): the characters of s in reverse order (UTF-8 sequences are
 * kept whole, so multi-byte characters stay valid). Strict: the evaluator
 * has set out's validity. */
int floe_fn_reverse_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *a = &fa->args[0];
    floe_string *o = out->data;
    if (fa->nargs != 1 || a->type.id != FLOE_TYPE_VARCHAR)
        return floe_err_set(err, FLOE_TYPE, "reverse: argument 1 has the wrong type");
    FLOE_FOR_ROWS(fa, r, {
        floe_string s;
        char *p;
        uint32_t i = 0, n;
        if (!floe_bit(out->validity, r)) continue;
        s = arg_str(a, r);
        p = floe_eval_str_alloc(out, s.len);
        if (p == NULL) return floe_err_nomem(err);
        while (i < s.len) {
            n = 1;
            while (i + n < s.len && ((unsigned char)s.ptr[i + n] & 0xC0) == 0x80) n++;
            memcpy(p + s.len - i - n, s.ptr + i, n);
            i += n;
        }
        o[r].ptr = p;
        o[r].len = s.len;
    });
    return FLOE_OK;
}

int floe_fn_string_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    const floe_vec *a = &fa->args[0];
    const uint64_t *valid = out->validity;
    uint32_t i;
    for (i = 0; i < fa->nargs; i++) {
        floe_type t = fa->args[i].type;
        bool want_int = fn == FLOE_FN_SUBSTR && i > 0;
        if (t.id == FLOE_TYPE_NULL) continue;
        if (want_int ? !floe_type_is_integer(t) : t.id != FLOE_TYPE_VARCHAR)
            return floe_err_set(err, FLOE_TYPE, "string function argument %u has the wrong type",
                                i + 1);
    }
    switch (fn) {
    case FLOE_FN_CONCAT: return fn_concat(fa, out, true, err);
    case FLOE_FN_CONCAT_OP: return fn_concat(fa, out, false, err);
    case FLOE_FN_LOWER:
    case FLOE_FN_UPPER: {
        floe_string *o = out->data;
        bool upper = fn == FLOE_FN_UPPER;
        FLOE_FOR_ROWS(fa, r, {
            floe_string s;
            char *p;
            if (!floe_bit(valid, r)) continue;
            s = arg_str(a, r);
            p = floe_eval_str_alloc(out, s.len);
            if (p == NULL) return floe_err_nomem(err);
            floe_fn_string_casemap(s.ptr, s.len, p, upper);
            o[r].ptr = p;
            o[r].len = s.len;
        });
        return FLOE_OK;
    }
    case FLOE_FN_LENGTH: {
        int64_t *o = out->data;
        bool i32 = floe_eval_pclass(out->type) == FLOE_PC_I32;
        FLOE_FOR_ROWS(fa, r, {
            floe_string s;
            if (!floe_bit(valid, r)) continue;
            s = arg_str(a, r);
            if (i32)
                ((int32_t *)out->data)[r] = (int32_t)u8_count(s.ptr, s.len);
            else
                o[r] = u8_count(s.ptr, s.len);
        });
        return FLOE_OK;
    }
    case FLOE_FN_SUBSTR: {
        floe_string *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            floe_string s;
            int64_t start, len, from, to;
            uint32_t b0, b1;
            if (!floe_bit(valid, r)) continue;
            s = arg_str(a, r);
            start = ((const floe_vec *)&fa->args[1])->type.id == FLOE_TYPE_INTEGER
                        ? ((const int32_t *)fa->args[1].data)[floe_vidx(&fa->args[1], r)]
                        : ((const int64_t *)fa->args[1].data)[floe_vidx(&fa->args[1], r)];
            if (fa->nargs > 2) {
                len = fa->args[2].type.id == FLOE_TYPE_INTEGER
                          ? ((const int32_t *)fa->args[2].data)[floe_vidx(&fa->args[2], r)]
                          : ((const int64_t *)fa->args[2].data)[floe_vidx(&fa->args[2], r)];
                if (len < 0)
                    return floe_err_set(err, FLOE_RANGE, "negative substring length not allowed");
                /* characters [start, start + len) intersected with [1, inf) */
                to = start > INT64_MAX - len ? INT64_MAX : start + len;
            } else {
                to = INT64_MAX;
            }
            from = start < 1 ? 1 : start;
            if (to <= from) {
                o[r].ptr = s.ptr;
                o[r].len = 0;
                continue;
            }
            b0 = u8_offset(s.ptr, s.len, (uint64_t)(from - 1));
            b1 = to == INT64_MAX ? s.len : b0 + u8_offset(s.ptr + b0, s.len - b0, (uint64_t)(to - from));
            o[r].ptr = s.ptr + b0;
            o[r].len = b1 - b0;
        });
        return floe_eval_adopt_strings(out, &fa->args[0], fa, err);
    }
    case FLOE_FN_STARTS_WITH:
    case FLOE_FN_CONTAINS: {
        uint8_t *o = out->data;
        bool contains = fn == FLOE_FN_CONTAINS;
        FLOE_FOR_ROWS(fa, r, {
            floe_string s, t;
            if (!floe_bit(valid, r)) continue;
            s = arg_str(a, r);
            t = arg_str(&fa->args[1], r);
            if (t.len == 0)
                o[r] = 1;
            else if (t.len > s.len)
                o[r] = 0;
            else if (contains)
                o[r] = floe_str_find(s.ptr, s.len, t.ptr, t.len) != NULL;
            else
                o[r] = memcmp(s.ptr, t.ptr, t.len) == 0;
        });
        return FLOE_OK;
    }
    case FLOE_FN_TRIM:
    case FLOE_FN_LTRIM:
    case FLOE_FN_RTRIM: {
        floe_string *o = out->data;
        bool left = fn != FLOE_FN_RTRIM, right = fn != FLOE_FN_LTRIM;
        bool has_set = fa->nargs > 1;
        FLOE_FOR_ROWS(fa, r, {
            floe_string s, set = {" ", 1};
            uint32_t b = 0, e;
            if (!floe_bit(valid, r)) continue;
            s = arg_str(a, r);
            if (has_set) set = arg_str(&fa->args[1], r);
            e = s.len;
            if (left)
                while (b < e) {
                    uint32_t n = u8_len_at(s.ptr + b, e - b);
                    if (!u8_in_set(s.ptr + b, n, set)) break;
                    b += n;
                }
            if (right)
                while (e > b) {
                    uint32_t k = e - 1;
                    while (k > b && ((unsigned char)s.ptr[k] & 0xC0) == 0x80) k--;
                    if (!u8_in_set(s.ptr + k, e - k, set)) break;
                    e = k;
                }
            o[r].ptr = s.ptr + b;
            o[r].len = e - b;
        });
        return floe_eval_adopt_strings(out, &fa->args[0], fa, err);
    }
    case FLOE_FN_REPLACE: return fn_replace(fa, out, err);
    default: return floe_err_set(err, FLOE_MISUSE, "not a string function: %d", (int)fn);
    }
}
