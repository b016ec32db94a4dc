/* shell/shell.c: `floe`, the interactive SQL shell and script runner.
 *
 * Uses only the public API (floe.h), like SQLite's shell. Reads SQL from the
 * command line (-c SQL or extra arguments), from a script on stdin, or
 * interactively with libedit (history in ~/.floe_history or $FLOE_HISTORY,
 * tab completion of keywords, tables, columns and dot commands). Statements
 * end at a ';' outside quotes and comments; each one runs through floe_query
 * and its result is rendered by shell/render.c in the current mode.
 *
 * Signals: SIGINT while a statement runs calls floe_interrupt(db) (the
 * statement fails with FLOE_INTERRUPT and the shell returns to the prompt);
 * at the prompt it abandons the line being typed (siglongjmp out of
 * readline, as psql does); in a script it stops the script (interrupting the
 * running statement, if any) and exits.
 *
 * Statements running over a second on a terminal show a spinner with the
 * elapsed time on stderr (shell/progress.c), erased when they finish.
 *
 * Locking: a database directory another process holds open for writing is
 * opened read-only (floe.h FLOE_OPEN_READONLY) when SQL comes from the
 * command line; an interactive session or stdin script refuses to open it
 * (exit 1) unless --readonly asks for a read-only session.
 *
 * Exit status (as sqlite3): 0, or 1 when a statement or dot command failed
 * in a non-interactive run (including a failed .output/.once file or a
 * failed render), when the database cannot be opened, or when closing it
 * fails ("floe: close: <message>": the final flush), even interactively;
 * 2 for bad usage. Memory is plain libc (the shell is
 * a floe.h client); values from floe_value_text are freed with floe_free.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "floe.h"
#include "server/serve.h"
#include "shell/completion.h"
#include "shell/demo.h"
#include "shell/dotcmd.h"
#include "shell/progress.h"
#include "shell/remote.h"
#include "shell/recover.h"
#include "shell/render.h"
#include "shell/sqltext.h"

#define SHELL_PROMPT "floe> "
#define SHELL_CONT_PROMPT "   ...> "
#define SHELL_MAX_READ_DEPTH 16
#define SHELL_BOX_MAX_ROWS 40
#define SHELL_PROGRESS_DELAY 1.0 /* seconds before the spinner shows */

typedef struct shell {
    floe_db *db;
    char *path;             /* NULL: in memory */
    shell_mode mode;
    int headers;
    int timer;
    FILE *out;              /* stdout or a file from .output/.once */
    int once;               /* restore stdout after the next statement */
    int interactive;
    int bail;               /* stop at the first error */
    int readonly;           /* --readonly: open databases read-only */
    int ro_fallback;        /* SQL from the command line: a database locked by a
                             * writer is opened read-only instead */
    int nerrors;
    int quit;
    int cancelled;          /* a statement was interrupted: stop this input */
    int read_depth;
    char *history;          /* history file path, or NULL */
    shell_remote *remote;   /* attached to a `floe serve` (db is NULL then) */
} shell;

/* Signal state: read by the SIGINT handler. */
static floe_db *volatile g_db;
static volatile sig_atomic_t g_in_query;
static volatile sig_atomic_t g_at_prompt;
static volatile sig_atomic_t g_interrupted;
static volatile sig_atomic_t g_exit_on_sigint;
static sigjmp_buf g_prompt_jmp;

static void on_sigint(int signo)
{
    (void)signo;
    g_interrupted = 1;
    if (g_in_query) {
        if (g_db != NULL) floe_interrupt(g_db);
    } else if (g_at_prompt) {
        g_at_prompt = 0;
        siglongjmp(g_prompt_jmp, 1);
    } else if (g_exit_on_sigint) {
        _exit(130);
    }
}

/* The progress meter: floe_progress on the shell's database. */
static double db_progress(void *db) { return floe_progress(db); }

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Growable text buffer for statements being typed. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static int sbuf_append(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        char *np;
        while (ncap < b->n + n + 1) ncap *= 2;
        np = realloc(b->p, ncap);
        if (np == NULL) return -1;
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
    return 0;
}

static void sbuf_consume(sbuf *b, size_t n)
{
    memmove(b->p, b->p + n, b->n - n + 1);
    b->n -= n;
}

/* ------------------------------------------------------------------ errors */

static void report_error(shell *sh, const char *sql)
{
    int off = floe_db_erroffset(sh->db);
    fprintf(stderr, "Error: %s\n", floe_db_errmsg(sh->db));
    if (sql != NULL && off >= 0) {
        char *ctx = shell_sql_error_context(sql, off);
        if (ctx != NULL) {
            fputs(ctx, stderr);
            free(ctx);
        }
    }
    fflush(stderr);
    sh->nerrors++;
}

