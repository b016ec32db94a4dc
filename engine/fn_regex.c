/* engine/fn_regex.c: regular expressions through PCRE2 (regexp_matches, regexp_full_match, regexp_replace, regexp_extract).
 *
 * Semantics are DuckDB's (which uses RE2): regexp_matches is a partial match
 * (the pattern anywhere in the text), regexp_full_match anchors both ends,
 * regexp_replace replaces the first match (every match with the 'g' option;
 * `\0`..`\9` in the replacement insert groups, `\\` a backslash; a
 * replacement naming a group the pattern lacks leaves the text unchanged, as
 * RE2 does), regexp_extract returns a group (0: the whole match) of the first
 * match or '' when nothing matches. Options (a constant string): 'c' case
 * sensitive, 'i' case insensitive, 'l' literal pattern, 's' '.' also matches
 * newline, 'm'/'n'/'p' it does not (the default), 'g' global (replace only);
 * anything else is an error. '$' matches only at the very end (RE2; PCRE2's
 * default would also match before a final newline).
 *
 * Patterns compile in UTF mode with PCRE2_MATCH_INVALID_UTF, so text that is
 * not valid UTF-8 never crashes or errors: invalid bytes simply match nothing
 * that needs a character. A pattern that does not compile is FLOE_ERROR
 * naming the function, the pattern, PCRE2's message and the offset.
 *
 * Compilation is cached per call node in the evaluation context
 * (floe_eval_fn_state): a constant pattern is compiled (and JIT-compiled
 * when pcre2_jit_compile succeeds) once per operator per thread, i.e. once
 * per query; a pattern that varies per row goes through a small LRU cache of
 * RX_CACHE compiled patterns. All PCRE2 memory comes from floe_malloc (a
 * general context), so allocation-failure tests cover it. The state is owned
 * by the evaluation context and is not shared between threads.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "engine/eval_internal.h"
#include "util/mem.h"

#define RX_CACHE 8 /* compiled patterns kept per call node */

typedef struct rx_pat {
    char *src;              /* pattern bytes (owned), NULL: empty slot */
    uint32_t len;           /* bytes */
    uint32_t copts;         /* PCRE2 compile options */
    pcre2_code *code;
    pcre2_match_data *md;
    uint64_t used;          /* LRU tick */
} rx_pat;

typedef struct rx_state {
    pcre2_general_context *gctx;
    pcre2_compile_context *cctx;
    rx_pat pats[RX_CACHE];
    uint64_t tick;
    char *buf;              /* replace's scratch output (owned) */
    size_t cap;             /* bytes of buf */
} rx_state;

static void *rx_malloc(PCRE2_SIZE n, void *ud)
{
    (void)ud;
    return floe_malloc(n);
}
static void rx_free(void *p, void *ud)
{
    (void)ud;
    floe_free(p);
}

static void pat_clear(rx_pat *p)
{
    pcre2_match_data_free(p->md);
    pcre2_code_free(p->code);
    floe_free(p->src);
    memset(p, 0, sizeof *p);
}

static void rx_state_free(void *v)
{
    rx_state *st = v;
    uint32_t i;
    if (st == NULL) return;
    for (i = 0; i < RX_CACHE; i++) pat_clear(&st->pats[i]);
    pcre2_compile_context_free(st->cctx);
    pcre2_general_context_free(st->gctx);
    floe_free(st->buf);
    floe_free(st);
}

static int rx_state_get(const floe_fnargs *fa, rx_state **out, floe_err *err)
{
    void **slot = floe_eval_fn_state(fa, rx_state_free, err);
    rx_state *st = NULL;
    if (slot == NULL) return err->code ? err->code : FLOE_NOMEM;
    if (*slot) {
        *out = *slot;
        return FLOE_OK;
    }
    st = floe_calloc(1, sizeof *st);
    if (st == NULL) return floe_err_nomem(err);
    st->gctx = pcre2_general_context_create(rx_malloc, rx_free, NULL);
    st->cctx = st->gctx ? pcre2_compile_context_create(st->gctx) : NULL;
    if (st->cctx == NULL) {
        rx_state_free(st);
        return floe_err_nomem(err);
    }
    *slot = st;
    *out = st;
    return FLOE_OK;
}

/* The compiled form of pattern s under copts: from the cache, or compiled
 * now (evicting the least recently used). Errors name fn and the pattern. */
