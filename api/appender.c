/* api/appender.c: fast appends into a table (floe.h appender).
 *
 * Rows appended value by value are staged in a batch of FLOE_VEC_SIZE rows
 * owned by the appender and handed to ingest (WAL, then memtable) when the
 * batch is full or on flush; column batches go to ingest directly. The
 * appender remembers its table by name and id and looks it up under the
 * database's DDL lock at every hand-off, so a concurrent DROP TABLE makes
 * further appends fail cleanly instead of touching freed state.
 *
 * Durability is per flush, as floe.h promises: hand-offs write their WAL
 * records at once (FLOE_INGEST_DEFER_SYNC) and the appender keeps, per
 * shard, the highest WAL ticket it has not yet seen durable; flush (and
 * close) waits for one sync per shard covering all of them, instead of one
 * sync per hand-off. Idempotent appends still return durable.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "db/constraint.h"
#include "ingest/convert.h"
#include "util/mem.h"

struct floe_appender {
    floe_db *db;
    char *table;        /* owned */
    int64_t table_id;
    uint32_t ncols;
    floe_type *types;   /* ncols, owned */
    bool *not_null;     /* ncols, owned */
    char **col_names;   /* ncols, owned */
    floe_batch buf;     /* staged rows */
    uint32_t col;       /* next column of the current row */
    uint64_t last_seq;
    floe_ingest_table *ingest; /* the table's ingest state the tickets belong to */
    uint32_t nshards;
    uint64_t *pending;  /* nshards WAL tickets written but not yet synced; owned */
    bool has_pending;
    bool nowait;        /* FLOE_BUSY instead of blocking on the memory bound */
    floe_err err;
};

const char *floe_appender_errmsg(floe_appender *app)
{
    if (app == NULL) return "NULL appender";
    return app->err.code ? app->err.msg : "not an error";
}

static void app_free(floe_appender *app)
{
    uint32_t c;
    if (app == NULL) return;
    floe_batch_free(&app->buf);
    floe_free(app->pending);
    if (app->col_names)
        for (c = 0; c < app->ncols; c++) floe_free(app->col_names[c]);
    floe_free(app->col_names);
    floe_free(app->types);
    floe_free(app->not_null);
    floe_free(app->table);
    floe_free(app);
}

int floe_appender_open(floe_db *db, const char *table, floe_appender **out)
{
    floe_appender *app;
    floe_db_table *t;
    floe_err err = FLOE_ERR_INIT;
    uint32_t c;

    *out = NULL;
    if (db == NULL || table == NULL || !db->is_open) return FLOE_MISUSE;
    app = floe_calloc(1, sizeof *app);
    if (app == NULL) return FLOE_NOMEM;
    floe_err_clear(&app->err);
    app->db = db;
    if (floe_db_check_writable(db, "open an appender", &err) != FLOE_OK) {
        app_free(app);
        return floe_db_set_error(db, &err);
    }
    pthread_rwlock_rdlock(&db->ddl_lock);
    t = floe_db_find_table(db, table);
    if (t == NULL) {
        pthread_rwlock_unlock(&db->ddl_lock);
        floe_err_set(&err, FLOE_NOTFOUND, "appender: table '%s' does not exist", table);
        app_free(app);
        return floe_db_set_error(db, &err);
    }
    app->table = floe_strdup(t->def->name);
    app->table_id = t->def->id;
    app->ncols = t->def->ncols;
    app->ingest = t->ingest;
    app->nshards = floe_ingest_table_nshards(t->ingest);
    app->pending = floe_calloc(app->nshards + 1, sizeof *app->pending);
    app->types = floe_calloc(app->ncols + 1, sizeof *app->types);
    app->not_null = floe_calloc(app->ncols + 1, sizeof *app->not_null);
    app->col_names = floe_calloc(app->ncols + 1, sizeof *app->col_names);
    if (app->table && app->types && app->not_null && app->col_names) {
        for (c = 0; c < app->ncols; c++) {
            app->types[c] = t->def->cols[c].type;
            app->not_null[c] = t->def->cols[c].not_null;
            app->col_names[c] = floe_strdup(t->def->cols[c].name);
            if (app->col_names[c] == NULL) break;
        }
    }
    pthread_rwlock_unlock(&db->ddl_lock);
    if (app->col_names == NULL || (app->ncols && app->col_names[app->ncols - 1] == NULL) ||
        app->pending == NULL ||
        floe_batch_init(&app->buf, app->ncols, app->types, FLOE_VEC_SIZE) != FLOE_OK) {
        app_free(app);
        floe_err_nomem(&err);
        return floe_db_set_error(db, &err);
    }
    atomic_fetch_add(&db->nappenders, 1);
    *out = app;
    return FLOE_OK;
}

