/* engine/exec.c: the executor: open/next/close, pipeline driving, and the
 * streaming operators SCAN, FILTER, PROJECT, LIMIT, UNION_ALL and VALUES.
 *
 * Blocking operators live in op_agg.c (AGGREGATE, DISTINCT), op_sort.c (SORT,
 * TOPN) and op_join.c (HASH_JOIN, NL_JOIN). See exec.h for the operator
 * protocol and plan.h for the semantics of every node.
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
    if (ex->ctx->interrupt && atomic_load(ex->ctx->interrupt))
        return floe_err_set(err, FLOE_INTERRUPT, "interrupted");
    return FLOE_OK;
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

/* ------------------------------------------------------------------ morsels */

static void morsels_free(floe_exec_morsels *m)
{
    if (m == NULL) return;
    floe_free(m->src_of);
    floe_free(m->morsel_of);
    floe_free(m);
}

static int morsels_new(const floe_table_scan *t, floe_exec_morsels **out, floe_err *err)
{
    floe_exec_morsels *m = floe_calloc(1, sizeof *m);
    uint32_t s, i, k = 0, total = 0;
    *out = NULL;
    if (m == NULL) return floe_err_nomem(err);
    m->table = t;
    for (s = 0; s < t->nsources; s++) total += t->sources[s].vt->nmorsels(t->sources[s].self);
    m->src_of = floe_malloc((total ? total : 1) * sizeof *m->src_of);
    m->morsel_of = floe_malloc((total ? total : 1) * sizeof *m->morsel_of);
    if (m->src_of == NULL || m->morsel_of == NULL) {
        morsels_free(m);
        return floe_err_nomem(err);
    }
    for (s = 0; s < t->nsources; s++) {
        uint32_t nm = t->sources[s].vt->nmorsels(t->sources[s].self);
        for (i = 0; i < nm; i++, k++) {
            m->src_of[k] = s;
            m->morsel_of[k] = i;
        }
    }
    m->total = total;
    atomic_init(&m->next, 0);
    *out = m;
    return FLOE_OK;
}

/* --------------------------------------------------------------------- SCAN */

typedef struct scan_op {
    floe_exec_op base;
    floe_exec_morsels *m;
    int own_m;
    const floe_scan_source *src; /* of the open cursor */
    floe_scan_cursor *cursor;
    int dyn_done;                /* dynamic predicates computed */
    floe_scan_pred *preds;       /* plan's predicates + dynamic ones (owned), or NULL */
    uint32_t npreds;
} scan_op;

/* An expression without column, parameter or correlated subquery references
 * (every function is deterministic): its value is one per query. */
static int expr_is_query_const(const floe_expr *e)
{
    uint32_t i;
    switch (e->kind) {
    case FLOE_EXPR_CONST:
    case FLOE_EXPR_CALL:
    case FLOE_EXPR_CAST: break;
    case FLOE_EXPR_SUBQUERY:
        if (e->correlated || e->subq_kind != FLOE_SUBQ_SCALAR) return 0;
        break;
    default: return 0;
    }
    for (i = 0; i < e->nargs; i++)
        if (!expr_is_query_const(e->args[i])) return 0;
    return 1;
}

/* Conjunct `column <cmp> query-constant` (a scalar subquery, an unfolded
 * expression) of the scan filter as a predicate hint, its value computed
 * now; false when it is not one or its value is unusable (NULL, VARCHAR,
 * an error the filter will report itself). */
