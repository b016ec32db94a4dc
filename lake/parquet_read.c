/* lake/parquet_read.c: the Parquet reader (see parquet_read.h).
 *
 * Open: map the file, check both magics, parse FileMetaData (schema, row
 * groups, column chunks, statistics) with lake/thrift.c into plain structs;
 * binaries borrowed from the footer stay pointers into the mapping.
 * Scan: per row group, each asked column chunk is decoded page by page into
 * a column buffer of the group's rows: definition levels, then the page's
 * non-NULL values as "physical" values (int64 / double / string), then
 * converted to the floe type and scattered to the rows. Batches are slices
 * of those buffers.
 */
#include "lake/parquet_read.h"

#include <fcntl.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "lake/parquet_format.h"
#include "lake/thrift.h"
#include "util/arena.h"
#include "util/mem.h"
#include "util/os.h"

#define PQ_MAX_SCHEMA_DEPTH 64
#define PQ_MAX_PAGE (1u << 30) /* largest page we inflate */

typedef struct pq_stats {
    const uint8_t *min, *max; /* NULL when absent */
    uint32_t nmin, nmax;
    bool legacy;              /* from the deprecated min/max fields */
    int64_t null_count;       /* -1 when absent */
} pq_stats;

typedef struct pq_chunk {
    int physical, codec;
    int64_t num_values, data_off, dict_off, total_comp;
    pq_stats st;
} pq_chunk;

typedef struct pq_rg {
    int64_t nrows;
    pq_chunk *chunks; /* nleaves */
} pq_rg;

typedef struct pq_leaf {
    int physical, type_length, repetition, converted, scale, precision;
    int lt;          /* logical type union id, 0 when absent */
    int unit;        /* TIMESTAMP unit */
    int int_bits;    /* INTEGER logical type */
    bool int_signed;
    int top;         /* top-level column it belongs to */
} pq_leaf;

typedef struct pq_elem { /* a SchemaElement as parsed */
    pq_leaf leaf;
    bool has_type;
    const uint8_t *name;
    uint32_t nname;
    int32_t nchildren;
} pq_elem;

struct floe_pq_file {
    const uint8_t *p;
    size_t n;
    bool mapped;
    char *name;
    floe_arena *arena;     /* names, reasons */
    floe_pq_column *cols;
    uint32_t ncols;
    pq_leaf *leaves;
    uint32_t nleaves;
    pq_rg *rgs;
    uint32_t nrg;
    int64_t nrows;
};

/* ---- footer parsing ---- */

#define FIELDS_BEGIN(r)                                                                  \
    int16_t last_ = 0, id_;                                                              \
    uint8_t t_;                                                                          \
    int rc_;                                                                             \
    if ((rc_ = floe_thrift_struct_begin(r))) return rc_;                                 \
    while ((rc_ = floe_thrift_field(r, &last_, &id_, &t_)) == FLOE_OK && t_ != FLOE_TT_STOP) { \
        switch (id_) {
#define FIELDS_END(r)                                                                    \
        default: rc_ = floe_thrift_skip(r, t_);                                          \
        }                                                                                \
        if (rc_) break;                                                                  \
    }                                                                                    \
    floe_thrift_struct_end(r);                                                           \
    return rc_;
#define EXPECT_STRUCT(r) if (t_ != FLOE_TT_STRUCT) { rc_ = floe_thrift_corrupt(r, "expected a struct"); break; }

static int parse_timeunit(floe_thrift_r *r, int *unit)
{
    FIELDS_BEGIN(r)
    case PQ_UNIT_MILLIS: case PQ_UNIT_MICROS: case PQ_UNIT_NANOS:
        *unit = id_;
        rc_ = floe_thrift_skip(r, t_);
        break;
    FIELDS_END(r)
}

static int parse_lt_timestamp(floe_thrift_r *r, pq_leaf *l)
{
    FIELDS_BEGIN(r)
    case 2: EXPECT_STRUCT(r) rc_ = parse_timeunit(r, &l->unit); break;
    FIELDS_END(r)
}

static int parse_lt_decimal(floe_thrift_r *r, pq_leaf *l)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &l->scale); break;
    case 2: rc_ = floe_thrift_i32(r, t_, &l->precision); break;
    FIELDS_END(r)
}

static int parse_lt_integer(floe_thrift_r *r, pq_leaf *l)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &l->int_bits); break;
    case 2: l->int_signed = (t_ == FLOE_TT_TRUE); rc_ = floe_thrift_skip(r, t_); break;
    FIELDS_END(r)
}

static int parse_logical(floe_thrift_r *r, pq_leaf *l)
{
    FIELDS_BEGIN(r)
    case PQ_LT_TIMESTAMP: l->lt = id_; EXPECT_STRUCT(r) rc_ = parse_lt_timestamp(r, l); break;
    case PQ_LT_DECIMAL: l->lt = id_; EXPECT_STRUCT(r) rc_ = parse_lt_decimal(r, l); break;
    case PQ_LT_INTEGER: l->lt = id_; EXPECT_STRUCT(r) rc_ = parse_lt_integer(r, l); break;
    case PQ_LT_TIME: l->lt = id_; EXPECT_STRUCT(r) rc_ = parse_lt_timestamp(r, l); break;
    default: l->lt = id_; rc_ = floe_thrift_skip(r, t_); break;
    }
    if (rc_) break;
    }
    floe_thrift_struct_end(r);
    return rc_;
}

static int parse_elem(floe_thrift_r *r, pq_elem *e)
{
    memset(e, 0, sizeof *e);
    e->leaf.converted = -1;
    e->leaf.repetition = PQ_REQUIRED;
    e->leaf.int_signed = true;
    FIELDS_BEGIN(r)
    case 1: e->has_type = true; rc_ = floe_thrift_i32(r, t_, &e->leaf.physical); break;
    case 2: rc_ = floe_thrift_i32(r, t_, &e->leaf.type_length); break;
    case 3: rc_ = floe_thrift_i32(r, t_, &e->leaf.repetition); break;
    case 4: rc_ = floe_thrift_binary(r, t_, &e->name, &e->nname); break;
    case 5: rc_ = floe_thrift_i32(r, t_, &e->nchildren); break;
    case 6: rc_ = floe_thrift_i32(r, t_, &e->leaf.converted); break;
    case 7: if (!e->leaf.lt) rc_ = floe_thrift_i32(r, t_, &e->leaf.scale); else rc_ = floe_thrift_skip(r, t_); break;
    case 8: if (!e->leaf.lt) rc_ = floe_thrift_i32(r, t_, &e->leaf.precision); else rc_ = floe_thrift_skip(r, t_); break;
    case 10: EXPECT_STRUCT(r) rc_ = parse_logical(r, &e->leaf); break;
    FIELDS_END(r)
}

static int parse_stats(floe_thrift_r *r, pq_stats *s)
{
    const uint8_t *lmin = NULL, *lmax = NULL;
    uint32_t nlmin = 0, nlmax = 0;
    int rc;
    s->null_count = -1;
    {
        int16_t last_ = 0, id_;
        uint8_t t_;
        int rc_;
        if ((rc_ = floe_thrift_struct_begin(r))) return rc_;
        while ((rc_ = floe_thrift_field(r, &last_, &id_, &t_)) == FLOE_OK && t_ != FLOE_TT_STOP) {
            switch (id_) {
            case 1: rc_ = floe_thrift_binary(r, t_, &lmax, &nlmax); break;
            case 2: rc_ = floe_thrift_binary(r, t_, &lmin, &nlmin); break;
            case 3: rc_ = floe_thrift_i64(r, t_, &s->null_count); break;
            case 5: rc_ = floe_thrift_binary(r, t_, &s->max, &s->nmax); break;
            case 6: rc_ = floe_thrift_binary(r, t_, &s->min, &s->nmin); break;
            default: rc_ = floe_thrift_skip(r, t_);
            }
            if (rc_) break;
        }
        floe_thrift_struct_end(r);
        rc = rc_;
    }
    if (rc == FLOE_OK && (s->min == NULL || s->max == NULL)) {
        s->min = lmin, s->nmin = nlmin, s->max = lmax, s->nmax = nlmax;
        s->legacy = true;
        if (lmin == NULL || lmax == NULL) s->min = s->max = NULL;
    }
    return rc;
}