static void shell_fail(shell *sh, const char *fmt, const char *arg)
{
    fputs("Error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    fflush(stderr);
    sh->nerrors++;
}

/* ------------------------------------------------------------------ output */

/* Close an output file; a failed write (full disk, ...) surfaces at the
 * latest in fclose and counts as an error. Returns 0 or -1 (reported). */
static int close_out(shell *sh)
{
    int rc = 0;
    if (sh->out != stdout && fclose(sh->out) != 0) {
        shell_fail(sh, "writing the output file failed: %s", strerror(errno));
        rc = -1;
    }
    sh->out = stdout;
    return rc;
}

static void end_once(shell *sh)
{
    if (sh->once) {
        close_out(sh);
        sh->once = 0;
    }
}

static int out_width(FILE *f)
{
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 120;
}

static int run_local_sql(shell *sh, const char *sql);

/* Render every row of res in the current mode. Returns 0 or -1. */
static int render_result(shell *sh, floe_result *res)
{
    uint32_t ncols = floe_result_column_count(res), c;
    uint64_t nrows = floe_result_row_count(res), row;
    const char **names = calloc(ncols + 1, sizeof(char *));
    const char **tnames = calloc(ncols + 1, sizeof(char *));
    char **tbuf = calloc(ncols + 1, sizeof(char *));
    char **cells = calloc(ncols + 1, sizeof(char *));
    floe_type_id *types = calloc(ncols + 1, sizeof(floe_type_id));
    shell_render_opts o;
    shell_render *r = NULL;
    int rc = -1;

    if (!names || !tnames || !tbuf || !cells || !types) goto out;
    for (c = 0; c < ncols; c++) {
        int prec = 0, scale = 0;
        names[c] = floe_result_column_name(res, c);
        types[c] = floe_result_column_type(res, c);
        if (types[c] == FLOE_TYPE_DECIMAL) floe_result_column_decimal(res, c, &prec, &scale);
        tbuf[c] = malloc(32);
        if (tbuf[c] == NULL) goto out;
        tnames[c] = shell_type_name(types[c], prec, scale, tbuf[c], 32);
    }
    o.mode = sh->mode;
    o.headers = sh->headers;
    o.max_width = out_width(sh->out);
    o.max_rows = isatty(fileno(sh->out)) ? SHELL_BOX_MAX_ROWS : 0;
    r = shell_render_new(sh->out, &o, ncols, names, types, tnames);
    if (r == NULL) goto out;
    g_interrupted = 0;
    for (row = 0; row < nrows && !g_interrupted; row++) {
        for (c = 0; c < ncols; c++) cells[c] = floe_value_text(res, c, row);
        if (shell_render_row(r, (const char *const *)cells) != 0) {
            for (c = 0; c < ncols; c++) floe_free(cells[c]), cells[c] = NULL;
            goto out;
        }
        for (c = 0; c < ncols; c++) floe_free(cells[c]), cells[c] = NULL;
    }
    rc = shell_render_end(r);
    r = NULL;
out:
    shell_render_free(r);
    if (tbuf)
        for (c = 0; c < ncols; c++) free(tbuf[c]);
    free(tbuf);
    free(names);
    free(tnames);
    free(cells);
    free(types);
    return rc;
}

/* DELETE or UPDATE (first word of sql, after blanks and -- comments):
 * their result has no columns but a count of rows changed, which the shell
 * shows the way DuckDB does, as a one-row "Count" table. */
static int is_dml(const char *sql)
{
    for (;;) {
        while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r') sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            while (*sql && *sql != '\n') sql++;
            continue;
        }
        break;
    }
    return (strncasecmp(sql, "DELETE", 6) == 0 || strncasecmp(sql, "UPDATE", 6) == 0) &&
           !(isalnum((unsigned char)sql[6]) || sql[6] == '_');
}

/* Render the one-row "Count" table of a DELETE/UPDATE. Returns 0 or -1. */
static int render_count(shell *sh, uint64_t n)
{
    const char *names[1] = {"Count"}, *tnames[1] = {"BIGINT"}, *cells[1];
    floe_type_id types[1] = {FLOE_TYPE_BIGINT};
    shell_render_opts o;
    shell_render *r;
    char buf[32];
    o.mode = sh->mode;
    o.headers = sh->headers;
    o.max_width = out_width(sh->out);
    o.max_rows = 0;
    r = shell_render_new(sh->out, &o, 1, names, types, tnames);
    if (r == NULL) return -1;
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    cells[0] = buf;
    if (shell_render_row(r, cells) != 0) {
        shell_render_free(r);
        return -1;
    }
    return shell_render_end(r);
}

/* Run one statement on the attached server and print its result (the
 * same renderer as a local result). Returns 0 or -1. */
static int run_remote_sql(shell *sh, const char *sql)
{
    shell_remote_result res;
    shell_render_opts o;
    shell_render *r;
    double t0 = now_seconds();
    uint64_t row;
    int rc = 0;
    if (shell_remote_query(sh->remote, sql, &res) != 0) {
        fprintf(stderr, "Error: %s\n", res.error);
        if (res.error_offset >= 0) {
            char *ctx = shell_sql_error_context(sql, res.error_offset);
            if (ctx) fputs(ctx, stderr);
            free(ctx);
        }
        fflush(stderr);
        sh->nerrors++;
        shell_remote_result_clear(&res);
        end_once(sh);
        return -1;
    }
    if (res.ncols > 0) {
        o.mode = sh->mode;
        o.headers = sh->headers;
        o.max_width = out_width(sh->out);
        o.max_rows = isatty(fileno(sh->out)) ? SHELL_BOX_MAX_ROWS : 0;
        r = shell_render_new(sh->out, &o, res.ncols, (const char *const *)res.names, res.types,
                             (const char *const *)res.type_names);
        for (row = 0; r && row < res.nrows && rc == 0; row++)
            rc = shell_render_row(r, (const char *const *)res.cells + row * res.ncols);
        if (r == NULL || rc != 0 || shell_render_end(r) != 0) {
            if (r && rc != 0) shell_render_free(r);
            fprintf(stderr, "Error: cannot show the result (out of memory or write error)\n");
            sh->nerrors++;
            rc = -1;
        }
    }
    if (sh->timer && rc == 0)
        fprintf(sh->out, "Run Time: %.3f s, %llu %s (over HTTP)\n", now_seconds() - t0,
                (unsigned long long)res.nrows, res.nrows == 1 ? "row" : "rows");
    fflush(sh->out);
    shell_remote_result_clear(&res);
    end_once(sh);
    return rc;
}

