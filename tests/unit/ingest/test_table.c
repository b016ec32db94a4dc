/* tests/unit/ingest/test_table.c: shards, sequences, recovery, flush, producers. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <xxhash.h>

#include "ingest/table.h"
#include "ingest_test_util.h"

/* ------------------------------------------------------------ fake storage */

typedef struct fake_part {
    uint32_t shard;
    uint64_t seq_lo, seq_hi, nrows;
    int64_t *ids; /* column 0 of every row */
} fake_part;

typedef struct fake_store {
    pthread_mutex_t mu;   /* only for the counters below; parts are guarded by the visibility lock */
    fake_part *parts;
    uint32_t nparts, cap;
    uint64_t part_rows;
    int fail_writes;      /* fail this many write_part calls */
    int fail_commits;     /* fail this many commit_part calls */
    int errors, discards;
    uint64_t last_seq_hi[16];
    floe_ingest_producer prods[8];
    uint32_t nprods;
} fake_store;

static int fake_write(void *ctx, const floe_ingest_flush_info *fi, void **out, floe_err *err)
{
    fake_store *st = ctx;
    fake_part *p;
    uint64_t ch, r = 0;
    pthread_mutex_lock(&st->mu);
    if (st->fail_writes > 0) {
        st->fail_writes--;
        pthread_mutex_unlock(&st->mu);
        return floe_err_set(err, FLOE_IOERR, "disk full (fake)");
    }
    pthread_mutex_unlock(&st->mu);
    cr_assert_eq(fi->seq_hi - fi->seq_lo + 1, fi->nrows);
    p = calloc(1, sizeof *p);
    p->shard = fi->shard;
    p->seq_lo = fi->seq_lo;
    p->seq_hi = fi->seq_hi;
    p->nrows = fi->nrows;
    p->ids = malloc(fi->nrows * sizeof *p->ids);
    for (ch = 0; ch < floe_memtable_nchunks(fi->nrows); ch++) {
        uint32_t n = (uint32_t)(fi->nrows - ch * FLOE_VEC_SIZE < FLOE_VEC_SIZE
                                    ? fi->nrows - ch * FLOE_VEC_SIZE
                                    : FLOE_VEC_SIZE);
        floe_vec v;
        floe_memtable_chunk_vec(fi->mem, ch, 0, n, &v);
        memcpy(p->ids + r, v.data, n * sizeof(int64_t));
        r += n;
    }
    *out = p;
    return FLOE_OK;
}

static int fake_commit(void *ctx, const floe_ingest_flush_info *fi, void *part, floe_err *err)
{
    fake_store *st = ctx;
    fake_part *p = part;
    uint32_t i, k;
    pthread_mutex_lock(&st->mu);
    if (st->fail_commits > 0) {
        st->fail_commits--;
        pthread_mutex_unlock(&st->mu);
        return floe_err_set(err, FLOE_IOERR, "catalog busy (fake)");
    }
    /* parts of a shard commit in sequence order, without gaps */
    cr_assert_eq(p->seq_lo, st->last_seq_hi[fi->shard] + 1);
    st->last_seq_hi[fi->shard] = p->seq_hi;
    if (st->nparts == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->parts = realloc(st->parts, st->cap * sizeof *st->parts);
    }
    st->parts[st->nparts++] = *p;
    st->part_rows += p->nrows;
    for (i = 0; i < fi->nproducers; i++) {
        for (k = 0; k < st->nprods; k++)
            if (st->prods[k].id == fi->producers[i].id) break;
        if (k == st->nprods) {
            st->prods[k] = fi->producers[i];
            st->nprods++;
        } else if (fi->producers[i].seq > st->prods[k].seq) {
            st->prods[k].seq = fi->producers[i].seq;
        }
    }
    pthread_mutex_unlock(&st->mu);
    free(p);
    return FLOE_OK;
}

static void fake_discard(void *ctx, const floe_ingest_flush_info *fi, void *part)
{
    fake_store *st = ctx;
    fake_part *p = part;
    (void)fi;
    pthread_mutex_lock(&st->mu);
    st->discards++;
    pthread_mutex_unlock(&st->mu);
    free(p->ids);
    free(p);
}

static void fake_error(void *ctx, const floe_ingest_flush_info *fi, const floe_err *err)
{
    fake_store *st = ctx;
    (void)fi;
    cr_assert_neq(err->code, FLOE_OK);
    pthread_mutex_lock(&st->mu);
    st->errors++;
    pthread_mutex_unlock(&st->mu);
}

static void fake_init(fake_store *st)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
}

static void fake_free(fake_store *st)
{
    uint32_t i;
    for (i = 0; i < st->nparts; i++) free(st->parts[i].ids);
    free(st->parts);
}

static floe_ingest_db *open_db(const char *dir, fake_store *st, bool background,
                               floe_durability d, uint64_t mem_limit)
{
    floe_ingest_db_opts o;
    floe_ingest_db *db;
    floe_err err = FLOE_ERR_INIT;
    memset(&o, 0, sizeof o);
    o.dir = dir;
    o.durability = d;
    o.background_flush = background;
    o.flusher_tick_ms = 5;
    o.mem_limit_bytes = mem_limit;
    o.cb.ctx = st;
    o.cb.write_part = fake_write;
    o.cb.commit_part = fake_commit;
    o.cb.discard_part = fake_discard;
    o.cb.flush_error = fake_error;
    cr_assert_eq(floe_ingest_db_open(&o, &db, &err), FLOE_OK, "%s", err.msg);
    return db;
}

/* Table: (id BIGINT, key VARCHAR, v DOUBLE) partitioned by column `pcol`. */
static floe_ingest_table *open_table(floe_ingest_db *db, int32_t pcol, uint32_t nshards,
                                     uint64_t flush_rows, const uint64_t *flushed)
{
    static floe_type types[3];
    floe_ingest_table_opts o;
    floe_ingest_table *t;
    floe_err err = FLOE_ERR_INIT;
    types[0] = floe_type_make(FLOE_TYPE_BIGINT);
    types[1] = floe_type_make(FLOE_TYPE_VARCHAR);
    types[2] = floe_type_make(FLOE_TYPE_DOUBLE);
    memset(&o, 0, sizeof o);
    o.table_id = 9;
    o.name = "events";
    o.ncols = 3;
    o.types = types;
    o.partition_col = pcol;
    o.nshards = nshards;
    o.flush_rows = flush_rows;
    o.flush_interval_ms = 20;
    o.flushed_seq = flushed;
    cr_assert_eq(floe_ingest_table_open(db, &o, &t, &err), FLOE_OK, "%s", err.msg);
    return t;
}