static int rx_compile(rx_state *st, const char *fn, floe_string s, uint32_t copts, rx_pat **out,
                      floe_err *err)
{
    rx_pat *p, *victim = &st->pats[0];
    uint32_t i;
    int ec;
    PCRE2_SIZE eoff;
    st->tick++;
    for (i = 0; i < RX_CACHE; i++) {
        p = &st->pats[i];
        if (p->src && p->len == s.len && p->copts == copts && memcmp(p->src, s.ptr, s.len) == 0) {
            p->used = st->tick;
            *out = p;
            return FLOE_OK;
        }
        if (p->src == NULL || (victim->src && p->used < victim->used)) victim = p;
    }
    p = victim;
    pat_clear(p);
    p->src = floe_malloc(s.len ? s.len : 1);
    if (p->src == NULL) return floe_err_nomem(err);
    if (s.len) memcpy(p->src, s.ptr, s.len);
    p->len = s.len;
    p->copts = copts;
    p->code = pcre2_compile((PCRE2_SPTR)s.ptr, s.len, copts, &ec, &eoff, st->cctx);
    if (p->code == NULL) {
        PCRE2_UCHAR msg[160];
        if (ec == PCRE2_ERROR_NOMEMORY) {
            pat_clear(p);
            return floe_err_nomem(err);
        }
        pcre2_get_error_message(ec, msg, sizeof msg);
        pat_clear(p);
        return floe_err_set(err, FLOE_ERROR, "%s: invalid regular expression '%.*s': %s at offset %zu",
                            fn, (int)(s.len > 200 ? 200 : s.len), s.ptr, (const char *)msg,
                            (size_t)eoff);
    }
    (void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE); /* interpreter when it fails */
    p->md = pcre2_match_data_create_from_pattern(p->code, st->gctx);
    if (p->md == NULL) {
        pat_clear(p);
        return floe_err_nomem(err);
    }
    p->used = st->tick;
    *out = p;
    return FLOE_OK;
}

/* Parse the options string into compile options; *global for 'g' (only
 * where global is non-NULL). */
static int rx_options(const char *fn, floe_string o, uint32_t *copts, bool *global, floe_err *err)
{
    uint32_t i;
    for (i = 0; i < o.len; i++) {
        switch (o.ptr[i]) {
        case 'c': *copts &= ~(uint32_t)PCRE2_CASELESS; break;
        case 'i': *copts |= PCRE2_CASELESS; break;
        case 'l': *copts |= PCRE2_LITERAL; break;
        case 's': *copts |= PCRE2_DOTALL; break;
        case 'm':
        case 'n':
        case 'p': *copts &= ~(uint32_t)PCRE2_DOTALL; break;
        case 'g':
            if (global) {
                *global = true;
                break;
            }
            /* fall through */
        default:
            return floe_err_set(err, FLOE_ERROR, "%s: unrecognized regular expression option '%c'",
                                fn, o.ptr[i]);
        }
    }
    return FLOE_OK;
}

static inline floe_string sarg(const floe_vec *v, uint32_t r)
{
    return ((const floe_string *)v->data)[floe_vidx(v, r)];
}

/* pcre2_match: 1 matched (ovector filled), 0 no match, else an error. */
static int rx_exec(const char *fn, rx_pat *p, floe_string s, size_t start, uint32_t mopts,
                   floe_err *err)
{
    int m = pcre2_match(p->code, (PCRE2_SPTR)s.ptr, s.len, start, mopts, p->md, NULL);
    if (m >= 0) return 1;
    if (m == PCRE2_ERROR_NOMATCH) return 0;
    {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(m, msg, sizeof msg);
        return -floe_err_set(err, FLOE_ERROR, "%s: matching '%.*s' failed: %s", fn,
                             (int)(p->len > 200 ? 200 : p->len), p->src, (const char *)msg);
    }
}

/* Bytes of the UTF-8 character at s[i] (1 for an invalid byte), within n. */
static size_t u8_step(const char *s, size_t i, size_t n)
{
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : 1;
    return i + k <= n ? k : n - i;
}

/* Highest group a replacement names (\0..\9), -1 when it has a bad escape. */
static int rewrite_max_group(floe_string r)
{
    int mx = 0;
    uint32_t i;
    for (i = 0; i < r.len; i++) {
        if (r.ptr[i] != '\\') continue;
        if (++i >= r.len) return -1;
        if (r.ptr[i] >= '0' && r.ptr[i] <= '9') {
            if (r.ptr[i] - '0' > mx) mx = r.ptr[i] - '0';
        } else if (r.ptr[i] != '\\') {
            return -1;
        }
    }
    return mx;
}

