/* engine/op_window.c: WINDOW (window functions over partitions).
 *
 * Contract: output = the child's columns, then one column per window
 * function of plan->u.window.fns (types from the plan). Rows come out in the
 * order they were materialized (SQL leaves it unspecified; an ORDER BY above
 * sorts them).
 *
 * How: every worker of the child pipeline appends its batches to a local row
 * buffer; the buffers are concatenated into one collection `all`. For each
 * window function the rows are sorted (engine/sort.h) by (PARTITION BY keys,
 * ORDER BY keys); partition and peer boundaries are found by comparing
 * neighbouring rows; each function is evaluated over each partition and its
 * result stored at the row's original position in `res` (one column per
 * function). Frames are [lo, hi) ranges of sorted positions: ROWS by
 * arithmetic, RANGE CURRENT ROW by peer boundaries, RANGE with offsets by
 * binary search on the (single, integer-like) order key, GROUPS through the
 * peer groups of the partition (gnum: a position's group number, gfirst:
 * each group's first position). EXCLUDE CURRENT ROW / GROUP / TIES cuts the
 * frame into at most three ranges in sort order (before the excluded rows,
 * the row itself for TIES, after them), and every function below works on
 * such a list. COUNT/SUM/AVG over a frame are differences of per-partition
 * prefix sums (128-bit for integers and decimals, long double for doubles),
 * MIN/MAX a query on a segment tree of row positions: every frame costs
 * O(1) or O(log n), never O(frame). FIRST/LAST/NTH_VALUE index the ranges.
 * Integer SUM outside BIGINT (DECIMAL(18)) is FLOE_RANGE, like op_agg.c.
 *
 * Parallelism: the child pipeline runs on all workers; after the (one)
 * sort of a function, its partitions are evaluated by all workers of the
 * pool, each taking the next partition from a shared counter. They write
 * only their partition's rows of `res` (validity bits with atomic and/or,
 * since neighbouring partitions share bitmap words) and of the per-position
 * scratch arrays. A query with one partition runs on one thread.
 *
 * The other aggregates (any_value, bool_and/or, the statistics, arg_min /
 * arg_max) go through a segment tree of their own states
 * (engine/agg_window.h; one scratch state per partition worker), kept in
 * `trees` until close since results may point at its strings. Holistic
 * aggregates (lists, sketches) are computed once per partition, on one
 * thread (the binder allows them only over whole partitions; their strings
 * are copied into res). Not yet: DISTINCT over windows (FLOE_UNSUPPORTED). Memory of `all`, `res` and the
 * per-function scratch arrays is accounted as "WINDOW" (trees: "AGGREGATE").
 * Thread-safety: one op instance is used by one query; the consume callback
 * writes only its worker's buffer, the partition workers as said above.
 */
#include <string.h>

#include "engine/agg_window.h"
#include "engine/aggregates.h"
#include "engine/exec.h"
#include "engine/exec_rows.h"
#include "engine/pool.h"
#include "engine/sort.h"
#include "util/mem.h"

__extension__ typedef __int128 win_i128;

typedef struct win_op {
    floe_exec_op base;
    uint32_t nw;
    floe_exec_rows *locals;  /* nw per-worker buffers */
    floe_exec_rows all;      /* every input row */
    floe_exec_rows res;      /* one column per window function, row-aligned with all */
    int inited;
    uint64_t reported;       /* bytes reported to floe_exec_mem */
    uint64_t pos;            /* next row to emit */
    int done;
    floe_agg_win **trees;    /* per function: its aggregate's segment tree, or NULL (kept
                                until close: results may point at its strings) */
} win_op;

static int account(win_op *o, uint64_t extra, floe_err *err)
{
    uint64_t b = floe_exec_rows_bytes(&o->all) + floe_exec_rows_bytes(&o->res) + extra;
    uint32_t w;
    int rc;
    if (o->locals)
        for (w = 0; w < o->nw; w++) b += floe_exec_rows_bytes(&o->locals[w]);
    if (b == o->reported) return FLOE_OK;
    rc = floe_exec_mem(o->base.ex, (int64_t)b - (int64_t)o->reported, "WINDOW", err);
    o->reported = b;
    return rc;
}

static int win_consume(void *arg, uint32_t w, floe_batch *b, floe_err *err)
{
    win_op *o = arg;
    int rc = floe_exec_check(o->base.ex, err);
    if (rc) return rc;
    return floe_exec_rows_append(&o->locals[w], b->cols, b->n, b->sel, b->nsel, err);
}

/* ------------------------------------------------------------ values */

static inline bool valid_at(const floe_exec_rows *r, uint32_t c, uint64_t i)
{
    return floe_exec_rows_is_valid(r, c, i);
}

