/* util/mem.h: the one allocator every module uses.
 *
 * All heap memory goes through floe_malloc/floe_calloc/floe_realloc/floe_free
 * so tests can fail the Nth allocation (floe_mem_fail_after) and count live
 * allocations. Allocation failure returns NULL; callers return FLOE_NOMEM.
 * Thread-safe.
 *
 * Process-wide state: the failure countdown (floe_mem_fail_after) and the
 * live-allocation counter are the library's one documented exception to "no
 * process-wide mutable state": a test hook and a statistic, atomics, that
 * change nothing while no test arms the countdown. Everything else that can
 * be tuned belongs to a database (floe_open_options, SET, struct floe_db).
 */
#ifndef FLOE_UTIL_MEM_H
#define FLOE_UTIL_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "floe.h" /* floe_free is public (FLOE_API) */

void *floe_malloc(size_t n);
void *floe_calloc(size_t count, size_t size);
void *floe_realloc(void *p, size_t n);
/* floe_free(void *p) is declared in floe.h: it is public. */
/* Copy of s (NUL-terminated) or of n bytes plus a NUL; NULL on OOM. */
char *floe_strdup(const char *s);
char *floe_strndup(const char *s, size_t n);
/* 64-byte aligned allocation for SIMD buffers; free with floe_free_aligned. */
void *floe_malloc_aligned(size_t n);
void floe_free_aligned(void *p);

/* Once per process (idempotent, thread-safe): keep block-sized buffers in
 * the heap instead of mmap/munmap round trips and page trimming (glibc
 * mallopt: mmap threshold 64 MiB, trim threshold 256 MiB), so a scan that
 * decodes block after block reuses warm memory instead of having the kernel
 * zero fresh pages. Called by floe_db_open; affects the whole process. */
void floe_mem_tune(void);

/* Testing: make the allocation after `n` more successful ones fail (and every
 * one after it while `sticky`); n < 0 disables. */
void floe_mem_fail_after(int64_t n, int sticky);
/* Allocations made and not yet freed (approximate; counts floe_malloc calls). */
int64_t floe_mem_live(void);

#endif
