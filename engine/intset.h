/* engine/intset.h: a radix-partitioned set of 64-bit integers, for
 * COUNT(DISTINCT integer) without GROUP BY.
 *
 * A key is stored as floe_hash_u64(key): that mixer is a bijection, so
 * distinct keys are distinct hashes and the set never needs the key itself.
 * The hash's top FLOE_INTSET_BITS bits choose one of FLOE_INTSET_PARTS
 * partitions, each an open-addressing, linear-probing table of hashes
 * (0 = empty; the one key that hashes to 0, the key 0, is a flag).
 *
 * Adding a batch only appends each hash to its partition's pending buffer
 * (sequential writes). A buffer is drained into its partition's table once
 * it holds at least FLOE_INTSET_PENDING hashes and twice the table's slots,
 * so loading the table into cache costs at most one miss per 16 inserts and
 * the probes then hit cache, even when the whole set is far larger than the
 * cache (the radix partitioning of cache-conscious aggregation). Partitions
 * are independent, so sets built by several workers are merged partition by
 * partition in parallel (floe_intset_merge_part).
 *
 * Memory: tables at a load factor of 3/8 to 3/4 (11 to 22 bytes per distinct
 * key), plus pending buffers of at most max(FLOE_INTSET_PENDING, 2 x table
 * slots) hashes per partition: bounded by the distinct keys, not the input
 * rows. s->bytes holds the total for the query's memory accounting.
 * Ownership: the set owns every buffer; floe_intset_free releases them.
 * Not thread-safe, except that different partitions may be merged (and
 * counted) by different threads at once.
 */
#ifndef FLOE_ENGINE_INTSET_H
#define FLOE_ENGINE_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLOE_INTSET_BITS 8
#define FLOE_INTSET_PARTS (1u << FLOE_INTSET_BITS)
#define FLOE_INTSET_PENDING 4096 /* hashes buffered per partition before a drain */

typedef struct floe_intset_part {
    uint64_t *slots; /* cap hashes, 0 = empty; NULL until the first key */
    uint64_t *pend;  /* pcap hashes waiting to be inserted, or NULL */
    uint32_t cap;    /* power of two, or 0 */
    uint32_t n;      /* keys in slots */
    uint32_t npend;  /* hashes in pend */
    uint32_t pcap;   /* capacity of pend */
} floe_intset_part;

typedef struct floe_intset {
    floe_intset_part part[FLOE_INTSET_PARTS];
    bool has_zero;  /* the key 0 (hash 0) is in the set */
    size_t bytes;   /* bytes held */
} floe_intset;

/* An empty set (no allocation yet). */
void floe_intset_init(floe_intset *s);
void floe_intset_free(floe_intset *s);
/* Add keys[sel[i]] for i < n, or keys[0..n) when sel is NULL. FLOE_NOMEM
 * (the set keeps the keys added before the failure). */
int floe_intset_add(floe_intset *s, const int64_t *keys, const uint32_t *sel, uint32_t n);
/* Drain every pending buffer into the tables. FLOE_NOMEM. */
int floe_intset_flush(floe_intset *s);
/* Union partition p of src into partition p of dst; both flushed.
 * Touches only partition p of each (and dst->bytes is not updated: call
 * floe_intset_recount afterwards from one thread). FLOE_NOMEM. */
int floe_intset_merge_part(floe_intset *dst, const floe_intset *src, uint32_t p);
/* Keys in partition p (the key 0 counts in partition 0). Flushed sets only. */
uint64_t floe_intset_count_part(const floe_intset *s, uint32_t p);
/* Keys in the set. Flushed sets only. */
uint64_t floe_intset_count(const floe_intset *s);
/* Recompute s->bytes after parallel merges. */
void floe_intset_recount(floe_intset *s);

#endif
