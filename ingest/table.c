/* ingest/table.c: shards, appends, flushing and snapshots (WAL recovery: ingest/recover.c).
 *
 * Lock order (never taken the other way round):
 *   shard mutex (several: in shard index order) -> WAL mutex
 *   visibility lock -> shard mutex
 *   producer mutex is taken alone (an append's producer is marked busy
 *   before its shard mutexes and released after them)
 *   db mutex is taken alone (never while holding a shard mutex).
 * A shard's `flushing` flag (under its mutex) makes one thread at a time
 * flush that shard, oldest frozen memtable first, so parts of a shard are
 * committed in sequence order.
 */
#include "ingest/table.h"
#include "ingest/table_internal.h"

#include "util/thread.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"


static int64_t now_ms(void) { return floe_os_clock_mono_ns() / 1000000; }

/* An absolute CLOCK_REALTIME deadline for pthread_cond_timedwait. */
static void deadline_in(struct timespec *ts, uint32_t ms)
{
    int64_t ns = floe_os_clock_wall_ns() + (int64_t)ms * 1000000LL;
    ts->tv_sec = (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
}

/* 64 random bits (transaction ids must not repeat across opens). */
static uint64_t random_u64(void)
{
    uint64_t v = 0;
    int64_t ns;
    if (getrandom(&v, sizeof v, 0) == (ssize_t)sizeof v && v) return v;
    ns = floe_os_clock_wall_ns();
    v = (uint64_t)(ns / 1000000000LL) * 1000000007ULL ^ (uint64_t)(ns % 1000000000LL) ^
        ((uint64_t)getpid() << 40);
    return floe_hash64(&v, sizeof v) | 1;
}

/* ------------------------------------------------------------------ shards */

uint32_t floe_ingest_shard_of(const floe_vec *v, uint32_t row, uint32_t nshards)
{
    const void *p;
    size_t n;
    if (v->flags & FLOE_VEC_CONST) row = 0;
    if (nshards <= 1 || !floe_vec_is_valid(v, row)) return 0;
    if (v->type.id == FLOE_TYPE_VARCHAR) {
        const floe_string *s = (const floe_string *)v->data + row;
        p = s->ptr;
        n = s->len;
    } else {
        n = floe_type_size(v->type);
        p = (const char *)v->data + (size_t)row * n;
    }
    return (uint32_t)(floe_hash64(n ? p : "", n) % nshards);
}

static void db_mem_add(floe_ingest_db *db, int64_t delta)
{
    if (delta >= 0)
        atomic_fetch_add(&db->mem, (uint64_t)delta);
    else
        atomic_fetch_sub(&db->mem, (uint64_t)-delta);
}

/* Account the active memtable's growth (shard mutex held). */
void floe_ingest_table_account_active(floe_ingest_table *t, ingest_shard *s)
{
    uint64_t b = floe_memtable_bytes(s->active);
    if (b != s->active_accounted) {
        db_mem_add(t->db, (int64_t)(b - s->active_accounted));
        s->active_accounted = b;
    }
}

/* Move the active memtable to the frozen list and start a fresh one (shard
 * mutex held). No-op when active is empty. FLOE_NOMEM keeps things as they
 * were. */
int floe_ingest_table_freeze_active(floe_ingest_table *t, ingest_shard *s, floe_err *err)
{
    floe_memtable *fresh;
    int rc;
    if (floe_memtable_rows(s->active) == 0) return FLOE_OK;
    if (s->nfrozen == s->capfrozen) {
        uint32_t cap = s->capfrozen ? s->capfrozen * 2 : 4;
        frozen_mem *f = floe_realloc(s->frozen, cap * sizeof *f);
        if (f == NULL) return floe_err_nomem(err);
        s->frozen = f;
        s->capfrozen = cap;
    }
    rc = floe_memtable_new(t->ncols, t->types, s->seq + 1, &fresh, err);
    if (rc) return rc;
    floe_ingest_table_account_active(t, s);
    floe_memtable_freeze(s->active);
    s->frozen[s->nfrozen].mem = s->active;
    s->frozen[s->nfrozen].bytes = s->active_accounted;
    s->frozen[s->nfrozen].cross = s->active_cross;
    s->nfrozen++;
    s->active = fresh;
    s->active_accounted = 0;
    s->active_cross = false;
    return FLOE_OK;
}

bool floe_ingest_table_over_thresholds(const floe_ingest_table *t, const ingest_shard *s)
{
    return floe_memtable_rows(s->active) >= t->flush_rows ||
           floe_memtable_bytes(s->active) >= t->flush_bytes;
}

static void wake_flusher(floe_ingest_db *db, bool pressure)
{
    pthread_mutex_lock(&db->mu);
    db->wake = true;
    if (pressure) db->pressure = true;
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
}

/* --------------------------------------------------------------- producers */

static floe_ingest_producer *prod_find(floe_ingest_table *t, uint64_t id)
{
    uint32_t i;
    for (i = 0; i < t->nprods; i++)
        if (t->prods[i].id == id) return &t->prods[i];
    return NULL;
}

/* Raise producer id's last seq to at least seq (prod_mu held or single-threaded). */
int floe_ingest_table_prod_note(floe_ingest_table *t, uint64_t id, uint64_t seq, floe_err *err)
{
    floe_ingest_producer *p = prod_find(t, id);
    if (p) {
        if (seq > p->seq) p->seq = seq;
        return FLOE_OK;
    }
    if (t->nprods == t->capprods) {
        uint32_t cap = t->capprods ? t->capprods * 2 : 8;
        floe_ingest_producer *np = floe_realloc(t->prods, cap * sizeof *np);
        if (np == NULL) return floe_err_nomem(err);
        t->prods = np;
        t->capprods = cap;
    }
    t->prods[t->nprods].id = id;
    t->prods[t->nprods].seq = seq;
    t->nprods++;
    return FLOE_OK;
}

bool floe_ingest_producer_seq(floe_ingest_table *t, uint64_t id, uint64_t *out_seq)
{
    floe_ingest_producer *p;
    bool found;
    pthread_mutex_lock(&t->prod_mu);
    p = prod_find(t, id);
    found = p != NULL;
    *out_seq = p ? p->seq : 0;
    pthread_mutex_unlock(&t->prod_mu);
    return found;
}

int floe_ingest_table_producers(floe_ingest_table *t, floe_ingest_producer **out,
                                uint32_t *out_n, floe_err *err)
{
    int rc = FLOE_OK;
    pthread_mutex_lock(&t->prod_mu);
    *out = floe_malloc((t->nprods ? t->nprods : 1) * sizeof **out);
    if (*out == NULL) {
        rc = floe_err_nomem(err);
        *out_n = 0;
    } else {
        if (t->nprods) memcpy(*out, t->prods, t->nprods * sizeof **out);
        *out_n = t->nprods;
    }
    pthread_mutex_unlock(&t->prod_mu);
    return rc;
}

/* ---------------------------------------------------------------- database */

static void *flusher_main(void *arg);

static void *syncer_main(void *arg)
{
    floe_ingest_db *db = arg;
    pthread_mutex_lock(&db->sync_mu);
    for (;;) {
        sync_job *j;
        while (db->sync_head == NULL && !db->sync_stop) pthread_cond_wait(&db->sync_cv, &db->sync_mu);
        if (db->sync_head == NULL) break;
        j = db->sync_head;
        db->sync_head = j->next;
        if (db->sync_head == NULL) db->sync_tail = NULL;
        pthread_mutex_unlock(&db->sync_mu);
        j->rc = floe_wal_sync(j->wal, j->ticket, &j->err);
        pthread_mutex_lock(&db->sync_mu);
        j->done = true;
        pthread_cond_broadcast(&db->sync_done_cv);
    }
    pthread_mutex_unlock(&db->sync_mu);
    return NULL;
}

/* Wait until jobs[0..n) are durable: job 0 in this thread, the others on
 * the helpers (inline when there are none). Returns the first error. */
static int sync_wals(floe_ingest_db *db, sync_job *jobs, uint32_t n, floe_err *err)
{
    uint32_t i;
    int rc;
    if (n == 0) return FLOE_OK;
    if (db->nsyncers == 0 || n == 1) {
        for (i = 0; i < n; i++) {
            rc = floe_wal_sync(jobs[i].wal, jobs[i].ticket, err);
            if (rc) return rc;
        }
        return FLOE_OK;
    }
    pthread_mutex_lock(&db->sync_mu);
    for (i = 1; i < n; i++) {
        jobs[i].done = false;
        jobs[i].next = NULL;
        floe_err_clear(&jobs[i].err);
        if (db->sync_tail) db->sync_tail->next = &jobs[i];
        else db->sync_head = &jobs[i];
        db->sync_tail = &jobs[i];
    }
    pthread_cond_broadcast(&db->sync_cv);
    pthread_mutex_unlock(&db->sync_mu);
    rc = floe_wal_sync(jobs[0].wal, jobs[0].ticket, err);
    pthread_mutex_lock(&db->sync_mu);
    for (i = 1; i < n; i++) {
        while (!jobs[i].done) pthread_cond_wait(&db->sync_done_cv, &db->sync_mu);
        if (rc == FLOE_OK && jobs[i].rc != FLOE_OK) {
            rc = jobs[i].rc;
            if (err) *err = jobs[i].err;
        }
    }
    pthread_mutex_unlock(&db->sync_mu);
    return rc;
}

int floe_ingest_db_open(const floe_ingest_db_opts *o, floe_ingest_db **out, floe_err *err)
{
    floe_ingest_db *db = floe_calloc(1, sizeof *db);
    *out = NULL;
    if (db == NULL) return floe_err_nomem(err);
    db->o = *o;
    if (db->o.mem_limit_bytes == 0) db->o.mem_limit_bytes = DEFAULT_MEM_LIMIT;
    if (db->o.flusher_tick_ms == 0) db->o.flusher_tick_ms = 50;
    if (o->dir) {
        db->dir = floe_strdup(o->dir);
        if (db->dir == NULL) {
            floe_free(db);
            return floe_err_nomem(err);
        }
        db->o.dir = db->dir;
    }
    atomic_init(&db->mem, 0);
    atomic_init(&db->mem_limit, db->o.mem_limit_bytes);
    atomic_init(&db->flush_failing, 0);
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->cv, NULL);
    pthread_cond_init(&db->mem_cv, NULL);
    pthread_mutex_init(&db->sync_mu, NULL);
    pthread_cond_init(&db->sync_cv, NULL);
    pthread_cond_init(&db->sync_done_cv, NULL);
    if (o->dir && o->durability != FLOE_DURABILITY_OFF) {
        /* best effort: without helpers syncs simply run one after the other */
        while (db->nsyncers < SYNC_HELPERS &&
               floe_thread_create(&db->syncers[db->nsyncers], syncer_main, db, "floe-syncer") == 0)
            db->nsyncers++;
    }
    if (o->background_flush) {
        if (floe_thread_create(&db->thread, flusher_main, db, "floe-flusher") != 0) {
            floe_ingest_db_close(db, NULL);
            return floe_err_set(err, FLOE_ERROR, "cannot start the flusher thread");
        }
        db->has_thread = true;
    }
    *out = db;
    return FLOE_OK;
}

