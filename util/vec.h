/* util/vec.h: column vectors and batches, the unit of data flow.
 *
 * A floe_vec holds up to `cap` values of one type in its physical layout
 * (floe.h), a validity bitmap, and optionally the string bytes its VARCHAR
 * values point into. Every layer speaks it: storage decodes into it, ingest
 * memtables hand out slices of it, the engine computes on it.
 *
 * Ownership
 *  - floe_vec_init allocates `data` (64-byte aligned) and owns it; a vector
 *    made by floe_vec_borrow points at someone else's memory (FLOE_VEC_BORROWED)
 *    and must not outlive it (e.g. a decoded part block, a memtable snapshot).
 *  - `validity` NULL means all values valid. Once allocated it is owned by the
 *    vector unless FLOE_VEC_BORROWED_VALIDITY is set.
 *  - VARCHAR values point either into `heap` (owned by the vector) or into
 *    memory that outlives the vector by the same rule as borrowed data.
 *    An operator that keeps strings longer than one batch copies them into
 *    its own arena.
 *  - FLOE_VEC_CONST: the vector has one logical value (slot 0, validity bit 0)
 *    repeated for all `n` rows (literals, broadcast scalars).
 *
 * A floe_batch is a set of equally long vectors plus an optional selection
 * vector: when `sel` is non-NULL only rows sel[0..nsel) are live (ascending
 * row indexes < n). Operators may pass batches with a selection instead of
 * compacting. Not thread-safe: a vector/batch has one owner at a time.
 */
#ifndef FLOE_UTIL_VEC_H
#define FLOE_UTIL_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/types.h"

#define FLOE_VEC_SIZE 2048 /* rows per vector; power of two */
#define FLOE_BITMAP_WORDS(n) (((size_t)(n) + 63) / 64)

enum {
    FLOE_VEC_BORROWED = 0x1,          /* data is not owned */
    FLOE_VEC_BORROWED_VALIDITY = 0x2, /* validity is not owned */
    FLOE_VEC_CONST = 0x4              /* slot 0 stands for every row */
};

/* The dictionary behind a VARCHAR vector that was read through one (a
 * dictionary-encoded block): codes[i] < nentries for every valid row i < n,
 * and row i's value equals entries[codes[i]] (the same bytes). NULL rows have
 * arbitrary codes. Borrowed, like the data, for the vector's lifetime. `id`
 * is unique per dictionary for the life of the process (floe_vec_dict_id),
 * so a consumer may cache per-entry work across batches of one dictionary.
 * codes == NULL: no dictionary. Only a source sets it; floe_vec_make_owned,
 * floe_batch_compact and floe_vec_set_string drop it (floe_vec_set_null
 * keeps it: a NULL row's code is arbitrary anyway). */
typedef struct floe_vec_dict {
    const uint32_t *codes;
    const floe_string *entries;
    uint32_t nentries;
    uint64_t id;
} floe_vec_dict;

typedef struct floe_vec {
    floe_type type;
    uint32_t n;         /* rows in use */
    uint32_t cap;       /* rows allocated in data */
    uint32_t flags;     /* FLOE_VEC_* */
    void *data;         /* cap values of floe_type_size(type) bytes */
    uint64_t *validity; /* NULL = all valid; bit i set = row i valid */
    floe_arena *heap;   /* VARCHAR bytes owned by this vector, or NULL */
    floe_vec_dict dict; /* VARCHAR read through a dictionary, or zeroed */
} floe_vec;

/* A new dictionary id (never 0, never repeated). Thread-safe. */
uint64_t floe_vec_dict_id(void);

/* Allocate data for `cap` rows (0: FLOE_VEC_SIZE). n = 0, all valid.
 * Returns FLOE_OK or FLOE_NOMEM. */
int floe_vec_init(floe_vec *v, floe_type t, uint32_t cap);
/* Point at external arrays (not owned). validity may be NULL. */
void floe_vec_borrow(floe_vec *v, floe_type t, void *data, uint64_t *validity, uint32_t n);
/* Free what the vector owns and zero it. NULL-safe on fields. */
void floe_vec_free(floe_vec *v);
/* Make the vector own writable data of capacity >= cap again (copying what a
 * borrowed vector pointed at), dropping CONST by expanding it. FLOE_NOMEM. */
int floe_vec_make_owned(floe_vec *v, uint32_t cap);
/* Ensure a validity bitmap exists (all valid) for cap rows. FLOE_NOMEM. */
int floe_vec_ensure_validity(floe_vec *v);
/* Set row i NULL / valid (allocates the bitmap on first NULL). */
int floe_vec_set_null(floe_vec *v, uint32_t i);
static inline bool floe_vec_is_valid(const floe_vec *v, uint32_t i)
{
    if (v->flags & FLOE_VEC_CONST) i = 0;
    return v->validity == NULL || ((v->validity[i >> 6] >> (i & 63)) & 1);
}
/* The heap for string bytes, created on first use; NULL on OOM. */
floe_arena *floe_vec_heap(floe_vec *v);
/* Copy string bytes into the vector's heap and store them at row i. */
int floe_vec_set_string(floe_vec *v, uint32_t i, const char *s, uint32_t len);
/* Count NULLs among rows [0, n). */
uint32_t floe_vec_null_count(const floe_vec *v);
/* Typed access helpers. */
#define FLOE_VEC_DATA(v, T) ((T *)(v)->data)

enum {
    /* set by a scan source (engine/source.h): the live rows are exactly
     * those passing every predicate the cursor was opened with */
    FLOE_BATCH_EXACT = 0x1
};

typedef struct floe_batch {
    uint32_t ncols;
    uint32_t n;     /* rows in every vector */
    uint32_t *sel;  /* NULL, or live row indexes (owned by the batch) */
    uint32_t nsel;  /* live rows when sel != NULL */
    floe_vec *cols; /* ncols vectors, owned */
    uint32_t flags; /* FLOE_BATCH_* */
} floe_batch;

/* Allocate ncols vectors of the given types with capacity cap (0: default). */
int floe_batch_init(floe_batch *b, uint32_t ncols, const floe_type *types, uint32_t cap);
void floe_batch_free(floe_batch *b);
/* Live rows: nsel when a selection is set, else n. */
static inline uint32_t floe_batch_rows(const floe_batch *b)
{
    return b->sel ? b->nsel : b->n;
}
/* Apply the selection: gather live rows to the front of each vector, making
 * borrowed vectors owned, and clear sel. FLOE_NOMEM. */
int floe_batch_compact(floe_batch *b);

#endif
