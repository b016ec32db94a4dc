/* ingest/memtable.h: append-only columnar in-memory buffer of one shard.
 *
 * A memtable stores rows column-wise in chunks of exactly FLOE_VEC_SIZE rows.
 * Each chunk column is one contiguous array in the column type's physical
 * layout (floe.h), so a query borrows it as a floe_vec with no copy; NULLs
 * are uint64_t validity bitmaps (allocated on a chunk column's first NULL,
 * bit set = valid); VARCHAR bytes live in an arena owned by the memtable.
 *
 * Invariants
 *  - Existing data never moves: chunks are reached through a fixed two-level
 *    directory (FLOE_MEMTABLE_MAX_CHUNKS chunks at most) whose slots are only
 *    ever written once, before the rows they hold are published.
 *  - Rows [0, floe_memtable_rows()) are complete. The writer publishes the
 *    count with release semantics after writing the rows; a reader that loads
 *    it (acquire, floe_memtable_rows) may read every row below it without a
 *    lock. Rows of a chunk that is full at that count are never written again;
 *    the last, partial chunk's validity words may still be written for higher
 *    rows, so readers copy them with floe_memtable_copy_validity.
 *  - Row i has sequence number seq_lo + i (rows of a shard are contiguous).
 *
 * Ownership: refcounted. floe_memtable_new returns one reference (held by the
 * shard); each query snapshot takes another with floe_memtable_ref; the last
 * floe_memtable_unref frees it. Vectors handed out are borrowed until the
 * holder's reference is dropped.
 *
 * Thread-safety: one writer at a time (the shard, under its mutex) calls
 * append/note_producer; any number of readers concurrently call the read
 * functions. ref/unref are atomic.
 */
#ifndef FLOE_INGEST_MEMTABLE_H
#define FLOE_INGEST_MEMTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

#define FLOE_MEMTABLE_DIR_BITS 10
#define FLOE_MEMTABLE_MAX_CHUNKS ((uint64_t)1 << (2 * FLOE_MEMTABLE_DIR_BITS))
#define FLOE_MEMTABLE_MAX_ROWS (FLOE_MEMTABLE_MAX_CHUNKS * FLOE_VEC_SIZE)

typedef struct floe_memtable floe_memtable;

/* An idempotent producer's last accepted sequence number. */
typedef struct floe_ingest_producer {
    uint64_t id;  /* producer id chosen by the client */
    uint64_t seq; /* last accepted producer sequence number */
} floe_ingest_producer;

/* New empty memtable for `ncols` columns of `types` (copied) whose first row
 * will have sequence number `seq_lo`. One reference for the caller.
 * FLOE_NOMEM on OOM (*out = NULL). */
int floe_memtable_new(uint32_t ncols, const floe_type *types, uint64_t seq_lo,
                      floe_memtable **out, floe_err *err);
void floe_memtable_ref(floe_memtable *m);
/* Drop a reference; frees at zero. NULL ok. */
void floe_memtable_unref(floe_memtable *m);

/* Append rows of `b` to the end: rows[0..nrows) index b's vectors (NULL means
 * rows 0..nrows-1; b->sel is ignored, callers pass the live rows). Vectors may
 * be FLOE_VEC_CONST. The batch's column types must equal the memtable's.
 * Copies values and string bytes, then publishes the new count (release).
 * On failure (FLOE_NOMEM, FLOE_RANGE when full, FLOE_TYPE) nothing becomes
 * visible: the count is unchanged. Single writer. */
int floe_memtable_append(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                         uint32_t nrows, floe_err *err);
/* The two halves of append: stage writes the rows above the count without
 * publishing them (a later stage overwrites them); publish makes the last
 * staged rows visible. Lets the shard write its WAL record between the two
 * and drop the rows if that fails. Single writer. */
