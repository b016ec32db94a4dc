/* storage/enc_delta.c: DELTA (encoding 4): first value + FOR-bit-packed
 * deltas with a common factor.
 *
 * Layout: i64 first value; i64 delta base b (the smallest delta); u64 factor
 * f >= 1 (common factor of the deltas - b); u8 width w; n-1 values
 * (v[i] - v[i-1] - b) / f, w bits each. Applies to the integer-like types.
 * Decoding is a running sum; whole groups of 8 go through unpackers fused
 * with the sum (one per width, below), so its one-add chain overlaps the
 * unpacking. DELTA blocks of 8-byte values are also decoded a vector at a
 * time (stream), skipped vectors still summed. Layout: doc/format.md.
 */
#include "storage/enc.h"

bool floe_enc_delta_applies(floe_type t)
{
    return is_intlike(t);
}

int floe_enc_delta_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    uint64_t f = floe_enc_common_factor(b->v, b->n, (uint64_t)b->dmin, true);
    (void)best;
    (void)err;
    b->plan[FLOE_ENC_DELTA].factor = f;
    b->plan[FLOE_ENC_DELTA].width = bits_for(((uint64_t)b->dmax - (uint64_t)b->dmin) / f);
    *out_size = 25 + floe_encode_packed_size(b->n - 1, b->plan[FLOE_ENC_DELTA].width);
    return FLOE_OK;
}

int floe_enc_delta_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    int64_t *v = b->v;
    uint64_t f = b->plan[FLOE_ENC_DELTA].factor;
    uint32_t w = b->plan[FLOE_ENC_DELTA].width, i;
    int rc = floe_encode_buf_reserve(out, 25, err);
    if (rc) return rc;
    put_u64(out, (uint64_t)v[0]);
    put_u64(out, (uint64_t)b->dmin);
    put_u64(out, f);
    put_u8(out, (uint8_t)w);
    /* deltas in place, back to front (the block's values are not needed after) */
    for (i = b->n - 1; i > 0; i--) v[i] = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);
    return floe_enc_put_packed(out, v + 1, b->n - 1, (uint64_t)b->dmin, f, w, err);
}

/* Unpack and prefix-sum in one pass: out[k] = acc + sum of (base + x_i) for
 * i <= k, over ng groups of 8 values of W bits; returns the running sum.
 * DELTA blocks decode through these, so the sum's one-add chain overlaps
 * the unpacking instead of taking a pass of its own. */
typedef uint64_t (*unpack_delta_fn)(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base,
                                    uint64_t acc);
#define FLOE_UNPACK_DELTA(W)                                                                   \
    static uint64_t unpackd_##W(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base,   \
                                uint64_t acc)                                                 \
    {                                                                                          \
        const uint64_t mask = (1ULL << W) - 1;                                                 \
        size_t g;                                                                              \
        int j;                                                                                 \
        for (g = 0; g < ng; g++, in += W, out += 8)                                            \
            for (j = 0; j < 8; j++) {                                                          \
                acc += base + ((load64(in + (j * W) / 8) >> ((j * W) % 8)) & mask);            \
                out[j] = acc;                                                                  \
            }                                                                                  \
        return acc;                                                                            \
    }
FLOE_UNPACK_DELTA(1) FLOE_UNPACK_DELTA(2) FLOE_UNPACK_DELTA(3) FLOE_UNPACK_DELTA(4) FLOE_UNPACK_DELTA(5) FLOE_UNPACK_DELTA(6) FLOE_UNPACK_DELTA(7) FLOE_UNPACK_DELTA(8) FLOE_UNPACK_DELTA(9) FLOE_UNPACK_DELTA(10) FLOE_UNPACK_DELTA(11) FLOE_UNPACK_DELTA(12) FLOE_UNPACK_DELTA(13) FLOE_UNPACK_DELTA(14) FLOE_UNPACK_DELTA(15) FLOE_UNPACK_DELTA(16) FLOE_UNPACK_DELTA(17) FLOE_UNPACK_DELTA(18) FLOE_UNPACK_DELTA(19) FLOE_UNPACK_DELTA(20) FLOE_UNPACK_DELTA(21) FLOE_UNPACK_DELTA(22) FLOE_UNPACK_DELTA(23) FLOE_UNPACK_DELTA(24) FLOE_UNPACK_DELTA(25) FLOE_UNPACK_DELTA(26) FLOE_UNPACK_DELTA(27) FLOE_UNPACK_DELTA(28) FLOE_UNPACK_DELTA(29) FLOE_UNPACK_DELTA(30) FLOE_UNPACK_DELTA(31) FLOE_UNPACK_DELTA(32) FLOE_UNPACK_DELTA(33) FLOE_UNPACK_DELTA(34) FLOE_UNPACK_DELTA(35) FLOE_UNPACK_DELTA(36) FLOE_UNPACK_DELTA(37) FLOE_UNPACK_DELTA(38) FLOE_UNPACK_DELTA(39) FLOE_UNPACK_DELTA(40) FLOE_UNPACK_DELTA(41) FLOE_UNPACK_DELTA(42) FLOE_UNPACK_DELTA(43) FLOE_UNPACK_DELTA(44) FLOE_UNPACK_DELTA(45) FLOE_UNPACK_DELTA(46) FLOE_UNPACK_DELTA(47) FLOE_UNPACK_DELTA(48) FLOE_UNPACK_DELTA(49) FLOE_UNPACK_DELTA(50) FLOE_UNPACK_DELTA(51) FLOE_UNPACK_DELTA(52) FLOE_UNPACK_DELTA(53) FLOE_UNPACK_DELTA(54) FLOE_UNPACK_DELTA(55) FLOE_UNPACK_DELTA(56)
#undef FLOE_UNPACK_DELTA

