/* db/query.c: running SQL statements: parse, bind, execute, materialize.
 *
 * Each statement of a SQL string is parsed, bound against the database's
 * tables (through the binder's catalog callbacks) and executed here: queries
 * through the engine over per-table snapshots (parts + memtables), INSERT and
 * CTAS by appending the plan's rows through ingest, DDL through the catalog;
 * DELETE/UPDATE run their bound query over the target's parts alone (the
 * catalog view lists the row-id column for it) in db/dml.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/block_bloom.h"
#include "db/constraint.h"
#include "db/crawl.h"
#include "db/db.h"
#include "db/ddl.h"
#include "db/lake.h"
#include "db/prepared.h"
#include "db/mem_source.h"
#include "db/part_source.h"
#include "db/query.h"
#include "db/result_build.h"
#include "db/settings.h"
#include "db/system.h"
#include "storage/catalog_external.h"
#include "engine/plan.h"
#include "ingest/convert.h"
#include "ingest/memtable.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "util/mem.h"
#include "util/os.h"
#include "util/strbuf.h"

/* --------------------------------------------------- binder's catalog view */

typedef struct cat_view {
    floe_db *db;
    floe_arena *arena; /* column arrays handed to the binder */
    floe_db_views views; /* views parsed for this statement (db/ddl.h) */
    floe_db_table *dml_target; /* DELETE/UPDATE: lists FLOE_DML_ROWID too */
    floe_lake_dataset **lake; /* table functions' datasets, owned for the statement */
    uint32_t nlake, caplake;
    unsigned flags;           /* FLOE_QUERY_* of the statement */
    bool dropping;            /* DROP TABLE: an external table is not opened */
} cat_view;

static const char ext_drop_ref = 0; /* table_ref of an external table being dropped */

/* Parse a stored DEFAULT text back into a value of type t (strings go into arena). */
static int default_value(floe_type t, const char *text, floe_arena *arena, floe_value *out)
{
    floe_vec v;
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (floe_vec_init(&v, t, 1) != FLOE_OK) return FLOE_NOMEM;
    v.n = 1;
    rc = floe_convert_text(&v, 0, text, strlen(text), &err);
    if (rc == FLOE_OK) {
        floe_value_load(t, v.data, 0, out);
        if (t.id == FLOE_TYPE_VARCHAR) {
            char *p = floe_arena_memdup(arena, out->v.s.ptr, out->v.s.len);
            if (p == NULL) rc = FLOE_NOMEM;
            out->v.s.ptr = p;
        }
    }
    floe_vec_free(&v);
    return rc;
}

static int cat_keep_dataset(cat_view *cv, floe_lake_dataset *d, floe_cat_table *out, floe_err *err);

static int cat_find_table(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    cat_view *cv = self;
    floe_db_table *t = floe_db_find_table(cv->db, name);
    floe_cat_column *cols;
    uint32_t i;
    if (t == NULL && floe_system_find(name, out)) return FLOE_OK;
    if (t == NULL) { /* an external table (CRAWL): its files, read in place */
        floe_lake_dataset *d = NULL;
        int rc;
        if (cv->flags & FLOE_QUERY_READONLY) return FLOE_NOTFOUND;
        if (cv->dropping) { /* its files may be gone: only its record is needed */
            floe_ext_table *et = NULL;
            if (cv->db->cat == NULL || floe_catalog_ext_get(cv->db->cat, name, &et, err) != FLOE_OK)
                return FLOE_NOTFOUND;
            out->name = floe_arena_strndup(cv->arena, et->name, strlen(et->name));
            floe_ext_table_free(et);
            if (out->name == NULL) return floe_err_nomem(err);
            out->table_ref = (void *)&ext_drop_ref;
            return FLOE_OK;
        }
        rc = floe_crawl_dataset(cv->db, name, &d, err);
        if (rc != FLOE_OK) return rc;
        return cat_keep_dataset(cv, d, out, err);
    }
    cols = floe_arena_alloc(cv->arena, (t->def->ncols + 1) * sizeof *cols);
    if (cols == NULL) return floe_err_nomem(err);
    memset(cols, 0, (t->def->ncols + 1) * sizeof *cols);
    for (i = 0; i < t->def->ncols; i++) {
        const floe_column_def *cd = &t->def->cols[i];
        cols[i].name = cd->name;
        cols[i].type = cd->type;
        cols[i].not_null = cd->not_null;
        if (cd->default_text) {
            cols[i].has_default =
                default_value(cd->type, cd->default_text, cv->arena, &cols[i].default_value) ==
                FLOE_OK;
        }
    }
    out->name = t->def->name;
    out->cols = cols;
    out->ncols = t->def->ncols;
    if (t == cv->dml_target) { /* the row id (sql/binder.h, db/part_source.h) */
        cols[i].name = FLOE_DML_ROWID;
        cols[i].type = floe_type_make(FLOE_TYPE_BIGINT);
        out->ncols++;
    }
    floe_ingest_read_lock(t->ingest); /* part_rows changes under the exclusive lock */
    out->nrows = (double)t->part_rows;
    floe_ingest_read_unlock(t->ingest);
    out->nrows += (double)(floe_ingest_db_mem_bytes(cv->db->ingest) / 64);
    out->table_ref = t;
    return FLOE_OK;
}

static int cat_find_view(void *self, const char *name, const floe_ast_query **out_query,
                         const char **out_sql, const char *const **out_cols, int *out_ncols,
                         floe_err *err)
{
    return floe_db_find_view(&((cat_view *)self)->views, name, out_query, out_sql, out_cols,
                             out_ncols, err);
}

