/* bench/bench_table.c: answers as text cells and their tolerant comparison. */
#include "bench/bench_table.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

floe_bench_table *floe_bench_table_new(uint32_t ncols)
{
    floe_bench_table *t = floe_calloc(1, sizeof *t);
    if (t != NULL) t->ncols = ncols;
    return t;
}

void floe_bench_table_free(floe_bench_table *t)
{
    uint64_t i;
    if (t == NULL) return;
    for (i = 0; i < t->nrows * t->ncols; i++) floe_free(t->cells[i]);
    floe_free(t->cells);
    floe_free(t);
}

int floe_bench_table_add_row(floe_bench_table *t, uint64_t *out_row, floe_err *err)
{
    uint32_t c;
    if (t->nrows == t->cap) {
        uint64_t cap = t->cap ? t->cap * 2 : 16;
        char **cells = floe_realloc(t->cells, (size_t)(cap * (t->ncols ? t->ncols : 1)) * sizeof(char *));
        if (cells == NULL) return floe_err_nomem(err);
        t->cells = cells;
        t->cap = cap;
    }
    for (c = 0; c < t->ncols; c++) t->cells[t->nrows * t->ncols + c] = NULL;
    *out_row = t->nrows++;
    return FLOE_OK;
}

int floe_bench_table_set(floe_bench_table *t, uint64_t row, uint32_t col, const char *s, size_t n,
                         floe_err *err)
{
    char **cell;
    if (row >= t->nrows || col >= t->ncols) return floe_err_set(err, FLOE_RANGE, "cell out of range");
    cell = &t->cells[row * t->ncols + col];
    floe_free(*cell);
    *cell = NULL;
    if (s == NULL) return FLOE_OK;
    *cell = floe_strndup(s, n);
    return *cell == NULL ? floe_err_nomem(err) : FLOE_OK;
}

int floe_bench_table_set_double(floe_bench_table *t, uint64_t row, uint32_t col, double x,
                                floe_err *err)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", x);
    return floe_bench_table_set(t, row, col, buf, (size_t)n, err);
}

const char *floe_bench_table_get(const floe_bench_table *t, uint64_t row, uint32_t col)
{
    if (row >= t->nrows || col >= t->ncols) return NULL;
    return t->cells[row * t->ncols + col];
}

static int digits(const char *s, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

int floe_bench_cell_kind(const char *cell, double *out_num, char ts[20])
{
    size_t n;
    char *end;
    const char *p;
    if (cell == NULL) return '0';
    while (isspace((unsigned char)*cell)) cell++;
    n = strlen(cell);
    while (n > 0 && isspace((unsigned char)cell[n - 1])) n--;
    /* YYYY-MM-DD, optionally followed by [T ]HH:MM[:SS[.fff]][Z] */
    if (n >= 10 && digits(cell, 4) && cell[4] == '-' && digits(cell + 5, 2) && cell[7] == '-' &&
        digits(cell + 8, 2)) {
        memcpy(ts, cell, 10);
        if (n == 10) {
            memcpy(ts + 10, " 00:00:00", 10);
            return 't';
        }
        p = cell + 10;
        if ((*p == 'T' || *p == ' ') && n >= 16 && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2)) {
            const char *q = p + 6, *e = cell + n;
            ts[10] = ' ';
            memcpy(ts + 11, p + 1, 5);
            if (q < e && *q == ':' && e - q >= 3 && digits(q + 1, 2)) {
                memcpy(ts + 16, q, 3);
                q += 3;
                if (q < e && *q == '.') {
                    q++;
                    while (q < e && isdigit((unsigned char)*q)) q++;
                }
            } else {
                memcpy(ts + 16, ":00", 3);
            }
            if (q < e && *q == 'Z') q++;
            ts[19] = '\0';
            if (q == e) return 't';
        }
    }
    if (n > 0) {
        char buf[64];
        if (n < sizeof buf) {
            memcpy(buf, cell, n);
            buf[n] = '\0';
            *out_num = strtod(buf, &end);
            if (end == buf + n) return 'n';
        }
    }
    return 's';
}

static int cell_same(const char *a, const char *b, double rtol)
{
    double x = 0, y = 0;
    char ta[20], tb[20];
    int ka = floe_bench_cell_kind(a, &x, ta), kb = floe_bench_cell_kind(b, &y, tb);
    if (ka != kb) return 0;
    switch (ka) {
    case '0': return 1;
    case 't': return strcmp(ta, tb) == 0;
    case 'n': {
        double m = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
        if (m < 1.0) m = 1.0;
        return fabs(x - y) <= rtol * m;
    }
    default: {
        size_t la = strlen(a), lb = strlen(b);
        while (la && isspace((unsigned char)a[la - 1])) la--;
        while (lb && isspace((unsigned char)b[lb - 1])) lb--;
        while (la && isspace((unsigned char)*a)) a++, la--;
        while (lb && isspace((unsigned char)*b)) b++, lb--;
        return la == lb && memcmp(a, b, la) == 0;
    }
    }
}

int floe_bench_table_same(const floe_bench_table *a, const floe_bench_table *b, double rtol,
                          char *why, size_t cap)
{
    uint64_t r;
    uint32_t c;
    /* no rows: nothing to compare (an engine may not report the columns of an empty answer) */
    if (a->nrows == 0 && b->nrows == 0) {
        if (cap) why[0] = '\0';
        return 1;
    }
    if (a->nrows != b->nrows || a->ncols != b->ncols) {
        snprintf(why, cap, "shape %llux%u vs %llux%u", (unsigned long long)a->nrows, a->ncols,
                 (unsigned long long)b->nrows, b->ncols);
        return 0;
    }
    for (r = 0; r < a->nrows; r++)
        for (c = 0; c < a->ncols; c++) {
            const char *x = floe_bench_table_get(a, r, c), *y = floe_bench_table_get(b, r, c);
            if (!cell_same(x, y, rtol)) {
                snprintf(why, cap, "row %llu col %u: '%s' vs '%s'", (unsigned long long)r, c,
                         x ? x : "NULL", y ? y : "NULL");
                return 0;
            }
        }
    if (cap) why[0] = '\0';
    return 1;
}
