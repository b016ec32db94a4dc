/* bench/peer_duckdb.c: DuckDB through its C API, loaded with dlopen. */
#include "bench/peer_duckdb.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench_peer.h"
#include "bench/bench_stats.h"
#include "util/mem.h"

/* DuckDB C API, v1.x ABI, declared by hand */
typedef void *duckdb_database;
typedef void *duckdb_connection;
typedef void *duckdb_appender;
typedef uint64_t idx_t;
typedef struct {
    uint64_t r0, r1, r2;
    void *r3;
    char *r4;
    void *internal_data;
} duckdb_result; /* 48 bytes */
typedef struct {
    int32_t days;
} duckdb_date;
typedef struct {
    int64_t micros;
} duckdb_timestamp;
#define DUCKDB_SUCCESS 0
#define DUCKDB_TYPE_DOUBLE 11

static struct {
    void *lib;
    const char *(*library_version)(void);
    int (*open)(const char *path, duckdb_database *out);
    void (*close)(duckdb_database *db);
    int (*connect)(duckdb_database db, duckdb_connection *out);
    void (*disconnect)(duckdb_connection *con);
    int (*query)(duckdb_connection con, const char *sql, duckdb_result *out);
    const char *(*result_error)(duckdb_result *r);
    void (*destroy_result)(duckdb_result *r);
    idx_t (*column_count)(duckdb_result *r);
    idx_t (*row_count)(duckdb_result *r);
    int (*column_type)(duckdb_result *r, idx_t col);
    int (*value_is_null)(duckdb_result *r, idx_t col, idx_t row);
    double (*value_double)(duckdb_result *r, idx_t col, idx_t row);
    char *(*value_varchar)(duckdb_result *r, idx_t col, idx_t row);
    void (*free)(void *p);
    int (*appender_create)(duckdb_connection con, const char *schema, const char *table,
                           duckdb_appender *out);
    const char *(*appender_error)(duckdb_appender a);
    int (*appender_flush)(duckdb_appender a);
    int (*appender_destroy)(duckdb_appender *a);
    int (*appender_end_row)(duckdb_appender a);
    int (*append_timestamp)(duckdb_appender a, duckdb_timestamp v);
    int (*append_date)(duckdb_appender a, duckdb_date v);
    int (*append_int64)(duckdb_appender a, int64_t v);
    int (*append_int32)(duckdb_appender a, int32_t v);
    int (*append_double)(duckdb_appender a, double v);
    int (*append_varchar_length)(duckdb_appender a, const char *v, idx_t len);
} D;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];

#define SYM(field, name)                                                                     \
    do {                                                                                     \
        *(void **)&D.field = dlsym(D.lib, name);                                             \
        if (D.field == NULL) {                                                               \
            snprintf(load_error, sizeof load_error, "libduckdb: no symbol %s", name);         \
            dlclose(D.lib);                                                          \
            D.lib = NULL;                                                                    \
            return;                                                                          \
        }                                                                                    \
    } while (0)

static void load(void)
{
    const char *path = getenv("FLOE_BENCH_DUCKDB_LIB");
    if (path == NULL || *path == '\0') path = FLOE_BENCH_DUCKDB_DEFAULT;
    D.lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (D.lib == NULL) {
        snprintf(load_error, sizeof load_error, "cannot load %s (set FLOE_BENCH_DUCKDB_LIB; "
                 "install with peers/install_peers.sh): %s", path, dlerror());
        return;
    }
    SYM(library_version, "duckdb_library_version");
    SYM(open, "duckdb_open");
    SYM(close, "duckdb_close");
    SYM(connect, "duckdb_connect");
    SYM(disconnect, "duckdb_disconnect");
    SYM(query, "duckdb_query");
    SYM(result_error, "duckdb_result_error");
    SYM(destroy_result, "duckdb_destroy_result");
    SYM(column_count, "duckdb_column_count");
    SYM(row_count, "duckdb_row_count");
    SYM(column_type, "duckdb_column_type");
    SYM(value_is_null, "duckdb_value_is_null");
    SYM(value_double, "duckdb_value_double");
    SYM(value_varchar, "duckdb_value_varchar");
    SYM(free, "duckdb_free");
    SYM(appender_create, "duckdb_appender_create");
    SYM(appender_error, "duckdb_appender_error");
    SYM(appender_flush, "duckdb_appender_flush");
    SYM(appender_destroy, "duckdb_appender_destroy");
    SYM(appender_end_row, "duckdb_appender_end_row");
    SYM(append_timestamp, "duckdb_append_timestamp");
    SYM(append_date, "duckdb_append_date");
    SYM(append_int64, "duckdb_append_int64");
    SYM(append_int32, "duckdb_append_int32");
    SYM(append_double, "duckdb_append_double");
    SYM(append_varchar_length, "duckdb_append_varchar_length");
}

