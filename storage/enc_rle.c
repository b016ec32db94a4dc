/* storage/enc_rle.c: RLE (encoding 2): (value, run length) pairs.
 *
 * Layout: u32 runs r; r x i64 values; r x u32 run lengths (they sum to n).
 * Applies to the 1/4/8-byte types (widened to int64; DOUBLE as its bit
 * pattern). Its size is exact from the block statistics' run count, so it
 * keeps no plan state. Layout: doc/format.md.
 */
#include "storage/enc.h"

bool floe_enc_rle_applies(floe_type t)
{
    return phys_width(t) != 0;
}

int floe_enc_rle_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    (void)best;
    (void)err;
    *out_size = 4 + (size_t)b->runs * 12;
    return FLOE_OK;
}

int floe_enc_rle_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    const int64_t *v = b->v;
    uint32_t i, start = 0, n = b->n;
    int rc = floe_encode_buf_reserve(out, 4 + (size_t)b->runs * 12, err);
    if (rc) return rc;
    put_u32(out, b->runs);
    for (i = 0; i < n; i++)
        if (i == 0 || v[i] != v[i - 1]) put_u64(out, (uint64_t)v[i]);
    for (i = 1; i <= n; i++) {
        if (i == n || v[i] != v[i - 1]) {
            put_u32(out, i - start);
            start = i;
        }
    }
    return FLOE_OK;
}

static int decode_i64(const uint8_t *in, size_t len, uint32_t n, int64_t *out, floe_err *err)
{
    rd r = {in, len, 0};
    const uint8_t *vals, *lens;
    uint32_t cnt, i, pos = 0;
    if (!rd_u32(&r, &cnt)) return CORRUPT("RLE header truncated");
    if (cnt > n) return CORRUPT("RLE: %u runs for %u rows", cnt, n);
    if (!rd_take(&r, (size_t)cnt * 8, &vals) || !rd_take(&r, (size_t)cnt * 4, &lens))
        return CORRUPT("RLE runs truncated");
    for (i = 0; i < cnt; i++) {
        uint32_t l, k;
        uint64_t val;
        memcpy(&l, lens + (size_t)i * 4, 4);
        memcpy(&val, vals + (size_t)i * 8, 8);
        if (l > n - pos) return CORRUPT("RLE runs exceed %u rows", n);
        for (k = 0; k < l; k++) out[pos + k] = (int64_t)val;
        pos += l;
    }
    if (pos != n) return CORRUPT("RLE runs cover %u of %u rows", pos, n);
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after rle data", r.len - r.off);
    return FLOE_OK;
}

int floe_enc_rle_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                        floe_arena *strings, floe_err *err)
{
    (void)strings;
    return floe_enc_decode_ints(t, decode_i64, in, len, n, out, err);
}