static void load(const floe_exec_rows *r, uint32_t c, uint64_t i, floe_value *v)
{
    if (!valid_at(r, c, i)) {
        *v = floe_value_null(r->types[c]);
        return;
    }
    floe_value_load(r->types[c], r->data[c], i, v);
    v->is_null = false;
}

/* Rows of different partitions share validity words, and partitions are
 * evaluated in parallel: the bit is set / cleared atomically. */
static void put(floe_exec_rows *r, uint32_t c, uint64_t i, const floe_value *v)
{
    if (v->is_null) {
        __atomic_fetch_and(&r->valid[c][i >> 6], ~((uint64_t)1 << (i & 63)), __ATOMIC_RELAXED);
        return;
    }
    __atomic_fetch_or(&r->valid[c][i >> 6], (uint64_t)1 << (i & 63), __ATOMIC_RELAXED);
    floe_value_store(v, r->data[c], i);
}

static void put_int(floe_exec_rows *r, uint32_t c, uint64_t i, int64_t x)
{
    floe_value v;
    v.type = r->types[c];
    v.is_null = false;
    v.v.i = x;
    put(r, c, i, &v);
}

static void put_dbl(floe_exec_rows *r, uint32_t c, uint64_t i, double x)
{
    floe_value v;
    v.type = r->types[c];
    v.is_null = false;
    v.v.d = x;
    put(r, c, i, &v);
}

/* Rows a and b of r agree on columns cols (NULLs equal). */
static bool same(const floe_exec_rows *r, const uint32_t *cols, const floe_sort_key *keys, uint32_t n,
                 uint64_t a, uint64_t b)
{
    uint32_t k;
    for (k = 0; k < n; k++) {
        uint32_t c = cols ? cols[k] : keys[k].col;
        floe_value x, y;
        int va = valid_at(r, c, a), vb = valid_at(r, c, b);
        if (va != vb) return false;
        if (!va) continue;
        floe_value_load(r->types[c], r->data[c], a, &x);
        floe_value_load(r->types[c], r->data[c], b, &y);
        if (floe_value_cmp(&x, &y) != 0) return false;
    }
    return true;
}

/* ------------------------------------------------------------ one function */

typedef struct wctx {
    win_op *o;
    const floe_window *f;
    uint32_t col;         /* result column in res */
    const uint64_t *idx;  /* sorted position -> row */
    uint64_t *pstart;     /* per sorted position: its partition's first position */
    uint64_t *peer_lo, *peer_hi; /* peers of each position */
    win_i128 *isum;       /* prefix sums over sorted positions (n + 1) */
    long double *dsum;
    int64_t *cnt;
    int64_t *tree;        /* MIN/MAX segment tree: 2 * n positions (-1: none) */
    floe_agg_win *aw;     /* other aggregates: a segment tree of states (engine/agg_window.h) */
    uint32_t nw;          /* workers evaluating partitions (scratch states of aw) */
    int holistic;         /* aw computes whole partitions (quantiles, string_agg...) */
    uint64_t n;
    uint64_t *gnum;       /* per sorted position: its peer group's number in the partition */
    uint64_t *gfirst;     /* gfirst[ps + k]: first position of group k of the partition at ps */
    uint64_t *pstarts;    /* npart + 1 partition boundaries (sorted positions) */
    uint64_t npart;
    uint64_t next;        /* next partition to evaluate (atomic, shared by the workers) */
    int *prc;             /* per worker: result of its partitions */
    floe_err *perr;
} wctx;

/* One partition: sorted positions [ps, pe), the non-NULL order keys
 * [nlo, nhi) (RANGE offsets), ng peer groups. */
typedef struct wpart {
    uint64_t ps, pe, nlo, nhi, ng;
} wpart;

/* The order key of sorted position i as a signed number ascending in sort
 * order (RANGE offsets). */
static win_i128 okey(const wctx *w, uint64_t i)
{
    floe_value v;
    floe_value_load(w->o->all.types[w->f->order[0].col], w->o->all.data[w->f->order[0].col], w->idx[i], &v);
    return w->f->order[0].desc ? -(win_i128)v.v.i : (win_i128)v.v.i;
}

/* First position in [lo, hi) whose key is >= t (strict: > t). */
static uint64_t lower(const wctx *w, uint64_t lo, uint64_t hi, win_i128 t, bool strict)
{
    while (lo < hi) {
        uint64_t m = lo + (hi - lo) / 2;
        win_i128 k = okey(w, m);
        if (strict ? k <= t : k < t) lo = m + 1;
        else hi = m;
    }
    return lo;
}

/* The frame [*lo, *hi) of sorted position i in partition [ps, pe). */
/* GROUPS: first position of group k / the position after it. */
static inline uint64_t gstart(const wctx *w, const wpart *P, uint64_t k)
{
    return w->gfirst[P->ps + k];
}
static inline uint64_t gend(const wctx *w, const wpart *P, uint64_t k)
{
    return k + 1 < P->ng ? w->gfirst[P->ps + k + 1] : P->pe;
}

