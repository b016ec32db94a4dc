/* engine/exec.h: executor internals shared by the operator modules (op_*.c).
 *
 * Operators are pull-based iterators (floe_exec_op): next() fills a batch the
 * caller owns and frees before the following call; vectors in it may borrow
 * memory that stays valid until that next call. Blocking operators
 * (aggregate, sort, top-N, join build, distinct) consume their child with
 * floe_exec_drive, which runs a pipeline SCAN -> FILTER/PROJECT on all
 * workers of the executor's pool, each worker with its own operator chain
 * and eval context, all pulling morsels from one shared dispenser; the sink
 * keeps one local state per worker and merges them afterwards. Hash and
 * nested-loop joins whose probe side is such a pipeline are part of it: their
 * build side is prepared once before the workers start and probed by all of
 * them. Any other child is driven on worker 0 alone.
 *
 * A root that is itself such a pipeline runs on all workers into
 * thread-local result buffers (exec.c, "gather"); a bare SCAN root streams.
 *
 * CTEs referenced more than once (FLOE_PLAN_CTE_SCAN) are materialized on
 * first use into a row collection cached in the root executor (subqueries'
 * sub-executors use the root's) and read by every reference
 * (floe_exec_cte_rows, engine/op_cte.c); the computing thread holds no lock.
 *
 * Subqueries: the executor is the evaluator's floe_subq_run_fn. Correlated
 * subqueries run single-threaded per parameter tuple in a sub-executor;
 * uncorrelated ones run once per query on all workers and are cached in
 * the executor (under subq_mu) for every worker's eval context.
 *
 * Memory held by hash tables, sort buffers and result buffers is accounted
 * with floe_exec_mem against ctx->mem_limit: in the query's own counter
 * (shared by the query and its subqueries) and, when ctx->mem_shared is
 * set, in the database's counter of all running queries, which is what the
 * limit is checked against. An operator whose charge fails keeps it counted
 * and, like every operator, gives its bytes back when it closes.
 * Thread-safety: an op instance is used by one thread; the executor's
 * counters are atomic.
 */
#ifndef FLOE_ENGINE_EXEC_H
#define FLOE_ENGINE_EXEC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "engine/plan.h"
#include "engine/pool.h"

typedef struct floe_exec_op floe_exec_op;
struct floe_exec_op {
    /* FLOE_ROW with a non-empty batch in *out (which arrives zeroed), FLOE_DONE, or an error. */
    int (*next)(floe_exec_op *op, floe_batch *out, floe_err *err);
    /* Free the op and its children. */
    void (*close)(floe_exec_op *op);
    const floe_plan *plan;
    floe_executor *ex;
    floe_eval_ctx ectx; /* this op's evaluation state (one thread) */
};

/* Shared morsel dispenser of one SCAN node: workers take morsel indexes
 * with an atomic counter. */
typedef struct floe_exec_morsels {
    const floe_table_scan *table;
    uint32_t total;      /* morsels over all sources */
    uint32_t *src_of;    /* total: source index */
    uint32_t *morsel_of; /* total: morsel index within the source */
    atomic_uint next;    /* next morsel to hand out */
} floe_exec_morsels;

struct floe_executor {
    const floe_query_plan *qp;
    const floe_exec_ctx *ctx;
    uint32_t nthreads;           /* workers for pipelines (>= 1) */
    floe_pool *pool;             /* started at the first parallel pipeline */
    const floe_value *params;    /* subquery parameters, or NULL */
    uint32_t nparams;
    atomic_uint_least64_t mem_own;
    atomic_uint_least64_t *mem;  /* the root executor's counter */
    uint64_t mem_limit;          /* bytes */
    floe_exec_op *root;
    /* uncorrelated subquery results, computed once for all workers */
    pthread_mutex_t subq_mu;
    struct floe_exec_subq *subq_cache;
    /* materialized CTEs (FLOE_PLAN_CTE_SCAN): kept by the root executor
     * (cte_root: NULL in the root, the root in its sub-executors), under
     * cte_mu; cte_cv wakes threads waiting for one being computed */
    struct floe_executor *cte_root;
    pthread_mutex_t cte_mu;
    pthread_cond_t cte_cv;
    struct floe_exec_cte *cte_cache;
    /* join builds shared by the workers of the pipeline being driven */
    struct floe_exec_shared { const floe_plan *node; void *build; } *shared;
    uint32_t nshared;
    /* the working tables of the RECURSIVE operators running (innermost first) */
    struct floe_exec_wt *wt;
};

