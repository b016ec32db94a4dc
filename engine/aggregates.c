/* engine/aggregates.c: the aggregate function registry table (see
 * engine/aggregates.h); the entries come from engine/aggregates.def, one
 * FLOE_AGGREGATE line each. The update / combine / finalize names of a line
 * are expanded by engine/op_agg.c, not here. */
#include "engine/aggregates.h"

#include <string.h>

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_NAMES NULL
#define FLOE_AGGREGATE(id, display, names, flags, result, state, upd, cmb, fin)            \
    [FLOE_AGG_##id] = {FLOE_AGG_##id, display, names, flags, result, state},

static const floe_agg_def aggregates[FLOE_AGG_COUNT_] = {
#include "engine/aggregates.def"
};

const floe_agg_def *floe_aggregates_get(floe_agg_fn fn)
{
    return (unsigned)fn < FLOE_AGG_COUNT_ ? &aggregates[fn] : NULL;
}

const floe_agg_def *floe_aggregates_lookup(const char *name)
{
    uint32_t f, k;
    for (f = 0; f < FLOE_AGG_COUNT_; f++) {
        const char *const *n = aggregates[f].sql_names;
        for (k = 0; n && n[k]; k++)
            if (strcmp(n[k], name) == 0) return &aggregates[f];
    }
    return NULL;
}

const char *floe_aggregates_sql_name(uint32_t i)
{
    uint32_t f, k;
    for (f = 0; f < FLOE_AGG_COUNT_; f++) {
        const char *const *n = aggregates[f].sql_names;
        for (k = 0; n && n[k]; k++)
            if (i-- == 0) return n[k];
    }
    return NULL;
}
