/* tests/unit/engine/test_hash.c: floe_hashtable layouts (direct array +
 * integer slots, generic hashed slots with VARCHAR and several keys) vs a
 * reference that numbers first occurrences by linear search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/hashtable.h"
#include "util/mem.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

Test(hashtable, single_int_key_direct_and_hashed_with_null)
{
    floe_hashtable ht;
    floe_err err = FLOE_ERR_INIT;
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    enum { N = 20000 };
    int64_t *vals = malloc(N * 8), *distinct = malloc(N * 8);
    uint8_t *nul = calloc(N, 1);
    uint32_t *ids = malloc(N * 4), nd = 0, i, j, batch;
    int null_id = -1;
    uint64_t s = 77;
    cr_assert_eq(floe_hashtable_init(&ht, 1, &t, &err), FLOE_OK);
    for (i = 0; i < N; i++) {
        uint64_t x = rng(&s);
        vals[i] = x % 3 == 0 ? (int64_t)(x % 5000) : x % 3 == 1 ? -(int64_t)(x % 700) : (int64_t)(x >> 20);
        nul[i] = x % 97 == 0;
    }
    for (batch = 0; batch < N; batch += FLOE_VEC_SIZE) {
        uint32_t n = N - batch < FLOE_VEC_SIZE ? N - batch : FLOE_VEC_SIZE;
        floe_vec v;
        floe_vec_init(&v, t, n);
        memcpy(v.data, vals + batch, n * 8);
        v.n = n;
        for (i = 0; i < n; i++)
            if (nul[batch + i]) floe_vec_set_null(&v, i);
        cr_assert_eq(floe_hashtable_insert(&ht, &v, n, NULL, 0, ids + batch, &err), FLOE_OK);
        floe_vec_free(&v);
    }
    /* reference: ids number first occurrences in order */
    for (i = 0; i < N; i++) {
        uint32_t want = UINT32_MAX;
        if (nul[i]) {
            if (null_id < 0) null_id = (int)(nd++);
            want = (uint32_t)null_id;
        } else {
            for (j = 0; j < nd; j++)
                if (distinct[j] == vals[i] && (int)j != null_id) {
                    want = j;
                    break;
                }
            if (want == UINT32_MAX) {
                distinct[nd] = vals[i];
                want = nd++;
            }
        }
        cr_assert_eq(ids[i], want, "row %u", i);
    }
    cr_assert_eq(ht.count, nd);
    /* find: present and absent keys */
    {
        floe_vec v;
        int64_t probe[3] = {vals[5], 123456789012345LL, vals[N - 1]};
        uint32_t out[3];
        floe_vec_init(&v, t, 3);
        memcpy(v.data, probe, sizeof probe);
        v.n = 3;
        floe_hashtable_find(&ht, &v, 3, NULL, 0, NULL, out);
        cr_assert_eq(out[0], nul[5] ? out[0] : ids[5]);
        cr_assert_eq(out[1], FLOE_HT_NONE);
        cr_assert_eq(out[2], nul[N - 1] ? out[2] : ids[N - 1]);
        floe_vec_free(&v);
    }
    floe_hashtable_free(&ht);
    free(vals);
    free(distinct);
    free(nul);
    free(ids);
}

