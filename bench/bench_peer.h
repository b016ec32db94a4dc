/* bench/bench_peer.h: one interface over every engine floe-bench drives.
 *
 * A peer is an engine (floe itself, DuckDB, SQLite, ClickHouse) behind a
 * small table of operations: open a fresh database in a directory, create a
 * dataset's table, set a durability mode, append column batches through
 * appenders (one per producer thread), COPY a CSV file, and run a query,
 * timing only its execution (the answer is captured afterwards, untimed).
 * The workloads are written once against this interface, so the same data
 * and the same queries reach each engine.
 *
 * Thread-safety: a peer may be used by several threads when each thread
 * uses its own appender and only one thread runs queries at a time (the
 * mixed workload: producers append while one client queries). Ownership:
 * whoever opens, closes; close a peer's appenders before the peer.
 */
#ifndef FLOE_BENCH_PEER_H
#define FLOE_BENCH_PEER_H

#include <stdint.h>

#include "bench/bench_data.h"
#include "bench/bench_table.h"
#include "util/err.h"

typedef struct floe_bench_peer floe_bench_peer;
typedef struct floe_bench_app floe_bench_app;

/* Durability modes, as floe names them: every flush fsynced ('full'),
 * group-committed ('batch'), or not synced ('off'). */
typedef enum floe_bench_durability {
    FLOE_BENCH_DUR_FULL = 0,
    FLOE_BENCH_DUR_BATCH = 1,
    FLOE_BENCH_DUR_OFF = 2
} floe_bench_durability;
const char *floe_bench_durability_name(floe_bench_durability d);

typedef struct floe_bench_peer_ops {
    const char *name;    /* "floe", "duckdb", "sqlite", "clickhouse" */
    const char *dialect; /* which query text it runs (bench_queries.h) */
    /* Open a fresh database under directory `dir` (created; previous content
     * of the peer's files removed). */
    int (*open)(const char *dir, void **out_state, floe_err *err);
    void (*close)(void *state);
    int (*create_table)(void *state, const floe_bench_schema *schema, floe_err *err);
    /* FLOE_UNSUPPORTED when the engine has no such mode. */
    int (*set_durability)(void *state, floe_bench_durability mode, floe_err *err);
    int (*app_open)(void *state, const floe_bench_schema *schema, void **out_app, floe_err *err);
    int (*app_append)(void *app, const floe_bench_batch *batch, floe_err *err);
    /* Make appended rows durable (per the mode) and visible to queries. */
    int (*app_flush)(void *app, floe_err *err);
    void (*app_close)(void *app);
    /* NULL when the engine has no bulk CSV load from a library call. */
    int (*copy_csv)(void *state, const floe_bench_schema *schema, const char *path, floe_err *err);
    /* Run sql; *out_secs = execution time including materializing the
     * result, not its conversion to text. When out is not NULL the answer
     * is returned there (free with floe_bench_table_free). */
    int (*query)(void *state, const char *sql, double *out_secs, floe_bench_table **out,
                 floe_err *err);
    /* Bytes the loaded tables take on disk, after the engine's own
     * checkpoint or merge (DuckDB CHECKPOINT, SQLite WAL checkpoint,
     * ClickHouse OPTIMIZE FINAL and active parts); NULL: the size of the
     * peer's directory is used. */
    int (*disk_bytes)(void *state, const char *dir, uint64_t *out, floe_err *err);
} floe_bench_peer_ops;

/* Which peers exist in this build: "floe" only when floe itself is built. */
const floe_bench_peer_ops *floe_bench_peer_find(const char *name);

/* Open peer `name` on a fresh database in `dir`. FLOE_NOTFOUND when the
 * engine is not available on this machine (not built, library or server
 * absent): callers skip it with err's message. */
int floe_bench_peer_open(const char *name, const char *dir, floe_bench_peer **out, floe_err *err);
void floe_bench_peer_close(floe_bench_peer *p);
const char *floe_bench_peer_name(const floe_bench_peer *p);
const char *floe_bench_peer_dialect(const floe_bench_peer *p);
int floe_bench_peer_can_copy(const floe_bench_peer *p);
int floe_bench_peer_create_table(floe_bench_peer *p, const floe_bench_schema *s, floe_err *err);
int floe_bench_peer_set_durability(floe_bench_peer *p, floe_bench_durability d, floe_err *err);
int floe_bench_peer_copy_csv(floe_bench_peer *p, const floe_bench_schema *s, const char *path,
                             floe_err *err);
int floe_bench_peer_query(floe_bench_peer *p, const char *sql, double *out_secs,
                          floe_bench_table **out, floe_err *err);
/* On-disk bytes of the database in `dir` (see disk_bytes above). */
int floe_bench_peer_disk_bytes(floe_bench_peer *p, const char *dir, uint64_t *out, floe_err *err);
/* Bytes of the regular files under dir (allocated blocks), 0 when absent. */
uint64_t floe_bench_dir_bytes(const char *dir);
/* count(*) of a table, through a query. */
int floe_bench_peer_count(floe_bench_peer *p, const char *table, int64_t *out, floe_err *err);

int floe_bench_app_open(floe_bench_peer *p, const floe_bench_schema *s, floe_bench_app **out,
                        floe_err *err);
int floe_bench_app_append(floe_bench_app *a, const floe_bench_batch *b, floe_err *err);
int floe_bench_app_flush(floe_bench_app *a, floe_err *err);
void floe_bench_app_close(floe_bench_app *a);

/* Load a whole dataset stream through one appender, flushing every
 * `flush_rows` rows (0: only at the end). Rows and bytes go to out_*. */
int floe_bench_peer_load(floe_bench_peer *p, floe_bench_data *d, uint64_t flush_rows,
                         int64_t *out_rows, uint64_t *out_bytes, floe_err *err);

/* The engines, each in its own file (bench/peer_<name>.c). */
extern const floe_bench_peer_ops floe_bench_peer_duckdb_ops;
extern const floe_bench_peer_ops floe_bench_peer_sqlite_ops;
extern const floe_bench_peer_ops floe_bench_peer_clickhouse_ops;
extern const floe_bench_peer_ops floe_bench_peer_floe_ops;

#endif