void floe_ingest_db_fail_stop(floe_ingest_db *db, const char *msg)
{
    if (db == NULL || atomic_load(&db->stopped)) return;
    pthread_mutex_lock(&db->mu);
    if (!atomic_load(&db->stopped)) {
        snprintf(db->stop_msg, sizeof db->stop_msg, "%s", msg && *msg ? msg : "I/O error");
        atomic_store(&db->stopped, 1);
        pthread_cond_broadcast(&db->mem_cv); /* appenders waiting for memory */
    }
    pthread_mutex_unlock(&db->mu);
}

bool floe_ingest_db_failed(floe_ingest_db *db, char *msg, size_t cap)
{
    if (db == NULL || !atomic_load(&db->stopped)) return false;
    if (cap) {
        pthread_mutex_lock(&db->mu);
        snprintf(msg, cap, "%s", db->stop_msg);
        pthread_mutex_unlock(&db->mu);
    }
    return true;
}

/* FLOE_READONLY naming the first I/O error when db stopped, else FLOE_OK. */
static int check_stopped(floe_ingest_db *db, const char *what, floe_err *err)
{
    char msg[FLOE_ERRMSG_MAX];
    if (!floe_ingest_db_failed(db, msg, sizeof msg)) return FLOE_OK;
    return floe_err_set(err, FLOE_READONLY, "cannot %s: writing stopped after an I/O error "
                        "(reopen the database): %.400s", what, msg);
}

/* Fail-stop db when rc is an I/O error (see table.h). Returns rc. */
static int stop_on_ioerr(floe_ingest_db *db, int rc, const floe_err *err)
{
    if (rc == FLOE_IOERR) floe_ingest_db_fail_stop(db, err && err->code ? err->msg : "I/O error");
    return rc;
}

int floe_ingest_db_close(floe_ingest_db *db, floe_err *err)
{
    if (db == NULL) return FLOE_OK;
    pthread_mutex_lock(&db->mu);
    if (db->ntables) {
        pthread_mutex_unlock(&db->mu);
        return floe_err_set(err, FLOE_BUSY, "%u tables still open", db->ntables);
    }
    db->stop = true;
    pthread_cond_broadcast(&db->cv);
    pthread_mutex_unlock(&db->mu);
    if (db->has_thread) pthread_join(db->thread, NULL);
    pthread_mutex_lock(&db->sync_mu);
    db->sync_stop = true;
    pthread_cond_broadcast(&db->sync_cv);
    pthread_mutex_unlock(&db->sync_mu);
    for (uint32_t i = 0; i < db->nsyncers; i++) pthread_join(db->syncers[i], NULL);
    pthread_mutex_destroy(&db->sync_mu);
    pthread_cond_destroy(&db->sync_cv);
    pthread_cond_destroy(&db->sync_done_cv);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->cv);
    pthread_cond_destroy(&db->mem_cv);
    floe_free(db->tables);
    floe_free(db->dir);
    floe_free(db);
    return FLOE_OK;
}

uint64_t floe_ingest_db_mem_bytes(floe_ingest_db *db) { return atomic_load(&db->mem); }

