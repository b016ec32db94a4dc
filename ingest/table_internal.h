/* ingest/table_internal.h: state shared by ingest/table.c and ingest/recover.c.
 *
 * Not a contract for other files: only ingest/table.c (shards, appends,
 * flushing, snapshots) and ingest/recover.c (WAL recovery at table open)
 * include it. The structs are those of ingest/table.h's opaque handles; the
 * lock order and the rules of their fields are stated at the top of
 * ingest/table.c. Thread-safety: the helpers below require the shard mutex
 * where they say so; recovery runs before the table is published, alone.
 */
#ifndef FLOE_INGEST_TABLE_INTERNAL_H
#define FLOE_INGEST_TABLE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ingest/table.h"
#include "ingest/wal.h"
#include "ingest/memtable.h"

#define DEFAULT_FLUSH_ROWS 1000000ULL
#define DEFAULT_FLUSH_BYTES (64ULL << 20)
#define DEFAULT_FLUSH_INTERVAL_MS 1000
#define DEFAULT_MEM_LIMIT (512ULL << 20)
#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define SYNC_HELPERS 3

typedef struct frozen_mem {
    floe_memtable *mem;
    uint64_t bytes; /* accounted in db->mem at freeze time */
    bool cross;     /* holds pieces of multi-shard transactions */
} frozen_mem;

typedef struct ingest_shard {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* `flushing` cleared */
    floe_memtable *active;
    uint64_t active_accounted;  /* bytes of active already added to db->mem */
    bool active_cross;          /* active holds pieces of multi-shard transactions */
    frozen_mem *frozen;         /* oldest first */
    uint32_t nfrozen, capfrozen;
    uint64_t seq;               /* last assigned sequence number */
    uint64_t flushed_seq;       /* highest seq committed to parts */
    floe_wal *wal;              /* NULL for in-memory databases */
    bool flushing;
    int64_t retry_at_ms;        /* after a failed flush: not before */
    uint32_t retry_ms;          /* current back-off */
} ingest_shard;

struct floe_ingest_table {
    floe_ingest_db *db;
    uint64_t table_id;
    char *name;
    void *ctx;
    uint32_t ncols;
    floe_type *types;
    int32_t partition_col;
    uint32_t nshards;
    uint64_t flush_rows, flush_bytes;
    uint32_t flush_interval_ms;
    ingest_shard *shards;
    uint32_t torn_tails;        /* recovery: WAL tails never synced, dropped at open */
    uint32_t txns_dropped;      /* recovery: pieces of partial transactions dropped */
    uint32_t wal_salvaged;      /* recovery: damaged WAL segments moved to quarantine */
    atomic_uint rr;             /* round-robin cursor */
    pthread_rwlock_t vis;       /* visibility lock */
    pthread_mutex_t prod_mu;    /* producer state (held briefly) */
    pthread_cond_t prod_cv;     /* a producer stopped being busy */
    floe_ingest_producer *prods;
    uint32_t nprods, capprods;  /* capprods >= nprods + nbusy */
    uint64_t *busy;             /* producers with an append in flight */
    uint32_t nbusy, capbusy;
    uint64_t txn_base;          /* random per open: transaction ids */
    atomic_uint_fast64_t txn_ctr;
    int users;                  /* flusher passes using it (db->mu) */
};

struct floe_ingest_db {
    floe_ingest_db_opts o;
    char *dir;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* flusher wake-up */
    pthread_cond_t mem_cv;      /* memory freed / flusher pass done */
    floe_ingest_table **tables;
    uint32_t ntables, captables;
    atomic_uint_fast64_t mem;   /* bytes in memtables */
    atomic_uint_fast64_t mem_limit; /* memory bound (o.mem_limit_bytes, then floe_ingest_db_set_mem_limit) */
    bool stop, wake, pressure;
    bool has_thread;
    pthread_t thread;
    atomic_int flush_failing;   /* last flush attempt failed */
    atomic_int stopped;         /* fail-stop after an I/O error (floe_ingest_db_fail_stop):
                                 * no append, flush or retry until the database is reopened */
    char stop_msg[FLOE_ERRMSG_MAX]; /* why; written once (mu) before `stopped` is set */
    /* sync helpers: an append touching several shards waits for their WAL
     * syncs in parallel instead of one after the other */
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;      /* a job was queued / stop */
    pthread_cond_t sync_done_cv; /* a job finished */
    struct sync_job *sync_head, *sync_tail;
    pthread_t syncers[SYNC_HELPERS];
    uint32_t nsyncers;
    bool sync_stop;
};

typedef struct sync_job {
    floe_wal *wal;
    uint64_t ticket;
    int rc;
    floe_err err;
    bool done;
    struct sync_job *next;
} sync_job;

/* Account the active memtable's growth in db->mem (shard mutex held). */
void floe_ingest_table_account_active(floe_ingest_table *t, ingest_shard *s);
/* Move the active memtable to the frozen list and start a fresh one (shard
 * mutex held). No-op when active is empty. FLOE_NOMEM keeps things as they
 * were. */
int floe_ingest_table_freeze_active(floe_ingest_table *t, ingest_shard *s, floe_err *err);
/* True when the active memtable reached the flush row or byte threshold. */
bool floe_ingest_table_over_thresholds(const floe_ingest_table *t, const ingest_shard *s);
/* Note producer `id`'s last sequence number `seq` (keeps the highest). */
int floe_ingest_table_prod_note(floe_ingest_table *t, uint64_t id, uint64_t seq, floe_err *err);

/* ingest/recover.c: give every shard of `t` (initialised, not yet
 * published) its active memtable, and for an on-disk database open its WAL
 * and replay it (see the recovery comment in ingest/recover.c). On failure
 * the shards keep what was made so far: the caller frees the table. */
int floe_ingest_table_recover(floe_ingest_table *t, floe_err *err);

#endif
