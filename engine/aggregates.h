/* engine/aggregates.h: the aggregate function registry.
 *
 * One table, generated from engine/aggregates.def, describes every aggregate
 * a floe_agg (engine/plan.h) can name: its display name (EXPLAIN), the names
 * SQL calls it by, its flags, its bind rule (accepted arguments and result
 * type, which the binder applies) and the per-group state it keeps. Its
 * update / combine / finalize entry points are named in the same .def line
 * and live in engine/op_agg.c, or engine/agg_stats.c for the statistical
 * ones (PostgreSQL's transfn / combinefn / finalfn):
 * update feeds a batch of rows to their groups' states, combine folds one
 * partial state into another (parallel merge, and later window segment
 * trees), finalize produces a group's result. Adding an aggregate is one
 * .def line plus those three functions; binder, executor and EXPLAIN have no
 * per-aggregate code except the fast paths of op_agg.c (COUNT(*)-only and
 * MIN/MAX-only scans, COUNT(DISTINCT integer) sets).
 *
 * The table is immutable and global: thread-safe to read from anywhere.
 */
#ifndef FLOE_ENGINE_AGGREGATES_H
#define FLOE_ENGINE_AGGREGATES_H

#include <stdint.h>

#include "engine/plan.h"

/* Flags (floe_agg_def.flags). */
enum {
    FLOE_AGGF_DISTINCT = 1u << 0, /* DISTINCT changes the result: deduplicate per group */
    FLOE_AGGF_FRACTION = 1u << 1, /* second argument: a constant fraction in [0,1] (param) */
    FLOE_AGGF_TWO_ARGS = 1u << 2, /* second argument: an expression (floe_agg.arg2); a row
                                     is fed only when both arguments are non-NULL */
    FLOE_AGGF_ORDERED = 1u << 3   /* the result depends on the order values are fed in:
                                     agg(x ORDER BY ...) keeps its keys (floe_agg.order) */
};

/* Bind rules: accepted argument and result type. */
typedef enum floe_agg_result {
    FLOE_AGGR_BIGINT, /* any argument; BIGINT (counts) */
    FLOE_AGGR_SUM,    /* integers -> BIGINT, DECIMAL(p,s) -> DECIMAL(18,s), DOUBLE */
    FLOE_AGGR_AVG,    /* numeric -> DOUBLE */
    FLOE_AGGR_ARG,    /* any argument; its type */
    FLOE_AGGR_MEDIAN, /* any argument; DOUBLE for integers, else its type */
    FLOE_AGGR_BOOL,   /* BOOLEAN (implicit cast) -> BOOLEAN */
    FLOE_AGGR_STAT,   /* numeric (cast to DOUBLE; with TWO_ARGS both) -> DOUBLE */
    FLOE_AGGR_COUNT2, /* two numeric arguments (cast to DOUBLE) -> BIGINT (regr_count) */
    FLOE_AGGR_ARGBY,  /* any two arguments; the first's type (arg_min / arg_max) */
    FLOE_AGGR_STRAGG  /* any argument (cast to VARCHAR), optional constant VARCHAR
                         separator (default ','); VARCHAR (string_agg) */
} floe_agg_result;

/* Per-group state arrays (floe_agg_def.state); a count is always kept. */
enum {
    FLOE_AGGS_SUM = 1u << 0,  /* 128-bit integer sum, or double sum for DOUBLE arguments */
    FLOE_AGGS_VAL = 1u << 1,  /* one floe_value */
    FLOE_AGGS_HLL = 1u << 2,  /* a HyperLogLog sketch */
    FLOE_AGGS_LIST = 1u << 3, /* every value (holistic: quantiles, mode) */
    FLOE_AGGS_MOM = 1u << 4,  /* means, second moments and co-moment of DOUBLE arguments
                                 (Welford; combined by the parallel-variance formula) */
    FLOE_AGGS_VAL2 = 1u << 5  /* a second floe_value (arg_min / arg_max: the compared value) */
};

typedef struct floe_agg_def {
    floe_agg_fn id;
    const char *name;             /* display name (EXPLAIN) */
    const char *const *sql_names; /* NULL-terminated names SQL calls it by (NULL: internal) */
    unsigned flags;               /* FLOE_AGGF_* */
    floe_agg_result result;       /* bind rule */
    unsigned state;               /* FLOE_AGGS_* */
} floe_agg_def;

/* The entry of fn (fn < FLOE_AGG_COUNT_), or NULL. */
const floe_agg_def *floe_aggregates_get(floe_agg_fn fn);
/* The aggregate SQL calls `name` (lower case), or NULL. */
const floe_agg_def *floe_aggregates_lookup(const char *name);
/* Iterate every SQL-callable aggregate name in registry order: the i-th
 * name, or NULL past the end. */
const char *floe_aggregates_sql_name(uint32_t i);

#endif