void floe_ingest_db_set_mem_limit(floe_ingest_db *db, uint64_t bytes)
{
    uint64_t old = atomic_exchange(&db->mem_limit, bytes ? bytes : DEFAULT_MEM_LIMIT);
    if (bytes && bytes < old) {
        /* lowered: let the flusher see the pressure now */
        pthread_mutex_lock(&db->mu);
        db->wake = true;
        pthread_cond_broadcast(&db->cv);
        pthread_mutex_unlock(&db->mu);
    } else {
        /* raised: appenders waiting for memory may go on */
        pthread_mutex_lock(&db->mu);
        pthread_cond_broadcast(&db->mem_cv);
        pthread_mutex_unlock(&db->mu);
    }
}

/* ------------------------------------------------------------------ tables */

static void table_free(floe_ingest_table *t)
{
    uint32_t i, k;
    if (t == NULL) return;
    for (i = 0; t->shards && i < t->nshards; i++) {
        ingest_shard *s = &t->shards[i];
        for (k = 0; k < s->nfrozen; k++) {
            db_mem_add(t->db, -(int64_t)s->frozen[k].bytes);
            floe_memtable_unref(s->frozen[k].mem);
        }
        if (s->active) {
            db_mem_add(t->db, -(int64_t)s->active_accounted);
            floe_memtable_unref(s->active);
        }
        floe_free(s->frozen);
        floe_wal_close(s->wal);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    floe_free(t->shards);
    pthread_rwlock_destroy(&t->vis);
    pthread_mutex_destroy(&t->prod_mu);
    pthread_cond_destroy(&t->prod_cv);
    floe_free(t->prods);
    floe_free(t->busy);
    floe_free(t->types);
    floe_free(t->name);
    floe_free(t);
}

int floe_ingest_table_open(floe_ingest_db *db, const floe_ingest_table_opts *o,
                           floe_ingest_table **out, floe_err *err)
{
    floe_ingest_table *t;
    pthread_rwlockattr_t ra;
    uint32_t i;
    int rc;

    *out = NULL;
    if (o->ncols == 0 || o->types == NULL ||
        (o->partition_col >= 0 && (uint32_t)o->partition_col >= o->ncols))
        return floe_err_set(err, FLOE_MISUSE, "bad ingest table options");
    t = floe_calloc(1, sizeof *t);
    if (t == NULL) return floe_err_nomem(err);
    t->db = db;
    t->table_id = o->table_id;
    t->ctx = o->ctx;
    t->name = floe_strdup(o->name ? o->name : "?");
    t->ncols = o->ncols;
    t->types = floe_malloc(o->ncols * sizeof(floe_type));
    t->partition_col = o->partition_col;
    t->nshards = o->nshards;
    if (t->nshards == 0) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        t->nshards = nc > 0 ? (uint32_t)nc : 1;
    }
    t->flush_rows = o->flush_rows ? o->flush_rows : DEFAULT_FLUSH_ROWS;
    t->flush_bytes = o->flush_bytes ? o->flush_bytes : DEFAULT_FLUSH_BYTES;
    t->flush_interval_ms = o->flush_interval_ms ? o->flush_interval_ms : DEFAULT_FLUSH_INTERVAL_MS;
    atomic_init(&t->rr, 0);
    pthread_rwlockattr_init(&ra);
    /* queries must not starve the flusher's short exclusive commit */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&t->vis, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&t->prod_mu, NULL);
    pthread_cond_init(&t->prod_cv, NULL);
    t->txn_base = random_u64();
    atomic_init(&t->txn_ctr, 0);
    t->shards = floe_calloc(t->nshards, sizeof *t->shards);
    if (t->name == NULL || t->types == NULL || t->shards == NULL) {
        if (t->shards == NULL) t->nshards = 0;
        table_free(t);
        return floe_err_nomem(err);
    }
    memcpy(t->types, o->types, o->ncols * sizeof(floe_type));
    for (i = 0; i < t->nshards; i++) {
        pthread_mutex_init(&t->shards[i].mu, NULL);
        pthread_cond_init(&t->shards[i].cv, NULL);
        t->shards[i].flushed_seq = o->flushed_seq ? o->flushed_seq[i] : 0;
        t->shards[i].seq = t->shards[i].flushed_seq;
        t->shards[i].retry_ms = RETRY_MIN_MS;
    }
    for (i = 0; i < o->nproducers; i++) {
        rc = floe_ingest_table_prod_note(t, o->producers[i].id, o->producers[i].seq, err);
        if (rc) goto fail;
    }
    rc = floe_ingest_table_recover(t, err);
    if (rc) goto fail;
    /* the caller's handle is set before the flusher can see the table: a
     * flush callback may run at once (recovered rows) and reads it */
    *out = t;
    pthread_mutex_lock(&db->mu);
    if (db->ntables == db->captables) {
        uint32_t cap = db->captables ? db->captables * 2 : 8;
        floe_ingest_table **nt = floe_realloc(db->tables, cap * sizeof *nt);
        if (nt == NULL) {
            pthread_mutex_unlock(&db->mu);
            *out = NULL;
            rc = floe_err_nomem(err);
            goto fail;
        }
        db->tables = nt;
        db->captables = cap;
    }
    db->tables[db->ntables++] = t;
    db->wake = true; /* recovered rows may be due for a flush */
    pthread_cond_signal(&db->cv);
    pthread_mutex_unlock(&db->mu);
    return FLOE_OK;
fail:
    table_free(t);
    return rc;
}

int floe_ingest_table_close(floe_ingest_table *t, bool flush, floe_err *err)
{
    floe_ingest_db *db;
    uint32_t i;
    if (t == NULL) return FLOE_OK;
    db = t->db;
    if (flush && !atomic_load(&db->stopped)) { /* stopped: the WAL keeps the rows */
        int rc = floe_ingest_flush_table(t, true, err);
        if (rc) return rc;
    }
    pthread_mutex_lock(&db->mu);
    for (i = 0; i < db->ntables; i++) {
        if (db->tables[i] == t) {
            db->tables[i] = db->tables[--db->ntables];
            break;
        }
    }
    while (t->users > 0) pthread_cond_wait(&db->mem_cv, &db->mu);
    pthread_mutex_unlock(&db->mu);
    table_free(t);
    pthread_mutex_lock(&db->mu);
    pthread_cond_broadcast(&db->mem_cv);
    pthread_mutex_unlock(&db->mu);
    return FLOE_OK;
}

uint32_t floe_ingest_table_nshards(floe_ingest_table *t) { return t->nshards; }

uint64_t floe_ingest_table_last_seq(floe_ingest_table *t, uint32_t s)
{
    uint64_t v;
    pthread_mutex_lock(&t->shards[s].mu);
    v = t->shards[s].seq;
    pthread_mutex_unlock(&t->shards[s].mu);
    return v;
}

uint64_t floe_ingest_table_flushed_seq(floe_ingest_table *t, uint32_t s)
{
    uint64_t v;
    pthread_mutex_lock(&t->shards[s].mu);
    v = t->shards[s].flushed_seq;
    pthread_mutex_unlock(&t->shards[s].mu);
    return v;
}

