/* engine/eval.c: vectorized expression evaluation (tree walk, control flow, filters).
 *
 * Each node is evaluated a whole vector at a time over the live rows of a
 * batch (see engine/eval_internal.h for the row model). Control-flow nodes
 * narrow the rows they pass to their children: AND/OR stop evaluating a row
 * once its outcome is decided, CASE evaluates a branch only on the rows that
 * reach it, COALESCE only on rows still NULL. Function calls evaluate their
 * arguments, combine NULLs word-wise and call the function family, which
 * loops without per-row dispatch. Subquery results are cached in the
 * floe_eval_ctx (per query when uncorrelated, per parameter tuple when
 * correlated).
 */
#include "engine/expr.h"

#include <string.h>

#include "engine/eval_internal.h"
#include "engine/functions.h"
#include "engine/kernels.h"
#include "engine/plan.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"

floe_pclass floe_eval_pclass(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: return FLOE_PC_U8;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return FLOE_PC_I32;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP: return FLOE_PC_I64;
    case FLOE_TYPE_DOUBLE: return FLOE_PC_F64;
    case FLOE_TYPE_VARCHAR: return FLOE_PC_STR;
    case FLOE_TYPE_INTERVAL: return FLOE_PC_IV;
    default: return FLOE_PC_NULL;
    }
}

/* ------------------------------------------------------------ vector helpers */

int floe_eval_out_init(floe_vec *out, floe_type t, uint32_t n, floe_err *err)
{
    if (floe_vec_init(out, t, n ? n : 1) != FLOE_OK) return floe_err_nomem(err);
    out->n = n;
    return FLOE_OK;
}

int floe_eval_out_const(floe_vec *out, const floe_value *v, uint32_t n, floe_err *err)
{
    int rc = floe_eval_out_init(out, v->type, 1, err);
    if (rc) return rc;
    out->n = n;
    out->flags |= FLOE_VEC_CONST;
    if (v->is_null || v->type.id == FLOE_TYPE_NULL) {
        memset(out->data, 0, floe_type_size(v->type));
        if (floe_vec_set_null(out, 0)) goto oom;
        return FLOE_OK;
    }
    if (v->type.id == FLOE_TYPE_VARCHAR) {
        if (floe_vec_set_string(out, 0, v->v.s.ptr, v->v.s.len)) goto oom;
        return FLOE_OK;
    }
    floe_value_store(v, out->data, 0);
    return FLOE_OK;
oom:
    floe_vec_free(out);
    return floe_err_nomem(err);
}

int floe_eval_set_null(floe_vec *out, uint32_t r, floe_err *err)
{
    if (floe_vec_set_null(out, r)) return floe_err_nomem(err);
    return FLOE_OK;
}

int floe_eval_set_str(floe_vec *out, uint32_t r, const char *s, uint32_t len, floe_err *err)
{
    if (floe_vec_set_string(out, r, s, len)) return floe_err_nomem(err);
    return FLOE_OK;
}

char *floe_eval_str_alloc(floe_vec *out, uint32_t len)
{
    floe_arena *h = floe_vec_heap(out);
    if (h == NULL) return NULL;
    return floe_arena_alloc(h, len ? len : 1);
}

/* Validity bitmap of out, all valid, owned (for rows < cap). */
static int ensure_validity(floe_vec *out, floe_err *err)
{
    if (out->validity) return FLOE_OK;
    if (floe_vec_ensure_validity(out)) return floe_err_nomem(err);
    return FLOE_OK;
}

/* Validity bitmap of out with every row NULL. */
static int all_null_validity(floe_vec *out, floe_err *err)
{
    int rc = ensure_validity(out, err);
    if (rc) return rc;
    memset(out->validity, 0, FLOE_BITMAP_WORDS(out->cap) * sizeof(uint64_t));
    return FLOE_OK;
}

static inline void set_bit(uint64_t *b, uint32_t i, int v)
{
    if (v)
        b[i >> 6] |= 1ULL << (i & 63);
    else
        b[i >> 6] &= ~(1ULL << (i & 63));
}

/* out->validity &= a->validity over n rows (a flat). */
static int and_validity(floe_vec *out, const floe_vec *a, uint32_t n, floe_err *err)
{
    size_t w, nw = FLOE_BITMAP_WORDS(n);
    if (a->validity == NULL || floe_vec_const(a)) return FLOE_OK;
    if (out->validity == NULL) {
        int rc = ensure_validity(out, err);
        if (rc) return rc;
        memcpy(out->validity, a->validity, nw * sizeof(uint64_t));
        return FLOE_OK;
    }
    for (w = 0; w < nw; w++) out->validity[w] &= a->validity[w];
    return FLOE_OK;
}

void floe_eval_load(const floe_vec *v, uint32_t r, floe_value *out)
{
    uint32_t i = floe_vidx(v, r);
    if (!floe_bit(v->validity, i) || v->type.id == FLOE_TYPE_NULL) {
        *out = floe_value_null(v->type);
        return;
    }
    floe_value_load(v->type, v->data, i, out);
}

int floe_eval_cmp_rows(const floe_vec *a, uint32_t ia, const floe_vec *b, uint32_t ib)
{
    floe_value x, y;
    floe_value_load(a->type, a->data, floe_vidx(a, ia), &x);
    floe_value_load(b->type, b->data, floe_vidx(b, ib), &y);
    return floe_value_cmp(&x, &y);
}

int floe_eval_copy_rows(floe_vec *dst, floe_vec *src, const uint32_t *sel, uint32_t nsel,
                        floe_err *err)
{
    size_t w = floe_type_size(dst->type);
    bool c = floe_vec_const(src);
    int rc;
    uint32_t k;
    bool copy_bytes = false;
    rc = ensure_validity(dst, err);
    if (rc) return rc;
    if (dst->type.id == FLOE_TYPE_VARCHAR && src->heap) {
        if (dst->heap == NULL) {
            dst->heap = src->heap; /* strings stay where they are */
            src->heap = NULL;
        } else {
            copy_bytes = true;
        }
    }
    for (k = 0; k < nsel; k++) {
        uint32_t r = sel ? sel[k] : k, i = c ? 0 : r;
        int valid = floe_bit(src->validity, i) && src->type.id != FLOE_TYPE_NULL;
        set_bit(dst->validity, r, valid);
        if (!valid) continue;
        if (copy_bytes) {
            const floe_string *s = (const floe_string *)src->data + i;
            rc = floe_eval_set_str(dst, r, s->ptr, s->len, err);
            if (rc) return rc;
        } else {
            memcpy((char *)dst->data + (size_t)r * w, (const char *)src->data + (size_t)i * w, w);
        }
    }
    return FLOE_OK;
}