static int buf_put(rx_state *st, size_t *len, const char *s, size_t n, floe_err *err)
{
    if (n == 0) return FLOE_OK;
    if (*len + n > st->cap) {
        size_t cap = st->cap ? st->cap : 256;
        char *b;
        while (cap < *len + n) cap *= 2;
        b = floe_realloc(st->buf, cap);
        if (b == NULL) return floe_err_nomem(err);
        st->buf = b;
        st->cap = cap;
    }
    memcpy(st->buf + *len, s, n);
    *len += n;
    return FLOE_OK;
}

/* Append the replacement r for the current match of p in s. */
static int put_rewrite(rx_state *st, size_t *len, rx_pat *p, floe_string s, floe_string r,
                       floe_err *err)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
    uint32_t ng = pcre2_get_ovector_count(p->md);
    uint32_t i, lit = 0;
    int rc;
    for (i = 0; i < r.len; i++) {
        uint32_t g;
        if (r.ptr[i] != '\\') continue;
        if ((rc = buf_put(st, len, r.ptr + lit, i - lit, err))) return rc;
        i++;
        if (r.ptr[i] == '\\') {
            if ((rc = buf_put(st, len, "\\", 1, err))) return rc;
        } else {
            g = (uint32_t)(r.ptr[i] - '0');
            if (g < ng && ov[2 * g] != PCRE2_UNSET &&
                (rc = buf_put(st, len, s.ptr + ov[2 * g], ov[2 * g + 1] - ov[2 * g], err)))
                return rc;
        }
        lit = i + 1;
    }
    return buf_put(st, len, r.ptr + lit, r.len - lit, err);
}

