/* sql/lexer.h: SQL tokenizer.
 *
 * Splits SQL text into tokens on demand (floe_lexer_next). Skips blanks,
 * `-- line comments` and `/ * block comments * /` (which nest, as in
 * PostgreSQL). A token is a byte range of the text plus its kind; words are
 * not classified here beyond "is it a reserved word" (floe_lexer_reserved),
 * so the parser decides from context whether `date` is a column or starts a
 * DATE literal. The lexer never allocates: string literals and quoted
 * identifiers are decoded by the caller with floe_lexer_unquote.
 *
 * Errors (FLOE_PARSE, err->offset at the token's start): unterminated string,
 * quoted identifier or comment, malformed number ("1e", "12abc"), zero-length
 * quoted identifier, NUL byte in a quoted identifier, unexpected character.
 * Not thread-safe; one owner.
 */
#ifndef FLOE_SQL_LEXER_H
#define FLOE_SQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef enum floe_tok_kind {
    FLOE_TOK_EOF,     /* end of text */
    FLOE_TOK_WORD,    /* keyword or identifier: [A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]* */
    FLOE_TOK_QIDENT,  /* "quoted identifier" ("" inside is one ") */
    FLOE_TOK_INT,     /* digits only */
    FLOE_TOK_NUM,     /* digits with '.' and/or exponent */
    FLOE_TOK_STRING,  /* 'text' ('' inside is one ') */
    FLOE_TOK_ESTRING, /* E'text' with backslash escapes */
    FLOE_TOK_OP,      /* punctuation or operator; text in the range (also the
                       * parameters $1, $2, ... and ?) */
    FLOE_TOK_ERROR    /* never returned by the lexer: the parser marks a token
                       * the lexer failed on with it */
} floe_tok_kind;

typedef struct floe_token {
    floe_tok_kind kind;
    int off; /* byte offset in the text */
    int len; /* bytes */
} floe_token;

typedef struct floe_lexer {
    const char *sql; /* borrowed */
    size_t len;      /* bytes */
    size_t pos;      /* next byte to look at */
} floe_lexer;

void floe_lexer_init(floe_lexer *lx, const char *sql, size_t len);
/* Next token into *out (kind EOF at the end, repeatedly). FLOE_OK or
 * FLOE_PARSE. */
int floe_lexer_next(floe_lexer *lx, floe_token *out, floe_err *err);
/* Does WORD token `t` equal keyword `kw` (upper case), ignoring case? */
bool floe_lexer_is(const floe_lexer *lx, const floe_token *t, const char *kw);
/* Is WORD token `t` a reserved word (cannot be a bare identifier or alias)? */
bool floe_lexer_reserved(const floe_lexer *lx, const floe_token *t);
/* Is the lower-case NUL-terminated `word` reserved? (for quoting on output) */
bool floe_lexer_word_reserved(const char *word);
/* Decode a STRING, ESTRING or QIDENT token into buf (which must hold
 * t->len bytes): quotes removed, doubled quotes and E'' escapes resolved.
 * Returns the decoded length; buf is not NUL-terminated. */
size_t floe_lexer_unquote(const floe_lexer *lx, const floe_token *t, char *buf);

#endif
