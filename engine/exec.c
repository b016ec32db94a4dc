/* engine/exec.c: the executor: open/next/close, building the operator tree
 * (the one dispatch from plan node to operator), pipeline driving on the
 * workers, result gathering, memory accounting and subqueries.
 *
 * Every operator lives in its own file (PostgreSQL's execProcnode.c and
 * nodeX.c): op_scan.c (SCAN and its morsel dispenser), op_filter.c,
 * op_project.c, op_limit.c, op_union.c (UNION_ALL), op_values.c,
 * op_agg.c (AGGREGATE, DISTINCT), op_sort.c (SORT, TOPN), op_join.c
 * (HASH_JOIN, NL_JOIN), op_asof.c (ASOF_JOIN), op_lateral.c (LATERAL) and
 * op_recursive.c (RECURSIVE, WORKTABLE). See exec.h for the operator protocol and plan.h for
 * the semantics of every node.
 */
#include "engine/exec.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "engine/exec_rows.h"
#include "util/mem.h"
#include "util/sysmem.h"

#define EXEC_DEFAULT_MEM_LIMIT (4ULL << 30)

/* ------------------------------------------------------------------ helpers */

static int subq_run(void *self, const struct floe_plan *plan, const floe_value *params,
                    uint32_t nparams, floe_vec *out, floe_err *err);

void floe_exec_op_init(floe_exec_op *op, floe_executor *ex, const floe_plan *p)
{
    op->plan = p;
    op->ex = ex;
    memset(&op->ectx, 0, sizeof op->ectx);
    op->ectx.now_us = ex->ctx->now_us;
    op->ectx.params = ex->params;
    op->ectx.nparams = ex->nparams;
    op->ectx.interrupt = ex->ctx->interrupt;
    op->ectx.cancel = ex->ctx->cancel;
    op->ectx.deadline_ns = ex->ctx->deadline_ns;
    op->ectx.timeout_ms = ex->ctx->timeout_ms;
    op->ectx.subq_run = subq_run;
    op->ectx.subq_self = ex;
}

