/* ingest/recover.c: WAL recovery of an ingest table at open.
 *
 * Purpose: rebuild each shard's memtables from its WAL after a restart or a
 * crash, keeping a multi-shard transaction only when every piece of it
 * reached a WAL, and settling dropped ones with ABORT records (the two
 * passes are described below). Called by floe_ingest_table_open() alone,
 * before the table is published, so no lock is held or needed.
 * Ownership: the scan state is local to floe_ingest_table_recover(); the
 * memtables and WALs it creates belong to the table's shards.
 */
#include "ingest/table_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* ---------------------------------------------------------------- recovery
 *
 * Two passes over the shards' WALs. Pass 1 (floe_wal_open with scan_record)
 * checks the files and notes, for every record of a multi-record
 * transaction, its shard, rows and manifest, and every ABORT record. Then a
 * transaction is kept only when no ABORT names it and every piece of its
 * manifest is covered: rows at or below that shard's flushed seq are in
 * parts, the others must be in that shard's records of the transaction.
 * Pass 2 (floe_wal_replay with replay_record) replays everything except
 * the records of dropped transactions. Last, every shard holding a record
 * of a dropped transaction but no ABORT for it gets one (synced), so a later
 * recovery never reconsiders the transaction even after the missing piece's
 * seqs were reused by new rows and flushed. */

typedef struct scan_rec {
    uint64_t txn;
    uint32_t shard;
    uint64_t first, last;
    size_t moff;   /* manifest: pool[moff, moff + np) */
    uint32_t np;
} scan_rec;

typedef struct scan_abort {
    uint64_t txn;
    uint32_t shard;
} scan_abort;

typedef struct scan_ctx {
    uint32_t shard;
    scan_rec *recs;
    size_t nrecs, caprecs;
    floe_wal_piece *pool;
    size_t npool, cappool;
    scan_abort *aborts;
    size_t naborts, capaborts;
    uint64_t *skip;       /* sorted ids of dropped transactions */
    size_t nskip, capskip;
    scan_rec *settle;       /* ABORT records to write (txn, shard, first, last) */
    size_t nsettle, capsettle;
} scan_ctx;

static int grow(void **p, size_t *cap, size_t need, size_t elem, floe_err *err)
{
    size_t nc;
    void *np;
    if (need <= *cap) return FLOE_OK;
    nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    np = floe_realloc(*p, nc * elem);
    if (np == NULL) return floe_err_nomem(err);
    *p = np;
    *cap = nc;
    return FLOE_OK;
}

static int scan_record(void *arg, const floe_wal_record *rec, floe_err *err)
{
    scan_ctx *sc = arg;
    int rc;
    if (rec->type == FLOE_WAL_REC_ABORT) {
        rc = grow((void **)&sc->aborts, &sc->capaborts, sc->naborts + 1, sizeof *sc->aborts, err);
        if (rc) return rc;
        sc->aborts[sc->naborts].txn = rec->txn_id;
        sc->aborts[sc->naborts].shard = sc->shard;
        sc->naborts++;
        return FLOE_OK;
    }
    if (rec->txn_id == 0 || rec->nrows == 0) return FLOE_OK;
    rc = grow((void **)&sc->recs, &sc->caprecs, sc->nrecs + 1, sizeof *sc->recs, err);
    if (rc == FLOE_OK)
        rc = grow((void **)&sc->pool, &sc->cappool, sc->npool + rec->npieces, sizeof *sc->pool, err);
    if (rc) return rc;
    sc->recs[sc->nrecs].txn = rec->txn_id;
    sc->recs[sc->nrecs].shard = sc->shard;
    sc->recs[sc->nrecs].first = rec->first_seq;
    sc->recs[sc->nrecs].last = rec->first_seq + rec->nrows - 1;
    sc->recs[sc->nrecs].moff = sc->npool;
    sc->recs[sc->nrecs].np = rec->npieces;
    memcpy(sc->pool + sc->npool, rec->pieces, rec->npieces * sizeof *rec->pieces);
    sc->npool += rec->npieces;
    sc->nrecs++;
    return FLOE_OK;
}

static int cmp_scan_rec(const void *a, const void *b)
{
    const scan_rec *x = a, *y = b;
    if (x->txn != y->txn) return x->txn < y->txn ? -1 : 1;
    if (x->shard != y->shard) return x->shard < y->shard ? -1 : 1;
    return (x->first > y->first) - (x->first < y->first);
}

static int cmp_scan_abort(const void *a, const void *b)
{
    const scan_abort *x = a, *y = b;
    if (x->txn != y->txn) return x->txn < y->txn ? -1 : 1;
    return (x->shard > y->shard) - (x->shard < y->shard);
}

