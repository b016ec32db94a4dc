/* db/db.h: the database handle behind floe.h and its tables' runtime state.
 *
 * Implemented by db/open.c (open/close, writer lock, read-only snapshots),
 * db/table.c (a table's runtime state and part list) and db/flush.c (the
 * flush callbacks and sorted part writing); api/db.c wraps them as floe.h's
 * floe_db_* functions and owns the handle's last error (db->err).
 *
 * A floe_db owns: the sqlite3 catalog (storage/catalog.h), the ingest state
 * (ingest/table.h: WAL, sharded memtables, flusher thread) and one
 * floe_db_table per table with the table's definition, its directory
 * <db>/tables/<id>/ and the list of open part readers that are committed.
 *
 * Concurrency
 *  - db->ddl_lock (rwlock): every statement and appender operation holds it
 *    shared; CREATE/DROP/ALTER hold it exclusively, so a table is never
 *    dropped or changed under a running query or appender.
 *  - A table's part list changes only inside the flush commit callback,
 *    which ingest calls with the table's visibility lock held exclusively,
 *    and in maintenance passes (db/maintain.h) under the same lock;
 *    queries copy the list (taking a reference on each reader) while holding
 *    it shared (floe_ingest_read_lock) together with the memtable snapshot,
 *    so a query sees each row exactly once.
 *  - A table's dml_mu serialises the statements and passes that rewrite
 *    its existing parts: DELETE/UPDATE (db/dml.c: delete vectors) and
 *    merges/TTL (db/maintain.c), so a merge never drops rows a concurrent
 *    DELETE marks, and a DELETE never marks a part a merge is replacing.
 *    Flushes and appends never take it. Lock order: ddl_lock -> dml_mu ->
 *    the visibility lock.
 *  - The last error (db->err) is per handle, like sqlite3_errmsg: concurrent
 *    statements on one handle see each other's messages.
 *  - One writer per directory: a writable open holds an OFD fcntl write
 *    lock on <db>/LOCK (which holds the holder's pid) from before it changes
 *    anything until close. A read-only handle (db->readonly) takes no lock,
 *    reads a snapshot (committed parts + WAL tail) at open, then closes its
 *    catalog (db->cat == NULL): queries never need it, every writing path
 *    refuses with FLOE_READONLY, and no flusher or maintenance thread runs.
 * Layout on disk: <db>/LOCK, <db>/catalog.db, <db>/wal/, <db>/tables/<id>/part-<n>/.
 */
#ifndef FLOE_DB_DB_H
#define FLOE_DB_DB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "floe.h"
#include "ingest/table.h"
#include "storage/catalog.h"
#include "storage/part.h"
#include "util/err.h"

typedef struct floe_db_table {
    floe_db *db;
    floe_table_def *def;          /* owned */
    char *dir;                    /* <db>/tables/<id>, owned */
    floe_ingest_table *ingest;    /* owned */
    floe_part_reader **parts;     /* committed parts, each holding one reference */
    uint32_t nparts, cap_parts;
    uint32_t reserved_parts;      /* slots reserved by flushes between catalog commit and listing */
    uint64_t part_rows;           /* rows in parts */
    uint64_t part_bytes;          /* bytes on disk of parts */
    uint64_t flushed_raw_bytes;   /* memtable bytes of the parts flushed since open */
    uint64_t flushed_disk_bytes;  /* ... and those parts' bytes on disk */
    _Atomic uint64_t rows_ingested; /* since open */
    _Atomic uint64_t flushes;     /* parts written since open */
    int sort_cols[16];            /* sort key column indexes */
    uint32_t nsort;
    struct floe_db_cons *cons;    /* constraints and indexes (db/constraint.h); NULL when
                                   * none; owned, replaced only under ddl_lock exclusive */
    pthread_mutex_t dml_mu;       /* DELETE/UPDATE (db/dml.c) and merge/TTL passes
                                   * (db/maintain.c): one at a time per table, each
                                   * from choosing its parts to its part-list swap */
} floe_db_table;

