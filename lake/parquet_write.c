/* lake/parquet_write.c: the Parquet writer (see parquet_write.h).
 *
 * Per row group and column: the buffered values (floe layout, strings in the
 * writer's arena) are encoded into pages (levels + values), compressed,
 * written after a Thrift PageHeader; the chunk's metadata (offsets, sizes,
 * statistics) is kept for the footer written at close.
 */
#include "lake/parquet_write.h"

#include <fcntl.h>
#include <snappy-c.h>
#include <string.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include "lake/parquet_format.h"
#include "lake/thrift.h"
#include "util/arena.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"

typedef struct wcol {
    char *name;
    floe_type type;
    uint8_t *data;     /* buffered values */
    uint8_t *valid;    /* one byte per row */
    uint32_t n, cap;
} wcol;

typedef struct wchunk { /* footer metadata of one written chunk */
    int64_t data_off, dict_off, num_values, usize, csize, nulls;
    bool has_dict, has_stats;
    uint8_t min[16], max[16];
    const char *smin, *smax; /* VARCHAR stats (arena) */
    uint32_t nmin, nmax;
} wchunk;

struct floe_pq_writer {
    char *path;
    int fd;
    uint64_t off;
    floe_pq_write_options opt;
    uint32_t ncols;
    wcol *cols;
    floe_arena *heap;    /* buffered strings of the current row group */
    floe_arena *meta;    /* statistics strings for the footer */
    wchunk *chunks;      /* nrg * ncols */
    int64_t *rg_rows;
    uint32_t nrg, rg_cap;
    int64_t nrows;
};

static int phys_of(floe_type t)
{
    switch (t.id) {
    case FLOE_TYPE_BOOLEAN: return PQ_BOOLEAN;
    case FLOE_TYPE_INTEGER: case FLOE_TYPE_DATE: return PQ_INT32;
    case FLOE_TYPE_BIGINT: case FLOE_TYPE_DECIMAL: case FLOE_TYPE_TIMESTAMP: return PQ_INT64;
    case FLOE_TYPE_DOUBLE: return PQ_DOUBLE;
    case FLOE_TYPE_VARCHAR: return PQ_BYTE_ARRAY;
    default: return -1;
    }
}

int floe_pq_writer_open(const char *path, uint32_t ncols, const char *const *names, const floe_type *types,
                        const floe_pq_write_options *opt, floe_pq_writer **out, floe_err *err)
{
    floe_pq_writer *w;
    int rc;
    *out = NULL;
    for (uint32_t i = 0; i < ncols; i++) {
        char buf[64];
        if (phys_of(types[i]) < 0)
            return floe_err_set(err, FLOE_UNSUPPORTED, "parquet writer: column '%s': type %s is not supported",
                                names[i], floe_type_name(types[i], buf, sizeof buf));
    }
    if (opt && opt->codec != PQ_CODEC_UNCOMPRESSED && opt->codec != PQ_CODEC_SNAPPY &&
        opt->codec != PQ_CODEC_ZSTD && opt->codec != PQ_CODEC_GZIP && opt->codec != PQ_CODEC_LZ4_RAW)
        return floe_err_set(err, FLOE_UNSUPPORTED, "parquet writer: codec %d is not supported", opt->codec);
    w = floe_calloc(1, sizeof *w);
    if (w == NULL) return floe_err_nomem(err);
    w->fd = -1;
    if (opt) w->opt = *opt;
    if (w->opt.row_group_rows == 0) w->opt.row_group_rows = 122880;
    if (w->opt.zstd_level == 0) w->opt.zstd_level = 3;
    w->ncols = ncols;
    w->path = floe_strdup(path);
    w->cols = floe_calloc(ncols ? ncols : 1, sizeof *w->cols);
    w->heap = floe_arena_new(0);
    w->meta = floe_arena_new(0);
    if (!w->path || !w->cols || !w->heap || !w->meta) {
        floe_pq_writer_abort(w);
        return floe_err_nomem(err);
    }
    for (uint32_t i = 0; i < ncols; i++) {
        w->cols[i].type = types[i];
        w->cols[i].name = floe_strdup(names[i]);
        if (w->cols[i].name == NULL) {
            floe_pq_writer_abort(w);
            return floe_err_nomem(err);
        }
    }
    if ((rc = floe_os_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &w->fd, err)) ||
        (rc = floe_os_write_all(w->fd, PQ_MAGIC, 4, path, err))) {
        floe_pq_writer_abort(w);
        return rc;
    }
    w->off = 4;
    *out = w;
    return FLOE_OK;
}

