/* storage/part.c: part directories: writer (crash-safe), reader, open-time GC. */
#include "storage/part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/format.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"
#include "util/thread.h"

#define PATH_CAP 4096

static bool parse_part_name(const char *s, int64_t *id, bool *tmp);

const char *floe_part_dir(const char *table_dir, int64_t part_id, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/part-%lld", table_dir, (long long)part_id);
    return buf;
}

static int fsync_path(const char *path, floe_err *err) { return floe_os_fsync_dir(path, err); }

/* Remove a directory and the files in it (parts have no subdirectories). */
static int remove_dir(const char *dir, floe_err *err) { return floe_os_remove_tree(dir, err); }

void floe_part_info_free(floe_part_info *info)
{
    uint32_t c;
    if (info == NULL) return;
    for (c = 0; c < info->ncols && info->cols; c++) {
        if (info->cols[c].min.type.id == FLOE_TYPE_VARCHAR && info->cols[c].has_minmax) {
            floe_free((void *)info->cols[c].min.v.s.ptr);
            floe_free((void *)info->cols[c].max.v.s.ptr);
        }
    }
    floe_free(info->cols);
    memset(info, 0, sizeof *info);
}

/* ------------------------------------------------------------ manifest */

typedef struct manifest {
    int64_t part_id;
    uint64_t rows;
    uint32_t nblocks, ncols;
    uint32_t *col_ids;
    floe_type *col_types;
    uint32_t *block_rows;
} manifest;

static void manifest_free(manifest *m)
{
    floe_free(m->col_ids);
    floe_free(m->col_types);
    floe_free(m->block_rows);
    memset(m, 0, sizeof *m);
}

static int manifest_write(const char *dir, const manifest *m, floe_err *err)
{
    char path[PATH_CAP];
    size_t len = FLOE_PART_META_FIXED + (size_t)m->ncols * 8 + (size_t)m->nblocks * 4 + 4, off;
    uint8_t *b = floe_calloc(1, len);
    uint32_t magic = FLOE_PART_MAGIC, i, sum;
    uint16_t ver = FLOE_PART_VERSION;
    int fd, rc = FLOE_OK;
    if (b == NULL) return floe_err_nomem(err);
    memcpy(b, &magic, 4);
    memcpy(b + 4, &ver, 2);
    memcpy(b + 8, &m->part_id, 8);
    memcpy(b + 16, &m->rows, 8);
    memcpy(b + 24, &m->nblocks, 4);
    memcpy(b + 28, &m->ncols, 4);
    off = FLOE_PART_META_FIXED;
    for (i = 0; i < m->ncols; i++, off += 8) {
        memcpy(b + off, &m->col_ids[i], 4);
        b[off + 4] = m->col_types[i].id;
        b[off + 5] = m->col_types[i].precision;
        b[off + 6] = m->col_types[i].scale;
    }
    for (i = 0; i < m->nblocks; i++, off += 4) memcpy(b + off, &m->block_rows[i], 4);
    sum = floe_checksum32(b, off);
    memcpy(b + off, &sum, 4);
    snprintf(path, sizeof path, "%s/%s", dir, FLOE_PART_META_NAME);
    rc = floe_os_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, err);
    if (rc == FLOE_OK) {
        rc = floe_os_write_all(fd, b, len, path, err);
        if (rc == FLOE_OK) rc = floe_os_fsync(fd, path, err);
        if (rc == FLOE_OK)
            rc = floe_os_close(fd, path, err);
        else
            floe_os_close(fd, path, NULL);
    }
    floe_free(b);
    return rc;
}

/* Read <dir>/part.meta; `name` ("part-12") prefixes messages. */
static int manifest_read(const char *dir, const char *name, manifest *m, floe_err *err)
{
    char path[PATH_CAP];
    struct stat st;
    uint8_t *b = NULL;
    uint32_t magic, sum, i;
    uint16_t ver;
    size_t len, off;
    int fd, rc = FLOE_OK;
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/%s", dir, FLOE_PART_META_NAME);
    if (floe_os_open(path, O_RDONLY, 0, &fd, NULL) != FLOE_OK)
        return floe_err_set(err, errno == ENOENT ? FLOE_CORRUPT : FLOE_IOERR, "%s/%s: open: %s",
                            name, FLOE_PART_META_NAME, strerror(errno));
    if (floe_os_fstat(fd, &st, path, NULL) != FLOE_OK || st.st_size < FLOE_PART_META_FIXED + 4 ||
        st.st_size > (1 << 26)) {
        floe_os_close(fd, path, NULL);
        return floe_err_set(err, FLOE_CORRUPT, "%s/%s: bad size", name, FLOE_PART_META_NAME);
    }
    len = (size_t)st.st_size;
    b = floe_malloc(len);
    if (b == NULL) {
        floe_os_close(fd, path, NULL);
        return floe_err_nomem(err);
    }
    if (floe_os_pread(fd, b, len, 0, path, NULL, NULL) != FLOE_OK) {
        rc = floe_err_set(err, FLOE_IOERR, "%s/%s: short read", name, FLOE_PART_META_NAME);
        goto out;
    }
    memcpy(&magic, b, 4);
    memcpy(&ver, b + 4, 2);
    memcpy(&sum, b + len - 4, 4);
    if (magic != FLOE_PART_MAGIC || ver != FLOE_PART_VERSION || floe_checksum32(b, len - 4) != sum) {
        rc = floe_err_set(err, FLOE_CORRUPT, "%s/%s: bad magic, version or checksum", name,
                          FLOE_PART_META_NAME);
        goto out;
    }
    memcpy(&m->part_id, b + 8, 8);
    memcpy(&m->rows, b + 16, 8);
    memcpy(&m->nblocks, b + 24, 4);
    memcpy(&m->ncols, b + 28, 4);
    if ((uint64_t)FLOE_PART_META_FIXED + (uint64_t)m->ncols * 8 + (uint64_t)m->nblocks * 4 + 4 !=
        len) {
        rc = floe_err_set(err, FLOE_CORRUPT, "%s/%s: size mismatch", name, FLOE_PART_META_NAME);
        goto out;
    }
    m->col_ids = floe_malloc((size_t)(m->ncols + 1) * sizeof(uint32_t));
    m->col_types = floe_malloc((size_t)(m->ncols + 1) * sizeof(floe_type));
    m->block_rows = floe_malloc((size_t)(m->nblocks + 1) * sizeof(uint32_t));
    if (!m->col_ids || !m->col_types || !m->block_rows) {
        rc = floe_err_nomem(err);
        goto out;
    }
    off = FLOE_PART_META_FIXED;
    for (i = 0; i < m->ncols; i++, off += 8) {
        memcpy(&m->col_ids[i], b + off, 4);
        m->col_types[i].id = b[off + 4];
        m->col_types[i].precision = b[off + 5];
        m->col_types[i].scale = b[off + 6];
    }
    {
        uint64_t total = 0;
        for (i = 0; i < m->nblocks; i++, off += 4) {
            memcpy(&m->block_rows[i], b + off, 4);
            if (m->block_rows[i] == 0 || m->block_rows[i] > FLOE_BLOCK_ROWS_MAX) break;
            total += m->block_rows[i];
        }
        if (i < m->nblocks || total != m->rows)
            rc = floe_err_set(err, FLOE_CORRUPT, "%s/%s: bad block sizes", name,
                              FLOE_PART_META_NAME);
    }
out:
    floe_os_close(fd, path, NULL);
    floe_free(b);
    if (rc) manifest_free(m);
    return rc;
}

