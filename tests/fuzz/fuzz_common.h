/* tests/fuzz/fuzz_common.h: what the text-reader fuzz targets share: the
 * schema (one column of every type), an in-memory floe_read_fn that hands
 * the input out in small, input-chosen pieces (so refills and records cut
 * between reads are exercised), and the property every reader must keep:
 * rows, the end, or a documented error code with a message. Header-only. */
#ifndef FLOE_TESTS_FUZZ_COMMON_H
#define FLOE_TESTS_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/convert.h"
#include "util/err.h"
#include "util/types.h"

#define FZ_NCOLS 9
static const char *const fz_names[FZ_NCOLS] = {"b", "i", "l", "d", "m", "s", "dt", "ts", "iv"};

static inline void fz_types(floe_type *t)
{
    t[0] = floe_type_make(FLOE_TYPE_BOOLEAN);
    t[1] = floe_type_make(FLOE_TYPE_INTEGER);
    t[2] = floe_type_make(FLOE_TYPE_BIGINT);
    t[3] = floe_type_make(FLOE_TYPE_DOUBLE);
    t[4] = floe_type_make(FLOE_TYPE_DECIMAL);
    t[4].precision = 12;
    t[4].scale = 3;
    t[5] = floe_type_make(FLOE_TYPE_VARCHAR);
    t[6] = floe_type_make(FLOE_TYPE_DATE);
    t[7] = floe_type_make(FLOE_TYPE_TIMESTAMP);
    t[8] = floe_type_make(FLOE_TYPE_INTERVAL);
}

typedef struct fz_input {
    const char *p;
    size_t n, pos, piece;
} fz_input;

static int fz_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    fz_input *in = ctx;
    size_t k = in->n - in->pos;
    (void)err;
    if (k > cap) k = cap;
    if (k > in->piece) k = in->piece;
    memcpy(buf, in->p + in->pos, k);
    in->pos += k;
    *out_n = k;
    return FLOE_OK;
}

/* A reader's result must be a row, the end, or a documented failure that
 * names itself: FLOE_PARSE, FLOE_RANGE, FLOE_NOMEM, or `also` (the JSON
 * reader documents FLOE_TYPE; 0 for none). */
static inline void fz_check(int rc, const floe_err *err, int also)
{
    if (rc == FLOE_ROW || rc == FLOE_DONE) return;
    if ((rc != FLOE_PARSE && rc != FLOE_RANGE && rc != FLOE_NOMEM && (also == 0 || rc != also)) ||
        err->code != rc ||
        err->msg[0] == '\0') {
        fprintf(stderr, "fuzz: undocumented result %d (err code %d): %s\n", rc, err->code,
                err->msg);
        abort();
    }
}

#endif
