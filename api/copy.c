/* api/copy.c: COPY table FROM 'file' and COPY table|(query) TO 'file'.
 *
 * COPY FROM parses the whole file first (CSV or JSON lines, ingest/csv.h and
 * ingest/jsonl.h) into batches held in memory, and appends them only when
 * every row parsed: a bad row fails the statement and nothing is applied.
 * With REJECTS 'path', bad rows are written to that file (line, reason, raw
 * text) and the good ones load. File columns map to the listed table columns;
 * the other columns get their DEFAULT or NULL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/query.h"
#include "api/result.h"
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
                if (rc != FLOE_OK) return floe_err_nomem(err);
            }
        }
        dst->n = in->n;
    }
    out->n = in->n;
    return FLOE_OK;
}

int floe_copy_from(floe_db *db, floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    floe_db_table *t = bs->table.table_ref;
    copy_opts co;
    FILE *f = NULL;
    reject_sink rs = {NULL, 0};
    floe_type *types = NULL;
    const char **names = NULL;
    floe_csv_reader *csv = NULL;
    floe_jsonl_reader *js = NULL;
    batch_list bl = {NULL, 0, 0};
    uint64_t rows = 0;
    uint32_t k, i;
    int rc;
    (void)db;

    if ((rc = parse_opts(&bs->copy, &co, err)) != FLOE_OK) return rc;
    f = fopen(bs->copy.path, "rb");
    if (f == NULL) return floe_err_set(err, FLOE_IOERR, "COPY: cannot open '%s': %s", bs->copy.path, strerror(errno));
    if (co.rejects && (rs.f = fopen(co.rejects, "w")) == NULL) {
        rc = floe_err_set(err, FLOE_IOERR, "COPY: cannot create REJECTS file '%s': %s", co.rejects,
                          strerror(errno));
        goto out;
    }
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
    if (co.jsonl) {
        floe_jsonl_opts jo;
        memset(&jo, 0, sizeof jo);
        jo.source_name = bs->copy.path;
        if (rs.f) {
            jo.on_reject = on_reject;
            jo.reject_ctx = &rs;
        }
        rc = floe_jsonl_reader_open(&jo, bs->copy.ncols, types, names, floe_copy_read_file, f, &js, err);
    } else {
        floe_csv_opts o;
        memset(&o, 0, sizeof o);
        o.delimiter = co.delimiter;
        o.quote = co.quote;
        o.escape = co.escape;
        o.header = co.header == 1;
        o.null_str = co.null_str;
        o.source_name = bs->copy.path;
        if (rs.f) {
            o.on_reject = on_reject;
            o.reject_ctx = &rs;
        }
        rc = floe_csv_reader_open(&o, bs->copy.ncols, types, names, floe_copy_read_file, f, &csv, err);
    }
    while (rc == FLOE_OK) {
        floe_batch b;
        memset(&b, 0, sizeof b);
        rc = js ? floe_jsonl_reader_next(js, &b, err) : floe_csv_reader_next(csv, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) {
            floe_batch_free(&b);
            break;
        }
        rc = FLOE_OK;
        if (bl.n == bl.cap) {
            uint32_t cap = bl.cap ? bl.cap * 2 : 64;
            floe_batch *nb = floe_realloc(bl.b, cap * sizeof *nb);
            if (nb == NULL) {
                floe_batch_free(&b);
                rc = floe_err_nomem(err);
                break;
            }
            bl.b = nb;
            bl.cap = cap;
        }
        {
            /* file columns in another order or a subset: build full rows */
            floe_batch wide;
            int ident = bs->copy.ncols == bs->table.ncols;
            for (k = 0; ident && k < bs->copy.ncols; k++) ident = bs->copy.cols[k] == k;
            if (!ident) {
                rc = widen(bs, &b, &wide, err);
                floe_batch_free(&b);
                if (rc != FLOE_OK) break;
                b = wide;
            }
        }
        bl.b[bl.n++] = b;
    }
    if (rc != FLOE_OK) goto out;
    /* every row parsed: check NOT NULL, then append */
    for (i = 0; i < bl.n && rc == FLOE_OK; i++) {
        uint32_t c;
        for (c = 0; c < bs->table.ncols; c++) {
            if (bs->table.cols[c].not_null && floe_vec_null_count(&bl.b[i].cols[c]) > 0) {
                rc = floe_err_set(err, FLOE_CONSTRAINT, "COPY: NOT NULL constraint failed: %s.%s",
                                  bs->table.name, bs->table.cols[c].name);
                goto out;
            }
        }
    }
    for (i = 0; i < bl.n && rc == FLOE_OK; i++) {
        floe_ingest_append_result ar;
        rc = floe_ingest_append(t->ingest, &bl.b[i], NULL, &ar, NULL, err);
        if (rc == FLOE_OK) {
            rows += ar.rows;
            atomic_fetch_add(&t->rows_ingested, ar.rows);
        }
        floe_batch_free(&bl.b[i]);
    }
out:
    floe_csv_reader_close(csv);
    floe_jsonl_reader_close(js);
    batch_list_free(&bl);
    floe_free(types);
    floe_free(names);
    if (f) fclose(f);
    if (rs.f) fclose(rs.f);
    if (rc != FLOE_OK) return rc;
    if (co.rejects) {
        static const char *cn[] = {"Count", "Rejected"};
        floe_type tt[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_BIGINT)};
        floe_result *res = floe_result_new(2, cn, tt);
        floe_batch b;
        int64_t v[2] = {(int64_t)rows, (int64_t)rs.n};
        floe_vec cols[2];
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
        res->rows_changed = rows;
        *out = res;
        return FLOE_OK;
    }
    *out = floe_result_new(0, NULL, NULL);
    if (*out == NULL) return floe_err_nomem(err);
    (*out)->rows_changed = rows;
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
    int rc = parse_opts(&bs->copy, &co, err);
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
