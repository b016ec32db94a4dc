/* db/mem_source.h: a scan source (engine/source.h) over memtable snapshots.
 *
 * Turns a floe_ingest_snapshot into a floe_scan_source whose morsels are the
 * chunks (FLOE_VEC_SIZE rows) of the snapshot's memtables, in snapshot order
 * (per shard: frozen memtables oldest first, then the active one). A cursor
 * yields one batch per morsel whose vectors borrow the memtable's arrays
 * with no copy; the last, partial chunk of a memtable is bounded by the row
 * count captured in the snapshot, and its validity words are copied into the
 * cursor because the writer may still be setting bits of later rows.
 *
 * morsel_may_match prunes with the memtable's per-chunk statistics (min/max
 * of numeric and temporal columns, NULL presence) once a chunk is final
 * (full, or its memtable frozen); otherwise every chunk may match.
 *
 * Ownership: the source owns the snapshot (and so a reference on every
 * memtable) and frees it in its `free`; vectors handed out stay valid until
 * the next call on their cursor or its close. Thread-safety as promised by
 * engine/source.h: nmorsels/morsel_rows/morsel_may_match/open from any
 * thread, each cursor by one thread.
 */
#ifndef FLOE_DB_MEM_SOURCE_H
#define FLOE_DB_MEM_SOURCE_H

#include "engine/source.h"
#include "ingest/table.h"

/* Build a source over `snap`, taking ownership of it (also on failure, when
 * it is freed). FLOE_NOMEM. */
int floe_mem_source_new(floe_ingest_snapshot *snap, floe_scan_source *out, floe_err *err);

#endif