/* ---- encoding helpers ---- */

typedef floe_thrift_w buf; /* a growable byte buffer */

static void put_u32(buf *b, uint32_t v) { floe_thrift_w_bytes(b, &v, 4); }

/* RLE/bit-packed hybrid of n values of width bw (see the reader). */
static void rle_encode(buf *b, const uint32_t *v, uint32_t n, int bw)
{
    uint32_t i = 0;
    size_t vbytes = ((size_t)bw + 7) / 8;
    while (i < n) {
        uint32_t r = 1;
        while (i + r < n && v[i + r] == v[i]) r++;
        if (r >= 8) {
            floe_thrift_w_varint(b, (uint64_t)r << 1);
            floe_thrift_w_bytes(b, &v[i], vbytes); /* little-endian */
            i += r;
            continue;
        }
        /* bit-packed groups of 8 until a run of 8 starts at a group boundary */
        uint32_t start = i, groups = 0;
        do {
            groups++;
            i += 8;
            if (i >= n) break;
            r = 1;
            while (i + r < n && v[i + r] == v[i]) r++;
        } while (r < 8 && groups < 63);
        floe_thrift_w_varint(b, ((uint64_t)groups << 1) | 1);
        uint64_t acc = 0;
        int nb = 0;
        for (uint32_t j = start; j < start + groups * 8; j++) {
            uint64_t x = j < n ? v[j] : 0;
            acc |= x << nb;
            nb += bw;
            while (nb >= 8) {
                uint8_t byte = (uint8_t)acc;
                floe_thrift_w_bytes(b, &byte, 1);
                acc >>= 8;
                nb -= 8;
            }
        }
        if (i > n) i = n;
    }
}

static int compress_into(floe_pq_writer *w, const buf *u, buf *c, floe_err *err)
{
    c->n = 0;
    if (w->opt.codec == PQ_CODEC_UNCOMPRESSED) {
        floe_thrift_w_bytes(c, u->p, u->n);
    } else if (w->opt.codec == PQ_CODEC_SNAPPY) {
        size_t bound = snappy_max_compressed_length(u->n), got = bound;
        floe_thrift_w_bytes(c, NULL, 0);
        if (c->rc == FLOE_OK && c->cap < bound) {
            uint8_t *np = floe_realloc(c->p, bound);
            if (np == NULL) return floe_err_nomem(err);
            c->p = np, c->cap = bound;
        }
        if (snappy_compress((const char *)u->p, u->n, (char *)c->p, &got) != SNAPPY_OK)
            return floe_err_set(err, FLOE_ERROR, "parquet writer: snappy failed");
        c->n = got;
    } else if (w->opt.codec == PQ_CODEC_GZIP) {
        z_stream zs;
        uLong bound = compressBound((uLong)u->n) + 64;
        int zr;
        if (c->cap < bound) {
            uint8_t *np = floe_realloc(c->p, bound);
            if (np == NULL) return floe_err_nomem(err);
            c->p = np, c->cap = bound;
        }
        memset(&zs, 0, sizeof zs);
        if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return floe_err_set(err, FLOE_NOMEM, "parquet writer: gzip init failed");
        zs.next_in = (Bytef *)u->p;
        zs.avail_in = (uInt)u->n;
        zs.next_out = c->p;
        zs.avail_out = (uInt)c->cap;
        zr = deflate(&zs, Z_FINISH);
        c->n = zs.total_out;
        deflateEnd(&zs);
        if (zr != Z_STREAM_END) return floe_err_set(err, FLOE_ERROR, "parquet writer: gzip failed");
    } else if (w->opt.codec == PQ_CODEC_LZ4_RAW) {
        int bound = LZ4_compressBound((int)u->n), got;
        if (u->n > (size_t)LZ4_MAX_INPUT_SIZE) return floe_err_set(err, FLOE_RANGE, "parquet writer: page too large for lz4");
        if (c->cap < (size_t)bound) {
            uint8_t *np = floe_realloc(c->p, (size_t)bound);
            if (np == NULL) return floe_err_nomem(err);
            c->p = np, c->cap = (size_t)bound;
        }
        got = LZ4_compress_default((const char *)u->p, (char *)c->p, (int)u->n, bound);
        if (got <= 0) return floe_err_set(err, FLOE_ERROR, "parquet writer: lz4 failed");
        c->n = (size_t)got;
    } else {
        size_t bound = ZSTD_compressBound(u->n), got;
        if (c->cap < bound) {
            uint8_t *np = floe_realloc(c->p, bound);
            if (np == NULL) return floe_err_nomem(err);
            c->p = np, c->cap = bound;
        }
        got = ZSTD_compress(c->p, bound, u->p, u->n, w->opt.zstd_level);
        if (ZSTD_isError(got)) return floe_err_set(err, FLOE_ERROR, "parquet writer: zstd: %s", ZSTD_getErrorName(got));
        c->n = got;
    }
    return floe_thrift_w_status(c, err);
}