static bool dyn_pred_of(scan_op *s, const floe_expr *e, floe_scan_pred *out)
{
    static const floe_pred_op ops[] = {FLOE_PRED_EQ, FLOE_PRED_NE, FLOE_PRED_LT,
                                       FLOE_PRED_LE, FLOE_PRED_GT, FLOE_PRED_GE};
    static const floe_pred_op flip[] = {FLOE_PRED_EQ, FLOE_PRED_NE, FLOE_PRED_GT,
                                        FLOE_PRED_GE, FLOE_PRED_LT, FLOE_PRED_LE};
    const floe_plan *p = s->base.plan;
    const floe_expr *col, *k;
    floe_batch one;
    floe_vec v;
    floe_err err = FLOE_ERR_INIT;
    bool flipped = false, ok;
    if (e->kind != FLOE_EXPR_CALL || e->fn < FLOE_FN_EQ || e->fn > FLOE_FN_GE || e->nargs != 2)
        return false;
    col = e->args[0];
    k = e->args[1];
    if (col->kind != FLOE_EXPR_COLUMN) {
        col = e->args[1];
        k = e->args[0];
        flipped = true;
    }
    if (col->kind != FLOE_EXPR_COLUMN || col->index >= p->ncols || k->kind == FLOE_EXPR_CONST ||
        !expr_is_query_const(k) || !floe_type_eq(col->type, k->type) ||
        k->type.id == FLOE_TYPE_VARCHAR || k->type.id == FLOE_TYPE_INTERVAL)
        return false;
    memset(&one, 0, sizeof one);
    one.n = 1;
    if (floe_exec_eval(&s->base, k, &one, &v, &err) != FLOE_OK) return false;
    ok = floe_vec_is_valid(&v, 0);
    if (ok) {
        floe_value_load(v.type, v.data, 0, &out->value);
        out->value.is_null = false;
        out->col = p->u.scan.cols[col->index];
        out->op = flipped ? flip[e->fn - FLOE_FN_EQ] : ops[e->fn - FLOE_FN_EQ];
    }
    floe_vec_free(&v);
    return ok;
}

/* Add the filter's dynamic predicates to the plan's (once per scan op). */
static int scan_dyn_preds(scan_op *s, floe_err *err)
{
    const floe_plan *p = s->base.plan;
    const floe_expr *f = p->u.scan.filter;
    const floe_expr *const *conj = &f;
    uint32_t nconj = 1, i;
    s->dyn_done = 1;
    if (f == NULL) return FLOE_OK;
    if (f->kind == FLOE_EXPR_AND) {
        conj = (const floe_expr *const *)f->args;
        nconj = f->nargs;
    }
    for (i = 0; i < nconj; i++) {
        floe_scan_pred pr;
        if (!dyn_pred_of(s, conj[i], &pr)) continue;
        if (s->preds == NULL) {
            s->preds = floe_malloc((p->u.scan.npreds + nconj) * sizeof *s->preds);
            if (s->preds == NULL) return floe_err_nomem(err);
            if (p->u.scan.npreds)
                memcpy(s->preds, p->u.scan.preds, p->u.scan.npreds * sizeof *s->preds);
            s->npreds = p->u.scan.npreds;
        }
        s->preds[s->npreds++] = pr;
    }
    return FLOE_OK;
}

static int scan_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    scan_op *s = (scan_op *)op;
    const floe_plan *p = op->plan;
    int rc;
    for (;;) {
        if (s->cursor == NULL) {
            uint32_t idx, np;
            const floe_scan_source *src;
            const floe_scan_pred *preds;
            uint32_t mm;
            rc = floe_exec_check(op->ex, err);
            if (rc) return rc;
            idx = atomic_fetch_add(&s->m->next, 1);
            if (idx >= s->m->total) return FLOE_DONE;
            if (!s->dyn_done && (rc = scan_dyn_preds(s, err)) != FLOE_OK) return rc;
            preds = s->preds ? s->preds : p->u.scan.preds;
            np = s->preds ? s->npreds : p->u.scan.npreds;
            src = &s->m->table->sources[s->m->src_of[idx]];
            mm = s->m->morsel_of[idx];
            if (np && src->vt->morsel_may_match &&
                !src->vt->morsel_may_match(src->self, mm, preds, np))
                continue;
            rc = src->vt->open(src->self, mm, p->u.scan.cols, p->ncols, preds, np, &s->cursor,
                               err);
            if (rc) return rc;
            s->src = src;
        }
        memset(out, 0, sizeof *out);
        rc = s->src->vt->next(s->cursor, out, err);
        if (rc == FLOE_DONE) {
            floe_batch_free(out);
            s->src->vt->close(s->cursor);
            s->cursor = NULL;
            continue;
        }
        if (rc != FLOE_ROW) {
            floe_batch_free(out);
            return rc;
        }
        if (p->u.scan.filter && floe_batch_rows(out) > 0) {
            /* a batch the source filtered exactly needs only the conjuncts
             * that were not predicates */
            const floe_expr *f = (out->flags & FLOE_BATCH_EXACT) && p->u.scan.residual_known
                                     ? p->u.scan.residual
                                     : p->u.scan.filter;
            out->flags &= ~(uint32_t)FLOE_BATCH_EXACT;
            rc = f ? floe_exec_filter(op, f, out, err) : FLOE_OK;
            if (rc) {
                floe_batch_free(out);
                return rc;
            }
        }
        if (floe_batch_rows(out) == 0) {
            floe_batch_free(out);
            continue;
        }
        return FLOE_ROW;
    }
}

