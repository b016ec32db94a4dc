/* tests/unit/storage/test_encode.c: bit packing and encoders in isolation:
 * round trips against the input arrays, and decoders fed damaged bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "storage/encode.h"
#include "storage_testutil.h"

Test(encode, bitpack_round_trips_every_width_and_length)
{
    uint64_t s = 42, v[300], out[300];
    uint8_t buf[300 * 8 + 8];
    uint32_t w, n, i;
    for (w = 0; w <= 64; w++) {
        uint64_t mask = w == 64 ? ~0ULL : (1ULL << w) - 1;
        for (n = 0; n <= 300; n += (n < 40 ? 1 : 37)) {
            for (i = 0; i < n; i++) v[i] = tu_rand(&s) & mask;
            floe_encode_bitpack(v, n, w, buf);
            floe_encode_bitunpack(buf, n, w, 5, out);
            for (i = 0; i < n; i++)
                cr_assert_eq(out[i], v[i] + 5, "w=%u n=%u i=%u", w, n, i);
        }
    }
}

Test(encode, bitunpack_reads_only_its_bytes)
{
    /* exact-size heap buffers: ASan reports any overread */
    uint64_t s = 7, v[1000], out[1000];
    uint32_t w, i, n = 1000;
    for (w = 1; w <= 64; w += 3) {
        size_t nb = floe_encode_packed_size(n, w);
        uint8_t *buf = malloc(nb);
        for (i = 0; i < n; i++) v[i] = tu_rand(&s) & (w == 64 ? ~0ULL : (1ULL << w) - 1);
        floe_encode_bitpack(v, n, w, buf);
        floe_encode_bitunpack(buf, n, w, 0, out);
        for (i = 0; i < n; i++) cr_assert_eq(out[i], v[i]);
        free(buf);
    }
}

/* Encode a random column with each applicable encoding, decode, compare. */
Test(encode, every_type_every_encoding_round_trips)
{
    uint32_t k, shape, ns[] = {1, 7, 100, 2048, 5000}, ni;
    int enc;
    for (k = 0; k < TU_NTYPES; k++) {
        floe_type t = tu_type(k);
        for (enc = -1; enc < FLOE_ENC_COUNT; enc++) {
            if (enc >= 0 && !floe_encode_applies(t, enc)) continue;
            for (shape = 0; shape < 5; shape++) {
                for (ni = 0; ni < 5; ni++) {
                    uint32_t n = ns[ni], i;
                    floe_vec v, d;
                    floe_encbuf b = {0};
                    floe_err err = FLOE_ERR_INIT;
                    floe_arena *a = floe_arena_new(0);
                    uint8_t used;
                    cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
                    cr_assert_eq(floe_vec_init(&d, t, n), FLOE_OK);
                    tu_fill(&v, n, (int)shape, 0, k * 1000 + shape * 10 + ni);
                    cr_assert_eq(floe_encode_values(t, v.data, NULL, n, enc, &b, &used, &err),
                                 FLOE_OK, "%s", err.msg);
                    if (enc >= 0) cr_assert_eq(used, enc);
                    cr_assert_eq(floe_decode_values(t, used, b.p, b.len, n, d.data, a, &err),
                                 FLOE_OK, "type %u enc %s: %s", t.id, floe_encode_name(used), err.msg);
                    for (i = 0; i < n; i++)
                        cr_assert(tu_same(t, v.data, i, d.data, i), "type %u enc %s shape %u row %u",
                                  t.id, floe_encode_name(used), shape, i);
                    floe_encode_buf_free(&b);
                    floe_vec_free(&v);
                    floe_vec_free(&d);
                    floe_arena_free(a);
                }
            }
        }
    }
}

