/* engine/hashtable.h: key -> dense id hash tables for GROUP BY, DISTINCT and joins.
 *
 * A floe_hashtable maps tuples of key values to dense ids 0, 1, 2, ... in
 * insertion order and keeps the distinct keys in a columnar floe_exec_rows
 * (row id = key id), so aggregate states can live in plain arrays indexed by
 * id and the keys can be emitted without a second pass. NULL is a key value
 * like any other (NULL = NULL here: GROUP BY semantics); joins drop NULL keys
 * before probing.
 *
 * Layouts, chosen from the key types at init:
 *  - one integer-like key (BOOLEAN, INTEGER, BIGINT, DATE, TIMESTAMP,
 *    DECIMAL): a direct array for keys in [0, FLOE_HT_DIRECT) (small domains
 *    such as dictionary codes cost one load) and an open-addressing,
 *    linear-probing, power-of-two table of (key, id) slots for the rest;
 *  - anything else (several keys, VARCHAR, DOUBLE, INTERVAL): linear-probing
 *    slots of (hash, id); the hash of each row is computed once per batch,
 *    column by column, and compared before the keys, so a low-cardinality
 *    VARCHAR key is hashed once per row and compared with one memcmp.
 * Keys are copied (strings into the key arena), so input batches may go.
 *
 * Not thread-safe: each worker owns its tables; partial tables are merged
 * by inserting one table's keys (floe_exec_rows_view) into another.
 */
#ifndef FLOE_ENGINE_HASHTABLE_H
#define FLOE_ENGINE_HASHTABLE_H

#include <stdint.h>

#include "engine/exec_rows.h"
#include "util/err.h"
#include "util/vec.h"

#define FLOE_HT_NONE UINT32_MAX
#define FLOE_HT_DIRECT 4096

typedef struct floe_hashtable {
    uint32_t nkeys;
    int int_mode;          /* single integer-like key */
    floe_exec_rows keys;   /* one row per id */
    uint32_t count;        /* ids handed out */
    /* generic layout */
    struct floe_ht_slot { uint64_t hash; uint32_t id; uint32_t used; } *slots;
    /* int layout */
    struct floe_ht_islot { int64_t key; uint32_t id1; uint32_t pad; } *islots; /* id1 = id+1, 0 empty */
    uint32_t *direct;      /* FLOE_HT_DIRECT entries: id+1, 0 empty */
    uint32_t null_id;      /* int layout: id of the NULL key or FLOE_HT_NONE */
    uint64_t nslots;       /* power of two */
    uint64_t nused;        /* occupied slots */
    uint64_t *hbuf;        /* scratch: per-row hashes of a batch */
    /* batch-local memo for all-VARCHAR keys (see floe_hashtable_insert) */
    struct floe_ht_memo *memo; /* NULL until first used */
    uint32_t memo_tries, memo_fails;
    /* one VARCHAR key read through a dictionary (floe_vec_dict): id + 1 of
     * each entry of dictionary dmap_id, 0 not looked up yet */
    uint32_t *dmap;
    uint32_t dmap_cap;
    uint64_t dmap_id;
    uint32_t *dscratch; /* 3 x FLOE_VEC_SIZE: rows, positions, ids of first sightings */
    /* int layout, after floe_hashtable_seal_bloom: a blocked bloom filter
     * of the slot keys (two bits of one 64-bit word per key), checked by
     * floe_hashtable_find before the slot table; NULL when absent */
    uint64_t *bloom;
    uint64_t bloom_mask;   /* words - 1 (power of two) */
} floe_hashtable;

/* Empty table for nkeys columns of `types`. FLOE_NOMEM. */
int floe_hashtable_init(floe_hashtable *ht, uint32_t nkeys, const floe_type *types, floe_err *err);
void floe_hashtable_free(floe_hashtable *ht);
/* For each live row k (rows sel[0..nsel) or 0..n-1) of key vectors
 * keys[0..nkeys), set out_ids[k] to the row's key id, inserting new keys
 * (new ids are >= the count before the call). FLOE_NOMEM.
 * When every key is VARCHAR, a batch is first coded column by column by
 * string *address* (dictionary-decoded blocks point all equal values at the
 * same bytes; equal addresses and lengths are equal strings within a batch),
 * and each distinct combination of codes is looked up once; a batch with too
 * many distinct addresses falls back to hashing every row (and a table that
 * keeps failing stops trying). A single VARCHAR key that carries its
 * dictionary (util/vec.h floe_vec_dict) is looked up once per dictionary
 * entry, cached across the batches of that dictionary, and its rows map
 * through their codes; several VARCHAR keys use the codes for the memo. */
int floe_hashtable_insert(floe_hashtable *ht, const floe_vec *keys, uint32_t n, const uint32_t *sel,
                          uint32_t nsel, uint32_t *out_ids, floe_err *err);
/* For a table that will only be probed from now on (a join's build side):
 * when it has an integer-key slot table larger than the cache, build a
 * bloom filter over its keys (about 8 bits a key, 2-4% false positives) so
 * floe_hashtable_find rejects most absent keys without touching the slots.
 * FLOE_NOMEM (the table stays usable without it). */
int floe_hashtable_seal_bloom(floe_hashtable *ht, floe_err *err);
/* Like insert but read-only: FLOE_HT_NONE for absent keys. `hbuf` is scratch
 * for FLOE_VEC_SIZE hashes; with a caller-owned hbuf several threads may
 * probe one table at once (no insert meanwhile). NULL: the table's own. */
void floe_hashtable_find(const floe_hashtable *ht, const floe_vec *keys, uint32_t n,
                         const uint32_t *sel, uint32_t nsel, uint64_t *hbuf, uint32_t *out_ids);
/* Bytes held (slots, direct array, keys). */
size_t floe_hashtable_bytes(const floe_hashtable *ht);

/* Hash of each live row k of vectors cols[0..ncols) into out[k] (NULL hashes
 * to a fixed value; equal values of equal types hash equally, -0.0 = 0.0). */
void floe_hashtable_hash_rows(const floe_vec *cols, uint32_t ncols, uint32_t n, const uint32_t *sel,
                              uint32_t nsel, uint64_t *out);

#endif
