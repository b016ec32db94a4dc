/* ingest/csv.c: streaming RFC 4180 reader and writer.
 *
 * The reader keeps one growing buffer holding the unconsumed input. A record
 * is scanned from its first byte; when the scan reaches the end of the
 * buffered data before the record ends, more input is read (compacting the
 * buffer, doubling it when the record alone fills it) and the record is
 * scanned again from its start. Field contents are unescaped into a scratch
 * buffer only when converted, so the raw record stays intact for rejects.
 */
#include "ingest/csv.h"
#include "ingest/sniff.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "util/strbuf.h"

#define CSV_BLOCK (64 * 1024)

typedef struct csv_field {
    size_t off;     /* content start, relative to the record start */
    size_t len;     /* raw content bytes (escapes not yet removed) */
    bool quoted;
    bool escaped;   /* content holds doubled quotes / escapes */
} csv_field;

struct floe_csv_reader {
    floe_csv_opts o;
    char *null_str;
    size_t null_len;
    char *source;
    uint32_t ncols;
    floe_type *types;
    char **names;
    floe_read_fn rd;
    void *rd_ctx;
    char *buf;
    size_t cap, start, end; /* unconsumed input is buf[start, end) */
    bool eof;
    uint64_t buf_off;       /* input offset of buf[0] */
    uint64_t line;          /* line number of buf[start] */
    csv_field *fields;
    uint32_t nfields, capfields;
    char *scratch;
    size_t capscratch;
    bool header_done;
    bool ended_open;        /* last record consumed was ended by end of input */
    bool special[256];      /* delimiter, quote, CR, LF: bytes that stop an unquoted scan */
    uint64_t pat_delim, pat_quote, pat_escape; /* those bytes repeated 8 times */
    uint64_t rows, rejected;
};

enum { SCAN_OK, SCAN_MORE, SCAN_END };

#define PAT_ONES 0x0101010101010101ULL
#define PAT_LF (PAT_ONES * '\n')
#define PAT_CR (PAT_ONES * '\r')

/* Nonzero when one of the 8 bytes of w equals the byte repeated in pat
 * (the "has zero byte" test on w ^ pat; exact as a yes/no answer). */
static inline uint64_t has_byte(uint64_t w, uint64_t pat)
{
    uint64_t x = w ^ pat;
    return (x - PAT_ONES) & ~x & (PAT_ONES * 0x80);
}

typedef struct scan_result {
    size_t len;          /* record bytes without terminator */
    size_t next;         /* bytes to consume, terminator included */
    uint32_t lines;      /* line breaks consumed (inside quotes and the terminator) */
    const char *problem; /* first quoting problem, or NULL */
    size_t problem_at;   /* its offset relative to the record start */
} scan_result;

static int push_field(floe_csv_reader *r, size_t off, size_t len, bool quoted, bool escaped,
                      floe_err *err)
{
    if (r->nfields == r->capfields) {
        uint32_t cap = r->capfields ? r->capfields * 2 : 16;
        csv_field *f = floe_realloc(r->fields, cap * sizeof *f);
        if (f == NULL) return floe_err_nomem(err);
        r->fields = f;
        r->capfields = cap;
    }
    r->fields[r->nfields].off = off;
    r->fields[r->nfields].len = len;
    r->fields[r->nfields].quoted = quoted;
    r->fields[r->nfields].escaped = escaped;
    r->nfields++;
    return FLOE_OK;
}

/* Scan the record at buf[start]. SCAN_MORE: need more input; SCAN_END: no
 * input left; SCAN_OK: *res and r->fields describe it. Errors are fatal
 * (size limits, NOMEM). */