Test(hashtable, varchar_and_double_multi_key)
{
    floe_hashtable ht;
    floe_err err = FLOE_ERR_INIT;
    floe_type t[2] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_DOUBLE)};
    enum { N = 5000 };
    char (*txt)[32] = malloc(N * 32);
    double *d = malloc(N * 8);
    uint32_t *ids = malloc(N * 4), i, j, next = 0;
    uint32_t *ref = malloc(N * 4);
    uint64_t s = 5;
    floe_vec v[2];
    cr_assert_eq(floe_hashtable_init(&ht, 2, t, &err), FLOE_OK);
    floe_vec_init(&v[0], t[0], N);
    floe_vec_init(&v[1], t[1], N);
    for (i = 0; i < N; i++) {
        uint64_t x = rng(&s);
        snprintf(txt[i], 32, "key-%llu", (unsigned long long)(x % 40));
        ((floe_string *)v[0].data)[i].ptr = txt[i];
        ((floe_string *)v[0].data)[i].len = (uint32_t)strlen(txt[i]);
        d[i] = (x >> 8) % 5 == 0 ? -0.0 : (double)((x >> 8) % 5);
        ((double *)v[1].data)[i] = d[i];
    }
    v[0].n = v[1].n = N;
    for (i = 0; i < N; i += FLOE_VEC_SIZE) {
        uint32_t n = N - i < FLOE_VEC_SIZE ? N - i : FLOE_VEC_SIZE, k;
        uint32_t sel[FLOE_VEC_SIZE];
        for (k = 0; k < n; k++) sel[k] = i + k;
        cr_assert_eq(floe_hashtable_insert(&ht, v, N, sel, n, ids + i, &err), FLOE_OK);
    }
    for (i = 0; i < N; i++) {
        ref[i] = UINT32_MAX;
        for (j = 0; j < i; j++)
            if (strcmp(txt[i], txt[j]) == 0 && d[i] == d[j]) { /* -0.0 == 0.0 */
                ref[i] = ref[j];
                break;
            }
        if (ref[i] == UINT32_MAX) ref[i] = next++;
        cr_assert_eq(ids[i], ref[i], "row %u", i);
    }
    cr_assert_eq(ht.count, next);
    cr_assert_eq(ht.keys.n, next);
    floe_vec_free(&v[0]);
    floe_vec_free(&v[1]);
    floe_hashtable_free(&ht);
    free(txt);
    free(d);
    free(ids);
    free(ref);
}

/* Dictionary-like VARCHAR batches (equal values share their bytes, some equal
 * values are separate copies, NULLs, a selection, and batches with too many
 * distinct addresses for the memo) against first-occurrence numbering. */
Test(hashtable, varchar_memo_matches_reference)
{
    floe_hashtable ht;
    floe_err err = FLOE_ERR_INIT;
    floe_type t[2] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_VARCHAR)};
    enum { NB = 12, D = 300 };
    static char dict[D][16], copies[D][16];
    static int32_t ref_a[NB * FLOE_VEC_SIZE], ref_b[NB * FLOE_VEC_SIZE]; /* -1: NULL */
    static uint32_t got[NB * FLOE_VEC_SIZE];
    int32_t da[NB * FLOE_VEC_SIZE], db[NB * FLOE_VEC_SIZE];
    uint32_t nd = 0, i, j, b, total = 0;
    uint32_t sel[FLOE_VEC_SIZE], ids[FLOE_VEC_SIZE];
    uint64_t s = 4242;
    for (i = 0; i < D; i++) {
        snprintf(dict[i], sizeof dict[i], "v%u", i % 250); /* some equal contents */
        memcpy(copies[i], dict[i], sizeof dict[i]);
    }
    cr_assert_eq(floe_hashtable_init(&ht, 2, t, &err), FLOE_OK);
    for (b = 0; b < NB; b++) {
        floe_vec v[2];
        uint32_t nsel = 0, card = b % 4 == 3 ? D : 1 + b * 3; /* batch 3, 7, 11: fallback */
        for (j = 0; j < 2; j++) {
            floe_vec_init(&v[j], t[j], FLOE_VEC_SIZE);
            v[j].n = FLOE_VEC_SIZE;
        }
        for (i = 0; i < FLOE_VEC_SIZE; i++) {
            uint64_t x = rng(&s);
            uint32_t ca = (uint32_t)(x % card), cb = (uint32_t)((x >> 20) % 5);
            floe_string *sa = &((floe_string *)v[0].data)[i], *sb = &((floe_string *)v[1].data)[i];
            sa->ptr = (x >> 40) % 7 == 0 ? copies[ca] : dict[ca];
            sa->len = (uint32_t)strlen(dict[ca]);
            sb->ptr = dict[cb];
            sb->len = (uint32_t)strlen(dict[cb]);
            if ((x >> 50) % 31 == 0) floe_vec_set_null(&v[0], i);
            if ((x >> 45) % 37 == 0) floe_vec_set_null(&v[1], i);
            if ((x >> 33) % 5 != 0) sel[nsel++] = i;
        }
        cr_assert_eq(floe_hashtable_insert(&ht, v, FLOE_VEC_SIZE, sel, nsel, ids, &err), FLOE_OK);
        for (i = 0; i < nsel; i++) {
            uint32_t r = sel[i];
            const floe_string *sa = &((floe_string *)v[0].data)[r];
            const floe_string *sb = &((floe_string *)v[1].data)[r];
            ref_a[total] = floe_vec_is_valid(&v[0], r) ? atoi(sa->ptr + 1) : -1;
            ref_b[total] = floe_vec_is_valid(&v[1], r) ? atoi(sb->ptr + 1) : -1;
            got[total++] = ids[i];
        }
        floe_vec_free(&v[0]);
        floe_vec_free(&v[1]);
    }
    for (i = 0; i < total; i++) {
        uint32_t want = UINT32_MAX;
        for (j = 0; j < nd; j++)
            if (da[j] == ref_a[i] && db[j] == ref_b[i]) {
                want = j;
                break;
            }
        if (want == UINT32_MAX) {
            da[nd] = ref_a[i];
            db[nd] = ref_b[i];
            want = nd++;
        }
        cr_assert_eq(got[i], want, "row %u: id %u, expected %u", i, got[i], want);
    }
    cr_assert_eq(ht.count, nd);
    cr_assert_eq(ht.memo_tries, NB); /* both paths ran */
    cr_assert_eq(ht.memo_fails, 3);
    floe_hashtable_free(&ht);
}