/* Write one page: header (type, sizes, sub-header) + compressed body. */
static int write_page(floe_pq_writer *w, int type, const buf *u, uint32_t nvalues, int encoding, buf *c,
                      wchunk *ch, floe_err *err)
{
    buf h;
    int16_t last = 0, l2 = 0;
    int rc;
    if ((rc = compress_into(w, u, c, err))) return rc;
    if (u->n > INT32_MAX || c->n > INT32_MAX) return floe_err_set(err, FLOE_RANGE, "parquet writer: page too large");
    floe_thrift_w_init(&h);
    floe_thrift_w_i32(&h, &last, 1, type);
    floe_thrift_w_i32(&h, &last, 2, (int32_t)u->n);
    floe_thrift_w_i32(&h, &last, 3, (int32_t)c->n);
    floe_thrift_w_field(&h, &last, type == PQ_PAGE_DICTIONARY ? 7 : 5, FLOE_TT_STRUCT);
    floe_thrift_w_i32(&h, &l2, 1, (int32_t)nvalues);
    floe_thrift_w_i32(&h, &l2, 2, encoding);
    if (type == PQ_PAGE_DATA) {
        floe_thrift_w_i32(&h, &l2, 3, PQ_ENC_RLE);
        floe_thrift_w_i32(&h, &l2, 4, PQ_ENC_RLE);
    }
    floe_thrift_w_stop(&h);
    floe_thrift_w_stop(&h);
    if ((rc = floe_thrift_w_status(&h, err)) == FLOE_OK &&
        (rc = floe_os_write_all(w->fd, h.p, h.n, w->path, err)) == FLOE_OK)
        rc = floe_os_write_all(w->fd, c->p, c->n, w->path, err);
    if (rc == FLOE_OK) {
        w->off += h.n + c->n;
        ch->usize += (int64_t)(h.n + u->n);
        ch->csize += (int64_t)(h.n + c->n);
    }
    floe_thrift_w_free(&h);
    return rc;
}

static void plain_value(buf *b, floe_type t, const uint8_t *data, uint32_t i)
{
    switch (t.id) {
    case FLOE_TYPE_INTEGER: case FLOE_TYPE_DATE: floe_thrift_w_bytes(b, data + 4 * (size_t)i, 4); break;
    case FLOE_TYPE_VARCHAR: {
        const floe_string *s = (const floe_string *)data + i;
        put_u32(b, s->len);
        floe_thrift_w_bytes(b, s->ptr, s->len);
        break;
    }
    default: floe_thrift_w_bytes(b, data + 8 * (size_t)i, 8); break;
    }
}

static int cmp_val(floe_type t, const uint8_t *data, uint32_t a, uint32_t b)
{
    floe_value x, y;
    floe_value_load(t, data, a, &x);
    floe_value_load(t, data, b, &y);
    if (t.id == FLOE_TYPE_VARCHAR) { /* unsigned bytewise: Parquet's order */
        size_t n = x.v.s.len < y.v.s.len ? x.v.s.len : y.v.s.len;
        int c = n ? memcmp(x.v.s.ptr, y.v.s.ptr, n) : 0;
        return c ? c : (x.v.s.len > y.v.s.len) - (x.v.s.len < y.v.s.len);
    }
    return floe_value_cmp(&x, &y);
}

