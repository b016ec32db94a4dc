/* bench/bench_table.h: a query answer as text cells, and the cross-engine
 * comparison of two answers.
 *
 * Every engine's result is captured as rows of text cells (SQL NULL is the
 * cell NULL). Comparison follows ../shared/peers/check_results.py: a cell
 * that looks like a date or timestamp is normalised to 'YYYY-MM-DD HH:MM:SS'
 * (a bare date gets 00:00:00, a 'T' separator, fractional seconds and a 'Z'
 * are dropped); a cell that parses as a number compares with relative
 * tolerance rtol * max(1, |a|, |b|); anything else compares as text. Row
 * count and column count must match, except that two empty answers are
 * equal whatever their columns (ClickHouse's TabSeparated shows none). Owned by the caller; not thread-safe.
 */
#ifndef FLOE_BENCH_TABLE_H
#define FLOE_BENCH_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct floe_bench_table {
    uint32_t ncols;
    uint64_t nrows;
    char **cells;     /* nrows * ncols, row-major; NULL = SQL NULL; each floe_malloc'ed */
    uint64_t cap;     /* rows allocated */
} floe_bench_table;

/* A new empty table of ncols columns; NULL on OOM. Free with floe_bench_table_free. */
floe_bench_table *floe_bench_table_new(uint32_t ncols);
void floe_bench_table_free(floe_bench_table *t);
/* Append a row of NULL cells; its index goes to *out_row. */
int floe_bench_table_add_row(floe_bench_table *t, uint64_t *out_row, floe_err *err);
/* Set a cell to a copy of the n bytes at s (s == NULL: SQL NULL). */
int floe_bench_table_set(floe_bench_table *t, uint64_t row, uint32_t col, const char *s, size_t n,
                         floe_err *err);
/* Set a cell to a double rendered with 17 significant digits. */
int floe_bench_table_set_double(floe_bench_table *t, uint64_t row, uint32_t col, double x,
                                floe_err *err);
const char *floe_bench_table_get(const floe_bench_table *t, uint64_t row, uint32_t col);

/* 1 when a and b hold the same answer under the rules above; otherwise 0
 * and a description of the first difference in why[cap]. */
int floe_bench_table_same(const floe_bench_table *a, const floe_bench_table *b, double rtol,
                          char *why, size_t cap);

/* Parse cell text the way the comparison does (exposed for tests): returns
 * 'n' with *out_num, 't' with the normalised timestamp in ts[20], 's' for text,
 * '0' for NULL. */
int floe_bench_cell_kind(const char *cell, double *out_num, char ts[20]);

#endif
