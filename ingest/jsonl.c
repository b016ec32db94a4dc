/* ingest/jsonl.c: streaming JSON-lines reader and writer.
 *
 * Lines are cut at LF (JSON strings cannot hold a raw line break) from a
 * growing buffer like the CSV reader's; each line is parsed by a small
 * recursive-descent parser that decodes keys and string values into scratch
 * buffers and converts values straight into the batch row.
 */
#include "ingest/jsonl.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "util/strbuf.h"

#define JL_BLOCK (64 * 1024)
#define JL_MAX_DEPTH 256

typedef struct jbuf {
    char *p;
    size_t n, cap;
} jbuf;

struct floe_jsonl_reader {
    floe_jsonl_opts o;
    char *source;
    uint32_t ncols;
    floe_type *types;
    char **names;
    size_t *name_lens;
    floe_read_fn rd;
    void *rd_ctx;
    char *buf;
    size_t cap, start, end, scanned; /* scanned: bytes after start known to hold no LF */
    bool eof;
    uint64_t buf_off, line;
    jbuf key, val;
    bool *seen;
    uint64_t rows, rejected;
};

/* A parse problem: reason, offset within the line, column (-1 if none). */
typedef struct jerr {
    int code;
    size_t at;
    int col;
    char reason[FLOE_ERRMSG_MAX];
} jerr;

typedef struct jp {
    const char *s;
    size_t n, i;
} jp;

static int jset(jerr *e, int code, size_t at, int col, const char *fmt, const char *arg)
{
    e->code = code;
    e->at = at;
    e->col = col;
    snprintf(e->reason, sizeof e->reason, fmt, arg);
    return code;
}

static bool jbuf_put(jbuf *b, const char *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < b->n + n) cap *= 2;
        np = floe_realloc(b->p, cap);
        if (np == NULL) return false;
        b->p = np;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
    return true;
}

