/* engine/op_agg.c: hash aggregation (AGGREGATE) and DISTINCT.
 *
 * Each worker of the child pipeline keeps a local floe_hashtable of group
 * keys and per-aggregate state arrays indexed by group id (partial
 * aggregation). The partial states are then merged in parallel by
 * partition: every local group goes to partition hash(key) % workers, and
 * merge worker p re-inserts the keys of partition p of every local into its
 * own global table (giving a local -> global id map) and combines the states
 * (counts and sums add, min/max compare, HyperLogLog sketches merge, quantile
 * value lists concatenate, moments combine by Chan's formula). An
 * aggregate's FILTER (WHERE p) is evaluated per batch before anything else
 * of it: only the live rows where p is TRUE reach its DISTINCT set or its
 * update (and the COUNT(*)-only / MIN/MAX-only scan shortcuts are off).
 * Two-argument aggregates (covar, corr, regr_*, arg_min/arg_max) get their
 * second argument as v2. DISTINCT aggregates keep, per worker, a set of
 * (group id, value) pairs (values only without GROUP BY); the pairs are
 * partitioned like their group (by value without GROUP BY, the partial
 * results of the partitions being folded at the end), and only pairs new to
 * the partition's set feed the aggregate, so each distinct value counts once
 * whatever the threads did. The output is partition 0's groups, then 1's...
 *
 * Integer SUM/AVG accumulate in 128 bits; a SUM outside BIGINT is FLOE_RANGE
 * at the end, never a silent wrap. DOUBLE SUM/AVG accumulate exactly
 * (engine/xsum.h) and round once at the end, so which worker saw which
 * morsel, and in what order, never changes a digit: 1 thread and N give
 * the same bits. Without GROUP BY there is exactly one
 * output row, even for empty input; with GROUP BY, empty input gives none.
 * DISTINCT (the plan node) is an aggregation grouping by all columns.
 *
 * GROUPING SETS / ROLLUP / CUBE (plan u.agg.sets): one aggregation serves
 * every set. Each batch's key vectors are evaluated once, then the rows
 * are fed once per set: keyed by the set's keys (the others a NULL
 * constant) plus the set number as one more hash key (ngroups = ngexprs +
 * 1), so a NULL key and a grouped-out key make different groups, and so do
 * duplicate sets. Only the ngexprs keys are output. GROUPING() reads the
 * set being fed (L->cur_set). Sets that group by nothing are seeded in
 * worker 0's table before any row, so empty input still gives their row
 * (count 0, other aggregates NULL, GROUPING all ones).
 * ORDER BY inside aggregates: see engine/agg_ordered.c.
 *
 * Per-aggregate code is only in the update / combine / finalize functions
 * below and, for the statistical aggregates, in engine/agg_stats.c (the
 * shared structs are in engine/agg_internal.h), which
 * engine/aggregates.def names (agg_ops_table); the scan shortcuts are in
 * engine/agg_scan.c; the state arrays
 * a group gets follow the aggregate's FLOE_AGGS_* bits and DISTINCT sets its
 * FLOE_AGGF_DISTINCT flag (engine/aggregates.h). The scan shortcuts
 * (COUNT(*)-only, MIN/MAX-only, COUNT(DISTINCT integer)) test ids.
 * Memory held by tables, states, sets and sketches is accounted as
 * "AGGREGATE".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/agg_internal.h"
#include "engine/aggregates.h"
#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/hashtable.h"
#include "engine/hll.h"
#include "engine/intset.h"
#include "engine/xsum.h"
#include "util/hash.h"
#include "util/mem.h"

enum { CLS_INT, CLS_DBL, CLS_STR, CLS_OTHER };

static int cls_of(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DECIMAL: return CLS_INT;
    case FLOE_TYPE_DOUBLE: return CLS_DBL;
    case FLOE_TYPE_VARCHAR: return CLS_STR;
    default: return CLS_OTHER;
    }
}

static inline int64_t vload_int(const floe_vec *v, uint32_t r)
{
    switch ((floe_type_id)v->type.id) {
    case FLOE_TYPE_BOOLEAN: return ((const uint8_t *)v->data)[r];
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return ((const int32_t *)v->data)[r];
    default: return ((const int64_t *)v->data)[r];
    }
}

static int agg_distinct(const floe_agg *a)
{
    return a->distinct && (floe_aggregates_get(a->fn)->flags & FLOE_AGGF_DISTINCT);
}

/* Aggregate a is a COUNT(DISTINCT integer) without GROUP BY, counted in a
 * radix-partitioned floe_intset (engine/intset.h) instead of a hash table
 * of values: per worker, then unioned partition by partition. */
static int agg_fastd(const agg_op *o, uint32_t a)
{
    return o->fastd && o->fastd[a];
}

/* ------------------------------------------------------------ local state */

static void local_free(agg_op *o, agg_local *L)
{
    uint32_t a;
    uint64_t g;
    if (L == NULL) return;
    floe_hashtable_free(&L->ht);
    if (L->st) {
        for (a = 0; a < o->naggs; a++) {
            agg_st *s = &L->st[a];
            if (s->hll)
                for (g = 0; g < L->cap; g++) floe_hll_sketch_free(&s->hll[g]);
            if (s->lists)
                for (g = 0; g < L->cap; g++) floe_free(s->lists[g].v);
            if (s->xsum)
                for (g = 0; g < L->cap; g++) floe_xsum_free(&s->xsum[g]);
            floe_free(s->cnt);
            floe_free(s->isum);
            floe_free(s->xsum);
            floe_free(s->val);
            floe_free(s->hll);
            floe_free(s->lists);
            floe_free(s->mom);
            floe_free(s->val2);
            floe_free(s->buf);
        }
    }
    if (L->dsets)
        for (a = 0; a < o->naggs; a++) floe_hashtable_free(&L->dsets[a]);
    if (L->isets)
        for (a = 0; a < o->naggs; a++) floe_intset_free(&L->isets[a]);
    floe_free(L->isets);
    floe_free(L->dsets);
    floe_free(L->st);
    floe_arena_free(L->arena);
    floe_free(L->ids);
    floe_free(L->rows);
    floe_free(L->dids);
    floe_free(L->drows);
    floe_free(L->dgids);
    floe_free(L->frows);
    floe_free(L->fids);
    floe_free(L->hashes);
    floe_free(L->gidbuf);
    floe_free(L->gpart);
    if (L->dpart)
        for (a = 0; a < o->naggs; a++) floe_free(L->dpart[a]);
    floe_free(L->dpart);
    if (L->reported) (void)floe_exec_mem(o->base.ex, -(int64_t)L->reported, "AGGREGATE", NULL);
    floe_eval_ctx_free(&L->ev.ectx);
    floe_free(L);
}

#define GROW(ptr, oldn, newn)                                                              \
    do {                                                                                   \
        void *np_ = floe_realloc((ptr), (size_t)(newn) * sizeof *(ptr));                 \
        if (np_ == NULL) return FLOE_NOMEM;                                                \
        (ptr) = np_;                                                                       \
        memset((ptr) + (oldn), 0, (size_t)((newn) - (oldn)) * sizeof *(ptr));             \
    } while (0)

