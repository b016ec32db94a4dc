/* server/auth.h: access tokens of `floe serve` (--token-file).
 *
 * Purpose: decide, per request, whether its bearer token allows it. The
 * token file has one token a line, `TOKEN ROLE [TABLE,TABLE...]`; blank
 * lines and lines starting with '#' are skipped. A token is 16..256
 * printable non-space bytes, unique in the file. Roles:
 *   read   GET|POST /v1/query, read-only statements only (as the GET route)
 *   write  read, plus POST /v1/tables/<t>/rows; with a table list the token
 *          may ingest into those tables ONLY and may not query at all
 *          (floe has no per-table read grant, so a table-limited token is
 *          refused on /v1/query rather than given every table's rows)
 *   admin  everything, any statement (CREATE, DROP, INSERT, COPY...)
 * A table list is accepted with role write only (load fails otherwise).
 * /health needs no token (load balancers probe it).
 *
 * Invariants: token comparison is constant-time in the token's bytes: the
 * presented token is compared with EVERY entry over a fixed 256-byte
 * window, without early exit, so the time depends only on the number of
 * entries, never on how many bytes matched nor on which entry matched.
 * Ownership: floe_srv_auth_load returns an object owned by the caller
 * (floe_srv_auth_free); entries returned by lookup are borrowed until then.
 * Thread-safety: read-only after load; any number of threads may look up.
 */
#ifndef FLOE_SERVER_AUTH_H
#define FLOE_SERVER_AUTH_H

#include <stddef.h>

typedef enum floe_srv_role { FLOE_SRV_READ = 1, FLOE_SRV_WRITE = 2, FLOE_SRV_ADMIN = 3 } floe_srv_role;

typedef struct floe_srv_auth floe_srv_auth;
typedef struct floe_srv_token floe_srv_token;

/* Parse the token file at path. Returns 0, or -1 with a message naming the
 * file and line in errbuf (nothing allocated then). */
int floe_srv_auth_load(const char *path, floe_srv_auth **out, char *errbuf, size_t cap);
void floe_srv_auth_free(floe_srv_auth *a); /* NULL ok */

/* The entry whose token equals the Authorization header value
 * "Bearer <token>" (scheme case-insensitive), or NULL (missing header,
 * other scheme, unknown token). Constant-time as stated above. */
const floe_srv_token *floe_srv_auth_lookup(const floe_srv_auth *a, const char *authorization);

floe_srv_role floe_srv_token_role(const floe_srv_token *t);
/* 1 when the token has a table list (it may then only ingest). */
int floe_srv_token_limited(const floe_srv_token *t);
/* 1 when the token may ingest into table (role write or admin, and the
 * table in its list when it has one; names compare case-insensitively). */
int floe_srv_token_may_ingest(const floe_srv_token *t, const char *table);

#endif