Test(encode, auto_picks_compact_encodings)
{
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT), td = floe_type_make(FLOE_TYPE_DOUBLE);
    int64_t v[4096];
    double d[4096];
    floe_encbuf b = {0};
    floe_err err = FLOE_ERR_INIT;
    uint8_t enc;
    uint32_t i;
    for (i = 0; i < 4096; i++) v[i] = 1700000000000000LL + (int64_t)i * 1000000; /* timestamps */
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_DELTA);
    cr_assert_lt(b.len, 64);
    b.len = 0;
    {
        uint64_t s = 3;
        for (i = 0; i < 4096; i++) v[i] = 100 + (int64_t)(tu_rand(&s) % 200);
    }
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_FOR);
    cr_assert_leq(b.len, 18 + 4096);
    b.len = 0;
    /* (i * 7) % 200: deltas are 7 or -193, i.e. dmin + {0, 200}: 1-bit deltas */
    for (i = 0; i < 4096; i++) v[i] = 100 + (i * 7) % 200;
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_DELTA);
    cr_assert_leq(b.len, 25 + 512);
    b.len = 0;
    /* whole milliseconds in microseconds: FOR divides by the common factor */
    {
        uint64_t s = 4;
        for (i = 0; i < 4096; i++) v[i] = 1700000000000000LL + (int64_t)(tu_rand(&s) % 60000) * 1000;
    }
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_FOR);
    cr_assert_leq(b.len, 18 + 4096 * 16 / 8);
    b.len = 0;
    /* few distinct values spread over 40 bits: a sorted dictionary */
    {
        uint64_t s = 5, dv[100];
        for (i = 0; i < 100; i++) dv[i] = tu_rand(&s) >> 24;
        for (i = 0; i < 4096; i++) v[i] = (int64_t)dv[tu_rand(&s) % 100];
    }
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_DICT);
    cr_assert_leq(b.len, 22 + 99 * 5 + 4096 * 7 / 8);
    b.len = 0;
    for (i = 0; i < 4096; i++) d[i] = (double)((i * 7919) % 100000) / 100.0;
    cr_assert_eq(floe_encode_values(td, d, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_ALP);
    cr_assert_lt(b.len, 4096 * 3);
    floe_encode_buf_free(&b);
}

/* Every truncation and many random byte flips of valid encodings must decode
 * to FLOE_OK or FLOE_CORRUPT without touching memory out of bounds (ASan). */
Test(encode, decoders_survive_damaged_input)
{
    uint32_t k, n = 300, shape;
    int enc;
    uint64_t s = 99;
    for (k = 0; k < TU_NTYPES; k++) {
        floe_type t = tu_type(k);
        for (enc = 0; enc < FLOE_ENC_COUNT; enc++) {
            if (!floe_encode_applies(t, enc)) continue;
            for (shape = 0; shape < 5; shape += 2) {
                floe_vec v, d;
                floe_encbuf b = {0};
                floe_err err = FLOE_ERR_INIT;
                uint8_t used;
                size_t len, j;
                cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
                cr_assert_eq(floe_vec_init(&d, t, n), FLOE_OK);
                tu_fill(&v, n, (int)shape, 0, k + shape);
                cr_assert_eq(floe_encode_values(t, v.data, NULL, n, enc, &b, &used, &err), FLOE_OK);
                for (len = 0; len < b.len; len += 1 + len / 16) {
                    uint8_t *cut = malloc(len ? len : 1);
                    floe_arena *a = floe_arena_new(0);
                    int rc;
                    memcpy(cut, b.p, len);
                    rc = floe_decode_values(t, used, cut, len, n, d.data, a, &err);
                    cr_assert_eq(rc, FLOE_CORRUPT, "type %u enc %d len %zu of %zu", t.id, enc, len,
                                 b.len);
                    free(cut);
                    floe_arena_free(a);
                }
                for (j = 0; j < 200; j++) {
                    uint8_t *bad = malloc(b.len);
                    floe_arena *a = floe_arena_new(0);
                    int rc, f;
                    memcpy(bad, b.p, b.len);
                    for (f = 0; f < 3; f++) bad[tu_rand(&s) % b.len] ^= (uint8_t)(1 + tu_rand(&s) % 255);
                    rc = floe_decode_values(t, used, bad, b.len, n, d.data, a, &err);
                    cr_assert(rc == FLOE_OK || rc == FLOE_CORRUPT, "rc %d", rc);
                    free(bad);
                    floe_arena_free(a);
                }
                floe_encode_buf_free(&b);
                floe_vec_free(&v);
                floe_vec_free(&d);
            }
        }
    }
}