int floe_memtable_stage(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                        uint32_t nrows, floe_err *err);
void floe_memtable_publish(floe_memtable *m);
/* Stage rows after the rows already staged (not published) instead of
 * replacing them, so one publish makes several batches visible at once; on
 * failure the rows staged before stay staged. floe_memtable_unstage drops
 * every staged row. Single writer. */
int floe_memtable_stage_more(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                             uint32_t nrows, floe_err *err);
void floe_memtable_unstage(floe_memtable *m);
/* Record that a row of producer `id` with producer sequence `seq` is in this
 * memtable (keeps the max per id). FLOE_NOMEM. Single writer. */
int floe_memtable_note_producer(floe_memtable *m, uint64_t id, uint64_t seq, floe_err *err);

/* Committed rows (acquire load). */
uint64_t floe_memtable_rows(const floe_memtable *m);
/* Bytes held: values of committed rows + string bytes + validity bitmaps. */
uint64_t floe_memtable_bytes(const floe_memtable *m);
/* CLOCK_MONOTONIC milliseconds when the first row was appended; 0 if empty. */
int64_t floe_memtable_first_row_ms(const floe_memtable *m);
uint64_t floe_memtable_seq_lo(const floe_memtable *m);
uint32_t floe_memtable_ncols(const floe_memtable *m);
floe_type floe_memtable_type(const floe_memtable *m, uint32_t col);
/* Producers noted so far: borrowed array, stable only while no writer runs
 * (e.g. after the memtable is frozen). */
const floe_ingest_producer *floe_memtable_producers(const floe_memtable *m, uint32_t *out_n);

/* Per chunk and column: a superset summary of the values written, for
 * pruning. min/max are kept for BOOLEAN, INTEGER, DATE (imin/imax), BIGINT,
 * DECIMAL, TIMESTAMP (imin/imax) and DOUBLE (dmin/dmax, dropped after a
 * NaN): has_minmax says whether they are usable. */
typedef struct floe_memtable_stats {
    bool has_valid;  /* some value may be non-NULL */
    bool has_null;   /* some value may be NULL */
    bool has_minmax;
    int64_t imin, imax;
    double dmin, dmax;
} floe_memtable_stats;

/* The writer is done with m (the shard froze it): every chunk's statistics
 * become final. */
void floe_memtable_freeze(floe_memtable *m);
/* Statistics of column `col` of chunk `chunk`, given a count `rows` the
 * caller loaded with floe_memtable_rows: false while the chunk is still
 * being written (partial at `rows` and m not frozen). */
bool floe_memtable_chunk_stats(const floe_memtable *m, uint64_t chunk, uint32_t col,
                               uint64_t rows, floe_memtable_stats *out);

/* Chunks needed to hold `rows` rows. */
static inline uint64_t floe_memtable_nchunks(uint64_t rows)
{
    return (rows + FLOE_VEC_SIZE - 1) / FLOE_VEC_SIZE;
}
/* Borrow column `col` of chunk `chunk` as a vector of `n` rows (n <= the rows
 * of that chunk below a count the caller loaded with floe_memtable_rows).
 * The data is borrowed; out->validity is the chunk's own bitmap (may be
 * NULL = all valid), safe to read only when the chunk is full at the loaded
 * count; for a partial chunk use floe_memtable_copy_validity instead. */
void floe_memtable_chunk_vec(const floe_memtable *m, uint64_t chunk, uint32_t col, uint32_t n,
                             floe_vec *out);
/* Copy the validity words of rows [0, n) of a chunk column into
 * dst[FLOE_BITMAP_WORDS(n)] with atomic loads; returns false (dst untouched)
 * when the column had no NULL bitmap, meaning all those rows are valid. */
bool floe_memtable_copy_validity(const floe_memtable *m, uint64_t chunk, uint32_t col, uint32_t n,
                                 uint64_t *dst);
/* Load one value (row < a count loaded with floe_memtable_rows). */
void floe_memtable_get(const floe_memtable *m, uint64_t row, uint32_t col, floe_value *out);

#endif
