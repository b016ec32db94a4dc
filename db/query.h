/* db/query.h: statement execution behind floe_exec/floe_query (api/db.c), and COPY.
 *
 * floe_db_run parses every statement of `sql` in turn and runs it; the
 * result of the last one is returned. COPY lives in db/copy.c. Callers hold
 * no lock; statement functions below are called by run_statement with
 * db->ddl_lock held (shared).
 */
#ifndef FLOE_DB_QUERY_H
#define FLOE_DB_QUERY_H

#include "db/db.h"
#include "sql/binder.h"

/* Run every statement of sql (db, sql non-NULL); *out_res (when out_res is
 * not NULL) gets the last one's result, owned by the caller. flags are
 * floe.h's FLOE_QUERY_* (READONLY refuses every statement that writes or
 * touches files, before running it). The error goes to err; api/ copies
 * it to the handle. */
int floe_db_run(floe_db *db, const char *sql, unsigned flags, floe_result **out_res, floe_err *err);
/* floe_db_run with values for the parameters $1..$nparams (and ?s) of its
 * statements (sql/binder.h floe_bind_statement_params); VARCHAR values are
 * borrowed for the call. */
int floe_db_run_params(floe_db *db, const char *sql, unsigned flags, const floe_value *params,
                       uint32_t nparams, floe_result **out_res, floe_err *err);

/* Per-call limits of floe_query_with (floe.h): floe_db_run under them.
 * They reach every plan the call runs (queries, INSERT ... SELECT, COPY
 * TO) through a thread-local set for the call's duration: plans run from
 * the calling thread (floe_db_run_plan builds the executor there). */
typedef struct floe_db_run_limits {
    atomic_int *cancel;   /* nonzero stops the call's plans (FLOE_INTERRUPT); may be NULL */
    int64_t deadline_ns;  /* floe_os_clock_mono_ns() deadline; 0: none */
    uint32_t timeout_ms;  /* named in the timeout's message */
    uint64_t mem_limit;   /* bytes one plan may hold; 0: only the database's memory_limit */
} floe_db_run_limits;
int floe_db_run_limited(floe_db *db, const char *sql, unsigned flags, const floe_db_run_limits *lim,
                        floe_result **out_res, floe_err *err);

/* Receives each result batch of a plan (borrowed for the call). */
typedef int (*floe_batch_sink)(void *ctx, floe_batch *b, floe_err *err);
/* Run a plan over snapshots of its tables, feeding every batch to sink. */
int floe_db_run_plan(floe_db *db, const floe_query_plan *qp, int64_t now_us,
                     floe_batch_sink sink, void *sink_ctx, floe_err *err);
/* floe_db_run_plan, with the scans of table `parts_only` (a floe_db_table,
 * or NULL) reading its committed parts alone (DELETE/UPDATE, db/dml.c). */
int floe_db_run_plan_ex(floe_db *db, const floe_query_plan *qp, int64_t now_us,
                        const void *parts_only, floe_batch_sink sink, void *sink_ctx,
                        floe_err *err);
/* DELETE / UPDATE (db/dml.c): run the bound statement; *out gets a result
 * without rows whose rows_changed is the number of rows deleted/updated. */
int floe_db_dml(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                floe_err *err);
/* COPY table FROM 'file' (...) and COPY table|(query) TO 'file' (...). */
int floe_copy_from(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err);
int floe_copy_to(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                 floe_err *err);
/* COPY ... TO in Parquet (db/copy_parquet.c): whether the statement asks
 * for it (FORMAT parquet, a .parquet path, or PARTITION_BY), and the copy. */
bool floe_copy_is_parquet(const floe_bound_copy *bc);
int floe_copy_to_parquet(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                         floe_err *err);

#endif
