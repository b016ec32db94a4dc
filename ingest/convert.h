/* ingest/convert.h: text to typed values for COPY, with full validation.
 *
 * Used by the CSV and JSON-lines readers (and the appender's text path):
 * one field of text becomes one slot of a column vector. Numbers must use
 * the whole field (surrounding ASCII blanks are allowed for non-VARCHAR
 * types), fit the type (overflow is FLOE_RANGE), and VARCHAR must be valid
 * UTF-8. BOOLEAN accepts true/false/t/f/yes/no/y/n/on/off/1/0 (any case);
 * DECIMAL(p,s) accepts [sign]digits[.digits][e[sign]digits], rounding half
 * away from zero to s fraction digits; DATE/TIMESTAMP/INTERVAL use
 * util/datetime.h. Pure functions, thread-safe.
 */
#ifndef FLOE_INGEST_CONVERT_H
#define FLOE_INGEST_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/vec.h"

/* Parse s[0..n) as v->type and store it at row `row` of v, marking the row
 * valid (VARCHAR bytes are copied into the vector's heap). On failure the
 * slot is left unspecified and err says why (FLOE_PARSE, FLOE_RANGE,
 * FLOE_NOMEM) without naming the column: callers add the context. */
int floe_convert_text(floe_vec *v, uint32_t row, const char *s, size_t n, floe_err *err);
/* Mark row `row` of v NULL (VARCHAR slot set to the empty string). FLOE_NOMEM. */
int floe_convert_null(floe_vec *v, uint32_t row);
/* True when s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF);
 * else false with *bad_at = offset of the first invalid byte. */
bool floe_utf8_valid(const char *s, size_t n, size_t *bad_at);

/* ------------------------------------------------ COPY stream plumbing */

/* Pull up to cap bytes into buf; *out_n = 0 means end of input. */
typedef int (*floe_read_fn)(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err);
/* Push n bytes. */
typedef int (*floe_write_fn)(void *ctx, const char *p, size_t n, floe_err *err);
/* floe_read_fn / floe_write_fn over a stdio FILE* passed as ctx (FLOE_IOERR). */
int floe_copy_read_file(void *file, char *buf, size_t cap, size_t *out_n, floe_err *err);
/* A reader's input buffer *buf (capacity *cap, unconsumed bytes [*start,
 * *end), *buf_off = input offset of (*buf)[0]): move the unconsumed bytes to
 * the front, then pull at least max(unconsumed, block / 2) more bytes through
 * rd (growing the buffer), so a record needing many reads is rescanned
 * O(log n) times. Sets *eof at the end of input. FLOE_NOMEM or rd's error. */
int floe_copy_refill(floe_read_fn rd, void *rd_ctx, size_t block, char **buf, size_t *cap,
                     size_t *start, size_t *end, uint64_t *buf_off, bool *eof, floe_err *err);
int floe_copy_write_file(void *file, const char *p, size_t n, floe_err *err);

/* A row rejected by a COPY reader in REJECTS mode. Borrowed by the callback. */
typedef struct floe_reject {
    const char *source;  /* file name (or "<input>") */
    uint64_t line;       /* 1-based line where the row starts */
    uint64_t offset;     /* byte offset of the offending field (or row) in the input */
    const char *column;  /* column name, or NULL when the row as a whole is bad */
    uint32_t column_no;  /* 1-based column number, 0 when not about one column */
    const char *raw;     /* the row's raw text (without its line terminator) */
    size_t raw_len;
    const char *reason;
} floe_reject;
/* Return FLOE_OK to continue; anything else stops the reader with that code. */
typedef int (*floe_reject_fn)(void *ctx, const floe_reject *r);

#endif