/* Batch of n rows with ids id0.., key "k<id % nkeys>", v = id / 2. */
static void make_batch(floe_batch *b, uint32_t n, int64_t id0, uint32_t nkeys)
{
    floe_type types[3] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR),
                          floe_type_make(FLOE_TYPE_DOUBLE)};
    uint32_t i;
    char buf[32];
    cr_assert_eq(floe_batch_init(b, 3, types, n ? n : 1), FLOE_OK);
    for (i = 0; i < n; i++) {
        int64_t id = id0 + i;
        int len = snprintf(buf, sizeof buf, "k%lld", (long long)(id % nkeys));
        FLOE_VEC_DATA(&b->cols[0], int64_t)[i] = id;
        floe_vec_set_string(&b->cols[1], i, buf, (uint32_t)len);
        FLOE_VEC_DATA(&b->cols[2], double)[i] = (double)id / 2;
    }
    b->n = b->cols[0].n = b->cols[1].n = b->cols[2].n = n;
}

static uint64_t snapshot_rows(floe_ingest_table *t)
{
    floe_ingest_snapshot *sn;
    uint64_t rows;
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    rows = sn->rows;
    floe_ingest_snapshot_free(sn);
    return rows;
}

/* Mark every id in the snapshot in seen[]; fail on a repeat. */
static void mark_snapshot(const floe_ingest_snapshot *sn, uint8_t *seen, uint64_t nseen)
{
    uint32_t m;
    for (m = 0; m < sn->nmems; m++) {
        uint64_t r;
        for (r = 0; r < sn->mems[m].rows; r++) {
            floe_value v;
            floe_memtable_get(sn->mems[m].mem, r, 0, &v);
            cr_assert_lt((uint64_t)v.v.i, nseen);
            cr_assert_eq(seen[v.v.i], 0, "id %lld seen twice", (long long)v.v.i);
            seen[v.v.i] = 1;
        }
    }
}

/* ------------------------------------------------------------------ tests */

Test(shard, distribution_is_stable_for_known_keys)
{
    floe_vec v;
    int64_t keys[5] = {0, 1, 42, -7, 1234567890123LL};
    uint32_t want[5] = {1, 6, 0, 4, 6}; /* XXH3_64(8 LE bytes) % 8, fixed forever */
    floe_string s[3] = {{"alice", 5}, {"bob", 3}, {"", 0}};
    uint32_t want_s[3] = {0, 5, 2};
    int32_t d = 19000;
    uint64_t bm = ~2ULL;
    int i;

    floe_vec_borrow(&v, floe_type_make(FLOE_TYPE_BIGINT), keys, NULL, 5);
    for (i = 0; i < 5; i++) {
        cr_assert_eq(floe_ingest_shard_of(&v, (uint32_t)i, 8), want[i], "key %lld", (long long)keys[i]);
        cr_assert_eq(floe_ingest_shard_of(&v, (uint32_t)i, 8),
                     XXH3_64bits(&keys[i], 8) % 8);
        cr_assert_eq(floe_ingest_shard_of(&v, (uint32_t)i, 5), XXH3_64bits(&keys[i], 8) % 5);
    }
    floe_vec_borrow(&v, floe_type_make(FLOE_TYPE_VARCHAR), s, NULL, 3);
    for (i = 0; i < 3; i++) cr_assert_eq(floe_ingest_shard_of(&v, (uint32_t)i, 8), want_s[i]);
    floe_vec_borrow(&v, floe_type_make(FLOE_TYPE_DATE), &d, NULL, 1);
    cr_assert_eq(floe_ingest_shard_of(&v, 0, 8), 6);
    /* NULL keys go to shard 0 */
    floe_vec_borrow(&v, floe_type_make(FLOE_TYPE_BIGINT), keys, &bm, 5);
    cr_assert_eq(floe_ingest_shard_of(&v, 1, 8), 0);
    cr_assert_eq(floe_ingest_shard_of(&v, 0, 8), 1);
}

Test(shard, append_scatters_by_key_with_gapless_sequences)
{
    floe_ingest_db *db = open_db(NULL, NULL, false, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, 1, 4, 0, NULL);
    floe_ingest_snapshot *sn;
    uint64_t shard_rows[4] = {0}, shard_seq[4], seen_last[4] = {0};
    uint8_t *seen = calloc(20000, 1);
    int64_t id = 0;
    uint32_t m, s;
    uint64_t seed = 5;

    while (id < 20000) {
        floe_batch b;
        floe_ingest_append_result res;
        floe_err err = FLOE_ERR_INIT;
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 1500), i;
        uint64_t maxs = 0;
        if (id + n > 20000) n = (uint32_t)(20000 - id);
        make_batch(&b, n, id, 37);
        for (i = 0; i < n; i++) shard_rows[floe_ingest_shard_of(&b.cols[1], i, 4)]++;
        cr_assert_eq(floe_ingest_append(t, &b, NULL, &res, shard_seq, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(res.rows, n);
        for (s = 0; s < 4; s++) {
            if (shard_seq[s] == 0) continue;
            cr_assert_eq(shard_seq[s], shard_rows[s], "per-shard seq counts its rows");
            cr_assert_gt(shard_seq[s], seen_last[s]);
            seen_last[s] = shard_seq[s];
            if (shard_seq[s] > maxs) maxs = shard_seq[s];
        }
        cr_assert_eq(res.last_seq, maxs);
        floe_batch_free(&b);
        id += n;
    }
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 20000);
    {
        uint64_t next[4] = {1, 1, 1, 1};
        for (m = 0; m < sn->nmems; m++) {
            floe_ingest_snap_mem *e = &sn->mems[m];
            uint64_t r;
            cr_assert_eq(floe_memtable_seq_lo(e->mem), next[e->shard], "no gaps between memtables");
            next[e->shard] += e->rows;
            for (r = 0; r < e->rows; r++) {
                floe_value k;
                floe_vec kv;
                floe_memtable_get(e->mem, r, 1, &k);
                floe_vec_borrow(&kv, k.type, &k.v.s, NULL, 1);
                cr_assert_eq(floe_ingest_shard_of(&kv, 0, 4), e->shard, "row in the wrong shard");
            }
        }
        for (s = 0; s < 4; s++) {
            cr_assert_eq(next[s] - 1, shard_rows[s]);
            cr_assert_eq(floe_ingest_table_last_seq(t, s), shard_rows[s]);
        }
    }
    mark_snapshot(sn, seen, 20000);
    for (id = 0; id < 20000; id++) cr_assert(seen[id]);
    floe_ingest_snapshot_free(sn);
    free(seen);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
}

