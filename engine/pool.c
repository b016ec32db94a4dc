/* engine/pool.c: worker pool (pthreads; see pool.h). */
#include "engine/pool.h"

#include "util/thread.h"

#include <pthread.h>
#include <unistd.h>

#include "util/mem.h"

struct floe_pool {
    uint32_t n;                 /* workers, including the caller */
    pthread_t *threads;         /* n-1 */
    uint32_t nstarted;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;     /* a new generation was posted, or stop */
    pthread_cond_t done_cv;     /* a worker finished */
    uint64_t generation;        /* bumped per floe_pool_run */
    uint32_t running;           /* threads still working on this generation */
    int stop;
    void (*fn)(void *, uint32_t);
    void *arg;
};

typedef struct pool_thread_arg {
    floe_pool *p;
    uint32_t w;
} pool_thread_arg;

uint32_t floe_pool_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : (uint32_t)n;
}

static void *pool_main(void *argp)
{
    pool_thread_arg *ta = argp;
    floe_pool *p = ta->p;
    uint32_t w = ta->w;
    uint64_t seen = 0;
    floe_free(ta);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->work_cv, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->arg, w);
        pthread_mutex_lock(&p->mu);
        if (--p->running == 0) pthread_cond_signal(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int floe_pool_new(uint32_t n, floe_pool **out, floe_err *err)
{
    floe_pool *p;
    uint32_t i;
    *out = NULL;
    if (n == 0) n = floe_pool_default_threads();
    p = floe_calloc(1, sizeof *p);
    if (p == NULL) return floe_err_nomem(err);
    p->n = n;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    if (n > 1) {
        p->threads = floe_calloc(n - 1, sizeof *p->threads);
        if (p->threads == NULL) {
            floe_pool_free(p);
            return floe_err_nomem(err);
        }
    }
    for (i = 1; i < n; i++) {
        pool_thread_arg *ta = floe_malloc(sizeof *ta);
        if (ta == NULL) {
            floe_pool_free(p);
            return floe_err_nomem(err);
        }
        ta->p = p;
        ta->w = i;
        if (floe_thread_create(&p->threads[i - 1], pool_main, ta, "floe-worker") != 0) {
            floe_free(ta);
            floe_pool_free(p);
            return floe_err_set(err, FLOE_ERROR, "worker pool: cannot start thread %u", i);
        }
        p->nstarted++;
    }
    *out = p;
    return FLOE_OK;
}

uint32_t floe_pool_size(const floe_pool *p)
{
    return p->n;
}

void floe_pool_run(floe_pool *p, void (*fn)(void *arg, uint32_t worker), void *arg)
{
    if (p->nstarted == 0) {
        fn(arg, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->running = p->nstarted;
    p->generation++;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0);
    pthread_mutex_lock(&p->mu);
    while (p->running > 0) pthread_cond_wait(&p->done_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void floe_pool_free(floe_pool *p)
{
    uint32_t i;
    if (p == NULL) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->nstarted; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work_cv);
    pthread_cond_destroy(&p->done_cv);
    floe_free(p->threads);
    floe_free(p);
}
