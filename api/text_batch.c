/* api/text_batch.c: floe_append_text_batch (floe.h): argument checks over
 * db/text_batch.c; the error goes to the caller's result and the handle. */
#include <string.h>

#include "api/api.h"

int floe_append_text_batch(floe_db *db, const char *table, const char *data, size_t len,
                           const floe_text_batch_opts *o, floe_text_batch_result *res)
{
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (res == NULL) return FLOE_MISUSE;
    memset(res, 0, sizeof *res);
    res->error.offset = -1;
    if (db == NULL || table == NULL || (data == NULL && len > 0) || !db->is_open) {
        floe_err_set(&err, FLOE_MISUSE, db && !db->is_open
                                            ? "the database is not open (floe_db_open failed)"
                                            : "floe_append_text_batch: db, table and data are required");
        floe_error_info_set(&res->error, &err);
        return FLOE_MISUSE;
    }
    rc = floe_db_append_text(db, table, data ? data : "", len, o, res, &err);
    if (rc != FLOE_OK) floe_db_set_error(db, &err);
    floe_error_info_set(&res->error, &err);
    return rc;
}
