/* engine/agg_internal.h: what the hash aggregation's files share.
 *
 * engine/op_agg.c owns the operator (workers' local tables, the partitioned
 * merge, emission, the scan shortcuts) and the per-aggregate functions of
 * the basic aggregates; engine/agg_stats.c holds those of the statistical
 * ones (moments for STDDEV/VAR/COVAR/CORR/REGR_*, ARG_MIN/ARG_MAX, MODE);
 * engine/agg_ordered.c those of the ordered ones (string_agg) and the
 * evaluation of an aggregate's ORDER BY keys.
 * Both are named by engine/aggregates.def and reached only through
 * op_agg.c's agg_ops_table.
 *
 * Layout: an agg_local (one per worker, then one per merge partition) keeps
 * per-aggregate state arrays (agg_st) indexed by group id, allocated for
 * `cap` groups following the aggregate's FLOE_AGGS_* bits; arrays an
 * aggregate does not use are NULL. Strings held in states (MIN/MAX, lists,
 * ARG_MIN/ARG_MAX) are copied into the local's arena (floe_agg_copy_str)
 * and live as long as the local. Ownership: op_agg.c creates and frees
 * every agg_local; the functions here only update states in place.
 * Thread-safety: an agg_local is touched by one worker at a time (its
 * worker, then its merge partition's worker); the agg_op is read-only
 * during the parallel phases apart from the per-worker error slots.
 */
#ifndef FLOE_ENGINE_AGG_INTERNAL_H
#define FLOE_ENGINE_AGG_INTERNAL_H

#include <stdint.h>

#include "engine/aggregates.h"
#include "engine/exec.h"
#include "engine/hashtable.h"
#include "engine/hll.h"
#include "engine/intset.h"
#include "engine/xsum.h"

__extension__ typedef __int128 agg_i128;

typedef struct agg_vlist {
    floe_value *v;
    uint32_t n, cap;
} agg_vlist;

/* Moments of a group's (a, b) pairs (b unused by one-argument aggregates);
 * the count is agg_st.cnt. Welford: m2a = sum (a - ma)^2, cab = sum (a -
 * ma)(b - mb), kept centred so large offsets do not cancel. */
typedef struct agg_mom {
    double ma, mb;   /* means */
    double m2a, m2b; /* sums of squared deviations */
    double cab;      /* sum of co-deviations */
} agg_mom;

typedef struct agg_st {
    int64_t *cnt;      /* values seen (rows for COUNT_STAR) */
    agg_i128 *isum;    /* SUM/AVG of integers and decimals */
    floe_xsum *xsum;   /* SUM/AVG of doubles: exact (engine/xsum.h), so the
                          result never depends on the order rows arrive in */
    floe_value *val;   /* MIN/MAX/ANY_VALUE */
    floe_hll_sketch *hll; /* APPROX_COUNT_DISTINCT: sparse, then dense, per group */
    agg_vlist *lists;  /* QUANTILE/MEDIAN/MODE values */
    agg_mom *mom;      /* STDDEV/VAR/COVAR/CORR/REGR moments */
    floe_value *val2;  /* ARG_MIN/ARG_MAX: the compared value (val: the result) */
    char *buf;         /* STRING_AGG: scratch of finalize (the result, copied out) */
    size_t buf_cap;    /* bytes allocated in buf */
} agg_st;