/* --------------------------------------------------------------- writer */

typedef struct wcol {
    floe_part_column def;
    floe_column_writer *cw;
    floe_vec buf;     /* current block */
    floe_arena *strs; /* VARCHAR bytes of the current block */
} wcol;

struct floe_part_writer {
    char *tmp_dir, *final_dir, *table_dir;
    int64_t part_id;
    uint32_t block_rows, nbuf, ncols;
    wcol *cols;
    uint32_t *blocks; /* rows per written block */
    uint32_t nblocks, cap_blocks;
    uint64_t rows;
    int force_enc, lz4;
    uint32_t nthreads; /* threads encoding a block's columns (1: the caller alone) */
    /* string heaps taken by floe_part_writer_append_take, each freed once
     * the rows up to `end` (counted over all appends) are written */
    struct held_heap { floe_arena *a; uint64_t end; } *held;
    uint32_t nheld, capheld;
};

/* Free the held heaps whose rows are all in written blocks. */
static void release_heaps(floe_part_writer *w, bool all)
{
    uint32_t i, k = 0;
    for (i = 0; i < w->nheld; i++) {
        if (all || w->held[i].end <= w->rows)
            floe_arena_free(w->held[i].a);
        else
            w->held[k++] = w->held[i];
    }
    w->nheld = k;
}

static void writer_free(floe_part_writer *w)
{
    uint32_t c;
    if (w == NULL) return;
    for (c = 0; c < w->ncols && w->cols; c++) {
        floe_column_writer_abort(w->cols[c].cw);
        floe_vec_free(&w->cols[c].buf);
        floe_arena_free(w->cols[c].strs);
        floe_free((void *)w->cols[c].def.name);
    }
    floe_free(w->cols);
    floe_free(w->blocks);
    release_heaps(w, true);
    floe_free(w->held);
    floe_free(w->tmp_dir);
    floe_free(w->final_dir);
    floe_free(w->table_dir);
    floe_free(w);
}

void floe_part_writer_abort(floe_part_writer *w)
{
    uint32_t c;
    if (w == NULL) return;
    for (c = 0; c < w->ncols && w->cols; c++) {
        floe_column_writer_abort(w->cols[c].cw);
        w->cols[c].cw = NULL;
    }
    remove_dir(w->tmp_dir, NULL);
    writer_free(w);
}

int floe_part_writer_open(const char *table_dir, int64_t part_id, const floe_part_schema *schema,
                          uint32_t block_rows, floe_part_writer **out, floe_err *err)
{
    floe_part_writer *w;
    char path[PATH_CAP];
    uint32_t c;
    int rc;
    *out = NULL;
    if (block_rows == 0) block_rows = FLOE_BLOCK_ROWS_DEFAULT;
    if (block_rows > FLOE_BLOCK_ROWS_MAX)
        return floe_err_set(err, FLOE_MISUSE, "part writer: block_rows %u > %u", block_rows,
                            FLOE_BLOCK_ROWS_MAX);
    w = floe_calloc(1, sizeof *w);
    if (w == NULL) return floe_err_nomem(err);
    w->part_id = part_id;
    w->block_rows = block_rows;
    w->force_enc = FLOE_ENC_AUTO;
    w->lz4 = -1;
    floe_part_dir(table_dir, part_id, path, sizeof path);
    w->final_dir = floe_strdup(path);
    snprintf(path, sizeof path, "%s/part-%lld.tmp", table_dir, (long long)part_id);
    w->tmp_dir = floe_strdup(path);
    w->table_dir = floe_strdup(table_dir);
    w->cols = floe_calloc(schema->ncols ? schema->ncols : 1, sizeof *w->cols);
    if (!w->final_dir || !w->tmp_dir || !w->table_dir || !w->cols) {
        writer_free(w);
        return floe_err_nomem(err);
    }
    w->ncols = schema->ncols;
    for (c = 0; c < schema->ncols; c++) {
        w->cols[c].def = schema->cols[c];
        w->cols[c].def.name = floe_strdup(schema->cols[c].name ? schema->cols[c].name : "");
        if (w->cols[c].def.name == NULL ||
            floe_vec_init(&w->cols[c].buf, schema->cols[c].type, block_rows) != FLOE_OK) {
            writer_free(w);
            return floe_err_nomem(err);
        }
    }
    /* a stale .tmp of the same id is garbage from a crash */
    rc = remove_dir(w->tmp_dir, err);
    if (rc == FLOE_OK) rc = floe_os_mkdir(w->tmp_dir, 0755, false, err);
    for (c = 0; rc == FLOE_OK && c < schema->ncols; c++) {
        snprintf(path, sizeof path, "%s/c%u.col", w->tmp_dir, schema->cols[c].id);
        rc = floe_column_writer_open(path, schema->cols[c].id, schema->cols[c].type,
                                     &w->cols[c].cw, err);
    }
    if (rc) {
        floe_part_writer_abort(w);
        return rc;
    }
    *out = w;
    return FLOE_OK;
}

