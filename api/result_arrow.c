/* api/result_arrow.c: floe_result_arrow, a result chunk as Arrow C Data Interface structs.
 *
 * Every exported struct owns its memory through its private_data (one
 * floe_malloc'ed record per ArrowArray / ArrowSchema listing what to free),
 * so a consumer may keep, move or release children independently, as the
 * spec allows; `release` frees the struct's own buffers, releases the
 * children it still holds and marks the struct released (release = NULL).
 * Values are copied out of the result: the export never borrows from it.
 */
#include <stdio.h>
#include <string.h>

#include "db/result_build.h"
#include "floe.h"
#include "util/mem.h"
#include "util/vec.h"

/* ------------------------------------------------------------ arrays */

typedef struct arr_priv {
    void *bufs[3];                /* owned buffers */
    const void *ptrs[3];          /* what buffers[] points at */
    struct ArrowArray **children; /* owned array of owned children */
    int64_t nchildren;
} arr_priv;

static void arr_release(struct ArrowArray *a)
{
    arr_priv *p;
    int64_t i;
    if (a == NULL || a->release == NULL) return;
    p = a->private_data;
    for (i = 0; i < p->nchildren; i++) {
        struct ArrowArray *c = p->children[i];
        if (c->release) c->release(c);
        floe_free(c);
    }
    floe_free(p->children);
    for (i = 0; i < 3; i++) floe_free(p->bufs[i]);
    floe_free(p);
    a->release = NULL;
}

static void *buf(arr_priv *p, int k, size_t n)
{
    p->bufs[k] = floe_malloc(n ? n : 1);
    if (p->bufs[k]) memset(p->bufs[k], 0, n ? n : 1);
    p->ptrs[k] = p->bufs[k];
    return p->bufs[k];
}

/* One column of one chunk. */
static int export_column(const floe_vec *v, bool large, struct ArrowArray *a)
{
    arr_priv *p = floe_calloc(1, sizeof *p);
    uint32_t n = v->n, i, nulls = floe_vec_null_count(v);
    size_t w = floe_type_size(v->type);
    memset(a, 0, sizeof *a);
    if (p == NULL) return FLOE_NOMEM;
    a->private_data = p;
    a->release = arr_release;
    a->length = n;
    a->null_count = nulls;
    a->buffers = p->ptrs;
    if (nulls && v->validity) {
        uint8_t *bits = buf(p, 0, (n + 7) / 8);
        if (bits == NULL) goto nomem;
        memcpy(bits, v->validity, (n + 7) / 8); /* floe's words are Arrow's LSB bitmap */
    } else if (nulls) {
        if (buf(p, 0, (n + 7) / 8) == NULL) goto nomem; /* all NULL: zero bits */
    }
    switch (v->type.id) {
    case FLOE_TYPE_BOOLEAN: {
        uint8_t *bits = buf(p, 1, (n + 7) / 8);
        const uint8_t *b = v->data;
        if (bits == NULL) goto nomem;
        for (i = 0; i < n; i++)
            if (b[i]) bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        a->n_buffers = 2;
        break;
    }
    case FLOE_TYPE_DECIMAL: {
        uint8_t *d = buf(p, 1, (size_t)n * 16);
        const int64_t *x = v->data;
        if (d == NULL) goto nomem;
        for (i = 0; i < n; i++) {
            int64_t lo = x[i], hi = lo < 0 ? -1 : 0;
            memcpy(d + (size_t)i * 16, &lo, 8);
            memcpy(d + (size_t)i * 16 + 8, &hi, 8);
        }
        a->n_buffers = 2;
        break;
    }
    case FLOE_TYPE_VARCHAR: {
        const floe_string *s = v->data;
        uint64_t total = 0;
        char *data;
        for (i = 0; i < n; i++)
            if (floe_vec_is_valid(v, i)) total += s[i].len;
        if (!large) {
            int32_t *off = buf(p, 1, ((size_t)n + 1) * 4);
            if (off == NULL) goto nomem;
            total = 0;
            for (i = 0; i < n; i++) {
                off[i] = (int32_t)total;
                if (floe_vec_is_valid(v, i)) total += s[i].len;
            }
            off[n] = (int32_t)total;
        } else {
            int64_t *off = buf(p, 1, ((size_t)n + 1) * 8);
            if (off == NULL) goto nomem;
            total = 0;
            for (i = 0; i < n; i++) {
                off[i] = (int64_t)total;
                if (floe_vec_is_valid(v, i)) total += s[i].len;
            }
            off[n] = (int64_t)total;
        }
        if ((data = buf(p, 2, (size_t)total)) == NULL) goto nomem;
        total = 0;
        for (i = 0; i < n; i++)
            if (floe_vec_is_valid(v, i) && s[i].len) {
                memcpy(data + total, s[i].ptr, s[i].len);
                total += s[i].len;
            }
        a->n_buffers = 3;
        break;
    }
    case FLOE_TYPE_INTERVAL: {
        uint8_t *d = buf(p, 1, (size_t)n * 16);
        const floe_interval *x = v->data;
        if (d == NULL) goto nomem;
        for (i = 0; i < n; i++) {
            int64_t nanos = x[i].micros * 1000;
            memcpy(d + (size_t)i * 16, &x[i].months, 4);
            memcpy(d + (size_t)i * 16 + 4, &x[i].days, 4);
            memcpy(d + (size_t)i * 16 + 8, &nanos, 8);
        }
        a->n_buffers = 2;
        break;
    }
    case FLOE_TYPE_NULL:
        a->n_buffers = 0;
        a->null_count = n;
        break;
    default: { /* fixed width, same layout: INTEGER, BIGINT, DOUBLE, DATE, TIMESTAMP */
        void *d = buf(p, 1, (size_t)n * w);
        if (d == NULL) goto nomem;
        if (n) memcpy(d, v->data, (size_t)n * w);
        a->n_buffers = 2;
        break;
    }
    }
    return FLOE_OK;
nomem:
    arr_release(a);
    return FLOE_NOMEM;
}

