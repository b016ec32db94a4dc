/* engine/expr.h: bound scalar expressions and their vectorized evaluation.
 *
 * The binder (sql/) produces floe_expr trees whose types are fully resolved:
 * every node has its result `type`, implicit casts are explicit CAST nodes,
 * and the arguments of arithmetic and comparison functions already have the
 * types the function is defined on (see floe_fn below). The engine never
 * guesses a type.
 *
 * Evaluation is a vector at a time: floe_expr_eval computes one output vector
 * for all rows of an input batch (honouring its selection), floe_expr_filter
 * narrows a batch's selection to rows where a BOOLEAN expression is TRUE
 * (NULL and FALSE drop the row: SQL three-valued logic).
 *
 * Ownership: expression trees and the strings in their constants live in the
 * plan's arena (engine/plan.h) and are read-only during execution, so many
 * threads may evaluate the same tree at once, each with its own
 * floe_eval_ctx.
 */
#ifndef FLOE_ENGINE_EXPR_H
#define FLOE_ENGINE_EXPR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

struct floe_plan;

typedef enum floe_expr_kind {
    FLOE_EXPR_CONST,       /* `value` (type == value.type, may be NULL) */
    FLOE_EXPR_COLUMN,      /* column `index` of the input batch */
    FLOE_EXPR_PARAM,       /* correlated outer value: ctx->params[index] */
    FLOE_EXPR_CALL,        /* scalar function `fn` over args */
    FLOE_EXPR_CAST,        /* args[0] converted to `type` (errors on bad text/overflow) */
    FLOE_EXPR_AND,         /* n-ary, three-valued */
    FLOE_EXPR_OR,          /* n-ary, three-valued */
    FLOE_EXPR_NOT,         /* args[0] */
    FLOE_EXPR_IS_NULL,     /* args[0] IS NULL (negated: IS NOT NULL); never NULL */
    FLOE_EXPR_CASE,        /* args = when0, then0, when1, then1, ... [, else] */
    FLOE_EXPR_IN_LIST,     /* args[0] [NOT] IN (args[1..nargs)); SQL NULL rules */
    FLOE_EXPR_LIKE,        /* args[0] [NOT] [I]LIKE args[1] [ESCAPE args[2]] */
    FLOE_EXPR_COALESCE,    /* first non-NULL of args */
    FLOE_EXPR_SUBQUERY     /* see floe_subq_kind; args = outer values bound to params */
} floe_expr_kind;

/* Scalar functions. Argument types the binder must provide:
 *  ADD SUB MUL DIV MOD: both args the same numeric type (INTEGER, BIGINT, DOUBLE, or
 *      DECIMAL: for ADD/SUB with equal scales, result scale as `type`; MUL result scale =
 *      sum of scales); integer overflow and division by zero are errors (FLOE_RANGE),
 *      integer DIV truncates toward zero (PostgreSQL). Also ADD/SUB of
 *      (TIMESTAMP, INTERVAL) -> TIMESTAMP, (DATE, INTERVAL) -> TIMESTAMP,
 *      (DATE, INTEGER days) -> DATE, SUB (DATE, DATE) -> INTEGER days,
 *      SUB (TIMESTAMP, TIMESTAMP) -> INTERVAL; ADD (INTERVAL, INTERVAL).
 *  NEG: one numeric or INTERVAL arg.
 *  EQ NE LT LE GT GE: both args the same type (any type); result BOOLEAN.
 *  CONCAT: n VARCHAR args (NULL args skipped, like concat()); the `||` operator is
 *      bound as CONCAT_OP (NULL if any arg is NULL).
 *  LOWER UPPER: VARCHAR. LENGTH: VARCHAR -> BIGINT (characters, UTF-8).
 *  SUBSTR: (VARCHAR, BIGINT start [, BIGINT length]), 1-based, in characters.
 *  STARTS_WITH, CONTAINS: (VARCHAR, VARCHAR) -> BOOLEAN. TRIM/LTRIM/RTRIM: (VARCHAR
 *      [, VARCHAR characters]): strip spaces, or any of the given characters.
 *  REPLACE: (VARCHAR, VARCHAR, VARCHAR). REVERSE: VARCHAR (by characters).
 *  ABS: numeric. ROUND: (x [, INTEGER digits]) for DOUBLE/DECIMAL/integers.
 *  FLOOR CEIL: DOUBLE or DECIMAL (integers pass through).
 *  SQRT LN LOG10 EXP POWER: DOUBLE.
 *  DATE_TRUNC: (VARCHAR unit constant, TIMESTAMP) -> TIMESTAMP.
 *  DATE_PART: (VARCHAR unit constant, TIMESTAMP) -> BIGINT (EXTRACT). DATE args are
 *      cast to TIMESTAMP by the binder.
 *  TIME_BUCKET: (INTERVAL, TIMESTAMP) -> TIMESTAMP.
 *  GREATEST LEAST: n args of one type.
 *  REGEXP_*, SPLIT_PART .. TRANSLATE, STRFTIME .. MONTHNAME: as their lines in
 *      engine/functions.def say (doc/functions.md describes each).
 */
