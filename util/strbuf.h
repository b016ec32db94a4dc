/* util/strbuf.h: growable NUL-terminated string builder.
 *
 * On OOM the buffer sets `oom` and further appends are ignored, so a caller
 * can build a whole string and check once (floe_strbuf_ok). The buffer owns
 * `s`; floe_strbuf_take hands ownership to the caller (free with floe_free).
 */
#ifndef FLOE_UTIL_STRBUF_H
#define FLOE_UTIL_STRBUF_H

#include <stddef.h>

#include "util/err.h"

typedef struct floe_strbuf {
    char *s;    /* NUL-terminated, NULL until first append */
    size_t len; /* bytes, without the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* an append failed */
} floe_strbuf;

#define FLOE_STRBUF_INIT {NULL, 0, 0, 0}

void floe_strbuf_append(floe_strbuf *b, const char *s, size_t n);
void floe_strbuf_puts(floe_strbuf *b, const char *s);
void floe_strbuf_putc(floe_strbuf *b, char c);
void floe_strbuf_printf(floe_strbuf *b, const char *fmt, ...) FLOE_PRINTF(2, 3);
int floe_strbuf_ok(const floe_strbuf *b);
/* The string (never NULL: "" when empty); borrowed until the next append. */
const char *floe_strbuf_str(const floe_strbuf *b);
/* Give the string to the caller (free with floe_free); resets b. NULL on OOM. */
char *floe_strbuf_take(floe_strbuf *b);
void floe_strbuf_reset(floe_strbuf *b);
void floe_strbuf_free(floe_strbuf *b);

#endif
