/* shell/completion.c: tab-completion candidates for the shell. */
#include "shell/completion.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell/dotcmd.h"

const char *const shell_sql_keywords[] = {
    "ALL",      "AND",       "AS",      "ASC",      "AVG",      "BETWEEN",   "BIGINT",  "BOOLEAN",
    "BY",       "CASE",      "CAST",    "COALESCE", "COPY",     "COUNT",     "CREATE",  "DATE",
    "DECIMAL",  "DELETE",    "DESC",    "DESCRIBE", "DISTINCT", "DOUBLE",    "DROP",    "ELSE",
    "END",      "EXISTS",    "EXPLAIN", "FALSE",    "FIRST",    "FLUSH",     "FROM",    "FULL",
    "GROUP",    "HAVING",    "HEADER",  "IN",       "INNER",    "INSERT",    "INTEGER", "INTERVAL",
    "INTO",     "IS",        "JOIN",    "LAST",     "LEFT",     "LIKE",      "LIMIT",   "MAX",
    "MIN",      "NOT",       "NULL",    "NULLIF",   "NULLS",    "OFFSET",    "ON",      "OR",
    "ORDER",    "OUTER",     "PARTITION", "RIGHT",  "SELECT",   "SHOW",      "STATS",   "SUM",
    "TABLE",    "TABLES",    "THEN",    "TIMESTAMP", "TRUE",    "UNION",     "USING",   "VALUES",
    "VARCHAR",  "WHEN",      "WHERE",   "WITH",     NULL};

int shell_names_add(shell_names *l, const char *s)
{
    char *d;
    size_t n = strlen(s);
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **nv = realloc(l->v, ncap * sizeof(char *));
        if (nv == NULL) return -1;
        l->v = nv;
        l->cap = ncap;
    }
    d = malloc(n + 1);
    if (d == NULL) return -1;
    memcpy(d, s, n + 1);
    l->v[l->n++] = d;
    return 0;
}

int shell_names_has(const shell_names *l, const char *s)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return 1;
    return 0;
}

void shell_names_clear(shell_names *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Add s to out when it starts with word (case-insensitive) and is new. */
static int offer(shell_names *out, const char *s, const char *word, int lower, int *added)
{
    size_t n = strlen(word);
    char buf[128];
    if (strncasecmp(s, word, n) != 0) return 0;
    if (lower && strlen(s) < sizeof(buf)) {
        size_t i;
        for (i = 0; s[i]; i++) buf[i] = (char)tolower((unsigned char)s[i]);
        buf[i] = '\0';
        s = buf;
    }
    if (shell_names_has(out, s)) return 0;
    if (shell_names_add(out, s) != 0) return -1;
    (*added)++;
    return 0;
}

int shell_complete(const char *line, size_t start, const char *word, const shell_names *tables,
                   const shell_names *columns, shell_names *out)
{
    size_t i;
    int added = 0, first = 1, lower;
    for (i = 0; i < start && line[i]; i++)
        if (!isspace((unsigned char)line[i])) first = 0;
    if (first && word[0] == '.') {
        for (i = 0; shell_dot_names[i]; i++)
            if (offer(out, shell_dot_names[i], word, 0, &added) < 0) return -1;
        return added;
    }
    lower = word[0] != '\0' && islower((unsigned char)word[0]);
    for (i = 0; shell_sql_keywords[i]; i++)
        if (offer(out, shell_sql_keywords[i], word, lower, &added) < 0) return -1;
    if (tables)
        for (i = 0; i < tables->n; i++)
            if (offer(out, tables->v[i], word, 0, &added) < 0) return -1;
    if (columns)
        for (i = 0; i < columns->n; i++)
            if (offer(out, columns->v[i], word, 0, &added) < 0) return -1;
    return added;
}