/* Statistics of the valid values (NaN doubles make no min/max). */
static int chunk_stats(floe_pq_writer *w, const wcol *col, wchunk *ch, floe_err *err)
{
    int64_t imin = -1, imax = -1;
    for (uint32_t i = 0; i < col->n; i++) {
        if (!col->valid[i]) { ch->nulls++; continue; }
        if (col->type.id == FLOE_TYPE_DOUBLE) {
            double d = ((const double *)col->data)[i];
            if (d != d) { imin = imax = -2; break; }
        }
        if (imin == -1 || cmp_val(col->type, col->data, i, (uint32_t)imin) < 0) imin = i;
        if (imax == -1 || cmp_val(col->type, col->data, i, (uint32_t)imax) > 0) imax = i;
    }
    if (imin < 0) return FLOE_OK;
    ch->has_stats = true;
    if (col->type.id == FLOE_TYPE_VARCHAR) {
        const floe_string *s = (const floe_string *)col->data;
        char *mn = floe_arena_alloc(w->meta, s[imin].len + 1u), *mx = floe_arena_alloc(w->meta, s[imax].len + 1u);
        if (!mn || !mx) return floe_err_nomem(err);
        if (s[imin].len) memcpy(mn, s[imin].ptr, s[imin].len);
        if (s[imax].len) memcpy(mx, s[imax].ptr, s[imax].len);
        ch->smin = mn, ch->smax = mx;
        ch->nmin = s[imin].len, ch->nmax = s[imax].len;
        return FLOE_OK;
    }
    buf b;
    floe_thrift_w_init(&b);
    if (col->type.id == FLOE_TYPE_BOOLEAN) {
        ch->min[0] = col->data[imin], ch->max[0] = col->data[imax];
        ch->nmin = ch->nmax = 1;
    } else {
        plain_value(&b, col->type, col->data, (uint32_t)imin);
        plain_value(&b, col->type, col->data, (uint32_t)imax);
        if (b.rc) { floe_thrift_w_free(&b); return floe_err_nomem(err); }
        ch->nmin = ch->nmax = (uint32_t)(b.n / 2);
        memcpy(ch->min, b.p, ch->nmin);
        memcpy(ch->max, b.p + ch->nmin, ch->nmax);
    }
    floe_thrift_w_free(&b);
    return FLOE_OK;
}

/* A dictionary of a VARCHAR chunk: codes per valid row; 0 when it does not pay. */
typedef struct wdict {
    uint32_t *slots; /* open addressing: entry+1 or 0 */
    uint32_t nslots, n;
    uint32_t *first; /* row of each entry */
    uint32_t *codes; /* per row */
} wdict;

static int build_dict(const wcol *col, uint32_t nvalid, wdict *d)
{
    const floe_string *s = (const floe_string *)col->data;
    uint32_t limit = nvalid / 2;
    memset(d, 0, sizeof *d);
    if (nvalid < 16) return FLOE_OK;
    d->nslots = 64;
    while (d->nslots < 2 * (limit + 1)) d->nslots *= 2;
    d->slots = floe_calloc(d->nslots, 4);
    d->first = floe_malloc(((size_t)limit + 1) * 4);
    d->codes = floe_malloc(((size_t)col->n + 1) * 4);
    if (!d->slots || !d->first || !d->codes) return FLOE_NOMEM;
    for (uint32_t i = 0; i < col->n; i++) {
        if (!col->valid[i]) { d->codes[i] = 0; continue; }
        uint64_t h = floe_hash64(s[i].ptr, s[i].len);
        uint32_t k = (uint32_t)h & (d->nslots - 1);
        for (;;) {
            uint32_t e = d->slots[k];
            if (e == 0) {
                if (d->n >= limit) { d->n = 0; return FLOE_OK; } /* does not pay */
                d->first[d->n] = i;
                d->slots[k] = ++d->n;
                d->codes[i] = d->n - 1;
                break;
            }
            const floe_string *o = &s[d->first[e - 1]];
            if (o->len == s[i].len && (o->len == 0 || memcmp(o->ptr, s[i].ptr, o->len) == 0)) {
                d->codes[i] = e - 1;
                break;
            }
            k = (k + 1) & (d->nslots - 1);
        }
    }
    return FLOE_OK;
}

