/* storage/catalog_parts.c: the catalog's parts, shard sequence state,
 * stream offsets and producer state (the contract is storage/catalog.h).
 *
 * Purpose: allocating part ids, committing and replacing parts (the commit
 * point of a flush, merge or TTL drop) with their shard ranges, offsets and
 * producer state in the same transaction, listing parts with the checks
 * that their sequence ranges explain shard_state, and the per-shard,
 * per-stream and per-producer records. Split from storage/catalog.c (open,
 * migrations, table definitions, open-time cleanup), whose sqlite helpers it
 * shares through storage/catalog_internal.h.
 * Thread-safety: as storage/catalog.h: every function takes the catalog
 * mutex for its statements. Ownership: lists returned are the caller's,
 * freed with the matching *_free.
 */
#include "storage/catalog.h"
#include "storage/catalog_internal.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"

/* --------------------------------------------------------------- parts */

int floe_catalog_alloc_part_id(floe_catalog *c, int64_t table_id, int64_t *out_id, floe_err *err)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    int rc;
    const char *what = "allocate part id";
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    rc = floe_catalog_prep(c, "UPDATE meta SET value=value+1 WHERE key='next_part_id' RETURNING value-1", &st,
              what, err);
    if (rc) goto out;
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW)
        rc = floe_catalog_int_col(st, 0, 1, INT64_MAX - 1, &id) ? FLOE_OK : BADVAL(c, "next part id is invalid");
    else if (rc == FLOE_DONE)
        rc = BADVAL(c, "next part id is missing");
    sqlite3_finalize(st);
    if (rc) goto out;
    /* recorded as pending in the same transaction: a directory part-<id>
     * left by a crash before its commit is then known to be removable */
    rc = floe_catalog_prep(c, "INSERT INTO pending_parts VALUES(?,?)", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, table_id);
    rc = floe_catalog_run(c, st, what, err);
out:
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    if (rc == FLOE_OK) *out_id = id;
    return rc;
}

static int bind_value(sqlite3_stmt *st, int i, const floe_value *v)
{
    if (v->type.id == FLOE_TYPE_VARCHAR)
        return sqlite3_bind_blob(st, i, v->v.s.len ? v->v.s.ptr : "", (int)v->v.s.len,
                                 SQLITE_TRANSIENT);
    return sqlite3_bind_blob(st, i, &v->v, 8, SQLITE_TRANSIENT);
}

/* Insert part rows for `p` (transaction and mutex held). */
int floe_catalog_insert_part(floe_catalog *c, int64_t tid, const floe_part_info *p,
                             const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    uint32_t i;
    int rc = floe_catalog_prep(c, "INSERT INTO parts VALUES(?,?,?,?,?,1)", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, p->part_id);
    sqlite3_bind_int64(st, 2, tid);
    sqlite3_bind_int64(st, 3, (int64_t)p->rows);
    sqlite3_bind_int64(st, 4, (int64_t)p->bytes);
    sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
    rc = floe_catalog_run(c, st, what, err);
    if (rc) return rc;
    for (i = 0; i < p->ncols; i++) {
        const floe_part_col_info *ci = &p->cols[i];
        int flags = (ci->has_minmax ? 1 : 0) | (ci->min_trunc ? 2 : 0) | (ci->max_trunc ? 4 : 0);
        rc = floe_catalog_prep(c, "INSERT INTO part_columns VALUES(?,?,?,?,?,?,?)", &st, what, err);
        if (rc) return rc;
        sqlite3_bind_int64(st, 1, p->part_id);
        sqlite3_bind_int64(st, 2, ci->id);
        sqlite3_bind_int64(st, 3, (int64_t)ci->bytes);
        sqlite3_bind_int64(st, 4, (int64_t)ci->nulls);
        sqlite3_bind_int(st, 5, flags);
        if (ci->has_minmax) {
            bind_value(st, 6, &ci->min);
            bind_value(st, 7, &ci->max);
        }
        rc = floe_catalog_run(c, st, what, err);
        if (rc) return rc;
    }
    return FLOE_OK;
}

