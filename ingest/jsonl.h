/* ingest/jsonl.h: streaming JSON-lines reader and writer for COPY.
 *
 * Reader: one JSON object per line (LF or CRLF; blank lines skipped), keyed
 * by column name (exact, case-sensitive). A missing key is NULL; a key that
 * names no column is an error unless ignore_unknown; a repeated key keeps
 * the last value. Values: strings (all JSON escapes, \uXXXX with surrogate
 * pairs; control characters must be escaped; UTF-8 validated) are converted
 * to the column type by ingest/convert.h (so "2024-01-01" loads a DATE and
 * "12.5" a DOUBLE); numbers (strict JSON grammar) load numeric columns, or
 * VARCHAR as their text; true/false load BOOLEAN (or VARCHAR "true"/"false");
 * null is NULL; nested objects/arrays load VARCHAR as their raw JSON text
 * and are a type error for other columns. Input is pulled in blocks and
 * only the current line is buffered (max_line_bytes).
 *
 * Errors name source, line, column and byte offset like the CSV reader:
 * FLOE_PARSE (malformed JSON, bad value), FLOE_RANGE (overflow; a line over
 * max_line_bytes, always fatal), FLOE_TYPE (a JSON value that cannot load
 * the column's type). In REJECTS mode (on_reject set) a bad line is reported
 * and skipped instead.
 *
 * Writer: one object per live row with every column; NULL as null; numbers
 * and booleans bare; DOUBLE nan/inf and all other types as strings in floe's
 * text forms, so reader(writer(batch)) == batch.
 *
 * A reader is used by one thread; the writer is stateless.
 */
#ifndef FLOE_INGEST_JSONL_H
#define FLOE_INGEST_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/convert.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_jsonl_opts {
    size_t max_line_bytes;    /* 0 = 64 MiB */
    bool ignore_unknown;      /* skip keys that name no column */
    const char *source_name;  /* for messages; NULL = "<input>" */
    floe_reject_fn on_reject; /* REJECTS mode when set */
    void *reject_ctx;
    uint64_t first_line;      /* line number of the input's first byte; 0 = 1 */
    uint64_t first_offset;    /* byte offset of the input's first byte (messages) */
} floe_jsonl_opts;

typedef struct floe_jsonl_reader floe_jsonl_reader;

/* Reader for ncols columns of `types` named `names` (both copied; names
 * are required). Pulls input through rd(rd_ctx). */
int floe_jsonl_reader_open(const floe_jsonl_opts *o, uint32_t ncols, const floe_type *types,
                           const char *const *names, floe_read_fn rd, void *rd_ctx,
                           floe_jsonl_reader **out, floe_err *err);
/* As floe_csv_reader_next: FLOE_ROW with up to FLOE_VEC_SIZE rows in *out
 * (caller frees), FLOE_DONE at the end, or an error. */
int floe_jsonl_reader_next(floe_jsonl_reader *r, floe_batch *out, floe_err *err);
uint64_t floe_jsonl_reader_rows(const floe_jsonl_reader *r);
uint64_t floe_jsonl_reader_rejected(const floe_jsonl_reader *r);
/* Line number of the first unconsumed byte (see floe_csv_reader_line). */
uint64_t floe_jsonl_reader_line(const floe_jsonl_reader *r);
void floe_jsonl_reader_close(floe_jsonl_reader *r); /* NULL ok */

/* Write the live rows of b (b->sel honoured) as JSON lines keyed by names. */
int floe_jsonl_write_batch(const char *const *names, const floe_batch *b, floe_write_fn w,
                           void *w_ctx, floe_err *err);

#endif
