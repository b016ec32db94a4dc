/* shell/dotcmd.h: dot-command parsing and the SQL the commands run.
 *
 * A line starting with '.' at the start of a statement is a dot command:
 * ".mode csv", ".import 'my file.csv' t". shell_dotcmd_parse splits it into
 * words (single or double quotes group words; a doubled quote inside is a
 * literal quote), looks the command up, checks the argument count and the
 * argument values it can check without a database (modes, on/off). The
 * builders return the SQL text a command sends through floe.h (COPY for
 * .import, FLUSH, CREATE TABLE text for .schema). Pure functions, no state;
 * strings returned are malloc'd, free with free().
 */
#ifndef FLOE_SHELL_DOTCMD_H
#define FLOE_SHELL_DOTCMD_H

#include <stddef.h>

typedef enum shell_dot_kind {
    SHELL_DOT_HELP = 0,
    SHELL_DOT_TABLES,
    SHELL_DOT_SCHEMA,
    SHELL_DOT_MODE,
    SHELL_DOT_HEADERS,
    SHELL_DOT_TIMER,
    SHELL_DOT_OUTPUT,
    SHELL_DOT_ONCE,
    SHELL_DOT_READ,
    SHELL_DOT_IMPORT,
    SHELL_DOT_OPEN,
    SHELL_DOT_FLUSH,
    SHELL_DOT_STATS,
    SHELL_DOT_QUIT
} shell_dot_kind;

#define SHELL_DOT_MAXARGS 8
#define SHELL_DOT_BUF 4096

typedef struct shell_dotcmd {
    shell_dot_kind kind;
    int argc;                      /* arguments after the command word */
    char *argv[SHELL_DOT_MAXARGS]; /* point into buf */
    char buf[SHELL_DOT_BUF];       /* the words, NUL-separated */
} shell_dotcmd;

/* Parse `line` (starting with '.'). Returns 0 and fills *out, or -1 with a
 * message in errbuf ("unknown command ...", "usage: ..."). */
int shell_dotcmd_parse(const char *line, shell_dotcmd *out, char *errbuf, size_t cap);

/* "on"/"off" (also 1/0, yes/no, true/false) to 1/0; -1 when neither. */
int shell_onoff_parse(const char *s);

/* The .help text (static). */
const char *shell_dotcmd_help(void);

/* Names of the dot commands including the '.', NULL-terminated (static). */
extern const char *const shell_dot_names[];

/* SQL string literal for s: 'it''s'. NULL on OOM. */
char *shell_sql_literal(const char *s);
/* Identifier as written in SQL: bare when [a-z_][a-z0-9_]*, else "quoted"
 * with "" doubled. NULL on OOM. */
char *shell_sql_ident(const char *s);

/* COPY statement for ".import FILE TABLE": FORMAT jsonl for .jsonl, .ndjson
 * and .json files, else csv with HEADER. `table` is used as written. */
char *shell_import_sql(const char *file, const char *table);

/* "FLUSH table" (table used as written). */
char *shell_flush_sql(const char *table);

/* CREATE TABLE text from DESCRIBE output: "CREATE TABLE t (\n    a BIGINT,\n
 * ...\n);\n". names/types are the column names and type texts. */
char *shell_schema_sql(const char *table, size_t ncols, const char *const *names,
                       const char *const *types);

#endif /* FLOE_SHELL_DOTCMD_H */