/* read_parquet(...) and friends: a dataset kept for the statement (db/lake.h). */
static int cat_table_function(void *self, const char *name, const floe_tf_arg *args, uint32_t nargs,
                              floe_cat_table *out, floe_err *err)
{
    cat_view *cv = self;
    floe_lake_dataset *d = NULL;
    int rc;
    if (cv->flags & FLOE_QUERY_READONLY)
        return floe_err_set(err, FLOE_READONLY,
                            "%s reads files, which a read-only query may not do", name);
    if ((rc = floe_lake_dataset_open(name, args, nargs, &d, err)) != FLOE_OK) return rc;
    return cat_keep_dataset(cv, d, out, err);
}

/* Keep d for the statement and describe it to the binder. */
static int cat_keep_dataset(cat_view *cv, floe_lake_dataset *d, floe_cat_table *out, floe_err *err)
{
    floe_cat_column *cols;
    uint32_t i;
    if (cv->nlake == cv->caplake) {
        uint32_t cap = cv->caplake ? cv->caplake * 2 : 4;
        floe_lake_dataset **nl = floe_realloc(cv->lake, cap * sizeof *nl);
        if (nl == NULL) {
            floe_lake_dataset_free(d);
            return floe_err_nomem(err);
        }
        cv->lake = nl;
        cv->caplake = cap;
    }
    cv->lake[cv->nlake++] = d;
    cols = floe_arena_alloc(cv->arena, (d->ncols + 1) * sizeof *cols);
    if (cols == NULL) return floe_err_nomem(err);
    memset(cols, 0, (d->ncols + 1) * sizeof *cols);
    for (i = 0; i < d->ncols; i++) {
        cols[i].name = d->names[i];
        cols[i].type = d->types[i];
    }
    out->name = d->func;
    out->cols = cols;
    out->ncols = d->ncols;
    out->nrows = (double)d->est_rows;
    out->table_ref = d;
    return FLOE_OK;
}

/* Whether a plan's table_ref is one of the database's tables (else a
 * system table or a table function's dataset). */
static bool is_db_table(const floe_db *db, const void *ref)
{
    uint32_t i;
    for (i = 0; i < db->ntables; i++)
        if (db->tables[i] == ref) return true;
    return false;
}

static uint32_t cat_table_count(void *self) { return ((cat_view *)self)->db->ntables; }

static const char *cat_table_name(void *self, uint32_t i)
{
    return ((cat_view *)self)->db->tables[i]->def->name;
}

/* ------------------------------------------------------------- snapshots */

/* Build, for every table the plan scans, its sources: committed parts and
 * memtables captured under the table's visibility lock. */
