/* storage/column.c: column file writer and reader (layout in doc/format.md);
 * block bodies are encoded by storage/encode.h and compressed by
 * storage/compress.h. */
#include "storage/column.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>

#include "storage/compress.h"
#include "storage/format.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"

/* ------------------------------------------------------------- helpers */

static int write_all(int fd, const void *p, size_t n, const char *path, floe_err *err)
{
    return floe_os_write_all(fd, p, n, path, err);
}

/* pread exactly n bytes; a short read means the file is truncated. */
static int pread_all(int fd, void *p, size_t n, uint64_t off, const char *name, floe_err *err)
{
    size_t got;
    int rc = floe_os_pread(fd, p, n, off, name, &got, err);
    if (rc) return rc;
    if (got < n) return floe_err_set(err, FLOE_CORRUPT, "%s: file is truncated", name);
    return FLOE_OK;
}

static bool has_stats(floe_type t)
{
    return t.id != FLOE_TYPE_INTERVAL && t.id != FLOE_TYPE_INVALID && t.id != FLOE_TYPE_NULL;
}

/* --------------------------------------------------------------- writer */

struct floe_column_writer {
    int fd;
    char *path;
    uint32_t col_id;
    floe_type type;
    uint64_t off;  /* bytes written */
    uint64_t rows; /* rows written */
    floe_block_info *blocks;
    char (*prefix)[2][FLOE_STAT_PREFIX]; /* VARCHAR min/max bytes per block */
    uint32_t nblocks, cap;
    floe_encbuf body;       /* scratch: the block before compression */
    floe_compressor comp;   /* LZ4/zstd (storage/compress.h) */
};

static void header_bytes(uint8_t h[FLOE_COL_HEADER_SIZE], uint32_t col_id, floe_type t)
{
    uint32_t magic = FLOE_COL_MAGIC, sum;
    uint16_t ver = FLOE_COL_VERSION;
    memset(h, 0, FLOE_COL_HEADER_SIZE);
    memcpy(h, &magic, 4);
    memcpy(h + 4, &ver, 2);
    h[6] = t.id;
    h[7] = t.precision;
    h[8] = t.scale;
    memcpy(h + 12, &col_id, 4);
    sum = floe_checksum32(h, 16);
    memcpy(h + 16, &sum, 4);
}

int floe_column_writer_open(const char *path, uint32_t col_id, floe_type type,
                            floe_column_writer **out, floe_err *err)
{
    floe_column_writer *w;
    uint8_t h[FLOE_COL_HEADER_SIZE];
    int rc;
    *out = NULL;
    w = floe_calloc(1, sizeof *w);
    if (w == NULL) return floe_err_nomem(err);
    w->fd = -1;
    w->path = floe_strdup(path);
    if (w->path == NULL) {
        floe_free(w);
        return floe_err_nomem(err);
    }
    w->col_id = col_id;
    w->type = type;
    rc = floe_os_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &w->fd, err);
    if (rc) {
        floe_column_writer_abort(w);
        return rc;
    }
    header_bytes(h, col_id, type);
    rc = write_all(w->fd, h, sizeof h, path, err);
    if (rc) {
        floe_column_writer_abort(w);
        return rc;
    }
    w->off = sizeof h;
    *out = w;
    return FLOE_OK;
}

/* a < b in floe_value_cmp's VARCHAR order (bytewise, shorter first). */
static inline bool str_less(const floe_string *a, const floe_string *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    return c < 0 || (c == 0 && a->len < b->len);
}

