/* db/system.h: system tables: views of floe's own state queried with SQL.
 *
 *   floe_stats   one row per table: rows in parts and memtables, memtable
 *                bytes, parts, bytes on disk, ingest counters and rate,
 *                flushes, and the compression ratio of parts written since
 *                the database was opened (in-memory bytes / bytes on disk).
 *
 * The binder sees a system table through the catalog callbacks like any
 * other (floe_system_find); a query materializes its rows when it starts
 * (floe_system_source), so it is a snapshot like every other scan.
 */
#ifndef FLOE_DB_SYSTEM_H
#define FLOE_DB_SYSTEM_H

#include <stdbool.h>

#include "db/db.h"
#include "engine/source.h"
#include "sql/binder.h"

/* Fill *out for system table `name` (case-insensitive) and return true, or
 * return false when no system table has that name. */
bool floe_system_find(const char *name, floe_cat_table *out);
/* True when a binder table_ref denotes a system table. */
bool floe_system_is(const void *table_ref);
/* A scan source over the current rows of the system table `table_ref`.
 * Caller holds db->ddl_lock (shared). FLOE_NOMEM. */
int floe_system_source(floe_db *db, const void *table_ref, floe_scan_source *out, floe_err *err);

/* A scan source over one owned batch (taken over, also on failure). */
int floe_batch_source_new(floe_batch *b, floe_scan_source *out, floe_err *err);

#endif