static void op_base_free(floe_exec_op *op)
{
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

void floe_exec_op_free(floe_exec_op *op)
{
    if (op) op->close(op);
}

uint32_t floe_exec_workers(const floe_executor *ex)
{
    return ex->nthreads;
}

int floe_exec_mem(floe_executor *ex, int64_t delta, const char *opname, floe_err *err)
{
    atomic_uint_least64_t *shared = ex->ctx->mem_shared;
    uint64_t mine, all;
    char lim[32], held[32], total[32], share[32];
    if (delta < 0) {
        atomic_fetch_sub(ex->mem, (uint64_t)-delta);
        if (shared) atomic_fetch_sub(shared, (uint64_t)-delta);
        return FLOE_OK;
    }
    mine = atomic_fetch_add(ex->mem, (uint64_t)delta) + (uint64_t)delta;
    all = shared ? atomic_fetch_add(shared, (uint64_t)delta) + (uint64_t)delta : mine;
    if (ex->ctx->query_mem_limit && mine > ex->ctx->query_mem_limit)
        return floe_err_set(err, FLOE_NOMEM, "query memory limit of %s exceeded by %s (%s held)",
                            floe_sysmem_format(ex->ctx->query_mem_limit, lim, sizeof lim), opname,
                            floe_sysmem_format(mine, held, sizeof held));
    if (all <= ex->mem_limit) return FLOE_OK;
    floe_sysmem_format(ex->ctx->mem_limit_shown ? ex->ctx->mem_limit_shown : ex->mem_limit, lim,
                       sizeof lim);
    floe_sysmem_format(mine, held, sizeof held);
    floe_sysmem_format(ex->mem_limit, share, sizeof share);
    if (shared && all != mine)
        return floe_err_set(err, FLOE_NOMEM,
                            "memory limit of %s exceeded by %s (%s held by this query, %s by all "
                            "queries; queries may hold %s)%s%s",
                            lim, opname, held, floe_sysmem_format(all, total, sizeof total),
                            share, ex->ctx->mem_hint ? "; " : "",
                            ex->ctx->mem_hint ? ex->ctx->mem_hint : "");
    return floe_err_set(err, FLOE_NOMEM,
                        "memory limit of %s exceeded by %s (%s held; queries may hold %s)%s%s",
                        lim, opname, held, share, ex->ctx->mem_hint ? "; " : "",
                        ex->ctx->mem_hint ? ex->ctx->mem_hint : "");
}

int floe_exec_check(floe_executor *ex, floe_err *err)
{
    return floe_expr_check_stop(ex->ctx->interrupt, ex->ctx->cancel, ex->ctx->deadline_ns,
                                ex->ctx->timeout_ms, err);
}

int floe_exec_eval(floe_exec_op *op, const floe_expr *e, const floe_batch *in, floe_vec *out,
                   floe_err *err)
{
    if (e->kind == FLOE_EXPR_COLUMN && e->index < in->ncols) {
        const floe_vec *src = &in->cols[e->index];
        *out = *src;
        out->flags |= FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
        out->heap = NULL;
        return FLOE_OK;
    }
    return floe_expr_eval(e, in, &op->ectx, out, err);
}

int floe_exec_filter(floe_exec_op *op, const floe_expr *e, floe_batch *in, floe_err *err)
{
    return floe_expr_filter(e, in, &op->ectx, err);
}

/* -------------------------------------------------------------------- build */

/* The one place that maps a plan node to its operator (one file each). */
int floe_exec_build(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                    floe_exec_op **out, floe_err *err)
{
    *out = NULL;
    switch (p->kind) {
    case FLOE_PLAN_SCAN: return floe_op_scan_open(ex, p, shared, out, err);
    case FLOE_PLAN_FILTER: return floe_op_filter_open(ex, p, shared, out, err);
    case FLOE_PLAN_PROJECT: return floe_op_project_open(ex, p, shared, out, err);
    case FLOE_PLAN_LIMIT: return floe_op_limit_open(ex, p, out, err);
    case FLOE_PLAN_UNION_ALL: return floe_op_union_open(ex, p, out, err);
    case FLOE_PLAN_VALUES: return floe_op_values_open(ex, p, out, err);
    case FLOE_PLAN_AGGREGATE:
    case FLOE_PLAN_DISTINCT: return floe_op_agg_open(ex, p, out, err);
    case FLOE_PLAN_SORT:
    case FLOE_PLAN_TOPN: return floe_op_sort_open(ex, p, out, err);
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN: return floe_op_join_open(ex, p, shared, out, err);
    case FLOE_PLAN_WINDOW: return floe_op_window_open(ex, p, out, err);
    case FLOE_PLAN_RECURSIVE: return floe_op_recursive_open(ex, p, out, err);
    case FLOE_PLAN_WORKTABLE: return floe_op_worktable_open(ex, p, out, err);
    case FLOE_PLAN_LATERAL: return floe_op_lateral_open(ex, p, out, err);
    case FLOE_PLAN_ASOF_JOIN: return floe_op_asof_open(ex, p, out, err);
    case FLOE_PLAN_CTE_SCAN: return floe_op_cte_open(ex, p, out, err);
    }
    return floe_err_set(err, FLOE_UNSUPPORTED, "plan node kind %d", (int)p->kind);
}

/* -------------------------------------------------------------------- drive */

/* Next node down a pipeline, or NULL when p ends one (SCAN) or breaks it. */
static const floe_plan *pipeline_child(const floe_plan *p)
{
    switch (p->kind) {
    case FLOE_PLAN_FILTER:
    case FLOE_PLAN_PROJECT: return p->children[0];
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN: return floe_op_join_probe_child(p);
    default: return NULL;
    }
}

static int is_pipeline(const floe_plan *p)
{
    const floe_plan *c;
    while ((c = pipeline_child(p)) != NULL) p = c;
    return p->kind == FLOE_PLAN_SCAN;
}

static const floe_plan *pipeline_scan(const floe_plan *p)
{
    const floe_plan *c;
    while ((c = pipeline_child(p)) != NULL) p = c;
    return p;
}

void *floe_exec_shared_build(floe_executor *ex, const floe_plan *p)
{
    uint32_t i;
    for (i = 0; i < ex->nshared; i++)
        if (ex->shared[i].node == p) return ex->shared[i].build;
    return NULL;
}

/* Prepare the builds of the joins in pipeline p (registered in ex->shared
 * from index *first on). */
static int prepare_joins(floe_executor *ex, const floe_plan *p, floe_err *err)
{
    int rc;
    for (; p != NULL; p = pipeline_child(p)) {
        struct floe_exec_shared *ns;
        void *b;
        if (p->kind != FLOE_PLAN_HASH_JOIN && p->kind != FLOE_PLAN_NL_JOIN) continue;
        rc = floe_op_join_prepare(ex, p, &b, err);
        if (rc) return rc;
        ns = floe_realloc(ex->shared, (ex->nshared + 1) * sizeof *ns);
        if (ns == NULL) {
            floe_op_join_release(b);
            return floe_err_nomem(err);
        }
        ex->shared = ns;
        ex->shared[ex->nshared].node = p;
        ex->shared[ex->nshared].build = b;
        ex->nshared++;
    }
    return FLOE_OK;
}

static void release_joins(floe_executor *ex, uint32_t keep)
{
    while (ex->nshared > keep) floe_op_join_release(ex->shared[--ex->nshared].build);
    if (ex->nshared == 0) {
        floe_free(ex->shared);
        ex->shared = NULL;
    }
}

typedef struct drive_state {
    floe_exec_op **chains;
    int (*consume)(void *, uint32_t, floe_batch *, floe_err *);
    void *arg;
    floe_err *errs;
    int *rcs;
    atomic_int stop;
} drive_state;

static void drive_worker(void *a, uint32_t w)
{
    drive_state *ds = a;
    floe_exec_op *op = ds->chains[w];
    floe_batch b;
    int rc = FLOE_OK;
    if (op == NULL) return;
    for (;;) {
        if (atomic_load(&ds->stop)) break;
        memset(&b, 0, sizeof b);
        rc = op->next(op, &b, &ds->errs[w]);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        rc = ds->consume(ds->arg, w, &b, &ds->errs[w]);
        floe_batch_free(&b);
        if (rc) break;
    }
    ds->rcs[w] = rc;
    if (rc) atomic_store(&ds->stop, 1);
}

int floe_exec_drive(floe_executor *ex, const floe_plan *child,
                    int (*consume)(void *arg, uint32_t worker, floe_batch *b, floe_err *err),
                    void *arg, floe_err *err)
{
    uint32_t nw = 1, w, nshared0 = ex->nshared;
    floe_exec_morsels *shared = NULL;
    drive_state ds;
    int rc = FLOE_OK;

    memset(&ds, 0, sizeof ds);
    if (ex->nthreads > 1 && is_pipeline(child)) {
        const floe_plan *scan = pipeline_scan(child);
        if (scan->u.scan.table >= ex->ctx->ntables)
            return floe_err_set(err, FLOE_MISUSE, "scan of table %u: only %u tables supplied",
                                scan->u.scan.table, ex->ctx->ntables);
        if (ex->pool == NULL) {
            rc = floe_pool_new(ex->nthreads, &ex->pool, err);
            if (rc) return rc;
        }
        rc = prepare_joins(ex, child, err);
        if (rc) {
            release_joins(ex, nshared0);
            return rc;
        }
        rc = floe_op_scan_morsels_new(&ex->ctx->tables[scan->u.scan.table], &shared, err);
        if (rc) {
            release_joins(ex, nshared0);
            return rc;
        }
        nw = ex->nthreads;
    }
    ds.chains = floe_calloc(nw, sizeof *ds.chains);
    ds.errs = floe_calloc(nw, sizeof *ds.errs);
    ds.rcs = floe_calloc(nw, sizeof *ds.rcs);
    if (!ds.chains || !ds.errs || !ds.rcs) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (w = 0; w < nw; w++) {
        floe_err_clear(&ds.errs[w]);
        rc = floe_exec_build(ex, child, shared, &ds.chains[w], err);
        if (rc) goto out;
    }
    ds.consume = consume;
    ds.arg = arg;
    atomic_init(&ds.stop, 0);
    if (nw > 1)
        floe_pool_run(ex->pool, drive_worker, &ds);
    else
        drive_worker(&ds, 0);
    for (w = 0; w < nw; w++) {
        if (ds.rcs[w] && ds.rcs[w] != FLOE_INTERRUPT) {
            rc = ds.rcs[w];
            *err = ds.errs[w];
            break;
        }
        if (ds.rcs[w] && rc == FLOE_OK) {
            rc = ds.rcs[w];
            *err = ds.errs[w];
        }
    }
out:
    if (ds.chains)
        for (w = 0; w < nw; w++) floe_exec_op_free(ds.chains[w]);
    floe_free(ds.chains);
    floe_free(ds.errs);
    floe_free(ds.rcs);
    floe_op_scan_morsels_free(shared);
    release_joins(ex, nshared0);
    return rc;
}

/* --------------------------------------------------------------- emit rows */

int floe_exec_emit_rows(const floe_exec_rows *rows, const uint64_t *idx, uint64_t n,
                        uint64_t *pos, floe_batch *out, floe_err *err)
{
    uint32_t cnt;
    int rc;
    if (*pos >= n) return FLOE_DONE;
    cnt = (uint32_t)(n - *pos < FLOE_VEC_SIZE ? n - *pos : FLOE_VEC_SIZE);
    rc = floe_batch_init(out, rows->ncols, rows->types, cnt);
    if (rc) return floe_err_nomem(err);
    rc = floe_exec_rows_gather(rows, 0, rows->ncols, idx ? idx + *pos : NULL, *pos, cnt, out->cols,
                               0);
    if (rc) {
        floe_batch_free(out);
        return floe_err_nomem(err);
    }
    for (uint32_t c = 0; c < rows->ncols; c++) out->cols[c].n = cnt;
    out->n = cnt;
    *pos += cnt;
    return FLOE_ROW;
}

/* ------------------------------------------------------------ result gather */

/* A root pipeline on several workers: each worker appends its output to its
 * own result buffer (thread-local, no locking); the buffers are then emitted
 * one after the other. Row order across workers is unspecified, as it is for
 * any query without ORDER BY. */
typedef struct gather_op {
    floe_exec_op base;
    const floe_plan *child;
    uint32_t nw;
    floe_exec_rows *bufs;
    uint64_t *reported;  /* bytes reported per worker */
    int done;
    uint32_t cur;        /* buffer being emitted */
    uint64_t pos;        /* next row in it */
} gather_op;

static int gather_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    gather_op *g = arg;
    uint64_t bytes;
    int rc = floe_exec_check(g->base.ex, err);
    if (rc) return rc;
    rc = floe_exec_rows_append(&g->bufs[w], b->cols, b->n, b->sel, b->nsel, err);
    if (rc) return rc;
    bytes = floe_exec_rows_bytes(&g->bufs[w]);
    rc = floe_exec_mem(g->base.ex, (int64_t)bytes - (int64_t)g->reported[w], "RESULT", err);
    g->reported[w] = bytes;
    return rc;
}

