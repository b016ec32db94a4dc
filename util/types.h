/* util/types.h: logical types, physical sizes, and scalar values.
 *
 * A floe_type is a type id (floe.h's floe_type_id) plus DECIMAL precision and
 * scale. Physical layouts are documented in floe.h. floe_value carries one
 * scalar (constants, min/max statistics, aggregate results): integers of all
 * widths, BOOLEAN, DATE, TIMESTAMP and DECIMAL live in `i`; DOUBLE in `d`;
 * VARCHAR in `s` (bytes owned by whoever made the value; see each producer);
 * INTERVAL in `iv`.
 */
#ifndef FLOE_UTIL_TYPES_H
#define FLOE_UTIL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "floe.h"
#include "util/err.h"

typedef struct floe_type {
    uint8_t id;        /* floe_type_id */
    uint8_t precision; /* DECIMAL only: 1..18 */
    uint8_t scale;     /* DECIMAL only: 0..precision */
} floe_type;

static inline floe_type floe_type_make(floe_type_id id)
{
    floe_type t = {(uint8_t)id, 0, 0};
    return t;
}
static inline floe_type floe_type_decimal(int precision, int scale)
{
    floe_type t = {FLOE_TYPE_DECIMAL, (uint8_t)precision, (uint8_t)scale};
    return t;
}
static inline bool floe_type_eq(floe_type a, floe_type b)
{
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale;
}

/* Powers of ten 10^0 .. 10^18 (DECIMAL scaling). */
extern const int64_t floe_pow10[19];

/* Bytes per value in a vector/column array (floe_string is 16, interval 16). */
size_t floe_type_size(floe_type t);
/* SQL name, e.g. "BIGINT", "DECIMAL(12,2)", into buf (always NUL-terminated). */
const char *floe_type_name(floe_type t, char *buf, size_t cap);
/* Parse a SQL type name (case-insensitive; aliases INT, INT4, INT8, LONG,
 * FLOAT8, REAL->DOUBLE, FLOAT, TEXT, STRING, CHAR(n), VARCHAR(n), BOOL,
 * DATETIME, NUMERIC(p,s), DECIMAL(p,s), DECIMAL -> DECIMAL(18,3)).
 * Returns FLOE_OK or FLOE_PARSE with a message. */
int floe_type_parse(const char *s, size_t n, floe_type *out, floe_err *err);
bool floe_type_is_integer(floe_type t);  /* INTEGER, BIGINT */
bool floe_type_is_numeric(floe_type t);  /* integers, DOUBLE, DECIMAL */
bool floe_type_is_temporal(floe_type t); /* DATE, TIMESTAMP */

typedef struct floe_value {
    floe_type type;
    bool is_null;
    union {
        int64_t i;
        double d;
        floe_string s;
        floe_interval iv;
    } v;
} floe_value;

static inline floe_value floe_value_null(floe_type t)
{
    floe_value v;
    v.type = t;
    v.is_null = true;
    v.v.i = 0;
    return v;
}

/* Load value `row` of an array in `t`'s physical layout into *out. */
void floe_value_load(floe_type t, const void *data, size_t row, floe_value *out);
/* Store v (not NULL) into slot `row` of an array in v->type's layout. */
void floe_value_store(const floe_value *v, void *data, size_t row);
/* Three-way compare of two non-NULL values of the same type id. */
int floe_value_cmp(const floe_value *a, const floe_value *b);
/* Render as text: SQL-standard forms ("2024-01-01", "2024-01-01 10:00:00.123",
 * "12.50", "true", doubles shortest round-trip). Returns bytes written
 * (excluding NUL), truncating to cap-1. NULL renders as "NULL". */
size_t floe_value_format(const floe_value *v, char *buf, size_t cap);

#endif
