/* engine/sort.h: sorting rows by normalized keys (ORDER BY, top-N).
 *
 * Every key is encoded into a fixed-width, memcmp-comparable byte string:
 * one NULL-order byte (honouring NULLS FIRST/LAST), then the value in
 * big-endian order with the sign bit flipped (doubles by the IEEE trick,
 * -0.0 = 0.0, NaN largest; intervals as total microseconds), all value bytes
 * inverted for DESC. A VARCHAR key contributes an 8-byte prefix and ends the
 * normalized part: rows whose normalized keys tie are compared on the full
 * values of the remaining keys ("tail"), then on row index, which makes the
 * order total and the sort stable. So the comparator is one memcmp for
 * nearly every pair instead of a switch per value.
 *
 * Records are [key bytes][uint64 row index]. Not thread-safe per spec
 * object; the spec itself is read-only after init.
 */
#ifndef FLOE_ENGINE_SORT_H
#define FLOE_ENGINE_SORT_H

#include <stdint.h>

#include "engine/exec_rows.h"
#include "engine/plan.h"

typedef struct floe_sort_spec {
    const floe_sort_key *keys;
    uint32_t nkeys;
    const floe_type *types; /* types of the columns keys[].col refers to (indexed by col) */
    uint32_t klen;          /* normalized key bytes */
    uint32_t reclen;        /* klen + 8 */
    uint32_t tail_from;     /* first key compared in full on ties (nkeys: none) */
} floe_sort_spec;

/* Compute the layout. FLOE_OK. */
void floe_sort_spec_init(floe_sort_spec *s, const floe_sort_key *keys, uint32_t nkeys,
                         const floe_type *types);
/* Encode row `row` of vectors cols (indexed by column) into dst (klen bytes)
 * and store `rowid` after it. */
void floe_sort_encode(const floe_sort_spec *s, const floe_vec *cols, uint32_t row, uint64_t rowid,
                      uint8_t *dst);
/* Full comparison of two records whose row ids index rows `r`. */
int floe_sort_cmp(const floe_sort_spec *s, const floe_exec_rows *r, const uint8_t *a,
                  const uint8_t *b);
/* Bytes per record in floe_sort_records' array (reclen rounded up to 8). */
static inline uint32_t floe_sort_reclen(const floe_sort_spec *s)
{
    return (s->reclen + 7) & ~7u;
}
/* Sort rows of r; *out_recs (free with floe_free) gets r->n records of
 * floe_sort_reclen bytes in order (row index at offset klen). FLOE_NOMEM. */
int floe_sort_records(const floe_sort_spec *s, const floe_exec_rows *r, uint8_t **out_recs,
                      floe_err *err);
/* Sort rows of r; *out_idx (free with floe_free) gets r->n row indexes in
 * order. FLOE_NOMEM. */
int floe_sort_rows(const floe_sort_spec *s, const floe_exec_rows *r, uint64_t **out_idx,
                   floe_err *err);

#endif
