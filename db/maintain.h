/* db/maintain.h: background part merges and TTL retention.
 *
 * Purpose: streaming ingest flushes many small parts (one per shard every
 * few seconds). A maintenance thread per database (started by
 * floe_db_open, stopped first by floe_db_close) runs a pass every
 * `interval_ms`; floe_maintain_run runs one pass synchronously. A pass
 * holds db->ddl_lock shared (tables cannot be dropped or altered under it)
 * and, for each table:
 *  1. TTL: when the table has ttl_seconds > 0 and a TIMESTAMP ttl column,
 *     every part whose ttl column has no NULL and a maximum (catalog part
 *     statistics) older than now - ttl is dropped. Rows expire with
 *     whole parts: a part holding any unexpired (or NULL) value stays.
 *  2. Merge: while the table has more than `merge_min_parts` small parts
 *     (fewer than `small_rows` rows and `small_bytes` bytes), the window of
 *     up to `merge_max_parts` small parts adjacent in id order with the
 *     fewest rows is merged into one new part (a fresh catalog part id).
 *     Without a sort key the parts are concatenated (floe_part_merge); with
 *     one, every source part is sorted by it (flushes write sorted, merges
 *     keep it), so the rows are k-way merged by the sort key (NULLs last,
 *     ties in part-id order) and the merged part is sorted too.
 * The merge itself runs without the visibility lock (parts are immutable;
 * queries and flushes go on), only under ddl_lock shared, so DDL on any
 * table waits for a running merge (a closing database interrupts a sorted
 * merge between output batches). Dropping or
 * swapping parts happens with the table's visibility lock held exclusively
 * (floe_ingest_write_lock): floe_catalog_replace_parts (the commit point:
 * the merged part carries the union of the old parts' shard ranges), then
 * the old readers leave db_table->parts (part_rows/part_bytes adjusted),
 * the new reader enters, the old references are dropped and the old
 * directories removed (queries holding the old readers keep their open
 * file descriptors). A crash leaves either the old parts or the merged one;
 * open-time GC (floe_part_gc) removes the other.
 *
 * Errors in the background go to the database's log (db/log.h) once per table, kind
 * (ttl or merge) and error code, and retried at the next pass; nothing is
 * lost on failure (the old parts stay committed and listed).
 *
 * Thread-safety: passes are serialized by a mutex (a synchronous pass waits
 * for a running background one). All functions may be called from any
 * thread while the database is open; floe_maintain_stop only by
 * floe_db_close.
 */
#ifndef FLOE_DB_MAINTAIN_H
#define FLOE_DB_MAINTAIN_H

#include <stdint.h>

#include "floe.h"
#include "util/err.h"

typedef struct floe_maintain_opts {
    uint32_t interval_ms;     /* background pass period; 0: no background passes */
    uint32_t merge_min_parts; /* merge when more than this many small parts */
    uint32_t merge_max_parts; /* at most this many parts per merge (>= 2) */
    uint64_t small_rows;      /* a part is small below this many rows ... */
    uint64_t small_bytes;     /* ... and below this many bytes on disk */
    uint32_t retire_ms;       /* replaced parts' directories stay this long
                               * (FLOE_MAINTAIN_RETIRE_MS; 0: removed at once) */
} floe_maintain_opts;

/* Defaults: interval 1000 ms (floe_open_options.maintain_interval_ms
 * overrides it at open), merge more than 8 small parts, up to 16 at a time,
 * small = under 1,000,000 rows and 64 MiB. */
#define FLOE_MAINTAIN_INTERVAL_MS 1000
#define FLOE_MAINTAIN_MIN_PARTS 8
#define FLOE_MAINTAIN_MAX_PARTS 16
#define FLOE_MAINTAIN_SMALL_ROWS 1000000
#define FLOE_MAINTAIN_SMALL_BYTES (64u << 20)
/* A replaced part's directory stays this long after the commit that
 * replaced it (read-only handles may be opening it), then a pass removes
 * it; closing the database removes the rest. */
#define FLOE_MAINTAIN_RETIRE_MS 10000

/* What one pass did. */
typedef struct floe_maintain_stats {
    uint64_t merges;        /* merged parts written */
    uint64_t parts_merged;  /* source parts they replaced */
    uint64_t rows_merged;   /* rows in the merged parts */
    uint64_t ttl_parts;     /* parts dropped by TTL */
    uint64_t ttl_rows;      /* rows in them */
} floe_maintain_stats;

typedef struct floe_maintain floe_maintain;

/* Create db's maintenance state and start its thread (db->maint). Called by
 * floe_db_open once the tables are loaded. FLOE_NOMEM, FLOE_ERROR (thread). */
int floe_maintain_start(floe_db *db, floe_err *err);
/* Stop the thread (waiting for a running pass to finish its current merge)
 * and free the state; db->maint becomes NULL. NULL db->maint ok. */
void floe_maintain_stop(floe_db *db);
/* Change the options (takes effect at the next wait of the thread); fields
 * that are 0, except interval_ms, keep their defaults. */
void floe_maintain_set_opts(floe_db *db, const floe_maintain_opts *o);
void floe_maintain_get_opts(floe_db *db, floe_maintain_opts *out);
/* Run one maintenance pass now over every table (see above) and add what
 * it did to *out_stats (may be NULL). Returns the first error met (later
 * tables are still processed; the error was also reported to the log) or
 * FLOE_OK; FLOE_MISUSE when the database has no maintenance state. */
int floe_maintain_run(floe_db *db, floe_maintain_stats *out_stats, floe_err *err);

#endif
