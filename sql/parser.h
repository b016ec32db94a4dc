/* sql/parser.h: SQL text to syntax trees, one statement at a time.
 *
 * A floe_parser walks a SQL string holding any number of statements separated
 * by ';' and returns them one by one, so a caller can run each before the
 * next is parsed and report errors with positions. The dialect is the one the
 * node kinds of sql/ast.h describe (PostgreSQL/DuckDB flavoured); the tests in
 * tests/unit/sql/test_parser*.c show every form.
 *
 * Errors: a syntax error returns FLOE_PARSE with err->offset set to the byte
 * offset of the offending token and a message such as
 *   syntax error at or near "FROM" (line 2, column 7)
 * Lexical errors (unterminated string or comment, bad number, unexpected
 * character) and nesting deeper than FLOE_PARSER_MAX_DEPTH are FLOE_PARSE
 * too; the parser never recurses without bound. Out of memory is FLOE_NOMEM.
 * After an error, floe_parser_next keeps returning that error.
 *
 * Ownership: the parser borrows `sql` (it must stay valid and unchanged until
 * floe_parser_free). Every tree it returns lives in the parser's arena and is
 * valid until floe_parser_free. Not thread-safe: one parser per thread; the
 * returned trees may be read by many threads.
 */
#ifndef FLOE_SQL_PARSER_H
#define FLOE_SQL_PARSER_H

#include <stddef.h>

#include "sql/ast.h"
#include "util/err.h"

/* Maximum nesting of parentheses, subqueries, unary operator chains and
 * other recursive forms; deeper input is a FLOE_PARSE error. Parsing at the
 * limit needs about 0.5 MiB of stack in an optimised build (each level is a
 * few frames of ~100-200 bytes; more under sanitizers), so parse on a thread
 * with at least 1 MiB of stack. */
#define FLOE_PARSER_MAX_DEPTH 1000

typedef struct floe_parser floe_parser;

/* New parser over sql[0..len) (may contain NUL bytes; they are a syntax error
 * outside string literals). FLOE_OK or FLOE_NOMEM; *out is NULL on failure. */
int floe_parser_new(const char *sql, size_t len, floe_parser **out, floe_err *err);
void floe_parser_free(floe_parser *p); /* NULL ok; frees every tree it returned */

/* Parse the next statement. Returns FLOE_ROW with *out_stmt set (its byte
 * range is (*out_stmt)->off, ->len), FLOE_DONE when only blanks, comments and
 * ';' remain, FLOE_PARSE or FLOE_NOMEM on error (*out_stmt NULL). Empty
 * statements (";;") are skipped. */
int floe_parser_next(floe_parser *p, floe_ast_stmt **out_stmt, floe_err *err);

/* Byte offset just after the last statement returned (past its ';' if any):
 * where the caller's remaining text starts. */
size_t floe_parser_offset(const floe_parser *p);

/* Convenience: parse exactly one statement (an optional trailing ';' is
 * allowed, more statements are a FLOE_PARSE error). The tree lives in the
 * parser returned in *out_parser (free it with floe_parser_free, also on
 * error; NULL only on FLOE_NOMEM). */
int floe_parser_parse_one(const char *sql, size_t len, floe_parser **out_parser,
                          floe_ast_stmt **out_stmt, floe_err *err);

/* Parse a standalone expression (tests, DEFAULT re-parsing, tools). Same
 * ownership rules as floe_parser_parse_one. */
int floe_parser_parse_expr(const char *sql, size_t len, floe_parser **out_parser,
                           floe_ast_expr **out_expr, floe_err *err);

/* 1-based line and column (in bytes) of byte `offset` of `sql`: the bytes
 * sql[0..offset) are scanned, so offset must be within the text (offsets the
 * parser reports always are; offset <= 0 gives line 1, column 1). Lines end
 * at '\n'. */
void floe_sql_position(const char *sql, int offset, int *out_line, int *out_col);

#endif
