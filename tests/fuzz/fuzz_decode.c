/* tests/fuzz/fuzz_decode.c: libFuzzer target for the block decoders
 * (storage/enc_*.c through storage/encode.h's entry points), with the
 * column file's checksum and compression out of the way: the input is the
 * decoded block body itself.
 *
 * Input: byte 0 picks the type (one of every physical layout), byte 1 the
 * encoding (every FLOE_ENC_* id and one past the end), bytes 2-3 the row
 * count (1..FLOE_BLOCK_ROWS_MAX/16), the rest is the encoded bytes.
 * Property: floe_decode_values, floe_decode_stream_init/_read and
 * floe_decode_dict each decode or fail with FLOE_CORRUPT (or FLOE_NOMEM;
 * FLOE_MISUSE / FLOE_NOTFOUND where documented) with a message, never read
 * out of bounds (ASan) or allocate without bound (libFuzzer -rss_limit_mb);
 * a decoded dictionary's codes are all below its size, and when both the
 * whole-block decode and the stream succeed they agree value for value.
 * FUZZ_DECODE_SEEDS=DIR writes a seed per type and applicable encoding
 * (real blocks from floe_encode_values) into DIR (the committed corpus). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/encode.h"
#include "storage/format.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NTYPES 9

static floe_type pick_type(uint8_t k)
{
    static const floe_type_id ids[NTYPES] = {
        FLOE_TYPE_BOOLEAN, FLOE_TYPE_INTEGER,   FLOE_TYPE_BIGINT,  FLOE_TYPE_DOUBLE,
        FLOE_TYPE_DECIMAL, FLOE_TYPE_VARCHAR,   FLOE_TYPE_DATE,    FLOE_TYPE_TIMESTAMP,
        FLOE_TYPE_INTERVAL};
    floe_type t = floe_type_make(ids[k % NTYPES]);
    if (t.id == FLOE_TYPE_DECIMAL) {
        t.precision = 18;
        t.scale = 2;
    }
    return t;
}

static void check_fail(int rc, const floe_err *err, const char *what)
{
    if (rc == FLOE_CORRUPT || rc == FLOE_NOMEM) {
        if (err->code != rc || err->msg[0] == '\0') {
            fprintf(stderr, "fuzz_decode: %s: result %d without a message\n", what, rc);
            abort();
        }
        return;
    }
    fprintf(stderr, "fuzz_decode: %s: undocumented result %d: %s\n", what, rc, err->msg);
    abort();
}

/* One real block per (type, encoding): 300 rows with runs, a trend, a few
 * NULLs and (DOUBLE) two-decimal values, so every decoder's normal path is
 * in the corpus. */