int floe_eval_adopt_strings(floe_vec *dst, floe_vec *src, const floe_fnargs *fa, floe_err *err)
{
    floe_string *d = (floe_string *)dst->data;
    if (src->heap == NULL) return FLOE_OK;
    if (dst->heap == NULL) {
        dst->heap = src->heap;
        src->heap = NULL;
        return FLOE_OK;
    }
    FLOE_FOR_ROWS(fa, r, {
        if (floe_bit(dst->validity, r)) {
            floe_string s = d[r];
            int rc = floe_eval_set_str(dst, r, s.ptr, s.len, err);
            if (rc) return rc;
        }
    });
    return FLOE_OK;
}

/* ------------------------------------------------------------- the cache */

typedef struct cache_entry {
    struct cache_entry *next;
    const floe_expr *e;
    uint64_t hash;
    floe_value *params; /* nparams, strings in the cache arena */
    uint32_t nparams;
    floe_vec result;    /* the subquery's first column (owned) */
    floe_valset *set;   /* IN: values of result (lazily), or an IN list's constants */
    void *state;        /* a function's per-call state (floe_eval_fn_state) */
    void (*state_free)(void *);
} cache_entry;

typedef struct eval_cache {
    floe_arena *arena;
    cache_entry **buckets;
    uint32_t nbuckets;
    uint32_t count;
} eval_cache;

static uint64_t hash_value(const floe_value *v)
{
    if (v->is_null) return 0x51ed27;
    switch (floe_eval_pclass(v->type)) {
    case FLOE_PC_STR: return floe_hash64(v->v.s.ptr, v->v.s.len);
    case FLOE_PC_IV:
        return floe_hash_combine(floe_hash_u64((uint64_t)v->v.iv.months),
                                 floe_hash_combine((uint64_t)v->v.iv.days, (uint64_t)v->v.iv.micros));
    case FLOE_PC_F64: {
        double d = v->v.d == 0 ? 0.0 : v->v.d;
        uint64_t u;
        memcpy(&u, &d, 8);
        return floe_hash_u64(u);
    }
    default: return floe_hash_u64((uint64_t)v->v.i);
    }
}

static bool value_same(const floe_value *a, const floe_value *b)
{
    if (a->is_null || b->is_null) return a->is_null == b->is_null;
    if (a->type.id != b->type.id) return false;
    if (a->type.id == FLOE_TYPE_INTERVAL)
        return a->v.iv.months == b->v.iv.months && a->v.iv.days == b->v.iv.days &&
               a->v.iv.micros == b->v.iv.micros;
    return floe_value_cmp(a, b) == 0;
}

static eval_cache *cache_get(floe_eval_ctx *ctx, floe_err *err)
{
    eval_cache *c = ctx->cache;
    if (c) return c;
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) goto oom;
    c->arena = floe_arena_new(0);
    c->nbuckets = 64;
    c->buckets = floe_calloc(c->nbuckets, sizeof *c->buckets);
    if (c->arena == NULL || c->buckets == NULL) {
        floe_arena_free(c->arena);
        floe_free(c->buckets);
        floe_free(c);
        goto oom;
    }
    ctx->cache = c;
    return c;
oom:
    floe_err_nomem(err);
    return NULL;
}

static uint64_t entry_hash(const floe_expr *e, const floe_value *params, uint32_t np)
{
    uint64_t h = floe_hash_u64((uint64_t)(uintptr_t)e);
    uint32_t i;
    for (i = 0; i < np; i++) h = floe_hash_combine(h, hash_value(&params[i]));
    return h;
}

static cache_entry *cache_find(eval_cache *c, const floe_expr *e, const floe_value *params,
                               uint32_t np, uint64_t h)
{
    cache_entry *it;
    for (it = c->buckets[h & (c->nbuckets - 1)]; it; it = it->next) {
        uint32_t i;
        if (it->e != e || it->hash != h || it->nparams != np) continue;
        for (i = 0; i < np; i++)
            if (!value_same(&it->params[i], &params[i])) break;
        if (i == np) return it;
    }
    return NULL;
}

/* New entry keyed by (e, params) (param strings copied); NULL on OOM. */
static cache_entry *cache_add(eval_cache *c, const floe_expr *e, const floe_value *params,
                              uint32_t np, uint64_t h, floe_err *err)
{
    cache_entry *ce;
    uint32_t i;
    if (c->count >= c->nbuckets) {
        uint32_t nb = c->nbuckets * 2, b;
        cache_entry **nbk = floe_calloc(nb, sizeof *nbk);
        if (nbk == NULL) goto oom;
        for (b = 0; b < c->nbuckets; b++) {
            cache_entry *it = c->buckets[b], *next;
            for (; it; it = next) {
                next = it->next;
                it->next = nbk[it->hash & (nb - 1)];
                nbk[it->hash & (nb - 1)] = it;
            }
        }
        floe_free(c->buckets);
        c->buckets = nbk;
        c->nbuckets = nb;
    }
    ce = floe_calloc(1, sizeof *ce);
    if (ce == NULL) goto oom;
    if (np) {
        ce->params = floe_arena_alloc(c->arena, np * sizeof(floe_value));
        if (ce->params == NULL) {
            floe_free(ce);
            goto oom;
        }
        for (i = 0; i < np; i++) {
            ce->params[i] = params[i];
            if (!params[i].is_null && params[i].type.id == FLOE_TYPE_VARCHAR) {
                char *p = floe_arena_memdup(c->arena, params[i].v.s.ptr, params[i].v.s.len);
                if (p == NULL) {
                    floe_free(ce);
                    goto oom;
                }
                ce->params[i].v.s.ptr = p;
            }
        }
    }
    ce->e = e;
    ce->hash = h;
    ce->nparams = np;
    ce->next = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = ce;
    c->count++;
    return ce;
oom:
    floe_err_nomem(err);
    return NULL;
}

void floe_eval_ctx_free(floe_eval_ctx *ctx)
{
    eval_cache *c;
    uint32_t b;
    if (ctx == NULL || ctx->cache == NULL) return;
    c = ctx->cache;
    for (b = 0; b < c->nbuckets; b++) {
        cache_entry *it = c->buckets[b], *next;
        for (; it; it = next) {
            next = it->next;
            floe_vec_free(&it->result);
            floe_valset_free(it->set);
            if (it->state_free && it->state) it->state_free(it->state);
            floe_free(it);
        }
    }
    floe_free(c->buckets);
    floe_arena_free(c->arena);
    floe_free(c);
    ctx->cache = NULL;
}