static int gather_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    gather_op *g = (gather_op *)op;
    int rc;
    if (!g->done) {
        uint32_t w;
        g->done = 1;
        g->bufs = floe_calloc(g->nw, sizeof *g->bufs);
        g->reported = floe_calloc(g->nw, sizeof *g->reported);
        if (g->bufs == NULL || g->reported == NULL) return floe_err_nomem(err);
        for (w = 0; w < g->nw; w++) {
            rc = floe_exec_rows_init(&g->bufs[w], g->child->ncols, g->child->types, err);
            if (rc) return rc;
        }
        rc = floe_exec_drive(op->ex, g->child, gather_consume, g, err);
        if (rc) return rc;
    }
    if (g->bufs == NULL) return FLOE_DONE;
    while (g->cur < g->nw) {
        rc = floe_exec_emit_rows(&g->bufs[g->cur], NULL, g->bufs[g->cur].n, &g->pos, out, err);
        if (rc != FLOE_DONE) return rc;
        g->cur++;
        g->pos = 0;
    }
    return FLOE_DONE;
}

static void gather_close(floe_exec_op *op)
{
    gather_op *g = (gather_op *)op;
    uint32_t w;
    if (g->bufs) {
        for (w = 0; w < g->nw; w++) {
            if (g->reported && g->reported[w])
                (void)floe_exec_mem(op->ex, -(int64_t)g->reported[w], "RESULT", NULL);
            floe_exec_rows_free(&g->bufs[w]);
        }
    }
    floe_free(g->bufs);
    floe_free(g->reported);
    op_base_free(op);
}

