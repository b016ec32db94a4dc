/* storage/encode.c: the encoding framework: one table of encodings, the
 * dispatch through it, block statistics, and the shared primitives.
 *
 * Each encoding (PLAIN, DICT, RLE, FOR, DELTA, ALP) lives in its own file,
 * storage/enc_<name>.c, with its encoder and decoder (and stream decoder),
 * and is one row of `encodings` below; storage/enc.h is the protocol between
 * them. Here: choosing the encoding of a block (widening to int64 and one
 * pass of statistics, then every candidate's plan), decoding and streaming
 * by id, and what several encodings share: buffers, bit packing (groups of
 * 8 values, one loop per width specialised at compile time: a group of
 * w-bit values is exactly w bytes, so every group starts on a byte), packed
 * streams, VARCHAR lengths, and narrowing decoded int64 to smaller types.
 */
#include "storage/encode.h"

#include <stdlib.h>
#include <string.h>

#include "storage/enc.h"
#include "util/mem.h"

/* ------------------------------------------------------------ the table */

/* Every encoding, indexed by its id (storage/format.h; never renumber).
 * Adding one: a new id in format.h (and FLOE_ENC_COUNT), its layout in
 * doc/format.md, a file storage/enc_<name>.c implementing storage/enc.h's
 * protocol, a row here and, if an automatic choice may pick it, a place in
 * auto_order. Forced-only, the golden tests (tests/unit/storage/
 * test_*_golden.c) pass unchanged; as an automatic candidate it changes
 * what the writer picks, a format change: bump FLOE_COL_VERSION and
 * regenerate the golden files deliberately. */
