/* bench/bench_stats.h: clocks and summary statistics for floe-bench.
 *
 * Samples are seconds (or any unit) in a growable array; summaries are the
 * median, min, max and nearest-rank percentiles of what was added. Not
 * thread-safe: one sample set per thread or guard it.
 */
#ifndef FLOE_BENCH_STATS_H
#define FLOE_BENCH_STATS_H

#include <stddef.h>

#include "util/err.h"

/* Monotonic clock in seconds. */
double floe_bench_now(void);
/* Sleep until the monotonic clock reads `t` (no-op when already past). */
void floe_bench_sleep_until(double t);

typedef struct floe_bench_samples {
    double *v;
    size_t n, cap;
} floe_bench_samples;

#define FLOE_BENCH_SAMPLES_INIT {NULL, 0, 0}

int floe_bench_samples_add(floe_bench_samples *s, double x, floe_err *err);
void floe_bench_samples_free(floe_bench_samples *s);
/* Median (mean of the two middle values for even n), 0 when empty. */
double floe_bench_samples_median(const floe_bench_samples *s);
double floe_bench_samples_min(const floe_bench_samples *s);
double floe_bench_samples_max(const floe_bench_samples *s);
/* Nearest-rank percentile, p in [0, 100]: the smallest value with at least
 * p% of the samples <= it. 0 when empty. */
double floe_bench_samples_pct(const floe_bench_samples *s, double p);

#endif
