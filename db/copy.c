/* db/copy.c: COPY table FROM 'file' and COPY table|(query) TO 'file'.
 *
 * COPY FROM parses the file on all cores (ingest/copy_parallel.h over the
 * CSV and JSON-lines readers) and takes the batches in file order. A small
 * load (< FLOE_COPY_BULK_ROWS rows) is held in memory and appended through
 * ingest (WAL + memtables) only when every row parsed. A large one is
 * written straight into one new part (streamed; with a sort key all rows are
 * held and written sorted; each block's columns are encoded on as many
 * threads as parse), which is committed in the catalog and listed
 * under the table's visibility lock only after every row parsed: a bad row
 * fails the statement and nothing is applied, a crash before the commit
 * leaves nothing visible. With REJECTS 'path', bad rows are written to that
 * file in input order (line, reason, raw text) and the good ones load. File
 * columns map to the listed table columns; the others get DEFAULT or NULL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/copy.h"

#include "db/constraint.h"
#include "db/db.h"
#include "db/query.h"
#include "db/result_build.h"
#include "ingest/copy_parallel.h"
#include "ingest/csv.h"
#include "ingest/jsonl.h"
#include "util/mem.h"

typedef struct copy_opts {
    int jsonl;
    int header; /* -1: not given */
    char delimiter, quote, escape;
    const char *null_str;
    const char *rejects;
} copy_opts;

static int opt_text(const floe_bound_option *o, const char **out, floe_err *err)
{
    if (!o->has_value || o->value.is_null || o->value.type.id != FLOE_TYPE_VARCHAR)
        return floe_err_set(err, FLOE_ERROR, "COPY option %s needs a string value", o->name);
    *out = o->value.v.s.ptr;
    return FLOE_OK;
}

static int parse_opts(const floe_bound_copy *bc, copy_opts *co, floe_err *err)
{
    uint32_t i;
    const char *path = bc->path;
    size_t pl = strlen(path);
    memset(co, 0, sizeof *co);
    co->header = -1;
    if ((pl > 6 && !strcasecmp(path + pl - 6, ".jsonl")) || (pl > 5 && !strcasecmp(path + pl - 5, ".json")) ||
        (pl > 7 && !strcasecmp(path + pl - 7, ".ndjson")))
        co->jsonl = 1;
    for (i = 0; i < bc->noptions; i++) {
        const floe_bound_option *o = &bc->options[i];
        const char *s = NULL;
        int rc = FLOE_OK;
        if (!strcmp(o->name, "format")) {
            if ((rc = opt_text(o, &s, err)) != FLOE_OK) return rc;
            if (!strcasecmp(s, "csv"))
                co->jsonl = 0;
            else if (!strcasecmp(s, "jsonl") || !strcasecmp(s, "json") || !strcasecmp(s, "ndjson"))
                co->jsonl = 1;
            else
                return floe_err_set(err, FLOE_ERROR, "COPY: unknown FORMAT '%s' (csv, jsonl)", s);
        } else if (!strcmp(o->name, "header")) {
            if (!o->has_value) co->header = 1;
            else if (o->value.type.id == FLOE_TYPE_BOOLEAN || floe_type_is_integer(o->value.type))
                co->header = o->value.v.i != 0;
            else if (opt_text(o, &s, NULL) == FLOE_OK)
                co->header = !strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcmp(s, "1");
        } else if (!strcmp(o->name, "delimiter") || !strcmp(o->name, "delim") ||
                   !strcmp(o->name, "sep")) {
            if ((rc = opt_text(o, &s, err)) != FLOE_OK) return rc;
            if (strlen(s) != 1)
                return floe_err_set(err, FLOE_ERROR, "COPY: DELIMITER must be one character");
            co->delimiter = s[0];
        } else if (!strcmp(o->name, "quote")) {
            if ((rc = opt_text(o, &s, err)) != FLOE_OK) return rc;
            if (strlen(s) != 1) return floe_err_set(err, FLOE_ERROR, "COPY: QUOTE must be one character");
            co->quote = s[0];
        } else if (!strcmp(o->name, "escape")) {
            if ((rc = opt_text(o, &s, err)) != FLOE_OK) return rc;
            if (strlen(s) != 1) return floe_err_set(err, FLOE_ERROR, "COPY: ESCAPE must be one character");
            co->escape = s[0];
        } else if (!strcmp(o->name, "null")) {
            if ((rc = opt_text(o, &co->null_str, err)) != FLOE_OK) return rc;
        } else if (!strcmp(o->name, "rejects")) {
            if ((rc = opt_text(o, &co->rejects, err)) != FLOE_OK) return rc;
        } else {
            return floe_err_set(err, FLOE_ERROR,
                                "COPY: unknown option '%s' (FORMAT, HEADER, DELIMITER, QUOTE, "
                                "ESCAPE, NULL, REJECTS)",
                                o->name);
        }
    }
    return FLOE_OK;
}

