/* storage/enc.h: what the encoding files (storage/enc_*.c) share.
 *
 * Purpose: the seam between the encoding framework (storage/encode.c: the
 * table of encodings, dispatch, block statistics, bit packing) and the
 * encodings themselves, one file each with its encoder AND decoder:
 *   enc_plain.c  PLAIN   enc_dict.c  DICT    enc_rle.c  RLE
 *   enc_for.c    FOR     enc_delta.c DELTA   enc_alp.c  ALP
 * An encoding is one floe_enc_ops entry in encode.c's table (indexed by its
 * FLOE_ENC_* id from storage/format.h); floe_encode_values,
 * floe_decode_values and the decode streams dispatch through that table and
 * nowhere else names an encoding. Byte layouts: doc/format.md.
 *
 * Encoding protocol, for one block: encode.c fills a floe_enc_block (widened
 * values and one pass of statistics, or normalised strings), calls plan() of
 * every candidate (auto) or of the forced encoding, picks the smallest size,
 * calls write() of the winner once, and release() of every encoding whose
 * plan() ran. write() is only ever called after plan() of the same encoding
 * on the same block, so plan() may leave what write() needs in
 * b->plan[id] (plain numbers, or an allocation in .state freed by release()).
 *
 * Invariants: decoders check every count, width, code and position against
 * their input (rd_* below) before touching memory and report FLOE_CORRUPT.
 * Ownership: as storage/encode.h; plan state belongs to the block.
 * Thread-safety: everything is reentrant.
 */
#ifndef FLOE_STORAGE_ENC_H
#define FLOE_STORAGE_ENC_H

#include <string.h>

#include "storage/encode.h"

#define CORRUPT(...) floe_err_set(err, FLOE_CORRUPT, __VA_ARGS__)

/* ---------------------------------------------------------- appending */

/* Append to b (the caller reserved the room with floe_encode_buf_reserve). */
static inline void put_bytes(floe_encbuf *b, const void *p, size_t n)
{
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
static inline void put_u8(floe_encbuf *b, uint8_t v) { put_bytes(b, &v, 1); }
static inline void put_u32(floe_encbuf *b, uint32_t v) { put_bytes(b, &v, 4); }
static inline void put_u64(floe_encbuf *b, uint64_t v) { put_bytes(b, &v, 8); }

/* ------------------------------------------------------------ reading */

/* Bounds-checked reader over a block's bytes; each call returns 0 (and
 * reads nothing) when fewer bytes than it needs are left. */
typedef struct rd {
    const uint8_t *p;
    size_t len, off;
} rd;

static inline int rd_take(rd *r, size_t n, const uint8_t **out)
{
    if (n > r->len - r->off) return 0;
    *out = r->p + r->off;
    r->off += n;
    return 1;
}
static inline int rd_u8(rd *r, uint8_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 1, &q)) return 0;
    *v = *q;
    return 1;
}
static inline int rd_u32(rd *r, uint32_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 4, &q)) return 0;
    memcpy(v, q, 4);
    return 1;
}
static inline int rd_u64(rd *r, uint64_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 8, &q)) return 0;
    memcpy(v, q, 8);
    return 1;
}

/* ------------------------------------------------------------- values */

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Bits needed for values 0..range. */
static inline uint32_t bits_for(uint64_t range)
{
    return range ? (uint32_t)(64 - __builtin_clzll(range)) : 0;
}

static inline bool valid_at(const uint64_t *validity, uint32_t i)
{
    return validity == NULL || ((validity[i >> 6] >> (i & 63)) & 1);
}

/* Bytes per value of the types the integer encodings handle (widened to
 * int64); 0 for VARCHAR and INTERVAL. */
static inline int phys_width(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return 1;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return 4;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DOUBLE: return 8;
    default: return 0;
    }
}

/* Integer-like: every phys_width type but DOUBLE (FOR and DELTA apply). */
static inline bool is_intlike(floe_type t)
{
    return phys_width(t) != 0 && t.id != FLOE_TYPE_DOUBLE;
}

/* --------------------------------------------------- the block encoder */

/* One block being encoded (filled by encode.c, read by plan/write). */
typedef struct floe_enc_block {
    floe_type t;
    const void *data;          /* the input, t's physical layout */
    const uint64_t *validity;  /* NULL = all valid */
    uint32_t n;                /* rows, > 0 for integer-like blocks */
    int force;                 /* FLOE_ENC_AUTO or the forced encoding id */
    /* phys_width types: */
    int64_t *v;                /* n values as int64 (DOUBLE: bit patterns), NULL slots
                                * filled from a neighbour; write() may overwrite them */
    int64_t min, max;          /* of v */
    int64_t dmin, dmax;        /* of v[i] - v[i-1] (mod 2^64); 0 when n < 2 */
    uint32_t runs;             /* runs of equal values in v */
    /* VARCHAR: */
    const floe_string *s;      /* n strings, NULL slots the previous valid one */
    /* per-encoding state from plan() for write(); indexed by encoding id */
    struct {
        uint64_t factor;       /* FOR/DELTA: common factor */
        uint32_t width;        /* FOR/DELTA: bit width */
        void *state;           /* ALP/DICT: allocation freed by release() */
    } plan[FLOE_ENC_COUNT];
} floe_enc_block;

