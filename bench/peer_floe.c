/* bench/peer_floe.c: floe through its public API (include/floe.h). */
#include "bench/peer_floe.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/bench_stats.h"
#include "util/mem.h"

/* The library never prints: its log (background flush/merge failures,
 * recovery warnings) comes here and goes to stderr as "floe: <msg>". */
static void log_to_stderr(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    fprintf(stderr, "floe: %s\n", msg);
}

/* The tool's environment, mapped to open options (the library reads none):
 * FLOE_MEM_LIMIT_MB bounds memtables (MiB), FLOE_THREADS the query workers,
 * TMPDIR holds in-memory databases; the library's log goes to stderr. */
static void options_from_env(floe_open_options *o, unsigned flags)
{
    const char *mb = getenv("FLOE_MEM_LIMIT_MB"), *th = getenv("FLOE_THREADS");
    floe_open_options_init(o);
    o->flags = flags;
    o->log = log_to_stderr;
    o->temp_directory = getenv("TMPDIR"); /* in-memory databases' scratch directory */
    if (mb && atoll(mb) > 0) o->memtable_limit = (uint64_t)atoll(mb) << 20;
    if (th && atoi(th) > 0) o->threads = (uint32_t)atoi(th);
}

static int open_env(const char *dir, unsigned flags, floe_db **out)
{
    floe_open_options o;
    options_from_env(&o, flags);
    return floe_db_open_ex(dir, &o, out);
}

unsigned floe_bench_floe_open_flags(floe_bench_durability mode)
{
    switch (mode) {
    case FLOE_BENCH_DUR_FULL: return FLOE_OPEN_DURABILITY_FULL;
    case FLOE_BENCH_DUR_OFF: return FLOE_OPEN_DURABILITY_OFF;
    default: return 0; /* batch: group commit, the default */
    }
}

void floe_bench_floe_copy_sql(char *buf, size_t cap, const char *table, const char *path)
{
    snprintf(buf, cap, "COPY %s FROM '%s' (FORMAT csv, HEADER true)", table, path);
}

typedef struct fstate {
    floe_db *db;
    char dir[4096];
    unsigned flags; /* open flags (durability) of the current handle */
} fstate;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void fl_close(void *state)
{
    fstate *s = state;
    if (s == NULL) return;
    floe_db_close(s->db);
    floe_free(s);
}

