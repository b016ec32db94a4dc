/* ingest/copy_parallel.h: parse a CSV or JSON-lines file on several threads, in file order.
 *
 * Purpose: COPY FROM's parser driver. A regular file at least two chunks
 * long is mapped, cut into chunks (chunk_bytes, default 8 MiB) just after a
 * line feed, and the chunks are parsed speculatively by a pool of threads,
 * each with its own CSV/JSONL reader over its byte range. The calling
 * thread takes the results in file order and hands the batches to `sink`.
 *
 * Correctness of the cuts: a chunk's start is a record start when the
 * previous chunk, itself parsed from a record start, ended with a line break
 * (floe_csv_reader_ended_open false). When a cut falls inside a record (a
 * quoted field holding line feeds), the caller thread re-parses from the
 * verified start over the next chunk(s) until a range ends cleanly, and the
 * speculative results it covered are dropped. JSON lines hold no raw line
 * feeds, so their cuts are always record boundaries.
 *
 * Errors and rejects are exact: workers parse with line numbers relative to
 * their chunk and exact byte offsets; rejected rows are kept per chunk and
 * reported through the caller's on_reject in file order with absolute line
 * numbers; a chunk that fails is parsed again by the calling thread with its
 * absolute first line, streaming to the end of the file, so the error (or
 * the result, when the failure came from a cut inside a record) is exactly
 * the sequential reader's. Small files, non-regular files and nthreads == 1
 * use one sequential reader.
 *
 * Memory: at most window = 2 x nthreads chunks are parsed ahead of the sink,
 * and the mapped pages of consumed chunks are dropped (MADV_DONTNEED), so
 * neither the parsed rows nor the file's pages of a huge file add up.
 * Ownership: the sink owns every batch it is handed (free it with
 * floe_batch_free, also when it fails). Thread-safety: sink and on_reject
 * run on the calling thread only; one call parses one file.
 */
#ifndef FLOE_INGEST_COPY_PARALLEL_H
#define FLOE_INGEST_COPY_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/csv.h"
#include "ingest/jsonl.h"
#include "util/err.h"
#include "util/vec.h"

/* Take the parsed batch *b (owned by the sink from now on). Anything but
 * FLOE_OK stops parsing and is returned. */
typedef int (*floe_copy_sink_fn)(void *ctx, floe_batch *b, floe_err *err);

typedef struct floe_copy_parse_opts {
    bool jsonl;                /* JSON lines (jsonl_opts) instead of CSV (csv_opts) */
    floe_csv_opts csv;         /* first_line/first_offset are set by the driver */
    floe_jsonl_opts js;
    uint32_t nthreads;         /* parser threads; 0 = online CPUs */
    size_t chunk_bytes;        /* 0 = 8 MiB */
} floe_copy_parse_opts;

typedef struct floe_copy_parse_stats {
    uint64_t rows;        /* rows handed to the sink */
    uint64_t rejected;    /* rows reported through on_reject */
    uint32_t chunks;      /* chunks the file was cut into (1: sequential) */
    uint32_t reparsed;    /* chunk ranges parsed again by the calling thread */
} floe_copy_parse_stats;

/* Parse file `path` for `ncols` columns of `types` named `names` (as the
 * readers take them) and hand every batch, in file order, to sink(sink_ctx).
 * Errors: those of the readers (FLOE_PARSE, FLOE_RANGE, FLOE_TYPE with
 * source, line, column and byte offset), FLOE_IOERR (open/map), FLOE_NOMEM,
 * FLOE_ERROR (thread creation), or the sink's. `st` may be NULL. */
int floe_copy_parallel_parse(const char *path, const floe_copy_parse_opts *o, uint32_t ncols,
                         const floe_type *types, const char *const *names,
                         floe_copy_sink_fn sink, void *sink_ctx, floe_copy_parse_stats *st,
                         floe_err *err);

#endif
