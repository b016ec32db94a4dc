/* db/db.c: opening and closing databases, table runtime state, and the
 * flush callbacks that turn frozen memtables into committed parts. */
#include "db/db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/maintain.h"
#include "db/settings.h"
#include "util/mem.h"

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int floe_db_set_error(floe_db *db, const floe_err *err)
{
    if (db == NULL) return err->code;
    pthread_mutex_lock(&db->err_mu);
    db->err = *err;
    pthread_mutex_unlock(&db->err_mu);
    return err->code;
}

int floe_db_errcode(floe_db *db) { return db ? db->err.code : FLOE_NOMEM; }

const char *floe_db_errmsg(floe_db *db)
{
    if (db == NULL) return "out of memory";
    if (db->err.code == FLOE_OK) return "not an error";
    return db->err.msg;
}

int floe_db_erroffset(floe_db *db) { return db && db->err.code ? db->err.offset : -1; }

double floe_progress(floe_db *db)
{
    uint64_t total, done;
    if (db == NULL) return -1.0;
    total = atomic_load(&db->prog_total);
    done = atomic_load(&db->prog_done);
    if (total == 0) return -1.0;
    return done >= total ? 1.0 : (double)done / (double)total;
}

void floe_interrupt(floe_db *db)
{
    if (db) atomic_store(&db->interrupt, 1);
}

floe_db_table *floe_db_find_table(floe_db *db, const char *name)
{
    uint32_t i;
    for (i = 0; i < db->ntables; i++)
        if (strcasecmp(db->tables[i]->def->name, name) == 0) return db->tables[i];
    return NULL;
}

/* mkdir -p for one level; an existing directory is fine. */
static int make_dir(const char *path, floe_err *err)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return floe_err_set(err, FLOE_IOERR, "cannot create directory '%s': %s", path,
                            strerror(errno));
    return FLOE_OK;
}

/* Remove a directory tree (best effort; used for dropped tables and the
 * in-memory database's scratch directory). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char sub[4096 + 512];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            remove_tree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

/* ----------------------------------------------------------- part list */

/* Make room for one more part in t->parts ahead of a commit, so the commit
 * that lists it cannot fail. Takes the visibility lock exclusively (the
 * array may move); FLOE_NOMEM. */
static int parts_reserve(floe_db_table *t)
{
    int rc = FLOE_OK;
    floe_ingest_write_lock(t->ingest);
    if (t->nparts + t->reserved_parts + 1 > t->cap_parts) {
        uint32_t cap = t->cap_parts ? t->cap_parts * 2 : 16;
        floe_part_reader **np;
        while (cap < t->nparts + t->reserved_parts + 1) cap *= 2;
        np = floe_realloc(t->parts, cap * sizeof *np);
        if (np == NULL) {
            rc = FLOE_NOMEM;
        } else {
            t->parts = np;
            t->cap_parts = cap;
        }
    }
    if (rc == FLOE_OK) t->reserved_parts++;
    floe_ingest_write_unlock(t->ingest);
    return rc;
}

static int parts_push(floe_db_table *t, floe_part_reader *r)
{
    if (t->nparts + t->reserved_parts >= t->cap_parts) {
        uint32_t cap = t->cap_parts ? t->cap_parts * 2 : 16;
        floe_part_reader **np = floe_realloc(t->parts, cap * sizeof *np);
        if (np == NULL) return FLOE_NOMEM;
        t->parts = np;
        t->cap_parts = cap;
    }
    t->parts[t->nparts++] = r;
    t->part_rows += floe_part_reader_rows(r);
    return FLOE_OK;
}

/* ------------------------------------------------------ flush callbacks */

/* What write_part hands to commit_part. */
typedef struct pending_part {
    floe_part_info info;
    floe_part_reader *reader;
    char dir[4096];
} pending_part;