/* *found: the table exists (transaction and mutex held). */
static int table_exists(floe_catalog *c, int64_t tid, bool *found, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "SELECT 1 FROM tables WHERE id=?", &st, what, err);
    *found = false;
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_step(c, st, what, err);
    sqlite3_finalize(st);
    if (rc == FLOE_ROW) *found = true;
    return rc == FLOE_ROW || rc == FLOE_DONE ? FLOE_OK : rc;
}

/* The part is no longer pending (its commit or merge is in this
 * transaction). */
int floe_catalog_clear_pending(floe_catalog *c, int64_t part_id, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "DELETE FROM pending_parts WHERE id=?", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, part_id);
    return floe_catalog_run(c, st, what, err);
}

static int set_offset_locked(floe_catalog *c, const floe_stream_offset *o, const char *what,
                             floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "INSERT OR REPLACE INTO stream_offsets VALUES(?,?,?,?,?)", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, o->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->topic, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, o->partition);
    sqlite3_bind_int64(st, 4, o->next_offset);
    sqlite3_bind_int64(st, 5, o->table_id);
    return floe_catalog_run(c, st, what, err);
}

/* Upsert a producer's last seq, keeping the larger (c->mu held). */
static int set_producer_locked(floe_catalog *c, const char *producer, int64_t table_id,
                               uint64_t last_seq, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    /* sequence numbers only advance: a stale value never lowers the stored one */
    rc = floe_catalog_prep(c,
              "INSERT INTO producers VALUES(?,?,?) ON CONFLICT(producer, table_id) DO UPDATE "
              "SET last_seq = max(last_seq, excluded.last_seq)",
              &st, what, err);
    if (rc == FLOE_OK) {
        sqlite3_bind_text(st, 1, producer, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, table_id);
        sqlite3_bind_int64(st, 3, (int64_t)last_seq);
        rc = floe_catalog_run(c, st, what, err);
    }
    return rc;
}

int floe_catalog_commit_part(floe_catalog *c, const floe_part_commit *pc, floe_err *err)
{
    char what[80];
    sqlite3_stmt *st;
    uint32_t i;
    int rc;
    snprintf(what, sizeof what, "commit part-%lld", (long long)pc->part->part_id);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    {
        bool found;
        rc = table_exists(c, pc->table_id, &found, what, err);
        if (rc) goto out;
        if (!found) {
            rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: table id %lld does not exist",
                              what, (long long)pc->table_id);
            goto out;
        }
    }
    rc = floe_catalog_insert_part(c, pc->table_id, pc->part, what, err);
    if (rc == FLOE_OK) rc = floe_catalog_clear_pending(c, pc->part->part_id, what, err);
    for (i = 0; rc == FLOE_OK && i < pc->nshards; i++) {
        const floe_shard_range *r = &pc->shards[i];
        rc = floe_catalog_prep(c, "INSERT INTO part_shards VALUES(?,?,?,?)", &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, pc->part->part_id);
        sqlite3_bind_int64(st, 2, r->shard);
        sqlite3_bind_int64(st, 3, (int64_t)r->min_seq);
        sqlite3_bind_int64(st, 4, (int64_t)r->max_seq);
        rc = floe_catalog_run(c, st, what, err);
        if (rc) break;
        rc = floe_catalog_prep(c,
                  "INSERT INTO shard_state(table_id, shard, flushed_seq) VALUES(?1,?2,?3) ON CONFLICT(table_id, shard) DO UPDATE"
                  " SET flushed_seq=max(flushed_seq, excluded.flushed_seq)",
                  &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, pc->table_id);
        sqlite3_bind_int64(st, 2, r->shard);
        sqlite3_bind_int64(st, 3, (int64_t)r->max_seq);
        rc = floe_catalog_run(c, st, what, err);
    }
    for (i = 0; rc == FLOE_OK && i < pc->noffsets; i++)
        rc = set_offset_locked(c, &pc->offsets[i], what, err);
    for (i = 0; rc == FLOE_OK && i < pc->nproducers; i++)
        rc = set_producer_locked(c, pc->producers[i].producer, pc->table_id,
                                 pc->producers[i].last_seq, what, err);
