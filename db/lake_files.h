/* db/lake_files.h: the files of a lake dataset: globs, listings, hive partitions.
 *
 * floe_lake_glob expands one pattern into regular files, sorted by path:
 * `*`, `?` and `[..]` match within one path segment (fnmatch), `**` matches
 * any number of directories (zero included), and a directory matches every
 * regular file below it (hidden names and names starting with '_' skipped,
 * like Spark's _SUCCESS markers). A pattern without wildcards naming a
 * missing file is FLOE_NOTFOUND naming it; a pattern matching nothing is
 * FLOE_NOTFOUND too ("no files match").
 *
 * floe_lake_hive_parse finds `key=value` directory segments of a path
 * (hive partitioning: year=2024/month=01/...): the keys in path order and
 * their values, percent-decoded ("__HIVE_DEFAULT_PARTITION__" stands for
 * NULL).
 *
 * Ownership: a list owns its entries (floe_lake_filelist_free). All file
 * system calls go through util/os. Thread-safety: none needed (one caller).
 */
#ifndef FLOE_DB_LAKE_FILES_H
#define FLOE_DB_LAKE_FILES_H

#include <stdint.h>

#include "util/err.h"

typedef struct floe_lake_entry {
    char *path;       /* owned */
    uint64_t size;    /* bytes */
    int64_t mtime_us; /* modification time, microseconds since the epoch */
} floe_lake_entry;

typedef struct floe_lake_filelist {
    floe_lake_entry *e;
    uint32_t n, cap;
} floe_lake_filelist;

/* Append the files matching `pattern` to *l (then sorted and de-duplicated
 * over the whole list). FLOE_NOTFOUND, FLOE_IOERR, FLOE_NOMEM. */
int floe_lake_glob(const char *pattern, floe_lake_filelist *l, floe_err *err);
void floe_lake_filelist_free(floe_lake_filelist *l);

/* Hive segments of `path`: up to `cap` keys/values, pointers into `buf`
 * (a copy of path made by the call, cap_buf bytes). Returns their count. */
uint32_t floe_lake_hive_parse(const char *path, char *buf, size_t cap_buf, const char **keys,
                              const char **vals, uint32_t cap);

#endif
