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

int floe_bench_storage(int argc, char **argv); /* bench/bench_storage.c */
int floe_bench_serve(int argc, char **argv);   /* bench/bench_serve.c */

/* Workloads and the options each takes: `floe-bench --help` lists them all,
 * `floe-bench WORKLOAD --help` the ones of that workload. */
enum { W_QUERY = 1, W_INGEST = 2, W_MIXED = 4, W_GEN = 8, W_ALL = W_QUERY | W_INGEST | W_MIXED };

static const struct workload_help {
    const char *name, *what;
    unsigned mask;
} workloads[] = {
    {"query", "load lineitem (--sf), TPC-H (--tpch-sf), events (--rows); run the query set", W_QUERY},
    {"ingest", "events through appenders (threads x durability modes), then COPY FROM CSV", W_INGEST},
    {"mixed", "producers append at a fixed rate while a client runs the events queries", W_MIXED},
    {"storage", "the storage engine's benchmarks (bench_storage.c; `storage --help`)", 0},
    {"serve", "ingest and queries over HTTP (floe serve; bench_serve.c; `serve --help`)", 0},
    {"all", "query, ingest, mixed (and storage when built)", W_ALL},
    {"gen", "write a dataset as CSV, byte-identical to peers/gen_data:\n"
            "           floe-bench gen events|lineitem|orders|customer|part|supplier|partsupp|\n"
            "                          nation|region [--rows N | --sf X] [--seed S] --out FILE",
     W_GEN},
};

static const struct option_help {
    const char *text;
    unsigned mask;
} options[] = {
    {"  --vs duckdb,sqlite     peers run with floe (same data, same queries)", W_ALL},
    {"  --sf X                 lineitem scale factor for tpch_q1/q6 (default 0.5; 0 skips)", W_QUERY | W_GEN},
    {"  --tpch-sf X            also load the 8 TPC-H tables at this scale factor and run\n"
     "                         tpch_q3/q5/q10/q12/q14/q18 (default 0: skipped)", W_QUERY},
    {"  --rows N               events rows for query and COPY (default 2000000)", W_QUERY | W_INGEST | W_GEN},
    {"  --runs N               warm runs per query (default 5)", W_QUERY},
    {"  --threads N            max producer threads in ingest: 1, 2, 4 ... and N (default 2)", W_INGEST},
    {"  --modes full,batch,off durability modes in ingest (default all three)", W_INGEST},
    {"  --batch N              rows per flush in ingest (default 10000)", W_INGEST},
    {"  --ingest-rows N        rows per ingest case, at most (default 2000000)", W_INGEST},
    {"  --ingest-secs S        seconds per ingest case, at most (default 5)", W_INGEST},
    {"  --mixed-secs S         mixed duration per peer (default 10)", W_MIXED},
    {"  --mixed-rate R         appended rows/s in mixed, all producers (default 100000)", W_MIXED},
    {"  --producers N          producer threads in mixed (default 2)", W_MIXED},
    {"  --mixed-batch N        rows per flush in mixed (default 1000)", W_MIXED},
    {"  --rtol X               answer tolerance (default 1e-9)", W_QUERY | W_MIXED},
    {"  --seed S               data seed (default: the peers kit's seeds)", W_ALL | W_GEN},
    {"  --workdir DIR          scratch directory (default /tmp/floe-bench)", W_ALL},
    {"  --out FILE             results file, .csv or .json (default floe-bench-results.csv);\n"
     "                         the SVG chart goes next to it (FILE with .svg); gen: the CSV", W_ALL | W_GEN},
    {"  --quiet                no per-case progress lines", W_ALL},
    {"  --help                 print this help and exit", W_ALL | W_GEN},
};

