/* engine/agg_window.h: an aggregate over window frames through a segment
 * tree of its states (the aggregates op_window.c has no prefix-sum or
 * MIN/MAX path for: any_value, bool_and/or, the statistics, arg_min/max).
 *
 * Built once per window function over the n sorted positions of a WINDOW
 * operator's rows: leaf n + i holds the state of position i, node k the
 * combine of nodes 2k and 2k + 1 (engine/aggregates.def's combine, as
 * PostgreSQL's combinefn). A frame (a list of position ranges) is answered
 * by combining O(log n) nodes per range into a scratch state and
 * finalizing it: O(log n) combines a row, never O(frame).
 *
 * Ownership: floe_agg_win_free releases everything; values returned by
 * floe_agg_win_value may point at strings of the tree or of the input rows
 * and stay valid until then. Thread-safety: after floe_agg_win_new, workers
 * may call floe_agg_win_value concurrently with different `scratch`
 * numbers (< nscratch).
 */
#ifndef FLOE_ENGINE_AGG_WINDOW_H
#define FLOE_ENGINE_AGG_WINDOW_H

#include <stdint.h>

#include "engine/exec.h"
#include "engine/exec_rows.h"

typedef struct floe_agg_win floe_agg_win;

/* Whether aggregate fn (without DISTINCT) can be computed by a tree; and
 * whether it can over whole partitions (every aggregate but GROUPING). */
int floe_agg_win_supported(floe_agg_fn fn);
int floe_agg_win_holistic(floe_agg_fn fn);

/* The tree of aggregate ag (fn, type) over columns arg (and arg2 for
 * two-argument aggregates, else UINT32_MAX) of rows idx[0..n) of all, in
 * that order; nscratch >= 1 concurrent callers. `plan` is the WINDOW node
 * (for the evaluation context). FLOE_NOMEM (or the memory limit's error). */
int floe_agg_win_new(floe_executor *ex, const floe_plan *plan, const floe_agg *ag, uint32_t nscratch,
                     const floe_exec_rows *all, uint32_t arg, uint32_t arg2, const uint64_t *idx,
                     uint64_t n, floe_agg_win **out, floe_err *err);
/* The aggregate over positions [rg[k][0], rg[k][1]) for k < nr, computed in
 * scratch state `scratch`, into *out (typed ag->type; NULL as the
 * aggregate says for no values). */
int floe_agg_win_value(floe_agg_win *w, uint32_t scratch, uint64_t rg[][2], int nr, floe_value *out,
                       floe_err *err);
/* Holistic aggregates (quantiles, median, mode, string_agg,
 * approx_count_distinct), whose states are not trees, over a whole
 * partition: a floe_agg_win built with n = 0 (no tree) feeds rows
 * idx[ps..pe) of all (columns as given to floe_agg_win_new) to scratch 0
 * and computes the value into *out (a string may live in the state until
 * the next call: copy it). One caller at a time. */
int floe_agg_win_partition(floe_agg_win *w, const floe_exec_rows *all, uint32_t arg, uint32_t arg2,
                           const uint64_t *idx, uint64_t ps, uint64_t pe, floe_value *out,
                           floe_err *err);
void floe_agg_win_free(floe_agg_win *w);

#endif /* FLOE_ENGINE_AGG_WINDOW_H */
