/* engine/functions.c: the scalar function registry table (see
 * engine/functions.h); the entries come from engine/functions.def, one
 * FLOE_FUNCTION line each, expanded here into floe_fn_def initializers with
 * file-scope compound literals for the name lists and overloads. */
#include "engine/functions.h"

#include <string.h>

#include "engine/eval_internal.h"

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_NAMES NULL
#define A_IMPL(t) {FLOE_FA_IMPLICIT, (t), NULL}
#define A_CAST(t) {FLOE_FA_CAST, (t), NULL}
#define A_NUM {FLOE_FA_NUMERIC, 0, NULL}
#define A_NUMTO(t) {FLOE_FA_NUMTO, (t), NULL}
#define A_COMMON {FLOE_FA_COMMON, 0, NULL}
#define A_UNIT {FLOE_FA_UNIT, FLOE_TYPE_VARCHAR, NULL}
#define A_CONST(t, msg) {FLOE_FA_IMPLICIT, (t), (msg)}
#define SIG(lo, hi, ret, ...)                                                              \
    {(lo), (hi), (ret), (uint8_t)(sizeof((floe_fn_arg[]){__VA_ARGS__}) / sizeof(floe_fn_arg)), \
     {__VA_ARGS__}}
#define SIGS(...)                                                                          \
    (const floe_fn_sig[]){__VA_ARGS__},                                                    \
        (uint32_t)(sizeof((floe_fn_sig[]){__VA_ARGS__}) / sizeof(floe_fn_sig))
#define NO_SIGS NULL, 0
#define FLOE_FUNCTION(id, display, names, flags, sigs, eval)                               \
    [FLOE_FN_##id] = {FLOE_FN_##id, display, names, flags, sigs, eval},

static const floe_fn_def functions[FLOE_FN_COUNT_] = {
#include "engine/functions.def"
};

const floe_fn_def *floe_functions_get(floe_fn fn)
{
    return (unsigned)fn < FLOE_FN_COUNT_ ? &functions[fn] : NULL;
}

const floe_fn_def *floe_functions_lookup(const char *name)
{
    uint32_t f, k;
    for (f = 0; f < FLOE_FN_COUNT_; f++) {
        const char *const *n = functions[f].sql_names;
        for (k = 0; n && n[k]; k++)
            if (strcmp(n[k], name) == 0) return &functions[f];
    }
    return NULL;
}

const char *floe_functions_sql_name(uint32_t i)
{
    uint32_t f, k;
    for (f = 0; f < FLOE_FN_COUNT_; f++) {
        const char *const *n = functions[f].sql_names;
        for (k = 0; n && n[k]; k++)
            if (i-- == 0) return n[k];
    }
    return NULL;
}