/* A VARCHAR table far beyond the cache (the prefetching probe loop): ids
 * number first occurrences, checked through each key's number. */
Test(hashtable, large_varchar_table_matches_reference)
{
    floe_hashtable ht;
    floe_err err = FLOE_ERR_INIT;
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    enum { N = 120000, D = 40000 };
    static int32_t first[D];
    static char buf[N][12];
    uint32_t ids[FLOE_VEC_SIZE], nd = 0, i, b;
    uint64_t s = 31337;
    memset(first, 0xff, sizeof first);
    cr_assert_eq(floe_hashtable_init(&ht, 1, &t, &err), FLOE_OK);
    for (b = 0; b < N; b += FLOE_VEC_SIZE) {
        uint32_t n = N - b < FLOE_VEC_SIZE ? N - b : FLOE_VEC_SIZE;
        uint32_t num[FLOE_VEC_SIZE];
        floe_vec v;
        floe_vec_init(&v, t, n);
        v.n = n;
        for (i = 0; i < n; i++) {
            num[i] = (uint32_t)(rng(&s) % D);
            snprintf(buf[b + i], sizeof buf[b + i], "k%u", num[i]);
            ((floe_string *)v.data)[i].ptr = buf[b + i]; /* every row its own copy */
            ((floe_string *)v.data)[i].len = (uint32_t)strlen(buf[b + i]);
        }
        cr_assert_eq(floe_hashtable_insert(&ht, &v, n, NULL, 0, ids, &err), FLOE_OK);
        for (i = 0; i < n; i++) {
            if (first[num[i]] < 0) first[num[i]] = (int32_t)nd++;
            cr_assert_eq(ids[i], (uint32_t)first[num[i]], "row %u", b + i);
        }
        floe_vec_free(&v);
    }
    cr_assert_eq(ht.count, nd);
    cr_assert_gt(ht.nslots, 8192);
    floe_hashtable_free(&ht);
}

/* VARCHAR keys that carry their dictionary (floe_vec_dict): one key through
 * the per-dictionary id cache, two keys through the memo with dictionary
 * codes. Several dictionaries (as several blocks) with overlapping and
 * reordered entries, NULLs, and selections; ids must equal the ones the same
 * values get without the dictionary (a second table fed plain vectors). */
