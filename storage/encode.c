/* storage/encode.c: per-block encodings (plain, dict, RLE, FOR, delta, ALP).
 *
 * Integer-like values (BOOLEAN, INTEGER, BIGINT, DECIMAL, DATE, TIMESTAMP,
 * and DOUBLE bit patterns for DICT/RLE) are widened to int64 for encoding;
 * decoders write int64 straight into 8-byte outputs and narrow through a
 * scratch array for smaller types. Bit unpacking runs in groups of 8 values
 * (a group of w-bit values is exactly w bytes, so every group starts on a
 * byte) with one loop per width specialised at compile time.
 */
#include "storage/encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/mem.h"

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

static void put_bytes(floe_encbuf *b, const void *p, size_t n)
{
    memcpy(b->p + b->len, p, n);
    b->len += n;
}
static void put_u8(floe_encbuf *b, uint8_t v) { put_bytes(b, &v, 1); }
static void put_u32(floe_encbuf *b, uint32_t v) { put_bytes(b, &v, 4); }
static void put_u64(floe_encbuf *b, uint64_t v) { put_bytes(b, &v, 8); }

/* Bounds-checked reader over a block's bytes. */
typedef struct rd {
    const uint8_t *p;
    size_t len, off;
} rd;

static int rd_take(rd *r, size_t n, const uint8_t **out)
{
    if (n > r->len - r->off) return 0;
    *out = r->p + r->off;
    r->off += n;
    return 1;
}
static int rd_u8(rd *r, uint8_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 1, &q)) return 0;
    *v = *q;
    return 1;
}
static int rd_u32(rd *r, uint32_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 4, &q)) return 0;
    memcpy(v, q, 4);
    return 1;
}
static int rd_u64(rd *r, uint64_t *v)
{
    const uint8_t *q;
    if (!rd_take(r, 8, &q)) return 0;
    memcpy(v, q, 8);
    return 1;
}

/* -------------------------------------------------------- bit packing */

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t bits_for(uint64_t range)
{
    return range ? (uint32_t)(64 - __builtin_clzll(range)) : 0;
}

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

static void unpack_groups(const uint8_t *in, uint64_t *out, size_t ng, uint64_t base, uint32_t w)
{
    if (w <= 56)
        unpackers[w](in, out, ng, base);
    else
        unpack_wide(in, out, ng, base, w);
}

/* floe_encode_bitunpack of n values at `in`, where `avail` >= their packed
 * size bytes may be read (more lets more groups take the fast path). */
static void bitunpack_avail(const uint8_t *in, size_t avail, uint32_t n, uint32_t w, uint64_t base,
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
    bitunpack_avail(in, floe_encode_packed_size(n, w), n, w, base, out);
}

/* ------------------------------------------------------- applicability */

static int phys_width(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return 1;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return 4;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DOUBLE: return 8;
    default: return 0; /* VARCHAR, INTERVAL: not integer-like */
    }
}

static bool is_intlike(floe_type t)
{
    return phys_width(t) != 0 && t.id != FLOE_TYPE_DOUBLE;
}

bool floe_encode_applies(floe_type t, int enc)
{
    switch (enc) {
    case FLOE_ENC_PLAIN: return t.id != FLOE_TYPE_INVALID;
    case FLOE_ENC_DICT: return phys_width(t) != 0 || t.id == FLOE_TYPE_VARCHAR;
    case FLOE_ENC_RLE: return phys_width(t) != 0;
    case FLOE_ENC_FOR:
    case FLOE_ENC_DELTA: return is_intlike(t);
    case FLOE_ENC_ALP: return t.id == FLOE_TYPE_DOUBLE;
    default: return false;
    }
}

const char *floe_encode_name(int enc)
{
    static const char *names[FLOE_ENC_COUNT] = {"plain", "dict", "rle", "for", "delta", "alp"};
    return enc >= 0 && enc < FLOE_ENC_COUNT ? names[enc] : "?";
}

/* ------------------------------------------------------------ encoding */

static inline bool valid_at(const uint64_t *validity, uint32_t i)
{
    return validity == NULL || ((validity[i >> 6] >> (i & 63)) & 1);
}

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

/* Hash set of int64 -> code, open addressing. */
typedef struct i64_dict {
    int64_t *keys;
    uint32_t *codes; /* code + 1; 0 = empty */
    int64_t *vals;   /* values in code order */
    uint32_t mask, n, limit;
} i64_dict;

static int i64_dict_init(i64_dict *d, uint32_t limit)
{
    uint32_t cap = 16;
    while (cap < limit * 2) cap *= 2;
    memset(d, 0, sizeof *d);
    d->keys = floe_malloc((size_t)cap * sizeof(int64_t));
    d->codes = floe_calloc(cap, sizeof(uint32_t));
    d->vals = floe_malloc((size_t)limit * sizeof(int64_t) + 8);
    d->mask = cap - 1;
    d->limit = limit;
    return d->keys && d->codes && d->vals;
}

static void i64_dict_free(i64_dict *d)
{
    floe_free(d->keys);
    floe_free(d->codes);
    floe_free(d->vals);
}

/* Code of v, inserting it; UINT32_MAX once more than `limit` distinct. */
static uint32_t i64_dict_put(i64_dict *d, int64_t v)
{
    uint32_t h = (uint32_t)floe_hash_u64((uint64_t)v) & d->mask;
    for (;;) {
        uint32_t c = d->codes[h];
        if (c == 0) {
            if (d->n == d->limit) return UINT32_MAX;
            d->keys[h] = v;
            d->vals[d->n] = v;
            d->codes[h] = ++d->n;
            return d->n - 1;
        }
        if (d->keys[h] == v) return c - 1;
        h = (h + 1) & d->mask;
    }
}

/* Same for strings (pointer + length, not copied). */
typedef struct str_dict {
    uint64_t *hashes;
    uint32_t *codes; /* code + 1; 0 = empty */
    floe_string *vals;
    uint32_t mask, n, limit;
    size_t bytes; /* sum of distinct lengths */
} str_dict;

static int str_dict_init(str_dict *d, uint32_t limit)
{
    uint32_t cap = 16;
    while (cap < limit * 2) cap *= 2;
    memset(d, 0, sizeof *d);
    d->hashes = floe_malloc((size_t)cap * sizeof(uint64_t));
    d->codes = floe_calloc(cap, sizeof(uint32_t));
    d->vals = floe_malloc((size_t)limit * sizeof(floe_string) + 16);
    d->mask = cap - 1;
    d->limit = limit;
    return d->hashes && d->codes && d->vals;
}

static void str_dict_free(str_dict *d)
{
    floe_free(d->hashes);
    floe_free(d->codes);
    floe_free(d->vals);
}

