/* server/arrow.h: a query result as an Apache Arrow IPC stream (?format=arrow).
 *
 * Purpose: dashboards and dataframes read results column-wise without
 * parsing text. floe writes the stream itself (no Arrow library): the
 * encapsulated messages of the IPC streaming format, metadata version V5,
 * little-endian, each message = 0xFFFFFFFF, int32 metadata length,
 * a FlatBuffers `Message` (padded to 8 bytes), then the body:
 *   1. a Schema message: one nullable field per result column;
 *   2. one RecordBatch message per result chunk (floe_result_chunk_size()
 *      rows; none for an empty result), buffers 8-byte aligned, no
 *      compression;
 *   3. the end-of-stream marker 0xFFFFFFFF 0x00000000.
 * Types: BOOLEAN Bool (bit-packed), INTEGER Int32, BIGINT Int64, DOUBLE
 * Float64, DECIMAL(p,s) Decimal128(p,s), VARCHAR Utf8, DATE Date32 (days),
 * TIMESTAMP Timestamp(microsecond, no time zone), INTERVAL
 * Interval(MONTH_DAY_NANO), NULL Null. Validity bitmaps are floe's own
 * (LSB-first, as Arrow's).
 * A stream that fails midway simply stops before the end-of-stream marker
 * (see server.h for how the HTTP reply says so).
 * Ownership: the writer borrows res. Thread-safety: one thread at a time.
 */
#ifndef FLOE_SERVER_ARROW_H
#define FLOE_SERVER_ARROW_H

#include <stddef.h>

#include "floe.h"

typedef struct floe_srv_arrow floe_srv_arrow;

/* A writer over res; NULL on out of memory. */
floe_srv_arrow *floe_srv_arrow_new(floe_result *res);
/* Copy up to cap next bytes of the stream into buf: the count, 0 at the
 * end, -1 on failure (out of memory, a chunk's strings over 2 GiB). */
long floe_srv_arrow_read(floe_srv_arrow *w, char *buf, size_t cap);
void floe_srv_arrow_free(floe_srv_arrow *w); /* NULL ok */

#endif
