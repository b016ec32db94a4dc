/* bench/peer_floe.h: floe itself as a floe-bench peer, through include/floe.h
 * only (the public API, as a user would drive it).
 *
 * One database directory per case (wiped and recreated at open). Ingest uses
 * floe_appender_append_columns with the generators' column arrays (no CSV),
 * flushes with floe_appender_flush; COPY and the durability option are SQL
 * statements built by the two functions below, the one place to adjust if
 * floe's syntax differs. Queries run with floe_query (fully materialized);
 * answers are read with the typed getters. A floe_db is shared by the
 * producer threads, each with its own appender. The operations table is
 * floe_bench_peer_floe_ops (bench_peer.h).
 */
#ifndef FLOE_BENCH_PEER_FLOE_H
#define FLOE_BENCH_PEER_FLOE_H

#include <stddef.h>

#include "bench/bench_peer.h"
#include "floe.h"

/* floe_db_open flags for a durability mode (floe chooses durability when a
 * database is opened; the floe peer reopens its database to switch). */
unsigned floe_bench_floe_open_flags(floe_bench_durability mode);

/* The statement that loads CSV file `path` (with a header line) into `table`. */
void floe_bench_floe_copy_sql(char *buf, size_t cap, const char *table, const char *path);

#endif
