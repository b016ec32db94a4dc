/* shell/completion.h: tab-completion candidates for the shell.
 *
 * Given the line typed so far, where the word being completed starts and
 * that word, produce the matching candidates: dot commands when the word is
 * the first word and starts with '.', otherwise SQL keywords (upper case,
 * or lower case when the word starts in lower case), table names and column
 * names (the caller fetches these through SHOW TABLES / DESCRIBE and passes
 * them in). Matching is by case-insensitive prefix; candidates are unique and
 * in that order (keywords, tables, columns). A shell_names list owns copies
 * of its strings (libc malloc). Pure; thread-safe per list.
 */
#ifndef FLOE_SHELL_COMPLETION_H
#define FLOE_SHELL_COMPLETION_H

#include <stddef.h>

typedef struct shell_names {
    char **v;   /* n strings, each malloc'd */
    size_t n;
    size_t cap;
} shell_names;

/* Append a copy of s. Returns 0, or -1 on OOM. */
int shell_names_add(shell_names *l, const char *s);
/* 1 when l holds s (exact match). */
int shell_names_has(const shell_names *l, const char *s);
/* Free every string and the array; l becomes empty. */
void shell_names_clear(shell_names *l);

/* The SQL keywords offered (static, NULL-terminated). */
extern const char *const shell_sql_keywords[];

/* Fill `out` (appended to) with candidates for `word`, which starts at byte
 * `start` of `line`. tables/columns may be NULL. Returns the number added,
 * or -1 on OOM. */
int shell_complete(const char *line, size_t start, const char *word, const shell_names *tables,
                   const shell_names *columns, shell_names *out);

#endif /* FLOE_SHELL_COMPLETION_H */