static floe_part_schema table_schema(const floe_db_table *t, floe_part_column *cols)
{
    return floe_table_def_schema(t->def, cols);
}

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
    schema = table_schema(t, pcols);
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
        remove_tree(pp->dir);
        goto fail;
    }
    /* The catalog commit (an fsync'ed sqlite transaction) happens here,
     * outside the visibility lock, so queries never wait for it: until
     * cb_commit_part lists the part, they keep reading the frozen memtable,
     * and a crash in between recovers from the catalog (the flushed seq
     * advanced, so the WAL replay skips these rows). The slot in t->parts is
     * reserved first so that listing cannot fail after the commit. */
    if ((rc = parts_reserve(t)) != FLOE_OK) {
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
    remove_tree(pp->dir);
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
    parts_push(t, pp->reader); /* a slot was reserved: no allocation */
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
    remove_tree(pp->dir);
    floe_free(pp);
}

static void cb_flush_error(void *ctx, const floe_ingest_flush_info *fi, const floe_err *err)
{
    (void)ctx;
    (void)fi;
    fprintf(stderr, "floe: background flush failed (will retry): %s\n", err->msg);
}

static void cb_warning(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "floe: %s\n", msg);
}

/* ----------------------------------------------------- table lifecycle */

static void table_free(floe_db_table *t)
{
    uint32_t i;
    if (t == NULL) return;
    for (i = 0; i < t->nparts; i++) floe_part_reader_unref(t->parts[i]);
    floe_free(t->parts);
    floe_table_def_free(t->def);
    floe_free(t->dir);
    floe_free(t);
}

static int col_index(const floe_table_def *def, int64_t col_id)
{
    uint32_t i;
    for (i = 0; i < def->ncols; i++)
        if ((int64_t)def->cols[i].id == col_id) return (int)i;
    return -1;
}

/* Idempotent-producer state of a table from the catalog (producer names are
 * the decimal producer ids). *out freed with floe_free. */
static int load_producers(floe_db *db, int64_t table_id, floe_ingest_producer **out,
                          uint32_t *out_n, floe_err *err)
{
    char **names = NULL;
    uint64_t *seqs = NULL;
    uint32_t n = 0, i;
    int rc = floe_catalog_list_producers(db->cat, table_id, &names, &seqs, &n, err);
    *out = NULL;
    *out_n = 0;
    if (rc != FLOE_OK) return rc;
    if (n > 0 && (*out = floe_calloc(n, sizeof **out)) == NULL) rc = floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        if (rc == FLOE_OK) {
            (*out)[i].id = strtoull(names[i], NULL, 10);
            (*out)[i].seq = seqs[i];
        }
        floe_free(names[i]);
    }
    floe_free(names);
    floe_free(seqs);
    if (rc == FLOE_OK) *out_n = n;
    return rc;
}

/* Open-time cleanup of t's directory from the catalog's bookkeeping
 * (storage/part.h floe_part_gc): removes only what the catalog explains,
 * refuses to open on an unexplained part directory, and quarantines those
 * of a catalog upgraded from v1 into <db>/quarantine/<table id>/. */
static int table_gc(floe_db *db, floe_db_table *t, const int64_t *ids, uint32_t n, floe_err *err)
{
    floe_catalog_gc g;
    floe_part_gc_opts o;
    char qdir[4096];
    int rc = floe_catalog_gc_info(db->cat, t->def->id, &g, err);
    if (rc != FLOE_OK) return rc;
    snprintf(qdir, sizeof qdir, "%s/quarantine/%lld", db->path, (long long)t->def->id);
    memset(&o, 0, sizeof o);
    o.committed = ids;
    o.ncommitted = n;
    o.pending = g.pending;
    o.npending = g.npending;
    o.garbage = g.garbage;
    o.ngarbage = g.ngarbage;
    o.quarantine_unknown = g.legacy;
    o.quarantine_dir = qdir;
    o.catalog_path = floe_catalog_path(db->cat);
    o.warning = cb_warning;
    o.ctx = db;
    rc = floe_part_gc(t->dir, &o, err);
    floe_catalog_gc_free(&g);
    if (rc == FLOE_OK) rc = floe_catalog_gc_done(db->cat, t->def->id, err);
    return rc;
}

/* Load a table's committed parts, collect garbage, and open its ingest
 * state (replaying its WAL). Takes ownership of def. */