static int loaded(floe_err *err)
{
    pthread_once(&load_once, load);
    if (D.lib == NULL) return floe_err_set(err, FLOE_NOTFOUND, "duckdb: %s", load_error);
    return FLOE_OK;
}

const char *floe_bench_duckdb_version(void)
{
    return loaded(NULL) == FLOE_OK ? D.library_version() : NULL;
}

typedef struct dstate {
    duckdb_database db;
    duckdb_connection con;
    char path[1024];
} dstate;

typedef struct dapp {
    duckdb_connection con;
    duckdb_appender app;
    const floe_bench_schema *schema;
} dapp;

static int run(duckdb_connection con, const char *sql, floe_err *err)
{
    duckdb_result r;
    int rc = FLOE_OK;
    if (D.query(con, sql, &r) != DUCKDB_SUCCESS)
        rc = floe_err_set(err, FLOE_ERROR, "duckdb: %s", D.result_error(&r));
    D.destroy_result(&r);
    return rc;
}

static void dd_close(void *state)
{
    dstate *s = state;
    if (s == NULL) return;
    if (s->con) D.disconnect(&s->con);
    if (s->db) D.close(&s->db);
    floe_free(s);
}

static int dd_open(const char *dir, void **out, floe_err *err)
{
    dstate *s;
    char wal[1100];
    int rc;
    *out = NULL;
    if ((rc = loaded(err)) != FLOE_OK) return rc;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return floe_err_set(err, FLOE_IOERR, "mkdir %s: %s", dir, strerror(errno));
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    snprintf(s->path, sizeof s->path, "%s/bench.duckdb", dir);
    snprintf(wal, sizeof wal, "%s.wal", s->path);
    unlink(s->path);
    unlink(wal);
    if (D.open(s->path, &s->db) != DUCKDB_SUCCESS) {
        dd_close(s);
        return floe_err_set(err, FLOE_IOERR, "duckdb_open %s failed", s->path);
    }
    if (D.connect(s->db, &s->con) != DUCKDB_SUCCESS) {
        dd_close(s);
        return floe_err_set(err, FLOE_ERROR, "duckdb_connect failed");
    }
    *out = s;
    return FLOE_OK;
}

static const char *type_sql(floe_type_id t)
{
    switch (t) {
    case FLOE_TYPE_TIMESTAMP: return "TIMESTAMP";
    case FLOE_TYPE_BIGINT: return "BIGINT";
    case FLOE_TYPE_INTEGER: return "INTEGER";
    case FLOE_TYPE_DOUBLE: return "DOUBLE";
    case FLOE_TYPE_DATE: return "DATE";
    default: return "VARCHAR";
    }
}

static int dd_create(void *state, const floe_bench_schema *sc, floe_err *err)
{
    dstate *s = state;
    char sql[2048];
    size_t n;
    uint32_t c;
    n = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE %s (", sc->table);
    for (c = 0; c < sc->ncols; c++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s %s", c ? ", " : "", sc->names[c],
                              type_sql(sc->types[c]));
    snprintf(sql + n, sizeof sql - n, ")");
    return run(s->con, sql, err);
}

static int dd_durability(void *state, floe_bench_durability mode, floe_err *err)
{
    (void)state;
    if (mode == FLOE_BENCH_DUR_FULL) return FLOE_OK;
    return floe_err_set(err, FLOE_UNSUPPORTED, "duckdb: every commit fsyncs its WAL; no '%s' mode",
                        floe_bench_durability_name(mode));
}

static void dd_app_close(void *app)
{
    dapp *a = app;
    if (a == NULL) return;
    if (a->app) D.appender_destroy(&a->app);
    if (a->con) D.disconnect(&a->con);
    floe_free(a);
}

static int dd_app_open(void *state, const floe_bench_schema *sc, void **out, floe_err *err)
{
    dstate *s = state;
    dapp *a = floe_calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL) return floe_err_nomem(err);
    a->schema = sc;
    if (D.connect(s->db, &a->con) != DUCKDB_SUCCESS) {
        dd_app_close(a);
        return floe_err_set(err, FLOE_ERROR, "duckdb_connect failed");
    }
    if (D.appender_create(a->con, NULL, sc->table, &a->app) != DUCKDB_SUCCESS) {
        int rc = floe_err_set(err, FLOE_ERROR, "duckdb appender: %s",
                              a->app ? D.appender_error(a->app) : "create failed");
        dd_app_close(a);
        return rc;
    }
    *out = a;
    return FLOE_OK;
}

