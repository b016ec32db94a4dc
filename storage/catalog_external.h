/* storage/catalog_external.h: external tables in the catalog (files queried in place).
 *
 * An external table is a dataset of files floe does not own (Parquet, CSV,
 * JSON lines) registered by CRAWL (db/crawl.c): its format and reading
 * options, its columns (the files' columns, then the hive partition keys,
 * flagged), and the files it was crawled with (path, size, modification
 * time). Queries read exactly those files; a re-crawl replaces the record.
 *
 * Storage: three sqlite tables (ext_tables, ext_columns, ext_files) created
 * by the first floe_catalog_ext_put with CREATE TABLE IF NOT EXISTS, so a
 * catalog without external tables is unchanged and older floe builds open
 * it (they ignore the tables). A put replaces the table's three records in
 * one transaction. Names are case-insensitive like tables.
 *
 * Ownership: a returned floe_ext_table is owned by the caller
 * (floe_ext_table_free). Thread-safety: like every catalog call (the
 * catalog's mutex).
 */
#ifndef FLOE_STORAGE_CATALOG_EXTERNAL_H
#define FLOE_STORAGE_CATALOG_EXTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/catalog.h"
#include "util/err.h"
#include "util/types.h"

typedef struct floe_ext_column {
    char *name;
    floe_type type;
    bool partition; /* a hive partition key (from the paths, not the files) */
} floe_ext_column;

typedef struct floe_ext_file {
    char *path;
    uint64_t size;    /* bytes */
    int64_t mtime_us; /* modification time */
} floe_ext_file;

typedef struct floe_ext_table {
    char *name;
    char *format;      /* "parquet", "csv" or "json" */
    char *location;    /* what was crawled (path or glob) */
    char *options;     /* reading options, "key=value;..." (CSV dialect) */
    int64_t crawled_us;
    floe_ext_column *cols;
    uint32_t ncols;
    floe_ext_file *files;
    uint32_t nfiles;
} floe_ext_table;

/* Create or replace t (by name). FLOE_IOERR/FLOE_CORRUPT/FLOE_NOMEM. */
int floe_catalog_ext_put(floe_catalog *c, const floe_ext_table *t, floe_err *err);
/* Load external table `name`: FLOE_OK, FLOE_NOTFOUND (err not set). */
int floe_catalog_ext_get(floe_catalog *c, const char *name, floe_ext_table **out, floe_err *err);
/* Remove it: FLOE_OK, FLOE_NOTFOUND. */
int floe_catalog_ext_drop(floe_catalog *c, const char *name, floe_err *err);
/* Names of every external table (free with floe_catalog_ext_names_free). */
int floe_catalog_ext_list(floe_catalog *c, char ***out, uint32_t *out_n, floe_err *err);
void floe_catalog_ext_names_free(char **names, uint32_t n);
void floe_ext_table_free(floe_ext_table *t); /* NULL ok */

#endif
