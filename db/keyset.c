/* db/keyset.c: the byte-string hash set of db/keyset.h. */
#include "db/keyset.h"

#include <string.h>

#include "util/mem.h"

static bool slot_eq(const floe_keyset *s, uint64_t i, uint64_t h, const void *key, uint32_t len)
{
    uint32_t klen;
    const char *p;
    if (s->slots[2 * i] != h) return false;
    p = s->pool + (s->slots[2 * i + 1] - 1);
    memcpy(&klen, p, 4);
    return klen == len && memcmp(p + 4, key, len) == 0;
}

bool floe_keyset_has(const floe_keyset *s, uint64_t h, const void *key, uint32_t len)
{
    uint64_t i, mask;
    if (s->cap == 0) return false;
    mask = s->cap - 1;
    for (i = h & mask; s->slots[2 * i + 1] != 0; i = (i + 1) & mask)
        if (slot_eq(s, i, h, key, len)) return true;
    return false;
}

static int rehash(floe_keyset *s, uint64_t ncap)
{
    uint64_t i, mask = ncap - 1;
    uint64_t *ns = floe_calloc(ncap * 2, sizeof *ns);
    if (ns == NULL) return -1;
    for (i = 0; i < s->cap; i++) {
        uint64_t j;
        if (s->slots[2 * i + 1] == 0) continue;
        for (j = s->slots[2 * i] & mask; ns[2 * j + 1] != 0; j = (j + 1) & mask) {}
        ns[2 * j] = s->slots[2 * i];
        ns[2 * j + 1] = s->slots[2 * i + 1];
    }
    floe_free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

static int grow(floe_keyset *s) { return rehash(s, s->cap ? s->cap * 2 : 64); }

static int pool_room(floe_keyset *s, size_t more)
{
    size_t nc = s->pool_cap ? s->pool_cap : 1024;
    char *np;
    if (s->pool_len + more <= s->pool_cap) return 0;
    while (nc < s->pool_len + more) nc *= 2;
    if ((np = floe_realloc(s->pool, nc)) == NULL) return -1;
    s->pool = np;
    s->pool_cap = nc;
    return 0;
}

int floe_keyset_reserve(floe_keyset *s, uint64_t nkeys, size_t bytes)
{
    uint64_t ncap = s->cap ? s->cap : 64;
    while ((s->n + nkeys) * 2 > ncap) ncap *= 2;
    if (ncap != s->cap && rehash(s, ncap) != 0) return -1;
    return pool_room(s, bytes);
}

int floe_keyset_add(floe_keyset *s, uint64_t h, const void *key, uint32_t len)
{
    uint64_t i, mask;
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0) return -1;
    mask = s->cap - 1;
    for (i = h & mask; s->slots[2 * i + 1] != 0; i = (i + 1) & mask)
        if (slot_eq(s, i, h, key, len)) return 0;
    if (pool_room(s, 4 + (size_t)len) != 0) return -1;
    memcpy(s->pool + s->pool_len, &len, 4);
    if (len) memcpy(s->pool + s->pool_len + 4, key, len);
    s->slots[2 * i] = h;
    s->slots[2 * i + 1] = (uint64_t)s->pool_len + 1;
    s->pool_len += 4 + (size_t)len;
    s->n++;
    return 1;
}

bool floe_keyset_remove_last(floe_keyset *s, uint64_t h, const void *key, uint32_t len)
{
    uint64_t i, j, mask;
    if (s->cap == 0) return false;
    mask = s->cap - 1;
    for (i = h & mask; s->slots[2 * i + 1] != 0; i = (i + 1) & mask)
        if (slot_eq(s, i, h, key, len)) break;
    if (s->slots[2 * i + 1] == 0) return false;
    if (s->slots[2 * i + 1] - 1 + 4 + len != s->pool_len) return false; /* not the last added */
    s->pool_len = s->slots[2 * i + 1] - 1;
    s->n--;
    /* backward-shift deletion: keep every probe chain unbroken */
    for (j = i;;) {
        uint64_t home;
        s->slots[2 * i] = 0;
        s->slots[2 * i + 1] = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (s->slots[2 * j + 1] == 0) return true;
            home = s->slots[2 * j] & mask;
            /* the entry at j may move to i unless its home lies cyclically in (i, j] */
            if (i <= j ? (i < home && home <= j) : (i < home || home <= j)) continue;
            break;
        }
        s->slots[2 * i] = s->slots[2 * j];
        s->slots[2 * i + 1] = s->slots[2 * j + 1];
        i = j;
    }
}

uint64_t floe_keyset_bytes(const floe_keyset *s)
{
    return s->cap * 16 + s->pool_cap;
}

void floe_keyset_free(floe_keyset *s)
{
    floe_free(s->slots);
    floe_free(s->pool);
    memset(s, 0, sizeof *s);
}
