/* storage/compress.h: LZ4 and zstd around a block's encoded body.
 *
 * Purpose: the last, general-purpose layer of a column block (after the
 * validity bitmap and the lightweight encoding of storage/encode.h): the
 * writer's policy for whether a block is stored raw, as LZ4 or as one zstd
 * frame (block flags FLOE_BLOCK_LZ4 / FLOE_BLOCK_ZSTD, doc/format.md), and
 * the reader's decompression. The only user of <lz4.h> and <zstd.h>.
 *
 * Policy (floe_compress_block): mode 0 stores raw; otherwise bodies of at
 * least 64 bytes are LZ4-compressed, mode 1 keeping LZ4 whenever it
 * succeeds, mode -1 only when it saves 1/FLOE_LZ4_MIN_SAVING_DIV (1/2 for
 * blocks that would be decoded a vector at a time, floe_encode_streams);
 * under mode -1 VARCHAR bodies also try zstd (FLOE_ZSTD_LEVEL), kept when
 * smaller than the LZ4 result and within the same saving bound.
 *
 * Ownership: a floe_compressor owns its scratch buffers and zstd context
 * (created on first use); the stored bytes it returns borrow its buffers
 * until the next call or floe_compressor_free. zstd allocates through
 * floe_malloc (OOM tests reach it). Thread-safety: one compressor per
 * writer; floe_decompress_block is reentrant.
 */
#ifndef FLOE_STORAGE_COMPRESS_H
#define FLOE_STORAGE_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "storage/encode.h"

typedef struct floe_compressor {
    floe_encbuf lz, zs; /* LZ4 and zstd output */
    void *zctx;         /* ZSTD_CCtx, created on the first VARCHAR block */
} floe_compressor;

/* Choose how to store body[0, len) of a block of type t in encoding enc
 * under `mode` (above): *out_stored / *out_len are the bytes to write (body
 * itself or the compressor's buffer) and *io_flags gains FLOE_BLOCK_LZ4 or
 * FLOE_BLOCK_ZSTD. FLOE_NOMEM. */
int floe_compress_block(floe_compressor *c, floe_type t, int enc, int mode, const uint8_t *body,
                        size_t len, const uint8_t **out_stored, size_t *out_len,
                        uint8_t *io_flags, floe_err *err);
/* Free the compressor's buffers and context (c itself is the caller's). */
void floe_compressor_free(floe_compressor *c);

/* Decompress st[0, stored) (flags has FLOE_BLOCK_LZ4 or FLOE_BLOCK_ZSTD)
 * into exactly raw[0, rawlen). FLOE_OK, FLOE_NOMEM, or FLOE_CORRUPT when the
 * data is not a valid stream of exactly rawlen bytes; sets no message (the
 * caller knows the file and block). */
int floe_decompress_block(uint8_t flags, const uint8_t *st, size_t stored, uint8_t *raw,
                          size_t rawlen);

#endif
