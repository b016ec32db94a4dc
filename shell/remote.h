/* shell/remote.h: the shell attached to a `floe serve` (floe http://HOST:PORT).
 *
 * Purpose: `floe http://127.0.0.1:8123` runs the shell against a server:
 * each statement is POSTed to /v1/query?format=json and the JSON answer
 * ({"columns":[{"name","type"}],"data":[[..]],"rows":n} or
 * {"error","code","position"}) is turned back into names, types and cell
 * texts for the shell's renderer. HTTP/1.0 over a plain socket (one
 * connection per statement); https:// is refused (use curl or a TLS
 * terminating proxy). A bearer token comes from the caller (the shell
 * reads FLOE_TOKEN). Plain libc malloc/free (the shell is a floe.h client).
 * Not thread-safe: one remote, one thread.
 */
#ifndef FLOE_SHELL_REMOTE_H
#define FLOE_SHELL_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "floe.h"

typedef struct shell_remote shell_remote;

typedef struct shell_remote_result {
    uint32_t ncols;
    char **names;       /* ncols */
    char **type_names;  /* ncols: "BIGINT", "VARCHAR", ... */
    floe_type_id *types;
    uint64_t nrows;
    char **cells;       /* nrows * ncols, row-major; NULL for SQL NULL */
    char *error;        /* set when the statement failed (NULL on success) */
    int error_offset;   /* byte offset into the SQL text, or -1 */
} shell_remote_result;

/* 1 when s is an http:// or https:// URL (the shell then attaches). */
int shell_remote_is_url(const char *s);
/* Parse url, then check GET /health answers. token may be NULL. Returns
 * 0, or -1 with a message in err. */
int shell_remote_open(const char *url, const char *token, shell_remote **out, char *err, size_t cap);
/* Run one statement. Returns 0 (res filled), or -1 with res->error set
 * (the server's message, or why the server could not be reached). */
int shell_remote_query(shell_remote *r, const char *sql, shell_remote_result *res);
void shell_remote_result_clear(shell_remote_result *res);
/* "host:port" of the server (static in r). */
const char *shell_remote_name(const shell_remote *r);
void shell_remote_close(shell_remote *r); /* NULL ok */

#endif