Test(shard, no_partition_key_is_round_robin_by_batch)
{
    floe_ingest_db *db = open_db(NULL, NULL, false, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, -1, 3, 0, NULL);
    uint64_t seqs[3];
    int k;
    for (k = 0; k < 6; k++) {
        floe_batch b;
        uint32_t s, touched = 0;
        make_batch(&b, 10, k * 10, 5);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, seqs, NULL), FLOE_OK);
        for (s = 0; s < 3; s++)
            if (seqs[s]) touched++;
        cr_assert_eq(touched, 1);
        cr_assert_eq(seqs[k % 3], (uint64_t)(k / 3 + 1) * 10);
        floe_batch_free(&b);
    }
    cr_assert_eq(snapshot_rows(t), 60);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

static void deferred_sync_case(floe_durability d)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    floe_ingest_append_opts ao = {FLOE_INGEST_DEFER_SYNC, false, 0, 0, NULL, NULL};
    uint64_t tickets[4] = {0, 0, 0, 0}, seqs[4], flushed[4] = {0, 0, 0, 0}, syncs = 0;
    uint8_t seen[700];
    uint32_t s, home = 4, k;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, d, 0);
    t = open_table(db, -1, 4, 0, NULL);
    ao.sync_tickets = tickets;
    /* the first append opens a segment (its syncs are counted), the next
     * four only write: their rows follow the first ones to the same shard */
    for (k = 0; k < 5; k++) {
        floe_batch b;
        make_batch(&b, 100, k * 100, 5);
        cr_assert_eq(floe_ingest_append(t, &b, &ao, NULL, seqs, NULL), FLOE_OK);
        floe_batch_free(&b);
        for (s = 0; s < 4 && d != FLOE_DURABILITY_OFF; s++) {
            if (!seqs[s]) continue;
            if (home == 4) home = s;
            cr_assert_eq(s, home, "deferred batch %u went to shard %u, not %u", k, s, home);
            cr_assert_eq(seqs[s], (k + 1) * 100);
        }
        if (k == 0) syncs = floe_ingest_table_wal_syncs(t);
    }
    if (d == FLOE_DURABILITY_OFF) {
        /* nothing to sync: no ticket is held, batches go round-robin */
        for (s = 0; s < 4; s++) cr_assert_eq(tickets[s], 0);
        cr_assert_eq(floe_ingest_sync(t, tickets, NULL), FLOE_OK);
        cr_assert_eq(floe_ingest_table_wal_syncs(t), 0);
        cr_assert_eq(snapshot_rows(t), 500);
        floe_ingest_table_close(t, false, NULL);
        floe_ingest_db_close(db, NULL);
        fake_free(&st);
        return;
    }
    cr_assert_lt(home, 4);
    for (s = 0; s < 4; s++) cr_assert_eq(tickets[s] != 0, s == home);
    cr_assert_eq(floe_ingest_table_wal_syncs(t), syncs, "a deferred append synced its WAL");
    cr_assert_eq(snapshot_rows(t), 500); /* visible before durable, as for any append */
    cr_assert_eq(floe_ingest_sync(t, tickets, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_table_wal_syncs(t), syncs + 1, "one sync covers the five appends");
    cr_assert_eq(floe_ingest_sync(t, tickets, NULL), FLOE_OK); /* already durable: no new sync */
    cr_assert_eq(floe_ingest_table_wal_syncs(t), syncs + 1);
    /* with no ticket held the next batch goes round-robin again */
    memset(tickets, 0, sizeof tickets);
    for (k = 5; k < 7; k++) {
        floe_batch b;
        make_batch(&b, 100, k * 100, 5);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, seqs, NULL), FLOE_OK);
        floe_batch_free(&b);
        cr_assert_eq(seqs[home], 0);
    }
    /* everything is in the WAL: a reopen without a flush recovers all 700 */
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
    db = open_db(dir, &st, false, d, 0);
    t = open_table(db, -1, 4, 0, flushed);
    memset(seen, 0, sizeof seen);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 700);
    mark_snapshot(sn, seen, 700);
    floe_ingest_snapshot_free(sn);
    cr_assert_eq(floe_ingest_table_last_seq(t, home), 500);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
    fake_free(&st);
}

Test(shard, deferred_syncs_keep_batches_on_one_shard_and_one_sync_covers_them)
{
    deferred_sync_case(FLOE_DURABILITY_BATCH);
    deferred_sync_case(FLOE_DURABILITY_FULL);
    deferred_sync_case(FLOE_DURABILITY_OFF);
}

Test(shard, selection_vector_is_honoured)
{
    floe_ingest_db *db = open_db(NULL, NULL, false, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, 0, 2, 0, NULL);
    floe_ingest_snapshot *sn;
    floe_batch b;
    uint8_t seen[100] = {0};
    uint32_t i;
    make_batch(&b, 100, 0, 5);
    b.sel = floe_malloc(50 * sizeof(uint32_t));
    for (i = 0; i < 50; i++) b.sel[i] = i * 2;
    b.nsel = 50;
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 50);
    mark_snapshot(sn, seen, 100);
    for (i = 0; i < 100; i++) cr_assert_eq(seen[i], i % 2 == 0);
    floe_ingest_snapshot_free(sn);
    floe_batch_free(&b);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

typedef struct mt_ctx {
    floe_ingest_table *t;
    int id;
} mt_ctx;