/* Make room for state of groups [0, n). FLOE_NOMEM. */
static int local_reserve(agg_op *o, agg_local *L, uint64_t n)
{
    uint64_t ncap;
    uint32_t a;
    if (n <= L->cap) {
        if (n > L->ngroups) L->ngroups = n;
        return FLOE_OK;
    }
    ncap = L->cap ? L->cap : 16;
    while (ncap < n) ncap *= 2;
    for (a = 0; a < o->naggs; a++) {
        agg_st *s = &L->st[a];
        const floe_agg *ag = &o->aggs[a];
        GROW(s->cnt, L->cap, ncap);
        {
            unsigned st = floe_aggregates_get(ag->fn)->state;
            if ((st & FLOE_AGGS_SUM) && ag->arg && cls_of(ag->arg->type) == CLS_DBL)
                GROW(s->xsum, L->cap, ncap);
            else if (st & FLOE_AGGS_SUM)
                GROW(s->isum, L->cap, ncap);
            if (st & FLOE_AGGS_VAL) GROW(s->val, L->cap, ncap);
            if (st & FLOE_AGGS_HLL) GROW(s->hll, L->cap, ncap);
            if (st & FLOE_AGGS_LIST) GROW(s->lists, L->cap, ncap);
            if (st & FLOE_AGGS_MOM) GROW(s->mom, L->cap, ncap);
            if (st & FLOE_AGGS_VAL2) GROW(s->val2, L->cap, ncap);
        }
    }
    L->cap = ncap;
    L->ngroups = n;
    return FLOE_OK;
}

static int local_new(agg_op *o, agg_local **out, floe_err *err)
{
    agg_local *L = floe_calloc(1, sizeof *L);
    uint32_t a, g;
    int rc;
    *out = NULL;
    if (L == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&L->ev, o->base.ex, o->base.plan);
    L->st = floe_calloc(o->naggs ? o->naggs : 1, sizeof *L->st);
    L->dsets = floe_calloc(o->naggs ? o->naggs : 1, sizeof *L->dsets);
    L->arena = floe_arena_new(0);
    L->ids = floe_malloc(FLOE_VEC_SIZE * sizeof *L->ids);
    L->rows = floe_malloc(FLOE_VEC_SIZE * sizeof *L->rows);
    L->dids = floe_malloc(FLOE_VEC_SIZE * sizeof *L->dids);
    L->drows = floe_malloc(FLOE_VEC_SIZE * sizeof *L->drows);
    L->dgids = floe_malloc(FLOE_VEC_SIZE * sizeof *L->dgids);
    L->frows = floe_malloc(FLOE_VEC_SIZE * sizeof *L->frows);
    L->fids = floe_malloc(FLOE_VEC_SIZE * sizeof *L->fids);
    L->hashes = floe_malloc(FLOE_VEC_SIZE * sizeof *L->hashes);
    L->gidbuf = floe_malloc(FLOE_VEC_SIZE * sizeof *L->gidbuf);
    if (!L->st || !L->dsets || !L->arena || !L->ids || !L->rows || !L->dids || !L->drows || !L->dgids || !L->frows || !L->fids || !L->hashes ||
        !L->gidbuf) {
        local_free(o, L);
        return floe_err_nomem(err);
    }
    if (o->ngroups) {
        floe_type *kt = floe_malloc(o->ngroups * sizeof *kt);
        if (kt == NULL) {
            local_free(o, L);
            return floe_err_nomem(err);
        }
        for (g = 0; g < o->ngexprs; g++) kt[g] = o->groups[g]->type;
        if (o->nsets) kt[o->ngexprs] = floe_type_make(FLOE_TYPE_BIGINT); /* set number */
        rc = floe_hashtable_init(&L->ht, o->ngroups, kt, err);
        floe_free(kt);
        if (rc) {
            local_free(o, L);
            return rc;
        }
    }
    if (o->fastd) {
        L->isets = floe_calloc(o->naggs, sizeof *L->isets);
        if (L->isets == NULL) {
            local_free(o, L);
            return floe_err_nomem(err);
        }
        for (a = 0; a < o->naggs; a++) floe_intset_init(&L->isets[a]);
    }
    for (a = 0; a < o->naggs; a++) {
        if (agg_distinct(&o->aggs[a]) && !agg_fastd(o, a)) {
            /* (group, value) pairs; just values without GROUP BY */
            floe_type kt[2];
            kt[0] = floe_type_make(FLOE_TYPE_BIGINT);
            kt[1] = o->aggs[a].arg->type;
            rc = floe_hashtable_init(&L->dsets[a], o->ngroups ? 2 : 1, o->ngroups ? kt : kt + 1, err);
            if (rc) {
                local_free(o, L);
                return rc;
            }
        }
    }
    if (o->ngroups == 0 && local_reserve(o, L, 1) != FLOE_OK) {
        local_free(o, L);
        return floe_err_nomem(err);
    }
    *out = L;
    return FLOE_OK;
}

static int local_account(agg_op *o, agg_local *L, floe_err *err)
{
    uint64_t b = L->cap * (uint64_t)(o->naggs * 24 + 8) + L->list_bytes + L->hll_bytes +
                 L->xsum_bytes + floe_arena_reserved(L->arena);
    uint32_t a;
    int rc;
    if (o->ngroups) b += floe_hashtable_bytes(&L->ht);
    for (a = 0; a < o->naggs; a++) {
        unsigned st = floe_aggregates_get(o->aggs[a].fn)->state;
        if (st & FLOE_AGGS_MOM) b += L->cap * sizeof(agg_mom);
        if (st & FLOE_AGGS_VAL2) b += L->cap * sizeof(floe_value);
        if (L->st[a].xsum) b += L->cap * (uint64_t)(sizeof(floe_xsum) - 8);
        if (agg_fastd(o, a))
            b += L->isets[a].bytes;
        else if (agg_distinct(&o->aggs[a]))
            b += floe_hashtable_bytes(&L->dsets[a]);
    }
    if (b == L->reported) return FLOE_OK;
    rc = floe_exec_mem(o->base.ex, (int64_t)b - (int64_t)L->reported, "AGGREGATE", err);
    L->reported = b;
    return rc;
}

/* ------------------------------------------------------------------ update */

int floe_agg_copy_str(agg_local *L, floe_value *v)
{
    if (v->type.id == FLOE_TYPE_VARCHAR && v->v.s.len) {
        char *p = floe_arena_memdup(L->arena, v->v.s.ptr, v->v.s.len);
        if (p == NULL) return FLOE_NOMEM;
        v->v.s.ptr = p;
    }
    return FLOE_OK;
}

static inline int better(floe_agg_fn fn, const floe_value *nv, const floe_value *cur)
{
    int c = floe_value_cmp(nv, cur);
    return fn == FLOE_AGG_MIN ? c < 0 : c > 0;
}

static int cmp_values(const void *a, const void *b)
{
    return floe_value_cmp(a, b);
}

static double pow10d(int s)
{
    double p = 1;
    while (s-- > 0) p *= 10;
    return p;
}

static int put_value(floe_vec *col, uint32_t i, floe_value v)
{
    if (v.is_null) return floe_vec_set_null(col, i);
    v.type = col->type;
    floe_value_store(&v, col->data, i);
    return FLOE_OK;
}

static double value_as_double(const floe_value *v, floe_type argt)
{
    if (argt.id == FLOE_TYPE_DOUBLE) return v->v.d;
    if (argt.id == FLOE_TYPE_DECIMAL) return (double)v->v.i / pow10d(argt.scale);
    return (double)v->v.i;
}

/* update functions (contract and arguments in engine/agg_internal.h) */

static int upd_count_star(UPD_ARGS)
{
    UPD_PROLOGUE;
    (void)cst;
    (void)all_valid;
    (void)rows;
    if (o->ngroups == 0) { /* one group: no store per row */
        s->cnt[0] += cnt;
        return FLOE_OK;
    }
    for (k = 0; k < cnt; k++) s->cnt[gids[k]]++;
    return FLOE_OK;
}

static int upd_count(UPD_ARGS)
{
    UPD_PROLOGUE;
    if (o->ngroups == 0) {
        int64_t c = 0;
        if (all_valid) {
            c = cnt;
        } else {
            for (k = 0; k < cnt; k++) c += VALID(k);
        }
        s->cnt[0] += c;
        return FLOE_OK;
    }
    for (k = 0; k < cnt; k++)
        if (VALID(k)) s->cnt[gids[k]]++;
    return FLOE_OK;
}