static int gather_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    gather_op *g = floe_calloc(1, sizeof *g);
    if (g == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&g->base, ex, p);
    g->base.next = gather_next;
    g->base.close = gather_close;
    g->child = p;
    g->nw = floe_exec_workers(ex);
    *out = &g->base;
    return FLOE_OK;
}

/* ------------------------------------------------------------ executor API */

struct floe_exec_subq {
    struct floe_exec_subq *next;
    const floe_plan *plan;
    floe_vec result; /* owned deep copy */
};

/* A materialized CTE (FLOE_PLAN_CTE_SCAN's def), computed once per executor. */
struct floe_exec_cte {
    struct floe_exec_cte *next;
    const floe_plan *def;
    floe_exec_rows rows;
    bool rows_init;
    bool ready; /* rows complete (else a thread is computing them) */
    uint64_t bytes; /* accounted with floe_exec_mem on the root executor */
};

/* Give back the bytes of the materialized CTEs (before the close's check
 * that every operator gave back what it accounted). */
static void cte_cache_release(floe_executor *ex)
{
    struct floe_exec_cte *t;
    for (t = ex->cte_cache; t; t = t->next)
        if (t->bytes) {
            floe_exec_mem(ex, -(int64_t)t->bytes, "CTE", NULL);
            t->bytes = 0;
        }
}

