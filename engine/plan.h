/* engine/plan.h: physical query plans and the executor that runs them.
 *
 * The planner (sql/) builds a tree of floe_plan nodes; each node produces
 * batches with `ncols` columns of `types` (named `names`, used for the result
 * header). Column references in a node's expressions index the output
 * columns of its child (for joins: the left child's columns followed by the
 * right child's). Every node, expression, array and string of a plan lives in
 * the floe_query_plan's arena; the plan is immutable once built and may be
 * executed by several worker threads at once.
 *
 * The executor is pull-based at the top (floe_exec_next hands out result
 * batches) and morsel-driven inside: pipelines from a SCAN through FILTER /
 * PROJECT into a sink (aggregate, sort, top-N, join build, result) run on
 * ctx->nthreads workers, each pulling morsels from the table's scan sources
 * and keeping thread-local state merged at the end.
 */
#ifndef FLOE_ENGINE_PLAN_H
#define FLOE_ENGINE_PLAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/expr.h"
#include "engine/source.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

typedef enum floe_plan_kind {
    FLOE_PLAN_SCAN,      /* table scan with projection, pushed predicates, filter */
    FLOE_PLAN_FILTER,    /* rows where pred is TRUE */
    FLOE_PLAN_PROJECT,   /* ncols expressions over the child's columns */
    FLOE_PLAN_AGGREGATE, /* GROUP BY groups -> output: groups, then aggregates */
    FLOE_PLAN_SORT,      /* full sort by keys */
    FLOE_PLAN_TOPN,      /* ORDER BY keys LIMIT limit OFFSET offset (heap) */
    FLOE_PLAN_LIMIT,     /* LIMIT/OFFSET without order */
    FLOE_PLAN_HASH_JOIN, /* equality keys; see floe_join_type */
    FLOE_PLAN_NL_JOIN,   /* nested loop: cross product filtered by `cond` (may be NULL) */
    FLOE_PLAN_UNION_ALL, /* children[0..nchildren) with identical column types */
    FLOE_PLAN_VALUES,    /* constant rows (also: SELECT without FROM = 1 row, 0 cols) */
    FLOE_PLAN_DISTINCT,  /* distinct rows of the child (all columns) */
    FLOE_PLAN_WINDOW,    /* child columns + one column per window function */
    FLOE_PLAN_RECURSIVE, /* WITH RECURSIVE: children[0] anchor, children[1] the step reading
                          * u.recursive.worktable; iterated to a fixpoint */
    FLOE_PLAN_WORKTABLE, /* the rows of the enclosing RECURSIVE's previous iteration */
    FLOE_PLAN_LATERAL,   /* per row of children[0]: children[1] run with params = u.lateral.params
                          * over that row; output: left cols + right cols (inner join, or
                          * u.lateral.left: a row without a match gets NULL right cols) */
    FLOE_PLAN_ASOF_JOIN, /* u.join (type INNER or LEFT, equality keys, asof_*): each left row
                          * with the nearest right row by the inequality; left + right cols */
    FLOE_PLAN_CTE_SCAN   /* the rows of u.cte.def, materialized once per query and shared
                          * by every CTE_SCAN of the same def (engine/op_cte.c) */
} floe_plan_kind;

typedef enum floe_join_type {
    FLOE_JOIN_INNER, /* output: left cols + right cols */
    FLOE_JOIN_LEFT,  /* unmatched left rows get NULL right cols */
    FLOE_JOIN_SEMI,  /* output: left cols, left rows with a match */
    FLOE_JOIN_ANTI,  /* output: left cols, left rows without a match (NOT EXISTS semantics) */
    FLOE_JOIN_MARK,  /* output: left cols + BOOLEAN `matched` (IN semantics: NULL when no
                      * match but a NULL key was involved) */
    FLOE_JOIN_RIGHT, /* INNER plus the unmatched right (build) rows with NULL left cols,
                      * emitted after the whole left input was probed */
    FLOE_JOIN_FULL   /* LEFT plus the unmatched right (build) rows, as RIGHT */
} floe_join_type;