/* SUM and AVG: a count and a sum (exact for doubles, or 128-bit integer). */
static int upd_sum(UPD_ARGS)
{
    UPD_PROLOGUE;
    if (cls_of(v->type) == CLS_DBL && o->ngroups == 0) {
        /* one group: the exact sum in a local (registers), stored once */
        const double *d = v->data;
        floe_xsum acc = s->xsum[0];
        int64_t c = 0;
        int rc = FLOE_OK;
        if (all_valid) {
            for (k = 0; k < cnt && rc == FLOE_OK; k++) rc = floe_xsum_add(&acc, d[ROW(k)], &L->xsum_bytes);
            c = k;
        } else {
            for (k = 0; k < cnt && rc == FLOE_OK; k++)
                if (VALID(k)) {
                    rc = floe_xsum_add(&acc, d[ROW(k)], &L->xsum_bytes);
                    c++;
                }
        }
        s->xsum[0] = acc;
        s->cnt[0] += c;
        if (rc) return floe_err_nomem(err);
    } else if (cls_of(v->type) == CLS_DBL) {
        const double *d = v->data;
        for (k = 0; k < cnt; k++)
            if (VALID(k)) {
                if (floe_xsum_add(&s->xsum[gids[k]], d[ROW(k)], &L->xsum_bytes)) return floe_err_nomem(err);
                s->cnt[gids[k]]++;
            }
    } else if (floe_type_size(v->type) == 8 && o->ngroups == 0 && all_valid && !cst && cnt &&
               rows[cnt - 1] == cnt - 1) {
        /* one group, every row valid, rows 0..cnt-1 (ascending, so the
         * identity): split each value into a signed high and an unsigned
         * low 32-bit half, summed in 64 bits (exact below 2^31 rows) by
         * a loop the compiler vectorizes */
        const int64_t *d = v->data;
        int64_t hi = 0;
        uint64_t lo = 0;
        for (k = 0; k < cnt; k++) {
            hi += d[k] >> 32;
            lo += (uint32_t)d[k];
        }
        s->isum[0] += (agg_i128)hi * ((agg_i128)1 << 32) + (agg_i128)lo;
        s->cnt[0] += cnt;
    } else if (floe_type_size(v->type) == 8) {
        const int64_t *d = v->data;
        for (k = 0; k < cnt; k++)
            if (VALID(k)) {
                s->isum[gids[k]] += d[ROW(k)];
                s->cnt[gids[k]]++;
            }
    } else {
        for (k = 0; k < cnt; k++)
            if (VALID(k)) {
                s->isum[gids[k]] += vload_int(v, ROW(k));
                s->cnt[gids[k]]++;
            }
    }
    return FLOE_OK;
}

/* MIN, MAX and ANY_VALUE: one value per group. */
static int upd_minmax(UPD_ARGS)
{
    UPD_PROLOGUE;
    if (ag->fn != FLOE_AGG_ANY_VALUE && cls_of(v->type) == CLS_INT) {
        /* integers of any width: compare in registers */
        int mn = ag->fn == FLOE_AGG_MIN;
        for (k = 0; k < cnt; k++) {
            uint32_t g = gids[k];
            int64_t x;
            if (!VALID(k)) continue;
            x = vload_int(v, ROW(k));
            if (s->cnt[g] == 0 || (mn ? x < s->val[g].v.i : x > s->val[g].v.i)) {
                s->val[g].type = v->type;
                s->val[g].is_null = false;
                s->val[g].v.i = x;
            }
            s->cnt[g]++;
        }
        return FLOE_OK;
    }
    if (ag->fn != FLOE_AGG_ANY_VALUE && v->type.id == FLOE_TYPE_DOUBLE) {
        int mn = ag->fn == FLOE_AGG_MIN;
        const double *d = v->data;
        for (k = 0; k < cnt; k++) {
            uint32_t g = gids[k];
            double x;
            if (!VALID(k)) continue;
            x = d[ROW(k)];
            if (s->cnt[g] == 0) {
                s->val[g].type = v->type;
                s->val[g].is_null = false;
                s->val[g].v.d = x;
            } else if (x == x && s->val[g].v.d == s->val[g].v.d) {
                if (mn ? x < s->val[g].v.d : x > s->val[g].v.d) s->val[g].v.d = x;
            } else {
                /* NaN sorts after every number (floe_value_cmp) */
                floe_value nv = s->val[g];
                nv.v.d = x;
                if (better(ag->fn, &nv, &s->val[g])) s->val[g].v.d = x;
            }
            s->cnt[g]++;
        }
        return FLOE_OK;
    }
    for (k = 0; k < cnt; k++) {
        floe_value nv;
        uint32_t g = gids[k];
        if (!VALID(k)) continue;
        if (s->cnt[g] && ag->fn == FLOE_AGG_ANY_VALUE) continue;
        floe_value_load(v->type, v->data, ROW(k), &nv);
        nv.is_null = false;
        if (s->cnt[g] == 0 || better(ag->fn, &nv, &s->val[g])) {
            if (floe_agg_copy_str(L, &nv)) return floe_err_nomem(err);
            s->val[g] = nv;
        }
        s->cnt[g]++;
    }
    return FLOE_OK;
}

/* BOOL_AND / BOOL_OR: the AND / OR of the group's non-NULL values. */
static int upd_bool(UPD_ARGS)
{
    UPD_PROLOGUE;
    int is_and = ag->fn == FLOE_AGG_BOOL_AND;
    const uint8_t *d = v->data;
    for (k = 0; k < cnt; k++) {
        uint32_t g = gids[k];
        int64_t x;
        if (!VALID(k)) continue;
        x = d[ROW(k)] != 0;
        if (s->cnt[g] == 0) {
            s->val[g].type = v->type;
            s->val[g].is_null = false;
            s->val[g].v.i = x;
        } else {
            s->val[g].v.i = is_and ? (s->val[g].v.i & x) : (s->val[g].v.i | x);
        }
        s->cnt[g]++;
    }
    return FLOE_OK;
}

static int upd_hll(UPD_ARGS)
{
    UPD_PROLOGUE;
    for (k = 0; k < cnt; k++) {
        uint32_t g = gids[k];
        uint64_t h;
        uint32_t one = ROW(k);
        if (!VALID(k)) continue;
        floe_hashtable_hash_rows(v, 1, one + 1, &one, 1, &h);
        {
            size_t before = floe_hll_sketch_bytes(&s->hll[g]);
            if (floe_hll_sketch_add(&s->hll[g], h) != FLOE_OK) return floe_err_nomem(err);
            L->hll_bytes += floe_hll_sketch_bytes(&s->hll[g]) - before;
        }
        s->cnt[g]++;
    }
    return FLOE_OK;
}

/* QUANTILE and MEDIAN: every value of the group. */
static int upd_list(UPD_ARGS)
{
    UPD_PROLOGUE;
    for (k = 0; k < cnt; k++) {
        agg_vlist *l = &s->lists[gids[k]];
        floe_value nv;
        if (!VALID(k)) continue;
        if (l->n == l->cap) {
            uint32_t nc = l->cap ? l->cap * 2 : 8;
            floe_value *nvp = floe_realloc(l->v, nc * sizeof *nvp);
            if (nvp == NULL) return floe_err_nomem(err);
            L->list_bytes += (uint64_t)(nc - l->cap) * sizeof *nvp;
            l->v = nvp;
            l->cap = nc;
        }
        floe_value_load(v->type, v->data, ROW(k), &nv);
        nv.is_null = false;
        if (floe_agg_copy_str(L, &nv)) return floe_err_nomem(err);
        l->v[l->n++] = nv;
        s->cnt[gids[k]]++;
    }
    return FLOE_OK;
}
/* GROUPING(a, b, ...): bit n-1-j of the value is set when argument j's
 * key is grouped out of the rows' grouping set (PostgreSQL's order: the
 * first argument is the most significant bit); 0 without grouping sets. */
