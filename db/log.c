/* db/log.c: the database's log callback (db/log.h). */
#include "db/log.h"

#include <stdarg.h>
#include <stdio.h>

void floe_db_log(floe_db *db, int level, const char *fmt, ...)
{
    char msg[FLOE_LOG_MAX];
    va_list ap;
    if (db == NULL || db->log == NULL) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    db->log(db->log_ctx, level, msg);
}
