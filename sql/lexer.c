/* sql/lexer.c: SQL tokenizer (see lexer.h for the token grammar). */
#include "sql/lexer.h"

#include <string.h>
#include <strings.h>

/* Words that cannot be used as bare identifiers or aliases. Sorted (upper
 * case) for bsearch. Statement-leading verbs (CREATE, COPY, ...) are not
 * reserved: they are recognised only at the start of a statement. */
static const char *const reserved_words[] = {
    "ALL",      "AND",     "ANY",       "AS",     "ASC",    "BETWEEN", "BY",
    "CASE",     "CAST",    "CROSS",     "DESC",   "DISTINCT", "ELSE",  "END",
    "EXCEPT",   "EXISTS",  "FALSE",     "FETCH",  "FOR",    "FROM",    "FULL",
    "GROUP",    "HAVING",  "ILIKE",     "IN",     "INNER",  "INTERSECT", "INTO",
    "IS",       "JOIN",    "LATERAL",   "LEFT",   "LIKE",   "LIMIT",   "NATURAL",
    "NOT",      "NULL",    "OFFSET",    "ON",     "OR",     "ORDER",   "OUTER",
    "QUALIFY", "RIGHT",    "SELECT",  "SOME",      "TABLE",  "THEN",   "TRUE",    "UNION",
    "USING",    "VALUES",  "WHEN",      "WHERE",  "WINDOW", "WITH",
};
#define NRESERVED (sizeof reserved_words / sizeof reserved_words[0])

static int word_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int word_char(unsigned char c)
{
    return word_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

void floe_lexer_init(floe_lexer *lx, const char *sql, size_t len)
{
    lx->sql = sql;
    lx->len = len;
    lx->pos = 0;
}

/* Skip blanks and comments. FLOE_PARSE on an unterminated block comment. */
static int skip_space(floe_lexer *lx, floe_err *err)
{
    const char *s = lx->sql;
    size_t n = lx->len, i = lx->pos;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
                         s[i] == '\f' || s[i] == '\v'))
            i++;
        if (i + 1 < n && s[i] == '-' && s[i + 1] == '-') {
            while (i < n && s[i] != '\n') i++;
            continue;
        }
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            size_t start = i;
            int depth = 0;
            do {
                if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (i + 1 < n && s[i] == '*' && s[i + 1] == '/') {
                    depth--;
                    i += 2;
                } else if (i < n) {
                    i++;
                } else {
                    lx->pos = i;
                    return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                           "unterminated /* comment");
                }
            } while (depth > 0);
            continue;
        }
        break;
    }
    lx->pos = i;
    return FLOE_OK;
}

/* Scan a quoted run starting at s[i] == q; doubled q is an escaped q; in an
 * E-string a backslash escapes the next byte. Returns the index after the
 * closing quote, or 0 if unterminated. */
static size_t scan_quoted(const char *s, size_t n, size_t i, char q, int backslash)
{
    i++;
    while (i < n) {
        if (backslash && s[i] == '\\') {
            i += 2;
            continue;
        }
        if (s[i] == q) {
            if (i + 1 < n && s[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return 0;
}

int floe_lexer_next(floe_lexer *lx, floe_token *out, floe_err *err)
{
    const char *s = lx->sql;
    size_t n = lx->len, i, start;
    unsigned char c;
    int rc = skip_space(lx, err);

    out->kind = FLOE_TOK_EOF;
    out->off = (int)lx->pos;
    out->len = 0;
    if (rc != FLOE_OK) return rc;
    i = start = lx->pos;
    if (i >= n) return FLOE_OK;
    c = (unsigned char)s[i];

    if ((c == 'E' || c == 'e') && i + 1 < n && s[i + 1] == '\'') {
        size_t end = scan_quoted(s, n, i + 1, '\'', 1);
        if (end == 0) return floe_err_set_at(err, FLOE_PARSE, (int)start, "unterminated string");
        out->kind = FLOE_TOK_ESTRING;
        i = end;
    } else if (word_start(c)) {
        while (i < n && word_char((unsigned char)s[i])) i++;
        out->kind = FLOE_TOK_WORD;
    } else if (c == '\'') {
        size_t end = scan_quoted(s, n, i, '\'', 0);
        if (end == 0) return floe_err_set_at(err, FLOE_PARSE, (int)start, "unterminated string");
        out->kind = FLOE_TOK_STRING;
        i = end;
    } else if (c == '"') {
        size_t end = scan_quoted(s, n, i, '"', 0);
        if (end == 0)
            return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                   "unterminated quoted identifier");
        if (end == i + 2)
            return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                   "zero-length quoted identifier");
        if (memchr(s + i, '\0', end - i) != NULL) /* names are C strings */
            return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                   "quoted identifier contains a NUL byte");
        out->kind = FLOE_TOK_QIDENT;
        i = end;
    } else if (is_digit(c) || (c == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]))) {
        int isnum = 0;
        while (i < n && is_digit((unsigned char)s[i])) i++;
        if (i < n && s[i] == '.') {
            isnum = 1;
            i++;
            while (i < n && is_digit((unsigned char)s[i])) i++;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
            isnum = 1;
            i++;
            if (i < n && (s[i] == '+' || s[i] == '-')) i++;
            if (i >= n || !is_digit((unsigned char)s[i]))
                return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                       "bad number \"%.*s\": missing exponent digits",
                                       (int)(i - start), s + start);
            while (i < n && is_digit((unsigned char)s[i])) i++;
        }
        if (i < n && (word_char((unsigned char)s[i]) || s[i] == '.')) {
            size_t j = i;
            while (j < n && j - start < 40 && (word_char((unsigned char)s[j]) || s[j] == '.'))
                j++;
            return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                   "bad number \"%.*s\": trailing junk", (int)(j - start),
                                   s + start);
        }
        out->kind = isnum ? FLOE_TOK_NUM : FLOE_TOK_INT;
    } else {
        static const char *const two[] = {"<>", "!=", "<=", ">=", "||", "::", "!~", "~*", ":="};
        size_t k;
        for (k = 0; k < sizeof two / sizeof two[0]; k++)
            if (i + 1 < n && s[i] == two[k][0] && s[i + 1] == two[k][1]) break;
        if (i + 2 < n && s[i] == '!' && s[i + 1] == '~' && s[i + 2] == '*') {
            i += 3; /* !~* */
        } else if (k < sizeof two / sizeof two[0]) {
            i += 2;
        } else if (c == '$' && i + 1 < n && is_digit((unsigned char)s[i + 1])) {
            i++; /* $n: a statement parameter */
            while (i < n && is_digit((unsigned char)s[i])) i++;
        } else if (strchr("(),;.+-*/%=<>[]?~{}:", c) != NULL && c != '\0') {
            i++;
        } else {
            if (c >= 0x20 && c < 0x7f)
                return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                       "syntax error at or near \"%c\"", c);
            return floe_err_set_at(err, FLOE_PARSE, (int)start,
                                   "unexpected byte 0x%02x", c);
        }
        out->kind = FLOE_TOK_OP;
    }
    out->off = (int)start;
    out->len = (int)(i - start);
    lx->pos = i;
    return FLOE_OK;
}

