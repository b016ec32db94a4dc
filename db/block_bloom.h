/* db/block_bloom.h: the secondary index of CREATE INDEX: per-block bloom
 * filters on a part's indexed columns, which part scans use to skip blocks
 * for `col = value` predicates (min/max, which parts already keep, prune
 * ranges; a bloom filter prunes equality on values inside the range).
 *
 * A floe_part_blooms covers one part reader: for each indexed column and
 * each block, a bloom filter of ~10 bits per row (power-of-two words, three
 * probes from one XXH3 hash of the value: ~1-2 % false positives), so the
 * index costs about 1.3 bytes per row and indexed column, in memory. Filters
 * are built by reading the part's indexed columns once; parts are immutable,
 * so a filter never changes. A table keeps its parts' filters in a
 * floe_db_blooms cache: CREATE INDEX builds them for the existing parts, and
 * a part written later by a flush, merge or COPY gets its filters from the
 * first query that scans it (floe_db_blooms_get); they are not persisted
 * (reopening rebuilds them the same lazy way).
 *
 * Ownership and threads: a floe_part_blooms is reference-counted (the cache
 * holds one reference, each part source using it another) and holds a
 * reference on its part reader, so a merged-away part's files stay open
 * until the next query of the table drops its filters from the cache; the
 * cache is guarded by its mutex and may be used by concurrent queries.
 */
#ifndef FLOE_DB_BLOCK_BLOOM_H
#define FLOE_DB_BLOCK_BLOOM_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/source.h"
#include "storage/part.h"
#include "util/err.h"

typedef struct floe_part_blooms floe_part_blooms;

/* Build the filters of columns cols[0..ncols) (table column indexes, at
 * most 16) of part r; *out has one reference. FLOE_NOMEM or a read error. */
int floe_part_blooms_build(floe_part_reader *r, const uint32_t *cols, uint32_t ncols,
                           floe_part_blooms **out, floe_err *err);
void floe_part_blooms_ref(floe_part_blooms *b);
void floe_part_blooms_unref(floe_part_blooms *b); /* NULL ok */
/* False when block `block`'s filter on p->col proves no row equals
 * p->value (p->op EQ; any other predicate, column or type: true). */
bool floe_part_blooms_may_match(const floe_part_blooms *b, uint32_t block, const floe_scan_pred *p);
/* Bytes held by the filters. */
uint64_t floe_part_blooms_bytes(const floe_part_blooms *b);

/* A table's cache: the indexed columns and one floe_part_blooms per part. */
typedef struct floe_db_blooms floe_db_blooms;
/* A cache over cols[0..ncols) (deduplicated by the caller); FLOE_NOMEM. */
int floe_db_blooms_new(const uint32_t *cols, uint32_t ncols, floe_db_blooms **out, floe_err *err);
void floe_db_blooms_free(floe_db_blooms *c); /* NULL ok; drops its references */
/* The filters of parts[0..n) into out[0..n) (one new reference each, to be
 * dropped by the caller), building the missing ones, and forgetting the
 * cached filters of parts not in the list (merged away). */
int floe_db_blooms_get(floe_db_blooms *c, floe_part_reader *const *parts, uint32_t n,
                       floe_part_blooms **out, floe_err *err);

#endif