/* The appender's table under the DDL lock (held on success, released on
 * failure): FLOE_ERROR when it was dropped or altered since the open. */
static int lock_table(floe_appender *app, floe_db_table **out)
{
    floe_db *db = app->db;
    floe_db_table *t;
    pthread_rwlock_rdlock(&db->ddl_lock);
    t = floe_db_find_table(db, app->table);
    if (t == NULL || t->def->id != app->table_id || t->def->ncols != app->ncols ||
        t->ingest != app->ingest) {
        pthread_rwlock_unlock(&db->ddl_lock);
        return floe_err_set(&app->err, FLOE_ERROR,
                            "appender: table '%s' was dropped or altered; reopen the appender",
                            app->table);
    }
    *out = t;
    return FLOE_OK;
}

/* Hand batch b to ingest under the DDL lock; o may be NULL (then the WAL
 * sync is left to the next flush). */
static int send_opts(floe_appender *app, const floe_batch *b, const floe_ingest_append_opts *o,
                     int *out_duplicate)
{
    floe_db *db = app->db;
    floe_db_table *t = NULL;
    floe_ingest_append_result ar;
    floe_ingest_append_opts local;
    int rc;
    if (db == NULL) return floe_err_set(&app->err, FLOE_MISUSE, "appender is not open");
    if ((rc = lock_table(app, &t)) != FLOE_OK) return rc;
    if (o == NULL) {
        memset(&local, 0, sizeof local);
        local.flags = FLOE_INGEST_DEFER_SYNC;
        local.sync_tickets = app->pending;
        o = &local;
    }
    if (app->nowait) {
        local = *o;
        local.flags |= FLOE_INGEST_NOWAIT;
        o = &local;
    }
    if (o->flags & FLOE_INGEST_DEFER_SYNC) app->has_pending = true;
    rc = floe_db_append(t, b, 1, o, false, &ar, NULL, &app->err);
    if (rc == FLOE_OK) {
        if (ar.last_seq) app->last_seq = ar.last_seq;
        atomic_fetch_add(&t->rows_ingested, ar.rows);
        if (out_duplicate) *out_duplicate = ar.duplicate;
    }
    pthread_rwlock_unlock(&db->ddl_lock);
    return rc;
}

/* Wait until every row handed to ingest so far is durable. */
static int sync_pending(floe_appender *app)
{
    floe_db_table *t = NULL;
    int rc;
    if (!app->has_pending) return FLOE_OK;
    if ((rc = lock_table(app, &t)) != FLOE_OK) return rc;
    rc = floe_ingest_sync(t->ingest, app->pending, &app->err);
    pthread_rwlock_unlock(&app->db->ddl_lock);
    /* after a failure the WAL refuses appends: nothing left to wait for */
    memset(app->pending, 0, app->nshards * sizeof *app->pending);
    app->has_pending = false;
    return rc;
}

/* Send the staged rows and reset the staging batch; with `defer` their WAL
 * sync is left to the next flush, else they are durable on return. */
