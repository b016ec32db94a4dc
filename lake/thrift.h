/* lake/thrift.h: the Thrift compact protocol, the encoding of Parquet's
 * footer and page headers.
 *
 * Reader: a cursor over a caller's buffer. Every read checks the bytes left
 * first, so hostile input never makes it touch memory outside [buf, buf+n);
 * damage is FLOE_CORRUPT with a message naming the source (`name`, a file
 * name) and the absolute byte offset (`base` + position). Nesting is limited
 * (FLOE_THRIFT_MAX_DEPTH) so skipping cannot recurse without bound. Strings
 * and binaries come back as borrowed pointers into the buffer (valid while
 * the buffer is).
 *
 * Writer: appends to a growable buffer it owns (floe_thrift_w_free); errors
 * are sticky (FLOE_NOMEM), checked once at the end with floe_thrift_w_status.
 *
 * Struct reading pattern (field ids are delta-coded against the previous
 * field of the same struct, so the caller keeps `last` per struct level):
 *     int16_t last = 0; int16_t id; uint8_t t;
 *     while ((rc = floe_thrift_field(r, &last, &id, &t)) == FLOE_OK && t != FLOE_TT_STOP)
 *         switch (id) { ... default: rc = floe_thrift_skip(r, t); }
 *
 * Thread-safety: a reader or writer has one owner at a time.
 */
#ifndef FLOE_LAKE_THRIFT_H
#define FLOE_LAKE_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* compact protocol type ids */
enum {
    FLOE_TT_STOP = 0,
    FLOE_TT_TRUE = 1,
    FLOE_TT_FALSE = 2,
    FLOE_TT_BYTE = 3,
    FLOE_TT_I16 = 4,
    FLOE_TT_I32 = 5,
    FLOE_TT_I64 = 6,
    FLOE_TT_DOUBLE = 7,
    FLOE_TT_BINARY = 8,
    FLOE_TT_LIST = 9,
    FLOE_TT_SET = 10,
    FLOE_TT_MAP = 11,
    FLOE_TT_STRUCT = 12
};

#define FLOE_THRIFT_MAX_DEPTH 32

typedef struct floe_thrift_r {
    const uint8_t *p;  /* buffer */
    size_t n;          /* its length */
    size_t pos;        /* next byte */
    uint64_t base;     /* file offset of p[0], for messages */
    const char *name;  /* source name for messages (borrowed) */
    int depth;         /* current struct nesting */
    floe_err *err;
} floe_thrift_r;

void floe_thrift_r_init(floe_thrift_r *r, const void *p, size_t n, uint64_t base, const char *name,
                        floe_err *err);
/* FLOE_CORRUPT "<name>: corrupt thrift at byte <off>: <what>". */
int floe_thrift_corrupt(floe_thrift_r *r, const char *what);

/* Next field header of the current struct: *type FLOE_TT_STOP ends it. For
 * FLOE_TT_TRUE/FALSE the value is in the type (floe_thrift_bool_field). */
int floe_thrift_field(floe_thrift_r *r, int16_t *last, int16_t *id, uint8_t *type);
/* Enter/leave a nested struct (depth accounting). */
int floe_thrift_struct_begin(floe_thrift_r *r);
void floe_thrift_struct_end(floe_thrift_r *r);
int floe_thrift_varint(floe_thrift_r *r, uint64_t *out);
/* Integer of a field of type BYTE/I16/I32/I64 (zigzag), range-checked to
 * int32 for floe_thrift_i32. A field of another type is FLOE_CORRUPT. */
int floe_thrift_i64(floe_thrift_r *r, uint8_t type, int64_t *out);
int floe_thrift_i32(floe_thrift_r *r, uint8_t type, int32_t *out);
int floe_thrift_double(floe_thrift_r *r, double *out);
/* A BINARY/string field: *out borrowed from the buffer, *len bytes. */
int floe_thrift_binary(floe_thrift_r *r, uint8_t type, const uint8_t **out, uint32_t *len);
/* A list/set header: element type and count; the count is checked against
 * the bytes left (every element takes at least one byte). */
int floe_thrift_list(floe_thrift_r *r, uint8_t type, uint8_t *elem, uint32_t *count);
/* Skip a value of `type` (any depth up to the limit). */
int floe_thrift_skip(floe_thrift_r *r, uint8_t type);

typedef struct floe_thrift_w {
    uint8_t *p;
    size_t n, cap;
    int rc; /* FLOE_OK or the first failure */
} floe_thrift_w;

void floe_thrift_w_init(floe_thrift_w *w);
void floe_thrift_w_free(floe_thrift_w *w);
int floe_thrift_w_status(const floe_thrift_w *w, floe_err *err);
void floe_thrift_w_bytes(floe_thrift_w *w, const void *p, size_t n);
void floe_thrift_w_varint(floe_thrift_w *w, uint64_t v);
/* Field header (delta-coded against *last); then the value. */
void floe_thrift_w_field(floe_thrift_w *w, int16_t *last, int16_t id, uint8_t type);
void floe_thrift_w_i32(floe_thrift_w *w, int16_t *last, int16_t id, int32_t v);
void floe_thrift_w_i64(floe_thrift_w *w, int16_t *last, int16_t id, int64_t v);
void floe_thrift_w_bool(floe_thrift_w *w, int16_t *last, int16_t id, bool v);
void floe_thrift_w_binary(floe_thrift_w *w, int16_t *last, int16_t id, const void *p, uint32_t n);
/* List header for a field (or, with last == NULL, a bare list element). */
void floe_thrift_w_list(floe_thrift_w *w, int16_t *last, int16_t id, uint8_t elem, uint32_t count);
/* Bare values (list elements). */
void floe_thrift_w_zigzag(floe_thrift_w *w, int64_t v);
void floe_thrift_w_stop(floe_thrift_w *w);

#endif