/* VARCHAR round trips for both encodings x NULL patterns x block sizes,
 * including empty strings only (length width 0) and very long strings. */
Test(encode, strings_round_trip_with_nulls_and_extreme_lengths)
{
    static const uint32_t ns[] = {1, 3, 64, 1000, 65536};
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    uint32_t ni, shape, i;
    int nulls, enc;
    for (ni = 0; ni < 5; ni++) {
        for (shape = 0; shape < 7; shape++) {
            for (nulls = 0; nulls < 3; nulls++) {
                for (enc = FLOE_ENC_PLAIN; enc <= FLOE_ENC_DICT; enc++) {
                    uint32_t n = ns[ni];
                    uint64_t s = 1000 * ni + 10 * shape + (uint64_t)nulls;
                    floe_vec v, d;
                    floe_encbuf b = {0};
                    floe_err err = FLOE_ERR_INIT;
                    floe_arena *a;
                    uint8_t used;
                    if (n == 65536 && shape < 5 && shape != 3) continue; /* keep it fast */
                    a = floe_arena_new(0);
                    cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
                    cr_assert_eq(floe_vec_init(&d, t, n), FLOE_OK);
                    if (shape < 5) {
                        tu_fill(&v, n, (int)shape, nulls, s);
                    } else {
                        /* 5: all empty; 6: a few very long strings among short ones */
                        static char big[70200];
                        for (i = 0; i < sizeof big; i++) big[i] = (char)('a' + (i * 7) % 26);
                        for (i = 0; i < n; i++) {
                            uint32_t len = shape == 5 ? 0 : (i % 997 == 0 ? 60000 + i % 9000 : i % 13);
                            cr_assert_eq(floe_vec_set_string(&v, i, big + i % 100, len), FLOE_OK);
                            if (nulls == 1 || (nulls == 2 && tu_rand(&s) % 5 == 0)) floe_vec_set_null(&v, i);
                        }
                        v.n = n;
                    }
                    cr_assert_eq(floe_encode_values(t, v.data, v.validity, n, enc, &b, &used, &err),
                                 FLOE_OK, "%s", err.msg);
                    cr_assert_eq(used, enc);
                    cr_assert_eq(floe_decode_values(t, used, b.p, b.len, n, d.data, a, &err), FLOE_OK,
                                 "n %u shape %u nulls %d enc %d: %s", n, shape, nulls, enc, err.msg);
                    for (i = 0; i < n; i++)
                        if (floe_vec_is_valid(&v, i))
                            cr_assert(tu_same(t, v.data, i, d.data, i), "n %u shape %u nulls %d enc %d row %u",
                                      n, shape, nulls, enc, i);
                    floe_encode_buf_free(&b);
                    floe_vec_free(&v);
                    floe_vec_free(&d);
                    floe_arena_free(a);
                }
            }
        }
    }
}

/* A string dictionary is sorted bytewise and its codes point at the right
 * strings, so code order is string order. */
