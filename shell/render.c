/* shell/render.c: result formatting for the floe shell (see render.h). */
#include "shell/render.h"

#include <stdlib.h>
#include <string.h>

struct shell_render {
    FILE *out;
    shell_render_opts o;
    uint32_t ncols;
    char **names;         /* ncols copies */
    char **tnames;        /* ncols copies, or NULL: no type row */
    floe_type_id *types;  /* ncols */
    uint64_t nrows;       /* rows given so far */
    int write_failed;     /* a streaming write returned an error */
    /* Buffered rows (boxed modes). Each row is ncols strings, NULL = SQL NULL. */
    char ***head;         /* first rows, up to headcap */
    size_t nhead, caphead;
    uint64_t headcap;     /* UINT64_MAX: keep every row */
    char ***tail;         /* ring of the last tailcap rows after the head */
    uint64_t tailcap;
};

static const char *const mode_names[] = {"box",  "table", "csv",      "tsv",
                                         "json", "jsonl", "markdown", "line"};

int shell_mode_parse(const char *name, shell_mode *out)
{
    size_t i;
    for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
        if (strcmp(name, mode_names[i]) == 0) {
            *out = (shell_mode)i;
            return 0;
        }
    }
    return -1;
}

const char *shell_mode_name(shell_mode mode)
{
    if ((size_t)mode < sizeof(mode_names) / sizeof(mode_names[0])) return mode_names[mode];
    return "?";
}

const char *shell_type_name(floe_type_id type, int precision, int scale, char *buf, size_t cap)
{
    const char *s;
    switch (type) {
    case FLOE_TYPE_BOOLEAN: s = "BOOLEAN"; break;
    case FLOE_TYPE_INTEGER: s = "INTEGER"; break;
    case FLOE_TYPE_BIGINT: s = "BIGINT"; break;
    case FLOE_TYPE_DOUBLE: s = "DOUBLE"; break;
    case FLOE_TYPE_DECIMAL:
        snprintf(buf, cap, "DECIMAL(%d,%d)", precision, scale);
        return buf;
    case FLOE_TYPE_VARCHAR: s = "VARCHAR"; break;
    case FLOE_TYPE_DATE: s = "DATE"; break;
    case FLOE_TYPE_TIMESTAMP: s = "TIMESTAMP"; break;
    case FLOE_TYPE_INTERVAL: s = "INTERVAL"; break;
    case FLOE_TYPE_NULL: s = "NULL"; break;
    default: s = "INVALID"; break;
    }
    snprintf(buf, cap, "%s", s);
    return buf;
}

int shell_type_is_numeric(floe_type_id type)
{
    return type == FLOE_TYPE_INTEGER || type == FLOE_TYPE_BIGINT || type == FLOE_TYPE_DOUBLE ||
           type == FLOE_TYPE_DECIMAL;
}

/* Decode one UTF-8 sequence at s into *cp; returns its length in bytes (1 for
 * a stray byte, which then counts as one column). */
static size_t next_cp(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xE0) == 0xC0 && (u[1] & 0xC0) == 0x80) {
        *cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
        return 2;
    }
    if ((u[0] & 0xF0) == 0xE0 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
        *cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
        return 3;
    }
    if ((u[0] & 0xF8) == 0xF0 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80 &&
        (u[3] & 0xC0) == 0x80) {
        *cp = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
              (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
        return 4;
    }
    *cp = u[0];
    return 1;
}

/* Terminal columns of a code point: 0 for combining marks, 2 for East Asian
 * wide and emoji ranges, else 1 (a small wcwidth that needs no locale). */
