/* engine/agg_ordered.c: aggregates whose result depends on the order of
 * their values (string_agg, first, last), and the ORDER BY inside an
 * aggregate call.
 *
 * agg(x ORDER BY k1 [DESC] [NULLS FIRST|LAST], ...): op_agg.c evaluates
 * the keys of a batch (floe_agg_order_eval) into the worker's L->okv
 * before the aggregate's update, which keeps, per group, every fed value
 * followed by its keys in the group's agg_vlist (stride 1 + norder; the
 * values of one row are consecutive). Lists of workers concatenate
 * (op_agg.c's cmb_list); finalize sorts the rows by the keys, then by the
 * value itself, so ties, and calls without ORDER BY, give the same result
 * whatever the threads did (a query answers the same on 1 thread and on
 * N). DISTINCT agg(x ORDER BY x) is bound with norder = 0 and okeys[0]
 * giving the direction of the value.
 *
 * string_agg(x [, sep]): NULL values are skipped, NULL for a group without
 * values; sep is a constant (default ','); results over 256 MiB are
 * FLOE_RANGE. The result is built in the state's scratch buffer (agg_st.buf)
 * and copied into the output column by op_agg.c.
 *
 * Ownership: values' strings are copied into the local's arena
 * (floe_agg_copy_str); L->okv vectors are owned by the caller of
 * floe_agg_order_eval until floe_agg_order_free. Thread-safety: as
 * engine/agg_internal.h (one worker per agg_local).
 */
#include <string.h>

#include "engine/agg_internal.h"
#include "engine/exec_rows.h"
#include "util/mem.h"

#define STRAGG_MAX ((size_t)256 << 20)

int floe_agg_order_eval(agg_local *L, const floe_agg *ag, floe_batch *b, floe_err *err)
{
    uint32_t i;
    int rc;
    L->okv = floe_calloc(ag->norder, sizeof *L->okv);
    if (L->okv == NULL) return floe_err_nomem(err);
    for (i = 0; i < ag->norder; i++) {
        rc = floe_exec_eval(&L->ev, ag->order[i], b, &L->okv[i], err);
        if (rc) {
            floe_agg_order_free(L, ag);
            return rc;
        }
    }
    return FLOE_OK;
}

void floe_agg_order_free(agg_local *L, const floe_agg *ag)
{
    uint32_t i;
    if (L->okv == NULL) return;
    for (i = 0; i < ag->norder; i++) floe_vec_free(&L->okv[i]);
    floe_free(L->okv);
    L->okv = NULL;
}

/* Append the row's value and its ORDER BY keys to the group's list. */
int floe_agg_stragg_update(UPD_ARGS)
{
    UPD_PROLOGUE;
    uint32_t S = 1 + (L->okv ? ag->norder : 0), j;
    for (k = 0; k < cnt; k++) {
        agg_vlist *l = &s->lists[gids[k]];
        floe_value nv;
        if (!VALID(k)) continue;
        if (l->n + S > l->cap) {
            uint32_t nc = l->cap ? l->cap * 2 : 8 * S;
            floe_value *nvp;
            while (nc < l->n + S) nc *= 2;
            nvp = floe_realloc(l->v, nc * sizeof *nvp);
            if (nvp == NULL) return floe_err_nomem(err);
            L->list_bytes += (uint64_t)(nc - l->cap) * sizeof *nvp;
            l->v = nvp;
            l->cap = nc;
        }
        floe_value_load(v->type, v->data, ROW(k), &nv);
        nv.is_null = false;
        if (floe_agg_copy_str(L, &nv)) return floe_err_nomem(err);
        l->v[l->n] = nv;
        for (j = 1; j < S; j++) {
            const floe_vec *kv = &L->okv[j - 1];
            uint32_t r = floe_exec_vrow(kv, rows[k]);
            floe_value_load(kv->type, kv->data, r, &nv);
            nv.is_null = !floe_vec_is_valid(kv, r);
            if (!nv.is_null && floe_agg_copy_str(L, &nv)) return floe_err_nomem(err);
            l->v[l->n + j] = nv;
        }
        l->n += S;
        s->cnt[gids[k]]++;
    }
    return FLOE_OK;
}

