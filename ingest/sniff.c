/* ingest/sniff.c: CSV and JSON-lines dialect and schema detection (see sniff.h). */
#include "ingest/sniff.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest/convert.h"
#include "util/datetime.h"
#include "util/mem.h"
#include "util/vec.h"

#define SNIFF_ROWS 20480u
#define SNIFF_MAX_COLS 4096u
#define TB(id) (1u << (id))
#define ALL_TYPES                                                                              \
    (TB(FLOE_TYPE_BOOLEAN) | TB(FLOE_TYPE_BIGINT) | TB(FLOE_TYPE_DOUBLE) | TB(FLOE_TYPE_DATE) | \
     TB(FLOE_TYPE_TIMESTAMP) | 0xFEFE0000u)

static const uint8_t type_order[] = {FLOE_TYPE_BOOLEAN, FLOE_TYPE_BIGINT, FLOE_TYPE_DOUBLE,
                                     FLOE_TYPE_DATE, FLOE_TYPE_TIMESTAMP};

/* ------------------------------------------------------------ values */

static bool converts(uint8_t id, const char *s, size_t n)
{
    union {
        int64_t i;
        double d;
    } slot;
    uint64_t valid = 0;
    floe_vec v;
    floe_err e;
    memset(&v, 0, sizeof v);
    v.type = floe_type_make((floe_type_id)id);
    v.cap = 1;
    v.data = &slot;
    v.validity = &valid;
    v.flags = FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
    e.code = FLOE_OK;
    return floe_convert_text(&v, 0, s, n, &e) == FLOE_OK;
}

#define DF_DATE(f) (1u << (16 + (f)))
#define DF_TS(f) (1u << (24 + (f)))
#define DF_ALL 0xFEFE0000u /* every non-ISO layout bit (fmt 1..7 of both) */

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool floe_sniff_parse_date(int fmt, const char *s, size_t n, int32_t *days, int64_t *micros,
                           bool *has_time)
{
    char sep = fmt == FLOE_DATEFMT_DMY_DOT ? '.' : '/';
    const char *a = s, *b, *c, *end = s + n, *sp;
    int p1, p2, p3, y, m, d, dim;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    *has_time = false;
    *micros = 0;
    while (a < end && *a == ' ') a++;
    while (end > a && end[-1] == ' ') end--;
    sp = memchr(a, ' ', (size_t)(end - a));
    if (sp == NULL) sp = memchr(a, 'T', (size_t)(end - a));
    if ((b = memchr(a, sep, (size_t)((sp ? sp : end) - a))) == NULL) return false;
    if ((c = memchr(b + 1, sep, (size_t)((sp ? sp : end) - b - 1))) == NULL) return false;
    if (!digits(a, (size_t)(b - a), &p1) || !digits(b + 1, (size_t)(c - b - 1), &p2) ||
        !digits(c + 1, (size_t)((sp ? sp : end) - c - 1), &p3))
        return false;
    if (fmt == FLOE_DATEFMT_YMD_SLASH) {
        if (b - a != 4) return false;
        y = p1, m = p2, d = p3;
    } else {
        if ((sp ? sp : end) - c - 1 != 4) return false;
        y = p3;
        m = fmt == FLOE_DATEFMT_MDY ? p1 : p2;
        d = fmt == FLOE_DATEFMT_MDY ? p2 : p1;
    }
    if (m < 1 || m > 12 || d < 1) return false;
    dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > dim) return false;
    *days = floe_date_from_ymd(y, m, d);
    if (sp) {
        int hh, mi, ss = 0;
        int64_t frac = 0;
        const char *t = sp + 1;
        size_t tl = (size_t)(end - t);
        if (tl < 5 || t[2] != ':' || !digits(t, 2, &hh) || !digits(t + 3, 2, &mi)) return false;
        if (tl > 5) {
            if (tl < 8 || t[5] != ':' || !digits(t + 6, 2, &ss)) return false;
            if (tl > 8) {
                int64_t scale = 100000;
                if (t[8] != '.' || tl == 9 || tl > 15) return false;
                for (size_t i = 9; i < tl; i++, scale /= 10) {
                    if (t[i] < '0' || t[i] > '9') return false;
                    frac += (t[i] - '0') * scale;
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 59) return false;
        *has_time = true;
        *micros = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000000 + frac;
    }
    return true;
}

/* The non-ISO layouts s fits (DF_DATE / DF_TS bits). */
static unsigned alt_dates(const char *s, size_t n)
{
    unsigned m = 0;
    int32_t d;
    int64_t us;
    bool t;
    if (n < 8 || n > 40 || (!memchr(s, '/', n) && !memchr(s, '.', n))) return 0;
    for (int f = 1; f < FLOE_DATEFMT_COUNT; f++)
        if (floe_sniff_parse_date(f, s, n, &d, &us, &t)) m |= t ? DF_TS(f) : DF_DATE(f) | DF_TS(f);
    return m;
}

unsigned floe_sniff_value(const char *s, size_t n)
{
    unsigned m = 0;
    while (n && (*s == ' ' || *s == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n == 0) return 0;
    if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 5 && !strncasecmp(s, "false", 5)))
        return TB(FLOE_TYPE_BOOLEAN);
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-' || s[0] == '+' || s[0] == '.') {
        if (converts(FLOE_TYPE_BIGINT, s, n)) m |= TB(FLOE_TYPE_BIGINT);
        if (converts(FLOE_TYPE_DOUBLE, s, n)) m |= TB(FLOE_TYPE_DOUBLE);
        if (n >= 8 && converts(FLOE_TYPE_DATE, s, n)) m |= TB(FLOE_TYPE_DATE);
        if (n >= 8 && converts(FLOE_TYPE_TIMESTAMP, s, n)) m |= TB(FLOE_TYPE_TIMESTAMP);
        m |= alt_dates(s, n);
    } else if ((n == 3 && !strncasecmp(s, "nan", 3)) || (n == 3 && !strncasecmp(s, "inf", 3)) ||
               (n == 8 && !strncasecmp(s, "infinity", 8))) {
        m |= TB(FLOE_TYPE_DOUBLE);
    }
    return m;
}

