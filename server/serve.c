/* server/serve.c: `floe serve` (contract in serve.h). */
#include "server/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe.h"
#include "server/server.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: floe serve DB [--listen 127.0.0.1:8123] [--port-file PATH]\n"
            "                     [--durability full|batch|off] [--threads N]\n"
            "                     [--max-body BYTES] [--timeout SECONDS] [--max-connections N]\n"
            "                     [--token-file FILE] [--tls-cert PEM --tls-key PEM]\n"
            "                     [--memtable-limit BYTES] [--query-timeout MS] [--query-memory BYTES]\n"
            "                     [--max-line BYTES]\n"
            "Serves DB over HTTP: POST /v1/tables/<t>/rows, GET|POST /v1/query, GET /health.\n");
}

/* "host:port" or "host" (port 8123) or ":port"; IPv4 or "localhost". */
static int parse_listen(const char *s, uint32_t *addr, uint16_t *port)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    size_t hl = colon ? (size_t)(colon - s) : strlen(s);
    struct in_addr in;
    *port = 8123;
    if (hl >= sizeof host) return -1;
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (colon) {
        char *end;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || p > 65535) return -1;
        *port = (uint16_t)p;
    }
    if (hl == 0 || !strcmp(host, "localhost")) strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &in) != 1) return -1;
    *addr = ntohl(in.s_addr);
    return 0;
}