static int scan_record(floe_csv_reader *r, scan_result *res, int *out_state, floe_err *err)
{
    const char *b = r->buf + r->start;
    size_t n = r->end - r->start, i = 0;
    const char q = r->o.quote, esc = r->o.escape, delim = r->o.delimiter;
    bool eof = r->eof;
    int rc;

    memset(res, 0, sizeof *res);
    r->nfields = 0;
    if (n == 0) {
        *out_state = eof ? SCAN_END : SCAN_MORE;
        return FLOE_OK;
    }
    for (;;) {
        size_t fs = i;
        bool quoted = false, escaped = false;
        size_t cstart, clen;
        if (i < n && b[i] == q) {
            quoted = true;
            cstart = ++i;
            for (;;) {
                /* skip 8 bytes at a time while none is a quote, escape, CR or LF */
                while (n - i >= 8) {
                    uint64_t w;
                    memcpy(&w, b + i, 8);
                    if (has_byte(w, r->pat_quote) | has_byte(w, r->pat_escape) |
                        has_byte(w, PAT_LF) | has_byte(w, PAT_CR))
                        break;
                    i += 8;
                }
                if (i - cstart > r->o.max_field_bytes) goto huge_field;
                if (i >= n) {
                    if (!eof) goto more;
                    if (!res->problem) {
                        res->problem = "unterminated quoted field";
                        res->problem_at = fs;
                    }
                    clen = i - cstart;
                    break;
                }
                if (b[i] == esc && esc != q) {
                    if (i + 1 >= n && !eof) goto more;
                    if (i + 1 < n && (b[i + 1] == q || b[i + 1] == esc)) {
                        escaped = true;
                        i += 2;
                        continue;
                    }
                } else if (b[i] == q) {
                    if (i + 1 >= n && !eof) goto more;
                    if (esc == q && i + 1 < n && b[i + 1] == q) {
                        escaped = true;
                        i += 2;
                        continue;
                    }
                    clen = i - cstart;
                    i++; /* closing quote */
                    break;
                }
                if (b[i] == '\n' || (b[i] == '\r' && !(i + 1 < n && b[i + 1] == '\n'))) res->lines++;
                i++;
                if (i - cstart > r->o.max_field_bytes) goto huge_field;
            }
            /* after the closing quote: delimiter, line end or end of input */
            if (i < n && b[i] != delim && b[i] != '\n' && b[i] != '\r') {
                if (!res->problem) {
                    res->problem = "unexpected character after closing quote";
                    res->problem_at = i;
                }
                while (i < n && b[i] != delim && b[i] != '\n' && b[i] != '\r') i++;
                if (i >= n && !eof) goto more;
            }
        } else {
            cstart = i;
            for (;;) {
                /* skip ordinary bytes: 8 at a time while none is special,
                 * then one table lookup each */
                while (n - i >= 8) {
                    uint64_t w;
                    memcpy(&w, b + i, 8);
                    if (has_byte(w, r->pat_delim) | has_byte(w, r->pat_quote) |
                        has_byte(w, PAT_LF) | has_byte(w, PAT_CR))
                        break;
                    i += 8;
                }
                while (i < n && !r->special[(unsigned char)b[i]]) i++;
                if (i >= n || b[i] == delim || b[i] == '\n' || b[i] == '\r') break;
                if (b[i] == q && !res->problem) {
                    res->problem = "quote inside an unquoted field";
                    res->problem_at = i;
                }
                i++;
            }
            if (i - cstart > r->o.max_field_bytes) goto huge_field;
            if (i >= n && !eof) goto more;
            clen = i - cstart;
        }
        if (i > r->o.max_record_bytes) goto huge_record;
        rc = push_field(r, cstart, clen, quoted, escaped, err);
        if (rc) return rc;
        if (i >= n) { /* end of input ends the record */
            res->len = res->next = n;
            break;
        }
        if (b[i] == delim) {
            i++;
            continue;
        }
        res->len = i;
        if (b[i] == '\r') {
            if (i + 1 >= n && !eof) goto more;
            i += (i + 1 < n && b[i + 1] == '\n') ? 2 : 1;
        } else {
            i++;
        }
        res->lines++;
        res->next = i;
        break;
    }
    *out_state = SCAN_OK;
    return FLOE_OK;
more:
    if (n > r->o.max_record_bytes) goto huge_record;
    *out_state = SCAN_MORE;
    return FLOE_OK;
huge_field:
    return floe_err_set(err, FLOE_RANGE, "%s:%llu: field longer than %zu bytes (byte %llu)",
                        r->source, (unsigned long long)(r->line + res->lines),
                        r->o.max_field_bytes, (unsigned long long)(r->buf_off + r->start));
huge_record:
    return floe_err_set(err, FLOE_RANGE, "%s:%llu: record longer than %zu bytes (byte %llu)",
                        r->source, (unsigned long long)r->line, r->o.max_record_bytes,
                        (unsigned long long)(r->buf_off + r->start));
}