int floe_fn_regex_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    const char *name = fn == FLOE_FN_REGEXP_MATCHES      ? "regexp_matches"
                       : fn == FLOE_FN_REGEXP_FULL_MATCH ? "regexp_full_match"
                       : fn == FLOE_FN_REGEXP_REPLACE    ? "regexp_replace"
                                                         : "regexp_extract";
    const floe_vec *s = &fa->args[0], *pv = &fa->args[1];
    uint32_t copts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    uint32_t optarg = fn == FLOE_FN_REGEXP_REPLACE ? 3 : fn == FLOE_FN_REGEXP_EXTRACT ? 3 : 2;
    bool global = false, cpat = floe_vec_const(pv);
    int64_t group = 0;
    rx_state *st = NULL;
    rx_pat *p = NULL;
    uint32_t i;
    int rc;

    for (i = 0; i < fa->nargs; i++) {
        floe_type_id want = (fn == FLOE_FN_REGEXP_EXTRACT && i == 2) ? FLOE_TYPE_INTEGER : FLOE_TYPE_VARCHAR;
        if (fa->args[i].type.id != want && !(want == FLOE_TYPE_INTEGER && floe_type_is_integer(fa->args[i].type)))
            return floe_err_set(err, FLOE_TYPE, "%s: argument %u has the wrong type", name, i + 1);
    }
    if (fa->nargs > optarg) {
        const floe_vec *o = &fa->args[optarg];
        if (!floe_vec_const(o)) return floe_err_set(err, FLOE_ERROR, "%s: options must be a constant", name);
        if (!floe_bit(o->validity, 0))
            return floe_err_set(err, FLOE_ERROR, "%s: options must not be NULL", name);
        if ((rc = rx_options(name, sarg(o, 0), &copts, fn == FLOE_FN_REGEXP_REPLACE ? &global : NULL, err)))
            return rc;
    }
    if (fn == FLOE_FN_REGEXP_EXTRACT && fa->nargs > 2) {
        const floe_vec *g = &fa->args[2];
        if (!floe_vec_const(g) || !floe_bit(g->validity, 0))
            return floe_err_set(err, FLOE_ERROR, "%s: the group must be a constant integer", name);
        group = g->type.id == FLOE_TYPE_INTEGER ? ((const int32_t *)g->data)[0] : ((const int64_t *)g->data)[0];
        if (group < 0 || group > 9)
            return floe_err_set(err, FLOE_RANGE, "%s: group index must be between 0 and 9", name);
    }
    if (copts & PCRE2_LITERAL) copts &= ~(uint32_t)(PCRE2_DOLLAR_ENDONLY | PCRE2_DOTALL); /* not allowed with it */
    if ((rc = rx_state_get(fa, &st, err))) return rc;
    if (cpat) {
        /* a NULL constant pattern (from a subquery, say) makes every row
         * NULL (strict), so nothing is compiled and p is never used */
        if (!floe_bit(pv->validity, 0)) return FLOE_OK;
        if ((rc = rx_compile(st, name, sarg(pv, 0), copts, &p, err))) return rc;
    }

    switch (fn) {
    case FLOE_FN_REGEXP_MATCHES:
    case FLOE_FN_REGEXP_FULL_MATCH: {
        uint8_t *o = out->data;
        uint32_t mopts = fn == FLOE_FN_REGEXP_FULL_MATCH ? (PCRE2_ANCHORED | PCRE2_ENDANCHORED) : 0;
        FLOE_FOR_ROWS(fa, r, {
            int m;
            if (!floe_bit(out->validity, r)) continue;
            if (!cpat && (rc = rx_compile(st, name, sarg(pv, r), copts, &p, err))) return rc;
            m = rx_exec(name, p, sarg(s, r), 0, mopts, err);
            if (m < 0) return -m;
            o[r] = (uint8_t)m;
        });
        return FLOE_OK;
    }
    case FLOE_FN_REGEXP_EXTRACT: {
        floe_string *o = out->data;
        FLOE_FOR_ROWS(fa, r, {
            floe_string x;
            int m;
            if (!floe_bit(out->validity, r)) continue;
            if (!cpat && (rc = rx_compile(st, name, sarg(pv, r), copts, &p, err))) return rc;
            x = sarg(s, r);
            m = rx_exec(name, p, x, 0, 0, err);
            if (m < 0) return -m;
            o[r].ptr = x.ptr;
            o[r].len = 0;
            if (m && (uint32_t)group < pcre2_get_ovector_count(p->md)) {
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
                if (ov[2 * group] != PCRE2_UNSET) {
                    o[r].ptr = x.ptr + ov[2 * group];
                    o[r].len = (uint32_t)(ov[2 * group + 1] - ov[2 * group]);
                }
            }
        });
        return floe_eval_adopt_strings(out, &fa->args[0], fa, err);
    }
    case FLOE_FN_REGEXP_REPLACE: {
        const floe_vec *rv = &fa->args[2];
        FLOE_FOR_ROWS(fa, r, {
            floe_string x, rep;
            size_t pos = 0, len = 0, lastend = (size_t)-1;
            uint32_t count = 0;
            int mg;
            if (!floe_bit(out->validity, r)) continue;
            if (!cpat && (rc = rx_compile(st, name, sarg(pv, r), copts, &p, err))) return rc;
            x = sarg(s, r);
            rep = sarg(rv, r);
            mg = rewrite_max_group(rep);
            if (mg < 0 || (uint32_t)mg >= pcre2_get_ovector_count(p->md)) {
                /* RE2 refuses such a rewrite: the text stays as it is */
                if ((rc = floe_eval_set_str(out, r, x.ptr, x.len, err))) return rc;
                continue;
            }
            /* RE2's GlobalReplace loop: no empty match right where the
             * previous match ended */
            while (pos <= x.len) {
                PCRE2_SIZE *ov;
                int m = rx_exec(name, p, x, pos, 0, err);
                if (m < 0) return -m;
                if (m == 0) break;
                ov = pcre2_get_ovector_pointer(p->md);
                if ((rc = buf_put(st, &len, x.ptr + pos, ov[0] - pos, err))) return rc;
                if (ov[0] == ov[1] && ov[0] == lastend) {
                    size_t k;
                    if (ov[0] >= x.len) break;
                    k = u8_step(x.ptr, ov[0], x.len);
                    if ((rc = buf_put(st, &len, x.ptr + ov[0], k, err))) return rc;
                    pos = ov[0] + k;
                    continue;
                }
                if ((rc = put_rewrite(st, &len, p, x, rep, err))) return rc;
                pos = ov[1];
                lastend = pos;
                count++;
                if (!global) break;
            }
            if (count == 0) {
                if ((rc = floe_eval_set_str(out, r, x.ptr, x.len, err))) return rc;
                continue;
            }
            if (pos < x.len && (rc = buf_put(st, &len, x.ptr + pos, x.len - pos, err))) return rc;
            if ((rc = floe_eval_set_str(out, r, len ? st->buf : "", (uint32_t)len, err))) return rc;
        });
        return FLOE_OK;
    }
    default: return floe_err_set(err, FLOE_MISUSE, "not a regular expression function: %d", (int)fn);
    }
}
