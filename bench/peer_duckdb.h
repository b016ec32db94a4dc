/* bench/peer_duckdb.h: DuckDB as a floe-bench peer, through dlopen.
 *
 * The libduckdb.so the peers kit installs (npm package
 * @duckdb/node-bindings-linux-x64) is loaded at run time, so floe-bench
 * builds and runs without DuckDB; the few C API functions used are declared
 * by hand (the package ships no duckdb.h), as ../shared/peers/duckdb_c_smoke.c
 * does. The library path is $FLOE_BENCH_DUCKDB_LIB, else
 * FLOE_BENCH_DUCKDB_DEFAULT. Ingest uses the C appender, queries run on one
 * connection, each appender has its own connection (thread-safe as DuckDB
 * connections are). Durability: only 'full' (every flush commits and fsyncs
 * the WAL). The operations table is floe_bench_peer_duckdb_ops (bench_peer.h).
 */
#ifndef FLOE_BENCH_PEER_DUCKDB_H
#define FLOE_BENCH_PEER_DUCKDB_H

#define FLOE_BENCH_DUCKDB_DEFAULT \
    "/opt/peers/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so"

/* The loaded library's version string, or NULL when it cannot be loaded. */
const char *floe_bench_duckdb_version(void);

#endif
