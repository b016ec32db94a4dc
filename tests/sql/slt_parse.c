/* tests/sql/slt_parse.c: sqllogictest parser and result checking. */
#include "tests/sql/slt_parse.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/sql/md5.h"

void slt_parser_init(slt_parser *p, const char *text, const char *engine)
{
    p->text = text;
    p->pos = 0;
    p->line = 1;
    p->engine = engine;
}

void slt_record_free(slt_record *rec)
{
    size_t i;
    free(rec->error_text);
    free(rec->types);
    free(rec->label);
    free(rec->sql);
    for (i = 0; i < rec->nexpected; i++) free(rec->expected[i]);
    free(rec->expected);
    free(rec->command);
    memset(rec, 0, sizeof(*rec));
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Read the next line (without "\n" or "\r\n") into a malloc'd string; NULL
 * at end of text. */
static char *read_line(slt_parser *p)
{
    const char *s = p->text + p->pos, *e;
    size_t n;
    if (*s == '\0') return NULL;
    e = strchr(s, '\n');
    n = e ? (size_t)(e - s) : strlen(s);
    p->pos += n + (e ? 1 : 0);
    p->line++;
    if (n > 0 && s[n - 1] == '\r') n--;
    return dupn(s, n);
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* Split s at whitespace into at most max words (in place). */
static int words(char *s, char **w, int max)
{
    int n = 0;
    while (n < max) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (*s == '\0') break;
        w[n++] = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

static int append_text(char **dst, const char *line)
{
    size_t a = *dst ? strlen(*dst) : 0, b = strlen(line);
    char *n = realloc(*dst, a + b + 2);
    if (n == NULL) return -1;
    if (a > 0) n[a++] = '\n';
    memcpy(n + a, line, b + 1);
    *dst = n;
    return 0;
}

static int add_expected(slt_record *rec, const char *v)
{
    char **n = realloc(rec->expected, (rec->nexpected + 1) * sizeof(char *));
    if (n == NULL) return -1;
    rec->expected = n;
    n[rec->nexpected] = dupn(v, strlen(v));
    if (n[rec->nexpected] == NULL) return -1;
    rec->nexpected++;
    return 0;
}

/* Skip the rest of a record (up to a blank line). */
static void skip_record(slt_parser *p)
{
    char *l;
    while ((l = read_line(p)) != NULL) {
        int blank = is_blank(l);
        free(l);
        if (blank) break;
    }
}

/* "N values hashing to H" */
static int parse_hash_line(const char *s, long *n, char hash[33])
{
    char h[64];
    long count;
    int used = 0;
    if (sscanf(s, "%ld values hashing to %63s%n", &count, h, &used) != 2) return 0;
    if (s[used] != '\0' || strlen(h) != 32) return 0;
    *n = count;
    memcpy(hash, h, 33);
    return 1;
}

int slt_next(slt_parser *p, slt_record *rec, char *err, size_t cap)
{
    char *line = NULL, *w[8];
    int nw, rc = -1;
    memset(rec, 0, sizeof(*rec));
    rec->hash_count = -1;
    /* Conditions and the command line; blank and '#' lines between records. */
    for (;;) {
        free(line);
        line = read_line(p);
        if (line == NULL) return 0;
        if (is_blank(line) || line[0] == '#') continue;
        rec->line = p->line - 1;
        nw = words(line, w, 8);
        if (strcmp(w[0], "skipif") == 0 || strcmp(w[0], "onlyif") == 0) {
            if (nw < 2) {
                snprintf(err, cap, "line %d: %s without an engine name", rec->line, w[0]);
                goto fail;
            }
            if (strcmp(w[0], "skipif") == 0 ? strcmp(w[1], p->engine) == 0
                                            : strcmp(w[1], p->engine) != 0)
                rec->skip = 1;
            continue;
        }
        break;
    }
    if (strcmp(w[0], "statement") == 0) {
        rec->kind = SLT_STATEMENT;
        if (nw < 2 || (strcmp(w[1], "ok") != 0 && strcmp(w[1], "error") != 0)) {
            snprintf(err, cap, "line %d: expected 'statement ok' or 'statement error'", rec->line);
            goto fail;
        }
        rec->expect_error = strcmp(w[1], "error") == 0;
        if (rec->expect_error && nw > 2) {
            /* the rest of the original line, words rejoined by one space */
            int k;
            for (k = 2; k < nw; k++) {
                size_t a = rec->error_text ? strlen(rec->error_text) : 0;
                char *n = realloc(rec->error_text, a + strlen(w[k]) + 2);
                if (n == NULL) goto fail;
                if (a > 0) n[a++] = ' ';
                strcpy(n + a, w[k]);
                rec->error_text = n;
            }
        }
        free(line);
        line = NULL;
        while ((line = read_line(p)) != NULL && !is_blank(line)) {
            if (append_text(&rec->sql, line) != 0) goto fail;
            free(line);
        }
        free(line);
        line = NULL;
        if (rec->sql == NULL) {
            snprintf(err, cap, "line %d: statement without SQL", rec->line);
            return -1;
        }
        return 1;
    }
    if (strcmp(w[0], "query") == 0) {
        int k, in_result = 0;
        rec->kind = SLT_QUERY;
        if (nw < 2) {
            snprintf(err, cap, "line %d: query without column types", rec->line);
            goto fail;
        }
        rec->types = dupn(w[1], strlen(w[1]));
        rec->sort = SLT_NOSORT;
        for (k = 2; k < nw; k++) {
            if (strcmp(w[k], "nosort") == 0)
                rec->sort = SLT_NOSORT;
            else if (strcmp(w[k], "rowsort") == 0)
                rec->sort = SLT_ROWSORT;
            else if (strcmp(w[k], "valuesort") == 0)
                rec->sort = SLT_VALUESORT;
            else if (rec->label == NULL)
                rec->label = dupn(w[k], strlen(w[k]));
        }
        free(line);
        line = NULL;
        while ((line = read_line(p)) != NULL && !is_blank(line)) {
            if (!in_result && strcmp(line, "----") == 0) {
                in_result = 1;
            } else if (!in_result) {
                if (append_text(&rec->sql, line) != 0) goto fail;
            } else if (rec->nexpected == 0 && rec->hash_count < 0 &&
                       parse_hash_line(line, &rec->hash_count, rec->hash)) {
                /* hashed expectation */
            } else {
                char *s = line, *tab;
                while ((tab = strchr(s, '\t')) != NULL) {
                    *tab = '\0';
                    if (add_expected(rec, s) != 0) goto fail;
                    s = tab + 1;
                }
                if (add_expected(rec, s) != 0) goto fail;
            }
            free(line);
        }
        free(line);
        line = NULL;
        if (rec->sql == NULL) {
            snprintf(err, cap, "line %d: query without SQL", rec->line);
            return -1;
        }
        return 1;
    }
    if (strcmp(w[0], "hash-threshold") == 0) {
        rec->kind = SLT_HASH_THRESHOLD;
        if (nw < 2) {
            snprintf(err, cap, "line %d: hash-threshold without a number", rec->line);
            goto fail;
        }
        rec->threshold = atoi(w[1]);
        rc = 1;
        goto done;
    }
    if (strcmp(w[0], "halt") == 0) {
        rec->kind = SLT_HALT;
        rc = 1;
        goto done;
    }
    rec->kind = SLT_UNKNOWN;
    rec->command = dupn(w[0], strlen(w[0]));
    free(line);
    skip_record(p);
    return 1;
fail:
    free(line);
    skip_record(p);
    return -1;
done:
    free(line);
    return rc;
}

/* ------------------------------------------------------------- results */

/* Leading integer of text like SQLite's text-to-integer: spaces, sign,
 * digits; anything else ends it (0 when there are no digits). */
static long long text_int(const char *s)
{
    double d;
    char *end;
    while (isspace((unsigned char)*s)) s++;
    d = strtod(s, &end);
    if (end == s) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return (long long)d;
}

static long long trunc_double(double d)
{
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (long long)d; /* C conversion truncates toward zero */
}

void slt_format_value(char t, const slt_value *v, char *buf, size_t cap)
{
    if (v->is_null) {
        snprintf(buf, cap, "NULL");
        return;
    }
    if (t == 'I') {
        long long x;
        switch (v->type) {
        case FLOE_TYPE_BOOLEAN:
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_BIGINT: x = (long long)v->i; break;
        case FLOE_TYPE_DOUBLE:
        case FLOE_TYPE_DECIMAL: x = trunc_double(v->d); break;
        default: x = v->text ? text_int(v->text) : 0; break;
        }
        snprintf(buf, cap, "%lld", x);
    } else if (t == 'R') {
        double d;
        switch (v->type) {
        case FLOE_TYPE_BOOLEAN:
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_BIGINT: d = (double)v->i; break;
        case FLOE_TYPE_DOUBLE:
        case FLOE_TYPE_DECIMAL: d = v->d; break;
        default: d = v->text ? strtod(v->text, NULL) : 0.0; break;
        }
        snprintf(buf, cap, "%.3f", d);
    } else {
        const char *s = v->text ? v->text : "";
        size_t k;
        if (*s == '\0') {
            snprintf(buf, cap, "(empty)");
            return;
        }
        snprintf(buf, cap, "%s", s);
        for (k = 0; buf[k]; k++)
            if ((unsigned char)buf[k] < ' ' || (unsigned char)buf[k] > '~') buf[k] = '@';
    }
}

static size_t g_sort_ncols; /* qsort has no context argument in C11 */

static int cmp_row(const void *a, const void *b)
{
    char *const *x = *(char *const *const *)a, *const *y = *(char *const *const *)b;
    size_t c;
    for (c = 0; c < g_sort_ncols; c++) {
        int r = strcmp(x[c], y[c]);
        if (r != 0) return r;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int slt_sort_values(char **vals, size_t nrows, size_t ncols, slt_sort mode)
{
    if (mode == SLT_VALUESORT) {
        qsort(vals, nrows * ncols, sizeof(char *), cmp_str);
    } else if (mode == SLT_ROWSORT && nrows > 1 && ncols > 0) {
        char ***rows = malloc(nrows * sizeof(char **));
        char **copy = malloc(nrows * ncols * sizeof(char *));
        size_t r;
        if (rows == NULL || copy == NULL) {
            free(rows);
            free(copy);
            return -1;
        }
        memcpy(copy, vals, nrows * ncols * sizeof(char *));
        for (r = 0; r < nrows; r++) rows[r] = copy + r * ncols;
        g_sort_ncols = ncols;
        qsort(rows, nrows, sizeof(char **), cmp_row);
        for (r = 0; r < nrows; r++) memcpy(vals + r * ncols, rows[r], ncols * sizeof(char *));
        free(rows);
        free(copy);
    }
    return 0;
}

void slt_hash_values(char *const *vals, size_t n, char hex[33])
{
    slt_md5 m;
    size_t i;
    slt_md5_init(&m);
    for (i = 0; i < n; i++) {
        slt_md5_update(&m, vals[i], strlen(vals[i]));
        slt_md5_update(&m, "\n", 1);
    }
    slt_md5_final_hex(&m, hex);
}

int slt_result_matches(const slt_record *rec, char *const *vals, size_t n)
{
    size_t i;
    if (rec->hash_count >= 0) {
        char hex[33];
        if ((size_t)rec->hash_count != n) return 0;
        slt_hash_values(vals, n, hex);
        return strcmp(hex, rec->hash) == 0;
    }
    if (rec->nexpected != n) return 0;
    for (i = 0; i < n; i++)
        if (strcmp(rec->expected[i], vals[i]) != 0) return 0;
    return 1;
}
