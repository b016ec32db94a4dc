/* db/table.c: a table's runtime state: opening it (parts, garbage
 * collection, WAL replay through ingest), its part list, closing and
 * dropping it. Contract in db/db.h. */
#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/constraint.h"
#include "util/mem.h"
#include "util/os.h"

floe_db_table *floe_db_find_table(floe_db *db, const char *name)
{
    uint32_t i;
    for (i = 0; i < db->ntables; i++)
        if (strcasecmp(db->tables[i]->def->name, name) == 0) return db->tables[i];
    return NULL;
}


/* ----------------------------------------------------------- part list */

/* Make room for one more part in t->parts ahead of a commit, so the commit
 * that lists it cannot fail. Takes the visibility lock exclusively (the
 * array may move); FLOE_NOMEM. */
int floe_db_parts_reserve(floe_db_table *t)
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

int floe_db_parts_push(floe_db_table *t, floe_part_reader *r)
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

/* ----------------------------------------------------- table lifecycle */

/* Open a committed part listed by the catalog, with its delete vector
 * (DELETE/UPDATE) when it has one. */
static int open_listed_part(const char *dir, const floe_part_schema *schema,
                            const floe_catalog_part *cp, floe_part_reader **out, floe_err *err)
{
    floe_part_reader *r = NULL;
    int rc = floe_part_reader_open(dir, schema, &r, err);
    *out = NULL;
    if (rc != FLOE_OK) return rc;
    if (cp->deleted != NULL && cp->ndeleted > 0) {
        floe_part_reader *v = NULL;
        if (floe_part_reader_rows(r) != cp->rows) {
            floe_part_reader_unref(r);
            return floe_err_set(err, FLOE_CORRUPT, "%s: %llu rows, catalog.db says %llu", dir,
                                (unsigned long long)floe_part_reader_rows(r),
                                (unsigned long long)cp->rows);
        }
        rc = floe_part_reader_with_deletes(r, cp->deleted, cp->ndeleted, &v, err);
        floe_part_reader_unref(r);
        if (rc != FLOE_OK) return rc;
        r = v;
    }
    *out = r;
    return FLOE_OK;
}

static void table_free(floe_db_table *t)
{
    uint32_t i;
    if (t == NULL) return;
    floe_db_cons_free(t->cons);
    for (i = 0; i < t->nparts; i++) floe_part_reader_unref(t->parts[i]);
    floe_free(t->parts);
    pthread_mutex_destroy(&t->dml_mu);
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
    o.warning = floe_db_warning;
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
    uint32_t nparts = 0, nparts_all = 0, i;
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
    pthread_mutex_init(&t->dml_mu, NULL);
    snprintf(buf, sizeof buf, "%s/tables/%lld", db->path, (long long)def->id);
    t->dir = floe_strdup(buf);
    pcols = floe_calloc(def->ncols + 1, sizeof *pcols);
    types = floe_calloc(def->ncols + 1, sizeof *types);
    flushed = floe_calloc(def->opts.shards + 1, sizeof *flushed);
    if (t->dir == NULL || pcols == NULL || types == NULL || flushed == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    if (!db->readonly && (rc = floe_os_mkdir(t->dir, 0755, true, err)) != FLOE_OK) goto fail;
    for (i = 0; i < def->opts.nsort && t->nsort < 16; i++) {
        int ci = col_index(def, def->opts.sort_cols[i]);
        if (ci >= 0) t->sort_cols[t->nsort++] = ci;
    }

    if ((rc = floe_catalog_list_parts(db->cat, def->id, &parts, &nparts, err)) != FLOE_OK) goto fail;
    nparts_all = nparts;
    ids = floe_calloc(nparts + 1, sizeof *ids);
    if (ids == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    /* FLOE_OPEN_SALVAGE: damaged parts go to quarantine before anything
     * reads them (db/salvage.c); the rest of the open never sees them */
    if (db->salvage && (rc = floe_db_salvage_parts(db, t, parts, &nparts, err)) != FLOE_OK)
        goto fail;
    for (i = 0; i < nparts; i++) ids[i] = parts[i].id;
    /* a reader never collects: the writer's in-flight parts look like garbage */
    if (!db->readonly && (rc = table_gc(db, t, ids, nparts, err)) != FLOE_OK) goto fail;
    /* a reader opens the parts after reading the WAL (below): the writer
     * truncates WAL segments right after each flush, while parts go away
     * only with the rarer merges, so that order keeps retries rare */
    if (!db->readonly) {
        floe_part_schema schema = floe_table_def_schema(t->def, pcols);
        for (i = 0; i < nparts; i++) {
            floe_part_reader *r;
            floe_part_dir(t->dir, parts[i].id, buf, sizeof buf);
            if ((rc = open_listed_part(buf, &schema, &parts[i], &r, err)) != FLOE_OK) goto fail;
            if (floe_db_parts_push(t, r) != FLOE_OK) {
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
        floe_part_schema schema = floe_table_def_schema(t->def, pcols);
        for (i = 0; rc == FLOE_OK && i < nparts; i++) {
            floe_part_reader *r = NULL;
            floe_part_dir(t->dir, parts[i].id, buf, sizeof buf);
            rc = open_listed_part(buf, &schema, &parts[i], &r, err);
            if (rc == FLOE_OK && floe_db_parts_push(t, r) != FLOE_OK) {
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
    floe_catalog_parts_free(parts, nparts_all);
    floe_free(ids);
    floe_free(pcols);
    floe_free(types);
    floe_free(flushed);
    *out = t;
    return FLOE_OK;
fail:
    floe_free(prods);
    floe_err_prefix(err, "table '%s': ", def->name);
    floe_catalog_parts_free(parts, nparts_all);
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
    /* constraints: their key sets are built from the rows just recovered */
    if ((rc = floe_db_cons_load(db, t, NULL, &t->cons, err)) != FLOE_OK) {
        floe_err_prefix(err, "table '%s': ", t->def->name);
        floe_ingest_table_close(t->ingest, false, NULL);
        table_free(t);
        return rc;
    }
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
    floe_os_remove_tree(buf, NULL);
    if (!db->in_memory) floe_wal_drop_table(db->path, (uint64_t)table_id, NULL);
}

int floe_db_check_writable(floe_db *db, const char *what, floe_err *err)
{
    char why[FLOE_ERRMSG_MAX];
    if (!db->readonly && floe_ingest_db_failed(db->ingest, why, sizeof why))
        return floe_err_set(err, FLOE_READONLY, "cannot %s: database '%s' stopped writing after "
                            "an I/O error (reopen it): %.300s", what, db->path, why);
    if (!db->readonly) return FLOE_OK;
    if (db->lock_pid > 0)
        return floe_err_set(err, FLOE_READONLY, "cannot %s: database '%s' is open read-only "
                            "(it is locked by process %ld)", what, db->path, db->lock_pid);
    return floe_err_set(err, FLOE_READONLY, "cannot %s: database '%s' is open read-only", what,
                        db->path);
}