/* Min/max of the valid values of v into bi (and the VARCHAR prefixes). */
static void block_minmax(const floe_vec *v, floe_block_info *bi, char pre[2][FLOE_STAT_PREFIX])
{
    floe_type t = v->type;
    uint32_t i;
    bool any = false;
    floe_value mn, mx;
    if (!has_stats(t) || bi->nulls == bi->rows) return;
    mn = mx = floe_value_null(t);
    if (t.id != FLOE_TYPE_VARCHAR && t.id != FLOE_TYPE_DOUBLE) {
        /* integer-like: typed loop (the generic one costs ~15% of a flush) */
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        size_t w = floe_type_size(t);
        for (i = 0; i < v->n; i++) {
            int64_t x64;
            if (v->validity && !floe_vec_is_valid(v, i)) continue;
            if (w == 8)
                x64 = ((const int64_t *)v->data)[i];
            else if (w == 4)
                x64 = ((const int32_t *)v->data)[i];
            else
                x64 = ((const uint8_t *)v->data)[i];
            lo = x64 < lo ? x64 : lo;
            hi = x64 > hi ? x64 : hi;
        }
        mn.is_null = mx.is_null = false;
        mn.v.i = lo;
        mx.v.i = hi;
        any = true;
    } else if (t.id == FLOE_TYPE_DOUBLE) {
        /* floe_value_cmp order: NaN above everything */
        double lo = 0, hi = 0;
        bool nan = false, seen = false;
        for (i = 0; i < v->n; i++) {
            double d;
            if (v->validity && !floe_vec_is_valid(v, i)) continue;
            d = ((const double *)v->data)[i];
            if (isnan(d)) {
                nan = true;
                continue;
            }
            if (!seen) lo = hi = d, seen = true;
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        mn.is_null = mx.is_null = false;
        mn.v.d = seen ? lo : NAN;
        mx.v.d = nan ? NAN : hi;
        any = true;
    }
    if (t.id == FLOE_TYPE_VARCHAR) {
        /* floe_value_cmp's order, typed: the first byte decides most
         * comparisons without a call */
        const floe_string *sv = (const floe_string *)v->data;
        const floe_string *lo = NULL, *hi = NULL;
        for (i = 0; i < v->n; i++) {
            const floe_string *s = &sv[i];
            if (v->validity && !floe_vec_is_valid(v, i)) continue;
            if (lo == NULL) {
                lo = hi = s;
                continue;
            }
            if (s->len && lo->len && (unsigned char)s->ptr[0] != (unsigned char)lo->ptr[0]) {
                if ((unsigned char)s->ptr[0] < (unsigned char)lo->ptr[0]) lo = s;
            } else if (str_less(s, lo)) {
                lo = s;
            }
            if (s->len && hi->len && (unsigned char)s->ptr[0] != (unsigned char)hi->ptr[0]) {
                if ((unsigned char)s->ptr[0] > (unsigned char)hi->ptr[0]) hi = s;
            } else if (str_less(hi, s)) {
                hi = s;
            }
        }
        if (lo) {
            floe_value_load(t, v->data, (size_t)(lo - sv), &mn);
            floe_value_load(t, v->data, (size_t)(hi - sv), &mx);
            any = true;
        }
    }
    if (!any) return;
    bi->flags |= FLOE_BLOCK_MINMAX;
    if (t.id == FLOE_TYPE_VARCHAR) {
        uint32_t a = mn.v.s.len < FLOE_STAT_PREFIX ? mn.v.s.len : FLOE_STAT_PREFIX;
        uint32_t b = mx.v.s.len < FLOE_STAT_PREFIX ? mx.v.s.len : FLOE_STAT_PREFIX;
        if (a) memcpy(pre[0], mn.v.s.ptr, a);
        if (b) memcpy(pre[1], mx.v.s.ptr, b);
        if (a < mn.v.s.len) bi->flags |= FLOE_BLOCK_MIN_TRUNC;
        if (b < mx.v.s.len) bi->flags |= FLOE_BLOCK_MAX_TRUNC;
        mn.v.s.len = a;
        mx.v.s.len = b;
        mn.v.s.ptr = NULL; /* set by the caller once `pre` is at its final place */
        mx.v.s.ptr = NULL;
    }
    bi->min = mn;
    bi->max = mx;
}

int floe_column_writer_add(floe_column_writer *w, const floe_vec *v, int force_enc, int lz4,
                           floe_err *err)
{
    floe_block_info bi;
    uint32_t n = v->n, nulls = floe_vec_null_count(v);
    size_t words = FLOE_BITMAP_WORDS(n);
    const uint8_t *stored;
    size_t stored_len;
    uint8_t enc = FLOE_ENC_PLAIN;
    int rc;

    if (n == 0 || n > FLOE_BLOCK_ROWS_MAX || (v->flags & FLOE_VEC_CONST))
        return floe_err_set(err, FLOE_MISUSE, "%s: bad block of %u rows", w->path, n);
    if (w->nblocks == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 16;
        floe_block_info *nb = floe_realloc(w->blocks, (size_t)cap * sizeof *nb);
        if (nb == NULL) return floe_err_nomem(err);
        w->blocks = nb;
        char(*np)[2][FLOE_STAT_PREFIX] = floe_realloc(w->prefix, (size_t)cap * sizeof *np);
        if (np == NULL) return floe_err_nomem(err);
        w->prefix = np;
        w->cap = cap;
        /* VARCHAR min/max point into prefix[]: re-point after the move */
        for (uint32_t i = 0; w->type.id == FLOE_TYPE_VARCHAR && i < w->nblocks; i++) {
            w->blocks[i].min.v.s.ptr = w->prefix[i][0];
            w->blocks[i].max.v.s.ptr = w->prefix[i][1];
        }
    }
    memset(&bi, 0, sizeof bi);
    bi.rows = n;
    bi.nulls = nulls;
    block_minmax(v, &bi, w->prefix[w->nblocks]);
    if (w->type.id == FLOE_TYPE_VARCHAR) {
        bi.min.v.s.ptr = w->prefix[w->nblocks][0];
        bi.max.v.s.ptr = w->prefix[w->nblocks][1];
    }

    w->body.len = 0;
    if (nulls) {
        rc = floe_encode_buf_reserve(&w->body, words * 8, err);
        if (rc) return rc;
        memcpy(w->body.p, v->validity, words * 8);
        if (n % 64) /* clear bits past n so the bytes are deterministic */
            ((uint64_t *)w->body.p)[words - 1] &= (1ULL << (n % 64)) - 1;
        w->body.len = words * 8;
    }
    rc = floe_encode_values(v->type, v->data, nulls ? v->validity : NULL, n, force_enc, &w->body,
                            &enc, err);
    if (rc) return rc;
    if (w->body.len > (size_t)INT32_MAX)
        return floe_err_set(err, FLOE_RANGE, "%s: block of %zu bytes is too large", w->path,
                            w->body.len);
    bi.encoding = enc;
    bi.raw = (uint32_t)w->body.len;
    rc = floe_compress_block(&w->comp, v->type, enc, lz4, w->body.p, w->body.len, &stored,
                             &stored_len, &bi.flags, err);
    if (rc) return rc;
    bi.offset = w->off;
    bi.stored = (uint32_t)stored_len;
    bi.checksum = floe_checksum32(stored, stored_len);
    rc = write_all(w->fd, stored, stored_len, w->path, err);
    if (rc) return rc;
    w->off += stored_len;
    w->rows += n;
    w->blocks[w->nblocks++] = bi;
    return FLOE_OK;
}

uint64_t floe_column_writer_bytes(const floe_column_writer *w) { return w->off; }
uint32_t floe_column_writer_nblocks(const floe_column_writer *w) { return w->nblocks; }
const floe_block_info *floe_column_writer_block(const floe_column_writer *w, uint32_t i)
{
    return i < w->nblocks ? &w->blocks[i] : NULL;
}

static int footer_build(floe_column_writer *w, floe_encbuf *f, floe_err *err)
{
    uint32_t i;
    int rc = floe_encode_buf_reserve(f, FLOE_COL_FOOTER_FIXED, err);
    if (rc) return rc;
    memcpy(f->p, &w->nblocks, 4);
    memcpy(f->p + 4, &w->rows, 8);
    f->len = FLOE_COL_FOOTER_FIXED;
    for (i = 0; i < w->nblocks; i++) {
        const floe_block_info *b = &w->blocks[i];
        uint8_t *p;
        rc = floe_encode_buf_reserve(f, FLOE_COL_ENTRY_FIXED + 2 + 2 * FLOE_STAT_PREFIX + 16, err);
        if (rc) return rc;
        p = f->p + f->len;
        memcpy(p, &b->offset, 8);
        memcpy(p + 8, &b->stored, 4);
        memcpy(p + 12, &b->raw, 4);
        memcpy(p + 16, &b->rows, 4);
        memcpy(p + 20, &b->nulls, 4);
        memcpy(p + 24, &b->checksum, 4);
        p[28] = b->encoding;
        p[29] = b->flags;
        f->len += FLOE_COL_ENTRY_FIXED;
        if (!(b->flags & FLOE_BLOCK_MINMAX)) continue;
        if (w->type.id == FLOE_TYPE_VARCHAR) {
            f->p[f->len++] = (uint8_t)b->min.v.s.len;
            memcpy(f->p + f->len, b->min.v.s.ptr, b->min.v.s.len);
            f->len += b->min.v.s.len;
            f->p[f->len++] = (uint8_t)b->max.v.s.len;
            memcpy(f->p + f->len, b->max.v.s.ptr, b->max.v.s.len);
            f->len += b->max.v.s.len;
        } else {
            memcpy(f->p + f->len, &b->min.v, 8); /* int64 or double bits */
            memcpy(f->p + f->len + 8, &b->max.v, 8);
            f->len += 16;
        }
    }
    return FLOE_OK;
}

int floe_column_writer_finish(floe_column_writer *w, floe_err *err)
{
    floe_encbuf f = {NULL, 0, 0};
    uint8_t tr[FLOE_COL_TRAILER_SIZE];
    uint32_t size, sum, magic = FLOE_COL_MAGIC;
    int rc = footer_build(w, &f, err);
    if (rc) goto out;
    size = (uint32_t)f.len;
    sum = floe_checksum32(f.p, f.len);
    memcpy(tr, &w->off, 8);
    memcpy(tr + 8, &size, 4);
    memcpy(tr + 12, &sum, 4);
    memcpy(tr + 16, &magic, 4);
    rc = write_all(w->fd, f.p, f.len, w->path, err);
    if (rc) goto out;
    rc = write_all(w->fd, tr, sizeof tr, w->path, err);
    if (rc) goto out;
    w->off += f.len + sizeof tr;
    rc = floe_os_fsync(w->fd, w->path, err);
    if (rc) goto out;
    rc = floe_os_close(w->fd, w->path, err);
    w->fd = -1;
    if (rc) goto out;
out:
    floe_encode_buf_free(&f);
    floe_column_writer_abort(w);
    return rc;
}

void floe_column_writer_abort(floe_column_writer *w)
{
    if (w == NULL) return;
    floe_os_close(w->fd, w->path, NULL);
    floe_free(w->path);
    floe_free(w->blocks);
    floe_free(w->prefix);
    floe_encode_buf_free(&w->body);
    floe_compressor_free(&w->comp);
    floe_free(w);
}

/* --------------------------------------------------------------- reader */

struct floe_column_reader {
    int fd;
    char *name;
    floe_type type;
    uint64_t rows, file_bytes, footer_off;
    uint32_t nblocks;
    floe_block_info *blocks;
    uint8_t *footer; /* raw footer; VARCHAR min/max point into it */
};

#define RCORRUPT(...) floe_err_set(err, FLOE_CORRUPT, __VA_ARGS__)

static int parse_footer(floe_column_reader *r, floe_err *err)
{
    const uint8_t *p = r->footer;
    size_t len, off = FLOE_COL_FOOTER_FIXED;
    uint64_t rows = 0, prev_end = FLOE_COL_HEADER_SIZE;
    uint32_t i;
    len = (size_t)(r->file_bytes - FLOE_COL_TRAILER_SIZE - r->footer_off);
    memcpy(&r->nblocks, p, 4);
    memcpy(&r->rows, p + 4, 8);
    if (r->nblocks > (len - FLOE_COL_FOOTER_FIXED) / FLOE_COL_ENTRY_FIXED)
        return RCORRUPT("%s: footer: %u blocks do not fit", r->name, r->nblocks);
    r->blocks = floe_calloc(r->nblocks ? r->nblocks : 1, sizeof *r->blocks);
    if (r->blocks == NULL) return floe_err_nomem(err);
    for (i = 0; i < r->nblocks; i++) {
        floe_block_info *b = &r->blocks[i];
        if (len - off < FLOE_COL_ENTRY_FIXED)
            return RCORRUPT("%s: footer: block %u entry truncated", r->name, i);
        memcpy(&b->offset, p + off, 8);
        memcpy(&b->stored, p + off + 8, 4);
        memcpy(&b->raw, p + off + 12, 4);
        memcpy(&b->rows, p + off + 16, 4);
        memcpy(&b->nulls, p + off + 20, 4);
        memcpy(&b->checksum, p + off + 24, 4);
        b->encoding = p[off + 28];
        b->flags = p[off + 29];
        off += FLOE_COL_ENTRY_FIXED;
        if (b->rows == 0 || b->rows > FLOE_BLOCK_ROWS_MAX || b->nulls > b->rows ||
            b->offset != prev_end || b->stored > r->footer_off - b->offset ||
            b->encoding >= FLOE_ENC_COUNT || !floe_encode_applies(r->type, b->encoding) ||
            (b->flags & FLOE_BLOCK_LZ4 && b->flags & FLOE_BLOCK_ZSTD) ||
            (!(b->flags & (FLOE_BLOCK_LZ4 | FLOE_BLOCK_ZSTD)) && b->raw != b->stored))
            return RCORRUPT("%s: block %u: bad index entry", r->name, i);
        prev_end = b->offset + b->stored;
        rows += b->rows;
        b->min = b->max = floe_value_null(r->type);
        if (!(b->flags & FLOE_BLOCK_MINMAX)) continue;
        b->min.is_null = b->max.is_null = false;
        if (r->type.id == FLOE_TYPE_VARCHAR) {
            uint8_t l;
            if (len - off < 1 || (l = p[off]) > FLOE_STAT_PREFIX || len - off - 1 < l)
                return RCORRUPT("%s: block %u: bad min statistic", r->name, i);
            b->min.v.s.ptr = (const char *)p + off + 1;
            b->min.v.s.len = l;
            off += 1 + (size_t)l;
            if (len - off < 1 || (l = p[off]) > FLOE_STAT_PREFIX || len - off - 1 < l)
                return RCORRUPT("%s: block %u: bad max statistic", r->name, i);
            b->max.v.s.ptr = (const char *)p + off + 1;
            b->max.v.s.len = l;
            off += 1 + (size_t)l;
        } else {
            if (len - off < 16 || !has_stats(r->type))
                return RCORRUPT("%s: block %u: bad statistics", r->name, i);
            memcpy(&b->min.v, p + off, 8);
            memcpy(&b->max.v, p + off + 8, 8);
            off += 16;
        }
    }
    if (off != len) return RCORRUPT("%s: footer: %zu trailing bytes", r->name, len - off);
    if (rows != r->rows) return RCORRUPT("%s: footer: row count mismatch", r->name);
    if (prev_end != r->footer_off) return RCORRUPT("%s: footer: blocks do not end at the footer", r->name);
    return FLOE_OK;
}

int floe_column_reader_open(const char *path, const char *name, uint32_t col_id, floe_type type,
                            floe_column_reader **out, floe_err *err)
{
    floe_column_reader *r;
    struct stat st;
    uint8_t h[FLOE_COL_HEADER_SIZE], tr[FLOE_COL_TRAILER_SIZE], want[FLOE_COL_HEADER_SIZE];
    uint32_t fsize, fsum, magic;
    int rc;

    *out = NULL;
    r = floe_calloc(1, sizeof *r);
    if (r == NULL) return floe_err_nomem(err);
    r->type = type;
    r->name = floe_strdup(name);
    r->fd = -1;
    if (r->name == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    if (floe_os_open(path, O_RDONLY, 0, &r->fd, NULL) != FLOE_OK) {
        rc = floe_err_set(err, errno == ENOENT ? FLOE_CORRUPT : FLOE_IOERR, "%s: open: %s",
                          name, strerror(errno));
        goto fail;
    }
    rc = floe_os_fstat(r->fd, &st, name, err);
    if (rc) goto fail;
    r->file_bytes = (uint64_t)st.st_size;
    if (r->file_bytes < FLOE_COL_HEADER_SIZE + FLOE_COL_TRAILER_SIZE + FLOE_COL_FOOTER_FIXED) {
        rc = RCORRUPT("%s: file is truncated (%llu bytes)", name, (unsigned long long)r->file_bytes);
        goto fail;
    }
    rc = pread_all(r->fd, h, sizeof h, 0, name, err);
    if (rc) goto fail;
    header_bytes(want, col_id, type);
    if (memcmp(h, want, 4) != 0) {
        rc = RCORRUPT("%s: header: bad magic", name);
        goto fail;
    }
    if (memcmp(h, want, sizeof h) != 0) {
        rc = RCORRUPT("%s: header: checksum, version, type or column id mismatch", name);
        goto fail;
    }
    rc = pread_all(r->fd, tr, sizeof tr, r->file_bytes - sizeof tr, name, err);
    if (rc) goto fail;
    memcpy(&r->footer_off, tr, 8);
    memcpy(&fsize, tr + 8, 4);
    memcpy(&fsum, tr + 12, 4);
    memcpy(&magic, tr + 16, 4);
    if (magic != FLOE_COL_MAGIC) {
        rc = RCORRUPT("%s: trailer: bad magic (file truncated?)", name);
        goto fail;
    }
    if (r->footer_off < FLOE_COL_HEADER_SIZE ||
        r->footer_off > r->file_bytes - FLOE_COL_TRAILER_SIZE - FLOE_COL_FOOTER_FIXED ||
        r->footer_off + fsize + FLOE_COL_TRAILER_SIZE != r->file_bytes) {
        rc = RCORRUPT("%s: trailer: bad footer offset/size", name);
        goto fail;
    }
    r->footer = floe_malloc(fsize);
    if (r->footer == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    rc = pread_all(r->fd, r->footer, fsize, r->footer_off, name, err);
    if (rc) goto fail;
    if (floe_checksum32(r->footer, fsize) != fsum) {
        rc = RCORRUPT("%s: footer: checksum mismatch", name);
        goto fail;
    }
    rc = parse_footer(r, err);
    if (rc) goto fail;
    *out = r;
    return FLOE_OK;
fail:
    floe_column_reader_close(r);
    return rc;
}

void floe_column_reader_close(floe_column_reader *r)
{
    if (r == NULL) return;
    floe_os_close(r->fd, r->name, NULL);
    floe_free(r->name);
    floe_free(r->blocks);
    floe_free(r->footer);
    floe_free(r);
}

uint32_t floe_column_reader_nblocks(const floe_column_reader *r) { return r->nblocks; }
uint64_t floe_column_reader_rows(const floe_column_reader *r) { return r->rows; }
uint64_t floe_column_reader_file_bytes(const floe_column_reader *r) { return r->file_bytes; }
const floe_block_info *floe_column_reader_block(const floe_column_reader *r, uint32_t b)
{
    return b < r->nblocks ? &r->blocks[b] : NULL;
}

/* Read, verify and decompress block b's body into *out_body (free with
 * floe_free). */
static int load_body(const floe_column_reader *r, uint32_t b, uint8_t **out_body,
                     floe_err *err)
{
    const floe_block_info *bi = &r->blocks[b];
    uint8_t *st, *raw;
    int rc;
    *out_body = NULL;
    st = floe_malloc(bi->stored ? bi->stored : 1);
    if (st == NULL) return floe_err_nomem(err);
    rc = pread_all(r->fd, st, bi->stored, bi->offset, r->name, err);
    if (rc) {
        floe_free(st);
        return rc;
    }
    if (floe_checksum32(st, bi->stored) != bi->checksum) {
        floe_free(st);
        return RCORRUPT("%s: block %u: checksum mismatch", r->name, b);
    }
    if (!(bi->flags & (FLOE_BLOCK_LZ4 | FLOE_BLOCK_ZSTD))) {
        *out_body = st;
        return FLOE_OK;
    }
    if (bi->raw > (1u << 30)) {
        floe_free(st);
        return RCORRUPT("%s: block %u: raw size %u too large", r->name, b, bi->raw);
    }
    raw = floe_malloc(bi->raw ? bi->raw : 1);
    if (raw == NULL) {
        floe_free(st);
        return floe_err_nomem(err);
    }
    rc = floe_decompress_block(bi->flags, st, bi->stored, raw, bi->raw);
    if (rc) {
        floe_free(st);
        floe_free(raw);
        if (rc == FLOE_NOMEM) return floe_err_nomem(err);
        return RCORRUPT("%s: block %u: %s data is corrupt", r->name, b,
                        bi->flags & FLOE_BLOCK_ZSTD ? "zstd" : "LZ4");
    }
    floe_free(st);
    *out_body = raw;
    return FLOE_OK;
}

/* Split a body into validity (copied into v) and value bytes. */
/* Copy block b's validity bitmap (the body's first words; the block has
 * NULLs) into dst, checked against the block's NULL count. */
static int copy_bitmap(const floe_column_reader *r, uint32_t b, const uint8_t *body, uint64_t *dst,
                       floe_err *err)
{
    const floe_block_info *bi = &r->blocks[b];
    size_t words = FLOE_BITMAP_WORDS(bi->rows), i;
    uint32_t valid = 0;
    memcpy(dst, body, words * 8);
    if (bi->rows % 64) dst[words - 1] &= (1ULL << (bi->rows % 64)) - 1;
    for (i = 0; i < words; i++) valid += (uint32_t)__builtin_popcountll(dst[i]);
    if (valid != bi->rows - bi->nulls)
        return RCORRUPT("%s: block %u: validity does not match NULL count", r->name, b);
    return FLOE_OK;
}

/* Bytes of block b's body taken by its validity bitmap (0 without NULLs);
 * FLOE_CORRUPT when the body is too short for it. */
static int bitmap_bytes(const floe_column_reader *r, uint32_t b, size_t *skip, floe_err *err)
{
    const floe_block_info *bi = &r->blocks[b];
    size_t words = FLOE_BITMAP_WORDS(bi->rows);
    *skip = 0;
    if (bi->nulls == 0) return FLOE_OK;
    if (bi->raw < words * 8) return RCORRUPT("%s: block %u: validity truncated", r->name, b);
    *skip = words * 8;
    return FLOE_OK;
}

static int take_validity(const floe_column_reader *r, uint32_t b, const uint8_t *body,
                         floe_vec *v, size_t *skip, floe_err *err)
{
    int rc = bitmap_bytes(r, b, skip, err);
    if (rc || *skip == 0) return rc;
    if (floe_vec_ensure_validity(v)) return floe_err_nomem(err);
    return copy_bitmap(r, b, body, v->validity, err);
}

/* Decode block b's loaded body into *out (see floe_column_reader_read). */
static int decode_body(const floe_column_reader *r, uint32_t b, const uint8_t *body, floe_vec *out,
                       floe_err *err)
{
    const floe_block_info *bi = &r->blocks[b];
    size_t skip;
    floe_arena *heap = NULL;
    int rc;
    if (floe_vec_init(out, r->type, bi->rows)) {
        rc = floe_err_nomem(err);
        goto out;
    }
    rc = take_validity(r, b, body, out, &skip, err);
    if (rc) goto out;
    if (r->type.id == FLOE_TYPE_VARCHAR && (heap = floe_vec_heap(out)) == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    rc = floe_decode_values(r->type, bi->encoding, body + skip, bi->raw - skip, bi->rows,
                            out->data, heap, err);
    if (rc) {
        if (rc == FLOE_CORRUPT) floe_err_prefix(err, "%s: block %u: ", r->name, b);
        goto out;
    }
    out->n = bi->rows;
out:
    if (rc) floe_vec_free(out);
    return rc;
}

int floe_column_reader_read(const floe_column_reader *r, uint32_t b, floe_vec *out, floe_err *err)
{
    uint8_t *body = NULL;
    int rc;
    memset(out, 0, sizeof *out);
    if (b >= r->nblocks)
        return floe_err_set(err, FLOE_MISUSE, "%s: block %u of %u", r->name, b, r->nblocks);
    rc = load_body(r, b, &body, err);
    if (rc) return rc;
    rc = decode_body(r, b, body, out, err);
    floe_free(body);
    return rc;
}

int floe_column_reader_read_dict(const floe_column_reader *r, uint32_t b, floe_vec *codes,
                                 floe_vec *dict, floe_err *err)
{
    const floe_block_info *bi;
    uint8_t *body = NULL;
    size_t skip;
    int rc;
    memset(codes, 0, sizeof *codes);
    memset(dict, 0, sizeof *dict);
    if (b >= r->nblocks)
        return floe_err_set(err, FLOE_MISUSE, "%s: block %u of %u", r->name, b, r->nblocks);
    bi = &r->blocks[b];
    if (bi->encoding != FLOE_ENC_DICT)
        return floe_err_set(err, FLOE_NOTFOUND, "%s: block %u is not dictionary-encoded", r->name, b);
    rc = load_body(r, b, &body, err);
    if (rc) return rc;
    if (floe_vec_init(codes, floe_type_make(FLOE_TYPE_INTEGER), bi->rows)) {
        rc = floe_err_nomem(err);
        goto out;
    }
    rc = take_validity(r, b, body, codes, &skip, err);
    if (rc) goto out;
    rc = floe_decode_dict(r->type, bi->encoding, body + skip, bi->raw - skip, bi->rows,
                          codes->data, dict, err);
    if (rc) {
        if (rc == FLOE_CORRUPT) floe_err_prefix(err, "%s: block %u: ", r->name, b);
        goto out;
    }
    codes->n = bi->rows;
out:
    floe_free(body);
    if (rc) {
        floe_vec_free(codes);
        floe_vec_free(dict);
    }
    return rc;
}

/* ------------------------------------------------------------ block cursor */

struct floe_block_cursor {
    floe_type type;
    uint8_t *body;          /* decompressed block body (streaming) */
    uint64_t *validity;     /* the block's bitmap, or NULL (no NULLs) */
    floe_vec whole;         /* the block decoded at open (not streaming) */
    int streaming;
    floe_decode_stream st;
    uint64_t *buf;          /* FLOE_VEC_SIZE values (streaming) */
};

void floe_block_cursor_free(floe_block_cursor *c)
{
    if (c == NULL) return;
    floe_free(c->body);
    floe_free(c->validity);
    floe_vec_free(&c->whole);
    floe_free_aligned(c->buf);
    floe_free(c);
}

int floe_column_reader_open_block(const floe_column_reader *r, uint32_t b, floe_block_cursor **out,
                                  floe_err *err)
{
    const floe_block_info *bi;
    floe_block_cursor *c;
    size_t skip = 0;
    int rc;
    *out = NULL;
    if (b >= r->nblocks)
        return floe_err_set(err, FLOE_MISUSE, "%s: block %u of %u", r->name, b, r->nblocks);
    bi = &r->blocks[b];
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    c->type = r->type;
    rc = load_body(r, b, &c->body, err);
    if (rc == FLOE_OK) rc = bitmap_bytes(r, b, &skip, err);
    if (rc) goto fail;
    rc = floe_decode_stream_init(&c->st, r->type, bi->encoding, c->body + skip, bi->raw - skip, bi->rows,
                                 err);
    if (rc == FLOE_NOTFOUND) { /* not a streaming encoding: decode the block now */
        rc = decode_body(r, b, c->body, &c->whole, err);
        floe_free(c->body);
        c->body = NULL;
        if (rc) goto fail;
        *out = c;
        return FLOE_OK;
    }
    if (rc) {
        if (rc == FLOE_CORRUPT) floe_err_prefix(err, "%s: block %u: ", r->name, b);
        goto fail;
    }
    if (skip) {
        c->validity = floe_malloc(skip);
        if (c->validity == NULL) {
            rc = floe_err_nomem(err);
            goto fail;
        }
        if ((rc = copy_bitmap(r, b, c->body, c->validity, err)) != FLOE_OK) goto fail;
    }
    c->buf = floe_malloc_aligned(FLOE_VEC_SIZE * sizeof *c->buf);
    if (c->buf == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    c->streaming = 1;
    *out = c;
    return FLOE_OK;
fail:
    floe_block_cursor_free(c);
    return rc;
}

void floe_block_cursor_read(floe_block_cursor *c, uint32_t from, uint32_t m, const void **data,
                            const uint64_t **validity)
{
    if (!c->streaming) {
        *data = (const char *)c->whole.data + (size_t)from * floe_type_size(c->type);
        *validity = c->whole.validity ? c->whole.validity + from / 64 : NULL;
        return;
    }
    floe_decode_stream_read(&c->st, from, m, c->buf);
    *data = c->buf;
    *validity = c->validity ? c->validity + from / 64 : NULL;
}