static void *appender_main(void *arg)
{
    mt_ctx *cx = arg;
    int k;
    for (k = 0; k < 40; k++) {
        floe_batch b;
        make_batch(&b, 250, (int64_t)cx->id * 10000 + k * 250, 101);
        cr_assert_eq(floe_ingest_append(cx->t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    return NULL;
}

Test(shard, concurrent_appenders_keep_sequences_gapless)
{
    floe_ingest_db *db = open_db(NULL, NULL, false, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, 1, 4, 0, NULL);
    floe_ingest_snapshot *sn;
    pthread_t th[4];
    mt_ctx cx[4];
    uint8_t *seen = calloc(40000, 1);
    uint64_t next[4] = {1, 1, 1, 1}, total = 0;
    uint32_t i, m;
    for (i = 0; i < 4; i++) {
        cx[i].t = t;
        cx[i].id = (int)i;
        pthread_create(&th[i], NULL, appender_main, &cx[i]);
    }
    for (i = 0; i < 4; i++) pthread_join(th[i], NULL);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 40000);
    for (m = 0; m < sn->nmems; m++) {
        cr_assert_eq(floe_memtable_seq_lo(sn->mems[m].mem), next[sn->mems[m].shard]);
        next[sn->mems[m].shard] += sn->mems[m].rows;
    }
    for (i = 0; i < 4; i++) total += floe_ingest_table_last_seq(t, i);
    cr_assert_eq(total, 40000);
    mark_snapshot(sn, seen, 40000);
    floe_ingest_snapshot_free(sn);
    free(seen);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

Test(table, wal_recovery_restores_unflushed_rows_and_sequences)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    uint64_t last[3], flushed[3];
    uint8_t seen[3000];
    int k;
    uint32_t s;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_BATCH, 0);
    t = open_table(db, 0, 3, 0, NULL);
    for (k = 0; k < 10; k++) {
        floe_batch b;
        make_batch(&b, 100, k * 100, 7);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    /* flush the first 1000 rows, then append 2000 more that stay in the WAL */
    cr_assert_eq(floe_ingest_flush_table(t, true, NULL), FLOE_OK);
    cr_assert_eq(st.part_rows, 1000);
    for (k = 10; k < 30; k++) {
        floe_batch b;
        make_batch(&b, 100, k * 100, 7);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    for (s = 0; s < 3; s++) {
        last[s] = floe_ingest_table_last_seq(t, s);
        flushed[s] = floe_ingest_table_flushed_seq(t, s);
        cr_assert_eq(flushed[s], st.last_seq_hi[s]);
    }
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK); /* "crash": no flush */
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);

    db = open_db(dir, &st, false, FLOE_DURABILITY_BATCH, 0);
    t = open_table(db, 0, 3, 0, flushed);
    memset(seen, 0, sizeof seen);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 2000);
    mark_snapshot(sn, seen, 3000);
    for (k = 0; k < 3000; k++) cr_assert_eq(seen[k], k >= 1000, "id %d", k);
    floe_ingest_snapshot_free(sn);
    for (s = 0; s < 3; s++) cr_assert_eq(floe_ingest_table_last_seq(t, s), last[s]);
    {
        /* numbering continues */
        floe_batch b;
        uint64_t seqs[3];
        make_batch(&b, 50, 5000, 7);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, seqs, NULL), FLOE_OK);
        for (s = 0; s < 3; s++)
            if (seqs[s]) cr_assert_gt(seqs[s], last[s]);
        floe_batch_free(&b);
    }
    cr_assert_eq(floe_ingest_table_close(t, true, NULL), FLOE_OK);
    cr_assert_eq(st.part_rows, 3050);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
    fake_free(&st);
}

typedef struct flush_ctx {
    floe_ingest_table *t;
    fake_store *st;
    atomic_uint_fast64_t started, done;
    atomic_int stop;
    uint64_t checks;
} flush_ctx;

static void *reader_main(void *arg)
{
    flush_ctx *fx = arg;
    while (!atomic_load(&fx->stop)) {
        uint64_t before = atomic_load(&fx->done), after, total;
        floe_ingest_snapshot *sn;
        floe_ingest_read_lock(fx->t);
        total = fx->st->part_rows; /* the "part list", guarded by the visibility lock */
        cr_assert_eq(floe_ingest_snapshot_take(fx->t, &sn, NULL), FLOE_OK);
        total += sn->rows;
        floe_ingest_read_unlock(fx->t);
        after = atomic_load(&fx->started);
        cr_assert_geq(total, before, "rows lost: %llu < %llu", (unsigned long long)total,
                      (unsigned long long)before);
        cr_assert_leq(total, after, "rows doubled: %llu > %llu", (unsigned long long)total,
                      (unsigned long long)after);
        floe_ingest_snapshot_free(sn);
        fx->checks++;
    }
    return NULL;
}