/* The type for a column whose values all fit `mask`; *fmt its date layout. */
static floe_type pick_type_fmt(unsigned mask, bool seen, uint8_t *fmt)
{
    size_t k;
    *fmt = FLOE_DATEFMT_ISO;
    if (!seen) return floe_type_make(FLOE_TYPE_VARCHAR);
    for (k = 0; k < sizeof type_order; k++) {
        if (mask & TB(type_order[k])) return floe_type_make((floe_type_id)type_order[k]);
        if (type_order[k] == FLOE_TYPE_DATE || type_order[k] == FLOE_TYPE_TIMESTAMP)
            for (int f = 1; f < FLOE_DATEFMT_COUNT; f++)
                if (mask & (type_order[k] == FLOE_TYPE_DATE ? DF_DATE(f) : DF_TS(f))) {
                    *fmt = (uint8_t)f;
                    return floe_type_make((floe_type_id)type_order[k]);
                }
    }
    return floe_type_make(FLOE_TYPE_VARCHAR);
}

static floe_type pick_type(unsigned mask, bool seen)
{
    uint8_t f;
    return pick_type_fmt(mask, seen, &f);
}

/* ------------------------------------------------------------ CSV records */

typedef struct field {
    size_t off, len; /* raw bytes (quotes included when quoted) */
    bool quoted;
} field;

typedef struct tok {
    const char *p;
    size_t n, pos;
    char delim, quote, esc;
    bool whole;
    field *f;
    uint32_t nf, capf;
    bool bad;           /* an unterminated quote or junk after a closing quote */
    bool nl_in_quotes;
} tok;

static int push(tok *t, size_t off, size_t len, bool quoted)
{
    if (t->nf == t->capf) {
        uint32_t cap = t->capf ? t->capf * 2 : 32;
        field *nf;
        if (cap > SNIFF_MAX_COLS * 2) return FLOE_RANGE;
        nf = floe_realloc(t->f, cap * sizeof *nf);
        if (nf == NULL) return FLOE_NOMEM;
        t->f = nf;
        t->capf = cap;
    }
    t->f[t->nf].off = off;
    t->f[t->nf].len = len;
    t->f[t->nf].quoted = quoted;
    t->nf++;
    return FLOE_OK;
}

/* Next record: 1 with fields in t->f, 0 at the end (a cut last record of a
 * partial sample is dropped), or -1 on a code (kept in *rc). */
