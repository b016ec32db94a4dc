/* bench/peer_sqlite.c: SQLite through libsqlite3, prepared INSERTs in transactions. */
#include "bench/peer_sqlite.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench_peer.h"
#include "bench/bench_stats.h"
#include "util/mem.h"

const char *floe_bench_sqlite_version(void) { return sqlite3_libversion(); }

typedef struct sstate {
    sqlite3 *db;
    char path[1024];
    floe_bench_durability mode;
} sstate;

typedef struct sapp {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int in_txn;
} sapp;

static int exec(sqlite3 *db, const char *sql, floe_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = floe_err_set(err, FLOE_ERROR, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return rc;
    }
    return FLOE_OK;
}

static int sq_connect(sstate *s, sqlite3 **out, floe_err *err)
{
    static const char *sync[] = {"PRAGMA synchronous=FULL", "PRAGMA synchronous=NORMAL",
                                 "PRAGMA synchronous=OFF"};
    int rc;
    *out = NULL;
    if (sqlite3_open(s->path, out) != SQLITE_OK) {
        rc = floe_err_set(err, FLOE_IOERR, "sqlite open %s: %s", s->path,
                          *out ? sqlite3_errmsg(*out) : "out of memory");
        sqlite3_close(*out);
        *out = NULL;
        return rc;
    }
    sqlite3_busy_timeout(*out, 60000);
    if ((rc = exec(*out, "PRAGMA journal_mode=WAL", err)) != FLOE_OK ||
        (rc = exec(*out, sync[s->mode], err)) != FLOE_OK) {
        sqlite3_close(*out);
        *out = NULL;
    }
    return rc;
}

static void sq_close(void *state)
{
    sstate *s = state;
    if (s == NULL) return;
    sqlite3_close(s->db);
    floe_free(s);
}

static int sq_open(const char *dir, void **out, floe_err *err)
{
    sstate *s;
    char f[1100];
    int rc;
    *out = NULL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return floe_err_set(err, FLOE_IOERR, "mkdir %s: %s", dir, strerror(errno));
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    snprintf(s->path, sizeof s->path, "%s/bench.db", dir);
    unlink(s->path);
    snprintf(f, sizeof f, "%s-wal", s->path);
    unlink(f);
    snprintf(f, sizeof f, "%s-shm", s->path);
    unlink(f);
    s->mode = FLOE_BENCH_DUR_FULL;
    if ((rc = sq_connect(s, &s->db, err)) != FLOE_OK) {
        sq_close(s);
        return rc;
    }
    *out = s;
    return FLOE_OK;
}

static const char *type_sql(floe_type_id t)
{
    switch (t) {
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_INTEGER: return "INTEGER";
    case FLOE_TYPE_DOUBLE: return "REAL";
    default: return "TEXT";
    }
}

