/* db/log.h: the database's log: messages with no caller to return them to.
 *
 * The library never prints. A background flush, merge or TTL failure, a
 * recovery warning at open and a close failure go to the log callback the
 * user gave in floe_open_options (db->log, db->log_ctx); without one they
 * are dropped. Levels are floe.h's FLOE_LOG_*.
 *
 * Thread-safety: callable from any thread (the flusher, the maintenance
 * thread, open/close); db->log is fixed at open. The message is formatted
 * into a stack buffer (at most FLOE_LOG_MAX bytes, truncated) and valid for
 * the callback's call only.
 */
#ifndef FLOE_DB_LOG_H
#define FLOE_DB_LOG_H

#include "db/db.h"

#define FLOE_LOG_MAX 1024

/* Format a message and hand it to db's log callback, if any. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void floe_db_log(floe_db *db, int level, const char *fmt, ...);

#endif