static int parse_colmeta(floe_thrift_r *r, pq_chunk *c)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &c->physical); break;
    case 4: rc_ = floe_thrift_i32(r, t_, &c->codec); break;
    case 5: rc_ = floe_thrift_i64(r, t_, &c->num_values); break;
    case 7: rc_ = floe_thrift_i64(r, t_, &c->total_comp); break;
    case 9: rc_ = floe_thrift_i64(r, t_, &c->data_off); break;
    case 11: rc_ = floe_thrift_i64(r, t_, &c->dict_off); break;
    case 12: EXPECT_STRUCT(r) rc_ = parse_stats(r, &c->st); break;
    FIELDS_END(r)
}

static int parse_chunk(floe_thrift_r *r, pq_chunk *c, bool *has_meta)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_corrupt(r, "column chunk in another file (file_path) is not supported"); break;
    case 3: EXPECT_STRUCT(r) *has_meta = true; rc_ = parse_colmeta(r, c); break;
    FIELDS_END(r)
}

static int parse_rowgroup(floe_thrift_r *r, pq_rg *g, uint32_t nleaves)
{
    FIELDS_BEGIN(r)
    case 1: {
        uint8_t elem;
        uint32_t cnt;
        if ((rc_ = floe_thrift_list(r, t_, &elem, &cnt))) break;
        if (cnt != nleaves || elem != FLOE_TT_STRUCT || g->chunks) {
            rc_ = floe_thrift_corrupt(r, "row group column count differs from the schema");
            break;
        }
        g->chunks = floe_calloc(nleaves ? nleaves : 1, sizeof *g->chunks);
        if (g->chunks == NULL) { rc_ = floe_err_nomem(r->err); break; }
        for (uint32_t i = 0; i < cnt && rc_ == FLOE_OK; i++) {
            bool has_meta = false;
            rc_ = parse_chunk(r, &g->chunks[i], &has_meta);
            if (rc_ == FLOE_OK && !has_meta) rc_ = floe_thrift_corrupt(r, "column chunk without metadata");
        }
        break;
    }
    case 3: rc_ = floe_thrift_i64(r, t_, &g->nrows); break;
    FIELDS_END(r)
}

static char *arena_name(floe_arena *a, const uint8_t *p, uint32_t n)
{
    return floe_arena_strndup(a, p ? (const char *)p : "", p ? n : 0); /* a nameless element: "" */
}

/* Walk the schema elements depth-first (root at 0). */
typedef struct schema_walk {
    floe_pq_file *f;
    pq_elem *e;
    uint32_t ne, next;
    floe_thrift_r *r;
} schema_walk;

static int walk_child(schema_walk *w, int depth, int top, uint32_t *nleaves_out);

static int walk_children(schema_walk *w, int32_t nchildren, int depth, int top, uint32_t *nleaves)
{
    for (int32_t i = 0; i < nchildren; i++) {
        int rc = walk_child(w, depth, top, nleaves);
        if (rc) return rc;
    }
    return FLOE_OK;
}

/* Map a flat leaf to a floe type, or set *why. */
static floe_type leaf_type(const pq_leaf *l, const char **why)
{
    floe_type none = floe_type_make(FLOE_TYPE_INVALID);
    bool dec = l->lt == PQ_LT_DECIMAL || l->converted == PQ_CT_DECIMAL;
    *why = NULL;
    if (dec) {
        if (l->physical != PQ_INT32 && l->physical != PQ_INT64 && l->physical != PQ_FLBA &&
            l->physical != PQ_BYTE_ARRAY) {
            *why = "DECIMAL on an unexpected physical type";
            return none;
        }
        if (l->precision < 1 || l->precision > 18 || l->scale < 0 || l->scale > l->precision) {
            *why = "DECIMAL with precision above 18 (or a bad scale)";
            return none;
        }
        return floe_type_decimal(l->precision, l->scale);
    }
    switch (l->physical) {
    case PQ_BOOLEAN: return floe_type_make(FLOE_TYPE_BOOLEAN);
    case PQ_INT32:
        if (l->lt == PQ_LT_DATE || l->converted == PQ_CT_DATE) return floe_type_make(FLOE_TYPE_DATE);
        if (l->lt == PQ_LT_TIME || l->converted == PQ_CT_TIME_MILLIS) { *why = "TIME"; return none; }
        if ((l->lt == PQ_LT_INTEGER && !l->int_signed && l->int_bits == 32) ||
            l->converted == PQ_CT_UINT_32)
            return floe_type_make(FLOE_TYPE_BIGINT);
        return floe_type_make(FLOE_TYPE_INTEGER);
    case PQ_INT64:
        if (l->lt == PQ_LT_TIMESTAMP || l->converted == PQ_CT_TIMESTAMP_MILLIS ||
            l->converted == PQ_CT_TIMESTAMP_MICROS)
            return floe_type_make(FLOE_TYPE_TIMESTAMP);
        if (l->lt == PQ_LT_TIME || l->converted == PQ_CT_TIME_MICROS) { *why = "TIME"; return none; }
        if ((l->lt == PQ_LT_INTEGER && !l->int_signed) || l->converted == PQ_CT_UINT_64) {
            *why = "UINT64 (no floe type holds it)";
            return none;
        }
        return floe_type_make(FLOE_TYPE_BIGINT);
    case PQ_INT96: return floe_type_make(FLOE_TYPE_TIMESTAMP);
    case PQ_FLOAT:
    case PQ_DOUBLE: return floe_type_make(FLOE_TYPE_DOUBLE);
    case PQ_BYTE_ARRAY:
        if (l->lt == PQ_LT_BSON || l->converted == PQ_CT_BSON) { *why = "BSON"; return none; }
        return floe_type_make(FLOE_TYPE_VARCHAR);
    case PQ_FLBA:
        if (l->lt == PQ_LT_UUID) { *why = "UUID"; return none; }
        if (l->converted == PQ_CT_INTERVAL) { *why = "INTERVAL"; return none; }
        return floe_type_make(FLOE_TYPE_VARCHAR);
    default: *why = "unknown physical type"; return none;
    }
}

static int walk_child(schema_walk *w, int depth, int top, uint32_t *nleaves)
{
    floe_pq_file *f = w->f;
    pq_elem *e;
    if (depth > PQ_MAX_SCHEMA_DEPTH) return floe_thrift_corrupt(w->r, "schema nested too deep");
    if (w->next >= w->ne) return floe_thrift_corrupt(w->r, "schema has fewer elements than its children counts");
    e = &w->e[w->next++];
    if (top < 0) { /* a top-level column */
        floe_pq_column *c = &f->cols[f->ncols];
        top = (int)f->ncols++;
        c->name = arena_name(f->arena, e->name, e->nname);
        if (c->name == NULL) return floe_err_nomem(w->r->err);
        c->leaf = -1;
        c->physical = e->leaf.physical;
        if (e->nchildren > 0 || !e->has_type) {
            c->type = floe_type_make(FLOE_TYPE_INVALID);
            c->why = "nested column";
            return walk_children(w, e->nchildren, depth + 1, top, nleaves);
        }
        if (e->leaf.repetition == PQ_REPEATED) {
            c->type = floe_type_make(FLOE_TYPE_INVALID);
            c->why = "repeated column";
        } else {
            c->type = leaf_type(&e->leaf, &c->why);
            c->leaf = (int)*nleaves;
        }
    } else if (e->nchildren > 0 || !e->has_type) {
        return walk_children(w, e->nchildren, depth + 1, top, nleaves);
    }
    if (*nleaves >= w->ne) return floe_thrift_corrupt(w->r, "too many leaves");
    f->leaves[*nleaves] = e->leaf;
    f->leaves[*nleaves].top = top;
    (*nleaves)++;
    return FLOE_OK;
}