Test(flush, rows_move_to_parts_exactly_once_under_concurrent_snapshots)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    flush_ctx fx;
    pthread_t rd;
    floe_ingest_snapshot *sn;
    uint8_t *seen = calloc(60000, 1);
    uint32_t i;
    int64_t id = 0;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, true, FLOE_DURABILITY_OFF, 0);
    memset(&fx, 0, sizeof fx);
    fx.t = open_table(db, 1, 3, 3000, NULL);
    fx.st = &st;
    pthread_create(&rd, NULL, reader_main, &fx);
    while (id < 60000) {
        floe_batch b;
        make_batch(&b, 500, id, 13);
        atomic_fetch_add(&fx.started, 500);
        cr_assert_eq(floe_ingest_append(fx.t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        atomic_fetch_add(&fx.done, 500);
        floe_batch_free(&b);
        id += 500;
        if (id % 10000 == 0) usleep(2000);
    }
    usleep(50000); /* let the age timer flush the rest in the background */
    atomic_store(&fx.stop, 1);
    pthread_join(rd, NULL);
    cr_assert_gt(fx.checks, 10);
    cr_assert_gt(st.nparts, 3, "the flusher wrote parts");
    cr_assert_eq(floe_ingest_flush_table(fx.t, true, NULL), FLOE_OK);
    floe_ingest_read_lock(fx.t);
    cr_assert_eq(floe_ingest_snapshot_take(fx.t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, 0);
    floe_ingest_snapshot_free(sn);
    floe_ingest_read_unlock(fx.t);
    cr_assert_eq(st.part_rows, 60000);
    for (i = 0; i < st.nparts; i++) {
        uint64_t r;
        for (r = 0; r < st.parts[i].nrows; r++) {
            int64_t v = st.parts[i].ids[r];
            cr_assert_eq(seen[v], 0, "id %lld in two parts", (long long)v);
            seen[v] = 1;
        }
    }
    for (id = 0; id < 60000; id++) cr_assert(seen[id]);
    cr_assert_eq(floe_ingest_db_mem_bytes(db), 0);
    cr_assert_eq(floe_ingest_table_close(fx.t, true, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
    free(seen);
    fake_free(&st);
}

Test(flush, failed_flush_keeps_rows_visible_and_retries)
{
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_batch b;
    floe_err err = FLOE_ERR_INIT;

    fake_init(&st);
    db = open_db(NULL, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 2, 0, NULL);
    make_batch(&b, 1000, 0, 3);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    st.fail_writes = 1;
    cr_assert_eq(floe_ingest_flush_table(t, true, &err), FLOE_IOERR);
    cr_assert(strstr(err.msg, "disk full") != NULL, "%s", err.msg);
    cr_assert_eq(st.errors, 1);
    cr_assert_eq(snapshot_rows(t), 1000, "frozen rows stay visible");
    st.fail_commits = 1;
    cr_assert_eq(floe_ingest_flush_table(t, true, &err), FLOE_IOERR);
    cr_assert_eq(st.discards, 1);
    cr_assert_eq(snapshot_rows(t), 1000 - st.part_rows);
    cr_assert_eq(floe_ingest_flush_table(t, true, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.part_rows, 1000);
    cr_assert_eq(snapshot_rows(t), 0);
    floe_batch_free(&b);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(flush, failed_flush_is_retried_by_the_background_flusher)
{
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_batch b;
    int waited = 0;

    fake_init(&st);
    st.fail_writes = 2;
    db = open_db(NULL, &st, true, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 1, 0, NULL);
    make_batch(&b, 100, 0, 3);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    while (waited < 3000) {
        pthread_mutex_lock(&st.mu);
        if (st.part_rows == 100) {
            pthread_mutex_unlock(&st.mu);
            break;
        }
        pthread_mutex_unlock(&st.mu);
        usleep(10000);
        waited += 10;
    }
    cr_assert_eq(st.part_rows, 100);
    cr_assert_eq(st.errors, 2);
    floe_batch_free(&b);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(flush, memory_bound_gives_busy_with_nowait)
{
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_append_opts ao = {FLOE_INGEST_NOWAIT, false, 0, 0, NULL, NULL};
    floe_err err = FLOE_ERR_INIT;
    int k, busy = 0;

    fake_init(&st);
    db = open_db(NULL, &st, false, FLOE_DURABILITY_OFF, 200000);
    t = open_table(db, 0, 2, 0, NULL);
    for (k = 0; k < 50 && !busy; k++) {
        floe_batch b;
        int rc;
        make_batch(&b, 1000, k * 1000, 3);
        rc = floe_ingest_append(t, &b, &ao, NULL, NULL, &err);
        if (rc == FLOE_BUSY) busy = 1;
        else cr_assert_eq(rc, FLOE_OK);
        floe_batch_free(&b);
    }
    cr_assert(busy, "appends were refused once over the bound");
    cr_assert_gt(floe_ingest_db_mem_bytes(db), 200000);
    /* a blocking append flushes (no flusher thread: in the caller) and goes on */
    {
        floe_batch b;
        make_batch(&b, 10, 999999, 3);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, &err), FLOE_OK, "%s", err.msg);
        floe_batch_free(&b);
    }
    cr_assert_lt(floe_ingest_db_mem_bytes(db), 200000);
    cr_assert_gt(st.part_rows, 0);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(flush, appenders_block_until_the_flusher_frees_memory)
{
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    uint64_t peak = 0;
    int k;

    fake_init(&st);
    db = open_db(NULL, &st, true, FLOE_DURABILITY_OFF, 300000);
    t = open_table(db, 0, 2, 0, NULL);
    for (k = 0; k < 100; k++) {
        floe_batch b;
        uint64_t m;
        make_batch(&b, 1000, k * 1000, 3);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
        m = floe_ingest_db_mem_bytes(db);
        if (m > peak) peak = m;
    }
    /* one batch may overshoot the bound, never many */
    cr_assert_lt(peak, 300000 + 200000, "peak %llu", (unsigned long long)peak);
    cr_assert_eq(floe_ingest_table_close(t, true, NULL), FLOE_OK);
    cr_assert_eq(st.part_rows, 100000);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(producer, retries_are_skipped_and_state_survives_recovery)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_append_opts ao = {0, true, 42, 0, NULL, NULL};
    floe_ingest_append_result res;
    uint64_t seq, flushed[2] = {0, 0};
    floe_ingest_producer *prods;
    uint32_t np;
    int k;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_FULL, 0);
    t = open_table(db, 0, 2, 0, NULL);
    for (k = 1; k <= 5; k++) {
        floe_batch b;
        make_batch(&b, 10, k * 10, 3);
        ao.producer_seq = (uint64_t)k;
        cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
        cr_assert(!res.duplicate);
        cr_assert_eq(res.rows, 10);
        /* the retry of the same batch is skipped */
        cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
        cr_assert(res.duplicate);
        cr_assert_eq(res.rows, 0);
        floe_batch_free(&b);
    }
    cr_assert_eq(snapshot_rows(t), 50);
    cr_assert(floe_ingest_producer_seq(t, 42, &seq));
    cr_assert_eq(seq, 5);
    cr_assert(!floe_ingest_producer_seq(t, 43, &seq));
    cr_assert_eq(floe_ingest_table_producers(t, &prods, &np, NULL), FLOE_OK);
    cr_assert_eq(np, 1);
    cr_assert_eq(prods[0].seq, 5);
    floe_free(prods);
    /* flush exports the producer state to the catalog */
    cr_assert_eq(floe_ingest_flush_table(t, true, NULL), FLOE_OK);
    cr_assert_eq(st.nprods, 1);
    cr_assert_eq(st.prods[0].id, 42);
    cr_assert_eq(st.prods[0].seq, 5);
    flushed[0] = floe_ingest_table_flushed_seq(t, 0);
    flushed[1] = floe_ingest_table_flushed_seq(t, 1);
    /* seq 6 stays only in the WAL */
    {
        floe_batch b;
        make_batch(&b, 10, 60, 3);
        ao.producer_seq = 6;
        cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);

    /* restart: catalog says 5, the WAL says 6 */
    db = open_db(dir, &st, false, FLOE_DURABILITY_FULL, 0);
    {
        floe_ingest_table_opts o;
        floe_type types[3] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR),
                              floe_type_make(FLOE_TYPE_DOUBLE)};
        memset(&o, 0, sizeof o);
        o.table_id = 9;
        o.name = "events";
        o.ncols = 3;
        o.types = types;
        o.partition_col = 0;
        o.nshards = 2;
        o.flushed_seq = flushed;
        o.producers = st.prods;
        o.nproducers = st.nprods;
        cr_assert_eq(floe_ingest_table_open(db, &o, &t, NULL), FLOE_OK);
    }
    cr_assert(floe_ingest_producer_seq(t, 42, &seq));
    cr_assert_eq(seq, 6);
    cr_assert_eq(snapshot_rows(t), 10);
    for (k = 5; k <= 7; k++) {
        floe_batch b;
        make_batch(&b, 10, 100 + k, 3);
        ao.producer_seq = (uint64_t)k;
        cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
        cr_assert_eq(res.duplicate, k < 7, "seq %d", k);
        floe_batch_free(&b);
    }
    cr_assert_eq(snapshot_rows(t), 20);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(table, close_with_open_tables_is_busy)
{
    floe_ingest_db *db = open_db(NULL, NULL, true, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, -1, 2, 0, NULL);
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_ingest_db_close(db, &err), FLOE_BUSY);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, &err), FLOE_OK);
}

Test(table, batch_of_wrong_shape_is_a_type_error)
{
    floe_ingest_db *db = open_db(NULL, NULL, false, FLOE_DURABILITY_OFF, 0);
    floe_ingest_table *t = open_table(db, -1, 2, 0, NULL);
    floe_type ty = floe_type_make(FLOE_TYPE_BIGINT);
    floe_batch b;
    floe_err err = FLOE_ERR_INIT;
    floe_batch_init(&b, 1, &ty, 4);
    b.n = b.cols[0].n = 1;
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, &err), FLOE_TYPE);
    floe_batch_free(&b);
    /* same shape, but a DECIMAL where the table has a DOUBLE */
    make_batch(&b, 3, 0, 1);
    b.cols[2].type = floe_type_decimal(10, 2);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, &err), FLOE_TYPE);
    cr_assert(strstr(err.msg, "column 3 is DOUBLE, batch has DECIMAL(10,2)") != NULL, "%s", err.msg);
    b.cols[2].type = floe_type_make(FLOE_TYPE_DOUBLE);
    floe_batch_free(&b);
    cr_assert_eq(snapshot_rows(t), 0);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