static int upd_grouping(UPD_ARGS)
{
    UPD_PROLOGUE;
    uint64_t set = o->nsets ? o->sets[L->cur_set] : ~0ull;
    int64_t x = 0;
    uint32_t j;
    (void)cst;
    (void)all_valid;
    (void)rows;
    for (j = 0; j < ag->ngkeys; j++) x = (x << 1) | (int64_t)(((set >> ag->gkeys[j]) & 1) ^ 1);
    for (k = 0; k < cnt; k++) {
        floe_value *r = &s->val[gids[k]];
        r->type = floe_type_make(FLOE_TYPE_BIGINT);
        r->is_null = false;
        r->v.i = x;
        s->cnt[gids[k]]++;
    }
    return FLOE_OK;
}
#undef ROW
#undef VALID
#undef UPD_PROLOGUE

/* combine functions (contract and arguments in engine/agg_internal.h) */

static int cmb_none(CMB_ARGS)
{
    (void)o, (void)a, (void)G, (void)g, (void)L, (void)lid, (void)err;
    return FLOE_OK;
}

static int cmb_sum(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    (void)o;
    if (gs->xsum) {
        if (floe_xsum_merge(&gs->xsum[g], &ls->xsum[lid], &G->xsum_bytes)) return floe_err_nomem(err);
    } else
        gs->isum[g] += ls->isum[lid];
    return FLOE_OK;
}

static int cmb_minmax(CMB_ARGS)
{
    const floe_agg *ag = &o->aggs[a];
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    (void)err;
    if (gs->cnt[g] == 0 ||
        (ag->fn != FLOE_AGG_ANY_VALUE && better(ag->fn, &ls->val[lid], &gs->val[g])))
        gs->val[g] = ls->val[lid];
    return FLOE_OK;
}

static int cmb_grouping(CMB_ARGS)
{
    (void)o, (void)err;
    G->st[a].val[g] = L->st[a].val[lid];
    return FLOE_OK;
}

static int cmb_bool(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    (void)err;
    if (gs->cnt[g] == 0)
        gs->val[g] = ls->val[lid];
    else if (o->aggs[a].fn == FLOE_AGG_BOOL_AND)
        gs->val[g].v.i &= ls->val[lid].v.i;
    else
        gs->val[g].v.i |= ls->val[lid].v.i;
    return FLOE_OK;
}

static int cmb_hll(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    size_t before = floe_hll_sketch_bytes(&gs->hll[g]);
    (void)o;
    if (floe_hll_sketch_merge(&gs->hll[g], &ls->hll[lid]) != FLOE_OK) return floe_err_nomem(err);
    G->hll_bytes += floe_hll_sketch_bytes(&gs->hll[g]) - before;
    return FLOE_OK;
}

static int cmb_list(CMB_ARGS)
{
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    agg_vlist *gl = &gs->lists[g], *ll = &ls->lists[lid];
    (void)o;
    if (gl->n + ll->n > gl->cap) {
        uint32_t nc = gl->n + ll->n;
        floe_value *nv = floe_realloc(gl->v, nc * sizeof *nv);
        if (nv == NULL) return floe_err_nomem(err);
        G->list_bytes += (uint64_t)(nc - gl->cap) * sizeof *nv;
        gl->v = nv;
        gl->cap = nc;
    }
    memcpy(gl->v + gl->n, ll->v, ll->n * sizeof *ll->v);
    gl->n += ll->n;
    return FLOE_OK;
}

/* finalize functions (contract and arguments in engine/agg_internal.h) */

static int fin_count(FIN_ARGS)
{
    (void)ag, (void)ct, (void)err;
    r->v.i = s->cnt[g];
    return FLOE_OK;
}

/* A group no row reached is a seeded empty grouping set: every key is
 * grouped out. */
static int fin_grouping(FIN_ARGS)
{
    (void)ct, (void)err;
    r->v.i = s->cnt[g] ? s->val[g].v.i : (int64_t)((1ull << ag->ngkeys) - 1);
    return FLOE_OK;
}

static int fin_hll(FIN_ARGS)
{
    (void)ag, (void)ct, (void)err;
    r->v.i = (int64_t)floe_hll_sketch_estimate(&s->hll[g]);
    return FLOE_OK;
}

static int fin_sum(FIN_ARGS)
{
    (void)ag;
    if (s->cnt[g] == 0) {
        r->is_null = true;
    } else if (s->xsum) {
        r->v.d = floe_xsum_value(&s->xsum[g]);
        if (ct.id != FLOE_TYPE_DOUBLE) r->v.i = (int64_t)r->v.d;
    } else {
        agg_i128 x = s->isum[g];
        agg_i128 lim = ct.id == FLOE_TYPE_DECIMAL ? (agg_i128)999999999999999999LL
                                                  : (agg_i128)INT64_MAX;
        if (x > lim || x < -lim - (ct.id == FLOE_TYPE_DECIMAL ? 0 : 1))
            return floe_err_set(err, FLOE_RANGE, "SUM: integer overflow: result out of range for %s",
                                ct.id == FLOE_TYPE_DECIMAL ? "DECIMAL(18)" : "BIGINT");
        if (ct.id == FLOE_TYPE_DOUBLE)
            r->v.d = (double)x;
        else
            r->v.i = (int64_t)x;
    }
    return FLOE_OK;
}

static int fin_avg(FIN_ARGS)
{
    floe_type argt = ag->arg ? ag->arg->type : floe_type_make(FLOE_TYPE_BIGINT);
    (void)ct, (void)err;
    if (s->cnt[g] == 0) {
        r->is_null = true;
    } else if (s->xsum) {
        r->v.d = floe_xsum_value(&s->xsum[g]) / (double)s->cnt[g];
    } else {
        long double q = (long double)s->isum[g] / (long double)s->cnt[g];
        if (argt.id == FLOE_TYPE_DECIMAL) q /= (long double)pow10d(argt.scale);
        r->v.d = (double)q;
    }
    return FLOE_OK;
}

static int fin_val(FIN_ARGS)
{
    (void)ag, (void)ct, (void)err;
    if (s->cnt[g] == 0)
        r->is_null = true;
    else
        *r = s->val[g];
    return FLOE_OK;
}

/* QUANTILE / quantile_disc (the first value whose cumulative share reaches
 * q: index ceil(n q) - 1, as PostgreSQL's percentile_disc and DuckDB),
 * QUANTILE_CONT (linear interpolation between ranks floor and ceil of
 * (n - 1) q, DOUBLE arguments) and MEDIAN (mean of the two middle values). */
