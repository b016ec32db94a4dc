/* util/datetime.h: calendar arithmetic for DATE, TIMESTAMP and INTERVAL.
 *
 * DATE is int32 days since 1970-01-01 (proleptic Gregorian); TIMESTAMP is
 * int64 microseconds since 1970-01-01 00:00:00 UTC. All functions are pure
 * and thread-safe. Parsers return FLOE_OK or FLOE_PARSE/FLOE_RANGE with a
 * message naming the offending text.
 *
 * Ranges: every int32 is a DATE (about 5.8 million years either side of
 * 1970), every int64 a TIMESTAMP (about 292,000 years), and an INTERVAL has
 * int32 months, int32 days and int64 micros. Nothing here wraps: parsers
 * return FLOE_RANGE ("interval out of range: '...'", "timestamp out of
 * range: '...'") and the arithmetic functions return bool, false when the
 * exact result is outside its type (*out untouched); callers raise
 * FLOE_RANGE naming the operation.
 */
#ifndef FLOE_UTIL_DATETIME_H
#define FLOE_UTIL_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

#include "floe.h"
#include "util/err.h"

#define FLOE_MICROS_PER_SEC 1000000LL
#define FLOE_MICROS_PER_DAY 86400000000LL

int32_t floe_date_from_ymd(int y, int m, int d);
void floe_date_to_ymd(int32_t days, int *y, int *m, int *d);
/* The DATE at midnight as a TIMESTAMP; false beyond the TIMESTAMP range. */
bool floe_date_to_timestamp(int32_t d, int64_t *out);
/* "YYYY-MM-DD" (year up to 6 digits, '-' for years before 1 BC = 0). */
int floe_date_parse(const char *s, size_t n, int32_t *out, floe_err *err);
/* "YYYY-MM-DD[ |T]HH:MM[:SS[.ffffff]][Z|+HH[:MM]]"; a bare date is midnight. */
int floe_timestamp_parse(const char *s, size_t n, int64_t *out, floe_err *err);
/* Interval text as PostgreSQL/DuckDB accept it: "90 days", "1 hour",
 * "1 day 2 hours", "2 minutes 30 seconds", "00:05:00", "1 year 2 months",
 * "1.5 days" (fractions spill down: 1 month = 30 days, 1 day = 24 hours).
 * A count or a field outside its range is FLOE_RANGE, bad text FLOE_PARSE.
 * Units: microsecond(s)/us, millisecond(s)/ms, second(s)/s/sec, minute(s)/m/min,
 * hour(s)/h, day(s)/d, week(s), month(s)/mon, year(s)/y. */
int floe_interval_parse(const char *s, size_t n, floe_interval *out, floe_err *err);
/* `count` of a single unit name as above (e.g. INTERVAL '90' DAY);
 * FLOE_RANGE when count units do not fit. */
int floe_interval_from_unit(int64_t count, const char *unit, size_t unit_len,
                            floe_interval *out, floe_err *err);

/* Formatting into buf (NUL-terminated; returns length). */
size_t floe_date_format(int32_t days, char *buf, size_t cap);
size_t floe_timestamp_format(int64_t micros, char *buf, size_t cap);
size_t floe_interval_format(floe_interval iv, char *buf, size_t cap);

/* Arithmetic: months are added calendar-wise (clamped to month end, like
 * PostgreSQL), then days and micros. Each returns false when the result
 * does not fit its type. */
bool floe_timestamp_add(int64_t ts, floe_interval iv, int64_t *out);
bool floe_date_add_days(int32_t d, int64_t days, int32_t *out);
/* Field-wise -iv and a + b (no normalisation between fields). */
bool floe_interval_neg(floe_interval iv, floe_interval *out);
bool floe_interval_add(floe_interval a, floe_interval b, floe_interval *out);
/* a - b as days + micros (like PostgreSQL's timestamp subtraction). */
bool floe_timestamp_diff(int64_t a, int64_t b, floe_interval *out);

/* Truncation and extraction; `unit` is one of the names below. */
typedef enum floe_dt_unit {
    FLOE_DT_MICROSECOND,
    FLOE_DT_MILLISECOND,
    FLOE_DT_SECOND,
    FLOE_DT_MINUTE,
    FLOE_DT_HOUR,
    FLOE_DT_DAY,
    FLOE_DT_WEEK, /* ISO week, starts Monday */
    FLOE_DT_MONTH,
    FLOE_DT_QUARTER,
    FLOE_DT_YEAR,
    FLOE_DT_DECADE,
    FLOE_DT_CENTURY,
    FLOE_DT_DOW,   /* extract only: 0 = Sunday */
    FLOE_DT_DOY,   /* extract only */
    FLOE_DT_EPOCH, /* extract only: seconds since epoch */
    FLOE_DT_ISODOW
} floe_dt_unit;
/* Parse a unit name (case-insensitive, singular or plural). */
int floe_dt_unit_parse(const char *s, size_t n, floe_dt_unit *out, floe_err *err);
/* false when the truncated value falls below the TIMESTAMP range. */
bool floe_timestamp_trunc(floe_dt_unit unit, int64_t ts, int64_t *out);
/* Extract a field; EPOCH returns seconds (fractional in *out_frac if needed). */
int64_t floe_timestamp_extract(floe_dt_unit unit, int64_t ts);
/* time_bucket(width, ts): floor to a multiple of width since 2000-01-03
 * (DuckDB's origin for day/micro widths); month widths bucket by months
 * since 2000-01-01. false when the bucket start is outside the range. */
bool floe_time_bucket(floe_interval width, int64_t ts, int64_t *out);

#endif
