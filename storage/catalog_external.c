/* storage/catalog_external.c: external tables' records (see catalog_external.h). */
#include "storage/catalog_external.h"

#include <string.h>

#include "storage/catalog_internal.h"
#include "util/mem.h"

static const char ext_schema[] =
    "CREATE TABLE IF NOT EXISTS ext_tables(name TEXT PRIMARY KEY COLLATE NOCASE,"
    " format TEXT NOT NULL, location TEXT NOT NULL, options TEXT NOT NULL,"
    " crawled INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ext_columns(table_name TEXT NOT NULL COLLATE NOCASE,"
    " ordinal INTEGER NOT NULL, name TEXT NOT NULL, type_id INTEGER NOT NULL,"
    " precision INTEGER NOT NULL, scale INTEGER NOT NULL, partition INTEGER NOT NULL,"
    " PRIMARY KEY(table_name, ordinal));"
    "CREATE TABLE IF NOT EXISTS ext_files(table_name TEXT NOT NULL COLLATE NOCASE,"
    " path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,"
    " PRIMARY KEY(table_name, path));";

static char *dup(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char *p = floe_malloc(n + 1);
    if (p == NULL) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void floe_ext_table_free(floe_ext_table *t)
{
    uint32_t i;
    if (t == NULL) return;
    for (i = 0; i < t->ncols; i++) floe_free(t->cols[i].name);
    for (i = 0; i < t->nfiles; i++) floe_free(t->files[i].path);
    floe_free(t->cols);
    floe_free(t->files);
    floe_free(t->name);
    floe_free(t->format);
    floe_free(t->location);
    floe_free(t->options);
    floe_free(t);
}

static bool have_tables(floe_catalog *c)
{
    sqlite3_stmt *st;
    bool have = false;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM sqlite_master WHERE name='ext_tables'", -1, &st,
                           NULL) != SQLITE_OK)
        return false;
    have = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return have;
}

static int del_rows(floe_catalog *c, const char *name, floe_err *err)
{
    static const char *const sql[] = {"DELETE FROM ext_tables WHERE name=?1",
                                      "DELETE FROM ext_columns WHERE table_name=?1",
                                      "DELETE FROM ext_files WHERE table_name=?1"};
    int rc = FLOE_OK;
    for (int k = 0; k < 3 && rc == FLOE_OK; k++) {
        sqlite3_stmt *st;
        if ((rc = floe_catalog_prep(c, sql[k], &st, "drop external table", err))) break;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = floe_catalog_run(c, st, "drop external table", err);
    }
    return rc;
}

static int put_locked(floe_catalog *c, const floe_ext_table *t, floe_err *err)
{
    const char *what = "register external table";
    sqlite3_stmt *st;
    uint32_t i;
    int rc;
    if ((rc = floe_catalog_exec(c, ext_schema, what, err))) return rc;
    if ((rc = del_rows(c, t->name, err))) return rc;
    if ((rc = floe_catalog_prep(c, "INSERT INTO ext_tables VALUES(?1, ?2, ?3, ?4, ?5)", &st, what, err)))
        return rc;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, t->format, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t->location, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, t->options ? t->options : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t->crawled_us);
    if ((rc = floe_catalog_run(c, st, what, err))) return rc;
    for (i = 0; i < t->ncols; i++) {
        if ((rc = floe_catalog_prep(c, "INSERT INTO ext_columns VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st,
                                    what, err)))
            return rc;
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_text(st, 3, t->cols[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, t->cols[i].type.id);
        sqlite3_bind_int64(st, 5, t->cols[i].type.precision);
        sqlite3_bind_int64(st, 6, t->cols[i].type.scale);
        sqlite3_bind_int64(st, 7, t->cols[i].partition);
        if ((rc = floe_catalog_run(c, st, what, err))) return rc;
    }
    for (i = 0; i < t->nfiles; i++) {
        if ((rc = floe_catalog_prep(c, "INSERT INTO ext_files VALUES(?1, ?2, ?3, ?4)", &st, what, err)))
            return rc;
        sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, t->files[i].path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (int64_t)t->files[i].size);
        sqlite3_bind_int64(st, 4, t->files[i].mtime_us);
        if ((rc = floe_catalog_run(c, st, what, err))) return rc;
    }
    return FLOE_OK;
}