/* Aggregates: one per line of engine/aggregates.def, whose table
 * (engine/aggregates.h) gives each its SQL names, bind rule (argument and
 * result types), state and update / combine / finalize functions.
 *   COUNT_STAR BIGINT; COUNT BIGINT, non-NULL args (distinct: distinct values);
 *   SUM INTEGER/BIGINT -> BIGINT (overflow is an error, FLOE_RANGE), DOUBLE ->
 *   DOUBLE, DECIMAL(p,s) -> DECIMAL(18,s); AVG -> DOUBLE; MIN/MAX/ANY_VALUE
 *   the arg's type; APPROX_COUNT_DISTINCT BIGINT, HyperLogLog (error ~1.6%);
 *   QUANTILE exact quantile `param` in [0,1], nearest-rank like DuckDB
 *   quantile_disc; MEDIAN mean of the two middle values for numbers (DOUBLE
 *   for integers, like DuckDB); BOOL_AND/BOOL_OR BOOLEAN (NULLs ignored). */
typedef enum floe_agg_fn {
#define FLOE_AGGREGATE(id, ...) FLOE_AGG_##id,
#include "engine/aggregates.def"
#undef FLOE_AGGREGATE
    FLOE_AGG_COUNT_ /* number of aggregates */
} floe_agg_fn;

typedef struct floe_agg {
    floe_agg_fn fn;
    floe_expr *arg;   /* NULL for COUNT_STAR */
    floe_expr *arg2;  /* second argument (FLOE_AGGF_TWO_ARGS: covar/corr/regr_* y, x;
                         arg_min/arg_max compared value), else NULL */
    floe_expr *filter; /* FILTER (WHERE ...): BOOLEAN predicate over the input rows;
                          only rows where it is TRUE are fed; NULL = every row */
    bool distinct;    /* COUNT(DISTINCT x), SUM(DISTINCT x), ... */
    double param;     /* QUANTILE fraction */
    floe_type type;   /* result type */
    /* agg(x ORDER BY k1, k2 ...): norder key expressions over the input and
     * their directions (okeys[i].col unused); only aggregates whose result
     * depends on the order (FLOE_AGGF_ORDERED: string_agg, first, last)
     * keep them, the binder drops them for the others. GROUPING: the
     * binder keeps its argument expressions here until the AGGREGATE node
     * is built, which resolves them to gkeys and clears them. */
    floe_expr **order;
    struct floe_sort_key *okeys;
    uint32_t norder;
    const char *sep;  /* STRING_AGG separator bytes (arena), sep_len of them */
    uint32_t sep_len;
    uint32_t *gkeys;  /* GROUPING(a, b, ...): the group key index of each argument */
    uint32_t ngkeys;
} floe_agg;

typedef struct floe_sort_key {
    uint32_t col;     /* child output column */
    bool desc;
    bool nulls_first; /* default: NULLS LAST for ASC, NULLS FIRST for DESC (PostgreSQL) */
} floe_sort_key;

/* Window functions (FLOE_PLAN_WINDOW, engine/op_window.c). */
typedef enum floe_win_fn {
    FLOE_WIN_ROW_NUMBER,
    FLOE_WIN_RANK,
    FLOE_WIN_DENSE_RANK,
    FLOE_WIN_PERCENT_RANK,
    FLOE_WIN_CUME_DIST,
    FLOE_WIN_NTILE,       /* param: buckets (> 0) */
    FLOE_WIN_LAG,         /* arg, param: offset (>= 0), def: default column or UINT32_MAX */
    FLOE_WIN_LEAD,
    FLOE_WIN_FIRST_VALUE, /* arg, over the frame */
    FLOE_WIN_LAST_VALUE,
    FLOE_WIN_NTH_VALUE,   /* arg, param: n (>= 1) */
    FLOE_WIN_AGG          /* agg.fn over the frame (COUNT_STAR, COUNT, SUM, AVG, MIN, MAX) */
} floe_win_fn;

typedef enum floe_win_bound {
    FLOE_WB_UNBOUNDED_PRECEDING,
    FLOE_WB_PRECEDING, /* `offset` rows (ROWS), order-key distance (RANGE) or peer
                        * groups (GROUPS) */
    FLOE_WB_CURRENT,   /* ROWS: this row; RANGE: first / last peer */
    FLOE_WB_FOLLOWING,
    FLOE_WB_UNBOUNDED_FOLLOWING
} floe_win_bound;

