/* storage/part.h: immutable column parts (one directory, one file per column).
 *
 * Purpose: a part holds the rows of one flush or merge of a table as
 * <table_dir>/part-<id>/ with a manifest (part.meta: part id, rows, block
 * boundaries, column ids and types) and one column file c<colid>.col per
 * column (storage/column.h). All columns share the same block boundaries.
 *
 * Write protocol (crash-safe): files are written into part-<id>.tmp/, each
 * fsynced, the manifest written and fsynced, the directory fsynced, renamed
 * to part-<id>/, and the table directory fsynced. The part only becomes
 * visible when the caller commits it in the catalog (storage/catalog.h);
 * floe_part_gc, run at a writable open (never by a read-only handle: a
 * running writer's in-flight parts look the same), removes what a crash left.
 *
 * Reading: a reader opens a part against the table's current schema; a
 * schema column the manifest does not list (added by ALTER TABLE ADD COLUMN
 * after the part was written) reads as all NULL, while a listed column whose
 * file is missing or damaged is FLOE_CORRUPT naming the file.
 *
 * Ownership and thread-safety: a reader is reference counted (atomic): the
 * opener holds one reference; floe_part_reader_ref adds one and
 * floe_part_reader_unref drops one, freeing at zero. A reader is immutable
 * after open and all its read functions may run concurrently from any
 * threads. A writer has one owner.
 */
#ifndef FLOE_STORAGE_PART_H
#define FLOE_STORAGE_PART_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/column.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_part_column {
    uint32_t id;      /* table column id (stable across ALTER TABLE) */
    const char *name; /* for messages; may be NULL */
    floe_type type;
} floe_part_column;

typedef struct floe_part_schema {
    const floe_part_column *cols; /* borrowed */
    uint32_t ncols;
} floe_part_schema;

/* Per-column result of a finished part. */
typedef struct floe_part_col_info {
    uint32_t id;
    uint64_t bytes; /* file size */
    uint64_t nulls;
    bool has_minmax;       /* false when every value is NULL (or INTERVAL) */
    floe_value min, max;   /* VARCHAR bytes owned by the info (may be prefixes) */
    bool min_trunc, max_trunc; /* VARCHAR: min/max are strict prefixes */
} floe_part_col_info;

typedef struct floe_part_info {
    int64_t part_id;
    uint64_t rows;
    uint32_t nblocks;
    uint64_t bytes; /* all files of the part */
    uint32_t ncols;
    floe_part_col_info *cols; /* ncols, in schema order */
} floe_part_info;

/* Free what floe_part_writer_finish put into *info (not info itself). */
void floe_part_info_free(floe_part_info *info);

typedef struct floe_part_writer floe_part_writer;

/* "<table_dir>/part-<id>" into buf. Returns buf. */
const char *floe_part_dir(const char *table_dir, int64_t part_id, char *buf, size_t cap);

/* Start writing part `part_id` into <table_dir>/part-<id>.tmp/ (a stale one
 * is replaced). block_rows 0 means FLOE_BLOCK_ROWS_DEFAULT. The schema is
 * copied. */
int floe_part_writer_open(const char *table_dir, int64_t part_id, const floe_part_schema *schema,
                          uint32_t block_rows, floe_part_writer **out, floe_err *err);
/* Encode each block's columns on up to `nthreads` threads (the caller's
 * included; helpers are started per block and joined before the call that
 * completed the block returns). 0 or 1 (the default): the caller alone. The
 * bytes written are the same either way. */
void floe_part_writer_set_threads(floe_part_writer *w, uint32_t nthreads);
/* Test hooks: force an encoding (FLOE_ENC_AUTO by default) and the LZ4 mode
 * (-1 auto, 0 never, 1 always) for every following block. */
void floe_part_writer_set_encoding(floe_part_writer *w, int force_enc, int lz4);
/* Append the live rows of b (honours b->sel and CONST vectors); b's columns
 * are in schema order with the schema's types (else FLOE_TYPE). */
int floe_part_writer_append(floe_part_writer *w, const floe_batch *b, floe_err *err);
/* Like floe_part_writer_append, but instead of copying the strings of a
 * VARCHAR column into its own arena the writer takes that column's heap
 * (b->cols[c].heap becomes NULL) and frees it once every row of b is written.
 * Only for batches whose non-empty strings all live in their vector's heap
 * (as the CSV/JSON readers make them). */
int floe_part_writer_append_take(floe_part_writer *w, floe_batch *b, floe_err *err);
/* Write the last block, manifest, fsync everything, rename to part-<id>/,
 * fsync the table directory, fill *out_info (may be NULL) and free the
 * writer. On failure the temporary directory is removed and the writer freed. */
int floe_part_writer_finish(floe_part_writer *w, floe_part_info *out_info, floe_err *err);
/* Stop and remove the temporary directory. NULL ok. */
void floe_part_writer_abort(floe_part_writer *w);

/* Crash-safety steps, exposed for tests: stop after `step` (1: column files
 * written and fsynced, 2: manifest written, 3: renamed) leaving the disk as a
 * crash there would; the writer is freed. */
int floe_part_writer_crash_after(floe_part_writer *w, int step, floe_err *err);

typedef struct floe_part_reader floe_part_reader;

/* Open the part in directory `part_dir` for the table columns `schema`.
 * FLOE_CORRUPT/FLOE_IOERR name the file at fault. */
int floe_part_reader_open(const char *part_dir, const floe_part_schema *schema,
                          floe_part_reader **out, floe_err *err);