typedef struct reject_sink {
    FILE *f;
    uint64_t n;
} reject_sink;

static int on_reject(void *ctx, const floe_reject *r)
{
    reject_sink *rs = ctx;
    rs->n++;
    if (r->column)
        fprintf(rs->f, "%s:%llu: column %s (%u): %s (byte %llu)\t", r->source,
                (unsigned long long)r->line, r->column, r->column_no, r->reason,
                (unsigned long long)r->offset);
    else
        fprintf(rs->f, "%s:%llu: %s (byte %llu)\t", r->source, (unsigned long long)r->line,
                r->reason, (unsigned long long)r->offset);
    fwrite(r->raw, 1, r->raw_len, rs->f);
    fputc('\n', rs->f);
    return ferror(rs->f) ? FLOE_IOERR : FLOE_OK;
}

/* A growable list of parsed batches. */
typedef struct batch_list {
    floe_batch *b;
    uint32_t n, cap;
} batch_list;

static void batch_list_free(batch_list *l)
{
    uint32_t i;
    for (i = 0; i < l->n; i++) floe_batch_free(&l->b[i]);
    floe_free(l->b);
    memset(l, 0, sizeof *l);
}

static int batch_list_push(batch_list *l, floe_batch *b)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 64;
        floe_batch *nb = floe_realloc(l->b, cap * sizeof *nb);
        if (nb == NULL) return FLOE_NOMEM;
        l->b = nb;
        l->cap = cap;
    }
    l->b[l->n++] = *b;
    return FLOE_OK;
}

/* Spread a batch of file columns over all table columns. */
static int widen(const floe_bound_stmt *bs, floe_batch *in, floe_batch *out, floe_err *err)
{
    const floe_bound_table *bt = &bs->table;
    floe_type *types = floe_calloc(bt->ncols + 1, sizeof *types);
    uint32_t c, i, k;
    int rc;
    if (types == NULL) return floe_err_nomem(err);
    for (c = 0; c < bt->ncols; c++) types[c] = bt->cols[c].type;
    rc = floe_batch_init(out, bt->ncols, types, in->n ? in->n : 1);
    floe_free(types);
    if (rc != FLOE_OK) return floe_err_nomem(err);
    for (c = 0; c < bt->ncols; c++) {
        floe_vec *dst = &out->cols[c];
        int src = -1;
        for (k = 0; k < bs->copy.ncols; k++)
            if (bs->copy.cols[k] == c) src = (int)k;
        if (src >= 0) {
            floe_vec tmp = *dst;
            *dst = in->cols[src];
            memset(&in->cols[src], 0, sizeof in->cols[src]);
            floe_vec_free(&tmp);
        } else {
            const floe_bound_column *bc = &bt->cols[c];
            for (i = 0; i < in->n; i++) {
                if (bc->has_default && !bc->default_value.is_null) {
                    if (bc->type.id == FLOE_TYPE_VARCHAR)
                        rc = floe_vec_set_string(dst, i, bc->default_value.v.s.ptr,
                                                 bc->default_value.v.s.len);
                    else
                        floe_value_store(&bc->default_value, dst->data, i);
                } else {
                    rc = floe_vec_set_null(dst, i);
                }
                if (rc != FLOE_OK) {
                    floe_batch_free(out);
                    return floe_err_nomem(err);
                }
            }
        }
        dst->n = in->n;
    }
    out->n = in->n;
    return FLOE_OK;
}

