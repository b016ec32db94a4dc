/* db/lake_source.c: the engine's scan source over a lake dataset (see db/lake.h).
 *
 * A cursor reads one morsel: a Parquet row group (lake/parquet_read.h,
 * only the projected column chunks), a CSV byte range (ingest/csv.h over
 * the mapped file, fields of unprojected columns not converted) or a JSON
 * file (ingest/jsonl.h over its text, only projected keys kept). Columns
 * that are the same for the whole file (hive partition values, filename,
 * a column the file lacks: NULL) come from vectors the cursor fills once
 * and lends to every batch. Batches borrow the reader's vectors (Parquet)
 * or own them (CSV/JSON); either way they are valid until the next call.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "db/lake.h"
#include "ingest/jsonl.h"
#include "util/mem.h"
#include "util/os.h"

typedef struct mem_in {
    const char *p;
    size_t n, pos;
} mem_in;

static int mem_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    mem_in *m = ctx;
    size_t k = m->n - m->pos < cap ? m->n - m->pos : cap;
    (void)err;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    *out_n = k;
    return FLOE_OK;
}

struct floe_scan_cursor {
    floe_lake_dataset *d;
    uint32_t morsel;
    uint32_t ncols;
    int *src;          /* per output column: index in the reader's batch, or -1 (consts) */
    floe_vec *consts;  /* per output column (used when src < 0), FLOE_VEC_SIZE rows */
    floe_pq_scan *pq;
    floe_csv_reader *csv;
    floe_jsonl_reader *js;
    floe_csv_opts copts;
    bool *skip;
    mem_in in;
    const void *map;   /* CSV: the mapped file */
    size_t map_n;
    char *text;        /* JSON: the file as lines, owned */
    floe_batch cur;    /* the reader's last batch (CSV/JSON) */
    floe_vec rvec;     /* RANGE: the values of the current batch */
    uint64_t rpos;     /* RANGE: next k */
    bool line_fixed;   /* CSV: the reader restarted with absolute line numbers */
};

/* ------------------------------------------------------------ predicates */

static bool value_may_match(const floe_value *v, const floe_scan_pred *p)
{
    int c;
    if (p->op == FLOE_PRED_IS_NULL) return v->is_null;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return !v->is_null;
    if (v->is_null) return false;
    if (p->value.is_null || p->value.type.id != v->type.id) return true;
    c = floe_value_cmp(v, &p->value);
    switch (p->op) {
    case FLOE_PRED_EQ: return c == 0;
    case FLOE_PRED_NE: return c != 0;
    case FLOE_PRED_LT: return c < 0;
    case FLOE_PRED_LE: return c <= 0;
    case FLOE_PRED_GT: return c > 0;
    case FLOE_PRED_GE: return c >= 0;
    default: return true;
    }
}

static uint32_t ls_nmorsels(void *self) { return ((floe_lake_dataset *)self)->nm; }

static uint64_t ls_rows(void *self, uint32_t m) { return ((floe_lake_dataset *)self)->m[m].rows; }