static void scan_close(floe_exec_op *op)
{
    scan_op *s = (scan_op *)op;
    if (s->cursor) s->src->vt->close(s->cursor);
    if (s->own_m) morsels_free(s->m);
    floe_free(s->preds);
    op_base_free(op);
}

static int scan_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                     floe_exec_op **out, floe_err *err)
{
    scan_op *s;
    int rc;
    if (p->u.scan.table >= ex->ctx->ntables)
        return floe_err_set(err, FLOE_MISUSE, "scan of table %u: only %u tables supplied",
                            p->u.scan.table, ex->ctx->ntables);
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&s->base, ex, p);
    s->base.next = scan_next;
    s->base.close = scan_close;
    if (shared) {
        s->m = shared;
    } else {
        rc = morsels_new(&ex->ctx->tables[p->u.scan.table], &s->m, err);
        if (rc) {
            floe_free(s);
            return rc;
        }
        s->own_m = 1;
    }
    *out = &s->base;
    return FLOE_OK;
}

/* ------------------------------------------------------------ FILTER/PROJECT */

typedef struct unary_op {
    floe_exec_op base;
    floe_exec_op *child;
} unary_op;

static void unary_close(floe_exec_op *op)
{
    unary_op *u = (unary_op *)op;
    floe_exec_op_free(u->child);
    op_base_free(op);
}

static int filter_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    unary_op *u = (unary_op *)op;
    int rc;
    for (;;) {
        rc = u->child->next(u->child, out, err);
        if (rc != FLOE_ROW) return rc;
        rc = floe_exec_filter(op, op->plan->u.filter.pred, out, err);
        if (rc) {
            floe_batch_free(out);
            return rc;
        }
        if (floe_batch_rows(out) > 0) return FLOE_ROW;
        floe_batch_free(out);
    }
}

static int project_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    unary_op *u = (unary_op *)op;
    const floe_plan *p = op->plan;
    floe_batch in;
    uint32_t c, *moved_to;
    int rc;
    memset(&in, 0, sizeof in);
    rc = u->child->next(u->child, &in, err);
    if (rc != FLOE_ROW) return rc;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(p->ncols ? p->ncols : 1, sizeof *out->cols);
    moved_to = floe_malloc((in.ncols ? in.ncols : 1) * sizeof *moved_to);
    if (out->cols == NULL || moved_to == NULL) {
        floe_free(moved_to);
        floe_batch_free(out);
        floe_batch_free(&in);
        return floe_err_nomem(err);
    }
    out->ncols = p->ncols;
    out->n = in.n;
    /* computed columns first, while every input vector is still in place */
    for (c = 0; c < p->ncols; c++) {
        const floe_expr *e = p->u.project.exprs[c];
        if (e->kind == FLOE_EXPR_COLUMN && e->index < in.ncols) continue;
        rc = floe_exec_eval(op, e, &in, &out->cols[c], err);
        if (rc) {
            floe_free(moved_to);
            floe_batch_free(out);
            floe_batch_free(&in);
            return rc;
        }
    }
    /* then column references: move an input vector the first time, borrow
     * from the moved one afterwards (both live in `out`) */
    for (c = 0; c < in.ncols; c++) moved_to[c] = UINT32_MAX;
    for (c = 0; c < p->ncols; c++) {
        const floe_expr *e = p->u.project.exprs[c];
        if (!(e->kind == FLOE_EXPR_COLUMN && e->index < in.ncols)) continue;
        if (moved_to[e->index] != UINT32_MAX) {
            out->cols[c] = out->cols[moved_to[e->index]];
            out->cols[c].flags |= FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
            out->cols[c].heap = NULL;
        } else {
            out->cols[c] = in.cols[e->index];
            memset(&in.cols[e->index], 0, sizeof in.cols[e->index]);
            moved_to[e->index] = c;
        }
    }
    floe_free(moved_to);
    if (in.sel) {
        out->sel = in.sel;
        out->nsel = in.nsel;
        in.sel = NULL;
    }
    floe_batch_free(&in);
    return FLOE_ROW;
}

