/* db/lake.h: files queried in place: read_parquet, read_csv and read_json.
 *
 * A dataset is what one table function call in FROM names: its files (a
 * glob, a list of globs or directories; db/lake_files.h), its columns and
 * how to read them. floe_lake_dataset_open resolves the call's arguments
 * when the statement is bound (the catalog's table_function callback,
 * sql/binder.h): it lists the files, reads the schema (Parquet footers; the
 * sniffer, ingest/sniff.h, on a sample of the first CSV/JSON file) and
 * cuts the work into morsels: one per Parquet row group, one per CSV
 * chunk (files over chunk_bytes are cut after a line feed; a dataset whose
 * sample has quoted line breaks is read one morsel per file), one per JSON
 * file.
 *
 * Columns: the files' columns (Parquet: the first file's, the others
 * matched by name, a missing one NULL, a different type an error naming
 * both files; CSV/JSON: the sniffed or declared ones), then the hive
 * partition keys found in the paths (`year=2024/...`, typed BIGINT, DATE
 * or VARCHAR as every file's value allows; hive_partitioning = false turns
 * them off), then `filename` (VARCHAR) when filename = true (or a name).
 *
 * floe_lake_source_new wraps a dataset as an engine scan source
 * (engine/source.h): workers read morsels in parallel; only the projected
 * columns are read (Parquet column chunks, CSV fields converted, JSON keys);
 * predicates on partition columns skip whole files and predicates on
 * Parquet columns skip row groups by their statistics (morsel_may_match).
 *
 * Ownership and lifetime: the dataset is owned by whoever opened it (the
 * statement's catalog view, db/query.c) and must outlive every source made
 * over it; a source borrows it. Thread-safety: the dataset is read-only
 * after open except its atomic counters; cursors per engine/source.h.
 */
#ifndef FLOE_DB_LAKE_H
#define FLOE_DB_LAKE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/source.h"
#include "ingest/csv.h"
#include "lake/parquet_read.h"
#include "sql/binder.h"
#include "util/arena.h"
#include "util/err.h"

typedef enum floe_lake_format {
    FLOE_LAKE_PARQUET,
    FLOE_LAKE_CSV,
    FLOE_LAKE_JSON,
    FLOE_LAKE_RANGE /* range(a, b, step) / generate_series: no files, one BIGINT column */
} floe_lake_format;

typedef struct floe_lake_file {
    const char *path;       /* arena */
    uint64_t size;          /* bytes */
    int64_t mtime_us;
    floe_value *part;       /* nhive partition values (strings in the arena) */
    floe_pq_file *pq;       /* PARQUET: the open footer, owned */
    uint32_t *colmap;       /* PARQUET: file column of each dataset file column, or UINT32_MAX */
} floe_lake_file;

typedef struct floe_lake_morsel {
    uint32_t file;
    uint64_t a, b;          /* row groups [a, b) (PARQUET) or bytes [a, b) (CSV) */
    uint64_t rows;          /* rows, or an estimate */
} floe_lake_morsel;

typedef struct floe_lake_dataset {
    floe_lake_format fmt;
    const char *func;       /* function name for messages */
    floe_arena *arena;      /* names, paths, values */
    floe_lake_file *files;
    uint32_t nfiles;
    uint32_t ncols;         /* every column: file columns, hive keys, filename */
    uint32_t nfilecols;
    uint32_t nhive;
    int filename_col;       /* index of the filename column, -1 none */
    const char **names;
    floe_type *types;
    floe_lake_morsel *m;
    uint32_t nm;
    uint64_t est_rows;
    /* CSV */
    floe_csv_opts csv;      /* delimiter, quote, escape, header, null_str */
    /* JSON */
    int json_array;         /* -1: detect per file, 0 lines, 1 array */
    /* RANGE: values start + k * step for k in [0, count); morsels are k ranges */
    int64_t range_start, range_step;
    /* counters, for tests and EXPLAIN-like checks */
    _Atomic uint64_t files_skipped;    /* morsels skipped on partition values */
    _Atomic uint64_t groups_skipped;   /* morsels skipped on row-group statistics */
    _Atomic uint64_t morsels_read;     /* morsels opened */
} floe_lake_dataset;

/* Resolve a table function call: `func` is read_parquet, read_csv (also
 * read_csv_auto) or read_json (read_json_auto, read_ndjson), or range(stop),
 * range(start, stop[, step]) (stop excluded) and generate_series (stop
 * included), DuckDB's row generators; args as the
 * binder folded them. FLOE_NOTFOUND when func is none of these (err not
 * set), FLOE_ERROR for bad arguments, the sniffer's and reader's errors
 * (FLOE_PARSE, FLOE_CORRUPT, FLOE_IOERR) naming the file, FLOE_NOMEM. */
int floe_lake_dataset_open(const char *func, const floe_tf_arg *args, uint32_t nargs,
                           floe_lake_dataset **out, floe_err *err);
void floe_lake_dataset_free(floe_lake_dataset *d); /* NULL ok */

/* A JSON file of d as JSON lines (a top-level array converted, as d's
 * format option says) into *out (free with floe_free). */
int floe_lake_json_text(const floe_lake_dataset *d, const char *path, char **out, size_t *out_n,
                        floe_err *err);

/* A scan source over d (borrowed). FLOE_NOMEM. */
int floe_lake_source_new(floe_lake_dataset *d, floe_scan_source *out, floe_err *err);

#endif
