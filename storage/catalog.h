/* storage/catalog.h: the catalog: table definitions, committed parts, shard
 * sequence state, stream offsets and producer state, in sqlite3.
 *
 * Purpose: one sqlite3 database (<db_dir>/catalog.db, or in memory) in WAL
 * mode with synchronous=FULL holds everything that must survive a restart
 * besides the data files and the WAL. Committing a part here is the single
 * commit point of a flush or merge (storage/part.h writes the files first).
 * The catalog schema is versioned (schema_version) and upgraded by forward
 * migrations at open; a newer catalog than this build knows is refused.
 *
 * Invariants: table names are unique case-insensitively; column ids are
 * stable (never reused within a table); table and part ids are never reused.
 * shard_state.flushed_seq is the highest sequence number contained in
 * committed parts of that shard (only ever advances); it equals
 * max(highest max_seq of the shard's committed parts, dropped_seq), where
 * dropped_seq is the highest seq of parts TTL dropped whole. Every part id
 * is, from its allocation on, in exactly one of: pending (allocated, its
 * directory maybe being written), committed (parts), garbage (removed by a
 * merge/TTL, its directory maybe not yet deleted); pending and garbage are
 * cleared per table by floe_catalog_gc_done once open-time cleanup has
 * removed those directories. Every function that writes does so in one
 * transaction: on failure nothing changes.
 *
 * Errors: every sqlite step distinguishes a row, the end, and a failure; a
 * failure is never taken for the end of the rows. sqlite damage
 * (SQLITE_CORRUPT, SQLITE_NOTADB, a schema that is not ours) and values
 * that cannot be right (NULL or a wrong type where not allowed, negative
 * ids or sizes, unknown type ids, options naming absent columns, shard
 * ranges outside the table's shards, sequence state the parts do not
 * explain) are FLOE_CORRUPT naming <db_dir>/catalog.db; a full disk is
 * FLOE_IOERR "disk full (ENOSPC) writing '<file>'"; other failures
 * FLOE_IOERR naming the file. Open runs PRAGMA quick_check.
 *
 * Ownership: floe_table_def and floe_catalog_part results are allocated by
 * the catalog and freed by the caller with floe_table_def_free /
 * floe_catalog_parts_free. Inputs are copied.
 *
 * Thread-safety: a floe_catalog may be used from several threads; an
 * internal mutex serialises calls. This is the only file that includes
 * <sqlite3.h>. Errors name what failed: "catalog: create table 'events':
 * table already exists".
 */
#ifndef FLOE_STORAGE_CATALOG_H
#define FLOE_STORAGE_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "storage/part.h"
#include "util/err.h"
#include "util/types.h"

#define FLOE_CATALOG_VERSION 4 /* schema version this build writes */

typedef struct floe_column_def {
    uint32_t id;           /* stable column id (assigned by the catalog) */
    char *name;            /* owned */
    floe_type type;
    bool not_null;
    char *default_text;    /* SQL text of the DEFAULT, NULL when none; owned */
    uint32_t added_version; /* table version that added the column (1 = CREATE) */
} floe_column_def;

typedef struct floe_table_options {
    int64_t partition_col;     /* column id of the partition key, -1 none */
    uint32_t shards;           /* memtable shards, >= 1 */
    uint32_t nsort;            /* sort key columns */
    uint32_t *sort_cols;       /* nsort column ids; owned */
    uint64_t flush_rows;       /* flush a shard after this many rows (0: default) */
    uint64_t flush_bytes;      /* ... or bytes (0: default) */
    uint32_t flush_interval_ms; /* ... or age (0: default) */
    int64_t ttl_seconds;       /* 0: no TTL */
    int64_t ttl_col;           /* column id the TTL applies to, -1 none */
} floe_table_options;

typedef struct floe_table_def {
    int64_t id;            /* assigned by floe_catalog_create_table */
    char *name;            /* owned */
    int64_t created;       /* unix seconds */
    uint32_t version;      /* schema version of the table, +1 per ALTER */
    uint32_t next_col_id;  /* next column id to assign */
    uint32_t ncols;
    floe_column_def *cols; /* ncols, in ordinal order; owned */
    floe_table_options opts;
} floe_table_def;

/* Free a definition and everything it owns. NULL ok. */
void floe_table_def_free(floe_table_def *t);
/* Deep copy. FLOE_NOMEM. */
int floe_table_def_copy(const floe_table_def *src, floe_table_def **out, floe_err *err);
/* Index of the column named `name` (case-insensitive), or -1. */
int floe_table_def_find(const floe_table_def *t, const char *name);
/* Schema view of the table for part readers/writers; `cols` must have room
 * for t->ncols entries and borrows names from t. */
