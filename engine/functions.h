/* engine/functions.h: the scalar function registry.
 *
 * One table, generated from engine/functions.def, describes every scalar
 * function and operator a floe_expr CALL node can name: its display name
 * (EXPLAIN), the names SQL calls it by, its overloads (argument rules and
 * result type, which the binder applies), its flags (NULL handling, constant
 * folding, infix display) and its vectorized implementation (which the
 * evaluator calls). Adding a function is one line in functions.def plus
 * its eval function; binder, evaluator, folding and EXPLAIN read this table
 * and have no per-function code (SQLite's aBuiltinFunc[], DuckDB's
 * ScalarFunction sets).
 *
 * The eval contract (engine/eval.c calls it): fa->args holds the evaluated
 * arguments (vectors, CONST vectors when all inputs are constant, then
 * fa->n == 1); fa->sel/nsel are the live rows; `out` is initialized with the
 * call's result type and fa->n rows. For a STRICT function the evaluator has
 * already returned NULL for constant NULL arguments and set out->validity to
 * the AND of the arguments' validity, so the body computes every live row and
 * need not look at NULLs; a non-strict function sees NULL arguments and sets
 * out's validity itself. Errors return a FLOE_* code with a message naming
 * the function.
 *
 * The table is immutable and global: thread-safe to read from anywhere.
 */
#ifndef FLOE_ENGINE_FUNCTIONS_H
#define FLOE_ENGINE_FUNCTIONS_H

#include <stdint.h>

#include "engine/expr.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

struct floe_fnargs;

/* Vectorized implementation over argument vectors and a selection. */
typedef int (*floe_fn_eval_fn)(const struct floe_fnargs *fa, floe_vec *out, floe_err *err);

/* Flags (floe_fn_def.flags). */
enum {
    FLOE_FNF_STRICT = 1u << 0,       /* a NULL argument gives NULL (the evaluator does it) */
    FLOE_FNF_FOLD = 1u << 1,         /* calls with constant arguments fold at bind time */
    FLOE_FNF_FOLD_NULL = 1u << 2,    /* a constant NULL argument folds the call to NULL */
    FLOE_FNF_INFIX = 1u << 3,        /* EXPLAIN prints "(a op b)" */
    FLOE_FNF_INT_IDENTITY = 1u << 4, /* an integer argument is its own result (floor, ceil) */
    /* operators: the binder types and folds them itself (sql/bind_expr.c) */
    FLOE_FNF_OPERATOR = FLOE_FNF_STRICT | FLOE_FNF_FOLD_NULL,
    /* the usual scalar function: strict and foldable */
    FLOE_FNF_SCALAR = FLOE_FNF_STRICT | FLOE_FNF_FOLD | FLOE_FNF_FOLD_NULL
};

/* How an argument is checked and converted by the binder. */
typedef enum floe_fn_argrule {
    FLOE_FA_IMPLICIT, /* implicitly castable to `type` (constants converted) */
    FLOE_FA_CAST,     /* anything, CAST to `type` */
    FLOE_FA_NUMERIC,  /* any numeric type, kept */
    FLOE_FA_NUMTO,    /* numeric or NULL, cast to `type` */
    FLOE_FA_COMMON,   /* all COMMON arguments promoted to their common type */
    FLOE_FA_UNIT      /* a constant date/time unit string */
} floe_fn_argrule;

typedef struct floe_fn_arg {
    uint8_t rule;          /* floe_fn_argrule */
    uint8_t type;          /* floe_type_id for IMPLICIT / CAST / NUMTO */
    const char *const_msg; /* non-NULL: the argument must be constant; error text */
} floe_fn_arg;

enum {
    FLOE_FN_VARARGS = 255,   /* maxargs of a variadic overload */
    FLOE_FN_MAXRULES = 4,    /* argument rules per overload (the last repeats) */
    FLOE_FR_ARG0 = 200,      /* result type: the (converted) first argument's */
    FLOE_FR_COMMON = 201     /* result type: the COMMON arguments' type */
};

/* One overload: argument count range, result type, per-position rules. */
typedef struct floe_fn_sig {
    uint8_t minargs, maxargs; /* maxargs FLOE_FN_VARARGS: up to 255 */
    uint8_t ret;              /* floe_type_id, FLOE_FR_ARG0 or FLOE_FR_COMMON */
    uint8_t nrules;           /* 1..FLOE_FN_MAXRULES; argument i >= nrules uses the last */
    floe_fn_arg args[FLOE_FN_MAXRULES];
} floe_fn_sig;

typedef struct floe_fn_def {
    floe_fn id;
    const char *name;           /* display name (EXPLAIN, error messages) */
    const char *const *sql_names; /* NULL-terminated names SQL calls it by (none: operator) */
    unsigned flags;             /* FLOE_FNF_* */
    const floe_fn_sig *sigs;    /* nsigs overloads, tried in order; NULL for operators */
    uint32_t nsigs;
    floe_fn_eval_fn eval;
} floe_fn_def;

/* The entry of fn (fn < FLOE_FN_COUNT_). */
const floe_fn_def *floe_functions_get(floe_fn fn);
/* The function SQL calls `name` (lower case), or NULL. */
const floe_fn_def *floe_functions_lookup(const char *name);
/* Iterate every SQL-callable name in registry order (for "did you mean"):
 * returns the i-th name or NULL past the end. */
const char *floe_functions_sql_name(uint32_t i);

#endif