Test(table, failed_allocations_leave_memtable_and_wal_consistent)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    uint64_t ok_rows = 0, flushed[1] = {0};
    uint8_t seen[40 * 300];
    int k, failures = 0;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, -1, 1, 0, NULL);
    for (k = 0; k < 40; k++) {
        floe_batch b;
        floe_ingest_append_result res;
        int rc;
        make_batch(&b, 300, k * 300, 11);
        floe_mem_fail_after(k % 8, 0);
        rc = floe_ingest_append(t, &b, NULL, &res, NULL, NULL);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            ok_rows += 300;
            cr_assert_eq(res.last_seq, ok_rows, "no sequence numbers burned by failures");
        } else {
            cr_assert_eq(rc, FLOE_NOMEM);
            failures++;
        }
        cr_assert_eq(snapshot_rows(t), ok_rows);
        floe_batch_free(&b);
    }
    cr_assert_gt(failures, 0);
    cr_assert_gt(ok_rows, 0);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    /* the WAL holds exactly the rows the memtable accepted */
    t = open_table(db, -1, 1, 0, flushed);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(sn->rows, ok_rows);
    memset(seen, 0, sizeof seen);
    mark_snapshot(sn, seen, sizeof seen);
    floe_ingest_snapshot_free(sn);
    cr_assert_eq(floe_ingest_table_last_seq(t, 0), ok_rows);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

static uint32_t count_wal_files(const char *dir)
{
    char path[600], cmd[700];
    FILE *p;
    unsigned n = 0;
    snprintf(path, sizeof path, "%s/wal", dir);
    snprintf(cmd, sizeof cmd, "ls %s | wc -l", path);
    p = popen(cmd, "r");
    cr_assert_eq(fscanf(p, "%u", &n), 1);
    pclose(p);
    return n;
}

Test(flush, committed_parts_truncate_the_wal)
{
    char dir[512];
    fake_store st;
    floe_ingest_db_opts o;
    floe_ingest_db *db;
    floe_ingest_table *t;
    uint32_t before;
    int k;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    memset(&o, 0, sizeof o);
    o.dir = dir;
    o.durability = FLOE_DURABILITY_OFF;
    o.wal_segment_bytes = 8192;
    o.cb.ctx = &st;
    o.cb.write_part = fake_write;
    o.cb.commit_part = fake_commit;
    cr_assert_eq(floe_ingest_db_open(&o, &db, NULL), FLOE_OK);
    t = open_table(db, -1, 1, 0, NULL);
    for (k = 0; k < 40; k++) {
        floe_batch b;
        make_batch(&b, 100, k * 100, 11);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    before = count_wal_files(dir);
    cr_assert_gt(before, 5);
    cr_assert_eq(floe_ingest_flush_table(t, true, NULL), FLOE_OK);
    cr_assert_leq(count_wal_files(dir), 1, "only the open segment is left");
    cr_assert_eq(st.part_rows, 4000);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(flush, age_and_byte_thresholds_trigger_flushes)
{
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_table_opts o;
    floe_type types[3] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR),
                          floe_type_make(FLOE_TYPE_DOUBLE)};
    floe_batch b;
    int waited = 0;
    struct timespec t0, t1;

    fake_init(&st);
    db = open_db(NULL, &st, true, FLOE_DURABILITY_OFF, 0);
    memset(&o, 0, sizeof o);
    o.name = "t";
    o.ncols = 3;
    o.types = types;
    o.partition_col = -1;
    o.nshards = 1;
    o.flush_bytes = 50000;       /* ~1500 rows */
    o.flush_interval_ms = 100000; /* age never fires here */
    cr_assert_eq(floe_ingest_table_open(db, &o, &t, NULL), FLOE_OK);
    make_batch(&b, 1000, 0, 3);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    usleep(30000);
    cr_assert_eq(st.part_rows, 0, "under both thresholds");
    floe_batch_free(&b);
    make_batch(&b, 1000, 1000, 3);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    floe_batch_free(&b);
    while (waited < 2000) {
        pthread_mutex_lock(&st.mu);
        if (st.part_rows == 2000) {
            pthread_mutex_unlock(&st.mu);
            break;
        }
        pthread_mutex_unlock(&st.mu);
        usleep(5000);
        waited += 5;
    }
    cr_assert_eq(st.part_rows, 2000, "bytes threshold froze and flushed");
    floe_ingest_table_close(t, false, NULL);

    /* age: 10 rows flush after flush_interval_ms */
    o.table_id = 2;
    st.last_seq_hi[0] = 0; /* the fake store tracks one table's sequence */
    o.flush_bytes = 0;
    o.flush_interval_ms = 150;
    cr_assert_eq(floe_ingest_table_open(db, &o, &t, NULL), FLOE_OK);
    make_batch(&b, 10, 0, 3);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    floe_batch_free(&b);
    usleep(10000);
    cr_assert_eq(st.part_rows, 2000, "not old enough yet");
    waited = 0;
    while (waited < 3000) {
        pthread_mutex_lock(&st.mu);
        if (st.part_rows == 2010) {
            pthread_mutex_unlock(&st.mu);
            break;
        }
        pthread_mutex_unlock(&st.mu);
        usleep(5000);
        waited += 5;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cr_assert_eq(st.part_rows, 2010, "the age timer flushed");
    cr_assert_geq((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 150,
                  "not before the interval");
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(table, opening_with_fewer_shards_than_the_wal_is_refused)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_table_opts o;
    floe_type types[3] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR),
                          floe_type_make(FLOE_TYPE_DOUBLE)};
    floe_err err = FLOE_ERR_INIT;
    int k;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 4, 0, NULL);
    for (k = 0; k < 4; k++) {
        floe_batch b;
        make_batch(&b, 50, k * 50, 50);
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    floe_ingest_table_close(t, false, NULL);
    memset(&o, 0, sizeof o);
    o.table_id = 9;
    o.name = "events";
    o.ncols = 3;
    o.types = types;
    o.partition_col = 0;
    o.nshards = 2;
    cr_assert_eq(floe_ingest_table_open(db, &o, &t, &err), FLOE_MISUSE);
    cr_assert(strstr(err.msg, "WAL has 4 shards") != NULL, "%s", err.msg);
    t = open_table(db, 0, 4, 0, NULL);
    cr_assert_eq(snapshot_rows(t), 200);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(table, open_and_recovery_survive_every_failed_allocation)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    uint64_t flushed[2] = {0, 0};
    int k, fail, opened = 0;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 2, 700, NULL); /* replay will freeze memtables too */
    for (k = 0; k < 10; k++) {
        floe_batch b;
        floe_ingest_append_opts ao = {0, true, 5, (uint64_t)k + 1, NULL, NULL};
        make_batch(&b, 300, k * 300, 17);
        cr_assert_eq(floe_ingest_append(t, &b, &ao, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    floe_ingest_table_close(t, false, NULL);
    for (fail = 0; fail < 400 && opened < 3; fail++) {
        floe_ingest_table_opts o;
        floe_type types[3] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR),
                              floe_type_make(FLOE_TYPE_DOUBLE)};
        floe_err err = FLOE_ERR_INIT;
        int rc;
        memset(&o, 0, sizeof o);
        o.table_id = 9;
        o.name = "events";
        o.ncols = 3;
        o.types = types;
        o.partition_col = 0;
        o.nshards = 2;
        o.flush_rows = 700;
        o.flushed_seq = flushed;
        floe_mem_fail_after(fail, 0);
        rc = floe_ingest_table_open(db, &o, &t, &err);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            uint64_t seq;
            opened++;
            cr_assert_eq(snapshot_rows(t), 3000);
            cr_assert(floe_ingest_producer_seq(t, 5, &seq));
            cr_assert_eq(seq, 10);
            floe_ingest_table_close(t, false, NULL);
        } else {
            cr_assert_eq(rc, FLOE_NOMEM, "fail %d: %s", fail, err.msg);
            cr_assert_null(t);
        }
        cr_assert_eq(floe_ingest_db_mem_bytes(db), 0, "fail %d: memory accounting leaked", fail);
    }
    cr_assert_gt(opened, 0);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
    fake_free(&st);
}