floe_part_schema floe_table_def_schema(const floe_table_def *t, floe_part_column *cols);

typedef struct floe_catalog floe_catalog;

/* Open or create <db_dir>/catalog.db; db_dir NULL means in memory. Runs
 * PRAGMA quick_check (FLOE_CORRUPT unless "ok") and the forward migrations,
 * and checks that the next part id is above every known one. */
int floe_catalog_open(const char *db_dir, floe_catalog **out, floe_err *err);
/* Full PRAGMA integrity_check (slower than the quick_check at open):
 * FLOE_CORRUPT naming the file unless "ok". */
int floe_catalog_integrity_check(floe_catalog *c, floe_err *err);
/* "<db_dir>/catalog.db" or ":memory:", for messages; owned by c. */
const char *floe_catalog_path(const floe_catalog *c);
/* Map a sqlite result code (and the OS errno under it, 0 if none) to a
 * floe code and a message "catalog: <what>: ..." naming `file`: see Errors
 * above. Returns the code. Exposed for tests. */
int floe_catalog_map_error(int sqlite_rc, int sys_errno, const char *file, const char *what,
                           const char *msg, floe_err *err);
void floe_catalog_close(floe_catalog *c); /* NULL ok */

/* Open <db_dir>/catalog.db read-only for a read-only database handle: no
 * journal-mode change, no migration (a schema version other than this
 * build's is FLOE_UNSUPPORTED; an uninitialised catalog FLOE_BUSY) and no
 * checkpoint at close. `immutable` opens it with sqlite's immutable=1 (no
 * locks, no -shm/-wal files created): only when the caller knows no writer
 * is running and no -wal file exists, and it must then check afterwards
 * that none started (the file may not change while it is read). Only the
 * read functions below may be used on it. */
int floe_catalog_open_readonly(const char *db_dir, bool immutable, floe_catalog **out,
                               floe_err *err);
/* A read transaction: every read between begin and end sees one snapshot.
 * Only for a catalog used by one thread meanwhile. end accepts any state. */
int floe_catalog_read_begin(floe_catalog *c, floe_err *err);
void floe_catalog_read_end(floe_catalog *c);
/* sqlite's PRAGMA data_version: changes when another connection commits. */
int floe_catalog_data_version(floe_catalog *c, int64_t *out, floe_err *err);

/* Create a table from `def` (name, columns with name/type/not_null/default,
 * options; ids, versions and `created` are assigned). Column ids are 1..n in
 * order. FLOE_CONSTRAINT when the name exists. *out_id may be NULL. */
int floe_catalog_create_table(floe_catalog *c, const floe_table_def *def, int64_t *out_id,
                              floe_err *err);
/* Constraints, indexes and views (storage/catalog_objects.c; schema v3):
 * one row each in the `objects` table. A table's objects go with it when it
 * is dropped. Index names are unique database-wide case-insensitively, and
 * so are view names; constraint names are informative only. */
typedef enum floe_object_kind {
    FLOE_OBJ_PRIMARY = 1,      /* PRIMARY KEY (col_ids) */
    FLOE_OBJ_UNIQUE = 2,       /* UNIQUE (col_ids) */
    FLOE_OBJ_CHECK = 3,        /* CHECK (sql): the expression's SQL text */
    FLOE_OBJ_INDEX = 4,        /* CREATE INDEX name ON table (col_ids) */
    FLOE_OBJ_UNIQUE_INDEX = 5, /* CREATE UNIQUE INDEX: an index that enforces UNIQUE */
    FLOE_OBJ_VIEW = 6          /* CREATE VIEW name [(aliases)] AS sql; table_id 0 */
} floe_object_kind;

typedef struct floe_catalog_object {
    floe_object_kind kind;
    char *name;       /* owned; constraint names may be generated ("t_pkey") */
    int64_t table_id; /* 0 for views */
    uint32_t ncols;
    uint32_t *col_ids; /* ncols column ids; owned (NULL when 0) */
    char *sql;        /* CHECK expression / view query text; owned, NULL otherwise */
    char *aliases;    /* view column aliases separated by '\x1f', or NULL; owned */
} floe_catalog_object;

/* floe_catalog_create_table plus the table's constraint objects (their
 * table_id is ignored: the new table's), in the same transaction. */
int floe_catalog_create_table_objs(floe_catalog *c, const floe_table_def *def,
                                   const floe_catalog_object *objs, uint32_t nobjs,
                                   int64_t *out_id, floe_err *err);
/* Add one object (FLOE_CONSTRAINT when an index or view of that name exists;
 * a view with `replace` replaces the old one). */
