/* server/format.h: a query result as a byte stream in an HTTP format.
 *
 * Purpose: `floe serve` streams a floe_result to the client in the format
 * asked (?format=csv|jsonl|json) a piece at a time, so a large result is
 * never rendered whole in memory: floe_srv_format_read fills the caller's
 * buffer with the next bytes, rendering rows as needed.
 *   csv:   a header line with the column names, then one RFC 4180 record a
 *          row (quoted when needed), NULL as an empty field, LF endings.
 *   jsonl: one JSON object a row keyed by column name.
 *   json:  {"columns":[{"name":..,"type":..}],"data":[[..],..],"rows":n}.
 *   arrow: an Arrow IPC stream (server/arrow.c; binary).
 * A stream that fails midway (out of memory) ends with an error record
 * (floe_srv_format_fail) where the format has room for one:
 *   json:  the document is closed as ..],"error":{"message":..,"code":..}}
 *          (no "rows" key: a reader that checks for "error" or "rows" sees it);
 *   jsonl: a last line {"floe_error":{"message":..,"code":..}};
 *   csv:   a last line  #floe_error,<code>,<message>  (quoted as needed);
 *   arrow: no end-of-stream marker (Arrow readers report the truncation).
 * JSON values: NULL null, BOOLEAN true/false, integers, DECIMAL and finite
 * DOUBLE bare numbers, everything else (NaN/inf included) a string in
 * floe's text form; strings are escaped per RFC 8259.
 * Ownership: the formatter borrows res (the caller frees it after
 * floe_srv_format_free). Thread-safety: one thread at a time, like res.
 */
#ifndef FLOE_SERVER_FORMAT_H
#define FLOE_SERVER_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "floe.h"

typedef enum floe_srv_fmt { FLOE_SRV_CSV, FLOE_SRV_JSONL, FLOE_SRV_JSON, FLOE_SRV_ARROW } floe_srv_fmt;

typedef struct floe_srv_format floe_srv_format;

/* "csv", "jsonl" (also "ndjson"), "json", "arrow" -> *out; -1 when unknown. */
int floe_srv_format_parse(const char *name, floe_srv_fmt *out);
/* The HTTP Content-Type of a format (static string). */
const char *floe_srv_format_content_type(floe_srv_fmt f);
/* A formatter over res; NULL on out of memory. */
floe_srv_format *floe_srv_format_new(floe_result *res, floe_srv_fmt f);
/* Copy up to cap (> 0) next bytes into buf: the count, 0 at the end of the
 * stream, or -1 on out of memory. */
long floe_srv_format_read(floe_srv_format *w, char *buf, size_t cap);
void floe_srv_format_free(floe_srv_format *w); /* NULL ok */
/* After floe_srv_format_read failed: the rest of the stream is the
 * format's error record for (code, msg) — read it with
 * floe_srv_format_read, which then ends (0). Returns 0, or -1 when there
 * is no record to send (arrow, or out of memory). */
int floe_srv_format_fail(floe_srv_format *w, const char *code, const char *msg);
/* Test seam: fail (as if out of memory) once `bytes` bytes were read; 0 off. */
void floe_srv_format_fail_after(floe_srv_format *w, uint64_t bytes);

/* Append s (n bytes) to the growable buffer *buf (*len used, *cap bytes)
 * as a JSON string with quotes; 0, or -1 on out of memory. Also used for
 * the server's JSON replies. */
int floe_srv_json_string(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
/* Append n bytes; 0 or -1 on out of memory. */
int floe_srv_buf_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
/* The name of a type ("INTEGER", ...; static). */
const char *floe_srv_type_name(floe_type_id t);

#endif