static void write_seeds(const char *dir)
{
    uint8_t k;
    int enc;
    for (k = 0; k < NTYPES; k++) {
        floe_type t = pick_type(k);
        floe_vec v;
        uint64_t validity[5];
        uint32_t i, n = 300;
        char buf[32];
        memset(&v, 0, sizeof v);
        if (floe_vec_init(&v, t, n) != FLOE_OK) abort();
        memset(validity, 0xff, sizeof validity);
        for (i = 0; i < n; i++) {
            int64_t x = (int64_t)(i / 7) * 3 + (i % 5 == 0 ? 1000 : 0);
            switch ((floe_type_id)t.id) {
            case FLOE_TYPE_BOOLEAN: ((uint8_t *)v.data)[i] = (uint8_t)(i / 9 % 2); break;
            case FLOE_TYPE_INTEGER:
            case FLOE_TYPE_DATE: ((int32_t *)v.data)[i] = (int32_t)x; break;
            case FLOE_TYPE_DOUBLE: ((double *)v.data)[i] = (double)x / 100.0 + (i == 77 ? 0.333 : 0); break;
            case FLOE_TYPE_VARCHAR:
                snprintf(buf, sizeof buf, "v%lld", (long long)(x % 40));
                if (floe_vec_set_string(&v, i, buf, (uint32_t)strlen(buf)) != FLOE_OK) abort();
                break;
            case FLOE_TYPE_INTERVAL: memset((uint8_t *)v.data + (size_t)i * 16, (int)(i / 10), 16); break;
            default: ((int64_t *)v.data)[i] = x * 1000003; break;
            }
            if (i % 37 == 5) validity[i >> 6] &= ~(1ull << (i & 63));
        }
        v.n = n;
        for (enc = 0; enc < FLOE_ENC_COUNT; enc++) {
            floe_encbuf out;
            uint8_t used;
            floe_err err = FLOE_ERR_INIT;
            char path[512];
            FILE *f;
            uint8_t hdr[4] = {k, (uint8_t)enc, (uint8_t)((n - 1) & 0xff), (uint8_t)((n - 1) >> 8)};
            if (!floe_encode_applies(t, enc)) continue;
            memset(&out, 0, sizeof out);
            if (floe_encode_values(t, v.data, validity, n, enc, &out, &used, &err) != FLOE_OK) {
                fprintf(stderr, "seed %u/%d: %s\n", k, enc, err.msg);
                abort();
            }
            snprintf(path, sizeof path, "%s/t%u_%s", dir, k, floe_encode_name(enc));
            f = fopen(path, "wb");
            if (f == NULL) abort();
            fwrite(hdr, 1, 4, f);
            fwrite(out.p, 1, out.len, f);
            fclose(f);
            floe_encode_buf_free(&out);
        }
        floe_vec_free(&v);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_type t;
    int enc, rc, rc_whole;
    uint32_t n;
    size_t width;
    const uint8_t *in;
    size_t len;
    void *out;
    floe_arena *strings;
    floe_err err = FLOE_ERR_INIT;
    static int seeded;
    if (!seeded) {
        const char *dir = getenv("FUZZ_DECODE_SEEDS");
        seeded = 1;
        if (dir != NULL) write_seeds(dir);
    }
    if (size < 4) return 0;
    t = pick_type(data[0]);
    enc = data[1] % (FLOE_ENC_COUNT + 1);
    n = 1 + (uint32_t)((data[2] | (data[3] << 8)) % (FLOE_BLOCK_ROWS_MAX / 16));
    in = data + 4;
    len = size - 4;
    width = floe_type_size(t);
    if (width < 8) width = 8;
    out = malloc((size_t)n * width + 16);
    strings = floe_arena_new(0);
    if (out == NULL || strings == NULL) abort();

    rc_whole = floe_decode_values(t, enc, in, len, n, out, strings, &err);
    if (rc_whole != FLOE_OK) check_fail(rc_whole, &err, "decode_values");
    if (rc_whole == FLOE_OK && t.id == FLOE_TYPE_VARCHAR) {
        const floe_string *s = out; /* every string is readable (ASan checks) */
        volatile uint64_t sum = 0;
        uint32_t i;
        for (i = 0; i < n; i++)
            if (s[i].len > 0) sum += (uint8_t)s[i].ptr[s[i].len - 1];
        (void)sum;
    }

    /* The streamed decode: init validates everything, read cannot fail. */
    {
        floe_decode_stream s;
        uint64_t *buf = malloc(sizeof(uint64_t) * (n > 2048 ? n : 2048));
        if (buf == NULL) abort();
        floe_err_clear(&err);
        rc = floe_decode_stream_init(&s, t, enc, in, len, n, &err);
        if (rc == FLOE_OK) {
            uint32_t from;
            if (!floe_encode_streams(t, enc)) abort();
            for (from = 0; from < n; from += 2048) {
                uint32_t m = n - from < 2048 ? n - from : 2048;
                floe_decode_stream_read(&s, from, m, buf);
                if (rc_whole == FLOE_OK &&
                    memcmp(buf, (const uint8_t *)out + (size_t)from * 8, (size_t)m * 8) != 0) {
                    fprintf(stderr, "fuzz_decode: stream and whole decode differ at %u\n", from);
                    abort();
                }
            }
        } else if (rc != FLOE_NOTFOUND) {
            check_fail(rc, &err, "decode_stream_init");
        }
        free(buf);
    }

    /* The dictionary path (scans that evaluate on codes). */
    {
        uint32_t *codes = malloc(sizeof(uint32_t) * n);
        floe_vec dict;
        if (codes == NULL) abort();
        memset(&dict, 0, sizeof dict);
        floe_err_clear(&err);
        rc = floe_decode_dict(t, enc, in, len, n, codes, &dict, &err);
        if (rc == FLOE_OK) {
            uint32_t i;
            if (enc != FLOE_ENC_DICT) abort();
            for (i = 0; i < n; i++)
                if (codes[i] >= dict.n) {
                    fprintf(stderr, "fuzz_decode: code %u >= dictionary size %u\n", codes[i],
                            dict.n);
                    abort();
                }
            floe_vec_free(&dict);
        } else if (rc != FLOE_MISUSE || enc == FLOE_ENC_DICT) {
            check_fail(rc, &err, "decode_dict");
        }
        free(codes);
    }
    floe_arena_free(strings);
    free(out);
    return 0;
}