int floe_catalog_add_object(floe_catalog *c, const floe_catalog_object *o, bool replace,
                            floe_err *err);
/* Remove the index (kind INDEX or UNIQUE_INDEX) or view named `name`;
 * FLOE_NOTFOUND when absent. *out_table_id (may be NULL) gets its table. */
int floe_catalog_drop_object(floe_catalog *c, bool view, const char *name, int64_t *out_table_id,
                             floe_err *err);
/* Objects of table_id (0: the views; -1: every object), in creation order.
 * Free with floe_catalog_objects_free. */
int floe_catalog_list_objects(floe_catalog *c, int64_t table_id, floe_catalog_object **out,
                              uint32_t *out_n, floe_err *err);
void floe_catalog_objects_free(floe_catalog_object *o, uint32_t n);

/* Drop a table with its parts, shard state, offsets and producer state.
 * *out_id (may be NULL) gets its id so the caller can remove its files.
 * FLOE_NOTFOUND when absent. */
int floe_catalog_drop_table(floe_catalog *c, const char *name, int64_t *out_id, floe_err *err);
/* ALTER TABLE ADD COLUMN: appends `col` (name, type, not_null, default) with
 * a new id, bumping the table version. FLOE_CONSTRAINT when the name exists. */
int floe_catalog_add_column(floe_catalog *c, const char *table, const floe_column_def *col,
                            uint32_t *out_col_id, floe_err *err);
/* Table definition by name (case-insensitive) or id; FLOE_NOTFOUND. Free
 * with floe_table_def_free. */
int floe_catalog_get_table(floe_catalog *c, const char *name, floe_table_def **out,
                           floe_err *err);
int floe_catalog_get_table_by_id(floe_catalog *c, int64_t id, floe_table_def **out,
                                 floe_err *err);
/* All tables ordered by name; free each with floe_table_def_free and the
 * array with floe_free. */
int floe_catalog_list_tables(floe_catalog *c, floe_table_def ***out, uint32_t *out_n,
                             floe_err *err);

/* A fresh part id (never returned again, even after a crash) for a part of
 * table_id, recorded as pending in the same transaction until
 * floe_catalog_commit_part/replace_parts commits it. */
int floe_catalog_alloc_part_id(floe_catalog *c, int64_t table_id, int64_t *out_id,
                               floe_err *err);

typedef struct floe_shard_range {
    uint32_t shard;
    uint64_t min_seq, max_seq; /* sequence numbers of rows in the part */
} floe_shard_range;

typedef struct floe_stream_offset {
    const char *source;    /* e.g. "kafka" */
    const char *topic;
    int32_t partition;
    int64_t next_offset;   /* first offset not yet in floe */
    int64_t table_id;
} floe_stream_offset;

typedef struct floe_producer_seq {
    const char *producer;
    uint64_t last_seq;
} floe_producer_seq;

typedef struct floe_part_commit {
    int64_t table_id;
    const floe_part_info *part;      /* as filled by floe_part_writer_finish */
    const floe_shard_range *shards;  /* rows of the part per shard */
    uint32_t nshards;
    const floe_stream_offset *offsets; /* stream offsets the flush covers (may be NULL) */
    uint32_t noffsets;
    const floe_producer_seq *producers; /* idempotent producers' last seqs (may be NULL) */
    uint32_t nproducers;
} floe_part_commit;

/* In ONE transaction: insert the part with its column statistics and shard
 * ranges, advance each shard's flushed_seq to at least max_seq, and store
 * the stream offsets and producer seqs (as floe_catalog_set_producer). On
 * any failure nothing is recorded. */
int floe_catalog_commit_part(floe_catalog *c, const floe_part_commit *pc, floe_err *err);

/* Per-column statistics of a committed part. */
typedef struct floe_catalog_part_col {
    uint32_t col_id;
    uint64_t bytes, nulls;
    bool has_minmax, min_trunc, max_trunc;
    floe_value min, max; /* VARCHAR bytes owned by the part list */
} floe_catalog_part_col;

typedef struct floe_catalog_part {
    int64_t id, table_id;
    uint64_t rows, bytes;
    int64_t created; /* unix seconds */
    uint32_t ncols;
    floe_catalog_part_col *cols;
    uint32_t nshards;
    floe_shard_range *shards;
    uint64_t ndeleted;  /* rows deleted by DELETE/UPDATE (0: none) */
    uint64_t *deleted;  /* NULL, or FLOE_BITMAP_WORDS(rows) words, bit set = deleted */
} floe_catalog_part;

