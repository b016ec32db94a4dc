/* tests/unit/engine/test_agg.c: hash aggregation vs plain-C references,
 * with 1 and 2 worker threads. */
#include <math.h>

#include "engine/hll.h"
#include "test_exec_data.h"
#include "util/hash.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};
static const floe_type T_DBL = {FLOE_TYPE_DOUBLE, 0, 0};
static const floe_type T_STR = {FLOE_TYPE_VARCHAR, 0, 0};

static floe_agg mk_agg(floe_agg_fn fn, floe_expr *arg, floe_type t, bool distinct)
{
    floe_agg a;
    memset(&a, 0, sizeof a);
    a.fn = fn;
    a.arg = arg;
    a.type = t;
    a.distinct = distinct;
    return a;
}

static floe_plan *mk_aggnode(floe_query_plan *qp, floe_plan *child, uint32_t ngroups,
                             floe_expr **groups, uint32_t naggs, const floe_agg *aggs)
{
    floe_type ty[32];
    uint32_t i;
    floe_plan *p;
    for (i = 0; i < ngroups; i++) ty[i] = groups[i]->type;
    for (i = 0; i < naggs; i++) ty[ngroups + i] = aggs[i].type;
    p = t_node(qp, FLOE_PLAN_AGGREGATE, ngroups + naggs, ty, 1);
    p->children[0] = child;
    p->u.agg.groups = floe_arena_alloc(qp->arena, (ngroups + 1) * sizeof *groups);
    if (ngroups) memcpy(p->u.agg.groups, groups, ngroups * sizeof *groups);
    p->u.agg.ngroups = ngroups;
    p->u.agg.aggs = floe_arena_alloc(qp->arena, (naggs + 1) * sizeof *aggs);
    memcpy(p->u.agg.aggs, aggs, naggs * sizeof *aggs);
    p->u.agg.naggs = naggs;
    return p;
}

/* key index for the reference: 0..49, 50..59 for 10^12+j, 60 for NULL */
static int key_index(const tdata *td, uint64_t r)
{
    if (td->nul[0][r]) return 60;
    if (td->k[r] >= 1000000000000LL) return 50 + (int)(td->k[r] - 1000000000000LL);
    return (int)td->k[r];
}

static int res_key_index(const floe_value *v)
{
    if (v->is_null) return 60;
    if (v->v.i >= 1000000000000LL) return 50 + (int)(v->v.i - 1000000000000LL);
    return (int)v->v.i;
}

static int strv_cmp(floe_string a, floe_string b)
{
    uint32_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.ptr, b.ptr, n);
    if (c) return c;
    return (a.len > b.len) - (a.len < b.len);
}