void **floe_eval_fn_state(const floe_fnargs *fa, void (*free_fn)(void *), floe_err *err)
{
    eval_cache *c;
    cache_entry *ce;
    /* a tag keeps these entries apart from an IN list's or a subquery's */
    uint64_t h = entry_hash(fa->e, NULL, 0) ^ 0x9e3779b97f4a7c15ull;
    if (fa->ctx == NULL) {
        floe_err_set(err, FLOE_MISUSE, "function state needs an evaluation context");
        return NULL;
    }
    c = cache_get(fa->ctx, err);
    if (c == NULL) return NULL;
    ce = cache_find(c, fa->e, NULL, 0, h);
    if (ce == NULL) {
        ce = cache_add(c, fa->e, NULL, 0, h, err);
        if (ce == NULL) return NULL;
        ce->state_free = free_fn;
    }
    return &ce->state;
}

/* ---------------------------------------------------------- leaf nodes */

static int eval_column(const floe_expr *e, const floe_batch *in, floe_vec *out, floe_err *err)
{
    const floe_vec *c;
    if (e->index >= in->ncols)
        return floe_err_set(err, FLOE_MISUSE, "column #%u out of range (batch has %u)", e->index,
                            in->ncols);
    c = &in->cols[e->index];
    *out = *c; /* a borrowed view: valid while the input batch is */
    out->flags |= FLOE_VEC_BORROWED | FLOE_VEC_BORROWED_VALIDITY;
    out->heap = NULL;
    out->n = in->n;
    return FLOE_OK;
}

/* ---------------------------------------------------------- function calls */

static bool fn_is_strict(floe_fn fn)
{
    return (floe_functions_get(fn)->flags & FLOE_FNF_STRICT) != 0;
}

/* CAST and LIKE have their own kernels; CALLs dispatch through the registry. */
static int call_family(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_expr *e = fa->e;
    if (e->kind == FLOE_EXPR_CAST) return floe_cast_eval(fa, out, err);
    if (e->kind == FLOE_EXPR_LIKE) return floe_like_eval(fa, out, err);
    return floe_functions_get(e->fn)->eval(fa, out, err);
}

/* CALL, CAST and LIKE: evaluate args, combine NULLs, run the family. */
static int eval_call(const floe_expr *e, const floe_batch *in, const uint32_t *sel, uint32_t nsel,
                     floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    floe_vec stack_args[4];
    floe_vec *args = stack_args;
    floe_fnargs fa;
    uint32_t i, nargs = e->nargs;
    bool all_const = true, strict = true;
    int rc = FLOE_OK;

    memset(out, 0, sizeof *out);
    if (e->kind == FLOE_EXPR_CALL) strict = fn_is_strict(e->fn);
    if (nargs > 4) {
        args = floe_calloc(nargs, sizeof *args);
        if (args == NULL) return floe_err_nomem(err);
    } else {
        memset(stack_args, 0, sizeof stack_args);
    }
    for (i = 0; i < nargs; i++) {
        rc = floe_eval_rows(e->args[i], in, sel, nsel, ctx, &args[i], err);
        if (rc) goto done;
        if (!floe_vec_const(&args[i])) all_const = false;
        if (strict && floe_vec_const(&args[i]) &&
            (!floe_bit(args[i].validity, 0) || args[i].type.id == FLOE_TYPE_NULL)) {
            floe_value nv = floe_value_null(e->type);
            nargs = i + 1;
            rc = floe_eval_out_const(out, &nv, in->n, err);
            goto done;
        }
    }
    fa.e = e;
    fa.args = args;
    fa.nargs = nargs;
    fa.ctx = ctx;
    if (all_const) {
        fa.sel = NULL;
        fa.nsel = 1;
        fa.n = 1;
    } else {
        fa.sel = sel;
        fa.nsel = nsel;
        fa.n = in->n;
    }
    rc = floe_eval_out_init(out, e->type, fa.n, err);
    if (rc) goto done;
    if (strict && !all_const) {
        for (i = 0; i < nargs && rc == FLOE_OK; i++) rc = and_validity(out, &args[i], fa.n, err);
        if (rc) goto done;
    }
    rc = call_family(&fa, out, err);
    if (rc == FLOE_OK && all_const) {
        out->flags |= FLOE_VEC_CONST;
        out->n = in->n;
    }
done:
    for (i = 0; i < nargs; i++) floe_vec_free(&args[i]);
    if (args != stack_args) floe_free(args);
    if (rc) floe_vec_free(out);
    return rc;
}

/* ---------------------------------------------------------- logic */

static uint32_t *rows_copy(const uint32_t *sel, uint32_t nsel)
{
    uint32_t *r = floe_malloc((nsel ? nsel : 1) * sizeof(uint32_t)), k;
    if (r == NULL) return NULL;
    if (sel)
        memcpy(r, sel, nsel * sizeof(uint32_t));
    else
        for (k = 0; k < nsel; k++) r[k] = k;
    return r;
}

static int eval_and_or(const floe_expr *e, const floe_batch *in, const uint32_t *sel,
                       uint32_t nsel, floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    const uint8_t decisive = e->kind == FLOE_EXPR_AND ? 0 : 1; /* FALSE for AND, TRUE for OR */
    uint32_t *rem = NULL, nrem = nsel, i, k;
    uint8_t *od;
    int rc = floe_eval_out_init(out, floe_type_make(FLOE_TYPE_BOOLEAN), in->n, err);
    if (rc) return rc;
    od = out->data;
    rem = rows_copy(sel, nsel);
    if (rem == NULL) {
        rc = floe_err_nomem(err);
        goto done;
    }
    for (k = 0; k < nsel; k++) od[rem[k]] = (uint8_t)!decisive;
    for (i = 0; i < e->nargs && nrem > 0; i++) {
        floe_vec v;
        const uint8_t *d;
        uint32_t keep = 0;
        rc = floe_eval_rows(e->args[i], in, rem, nrem, ctx, &v, err);
        if (rc) goto done;
        d = v.data;
        for (k = 0; k < nrem; k++) {
            uint32_t r = rem[k], ir = floe_vidx(&v, r);
            bool valid = floe_bit(v.validity, ir);
            if (valid && d[ir] == decisive) {
                od[r] = decisive;
                if (out->validity) set_bit(out->validity, r, 1);
                continue;
            }
            if (!valid) {
                rc = ensure_validity(out, err);
                if (rc) {
                    floe_vec_free(&v);
                    goto done;
                }
                set_bit(out->validity, r, 0);
            }
            rem[keep++] = r;
        }
        nrem = keep;
        floe_vec_free(&v);
    }
done:
    floe_free(rem);
    if (rc) floe_vec_free(out);
    return rc;
}

