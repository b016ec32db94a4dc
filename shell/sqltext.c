/* shell/sqltext.c: SQL text helpers for the shell (see sqltext.h). */
#include "shell/sqltext.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Scanner states. */
enum { S_CODE, S_SQUOTE, S_DQUOTE, S_LINE_COMMENT, S_BLOCK_COMMENT };

/* Scan s up to its end or its first statement-ending ';'. Returns the index
 * just after that ';', or 0 when none; *out_state gets the state at the
 * end of the scan and *out_code is set to 1 when any code byte (not space,
 * comment or ';') was seen. */
static size_t scan(const char *s, int *out_state, int *out_code)
{
    int st = S_CODE, code = 0;
    size_t i = 0;
    for (i = 0; s[i]; i++) {
        char ch = s[i];
        switch (st) {
        case S_CODE:
            if (ch == ';') {
                *out_state = st;
                *out_code = code;
                return i + 1;
            } else if (ch == '\'') {
                st = S_SQUOTE;
                code = 1;
            } else if (ch == '"') {
                st = S_DQUOTE;
                code = 1;
            } else if (ch == '-' && s[i + 1] == '-') {
                st = S_LINE_COMMENT;
                i++;
            } else if (ch == '/' && s[i + 1] == '*') {
                st = S_BLOCK_COMMENT;
                i++;
            } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\f' &&
                       ch != '\v') {
                code = 1;
            }
            break;
        case S_SQUOTE:
            /* '' inside a string is an escaped quote: leave and re-enter. */
            if (ch == '\'') st = S_CODE;
            break;
        case S_DQUOTE:
            if (ch == '"') st = S_CODE;
            break;
        case S_LINE_COMMENT:
            if (ch == '\n') st = S_CODE;
            break;
        case S_BLOCK_COMMENT:
            if (ch == '*' && s[i + 1] == '/') {
                st = S_CODE;
                i++;
            }
            break;
        }
    }
    *out_state = st;
    *out_code = code;
    return 0;
}

size_t shell_sql_complete_len(const char *s)
{
    int st, code;
    return scan(s, &st, &code);
}

int shell_sql_is_blank(const char *s)
{
    for (;;) {
        int st, code;
        size_t n = scan(s, &st, &code);
        if (code) return 0;
        if (n == 0) return 1;
        s += n;
    }
}

int shell_sql_is_open(const char *s)
{
    for (;;) {
        int st, code;
        size_t n = scan(s, &st, &code);
        if (n == 0) return st == S_SQUOTE || st == S_DQUOTE || st == S_BLOCK_COMMENT;
        s += n;
    }
}

size_t shell_sql_skip_space(const char *s)
{
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' ||
           s[i] == '\v')
        i++;
    return i;
}

char *shell_sql_error_context(const char *sql, int offset)
{
    size_t len, off, ls, le, i, col = 0, plen, need, k = 0;
    int line = 1;
    char prefix[32], *out;
    if (offset < 0 || sql == NULL) return NULL;
    len = strlen(sql);
    off = (size_t)offset > len ? len : (size_t)offset;
    ls = 0;
    for (i = 0; i < off; i++) {
        if (sql[i] == '\n') {
            line++;
            ls = i + 1;
        }
    }
    le = ls;
    while (le < len && sql[le] != '\n' && sql[le] != '\r') le++;
    for (i = ls; i < off; i++)
        if (((unsigned char)sql[i] & 0xC0) != 0x80) col++;
    plen = (size_t)snprintf(prefix, sizeof(prefix), "LINE %d: ", line);
    need = plen + (le - ls) + 1 + plen + col + 3;
    out = malloc(need);
    if (out == NULL) return NULL;
    memcpy(out, prefix, plen);
    k = plen;
    for (i = ls; i < le; i++) out[k++] = sql[i] == '\t' ? ' ' : sql[i];
    out[k++] = '\n';
    for (i = 0; i < plen + col; i++) out[k++] = ' ';
    out[k++] = '^';
    out[k++] = '\n';
    out[k] = '\0';
    return out;
}

int shell_sql_looks_like_sql(const char *s)
{
    static const char *const kw[] = {"select", "insert", "create", "drop",   "alter",   "with",
                                     "copy",   "show",   "describe", "explain", "update", "delete",
                                     "values", "set",    "reset",  "flush",   "pragma", "from"};
    size_t i, n = 0;
    for (i = 0; s[i]; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == ';') return 1;
    while (isalpha((unsigned char)s[n])) n++;
    if (s[n] != '\0') return 0; /* a keyword followed by '/', '.', ... is a path */
    for (i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (strlen(kw[i]) == n && strncasecmp(s, kw[i], n) == 0) return 1;
    return 0;
}
