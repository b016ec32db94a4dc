/* storage/enc_alp.c: ALP (encoding 5): DOUBLE as decimal integers.
 *
 * A double v is stored as the integer x = llround(v * 10^e) when
 * (double)x / 10^e gives back exactly v's bits, else as an exception.
 * Layout: u8 exponent e (<= FLOE_ALP_MAX_EXP, picked on a sample); i64 base
 * (min x); u8 width w; n values x - base, w bits each (exceptions hold a
 * neighbour's x); u32 exception count c; c x u32 ascending rows; c x f64 raw
 * values. Under auto it is a candidate only when at most n/8 values are
 * exceptions. ALP blocks are also decoded a vector at a time (stream).
 * Layout: doc/format.md.
 */
#include <math.h>

#include "storage/enc.h"
#include "util/mem.h"

static const double pow10_tab[FLOE_ALP_MAX_EXP + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

bool floe_enc_alp_applies(floe_type t)
{
    return t.id == FLOE_TYPE_DOUBLE;
}

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

/* plan() state: the block's integers and exceptions. */
typedef struct alp_plan {
    int e;
    int64_t *ints; /* n integers; exceptions hold a neighbour's */
    uint32_t *exc; /* exception positions */
    uint32_t nexc;
    int64_t min, max;
} alp_plan;

/* v: the values' bit patterns (NULL slots already normalised). FLOE_NOMEM
 * (p's arrays may be allocated: free them). */
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

int floe_enc_alp_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    alp_plan *p = floe_calloc(1, sizeof *p);
    uint32_t w;
    (void)best;
    if (p == NULL) return floe_err_nomem(err);
    b->plan[FLOE_ENC_ALP].state = p;
    if (alp_prepare(b->v, b->n, p) != FLOE_OK) return floe_err_nomem(err);
    *out_size = SIZE_MAX;
    if (b->force == FLOE_ENC_ALP || p->nexc <= b->n / 8) {
        w = bits_for((uint64_t)p->max - (uint64_t)p->min);
        *out_size = 1 + 8 + 1 + floe_encode_packed_size(b->n, w) + 4 + (size_t)p->nexc * 12;
    }
    return FLOE_OK;
}

int floe_enc_alp_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    const alp_plan *p = b->plan[FLOE_ENC_ALP].state;
    uint32_t w = bits_for((uint64_t)p->max - (uint64_t)p->min), i;
    int rc = floe_encode_buf_reserve(out, 10 + 4 + (size_t)p->nexc * 12, err);
    if (rc) return rc;
    put_u8(out, (uint8_t)p->e);
    put_u64(out, (uint64_t)p->min);
    put_u8(out, (uint8_t)w);
    rc = floe_enc_put_packed(out, p->ints, b->n, (uint64_t)p->min, 1, w, err);
    if (rc) return rc;
    rc = floe_encode_buf_reserve(out, 4 + (size_t)p->nexc * 12, err);
    if (rc) return rc;
    put_u32(out, p->nexc);
    for (i = 0; i < p->nexc; i++) put_u32(out, p->exc[i]);
    for (i = 0; i < p->nexc; i++) put_bytes(out, &b->v[p->exc[i]], 8);
    return FLOE_OK;
}

void floe_enc_alp_release(floe_enc_block *b)
{
    alp_plan *p = b->plan[FLOE_ENC_ALP].state;
    if (p == NULL) return;
    floe_free(p->ints);
    floe_free(p->exc);
    floe_free(p);
    b->plan[FLOE_ENC_ALP].state = NULL;
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

int floe_enc_alp_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *outv,
                        floe_arena *strings, floe_err *err)
{
    rd r = {in, len, 0};
    double *out = outv;
    uint8_t e;
    uint64_t base;
    uint32_t nexc, i;
    const uint8_t *pos, *vals;
    int rc;
    (void)t;
    (void)strings;
    if (!rd_u8(&r, &e) || !rd_u64(&r, &base)) return CORRUPT("ALP header truncated");
    if (e > FLOE_ALP_MAX_EXP) return CORRUPT("ALP exponent %u too large", (unsigned)e);
    rc = floe_enc_get_packed(&r, n, base, 64, (uint64_t *)out, err);
    if (rc) return rc;
    alp_scale(out, n, pow10_tab[e]);
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

/* Exceptions must ascend for the stream (FLOE_NOTFOUND otherwise: decode
 * the block whole). */
int floe_enc_alp_stream_open(floe_decode_stream *s, const uint8_t *in, size_t len, uint32_t n,
                             floe_err *err)
{
    rd r = {in, len, 0};
    uint32_t i, prev = 0;
    uint8_t e;
    int rc;
    memset(s, 0, sizeof *s);
    s->enc = FLOE_ENC_ALP;
    s->n = n;
    if (!rd_u8(&r, &e) || !rd_u64(&r, &s->base)) return CORRUPT("ALP header truncated");
    if (e > FLOE_ALP_MAX_EXP) return CORRUPT("ALP exponent %u too large", (unsigned)e);
    s->p = pow10_tab[e];
    s->factor = 1;
    rc = floe_enc_stream_packed(s, &r, n, err);
    if (rc) return rc;
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
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after alp data", r.len - r.off);
    return FLOE_OK;
}

void floe_enc_alp_stream_read(floe_decode_stream *s, uint32_t from, uint32_t m, uint64_t *out)
{
    floe_enc_stream_unpack(s, from, m, out);
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
    s->pos = from + m;
}