Test(hashtable, dictionary_keys_match_plain_strings)
{
    static const char *words[] = {"apple", "pear", "fig", "kiwi", "plum", "lime", "date", "yuzu", "", "a"};
    enum { NW = 10, NDICT = 4, ROWS = 5000 };
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR), t2[2];
    floe_hashtable hd, hp, hd2, hp2;
    floe_err err = FLOE_ERR_INIT;
    uint64_t s = 4242;
    uint32_t d;
    t2[0] = t2[1] = t;
    cr_assert_eq(floe_hashtable_init(&hd, 1, &t, &err), FLOE_OK);
    cr_assert_eq(floe_hashtable_init(&hp, 1, &t, &err), FLOE_OK);
    cr_assert_eq(floe_hashtable_init(&hd2, 2, t2, &err), FLOE_OK);
    cr_assert_eq(floe_hashtable_init(&hp2, 2, t2, &err), FLOE_OK);
    for (d = 0; d < NDICT; d++) {
        floe_string ent[NW];
        uint32_t nent = 4 + d * 2, i, *codes = malloc(ROWS * 4), *codes2 = malloc(ROWS * 4);
        uint32_t off = (uint32_t)(rng(&s) % NW), pos;
        uint64_t id = floe_vec_dict_id(), id2 = floe_vec_dict_id();
        for (i = 0; i < nent; i++) { /* a different subset and order per dictionary */
            const char *w = words[(off + i * 3) % NW];
            ent[i].ptr = w;
            ent[i].len = (uint32_t)strlen(w);
        }
        for (i = 0; i < ROWS; i++) {
            codes[i] = (uint32_t)(rng(&s) % nent);
            codes2[i] = (uint32_t)(rng(&s) % nent);
        }
        for (pos = 0; pos < ROWS; pos += FLOE_VEC_SIZE) {
            uint32_t n = ROWS - pos < FLOE_VEC_SIZE ? ROWS - pos : FLOE_VEC_SIZE;
            uint32_t sel[FLOE_VEC_SIZE], nsel = 0, *usel = NULL;
            uint32_t a[FLOE_VEC_SIZE], b[FLOE_VEC_SIZE], a2[FLOE_VEC_SIZE], b2[FLOE_VEC_SIZE];
            floe_vec dv[2], pv[2];
            int c;
            for (c = 0; c < 2; c++) {
                const uint32_t *cd = (c ? codes2 : codes) + pos;
                floe_vec_init(&pv[c], t, n);
                pv[c].n = n;
                for (i = 0; i < n; i++) ((floe_string *)pv[c].data)[i] = ent[cd[i]];
                for (i = 0; i < n; i++)
                    if ((i + pos + c) % 13 == 0) floe_vec_set_null(&pv[c], i);
                /* the same rows, borrowed, with the dictionary attached */
                floe_vec_borrow(&dv[c], t, pv[c].data, pv[c].validity, n);
                dv[c].dict.codes = cd;
                dv[c].dict.entries = ent;
                dv[c].dict.nentries = nent;
                dv[c].dict.id = c ? id2 : id;
            }
            if (pos / FLOE_VEC_SIZE % 2 == 1) { /* every other batch: a selection */
                for (i = 0; i < n; i++)
                    if (rng(&s) % 3) sel[nsel++] = i;
                usel = sel;
            }
            cr_assert_eq(floe_hashtable_insert(&hd, dv, n, usel, nsel, a, &err), FLOE_OK);
            cr_assert_eq(floe_hashtable_insert(&hp, pv, n, usel, nsel, b, &err), FLOE_OK);
            cr_assert_eq(floe_hashtable_insert(&hd2, dv, n, usel, nsel, a2, &err), FLOE_OK);
            cr_assert_eq(floe_hashtable_insert(&hp2, pv, n, usel, nsel, b2, &err), FLOE_OK);
            for (i = 0; i < (usel ? nsel : n); i++) {
                cr_assert_eq(a[i], b[i], "dict %u batch %u row %u", d, pos, i);
                cr_assert_eq(a2[i], b2[i], "two keys: dict %u batch %u row %u", d, pos, i);
            }
            for (c = 0; c < 2; c++) floe_vec_free(&pv[c]);
        }
        free(codes);
        free(codes2);
    }
    cr_assert_eq(hd.count, hp.count);
    cr_assert_eq(hd2.count, hp2.count);
    cr_assert_leq(hd.count, NW + 1); /* NW words and NULL */
    floe_hashtable_free(&hd);
    floe_hashtable_free(&hp);
    floe_hashtable_free(&hd2);
    floe_hashtable_free(&hp2);
}

