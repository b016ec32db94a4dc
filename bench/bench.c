/* bench/bench.c: floe-bench, the benchmark harness: option parsing and the
 * workload driver. See bench/README.md and bench/bench_work.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_data.h"
#include "bench/bench_peer.h"
#include "bench/bench_report.h"
#include "bench/bench_work.h"
#include "bench/peer_duckdb.h"
#include "bench/peer_sqlite.h"
#include "floe.h"

#ifdef FLOE_BENCH_HAVE_STORAGE
int floe_bench_storage(int argc, char **argv); /* bench/bench_storage.c */
#endif

static void usage(void)
{
    fprintf(stderr,
            "usage: floe-bench <workload> [options]\n"
            "workloads:\n"
            "  query    load lineitem (--sf), TPC-H (--tpch-sf), events (--rows); run the query set\n"
            "  ingest   events through appenders (threads x durability modes), then COPY FROM CSV\n"
            "  mixed    producers append at a fixed rate while a client runs the events queries\n"
            "  storage  the storage engine's benchmarks (bench_storage.c)\n"
            "  all      query, ingest, mixed (and storage when built)\n"
            "  gen      write a dataset as CSV, byte-identical to peers/gen_data:\n"
            "           floe-bench gen events|lineitem|orders|customer|part|supplier|partsupp|\n"
            "                          nation|region [--rows N | --sf X] [--seed S] --out FILE\n"
            "options:\n"
            "  --vs duckdb,sqlite     peers run with floe (same data, same queries)\n"
            "  --sf X                 lineitem scale factor for tpch_q1/q6 (default 0.5; 0 skips)\n"
            "  --tpch-sf X            also load the 8 TPC-H tables at this scale factor and run\n"
            "                         tpch_q3/q5/q10/q12/q14/q18 (default 0: skipped)\n"
            "  --rows N               events rows for query and COPY (default 2000000)\n"
            "  --runs N               warm runs per query (default 5)\n"
            "  --threads N            max producer threads in ingest: 1, 2, 4 ... and N (default 2)\n"
            "  --modes full,batch,off durability modes in ingest (default all three)\n"
            "  --batch N              rows per flush in ingest (default 10000)\n"
            "  --ingest-rows N        rows per ingest case, at most (default 2000000)\n"
            "  --ingest-secs S        seconds per ingest case, at most (default 5)\n"
            "  --mixed-secs S         mixed duration per peer (default 10)\n"
            "  --mixed-rate R         appended rows/s in mixed, all producers (default 100000)\n"
            "  --producers N          producer threads in mixed (default 2)\n"
            "  --mixed-batch N        rows per flush in mixed (default 1000)\n"
            "  --rtol X               answer tolerance (default 1e-9)\n"
            "  --workdir DIR          scratch directory (default /tmp/floe-bench)\n"
            "  --out FILE             results file, .csv or .json (default floe-bench-results.csv);\n"
            "                         the SVG chart goes next to it (FILE with .svg)\n"
            "  --quiet                no per-case progress lines\n");
    exit(2);
}

static unsigned parse_modes(const char *s)
{
    unsigned m = 0;
    char buf[64], *tok, *save = NULL;
    snprintf(buf, sizeof buf, "%s", s);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "full") == 0)
            m |= 1u << FLOE_BENCH_DUR_FULL;
        else if (strcmp(tok, "batch") == 0)
            m |= 1u << FLOE_BENCH_DUR_BATCH;
        else if (strcmp(tok, "off") == 0)
            m |= 1u << FLOE_BENCH_DUR_OFF;
        else
            usage();
    }
    return m;
}