static void subq_cache_free(floe_executor *ex)
{
    struct floe_exec_subq *c, *next;
    struct floe_exec_cte *t, *tnext;
    for (c = ex->subq_cache; c; c = next) {
        next = c->next;
        floe_vec_free(&c->result);
        floe_free(c);
    }
    ex->subq_cache = NULL;
    for (t = ex->cte_cache; t; t = tnext) {
        tnext = t->next;
        if (t->rows_init) floe_exec_rows_free(&t->rows);
        floe_free(t);
    }
    ex->cte_cache = NULL;
    pthread_cond_destroy(&ex->cte_cv);
    pthread_mutex_destroy(&ex->cte_mu);
    pthread_mutex_destroy(&ex->subq_mu);
}

static void executor_init(floe_executor *ex, const floe_query_plan *qp, const floe_exec_ctx *ctx)
{
    memset(ex, 0, sizeof *ex);
    pthread_mutex_init(&ex->subq_mu, NULL);
    pthread_mutex_init(&ex->cte_mu, NULL);
    pthread_cond_init(&ex->cte_cv, NULL);
    ex->qp = qp;
    ex->ctx = ctx;
    ex->nthreads = ctx->nthreads ? ctx->nthreads : floe_pool_default_threads();
    atomic_init(&ex->mem_own, 0);
    ex->mem = &ex->mem_own;
    ex->mem_limit = ctx->mem_limit ? ctx->mem_limit : EXEC_DEFAULT_MEM_LIMIT;
}

int floe_exec_open(const floe_query_plan *qp, const floe_exec_ctx *ctx, floe_executor **out,
                   floe_err *err)
{
    floe_executor *ex;
    int rc;
    *out = NULL;
    if (qp == NULL || qp->root == NULL || ctx == NULL)
        return floe_err_set(err, FLOE_MISUSE, "floe_exec_open: no plan or context");
    ex = floe_malloc(sizeof *ex);
    if (ex == NULL) return floe_err_nomem(err);
    executor_init(ex, qp, ctx);
    if (ex->nthreads > 1 && is_pipeline(qp->root) && qp->root->kind != FLOE_PLAN_SCAN)
        rc = gather_open(ex, qp->root, &ex->root, err); /* the root pipeline runs on all workers */
    else
        rc = floe_exec_build(ex, qp->root, NULL, &ex->root, err);
    if (rc) {
        subq_cache_free(ex);
        floe_free(ex);
        return rc;
    }
    *out = ex;
    return FLOE_OK;
}