/* -------------------------------------------------------------------- LIMIT */

typedef struct limit_op {
    floe_exec_op base;
    floe_exec_op *child;
    int64_t skip;  /* rows still to skip */
    int64_t left;  /* rows still to emit; -1 unlimited */
} limit_op;

static int limit_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    limit_op *l = (limit_op *)op;
    int rc;
    for (;;) {
        uint32_t live, from, to, k, *sel;
        if (l->left == 0) return FLOE_DONE;
        rc = l->child->next(l->child, out, err);
        if (rc != FLOE_ROW) return rc;
        live = floe_batch_rows(out);
        if (l->skip >= live) {
            l->skip -= live;
            floe_batch_free(out);
            continue;
        }
        from = (uint32_t)l->skip;
        l->skip = 0;
        to = live;
        if (l->left >= 0 && (int64_t)(to - from) > l->left) to = from + (uint32_t)l->left;
        if (l->left > 0) l->left -= to - from;
        if (from == 0 && to == live) return FLOE_ROW;
        sel = floe_malloc((to - from) * sizeof *sel);
        if (sel == NULL) {
            floe_batch_free(out);
            return floe_err_nomem(err);
        }
        for (k = from; k < to; k++) sel[k - from] = out->sel ? out->sel[k] : k;
        floe_free(out->sel);
        out->sel = sel;
        out->nsel = to - from;
        return FLOE_ROW;
    }
}

/* ---------------------------------------------------------------- UNION_ALL */

typedef struct union_op {
    floe_exec_op base;
    uint32_t i;          /* current child */
    floe_exec_op *child; /* open child i, or NULL */
} union_op;

static int union_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    union_op *u = (union_op *)op;
    int rc;
    while (u->i < op->plan->nchildren) {
        if (u->child == NULL) {
            rc = floe_exec_build(op->ex, op->plan->children[u->i], NULL, &u->child, err);
            if (rc) return rc;
        }
        rc = u->child->next(u->child, out, err);
        if (rc != FLOE_DONE) return rc;
        floe_exec_op_free(u->child);
        u->child = NULL;
        u->i++;
    }
    return FLOE_DONE;
}

static void union_close(floe_exec_op *op)
{
    floe_exec_op_free(((union_op *)op)->child);
    op_base_free(op);
}

/* ------------------------------------------------------------------- VALUES */

typedef struct values_op {
    floe_exec_op base;
    uint32_t row;         /* next row to emit */
    floe_arena *arena;    /* folded VARCHAR constants */
} values_op;

static int values_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    values_op *v = (values_op *)op;
    const floe_plan *p = op->plan;
    uint32_t n, r, c;
    int rc;
    if (v->row >= p->u.values.nrows) return FLOE_DONE;
    n = p->u.values.nrows - v->row;
    if (n > FLOE_VEC_SIZE) n = FLOE_VEC_SIZE;
    rc = floe_batch_init(out, p->ncols, p->types, n);
    if (rc) return floe_err_nomem(err);
    for (r = 0; r < n; r++) {
        for (c = 0; c < p->ncols; c++) {
            const floe_expr *e = p->u.values.cells[(size_t)(v->row + r) * p->ncols + c];
            floe_value val;
            floe_vec *col = &out->cols[c];
            if (e->kind == FLOE_EXPR_CONST) {
                val = e->value;
            } else {
                rc = floe_expr_eval_const(e, &op->ectx, v->arena, &val, err);
                if (rc) goto fail;
            }
            if (val.is_null || val.type.id == FLOE_TYPE_NULL) {
                rc = floe_vec_set_null(col, r);
            } else if (col->type.id == FLOE_TYPE_VARCHAR) {
                rc = floe_vec_set_string(col, r, val.v.s.ptr, val.v.s.len);
            } else {
                val.type = col->type;
                floe_value_store(&val, col->data, r);
                rc = FLOE_OK;
            }
            if (rc) {
                rc = floe_err_nomem(err);
                goto fail;
            }
        }
    }
    for (c = 0; c < p->ncols; c++) out->cols[c].n = n;
    out->n = n;
    v->row += n;
    return FLOE_ROW;