Test(agg, group_by_int_key_all_basic_aggs_match_reference)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 50000, 42, 3000);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[4] = {0, 1, 2, 3};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 4, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_agg aggs[9];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        struct {
            int64_t cnt, cntv, sum, mn, mx, cntd, cnts;
            double sumd;
            floe_string smin, smax;
            int present;
        } ref[61];
        uint64_t r, i;
        int nkeys = 0;

        aggs[0] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
        aggs[1] = mk_agg(FLOE_AGG_COUNT, t_col(qp, 1, T_BIG), T_BIG, false);
        aggs[2] = mk_agg(FLOE_AGG_SUM, t_col(qp, 1, T_BIG), T_BIG, false);
        aggs[3] = mk_agg(FLOE_AGG_MIN, t_col(qp, 1, T_BIG), T_BIG, false);
        aggs[4] = mk_agg(FLOE_AGG_MAX, t_col(qp, 1, T_BIG), T_BIG, false);
        aggs[5] = mk_agg(FLOE_AGG_AVG, t_col(qp, 1, T_BIG), T_DBL, false);
        aggs[6] = mk_agg(FLOE_AGG_SUM, t_col(qp, 2, T_DBL), T_DBL, false);
        aggs[7] = mk_agg(FLOE_AGG_MIN, t_col(qp, 3, T_STR), T_STR, false);
        aggs[8] = mk_agg(FLOE_AGG_MAX, t_col(qp, 3, T_STR), T_STR, false);
        qp->root = mk_aggnode(qp, scan, 1, g, 9, aggs);

        memset(ref, 0, sizeof ref);
        for (r = 0; r < td.n; r++) {
            int ki = key_index(&td, r);
            ref[ki].present = 1;
            ref[ki].cnt++;
            if (!td.nul[1][r]) {
                if (ref[ki].cntv == 0 || td.v[r] < ref[ki].mn) ref[ki].mn = td.v[r];
                if (ref[ki].cntv == 0 || td.v[r] > ref[ki].mx) ref[ki].mx = td.v[r];
                ref[ki].cntv++;
                ref[ki].sum += td.v[r];
            }
            if (!td.nul[2][r]) {
                ref[ki].sumd += td.d[r];
                ref[ki].cntd++;
            }
            if (!td.nul[3][r]) {
                if (ref[ki].cnts == 0 || strv_cmp(td.s[r], ref[ki].smin) < 0) ref[ki].smin = td.s[r];
                if (ref[ki].cnts == 0 || strv_cmp(td.s[r], ref[ki].smax) > 0) ref[ki].smax = td.s[r];
                ref[ki].cnts++;
            }
        }
        for (i = 0; i < 61; i++) nkeys += ref[i].present;

        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, (uint64_t)nkeys, "threads %u: %llu groups", nt, (unsigned long long)res.n);
        for (i = 0; i < res.n; i++) {
            int ki = res_key_index(tres_at(&res, i, 0));
            cr_assert(ref[ki].present);
            ref[ki].present = 0; /* each group once */
            cr_assert_eq(tres_at(&res, i, 1)->v.i, ref[ki].cnt);
            cr_assert_eq(tres_at(&res, i, 2)->v.i, ref[ki].cntv);
            cr_assert_eq(tres_at(&res, i, 3)->v.i, ref[ki].sum);
            cr_assert_eq(tres_at(&res, i, 4)->v.i, ref[ki].mn);
            cr_assert_eq(tres_at(&res, i, 5)->v.i, ref[ki].mx);
            cr_assert_float_eq(tres_at(&res, i, 6)->v.d, (double)ref[ki].sum / (double)ref[ki].cntv, 1e-9);
            cr_assert_float_eq(tres_at(&res, i, 7)->v.d, ref[ki].sumd, 1e-6);
            cr_assert_eq(strv_cmp(tres_at(&res, i, 8)->v.s, ref[ki].smin), 0);
            cr_assert_eq(strv_cmp(tres_at(&res, i, 9)->v.s, ref[ki].smax), 0);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, group_by_varchar_and_int_multi_key_counts)
{
    tdata td;
    uint32_t nt;
    tres prev;
    memset(&prev, 0, sizeof prev);
    td_init(&td, 30000, 7, 2500);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[3] = {3, 0, 1};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
        floe_expr *g[2] = {t_col(qp, 0, T_STR), t_col(qp, 1, T_BIG)};
        floe_agg aggs[2];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r, total = 0;
        aggs[0] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
        aggs[1] = mk_agg(FLOE_AGG_SUM, t_col(qp, 2, T_BIG), T_BIG, false);
        qp->root = mk_aggnode(qp, scan, 2, g, 2, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        /* every group's count and sum against a scan of the data */
        for (i = 0; i < res.n; i++) {
            const floe_value *s = tres_at(&res, i, 0), *k = tres_at(&res, i, 1);
            int64_t cnt = 0, sum = 0, nv = 0;
            for (r = 0; r < td.n; r++) {
                if (td.nul[3][r] != s->is_null || td.nul[0][r] != k->is_null) continue;
                if (!s->is_null && strv_cmp(td.s[r], s->v.s) != 0) continue;
                if (!k->is_null && td.k[r] != k->v.i) continue;
                cnt++;
                if (!td.nul[1][r]) {
                    sum += td.v[r];
                    nv++;
                }
            }
            cr_assert_eq(tres_at(&res, i, 2)->v.i, cnt);
            if (nv)
                cr_assert_eq(tres_at(&res, i, 3)->v.i, sum);
            else
                cr_assert(tres_at(&res, i, 3)->is_null);
            total += (uint64_t)cnt;
        }
        cr_assert_eq(total, td.n);
        tres_sort(&res);
        if (nt == 2) {
            cr_assert_eq(res.n, prev.n);
            for (i = 0; i < res.n * res.ncols; i++) {
                cr_assert_eq(res.v[i].is_null, prev.v[i].is_null);
                if (!res.v[i].is_null) cr_assert_eq(floe_value_cmp(&res.v[i], &prev.v[i]), 0);
            }
            tres_free(&prev);
            tres_free(&res);
        } else {
            prev = res;
        }
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, empty_input_global_gives_one_row_grouped_gives_none)
{
    tdata td;
    uint32_t nt, grouped;
    td_init(&td, 0, 1, 100);
    for (nt = 1; nt <= 2; nt++) {
        for (grouped = 0; grouped <= 1; grouped++) {
            floe_query_plan *qp = floe_query_plan_new();
            uint32_t cols[2] = {0, 1};
            floe_plan *scan = t_scan(qp, 0, &td.src[0], 2, cols);
            floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
            floe_agg aggs[5];
            tres res;
            floe_err err = FLOE_ERR_INIT;
            aggs[0] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
            aggs[1] = mk_agg(FLOE_AGG_COUNT, t_col(qp, 1, T_BIG), T_BIG, false);
            aggs[2] = mk_agg(FLOE_AGG_SUM, t_col(qp, 1, T_BIG), T_BIG, false);
            aggs[3] = mk_agg(FLOE_AGG_MIN, t_col(qp, 1, T_BIG), T_BIG, false);
            aggs[4] = mk_agg(FLOE_AGG_COUNT, t_col(qp, 1, T_BIG), T_BIG, true);
            qp->root = mk_aggnode(qp, scan, grouped, g, 5, aggs);
            cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
            if (grouped) {
                cr_assert_eq(res.n, 0);
            } else {
                cr_assert_eq(res.n, 1);
                cr_assert_eq(tres_at(&res, 0, 0)->v.i, 0);
                cr_assert(!tres_at(&res, 0, 0)->is_null);
                cr_assert_eq(tres_at(&res, 0, 1)->v.i, 0);
                cr_assert(tres_at(&res, 0, 2)->is_null);
                cr_assert(tres_at(&res, 0, 3)->is_null);
                cr_assert_eq(tres_at(&res, 0, 4)->v.i, 0);
            }
            tres_free(&res);
            floe_query_plan_free(qp);
        }
    }
    td_free(&td);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

Test(agg, count_and_sum_distinct_per_group_match_sorted_reference)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 40000, 99, 1500);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[3] = {0, 1, 4};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_agg aggs[3];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r;
        aggs[0] = mk_agg(FLOE_AGG_COUNT, t_col(qp, 1, T_BIG), T_BIG, true);
        aggs[1] = mk_agg(FLOE_AGG_SUM, t_col(qp, 1, T_BIG), T_BIG, true);
        aggs[2] = mk_agg(FLOE_AGG_COUNT, t_col(qp, 2, floe_type_make(FLOE_TYPE_INTEGER)), T_BIG, true);
        qp->root = mk_aggnode(qp, scan, 1, g, 3, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 61);
        for (i = 0; i < res.n; i++) {
            int ki = res_key_index(tres_at(&res, i, 0));
            int64_t *vals = malloc(td.n * 8 + 8), *ivals = malloc(td.n * 8 + 8);
            uint64_t nv = 0, ni = 0, j;
            int64_t dcount = 0, dsum = 0, icount = 0;
            for (r = 0; r < td.n; r++) {
                if (key_index(&td, r) != ki) continue;
                if (!td.nul[1][r]) vals[nv++] = td.v[r];
                ivals[ni++] = td.i[r];
            }
            qsort(vals, nv, 8, cmp_i64);
            qsort(ivals, ni, 8, cmp_i64);
            for (j = 0; j < nv; j++)
                if (j == 0 || vals[j] != vals[j - 1]) {
                    dcount++;
                    dsum += vals[j];
                }
            for (j = 0; j < ni; j++)
                if (j == 0 || ivals[j] != ivals[j - 1]) icount++;
            cr_assert_eq(tres_at(&res, i, 1)->v.i, dcount, "key %d: %lld vs %lld", ki,
                         (long long)tres_at(&res, i, 1)->v.i, (long long)dcount);
            cr_assert_eq(tres_at(&res, i, 2)->v.i, dsum);
            cr_assert_eq(tres_at(&res, i, 3)->v.i, icount);
            free(vals);
            free(ivals);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, quantile_and_median_match_sorted_reference)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 20000, 5, 1000);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[3] = {0, 1, 2};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_agg aggs[4];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r;
        aggs[0] = mk_agg(FLOE_AGG_MEDIAN, t_col(qp, 1, T_BIG), T_DBL, false);
        aggs[1] = mk_agg(FLOE_AGG_QUANTILE, t_col(qp, 1, T_BIG), T_BIG, false);
        aggs[1].param = 0.9;
        aggs[2] = mk_agg(FLOE_AGG_QUANTILE, t_col(qp, 2, T_DBL), T_DBL, false);
        aggs[2].param = 0.25;
        aggs[3] = mk_agg(FLOE_AGG_MEDIAN, t_col(qp, 2, T_DBL), T_DBL, false);
        qp->root = mk_aggnode(qp, scan, 1, g, 4, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        for (i = 0; i < res.n; i++) {
            int ki = res_key_index(tres_at(&res, i, 0));
            int64_t *vals = malloc(td.n * 8 + 8), *dvals = malloc(td.n * 8 + 8);
            uint64_t nv = 0, nd = 0;
            for (r = 0; r < td.n; r++) {
                if (key_index(&td, r) != ki) continue;
                if (!td.nul[1][r]) vals[nv++] = td.v[r];
                if (!td.nul[2][r]) dvals[nd++] = (int64_t)td.d[r];
            }
            qsort(vals, nv, 8, cmp_i64);
            qsort(dvals, nd, 8, cmp_i64);
            cr_assert(nv > 0 && nd > 0);
            cr_assert_float_eq(tres_at(&res, i, 1)->v.d,
                               ((double)vals[(nv - 1) / 2] + (double)vals[nv / 2]) / 2, 1e-9);
            /* quantile_disc: the first value whose cumulative share reaches q */
            cr_assert_eq(tres_at(&res, i, 2)->v.i, vals[(uint64_t)ceil((double)nv * 0.9) - 1]);
            cr_assert_float_eq(tres_at(&res, i, 3)->v.d,
                               (double)dvals[(uint64_t)ceil((double)nd * 0.25) - 1], 1e-9);
            cr_assert_float_eq(tres_at(&res, i, 4)->v.d,
                               ((double)dvals[(nd - 1) / 2] + (double)dvals[nd / 2]) / 2, 1e-9);
            free(vals);
            free(dvals);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, approx_count_distinct_within_error_bounds)
{
    tdata td;
    uint32_t nt;
    uint64_t r;
    td_init(&td, 200000, 11, 10000);
    /* make col 1 mostly distinct: 150000 distinct values */
    for (r = 0; r < td.n; r++) {
        td.v[r] = (int64_t)(r % 150000) * 7919;
        td.nul[1][r] = 0;
    }
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {1, 3};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 2, cols);
        floe_agg aggs[2];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        double est;
        aggs[0] = mk_agg(FLOE_AGG_APPROX_COUNT_DISTINCT, t_col(qp, 0, T_BIG), T_BIG, false);
        aggs[1] = mk_agg(FLOE_AGG_APPROX_COUNT_DISTINCT, t_col(qp, 1, T_STR), T_BIG, false);
        qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 1);
        est = (double)tres_at(&res, 0, 0)->v.i;
        cr_assert(fabs(est - 150000.0) / 150000.0 < 0.03, "estimate %f", est);
        cr_assert_eq(tres_at(&res, 0, 1)->v.i, 20); /* small range: linear counting is exact here */
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, hll_merge_equals_single_sketch)
{
    uint8_t *a = calloc(1, FLOE_HLL_BYTES), *b = calloc(1, FLOE_HLL_BYTES),
            *all = calloc(1, FLOE_HLL_BYTES);
    uint64_t i;
    for (i = 0; i < 100000; i++) {
        uint64_t h = floe_hash_u64(i);
        floe_hll_add(i % 2 ? a : b, h);
        floe_hll_add(all, h);
    }
    floe_hll_merge(a, b);
    cr_assert_eq(memcmp(a, all, FLOE_HLL_BYTES), 0);
    cr_assert(fabs((double)floe_hll_estimate(all) - 100000.0) / 100000.0 < 0.03);
    cr_assert_eq(floe_hll_estimate(b) > 0, 1);
    free(a);
    free(b);
    free(all);
}

