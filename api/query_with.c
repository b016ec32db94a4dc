/* api/query_with.c: floe_query_with and its cancel flag (floe.h): argument
 * checks, the deadline computed from timeout_ms, then db/'s
 * floe_db_run_limited; the error goes to the caller's info and the handle.
 * A floe_cancel is one atomic flag owned by the caller; the statements of a
 * call read it between vectors of work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "db/query.h"
#include "util/mem.h"
#include "util/os.h"

struct floe_cancel {
    atomic_int flag;
};

int floe_cancel_new(floe_cancel **out)
{
    floe_cancel *c;
    if (out == NULL) return FLOE_MISUSE;
    *out = c = floe_malloc(sizeof *c);
    if (c == NULL) return FLOE_NOMEM;
    atomic_init(&c->flag, 0);
    return FLOE_OK;
}

void floe_cancel_fire(floe_cancel *c)
{
    if (c) atomic_store(&c->flag, 1);
}

void floe_cancel_free(floe_cancel *c) { floe_free(c); }

int floe_query_with(floe_db *db, const char *sql, const floe_query_opts *o, floe_result **out_res,
                    floe_error_info *info)
{
    floe_err err = FLOE_ERR_INIT;
    floe_db_run_limits lim;
    int rc;
    if (out_res) *out_res = NULL;
    if (db == NULL || sql == NULL || out_res == NULL || !db->is_open) {
        if (info) {
            info->code = FLOE_MISUSE;
            info->offset = -1;
            snprintf(info->msg, sizeof info->msg, "%s",
                     db && !db->is_open ? "the database is not open (floe_db_open failed)"
                                        : "floe_query_with: db, sql and out_res are required");
        }
        return FLOE_MISUSE;
    }
    memset(&lim, 0, sizeof lim);
    if (o) {
        lim.cancel = o->cancel ? &o->cancel->flag : NULL;
        lim.timeout_ms = o->timeout_ms;
        lim.deadline_ns = o->timeout_ms ? floe_os_clock_mono_ns() + (int64_t)o->timeout_ms * 1000000 : 0;
        lim.mem_limit = o->memory_limit;
    }
    rc = floe_db_run_limited(db, sql, o ? o->flags : 0, &lim, out_res, &err);
    if (rc == FLOE_OK) floe_err_clear(&err);
    floe_db_set_error(db, &err);
    if (info) floe_error_info_set(info, &err);
    return rc;
}