static int table_open(floe_db *db, floe_table_def *def, floe_db_table **out, floe_err *err)
{
    floe_db_table *t = floe_calloc(1, sizeof *t);
    floe_catalog_part *parts = NULL;
    uint32_t nparts = 0, i;
    int64_t *ids = NULL;
    floe_part_column *pcols = NULL;
    floe_type *types = NULL;
    uint64_t *flushed = NULL;
    floe_ingest_producer *prods = NULL;
    uint32_t nprods = 0;
    floe_ingest_table_opts o;
    char buf[4096];
    int rc;

    if (t == NULL) {
        floe_table_def_free(def);
        return floe_err_nomem(err);
    }
    t->db = db;
    t->def = def;
    snprintf(buf, sizeof buf, "%s/tables/%lld", db->path, (long long)def->id);
    t->dir = floe_strdup(buf);
    pcols = floe_calloc(def->ncols + 1, sizeof *pcols);
    types = floe_calloc(def->ncols + 1, sizeof *types);
    flushed = floe_calloc(def->opts.shards + 1, sizeof *flushed);
    if (t->dir == NULL || pcols == NULL || types == NULL || flushed == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    if (!db->readonly && (rc = make_dir(t->dir, err)) != FLOE_OK) goto fail;
    for (i = 0; i < def->opts.nsort && t->nsort < 16; i++) {
        int ci = col_index(def, def->opts.sort_cols[i]);
        if (ci >= 0) t->sort_cols[t->nsort++] = ci;
    }

    if ((rc = floe_catalog_list_parts(db->cat, def->id, &parts, &nparts, err)) != FLOE_OK) goto fail;
    ids = floe_calloc(nparts + 1, sizeof *ids);
    if (ids == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    for (i = 0; i < nparts; i++) ids[i] = parts[i].id;
    /* a reader never collects: the writer's in-flight parts look like garbage */
    if (!db->readonly && (rc = table_gc(db, t, ids, nparts, err)) != FLOE_OK) goto fail;
    /* a reader opens the parts after reading the WAL (below): the writer
     * truncates WAL segments right after each flush, while parts go away
     * only with the rarer merges, so that order keeps retries rare */
    if (!db->readonly) {
        floe_part_schema schema = table_schema(t, pcols);
        for (i = 0; i < nparts; i++) {
            floe_part_reader *r;
            floe_part_dir(t->dir, parts[i].id, buf, sizeof buf);
            if ((rc = floe_part_reader_open(buf, &schema, &r, err)) != FLOE_OK) goto fail;
            if (parts_push(t, r) != FLOE_OK) {
                floe_part_reader_unref(r);
                rc = floe_err_nomem(err);
                goto fail;
            }
            t->part_bytes += parts[i].bytes;
        }
    }
    for (i = 0; i < def->opts.shards; i++) {
        if ((rc = floe_catalog_flushed_seq(db->cat, def->id, i, &flushed[i], err)) != FLOE_OK)
            goto fail;
    }
    for (i = 0; i < def->ncols; i++) types[i] = def->cols[i].type;
    if ((rc = load_producers(db, def->id, &prods, &nprods, err)) != FLOE_OK) goto fail;
    memset(&o, 0, sizeof o);
    o.table_id = (uint64_t)def->id;
    o.name = def->name;
    o.ctx = t;
    o.ncols = def->ncols;
    o.types = types;
    o.partition_col = def->opts.partition_col >= 0 ? col_index(def, def->opts.partition_col) : -1;
    o.nshards = def->opts.shards;
    o.flush_rows = def->opts.flush_rows;
    o.flush_bytes = def->opts.flush_bytes;
    o.flush_interval_ms = def->opts.flush_interval_ms;
    o.flushed_seq = flushed;
    o.producers = prods;
    o.nproducers = nprods;
    if ((rc = floe_ingest_table_open(db->ingest, &o, &t->ingest, err)) != FLOE_OK) goto fail;
    if (db->readonly) {
        floe_part_schema schema = table_schema(t, pcols);
        for (i = 0; rc == FLOE_OK && i < nparts; i++) {
            floe_part_reader *r = NULL;
            floe_part_dir(t->dir, parts[i].id, buf, sizeof buf);
            rc = floe_part_reader_open(buf, &schema, &r, err);
            if (rc == FLOE_OK && parts_push(t, r) != FLOE_OK) {
                floe_part_reader_unref(r);
                rc = floe_err_nomem(err);
            }
            if (rc == FLOE_OK) t->part_bytes += parts[i].bytes;
        }
        if (rc != FLOE_OK) {
            floe_ingest_table_close(t->ingest, false, NULL);
            t->ingest = NULL;
            goto fail;
        }
    }
    floe_free(prods);
    floe_catalog_parts_free(parts, nparts);
    floe_free(ids);
    floe_free(pcols);
    floe_free(types);
    floe_free(flushed);
    *out = t;
    return FLOE_OK;
fail:
    floe_free(prods);
    floe_err_prefix(err, "table '%s': ", def->name);
    floe_catalog_parts_free(parts, nparts);
    floe_free(ids);
    floe_free(pcols);
    floe_free(types);
    floe_free(flushed);
    table_free(t);
    return rc;
}

/* Register an opened table in db->tables. */
static int tables_push(floe_db *db, floe_db_table *t)
{
    if (db->ntables == db->cap_tables) {
        uint32_t cap = db->cap_tables ? db->cap_tables * 2 : 8;
        floe_db_table **nt = floe_realloc(db->tables, cap * sizeof *nt);
        if (nt == NULL) return FLOE_NOMEM;
        db->tables = nt;
        db->cap_tables = cap;
    }
    db->tables[db->ntables++] = t;
    return FLOE_OK;
}

int floe_db_add_table(floe_db *db, floe_table_def *def, floe_err *err)
{
    floe_db_table *t;
    int rc = table_open(db, def, &t, err);
    if (rc != FLOE_OK) return rc;
    if (tables_push(db, t) != FLOE_OK) {
        floe_ingest_table_close(t->ingest, false, NULL);
        table_free(t);
        return floe_err_nomem(err);
    }
    return FLOE_OK;
}

/* Close a table's ingest state (flushing when asked) and free it. */
int floe_db_close_table(floe_db *db, floe_db_table *t, bool flush, floe_err *err)
{
    uint32_t i;
    int rc = floe_ingest_table_close(t->ingest, flush, err);
    if (rc != FLOE_OK) return rc;
    t->ingest = NULL;
    for (i = 0; i < db->ntables; i++) {
        if (db->tables[i] == t) {
            memmove(&db->tables[i], &db->tables[i + 1], (db->ntables - i - 1) * sizeof *db->tables);
            db->ntables--;
            break;
        }
    }
    table_free(t);
    return FLOE_OK;
}

void floe_db_remove_table_files(floe_db *db, int64_t table_id)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/tables/%lld", db->path, (long long)table_id);
    remove_tree(buf);
    if (!db->in_memory) floe_wal_drop_table(db->path, (uint64_t)table_id, NULL);
}

/* ----------------------------------------------------------- writer lock */

/* The writer lock is an open-file-description (OFD) write lock on all of
 * <dir>/LOCK: it conflicts with any other open of the file, in this process
 * too, closing some other fd of the file does not drop it, and the kernel
 * drops it when the process dies. The holder writes its pid into the file so
 * that others can name it. (A child forked while the lock is held shares it
 * until it exits or execs: the fd is O_CLOEXEC.) */

/* The pid written in <dir>/LOCK, 0 when unreadable. */
static long lock_file_pid(int fd)
{
    char b[32];
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n <= 0) return 0;
    b[n] = '\0';
    return strtol(b, NULL, 10);
}