/* ------------------------------------------------------------ schemas */

typedef struct sch_priv {
    char *format;
    char *name;
    struct ArrowSchema **children;
    int64_t nchildren;
} sch_priv;

static void sch_release(struct ArrowSchema *s)
{
    sch_priv *p;
    int64_t i;
    if (s == NULL || s->release == NULL) return;
    p = s->private_data;
    for (i = 0; i < p->nchildren; i++) {
        struct ArrowSchema *c = p->children[i];
        if (c->release) c->release(c);
        floe_free(c);
    }
    floe_free(p->children);
    floe_free(p->format);
    floe_free(p->name);
    floe_free(p);
    s->release = NULL;
}

static char *dup(const char *s)
{
    size_t n = strlen(s);
    char *p = floe_malloc(n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}

static int schema_node(struct ArrowSchema *s, const char *format, const char *name, int64_t flags,
                       int64_t nchildren)
{
    sch_priv *p = floe_calloc(1, sizeof *p);
    memset(s, 0, sizeof *s);
    if (p == NULL) return FLOE_NOMEM;
    s->private_data = p;
    s->release = sch_release;
    p->format = dup(format);
    p->name = dup(name);
    if (nchildren) p->children = floe_calloc((size_t)nchildren, sizeof *p->children);
    if (!p->format || !p->name || (nchildren && !p->children)) {
        sch_release(s);
        return FLOE_NOMEM;
    }
    s->format = p->format;
    s->name = p->name;
    s->flags = flags;
    s->children = p->children;
    return FLOE_OK;
}

static const char *format_of(floe_type t, char *buf, size_t cap, bool large)
{
    switch (t.id) {
    case FLOE_TYPE_BOOLEAN: return "b";
    case FLOE_TYPE_INTEGER: return "i";
    case FLOE_TYPE_BIGINT: return "l";
    case FLOE_TYPE_DOUBLE: return "g";
    case FLOE_TYPE_DECIMAL: snprintf(buf, cap, "d:%d,%d", t.precision, t.scale); return buf;
    case FLOE_TYPE_VARCHAR: return large ? "U" : "u";
    case FLOE_TYPE_DATE: return "tdD";
    case FLOE_TYPE_TIMESTAMP: return "tsu:";
    case FLOE_TYPE_INTERVAL: return "tin";
    default: return "n";
    }
}

/* Whether column c of any chunk needs 64-bit string offsets. */
static bool large_strings(const floe_result *res, uint32_t c)
{
    uint64_t k;
    if (res->types[c].id != FLOE_TYPE_VARCHAR) return false;
    for (k = 0; k < res->nchunks; k++) {
        const floe_vec *v = &res->chunks[k].cols[c];
        const floe_string *s = v->data;
        uint64_t total = 0;
        for (uint32_t i = 0; i < v->n; i++)
            if (floe_vec_is_valid(v, i)) total += s[i].len;
        if (total > INT32_MAX) return true;
    }
    return false;
}

static int export_schema(const floe_result *res, struct ArrowSchema *out)
{
    uint32_t c;
    sch_priv *p;
    if (schema_node(out, "+s", "", 0, res->ncols) != FLOE_OK) return FLOE_NOMEM;
    p = out->private_data;
    for (c = 0; c < res->ncols; c++) {
        char fb[32];
        struct ArrowSchema *ch = floe_calloc(1, sizeof *ch);
        if (ch == NULL ||
            schema_node(ch, format_of(res->types[c], fb, sizeof fb, large_strings(res, c)),
                        res->names[c], ARROW_FLAG_NULLABLE, 0) != FLOE_OK) {
            floe_free(ch);
            sch_release(out);
            return FLOE_NOMEM;
        }
        p->children[c] = ch;
        p->nchildren++;
    }
    out->n_children = res->ncols;
    return FLOE_OK;
}

int floe_result_arrow(floe_result *res, uint64_t chunk, struct ArrowSchema *out_schema,
                      struct ArrowArray *out_array)
{
    arr_priv *p;
    uint32_t c;
    if (out_schema) memset(out_schema, 0, sizeof *out_schema);
    if (out_array) memset(out_array, 0, sizeof *out_array);
    if (res == NULL) return FLOE_MISUSE;
    if (out_array && chunk >= res->nchunks)
        return floe_err_set(&res->err, FLOE_MISUSE, "floe_result_arrow: chunk %llu of %llu",
                            (unsigned long long)chunk, (unsigned long long)res->nchunks);
    if (out_schema && export_schema(res, out_schema) != FLOE_OK) return floe_err_nomem(&res->err);
    if (out_array == NULL) return FLOE_OK;
    p = floe_calloc(1, sizeof *p);
    if (p == NULL) goto nomem;
    out_array->private_data = p;
    out_array->release = arr_release;
    out_array->length = res->chunks[chunk].n;
    out_array->n_buffers = 1; /* the struct's validity: none */
    out_array->buffers = p->ptrs;
    p->children = floe_calloc(res->ncols + 1, sizeof *p->children);
    if (p->children == NULL) goto nomem;
    for (c = 0; c < res->ncols; c++) {
        struct ArrowArray *ch = floe_calloc(1, sizeof *ch);
        const floe_vec *v = &res->chunks[chunk].cols[c];
        if (ch == NULL) goto nomem;
        p->children[p->nchildren++] = ch;
        if (export_column(v, large_strings(res, c), ch) != FLOE_OK) goto nomem;
    }
    out_array->n_children = res->ncols;
    out_array->children = p->children;
    return FLOE_OK;
nomem:
    arr_release(out_array);
    if (out_schema) sch_release(out_schema);
    return floe_err_nomem(&res->err);
}
