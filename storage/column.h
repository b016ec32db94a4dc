/* storage/column.h: one column file of a part (c<column id>.col).
 *
 * Purpose: write a column as a sequence of independently decodable blocks
 * (header, blocks, footer with the block index, fixed trailer; layout in
 * doc/format.md) and read blocks back by index. Each block body is an
 * optional validity bitmap followed by encoded values (storage/encode.h),
 * LZ4- or (VARCHAR only) zstd-compressed when that saves at least 10%,
 * whichever is smaller; every block carries a
 * checksum of its stored bytes that the reader verifies before decoding.
 *
 * Invariants: a reader never returns values from a block whose checksum,
 * sizes or encoding do not verify: it returns FLOE_CORRUPT with a message
 * naming the file and block ("part-12/c3.col: block 5: checksum mismatch").
 *
 * Ownership: writer and reader own their file descriptors. Block statistics
 * returned by floe_column_reader_block point into the reader (VARCHAR
 * min/max bytes too) and stay valid until floe_column_reader_close.
 *
 * Thread-safety: a writer has one owner. A reader is immutable after open;
 * its read functions use pread and private buffers, so any number of threads
 * may read blocks of one reader at once.
 */
#ifndef FLOE_STORAGE_COLUMN_H
#define FLOE_STORAGE_COLUMN_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/encode.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

/* One block's index entry and statistics. */
typedef struct floe_block_info {
    uint64_t offset;   /* bytes from the file start */
    uint32_t stored;   /* bytes on disk */
    uint32_t raw;      /* bytes of the body before LZ4/zstd */
    uint32_t rows;     /* values in the block */
    uint32_t nulls;    /* NULL values among them */
    uint32_t checksum; /* floe_checksum32 of the stored bytes */
    uint8_t encoding;  /* FLOE_ENC_* */
    uint8_t flags;     /* FLOE_BLOCK_* */
    floe_value min;    /* valid when flags & FLOE_BLOCK_MINMAX; VARCHAR may be a prefix */
    floe_value max;
} floe_block_info;

typedef struct floe_column_writer floe_column_writer;
typedef struct floe_column_reader floe_column_reader;

/* Create `path` (truncating) and write the header. FLOE_IOERR names the file. */
int floe_column_writer_open(const char *path, uint32_t col_id, floe_type type,
                            floe_column_writer **out, floe_err *err);
/* Encode v's rows [0, v->n) (v->n <= FLOE_BLOCK_ROWS_MAX, no CONST flag) as
 * one block. `force_enc` is FLOE_ENC_AUTO or an encoding id; `lz4` is -1
 * (auto: LZ4, and zstd for VARCHAR, kept when smaller by 10%), 0 (never
 * compress) or 1 (always LZ4). */
int floe_column_writer_add(floe_column_writer *w, const floe_vec *v, int force_enc, int lz4,
                           floe_err *err);
/* Write footer and trailer, fsync and close. The writer is freed either way. */
int floe_column_writer_finish(floe_column_writer *w, floe_err *err);
/* Close without finishing (the caller removes the file). NULL ok. */
void floe_column_writer_abort(floe_column_writer *w);
/* Running totals: file bytes so far, rows, NULLs, blocks written. */
uint64_t floe_column_writer_bytes(const floe_column_writer *w);
uint32_t floe_column_writer_nblocks(const floe_column_writer *w);
/* Block i's entry as written (min/max VARCHAR bytes owned by the writer). */
const floe_block_info *floe_column_writer_block(const floe_column_writer *w, uint32_t i);

/* Open `path`, check header and trailer, load the footer. `name` is how
 * errors call the file ("part-12/c3.col"). Type and column id must match the
 * header (else FLOE_CORRUPT). A missing file is FLOE_IOERR. */
int floe_column_reader_open(const char *path, const char *name, uint32_t col_id, floe_type type,
                            floe_column_reader **out, floe_err *err);
void floe_column_reader_close(floe_column_reader *r); /* NULL ok */
uint32_t floe_column_reader_nblocks(const floe_column_reader *r);
uint64_t floe_column_reader_rows(const floe_column_reader *r);
uint64_t floe_column_reader_file_bytes(const floe_column_reader *r);
const floe_block_info *floe_column_reader_block(const floe_column_reader *r, uint32_t b);
/* Decode block b into *out (zeroed or freed by the caller; initialised here
 * with cap = max(rows, 1)). VARCHAR bytes live in out->heap (owned by the
 * vector). On failure *out is left freed. */
int floe_column_reader_read(const floe_column_reader *r, uint32_t b, floe_vec *out,
                            floe_err *err);
/* For a DICT block: codes (an INTEGER vector of uint32 codes < dict->n, with
 * the block's validity) and the dictionary. FLOE_NOTFOUND (and nothing
 * allocated) when the block is not dictionary-encoded. */
int floe_column_reader_read_dict(const floe_column_reader *r, uint32_t b, floe_vec *codes,
                                 floe_vec *dict, floe_err *err);

/* Reading block b one vector at a time, in order. The block is read,
 * checksummed, decompressed and its header checked at open; values are then
 * decoded per call into the cursor's L1-sized buffer when the encoding
 * streams (encode.h floe_decode_stream), else the whole block is decoded at
 * open and calls hand out slices of it. The cursor owns its buffers. */
typedef struct floe_block_cursor floe_block_cursor;
int floe_column_reader_open_block(const floe_column_reader *r, uint32_t b, floe_block_cursor **out,
                                  floe_err *err);
/* Rows [from, from + m) of the block: from a multiple of FLOE_VEC_SIZE and
 * at or after the previous call's end, m <= FLOE_VEC_SIZE. *data (physical
 * layout) and *validity (NULL: all valid; bit 0 is row `from`) are valid
 * until the next call or the free. */
void floe_block_cursor_read(floe_block_cursor *c, uint32_t from, uint32_t m, const void **data,
                            const uint64_t **validity);
void floe_block_cursor_free(floe_block_cursor *c);

#endif