Test(flush, failed_allocations_during_flush_lose_and_double_nothing)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    uint8_t seen[4000];
    uint32_t i;
    int k, fail;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 2, 0, NULL);
    for (fail = 0; fail < 30; fail++) {
        for (k = 0; k < 2; k++) {
            floe_batch b;
            make_batch(&b, 50, (fail * 2 + k) * 50, 9);
            cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
            floe_batch_free(&b);
        }
        floe_mem_fail_after(fail % 6, 0);
        (void)floe_ingest_flush_table(t, true, NULL);
        floe_mem_fail_after(-1, 0);
        cr_assert_eq(st.part_rows + snapshot_rows(t), (uint64_t)(fail + 1) * 100);
    }
    cr_assert_eq(floe_ingest_flush_table(t, true, NULL), FLOE_OK);
    cr_assert_eq(st.part_rows, 3000);
    memset(seen, 0, sizeof seen);
    for (i = 0; i < st.nparts; i++) {
        uint64_t r;
        for (r = 0; r < st.parts[i].nrows; r++) {
            cr_assert_eq(seen[st.parts[i].ids[r]], 0);
            seen[st.parts[i].ids[r]] = 1;
        }
    }
    cr_assert_eq(floe_ingest_db_mem_bytes(db), 0);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(flush, without_a_flush_target_the_memory_bound_is_busy)
{
    floe_ingest_db_opts o;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_err err = FLOE_ERR_INIT;
    int k, rc = FLOE_OK;
    memset(&o, 0, sizeof o);
    o.background_flush = true;
    o.mem_limit_bytes = 100000;
    cr_assert_eq(floe_ingest_db_open(&o, &db, NULL), FLOE_OK);
    t = open_table(db, -1, 1, 0, NULL);
    for (k = 0; k < 20 && rc == FLOE_OK; k++) {
        floe_batch b;
        make_batch(&b, 1000, k * 1000, 3);
        rc = floe_ingest_append(t, &b, NULL, NULL, NULL, &err); /* must not block */
        floe_batch_free(&b);
    }
    cr_assert_eq(rc, FLOE_BUSY);
    cr_assert(strstr(err.msg, "nothing to flush to") != NULL, "%s", err.msg);
    cr_assert_eq(floe_ingest_flush_table(t, true, &err), FLOE_MISUSE);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_db_close(db, NULL), FLOE_OK);
}

/* ------------------------------------------------- multi-shard transactions */

/* Cut the last WAL segment of shard `shard` of table 9 back to its header,
 * as a crash between two shards' WAL writes leaves it. */
static void cut_last_segment(const char *dir, uint32_t shard)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "f=$(ls %s/wal/9-%u-*.wal | sort -t- -k3 -n | tail -1) && truncate -s 32 \"$f\"",
             dir, shard);
    cr_assert_eq(system(cmd), 0);
}

/* ids >= from whose key (column 0, BIGINT) maps to `shard` of nshards. */
static void ids_in_shard(uint32_t shard, uint32_t nshards, int64_t from, uint32_t n, int64_t *out)
{
    floe_vec v;
    uint32_t k = 0;
    cr_assert_eq(floe_vec_init(&v, floe_type_make(FLOE_TYPE_BIGINT), 1), FLOE_OK);
    v.n = 1;
    for (int64_t id = from; k < n; id++) {
        FLOE_VEC_DATA(&v, int64_t)[0] = id;
        if (floe_ingest_shard_of(&v, 0, nshards) == shard) out[k++] = id;
    }
    floe_vec_free(&v);
}

static void batch_of_ids(floe_batch *b, const int64_t *ids, uint32_t n)
{
    uint32_t i;
    make_batch(b, n, 0, 1);
    for (i = 0; i < n; i++) FLOE_VEC_DATA(&b->cols[0], int64_t)[i] = ids[i];
}

/* Ids in the table's memtables, each once, plus the fake parts' ids. */
static uint64_t count_ids(floe_ingest_table *t, fake_store *st, uint8_t *seen, uint64_t nseen)
{
    floe_ingest_snapshot *sn;
    uint64_t n, i;
    uint32_t p;
    memset(seen, 0, nseen);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    mark_snapshot(sn, seen, nseen);
    n = sn->rows;
    floe_ingest_snapshot_free(sn);
    for (p = 0; p < st->nparts; p++) {
        for (i = 0; i < st->parts[p].nrows; i++) {
            int64_t id = st->parts[p].ids[i];
            cr_assert_lt((uint64_t)id, nseen);
            cr_assert_eq(seen[id], 0, "id %lld twice", (long long)id);
            seen[id] = 1;
        }
        n += st->parts[p].nrows;
    }
    return n;
}