/* Make a result batch self-contained: no selection, owned vectors, strings
 * copied into each vector's own heap. */
static int own_batch(floe_batch *b, floe_err *err)
{
    uint32_t c, i;
    /* own every vector before compacting: a vector may alias another one */
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        v->n = b->n;
        if (v->flags & (FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY | FLOE_VEC_CONST)) {
            if (floe_vec_make_owned(v, b->n ? b->n : 1) != FLOE_OK) return floe_err_nomem(err);
        }
    }
    if (floe_batch_compact(b) != FLOE_OK) return floe_err_nomem(err);
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        if (v->type.id == FLOE_TYPE_VARCHAR) {
            floe_arena *old = v->heap;
            floe_string *s = v->data;
            v->heap = NULL;
            for (i = 0; i < b->n; i++) {
                if (!floe_vec_is_valid(v, i)) {
                    s[i].ptr = "";
                    s[i].len = 0;
                    continue;
                }
                if (floe_vec_set_string(v, i, s[i].ptr, s[i].len) != FLOE_OK) {
                    floe_arena_free(old);
                    return floe_err_nomem(err);
                }
            }
            floe_arena_free(old);
        }
    }
    return FLOE_OK;
}

int floe_exec_next(floe_executor *ex, floe_batch *out, floe_err *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    rc = floe_exec_check(ex, err);
    if (rc) return rc;
    rc = ex->root->next(ex->root, out, err);
    if (rc != FLOE_ROW) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = own_batch(out, err);
    if (rc) {
        floe_batch_free(out);
        return rc;
    }
    return FLOE_ROW;
}

void floe_exec_close(floe_executor *ex)
{
    if (ex == NULL) return;
    floe_exec_op_free(ex->root);
    cte_cache_release(ex);
    /* every operator gave back the bytes it accounted */
    assert(atomic_load(&ex->mem_own) == 0);
    floe_pool_free(ex->pool);
    subq_cache_free(ex);
    floe_free(ex);
}

/* ---------------------------------------------------------------- subquery */

/* Run `plan` with params on nthreads workers and collect its first column
 * (a BOOLEAN TRUE per row when it has no columns) into *out. */