/* Run one SQL statement and print its result. Returns 0 or -1. */
static int run_sql(shell *sh, const char *sql)
{
    if (sh->remote) return run_remote_sql(sh, sql);
    return run_local_sql(sh, sql);
}

/* run_sql on the local database. */
static int run_local_sql(shell *sh, const char *sql)
{
    floe_result *res = NULL;
    double t0 = now_seconds(), dt;
    int rc;

    shell_progress *progress = NULL;
    int shown;

    /* On a terminal, statements running longer than a second show a
     * progress bar (or, when floe cannot tell, a spinner) on stderr. */
    if (sh->interactive && isatty(STDERR_FILENO))
        progress = shell_progress_start_meter(stderr, SHELL_PROGRESS_DELAY, 0.1, db_progress, sh->db);
    g_interrupted = 0;
    g_in_query = 1;
    rc = floe_query(sh->db, sql, &res);
    g_in_query = 0;
    shown = shell_progress_stop(progress);
    if (rc != FLOE_OK) {
        /* after a ^C echo, unless the spinner line was just erased */
        if (rc == FLOE_INTERRUPT && sh->interactive && shown == 0) fputc('\n', stderr);
        if (rc == FLOE_INTERRUPT) sh->cancelled = 1;
        report_error(sh, sql);
        floe_result_free(res);
        end_once(sh);
        return -1;
    }
    if (res != NULL && floe_result_column_count(res) == 0 && is_dml(sql)) {
        if (render_count(sh, floe_result_rows_changed(res)) != 0) {
            fprintf(stderr, "Error: cannot show the result (out of memory or write error)\n");
            sh->nerrors++;
            floe_result_free(res);
            end_once(sh);
            return -1;
        }
    } else if (res != NULL && floe_result_column_count(res) > 0) {
        if (render_result(sh, res) != 0) {
            fprintf(stderr, "Error: cannot show the result (out of memory or write error)\n");
            sh->nerrors++;
            floe_result_free(res);
            end_once(sh);
            return -1; /* a failed statement: -bail stops here */
        }
    }
    dt = now_seconds() - t0;
    if (sh->timer && res != NULL) {
        uint64_t n = floe_result_column_count(res) > 0 ? floe_result_row_count(res)
                                                       : floe_result_rows_changed(res);
        fprintf(sh->out, "Run Time: %.3f s, %llu %s (%.0f rows/s)\n", dt, (unsigned long long)n,
                n == 1 ? "row" : "rows", dt > 0 ? (double)n / dt : 0.0);
    }
    fflush(sh->out);
    floe_result_free(res);
    end_once(sh);
    return 0;
}

/* Run a query and collect the text of column `col` of every row into out
 * (appended). Returns 0, or -1 after reporting the error. */
static int query_column(shell *sh, const char *sql, uint32_t col, shell_names *out)
{
    floe_result *res = NULL;
    uint64_t r, n;
    int rc = floe_query(sh->db, sql, &res);
    if (rc != FLOE_OK) {
        report_error(sh, NULL);
        floe_result_free(res);
        return -1;
    }
    n = floe_result_row_count(res);
    if (col < floe_result_column_count(res)) {
        for (r = 0; r < n; r++) {
            char *t = floe_value_text(res, col, r);
            if (t != NULL && shell_names_add(out, t) != 0) {
                floe_free(t);
                floe_result_free(res);
                shell_fail(sh, "%s", "out of memory");
                return -1;
            }
            floe_free(t);
        }
    }
    floe_result_free(res);
    return 0;
}

/* Index of the DESCRIBE result column named one of a/b, else dflt. */
static uint32_t find_column(floe_result *res, const char *a, const char *b, uint32_t dflt)
{
    uint32_t c, n = floe_result_column_count(res);
    for (c = 0; c < n; c++) {
        const char *name = floe_result_column_name(res, c);
        if (name && (strcasecmp(name, a) == 0 || strcasecmp(name, b) == 0)) return c;
    }
    return dflt;
}

/* Column names (and type texts when types != NULL) of `table` from DESCRIBE.
 * Returns 0, or -1 (error reported only when `report`). */
static int describe_table(shell *sh, const char *table, shell_names *names, shell_names *types,
                          int report)
{
    floe_result *res = NULL;
    char *id = shell_sql_ident(table), *sql;
    uint32_t cname, ctype;
    uint64_t r, n;
    size_t len;
    int rc;
    if (id == NULL) return -1;
    len = strlen(id) + 16;
    sql = malloc(len);
    if (sql == NULL) {
        free(id);
        return -1;
    }
    snprintf(sql, len, "DESCRIBE %s", id);
    free(id);
    rc = floe_query(sh->db, sql, &res);
    free(sql);
    if (rc != FLOE_OK) {
        if (report) report_error(sh, NULL);
        floe_result_free(res);
        return -1;
    }
    cname = find_column(res, "column_name", "name", 0);
    ctype = find_column(res, "column_type", "type", 1);
    n = floe_result_row_count(res);
    for (r = 0; r < n; r++) {
        char *a = floe_value_text(res, cname, r);
        char *b = types ? floe_value_text(res, ctype, r) : NULL;
        int bad = shell_names_add(names, a ? a : "") != 0 ||
                  (types && shell_names_add(types, b ? b : "") != 0);
        floe_free(a);
        floe_free(b);
        if (bad) {
            floe_result_free(res);
            return -1;
        }
    }
    floe_result_free(res);
    return 0;
}

