/* datagen/gen.h: deterministic data generators for benchmarks and the demo.
 *
 * The events generator reproduces, row for row, the stream of the peers kit
 * (`../shared/peers/gen_data events --rows N`, default seed 20240101): the
 * same xoshiro256** stream, the same distributions (Poisson arrivals over a
 * 7-day window from 2024-01-01 UTC with 1% late rows, zipf users, skewed
 * event types, countries and devices, lognormal durations, revenue only for
 * purchases, zipf URLs), so floe and its peers answer the same questions over
 * the same data. Rows come out in floe's physical layouts (floe.h):
 *   ts TIMESTAMP (µs), user_id BIGINT, event_type VARCHAR, country VARCHAR,
 *   device VARCHAR, duration_ms INTEGER, revenue DOUBLE, url VARCHAR.
 * VARCHAR values point at static strings or at the generator's URL buffer
 * (valid until the next call). One generator per thread; not thread-safe.
 */
#ifndef FLOE_DATAGEN_GEN_H
#define FLOE_DATAGEN_GEN_H

#include <stdint.h>

#include "floe.h"

#define FLOE_GEN_EVENTS_COLS 8
#define FLOE_GEN_EVENTS_SCHEMA                                                          \
    "ts TIMESTAMP, user_id BIGINT, event_type VARCHAR, country VARCHAR, device VARCHAR, " \
    "duration_ms INTEGER, revenue DOUBLE, url VARCHAR"

typedef struct floe_gen_events floe_gen_events;

/* A generator for an `nrows`-row stream (nrows sets the arrival rate and
 * user count exactly as the peers kit does). NULL on OOM. */
floe_gen_events *floe_gen_events_new(int64_t nrows, uint64_t seed);
void floe_gen_events_free(floe_gen_events *g);

/* Generate the next n rows (n <= 2048) into column arrays: ts[n], user_id[n],
 * event_type[n], country[n], device[n], duration_ms[n], revenue[n], url[n].
 * URL strings live in the generator until the next call. */
void floe_gen_events_next(floe_gen_events *g, uint32_t n, int64_t *ts, int64_t *user_id,
                          floe_string *event_type, floe_string *country, floe_string *device,
                          int32_t *duration_ms, double *revenue, floe_string *url);

/* Fill `data` (8 column pointers in the order above) for floe_appender_append_columns. */
void floe_gen_events_columns(floe_gen_events *g, uint32_t n, void *const data[8]);

/* Shift every generated timestamp by `offset_us` (the demo streams "now"). */
void floe_gen_events_set_ts_offset(floe_gen_events *g, int64_t offset_us);

#endif