/* A join's sealed table: floe_hashtable_find over full batches (with and
 * without a selection, NULL probes) with the prefetching, bloom-checked
 * integer path gives the same ids as before the seal. */
Test(hashtable, sealed_bloom_find_matches_unsealed)
{
    floe_hashtable ht;
    floe_err err = FLOE_ERR_INIT;
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    enum { N = 60000, P = 3 * FLOE_VEC_SIZE };
    int64_t *vals = malloc(N * 8), *probe = malloc(P * 8);
    uint32_t *ids = malloc(N * 4), *before = malloc(P * 4), *after = malloc(P * 4), i, batch;
    uint32_t *sel = malloc(FLOE_VEC_SIZE * 4);
    uint64_t s = 99, found = 0;
    cr_assert_eq(floe_hashtable_init(&ht, 1, &t, &err), FLOE_OK);
    for (i = 0; i < N; i++) vals[i] = (int64_t)(rng(&s) % 4000000) * 3 - 5000000; /* some negative */
    for (batch = 0; batch < N; batch += FLOE_VEC_SIZE) {
        uint32_t n = N - batch < FLOE_VEC_SIZE ? N - batch : FLOE_VEC_SIZE;
        floe_vec v;
        floe_vec_init(&v, t, n);
        memcpy(v.data, vals + batch, n * 8);
        v.n = n;
        cr_assert_eq(floe_hashtable_insert(&ht, &v, n, NULL, 0, ids + batch, &err), FLOE_OK);
        floe_vec_free(&v);
    }
    for (i = 0; i < P; i++) probe[i] = i % 3 == 0 ? vals[rng(&s) % N] : (int64_t)(rng(&s) % 12000000) - 5000000;
    for (int sealed = 0; sealed < 2; sealed++) {
        uint32_t *out = sealed ? after : before;
        if (sealed) {
            cr_assert_eq(floe_hashtable_seal_bloom(&ht, &err), FLOE_OK);
            cr_assert_not_null(ht.bloom, "a table this size gets a bloom filter");
        }
        for (batch = 0; batch < P; batch += FLOE_VEC_SIZE) {
            floe_vec v;
            uint32_t nsel = 0, k;
            floe_vec_init(&v, t, FLOE_VEC_SIZE);
            memcpy(v.data, probe + batch, FLOE_VEC_SIZE * 8);
            v.n = FLOE_VEC_SIZE;
            floe_vec_set_null(&v, 7);
            if (batch == 0) { /* whole batch */
                floe_hashtable_find(&ht, &v, FLOE_VEC_SIZE, NULL, 0, NULL, out + batch);
            } else { /* every other row selected */
                for (k = 0; k < FLOE_VEC_SIZE; k += 2) sel[nsel++] = k;
                floe_hashtable_find(&ht, &v, FLOE_VEC_SIZE, sel, nsel, NULL, out + batch);
            }
            floe_vec_free(&v);
        }
    }
    for (i = 0; i < FLOE_VEC_SIZE; i++) { /* batch 0: row i */
        cr_assert_eq(after[i], before[i], "row %u", i);
        if (i != 7 && after[i] != FLOE_HT_NONE) found++;
    }
    for (i = FLOE_VEC_SIZE; i < P; i++) /* selected rows: out[k] for the k-th selected */
        if ((i - FLOE_VEC_SIZE) % FLOE_VEC_SIZE < FLOE_VEC_SIZE / 2)
            cr_assert_eq(after[i], before[i], "probe %u", i);
    /* the rows drawn from the table are found, with their first id */
    for (i = 0; i < FLOE_VEC_SIZE; i++)
        if (i % 3 == 0 && i != 7) {
            uint32_t j;
            for (j = 0; j < N && vals[j] != probe[i]; j++) {}
            cr_assert_eq(after[i], ids[j], "row %u", i);
        }
    cr_expect_gt(found, FLOE_VEC_SIZE / 3 - 2);
    floe_hashtable_free(&ht);
    free(vals);
    free(probe);
    free(ids);
    free(before);
    free(after);
    free(sel);
}
