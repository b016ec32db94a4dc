/* storage/encode.h: lightweight column encodings for one block of values.
 *
 * Purpose: turn up to FLOE_BLOCK_ROWS_MAX values of one floe_type into a
 * compact byte string and back. Encodings (ids in storage/format.h):
 *   PLAIN  values as laid out in memory (VARCHAR: bit-packed lengths, then
 *          bytes)
 *   DICT   per-block sorted dictionary + bit-packed codes (VARCHAR, 1/4/8-byte
 *          types; integer dictionaries store delta-packed values)
 *   RLE    (value, run length) pairs (1/4/8-byte types)
 *   FOR    frame of reference + common factor + bit-packing (integers,
 *          BOOLEAN, DATE, TIMESTAMP, DECIMAL)
 *   DELTA  first value + FOR-bit-packed deltas with a common factor (same
 *          types as FOR)
 *   ALP    DOUBLE as decimal integers v*10^e, FOR-bit-packed, plus a list of
 *          exceptions stored raw
 * The encoder estimates every applicable encoding from one pass of block
 * statistics and writes the smallest. LZ4/zstd over the result is the
 * column writer's business (storage/compress.h). Each encoding is one file,
 * storage/enc_<name>.c, registered in the table in storage/encode.c
 * (protocol: storage/enc.h).
 *
 * Invariants: decoders validate every count, length, bit width, code and
 * position against their input before touching memory, so hostile input
 * yields FLOE_CORRUPT and never an out-of-bounds access. NULL slots are
 * encoded as a neighbouring valid value; after decoding, their contents are
 * unspecified (the caller's validity bitmap says which rows are NULL).
 *
 * Ownership: callers own every buffer. VARCHAR decoding copies string bytes
 * into the arena it is given; the decoded floe_strings point there.
 * Thread-safety: all functions are reentrant; no global state except the
 * test hook below, which tests set before encoding starts.
 */
#ifndef FLOE_STORAGE_ENCODE_H
#define FLOE_STORAGE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/format.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

#define FLOE_ENC_AUTO (-1)

/* Growable byte buffer owned by its user (free with floe_encode_buf_free). */
typedef struct floe_encbuf {
    uint8_t *p;
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
} floe_encbuf;

/* Make room for `extra` more bytes. FLOE_NOMEM on failure (buffer unchanged). */
int floe_encode_buf_reserve(floe_encbuf *b, size_t extra, floe_err *err);
void floe_encode_buf_free(floe_encbuf *b);

/* Whether encoding `enc` can represent type t. */
bool floe_encode_applies(floe_type t, int enc);
/* Short name of an encoding ("plain", "dict", ...); "?" if unknown. */
const char *floe_encode_name(int enc);
/* Whether blocks of type t in encoding `enc` can be decoded a vector at a
 * time (floe_decode_stream_init accepts them; FOR, DELTA and ALP of 8-byte
 * types). */
bool floe_encode_streams(floe_type t, int enc);

/* Encode rows [0, n) of `data` (t's physical layout; validity NULL = all
 * valid) and append the bytes to `out`. `force` is FLOE_ENC_AUTO or an
 * encoding id that floe_encode_applies to t (else FLOE_MISUSE). Sets
 * *out_enc. FLOE_NOMEM on allocation failure. */
int floe_encode_values(floe_type t, const void *data, const uint64_t *validity, uint32_t n,
                       int force, floe_encbuf *out, uint8_t *out_enc, floe_err *err);

/* Decode n values encoded with `enc` from in[0, len) into `out` (room for n
 * values of t's physical layout). VARCHAR bytes are copied into `strings`.
 * FLOE_CORRUPT (message says what is wrong) or FLOE_NOMEM. */
int floe_decode_values(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                       void *out, floe_arena *strings, floe_err *err);

/* Decoding a block's values a range at a time, in order, so that a scan
 * decodes each 2048-row vector into a buffer that stays in L1 instead of
 * the whole block into memory first. Streams exist for the 8-byte types
 * (BIGINT, TIMESTAMP, DECIMAL, DOUBLE) in FOR, DELTA and ALP; the header,
 * sizes and exception positions are all checked at init, so next() cannot
 * fail. The stream borrows `in`, which must outlive it. */
typedef struct floe_decode_stream {
    int enc;
    uint32_t n, pos;    /* values in the block; next value to produce */
    const uint8_t *q;   /* bit-packed values */
    size_t qlen;
    uint8_t w;          /* bit width */
    uint64_t base, factor; /* FOR/DELTA: x -> base + x * factor; ALP: x -> base + x */
    uint64_t acc;       /* DELTA: the value before pos */
    double p;           /* ALP: 10^e */
    const uint8_t *xpos, *xval; /* ALP exceptions: ascending u32 positions, 8-byte values */
    uint32_t nexc, xi;  /* exceptions; first one at or after pos */
} floe_decode_stream;

/* Prepare a stream over the n values of an `enc` block of type t in
 * in[0, len). FLOE_NOTFOUND when the block cannot be streamed (decode it
 * whole with floe_decode_values), FLOE_CORRUPT as floe_decode_values. */
int floe_decode_stream_init(floe_decode_stream *s, floe_type t, int enc, const uint8_t *in,
                            size_t len, uint32_t n, floe_err *err);
/* Write values [from, from + m) into out (8-byte values); from >= the end of
 * the previous call and a multiple of 8, from + m <= n. Skipped DELTA
 * values are still summed (into `out`, which needs room for max(m, 2048)). */
void floe_decode_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, void *out);

/* For a DICT block: write the n codes into codes[0, n) and the dictionary
 * into `dict` (a zeroed vector; initialised here with the dictionary's
 * values, VARCHAR bytes in dict->heap). Every code is < dict->n. Free dict
 * with floe_vec_free. FLOE_CORRUPT, FLOE_NOMEM, FLOE_MISUSE if enc != DICT. */
int floe_decode_dict(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                     uint32_t *codes, floe_vec *dict, floe_err *err);

/* Bit-packing primitives (exposed for tests and benchmarks). Values are
 * packed LSB first, w bits each (0..64), in ceil(n*w/8) bytes. */
size_t floe_encode_packed_size(uint32_t n, uint32_t w);
void floe_encode_bitpack(const uint64_t *v, uint32_t n, uint32_t w, uint8_t *out);
/* out[i] = base + value i, for i < n; `in` holds exactly
 * floe_encode_packed_size(n, w) readable bytes. */
void floe_encode_bitunpack(const uint8_t *in, uint32_t n, uint32_t w, uint64_t base,
                           uint64_t *out);

#endif