int main(int argc, char **argv)
{
    static char vs[256];
    floe_bench_opts o;
    floe_bench_report rep;
    floe_err err = FLOE_ERR_INIT;
    const char *work, *out = "floe-bench-results.csv", *gen_out = NULL;
    char svg[1100], *tok, *save = NULL;
    double gen_size = -1;
    uint64_t seed = 0;
    int i, rc = FLOE_OK, is_all;

    if (argc < 2) usage();
    work = argv[1];
    if (strcmp(work, "storage") == 0) { /* its options are its own */
#ifdef FLOE_BENCH_HAVE_STORAGE
        return floe_bench_storage(argc - 1, argv + 1);
#else
        fprintf(stderr, "floe-bench storage: not built yet (bench/bench_storage.c)\n");
        return 2;
#endif
    }
    floe_bench_opts_defaults(&o);
#ifdef FLOE_BENCH_HAVE_FLOE
    o.peers[o.npeers++] = "floe";
#endif
    /* gen takes its dataset name first */
    for (i = strcmp(work, "gen") == 0 ? 3 : 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            o.progress = NULL;
            continue;
        }
        if (v == NULL) usage();
        i++;
        if (strcmp(a, "--vs") == 0) {
            snprintf(vs, sizeof vs, "%s", v);
            for (tok = strtok_r(vs, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                if (o.npeers < FLOE_BENCH_MAX_PEERS) o.peers[o.npeers++] = tok;
        } else if (strcmp(a, "--sf") == 0) {
            o.sf = gen_size = atof(v);
        } else if (strcmp(a, "--tpch-sf") == 0) {
            o.tpch_sf = atof(v);
        } else if (strcmp(a, "--rows") == 0) {
            o.rows = atoll(v);
            gen_size = (double)o.rows;
        } else if (strcmp(a, "--runs") == 0) {
            o.runs = atoi(v);
        } else if (strcmp(a, "--threads") == 0) {
            o.threads = atoi(v);
        } else if (strcmp(a, "--modes") == 0) {
            o.modes = parse_modes(v);
        } else if (strcmp(a, "--batch") == 0) {
            o.batch = (uint32_t)atol(v);
        } else if (strcmp(a, "--ingest-rows") == 0) {
            o.ingest_rows = atoll(v);
        } else if (strcmp(a, "--ingest-secs") == 0) {
            o.ingest_secs = atof(v);
        } else if (strcmp(a, "--mixed-secs") == 0) {
            o.mixed_secs = atof(v);
        } else if (strcmp(a, "--mixed-rate") == 0) {
            o.mixed_rate = atof(v);
        } else if (strcmp(a, "--producers") == 0) {
            o.mixed_producers = atoi(v);
        } else if (strcmp(a, "--mixed-batch") == 0) {
            o.mixed_batch = (uint32_t)atol(v);
        } else if (strcmp(a, "--rtol") == 0) {
            o.rtol = atof(v);
        } else if (strcmp(a, "--workdir") == 0) {
            o.workdir = v;
        } else if (strcmp(a, "--out") == 0) {
            out = gen_out = v;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 10);
        } else {
            usage();
        }
    }
    if (o.batch == 0 || o.mixed_batch == 0 || o.runs < 0 || o.threads < 1) usage();

    if (strcmp(work, "gen") == 0) {
        uint64_t bytes = 0;
        const char *set = argc > 2 ? argv[2] : "";
        if (floe_bench_schema_find(set) == NULL || gen_out == NULL) usage();
        if (!(gen_size > 0)) gen_size = strcmp(set, "events") == 0 ? 10000000 : 1;
        rc = floe_bench_data_write_csv(set, gen_size, seed, gen_out, &bytes, &err);
        if (rc != FLOE_OK) {
            fprintf(stderr, "floe-bench gen: %s\n", err.msg);
            return 1;
        }
        printf("floe-bench gen: %s -> %s (%llu bytes)\n", set, gen_out, (unsigned long long)bytes);
        return 0;
    }
    is_all = strcmp(work, "all") == 0;
    if (!is_all && strcmp(work, "query") && strcmp(work, "ingest") && strcmp(work, "mixed")) usage();
    if (o.npeers == 0) {
        fprintf(stderr, "floe-bench: floe itself is not built yet (no api/db.c); "
                        "name peers with --vs duckdb,sqlite\n");
        return 2;
    }
    printf("# floe-bench %s: floe %s%s, duckdb %s, sqlite %s; sf=%g rows=%lld runs=%d\n", work,
           FLOE_VERSION,
#ifdef FLOE_BENCH_HAVE_FLOE
           "",
#else
           " (not built)",
#endif
           floe_bench_duckdb_version() ? floe_bench_duckdb_version() : "(not found)",
           floe_bench_sqlite_version(), o.sf, (long long)o.rows, o.runs);
    floe_bench_report_init(&rep, o.peers[0]);
    if (rc == FLOE_OK && (is_all || strcmp(work, "query") == 0)) rc = floe_bench_run_query(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "ingest") == 0)) rc = floe_bench_run_ingest(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "ingest") == 0)) rc = floe_bench_run_copy(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "mixed") == 0)) rc = floe_bench_run_mixed(&o, &rep, &err);
#ifdef FLOE_BENCH_HAVE_STORAGE
    if (rc == FLOE_OK && is_all) {
        static char name[] = "storage";
        char *sargv[] = {name, NULL};
        if (floe_bench_storage(1, sargv) != 0) fprintf(stderr, "floe-bench: storage workload failed\n");
    }
#endif
    floe_bench_report_print(&rep, stdout);
    if (rc == FLOE_OK) rc = floe_bench_report_write(&rep, out, &err);
    floe_bench_report_svg_path(out, svg, sizeof svg);
    if (rc == FLOE_OK) rc = floe_bench_report_svg(&rep, svg, &err);
    if (rc == FLOE_OK) printf("# results: %s, chart: %s\n", out, svg);
    floe_bench_report_free(&rep);
    if (rc != FLOE_OK) {
        fprintf(stderr, "floe-bench: %s\n", err.msg);
        return 1;
    }
    return 0;
}