static void free_dict(wdict *d)
{
    floe_free(d->slots);
    floe_free(d->first);
    floe_free(d->codes);
}

static int write_chunk(floe_pq_writer *w, const wcol *col, wchunk *ch, floe_err *err)
{
    buf u, c;
    wdict d;
    uint32_t nvalid = 0, *tmp = NULL;
    int rc;
    floe_thrift_w_init(&u);
    floe_thrift_w_init(&c);
    memset(ch, 0, sizeof *ch);
    ch->num_values = col->n;
    for (uint32_t i = 0; i < col->n; i++) nvalid += col->valid[i];
    if ((rc = chunk_stats(w, col, ch, err))) return rc;
    memset(&d, 0, sizeof d);
    tmp = floe_malloc(((size_t)(col->n < FLOE_PQW_PAGE_ROWS ? col->n : FLOE_PQW_PAGE_ROWS) + 1) * 4);
    if (tmp == NULL) { rc = floe_err_nomem(err); goto out; }
    if (col->type.id == FLOE_TYPE_VARCHAR && build_dict(col, nvalid, &d)) { rc = floe_err_nomem(err); goto out; }
    if (d.n > 0) {
        ch->has_dict = true;
        ch->dict_off = (int64_t)w->off;
        for (uint32_t e = 0; e < d.n; e++) plain_value(&u, col->type, col->data, d.first[e]);
        if ((rc = floe_thrift_w_status(&u, err)) ||
            (rc = write_page(w, PQ_PAGE_DICTIONARY, &u, d.n, PQ_ENC_PLAIN, &c, ch, err)))
            goto out;
    }
    ch->data_off = (int64_t)w->off;
    for (uint32_t p0 = 0; p0 < col->n || (p0 == 0 && col->n == 0); p0 += FLOE_PQW_PAGE_ROWS) {
        uint32_t pn = col->n - p0 < FLOE_PQW_PAGE_ROWS ? col->n - p0 : FLOE_PQW_PAGE_ROWS;
        size_t lenpos;
        uint32_t k = 0;
        u.n = 0;
        /* definition levels with their 4-byte length */
        put_u32(&u, 0);
        lenpos = u.n;
        for (uint32_t i = 0; i < pn; i++) tmp[i] = col->valid[p0 + i];
        rle_encode(&u, tmp, pn, 1);
        if (u.rc) { rc = floe_err_nomem(err); goto out; }
        uint32_t dl = (uint32_t)(u.n - lenpos);
        memcpy(u.p, &dl, 4);
        if (d.n > 0) {
            int bw = 0;
            while (bw < 32 && (1ULL << bw) < d.n) bw++;
            uint8_t b = (uint8_t)bw;
            for (uint32_t i = 0; i < pn; i++)
                if (col->valid[p0 + i]) tmp[k++] = d.codes[p0 + i];
            floe_thrift_w_bytes(&u, &b, 1);
            rle_encode(&u, tmp, k, bw);
        } else if (col->type.id == FLOE_TYPE_BOOLEAN) {
            uint8_t acc = 0;
            for (uint32_t i = 0; i < pn; i++) {
                if (!col->valid[p0 + i]) continue;
                acc |= (uint8_t)((col->data[p0 + i] & 1) << (k & 7));
                if ((++k & 7) == 0) { floe_thrift_w_bytes(&u, &acc, 1); acc = 0; }
            }
            if (k & 7) floe_thrift_w_bytes(&u, &acc, 1);
        } else {
            for (uint32_t i = 0; i < pn; i++)
                if (col->valid[p0 + i]) plain_value(&u, col->type, col->data, p0 + i);
        }
        if ((rc = floe_thrift_w_status(&u, err)) ||
            (rc = write_page(w, PQ_PAGE_DATA, &u, pn, d.n > 0 ? PQ_ENC_RLE_DICTIONARY : PQ_ENC_PLAIN, &c, ch, err)))
            goto out;
        if (col->n == 0) break;
    }
out:
    free_dict(&d);
    floe_free(tmp);
    floe_thrift_w_free(&u);
    floe_thrift_w_free(&c);
    return rc;
}