typedef enum floe_win_exclude {
    FLOE_WX_NONE,    /* EXCLUDE NO OTHERS, or nothing written */
    FLOE_WX_CURRENT, /* the current row */
    FLOE_WX_GROUP,   /* the current row and its peers */
    FLOE_WX_TIES     /* its peers, not the row itself */
} floe_win_exclude;

typedef struct floe_window {
    floe_win_fn fn;
    floe_agg agg;          /* FLOE_WIN_AGG: fn and type (agg.arg unused: see arg) */
    uint32_t arg;          /* child column of the argument, or UINT32_MAX */
    uint32_t def;          /* LAG/LEAD default value column, or UINT32_MAX (NULL); for a
                            * two-argument aggregate, its second argument's column */
    int64_t param;         /* NTILE buckets, LAG/LEAD offset, NTH_VALUE n */
    uint32_t *part;        /* npart child columns: PARTITION BY */
    uint32_t npart;
    floe_sort_key *order;  /* norder keys over child columns: ORDER BY */
    uint32_t norder;
    bool range;            /* frame unit RANGE (false: ROWS) */
    floe_win_bound start, end;
    int64_t start_off, end_off; /* ROWS: row counts; RANGE: distance in the order key's
                                 * units (microseconds for TIMESTAMP and intervals, days
                                 * for DATE, unscaled for DECIMAL) */
    floe_type type;        /* result type */
    bool groups;           /* frame unit GROUPS (range false): offsets count peer groups */
    floe_win_exclude exclude; /* EXCLUDE CURRENT ROW / GROUP / TIES (NONE: NO OTHERS) */
} floe_window;

typedef struct floe_plan floe_plan;
struct floe_plan {
    floe_plan_kind kind;
    uint32_t ncols;        /* output columns */
    floe_type *types;      /* ncols */
    const char **names;    /* ncols, for result headers */
    uint32_t nchildren;
    floe_plan **children;  /* nchildren (0 for SCAN/VALUES, 2 for joins) */
    double est_rows;       /* planner estimate, for EXPLAIN and join sides */
    union {
        struct {
            uint32_t table;       /* index into floe_exec_ctx.tables */
            const char *table_name;
            uint32_t *cols;       /* ncols table column indexes produced, in order */
            floe_scan_pred *preds; /* pushed predicates over table column indexes (hints) */
            uint32_t npreds;
            floe_expr *filter;    /* over this node's output columns, or NULL */
            /* filter without the conjuncts that are exactly preds (NULL:
             * none left), when residual_known; applied instead of filter to
             * a batch a source marks FLOE_BATCH_EXACT (engine/source.h) */
            floe_expr *residual;
            bool residual_known;
        } scan;
        struct {
            floe_expr *pred;
        } filter;
        struct {
            floe_expr **exprs;    /* ncols */
        } project;
        struct {
            floe_expr **groups;   /* over child columns */
            uint32_t ngroups;
            floe_agg *aggs;
            uint32_t naggs;
            /* GROUPING SETS / ROLLUP / CUBE: nsets masks over groups (bit k:
             * groups[k] is grouped; ngroups <= 64); every input row feeds
             * one group per set, whose other keys are NULL. nsets == 0: a
             * plain GROUP BY (one set of every key). */
            const uint64_t *sets;
            uint32_t nsets;
        } agg;
        struct {
            floe_sort_key *keys;
            uint32_t nkeys;
            int64_t limit;        /* TOPN: rows to keep; -1 = no limit */
            int64_t offset;
        } sort;                   /* SORT and TOPN */
        struct {
            int64_t limit;        /* -1 = no limit */
            int64_t offset;
        } limit;
        struct {
            floe_join_type type;
            floe_expr **left_keys;  /* over left child columns */
            floe_expr **right_keys; /* over right child columns */
            uint32_t nkeys;
            floe_expr *cond;        /* extra condition over left+right cols, or NULL */
            bool build_left;        /* INNER only: build the hash table on the left input */
            /* ASOF_JOIN only: left_on <asof_op> right_on, asof_op one of FLOE_FN_GE, GT,
             * LE, LT (engine/functions.h ids); both of one type, integer-like or DOUBLE */
            floe_expr *asof_left, *asof_right;
            int asof_op;
        } join;                     /* HASH_JOIN, NL_JOIN (nkeys = 0) and ASOF_JOIN */
        struct {
            floe_window *fns;       /* nfns: output columns child->ncols + i */
            uint32_t nfns;
        } window;
        struct {
            uint32_t nrows;
            floe_expr **cells;      /* nrows * ncols constant-foldable exprs, row-major */
        } values;
        struct {
            const void *key;        /* the u.worktable.key of its WORKTABLE nodes (nodes may
                                     * be copied by the planner: matched by key) */
            bool distinct;          /* UNION (rows already produced are dropped) vs UNION ALL */
            uint64_t max_iter;      /* iterations allowed before the query fails (FLOE_ERROR) */
        } recursive;
        struct {
            const void *key;        /* identifies the RECURSIVE node it reads from */
        } worktable;
        struct {
            floe_expr **params;     /* nparams exprs over children[0]'s columns: PARAM i of
                                     * children[1] */
            uint32_t nparams;
            bool left;              /* LEFT JOIN LATERAL */
            floe_expr *cond;        /* ON condition over left + right cols, or NULL */
        } lateral;
        struct {
            floe_plan *def;         /* shared by the CTE's references; not a child (the
                                     * planner never rewrites it through a reference) */
            const char *name;       /* the WITH name, for EXPLAIN */
        } cte;
    } u;
};