/* Whether a writer holds the lock on <dir>/LOCK (*out_pid: its pid or 0).
 * Opens the file read-only and changes nothing; a missing file is no lock. */
static bool lock_probe(const char *dir, long *out_pid)
{
    char path[4096];
    struct flock fl;
    int fd;
    bool held = false;
    *out_pid = 0;
    snprintf(path, sizeof path, "%s/LOCK", dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        held = true;
        *out_pid = lock_file_pid(fd);
    }
    close(fd);
    return held;
}

/* Take the writer lock of db->path into db->lock_fd; FLOE_BUSY naming the
 * holder when another open has it, FLOE_IOERR. */
static int db_lock(floe_db *db, floe_err *err)
{
    char path[4096], pid[32];
    struct flock fl;
    int fd, n;
    snprintf(path, sizeof path, "%s/LOCK", db->path);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return floe_err_set(err, FLOE_IOERR, "cannot open lock file '%s': %s (open it read-only "
                            "to only read)", path, strerror(errno));
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        int e = errno;
        long holder = (e == EAGAIN || e == EACCES) ? lock_file_pid(fd) : 0;
        close(fd);
        if (e != EAGAIN && e != EACCES)
            return floe_err_set(err, FLOE_IOERR, "cannot lock '%s': %s", path, strerror(e));
        if (holder > 0)
            return floe_err_set(err, FLOE_BUSY, "database '%s' is locked by process %ld",
                                db->path, holder);
        return floe_err_set(err, FLOE_BUSY, "database '%s' is locked by another process",
                            db->path);
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        int e = errno;
        close(fd);
        return floe_err_set(err, FLOE_IOERR, "cannot write lock file '%s': %s", path, strerror(e));
    }
    db->lock_fd = fd;
    return FLOE_OK;
}

