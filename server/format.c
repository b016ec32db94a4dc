/* server/format.c: stream a floe_result as CSV, JSON lines or JSON (see format.h). */
#include "server/format.h"

#include "server/arrow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct floe_srv_format {
    floe_result *res;
    floe_srv_fmt fmt;
    uint32_t ncols;
    uint64_t row, nrows;
    int stage;          /* 0: prologue, 1: rows, 2: epilogue, 3: done */
    char *buf;          /* rendered, not yet read: [pos, len) */
    size_t len, cap, pos;
    floe_srv_arrow *arrow; /* the arrow writer (fmt ARROW) */
    uint64_t sent, fail_after; /* bytes of rows rendered (arrow: read) so far; the test
                                * seam's bound (0: off) */
    int failed;         /* floe_srv_format_fail was called */
};

int floe_srv_buf_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;
        char *nb;
        while (*len + n + 1 > ncap) ncap *= 2;
        nb = realloc(*buf, ncap);
        if (nb == NULL) return -1;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

int floe_srv_json_string(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, start = 0;
    if (floe_srv_buf_put(buf, len, cap, "\"", 1)) return -1;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[7];
        size_t el = 0;
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            el = 2;
        } else if (ch < 0x20) {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            el = 6;
        }
        if (el) {
            if (floe_srv_buf_put(buf, len, cap, s + start, i - start)) return -1;
            if (floe_srv_buf_put(buf, len, cap, esc, el)) return -1;
            start = i + 1;
        }
    }
    if (floe_srv_buf_put(buf, len, cap, s + start, n - start)) return -1;
    return floe_srv_buf_put(buf, len, cap, "\"", 1);
}

const char *floe_srv_type_name(floe_type_id t)
{
    switch (t) {
    case FLOE_TYPE_BOOLEAN: return "BOOLEAN";
    case FLOE_TYPE_INTEGER: return "INTEGER";
    case FLOE_TYPE_BIGINT: return "BIGINT";
    case FLOE_TYPE_DOUBLE: return "DOUBLE";
    case FLOE_TYPE_DECIMAL: return "DECIMAL";
    case FLOE_TYPE_VARCHAR: return "VARCHAR";
    case FLOE_TYPE_DATE: return "DATE";
    case FLOE_TYPE_TIMESTAMP: return "TIMESTAMP";
    case FLOE_TYPE_INTERVAL: return "INTERVAL";
    case FLOE_TYPE_NULL: return "NULL";
    default: return "INVALID";
    }
}

int floe_srv_format_parse(const char *name, floe_srv_fmt *out)
{
    if (!strcmp(name, "csv")) *out = FLOE_SRV_CSV;
    else if (!strcmp(name, "jsonl") || !strcmp(name, "ndjson")) *out = FLOE_SRV_JSONL;
    else if (!strcmp(name, "json")) *out = FLOE_SRV_JSON;
    else if (!strcmp(name, "arrow")) *out = FLOE_SRV_ARROW;
    else return -1;
    return 0;
}

const char *floe_srv_format_content_type(floe_srv_fmt f)
{
    return f == FLOE_SRV_CSV     ? "text/csv; charset=utf-8"
           : f == FLOE_SRV_JSONL ? "application/x-ndjson"
           : f == FLOE_SRV_ARROW ? "application/vnd.apache.arrow.stream"
                                 : "application/json";
}

floe_srv_format *floe_srv_format_new(floe_result *res, floe_srv_fmt f)
{
    floe_srv_format *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    w->res = res;
    w->fmt = f;
    w->ncols = floe_result_column_count(res);
    w->nrows = floe_result_row_count(res);
    if (f == FLOE_SRV_ARROW && (w->arrow = floe_srv_arrow_new(res)) == NULL) {
        free(w);
        return NULL;
    }
    return w;
}

void floe_srv_format_free(floe_srv_format *w)
{
    if (w == NULL) return;
    floe_srv_arrow_free(w->arrow);
    free(w->buf);
    free(w);
}

void floe_srv_format_fail_after(floe_srv_format *w, uint64_t bytes) { w->fail_after = bytes; }

#define PUT(s, n) \
    do { if (floe_srv_buf_put(&w->buf, &w->len, &w->cap, (s), (n))) return -1; } while (0)
#define PUTS(s) PUT((s), strlen(s))

static int csv_field(floe_srv_format *w, const char *s)
{
    size_t n = strlen(s), i;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        PUT(s, n);
        return 0;
    }
    PUT("\"", 1);
    for (i = 0; i < n; i++) {
        if (s[i] == '"') PUT("\"\"", 2);
        else PUT(&s[i], 1);
    }
    PUT("\"", 1);
    return 0;
}

static int json_value(floe_srv_format *w, uint32_t c, uint64_t r)
{
    floe_type_id t = floe_result_column_type(w->res, c);
    char *text;
    int bare, rc;
    if (floe_value_is_null(w->res, c, r)) {
        PUTS("null");
        return 0;
    }
    if (t == FLOE_TYPE_BOOLEAN) {
        PUTS(floe_value_int64(w->res, c, r) ? "true" : "false");
        return 0;
    }
    text = floe_value_text(w->res, c, r);
    if (text == NULL) return -1;
    bare = t == FLOE_TYPE_INTEGER || t == FLOE_TYPE_BIGINT || t == FLOE_TYPE_DECIMAL ||
           (t == FLOE_TYPE_DOUBLE && isfinite(floe_value_double(w->res, c, r)));
    rc = bare ? floe_srv_buf_put(&w->buf, &w->len, &w->cap, text, strlen(text))
              : floe_srv_json_string(&w->buf, &w->len, &w->cap, text, strlen(text));
    floe_free(text);
    return rc;
}

