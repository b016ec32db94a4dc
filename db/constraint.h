/* db/constraint.h: a table's constraints at run time, and the one write
 * path that enforces them.
 *
 * Every write into a table (the appender, INSERT and CREATE TABLE AS, COPY
 * FROM, text batches) goes through floe_db_append, which hands the batches
 * to ingest as one transaction after checking, for a table that has them:
 *  - CHECK constraints: the stored expression (SQL text in the catalog,
 *    compiled by sql/'s floe_bind_check at open) evaluated over the batch;
 *    a row where it is FALSE fails the whole call (NULL passes, as in SQL).
 *  - PRIMARY KEY, UNIQUE and UNIQUE INDEX: each key has an in-memory hash
 *    set of its encoded values (db/keyset.h) holding every row of the table
 *    (parts, memtables and recovered WAL rows). A key value that is already
 *    in the set or twice in the call fails the whole call with
 *    "duplicate key value violates primary key (id)=(42)" (FLOE_CONSTRAINT);
 *    with skip_conflicts (INSERT ... ON CONFLICT DO NOTHING) those rows are
 *    left out instead. A key with a NULL in it is not indexed and never
 *    conflicts (UNIQUE allows several NULLs; PRIMARY KEY columns are NOT NULL).
 * NOT NULL is checked by each path before (it needs no state).
 *
 * The sets are built when the table is opened, by scanning the key columns
 * of its parts and memtables after WAL replay, so uniqueness holds across a
 * crash; they cost about 40 bytes + the key's bytes per row and key
 * (db/keyset.h), and rebuilding them reads the key columns once. Rows leave
 * a table by TTL and DELETE: keys of expired rows stay in the set until the
 * next open. DELETE and UPDATE (db/dml.c) run the CHECKs on UPDATE's new
 * rows (floe_db_cons_check_rows) and, holding the constraints' mutex from
 * before their commit to after it, build new sets from the table as the
 * statement leaves it (floe_db_cons_stage: untouched rows + new rows; a
 * duplicate fails the statement before anything is committed) and install
 * them after the commit. A read-only handle builds no sets.
 *
 * Concurrency: a table with keys serialises its writers on the
 * constraints' mutex from the check to the key sets' update (so two writers
 * cannot both insert one key); tables without constraints take no lock.
 * Callers hold db->ddl_lock shared; DDL that changes constraints (CREATE /
 * DROP INDEX) holds it exclusively and replaces t->cons whole.
 *
 * Ownership: floe_db_table.cons is owned by the table (freed with it).
 */
#ifndef FLOE_DB_CONSTRAINT_H
#define FLOE_DB_CONSTRAINT_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

typedef struct floe_db_cons floe_db_cons;

/* Build the constraints of t from the catalog's objects of t->def->id plus
 * `extra` (NULL, or one object not yet stored: CREATE INDEX checks the data
 * before it commits), building the key sets from t's rows (not when the db
 * is read-only). *out is NULL when t has no objects. A duplicate in the
 * existing rows is FLOE_CONSTRAINT ("could not create unique index ...").
 * Caller holds ddl_lock exclusively or is opening t. */
int floe_db_cons_load(floe_db *db, floe_db_table *t, const floe_catalog_object *extra,
                      floe_db_cons **out, floe_err *err);
void floe_db_cons_free(floe_db_cons *c); /* NULL ok */

/* Whether t has a PRIMARY KEY / UNIQUE / UNIQUE INDEX on exactly the
 * columns cols[0..n) (in any order): the ON CONFLICT target check. */
bool floe_db_cons_has_key(const floe_db_table *t, const uint32_t *cols, uint32_t n);
/* The catalog objects t was opened with (constraints and indexes), for
 * DESCRIBE, EXPLAIN and information_schema; borrowed until t->cons changes. */
const floe_catalog_object *floe_db_cons_objects(const floe_db_table *t, uint32_t *out_n);
/* Whether t has a key or a CHECK to enforce on writes. */
bool floe_db_cons_enforces(const floe_db_table *t);
/* The CREATE INDEX filter cache of t (db/block_bloom.h), NULL when t has
 * no index; borrowed until t->cons changes (DDL, under ddl_lock exclusive). */
struct floe_db_blooms;
struct floe_db_blooms *floe_db_cons_blooms(const floe_db_table *t);
/* Bytes held by t's key sets. */
uint64_t floe_db_cons_bytes(const floe_db_table *t);

/* Append the live rows of batches[0..n) (table column order and types) to
 * t as one ingest transaction (floe_ingest_append_many's options, results
 * and errors), enforcing t's constraints first as described above. With
 * skip_conflicts, rows whose key exists are dropped and res->rows counts
 * those appended. On any error nothing is appended and no key is added. */
int floe_db_append(floe_db_table *t, const floe_batch *batches, uint32_t n,
                   const floe_ingest_append_opts *o, bool skip_conflicts,
                   floe_ingest_append_result *res, uint64_t *out_shard_seq, floe_err *err);

/* ---- DELETE and UPDATE (db/dml.c) ---- */
struct floe_keyset;
struct floe_part_reader;
/* The table as a DELETE/UPDATE leaves it: listed part old[i] replaced by
 * repl[i] (its new delete vector), and `added` (UPDATE's new part, or NULL)
 * listed too. All borrowed. */
typedef struct floe_db_cons_after {
    struct floe_part_reader *const *old;
    struct floe_part_reader *const *repl;
    uint32_t n;
    struct floe_part_reader *added;
} floe_db_cons_after;
/* Evaluate t's CHECKs over the live rows of b (table column order):
 * FLOE_CONSTRAINT naming the constraint on a row where one is FALSE. */
int floe_db_cons_check_rows(floe_db_table *t, const floe_batch *b, floe_err *err);
/* Whether t has a PRIMARY KEY / UNIQUE / UNIQUE INDEX (key sets to keep). */
bool floe_db_cons_has_keys(const floe_db_table *t);
/* The writers' mutex of t's constraints (t->cons not NULL): held from
 * floe_db_cons_stage to floe_db_cons_install or _staged_free, so no other
 * writer adds a key in between. Lock order: t->dml_mu, then this, then the
 * ingest locks. */
void floe_db_cons_lock(floe_db_table *t);
void floe_db_cons_unlock(floe_db_table *t);
/* Build every key's set from `after` plus t's memtables into *out (an array
 * of nkeys sets, owned by the caller until installed): FLOE_CONSTRAINT
 * "duplicate key value violates ..." on a key found twice. */
int floe_db_cons_stage(floe_db_table *t, const floe_db_cons_after *after,
                       struct floe_keyset **out, floe_err *err);
/* Replace t's sets by the staged ones (takes ownership; cannot fail). */
void floe_db_cons_install(floe_db_table *t, struct floe_keyset *staged);
void floe_db_cons_staged_free(floe_db_table *t, struct floe_keyset *staged); /* NULL ok */

#endif