uint64_t floe_ingest_table_wal_first_seq(floe_ingest_table *t, uint32_t s)
{
    return t->shards[s].wal ? floe_wal_first_seq(t->shards[s].wal) : 0;
}

void floe_ingest_table_recovery(floe_ingest_table *t, uint32_t *out_torn_tails,
                                uint32_t *out_txns_dropped)
{
    *out_torn_tails = t->torn_tails;
    *out_txns_dropped = t->txns_dropped;
}

uint64_t floe_ingest_table_wal_syncs(floe_ingest_table *t)
{
    uint64_t n = 0;
    uint32_t s;
    for (s = 0; s < t->nshards; s++)
        if (t->shards[s].wal) n += floe_wal_sync_count(t->shards[s].wal);
    return n;
}

/* ------------------------------------------------------------------ append */

/* Block (or fail with FLOE_BUSY) while memtables exceed the memory bound. */
static int wait_for_memory(floe_ingest_table *t, unsigned flags, floe_err *err)
{
    floe_ingest_db *db = t->db;
    int rc = check_stopped(db, "append", err);
    if (rc) return rc;
    if (atomic_load(&db->mem) <= atomic_load(&db->mem_limit)) return FLOE_OK;
    if ((flags & FLOE_INGEST_NOWAIT) || db->o.cb.write_part == NULL)
        return floe_err_set(err, FLOE_BUSY, "memtables hold %" PRIu64 " bytes, over the %" PRIu64
                            " byte limit; %s", (uint64_t)atomic_load(&db->mem),
                            (uint64_t)atomic_load(&db->mem_limit),
                            db->o.cb.write_part ? "flush pending" : "nothing to flush to");
    if (!db->has_thread) {
        /* no flusher: flush this table in the caller */
        return floe_ingest_flush_table(t, true, err);
    }
    pthread_mutex_lock(&db->mu);
    while (atomic_load(&db->mem) > atomic_load(&db->mem_limit) && !db->stop) {
        struct timespec ts;
        if (atomic_load(&db->stopped)) {
            pthread_mutex_unlock(&db->mu);
            return check_stopped(db, "append", err);
        }
        if (atomic_load(&db->flush_failing)) {
            pthread_mutex_unlock(&db->mu);
            return floe_err_set(err, FLOE_BUSY, "memory limit reached and flushes are failing");
        }
        db->wake = true;
        db->pressure = true;
        pthread_cond_signal(&db->cv);
        deadline_in(&ts, 100);
        pthread_cond_timedwait(&db->mem_cv, &db->mu, &ts);
    }
    pthread_mutex_unlock(&db->mu);
    return FLOE_OK;
}

/* Wait until no other append of producer `id` is in flight, then answer
 * whether `seq` is a duplicate; when not, mark the producer busy (its
 * appends are serialized) and reserve room so that accepting the batch later
 * cannot fail. prod_mu held on entry and return. */
static int prod_begin(floe_ingest_table *t, uint64_t id, uint64_t seq, bool *out_dup,
                      floe_err *err)
{
    floe_ingest_producer *p;
    uint32_t i;
    for (;;) {
        bool busy = false;
        for (i = 0; i < t->nbusy && !busy; i++) busy = t->busy[i] == id;
        if (!busy) break;
        pthread_cond_wait(&t->prod_cv, &t->prod_mu);
    }
    p = prod_find(t, id);
    *out_dup = p != NULL && seq <= p->seq;
    if (*out_dup) return FLOE_OK;
    if (t->nbusy == t->capbusy) {
        uint32_t cap = t->capbusy ? t->capbusy * 2 : 8;
        uint64_t *nb = floe_realloc(t->busy, cap * sizeof *nb);
        if (nb == NULL) return floe_err_nomem(err);
        t->busy = nb;
        t->capbusy = cap;
    }
    /* every busy producer may add one entry in prod_end */
    if (t->capprods < t->nprods + t->nbusy + 1) {
        uint32_t cap = (t->nprods + t->nbusy + 1) * 2;
        floe_ingest_producer *np = floe_realloc(t->prods, cap * sizeof *np);
        if (np == NULL) return floe_err_nomem(err);
        t->prods = np;
        t->capprods = cap;
    }
    t->busy[t->nbusy++] = id;
    return FLOE_OK;
}

/* The append of producer `id` begun with prod_begin finished: when `ok`,
 * accept `seq` (cannot fail: room was reserved). prod_mu not held. */
static void prod_end(floe_ingest_table *t, uint64_t id, uint64_t seq, bool ok)
{
    uint32_t i;
    pthread_mutex_lock(&t->prod_mu);
    if (ok) floe_ingest_table_prod_note(t, id, seq, NULL);
    for (i = 0; i < t->nbusy; i++) {
        if (t->busy[i] == id) {
            t->busy[i] = t->busy[--t->nbusy];
            break;
        }
    }
    pthread_cond_broadcast(&t->prod_cv);
    pthread_mutex_unlock(&t->prod_mu);
}

/* A fresh transaction id: random per table open, then counting (never 0). */
static uint64_t new_txn_id(floe_ingest_table *t)
{
    uint64_t id = t->txn_base + atomic_fetch_add(&t->txn_ctr, 1);
    return id ? id : t->txn_base + atomic_fetch_add(&t->txn_ctr, 1);
}

/* How batch j of a transaction splits over shards: its live rows in shard
 * order (order[start[s] .. start[s+1]) go to shard s); rows is NULL when
 * the whole batch goes to one shard with no selection. */
typedef struct txn_split {
    uint32_t *order;
    uint32_t *start; /* nshards + 1 */
    bool identity;   /* one shard, rows 0..n-1: pass rows = NULL */
} txn_split;

static inline const uint32_t *split_rows(const txn_split *sp, uint32_t s)
{
    return sp->identity ? NULL : sp->order + sp->start[s];
}

static inline uint32_t split_n(const txn_split *sp, uint32_t s)
{
    return sp->start[s + 1] - sp->start[s];
}

/* Split batch b over shards into sp, whose order (live rows) and start
 * (nshards + 1, zeroed) the caller allocated; pos is scratch (nshards).
 * The whole batch goes to `one_shard` when it is < nshards. */
static void split_batch(floe_ingest_table *t, const floe_batch *b, uint32_t one_shard,
                        uint32_t *shard_of, uint32_t *pos, txn_split *sp)
{
    uint32_t nlive = floe_batch_rows(b), i, s;
    sp->identity = false;
    if (one_shard < t->nshards) {
        if (b->sel)
            for (i = 0; i < nlive; i++) sp->order[i] = b->sel[i];
        for (s = one_shard + 1; s <= t->nshards; s++) sp->start[s] = nlive;
        sp->identity = b->sel == NULL;
    } else {
        const floe_vec *kv = &b->cols[t->partition_col];
        /* pass 1: shard ids and counts; pass 2: stable counting-sort gather */
        for (i = 0; i < nlive; i++) {
            uint32_t row = b->sel ? b->sel[i] : i;
            shard_of[i] = floe_ingest_shard_of(kv, row, t->nshards);
            sp->start[shard_of[i] + 1]++;
        }
        for (s = 0; s < t->nshards; s++) sp->start[s + 1] += sp->start[s];
        memcpy(pos, sp->start, t->nshards * sizeof *pos);
        for (i = 0; i < nlive; i++) sp->order[pos[shard_of[i]]++] = b->sel ? b->sel[i] : i;
    }
}