int floe_db_check_writable(floe_db *db, const char *what, floe_err *err)
{
    if (!db->readonly) return FLOE_OK;
    if (db->lock_pid > 0)
        return floe_err_set(err, FLOE_READONLY, "cannot %s: database '%s' is open read-only "
                            "(it is locked by process %ld)", what, db->path, db->lock_pid);
    return floe_err_set(err, FLOE_READONLY, "cannot %s: database '%s' is open read-only", what,
                        db->path);
}

/* ------------------------------------------------------ read-only opens */

#define RO_ATTEMPTS 20   /* snapshot attempts before FLOE_BUSY */
#define RO_RETRY_MS 25

/* Release what a failed snapshot attempt opened. */
static void ro_release(floe_db *db)
{
    floe_catalog_read_end(db->cat);
    while (db->ntables > 0) floe_db_close_table(db, db->tables[db->ntables - 1], false, NULL);
    floe_ingest_db_close(db->ingest, NULL);
    db->ingest = NULL;
    floe_catalog_close(db->cat);
    db->cat = NULL;
}

/* What tells a snapshot attempt that the writer changed the catalog. */
typedef struct ro_mark {
    bool immutable;   /* no writer and no catalog -wal at the start */
    struct stat cat;  /* immutable: catalog.db as it was */
    int64_t version;  /* otherwise: PRAGMA data_version */
} ro_mark;

static bool ro_changed(floe_db *db, const ro_mark *m)
{
    char path[4096];
    struct stat st;
    long pid;
    int64_t v;
    floe_err e = FLOE_ERR_INIT;
    if (!m->immutable) return floe_catalog_data_version(db->cat, &v, &e) != FLOE_OK || v != m->version;
    snprintf(path, sizeof path, "%s/catalog.db-wal", db->path);
    if (lock_probe(db->path, &pid) || access(path, F_OK) == 0) return true;
    snprintf(path, sizeof path, "%s/catalog.db", db->path);
    return stat(path, &st) != 0 || st.st_ino != m->cat.st_ino || st.st_size != m->cat.st_size ||
           st.st_mtim.tv_sec != m->cat.st_mtim.tv_sec || st.st_mtim.tv_nsec != m->cat.st_mtim.tv_nsec;
}

/* One attempt at a read-only snapshot: the tables, their committed parts and
 * flushed seqs in ONE catalog read transaction, every part opened (its files
 * stay open, so a later merge deleting them does not matter), then the WAL
 * above the flushed seqs. *out_retry says a failure or the check afterwards
 * saw the writer change things meanwhile. */