static int next_record(tok *t, int *rc)
{
    const char *p = t->p;
    size_t i = t->pos, n = t->n;
    t->nf = 0;
    if (i >= n) return 0;
    for (;;) {
        size_t start = i;
        bool quoted = false;
        if (i < n && t->quote && p[i] == t->quote) {
            quoted = true;
            i++;
            for (;;) {
                if (i >= n) {
                    if (!t->whole) return 0;
                    t->bad = true;
                    break;
                }
                if (p[i] == t->esc && t->esc != t->quote && i + 1 < n) {
                    i += 2;
                    continue;
                }
                if (p[i] == t->quote) {
                    if (t->esc == t->quote && i + 1 < n && p[i + 1] == t->quote) {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (p[i] == '\n' || p[i] == '\r') t->nl_in_quotes = true;
                i++;
            }
            while (i < n && p[i] != t->delim && p[i] != '\n' && p[i] != '\r') {
                t->bad = true; /* junk after the closing quote */
                i++;
            }
        } else {
            while (i < n && p[i] != t->delim && p[i] != '\n' && p[i] != '\r') i++;
        }
        if ((*rc = push(t, start, i - start, quoted)) != FLOE_OK) return -1;
        if (i < n && p[i] == t->delim) {
            i++;
            continue;
        }
        if (i >= n) {
            if (!t->whole) return 0;
            t->pos = n;
            return 1;
        }
        if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i++;
        t->pos = i + 1;
        return 1;
    }
}

/* The text of a field without quotes and escapes, into buf (cap bytes). */
static size_t field_text(const tok *t, const field *f, char *buf, size_t cap)
{
    const char *s = t->p + f->off;
    size_t n = f->len, o = 0, i;
    if (!f->quoted) {
        if (n >= cap) n = cap - 1;
        memcpy(buf, s, n);
        buf[n] = 0;
        return n;
    }
    for (i = 1; i < n && o + 1 < cap; i++) {
        if (s[i] == t->esc && i + 1 < n && (t->esc != t->quote || s[i + 1] == t->quote)) {
            buf[o++] = s[++i];
            continue;
        }
        if (s[i] == t->quote) break;
        buf[o++] = s[i];
    }
    buf[o] = 0;
    return o;
}

static bool is_empty_line(const tok *t) { return t->nf == 1 && t->f[0].len == 0; }

/* Score a dialect: records with the modal field count, and that count. */
static int score(tok *t, uint32_t max_rows, uint64_t *out_consistent, uint32_t *out_cols, int *rc)
{
    uint32_t counts[64], ncols[64], nk = 0, rows = 0, k;
    int r;
    t->pos = 0;
    t->bad = false;
    t->nl_in_quotes = false;
    while (rows < max_rows && (r = next_record(t, rc)) == 1) {
        if (is_empty_line(t)) continue;
        rows++;
        for (k = 0; k < nk && ncols[k] != t->nf; k++) {
        }
        if (k == nk) {
            if (nk == 64) continue;
            ncols[nk] = t->nf;
            counts[nk++] = 0;
        }
        counts[k]++;
    }
    if (rows < max_rows && r < 0) return -1;
    *out_consistent = 0;
    *out_cols = 0;
    for (k = 0; k < nk; k++)
        if (counts[k] > *out_consistent || (counts[k] == *out_consistent && ncols[k] > *out_cols)) {
            *out_consistent = counts[k];
            *out_cols = ncols[k];
        }
    if (t->bad) *out_consistent /= 2; /* broken quoting: a worse candidate */
    return 0;
}

/* The dialect whose records most consistently have the same field count
 * (see sniff.h); -1 with *rc on a failure. */
static int pick_dialect(tok *t, const floe_sniff_opts *o, uint32_t max_rows, char *bd, char *bq,
                        char *be, uint32_t *out_cols, int *rc)
{
    static const char delims[] = {',', '|', ';', '\t'};
    static const char quotes[] = {'"', '\''};
    uint64_t best = 0;
    uint32_t best_cols = 0;
    size_t di, qi, ei;
    for (di = 0; di < sizeof delims; di++) {
        char d = o && o->delimiter ? o->delimiter : delims[di];
        if (o && o->delimiter && di > 0) break;
        for (qi = 0; qi < sizeof quotes; qi++) {
            char q = o && o->quote ? o->quote : quotes[qi];
            if (o && o->quote && qi > 0) break;
            for (ei = 0; ei < 2; ei++) {
                char e = o && o->escape ? o->escape : ei == 0 ? q : '\\';
                uint64_t cons;
                uint32_t cols;
                if (o && o->escape && ei > 0) break;
                t->delim = d;
                t->quote = q;
                t->esc = e;
                if (score(t, max_rows, &cons, &cols, rc) < 0) return -1;
                if ((cols > 1 && best_cols <= 1) ||
                    ((cols > 1) == (best_cols > 1) &&
                     (cons > best || (cons == best && cols > best_cols)))) {
                    best = cons;
                    best_cols = cols;
                    *bd = d;
                    *bq = q;
                    *be = e;
                }
            }
        }
    }
    *out_cols = best_cols;
    return 0;
}

int floe_csv_sniff(const char *p, size_t n, bool whole, const floe_sniff_opts *o,
                   const char *source, floe_sniff_result *out, floe_err *err)
{
    const char *src = source ? source : "<input>";
    uint32_t max_rows = o && o->sample_rows ? o->sample_rows : SNIFF_ROWS;
    const char *null_str = o && o->null_str ? o->null_str : "";
    size_t null_len = strlen(null_str);
    tok t;
    uint32_t best_cols = 0, c, rows = 0;
    char bd = ',', bq = '"', be = '"';
    unsigned *mask = NULL;
    bool *seen = NULL, first = true, header;
    char **row0 = NULL;
    int rc = FLOE_OK, r;
    char buf[1024];

    memset(out, 0, sizeof *out);
    memset(&t, 0, sizeof t);
    t.p = p;
    t.n = n;
    t.whole = whole;
    if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        t.pos = 3; /* a UTF-8 byte order mark */
    {
        size_t skip = t.pos;
        t.p += skip;
        t.n -= skip;
    }
    if (t.n == 0) return floe_err_set(err, FLOE_PARSE, "%s: empty file: nothing to detect", src);
    if (pick_dialect(&t, o, max_rows, &bd, &bq, &be, &best_cols, &rc) < 0) goto fail_rc;
    if (best_cols == 0 || best_cols > SNIFF_MAX_COLS) {
        floe_free(t.f); /* the tokenizer's fields (allocated while scoring) */
        return best_cols ? floe_err_set(err, FLOE_RANGE, "%s: more than %u columns", src, SNIFF_MAX_COLS)
                         : floe_err_set(err, FLOE_PARSE, "%s: no records to detect a dialect from", src);
    }
    t.delim = bd;
    t.quote = bq;
    t.esc = be;
    t.pos = 0;
    t.bad = false;
    t.nl_in_quotes = false;
    out->delimiter = bd;
    out->quote = bq;
    out->escape = be;
    out->ncols = best_cols;
    mask = floe_calloc(best_cols, sizeof *mask);
    seen = floe_calloc(best_cols, sizeof *seen);
    row0 = floe_calloc(best_cols, sizeof *row0);
    out->names = floe_calloc(best_cols, sizeof *out->names);
    out->types = floe_calloc(best_cols, sizeof *out->types);
    out->datefmt = floe_calloc(best_cols, sizeof *out->datefmt);
    if (!mask || !seen || !row0 || !out->names || !out->types || !out->datefmt) goto nomem;
    for (c = 0; c < best_cols; c++) mask[c] = ALL_TYPES;
    /* types over every record but the first; the first is kept as text */
    while (rows < max_rows && (r = next_record(&t, &rc)) == 1) {
        if (is_empty_line(&t) && best_cols > 1) continue;
        if (t.nf != best_cols) continue; /* the reader reports it, with its line */
        if (first) {
            first = false;
            for (c = 0; c < best_cols; c++) {
                size_t k = field_text(&t, &t.f[c], buf, sizeof buf);
                if ((row0[c] = floe_malloc(k + 1)) == NULL) goto nomem;
                memcpy(row0[c], buf, k + 1);
                if (!t.f[c].quoted && t.f[c].len == null_len &&
                    memcmp(t.p + t.f[c].off, null_str, null_len) == 0) {
                    floe_free(row0[c]);
                    row0[c] = NULL;
                }
            }
            continue;
        }
        rows++;
        for (c = 0; c < best_cols; c++) {
            const field *f = &t.f[c];
            size_t k;
            if (f->len == 0 || (!f->quoted && f->len == null_len &&
                                memcmp(t.p + f->off, null_str, null_len) == 0))
                continue;
            k = field_text(&t, f, buf, sizeof buf);
            mask[c] &= k + 1 < sizeof buf ? floe_sniff_value(buf, k) : 0;
            seen[c] = true;
        }
    }
    if (rows < max_rows && r < 0) goto fail_rc;
    out->quoted_newlines = t.nl_in_quotes;
    /* header: a typed column whose first value does not fit its type */
    header = false;
    if (o && o->header >= 0) {
        header = o->header == 1;
    } else if (!first) {
        bool any_typed = false, distinct = true;
        for (c = 0; c < best_cols; c++) {
            uint8_t f;
            floe_type ty = pick_type_fmt(mask[c], seen[c], &f);
            if (ty.id != FLOE_TYPE_VARCHAR) {
                unsigned bit = f == FLOE_DATEFMT_ISO ? TB(ty.id)
                               : ty.id == FLOE_TYPE_DATE ? DF_DATE(f) : DF_TS(f);
                any_typed = true;
                if (row0[c] && !(floe_sniff_value(row0[c], strlen(row0[c])) & bit)) header = true;
            }
            if (row0[c] == NULL || row0[c][0] == 0) distinct = false;
            for (uint32_t k = 0; distinct && k < c; k++)
                if (strcmp(row0[k], row0[c]) == 0) distinct = false;
        }
        if (!any_typed && distinct && rows > 0) header = true;
    }
    out->header = header;
    for (c = 0; c < best_cols; c++) {
        if (!header && row0[c]) {
            mask[c] &= floe_sniff_value(row0[c], strlen(row0[c]));
            seen[c] = true;
        }
        out->types[c] = pick_type_fmt(mask[c], seen[c], &out->datefmt[c]);
        if (header && row0[c] && row0[c][0]) {
            bool dup = false;
            for (uint32_t k = 0; k < c; k++)
                if (strcmp(out->names[k], row0[c]) == 0) dup = true;
            if (dup) {
                snprintf(buf, sizeof buf, "%s_%u", row0[c], c);
                out->names[c] = floe_malloc(strlen(buf) + 1);
                if (out->names[c]) memcpy(out->names[c], buf, strlen(buf) + 1);
            } else {
                out->names[c] = row0[c];
                row0[c] = NULL;
            }
        } else {
            snprintf(buf, sizeof buf, "column%u", c);
            out->names[c] = floe_malloc(strlen(buf) + 1);
            if (out->names[c]) memcpy(out->names[c], buf, strlen(buf) + 1);
        }
        if (out->names[c] == NULL) goto nomem;
    }
    out->rows = rows + (header || first ? 0 : 1);
    goto done;
nomem:
    rc = FLOE_NOMEM;
fail_rc:
    floe_sniff_result_free(out);
    if (rc == FLOE_NOMEM) floe_err_nomem(err);
    else floe_err_set(err, rc, "%s: more than %u columns", src, SNIFF_MAX_COLS);
done:
    if (row0)
        for (c = 0; c < best_cols; c++) floe_free(row0[c]);
    floe_free(row0);
    floe_free(mask);
    floe_free(seen);
    floe_free(t.f);
    return rc;
}

void floe_sniff_result_free(floe_sniff_result *r)
{
    uint32_t c;
    if (r == NULL) return;
    if (r->names)
        for (c = 0; c < r->ncols; c++) floe_free(r->names[c]);
    floe_free(r->names);
    floe_free(r->types);
    floe_free(r->datefmt);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------ JSON */

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    return i;
}

/* End of the JSON string starting at p[i] == '"' (index after it), or 0. */
static size_t skip_string(const char *p, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] == '"') return i + 1;
    }
    return 0;
}