void floe_part_writer_set_threads(floe_part_writer *w, uint32_t nthreads)
{
    w->nthreads = nthreads ? nthreads : 1;
}

void floe_part_writer_set_encoding(floe_part_writer *w, int force_enc, int lz4)
{
    w->force_enc = force_enc;
    w->lz4 = lz4;
}

/* Encode and write the buffered block of column c. */
static int flush_col(floe_part_writer *w, uint32_t c, floe_err *err)
{
    wcol *col = &w->cols[c];
    int enc = w->force_enc, rc;
    if (enc != FLOE_ENC_AUTO && !floe_encode_applies(col->def.type, enc)) enc = FLOE_ENC_AUTO;
    col->buf.n = w->nbuf;
    rc = floe_column_writer_add(col->cw, &col->buf, enc, w->lz4, err);
    if (rc) return rc;
    col->buf.n = 0;
    floe_free(col->buf.validity);
    col->buf.validity = NULL;
    if (col->strs) floe_arena_reset(col->strs);
    return FLOE_OK;
}

/* Columns of one block shared by several threads (each column's writer is
 * touched by one thread only). */
typedef struct col_jobs {
    floe_part_writer *w;
    atomic_uint next;  /* next column to take */
    atomic_int failed; /* stop taking columns */
    int rc;            /* first failure (under mu) */
    floe_err err;
    pthread_mutex_t mu;
} col_jobs;

static void *col_worker(void *arg)
{
    col_jobs *j = arg;
    uint32_t c;
    while (!atomic_load(&j->failed) && (c = atomic_fetch_add(&j->next, 1)) < j->w->ncols) {
        floe_err e = FLOE_ERR_INIT;
        int rc = flush_col(j->w, c, &e);
        if (rc != FLOE_OK) {
            pthread_mutex_lock(&j->mu);
            if (j->rc == FLOE_OK) {
                j->rc = rc;
                j->err = e;
            }
            pthread_mutex_unlock(&j->mu);
            atomic_store(&j->failed, 1);
        }
    }
    return NULL;
}

static int flush_block(floe_part_writer *w, floe_err *err)
{
    uint32_t c;
    int rc;
    if (w->nbuf == 0) return FLOE_OK;
    if (w->nblocks == w->cap_blocks) {
        uint32_t cap = w->cap_blocks ? w->cap_blocks * 2 : 16;
        uint32_t *nb = floe_realloc(w->blocks, (size_t)cap * sizeof *nb);
        if (nb == NULL) return floe_err_nomem(err);
        w->blocks = nb;
        w->cap_blocks = cap;
    }
    if (w->nthreads > 1 && w->ncols > 1) {
        pthread_t th[8];
        uint32_t nth = w->nthreads - 1, started = 0;
        col_jobs j;
        if (nth > 8) nth = 8;
        if (nth > w->ncols - 1) nth = w->ncols - 1;
        j.w = w;
        atomic_init(&j.next, 0);
        atomic_init(&j.failed, 0);
        j.rc = FLOE_OK;
        floe_err_clear(&j.err);
        pthread_mutex_init(&j.mu, NULL);
        /* helpers are best effort: the caller takes whatever they do not */
        while (started < nth && floe_thread_create(&th[started], col_worker, &j, "floe-encode") == 0)
            started++;
        col_worker(&j);
        for (c = 0; c < started; c++) pthread_join(th[c], NULL);
        pthread_mutex_destroy(&j.mu);
        if (j.rc != FLOE_OK) {
            if (err) *err = j.err;
            return j.rc;
        }
    } else {
        for (c = 0; c < w->ncols; c++) {
            rc = flush_col(w, c, err);
            if (rc) return rc;
        }
    }
    w->blocks[w->nblocks++] = w->nbuf;
    w->rows += w->nbuf;
    w->nbuf = 0;
    if (w->nheld) release_heaps(w, false);
    return FLOE_OK;
}

/* Copy `take` live rows starting at live index `pos` of src into col's buffer. */
static int copy_rows(wcol *col, const floe_vec *src, const uint32_t *sel, uint32_t pos,
                     uint32_t take, uint32_t dst0, bool keep_strings, floe_err *err)
{
    size_t wdt = floe_type_size(col->def.type);
    bool is_const = (src->flags & FLOE_VEC_CONST) != 0;
    uint32_t k;
    char *dst = (char *)col->buf.data;
    if (!is_const && sel == NULL && col->def.type.id != FLOE_TYPE_VARCHAR) {
        memcpy(dst + (size_t)dst0 * wdt, (const char *)src->data + (size_t)pos * wdt, take * wdt);
    } else {
        for (k = 0; k < take; k++) {
            uint32_t s = is_const ? 0 : sel ? sel[pos + k] : pos + k;
            memcpy(dst + (size_t)(dst0 + k) * wdt, (const char *)src->data + (size_t)s * wdt, wdt);
        }
    }
    if (src->validity == NULL && (col->def.type.id != FLOE_TYPE_VARCHAR || keep_strings))
        return FLOE_OK; /* no NULL to mark, no string to copy */
    for (k = 0; k < take; k++) {
        uint32_t s = is_const ? 0 : sel ? sel[pos + k] : pos + k;
        if (src->validity && !floe_vec_is_valid(src, s)) {
            if (floe_vec_set_null(&col->buf, dst0 + k)) return floe_err_nomem(err);
            if (col->def.type.id == FLOE_TYPE_VARCHAR) { /* never keep a NULL row's pointer */
                floe_string *d = (floe_string *)dst + dst0 + k;
                d->ptr = "";
                d->len = 0;
            }
        } else if (col->def.type.id == FLOE_TYPE_VARCHAR && !keep_strings) {
            floe_string *d = (floe_string *)dst + dst0 + k;
            if (d->len) {
                char *p;
                if (col->strs == NULL && (col->strs = floe_arena_new(0)) == NULL)
                    return floe_err_nomem(err);
                p = floe_arena_memdup(col->strs, d->ptr, d->len);
                if (p == NULL) return floe_err_nomem(err);
                d->ptr = p;
            } else {
                d->ptr = "";
            }
        }
    }
    return FLOE_OK;
}