static int parse_footer(floe_pq_file *f, floe_thrift_r *r)
{
    pq_elem *elems = NULL;
    uint32_t nelems = 0;
    bool have_rg = false;
    int rc;
    {
        int16_t last_ = 0, id_;
        uint8_t t_;
        if ((rc = floe_thrift_struct_begin(r))) return rc;
        while ((rc = floe_thrift_field(r, &last_, &id_, &t_)) == FLOE_OK && t_ != FLOE_TT_STOP) {
            if (id_ == 2 && elems == NULL) {
                uint8_t elem;
                if ((rc = floe_thrift_list(r, t_, &elem, &nelems))) break;
                if (elem != FLOE_TT_STRUCT || nelems == 0) { rc = floe_thrift_corrupt(r, "bad schema list"); break; }
                elems = floe_calloc(nelems, sizeof *elems);
                if (elems == NULL) { rc = floe_err_nomem(r->err); break; }
                for (uint32_t i = 0; i < nelems && rc == FLOE_OK; i++) rc = parse_elem(r, &elems[i]);
            } else if (id_ == 3) {
                rc = floe_thrift_i64(r, t_, &f->nrows);
            } else if (id_ == 4 && !have_rg) {
                uint8_t elem;
                uint32_t cnt;
                if (elems == NULL) { rc = floe_thrift_corrupt(r, "row groups before the schema"); break; }
                /* the schema fixes the leaves; walk it first */
                if (f->cols == NULL) {
                    schema_walk w = {f, elems, nelems, 1, r};
                    uint32_t nl = 0;
                    f->cols = floe_calloc(nelems, sizeof *f->cols);
                    f->leaves = floe_calloc(nelems, sizeof *f->leaves);
                    if (!f->cols || !f->leaves) { rc = floe_err_nomem(r->err); break; }
                    if (elems[0].nchildren < 0) { rc = floe_thrift_corrupt(r, "bad root"); break; }
                    if ((rc = walk_children(&w, elems[0].nchildren, 1, -1, &nl))) break;
                    if (w.next != nelems) { rc = floe_thrift_corrupt(r, "schema has extra elements"); break; }
                    f->nleaves = nl;
                }
                have_rg = true;
                if ((rc = floe_thrift_list(r, t_, &elem, &cnt))) break;
                if (elem != FLOE_TT_STRUCT) { rc = floe_thrift_corrupt(r, "bad row group list"); break; }
                f->rgs = floe_calloc(cnt ? cnt : 1, sizeof *f->rgs);
                if (f->rgs == NULL) { rc = floe_err_nomem(r->err); break; }
                for (uint32_t i = 0; i < cnt && rc == FLOE_OK; i++) {
                    rc = parse_rowgroup(r, &f->rgs[i], f->nleaves);
                    f->nrg = i + 1;
                    if (rc == FLOE_OK && f->rgs[i].chunks == NULL && f->nleaves > 0)
                        rc = floe_thrift_corrupt(r, "row group without columns");
                    if (rc == FLOE_OK && f->rgs[i].nrows < 0)
                        rc = floe_thrift_corrupt(r, "negative row count");
                }
            } else {
                rc = floe_thrift_skip(r, t_);
            }
            if (rc) break;
        }
        floe_thrift_struct_end(r);
    }
    if (rc == FLOE_OK && elems == NULL) rc = floe_thrift_corrupt(r, "footer without a schema");
    if (rc == FLOE_OK && f->cols == NULL) { /* no row groups field */
        schema_walk w = {f, elems, nelems, 1, r};
        uint32_t nl = 0;
        f->cols = floe_calloc(nelems, sizeof *f->cols);
        f->leaves = floe_calloc(nelems, sizeof *f->leaves);
        if (!f->cols || !f->leaves) rc = floe_err_nomem(r->err);
        else if (elems[0].nchildren < 0) rc = floe_thrift_corrupt(r, "bad root");
        else rc = walk_children(&w, elems[0].nchildren, 1, -1, &nl);
        f->nleaves = nl;
    }
    floe_free(elems);
    return rc;
}

static int open_common(floe_pq_file *f, floe_err *err)
{
    floe_thrift_r r;
    uint32_t flen;
    if (f->n < 12 || memcmp(f->p, PQ_MAGIC, 4) != 0 || memcmp(f->p + f->n - 4, PQ_MAGIC, 4) != 0)
        return floe_err_set(err, FLOE_CORRUPT, "%s: not a Parquet file (no PAR1 magic)", f->name);
    memcpy(&flen, f->p + f->n - 8, 4);
    if ((uint64_t)flen > f->n - 12)
        return floe_err_set(err, FLOE_CORRUPT, "%s: corrupt footer length %u at byte %llu", f->name,
                            flen, (unsigned long long)(f->n - 8));
    floe_thrift_r_init(&r, f->p + f->n - 8 - flen, flen, f->n - 8 - flen, f->name, err);
    return parse_footer(f, &r);
}

static floe_pq_file *file_new(const char *name)
{
    floe_pq_file *f = floe_calloc(1, sizeof *f);
    if (f == NULL) return NULL;
    f->name = floe_strdup(name ? name : "parquet");
    f->arena = floe_arena_new(0);
    if (f->name == NULL || f->arena == NULL) {
        floe_pq_close(f);
        return NULL;
    }
    return f;
}

int floe_pq_open_buffer(const void *p, size_t n, const char *name, floe_pq_file **out, floe_err *err)
{
    floe_pq_file *f = file_new(name);
    int rc;
    *out = NULL;
    if (f == NULL) return floe_err_nomem(err);
    f->p = p;
    f->n = n;
    if ((rc = open_common(f, err))) {
        floe_pq_close(f);
        return rc;
    }
    *out = f;
    return FLOE_OK;
}

int floe_pq_open(const char *path, floe_pq_file **out, floe_err *err)
{
    floe_pq_file *f;
    struct stat st;
    int fd = -1, rc;
    const void *map = NULL;
    *out = NULL;
    if ((rc = floe_os_open(path, O_RDONLY, 0, &fd, err))) return rc;
    if ((rc = floe_os_fstat(fd, &st, path, err)) ||
        (rc = floe_os_mmap_file(fd, (size_t)st.st_size, &map, path, err))) {
        floe_os_close(fd, path, NULL);
        return rc;
    }
    floe_os_close(fd, path, NULL);
    f = file_new(path);
    if (f == NULL) {
        floe_os_munmap(map, (size_t)st.st_size);
        return floe_err_nomem(err);
    }
    f->p = map;
    f->n = (size_t)st.st_size;
    f->mapped = true;
    if ((rc = open_common(f, err))) {
        floe_pq_close(f);
        return rc;
    }
    *out = f;
    return FLOE_OK;
}

void floe_pq_close(floe_pq_file *f)
{
    if (f == NULL) return;
    if (f->mapped && f->p) floe_os_munmap(f->p, f->n);
    for (uint32_t i = 0; i < f->nrg; i++) floe_free(f->rgs[i].chunks);
    floe_free(f->rgs);
    floe_free(f->cols);
    floe_free(f->leaves);
    floe_arena_free(f->arena);
    floe_free(f->name);
    floe_free(f);
}

uint32_t floe_pq_ncols(const floe_pq_file *f) { return f->ncols; }
const floe_pq_column *floe_pq_col(const floe_pq_file *f, uint32_t i) { return i < f->ncols ? &f->cols[i] : NULL; }
int64_t floe_pq_nrows(const floe_pq_file *f) { return f->nrows; }
uint32_t floe_pq_nrowgroups(const floe_pq_file *f) { return f->nrg; }
int64_t floe_pq_rowgroup_rows(const floe_pq_file *f, uint32_t rg) { return rg < f->nrg ? f->rgs[rg].nrows : 0; }

/* ---- values ---- */

/* Decoded physical values of one page (or a dictionary). */
typedef struct pq_vals {
    int64_t *i;
    double *d;
    floe_string *s;
    uint32_t n, cap;
} pq_vals;

static int vals_reserve(pq_vals *v, uint32_t cap)
{
    if (cap <= v->cap) return FLOE_OK;
    int64_t *ni = floe_realloc(v->i, (size_t)cap * 8);
    if (ni) v->i = ni;
    double *nd = ni ? floe_realloc(v->d, (size_t)cap * 8) : NULL;
    if (nd) v->d = nd;
    floe_string *ns = nd ? floe_realloc(v->s, (size_t)cap * sizeof(floe_string)) : NULL;
    if (ns == NULL) return FLOE_NOMEM;
    v->s = ns;
    v->cap = cap;
    return FLOE_OK;
}

static void vals_free(pq_vals *v)
{
    floe_free(v->i);
    floe_free(v->d);
    floe_free(v->s);
    memset(v, 0, sizeof *v);
}

typedef struct pq_ctx { /* what decoders need to report and allocate */
    const floe_pq_file *f;
    const pq_leaf *leaf;
    const char *col;
    uint64_t off; /* file offset of the page being decoded */
    floe_arena *heap;
    floe_err *err;
} pq_ctx;