static int fin_quantile(FIN_ARGS)
{
    floe_type argt = ag->arg ? ag->arg->type : floe_type_make(FLOE_TYPE_BIGINT);
    agg_vlist *l = &s->lists[g];
    (void)err;
    if (l->n == 0) {
        r->is_null = true;
        return FLOE_OK;
    }
    qsort(l->v, l->n, sizeof *l->v, cmp_values);
    if (ag->fn == FLOE_AGG_QUANTILE) {
        double q = ag->param < 0 ? 0 : ag->param > 1 ? 1 : ag->param, c = ceil((double)l->n * q);
        uint32_t i = c < 1 ? 0 : (uint32_t)c - 1;
        if (ag->okeys && ag->okeys[0].desc) i = l->n - 1 - i; /* WITHIN GROUP (ORDER BY x DESC) */
        *r = l->v[i < l->n ? i : l->n - 1];
    } else if (ag->fn == FLOE_AGG_QUANTILE_CONT) {
        double q = ag->param < 0 ? 0 : ag->param > 1 ? 1 : ag->param, pos = (double)(l->n - 1) * q;
        uint32_t lo = (uint32_t)floor(pos), hi = (uint32_t)ceil(pos);
        double a = l->v[lo].v.d, b = l->v[hi < l->n ? hi : l->n - 1].v.d;
        r->v.d = lo == hi ? a : a + (pos - (double)lo) * (b - a);
    } else {
        const floe_value *lo = &l->v[(l->n - 1) / 2], *hi = &l->v[l->n / 2];
        if (ct.id == FLOE_TYPE_DOUBLE && cls_of(argt) != CLS_STR && cls_of(argt) != CLS_OTHER) {
            r->v.d = (value_as_double(lo, argt) + value_as_double(hi, argt)) / 2;
        } else if (ct.id == FLOE_TYPE_DECIMAL && argt.id == FLOE_TYPE_DECIMAL) {
            agg_i128 sum = (agg_i128)lo->v.i + hi->v.i;
            r->v.i = (int64_t)(sum >= 0 ? (sum + 1) / 2 : (sum - 1) / 2);
        } else if (cls_of(argt) == CLS_INT && lo != hi) {
            r->v.i = (int64_t)(((agg_i128)lo->v.i + hi->v.i) / 2);
        } else {
            *r = *lo;
        }
    }
    return FLOE_OK;
}

/* The entry points of every aggregate, from engine/aggregates.def. */
typedef struct agg_ops {
    int (*update)(UPD_ARGS);
    int (*combine)(CMB_ARGS);
    int (*finalize)(FIN_ARGS);
} agg_ops;

#define NAMES(...) 0
#define NO_NAMES 0
#define FLOE_AGGREGATE(id, display, names, flags, result, state, upd, cmb, fin)            \
    [FLOE_AGG_##id] = {upd, cmb, fin},
static const agg_ops agg_ops_table[FLOE_AGG_COUNT_] = {
#include "engine/aggregates.def"
};
#undef FLOE_AGGREGATE
#undef NAMES
#undef NO_NAMES
#undef UPD_ARGS
#undef CMB_ARGS
#undef FIN_ARGS

/* Feed rows[k] (physical rows of v, and of v2 for two-argument
 * aggregates) to groups gids[k] for aggregate ai. */
static int agg_update(agg_op *o, agg_local *L, uint32_t ai, const floe_vec *v, const floe_vec *v2,
                      const uint32_t *rows, const uint32_t *gids, uint32_t cnt, floe_err *err)
{
    return agg_ops_table[o->aggs[ai].fn].update(o, L, ai, v, v2, rows, gids, cnt, err);
}

/* Insert (group, value) pairs of the valid rows into the distinct set of
 * aggregate ai; with `feed`, pairs new to the set update the aggregate. */
static int distinct_add(agg_op *o, agg_local *L, uint32_t ai, const floe_vec *v, const int64_t *gidcol,
                        const uint32_t *rows, uint32_t cnt, uint32_t nphys, int feed, floe_err *err)
{
    floe_hashtable *ds = &L->dsets[ai];
    floe_vec keys[2];
    uint32_t k, m = 0, before = ds->count, next_new;
    int rc;
    /* keep valid rows only: DISTINCT ignores NULLs */
    for (k = 0; k < cnt; k++)
        if (floe_vec_is_valid(v, floe_exec_vrow(v, rows[k]))) L->drows[m++] = rows[k];
    if (m == 0) return FLOE_OK;
    floe_vec_borrow(&keys[0], floe_type_make(FLOE_TYPE_BIGINT), (void *)gidcol, NULL, nphys);
    keys[1] = *v;
    rc = floe_hashtable_insert(ds, ds->nkeys == 2 ? keys : keys + 1, nphys, L->drows, m, L->dids, err);
    if (rc || !feed) return rc;
    /* new pairs got ids before, before+1, ... in row order */
    next_new = before;
    {
        uint32_t n2 = 0;
        for (k = 0; k < m; k++) {
            if (L->dids[k] == next_new) {
                L->drows[n2] = L->drows[k];
                L->dgids[n2] = (uint32_t)gidcol[L->drows[k]];
                n2++;
                next_new++;
            }
        }
        return agg_update(o, L, ai, v, NULL, L->drows, L->dgids, n2, err);
    }
}

/* Add the valid live rows of an integer-like vector to intset a. */
static int fastd_add(agg_local *L, uint32_t a, const floe_vec *v, const uint32_t *rows, uint32_t live,
                     floe_err *err)
{
    uint32_t k, m = 0;
    if (v->type.id != FLOE_TYPE_BOOLEAN && floe_type_size(v->type) == 8 && v->validity == NULL &&
        !(v->flags & FLOE_VEC_CONST)) {
        if (floe_intset_add(&L->isets[a], v->data, rows, live) != FLOE_OK) return floe_err_nomem(err);
        return FLOE_OK;
    }
    for (k = 0; k < live; k++) {
        uint32_t r = floe_exec_vrow(v, rows ? rows[k] : k);
        if (floe_vec_is_valid(v, r)) L->gidbuf[m++] = vload_int(v, r);
    }
    if (floe_intset_add(&L->isets[a], L->gidbuf, NULL, m) != FLOE_OK) return floe_err_nomem(err);
    return FLOE_OK;
}

/* Feed the live rows of b (L->rows, their groups in L->ids) to every
 * aggregate: FILTER, then the DISTINCT set, the fast intset or update. */
static int agg_feed(agg_op *o, agg_local *L, floe_batch *b, uint32_t live, floe_err *err)
{
    uint32_t k, a;
    floe_vec argv;
    int rc = FLOE_OK;
    for (a = 0; a < o->naggs && rc == FLOE_OK; a++) {
        const floe_agg *ag = &o->aggs[a];
        const uint32_t *rows = L->rows, *ids = L->ids;
        uint32_t n = live;
        if (ag->filter) {
            /* FILTER (WHERE p): keep the live rows where p is TRUE */
            floe_vec fv;
            const uint8_t *fd;
            rc = floe_exec_eval(&L->ev, ag->filter, b, &fv, err);
            if (rc) break;
            fd = fv.data;
            for (k = 0, n = 0; k < live; k++) {
                uint32_t r = floe_exec_vrow(&fv, L->rows[k]);
                if (floe_vec_is_valid(&fv, r) && fd[r]) {
                    L->frows[n] = L->rows[k];
                    L->fids[n++] = L->ids[k];
                }
            }
            floe_vec_free(&fv);
            rows = L->frows;
            ids = L->fids;
            if (n == 0) continue;
        }
        if (ag->fn == FLOE_AGG_COUNT_STAR || ag->fn == FLOE_AGG_GROUPING) {
            rc = agg_update(o, L, a, NULL, NULL, rows, ids, n, err);
            continue;
        }
        rc = floe_exec_eval(&L->ev, ag->arg, b, &argv, err);
        if (rc) break;
        if (agg_fastd(o, a)) {
            rc = fastd_add(L, a, &argv, b->sel || ag->filter ? rows : NULL, n, err);
        } else if (agg_distinct(ag)) {
            for (k = 0; k < n; k++) L->gidbuf[rows[k]] = ids[k];
            /* rows scratch is reused by distinct_add: keep a copy of the live rows */
            rc = distinct_add(o, L, a, &argv, L->gidbuf, rows, n, b->n, 0, err);
        } else if (ag->arg2) {
            floe_vec argv2;
            rc = floe_exec_eval(&L->ev, ag->arg2, b, &argv2, err);
            if (rc == FLOE_OK) {
                rc = agg_update(o, L, a, &argv, &argv2, rows, ids, n, err);
                floe_vec_free(&argv2);
            }
        } else if (ag->norder) {
            rc = floe_agg_order_eval(L, ag, b, err);
            if (rc == FLOE_OK) {
                rc = agg_update(o, L, a, &argv, NULL, rows, ids, n, err);
                floe_agg_order_free(L, ag);
            }
        } else {
            rc = agg_update(o, L, a, &argv, NULL, rows, ids, n, err);
        }
        floe_vec_free(&argv);
    }
    return rc;
}

/* NULL constant vector of type t standing for n rows (a grouped-out key). */
static void null_const(floe_vec *v, floe_type t, uint32_t n)
{
    static const uint64_t zero_data[4];
    static const uint64_t zero_valid;
    floe_vec_borrow(v, t, (void *)zero_data, (uint64_t *)&zero_valid, n);
    v->flags |= FLOE_VEC_CONST;
}

/* Group ids of b's live rows (into L->ids) for the keys kv[0..ngexprs)
 * (and, with grouping sets, set `set`: its grouped-out keys NULL, the set
 * number as the last key). */
static int agg_group_ids(agg_op *o, agg_local *L, floe_batch *b, floe_vec *kv, uint32_t set,
                         floe_err *err)
{
    floe_vec one[65];
    int64_t sid = set;
    uint32_t g;
    int rc;
    if (o->nsets == 0) {
        rc = floe_hashtable_insert(&L->ht, kv, b->n, b->sel, b->nsel, L->ids, err);
    } else {
        for (g = 0; g < o->ngexprs; g++) {
            if ((o->sets[set] >> g) & 1) one[g] = kv[g];
            else null_const(&one[g], o->groups[g]->type, b->n);
        }
        floe_vec_borrow(&one[o->ngexprs], floe_type_make(FLOE_TYPE_BIGINT), &sid, NULL, b->n);
        one[o->ngexprs].flags |= FLOE_VEC_CONST;
        rc = floe_hashtable_insert(&L->ht, one, b->n, b->sel, b->nsel, L->ids, err);
    }
    if (rc) return rc;
    if (local_reserve(o, L, L->ht.count) != FLOE_OK) return floe_err_nomem(err);
    return FLOE_OK;
}

int floe_agg_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    agg_op *o = arg;
    agg_local *L = o->locals[w];
    uint32_t live = floe_batch_rows(b), k, g, s;
    floe_vec keys[16], *kv = keys;
    int rc = FLOE_OK;

    rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    if (b->n > FLOE_VEC_SIZE)
        return floe_err_set(err, FLOE_MISUSE, "AGGREGATE: batch of %u rows exceeds %u", b->n,
                            FLOE_VEC_SIZE);
    if (o->ngexprs > 16) {
        kv = floe_calloc(o->ngexprs, sizeof *kv);
        if (kv == NULL) return floe_err_nomem(err);
    } else {
        memset(keys, 0, sizeof keys);
    }
    for (k = 0; k < live; k++) L->rows[k] = b->sel ? b->sel[k] : k;
    if (o->ngroups == 0) {
        memset(L->ids, 0, live * sizeof *L->ids);
        rc = agg_feed(o, L, b, live, err);
    } else {
        for (g = 0; g < o->ngexprs && rc == FLOE_OK; g++)
            rc = floe_exec_eval(&L->ev, o->groups[g], b, &kv[g], err);
        /* one pass per grouping set (one for a plain GROUP BY) */
        for (s = 0; s < (o->nsets ? o->nsets : 1) && rc == FLOE_OK; s++) {
            L->cur_set = s;
            rc = agg_group_ids(o, L, b, kv, s, err);
            if (rc == FLOE_OK) rc = agg_feed(o, L, b, live, err);
        }
        for (g = 0; g < o->ngexprs; g++) floe_vec_free(&kv[g]);
    }
    if (kv != keys) floe_free(kv);
    if (rc == FLOE_OK) rc = local_account(o, L, err);
    return rc;
}

