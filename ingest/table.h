/* ingest/table.h: a table's streaming-ingest state: shards, WAL, flush, snapshots.
 *
 * A floe_ingest_db holds what is per database: durability, the memory bound
 * for memtables, the background flusher thread and the callbacks through
 * which flushing reaches storage (owned by api/, so ingest never calls
 * storage itself). A floe_ingest_table splits its rows over N shards:
 *
 *   shard(row) = XXH3_64(canonical key bytes) % N
 *
 * where the key is the partition column's value as its little-endian
 * physical bytes (BOOLEAN 1 byte, INTEGER/DATE 4, BIGINT/DECIMAL/TIMESTAMP/
 * DOUBLE 8, INTERVAL 16 = months i32, days i32, micros i64; VARCHAR its
 * bytes) and a NULL key goes to shard 0. Without a partition column each
 * appended batch goes whole to the next shard round-robin (but see
 * FLOE_INGEST_DEFER_SYNC). N must stay the
 * same across restarts (the caller stores it with the table).
 *
 * Rows become visible to snapshots when their shard's mutex is released,
 * which may be just before their WAL record is durable; the append call
 * itself returns only after durability (unless FLOE_INGEST_DEFER_SYNC asks
 * the caller to wait later, through floe_ingest_sync).
 *
 * Each shard has its own mutex, active memtable, list of frozen memtables
 * waiting to be flushed (oldest first, still visible to queries), WAL and a
 * monotonic per-row sequence number (starting after the recovered one). An
 * append is one transaction over the shards it touches: it scatters the
 * batch's rows to shards (one pass computing shard ids, then one gather per
 * shard), takes the touched shards' mutexes in shard order, stages the rows
 * in their active memtables, assigns seqs and writes every WAL record (with
 * the transaction's manifest when there is more than one record, see
 * wal.h), and only then publishes the rows and releases the mutexes; then,
 * without any shard mutex, it waits for durability. A failure before the
 * publish makes nothing visible and writes an ABORT record to the shards
 * that got records. Appenders on disjoint shards never share a lock; two
 * appends of the same producer id run one after the other.
 *
 * Flushing a shard: under its mutex the active memtable is frozen and a
 * fresh one takes appends; without the mutex write_part() writes the part
 * (slow; when the memtable holds pieces of multi-shard transactions, every
 * shard's WAL is synced first, so no piece becomes durable in a part while
 * another one could still be lost); then, holding the table's visibility
 * lock exclusively,
 * commit_part() publishes it and the frozen memtable leaves the shard, so a
 * query that snapshots parts and memtables under the shared visibility lock
 * sees every row exactly once. Then the WAL is truncated. A failed flush
 * keeps the frozen memtable (visible and in the WAL), reports through
 * flush_error() and is retried by the flusher after a back-off.
 *
 * Idempotent producers: an append may carry (producer id, producer seq); a
 * batch whose seq is <= the last accepted one for that id is skipped. The
 * state lives in memory, in every WAL record of the batch (so recovery
 * restores it) and in floe_ingest_flush_info.producers (so commit_part can
 * persist it, in the same catalog transaction as the part; keep the max per
 * id, a value may be 0). The producer advances only once the whole batch is
 * written and (unless FLOE_INGEST_DEFER_SYNC) durable: a failed append
 * leaves it where it was, so the retry is applied, not skipped. Without a
 * partition column a producer's batch goes to a shard chosen from (id, seq),
 * so a retry meets the same shard as the first attempt.
 *
 * Recovery: floe_ingest_table_open reads every shard's WAL first, then
 * replays each one, skipping rows whose seq <= the flushed seq the caller
 * passes per shard (from its parts) and every record of a transaction that
 * is not whole: one named by an ABORT record, or with a piece neither in
 * parts (flushed seq) nor in its shard's WAL. For such a partial
 * transaction an ABORT record is written and synced to every shard holding
 * a record of it before the table opens, so a later recovery drops it too
 * even after the lost piece's seqs were reused. Producer state is restored
 * from the records replayed (whole transactions) and the caller's catalog.
 *
 * Thread-safety: everything here may be called from many threads, except
 * that a table is closed once, after its appenders/snapshots stopped using
 * it. The visibility lock is not recursive.
 */
#ifndef FLOE_INGEST_TABLE_H
#define FLOE_INGEST_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest/memtable.h"
#include "ingest/wal.h"
#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

typedef struct floe_ingest_db floe_ingest_db;
typedef struct floe_ingest_table floe_ingest_table;

/* What a flush hands to the storage callbacks. Everything is borrowed for
 * the duration of the callback. */
