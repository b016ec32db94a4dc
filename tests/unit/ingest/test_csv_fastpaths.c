/* tests/unit/ingest/test_csv_fastpaths.c: the conversion fast paths used by
 * COPY (integers, short decimals, ASCII UTF-8) give exactly libc's answers. */
#include <errno.h>
#include <stdlib.h>

#include "ingest/convert.h"
#include "ingest_test_util.h"

/* Random numeric text: [sign] digits [. digits], sometimes odd. */
static size_t gen_number(char *buf, uint64_t *seed)
{
    size_t n = 0;
    int nint = (int)(tu_rand(seed) % 20), nfrac = (int)(tu_rand(seed) % 20) - 5, k;
    uint64_t r = tu_rand(seed) % 10;
    if (r == 0) buf[n++] = '-';
    else if (r == 1) buf[n++] = '+';
    for (k = 0; k < nint; k++) buf[n++] = (char)('0' + tu_rand(seed) % 10);
    if (nfrac >= 0) {
        buf[n++] = '.';
        for (k = 0; k < nfrac; k++) buf[n++] = (char)('0' + tu_rand(seed) % 10);
    }
    buf[n] = '\0';
    return n;
}

Test(csv_fastpaths, doubles_match_strtod_bit_for_bit)
{
    floe_vec v;
    uint64_t seed = 99;
    int i, checked = 0;
    cr_assert_eq(floe_vec_init(&v, floe_type_make(FLOE_TYPE_DOUBLE), 1), FLOE_OK);
    for (i = 0; i < 200000; i++) {
        char buf[64], *end;
        size_t n = gen_number(buf, &seed);
        floe_err err = FLOE_ERR_INIT;
        double want, got;
        int rc = floe_convert_text(&v, 0, buf, n, &err);
        errno = 0;
        want = strtod(buf, &end);
        if (end == buf || *end != '\0' || n == 0) {
            cr_assert_neq(rc, FLOE_OK, "'%s' accepted", buf);
            continue;
        }
        cr_assert_eq(rc, FLOE_OK, "'%s': %s", buf, err.msg);
        got = FLOE_VEC_DATA(&v, double)[0];
        cr_assert(memcmp(&got, &want, sizeof got) == 0, "'%s': %.17g, want %.17g", buf, got, want);
        checked++;
    }
    cr_assert_gt(checked, 100000);
    floe_vec_free(&v);
}

Test(csv_fastpaths, integers_match_strtoll_with_range_checks)
{
    floe_vec v32, v64;
    uint64_t seed = 5;
    int i;
    cr_assert_eq(floe_vec_init(&v32, floe_type_make(FLOE_TYPE_INTEGER), 1), FLOE_OK);
    cr_assert_eq(floe_vec_init(&v64, floe_type_make(FLOE_TYPE_BIGINT), 1), FLOE_OK);
    for (i = 0; i < 200000; i++) {
        char buf[64], *end;
        size_t n = gen_number(buf, &seed);
        floe_err e32 = FLOE_ERR_INIT, e64 = FLOE_ERR_INIT;
        int rc32 = floe_convert_text(&v32, 0, buf, n, &e32);
        int rc64 = floe_convert_text(&v64, 0, buf, n, &e64);
        long long want;
        errno = 0;
        want = strtoll(buf, &end, 10);
        if (n == 0 || end == buf || *end != '\0') {
            cr_assert_neq(rc64, FLOE_OK, "'%s' accepted", buf);
            cr_assert_neq(rc32, FLOE_OK, "'%s' accepted", buf);
            continue;
        }
        if (errno == ERANGE) {
            cr_assert_eq(rc64, FLOE_RANGE, "'%s'", buf);
        } else {
            cr_assert_eq(rc64, FLOE_OK, "'%s': %s", buf, e64.msg);
            cr_assert_eq(FLOE_VEC_DATA(&v64, int64_t)[0], want, "'%s'", buf);
        }
        if (errno == ERANGE || want < INT32_MIN || want > INT32_MAX) {
            cr_assert_eq(rc32, FLOE_RANGE, "'%s'", buf);
        } else {
            cr_assert_eq(rc32, FLOE_OK, "'%s': %s", buf, e32.msg);
            cr_assert_eq(FLOE_VEC_DATA(&v32, int32_t)[0], want, "'%s'", buf);
        }
    }
    floe_vec_free(&v32);
    floe_vec_free(&v64);
}

Test(csv_fastpaths, utf8_ascii_runs_and_bad_bytes_after_them)
{
    char buf[256];
    size_t bad = 0;
    int len, at;
    for (len = 1; len < 40; len++) {
        memset(buf, 'a', (size_t)len);
        cr_assert(floe_utf8_valid(buf, (size_t)len, NULL));
        for (at = 0; at < len; at++) {
            memset(buf, 'a', (size_t)len);
            buf[at] = (char)0xFF;
            cr_assert(!floe_utf8_valid(buf, (size_t)len, &bad));
            cr_assert_eq(bad, (size_t)at, "len %d at %d: %zu", len, at, bad);
            buf[at] = (char)0xC3; /* a 2-byte sequence cut by the end or followed by 'a' */
            cr_assert(!floe_utf8_valid(buf, (size_t)len, &bad));
            cr_assert_eq(bad, (size_t)at);
        }
    }
}