/* Check that every batch has the table's columns and types; count their
 * live rows (the most in one batch and the sum). */
static int check_batches(floe_ingest_table *t, const floe_batch *bs, uint32_t nb,
                         uint32_t *out_maxlive, uint64_t *out_sumlive, floe_err *err)
{
    uint32_t c, j, maxlive = 0;
    uint64_t sumlive = 0;
for (j = 0; j < nb; j++) {
    const floe_batch *b = &bs[j];
    if (b->ncols != t->ncols)
        return floe_err_set(err, FLOE_TYPE, "table %s has %u columns, batch has %u", t->name,
                            t->ncols, b->ncols);
    for (c = 0; c < t->ncols; c++) {
        if (!floe_type_eq(b->cols[c].type, t->types[c])) {
            char want[32], got[32];
            return floe_err_set(err, FLOE_TYPE, "table %s column %u is %s, batch has %s",
                                t->name, c + 1, floe_type_name(t->types[c], want, sizeof want),
                                floe_type_name(b->cols[c].type, got, sizeof got));
        }
    }
    if (floe_batch_rows(b) > maxlive) maxlive = floe_batch_rows(b);
    sumlive += floe_batch_rows(b);
}
    *out_maxlive = maxlive;
    *out_sumlive = sumlive;
    return FLOE_OK;
}

/* The one shard a transaction goes to when the table has no partition
 * column (or one shard); t->nshards when rows are split by partition. */
static uint32_t pick_shard(floe_ingest_table *t, const floe_ingest_append_opts *o)
{
    uint32_t s, one_shard;
    one_shard = t->nshards;
    if (t->partition_col < 0 || t->nshards == 1) {
        /* a caller deferring syncs keeps its unsynced batches on one shard:
         * one sync then covers them all, and a crash keeps a prefix of them */
        if (t->partition_col < 0 && (o->flags & FLOE_INGEST_DEFER_SYNC) && o->sync_tickets)
            for (s = 0; s < t->nshards && one_shard == t->nshards; s++)
                if (o->sync_tickets[s]) one_shard = s;
        if (one_shard == t->nshards) {
            if (t->nshards == 1)
                one_shard = 0;
            else if (o->has_producer) { /* a retry goes where the first attempt went */
                uint64_t h = o->producer_id * 0x9E3779B97F4A7C15ULL ^
                             o->producer_seq * 0xC2B2AE3D27D4EB4FULL;
                one_shard = (uint32_t)((h ^ (h >> 31)) % t->nshards);
            }
            else
                one_shard = atomic_fetch_add(&t->rr, 1) % t->nshards;
        }
    }
    return one_shard;
}

/* Write the WAL records of the staged pieces (shard mutexes held): piece
 * i is shard pieces[i].shard; tickets[] and written[] (last seq written)
 * are indexed by shard. */
static int write_wal(floe_ingest_table *t, const floe_batch *bs, uint32_t nb,
                     const txn_split *sp, const floe_wal_piece *pieces, uint32_t npieces,
                     const floe_ingest_append_opts *o, const floe_wal_txn *txn,
                     uint64_t *tickets, uint64_t *written, floe_err *err)
{
    uint32_t i, j;
    int rc;
    for (i = 0; i < npieces && t->shards[pieces[i].shard].wal; i++) {
        ingest_shard *sh = &t->shards[pieces[i].shard];
        uint64_t seq = pieces[i].first_seq;
        uint64_t prod[2] = {o->producer_id, o->producer_seq};
        for (j = 0; j < nb; j++) {
            uint32_t n = split_n(&sp[j], pieces[i].shard);
            if (n == 0) continue;
            rc = floe_wal_append_txn(sh->wal, &bs[j], split_rows(&sp[j], pieces[i].shard), n, seq,
                                     o->has_producer ? prod : NULL, txn,
                                     &tickets[pieces[i].shard], err);
            if (rc) {
                floe_err_prefix(err, "table %s shard %u: ", t->name, pieces[i].shard);
                return rc;
            }
            seq += n;
            written[pieces[i].shard] = seq - 1;
        }
    }
    return FLOE_OK;
}

/* Make the WAL records of an append (tickets[] by shard, 0 = none)
 * durable, or, for a caller deferring syncs, hand it the tickets. Holds no
 * ingest lock; shards are synced in parallel. */
static int wait_durable(floe_ingest_table *t, const floe_ingest_append_opts *o,
                        const uint64_t *tickets, floe_err *err)
{
    sync_job *jobs;
    uint32_t s;
    int rc = FLOE_OK;
    if (t->db->o.durability != FLOE_DURABILITY_OFF &&
        (o->flags & FLOE_INGEST_DEFER_SYNC) && o->sync_tickets) {
        for (s = 0; s < t->nshards; s++)
            if (tickets[s] > o->sync_tickets[s]) o->sync_tickets[s] = tickets[s];
    } else if (t->db->o.durability != FLOE_DURABILITY_OFF) {
        uint32_t nj = 0;
        jobs = floe_malloc(t->nshards * sizeof *jobs);
        if (jobs == NULL) return floe_err_nomem(err);
        for (s = 0; s < t->nshards; s++) {
            if (tickets[s] == 0) continue;
            jobs[nj].wal = t->shards[s].wal;
            jobs[nj].ticket = tickets[s];
            nj++;
        }
        rc = sync_wals(t->db, jobs, nj, err);
        floe_free(jobs);
    }
    return rc;
}

/* Stage the rows of bs[0..nb) that go to shard `si` (its mutex held) in
 * its active memtable, freezing it first when they would not fit. */
static int stage_piece(floe_ingest_table *t, uint32_t si, const floe_batch *bs, uint32_t nb,
                       const txn_split *sp, uint64_t tot, const floe_ingest_append_opts *o,
                       bool *froze, floe_err *err)
{
    ingest_shard *sh = &t->shards[si];
    uint32_t j;
    int rc = FLOE_OK;
    if (floe_memtable_rows(sh->active) + tot > FLOE_MEMTABLE_MAX_ROWS) {
        rc = floe_ingest_table_freeze_active(t, sh, err);
        if (rc) return rc;
        *froze = true;
    }
    floe_memtable_unstage(sh->active);
    for (j = 0; j < nb && rc == FLOE_OK; j++)
        rc = floe_memtable_stage_more(sh->active, &bs[j], split_rows(&sp[j], si),
                                      split_n(&sp[j], si), err);
    /* reserve the producer's slot now so noting it after the WAL write
     * cannot fail (a max with 0 changes nothing) */
    if (rc == FLOE_OK && o->has_producer)
        rc = floe_memtable_note_producer(sh->active, o->producer_id, 0, err);
    if (rc) {
        floe_err_prefix(err, "table %s shard %u: ", t->name, si);
        return rc;
    }
    return FLOE_OK;
}

/* Publish the staged rows of one piece (its shard's mutex held): they
 * become visible; add them to *r. */
