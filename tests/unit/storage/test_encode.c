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
    for (i = 0; i < 4096; i++) v[i] = 100 + (i * 7) % 200;
    cr_assert_eq(floe_encode_values(t, v, NULL, 4096, FLOE_ENC_AUTO, &b, &enc, &err), FLOE_OK);
    cr_assert_eq(enc, FLOE_ENC_FOR);
    cr_assert_leq(b.len, 10 + 4096);
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