/* Committed parts of a table ordered by id, read in one snapshot and
 * checked: every value sane, and per shard flushed_seq consistent with the
 * parts' ranges and TTL drops (see Invariants), else FLOE_CORRUPT. Free
 * with floe_catalog_parts_free. */
int floe_catalog_list_parts(floe_catalog *c, int64_t table_id, floe_catalog_part **out,
                            uint32_t *out_n, floe_err *err);
void floe_catalog_parts_free(floe_catalog_part *parts, uint32_t n);

/* Merges and TTL: in ONE transaction remove parts old_ids[0, nold) (all must
 * be committed parts of table_id, else FLOE_NOTFOUND and nothing changes),
 * recording them as garbage, and, when `merged` is not NULL, add it with
 * the union of the old parts' shard ranges (no longer pending). When
 * `merged` is NULL (a TTL drop) each shard's dropped_seq advances to the
 * highest seq dropped. */
int floe_catalog_replace_parts(floe_catalog *c, int64_t table_id, const int64_t *old_ids,
                               uint32_t nold, const floe_part_info *merged, floe_err *err);

/* DELETE/UPDATE (storage/catalog_deletes.c). The new delete vector of one
 * committed part: FLOE_BITMAP_WORDS(rows) words, bit set = deleted (the
 * whole vector, replacing any earlier one), and its population count. */
typedef struct floe_part_deletes {
    int64_t part_id;
    uint64_t rows;          /* the part's rows (checked against the catalog) */
    const uint64_t *bits;
    uint64_t ndeleted;
} floe_part_deletes;
/* In ONE transaction (the commit point of a DELETE or UPDATE statement):
 * store the delete vectors dels[0, ndels) (each part must be a committed
 * part of table_id with that many rows, else FLOE_NOTFOUND and nothing
 * changes) and, when `added` is not NULL (UPDATE's rewritten rows),
 * commit that part (allocated by floe_catalog_alloc_part_id) without
 * shard ranges, like a bulk COPY part. */
int floe_catalog_commit_deletes(floe_catalog *c, int64_t table_id, const floe_part_deletes *dels,
                                uint32_t ndels, const floe_part_info *added, floe_err *err);

/* Highest sequence number in committed parts for a shard (0 when none). */
int floe_catalog_flushed_seq(floe_catalog *c, int64_t table_id, uint32_t shard,
                             uint64_t *out_seq, floe_err *err);

/* Stream offsets: get (FLOE_NOTFOUND when never stored) and set (upsert). */
int floe_catalog_get_offset(floe_catalog *c, const char *source, const char *topic,
                            int32_t partition, int64_t *out_next, int64_t *out_table_id,
                            floe_err *err);
int floe_catalog_set_offset(floe_catalog *c, const floe_stream_offset *o, floe_err *err);

/* Idempotent producers: last sequence accepted from `producer` into a table
 * (FLOE_NOTFOUND when unknown), and its update (upsert keeping the larger). */
int floe_catalog_get_producer(floe_catalog *c, const char *producer, int64_t table_id,
                              uint64_t *out_last_seq, floe_err *err);
int floe_catalog_set_producer(floe_catalog *c, const char *producer, int64_t table_id,
                              uint64_t last_seq, floe_err *err);

/* Every producer of a table: names (*out_names[i], each and the array freed
 * with floe_free) and last sequence numbers (*out_seqs, floe_free). */
int floe_catalog_list_producers(floe_catalog *c, int64_t table_id, char ***out_names,
                                uint64_t **out_seqs, uint32_t *out_n, floe_err *err);

/* Open-time cleanup of one table (api/db.c with floe_part_gc): the part ids
 * pending and garbage (each array freed by floe_catalog_gc_free), and
 * whether the table predates this bookkeeping (a catalog upgraded from v1:
 * an unexplained part directory is quarantined once, not refused). */
typedef struct floe_catalog_gc {
    int64_t *pending;
    uint32_t npending;
    int64_t *garbage;
    uint32_t ngarbage;
    bool legacy;
} floe_catalog_gc;
int floe_catalog_gc_info(floe_catalog *c, int64_t table_id, floe_catalog_gc *out,
                         floe_err *err);
void floe_catalog_gc_free(floe_catalog_gc *g); /* NULL ok; leaves it empty */
/* Cleanup of table_id finished: forget its pending and garbage ids and its
 * legacy mark. Call only with no flush or merge in flight for the table. */
int floe_catalog_gc_done(floe_catalog *c, int64_t table_id, floe_err *err);

/* Committed part ids of a table; free with floe_free. */
int floe_catalog_part_ids(floe_catalog *c, int64_t table_id, int64_t **out_ids, uint32_t *out_n,
                          floe_err *err);

#endif