/* ------------------------------------------------------------------- merge */

/* Fold state of aggregate a for group lid of L into group g of G. */
static int merge_state(agg_op *o, uint32_t a, agg_local *G, uint64_t g, agg_local *L, uint64_t lid,
                       floe_err *err)
{
    const floe_agg *ag = &o->aggs[a];
    agg_st *gs = &G->st[a], *ls = &L->st[a];
    int rc;
    if (ls->cnt[lid] == 0 && ag->fn != FLOE_AGG_COUNT_STAR) return FLOE_OK;
    if ((rc = agg_ops_table[ag->fn].combine(o, a, G, g, L, lid, err))) return rc;
    gs->cnt[g] += ls->cnt[lid];
    return FLOE_OK;
}

/* Route L's groups (by key hash) and DISTINCT pairs (by their group, or by
 * value without GROUP BY) to merge partitions. */
static int route_local(agg_op *o, agg_local *L, floe_err *err)
{
    uint64_t nl = o->ngroups ? L->ht.count : 1, start;
    uint32_t a, k, P = o->nparts;
    floe_vec *view = floe_calloc(o->ngroups + 2, sizeof *view);
    L->gpart = floe_calloc(nl ? nl : 1, sizeof *L->gpart);
    L->dpart = floe_calloc(o->naggs ? o->naggs : 1, sizeof *L->dpart);
    if (view == NULL || L->gpart == NULL || L->dpart == NULL) {
        floe_free(view);
        return floe_err_nomem(err);
    }
    if (o->ngroups) {
        for (start = 0; start < nl; start += FLOE_VEC_SIZE) {
            uint32_t n = (uint32_t)(nl - start < FLOE_VEC_SIZE ? nl - start : FLOE_VEC_SIZE);
            floe_exec_rows_view(&L->ht.keys, start, n, view);
            floe_hashtable_hash_rows(view, o->ngroups, n, NULL, 0, L->hashes);
            for (k = 0; k < n; k++) L->gpart[start + k] = (uint32_t)((L->hashes[k] >> 32) % P);
        }
    }
    for (a = 0; a < o->naggs; a++) {
        floe_exec_rows *dk;
        if (agg_fastd(o, a)) {
            if (floe_intset_flush(&L->isets[a]) != FLOE_OK) {
                floe_free(view);
                return floe_err_nomem(err);
            }
            continue;
        }
        if (!agg_distinct(&o->aggs[a])) continue;
        dk = &L->dsets[a].keys;
        L->dpart[a] = floe_malloc((dk->n ? dk->n : 1) * sizeof **L->dpart);
        if (L->dpart[a] == NULL) {
            floe_free(view);
            return floe_err_nomem(err);
        }
        for (start = 0; start < dk->n; start += FLOE_VEC_SIZE) {
            uint32_t n = (uint32_t)(dk->n - start < FLOE_VEC_SIZE ? dk->n - start : FLOE_VEC_SIZE);
            floe_exec_rows_view(dk, start, n, view);
            if (dk->ncols == 2) {
                const int64_t *lg = view[0].data;
                for (k = 0; k < n; k++) L->dpart[a][start + k] = L->gpart[lg[k]];
            } else {
                floe_hashtable_hash_rows(view, 1, n, NULL, 0, L->hashes);
                for (k = 0; k < n; k++) L->dpart[a][start + k] = (uint32_t)((L->hashes[k] >> 32) % P);
            }
        }
    }
    floe_free(view);
    return FLOE_OK;
}

/* Merge partition p of every worker state into globals[p]. Locals stay
 * alive until the operator closes (merged values may point at their strings). */
