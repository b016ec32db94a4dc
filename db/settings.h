/* db/settings.h: the database's run-time settings (memory_limit, threads)
 * and its memory accountant.
 *
 * Settings are fixed at open from floe_open_options and changed by SQL
 * (SET name {=|TO} value, RESET name, SELECT current_setting('name')), all
 * handled here without the binder. Known settings:
 *   memory_limit  bytes for memtables + queries (DuckDB's spelling and units);
 *   threads       query worker threads.
 *
 * The accountant: one per database (fields in struct floe_db). Memtables are
 * bounded by ingest's back-pressure at floe_settings_memtable_limit(); all
 * running queries together hold at most floe_settings_query_limit() bytes,
 * counted in db->query_mem by the engine (floe_exec_ctx.mem_shared) and by
 * the result buffer of a running query (floe_settings_charge). Both limits
 * follow SET memory_limit at once for new work; a running query keeps the
 * limit it started with.
 *
 * Thread-safety: every function may be called from any thread; settings are
 * atomics on the handle.
 */
#ifndef FLOE_DB_SETTINGS_H
#define FLOE_DB_SETTINGS_H

#include "db/db.h"
#include "engine/plan.h"
#include "sql/ast.h"

/* Take the options (NULL: defaults) into db at open: memory_limit (0: 80%
 * of detected memory), threads (0: online CPUs), memtable_limit. Call before
 * the ingest state is opened; floe_settings_apply_memtables after. */
void floe_settings_open(floe_db *db, const floe_open_options *o);
/* Push the memtable share of the current memory_limit to ingest. */
void floe_settings_apply_memtables(floe_db *db);
/* Bytes memtables may hold / running queries may hold together. */
uint64_t floe_settings_memtable_limit(floe_db *db);
uint64_t floe_settings_query_limit(floe_db *db);
/* Fill the memory fields of an executor context (shared counter, limit,
 * error hint). */
void floe_settings_exec_ctx(floe_db *db, floe_exec_ctx *ctx);
/* Account delta bytes held by a running query outside the engine (its
 * result buffer) under `what`. FLOE_NOMEM with the memory-limit message when
 * the queries' share would be exceeded; the bytes stay counted either way,
 * so the caller gives back exactly what it charged. */
int floe_settings_charge(floe_db *db, int64_t delta, const char *what, floe_err *err);

/* Run a SET/RESET statement; *out gets an empty result. FLOE_ERROR for an
 * unknown setting (the message lists the known ones), FLOE_RANGE for a bad
 * value. */
int floe_settings_run(floe_db *db, const floe_ast_stmt *s, floe_result **out, floe_err *err);
/* When s is SELECT current_setting('name') [[AS] alias] (alone, no FROM),
 * answer it: FLOE_OK with *out a one-row VARCHAR result, or an error for an
 * unknown name. FLOE_NOTFOUND (err untouched) for any other statement. */
int floe_settings_current(floe_db *db, const floe_ast_stmt *s, floe_result **out, floe_err *err);

#endif