void floe_copy_set_tuning(floe_db *db, size_t chunk_bytes, uint64_t bulk_rows, uint32_t nthreads)
{
    db->copy_chunk_bytes = chunk_bytes;
    db->copy_bulk_rows = bulk_rows;
    db->copy_threads = nthreads;
}

/* The state of one COPY FROM: rows are held until BULK_ROWS are seen; then
 * (bulk mode) they go into a new part: streamed through the writer without
 * a sort key, or all held (memory ~ the data) and written sorted with one. */
typedef struct load_ctx {
    floe_db *db;
    floe_bound_stmt *bs;
    floe_db_table *t;
    bool ident;         /* file columns are the table's, in order */
    uint64_t bulk_rows; /* threshold for bulk mode */
    batch_list held;
    uint64_t held_rows;
    bool bulk;
    floe_part_writer *w;
    uint64_t *starts;   /* sorted write: first row of each held batch */
} load_ctx;

static int load_sink(void *ctx, floe_batch *in, floe_err *err)
{
    load_ctx *lc = ctx;
    floe_bound_stmt *bs = lc->bs;
    floe_batch b = *in;
    uint32_t c, i;
    int rc = FLOE_OK;
    if (!lc->ident) {
        floe_batch wide;
        rc = widen(bs, &b, &wide, err);
        floe_batch_free(&b);
        if (rc != FLOE_OK) return rc;
        b = wide;
    }
    for (c = 0; c < bs->table.ncols; c++) {
        if (bs->table.cols[c].not_null && floe_vec_null_count(&b.cols[c]) > 0) {
            floe_batch_free(&b);
            return floe_err_set(err, FLOE_CONSTRAINT, "COPY: NOT NULL constraint failed: %s.%s",
                                bs->table.name, bs->table.cols[c].name);
        }
    }
    if (lc->w && lc->t->nsort == 0) { /* bulk, streaming */
        /* the readers put every string in its vector's heap: hand the heaps
         * over instead of copying the strings again (not after widen) */
        rc = lc->ident ? floe_part_writer_append_take(lc->w, &b, err)
                       : floe_part_writer_append(lc->w, &b, err);
        floe_batch_free(&b);
        return rc;
    }
    if (batch_list_push(&lc->held, &b) != FLOE_OK) {
        floe_batch_free(&b);
        return floe_err_nomem(err);
    }
    lc->held_rows += b.n;
    if (!lc->bulk && lc->held_rows >= lc->bulk_rows) {
        lc->bulk = true;
        if ((rc = floe_db_bulk_part_open(lc->db, lc->t, &lc->w, err)) != FLOE_OK) return rc;
        /* the sink thread encoding blocks is the bottleneck of a bulk load:
         * encode a block's columns on as many threads as parse */
        {
            long nc = sysconf(_SC_NPROCESSORS_ONLN);
            uint32_t nt = lc->db->copy_threads;
            floe_part_writer_set_threads(lc->w, nt ? nt : nc > 0 ? (uint32_t)nc : 1);
        }
        if (lc->t->nsort == 0) {
            for (i = 0; i < lc->held.n && rc == FLOE_OK; i++)
                rc = floe_part_writer_append(lc->w, &lc->held.b[i], err);
            batch_list_free(&lc->held);
            lc->held_rows = 0;
        }
    }
    return rc;
}

/* floe_db_row_fn over the held batches (sorted bulk write). */
static void held_row(void *ctx, uint64_t row, uint32_t col, floe_value *out)
{
    const load_ctx *lc = ctx;
    uint32_t lo = 0, hi = lc->held.n;
    const floe_vec *v;
    while (hi - lo > 1) { /* last batch whose first row <= row */
        uint32_t mid = (lo + hi) / 2;
        if (lc->starts[mid] <= row) lo = mid;
        else hi = mid;
    }
    v = &lc->held.b[lo].cols[col];
    row -= lc->starts[lo];
    if (!floe_vec_is_valid(v, (uint32_t)row)) {
        memset(out, 0, sizeof *out);
        out->type = v->type;
        out->is_null = true;
        return;
    }
    floe_value_load(v->type, v->data, (size_t)row, out);
}