struct floe_db {
    char *path;                   /* database directory; owned */
    bool in_memory;               /* path is a private temporary directory */
    bool is_open;                 /* the open succeeded (a failed open's handle only
                                   * serves floe_db_errmsg and floe_db_close) */
    bool readonly;                /* FLOE_OPEN_READONLY: a snapshot; cat is NULL after open */
    int lock_fd;                  /* <path>/LOCK holding the writer lock, -1 none */
    long lock_pid;                /* read-only: the writer's pid seen at open, 0 none */
    floe_catalog *cat;
    floe_ingest_db *ingest;
    pthread_rwlock_t ddl_lock;
    pthread_mutex_t err_mu;
    floe_err err;                 /* last error */
    floe_db_table **tables;       /* owned */
    uint32_t ntables, cap_tables;
    atomic_int interrupt;
    _Atomic uint64_t prog_total;  /* rows the running plan's scans will read (0: none) */
    _Atomic uint64_t prog_done;   /* rows they have read so far */
    atomic_int nappenders;        /* open appenders */
    int64_t opened_us;            /* wall clock at open */
    int64_t opened_mono_us;       /* monotonic clock at open (rates) */
    _Atomic uint32_t nthreads;    /* query workers (SET threads; db/settings.c) */
    uint32_t nthreads_default;    /* at open: the option or online CPUs (RESET threads) */
    _Atomic uint64_t mem_limit;   /* memory_limit in bytes (SET memory_limit) */
    uint64_t mem_limit_default;   /* at open: the option or 80% of detected memory */
    uint64_t memtable_limit_opt;  /* floe_open_options.memtable_limit (0: a share of mem_limit) */
    atomic_uint_least64_t query_mem; /* bytes held by all running queries (the accountant) */
    struct floe_maintain *maint;  /* merges and TTL (db/maintain.h); owned */
    void (*log)(void *ctx, int level, const char *msg); /* floe_open_options.log (db/log.h) */
    void *log_ctx;
    uint32_t maintain_interval_ms; /* at open: the option (0: default) */
    /* COPY FROM tuning (floe_copy_set_tuning, db/copy.h); 0 = default */
    size_t copy_chunk_bytes;
    uint64_t copy_bulk_rows;
    uint32_t copy_threads;
    bool no_sync;                 /* in memory or FLOE_OPEN_DURABILITY_OFF: appends never fsync */
    floe_catalog_object *views;   /* the views (db/ddl.c), loaded at open and after each
                                   * CREATE/DROP VIEW under ddl_lock exclusive; owned */
    uint32_t nviews;
    pthread_mutex_t prep_mu;      /* guards the prepared statements (db/prepared.h) */
    struct floe_db_prepared *prepared; /* owned */
    uint32_t nprepared, capprepared;
    bool salvage;                 /* FLOE_OPEN_SALVAGE (db/salvage.c) */
    uint32_t salvaged;            /* parts and WAL segments moved to quarantine at open */
};

/* ---- db/open.c */
/* Open the database at path (NULL, "" or ":memory:": a private scratch
 * directory) into db, a zeroed handle the caller allocated, with options o
 * (NULL: defaults). On failure everything opened is released but db itself
 * stays allocated (the caller records err on it and the user frees it with
 * floe_db_close). */
int floe_db_open_dir(floe_db *db, const char *path, const floe_open_options *o, floe_err *err);
/* Stop maintenance, flush and close every table, release the writer lock
 * and free db (always). Returns the first table's close failure (err set;
 * its rows stay in the WAL and are recovered at the next open). Caller
 * made sure no appender is open. */
int floe_db_shutdown(floe_db *db, floe_err *err);

/* ---- db/flush.c */
/* Fill ingest's flush callbacks for db (ctx = db). */
void floe_db_flush_callbacks(floe_db *db, floe_ingest_callbacks *cb);
/* A recovery warning (ingest's and part GC's warning callback; ctx = db). */
void floe_db_warning(void *ctx, const char *msg);

/* ---- db/table.c */
/* Make room for one more part in t->parts ahead of a commit (counted in
 * t->reserved_parts), so listing it after the commit cannot fail. Takes the
 * visibility lock exclusively. FLOE_NOMEM. */
int floe_db_parts_reserve(floe_db_table *t);
/* Append r to t->parts (taking over its reference) and count its rows;
 * cannot fail when a slot was reserved. Caller holds the visibility lock
 * exclusively (or owns t alone). FLOE_NOMEM. */
