/* engine/exec_rows.h: materialized row collections for blocking operators.
 *
 * A floe_exec_rows holds rows of a fixed column list in columnar arrays that
 * grow by doubling: `data[c]` has `cap` slots of the column type's physical
 * size and `valid[c]` a validity bitmap (bit set = valid). VARCHAR bytes are
 * copied into the collection's own arena, so rows stay valid after the batch
 * they came from is gone. Sort buffers, join build sides, group keys and
 * result buffers use it.
 *
 * Any range of rows starting at a multiple of 64 can be viewed as borrowed
 * vectors (floe_exec_rows_view) without copying.
 *
 * Ownership: the collection owns its arrays and string arena; pointers into
 * it stay valid until the next append (arrays may move) or its free; string
 * bytes stay valid until free. Not thread-safe.
 */
#ifndef FLOE_ENGINE_EXEC_ROWS_H
#define FLOE_ENGINE_EXEC_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_exec_rows {
    uint32_t ncols;
    floe_type *types;   /* ncols, owned */
    size_t *widths;     /* ncols bytes per value */
    void **data;        /* ncols arrays of cap values */
    uint64_t **valid;   /* ncols bitmaps of cap bits */
    uint64_t n;         /* rows held */
    uint64_t cap;       /* rows allocated */
    floe_arena *strings;/* VARCHAR bytes */
} floe_exec_rows;

/* Empty collection of ncols columns. FLOE_NOMEM. */
int floe_exec_rows_init(floe_exec_rows *r, uint32_t ncols, const floe_type *types, floe_err *err);
void floe_exec_rows_free(floe_exec_rows *r);
/* Make room for `more` rows beyond n. FLOE_NOMEM (the collection is unchanged). */
int floe_exec_rows_reserve(floe_exec_rows *r, uint64_t more, floe_err *err);
/* Append the live rows of columns cols[0..ncols) (ncols = r->ncols), honouring
 * sel/nsel when sel != NULL and FLOE_VEC_CONST vectors. Copies strings. */
int floe_exec_rows_append(floe_exec_rows *r, const floe_vec *cols, uint32_t n, const uint32_t *sel,
                          uint32_t nsel, floe_err *err);
/* Append all rows of another collection with the same types. */
int floe_exec_rows_append_rows(floe_exec_rows *r, const floe_exec_rows *src, floe_err *err);
/* Overwrite row `dst` with row `row` of vectors cols (strings copied). */
int floe_exec_rows_set(floe_exec_rows *r, uint64_t dst, const floe_vec *cols, uint32_t row,
                       floe_err *err);
/* Borrowed vectors over rows [start, start+n), start % 64 == 0; out has ncols
 * entries. Valid until the next append or free. */
void floe_exec_rows_view(const floe_exec_rows *r, uint64_t start, uint32_t n, floe_vec *out);
/* Gather rows idx[0..n) (or start..start+n when idx is NULL) of columns
 * [0, ncols) into vectors out[0..ncols) starting at slot `at`; out vectors
 * must be owned with capacity >= at+n. Strings point into r's arena. */
int floe_exec_rows_gather(const floe_exec_rows *r, uint32_t col0, uint32_t ncols,
                          const uint64_t *idx, uint64_t start, uint32_t n, floe_vec *out,
                          uint32_t at);
/* Bytes held (arrays + strings), for memory accounting. */
size_t floe_exec_rows_bytes(const floe_exec_rows *r);

static inline int floe_exec_rows_is_valid(const floe_exec_rows *r, uint32_t c, uint64_t i)
{
    return (int)((r->valid[c][i >> 6] >> (i & 63)) & 1);
}

/* Row index helper for vectors that may be FLOE_VEC_CONST. */
static inline uint32_t floe_exec_vrow(const floe_vec *v, uint32_t i)
{
    return (v->flags & FLOE_VEC_CONST) ? 0 : i;
}

#endif
