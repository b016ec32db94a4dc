/* lake/parquet_read.h: read Parquet files into floe vectors.
 *
 * floe_pq_open maps a file (util/os) and parses its footer (lake/thrift.h);
 * floe_pq_open_buffer does the same over a caller's bytes (fuzzing, tests).
 * The schema is exposed as top-level columns with their floe types. Flat
 * columns of the supported physical/logical types map to BOOLEAN, INTEGER,
 * BIGINT, DOUBLE, DECIMAL(p<=18), VARCHAR, DATE and TIMESTAMP (micros UTC);
 * a nested or unsupported column is listed with type INVALID and a reason,
 * and asking a scan for it is FLOE_UNSUPPORTED naming the column.
 *
 * A scan (floe_pq_scan_open) reads the asked columns (projection) of every
 * row group that may hold rows passing the predicates (min/max statistics:
 * a group whose statistics prove no row passes is skipped) and returns
 * batches of up to FLOE_VEC_SIZE rows. Predicates only skip row groups: the
 * rows of a group that is read are all returned (the caller filters).
 *
 * Decoding: data pages v1 and v2; PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY,
 * RLE (booleans), DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; codecs UNCOMPRESSED, SNAPPY, GZIP,
 * ZSTD, LZ4_RAW. Every length and count is checked against its buffer:
 * damage is FLOE_CORRUPT naming the file and the byte offset, never a read
 * outside the file.
 *
 * Ownership: the file owns its mapping and schema (names valid until
 * floe_pq_close). A scan owns the decoded row group; the batch filled by
 * floe_pq_scan_next is initialised by the call (the caller frees it with
 * floe_batch_free) and its vectors BORROW the scan's memory: valid until the
 * next floe_pq_scan_next or floe_pq_scan_close. Close scans before the file.
 *
 * Thread-safety: a file may be shared by scans on different threads (it is
 * read-only after open); a scan has one owner.
 */
#ifndef FLOE_LAKE_PARQUET_READ_H
#define FLOE_LAKE_PARQUET_READ_H

#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_pq_file floe_pq_file;
typedef struct floe_pq_scan floe_pq_scan;

typedef struct floe_pq_column {
    const char *name;
    floe_type type;       /* id FLOE_TYPE_INVALID: unsupported (see why) */
    const char *why;      /* reason when unsupported, else NULL */
    int physical;         /* PQ_* physical type (parquet_format.h) */
    int leaf;             /* index of its column chunk, -1 when nested */
} floe_pq_column;

int floe_pq_open(const char *path, floe_pq_file **out, floe_err *err);
/* Over caller bytes (borrowed: they must outlive the file). */
int floe_pq_open_buffer(const void *p, size_t n, const char *name, floe_pq_file **out,
                        floe_err *err);
void floe_pq_close(floe_pq_file *f); /* NULL ok */

uint32_t floe_pq_ncols(const floe_pq_file *f);
const floe_pq_column *floe_pq_col(const floe_pq_file *f, uint32_t i);
int64_t floe_pq_nrows(const floe_pq_file *f);
uint32_t floe_pq_nrowgroups(const floe_pq_file *f);
int64_t floe_pq_rowgroup_rows(const floe_pq_file *f, uint32_t rg);

/* A simple predicate for row-group skipping: column `col` (top-level index)
 * compared with a non-NULL constant of the column's type. */
typedef enum floe_pq_op { FLOE_PQ_EQ, FLOE_PQ_LT, FLOE_PQ_LE, FLOE_PQ_GT, FLOE_PQ_GE } floe_pq_op;
typedef struct floe_pq_pred {
    uint32_t col;
    floe_pq_op op;
    floe_value v;
} floe_pq_pred;

/* Whether row group rg may hold a row passing every predicate (true when the
 * statistics are missing or cannot tell). */
bool floe_pq_rowgroup_may_match(const floe_pq_file *f, uint32_t rg, const floe_pq_pred *preds,
                                uint32_t npreds);

/* Open a scan of columns cols[0..ncols) (top-level indexes; copied). */
int floe_pq_scan_open(floe_pq_file *f, const uint32_t *cols, uint32_t ncols,
                      const floe_pq_pred *preds, uint32_t npreds, floe_pq_scan **out,
                      floe_err *err);
/* Fill *out with the next rows: FLOE_ROW (out->n > 0), FLOE_DONE, or an
 * error. *out is initialised by the call either way (free it). */
int floe_pq_scan_next(floe_pq_scan *s, floe_batch *out, floe_err *err);
/* Restrict an open scan (before its first next) to row groups
 * [rg_first, rg_end) (clamped to the file): a morsel of a parallel scan. */
void floe_pq_scan_range(floe_pq_scan *s, uint32_t rg_first, uint32_t rg_end);
/* Row groups skipped by statistics so far. */
uint32_t floe_pq_scan_skipped(const floe_pq_scan *s);
void floe_pq_scan_close(floe_pq_scan *s); /* NULL ok */

#endif
