/* tests/unit/engine/test_xsum.c: floe_xsum (exact double sums) against an
 * independent correctly rounded sum (Shewchuk's partials, as Python's
 * math.fsum), and the property SUM/AVG rely on: any order of the adds and
 * any split into merged partial sums give the same bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "engine/xsum.h"

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Correctly rounded sum of finite x[0..n) whose partial sums stay finite
 * (Shewchuk / Python msum). */
static double fsum_ref(const double *x, size_t n)
{
    double *p = malloc((n + 1) * sizeof *p);
    size_t np = 0, i, j, k;
    double hi = 0, lo = 0;
    for (i = 0; i < n; i++) {
        double v = x[i];
        k = 0;
        for (j = 0; j < np; j++) {
            double y = p[j], h, l;
            if (fabs(v) < fabs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            h = v + y;
            l = y - (h - v);
            if (l != 0.0) p[k++] = l;
            v = h;
        }
        p[k++] = v;
        np = k;
    }
    if (np > 0) {
        size_t m = np - 1;
        hi = p[m];
        while (m > 0) {
            double v = hi, y = p[--m], yr;
            hi = v + y;
            yr = hi - v;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (m > 0 && ((lo < 0 && p[m - 1] < 0) || (lo > 0 && p[m - 1] > 0))) {
            double y = lo * 2, v = hi + y, yr = v - hi;
            if (y == yr) hi = v;
        }
    }
    free(p);
    return hi;
}

static double xsum_of(const double *x, size_t n)
{
    floe_xsum s;
    uint64_t heap = 0;
    double r;
    size_t i;
    memset(&s, 0, sizeof s);
    for (i = 0; i < n; i++) cr_assert_eq(floe_xsum_add(&s, x[i], &heap), 0);
    r = floe_xsum_value(&s);
    floe_xsum_free(&s);
    return r;
}

/* Split x into `parts` partial sums by a random assignment, merge them in
 * a random order. */
static double xsum_split(const double *x, size_t n, uint32_t parts, uint64_t *seed)
{
    floe_xsum p[8], tot;
    uint64_t heap = 0;
    uint32_t i, order[8];
    size_t k;
    double r;
    memset(p, 0, sizeof p);
    memset(&tot, 0, sizeof tot);
    for (k = 0; k < n; k++) cr_assert_eq(floe_xsum_add(&p[rng(seed) % parts], x[k], &heap), 0);
    for (i = 0; i < parts; i++) order[i] = i;
    for (i = parts; i > 1; i--) {
        uint32_t j = (uint32_t)(rng(seed) % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (i = 0; i < parts; i++) cr_assert_eq(floe_xsum_merge(&tot, &p[order[i]], &heap), 0);
    r = floe_xsum_value(&tot);
    for (i = 0; i < parts; i++) floe_xsum_free(&p[i]);
    floe_xsum_free(&tot);
    return r;
}

static void shuffle(double *x, size_t n, uint64_t *seed)
{
    size_t i;
    for (i = n; i > 1; i--) {
        size_t j = (size_t)(rng(seed) % i);
        double t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* gen: 0 prices (cents / 100), 1 any finite magnitude 1e-300..1e300 with
 * both signs (the wide accumulator), 2 heavy cancellation, 3 subnormals
 * mixed with small normals. */
static void fill(double *x, size_t n, int gen, uint64_t *seed)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint64_t r = rng(seed);
        switch (gen) {
        case 0: x[i] = (double)(r % 10000000) / 100.0; break;
        case 1:
            x[i] = ldexp((double)(r >> 11) / 9007199254740992.0, (int)(rng(seed) % 1990) - 995);
            if (r & 1) x[i] = -x[i];
            break;
        case 2: x[i] = (i & 1 ? -1.0 : 1.0) * ldexp((double)(r >> 11), (int)(rng(seed) % 200) - 100); break;
        default:
            x[i] = ldexp((double)(r >> 11), -1074 - 53 + (int)(rng(seed) % 80));
            if (r & 2) x[i] = -x[i];
            break;
        }
    }
}

Test(xsum, matches_correctly_rounded_sum_in_any_order_and_split)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    size_t n = 20000;
    double *x = malloc(n * sizeof *x);
    int gen, rep;
    for (gen = 0; gen < 4; gen++) {
        double want;
        fill(x, n, gen, &seed);
        want = fsum_ref(x, n);
        cr_assert(same_bits(xsum_of(x, n), want), "gen %d: %.17g vs %.17g", gen, xsum_of(x, n), want);
        for (rep = 0; rep < 4; rep++) {
            double got;
            shuffle(x, n, &seed);
            got = xsum_of(x, n);
            cr_assert(same_bits(got, want), "gen %d shuffled: %.17g vs %.17g", gen, got, want);
            got = xsum_split(x, n, 1 + (uint32_t)(rng(&seed) % 8), &seed);
            cr_assert(same_bits(got, want), "gen %d split: %.17g vs %.17g", gen, got, want);
        }
    }
    free(x);
}

Test(xsum, naive_order_dependence_is_gone)
{
    /* 0.1 + 0.2 + 0.3 differs from 0.3 + 0.2 + 0.1 in plain doubles */
    double a[] = {0.1, 0.2, 0.3}, b[] = {0.3, 0.2, 0.1};
    cr_assert(!same_bits((0.1 + 0.2) + 0.3, (0.3 + 0.2) + 0.1));
    cr_assert(same_bits(xsum_of(a, 3), xsum_of(b, 3)));
    cr_assert(same_bits(xsum_of(a, 3), fsum_ref(a, 3)));
}

Test(xsum, rounds_once_to_nearest_even)
{
    double t1[] = {1.0, ldexp(1, -53)};                     /* tie: stays at 1 (even) */
    double t2[] = {1.0, ldexp(1, -53), ldexp(1, -120)};     /* above the tie: rounds up */
    double t3[] = {1.0 + ldexp(1, -52), ldexp(1, -53)};     /* tie from odd: rounds up */
    double t4[] = {1e308, 1e308, -1e308};                   /* no intermediate overflow */
    double t5[] = {1e308, 1e308};                           /* the sum itself overflows */
    double t6[] = {ldexp(1, -1074), ldexp(1, -1074), -0.0}; /* subnormals add exactly */
    double t7[] = {1e300, 1.0, -1e300};                     /* exponents 1000 bits apart */
    cr_assert(same_bits(xsum_of(t1, 2), 1.0));
    cr_assert(same_bits(xsum_of(t2, 3), 1.0 + ldexp(1, -52)));
    cr_assert(same_bits(xsum_of(t3, 2), 1.0 + ldexp(1, -51)));
    cr_assert(same_bits(xsum_of(t4, 3), 1e308));
    cr_assert(isinf(xsum_of(t5, 2)) && xsum_of(t5, 2) > 0);
    cr_assert(same_bits(xsum_of(t6, 3), ldexp(1, -1073)));
    cr_assert(same_bits(xsum_of(t7, 3), 1.0));
}

Test(xsum, specials_and_zero)
{
    double z[] = {0.0, -0.0}, pi[] = {1.0, INFINITY, 2.0}, both[] = {INFINITY, -INFINITY},
           nan_[] = {1.0, NAN}, ni[] = {-INFINITY, 5.0};
    cr_assert(same_bits(xsum_of(z, 2), 0.0));
    cr_assert(same_bits(xsum_of(NULL, 0), 0.0));
    cr_assert(isinf(xsum_of(pi, 3)) && xsum_of(pi, 3) > 0);
    cr_assert(isinf(xsum_of(ni, 2)) && xsum_of(ni, 2) < 0);
    cr_assert(isnan(xsum_of(both, 2)));
    cr_assert(isnan(xsum_of(nan_, 2)));
}
