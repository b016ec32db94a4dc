/* tests/unit/engine/evaltest.h: helpers for the evaluator tests: expression
 * builders over an arena, batches over borrowed arrays, and evaluation
 * wrappers that assert success. Header-only (static), included by
 * test_eval*.c. */
#ifndef FLOE_TESTS_EVALTEST_H
#define FLOE_TESTS_EVALTEST_H

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr.h"
#include "util/arena.h"
#include "util/mem.h"
#include "util/vec.h"

static floe_arena *T_ARENA;
static int64_t t_live0;

/* Every test checks that evaluation freed everything it allocated. */
static inline void t_setup(void)
{
    t_live0 = floe_mem_live();
    T_ARENA = floe_arena_new(0);
}
static inline void t_teardown(void)
{
    floe_arena_free(T_ARENA);
    if (floe_mem_live() != t_live0) {
        /* a failed assertion in .fini is only printed: crash to fail the test */
        fprintf(stderr, "leaked %lld allocations\n", (long long)(floe_mem_live() - t_live0));
        abort();
    }
}

static inline floe_type T(floe_type_id id) { return floe_type_make(id); }

static inline floe_expr *mk(floe_expr_kind k, floe_type t)
{
    floe_expr *e = floe_arena_alloc(T_ARENA, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->type = t;
    return e;
}

static inline floe_expr *col(uint32_t idx, floe_type t)
{
    floe_expr *e = mk(FLOE_EXPR_COLUMN, t);
    e->index = idx;
    return e;
}

static inline floe_expr *cval(floe_type t, int64_t i)
{
    floe_expr *e = mk(FLOE_EXPR_CONST, t);
    e->value.type = t;
    e->value.v.i = i;
    return e;
}
static inline floe_expr *ci32(int32_t v) { return cval(T(FLOE_TYPE_INTEGER), v); }
static inline floe_expr *ci64(int64_t v) { return cval(T(FLOE_TYPE_BIGINT), v); }
static inline floe_expr *cbool(int v) { return cval(T(FLOE_TYPE_BOOLEAN), v); }
static inline floe_expr *cf64(double d)
{
    floe_expr *e = mk(FLOE_EXPR_CONST, T(FLOE_TYPE_DOUBLE));
    e->value.type = e->type;
    e->value.v.d = d;
    return e;
}
static inline floe_expr *cstr(const char *s)
{
    floe_expr *e = mk(FLOE_EXPR_CONST, T(FLOE_TYPE_VARCHAR));
    e->value.type = e->type;
    e->value.v.s.ptr = floe_arena_strndup(T_ARENA, s, strlen(s));
    e->value.v.s.len = (uint32_t)strlen(s);
    return e;
}
static inline floe_expr *cnull(floe_type t)
{
    floe_expr *e = cval(t, 0);
    e->value.is_null = true;
    return e;
}
static inline floe_expr *civ(int32_t months, int32_t days, int64_t micros)
{
    floe_expr *e = mk(FLOE_EXPR_CONST, T(FLOE_TYPE_INTERVAL));
    e->value.type = e->type;
    e->value.v.iv.months = months;
    e->value.v.iv.days = days;
    e->value.v.iv.micros = micros;
    return e;
}

static inline floe_expr *nodev(floe_expr_kind k, floe_type t, uint32_t n, va_list ap)
{
    floe_expr *e = mk(k, t);
    uint32_t i;
    e->nargs = n;
    e->args = floe_arena_alloc(T_ARENA, (n ? n : 1) * sizeof(floe_expr *));
    for (i = 0; i < n; i++) e->args[i] = va_arg(ap, floe_expr *);
    return e;
}
static inline floe_expr *node(floe_expr_kind k, floe_type t, uint32_t n, ...)
{
    va_list ap;
    floe_expr *e;
    va_start(ap, n);
    e = nodev(k, t, n, ap);
    va_end(ap);
    return e;
}
static inline floe_expr *call(floe_fn fn, floe_type t, uint32_t n, ...)
{
    va_list ap;
    floe_expr *e;
    va_start(ap, n);
    e = nodev(FLOE_EXPR_CALL, t, n, ap);
    va_end(ap);
    e->fn = fn;
    return e;
}
static inline floe_expr *cast(floe_expr *a, floe_type t) { return node(FLOE_EXPR_CAST, t, 1, a); }

/* A batch of n rows whose columns borrow caller arrays. */
static inline void t_batch(floe_batch *b, uint32_t ncols, uint32_t n)
{
    memset(b, 0, sizeof *b);
    b->cols = floe_calloc(ncols, sizeof(floe_vec));
    b->ncols = ncols;
    b->n = n;
}
static inline void t_col(floe_batch *b, uint32_t c, floe_type t, void *data, uint64_t *validity)
{
    floe_vec_borrow(&b->cols[c], t, data, validity, b->n);
}
static inline void t_sel(floe_batch *b, const uint32_t *sel, uint32_t nsel)
{
    b->sel = floe_malloc((nsel ? nsel : 1) * sizeof(uint32_t));
    memcpy(b->sel, sel, nsel * sizeof(uint32_t));
    b->nsel = nsel;
}

static inline int t_eval_rc(const floe_expr *e, const floe_batch *b, floe_vec *out, floe_err *err)
{
    floe_eval_ctx ctx;
    int rc;
    memset(&ctx, 0, sizeof ctx);
    rc = floe_expr_eval(e, b, &ctx, out, err);
    floe_eval_ctx_free(&ctx);
    return rc;
}
static inline void t_eval(const floe_expr *e, const floe_batch *b, floe_vec *out)
{
    floe_err err = FLOE_ERR_INIT;
    int rc = t_eval_rc(e, b, out, &err);
    cr_assert_eq(rc, FLOE_OK, "eval failed: %s", err.msg);
}

static inline bool t_valid(const floe_vec *v, uint32_t r) { return floe_vec_is_valid(v, r); }
static inline uint32_t t_i(const floe_vec *v, uint32_t r)
{
    return (v->flags & FLOE_VEC_CONST) ? 0 : r;
}
#define VAL(v, T_, r) (((const T_ *)(v)->data)[t_i((v), (r))])
static inline bool t_bit(const uint64_t *b, uint32_t i) { return b == NULL || ((b[i >> 6] >> (i & 63)) & 1); }

static uint64_t t_rng = 88172645463325252ULL;
static inline uint64_t t_rand(void)
{
    t_rng ^= t_rng << 13;
    t_rng ^= t_rng >> 7;
    t_rng ^= t_rng << 17;
    return t_rng;
}

/* Expect an error code and a message fragment. */
static inline void t_expect_err(const floe_expr *e, const floe_batch *b, int code, const char *frag)
{
    floe_err err = FLOE_ERR_INIT;
    floe_vec out;
    int rc = t_eval_rc(e, b, &out, &err);
    cr_assert_eq(rc, code, "expected code %d got %d (%s)", code, rc, err.msg);
    if (frag) cr_assert(strstr(err.msg, frag) != NULL, "message '%s' lacks '%s'", err.msg, frag);
}

/* Evaluate a constant expression to a value (strings in T_ARENA). */
static inline int t_const_rc(const floe_expr *e, floe_value *v, floe_err *err)
{
    floe_eval_ctx ctx;
    int rc;
    memset(&ctx, 0, sizeof ctx);
    rc = floe_expr_eval_const(e, &ctx, T_ARENA, v, err);
    floe_eval_ctx_free(&ctx);
    return rc;
}
static inline floe_value t_const(const floe_expr *e)
{
    floe_err err = FLOE_ERR_INIT;
    floe_value v;
    int rc = t_const_rc(e, &v, &err);
    cr_assert_eq(rc, FLOE_OK, "const eval failed: %s", err.msg);
    return v;
}

#endif
