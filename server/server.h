/* server/server.h: floe's HTTP server (`floe serve`), over libmicrohttpd.
 *
 * Purpose: producers and dashboards that are not C programs in the same
 * process reach one database over HTTP. Routes:
 *   GET  /health                     {"status":"ok"}
 *   POST /v1/tables/<table>/rows     body = JSON lines (application/x-ndjson)
 *        or CSV (text/csv; ?header=true); ?format=jsonl|csv overrides the
 *        Content-Type; ?ack=none|wal|fsync. The whole body is ONE atomic
 *        batch (floe_append_text_batch): 200 {"rows":n,"duplicate":b,
 *        "last_seq":s,"shards":[{"shard":i,"first_seq":f,"last_seq":l},..]}
 *        (every shard the batch added rows to, with the seqs it got there)
 *        once the rows reached the ack level; a bad row is 400
 *        {"error":..,"code":..,"line":n} and nothing is applied. With
 *        ?rejects=keep bad rows are skipped instead and listed:
 *        ..,"rejected":k,"rejects":[{"line":n,"reason":".."},..]} (the
 *        first 1000; the good rows are still one atomic batch; a NULL in
 *        a NOT NULL column still fails the whole batch).
 *        X-Floe-Producer (any text, hashed to 64 bits with FNV-1a) and
 *        X-Floe-Seq (decimal > 0) make it an idempotent append: a retried
 *        batch is acknowledged again ("duplicate":true) and applied once,
 *        across restarts.
 *   POST /v1/query (SQL body, any statement) and GET /v1/query?sql=
 *        (read-only statements only: FLOE_QUERY_READONLY): the result in
 *        ?format=json (default), jsonl, csv or arrow (Arrow IPC stream),
 *        streamed from the result a piece at a time; errors 400
 *        {"error":..,"code":..,"position":n}. A failure after the 200 went
 *        out (out of memory while rendering) is never a silent truncated
 *        200: the format's error record ends the body (server/format.h:
 *        json "error" key, jsonl {"floe_error":..} line, csv #floe_error
 *        line; arrow: no end-of-stream marker), then the connection is
 *        closed without the final chunk (HTTP/1.1 clients see a truncated
 *        chunked body).
 *        Every reply of /v1/query has an X-Floe-Query-Id header.
 *        ?timeout_ms=N and ?memory_limit=BYTES lower the server's per-query
 *        limits (floe_query_with); past the timeout 504 {"code":"INTERRUPT"},
 *        over the memory 500 {"code":"NOMEM"}.
 * Bodies may be compressed (Content-Encoding: gzip|deflate|zstd|lz4, see
 * server/decode.h): decoded, bounded by max_body both before and after
 * decoding, before the route sees them.
 * Status codes: 400 bad request or bad data (a corrupt compressed body
 * too), 401 missing/unknown token, 403 a writing statement on a read-only
 * route or role, 404 unknown route or table, 405 wrong method, 413 body
 * over max_body, raw or decoded (nothing applied), 415 unknown body format
 * or encoding, 429 with Retry-After: 1 when memtables are full (ingest
 * never parks a handler thread waiting for a flush: FLOE_BUSY at once),
 * 500 anything else.
 *
 * Limits: max_body bytes per request (checked against Content-Length at
 * once and while the body arrives); max_line bytes per ingest line (CSV
 * record), 413 {"code":"RANGE"} naming the line above it; timeout_s
 * closes a connection idle for that long (a half-sent body is then dropped: nothing is applied, as when
 * the client disconnects, since a body is applied only once complete);
 * max_conns connections at once (more are refused by libmicrohttpd).
 *
 * Threads: libmicrohttpd's epoll loop on a pool of `threads` threads; a
 * handler runs on its connection's pool thread and may block (an append
 * waiting for its fsync); floe_db is shared by them (floe.h allows it).
 * Errors are read per call (floe_error_info), never from the handle.
 * Ownership: the server borrows db, the token set and the TLS PEM texts;
 * free them only after floe_server_stop.
 *
 * Access control (cfg.auth, server/auth.h): every route but /health needs
 * "Authorization: Bearer <token>"; the token is checked from the headers,
 * before any of the body is read: 401 {"error":..} with WWW-Authenticate
 * when missing or unknown, 403 when its role or table list does not allow
 * the route (read/write roles run read-only statements only; admin any).
 * TLS (cfg.tls_cert/tls_key): HTTPS through libmicrohttpd's GnuTLS.
 */
#ifndef FLOE_SERVER_SERVER_H
#define FLOE_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "floe.h"
#include "server/auth.h"

typedef struct floe_server_config {
    uint32_t addr;      /* IPv4 address to listen on, host byte order */
    uint16_t port;      /* 0: an ephemeral port (see floe_server_port) */
    uint32_t threads;   /* pool threads; 0: 8 */
    size_t max_body;    /* bytes; 0: 64 MiB */
    uint32_t timeout_s; /* idle connection timeout; 0: 30 s */
    uint32_t max_conns; /* 0: 1024 */
    const floe_srv_auth *auth;       /* NULL: every request allowed; borrowed until stop */
    const char *tls_cert; /* PEM text (not a path) or NULL: plain HTTP; borrowed until stop */
    const char *tls_key;  /* PEM text of the certificate's private key */
    uint32_t query_timeout_ms; /* per-query default and maximum; 0: none */
    uint64_t query_mem;        /* bytes per query, default and maximum; 0: the db's limit */
    size_t max_line;           /* bytes of one ingest line/record; 0: 1 MiB (over: 413) */
    uint64_t test_fail_stream_after; /* test seam: results fail (as on out of memory) after
                                      * about this many bytes; 0: never */
} floe_server_config;

typedef struct floe_server floe_server;

/* Start serving db. On failure returns -1 with a message in errbuf. */
int floe_server_start(floe_db *db, const floe_server_config *cfg, floe_server **out, char *errbuf,
                      size_t cap);
/* The port actually listened on. */
uint16_t floe_server_port(floe_server *s);
/* Graceful stop: stop accepting connections, wait up to drain_ms for the
 * requests in progress to finish (their replies sent), then interrupt the
 * queries still running (floe_interrupt) and wait up to 5 s more, then
 * stop every thread and free s. Returns the number of requests still in progress when
 * the wait ended (0 normally). NULL ok. */
int floe_server_stop(floe_server *s, int drain_ms);

#endif