static int flush_rg(floe_pq_writer *w, floe_err *err)
{
    uint32_t n = w->ncols ? w->cols[0].n : 0;
    int rc;
    if (n == 0) return FLOE_OK;
    if (w->nrg == w->rg_cap) {
        uint32_t cap = w->rg_cap ? w->rg_cap * 2 : 8;
        wchunk *nc = floe_realloc(w->chunks, (size_t)cap * w->ncols * sizeof *nc);
        if (nc == NULL) return floe_err_nomem(err);
        w->chunks = nc;
        int64_t *nr = floe_realloc(w->rg_rows, (size_t)cap * sizeof *nr);
        if (nr == NULL) return floe_err_nomem(err);
        w->rg_rows = nr;
        w->rg_cap = cap;
    }
    for (uint32_t i = 0; i < w->ncols; i++)
        if ((rc = write_chunk(w, &w->cols[i], &w->chunks[(size_t)w->nrg * w->ncols + i], err))) return rc;
    w->rg_rows[w->nrg++] = n;
    w->nrows += n;
    for (uint32_t i = 0; i < w->ncols; i++) w->cols[i].n = 0;
    floe_arena_reset(w->heap);
    return FLOE_OK;
}

int floe_pq_writer_write(floe_pq_writer *w, const floe_batch *b, floe_err *err)
{
    uint32_t live = floe_batch_rows(b);
    int rc;
    if (b->ncols != w->ncols) return floe_err_set(err, FLOE_MISUSE, "parquet writer: batch has %u columns, file %u", b->ncols, w->ncols);
    for (uint32_t c = 0; c < w->ncols; c++)
        if (b->cols[c].type.id != w->cols[c].type.id)
            return floe_err_set(err, FLOE_TYPE, "parquet writer: column '%s' has another type", w->cols[c].name);
    for (uint32_t r = 0; r < live; r++) {
        uint32_t row = b->sel ? b->sel[r] : r;
        for (uint32_t c = 0; c < w->ncols; c++) {
            wcol *col = &w->cols[c];
            const floe_vec *v = &b->cols[c];
            size_t sz = floe_type_size(col->type);
            uint32_t src = (v->flags & FLOE_VEC_CONST) ? 0 : row;
            if (col->n == col->cap) {
                uint32_t cap = col->cap ? col->cap * 2 : 1024;
                uint8_t *nd = floe_realloc(col->data, (size_t)cap * sz), *nv;
                if (nd == NULL) return floe_err_nomem(err);
                col->data = nd;
                nv = floe_realloc(col->valid, cap);
                if (nv == NULL) return floe_err_nomem(err);
                col->valid = nv;
                col->cap = cap;
            }
            col->valid[col->n] = floe_vec_is_valid(v, row);
            memcpy(col->data + (size_t)col->n * sz, (const uint8_t *)v->data + (size_t)src * sz, sz);
            if (!col->valid[col->n]) {
                memset(col->data + (size_t)col->n * sz, 0, sz);
            } else if (col->type.id == FLOE_TYPE_VARCHAR) {
                floe_string *s = (floe_string *)(col->data + (size_t)col->n * sz);
                if (s->len == 0) {
                    s->ptr = "";
                } else {
                    char *p = floe_arena_memdup(w->heap, s->ptr, s->len);
                    if (p == NULL) return floe_err_nomem(err);
                    s->ptr = p;
                }
            }
            col->n++;
        }
        if (w->ncols && w->cols[0].n >= w->opt.row_group_rows && (rc = flush_rg(w, err))) return rc;
    }
    return FLOE_OK;
}