static const unpack_delta_fn delta_unpackers[57] = {
    NULL, unpackd_1, unpackd_2, unpackd_3, unpackd_4, unpackd_5, unpackd_6, unpackd_7, unpackd_8, unpackd_9, unpackd_10, unpackd_11, unpackd_12, unpackd_13, unpackd_14, unpackd_15, unpackd_16, unpackd_17, unpackd_18, unpackd_19, unpackd_20, unpackd_21, unpackd_22, unpackd_23, unpackd_24, unpackd_25, unpackd_26, unpackd_27, unpackd_28, unpackd_29, unpackd_30, unpackd_31, unpackd_32, unpackd_33, unpackd_34, unpackd_35, unpackd_36, unpackd_37, unpackd_38, unpackd_39, unpackd_40, unpackd_41, unpackd_42, unpackd_43, unpackd_44, unpackd_45, unpackd_46, unpackd_47, unpackd_48, unpackd_49, unpackd_50, unpackd_51, unpackd_52, unpackd_53, unpackd_54, unpackd_55, unpackd_56};

int floe_enc_delta_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                               floe_err *err)
{
    rd r = {in, len, 0};
    int rc;
    memset(s, 0, sizeof *s);
    s->enc = FLOE_ENC_DELTA;
    s->n = n;
    if (!rd_u64(&r, &s->acc) || !rd_u64(&r, &s->base) || !rd_u64(&r, &s->factor))
        return CORRUPT("delta header truncated");
    if (n == 0)
        return r.off == r.len ? FLOE_OK
                              : CORRUPT("%zu trailing bytes after delta data", r.len - r.off);
    rc = floe_enc_stream_packed(s, &r, n - 1, err);
    if (rc) return rc;
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after delta data", r.len - r.off);
    return FLOE_OK;
}

/* out[k] = acc + deltas from..from+k (packed values from a multiple of 8);
 * returns the new running sum. Whole groups whose reads stay inside the
 * packed bytes go through the fused unpackers, the rest through
 * floe_enc_stream_unpack and a separate sum. */
static uint64_t stream_unpack_sum(const floe_decode_stream *s, uint32_t from, uint32_t m,
                                  uint64_t *out, uint64_t acc)
{
    uint32_t i, done = 0;
    if (s->factor == 1 && s->w >= 1 && s->w <= 56) {
        size_t off = (size_t)from / 8 * s->w, avail = s->qlen - off;
        size_t fast = m / 8, safe = avail >= (size_t)s->w + 16 ? (avail - s->w - 16) / s->w + 1 : 0;
        if (safe < fast) fast = safe;
        acc = delta_unpackers[s->w](s->q + off, out, fast, s->base, acc);
        done = (uint32_t)fast * 8;
    }
    if (done < m) {
        floe_enc_stream_unpack(s, from + done, m - done, out + done);
        for (i = done; i < m; i++) out[i] = acc += out[i];
    }
    return acc;
}

/* Value 0 is the first value; value k = value k-1 + delta k-1, the deltas
 * being packed values 0..n-2. s->acc is the value at pos - 1 (the first
 * value while pos is 0 or 1). */
void floe_enc_delta_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out)
{
    uint32_t i;
    uint64_t acc;
    if (s->pos == 0 && from > 0) s->pos = 1;
    if (s->pos < from) { /* skip: add deltas pos-1 .. from-2 */
        uint32_t lo = s->pos - 1, hi = from - 1, c;
        for (c = lo / 8 * 8; c < hi; c += 2048) {
            uint32_t k = hi - c < 2048 ? hi - c : 2048;
            acc = s->acc;
            floe_enc_stream_unpack(s, c, k, out);
            for (i = c < lo ? lo - c : 0; i < k; i++) acc += out[i];
            s->acc = acc;
        }
        s->pos = from;
    }
    if (m == 0) return;
    acc = s->acc; /* a local: out may alias *s for the compiler */
    if (from == 0) {
        out[0] = acc;
    } else {
        /* delta from-1 sits at the end of the group before `from` */
        uint64_t tmp[8];
        floe_enc_stream_unpack(s, from - 8, 8, tmp);
        out[0] = acc += tmp[7];
    }
    s->acc = m > 1 ? stream_unpack_sum(s, from, m - 1, out + 1, acc) : acc;
    s->pos = from + m;
}

/* The whole block: the stream's checks and fused unpacking in one call. */
static int decode_i64(const uint8_t *in, size_t len, uint32_t n, int64_t *out, floe_err *err)
{
    floe_decode_stream s;
    int rc = floe_enc_delta_stream_open(&s, in, len, n, err);
    if (rc) return rc;
    floe_enc_delta_stream_read(&s, 0, n, (uint64_t *)out);
    return FLOE_OK;
}

int floe_enc_delta_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                          floe_arena *strings, floe_err *err)
{
    (void)strings;
    return floe_enc_decode_ints(t, decode_i64, in, len, n, out, err);
}