static int bad(pq_ctx *c, const char *what)
{
    return floe_err_set(c->err, FLOE_CORRUPT, "%s: column '%s': corrupt page at byte %llu: %s",
                        c->f->name, c->col, (unsigned long long)c->off, what);
}

static uint64_t get_bits(const uint8_t *p, uint64_t bitpos, int w)
{
    uint64_t v = 0;
    int got = 0;
    const uint8_t *q = p + (bitpos >> 3);
    int sh = (int)(bitpos & 7);
    while (got < w) {
        uint64_t b = (uint64_t)(*q++ >> sh);
        int take = 8 - sh;
        v |= b << got;
        got += take;
        sh = 0;
    }
    return w == 64 ? v : v & ((1ULL << w) - 1);
}

static int uvarint(pq_ctx *c, const uint8_t *p, size_t n, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (*pos >= n) return bad(c, "truncated varint");
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            *out = v;
            return FLOE_OK;
        }
    }
    return bad(c, "varint too long");
}

/* RLE/bit-packed hybrid: `count` values of width w (<= 32) into out. */
static int rle_decode(pq_ctx *c, const uint8_t *p, size_t n, int w, uint32_t *out, uint32_t count)
{
    size_t pos = 0;
    uint32_t got = 0;
    if (w < 0 || w > 32) return bad(c, "bad bit width");
    while (got < count) {
        uint64_t h = 0;
        int rc = uvarint(c, p, n, &pos, &h);
        if (rc) return rc;
        if (h & 1) {
            uint64_t groups = h >> 1, nv = groups * 8, bytes = groups * (uint64_t)w;
            if (groups > n || bytes > n - pos) return bad(c, "bit-packed run past the end");
            for (uint64_t j = 0; j < nv && got < count; j++) out[got++] = (uint32_t)get_bits(p + pos, j * (uint64_t)w, w);
            pos += bytes;
        } else {
            uint64_t run = h >> 1;
            size_t bytes = ((size_t)w + 7) / 8;
            uint32_t v = 0;
            if (bytes > n - pos) return bad(c, "RLE run past the end");
            for (size_t b = 0; b < bytes; b++) v |= (uint32_t)p[pos + b] << (8 * b);
            pos += bytes;
            if (w < 32 && (v >> w)) return bad(c, "RLE value wider than its bit width");
            for (uint64_t j = 0; j < run && got < count; j++) out[got++] = v;
        }
    }
    return FLOE_OK;
}

/* DELTA_BINARY_PACKED: all values into out (cap slots); *used = bytes read. */
static int dbp_decode(pq_ctx *c, const uint8_t *p, size_t n, int64_t *out, uint32_t cap, uint32_t *total_out, size_t *used)
{
    size_t pos = 0;
    uint64_t bs = 0, nmini = 0, total = 0, first = 0;
    int rc;
    if ((rc = uvarint(c, p, n, &pos, &bs)) || (rc = uvarint(c, p, n, &pos, &nmini)) ||
        (rc = uvarint(c, p, n, &pos, &total)) || (rc = uvarint(c, p, n, &pos, &first)))
        return rc;
    if (bs == 0 || bs > (1u << 20) || bs % 128 || nmini == 0 || nmini > bs || bs % nmini || (bs / nmini) % 32)
        return bad(c, "bad DELTA_BINARY_PACKED header");
    if (total > cap) return bad(c, "DELTA_BINARY_PACKED holds more values than the page");
    uint64_t vpm = bs / nmini, got = 0;
    uint64_t cur = (uint64_t)((int64_t)(first >> 1) ^ -(int64_t)(first & 1));
    if (total > 0) out[got++] = (int64_t)cur;
    while (got < total) {
        uint64_t md = 0;
        if ((rc = uvarint(c, p, n, &pos, &md))) return rc;
        uint64_t mind = (uint64_t)((int64_t)(md >> 1) ^ -(int64_t)(md & 1));
        if (nmini > n - pos) return bad(c, "DELTA_BINARY_PACKED widths past the end");
        const uint8_t *widths = p + pos;
        pos += nmini;
        for (uint64_t m = 0; m < nmini && got < total; m++) {
            int w = widths[m];
            if (w > 64) return bad(c, "DELTA_BINARY_PACKED bit width above 64");
            uint64_t bytes = vpm * (uint64_t)w / 8;
            if (bytes > n - pos) return bad(c, "DELTA_BINARY_PACKED miniblock past the end");
            for (uint64_t j = 0; j < vpm && got < total; j++) {
                cur += mind + (w ? get_bits(p + pos, j * (uint64_t)w, w) : 0);
                out[got++] = (int64_t)cur;
            }
            pos += bytes;
        }
    }
    *total_out = (uint32_t)total;
    *used = pos;
    return FLOE_OK;
}

static int64_t int96_micros(const uint8_t *b)
{
    int64_t nanos;
    int32_t day;
    memcpy(&nanos, b, 8);
    memcpy(&day, b + 8, 4);
    return ((int64_t)day - 2440588) * 86400000000LL + nanos / 1000;
}

/* k PLAIN values into v (strings copied into the heap). */
static int plain_decode(pq_ctx *c, const uint8_t *p, size_t n, uint32_t k, pq_vals *v, size_t *used)
{
    const pq_leaf *l = c->leaf;
    size_t pos = 0;
    switch (l->physical) {
    case PQ_BOOLEAN:
        if ((k + 7) / 8 > n) return bad(c, "PLAIN booleans past the end");
        for (uint32_t i = 0; i < k; i++) v->i[i] = (p[i >> 3] >> (i & 7)) & 1;
        pos = (k + 7) / 8;
        break;
    case PQ_INT32:
        if ((uint64_t)k * 4 > n) return bad(c, "PLAIN values past the end");
        for (uint32_t i = 0; i < k; i++) { int32_t x; memcpy(&x, p + 4 * (size_t)i, 4); v->i[i] = x; }
        pos = (size_t)k * 4;
        break;
    case PQ_INT64:
        if ((uint64_t)k * 8 > n) return bad(c, "PLAIN values past the end");
        memcpy(v->i, p, (size_t)k * 8);
        pos = (size_t)k * 8;
        break;
    case PQ_INT96:
        if ((uint64_t)k * 12 > n) return bad(c, "PLAIN values past the end");
        for (uint32_t i = 0; i < k; i++) v->i[i] = int96_micros(p + 12 * (size_t)i);
        pos = (size_t)k * 12;
        break;
    case PQ_FLOAT:
        if ((uint64_t)k * 4 > n) return bad(c, "PLAIN values past the end");
        for (uint32_t i = 0; i < k; i++) { float x; memcpy(&x, p + 4 * (size_t)i, 4); v->d[i] = x; }
        pos = (size_t)k * 4;
        break;
    case PQ_DOUBLE:
        if ((uint64_t)k * 8 > n) return bad(c, "PLAIN values past the end");
        memcpy(v->d, p, (size_t)k * 8);
        pos = (size_t)k * 8;
        break;
    case PQ_BYTE_ARRAY:
        for (uint32_t i = 0; i < k; i++) {
            uint32_t len;
            if (n - pos < 4) return bad(c, "PLAIN string length past the end");
            memcpy(&len, p + pos, 4);
            pos += 4;
            if (len > n - pos) return bad(c, "PLAIN string past the end");
            char *s = floe_arena_memdup(c->heap, p + pos, len ? len : 1);
            if (s == NULL) return floe_err_nomem(c->err);
            v->s[i].ptr = s;
            v->s[i].len = len;
            pos += len;
        }
        break;
    case PQ_FLBA: {
        uint32_t len = (uint32_t)l->type_length;
        if (l->type_length <= 0) return bad(c, "FIXED_LEN_BYTE_ARRAY without a length");
        if ((uint64_t)k * len > n) return bad(c, "PLAIN values past the end");
        char *s = floe_arena_memdup(c->heap, p, ((size_t)k * len) != 0 ? (size_t)k * len : 1);
        if (s == NULL) return floe_err_nomem(c->err);
        for (uint32_t i = 0; i < k; i++) v->s[i].ptr = s + (size_t)i * len, v->s[i].len = len;
        pos = (size_t)k * len;
        break;
    }
    default:
        return bad(c, "unknown physical type");
    }
    if (used) *used = pos;
    return FLOE_OK;
}

/* DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY into v->s (k values). */
static int dlba_decode(pq_ctx *c, const uint8_t *p, size_t n, uint32_t k, pq_vals *v, int64_t *lens, size_t *used)
{
    uint32_t total = 0;
    size_t pos;
    int rc = dbp_decode(c, p, n, lens, k, &total, &pos);
    if (rc) return rc;
    if (total != k) return bad(c, "DELTA_LENGTH_BYTE_ARRAY count differs from the page");
    for (uint32_t i = 0; i < k; i++) {
        if (lens[i] < 0 || (uint64_t)lens[i] > n - pos) return bad(c, "DELTA_LENGTH_BYTE_ARRAY value past the end");
        char *s = floe_arena_memdup(c->heap, p + pos, lens[i] ? (size_t)lens[i] : 1);
        if (s == NULL) return floe_err_nomem(c->err);
        v->s[i].ptr = s;
        v->s[i].len = (uint32_t)lens[i];
        pos += (size_t)lens[i];
    }
    *used = pos;
    return FLOE_OK;
}

static int dba_decode(pq_ctx *c, const uint8_t *p, size_t n, uint32_t k, pq_vals *v)
{
    uint32_t total = 0;
    size_t pos, used;
    int64_t *pre = floe_malloc(((size_t)k + 1) * 8), *lens = floe_malloc(((size_t)k + 1) * 8);
    int rc;
    if (pre == NULL || lens == NULL) { rc = floe_err_nomem(c->err); goto out; }
    if ((rc = dbp_decode(c, p, n, pre, k, &total, &pos))) goto out;
    if (total != k) { rc = bad(c, "DELTA_BYTE_ARRAY count differs from the page"); goto out; }
    if ((rc = dlba_decode(c, p + pos, n - pos, k, v, lens, &used))) goto out;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t plen = i ? v->s[i - 1].len : 0;
        if (pre[i] < 0 || pre[i] > plen) { rc = bad(c, "DELTA_BYTE_ARRAY prefix longer than the previous value"); goto out; }
        if (pre[i] > 0) {
            size_t len = (size_t)pre[i] + v->s[i].len;
            char *s = floe_arena_alloc(c->heap, len);
            if (s == NULL) { rc = floe_err_nomem(c->err); goto out; }
            memcpy(s, v->s[i - 1].ptr, (size_t)pre[i]);
            memcpy(s + pre[i], v->s[i].ptr, v->s[i].len);
            if (len > UINT32_MAX) { rc = bad(c, "string too long"); goto out; }
            v->s[i].ptr = s;
            v->s[i].len = (uint32_t)len;
        }
    }
out:
    floe_free(pre);
    floe_free(lens);
    return rc;
}

static int bss_decode(pq_ctx *c, const uint8_t *p, size_t n, uint32_t k, pq_vals *v)
{
    int w;
    uint8_t tmp[16];
    switch (c->leaf->physical) {
    case PQ_INT32: case PQ_FLOAT: w = 4; break;
    case PQ_INT64: case PQ_DOUBLE: w = 8; break;
    default: return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s: column '%s': BYTE_STREAM_SPLIT on this type is not supported", c->f->name, c->col);
    }
    if ((uint64_t)k * (uint64_t)w > n) return bad(c, "BYTE_STREAM_SPLIT past the end");
    for (uint32_t i = 0; i < k; i++) {
        for (int b = 0; b < w; b++) tmp[b] = p[(size_t)b * k + i];
        switch (c->leaf->physical) {
        case PQ_INT32: { int32_t x; memcpy(&x, tmp, 4); v->i[i] = x; break; }
        case PQ_INT64: memcpy(&v->i[i], tmp, 8); break;
        case PQ_FLOAT: { float x; memcpy(&x, tmp, 4); v->d[i] = x; break; }
        default: memcpy(&v->d[i], tmp, 8); break;
        }
    }
    return FLOE_OK;
}

/* Big-endian two's complement bytes to int64 (DECIMAL on binary). */
static int be_int(const floe_string *s, int64_t *out)
{
    const uint8_t *b = (const uint8_t *)s->ptr;
    uint64_t v = 0;
    uint32_t i;
    if (s->len == 0) { *out = 0; return FLOE_OK; }
    v = (b[0] & 0x80) ? ~0ULL : 0;
    if (s->len > 8) {
        for (i = 0; i < s->len - 8; i++)
            if (b[i] != ((b[0] & 0x80) ? 0xff : 0)) return FLOE_RANGE;
        if (((b[s->len - 8] ^ b[0]) & 0x80)) return FLOE_RANGE;
    }
    for (i = s->len > 8 ? s->len - 8 : 0; i < s->len; i++) v = (v << 8) | b[i];
    *out = (int64_t)v;
    return FLOE_OK;
}

/* Store physical value j of v as row `row` of a column of type t. */
static int store(pq_ctx *c, floe_type t, void *data, uint32_t row, const pq_vals *v, uint32_t j)
{
    const pq_leaf *l = c->leaf;
    int64_t x;
    switch (t.id) {
    case FLOE_TYPE_BOOLEAN: ((uint8_t *)data)[row] = v->i[j] != 0; return FLOE_OK;
    case FLOE_TYPE_INTEGER: ((int32_t *)data)[row] = (int32_t)v->i[j]; return FLOE_OK;
    case FLOE_TYPE_DATE: ((int32_t *)data)[row] = (int32_t)v->i[j]; return FLOE_OK;
    case FLOE_TYPE_BIGINT:
        x = v->i[j];
        if (l->physical == PQ_INT32) x = (int64_t)(uint32_t)x; /* UINT_32 */
        ((int64_t *)data)[row] = x;
        return FLOE_OK;
    case FLOE_TYPE_DECIMAL:
        if (l->physical == PQ_FLBA || l->physical == PQ_BYTE_ARRAY) {
            if (be_int(&v->s[j], &x))
                return floe_err_set(c->err, FLOE_RANGE, "%s: column '%s': DECIMAL value does not fit 18 digits", c->f->name, c->col);
        } else {
            x = v->i[j];
        }
        ((int64_t *)data)[row] = x;
        return FLOE_OK;
    case FLOE_TYPE_TIMESTAMP:
        x = v->i[j];
        if (l->physical == PQ_INT64) {
            int unit = l->unit ? l->unit : (l->converted == PQ_CT_TIMESTAMP_MILLIS ? PQ_UNIT_MILLIS : PQ_UNIT_MICROS);
            if (unit == PQ_UNIT_MILLIS) x *= 1000;
            else if (unit == PQ_UNIT_NANOS) x = x / 1000 - (x % 1000 < 0);
        }
        ((int64_t *)data)[row] = x;
        return FLOE_OK;
    case FLOE_TYPE_DOUBLE: ((double *)data)[row] = v->d[j]; return FLOE_OK;
    case FLOE_TYPE_VARCHAR: ((floe_string *)data)[row] = v->s[j]; return FLOE_OK;
    default: return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s: column '%s': unsupported type", c->f->name, c->col);
    }
}

/* ---- column chunks ---- */

typedef struct pq_colbuf {
    floe_type type;
    void *data;         /* rows values, 64-byte aligned */
    uint64_t *validity; /* NULL when the chunk had no NULL */
    uint32_t rows;
} pq_colbuf;

static int decompress(pq_ctx *c, int codec, const uint8_t *src, size_t n, uint8_t *dst, size_t un)
{
    switch (codec) {
    case PQ_CODEC_SNAPPY: {
        size_t out = un, len;
        if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK || len != un ||
            snappy_uncompress((const char *)src, n, (char *)dst, &out) != SNAPPY_OK || out != un)
            return bad(c, "snappy data does not decompress");
        return FLOE_OK;
    }
    case PQ_CODEC_ZSTD: {
        size_t r = ZSTD_decompress(dst, un, src, n);
        if (ZSTD_isError(r) || r != un) return bad(c, "zstd data does not decompress");
        return FLOE_OK;
    }
    case PQ_CODEC_LZ4_RAW: {
        if (n > INT32_MAX || un > INT32_MAX) return bad(c, "page too large");
        int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)un);
        if (r < 0 || (size_t)r != un) return bad(c, "lz4 data does not decompress");
        return FLOE_OK;
    }
    case PQ_CODEC_GZIP: {
        z_stream z;
        int zr;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 15 + 32) != Z_OK) return floe_err_nomem(c->err);
        z.next_in = (Bytef *)(uintptr_t)src;
        z.avail_in = (uInt)n;
        z.next_out = dst;
        z.avail_out = (uInt)un;
        zr = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        if (zr != Z_STREAM_END || z.total_out != un) return bad(c, "gzip data does not decompress");
        return FLOE_OK;
    }
    default:
        return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s: column '%s': compression codec %d is not supported",
                            c->f->name, c->col, codec);
    }
}

