/* tests/unit/engine/test_exec_util.h: an in-memory scan source over plain C
 * arrays (split into morsels, with min/max morsel skipping on BIGINT
 * columns), plan-building helpers and result collection for the executor
 * tests. Header-only (static functions) so each test file can include it. */
#ifndef FLOE_TEST_EXEC_UTIL_H
#define FLOE_TEST_EXEC_UTIL_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/plan.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- source */

typedef struct tsrc {
    uint32_t ncols;
    floe_type types[8];
    void *data[8];       /* nrows values each, physical layout */
    uint8_t *isnull[8];  /* nrows flags or NULL */
    uint64_t nrows;
    uint32_t morsel_rows;
    uint32_t batch_rows; /* rows per batch (<= FLOE_VEC_SIZE) */
    atomic_int opened;   /* morsels opened */
    uint32_t delay_us;   /* sleep per batch (lets every worker get morsels) */
} tsrc;

typedef struct tcursor {
    tsrc *s;
    uint64_t pos, end;
    uint32_t cols[8], ncols;
} tcursor;

static uint32_t ts_nmorsels(void *self)
{
    tsrc *s = self;
    return (uint32_t)((s->nrows + s->morsel_rows - 1) / s->morsel_rows);
}

static uint64_t ts_morsel_rows(void *self, uint32_t m)
{
    tsrc *s = self;
    uint64_t a = (uint64_t)m * s->morsel_rows, b = a + s->morsel_rows;
    return (b > s->nrows ? s->nrows : b) - a;
}

__attribute__((unused)) static bool ts_may_match(void *self, uint32_t m, const floe_scan_pred *preds, uint32_t npreds)
{
    tsrc *s = self;
    uint64_t a = (uint64_t)m * s->morsel_rows, b = a + s->morsel_rows, i;
    uint32_t k;
    if (b > s->nrows) b = s->nrows;
    for (k = 0; k < npreds; k++) {
        const floe_scan_pred *p = &preds[k];
        int64_t mn = INT64_MAX, mx = INT64_MIN, v = p->value.v.i;
        int any = 0;
        if (s->types[p->col].id != FLOE_TYPE_BIGINT || p->op > FLOE_PRED_GE) continue;
        for (i = a; i < b; i++) {
            int64_t x = ((int64_t *)s->data[p->col])[i];
            if (s->isnull[p->col] && s->isnull[p->col][i]) continue;
            any = 1;
            if (x < mn) mn = x;
            if (x > mx) mx = x;
        }
        if (!any) return false;
        switch (p->op) {
        case FLOE_PRED_EQ: if (v < mn || v > mx) return false; break;
        case FLOE_PRED_LT: if (mn >= v) return false; break;
        case FLOE_PRED_LE: if (mn > v) return false; break;
        case FLOE_PRED_GT: if (mx <= v) return false; break;
        case FLOE_PRED_GE: if (mx < v) return false; break;
        default: break;
        }
    }
    return true;
}

__attribute__((unused)) static int ts_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    tsrc *s = self;
    tcursor *c = floe_calloc(1, sizeof *c);
    (void)preds;
    (void)npreds;
    if (c == NULL) return floe_err_nomem(err);
    c->s = s;
    c->pos = (uint64_t)m * s->morsel_rows;
    c->end = c->pos + ts_morsel_rows(self, m);
    memcpy(c->cols, cols, ncols * sizeof *cols);
    c->ncols = ncols;
    atomic_fetch_add(&s->opened, 1);
    *out = (floe_scan_cursor *)c;
    return FLOE_OK;
}

__attribute__((unused)) static int ts_next(floe_scan_cursor *cur, floe_batch *out, floe_err *err)
{
    tcursor *c = (tcursor *)cur;
    tsrc *s = c->s;
    uint32_t n, k, i;
    if (c->pos >= c->end) return FLOE_DONE;
    if (s->delay_us) usleep(s->delay_us);
    n = (uint32_t)(c->end - c->pos < s->batch_rows ? c->end - c->pos : s->batch_rows);
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = c->ncols;
    out->n = n;
    for (k = 0; k < c->ncols; k++) {
        uint32_t tc = c->cols[k];
        size_t w = floe_type_size(s->types[tc]);
        floe_vec *v = &out->cols[k];
        if (floe_vec_init(v, s->types[tc], n) != FLOE_OK) {
            floe_batch_free(out);
            return floe_err_nomem(err);
        }
        memcpy(v->data, (char *)s->data[tc] + c->pos * w, n * w);
        v->n = n;
        if (s->isnull[tc])
            for (i = 0; i < n; i++)
                if (s->isnull[tc][c->pos + i] && floe_vec_set_null(v, i) != FLOE_OK) {
                    floe_batch_free(out);
                    return floe_err_nomem(err);
                }
    }
    c->pos += n;
    return FLOE_ROW;
}

__attribute__((unused)) static void ts_close(floe_scan_cursor *c)
{
    floe_free(c);
}

__attribute__((unused)) static void ts_free(void *self)
{
    (void)self;
}

static const floe_scan_source_vt ts_vt = {ts_nmorsels, ts_morsel_rows, ts_may_match, ts_open,
                                          ts_next, ts_close, ts_free};

/* ------------------------------------------------------------- plan bits */