/* The ids of engine/functions.def, FLOE_FN_<ID>, in its order; the
 * registry (engine/functions.h) describes each one. */
typedef enum floe_fn {
#define FLOE_FUNCTION(id, display, names, flags, sigs, eval) FLOE_FN_##id,
#include "engine/functions.def"
#undef FLOE_FUNCTION
    FLOE_FN_COUNT_ /* number of functions; keep last */
} floe_fn;

typedef enum floe_subq_kind {
    FLOE_SUBQ_SCALAR, /* first column of the single row (NULL when no row; error if > 1) */
    FLOE_SUBQ_EXISTS, /* [NOT] EXISTS: any row */
    FLOE_SUBQ_IN      /* args[0] [NOT] IN (subquery's first column), SQL NULL rules */
} floe_subq_kind;

typedef struct floe_expr floe_expr;
struct floe_expr {
    floe_expr_kind kind;
    floe_type type;     /* result type */
    bool negated;       /* IS NOT NULL, NOT IN, NOT LIKE, NOT EXISTS */
    bool ilike;         /* LIKE: case-insensitive */
    bool has_else;      /* CASE: last arg is the ELSE value */
    floe_fn fn;         /* CALL */
    uint32_t index;     /* COLUMN: input column; PARAM: parameter slot */
    floe_value value;   /* CONST (strings in the plan arena) */
    uint32_t nargs;
    floe_expr **args;   /* nargs children (plan arena) */
    /* SUBQUERY: the plan runs with params[i] = value of args[i] (after the IN
     * operand when subq_kind is IN, which is args[0]); `nparams` params. */
    floe_subq_kind subq_kind;
    struct floe_plan *subplan;
    uint32_t nparams;
    bool correlated; /* false: result computed once per query and cached */
    const char *name; /* display text for EXPLAIN, may be NULL */
};

/* Runs a subquery plan with the given parameter values and returns all rows
 * of its first column in *out (an owned vector the caller frees), provided by
 * the executor so the evaluator does not depend on it. */
typedef int (*floe_subq_run_fn)(void *self, const struct floe_plan *plan, const floe_value *params,
                                uint32_t nparams, floe_vec *out, floe_err *err);

/* Per-thread evaluation state. Zero-initialize, then set what applies. */
typedef struct floe_eval_ctx {
    int64_t now_us;              /* statement start time (now()) */
    const floe_value *params;    /* correlated parameter values, or NULL */
    uint32_t nparams;
    atomic_int *interrupt;       /* nonzero: stop with FLOE_INTERRUPT; may be NULL */
    atomic_int *cancel;          /* the query's own stop flag, the same way; may be NULL */
    int64_t deadline_ns;         /* floe_os_clock_mono_ns() deadline (0: none) */
    uint32_t timeout_ms;         /* named by the timeout's message */
    floe_subq_run_fn subq_run;   /* NULL: subqueries are an error */
    void *subq_self;
    void *cache;                 /* evaluator-private (subquery results etc.); freed by floe_eval_ctx_free */
} floe_eval_ctx;

/* FLOE_INTERRUPT (with "interrupted" or "query timeout of N ms exceeded")
 * when interrupt or cancel is set or the deadline has passed; else FLOE_OK.
 * Every argument may be NULL/0. Called between vectors by the evaluator and
 * the executor. */
int floe_expr_check_stop(const atomic_int *interrupt, const atomic_int *cancel, int64_t deadline_ns,
                         uint32_t timeout_ms, floe_err *err);

/* Evaluate e over the rows of `in` into *out, which this call initializes
 * (the caller frees it with floe_vec_free). out->n == in->n; when in->sel is
 * set only the selected rows of out are defined. Constant results may come
 * back as FLOE_VEC_CONST vectors. Errors (overflow, division by zero, bad
 * cast) return FLOE_RANGE/FLOE_TYPE/... with a message naming the operator. */
int floe_expr_eval(const floe_expr *e, const floe_batch *in, floe_eval_ctx *ctx, floe_vec *out,
                   floe_err *err);

/* Narrow in->sel to the selected rows where BOOLEAN e is TRUE (allocating a
 * selection when the batch had none). */
int floe_expr_filter(const floe_expr *e, floe_batch *in, floe_eval_ctx *ctx, floe_err *err);

/* Evaluate a constant-foldable expression (no COLUMN/PARAM) to a value.
 * VARCHAR results are allocated in `arena`. Used by the planner to fold. */
int floe_expr_eval_const(const floe_expr *e, floe_eval_ctx *ctx, floe_arena *arena,
                         floe_value *out, floe_err *err);

/* Free what floe_eval_ctx accumulated (caches); the ctx itself is caller-owned. */
void floe_eval_ctx_free(floe_eval_ctx *ctx);

/* Text form for EXPLAIN, e.g. "(#2 > 10) AND (#0 = 'x')", appended to buf. */
struct floe_strbuf;
void floe_expr_format(const floe_expr *e, struct floe_strbuf *buf);

#endif
