/* lake/parquet_write.h: write floe batches as a Parquet file.
 *
 * Every column is OPTIONAL (definition levels, bit width 1) with one data
 * page v1 per at most FLOE_PQW_PAGE_ROWS rows. Types: BOOLEAN -> BOOLEAN,
 * INTEGER -> INT32, BIGINT -> INT64, DOUBLE -> DOUBLE, DECIMAL(p,s) -> INT64
 * DECIMAL(p,s), VARCHAR -> BYTE_ARRAY STRING, DATE -> INT32 DATE, TIMESTAMP
 * -> INT64 TIMESTAMP(MICROS, not adjusted to UTC); other types are
 * FLOE_UNSUPPORTED at open. Values are PLAIN; a VARCHAR chunk is written
 * with a dictionary (RLE_DICTIONARY) when it has at most half as many
 * distinct values as values. Each chunk carries min/max statistics and the
 * NULL count. Codecs: UNCOMPRESSED, SNAPPY, ZSTD, GZIP, LZ4_RAW (PQ_CODEC_*
 * numbers).
 *
 * Rows are buffered until `row_group_rows` are held, then encoded and
 * written as one row group. floe_pq_writer_close writes the footer; the
 * file is complete only if it returns FLOE_OK (on any failure the caller
 * removes the file). Ownership: the writer copies what it buffers; batches
 * stay the caller's. Thread-safety: one owner.
 */
#ifndef FLOE_LAKE_PARQUET_WRITE_H
#define FLOE_LAKE_PARQUET_WRITE_H

#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

#define FLOE_PQW_PAGE_ROWS 65536

typedef struct floe_pq_writer floe_pq_writer;

typedef struct floe_pq_write_options {
    uint32_t row_group_rows; /* 0: 122880 */
    int codec;               /* PQ_CODEC_UNCOMPRESSED, _SNAPPY, _ZSTD, _GZIP or _LZ4_RAW */
    int zstd_level;          /* 0: 3 */
} floe_pq_write_options;

/* Create `path` (truncating it) for columns names[0..ncols) of types[]. */
int floe_pq_writer_open(const char *path, uint32_t ncols, const char *const *names,
                        const floe_type *types, const floe_pq_write_options *opt,
                        floe_pq_writer **out, floe_err *err);
/* Append the live rows of b (its columns in the writer's order and types). */
int floe_pq_writer_write(floe_pq_writer *w, const floe_batch *b, floe_err *err);
/* Flush the last row group, write the footer, close the file; frees w. */
int floe_pq_writer_close(floe_pq_writer *w, floe_err *err);
/* Close without completing the file; frees w. NULL ok. */
void floe_pq_writer_abort(floe_pq_writer *w);

#endif