/* Read more input, keeping buf[start, end). */
static int refill(floe_csv_reader *r, floe_err *err)
{
    return floe_copy_refill(r->rd, r->rd_ctx, CSV_BLOCK, &r->buf, &r->cap, &r->start, &r->end,
                            &r->buf_off, &r->eof, err);
}

/* The content of field f with escapes removed (in r->scratch when needed). */
static int field_text(floe_csv_reader *r, const csv_field *f, const char **out, size_t *out_n,
                      floe_err *err)
{
    const char *p = r->buf + r->start + f->off;
    size_t i, k = 0;
    if (!f->escaped) {
        *out = p;
        *out_n = f->len;
        return FLOE_OK;
    }
    if (f->len > r->capscratch) {
        char *s = floe_realloc(r->scratch, f->len);
        if (s == NULL) return floe_err_nomem(err);
        r->scratch = s;
        r->capscratch = f->len;
    }
    for (i = 0; i < f->len; i++) {
        char c = p[i];
        if ((c == r->o.escape || c == r->o.quote) && i + 1 < f->len &&
            (p[i + 1] == r->o.quote || p[i + 1] == r->o.escape))
            c = p[++i];
        r->scratch[k++] = c;
    }
    *out = r->scratch;
    *out_n = k;
    return FLOE_OK;
}

/* Report a bad row: a reject (FLOE_OK to go on) or the error. */
static int bad_row(floe_csv_reader *r, const scan_result *res, uint64_t line, int code,
                   int col, size_t at, const char *reason, floe_err *err)
{
    uint64_t off = r->buf_off + r->start + at;
    if (r->o.on_reject) {
        floe_reject rj;
        int rc;
        rj.source = r->source;
        rj.line = line;
        rj.offset = off;
        rj.column = col >= 0 ? r->names[col] : NULL;
        rj.column_no = col >= 0 ? (uint32_t)col + 1 : 0;
        rj.raw = r->buf + r->start;
        rj.raw_len = res->len;
        rj.reason = reason;
        r->rejected++;
        rc = r->o.on_reject(r->o.reject_ctx, &rj);
        if (rc) return floe_err_set(err, rc, "%s:%llu: stopped by the rejects handler", r->source,
                                    (unsigned long long)line);
        return FLOE_OK;
    }
    if (col >= 0)
        return floe_err_set(err, code, "%s:%llu: column %s (%d): %s (byte %llu)", r->source,
                            (unsigned long long)line, r->names[col], col + 1, reason,
                            (unsigned long long)off);
    return floe_err_set(err, code, "%s:%llu: %s (byte %llu)", r->source, (unsigned long long)line,
                        reason, (unsigned long long)off);
}