/* The frame [*lo, *hi) of sorted position i in partition P (before EXCLUDE). */
static void frame_of(const wctx *w, uint64_t i, const wpart *P, uint64_t *lo, uint64_t *hi)
{
    const floe_window *f = w->f;
    int64_t so = f->start_off, eo = f->end_off;
    uint64_t ps = P->ps, pe = P->pe, nlo = P->nlo, nhi = P->nhi;
    uint64_t a = ps, b = pe;
    if (f->groups) {
        uint64_t k = w->gnum[i], ng = P->ng;
        switch (f->start) {
        case FLOE_WB_UNBOUNDED_PRECEDING: a = ps; break;
        case FLOE_WB_PRECEDING: a = k < (uint64_t)so ? ps : gstart(w, P, k - (uint64_t)so); break;
        case FLOE_WB_CURRENT: a = w->peer_lo[i]; break;
        case FLOE_WB_FOLLOWING: a = (uint64_t)so >= ng - k ? pe : gstart(w, P, k + (uint64_t)so); break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: a = pe; break;
        }
        switch (f->end) {
        case FLOE_WB_UNBOUNDED_PRECEDING: b = ps; break;
        case FLOE_WB_PRECEDING: b = k < (uint64_t)eo ? ps : gend(w, P, k - (uint64_t)eo); break;
        case FLOE_WB_CURRENT: b = w->peer_hi[i]; break;
        case FLOE_WB_FOLLOWING: b = (uint64_t)eo >= ng - k ? pe : gend(w, P, k + (uint64_t)eo); break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: b = pe; break;
        }
    } else if (!f->range) {
        switch (f->start) {
        case FLOE_WB_UNBOUNDED_PRECEDING: a = ps; break;
        case FLOE_WB_PRECEDING: a = i - ps < (uint64_t)so ? ps : i - (uint64_t)so; break;
        case FLOE_WB_CURRENT: a = i; break;
        case FLOE_WB_FOLLOWING: a = pe - i <= (uint64_t)so ? pe : i + (uint64_t)so; break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: a = pe; break;
        }
        switch (f->end) {
        case FLOE_WB_UNBOUNDED_PRECEDING: b = ps; break;
        case FLOE_WB_PRECEDING: b = i - ps < (uint64_t)eo ? ps : i - (uint64_t)eo + 1; break;
        case FLOE_WB_CURRENT: b = i + 1; break;
        case FLOE_WB_FOLLOWING: b = pe - i <= (uint64_t)eo ? pe : i + (uint64_t)eo + 1; break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: b = pe; break;
        }
    } else {
        bool null_row = f->norder && !valid_at(&w->o->all, f->order[0].col, w->idx[i]);
        win_i128 x = (f->start == FLOE_WB_PRECEDING || f->start == FLOE_WB_FOLLOWING ||
                      f->end == FLOE_WB_PRECEDING || f->end == FLOE_WB_FOLLOWING) && !null_row
                         ? okey(w, i) : 0;
        switch (f->start) {
        case FLOE_WB_UNBOUNDED_PRECEDING: a = ps; break;
        case FLOE_WB_CURRENT: a = w->peer_lo[i]; break;
        case FLOE_WB_PRECEDING:
            a = null_row ? w->peer_lo[i] : lower(w, nlo, nhi, x - so, false); break;
        case FLOE_WB_FOLLOWING:
            a = null_row ? w->peer_lo[i] : lower(w, nlo, nhi, x + so, false); break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: a = pe; break;
        }
        switch (f->end) {
        case FLOE_WB_UNBOUNDED_PRECEDING: b = ps; break;
        case FLOE_WB_CURRENT: b = w->peer_hi[i]; break;
        case FLOE_WB_PRECEDING:
            b = null_row ? w->peer_hi[i] : lower(w, nlo, nhi, x - eo, true); break;
        case FLOE_WB_FOLLOWING:
            b = null_row ? w->peer_hi[i] : lower(w, nlo, nhi, x + eo, true); break;
        case FLOE_WB_UNBOUNDED_FOLLOWING: b = pe; break;
        }
    }
    if (b < a) b = a;
    *lo = a;
    *hi = b;
}

/* The frame of position i after EXCLUDE: up to 3 non-empty ranges
 * rg[k] = [rg[k][0], rg[k][1]) in sort order; returns their number. */