int floe_catalog_ext_put(floe_catalog *c, const floe_ext_table *t, floe_err *err)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, "register external table", err);
    if (rc == FLOE_OK) rc = floe_catalog_end(c, put_locked(c, t, err), "register external table", err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_ext_drop(floe_catalog *c, const char *name, floe_err *err)
{
    floe_ext_table *t = NULL;
    int rc = floe_catalog_ext_get(c, name, &t, err);
    floe_ext_table_free(t);
    if (rc != FLOE_OK) return rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, "drop external table", err);
    if (rc == FLOE_OK) rc = floe_catalog_end(c, del_rows(c, name, err), "drop external table", err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

static int get_locked(floe_catalog *c, const char *name, floe_ext_table *t, floe_err *err)
{
    const char *what = "read external table";
    sqlite3_stmt *st;
    int rc;
    uint32_t cap;
    int64_t v[4];
    if (!have_tables(c)) return FLOE_NOTFOUND;
    if ((rc = floe_catalog_prep(c, "SELECT name, format, location, options, crawled FROM ext_tables WHERE name=?1",
                                &st, what, err)))
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW) {
        t->name = dup((const char *)sqlite3_column_text(st, 0));
        t->format = dup((const char *)sqlite3_column_text(st, 1));
        t->location = dup((const char *)sqlite3_column_text(st, 2));
        t->options = dup((const char *)sqlite3_column_text(st, 3));
        t->crawled_us = sqlite3_column_int64(st, 4);
        rc = t->name && t->format && t->location && t->options ? FLOE_OK : floe_err_nomem(err);
    } else if (rc == FLOE_DONE) {
        rc = FLOE_NOTFOUND;
    }
    sqlite3_finalize(st);
    if (rc != FLOE_OK) return rc;
    if ((rc = floe_catalog_prep(c, "SELECT name, type_id, precision, scale, partition FROM ext_columns "
                                   "WHERE table_name=?1 ORDER BY ordinal",
                                &st, what, err)))
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    cap = 0;
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        if (t->ncols == cap) {
            floe_ext_column *nc = floe_realloc(t->cols, (cap = cap ? cap * 2 : 16) * sizeof *nc);
            if (nc == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            t->cols = nc;
        }
        if (!floe_catalog_int_col(st, 1, 1, FLOE_TYPE_INTERVAL, &v[0]) ||
            !floe_catalog_int_col(st, 2, 0, 38, &v[1]) || !floe_catalog_int_col(st, 3, 0, 38, &v[2]) ||
            !floe_catalog_int_col(st, 4, 0, 1, &v[3])) {
            rc = BADVAL(c, "external table %s: a bad column record", name);
            break;
        }
        t->cols[t->ncols].name = dup((const char *)sqlite3_column_text(st, 0));
        t->cols[t->ncols].type.id = (uint8_t)v[0];
        t->cols[t->ncols].type.precision = (uint8_t)v[1];
        t->cols[t->ncols].type.scale = (uint8_t)v[2];
        t->cols[t->ncols].partition = v[3] != 0;
        if (t->cols[t->ncols++].name == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
    }
    sqlite3_finalize(st);
    if (rc != FLOE_DONE) return rc;
    if ((rc = floe_catalog_prep(c, "SELECT path, size, mtime FROM ext_files WHERE table_name=?1 ORDER BY path",
                                &st, what, err)))
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    cap = 0;
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        if (t->nfiles == cap) {
            floe_ext_file *nf = floe_realloc(t->files, (cap = cap ? cap * 2 : 16) * sizeof *nf);
            if (nf == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            t->files = nf;
        }
        if (!floe_catalog_int_col(st, 1, 0, INT64_MAX, &v[0]) ||
            !floe_catalog_int_col(st, 2, INT64_MIN, INT64_MAX, &v[1])) {
            rc = BADVAL(c, "external table %s: a bad file record", name);
            break;
        }
        t->files[t->nfiles].path = dup((const char *)sqlite3_column_text(st, 0));
        t->files[t->nfiles].size = (uint64_t)v[0];
        t->files[t->nfiles].mtime_us = v[1];
        if (t->files[t->nfiles++].path == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

int floe_catalog_ext_get(floe_catalog *c, const char *name, floe_ext_table **out, floe_err *err)
{
    floe_ext_table *t = floe_calloc(1, sizeof *t);
    int rc;
    *out = NULL;
    if (t == NULL) return floe_err_nomem(err);
    pthread_mutex_lock(&c->mu);
    rc = get_locked(c, name, t, err);
    pthread_mutex_unlock(&c->mu);
    if (rc != FLOE_OK) {
        floe_ext_table_free(t);
        return rc;
    }
    *out = t;
    return FLOE_OK;
}

int floe_catalog_ext_list(floe_catalog *c, char ***out, uint32_t *out_n, floe_err *err)
{
    sqlite3_stmt *st;
    char **names = NULL;
    uint32_t n = 0, cap = 0;
    int rc = FLOE_OK;
    *out = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    if (have_tables(c) &&
        (rc = floe_catalog_prep(c, "SELECT name FROM ext_tables ORDER BY name", &st, "list external tables", err)) == FLOE_OK) {
        while ((rc = floe_catalog_step(c, st, "list external tables", err)) == FLOE_ROW) {
            if (n == cap) {
                char **nn = floe_realloc(names, (cap = cap ? cap * 2 : 8) * sizeof *nn);
                if (nn == NULL) {
                    rc = floe_err_nomem(err);
                    break;
                }
                names = nn;
            }
            if ((names[n++] = dup((const char *)sqlite3_column_text(st, 0))) == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
        }
        sqlite3_finalize(st);
        if (rc == FLOE_DONE) rc = FLOE_OK;
    }
    pthread_mutex_unlock(&c->mu);
    if (rc != FLOE_OK) {
        floe_catalog_ext_names_free(names, n);
        return rc;
    }
    *out = names;
    *out_n = n;
    return FLOE_OK;
}

void floe_catalog_ext_names_free(char **names, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) floe_free(names[i]);
    floe_free(names);
}
