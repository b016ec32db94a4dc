/* server/serve.h: the `floe serve` command (argument parsing, the database,
 * signals), called by the floe shell's main for `floe serve ...`.
 *
 *   floe serve DB [--listen 127.0.0.1:8123] [--port-file PATH]
 *                 [--durability full|batch|off] [--threads N]
 *                 [--max-body BYTES] [--timeout SECONDS] [--max-connections N]
 *                 [--token-file FILE] [--tls-cert PEM --tls-key PEM]
 *                 [--memtable-limit BYTES] [--query-timeout MS] [--query-memory BYTES]
 *                 [--max-line BYTES]
 *
 * Opens DB (created if missing; one writer: a second server or writer on
 * the same directory fails with the lock holder's pid), listens on a
 * loopback address, or on another one only with --token-file (refused
 * otherwise: every request would be allowed); the token file's format and
 * the roles are in server/auth.h; --tls-cert/--tls-key (PEM files, read
 * once at start) serve HTTPS. --memtable-limit is floe_open_options'
 * memtable_limit: above it ingest answers 429 until flushes catch up.
 * --query-timeout/--query-memory: every query's default and maximum time
 * (ms, default 300000) and memory (bytes, default: the database's limit);
 * 0 disables. It writes the port to --port-file (atomically, by rename)
 * once listening (useful with port 0), then serves until SIGTERM or SIGINT:
 * it stops accepting, finishes the requests in progress (up to 30 s),
 * closes the database (flushing memtables) and exits 0 (1 when the close
 * failed, 2 on bad arguments or a failed start). Messages go to stderr.
 */
#ifndef FLOE_SERVER_SERVE_H
#define FLOE_SERVER_SERVE_H

/* argv[0] is "serve". Returns the process exit status. */
int floe_serve_main(int argc, char **argv);

#endif