typedef struct floe_ingest_flush_info {
    floe_ingest_table *table;
    void *table_ctx;            /* floe_ingest_table_opts.ctx */
    uint64_t table_id;
    uint32_t shard;
    floe_memtable *mem;         /* frozen: rows [0, nrows) are final */
    uint64_t nrows;
    uint64_t seq_lo, seq_hi;    /* sequence numbers of the first and last row */
    const floe_ingest_producer *producers; /* last producer seqs of these rows */
    uint32_t nproducers;
} floe_ingest_flush_info;

typedef struct floe_ingest_callbacks {
    void *ctx;
    /* Write the part files for fi->mem (slow; no ingest lock is held).
     * *out_part is handed to commit_part/discard_part. On failure it cleans
     * up after itself; the flush is retried later. Required for flushing.
     * Read the rows with floe_memtable_chunk_vec (chunks of a frozen
     * memtable are final, so their validity may be borrowed as is). */
    int (*write_part)(void *ctx, const floe_ingest_flush_info *fi, void **out_part,
                      floe_err *err);
    /* Commit the part (catalog + the caller's in-memory part list) and record
     * fi->seq_hi as the shard's flushed seq and fi->producers; called with
     * the table's visibility lock held exclusively: must be fast and must
     * not take the visibility lock. */
    int (*commit_part)(void *ctx, const floe_ingest_flush_info *fi, void *part, floe_err *err);
    /* commit_part failed: drop what write_part made. May be NULL. */
    void (*discard_part)(void *ctx, const floe_ingest_flush_info *fi, void *part);
    /* A flush failed (it will be retried). May be NULL. */
    void (*flush_error)(void *ctx, const floe_ingest_flush_info *fi, const floe_err *err);
    /* A recovery warning (torn WAL tail). May be NULL. */
    void (*warning)(void *ctx, const char *msg);
} floe_ingest_callbacks;

typedef struct floe_ingest_db_opts {
    const char *dir;            /* database directory (WAL under dir/wal); NULL: no WAL */
    floe_durability durability; /* default FULL (0) */
    uint32_t group_commit_ms;   /* BATCH window; 0 = 2 */
    uint64_t wal_segment_bytes; /* 0 = 64 MiB */
    uint64_t mem_limit_bytes;   /* frozen + active memtables; 0 = 512 MiB */
    bool background_flush;      /* run the flusher thread */
    bool salvage;               /* FLOE_OPEN_SALVAGE: a damaged WAL segment is moved to
                                 * quarantine (floe_wal_salvage, reported through
                                 * cb.warning) instead of failing the open */
    bool readonly;              /* open the WALs read-only (floe_wal_opts.readonly): replay
                                 * changes no file, appends fail; use with no flusher */
    uint32_t flusher_tick_ms;   /* flusher's age-check period; 0 = 50 */
    floe_ingest_callbacks cb;
} floe_ingest_db_opts;

/* Fail-stop. After a failed fsync the state of the files is unknown -- the
 * kernel may have dropped the dirty pages it could not write and marked
 * them clean, so a retried fsync would "succeed" over lost data
 * (PostgreSQL's fsyncgate) -- and after a failed WAL write the log's tail
 * is unknown. So any WAL write or sync error (append, sync, the syncs
 * before a flush) and any failed fsync below a flush, merge or bulk COPY
 * (part files, directories, the catalog: util/os counts them per thread,
 * floe_os_sync_failures) stops the database's writing for good: every later append and flush fails with FLOE_READONLY
 * naming the first error, the flusher stops retrying, close flushes nothing
 * (acknowledged rows stay in the WAL and the next open recovers them).
 * Reopening is the only way back (RocksDB's background-error rule). A
 * flush that fails on a plain write error (disk full, EIO on write) is
 * still retried after a back-off: it writes a new part from memory.
 * floe_ingest_db_fail_stop records it (first message wins; later calls are
 * no-ops); floe_ingest_db_failed copies the message (cap may be 0) and says
 * whether it happened. Thread-safe. */
void floe_ingest_db_fail_stop(floe_ingest_db *db, const char *msg);
bool floe_ingest_db_failed(floe_ingest_db *db, char *msg, size_t cap);

/* Open the database-wide ingest state (starting the flusher when asked).
 * FLOE_NOMEM, FLOE_ERROR (thread creation). Free with floe_ingest_db_close. */
int floe_ingest_db_open(const floe_ingest_db_opts *o, floe_ingest_db **out, floe_err *err);
/* Stop the flusher and free. FLOE_BUSY (nothing freed) while tables are
 * open. NULL ok. */