static int append_rows(floe_part_writer *w, const floe_batch *b, const bool *keep, floe_err *err);

int floe_part_writer_append(floe_part_writer *w, const floe_batch *b, floe_err *err)
{
    return append_rows(w, b, NULL, err);
}

int floe_part_writer_append_take(floe_part_writer *w, floe_batch *b, floe_err *err)
{
    bool keep_small[32], *keep = b->ncols <= 32 ? keep_small : floe_calloc(b->ncols, sizeof *keep);
    uint64_t end = w->rows + w->nbuf + floe_batch_rows(b);
    uint32_t c;
    int rc;
    if (keep == NULL) return floe_err_nomem(err);
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        keep[c] = false;
        if (c >= w->ncols || v->type.id != FLOE_TYPE_VARCHAR || v->heap == NULL) continue;
        if (w->nheld == w->capheld) {
            uint32_t cap = w->capheld ? w->capheld * 2 : 16;
            struct held_heap *nh = floe_realloc(w->held, (size_t)cap * sizeof *nh);
            if (nh == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            w->held = nh;
            w->capheld = cap;
        }
        w->held[w->nheld].a = v->heap;
        w->held[w->nheld].end = end;
        w->nheld++;
        v->heap = NULL;
        keep[c] = true;
    }
    rc = append_rows(w, b, keep, err);
out:
    if (keep != keep_small) floe_free(keep);
    return rc;
}

static int append_rows(floe_part_writer *w, const floe_batch *b, const bool *keep, floe_err *err)
{
    uint32_t live = floe_batch_rows(b), pos = 0, c;
    int rc;
    if (b->ncols != w->ncols)
        return floe_err_set(err, FLOE_TYPE, "part writer: batch has %u columns, part %u",
                            b->ncols, w->ncols);
    for (c = 0; c < w->ncols; c++)
        if (b->cols[c].type.id != w->cols[c].def.type.id)
            return floe_err_set(err, FLOE_TYPE, "part writer: column '%s': type mismatch",
                                w->cols[c].def.name);
    while (pos < live) {
        uint32_t take = w->block_rows - w->nbuf;
        if (take > live - pos) take = live - pos;
        for (c = 0; c < w->ncols; c++) {
            rc = copy_rows(&w->cols[c], &b->cols[c], b->sel, pos, take, w->nbuf, keep && keep[c], err);
            if (rc) return rc;
        }
        w->nbuf += take;
        pos += take;
        if (w->nbuf == w->block_rows) {
            rc = flush_block(w, err);
            if (rc) return rc;
        }
    }
    return FLOE_OK;
}

/* Compare VARCHAR upper bounds: a truncated prefix stands for "prefix then
 * anything", which is above every string it prefixes. */
static int cmp_upper(const floe_string *a, bool at, const floe_string *b, bool bt)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    if (a->len == b->len) return (int)at - (int)bt;
    if (a->len < b->len) return at ? 1 : -1;
    return bt ? -1 : 1;
}

static int collect_info(floe_part_writer *w, floe_part_info *info, floe_err *err)
{
    uint32_t c, b;
    memset(info, 0, sizeof *info);
    info->part_id = w->part_id;
    info->rows = w->rows;
    info->nblocks = w->nblocks;
    info->cols = floe_calloc(w->ncols ? w->ncols : 1, sizeof *info->cols);
    if (info->cols == NULL) return floe_err_nomem(err);
    info->ncols = w->ncols;
    for (c = 0; c < w->ncols; c++) {
        floe_part_col_info *ci = &info->cols[c];
        floe_type t = w->cols[c].def.type;
        ci->id = w->cols[c].def.id;
        ci->min = ci->max = floe_value_null(t);
        for (b = 0; b < w->nblocks; b++) {
            const floe_block_info *bi = floe_column_writer_block(w->cols[c].cw, b);
            bool mt = (bi->flags & FLOE_BLOCK_MIN_TRUNC) != 0;
            bool xt = (bi->flags & FLOE_BLOCK_MAX_TRUNC) != 0;
            ci->nulls += bi->nulls;
            if (!(bi->flags & FLOE_BLOCK_MINMAX)) continue;
            if (!ci->has_minmax) {
                ci->min = bi->min;
                ci->max = bi->max;
                ci->min_trunc = mt;
                ci->max_trunc = xt;
                ci->has_minmax = true;
                continue;
            }
            if (t.id == FLOE_TYPE_VARCHAR) {
                int m = floe_value_cmp(&bi->min, &ci->min);
                if (m < 0 || (m == 0 && !mt)) {
                    ci->min = bi->min;
                    ci->min_trunc = mt;
                }
                if (cmp_upper(&bi->max.v.s, xt, &ci->max.v.s, ci->max_trunc) > 0) {
                    ci->max = bi->max;
                    ci->max_trunc = xt;
                }
            } else {
                if (floe_value_cmp(&bi->min, &ci->min) < 0) ci->min = bi->min;
                if (floe_value_cmp(&bi->max, &ci->max) > 0) ci->max = bi->max;
            }
        }
        if (t.id == FLOE_TYPE_VARCHAR && ci->has_minmax) {
            char *a = floe_strndup(ci->min.v.s.ptr ? ci->min.v.s.ptr : "", ci->min.v.s.len);
            char *z = floe_strndup(ci->max.v.s.ptr ? ci->max.v.s.ptr : "", ci->max.v.s.len);
            ci->min.v.s.ptr = a;
            ci->max.v.s.ptr = z;
            if (a == NULL || z == NULL) {
                floe_free(a == NULL ? z : a);
                ci->has_minmax = false;
                ci->min.type.id = FLOE_TYPE_INVALID;
                return floe_err_nomem(err);
            }
        }
        ci->bytes = floe_column_writer_bytes(w->cols[c].cw);
    }
    return FLOE_OK;
}