__attribute__((unused)) static floe_expr *t_col(floe_query_plan *qp, uint32_t idx, floe_type t)
{
    floe_expr *e = floe_arena_alloc(qp->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = FLOE_EXPR_COLUMN;
    e->index = idx;
    e->type = t;
    return e;
}

__attribute__((unused)) static floe_expr *t_const_i(floe_query_plan *qp, floe_type t, int64_t v, int null)
{
    floe_expr *e = floe_arena_alloc(qp->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = FLOE_EXPR_CONST;
    e->type = t;
    e->value.type = t;
    e->value.is_null = null != 0;
    e->value.v.i = v;
    return e;
}

__attribute__((unused)) static floe_plan *t_node(floe_query_plan *qp, floe_plan_kind kind, uint32_t ncols,
                         const floe_type *types, uint32_t nchildren)
{
    floe_plan *p = floe_arena_alloc(qp->arena, sizeof *p);
    uint32_t i;
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->ncols = ncols;
    p->types = floe_arena_alloc(qp->arena, (ncols + 1) * sizeof *p->types);
    p->names = floe_arena_alloc(qp->arena, (ncols + 1) * sizeof *p->names);
    for (i = 0; i < ncols; i++) {
        p->types[i] = types[i];
        p->names[i] = "c";
    }
    p->nchildren = nchildren;
    p->children = floe_arena_alloc(qp->arena, (nchildren + 1) * sizeof *p->children);
    return p;
}

/* SCAN of table `table` producing table columns cols[0..n). */
__attribute__((unused)) static floe_plan *t_scan(floe_query_plan *qp, uint32_t table, const tsrc *s, uint32_t n,
                         const uint32_t *cols)
{
    floe_type ty[8];
    uint32_t i;
    floe_plan *p;
    for (i = 0; i < n; i++) ty[i] = s->types[cols[i]];
    p = t_node(qp, FLOE_PLAN_SCAN, n, ty, 0);
    p->u.scan.table = table;
    p->u.scan.table_name = "t";
    p->u.scan.cols = floe_arena_alloc(qp->arena, (n + 1) * sizeof(uint32_t));
    memcpy(p->u.scan.cols, cols, n * sizeof(uint32_t));
    return p;
}

/* ------------------------------------------------------------- results */

typedef struct tres {
    uint32_t ncols;
    uint64_t n;
    floe_value *v; /* n * ncols, row-major; strings copied with malloc */
} tres;

__attribute__((unused)) static void tres_free(tres *r)
{
    uint64_t i;
    for (i = 0; i < r->n * r->ncols; i++)
        if (!r->v[i].is_null && r->v[i].type.id == FLOE_TYPE_VARCHAR) free((void *)r->v[i].v.s.ptr);
    free(r->v);
    memset(r, 0, sizeof *r);
}

__attribute__((unused)) static floe_value *tres_at(const tres *r, uint64_t row, uint32_t col)
{
    return &r->v[row * r->ncols + col];
}

/* Run qp over tables with nthreads; collect the result. Returns the status
 * (FLOE_OK when the query ran to completion). */
__attribute__((unused)) static int t_run(floe_query_plan *qp, floe_table_scan *tables, uint32_t ntables, uint32_t nthreads,
                 uint64_t mem_limit, atomic_int *interrupt, tres *res, floe_err *err)
{
    floe_exec_ctx ctx;
    floe_executor *ex = NULL;
    floe_batch b;
    int rc;
    memset(&ctx, 0, sizeof ctx);
    memset(res, 0, sizeof *res);
    ctx.tables = tables;
    ctx.ntables = ntables;
    ctx.nthreads = nthreads;
    ctx.mem_limit = mem_limit;
    ctx.interrupt = interrupt;
    int64_t live0 = floe_mem_live();
    res->ncols = qp->root->ncols;
    rc = floe_exec_open(qp, &ctx, &ex, err);
    if (rc) return rc;
    for (;;) {
        uint32_t i, c;
        rc = floe_exec_next(ex, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        cr_assert_null(b.sel);
        cr_assert_eq(b.ncols, qp->root->ncols);
        cr_assert(b.n > 0);
        res->v = realloc(res->v, (res->n + b.n) * res->ncols * sizeof *res->v + 1);
        for (i = 0; i < b.n; i++) {
            for (c = 0; c < b.ncols; c++) {
                floe_value *v = tres_at(res, res->n + i, c);
                cr_assert_eq(b.cols[c].n, b.n);
                floe_value_load(b.cols[c].type, b.cols[c].data, i, v);
                v->is_null = !floe_vec_is_valid(&b.cols[c], i);
                if (!v->is_null && v->type.id == FLOE_TYPE_VARCHAR) {
                    char *p = malloc(v->v.s.len + 1);
                    memcpy(p, v->v.s.ptr, v->v.s.len);
                    v->v.s.ptr = p;
                }
            }
        }
        res->n += b.n;
        floe_batch_free(&b);
    }
    floe_exec_close(ex);
    /* everything the executor allocated is freed again */
    cr_assert_eq(floe_mem_live(), live0, "leaked %lld allocations", (long long)(floe_mem_live() - live0));
    return rc;
}

/* Order-insensitive comparison helper: sort rows by all columns. */
static uint32_t g_sort_ncols;
__attribute__((unused)) static int tres_row_cmp(const void *a, const void *b)
{
    const floe_value *x = a, *y = b;
    uint32_t c;
    for (c = 0; c < g_sort_ncols; c++) {
        int d;
        if (x[c].is_null != y[c].is_null) return x[c].is_null ? -1 : 1;
        if (x[c].is_null) continue;
        d = floe_value_cmp(&x[c], &y[c]);
        if (d) return d;
    }
    return 0;
}

__attribute__((unused)) static void tres_sort(tres *r)
{
    g_sort_ncols = r->ncols;
    if (r->n) qsort(r->v, r->n, r->ncols * sizeof *r->v, tres_row_cmp);
}

/* Deterministic PRNG. */
__attribute__((unused)) static uint64_t t_rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#endif