static uint32_t str_dict_put(str_dict *d, floe_string s)
{
    uint64_t hv = floe_hash64(s.ptr, s.len);
    uint32_t h = (uint32_t)hv & d->mask;
    for (;;) {
        uint32_t c = d->codes[h];
        if (c == 0) {
            if (d->n == d->limit) return UINT32_MAX;
            d->hashes[h] = hv;
            d->vals[d->n] = s;
            d->bytes += s.len;
            d->codes[h] = ++d->n;
            return d->n - 1;
        }
        if (d->hashes[h] == hv && d->vals[c - 1].len == s.len &&
            (s.len == 0 || memcmp(d->vals[c - 1].ptr, s.ptr, s.len) == 0))
            return c - 1;
        h = (h + 1) & d->mask;
    }
}

/* Pack (v[0,n) - base) / factor with width w and append. */
static int put_packed(floe_encbuf *out, const int64_t *v, uint32_t n, uint64_t base,
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

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The largest g dividing every v[i] - base (mod 2^64), or for deltas
 * (`delta`) every v[i] - v[i-1] - base; 1 when there is none above 1 or
 * every difference is 0. Stops as soon as the answer is 1. */
static uint64_t common_factor(const int64_t *v, uint32_t n, uint64_t base, bool delta)
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

typedef struct i64_at {
    int64_t v;
    uint32_t code; /* code before sorting */
} i64_at;

/* Sort a[0, n) ascending by v: LSD radix sort on the order-preserving
 * unsigned key, 16 bits per pass, skipping digits all values share (the
 * values are distinct, so the order is the one any sort gives). tmp holds n.
 * Returns the sorted array (a or tmp). */
static i64_at *i64_at_sort(i64_at *a, i64_at *tmp, uint32_t n)
{
    uint32_t *cnt, i, pass;
    uint64_t lo = UINT64_MAX, hi = 0;
    if (n < 2) return a;
    if (n <= 24) { /* insertion sort */
        for (i = 1; i < n; i++) {
            i64_at x = a[i];
            uint32_t j = i;
            while (j > 0 && a[j - 1].v > x.v) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return a;
    }
    cnt = floe_malloc(65536 * sizeof *cnt);
    if (cnt == NULL) { /* no memory for counts: a simple shell sort */
        uint32_t gap, j;
        for (gap = n / 2; gap > 0; gap /= 2)
            for (i = gap; i < n; i++) {
                i64_at x = a[i];
                for (j = i; j >= gap && a[j - gap].v > x.v; j -= gap) a[j] = a[j - gap];
                a[j] = x;
            }
        return a;
    }
    for (i = 0; i < n; i++) {
        uint64_t k = (uint64_t)a[i].v ^ (1ULL << 63);
        lo &= k;
        hi |= k;
    }
    for (pass = 0; pass < 4; pass++) {
        uint32_t shift = pass * 16, sum = 0;
        i64_at *t;
        if ((((lo ^ hi) >> shift) & 0xffff) == 0) continue; /* same digit everywhere */
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (i = 0; i < n; i++) cnt[(((uint64_t)a[i].v ^ (1ULL << 63)) >> shift) & 0xffff]++;
        for (i = 0; i < 65536; i++) {
            uint32_t c = cnt[i];
            cnt[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++) tmp[cnt[(((uint64_t)a[i].v ^ (1ULL << 63)) >> shift) & 0xffff]++] = a[i];
        t = a;
        a = tmp;
        tmp = t;
    }
    floe_free(cnt);
    return a;
}

/* Sort an integer dictionary ascending; rank[old code] = new code. Computes
 * the width of its packed successive differences (above their minimum).
 * FLOE_NOMEM on failure (dictionary unchanged). */
static int i64_dict_sort(i64_dict *d, uint32_t *rank, uint64_t *out_dmin, uint32_t *out_dw,
                         floe_err *err)
{
    i64_at *buf = floe_malloc((size_t)(d->n ? d->n : 1) * 2 * sizeof *buf), *at;
    uint64_t dmin = UINT64_MAX, dmax = 0;
    uint32_t i;
    if (buf == NULL) return floe_err_nomem(err);
    for (i = 0; i < d->n; i++) {
        buf[i].v = d->vals[i];
        buf[i].code = i;
    }
    at = i64_at_sort(buf, buf + d->n, d->n);
    for (i = 0; i < d->n; i++) {
        rank[at[i].code] = i;
        d->vals[i] = at[i].v;
        if (i) {
            uint64_t dd = (uint64_t)d->vals[i] - (uint64_t)d->vals[i - 1];
            if (dd < dmin) dmin = dd;
            if (dd > dmax) dmax = dd;
        }
    }
    if (d->n < 2) dmin = dmax = 0;
    floe_free(buf);
    *out_dmin = dmin;
    *out_dw = bits_for(dmax - dmin);
    return FLOE_OK;
}

static const double pow10_tab[FLOE_ALP_MAX_EXP + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* v as an integer at exponent e, exactly invertible by (double)i / 10^e. */
static inline bool alp_fits(double v, int e, int64_t *out)
{
    double x = v * pow10_tab[e], back;
    int64_t i;
    uint64_t a, b;
    if (!(fabs(x) < 9007199254740992.0)) return false; /* also rejects NaN, inf */
    i = (int64_t)llround(x);
    back = (double)i / pow10_tab[e];
    memcpy(&a, &back, 8);
    memcpy(&b, &v, 8);
    if (a != b) return false; /* also rejects -0.0 */
    *out = i;
    return true;
}

static inline double bits_to_double(int64_t b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

/* The exponent that represents most of a sample of the values exactly. */
static int alp_pick_exp(const int64_t *v, uint32_t n)
{
    int e, best = 0, best_ok = -1;
    uint32_t step = n > 64 ? n / 64 : 1, i;
    int64_t dummy;
    for (e = 0; e <= FLOE_ALP_MAX_EXP; e++) {
        int ok = 0;
        for (i = 0; i < n; i += step) ok += alp_fits(bits_to_double(v[i]), e, &dummy);
        if (ok > best_ok) {
            best_ok = ok;
            best = e;
        }
    }
    return best;
}

typedef struct alp_plan {
    int e;
    int64_t *ints; /* n integers; exceptions hold a neighbour's */
    uint32_t *exc; /* exception positions */
    uint32_t nexc;
    int64_t min, max;
} alp_plan;

/* v: the values' bit patterns (NULL slots already normalised). */
static int alp_prepare(const int64_t *v, uint32_t n, alp_plan *p)
{
    uint32_t i;
    int64_t last = 0;
    bool have = false;
    p->e = alp_pick_exp(v, n);
    p->ints = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    p->exc = floe_malloc((size_t)(n ? n : 1) * sizeof(uint32_t));
    p->nexc = 0;
    p->min = INT64_MAX;
    p->max = INT64_MIN;
    if (p->ints == NULL || p->exc == NULL) return FLOE_NOMEM;
    for (i = 0; i < n; i++) {
        int64_t x;
        if (alp_fits(bits_to_double(v[i]), p->e, &x)) {
            last = x;
            have = true;
        } else {
            p->exc[p->nexc++] = i;
            x = last;
        }
        p->ints[i] = x;
    }
    /* leading exceptions took 0; give them the first good value instead */
    if (have) {
        uint32_t first = 0;
        while (first < p->nexc && p->exc[first] == first) first++;
        if (first < n)
            for (i = 0; i < first; i++) p->ints[i] = p->ints[first];
    }
    for (i = 0; i < n; i++) {
        if (p->ints[i] < p->min) p->min = p->ints[i];
        if (p->ints[i] > p->max) p->max = p->ints[i];
    }
    if (n == 0) p->min = p->max = 0;
    return FLOE_OK;
}

static size_t alp_size(const alp_plan *p, uint32_t n)
{
    uint32_t w = bits_for((uint64_t)p->max - (uint64_t)p->min);
    return 1 + 8 + 1 + floe_encode_packed_size(n, w) + 4 + (size_t)p->nexc * 12;
}

static int alp_write(const alp_plan *p, const int64_t *v, uint32_t n, floe_encbuf *out,
                     floe_err *err)
{
    uint32_t w = bits_for((uint64_t)p->max - (uint64_t)p->min), i;
    int rc = floe_encode_buf_reserve(out, 10 + 4 + (size_t)p->nexc * 12, err);
    if (rc) return rc;
    put_u8(out, (uint8_t)p->e);
    put_u64(out, (uint64_t)p->min);
    put_u8(out, (uint8_t)w);
    rc = put_packed(out, p->ints, n, (uint64_t)p->min, 1, w, err);
    if (rc) return rc;
    rc = floe_encode_buf_reserve(out, 4 + (size_t)p->nexc * 12, err);
    if (rc) return rc;
    put_u32(out, p->nexc);
    for (i = 0; i < p->nexc; i++) put_u32(out, p->exc[i]);
    for (i = 0; i < p->nexc; i++) put_bytes(out, &v[p->exc[i]], 8);
    return FLOE_OK;
}

/* Append n string lengths as u32 base, u8 width, (len - base) bit-packed.
 * FLOE_NOMEM on failure. */
static int put_lengths(floe_encbuf *out, const floe_string *s, uint32_t n, floe_err *err)
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
        rc = put_packed(out, l, n, mn, 1, bits_for(mx - mn), err);
    }
    floe_free(l);
    return rc;
}

/* Bytes put_lengths writes for s[0, n). */
static size_t lengths_size(const floe_string *s, uint32_t n)
{
    uint32_t mn = UINT32_MAX, mx = 0, i;
    for (i = 0; i < n; i++) {
        if (s[i].len < mn) mn = s[i].len;
        if (s[i].len > mx) mx = s[i].len;
    }
    if (n == 0) mn = mx = 0;
    return 5 + floe_encode_packed_size(n, bits_for(mx - mn));
}

static int str_cmp(const floe_string *a, const floe_string *b)
{
    uint32_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(a->ptr, b->ptr, m) : 0;
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

typedef struct str_at {
    floe_string s;
    uint32_t code; /* code before sorting */
} str_at;

static int str_at_cmp(const void *a, const void *b)
{
    return str_cmp(&((const str_at *)a)->s, &((const str_at *)b)->s);
}

/* Byte `d` of s as 0..255, or -1 past its end (shorter sorts first). */
static inline int str_byte(const floe_string *s, uint32_t d)
{
    return d < s->len ? (int)(unsigned char)s->ptr[d] : -1;
}

/* Sort a[0, n) bytewise (str_cmp order), every string sharing its first
 * `depth` bytes: multikey quicksort (Bentley & Sedgewick), which reads each
 * byte of a shared prefix once per level instead of in every comparison.
 * Deeper than `budget` nested calls (bad pivots) the rest goes to qsort. */
static void str_at_sort(str_at *a, uint32_t n, uint32_t depth, int budget)
{
    while (n > 1) {
        uint32_t lt, gt, i;
        int pivot;
        str_at x;
        if (n <= 12) { /* insertion sort on the rest of the bytes */
            for (i = 1; i < n; i++) {
                uint32_t j = i;
                x = a[i];
                while (j > 0) {
                    const floe_string *p = &a[j - 1].s;
                    uint32_t m = p->len < x.s.len ? p->len : x.s.len, k = depth;
                    int c = 0;
                    if (m > k) c = memcmp(p->ptr + k, x.s.ptr + k, m - k);
                    if (c < 0 || (c == 0 && p->len <= x.s.len)) break;
                    a[j] = a[j - 1];
                    j--;
                }
                a[j] = x;
            }
            return;
        }
        if (budget <= 0) {
            qsort(a, n, sizeof *a, str_at_cmp);
            return;
        }
        /* median of three bytes as the pivot */
        {
            int p0 = str_byte(&a[0].s, depth), p1 = str_byte(&a[n / 2].s, depth),
                p2 = str_byte(&a[n - 1].s, depth);
            pivot = p0 < p1 ? (p1 < p2 ? p1 : (p0 < p2 ? p2 : p0))
                            : (p0 < p2 ? p0 : (p1 < p2 ? p2 : p1));
        }
        /* three-way partition: [0, lt) < pivot, [lt, gt) == pivot, [gt, n) > pivot */
        lt = 0;
        gt = n;
        i = 0;
        while (i < gt) {
            int c = str_byte(&a[i].s, depth);
            if (c < pivot) {
                x = a[lt];
                a[lt++] = a[i];
                a[i++] = x;
            } else if (c > pivot) {
                x = a[--gt];
                a[gt] = a[i];
                a[i] = x;
            } else {
                i++;
            }
        }
        str_at_sort(a, lt, depth, budget - 1);
        str_at_sort(a + gt, n - gt, depth, budget - 1);
        /* equal byte: go one byte deeper (strings that ended here are equal
         * to each other, so at most one: the values are distinct) */
        if (pivot < 0) return;
        a += lt;
        n = gt - lt;
        depth++;
    }
}

/* Sort a string dictionary bytewise (similar neighbours compress better and
 * codes keep the strings' order) and renumber codes[0, n) to match.
 * FLOE_NOMEM on failure (dictionary and codes unchanged). */
static int str_dict_sort(str_dict *d, int64_t *codes, uint32_t n, floe_err *err)
{
    str_at *at = floe_malloc((size_t)(d->n ? d->n : 1) * sizeof *at);
    uint32_t *rank = floe_malloc((size_t)(d->n ? d->n : 1) * sizeof *rank);
    uint32_t i;
    if (at == NULL || rank == NULL) {
        floe_free(at);
        floe_free(rank);
        return floe_err_nomem(err);
    }
    for (i = 0; i < d->n; i++) {
        at[i].s = d->vals[i];
        at[i].code = i;
    }
    str_at_sort(at, d->n, 0, 64);
    for (i = 0; i < d->n; i++) {
        rank[at[i].code] = i;
        d->vals[i] = at[i].s;
    }
    for (i = 0; i < n; i++) codes[i] = rank[codes[i]];
    floe_free(at);
    floe_free(rank);
    return FLOE_OK;
}

static int encode_strings(const floe_string *s, const uint64_t *validity, uint32_t n, int force,
                          floe_encbuf *out, uint8_t *out_enc, floe_err *err)
{
    floe_string *norm = floe_malloc((size_t)(n ? n : 1) * sizeof(floe_string));
    int64_t *codes = NULL;
    str_dict d;
    size_t plain_bytes = 0, dict_size = SIZE_MAX;
    uint32_t i, nd_limit, w = 0;
    int rc = FLOE_OK, use_dict;
    floe_string prev = {"", 0};

    memset(&d, 0, sizeof d);
    if (norm == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        if (valid_at(validity, i)) {
            prev = s[i];
            break;
        }
    }
    for (i = 0; i < n; i++) {
        if (valid_at(validity, i)) prev = s[i];
        norm[i] = prev;
        if (norm[i].len == 0) norm[i].ptr = "";
        plain_bytes += norm[i].len;
    }
    plain_bytes += lengths_size(norm, n);
    if (force == FLOE_ENC_PLAIN) goto plain;
    /* auto: a dictionary only pays below ~n/2 distinct values */
    nd_limit = force == FLOE_ENC_DICT ? (n ? n : 1) : (n / 2 ? n / 2 : 1);
    if (!str_dict_init(&d, nd_limit)) {
        rc = floe_err_nomem(err);
        goto out;
    }
    codes = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (codes == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        uint32_t c = str_dict_put(&d, norm[i]);
        if (c == UINT32_MAX) break;
        codes[i] = c;
    }
    if (i == n) {
        w = bits_for(d.n ? d.n - 1 : 0);
        dict_size = 4 + lengths_size(d.vals, d.n) + d.bytes + 1 + floe_encode_packed_size(n, w);
    }
    use_dict = force == FLOE_ENC_DICT || dict_size < plain_bytes;
    if (use_dict) {
        rc = str_dict_sort(&d, codes, n, err);
        if (rc) goto out;
        rc = floe_encode_buf_reserve(out, 4 + (size_t)d.bytes + 1, err);
        if (rc) goto out;
        put_u32(out, d.n);
        rc = put_lengths(out, d.vals, d.n, err);
        if (rc) goto out;
        rc = floe_encode_buf_reserve(out, (size_t)d.bytes + 1, err);
        if (rc) goto out;
        for (i = 0; i < d.n; i++) put_bytes(out, d.vals[i].ptr, d.vals[i].len);
        put_u8(out, (uint8_t)w);
        rc = put_packed(out, codes, n, 0, 1, w, err);
        *out_enc = FLOE_ENC_DICT;
        goto out;
    }
plain:
    rc = put_lengths(out, norm, n, err);
    if (rc) goto out;
    rc = floe_encode_buf_reserve(out, plain_bytes, err);
    if (rc) goto out;
    for (i = 0; i < n; i++) put_bytes(out, norm[i].ptr, norm[i].len);
    *out_enc = FLOE_ENC_PLAIN;
out:
    str_dict_free(&d);
    floe_free(codes);
    floe_free(norm);
    return rc;
}

int floe_encode_values(floe_type t, const void *data, const uint64_t *validity, uint32_t n,
                       int force, floe_encbuf *out, uint8_t *out_enc, floe_err *err)
{
    int w = phys_width(t), best = FLOE_ENC_PLAIN, rc = FLOE_OK;
    size_t best_size, sz;
    int64_t *v = NULL, mn, mx, dmn = 0, dmx = 0;
    uint64_t ff = 1, df = 1, ddmin = 0;
    uint32_t i, runs, fw, dw, cw = 0, ddw = 0, *rank = NULL;
    i64_dict d;
    alp_plan alp;
    bool dict_ok = false, alp_ok = false;

    if (force != FLOE_ENC_AUTO && !floe_encode_applies(t, force))
        return floe_err_set(err, FLOE_MISUSE, "encoding %s does not apply to type %d",
                            floe_encode_name(force), t.id);
    if (t.id == FLOE_TYPE_VARCHAR)
        return encode_strings(data, validity, n, force, out, out_enc, err);
    if (w == 0 || n == 0 || force == FLOE_ENC_PLAIN) {
        size_t bytes = (size_t)n * floe_type_size(t);
        rc = floe_encode_buf_reserve(out, bytes, err);
        if (rc) return rc;
        if (bytes) put_bytes(out, data, bytes);
        *out_enc = FLOE_ENC_PLAIN;
        return FLOE_OK;
    }
    memset(&d, 0, sizeof d);
    memset(&alp, 0, sizeof alp);
    v = floe_malloc((size_t)n * sizeof(int64_t));
    if (v == NULL) return floe_err_nomem(err);
    widen(t, data, validity, n, v);

    /* one pass of statistics for every candidate */
    mn = mx = v[0];
    runs = 1;
    if (n > 1) dmn = dmx = (int64_t)((uint64_t)v[1] - (uint64_t)v[0]);
    for (i = 1; i < n; i++) {
        int64_t dd = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);
        if (v[i] < mn) mn = v[i];
        if (v[i] > mx) mx = v[i];
        if (dd < dmn) dmn = dd;
        if (dd > dmx) dmx = dd;
        runs += v[i] != v[i - 1];
    }
    if (is_intlike(t)) { /* e.g. microsecond timestamps that are whole milliseconds */
        ff = common_factor(v, n, (uint64_t)mn, false);
        df = common_factor(v, n, (uint64_t)dmn, true);
    }
    fw = bits_for(((uint64_t)mx - (uint64_t)mn) / ff);
    dw = bits_for(((uint64_t)dmx - (uint64_t)dmn) / df);

    best_size = (size_t)n * (size_t)w;
    if (force == FLOE_ENC_AUTO) {
        if (is_intlike(t)) {
            sz = 18 + floe_encode_packed_size(n, fw);
            if (sz < best_size) best_size = sz, best = FLOE_ENC_FOR;
            sz = 25 + floe_encode_packed_size(n - 1, dw);
            if (sz < best_size) best_size = sz, best = FLOE_ENC_DELTA;
        }
        sz = 4 + (size_t)runs * 12;
        if (sz < best_size) best_size = sz, best = FLOE_ENC_RLE;
    }
    if (t.id == FLOE_TYPE_DOUBLE && (force == FLOE_ENC_AUTO || force == FLOE_ENC_ALP)) {
        if (alp_prepare(v, n, &alp) != FLOE_OK) {
            rc = floe_err_nomem(err);
            goto out;
        }
        alp_ok = force == FLOE_ENC_ALP || alp.nexc <= n / 8;
        if (force == FLOE_ENC_AUTO && alp_ok) {
            sz = alp_size(&alp, n);
            if (sz < best_size) best_size = sz, best = FLOE_ENC_ALP;
        }
    }
    if (force == FLOE_ENC_AUTO || force == FLOE_ENC_DICT) {
        /* auto: a dictionary must save 10% through its codes alone, which
         * caps its size; building and sorting it is the encoder's dearest
         * step, so columns it cannot win skip it */
        uint32_t limit = n - n / 4;
        size_t target = best_size - best_size / 10;
        if (force == FLOE_ENC_DICT) {
            limit = n;
        } else {
            uint64_t cw_max = target > 22 ? (uint64_t)(target - 22) * 8 / n : 0;
            if (cw_max < 17 && (1u << cw_max) < limit) limit = 1u << cw_max;
            if (cw_max == 0) limit = 0;
        }
        if (limit > 0) {
            if (!i64_dict_init(&d, limit)) {
                rc = floe_err_nomem(err);
                goto out;
            }
            for (i = 0; i < n; i++)
                if (i64_dict_put(&d, v[i]) == UINT32_MAX) break;
            dict_ok = i == n;
            cw = bits_for(d.n ? d.n - 1 : 0);
        }
        if (force == FLOE_ENC_DICT || (dict_ok && 22 + floe_encode_packed_size(n, cw) <= target)) {
            rank = floe_malloc((size_t)d.n * sizeof *rank);
            if (rank == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            rc = i64_dict_sort(&d, rank, &ddmin, &ddw, err);
            if (rc) goto out;
            sz = 22 + floe_encode_packed_size(d.n - 1, ddw) + floe_encode_packed_size(n, cw);
            if (sz < best_size) best_size = sz, best = FLOE_ENC_DICT;
        }
    }
    if (force != FLOE_ENC_AUTO) best = force;

    switch (best) {
    case FLOE_ENC_FOR:
        rc = floe_encode_buf_reserve(out, 17, err);
        if (rc) goto out;
        put_u64(out, (uint64_t)mn);
        put_u64(out, ff);
        put_u8(out, (uint8_t)fw);
        rc = put_packed(out, v, n, (uint64_t)mn, ff, fw, err);
        break;
    case FLOE_ENC_DELTA:
        rc = floe_encode_buf_reserve(out, 25, err);
        if (rc) goto out;
        put_u64(out, (uint64_t)v[0]);
        put_u64(out, (uint64_t)dmn);
        put_u64(out, df);
        put_u8(out, (uint8_t)dw);
        /* deltas in place, back to front */
        for (i = n - 1; i > 0; i--) v[i] = (int64_t)((uint64_t)v[i] - (uint64_t)v[i - 1]);
        rc = put_packed(out, v + 1, n - 1, (uint64_t)dmn, df, dw, err);
        break;
    case FLOE_ENC_RLE: {
        uint32_t start = 0;
        rc = floe_encode_buf_reserve(out, 4 + (size_t)runs * 12, err);
        if (rc) goto out;
        put_u32(out, runs);
        for (i = 0; i < n; i++)
            if (i == 0 || v[i] != v[i - 1]) put_u64(out, (uint64_t)v[i]);
        for (i = 1; i <= n; i++) {
            if (i == n || v[i] != v[i - 1]) {
                put_u32(out, i - start);
                start = i;
            }
        }
        break;
    }
    case FLOE_ENC_DICT:
        rc = floe_encode_buf_reserve(out, 21, err);
        if (rc) goto out;
        put_u32(out, d.n);
        put_u64(out, (uint64_t)d.vals[0]);
        put_u64(out, ddmin);
        put_u8(out, (uint8_t)ddw);
        /* codes first (the hash still maps values to pre-sort codes) */
        for (i = 0; i < n; i++) v[i] = rank[i64_dict_put(&d, v[i])];
        for (i = d.n - 1; i > 0; i--) d.vals[i] = (int64_t)((uint64_t)d.vals[i] - (uint64_t)d.vals[i - 1]);
        rc = put_packed(out, d.vals + 1, d.n - 1, ddmin, 1, ddw, err);
        if (rc) goto out;
        rc = floe_encode_buf_reserve(out, 1, err);
        if (rc) goto out;
        put_u8(out, (uint8_t)cw);
        rc = put_packed(out, v, n, 0, 1, cw, err);
        break;
    case FLOE_ENC_ALP:
        rc = alp_write(&alp, v, n, out, err);
        break;
    default:
        rc = floe_encode_buf_reserve(out, (size_t)n * w, err);
        if (rc) goto out;
        put_bytes(out, data, (size_t)n * w);
        best = FLOE_ENC_PLAIN;
    }
    if (rc == FLOE_OK) *out_enc = (uint8_t)best;
out:
    floe_free(v);
    floe_free(rank);
    i64_dict_free(&d);
    floe_free(alp.ints);
    floe_free(alp.exc);
    return rc;
}

/* ------------------------------------------------------------ decoding */

#define CORRUPT(...) floe_err_set(err, FLOE_CORRUPT, __VA_ARGS__)

/* Read a u8 width (at most maxw) and take the bytes of n packed values. */
static int take_packed(rd *r, uint32_t n, uint32_t maxw, uint8_t *w, const uint8_t **q, floe_err *err)
{
    if (!rd_u8(r, w)) return CORRUPT("truncated bit width");
    if (*w > maxw) return CORRUPT("bit width %u too large", (unsigned)*w);
    if (!rd_take(r, floe_encode_packed_size(n, *w), q))
        return CORRUPT("packed data truncated (%u values of %u bits)", n, (unsigned)*w);
    return FLOE_OK;
}

/* Read a u8 width and n packed values at `base` into out64. */
static int get_packed(rd *r, uint32_t n, uint64_t base, uint32_t maxw, uint64_t *out64,
                      uint32_t *out_w, floe_err *err)
{
    uint8_t w = 0;
    const uint8_t *q = NULL;
    int rc = take_packed(r, n, maxw, &w, &q, err);
    if (rc) return rc;
    floe_encode_bitunpack(q, n, w, base, out64);
    if (out_w) *out_w = w;
    return FLOE_OK;
}

/* Read an integer dictionary (u32 count, first value, delta base, packed
 * deltas) into a new array *out_vals (free with floe_free). The count must
 * be 1..min(n, FLOE_DICT_MAX). FLOE_CORRUPT or FLOE_NOMEM. */
static int get_i64_dict(rd *r, uint32_t n, uint64_t **out_vals, uint32_t *out_n, floe_err *err)
{
    uint32_t cnt, i;
    uint64_t first, dbase, *vals;
    int rc;
    *out_vals = NULL;
    if (!rd_u32(r, &cnt) || !rd_u64(r, &first) || !rd_u64(r, &dbase))
        return CORRUPT("dictionary header truncated");
    if (cnt == 0 || cnt > FLOE_DICT_MAX || cnt > n) return CORRUPT("dictionary size %u invalid", cnt);
    vals = floe_malloc((size_t)cnt * sizeof *vals);
    if (vals == NULL) return floe_err_nomem(err);
    rc = get_packed(r, cnt - 1, dbase, 64, vals + 1, NULL, err);
    if (rc) {
        floe_free(vals);
        return rc;
    }
    vals[0] = first;
    for (i = 1; i < cnt; i++) vals[i] += vals[i - 1];
    *out_vals = vals;
    *out_n = cnt;
    return FLOE_OK;
}

/* Decode an integer-like encoding into n int64 (DOUBLE: bit patterns). */
static int stream_open(floe_decode_stream *s, int enc, const uint8_t *in, size_t len, uint32_t n,
                       floe_err *err);

static int decode_i64(int enc, bool dbl, const uint8_t *in, size_t len, uint32_t n, int64_t *out,
                      floe_err *err)
{
    rd r = {in, len, 0};
    uint32_t cnt, i;
    int rc;

    switch (enc) {
    case FLOE_ENC_FOR:
    case FLOE_ENC_DELTA: { /* the stream's checks and (fused) unpacking, in one call */
        floe_decode_stream s;
        rc = stream_open(&s, enc, in, len, n, err);
        if (rc) return rc;
        floe_decode_stream_read(&s, 0, n, out);
        return FLOE_OK;
    }
    case FLOE_ENC_RLE: {
        const uint8_t *vals, *lens;
        uint32_t pos = 0;
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
        break;
    }
    case FLOE_ENC_DICT: {
        uint64_t *vals;
        rc = get_i64_dict(&r, n, &vals, &cnt, err);
        if (rc) return rc;
        rc = get_packed(&r, n, 0, 32, (uint64_t *)out, NULL, err);
        for (i = 0; rc == FLOE_OK && i < n; i++) {
            uint64_t c = (uint64_t)out[i];
            if (c >= cnt) rc = CORRUPT("dictionary code %llu >= %u", (unsigned long long)c, cnt);
            else out[i] = (int64_t)vals[c];
        }
        floe_free(vals);
        if (rc) return rc;
        break;
    }
    case FLOE_ENC_PLAIN:
        return CORRUPT("plain is not an integer encoding");
    default:
        return CORRUPT("unknown encoding %d", enc);
    }
    (void)dbl;
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after %s data", r.len - r.off,
                                       floe_encode_name(enc));
    return FLOE_OK;
}

/* ALP's int -> double step, in place over out[0, n): int64 -> double has no
 * AVX2 instruction; for |x| < 2^51 (every realistic ALP value) adding x to
 * the bits of 2^52 + 2^51 and subtracting that double is exact and
 * vectorizes, so the division runs as vdivpd. Same results as (double)x / p. */
static void alp_scale(double *out, uint32_t n, double p)
{
    const uint64_t magic_bits = 0x4338000000000000ULL; /* 2^52 + 2^51 */
    const double magic = 6755399441055744.0;
    uint64_t inrange = 1;
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &out[i], 8);
        inrange &= (u + (1ULL << 51)) < (1ULL << 52);
    }
    if (inrange) {
        for (i = 0; i < n; i++) {
            uint64_t u;
            double d;
            memcpy(&u, &out[i], 8);
            u += magic_bits;
            memcpy(&d, &u, 8);
            out[i] = (d - magic) / p;
        }
    } else {
        for (i = 0; i < n; i++) {
            int64_t x;
            memcpy(&x, &out[i], 8);
            out[i] = (double)x / p;
        }
    }
}

static int decode_alp(const uint8_t *in, size_t len, uint32_t n, double *out, floe_err *err)
{
    rd r = {in, len, 0};
    uint8_t e;
    uint64_t base;
    uint32_t nexc, i;
    const uint8_t *pos, *vals;
    double p;
    int rc;
    if (!rd_u8(&r, &e) || !rd_u64(&r, &base)) return CORRUPT("ALP header truncated");
    if (e > FLOE_ALP_MAX_EXP) return CORRUPT("ALP exponent %u too large", (unsigned)e);
    rc = get_packed(&r, n, base, 64, (uint64_t *)out, NULL, err);
    if (rc) return rc;
    p = pow10_tab[e];
    alp_scale(out, n, p);
    if (!rd_u32(&r, &nexc)) return CORRUPT("ALP exceptions truncated");
    if (nexc > n) return CORRUPT("ALP: %u exceptions for %u rows", nexc, n);
    if (!rd_take(&r, (size_t)nexc * 4, &pos) || !rd_take(&r, (size_t)nexc * 8, &vals))
        return CORRUPT("ALP exceptions truncated");
    for (i = 0; i < nexc; i++) {
        uint32_t at;
        memcpy(&at, pos + (size_t)i * 4, 4);
        if (at >= n) return CORRUPT("ALP exception position %u >= %u", at, n);
        memcpy(&out[at], vals + (size_t)i * 8, 8);
    }
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after ALP data", r.len - r.off);
    return FLOE_OK;
}

/* Read n string lengths (u32 base, u8 width, packed) into lens and their
 * sum into *total. FLOE_CORRUPT if truncated or a length exceeds 32 bits. */
static int get_lengths(rd *r, uint32_t n, uint64_t *lens, uint64_t *total, floe_err *err)
{
    uint32_t base, i;
    uint64_t sum = 0;
    int rc;
    if (!rd_u32(r, &base)) return CORRUPT("string lengths truncated");
    rc = get_packed(r, n, base, 32, lens, NULL, err);
    if (rc) return rc;
    for (i = 0; i < n; i++) {
        if (lens[i] > UINT32_MAX) return CORRUPT("string length %llu too large",
                                                 (unsigned long long)lens[i]);
        sum += lens[i];
    }
    *total = sum;
    return FLOE_OK;
}

/* Take `total` string bytes from r, copy them into `strings` and point
 * out[0, n) at them (lengths from lens). FLOE_CORRUPT or FLOE_NOMEM. */
static int take_strings(rd *r, const uint64_t *lens, uint32_t n, uint64_t total, floe_arena *strings,
                        floe_string *out, floe_err *err)
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

/* Parse a string dictionary: count, lengths, bytes (copied into `strings`). */
static int get_str_dict(rd *r, uint32_t n, floe_arena *strings, floe_string **out_vals,
                        uint32_t *out_n, floe_err *err)
{
    uint32_t cnt;
    uint64_t total = 0, *lens;
    floe_string *vals;
    int rc;
    if (!rd_u32(r, &cnt)) return CORRUPT("dictionary header truncated");
    if (cnt > FLOE_DICT_MAX || (cnt == 0 && n > 0) || cnt > n + 1)
        return CORRUPT("dictionary size %u invalid", cnt);
    lens = floe_malloc((size_t)(cnt ? cnt : 1) * sizeof *lens);
    vals = floe_malloc((size_t)(cnt ? cnt : 1) * sizeof *vals);
    if (lens == NULL || vals == NULL) {
        floe_free(lens);
        floe_free(vals);
        return floe_err_nomem(err);
    }
    rc = get_lengths(r, cnt, lens, &total, err);
    if (rc == FLOE_OK) rc = take_strings(r, lens, cnt, total, strings, vals, err);
    floe_free(lens);
    if (rc) {
        floe_free(vals);
        return rc;
    }
    *out_vals = vals;
    *out_n = cnt;
    return FLOE_OK;
}

static int decode_strings(int enc, const uint8_t *in, size_t len, uint32_t n, floe_string *out,
                          floe_arena *strings, floe_err *err)
{
    rd r = {in, len, 0};
    uint32_t i;
    int rc;
    if (enc == FLOE_ENC_PLAIN) {
        uint64_t total = 0, *lens = floe_malloc((size_t)(n ? n : 1) * sizeof *lens);
        if (lens == NULL) return floe_err_nomem(err);
        rc = get_lengths(&r, n, lens, &total, err);
        if (rc == FLOE_OK && total != r.len - r.off)
            rc = CORRUPT("string bytes: %llu expected, %zu present", (unsigned long long)total,
                         r.len - r.off);
        if (rc == FLOE_OK) rc = take_strings(&r, lens, n, total, strings, out, err);
        floe_free(lens);
        return rc;
    }
    if (enc == FLOE_ENC_DICT) {
        floe_string *vals = NULL;
        uint32_t cnt;
        uint64_t *codes;
        rc = get_str_dict(&r, n, strings, &vals, &cnt, err);
        if (rc) return rc;
        codes = floe_malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
        if (codes == NULL) {
            floe_free(vals);
            return floe_err_nomem(err);
        }
        rc = get_packed(&r, n, 0, 32, codes, NULL, err);
        for (i = 0; rc == FLOE_OK && i < n; i++) {
            if (codes[i] >= cnt) {
                rc = CORRUPT("dictionary code %llu >= %u", (unsigned long long)codes[i], cnt);
                break;
            }
            out[i] = vals[codes[i]];
        }
        if (rc == FLOE_OK && r.off != r.len)
            rc = CORRUPT("%zu trailing bytes after dictionary data", r.len - r.off);
        floe_free(codes);
        floe_free(vals);
        return rc;
    }
    return CORRUPT("encoding %s is invalid for VARCHAR", floe_encode_name(enc));
}

static void narrow(floe_type t, const int64_t *v, uint32_t n, void *out)
{
    uint32_t i;
    if (phys_width(t) == 1)
        for (i = 0; i < n; i++) ((uint8_t *)out)[i] = (uint8_t)v[i];
    else
        for (i = 0; i < n; i++) ((int32_t *)out)[i] = (int32_t)v[i];
}


int floe_decode_stream_init(floe_decode_stream *s, floe_type t, int enc, const uint8_t *in,
                            size_t len, uint32_t n, floe_err *err)
{
    memset(s, 0, sizeof *s);
    if (phys_width(t) != 8 || !floe_encode_applies(t, enc) ||
        !(enc == FLOE_ENC_FOR || enc == FLOE_ENC_DELTA || enc == FLOE_ENC_ALP))
        return FLOE_NOTFOUND;
    return stream_open(s, enc, in, len, n, err);
}

/* floe_decode_stream_init without the type check: FOR, DELTA or ALP of any
 * integer width (values come out as 64 bits). */
static int stream_open(floe_decode_stream *s, int enc, const uint8_t *in, size_t len, uint32_t n,
                       floe_err *err)
{
    rd r = {in, len, 0};
    uint32_t npacked = n, i, prev = 0;
    int rc;
    memset(s, 0, sizeof *s);
    s->enc = enc;
    s->n = n;
    if (enc == FLOE_ENC_FOR) {
        if (!rd_u64(&r, &s->base) || !rd_u64(&r, &s->factor)) return CORRUPT("FOR header truncated");
    } else if (enc == FLOE_ENC_DELTA) {
        if (!rd_u64(&r, &s->acc) || !rd_u64(&r, &s->base) || !rd_u64(&r, &s->factor))
            return CORRUPT("delta header truncated");
        if (n == 0) return r.off == r.len ? FLOE_OK : CORRUPT("%zu trailing bytes after delta data", r.len - r.off);
        npacked = n - 1;
    } else {
        uint8_t e;
        if (!rd_u8(&r, &e) || !rd_u64(&r, &s->base)) return CORRUPT("ALP header truncated");
        if (e > FLOE_ALP_MAX_EXP) return CORRUPT("ALP exponent %u too large", (unsigned)e);
        s->p = pow10_tab[e];
        s->factor = 1;
    }
    if (s->factor == 0) return CORRUPT("zero scale factor");
    if ((rc = take_packed(&r, npacked, 64, &s->w, &s->q, err)) != FLOE_OK) return rc;
    s->qlen = floe_encode_packed_size(npacked, s->w);
    if (enc == FLOE_ENC_ALP) {
        if (!rd_u32(&r, &s->nexc)) return CORRUPT("ALP exceptions truncated");
        if (s->nexc > n) return CORRUPT("ALP: %u exceptions for %u rows", s->nexc, n);
        if (!rd_take(&r, (size_t)s->nexc * 4, &s->xpos) || !rd_take(&r, (size_t)s->nexc * 8, &s->xval))
            return CORRUPT("ALP exceptions truncated");
        for (i = 0; i < s->nexc; i++) {
            uint32_t at;
            memcpy(&at, s->xpos + (size_t)i * 4, 4);
            if (at >= n) return CORRUPT("ALP exception position %u >= %u", at, n);
            if (i && at <= prev) return FLOE_NOTFOUND; /* not ascending: decode whole */
            prev = at;
        }
    }
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after %s data", r.len - r.off, floe_encode_name(enc));
    return FLOE_OK;
}

/* Unpack packed values [from, from + m) (from a multiple of 8) as base + x * factor. */
static void stream_unpack(const floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out)
{
    size_t off = (size_t)from / 8 * s->w;
    uint32_t i;
    bitunpack_avail(s->q + off, s->qlen - off, m, s->w, s->factor == 1 ? s->base : 0, out);
    if (s->factor != 1)
        for (i = 0; i < m; i++) out[i] = s->base + out[i] * s->factor;
}

/* DELTA: out[k] = acc + deltas from..from+k (packed values from a multiple
 * of 8); returns the new running sum. Whole groups whose reads stay inside
 * the packed bytes go through the fused unpackers, the rest through
 * stream_unpack and a separate sum. */
static uint64_t stream_unpack_sum(const floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out,
                                  uint64_t acc)
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
        stream_unpack(s, from + done, m - done, out + done);
        for (i = done; i < m; i++) out[i] = acc += out[i];
    }
    return acc;
}