/* The statement's result: no columns, or with REJECTS (Count, Rejected).
 * Built before the rows are published, so nothing can fail after them. */
static int copy_result(bool rejects, uint64_t rows, uint64_t rejected, floe_result **out, floe_err *err)
{
    floe_result *res;
    *out = NULL;
    if (rejects) {
        static const char *cn[] = {"Count", "Rejected"};
        floe_type tt[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_BIGINT)};
        floe_batch b;
        int64_t v[2] = {(int64_t)rows, (int64_t)rejected};
        floe_vec cols[2];
        int rc;
        res = floe_result_new(2, cn, tt);
        if (res == NULL) return floe_err_nomem(err);
        memset(&b, 0, sizeof b);
        floe_vec_borrow(&cols[0], tt[0], &v[0], NULL, 1);
        floe_vec_borrow(&cols[1], tt[1], &v[1], NULL, 1);
        b.ncols = 2;
        b.n = 1;
        b.cols = cols;
        if ((rc = floe_result_append(res, &b, err)) != FLOE_OK) {
            floe_result_free(res);
            return rc;
        }
    } else {
        res = floe_result_new(0, NULL, NULL);
        if (res == NULL) return floe_err_nomem(err);
    }
    res->rows_changed = rows;
    *out = res;
    return FLOE_OK;
}