bool floe_lexer_is(const floe_lexer *lx, const floe_token *t, const char *kw)
{
    size_t n = strlen(kw);
    return t->kind == FLOE_TOK_WORD && (size_t)t->len == n &&
           strncasecmp(lx->sql + t->off, kw, n) == 0;
}

static int cmp_word(const char *w, size_t n, const char *kw)
{
    size_t i;
    for (i = 0; i < n && kw[i]; i++) {
        int a = (unsigned char)w[i], b = (unsigned char)kw[i];
        if (a >= 'a' && a <= 'z') a -= 32;
        if (a != b) return a - b;
    }
    if (i < n) return 1;
    return kw[i] ? -1 : 0;
}

static bool reserved_n(const char *w, size_t n)
{
    size_t lo = 0, hi = NRESERVED;
    if (n > 10) return false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_word(w, n, reserved_words[mid]);
        if (c == 0) return true;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return false;
}

bool floe_lexer_reserved(const floe_lexer *lx, const floe_token *t)
{
    return t->kind == FLOE_TOK_WORD && reserved_n(lx->sql + t->off, (size_t)t->len);
}

bool floe_lexer_word_reserved(const char *word) { return reserved_n(word, strlen(word)); }

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t floe_lexer_unquote(const floe_lexer *lx, const floe_token *t, char *buf)
{
    const char *s = lx->sql + t->off;
    size_t n = (size_t)t->len, i, o = 0;
    char q = t->kind == FLOE_TOK_QIDENT ? '"' : '\'';
    int esc = t->kind == FLOE_TOK_ESTRING;

    i = esc ? 2 : 1;
    n -= 1; /* closing quote */
    while (i < n) {
        char c = s[i];
        if (c == q && i + 1 < n && s[i + 1] == q) {
            buf[o++] = q;
            i += 2;
        } else if (esc && c == '\\' && i + 1 < n) {
            char e = s[i + 1];
            i += 2;
            switch (e) {
            case 'n': buf[o++] = '\n'; break;
            case 't': buf[o++] = '\t'; break;
            case 'r': buf[o++] = '\r'; break;
            case 'b': buf[o++] = '\b'; break;
            case 'f': buf[o++] = '\f'; break;
            case 'x': {
                int v = 0, k = 0, h;
                while (k < 2 && i < n && (h = hexval(s[i])) >= 0) {
                    v = v * 16 + h;
                    i++;
                    k++;
                }
                buf[o++] = k ? (char)v : 'x';
                break;
            }
            default:
                if (e >= '0' && e <= '7') {
                    int v = e - '0', k = 1;
                    while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') {
                        v = v * 8 + (s[i] - '0');
                        i++;
                        k++;
                    }
                    buf[o++] = (char)v;
                } else {
                    buf[o++] = e; /* \\ \' \" and anything else: itself */
                }
            }
        } else {
            buf[o++] = c;
            i++;
        }
    }
    return o;
}