static bool has_abort(const scan_ctx *sc, uint64_t txn, uint32_t shard, bool any_shard)
{
    size_t lo = 0, hi = sc->naborts;
    while (lo < hi) { /* first abort >= (txn, shard or 0) */
        size_t mid = (lo + hi) / 2;
        const scan_abort *a = &sc->aborts[mid];
        if (a->txn < txn || (a->txn == txn && !any_shard && a->shard < shard)) lo = mid + 1;
        else hi = mid;
    }
    return lo < sc->naborts && sc->aborts[lo].txn == txn &&
           (any_shard || sc->aborts[lo].shard == shard);
}

static bool skipped(const scan_ctx *sc, uint64_t txn)
{
    size_t lo = 0, hi = sc->nskip;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sc->skip[mid] < txn) lo = mid + 1;
        else hi = mid;
    }
    return lo < sc->nskip && sc->skip[lo] == txn;
}

/* Decide which transactions are dropped (sc->skip) and which ABORT records
 * must be written (sc->settle). FLOE_NOMEM. */
static int decide_txns(floe_ingest_table *t, scan_ctx *sc, floe_err *err)
{
    size_t g = 0, e, i, k;
    int rc;
    if (sc->nrecs) qsort(sc->recs, sc->nrecs, sizeof *sc->recs, cmp_scan_rec);
    if (sc->naborts) qsort(sc->aborts, sc->naborts, sizeof *sc->aborts, cmp_scan_abort);
    for (g = 0; g < sc->nrecs; g = e) {
        uint64_t txn = sc->recs[g].txn;
        bool keep;
        for (e = g; e < sc->nrecs && sc->recs[e].txn == txn; e++) {}
        keep = !has_abort(sc, txn, 0, true);
        for (k = 0; keep && k < sc->recs[g].np; k++) {
            const floe_wal_piece *p = &sc->pool[sc->recs[g].moff + k];
            uint64_t need;
            if (p->shard >= t->nshards || p->first_seq > p->last_seq) {
                keep = false;
                break;
            }
            need = t->shards[p->shard].flushed_seq + 1;
            if (need < p->first_seq) need = p->first_seq;
            for (i = g; i < e; i++)
                if (sc->recs[i].shard == p->shard && sc->recs[i].first <= need &&
                    sc->recs[i].last >= need)
                    need = sc->recs[i].last + 1;
            keep = need > p->last_seq;
        }
        if (keep) continue;
        rc = grow((void **)&sc->skip, &sc->capskip, sc->nskip + 1, sizeof *sc->skip, err);
        if (rc) return rc;
        sc->skip[sc->nskip++] = txn; /* groups come in txn order: stays sorted */
        for (i = g; i < e; i = k) {
            uint32_t sh = sc->recs[i].shard;
            uint64_t lo = sc->recs[i].first, hi = sc->recs[i].last;
            for (k = i; k < e && sc->recs[k].shard == sh; k++) {
                if (sc->recs[k].first < lo) lo = sc->recs[k].first;
                if (sc->recs[k].last > hi) hi = sc->recs[k].last;
            }
            if (has_abort(sc, txn, sh, false)) continue;
            rc = grow((void **)&sc->settle, &sc->capsettle, sc->nsettle + 1, sizeof *sc->settle, err);
            if (rc) return rc;
            sc->settle[sc->nsettle] = sc->recs[i];
            sc->settle[sc->nsettle].first = lo;
            sc->settle[sc->nsettle].last = hi;
            sc->nsettle++;
        }
    }
    return FLOE_OK;
}

static void scan_free(scan_ctx *sc)
{
    floe_free(sc->recs);
    floe_free(sc->pool);
    floe_free(sc->aborts);
    floe_free(sc->skip);
    floe_free(sc->settle);
    memset(sc, 0, sizeof *sc);
}

typedef struct replay_ctx {
    floe_ingest_table *t;
    ingest_shard *s;
    uint32_t *rows;
    uint32_t caprows;
    const scan_ctx *scan;
} replay_ctx;