void floe_decode_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, void *outv)
{
    uint64_t *out = outv;
    uint32_t i;
    if (s->enc == FLOE_ENC_DELTA) {
        /* value 0 is the first value; value k = value k-1 + delta k-1, the
         * deltas being packed values 0..n-2. acc is the value at pos - 1
         * (the first value while pos is 0 or 1). */
        if (s->pos == 0 && from > 0) s->pos = 1;
        if (s->pos < from) { /* skip: add deltas pos-1 .. from-2 */
            uint32_t lo = s->pos - 1, hi = from - 1, c;
            for (c = lo / 8 * 8; c < hi; c += 2048) {
                uint32_t k = hi - c < 2048 ? hi - c : 2048;
                uint64_t acc = s->acc;
                stream_unpack(s, c, k, out);
                for (i = c < lo ? lo - c : 0; i < k; i++) acc += out[i];
                s->acc = acc;
            }
            s->pos = from;
        }
        if (m == 0) return;
        {
            uint64_t acc = s->acc; /* a local: out may alias *s for the compiler */
            if (from == 0) {
                out[0] = acc;
            } else {
                /* delta from-1 sits at the end of the group before `from` */
                uint64_t tmp[8];
                stream_unpack(s, from - 8, 8, tmp);
                out[0] = acc += tmp[7];
            }
            s->acc = m > 1 ? stream_unpack_sum(s, from, m - 1, out + 1, acc) : acc;
        }
        s->pos = from + m;
        return;
    }
    stream_unpack(s, from, m, out);
    if (s->enc == FLOE_ENC_ALP) {
        alp_scale((double *)out, m, s->p);
        while (s->xi < s->nexc) {
            uint32_t at;
            memcpy(&at, s->xpos + (size_t)s->xi * 4, 4);
            if (at < from) {
                s->xi++;
                continue;
            }
            if (at >= from + m) break;
            memcpy(&out[at - from], s->xval + (size_t)s->xi * 8, 8);
            s->xi++;
        }
    }
    s->pos = from + m;
}