static int write_port_file(const char *path, unsigned port)
{
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if ((f = fopen(tmp, "w")) == NULL) return -1;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

/* The whole file as a NUL-terminated string (free); NULL on failure. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    size_t len = 0, cap = 0, n;
    if (f == NULL) return NULL;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            if (cap > (16u << 20) || (nb = realloc(b, cap)) == NULL) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        n = fread(b + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
    }
    fclose(f);
    b[len] = '\0';
    return b;
}

static void log_stderr(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    fprintf(stderr, "floe serve: %s\n", msg);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (end == s || *end != '\0' || errno || v > max) return -1;
    *out = v;
    return 0;
}

int floe_serve_main(int argc, char **argv)
{
    const char *path = NULL, *listen = "127.0.0.1:8123", *port_file = NULL;
    const char *token_file = NULL, *cert_file = NULL, *key_file = NULL;
    char *cert = NULL, *key = NULL;
    floe_srv_auth *auth = NULL;
    floe_server_config cfg;
    floe_open_options oo;
    floe_server *srv = NULL;
    floe_db *db = NULL;
    sigset_t set;
    char msg[512];
    int i, sig, rc, left;

    memset(&cfg, 0, sizeof cfg);
    cfg.query_timeout_ms = 300000; /* 5 minutes; --query-timeout 0: none */
    floe_open_options_init(&oo);
    oo.flags = FLOE_OPEN_CREATE;
    oo.log = log_stderr;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (a[0] != '-') {
            if (path) {
                fprintf(stderr, "floe serve: unexpected argument '%s'\n", a);
                return 2;
            }
            path = a;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "floe serve: option '%s' needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--listen")) listen = v;
        else if (!strcmp(a, "--port-file")) port_file = v;
        else if (!strcmp(a, "--token-file")) token_file = v;
        else if (!strcmp(a, "--tls-cert")) cert_file = v;
        else if (!strcmp(a, "--tls-key")) key_file = v;
        else if (!strcmp(a, "--durability")) {
            if (!strcmp(v, "full")) oo.flags |= FLOE_OPEN_DURABILITY_FULL;
            else if (!strcmp(v, "off")) oo.flags |= FLOE_OPEN_DURABILITY_OFF;
            else if (strcmp(v, "batch") != 0) {
                fprintf(stderr, "floe serve: --durability must be full, batch or off\n");
                return 2;
            }
        } else if (!strcmp(a, "--threads") && !parse_uint(v, 1024, &n) && n > 0)
            cfg.threads = (uint32_t)n;
        else if (!strcmp(a, "--max-body") && !parse_uint(v, (1ull << 40), &n) && n > 0)
            cfg.max_body = (size_t)n;
        else if (!strcmp(a, "--timeout") && !parse_uint(v, 86400, &n) && n > 0)
            cfg.timeout_s = (uint32_t)n;
        else if (!strcmp(a, "--max-connections") && !parse_uint(v, 1000000, &n) && n > 0)
            cfg.max_conns = (uint32_t)n;
        else if (!strcmp(a, "--memtable-limit") && !parse_uint(v, (1ull << 50), &n) && n > 0)
            oo.memtable_limit = n;
        else if (!strcmp(a, "--query-timeout") && !parse_uint(v, UINT32_MAX, &n))
            cfg.query_timeout_ms = (uint32_t)n;
        else if (!strcmp(a, "--query-memory") && !parse_uint(v, (1ull << 50), &n))
            cfg.query_mem = n;
        else if (!strcmp(a, "--max-line") && !parse_uint(v, (1ull << 40), &n) && n > 0)
            cfg.max_line = (size_t)n;
        else if (!strcmp(a, "--test-fail-stream-after") && !parse_uint(v, (1ull << 50), &n))
            cfg.test_fail_stream_after = n; /* test seam (server_test), not in --help */
        else {
            fprintf(stderr, "floe serve: unknown option or bad value: %s %s (see floe serve --help)\n", a, v);
            return 2;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return 2;
    }
    if (parse_listen(listen, &cfg.addr, &cfg.port) != 0) {
        fprintf(stderr, "floe serve: bad --listen '%s' (want IPv4:port, e.g. 127.0.0.1:8123)\n", listen);
        return 2;
    }
    if ((cfg.addr >> 24) != 127 && token_file == NULL) {
        fprintf(stderr,
                "floe serve: refusing to listen on non-loopback address '%s' without "
                "--token-file (every request would be allowed)\n",
                listen);
        return 2;
    }
    if ((cert_file == NULL) != (key_file == NULL)) {
        fprintf(stderr, "floe serve: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (token_file && floe_srv_auth_load(token_file, &auth, msg, sizeof msg) != 0) {
        fprintf(stderr, "floe serve: %s\n", msg);
        return 2;
    }
    if (cert_file && ((cert = read_text(cert_file)) == NULL || (key = read_text(key_file)) == NULL)) {
        fprintf(stderr, "floe serve: cannot read '%s'\n", cert == NULL ? cert_file : key_file);
        free(cert);
        floe_srv_auth_free(auth);
        return 2;
    }
    cfg.auth = auth;
    cfg.tls_cert = cert;
    cfg.tls_key = key;
    /* signals are taken by sigwait below; every thread started from here
     * on inherits the mask, so none of them is interrupted by them */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = floe_db_open_ex(path, &oo, &db);
    if (rc != FLOE_OK) {
        fprintf(stderr, "floe serve: %s\n", floe_db_errmsg(db));
        floe_db_close(db);
        rc = 2;
        goto out;
    }
    if (floe_server_start(db, &cfg, &srv, msg, sizeof msg) != 0) {
        fprintf(stderr, "floe serve: %s\n", msg);
        floe_db_close(db);
        rc = 2;
        goto out;
    }
    if (port_file && write_port_file(port_file, floe_server_port(srv)) != 0) {
        fprintf(stderr, "floe serve: cannot write port file '%s': %s\n", port_file, strerror(errno));
        floe_server_stop(srv, 0);
        floe_db_close(db);
        rc = 2;
        goto out;
    }
    fprintf(stderr, "floe serve: %s on %s://%s:%u/%s\n", path, cert ? "https" : "http",
            inet_ntop(AF_INET, &(struct in_addr){htonl(cfg.addr)}, msg, sizeof msg),
            (unsigned)floe_server_port(srv), auth ? " (bearer tokens required)" : "");
    sigwait(&set, &sig);
    fprintf(stderr, "floe serve: %s: stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    left = floe_server_stop(srv, 30000);
    if (left > 0) fprintf(stderr, "floe serve: %d request(s) still running were cut off\n", left);
    rc = floe_db_close_msg(db, msg, sizeof msg);
    if (rc != FLOE_OK) {
        fprintf(stderr, "floe serve: closing the database: %s\n", msg);
        rc = 1;
    }
out:
    floe_srv_auth_free(auth);
    free(cert);
    free(key);
    return rc;
}
