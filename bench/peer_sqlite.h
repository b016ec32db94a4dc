/* bench/peer_sqlite.h: SQLite as a floe-bench peer (row-store baseline).
 *
 * libsqlite3, one file database `bench.db` in the peer's directory, WAL
 * journal. Ingest: a prepared INSERT per row inside a transaction that the
 * flush commits (the peers kit's ingest regime); every appender has its own
 * connection (SQLite serializes the writers; busy timeout 60 s). Types as
 * the kit's run_sqlite.sh: INTEGER, REAL, and TEXT for strings, dates
 * ('YYYY-MM-DD') and timestamps ('YYYY-MM-DD HH:MM:SS.mmm'). Durability maps
 * to PRAGMA synchronous: full = FULL, batch = NORMAL, off = OFF. No COPY.
 * The operations table is floe_bench_peer_sqlite_ops (bench_peer.h).
 */
#ifndef FLOE_BENCH_PEER_SQLITE_H
#define FLOE_BENCH_PEER_SQLITE_H

/* The linked SQLite's version string. */
const char *floe_bench_sqlite_version(void);

#endif
