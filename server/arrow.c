/* server/arrow.c: Arrow IPC stream writer (contract in arrow.h).
 *
 * The FlatBuffers metadata is written front to back by a tiny builder:
 * every table is preceded by its vtable (so its soffset is positive), and
 * everything a table points to (strings, vectors, sub-tables) is written
 * after it, the table's uoffset fields patched once the target's position
 * is known (uoffsets always point forward, as FlatBuffers requires).
 * Field ids follow Arrow's format/Schema.fbs and format/Message.fbs.
 */
#include "server/arrow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ byte buffer */

typedef struct bbuf {
    uint8_t *p;
    size_t len, cap;
    int oom;
} bbuf;

static size_t bb_reserve(bbuf *b, size_t n)
{
    if (b->oom) return 0;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        uint8_t *np;
        while (b->len + n > nc) nc *= 2;
        if ((np = realloc(b->p, nc)) == NULL) {
            b->oom = 1;
            return 0;
        }
        b->p = np;
        b->cap = nc;
    }
    return 1;
}

static size_t bb_put(bbuf *b, const void *s, size_t n)
{
    size_t at = b->len;
    if (n == 0 || !bb_reserve(b, n)) return at;
    if (s) memcpy(b->p + b->len, s, n);
    else memset(b->p + b->len, 0, n);
    b->len += n;
    return at;
}

static size_t bb_align(bbuf *b, size_t a)
{
    size_t pad = (a - b->len % a) % a;
    bb_put(b, NULL, pad);
    return b->len;
}