/* The write sequence; stops after `stop_after` (0: run to the end). */
static int writer_run(floe_part_writer *w, int stop_after, floe_part_info *out_info,
                      floe_err *err)
{
    manifest m;
    floe_part_info info;
    uint32_t c;
    int rc;
    memset(&info, 0, sizeof info);
    rc = flush_block(w, err);
    if (rc) goto fail;
    rc = collect_info(w, &info, err);
    if (rc) goto fail;
    for (c = 0; c < w->ncols; c++) {
        floe_column_writer *cw = w->cols[c].cw;
        w->cols[c].cw = NULL;
        rc = floe_column_writer_finish(cw, err);
        if (rc) goto fail;
    }
    for (c = 0; c < w->ncols; c++) {
        char path[PATH_CAP];
        struct stat st;
        snprintf(path, sizeof path, "%s/c%u.col", w->tmp_dir, w->cols[c].def.id);
        if (floe_os_stat(path, &st, NULL) == FLOE_OK) info.cols[c].bytes = (uint64_t)st.st_size; /* footer included */
        info.bytes += info.cols[c].bytes;
    }
    if (stop_after == 1) goto stop;
    memset(&m, 0, sizeof m);
    m.part_id = w->part_id;
    m.rows = w->rows;
    m.nblocks = w->nblocks;
    m.ncols = w->ncols;
    m.block_rows = w->blocks;
    m.col_ids = floe_malloc((size_t)(w->ncols + 1) * sizeof(uint32_t));
    m.col_types = floe_malloc((size_t)(w->ncols + 1) * sizeof(floe_type));
    if (!m.col_ids || !m.col_types) {
        floe_free(m.col_ids);
        floe_free(m.col_types);
        rc = floe_err_nomem(err);
        goto fail;
    }
    for (c = 0; c < w->ncols; c++) {
        m.col_ids[c] = w->cols[c].def.id;
        m.col_types[c] = w->cols[c].def.type;
    }
    rc = manifest_write(w->tmp_dir, &m, err);
    floe_free(m.col_ids);
    floe_free(m.col_types);
    if (rc) goto fail;
    rc = fsync_path(w->tmp_dir, err);
    if (rc) goto fail;
    if (stop_after == 2) goto stop;
    rc = floe_os_rename(w->tmp_dir, w->final_dir, err);
    if (rc) goto fail;
    rc = fsync_path(w->table_dir, err);
    if (rc) {
        remove_dir(w->final_dir, NULL);
        goto fail;
    }
stop:
    if (out_info)
        *out_info = info;
    else
        floe_part_info_free(&info);
    writer_free(w);
    return FLOE_OK;
fail:
    floe_part_info_free(&info);
    floe_part_writer_abort(w);
    return rc;
}

int floe_part_writer_finish(floe_part_writer *w, floe_part_info *out_info, floe_err *err)
{
    return writer_run(w, 0, out_info, err);
}

int floe_part_writer_crash_after(floe_part_writer *w, int step, floe_err *err)
{
    return writer_run(w, step, NULL, err);
}

/* --------------------------------------------------------------- reader */

typedef struct rcol {
    floe_type type;
    floe_column_reader *cr; /* NULL: the part lacks this column */
} rcol;

struct floe_part_reader {
    atomic_int refs;
    int64_t part_id;
    uint64_t rows;
    uint32_t nblocks, ncols;
    uint32_t *block_rows;
    uint64_t *block_start;
    rcol *cols;
    floe_block_info *null_info; /* per block, for missing columns */
    /* Delete vector (floe_part_reader_with_deletes): a reader made by it
     * shares everything above with `base` (holding a reference on it) and
     * owns `del`, FLOE_BITMAP_WORDS(rows) words, bit set = row deleted. */
    floe_part_reader *base;
    uint64_t *del;
    uint64_t ndel;
};

static void reader_free(floe_part_reader *r)
{
    uint32_t c;
    if (r == NULL) return;
    if (r->base != NULL) { /* a delete-vector view: the rest is the base's */
        floe_free(r->del);
        floe_part_reader_unref(r->base);
        floe_free(r);
        return;
    }
    floe_free(r->del);
    for (c = 0; c < r->ncols && r->cols; c++) floe_column_reader_close(r->cols[c].cr);
    floe_free(r->cols);
    floe_free(r->block_rows);
    floe_free(r->block_start);
    floe_free(r->null_info);
    floe_free(r);
}

static const char *base_name(const char *dir, char *buf, size_t cap)
{
    size_t n = strlen(dir);
    const char *e;
    while (n > 1 && dir[n - 1] == '/') n--;
    e = dir + n;
    while (e > dir && e[-1] != '/') e--;
    snprintf(buf, cap, "%.*s", (int)(dir + n - e), e);
    return buf;
}