static int eval_not(const floe_expr *e, const floe_batch *in, const uint32_t *sel, uint32_t nsel,
                    floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    floe_vec v;
    uint8_t *d;
    int rc = floe_eval_rows(e->args[0], in, sel, nsel, ctx, &v, err);
    if (rc) return rc;
    if (floe_vec_const(&v)) {
        floe_value x;
        floe_eval_load(&v, 0, &x);
        x.type = floe_type_make(FLOE_TYPE_BOOLEAN);
        x.v.i = !x.v.i;
        floe_vec_free(&v);
        return floe_eval_out_const(out, &x, in->n, err);
    }
    if (floe_vec_make_owned(&v, in->n)) {
        floe_vec_free(&v);
        return floe_err_nomem(err);
    }
    d = v.data;
    if (sel) {
        uint32_t k;
        for (k = 0; k < nsel; k++) d[sel[k]] = !d[sel[k]];
    } else {
        uint32_t r;
        for (r = 0; r < nsel; r++) d[r] = !d[r];
    }
    *out = v;
    return FLOE_OK;
}

static int eval_is_null(const floe_expr *e, const floe_batch *in, const uint32_t *sel,
                        uint32_t nsel, floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    floe_vec v;
    uint8_t *d;
    const uint8_t want_valid = e->negated; /* IS NOT NULL: true when valid */
    int rc = floe_eval_rows(e->args[0], in, sel, nsel, ctx, &v, err);
    if (rc) return rc;
    if (floe_vec_const(&v) || v.validity == NULL) {
        floe_value x;
        bool valid = floe_bit(v.validity, 0) && v.type.id != FLOE_TYPE_NULL;
        if (!floe_vec_const(&v)) valid = v.type.id != FLOE_TYPE_NULL;
        floe_vec_free(&v);
        x.type = floe_type_make(FLOE_TYPE_BOOLEAN);
        x.is_null = false;
        x.v.i = valid == want_valid;
        return floe_eval_out_const(out, &x, in->n, err);
    }
    rc = floe_eval_out_init(out, floe_type_make(FLOE_TYPE_BOOLEAN), in->n, err);
    if (rc == FLOE_OK) {
        floe_fnargs fa;
        fa.sel = sel;
        fa.nsel = nsel;
        d = out->data;
        FLOE_FOR_ROWS(&fa, r, { d[r] = (uint8_t)(floe_bit(v.validity, r) == want_valid); });
    }
    floe_vec_free(&v);
    return rc;
}

static int eval_case(const floe_expr *e, const floe_batch *in, const uint32_t *sel, uint32_t nsel,
                     floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    uint32_t npairs = (e->nargs - (e->has_else ? 1 : 0)) / 2, p, k;
    uint32_t *rem = NULL, *hit = NULL, nrem = nsel;
    int rc = floe_eval_out_init(out, e->type, in->n, err);
    if (rc) return rc;
    rc = all_null_validity(out, err);
    if (rc) goto done;
    rem = rows_copy(sel, nsel);
    hit = floe_malloc((nsel ? nsel : 1) * sizeof(uint32_t));
    if (rem == NULL || hit == NULL) {
        rc = floe_err_nomem(err);
        goto done;
    }
    for (p = 0; p < npairs && nrem > 0; p++) {
        floe_vec cond, val;
        const uint8_t *d;
        uint32_t nhit = 0, nmiss = 0;
        rc = floe_eval_rows(e->args[2 * p], in, rem, nrem, ctx, &cond, err);
        if (rc) goto done;
        d = cond.data;
        for (k = 0; k < nrem; k++) {
            uint32_t r = rem[k], ir = floe_vidx(&cond, r);
            if (floe_bit(cond.validity, ir) && d[ir])
                hit[nhit++] = r;
            else
                rem[nmiss++] = r; /* in place: nmiss <= k */
        }
        floe_vec_free(&cond);
        nrem = nmiss;
        if (nhit == 0) continue;
        rc = floe_eval_rows(e->args[2 * p + 1], in, hit, nhit, ctx, &val, err);
        if (rc) goto done;
        rc = floe_eval_copy_rows(out, &val, hit, nhit, err);
        floe_vec_free(&val);
        if (rc) goto done;
    }
    if (e->has_else && nrem > 0) {
        floe_vec val;
        rc = floe_eval_rows(e->args[e->nargs - 1], in, rem, nrem, ctx, &val, err);
        if (rc) goto done;
        rc = floe_eval_copy_rows(out, &val, rem, nrem, err);
        floe_vec_free(&val);
    }
done:
    floe_free(rem);
    floe_free(hit);
    if (rc) floe_vec_free(out);
    return rc;
}

static int eval_coalesce(const floe_expr *e, const floe_batch *in, const uint32_t *sel,
                         uint32_t nsel, floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    uint32_t *rem = NULL, *got = NULL, nrem = nsel, i, k;
    int rc = floe_eval_out_init(out, e->type, in->n, err);
    if (rc) return rc;
    rc = all_null_validity(out, err);
    if (rc) goto done;
    rem = rows_copy(sel, nsel);
    got = floe_malloc((nsel ? nsel : 1) * sizeof(uint32_t));
    if (rem == NULL || got == NULL) {
        rc = floe_err_nomem(err);
        goto done;
    }
    for (i = 0; i < e->nargs && nrem > 0; i++) {
        floe_vec v;
        uint32_t ngot = 0, nleft = 0;
        rc = floe_eval_rows(e->args[i], in, rem, nrem, ctx, &v, err);
        if (rc) goto done;
        for (k = 0; k < nrem; k++) {
            uint32_t r = rem[k];
            if (floe_bit(v.validity, floe_vidx(&v, r)) && v.type.id != FLOE_TYPE_NULL)
                got[ngot++] = r;
            else
                rem[nleft++] = r;
        }
        nrem = nleft;
        rc = ngot ? floe_eval_copy_rows(out, &v, got, ngot, err) : FLOE_OK;
        floe_vec_free(&v);
        if (rc) goto done;
    }
done:
    floe_free(rem);
    floe_free(got);
    if (rc) floe_vec_free(out);
    return rc;
}

/* ---------------------------------------------------------- IN list */

/* Result of `x IN set` for a valid x: 1 TRUE, 0 FALSE, -1 NULL. */
static inline int in_result(bool found, bool set_has_null, bool negated)
{
    if (found) return negated ? 0 : 1;
    if (set_has_null) return -1;
    return negated ? 1 : 0;
}

