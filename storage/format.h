/* storage/format.h: every on-disk constant of floe's column files and parts.
 *
 * One place for magic numbers, versions, sizes and flag bits (LevelDB's
 * format.h style); doc/format.md describes the byte layout they belong to.
 * All multi-byte integers on disk are little-endian; floe targets
 * little-endian hosts and stores them with memcpy. Changing any value here
 * changes the file format: bump the matching *_VERSION.
 */
#ifndef FLOE_STORAGE_FORMAT_H
#define FLOE_STORAGE_FORMAT_H

/* ---- column file: <part dir>/c<column id>.col ---- */
#define FLOE_COL_MAGIC 0x4c4f4346u /* "FCOL" */
#define FLOE_COL_VERSION 2
/* header: magic u32, version u16, type id u8, precision u8, scale u8,
 * reserved u8[3], column id u32, checksum u32 of the first 16 bytes */
#define FLOE_COL_HEADER_SIZE 20
/* trailer: footer offset u64, footer size u32, footer checksum u32, magic u32 */
#define FLOE_COL_TRAILER_SIZE 20
/* footer: nblocks u32, total rows u64, then one entry per block */
#define FLOE_COL_FOOTER_FIXED 12
/* block entry: offset u64, stored u32, raw u32, rows u32, nulls u32,
 * checksum u32, encoding u8, flags u8, then min/max (see doc/format.md) */
#define FLOE_COL_ENTRY_FIXED 30

/* block entry flags */
#define FLOE_BLOCK_LZ4 0x01        /* stored bytes are LZ4 of the raw body */
#define FLOE_BLOCK_MINMAX 0x02     /* min and max are present */
#define FLOE_BLOCK_MIN_TRUNC 0x04  /* VARCHAR min is a strict prefix of the real min */
#define FLOE_BLOCK_MAX_TRUNC 0x08  /* VARCHAR max is a strict prefix of the real max */
#define FLOE_BLOCK_ZSTD 0x10       /* stored bytes are one zstd frame of the raw body */

/* Rows per block: the writer's default and the hard limit. */
#define FLOE_BLOCK_ROWS_DEFAULT 65536u
#define FLOE_BLOCK_ROWS_MAX 65536u
/* VARCHAR min/max statistics keep at most this many bytes. */
#define FLOE_STAT_PREFIX 32u
/* LZ4 or zstd is kept only when it saves at least 1/FLOE_LZ4_MIN_SAVING_DIV of the raw body. */
#define FLOE_LZ4_MIN_SAVING_DIV 10
/* Blocks of 8-byte values in FOR, DELTA or ALP are decoded a vector at a time
 * (encode.h floe_decode_stream) unless LZ4 makes the scan decompress the
 * whole block first; there LZ4 is kept only when it saves at least half. */
#define FLOE_LZ4_MIN_SAVING_DIV_STREAMED 2
/* zstd level the writer uses (VARCHAR blocks only; see doc/format.md). */
#define FLOE_ZSTD_LEVEL 3

/* ---- encoding ids (stored in block entries; never renumber) ---- */
#define FLOE_ENC_PLAIN 0
#define FLOE_ENC_DICT 1
#define FLOE_ENC_RLE 2
#define FLOE_ENC_FOR 3
#define FLOE_ENC_DELTA 4
#define FLOE_ENC_ALP 5
#define FLOE_ENC_COUNT 6
/* DICT: at most this many distinct values per block */
#define FLOE_DICT_MAX 65536u
/* ALP: largest decimal exponent tried */
#define FLOE_ALP_MAX_EXP 15

/* ---- part manifest: <part dir>/part.meta ---- */
#define FLOE_PART_MAGIC 0x54525046u /* "FPRT" */
#define FLOE_PART_VERSION 1
#define FLOE_PART_META_NAME "part.meta"
/* fixed part: magic u32, version u16, reserved u16, part id i64, rows u64,
 * nblocks u32, ncols u32; then ncols x 8 bytes, nblocks x u32, checksum u32 */
#define FLOE_PART_META_FIXED 32

#endif
