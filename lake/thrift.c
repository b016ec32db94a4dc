/* lake/thrift.c: the Thrift compact protocol reader and writer (see thrift.h). */
#include "lake/thrift.h"

#include <string.h>

#include "util/mem.h"

void floe_thrift_r_init(floe_thrift_r *r, const void *p, size_t n, uint64_t base, const char *name,
                        floe_err *err)
{
    r->p = p;
    r->n = n;
    r->pos = 0;
    r->base = base;
    r->name = name ? name : "parquet";
    r->depth = 0;
    r->err = err;
}

int floe_thrift_corrupt(floe_thrift_r *r, const char *what)
{
    return floe_err_set(r->err, FLOE_CORRUPT, "%s: corrupt thrift at byte %llu: %s", r->name,
                        (unsigned long long)(r->base + r->pos), what);
}

static int get_byte(floe_thrift_r *r, uint8_t *out)
{
    if (r->pos >= r->n) return floe_thrift_corrupt(r, "unexpected end");
    *out = r->p[r->pos++];
    return FLOE_OK;
}

int floe_thrift_varint(floe_thrift_r *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b = 0;
        int rc = get_byte(r, &b);
        if (rc) return rc;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return FLOE_OK;
        }
    }
    return floe_thrift_corrupt(r, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

int floe_thrift_field(floe_thrift_r *r, int16_t *last, int16_t *id, uint8_t *type)
{
    uint8_t b = 0;
    int rc = get_byte(r, &b);
    if (rc) return rc;
    *type = b & 0x0f;
    if (*type == FLOE_TT_STOP) {
        *id = 0;
        return FLOE_OK;
    }
    if (*type > FLOE_TT_STRUCT) return floe_thrift_corrupt(r, "bad field type");
    if (b >> 4) {
        *id = (int16_t)(*last + (b >> 4));
    } else {
        uint64_t v = 0;
        int64_t s;
        if ((rc = floe_thrift_varint(r, &v))) return rc;
        s = unzigzag(v);
        if (s < -32768 || s > 32767) return floe_thrift_corrupt(r, "bad field id");
        *id = (int16_t)s;
    }
    *last = *id;
    return FLOE_OK;
}

int floe_thrift_struct_begin(floe_thrift_r *r)
{
    if (r->depth >= FLOE_THRIFT_MAX_DEPTH) return floe_thrift_corrupt(r, "nesting too deep");
    r->depth++;
    return FLOE_OK;
}

void floe_thrift_struct_end(floe_thrift_r *r)
{
    if (r->depth > 0) r->depth--;
}

int floe_thrift_i64(floe_thrift_r *r, uint8_t type, int64_t *out)
{
    if (type == FLOE_TT_BYTE) {
        uint8_t b = 0;
        int rc = get_byte(r, &b);
        if (rc) return rc;
        *out = (int8_t)b;
        return FLOE_OK;
    }
    if (type == FLOE_TT_I16 || type == FLOE_TT_I32 || type == FLOE_TT_I64) {
        uint64_t v = 0;
        int rc = floe_thrift_varint(r, &v);
        if (rc) return rc;
        *out = unzigzag(v);
        return FLOE_OK;
    }
    return floe_thrift_corrupt(r, "integer field of another type");
}

int floe_thrift_i32(floe_thrift_r *r, uint8_t type, int32_t *out)
{
    int64_t v = 0;
    int rc = floe_thrift_i64(r, type, &v);
    if (rc) return rc;
    if (v < INT32_MIN || v > INT32_MAX) return floe_thrift_corrupt(r, "i32 out of range");
    *out = (int32_t)v;
    return FLOE_OK;
}

int floe_thrift_double(floe_thrift_r *r, double *out)
{
    if (r->n - r->pos < 8) return floe_thrift_corrupt(r, "unexpected end in double");
    memcpy(out, r->p + r->pos, 8);
    r->pos += 8;
    return FLOE_OK;
}

int floe_thrift_binary(floe_thrift_r *r, uint8_t type, const uint8_t **out, uint32_t *len)
{
    uint64_t v = 0;
    int rc;
    if (type != FLOE_TT_BINARY) return floe_thrift_corrupt(r, "binary field of another type");
    if ((rc = floe_thrift_varint(r, &v))) return rc;
    if (v > r->n - r->pos) return floe_thrift_corrupt(r, "binary longer than the buffer");
    *out = r->p + r->pos;
    *len = (uint32_t)v;
    r->pos += (size_t)v;
    return FLOE_OK;
}

int floe_thrift_list(floe_thrift_r *r, uint8_t type, uint8_t *elem, uint32_t *count)
{
    uint8_t b = 0;
    uint64_t c = 0;
    int rc;
    if (type != FLOE_TT_LIST && type != FLOE_TT_SET)
        return floe_thrift_corrupt(r, "list field of another type");
    if ((rc = get_byte(r, &b))) return rc;
    c = b >> 4;
    if (c == 15 && (rc = floe_thrift_varint(r, &c))) return rc;
    *elem = b & 0x0f;
    if (*elem == FLOE_TT_STOP || *elem > FLOE_TT_STRUCT)
        return floe_thrift_corrupt(r, "bad list element type");
    if (c > r->n - r->pos) return floe_thrift_corrupt(r, "list longer than the buffer");
    *count = (uint32_t)c;
    return FLOE_OK;
}

int floe_thrift_skip(floe_thrift_r *r, uint8_t type)
{
    int rc = FLOE_OK;
    uint64_t v = 0;
    switch (type) {
    case FLOE_TT_TRUE:
    case FLOE_TT_FALSE:
        return FLOE_OK; /* a field's bool lives in its header */
    case FLOE_TT_BYTE: {
        uint8_t b = 0;
        return get_byte(r, &b);
    }
    case FLOE_TT_I16:
    case FLOE_TT_I32:
    case FLOE_TT_I64:
        return floe_thrift_varint(r, &v);
    case FLOE_TT_DOUBLE: {
        double d;
        return floe_thrift_double(r, &d);
    }
    case FLOE_TT_BINARY: {
        const uint8_t *p;
        uint32_t n;
        return floe_thrift_binary(r, type, &p, &n);
    }
    case FLOE_TT_LIST:
    case FLOE_TT_SET: {
        uint8_t elem;
        uint32_t c;
        if ((rc = floe_thrift_list(r, type, &elem, &c))) return rc;
        if ((rc = floe_thrift_struct_begin(r))) return rc;
        for (uint32_t i = 0; i < c && rc == FLOE_OK; i++) {
            if (elem == FLOE_TT_TRUE || elem == FLOE_TT_FALSE) {
                uint8_t b = 0;
                rc = get_byte(r, &b); /* list bools take a byte each */
            } else {
                rc = floe_thrift_skip(r, elem);
            }
        }
        floe_thrift_struct_end(r);
        return rc;
    }
    case FLOE_TT_MAP: {
        uint8_t kv = 0;
        if ((rc = floe_thrift_varint(r, &v))) return rc;
        if (v == 0) return FLOE_OK;
        if (v > r->n - r->pos) return floe_thrift_corrupt(r, "map longer than the buffer");
        if ((rc = get_byte(r, &kv))) return rc;
        if ((kv >> 4) == 0 || (kv >> 4) > FLOE_TT_STRUCT || (kv & 15) == 0 || (kv & 15) > FLOE_TT_STRUCT)
            return floe_thrift_corrupt(r, "bad map types");
        if ((rc = floe_thrift_struct_begin(r))) return rc;
        for (uint64_t i = 0; i < v && rc == FLOE_OK; i++) {
            rc = floe_thrift_skip(r, kv >> 4);
            if (rc == FLOE_OK) rc = floe_thrift_skip(r, kv & 15);
        }
        floe_thrift_struct_end(r);
        return rc;
    }
    case FLOE_TT_STRUCT: {
        int16_t last = 0, id;
        uint8_t t;
        if ((rc = floe_thrift_struct_begin(r))) return rc;
        while ((rc = floe_thrift_field(r, &last, &id, &t)) == FLOE_OK && t != FLOE_TT_STOP)
            if ((rc = floe_thrift_skip(r, t))) break;
        floe_thrift_struct_end(r);
        return rc;
    }
    default:
        return floe_thrift_corrupt(r, "bad type");
    }
}

/* ---- writer ---- */

void floe_thrift_w_init(floe_thrift_w *w)
{
    memset(w, 0, sizeof *w);
}

void floe_thrift_w_free(floe_thrift_w *w)
{
    floe_free(w->p);
    memset(w, 0, sizeof *w);
}

int floe_thrift_w_status(const floe_thrift_w *w, floe_err *err)
{
    if (w->rc) return floe_err_nomem(err);
    return FLOE_OK;
}

void floe_thrift_w_bytes(floe_thrift_w *w, const void *p, size_t n)
{
    if (w->rc) return;
    if (w->cap - w->n < n) {
        size_t cap = w->cap ? w->cap : 256;
        uint8_t *np;
        while (cap - w->n < n) cap *= 2;
        np = floe_realloc(w->p, cap);
        if (np == NULL) {
            w->rc = FLOE_NOMEM;
            return;
        }
        w->p = np;
        w->cap = cap;
    }
    if (n) memcpy(w->p + w->n, p, n);
    w->n += n;
}

void floe_thrift_w_varint(floe_thrift_w *w, uint64_t v)
{
    uint8_t b[10];
    size_t k = 0;
    while (v >= 0x80) {
        b[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[k++] = (uint8_t)v;
    floe_thrift_w_bytes(w, b, k);
}

void floe_thrift_w_zigzag(floe_thrift_w *w, int64_t v)
{
    floe_thrift_w_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void floe_thrift_w_field(floe_thrift_w *w, int16_t *last, int16_t id, uint8_t type)
{
    int d = id - *last;
    if (d > 0 && d <= 15) {
        uint8_t b = (uint8_t)((d << 4) | type);
        floe_thrift_w_bytes(w, &b, 1);
    } else {
        floe_thrift_w_bytes(w, &type, 1);
        floe_thrift_w_zigzag(w, id);
    }
    *last = id;
}

void floe_thrift_w_i32(floe_thrift_w *w, int16_t *last, int16_t id, int32_t v)
{
    floe_thrift_w_field(w, last, id, FLOE_TT_I32);
    floe_thrift_w_zigzag(w, v);
}

void floe_thrift_w_i64(floe_thrift_w *w, int16_t *last, int16_t id, int64_t v)
{
    floe_thrift_w_field(w, last, id, FLOE_TT_I64);
    floe_thrift_w_zigzag(w, v);
}

void floe_thrift_w_bool(floe_thrift_w *w, int16_t *last, int16_t id, bool v)
{
    floe_thrift_w_field(w, last, id, v ? FLOE_TT_TRUE : FLOE_TT_FALSE);
}

void floe_thrift_w_binary(floe_thrift_w *w, int16_t *last, int16_t id, const void *p, uint32_t n)
{
    floe_thrift_w_field(w, last, id, FLOE_TT_BINARY);
    floe_thrift_w_varint(w, n);
    floe_thrift_w_bytes(w, p, n);
}

void floe_thrift_w_list(floe_thrift_w *w, int16_t *last, int16_t id, uint8_t elem, uint32_t count)
{
    uint8_t b = 0;
    if (last) floe_thrift_w_field(w, last, id, FLOE_TT_LIST);
    if (count < 15) {
        b = (uint8_t)((count << 4) | elem);
        floe_thrift_w_bytes(w, &b, 1);
    } else {
        b = (uint8_t)(0xf0 | elem);
        floe_thrift_w_bytes(w, &b, 1);
        floe_thrift_w_varint(w, count);
    }
}

void floe_thrift_w_stop(floe_thrift_w *w)
{
    uint8_t b = 0;
    floe_thrift_w_bytes(w, &b, 1);
}
