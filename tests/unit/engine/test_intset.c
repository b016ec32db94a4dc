/* tests/unit/engine/test_intset.c: floe_intset (radix-partitioned set of
 * 64-bit keys) against sort + unique on the same keys, alone and merged
 * from several sets the way COUNT(DISTINCT) merges its workers. */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/intset.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t distinct_ref(const int64_t *v, size_t n)
{
    int64_t *c = malloc((n ? n : 1) * sizeof *c);
    uint64_t d = 0;
    size_t i;
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_i64);
    for (i = 0; i < n; i++)
        if (i == 0 || c[i] != c[i - 1]) d++;
    free(c);
    return d;
}

/* n keys: a few edge values, then keys drawn from `domain` values so there
 * are duplicates, spread over the whole 64-bit range by a multiplier. */
static int64_t *make_keys(size_t n, uint64_t domain, uint64_t seed)
{
    static const int64_t edge[] = {0, 1, -1, INT64_MIN, INT64_MAX, 0, 42, -42};
    int64_t *v = malloc(n * sizeof *v);
    size_t i;
    for (i = 0; i < n; i++) {
        if (i < sizeof edge / sizeof *edge)
            v[i] = edge[i];
        else
            v[i] = (int64_t)((rng(&seed) % domain) * 0x9E3779B97F4A7C15ULL);
    }
    return v;
}

Test(intset, matches_sort_unique_over_sizes)
{
    static const size_t sizes[] = {0, 1, 8, 511, 512, 513, 5000, 300000};
    size_t si;
    for (si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        int64_t *v = make_keys(n, n / 3 + 1, 77 + si);
        floe_intset s;
        size_t off = 0;
        floe_intset_init(&s);
        while (off < n) { /* batches of odd sizes */
            uint32_t b = (uint32_t)(n - off < 777 ? n - off : 777);
            cr_assert_eq(floe_intset_add(&s, v + off, NULL, b), 0);
            off += b;
        }
        cr_assert_eq(floe_intset_flush(&s), 0);
        cr_assert_eq(floe_intset_count(&s), distinct_ref(v, n),
                     "n=%zu", n);
        floe_intset_free(&s);
        free(v);
    }
}

Test(intset, selection_vector_picks_rows)
{
    int64_t v[2048];
    uint32_t sel[1024], i, n = 0;
    int64_t picked[1024];
    floe_intset s;
    uint64_t seed = 5;
    for (i = 0; i < 2048; i++) v[i] = (int64_t)(rng(&seed) % 300) - 150;
    for (i = 0; i < 2048; i += 2) {
        sel[n] = i;
        picked[n++] = v[i];
    }
    floe_intset_init(&s);
    cr_assert_eq(floe_intset_add(&s, v, sel, n), 0);
    cr_assert_eq(floe_intset_flush(&s), 0);
    cr_assert_eq(floe_intset_count(&s), distinct_ref(picked, n));
    floe_intset_free(&s);
}

Test(intset, merged_partitions_count_the_union_once)
{
    enum { W = 3, N = 200000 };
    int64_t *all = malloc((size_t)W * N * sizeof *all);
    floe_intset s[W];
    uint64_t total = 0;
    uint32_t w, p;
    for (w = 0; w < W; w++) {
        /* overlapping domains: every worker sees some of the others' keys */
        int64_t *v = make_keys(N, 90000, 1000 + w);
        memcpy(all + (size_t)w * N, v, N * sizeof *v);
        floe_intset_init(&s[w]);
        cr_assert_eq(floe_intset_add(&s[w], v, NULL, N), 0);
        cr_assert_eq(floe_intset_flush(&s[w]), 0);
        cr_assert_eq(floe_intset_count(&s[w]), distinct_ref(v, N));
        free(v);
    }
    for (p = 0; p < FLOE_INTSET_PARTS; p++) {
        for (w = 1; w < W; w++) cr_assert_eq(floe_intset_merge_part(&s[0], &s[w], p), 0);
        total += floe_intset_count_part(&s[0], p);
    }
    floe_intset_recount(&s[0]);
    cr_assert_eq(total, distinct_ref(all, (size_t)W * N));
    cr_assert_eq(floe_intset_count(&s[0]), total);
    cr_assert_gt(s[0].bytes, total * 8);
    for (w = 0; w < W; w++) floe_intset_free(&s[w]);
    free(all);
}