Test(txn, partial_transaction_is_dropped_in_every_shard_and_its_retry_applies)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_append_opts ao = {0, true, 7, 1, NULL, NULL};
    floe_ingest_append_result res;
    uint64_t shard_seq[2], seq;
    uint8_t seen[64];
    floe_batch b;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_FULL, 0);
    t = open_table(db, 0, 2, 0, NULL);
    make_batch(&b, 10, 0, 10);
    cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, shard_seq, NULL), FLOE_OK);
    cr_assert(shard_seq[0] > 0 && shard_seq[1] > 0, "the batch spans both shards");
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cut_last_segment(dir, 1);

    /* the piece in shard 0 must not come back alone, nor the producer */
    t = open_table(db, 0, 2, 0, NULL);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), 0);
    cr_assert(!floe_ingest_producer_seq(t, 7, &seq) || seq == 0);
    cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
    cr_assert(!res.duplicate, "the retry of a dropped batch is applied");
    cr_assert_eq(res.rows, 10);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);

    /* and a second recovery keeps exactly the retry */
    t = open_table(db, 0, 2, 0, NULL);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), 10);
    for (int i = 0; i < 10; i++) cr_assert(seen[i]);
    cr_assert_eq(floe_ingest_append(t, &b, &ao, &res, NULL, NULL), FLOE_OK);
    cr_assert(res.duplicate);
    floe_ingest_table_close(t, false, NULL);
    floe_batch_free(&b);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(txn, abort_keeps_a_second_recovery_stable_after_the_seqs_are_reused_and_flushed)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_append_result res;
    uint64_t shard_seq[2], flushed[2];
    uint8_t seen[4096];
    int64_t ids[20];
    floe_batch b, b1;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_FULL, 0);
    t = open_table(db, 0, 2, 0, NULL);
    make_batch(&b, 10, 0, 10);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, &res, shard_seq, NULL), FLOE_OK);
    cr_assert(shard_seq[0] > 0 && shard_seq[1] > 0);
    floe_batch_free(&b);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    cut_last_segment(dir, 1);

    t = open_table(db, 0, 2, 0, NULL);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), 0);
    /* new rows in shard 1 reuse the lost piece's seqs and reach a part;
     * shard 0 (holding the orphan piece) has nothing to flush */
    ids_in_shard(1, 2, 1000, 20, ids);
    batch_of_ids(&b1, ids, 20);
    cr_assert_eq(floe_ingest_append(t, &b1, NULL, &res, shard_seq, NULL), FLOE_OK);
    cr_assert_eq(shard_seq[0], 0);
    cr_assert_geq(res.rows, 20);
    floe_batch_free(&b1);
    cr_assert_eq(floe_ingest_flush_table(t, true, NULL), FLOE_OK);
    flushed[0] = floe_ingest_table_flushed_seq(t, 0);
    flushed[1] = floe_ingest_table_flushed_seq(t, 1);
    cr_assert_geq(flushed[1], 20);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);

    /* the orphan piece's manifest is now "covered" by shard 1's part: only
     * the ABORT record written by the first recovery keeps it out */
    t = open_table(db, 0, 2, 0, flushed);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), 20);
    for (int i = 0; i < 10; i++) cr_assert(!seen[i], "id %d of the dropped batch is back", i);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(txn, piece_whose_other_piece_is_in_a_part_is_replayed)
{
    char dir[512], cmd[700];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_append_result res;
    uint64_t shard_seq[2], flushed[2];
    uint8_t seen[64];
    floe_batch b;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_FULL, 0);
    t = open_table(db, 0, 2, 0, NULL);
    make_batch(&b, 10, 0, 10);
    cr_assert_eq(floe_ingest_append(t, &b, NULL, &res, shard_seq, NULL), FLOE_OK);
    floe_batch_free(&b);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    /* shard 1's piece went to a part and its WAL was truncated */
    snprintf(cmd, sizeof cmd, "rm %s/wal/9-1-*.wal", dir);
    cr_assert_eq(system(cmd), 0);
    flushed[0] = 0;
    flushed[1] = shard_seq[1];
    t = open_table(db, 0, 2, 0, flushed);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), shard_seq[0]);
    floe_ingest_table_close(t, false, NULL);
    /* without it (flushed seq 0), the piece is partial */
    flushed[1] = 0;
    t = open_table(db, 0, 2, 0, flushed);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), 0);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}

Test(txn, append_many_is_all_or_nothing_under_failed_allocations)
{
    char dir[512];
    fake_store st;
    floe_ingest_db *db;
    floe_ingest_table *t;
    uint64_t ok_rows = 0;
    uint8_t seen[40 * 3 * 100];
    int k, failures = 0;

    tu_tmpdir(dir, sizeof dir);
    fake_init(&st);
    db = open_db(dir, &st, false, FLOE_DURABILITY_OFF, 0);
    t = open_table(db, 0, 4, 0, NULL);
    for (k = 0; k < 40; k++) {
        floe_batch bs[3];
        floe_ingest_append_result res;
        int rc, j;
        for (j = 0; j < 3; j++) make_batch(&bs[j], 100, (k * 3 + j) * 100, 1000000);
        floe_mem_fail_after(k % 20, 0);
        floe_err err = FLOE_ERR_INIT;
        rc = floe_ingest_append_many(t, bs, 3, NULL, &res, NULL, &err);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            ok_rows += 300;
            cr_assert_eq(res.rows, 300);
        } else {
            cr_assert_eq(rc, FLOE_NOMEM, "k %d rc %d: %s", k, rc, err.msg);
            failures++;
        }
        cr_assert_eq(snapshot_rows(t), ok_rows, "all or nothing (k %d)", k);
        for (j = 0; j < 3; j++) floe_batch_free(&bs[j]);
    }
    cr_assert_gt(failures, 0);
    cr_assert_gt(ok_rows, 0);
    cr_assert_eq(floe_ingest_table_close(t, false, NULL), FLOE_OK);
    /* the WALs hold exactly the accepted transactions, whole */
    t = open_table(db, 0, 4, 0, NULL);
    cr_assert_eq(count_ids(t, &st, seen, sizeof seen), ok_rows);
    for (k = 0; k < 40 * 3; k++) {
        int j, n = 0;
        for (j = 0; j < 100; j++) n += seen[k * 100 + j];
        cr_assert(n == 0 || n == 100, "batch %d partially present (%d rows)", k, n);
    }
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
    fake_free(&st);
}