static int frame_ranges(const wctx *w, uint64_t i, uint64_t lo, uint64_t hi, uint64_t rg[3][2])
{
    uint64_t x, y, e;
    int n = 0;
    switch (w->f->exclude) {
    case FLOE_WX_NONE:
        if (lo >= hi) return 0;
        rg[0][0] = lo;
        rg[0][1] = hi;
        return 1;
    case FLOE_WX_CURRENT:
        x = i;
        y = i + 1;
        break;
    default:
        x = w->peer_lo[i];
        y = w->peer_hi[i];
        break;
    }
    e = hi < x ? hi : x;
    if (lo < e) {
        rg[n][0] = lo;
        rg[n++][1] = e;
    }
    if (w->f->exclude == FLOE_WX_TIES && lo <= i && i < hi) {
        rg[n][0] = i;
        rg[n++][1] = i + 1;
    }
    e = lo > y ? lo : y;
    if (e < hi) {
        rg[n][0] = e;
        rg[n++][1] = hi;
    }
    return n;
}

/* MIN/MAX: the better of two positions (-1: none). */
static int64_t better(const wctx *w, int64_t a, int64_t b)
{
    floe_value x, y;
    int c;
    uint32_t col = w->f->arg;
    if (a < 0) return b;
    if (b < 0) return a;
    floe_value_load(w->o->all.types[col], w->o->all.data[col], w->idx[a], &x);
    floe_value_load(w->o->all.types[col], w->o->all.data[col], w->idx[b], &y);
    c = floe_value_cmp(&x, &y);
    if (w->f->agg.fn == FLOE_AGG_MAX) c = -c;
    return c <= 0 ? a : b;
}

static int64_t tree_query(const wctx *w, uint64_t lo, uint64_t hi)
{
    int64_t best = -1;
    uint64_t l = lo + w->n, r = hi + w->n;
    while (l < r) {
        if (l & 1) best = better(w, best, w->tree[l++]);
        if (r & 1) best = better(w, best, w->tree[--r]);
        l >>= 1;
        r >>= 1;
    }
    return best;
}

static int agg_value(const wctx *w, uint32_t wk, uint64_t rg[3][2], int nr, uint64_t row, floe_err *err)
{
    const floe_window *f = w->f;
    floe_exec_rows *res = &w->o->res;
    int64_t c = 0;
    int k;
    if (w->aw) {
        floe_value v;
        int rc = floe_agg_win_value(w->aw, wk, rg, nr, &v, err);
        if (rc) return rc;
        put(res, w->col, row, &v);
        return FLOE_OK;
    }
    switch (f->agg.fn) {
    case FLOE_AGG_COUNT_STAR:
        for (k = 0; k < nr; k++) c += (int64_t)(rg[k][1] - rg[k][0]);
        put_int(res, w->col, row, c);
        return FLOE_OK;
    case FLOE_AGG_COUNT:
        for (k = 0; k < nr; k++) c += w->cnt[rg[k][1]] - w->cnt[rg[k][0]];
        put_int(res, w->col, row, c);
        return FLOE_OK;
    case FLOE_AGG_MIN:
    case FLOE_AGG_MAX: {
        int64_t p = -1;
        floe_value v;
        for (k = 0; k < nr; k++) p = better(w, p, tree_query(w, rg[k][0], rg[k][1]));
        if (p < 0) v = floe_value_null(f->type);
        else load(&w->o->all, f->arg, w->idx[p], &v);
        put(res, w->col, row, &v);
        return FLOE_OK;
    }
    default: break;
    }
    for (k = 0; k < nr; k++) c += w->cnt[rg[k][1]] - w->cnt[rg[k][0]];
    if (c == 0) {
        floe_value v = floe_value_null(f->type);
        put(res, w->col, row, &v);
        return FLOE_OK;
    }
    if (w->dsum) {
        long double s = 0;
        for (k = 0; k < nr; k++) s += w->dsum[rg[k][1]] - w->dsum[rg[k][0]];
        put_dbl(res, w->col, row, f->agg.fn == FLOE_AGG_AVG ? (double)(s / c) : (double)s);
        return FLOE_OK;
    }
    {
        win_i128 s = 0;
        floe_type at = w->o->all.types[f->arg];
        for (k = 0; k < nr; k++) s += w->isum[rg[k][1]] - w->isum[rg[k][0]];
        if (f->agg.fn == FLOE_AGG_AVG) {
            long double q = (long double)s / (long double)c;
            if (at.id == FLOE_TYPE_DECIMAL) q /= (long double)floe_pow10[at.scale];
            put_dbl(res, w->col, row, (double)q);
        } else {
            win_i128 lim = f->type.id == FLOE_TYPE_DECIMAL ? (win_i128)999999999999999999LL : (win_i128)INT64_MAX;
            if (s > lim || s < -lim - (f->type.id == FLOE_TYPE_DECIMAL ? 0 : 1))
                return floe_err_set(err, FLOE_RANGE, "SUM: integer overflow: result out of range for %s",
                                    f->type.id == FLOE_TYPE_DECIMAL ? "DECIMAL(18)" : "BIGINT");
            put_int(res, w->col, row, (int64_t)s);
        }
    }
    return FLOE_OK;
}

