/* engine/eval_internal.h: what the expression evaluator's files share.
 *
 * engine/eval.c walks the tree and owns control flow (AND/OR/CASE/COALESCE,
 * IN, subqueries, filters); the function families live in fn_arith.c,
 * fn_compare.c, fn_string.c, fn_date.c, like.c and cast.c and are called
 * with their arguments already evaluated.
 *
 * Row model: every internal evaluation works on the rows `sel[0..nsel)` of a
 * batch of `n` rows, or on rows 0..nsel-1 when sel is NULL (then nsel == n).
 * Output vectors are laid out by row index (capacity >= n, out->n = n); rows
 * outside the selection are undefined. A vector flagged FLOE_VEC_CONST has
 * one value in slot 0 for every row. String results either point into the
 * output vector's heap or into memory that outlives the input batch (plan
 * constants, the input batch's own vectors): results that borrow from the
 * input batch are valid while the input batch is.
 *
 * Strict functions (NULL in, NULL out) receive `out` already initialized by
 * eval.c with the result type and the AND of the arguments' validity, and
 * only fill values; non-strict ones (CONCAT, GREATEST, LEAST) receive `out`
 * initialized with no validity and set NULLs themselves. Not thread-shared:
 * one evaluation per floe_eval_ctx at a time.
 */
#ifndef FLOE_ENGINE_EVAL_INTERNAL_H
#define FLOE_ENGINE_EVAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/expr.h"
#include "engine/kernels.h"
#include "util/err.h"
#include "util/vec.h"

/* Physical classes of values (what loops switch on, once per vector). */
typedef enum floe_pclass {
    FLOE_PC_U8,  /* BOOLEAN */
    FLOE_PC_I32, /* INTEGER, DATE */
    FLOE_PC_I64, /* BIGINT, DECIMAL, TIMESTAMP */
    FLOE_PC_F64, /* DOUBLE */
    FLOE_PC_STR, /* VARCHAR */
    FLOE_PC_IV,  /* INTERVAL */
    FLOE_PC_NULL /* the NULL type: no values */
} floe_pclass;

floe_pclass floe_eval_pclass(floe_type t);

/* Evaluated arguments of one function call. */
typedef struct floe_fnargs {
    const floe_expr *e;  /* the CALL/CAST/LIKE node */
    floe_vec *args;      /* nargs evaluated argument vectors (may be CONST) */
    uint32_t nargs;
    const uint32_t *sel; /* NULL: rows 0..nsel-1 */
    uint32_t nsel;
    uint32_t n;          /* rows in each vector */
    floe_eval_ctx *ctx;
} floe_fnargs;

/* Loop over the live rows; the body sees `uint32_t r`. Two loops so the
 * common no-selection case is a plain counted loop. */
#define FLOE_FOR_ROWS(fa, r, ...)                                         \
    do {                                                                  \
        const uint32_t *const sel_ = (fa)->sel;                           \
        const uint32_t nsel_ = (fa)->nsel;                                \
        if (sel_) {                                                       \
            for (uint32_t k_ = 0; k_ < nsel_; k_++) {                     \
                uint32_t r = sel_[k_];                                    \
                __VA_ARGS__                                               \
            }                                                             \
        } else {                                                          \
            for (uint32_t r = 0; r < nsel_; r++) {                        \
                __VA_ARGS__                                               \
            }                                                             \
        }                                                                 \
    } while (0)

static inline bool floe_bit(const uint64_t *bits, uint32_t i)
{
    return bits == NULL || ((bits[i >> 6] >> (i & 63)) & 1);
}
static inline bool floe_vec_const(const floe_vec *v) { return (v->flags & FLOE_VEC_CONST) != 0; }
/* Row index to read in v for row r (0 for CONST vectors). */
static inline uint32_t floe_vidx(const floe_vec *v, uint32_t r)
{
    return (v->flags & FLOE_VEC_CONST) ? 0 : r;
}

/* Evaluate e over rows sel[0..nsel) of `in` into *out (initialized here). */
int floe_eval_rows(const floe_expr *e, const floe_batch *in, const uint32_t *sel, uint32_t nsel,
                   floe_eval_ctx *ctx, floe_vec *out, floe_err *err);

/* Make *out a vector of type t for n rows (capacity max(n, 1)). FLOE_NOMEM. */
int floe_eval_out_init(floe_vec *out, floe_type t, uint32_t n, floe_err *err);
/* Make *out a CONST vector of n rows holding v (strings copied into out's
 * heap) or NULL when v is NULL. On failure *out is left freed. */