int floe_decode_values(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                       void *out, floe_arena *strings, floe_err *err)
{
    int w = phys_width(t), rc;
    int64_t *tmp;
    if (enc < 0 || enc >= FLOE_ENC_COUNT || !floe_encode_applies(t, enc))
        return CORRUPT("encoding %d is invalid for type %d", enc, t.id);
    if (t.id == FLOE_TYPE_VARCHAR) return decode_strings(enc, in, len, n, out, strings, err);
    if (enc == FLOE_ENC_PLAIN) {
        size_t bytes = (size_t)n * floe_type_size(t);
        if (len != bytes) return CORRUPT("plain data: %zu bytes for %u rows", len, n);
        if (bytes) memcpy(out, in, bytes);
        return FLOE_OK;
    }
    if (enc == FLOE_ENC_ALP) return decode_alp(in, len, n, out, err);
    if (w == 8) return decode_i64(enc, t.id == FLOE_TYPE_DOUBLE, in, len, n, out, err);
    tmp = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (tmp == NULL) return floe_err_nomem(err);
    rc = decode_i64(enc, false, in, len, n, tmp, err);
    if (rc == FLOE_OK) narrow(t, tmp, n, out);
    floe_free(tmp);
    return rc;
}

int floe_decode_dict(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                     uint32_t *codes, floe_vec *dict, floe_err *err)
{
    rd r = {in, len, 0};
    uint64_t *c64 = NULL;
    uint32_t cnt, i;
    int rc;
    if (enc != FLOE_ENC_DICT) return floe_err_set(err, FLOE_MISUSE, "block is not dictionary-encoded");
    if (!floe_encode_applies(t, enc)) return CORRUPT("dictionary invalid for type %d", t.id);
    memset(dict, 0, sizeof *dict);
    if (t.id == FLOE_TYPE_VARCHAR) {
        floe_string *vals = NULL;
        floe_arena *heap = floe_arena_new(0);
        if (heap == NULL) return floe_err_nomem(err);
        rc = get_str_dict(&r, n, heap, &vals, &cnt, err);
        if (rc) {
            floe_arena_free(heap);
            return rc;
        }
        rc = floe_vec_init(dict, t, cnt ? cnt : 1);
        if (rc) {
            floe_free(vals);
            floe_arena_free(heap);
            return floe_err_nomem(err);
        }
        dict->heap = heap;
        if (cnt) memcpy(dict->data, vals, (size_t)cnt * sizeof *vals);
        dict->n = cnt;
        floe_free(vals);
    } else {
        uint64_t *vals;
        rc = get_i64_dict(&r, n, &vals, &cnt, err);
        if (rc) return rc;
        if (floe_vec_init(dict, t, cnt)) {
            floe_free(vals);
            return floe_err_nomem(err);
        }
        if (phys_width(t) == 8)
            memcpy(dict->data, vals, (size_t)cnt * 8);
        else
            narrow(t, (const int64_t *)vals, cnt, dict->data);
        dict->n = cnt;
        floe_free(vals);
    }
    {
        /* unpack 2048 codes at a time into an L1-sized buffer, then check and
         * narrow them in two branch-free passes (they vectorize); codes need
         * a range check only when the width can express values >= cnt */
        enum { CH = 2048 };
        uint8_t w = 0;
        const uint8_t *q = NULL;
        uint32_t start;
        c64 = floe_malloc(CH * sizeof *c64);
        if (c64 == NULL) {
            floe_vec_free(dict);
            return floe_err_nomem(err);
        }
        rc = take_packed(&r, n, 32, &w, &q, err);
        for (start = 0; rc == FLOE_OK && start < n; start += CH) {
            uint32_t m = n - start < CH ? n - start : CH;
            floe_encode_bitunpack(q + (size_t)start / 8 * w, m, w, 0, c64);
            if (w >= 32 || (1ull << w) > cnt) {
                uint64_t bad = 0; /* an OR of compares: no dependency through a max */
                for (i = 0; i < m; i++) bad |= (uint64_t)(c64[i] >= cnt);
                if (bad) {
                    for (i = 0; c64[i] < cnt; i++) {
                    }
                    rc = CORRUPT("dictionary code %llu >= %u", (unsigned long long)c64[i], cnt);
                    break;
                }
            }
            {
                uint32_t *cs = codes + start; /* a pointer: the loop vectorizes */
                for (i = 0; i < m; i++) cs[i] = (uint32_t)c64[i];
            }
        }
    }
    if (rc == FLOE_OK && r.off != r.len)
        rc = CORRUPT("%zu trailing bytes after dictionary data", r.len - r.off);
    floe_free(c64);
    if (rc) floe_vec_free(dict);
    return rc;
}