int floe_part_reader_open(const char *part_dir, const floe_part_schema *schema,
                          floe_part_reader **out, floe_err *err)
{
    floe_part_reader *r;
    manifest m;
    char name[256], path[PATH_CAP], fname[300];
    uint32_t c, b, k;
    int rc;

    *out = NULL;
    base_name(part_dir, name, sizeof name);
    rc = manifest_read(part_dir, name, &m, err);
    if (rc) return rc;
    {
        int64_t dir_id;
        bool tmp;
        if (parse_part_name(name, &dir_id, &tmp) && !tmp && dir_id != m.part_id) {
            manifest_free(&m);
            return floe_err_set(err, FLOE_CORRUPT, "%s/%s: manifest is for part %lld", name,
                                FLOE_PART_META_NAME, (long long)m.part_id);
        }
    }
    r = floe_calloc(1, sizeof *r);
    if (r == NULL) {
        manifest_free(&m);
        return floe_err_nomem(err);
    }
    atomic_init(&r->refs, 1);
    r->part_id = m.part_id;
    r->rows = m.rows;
    r->nblocks = m.nblocks;
    r->block_rows = m.block_rows;
    m.block_rows = NULL;
    r->block_start = floe_malloc((size_t)(r->nblocks + 1) * sizeof(uint64_t));
    r->null_info = floe_calloc(r->nblocks + 1, sizeof(floe_block_info));
    r->cols = floe_calloc(schema->ncols + 1, sizeof(rcol));
    if (!r->block_start || !r->null_info || !r->cols) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    r->ncols = schema->ncols;
    r->block_start[0] = 0;
    for (b = 0; b < r->nblocks; b++) {
        r->block_start[b + 1] = r->block_start[b] + r->block_rows[b];
        r->null_info[b].rows = r->null_info[b].nulls = r->block_rows[b];
    }
    for (c = 0; c < schema->ncols; c++) {
        const floe_part_column *sc = &schema->cols[c];
        r->cols[c].type = sc->type;
        for (k = 0; k < m.ncols; k++)
            if (m.col_ids[k] == sc->id) break;
        for (b = 0; b < r->nblocks; b++) r->null_info[b].min = r->null_info[b].max = floe_value_null(sc->type);
        if (k == m.ncols) continue; /* added after this part was written */
        snprintf(fname, sizeof fname, "%s/c%u.col", name, sc->id);
        if (m.col_types[k].id != sc->type.id) {
            rc = floe_err_set(err, FLOE_CORRUPT, "%s (column '%s'): type %u, table says %u", fname,
                              sc->name ? sc->name : "?", m.col_types[k].id, sc->type.id);
            goto fail;
        }
        snprintf(path, sizeof path, "%s/c%u.col", part_dir, sc->id);
        rc = floe_column_reader_open(path, fname, sc->id, m.col_types[k], &r->cols[c].cr, err);
        if (rc) goto fail;
        if (floe_column_reader_nblocks(r->cols[c].cr) != r->nblocks) {
            rc = floe_err_set(err, FLOE_CORRUPT, "%s: %u blocks, manifest says %u", fname,
                              floe_column_reader_nblocks(r->cols[c].cr), r->nblocks);
            goto fail;
        }
        for (b = 0; b < r->nblocks; b++) {
            if (floe_column_reader_block(r->cols[c].cr, b)->rows != r->block_rows[b]) {
                rc = floe_err_set(err, FLOE_CORRUPT, "%s: block %u: row count differs from manifest",
                                  fname, b);
                goto fail;
            }
        }
    }
    manifest_free(&m);
    *out = r;
    return FLOE_OK;
fail:
    manifest_free(&m);
    reader_free(r);
    return rc;
}

void floe_part_reader_ref(floe_part_reader *r) { atomic_fetch_add(&r->refs, 1); }

void floe_part_reader_unref(floe_part_reader *r)
{
    if (r == NULL) return;
    if (atomic_fetch_sub(&r->refs, 1) == 1) reader_free(r);
}

int floe_part_reader_with_deletes(floe_part_reader *r, const uint64_t *del, uint64_t ndel,
                                  floe_part_reader **out, floe_err *err)
{
    floe_part_reader *v = floe_malloc(sizeof *v);
    size_t words = FLOE_BITMAP_WORDS(r->rows);
    *out = NULL;
    if (v == NULL) return floe_err_nomem(err);
    memcpy(v, r, sizeof *v);
    atomic_init(&v->refs, 1);
    v->base = r->base ? r->base : r;
    v->del = NULL;
    v->ndel = 0;
    if (del != NULL && ndel > 0) {
        v->del = floe_malloc((words ? words : 1) * sizeof *v->del);
        if (v->del == NULL) {
            floe_free(v);
            return floe_err_nomem(err);
        }
        if (words) memcpy(v->del, del, words * sizeof *v->del);
        v->ndel = ndel;
    }
    floe_part_reader_ref(v->base);
    *out = v;
    return FLOE_OK;
}

const uint64_t *floe_part_reader_deletes(const floe_part_reader *r, uint64_t *out_ndel)
{
    if (out_ndel) *out_ndel = r->ndel;
    return r->del;
}

int64_t floe_part_reader_id(const floe_part_reader *r) { return r->part_id; }
uint64_t floe_part_reader_rows(const floe_part_reader *r) { return r->rows; }
uint32_t floe_part_reader_nblocks(const floe_part_reader *r) { return r->nblocks; }
uint32_t floe_part_reader_ncols(const floe_part_reader *r) { return r->ncols; }
floe_type floe_part_reader_col_type(const floe_part_reader *r, uint32_t col)
{
    return r->cols[col].type;
}
uint32_t floe_part_reader_block_rows(const floe_part_reader *r, uint32_t b)
{
    return b < r->nblocks ? r->block_rows[b] : 0;
}
uint64_t floe_part_reader_block_start(const floe_part_reader *r, uint32_t b)
{
    return b <= r->nblocks ? r->block_start[b] : r->rows;
}
bool floe_part_reader_has_col(const floe_part_reader *r, uint32_t col)
{
    return col < r->ncols && r->cols[col].cr != NULL;
}

const floe_block_info *floe_part_reader_block_info(const floe_part_reader *r, uint32_t col,
                                                   uint32_t b)
{
    if (col >= r->ncols || b >= r->nblocks) return NULL;
    if (r->cols[col].cr == NULL) return &r->null_info[b];
    return floe_column_reader_block(r->cols[col].cr, b);
}

