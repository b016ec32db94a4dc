/* db/keyset.h: an in-memory set of byte strings (encoded key values), the
 * storage of the unique indexes that enforce PRIMARY KEY and UNIQUE.
 *
 * Open addressing with linear probing over 16-byte slots (the key's 64-bit
 * hash and its offset in a byte pool); the pool holds each key once as a
 * 4-byte length and its bytes. The table doubles at 50 % load, so a key
 * costs 16-32 bytes of slots (24 on average) plus 4 + its length in the
 * pool: about 40 bytes for a BIGINT key. Only the most recently added key
 * can be removed (undoing a failed write, newest first); floe_keyset_free
 * releases everything.
 *
 * Ownership: the set owns its slots and pool; keys are copied in. Not
 * thread-safe: the owner (db/constraint.c) serialises use with its mutex.
 */
#ifndef FLOE_DB_KEYSET_H
#define FLOE_DB_KEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct floe_keyset {
    uint64_t *slots;   /* cap pairs (hash, pool offset + 1; 0 = empty) */
    uint64_t cap;      /* slot pairs, a power of two (0 before the first insert) */
    uint64_t n;        /* keys */
    char *pool;
    size_t pool_len, pool_cap;
} floe_keyset;

/* Whether key[0..len) (with hash h = floe_hash64 of it) is in the set. */
bool floe_keyset_has(const floe_keyset *s, uint64_t h, const void *key, uint32_t len);
/* Add the key unless present: 1 added, 0 already there, -1 out of memory
 * (the set is unchanged). */
int floe_keyset_add(floe_keyset *s, uint64_t h, const void *key, uint32_t len);
/* Remove the key if it is the most recently added one still present
 * (undo, newest first): true when removed, false (nothing changes) when it
 * is absent or not the newest. */
bool floe_keyset_remove_last(floe_keyset *s, uint64_t h, const void *key, uint32_t len);
/* Make room for nkeys more keys of `bytes` pool bytes in total (4 + length
 * each), so that adding them cannot fail: 0, or -1 out of memory. */
int floe_keyset_reserve(floe_keyset *s, uint64_t nkeys, size_t bytes);
/* Bytes held (slots + pool), for the memory statistics. */
uint64_t floe_keyset_bytes(const floe_keyset *s);
void floe_keyset_free(floe_keyset *s); /* leaves it empty and usable */

#endif