static int replay_record(void *arg, const floe_wal_record *rec, floe_err *err)
{
    replay_ctx *rc_ = arg;
    floe_ingest_table *t = rc_->t;
    ingest_shard *s = rc_->s;
    uint64_t first = rec->first_seq, skip = 0;
    uint32_t c, i, n;
    int rc;

    if (rec->type != FLOE_WAL_REC_BATCH) return FLOE_OK;
    if (rec->txn_id && skipped(rc_->scan, rec->txn_id)) return FLOE_OK; /* partial or aborted */
    if (rec->batch->ncols != t->ncols)
        return floe_err_set(err, FLOE_CORRUPT, "wal segment %s: record at offset %" PRIu64
                            " has %u columns, table %s has %u", rec->segment, rec->offset,
                            rec->batch->ncols, t->name, t->ncols);
    for (c = 0; c < t->ncols; c++)
        if (!floe_type_eq(rec->batch->cols[c].type, t->types[c]))
            return floe_err_set(err, FLOE_CORRUPT, "wal segment %s: record at offset %" PRIu64
                                " column %u type differs from table %s", rec->segment,
                                rec->offset, c, t->name);
    if (rec->has_producer) {
        rc = floe_ingest_table_prod_note(t, rec->producer_id, rec->producer_seq, err);
        if (rc) return rc;
    }
    if (rec->nrows == 0) return FLOE_OK;
    /* rows already in parts, or already replayed, are skipped */
    if (first <= s->seq) skip = s->seq - first + 1;
    if (skip >= rec->nrows) return FLOE_OK;
    first += skip;
    if (first != s->seq + 1 || floe_memtable_rows(s->active) + rec->nrows > FLOE_MEMTABLE_MAX_ROWS) {
        /* a gap in sequence numbers (or a full memtable): keep row i <-> seq_lo + i */
        if (floe_memtable_rows(s->active) > 0) {
            rc = floe_ingest_table_freeze_active(t, s, err);
            if (rc) return rc;
        }
        floe_memtable_unref(s->active);
        s->active = NULL;
        s->active_accounted = 0;
        rc = floe_memtable_new(t->ncols, t->types, first, &s->active, err);
        if (rc) return rc;
    }
    n = rec->nrows - (uint32_t)skip;
    if (n > rc_->caprows) {
        uint32_t *r = floe_realloc(rc_->rows, n * sizeof *r);
        if (r == NULL) return floe_err_nomem(err);
        rc_->rows = r;
        rc_->caprows = n;
    }
    for (i = 0; i < n; i++) rc_->rows[i] = (uint32_t)skip + i;
    rc = floe_memtable_append(s->active, rec->batch, rc_->rows, n, err);
    if (rc) return rc;
    if (rec->has_producer) {
        rc = floe_memtable_note_producer(s->active, rec->producer_id, rec->producer_seq, err);
        if (rc) return rc;
    }
    s->seq = first + n - 1;
    floe_ingest_table_account_active(t, s);
    if (floe_ingest_table_over_thresholds(t, s)) return floe_ingest_table_freeze_active(t, s, err);
    return FLOE_OK;
}

/* FLOE_OPEN_SALVAGE: open the shard's WAL without replaying until it opens;
 * each FLOE_CORRUPT moves the damaged segment and those after it to
 * quarantine (floe_wal_salvage keeps the records before the damage) and is
 * reported through the warning callback. Other errors are returned. */
static int salvage_wal(floe_ingest_table *t, const floe_wal_opts *base, floe_err *err)
{
    floe_ingest_db *db = t->db;
    floe_wal_opts wo = *base;
    uint64_t segno = 0, off = 0;
    int tries;
    wo.corrupt_segno = &segno;
    wo.corrupt_offset = &off;
    for (tries = 0; tries < 64; tries++) {
        char warn[FLOE_ERRMSG_MAX], note[FLOE_ERRMSG_MAX + 400];
        floe_wal *w = NULL;
        floe_err e = FLOE_ERR_INIT;
        int rc = floe_wal_open(&wo, NULL, NULL, warn, sizeof warn, &w, &e);
        if (rc == FLOE_OK) {
            uint64_t last = floe_wal_last_seq(w);
            floe_wal_close(w);
            if (tries > 0 && db->o.cb.warning) {
                snprintf(note, sizeof note, "salvage: table %s shard %u: rows with sequence numbers "
                         "above %llu that were in the quarantined WAL are lost (unless already in "
                         "parts)", t->name, base->shard, (unsigned long long)last);
                db->o.cb.warning(db->o.cb.ctx, note);
            }
            return FLOE_OK;
        }
        if (rc != FLOE_CORRUPT) {
            if (err) *err = e;
            return rc;
        }
        rc = floe_wal_salvage(&wo, segno, off, note, sizeof note, err);
        if (rc) return rc;
        t->wal_salvaged++;
        if (db->o.cb.warning) {
            size_t k = strlen(note);
            snprintf(note + k, sizeof note - k, " (%s)", e.msg);
            db->o.cb.warning(db->o.cb.ctx, note);
        }
    }
    return floe_err_set(err, FLOE_CORRUPT, "table %s shard %u: WAL salvage did not converge",
                        t->name, base->shard);
}