int floe_ingest_db_close(floe_ingest_db *db, floe_err *err);
/* Bytes in all memtables (active + frozen) of the database. */
uint64_t floe_ingest_db_mem_bytes(floe_ingest_db *db);
/* Change the memtable memory bound (0: 512 MiB) while the database runs
 * (SET memory_limit). Lowering it wakes the flusher; raising it wakes
 * appenders waiting for memory. Any thread. */
void floe_ingest_db_set_mem_limit(floe_ingest_db *db, uint64_t bytes);

typedef struct floe_ingest_table_opts {
    uint64_t table_id;
    const char *name;             /* for messages; copied */
    void *ctx;                    /* caller's table handle, passed back in flush info */
    uint32_t ncols;
    const floe_type *types;       /* copied */
    int32_t partition_col;        /* column index, or -1: round-robin by batch */
    uint32_t nshards;             /* 0 = number of online cores */
    uint64_t flush_rows;          /* 0 = 1,000,000 */
    uint64_t flush_bytes;         /* 0 = 64 MiB */
    uint32_t flush_interval_ms;   /* 0 = 1000 */
    const uint64_t *flushed_seq;  /* nshards entries: highest seq in parts; NULL = none */
    const floe_ingest_producer *producers; /* producer seqs from the catalog */
    uint32_t nproducers;
} floe_ingest_table_opts;

/* Open a table's ingest state and recover its WAL (see above). Errors:
 * FLOE_NOMEM, FLOE_IOERR, FLOE_CORRUPT (WAL or a record not matching the
 * schema), FLOE_MISUSE (bad options, or fewer shards than the WAL has:
 * store nshards with the table and pass the same number every time). */
int floe_ingest_table_open(floe_ingest_db *db, const floe_ingest_table_opts *o,
                           floe_ingest_table **out, floe_err *err);
/* When `flush`, flush every memtable first (on failure return its error
 * and free nothing); then free. Rows not flushed stay in the WAL. NULL ok. */
int floe_ingest_table_close(floe_ingest_table *t, bool flush, floe_err *err);
uint32_t floe_ingest_table_nshards(floe_ingest_table *t);
/* Last sequence number assigned in shard s. */
uint64_t floe_ingest_table_last_seq(floe_ingest_table *t, uint32_t s);
/* Highest sequence number committed to parts for shard s. */
uint64_t floe_ingest_table_flushed_seq(floe_ingest_table *t, uint32_t s);
/* Lowest sequence number found in shard s's WAL at open (floe_wal_first_seq;
 * 0 when it held none or there is no WAL). */
uint64_t floe_ingest_table_wal_first_seq(floe_ingest_table *t, uint32_t s);
/* fdatasyncs issued so far by the WALs of all shards (0 without a WAL). */
uint64_t floe_ingest_table_wal_syncs(floe_ingest_table *t);
/* What recovery dropped at open: WAL tails that were never synced (torn
 * writes, cut with a warning; a damaged record the WAL says was synced is
 * FLOE_CORRUPT instead) and pieces of transactions that did not reach every
 * shard's WAL. Fixed after open. */
void floe_ingest_table_recovery(floe_ingest_table *t, uint32_t *out_torn_tails,
                                uint32_t *out_txns_dropped);

/* The shard of row `row` of partition vector v (see the formula above). */
uint32_t floe_ingest_shard_of(const floe_vec *v, uint32_t row, uint32_t nshards);

#define FLOE_INGEST_NOWAIT 0x1 /* FLOE_BUSY instead of blocking on the memory bound */
/* Return once the rows are written to the WAL (and visible) without waiting
 * for durability: per shard the append's WAL ticket is raised into
 * opts.sync_tickets, and the caller makes the rows durable later with
 * floe_ingest_sync (one sync then covers many appends). Without a partition
 * column, a batch goes to the shard the caller already holds a ticket of
 * (round-robin only when it holds none), so its unsynced batches share one
 * WAL: one sync covers them and a crash keeps a prefix of them. */
#define FLOE_INGEST_DEFER_SYNC 0x2

typedef struct floe_ingest_append_opts {
    unsigned flags;        /* FLOE_INGEST_* */
    bool has_producer;     /* idempotent producer: skip if producer_seq <= last accepted */
    uint64_t producer_id;
    uint64_t producer_seq;
    uint64_t *sync_tickets; /* FLOE_INGEST_DEFER_SYNC: nshards entries (caller's, start
                             * at 0), each raised to this append's ticket on that shard */
    uint64_t *shard_first_seq; /* NULL or nshards entries (caller's): per shard the first
                                * seq this append assigned there, 0 where it added none
                                * (the last one is out_shard_seq's) */
} floe_ingest_append_opts;

