/* db/info_schema.c: information_schema system tables. Contract in
 * db/info_schema.h. */
#include "db/info_schema.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/constraint.h"
#include "db/system.h"
#include "util/mem.h"

#define V {FLOE_TYPE_VARCHAR, 0, 0}

static const floe_cat_column tables_cols[] = {
    {.name = "table_catalog", .type = V}, {.name = "table_schema", .type = V},
    {.name = "table_name", .type = V},    {.name = "table_type", .type = V},
};
static const floe_cat_column columns_cols[] = {
    {.name = "table_catalog", .type = V},
    {.name = "table_schema", .type = V},
    {.name = "table_name", .type = V},
    {.name = "column_name", .type = V},
    {.name = "ordinal_position", .type = {FLOE_TYPE_INTEGER, 0, 0}},
    {.name = "column_default", .type = V},
    {.name = "is_nullable", .type = V},
    {.name = "data_type", .type = V},
};
static const floe_cat_column cons_cols[] = {
    {.name = "table_name", .type = V},
    {.name = "constraint_name", .type = V},
    {.name = "constraint_type", .type = V},
};

typedef struct info_table {
    const char *name;
    const floe_cat_column *cols;
    uint32_t ncols;
} info_table;

static const info_table infos[] = {
    {"information_schema.tables", tables_cols, 4},
    {"information_schema.columns", columns_cols, 8},
    {"information_schema.table_constraints", cons_cols, 3},
};
#define NINFO (sizeof infos / sizeof infos[0])

bool floe_info_schema_find(const char *name, floe_cat_table *out)
{
    uint32_t i;
    for (i = 0; i < NINFO; i++) {
        if (strcasecmp(name, infos[i].name) != 0) continue;
        memset(out, 0, sizeof *out);
        out->name = infos[i].name;
        out->cols = infos[i].cols;
        out->ncols = infos[i].ncols;
        out->nrows = 64;
        out->table_ref = (void *)&infos[i];
        return true;
    }
    return false;
}

bool floe_info_schema_is(const void *table_ref)
{
    return table_ref >= (const void *)&infos[0] && table_ref < (const void *)&infos[NINFO];
}

/* A growing batch of text (and INTEGER) columns. */
typedef struct rows {
    floe_batch b;
    uint32_t n, cap;
    int rc;
} rows;

static int rows_init(rows *r, const info_table *it)
{
    floe_type types[8];
    uint32_t c;
    for (c = 0; c < it->ncols; c++) types[c] = it->cols[c].type;
    r->n = 0;
    r->cap = 64;
    r->rc = floe_batch_init(&r->b, it->ncols, types, r->cap);
    return r->rc;
}

static int grow(rows *r)
{
    uint32_t c;
    if (r->n < r->cap) return FLOE_OK;
    for (c = 0; c < r->b.ncols && r->rc == FLOE_OK; c++) {
        floe_vec *v = &r->b.cols[c];
        v->n = r->n;
        r->rc = floe_vec_make_owned(v, r->cap * 2);
    }
    if (r->rc == FLOE_OK) r->cap *= 2;
    return r->rc;
}

/* Set column c of the current row (r->n) to s (NULL: SQL NULL). */
static void put(rows *r, uint32_t c, const char *s)
{
    if (r->rc != FLOE_OK) return;
    if (s == NULL)
        r->rc = floe_vec_set_null(&r->b.cols[c], r->n);
    else
        r->rc = floe_vec_set_string(&r->b.cols[c], r->n, s, (uint32_t)strlen(s));
}

static void put_int(rows *r, uint32_t c, int32_t v)
{
    if (r->rc == FLOE_OK) ((int32_t *)r->b.cols[c].data)[r->n] = v;
}

static void fill_tables(floe_db *db, rows *r)
{
    uint32_t i;
    for (i = 0; i < db->ntables + db->nviews && r->rc == FLOE_OK; i++) {
        bool view = i >= db->ntables;
        if (grow(r) != FLOE_OK) return;
        put(r, 0, "floe");
        put(r, 1, "main");
        put(r, 2, view ? db->views[i - db->ntables].name : db->tables[i]->def->name);
        put(r, 3, view ? "VIEW" : "BASE TABLE");
        r->n++;
    }
}

static void fill_columns(floe_db *db, rows *r)
{
    uint32_t i, c;
    for (i = 0; i < db->ntables && r->rc == FLOE_OK; i++) {
        const floe_table_def *d = db->tables[i]->def;
        for (c = 0; c < d->ncols && r->rc == FLOE_OK; c++) {
            char tb[32];
            if (grow(r) != FLOE_OK) return;
            put(r, 0, "floe");
            put(r, 1, "main");
            put(r, 2, d->name);
            put(r, 3, d->cols[c].name);
            put_int(r, 4, (int32_t)c + 1);
            put(r, 5, d->cols[c].default_text);
            put(r, 6, d->cols[c].not_null ? "NO" : "YES");
            put(r, 7, floe_type_name(d->cols[c].type, tb, sizeof tb));
            r->n++;
        }
    }
}

static void fill_constraints(floe_db *db, rows *r)
{
    uint32_t i, k, n;
    for (i = 0; i < db->ntables && r->rc == FLOE_OK; i++) {
        const floe_catalog_object *o = floe_db_cons_objects(db->tables[i], &n);
        for (k = 0; k < n && r->rc == FLOE_OK; k++) {
            const char *type = o[k].kind == FLOE_OBJ_PRIMARY ? "PRIMARY KEY"
                               : o[k].kind == FLOE_OBJ_UNIQUE || o[k].kind == FLOE_OBJ_UNIQUE_INDEX
                                   ? "UNIQUE"
                               : o[k].kind == FLOE_OBJ_CHECK ? "CHECK"
                                                              : NULL;
            if (type == NULL) continue;
            if (grow(r) != FLOE_OK) return;
            put(r, 0, db->tables[i]->def->name);
            put(r, 1, o[k].name);
            put(r, 2, type);
            r->n++;
        }
    }
}

int floe_info_schema_source(floe_db *db, const void *table_ref, floe_scan_source *out,
                            floe_err *err)
{
    const info_table *it = table_ref;
    rows r;
    uint32_t c;
    if (rows_init(&r, it) != FLOE_OK) return floe_err_nomem(err);
    if (it == &infos[0]) fill_tables(db, &r);
    else if (it == &infos[1]) fill_columns(db, &r);
    else fill_constraints(db, &r);
    if (r.rc != FLOE_OK) {
        floe_batch_free(&r.b);
        return floe_err_nomem(err);
    }
    for (c = 0; c < r.b.ncols; c++) r.b.cols[c].n = r.n;
    r.b.n = r.n;
    return floe_batch_source_new(&r.b, out, err);
}