static int send_staged(floe_appender *app, bool defer)
{
    floe_ingest_append_opts o;
    uint32_t c;
    int rc;
    if (app->buf.n == 0) return FLOE_OK;
    memset(&o, 0, sizeof o);
    rc = send_opts(app, &app->buf, defer ? NULL : &o, NULL);
    for (c = 0; c < app->ncols; c++) {
        floe_vec *v = &app->buf.cols[c];
        floe_arena_reset(v->heap);
        if (v->validity) memset(v->validity, 0xff, FLOE_BITMAP_WORDS(v->cap) * sizeof(uint64_t));
        v->n = 0;
    }
    app->buf.n = 0;
    return rc;
}

/* The slot the next value goes to: column app->col of row buf.n. */
static int next_slot(floe_appender *app, floe_vec **out_v, uint32_t *out_row)
{
    if (app == NULL) return FLOE_MISUSE;
    if (app->db == NULL) return floe_err_set(&app->err, FLOE_MISUSE, "appender is not open");
    if (app->col >= app->ncols)
        return floe_err_set(&app->err, FLOE_MISUSE,
                            "too many values in row: table '%s' has %u columns (call "
                            "floe_appender_end_row)",
                            app->table, app->ncols);
    *out_v = &app->buf.cols[app->col];
    *out_row = app->buf.n;
    return FLOE_OK;
}

static int type_error(floe_appender *app, const char *what)
{
    char tb[32];
    return floe_err_set(&app->err, FLOE_TYPE, "appender: cannot store %s in column '%s' (%s)", what,
                        app->col_names[app->col], floe_type_name(app->types[app->col], tb, sizeof tb));
}

int floe_append_null(floe_appender *app)
{
    floe_vec *v = NULL;
    uint32_t r = 0;
    int rc = next_slot(app, &v, &r);
    if (rc) return rc;
    if (app->not_null[app->col])
        return floe_err_set(&app->err, FLOE_CONSTRAINT, "NOT NULL constraint failed: %s.%s",
                            app->table, app->col_names[app->col]);
    if (floe_convert_null(v, r) != FLOE_OK) return floe_err_nomem(&app->err);
    app->col++;
    return FLOE_OK;
}


int floe_append_int64(floe_appender *app, int64_t x)
{
    floe_vec *v = NULL;
    uint32_t r = 0;
    int rc = next_slot(app, &v, &r);
    if (rc) return rc;
    switch (v->type.id) {
    case FLOE_TYPE_BOOLEAN: ((uint8_t *)v->data)[r] = x != 0; break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE:
        if (x < INT32_MIN || x > INT32_MAX)
            return floe_err_set(&app->err, FLOE_RANGE, "appender: %lld out of range for column '%s'",
                                (long long)x, app->col_names[app->col]);
        ((int32_t *)v->data)[r] = (int32_t)x;
        break;
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_TIMESTAMP: ((int64_t *)v->data)[r] = x; break;
    case FLOE_TYPE_DOUBLE: ((double *)v->data)[r] = (double)x; break;
    case FLOE_TYPE_DECIMAL: {
        int64_t p = floe_pow10[v->type.scale], y;
        if (__builtin_mul_overflow(x, p, &y) || y >= floe_pow10[v->type.precision] ||
            y <= -floe_pow10[v->type.precision])
            return floe_err_set(&app->err, FLOE_RANGE, "appender: %lld out of range for column '%s'",
                                (long long)x, app->col_names[app->col]);
        ((int64_t *)v->data)[r] = y;
        break;
    }
    default: return type_error(app, "an integer");
    }
    app->col++;
    return FLOE_OK;
}

int floe_append_int32(floe_appender *app, int32_t x) { return floe_append_int64(app, x); }
int floe_append_bool(floe_appender *app, int x) { return floe_append_int64(app, x != 0); }

