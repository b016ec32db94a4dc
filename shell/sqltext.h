/* shell/sqltext.h: SQL text helpers for the shell (statement ends, caret).
 *
 * The shell reads SQL line by line and must know when a statement is
 * complete: at a ';' that is outside single-quoted strings ('it''s'),
 * double-quoted identifiers, -- line comments and block comments. It also
 * turns an error byte offset into the "LINE n: ..." + caret display. Pure
 * functions over NUL-terminated text; no state, thread-safe. Returned strings
 * are malloc'd (plain libc: the shell is a floe.h client); free with free().
 */
#ifndef FLOE_SHELL_SQLTEXT_H
#define FLOE_SHELL_SQLTEXT_H

#include <stddef.h>

/* Length in bytes of the first complete statement of s, through its ';'
 * (leading whitespace and comments included), or 0 when s holds no ';'
 * outside quotes and comments yet. */
size_t shell_sql_complete_len(const char *s);

/* 1 when s holds only whitespace, comments and ';' (nothing to run). */
int shell_sql_is_blank(const char *s);

/* 1 when s ends inside a quote or a block comment (a line break there is
 * part of a literal, not the end of the statement). */
int shell_sql_is_open(const char *s);

/* Number of leading bytes of s that are whitespace (not comments). */
size_t shell_sql_skip_space(const char *s);

/* 1 when a command-line word meant as a database path looks like SQL
 * instead: it holds whitespace or a ';', or its first word is a statement
 * keyword (SELECT, INSERT, CREATE, ... case-insensitive). `floe "SELECT 1"`
 * must not create a directory named "SELECT 1". */
int shell_sql_looks_like_sql(const char *s);

/* The error display for `offset` (a byte offset into sql, clamped to its
 * length): "LINE n: <that line>\n<spaces>^\n", with tabs shown as one space
 * so the caret lines up. Returns NULL when offset < 0 or out of memory. */
char *shell_sql_error_context(const char *sql, int offset);

#endif /* FLOE_SHELL_SQLTEXT_H */