/* End of the JSON value at p[i] (index after it), or 0 when malformed. */
static size_t skip_value(const char *p, size_t n, size_t i, int depth)
{
    if (i >= n || depth > 64) return 0;
    if (p[i] == '"') return skip_string(p, n, i);
    if (p[i] == '{' || p[i] == '[') {
        char close = p[i] == '{' ? '}' : ']';
        i = skip_ws(p, n, i + 1);
        if (i < n && p[i] == close) return i + 1;
        for (;;) {
            if (close == '}') {
                if (i >= n || p[i] != '"' || (i = skip_string(p, n, i)) == 0) return 0;
                i = skip_ws(p, n, i);
                if (i >= n || p[i] != ':') return 0;
                i = skip_ws(p, n, i + 1);
            }
            if ((i = skip_value(p, n, i, depth + 1)) == 0) return 0;
            i = skip_ws(p, n, i);
            if (i < n && p[i] == ',') {
                i = skip_ws(p, n, i + 1);
                continue;
            }
            if (i < n && p[i] == close) return i + 1;
            return 0;
        }
    }
    while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' && p[i] != '\t' &&
           p[i] != '\r' && p[i] != '\n')
        i++;
    return i;
}

typedef struct jcols {
    char **names;
    unsigned *mask;
    bool *seen, *nested;
    uint32_t n, cap;
} jcols;

