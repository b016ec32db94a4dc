/* db/part_source.h: a floe_scan_source over committed parts.
 *
 * Purpose: let the engine scan a table's parts through engine/source.h. A
 * morsel is one (part, block); morsel_may_match checks the block's min/max
 * and NULL counts against the predicates (EQ, NE, LT, LE, GT, GE, IS NULL,
 * IS NOT NULL; VARCHAR statistics that are truncated prefixes are treated as
 * bounds, never as exact values). A cursor decodes the block's projected
 * columns once and hands them out as batches of up to FLOE_VEC_SIZE rows that
 * borrow the decoded block (valid until the next call on the cursor or its
 * close). When predicates are given, the cursor first decodes their columns
 * and filters the whole block; it decodes the other projected columns only if
 * some row passes, skips vectors without a passing row, and sets batch->sel
 * to the passing rows of each batch it returns. Comparisons follow
 * floe_value_cmp's order; rows where a DOUBLE comparison involves NaN are
 * kept, and a predicate whose value type does not match the column is
 * ignored: the filter never drops a row the engine's own filter could keep.
 *
 * Deletes (DELETE/UPDATE): a reader with a delete vector
 * (floe_part_reader_with_deletes) never produces a row it marks: the
 * cursor drops them from its selection (making one when there are no
 * predicates), so counts, aggregates and results skip them; block
 * statistics still include them, which only loosens pruning (a pruned block
 * has no live row that could match either) and nothing answers from them.
 *
 * Row ids: projecting column index == the readers' schema column count
 * (one past the last) yields a BIGINT row id, part id << 32 | row number
 * in the part, which DELETE/UPDATE (db/dml.c) collect to build delete
 * vectors. No predicate applies to it.
 *
 * Memory: decoding allocates block-sized vectors (~0.5 MiB per column) for
 * every morsel; with glibc's defaults those come from fresh mmap'd or
 * trimmed pages that the kernel zero-fills on every block (measured: a
 * quarter of TPC-H Q1's time). floe_db_open therefore tunes the allocator
 * once per process (util/mem.h floe_mem_tune), so freed blocks are reused
 * from the heap.
 *
 * Ownership: the source takes its own reference on every part reader
 * (floe_part_reader_ref) and drops them in its free; the caller keeps (and
 * drops) its own references. So one reader may be shared by any number of
 * sources and concurrent queries, and outlives each of them as needed.
 *
 * Thread-safety: per engine/source.h: nmorsels, morsel_rows,
 * morsel_may_match and open may run concurrently; a cursor has one thread.
 * Table column indexes (in predicates and projections) are the readers'
 * schema column indexes; every reader must have been opened with the same
 * schema.
 */
#ifndef FLOE_DB_PART_SOURCE_H
#define FLOE_DB_PART_SOURCE_H

#include <stdint.h>

#include "engine/source.h"
#include "storage/catalog.h"
#include "storage/part.h"
#include "util/err.h"

/* Fill *out with a source over readers[0, n) (in that order). FLOE_NOMEM. */
int floe_part_source_new(floe_part_reader *const *readers, uint32_t n, floe_scan_source *out,
                         floe_err *err);

/* Give the source the CREATE INDEX filters of its readers (blooms[i] for
 * readers[i], NULL where none; db/block_bloom.h): morsel_may_match then
 * also skips blocks whose filter proves an `=` predicate false. The source
 * takes over the array (floe_malloc'd) and the reference of each filter.
 * Call before the source is used. */
struct floe_part_blooms;
void floe_part_source_set_blooms(floe_scan_source *src, struct floe_part_blooms **blooms);

/* Blocks (morsels) opened by cursors of this source so far, for tests and
 * EXPLAIN ANALYZE-style counters. */
uint64_t floe_part_source_blocks_opened(const floe_scan_source *src);

/* Column blocks decoded so far (a cursor decodes its predicate columns
 * first and the other projected columns only when some row passes). */
uint64_t floe_part_source_columns_decoded(const floe_scan_source *src);

/* Whether a block with statistics `bi` may hold a row satisfying `p`
 * (exposed for the memtable side and for tests). */
bool floe_part_source_block_may_match(const floe_block_info *bi, floe_type col_type,
                                      const floe_scan_pred *p);

/* Part-level pruning from catalog statistics: false when the part's column
 * min/max/NULL counts prove that no row satisfies all preds (pred->col is an
 * index into t->cols). Lets the caller skip opening a part at all. */
bool floe_part_source_part_may_match(const floe_catalog_part *part, const floe_table_def *t,
                                     const floe_scan_pred *preds, uint32_t npreds);

#endif
