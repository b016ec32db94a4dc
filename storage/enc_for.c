/* storage/enc_for.c: FOR (encoding 3): frame of reference + common factor
 * + bit-packing.
 *
 * Layout: i64 base (the minimum); u64 factor f >= 1 (the largest common
 * factor of v - base, e.g. microsecond timestamps that are whole
 * milliseconds); u8 width w; n values (v - base) / f, w bits each. Decodes
 * as base + x * f (mod 2^64). Applies to the integer-like types. FOR blocks
 * of 8-byte values are also decoded a vector at a time (stream). Layout:
 * doc/format.md.
 */
#include "storage/enc.h"

bool floe_enc_for_applies(floe_type t)
{
    return is_intlike(t);
}

int floe_enc_for_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    uint64_t f = floe_enc_common_factor(b->v, b->n, (uint64_t)b->min, false);
    (void)best;
    (void)err;
    b->plan[FLOE_ENC_FOR].factor = f;
    b->plan[FLOE_ENC_FOR].width = bits_for(((uint64_t)b->max - (uint64_t)b->min) / f);
    /* one byte over the 17 of the header: kept, as it decides ties */
    *out_size = 18 + floe_encode_packed_size(b->n, b->plan[FLOE_ENC_FOR].width);
    return FLOE_OK;
}

int floe_enc_for_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    uint64_t f = b->plan[FLOE_ENC_FOR].factor;
    uint32_t w = b->plan[FLOE_ENC_FOR].width;
    int rc = floe_encode_buf_reserve(out, 17, err);
    if (rc) return rc;
    put_u64(out, (uint64_t)b->min);
    put_u64(out, f);
    put_u8(out, (uint8_t)w);
    return floe_enc_put_packed(out, b->v, b->n, (uint64_t)b->min, f, w, err);
}

int floe_enc_for_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                             floe_err *err)
{
    rd r = {in, len, 0};
    int rc;
    memset(s, 0, sizeof *s);
    s->enc = FLOE_ENC_FOR;
    s->n = n;
    if (!rd_u64(&r, &s->base) || !rd_u64(&r, &s->factor)) return CORRUPT("FOR header truncated");
    rc = floe_enc_stream_packed(s, &r, n, err);
    if (rc) return rc;
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after for data", r.len - r.off);
    return FLOE_OK;
}

void floe_enc_for_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out)
{
    floe_enc_stream_unpack(s, from, m, out);
    s->pos = from + m;
}

/* The whole block: the stream's checks and unpacking in one call. */
static int decode_i64(const uint8_t *in, size_t len, uint32_t n, int64_t *out, floe_err *err)
{
    floe_decode_stream s;
    int rc = floe_enc_for_stream_open(&s, in, len, n, err);
    if (rc) return rc;
    floe_enc_for_stream_read(&s, 0, n, (uint64_t *)out);
    return FLOE_OK;
}

int floe_enc_for_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                        floe_arena *strings, floe_err *err)
{
    (void)strings;
    return floe_enc_decode_ints(t, decode_i64, in, len, n, out, err);
}
