/* ingest/sniff.h: detect the dialect and schema of a CSV or JSON-lines sample.
 *
 * floe_csv_sniff reads a sample (the first bytes of a file) and finds:
 *  - the dialect: delimiter among , | ; TAB, quote among " and ', escape
 *    (the quote doubled, or a backslash): the candidate whose records most
 *    consistently have the same number of fields (more than one field
 *    preferred; ties go to the more columns, then to the order above);
 *  - the header: the first record is a header when some column's sampled
 *    type rejects its first-record value, or, all columns being VARCHAR,
 *    when its fields are non-empty and distinct;
 *  - column names (the header's, de-duplicated and "columnN" for empty
 *    ones; "column0".. without a header, like DuckDB);
 *  - column types: the first of BOOLEAN (true/false), BIGINT, DOUBLE,
 *    DATE, TIMESTAMP that accepts every non-NULL sampled value through the
 *    readers' own converter (ingest/convert.h) or, for dates, in one of the
 *    FLOE_DATEFMT_* layouts below (then datefmt[c] says which, and the CSV
 *    reader parses the column that way: floe_csv_opts.date_formats), else
 *    VARCHAR. A column of
 *    NULLs only is VARCHAR. Decimal fractions (12.50) are DOUBLE, as
 *    DuckDB's sniffer gives them.
 * Options force any part (given dialect characters or header are kept).
 * Values that come after the sample are not seen: a later value the type
 * rejects makes the reader fail with the file, line and column
 * (ingest/csv.h), never a silent coercion.
 *
 * floe_json_sniff does the same for JSON lines (one object per line):
 * names are the keys in order of first appearance; JSON numbers give
 * BIGINT or DOUBLE, true/false BOOLEAN, strings are typed like CSV text
 * (so "2024-01-01" is a DATE), nested values VARCHAR.
 * floe_json_array_to_lines turns a top-level JSON array of objects into
 * JSON lines (one element a line; whitespace line breaks outside strings
 * become blanks) for the JSON-lines reader.
 *
 * Ownership: a result owns its names and types (floe_sniff_result_free).
 * Pure functions over the caller's bytes; thread-safe.
 */
#ifndef FLOE_INGEST_SNIFF_H
#define FLOE_INGEST_SNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/types.h"

/* Date layouts besides ISO (YYYY-MM-DD, the readers' own), each optionally
 * followed by " HH:MM[:SS[.ffffff]]" for TIMESTAMP: */
enum {
    FLOE_DATEFMT_ISO = 0,
    FLOE_DATEFMT_MDY = 1,       /* 12/31/2024 (US; preferred when both fit) */
    FLOE_DATEFMT_DMY = 2,       /* 31/12/2024 */
    FLOE_DATEFMT_DMY_DOT = 3,   /* 31.12.2024 */
    FLOE_DATEFMT_YMD_SLASH = 4, /* 2024/12/31 */
    FLOE_DATEFMT_COUNT = 5
};
/* Parse s[0..n) in layout fmt (not ISO) into days since the epoch and, when
 * a time follows, microseconds of the day (*has_time). False when it does
 * not fit (the month, day and time are range-checked). */
bool floe_sniff_parse_date(int fmt, const char *s, size_t n, int32_t *days, int64_t *micros,
                           bool *has_time);

typedef struct floe_sniff_opts {
    char delimiter;       /* 0: detect */
    char quote;           /* 0: detect */
    char escape;          /* 0: detect */
    int header;           /* -1: detect, 0 no, 1 yes */
    const char *null_str; /* NULL: "" */
    uint32_t sample_rows; /* 0: 20480 */
} floe_sniff_opts;

typedef struct floe_sniff_result {
    char delimiter, quote, escape;
    bool header;
    bool quoted_newlines; /* a quoted field of the sample holds a line break */
    uint32_t ncols;
    char **names;         /* ncols, owned */
    floe_type *types;     /* ncols, owned */
    uint8_t *datefmt;     /* ncols, owned: FLOE_DATEFMT_* of DATE/TIMESTAMP columns */
    uint64_t rows;        /* records sampled (header excluded) */
} floe_sniff_result;

/* Sniff p[0..n) (`whole`: it is the entire file, else its last, possibly
 * cut, record is ignored). `source` names the file in messages. FLOE_OK,
 * FLOE_PARSE (an empty sample, no consistent dialect) or FLOE_NOMEM. */
int floe_csv_sniff(const char *p, size_t n, bool whole, const floe_sniff_opts *o,
                   const char *source, floe_sniff_result *out, floe_err *err);
/* Sniff JSON lines p[0..n) (same `whole` rule). FLOE_PARSE names the line
 * of a malformed object. */
int floe_json_sniff(const char *p, size_t n, bool whole, uint32_t sample_rows, const char *source,
                    floe_sniff_result *out, floe_err *err);
/* The text bits of one value: which of BOOLEAN, BIGINT, DOUBLE, DATE,
 * TIMESTAMP accept s[0..n) (bit 1 << FLOE_TYPE_x). */
unsigned floe_sniff_value(const char *s, size_t n);
/* A top-level JSON array of objects as JSON lines into *out (free with
 * floe_free). FLOE_PARSE when p is not such an array. */
int floe_json_array_to_lines(const char *p, size_t n, const char *source, char **out,
                             size_t *out_n, floe_err *err);
void floe_sniff_result_free(floe_sniff_result *r); /* NULL ok; zeroes it */

#endif
