/* util/hash.c: thin wrappers over xxHash's XXH3. */
#include "util/hash.h"

#include <xxhash.h>

uint64_t floe_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

uint64_t floe_hash64_seed(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

uint32_t floe_checksum32(const void *p, size_t n) { return (uint32_t)XXH3_64bits(p, n); }