static void ws(jp *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
        p->i++;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int k;
    for (k = 0; k < 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decode the string at p->i (on its opening quote) into out. */
static int parse_string(jp *p, jbuf *out, int col, jerr *e)
{
    size_t start = p->i, run;
    size_t bad;
    out->n = 0;
    p->i++;
    for (;;) {
        run = p->i;
        while (p->i < p->n && p->s[p->i] != '"' && p->s[p->i] != '\\' &&
               (unsigned char)p->s[p->i] >= 0x20)
            p->i++;
        if (!jbuf_put(out, p->s + run, p->i - run)) return jset(e, FLOE_NOMEM, start, col, "%s", "out of memory");
        if (p->i >= p->n) return jset(e, FLOE_PARSE, start, col, "%s", "unterminated string");
        if (p->s[p->i] == '"') {
            p->i++;
            break;
        }
        if ((unsigned char)p->s[p->i] < 0x20)
            return jset(e, FLOE_PARSE, p->i, col, "%s", "control character in string");
        /* backslash escape */
        if (p->i + 1 >= p->n) return jset(e, FLOE_PARSE, p->i, col, "%s", "unterminated string");
        {
            char c = p->s[p->i + 1], o[4];
            size_t on = 1;
            switch (c) {
            case '"': o[0] = '"'; break;
            case '\\': o[0] = '\\'; break;
            case '/': o[0] = '/'; break;
            case 'b': o[0] = '\b'; break;
            case 'f': o[0] = '\f'; break;
            case 'n': o[0] = '\n'; break;
            case 'r': o[0] = '\r'; break;
            case 't': o[0] = '\t'; break;
            case 'u': {
                uint32_t cp, lo;
                if (p->i + 6 > p->n || hex4(p->s + p->i + 2, &cp) != 0)
                    return jset(e, FLOE_PARSE, p->i, col, "%s", "invalid \\u escape");
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return jset(e, FLOE_PARSE, p->i, col, "%s", "unpaired low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (p->i + 12 > p->n || p->s[p->i + 6] != '\\' || p->s[p->i + 7] != 'u' ||
                        hex4(p->s + p->i + 8, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
                        return jset(e, FLOE_PARSE, p->i, col, "%s", "unpaired high surrogate in \\u escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->i += 6;
                }
                on = utf8_put(o, cp);
                p->i += 4;
                break;
            }
            default:
                return jset(e, FLOE_PARSE, p->i, col, "%s", "invalid escape in string");
            }
            if (!jbuf_put(out, o, on)) return jset(e, FLOE_NOMEM, start, col, "%s", "out of memory");
            p->i += 2;
        }
    }
    if (!floe_utf8_valid(out->p ? out->p : "", out->n, &bad))
        return jset(e, FLOE_PARSE, start, col, "%s", "invalid UTF-8 in string");
    return FLOE_OK;
}

/* Strict JSON number at p->i; on success [p->i, new p->i) is its text. */
static int parse_number(jp *p, int col, jerr *e)
{
    size_t s = p->i;
    const char *t = p->s;
    if (p->i < p->n && t[p->i] == '-') p->i++;
    if (p->i < p->n && t[p->i] == '0') {
        p->i++;
    } else if (p->i < p->n && t[p->i] >= '1' && t[p->i] <= '9') {
        while (p->i < p->n && t[p->i] >= '0' && t[p->i] <= '9') p->i++;
    } else {
        return jset(e, FLOE_PARSE, s, col, "%s", "invalid number");
    }
    if (p->i < p->n && t[p->i] == '.') {
        size_t d = ++p->i;
        while (p->i < p->n && t[p->i] >= '0' && t[p->i] <= '9') p->i++;
        if (p->i == d) return jset(e, FLOE_PARSE, s, col, "%s", "invalid number");
    }
    if (p->i < p->n && (t[p->i] == 'e' || t[p->i] == 'E')) {
        size_t d;
        p->i++;
        if (p->i < p->n && (t[p->i] == '+' || t[p->i] == '-')) p->i++;
        d = p->i;
        while (p->i < p->n && t[p->i] >= '0' && t[p->i] <= '9') p->i++;
        if (p->i == d) return jset(e, FLOE_PARSE, s, col, "%s", "invalid number");
    }
    return FLOE_OK;
}

static bool lit(jp *p, const char *w)
{
    size_t k = strlen(w);
    if (p->n - p->i >= k && memcmp(p->s + p->i, w, k) == 0) {
        p->i += k;
        return true;
    }
    return false;
}

/* Validate and skip any JSON value (for nested values and unknown keys). */
static int skip_value(jp *p, jbuf *scratch, int depth, int col, jerr *e)
{
    int rc;
    ws(p);
    if (depth > JL_MAX_DEPTH) return jset(e, FLOE_PARSE, p->i, col, "%s", "nesting too deep");
    if (p->i >= p->n) return jset(e, FLOE_PARSE, p->i, col, "%s", "missing value");
    switch (p->s[p->i]) {
    case '"': return parse_string(p, scratch, col, e);
    case '{':
    case '[': {
        char close = p->s[p->i] == '{' ? '}' : ']';
        bool obj = close == '}';
        p->i++;
        ws(p);
        if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return FLOE_OK;
        }
        for (;;) {
            ws(p);
            if (obj) {
                if (p->i >= p->n || p->s[p->i] != '"')
                    return jset(e, FLOE_PARSE, p->i, col, "%s", "expected a key");
                rc = parse_string(p, scratch, col, e);
                if (rc) return rc;
                ws(p);
                if (p->i >= p->n || p->s[p->i] != ':')
                    return jset(e, FLOE_PARSE, p->i, col, "%s", "expected ':'");
                p->i++;
            }
            rc = skip_value(p, scratch, depth + 1, col, e);
            if (rc) return rc;
            ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                return FLOE_OK;
            }
            return jset(e, FLOE_PARSE, p->i, col, "%s", obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    case 't':
        if (lit(p, "true")) return FLOE_OK;
        break;
    case 'f':
        if (lit(p, "false")) return FLOE_OK;
        break;
    case 'n':
        if (lit(p, "null")) return FLOE_OK;
        break;
    default:
        if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
            return parse_number(p, col, e);
    }
    return jset(e, FLOE_PARSE, p->i, col, "%s", "invalid value");
}

static int find_col(const floe_jsonl_reader *r, const char *k, size_t n)
{
    uint32_t c;
    for (c = 0; c < r->ncols; c++)
        if (r->name_lens[c] == n && memcmp(r->names[c], k, n) == 0) return (int)c;
    return -1;
}

/* Convert text into column c of row `row`; conversion failures become e. */
static int load_text(floe_vec *v, uint32_t row, const char *s, size_t n, size_t at, int col,
                     jerr *e)
{
    floe_err cerr; /* not FLOE_ERR_INIT: zeroing its buffer per value costs more than the parse */
    int rc;
    cerr.code = FLOE_OK;
    cerr.offset = -1;
    cerr.msg[0] = '\0';
    rc = floe_convert_text(v, row, s, n, &cerr);
    if (rc) return jset(e, rc, at, col, "%s", cerr.msg);
    return FLOE_OK;
}

/* Parse one line into row `row` of b. */
static int parse_line(floe_jsonl_reader *r, const char *s, size_t n, floe_batch *b, uint32_t row,
                      jerr *e)
{
    jp p = {s, n, 0};
    uint32_t c;
    int rc;
    memset(r->seen, 0, r->ncols * sizeof *r->seen);
    ws(&p);
    if (p.i >= p.n || s[p.i] != '{') return jset(e, FLOE_PARSE, p.i, -1, "%s", "expected a JSON object");
    p.i++;
    ws(&p);
    if (p.i < p.n && s[p.i] == '}') {
        p.i++;
    } else {
        for (;;) {
            int col;
            size_t vat;
            floe_vec *v;
            ws(&p);
            if (p.i >= p.n || s[p.i] != '"') return jset(e, FLOE_PARSE, p.i, -1, "%s", "expected a key");
            rc = parse_string(&p, &r->key, -1, e);
            if (rc) return rc;
            col = find_col(r, r->key.p, r->key.n);
            ws(&p);
            if (p.i >= p.n || s[p.i] != ':') return jset(e, FLOE_PARSE, p.i, -1, "%s", "expected ':'");
            p.i++;
            ws(&p);
            vat = p.i;
            if (col < 0) {
                if (!r->o.ignore_unknown) {
                    char name[128];
                    snprintf(name, sizeof name, "%.*s", (int)(r->key.n > 100 ? 100 : r->key.n), r->key.p);
                    return jset(e, FLOE_PARSE, vat, -1, "unknown key \"%s\"", name);
                }
                rc = skip_value(&p, &r->val, 0, -1, e);
                if (rc) return rc;
            } else {
                v = &b->cols[col];
                r->seen[col] = true;
                if (p.i >= p.n) return jset(e, FLOE_PARSE, p.i, col, "%s", "missing value");
                switch (s[p.i]) {
                case '"':
                    rc = parse_string(&p, &r->val, col, e);
                    if (rc) return rc;
                    rc = load_text(v, row, r->val.p ? r->val.p : "", r->val.n, vat, col, e);
                    break;
                case 'n':
                    if (!lit(&p, "null")) return jset(e, FLOE_PARSE, vat, col, "%s", "invalid value");
                    rc = floe_convert_null(v, row) ? jset(e, FLOE_NOMEM, vat, col, "%s", "out of memory") : FLOE_OK;
                    break;
                case 't':
                case 'f': {
                    bool t = s[p.i] == 't';
                    if (!lit(&p, t ? "true" : "false"))
                        return jset(e, FLOE_PARSE, vat, col, "%s", "invalid value");
                    if (v->type.id != FLOE_TYPE_BOOLEAN && v->type.id != FLOE_TYPE_VARCHAR)
                        return jset(e, FLOE_TYPE, vat, col, "%s", "a boolean cannot load this column");
                    rc = load_text(v, row, t ? "true" : "false", t ? 4 : 5, vat, col, e);
                    break;
                }
                case '{':
                case '[':
                    rc = skip_value(&p, &r->val, 0, col, e);
                    if (rc) return rc;
                    if (v->type.id != FLOE_TYPE_VARCHAR)
                        return jset(e, FLOE_TYPE, vat, col, "%s", "a nested value can only load a VARCHAR column");
                    rc = load_text(v, row, s + vat, p.i - vat, vat, col, e);
                    break;
                default:
                    rc = parse_number(&p, col, e);
                    if (rc) return rc;
                    if (!floe_type_is_numeric(v->type) && v->type.id != FLOE_TYPE_VARCHAR)
                        return jset(e, FLOE_TYPE, vat, col, "%s", "a number cannot load this column");
                    rc = load_text(v, row, s + vat, p.i - vat, vat, col, e);
                }
                if (rc) return rc;
            }
            ws(&p);
            if (p.i < p.n && s[p.i] == ',') {
                p.i++;
                continue;
            }
            if (p.i < p.n && s[p.i] == '}') {
                p.i++;
                break;
            }
            return jset(e, FLOE_PARSE, p.i, -1, "%s", "expected ',' or '}'");
        }
    }
    ws(&p);
    if (p.i != p.n) return jset(e, FLOE_PARSE, p.i, -1, "%s", "trailing characters after the object");
    for (c = 0; c < r->ncols; c++)
        if (!r->seen[c] && floe_convert_null(&b->cols[c], row) != FLOE_OK)
            return jset(e, FLOE_NOMEM, 0, -1, "%s", "out of memory");
    return FLOE_OK;
}

int floe_jsonl_reader_open(const floe_jsonl_opts *o, uint32_t ncols, const floe_type *types,
                           const char *const *names, floe_read_fn rd, void *rd_ctx,
                           floe_jsonl_reader **out, floe_err *err)
{
    floe_jsonl_reader *r;
    uint32_t c;
    *out = NULL;
    if (ncols == 0 || names == NULL)
        return floe_err_set(err, FLOE_MISUSE, "JSON reader needs named columns");
    r = floe_calloc(1, sizeof *r);
    if (r == NULL) return floe_err_nomem(err);
    r->o = *o;
    if (!r->o.max_line_bytes) r->o.max_line_bytes = 64u << 20;
    r->source = floe_strdup(o->source_name ? o->source_name : "<input>");
    r->ncols = ncols;
    r->types = floe_malloc(ncols * sizeof *r->types);
    r->names = floe_calloc(ncols, sizeof *r->names);
    r->name_lens = floe_calloc(ncols, sizeof *r->name_lens);
    r->seen = floe_calloc(ncols, sizeof *r->seen);
    r->cap = JL_BLOCK;
    r->buf = floe_malloc(r->cap);
    r->rd = rd;
    r->rd_ctx = rd_ctx;
    r->line = o->first_line ? o->first_line : 1;
    r->buf_off = o->first_offset;
    if (!r->source || !r->types || !r->names || !r->name_lens || !r->seen || !r->buf) goto nomem;
    memcpy(r->types, types, ncols * sizeof *types);
    for (c = 0; c < ncols; c++) {
        r->names[c] = floe_strdup(names[c]);
        if (r->names[c] == NULL) goto nomem;
        r->name_lens[c] = strlen(names[c]);
    }
    *out = r;
    return FLOE_OK;
nomem:
    floe_jsonl_reader_close(r);
    return floe_err_nomem(err);
}

void floe_jsonl_reader_close(floe_jsonl_reader *r)
{
    uint32_t c;
    if (r == NULL) return;
    for (c = 0; r->names && c < r->ncols; c++) floe_free(r->names[c]);
    floe_free(r->names);
    floe_free(r->name_lens);
    floe_free(r->types);
    floe_free(r->seen);
    floe_free(r->source);
    floe_free(r->buf);
    floe_free(r->key.p);
    floe_free(r->val.p);
    floe_free(r);
}

uint64_t floe_jsonl_reader_rows(const floe_jsonl_reader *r) { return r->rows; }
uint64_t floe_jsonl_reader_rejected(const floe_jsonl_reader *r) { return r->rejected; }
uint64_t floe_jsonl_reader_line(const floe_jsonl_reader *r) { return r->line; }

static int refill(floe_jsonl_reader *r, floe_err *err)
{
    return floe_copy_refill(r->rd, r->rd_ctx, JL_BLOCK, &r->buf, &r->cap, &r->start, &r->end,
                            &r->buf_off, &r->eof, err);
}

int floe_jsonl_reader_next(floe_jsonl_reader *r, floe_batch *out, floe_err *err)
{
    int rc;
    uint32_t c;

    memset(out, 0, sizeof *out);
    if (floe_batch_init(out, r->ncols, r->types, FLOE_VEC_SIZE) != FLOE_OK) return floe_err_nomem(err);
    while (out->n < FLOE_VEC_SIZE) {
        char *nl = memchr(r->buf + r->start + r->scanned, '\n', r->end - r->start - r->scanned);
        size_t len, next;
        const char *line;
        jerr e;
        if (nl == NULL) {
            r->scanned = r->end - r->start;
            if (r->scanned > r->o.max_line_bytes) {
                rc = floe_err_set(err, FLOE_RANGE, "%s:%llu: line longer than %zu bytes (byte %llu)",
                                  r->source, (unsigned long long)r->line, r->o.max_line_bytes,
                                  (unsigned long long)(r->buf_off + r->start));
                goto fail;
            }
            if (!r->eof) {
                rc = refill(r, err);
                if (rc) goto fail;
                continue;
            }
            if (r->start == r->end) break;
            len = next = r->end - r->start; /* last line without LF */
        } else {
            len = (size_t)(nl - (r->buf + r->start));
            next = len + 1;
        }
        if (len > r->o.max_line_bytes) {
            rc = floe_err_set(err, FLOE_RANGE, "%s:%llu: line longer than %zu bytes (byte %llu)",
                              r->source, (unsigned long long)r->line, r->o.max_line_bytes,
                              (unsigned long long)(r->buf_off + r->start));
            goto fail;
        }
        line = r->buf + r->start;
        if (len && line[len - 1] == '\r') len--;
        {
            size_t k = 0;
            while (k < len && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
            if (k == len) goto consumed; /* blank line */
        }
        rc = parse_line(r, line, len, out, out->n, &e);
        if (rc == FLOE_NOMEM) {
            rc = floe_err_nomem(err);
            goto fail;
        }
        if (rc == FLOE_OK) {
            out->n++;
        } else if (r->o.on_reject) {
            floe_reject rj;
            rj.source = r->source;
            rj.line = r->line;
            rj.offset = r->buf_off + r->start + e.at;
            rj.column = e.col >= 0 ? r->names[e.col] : NULL;
            rj.column_no = e.col >= 0 ? (uint32_t)e.col + 1 : 0;
            rj.raw = line;
            rj.raw_len = len;
            rj.reason = e.reason;
            r->rejected++;
            rc = r->o.on_reject(r->o.reject_ctx, &rj);
            if (rc) {
                rc = floe_err_set(err, rc, "%s:%llu: stopped by the rejects handler", r->source,
                                  (unsigned long long)r->line);
                goto fail;
            }
        } else {
            if (e.col >= 0)
                rc = floe_err_set(err, e.code, "%s:%llu: column %s (%d): %s (byte %llu)", r->source,
                                  (unsigned long long)r->line, r->names[e.col], e.col + 1, e.reason,
                                  (unsigned long long)(r->buf_off + r->start + e.at));
            else
                rc = floe_err_set(err, e.code, "%s:%llu: %s (byte %llu)", r->source,
                                  (unsigned long long)r->line, e.reason,
                                  (unsigned long long)(r->buf_off + r->start + e.at));
            goto fail;
        }
    consumed:
        r->start += next;
        r->scanned = 0;
        r->line++;
    }
    if (out->n == 0) {
        floe_batch_free(out);
        return FLOE_DONE;
    }
    for (c = 0; c < out->ncols; c++) out->cols[c].n = out->n;
    r->rows += out->n;
    return FLOE_ROW;
fail:
    floe_batch_free(out);
    return rc;
}

/* ------------------------------------------------------------------ writer */

static void put_json_string(floe_strbuf *sb, const char *s, size_t n)
{
    size_t i;
    floe_strbuf_putc(sb, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': floe_strbuf_puts(sb, "\\\""); break;
        case '\\': floe_strbuf_puts(sb, "\\\\"); break;
        case '\n': floe_strbuf_puts(sb, "\\n"); break;
        case '\r': floe_strbuf_puts(sb, "\\r"); break;
        case '\t': floe_strbuf_puts(sb, "\\t"); break;
        default:
            if (c < 0x20) floe_strbuf_printf(sb, "\\u%04x", c);
            else floe_strbuf_putc(sb, (char)c);
        }
    }
    floe_strbuf_putc(sb, '"');
}

int floe_jsonl_write_batch(const char *const *names, const floe_batch *b, floe_write_fn w,
                           void *w_ctx, floe_err *err)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    uint32_t i, c, nrows = floe_batch_rows(b);
    char tmp[128];
    int rc;
    for (i = 0; i < nrows; i++) {
        uint32_t row = b->sel ? b->sel[i] : i;
        floe_strbuf_putc(&sb, '{');
        for (c = 0; c < b->ncols; c++) {
            const floe_vec *v = &b->cols[c];
            uint32_t slot = (v->flags & FLOE_VEC_CONST) ? 0 : row;
            floe_value val;
            size_t n;
            if (c) floe_strbuf_putc(&sb, ',');
            put_json_string(&sb, names[c], strlen(names[c]));
            floe_strbuf_putc(&sb, ':');
            if (!floe_vec_is_valid(v, slot)) {
                floe_strbuf_puts(&sb, "null");
                continue;
            }
            floe_value_load(v->type, v->data, slot, &val);
            switch ((floe_type_id)v->type.id) {
            case FLOE_TYPE_VARCHAR: put_json_string(&sb, val.v.s.ptr, val.v.s.len); break;
            case FLOE_TYPE_BOOLEAN:
            case FLOE_TYPE_INTEGER:
            case FLOE_TYPE_BIGINT:
            case FLOE_TYPE_DECIMAL:
                n = floe_value_format(&val, tmp, sizeof tmp);
                floe_strbuf_append(&sb, tmp, n);
                break;
            case FLOE_TYPE_DOUBLE:
                n = floe_value_format(&val, tmp, sizeof tmp);
                if (val.v.d != val.v.d || val.v.d - val.v.d != 0) put_json_string(&sb, tmp, n);
                else floe_strbuf_append(&sb, tmp, n);
                break;
            default:
                n = floe_value_format(&val, tmp, sizeof tmp);
                put_json_string(&sb, tmp, n);
            }
        }
        floe_strbuf_puts(&sb, "}\n");
    }
    if (!floe_strbuf_ok(&sb)) {
        floe_strbuf_free(&sb);
        return floe_err_nomem(err);
    }
    rc = sb.len ? w(w_ctx, sb.s, sb.len, err) : FLOE_OK;
    floe_strbuf_free(&sb);
    return rc;
}
