/* storage/enc_dict.c: DICT (encoding 1): per-block sorted dictionary +
 * bit-packed codes.
 *
 * Integer-like types and DOUBLE (bit patterns): u32 count c; i64 first
 * value; i64 delta base; u8 width; c-1 packed successive differences of the
 * ascending values (above their minimum); u8 code width; n packed codes.
 * VARCHAR: u32 count c; c lengths (as PLAIN's); the c strings' bytes,
 * bytewise ascending; u8 code width; n packed codes. At most FLOE_DICT_MAX
 * values. Under auto, integers try a dictionary only when its codes alone
 * could save 10% over the best other candidate (which caps its size:
 * building and sorting it is the encoder's dearest step); strings when it
 * beats PLAIN with at most n/2 distinct values. Also decodes to codes + a
 * dictionary vector for dictionary-aware scans (floe_decode_dict).
 * Layout: doc/format.md.
 */
#include <stdlib.h>

#include "storage/enc.h"
#include "util/hash.h"
#include "util/mem.h"

bool floe_enc_dict_applies(floe_type t)
{
    return phys_width(t) != 0 || t.id == FLOE_TYPE_VARCHAR;
}

/* ------------------------------------------------------ building */

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

/* ------------------------------------------------- plan and write */

/* plan() state for integer-like blocks. */
typedef struct int_plan {
    i64_dict d;     /* sorted after plan() when sized */
    uint32_t *rank; /* pre-sort code -> sorted code */
    uint64_t ddmin; /* smallest difference of successive values */
    uint32_t ddw;   /* their packed width */
    uint32_t cw;    /* code width */
} int_plan;

/* plan() state for VARCHAR blocks. */
typedef struct str_plan {
    str_dict d;
    int64_t *codes; /* n codes (pre-sort until write) */
    uint32_t w;     /* code width */
} str_plan;

/* The dictionary's limit under auto: a dictionary must save 10% over `best`
 * through its codes alone, which caps its code width. */
static uint32_t int_limit(const floe_enc_block *b, size_t target)
{
    uint32_t n = b->n, limit = n - n / 4;
    uint64_t cw_max;
    if (b->force == FLOE_ENC_DICT) return n;
    cw_max = target > 22 ? (uint64_t)(target - 22) * 8 / n : 0;
    if (cw_max < 17 && (1u << cw_max) < limit) limit = 1u << cw_max;
    if (cw_max == 0) limit = 0;
    return limit;
}

static int plan_ints(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    int_plan *p = floe_calloc(1, sizeof *p);
    size_t target = best - best / 10;
    uint32_t limit = int_limit(b, target), i;
    bool dict_ok = false;
    int rc;
    *out_size = SIZE_MAX;
    if (p == NULL) return floe_err_nomem(err);
    b->plan[FLOE_ENC_DICT].state = p;
    if (limit > 0) {
        if (!i64_dict_init(&p->d, limit)) return floe_err_nomem(err);
        for (i = 0; i < b->n; i++)
            if (i64_dict_put(&p->d, b->v[i]) == UINT32_MAX) break;
        dict_ok = i == b->n;
        p->cw = bits_for(p->d.n ? p->d.n - 1 : 0);
    }
    if (b->force != FLOE_ENC_DICT &&
        !(dict_ok && 22 + floe_encode_packed_size(b->n, p->cw) <= target))
        return FLOE_OK;
    p->rank = floe_malloc((size_t)p->d.n * sizeof *p->rank);
    if (p->rank == NULL) return floe_err_nomem(err);
    rc = i64_dict_sort(&p->d, p->rank, &p->ddmin, &p->ddw, err);
    if (rc) return rc;
    *out_size = 22 + floe_encode_packed_size(p->d.n - 1, p->ddw) +
                floe_encode_packed_size(b->n, p->cw);
    return FLOE_OK;
}

static int write_ints(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    int_plan *p = b->plan[FLOE_ENC_DICT].state;
    i64_dict *d = &p->d;
    int64_t *v = b->v;
    uint32_t i, n = b->n;
    int rc = floe_encode_buf_reserve(out, 21, err);
    if (rc) return rc;
    put_u32(out, d->n);
    put_u64(out, (uint64_t)d->vals[0]);
    put_u64(out, p->ddmin);
    put_u8(out, (uint8_t)p->ddw);
    /* codes first (the hash still maps values to pre-sort codes) */
    for (i = 0; i < n; i++) v[i] = p->rank[i64_dict_put(d, v[i])];
    for (i = d->n - 1; i > 0; i--)
        d->vals[i] = (int64_t)((uint64_t)d->vals[i] - (uint64_t)d->vals[i - 1]);
    rc = floe_enc_put_packed(out, d->vals + 1, d->n - 1, p->ddmin, 1, p->ddw, err);
    if (rc) return rc;
    rc = floe_encode_buf_reserve(out, 1, err);
    if (rc) return rc;
    put_u8(out, (uint8_t)p->cw);
    return floe_enc_put_packed(out, v, n, 0, 1, p->cw, err);
}

