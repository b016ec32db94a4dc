/* engine/valset.c: sets of scalar values for IN lists and IN subqueries.
 *
 * A floe_valset copies the values of a vector (strings stay borrowed from
 * the vector's memory or the plan) into a typed array and, for more than a
 * few values, an open-addressing hash table of indexes into it. Equality is
 * SQL equality for the type: doubles compare -0.0 == 0.0 and NaN == NaN,
 * intervals compare by their normalized length (1 month == 30 days), as in
 * floe_value_cmp. Immutable after creation, so it may be shared by readers.
 */
#include <math.h>
#include <string.h>

#include "engine/eval_internal.h"
#include "util/datetime.h"
#include "util/hash.h"
#include "util/mem.h"

#define LINEAR_MAX 8 /* up to this many values: scan instead of hashing */

struct floe_valset {
    floe_pclass pc;
    uint32_t n;       /* non-NULL values */
    bool has_null;
    int64_t *ints;    /* U8, I32, I64 */
    double *dbls;     /* F64 (normalized) */
    floe_string *strs;
    __int128 *ivs;    /* INTERVAL as normalized micros */
    uint32_t *table;  /* cap slots: index + 1, 0 = empty; NULL when linear */
    uint32_t mask;    /* cap - 1 */
};

static inline double norm_d(double d)
{
    if (isnan(d)) return NAN;
    return d == 0 ? 0.0 : d;
}
static inline __int128 norm_iv(floe_interval iv)
{
    return ((__int128)iv.months * 30 + iv.days) * FLOE_MICROS_PER_DAY + iv.micros;
}

static uint64_t hash_slot(const floe_valset *s, uint32_t i)
{
    switch (s->pc) {
    case FLOE_PC_F64: {
        uint64_t u;
        memcpy(&u, &s->dbls[i], 8);
        return floe_hash_u64(u);
    }
    case FLOE_PC_STR: return floe_hash64(s->strs[i].ptr, s->strs[i].len);
    case FLOE_PC_IV: return floe_hash64(&s->ivs[i], sizeof(__int128));
    default: return floe_hash_u64((uint64_t)s->ints[i]);
    }
}

static int64_t load_int(const floe_vec *v, uint32_t i)
{
    switch (floe_eval_pclass(v->type)) {
    case FLOE_PC_U8: return ((const uint8_t *)v->data)[i];
    case FLOE_PC_I32: return ((const int32_t *)v->data)[i];
    default: return ((const int64_t *)v->data)[i];
    }
}

int floe_valset_new(floe_type t, const floe_vec *vals, uint32_t nvals, floe_valset **out,
                    floe_err *err)
{
    floe_valset *s = floe_calloc(1, sizeof *s);
    uint32_t i, cap;
    if (s == NULL) return floe_err_nomem(err);
    s->pc = floe_eval_pclass(t);
    if (s->pc == FLOE_PC_NULL) {
        s->has_null = nvals > 0;
        *out = s;
        return FLOE_OK;
    }
    switch (s->pc) {
    case FLOE_PC_F64: s->dbls = floe_malloc((nvals + 1) * sizeof(double)); break;
    case FLOE_PC_STR: s->strs = floe_malloc((nvals + 1) * sizeof(floe_string)); break;
    case FLOE_PC_IV: s->ivs = floe_malloc((nvals + 1) * sizeof(__int128)); break;
    default: s->ints = floe_malloc((nvals + 1) * sizeof(int64_t)); break;
    }
    if (!s->dbls && !s->strs && !s->ivs && !s->ints) goto oom;
    for (i = 0; i < nvals; i++) {
        uint32_t ix = floe_vidx(vals, i);
        if (!floe_bit(vals->validity, ix) || vals->type.id == FLOE_TYPE_NULL) {
            s->has_null = true;
            continue;
        }
        switch (s->pc) {
        case FLOE_PC_F64: s->dbls[s->n] = norm_d(((const double *)vals->data)[ix]); break;
        case FLOE_PC_STR: s->strs[s->n] = ((const floe_string *)vals->data)[ix]; break;
        case FLOE_PC_IV: s->ivs[s->n] = norm_iv(((const floe_interval *)vals->data)[ix]); break;
        default: s->ints[s->n] = load_int(vals, ix); break;
        }
        s->n++;
    }
    if (s->n > LINEAR_MAX) {
        cap = 16;
        while (cap < s->n * 2) cap *= 2;
        s->table = floe_calloc(cap, sizeof(uint32_t));
        if (s->table == NULL) goto oom;
        s->mask = cap - 1;
        for (i = 0; i < s->n; i++) {
            uint32_t slot = (uint32_t)hash_slot(s, i) & s->mask;
            while (s->table[slot]) slot = (slot + 1) & s->mask;
            s->table[slot] = i + 1;
        }
    }
    *out = s;
    return FLOE_OK;
oom:
    floe_valset_free(s);
    return floe_err_nomem(err);
}

void floe_valset_free(floe_valset *s)
{
    if (s == NULL) return;
    floe_free(s->ints);
    floe_free(s->dbls);
    floe_free(s->strs);
    floe_free(s->ivs);
    floe_free(s->table);
    floe_free(s);
}

bool floe_valset_has_null(const floe_valset *s) { return s->has_null; }
uint32_t floe_valset_size(const floe_valset *s) { return s->n; }

static inline bool str_eq(floe_string a, floe_string b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool floe_valset_has(const floe_valset *s, const floe_vec *v, uint32_t r)
{
    uint32_t i;
    uint64_t h;
    int64_t ki = 0;
    double kd = 0;
    floe_string ks = {NULL, 0};
    __int128 kv = 0;
    if (s->n == 0) return false;
    switch (s->pc) {
    case FLOE_PC_F64: {
        uint64_t u;
        kd = norm_d(((const double *)v->data)[r]);
        memcpy(&u, &kd, 8);
        h = floe_hash_u64(u);
        break;
    }
    case FLOE_PC_STR:
        ks = ((const floe_string *)v->data)[r];
        h = floe_hash64(ks.ptr, ks.len);
        break;
    case FLOE_PC_IV:
        kv = norm_iv(((const floe_interval *)v->data)[r]);
        h = floe_hash64(&kv, sizeof kv);
        break;
    case FLOE_PC_NULL: return false;
    default:
        ki = load_int(v, r);
        h = floe_hash_u64((uint64_t)ki);
        break;
    }
#define MATCH(j)                                                                    \
    (s->pc == FLOE_PC_F64   ? (s->dbls[j] == kd || (isnan(kd) && isnan(s->dbls[j]))) \
     : s->pc == FLOE_PC_STR ? str_eq(s->strs[j], ks)                                 \
     : s->pc == FLOE_PC_IV  ? s->ivs[j] == kv                                        \
                            : s->ints[j] == ki)
    if (s->table == NULL) {
        for (i = 0; i < s->n; i++)
            if (MATCH(i)) return true;
        return false;
    }
    for (i = (uint32_t)h & s->mask; s->table[i]; i = (i + 1) & s->mask) {
        uint32_t j = s->table[i] - 1;
        if (MATCH(j)) return true;
    }
    return false;
#undef MATCH
}