int floe_part_read_block(const floe_part_reader *r, uint32_t col, uint32_t b, floe_vec *out,
                         floe_err *err)
{
    memset(out, 0, sizeof *out);
    if (col >= r->ncols || b >= r->nblocks)
        return floe_err_set(err, FLOE_MISUSE, "part-%lld: column %u block %u out of range",
                            (long long)r->part_id, col, b);
    if (r->cols[col].cr == NULL) {
        uint32_t n = r->block_rows[b];
        if (floe_vec_init(out, r->cols[col].type, n) || floe_vec_ensure_validity(out)) {
            floe_vec_free(out);
            return floe_err_nomem(err);
        }
        memset(out->data, 0, (size_t)n * floe_type_size(out->type));
        memset(out->validity, 0, FLOE_BITMAP_WORDS(n) * sizeof(uint64_t));
        out->n = n;
        return FLOE_OK;
    }
    return floe_column_reader_read(r->cols[col].cr, b, out, err);
}

/* The reader of column col for block b: FLOE_MISUSE out of range,
 * FLOE_NOTFOUND when the column is not in this part. */
static int stored_col(const floe_part_reader *r, uint32_t col, uint32_t b, const floe_column_reader **out,
                      floe_err *err)
{
    if (col >= r->ncols || b >= r->nblocks)
        return floe_err_set(err, FLOE_MISUSE, "part-%lld: column %u block %u out of range",
                            (long long)r->part_id, col, b);
    if (r->cols[col].cr == NULL)
        return floe_err_set(err, FLOE_NOTFOUND, "part-%lld: column %u is not in the part",
                            (long long)r->part_id, col);
    *out = r->cols[col].cr;
    return FLOE_OK;
}

int floe_part_open_block(const floe_part_reader *r, uint32_t col, uint32_t b, floe_block_cursor **out,
                         floe_err *err)
{
    const floe_column_reader *cr = NULL;
    int rc;
    *out = NULL;
    if ((rc = stored_col(r, col, b, &cr, err)) != FLOE_OK) return rc;
    return floe_column_reader_open_block(cr, b, out, err);
}

int floe_part_read_dict(const floe_part_reader *r, uint32_t col, uint32_t b, floe_vec *codes,
                        floe_vec *dict, floe_err *err)
{
    const floe_column_reader *cr = NULL;
    int rc;
    memset(codes, 0, sizeof *codes);
    memset(dict, 0, sizeof *dict);
    if ((rc = stored_col(r, col, b, &cr, err)) != FLOE_OK) return rc;
    return floe_column_reader_read_dict(cr, b, codes, dict, err);
}

/* --------------------------------------------------------------- merge */

int floe_part_merge(const char *table_dir, floe_part_reader *const *src, uint32_t n,
                    int64_t new_id, const floe_part_schema *schema, uint32_t block_rows,
                    floe_part_info *out_info, floe_err *err)
{
    floe_part_writer *w;
    floe_batch b;
    uint32_t p, blk, c;
    int rc;
    memset(&b, 0, sizeof b);
    for (p = 0; p < n; p++)
        if (floe_part_reader_ncols(src[p]) != schema->ncols)
            return floe_err_set(err, FLOE_MISUSE, "merge: part-%lld was opened with %u columns, not %u",
                                (long long)floe_part_reader_id(src[p]),
                                floe_part_reader_ncols(src[p]), schema->ncols);
    rc = floe_part_writer_open(table_dir, new_id, schema, block_rows, &w, err);
    if (rc) return rc;
    b.cols = floe_calloc(schema->ncols ? schema->ncols : 1, sizeof *b.cols);
    if (b.cols == NULL) {
        floe_part_writer_abort(w);
        return floe_err_nomem(err);
    }
    b.ncols = schema->ncols;
    for (p = 0; p < n && rc == FLOE_OK; p++) {
        for (blk = 0; blk < floe_part_reader_nblocks(src[p]) && rc == FLOE_OK; blk++) {
            for (c = 0; c < schema->ncols && rc == FLOE_OK; c++)
                rc = floe_part_read_block(src[p], c, blk, &b.cols[c], err);
            b.n = floe_part_reader_block_rows(src[p], blk);
            b.sel = NULL;
            if (rc == FLOE_OK && src[p]->del != NULL) {
                /* purge deleted rows: append only the live ones */
                uint64_t start = floe_part_reader_block_start(src[p], blk);
                uint32_t i;
                b.sel = floe_malloc((b.n ? b.n : 1) * sizeof *b.sel);
                if (b.sel == NULL) rc = floe_err_nomem(err);
                b.nsel = 0;
                for (i = 0; b.sel != NULL && i < b.n; i++)
                    if (!((src[p]->del[(start + i) >> 6] >> ((start + i) & 63)) & 1)) b.sel[b.nsel++] = i;
            }
            if (rc == FLOE_OK && (b.sel == NULL || b.nsel > 0)) rc = floe_part_writer_append(w, &b, err);
            floe_free(b.sel);
            b.sel = NULL;
            for (c = 0; c < schema->ncols; c++) floe_vec_free(&b.cols[c]);
        }
    }
    floe_free(b.cols);
    if (rc) {
        floe_part_writer_abort(w);
        return rc;
    }
    return floe_part_writer_finish(w, out_info, err);
}

/* ------------------------------------------------------------------ GC */

/* "part-<digits>" (+ ".tmp" when *tmp): parse the id. */
static bool parse_part_name(const char *s, int64_t *id, bool *tmp)
{
    char *end;
    long long v;
    if (strncmp(s, "part-", 5) != 0 || s[5] < '0' || s[5] > '9') return false;
    errno = 0;
    v = strtoll(s + 5, &end, 10);
    if (errno) return false;
    *id = v;
    if (*end == '\0') {
        *tmp = false;
        return true;
    }
    if (strcmp(end, ".tmp") == 0) {
        *tmp = true;
        return true;
    }
    return false;
}

static bool id_in(const int64_t *ids, uint32_t n, int64_t id)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

/* mkdir that accepts an existing directory. */
static int ensure_dir(const char *path, floe_err *err)
{
    return floe_os_mkdir(path, 0755, true, err);
}

/* Move <table_dir>/<name> to <quarantine_dir>/<name> (".1", ".2"... when
 * taken), append a line to <quarantine_dir>/NOTE and warn. */
