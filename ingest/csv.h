/* ingest/csv.h: streaming CSV reader and writer for COPY.
 *
 * Reader: RFC 4180 records (fields separated by DELIMITER, optionally
 * enclosed in QUOTE with the quote doubled inside, or preceded by ESCAPE when
 * that differs; quoted fields may hold delimiters and line breaks); records
 * end with LF, CRLF or a lone CR, or at end of input. Input is pulled in
 * blocks through a floe_read_fn and only the current record is buffered, so
 * memory is bounded by the longest record (max_record_bytes).
 *
 * Values: an unquoted field equal to NULL_STR (default: empty) is NULL; a
 * quoted field never is for VARCHAR (so "" is the empty string), while for
 * other types an empty field, quoted or not, is NULL. Other text is
 * converted by ingest/convert.h (full validation, UTF-8 checked).
 * With HEADER the first record is the header: it must have as many fields as
 * the table has columns (names are not matched); an empty input is then an
 * error ("empty file"), without HEADER it yields no rows. Empty lines are
 * skipped when the table has more than one column; with one column an empty
 * line is a row whose field is empty (so NULL by default).
 *
 * Errors name the source, the line, the column (name and 1-based number)
 * and the byte offset: "data.csv:12: column price (3): invalid DOUBLE 'x'
 * (byte 341)". Kinds: FLOE_PARSE (bad quoting, wrong field count, bad
 * value), FLOE_RANGE (value overflow; a field or record over the size
 * limits, always fatal), FLOE_IOERR from the read function. In REJECTS
 * mode (on_reject set) a bad row is reported through the callback and
 * skipped instead; size-limit errors stay fatal.
 *
 * Writer: one record per live row, fields quoted only when needed (they
 * contain the delimiter, quote, escape, CR or LF, or a VARCHAR equals
 * NULL_STR), NULL written as NULL_STR, values in floe's text forms, so
 * reader(writer(batch)) == batch.
 *
 * A reader is used by one thread; writers are stateless.
 */
#ifndef FLOE_INGEST_CSV_H
#define FLOE_INGEST_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/convert.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_csv_opts {
    char delimiter;           /* 0 = ',' */
    char quote;               /* 0 = '"' */
    char escape;              /* 0 = the quote character (doubling) */
    bool header;              /* first record is a header */
    const char *null_str;     /* NULL = "" */
    size_t max_field_bytes;   /* 0 = 16 MiB */
    size_t max_record_bytes;  /* 0 = 64 MiB */
    const char *source_name;  /* for messages; NULL = "<input>" */
    floe_reject_fn on_reject; /* REJECTS mode when set */
    void *reject_ctx;
    uint64_t first_line;      /* line number of the input's first byte; 0 = 1 */
    uint64_t first_offset;    /* byte offset of the input's first byte (messages) */
    const bool *skip;         /* NULL, or ncols flags: a flagged column is not
                               * converted (its slots are unspecified); borrowed
                               * for the reader's life (projection pushdown) */
    const uint8_t *date_formats; /* NULL, or ncols FLOE_DATEFMT_* (ingest/sniff.h):
                               * a DATE/TIMESTAMP column in a non-ISO layout
                               * (12/31/2024); borrowed like skip */
} floe_csv_opts;

typedef struct floe_csv_reader floe_csv_reader;

/* Reader for a table of `ncols` columns with `types` and `names` (copied;
 * names may be NULL: "column<N>"). Pulls input through rd(rd_ctx). */
int floe_csv_reader_open(const floe_csv_opts *o, uint32_t ncols, const floe_type *types,
                         const char *const *names, floe_read_fn rd, void *rd_ctx,
                         floe_csv_reader **out, floe_err *err);
/* Parse up to FLOE_VEC_SIZE rows into *out (arrives zeroed or freed; the
 * caller frees it with floe_batch_free after FLOE_ROW). FLOE_ROW when rows
 * were produced (n >= 1), FLOE_DONE at the end (out left empty), or an
 * error as above (rows of the current batch are dropped). */
int floe_csv_reader_next(floe_csv_reader *r, floe_batch *out, floe_err *err);
uint64_t floe_csv_reader_rows(const floe_csv_reader *r);     /* rows produced */
uint64_t floe_csv_reader_rejected(const floe_csv_reader *r); /* rows rejected */
/* Line number of the first unconsumed byte (after FLOE_DONE: one past the
 * last line, so lines consumed = result - first line). */
uint64_t floe_csv_reader_line(const floe_csv_reader *r);
/* True when the last record consumed ended at the end of input rather than
 * at a line break (an input cut inside a record, e.g. inside a quoted
 * field, ends this way): parallel COPY uses it to verify chunk boundaries. */
bool floe_csv_reader_ended_open(const floe_csv_reader *r);
void floe_csv_reader_close(floe_csv_reader *r);              /* NULL ok */

/* Write the header record (names joined by the delimiter, quoted if needed). */
int floe_csv_write_header(const floe_csv_opts *o, uint32_t ncols, const char *const *names,
                          floe_write_fn w, void *w_ctx, floe_err *err);
/* Write the live rows of b (b->sel honoured) as CSV records ending in LF. */
int floe_csv_write_batch(const floe_csv_opts *o, const floe_batch *b, floe_write_fn w,
                         void *w_ctx, floe_err *err);

#endif