typedef struct page_hdr {
    int32_t type, usize, csize;
    int32_t nvalues, encoding, nnulls, nrows, def_len, rep_len;
    bool is_compressed, has_data, has_dict, has_v2;
} page_hdr;

static int parse_dph(floe_thrift_r *r, page_hdr *h)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &h->nvalues); break;
    case 2: rc_ = floe_thrift_i32(r, t_, &h->encoding); break;
    FIELDS_END(r)
}

static int parse_dph2(floe_thrift_r *r, page_hdr *h)
{
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &h->nvalues); break;
    case 2: rc_ = floe_thrift_i32(r, t_, &h->nnulls); break;
    case 3: rc_ = floe_thrift_i32(r, t_, &h->nrows); break;
    case 4: rc_ = floe_thrift_i32(r, t_, &h->encoding); break;
    case 5: rc_ = floe_thrift_i32(r, t_, &h->def_len); break;
    case 6: rc_ = floe_thrift_i32(r, t_, &h->rep_len); break;
    case 7: h->is_compressed = (t_ == FLOE_TT_TRUE); rc_ = floe_thrift_skip(r, t_); break;
    FIELDS_END(r)
}

static int parse_page_header(floe_thrift_r *r, page_hdr *h)
{
    memset(h, 0, sizeof *h);
    h->is_compressed = true;
    FIELDS_BEGIN(r)
    case 1: rc_ = floe_thrift_i32(r, t_, &h->type); break;
    case 2: rc_ = floe_thrift_i32(r, t_, &h->usize); break;
    case 3: rc_ = floe_thrift_i32(r, t_, &h->csize); break;
    case 5: EXPECT_STRUCT(r) h->has_data = true; rc_ = parse_dph(r, h); break;
    case 7: EXPECT_STRUCT(r) h->has_dict = true; rc_ = parse_dph(r, h); break;
    case 8: EXPECT_STRUCT(r) h->has_v2 = true; rc_ = parse_dph2(r, h); break;
    FIELDS_END(r)
}

typedef struct chunk_state {
    pq_vals dict, page;
    bool has_dict;
    uint8_t *ubuf;       /* decompression buffer */
    size_t ubuf_cap;
    uint32_t *idx;       /* levels / dictionary indexes */
    size_t idx_cap;
    int64_t *lens;
    size_t lens_cap;
} chunk_state;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return FLOE_OK;
    void *np = floe_realloc(*p, need * elem);
    if (np == NULL) return FLOE_NOMEM;
    *p = np;
    *cap = need;
    return FLOE_OK;
}

/* Decode k non-NULL values of a data page body into st->page. */
static int decode_values(pq_ctx *c, chunk_state *st, int enc, const uint8_t *p, size_t n, uint32_t k)
{
    int rc;
    size_t used;
    if (vals_reserve(&st->page, k + 1)) return floe_err_nomem(c->err);
    st->page.n = k;
    switch (enc) {
    case PQ_ENC_PLAIN:
        return plain_decode(c, p, n, k, &st->page, &used);
    case PQ_ENC_PLAIN_DICTIONARY:
    case PQ_ENC_RLE_DICTIONARY: {
        if (!st->has_dict) return bad(c, "dictionary-encoded page without a dictionary");
        if (n < 1) return bad(c, "dictionary page without a bit width");
        if (grow((void **)&st->idx, &st->idx_cap, (size_t)k + 1, 4)) return floe_err_nomem(c->err);
        if ((rc = rle_decode(c, p + 1, n - 1, p[0], st->idx, k))) return rc;
        for (uint32_t i = 0; i < k; i++)
            if (st->idx[i] >= st->dict.n) return bad(c, "dictionary index out of range");
        /* copy only the array the physical type uses (plain_decode fills
         * i, d or s by physical type) */
        if (c->leaf->physical == PQ_BYTE_ARRAY || c->leaf->physical == PQ_FLBA) {
            for (uint32_t i = 0; i < k; i++) st->page.s[i] = st->dict.s[st->idx[i]];
        } else if (c->leaf->physical == PQ_FLOAT || c->leaf->physical == PQ_DOUBLE) {
            for (uint32_t i = 0; i < k; i++) st->page.d[i] = st->dict.d[st->idx[i]];
        } else {
            for (uint32_t i = 0; i < k; i++) st->page.i[i] = st->dict.i[st->idx[i]];
        }
        return FLOE_OK;
    }
    case PQ_ENC_RLE: {
        uint32_t len;
        if (c->leaf->physical != PQ_BOOLEAN) return bad(c, "RLE values on a non-boolean column");
        if (n < 4) return bad(c, "RLE booleans without a length");
        memcpy(&len, p, 4);
        if (len > n - 4) return bad(c, "RLE booleans past the end");
        if (grow((void **)&st->idx, &st->idx_cap, (size_t)k + 1, 4)) return floe_err_nomem(c->err);
        if ((rc = rle_decode(c, p + 4, len, 1, st->idx, k))) return rc;
        for (uint32_t i = 0; i < k; i++) st->page.i[i] = st->idx[i];
        return FLOE_OK;
    }
    case PQ_ENC_DELTA_BINARY_PACKED: {
        uint32_t total = 0;
        if (c->leaf->physical != PQ_INT32 && c->leaf->physical != PQ_INT64)
            return bad(c, "DELTA_BINARY_PACKED on a non-integer column");
        if ((rc = dbp_decode(c, p, n, st->page.i, k, &total, &used))) return rc;
        if (total != k) return bad(c, "DELTA_BINARY_PACKED count differs from the page");
        if (c->leaf->physical == PQ_INT32)
            for (uint32_t i = 0; i < k; i++) st->page.i[i] = (int32_t)(uint32_t)(uint64_t)st->page.i[i];
        return FLOE_OK;
    }
    case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (c->leaf->physical != PQ_BYTE_ARRAY) return bad(c, "DELTA_LENGTH_BYTE_ARRAY on a non-binary column");
        if (grow((void **)&st->lens, &st->lens_cap, (size_t)k + 1, 8)) return floe_err_nomem(c->err);
        return dlba_decode(c, p, n, k, &st->page, st->lens, &used);
    case PQ_ENC_DELTA_BYTE_ARRAY:
        if (c->leaf->physical != PQ_BYTE_ARRAY && c->leaf->physical != PQ_FLBA)
            return bad(c, "DELTA_BYTE_ARRAY on a non-binary column");
        return dba_decode(c, p, n, k, &st->page);
    case PQ_ENC_BYTE_STREAM_SPLIT:
        return bss_decode(c, p, n, k, &st->page);
    default:
        return floe_err_set(c->err, FLOE_UNSUPPORTED, "%s: column '%s': encoding %d is not supported",
                            c->f->name, c->col, enc);
    }
}