typedef struct floe_ingest_append_result {
    uint64_t rows;      /* rows appended */
    uint64_t last_seq;  /* max last seq assigned over shards; 0 when none */
    bool duplicate;     /* skipped: producer_seq <= the last accepted one */
} floe_ingest_append_result;

/* Append the live rows of b (b->sel honoured; types must match the table)
 * and return once durable per the database's durability. `o` may be NULL.
 * out_shard_seq (NULL or nshards entries) receives per shard the last seq
 * this append assigned there, 0 where it added none. A duplicate producer
 * batch returns FLOE_OK with res->duplicate set and appends nothing.
 * Errors: FLOE_TYPE, FLOE_BUSY (memory bound with FLOE_INGEST_NOWAIT, or
 * flushes failing), FLOE_NOMEM, FLOE_IOERR, FLOE_RANGE; an error before the
 * WAL records are all written appends nothing, in any shard, now or after
 * a crash. After a WAL write or sync failure that shard refuses appends
 * (FLOE_IOERR) until the table is reopened; rows whose sync failed are
 * visible and may or may not survive a crash, all of the batch or none. */
int floe_ingest_append(floe_ingest_table *t, const floe_batch *b,
                       const floe_ingest_append_opts *o, floe_ingest_append_result *res,
                       uint64_t *out_shard_seq, floe_err *err);

/* floe_ingest_append of the live rows of batches[0..n) as one transaction:
 * all of them or none are appended (and, after a crash, recovered), with
 * one producer seq for the whole. Same options, results and errors. */
int floe_ingest_append_many(floe_ingest_table *t, const floe_batch *batches, uint32_t n,
                            const floe_ingest_append_opts *o, floe_ingest_append_result *res,
                            uint64_t *out_shard_seq, floe_err *err);

/* Wait until the WAL records behind tickets[0..nshards) (from appends with
 * FLOE_INGEST_DEFER_SYNC; 0 = nothing on that shard) are durable per the
 * database's durability: FULL and BATCH give them an fdatasync that started
 * after they were written (shards in parallel), OFF returns at once. Errors:
 * FLOE_IOERR (that WAL then refuses appends, as for a failed append). */
int floe_ingest_sync(floe_ingest_table *t, const uint64_t *tickets, floe_err *err);

/* Last accepted seq of producer `id` (0 and false when unknown). */
bool floe_ingest_producer_seq(floe_ingest_table *t, uint64_t id, uint64_t *out_seq);
/* Copy of all producer states: *out freed with floe_free. FLOE_NOMEM. */
int floe_ingest_table_producers(floe_ingest_table *t, floe_ingest_producer **out,
                                uint32_t *out_n, floe_err *err);

/* FLUSH: freeze every shard's active memtable and write/commit all frozen
 * ones. With `wait`, returns after all are committed (or the first error);
 * without, it only freezes and wakes the flusher. */
int floe_ingest_flush_table(floe_ingest_table *t, bool wait, floe_err *err);

/* ----------------------------------------------------------- snapshots */

/* The table's visibility lock, shared: hold it while taking a snapshot of
 * the caller's part list and floe_ingest_snapshot, so the pair is
 * consistent with flush commits. */
void floe_ingest_read_lock(floe_ingest_table *t);
void floe_ingest_read_unlock(floe_ingest_table *t);
/* The visibility lock, exclusive: for changes of the caller's part list
 * outside flush commits (background merges and TTL drops replacing parts),
 * so queries see either the old parts or the new ones. Hold it briefly and
 * call nothing of this table's ingest state while holding it. */
void floe_ingest_write_lock(floe_ingest_table *t);
void floe_ingest_write_unlock(floe_ingest_table *t);

typedef struct floe_ingest_snap_mem {
    floe_memtable *mem; /* referenced */
    uint64_t rows;      /* committed rows at snapshot time */
    uint32_t shard;
} floe_ingest_snap_mem;

typedef struct floe_ingest_snapshot {
    uint32_t ncols;
    floe_type *types;             /* ncols, owned */
    floe_ingest_snap_mem *mems;   /* per shard: frozen (oldest first) then active */
    uint32_t nmems;               /* memtables with rows > 0 */
    uint64_t rows;                /* total */
} floe_ingest_snapshot;

/* Reference every non-empty memtable of the table with its current count.
 * Call under floe_ingest_read_lock. Free with floe_ingest_snapshot_free
 * (any thread, no lock needed). FLOE_NOMEM. */
int floe_ingest_snapshot_take(floe_ingest_table *t, floe_ingest_snapshot **out, floe_err *err);
void floe_ingest_snapshot_free(floe_ingest_snapshot *s);

#endif
