/* tests/unit/storage/storage_testutil.h: shared helpers for storage tests:
 * a seeded PRNG, scratch directories and random columns of every type. */
#ifndef FLOE_TEST_STORAGE_TESTUTIL_H
#define FLOE_TEST_STORAGE_TESTUTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/types.h"
#include "util/vec.h"

static inline uint64_t tu_rand(uint64_t *s)
{
    /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A fresh directory under FLOE_TEST_TMP (or /tmp); caller owns the string. */
static inline char *tu_tmpdir(void)
{
    const char *root = getenv("FLOE_TEST_TMP");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/storage-XXXXXX", root && *root ? root : "/tmp");
    cr_assert_not_null(mkdtemp(p), "mkdtemp %s", p);
    return p;
}

static inline void tu_rmrf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *tu_words[] = {"click", "view", "purchase", "signup", "logout", "",
                                 "a-very-long-event-type-name-beyond-the-prefix-limit-1",
                                 "a-very-long-event-type-name-beyond-the-prefix-limit-2"};

/* Fill v (initialised with cap >= n) with n random values of v->type in one
 * of 5 shapes, and NULLs per `nulls` (0 none, 1 all, 2 random ~20%). */
static inline void tu_fill(floe_vec *v, uint32_t n, int shape, int nulls, uint64_t seed)
{
    uint64_t s = seed;
    uint32_t i;
    int64_t acc = (int64_t)(tu_rand(&s) % 1000000);
    int64_t cur = 0;
    for (i = 0; i < n; i++) {
        uint64_t r = tu_rand(&s);
        int64_t x;
        if (i % 40 == 0) cur = (int64_t)(tu_rand(&s) % 1000);
        switch (shape % 5) {
        case 0: x = (int64_t)r; break;                               /* full range */
        case 1: x = (int64_t)(r % 5000) - 2500; break;               /* small range */
        case 2: acc += (int64_t)(r % 1000); x = acc; break;          /* sorted, jitter */
        case 3: x = (int64_t)(r % 6) * 1000003 - 7; break;           /* low cardinality */
        default: x = cur; break;                                     /* runs */
        }
        switch ((floe_type_id)v->type.id) {
        case FLOE_TYPE_BOOLEAN: ((uint8_t *)v->data)[i] = (uint8_t)(shape == 4 ? (cur & 1) : (x & 1)); break;
        case FLOE_TYPE_INTEGER:
        case FLOE_TYPE_DATE: ((int32_t *)v->data)[i] = (int32_t)x; break;
        case FLOE_TYPE_BIGINT:
        case FLOE_TYPE_DECIMAL:
        case FLOE_TYPE_TIMESTAMP: ((int64_t *)v->data)[i] = x; break;
        case FLOE_TYPE_DOUBLE: {
            double d;
            switch (shape % 5) {
            case 0: /* arbitrary finite doubles, some specials */
                if (r % 97 == 0) d = -0.0;
                else if (r % 89 == 0) d = 1.0 / 0.0;
                else if (r % 83 == 0) d = 0.0 / 0.0;
                else d = (double)(int64_t)r / 3.7e9;
                break;
            case 1: d = (double)((int64_t)(r % 2000000) - 1000000) / 100.0; break; /* decimals */
            case 2: d = (double)acc / 1000.0; break;
            case 3: d = (double)(r % 4) * 0.25; break;
            default: d = (double)cur / 10.0; break;
            }
            ((double *)v->data)[i] = d;
            break;
        }
        case FLOE_TYPE_VARCHAR: {
            char buf[64];
            uint32_t len;
            if (shape % 5 == 3 || shape % 5 == 4) {
                const char *w = tu_words[(shape % 5 == 4 ? (uint64_t)cur : r) % 8];
                len = (uint32_t)strlen(w);
                memcpy(buf, w, len);
            } else {
                uint32_t k;
                len = (uint32_t)(r % 45);
                for (k = 0; k < len; k++) buf[k] = (char)('a' + tu_rand(&s) % 26);
            }
            cr_assert_eq(floe_vec_set_string(v, i, buf, len), FLOE_OK);
            break;
        }
        case FLOE_TYPE_INTERVAL: {
            floe_interval iv = {(int32_t)(r % 100), (int32_t)(x % 30), (int64_t)tu_rand(&s)};
            ((floe_interval *)v->data)[i] = iv;
            break;
        }
        default: break;
        }
        if (nulls == 1 || (nulls == 2 && tu_rand(&s) % 5 == 0)) floe_vec_set_null(v, i);
    }
    v->n = n;
}

/* Value equality for one row (bitwise for doubles). */
static inline int tu_same(floe_type t, const void *a, uint32_t ia, const void *b, uint32_t ib)
{
    size_t w = floe_type_size(t);
    if (t.id == FLOE_TYPE_VARCHAR) {
        const floe_string *x = (const floe_string *)a + ia, *y = (const floe_string *)b + ib;
        return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
    }
    return memcmp((const char *)a + (size_t)ia * w, (const char *)b + (size_t)ib * w, w) == 0;
}

static const floe_type_id tu_all_types[] = {
    FLOE_TYPE_BOOLEAN, FLOE_TYPE_INTEGER, FLOE_TYPE_BIGINT,    FLOE_TYPE_DOUBLE, FLOE_TYPE_DECIMAL,
    FLOE_TYPE_VARCHAR, FLOE_TYPE_DATE,    FLOE_TYPE_TIMESTAMP, FLOE_TYPE_INTERVAL};
#define TU_NTYPES 9

static inline floe_type tu_type(uint32_t k)
{
    return tu_all_types[k] == FLOE_TYPE_DECIMAL ? floe_type_decimal(12, 2)
                                                : floe_type_make(tu_all_types[k]);
}

#endif
