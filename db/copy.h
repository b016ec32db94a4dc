/* db/copy.h: COPY FROM/TO tuning knobs (the statements are in db/query.h).
 *
 * COPY FROM switches to the bulk path (rows written straight into a new
 * part, bypassing WAL and memtables) once FLOE_COPY_BULK_ROWS rows were
 * parsed. The knobs below exist for tests and benchmarks; they belong to
 * one database (fields of struct floe_db) and must be set while no COPY
 * runs on it.
 */
#ifndef FLOE_DB_COPY_H
#define FLOE_DB_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define FLOE_COPY_BULK_ROWS 100000 /* rows from which a COPY FROM writes parts directly */

/* db's parser chunk size in bytes, bulk threshold in rows and parser
 * threads; 0 restores each default (8 MiB, FLOE_COPY_BULK_ROWS, online CPUs). */
void floe_copy_set_tuning(floe_db *db, size_t chunk_bytes, uint64_t bulk_rows, uint32_t nthreads);

#endif