/* Initialize op's common fields and eval context. */
void floe_exec_op_init(floe_exec_op *op, floe_executor *ex, const floe_plan *p);
/* Build the operator tree for p. `shared` is the morsel dispenser the SCAN at
 * the bottom of a pipeline uses (NULL: a private one). */
int floe_exec_build(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                    floe_exec_op **out, floe_err *err);
void floe_exec_op_free(floe_exec_op *op);
/* Workers a sink must keep local states for. */
uint32_t floe_exec_workers(const floe_executor *ex);
/* Run `child` to completion, handing every batch to consume(arg, worker, b)
 * on the worker that produced it (b is freed by the driver afterwards). The
 * first error stops all workers and is returned. */
int floe_exec_drive(floe_executor *ex, const floe_plan *child,
                    int (*consume)(void *arg, uint32_t worker, floe_batch *b, floe_err *err),
                    void *arg, floe_err *err);
/* Account delta bytes held by operator `opname`; FLOE_NOMEM past the limit
 * (the bytes stay counted: the operator gives back what it reported). */
int floe_exec_mem(floe_executor *ex, int64_t delta, const char *opname, floe_err *err);
/* FLOE_INTERRUPT when the query was interrupted. */
int floe_exec_check(floe_executor *ex, floe_err *err);
/* Evaluate e over in (COLUMN references borrow the input vector). */
int floe_exec_eval(floe_exec_op *op, const floe_expr *e, const floe_batch *in, floe_vec *out,
                   floe_err *err);
/* Narrow in's selection to rows where e is TRUE. */
int floe_exec_filter(floe_exec_op *op, const floe_expr *e, floe_batch *in, floe_err *err);

/* Operator constructors, one file each (children are built or driven by the
 * operator); floe_exec_build is the only caller. `shared`: as floe_exec_build. */
int floe_op_scan_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                      floe_exec_op **out, floe_err *err);
int floe_op_filter_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                        floe_exec_op **out, floe_err *err);
int floe_op_project_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                         floe_exec_op **out, floe_err *err);
int floe_op_limit_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
int floe_op_union_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
int floe_op_values_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
/* A morsel dispenser over every source of table t (op_scan.c; free with
 * floe_op_scan_morsels_free, which accepts NULL). FLOE_NOMEM. */
int floe_op_scan_morsels_new(const floe_table_scan *t, floe_exec_morsels **out, floe_err *err);
void floe_op_scan_morsels_free(floe_exec_morsels *m);
int floe_op_agg_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
int floe_op_sort_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
int floe_op_window_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
/* ASOF_JOIN (op_asof.c). */
int floe_op_asof_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
/* LATERAL (op_lateral.c). */
struct floe_exec_rows;
int floe_op_lateral_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
/* Run plan to completion in a sub-executor on one thread with parameters
 * params[0..nparams), appending every row to out (initialized by the caller
 * with plan's column types). Used per row by LATERAL. */
int floe_exec_run_rows(floe_executor *parent, const floe_plan *plan, const floe_value *params,
                       uint32_t nparams, struct floe_exec_rows *out, floe_err *err);
/* RECURSIVE and WORKTABLE (op_recursive.c). */
int floe_op_recursive_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out,
                           floe_err *err);
int floe_op_worktable_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out,
                           floe_err *err);
int floe_op_join_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                      floe_exec_op **out, floe_err *err);
/* The child of join p that streams (probe side). */
const floe_plan *floe_op_join_probe_child(const floe_plan *p);
/* Materialize and index the build side of join p (*out: opaque state for
 * floe_exec_shared_build users; free with floe_op_join_release). */
int floe_op_join_prepare(floe_executor *ex, const floe_plan *p, void **out, floe_err *err);
void floe_op_join_release(void *state);
/* The build prepared for join node p by the current drive, or NULL. */
void *floe_exec_shared_build(floe_executor *ex, const floe_plan *p);

int floe_op_cte_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err);
/* The rows of CTE_SCAN definition `def`, computed by the first caller (on a
 * sub-executor with this executor's workers; concurrent callers wait for
 * it) and shared by every later call of the query (the root executor's
 * cache); *out stays valid and unchanged until the root executor closes. */
struct floe_exec_rows;
int floe_exec_cte_rows(floe_executor *ex, const floe_plan *def, const struct floe_exec_rows **out,
                       floe_err *err);

/* Emit rows [*pos, n) of a collection as owned batches of up to
 * FLOE_VEC_SIZE rows (idx: optional order). FLOE_ROW or FLOE_DONE. */
struct floe_exec_rows;
int floe_exec_emit_rows(const struct floe_exec_rows *rows, const uint64_t *idx, uint64_t n,
                        uint64_t *pos, floe_batch *out, floe_err *err);

#endif