int floe_db_parts_push(floe_db_table *t, floe_part_reader *r);
/* Find a table by name (case-insensitive); NULL when absent. Caller holds ddl_lock. */
floe_db_table *floe_db_find_table(floe_db *db, const char *name);
/* Open the runtime state of a catalog table (parts, WAL replay) and add it
 * to db->tables; takes ownership of def. Caller holds ddl_lock exclusively. */
int floe_db_add_table(floe_db *db, floe_table_def *def, floe_err *err);
/* Close a table's ingest state (flushing first when `flush`), remove it from
 * db->tables and free it. Caller holds ddl_lock exclusively. */
int floe_db_close_table(floe_db *db, floe_db_table *t, bool flush, floe_err *err);
/* Remove <db>/tables/<id> (after DROP TABLE). */
void floe_db_remove_table_files(floe_db *db, int64_t table_id);
/* ---- db/flush.c */
/* Read row `row`, column `col` (table order) of a row source into *out;
 * VARCHAR bytes stay owned by the source. */
typedef void (*floe_db_row_fn)(void *ctx, uint64_t row, uint32_t col, floe_value *out);
/* Write rows [0, nrows) of a row source (all table columns) through w in the
 * order of t's sort key (t->nsort > 0; NULLs last, ties in source order).
 * Used by flushes and bulk COPY. FLOE_NOMEM or the writer's error. */
int floe_db_write_sorted(floe_part_writer *w, const floe_db_table *t, floe_db_row_fn get,
                         void *get_ctx, uint64_t nrows, floe_err *err);
/* Bulk load (COPY): open a writer for a new part of t (caller appends rows
 * in table column order, then publishes or aborts it). */
int floe_db_bulk_part_open(floe_db *db, floe_db_table *t, floe_part_writer **out, floe_err *err);
/* Finish w (consumed either way), then, holding t's visibility lock
 * exclusively, commit the part in the catalog (the commit point: before it a
 * crash leaves only files that open-time GC removes) and list it in t->parts.
 * On failure nothing is visible and the part's files are removed. */
int floe_db_bulk_part_publish(floe_db *db, floe_db_table *t, floe_part_writer *w, floe_err *err);
/* ---- db/salvage.c (FLOE_OPEN_SALVAGE) */
/* Read every block of schema columns [0, ncols) of r: FLOE_OK or the first
 * decode/checksum error (FLOE_CORRUPT naming file and block). */
int floe_db_verify_part(const floe_part_reader *r, uint32_t ncols, floe_err *err);
/* Move committed part p of t to quarantine, drop it from the catalog, and
 * report it (REPORT file + log) with `why`. FLOE_IOERR or a catalog error. */
int floe_db_salvage_part(floe_db *db, floe_db_table *t, const floe_catalog_part *p,
                         const char *why, floe_err *err);
/* Check every part of parts[0, *nparts) (open + every block) and salvage
 * the damaged ones; they are moved to the end of the array and *nparts
 * lowered (the array keeps its length for floe_catalog_parts_free). */
int floe_db_salvage_parts(floe_db *db, floe_db_table *t, floe_catalog_part *parts,
                          uint32_t *nparts, floe_err *err);
/* Append a line to <db>/quarantine/REPORT, log it (WARN), count it. */
void floe_db_salvage_note(floe_db *db, const char *line);

/* FLOE_READONLY with a message naming `what` when db is read-only or has
 * stopped writing after an I/O error (fail-stop, ingest/table.h: every
 * write path -- appends, flushes, merges, COPY, DDL -- refuses until the
 * database is reopened), else FLOE_OK. */
int floe_db_check_writable(floe_db *db, const char *what, floe_err *err);

/* ---- db/text_batch.c */
/* floe_append_text_batch (floe.h) below api/: parse data as CSV or JSON
 * lines for `table` and append all rows as one ingest transaction. res
 * gets rows, duplicate, last_seq and error_line; the error goes to err. */
int floe_db_append_text(floe_db *db, const char *table, const char *data, size_t len,
                        const floe_text_batch_opts *o, floe_text_batch_result *res, floe_err *err);

#endif