fail:
    floe_batch_free(out);
    return rc;
}

static void values_close(floe_exec_op *op)
{
    floe_arena_free(((values_op *)op)->arena);
    op_base_free(op);
}

/* -------------------------------------------------------------------- build */

int floe_exec_build(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
                    floe_exec_op **out, floe_err *err)
{
    int rc;
    *out = NULL;
    switch (p->kind) {
    case FLOE_PLAN_SCAN: return scan_open(ex, p, shared, out, err);
    case FLOE_PLAN_FILTER:
    case FLOE_PLAN_PROJECT: {
        unary_op *u = floe_calloc(1, sizeof *u);
        if (u == NULL) return floe_err_nomem(err);
        floe_exec_op_init(&u->base, ex, p);
        u->base.next = p->kind == FLOE_PLAN_FILTER ? filter_next : project_next;
        u->base.close = unary_close;
        rc = floe_exec_build(ex, p->children[0], shared, &u->child, err);
        if (rc) {
            op_base_free(&u->base);
            return rc;
        }
        *out = &u->base;
        return FLOE_OK;
    }
    case FLOE_PLAN_LIMIT: {
        limit_op *l = floe_calloc(1, sizeof *l);
        if (l == NULL) return floe_err_nomem(err);
        floe_exec_op_init(&l->base, ex, p);
        l->base.next = limit_next;
        l->base.close = unary_close; /* child is at the same offset as unary_op's */
        l->skip = p->u.limit.offset > 0 ? p->u.limit.offset : 0;
        l->left = p->u.limit.limit;
        rc = floe_exec_build(ex, p->children[0], NULL, &l->child, err);
        if (rc) {
            op_base_free(&l->base);
            return rc;
        }
        *out = &l->base;
        return FLOE_OK;
    }
    case FLOE_PLAN_UNION_ALL: {
        union_op *u = floe_calloc(1, sizeof *u);
        if (u == NULL) return floe_err_nomem(err);
        floe_exec_op_init(&u->base, ex, p);
        u->base.next = union_next;
        u->base.close = union_close;
        *out = &u->base;
        return FLOE_OK;
    }
    case FLOE_PLAN_VALUES: {
        values_op *v = floe_calloc(1, sizeof *v);
        if (v == NULL) return floe_err_nomem(err);
        floe_exec_op_init(&v->base, ex, p);
        v->base.next = values_next;
        v->base.close = values_close;
        v->arena = floe_arena_new(0);
        if (v->arena == NULL) {
            op_base_free(&v->base);
            return floe_err_nomem(err);
        }
        *out = &v->base;
        return FLOE_OK;
    }
    case FLOE_PLAN_AGGREGATE:
    case FLOE_PLAN_DISTINCT: return floe_op_agg_open(ex, p, out, err);
    case FLOE_PLAN_SORT:
    case FLOE_PLAN_TOPN: return floe_op_sort_open(ex, p, out, err);
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN: return floe_op_join_open(ex, p, shared, out, err);
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
        rc = morsels_new(&ex->ctx->tables[scan->u.scan.table], &shared, err);
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
    morsels_free(shared);
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

static void subq_cache_free(floe_executor *ex)
{
    struct floe_exec_subq *c, *next;
    for (c = ex->subq_cache; c; c = next) {
        next = c->next;
        floe_vec_free(&c->result);
        floe_free(c);
    }
    ex->subq_cache = NULL;
    pthread_mutex_destroy(&ex->subq_mu);
}

static void executor_init(floe_executor *ex, const floe_query_plan *qp, const floe_exec_ctx *ctx)
{
    memset(ex, 0, sizeof *ex);
    pthread_mutex_init(&ex->subq_mu, NULL);
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
