/* engine/op_scan.c: SCAN, the leaf of every pipeline, and its morsel
 * dispenser.
 *
 * A scan reads one table (floe_exec_ctx.tables[p->u.scan.table]) through
 * its sources (engine/source.h), a morsel at a time: every worker of a
 * pipeline takes morsel indexes from one shared floe_exec_morsels with an
 * atomic counter (a scan built alone owns a private dispenser). Morsels the
 * source proves cannot match the predicates are skipped unopened. Before
 * its first morsel a scan turns filter conjuncts `column <cmp> query
 * constant` (a scalar subquery, an unfolded expression) into extra
 * predicate hints; the plan's filter still decides every row, except the
 * conjuncts a source applied exactly (FLOE_BATCH_EXACT: only the residual
 * runs). `column IN (constants)` conjuncts skip morsels too, through one
 * `column = v` probe per value (engine/scan_in.h). Emits only non-empty
 * batches.
 * Ownership: the op owns its cursor, its private dispenser and its
 * predicate array; a shared dispenser belongs to the driver (exec.c).
 * Thread-safety: one op per worker; the dispenser's counter is atomic.
 */
#include <string.h>

#include "engine/exec.h"
#include "engine/scan_in.h"
#include "util/mem.h"

void floe_op_scan_morsels_free(floe_exec_morsels *m)
{
    if (m == NULL) return;
    floe_free(m->src_of);
    floe_free(m->morsel_of);
    floe_free(m);
}

int floe_op_scan_morsels_new(const floe_table_scan *t, floe_exec_morsels **out, floe_err *err)
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
        floe_op_scan_morsels_free(m);
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

typedef struct scan_op {
    floe_exec_op base;
    floe_exec_morsels *m;
    int own_m;
    const floe_scan_source *src; /* of the open cursor */
    floe_scan_cursor *cursor;
    int dyn_done;                /* dynamic predicates computed */
    floe_scan_pred *preds;       /* plan's predicates + dynamic ones (owned), or NULL */
    uint32_t npreds;
    floe_scan_in_hints *in_hints; /* `col IN (...)` skipping hints (engine/scan_in.h), or NULL */
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
    int rc;
    s->dyn_done = 1;
    if (f == NULL) return FLOE_OK;
    if ((rc = floe_scan_in_hints_new(p, &s->in_hints, err)) != FLOE_OK) return rc;
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
            if (s->in_hints && !floe_scan_in_hints_may_match(s->in_hints, src, mm, preds, np))
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
    if (s->own_m) floe_op_scan_morsels_free(s->m);
    floe_free(s->preds);
    floe_scan_in_hints_free(s->in_hints);
    floe_eval_ctx_free(&op->ectx);
    floe_free(op);
}

int floe_op_scan_open(floe_executor *ex, const floe_plan *p, floe_exec_morsels *shared,
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
        rc = floe_op_scan_morsels_new(&ex->ctx->tables[p->u.scan.table], &s->m, err);
        if (rc) {
            floe_free(s);
            return rc;
        }
        s->own_m = 1;
    }
    *out = &s->base;
    return FLOE_OK;
}