static int render_prologue(floe_srv_format *w)
{
    uint32_t c;
    const char *name;
    if (w->fmt == FLOE_SRV_CSV) {
        for (c = 0; c < w->ncols; c++) {
            if (c) PUT(",", 1);
            if (csv_field(w, floe_result_column_name(w->res, c))) return -1;
        }
        if (w->ncols) PUT("\n", 1);
    } else if (w->fmt == FLOE_SRV_JSON) {
        PUTS("{\"columns\":[");
        for (c = 0; c < w->ncols; c++) {
            name = floe_result_column_name(w->res, c);
            PUTS(c ? ",{\"name\":" : "{\"name\":");
            if (floe_srv_json_string(&w->buf, &w->len, &w->cap, name, strlen(name))) return -1;
            PUTS(",\"type\":\"");
            PUTS(floe_srv_type_name(floe_result_column_type(w->res, c)));
            PUTS("\"}");
        }
        PUTS("],\"data\":[");
    }
    return 0;
}

static int render_row(floe_srv_format *w, uint64_t r)
{
    uint32_t c;
    if (w->fmt == FLOE_SRV_CSV) {
        for (c = 0; c < w->ncols; c++) {
            char *text;
            if (c) PUT(",", 1);
            if (floe_value_is_null(w->res, c, r)) continue;
            text = floe_value_text(w->res, c, r);
            if (text == NULL) return -1;
            /* an empty string is quoted so that it reads back as "" and not NULL */
            if (text[0] == '\0') {
                floe_free(text);
                PUT("\"\"", 2);
                continue;
            }
            if (csv_field(w, text)) {
                floe_free(text);
                return -1;
            }
            floe_free(text);
        }
        PUT("\n", 1);
    } else if (w->fmt == FLOE_SRV_JSONL) {
        PUT("{", 1);
        for (c = 0; c < w->ncols; c++) {
            const char *name = floe_result_column_name(w->res, c);
            if (c) PUT(",", 1);
            if (floe_srv_json_string(&w->buf, &w->len, &w->cap, name, strlen(name))) return -1;
            PUT(":", 1);
            if (json_value(w, c, r)) return -1;
        }
        PUT("}\n", 2);
    } else {
        PUTS(r ? ",[" : "[");
        for (c = 0; c < w->ncols; c++) {
            if (c) PUT(",", 1);
            if (json_value(w, c, r)) return -1;
        }
        PUT("]", 1);
    }
    return 0;
}

static int render_epilogue(floe_srv_format *w)
{
    if (w->fmt == FLOE_SRV_JSON) {
        char tail[64];
        int n = snprintf(tail, sizeof tail, "],\"rows\":%llu}\n", (unsigned long long)w->nrows);
        PUT(tail, (size_t)n);
    }
    return 0;
}

int floe_srv_format_fail(floe_srv_format *w, const char *code, const char *msg)
{
    size_t i;
    if (w->fmt == FLOE_SRV_ARROW || w->failed) return -1;
    w->failed = 1;
    /* the buffer holds complete rows only (a failed row was cut off), so
     * the record follows a row's end */
    if (w->fmt == FLOE_SRV_JSON) {
        if (w->stage == 0 && render_prologue(w)) return -1;
        PUTS("],\"error\":{\"message\":");
    } else if (w->fmt == FLOE_SRV_JSONL) {
        PUTS("{\"floe_error\":{\"message\":");
    } else {
        PUTS("#floe_error,");
        PUTS(code);
        PUTS(",\"");
        for (i = 0; msg[i]; i++) PUT(msg[i] == '"' ? "\"\"" : &msg[i], msg[i] == '"' ? 2 : 1);
        PUTS("\"\n");
    }
    if (w->fmt != FLOE_SRV_CSV) {
        if (floe_srv_json_string(&w->buf, &w->len, &w->cap, msg, strlen(msg))) return -1;
        PUTS(",\"code\":");
        if (floe_srv_json_string(&w->buf, &w->len, &w->cap, code, strlen(code))) return -1;
        PUTS("}}\n");
    }
    w->stage = 3;
    return 0;
}

static long format_read(floe_srv_format *w, char *buf, size_t cap);

long floe_srv_format_read(floe_srv_format *w, char *buf, size_t cap)
{
    if (w->arrow) {
        long n;
        if (w->fail_after && w->sent >= w->fail_after) return -1;
        n = floe_srv_arrow_read(w->arrow, buf, cap);
        if (n > 0) w->sent += (uint64_t)n;
        return n;
    }
    return format_read(w, buf, cap);
}

static long format_read(floe_srv_format *w, char *buf, size_t cap)
{
    size_t n;
    /* render until there is enough for the caller or the stream ended */
    while (w->len - w->pos < cap && w->stage < 3) {
        if (w->pos > 0 && w->pos == w->len) w->pos = w->len = 0;
        if (w->stage == 0) {
            if (render_prologue(w)) return -1;
            w->stage = 1;
        } else if (w->stage == 1) {
            size_t start = w->len;
            if (w->row >= w->nrows) w->stage = 2;
            else if ((w->fail_after && w->sent >= w->fail_after) || render_row(w, w->row++)) {
                w->len = start; /* only whole rows stay rendered */
                return -1;
            } else
                w->sent += w->len - start; /* counts rendered rows' bytes */
        } else {
            if (render_epilogue(w)) return -1;
            w->stage = 3;
        }
    }
    n = w->len - w->pos;
    if (n > cap) n = cap;
    if (n) memcpy(buf, w->buf + w->pos, n);
    w->pos += n;
    return (long)n;
}
