/* engine/agg_window.c: aggregates over window frames by a segment tree of
 * states (contract in engine/agg_window.h).
 *
 * The states live in one agg_local of a one-aggregate agg_op shell (the
 * hash aggregation's own state arrays, engine/agg_internal.h), reached only
 * through op_agg.c's floe_agg_state_* functions: groups [0, nscratch) are
 * the callers' scratch states, group nscratch + k is tree node k (1 <= k <
 * 2n; leaves n..2n-1). The shell's single "group key" is never used: it
 * only makes updates go by group id.
 */
#include <string.h>

#include "engine/agg_internal.h"
#include "engine/agg_window.h"
#include "util/mem.h"

struct floe_agg_win {
    agg_op o;        /* the shell: o.aggs = &ag */
    floe_agg ag;
    floe_expr a1, a2; /* column references giving the argument types */
    agg_local *L;
    uint64_t n;      /* leaves */
    uint32_t S;      /* scratch states */
};

int floe_agg_win_supported(floe_agg_fn fn)
{
    unsigned st = floe_aggregates_get(fn)->state;
    if (fn == FLOE_AGG_GROUPING || (st & (FLOE_AGGS_LIST | FLOE_AGGS_HLL))) return 0;
    return 1;
}

int floe_agg_win_holistic(floe_agg_fn fn)
{
    return fn != FLOE_AGG_GROUPING && !floe_agg_win_supported(fn);
}

/* Feed positions [p, p + m) to their leaves (to group `into` when it is
 * not UINT64_MAX). */
static int feed(floe_agg_win *w, const floe_exec_rows *all, uint32_t arg, uint32_t arg2,
                const uint64_t *idx, uint64_t p, uint32_t m, floe_vec *v, floe_vec *v2,
                uint64_t into, floe_err *err)
{
    uint32_t k;
    if (floe_exec_rows_gather(all, arg, 1, idx + p, 0, m, v, 0) != FLOE_OK ||
        (v2 && floe_exec_rows_gather(all, arg2, 1, idx + p, 0, m, v2, 0) != FLOE_OK))
        return floe_err_nomem(err);
    v->n = m;
    if (v2) v2->n = m;
    for (k = 0; k < m; k++) {
        w->L->rows[k] = k;
        w->L->ids[k] = (uint32_t)(into != UINT64_MAX ? into : w->S + w->n + p + k);
    }
    return floe_agg_state_update(&w->o, w->L, v, v2, w->L->rows, w->L->ids, m, err);
}

int floe_agg_win_new(floe_executor *ex, const floe_plan *plan, const floe_agg *ag, uint32_t nscratch,
                     const floe_exec_rows *all, uint32_t arg, uint32_t arg2, const uint64_t *idx,
                     uint64_t n, floe_agg_win **out, floe_err *err)
{
    static const uint64_t one_set = 0;
    floe_agg_win *w;
    floe_vec v, v2;
    uint64_t p, k;
    int rc;
    *out = NULL;
    if ((uint64_t)nscratch + 2 * n >= UINT32_MAX)
        return floe_err_set(err, FLOE_RANGE, "window: %llu rows are too many for %s over a frame",
                            (unsigned long long)n, floe_aggregates_get(ag->fn)->name);
    if ((w = floe_calloc(1, sizeof *w)) == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&w->o.base, ex, plan);
    w->ag = *ag;
    w->a1.kind = FLOE_EXPR_COLUMN;
    w->a1.type = all->types[arg];
    w->ag.arg = &w->a1;
    if (arg2 != UINT32_MAX) {
        w->a2.kind = FLOE_EXPR_COLUMN;
        w->a2.index = 1;
        w->a2.type = all->types[arg2];
        w->ag.arg2 = &w->a2;
    }
    w->o.aggs = &w->ag;
    w->o.naggs = 1;
    w->o.ngroups = 1; /* updates by group id; the key itself is unused */
    w->o.nsets = 1;
    w->o.sets = &one_set;
    w->n = n;
    w->S = nscratch;
    if ((rc = floe_agg_state_open(&w->o, &w->L, err)) ||
        (rc = floe_agg_state_reserve(&w->o, w->L, w->S + 2 * (n ? n : 1), err))) {
        floe_agg_win_free(w);
        return rc;
    }
    if (floe_vec_init(&v, w->a1.type, FLOE_VEC_SIZE) != FLOE_OK) {
        floe_agg_win_free(w);
        return floe_err_nomem(err);
    }
    if (arg2 != UINT32_MAX && floe_vec_init(&v2, w->a2.type, FLOE_VEC_SIZE) != FLOE_OK) {
        floe_vec_free(&v);
        floe_agg_win_free(w);
        return floe_err_nomem(err);
    }
    for (p = 0, rc = FLOE_OK; p < n && rc == FLOE_OK; p += FLOE_VEC_SIZE) {
        uint32_t m = (uint32_t)(n - p < FLOE_VEC_SIZE ? n - p : FLOE_VEC_SIZE);
        rc = feed(w, all, arg, arg2, idx, p, m, &v, arg2 != UINT32_MAX ? &v2 : NULL, UINT64_MAX, err);
    }
    floe_vec_free(&v);
    if (arg2 != UINT32_MAX) floe_vec_free(&v2);
    for (k = n; k-- > 1 && rc == FLOE_OK;) {
        rc = floe_agg_state_merge(&w->o, w->L, w->S + k, w->S + 2 * k, err);
        if (rc == FLOE_OK) rc = floe_agg_state_merge(&w->o, w->L, w->S + k, w->S + 2 * k + 1, err);
    }
    if (rc == FLOE_OK) rc = floe_agg_state_reserve(&w->o, w->L, w->S + 2 * (n ? n : 1), err);
    if (rc) {
        floe_agg_win_free(w);
        return rc;
    }
    *out = w;
    return FLOE_OK;
}