Test(agg, bigint_sum_overflow_is_range_error)
{
    tdata td;
    uint32_t nt;
    uint64_t r;
    td_init(&td, 10000, 3, 1000);
    for (r = 0; r < td.n; r++) {
        td.v[r] = INT64_MAX / 1000;
        td.nul[1][r] = 0;
    }
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {1};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 1, cols);
        floe_agg aggs[2];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        aggs[0] = mk_agg(FLOE_AGG_SUM, t_col(qp, 0, T_BIG), T_BIG, false);
        aggs[1] = mk_agg(FLOE_AGG_AVG, t_col(qp, 0, T_BIG), T_DBL, false);
        qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_RANGE);
        cr_assert(strstr(err.msg, "SUM") != NULL, "%s", err.msg);
        tres_free(&res);
        /* AVG of the same values is exact (128-bit integer sum) */
        qp->root->u.agg.aggs = &qp->root->u.agg.aggs[1];
        qp->root->u.agg.naggs = 1;
        qp->root->ncols = 1;
        qp->root->types[0] = T_DBL;
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_float_eq(tres_at(&res, 0, 0)->v.d, (double)(INT64_MAX / 1000), 1.0);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, distinct_node_gives_distinct_rows)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 20000, 21, 1234);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {3, 0};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 2, cols);
        floe_plan *d = t_node(qp, FLOE_PLAN_DISTINCT, 2, scan->types, 1);
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r;
        uint8_t seen[21][61];
        uint64_t nref = 0;
        d->children[0] = scan;
        qp->root = d;
        memset(seen, 0, sizeof seen);
        for (r = 0; r < td.n; r++) {
            int si = td.nul[3][r] ? 20 : (int)(td.s[r].ptr - td.strs[0]) / (int)sizeof td.strs[0];
            int ki = key_index(&td, r);
            if (!seen[si][ki]) nref++;
            seen[si][ki] = 1;
        }
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, nref);
        tres_sort(&res);
        for (i = 1; i < res.n; i++) cr_assert(tres_row_cmp(tres_at(&res, i - 1, 0), tres_at(&res, i, 0)) < 0);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, memory_limit_fails_with_operator_name)
{
    tdata td;
    td_init(&td, 50000, 8, 5000);
    {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {5};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 1, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_agg aggs[1];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        aggs[0] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
        qp->root = mk_aggnode(qp, scan, 1, g, 1, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, 2, 100000, NULL, &res, &err), FLOE_NOMEM);
        cr_assert(strstr(err.msg, "AGGREGATE") != NULL, "%s", err.msg);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, min_max_of_double_with_nan_and_of_integer)
{
    tdata td;
    uint32_t nt;
    uint64_t r;
    td_init(&td, 20000, 77, 900);
    for (r = 0; r < td.n; r += 997) td.d[r] = NAN; /* NaN is larger than every number */
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[3] = {0, 2, 4};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_type ti = floe_type_make(FLOE_TYPE_INTEGER);
        floe_agg aggs[4];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i;
        aggs[0] = mk_agg(FLOE_AGG_MIN, t_col(qp, 1, T_DBL), T_DBL, false);
        aggs[1] = mk_agg(FLOE_AGG_MAX, t_col(qp, 1, T_DBL), T_DBL, false);
        aggs[2] = mk_agg(FLOE_AGG_MIN, t_col(qp, 2, ti), ti, false);
        aggs[3] = mk_agg(FLOE_AGG_MAX, t_col(qp, 2, ti), ti, false);
        qp->root = mk_aggnode(qp, scan, 1, g, 4, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 61);
        for (i = 0; i < res.n; i++) {
            int ki = res_key_index(tres_at(&res, i, 0)), any = 0, nan = 0;
            double mn = 0, mx = 0;
            int32_t imn = INT32_MAX, imx = INT32_MIN;
            for (r = 0; r < td.n; r++) {
                if (key_index(&td, r) != ki) continue;
                if (td.i[r] < imn) imn = td.i[r];
                if (td.i[r] > imx) imx = td.i[r];
                if (td.nul[2][r]) continue;
                if (isnan(td.d[r])) {
                    nan = 1;
                    continue;
                }
                if (!any || td.d[r] < mn) mn = td.d[r];
                if (!any || td.d[r] > mx) mx = td.d[r];
                any = 1;
            }
            cr_assert_eq(tres_at(&res, i, 1)->v.d, mn, "key %d", ki);
            if (nan)
                cr_assert(isnan(tres_at(&res, i, 2)->v.d));
            else
                cr_assert_eq(tres_at(&res, i, 2)->v.d, mx);
            cr_assert_eq(tres_at(&res, i, 3)->v.i, imn);
            cr_assert_eq(tres_at(&res, i, 4)->v.i, imx);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

Test(agg, decimal_sum_avg_exact_and_overflow)
{
    enum { N = 5000 };
    int64_t *vals = malloc(N * 8);
    tsrc src;
    floe_scan_source ss;
    floe_table_scan table;
    uint32_t nt, i;
    int64_t ref = 0;
    floe_type dec = floe_type_decimal(12, 2), dec18 = floe_type_decimal(18, 2);
    uint64_t seed = 9;
    for (i = 0; i < N; i++) {
        vals[i] = (int64_t)(t_rng(&seed) % 2000000) - 1000000; /* -10000.00 .. 9999.99 */
        ref += vals[i];
    }
    memset(&src, 0, sizeof src);
    src.ncols = 1;
    src.types[0] = dec;
    src.data[0] = vals;
    src.nrows = N;
    src.morsel_rows = 333;
    src.batch_rows = 100;
    ss.vt = &ts_vt;
    ss.self = &src;
    table.sources = &ss;
    table.nsources = 1;
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {0};
        floe_plan *scan = t_scan(qp, 0, &src, 1, cols);
        floe_agg aggs[2];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        aggs[0] = mk_agg(FLOE_AGG_SUM, t_col(qp, 0, dec), dec18, false);
        aggs[1] = mk_agg(FLOE_AGG_AVG, t_col(qp, 0, dec), T_DBL, false);
        qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
        cr_assert_eq(t_run(qp, &table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, ref);
        cr_assert_float_eq(tres_at(&res, 0, 1)->v.d, (double)ref / 100.0 / N, 1e-9);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    /* a DECIMAL(18) sum beyond 18 digits is a range error */
    for (i = 0; i < N; i++) vals[i] = 900000000000000LL;
    {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {0};
        floe_plan *scan = t_scan(qp, 0, &src, 1, cols);
        floe_agg aggs[1];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        aggs[0] = mk_agg(FLOE_AGG_SUM, t_col(qp, 0, dec), dec18, false);
        qp->root = mk_aggnode(qp, scan, 0, NULL, 1, aggs);
        cr_assert_eq(t_run(qp, &table, 1, 2, 0, NULL, &res, &err), FLOE_RANGE);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    free(vals);
}

Test(agg, hll_sketch_sparse_is_exact_then_dense_and_merges_agree)
{
    floe_hll_sketch a, b, all;
    uint64_t i;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memset(&all, 0, sizeof all);
    for (i = 0; i < 100; i++) {
        cr_assert_eq(floe_hll_sketch_add(&a, floe_hash_u64(i % 50)), FLOE_OK);
    }
    cr_assert_eq(floe_hll_sketch_estimate(&a), 50); /* sparse: exact */
    cr_assert_null(a.dense);
    for (i = 0; i < 5000; i++) cr_assert_eq(floe_hll_sketch_add(&b, floe_hash_u64(1000 + i)), FLOE_OK);
    cr_assert_not_null(b.dense);
    for (i = 0; i < 50; i++) floe_hll_sketch_add(&all, floe_hash_u64(i));
    for (i = 0; i < 5000; i++) floe_hll_sketch_add(&all, floe_hash_u64(1000 + i));
    /* sparse into dense and dense into sparse give the same registers */
    {
        floe_hll_sketch a2, b2;
        memset(&a2, 0, sizeof a2);
        memset(&b2, 0, sizeof b2);
        for (i = 0; i < 50; i++) floe_hll_sketch_add(&a2, floe_hash_u64(i));
        for (i = 0; i < 5000; i++) floe_hll_sketch_add(&b2, floe_hash_u64(1000 + i));
        cr_assert_eq(floe_hll_sketch_merge(&a, &b), FLOE_OK);   /* dense into sparse */
        cr_assert_eq(floe_hll_sketch_merge(&b2, &a2), FLOE_OK); /* sparse into dense */
        cr_assert_eq(memcmp(a.dense, all.dense, FLOE_HLL_BYTES), 0);
        cr_assert_eq(memcmp(b2.dense, all.dense, FLOE_HLL_BYTES), 0);
        cr_assert(fabs((double)floe_hll_sketch_estimate(&a) - 5050.0) / 5050.0 < 0.03);
        floe_hll_sketch_free(&a2);
        floe_hll_sketch_free(&b2);
    }
    floe_hll_sketch_free(&a);
    floe_hll_sketch_free(&b);
    floe_hll_sketch_free(&all);
}

Test(agg, grouped_approx_count_distinct_small_groups_exact)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 30000, 55, 1000);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[2] = {0, 3};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 2, cols);
        floe_expr *g[1] = {t_col(qp, 0, T_BIG)};
        floe_agg aggs[1];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint64_t i, r;
        aggs[0] = mk_agg(FLOE_AGG_APPROX_COUNT_DISTINCT, t_col(qp, 1, T_STR), T_BIG, false);
        qp->root = mk_aggnode(qp, scan, 1, g, 1, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 61);
        for (i = 0; i < res.n; i++) {
            int ki = res_key_index(tres_at(&res, i, 0));
            uint8_t seen[20];
            int64_t d = 0;
            memset(seen, 0, sizeof seen);
            for (r = 0; r < td.n; r++) {
                int si;
                if (key_index(&td, r) != ki || td.nul[3][r]) continue;
                si = (int)(td.s[r].ptr - td.strs[0]) / (int)sizeof td.strs[0];
                if (!seen[si]) d++;
                seen[si] = 1;
            }
            cr_assert_eq(tres_at(&res, i, 1)->v.i, d);
        }
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

/* COUNT(*) alone over a bare scan is answered without reading columns: the
 * counts equal the rows of both sources, every morsel is visited once. */
Test(agg, count_star_only_counts_every_source_row)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 23457, 9, 1000);
    for (nt = 1; nt <= 2; nt++) {
        floe_query_plan *qp = floe_query_plan_new();
        uint32_t cols[1] = {1};
        floe_plan *scan = t_scan(qp, 0, &td.src[0], 1, cols);
        floe_agg aggs[2];
        tres res;
        floe_err err = FLOE_ERR_INIT;
        uint32_t want_morsels = ts_nmorsels(&td.src[0]) + ts_nmorsels(&td.src[1]);
        atomic_store(&td.src[0].opened, 0);
        atomic_store(&td.src[1].opened, 0);
        aggs[0] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
        aggs[1] = mk_agg(FLOE_AGG_COUNT_STAR, NULL, T_BIG, false);
        qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
        cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.n, 1);
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, (int64_t)(td.src[0].nrows + td.src[1].nrows));
        cr_assert_eq(tres_at(&res, 0, 0)->v.i, 23457);
        cr_assert_eq(tres_at(&res, 0, 1)->v.i, 23457);
        cr_assert_eq((uint32_t)(atomic_load(&td.src[0].opened) + atomic_load(&td.src[1].opened)),
                     want_morsels);
        tres_free(&res);
        floe_query_plan_free(qp);
    }
    td_free(&td);
}