int floe_csv_reader_open(const floe_csv_opts *o, uint32_t ncols, const floe_type *types,
                         const char *const *names, floe_read_fn rd, void *rd_ctx,
                         floe_csv_reader **out, floe_err *err)
{
    floe_csv_reader *r;
    uint32_t c;
    *out = NULL;
    if (ncols == 0) return floe_err_set(err, FLOE_MISUSE, "CSV reader needs at least one column");
    r = floe_calloc(1, sizeof *r);
    if (r == NULL) return floe_err_nomem(err);
    r->o = *o;
    if (!r->o.delimiter) r->o.delimiter = ',';
    if (!r->o.quote) r->o.quote = '"';
    if (!r->o.escape) r->o.escape = r->o.quote;
    if (!r->o.max_field_bytes) r->o.max_field_bytes = 16u << 20;
    if (!r->o.max_record_bytes) r->o.max_record_bytes = 64u << 20;
    r->null_str = floe_strdup(o->null_str ? o->null_str : "");
    r->source = floe_strdup(o->source_name ? o->source_name : "<input>");
    r->ncols = ncols;
    r->types = floe_malloc(ncols * sizeof *r->types);
    r->names = floe_calloc(ncols, sizeof *r->names);
    r->cap = CSV_BLOCK;
    r->buf = floe_malloc(r->cap);
    r->rd = rd;
    r->rd_ctx = rd_ctx;
    r->line = o->first_line ? o->first_line : 1;
    r->buf_off = o->first_offset;
    if (r->null_str == NULL || r->source == NULL || r->types == NULL || r->names == NULL ||
        r->buf == NULL)
        goto nomem;
    r->null_len = strlen(r->null_str);
    if (r->o.delimiter == r->o.quote || r->o.delimiter == '\n' || r->o.delimiter == '\r' ||
        r->o.quote == '\n' || r->o.quote == '\r') {
        floe_csv_reader_close(r);
        return floe_err_set(err, FLOE_MISUSE, "CSV delimiter and quote must differ and not be line breaks");
    }
    memcpy(r->types, types, ncols * sizeof *types);
    r->special[(unsigned char)r->o.delimiter] = true;
    r->special[(unsigned char)r->o.quote] = true;
    r->special['\n'] = true;
    r->special['\r'] = true;
    r->pat_delim = PAT_ONES * (unsigned char)r->o.delimiter;
    r->pat_quote = PAT_ONES * (unsigned char)r->o.quote;
    r->pat_escape = PAT_ONES * (unsigned char)r->o.escape;
    for (c = 0; c < ncols; c++) {
        char tmp[32];
        if (names && names[c]) {
            r->names[c] = floe_strdup(names[c]);
        } else {
            snprintf(tmp, sizeof tmp, "column%u", c + 1);
            r->names[c] = floe_strdup(tmp);
        }
        if (r->names[c] == NULL) goto nomem;
    }
    *out = r;
    return FLOE_OK;
nomem:
    floe_csv_reader_close(r);
    return floe_err_nomem(err);
}

void floe_csv_reader_close(floe_csv_reader *r)
{
    uint32_t c;
    if (r == NULL) return;
    for (c = 0; r->names && c < r->ncols; c++) floe_free(r->names[c]);
    floe_free(r->names);
    floe_free(r->types);
    floe_free(r->null_str);
    floe_free(r->source);
    floe_free(r->buf);
    floe_free(r->fields);
    floe_free(r->scratch);
    floe_free(r);
}

uint64_t floe_csv_reader_rows(const floe_csv_reader *r) { return r->rows; }
uint64_t floe_csv_reader_rejected(const floe_csv_reader *r) { return r->rejected; }
uint64_t floe_csv_reader_line(const floe_csv_reader *r) { return r->line; }
bool floe_csv_reader_ended_open(const floe_csv_reader *r) { return r->ended_open; }

/* Convert the scanned record into row b->n of b. FLOE_OK with *added set
 * when the row was added, FLOE_OK without when it was rejected. */