out:
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void floe_catalog_parts_free(floe_catalog_part *parts, uint32_t n)
{
    uint32_t i, k;
    if (parts == NULL) return;
    for (i = 0; i < n; i++) {
        for (k = 0; k < parts[i].ncols; k++) {
            floe_catalog_part_col *pc = &parts[i].cols[k];
            if (pc->min.type.id == FLOE_TYPE_VARCHAR) floe_free((void *)pc->min.v.s.ptr);
            if (pc->max.type.id == FLOE_TYPE_VARCHAR) floe_free((void *)pc->max.v.s.ptr);
        }
        floe_free(parts[i].cols);
        floe_free(parts[i].shards);
        floe_free(parts[i].deleted);
    }
    floe_free(parts);
}

/* Read a min/max blob as a value of type t; VARCHAR bytes are copied.
 * 0 ok, -1 out of memory, -2 a value of the wrong size or kind. */
static int load_stat(sqlite3_stmt *st, int i, floe_type t, floe_value *v)
{
    const void *b = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    *v = floe_value_null(t);
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return 0;
    if (sqlite3_column_type(st, i) != SQLITE_BLOB) return -2;
    v->is_null = false;
    if (t.id == FLOE_TYPE_VARCHAR) {
        char *s = floe_strndup(b ? b : "", (size_t)n);
        if (s == NULL) {
            v->type.id = FLOE_TYPE_INVALID;
            return -1;
        }
        v->v.s.ptr = s;
        v->v.s.len = (uint32_t)n;
    } else if (n == 8) {
        memcpy(&v->v, b, 8);
    } else {
        v->is_null = true;
        return -2;
    }
    return 0;
}

/* Shard sequence state of one table against its parts' ranges (snapshot,
 * mutex held): per shard, flushed_seq must be >= every committed part's
 * max_seq (else the WAL was truncated past rows no part holds) and must
 * not exceed max(highest seq in parts, highest seq TTL dropped) (else WAL
 * replay would skip acknowledged rows that no part holds). */
static int check_seqs(floe_catalog *c, const floe_table_def *t, const floe_catalog_part *parts,
                      uint32_t n, floe_err *err)
{
    const char *what = "read shard state";
    uint64_t *covered = floe_calloc(t->opts.shards, sizeof *covered);
    uint8_t *seen = floe_calloc(t->opts.shards, 1);
    sqlite3_stmt *st = NULL;
    uint32_t i, k;
    int rc;
    if (covered == NULL || seen == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++)
        for (k = 0; k < parts[i].nshards; k++) {
            const floe_shard_range *r = &parts[i].shards[k];
            if (r->max_seq > covered[r->shard]) covered[r->shard] = r->max_seq;
        }
    rc = floe_catalog_prep(c, "SELECT shard, flushed_seq, dropped_seq FROM shard_state WHERE table_id=?", &st,
              what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, t->id);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        int64_t sh, fl, dr;
        uint64_t top;
        if (!floe_catalog_int_col(st, 0, 0, (int64_t)t->opts.shards - 1, &sh) ||
            !floe_catalog_int_col(st, 1, 0, INT64_MAX, &fl) || !floe_catalog_int_col(st, 2, 0, INT64_MAX, &dr) ||
            seen[sh]) {
            rc = BADVAL(c, "table '%s': bad shard_state row", t->name);
            goto out;
        }
        seen[sh] = 1;
        if ((uint64_t)fl < covered[sh]) {
            rc = BADVAL(c, "table '%s' shard %lld: flushed_seq %lld is below seq %llu held by a part",
                        t->name, (long long)sh, (long long)fl, (unsigned long long)covered[sh]);
            goto out;
        }
        top = covered[sh] > (uint64_t)dr ? covered[sh] : (uint64_t)dr;
        if ((uint64_t)fl > top) {
            rc = BADVAL(c,
                        "table '%s' shard %lld: flushed_seq %lld is above the highest seq in parts"
                        " or dropped by TTL (%llu): WAL rows with seqs in (%llu, %lld] would be"
                        " neither in a part nor replayed",
                        t->name, (long long)sh, (long long)fl, (unsigned long long)top,
                        (unsigned long long)top, (long long)fl);
            goto out;
        }
    }
    if (rc != FLOE_DONE) goto out;
    rc = FLOE_OK;
    for (i = 0; i < t->opts.shards; i++)
        if (covered[i] > 0 && !seen[i]) {
            rc = BADVAL(c, "table '%s' shard %u: parts hold seqs up to %llu but no flushed_seq",
                        t->name, i, (unsigned long long)covered[i]);
            break;
        }
