/* util/err.c: error context and status texts. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *floe_errstr(int rc)
{
    switch (rc) {
#define FLOE_X_(name, num, text) \
    case num:                    \
        return text;
        FLOE_STATUS_LIST(FLOE_X_)
#undef FLOE_X_
    default:
        return "unknown status";
    }
}

static int err_vset(floe_err *err, int code, int offset, const char *fmt, va_list ap)
{
    if (err == NULL) return code;
    err->code = code;
    err->offset = offset;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int floe_err_set(floe_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, code, -1, fmt, ap);
    va_end(ap);
    return code;
}

int floe_err_set_at(floe_err *err, int code, int offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, code, offset, fmt, ap);
    va_end(ap);
    return code;
}

int floe_err_nomem(floe_err *err)
{
    return floe_err_set(err, FLOE_NOMEM, "out of memory");
}

void floe_err_clear(floe_err *err)
{
    if (err == NULL) return;
    err->code = FLOE_OK;
    err->offset = -1;
    err->msg[0] = '\0';
}

void floe_err_prefix(floe_err *err, const char *fmt, ...)
{
    char pre[FLOE_ERRMSG_MAX], old[FLOE_ERRMSG_MAX];
    va_list ap;
    if (err == NULL) return;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t np;
    memcpy(old, err->msg, sizeof old);
    np = strlen(pre);
    if (np >= sizeof err->msg) np = sizeof err->msg - 1;
    memcpy(err->msg, pre, np);
    memcpy(err->msg + np, old, sizeof err->msg - np - 1);
    err->msg[sizeof err->msg - 1] = '\0';
}
