/* util/err.h: error context passed down every layer.
 *
 * Below api/ nobody sees a handle; fallible functions take `floe_err *err` as
 * their last argument and return an int FLOE_* status. floe_err_set() records
 * the code and a formatted message and returns the code, so failing is one
 * line: `return floe_err_set(err, FLOE_IOERR, "write %s: %s", path, why);`.
 * `err` may be NULL (the message is then dropped). Not thread-shared: each
 * thread/operation owns its floe_err.
 */
#ifndef FLOE_UTIL_ERR_H
#define FLOE_UTIL_ERR_H

#include "floe.h"

#define FLOE_ERRMSG_MAX 512

typedef struct floe_err {
    int code;                   /* FLOE_OK or a FLOE_* status */
    int offset;                 /* byte offset in SQL text, -1 when not known */
    char msg[FLOE_ERRMSG_MAX];  /* NUL-terminated message */
} floe_err;

#define FLOE_ERR_INIT {FLOE_OK, -1, {0}}

#if defined(__GNUC__)
#define FLOE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FLOE_PRINTF(a, b)
#endif

/* Record `code` and a printf-style message; returns code. */
int floe_err_set(floe_err *err, int code, const char *fmt, ...) FLOE_PRINTF(3, 4);
/* Same, with a byte offset into SQL text (for caret display). */
int floe_err_set_at(floe_err *err, int code, int offset, const char *fmt, ...)
    FLOE_PRINTF(4, 5);
/* FLOE_NOMEM with the standard message. */
int floe_err_nomem(floe_err *err);
/* Reset to FLOE_OK. */
void floe_err_clear(floe_err *err);
/* Prefix the existing message with context ("part 12: " + msg). */
void floe_err_prefix(floe_err *err, const char *fmt, ...) FLOE_PRINTF(2, 3);

#endif