static int fl_open(const char *dir, void **out, floe_err *err)
{
    fstate *s;
    int rc;
    *out = NULL;
    if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        return floe_err_set(err, FLOE_IOERR, "remove %s: %s", dir, strerror(errno));
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    rc = open_env(dir, FLOE_OPEN_CREATE, &s->db);
    if (rc != FLOE_OK) {
        rc = floe_err_set(err, rc, "floe_db_open %s: %s", dir,
                          s->db ? floe_db_errmsg(s->db) : floe_errstr(rc));
        fl_close(s);
        return rc;
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

static int exec(fstate *s, const char *sql, floe_err *err)
{
    int rc = floe_exec(s->db, sql);
    if (rc != FLOE_OK) return floe_err_set(err, rc, "floe: %s: %s", sql, floe_db_errmsg(s->db));
    return FLOE_OK;
}

static int fl_create(void *state, const floe_bench_schema *sc, floe_err *err)
{
    char sql[2048];
    size_t n;
    uint32_t c;
    n = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE %s (", sc->table);
    for (c = 0; c < sc->ncols; c++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s %s", c ? ", " : "", sc->names[c],
                              type_sql(sc->types[c]));
    snprintf(sql + n, sizeof sql - n, ")");
    return exec(state, sql, err);
}

/* Durability is chosen when a database is opened: reopen it with the mode. */
static int fl_durability(void *state, floe_bench_durability mode, floe_err *err)
{
    fstate *s = state;
    int rc = floe_db_close(s->db);
    s->db = NULL;
    s->flags = floe_bench_floe_open_flags(mode);
    if (rc == FLOE_OK) rc = open_env(s->dir, s->flags, &s->db);
    if (rc != FLOE_OK)
        return floe_err_set(err, rc, "floe: durability '%s': %s", floe_bench_durability_name(mode),
                            s->db ? floe_db_errmsg(s->db) : floe_errstr(rc));
    return FLOE_OK;
}

static int fl_app_open(void *state, const floe_bench_schema *sc, void **out, floe_err *err)
{
    fstate *s = state;
    floe_appender *a = NULL;
    int rc = floe_appender_open(s->db, sc->table, &a);
    *out = NULL;
    if (rc != FLOE_OK) {
        rc = floe_err_set(err, rc, "floe appender on %s: %s", sc->table,
                          a ? floe_appender_errmsg(a) : floe_db_errmsg(s->db));
        floe_appender_close(a);
        return rc;
    }
    *out = a;
    return FLOE_OK;
}

static int fl_app_append(void *app, const floe_bench_batch *b, floe_err *err)
{
    int rc = floe_appender_append_columns(app, b->n, (const void *const *)b->cols, NULL);
    if (rc != FLOE_OK) return floe_err_set(err, rc, "floe append: %s", floe_appender_errmsg(app));
    return FLOE_OK;
}

static int fl_app_flush(void *app, floe_err *err)
{
    int rc = floe_appender_flush(app, NULL);
    if (rc != FLOE_OK) return floe_err_set(err, rc, "floe flush: %s", floe_appender_errmsg(app));
    return FLOE_OK;
}

static void fl_app_close(void *app) { floe_appender_close(app); }

static int fl_copy(void *state, const floe_bench_schema *sc, const char *path, floe_err *err)
{
    char sql[2048];
    floe_bench_floe_copy_sql(sql, sizeof sql, sc->table, path);
    return exec(state, sql, err);
}

static int fl_query(void *state, const char *sql, double *out_secs, floe_bench_table **out,
                    floe_err *err)
{
    fstate *s = state;
    floe_result *res = NULL;
    floe_bench_table *t = NULL;
    double t0 = floe_bench_now();
    uint64_t nr, i;
    uint32_t nc, c;
    int rc = floe_query(s->db, sql, &res);

    *out_secs = floe_bench_now() - t0;
    if (rc != FLOE_OK) {
        rc = floe_err_set(err, rc, "floe: %s", floe_db_errmsg(s->db));
        floe_result_free(res);
        return rc;
    }
    if (out != NULL) {
        nc = floe_result_column_count(res);
        nr = floe_result_row_count(res);
        t = floe_bench_table_new(nc);
        if (t == NULL) rc = floe_err_nomem(err);
        for (i = 0; rc == FLOE_OK && i < nr; i++) {
            uint64_t row;
            if ((rc = floe_bench_table_add_row(t, &row, err)) != FLOE_OK) break;
            for (c = 0; rc == FLOE_OK && c < nc; c++) {
                if (floe_value_is_null(res, c, i)) continue;
                if (floe_result_column_type(res, c) == FLOE_TYPE_DOUBLE) {
                    rc = floe_bench_table_set_double(t, row, c, floe_value_double(res, c, i), err);
                } else {
                    char *v = floe_value_text(res, c, i);
                    if (v == NULL) {
                        rc = floe_err_set(err, FLOE_ERROR, "floe: value text: %s", floe_result_errmsg(res));
                        break;
                    }
                    rc = floe_bench_table_set(t, row, c, v, strlen(v), err);
                    floe_free(v);
                }
            }
        }
        if (rc != FLOE_OK) {
            floe_bench_table_free(t);
            t = NULL;
        }
        *out = t;
    }
    floe_result_free(res);
    return rc;
}

/* floe's checkpoint: FLUSH every table (memtables become parts and the WAL
 * segments they covered are deleted), then the directory's size. */
static int fl_disk_bytes(void *state, const char *dir, uint64_t *out, floe_err *err)
{
    fstate *s = state;
    floe_result *res = NULL;
    uint64_t i;
    int rc = floe_query(s->db, "SHOW TABLES", &res);
    if (rc != FLOE_OK) return floe_err_set(err, rc, "floe: SHOW TABLES: %s", floe_db_errmsg(s->db));
    for (i = 0; rc == FLOE_OK && i < floe_result_row_count(res); i++) {
        char sql[512], *name = floe_value_text(res, 0, i);
        snprintf(sql, sizeof sql, "FLUSH \"%s\"", name ? name : "");
        floe_free(name);
        rc = exec(s, sql, err);
    }
    floe_result_free(res);
    /* close to let a running background merge finish and drop the parts it
     * replaced, so the size is the steady state, then reopen for the queries */
    if (rc == FLOE_OK) rc = floe_db_close(s->db);
    if (rc == FLOE_OK) {
        s->db = NULL;
        *out = floe_bench_dir_bytes(dir);
        rc = open_env(s->dir, s->flags, &s->db);
        if (rc != FLOE_OK)
            rc = floe_err_set(err, rc, "floe: reopen %s: %s", s->dir,
                              s->db ? floe_db_errmsg(s->db) : floe_errstr(rc));
    } else {
        rc = floe_err_set(err, rc, "floe: close: %s", floe_db_errmsg(s->db));
    }
    return rc;
}

const floe_bench_peer_ops floe_bench_peer_floe_ops = {
    "floe", "floe", fl_open, fl_close, fl_create, fl_durability, fl_app_open,
    fl_app_append, fl_app_flush, fl_app_close, fl_copy, fl_query, fl_disk_bytes};