/* Decode column chunk `leaf` of row group g into b (b->rows slots). */
static int read_chunk(pq_ctx *c, const pq_rg *g, uint32_t leaf, pq_colbuf *b)
{
    const floe_pq_file *f = c->f;
    const pq_chunk *ch = &g->chunks[leaf];
    const pq_leaf *l = &f->leaves[leaf];
    chunk_state st;
    int64_t start, end;
    uint32_t row = 0;
    int max_def = l->repetition == PQ_OPTIONAL ? 1 : 0;
    int rc = FLOE_OK;

    memset(&st, 0, sizeof st);
    start = ch->data_off;
    if (ch->dict_off > 0 && ch->dict_off < start) start = ch->dict_off;
    c->off = (uint64_t)(start > 0 ? start : 0);
    if (ch->physical != l->physical) return bad(c, "column chunk type differs from the schema");
    if (start < 4 || ch->total_comp < 0 || (uint64_t)start > f->n || (uint64_t)ch->total_comp > f->n - (uint64_t)start)
        return bad(c, "column chunk outside the file");
    if (ch->num_values != b->rows) return bad(c, "column chunk value count differs from the row group");
    end = start + ch->total_comp;
    for (int64_t pos = start; row < b->rows;) {
        floe_thrift_r r;
        page_hdr h;
        const uint8_t *body;
        size_t hlen;
        c->off = (uint64_t)pos;
        if (pos >= end) { rc = bad(c, "column chunk ends before its values"); break; }
        floe_thrift_r_init(&r, f->p + pos, (size_t)(end - pos), (uint64_t)pos, f->name, c->err);
        if ((rc = parse_page_header(&r, &h))) break;
        hlen = r.pos;
        if (h.csize < 0 || h.usize < 0 || (uint32_t)h.usize > PQ_MAX_PAGE || (uint64_t)h.csize > (uint64_t)(end - pos) - hlen) {
            rc = bad(c, "page sizes out of range");
            break;
        }
        body = f->p + pos + hlen;
        pos += (int64_t)hlen + h.csize;
        if (h.type == PQ_PAGE_DICTIONARY) {
            const uint8_t *u = body;
            size_t used;
            if (!h.has_dict || h.nvalues < 0 || st.has_dict) { rc = bad(c, "bad dictionary page"); break; }
            if (ch->codec != PQ_CODEC_UNCOMPRESSED) {
                if (grow((void **)&st.ubuf, &st.ubuf_cap, (size_t)h.usize + 1, 1)) { rc = floe_err_nomem(c->err); break; }
                if ((rc = decompress(c, ch->codec, body, (size_t)h.csize, st.ubuf, (size_t)h.usize))) break;
                u = st.ubuf;
            } else if (h.usize != h.csize) { rc = bad(c, "uncompressed page sizes differ"); break; }
            if ((uint64_t)h.nvalues > (uint64_t)h.usize * 8 + 1) { rc = bad(c, "dictionary larger than its page"); break; }
            if (vals_reserve(&st.dict, (uint32_t)h.nvalues + 1)) { rc = floe_err_nomem(c->err); break; }
            if ((rc = plain_decode(c, u, (size_t)h.usize, (uint32_t)h.nvalues, &st.dict, &used))) break;
            st.dict.n = (uint32_t)h.nvalues;
            st.has_dict = true;
            continue;
        }
        if (h.type != PQ_PAGE_DATA && h.type != PQ_PAGE_DATA_V2) continue; /* index pages */
        if ((h.type == PQ_PAGE_DATA && !h.has_data) || (h.type == PQ_PAGE_DATA_V2 && !h.has_v2) ||
            h.nvalues < 0 || (uint32_t)h.nvalues > b->rows - row) {
            rc = bad(c, "bad data page header");
            break;
        }
        uint32_t nv = (uint32_t)h.nvalues, k = 0;
        const uint8_t *u, *defs = NULL;
        size_t un, ndefs = 0;
        if (h.type == PQ_PAGE_DATA_V2) {
            if (h.def_len < 0 || h.rep_len != 0 || (uint64_t)h.def_len > (uint64_t)h.csize) { rc = bad(c, "bad level lengths"); break; }
            defs = body;
            ndefs = (size_t)h.def_len;
            body += h.def_len;
            size_t clen = (size_t)h.csize - (size_t)h.def_len;
            if ((uint64_t)h.usize < (uint64_t)h.def_len) { rc = bad(c, "bad page sizes"); break; }
            un = (size_t)h.usize - (size_t)h.def_len;
            if (h.is_compressed && ch->codec != PQ_CODEC_UNCOMPRESSED) {
                if (grow((void **)&st.ubuf, &st.ubuf_cap, un + 1, 1)) { rc = floe_err_nomem(c->err); break; }
                if ((rc = decompress(c, ch->codec, body, clen, st.ubuf, un))) break;
                u = st.ubuf;
            } else {
                if (clen != un) { rc = bad(c, "uncompressed page sizes differ"); break; }
                u = body;
            }
        } else {
            un = (size_t)h.usize;
            if (ch->codec != PQ_CODEC_UNCOMPRESSED) {
                if (grow((void **)&st.ubuf, &st.ubuf_cap, un + 1, 1)) { rc = floe_err_nomem(c->err); break; }
                if ((rc = decompress(c, ch->codec, body, (size_t)h.csize, st.ubuf, un))) break;
                u = st.ubuf;
            } else {
                if (h.csize != h.usize) { rc = bad(c, "uncompressed page sizes differ"); break; }
                u = body;
            }
            if (max_def) {
                uint32_t len;
                if (un < 4) { rc = bad(c, "definition levels without a length"); break; }
                memcpy(&len, u, 4);
                if (len > un - 4) { rc = bad(c, "definition levels past the end"); break; }
                defs = u + 4;
                ndefs = len;
                u += 4 + len;
                un -= 4 + (size_t)len;
            }
        }
        /* definition levels -> validity */
        if (max_def) {
            if (grow((void **)&st.idx, &st.idx_cap, (size_t)nv + 1, 4)) { rc = floe_err_nomem(c->err); break; }
            if ((rc = rle_decode(c, defs, ndefs, 1, st.idx, nv))) break;
            for (uint32_t i = 0; i < nv; i++) k += st.idx[i];
            if (k < nv && b->validity == NULL) {
                size_t words = FLOE_BITMAP_WORDS(b->rows);
                b->validity = floe_malloc(words * 8);
                if (b->validity == NULL) { rc = floe_err_nomem(c->err); break; }
                memset(b->validity, 0xff, words * 8);
            }
            if (k < nv)
                for (uint32_t i = 0; i < nv; i++)
                    if (!st.idx[i]) b->validity[(row + i) >> 6] &= ~(1ULL << ((row + i) & 63));
        } else {
            k = nv;
        }
        /* the levels buffer is reused by dictionary indexes: keep a copy of the valid rows' positions */
        if (k < nv) {
            uint8_t *isnull = floe_malloc(nv);
            if (isnull == NULL) { rc = floe_err_nomem(c->err); break; }
            for (uint32_t i = 0; i < nv; i++) isnull[i] = st.idx[i] == 0;
            rc = decode_values(c, &st, h.encoding, u, un, k);
            if (rc == FLOE_OK) {
                uint32_t j = 0;
                size_t sz = floe_type_size(b->type);
                for (uint32_t i = 0; i < nv && rc == FLOE_OK; i++) {
                    if (isnull[i]) memset((uint8_t *)b->data + (size_t)(row + i) * sz, 0, sz);
                    else rc = store(c, b->type, b->data, row + i, &st.page, j++);
                }
            }
            floe_free(isnull);
            if (rc) break;
        } else {
            if ((rc = decode_values(c, &st, h.encoding, u, un, k))) break;
            for (uint32_t i = 0; i < nv && rc == FLOE_OK; i++) rc = store(c, b->type, b->data, row + i, &st.page, i);
            if (rc) break;
        }
        row += nv;
    }
    vals_free(&st.dict);
    vals_free(&st.page);
    floe_free(st.ubuf);
    floe_free(st.idx);
    floe_free(st.lens);
    return rc;
}

/* ---- statistics ---- */

/* One PLAIN statistics value to a floe value of the column's type. */
static bool stat_value(const floe_pq_file *f, const pq_leaf *l, floe_type t, const uint8_t *p, uint32_t n,
                       floe_value *out)
{
    pq_vals v;
    int64_t i = 0;
    double d = 0;
    floe_string s = {(const char *)p, n};
    out->type = t;
    out->is_null = false;
    v.i = &i, v.d = &d, v.s = &s, v.n = v.cap = 1;
    switch (l->physical) {
    case PQ_BOOLEAN: if (n < 1) return false; i = p[0] & 1; break;
    case PQ_INT32: { int32_t x; if (n != 4) return false; memcpy(&x, p, 4); i = x; break; }
    case PQ_INT64: if (n != 8) return false; memcpy(&i, p, 8); break;
    case PQ_FLOAT: { float x; if (n != 4) return false; memcpy(&x, p, 4); d = x; break; }
    case PQ_DOUBLE: if (n != 8) return false; memcpy(&d, p, 8); break;
    case PQ_BYTE_ARRAY: case PQ_FLBA: break;
    default: return false;
    }
    if (t.id == FLOE_TYPE_DOUBLE && d != d) return false; /* NaN */
    {
        floe_err e = FLOE_ERR_INIT;
        pq_ctx c = {f, l, "", 0, NULL, &e};
        union { int64_t i; double d; floe_string s; int32_t i32; uint8_t b; } slot;
        if (store(&c, t, &slot, 0, &v, 0)) return false;
        floe_value_load(t, &slot, 0, out);
    }
    return true;
}

