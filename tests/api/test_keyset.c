/* tests/api/test_keyset.c: db/keyset.h, the hash set behind unique keys,
 * against a reference (a bitmap of which of the generated keys were added):
 * growth through many doublings, keys of many lengths and the empty one, equal
 * hashes with different bytes, and reserve-then-add never failing. Reaches
 * inside db/ (tests may). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "db/keyset.h"
#include "util/hash.h"

static uint32_t key_of(uint32_t i, char *buf)
{
    /* lengths 4..44 starting with i's bytes: distinct keys of distinct i */
    uint32_t len = 4 + i % 41, k;
    for (k = 4; k < len; k++) buf[k] = (char)((i * 31 + k * 7) ^ (i >> (k % 24)));
    memcpy(buf, &i, 4);
    return len;
}

Test(keyset, matches_a_reference_through_growth)
{
    floe_keyset s;
    static unsigned char added[200000];
    char buf[64];
    uint32_t i, n = 200000;
    uint64_t count = 0;
    memset(&s, 0, sizeof s);
    for (i = 0; i < n; i++) {
        uint32_t len = key_of(i, buf);
        int r;
        if (i % 3 == 0) continue;
        r = floe_keyset_add(&s, floe_hash64(buf, len), buf, len);
        cr_assert_eq(r, 1, "i %u", i);
        cr_assert_eq(floe_keyset_add(&s, floe_hash64(buf, len), buf, len), 0, "i %u again", i);
        count += (uint64_t)r;
        added[i] = 1;
    }
    cr_assert_eq(s.n, count);
    for (i = 0; i < n; i++) {
        uint32_t len = key_of(i, buf);
        cr_assert_eq(floe_keyset_has(&s, floe_hash64(buf, len), buf, len), added[i] != 0, "i %u", i);
    }
    /* the empty key is a key */
    cr_assert(!floe_keyset_has(&s, floe_hash64("", 0), "", 0));
    cr_assert_eq(floe_keyset_add(&s, floe_hash64("", 0), "", 0), 1);
    cr_assert(floe_keyset_has(&s, floe_hash64("", 0), "", 0));
    /* same hash, other bytes: not found, and added as a separate key */
    cr_assert(!floe_keyset_has(&s, 12345, "zzzzzz", 6));
    cr_assert_eq(floe_keyset_add(&s, 12345, "zzzzzz", 6), 1);
    cr_assert_eq(floe_keyset_add(&s, 12345, "zzzzzy", 6), 1);
    cr_assert_eq(floe_keyset_add(&s, 12345, "zzzzzz", 6), 0);
    cr_assert(floe_keyset_bytes(&s) > s.n * 16);
    floe_keyset_free(&s);
    cr_assert_eq(s.n, 0);
    cr_assert(!floe_keyset_has(&s, 1, "a", 1));
}

Test(keyset, reserve_makes_room)
{
    floe_keyset s;
    uint64_t cap, pool;
    uint32_t i;
    memset(&s, 0, sizeof s);
    cr_assert_eq(floe_keyset_reserve(&s, 10000, 10000 * 12), 0);
    cap = s.cap;
    pool = s.pool_cap;
    for (i = 0; i < 10000; i++) {
        uint64_t v = i * 977u;
        cr_assert_eq(floe_keyset_add(&s, floe_hash64(&v, 8), &v, 8), 1);
    }
    cr_assert_eq(s.cap, cap, "grew after reserve");
    cr_assert_eq(s.pool_cap, pool, "pool grew after reserve");
    floe_keyset_free(&s);
}

Test(keyset, remove_last_undoes_newest_first)
{
    floe_keyset s;
    uint64_t v, n = 50000, keep = 20000, h;
    memset(&s, 0, sizeof s);
    for (v = 0; v < n; v++) cr_assert_eq(floe_keyset_add(&s, floe_hash64(&v, 8), &v, 8), 1);
    /* an older key cannot be removed */
    v = 5;
    cr_assert(!floe_keyset_remove_last(&s, floe_hash64(&v, 8), &v, 8));
    for (v = n; v-- > keep;) {
        h = floe_hash64(&v, 8);
        cr_assert(floe_keyset_remove_last(&s, h, &v, 8), "remove %llu", (unsigned long long)v);
    }
    cr_assert_eq(s.n, keep);
    cr_assert_eq(s.pool_len, keep * 12);
    for (v = 0; v < n; v++)
        cr_assert_eq(floe_keyset_has(&s, floe_hash64(&v, 8), &v, 8), v < keep, "v %llu", (unsigned long long)v);
    /* and the set keeps working: re-add the removed ones */
    for (v = keep; v < n; v++) cr_assert_eq(floe_keyset_add(&s, floe_hash64(&v, 8), &v, 8), 1);
    for (v = 0; v < n; v++) cr_assert(floe_keyset_has(&s, floe_hash64(&v, 8), &v, 8));
    /* colliding home slots: equal hashes, removed newest first */
    {
        floe_keyset c;
        char k[8];
        int i;
        memset(&c, 0, sizeof c);
        for (i = 0; i < 40; i++) {
            snprintf(k, sizeof k, "k%02d", i);
            cr_assert_eq(floe_keyset_add(&c, (uint64_t)(i % 3) * 64 + 7, k, 3), 1);
        }
        for (i = 39; i >= 20; i--) {
            snprintf(k, sizeof k, "k%02d", i);
            cr_assert(floe_keyset_remove_last(&c, (uint64_t)(i % 3) * 64 + 7, k, 3));
        }
        for (i = 0; i < 40; i++) {
            snprintf(k, sizeof k, "k%02d", i);
            cr_assert_eq(floe_keyset_has(&c, (uint64_t)(i % 3) * 64 + 7, k, 3), i < 20, "%s", k);
        }
        floe_keyset_free(&c);
    }
    floe_keyset_free(&s);
}
