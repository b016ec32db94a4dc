/* engine/scan_in.h: `column IN (constants)` conjuncts of a scan's filter as
 * morsel-skipping hints.
 *
 * The scan interface (engine/source.h) has one-value predicates only; an
 * IN list is turned into one `column = v` probe per value: a morsel is
 * skipped only when, for some IN conjunct, no value of its list may match
 * (morsel_may_match false for the scan's predicates plus `column = v`, for
 * every v), i.e. only when no row of it can satisfy the filter. Statistics
 * (min/max) and the CREATE INDEX block bloom filters (db/block_bloom.h)
 * both answer these probes. NULL items are left out (they never make IN
 * true); NOT IN, non-constant items, lists of more than
 * FLOE_SCAN_IN_MAX_VALUES values, and operands that are not a bare column
 * of the item type give no hint. The filter itself still decides every
 * row: a hint only skips work.
 *
 * Ownership: the hints are owned by their scan operator (one per worker);
 * values are borrowed from the plan, which outlives the operator.
 */
#ifndef FLOE_ENGINE_SCAN_IN_H
#define FLOE_ENGINE_SCAN_IN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"
#include "engine/source.h"

#define FLOE_SCAN_IN_MAX_VALUES 256

typedef struct floe_scan_in_hints floe_scan_in_hints;

/* The IN hints of scan plan p's filter; *out NULL when it has none. */
int floe_scan_in_hints_new(const floe_plan *p, floe_scan_in_hints **out, floe_err *err);
/* False when morsel m of src cannot match (see above); preds[0..np) are
 * the scan's other predicates. */
bool floe_scan_in_hints_may_match(floe_scan_in_hints *h, const floe_scan_source *src, uint32_t m,
                                  const floe_scan_pred *preds, uint32_t np);
void floe_scan_in_hints_free(floe_scan_in_hints *h); /* NULL ok */

#endif