static int jcol(jcols *jc, const char *k, size_t kn, uint32_t *out)
{
    uint32_t c;
    for (c = 0; c < jc->n; c++)
        if (strlen(jc->names[c]) == kn && memcmp(jc->names[c], k, kn) == 0) {
            *out = c;
            return FLOE_OK;
        }
    if (jc->n == SNIFF_MAX_COLS) return FLOE_RANGE;
    if (jc->n == jc->cap) {
        uint32_t cap = jc->cap ? jc->cap * 2 : 16;
        char **nn = floe_realloc(jc->names, cap * sizeof *nn);
        unsigned *nm;
        bool *ns, *nz;
        if (nn == NULL) return FLOE_NOMEM;
        jc->names = nn;
        if ((nm = floe_realloc(jc->mask, cap * sizeof *nm)) == NULL) return FLOE_NOMEM;
        jc->mask = nm;
        if ((ns = floe_realloc(jc->seen, cap * sizeof *ns)) == NULL) return FLOE_NOMEM;
        jc->seen = ns;
        if ((nz = floe_realloc(jc->nested, cap * sizeof *nz)) == NULL) return FLOE_NOMEM;
        jc->nested = nz;
        jc->cap = cap;
    }
    if ((jc->names[jc->n] = floe_malloc(kn + 1)) == NULL) return FLOE_NOMEM;
    memcpy(jc->names[jc->n], k, kn);
    jc->names[jc->n][kn] = 0;
    jc->mask[jc->n] = ALL_TYPES;
    jc->seen[jc->n] = false;
    jc->nested[jc->n] = false;
    *out = jc->n++;
    return FLOE_OK;
}