static const floe_enc_ops encodings[FLOE_ENC_COUNT] = {
#define ROW(ID, x, rel, so, sr)                                                                \
    [ID] = {ID, #x, floe_enc_##x##_applies, floe_enc_##x##_plan, floe_enc_##x##_write, rel,     \
            floe_enc_##x##_decode, so, sr}
    ROW(FLOE_ENC_PLAIN, plain, NULL, NULL, NULL),
    ROW(FLOE_ENC_DICT, dict, floe_enc_dict_release, NULL, NULL),
    ROW(FLOE_ENC_RLE, rle, NULL, NULL, NULL),
    ROW(FLOE_ENC_FOR, for, NULL, floe_enc_for_stream_open, floe_enc_for_stream_read),
    ROW(FLOE_ENC_DELTA, delta, NULL, floe_enc_delta_stream_open, floe_enc_delta_stream_read),
    ROW(FLOE_ENC_ALP, alp, floe_enc_alp_release, floe_enc_alp_stream_open,
        floe_enc_alp_stream_read),
#undef ROW
};

/* The order in which an automatic choice tries the candidates after PLAIN;
 * a later one wins only when strictly smaller, and DICT's plan uses the best
 * size so far, so this order is part of the format's writer behaviour. */
static const int auto_order[] = {FLOE_ENC_FOR, FLOE_ENC_DELTA, FLOE_ENC_RLE, FLOE_ENC_ALP,
                                 FLOE_ENC_DICT};

bool floe_encode_applies(floe_type t, int enc)
{
    return enc >= 0 && enc < FLOE_ENC_COUNT && encodings[enc].applies(t);
}

const char *floe_encode_name(int enc)
{
    return enc >= 0 && enc < FLOE_ENC_COUNT ? encodings[enc].name : "?";
}

bool floe_encode_streams(floe_type t, int enc)
{
    return phys_width(t) == 8 && floe_encode_applies(t, enc) && encodings[enc].stream_open != NULL;
}

/* ------------------------------------------------------------ buffers */

int floe_encode_buf_reserve(floe_encbuf *b, size_t extra, floe_err *err)
{
    size_t need = b->len + extra, cap;
    uint8_t *p;
    if (need <= b->cap) return FLOE_OK;
    cap = b->cap ? b->cap : 4096;
    while (cap < need) cap *= 2;
    p = floe_realloc(b->p, cap);
    if (p == NULL) return floe_err_nomem(err);
    b->p = p;
    b->cap = cap;
    return FLOE_OK;
}

void floe_encode_buf_free(floe_encbuf *b)
{
    if (b == NULL) return;
    floe_free(b->p);
    memset(b, 0, sizeof *b);
}

/* -------------------------------------------------------- bit packing */

size_t floe_encode_packed_size(uint32_t n, uint32_t w)
{
    return ((size_t)n * w + 7) / 8;
}

void floe_encode_bitpack(const uint64_t *v, uint32_t n, uint32_t w, uint8_t *out)
{
    uint64_t mask = w == 64 ? ~0ULL : (1ULL << w) - 1, acc = 0;
    uint32_t fill = 0, i;
    size_t o = 0, nb = floe_encode_packed_size(n, w);
    if (w == 0) return;
    for (i = 0; i < n; i++) {
        uint64_t x = v[i] & mask;
        acc |= x << fill;
        if (fill + w >= 64) {
            memcpy(out + o, &acc, 8);
            o += 8;
            acc = fill ? x >> (64 - fill) : 0;
            fill = fill + w - 64;
        } else {
            fill += w;
        }
    }
    if (o < nb) memcpy(out + o, &acc, nb - o);
}

/* Unpack `ng` groups of 8 values of W bits: reads at most W + 9 bytes past
 * each group start (the caller guarantees they exist). */
typedef void (*unpack_fn)(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base);

#define FLOE_UNPACK(W)                                                                  \
    static void unpack_##W(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base) \
    {                                                                                   \
        const uint64_t mask = (1ULL << W) - 1;                                          \
        size_t g;                                                                       \
        int j;                                                                          \
        for (g = 0; g < ng; g++, in += W, out += 8)                                     \
            for (j = 0; j < 8; j++)                                                     \
                out[j] = base + ((load64(in + (j * W) / 8) >> ((j * W) % 8)) & mask);   \
    }
FLOE_UNPACK(1) FLOE_UNPACK(2) FLOE_UNPACK(3) FLOE_UNPACK(4) FLOE_UNPACK(5) FLOE_UNPACK(6)
FLOE_UNPACK(7) FLOE_UNPACK(8) FLOE_UNPACK(9) FLOE_UNPACK(10) FLOE_UNPACK(11) FLOE_UNPACK(12)
FLOE_UNPACK(13) FLOE_UNPACK(14) FLOE_UNPACK(15) FLOE_UNPACK(16) FLOE_UNPACK(17) FLOE_UNPACK(18)
FLOE_UNPACK(19) FLOE_UNPACK(20) FLOE_UNPACK(21) FLOE_UNPACK(22) FLOE_UNPACK(23) FLOE_UNPACK(24)
FLOE_UNPACK(25) FLOE_UNPACK(26) FLOE_UNPACK(27) FLOE_UNPACK(28) FLOE_UNPACK(29) FLOE_UNPACK(30)
FLOE_UNPACK(31) FLOE_UNPACK(32) FLOE_UNPACK(33) FLOE_UNPACK(34) FLOE_UNPACK(35) FLOE_UNPACK(36)
FLOE_UNPACK(37) FLOE_UNPACK(38) FLOE_UNPACK(39) FLOE_UNPACK(40) FLOE_UNPACK(41) FLOE_UNPACK(42)
FLOE_UNPACK(43) FLOE_UNPACK(44) FLOE_UNPACK(45) FLOE_UNPACK(46) FLOE_UNPACK(47) FLOE_UNPACK(48)
FLOE_UNPACK(49) FLOE_UNPACK(50) FLOE_UNPACK(51) FLOE_UNPACK(52) FLOE_UNPACK(53) FLOE_UNPACK(54)
FLOE_UNPACK(55) FLOE_UNPACK(56)
#undef FLOE_UNPACK

static void unpack_0(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base)
{
    size_t i;
    (void)in;
    for (i = 0; i < ng * 8; i++) out[i] = base;
}

/* Widths 57..64: a value may span 9 bytes. */
static void unpack_wide(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base, uint32_t w)
{
    uint64_t mask = w == 64 ? ~0ULL : (1ULL << w) - 1;
    size_t g;
    int j;
    for (g = 0; g < ng; g++, in += w, out += 8) {
        for (j = 0; j < 8; j++) {
            size_t bit = (size_t)j * w, byte = bit / 8;
            uint32_t s = (uint32_t)(bit % 8);
            uint64_t v = load64(in + byte) >> s;
            if (s) v |= (uint64_t)in[byte + 8] << (64 - s);
            out[j] = base + (v & mask);
        }
    }
}

static const unpack_fn unpackers[57] = {
    unpack_0,  unpack_1,  unpack_2,  unpack_3,  unpack_4,  unpack_5,  unpack_6,  unpack_7,
    unpack_8,  unpack_9,  unpack_10, unpack_11, unpack_12, unpack_13, unpack_14, unpack_15,
    unpack_16, unpack_17, unpack_18, unpack_19, unpack_20, unpack_21, unpack_22, unpack_23,
    unpack_24, unpack_25, unpack_26, unpack_27, unpack_28, unpack_29, unpack_30, unpack_31,
    unpack_32, unpack_33, unpack_34, unpack_35, unpack_36, unpack_37, unpack_38, unpack_39,
    unpack_40, unpack_41, unpack_42, unpack_43, unpack_44, unpack_45, unpack_46, unpack_47,
    unpack_48, unpack_49, unpack_50, unpack_51, unpack_52, unpack_53, unpack_54, unpack_55,
    unpack_56};

static void unpack_groups(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base, uint32_t w)
{
    if (w <= 56)
        unpackers[w](in, out, ng, base);
    else
        unpack_wide(in, out, ng, base, w);
}

/* (enc.h) */
void floe_enc_unpack_avail(const uint8_t *in, size_t avail, uint32_t n, uint32_t w, uint64_t base,
                           uint64_t *out)
{
    size_t len = floe_encode_packed_size(n, w);
    size_t full = n / 8, fast = full, g0, rest_bytes, ng;
    uint8_t tb[256];
    uint64_t tmp[160];

    /* groups whose reads (w + 9 bytes from the group start) stay inside `in` */
    if (w > 0) {
        size_t safe = avail >= (size_t)w + 16 ? (avail - w - 16) / w + 1 : 0;
        if (safe < fast) fast = safe;
    }
    unpack_groups(in, out, fast, base, w);
    g0 = fast;
    if ((size_t)g0 * 8 >= n) return;
    /* the tail: copy the remaining bytes into a zero-padded buffer */
    rest_bytes = len - g0 * w;
    ng = ((size_t)n - g0 * 8 + 7) / 8;
    memset(tb, 0, sizeof tb);
    memcpy(tb, in + g0 * w, rest_bytes);
    unpack_groups(tb, tmp, ng, base, w);
    memcpy(out + g0 * 8, tmp, ((size_t)n - g0 * 8) * sizeof(uint64_t));
}

void floe_encode_bitunpack(const uint8_t *in, uint32_t n, uint32_t w, uint64_t base,
                           uint64_t *out)
{
    floe_enc_unpack_avail(in, floe_encode_packed_size(n, w), n, w, base, out);
}

/* ------------------------------------------------- shared primitives */

int floe_enc_put_packed(floe_encbuf *out, const int64_t *v, uint32_t n, uint64_t base,
                        uint64_t factor, uint32_t w, floe_err *err)
{
    size_t nb = floe_encode_packed_size(n, w);
    uint64_t *tmp;
    uint32_t i;
    int rc = floe_encode_buf_reserve(out, nb, err);
    if (rc) return rc;
    tmp = floe_malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
    if (tmp == NULL) return floe_err_nomem(err);
    if (factor == 1)
        for (i = 0; i < n; i++) tmp[i] = (uint64_t)v[i] - base;
    else
        for (i = 0; i < n; i++) tmp[i] = ((uint64_t)v[i] - base) / factor;
    floe_encode_bitpack(tmp, n, w, out->p + out->len);
    out->len += nb;
    floe_free(tmp);
    return FLOE_OK;
}

int floe_enc_take_packed(rd *r, uint32_t n, uint32_t maxw, uint8_t *w, const uint8_t **q,
                         floe_err *err)
{
    if (!rd_u8(r, w)) return CORRUPT("truncated bit width");
    if (*w > maxw) return CORRUPT("bit width %u too large", (unsigned)*w);
    if (!rd_take(r, floe_encode_packed_size(n, *w), q))
        return CORRUPT("packed data truncated (%u values of %u bits)", n, (unsigned)*w);
    return FLOE_OK;
}

int floe_enc_get_packed(rd *r, uint32_t n, uint64_t base, uint32_t maxw, uint64_t *out64,
                        floe_err *err)
{
    uint8_t w = 0;
    const uint8_t *q = NULL;
    int rc = floe_enc_take_packed(r, n, maxw, &w, &q, err);
    if (rc) return rc;
    floe_encode_bitunpack(q, n, w, base, out64);
    return FLOE_OK;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Stops as soon as the answer is 1. */
uint64_t floe_enc_common_factor(const int64_t *v, uint32_t n, uint64_t base, bool delta)
{
    uint64_t g = 0;
    uint32_t i;
    for (i = delta ? 1 : 0; i < n; i++) {
        uint64_t x = (uint64_t)v[i] - (delta ? (uint64_t)v[i - 1] : 0) - base;
        if (x == 0) continue;
        if (g == 0) {
            g = x;
        } else if (x % g) {
            g = gcd64(g, x);
            if (g == 1) return 1;
        }
    }
    return g ? g : 1;
}

void floe_enc_narrow(floe_type t, const int64_t *v, uint32_t n, void *out)
{
    uint32_t i;
    if (phys_width(t) == 1)
        for (i = 0; i < n; i++) ((uint8_t *)out)[i] = (uint8_t)v[i];
    else
        for (i = 0; i < n; i++) ((int32_t *)out)[i] = (int32_t)v[i];
}

int floe_enc_decode_ints(floe_type t,
                         int (*decode)(const uint8_t *in, size_t len, uint32_t n, int64_t *out,
                                       floe_err *err),
                         const uint8_t *in, size_t len, uint32_t n, void *out, floe_err *err)
{
    int64_t *tmp;
    int rc;
    if (phys_width(t) == 8) return decode(in, len, n, out, err);
    tmp = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (tmp == NULL) return floe_err_nomem(err);
    rc = decode(in, len, n, tmp, err);
    if (rc == FLOE_OK) floe_enc_narrow(t, tmp, n, out);
    floe_free(tmp);
    return rc;
}

int floe_enc_stream_packed(floe_decode_stream *s, rd *r, uint32_t npacked, floe_err *err)
{
    int rc;
    if (s->factor == 0) return CORRUPT("zero scale factor");
    if ((rc = floe_enc_take_packed(r, npacked, 64, &s->w, &s->q, err)) != FLOE_OK) return rc;
    s->qlen = floe_encode_packed_size(npacked, s->w);
    return FLOE_OK;
}

void floe_enc_stream_unpack(const floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out)
{
    size_t off = (size_t)from / 8 * s->w;
    uint32_t i;
    floe_enc_unpack_avail(s->q + off, s->qlen - off, m, s->w, s->factor == 1 ? s->base : 0, out);
    if (s->factor != 1)
        for (i = 0; i < m; i++) out[i] = s->base + out[i] * s->factor;
}

int floe_enc_put_lengths(floe_encbuf *out, const floe_string *s, uint32_t n, floe_err *err)
{
    int64_t *l = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    uint32_t mn = UINT32_MAX, mx = 0, i;
    int rc;
    if (l == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        l[i] = s[i].len;
        if (s[i].len < mn) mn = s[i].len;
        if (s[i].len > mx) mx = s[i].len;
    }
    if (n == 0) mn = mx = 0;
    rc = floe_encode_buf_reserve(out, 5, err);
    if (rc == FLOE_OK) {
        put_u32(out, mn);
        put_u8(out, (uint8_t)bits_for(mx - mn));
        rc = floe_enc_put_packed(out, l, n, mn, 1, bits_for(mx - mn), err);
    }
    floe_free(l);
    return rc;
}

size_t floe_enc_lengths_size(const floe_string *s, uint32_t n)
{
    uint32_t mn = UINT32_MAX, mx = 0, i;
    for (i = 0; i < n; i++) {
        if (s[i].len < mn) mn = s[i].len;
        if (s[i].len > mx) mx = s[i].len;
    }
    if (n == 0) mn = mx = 0;
    return 5 + floe_encode_packed_size(n, bits_for(mx - mn));
}

int floe_enc_get_lengths(rd *r, uint32_t n, uint64_t *lens, uint64_t *total, floe_err *err)
{
    uint32_t base, i;
    uint64_t sum = 0;
    int rc;
    if (!rd_u32(r, &base)) return CORRUPT("string lengths truncated");
    rc = floe_enc_get_packed(r, n, base, 32, lens, err);
    if (rc) return rc;
    for (i = 0; i < n; i++) {
        if (lens[i] > UINT32_MAX) return CORRUPT("string length %llu too large",
                                                 (unsigned long long)lens[i]);
        sum += lens[i];
    }
    *total = sum;
    return FLOE_OK;
}

int floe_enc_take_strings(rd *r, const uint64_t *lens, uint32_t n, uint64_t total,
                          floe_arena *strings, floe_string *out, floe_err *err)
{
    const uint8_t *bytes;
    char *copy = NULL;
    uint32_t i;
    uint64_t off = 0;
    if (total > r->len - r->off || !rd_take(r, (size_t)total, &bytes))
        return CORRUPT("string bytes truncated (%llu needed)", (unsigned long long)total);
    if (total) {
        copy = floe_arena_memdup(strings, bytes, (size_t)total);
        if (copy == NULL) return floe_err_nomem(err);
    }
    for (i = 0; i < n; i++) {
        out[i].ptr = lens[i] ? copy + off : "";
        out[i].len = (uint32_t)lens[i];
        off += lens[i];
    }
    return FLOE_OK;
}

/* ------------------------------------------------------------ encoding */

/* Widen to int64 (DOUBLE: bit pattern); NULL slots copy the previous valid
 * value (the first valid one for leading NULLs) so they cost nothing. */
static void widen(floe_type t, const void *data, const uint64_t *validity, uint32_t n,
                  int64_t *out)
{
    uint32_t i, first = 0;
    int w = phys_width(t);
    for (i = 0; i < n; i++) {
        if (w == 1)
            out[i] = ((const uint8_t *)data)[i];
        else if (w == 4)
            out[i] = ((const int32_t *)data)[i];
        else
            memcpy(&out[i], (const char *)data + (size_t)i * 8, 8);
    }
    if (validity == NULL) return;
    while (first < n && !valid_at(validity, first)) first++;
    if (first == n) {
        memset(out, 0, (size_t)n * sizeof *out);
        return;
    }
    for (i = 0; i < first; i++) out[i] = out[first];
    for (i = first + 1; i < n; i++)
        if (!valid_at(validity, i)) out[i] = out[i - 1];
}

/* An integer-like block (n > 0): widen into a new b->v and take one pass of
 * statistics for every candidate. FLOE_NOMEM. */
static int block_ints(floe_enc_block *b, floe_err *err)
{
    uint32_t i, n = b->n;
    int64_t *v = floe_malloc((size_t)n * sizeof(int64_t));
    if (v == NULL) return floe_err_nomem(err);
    widen(b->t, b->data, b->validity, n, v);
    b->v = v;
    b->min = b->max = v[0];
    b->runs = 1;
    if (n > 1) b->dmin = b->dmax = (int64_t)((uint64_t)v[1] - (uint64_t)v[0]);
    for (i = 1; i < n; i++) {
        int64_t dd = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);
        if (v[i] < b->min) b->min = v[i];
        if (v[i] > b->max) b->max = v[i];
        if (dd < b->dmin) b->dmin = dd;
        if (dd > b->dmax) b->dmax = dd;
        b->runs += v[i] != v[i - 1];
    }
    return FLOE_OK;
}

/* A VARCHAR block: NULL slots take the previous valid string (the first
 * valid one for leading NULLs), empty strings a non-NULL pointer. Sets b->s
 * (a new array). FLOE_NOMEM. */
static int block_strings(floe_enc_block *b, floe_err *err)
{
    const floe_string *s = b->data;
    floe_string *norm = floe_malloc((size_t)(b->n ? b->n : 1) * sizeof(floe_string));
    floe_string prev = {"", 0};
    uint32_t i;
    if (norm == NULL) return floe_err_nomem(err);
    for (i = 0; i < b->n; i++) {
        if (valid_at(b->validity, i)) {
            prev = s[i];
            break;
        }
    }
    for (i = 0; i < b->n; i++) {
        if (valid_at(b->validity, i)) prev = s[i];
        norm[i] = prev;
        if (norm[i].len == 0) norm[i].ptr = "";
    }
    b->s = norm;
    return FLOE_OK;
}

/* Plan the candidates (all applicable under auto, else the forced one) and
 * set *out_enc to the smallest; planned[id] says whose plan ran. */
static int block_choose(floe_enc_block *b, bool *planned, int *out_enc, floe_err *err)
{
    size_t best_size, sz;
    int best = FLOE_ENC_PLAIN, rc;
    size_t k;
    rc = encodings[FLOE_ENC_PLAIN].plan(b, SIZE_MAX, &best_size, err);
    if (rc) return rc;
    for (k = 0; k < sizeof auto_order / sizeof auto_order[0]; k++) {
        const floe_enc_ops *e = &encodings[auto_order[k]];
        if (!e->applies(b->t) || (b->force != FLOE_ENC_AUTO && b->force != e->id)) continue;
        planned[e->id] = true;
        rc = e->plan(b, best_size, &sz, err);
        if (rc) return rc;
        if (sz < best_size) best_size = sz, best = e->id;
    }
    *out_enc = b->force != FLOE_ENC_AUTO ? b->force : best;
    return FLOE_OK;
}

int floe_encode_values(floe_type t, const void *data, const uint64_t *validity, uint32_t n,
                       int force, floe_encbuf *out, uint8_t *out_enc, floe_err *err)
{
    floe_enc_block b;
    bool planned[FLOE_ENC_COUNT] = {false};
    int best = FLOE_ENC_PLAIN, rc, k;

    if (force != FLOE_ENC_AUTO && !floe_encode_applies(t, force))
        return floe_err_set(err, FLOE_MISUSE, "encoding %s does not apply to type %d",
                            floe_encode_name(force), t.id);
    memset(&b, 0, sizeof b);
    b.t = t;
    b.data = data;
    b.validity = validity;
    b.n = n;
    b.force = force;
    if (t.id == FLOE_TYPE_VARCHAR) {
        rc = block_strings(&b, err);
    } else if (phys_width(t) == 0 || n == 0 || force == FLOE_ENC_PLAIN) {
        b.force = FLOE_ENC_PLAIN; /* raw bytes, nothing to widen */
        rc = FLOE_OK;
    } else {
        rc = block_ints(&b, err);
    }
    if (rc == FLOE_OK) rc = block_choose(&b, planned, &best, err);
    if (rc == FLOE_OK) rc = encodings[best].write(&b, out, err);
    if (rc == FLOE_OK) *out_enc = (uint8_t)best;
    for (k = 0; k < FLOE_ENC_COUNT; k++)
        if (planned[k] && encodings[k].release) encodings[k].release(&b);
    floe_free(b.v);
    floe_free((void *)b.s);
    return rc;
}

/* ------------------------------------------------------------ decoding */

int floe_decode_values(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                       void *out, floe_arena *strings, floe_err *err)
{
    if (enc < 0 || enc >= FLOE_ENC_COUNT || !floe_encode_applies(t, enc))
        return CORRUPT("encoding %d is invalid for type %d", enc, t.id);
    return encodings[enc].decode(t, in, len, n, out, strings, err);
}

int floe_decode_stream_init(floe_decode_stream *s, floe_type t, int enc, const uint8_t *in,
                            size_t len, uint32_t n, floe_err *err)
{
    memset(s, 0, sizeof *s);
    if (!floe_encode_streams(t, enc)) return FLOE_NOTFOUND;
    return encodings[enc].stream_open(s, in, len, n, err);
}

void floe_decode_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, void *out)
{
    encodings[s->enc].stream_read(s, from, m, out);
}
