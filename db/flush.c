/* db/flush.c: how a frozen memtable becomes a committed part: ingest's
 * flush callbacks (write the part sorted by the table's ORDER BY, commit it
 * in the catalog, list it), the sorted part writer shared with bulk COPY,
 * and bulk-loaded parts. Contract in db/db.h.
 *
 * Thread-safety: the callbacks run on ingest's flusher thread (or the
 * thread that forces a flush); commit_part runs with the table's visibility
 * lock held exclusively, and only it changes t->parts (besides
 * maintenance, db/maintain.h, under the same lock).
 */
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/log.h"
#include "util/mem.h"
#include "util/os.h"


/* What write_part hands to commit_part. */
typedef struct pending_part {
    floe_part_info info;
    floe_part_reader *reader;
    char dir[4096];
} pending_part;

/* Compare rows a and b of a row source by the table's sort key. */
typedef struct sort_ctx {
    floe_db_row_fn get;
    void *get_ctx;
    const floe_db_table *t;
    int64_t *key0; /* first sort column as int64 when it is an integer-like type */
} sort_ctx;

static _Thread_local sort_ctx *tl_sort;

static int cmp_rows(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const sort_ctx *s = tl_sort;
    uint32_t k;
    if (s->key0) {
        if (s->key0[a] != s->key0[b]) return s->key0[a] < s->key0[b] ? -1 : 1;
        k = 1;
    } else {
        k = 0;
    }
    for (; k < s->t->nsort; k++) {
        floe_value va, vb;
        int c, col = s->t->sort_cols[k];
        s->get(s->get_ctx, a, (uint32_t)col, &va);
        s->get(s->get_ctx, b, (uint32_t)col, &vb);
        if (va.is_null || vb.is_null) {
            if (va.is_null != vb.is_null) return va.is_null ? 1 : -1; /* NULLs last */
            continue;
        }
        c = floe_value_cmp(&va, &vb);
        if (c) return c;
    }
    return (a > b) - (a < b); /* stable */
}