out:
    if (st) sqlite3_finalize(st);
    floe_free(covered);
    floe_free(seen);
    return rc;
}

/* Read part p's shard ranges (p->shards has room for scap) into p. */
static int load_part_shards(floe_catalog *c, const floe_table_def *t, floe_catalog_part *p,
                            uint32_t scap, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    rc = floe_catalog_prep(c, "SELECT shard, min_seq, max_seq FROM part_shards WHERE part_id=? ORDER BY shard",
              &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, p->id);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        floe_shard_range *r;
        int64_t sh, lo, hi;
        if (!floe_catalog_int_col(st, 0, 0, (int64_t)t->opts.shards - 1, &sh) ||
            !floe_catalog_int_col(st, 1, 0, INT64_MAX, &lo) || !floe_catalog_int_col(st, 2, lo, INT64_MAX, &hi)) {
            rc = BADVAL(c, "part-%lld: bad shard range", (long long)p->id);
            break;
        }
        if (p->nshards == scap) {
            floe_shard_range *nr = floe_realloc(p->shards, (size_t)scap * 2 * sizeof *nr);
            if (nr == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            p->shards = nr;
            scap *= 2;
        }
        r = &p->shards[p->nshards++];
        r->shard = (uint32_t)sh;
        r->min_seq = (uint64_t)lo;
        r->max_seq = (uint64_t)hi;
    }
    sqlite3_finalize(st);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

int floe_catalog_list_parts(floe_catalog *c, int64_t table_id, floe_catalog_part **out,
                            uint32_t *out_n, floe_err *err)
{
    const char *what = "list parts";
    floe_table_def *t = NULL;
    floe_catalog_part *parts = NULL;
    sqlite3_stmt *st = NULL;
    uint32_t n = 0, cap = 0, i, scap;
    bool own_txn;
    int rc;
    *out = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    own_txn = sqlite3_get_autocommit(c->db) != 0; /* else inside floe_catalog_read_begin */
    rc = own_txn ? floe_catalog_exec(c, "BEGIN", what, err) : FLOE_OK; /* one consistent snapshot */
    if (rc) goto unlock;
    rc = floe_catalog_load_table(c, table_id, &t, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "SELECT id, rows, bytes, created FROM parts WHERE table_id=? ORDER BY id", &st,
              what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, table_id);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        floe_catalog_part *p;
        int64_t v[4];
        if (n == cap) {
            floe_catalog_part *np;
            cap = cap ? cap * 2 : 16;
            np = floe_realloc(parts, cap * sizeof *np);
            if (np == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            parts = np;
        }
        if (!floe_catalog_int_col(st, 0, 1, INT64_MAX, &v[0]) || !floe_catalog_int_col(st, 1, 0, INT64_MAX, &v[1]) ||
            !floe_catalog_int_col(st, 2, 0, INT64_MAX, &v[2]) || !floe_catalog_int_col(st, 3, INT64_MIN, INT64_MAX, &v[3])) {
            rc = BADVAL(c, "table '%s': bad values in parts", t->name);
            goto out;
        }
        p = &parts[n++];
        memset(p, 0, sizeof *p);
        p->id = v[0];
        p->table_id = table_id;
        p->rows = (uint64_t)v[1];
        p->bytes = (uint64_t)v[2];
        p->created = v[3];
    }
    if (rc != FLOE_DONE) goto out;
    rc = FLOE_OK;
    sqlite3_finalize(st);
    st = NULL;
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        floe_catalog_part *p = &parts[i];
        p->cols = floe_calloc(t->ncols + 1, sizeof *p->cols);
        scap = t->opts.shards + 1;
        p->shards = floe_calloc(scap, sizeof *p->shards);
        if (!p->cols || !p->shards) {
            rc = floe_err_nomem(err);
            break;
        }
        rc = floe_catalog_prep(c, "SELECT col_id, bytes, nulls, flags, min, max FROM part_columns WHERE part_id=?",
                  &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, p->id);
        while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
            int64_t cid, by, nu, flags;
            uint32_t k;
            floe_catalog_part_col *pc;
            int ls;
            if (!floe_catalog_int_col(st, 0, 1, UINT32_MAX, &cid) || !floe_catalog_int_col(st, 1, 0, INT64_MAX, &by) ||
                !floe_catalog_int_col(st, 2, 0, INT64_MAX, &nu) || !floe_catalog_int_col(st, 3, 0, 7, &flags)) {
                rc = BADVAL(c, "part-%lld: bad column statistics", (long long)p->id);
                break;
            }
            for (k = 0; k < t->ncols && t->cols[k].id != (uint32_t)cid; k++) {
            }
            if (k == t->ncols) continue; /* a dropped column */
            if (p->ncols == t->ncols) {
                rc = BADVAL(c, "part-%lld: column %lld listed twice", (long long)p->id,
                            (long long)cid);
                break;
            }
            pc = &p->cols[p->ncols++];
            pc->col_id = (uint32_t)cid;
            pc->bytes = (uint64_t)by;
            pc->nulls = (uint64_t)nu;
            pc->has_minmax = flags & 1;
            pc->min_trunc = (flags & 2) != 0;
            pc->max_trunc = (flags & 4) != 0;
            pc->min = floe_value_null(t->cols[k].type);
            pc->max = floe_value_null(t->cols[k].type);
            if ((ls = load_stat(st, 4, t->cols[k].type, &pc->min)) == 0)
                ls = load_stat(st, 5, t->cols[k].type, &pc->max);
            if (ls == -1) {
                rc = floe_err_nomem(err);
                break;
            }
            if (ls == -2) {
                rc = BADVAL(c, "part-%lld: bad min/max of column %lld", (long long)p->id,
                            (long long)cid);
                break;
            }
        }
        sqlite3_finalize(st);
        st = NULL;
        if (rc != FLOE_DONE) break;
        rc = load_part_shards(c, t, p, scap, what, err);
        if (rc == FLOE_OK) rc = floe_catalog_load_deletes(c, p, what, err);
    }
    if (rc == FLOE_OK) rc = check_seqs(c, t, parts, n, err);