bool floe_pq_rowgroup_may_match(const floe_pq_file *f, uint32_t rg, const floe_pq_pred *preds, uint32_t npreds)
{
    if (rg >= f->nrg) return false;
    for (uint32_t i = 0; i < npreds; i++) {
        const floe_pq_pred *pr = &preds[i];
        const floe_pq_column *col;
        const pq_chunk *ch;
        const pq_leaf *l;
        floe_value mn, mx;
        if (pr->col >= f->ncols) continue;
        col = &f->cols[pr->col];
        if (col->leaf < 0 || col->type.id == FLOE_TYPE_INVALID) continue;
        ch = &f->rgs[rg].chunks[col->leaf];
        l = &f->leaves[col->leaf];
        if (ch->st.null_count >= 0 && ch->st.null_count == f->rgs[rg].nrows && f->rgs[rg].nrows > 0)
            return false; /* only NULLs: no comparison passes */
        if (ch->st.min == NULL || !floe_type_eq(pr->v.type, col->type) || pr->v.is_null) continue;
        if (ch->st.legacy && (col->type.id == FLOE_TYPE_VARCHAR || col->type.id == FLOE_TYPE_DECIMAL ||
                              l->converted == PQ_CT_UINT_32))
            continue; /* the deprecated fields' order is not trustworthy */
        if (!stat_value(f, l, col->type, ch->st.min, ch->st.nmin, &mn) ||
            !stat_value(f, l, col->type, ch->st.max, ch->st.nmax, &mx))
            continue;
        int cmin = floe_value_cmp(&pr->v, &mn), cmax = floe_value_cmp(&pr->v, &mx);
        switch (pr->op) {
        case FLOE_PQ_EQ: if (cmin < 0 || cmax > 0) return false; break;
        case FLOE_PQ_LT: if (cmin <= 0) return false; break;   /* v <= min: no x < v */
        case FLOE_PQ_LE: if (cmin < 0) return false; break;
        case FLOE_PQ_GT: if (cmax >= 0) return false; break;   /* v >= max: no x > v */
        case FLOE_PQ_GE: if (cmax > 0) return false; break;
        }
    }
    return true;
}

/* ---- scans ---- */

struct floe_pq_scan {
    floe_pq_file *f;
    uint32_t *cols, ncols;
    floe_pq_pred *preds;
    uint32_t npreds;
    uint32_t rg;         /* next row group to load */
    uint32_t rg_end;     /* one past the last row group to load */
    uint32_t skipped;
    pq_colbuf *bufs;     /* ncols, for the loaded row group */
    uint32_t rows, pos;  /* loaded rows, next row to return */
    floe_arena *heap;    /* strings of the loaded row group */
};

int floe_pq_scan_open(floe_pq_file *f, const uint32_t *cols, uint32_t ncols, const floe_pq_pred *preds,
                      uint32_t npreds, floe_pq_scan **out, floe_err *err)
{
    floe_pq_scan *s;
    *out = NULL;
    for (uint32_t i = 0; i < ncols; i++) {
        if (cols[i] >= f->ncols) return floe_err_set(err, FLOE_MISUSE, "%s: no column %u", f->name, cols[i]);
        if (f->cols[cols[i]].type.id == FLOE_TYPE_INVALID)
            return floe_err_set(err, FLOE_UNSUPPORTED, "%s: column '%s': %s is not supported", f->name,
                                f->cols[cols[i]].name, f->cols[cols[i]].why);
    }
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    s->f = f;
    s->cols = floe_malloc(((size_t)ncols + 1) * sizeof *s->cols);
    s->preds = floe_malloc(((size_t)npreds + 1) * sizeof *s->preds);
    s->bufs = floe_calloc((size_t)ncols + 1, sizeof *s->bufs);
    s->heap = floe_arena_new(0);
    if (!s->cols || !s->preds || !s->bufs || !s->heap) {
        floe_pq_scan_close(s);
        return floe_err_nomem(err);
    }
    if (ncols) memcpy(s->cols, cols, ncols * sizeof *cols);
    if (npreds) memcpy(s->preds, preds, npreds * sizeof *preds);
    s->ncols = ncols;
    s->npreds = npreds;
    s->rg_end = f->nrg;
    *out = s;
    return FLOE_OK;
}

void floe_pq_scan_range(floe_pq_scan *s, uint32_t rg_first, uint32_t rg_end)
{
    if (rg_end > s->f->nrg) rg_end = s->f->nrg;
    if (rg_first > rg_end) rg_first = rg_end;
    s->rg = rg_first;
    s->rg_end = rg_end;
}

static void release_rg(floe_pq_scan *s)
{
    for (uint32_t i = 0; i < s->ncols; i++) {
        floe_free_aligned(s->bufs[i].data);
        floe_free(s->bufs[i].validity);
        memset(&s->bufs[i], 0, sizeof s->bufs[i]);
    }
    floe_arena_reset(s->heap);
    s->rows = s->pos = 0;
}

static int load_rg(floe_pq_scan *s, uint32_t rg, floe_err *err)
{
    const floe_pq_file *f = s->f;
    int64_t nrows = f->rgs[rg].nrows;
    if (nrows < 0 || nrows > (int64_t)UINT32_MAX - 64)
        return floe_err_set(err, FLOE_CORRUPT, "%s: row group %u has %lld rows", f->name, rg, (long long)nrows);
    for (uint32_t i = 0; i < s->ncols; i++) {
        const floe_pq_column *col = &f->cols[s->cols[i]];
        pq_colbuf *b = &s->bufs[i];
        pq_ctx c = {f, &f->leaves[col->leaf], col->name, 0, s->heap, err};
        size_t sz = floe_type_size(col->type);
        int rc;
        b->type = col->type;
        b->rows = (uint32_t)nrows;
        /* a row group claims rows; its chunk must back them with bytes */
        if ((uint64_t)nrows > (uint64_t)f->n * 8 + 64) return bad(&c, "row count larger than the file can hold");
        b->data = floe_malloc_aligned(((size_t)nrows + 1) * sz);
        if (b->data == NULL) return floe_err_nomem(err);
        if ((rc = read_chunk(&c, &f->rgs[rg], (uint32_t)col->leaf, b))) return rc;
    }
    s->rows = (uint32_t)nrows;
    s->pos = 0;
    return FLOE_OK;
}

int floe_pq_scan_next(floe_pq_scan *s, floe_batch *out, floe_err *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    while (s->pos >= s->rows) {
        release_rg(s);
        if (s->rg >= s->rg_end) return FLOE_DONE;
        uint32_t rg = s->rg++;
        if (!floe_pq_rowgroup_may_match(s->f, rg, s->preds, s->npreds)) {
            s->skipped++;
            continue;
        }
        if ((rc = load_rg(s, rg, err))) {
            release_rg(s);
            return rc;
        }
    }
    uint32_t n = s->rows - s->pos < FLOE_VEC_SIZE ? s->rows - s->pos : FLOE_VEC_SIZE;
    out->cols = floe_calloc(s->ncols ? s->ncols : 1, sizeof *out->cols);
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = s->ncols;
    out->n = n;
    for (uint32_t i = 0; i < s->ncols; i++) {
        pq_colbuf *b = &s->bufs[i];
        size_t sz = floe_type_size(b->type);
        floe_vec_borrow(&out->cols[i], b->type, (uint8_t *)b->data + (size_t)s->pos * sz,
                        b->validity ? b->validity + s->pos / 64 : NULL, n);
    }
    s->pos += n;
    return FLOE_ROW;
}

uint32_t floe_pq_scan_skipped(const floe_pq_scan *s) { return s->skipped; }

void floe_pq_scan_close(floe_pq_scan *s)
{
    if (s == NULL) return;
    if (s->bufs) release_rg(s);
    floe_free(s->bufs);
    floe_free(s->cols);
    floe_free(s->preds);
    floe_arena_free(s->heap);
    floe_free(s);
}
