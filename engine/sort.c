/* engine/sort.c: normalized-key sorting (see sort.h). */
#include "engine/sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/mem.h"

#define SORT_STR_PREFIX 8

__extension__ typedef __int128 sort_i128;
__extension__ typedef unsigned __int128 sort_u128;

static uint32_t value_width(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return 1;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return 4;
    case FLOE_TYPE_INTERVAL: return 16;
    case FLOE_TYPE_VARCHAR: return SORT_STR_PREFIX;
    default: return 8;
    }
}

void floe_sort_spec_init(floe_sort_spec *s, const floe_sort_key *keys, uint32_t nkeys,
                         const floe_type *types)
{
    uint32_t k;
    s->keys = keys;
    s->nkeys = nkeys;
    s->types = types;
    s->klen = 0;
    s->tail_from = nkeys;
    for (k = 0; k < nkeys; k++) {
        floe_type t = types[keys[k].col];
        s->klen += 1 + value_width(t);
        if (t.id == FLOE_TYPE_VARCHAR) {
            s->tail_from = k;
            break;
        }
    }
    s->reclen = s->klen + 8;
}

static void put_be(uint8_t *d, uint64_t v, uint32_t w)
{
    uint32_t i;
    for (i = 0; i < w; i++) d[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
}

void floe_sort_encode(const floe_sort_spec *s, const floe_vec *cols, uint32_t row, uint64_t rowid,
                      uint8_t *dst)
{
    uint32_t k, lim = s->tail_from < s->nkeys ? s->tail_from + 1 : s->nkeys;
    uint8_t *p = dst;
    for (k = 0; k < lim; k++) {
        const floe_sort_key *key = &s->keys[k];
        const floe_vec *v = &cols[key->col];
        uint32_t r = floe_exec_vrow(v, row), w = value_width(v->type), i;
        int valid = floe_vec_is_valid(v, r);
        *p++ = valid ? (key->nulls_first ? 1 : 0) : (key->nulls_first ? 0 : 1);
        if (!valid) {
            memset(p, 0, w);
            p += w;
            continue;
        }
        switch ((floe_type_id)v->type.id) {
        case FLOE_TYPE_BOOLEAN: p[0] = ((const uint8_t *)v->data)[r]; break;
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_DATE:
            put_be(p, (uint32_t)((const int32_t *)v->data)[r] ^ 0x80000000u, 4);
            break;
        case FLOE_TYPE_DOUBLE: {
            double d = ((const double *)v->data)[r];
            uint64_t u;
            if (d == 0) d = 0;
            if (isnan(d)) d = NAN;
            memcpy(&u, &d, 8);
            u = (u >> 63) ? ~u : u ^ 0x8000000000000000ULL;
            put_be(p, u, 8);
            break;
        }
        case FLOE_TYPE_VARCHAR: {
            floe_string str = ((const floe_string *)v->data)[r];
            uint32_t n = str.len < SORT_STR_PREFIX ? str.len : SORT_STR_PREFIX;
            memset(p, 0, SORT_STR_PREFIX);
            if (n) memcpy(p, str.ptr, n);
            break;
        }
        case FLOE_TYPE_INTERVAL: {
            floe_interval iv = ((const floe_interval *)v->data)[r];
            sort_i128 x = ((sort_i128)iv.months * 30 + iv.days) * FLOE_MICROS_PER_DAY + iv.micros;
            sort_u128 u = (sort_u128)x ^ ((sort_u128)1 << 127);
            put_be(p, (uint64_t)(u >> 64), 8);
            put_be(p + 8, (uint64_t)u, 8);
            break;
        }
        default:
            put_be(p, (uint64_t)((const int64_t *)v->data)[r] ^ 0x8000000000000000ULL, 8);
            break;
        }
        if (key->desc)
            for (i = 0; i < w; i++) p[i] = (uint8_t)~p[i];
        p += w;
    }
    memcpy(dst + s->klen, &rowid, 8);
}

static int tail_cmp(const floe_sort_spec *s, const floe_exec_rows *r, uint64_t ia, uint64_t ib)
{
    uint32_t k;
    for (k = s->tail_from; k < s->nkeys; k++) {
        const floe_sort_key *key = &s->keys[k];
        uint32_t c = key->col;
        int va = floe_exec_rows_is_valid(r, c, ia), vb = floe_exec_rows_is_valid(r, c, ib), d;
        floe_value a, b;
        if (va != vb) return (va ? 1 : -1) * (key->nulls_first ? 1 : -1);
        if (!va) continue;
        floe_value_load(r->types[c], r->data[c], ia, &a);
        floe_value_load(r->types[c], r->data[c], ib, &b);
        d = floe_value_cmp(&a, &b);
        if (d) return key->desc ? -d : d;
    }
    return 0;
}

int floe_sort_cmp(const floe_sort_spec *s, const floe_exec_rows *r, const uint8_t *a,
                  const uint8_t *b)
{
    uint64_t ia, ib;
    int c = memcmp(a, b, s->klen);
    if (c) return c;
    memcpy(&ia, a + s->klen, 8);
    memcpy(&ib, b + s->klen, 8);
    if (s->tail_from < s->nkeys) {
        c = tail_cmp(s, r, ia, ib);
        if (c) return c;
    }
    return (ia > ib) - (ia < ib);
}

typedef struct sort_arg {
    const floe_sort_spec *s;
    const floe_exec_rows *r;
} sort_arg;

static int qcmp(const void *a, const void *b, void *arg)
{
    const sort_arg *sa = arg;
    return floe_sort_cmp(sa->s, sa->r, a, b);
}

/* Stable LSD radix sort of n records by their first klen bytes. One pass
 * builds every byte's histogram; bytes equal in all records (high bytes of
 * small integers, NULL markers of non-NULL columns) cost nothing more. */
static int radix_sort(uint8_t *recs, uint64_t n, uint32_t reclen, uint32_t klen)
{
    uint64_t *cnt = floe_calloc((size_t)klen * 256, sizeof *cnt), i;
    uint8_t *tmp = floe_malloc((size_t)n * reclen), *src = recs, *dst = tmp;
    uint32_t b, words = reclen / 8;
    if (cnt == NULL || tmp == NULL) {
        floe_free(cnt);
        floe_free(tmp);
        return FLOE_NOMEM;
    }
    for (i = 0; i < n; i++) {
        const uint8_t *r = recs + i * reclen;
        for (b = 0; b < klen; b++) cnt[(size_t)b * 256 + r[b]]++;
    }
    for (b = klen; b-- > 0;) {
        uint64_t *c = cnt + (size_t)b * 256, off[256], sum = 0;
        uint32_t v;
        if (c[src[b]] == n) continue; /* constant byte */
        for (v = 0; v < 256; v++) {
            off[v] = sum;
            sum += c[v];
        }
        for (i = 0; i < n; i++) {
            const uint64_t *from = (const uint64_t *)(src + i * reclen);
            uint64_t *to = (uint64_t *)(dst + off[src[i * reclen + b]]++ * reclen);
            uint32_t w;
            for (w = 0; w < words; w++) to[w] = from[w];
        }
        {
            uint8_t *t = src;
            src = dst;
            dst = t;
        }
    }
    if (src != recs) memcpy(recs, src, (size_t)n * reclen);
    floe_free(cnt);
    floe_free(tmp);
    return FLOE_OK;
}

int floe_sort_records(const floe_sort_spec *s, const floe_exec_rows *r, uint8_t **out_recs,
                      floe_err *err)
{
    uint8_t *recs;
    uint64_t start;
    floe_vec *view;
    sort_arg sa;
    uint32_t reclen = floe_sort_reclen(s);
    *out_recs = NULL;
    recs = floe_calloc(r->n ? r->n : 1, reclen);
    view = floe_calloc(r->ncols ? r->ncols : 1, sizeof *view);
    if (recs == NULL || view == NULL) {
        floe_free(recs);
        floe_free(view);
        return floe_err_nomem(err);
    }
    for (start = 0; start < r->n; start += FLOE_VEC_SIZE) {
        uint32_t n = (uint32_t)(r->n - start < FLOE_VEC_SIZE ? r->n - start : FLOE_VEC_SIZE), k;
        floe_exec_rows_view(r, start, n, view);
        for (k = 0; k < n; k++) floe_sort_encode(s, view, k, start + k, recs + (start + k) * reclen);
    }
    floe_free(view);
    sa.s = s;
    sa.r = r;
    if (r->n < 64) {
        qsort_r(recs, r->n, reclen, qcmp, &sa);
    } else {
        if (radix_sort(recs, r->n, reclen, s->klen) != FLOE_OK) {
            floe_free(recs);
            return floe_err_nomem(err);
        }
        if (s->tail_from < s->nkeys) {
            /* runs with equal normalized keys: order by the full values */
            uint64_t a = 0, b2;
            while (a < r->n) {
                b2 = a + 1;
                while (b2 < r->n && memcmp(recs + a * reclen, recs + b2 * reclen, s->klen) == 0) b2++;
                if (b2 - a > 1) qsort_r(recs + a * reclen, b2 - a, reclen, qcmp, &sa);
                a = b2;
            }
        }
    }
    *out_recs = recs;
    return FLOE_OK;
}

int floe_sort_rows(const floe_sort_spec *s, const floe_exec_rows *r, uint64_t **out_idx,
                   floe_err *err)
{
    uint8_t *recs;
    uint64_t *idx, i;
    uint32_t reclen = floe_sort_reclen(s);
    int rc;
    *out_idx = NULL;
    idx = floe_malloc((r->n ? r->n : 1) * sizeof *idx);
    if (idx == NULL) return floe_err_nomem(err);
    rc = floe_sort_records(s, r, &recs, err);
    if (rc) {
        floe_free(idx);
        return rc;
    }
    for (i = 0; i < r->n; i++) memcpy(&idx[i], recs + i * reclen + s->klen, 8);
    floe_free(recs);
    *out_idx = idx;
    return FLOE_OK;
}