int floe_eval_out_const(floe_vec *out, const floe_value *v, uint32_t n, floe_err *err);
/* Set row r NULL (allocating validity). */
int floe_eval_set_null(floe_vec *out, uint32_t r, floe_err *err);
/* Store a string for row r in out's heap. */
int floe_eval_set_str(floe_vec *out, uint32_t r, const char *s, uint32_t len, floe_err *err);
/* Reserve len bytes in out's heap for a string built in place; NULL on OOM. */
char *floe_eval_str_alloc(floe_vec *out, uint32_t len);
/* Copy rows sel[0..nsel) of src (flat or CONST, same type) into flat dst,
 * values and validity. src's string heap may be moved into dst. */
int floe_eval_copy_rows(floe_vec *dst, floe_vec *src, const uint32_t *sel, uint32_t nsel,
                        floe_err *err);
/* Give the strings of src to dst: moves src's heap to dst when dst has none,
 * else copies the string bytes of the live rows of dst that point there.
 * Used by functions that return (parts of) their argument strings. */
int floe_eval_adopt_strings(floe_vec *dst, floe_vec *src, const floe_fnargs *fa, floe_err *err);

/* A function's state for call node fa->e that lives as long as the
 * evaluation context (one operator in one thread, i.e. the whole query for
 * uncorrelated expressions): the slot holds the function's pointer, NULL the
 * first time; free_fn(state) runs at floe_eval_ctx_free. Used to compile a
 * regular expression once per query instead of once per batch. NULL with
 * err set on OOM or when fa->ctx is NULL. */
void **floe_eval_fn_state(const floe_fnargs *fa, void (*free_fn)(void *), floe_err *err);

/* Three-way compare of row ia of a and row ib of b (same type, both valid):
 * strings byte-wise, doubles in the PostgreSQL total order. */
int floe_eval_cmp_rows(const floe_vec *a, uint32_t ia, const floe_vec *b, uint32_t ib);
/* Load row r (CONST-aware) as a value. */
void floe_eval_load(const floe_vec *v, uint32_t r, floe_value *out);

/* A set of values of one type (IN lists, IN subqueries): hash set for many
 * values, linear for few. Strings are borrowed from where the values live. */
typedef struct floe_valset floe_valset;
int floe_valset_new(floe_type t, const floe_vec *vals, uint32_t nvals, floe_valset **out,
                    floe_err *err);
/* True when row r of v (valid) is in the set. */
bool floe_valset_has(const floe_valset *s, const floe_vec *v, uint32_t r);
bool floe_valset_has_null(const floe_valset *s);
uint32_t floe_valset_size(const floe_valset *s); /* non-NULL values */
void floe_valset_free(floe_valset *s);

/* Function families (each checks its own argument types). */
int floe_fn_arith_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
int floe_fn_compare_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
int floe_fn_string_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
int floe_fn_date_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
int floe_fn_reverse_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
int floe_fn_regex_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);    /* fn_regex.c */
int floe_fn_text_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);     /* fn_text.c */
int floe_fn_calendar_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err); /* fn_calendar.c */
/* Upper- or lower-case n bytes of UTF-8 into o (same length): ASCII,
 * Latin-1, Greek and Cyrillic letters; other bytes are copied. */
void floe_fn_string_casemap(const char *s, uint32_t n, char *o, bool upper);
/* LIKE: args[0] text, args[1] pattern, optional args[2] escape. */
int floe_like_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
/* Match one text against one pattern (escape 0: none). */
bool floe_like_match(const char *s, uint32_t slen, const char *p, uint32_t plen, uint32_t escape,
                     bool ilike);
/* CAST args[0] to e->type. */
int floe_cast_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err);
/* Cast one value to type t; strings are allocated in arena (may be NULL when
 * t is not VARCHAR). */
int floe_cast_value(const floe_value *in, floe_type t, floe_arena *arena, floe_value *out,
                    floe_err *err);

/* Comparison ops of FLOE_FN_EQ..GE as kernel ops. */
static inline floe_kcmp floe_fn_kcmp(floe_fn fn) { return (floe_kcmp)(fn - FLOE_FN_EQ); }

/* First occurrence of needle in hay (memchr on the first byte, then
 * memcmp): faster than memmem for the short strings of typical rows. */
static inline const char *floe_str_find(const char *hay, uint32_t hn, const char *nd, uint32_t nn)
{
    const char *end;
    if (nn == 0) return hay;
    if (nn > hn) return NULL;
    end = hay + (hn - nn) + 1;
    while (hay < end) {
        hay = memchr(hay, (unsigned char)nd[0], (size_t)(end - hay));
        if (hay == NULL) return NULL;
        if (memcmp(hay + 1, nd + 1, nn - 1) == 0) return hay;
        hay++;
    }
    return NULL;
}

#endif
