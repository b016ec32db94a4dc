/* util/arena.h: bump allocator for per-query and per-vector memory.
 *
 * An arena hands out memory from large blocks and frees it all at once
 * (floe_arena_free) or rewinds (floe_arena_reset). Pointers it returns stay
 * valid until then; they never move. Not thread-safe: one owner.
 */
#ifndef FLOE_UTIL_ARENA_H
#define FLOE_UTIL_ARENA_H

#include <stddef.h>

typedef struct floe_arena floe_arena;

/* New arena whose blocks are at least `block_size` bytes (0: 64 KiB).
 * NULL on OOM. */
floe_arena *floe_arena_new(size_t block_size);
void floe_arena_free(floe_arena *a); /* NULL ok */
/* Drop everything allocated but keep the first block for reuse. */
void floe_arena_reset(floe_arena *a);
/* n bytes, 8-byte aligned; NULL on OOM. */
void *floe_arena_alloc(floe_arena *a, size_t n);
/* Copy of n bytes (not NUL-terminated unless the source is); NULL on OOM. */
void *floe_arena_memdup(floe_arena *a, const void *p, size_t n);
char *floe_arena_strndup(floe_arena *a, const char *s, size_t n);
/* Bytes handed out and bytes reserved from the heap. */
size_t floe_arena_used(const floe_arena *a);
size_t floe_arena_reserved(const floe_arena *a);

#endif