/* MIN/MAX alone over a bare scan skip morsels whose statistics cannot beat
 * the running values; results equal a plain loop, and a sorted column is
 * settled by reading two morsels. */
Test(agg, min_max_only_skip_morsels_by_statistics)
{
    tdata td;
    uint32_t nt;
    td_init(&td, 23457, 11, 1000);
    for (nt = 1; nt <= 2; nt++) {
        int64_t mnk = INT64_MAX, mxk = INT64_MIN, mxv = INT64_MIN;
        uint64_t r;
        int round;
        for (r = 0; r < td.n; r++) {
            if (!td.nul[0][r] && td.k[r] < mnk) mnk = td.k[r];
            if (!td.nul[0][r] && td.k[r] > mxk) mxk = td.k[r];
            if (!td.nul[1][r] && td.v[r] > mxv) mxv = td.v[r];
        }
        for (round = 0; round < 2; round++) {
            floe_query_plan *qp = floe_query_plan_new();
            uint32_t cols[3] = {0, 1, 5};
            floe_plan *scan = t_scan(qp, 0, &td.src[0], 3, cols);
            floe_agg aggs[5];
            tres res;
            floe_err err = FLOE_ERR_INIT;
            atomic_store(&td.src[0].opened, 0);
            atomic_store(&td.src[1].opened, 0);
            if (round == 0) {
                aggs[0] = mk_agg(FLOE_AGG_MIN, t_col(qp, 0, T_BIG), T_BIG, false);
                aggs[1] = mk_agg(FLOE_AGG_MAX, t_col(qp, 0, T_BIG), T_BIG, false);
                aggs[2] = mk_agg(FLOE_AGG_MAX, t_col(qp, 1, T_BIG), T_BIG, false);
                aggs[3] = mk_agg(FLOE_AGG_MIN, t_col(qp, 2, T_BIG), T_BIG, false);
                aggs[4] = mk_agg(FLOE_AGG_MAX, t_col(qp, 2, T_BIG), T_BIG, false);
                qp->root = mk_aggnode(qp, scan, 0, NULL, 5, aggs);
            } else {
                aggs[0] = mk_agg(FLOE_AGG_MAX, t_col(qp, 2, T_BIG), T_BIG, false);
                aggs[1] = mk_agg(FLOE_AGG_MIN, t_col(qp, 2, T_BIG), T_BIG, false);
                qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
            }
            cr_assert_eq(t_run(qp, &td.table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(res.n, 1);
            if (round == 0) {
                cr_assert_eq(tres_at(&res, 0, 0)->v.i, mnk);
                cr_assert_eq(tres_at(&res, 0, 1)->v.i, mxk);
                cr_assert_eq(tres_at(&res, 0, 2)->v.i, mxv);
                cr_assert_eq(tres_at(&res, 0, 3)->v.i, 0);
                cr_assert_eq(tres_at(&res, 0, 4)->v.i, (int64_t)td.n - 1);
            } else {
                cr_assert_eq(tres_at(&res, 0, 0)->v.i, (int64_t)td.n - 1);
                cr_assert_eq(tres_at(&res, 0, 1)->v.i, 0);
                /* the last morsel, then the first: every other one skipped */
                cr_assert_eq(atomic_load(&td.src[0].opened) + atomic_load(&td.src[1].opened), 2);
            }
            tres_free(&res);
            floe_query_plan_free(qp);
        }
    }
    td_free(&td);
}

/* SUM/AVG of a BIGINT without GROUP BY and without NULLs (the split-halves
 * loop): large values of both signs, exact against a 128-bit C loop, and an
 * out-of-range total is still an error. */
Test(agg, bigint_sum_without_groups_exact)
{
    enum { N = 30011 };
    int64_t *vals = malloc(N * 8);
    tsrc src;
    floe_scan_source ss;
    floe_table_scan table;
    uint32_t nt, i, round;
    uint64_t seed = 1234;
    for (round = 0; round < 2; round++) {
        __extension__ __int128 ref = 0;
        for (i = 0; i < N; i++) {
            uint64_t x = t_rng(&seed);
            /* round 0: |v| < 2^47 (total fits); round 1: near 2^62, total overflows */
            vals[i] = round == 0 ? (int64_t)(x >> 16) - (int64_t)(1ULL << 47)
                                 : (int64_t)(1ULL << 62) + (int64_t)(x % 1000);
            ref += vals[i];
        }
        memset(&src, 0, sizeof src);
        src.ncols = 1;
        src.types[0] = T_BIG;
        src.data[0] = vals;
        src.nrows = N;
        src.morsel_rows = 4000;
        src.batch_rows = 2048;
        ss.vt = &ts_vt;
        ss.self = &src;
        table.sources = &ss;
        table.nsources = 1;
        for (nt = 1; nt <= 2; nt++) {
            floe_query_plan *qp = floe_query_plan_new();
            uint32_t cols[1] = {0};
            floe_plan *scan = t_scan(qp, 0, &src, 1, cols);
            floe_agg aggs[2];
            tres res;
            floe_err err = FLOE_ERR_INIT;
            int rc;
            aggs[0] = mk_agg(FLOE_AGG_SUM, t_col(qp, 0, T_BIG), T_BIG, false);
            aggs[1] = mk_agg(FLOE_AGG_AVG, t_col(qp, 0, T_BIG), T_DBL, false);
            qp->root = mk_aggnode(qp, scan, 0, NULL, 2, aggs);
            rc = t_run(qp, &table, 1, nt, 0, NULL, &res, &err);
            if (round == 0) {
                cr_assert_eq(rc, FLOE_OK, "%s", err.msg);
                cr_assert_eq(tres_at(&res, 0, 0)->v.i, (int64_t)ref);
                cr_assert_float_eq(tres_at(&res, 0, 1)->v.d, (double)ref / N, 1e-6);
                tres_free(&res);
            } else {
                cr_assert_eq(rc, FLOE_RANGE, "rc %d: %s", rc, err.msg);
            }
            floe_query_plan_free(qp);
        }
    }
    free(vals);
}
