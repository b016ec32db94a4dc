/* engine/source.h: the seam between the engine and where rows live.
 *
 * A table scan reads a floe_scan_source: a list of independent *morsels*
 * (a part's block range, a memtable snapshot's slice) that workers may scan
 * concurrently, each through its own cursor. api/ builds sources from the
 * catalog's parts (storage/) and the memtables' snapshots (ingest/) when a
 * query starts, so the engine sees one consistent snapshot and never touches
 * either module's internals.
 *
 * Predicates passed to a cursor are a *hint*: a source may skip morsels or
 * blocks whose min/max cannot match, and may set batch->sel to the rows that
 * can match, but the engine still applies the full filter afterwards. A
 * source never drops a row that could match. When a batch has a selection,
 * only the selected rows carry values: the others may hold placeholders
 * (e.g. empty strings where a dictionary column is materialised lazily), so
 * consumers read selected rows only. A source that applied every predicate
 * exactly (no row kept for the engine to decide, e.g. NaN) may set
 * FLOE_BATCH_EXACT on the batch; the engine then applies only the part of
 * its filter that was not passed as predicates.
 *
 * Thread-safety: nmorsels/morsel_may_match/open may be called from any worker
 * at once; a cursor is used by one thread. The source (and everything it
 * borrows) outlives every cursor; the query owns the source and frees it
 * with its `free` after the last cursor is closed.
 */
#ifndef FLOE_ENGINE_SOURCE_H
#define FLOE_ENGINE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef enum floe_pred_op {
    FLOE_PRED_EQ,
    FLOE_PRED_NE,
    FLOE_PRED_LT,
    FLOE_PRED_LE,
    FLOE_PRED_GT,
    FLOE_PRED_GE,
    FLOE_PRED_IS_NULL,
    FLOE_PRED_IS_NOT_NULL
} floe_pred_op;

/* `table column <op> value`, with value already of the column's type.
 * String values are borrowed from the plan for the query's lifetime. */
typedef struct floe_scan_pred {
    uint32_t col; /* table column index */
    floe_pred_op op;
    floe_value value;
} floe_scan_pred;

typedef struct floe_scan_cursor floe_scan_cursor; /* defined by each source */

typedef struct floe_scan_source_vt {
    /* Morsels in this source; fixed for the source's lifetime. */
    uint32_t (*nmorsels)(void *self);
    /* Rows in morsel m (an upper bound is fine for planning). */
    uint64_t (*morsel_rows)(void *self, uint32_t m);
    /* False when the morsel's statistics prove no row matches all preds. */
    bool (*morsel_may_match)(void *self, uint32_t m, const floe_scan_pred *preds,
                             uint32_t npreds);
    /* Open a cursor over morsel m producing the table columns `cols[0..ncols)`
     * (in that order) as batches. */
    int (*open)(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                floe_err *err);
    /* Fill `out` with the next up-to-FLOE_VEC_SIZE rows: `out` arrives freed
     * or zeroed; the cursor sets ncols vectors (often borrowed; valid until the
     * next call on the cursor or its close). FLOE_ROW when rows were produced
     * (possibly all filtered out by sel), FLOE_DONE at the end, or an error. */
    int (*next)(floe_scan_cursor *c, floe_batch *out, floe_err *err);
    void (*close)(floe_scan_cursor *c);
    /* Free the source; called once by the query that owns it. */
    void (*free)(void *self);
} floe_scan_source_vt;

typedef struct floe_scan_source {
    const floe_scan_source_vt *vt;
    void *self;
} floe_scan_source;

/* A table as a query sees it: several sources (parts, then memtables),
 * scanned as one. Owned by the query; frees its sources. */
typedef struct floe_table_scan {
    floe_scan_source *sources; /* owned array */
    uint32_t nsources;
} floe_table_scan;

#endif