typedef struct ord_ctx {
    const floe_agg *ag;
    const floe_value *v;
    uint32_t S;
} ord_ctx;

static int cmp_key(const floe_value *a, const floe_value *b, const floe_sort_key *k)
{
    int c;
    if (a->is_null || b->is_null) {
        if (a->is_null && b->is_null) return 0;
        return (a->is_null ? -1 : 1) * (k->nulls_first ? 1 : -1);
    }
    c = floe_value_cmp(a, b);
    return k->desc ? -c : c;
}

static int cmp_rows(const ord_ctx *c, uint32_t x, uint32_t y)
{
    const floe_value *a = c->v + (size_t)x * c->S, *b = c->v + (size_t)y * c->S;
    uint32_t j;
    int r;
    for (j = 1; j < c->S; j++)
        if ((r = cmp_key(&a[j], &b[j], &c->ag->okeys[j - 1])) != 0) return r;
    r = floe_value_cmp(&a[0], &b[0]);
    if (c->S == 1 && c->ag->okeys && c->ag->okeys[0].desc) r = -r;
    return r;
}

/* Stable bottom-up merge sort of idx[0..n) by cmp_rows (tmp: n scratch). */
static void sort_rows(const ord_ctx *c, uint32_t *idx, uint32_t *tmp, uint32_t n)
{
    uint32_t w, i;
    for (w = 1; w < n; w *= 2) {
        for (i = 0; i < n; i += 2 * w) {
            uint32_t lo = i, mid = i + w < n ? i + w : n, hi = i + 2 * w < n ? i + 2 * w : n;
            uint32_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi) tmp[o++] = cmp_rows(c, idx[b], idx[a]) < 0 ? idx[b++] : idx[a++];
            while (a < mid) tmp[o++] = idx[a++];
            while (b < hi) tmp[o++] = idx[b++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
}

int floe_agg_stragg_finalize(FIN_ARGS)
{
    agg_vlist *l = &s->lists[g];
    ord_ctx c;
    uint32_t n, i, *idx;
    size_t total = 0, pos = 0;
    const char *sep = ag->sep ? ag->sep : ",";
    size_t seplen = ag->sep ? ag->sep_len : 1;
    (void)ct;
    c.ag = ag;
    c.v = l->v;
    c.S = 1 + ag->norder;
    n = l->n / c.S;
    if (n == 0) {
        r->is_null = true;
        return FLOE_OK;
    }
    idx = floe_malloc((size_t)n * 2 * sizeof *idx);
    if (idx == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) idx[i] = i;
    sort_rows(&c, idx, idx + n, n);
    for (i = 0; i < n; i++) total += l->v[(size_t)idx[i] * c.S].v.s.len + (i ? seplen : 0);
    if (total > STRAGG_MAX) {
        floe_free(idx);
        return floe_err_set(err, FLOE_RANGE, "string_agg: result of %zu bytes exceeds 256 MiB", total);
    }
    if (total + 1 > s->buf_cap) {
        char *nb = floe_realloc(s->buf, total + 1);
        if (nb == NULL) {
            floe_free(idx);
            return floe_err_nomem(err);
        }
        s->buf = nb;
        s->buf_cap = total + 1;
    }
    for (i = 0; i < n; i++) {
        const floe_value *x = &l->v[(size_t)idx[i] * c.S];
        if (i) {
            memcpy(s->buf + pos, sep, seplen);
            pos += seplen;
        }
        if (x->v.s.len) memcpy(s->buf + pos, x->v.s.ptr, x->v.s.len);
        pos += x->v.s.len;
    }
    floe_free(idx);
    r->v.s.ptr = s->buf;
    r->v.s.len = (uint32_t)pos;
    return FLOE_OK;
}

/* ------------------------------------------------------------ first, last
 *
 * first(x [ORDER BY k ...]) / last(x ...) (DuckDB's, alias arbitrary): the
 * value of the first / last row by the keys; NULL values count (a first row
 * with x NULL gives NULL), NULL for a group without rows. Each group keeps
 * one row (value, keys) in its list; rows that tie on the keys, and calls
 * without ORDER BY, are decided by the value (a non-NULL value first, then
 * the smallest for first, the largest for last), so the result never
 * depends on the order rows arrive in or on threads. */

/* Whether row a (value, keys) should replace row b for ag. */
static int first_better(const floe_agg *ag, const floe_value *a, const floe_value *b, uint32_t S)
{
    int last = ag->fn == FLOE_AGG_LAST, c;
    uint32_t j;
    for (j = 1; j < S; j++)
        if ((c = cmp_key(&a[j], &b[j], &ag->okeys[j - 1])) != 0) return last ? c > 0 : c < 0;
    if (a[0].is_null || b[0].is_null) return !a[0].is_null && b[0].is_null;
    c = floe_value_cmp(&a[0], &b[0]);
    if (S == 1 && ag->okeys && ag->okeys[0].desc) c = -c;
    return last ? c > 0 : c < 0;
}

/* Make row cand (S values, strings borrowed) the group's row: copied. */
static int first_store(agg_local *L, agg_vlist *l, const floe_value *cand, uint32_t S)
{
    uint32_t j;
    if (l->cap < S) {
        floe_value *nv = floe_realloc(l->v, S * sizeof *nv);
        if (nv == NULL) return FLOE_NOMEM;
        L->list_bytes += (uint64_t)(S - l->cap) * sizeof *nv;
        l->v = nv;
        l->cap = S;
    }
    for (j = 0; j < S; j++) {
        l->v[j] = cand[j];
        if (!cand[j].is_null && floe_agg_copy_str(L, &l->v[j])) return FLOE_NOMEM;
    }
    l->n = S;
    return FLOE_OK;
}

int floe_agg_first_update(UPD_ARGS)
{
    UPD_PROLOGUE;
    uint32_t S = 1 + (L->okv ? ag->norder : 0), j;
    floe_value one[1], *cand = S == 1 ? one : floe_malloc(S * sizeof *cand);
    int rc = FLOE_OK;
    if (cand == NULL) return floe_err_nomem(err);
    for (k = 0; k < cnt && rc == FLOE_OK; k++) {
        agg_vlist *l = &s->lists[gids[k]];
        floe_value_load(v->type, v->data, ROW(k), &cand[0]);
        cand[0].is_null = !VALID(k);
        for (j = 1; j < S; j++) {
            const floe_vec *kv = &L->okv[j - 1];
            uint32_t r = floe_exec_vrow(kv, rows[k]);
            floe_value_load(kv->type, kv->data, r, &cand[j]);
            cand[j].is_null = !floe_vec_is_valid(kv, r);
        }
        if (l->n == 0 || first_better(ag, cand, l->v, S))
            if (first_store(L, l, cand, S) != FLOE_OK) rc = floe_err_nomem(err);
        s->cnt[gids[k]]++;
    }
    if (cand != one) floe_free(cand);
    return rc;
}

int floe_agg_first_combine(CMB_ARGS)
{
    const floe_agg *ag = &o->aggs[a];
    agg_vlist *gl = &G->st[a].lists[g], *ll = &L->st[a].lists[lid];
    if (ll->n == 0) return FLOE_OK;
    if (gl->n == 0 || first_better(ag, ll->v, gl->v, ll->n)) {
        /* ll's strings live in L's arena, which outlives the merge */
        if (gl->cap < ll->n) {
            floe_value *nv = floe_realloc(gl->v, ll->n * sizeof *nv);
            if (nv == NULL) return floe_err_nomem(err);
            G->list_bytes += (uint64_t)(ll->n - gl->cap) * sizeof *nv;
            gl->v = nv;
            gl->cap = ll->n;
        }
        memcpy(gl->v, ll->v, ll->n * sizeof *ll->v);
        gl->n = ll->n;
    }
    return FLOE_OK;
}

int floe_agg_first_finalize(FIN_ARGS)
{
    (void)ag, (void)ct, (void)err;
    if (s->cnt[g] == 0 || s->lists[g].n == 0 || s->lists[g].v[0].is_null) r->is_null = true;
    else *r = s->lists[g].v[0];
    return FLOE_OK;
}
