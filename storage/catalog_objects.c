/* storage/catalog_objects.c: constraints, indexes and views in the catalog.
 *
 * Schema v3 adds one table, `objects`: a row per PRIMARY KEY, UNIQUE, CHECK,
 * index and view (kinds in storage/catalog.h). Column lists are stored as
 * comma-separated column ids, CHECK expressions and view queries as SQL text
 * that db/ parses again when it needs them. A table's rows cascade away with
 * the table. Same contract as storage/catalog.c: the catalog mutex around
 * every call, one transaction per write, damage is FLOE_CORRUPT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage/catalog_internal.h"
#include "util/mem.h"

const char floe_catalog_migration_v3[] =
    "CREATE TABLE objects(id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    " name TEXT NOT NULL COLLATE NOCASE,"
    " table_id INTEGER REFERENCES tables(id) ON DELETE CASCADE,"
    " cols TEXT NOT NULL, sql TEXT, aliases TEXT);"
    "CREATE INDEX objects_by_table ON objects(table_id);";

static int insert_one(floe_catalog *c, int64_t table_id, const floe_catalog_object *o,
                      const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    char cols[2048];
    size_t n = 0;
    uint32_t i;
    int rc;
    cols[0] = '\0';
    for (i = 0; i < o->ncols && n < sizeof cols - 16; i++)
        n += (size_t)snprintf(cols + n, sizeof cols - n, "%s%u", i ? "," : "", o->col_ids[i]);
    rc = floe_catalog_prep(c, "INSERT INTO objects(kind, name, table_id, cols, sql, aliases)"
                              " VALUES(?,?,?,?,?,?)", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, o->kind);
    sqlite3_bind_text(st, 2, o->name ? o->name : "", -1, SQLITE_STATIC);
    if (table_id > 0)
        sqlite3_bind_int64(st, 3, table_id);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, cols, -1, SQLITE_STATIC);
    if (o->sql) sqlite3_bind_text(st, 5, o->sql, -1, SQLITE_STATIC);
    if (o->aliases) sqlite3_bind_text(st, 6, o->aliases, -1, SQLITE_STATIC);
    return floe_catalog_run(c, st, what, err);
}

int floe_catalog_insert_objects(floe_catalog *c, int64_t table_id, const floe_catalog_object *objs,
                                uint32_t n, const char *what, floe_err *err)
{
    uint32_t i;
    int rc = FLOE_OK;
    for (i = 0; i < n && rc == FLOE_OK; i++) rc = insert_one(c, table_id, &objs[i], what, err);
    return rc;
}

/* Whether an index (view: a view) named `name` exists: *out 0/1. */
static int object_exists(floe_catalog *c, bool view, const char *name, int64_t *out_id,
                         int64_t *out_table, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, view ? "SELECT id, 0 FROM objects WHERE kind=6 AND name=?"
                                       : "SELECT id, table_id FROM objects WHERE kind IN (4,5) AND name=?",
                               &st, what, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = floe_catalog_step(c, st, what, err);
    *out_id = -1;
    if (rc == FLOE_ROW) {
        *out_id = sqlite3_column_int64(st, 0);
        if (out_table) *out_table = sqlite3_column_int64(st, 1);
        rc = FLOE_OK;
    } else if (rc == FLOE_DONE) {
        rc = FLOE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int floe_catalog_add_object(floe_catalog *c, const floe_catalog_object *o, bool replace,
                            floe_err *err)
{
    char what[320];
    int64_t id = -1;
    bool view = o->kind == FLOE_OBJ_VIEW;
    int rc;
    snprintf(what, sizeof what, "create %s '%s'", view ? "view" : "index", o->name);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    if (view || o->kind == FLOE_OBJ_INDEX || o->kind == FLOE_OBJ_UNIQUE_INDEX)
        rc = object_exists(c, view, o->name, &id, NULL, what, err);
    if (rc == FLOE_OK && id >= 0) {
        if (view && replace) {
            sqlite3_stmt *st;
            rc = floe_catalog_prep(c, "DELETE FROM objects WHERE id=?", &st, what, err);
            if (rc == FLOE_OK) {
                sqlite3_bind_int64(st, 1, id);
                rc = floe_catalog_run(c, st, what, err);
            }
        } else {
            rc = floe_err_set(err, FLOE_CONSTRAINT, "catalog: %s: already exists", what);
        }
    }
    if (rc == FLOE_OK) rc = insert_one(c, o->table_id, o, what, err);
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_drop_object(floe_catalog *c, bool view, const char *name, int64_t *out_table_id,
                             floe_err *err)
{
    char what[320];
    int64_t id = -1, tid = 0;
    sqlite3_stmt *st;
    int rc;
    snprintf(what, sizeof what, "drop %s '%s'", view ? "view" : "index", name);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    rc = object_exists(c, view, name, &id, &tid, what, err);
    if (rc == FLOE_OK && id < 0) rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: no such %s", what,
                                                  view ? "view" : "index");
    if (rc == FLOE_OK) rc = floe_catalog_prep(c, "DELETE FROM objects WHERE id=?", &st, what, err);
    if (rc == FLOE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = floe_catalog_run(c, st, what, err);
    }
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    if (rc == FLOE_OK && out_table_id) *out_table_id = tid;
    return rc;
}

void floe_catalog_objects_free(floe_catalog_object *o, uint32_t n)
{
    uint32_t i;
    if (o == NULL) return;
    for (i = 0; i < n; i++) {
        floe_free(o[i].name);
        floe_free(o[i].col_ids);
        floe_free(o[i].sql);
        floe_free(o[i].aliases);
    }
    floe_free(o);
}

static char *text_or_null(sqlite3_stmt *st, int i, bool *nomem)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    char *r;
    if (s == NULL) return NULL;
    r = floe_strdup((const char *)s);
    if (r == NULL) *nomem = true;
    return r;
}

/* Parse "1,2,3" into o->col_ids; false on damage. */
static bool parse_cols(const char *s, floe_catalog_object *o, bool *nomem)
{
    uint32_t n = 0, cap = 4;
    const char *p = s;
    if (*p == '\0') return true;
    if ((o->col_ids = floe_calloc(cap, sizeof *o->col_ids)) == NULL) return !(*nomem = true);
    while (*p) {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || v == 0 || v > UINT32_MAX) return false;
        if (n == cap) {
            uint32_t *nc = floe_realloc(o->col_ids, (size_t)cap * 2 * sizeof *nc);
            if (nc == NULL) return !(*nomem = true);
            o->col_ids = nc;
            cap *= 2;
        }
        o->col_ids[n++] = (uint32_t)v;
        p = end;
        if (*p == ',') p++;
        else if (*p) return false;
    }
    o->ncols = n;
    return true;
}