static size_t cp_width(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F)) return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
        (cp >= 0x1F300 && cp <= 0x1F64F) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
        (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t shell_text_width(const char *s)
{
    size_t n = 0;
    while (*s) {
        uint32_t cp;
        s += next_cp(s, &cp);
        n += cp_width(cp);
    }
    return n;
}

/* Duplicate s (NULL stays NULL). Sets *oom on allocation failure. */
static char *dup_or_null(const char *s, int *oom)
{
    char *d;
    size_t n;
    if (s == NULL) return NULL;
    n = strlen(s);
    d = malloc(n + 1);
    if (d == NULL) {
        *oom = 1;
        return NULL;
    }
    memcpy(d, s, n + 1);
    return d;
}

static void free_row(char **row, uint32_t ncols)
{
    uint32_t c;
    if (row == NULL) return;
    for (c = 0; c < ncols; c++) free(row[c]);
    free(row);
}

static void free_strs(char **v, uint32_t n)
{
    uint32_t i;
    if (v == NULL) return;
    for (i = 0; i < n; i++) free(v[i]);
    free(v);
}

void shell_render_free(shell_render *r)
{
    size_t i;
    if (r == NULL) return;
    for (i = 0; i < r->nhead; i++) free_row(r->head[i], r->ncols);
    free(r->head);
    if (r->tail != NULL) {
        for (i = 0; i < r->tailcap; i++) free_row(r->tail[i], r->ncols);
        free(r->tail);
    }
    free_strs(r->names, r->ncols);
    free_strs(r->tnames, r->ncols);
    free(r->types);
    free(r);
}

static int is_boxed(shell_mode m)
{
    return m == SHELL_MODE_BOX || m == SHELL_MODE_TABLE || m == SHELL_MODE_MARKDOWN;
}

shell_render *shell_render_new(FILE *out, const shell_render_opts *opts, uint32_t ncols,
                               const char *const *names, const floe_type_id *types,
                               const char *const *type_names)
{
    shell_render *r = calloc(1, sizeof(*r));
    int oom = 0;
    uint32_t c;
    if (r == NULL) return NULL;
    r->out = out;
    r->o = *opts;
    r->ncols = ncols;
    r->names = calloc(ncols ? ncols : 1, sizeof(char *));
    r->types = calloc(ncols ? ncols : 1, sizeof(floe_type_id));
    if (r->names == NULL || r->types == NULL) goto fail;
    if (type_names != NULL && opts->mode == SHELL_MODE_BOX) {
        r->tnames = calloc(ncols ? ncols : 1, sizeof(char *));
        if (r->tnames == NULL) goto fail;
    }
    for (c = 0; c < ncols; c++) {
        r->names[c] = dup_or_null(names[c] ? names[c] : "", &oom);
        r->types[c] = types ? types[c] : FLOE_TYPE_VARCHAR;
        if (r->tnames) r->tnames[c] = dup_or_null(type_names[c] ? type_names[c] : "", &oom);
    }
    if (oom) goto fail;
    r->headcap = UINT64_MAX;
    if (opts->mode == SHELL_MODE_BOX && opts->max_rows > 0) {
        r->headcap = (opts->max_rows + 1) / 2;
        r->tailcap = opts->max_rows - r->headcap;
        if (r->tailcap > 0) {
            r->tail = calloc((size_t)r->tailcap, sizeof(char **));
            if (r->tail == NULL) goto fail;
        }
    }
    return r;
fail:
    shell_render_free(r);
    return NULL;
}

/* ----------------------------------------------------------- streaming modes */

static void csv_field(FILE *f, const char *s, char sep)
{
    const char *p;
    int quote = 0;
    if (s == NULL) return; /* NULL: empty field */
    if (*s == '\0') {
        fputs("\"\"", f); /* empty string, distinct from NULL */
        return;
    }
    for (p = s; *p; p++)
        if (*p == sep || *p == '"' || *p == '\n' || *p == '\r') quote = 1;
    if (!quote) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (p = s; *p; p++) {
        if (*p == '"') fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void tsv_field(FILE *f, const char *s)
{
    const char *p;
    if (s == NULL) return;
    for (p = s; *p; p++) {
        switch (*p) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default: fputc(*p, f);
        }
    }
}

static void json_string(FILE *f, const char *s)
{
    const unsigned char *p;
    fputc('"', f);
    for (p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* 1 when s is a JSON number: -?digits(.digits)?([eE][+-]?digits)? */
static int is_json_number(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (*p < '0' || *p > '9') return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == '\0';
}

static void json_value(FILE *f, const char *s, floe_type_id type)
{
    if (s == NULL) {
        fputs("null", f);
    } else if (type == FLOE_TYPE_BOOLEAN &&
               (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcmp(s, "t") == 0)) {
        fputs("true", f);
    } else if (type == FLOE_TYPE_BOOLEAN &&
               (strcmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcmp(s, "f") == 0)) {
        fputs("false", f);
    } else if (shell_type_is_numeric(type) && is_json_number(s)) {
        fputs(s, f);
    } else {
        json_string(f, s);
    }
}

static void json_object(shell_render *r, const char *const *cells)
{
    uint32_t c;
    fputc('{', r->out);
    for (c = 0; c < r->ncols; c++) {
        if (c > 0) fputc(',', r->out);
        json_string(r->out, r->names[c]);
        fputc(':', r->out);
        json_value(r->out, cells[c], r->types[c]);
    }
    fputc('}', r->out);
}

static void stream_row(shell_render *r, const char *const *cells)
{
    FILE *f = r->out;
    uint32_t c;
    size_t namew = 0;
    switch (r->o.mode) {
    case SHELL_MODE_CSV:
    case SHELL_MODE_TSV:
        if (r->nrows == 0 && r->o.headers) {
            for (c = 0; c < r->ncols; c++) {
                if (c > 0) fputc(r->o.mode == SHELL_MODE_CSV ? ',' : '\t', f);
                if (r->o.mode == SHELL_MODE_CSV)
                    csv_field(f, r->names[c], ',');
                else
                    tsv_field(f, r->names[c]);
            }
            fputc('\n', f);
        }
        for (c = 0; c < r->ncols; c++) {
            if (c > 0) fputc(r->o.mode == SHELL_MODE_CSV ? ',' : '\t', f);
            if (r->o.mode == SHELL_MODE_CSV)
                csv_field(f, cells[c], ',');
            else
                tsv_field(f, cells[c]);
        }
        fputc('\n', f);
        break;
    case SHELL_MODE_JSON:
        fputs(r->nrows == 0 ? "[" : ",\n", f);
        json_object(r, cells);
        break;
    case SHELL_MODE_JSONL:
        json_object(r, cells);
        fputc('\n', f);
        break;
    case SHELL_MODE_LINE:
        for (c = 0; c < r->ncols; c++) {
            size_t w = shell_text_width(r->names[c]);
            if (w > namew) namew = w;
        }
        if (r->nrows > 0) fputc('\n', f);
        for (c = 0; c < r->ncols; c++) {
            size_t w = shell_text_width(r->names[c]);
            fprintf(f, "%*s%s = %s\n", (int)(namew - w), "", r->names[c],
                    cells[c] ? cells[c] : "NULL");
        }
        break;
    default:
        break;
    }
    if (ferror(f)) r->write_failed = 1;
}

/* ------------------------------------------------------------- boxed modes */

int shell_render_row(shell_render *r, const char *const *cells)
{
    char **row;
    uint32_t c;
    int oom = 0;
    if (!is_boxed(r->o.mode)) {
        stream_row(r, cells);
        r->nrows++;
        return 0;
    }
    if (r->nrows >= r->headcap && r->tailcap == 0) {
        r->nrows++; /* elided, nothing to keep */
        return 0;
    }
    row = calloc(r->ncols ? r->ncols : 1, sizeof(char *));
    if (row == NULL) return -1;
    for (c = 0; c < r->ncols; c++) row[c] = dup_or_null(cells[c], &oom);
    if (oom) {
        free_row(row, r->ncols);
        return -1;
    }
    if (r->nrows < r->headcap) {
        if (r->nhead == r->caphead) {
            size_t ncap = r->caphead ? r->caphead * 2 : 64;
            char ***nh = realloc(r->head, ncap * sizeof(char **));
            if (nh == NULL) {
                free_row(row, r->ncols);
                return -1;
            }
            r->head = nh;
            r->caphead = ncap;
        }
        r->head[r->nhead++] = row;
    } else {
        size_t slot = (size_t)((r->nrows - r->headcap) % r->tailcap);
        free_row(r->tail[slot], r->ncols);
        r->tail[slot] = row;
    }
    r->nrows++;
    return 0;
}

/* Cell text as displayed in a boxed mode: NULL as "NULL", control characters
 * escaped, '|' escaped in markdown. Returns a malloc'd string or NULL (OOM). */
static char *display_text(const char *s, int markdown)
{
    size_t n = 0, i = 0;
    const char *p;
    char *d;
    if (s == NULL) s = "NULL";
    for (p = s; *p; p++) n += (*p == '\n' || *p == '\t' || *p == '\r' || (markdown && *p == '|')) ? 2 : 1;
    d = malloc(n + 1);
    if (d == NULL) return NULL;
    for (p = s; *p; p++) {
        switch (*p) {
        case '\n': d[i++] = '\\'; d[i++] = 'n'; break;
        case '\t': d[i++] = '\\'; d[i++] = 't'; break;
        case '\r': d[i++] = '\\'; d[i++] = 'r'; break;
        case '|':
            if (markdown) d[i++] = '\\';
            d[i++] = '|';
            break;
        default: d[i++] = *p;
        }
    }
    d[i] = '\0';
    return d;
}

/* Write s in a field of w display columns: padded left/right/centred, or cut
 * with `ell` (an ellipsis of one display column, or "..." of three). */
static void put_field(FILE *f, const char *s, size_t w, int align /* -1 L, 0 C, 1 R */,
                      const char *ell, size_t ellw)
{
    size_t sw = shell_text_width(s), pad, lpad;
    if (sw > w) {
        /* Keep what fits in w - ellw columns (a wide character that would
         * straddle the edge is replaced by padding), then the ellipsis. */
        size_t keep = w > ellw ? w - ellw : 0, used = 0;
        const char *p = s;
        while (*p) {
            uint32_t cp;
            size_t len = next_cp(p, &cp), cw = cp_width(cp);
            if (used + cw > keep) break;
            fwrite(p, 1, len, f);
            used += cw;
            p += len;
        }
        for (; used < keep; used++) fputc(' ', f);
        if (w >= ellw)
            fputs(ell, f);
        else
            for (; used < w; used++) fputc('.', f);
        return;
    }
    pad = w - sw;
    lpad = align > 0 ? pad : align == 0 ? pad / 2 : 0;
    fprintf(f, "%*s%s%*s", (int)lpad, "", s, (int)(pad - lpad), "");
}

static void repeat(FILE *f, const char *s, size_t n)
{
    while (n-- > 0) fputs(s, f);
}

/* One horizontal rule: left, fill, join, right glyphs. */
static void rule(shell_render *r, const size_t *w, const char *l, const char *h, const char *j,
                 const char *rt)
{
    uint32_t c;
    fputs(l, r->out);
    for (c = 0; c < r->ncols; c++) {
        if (c > 0) fputs(j, r->out);
        repeat(r->out, h, w[c] + 2);
    }
    fputs(rt, r->out);
    fputc('\n', r->out);
}

/* Row of already-displayed texts; v is the vertical glyph. Header rows are
 * centred in box mode and left-aligned elsewhere; data rows right-align
 * numbers. */
static void text_row(shell_render *r, const size_t *w, char *const *t, const char *v, int header,
                     const char *ell, size_t ellw)
{
    uint32_t c;
    fputs(v, r->out);
    for (c = 0; c < r->ncols; c++) {
        int align = header ? (r->o.mode == SHELL_MODE_BOX ? 0 : -1)
                           : (shell_type_is_numeric(r->types[c]) ? 1 : -1);
        fputc(' ', r->out);
        put_field(r->out, t[c], w[c], align, ell, ellw);
        fputc(' ', r->out);
        fputs(v, r->out);
    }
    fputc('\n', r->out);
}

/* Shrink the widest columns until the line fits max_width (min 3 each). */
static void fit_widths(shell_render *r, size_t *w)
{
    size_t total = 1, c;
    if (r->o.max_width <= 0 || r->o.mode == SHELL_MODE_MARKDOWN) return;
    for (c = 0; c < r->ncols; c++) total += w[c] + 3;
    while (total > (size_t)r->o.max_width) {
        size_t best = r->ncols, bw = 3;
        for (c = 0; c < r->ncols; c++)
            if (w[c] > bw) bw = w[c], best = c;
        if (best == r->ncols) break; /* every column at the minimum */
        w[best]--;
        total--;
    }
}

static int render_boxed(shell_render *r)
{
    int md = r->o.mode == SHELL_MODE_MARKDOWN, box = r->o.mode == SHELL_MODE_BOX;
    size_t ntail = 0, nshow, i, c;
    int elided = 0;
    char ***rows = NULL, ***disp = NULL;
    char **dnames = NULL, **dtypes = NULL;
    size_t *w = NULL;
    const char *v = box ? "\xe2\x94\x82" : "|";
    const char *ell = box ? "\xe2\x80\xa6" : "...";
    size_t ellw = box ? 1 : 3;
    int rc = -1, headers = r->o.headers || md;
    uint32_t nc = r->ncols;

    if (r->tail != NULL && r->nrows > r->headcap) {
        uint64_t after = r->nrows - r->headcap;
        ntail = (size_t)(after < r->tailcap ? after : r->tailcap);
        elided = after > r->tailcap;
    } else if (r->tail == NULL && r->nrows > r->nhead) {
        elided = 1;
    }
    nshow = r->nhead + ntail;
    rows = calloc(nshow + 1, sizeof(char **));
    disp = calloc(nshow + 1, sizeof(char **));
    dnames = calloc(nc + 1, sizeof(char *));
    dtypes = calloc(nc + 1, sizeof(char *));
    w = calloc(nc + 1, sizeof(size_t));
    if (!rows || !disp || !dnames || !dtypes || !w) goto out;
    for (i = 0; i < r->nhead; i++) rows[i] = r->head[i];
    for (i = 0; i < ntail; i++) {
        uint64_t first = elided ? (r->nrows - r->headcap) % r->tailcap : 0;
        rows[r->nhead + i] = r->tail[(size_t)((first + i) % r->tailcap)];
    }
    for (c = 0; c < nc; c++) {
        dnames[c] = display_text(r->names[c], md);
        dtypes[c] = display_text(r->tnames ? r->tnames[c] : "", md);
        if (!dnames[c] || !dtypes[c]) goto out;
        if (headers) {
            w[c] = shell_text_width(dnames[c]);
            if (r->tnames && shell_text_width(dtypes[c]) > w[c]) w[c] = shell_text_width(dtypes[c]);
        }
        if (elided && w[c] < 1) w[c] = 1;
        if (md && w[c] < 3) w[c] = 3;
    }
    for (i = 0; i < nshow; i++) {
        disp[i] = calloc(nc + 1, sizeof(char *));
        if (disp[i] == NULL) goto out;
        for (c = 0; c < nc; c++) {
            size_t cw;
            disp[i][c] = display_text(rows[i][c], md);
            if (disp[i][c] == NULL) goto out;
            cw = shell_text_width(disp[i][c]);
            if (cw > w[c]) w[c] = cw;
        }
    }
    fit_widths(r, w);

    if (md) {
        text_row(r, w, dnames, "|", 1, ell, ellw);
        fputc('|', r->out);
        for (c = 0; c < nc; c++) {
            if (shell_type_is_numeric(r->types[c])) {
                repeat(r->out, "-", w[c] + 1);
                fputc(':', r->out);
            } else {
                repeat(r->out, "-", w[c] + 2);
            }
            fputc('|', r->out);
        }
        fputc('\n', r->out);
        for (i = 0; i < nshow; i++) text_row(r, w, disp[i], "|", 0, ell, ellw);
    } else {
        const char *h = box ? "\xe2\x94\x80" : "-";
        if (box)
            rule(r, w, "\xe2\x94\x8c", h, "\xe2\x94\xac", "\xe2\x94\x90");
        else
            rule(r, w, "+", h, "+", "+");
        if (headers) {
            text_row(r, w, dnames, v, 1, ell, ellw);
            if (r->tnames) text_row(r, w, dtypes, v, 1, ell, ellw);
            if (box)
                rule(r, w, "\xe2\x94\x9c", h, "\xe2\x94\xbc", "\xe2\x94\xa4");
            else
                rule(r, w, "+", h, "+", "+");
        }
        for (i = 0; i < nshow; i++) {
            if (elided && i == r->nhead) {
                char **dots = calloc(nc + 1, sizeof(char *));
                if (dots == NULL) goto out;
                for (c = 0; c < nc; c++) dots[c] = box ? "\xc2\xb7" : ".";
                text_row(r, w, dots, v, 1, ell, ellw);
                free(dots);
            }
            text_row(r, w, disp[i], v, 0, ell, ellw);
        }
        if (elided && nshow == r->nhead) {
            char **dots = calloc(nc + 1, sizeof(char *));
            if (dots == NULL) goto out;
            for (c = 0; c < nc; c++) dots[c] = box ? "\xc2\xb7" : ".";
            text_row(r, w, dots, v, 1, ell, ellw);
            free(dots);
        }
        if (box)
            rule(r, w, "\xe2\x94\x94", h, "\xe2\x94\xb4", "\xe2\x94\x98");
        else
            rule(r, w, "+", h, "+", "+");
        if (box && r->nrows > 0) {
            fprintf(r->out, "%llu %s", (unsigned long long)r->nrows, r->nrows == 1 ? "row" : "rows");
            if (elided) fprintf(r->out, " (%llu shown)", (unsigned long long)nshow);
            fputc('\n', r->out);
        }
    }
    rc = ferror(r->out) ? -1 : 0;
out:
    if (disp) {
        for (i = 0; i < nshow; i++) free_strs(disp[i], disp[i] ? nc : 0);
        free(disp);
    }
    free(rows);
    free_strs(dnames, dnames ? nc : 0);
    free_strs(dtypes, dtypes ? nc : 0);
    free(w);
    return rc;
}

int shell_render_end(shell_render *r)
{
    int rc = 0;
    if (is_boxed(r->o.mode)) {
        rc = render_boxed(r);
    } else if (r->o.mode == SHELL_MODE_JSON) {
        fputs(r->nrows == 0 ? "[]\n" : "]\n", r->out);
    } else if ((r->o.mode == SHELL_MODE_CSV || r->o.mode == SHELL_MODE_TSV) && r->nrows == 0 &&
               r->o.headers) {
        /* No rows: still give the header line so the columns are known. */
        uint32_t c;
        for (c = 0; c < r->ncols; c++) {
            if (c > 0) fputc(r->o.mode == SHELL_MODE_CSV ? ',' : '\t', r->out);
            if (r->o.mode == SHELL_MODE_CSV)
                csv_field(r->out, r->names[c], ',');
            else
                tsv_field(r->out, r->names[c]);
        }
        fputc('\n', r->out);
    }
    if (r->write_failed || ferror(r->out)) rc = -1;
    fflush(r->out);
    shell_render_free(r);
    return rc;
}
