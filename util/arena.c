/* util/arena.c: bump allocator over a list of blocks. */
#include "util/arena.h"

#include <string.h>

#include "util/mem.h"

typedef struct arena_block {
    struct arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t used;
} arena_block;

struct floe_arena {
    arena_block *head; /* current block, newest first */
    size_t block_size;
    size_t used;
    size_t reserved;
};

floe_arena *floe_arena_new(size_t block_size)
{
    floe_arena *a = floe_calloc(1, sizeof *a);
    if (a == NULL) return NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    return a;
}

void floe_arena_free(floe_arena *a)
{
    arena_block *b, *next;
    if (a == NULL) return;
    for (b = a->head; b; b = next) {
        next = b->next;
        floe_free(b);
    }
    floe_free(a);
}

void floe_arena_reset(floe_arena *a)
{
    arena_block *b, *next;
    if (a == NULL || a->head == NULL) return;
    /* keep the oldest block (the last in the list) */
    for (b = a->head; b->next; b = next) {
        next = b->next;
        a->reserved -= b->size;
        floe_free(b);
    }
    b->used = 0;
    a->head = b;
    a->used = 0;
}

void *floe_arena_alloc(floe_arena *a, size_t n)
{
    arena_block *b = a->head;
    void *p;
    n = (n + 7) & ~(size_t)7;
    if (b == NULL || b->size - b->used < n) {
        size_t sz = n > a->block_size ? n : a->block_size;
        arena_block *nb = floe_malloc(sizeof *nb + sz);
        if (nb == NULL) return NULL;
        nb->size = sz;
        nb->used = 0;
        if (b != NULL && n > a->block_size) {
            /* oversized: put it behind the current block so the current one
             * keeps filling */
            nb->next = b->next;
            b->next = nb;
            nb->used = n;
            a->used += n;
            a->reserved += sz;
            return (char *)(nb + 1);
        }
        nb->next = b;
        a->head = nb;
        a->reserved += sz;
        b = nb;
    }
    p = (char *)(b + 1) + b->used;
    b->used += n;
    a->used += n;
    return p;
}

void *floe_arena_memdup(floe_arena *a, const void *p, size_t n)
{
    void *q = floe_arena_alloc(a, n ? n : 1);
    if (q && n) memcpy(q, p, n);
    return q;
}

char *floe_arena_strndup(floe_arena *a, const char *s, size_t n)
{
    char *q = floe_arena_alloc(a, n + 1);
    if (q == NULL) return NULL;
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

size_t floe_arena_used(const floe_arena *a) { return a->used; }
size_t floe_arena_reserved(const floe_arena *a) { return a->reserved; }
