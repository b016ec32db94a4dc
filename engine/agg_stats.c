/* engine/agg_stats.c: the statistical aggregates of the hash aggregation.
 *
 * The update / combine / finalize functions (engine/agg_internal.h) of
 * STDDEV/VAR/COVAR/CORR/REGR_* (Welford's centred moments per group,
 * combined across workers by Chan et al.'s pairwise formula, so large
 * offsets do not cancel), ARG_MIN/ARG_MAX (ties keep the smaller arg) and
 * MODE (ties give the smallest value), so the answers do not depend on how
 * rows were spread over threads. engine/aggregates.def names them;
 * engine/op_agg.c calls them, one worker per agg_local at a time. They
 * keep no state of their own; strings go to the local's arena.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/agg_internal.h"

/* Value of a DOUBLE vector at physical row r (CONST: row 0), or NaN-free
 * validity in *ok. */
static inline double dbl_at(const floe_vec *v, uint32_t r, int *ok)
{
    r = floe_exec_vrow(v, r);
    *ok = floe_vec_is_valid(v, r);
    return ((const double *)v->data)[r];
}

/* STDDEV/VAR (one argument), COVAR/CORR/REGR_* (a = first argument, the
 * regressions' y; b = second, x): Welford's update of means and centred
 * (co)moments, both arguments bound as DOUBLE. */
int floe_agg_mom_update(UPD_ARGS)
{
    UPD_PROLOGUE;
    (void)cst;
    (void)all_valid;
    for (k = 0; k < cnt; k++) {
        uint32_t g = gids[k];
        agg_mom *m = &s->mom[g];
        int oka, okb = 1;
        double a = dbl_at(v, rows[k], &oka), b = 0, n, da, db;
        if (v2) b = dbl_at(v2, rows[k], &okb);
        if (!oka || !okb) continue;
        n = (double)(s->cnt[g] + 1);
        da = a - m->ma;
        db = b - m->mb;
        m->ma += da / n;
        m->mb += db / n;
        m->m2a += da * (a - m->ma);
        m->m2b += db * (b - m->mb);
        m->cab += da * (b - m->mb);
        s->cnt[g]++;
    }
    return FLOE_OK;
}

/* ARG_MIN / ARG_MAX (arg, val): val[g] is the arg at the least / greatest
 * val (val2[g]); rows where either is NULL are skipped. Ties keep the
 * smaller arg, so the result does not depend on the order rows arrive in. */
static int argby_better(floe_agg_fn fn, const floe_value *na, const floe_value *nv, const floe_value *ca,
                        const floe_value *cv)
{
    int c = floe_value_cmp(nv, cv);
    if (fn == FLOE_AGG_ARG_MAX) c = -c;
    return c < 0 || (c == 0 && floe_value_cmp(na, ca) < 0);
}

int floe_agg_argby_update(UPD_ARGS)
{
    UPD_PROLOGUE;
    for (k = 0; k < cnt; k++) {
        uint32_t g = gids[k], r2 = floe_exec_vrow(v2, rows[k]);
        floe_value na, nv;
        if (!VALID(k) || !floe_vec_is_valid(v2, r2)) continue;
        floe_value_load(v->type, v->data, ROW(k), &na);
        floe_value_load(v2->type, v2->data, r2, &nv);
        na.is_null = nv.is_null = false;
        if (s->cnt[g] == 0 || argby_better(ag->fn, &na, &nv, &s->val[g], &s->val2[g])) {
            if (floe_agg_copy_str(L, &na) || floe_agg_copy_str(L, &nv)) return floe_err_nomem(err);
            s->val[g] = na;
            s->val2[g] = nv;
        }
        s->cnt[g]++;
    }
    return FLOE_OK;
}

#undef ROW
#undef VALID
#undef UPD_PROLOGUE

/* Chan et al.'s pairwise combination of two sets of moments. */
int floe_agg_mom_combine(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    agg_mom *gm = &gs->mom[g];
    const agg_mom *lm = &ls->mom[lid];
    double ng = (double)gs->cnt[g], nl = (double)ls->cnt[lid], n = ng + nl, da, db, f;
    (void)o, (void)err;
    if (gs->cnt[g] == 0) {
        *gm = *lm;
        return FLOE_OK;
    }
    da = lm->ma - gm->ma;
    db = lm->mb - gm->mb;
    f = ng * nl / n;
    gm->m2a += lm->m2a + da * da * f;
    gm->m2b += lm->m2b + db * db * f;
    gm->cab += lm->cab + da * db * f;
    gm->ma += da * nl / n;
    gm->mb += db * nl / n;
    return FLOE_OK;
}

