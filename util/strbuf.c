/* util/strbuf.c: growable string builder. */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

static int grow(floe_strbuf *b, size_t need)
{
    size_t cap;
    char *p;
    if (b->oom) return 0;
    if (b->len + need + 1 <= b->cap) return 1;
    cap = b->cap ? b->cap : 64;
    while (cap < b->len + need + 1) cap *= 2;
    p = floe_realloc(b->s, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->s = p;
    b->cap = cap;
    return 1;
}

void floe_strbuf_append(floe_strbuf *b, const char *s, size_t n)
{
    if (!grow(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void floe_strbuf_puts(floe_strbuf *b, const char *s) { floe_strbuf_append(b, s, strlen(s)); }

void floe_strbuf_putc(floe_strbuf *b, char c) { floe_strbuf_append(b, &c, 1); }

void floe_strbuf_printf(floe_strbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && grow(b, (size_t)n)) {
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

int floe_strbuf_ok(const floe_strbuf *b) { return !b->oom; }

const char *floe_strbuf_str(const floe_strbuf *b) { return b->s ? b->s : ""; }

char *floe_strbuf_take(floe_strbuf *b)
{
    char *s;
    if (b->oom) {
        floe_strbuf_free(b);
        return NULL;
    }
    s = b->s ? b->s : floe_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void floe_strbuf_reset(floe_strbuf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->s) b->s[0] = '\0';
}

void floe_strbuf_free(floe_strbuf *b)
{
    floe_free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