/* Strings: a dictionary only pays below ~n/2 distinct values under auto. */
static int plan_strings(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    str_plan *p = floe_calloc(1, sizeof *p);
    uint32_t n = b->n, i, limit;
    (void)best;
    *out_size = SIZE_MAX;
    if (p == NULL) return floe_err_nomem(err);
    b->plan[FLOE_ENC_DICT].state = p;
    limit = b->force == FLOE_ENC_DICT ? (n ? n : 1) : (n / 2 ? n / 2 : 1);
    if (!str_dict_init(&p->d, limit)) return floe_err_nomem(err);
    p->codes = floe_malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    if (p->codes == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        uint32_t c = str_dict_put(&p->d, b->s[i]);
        if (c == UINT32_MAX) return FLOE_OK; /* too many distinct values */
        p->codes[i] = c;
    }
    p->w = bits_for(p->d.n ? p->d.n - 1 : 0);
    *out_size = 4 + floe_enc_lengths_size(p->d.vals, p->d.n) + p->d.bytes + 1 +
                floe_encode_packed_size(n, p->w);
    return FLOE_OK;
}

static int write_strings(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    str_plan *p = b->plan[FLOE_ENC_DICT].state;
    str_dict *d = &p->d;
    uint32_t i;
    int rc = str_dict_sort(d, p->codes, b->n, err);
    if (rc) return rc;
    rc = floe_encode_buf_reserve(out, 4 + (size_t)d->bytes + 1, err);
    if (rc) return rc;
    put_u32(out, d->n);
    rc = floe_enc_put_lengths(out, d->vals, d->n, err);
    if (rc) return rc;
    rc = floe_encode_buf_reserve(out, (size_t)d->bytes + 1, err);
    if (rc) return rc;
    for (i = 0; i < d->n; i++) put_bytes(out, d->vals[i].ptr, d->vals[i].len);
    put_u8(out, (uint8_t)p->w);
    return floe_enc_put_packed(out, p->codes, b->n, 0, 1, p->w, err);
}

int floe_enc_dict_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    if (b->t.id == FLOE_TYPE_VARCHAR) return plan_strings(b, best, out_size, err);
    return plan_ints(b, best, out_size, err);
}

int floe_enc_dict_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    if (b->t.id == FLOE_TYPE_VARCHAR) return write_strings(b, out, err);
    return write_ints(b, out, err);
}

void floe_enc_dict_release(floe_enc_block *b)
{
    void *state = b->plan[FLOE_ENC_DICT].state;
    if (state == NULL) return;
    if (b->t.id == FLOE_TYPE_VARCHAR) {
        str_plan *p = state;
        str_dict_free(&p->d);
        floe_free(p->codes);
    } else {
        int_plan *p = state;
        i64_dict_free(&p->d);
        floe_free(p->rank);
    }
    floe_free(state);
    b->plan[FLOE_ENC_DICT].state = NULL;
}

/* ------------------------------------------------------- decoding */

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
    rc = floe_enc_get_packed(r, cnt - 1, dbase, 64, vals + 1, err);
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
    rc = floe_enc_get_lengths(r, cnt, lens, &total, err);
    if (rc == FLOE_OK) rc = floe_enc_take_strings(r, lens, cnt, total, strings, vals, err);
    floe_free(lens);
    if (rc) {
        floe_free(vals);
        return rc;
    }
    *out_vals = vals;
    *out_n = cnt;
    return FLOE_OK;
}

static int decode_i64(const uint8_t *in, size_t len, uint32_t n, int64_t *out, floe_err *err)
{
    rd r = {in, len, 0};
    uint64_t *vals;
    uint32_t cnt = 0, i;
    int rc = get_i64_dict(&r, n, &vals, &cnt, err);
    if (rc) return rc;
    rc = floe_enc_get_packed(&r, n, 0, 32, (uint64_t *)out, err);
    for (i = 0; rc == FLOE_OK && i < n; i++) {
        uint64_t c = (uint64_t)out[i];
        if (c >= cnt) rc = CORRUPT("dictionary code %llu >= %u", (unsigned long long)c, cnt);
        else out[i] = (int64_t)vals[c];
    }
    floe_free(vals);
    if (rc) return rc;
    if (r.off != r.len) return CORRUPT("%zu trailing bytes after dict data", r.len - r.off);
    return FLOE_OK;
}

static int decode_strings(const uint8_t *in, size_t len, uint32_t n, floe_string *out,
                          floe_arena *strings, floe_err *err)
{
    rd r = {in, len, 0};
    floe_string *vals = NULL;
    uint32_t cnt = 0, i;
    uint64_t *codes;
    int rc = get_str_dict(&r, n, strings, &vals, &cnt, err);
    if (rc) return rc;
    codes = floe_malloc((size_t)(n ? n : 1) * sizeof(uint64_t));
    if (codes == NULL) {
        floe_free(vals);
        return floe_err_nomem(err);
    }
    rc = floe_enc_get_packed(&r, n, 0, 32, codes, err);
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

int floe_enc_dict_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                         floe_arena *strings, floe_err *err)
{
    if (t.id == FLOE_TYPE_VARCHAR) return decode_strings(in, len, n, out, strings, err);
    return floe_enc_decode_ints(t, decode_i64, in, len, n, out, err);
}

int floe_decode_dict(floe_type t, int enc, const uint8_t *in, size_t len, uint32_t n,
                     uint32_t *codes, floe_vec *dict, floe_err *err)
{
    rd r = {in, len, 0};
    uint64_t *c64 = NULL;
    uint32_t cnt = 0, i;
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
            floe_enc_narrow(t, (const int64_t *)vals, cnt, dict->data);
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
        rc = floe_enc_take_packed(&r, n, 32, &w, &q, err);
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