static int convert_record(floe_csv_reader *r, const scan_result *res, uint64_t line,
                          floe_batch *b, bool *added, floe_err *err)
{
    uint32_t c, row = b->n;
    char msg[FLOE_ERRMSG_MAX];
    *added = false;
    if (res->problem)
        return bad_row(r, res, line, FLOE_PARSE, -1, res->problem_at, res->problem, err);
    if (r->nfields != r->ncols) {
        snprintf(msg, sizeof msg, "expected %u columns, found %u", r->ncols, r->nfields);
        return bad_row(r, res, line, FLOE_PARSE, -1, 0, msg, err);
    }
    for (c = 0; c < r->ncols; c++) {
        const csv_field *f = &r->fields[c];
        floe_vec *v = &b->cols[c];
        const char *text = NULL;
        size_t tn = 0;
        floe_err cerr; /* not FLOE_ERR_INIT: zeroing its buffer per field costs more than the parse */
        int rc;
        bool is_null;
        if (r->o.skip && r->o.skip[c]) continue;
        cerr.code = FLOE_OK;
        cerr.offset = -1;
        cerr.msg[0] = '\0';
        if (v->type.id == FLOE_TYPE_VARCHAR)
            is_null = !f->quoted && f->len == r->null_len &&
                      memcmp(r->buf + r->start + f->off, r->null_str, f->len) == 0;
        else
            is_null = f->len == 0 ||
                      (!f->quoted && f->len == r->null_len &&
                       memcmp(r->buf + r->start + f->off, r->null_str, f->len) == 0);
        if (is_null) {
            if (floe_convert_null(v, row) != FLOE_OK) return floe_err_nomem(err);
            continue;
        }
        rc = field_text(r, f, &text, &tn, err);
        if (rc) return rc;
        if (r->o.date_formats && r->o.date_formats[c] &&
            (v->type.id == FLOE_TYPE_DATE || v->type.id == FLOE_TYPE_TIMESTAMP)) {
            int32_t days;
            int64_t us;
            bool has_time;
            if (!floe_sniff_parse_date(r->o.date_formats[c], text, tn, &days, &us, &has_time) ||
                (has_time && v->type.id == FLOE_TYPE_DATE)) {
                snprintf(msg, sizeof msg, "invalid %s '%.*s' (expected the layout of %s)",
                         v->type.id == FLOE_TYPE_DATE ? "DATE" : "TIMESTAMP", (int)(tn > 64 ? 64 : tn),
                         text, r->o.date_formats[c] == 1 ? "12/31/2024" : r->o.date_formats[c] == 2 ? "31/12/2024"
                               : r->o.date_formats[c] == 3 ? "31.12.2024" : "2024/12/31");
                return bad_row(r, res, line, FLOE_PARSE, (int)c, f->off, msg, err);
            }
            if (v->type.id == FLOE_TYPE_DATE) ((int32_t *)v->data)[row] = days;
            else ((int64_t *)v->data)[row] = (int64_t)days * 86400000000LL + us;
            if (v->validity) v->validity[row >> 6] |= 1ull << (row & 63);
            continue;
        }
        rc = floe_convert_text(v, row, text, tn, &cerr);
        if (rc == FLOE_NOMEM) return floe_err_nomem(err);
        if (rc) return bad_row(r, res, line, rc, (int)c, f->off, cerr.msg, err);
    }
    *added = true;
    return FLOE_OK;
}

