/* server/decode.h: bounded decompression of request bodies (Content-Encoding).
 *
 * Purpose: producers may send an ingest body compressed with
 * `Content-Encoding: gzip` (also `deflate`: zlib), `zstd` or `lz4` (the LZ4
 * frame format); `identity` or no header is the body as is. The decoded body
 * is bounded by `max_out` bytes: a body that would decode to more (a "zip
 * bomb") stops as soon as the bound is passed, having allocated at most
 * about max_out bytes, and is refused with 413. Concatenated frames (members)
 * are decoded in turn; trailing garbage, a truncated stream or a bad
 * checksum is 400.
 * Ownership: *out is malloc'ed for the caller (free), NUL-terminated (not
 * counted in *out_len). Thread-safety: stateless, any threads.
 */
#ifndef FLOE_SERVER_DECODE_H
#define FLOE_SERVER_DECODE_H

#include <stddef.h>

/* Decode in[0..len) per the Content-Encoding value enc (NULL = identity).
 * Returns 0 with *out and *out_len set, or the HTTP status to answer (400 bad
 * stream, 413 decoded size over max_out, 415 unknown encoding, 500 out of
 * memory) with a message in errbuf. For identity returns 0 and *out NULL:
 * the caller keeps its buffer. */
int floe_srv_decode(const char *enc, const char *in, size_t len, size_t max_out, char **out,
                    size_t *out_len, char *errbuf, size_t cap);

#endif