/* FIRST_VALUE / LAST_VALUE / NTH_VALUE: the position in the ranges, or
 * UINT64_MAX when the frame is too small. */
static uint64_t value_at(const wctx *w, uint64_t rg[3][2], int nr)
{
    uint64_t k;
    int j;
    if (nr == 0) return UINT64_MAX;
    if (w->f->fn == FLOE_WIN_FIRST_VALUE) return rg[0][0];
    if (w->f->fn == FLOE_WIN_LAST_VALUE) return rg[nr - 1][1] - 1;
    k = (uint64_t)w->f->param - 1;
    for (j = 0; j < nr; j++) {
        if (k < rg[j][1] - rg[j][0]) return rg[j][0] + k;
        k -= rg[j][1] - rg[j][0];
    }
    return UINT64_MAX;
}

/* A holistic aggregate over the whole partition P (the binder allows no
 * other frame for them); strings are copied into res (one thread). */
static int holistic_value(wctx *w, const wpart *P, floe_value *v, floe_err *err)
{
    const floe_window *f = w->f;
    uint32_t arg2 = floe_aggregates_get(f->agg.fn)->flags & FLOE_AGGF_TWO_ARGS ? f->def : UINT32_MAX;
    int rc = floe_agg_win_partition(w->aw, &w->o->all, f->arg, arg2, w->idx, P->ps, P->pe, v, err);
    if (rc) return rc;
    if (!v->is_null && v->type.id == FLOE_TYPE_VARCHAR && v->v.s.len) {
        char *p = floe_arena_memdup(w->o->res.strings, v->v.s.ptr, v->v.s.len);
        if (p == NULL) return floe_err_nomem(err);
        v->v.s.ptr = p;
    }
    return FLOE_OK;
}

/* Evaluate function f over partition P (its positions only: partitions are
 * independent, so workers evaluate different ones at once). */
static int eval_part(wctx *w, uint32_t wk, wpart *P, floe_err *err)
{
    const floe_window *f = w->f;
    floe_exec_rows *all = &w->o->all, *res = &w->o->res;
    uint64_t ps = P->ps, pe = P->pe, q, i, dense = 0;
    int rc;
    /* peers and their groups */
    P->ng = 0;
    for (q = ps; q < pe;) {
        uint64_t qe = q + 1, j;
        while (qe < pe && same(all, NULL, f->order, f->norder, w->idx[q], w->idx[qe])) qe++;
        w->gfirst[ps + P->ng] = q;
        for (j = q; j < qe; j++) {
            w->peer_lo[j] = q;
            w->peer_hi[j] = qe;
            w->gnum[j] = P->ng;
        }
        P->ng++;
        q = qe;
    }
    /* non-NULL order keys (RANGE offsets) */
    P->nlo = ps;
    P->nhi = pe;
    if (f->norder) {
        uint32_t oc = f->order[0].col;
        while (P->nlo < P->nhi && !valid_at(all, oc, w->idx[P->nlo])) P->nlo++;
        while (P->nhi > P->nlo && !valid_at(all, oc, w->idx[P->nhi - 1])) P->nhi--;
    }
    for (i = ps; i < pe; i++) {
        uint64_t row = w->idx[i], m = pe - ps, r = i - ps, lo, hi, rg[3][2];
        floe_value v;
        int nr;
        if (i == w->peer_lo[i]) dense++;
        switch (f->fn) {
        case FLOE_WIN_ROW_NUMBER: put_int(res, w->col, row, (int64_t)r + 1); break;
        case FLOE_WIN_RANK: put_int(res, w->col, row, (int64_t)(w->peer_lo[i] - ps) + 1); break;
        case FLOE_WIN_DENSE_RANK: put_int(res, w->col, row, (int64_t)dense); break;
        case FLOE_WIN_PERCENT_RANK:
            put_dbl(res, w->col, row, m > 1 ? (double)(w->peer_lo[i] - ps) / (double)(m - 1) : 0.0);
            break;
        case FLOE_WIN_CUME_DIST:
            put_dbl(res, w->col, row, (double)(w->peer_hi[i] - ps) / (double)m);
            break;
        case FLOE_WIN_NTILE: {
            uint64_t k = (uint64_t)f->param, qn = m / k, rem = m % k, bkt;
            if (qn == 0) bkt = r;
            else if (r < rem * (qn + 1)) bkt = r / (qn + 1);
            else bkt = rem + (r - rem * (qn + 1)) / qn;
            put_int(res, w->col, row, (int64_t)bkt + 1);
            break;
        }
        case FLOE_WIN_LAG:
        case FLOE_WIN_LEAD: {
            uint64_t off = (uint64_t)f->param;
            bool in = f->fn == FLOE_WIN_LAG ? r >= off : m - r > off;
            if (in) load(all, f->arg, w->idx[f->fn == FLOE_WIN_LAG ? i - off : i + off], &v);
            else if (f->def != UINT32_MAX) load(all, f->def, row, &v);
            else v = floe_value_null(f->type);
            put(res, w->col, row, &v);
            break;
        }
        case FLOE_WIN_FIRST_VALUE:
        case FLOE_WIN_LAST_VALUE:
        case FLOE_WIN_NTH_VALUE: {
            uint64_t at;
            frame_of(w, i, P, &lo, &hi);
            nr = frame_ranges(w, i, lo, hi, rg);
            at = value_at(w, rg, nr);
            if (at != UINT64_MAX) load(all, f->arg, w->idx[at], &v);
            else v = floe_value_null(f->type);
            put(res, w->col, row, &v);
            break;
        }
        case FLOE_WIN_AGG:
            if (w->holistic) {
                if (i == ps && (rc = holistic_value(w, P, &v, err))) return rc;
                put(res, w->col, row, &v);
                break;
            }
            frame_of(w, i, P, &lo, &hi);
            nr = frame_ranges(w, i, lo, hi, rg);
            if ((rc = agg_value(w, wk, rg, nr, row, err))) return rc;
            break;
        }
    }
    return FLOE_OK;
}