int floe_ingest_table_recover(floe_ingest_table *t, floe_err *err)
{
    floe_ingest_db *db = t->db;
    replay_ctx rcx;
    scan_ctx scx;
    uint32_t i;
    int rc;

    memset(&scx, 0, sizeof scx);
    memset(&rcx, 0, sizeof rcx);
    if (db->o.dir) {
        uint32_t walshards;
        rc = floe_wal_shard_count(db->o.dir, t->table_id, &walshards, err);
        if (rc) goto fail;
        if (walshards > t->nshards) {
            rc = floe_err_set(err, FLOE_MISUSE, "table %s: its WAL has %u shards but it is opened "
                              "with %u (the shard count must not change)", t->name, walshards,
                              t->nshards);
            goto fail;
        }
    }
    rcx.t = t;
    rcx.scan = &scx;
    /* pass 1: check every WAL and note its transactions (see Recovery) */
    for (i = 0; i < t->nshards; i++) {
        ingest_shard *s = &t->shards[i];
        rc = floe_memtable_new(t->ncols, t->types, s->seq + 1, &s->active, err);
        if (rc) goto fail;
        if (db->o.dir) {
            floe_wal_opts wo;
            char warn[FLOE_ERRMSG_MAX];
            memset(&wo, 0, sizeof wo);
            wo.db_dir = db->o.dir;
            wo.table_id = t->table_id;
            wo.shard = i;
            wo.durability = db->o.durability;
            wo.group_commit_ms = db->o.group_commit_ms;
            wo.segment_bytes = db->o.wal_segment_bytes;
            wo.readonly = db->o.readonly;
            scx.shard = i;
            if (db->o.salvage && !db->o.readonly) {
                rc = salvage_wal(t, &wo, err);
                if (rc) goto fail;
            }
            rc = floe_wal_open(&wo, scan_record, &scx, warn, sizeof warn, &s->wal, err);
            if (rc) {
                floe_err_prefix(err, "table %s: ", t->name);
                goto fail;
            }
            if (warn[0]) t->torn_tails++;
            if (warn[0] && db->o.cb.warning) db->o.cb.warning(db->o.cb.ctx, warn);
        }
    }
    if (db->o.dir) {
        rc = decide_txns(t, &scx, err);
        if (rc) goto fail;
    }
    /* pass 2: replay */
    for (i = 0; i < t->nshards && db->o.dir; i++) {
        ingest_shard *s = &t->shards[i];
        rcx.s = s;
        rc = floe_wal_replay(s->wal, replay_record, &rcx, err);
        if (rc) {
            floe_err_prefix(err, "table %s: ", t->name);
            goto fail;
        }
        if (floe_wal_last_seq(s->wal) > s->seq) s->seq = floe_wal_last_seq(s->wal);
        if (floe_memtable_rows(s->active) > 0 &&
            floe_memtable_seq_lo(s->active) + floe_memtable_rows(s->active) != s->seq + 1) {
            /* dropped records at the end: row i <-> seq_lo + i must hold */
            rc = floe_ingest_table_freeze_active(t, s, err);
            if (rc) goto fail;
        }
        if (floe_memtable_rows(s->active) == 0 && floe_memtable_seq_lo(s->active) != s->seq + 1) {
            floe_memtable_unref(s->active);
            s->active = NULL;
            rc = floe_memtable_new(t->ncols, t->types, s->seq + 1, &s->active, err);
            if (rc) goto fail;
        }
    }
    /* settle dropped transactions for good before anything new is written
     * (a read-only handle just leaves them out: the writer settles them) */
    for (size_t k = 0; k < scx.nsettle && !db->o.readonly; k++) {
        const scan_rec *a = &scx.settle[k];
        uint64_t tk;
        rc = floe_wal_append_abort(t->shards[a->shard].wal, a->txn, a->first, a->last, &tk, err);
        if (rc == FLOE_OK) rc = floe_wal_sync(t->shards[a->shard].wal, tk, err);
        if (rc) {
            floe_err_prefix(err, "table %s: ", t->name);
            goto fail;
        }
    }
    t->txns_dropped = (uint32_t)scx.nsettle;
    if (scx.nsettle && !db->o.readonly && db->o.cb.warning) {
        char msg[160];
        snprintf(msg, sizeof msg, "table %s: dropped %zu pieces of transactions that did not "
                 "reach every shard's WAL", t->name, scx.nsettle);
        db->o.cb.warning(db->o.cb.ctx, msg);
    }
    scan_free(&scx);
    rc = FLOE_OK;
fail:
    floe_free(rcx.rows);
    scan_free(&scx);
    return rc;
}