int floe_agg_win_value(floe_agg_win *w, uint32_t scratch, uint64_t rg[][2], int nr, floe_value *out,
                       floe_err *err)
{
    uint64_t g = scratch;
    int j, rc;
    floe_agg_state_reset(&w->o, w->L, g);
    for (j = 0; j < nr; j++) {
        uint64_t l = rg[j][0] + w->n, r = rg[j][1] + w->n;
        while (l < r) {
            if ((l & 1) && (rc = floe_agg_state_merge(&w->o, w->L, g, w->S + l++, err))) return rc;
            if ((r & 1) && (rc = floe_agg_state_merge(&w->o, w->L, g, w->S + --r, err))) return rc;
            l >>= 1;
            r >>= 1;
        }
    }
    return floe_agg_state_final(&w->o, w->L, g, out, err);
}

int floe_agg_win_partition(floe_agg_win *w, const floe_exec_rows *all, uint32_t arg, uint32_t arg2,
                           const uint64_t *idx, uint64_t ps, uint64_t pe, floe_value *out,
                           floe_err *err)
{
    floe_vec v, v2;
    uint64_t p;
    int rc = FLOE_OK;
    floe_agg_state_reset(&w->o, w->L, 0);
    if (floe_vec_init(&v, w->a1.type, FLOE_VEC_SIZE) != FLOE_OK) return floe_err_nomem(err);
    if (arg2 != UINT32_MAX && floe_vec_init(&v2, w->a2.type, FLOE_VEC_SIZE) != FLOE_OK) {
        floe_vec_free(&v);
        return floe_err_nomem(err);
    }
    for (p = ps; p < pe && rc == FLOE_OK; p += FLOE_VEC_SIZE) {
        uint32_t m = (uint32_t)(pe - p < FLOE_VEC_SIZE ? pe - p : FLOE_VEC_SIZE);
        rc = feed(w, all, arg, arg2, idx, p, m, &v, arg2 != UINT32_MAX ? &v2 : NULL, 0, err);
    }
    floe_vec_free(&v);
    if (arg2 != UINT32_MAX) floe_vec_free(&v2);
    if (rc == FLOE_OK) rc = floe_agg_state_reserve(&w->o, w->L, w->S + 2, err); /* accounts lists */
    if (rc) return rc;
    return floe_agg_state_final(&w->o, w->L, 0, out, err);
}

void floe_agg_win_free(floe_agg_win *w)
{
    if (w == NULL) return;
    if (w->L) floe_agg_state_close(&w->o, w->L);
    floe_eval_ctx_free(&w->o.base.ectx);
    floe_free(w);
}