/* ------------------------------------------------------------ dot commands */

static int open_db(shell *sh, const char *path);
static int process_stream(shell *sh, FILE *in);

static int set_output(shell *sh, const char *file, int once)
{
    FILE *f;
    int rc = close_out(sh);
    sh->once = 0;
    if (file == NULL) return rc;
    f = fopen(file, "w");
    if (f == NULL) {
        shell_fail(sh, "cannot open \"%s\" for writing", file);
        return -1;
    }
    sh->out = f;
    sh->once = once;
    return rc;
}

static int dot_schema(shell *sh, const char *table)
{
    shell_names tables = {0}, names = {0}, types = {0};
    size_t i;
    int rc = 0;
    if (table != NULL) {
        if (shell_names_add(&tables, table) != 0) return -1;
    } else if (query_column(sh, "SHOW TABLES", 0, &tables) != 0) {
        return -1;
    }
    for (i = 0; i < tables.n && rc == 0; i++) {
        char *text;
        shell_names_clear(&names);
        shell_names_clear(&types);
        if (describe_table(sh, tables.v[i], &names, &types, 1) != 0) {
            rc = -1;
            break;
        }
        text = shell_schema_sql(tables.v[i], names.n, (const char *const *)names.v,
                                (const char *const *)types.v);
        if (text == NULL) {
            rc = -1;
            break;
        }
        fputs(text, sh->out);
        free(text);
    }
    fflush(sh->out);
    shell_names_clear(&tables);
    shell_names_clear(&names);
    shell_names_clear(&types);
    return rc;
}

static int dot_flush(shell *sh, const char *table)
{
    shell_names tables = {0};
    size_t i;
    int rc = 0;
    if (table != NULL) {
        if (shell_names_add(&tables, table) != 0) return -1;
    } else if (query_column(sh, "SHOW TABLES", 0, &tables) != 0) {
        return -1;
    }
    for (i = 0; i < tables.n && rc == 0; i++) {
        char *id = table ? NULL : shell_sql_ident(tables.v[i]);
        char *sql = shell_flush_sql(id ? id : tables.v[i]);
        free(id);
        if (sql == NULL) return -1;
        rc = run_sql(sh, sql);
        free(sql);
    }
    shell_names_clear(&tables);
    return rc;
}

static int dot_read(shell *sh, const char *file)
{
    FILE *f;
    int rc, saved;
    if (sh->read_depth >= SHELL_MAX_READ_DEPTH) {
        shell_fail(sh, ".read nested too deeply at \"%s\"", file);
        return -1;
    }
    f = fopen(file, "r");
    if (f == NULL) {
        shell_fail(sh, "cannot open \"%s\"", file);
        return -1;
    }
    sh->read_depth++;
    saved = sh->interactive;
    sh->interactive = 0;
    rc = process_stream(sh, f);
    sh->interactive = saved;
    sh->read_depth--;
    fclose(f);
    return rc;
}

/* Run the dot command on `line`. Returns 0 or -1 (error reported). */
static int run_dot(shell *sh, const char *line)
{
    shell_dotcmd cmd;
    char msg[256];
    int rc = 0;
    if (shell_dotcmd_parse(line, &cmd, msg, sizeof(msg)) != 0) {
        shell_fail(sh, "%s", msg);
        return -1;
    }
    /* attached to a server: only what runs over SQL */
    if (sh->remote && (cmd.kind == SHELL_DOT_SCHEMA || cmd.kind == SHELL_DOT_IMPORT ||
                       cmd.kind == SHELL_DOT_OPEN || cmd.kind == SHELL_DOT_FLUSH)) {
        shell_fail(sh, "%s: not available when attached to a server (send SQL instead)", line);
        return -1;
    }
    if (sh->remote && cmd.kind == SHELL_DOT_TABLES) return run_sql(sh, "SHOW TABLES");
    switch (cmd.kind) {
    case SHELL_DOT_HELP:
        fputs(shell_dotcmd_help(), sh->out);
        break;
    case SHELL_DOT_TABLES: {
        shell_names t = {0};
        size_t i;
        rc = query_column(sh, "SHOW TABLES", 0, &t);
        for (i = 0; i < t.n; i++) fprintf(sh->out, "%s\n", t.v[i]);
        shell_names_clear(&t);
        break;
    }
    case SHELL_DOT_SCHEMA:
        rc = dot_schema(sh, cmd.argc ? cmd.argv[0] : NULL);
        break;
    case SHELL_DOT_MODE:
        if (cmd.argc == 0) {
            fprintf(sh->out, "%s\n", shell_mode_name(sh->mode));
        } else if (shell_mode_parse(cmd.argv[0], &sh->mode) != 0) {
            shell_fail(sh, "unknown mode \"%s\"", cmd.argv[0]);
            rc = -1;
        }
        break;
    case SHELL_DOT_HEADERS:
        sh->headers = shell_onoff_parse(cmd.argv[0]);
        break;
    case SHELL_DOT_TIMER:
        sh->timer = shell_onoff_parse(cmd.argv[0]);
        break;
    case SHELL_DOT_OUTPUT:
        rc = set_output(sh, cmd.argc ? cmd.argv[0] : NULL, 0);
        break;
    case SHELL_DOT_ONCE:
        rc = set_output(sh, cmd.argv[0], 1);
        break;
    case SHELL_DOT_READ:
        rc = dot_read(sh, cmd.argv[0]);
        break;
    case SHELL_DOT_IMPORT: {
        char *sql = shell_import_sql(cmd.argv[0], cmd.argv[1]);
        if (sql == NULL) {
            shell_fail(sh, "%s", "out of memory");
            return -1;
        }
        rc = run_sql(sh, sql);
        free(sql);
        break;
    }
    case SHELL_DOT_OPEN:
        rc = open_db(sh, cmd.argc ? cmd.argv[0] : NULL);
        break;
    case SHELL_DOT_FLUSH:
        rc = dot_flush(sh, cmd.argc ? cmd.argv[0] : NULL);
        break;
    case SHELL_DOT_STATS:
        rc = run_sql(sh, "SELECT * FROM floe_stats ORDER BY table_name");
        break;
    case SHELL_DOT_QUIT:
        sh->quit = 1;
        break;
    }
    fflush(sh->out);
    return rc;
}

