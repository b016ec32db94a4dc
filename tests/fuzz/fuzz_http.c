/* tests/fuzz/fuzz_http.c: libFuzzer target for `floe serve`'s request
 * handling (issue #21): what a client can send reaches libmicrohttpd and
 * server/'s routes, query-string and header handling, token check, body
 * decoders and the ingest/query paths behind them.
 *
 * The first input byte picks the mode:
 *   even: the rest is sent as raw bytes on a fresh loopback connection to
 *         an in-process server (started once, on an ephemeral port, over a
 *         scratch database with one table t(a BIGINT, b VARCHAR, c DOUBLE)),
 *         the write side is shut, and the reply is read to its end (300 ms
 *         bound on the first bytes). The server has a token file with one
 *         `write` token ("fuzz-token-0123456789"): ingest and read-only
 *         statements only,
 *         so no input can write files (COPY TO, CRAWL and table functions
 *         are refused on read-only statements).
 *   odd:  the body decoders directly: byte 1 picks the Content-Encoding
 *         (gzip, deflate, zstd, lz4, identity or an unknown one), the rest
 *         is the body, decoded with a 1 MiB bound.
 * Properties: no crash or sanitizer report; a reply that has bytes starts
 * with "HTTP/1."; a decode returns 0 (with at most the bound) or one of the
 * documented statuses (400, 413, 415, 500).
 */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floe.h"
#include "server/auth.h"
#include "server/decode.h"
#include "server/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static floe_server *g_srv;
static uint16_t g_port;
static char g_dir[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The scratch directory goes at exit (the server still runs: Linux lets
 * open files be unlinked). */
static void cleanup(void)
{
    if (g_dir[0]) nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void start_server(void)
{
    static floe_db *db;
    static floe_srv_auth *auth;
    char *dir = g_dir, path[300], errbuf[256];
    floe_server_config cfg;
    FILE *f;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(g_dir, sizeof g_dir, "%s/floe-fuzz-http-%d", base, (int)getpid());
    mkdir(dir, 0700);
    atexit(cleanup);
    snprintf(path, sizeof path, "%s/tokens", dir);
    f = fopen(path, "w");
    if (f == NULL) abort();
    fputs("fuzz-token-0123456789 write\n", f);
    fclose(f);
    if (floe_srv_auth_load(path, &auth, errbuf, sizeof errbuf) != 0) {
        fprintf(stderr, "fuzz_http: %s\n", errbuf);
        abort();
    }
    snprintf(path, sizeof path, "%s/db", dir);
    if (floe_db_open(path, FLOE_OPEN_CREATE, &db) != FLOE_OK) abort();
    if (floe_exec(db, "CREATE TABLE IF NOT EXISTS t(a BIGINT, b VARCHAR, c DOUBLE)") != FLOE_OK)
        abort();
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = 0x7f000001u; /* 127.0.0.1 */
    cfg.threads = 2;
    cfg.max_body = 1u << 16;
    cfg.timeout_s = 2;
    cfg.auth = auth;
    cfg.query_timeout_ms = 500;
    cfg.query_mem = 64u << 20;
    cfg.max_line = 4096;
    if (floe_server_start(db, &cfg, &g_srv, errbuf, sizeof errbuf) != 0) {
        fprintf(stderr, "fuzz_http: %s\n", errbuf);
        abort();
    }
    g_port = floe_server_port(g_srv);
}

static void send_raw(const uint8_t *p, size_t n)
{
    struct sockaddr_in sa;
    char reply[4096];
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(g_port);
    sa.sin_addr.s_addr = htonl(0x7f000001u);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) abort(); /* the server died */
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server may close early (413, 400) */
        p += w;
        n -= (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        ssize_t r;
        /* 300 ms for the first bytes (a request the server still waits on,
         * or a slow query, is then dropped: a disconnecting client); then
         * a pause of 20 ms ends the reply (the server may keep the
         * connection open after answering) */
        if (poll(&pf, 1, got ? 20 : 300) <= 0) break;
        r = recv(fd, got < sizeof reply ? reply + got : reply,
                 got < sizeof reply ? sizeof reply - got : sizeof reply, 0);
        if (r <= 0) break;
        if (got < sizeof reply) got += (size_t)r;
    }
    close(fd);
    if (got > 0 && (got < 7 || memcmp(reply, "HTTP/1.", 7) != 0)) abort();
}

static void decode(const uint8_t *p, size_t n)
{
    static const char *const encs[] = {"gzip", "deflate", "zstd", "lz4", "identity", "br"};
    char errbuf[256], *out = NULL;
    size_t out_len = 0;
    int st;
    if (n == 0) return;
    st = floe_srv_decode(encs[p[0] % 6], (const char *)p + 1, n - 1, 1u << 20, &out, &out_len,
                         errbuf, sizeof errbuf);
    if (st == 0) {
        if (out != NULL && (out_len > (1u << 20) || out[out_len] != '\0')) abort();
    } else if (st != 400 && st != 413 && st != 415 && st != 500) {
        abort();
    } else if (out != NULL) {
        abort(); /* nothing handed out on failure */
    }
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    if (data[0] & 1) {
        decode(data + 1, size - 1);
        return 0;
    }
    if (g_srv == NULL) start_server();
    send_raw(data + 1, size - 1);
    return 0;
}