typedef struct agg_local {
    floe_exec_op ev;          /* eval context of this worker */
    floe_hashtable ht;        /* group keys (ngroups > 0) */
    uint64_t ngroups;         /* groups with state */
    uint64_t cap;             /* state capacity in groups */
    agg_st *st;               /* naggs */
    floe_hashtable *dsets;    /* naggs: (group, value) sets of DISTINCT aggs */
    floe_intset *isets;       /* naggs, or NULL: sets of the fast COUNT(DISTINCT integer) */
    floe_arena *arena;        /* copied strings of MIN/MAX/quantile values */
    uint64_t list_bytes;      /* bytes in quantile lists */
    uint64_t hll_bytes;       /* bytes held by sketches */
    uint64_t xsum_bytes;      /* bytes held by wide exact-sum accumulators */
    uint64_t reported;        /* bytes reported to floe_exec_mem */
    uint32_t *ids;            /* scratch: group id per live row */
    uint32_t *rows;           /* scratch: row index per live row */
    uint32_t *dids;           /* scratch: distinct-set ids */
    uint32_t *drows;          /* scratch: rows fed by distinct_add */
    uint32_t *dgids;          /* scratch: their groups */
    uint32_t *frows;          /* scratch: live rows passing an aggregate's FILTER */
    uint32_t *fids;           /* scratch: their groups */
    uint64_t *hashes;         /* scratch */
    uint32_t *gpart;          /* merge: partition of each group */
    uint32_t **dpart;         /* merge: per DISTINCT agg, partition of each (group, value) pair */
    int64_t *gidbuf;          /* scratch: group id per physical row (BIGINT vector) */
    uint32_t cur_set;         /* grouping set whose groups the rows being fed belong to */
    floe_vec *okv;            /* ORDER BY keys of the aggregate being fed (its norder
                                 vectors over the batch), or NULL (engine/agg_ordered.c) */
} agg_local;

typedef struct agg_op {
    floe_exec_op base;
    const floe_plan *child;
    floe_expr **groups;       /* ngexprs group expressions */
    uint32_t ngroups;         /* hash key columns: ngexprs, plus the set number with sets */
    uint32_t ngexprs;
    const uint64_t *sets;     /* nsets grouping sets (masks over groups), or NULL */
    uint32_t nsets;
    const floe_agg *aggs;
    uint32_t naggs;
    floe_expr *own_exprs;     /* DISTINCT: synthesized column references */
    floe_expr **own_groups;
    uint8_t *fastd;           /* naggs, or NULL: COUNT(DISTINCT integer) without GROUP BY,
                                 kept in a floe_intset instead of dsets */
    uint32_t nw;
    agg_local **locals;       /* nw */
    uint32_t nparts;          /* merge partitions (one merge worker each) */
    agg_local **globals;      /* nparts merged states */
    floe_err *perr;           /* nparts / nw: errors of the parallel phases */
    int *prc;
    int done;                 /* input consumed and merged */
    uint32_t part;            /* partition being emitted */
    uint64_t pos;             /* next group of it to emit */
} agg_op;

/* ------------------------------------------------------------------ update
 *
 * An aggregate's update feeds rows[k] (physical rows of v; row 0 when v is
 * CONST) to groups gids[k]; v is NULL for COUNT(*). v2 is the second
 * argument of FLOE_AGGF_TWO_ARGS aggregates (same rows; NULL otherwise).
 * Rows failing the aggregate's FILTER were already dropped. Without GROUP
 * BY every gid is 0 and the one-group paths keep sums in registers. */

#define UPD_ARGS                                                                           \
    agg_op *o, agg_local *L, uint32_t ai, const floe_vec *v, const floe_vec *v2,           \
        const uint32_t *rows, const uint32_t *gids, uint32_t cnt, floe_err *err
#define UPD_PROLOGUE                                                                       \
    const floe_agg *ag = &o->aggs[ai];                                                     \
    agg_st *s = &L->st[ai];                                                                \
    uint32_t k;                                                                            \
    int cst = v && (v->flags & FLOE_VEC_CONST);                                            \
    int all_valid = v == NULL || v->validity == NULL;                                      \
    (void)ag;                                                                              \
    (void)v2;                                                                              \
    (void)err
#define ROW(k) (cst ? 0 : rows[k])
#define VALID(k) (all_valid || floe_vec_is_valid(v, ROW(k)))

/* ----------------------------------------------------------------- combine
 *
 * An aggregate's combine folds the state of group lid of L into group g of
 * G; it runs only when L's group saw values (COUNT(*): always) and the
 * count is added after it. */

