/* engine/pool.h: the worker pool that runs morsel-driven pipelines.
 *
 * A pool has `n` workers: the calling thread is worker 0 and n-1 threads
 * wait for work. floe_pool_run runs fn(arg, w) once on every worker
 * w in [0, n) at the same time and returns when all have finished; the
 * workers then pull morsels from shared queues (see exec.c), so skew and a
 * busy core do not stall a query.
 *
 * Thread-safety: one floe_pool_run at a time per pool (the executor that
 * owns the pool is single-threaded at its top); fn runs concurrently on all
 * workers and must synchronize its own shared state.
 */
#ifndef FLOE_ENGINE_POOL_H
#define FLOE_ENGINE_POOL_H

#include <stdint.h>

#include "util/err.h"

typedef struct floe_pool floe_pool;

/* Online CPUs (at least 1). */
uint32_t floe_pool_default_threads(void);
/* Start a pool of n workers (n-1 threads; 0: floe_pool_default_threads()).
 * FLOE_NOMEM or FLOE_ERROR when a thread cannot be started. */
int floe_pool_new(uint32_t n, floe_pool **out, floe_err *err);
uint32_t floe_pool_size(const floe_pool *p);
/* Run fn(arg, w) on every worker and wait for all of them. */
void floe_pool_run(floe_pool *p, void (*fn)(void *arg, uint32_t worker), void *arg);
/* Stop and join the threads; NULL ok. */
void floe_pool_free(floe_pool *p);

#endif