static int run_plan(floe_executor *parent, const struct floe_plan *plan, const floe_value *params,
                    uint32_t nparams, uint32_t nthreads, floe_vec *out, floe_err *err)
{
    floe_executor sub;
    floe_exec_op *root = NULL;
    floe_exec_rows rows;
    floe_type t = plan->ncols ? plan->types[0] : floe_type_make(FLOE_TYPE_BOOLEAN);
    floe_batch b;
    int rc;

    memset(out, 0, sizeof *out);
    executor_init(&sub, parent->qp, parent->ctx);
    sub.cte_root = parent->cte_root ? parent->cte_root : parent;
    sub.nthreads = nthreads;
    sub.mem = parent->mem;
    sub.mem_limit = parent->mem_limit;
    sub.params = params;
    sub.nparams = nparams;
    rc = floe_exec_rows_init(&rows, 1, &t, err);
    if (rc) {
        subq_cache_free(&sub);
        return rc;
    }
    rc = floe_exec_build(&sub, plan, NULL, &root, err);
    while (rc == FLOE_OK) {
        memset(&b, 0, sizeof b);
        rc = root->next(root, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        if (plan->ncols) {
            rc = floe_exec_rows_append(&rows, &b.cols[0], b.n, b.sel, b.nsel, err);
        } else {
            floe_vec one;
            uint8_t t1 = 1;
            uint32_t live = floe_batch_rows(&b), k;
            floe_vec_borrow(&one, t, &t1, NULL, 1);
            one.flags |= FLOE_VEC_CONST;
            for (k = 0; k < live && rc == FLOE_OK; k++)
                rc = floe_exec_rows_append(&rows, &one, 1, NULL, 0, err);
        }
        floe_batch_free(&b);
    }
    floe_exec_op_free(root);
    floe_pool_free(sub.pool);
    subq_cache_free(&sub);
    if (rc == FLOE_OK) {
        uint32_t n = (uint32_t)rows.n;
        rc = floe_vec_init(out, t, n ? n : 1);
        if (rc == FLOE_OK) rc = floe_exec_rows_gather(&rows, 0, 1, NULL, 0, n, out, 0);
        if (rc == FLOE_OK && t.id == FLOE_TYPE_VARCHAR) {
            /* the strings must outlive `rows`: copy them into out's heap */
            floe_string *s = out->data;
            uint32_t i;
            for (i = 0; i < n && rc == FLOE_OK; i++)
                if (floe_vec_is_valid(out, i)) rc = floe_vec_set_string(out, i, s[i].ptr, s[i].len);
        }
        if (rc) {
            floe_vec_free(out);
            rc = floe_err_nomem(err);
        } else {
            out->n = n;
        }
    }
    floe_exec_rows_free(&rows);
    return rc;
}

/* Run a sub-executor's built root (rc: the build's status) to its end into
 * rows, then free the operators, the pool and the subquery cache of sub. */
static int drain_sub(floe_executor *sub, int rc, floe_exec_op *root, floe_exec_rows *rows,
                     floe_err *err)
{
    floe_batch b;
    while (rc == FLOE_OK) {
        memset(&b, 0, sizeof b);
        rc = root->next(root, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        rc = floe_exec_rows_append(rows, b.cols, b.n, b.sel, b.nsel, err);
        floe_batch_free(&b);
    }
    floe_exec_op_free(root);
    floe_pool_free(sub->pool);
    subq_cache_free(sub);
    return rc;
}

int floe_exec_run_rows(floe_executor *parent, const floe_plan *plan, const floe_value *params,
                       uint32_t nparams, struct floe_exec_rows *out, floe_err *err)
{
    floe_executor sub;
    floe_exec_op *root = NULL;
    int rc;
    executor_init(&sub, parent->qp, parent->ctx);
    sub.nthreads = 1;
    sub.mem = parent->mem;
    sub.mem_limit = parent->mem_limit;
    sub.params = params;
    sub.nparams = nparams;
    sub.wt = parent->wt;
    rc = floe_exec_build(&sub, plan, NULL, &root, err);
    return drain_sub(&sub, rc, root, out, err);
}

/* Deep copy of a plain vector (data, validity, strings). FLOE_NOMEM. */
static int vec_copy(const floe_vec *src, floe_vec *dst)
{
    uint32_t i, n = src->n;
    size_t w = floe_type_size(src->type);
    if (floe_vec_init(dst, src->type, n ? n : 1) != FLOE_OK) return FLOE_NOMEM;
    if (n) memcpy(dst->data, src->data, (size_t)n * w);
    dst->n = n;
    for (i = 0; i < n; i++) {
        if (!floe_vec_is_valid(src, i)) {
            if (floe_vec_set_null(dst, i) != FLOE_OK) goto nomem;
        } else if (src->type.id == FLOE_TYPE_VARCHAR) {
            floe_string s = ((const floe_string *)src->data)[i];
            if (floe_vec_set_string(dst, i, s.ptr, s.len) != FLOE_OK) goto nomem;
        }
    }
    return FLOE_OK;
nomem:
    floe_vec_free(dst);
    return FLOE_NOMEM;
}

/* floe_subq_run_fn. Correlated subqueries run single-threaded per parameter
 * tuple (the evaluator caches them per tuple). Uncorrelated ones run once
 * per query on all workers and are cached here, so the workers of a parallel
 * pipeline do not each compute them. */
static int subq_run(void *self, const struct floe_plan *plan, const floe_value *params,
                    uint32_t nparams, floe_vec *out, floe_err *err)
{
    floe_executor *ex = self;
    struct floe_exec_subq *c;
    int rc;
    if (nparams > 0) return run_plan(ex, plan, params, nparams, 1, out, err);
    pthread_mutex_lock(&ex->subq_mu);
    for (c = ex->subq_cache; c; c = c->next)
        if (c->plan == plan) break;
    if (c) {
        rc = vec_copy(&c->result, out) == FLOE_OK ? FLOE_OK : floe_err_nomem(err);
        pthread_mutex_unlock(&ex->subq_mu);
        return rc;
    }
    rc = run_plan(ex, plan, NULL, 0, ex->nthreads, out, err);
    if (rc == FLOE_OK) {
        c = floe_calloc(1, sizeof *c);
        if (c == NULL || vec_copy(out, &c->result) != FLOE_OK) {
            floe_free(c);
            floe_vec_free(out);
            rc = floe_err_nomem(err);
        } else {
            c->plan = plan;
            c->next = ex->subq_cache;
            ex->subq_cache = c;
        }
    }
    pthread_mutex_unlock(&ex->subq_mu);
    return rc;
}

/* Run `plan` on a sub-executor of nthreads workers into rows (all columns). */
static int run_rows(floe_executor *parent, const floe_plan *plan, floe_exec_rows *rows, floe_err *err)
{
    floe_executor sub;
    floe_exec_op *root = NULL;
    int rc;
    executor_init(&sub, parent->qp, parent->ctx);
    sub.cte_root = parent->cte_root ? parent->cte_root : parent;
    sub.nthreads = parent->nthreads;
    sub.mem = parent->mem;
    sub.mem_limit = parent->mem_limit;
    sub.params = parent->params;
    sub.nparams = parent->nparams;
    if (sub.nthreads > 1 && is_pipeline(plan) && plan->kind != FLOE_PLAN_SCAN)
        rc = gather_open(&sub, plan, &root, err);
    else
        rc = floe_exec_build(&sub, plan, NULL, &root, err);
    return drain_sub(&sub, rc, root, rows, err);
}

int floe_exec_cte_rows(floe_executor *ex, const floe_plan *def, const floe_exec_rows **out,
                       floe_err *err)
{
    floe_executor *root = ex->cte_root ? ex->cte_root : ex;
    struct floe_exec_cte *t, **pp;
    int rc;
    *out = NULL;
    pthread_mutex_lock(&root->cte_mu);
    for (;;) {
        for (t = root->cte_cache; t; t = t->next)
            if (t->def == def) break;
        if (t == NULL || t->ready) break;
        pthread_cond_wait(&root->cte_cv, &root->cte_mu); /* another thread computes it */
    }
    if (t) {
        pthread_mutex_unlock(&root->cte_mu);
        *out = &t->rows;
        return FLOE_OK;
    }
    /* claim it, compute it without the lock (it may read other CTEs) */
    t = floe_calloc(1, sizeof *t);
    if (t == NULL) {
        pthread_mutex_unlock(&root->cte_mu);
        return floe_err_nomem(err);
    }
    t->def = def;
    t->next = root->cte_cache;
    root->cte_cache = t;
    pthread_mutex_unlock(&root->cte_mu);
    rc = floe_exec_rows_init(&t->rows, def->ncols, def->types, err);
    if (rc == FLOE_OK) {
        uint64_t bytes;
        t->rows_init = true;
        rc = run_rows(ex, def, &t->rows, err);
        bytes = floe_exec_rows_bytes(&t->rows);
        if (rc == FLOE_OK && (rc = floe_exec_mem(root, (int64_t)bytes, "CTE", err)) != FLOE_OK)
            floe_exec_mem(root, -(int64_t)bytes, "CTE", NULL);
        else if (rc == FLOE_OK)
            t->bytes = bytes;
    }
    pthread_mutex_lock(&root->cte_mu);
    if (rc == FLOE_OK) {
        t->ready = true;
        *out = &t->rows;
    } else { /* unclaim it: a waiter computes it again (and meets the same error) */
        for (pp = &root->cte_cache; *pp != t; pp = &(*pp)->next) {}
        *pp = t->next;
        if (t->rows_init) floe_exec_rows_free(&t->rows);
        floe_free(t);
    }
    pthread_cond_broadcast(&root->cte_cv);
    pthread_mutex_unlock(&root->cte_mu);
    return rc;
}
