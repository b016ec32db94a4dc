/* bench/bench_data.h: the benchmark datasets (events, lineitem) as column
 * batches and as CSV files.
 *
 * A floe_bench_data is a bounded stream of generated rows of one dataset:
 * `events` (bench/gen.h, `size` = rows, default seed 20240101) or a TPC-H
 * table (bench/gen_tpch.h, `size` = scale factor, default seed 19920101). Batches
 * are column arrays in floe's physical layouts (floe.h), ready for
 * floe_appender_append_columns and for the peer drivers. The CSV writer
 * renders rows exactly as ../shared/peers/gen_data does (header line
 * included), so `floe_bench_data_write_csv` output is byte-identical to
 * `gen_data events --rows N` / `gen_data <table> --sf X`.
 * Ownership: a batch owns its column arrays; VARCHAR values in a batch are
 * borrowed from the generator and valid until the next floe_bench_data_next.
 * One stream per thread; schemas are static and shareable.
 */
#ifndef FLOE_BENCH_DATA_H
#define FLOE_BENCH_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "floe.h"
#include "util/err.h"

#define FLOE_BENCH_MAX_COLS 16
#define FLOE_BENCH_BATCH_ROWS 2048 /* rows per batch, at most */
#define FLOE_BENCH_EVENTS_SEED 20240101ULL

typedef struct floe_bench_schema {
    const char *table;          /* "events" or "lineitem" */
    uint32_t ncols;
    const char *const *names;   /* column names */
    const floe_type_id *types;  /* logical types */
} floe_bench_schema;

extern const floe_bench_schema floe_bench_events_schema;
extern const floe_bench_schema floe_bench_lineitem_schema;

/* Schema by table name (events, lineitem, and the other seven TPC-H tables
 * orders, customer, part, supplier, partsupp, nation, region, typed as the
 * peers kit's DuckDB runner); NULL when unknown. */
const floe_bench_schema *floe_bench_schema_find(const char *table);

typedef struct floe_bench_batch {
    const floe_bench_schema *schema;
    uint32_t n;                        /* rows filled */
    void *cols[FLOE_BENCH_MAX_COLS];   /* FLOE_BENCH_BATCH_ROWS values each */
    char *strings;                     /* owned copies of the VARCHAR bytes, or NULL */
} floe_bench_batch;

/* Allocate the column arrays of a batch of `schema`. FLOE_NOMEM on failure
 * (nothing to free then). Free with floe_bench_batch_free (NULL-safe). */
int floe_bench_batch_init(floe_bench_batch *b, const floe_bench_schema *schema, floe_err *err);
void floe_bench_batch_free(floe_bench_batch *b);
/* Copy the VARCHAR bytes the batch points at into storage the batch owns,
 * so it stays valid after the generator moves on (pre-generated pools). */
int floe_bench_batch_own_strings(floe_bench_batch *b, floe_err *err);
/* Bytes of the batch's values as handed to an appender: fixed-width values
 * plus the string bytes. */
uint64_t floe_bench_batch_bytes(const floe_bench_batch *b);
/* Append the batch's rows to f as gen_data CSV lines. FLOE_IOERR on write error. */
int floe_bench_batch_write_csv(const floe_bench_batch *b, FILE *f, floe_err *err);

typedef struct floe_bench_data floe_bench_data;

/* A stream of `table` ("events": size = rows; TPC-H tables: size = scale
 * factor) from `seed` (0 = the dataset's default seed). */
int floe_bench_data_new(const char *table, double size, uint64_t seed, floe_bench_data **out,
                        floe_err *err);
void floe_bench_data_free(floe_bench_data *d);
const floe_bench_schema *floe_bench_data_schema(const floe_bench_data *d);
/* Rows of the whole stream; -1 for orders (known only by generating). */
int64_t floe_bench_data_rows(const floe_bench_data *d);
/* Fill b (of this stream's schema) with up to `max` (<= FLOE_BENCH_BATCH_ROWS)
 * next rows; returns the rows filled (b->n), 0 at the end of the stream. */
uint32_t floe_bench_data_next(floe_bench_data *d, floe_bench_batch *b, uint32_t max);

/* Render a TIMESTAMP (µs) as 'YYYY-MM-DD HH:MM:SS.mmm' (23 bytes, gen_data's
 * text, millisecond precision) and a DATE as 'YYYY-MM-DD' (10 bytes) into buf;
 * return the end of the text (not NUL-terminated). */
char *floe_bench_put_ts(char *buf, int64_t micros);
char *floe_bench_put_date(char *buf, int32_t days);

/* Write the whole dataset to `path` as gen_data CSV with its header; the
 * file size goes to *out_bytes when not NULL. */
int floe_bench_data_write_csv(const char *table, double size, uint64_t seed, const char *path,
                              uint64_t *out_bytes, floe_err *err);

#endif