int floe_csv_reader_next(floe_csv_reader *r, floe_batch *out, floe_err *err)
{
    int rc;
    uint32_t c;

    memset(out, 0, sizeof *out);
    rc = floe_batch_init(out, r->ncols, r->types, FLOE_VEC_SIZE);
    if (rc) return floe_err_nomem(err);
    while (out->n < FLOE_VEC_SIZE) {
        scan_result res;
        int state;
        uint64_t line;
        bool added;
        rc = scan_record(r, &res, &state, err);
        if (rc) goto fail;
        if (state == SCAN_MORE) {
            rc = refill(r, err);
            if (rc) goto fail;
            continue;
        }
        if (state == SCAN_END) break;
        line = r->line;
        if (!r->header_done && r->o.header) {
            r->header_done = true;
            if (r->nfields != r->ncols || res.problem) {
                rc = floe_err_set(err, FLOE_PARSE, "%s:%llu: header has %u fields, expected %u",
                                  r->source, (unsigned long long)line, r->nfields, r->ncols);
                goto fail;
            }
        } else if (res.len == 0 && r->ncols > 1) {
            /* empty line */
        } else {
            rc = convert_record(r, &res, line, out, &added, err);
            if (rc) goto fail;
            if (added) out->n++;
        }
        r->ended_open = res.next == res.len;
        r->line += res.lines;
        r->start += res.next;
    }
    if (r->o.header && !r->header_done) {
        rc = floe_err_set(err, FLOE_PARSE, "%s: empty file (expected a header line)", r->source);
        goto fail;
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

static void put_field(floe_strbuf *sb, const floe_csv_opts *o, const char *s, size_t n,
                      bool force_quote)
{
    char q = o->quote ? o->quote : '"', esc = o->escape ? o->escape : q;
    char d = o->delimiter ? o->delimiter : ',';
    bool need = force_quote;
    size_t i;
    for (i = 0; i < n && !need; i++)
        if (s[i] == d || s[i] == q || s[i] == esc || s[i] == '\n' || s[i] == '\r') need = true;
    if (!need) {
        floe_strbuf_append(sb, s, n);
        return;
    }
    floe_strbuf_putc(sb, q);
    for (i = 0; i < n; i++) {
        if (s[i] == q || s[i] == esc) floe_strbuf_putc(sb, esc);
        floe_strbuf_putc(sb, s[i]);
    }
    floe_strbuf_putc(sb, q);
}

int floe_csv_write_header(const floe_csv_opts *o, uint32_t ncols, const char *const *names,
                          floe_write_fn w, void *w_ctx, floe_err *err)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    uint32_t c;
    int rc;
    for (c = 0; c < ncols; c++) {
        if (c) floe_strbuf_putc(&sb, o->delimiter ? o->delimiter : ',');
        put_field(&sb, o, names[c], strlen(names[c]), false);
    }
    floe_strbuf_putc(&sb, '\n');
    if (!floe_strbuf_ok(&sb)) {
        floe_strbuf_free(&sb);
        return floe_err_nomem(err);
    }
    rc = w(w_ctx, sb.s, sb.len, err);
    floe_strbuf_free(&sb);
    return rc;
}

int floe_csv_write_batch(const floe_csv_opts *o, const floe_batch *b, floe_write_fn w,
                         void *w_ctx, floe_err *err)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    const char *null_str = o->null_str ? o->null_str : "";
    size_t null_len = strlen(null_str);
    uint32_t i, c, nrows = floe_batch_rows(b);
    char tmp[128];
    int rc;
    for (i = 0; i < nrows; i++) {
        uint32_t row = b->sel ? b->sel[i] : i;
        for (c = 0; c < b->ncols; c++) {
            const floe_vec *v = &b->cols[c];
            uint32_t slot = (v->flags & FLOE_VEC_CONST) ? 0 : row;
            if (c) floe_strbuf_putc(&sb, o->delimiter ? o->delimiter : ',');
            if (!floe_vec_is_valid(v, slot)) {
                floe_strbuf_append(&sb, null_str, null_len);
                continue;
            }
            if (v->type.id == FLOE_TYPE_VARCHAR) {
                const floe_string *s = (const floe_string *)v->data + slot;
                bool force = (s->len == null_len && (null_len == 0 || memcmp(s->ptr, null_str, null_len) == 0));
                /* a lone empty field would read back as an empty line */
                if (s->len == 0 && b->ncols == 1) force = true;
                put_field(&sb, o, s->ptr, s->len, force);
            } else {
                floe_value val;
                size_t n;
                floe_value_load(v->type, v->data, slot, &val);
                n = floe_value_format(&val, tmp, sizeof tmp);
                put_field(&sb, o, tmp, n, n == null_len && memcmp(tmp, null_str, n) == 0);
            }
        }
        floe_strbuf_putc(&sb, '\n');
    }
    if (!floe_strbuf_ok(&sb)) {
        floe_strbuf_free(&sb);
        return floe_err_nomem(err);
    }
    rc = sb.len ? w(w_ctx, sb.s, sb.len, err) : FLOE_OK;
    floe_strbuf_free(&sb);
    return rc;
}