static int quarantine(const char *table_dir, const char *name, const floe_part_gc_opts *o,
                      floe_err *err)
{
    char from[PATH_CAP], to[PATH_CAP + 16], parent[PATH_CAP + 8], msg[2 * PATH_CAP + 160];
    const char *slash;
    int i, rc;
    /* the quarantine directory and its parent (<db>/quarantine) */
    snprintf(parent, sizeof parent, "%s", o->quarantine_dir);
    slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        parent[slash - parent] = '\0';
        if ((rc = ensure_dir(parent, err)) != FLOE_OK) return rc;
    }
    if ((rc = ensure_dir(o->quarantine_dir, err)) != FLOE_OK) return rc;
    snprintf(from, sizeof from, "%s/%s", table_dir, name);
    snprintf(to, sizeof to, "%s/%s", o->quarantine_dir, name);
    for (i = 1; floe_os_exists(to) && i < 1000; i++)
        snprintf(to, sizeof to, "%s/%s.%d", o->quarantine_dir, name, i);
    if ((rc = floe_os_rename(from, to, err)) != FLOE_OK) return rc;
    if ((rc = fsync_path(o->quarantine_dir, err)) != FLOE_OK) return rc;
    snprintf(msg, sizeof msg,
             "%s: part directory not known to the catalog (upgraded from schema v1) moved to %s;"
             " nothing was deleted",
             from, to);
    snprintf(parent, sizeof parent, "%s/NOTE", o->quarantine_dir);
    {
        /* best effort: the warning callback below carries the same text */
        int fd;
        if (floe_os_open(parent, O_WRONLY | O_CREAT | O_APPEND, 0644, &fd, NULL) == FLOE_OK) {
            size_t ml = strlen(msg);
            msg[ml] = '\n';
            floe_os_write_all(fd, msg, ml + 1, parent, NULL);
            msg[ml] = '\0';
            floe_os_close(fd, parent, NULL);
        }
    }
    if (o->warning) o->warning(o->ctx, msg);
    return FLOE_OK;
}

int floe_part_gc(const char *table_dir, const floe_part_gc_opts *o, floe_err *err)
{
    floe_os_dirlist l;
    char path[PATH_CAP], name[64];
    const char *cat = o->catalog_path ? o->catalog_path : "the catalog";
    int64_t *rm_ids = NULL;
    bool *rm_tmp = NULL;
    uint32_t nrm = 0, cap = 0, i, k, j;
    int rc = floe_os_list_dir(table_dir, &l, err);

    if (rc == FLOE_NOTFOUND) {
        floe_err_clear(err);
        if (o->ncommitted == 0) return FLOE_OK;
        return floe_err_set(err, FLOE_CORRUPT, "%s: table directory is missing", table_dir);
    }
    if (rc) return rc;
    /* 1. classify every part directory; nothing is touched yet */
    for (j = 0; j < l.n; j++) {
        const char *ename = l.names[j];
        int64_t id;
        bool tmp;
        if (!parse_part_name(ename, &id, &tmp)) continue;
        if (!tmp && id_in(o->committed, o->ncommitted, id)) continue;
        if (!tmp && !id_in(o->pending, o->npending, id) && !id_in(o->garbage, o->ngarbage, id) &&
            !o->quarantine_unknown) {
            rc = floe_err_set(err, FLOE_CORRUPT,
                              "%s/%s: a finished part directory that %s neither commits nor"
                              " records as pending or removed: the catalog may be damaged;"
                              " refusing to open (nothing was removed)",
                              table_dir, ename, cat);
            break;
        }
        if (nrm == cap) {
            uint32_t ncap = cap ? cap * 2 : 16;
            int64_t *ni = floe_realloc(rm_ids, ncap * sizeof *ni);
            bool *nt = ni ? floe_realloc(rm_tmp, ncap * sizeof *nt) : NULL;
            if (ni) rm_ids = ni;
            if (nt) rm_tmp = nt;
            if (ni == NULL || nt == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            cap = ncap;
        }
        rm_ids[nrm] = id;
        rm_tmp[nrm++] = tmp;
    }
    floe_os_dirlist_free(&l);
    if (rc) goto out;
    /* 2. every committed part is complete */
    for (i = 0; i < o->ncommitted; i++) {
        manifest m;
        struct stat st;
        floe_part_dir(table_dir, o->committed[i], path, sizeof path);
        snprintf(name, sizeof name, "part-%lld", (long long)o->committed[i]);
        if (floe_os_stat(path, &st, NULL) != FLOE_OK || !S_ISDIR(st.st_mode)) {
            rc = floe_err_set(err, FLOE_CORRUPT,
                              "%s: committed in %s but its directory is missing", path, cat);
            goto out;
        }
        rc = manifest_read(path, name, &m, err);
        if (rc) goto out;
        for (k = 0; k < m.ncols; k++) {
            char f[PATH_CAP + 32];
            snprintf(f, sizeof f, "%s/c%u.col", path, m.col_ids[k]);
            if (floe_os_stat(f, &st, NULL) != FLOE_OK) {
                rc = floe_err_set(err, FLOE_CORRUPT, "%s/c%u.col: committed but missing", name,
                                  m.col_ids[k]);
                break;
            }
        }
        manifest_free(&m);
        if (rc) goto out;
    }
    /* 3. in-flight (.tmp), pending and garbage directories go; unexplained
     * ones (only in quarantine mode) are moved aside */
    for (i = 0; i < nrm && rc == FLOE_OK; i++) {
        bool explained = rm_tmp[i] || id_in(o->pending, o->npending, rm_ids[i]) ||
                         id_in(o->garbage, o->ngarbage, rm_ids[i]);
        snprintf(name, sizeof name, "part-%lld%s", (long long)rm_ids[i], rm_tmp[i] ? ".tmp" : "");
        if (!explained) {
            rc = quarantine(table_dir, name, o, err);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", table_dir, name);
        rc = remove_dir(path, err);
    }
    if (rc == FLOE_OK && nrm > 0) rc = fsync_path(table_dir, err);
out:
    floe_free(rm_ids);
    floe_free(rm_tmp);
    return rc;
}