/* Worker wk: evaluate partitions taken from the shared counter until none
 * is left or one fails (the failure stops the others at their next one). */
static void eval_worker(void *arg, uint32_t wk)
{
    wctx *w = arg;
    int rc = FLOE_OK;
    for (;;) {
        uint64_t p = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
        wpart P;
        if (p >= w->npart) break;
        P.ps = w->pstarts[p];
        P.pe = w->pstarts[p + 1];
        if ((rc = eval_part(w, wk, &P, &w->perr[wk])) ||
            (rc = floe_exec_check(w->o->base.ex, &w->perr[wk]))) {
            __atomic_store_n(&w->next, w->npart, __ATOMIC_RELAXED);
            break;
        }
    }
    w->prc[wk] = rc;
}

/* Evaluate function f over the sorted rows: find the partitions, then
 * evaluate them on every worker of the pool (one thread without one, or
 * for a single partition). */
static int eval_fn(wctx *w, floe_err *err)
{
    const floe_window *f = w->f;
    floe_exec_rows *all = &w->o->all;
    floe_executor *ex = w->o->base.ex;
    uint64_t n = w->n, ps, np = 0;
    (void)ex;
    uint32_t nw = 1, k;
    int rc = FLOE_OK;
    w->pstarts = floe_malloc((size_t)(n + 1) * sizeof *w->pstarts);
    if (w->pstarts == NULL) return floe_err_nomem(err);
    for (ps = 0; ps < n;) {
        uint64_t pe = ps + 1;
        while (pe < n && same(all, f->part, NULL, f->npart, w->idx[ps], w->idx[pe])) pe++;
        w->pstarts[np++] = ps;
        ps = pe;
    }
    w->pstarts[np] = n;
    w->npart = np;
    w->next = 0;
    if (np > 1 && w->nw > 1 && !w->holistic) nw = w->nw;
    w->prc = floe_calloc(nw, sizeof *w->prc);
    w->perr = floe_calloc(nw, sizeof *w->perr);
    if (w->prc == NULL || w->perr == NULL) return floe_err_nomem(err);
    if (nw > 1) floe_pool_run(ex->pool, eval_worker, w);
    else eval_worker(w, 0);
    for (k = 0; k < nw; k++)
        if (w->prc[k] && rc == FLOE_OK) {
            *err = w->perr[k];
            rc = w->prc[k];
        }
    return rc;
}