/* -------------------------------------------------------------- database */

/* Close the database. Closing flushes every memtable to parts, so it can
 * fail (disk full, a damaged table directory): that is reported as
 * "floe: close: <message>" and returns -1; the caller makes the exit status
 * (or, for .open, the error count) say so. */
static int close_db(shell *sh)
{
    int rc = 0;
    shell_demo_stop();
    if (sh->db != NULL) {
        g_db = NULL;
        char msg[512];
        int crc = floe_db_close_msg(sh->db, msg, sizeof msg);
        if (crc != FLOE_OK) {
            /* BUSY closes nothing and keeps its message on the handle */
            fprintf(stderr, "floe: close: %s\n",
                    crc == FLOE_BUSY ? floe_db_errmsg(sh->db) : msg[0] ? msg : floe_errstr(crc));
            fflush(stderr);
            rc = -1;
        }
        sh->db = NULL;
    }
    free(sh->path);
    sh->path = NULL;
    return rc;
}

/* The library never prints: its log (background flush/merge failures,
 * recovery warnings) comes here and goes to stderr as "floe: <msg>". */
static void log_to_stderr(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    fprintf(stderr, "floe: %s\n", msg);
}

/* The tool's environment, mapped to open options (the library reads none):
 * FLOE_MEM_LIMIT_MB bounds memtables (MiB), FLOE_THREADS the query workers,
 * TMPDIR holds in-memory databases; the library's log goes to stderr. */
static void options_from_env(floe_open_options *o, unsigned flags)
{
    const char *mb = getenv("FLOE_MEM_LIMIT_MB"), *th = getenv("FLOE_THREADS");
    floe_open_options_init(o);
    o->flags = flags;
    o->log = log_to_stderr;
    o->temp_directory = getenv("TMPDIR"); /* in-memory databases' scratch directory */
    if (mb && atoll(mb) > 0) o->memtable_limit = (uint64_t)atoll(mb) << 20;
    if (th && atoi(th) > 0) o->threads = (uint32_t)atoi(th);
}

/* Open path (NULL or ":memory:" = in memory), replacing the current db. */
static int open_db(shell *sh, const char *path)
{
    floe_open_options o;
    floe_db *db = NULL;
    int rc;
    if (path != NULL && strcmp(path, ":memory:") == 0) path = NULL;
    options_from_env(&o, sh->readonly && path ? FLOE_OPEN_READONLY : FLOE_OPEN_CREATE);
    rc = floe_db_open_ex(path, &o, &db);
    if (rc == FLOE_BUSY && path != NULL && !sh->readonly) {
        if (sh->ro_fallback) {
            /* queries work beside the writer; writes fail naming its pid */
            floe_db_close(db);
            db = NULL;
            o.flags = FLOE_OPEN_READONLY;
            rc = floe_db_open_ex(path, &o, &db);
        } else {
            fprintf(stderr, "Error: cannot open %s: %s\n(use --readonly to open it read-only "
                    "beside that process)\n", path, floe_db_errmsg(db));
            floe_db_close(db);
            sh->nerrors++;
            return -1;
        }
    }
    if (rc != FLOE_OK) {
        fprintf(stderr, "Error: cannot open %s: %s\n", path ? path : "in-memory database",
                db ? floe_db_errmsg(db) : floe_errstr(rc));
        floe_db_close(db);
        sh->nerrors++;
        return -1;
    }
    if (close_db(sh) != 0) sh->nerrors++; /* the new database opens anyway */
    sh->db = db;
    g_db = db;
    if (path != NULL) {
        sh->path = malloc(strlen(path) + 1);
        if (sh->path) strcpy(sh->path, path);
    }
    return 0;
}

/* ---------------------------------------------------------------- input */

/* Feed one input line (without its newline). Runs every statement that it
 * completes; a dot command is taken only at the start of a statement.
 * Returns 0, or -1 when the shell should stop (bail or quit). */