Test(encode, string_dictionary_is_sorted_and_codes_match)
{
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    uint32_t n = 5000, i, codes[5000];
    floe_vec v, dict;
    floe_encbuf b = {0};
    floe_err err = FLOE_ERR_INIT;
    uint8_t used;
    uint64_t s = 5;
    cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
    for (i = 0; i < n; i++) {
        char buf[32];
        int l = snprintf(buf, sizeof buf, "item/%llu", (unsigned long long)(tu_rand(&s) % 300));
        cr_assert_eq(floe_vec_set_string(&v, i, buf, (uint32_t)l), FLOE_OK);
    }
    v.n = n;
    cr_assert_eq(floe_encode_values(t, v.data, NULL, n, FLOE_ENC_AUTO, &b, &used, &err), FLOE_OK);
    cr_assert_eq(used, FLOE_ENC_DICT);
    cr_assert_eq(floe_decode_dict(t, used, b.p, b.len, n, codes, &dict, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(dict.n, 300);
    for (i = 1; i < dict.n; i++) {
        floe_string a = ((floe_string *)dict.data)[i - 1], c = ((floe_string *)dict.data)[i];
        uint32_t m = a.len < c.len ? a.len : c.len;
        int k = memcmp(a.ptr, c.ptr, m);
        cr_assert(k < 0 || (k == 0 && a.len < c.len), "dictionary not sorted at %u", i);
    }
    for (i = 0; i < n; i++)
        cr_assert(tu_same(t, v.data, i, dict.data, codes[i]), "row %u", i);
    floe_vec_free(&dict);
    floe_vec_free(&v);
    floe_encode_buf_free(&b);
}

/* Dictionary sorting (multikey quicksort for strings, radix for integers)
 * on the inputs that stress it: long shared prefixes, strings that are
 * prefixes of each other, empty strings, 0x00 and 0xff bytes, all 64 bits
 * of integers, full 65,536-row blocks; sorted strictly and codes matching. */
Test(encode, dictionaries_sort_hard_inputs)
{
    floe_type ts = floe_type_make(FLOE_TYPE_VARCHAR), ti = floe_type_make(FLOE_TYPE_BIGINT);
    static const uint32_t ns[] = {3, 13, 100, 5000, 65536};
    uint32_t ni, i, shape;
    for (shape = 0; shape < 3; shape++) {
        for (ni = 0; ni < 5; ni++) {
            uint32_t n = ns[ni], *codes = malloc((size_t)n * 4);
            floe_vec v, dict;
            floe_encbuf b = {0};
            floe_err err = FLOE_ERR_INIT;
            uint8_t used;
            uint64_t s = 77 + ni * 10 + shape;
            cr_assert_eq(floe_vec_init(&v, ts, n), FLOE_OK);
            for (i = 0; i < n; i++) {
                char buf[200];
                uint64_t r = tu_rand(&s) % (n / 2 + 2);
                uint32_t l;
                if (shape == 0) { /* 90 shared bytes, then a number, some cut short */
                    memset(buf, 'p', 90);
                    l = 90 + (uint32_t)snprintf(buf + 90, 100, "%llu", (unsigned long long)r);
                    if (r % 7 == 0) l = (uint32_t)(r % 91);
                } else if (shape == 1) { /* prefixes of one string of 0x00/0xff bytes */
                    for (l = 0; l < 120; l++) buf[l] = (l * 7 + 3) % 5 ? (char)0xff : 0;
                    l = (uint32_t)(r % 120);
                } else { /* random bytes, random lengths */
                    uint64_t s2 = r * 2654435761u;
                    l = (uint32_t)(tu_rand(&s2) % 9);
                    for (uint32_t k = 0; k < l; k++) buf[k] = (char)(tu_rand(&s2) % 3 ? tu_rand(&s2) : 0);
                }
                cr_assert_eq(floe_vec_set_string(&v, i, buf, l), FLOE_OK);
            }
            v.n = n;
            cr_assert_eq(floe_encode_values(ts, v.data, NULL, n, FLOE_ENC_DICT, &b, &used, &err), FLOE_OK);
            cr_assert_eq(floe_decode_dict(ts, used, b.p, b.len, n, codes, &dict, &err), FLOE_OK, "%s", err.msg);
            for (i = 1; i < dict.n; i++) {
                floe_string a = ((floe_string *)dict.data)[i - 1], c = ((floe_string *)dict.data)[i];
                uint32_t m = a.len < c.len ? a.len : c.len;
                int k = m ? memcmp(a.ptr, c.ptr, m) : 0;
                cr_assert(k < 0 || (k == 0 && a.len < c.len), "shape %u n %u: not sorted at %u", shape, n, i);
            }
            for (i = 0; i < n; i++) cr_assert(tu_same(ts, v.data, i, dict.data, codes[i]), "row %u", i);
            floe_vec_free(&dict);
            floe_vec_free(&v);
            floe_encode_buf_free(&b);

            /* integers: distinct in every 16-bit digit, signs mixed */
            cr_assert_eq(floe_vec_init(&v, ti, n), FLOE_OK);
            for (i = 0; i < n; i++) {
                uint64_t r = tu_rand(&s) % (n / 2 + 2);
                int64_t x = shape == 0 ? (int64_t)(r * 0x9E3779B97F4A7C15ULL)
                            : shape == 1 ? (int64_t)r - (int64_t)n / 4
                                         : (r % 3 == 0 ? INT64_MIN + (int64_t)r : INT64_MAX - (int64_t)r);
                ((int64_t *)v.data)[i] = x;
            }
            v.n = n;
            b.len = 0;
            cr_assert_eq(floe_encode_values(ti, v.data, NULL, n, FLOE_ENC_DICT, &b, &used, &err), FLOE_OK);
            cr_assert_eq(floe_decode_dict(ti, used, b.p, b.len, n, codes, &dict, &err), FLOE_OK, "%s", err.msg);
            for (i = 1; i < dict.n; i++)
                cr_assert_lt(((int64_t *)dict.data)[i - 1], ((int64_t *)dict.data)[i], "shape %u n %u at %u",
                             shape, n, i);
            for (i = 0; i < n; i++) cr_assert(tu_same(ti, v.data, i, dict.data, codes[i]), "row %u", i);
            floe_vec_free(&dict);
            floe_vec_free(&v);
            floe_encode_buf_free(&b);
            free(codes);
        }
    }
}

/* Hand-made string blocks with inconsistent length streams. */
Test(encode, string_length_stream_damage_is_corrupt)
{
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_string out[4];
    floe_err err = FLOE_ERR_INIT;
    floe_arena *a = floe_arena_new(0);
    /* PLAIN, 2 rows: base 0xffffffff, width 1, lengths {base+1, base}: > 32 bits */
    uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 1, 0x01};
    /* PLAIN, 2 rows: base 3, width 0 -> 6 bytes needed, 5 present */
    uint8_t short_bytes[] = {3, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e'};
    /* PLAIN, 2 rows: base 1, width 0 -> 2 bytes needed, 3 present */
    uint8_t extra[] = {1, 0, 0, 0, 0, 'a', 'b', 'c'};
    /* DICT, 1 entry of length 2 but 1 byte, then codes */
    uint8_t dict[] = {1, 0, 0, 0, 2, 0, 0, 0, 0, 'x', 0};
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_PLAIN, huge, sizeof huge, 2, out, a, &err), FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_PLAIN, short_bytes, sizeof short_bytes, 2, out, a, &err),
                 FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_PLAIN, extra, sizeof extra, 2, out, a, &err), FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_DICT, dict, sizeof dict, 2, out, a, &err), FLOE_CORRUPT);
    floe_arena_free(a);
}