static int ro_snapshot(floe_db *db, bool *out_retry, floe_err *err)
{
    floe_ingest_db_opts io;
    floe_table_def **defs = NULL;
    uint32_t ndefs = 0, i, s;
    ro_mark m;
    char path[4096];
    int rc;

    *out_retry = false;
    memset(&m, 0, sizeof m);
    snprintf(path, sizeof path, "%s/catalog.db-wal", db->path);
    m.immutable = !lock_probe(db->path, &db->lock_pid) && access(path, F_OK) != 0;
    snprintf(path, sizeof path, "%s/catalog.db", db->path);
    if (stat(path, &m.cat) != 0)
        return floe_err_set(err, FLOE_NOTFOUND, "'%s' is not a floe database (no catalog.db)",
                            db->path);
    rc = floe_catalog_open_readonly(db->path, m.immutable, &db->cat, err);
    if (rc != FLOE_OK) {
        *out_retry = rc == FLOE_BUSY;
        return rc;
    }
    if (!m.immutable && (rc = floe_catalog_data_version(db->cat, &m.version, err)) != FLOE_OK)
        return rc;
    memset(&io, 0, sizeof io);
    io.dir = db->path;
    io.durability = FLOE_DURABILITY_OFF;
    io.readonly = true; /* no flusher, no callbacks: nothing is ever flushed */
    if ((rc = floe_ingest_db_open(&io, &db->ingest, err)) != FLOE_OK) return rc;
    if ((rc = floe_catalog_read_begin(db->cat, err)) != FLOE_OK) {
        *out_retry = true;
        return rc;
    }
    rc = floe_catalog_list_tables(db->cat, &defs, &ndefs, err);
    for (i = 0; rc == FLOE_OK && i < ndefs; i++) {
        floe_table_def *def = defs[i];
        defs[i] = NULL;
        rc = floe_db_add_table(db, def, err);
    }
    for (i = 0; i < ndefs; i++) floe_table_def_free(defs[i]);
    floe_free(defs);
    floe_catalog_read_end(db->cat);
    if (rc != FLOE_OK) {
        if (rc != FLOE_NOMEM) *out_retry = ro_changed(db, &m);
        return rc;
    }
    /* The WAL was read after the catalog: a flush committed meanwhile may
     * have truncated segments holding rows above the flushed seq F we use.
     * Segments go oldest first and seqs are consecutive, so rows were lost
     * exactly when the WAL's lowest seq is above F + 1; when it was empty,
     * only an unchanged F proves that nothing was there to lose. */
    if (m.immutable && ro_changed(db, &m)) *out_retry = true;
    for (i = 0; !m.immutable && !*out_retry && i < db->ntables; i++) {
        floe_db_table *t = db->tables[i];
        for (s = 0; s < t->def->opts.shards && !*out_retry; s++) {
            uint64_t f = floe_ingest_table_flushed_seq(t->ingest, s), now = 0;
            uint64_t first = floe_ingest_table_wal_first_seq(t->ingest, s);
            if (first != 0) {
                *out_retry = first > f + 1;
                continue;
            }
            if ((rc = floe_catalog_flushed_seq(db->cat, t->def->id, s, &now, err)) != FLOE_OK)
                return rc;
            *out_retry = now != f;
        }
    }
    if (*out_retry)
        return floe_err_set(err, FLOE_BUSY, "database '%s' changed while its snapshot was read",
                            db->path);
    floe_catalog_close(db->cat); /* queries never read it; nothing stays open on it */
    db->cat = NULL;
    return FLOE_OK;
}

