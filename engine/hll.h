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

#include <stdint.h>

#define FLOE_HLL_P 14
#define FLOE_HLL_BYTES (1u << FLOE_HLL_P)

void floe_hll_add(uint8_t *regs, uint64_t hash);
void floe_hll_merge(uint8_t *dst, const uint8_t *src);
uint64_t floe_hll_estimate(const uint8_t *regs);

#endif