/* Scaled FOR/DELTA and sorted integer dictionaries for every integer-like
 * type x NULL pattern x size, on values with common factors (including
 * huge ones that wrap around 2^64), checked against the input array. */
Test(encode, scaled_and_dictionary_integers_round_trip)
{
    static const uint32_t ns[] = {1, 2, 9, 1000, 65536};
    static const int encs[] = {FLOE_ENC_AUTO, FLOE_ENC_FOR, FLOE_ENC_DELTA, FLOE_ENC_DICT};
    static const int64_t factors[] = {1, 3, 1000, 1LL << 40, -7};
    uint32_t k, ni, fi, e, i;
    int nulls;
    for (k = 0; k < TU_NTYPES; k++) {
        floe_type t = tu_type(k);
        if (t.id == FLOE_TYPE_VARCHAR || t.id == FLOE_TYPE_INTERVAL || t.id == FLOE_TYPE_DOUBLE) continue;
        for (ni = 0; ni < 5; ni++)
            for (fi = 0; fi < 5; fi++)
                for (nulls = 0; nulls < 3; nulls++)
                    for (e = 0; e < 4; e++) {
                        uint32_t n = ns[ni];
                        uint64_t s = k * 100000 + ni * 1000 + fi * 10 + (uint64_t)nulls;
                        floe_vec v, d;
                        floe_encbuf b = {0};
                        floe_err err = FLOE_ERR_INIT;
                        uint8_t used;
                        if (n == 65536 && (e != 0 || nulls != 2)) continue; /* keep it fast */
                        cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
                        cr_assert_eq(floe_vec_init(&d, t, n), FLOE_OK);
                        for (i = 0; i < n; i++) {
                            int64_t x = ((int64_t)(tu_rand(&s) % 300) - 150) * factors[fi];
                            if (t.id == FLOE_TYPE_BOOLEAN) ((uint8_t *)v.data)[i] = (uint8_t)(x & 1);
                            else if (floe_type_size(t) == 4) ((int32_t *)v.data)[i] = (int32_t)x;
                            else ((int64_t *)v.data)[i] = x + (fi == 2 ? (int64_t)i * 1000 : 0);
                            if (nulls == 1 || (nulls == 2 && tu_rand(&s) % 5 == 0)) floe_vec_set_null(&v, i);
                        }
                        v.n = n;
                        cr_assert_eq(floe_encode_values(t, v.data, v.validity, n, encs[e], &b, &used, &err),
                                     FLOE_OK, "%s", err.msg);
                        cr_assert_eq(floe_decode_values(t, used, b.p, b.len, n, d.data, NULL, &err), FLOE_OK,
                                     "type %u enc %s: %s", t.id, floe_encode_name(used), err.msg);
                        for (i = 0; i < n; i++)
                            if (floe_vec_is_valid(&v, i))
                                cr_assert(tu_same(t, v.data, i, d.data, i), "type %u enc %s n %u f %u row %u",
                                          t.id, floe_encode_name(used), n, fi, i);
                        if (used == FLOE_ENC_DICT) {
                            floe_vec dict;
                            uint32_t *codes = malloc((size_t)n * 4);
                            cr_assert_eq(floe_decode_dict(t, used, b.p, b.len, n, codes, &dict, &err), FLOE_OK);
                            for (i = 0; i < n; i++)
                                if (floe_vec_is_valid(&v, i)) cr_assert(tu_same(t, v.data, i, dict.data, codes[i]));
                            for (i = 1; i < dict.n && t.id == FLOE_TYPE_BIGINT; i++)
                                cr_assert_lt(((int64_t *)dict.data)[i - 1], ((int64_t *)dict.data)[i]);
                            floe_vec_free(&dict);
                            free(codes);
                        }
                        floe_encode_buf_free(&b);
                        floe_vec_free(&v);
                        floe_vec_free(&d);
                    }
    }
}

