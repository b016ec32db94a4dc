/* sql/bind_expr.h: typed construction of bound expressions (floe_expr).
 *
 * The binder builds every floe_expr through these helpers so the typing
 * rules of engine/expr.h hold by construction: arithmetic and comparison
 * arguments are promoted to one common type with explicit CAST nodes
 * (INTEGER < BIGINT < DECIMAL < DOUBLE; DATE < TIMESTAMP; a VARCHAR constant
 * compared with a typed value is cast to that type), and casts of constants
 * are folded at once (floe_bind_expr_cast_value), as are the simple constant
 * operators (integer/decimal/double arithmetic, temporal +/- interval,
 * comparisons, NOT/AND/OR of constants).
 *
 * Type rules worth knowing (PostgreSQL/DuckDB):
 *  - `/` on two integers is integer division truncating toward zero
 *    (PostgreSQL); DECIMAL / DECIMAL is computed in DOUBLE (DuckDB).
 *  - DECIMAL + DECIMAL rescales both sides to the larger scale; DECIMAL *
 *    DECIMAL adds scales; precision is capped at 18, and a product whose
 *    scale would exceed 18 is computed in DOUBLE.
 *  - Type errors name the operator and the types:
 *    "operator does not exist: VARCHAR + INTEGER".
 *
 * Ownership: every node, argument array and string lives in the arena given
 * to each call (the plan's arena); nothing is freed individually. On failure
 * a function returns a FLOE_* code with `err` set (offset -1: the caller
 * knows the position and sets it with floe_bind_expr_at). Not thread-safe
 * per arena.
 */
#ifndef FLOE_SQL_BIND_EXPR_H
#define FLOE_SQL_BIND_EXPR_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/expr.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/types.h"

/* Node constructors; NULL on OOM. */
floe_expr *floe_bind_expr_const(floe_arena *a, floe_value v);
floe_expr *floe_bind_expr_column(floe_arena *a, uint32_t index, floe_type t);
floe_expr *floe_bind_expr_new(floe_arena *a, floe_expr_kind kind, floe_type t, uint32_t nargs);
/* Deep copy of e (subplans are shared, not copied). NULL on OOM. */
floe_expr *floe_bind_expr_copy(floe_arena *a, const floe_expr *e);
/* Deep copy of e with every COLUMN i replaced by a copy of repl[i] (an
 * expression over a node's input rewritten over what feeds it). NULL on OOM. */
floe_expr *floe_bind_expr_subst(floe_arena *a, const floe_expr *e, floe_expr *const *repl);
/* Structural equality (used to match GROUP BY expressions and dedupe aggregates). */
bool floe_bind_expr_equal(const floe_expr *x, const floe_expr *y);

/* Convert constant v to type `to` (strings parsed, numbers range-checked and
 * rounded like PostgreSQL). VARCHAR results are allocated in a. FLOE_TYPE /
 * FLOE_RANGE / FLOE_PARSE on a bad conversion. */
int floe_bind_expr_cast_value(floe_arena *a, const floe_value *v, floe_type to, floe_value *out,
                              floe_err *err);
/* Wrap e in a CAST to `to` unless it already has that type; a constant is
 * folded. Errors when no cast exists (e.g. INTERVAL -> DATE). */
int floe_bind_expr_cast(floe_arena *a, floe_expr *e, floe_type to, floe_expr **out,
                        floe_err *err);
/* Whether an implicit cast from `from` to `to` is allowed (numeric widening,
 * DATE -> TIMESTAMP, NULL -> anything). */
bool floe_bind_expr_implicit_ok(floe_type from, floe_type to);

/* The common type two operands are promoted to for comparison / CASE /
 * COALESCE / IN / UNION, treating a constant VARCHAR as adaptable to a
 * typed side. false when there is none. */
bool floe_bind_expr_common_type(const floe_expr *x, const floe_expr *y, floe_type *out);

/* Binary operator `fn` (ADD SUB MUL DIV MOD, EQ NE LT LE GT GE, CONCAT_OP)
 * over x and y with promotion and folding. `opname` ("+", "=", ...) is used
 * in error messages. */
int floe_bind_expr_binary(floe_arena *a, floe_fn fn, const char *opname, floe_expr *x,
                          floe_expr *y, floe_expr **out, floe_err *err);
/* Unary minus. */
int floe_bind_expr_neg(floe_arena *a, floe_expr *x, floe_expr **out, floe_err *err);
/* n-ary AND / OR / NOT over BOOLEAN args (NULL constants are cast); folds
 * constant TRUE/FALSE. */
int floe_bind_expr_logic(floe_arena *a, floe_expr_kind kind, floe_expr **args, uint32_t nargs,
                         floe_expr **out, floe_err *err);
/* A CALL node of fn with result type t over args (already typed). */
floe_expr *floe_bind_expr_call(floe_arena *a, floe_fn fn, floe_type t, floe_expr **args,
                               uint32_t nargs);
/* Fold e when it is a CALL/CAST/NOT/AND/OR/IS_NULL/CASE/COALESCE of constants the
 * binder knows how to evaluate; otherwise return e. */
int floe_bind_expr_fold(floe_arena *a, floe_expr *e, floe_expr **out, floe_err *err);

/* Whether e references no column or parameter and no subquery. */
bool floe_bind_expr_is_const(const floe_expr *e);
/* SQL name of a type (floe_type_name into a 32-byte buffer). */
const char *floe_bind_expr_type_name(floe_type t, char buf[32]);

#endif
