/* tests/sql/slt_parse.h: sqllogictest file parser and result checking.
 *
 * Reads the sqllogictest format (see ../shared/sqllogictest/README.md and
 * SQLite's about.wiki) record by record: `statement ok|error`, `query <types>
 * [nosort|rowsort|valuesort] [label]` with its `----` expected section,
 * `hash-threshold N`, `halt`, and the `skipif`/`onlyif <engine>` conditions
 * before a record. floe extension: `statement error <text>` also requires
 * the error message to contain <text> (case-insensitive).
 *
 * The result side is pure too: format one value the way the reference
 * runner prints it (I: integer, doubles truncated toward zero; R: %.3f;
 * T: text, "(empty)" for '', characters outside ' '..'~' as '@'; NULL as
 * "NULL"), sort rows or values, hash, and compare with the expectation. The
 * runner (floe_slt.c) only moves values out of floe results.
 *
 * Records own their strings (libc malloc): slt_record_free. A parser is
 * used by one thread; it borrows the text it parses.
 */
#ifndef FLOE_SLT_PARSE_H
#define FLOE_SLT_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "floe.h"

typedef enum slt_kind {
    SLT_STATEMENT,
    SLT_QUERY,
    SLT_HASH_THRESHOLD,
    SLT_HALT,
    SLT_UNKNOWN /* a command this runner does not know (counted as skipped) */
} slt_kind;

typedef enum slt_sort { SLT_NOSORT, SLT_ROWSORT, SLT_VALUESORT } slt_sort;

typedef struct slt_record {
    slt_kind kind;
    int line;            /* line of the command (statement/query/...) */
    int skip;            /* a skipif/onlyif condition excludes this engine */
    int expect_error;    /* statement error */
    char *error_text;    /* floe extension: expected message part, or NULL */
    char *types;         /* query column types, e.g. "IIT" */
    slt_sort sort;
    char *label;         /* query label, or NULL */
    char *sql;           /* statement or query text (lines joined by '\n') */
    char **expected;     /* expected values (lines split at tabs) */
    size_t nexpected;
    long hash_count;     /* expected "N values hashing to H": N; else -1 */
    char hash[33];       /* H */
    int threshold;       /* SLT_HASH_THRESHOLD: N */
    char *command;       /* SLT_UNKNOWN: the command line */
} slt_record;

typedef struct slt_parser {
    const char *text; /* borrowed, NUL-terminated */
    size_t pos;       /* byte offset of the next line */
    int line;         /* number of the next line (1-based) */
    const char *engine;
} slt_parser;

void slt_parser_init(slt_parser *p, const char *text, const char *engine);
/* Next record into *rec. Returns 1 (record), 0 (end of text) or -1 (syntax
 * error: message with the line number in err; the parser skips that record
 * and may be called again). *rec must be freed with slt_record_free after
 * 1 or -1. */
int slt_next(slt_parser *p, slt_record *rec, char *err, size_t cap);
void slt_record_free(slt_record *rec);

/* One result value as moved out of a floe result. */
typedef struct slt_value {
    int is_null;
    floe_type_id type; /* the column's floe type */
    int64_t i;         /* integer-like types (BOOLEAN, INTEGER, BIGINT) */
    double d;          /* DOUBLE and DECIMAL (already scaled) */
    const char *text;  /* floe_value_text rendering (all types) */
} slt_value;

/* Format v for type letter t ('I', 'R', 'T'; others like 'T') into buf. */
void slt_format_value(char t, const slt_value *v, char *buf, size_t cap);

/* Sort `vals` (nrows rows of ncols strings, row-major) per mode. Returns 0,
 * or -1 on OOM. */
int slt_sort_values(char **vals, size_t nrows, size_t ncols, slt_sort mode);

/* MD5 of the values, each followed by '\n', as hex. */
void slt_hash_values(char *const *vals, size_t n, char hex[33]);

/* Compare n actual values (already sorted) with rec's expectation. Returns 1
 * when they match. */
int slt_result_matches(const slt_record *rec, char *const *vals, size_t n);

#endif /* FLOE_SLT_PARSE_H */