static int dd_app_append(void *app, const floe_bench_batch *b, floe_err *err)
{
    dapp *a = app;
    uint32_t i, c;
    for (i = 0; i < b->n; i++) {
        int bad = 0;
        for (c = 0; c < b->schema->ncols; c++) {
            const void *col = b->cols[c];
            switch (b->schema->types[c]) {
            case FLOE_TYPE_TIMESTAMP: {
                duckdb_timestamp t;
                t.micros = ((const int64_t *)col)[i];
                bad |= D.append_timestamp(a->app, t);
                break;
            }
            case FLOE_TYPE_DATE: {
                duckdb_date d;
                d.days = ((const int32_t *)col)[i];
                bad |= D.append_date(a->app, d);
                break;
            }
            case FLOE_TYPE_BIGINT: bad |= D.append_int64(a->app, ((const int64_t *)col)[i]); break;
            case FLOE_TYPE_INTEGER: bad |= D.append_int32(a->app, ((const int32_t *)col)[i]); break;
            case FLOE_TYPE_DOUBLE: bad |= D.append_double(a->app, ((const double *)col)[i]); break;
            default: {
                floe_string v = ((const floe_string *)col)[i];
                bad |= D.append_varchar_length(a->app, v.ptr, v.len);
            }
            }
        }
        bad |= D.appender_end_row(a->app);
        if (bad) return floe_err_set(err, FLOE_ERROR, "duckdb append: %s", D.appender_error(a->app));
    }
    return FLOE_OK;
}

static int dd_app_flush(void *app, floe_err *err)
{
    dapp *a = app;
    if (D.appender_flush(a->app) != DUCKDB_SUCCESS)
        return floe_err_set(err, FLOE_ERROR, "duckdb flush: %s", D.appender_error(a->app));
    return FLOE_OK;
}

static int dd_copy(void *state, const floe_bench_schema *sc, const char *path, floe_err *err)
{
    dstate *s = state;
    char sql[2048];
    snprintf(sql, sizeof sql, "COPY %s FROM '%s' (FORMAT csv, HEADER true, DELIMITER ',')",
             sc->table, path);
    return run(s->con, sql, err);
}

static int dd_query(void *state, const char *sql, double *out_secs, floe_bench_table **out,
                    floe_err *err)
{
    dstate *s = state;
    duckdb_result r;
    floe_bench_table *t = NULL;
    double t0 = floe_bench_now();
    idx_t nc, nr, i, c;
    int rc = FLOE_OK;

    if (D.query(s->con, sql, &r) != DUCKDB_SUCCESS) {
        rc = floe_err_set(err, FLOE_ERROR, "duckdb: %s", D.result_error(&r));
        D.destroy_result(&r);
        return rc;
    }
    *out_secs = floe_bench_now() - t0;
    if (out != NULL) {
        nc = D.column_count(&r);
        nr = D.row_count(&r);
        t = floe_bench_table_new((uint32_t)nc);
        if (t == NULL) rc = floe_err_nomem(err);
        for (i = 0; rc == FLOE_OK && i < nr; i++) {
            uint64_t row;
            if ((rc = floe_bench_table_add_row(t, &row, err)) != FLOE_OK) break;
            for (c = 0; rc == FLOE_OK && c < nc; c++) {
                if (D.value_is_null(&r, c, i)) continue;
                if (D.column_type(&r, c) == DUCKDB_TYPE_DOUBLE) {
                    rc = floe_bench_table_set_double(t, row, (uint32_t)c, D.value_double(&r, c, i), err);
                } else {
                    char *v = D.value_varchar(&r, c, i);
                    rc = floe_bench_table_set(t, row, (uint32_t)c, v, v ? strlen(v) : 0, err);
                    if (v) D.free(v);
                }
            }
        }
        if (rc != FLOE_OK) {
            floe_bench_table_free(t);
            t = NULL;
        }
        *out = t;
    }
    D.destroy_result(&r);
    return rc;
}

static int dd_disk(void *state, const char *dir, uint64_t *out, floe_err *err)
{
    dstate *s = state;
    int rc = run(s->con, "CHECKPOINT", err);
    *out = floe_bench_dir_bytes(dir);
    return rc;
}

const floe_bench_peer_ops floe_bench_peer_duckdb_ops = {
    "duckdb", "duckdb", dd_open, dd_close, dd_create, dd_durability, dd_app_open,
    dd_app_append, dd_app_flush, dd_app_close, dd_copy, dd_query, dd_disk};