int floe_db_write_sorted(floe_part_writer *w, const floe_db_table *t, floe_db_row_fn get,
                         void *get_ctx, uint64_t nrows, floe_err *err)
{
    uint32_t *perm = floe_malloc((nrows ? nrows : 1) * sizeof(uint32_t));
    int64_t *key0 = NULL;
    uint32_t ncols = t->def->ncols, c;
    floe_type *types = floe_malloc(ncols * sizeof(floe_type));
    floe_batch b;
    sort_ctx s;
    uint64_t i, off;
    int rc = FLOE_OK;
    int kt;

    memset(&b, 0, sizeof b);
    if (perm == NULL || types == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < nrows; i++) perm[i] = (uint32_t)i;
    kt = t->def->cols[t->sort_cols[0]].type.id;
    if (kt != FLOE_TYPE_VARCHAR && kt != FLOE_TYPE_DOUBLE && kt != FLOE_TYPE_INTERVAL) {
        key0 = floe_malloc((nrows ? nrows : 1) * sizeof(int64_t));
        if (key0 == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        for (i = 0; i < nrows; i++) {
            floe_value v;
            get(get_ctx, i, (uint32_t)t->sort_cols[0], &v);
            key0[i] = v.is_null ? INT64_MAX : v.v.i;
        }
    }
    s.get = get;
    s.get_ctx = get_ctx;
    s.t = t;
    s.key0 = key0;
    tl_sort = &s;
    qsort(perm, nrows, sizeof(uint32_t), cmp_rows);
    tl_sort = NULL;

    for (c = 0; c < ncols; c++) types[c] = t->def->cols[c].type;
    if ((rc = floe_batch_init(&b, ncols, types, FLOE_VEC_SIZE)) != FLOE_OK) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (off = 0; off < nrows && rc == FLOE_OK; off += FLOE_VEC_SIZE) {
        uint32_t n = (uint32_t)(nrows - off < FLOE_VEC_SIZE ? nrows - off : FLOE_VEC_SIZE), r;
        for (c = 0; c < ncols; c++) {
            floe_vec *v = &b.cols[c];
            floe_arena_reset(v->heap);
            if (v->validity) memset(v->validity, 0xff, FLOE_BITMAP_WORDS(v->cap) * 8);
            for (r = 0; r < n; r++) {
                floe_value x;
                get(get_ctx, perm[off + r], c, &x);
                if (x.is_null) {
                    floe_vec_set_null(v, r);
                    memset((char *)v->data + (size_t)r * floe_type_size(v->type), 0,
                           floe_type_size(v->type));
                } else {
                    /* strings stay in the source's memory: valid for the write */
                    floe_value_store(&x, v->data, r);
                }
            }
            v->n = n;
        }
        b.n = n;
        rc = floe_part_writer_append(w, &b, err);
    }
out:
    floe_batch_free(&b);
    floe_free(types);
    floe_free(key0);
    floe_free(perm);
    return rc;
}

static void memtable_row(void *ctx, uint64_t row, uint32_t col, floe_value *out)
{
    floe_memtable_get(ctx, row, col, out);
}

/* Write rows [0, nrows) of mem in arrival order, one chunk per batch, with
 * zero-copy borrowed vectors. */
static int write_chunks(floe_part_writer *w, const floe_db_table *t, floe_memtable *mem,
                        uint64_t nrows, floe_err *err)
{
    uint32_t ncols = t->def->ncols, c;
    uint64_t ch, nch = floe_memtable_nchunks(nrows);
    floe_vec *cols = floe_calloc(ncols, sizeof(floe_vec));
    int rc = FLOE_OK;
    if (cols == NULL) return floe_err_nomem(err);
    for (ch = 0; ch < nch && rc == FLOE_OK; ch++) {
        uint32_t n = (uint32_t)(ch + 1 < nch ? FLOE_VEC_SIZE : nrows - ch * FLOE_VEC_SIZE);
        floe_batch b;
        memset(&b, 0, sizeof b);
        for (c = 0; c < ncols; c++) floe_memtable_chunk_vec(mem, ch, c, n, &cols[c]);
        b.ncols = ncols;
        b.n = n;
        b.cols = cols;
        rc = floe_part_writer_append(w, &b, err);
    }
    floe_free(cols);
    return rc;
}

static int catalog_commit(floe_db *db, floe_db_table *t, const floe_ingest_flush_info *fi,
                          pending_part *pp, floe_err *err);

static int cb_write_part(void *ctx, const floe_ingest_flush_info *fi, void **out_part,
                         floe_err *err)
{
    floe_db *db = ctx;
    floe_db_table *t = fi->table_ctx;
    floe_part_column *pcols = floe_calloc(t->def->ncols ? t->def->ncols : 1, sizeof *pcols);
    floe_part_schema schema;
    floe_part_writer *w = NULL;
    pending_part *pp = floe_calloc(1, sizeof *pp);
    int64_t part_id;
    int rc;

    if (pcols == NULL || pp == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    schema = floe_table_def_schema(t->def, pcols);
    if ((rc = floe_catalog_alloc_part_id(db->cat, t->def->id, &part_id, err)) != FLOE_OK) goto fail;
    if ((rc = floe_part_writer_open(t->dir, part_id, &schema, 0, &w, err)) != FLOE_OK) goto fail;
    if (t->nsort > 0)
        rc = floe_db_write_sorted(w, t, memtable_row, fi->mem, fi->nrows, err);
    else
        rc = write_chunks(w, t, fi->mem, fi->nrows, err);
    if (rc != FLOE_OK) {
        floe_part_writer_abort(w);
        goto fail;
    }
    if ((rc = floe_part_writer_finish(w, &pp->info, err)) != FLOE_OK) goto fail;
    floe_part_dir(t->dir, part_id, pp->dir, sizeof pp->dir);
    if ((rc = floe_part_reader_open(pp->dir, &schema, &pp->reader, err)) != FLOE_OK) {
        floe_part_info_free(&pp->info);
        floe_os_remove_tree(pp->dir, NULL);
        goto fail;
    }
    /* The catalog commit (an fsync'ed sqlite transaction) happens here,
     * outside the visibility lock, so queries never wait for it: until
     * cb_commit_part lists the part, they keep reading the frozen memtable,
     * and a crash in between recovers from the catalog (the flushed seq
     * advanced, so the WAL replay skips these rows). The slot in t->parts is
     * reserved first so that listing cannot fail after the commit. */
    if ((rc = floe_db_parts_reserve(t)) != FLOE_OK) {
        rc = floe_err_nomem(err);
        goto fail_reader;
    }
    if ((rc = catalog_commit(db, t, fi, pp, err)) != FLOE_OK) {
        floe_ingest_write_lock(t->ingest);
        t->reserved_parts--;
        floe_ingest_write_unlock(t->ingest);
        goto fail_reader;
    }
    floe_free(pcols);
    *out_part = pp;
    return FLOE_OK;
fail_reader:
    floe_part_reader_unref(pp->reader);
    floe_part_info_free(&pp->info);
    floe_os_remove_tree(pp->dir, NULL);
fail:
    floe_free(pcols);
    floe_free(pp);
    floe_err_prefix(err, "flush of table '%s': ", t->def->name);
    return rc;
}

/* The catalog transaction of a flushed part: the part with its statistics,
 * its shard's sequence range (advancing the flushed seq) and the producers'
 * last sequence numbers, all or nothing: the WAL holding these rows (and
 * their producer seqs) is truncated once the flushed seq covers them. */
static int catalog_commit(floe_db *db, floe_db_table *t, const floe_ingest_flush_info *fi,
                          pending_part *pp, floe_err *err)
{
    floe_part_commit pc;
    floe_shard_range sr;
    floe_producer_seq *ps = NULL;
    char (*names)[24] = NULL;
    uint32_t i;
    int rc;
    memset(&pc, 0, sizeof pc);
    sr.shard = fi->shard;
    sr.min_seq = fi->seq_lo;
    sr.max_seq = fi->seq_hi;
    pc.table_id = t->def->id;
    pc.part = &pp->info;
    pc.shards = &sr;
    pc.nshards = 1;
    if (fi->nproducers) {
        ps = floe_malloc(fi->nproducers * sizeof *ps);
        names = floe_malloc(fi->nproducers * sizeof *names);
        if (ps == NULL || names == NULL) {
            floe_free(ps);
            floe_free(names);
            return floe_err_nomem(err);
        }
        for (i = 0; i < fi->nproducers; i++) {
            snprintf(names[i], sizeof names[i], "%llu", (unsigned long long)fi->producers[i].id);
            ps[i].producer = names[i];
            ps[i].last_seq = fi->producers[i].seq;
        }
        pc.producers = ps;
        pc.nproducers = fi->nproducers;
    }
    rc = floe_catalog_commit_part(db->cat, &pc, err);
    floe_free(ps);
    floe_free(names);
    return rc;
}

/* Called by ingest with the visibility lock held exclusively: list the part
 * (already committed in the catalog by cb_write_part). Cannot fail. */
static int cb_commit_part(void *ctx, const floe_ingest_flush_info *fi, void *part, floe_err *err)
{
    floe_db_table *t = fi->table_ctx;
    pending_part *pp = part;
    (void)ctx;
    (void)err;
    t->reserved_parts--;
    floe_db_parts_push(t, pp->reader); /* a slot was reserved: no allocation */
    t->part_bytes += pp->info.bytes;
    t->flushed_raw_bytes += floe_memtable_bytes(fi->mem);
    t->flushed_disk_bytes += pp->info.bytes;
    atomic_fetch_add(&t->flushes, 1);
    floe_part_info_free(&pp->info);
    floe_free(pp);
    return FLOE_OK;
}

static void cb_discard_part(void *ctx, const floe_ingest_flush_info *fi, void *part)
{
    pending_part *pp = part;
    (void)ctx;
    (void)fi;
    floe_part_reader_unref(pp->reader);
    floe_part_info_free(&pp->info);
    floe_os_remove_tree(pp->dir, NULL);
    floe_free(pp);
}

static void cb_flush_error(void *ctx, const floe_ingest_flush_info *fi, const floe_err *err)
{
    floe_db *db = ctx;
    (void)fi;
    floe_db_log(ctx, FLOE_LOG_ERROR, "flush failed (%s): %s",
                floe_ingest_db_failed(db->ingest, NULL, 0)
                    ? "writing stops until the database is reopened"
                    : "will retry",
                err->msg);
}

void floe_db_warning(void *ctx, const char *msg)
{
    if (strncmp(msg, "salvage: ", 9) == 0) { /* FLOE_OPEN_SALVAGE: also in quarantine/REPORT */
        floe_db_salvage_note(ctx, msg);
        return;
    }
    floe_db_log(ctx, FLOE_LOG_WARN, "%s", msg);
}

void floe_db_flush_callbacks(floe_db *db, floe_ingest_callbacks *cb)
{
    cb->ctx = db;
    cb->write_part = cb_write_part;
    cb->commit_part = cb_commit_part;
    cb->discard_part = cb_discard_part;
    cb->flush_error = cb_flush_error;
    cb->warning = floe_db_warning;
}

/* ------------------------------------------------------ bulk-loaded parts */

int floe_db_bulk_part_open(floe_db *db, floe_db_table *t, floe_part_writer **out, floe_err *err)
{
    floe_part_column *pcols = floe_calloc(t->def->ncols ? t->def->ncols : 1, sizeof *pcols);
    floe_part_schema schema;
    int64_t part_id;
    int rc;
    *out = NULL;
    if (pcols == NULL) return floe_err_nomem(err);
    schema = floe_table_def_schema(t->def, pcols);
    rc = floe_catalog_alloc_part_id(db->cat, t->def->id, &part_id, err);
    if (rc == FLOE_OK) rc = floe_part_writer_open(t->dir, part_id, &schema, 0, out, err);
    floe_free(pcols);
    return rc;
}

int floe_db_bulk_part_publish(floe_db *db, floe_db_table *t, floe_part_writer *w, floe_err *err)
{
    floe_part_column *pcols = floe_calloc(t->def->ncols ? t->def->ncols : 1, sizeof *pcols);
    floe_part_schema schema;
    floe_part_info info;
    floe_part_reader *r = NULL;
    floe_part_commit pc;
    char dir[4096];
    int rc;
    uint64_t sync_fails = floe_os_sync_failures();

    memset(&info, 0, sizeof info);
    if (pcols == NULL) {
        floe_part_writer_abort(w);
        return floe_err_nomem(err);
    }
    schema = floe_table_def_schema(t->def, pcols);
    if ((rc = floe_part_writer_finish(w, &info, err)) != FLOE_OK) goto out;
    floe_part_dir(t->dir, info.part_id, dir, sizeof dir);
    if ((rc = floe_part_reader_open(dir, &schema, &r, err)) != FLOE_OK) {
        floe_os_remove_tree(dir, NULL);
        goto out;
    }
    floe_ingest_write_lock(t->ingest);
    if (t->nparts + t->reserved_parts >= t->cap_parts) {
        /* make room first: once committed, listing it must not fail */
        uint32_t cap = t->cap_parts ? t->cap_parts * 2 : 16;
        floe_part_reader **np = floe_realloc(t->parts, cap * sizeof *np);
        if (np == NULL) {
            rc = floe_err_nomem(err);
        } else {
            t->parts = np;
            t->cap_parts = cap;
        }
    }
    if (rc == FLOE_OK) {
        memset(&pc, 0, sizeof pc);
        pc.table_id = t->def->id;
        pc.part = &info;
        rc = floe_catalog_commit_part(db->cat, &pc, err);
    }
    if (rc == FLOE_OK) {
        floe_db_parts_push(t, r); /* room was made above */
        r = NULL;
        t->part_bytes += info.bytes;
        atomic_fetch_add(&t->flushes, 1);
    }
    floe_ingest_write_unlock(t->ingest);
    if (rc != FLOE_OK) {
        floe_part_reader_unref(r);
        r = NULL;
        floe_os_remove_tree(dir, NULL);
    }
out:
    if (floe_os_sync_failures() != sync_fails) /* fail-stop (ingest/table.h) */
        floe_ingest_db_fail_stop(db->ingest, err && err->code ? err->msg : "fsync failed");
    floe_part_reader_unref(r);
    floe_part_info_free(&info);
    floe_free(pcols);
    return rc;
}