static void put_le(uint8_t *p, uint64_t v, int size)
{
    int i;
    for (i = 0; i < size; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static size_t bb_u32(bbuf *b, uint32_t v)
{
    uint8_t x[4];
    put_le(x, v, 4);
    return bb_put(b, x, 4);
}

/* ------------------------------------------------------------ flatbuffers */

/* A table field: size 1, 2, 4 or 8 (a scalar `v`), or OFF (a uoffset,
 * patched later through the position fb_table returns in pos[]), or 0
 * (absent). */
#define OFF (-4)
typedef struct fbf {
    int size;
    uint64_t v;
} fbf;

/* Write a vtable and its table; pos[i] = absolute position of field i
 * (for OFF fields, to patch). Returns the table's position. */
static size_t fb_table(bbuf *b, const fbf *f, int n, size_t *pos)
{
    uint16_t off[16];
    size_t vt, tbl, at = 4;
    int i, pass;
    static const int order[] = {8, 4, OFF, 2, 1}; /* largest first: aligned in an 8-aligned table */
    for (i = 0; i < n; i++) off[i] = 0;
    for (pass = 0; pass < 5; pass++)
        for (i = 0; i < n; i++) {
            int sz = f[i].size == OFF ? 4 : f[i].size;
            if (f[i].size != order[pass]) continue;
            at = (at + (size_t)sz - 1) / (size_t)sz * (size_t)sz;
            off[i] = (uint16_t)at;
            at += (size_t)sz;
        }
    at = (at + 7) / 8 * 8;
    bb_align(b, 2);
    vt = b->len;
    {
        uint8_t x[2];
        put_le(x, (uint64_t)(4 + 2 * n), 2);
        bb_put(b, x, 2);
        put_le(x, at, 2);
        bb_put(b, x, 2);
        for (i = 0; i < n; i++) {
            put_le(x, off[i], 2);
            bb_put(b, x, 2);
        }
    }
    tbl = bb_align(b, 8);
    bb_put(b, NULL, at);
    if (b->oom) return tbl;
    put_le(b->p + tbl, (uint64_t)(uint32_t)(int32_t)(tbl - vt), 4);
    for (i = 0; i < n; i++) {
        if (f[i].size == 0) continue;
        if (pos) pos[i] = tbl + off[i];
        if (f[i].size > 0) put_le(b->p + tbl + off[i], f[i].v, f[i].size);
    }
    return tbl;
}

/* Point the uoffset at `at` to `target` (after it). */
static void fb_patch(bbuf *b, size_t at, size_t target)
{
    if (!b->oom) put_le(b->p + at, (uint64_t)(target - at), 4);
}

static size_t fb_string(bbuf *b, const char *s)
{
    size_t n = strlen(s), at;
    bb_align(b, 4);
    at = bb_u32(b, (uint32_t)n);
    bb_put(b, s, n);
    bb_put(b, NULL, 1);
    return at;
}

/* A vector of n uoffsets (patched by the caller at elem0 + 4*i). */
static size_t fb_offvec(bbuf *b, uint32_t n, size_t *elem0)
{
    size_t at;
    bb_align(b, 4);
    at = bb_u32(b, n);
    *elem0 = bb_put(b, NULL, 4 * (size_t)n);
    return at;
}

/* A vector of n 16-byte structs {int64, int64}: its elements 8-aligned. */
static size_t fb_pairvec(bbuf *b, const int64_t *pairs, uint32_t n)
{
    size_t at, i;
    bb_align(b, 8);
    bb_put(b, NULL, 4); /* the length sits at 4 mod 8 */
    at = bb_u32(b, n);
    for (i = 0; i < 2 * (size_t)n; i++) {
        uint8_t x[8];
        put_le(x, (uint64_t)pairs[i], 8);
        bb_put(b, x, 8);
    }
    return at;
}

/* ------------------------------------------------------------ the stream */

enum { MH_SCHEMA = 1, MH_RECORD_BATCH = 3 };
enum { T_NULL = 1, T_INT = 2, T_FLOAT = 3, T_UTF8 = 5, T_BOOL = 6, T_DECIMAL = 7, T_DATE = 8,
       T_TIMESTAMP = 10, T_INTERVAL = 11 };

struct floe_srv_arrow {
    floe_result *res;
    uint32_t ncols;
    uint64_t chunk, nchunks;
    int stage;   /* 0 schema, 1 batches, 2 end marker, 3 done */
    bbuf out;    /* rendered, not yet read: [pos, len) */
    size_t pos;
};

/* Frame the FlatBuffers message `meta` and the body into w->out. */
static void emit_message(floe_srv_arrow *w, bbuf *meta, const bbuf *body)
{
    size_t mlen = (meta->len + 7) / 8 * 8;
    bb_u32(&w->out, 0xFFFFFFFFu);
    bb_u32(&w->out, (uint32_t)mlen);
    bb_put(&w->out, meta->p, meta->len);
    bb_put(&w->out, NULL, mlen - meta->len);
    if (body) bb_put(&w->out, body->p, body->len);
    if (meta->oom) w->out.oom = 1;
}

/* Message { version: V5, header_type, header, bodyLength }: returns the
 * position of the header uoffset (to patch to the header table). */
static size_t message_table(bbuf *m, int htype, int64_t body_len)
{
    fbf f[4] = {{2, 4}, {1, (uint64_t)htype}, {OFF, 0}, {8, (uint64_t)body_len}};
    size_t pos[4] = {0}, root;
    root = bb_u32(m, 0); /* the root uoffset */
    fb_patch(m, root, fb_table(m, f, 4, pos));
    return pos[2];
}

/* The type table of a column; *out_type = its Type union tag. */
static size_t type_table(bbuf *m, floe_result *res, uint32_t c, int *out_type)
{
    int prec = 0, scale = 0;
    switch (floe_result_column_type(res, c)) {
    case FLOE_TYPE_BOOLEAN: *out_type = T_BOOL; return fb_table(m, NULL, 0, NULL);
    case FLOE_TYPE_INTEGER: {
        fbf f[2] = {{4, 32}, {1, 1}};
        *out_type = T_INT;
        return fb_table(m, f, 2, NULL);
    }
    case FLOE_TYPE_BIGINT: {
        fbf f[2] = {{4, 64}, {1, 1}};
        *out_type = T_INT;
        return fb_table(m, f, 2, NULL);
    }
    case FLOE_TYPE_DOUBLE: {
        fbf f[1] = {{2, 2}}; /* DOUBLE */
        *out_type = T_FLOAT;
        return fb_table(m, f, 1, NULL);
    }
    case FLOE_TYPE_DECIMAL: {
        fbf f[3] = {{4, 0}, {4, 0}, {4, 128}};
        floe_result_column_decimal(res, c, &prec, &scale);
        f[0].v = (uint64_t)(uint32_t)prec;
        f[1].v = (uint64_t)(uint32_t)scale;
        *out_type = T_DECIMAL;
        return fb_table(m, f, 3, NULL);
    }
    case FLOE_TYPE_VARCHAR: *out_type = T_UTF8; return fb_table(m, NULL, 0, NULL);
    case FLOE_TYPE_DATE: {
        fbf f[1] = {{2, 0}}; /* DAY */
        *out_type = T_DATE;
        return fb_table(m, f, 1, NULL);
    }
    case FLOE_TYPE_TIMESTAMP: {
        fbf f[2] = {{2, 2}, {0, 0}}; /* MICROSECOND, no time zone */
        *out_type = T_TIMESTAMP;
        return fb_table(m, f, 2, NULL);
    }
    case FLOE_TYPE_INTERVAL: {
        fbf f[1] = {{2, 2}}; /* MONTH_DAY_NANO */
        *out_type = T_INTERVAL;
        return fb_table(m, f, 1, NULL);
    }
    default: *out_type = T_NULL; return fb_table(m, NULL, 0, NULL);
    }
}

static void render_schema(floe_srv_arrow *w)
{
    bbuf m = {0};
    size_t hdr = message_table(&m, MH_SCHEMA, 0), pos[2] = {0}, fields0 = 0, schema;
    fbf sf[2] = {{0, 0}, {OFF, 0}}; /* endianness Little (default), fields */
    uint32_t c;
    schema = fb_table(&m, sf, 2, pos);
    fb_patch(&m, hdr, schema);
    fb_patch(&m, pos[1], fb_offvec(&m, w->ncols, &fields0));
    for (c = 0; c < w->ncols; c++) {
        /* Field { name, nullable, type_type, type, dictionary, children } */
        fbf ff[6] = {{OFF, 0}, {1, 1}, {1, 0}, {OFF, 0}, {0, 0}, {OFF, 0}};
        size_t fp[6] = {0}, field, ch0;
        int tt = T_NULL;
        size_t ttbl;
        field = fb_table(&m, ff, 6, fp);
        fb_patch(&m, fields0 + 4 * c, field);
        fb_patch(&m, fp[0], fb_string(&m, floe_result_column_name(w->res, c)));
        ttbl = type_table(&m, w->res, c, &tt);
        fb_patch(&m, fp[3], ttbl);
        if (!m.oom) m.p[fp[2]] = (uint8_t)tt;
        fb_patch(&m, fp[5], fb_offvec(&m, 0, &ch0));
    }
    emit_message(w, &m, NULL);
    free(m.p);
}

/* Append one buffer to the body (8-aligned) and record {offset, length}. */
static void body_buffer(bbuf *body, int64_t *bufs, uint32_t *nb, const void *p, size_t n)
{
    size_t at = bb_align(body, 8);
    bb_put(body, p, n);
    bufs[2 * *nb] = (int64_t)at;
    bufs[2 * *nb + 1] = (int64_t)n;
    (*nb)++;
}

static uint64_t count_nulls(const uint64_t *valid, uint32_t n)
{
    uint64_t nulls = 0;
    uint32_t i;
    if (valid == NULL) return 0;
    for (i = 0; i < n; i++)
        if (!((valid[i / 64] >> (i % 64)) & 1)) nulls++;
    return nulls;
}

/* The column's value buffers (after validity) into body; -1 on failure. */
static int column_values(bbuf *body, int64_t *bufs, uint32_t *nb, floe_type_id t, const void *data,
                         uint32_t n, bbuf *tmp)
{
    uint32_t i;
    tmp->len = 0;
    switch (t) {
    case FLOE_TYPE_BOOLEAN: {
        const uint8_t *v = data;
        bb_put(tmp, NULL, ((size_t)n + 7) / 8);
        if (tmp->oom) return -1;
        for (i = 0; i < n; i++)
            if (v[i]) tmp->p[i / 8] |= (uint8_t)(1u << (i % 8));
        body_buffer(body, bufs, nb, tmp->p, tmp->len);
        return 0;
    }
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: body_buffer(body, bufs, nb, data, 4 * (size_t)n); return 0;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DOUBLE:
    case FLOE_TYPE_TIMESTAMP: body_buffer(body, bufs, nb, data, 8 * (size_t)n); return 0;
    case FLOE_TYPE_DECIMAL: {
        const int64_t *v = data;
        for (i = 0; i < n; i++) {
            uint8_t x[16];
            put_le(x, (uint64_t)v[i], 8);
            put_le(x + 8, v[i] < 0 ? UINT64_MAX : 0, 8);
            bb_put(tmp, x, 16);
        }
        if (tmp->oom) return -1;
        body_buffer(body, bufs, nb, tmp->p, tmp->len);
        return 0;
    }
    case FLOE_TYPE_INTERVAL: {
        const floe_interval *v = data;
        for (i = 0; i < n; i++) {
            uint8_t x[16];
            put_le(x, (uint64_t)(uint32_t)v[i].months, 4);
            put_le(x + 4, (uint64_t)(uint32_t)v[i].days, 4);
            put_le(x + 8, (uint64_t)(v[i].micros * 1000), 8);
            bb_put(tmp, x, 16);
        }
        if (tmp->oom) return -1;
        body_buffer(body, bufs, nb, tmp->p, tmp->len);
        return 0;
    }
    case FLOE_TYPE_VARCHAR: {
        const floe_string *v = data;
        uint64_t total = 0;
        size_t d;
        for (i = 0; i < n; i++) {
            bb_u32(tmp, (uint32_t)total);
            total += v[i].len;
            if (total > INT32_MAX) return -1;
        }
        bb_u32(tmp, (uint32_t)total);
        if (tmp->oom) return -1;
        body_buffer(body, bufs, nb, tmp->p, tmp->len);
        d = bb_align(body, 8);
        for (i = 0; i < n; i++)
            if (v[i].len) bb_put(body, v[i].ptr, v[i].len);
        bufs[2 * *nb] = (int64_t)d;
        bufs[2 * *nb + 1] = (int64_t)total;
        (*nb)++;
        return 0;
    }
    default: return 0; /* Null: no buffers */
    }
}

static int render_batch(floe_srv_arrow *w, uint64_t chunk)
{
    bbuf m = {0}, body = {0}, tmp = {0};
    int64_t *nodes = calloc(2 * (size_t)w->ncols + 1, sizeof *nodes);
    int64_t *bufs = calloc(6 * (size_t)w->ncols + 1, sizeof *bufs);
    uint32_t c, nb = 0, rows = 0;
    int rc = -1;
    if (nodes == NULL || bufs == NULL) goto out;
    if (w->ncols == 0 || floe_result_column_data(w->res, chunk, 0, &rows, &(const void *){NULL},
                                                 &(const uint64_t *){NULL}) != FLOE_OK || rows == 0) {
        rc = 0; /* an empty chunk (an empty result) is no batch */
        goto out;
    }
    for (c = 0; c < w->ncols; c++) {
        const void *data = NULL;
        const uint64_t *valid = NULL;
        floe_type_id t = floe_result_column_type(w->res, c);
        uint32_t n = 0;
        if (floe_result_column_data(w->res, chunk, c, &n, &data, &valid) != FLOE_OK) goto out;
        rows = n;
        nodes[2 * c] = n;
        nodes[2 * c + 1] = t == FLOE_TYPE_NULL ? (int64_t)n : (int64_t)count_nulls(valid, n);
        if (t == FLOE_TYPE_NULL) continue;
        if (valid && nodes[2 * c + 1] > 0) body_buffer(&body, bufs, &nb, valid, ((size_t)n + 7) / 8);
        else body_buffer(&body, bufs, &nb, NULL, 0);
        if (column_values(&body, bufs, &nb, t, data, n, &tmp) != 0) goto out;
    }
    bb_align(&body, 8);
    if (body.oom || tmp.oom) goto out;
    {
        size_t hdr = message_table(&m, MH_RECORD_BATCH, (int64_t)body.len), pos[3] = {0}, rb;
        fbf f[3] = {{8, rows}, {OFF, 0}, {OFF, 0}}; /* length, nodes, buffers */
        rb = fb_table(&m, f, 3, pos);
        fb_patch(&m, hdr, rb);
        fb_patch(&m, pos[1], fb_pairvec(&m, nodes, w->ncols));
        fb_patch(&m, pos[2], fb_pairvec(&m, bufs, nb));
    }
    if (m.oom) goto out;
    emit_message(w, &m, &body);
    rc = w->out.oom ? -1 : 0;
out:
    free(m.p);
    free(body.p);
    free(tmp.p);
    free(nodes);
    free(bufs);
    return rc;
}

floe_srv_arrow *floe_srv_arrow_new(floe_result *res)
{
    floe_srv_arrow *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    w->res = res;
    w->ncols = floe_result_column_count(res);
    w->nchunks = floe_result_chunk_count(res);
    return w;
}

void floe_srv_arrow_free(floe_srv_arrow *w)
{
    if (w == NULL) return;
    free(w->out.p);
    free(w);
}

long floe_srv_arrow_read(floe_srv_arrow *w, char *buf, size_t cap)
{
    size_t n;
    while (w->out.len - w->pos < cap && w->stage < 3) {
        if (w->pos > 0 && w->pos == w->out.len) w->pos = w->out.len = 0;
        if (w->stage == 0) {
            render_schema(w);
            w->stage = 1;
        } else if (w->stage == 1) {
            if (w->chunk >= w->nchunks) w->stage = 2;
            else if (render_batch(w, w->chunk++) != 0) return -1;
        } else {
            bb_u32(&w->out, 0xFFFFFFFFu);
            bb_u32(&w->out, 0);
            w->stage = 3;
        }
        if (w->out.oom) return -1;
    }
    n = w->out.len - w->pos;
    if (n > cap) n = cap;
    if (n) memcpy(buf, w->out.p + w->pos, n);
    w->pos += n;
    return (long)n;
}