/* Write IN results for the live rows of x against a value set. */
static int in_set_rows(const floe_vec *x, const floe_valset *set, bool negated,
                       const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    uint8_t *d = out->data;
    bool hn = floe_valset_has_null(set);
    int rc = FLOE_OK;
    FLOE_FOR_ROWS(fa, r, {
        uint32_t ix = floe_vidx(x, r);
        int res;
        if (!floe_bit(x->validity, ix) || x->type.id == FLOE_TYPE_NULL)
            res = -1;
        else
            res = in_result(floe_valset_has(set, x, ix), hn, negated);
        if (res < 0) {
            rc = floe_eval_set_null(out, r, err);
            if (rc) return rc;
        } else {
            d[r] = (uint8_t)res;
        }
    });
    return rc;
}

static int eval_in_list(const floe_expr *e, const floe_batch *in, const uint32_t *sel,
                        uint32_t nsel, floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    floe_vec x;
    floe_fnargs fa;
    uint32_t i, nlist = e->nargs - 1;
    bool all_const = true;
    int rc;
    memset(&fa, 0, sizeof fa);
    fa.sel = sel;
    fa.nsel = nsel;
    for (i = 1; i < e->nargs; i++)
        if (e->args[i]->kind != FLOE_EXPR_CONST) all_const = false;
    rc = floe_eval_rows(e->args[0], in, sel, nsel, ctx, &x, err);
    if (rc) return rc;
    rc = floe_eval_out_init(out, floe_type_make(FLOE_TYPE_BOOLEAN), in->n, err);
    if (rc) goto done;
    if (all_const) {
        /* constant list: a value set built once per query, kept in the cache */
        eval_cache *c = cache_get(ctx, err);
        cache_entry *ce;
        uint64_t h = entry_hash(e, NULL, 0);
        if (c == NULL) {
            rc = FLOE_NOMEM;
            goto done;
        }
        ce = cache_find(c, e, NULL, 0, h);
        if (ce == NULL) {
            floe_vec lv;
            ce = cache_add(c, e, NULL, 0, h, err);
            if (ce == NULL) {
                rc = FLOE_NOMEM;
                goto done;
            }
            rc = floe_eval_out_init(&lv, e->args[0]->type, nlist, err);
            for (i = 0; i < nlist && rc == FLOE_OK; i++) {
                const floe_value *v = &e->args[i + 1]->value;
                if (v->is_null || v->type.id == FLOE_TYPE_NULL)
                    rc = floe_eval_set_null(&lv, i, err);
                else
                    floe_value_store(v, lv.data, i);
            }
            if (rc == FLOE_OK) rc = floe_valset_new(x.type, &lv, nlist, &ce->set, err);
            floe_vec_free(&lv); /* strings are the plan's: the set may borrow them */
            if (rc) goto done;
        }
        rc = in_set_rows(&x, ce->set, e->negated, &fa, out, err);
    } else {
        /* general list: compare row by row */
        floe_vec *items = floe_calloc(nlist ? nlist : 1, sizeof *items);
        uint8_t *d = out->data;
        if (items == NULL) {
            rc = floe_err_nomem(err);
            goto done;
        }
        for (i = 0; i < nlist && rc == FLOE_OK; i++)
            rc = floe_eval_rows(e->args[i + 1], in, sel, nsel, ctx, &items[i], err);
        if (rc == FLOE_OK) {
            FLOE_FOR_ROWS(&fa, r, {
                bool found = false, sawnull = false;
                int res;
                uint32_t ix = floe_vidx(&x, r), j;
                if (!floe_bit(x.validity, ix) || x.type.id == FLOE_TYPE_NULL) {
                    res = -1;
                } else {
                    for (j = 0; j < nlist && !found; j++) {
                        uint32_t ij = floe_vidx(&items[j], r);
                        if (!floe_bit(items[j].validity, ij) || items[j].type.id == FLOE_TYPE_NULL)
                            sawnull = true;
                        else if (floe_eval_cmp_rows(&x, ix, &items[j], ij) == 0)
                            found = true;
                    }
                    res = in_result(found, sawnull, e->negated);
                }
                if (res < 0) {
                    rc = floe_eval_set_null(out, r, err);
                    if (rc) break;
                } else {
                    d[r] = (uint8_t)res;
                }
            });
        }
        for (i = 0; i < nlist; i++) floe_vec_free(&items[i]);
        floe_free(items);
    }
done:
    floe_vec_free(&x);
    if (rc) floe_vec_free(out);
    return rc;
}

/* ---------------------------------------------------------- subqueries */

/* The cached result of subquery e for these parameter values. */
static int subq_result(const floe_expr *e, const floe_value *params, uint32_t np,
                       floe_eval_ctx *ctx, cache_entry **out, floe_err *err)
{
    eval_cache *c = cache_get(ctx, err);
    uint64_t h;
    cache_entry *ce;
    int rc;
    if (c == NULL) return FLOE_NOMEM;
    h = entry_hash(e, params, np);
    ce = cache_find(c, e, params, np, h);
    if (ce == NULL) {
        floe_vec res;
        if (ctx->subq_run == NULL)
            return floe_err_set(err, FLOE_UNSUPPORTED, "subqueries are not available here");
        memset(&res, 0, sizeof res);
        rc = ctx->subq_run(ctx->subq_self, e->subplan, params, np, &res, err);
        if (rc) {
            floe_vec_free(&res);
            return rc;
        }
        ce = cache_add(c, e, params, np, h, err);
        if (ce == NULL) {
            floe_vec_free(&res);
            return FLOE_NOMEM;
        }
        ce->result = res;
        if (e->subq_kind == FLOE_SUBQ_SCALAR && res.n > 1)
            return floe_err_set(err, FLOE_ERROR,
                                "more than one row returned by a subquery used as an expression");
        if (e->subq_kind == FLOE_SUBQ_IN) {
            rc = floe_valset_new(res.type, &res, res.n, &ce->set, err);
            if (rc) return rc;
        }
    } else if (e->subq_kind == FLOE_SUBQ_SCALAR && ce->result.n > 1) {
        return floe_err_set(err, FLOE_ERROR,
                            "more than one row returned by a subquery used as an expression");
    }
    *out = ce;
    return FLOE_OK;
}

