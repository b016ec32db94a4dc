/* datagen/rng.h: the peers kit's random stream (xoshiro256** seeded by
 * splitmix64), shared by the data generators so they reproduce
 * ../shared/peers/gen_data byte for byte. The state is 4 words owned by
 * each generator; not thread-safe per state. */
#ifndef FLOE_DATAGEN_RNG_H
#define FLOE_DATAGEN_RNG_H

#include <math.h>
#include <stdint.h>

static inline uint64_t floe_rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline void floe_rng_seed(uint64_t rs[4], uint64_t seed)
{
    int i;
    for (i = 0; i < 4; i++) rs[i] = floe_rng_splitmix64(&seed);
}

static inline uint64_t floe_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t floe_rng_next(uint64_t *rs)
{
    uint64_t r = floe_rng_rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = floe_rng_rotl(rs[3], 45);
    return r;
}

/* Uniform integer in [lo, hi] (inclusive), multiply-shift as gen_data does. */
static inline int64_t floe_rng_uniform(uint64_t *rs, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(((unsigned __int128)floe_rng_next(rs) * span) >> 64);
}

/* Uniform double in (0, 1). */
static inline double floe_rng_unit(uint64_t *rs)
{
    return ((double)(floe_rng_next(rs) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard normal by Box-Muller, one value per call (as gen_data). */
static inline double floe_rng_normal(uint64_t *rs)
{
    double u1 = floe_rng_unit(rs), u2 = floe_rng_unit(rs);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
