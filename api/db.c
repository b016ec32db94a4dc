/* api/db.c: the database handle's floe.h functions: open/close over db/open.c,
 * the last error, progress and interrupt, and floe_exec/floe_query over
 * db/query.c. Argument checks and copying db/'s floe_err to the handle
 * happen here; the work is in db/. */
#include "api/api.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "db/query.h"
#include "util/mem.h"

int floe_db_set_error(floe_db *db, const floe_err *err)
{
    if (db == NULL) return err->code;
    pthread_mutex_lock(&db->err_mu);
    db->err = *err;
    pthread_mutex_unlock(&db->err_mu);
    return err->code;
}

int floe_db_errcode(floe_db *db) { return db ? db->err.code : FLOE_NOMEM; }

const char *floe_db_errmsg(floe_db *db)
{
    if (db == NULL) return "out of memory";
    if (db->err.code == FLOE_OK) return "not an error";
    return db->err.msg;
}

int floe_db_erroffset(floe_db *db) { return db && db->err.code ? db->err.offset : -1; }

double floe_progress(floe_db *db)
{
    uint64_t total, done;
    if (db == NULL) return -1.0;
    total = atomic_load(&db->prog_total);
    done = atomic_load(&db->prog_done);
    if (total == 0) return -1.0;
    return done >= total ? 1.0 : (double)done / (double)total;
}

void floe_interrupt(floe_db *db)
{
    if (db) atomic_store(&db->interrupt, 1);
}

int floe_db_open(const char *path, unsigned flags, floe_db **out_db)
{
    floe_open_options o;
    floe_open_options_init(&o);
    o.flags = flags;
    return floe_db_open_ex(path, &o, out_db);
}

int floe_db_open_ex(const char *path, const floe_open_options *o, floe_db **out_db)
{
    floe_err err = FLOE_ERR_INIT;
    floe_open_options opts;
    floe_db *db;
    int rc;
    if (out_db == NULL) return FLOE_MISUSE;
    *out_db = db = floe_calloc(1, sizeof *db);
    if (db == NULL) return FLOE_NOMEM;
    /* read as many bytes as the caller's floe.h had; newer fields default */
    floe_open_options_init(&opts);
    if (o != NULL && o->size < offsetof(floe_open_options, flags) + sizeof o->flags) {
        floe_err_set(&err, FLOE_MISUSE, "floe_open_options not initialised: call "
                                        "floe_open_options_init() first");
        return floe_db_set_error(db, &err);
    }
    if (o != NULL) {
        memcpy(&opts, o, o->size < sizeof opts ? o->size : sizeof opts);
        opts.size = sizeof opts;
    }
    rc = floe_db_open_dir(db, path, &opts, &err);
    db->is_open = rc == FLOE_OK;
    if (rc != FLOE_OK) floe_db_set_error(db, &err); /* the handle stays for floe_db_errmsg */
    return rc;
}

int floe_db_close(floe_db *db) { return floe_db_close_msg(db, NULL, 0); }

int floe_db_close_msg(floe_db *db, char *msg, size_t cap)
{
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (msg != NULL && cap > 0) msg[0] = '\0';
    if (db == NULL) return FLOE_OK;
    if (atomic_load(&db->nappenders) > 0) {
        floe_err_set(&err, FLOE_BUSY, "cannot close: %d appender(s) still open",
                     atomic_load(&db->nappenders));
        return floe_db_set_error(db, &err);
    }
    rc = floe_db_shutdown(db, &err); /* frees db */
    if (rc != FLOE_OK && msg != NULL && cap > 0) snprintf(msg, cap, "%s", err.msg);
    return rc;
}

static int run(floe_db *db, const char *sql, unsigned flags, floe_result **out_res,
               floe_error_info *info)
{
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (out_res) *out_res = NULL;
    if (db == NULL || sql == NULL || !db->is_open) {
        /* a failed open's handle keeps its open error for floe_db_errmsg */
        if (info) {
            info->code = FLOE_MISUSE;
            info->offset = -1;
            snprintf(info->msg, sizeof info->msg, "%s",
                     db && !db->is_open ? "the database is not open (floe_db_open failed)"
                                        : floe_errstr(FLOE_MISUSE));
        }
        return FLOE_MISUSE;
    }
    rc = floe_db_run(db, sql, flags, out_res, &err);
    if (rc == FLOE_OK) floe_err_clear(&err);
    floe_db_set_error(db, &err);
    if (info) floe_error_info_set(info, &err);
    return rc;
}

void floe_error_info_set(floe_error_info *info, const floe_err *err)
{
    info->code = err->code;
    info->offset = err->code ? err->offset : -1;
    snprintf(info->msg, sizeof info->msg, "%s", err->code ? err->msg : "");
}

int floe_exec(floe_db *db, const char *sql) { return run(db, sql, 0, NULL, NULL); }

int floe_query(floe_db *db, const char *sql, floe_result **out_res)
{
    if (out_res == NULL) return FLOE_MISUSE;
    return run(db, sql, 0, out_res, NULL);
}

int floe_query_ex(floe_db *db, const char *sql, unsigned flags, floe_result **out_res,
                  floe_error_info *info)
{
    if (out_res == NULL) return FLOE_MISUSE;
    return run(db, sql, flags, out_res, info);
}
