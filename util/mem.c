/* util/mem.c: allocator wrappers with fault injection for tests. */
#include "util/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static _Atomic int64_t fail_countdown = -1; /* <0: never fail */
static _Atomic int fail_sticky = 0;
static _Atomic int64_t live = 0;

static int should_fail(void)
{
    int64_t c = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (c < 0) return 0;
    if (c == 0) {
        if (!atomic_load(&fail_sticky)) atomic_store(&fail_countdown, -1);
        return 1;
    }
    atomic_fetch_sub(&fail_countdown, 1);
    return 0;
}

void floe_mem_fail_after(int64_t n, int sticky)
{
    atomic_store(&fail_sticky, sticky);
    atomic_store(&fail_countdown, n);
}

int64_t floe_mem_live(void) { return atomic_load(&live); }

void *floe_malloc(size_t n)
{
    void *p;
    if (should_fail()) return NULL;
    p = malloc(n ? n : 1);
    if (p) atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return p;
}

void *floe_calloc(size_t count, size_t size)
{
    void *p;
    if (should_fail()) return NULL;
    p = calloc(count ? count : 1, size ? size : 1);
    if (p) atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return p;
}

void *floe_realloc(void *p, size_t n)
{
    void *q;
    if (should_fail()) return NULL;
    q = realloc(p, n ? n : 1);
    if (q && !p) atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return q;
}

void floe_free(void *p)
{
    if (p == NULL) return;
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
    free(p);
}

char *floe_strndup(const char *s, size_t n)
{
    char *p = floe_malloc(n + 1);
    if (p == NULL) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *floe_strdup(const char *s) { return floe_strndup(s, strlen(s)); }

void *floe_malloc_aligned(size_t n)
{
    void *p = NULL;
    if (should_fail()) return NULL;
    n = (n + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, n ? n : 64) != 0) return NULL;
    atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return p;
}

void floe_free_aligned(void *p) { floe_free(p); }

static void tune_malloc(void)
{
#ifdef __GLIBC__
    (void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

void floe_mem_tune(void)
{
    static pthread_once_t tuned = PTHREAD_ONCE_INIT;
    (void)pthread_once(&tuned, tune_malloc);
}