void floe_part_reader_ref(floe_part_reader *r);
void floe_part_reader_unref(floe_part_reader *r); /* NULL ok */

/* Delete vectors (DELETE/UPDATE, db/dml.c): a new reader of the same part
 * whose rows marked in `del` (FLOE_BITMAP_WORDS(rows) words, bit set = row
 * deleted, copied; NULL or ndel 0: none) are deleted. It shares the part's
 * files and decoded metadata with r (holding a reference on it) and is as
 * immutable as any reader: a query that holds r keeps seeing r's rows.
 * Block reads still return every row; scans (db/part_source.c) and merges
 * (floe_part_merge, db/maintain.c) skip the deleted ones, and statistics
 * (block min/max, null counts) still cover them, so they only bound the
 * live rows. FLOE_NOMEM. */
int floe_part_reader_with_deletes(floe_part_reader *r, const uint64_t *del, uint64_t ndel,
                                  floe_part_reader **out, floe_err *err);
/* The reader's delete vector (NULL when no row is deleted) and, in
 * *out_ndel (may be NULL), how many rows it deletes. Borrowed for the
 * reader's lifetime. */
const uint64_t *floe_part_reader_deletes(const floe_part_reader *r, uint64_t *out_ndel);

int64_t floe_part_reader_id(const floe_part_reader *r);
uint64_t floe_part_reader_rows(const floe_part_reader *r);
uint32_t floe_part_reader_nblocks(const floe_part_reader *r);
uint32_t floe_part_reader_ncols(const floe_part_reader *r);
floe_type floe_part_reader_col_type(const floe_part_reader *r, uint32_t col);
/* Rows in block b, and the part row number of its first row. */
uint32_t floe_part_reader_block_rows(const floe_part_reader *r, uint32_t b);
uint64_t floe_part_reader_block_start(const floe_part_reader *r, uint32_t b);
/* Whether schema column `col` exists in the part (false: it reads as NULL). */
bool floe_part_reader_has_col(const floe_part_reader *r, uint32_t col);
/* Statistics of block b of schema column `col`, borrowed until the reader
 * is freed. For a column the part lacks: rows = nulls = block rows, no min/max. */
const floe_block_info *floe_part_reader_block_info(const floe_part_reader *r, uint32_t col,
                                                   uint32_t b);
/* Decode block b of schema column `col` into *out (zeroed or freed by the
 * caller): an owned vector with cap = max(rows, 1), n = rows, VARCHAR bytes in
 * out->heap. Free with floe_vec_free. Checksum failures are FLOE_CORRUPT
 * ("part-12/c3.col: block 5: checksum mismatch"). */
int floe_part_read_block(const floe_part_reader *r, uint32_t col, uint32_t b, floe_vec *out,
                         floe_err *err);
/* Dictionary codes (INTEGER vector of uint32, with validity) and dictionary of
 * a DICT block, without decoding values. FLOE_NOTFOUND when the block is not
 * dictionary-encoded or the column is missing: use floe_part_read_block. */
int floe_part_read_dict(const floe_part_reader *r, uint32_t col, uint32_t b, floe_vec *codes,
                        floe_vec *dict, floe_err *err);
/* A cursor over block b of column col, read one vector at a time (see
 * column.h floe_block_cursor). FLOE_NOTFOUND (nothing allocated) when the
 * column is not in this part: use floe_part_read_block. */
int floe_part_open_block(const floe_part_reader *r, uint32_t col, uint32_t b, floe_block_cursor **out,
                         floe_err *err);

/* Merge: write part `new_id` in table_dir holding every row of src[0, n) in
 * order (part by part), with the columns of `schema` (a column a source part
 * lacks is written as NULL). Block boundaries are rebuilt at block_rows (0:
 * default). Rows a source's delete vector marks are left out (purged).
 * The sources are only read. Commit with
 * floe_catalog_replace_parts, then drop the old directories once no reader
 * uses them. On failure nothing is left on disk. */
int floe_part_merge(const char *table_dir, floe_part_reader *const *src, uint32_t n,
                    int64_t new_id, const floe_part_schema *schema, uint32_t block_rows,
                    floe_part_info *out_info, floe_err *err);

/* Open-time cleanup of <table_dir>. Part directories are classified from
 * the catalog's bookkeeping (storage/catalog.h): committed (kept), pending
 * (allocated, never committed: a crash during a flush or merge) and garbage
 * (removed from the catalog by a merge/TTL, directory not yet deleted).
 * part-*.tmp/, pending and garbage directories are removed. A finished
 * part directory that is none of the three is what a damaged catalog looks
 * like: FLOE_CORRUPT naming it and the catalog, and nothing is removed;
 * with quarantine_unknown (a catalog that predates the bookkeeping) it is
 * moved to <quarantine_dir>/ (a line added to its NOTE file, reported
 * through `warning`), never deleted. A committed part whose directory,
 * manifest or column files are missing is FLOE_CORRUPT, also before
 * anything is removed. A missing table_dir with no committed part is fine. */
typedef struct floe_part_gc_opts {
    const int64_t *committed;
    uint32_t ncommitted;
    const int64_t *pending;
    uint32_t npending;
    const int64_t *garbage;
    uint32_t ngarbage;
    bool quarantine_unknown;
    const char *quarantine_dir; /* needed with quarantine_unknown */
    const char *catalog_path;   /* for messages; may be NULL */
    void (*warning)(void *ctx, const char *msg); /* may be NULL */
    void *ctx;
} floe_part_gc_opts;
int floe_part_gc(const char *table_dir, const floe_part_gc_opts *o, floe_err *err);

#endif
