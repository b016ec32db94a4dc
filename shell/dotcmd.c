/* shell/dotcmd.c: dot-command parsing and the SQL the commands run. */
#include "shell/dotcmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "shell/render.h"

typedef struct dot_spec {
    const char *name; /* without the '.' */
    shell_dot_kind kind;
    int minargs, maxargs;
    const char *usage;
    const char *help;
} dot_spec;

static const dot_spec specs[] = {
    {"help", SHELL_DOT_HELP, 0, 1, ".help", "Show this help"},
    {"tables", SHELL_DOT_TABLES, 0, 0, ".tables", "List the tables"},
    {"schema", SHELL_DOT_SCHEMA, 0, 1, ".schema [TABLE]", "Show CREATE TABLE for one or all tables"},
    {"mode", SHELL_DOT_MODE, 0, 1, ".mode [box|table|csv|tsv|json|jsonl|markdown|line]",
     "Set (or show) the output mode"},
    {"headers", SHELL_DOT_HEADERS, 1, 1, ".headers on|off", "Show column names or not"},
    {"timer", SHELL_DOT_TIMER, 1, 1, ".timer on|off", "Print wall time and rows/s of statements"},
    {"output", SHELL_DOT_OUTPUT, 0, 1, ".output [FILE]",
     "Send output to FILE, or back to stdout without FILE"},
    {"once", SHELL_DOT_ONCE, 1, 1, ".once FILE", "Send the next statement's output to FILE"},
    {"read", SHELL_DOT_READ, 1, 1, ".read FILE", "Run the SQL and dot commands in FILE"},
    {"import", SHELL_DOT_IMPORT, 2, 2, ".import FILE TABLE",
     "Load FILE (csv with header, or jsonl) into TABLE with COPY"},
    {"open", SHELL_DOT_OPEN, 0, 1, ".open [PATH]",
     "Close this database and open PATH (in memory without PATH)"},
    {"flush", SHELL_DOT_FLUSH, 0, 1, ".flush [TABLE]", "Flush memtables to parts (one or all tables)"},
    {"stats", SHELL_DOT_STATS, 0, 0, ".stats", "Per-table ingest and storage statistics (SELECT * FROM floe_stats)"},
    {"quit", SHELL_DOT_QUIT, 0, 0, ".quit", "Exit"},
    {"exit", SHELL_DOT_QUIT, 0, 0, ".exit", "Exit"},
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

const char *const shell_dot_names[] = {".help",  ".tables", ".schema", ".mode",  ".headers",
                                       ".timer", ".output", ".once",   ".read",  ".import",
                                       ".open",  ".flush",  ".stats",  ".quit",  ".exit",
                                       NULL};

const char *shell_dotcmd_help(void)
{
    static char text[2048];
    size_t i, k = 0;
    if (text[0] != '\0') return text;
    for (i = 0; i < NSPECS && k < sizeof(text); i++)
        k += (size_t)snprintf(text + k, sizeof(text) - k, "%-52s %s\n", specs[i].usage,
                              specs[i].help);
    return text;
}

int shell_onoff_parse(const char *s)
{
    if (!strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "true"))
        return 1;
    if (!strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "no") ||
        !strcasecmp(s, "false"))
        return 0;
    return -1;
}

/* Split line into words in out->buf. Returns the word count or -1 (with a
 * message) on an unterminated quote or overflow. */
static int split_words(const char *line, shell_dotcmd *out, char **words, int maxw, char *errbuf,
                       size_t cap)
{
    const char *p = line;
    size_t k = 0;
    int n = 0;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
        if (*p == '\0') break;
        if (n == maxw) {
            snprintf(errbuf, cap, "too many arguments");
            return -1;
        }
        words[n++] = out->buf + k;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                for (;;) {
                    if (*p == '\0') {
                        snprintf(errbuf, cap, "unterminated %c quote", q);
                        return -1;
                    }
                    if (*p == q) {
                        if (p[1] == q) {
                            p++; /* doubled quote: a literal quote */
                        } else {
                            p++;
                            break;
                        }
                    }
                    if (k + 1 >= sizeof(out->buf)) goto overflow;
                    out->buf[k++] = *p++;
                }
            } else {
                if (k + 1 >= sizeof(out->buf)) goto overflow;
                out->buf[k++] = *p++;
            }
        }
        if (k + 1 >= sizeof(out->buf)) goto overflow;
        out->buf[k++] = '\0';
    }
    return n;
overflow:
    snprintf(errbuf, cap, "command too long");
    return -1;
}