int floe_append_double(floe_appender *app, double x)
{
    floe_vec *v = NULL;
    uint32_t r = 0;
    int rc = next_slot(app, &v, &r);
    if (rc) return rc;
    if (v->type.id == FLOE_TYPE_DOUBLE) {
        ((double *)v->data)[r] = x;
    } else if (v->type.id == FLOE_TYPE_DECIMAL) {
        double y = round(x * (double)floe_pow10[v->type.scale]);
        if (!(fabs(y) < (double)floe_pow10[v->type.precision]))
            return floe_err_set(&app->err, FLOE_RANGE, "appender: %g out of range for column '%s'", x,
                                app->col_names[app->col]);
        ((int64_t *)v->data)[r] = (int64_t)y;
    } else {
        return type_error(app, "a double");
    }
    app->col++;
    return FLOE_OK;
}

/* Text or bytes for any column: VARCHAR stores them, others parse them. */
static int append_bytes(floe_appender *app, const char *s, size_t n)
{
    floe_vec *v = NULL;
    uint32_t r = 0;
    int rc = next_slot(app, &v, &r);
    if (rc) return rc;
    rc = floe_convert_text(v, r, s, n, &app->err);
    /* text that is no value of the column's type is a type mismatch, as
     * in SQL's CAST('abc' AS INTEGER); COPY keeps FLOE_PARSE for its input */
    if (rc == FLOE_PARSE) rc = app->err.code = FLOE_TYPE;
    if (rc != FLOE_OK) {
        floe_err_prefix(&app->err, "appender: column '%s': ", app->col_names[app->col]);
        return rc;
    }
    app->col++;
    return FLOE_OK;
}

int floe_append_string(floe_appender *app, const char *s, int64_t len)
{
    if (s == NULL) return floe_append_null(app);
    return append_bytes(app, s, len < 0 ? strlen(s) : (size_t)len);
}

int floe_append_text(floe_appender *app, const char *s)
{
    if (s == NULL) return floe_append_null(app);
    return append_bytes(app, s, strlen(s));
}

int floe_appender_end_row(floe_appender *app)
{
    uint32_t c;
    if (app == NULL || app->db == NULL) return FLOE_MISUSE;
    if (app->col != app->ncols) {
        int rc = floe_err_set(&app->err, FLOE_MISUSE,
                              "appender: row has %u values but table '%s' has %u columns", app->col,
                              app->table, app->ncols);
        /* drop the partial row: its slots are rewritten by the next one */
        for (c = 0; c < app->ncols; c++) {
            floe_vec *v = &app->buf.cols[c];
            if (v->validity) v->validity[app->buf.n >> 6] |= 1ULL << (app->buf.n & 63);
        }
        app->col = 0;
        return rc;
    }
    app->col = 0;
    app->buf.n++;
    for (c = 0; c < app->ncols; c++) app->buf.cols[c].n = app->buf.n;
    /* a full staging batch is durable when the row completing it returns */
    if (app->buf.n == FLOE_VEC_SIZE) return send_staged(app, false);
    return FLOE_OK;
}

/* Check NOT NULL columns of a caller's column batch. */
static int check_not_null(floe_appender *app, uint32_t nrows, const uint64_t *const *validity)
{
    uint32_t c, i;
    for (c = 0; c < app->ncols; c++) {
        if (!app->not_null[c] || validity == NULL || validity[c] == NULL) continue;
        for (i = 0; i < nrows; i++)
            if (!((validity[c][i >> 6] >> (i & 63)) & 1))
                return floe_err_set(&app->err, FLOE_CONSTRAINT,
                                    "NOT NULL constraint failed: %s.%s (row %u of the batch)",
                                    app->table, app->col_names[c], i);
    }
    return FLOE_OK;
}