int floe_agg_argby_combine(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    (void)err;
    if (gs->cnt[g] == 0 ||
        argby_better(o->aggs[a].fn, &ls->val[lid], &ls->val2[lid], &gs->val[g], &gs->val2[g])) {
        gs->val[g] = ls->val[lid];
        gs->val2[g] = ls->val2[lid];
    }
    return FLOE_OK;
}

/* STDDEV/VAR/COVAR/CORR/REGR_*: NULL without values, and where the
 * statistic is undefined: sample statistics of one value, and (as
 * PostgreSQL, where DuckDB gives NaN) corr / regr_slope / regr_intercept
 * with a constant x or y, regr_r2 with a constant x (1 with a constant y). */
int floe_agg_mom_finalize(FIN_ARGS)
{
    const agg_mom *m = &s->mom[g];
    double n = (double)s->cnt[g], x = 0;
    int null = s->cnt[g] == 0;
    (void)ct, (void)err;
    switch (ag->fn) {
    case FLOE_AGG_STDDEV_SAMP: null |= n < 2; if (!null) x = sqrt(m->m2a / (n - 1)); break;
    case FLOE_AGG_STDDEV_POP: if (!null) x = sqrt(m->m2a / n); break;
    case FLOE_AGG_VAR_SAMP: null |= n < 2; if (!null) x = m->m2a / (n - 1); break;
    case FLOE_AGG_VAR_POP: if (!null) x = m->m2a / n; break;
    case FLOE_AGG_COVAR_SAMP: null |= n < 2; if (!null) x = m->cab / (n - 1); break;
    case FLOE_AGG_COVAR_POP: if (!null) x = m->cab / n; break;
    case FLOE_AGG_CORR:
        null |= m->m2a == 0 || m->m2b == 0;
        if (!null) x = m->cab / sqrt(m->m2a * m->m2b);
        break;
    case FLOE_AGG_REGR_SLOPE: null |= m->m2b == 0; if (!null) x = m->cab / m->m2b; break;
    case FLOE_AGG_REGR_INTERCEPT:
        null |= m->m2b == 0;
        if (!null) x = m->ma - m->cab / m->m2b * m->mb;
        break;
    case FLOE_AGG_REGR_R2:
        null |= m->m2b == 0;
        if (!null) x = m->m2a == 0 ? 1.0 : (m->cab * m->cab) / (m->m2a * m->m2b);
        break;
    case FLOE_AGG_REGR_AVGX: x = m->mb; break;
    case FLOE_AGG_REGR_AVGY: x = m->ma; break;
    case FLOE_AGG_REGR_SXX: x = m->m2b; break;
    case FLOE_AGG_REGR_SYY: x = m->m2a; break;
    case FLOE_AGG_REGR_SXY: x = m->cab; break;
    default: null = 1; break;
    }
    r->is_null = null != 0;
    r->v.d = x;
    return FLOE_OK;
}

static int cmp_values(const void *a, const void *b)
{
    return floe_value_cmp(a, b);
}

/* MODE: the most frequent value; among equally frequent ones the smallest
 * (deterministic whatever the threads did). */
int floe_agg_mode_finalize(FIN_ARGS)
{
    agg_vlist *l = &s->lists[g];
    uint32_t i, run = 0, best = 0, bi = 0;
    (void)ag, (void)ct, (void)err;
    if (l->n == 0) {
        r->is_null = true;
        return FLOE_OK;
    }
    qsort(l->v, l->n, sizeof *l->v, cmp_values);
    for (i = 0; i < l->n; i++) {
        run = (i > 0 && floe_value_cmp(&l->v[i], &l->v[i - 1]) == 0) ? run + 1 : 1;
        if (run > best) {
            best = run;
            bi = i;
        }
    }
    *r = l->v[bi];
    return FLOE_OK;
}