Test(encode, bad_scale_factor_and_dictionary_count_are_corrupt)
{
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    int64_t out[4];
    floe_err err = FLOE_ERR_INIT;
    /* FOR: base 5, factor 0, width 0 */
    uint8_t f0[17] = {5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* DELTA: first 1, base 1, factor 0, width 0 */
    uint8_t d0[25] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    /* DICT: 5 entries for 4 rows */
    uint8_t big[22] = {5, 0, 0, 0};
    /* DICT: 1 entry, code width 1, codes {0, 1, 0, 0}: code 1 out of range */
    uint8_t code[22] = {1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t code2[23];
    memcpy(code2, code, 22);
    code2[22] = 0x02;
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_FOR, f0, sizeof f0, 4, out, NULL, &err), FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_DELTA, d0, sizeof d0, 4, out, NULL, &err), FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_DICT, big, sizeof big, 4, out, NULL, &err), FLOE_CORRUPT);
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_DICT, code2, sizeof code2, 4, out, NULL, &err), FLOE_CORRUPT);
    code2[22] = 0x00; /* all codes 0: valid, every row is 9 */
    cr_assert_eq(floe_decode_values(t, FLOE_ENC_DICT, code2, sizeof code2, 4, out, NULL, &err), FLOE_OK, "%s", err.msg);
    cr_assert(out[0] == 9 && out[3] == 9);
}