static void schema_elem(buf *f, const wcol *c)
{
    int16_t last = 0, l2 = 0, l3 = 0;
    floe_type t = c->type;
    floe_thrift_w_i32(f, &last, 1, phys_of(t));
    floe_thrift_w_i32(f, &last, 3, PQ_OPTIONAL);
    floe_thrift_w_binary(f, &last, 4, c->name, (uint32_t)strlen(c->name));
    switch (t.id) {
    case FLOE_TYPE_VARCHAR:
        floe_thrift_w_i32(f, &last, 6, PQ_CT_UTF8);
        floe_thrift_w_field(f, &last, 10, FLOE_TT_STRUCT);
        floe_thrift_w_field(f, &l2, PQ_LT_STRING, FLOE_TT_STRUCT);
        floe_thrift_w_stop(f);
        floe_thrift_w_stop(f);
        break;
    case FLOE_TYPE_DATE:
        floe_thrift_w_i32(f, &last, 6, PQ_CT_DATE);
        floe_thrift_w_field(f, &last, 10, FLOE_TT_STRUCT);
        floe_thrift_w_field(f, &l2, PQ_LT_DATE, FLOE_TT_STRUCT);
        floe_thrift_w_stop(f);
        floe_thrift_w_stop(f);
        break;
    case FLOE_TYPE_TIMESTAMP:
        floe_thrift_w_field(f, &last, 10, FLOE_TT_STRUCT);
        floe_thrift_w_field(f, &l2, PQ_LT_TIMESTAMP, FLOE_TT_STRUCT);
        floe_thrift_w_bool(f, &l3, 1, false);
        floe_thrift_w_field(f, &l3, 2, FLOE_TT_STRUCT);
        {
            int16_t l4 = 0;
            floe_thrift_w_field(f, &l4, PQ_UNIT_MICROS, FLOE_TT_STRUCT);
            floe_thrift_w_stop(f);
            floe_thrift_w_stop(f);
        }
        floe_thrift_w_stop(f);
        floe_thrift_w_stop(f);
        break;
    case FLOE_TYPE_DECIMAL:
        floe_thrift_w_i32(f, &last, 6, PQ_CT_DECIMAL);
        floe_thrift_w_i32(f, &last, 7, t.scale);
        floe_thrift_w_i32(f, &last, 8, t.precision);
        floe_thrift_w_field(f, &last, 10, FLOE_TT_STRUCT);
        floe_thrift_w_field(f, &l2, PQ_LT_DECIMAL, FLOE_TT_STRUCT);
        floe_thrift_w_i32(f, &l3, 1, t.scale);
        floe_thrift_w_i32(f, &l3, 2, t.precision);
        floe_thrift_w_stop(f);
        floe_thrift_w_stop(f);
        break;
    default:
        break;
    }
    floe_thrift_w_stop(f);
}

static void colmeta(buf *f, const floe_pq_writer *w, const wcol *c, const wchunk *ch)
{
    int16_t last = 0;
    floe_thrift_w_i32(f, &last, 1, phys_of(c->type));
    floe_thrift_w_list(f, &last, 2, FLOE_TT_I32, ch->has_dict ? 3 : 2);
    floe_thrift_w_zigzag(f, PQ_ENC_RLE);
    floe_thrift_w_zigzag(f, PQ_ENC_PLAIN);
    if (ch->has_dict) floe_thrift_w_zigzag(f, PQ_ENC_RLE_DICTIONARY);
    floe_thrift_w_list(f, &last, 3, FLOE_TT_BINARY, 1);
    floe_thrift_w_varint(f, strlen(c->name));
    floe_thrift_w_bytes(f, c->name, strlen(c->name));
    floe_thrift_w_i32(f, &last, 4, w->opt.codec);
    floe_thrift_w_i64(f, &last, 5, ch->num_values);
    floe_thrift_w_i64(f, &last, 6, ch->usize);
    floe_thrift_w_i64(f, &last, 7, ch->csize);
    floe_thrift_w_i64(f, &last, 9, ch->data_off);
    if (ch->has_dict) floe_thrift_w_i64(f, &last, 11, ch->dict_off);
    floe_thrift_w_field(f, &last, 12, FLOE_TT_STRUCT);
    {
        int16_t l2 = 0;
        const void *mn = c->type.id == FLOE_TYPE_VARCHAR ? (const void *)ch->smin : ch->min;
        const void *mx = c->type.id == FLOE_TYPE_VARCHAR ? (const void *)ch->smax : ch->max;
        if (ch->has_stats && c->type.id != FLOE_TYPE_VARCHAR && c->type.id != FLOE_TYPE_DECIMAL) {
            floe_thrift_w_binary(f, &l2, 1, mx, ch->nmax);
            floe_thrift_w_binary(f, &l2, 2, mn, ch->nmin);
        }
        floe_thrift_w_i64(f, &l2, 3, ch->nulls);
        if (ch->has_stats) {
            floe_thrift_w_binary(f, &l2, 5, mx, ch->nmax);
            floe_thrift_w_binary(f, &l2, 6, mn, ch->nmin);
        }
        floe_thrift_w_stop(f);
    }
    floe_thrift_w_stop(f);
}