/* Store the subquery's answer for operand row ix of x (IN) into row r of out. */
static int subq_answer(const floe_expr *e, const cache_entry *ce, const floe_vec *x, uint32_t ix,
                       floe_vec *out, uint32_t r, floe_err *err)
{
    const floe_vec *res = &ce->result;
    switch (e->subq_kind) {
    case FLOE_SUBQ_SCALAR: {
        floe_value v;
        if (res->n == 0) return floe_eval_set_null(out, r, err);
        floe_eval_load(res, 0, &v);
        if (v.is_null) return floe_eval_set_null(out, r, err);
        if (v.type.id == FLOE_TYPE_VARCHAR) return floe_eval_set_str(out, r, v.v.s.ptr, v.v.s.len, err);
        v.type = out->type;
        floe_value_store(&v, out->data, r);
        return FLOE_OK;
    }
    case FLOE_SUBQ_EXISTS:
        ((uint8_t *)out->data)[r] = (uint8_t)((res->n > 0) != e->negated);
        return FLOE_OK;
    case FLOE_SUBQ_IN: {
        int v;
        if (floe_valset_size(ce->set) == 0 && !floe_valset_has_null(ce->set)) {
            v = e->negated; /* x IN (empty) is FALSE even for NULL x */
        } else if (!floe_bit(x->validity, ix) || x->type.id == FLOE_TYPE_NULL) {
            v = -1;
        } else {
            v = in_result(floe_valset_has(ce->set, x, ix), floe_valset_has_null(ce->set),
                          e->negated);
        }
        if (v < 0) return floe_eval_set_null(out, r, err);
        ((uint8_t *)out->data)[r] = (uint8_t)v;
        return FLOE_OK;
    }
    }
    return FLOE_OK;
}

static int eval_subquery(const floe_expr *e, const floe_batch *in, const uint32_t *sel,
                         uint32_t nsel, floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    uint32_t off = e->subq_kind == FLOE_SUBQ_IN ? 1 : 0, np = e->nparams, i;
    floe_vec stack_args[4], *args = stack_args;
    floe_value pstack[4], *params = pstack;
    floe_fnargs fa;
    cache_entry *ce;
    int rc = FLOE_OK;
    bool all_const = true;

    memset(out, 0, sizeof *out);
    if (e->nargs != off + np && !(np == 0 && e->nargs == off))
        return floe_err_set(err, FLOE_MISUSE, "subquery has %u args for %u params", e->nargs, np);
    if (e->nargs > 4) {
        args = floe_calloc(e->nargs, sizeof *args);
        if (args == NULL) return floe_err_nomem(err);
    } else {
        memset(stack_args, 0, sizeof stack_args);
    }
    if (np > 4) {
        params = floe_calloc(np, sizeof *params);
        if (params == NULL) {
            rc = floe_err_nomem(err);
            goto done;
        }
    }
    for (i = 0; i < e->nargs; i++) {
        rc = floe_eval_rows(e->args[i], in, sel, nsel, ctx, &args[i], err);
        if (rc) goto done;
        if (!floe_vec_const(&args[i])) all_const = false;
    }
    fa.sel = sel;
    fa.nsel = nsel;
    if (all_const) {
        fa.sel = NULL;
        fa.nsel = 1;
    }
    rc = floe_eval_out_init(out, e->type, all_const ? 1 : in->n, err);
    if (rc) goto done;
    if (!e->correlated || np == 0) {
        rc = subq_result(e, NULL, 0, ctx, &ce, err);
        if (rc) goto done;
        FLOE_FOR_ROWS(&fa, r, {
            rc = subq_answer(e, ce, off ? &args[0] : NULL, off ? floe_vidx(&args[0], r) : 0, out,
                             r, err);
            if (rc) goto done;
        });
    } else {
        FLOE_FOR_ROWS(&fa, r, {
            for (i = 0; i < np; i++) floe_eval_load(&args[off + i], r, &params[i]);
            rc = subq_result(e, params, np, ctx, &ce, err);
            if (rc) goto done;
            rc = subq_answer(e, ce, off ? &args[0] : NULL, off ? floe_vidx(&args[0], r) : 0, out,
                             r, err);
            if (rc) goto done;
        });
    }
    if (all_const) {
        out->flags |= FLOE_VEC_CONST;
        out->n = in->n;
    }
done:
    for (i = 0; i < e->nargs; i++) floe_vec_free(&args[i]);
    if (args != stack_args) floe_free(args);
    if (params != pstack) floe_free(params);
    if (rc) floe_vec_free(out);
    return rc;
}

/* ---------------------------------------------------------- dispatch */

