/* tests/bench/tpch_answers.c: all 22 TPC-H queries return DuckDB's answers.
 *
 * Loads the 8 TPC-H tables at SF 0.01 with floe-bench's generators (through
 * floe's appenders, committing every 10,000 rows so tables span several
 * morsels), runs every tpch_* query of the bench set (bench_queries.c: the
 * specification's texts with the validation parameters) and compares each
 * answer with tests/bench/tpch_sf001.expected (relative tolerance 1e-9 on
 * numbers, floe_bench_table_same). Run it with --flush to query parts
 * instead of memtables.
 *
 * The expected answers were computed by DuckDB 1.5.6 on the same rows:
 *   floe-bench gen <table> --sf 0.01 --out DIR/<table>.csv   (all 8 tables)
 *   tpch_answers --dump-queries > DIR/queries.txt
 *   node tests/bench/gen_tpch_expected.cjs DIR > tests/bench/tpch_sf001.expected
 * (the .cjs file says how it formats cells: doubles with 17 significant
 * digits, NULL as \N, tab-separated).
 *
 * Usage: tpch_answers DIR EXPECTED [--flush] | tpch_answers --dump-queries.
 * Exit 0 when every answer matches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_data.h"
#include "bench/bench_peer.h"
#include "bench/bench_queries.h"
#include "bench/bench_table.h"
#include "util/mem.h"

static const char *const tables[8] = {"lineitem", "orders", "customer", "part",
                                      "supplier", "partsupp", "nation", "region"};

static int fail(const char *what, const floe_err *e)
{
    fprintf(stderr, "tpch_answers: %s: %s\n", what, e ? e->msg : "");
    return 1;
}

/* The expected answer of query `name` from the file's text, or NULL.
 * Format: "Q <name> <nrows> <ncols>\n" then nrows lines of ncols
 * tab-separated cells (\N: NULL). */
static floe_bench_table *expected(const char *text, const char *name)
{
    char head[128];
    const char *p;
    unsigned long long nrows;
    unsigned ncols, r, c;
    floe_bench_table *t;
    floe_err e = FLOE_ERR_INIT;
    snprintf(head, sizeof head, "Q %s ", name);
    for (p = text; p; p = strchr(p, '\n')) {
        if (*p == '\n') p++;
        if (strncmp(p, head, strlen(head)) == 0) break;
    }
    if (p == NULL || sscanf(p + strlen(head), "%llu %u", &nrows, &ncols) != 2) return NULL;
    if ((t = floe_bench_table_new(ncols)) == NULL) return NULL;
    p = strchr(p, '\n');
    for (r = 0; r < nrows && p; r++) {
        uint64_t row;
        p++;
        if (floe_bench_table_add_row(t, &row, &e) != FLOE_OK) break;
        for (c = 0; c < ncols; c++) {
            size_t n = strcspn(p, c + 1 == ncols ? "\n" : "\t\n");
            int isnull = n == 2 && p[0] == '\\' && p[1] == 'N';
            if (floe_bench_table_set(t, row, c, isnull ? NULL : p, n, &e) != FLOE_OK) break;
            p += n;
            if (c + 1 < ncols && *p == '\t') p++;
        }
        p = strchr(p, '\n') ? p : NULL;
    }
    if (r < nrows) {
        floe_bench_table_free(t);
        return NULL;
    }
    return t;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (s = malloc((size_t)n + 1)) != NULL) {
        if (fread(s, 1, (size_t)n, f) != (size_t)n) {
            free(s);
            s = NULL;
        } else {
            s[n] = '\0';
        }
    }
    fclose(f);
    return s;
}

int main(int argc, char **argv)
{
    floe_err e = FLOE_ERR_INIT;
    floe_bench_peer *p = NULL;
    const floe_bench_query *qs;
    size_t nq, i;
    int ti, bad = 0, nrun = 0, flush = argc > 3 && strcmp(argv[3], "--flush") == 0;
    char *text;
    qs = floe_bench_queries(&nq);
    if (argc == 2 && strcmp(argv[1], "--dump-queries") == 0) {
        for (i = 0; i < nq; i++)
            if (strncmp(qs[i].name, "tpch_", 5) == 0)
                printf("%s\t%s\n", qs[i].name, floe_bench_query_sql(&qs[i], "duckdb"));
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: tpch_answers DIR EXPECTED [--flush] | tpch_answers --dump-queries\n");
        return 2;
    }
    if ((text = slurp(argv[2])) == NULL) return fail(argv[2], NULL);
    if (floe_bench_peer_open("floe", argv[1], &p, &e) != FLOE_OK) return fail("open", &e);
    if (floe_bench_peer_set_durability(p, FLOE_BENCH_DUR_OFF, &e) != FLOE_OK) {
        floe_bench_peer_close(p);
        free(text);
        return fail("durability off", &e);
    }
    for (ti = 0; ti < 8; ti++) {
        floe_bench_data *d = NULL;
        int64_t rows = 0;
        uint64_t bytes = 0;
        char sql[64];
        double secs;
        if (floe_bench_peer_create_table(p, floe_bench_schema_find(tables[ti]), &e) != FLOE_OK ||
            floe_bench_data_new(tables[ti], 0.01, 0, &d, &e) != FLOE_OK ||
            floe_bench_peer_load(p, d, 10000, &rows, &bytes, &e) != FLOE_OK) {
            floe_bench_data_free(d);
            floe_bench_peer_close(p);
            free(text);
            return fail(tables[ti], &e);
        }
        floe_bench_data_free(d);
        snprintf(sql, sizeof sql, "FLUSH %s", tables[ti]);
        if (flush && floe_bench_peer_query(p, sql, &secs, NULL, &e) != FLOE_OK) {
            floe_bench_peer_close(p);
            free(text);
            return fail(sql, &e);
        }
    }
    for (i = 0; i < nq; i++) {
        floe_bench_table *got = NULL, *want;
        double secs;
        char why[160];
        if (strncmp(qs[i].name, "tpch_", 5) != 0) continue;
        nrun++;
        if ((want = expected(text, qs[i].name)) == NULL) {
            fprintf(stderr, "tpch_answers: %s: no expected answer in %s\n", qs[i].name, argv[2]);
            bad = 1;
            continue;
        }
        if (floe_bench_peer_query(p, floe_bench_query_sql(&qs[i], "floe"), &secs, &got, &e) != FLOE_OK) {
            fprintf(stderr, "tpch_answers: %s: %s\n", qs[i].name, e.msg);
            bad = 1;
        } else if (!floe_bench_table_same(want, got, 1e-9, why, sizeof why)) {
            fprintf(stderr, "tpch_answers: %s: answer differs from DuckDB's: %s\n", qs[i].name, why);
            bad = 1;
        } else {
            printf("%-9s %3llu rows  same as DuckDB\n", qs[i].name, (unsigned long long)got->nrows);
        }
        floe_bench_table_free(got);
        floe_bench_table_free(want);
    }
    floe_bench_peer_close(p);
    free(text);
    if (nrun != 22) {
        fprintf(stderr, "tpch_answers: %d TPC-H queries in the bench set, want 22\n", nrun);
        bad = 1;
    }
    return bad;
}