int floe_pq_writer_close(floe_pq_writer *w, floe_err *err)
{
    buf f;
    int16_t last = 0;
    int rc;
    if ((rc = flush_rg(w, err))) {
        floe_pq_writer_abort(w);
        return rc;
    }
    floe_thrift_w_init(&f);
    floe_thrift_w_i32(&f, &last, 1, 1);
    floe_thrift_w_list(&f, &last, 2, FLOE_TT_STRUCT, w->ncols + 1);
    {
        int16_t l2 = 0;
        floe_thrift_w_binary(&f, &l2, 4, "schema", 6);
        floe_thrift_w_i32(&f, &l2, 5, (int32_t)w->ncols);
        floe_thrift_w_stop(&f);
    }
    for (uint32_t i = 0; i < w->ncols; i++) schema_elem(&f, &w->cols[i]);
    floe_thrift_w_i64(&f, &last, 3, w->nrows);
    floe_thrift_w_list(&f, &last, 4, FLOE_TT_STRUCT, w->nrg);
    for (uint32_t g = 0; g < w->nrg; g++) {
        int16_t l2 = 0;
        int64_t total = 0;
        floe_thrift_w_list(&f, &l2, 1, FLOE_TT_STRUCT, w->ncols);
        for (uint32_t i = 0; i < w->ncols; i++) {
            const wchunk *ch = &w->chunks[(size_t)g * w->ncols + i];
            int16_t l3 = 0;
            total += ch->usize;
            floe_thrift_w_i64(&f, &l3, 2, ch->has_dict ? ch->dict_off : ch->data_off);
            floe_thrift_w_field(&f, &l3, 3, FLOE_TT_STRUCT);
            colmeta(&f, w, &w->cols[i], ch);
            floe_thrift_w_stop(&f);
        }
        floe_thrift_w_i64(&f, &l2, 2, total);
        floe_thrift_w_i64(&f, &l2, 3, w->rg_rows[g]);
        floe_thrift_w_stop(&f);
    }
    floe_thrift_w_binary(&f, &last, 6, "floe version 0.1.0", 18);
    floe_thrift_w_stop(&f);
    if ((rc = floe_thrift_w_status(&f, err)) == FLOE_OK) {
        uint32_t flen = (uint32_t)f.n;
        put_u32(&f, flen);
        floe_thrift_w_bytes(&f, PQ_MAGIC, 4);
        if ((rc = floe_thrift_w_status(&f, err)) == FLOE_OK)
            rc = floe_os_write_all(w->fd, f.p, f.n, w->path, err);
    }
    floe_thrift_w_free(&f);
    if (rc == FLOE_OK) rc = floe_os_close(w->fd, w->path, err);
    else floe_os_close(w->fd, w->path, NULL);
    w->fd = -1;
    floe_pq_writer_abort(w);
    return rc;
}

void floe_pq_writer_abort(floe_pq_writer *w)
{
    if (w == NULL) return;
    if (w->fd >= 0) floe_os_close(w->fd, w->path, NULL);
    for (uint32_t i = 0; i < w->ncols && w->cols; i++) {
        floe_free(w->cols[i].name);
        floe_free(w->cols[i].data);
        floe_free(w->cols[i].valid);
    }
    floe_free(w->cols);
    floe_free(w->chunks);
    floe_free(w->rg_rows);
    floe_arena_free(w->heap);
    floe_arena_free(w->meta);
    floe_free(w->path);
    floe_free(w);
}