out:
    if (st) sqlite3_finalize(st);
    if (own_txn) sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
unlock:
    pthread_mutex_unlock(&c->mu);
    floe_table_def_free(t);
    if (rc) {
        floe_catalog_parts_free(parts, n);
        return rc;
    }
    *out = parts;
    *out_n = n;
    return FLOE_OK;
}

int floe_catalog_replace_parts(floe_catalog *c, int64_t table_id, const int64_t *old_ids,
                               uint32_t nold, const floe_part_info *merged, floe_err *err)
{
    char what[80];
    sqlite3_stmt *st;
    uint32_t i;
    int rc;
    snprintf(what, sizeof what, "replace %u parts of table %lld", nold, (long long)table_id);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    rc = floe_catalog_exec(c, "CREATE TEMP TABLE IF NOT EXISTS merge_shards(shard INTEGER, min_seq INTEGER,"
                 " max_seq INTEGER); DELETE FROM merge_shards;", what, err);
    for (i = 0; rc == FLOE_OK && i < nold; i++) {
        rc = floe_catalog_prep(c, "SELECT 1 FROM parts WHERE id=? AND table_id=?", &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, old_ids[i]);
        sqlite3_bind_int64(st, 2, table_id);
        rc = floe_catalog_step(c, st, what, err);
        if (rc == FLOE_DONE)
            rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: part-%lld is not committed", what,
                              (long long)old_ids[i]);
        else if (rc == FLOE_ROW)
            rc = FLOE_OK;
        sqlite3_finalize(st);
        if (rc) break;
        rc = floe_catalog_prep(c, "INSERT INTO merge_shards SELECT shard, min_seq, max_seq FROM part_shards"
                     " WHERE part_id=?", &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, old_ids[i]);
        rc = floe_catalog_run(c, st, what, err);
        if (rc) break;
        rc = floe_catalog_prep(c, "DELETE FROM parts WHERE id=?", &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, old_ids[i]);
        rc = floe_catalog_run(c, st, what, err);
        if (rc) break;
        /* its directory stays until no reader uses it: known garbage */
        rc = floe_catalog_prep(c, "INSERT OR REPLACE INTO garbage_parts VALUES(?,?)", &st, what, err);
        if (rc) break;
        sqlite3_bind_int64(st, 1, old_ids[i]);
        sqlite3_bind_int64(st, 2, table_id);
        rc = floe_catalog_run(c, st, what, err);
    }
    if (rc == FLOE_OK && merged == NULL) {
        /* a TTL drop: remember the highest seq dropped per shard so that
         * flushed_seq above the remaining parts is explained */
        rc = floe_catalog_prep(c, "UPDATE shard_state SET dropped_seq = max(dropped_seq,"
                     " (SELECT max(max_seq) FROM merge_shards m WHERE m.shard=shard_state.shard))"
                     " WHERE table_id=? AND shard IN (SELECT shard FROM merge_shards)",
                  &st, what, err);
        if (rc == FLOE_OK) {
            sqlite3_bind_int64(st, 1, table_id);
            rc = floe_catalog_run(c, st, what, err);
        }
    }
    if (rc == FLOE_OK && merged) {
        rc = floe_catalog_insert_part(c, table_id, merged, what, err);
        if (rc == FLOE_OK) rc = floe_catalog_clear_pending(c, merged->part_id, what, err);
        if (rc == FLOE_OK) {
            rc = floe_catalog_prep(c, "INSERT INTO part_shards SELECT ?, shard, min(min_seq), max(max_seq)"
                         " FROM merge_shards GROUP BY shard", &st, what, err);
            if (rc == FLOE_OK) {
                sqlite3_bind_int64(st, 1, merged->part_id);
                rc = floe_catalog_run(c, st, what, err);
            }
        }
    }
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_part_ids(floe_catalog *c, int64_t table_id, int64_t **out_ids, uint32_t *out_n,
                          floe_err *err)
{
    sqlite3_stmt *st;
    int64_t *ids = NULL;
    uint32_t n = 0, cap = 0;
    int rc;
    *out_ids = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT id FROM parts WHERE table_id=? ORDER BY id", &st, "list part ids", err);
    if (rc == FLOE_OK) {
        sqlite3_bind_int64(st, 1, table_id);
        while ((rc = floe_catalog_step(c, st, "list part ids", err)) == FLOE_ROW) {
            rc = FLOE_OK;
            if (n == cap) {
                int64_t *ni;
                cap = cap ? cap * 2 : 16;
                ni = floe_realloc(ids, cap * sizeof *ids);
                if (ni == NULL) {
                    rc = floe_err_nomem(err);
                    break;
                }
                ids = ni;
            }
            ids[n++] = sqlite3_column_int64(st, 0);
        }
        if (rc == FLOE_DONE) rc = FLOE_OK;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    if (rc) {
        floe_free(ids);
        return rc;
    }
    *out_ids = ids;
    *out_n = n;
    return FLOE_OK;
}

/* --------------------------------------------------- sequence, offsets */

int floe_catalog_flushed_seq(floe_catalog *c, int64_t table_id, uint32_t shard, uint64_t *out_seq,
                             floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    *out_seq = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT flushed_seq FROM shard_state WHERE table_id=? AND shard=?", &st,
              "read flushed_seq", err);
    if (rc == FLOE_OK) {
        sqlite3_bind_int64(st, 1, table_id);
        sqlite3_bind_int64(st, 2, shard);
        rc = floe_catalog_step(c, st, "read flushed_seq", err);
        if (rc == FLOE_ROW) {
            int64_t v = 0;
            rc = floe_catalog_int_col(st, 0, 0, INT64_MAX, &v) ? FLOE_OK : BADVAL(c, "bad flushed_seq");
            if (rc == FLOE_OK) *out_seq = (uint64_t)v;
        } else if (rc == FLOE_DONE) {
            rc = FLOE_OK;
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_get_offset(floe_catalog *c, const char *source, const char *topic,
                            int32_t partition, int64_t *out_next, int64_t *out_table_id,
                            floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT next_offset, table_id FROM stream_offsets WHERE source=? AND topic=?"
                 " AND partition=?", &st, "read stream offset", err);
    if (rc == FLOE_OK) {
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, topic, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, partition);
        rc = floe_catalog_step(c, st, "read stream offset", err);
        if (rc == FLOE_ROW) {
            rc = FLOE_OK;
            if (out_next) *out_next = sqlite3_column_int64(st, 0);
            if (out_table_id) *out_table_id = sqlite3_column_int64(st, 1);
        } else if (rc == FLOE_DONE) {
            rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: no offset for %s %s[%d]", source,
                              topic, partition);
        }
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_set_offset(floe_catalog *c, const floe_stream_offset *o, floe_err *err)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = set_offset_locked(c, o, "store stream offset", err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_get_producer(floe_catalog *c, const char *producer, int64_t table_id,
                              uint64_t *out_last_seq, floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT last_seq FROM producers WHERE producer=? AND table_id=?", &st,
              "read producer state", err);
    if (rc == FLOE_OK) {
        sqlite3_bind_text(st, 1, producer, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, table_id);
        rc = floe_catalog_step(c, st, "read producer state", err);
        if (rc == FLOE_ROW) {
            rc = FLOE_OK;
            *out_last_seq = (uint64_t)sqlite3_column_int64(st, 0);
        } else if (rc == FLOE_DONE)
            rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: producer '%s' is unknown", producer);
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_set_producer(floe_catalog *c, const char *producer, int64_t table_id,
                              uint64_t last_seq, floe_err *err)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = set_producer_locked(c, producer, table_id, last_seq, "store producer state", err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_list_producers(floe_catalog *c, int64_t table_id, char ***out_names,
                                uint64_t **out_seqs, uint32_t *out_n, floe_err *err)
{
    sqlite3_stmt *st;
    char **names = NULL;
    uint64_t *seqs = NULL;
    uint32_t n = 0, cap = 0;
    int rc;
    *out_names = NULL;
    *out_seqs = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT producer, last_seq FROM producers WHERE table_id=? ORDER BY producer", &st,
              "list producers", err);
    if (rc == FLOE_OK) {
        sqlite3_bind_int64(st, 1, table_id);
        while ((rc = floe_catalog_step(c, st, "list producers", err)) == FLOE_ROW) {
            rc = FLOE_OK;
            if (n == cap) {
                uint32_t ncap = cap ? cap * 2 : 8;
                char **nn = floe_realloc(names, ncap * sizeof *nn);
                uint64_t *ns = nn ? floe_realloc(seqs, ncap * sizeof *ns) : NULL;
                if (nn) names = nn;
                if (ns) seqs = ns;
                if (nn == NULL || ns == NULL) {
                    rc = floe_err_nomem(err);
                    break;
                }
                cap = ncap;
            }
            if (sqlite3_column_type(st, 0) != SQLITE_TEXT) {
                rc = BADVAL(c, "a producer name is not text");
                break;
            }
            names[n] = floe_strdup((const char *)sqlite3_column_text(st, 0));
            if (names[n] == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            seqs[n++] = (uint64_t)sqlite3_column_int64(st, 1);
        }
        if (rc == FLOE_DONE) rc = FLOE_OK;
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    if (rc != FLOE_OK) {
        while (n > 0) floe_free(names[--n]);
        floe_free(names);
        floe_free(seqs);
        return rc;
    }
    *out_names = names;
    *out_seqs = seqs;
    *out_n = n;
    return FLOE_OK;
}