static int feed_line(shell *sh, sbuf *pending, const char *line)
{
    size_t n;
    if (shell_sql_is_blank(pending->p ? pending->p : "")) {
        const char *p = line + shell_sql_skip_space(line);
        if (*p == '.') {
            pending->n = 0;
            if (pending->p) pending->p[0] = '\0';
            if (run_dot(sh, p) != 0 && sh->bail) return -1;
            return sh->quit || sh->cancelled ? -1 : 0;
        }
    }
    if (sbuf_append(pending, line, strlen(line)) != 0 || sbuf_append(pending, "\n", 1) != 0) {
        fputs("Error: out of memory\n", stderr);
        return -1;
    }
    while ((n = shell_sql_complete_len(pending->p)) > 0) {
        char *stmt = malloc(n + 1);
        size_t skip;
        int blank;
        if (stmt == NULL) return -1;
        memcpy(stmt, pending->p, n);
        stmt[n] = '\0';
        sbuf_consume(pending, n);
        skip = shell_sql_skip_space(stmt);
        blank = shell_sql_is_blank(stmt);
        if (!blank && sh->interactive && sh->history != NULL) {
            /* One history entry per statement: its lines joined by spaces. */
            char *h = malloc(n + 1), *q;
            if (h != NULL) {
                strcpy(h, stmt + skip);
                for (q = h; *q; q++)
                    if (*q == '\n' || *q == '\r') *q = ' ';
                add_history(h);
                write_history(sh->history);
                free(h);
            }
        }
        if (!blank && run_sql(sh, stmt + skip) != 0 && (sh->bail || sh->cancelled)) {
            free(stmt);
            return -1;
        }
        free(stmt);
        if (sh->quit || sh->cancelled) return -1;
    }
    return 0;
}

/* End of input: run what is left as a last statement without ';'. */
static void feed_eof(shell *sh, sbuf *pending)
{
    if (pending->p != NULL && !shell_sql_is_blank(pending->p)) {
        size_t skip = shell_sql_skip_space(pending->p);
        run_sql(sh, pending->p + skip);
    }
    pending->n = 0;
    if (pending->p) pending->p[0] = '\0';
}

/* Read statements and dot commands from a stream until EOF or .quit. */
static int process_stream(shell *sh, FILE *in)
{
    sbuf pending = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int before = sh->nerrors, stop = 0;
    while (!stop && (n = getline(&line, &cap, in)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (feed_line(sh, &pending, line) != 0) stop = 1;
    }
    if (!stop) feed_eof(sh, &pending);
    free(line);
    free(pending.p);
    return sh->nerrors > before ? -1 : 0;
}

/* ----------------------------------------------------------- interactive */

static shell *g_shell; /* for the completion callback */
static shell_names g_matches;
static size_t g_match_next;

static char *match_generator(const char *text, int state)
{
    (void)text;
    if (state == 0) g_match_next = 0;
    if (g_match_next < g_matches.n) {
        const char *m = g_matches.v[g_match_next++];
        char *d = malloc(strlen(m) + 1);
        if (d) strcpy(d, m);
        return d;
    }
    return NULL;
}

static char **shell_completion(const char *text, int start, int end)
{
    shell *sh = g_shell;
    shell_names tables = {0}, columns = {0};
    size_t i;
    (void)end;
    shell_names_clear(&g_matches);
    if (sh != NULL && sh->db != NULL && text[0] != '.') {
        if (query_column(sh, "SHOW TABLES", 0, &tables) != 0) sh->nerrors--;
        for (i = 0; i < tables.n && i < 64; i++) describe_table(sh, tables.v[i], &columns, NULL, 0);
    }
    shell_complete(rl_line_buffer ? rl_line_buffer : "", (size_t)start, text, &tables, &columns,
                   &g_matches);
    shell_names_clear(&tables);
    shell_names_clear(&columns);
    rl_attempted_completion_over = 1; /* no file-name completion */
    if (g_matches.n == 0) return NULL;
    return rl_completion_matches(text, match_generator);
}

static char *history_path(void)
{
    const char *env = getenv("FLOE_HISTORY"), *home;
    char *p;
    size_t n;
    if (env != NULL) {
        if (*env == '\0') return NULL; /* empty: no history file */
        p = malloc(strlen(env) + 1);
        if (p) strcpy(p, env);
        return p;
    }
    home = getenv("HOME");
    if (home == NULL || *home == '\0') return NULL;
    n = strlen(home) + sizeof("/.floe_history");
    p = malloc(n);
    if (p) snprintf(p, n, "%s/.floe_history", home);
    return p;
}

static void interactive_loop(shell *sh)
{
    sbuf pending = {0};
    g_shell = sh;
    rl_readline_name = "floe";
    rl_attempted_completion_function = shell_completion;
    using_history();
    stifle_history(5000);
    sh->history = history_path();
    if (sh->history != NULL) read_history(sh->history);
    for (;;) {
        char *line;
        const char *prompt;
        if (sigsetjmp(g_prompt_jmp, 1) != 0) {
            /* Ctrl-C at the prompt: drop what was typed, new prompt. */
            fputs("^C\n", stdout);
            fflush(stdout);
            pending.n = 0;
            if (pending.p) pending.p[0] = '\0';
        }
        prompt = shell_sql_is_blank(pending.p ? pending.p : "") ? SHELL_PROMPT : SHELL_CONT_PROMPT;
        if (pending.p != NULL && shell_sql_is_blank(pending.p)) {
            pending.n = 0;
            pending.p[0] = '\0';
        }
        g_at_prompt = 1;
        line = readline(prompt);
        g_at_prompt = 0;
        if (line == NULL) { /* Ctrl-D */
            fputc('\n', stdout);
            break;
        }
        if (*line != '\0' && shell_sql_is_blank(pending.p ? pending.p : "") &&
            line[shell_sql_skip_space(line)] == '.' && sh->history != NULL) {
            add_history(line);
            write_history(sh->history);
        }
        if (feed_line(sh, &pending, line) != 0 && !sh->cancelled) {
            free(line);
            break;
        }
        if (sh->cancelled) { /* Ctrl-C stopped a statement: drop the rest */
            sh->cancelled = 0;
            pending.n = 0;
            if (pending.p) pending.p[0] = '\0';
        }
        free(line);
    }
    free(pending.p);
    shell_names_clear(&g_matches);
    free(sh->history);
    sh->history = NULL;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: floe [OPTIONS] [PATH] [SQL...]\n"
            "Open the floe database directory PATH (created if missing; in memory when\n"
            "PATH is omitted or :memory:) and run SQL given as arguments, a script on\n"
            "stdin, or an interactive session. A PATH that looks like SQL (\"SELECT 1\")\n"
            "and does not exist is refused: give the path first, or :memory:.\n"
            "\n"
            "One process at a time may open PATH for writing. SQL given as arguments\n"
            "runs read-only when another process has PATH open (writes then fail);\n"
            "an interactive session or a script on stdin refuses, unless --readonly.\n"
            "\n"
            "Options:\n"
            "  -c SQL              run SQL (statements and dot commands), then exit\n"
            "  -box -table -csv -tsv -json -jsonl -markdown -line\n"
            "                      output mode (default box)\n"
            "  -header, -noheader  show or hide column names\n"
            "  -bail               stop at the first error\n"
            "  --readonly          open PATH read-only: a snapshot, beside a writer\n"
            "  --demo[=ROWS_PER_S] start the background sample-data producer\n"
            "  --version           print the version and exit\n"
            "  --help              print this help and exit\n"
            "\n"
            "Exit status (like sqlite3): 0 on success; 1 when a statement or dot command\n"
            "given with -c, as an argument or in a script failed (with -bail, at the first\n"
            "failure), when the database cannot be opened, or when closing it fails (the\n"
            "final flush to disk: \"floe: close: ...\" on stderr), also after an\n"
            "interactive session; 2 for bad options.\n"
            "\n"
            "Sub-commands: floe serve PATH ... (HTTP server; floe serve --help),\n"
            "floe recover PATH (open a damaged database, moving damaged parts and WAL\n"
            "segments to PATH/quarantine/; floe recover --help).\n");
}

