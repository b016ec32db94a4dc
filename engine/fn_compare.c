/* engine/fn_compare.c: = <> < <= > >= on every type, producing BOOLEAN vectors.
 *
 * Numbers are compared in tight loops per (operator, operand shape) so the
 * loop body has no switch and the compiler vectorizes it; doubles use the
 * PostgreSQL total order (NaN greatest, NaN = NaN). Strings compare
 * byte-wise (UTF-8 code point order), intervals by normalized length. NULLs
 * were already combined into out->validity by eval.c. (Filters with
 * `column op constant` use the bitmask kernels directly, see eval.c.)
 */
#include <math.h>
#include <string.h>

#include "engine/eval_internal.h"
#include "util/datetime.h"

static inline int f_eq(double x, double y) { return x == y || (isnan(x) && isnan(y)); }
static inline int f_lt(double x, double y) { return x < y || (!isnan(x) && isnan(y)); }
static inline int f_le(double x, double y) { return x <= y || isnan(y); }
#define I_EQ(x, y) ((x) == (y))
#define I_LT(x, y) ((x) < (y))
#define I_LE(x, y) ((x) <= (y))

#define CMP_OPS(fa, d, X, Y, EQ, LT, LE)                                        \
    switch (op) {                                                               \
    case FLOE_KCMP_EQ: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)EQ(X, Y); }); break;  \
    case FLOE_KCMP_NE: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)!EQ(X, Y); }); break; \
    case FLOE_KCMP_LT: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)LT(X, Y); }); break;  \
    case FLOE_KCMP_LE: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)LE(X, Y); }); break;  \
    case FLOE_KCMP_GT: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)LT(Y, X); }); break;  \
    case FLOE_KCMP_GE: FLOE_FOR_ROWS(fa, r, { d[r] = (uint8_t)LE(Y, X); }); break;  \
    }

/* The three operand shapes: vector/vector, vector/constant, constant/vector. */
#define CMP_SHAPES(T, EQ, LT, LE)                                               \
    do {                                                                        \
        const T *a = fa->args[0].data, *b = fa->args[1].data;                   \
        if (ca) {                                                               \
            T c = a[0];                                                         \
            CMP_OPS(fa, d, c, b[r], EQ, LT, LE)                                 \
        } else if (cb) {                                                        \
            T c = b[0];                                                         \
            CMP_OPS(fa, d, a[r], c, EQ, LT, LE)                                 \
        } else {                                                                \
            CMP_OPS(fa, d, a[r], b[r], EQ, LT, LE)                              \
        }                                                                       \
    } while (0)

/* result of op for a three-way comparison c in {-1, 0, 1}: tbl[op][c + 1] */
static const uint8_t op_tbl[6][3] = {
    {0, 1, 0}, /* EQ */
    {1, 0, 1}, /* NE */
    {1, 0, 0}, /* LT */
    {1, 1, 0}, /* LE */
    {0, 0, 1}, /* GT */
    {0, 1, 1}, /* GE */
};

static inline int str_cmp(floe_string x, floe_string y)
{
    uint32_t n = x.len < y.len ? x.len : y.len;
    int c = n ? memcmp(x.ptr, y.ptr, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (x.len > y.len) - (x.len < y.len);
}

static inline __int128 iv_norm(floe_interval iv)
{
    return ((__int128)iv.months * 30 + iv.days) * FLOE_MICROS_PER_DAY + iv.micros;
}

int floe_fn_compare_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_kcmp op = floe_fn_kcmp(fa->e->fn);
    bool ca = floe_vec_const(&fa->args[0]), cb = floe_vec_const(&fa->args[1]);
    uint8_t *d = out->data;
    const uint64_t *valid = out->validity;
    const uint8_t *tbl = op_tbl[op];

    if (fa->nargs != 2) return floe_err_set(err, FLOE_MISUSE, "comparison needs 2 arguments");
    switch (floe_eval_pclass(fa->args[0].type)) {
    case FLOE_PC_U8: CMP_SHAPES(uint8_t, I_EQ, I_LT, I_LE); break;
    case FLOE_PC_I32: CMP_SHAPES(int32_t, I_EQ, I_LT, I_LE); break;
    case FLOE_PC_I64: CMP_SHAPES(int64_t, I_EQ, I_LT, I_LE); break;
    case FLOE_PC_F64: CMP_SHAPES(double, f_eq, f_lt, f_le); break;
    case FLOE_PC_STR: {
        const floe_string *a = fa->args[0].data, *b = fa->args[1].data;
        if (cb && op == FLOE_KCMP_EQ) {
            /* col = 'x': length check first, then memcmp */
            floe_string c = b[0];
            FLOE_FOR_ROWS(fa, r, {
                floe_string x = a[floe_vidx(&fa->args[0], r)];
                d[r] = floe_bit(valid, r) && x.len == c.len &&
                       (c.len == 0 || memcmp(x.ptr, c.ptr, c.len) == 0);
            });
            break;
        }
        FLOE_FOR_ROWS(fa, r, {
            if (floe_bit(valid, r))
                d[r] = tbl[str_cmp(a[ca ? 0 : r], b[cb ? 0 : r]) + 1];
        });
        break;
    }
    case FLOE_PC_IV: {
        const floe_interval *a = fa->args[0].data, *b = fa->args[1].data;
        FLOE_FOR_ROWS(fa, r, {
            __int128 x = iv_norm(a[ca ? 0 : r]), y = iv_norm(b[cb ? 0 : r]);
            d[r] = tbl[(x > y) - (x < y) + 1];
        });
        break;
    }
    default: return floe_err_set(err, FLOE_TYPE, "cannot compare values of this type");
    }
    return FLOE_OK;
}
