/* bench/bench_queries.h: the query set of the peers kit, per SQL dialect.
 *
 * The 16 queries of ../shared/peers/queries/<dialect>.sql, with the same
 * names and the same text: tpch_q1 and tpch_q6 need only lineitem (dataset
 * "lineitem"; they also run on the "tpch" dataset, see bench_work.c),
 * tpch_q3/q5/q10/q12/q14/q18 need the 8 TPC-H tables (dataset "tpch"),
 * ev_* need events (dataset "events"). The other 14 TPC-H queries (tpch_q2,
 * q4, q7, ...) are the specification's texts with the validation parameters
 * and have only a DuckDB text (sqlite and clickhouse NULL: those peers skip
 * them). The dialects differ in date
 * literals, minute truncation, ClickHouse's ts in seconds and its
 * hand-written join forms, and SQLite's fixed join order for Q5 (see the
 * kit's README). "floe" uses the DuckDB (ANSI-ish) text
 * unless an entry gives its own: change floe's text here, in one place, if
 * floe's SQL needs it. Static data; thread-safe.
 */
#ifndef FLOE_BENCH_QUERIES_H
#define FLOE_BENCH_QUERIES_H

#include <stddef.h>

typedef struct floe_bench_query {
    const char *name;       /* e.g. "tpch_q1", "ev_top_urls" */
    const char *dataset;    /* "lineitem", "tpch" or "events" */
    const char *duckdb;     /* the DuckDB text */
    const char *sqlite;     /* the SQLite text; NULL: not run on SQLite */
    const char *clickhouse; /* the ClickHouse 18.16 text; NULL: not run on ClickHouse */
    const char *floe;       /* floe's text; NULL = the DuckDB text */
} floe_bench_query;

/* The queries, in the kit's order; *out_n gets their count. */
const floe_bench_query *floe_bench_queries(size_t *out_n);
/* Text of q in `dialect` ("floe", "duckdb", "sqlite", "clickhouse"); NULL if unknown. */
const char *floe_bench_query_sql(const floe_bench_query *q, const char *dialect);

#endif