/* A plan and the arena that owns it. */
typedef struct floe_query_plan {
    floe_arena *arena;
    floe_plan *root;
    uint32_t ntables;        /* SCAN nodes refer to tables 0..ntables-1 */
    const char **table_names;/* ntables: what api/ must supply sources for */
    void **table_refs;       /* ntables: binder's opaque table handles (api-defined) */
} floe_query_plan;

/* New empty plan with its arena; NULL on OOM. */
floe_query_plan *floe_query_plan_new(void);
void floe_query_plan_free(floe_query_plan *qp);

typedef struct floe_exec_ctx {
    floe_table_scan *tables;  /* ntables, indexed by scan.table; borrowed */
    uint32_t ntables;
    uint32_t nthreads;        /* worker threads (0: number of cores) */
    int64_t now_us;           /* statement start time */
    atomic_int *interrupt;    /* nonzero stops the query with FLOE_INTERRUPT; may be NULL */
    uint64_t mem_limit;       /* bytes this query (or, with mem_shared, all queries
                               * together) may hold before failing (0: default 4 GiB) */
    atomic_uint_least64_t *mem_shared; /* bytes held by every running query of the
                                        * database (they all add to it), or NULL */
    uint64_t mem_limit_shown; /* the limit the error names (memory_limit; 0: mem_limit) */
    const char *mem_hint;     /* appended to that error ("SET memory_limit to raise it"), or NULL */
    /* Per-call limits (floe_query_with): */
    atomic_int *cancel;       /* this query's own stop flag (nonzero: FLOE_INTERRUPT); may be NULL */
    int64_t deadline_ns;      /* floe_os_clock_mono_ns() past which it stops with FLOE_INTERRUPT
                               * "query timeout of <timeout_ms> ms exceeded"; 0: none */
    uint32_t timeout_ms;      /* the timeout the message names */
    uint64_t query_mem_limit; /* bytes THIS query may hold (checked besides mem_limit); 0: none */
} floe_exec_ctx;

typedef struct floe_executor floe_executor;

/* Prepare execution of qp->root. ctx and qp must outlive the executor. */
int floe_exec_open(const floe_query_plan *qp, const floe_exec_ctx *ctx, floe_executor **out,
                   floe_err *err);
/* Next result batch: *out is initialized by the call (compacted: no sel) and
 * owned by the caller (floe_batch_free). FLOE_ROW, FLOE_DONE, or an error. */
int floe_exec_next(floe_executor *ex, floe_batch *out, floe_err *err);
void floe_exec_close(floe_executor *ex);

/* EXPLAIN text: one line per node, indented, with operators, pushed
 * predicates, filters, keys and estimates. */
void floe_plan_explain(const floe_plan *root, floe_strbuf *out);

#endif
