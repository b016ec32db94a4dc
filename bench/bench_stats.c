/* bench/bench_stats.c: clocks and summary statistics. */
#include "bench/bench_stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

double floe_bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void floe_bench_sleep_until(double t)
{
    double d = t - floe_bench_now();
    struct timespec ts;
    if (d <= 0) return;
    ts.tv_sec = (time_t)d;
    ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int floe_bench_samples_add(floe_bench_samples *s, double x, floe_err *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *v = floe_realloc(s->v, cap * sizeof *v);
        if (v == NULL) return floe_err_nomem(err);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return FLOE_OK;
}

void floe_bench_samples_free(floe_bench_samples *s)
{
    floe_free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void sort(const floe_bench_samples *s)
{
    qsort(s->v, s->n, sizeof(double), cmp_double);
}

double floe_bench_samples_median(const floe_bench_samples *s)
{
    if (s->n == 0) return 0;
    sort(s);
    return s->n % 2 ? s->v[s->n / 2] : (s->v[s->n / 2 - 1] + s->v[s->n / 2]) / 2;
}

double floe_bench_samples_min(const floe_bench_samples *s)
{
    size_t i;
    double m;
    if (s->n == 0) return 0;
    for (m = s->v[0], i = 1; i < s->n; i++)
        if (s->v[i] < m) m = s->v[i];
    return m;
}

double floe_bench_samples_max(const floe_bench_samples *s)
{
    size_t i;
    double m;
    if (s->n == 0) return 0;
    for (m = s->v[0], i = 1; i < s->n; i++)
        if (s->v[i] > m) m = s->v[i];
    return m;
}

double floe_bench_samples_pct(const floe_bench_samples *s, double p)
{
    size_t rank;
    if (s->n == 0) return 0;
    sort(s);
    if (p <= 0) return s->v[0];
    rank = (size_t)ceil(p / 100.0 * (double)s->n);
    if (rank < 1) rank = 1;
    if (rank > s->n) rank = s->n;
    return s->v[rank - 1];
}