#define CMB_ARGS                                                                           \
    agg_op *o, uint32_t a, agg_local *G, uint64_t g, agg_local *L, uint64_t lid,          \
        floe_err *err

/* ---------------------------------------------------------------- finalize
 *
 * An aggregate's finalize sets *r (type and is_null preset to the column's
 * type and false, v.i to 0) from group g's state. */

#define FIN_ARGS const floe_agg *ag, agg_st *s, uint64_t g, floe_type ct, floe_value *r, floe_err *err

/* Copy a VARCHAR value's bytes into L's arena (other types: nothing to
 * do), so the state outlives the input batch. FLOE_NOMEM on failure. */
int floe_agg_copy_str(agg_local *L, floe_value *v);

/* Statistical aggregates (engine/agg_stats.c), named by aggregates.def. */
int floe_agg_mom_update(UPD_ARGS);
int floe_agg_argby_update(UPD_ARGS);
int floe_agg_mom_combine(CMB_ARGS);
int floe_agg_argby_combine(CMB_ARGS);
int floe_agg_mom_finalize(FIN_ARGS);
int floe_agg_mode_finalize(FIN_ARGS);

/* The operator's consume callback (engine/op_agg.c): feeds batch b to
 * worker w's local state. */
int floe_agg_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err);
/* The scan shortcuts (engine/agg_scan.c): when o is a COUNT(*)-only or a
 * MIN/MAX-only aggregation of a bare SCAN, feed worker 0's state from the
 * sources directly and set *done; else *done = 0 and nothing happens. */
int floe_agg_scan_shortcut(agg_op *o, int *done, floe_err *err);

/* States of aggregate 0 of o outside the hash aggregation (engine/op_agg.c,
 * used by the window frames of engine/agg_window.c). o needs base (ex,
 * plan), aggs / naggs = 1, and ngroups > 0 so that updates go by group id.
 * open makes an empty local (floe_agg_state_close frees it); reserve makes
 * groups [0, n) exist (and accounts the memory); update feeds rows[k] of v
 * (v2) to groups gids[k]; merge folds group src into group g of the same
 * local (src is only read: concurrent merges into different g are safe for
 * aggregates whose combine allocates nothing: not sums of doubles, lists or
 * sketches); final computes group g's value into *r (strings borrowed from
 * the local or the input); reset empties group g. */
int floe_agg_state_open(agg_op *o, agg_local **out, floe_err *err);
void floe_agg_state_close(agg_op *o, agg_local *L);
int floe_agg_state_reserve(agg_op *o, agg_local *L, uint64_t n, floe_err *err);
int floe_agg_state_update(agg_op *o, agg_local *L, const floe_vec *v, const floe_vec *v2,
                          const uint32_t *rows, const uint32_t *gids, uint32_t cnt, floe_err *err);
int floe_agg_state_merge(agg_op *o, agg_local *L, uint64_t g, uint64_t src, floe_err *err);
int floe_agg_state_final(agg_op *o, agg_local *L, uint64_t g, floe_value *r, floe_err *err);
void floe_agg_state_reset(agg_op *o, agg_local *L, uint64_t g);

/* Ordered aggregates (engine/agg_ordered.c). floe_agg_order_eval evaluates
 * ag's ORDER BY keys over b into L->okv (freed, and set NULL, by
 * floe_agg_order_free; on failure nothing is left) for the update that
 * follows. */
int floe_agg_order_eval(agg_local *L, const floe_agg *ag, floe_batch *b, floe_err *err);
void floe_agg_order_free(agg_local *L, const floe_agg *ag);
int floe_agg_stragg_update(UPD_ARGS);
int floe_agg_stragg_finalize(FIN_ARGS);
int floe_agg_first_update(UPD_ARGS);
int floe_agg_first_combine(CMB_ARGS);
int floe_agg_first_finalize(FIN_ARGS);

#endif /* FLOE_ENGINE_AGG_INTERNAL_H */