static int merge_part(agg_op *o, uint32_t p, floe_err *err)
{
    agg_local *G = o->globals[p];
    floe_vec *view = floe_calloc(o->ngroups + 2, sizeof *view);
    uint32_t w, a, k;
    int rc = FLOE_OK;
    if (view == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw && rc == FLOE_OK; w++) {
        agg_local *L = o->locals[w];
        uint64_t nl = o->ngroups ? L->ht.count : 1, start, lid;
        uint32_t *map = floe_malloc((nl ? nl : 1) * sizeof *map);
        if (map == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        for (lid = 0; lid < nl; lid++) map[lid] = FLOE_HT_NONE;
        if (o->ngroups) {
            for (start = 0; start < nl && rc == FLOE_OK; start += FLOE_VEC_SIZE) {
                uint32_t n = (uint32_t)(nl - start < FLOE_VEC_SIZE ? nl - start : FLOE_VEC_SIZE), m = 0;
                for (k = 0; k < n; k++)
                    if (L->gpart[start + k] == p) G->rows[m++] = k;
                if (m == 0) continue;
                floe_exec_rows_view(&L->ht.keys, start, n, view);
                rc = floe_hashtable_insert(&G->ht, view, n, G->rows, m, G->ids, err);
                for (k = 0; k < m && rc == FLOE_OK; k++) map[start + G->rows[k]] = G->ids[k];
            }
            if (rc == FLOE_OK && local_reserve(o, G, G->ht.count) != FLOE_OK) rc = floe_err_nomem(err);
        } else if (p == 0) {
            map[0] = 0;
        }
        for (a = 0; a < o->naggs && rc == FLOE_OK; a++) {
            if (agg_fastd(o, a)) continue; /* below */
            if (agg_distinct(&o->aggs[a])) {
                floe_exec_rows *dk = &L->dsets[a].keys;
                for (start = 0; start < dk->n && rc == FLOE_OK; start += FLOE_VEC_SIZE) {
                    uint32_t n = (uint32_t)(dk->n - start < FLOE_VEC_SIZE ? dk->n - start : FLOE_VEC_SIZE);
                    uint32_t m = 0;
                    for (k = 0; k < n; k++)
                        if (L->dpart[a][start + k] == p) G->rows[m++] = k;
                    if (m == 0) continue;
                    floe_exec_rows_view(dk, start, n, view);
                    if (dk->ncols == 2) {
                        const int64_t *lg = view[0].data;
                        for (k = 0; k < m; k++) G->gidbuf[G->rows[k]] = map[lg[G->rows[k]]];
                    } else {
                        for (k = 0; k < m; k++) G->gidbuf[G->rows[k]] = 0;
                    }
                    rc = distinct_add(o, G, a, &view[dk->ncols - 1], G->gidbuf, G->rows, m, n, 1, err);
                }
                continue;
            }
            for (lid = 0; lid < nl && rc == FLOE_OK; lid++)
                if (map[lid] != FLOE_HT_NONE) rc = merge_state(o, a, G, map[lid], L, lid, err);
        }
        floe_free(map);
    }
    floe_free(view);
    /* fast COUNT(DISTINCT): this merge worker unions the intset partitions
     * j = p, p + nparts, ... of every worker into worker 0's and counts them */
    for (a = 0; a < o->naggs && rc == FLOE_OK; a++) {
        uint32_t j;
        if (!agg_fastd(o, a)) continue;
        for (j = p; j < FLOE_INTSET_PARTS && rc == FLOE_OK; j += o->nparts) {
            for (w = 1; w < o->nw && rc == FLOE_OK; w++)
                if (floe_intset_merge_part(&o->locals[0]->isets[a], &o->locals[w]->isets[a], j) != FLOE_OK)
                    rc = floe_err_nomem(err);
            G->st[a].cnt[0] += (int64_t)floe_intset_count_part(&o->locals[0]->isets[a], j);
        }
    }
    if (rc == FLOE_OK) rc = local_account(o, G, err);
    return rc;
}

static void route_worker(void *arg, uint32_t w)
{
    agg_op *o = arg;
    if (w < o->nw) o->prc[w] = route_local(o, o->locals[w], &o->perr[w]);
}

static void merge_worker(void *arg, uint32_t p)
{
    agg_op *o = arg;
    if (p < o->nparts) o->prc[p] = merge_part(o, p, &o->perr[p]);
}

/* Run fn on every worker (on the pool when there is one); first error wins. */
static int agg_phase(agg_op *o, void (*fn)(void *, uint32_t), uint32_t n, floe_err *err)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        o->prc[i] = FLOE_OK;
        floe_err_clear(&o->perr[i]);
    }
    if (o->base.ex->pool && floe_pool_size(o->base.ex->pool) >= n)
        floe_pool_run(o->base.ex->pool, fn, o);
    else
        for (i = 0; i < n; i++) fn(o, i);
    for (i = 0; i < n; i++)
        if (o->prc[i]) {
            *err = o->perr[i];
            return o->prc[i];
        }
    return FLOE_OK;
}

/* ------------------------------------------------------------------ output */

static int agg_final(agg_op *o, agg_local *G, uint32_t ai, uint64_t g, floe_vec *col, uint32_t i,
                     floe_err *err)
{
    const floe_agg *ag = &o->aggs[ai];
    agg_st *s = &G->st[ai];
    floe_value r;
    int rc;
    r.type = col->type;
    r.is_null = false;
    r.v.i = 0;
    if ((rc = agg_ops_table[ag->fn].finalize(ag, s, g, col->type, &r, err))) return rc;
    if (ag->fn == FLOE_AGG_STRING_AGG && !r.is_null) {
        /* built in the state's scratch buffer: the column keeps a copy */
        if (floe_vec_set_string(col, i, r.v.s.ptr, r.v.s.len) != FLOE_OK) return floe_err_nomem(err);
        return FLOE_OK;
    }
    if (put_value(col, i, r) != FLOE_OK) return floe_err_nomem(err);
    return FLOE_OK;
}

/* Grouping sets that group by nothing (ROLLUP's and CUBE's last, `()`)
 * give one row even for empty input, like an aggregate without GROUP BY:
 * their groups (every key NULL, the set number) exist from the start. */
static int seed_empty_sets(agg_op *o, agg_local *L, floe_err *err)
{
    floe_vec kv[65];
    uint32_t s, g, id;
    int64_t sid;
    int rc;
    for (s = 0; s < o->nsets; s++) {
        if (o->sets[s] != 0) continue;
        for (g = 0; g < o->ngexprs; g++) null_const(&kv[g], o->groups[g]->type, 1);
        sid = s;
        floe_vec_borrow(&kv[o->ngexprs], floe_type_make(FLOE_TYPE_BIGINT), &sid, NULL, 1);
        rc = floe_hashtable_insert(&L->ht, kv, 1, NULL, 0, &id, err);
        if (rc) return rc;
        if (local_reserve(o, L, L->ht.count) != FLOE_OK) return floe_err_nomem(err);
    }
    return FLOE_OK;
}

static int agg_run(agg_op *o, floe_err *err)
{
    floe_executor *ex = o->base.ex;
    uint32_t w, p, a;
    int rc, done = 0;
    o->nw = floe_exec_workers(ex);
    o->locals = floe_calloc(o->nw, sizeof *o->locals);
    o->perr = floe_calloc(o->nw, sizeof *o->perr);
    o->prc = floe_calloc(o->nw, sizeof *o->prc);
    if (o->locals == NULL || o->perr == NULL || o->prc == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw; w++) {
        rc = local_new(o, &o->locals[w], err);
        if (rc) return rc;
    }
    if ((rc = seed_empty_sets(o, o->locals[0], err))) return rc;
    rc = floe_agg_scan_shortcut(o, &done, err); /* engine/agg_scan.c */
    if (rc == FLOE_OK && !done) rc = floe_exec_drive(ex, o->child, floe_agg_consume, o, err);
    if (rc) return rc;
    /* partitioned merge: one partition per worker, merged in parallel */
    o->nparts = 1;
    if (o->nw > 1) {
        if (ex->pool == NULL) {
            rc = floe_pool_new(ex->nthreads, &ex->pool, err);
            if (rc) return rc;
        }
        o->nparts = o->nw;
    }
    o->globals = floe_calloc(o->nparts, sizeof *o->globals);
    if (o->globals == NULL) return floe_err_nomem(err);
    for (p = 0; p < o->nparts; p++) {
        rc = local_new(o, &o->globals[p], err);
        if (rc) return rc;
    }
    rc = floe_exec_check(ex, err);
    if (rc) return rc;
    rc = agg_phase(o, route_worker, o->nw, err);
    if (rc) return rc;
    rc = agg_phase(o, merge_worker, o->nparts, err);
    if (rc) return rc;
    if (o->fastd) {
        for (a = 0; a < o->naggs; a++)
            if (agg_fastd(o, a)) floe_intset_recount(&o->locals[0]->isets[a]);
        rc = local_account(o, o->locals[0], err);
        if (rc) return rc;
    }
    if (o->ngroups == 0) {
        /* without GROUP BY, DISTINCT values were spread over partitions:
         * fold their partial states into partition 0's single group */
        for (p = 1; p < o->nparts; p++)
            for (a = 0; a < o->naggs; a++)
                if (agg_distinct(&o->aggs[a])) {
                    rc = merge_state(o, a, o->globals[0], 0, o->globals[p], 0, err);
                    if (rc) return rc;
                }
    }
    return FLOE_OK;
}