static void jcols_free(jcols *jc)
{
    uint32_t c;
    for (c = 0; c < jc->n; c++) floe_free(jc->names[c]);
    floe_free(jc->names);
    floe_free(jc->mask);
    floe_free(jc->seen);
    floe_free(jc->nested);
}

/* Type bits of a JSON scalar p[0..n). */
static unsigned json_bits(const char *p, size_t n, bool *is_null)
{
    char buf[256];
    size_t i, o = 0;
    *is_null = false;
    if (n == 4 && memcmp(p, "null", 4) == 0) {
        *is_null = true;
        return 0;
    }
    if ((n == 4 && memcmp(p, "true", 4) == 0) || (n == 5 && memcmp(p, "false", 5) == 0))
        return TB(FLOE_TYPE_BOOLEAN);
    if (p[0] != '"') return floe_sniff_value(p, n) & (TB(FLOE_TYPE_BIGINT) | TB(FLOE_TYPE_DOUBLE));
    for (i = 1; i + 1 < n && o + 1 < sizeof buf; i++) {
        if (p[i] == '\\') return 0; /* escapes: text */
        buf[o++] = p[i];
    }
    if (i + 1 < n) return 0;
    /* a string is typed like CSV text but never as a number or boolean
     * (the JSON reader loads "12" into a number column, DuckDB does not) */
    return floe_sniff_value(buf, o) & (TB(FLOE_TYPE_DATE) | TB(FLOE_TYPE_TIMESTAMP));
}

