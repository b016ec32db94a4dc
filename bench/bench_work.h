/* bench/bench_work.h: floe-bench's workloads, written once over the peer
 * interface (bench_peer.h) so every engine gets the same data and queries.
 *
 *  query   load lineitem (sf), the 8 TPC-H tables (tpch_sf, when > 0) and
 *          events (rows) into each peer through its appender, then run the
 *          query set of each (with tpch_sf > 0 the lineitem data set is not
 *          loaded: Q1 and Q6 run on the TPC-H tables with the other 20):
 *          per query, a cold first run
 *          on every peer, then `runs` warm runs interleaved across peers;
 *          median/min/max of the warm runs. Answers of every peer are
 *          compared with the reference peer's (the first peer); a mismatch
 *          is an error, not a speed.
 *  ingest  events through appenders: for each durability mode and each
 *          producer count (1, 2, 4, ... up to threads), producers cycle
 *          through pre-generated batches (generation is not timed) and
 *          flush every `batch` rows: rows/s and MB/s (bytes of the values
 *          handed in), count(*) verified. Then COPY FROM CSV of lineitem and
 *          events (peers that have COPY): rows/s and MB/s of CSV.
 *  mixed   producers append at a fixed total rate while one client loops
 *          over the events queries: query latency p50/p95/p99 and freshness
 *          p50/p95/p99 = time from an acknowledged flush to a count(*) that
 *          sees its rows (the client waits for an acknowledgement, then
 *          polls), plus the append rate reached.
 * Results go to the report; progress lines to opts->progress. Databases
 * live under opts->workdir/<peer>-<workload> and are recreated per case.
 */
#ifndef FLOE_BENCH_WORK_H
#define FLOE_BENCH_WORK_H

#include <stdint.h>
#include <stdio.h>

#include "bench/bench_report.h"
#include "util/err.h"

#define FLOE_BENCH_MAX_PEERS 8

typedef struct floe_bench_opts {
    const char *workdir;                      /* scratch root */
    const char *peers[FLOE_BENCH_MAX_PEERS];  /* peers[0] is the reference */
    int npeers;
    double sf;               /* lineitem scale factor (tpch_q1, tpch_q6); 0: skip */
    double tpch_sf;          /* scale factor of the 8-table TPC-H joins; 0: skip */
    int64_t rows;            /* events rows (query, copy) */
    int runs;                /* warm runs per query */
    int threads;             /* max producer threads (ingest) */
    unsigned modes;          /* durability modes to run: bit (1 << floe_bench_durability) */
    uint32_t batch;          /* rows per flush (ingest) */
    int64_t ingest_rows;     /* rows per ingest case, at most */
    double ingest_secs;      /* seconds per ingest case, at most */
    double mixed_secs;       /* duration of the mixed workload per peer */
    double mixed_rate;       /* total appended rows/s in mixed */
    int mixed_producers;
    uint32_t mixed_batch;    /* rows per flush in mixed */
    uint64_t seed;           /* data seed; 0 = the peers kit's (events 20240101, TPC-H 19920101) */
    double rtol;             /* answer comparison tolerance */
    FILE *progress;          /* stable per-case lines, or NULL */
} floe_bench_opts;

/* Defaults (see README: sized so `all --vs duckdb,sqlite` stays under ten
 * minutes on 2 cores). */
void floe_bench_opts_defaults(floe_bench_opts *o);

int floe_bench_run_query(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err);
int floe_bench_run_ingest(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err);
int floe_bench_run_copy(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err);
int floe_bench_run_mixed(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err);

#endif