static int sq_create(void *state, const floe_bench_schema *sc, floe_err *err)
{
    sstate *s = state;
    char sql[2048];
    size_t n;
    uint32_t c;
    n = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE %s (", sc->table);
    for (c = 0; c < sc->ncols; c++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s %s", c ? ", " : "", sc->names[c],
                              type_sql(sc->types[c]));
    snprintf(sql + n, sizeof sql - n, ")");
    return exec(s->db, sql, err);
}

static int sq_durability(void *state, floe_bench_durability mode, floe_err *err)
{
    static const char *sync[] = {"PRAGMA synchronous=FULL", "PRAGMA synchronous=NORMAL",
                                 "PRAGMA synchronous=OFF"};
    sstate *s = state;
    s->mode = mode;
    return exec(s->db, sync[mode], err);
}

static void sq_app_close(void *app)
{
    sapp *a = app;
    if (a == NULL) return;
    if (a->in_txn) sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(a->ins);
    sqlite3_close(a->db);
    floe_free(a);
}

static int sq_app_open(void *state, const floe_bench_schema *sc, void **out, floe_err *err)
{
    sstate *s = state;
    sapp *a = floe_calloc(1, sizeof *a);
    char sql[512];
    size_t n;
    uint32_t c;
    int rc;
    *out = NULL;
    if (a == NULL) return floe_err_nomem(err);
    if ((rc = sq_connect(s, &a->db, err)) != FLOE_OK) {
        floe_free(a);
        return rc;
    }
    n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", sc->table);
    for (c = 0; c < sc->ncols; c++) n += (size_t)snprintf(sql + n, sizeof sql - n, c ? ",?" : "?");
    snprintf(sql + n, sizeof sql - n, ")");
    if (sqlite3_prepare_v2(a->db, sql, -1, &a->ins, NULL) != SQLITE_OK) {
        rc = floe_err_set(err, FLOE_ERROR, "sqlite prepare: %s", sqlite3_errmsg(a->db));
        sq_app_close(a);
        return rc;
    }
    *out = a;
    return FLOE_OK;
}

static int sq_app_append(void *app, const floe_bench_batch *b, floe_err *err)
{
    sapp *a = app;
    uint32_t i, c;
    int rc;
    if (!a->in_txn) {
        if ((rc = exec(a->db, "BEGIN IMMEDIATE", err)) != FLOE_OK) return rc;
        a->in_txn = 1;
    }
    for (i = 0; i < b->n; i++) {
        for (c = 0; c < b->schema->ncols; c++) {
            const void *col = b->cols[c];
            char text[32];
            int k = (int)c + 1;
            switch (b->schema->types[c]) {
            case FLOE_TYPE_TIMESTAMP:
                sqlite3_bind_text(a->ins, k, text,
                                  (int)(floe_bench_put_ts(text, ((const int64_t *)col)[i]) - text),
                                  SQLITE_TRANSIENT);
                break;
            case FLOE_TYPE_DATE:
                sqlite3_bind_text(a->ins, k, text,
                                  (int)(floe_bench_put_date(text, ((const int32_t *)col)[i]) - text),
                                  SQLITE_TRANSIENT);
                break;
            case FLOE_TYPE_BIGINT: sqlite3_bind_int64(a->ins, k, ((const int64_t *)col)[i]); break;
            case FLOE_TYPE_INTEGER: sqlite3_bind_int64(a->ins, k, ((const int32_t *)col)[i]); break;
            case FLOE_TYPE_DOUBLE: sqlite3_bind_double(a->ins, k, ((const double *)col)[i]); break;
            default: {
                floe_string v = ((const floe_string *)col)[i];
                sqlite3_bind_text(a->ins, k, v.ptr, (int)v.len, SQLITE_STATIC);
            }
            }
        }
        if (sqlite3_step(a->ins) != SQLITE_DONE) {
            rc = floe_err_set(err, FLOE_ERROR, "sqlite insert: %s", sqlite3_errmsg(a->db));
            sqlite3_reset(a->ins);
            return rc;
        }
        sqlite3_reset(a->ins);
    }
    return FLOE_OK;
}

static int sq_app_flush(void *app, floe_err *err)
{
    sapp *a = app;
    int rc;
    if (!a->in_txn) return FLOE_OK;
    rc = exec(a->db, "COMMIT", err);
    a->in_txn = 0;
    return rc;
}

static int sq_query(void *state, const char *sql, double *out_secs, floe_bench_table **out,
                    floe_err *err)
{
    sstate *s = state;
    sqlite3_stmt *st = NULL;
    floe_bench_table *t = NULL;
    double t0 = floe_bench_now();
    int rc = FLOE_OK, src, nc, c;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return floe_err_set(err, FLOE_ERROR, "sqlite: %s", sqlite3_errmsg(s->db));
    nc = sqlite3_column_count(st);
    if (out != NULL && (t = floe_bench_table_new((uint32_t)nc)) == NULL) {
        sqlite3_finalize(st);
        return floe_err_nomem(err);
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t row;
        if (t == NULL) continue;
        if ((rc = floe_bench_table_add_row(t, &row, err)) != FLOE_OK) break;
        for (c = 0; rc == FLOE_OK && c < nc; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL: break;
            case SQLITE_FLOAT:
                rc = floe_bench_table_set_double(t, row, (uint32_t)c, sqlite3_column_double(st, c), err);
                break;
            default: {
                const char *v = (const char *)sqlite3_column_text(st, c);
                rc = floe_bench_table_set(t, row, (uint32_t)c, v, (size_t)sqlite3_column_bytes(st, c), err);
            }
            }
        }
        if (rc != FLOE_OK) break;
    }
    *out_secs = floe_bench_now() - t0;
    if (rc == FLOE_OK && src != SQLITE_DONE)
        rc = floe_err_set(err, FLOE_ERROR, "sqlite: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    if (rc != FLOE_OK) {
        floe_bench_table_free(t);
        t = NULL;
    }
    if (out) *out = t;
    return rc;
}

static int sq_disk(void *state, const char *dir, uint64_t *out, floe_err *err)
{
    sstate *s = state;
    int rc = exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
    *out = floe_bench_dir_bytes(dir);
    return rc;
}

const floe_bench_peer_ops floe_bench_peer_sqlite_ops = {
    "sqlite", "sqlite", sq_open, sq_close, sq_create, sq_durability, sq_app_open,
    sq_app_append, sq_app_flush, sq_app_close, NULL, sq_query, sq_disk};
