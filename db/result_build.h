/* db/result_build.h: the floe_result object behind floe.h's result functions
 * and how db/ builds it (floe_result_free is here too; the getters are
 * api/result.c).
 *
 * A result is a materialized table: column names and types plus rows stored
 * in chunks of exactly FLOE_VEC_SIZE rows (the last one shorter), each an
 * owned floe_batch whose VARCHAR bytes live in the chunk vectors' heaps. Rows
 * are copied in with floe_result_append, so the executor's batches (which may
 * borrow from scans) can be freed at once. Owned by whoever received it from
 * floe_query; not thread-safe.
 */
#ifndef FLOE_DB_RESULT_BUILD_H
#define FLOE_DB_RESULT_BUILD_H

#include "floe.h"
#include "util/err.h"
#include "util/vec.h"

struct floe_result {
    uint32_t ncols;
    char **names;        /* ncols, owned */
    floe_type *types;    /* ncols, owned */
    floe_batch *chunks;  /* nchunks owned batches */
    uint64_t nchunks;
    uint64_t cap_chunks;
    uint64_t nrows;
    uint64_t rows_changed;
    floe_err err;        /* last error of a getter */
};

/* New empty result with the given columns (names copied). NULL on OOM. */
floe_result *floe_result_new(uint32_t ncols, const char *const *names, const floe_type *types);
/* A result with one BIGINT column `name` holding `value` and
 * rows_changed = value. NULL on OOM. */
floe_result *floe_result_new_count(const char *name, uint64_t value);
/* Copy the live rows of b (honouring b->sel) into the result. FLOE_NOMEM. */
int floe_result_append(floe_result *res, const floe_batch *b, floe_err *err);
/* Append one row of text values (NULL pointer = SQL NULL) to an all-VARCHAR
 * result (SHOW TABLES, DESCRIBE, EXPLAIN). */
int floe_result_append_text_row(floe_result *res, const char *const *values, floe_err *err);

#endif