static void publish_piece(floe_ingest_table *t, const floe_wal_piece *pc, uint64_t tot,
                          const floe_ingest_append_opts *o, bool cross, bool *froze,
                          floe_ingest_append_result *r)
{
    ingest_shard *sh = &t->shards[pc->shard];
    if (o->has_producer)
        floe_memtable_note_producer(sh->active, o->producer_id, o->producer_seq, NULL);
    floe_memtable_publish(sh->active);
    if (cross) sh->active_cross = true;
    sh->seq = pc->last_seq;
    floe_ingest_table_account_active(t, sh);
    if (floe_ingest_table_over_thresholds(t, sh)) {
        if (floe_ingest_table_freeze_active(t, sh, NULL) == FLOE_OK) *froze = true;
    }
    r->rows += tot;
    if (sh->seq > r->last_seq) r->last_seq = sh->seq;
}

/* One append transaction: the live rows of bs[0..nb) go in all or nothing.
 * Under the mutexes of every shard it touches (taken in shard order) the
 * rows are staged in the memtables, seqs assigned and every WAL record
 * written; only then are they published. A failure before the publish
 * leaves nothing visible and writes an ABORT record to every shard that got
 * a record of the transaction. Durability is waited for without any lock;
 * the producer is accepted only after it. */
static int append_txn(floe_ingest_table *t, const floe_batch *bs, uint32_t nb,
                      const floe_ingest_append_opts *o, floe_ingest_append_result *res,
                      uint64_t *out_shard_seq, floe_err *err)
{
    static const floe_ingest_append_opts no_opts = {0, false, 0, 0, NULL, NULL};
    uint32_t i, j, s, maxlive = 0, nrec = 0, npieces = 0, nlocked = 0;
    uint32_t *shard_of = NULL, *locked = NULL, *pos = NULL, *u32;
    uint64_t *tickets = NULL, *tot = NULL, *written = NULL, sumlive = 0;
    txn_split *sp = NULL;
    floe_wal_piece *pieces = NULL;
    char *scratch = NULL;
    size_t nu64, nu32;
    floe_wal_txn txn;
    uint32_t one_shard;
    bool prod_busy = false, froze = false, published = false, cross;
    int rc = FLOE_OK;
    floe_ingest_append_result r;

    memset(&r, 0, sizeof r);
    memset(&txn, 0, sizeof txn);
    if (o == NULL) o = &no_opts;
    if (out_shard_seq) memset(out_shard_seq, 0, t->nshards * sizeof *out_shard_seq);
    if (o->shard_first_seq) memset(o->shard_first_seq, 0, t->nshards * sizeof *o->shard_first_seq);
    rc = check_batches(t, bs, nb, &maxlive, &sumlive, err);
    if (rc) return rc;
    rc = wait_for_memory(t, o->flags, err);
    if (rc) return rc;
    if (o->has_producer) {
        bool dup = false;
        pthread_mutex_lock(&t->prod_mu);
        rc = prod_begin(t, o->producer_id, o->producer_seq, &dup, err);
        pthread_mutex_unlock(&t->prod_mu);
        if (rc) return rc;
        if (dup) {
            r.duplicate = true;
            goto out;
        }
        prod_busy = true;
    }

    /* where the rows go: without a partition column the whole transaction
     * goes to one shard */
    one_shard = pick_shard(t, o);
    /* one zeroed allocation for all the bookkeeping (8-byte items first) */
    nu64 = (size_t)t->nshards * 3;
    nu32 = (size_t)t->nshards * 2 + (size_t)nb * (t->nshards + 1) + sumlive + maxlive;
    scratch = floe_calloc(1, nu64 * 8 + (size_t)t->nshards * sizeof *pieces +
                                 (size_t)nb * sizeof *sp + nu32 * 4 + 8);
    if (scratch == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    tot = (uint64_t *)scratch;
    written = tot + t->nshards;
    tickets = written + t->nshards;
    pieces = (floe_wal_piece *)(tickets + t->nshards);
    sp = (txn_split *)(pieces + t->nshards);
    u32 = (uint32_t *)(sp + nb);
    locked = u32;
    pos = locked + t->nshards;
    shard_of = pos + t->nshards;
    u32 = shard_of + maxlive;
    for (j = 0; j < nb; j++) {
        sp[j].start = u32;
        sp[j].order = u32 + t->nshards + 1;
        u32 = sp[j].order + floe_batch_rows(&bs[j]);
        split_batch(t, &bs[j], one_shard, shard_of, pos, &sp[j]);
        for (s = 0; s < t->nshards; s++) {
            uint32_t n = split_n(&sp[j], s);
            tot[s] += n;
            if (n) nrec++;
        }
    }
    if (nrec == 0) goto accept;
    for (s = 0; s < t->nshards; s++) {
        if (tot[s] == 0) continue;
        if (tot[s] > FLOE_MEMTABLE_MAX_ROWS) {
            rc = floe_err_set(err, FLOE_RANGE, "table %s: %" PRIu64 " rows for one shard in one "
                              "append", t->name, tot[s]);
            goto out;
        }
        locked[npieces++] = s;
    }
    cross = npieces > 1;

    /* stage every piece (nothing visible yet) */
    for (i = 0; i < npieces; i++) {
        ingest_shard *sh = &t->shards[locked[i]];
        pthread_mutex_lock(&sh->mu);
        nlocked++;
        rc = stage_piece(t, locked[i], bs, nb, sp, tot[locked[i]], o, &froze, err);
        if (rc) goto unlock;
        pieces[i].shard = locked[i];
        pieces[i].first_seq = sh->seq + 1;
        pieces[i].last_seq = sh->seq + tot[locked[i]];
    }
    /* write the WAL records: a transaction when there is more than one */
    if (nrec > 1) {
        txn.id = new_txn_id(t);
        txn.pieces = pieces;
        txn.npieces = npieces;
    }
    rc = write_wal(t, bs, nb, sp, pieces, npieces, o, nrec > 1 ? &txn : NULL, tickets, written,
                   err);
    if (rc) {
        stop_on_ioerr(t->db, rc, err);
        goto unlock;
    }
    for (i = 0; i < npieces; i++) {
        publish_piece(t, &pieces[i], tot[locked[i]], o, cross, &froze, &r);
        if (out_shard_seq) out_shard_seq[locked[i]] = t->shards[locked[i]].seq;
        if (o->shard_first_seq) o->shard_first_seq[locked[i]] = pieces[i].first_seq;
    }
    published = true;
unlock:
    if (!published) {
        for (i = 0; i < nlocked; i++) {
            ingest_shard *sh = &t->shards[locked[i]];
            floe_memtable_unstage(sh->active);
            /* the seqs stay free for the next append: the ABORT record
             * tells recovery which records of this shard to skip */
            if (written[locked[i]] && txn.id) {
                uint64_t tk;
                floe_wal_append_abort(sh->wal, txn.id, pieces[i].first_seq, written[locked[i]],
                                      &tk, NULL);
            }
        }
    }
    for (i = nlocked; i > 0; i--) pthread_mutex_unlock(&t->shards[locked[i - 1]].mu);
    if (!published) goto out;
accept:
    /* durability: wait without holding any ingest lock, shards in parallel */
    if (nrec) {
        rc = wait_durable(t, o, tickets, err);
        if (rc) {
            stop_on_ioerr(t->db, rc, err);
            goto out;
        }
    }
    if (prod_busy) {
        prod_end(t, o->producer_id, o->producer_seq, true);
        prod_busy = false;
    }
out:
    if (prod_busy) prod_end(t, o->producer_id, o->producer_seq, false);
    if (froze && t->db->has_thread) wake_flusher(t->db, false);
    floe_free(scratch);
    if (res) *res = r;
    return rc;
}

int floe_ingest_append(floe_ingest_table *t, const floe_batch *b,
                       const floe_ingest_append_opts *o, floe_ingest_append_result *res,
                       uint64_t *out_shard_seq, floe_err *err)
{
    return append_txn(t, b, 1, o, res, out_shard_seq, err);
}

int floe_ingest_append_many(floe_ingest_table *t, const floe_batch *batches, uint32_t n,
                            const floe_ingest_append_opts *o, floe_ingest_append_result *res,
                            uint64_t *out_shard_seq, floe_err *err)
{
    return append_txn(t, batches, n, o, res, out_shard_seq, err);
}

int floe_ingest_sync(floe_ingest_table *t, const uint64_t *tickets, floe_err *err)
{
    sync_job *jobs;
    uint32_t s, nj = 0;
    int rc;
    if (tickets == NULL || t->db->o.durability == FLOE_DURABILITY_OFF) return FLOE_OK;
    for (s = 0; s < t->nshards; s++)
        if (tickets[s] && t->shards[s].wal) nj++;
    if (nj == 0) return FLOE_OK;
    jobs = floe_malloc(nj * sizeof *jobs);
    if (jobs == NULL) return floe_err_nomem(err);
    nj = 0;
    for (s = 0; s < t->nshards; s++) {
        if (tickets[s] == 0 || t->shards[s].wal == NULL) continue;
        jobs[nj].wal = t->shards[s].wal;
        jobs[nj].ticket = tickets[s];
        nj++;
    }
    rc = sync_wals(t->db, jobs, nj, err);
    floe_free(jobs);
    return stop_on_ioerr(t->db, rc, err);
}

/* ------------------------------------------------------------------- flush */

/* Make everything written to any shard's WAL of t durable (one sync per
 * shard with unsynced records, in parallel). No-op for OFF. */
static int sync_all_wals(floe_ingest_table *t, floe_err *err)
{
    sync_job *jobs;
    uint32_t s, nj = 0;
    int rc;
    if (t->db->o.durability == FLOE_DURABILITY_OFF) return FLOE_OK;
    jobs = floe_malloc(t->nshards * sizeof *jobs);
    if (jobs == NULL) return floe_err_nomem(err);
    for (s = 0; s < t->nshards; s++) {
        uint64_t tk = t->shards[s].wal ? floe_wal_written(t->shards[s].wal) : 0;
        if (tk == 0) continue;
        jobs[nj].wal = t->shards[s].wal;
        jobs[nj].ticket = tk;
        nj++;
    }
    rc = sync_wals(t->db, jobs, nj, err);
    floe_free(jobs);
    return rc;
}

static void fill_info(floe_ingest_table *t, uint32_t shard, floe_memtable *m,
                      floe_ingest_flush_info *fi)
{
    memset(fi, 0, sizeof *fi);
    fi->table = t;
    fi->table_ctx = t->ctx;
    fi->table_id = t->table_id;
    fi->shard = shard;
    fi->mem = m;
    fi->nrows = floe_memtable_rows(m);
    fi->seq_lo = floe_memtable_seq_lo(m);
    fi->seq_hi = fi->seq_lo + fi->nrows - 1;
    fi->producers = floe_memtable_producers(m, &fi->nproducers);
}

/* Flush shard `si`: freeze its active memtable when `freeze`, then write and
 * commit its frozen memtables oldest first. When another thread is flushing
 * it, wait for it if `wait`, else return FLOE_OK at once. With `all` keep
 * going until the frozen list is empty; else flush one. */
static int flush_shard(floe_ingest_table *t, uint32_t si, bool freeze, bool wait, bool all,
                       floe_err *err)
{
    floe_ingest_db *db = t->db;
    ingest_shard *s = &t->shards[si];
    const floe_ingest_callbacks *cb = &db->o.cb;
    int rc = FLOE_OK;

    rc = check_stopped(db, "flush", err);
    if (rc) return rc;
    pthread_mutex_lock(&s->mu);
    while (s->flushing) {
        if (!wait) {
            pthread_mutex_unlock(&s->mu);
            return FLOE_OK;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
    if (freeze) {
        rc = floe_ingest_table_freeze_active(t, s, err);
        if (rc) {
            pthread_mutex_unlock(&s->mu);
            return rc;
        }
    }
    if (s->nfrozen == 0) {
        pthread_mutex_unlock(&s->mu);
        return FLOE_OK;
    }
    if (cb->write_part == NULL || cb->commit_part == NULL) {
        pthread_mutex_unlock(&s->mu);
        return floe_err_set(err, FLOE_MISUSE, "no flush callbacks configured");
    }
    s->flushing = true;
    while (s->nfrozen > 0) {
        floe_memtable *m = s->frozen[0].mem;
        uint64_t bytes = s->frozen[0].bytes;
        bool cross = s->frozen[0].cross;
        floe_ingest_flush_info fi;
        void *part = NULL;
        floe_err ferr = FLOE_ERR_INIT;

        pthread_mutex_unlock(&s->mu);
        fill_info(t, si, m, &fi);
        /* its rows become durable in a part: the other pieces of their
         * transactions (already written, under the shard mutexes) must be
         * durable first, or a crash could keep half a transaction */
        uint64_t sync_fails = floe_os_sync_failures();
        bool wal_failed = false;
        rc = cross ? sync_all_wals(t, &ferr) : FLOE_OK;
        wal_failed = rc == FLOE_IOERR;
        if (rc == FLOE_OK) rc = cb->write_part(cb->ctx, &fi, &part, &ferr);
        if (rc == FLOE_OK) {
            pthread_rwlock_wrlock(&t->vis);
            rc = cb->commit_part(cb->ctx, &fi, part, &ferr);
            if (rc == FLOE_OK) {
                pthread_mutex_lock(&s->mu);
                memmove(s->frozen, s->frozen + 1, (s->nfrozen - 1) * sizeof *s->frozen);
                s->nfrozen--;
                if (fi.seq_hi > s->flushed_seq) s->flushed_seq = fi.seq_hi;
                pthread_mutex_unlock(&s->mu);
            }
            pthread_rwlock_unlock(&t->vis);
            if (rc != FLOE_OK && cb->discard_part) cb->discard_part(cb->ctx, &fi, part);
        }
        if (rc != FLOE_OK) {
            if (ferr.code == FLOE_OK) floe_err_set(&ferr, rc, "flush failed");
            floe_err_prefix(&ferr, "flush of table %s shard %u: ", t->name, si);
            /* a failed sync (here or in the WAL) stops writing; a plain
             * write error (disk full) is retried with a new part from memory */
            if (wal_failed || floe_os_sync_failures() != sync_fails)
                floe_ingest_db_fail_stop(db, ferr.msg); /* before flush_error: it reads it */
            if (cb->flush_error) cb->flush_error(cb->ctx, &fi, &ferr);
            if (err) *err = ferr;
            atomic_store(&db->flush_failing, 1);
            pthread_mutex_lock(&s->mu);
            s->retry_at_ms = now_ms() + s->retry_ms;
            s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
            break;
        }
        atomic_store(&db->flush_failing, 0);
        floe_memtable_unref(m);
        db_mem_add(db, -(int64_t)bytes);
        pthread_mutex_lock(&db->mu);
        pthread_cond_broadcast(&db->mem_cv);
        pthread_mutex_unlock(&db->mu);
        if (s->wal) {
            floe_err werr = FLOE_ERR_INIT;
            if (floe_wal_truncate_upto(s->wal, fi.seq_hi, &werr) != FLOE_OK && cb->warning)
                cb->warning(cb->ctx, werr.msg);
        }
        pthread_mutex_lock(&s->mu);
        s->retry_ms = RETRY_MIN_MS;
        s->retry_at_ms = 0;
        if (!all) break;
    }
    s->flushing = false;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int floe_ingest_flush_table(floe_ingest_table *t, bool wait, floe_err *err)
{
    uint32_t i;
    int rc = FLOE_OK;
    if (!wait) {
        for (i = 0; i < t->nshards; i++) {
            ingest_shard *s = &t->shards[i];
            pthread_mutex_lock(&s->mu);
            rc = floe_ingest_table_freeze_active(t, s, err);
            pthread_mutex_unlock(&s->mu);
            if (rc) return rc;
        }
        if (t->db->has_thread) wake_flusher(t->db, false);
        return FLOE_OK;
    }
    for (i = 0; i < t->nshards; i++) {
        rc = flush_shard(t, i, true, true, true, err);
        if (rc) return rc;
    }
    return FLOE_OK;
}

/* Does shard s need flushing now (by the flusher)? */
static bool shard_due(floe_ingest_table *t, ingest_shard *s, int64_t now, bool pressure,
                      bool *out_freeze)
{
    bool due = false;
    uint64_t rows;
    *out_freeze = false;
    if (atomic_load(&t->db->stopped)) return false; /* fail-stop: never retried */
    pthread_mutex_lock(&s->mu);
    rows = floe_memtable_rows(s->active);
    *out_freeze = rows > 0 && (pressure || floe_ingest_table_over_thresholds(t, s) ||
                               /* '>': both times are truncated to whole ms,
                                * so '>=' could fire up to 1 ms early */
                               now - floe_memtable_first_row_ms(s->active) >
                                   (int64_t)t->flush_interval_ms);
    if ((s->nfrozen > 0 || *out_freeze) && !s->flushing && now >= s->retry_at_ms) due = true;
    pthread_mutex_unlock(&s->mu);
    return due;
}

static void *flusher_main(void *arg)
{
    floe_ingest_db *db = arg;
    pthread_mutex_lock(&db->mu);
    while (!db->stop) {
        floe_ingest_table **tabs;
        uint32_t n, i, k;
        bool pressure;
        if (!db->wake) {
            struct timespec ts;
            deadline_in(&ts, db->o.flusher_tick_ms);
            pthread_cond_timedwait(&db->cv, &db->mu, &ts);
            if (db->stop) break;
        }
        db->wake = false;
        pressure = db->pressure || atomic_load(&db->mem) > atomic_load(&db->mem_limit);
        db->pressure = false;
        n = db->ntables;
        tabs = floe_malloc((n ? n : 1) * sizeof *tabs);
        if (tabs == NULL) continue; /* retry next tick */
        for (i = 0; i < n; i++) {
            tabs[i] = db->tables[i];
            tabs[i]->users++;
        }
        pthread_mutex_unlock(&db->mu);
        for (i = 0; i < n && db->o.cb.write_part; i++) {
            floe_ingest_table *t = tabs[i];
            for (k = 0; k < t->nshards; k++) {
                bool freeze;
                if (shard_due(t, &t->shards[k], now_ms(), pressure, &freeze))
                    flush_shard(t, k, freeze, false, true, NULL);
            }
        }
        pthread_mutex_lock(&db->mu);
        for (i = 0; i < n; i++) tabs[i]->users--;
        floe_free(tabs);
        pthread_cond_broadcast(&db->mem_cv);
    }
    pthread_mutex_unlock(&db->mu);
    return NULL;
}

/* --------------------------------------------------------------- snapshots */

void floe_ingest_read_lock(floe_ingest_table *t) { pthread_rwlock_rdlock(&t->vis); }
void floe_ingest_read_unlock(floe_ingest_table *t) { pthread_rwlock_unlock(&t->vis); }
void floe_ingest_write_lock(floe_ingest_table *t) { pthread_rwlock_wrlock(&t->vis); }
void floe_ingest_write_unlock(floe_ingest_table *t) { pthread_rwlock_unlock(&t->vis); }

static int snap_push(floe_ingest_snapshot *sn, uint32_t *cap, floe_memtable *m, uint32_t shard,
                     floe_err *err)
{
    uint64_t rows = floe_memtable_rows(m);
    if (rows == 0) return FLOE_OK;
    if (sn->nmems == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        floe_ingest_snap_mem *nm = floe_realloc(sn->mems, nc * sizeof *nm);
        if (nm == NULL) return floe_err_nomem(err);
        sn->mems = nm;
        *cap = nc;
    }
    floe_memtable_ref(m);
    sn->mems[sn->nmems].mem = m;
    sn->mems[sn->nmems].rows = rows;
    sn->mems[sn->nmems].shard = shard;
    sn->nmems++;
    sn->rows += rows;
    return FLOE_OK;
}

int floe_ingest_snapshot_take(floe_ingest_table *t, floe_ingest_snapshot **out, floe_err *err)
{
    floe_ingest_snapshot *sn = floe_calloc(1, sizeof *sn);
    uint32_t cap = 0, i, k;
    int rc = FLOE_OK;
    *out = NULL;
    if (sn == NULL) return floe_err_nomem(err);
    sn->ncols = t->ncols;
    sn->types = floe_malloc(t->ncols * sizeof(floe_type));
    if (sn->types == NULL) {
        floe_ingest_snapshot_free(sn);
        return floe_err_nomem(err);
    }
    memcpy(sn->types, t->types, t->ncols * sizeof(floe_type));
    for (i = 0; i < t->nshards && rc == FLOE_OK; i++) {
        ingest_shard *s = &t->shards[i];
        pthread_mutex_lock(&s->mu);
        for (k = 0; k < s->nfrozen && rc == FLOE_OK; k++) rc = snap_push(sn, &cap, s->frozen[k].mem, i, err);
        if (rc == FLOE_OK) rc = snap_push(sn, &cap, s->active, i, err);
        pthread_mutex_unlock(&s->mu);
    }
    if (rc) {
        floe_ingest_snapshot_free(sn);
        return rc;
    }
    *out = sn;
    return FLOE_OK;
}

void floe_ingest_snapshot_free(floe_ingest_snapshot *s)
{
    uint32_t i;
    if (s == NULL) return;
    for (i = 0; i < s->nmems; i++) floe_memtable_unref(s->mems[i].mem);
    floe_free(s->mems);
    floe_free(s->types);
    floe_free(s);
}