int floe_appender_append_columns(floe_appender *app, uint32_t nrows, const void *const *data,
                                 const uint64_t *const *validity)
{
    floe_batch b;
    uint32_t c;
    int rc;
    if (app == NULL || app->db == NULL || (nrows && data == NULL)) return FLOE_MISUSE;
    if (app->col != 0)
        return floe_err_set(&app->err, FLOE_MISUSE, "appender: a row is half appended");
    if ((rc = send_staged(app, true)) != FLOE_OK) return rc;
    if ((rc = check_not_null(app, nrows, validity)) != FLOE_OK) return rc;
    memset(&b, 0, sizeof b);
    b.ncols = app->ncols;
    b.cols = floe_calloc(app->ncols + 1, sizeof(floe_vec));
    if (b.cols == NULL) return floe_err_nomem(&app->err);
    /* one ingest append (one WAL record per shard): a call that fails,
     * FLOE_BUSY included, applied nothing on a single-shard table */
    for (c = 0; c < app->ncols; c++)
        floe_vec_borrow(&b.cols[c], app->types[c], (void *)data[c],
                        validity && validity[c] ? (uint64_t *)validity[c] : NULL, nrows);
    b.n = nrows;
    rc = send_opts(app, &b, NULL, NULL);
    floe_free(b.cols);
    return rc;
}

int floe_appender_append_idempotent(floe_appender *app, uint64_t producer_id, uint64_t producer_seq,
                                    uint32_t nrows, const void *const *data,
                                    const uint64_t *const *validity, int *out_duplicate)
{
    floe_ingest_append_opts o;
    floe_batch b;
    uint32_t c;
    int rc, dup = 0;
    if (out_duplicate) *out_duplicate = 0;
    if (app == NULL || app->db == NULL || (nrows && data == NULL)) return FLOE_MISUSE;
    if (app->col != 0)
        return floe_err_set(&app->err, FLOE_MISUSE, "appender: a row is half appended");
    if ((rc = send_staged(app, true)) != FLOE_OK) return rc;
    if ((rc = check_not_null(app, nrows, validity)) != FLOE_OK) return rc;
    memset(&o, 0, sizeof o);
    o.has_producer = true;
    o.producer_id = producer_id;
    o.producer_seq = producer_seq;
    memset(&b, 0, sizeof b);
    b.ncols = app->ncols;
    b.n = nrows;
    b.cols = floe_calloc(app->ncols + 1, sizeof(floe_vec));
    if (b.cols == NULL) return floe_err_nomem(&app->err);
    for (c = 0; c < app->ncols; c++)
        floe_vec_borrow(&b.cols[c], app->types[c], (void *)data[c],
                        validity && validity[c] ? (uint64_t *)validity[c] : NULL, nrows);
    rc = send_opts(app, &b, &o, &dup);
    floe_free(b.cols);
    /* durable on return, rows staged before it included */
    if (rc == FLOE_OK) rc = sync_pending(app);
    if (rc == FLOE_OK && out_duplicate) *out_duplicate = dup;
    return rc;
}

int floe_appender_set_nowait(floe_appender *app, int nowait)
{
    if (app == NULL) return FLOE_MISUSE;
    app->nowait = nowait != 0;
    return FLOE_OK;
}

int floe_appender_flush(floe_appender *app, uint64_t *out_seq)
{
    int rc;
    if (app == NULL) return FLOE_MISUSE;
    if (app->db == NULL) return floe_err_set(&app->err, FLOE_MISUSE, "appender is not open");
    rc = send_staged(app, true);
    if (rc == FLOE_OK) rc = sync_pending(app);
    if (rc == FLOE_OK && out_seq) *out_seq = app->last_seq;
    return rc;
}

int floe_appender_close(floe_appender *app)
{
    int rc = FLOE_OK;
    if (app == NULL) return FLOE_OK;
    if (app->db) {
        rc = send_staged(app, true);
        if (rc == FLOE_OK) rc = sync_pending(app);
        atomic_fetch_sub(&app->db->nappenders, 1);
        if (rc != FLOE_OK) floe_db_set_error(app->db, &app->err);
    }
    app_free(app);
    return rc;
}
