/* util/hash.h: hashing and checksums (xxHash, XXH3).
 *
 * floe_hash64 is XXH3-64 with seed 0: stable across versions and machines,
 * so it is also used where a hash is persisted (shard choice, checksums).
 * floe_hash_u64 is a fast mixer for integer keys in hash tables.
 */
#ifndef FLOE_UTIL_HASH_H
#define FLOE_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t floe_hash64(const void *p, size_t n);
uint64_t floe_hash64_seed(const void *p, size_t n, uint64_t seed);
/* 32-bit checksum of bytes (low 32 bits of XXH3-64); used in file formats. */
uint32_t floe_checksum32(const void *p, size_t n);

static inline uint64_t floe_hash_u64(uint64_t x)
{
    /* murmur3 fmix64: a bijection with good avalanche */
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t floe_hash_combine(uint64_t h, uint64_t v)
{
    return floe_hash_u64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

#endif