int floe_json_sniff(const char *p, size_t n, bool whole, uint32_t sample_rows, const char *source,
                    floe_sniff_result *out, floe_err *err)
{
    const char *src = source ? source : "<input>";
    uint32_t max_rows = sample_rows ? sample_rows : SNIFF_ROWS, rows = 0, c;
    uint64_t line = 0;
    size_t i = 0;
    jcols jc;
    int rc = FLOE_OK;
    memset(out, 0, sizeof *out);
    memset(&jc, 0, sizeof jc);
    while (i < n && rows < max_rows) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) : n, j;
        line++;
        if (nl == NULL && !whole) break;
        j = skip_ws(p, end, i);
        if (j == end) {
            i = end + 1;
            continue;
        }
        if (p[j] != '{') goto bad;
        j = skip_ws(p, end, j + 1);
        if (j < end && p[j] == '}') j++;
        else
            for (;;) {
                size_t ks, ke, vs, ve;
                uint32_t col;
                bool isnull;
                unsigned bits;
                if (j >= end || p[j] != '"' || (ke = skip_string(p, end, j)) == 0) goto bad;
                ks = j + 1;
                j = skip_ws(p, end, ke);
                if (j >= end || p[j] != ':') goto bad;
                vs = skip_ws(p, end, j + 1);
                if ((ve = skip_value(p, end, vs, 0)) == 0) goto bad;
                if ((rc = jcol(&jc, p + ks, ke - 1 - ks, &col)) != FLOE_OK) goto fail;
                if (p[vs] == '{' || p[vs] == '[') {
                    jc.nested[col] = true;
                } else {
                    bits = json_bits(p + vs, ve - vs, &isnull);
                    if (!isnull) {
                        jc.mask[col] &= bits;
                        jc.seen[col] = true;
                    }
                }
                j = skip_ws(p, end, ve);
                if (j < end && p[j] == ',') {
                    j = skip_ws(p, end, j + 1);
                    continue;
                }
                if (j < end && p[j] == '}') {
                    j++;
                    break;
                }
                goto bad;
            }
        rows++;
        i = end + 1;
    }
    if (jc.n == 0) {
        jcols_free(&jc);
        return floe_err_set(err, FLOE_PARSE, "%s: no JSON objects to detect columns from", src);
    }
    out->ncols = jc.n;
    out->rows = rows;
    out->names = jc.names;
    jc.names = NULL;
    if ((out->types = floe_calloc(jc.n, sizeof *out->types)) == NULL) {
        rc = FLOE_NOMEM;
        goto fail;
    }
    for (c = 0; c < out->ncols; c++)
        out->types[c] = jc.nested[c] ? floe_type_make(FLOE_TYPE_VARCHAR) : pick_type(jc.mask[c], jc.seen[c]);
    jc.n = 0;
    jcols_free(&jc);
    return FLOE_OK;
bad:
    jcols_free(&jc);
    return floe_err_set(err, FLOE_PARSE, "%s:%llu: malformed JSON object", src,
                        (unsigned long long)line);
fail:
    {
        uint32_t k = jc.n;
        jcols_free(&jc);
        (void)k;
    }
    floe_sniff_result_free(out);
    if (rc == FLOE_NOMEM) return floe_err_nomem(err);
    return floe_err_set(err, rc, "%s: more than %u JSON keys", src, SNIFF_MAX_COLS);
}

int floe_json_array_to_lines(const char *p, size_t n, const char *source, char **out,
                             size_t *out_n, floe_err *err)
{
    const char *src = source ? source : "<input>";
    char *buf = floe_malloc(n + 2);
    size_t i = skip_ws(p, n, 0), o = 0;
    *out = NULL;
    *out_n = 0;
    if (buf == NULL) return floe_err_nomem(err);
    if (i >= n || p[i] != '[') goto bad;
    i = skip_ws(p, n, i + 1);
    if (i < n && p[i] == ']') goto ok;
    for (;;) {
        size_t e = skip_value(p, n, i, 0), k;
        bool in_str = false;
        if (e == 0 || p[i] != '{') goto bad;
        for (k = i; k < e; k++) {
            char ch = p[k];
            if (in_str) {
                if (ch == '\\' && k + 1 < e) {
                    buf[o++] = ch;
                    ch = p[++k];
                } else if (ch == '"') {
                    in_str = false;
                }
            } else if (ch == '"') {
                in_str = true;
            } else if (ch == '\n' || ch == '\r') {
                ch = ' ';
            }
            buf[o++] = ch;
        }
        buf[o++] = '\n';
        i = skip_ws(p, n, e);
        if (i < n && p[i] == ',') {
            i = skip_ws(p, n, i + 1);
            continue;
        }
        if (i < n && p[i] == ']') break;
        goto bad;
    }
ok:
    *out = buf;
    *out_n = o;
    return FLOE_OK;
bad:
    floe_free(buf);
    return floe_err_set(err, FLOE_PARSE, "%s: not a JSON array of objects (byte %zu)", src, i);
}
