/* bench/bench_report.h: floe-bench's results: the stdout table, the results
 * file (CSV or JSON) and the SVG chart.
 *
 * A report collects one record per (workload, case, peer): a summary of
 * the measurement (median, min, max and the cold first run, in `unit`) and
 * a status ("ok", or the error, e.g. an answer mismatch, which then is not
 * a speed). The table prints each case's peers one per line with the ratio
 * ref/peer of the medians, ref being the reference peer (the first of the
 * run: floe when built): for times (s, ms) < 1 means the reference is
 * faster, for rates (rows/s, MB/s) > 1 does. The SVG draws one group of
 * horizontal bars per case, one bar per peer, scaled to the group's largest
 * value and labelled with it. Not thread-safe: add records from one thread.
 */
#ifndef FLOE_BENCH_REPORT_H
#define FLOE_BENCH_REPORT_H

#include <stdio.h>

#include "util/err.h"

typedef struct floe_bench_record {
    char workload[16];  /* "query", "ingest", "copy", "mixed", "load" */
    char name[64];      /* case: query name, "events_t2_full", ... */
    char peer[16];
    char unit[16];      /* "s", "rows/s", "MB/s", "ms" */
    double median, min, max, cold; /* cold < 0: not measured */
    long runs;          /* warm runs (or samples) behind the summary */
    char status[160];   /* "ok" or the error */
} floe_bench_record;

typedef struct floe_bench_report {
    floe_bench_record *recs;
    size_t n, cap;
    char ref[16];       /* the reference peer of ratios */
} floe_bench_report;

void floe_bench_report_init(floe_bench_report *r, const char *ref_peer);
void floe_bench_report_free(floe_bench_report *r);
/* Add a record (status NULL = "ok"); it is also printed as one stable
 * line "<workload> <name> <peer> <median> <min> <max> <cold> <unit> <status>"
 * to `progress` when not NULL. */
int floe_bench_report_add(floe_bench_report *r, const char *workload, const char *name,
                          const char *peer, const char *unit, double median, double min,
                          double max, double cold, long runs, const char *status,
                          FILE *progress, floe_err *err);
/* The readable table, cases in the order first added. */
void floe_bench_report_print(const floe_bench_report *r, FILE *f);
/* Write all records to `path`: JSON when it ends in ".json", else CSV. */
int floe_bench_report_write(const floe_bench_report *r, const char *path, floe_err *err);
/* Write the SVG chart to `path`. */
int floe_bench_report_svg(const floe_bench_report *r, const char *path, floe_err *err);
/* The chart path for a results path: its extension replaced by ".svg". */
void floe_bench_report_svg_path(const char *results, char *out, size_t cap);

#endif