int floe_eval_rows(const floe_expr *e, const floe_batch *in, const uint32_t *sel, uint32_t nsel,
                   floe_eval_ctx *ctx, floe_vec *out, floe_err *err)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case FLOE_EXPR_CONST: {
        floe_value v = e->value;
        v.type = e->type;
        if (e->value.type.id == FLOE_TYPE_NULL) v.is_null = true;
        if (v.type.id == FLOE_TYPE_VARCHAR && !v.is_null) {
            /* plan strings outlive every batch: borrow them */
            int rc = floe_eval_out_init(out, v.type, 1, err);
            if (rc) return rc;
            ((floe_string *)out->data)[0] = v.v.s;
            out->n = in->n;
            out->flags |= FLOE_VEC_CONST;
            return FLOE_OK;
        }
        return floe_eval_out_const(out, &v, in->n, err);
    }
    case FLOE_EXPR_COLUMN: return eval_column(e, in, out, err);
    case FLOE_EXPR_PARAM: {
        floe_value v;
        if (ctx->params == NULL || e->index >= ctx->nparams)
            return floe_err_set(err, FLOE_MISUSE, "parameter $%u is not bound", e->index);
        v = ctx->params[e->index];
        if (v.is_null) v.type = e->type;
        return floe_eval_out_const(out, &v, in->n, err);
    }
    case FLOE_EXPR_CALL:
    case FLOE_EXPR_CAST:
    case FLOE_EXPR_LIKE: return eval_call(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_AND:
    case FLOE_EXPR_OR: return eval_and_or(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_NOT: return eval_not(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_IS_NULL: return eval_is_null(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_CASE: return eval_case(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_IN_LIST: return eval_in_list(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_COALESCE: return eval_coalesce(e, in, sel, nsel, ctx, out, err);
    case FLOE_EXPR_SUBQUERY: return eval_subquery(e, in, sel, nsel, ctx, out, err);
    }
    return floe_err_set(err, FLOE_MISUSE, "unknown expression kind %d", (int)e->kind);
}

int floe_expr_check_stop(const atomic_int *interrupt, const atomic_int *cancel, int64_t deadline_ns,
                         uint32_t timeout_ms, floe_err *err)
{
    if ((interrupt && atomic_load(interrupt)) || (cancel && atomic_load(cancel)))
        return floe_err_set(err, FLOE_INTERRUPT, "interrupted");
    if (deadline_ns && floe_os_clock_mono_ns() > deadline_ns)
        return floe_err_set(err, FLOE_INTERRUPT, "query timeout of %u ms exceeded", timeout_ms);
    return FLOE_OK;
}

static int check_interrupt(floe_eval_ctx *ctx, floe_err *err)
{
    return floe_expr_check_stop(ctx->interrupt, ctx->cancel, ctx->deadline_ns, ctx->timeout_ms, err);
}

int floe_expr_eval(const floe_expr *e, const floe_batch *in, floe_eval_ctx *ctx, floe_vec *out,
                   floe_err *err)
{
    int rc = check_interrupt(ctx, err);
    memset(out, 0, sizeof *out);
    if (rc) return rc;
    return floe_eval_rows(e, in, in->sel, in->sel ? in->nsel : in->n, ctx, out, err);
}

/* ---------------------------------------------------------- filters */

/* Keep the rows of in's selection whose bit is set; allocates sel if needed. */
static int narrow_by_bits(floe_batch *in, const uint64_t *bits, floe_err *err)
{
    if (in->sel) {
        uint32_t k, keep = 0;
        for (k = 0; k < in->nsel; k++) {
            uint32_t r = in->sel[k];
            if ((bits[r >> 6] >> (r & 63)) & 1) in->sel[keep++] = r;
        }
        in->nsel = keep;
        return FLOE_OK;
    }
    if (floe_kernel_count(bits, in->n) == in->n) return FLOE_OK; /* all rows pass */
    in->sel = floe_malloc((in->n ? in->n : 1) * sizeof(uint32_t));
    if (in->sel == NULL) return floe_err_nomem(err);
    in->nsel = floe_kernel_sel_from_bits(bits, in->n, in->sel);
    return FLOE_OK;
}

static int set_empty(floe_batch *in, floe_err *err)
{
    if (in->sel == NULL) {
        in->sel = floe_malloc(sizeof(uint32_t));
        if (in->sel == NULL) return floe_err_nomem(err);
    }
    in->nsel = 0;
    return FLOE_OK;
}

/* `col op const` / `col op col` on numbers: kernel bitmask, no eval. Returns
 * 1 when handled, 0 when the pattern does not apply, <0 never (rc via *prc). */
static int filter_fast_cmp(const floe_expr *e, floe_batch *in, floe_err *err, int *prc)
{
    const floe_expr *a, *b;
    floe_kcmp op;
    floe_pclass pc;
    uint64_t bits[FLOE_BITMAP_WORDS(FLOE_VEC_SIZE)], *bp = bits;
    const floe_vec *va, *vb = NULL;
    size_t w, nw = FLOE_BITMAP_WORDS(in->n);

    if (e->kind != FLOE_EXPR_CALL || e->fn < FLOE_FN_EQ || e->fn > FLOE_FN_GE || e->nargs != 2)
        return 0;
    a = e->args[0];
    b = e->args[1];
    op = floe_fn_kcmp(e->fn);
    if (a->kind == FLOE_EXPR_CONST && b->kind == FLOE_EXPR_COLUMN) {
        const floe_expr *t = a;
        a = b;
        b = t;
        op = floe_kernel_cmp_swap(op);
    }
    if (a->kind != FLOE_EXPR_COLUMN || (b->kind != FLOE_EXPR_CONST && b->kind != FLOE_EXPR_COLUMN))
        return 0;
    if (a->index >= in->ncols || (b->kind == FLOE_EXPR_COLUMN && b->index >= in->ncols)) return 0;
    va = &in->cols[a->index];
    pc = floe_eval_pclass(va->type);
    if (pc != FLOE_PC_I32 && pc != FLOE_PC_I64 && pc != FLOE_PC_F64) return 0;
    if (floe_vec_const(va)) return 0;
    if (b->kind == FLOE_EXPR_COLUMN) {
        vb = &in->cols[b->index];
        if (floe_vec_const(vb) || floe_eval_pclass(vb->type) != pc ||
            vb->type.id != va->type.id || vb->type.scale != va->type.scale)
            return 0;
    } else {
        if (b->value.type.id != va->type.id || b->value.type.scale != va->type.scale) {
            if (!b->value.is_null && b->value.type.id != FLOE_TYPE_NULL) return 0;
        }
        if (b->value.is_null || b->value.type.id == FLOE_TYPE_NULL) {
            *prc = set_empty(in, err);
            return 1;
        }
    }
    if (in->n > FLOE_VEC_SIZE) {
        bp = floe_malloc(nw * sizeof(uint64_t));
        if (bp == NULL) {
            *prc = floe_err_nomem(err);
            return 1;
        }
    }
    switch (pc) {
    case FLOE_PC_I32:
        if (vb)
            floe_kernel_cmp_i32_vec(va->data, vb->data, op, in->n, bp);
        else
            floe_kernel_cmp_i32_const(va->data, (int32_t)b->value.v.i, op, in->n, bp);
        break;
    case FLOE_PC_I64:
        if (vb)
            floe_kernel_cmp_i64_vec(va->data, vb->data, op, in->n, bp);
        else
            floe_kernel_cmp_i64_const(va->data, b->value.v.i, op, in->n, bp);
        break;
    default:
        if (vb)
            floe_kernel_cmp_f64_vec(va->data, vb->data, op, in->n, bp);
        else
            floe_kernel_cmp_f64_const(va->data, b->value.v.d, op, in->n, bp);
        break;
    }
    if (va->validity)
        for (w = 0; w < nw; w++) bp[w] &= va->validity[w];
    if (vb && vb->validity)
        for (w = 0; w < nw; w++) bp[w] &= vb->validity[w];
    *prc = narrow_by_bits(in, bp, err);
    if (bp != bits) floe_free(bp);
    return 1;
}

/* Keep the live rows r of `in` for which KEEP (an expression of r) holds,
 * writing the selection directly. Sets rc. */
#define NARROW_ROWS(in, rc, KEEP)                                                  \
    do {                                                                           \
        if ((in)->sel) {                                                           \
            uint32_t k_, keep_ = 0;                                                \
            for (k_ = 0; k_ < (in)->nsel; k_++) {                                  \
                uint32_t r = (in)->sel[k_];                                        \
                (in)->sel[keep_] = r;                                              \
                keep_ += (uint32_t)(KEEP);                                         \
            }                                                                      \
            (in)->nsel = keep_;                                                    \
        } else {                                                                   \
            uint32_t r, keep_ = 0, n_ = (in)->n;                                   \
            uint32_t *s_ = floe_malloc((n_ ? n_ : 1) * sizeof(uint32_t));          \
            if (s_ == NULL) {                                                      \
                rc = floe_err_nomem(err);                                          \
                break;                                                             \
            }                                                                      \
            for (r = 0; r < n_; r++) {                                             \
                s_[keep_] = r;                                                     \
                keep_ += (uint32_t)(KEEP);                                         \
            }                                                                      \
            if (keep_ == n_) {                                                     \
                floe_free(s_);                                                     \
            } else {                                                               \
                (in)->sel = s_;                                                    \
                (in)->nsel = keep_;                                                \
            }                                                                      \
        }                                                                          \
    } while (0)

/* Other patterns that need no evaluation: `col IS [NOT] NULL`, a BOOLEAN
 * column, `string col = / <> constant`. 1 when handled (rc in *prc). */
static int filter_fast_misc(const floe_expr *e, floe_batch *in, floe_err *err, int *prc)
{
    int rc = FLOE_OK;
    if (e->kind == FLOE_EXPR_IS_NULL && e->args[0]->kind == FLOE_EXPR_COLUMN &&
        e->args[0]->index < in->ncols) {
        const floe_vec *v = &in->cols[e->args[0]->index];
        const uint64_t *val = v->validity;
        if (floe_vec_const(v) || v->type.id == FLOE_TYPE_NULL) return 0;
        if (val == NULL) {
            *prc = e->negated ? FLOE_OK : set_empty(in, err);
            return 1;
        }
        if (e->negated)
            NARROW_ROWS(in, rc, (val[r >> 6] >> (r & 63)) & 1);
        else
            NARROW_ROWS(in, rc, !((val[r >> 6] >> (r & 63)) & 1));
        *prc = rc;
        return 1;
    }
    if (e->kind == FLOE_EXPR_COLUMN && e->index < in->ncols &&
        in->cols[e->index].type.id == FLOE_TYPE_BOOLEAN && !floe_vec_const(&in->cols[e->index])) {
        const floe_vec *v = &in->cols[e->index];
        const uint8_t *d = v->data;
        const uint64_t *val = v->validity;
        NARROW_ROWS(in, rc, floe_bit(val, r) & (d[r] != 0));
        *prc = rc;
        return 1;
    }
    if (e->kind == FLOE_EXPR_CALL && (e->fn == FLOE_FN_EQ || e->fn == FLOE_FN_NE) && e->nargs == 2) {
        const floe_expr *a = e->args[0], *b = e->args[1];
        const floe_vec *v;
        const floe_string *d;
        const uint64_t *val;
        floe_string c;
        if (a->kind == FLOE_EXPR_CONST) {
            const floe_expr *t = a;
            a = b;
            b = t;
        }
        if (a->kind != FLOE_EXPR_COLUMN || b->kind != FLOE_EXPR_CONST || a->index >= in->ncols ||
            b->value.type.id != FLOE_TYPE_VARCHAR || b->value.is_null)
            return 0;
        v = &in->cols[a->index];
        if (v->type.id != FLOE_TYPE_VARCHAR || floe_vec_const(v)) return 0;
        d = v->data;
        val = v->validity;
        c = b->value.v.s;
        if (e->fn == FLOE_FN_EQ)
            NARROW_ROWS(in, rc, floe_bit(val, r) && d[r].len == c.len &&
                                    (c.len == 0 || memcmp(d[r].ptr, c.ptr, c.len) == 0));
        else
            NARROW_ROWS(in, rc, floe_bit(val, r) && !(d[r].len == c.len &&
                                    (c.len == 0 || memcmp(d[r].ptr, c.ptr, c.len) == 0)));
        *prc = rc;
        return 1;
    }
    return 0;
}

int floe_expr_filter(const floe_expr *e, floe_batch *in, floe_eval_ctx *ctx, floe_err *err)
{
    floe_vec v;
    const uint8_t *d;
    int rc = check_interrupt(ctx, err);
    if (rc) return rc;
    if (in->sel && in->nsel == 0) return FLOE_OK;
    if (e->kind == FLOE_EXPR_AND) {
        /* conjuncts narrow the selection one after another */
        uint32_t i;
        for (i = 0; i < e->nargs; i++) {
            rc = floe_expr_filter(e->args[i], in, ctx, err);
            if (rc) return rc;
            if (in->sel && in->nsel == 0) break;
        }
        return FLOE_OK;
    }
    if (filter_fast_cmp(e, in, err, &rc)) return rc;
    if (filter_fast_misc(e, in, err, &rc)) return rc;
    rc = floe_eval_rows(e, in, in->sel, in->sel ? in->nsel : in->n, ctx, &v, err);
    if (rc) return rc;
    d = v.data;
    if (floe_vec_const(&v)) {
        bool pass = floe_bit(v.validity, 0) && v.type.id != FLOE_TYPE_NULL && d[0];
        floe_vec_free(&v);
        return pass ? FLOE_OK : set_empty(in, err);
    }
    if (in->sel) {
        uint32_t k, keep = 0;
        for (k = 0; k < in->nsel; k++) {
            uint32_t r = in->sel[k];
            if (floe_bit(v.validity, r) && d[r]) in->sel[keep++] = r;
        }
        in->nsel = keep;
    } else {
        uint32_t r, keep = 0, *s = floe_malloc((in->n ? in->n : 1) * sizeof(uint32_t));
        if (s == NULL) {
            floe_vec_free(&v);
            return floe_err_nomem(err);
        }
        for (r = 0; r < in->n; r++) {
            s[keep] = r;
            keep += (uint32_t)(floe_bit(v.validity, r) && d[r]);
        }
        if (keep == in->n) {
            floe_free(s);
        } else {
            in->sel = s;
            in->nsel = keep;
        }
    }
    floe_vec_free(&v);
    return FLOE_OK;
}

/* ---------------------------------------------------------- constants */

int floe_expr_eval_const(const floe_expr *e, floe_eval_ctx *ctx, floe_arena *arena,
                         floe_value *out, floe_err *err)
{
    floe_batch b;
    floe_vec v;
    int rc;
    memset(&b, 0, sizeof b);
    b.n = 1;
    rc = floe_eval_rows(e, &b, NULL, 1, ctx, &v, err);
    if (rc) return rc;
    floe_eval_load(&v, 0, out);
    out->type = e->type;
    if (!out->is_null && out->type.id == FLOE_TYPE_VARCHAR) {
        char *p = floe_arena_memdup(arena, out->v.s.ptr, out->v.s.len);
        if (p == NULL) rc = floe_err_nomem(err);
        out->v.s.ptr = p;
    }
    floe_vec_free(&v);
    return rc;
}