int shell_dotcmd_parse(const char *line, shell_dotcmd *out, char *errbuf, size_t cap)
{
    char *words[SHELL_DOT_MAXARGS + 1];
    int n, i;
    size_t s;
    memset(out, 0, sizeof(*out));
    if (line[0] != '.') {
        snprintf(errbuf, cap, "not a dot command");
        return -1;
    }
    n = split_words(line + 1, out, words, SHELL_DOT_MAXARGS + 1, errbuf, cap);
    if (n < 0) return -1;
    if (n == 0) {
        snprintf(errbuf, cap, "missing command after '.'; try .help");
        return -1;
    }
    for (s = 0; s < NSPECS; s++)
        if (strcmp(words[0], specs[s].name) == 0) break;
    if (s == NSPECS) {
        snprintf(errbuf, cap, "unknown command: .%s; try .help", words[0]);
        return -1;
    }
    out->kind = specs[s].kind;
    out->argc = n - 1;
    for (i = 1; i < n; i++) out->argv[i - 1] = words[i];
    if (out->argc < specs[s].minargs || out->argc > specs[s].maxargs) {
        snprintf(errbuf, cap, "usage: %s", specs[s].usage);
        return -1;
    }
    if (out->kind == SHELL_DOT_MODE && out->argc == 1) {
        shell_mode m;
        if (shell_mode_parse(out->argv[0], &m) != 0) {
            snprintf(errbuf, cap, "unknown mode: %s; usage: %s", out->argv[0], specs[s].usage);
            return -1;
        }
    }
    if ((out->kind == SHELL_DOT_HEADERS || out->kind == SHELL_DOT_TIMER) &&
        shell_onoff_parse(out->argv[0]) < 0) {
        snprintf(errbuf, cap, "usage: %s", specs[s].usage);
        return -1;
    }
    return 0;
}

/* s wrapped in quote q with q doubled inside. */
static char *quote_with(const char *s, char q)
{
    size_t n = 2, k = 0;
    const char *p;
    char *d;
    for (p = s; *p; p++) n += *p == q ? 2 : 1;
    d = malloc(n + 1);
    if (d == NULL) return NULL;
    d[k++] = q;
    for (p = s; *p; p++) {
        if (*p == q) d[k++] = q;
        d[k++] = *p;
    }
    d[k++] = q;
    d[k] = '\0';
    return d;
}

char *shell_sql_literal(const char *s) { return quote_with(s, '\''); }

char *shell_sql_ident(const char *s)
{
    const char *p;
    int plain = (*s >= 'a' && *s <= 'z') || *s == '_';
    for (p = s; plain && *p; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (plain) {
        char *d = malloc(strlen(s) + 1);
        if (d) strcpy(d, s);
        return d;
    }
    return quote_with(s, '"');
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

char *shell_import_sql(const char *file, const char *table)
{
    char *lit = shell_sql_literal(file), *sql;
    int jsonl = ends_with(file, ".jsonl") || ends_with(file, ".ndjson") || ends_with(file, ".json");
    const char *opts = jsonl ? "(FORMAT jsonl)" : "(FORMAT csv, HEADER)";
    size_t n;
    if (lit == NULL) return NULL;
    n = strlen(table) + strlen(lit) + strlen(opts) + 32;
    sql = malloc(n);
    if (sql) snprintf(sql, n, "COPY %s FROM %s %s", table, lit, opts);
    free(lit);
    return sql;
}

char *shell_flush_sql(const char *table)
{
    size_t n = strlen(table) + 8;
    char *sql = malloc(n);
    if (sql) snprintf(sql, n, "FLUSH %s", table);
    return sql;
}

char *shell_schema_sql(const char *table, size_t ncols, const char *const *names,
                       const char *const *types)
{
    size_t cap = 64, k = 0, c;
    char *out, *id;
    for (c = 0; c < ncols; c++) cap += strlen(names[c]) * 2 + strlen(types[c]) + 16;
    cap += strlen(table) * 2;
    out = malloc(cap);
    if (out == NULL) return NULL;
    id = shell_sql_ident(table);
    if (id == NULL) {
        free(out);
        return NULL;
    }
    k += (size_t)snprintf(out + k, cap - k, "CREATE TABLE %s (", id);
    free(id);
    for (c = 0; c < ncols; c++) {
        id = shell_sql_ident(names[c]);
        if (id == NULL) {
            free(out);
            return NULL;
        }
        k += (size_t)snprintf(out + k, cap - k, "%s\n    %s %s", c ? "," : "", id, types[c]);
        free(id);
    }
    snprintf(out + k, cap - k, "%s);\n", ncols ? "\n" : "");
    return out;
}
