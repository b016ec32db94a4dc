/* storage/catalog_internal.h: what storage/catalog.c,
 * storage/catalog_parts.c, storage/catalog_deletes.c and
 * storage/catalog_external.c share (nothing else includes it).
 *
 * The catalog handle's layout and the sqlite helpers: every helper maps a
 * sqlite failure to a floe code and a message naming the catalog file (see
 * floe_catalog_map_error in storage/catalog.h), and the caller holds the
 * catalog mutex around them (c->mu). The handle owns its sqlite3 db.
 */
#ifndef FLOE_STORAGE_CATALOG_INTERNAL_H
#define FLOE_STORAGE_CATALOG_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/catalog.h"

struct floe_catalog {
    sqlite3 *db;
    pthread_mutex_t mu;
    char path[4096]; /* <db_dir>/catalog.db or ":memory:", for messages */
};

/* Run SQL without rows. */
int floe_catalog_exec(floe_catalog *c, const char *sql, const char *what, floe_err *err);
/* Prepare a statement (*st NULL on failure). */
int floe_catalog_prep(floe_catalog *c, const char *sql, sqlite3_stmt **st, const char *what,
                      floe_err *err);
/* Step a statement: FLOE_ROW, FLOE_DONE, or an error code with `err` set.
 * Never treats a failure as the end of the rows. */
int floe_catalog_step(floe_catalog *c, sqlite3_stmt *st, const char *what, floe_err *err);
/* Step a statement that returns no rows, then finalize it. */
int floe_catalog_run(floe_catalog *c, sqlite3_stmt *st, const char *what, floe_err *err);
/* Integer column i that must be a non-NULL integer in [lo, hi]. */
bool floe_catalog_int_col(sqlite3_stmt *st, int i, int64_t lo, int64_t hi, int64_t *out);
/* BEGIN IMMEDIATE; floe_catalog_end commits when rc is FLOE_OK (returning
 * the commit's result), else rolls back and returns rc. */
int floe_catalog_begin(floe_catalog *c, const char *what, floe_err *err);
int floe_catalog_end(floe_catalog *c, int rc, const char *what, floe_err *err);
/* Load table `tid`'s definition (catalog mutex held). */
int floe_catalog_load_table(floe_catalog *c, int64_t tid, floe_table_def **out, floe_err *err);

/* v3 migration and the object rows of a new table (storage/catalog_objects.c). */
extern const char floe_catalog_migration_v3[];
int floe_catalog_insert_objects(floe_catalog *c, int64_t table_id, const floe_catalog_object *objs,
                                uint32_t n, const char *what, floe_err *err);
/* storage/catalog_parts.c: insert a part's rows and column statistics;
 * clear its pending record (transaction and mutex held). */
int floe_catalog_insert_part(floe_catalog *c, int64_t tid, const floe_part_info *p,
                             const char *what, floe_err *err);
int floe_catalog_clear_pending(floe_catalog *c, int64_t part_id, const char *what, floe_err *err);
/* storage/catalog_deletes.c: load p's delete vector, if any, checking it
 * against p->rows (transaction and mutex held). FLOE_CORRUPT when damaged. */
int floe_catalog_load_deletes(floe_catalog *c, floe_catalog_part *p, const char *what,
                              floe_err *err);

/* Damage found by a sanity check on values read back (sqlite itself did not
 * fail): FLOE_CORRUPT naming the catalog file. */
#define BADVAL(c, ...) floe_catalog_bad_value((c), err, __VA_ARGS__)
int floe_catalog_bad_value(floe_catalog *c, floe_err *err, const char *fmt, ...) FLOE_PRINTF(3, 4);

/* The catalog's VFS (storage/catalog_vfs.c): the default one with writes,
 * syncs and truncations routed through util/os's fault hook. Registers it
 * on first use; NULL (use the default) if sqlite refused. */
#define FLOE_CATALOG_VFS "floe-os"
const char *floe_catalog_vfs(void);

#endif