/* Prefix sums / segment tree of an aggregate over sorted positions. */
static int agg_prepare(wctx *w, floe_err *err)
{
    const floe_window *f = w->f;
    const floe_exec_rows *all = &w->o->all;
    uint64_t n = w->n, i;
    if (f->fn != FLOE_WIN_AGG || f->agg.fn == FLOE_AGG_COUNT_STAR) return FLOE_OK;
    switch (f->agg.fn) {
    case FLOE_AGG_COUNT: case FLOE_AGG_SUM: case FLOE_AGG_AVG: case FLOE_AGG_MIN: case FLOE_AGG_MAX: break;
    default: {
        /* a segment tree of the aggregate's own states (holistic ones: no
         * tree, whole partitions); def: a second argument */
        int rc;
        w->holistic = floe_agg_win_holistic(f->agg.fn);
        rc = floe_agg_win_new(w->o->base.ex, w->o->base.plan, &f->agg, w->holistic ? 1 : w->nw, all,
                              f->arg,
                              floe_aggregates_get(f->agg.fn)->flags & FLOE_AGGF_TWO_ARGS ? f->def
                                                                                   : UINT32_MAX,
                              w->idx, w->holistic ? 0 : n, &w->aw, err);
        if (rc == FLOE_OK) w->o->trees[w->col] = w->aw;
        return rc;
    }
    }
    if (f->agg.fn == FLOE_AGG_MIN || f->agg.fn == FLOE_AGG_MAX) {
        if ((w->tree = floe_malloc((size_t)(2 * n + 1) * sizeof *w->tree)) == NULL) return floe_err_nomem(err);
        for (i = 0; i < n; i++) w->tree[n + i] = valid_at(all, f->arg, w->idx[i]) ? (int64_t)i : -1;
        for (i = n - 1; i >= 1 && n > 1; i--) w->tree[i] = better(w, w->tree[2 * i], w->tree[2 * i + 1]);
        return FLOE_OK;
    }
    if ((w->cnt = floe_malloc((size_t)(n + 1) * sizeof *w->cnt)) == NULL) return floe_err_nomem(err);
    w->cnt[0] = 0;
    if (f->agg.fn != FLOE_AGG_COUNT) {
        bool dbl = all->types[f->arg].id == FLOE_TYPE_DOUBLE;
        if (dbl) w->dsum = floe_malloc((size_t)(n + 1) * sizeof *w->dsum);
        else w->isum = floe_malloc((size_t)(n + 1) * sizeof *w->isum);
        if (w->dsum == NULL && w->isum == NULL) return floe_err_nomem(err);
        if (dbl) w->dsum[0] = 0;
        else w->isum[0] = 0;
    }
    for (i = 0; i < n; i++) {
        uint64_t row = w->idx[i];
        bool v = valid_at(all, f->arg, row);
        w->cnt[i + 1] = w->cnt[i] + v;
        if (w->dsum || w->isum) {
            floe_value x;
            if (v) floe_value_load(all->types[f->arg], all->data[f->arg], row, &x);
            if (w->dsum) w->dsum[i + 1] = w->dsum[i] + (v ? (long double)x.v.d : 0);
            else w->isum[i + 1] = w->isum[i] + (v ? (win_i128)x.v.i : 0);
        }
    }
    return FLOE_OK;
}

