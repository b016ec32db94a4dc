/* shell/progress.c: progress bar / "still running" indicator for long statements. */
#include "shell/progress.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#define SHELL_PROGRESS_BAR 30 /* characters of the bar */

struct shell_progress {
    FILE *out;
    double delay, interval;  /* seconds */
    struct timespec t0;      /* CLOCK_MONOTONIC start */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;       /* signalled by stop */
    int stop;
    int shown;               /* updates written */
    size_t width;            /* bytes of the longest update, to erase it */
    double (*meter)(void *); /* fraction done (0..1) or < 0 when unknown; may be NULL */
    void *meter_ctx;
};

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void *run(void *arg)
{
    static const char spin[] = "|/-\\";
    shell_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec until;
        double e = since(&p->t0), wait = e < p->delay ? p->delay - e : p->interval;
        long ns;
        clock_gettime(CLOCK_MONOTONIC, &until);
        ns = until.tv_nsec + (long)((wait - (double)(long)wait) * 1e9);
        until.tv_sec += (time_t)wait + ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        while (!p->stop && pthread_cond_timedwait(&p->cv, &p->mu, &until) != ETIMEDOUT) {
        }
        if (p->stop) break;
        e = since(&p->t0);
        if (e >= p->delay) {
            double f = p->meter ? p->meter(p->meter_ctx) : -1.0;
            int n;
            if (f >= 0.0) {
                char bar[SHELL_PROGRESS_BAR + 1];
                int k, filled = (int)(f * SHELL_PROGRESS_BAR + 0.5);
                for (k = 0; k < SHELL_PROGRESS_BAR; k++) bar[k] = k < filled ? '#' : '.';
                bar[SHELL_PROGRESS_BAR] = '\0';
                n = fprintf(p->out, "\r[%s] %3d%% %.1f s", bar, (int)(f * 100.0), e);
            } else {
                n = fprintf(p->out, "\r%c running %.1f s", spin[p->shown % 4], e);
            }
            fflush(p->out);
            if (n > 0 && (size_t)n > p->width) p->width = (size_t)n;
            p->shown++;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

shell_progress *shell_progress_start(FILE *out, double delay, double interval)
{
    return shell_progress_start_meter(out, delay, interval, NULL, NULL);
}

shell_progress *shell_progress_start_meter(FILE *out, double delay, double interval,
                                           double (*meter)(void *), void *meter_ctx)
{
    shell_progress *p = calloc(1, sizeof(*p));
    pthread_condattr_t ca;
    sigset_t block, old;
    int rc;
    if (p == NULL) return NULL;
    p->out = out;
    p->meter = meter;
    p->meter_ctx = meter_ctx;
    p->delay = delay;
    p->interval = interval > 0.01 ? interval : 0.01;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* the thread inherits the mask */
    rc = pthread_create(&p->thread, NULL, run, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

int shell_progress_stop(shell_progress *p)
{
    int shown;
    if (p == NULL) return 0;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    shown = p->shown;
    if (shown > 0) {
        fprintf(p->out, "\r%*s\r", (int)p->width, "");
        fflush(p->out);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return shown;
}
