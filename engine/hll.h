/* engine/hll.h: HyperLogLog sketches for approx_count_distinct.
 *
 * Precision 14 (16384 one-byte registers, standard error ~0.81%), as in
 * Redis and DuckDB. A sketch is a plain byte array the caller owns
 * (FLOE_HLL_BYTES, zeroed = empty); values are added by their 64-bit hash
 * (floe_hash64 / floe_hash_u64). Merging takes the register-wise maximum,
 * so partial sketches from several workers merge exactly. Estimation uses
 * the HLL++ bias-free small-range correction (linear counting below 2.5m).
 * No locking: one owner per sketch.
 */
#ifndef FLOE_ENGINE_HLL_H
#define FLOE_ENGINE_HLL_H

#include <stddef.h>
#include <stdint.h>

#define FLOE_HLL_P 14
#define FLOE_HLL_BYTES (1u << FLOE_HLL_P)

/* A sketch that starts sparse: the distinct hashes themselves, up to
 * FLOE_HLL_SPARSE_MAX of them (exact count, a few hundred bytes: GROUP BY
 * with many small groups stays small), then the dense registers. Zeroed =
 * empty. Owned by its user; free with floe_hll_sketch_free. */
#define FLOE_HLL_SPARSE_MAX 128

typedef struct floe_hll_sketch {
    uint64_t *sparse; /* n distinct hashes while dense == NULL */
    uint32_t n, cap;
    uint8_t *dense;   /* FLOE_HLL_BYTES registers, or NULL */
} floe_hll_sketch;

/* Add a hash. FLOE_OK or FLOE_NOMEM (the sketch is unchanged). */
int floe_hll_sketch_add(floe_hll_sketch *s, uint64_t hash);
/* Fold src into dst (src is left empty). FLOE_OK or FLOE_NOMEM. */
int floe_hll_sketch_merge(floe_hll_sketch *dst, floe_hll_sketch *src);
uint64_t floe_hll_sketch_estimate(const floe_hll_sketch *s);
size_t floe_hll_sketch_bytes(const floe_hll_sketch *s);
void floe_hll_sketch_free(floe_hll_sketch *s);

void floe_hll_add(uint8_t *regs, uint64_t hash);
void floe_hll_merge(uint8_t *dst, const uint8_t *src);
uint64_t floe_hll_estimate(const uint8_t *regs);

#endif