static int snapshot_tables(floe_db *db, const floe_query_plan *qp, const void *parts_only,
                           floe_table_scan **out, floe_err *err)
{
    floe_table_scan *scans = floe_calloc(qp->ntables + 1, sizeof *scans);
    uint32_t i, k;
    int rc = FLOE_OK;
    (void)db;
    if (scans == NULL) return floe_err_nomem(err);
    for (i = 0; i < qp->ntables && rc == FLOE_OK; i++) {
        floe_db_table *t = qp->table_refs[i];
        if (floe_system_is(t)) {
            scans[i].sources = floe_calloc(1, sizeof(floe_scan_source));
            if (scans[i].sources == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            rc = floe_system_source(db, t, &scans[i].sources[0], err);
            if (rc == FLOE_OK) scans[i].nsources = 1;
            continue;
        }
        if (!is_db_table(db, t)) { /* a table function's files */
            scans[i].sources = floe_calloc(1, sizeof(floe_scan_source));
            if (scans[i].sources == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            rc = floe_lake_source_new((floe_lake_dataset *)qp->table_refs[i], &scans[i].sources[0], err);
            if (rc == FLOE_OK) scans[i].nsources = 1;
            continue;
        }
        floe_part_reader **parts = NULL;
        floe_ingest_snapshot *snap = NULL;
        uint32_t nparts;
        scans[i].sources = floe_calloc(2, sizeof(floe_scan_source));
        if (scans[i].sources == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        floe_ingest_read_lock(t->ingest);
        /* the part list only changes under the exclusive lock: size it here */
        nparts = t->nparts;
        parts = floe_calloc(nparts + 1, sizeof *parts);
        if (parts == NULL) {
            floe_ingest_read_unlock(t->ingest);
            rc = floe_err_nomem(err);
            break;
        }
        for (k = 0; k < nparts; k++) {
            parts[k] = t->parts[k];
            floe_part_reader_ref(parts[k]);
        }
        rc = floe_ingest_snapshot_take(t->ingest, &snap, err);
        floe_ingest_read_unlock(t->ingest);
        if (rc == FLOE_OK) rc = floe_part_source_new(parts, nparts, &scans[i].sources[0], err);
        if (rc == FLOE_OK && nparts && floe_db_cons_blooms(t)) { /* CREATE INDEX filters */
            floe_part_blooms **bl = floe_calloc(nparts, sizeof *bl);
            rc = bl ? floe_db_blooms_get(floe_db_cons_blooms(t), parts, nparts, bl, err)
                    : floe_err_nomem(err);
            if (rc == FLOE_OK) floe_part_source_set_blooms(&scans[i].sources[0], bl);
            else floe_free(bl);
            if (rc != FLOE_OK) scans[i].sources[0].vt->free(scans[i].sources[0].self);
        }
        /* the source holds its own references */
        for (k = 0; k < nparts; k++) floe_part_reader_unref(parts[k]);
        floe_free(parts);
        if (rc != FLOE_OK) {
            floe_ingest_snapshot_free(snap);
            break;
        }
        scans[i].nsources = 1;
        if (t == parts_only) { /* DELETE/UPDATE: memtable rows are after the statement */
            floe_ingest_snapshot_free(snap);
            continue;
        }
        rc = floe_mem_source_new(snap, &scans[i].sources[1], err);
        if (rc == FLOE_OK) scans[i].nsources = 2;
    }
    *out = scans;
    return rc;
}

static void free_scans(floe_table_scan *scans, uint32_t n)
{
    uint32_t i, s;
    if (scans == NULL) return;
    for (i = 0; i < n; i++) {
        for (s = 0; s < scans[i].nsources; s++)
            scans[i].sources[s].vt->free(scans[i].sources[s].self);
        floe_free(scans[i].sources);
    }
    floe_free(scans);
}

/* ------------------------------------------------------- progress counting */

/* A source that forwards to another and adds the rows its cursors produce to
 * db->prog_done, for floe_progress(). Owns the inner source. */
typedef struct counted_src {
    floe_scan_source inner;
    floe_db *db;
} counted_src;

struct floe_scan_cursor { /* this file's cursor: the inner one plus the db */
    floe_scan_cursor *inner;
    const counted_src *src;
};

static uint32_t cs_nmorsels(void *self)
{
    counted_src *c = self;
    return c->inner.vt->nmorsels(c->inner.self);
}

static uint64_t cs_rows(void *self, uint32_t m)
{
    counted_src *c = self;
    return c->inner.vt->morsel_rows(c->inner.self, m);
}

static bool cs_may_match(void *self, uint32_t m, const floe_scan_pred *p, uint32_t n)
{
    counted_src *c = self;
    bool may = c->inner.vt->morsel_may_match(c->inner.self, m, p, n);
    /* a pruned morsel counts as read */
    if (!may) atomic_fetch_add(&c->db->prog_done, c->inner.vt->morsel_rows(c->inner.self, m));
    return may;
}

static int cs_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    counted_src *c = self;
    floe_scan_cursor *w = floe_calloc(1, sizeof *w);
    int rc;
    if (w == NULL) return floe_err_nomem(err);
    rc = c->inner.vt->open(c->inner.self, m, cols, ncols, preds, npreds, &w->inner, err);
    if (rc != FLOE_OK) {
        floe_free(w);
        return rc;
    }
    w->src = c;
    *out = w;
    return FLOE_OK;
}

static int cs_next(floe_scan_cursor *w, floe_batch *out, floe_err *err)
{
    int rc = w->src->inner.vt->next(w->inner, out, err);
    if (rc == FLOE_ROW) atomic_fetch_add(&w->src->db->prog_done, out->n);
    return rc;
}

static void cs_close(floe_scan_cursor *w)
{
    if (w == NULL) return;
    w->src->inner.vt->close(w->inner);
    floe_free(w);
}

static void cs_free(void *self)
{
    counted_src *c = self;
    c->inner.vt->free(c->inner.self);
    floe_free(c);
}

static const floe_scan_source_vt counted_vt = {cs_nmorsels, cs_rows, cs_may_match, cs_open,
                                               cs_next,     cs_close, cs_free};

/* Wrap every source of the plan's tables in a counter and return the rows
 * they hold in total. On OOM a source is left unwrapped (progress is then
 * approximate, never wrong about correctness). */
static uint64_t count_sources(floe_db *db, floe_table_scan *scans, uint32_t n)
{
    uint64_t total = 0;
    uint32_t i, s, m;
    for (i = 0; i < n; i++) {
        for (s = 0; s < scans[i].nsources; s++) {
            floe_scan_source *src = &scans[i].sources[s];
            counted_src *c;
            uint32_t nm = src->vt->nmorsels(src->self);
            for (m = 0; m < nm; m++) total += src->vt->morsel_rows(src->self, m);
            if ((c = floe_calloc(1, sizeof *c)) == NULL) continue;
            c->inner = *src;
            c->db = db;
            src->vt = &counted_vt;
            src->self = c;
        }
    }
    return total;
}

/* The limits of the floe_db_run_limited call running on this thread (NULL:
 * none); set and restored by that call only. */
static _Thread_local const floe_db_run_limits *run_limits;

int floe_db_run_plan(floe_db *db, const floe_query_plan *qp, int64_t now_us, floe_batch_sink sink,
                    void *sink_ctx, floe_err *err)
{
    return floe_db_run_plan_ex(db, qp, now_us, NULL, sink, sink_ctx, err);
}

int floe_db_run_plan_ex(floe_db *db, const floe_query_plan *qp, int64_t now_us,
                        const void *parts_only, floe_batch_sink sink, void *sink_ctx,
                        floe_err *err)
{
    floe_table_scan *scans = NULL;
    floe_executor *ex = NULL;
    floe_exec_ctx ctx;
    int rc;

    rc = snapshot_tables(db, qp, parts_only, &scans, err);
    if (rc != FLOE_OK) goto out;
    atomic_store(&db->prog_done, 0);
    atomic_store(&db->prog_total, count_sources(db, scans, qp->ntables));
    memset(&ctx, 0, sizeof ctx);
    ctx.tables = scans;
    ctx.ntables = qp->ntables;
    ctx.nthreads = db->nthreads;
    ctx.now_us = now_us;
    ctx.interrupt = &db->interrupt;
    floe_settings_exec_ctx(db, &ctx); /* memory_limit, shared by all queries */
    if (run_limits) {
        ctx.cancel = run_limits->cancel;
        ctx.deadline_ns = run_limits->deadline_ns;
        ctx.timeout_ms = run_limits->timeout_ms;
        ctx.query_mem_limit = run_limits->mem_limit;
    }
    if ((rc = floe_exec_open(qp, &ctx, &ex, err)) != FLOE_OK) goto out;
    for (;;) {
        floe_batch b;
        memset(&b, 0, sizeof b);
        rc = floe_exec_next(ex, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) {
            floe_batch_free(&b);
            break;
        }
        rc = sink(sink_ctx, &b, err);
        floe_batch_free(&b);
        if (rc != FLOE_OK) break;
    }
out:
    atomic_store(&db->prog_total, 0);
    floe_exec_close(ex);
    free_scans(scans, qp->ntables);
    return rc;
}

/* A query's result buffer while it is filled: counted against
 * memory_limit (the bytes are given back when the query ends; the finished
 * result then belongs to the caller). */
typedef struct result_sink {
    floe_db *db;
    floe_result *res;
    uint64_t charged; /* bytes charged to db's accountant */
} result_sink;

static int sink_result(void *ctx, floe_batch *b, floe_err *err)
{
    result_sink *rs = ctx;
    uint64_t bytes;
    uint32_t c;
    int rc = floe_result_append(rs->res, b, err);
    if (rc != FLOE_OK) return rc;
    /* an estimate: fixed widths and validity (VARCHAR string bytes not counted) */
    bytes = 0;
    for (c = 0; c < rs->res->ncols; c++) bytes += floe_type_size(rs->res->types[c]) + 1;
    bytes *= rs->res->nrows;
    if (bytes <= rs->charged) return FLOE_OK;
    rc = floe_settings_charge(rs->db, (int64_t)(bytes - rs->charged), "RESULT", err);
    rs->charged = bytes;
    return rc;
}

/* ------------------------------------------------------------- statements */

static floe_result *text_result(uint32_t ncols, const char *const *names)
{
    floe_type types[8];
    uint32_t i;
    for (i = 0; i < ncols; i++) types[i] = floe_type_make(FLOE_TYPE_VARCHAR);
    return floe_result_new(ncols, names, types);
}

static int run_query(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                     floe_err *err)
{
    const floe_plan *root = bs->plan->root;
    floe_result *res = floe_result_new(root->ncols, root->names, root->types);
    result_sink rs;
    int rc;
    if (res == NULL) return floe_err_nomem(err);
    rs.db = db;
    rs.res = res;
    rs.charged = 0;
    rc = floe_db_run_plan(db, bs->plan, now_us, sink_result, &rs, err);
    if (rs.charged) (void)floe_settings_charge(db, -(int64_t)rs.charged, "RESULT", NULL);
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}

static int run_explain(floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    static const char *names[] = {"explain"};
    floe_strbuf sb = FLOE_STRBUF_INIT;
    floe_result *res = text_result(1, names);
    const char *p;
    int rc = FLOE_OK;
    if (res == NULL) return floe_err_nomem(err);
    if (bs->plan) floe_plan_explain(bs->plan->root, &sb);
    else floe_strbuf_puts(&sb, "(statement without a query plan)\n");
    if (bs->plan) floe_db_explain_indexes(bs->plan, &sb); /* db/ddl.c */
    if (!floe_strbuf_ok(&sb)) rc = floe_err_nomem(err);
    p = floe_strbuf_str(&sb);
    while (rc == FLOE_OK && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = floe_strndup(p, n);
        const char *vals[1];
        vals[0] = line;
        rc = line ? floe_result_append_text_row(res, vals, err) : floe_err_nomem(err);
        floe_free(line);
        p += n + (nl ? 1 : 0);
    }
    floe_strbuf_free(&sb);
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}

/* INSERT and CTAS: append the plan's rows to table t, checking NOT NULL.
 * The rows are collected in a private memtable (the plan may read t itself,
 * so no shard lock can be held meanwhile) and go to ingest at the end as
 * one transaction: a statement that fails midway, out of memory included,
 * appends nothing. */
typedef struct insert_ctx {
    floe_db_table *t;
    floe_memtable *buf;
    bool skip; /* ON CONFLICT DO NOTHING */
} insert_ctx;

static int sink_insert(void *ctx, floe_batch *b, floe_err *err)
{
    insert_ctx *ic = ctx;
    floe_db_table *t = ic->t;
    uint32_t c, live = floe_batch_rows(b);
    for (c = 0; c < t->def->ncols && c < b->ncols; c++) {
        if (t->def->cols[c].not_null) {
            uint32_t i;
            for (i = 0; i < live; i++) {
                uint32_t r = b->sel ? b->sel[i] : i;
                if (!floe_vec_is_valid(&b->cols[c], r))
                    return floe_err_set(err, FLOE_CONSTRAINT,
                                        "NOT NULL constraint failed: %s.%s", t->def->name,
                                        t->def->cols[c].name);
            }
        }
    }
    if (b->ncols != t->def->ncols)
        return floe_err_set(err, FLOE_TYPE, "INSERT: %u columns for table %s of %u", b->ncols,
                            t->def->name, t->def->ncols);
    return floe_memtable_append(ic->buf, b, b->sel, live, err);
}

/* Append the rows collected in ic->buf to the table in one transaction. */
static int insert_commit(insert_ctx *ic, uint64_t *out_rows, floe_err *err)
{
    floe_memtable *m = ic->buf;
    uint64_t nrows = floe_memtable_rows(m), nch = floe_memtable_nchunks(nrows), ch;
    uint32_t ncols = floe_memtable_ncols(m), c;
    floe_batch *bs;
    floe_vec *cols;
    floe_ingest_append_result ar;
    int rc;
    *out_rows = 0;
    if (nrows == 0) return FLOE_OK;
    if (nch > UINT32_MAX / 2)
        return floe_err_set(err, FLOE_RANGE, "INSERT of %llu rows is too large",
                            (unsigned long long)nrows);
    floe_memtable_freeze(m);
    bs = floe_calloc(nch, sizeof *bs);
    cols = floe_calloc(nch * ncols, sizeof *cols);
    if (bs == NULL || cols == NULL) {
        floe_free(bs);
        floe_free(cols);
        return floe_err_nomem(err);
    }
    for (ch = 0; ch < nch; ch++) {
        uint32_t n = (uint32_t)(ch + 1 < nch ? FLOE_VEC_SIZE : nrows - ch * FLOE_VEC_SIZE);
        bs[ch].cols = cols + ch * ncols;
        bs[ch].ncols = ncols;
        bs[ch].n = n;
        for (c = 0; c < ncols; c++) floe_memtable_chunk_vec(m, ch, c, n, &bs[ch].cols[c]);
    }
    rc = floe_db_append(ic->t, bs, (uint32_t)nch, NULL, ic->skip, &ar, NULL, err);
    if (rc == FLOE_OK) {
        *out_rows = ar.rows;
        atomic_fetch_add(&ic->t->rows_ingested, ar.rows);
    }
    floe_free(bs);
    floe_free(cols);
    return rc;
}

static int run_insert(floe_db *db, floe_db_table *t, const floe_query_plan *qp, int64_t now_us,
                      bool skip, floe_result **out, floe_err *err)
{
    insert_ctx ic;
    floe_type *types;
    uint64_t rows = 0;
    uint32_t c;
    int rc;
    ic.t = t;
    ic.buf = NULL;
    ic.skip = skip;
    types = floe_malloc((t->def->ncols ? t->def->ncols : 1) * sizeof *types);
    if (types == NULL) return floe_err_nomem(err);
    for (c = 0; c < t->def->ncols; c++) types[c] = t->def->cols[c].type;
    rc = floe_memtable_new(t->def->ncols, types, 1, &ic.buf, err);
    floe_free(types);
    if (rc != FLOE_OK) return rc;
    rc = floe_db_run_plan(db, qp, now_us, sink_insert, &ic, err);
    if (rc == FLOE_OK) rc = insert_commit(&ic, &rows, err);
    floe_memtable_unref(ic.buf);
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    if (*out == NULL) return floe_err_nomem(err);
    (*out)->rows_changed = rows;
    return FLOE_OK;
}

/* Build a catalog table definition from a bound CREATE TABLE. */
static int create_def(floe_db *db, const floe_bound_create *bc, const floe_plan *as_plan,
                      floe_table_def *def, floe_err *err)
{
    uint32_t i, ncols = as_plan ? as_plan->ncols : bc->ncols;
    char buf[256];
    memset(def, 0, sizeof *def);
    def->name = (char *)bc->table;
    def->ncols = ncols;
    def->cols = floe_calloc(ncols + 1, sizeof *def->cols);
    if (def->cols == NULL) return floe_err_nomem(err);
    for (i = 0; i < ncols; i++) {
        floe_column_def *cd = &def->cols[i];
        if (as_plan) {
            cd->name = (char *)as_plan->names[i];
            cd->type = as_plan->types[i];
            if (cd->type.id == FLOE_TYPE_NULL) cd->type = floe_type_make(FLOE_TYPE_VARCHAR);
        } else {
            cd->name = (char *)bc->cols[i].name;
            cd->type = bc->cols[i].type;
            cd->not_null = bc->cols[i].not_null;
            if (bc->cols[i].has_default && !bc->cols[i].default_value.is_null) {
                const floe_value *v = &bc->cols[i].default_value;
                if (v->type.id == FLOE_TYPE_VARCHAR)
                    cd->default_text = floe_strndup(v->v.s.ptr, v->v.s.len);
                else {
                    floe_value_format(v, buf, sizeof buf);
                    cd->default_text = floe_strdup(buf);
                }
                if (cd->default_text == NULL) return floe_err_nomem(err);
            }
        }
    }
    def->opts.partition_col = -1;
    def->opts.ttl_col = -1;
    def->opts.shards = bc->shards > 0 ? (uint32_t)bc->shards : db->nthreads;
    if (!as_plan && bc->partition_col >= 0) def->opts.partition_col = bc->partition_col + 1;
    if (!as_plan && bc->norder_cols > 0) {
        def->opts.nsort = bc->norder_cols;
        def->opts.sort_cols = floe_calloc(bc->norder_cols, sizeof(uint32_t));
        if (def->opts.sort_cols == NULL) return floe_err_nomem(err);
        for (i = 0; i < bc->norder_cols; i++) def->opts.sort_cols[i] = bc->order_cols[i] + 1;
    }
    def->opts.flush_rows = bc->flush_rows > 0 ? (uint64_t)bc->flush_rows : 0;
    def->opts.flush_bytes = bc->flush_bytes > 0 ? (uint64_t)bc->flush_bytes : 0;
    def->opts.flush_interval_ms = bc->flush_interval_ms > 0 ? (uint32_t)bc->flush_interval_ms : 0;
    def->opts.ttl_seconds = bc->ttl_us / 1000000;
    if (!as_plan && bc->ttl_col >= 0) def->opts.ttl_col = bc->ttl_col + 1;
    return FLOE_OK;
}

/* Column ids are 1..n in CREATE order (storage/catalog.h), so index+1 above. */
static void free_def_parts(floe_table_def *def)
{
    uint32_t i;
    for (i = 0; i < def->ncols; i++) floe_free(def->cols[i].default_text);
    floe_free(def->cols);
    floe_free(def->opts.sort_cols);
}

static int run_create(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                      floe_err *err)
{
    floe_table_def def, *stored = NULL;
    floe_db_table *t;
    int rc;
    if (floe_db_find_table(db, bs->create.table)) {
        if (bs->create.if_not_exists) {
            *out = floe_result_new(0, NULL, NULL);
            return *out ? FLOE_OK : floe_err_nomem(err);
        }
        return floe_err_set(err, FLOE_CONSTRAINT, "table '%s' already exists", bs->create.table);
    }
    rc = create_def(db, &bs->create, bs->plan ? bs->plan->root : NULL, &def, err);
    if (rc == FLOE_OK) rc = floe_db_create_table(db, &def, &bs->create, err); /* db/ddl.c */
    free_def_parts(&def);
    if (rc != FLOE_OK) return rc;
    if ((rc = floe_catalog_get_table(db->cat, bs->create.table, &stored, err)) != FLOE_OK) return rc;
    if ((rc = floe_db_add_table(db, stored, err)) != FLOE_OK) return rc;
    if (bs->plan) {
        t = floe_db_find_table(db, bs->create.table);
        return run_insert(db, t, bs->plan, now_us, false, out, err);
    }
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

static int run_drop(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    floe_db_table *t = bs->table.name ? floe_db_find_table(db, bs->table.name) : NULL;
    int64_t id;
    int rc;
    if (t == NULL && bs->table.name && db->cat &&
        (rc = floe_catalog_ext_drop(db->cat, bs->table.name, err)) != FLOE_NOTFOUND) {
        if (rc != FLOE_OK) return rc; /* an external table: its record only, never its files */
        *out = floe_result_new(0, NULL, NULL);
        return *out ? FLOE_OK : floe_err_nomem(err);
    }
    if (t == NULL) {
        if (!bs->if_exists)
            return floe_err_set(err, FLOE_ERROR, "table '%s' does not exist",
                                bs->table.name ? bs->table.name : "?");
        *out = floe_result_new(0, NULL, NULL);
        return *out ? FLOE_OK : floe_err_nomem(err);
    }
    id = t->def->id;
    if ((rc = floe_catalog_drop_table(db->cat, t->def->name, NULL, err)) != FLOE_OK) return rc;
    floe_db_close_table(db, t, false, NULL);
    floe_db_remove_table_files(db, id);
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

static int run_alter_add(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    floe_db_table *t = floe_db_find_table(db, bs->table.name);
    floe_column_def cd;
    floe_table_def *stored = NULL;
    char buf[256];
    int rc;
    if (t == NULL) return floe_err_set(err, FLOE_ERROR, "table '%s' does not exist", bs->table.name);
    memset(&cd, 0, sizeof cd);
    cd.name = (char *)bs->alter_col.name;
    cd.type = bs->alter_col.type;
    cd.not_null = bs->alter_col.not_null;
    if (bs->alter_col.has_default && !bs->alter_col.default_value.is_null) {
        const floe_value *v = &bs->alter_col.default_value;
        if (v->type.id == FLOE_TYPE_VARCHAR)
            cd.default_text = floe_strndup(v->v.s.ptr, v->v.s.len);
        else {
            floe_value_format(v, buf, sizeof buf);
            cd.default_text = floe_strdup(buf);
        }
    }
    /* memtables hold the old schema: flush them to parts first */
    rc = floe_ingest_flush_table(t->ingest, true, err);
    if (rc == FLOE_OK) rc = floe_catalog_add_column(db->cat, t->def->name, &cd, NULL, err);
    floe_free(cd.default_text);
    if (rc != FLOE_OK) return rc;
    if ((rc = floe_catalog_get_table(db->cat, t->def->name, &stored, err)) != FLOE_OK) return rc;
    if ((rc = floe_db_close_table(db, t, true, err)) != FLOE_OK) {
        floe_table_def_free(stored);
        return rc;
    }
    if ((rc = floe_db_add_table(db, stored, err)) != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

static int cmp_names(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static int run_show_tables(floe_db *db, floe_result **out, floe_err *err)
{
    static const char *names[] = {"name"};
    floe_result *res = text_result(1, names);
    uint32_t i;
    int rc = FLOE_OK;
    if (res == NULL) return floe_err_nomem(err);
    const char **names_sorted = floe_calloc(db->ntables + 1, sizeof *names_sorted);
    if (names_sorted == NULL) {
        floe_result_free(res);
        return floe_err_nomem(err);
    }
    for (i = 0; i < db->ntables; i++) names_sorted[i] = db->tables[i]->def->name;
    qsort(names_sorted, db->ntables, sizeof *names_sorted, cmp_names);
    for (i = 0; i < db->ntables && rc == FLOE_OK; i++) {
        const char *v[1];
        v[0] = names_sorted[i];
        rc = floe_result_append_text_row(res, v, err);
    }
    floe_free(names_sorted);
    if (rc == FLOE_OK && db->cat) { /* then the external tables (CRAWL) */
        char **ext = NULL;
        uint32_t next = 0;
        rc = floe_catalog_ext_list(db->cat, &ext, &next, err);
        for (i = 0; i < next && rc == FLOE_OK; i++) {
            const char *v[1] = {ext[i]};
            rc = floe_result_append_text_row(res, v, err);
        }
        floe_catalog_ext_names_free(ext, next);
    }
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}

static int run_describe(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    static const char *names[] = {"column_name", "column_type", "null", "key", "default"};
    floe_db_table *t = floe_db_find_table(db, bs->table.name);
    floe_result *res = text_result(5, names);
    uint32_t i, k;
    int rc = FLOE_OK;
    if (res == NULL) return floe_err_nomem(err);
    for (i = 0; t && i < t->def->ncols && rc == FLOE_OK; i++) {
        const floe_column_def *cd = &t->def->cols[i];
        char tbuf[32], key[64] = "";
        const char *v[5];
        if (t->def->opts.partition_col == (int64_t)cd->id) snprintf(key, sizeof key, "PARTITION");
        floe_db_describe_keys(t, cd->id, key, sizeof key); /* db/ddl.c: PRIMARY KEY, UNIQUE */
        for (k = 0; k < t->def->opts.nsort; k++)
            if (t->def->opts.sort_cols[k] == cd->id)
                snprintf(key + strlen(key), sizeof key - strlen(key), "%sSORT", key[0] ? ", " : "");
        v[0] = cd->name;
        v[1] = floe_type_name(cd->type, tbuf, sizeof tbuf);
        v[2] = cd->not_null ? "NO" : "YES";
        v[3] = key[0] ? key : NULL;
        v[4] = cd->default_text;
        rc = floe_result_append_text_row(res, v, err);
    }
    for (i = 0; t == NULL && i < bs->table.ncols && rc == FLOE_OK; i++) {
        /* an external or system table: its bound columns */
        char tbuf[32];
        const char *v[5] = {bs->table.cols[i].name, NULL, "YES", NULL, NULL};
        v[1] = floe_type_name(bs->table.cols[i].type, tbuf, sizeof tbuf);
        rc = floe_result_append_text_row(res, v, err);
    }
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}

static int run_flush(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    floe_db_table *t = floe_db_find_table(db, bs->table.name);
    int rc;
    if (t == NULL) return floe_err_set(err, FLOE_ERROR, "table '%s' does not exist", bs->table.name);
    if ((rc = floe_ingest_flush_table(t->ingest, true, err)) != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

/* Run one parsed statement; *out gets its result (never NULL on success). */
/* DELETE / UPDATE (db/dml.c). On a table with keys or CHECKs (run under
 * ddl_lock exclusive): UPDATE is refused, since its rewritten rows are
 * written as a part without passing the constraints; after a DELETE the key
 * sets are rebuilt from the rows left, so a deleted key can be inserted
 * again. */
static int run_dml(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                   floe_err *err)
{
    /* constraints (CHECK, NOT NULL, key sets) are kept by db/dml.c */
    return floe_db_dml(db, bs, now_us, out, err);
}

static int run_statement(floe_db *db, const char *sql, unsigned flags, const floe_ast_stmt *ast,
                         const floe_value *params, uint32_t nparams, floe_result **out,
                         floe_err *err)
{
    floe_bound_stmt *bs = NULL;
    floe_sql_catalog cat;
    cat_view cv;
    int64_t now_us = floe_os_clock_wall_us();
    int exclusive = ast->kind == FLOE_AST_STMT_CREATE_TABLE ||
                    ast->kind == FLOE_AST_STMT_DROP_TABLE || ast->kind == FLOE_AST_STMT_ALTER_ADD ||
                    ast->kind == FLOE_AST_STMT_CREATE_INDEX || ast->kind == FLOE_AST_STMT_DROP_INDEX ||
                    ast->kind == FLOE_AST_STMT_CREATE_VIEW || ast->kind == FLOE_AST_STMT_DROP_VIEW;
    int rc;

    *out = NULL;
    cv.db = db;
    memset(&cv.views, 0, sizeof cv.views);
    cv.views.db = db;
    cv.arena = floe_arena_new(0);
    if (cv.arena == NULL) return floe_err_nomem(err);
    cv.dml_target = NULL;
    cat.self = &cv;
    cat.find_table = cat_find_table;
    cat.table_count = cat_table_count;
    cat.table_name = cat_table_name;
    cat.find_view = cat_find_view;
    cat.table_function = cat_table_function;
    cv.lake = NULL;
    cv.nlake = cv.caplake = 0;
    cv.flags = flags;
    cv.dropping = ast->kind == FLOE_AST_STMT_DROP_TABLE;
    if (exclusive)
        pthread_rwlock_wrlock(&db->ddl_lock);
    else
        pthread_rwlock_rdlock(&db->ddl_lock);
    {
        const floe_ast_stmt *d = ast->kind == FLOE_AST_STMT_EXPLAIN ? ast->explain.stmt : ast;
        if (d->kind == FLOE_AST_STMT_DELETE || d->kind == FLOE_AST_STMT_UPDATE)
            cv.dml_target = floe_db_find_table(db, d->dml.table);
        if (cv.dml_target && !exclusive && floe_db_cons_enforces(cv.dml_target)) {
            /* a DELETE rebuilds the table's key sets (db/ddl.h): exclusively */
            pthread_rwlock_unlock(&db->ddl_lock);
            pthread_rwlock_wrlock(&db->ddl_lock);
            exclusive = 1;
            cv.dml_target = floe_db_find_table(db, d->dml.table);
        }
    }

    if (ast->kind == FLOE_AST_STMT_SET) { /* SET/RESET: no binding, no plan */
        if (flags & FLOE_QUERY_READONLY) {
            rc = floe_err_set(err, FLOE_READONLY, "SET is not allowed in a read-only query");
            goto out;
        }
        rc = floe_settings_run(db, ast, out, err);
        goto out;
    }
    if (ast->kind == FLOE_AST_STMT_CRAWL) { /* no binding: db/crawl.c */
        if (flags & FLOE_QUERY_READONLY) {
            rc = floe_err_set(err, FLOE_READONLY, "CRAWL is not allowed in a read-only query");
            goto out;
        }
        rc = floe_crawl_run(db, ast->crawl.path, ast->crawl.into, out, err);
        goto out;
    }
    rc = floe_settings_current(db, ast, out, err); /* SELECT current_setting('x') */
    if (rc != FLOE_NOTFOUND) goto out;
    rc = floe_bind_statement_params(ast, sql, &cat, now_us, params, nparams, &bs, err);
    if (rc != FLOE_OK) goto out;
    if (bs->explain) {
        rc = run_explain(bs, out, err);
        goto out;
    }
    if (db->readonly) {
        const char *w = bs->kind == FLOE_BOUND_INSERT         ? "INSERT"
                        : bs->kind == FLOE_BOUND_CREATE_TABLE ? "CREATE TABLE"
                        : bs->kind == FLOE_BOUND_DROP_TABLE   ? "DROP TABLE"
                        : bs->kind == FLOE_BOUND_ALTER_ADD    ? "ALTER TABLE"
                        : bs->kind == FLOE_BOUND_FLUSH        ? "FLUSH"
                        : bs->kind == FLOE_BOUND_COPY_FROM    ? "COPY FROM"
                        : bs->kind == FLOE_BOUND_CREATE_INDEX ? "CREATE INDEX"
                        : bs->kind == FLOE_BOUND_DROP_INDEX   ? "DROP INDEX"
                        : bs->kind == FLOE_BOUND_CREATE_VIEW  ? "CREATE VIEW"
                        : bs->kind == FLOE_BOUND_DROP_VIEW    ? "DROP VIEW"
                        : bs->kind == FLOE_BOUND_DELETE       ? "DELETE"
                        : bs->kind == FLOE_BOUND_UPDATE       ? "UPDATE"
                                                              : NULL;
        if (w != NULL && (rc = floe_db_check_writable(db, w, err)) != FLOE_OK) goto out;
    }
    if (bs->table.table_ref && !is_db_table(db, bs->table.table_ref) &&
        bs->kind != FLOE_BOUND_DESCRIBE && bs->kind != FLOE_BOUND_DROP_TABLE) {
        rc = floe_err_set(err, FLOE_ERROR, "table '%s' is not a floe table (an external or system "
                          "table is read-only)", bs->table.name);
        goto out;
    }
    if ((flags & FLOE_QUERY_READONLY) && bs->kind != FLOE_BOUND_QUERY &&
        bs->kind != FLOE_BOUND_SHOW_TABLES && bs->kind != FLOE_BOUND_DESCRIBE) {
        rc = floe_err_set(err, FLOE_READONLY,
                          "only queries (SELECT, EXPLAIN, SHOW TABLES, DESCRIBE) are allowed in a "
                          "read-only query");
        goto out;
    }
    switch (bs->kind) {
    case FLOE_BOUND_QUERY: rc = run_query(db, bs, now_us, out, err); break;
    case FLOE_BOUND_INSERT:
        rc = floe_db_check_conflict_target(bs, err); /* db/ddl.c */
        if (rc == FLOE_OK)
            rc = run_insert(db, bs->table.table_ref, bs->plan, now_us, bs->on_conflict != 0, out, err);
        break;
    case FLOE_BOUND_CREATE_TABLE: rc = run_create(db, bs, now_us, out, err); break;
    case FLOE_BOUND_DROP_TABLE: rc = run_drop(db, bs, out, err); break;
    case FLOE_BOUND_ALTER_ADD: rc = run_alter_add(db, bs, out, err); break;
    case FLOE_BOUND_SHOW_TABLES: rc = run_show_tables(db, out, err); break;
    case FLOE_BOUND_DESCRIBE: rc = run_describe(db, bs, out, err); break;
    case FLOE_BOUND_FLUSH: rc = run_flush(db, bs, out, err); break;
    case FLOE_BOUND_COPY_FROM: rc = floe_copy_from(db, bs, out, err); break;
    case FLOE_BOUND_COPY_TO: rc = floe_copy_to(db, bs, now_us, out, err); break;
    case FLOE_BOUND_CREATE_INDEX:
    case FLOE_BOUND_DROP_INDEX:
    case FLOE_BOUND_CREATE_VIEW:
    case FLOE_BOUND_DROP_VIEW: rc = floe_db_run_ddl(db, bs, out, err); break;
    case FLOE_BOUND_DELETE:
    case FLOE_BOUND_UPDATE: rc = run_dml(db, bs, now_us, out, err); break;
    default: rc = floe_err_set(err, FLOE_UNSUPPORTED, "statement not supported"); break;
    }
out:
    pthread_rwlock_unlock(&db->ddl_lock);
    floe_bound_stmt_free(bs);
    floe_db_views_free(&cv.views);
    for (uint32_t k = 0; k < cv.nlake; k++) floe_lake_dataset_free(cv.lake[k]);
    floe_free(cv.lake);
    floe_arena_free(cv.arena);
    return rc;
}

int floe_db_run(floe_db *db, const char *sql, unsigned flags, floe_result **out_res, floe_err *err)
{
    return floe_db_run_params(db, sql, flags, NULL, 0, out_res, err);
}

int floe_db_run_params(floe_db *db, const char *sql, unsigned flags, const floe_value *params,
                       uint32_t nparams, floe_result **out_res, floe_err *err)
{
    floe_parser *p = NULL;
    floe_result *last = NULL;
    int rc;

    if (out_res) *out_res = NULL;
    atomic_store(&db->interrupt, 0);
    rc = floe_parser_new(sql, strlen(sql), &p, err);
    while (rc == FLOE_OK) {
        floe_ast_stmt *ast = NULL;
        floe_result *res = NULL;
        rc = floe_parser_next(p, &ast, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        if (ast->kind == FLOE_AST_STMT_PREPARE || ast->kind == FLOE_AST_STMT_EXECUTE ||
            ast->kind == FLOE_AST_STMT_DEALLOCATE)
            rc = floe_db_prepared_run(db, sql, flags, ast, &res, err); /* db/prepared.c */
        else
            rc = run_statement(db, sql, flags, ast, params, nparams, &res, err);
        if (rc != FLOE_OK) break;
        floe_result_free(last);
        last = res;
    }
    floe_parser_free(p);
    if (rc != FLOE_OK) {
        floe_result_free(last);
        return rc;
    }
    if (last == NULL) last = floe_result_new(0, NULL, NULL);
    if (last == NULL) return floe_err_nomem(err);
    if (out_res)
        *out_res = last;
    else
        floe_result_free(last);
    return FLOE_OK;
}

int floe_db_run_limited(floe_db *db, const char *sql, unsigned flags, const floe_db_run_limits *lim,
                        floe_result **out_res, floe_err *err)
{
    const floe_db_run_limits *saved = run_limits;
    int rc;
    run_limits = lim;
    rc = floe_db_run(db, sql, flags, out_res, err);
    run_limits = saved;
    return rc;
}