static bool ls_may_match(void *self, uint32_t m, const floe_scan_pred *preds, uint32_t npreds)
{
    floe_lake_dataset *d = self;
    const floe_lake_morsel *mo = &d->m[m];
    const floe_lake_file *f;
    floe_pq_pred pp[16];
    uint32_t npp = 0, i;
    if (d->fmt == FLOE_LAKE_RANGE) return true;
    f = &d->files[mo->file];
    for (i = 0; i < npreds; i++) {
        const floe_scan_pred *p = &preds[i];
        if (p->col >= d->nfilecols && p->col < d->nfilecols + d->nhive) {
            if (!value_may_match(&f->part[p->col - d->nfilecols], p)) {
                atomic_fetch_add(&d->files_skipped, 1);
                return false;
            }
        } else if ((int)p->col == d->filename_col) {
            floe_value v;
            v.type = floe_type_make(FLOE_TYPE_VARCHAR);
            v.is_null = false;
            v.v.s.ptr = f->path;
            v.v.s.len = (uint32_t)strlen(f->path);
            if (!value_may_match(&v, p)) {
                atomic_fetch_add(&d->files_skipped, 1);
                return false;
            }
        } else if (d->fmt == FLOE_LAKE_PARQUET && p->col < d->nfilecols && npp < 16 &&
                   f->colmap[p->col] != UINT32_MAX && !p->value.is_null) {
            static const int ops[] = {[FLOE_PRED_EQ] = FLOE_PQ_EQ, [FLOE_PRED_LT] = FLOE_PQ_LT,
                                      [FLOE_PRED_LE] = FLOE_PQ_LE, [FLOE_PRED_GT] = FLOE_PQ_GT,
                                      [FLOE_PRED_GE] = FLOE_PQ_GE};
            if (p->op != FLOE_PRED_EQ && p->op != FLOE_PRED_LT && p->op != FLOE_PRED_LE &&
                p->op != FLOE_PRED_GT && p->op != FLOE_PRED_GE)
                continue;
            pp[npp].col = f->colmap[p->col];
            pp[npp].op = (floe_pq_op)ops[p->op];
            pp[npp].v = p->value;
            npp++;
        } else if (d->fmt == FLOE_LAKE_PARQUET && p->col < d->nfilecols &&
                   f->colmap[p->col] == UINT32_MAX) {
            /* the file lacks the column: every value is NULL */
            floe_value nv = floe_value_null(d->types[p->col]);
            if (!value_may_match(&nv, p)) {
                atomic_fetch_add(&d->files_skipped, 1);
                return false;
            }
        }
    }
    if (npp && !floe_pq_rowgroup_may_match(f->pq, (uint32_t)mo->a, pp, npp)) {
        atomic_fetch_add(&d->groups_skipped, 1);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ cursors */

static void cursor_free(floe_scan_cursor *c)
{
    uint32_t i;
    if (c == NULL) return;
    floe_pq_scan_close(c->pq);
    floe_csv_reader_close(c->csv);
    floe_jsonl_reader_close(c->js);
    floe_batch_free(&c->cur);
    floe_vec_free(&c->rvec);
    if (c->consts)
        for (i = 0; i < c->ncols; i++) floe_vec_free(&c->consts[i]);
    floe_free(c->consts);
    floe_free(c->src);
    floe_free(c->skip);
    floe_free(c->text);
    if (c->map) floe_os_munmap(c->map, c->map_n);
    floe_free(c);
}

/* A vector of FLOE_VEC_SIZE copies of v (strings borrowed from v). */
static int fill_const(floe_vec *out, floe_type t, const floe_value *v)
{
    uint32_t i;
    if (floe_vec_init(out, t, FLOE_VEC_SIZE) != FLOE_OK) return FLOE_NOMEM;
    out->n = FLOE_VEC_SIZE;
    for (i = 0; i < FLOE_VEC_SIZE; i++) {
        if (v == NULL || v->is_null) {
            if (floe_vec_set_null(out, i) != FLOE_OK) return FLOE_NOMEM;
        } else {
            floe_value x = *v;
            x.type = t;
            floe_value_store(&x, out->data, i);
        }
    }
    return FLOE_OK;
}

static int open_csv(floe_scan_cursor *c, const floe_lake_morsel *mo, const floe_lake_file *f,
                    uint64_t first_line, floe_err *err)
{
    floe_lake_dataset *d = c->d;
    int fd, rc;
    if (c->map == NULL && f->size > 0) {
        if ((rc = floe_os_open(f->path, O_RDONLY, 0, &fd, err)) != FLOE_OK) return rc;
        rc = floe_os_mmap_file(fd, (size_t)f->size, &c->map, f->path, err);
        floe_os_close(fd, f->path, NULL);
        if (rc != FLOE_OK) return rc;
        c->map_n = (size_t)f->size;
    }
    c->in.p = (const char *)c->map + mo->a;
    c->in.n = (size_t)(mo->b - mo->a);
    c->in.pos = 0;
    c->copts = d->csv;
    c->copts.header = d->csv.header && mo->a == 0;
    c->copts.source_name = f->path;
    c->copts.skip = c->skip;
    c->copts.first_line = first_line;
    c->copts.first_offset = mo->a;
    return floe_csv_reader_open(&c->copts, d->nfilecols, d->types, d->names, mem_read, &c->in,
                                &c->csv, err);
}

static int ls_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    floe_lake_dataset *d = self;
    const floe_lake_morsel *mo = &d->m[m];
    const floe_lake_file *f = d->files ? &d->files[mo->file] : NULL;
    floe_scan_cursor *c = floe_calloc(1, sizeof *c);
    uint32_t *fcols = NULL, nf = 0, i;
    floe_type *jtypes = NULL;
    const char **jnames = NULL;
    int rc = FLOE_OK;
    (void)preds;
    (void)npreds;
    *out = NULL;
    if (c == NULL) return floe_err_nomem(err);
    c->d = d;
    c->morsel = m;
    c->ncols = ncols;
    c->src = floe_calloc(ncols + 1, sizeof *c->src);
    c->consts = floe_calloc(ncols + 1, sizeof *c->consts);
    fcols = floe_calloc(ncols + 1, sizeof *fcols);
    jtypes = floe_calloc(ncols + 1, sizeof *jtypes);
    jnames = floe_calloc(ncols + 1, sizeof *jnames);
    if (!c->src || !c->consts || !fcols || !jtypes || !jnames) goto nomem;
    atomic_fetch_add(&d->morsels_read, 1);
    for (i = 0; i < ncols; i++) {
        uint32_t col = cols[i];
        c->src[i] = -1;
        if (d->fmt == FLOE_LAKE_RANGE) {
            continue;
        } else if (col < d->nfilecols) {
            if (d->fmt == FLOE_LAKE_PARQUET) {
                if (f->colmap[col] == UINT32_MAX) {
                    if (fill_const(&c->consts[i], d->types[col], NULL)) goto nomem;
                    continue;
                }
                fcols[nf] = f->colmap[col];
            } else if (d->fmt == FLOE_LAKE_CSV) {
                c->src[i] = (int)col;
                continue;
            } else {
                jtypes[nf] = d->types[col];
                jnames[nf] = d->names[col];
            }
            c->src[i] = (int)nf++;
        } else if (col < d->nfilecols + d->nhive) {
            if (fill_const(&c->consts[i], d->types[col], &f->part[col - d->nfilecols])) goto nomem;
        } else {
            floe_value v;
            v.type = floe_type_make(FLOE_TYPE_VARCHAR);
            v.is_null = false;
            v.v.s.ptr = f->path;
            v.v.s.len = (uint32_t)strlen(f->path);
            if (fill_const(&c->consts[i], v.type, &v)) goto nomem;
        }
    }
    if (d->fmt == FLOE_LAKE_RANGE) {
        c->rpos = mo->a;
        if (floe_vec_init(&c->rvec, floe_type_make(FLOE_TYPE_BIGINT), FLOE_VEC_SIZE) != FLOE_OK) goto nomem;
        for (i = 0; i < ncols; i++) c->src[i] = 0;
    } else if (d->fmt == FLOE_LAKE_PARQUET) {
        rc = floe_pq_scan_open(f->pq, fcols, nf, NULL, 0, &c->pq, err);
        if (rc == FLOE_OK) floe_pq_scan_range(c->pq, (uint32_t)mo->a, (uint32_t)mo->b);
    } else if (d->fmt == FLOE_LAKE_CSV) {
        c->skip = floe_calloc(d->nfilecols + 1, sizeof *c->skip);
        if (c->skip == NULL) goto nomem;
        for (i = 0; i < d->nfilecols; i++) c->skip[i] = true;
        for (i = 0; i < ncols; i++)
            if (cols[i] < d->nfilecols) c->skip[cols[i]] = false;
        rc = open_csv(c, mo, f, 0, err);
    } else {
        floe_jsonl_opts jo;
        size_t n = 0;
        rc = floe_lake_json_text(d, f->path, &c->text, &n, err);
        if (nf == 0 && d->nfilecols > 0) { /* count(*): read one key to count the lines */
            jtypes[0] = d->types[0];
            jnames[0] = d->names[0];
            nf = 1;
        }
        if (rc == FLOE_OK) {
            memset(&jo, 0, sizeof jo);
            jo.ignore_unknown = true;
            jo.source_name = f->path;
            c->in.p = c->text;
            c->in.n = n;
            rc = floe_jsonl_reader_open(&jo, nf, jtypes, jnames, mem_read, &c->in, &c->js, err);
        }
    }
    floe_free(fcols);
    floe_free(jtypes);
    floe_free(jnames);
    if (rc != FLOE_OK) {
        cursor_free(c);
        return rc;
    }
    *out = c;
    return FLOE_OK;
nomem:
    floe_free(fcols);
    floe_free(jtypes);
    floe_free(jnames);
    cursor_free(c);
    return floe_err_nomem(err);
}

/* A CSV chunk after the first failed: parse it again numbering lines from
 * the file's start, so the message names the absolute line. */
static int csv_error_again(floe_scan_cursor *c, int rc, floe_err *err)
{
    const floe_lake_morsel *mo = &c->d->m[c->morsel];
    const char *p = c->map;
    uint64_t line = 1, k;
    floe_batch b;
    int rc2;
    if (mo->a == 0 || c->line_fixed || c->map == NULL) return rc;
    c->line_fixed = true;
    for (k = 0; k < mo->a; k++)
        if (p[k] == '\n') line++;
    floe_csv_reader_close(c->csv);
    c->csv = NULL;
    if (open_csv(c, mo, &c->d->files[mo->file], line, err) != FLOE_OK) return rc;
    memset(&b, 0, sizeof b);
    while ((rc2 = floe_csv_reader_next(c->csv, &b, err)) == FLOE_ROW) floe_batch_free(&b);
    return rc2 == FLOE_DONE ? rc : rc2;
}

static int ls_next(floe_scan_cursor *c, floe_batch *out, floe_err *err)
{
    floe_batch in;
    uint32_t i, n;
    int rc;
    memset(out, 0, sizeof *out);
    memset(&in, 0, sizeof in);
    floe_batch_free(&c->cur);
    if (c->d->fmt == FLOE_LAKE_RANGE) {
        const floe_lake_morsel *mo = &c->d->m[c->morsel];
        int64_t *x = c->rvec.data;
        n = mo->b - c->rpos < FLOE_VEC_SIZE ? (uint32_t)(mo->b - c->rpos) : FLOE_VEC_SIZE;
        if (n == 0) return FLOE_DONE;
        for (i = 0; i < n; i++)
            x[i] = (int64_t)((uint64_t)c->d->range_start + (c->rpos + i) * (uint64_t)c->d->range_step);
        c->rpos += n;
        out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof *out->cols);
        if (out->cols == NULL) return floe_err_nomem(err);
        out->ncols = c->ncols;
        out->n = n;
        for (i = 0; i < c->ncols; i++)
            floe_vec_borrow(&out->cols[i], c->rvec.type, c->rvec.data, NULL, n);
        return FLOE_ROW;
    }
    if (c->pq) rc = floe_pq_scan_next(c->pq, &in, err);
    else if (c->csv) rc = floe_csv_reader_next(c->csv, &in, err);
    else rc = floe_jsonl_reader_next(c->js, &in, err);
    if (rc != FLOE_ROW) {
        if (rc != FLOE_DONE && c->csv) rc = csv_error_again(c, rc, err);
        if (rc == FLOE_DONE && c->csv && floe_csv_reader_ended_open(c->csv) &&
            c->d->m[c->morsel].b < c->d->files[c->d->m[c->morsel].file].size)
            rc = floe_err_set(err, FLOE_PARSE,
                              "%s: a quoted field holds a line break past the sampled rows; "
                              "read it with parallel = false",
                              c->d->files[c->d->m[c->morsel].file].path);
        return rc;
    }
    n = in.n;
    out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof *out->cols);
    if (out->cols == NULL) {
        floe_batch_free(&in);
        return floe_err_nomem(err);
    }
    out->ncols = c->ncols;
    out->n = n;
    for (i = 0; i < c->ncols; i++) {
        if (c->src[i] < 0) {
            floe_vec_borrow(&out->cols[i], c->consts[i].type, c->consts[i].data,
                            c->consts[i].validity, n);
        } else if (c->pq) {
            out->cols[i] = in.cols[c->src[i]]; /* borrowed from the scan */
            memset(&in.cols[c->src[i]], 0, sizeof in.cols[0]);
        } else {
            out->cols[i] = in.cols[c->src[i]]; /* owned: moved */
            memset(&in.cols[c->src[i]], 0, sizeof in.cols[0]);
        }
        out->cols[i].n = n;
    }
    floe_batch_free(&in);
    return FLOE_ROW;
}

static void ls_close(floe_scan_cursor *c) { cursor_free(c); }

static void ls_free(void *self) { (void)self; /* the dataset belongs to the statement */ }

static const floe_scan_source_vt lake_vt = {ls_nmorsels, ls_rows, ls_may_match, ls_open,
                                            ls_next,     ls_close, ls_free};

int floe_lake_source_new(floe_lake_dataset *d, floe_scan_source *out, floe_err *err)
{
    (void)err;
    out->vt = &lake_vt;
    out->self = d;
    return FLOE_OK;
}
