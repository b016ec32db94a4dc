/* engine/intset.c: see intset.h. */
#include "engine/intset.h"

#include <string.h>

#include "util/err.h"
#include "util/hash.h"
#include "util/mem.h"

#define PART_OF(h) ((uint32_t)((h) >> (64 - FLOE_INTSET_BITS)))
#define PEND_MIN 64u

void floe_intset_init(floe_intset *s)
{
    memset(s, 0, sizeof *s);
}

void floe_intset_free(floe_intset *s)
{
    uint32_t p;
    for (p = 0; p < FLOE_INTSET_PARTS; p++) {
        floe_free(s->part[p].slots);
        floe_free(s->part[p].pend);
    }
    memset(s, 0, sizeof *s);
}

/* Insert hash h (nonzero) into a table with a free slot. */
static inline void put(floe_intset_part *t, uint64_t h)
{
    uint64_t mask = t->cap - 1, i = h & mask;
    while (t->slots[i] != 0) {
        if (t->slots[i] == h) return;
        i = (i + 1) & mask;
    }
    t->slots[i] = h;
    t->n++;
}

/* Double the table (or create it). *bytes tracks the bytes held. */
static int grow(floe_intset_part *t, size_t *bytes)
{
    uint64_t cap = t->cap ? (uint64_t)t->cap * 2 : 1024;
    uint64_t *old = t->slots;
    uint32_t i, ocap = t->cap;
    if (cap > (1ull << 31)) return FLOE_NOMEM;
    t->slots = floe_calloc(cap, sizeof *t->slots);
    if (t->slots == NULL) {
        t->slots = old;
        return FLOE_NOMEM;
    }
    t->cap = (uint32_t)cap;
    t->n = 0;
    for (i = 0; i < ocap; i++)
        if (old[i]) put(t, old[i]);
    floe_free(old);
    *bytes += (size_t)(cap - ocap) * sizeof *t->slots;
    return FLOE_OK;
}

/* Insert hashes h[0..n) into t, growing it at a load factor of 3/4. */
static int insert_all(floe_intset_part *t, const uint64_t *h, uint32_t n, size_t *bytes)
{
    uint32_t i = 0;
    while (i < n) {
        /* room for `run` more keys without a check per key */
        uint64_t room = (uint64_t)t->cap * 3 / 4, run;
        if (t->n >= room) {
            if (grow(t, bytes) != FLOE_OK) return FLOE_NOMEM;
            continue;
        }
        run = room - t->n;
        if (run > n - i) run = n - i;
        for (; run > 0; run--, i++) put(t, h[i]);
    }
    return FLOE_OK;
}

static int drain(floe_intset *s, floe_intset_part *t)
{
    if (t->npend == 0) return FLOE_OK;
    if (insert_all(t, t->pend, t->npend, &s->bytes) != FLOE_OK) return FLOE_NOMEM;
    t->npend = 0;
    return FLOE_OK;
}

/* The pending buffer is full: grow it while a drain would not pay, else drain. */
static int make_room(floe_intset *s, floe_intset_part *t)
{
    uint32_t limit = t->cap * 2 > FLOE_INTSET_PENDING ? t->cap * 2 : FLOE_INTSET_PENDING;
    if (t->pcap < limit) {
        uint32_t ncap = t->pcap ? t->pcap * 2 : PEND_MIN;
        uint64_t *np = floe_realloc(t->pend, (size_t)ncap * sizeof *np);
        if (np == NULL) return FLOE_NOMEM;
        s->bytes += (size_t)(ncap - t->pcap) * sizeof *np;
        t->pend = np;
        t->pcap = ncap;
        return FLOE_OK;
    }
    return drain(s, t);
}

int floe_intset_add(floe_intset *s, const int64_t *keys, const uint32_t *sel, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint64_t h = floe_hash_u64((uint64_t)keys[sel ? sel[i] : i]);
        floe_intset_part *t = &s->part[PART_OF(h)];
        if (h == 0) {
            s->has_zero = true;
            continue;
        }
        if (t->npend == t->pcap && make_room(s, t) != FLOE_OK) return FLOE_NOMEM;
        t->pend[t->npend++] = h;
    }
    return FLOE_OK;
}

int floe_intset_flush(floe_intset *s)
{
    uint32_t p;
    for (p = 0; p < FLOE_INTSET_PARTS; p++)
        if (drain(s, &s->part[p]) != FLOE_OK) return FLOE_NOMEM;
    return FLOE_OK;
}

int floe_intset_merge_part(floe_intset *dst, const floe_intset *src, uint32_t p)
{
    const floe_intset_part *f = &src->part[p];
    floe_intset_part *t = &dst->part[p];
    size_t ignored = 0; /* dst->bytes is shared with the other partitions' mergers */
    uint32_t i;
    if (p == 0 && src->has_zero) dst->has_zero = true;
    for (i = 0; i < f->cap; i++) {
        if (f->slots[i] == 0) continue;
        if ((uint64_t)(t->n + 1) * 4 > (uint64_t)t->cap * 3 && grow(t, &ignored) != FLOE_OK)
            return FLOE_NOMEM;
        put(t, f->slots[i]);
    }
    return FLOE_OK;
}

uint64_t floe_intset_count_part(const floe_intset *s, uint32_t p)
{
    return s->part[p].n + (p == 0 && s->has_zero ? 1 : 0);
}

uint64_t floe_intset_count(const floe_intset *s)
{
    uint64_t c = s->has_zero ? 1 : 0;
    uint32_t p;
    for (p = 0; p < FLOE_INTSET_PARTS; p++) c += s->part[p].n;
    return c;
}

void floe_intset_recount(floe_intset *s)
{
    size_t b = 0;
    uint32_t p;
    for (p = 0; p < FLOE_INTSET_PARTS; p++)
        b += ((size_t)s->part[p].cap + s->part[p].pcap) * sizeof(uint64_t);
    s->bytes = b;
}