static int agg_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    agg_op *o = (agg_op *)op;
    const floe_plan *p = op->plan;
    agg_local *G;
    uint64_t total;
    uint32_t n, a, i;
    int rc;
    if (!o->done) {
        o->done = 1;
        rc = agg_run(o, err);
        if (rc) {
            o->nparts = 0; /* nothing to emit */
            return rc;
        }
    }
    for (;;) {
        if (o->part >= o->nparts) return FLOE_DONE;
        G = o->globals[o->part];
        total = o->ngroups ? G->ht.count : (o->part == 0 ? 1 : 0);
        if (o->pos < total) break;
        o->part++;
        o->pos = 0;
    }
    n = (uint32_t)(total - o->pos < FLOE_VEC_SIZE ? total - o->pos : FLOE_VEC_SIZE);
    if (floe_batch_init(out, p->ncols, p->types, n) != FLOE_OK) return floe_err_nomem(err);
    if (o->ngroups) {
        rc = floe_exec_rows_gather(&G->ht.keys, 0, o->ngexprs, NULL, o->pos, n, out->cols, 0);
        if (rc) {
            floe_batch_free(out);
            return floe_err_nomem(err);
        }
    }
    for (a = 0; a < o->naggs; a++) {
        for (i = 0; i < n; i++) {
            rc = agg_final(o, G, a, o->pos + i, &out->cols[o->ngexprs + a], i, err);
            if (rc) {
                floe_batch_free(out);
                return rc;
            }
        }
    }
    for (a = 0; a < p->ncols; a++) out->cols[a].n = n;
    out->n = n;
    o->pos += n;
    return FLOE_ROW;
}

static void agg_close(floe_exec_op *op)
{
    agg_op *o = (agg_op *)op;
    uint32_t w;
    if (o->globals) {
        uint32_t n = o->nw > 1 ? o->nw : 1;
        for (w = 0; w < n; w++) local_free(o, o->globals[w]);
    }
    floe_free(o->globals);
    floe_free(o->perr);
    floe_free(o->prc);
    if (o->locals)
        for (w = 0; w < o->nw; w++) local_free(o, o->locals[w]);
    floe_free(o->locals);
    floe_free(o->own_exprs);
    floe_free(o->own_groups);
    floe_free(o->fastd);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_agg_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    agg_op *o = floe_calloc(1, sizeof *o);
    uint32_t c;
    *out = NULL;
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = agg_next;
    o->base.close = agg_close;
    o->child = p->children[0];
    if (p->kind == FLOE_PLAN_DISTINCT) {
        const floe_plan *ch = p->children[0];
        o->own_exprs = floe_calloc(ch->ncols ? ch->ncols : 1, sizeof *o->own_exprs);
        o->own_groups = floe_calloc(ch->ncols ? ch->ncols : 1, sizeof *o->own_groups);
        if (o->own_exprs == NULL || o->own_groups == NULL) {
            agg_close(&o->base);
            return floe_err_nomem(err);
        }
        for (c = 0; c < ch->ncols; c++) {
            o->own_exprs[c].kind = FLOE_EXPR_COLUMN;
            o->own_exprs[c].index = c;
            o->own_exprs[c].type = ch->types[c];
            o->own_groups[c] = &o->own_exprs[c];
        }
        o->groups = o->own_groups;
        o->ngroups = o->ngexprs = ch->ncols;
        if (o->ngroups == 0)
            return agg_close(&o->base), floe_err_set(err, FLOE_UNSUPPORTED, "DISTINCT of no columns");
    } else {
        o->groups = p->u.agg.groups;
        o->ngexprs = p->u.agg.ngroups;
        o->sets = p->u.agg.sets;
        o->nsets = p->u.agg.nsets;
        /* grouping sets: the set number is one more hash key */
        o->ngroups = o->ngexprs + (o->nsets ? 1 : 0);
        o->aggs = p->u.agg.aggs;
        o->naggs = p->u.agg.naggs;
        if (o->ngroups == 0) {
            for (c = 0; c < o->naggs; c++) {
                const floe_agg *ag = &o->aggs[c];
                if (!(ag->fn == FLOE_AGG_COUNT && ag->distinct && ag->arg && cls_of(ag->arg->type) == CLS_INT))
                    continue;
                if (o->fastd == NULL && (o->fastd = floe_calloc(o->naggs, 1)) == NULL) {
                    agg_close(&o->base);
                    return floe_err_nomem(err);
                }
                o->fastd[c] = 1;
            }
        }
    }
    *out = &o->base;
    return FLOE_OK;
}

/* ------------------------------------------------- states for window frames
 *
 * engine/agg_window.c keeps an aggregate's states in an agg_local of its
 * own (a segment tree of groups) through these; contracts in
 * engine/agg_internal.h. */

int floe_agg_state_open(agg_op *o, agg_local **out, floe_err *err)
{
    return local_new(o, out, err);
}

void floe_agg_state_close(agg_op *o, agg_local *L)
{
    local_free(o, L);
}

int floe_agg_state_reserve(agg_op *o, agg_local *L, uint64_t n, floe_err *err)
{
    if (local_reserve(o, L, n) != FLOE_OK) return floe_err_nomem(err);
    return local_account(o, L, err);
}

int floe_agg_state_update(agg_op *o, agg_local *L, const floe_vec *v, const floe_vec *v2,
                          const uint32_t *rows, const uint32_t *gids, uint32_t cnt, floe_err *err)
{
    return agg_update(o, L, 0, v, v2, rows, gids, cnt, err);
}

int floe_agg_state_merge(agg_op *o, agg_local *L, uint64_t g, uint64_t src, floe_err *err)
{
    return merge_state(o, 0, L, g, L, src, err);
}

int floe_agg_state_final(agg_op *o, agg_local *L, uint64_t g, floe_value *r, floe_err *err)
{
    const floe_agg *ag = &o->aggs[0];
    r->type = ag->type;
    r->is_null = false;
    r->v.i = 0;
    return agg_ops_table[ag->fn].finalize(ag, &L->st[0], g, ag->type, r, err);
}

void floe_agg_state_reset(agg_op *o, agg_local *L, uint64_t g)
{
    agg_st *s = &L->st[0];
    (void)o;
    s->cnt[g] = 0;
    if (s->isum) s->isum[g] = 0;
    if (s->xsum) floe_xsum_free(&s->xsum[g]);
    if (s->val) memset(&s->val[g], 0, sizeof s->val[g]);
    if (s->val2) memset(&s->val2[g], 0, sizeof s->val2[g]);
    if (s->mom) memset(&s->mom[g], 0, sizeof s->mom[g]);
    if (s->lists) s->lists[g].n = 0;
    if (s->hll) {
        floe_hll_sketch_free(&s->hll[g]);
        memset(&s->hll[g], 0, sizeof s->hll[g]);
    }
}