/* One encoding: a row of encode.c's table. */
typedef struct floe_enc_ops {
    int id;           /* FLOE_ENC_*: its index in the table and its byte on disk */
    const char *name; /* floe_encode_name */
    /* Whether it can represent type t. */
    bool (*applies)(floe_type t);
    /* Estimate the block's encoded size into *out_size (SIZE_MAX: do not
     * choose it; only honoured under auto), given `best`, the smallest
     * estimate so far. May keep state in b->plan[id]. FLOE_NOMEM. */
    int (*plan)(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err);
    /* Append the encoded block to out. FLOE_NOMEM (out may hold a part). */
    int (*write)(floe_enc_block *b, floe_encbuf *out, floe_err *err);
    /* Free b->plan[id].state (NULL when plan() keeps none). */
    void (*release)(floe_enc_block *b);
    /* Decode n values of type t (applies(t) holds) from in[0, len) into out,
     * as floe_decode_values. FLOE_CORRUPT or FLOE_NOMEM. */
    int (*decode)(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                  floe_arena *strings, floe_err *err);
    /* Vector-at-a-time decoding of 64-bit values (NULL: none): open checks the
     * whole block as floe_decode_stream_init; read as floe_decode_stream_read. */
    int (*stream_open)(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                       floe_err *err);
    void (*stream_read)(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out);
} floe_enc_ops;

/* The encodings (enc_*.c), listed by encode.c's table. */
#define FLOE_ENC_DECLARE(x)                                                                    \
    bool floe_enc_##x##_applies(floe_type t);                                                  \
    int floe_enc_##x##_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err);  \
    int floe_enc_##x##_write(floe_enc_block *b, floe_encbuf *out, floe_err *err);              \
    int floe_enc_##x##_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n,         \
                              void *out, floe_arena *strings, floe_err *err);
FLOE_ENC_DECLARE(plain)
FLOE_ENC_DECLARE(dict)
FLOE_ENC_DECLARE(rle)
FLOE_ENC_DECLARE(for)
FLOE_ENC_DECLARE(delta)
FLOE_ENC_DECLARE(alp)
#undef FLOE_ENC_DECLARE
void floe_enc_dict_release(floe_enc_block *b);
void floe_enc_alp_release(floe_enc_block *b);
int floe_enc_for_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                             floe_err *err);
void floe_enc_for_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out);
int floe_enc_delta_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                               floe_err *err);
void floe_enc_delta_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out);
int floe_enc_alp_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                             floe_err *err);
void floe_enc_alp_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out);

/* ------------------------------ shared primitives (defined in encode.c) */

/* Pack (v[0,n) - base) / factor with width w and append. FLOE_NOMEM. */
int floe_enc_put_packed(floe_encbuf *out, const int64_t *v, uint32_t n, uint64_t base,
                        uint64_t factor, uint32_t w, floe_err *err);
/* Read a u8 width (at most maxw) and take the bytes of n packed values.
 * FLOE_CORRUPT. */
int floe_enc_take_packed(rd *r, uint32_t n, uint32_t maxw, uint8_t *w, const uint8_t **q,
                         floe_err *err);
/* Read a u8 width and n packed values at `base` into out64. FLOE_CORRUPT. */
int floe_enc_get_packed(rd *r, uint32_t n, uint64_t base, uint32_t maxw, uint64_t *out64,
                        floe_err *err);
/* floe_encode_bitunpack of n values at `in`, where `avail` >= their packed
 * size bytes may be read (more lets more groups take the fast path). */
void floe_enc_unpack_avail(const uint8_t *in, size_t avail, uint32_t n, uint32_t w, uint64_t base,
                           uint64_t *out);
/* The largest g dividing every v[i] - base (mod 2^64), or for deltas
 * (`delta`) every v[i] - v[i-1] - base; 1 when there is none above 1. */
uint64_t floe_enc_common_factor(const int64_t *v, uint32_t n, uint64_t base, bool delta);
/* Narrow n int64 to t's 1- or 4-byte layout. */
void floe_enc_narrow(floe_type t, const int64_t *v, uint32_t n, void *out);
/* Decode through an int64 decoder: straight into 8-byte outputs, through a
 * scratch array narrowed for smaller types. FLOE_NOMEM or decode's code. */
int floe_enc_decode_ints(floe_type t,
                         int (*decode)(const uint8_t *in, size_t len, uint32_t n, int64_t *out,
                                       floe_err *err),
                         const uint8_t *in, size_t len, uint32_t n, void *out, floe_err *err);

/* Streams (FOR, DELTA, ALP): the packed values after the header. Checks
 * s->factor != 0, takes the width and npacked values (s->w, q, qlen). */
int floe_enc_stream_packed(floe_decode_stream *s, rd *r, uint32_t npacked, floe_err *err);
/* Unpack packed values [from, from + m) (from a multiple of 8) as
 * base + x * factor. */
void floe_enc_stream_unpack(const floe_decode_stream *s, uint32_t from, uint32_t m,
                            uint64_t *out);

/* VARCHAR lengths (PLAIN and DICT): u32 base, u8 width, packed len - base. */
int floe_enc_put_lengths(floe_encbuf *out, const floe_string *s, uint32_t n, floe_err *err);
size_t floe_enc_lengths_size(const floe_string *s, uint32_t n);
/* Read n lengths into lens and their sum into *total. FLOE_CORRUPT. */
int floe_enc_get_lengths(rd *r, uint32_t n, uint64_t *lens, uint64_t *total, floe_err *err);
/* Take `total` bytes from r, copy them into `strings` and point out[0, n)
 * at them. FLOE_CORRUPT or FLOE_NOMEM. */
int floe_enc_take_strings(rd *r, const uint64_t *lens, uint32_t n, uint64_t total,
                          floe_arena *strings, floe_string *out, floe_err *err);

#endif