int floe_copy_from(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    floe_db_table *t = bs->table.table_ref;
    copy_opts co;
    reject_sink rs = {NULL, 0};
    floe_type *types = NULL;
    const char **names = NULL;
    floe_copy_parse_opts po;
    floe_copy_parse_stats pst;
    load_ctx lc;
    floe_result *res = NULL;
    uint32_t k, i;
    int rc;

    memset(&lc, 0, sizeof lc);
    if ((rc = parse_opts(&bs->copy, &co, err)) != FLOE_OK) return rc;
    if (co.rejects && (rs.f = fopen(co.rejects, "w")) == NULL)
        return floe_err_set(err, FLOE_IOERR, "COPY: cannot create REJECTS file '%s': %s",
                            co.rejects, strerror(errno));
    types = floe_calloc(bs->copy.ncols + 1, sizeof *types);
    names = floe_calloc(bs->copy.ncols + 1, sizeof *names);
    if (types == NULL || names == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (k = 0; k < bs->copy.ncols; k++) {
        types[k] = bs->table.cols[bs->copy.cols[k]].type;
        names[k] = bs->table.cols[bs->copy.cols[k]].name;
    }
    memset(&po, 0, sizeof po);
    po.jsonl = co.jsonl != 0;
    po.nthreads = db->copy_threads;
    po.chunk_bytes = db->copy_chunk_bytes;
    po.js.source_name = bs->copy.path;
    po.csv.delimiter = co.delimiter;
    po.csv.quote = co.quote;
    po.csv.escape = co.escape;
    po.csv.header = co.header == 1;
    po.csv.null_str = co.null_str;
    po.csv.source_name = bs->copy.path;
    if (rs.f) {
        po.js.on_reject = po.csv.on_reject = on_reject;
        po.js.reject_ctx = po.csv.reject_ctx = &rs;
    }
    lc.db = db;
    lc.bs = bs;
    lc.t = t;
    lc.ident = bs->copy.ncols == bs->table.ncols;
    for (k = 0; lc.ident && k < bs->copy.ncols; k++) lc.ident = bs->copy.cols[k] == k;
    lc.bulk_rows = db->copy_bulk_rows ? db->copy_bulk_rows : FLOE_COPY_BULK_ROWS;
    /* a bulk part bypasses the write path that checks constraints: a table
     * with constraints loads through ingest, all rows held (one transaction) */
    if (floe_db_cons_enforces(t)) lc.bulk_rows = UINT64_MAX;
    rc = floe_copy_parallel_parse(bs->copy.path, &po, bs->copy.ncols, types, names, load_sink, &lc,
                              &pst, err);
    if (rc != FLOE_OK) goto out;
    if (lc.bulk) {
        if (t->nsort > 0) {
            uint64_t acc = 0;
            lc.starts = floe_malloc((lc.held.n + 1) * sizeof *lc.starts);
            if (lc.starts == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            for (i = 0; i < lc.held.n; i++) {
                lc.starts[i] = acc;
                acc += lc.held.b[i].n;
            }
            if (acc > UINT32_MAX) {
                rc = floe_err_set(err, FLOE_RANGE, "COPY: more than %u rows into a sorted table",
                                  UINT32_MAX);
                goto out;
            }
            rc = floe_db_write_sorted(lc.w, t, held_row, &lc, acc, err);
            if (rc != FLOE_OK) goto out;
        }
        if ((rc = copy_result(co.rejects != NULL, pst.rows, rs.n, &res, err)) != FLOE_OK) goto out;
        rc = floe_db_bulk_part_publish(db, t, lc.w, err);
        lc.w = NULL;
        if (rc != FLOE_OK) goto out;
        atomic_fetch_add(&t->rows_ingested, pst.rows);
    } else {
        /* a small load goes through ingest (WAL + memtables) */
        uint64_t rows = 0;
        for (i = 0; i < lc.held.n; i++) rows += floe_batch_rows(&lc.held.b[i]);
        if ((rc = copy_result(co.rejects != NULL, rows, rs.n, &res, err)) != FLOE_OK) goto out;
        if (lc.held.n) { /* one transaction: all of it or nothing */
            floe_ingest_append_result ar;
            rc = floe_db_append(t, lc.held.b, (uint32_t)lc.held.n, NULL, false, &ar, NULL, err);
            if (rc == FLOE_OK) atomic_fetch_add(&t->rows_ingested, ar.rows);
        }
    }
out:
    floe_part_writer_abort(lc.w);
    batch_list_free(&lc.held);
    floe_free(lc.starts);
    floe_free(types);
    floe_free(names);
    if (rs.f) fclose(rs.f);
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}

typedef struct copy_to_ctx {
    FILE *f;
    copy_opts *co;
    floe_csv_opts csv;
    const char *const *names;
    uint64_t rows;
} copy_to_ctx;

static int sink_copy_to(void *ctx, floe_batch *b, floe_err *err)
{
    copy_to_ctx *c = ctx;
    int rc = c->co->jsonl ? floe_jsonl_write_batch(c->names, b, floe_copy_write_file, c->f, err)
                          : floe_csv_write_batch(&c->csv, b, floe_copy_write_file, c->f, err);
    if (rc == FLOE_OK) c->rows += floe_batch_rows(b);
    return rc;
}

int floe_copy_to(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out, floe_err *err)
{
    copy_opts co;
    copy_to_ctx c;
    int rc;
    if (floe_copy_is_parquet(&bs->copy)) return floe_copy_to_parquet(db, bs, now_us, out, err);
    rc = parse_opts(&bs->copy, &co, err);
    if (rc != FLOE_OK) return rc;
    memset(&c, 0, sizeof c);
    c.co = &co;
    c.names = bs->plan->root->names;
    c.csv.delimiter = co.delimiter;
    c.csv.quote = co.quote;
    c.csv.escape = co.escape;
    c.csv.null_str = co.null_str;
    c.f = fopen(bs->copy.path, "wb");
    if (c.f == NULL)
        return floe_err_set(err, FLOE_IOERR, "COPY: cannot create '%s': %s", bs->copy.path, strerror(errno));
    if (!co.jsonl && co.header != 0)
        rc = floe_csv_write_header(&c.csv, bs->plan->root->ncols, c.names, floe_copy_write_file, c.f, err);
    if (rc == FLOE_OK) rc = floe_db_run_plan(db, bs->plan, now_us, sink_copy_to, &c, err);
    if (fclose(c.f) != 0 && rc == FLOE_OK)
        rc = floe_err_set(err, FLOE_IOERR, "COPY: writing '%s': %s", bs->copy.path, strerror(errno));
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    if (*out == NULL) return floe_err_nomem(err);
    (*out)->rows_changed = c.rows;
    return FLOE_OK;
}