static int db_open_readonly(floe_db *db, floe_err *err)
{
    int attempt, rc = FLOE_OK;
    for (attempt = 0; attempt < RO_ATTEMPTS; attempt++) {
        bool retry = false;
        if (attempt > 0) {
            struct timespec ts = {0, RO_RETRY_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
        floe_err_clear(err);
        rc = ro_snapshot(db, &retry, err);
        if (rc == FLOE_OK) return FLOE_OK;
        ro_release(db);
        if (!retry) return rc;
    }
    {
        char last[FLOE_ERRMSG_MAX];
        snprintf(last, sizeof last, "%s", err->msg);
        return floe_err_set(err, FLOE_BUSY, "database '%s' kept changing while a read-only "
                            "snapshot was taken (%d attempts; last: %.200s)", db->path,
                            RO_ATTEMPTS, last);
    }
}

/* ------------------------------------------------------------ open/close */

void floe_open_options_init(floe_open_options *o)
{
    if (o) memset(o, 0, sizeof *o);
}

int floe_db_open(const char *path, unsigned flags, floe_db **out_db)
{
    floe_open_options o;
    floe_open_options_init(&o);
    o.flags = flags;
    return floe_db_open_ex(path, &o, out_db);
}

int floe_db_open_ex(const char *path, const floe_open_options *o, floe_db **out_db)
{
    floe_db *db = floe_calloc(1, sizeof *db);
    floe_open_options defaults;
    floe_err err = FLOE_ERR_INIT;
    floe_ingest_db_opts io;
    floe_table_def **defs = NULL;
    uint32_t ndefs = 0, i;
    unsigned flags;
    char buf[4096];
    struct stat st;
    int rc;

    *out_db = db;
    if (db == NULL) return FLOE_NOMEM;
    if (o == NULL) {
        floe_open_options_init(&defaults);
        o = &defaults;
    }
    flags = o->flags;
    floe_settings_open(db, o); /* memory_limit, threads (api/settings.c) */
    db->lock_fd = -1;
    db->readonly = (flags & FLOE_OPEN_READONLY) != 0;
    floe_mem_tune();
    pthread_rwlock_init(&db->ddl_lock, NULL);
    pthread_mutex_init(&db->err_mu, NULL);
    floe_err_clear(&db->err);
    db->opened_us = wall_us();
    {
        struct timespec mt;
        clock_gettime(CLOCK_MONOTONIC, &mt);
        db->opened_mono_us = (int64_t)mt.tv_sec * 1000000 + mt.tv_nsec / 1000;
    }

    if (path == NULL || strcmp(path, ":memory:") == 0 || path[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        if (db->readonly) {
            rc = floe_err_set(&err, FLOE_MISUSE, "an in-memory database cannot be opened read-only");
            goto fail;
        }
        snprintf(buf, sizeof buf, "%s/floe-mem-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(buf) == NULL) {
            rc = floe_err_set(&err, FLOE_IOERR, "cannot create a scratch directory: %s",
                              strerror(errno));
            goto fail;
        }
        db->in_memory = true;
    } else {
        if (stat(path, &st) != 0) {
            if (!(flags & FLOE_OPEN_CREATE) || db->readonly) {
                rc = floe_err_set(&err, FLOE_NOTFOUND, "database '%s' does not exist", path);
                goto fail;
            }
            if ((rc = make_dir(path, &err)) != FLOE_OK) goto fail;
        } else if (!S_ISDIR(st.st_mode)) {
            rc = floe_err_set(&err, FLOE_ERROR, "'%s' is not a floe database directory", path);
            goto fail;
        }
        snprintf(buf, sizeof buf, "%s", path);
    }
    db->path = floe_strdup(buf);
    if (db->path == NULL) {
        rc = floe_err_nomem(&err);
        goto fail;
    }
    if (db->readonly) {
        if ((rc = db_open_readonly(db, &err)) != FLOE_OK) goto fail;
        return FLOE_OK;
    }
    /* the writer lock comes before anything is written or cleaned up */
    if (!db->in_memory && (rc = db_lock(db, &err)) != FLOE_OK) goto fail;
    snprintf(buf, sizeof buf, "%s/tables", db->path);
    if ((rc = make_dir(buf, &err)) != FLOE_OK) goto fail;
    if ((rc = floe_catalog_open(db->in_memory ? NULL : db->path, &db->cat, &err)) != FLOE_OK)
        goto fail;
    if ((flags & FLOE_OPEN_INTEGRITY_CHECK) &&
        (rc = floe_catalog_integrity_check(db->cat, &err)) != FLOE_OK)
        goto fail;

    memset(&io, 0, sizeof io);
    io.dir = db->in_memory ? NULL : db->path;
    io.durability = (flags & FLOE_OPEN_DURABILITY_FULL)  ? FLOE_DURABILITY_FULL
                    : (flags & FLOE_OPEN_DURABILITY_OFF) ? FLOE_DURABILITY_OFF
                                                          : FLOE_DURABILITY_BATCH;
    io.background_flush = true;
    io.mem_limit_bytes = floe_settings_memtable_limit(db);
    io.cb.ctx = db;
    io.cb.write_part = cb_write_part;
    io.cb.commit_part = cb_commit_part;
    io.cb.discard_part = cb_discard_part;
    io.cb.flush_error = cb_flush_error;
    io.cb.warning = cb_warning;
    if ((rc = floe_ingest_db_open(&io, &db->ingest, &err)) != FLOE_OK) goto fail;

    if ((rc = floe_catalog_list_tables(db->cat, &defs, &ndefs, &err)) != FLOE_OK) goto fail;
    for (i = 0; i < ndefs; i++) {
        floe_table_def *def = defs[i];
        defs[i] = NULL;
        if ((rc = floe_db_add_table(db, def, &err)) != FLOE_OK) break;
    }
    for (i = 0; i < ndefs; i++) floe_table_def_free(defs[i]);
    floe_free(defs);
    if (rc != FLOE_OK) goto fail;
    /* background merges and TTL (api/maintain.c) */
    if ((rc = floe_maintain_start(db, &err)) != FLOE_OK) goto fail;
    return FLOE_OK;
fail:
    floe_db_set_error(db, &err);
    /* keep the handle for floe_db_errmsg; release what was opened */
    while (db->ntables > 0) floe_db_close_table(db, db->tables[db->ntables - 1], false, NULL);
    floe_ingest_db_close(db->ingest, NULL);
    db->ingest = NULL;
    floe_catalog_close(db->cat);
    db->cat = NULL;
    if (db->lock_fd >= 0) close(db->lock_fd);
    db->lock_fd = -1;
    return rc;
}

int floe_db_close(floe_db *db) { return floe_db_close_msg(db, NULL, 0); }

int floe_db_close_msg(floe_db *db, char *msg, size_t cap)
{
    floe_err err = FLOE_ERR_INIT;
    int rc = FLOE_OK;
    if (msg != NULL && cap > 0) msg[0] = '\0';
    if (db == NULL) return FLOE_OK;
    if (atomic_load(&db->nappenders) > 0) {
        floe_err_set(&err, FLOE_BUSY, "cannot close: %d appender(s) still open",
                     atomic_load(&db->nappenders));
        return floe_db_set_error(db, &err);
    }
    floe_maintain_stop(db); /* first: a pass uses the tables */
    /* flush every table; on failure rows stay in the WAL and are recovered */
    while (db->ntables > 0) {
        floe_db_table *t = db->tables[db->ntables - 1];
        if (floe_db_close_table(db, t, !db->in_memory && !db->readonly, &err) != FLOE_OK) {
            /* the first failure is the one reported; the db is freed below */
            if (rc == FLOE_OK && msg != NULL && cap > 0) snprintf(msg, cap, "%s", err.msg);
            if (rc == FLOE_OK) rc = err.code;
            floe_db_close_table(db, t, false, NULL);
        }
    }
    floe_ingest_db_close(db->ingest, NULL);
    floe_catalog_close(db->cat);
    if (db->lock_fd >= 0) close(db->lock_fd); /* last: releases the writer lock */
    if (db->in_memory && db->path) remove_tree(db->path);
    floe_free(db->path);
    floe_free(db->tables);
    pthread_rwlock_destroy(&db->ddl_lock);
    pthread_mutex_destroy(&db->err_mu);
    floe_free(db);
    return rc;
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
    schema = table_schema(t, pcols);
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

    memset(&info, 0, sizeof info);
    if (pcols == NULL) {
        floe_part_writer_abort(w);
        return floe_err_nomem(err);
    }
    schema = table_schema(t, pcols);
    if ((rc = floe_part_writer_finish(w, &info, err)) != FLOE_OK) goto out;
    floe_part_dir(t->dir, info.part_id, dir, sizeof dir);
    if ((rc = floe_part_reader_open(dir, &schema, &r, err)) != FLOE_OK) {
        remove_tree(dir);
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
        parts_push(t, r); /* room was made above */
        r = NULL;
        t->part_bytes += info.bytes;
        atomic_fetch_add(&t->flushes, 1);
    }
    floe_ingest_write_unlock(t->ingest);
    if (rc != FLOE_OK) {
        floe_part_reader_unref(r);
        r = NULL;
        remove_tree(dir);
    }
out:
    floe_part_reader_unref(r);
    floe_part_info_free(&info);
    floe_free(pcols);
    return rc;
}