/* floe_decode_stream gives the same values as floe_decode_values, read in
 * 2048-value steps, with skipped ranges (the scan jumps over vectors without
 * a passing row), and in one step; blocks it cannot stream say FLOE_NOTFOUND. */
Test(encode, decode_streams_match_whole_block_decoding)
{
    uint32_t k, shape, ns[] = {1, 7, 100, 2048, 2049, 5000, 65536}, ni;
    int enc, streamed = 0;
    static uint64_t got[70000];
    for (k = 0; k < TU_NTYPES; k++) {
        floe_type t = tu_type(k);
        for (enc = 0; enc < FLOE_ENC_COUNT; enc++) {
            if (!floe_encode_applies(t, enc)) continue;
            for (shape = 0; shape < 5; shape++) {
                for (ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
                    uint32_t n = ns[ni], pattern;
                    floe_vec v, d;
                    floe_encbuf b = {0};
                    floe_err err = FLOE_ERR_INIT;
                    floe_arena *a = floe_arena_new(0);
                    floe_decode_stream st;
                    uint8_t used;
                    int rc;
                    cr_assert_eq(floe_vec_init(&v, t, n), FLOE_OK);
                    cr_assert_eq(floe_vec_init(&d, t, n), FLOE_OK);
                    tu_fill(&v, n, (int)shape, 0, k * 1000 + shape * 10 + ni);
                    cr_assert_eq(floe_encode_values(t, v.data, NULL, n, enc, &b, &used, &err), FLOE_OK);
                    cr_assert_eq(floe_decode_values(t, used, b.p, b.len, n, d.data, a, &err), FLOE_OK);
                    rc = floe_decode_stream_init(&st, t, used, b.p, b.len, n, &err);
                    if (floe_type_size(t) == 8 &&
                        (used == FLOE_ENC_FOR || used == FLOE_ENC_DELTA || used == FLOE_ENC_ALP))
                        cr_assert(rc == FLOE_OK || (rc == FLOE_NOTFOUND && used == FLOE_ENC_ALP),
                                  "type %u enc %s: %d %s", t.id, floe_encode_name(used), rc, err.msg);
                    else
                        cr_assert_eq(rc, FLOE_NOTFOUND);
                    for (pattern = 0; rc == FLOE_OK && pattern < 3; pattern++) {
                        uint32_t from, step = pattern == 2 ? n : 2048, vec = 0;
                        cr_assert_eq(floe_decode_stream_init(&st, t, used, b.p, b.len, n, &err), FLOE_OK);
                        for (from = 0; from < n; from += step, vec++) {
                            uint32_t m = n - from < step ? n - from : step, i;
                            if (pattern == 1 && vec % 3 == 1) continue; /* skipped vector */
                            floe_decode_stream_read(&st, from, m, got);
                            for (i = 0; i < m; i++)
                                cr_assert(memcmp(&got[i], (const uint64_t *)d.data + from + i, 8) == 0,
                                          "type %u enc %s shape %u n %u pattern %u row %u", t.id,
                                          floe_encode_name(used), shape, n, pattern, from + i);
                        }
                        streamed++;
                    }
                    floe_encode_buf_free(&b);
                    floe_vec_free(&v);
                    floe_vec_free(&d);
                    floe_arena_free(a);
                }
            }
        }
    }
    cr_assert_gt(streamed, 100);
}