int floe_catalog_list_objects(floe_catalog *c, int64_t table_id, floe_catalog_object **out,
                              uint32_t *out_n, floe_err *err)
{
    const char *what = "list objects";
    floe_catalog_object *arr = NULL;
    uint32_t n = 0, cap = 0;
    sqlite3_stmt *st;
    bool nomem = false;
    int rc;
    *out = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, table_id < 0 ? "SELECT kind, name, table_id, cols, sql, aliases FROM objects ORDER BY id"
                           : table_id == 0 ? "SELECT kind, name, table_id, cols, sql, aliases FROM objects WHERE table_id IS NULL ORDER BY id"
                                           : "SELECT kind, name, table_id, cols, sql, aliases FROM objects WHERE table_id=? ORDER BY id",
                           &st, what, err);
    if (rc) goto unlock;
    if (table_id > 0) sqlite3_bind_int64(st, 1, table_id);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        floe_catalog_object *o;
        int64_t kind, tid = 0;
        if (n == cap) {
            uint32_t nc = cap ? cap * 2 : 8;
            floe_catalog_object *na = floe_realloc(arr, nc * sizeof *na);
            if (na == NULL) {
                nomem = true;
                break;
            }
            arr = na;
            cap = nc;
        }
        o = &arr[n++];
        memset(o, 0, sizeof *o);
        if (!floe_catalog_int_col(st, 0, FLOE_OBJ_PRIMARY, FLOE_OBJ_VIEW, &kind) ||
            (sqlite3_column_type(st, 2) != SQLITE_NULL && !floe_catalog_int_col(st, 2, 1, INT64_MAX, &tid)) ||
            sqlite3_column_type(st, 1) != SQLITE_TEXT || sqlite3_column_type(st, 3) != SQLITE_TEXT) {
            rc = BADVAL(c, "objects: bad values");
            break;
        }
        o->kind = (floe_object_kind)kind;
        o->table_id = tid;
        o->name = text_or_null(st, 1, &nomem);
        o->sql = text_or_null(st, 4, &nomem);
        o->aliases = text_or_null(st, 5, &nomem);
        if (!parse_cols((const char *)sqlite3_column_text(st, 3), o, &nomem) && !nomem) {
            rc = BADVAL(c, "objects: bad column list of '%s'", o->name ? o->name : "?");
            break;
        }
        if (nomem) break;
    }
    sqlite3_finalize(st);
    if (nomem) rc = floe_err_nomem(err);
    else if (rc == FLOE_DONE) rc = FLOE_OK;
unlock:
    pthread_mutex_unlock(&c->mu);
    if (rc != FLOE_OK) {
        floe_catalog_objects_free(arr, n);
        return rc;
    }
    *out = arr;
    *out_n = n;
    return FLOE_OK;
}