/* Run one command-line SQL argument: dot command or statements. */
static int run_arg(shell *sh, const char *text)
{
    sbuf pending = {0};
    const char *p = text + shell_sql_skip_space(text);
    int before = sh->nerrors;
    if (*p == '.') return run_dot(sh, p);
    if (sbuf_append(&pending, text, strlen(text)) == 0) {
        size_t n;
        while ((n = shell_sql_complete_len(pending.p)) > 0) {
            char *stmt = malloc(n + 1);
            if (stmt == NULL) break;
            memcpy(stmt, pending.p, n);
            stmt[n] = '\0';
            sbuf_consume(&pending, n);
            if (!shell_sql_is_blank(stmt)) run_sql(sh, stmt + shell_sql_skip_space(stmt));
            free(stmt);
            if ((sh->bail && sh->nerrors > before) || sh->cancelled) break;
        }
        if (!(sh->bail && sh->nerrors > before) && !sh->cancelled) feed_eof(sh, &pending);
    }
    free(pending.p);
    return sh->nerrors > before ? -1 : 0;
}

int main(int argc, char **argv)
{
    shell sh;
    const char *path = NULL;
    const char *sqls[64];
    int nsql = 0, i, demo = 0, status;
    double demo_rate = 1000.0;
    struct sigaction sa;

    /* `floe serve DB ...`: the HTTP server (server/serve.h); a database
     * directory named "serve" is opened as ./serve */
    if (argc > 1 && strcmp(argv[1], "serve") == 0) return floe_serve_main(argc - 1, argv + 1);
    /* `floe recover DIR`: salvage a damaged database (shell/recover.c) */
    if (argc > 1 && strcmp(argv[1], "recover") == 0) return floe_recover_main(argc - 1, argv + 1);
    /* `floe crawl DB PATH [SCHEMA]`: CRAWL 'PATH' [INTO SCHEMA] on DB, printed
     * like any statement (a directory named "crawl" is opened as ./crawl) */
    static char crawl_sql[8192];
    static char *crawl_argv[4];
    if (argc > 1 && strcmp(argv[1], "crawl") == 0) {
        size_t o = 0;
        const char *q;
        if (argc < 4 || argc > 5) {
            fprintf(stderr, "usage: floe crawl DB PATH [SCHEMA]\n");
            return 2;
        }
        o += (size_t)snprintf(crawl_sql, sizeof crawl_sql, "CRAWL '");
        for (q = argv[3]; *q && o + 4 < sizeof crawl_sql; q++) {
            if (*q == '\'') crawl_sql[o++] = '\'';
            crawl_sql[o++] = *q;
        }
        crawl_sql[o] = 0;
        if (argc == 5) snprintf(crawl_sql + o, sizeof crawl_sql - o, "' INTO \"%s\"", argv[4]);
        else snprintf(crawl_sql + o, sizeof crawl_sql - o, "'");
        crawl_argv[0] = argv[0];
        crawl_argv[1] = argv[2];
        crawl_argv[2] = crawl_sql;
        crawl_argv[3] = NULL;
        argc = 3;
        argv = crawl_argv;
    }

    memset(&sh, 0, sizeof(sh));
    sh.mode = SHELL_MODE_BOX;
    sh.headers = 1;
    sh.out = stdout;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        shell_mode m;
        if (a[0] == '-' && a[1] != '\0') {
            const char *opt = a + (a[1] == '-' ? 2 : 1);
            if (strcmp(opt, "help") == 0 || strcmp(opt, "h") == 0) {
                usage(stdout);
                return 0;
            } else if (strcmp(opt, "version") == 0) {
                printf("floe %s\n", FLOE_VERSION);
                return 0;
            } else if (strcmp(opt, "c") == 0) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "floe: option '-c' needs an SQL argument\n");
                    return 2;
                }
                if (nsql >= (int)(sizeof(sqls) / sizeof(sqls[0]))) {
                    fprintf(stderr, "floe: too many SQL arguments at '%s' (at most %d)\n",
                            argv[i + 1], (int)(sizeof(sqls) / sizeof(sqls[0])));
                    return 2;
                }
                sqls[nsql++] = argv[++i];
            } else if (shell_mode_parse(opt, &m) == 0) {
                sh.mode = m;
            } else if (strcmp(opt, "header") == 0 || strcmp(opt, "headers") == 0) {
                sh.headers = 1;
            } else if (strcmp(opt, "noheader") == 0 || strcmp(opt, "noheaders") == 0) {
                sh.headers = 0;
            } else if (strcmp(opt, "bail") == 0) {
                sh.bail = 1;
            } else if (strcmp(opt, "readonly") == 0) {
                sh.readonly = 1;
            } else if (strncmp(opt, "demo", 4) == 0 && (opt[4] == '\0' || opt[4] == '=')) {
                demo = 1;
                if (opt[4] == '=') {
                    char *end;
                    demo_rate = strtod(opt + 5, &end);
                    if (end == opt + 5 || *end != '\0' || !(demo_rate > 0)) {
                        fprintf(stderr, "floe: bad --demo rate: %s\n", opt + 5);
                        return 2;
                    }
                }
            } else {
                fprintf(stderr, "floe: unknown option '%s' (see floe --help)\n", a);
                return 2;
            }
        } else if (path == NULL) {
            path = a;
        } else if (nsql < (int)(sizeof(sqls) / sizeof(sqls[0]))) {
            sqls[nsql++] = a;
        } else {
            fprintf(stderr, "floe: too many SQL arguments at '%s' (at most %d)\n", a,
                    (int)(sizeof(sqls) / sizeof(sqls[0])));
            return 2;
        }
    }

    /* `floe "SELECT 1"`: SQL where the path belongs must not create a
     * directory named "SELECT 1" (an existing directory of that name is
     * still opened) */
    if (path != NULL && strcmp(path, ":memory:") != 0 && shell_sql_looks_like_sql(path) &&
        access(path, F_OK) != 0) {
        fprintf(stderr,
                "floe: '%s' looks like SQL; give a database path first, or :memory:\n"
                "(e.g. floe :memory: \"%s\")\n",
                path, path);
        return 2;
    }
    sh.interactive = nsql == 0 && isatty(STDIN_FILENO);
    sh.ro_fallback = nsql > 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    g_exit_on_sigint = !sh.interactive;

    if (shell_remote_is_url(path)) { /* floe http://HOST:PORT: attach to a `floe serve` */
        char msg[512];
        if (demo) {
            fprintf(stderr, "floe: --demo needs a local database\n");
            return 2;
        }
        if (shell_remote_open(path, getenv("FLOE_TOKEN"), &sh.remote, msg, sizeof msg) != 0) {
            fprintf(stderr, "Error: cannot attach to %s: %s\n", path, msg);
            return 1;
        }
    } else if (open_db(&sh, path) != 0)
        return 1;
    if (demo) {
        if (shell_demo_start(sh.db, demo_rate) != FLOE_OK) {
            fprintf(stderr, "Error: --demo: %s\n", floe_db_errmsg(sh.db));
            close_db(&sh);
            return 1;
        }
    }

    if (nsql > 0) {
        for (i = 0; i < nsql && !sh.quit && !sh.cancelled; i++)
            if (run_arg(&sh, sqls[i]) != 0 && sh.bail) break;
    } else if (sh.interactive) {
        printf("floe %s\n", FLOE_VERSION);
        if (sh.remote)
            printf("Attached to the server at %s (statements run there over HTTP).\n",
                   shell_remote_name(sh.remote));
        else if (sh.path == NULL)
            printf("Connected to a transient in-memory database.\n"
                   "Use \".open PATH\" to open a persistent database directory.\n");
        else
            printf("Opened database directory %s%s.\n", sh.path, sh.readonly ? " read-only" : "");
        printf("Enter \".help\" for usage hints.\n");
        interactive_loop(&sh);
    } else {
        process_stream(&sh, stdin);
    }
    set_output(&sh, NULL, 0);
    status = (!sh.interactive && sh.nerrors > 0) ? 1 : 0;
    if (close_db(&sh) != 0) status = 1;
    shell_remote_close(sh.remote);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "floe: write error on standard output\n");
        status = 1;
    }
    return status;
}