/* Help for `work` (NULL: every workload) on stdout, exit 0. */
static void help(const char *work)
{
    unsigned mask = W_ALL | W_GEN;
    size_t i;
    if (work) {
        for (i = 0; i < sizeof workloads / sizeof *workloads; i++)
            if (strcmp(workloads[i].name, work) == 0) mask = workloads[i].mask;
        printf("usage: floe-bench %s [options]\n", work);
    } else {
        printf("usage: floe-bench <workload> [options]   (floe-bench <workload> --help: its options)\n");
    }
    printf("workloads:\n");
    for (i = 0; i < sizeof workloads / sizeof *workloads; i++)
        if (work == NULL || strcmp(workloads[i].name, work) == 0)
            printf("  %-8s %s\n", workloads[i].name, workloads[i].what);
    printf("options:\n");
    for (i = 0; i < sizeof options / sizeof *options; i++)
        if (options[i].mask & mask) printf("%s\n", options[i].text);
    exit(0);
}

/* A command-line error: say what is wrong, point at --help, exit 2. */
static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "floe-bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see floe-bench --help)\n");
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
            usage_error("unknown durability mode '%s' in --modes (full, batch, off)", tok);
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

    if (argc < 2) usage_error("%sno workload given", "");
    work = argv[1];
    if (strcmp(work, "--help") == 0 || strcmp(work, "-h") == 0) help(NULL);
    for (i = 0; i < (int)(sizeof workloads / sizeof *workloads); i++)
        if (strcmp(workloads[i].name, work) == 0) break;
    if (i == (int)(sizeof workloads / sizeof *workloads))
        usage_error("unknown workload '%s'", work);
    if (strcmp(work, "storage") == 0) { /* its options are its own */
        return floe_bench_storage(argc - 1, argv + 1);
    }
    if (strcmp(work, "serve") == 0) return floe_bench_serve(argc - 1, argv + 1);
    floe_bench_opts_defaults(&o);
    o.peers[o.npeers++] = "floe";
    if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) help(work);
    /* gen takes its dataset name first */
    for (i = strcmp(work, "gen") == 0 ? 3 : 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) help(work);
        if (strcmp(a, "--quiet") == 0) {
            o.progress = NULL;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) usage_error("unexpected argument '%s'", a);
        if (v == NULL) usage_error("option '%s' needs a value", a);
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
            seed = o.seed = strtoull(v, NULL, 10);
        } else {
            usage_error("unknown option '%s'", a);
        }
    }
    if (o.batch == 0 || o.mixed_batch == 0 || o.runs < 0 || o.threads < 1)
        usage_error("%s--batch, --mixed-batch and --threads must be >= 1, --runs >= 0", "");

    if (strcmp(work, "gen") == 0) {
        uint64_t bytes = 0;
        const char *set = argc > 2 ? argv[2] : "";
        if (floe_bench_schema_find(set) == NULL) usage_error("gen: unknown dataset '%s'", set);
        if (gen_out == NULL) usage_error("%sgen needs --out FILE", "");
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

    printf("# floe-bench %s: floe %s, duckdb %s, sqlite %s; sf=%g rows=%lld runs=%d\n", work,
           FLOE_VERSION,
           floe_bench_duckdb_version() ? floe_bench_duckdb_version() : "(not found)",
           floe_bench_sqlite_version(), o.sf, (long long)o.rows, o.runs);
    floe_bench_report_init(&rep, o.peers[0]);
    if (rc == FLOE_OK && (is_all || strcmp(work, "query") == 0)) rc = floe_bench_run_query(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "ingest") == 0)) rc = floe_bench_run_ingest(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "ingest") == 0)) rc = floe_bench_run_copy(&o, &rep, &err);
    if (rc == FLOE_OK && (is_all || strcmp(work, "mixed") == 0)) rc = floe_bench_run_mixed(&o, &rep, &err);
    if (rc == FLOE_OK && is_all) {
        static char name[] = "storage";
        char *sargv[] = {name, NULL};
        if (floe_bench_storage(1, sargv) != 0) fprintf(stderr, "floe-bench: storage workload failed\n");
    }
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