static int run_fn(win_op *o, uint32_t fi, floe_err *err)
{
    const floe_plan *ch = o->base.plan->children[0];
    const floe_window *f = &o->base.plan->u.window.fns[fi];
    uint32_t nk = f->npart + f->norder, k;
    uint64_t n = o->all.n, i, scratch;
    floe_sort_key *keys = floe_calloc(nk ? nk : 1, sizeof *keys);
    uint64_t *idx = NULL;
    wctx w;
    int rc = FLOE_OK;
    memset(&w, 0, sizeof w);
    if (keys == NULL) return floe_err_nomem(err);
    for (k = 0; k < f->npart; k++) keys[k].col = f->part[k];
    for (k = 0; k < f->norder; k++) keys[f->npart + k] = f->order[k];
    if (nk) {
        floe_sort_spec spec;
        floe_sort_spec_init(&spec, keys, nk, ch->types);
        rc = floe_sort_rows(&spec, &o->all, &idx, err);
    } else {
        idx = floe_malloc((size_t)(n ? n : 1) * sizeof *idx);
        if (idx == NULL) rc = floe_err_nomem(err);
        else for (i = 0; i < n; i++) idx[i] = i;
    }
    if (rc) goto out;
    w.o = o;
    w.f = f;
    w.col = fi;
    w.nw = 1;
    if (floe_exec_workers(o->base.ex) > 1) {
        floe_executor *ex = o->base.ex;
        if (ex->pool == NULL && (rc = floe_pool_new(ex->nthreads, &ex->pool, err))) goto out;
        w.nw = floe_pool_size(ex->pool);
    }
    w.idx = idx;
    w.n = n;
    w.peer_lo = floe_malloc((size_t)(n ? n : 1) * sizeof *w.peer_lo);
    w.peer_hi = floe_malloc((size_t)(n ? n : 1) * sizeof *w.peer_hi);
    w.gnum = floe_malloc((size_t)(n ? n : 1) * sizeof *w.gnum);
    w.gfirst = floe_malloc((size_t)(n ? n : 1) * sizeof *w.gfirst);
    if (w.peer_lo == NULL || w.peer_hi == NULL || w.gnum == NULL || w.gfirst == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    scratch = n * (6 * sizeof(uint64_t) + 2 * sizeof(win_i128) + sizeof(int64_t));
    if ((rc = account(o, scratch, err))) goto out;
    if ((rc = agg_prepare(&w, err))) goto out;
    rc = eval_fn(&w, err);
out:
    floe_free(keys);
    floe_free(idx);
    floe_free(w.peer_lo);
    floe_free(w.peer_hi);
    floe_free(w.gnum);
    floe_free(w.gfirst);
    floe_free(w.pstarts);
    floe_free(w.prc);
    floe_free(w.perr);
    floe_free(w.isum);
    floe_free(w.dsum);
    floe_free(w.cnt);
    floe_free(w.tree);
    return rc;
}

static int win_run(win_op *o, floe_err *err)
{
    const floe_plan *p = o->base.plan, *ch = p->children[0];
    uint32_t w, nf = p->u.window.nfns;
    int rc;
    o->nw = floe_exec_workers(o->base.ex);
    o->locals = floe_calloc(o->nw, sizeof *o->locals);
    if (o->locals == NULL) return floe_err_nomem(err);
    for (w = 0; w < o->nw; w++)
        if ((rc = floe_exec_rows_init(&o->locals[w], ch->ncols, ch->types, err))) return rc;
    /* all and res are zeroed (calloc): freeing them is safe from here on,
     * also when the second init fails after the first succeeded */
    o->inited = 1;
    if ((rc = floe_exec_rows_init(&o->all, ch->ncols, ch->types, err))) return rc;
    if ((rc = floe_exec_rows_init(&o->res, nf, p->types + ch->ncols, err))) return rc;
    if ((o->trees = floe_calloc(nf ? nf : 1, sizeof *o->trees)) == NULL) return floe_err_nomem(err);
    if ((rc = floe_exec_drive(o->base.ex, ch, win_consume, o, err))) return rc;
    if ((rc = account(o, 0, err))) return rc;
    for (w = 0; w < o->nw; w++)
        if ((rc = floe_exec_rows_append_rows(&o->all, &o->locals[w], err))) return rc;
    for (w = 0; w < o->nw; w++) floe_exec_rows_free(&o->locals[w]);
    floe_free(o->locals);
    o->locals = NULL;
    if ((rc = floe_exec_rows_reserve(&o->res, o->all.n, err))) return rc;
    o->res.n = o->all.n;
    if ((rc = account(o, 0, err))) return rc;
    for (w = 0; w < nf; w++)
        if ((rc = run_fn(o, w, err))) return rc;
    return account(o, 0, err);
}

static int win_next(floe_exec_op *op, floe_batch *out, floe_err *err)
{
    win_op *o = (win_op *)op;
    const floe_plan *p = op->plan;
    uint32_t nc = p->children[0]->ncols, n;
    int rc;
    if (!o->done) {
        rc = win_run(o, err);
        o->done = 1;
        if (rc) return rc;
    }
    if (o->pos >= o->all.n) return FLOE_DONE;
    n = (uint32_t)(o->all.n - o->pos < FLOE_VEC_SIZE ? o->all.n - o->pos : FLOE_VEC_SIZE);
    if (floe_batch_init(out, p->ncols, p->types, n) != FLOE_OK) return floe_err_nomem(err);
    if ((rc = floe_exec_rows_gather(&o->all, 0, nc, NULL, o->pos, n, out->cols, 0)) ||
        (rc = floe_exec_rows_gather(&o->res, 0, p->u.window.nfns, NULL, o->pos, n, out->cols + nc, 0))) {
        floe_batch_free(out);
        return floe_err_set(err, rc, "WINDOW: out of memory gathering rows");
    }
    out->n = n;
    o->pos += n;
    return FLOE_ROW;
}

static void win_close(floe_exec_op *op)
{
    win_op *o = (win_op *)op;
    uint32_t w;
    if (o->locals) {
        for (w = 0; w < o->nw; w++) floe_exec_rows_free(&o->locals[w]);
        floe_free(o->locals);
        o->locals = NULL;
    }
    if (o->inited) {
        floe_exec_rows_free(&o->all);
        floe_exec_rows_free(&o->res);
    }
    if (o->trees) {
        for (w = 0; w < o->base.plan->u.window.nfns; w++) floe_agg_win_free(o->trees[w]);
        floe_free(o->trees);
    }
    if (o->reported) (void)floe_exec_mem(o->base.ex, -(int64_t)o->reported, "WINDOW", NULL);
    floe_eval_ctx_free(&op->ectx);
    floe_free(o);
}

int floe_op_window_open(floe_executor *ex, const floe_plan *p, floe_exec_op **out, floe_err *err)
{
    win_op *o = floe_calloc(1, sizeof *o);
    if (o == NULL) return floe_err_nomem(err);
    floe_exec_op_init(&o->base, ex, p);
    o->base.next = win_next;
    o->base.close = win_close;
    *out = &o->base;
    return FLOE_OK;
}
