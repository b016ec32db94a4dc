/* db/crawl.h: CRAWL 'path-or-glob' [INTO name]: register files as external tables.
 *
 * Datasets: a glob is one dataset (named after its last directory without
 * wildcards); a file is one dataset (named after its stem); a directory
 * that holds other (non key=value) directories is a collection: each such
 * subdirectory and each file directly in it is a dataset; any other
 * directory (files and key=value partition directories only) is one
 * dataset named after it. Names are lower-cased, other characters than
 * letters, digits and '_' become '_', and INTO name prefixes them
 * ("name_events"). A dataset's format is its files' (.parquet, .csv /
 * .tsv / .txt, .json / .jsonl / .ndjson; files of other formats are left
 * out and counted).
 *
 * Each dataset becomes (or updates) an external table in the catalog
 * (storage/catalog_external.h): format, reading options, columns (the
 * files' columns, then the hive partition keys), and the files with their
 * sizes and modification times. A re-crawl lists the files again: files
 * already registered with the same size and mtime are kept as they are,
 * new and changed files are read for their schema, files gone are dropped.
 * Schema drift: a column a new file adds is appended (Parquet, JSON; a CSV
 * file must keep the table's columns by position); a column whose type
 * differs from the registered one is reported and the file is left out of
 * the table — never coerced. The statement's result has one row per
 * dataset: table, format, files, new_files, removed_files, partitions,
 * columns and the changes in words.
 *
 * Querying: floe_crawl_dataset opens an external table as a lake dataset
 * (db/lake.h) over exactly its registered files with its registered
 * columns, so `SELECT ... FROM events` reads the files in place.
 *
 * Caller holds db->ddl_lock (shared). Not on a read-only database.
 */
#ifndef FLOE_DB_CRAWL_H
#define FLOE_DB_CRAWL_H

#include "db/db.h"
#include "db/lake.h"

/* Run CRAWL; *out is its result (owned by the caller). FLOE_READONLY on a
 * read-only database, FLOE_IOERR naming a missing path, FLOE_ERROR when a
 * dataset's name is a floe table, the catalog's errors. */
int floe_crawl_run(floe_db *db, const char *path, const char *into, floe_result **out,
                   floe_err *err);

/* Open external table `name` as a dataset: FLOE_OK, FLOE_NOTFOUND (no such
 * external table; err not set), or the dataset's errors (a registered file
 * gone: FLOE_IOERR naming it and asking for a re-crawl). */
int floe_crawl_dataset(floe_db *db, const char *name, floe_lake_dataset **out, floe_err *err);

#endif
