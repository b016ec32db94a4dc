/* bench/peer_clickhouse.c: ClickHouse 18.16 through its HTTP interface, on a
 * private server this peer starts and stops. */
#include "bench/peer_clickhouse.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench_peer.h"
#include "bench/bench_stats.h"
#include "util/mem.h"
#include "util/strbuf.h"

typedef struct cstate {
    pid_t pid;             /* the server we started */
    int http_port, tcp_port;
    char dir[1024];
} cstate;

typedef struct capp {
    cstate *s;
    const floe_bench_schema *schema;
    char *buf;             /* CSV of the rows since the last flush (open_memstream) */
    size_t len;
    FILE *mem;
} capp;

static int env_port(const char *name, int dflt)
{
    const char *v = getenv(name);
    int p = v ? atoi(v) : 0;
    return p > 0 && p < 65536 ? p : dflt;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void urlencode(floe_strbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '_' || c == '.' || c == '~') {
            floe_strbuf_putc(b, (char)c);
        } else {
            floe_strbuf_putc(b, '%');
            floe_strbuf_putc(b, hex[c >> 4]);
            floe_strbuf_putc(b, hex[c & 15]);
        }
    }
}

/* Decode a chunked body in place; returns its length, or -1 when malformed. */
static long dechunk(char *p, size_t n)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end;
        unsigned long sz = strtoul(p + in, &end, 16);
        char *nl = memchr(p + in, '\n', n - in);
        if (nl == NULL || end == p + in) return -1;
        in = (size_t)(nl - p) + 1;
        if (sz == 0) return (long)out;
        if (in + sz > n) return -1;
        memmove(p + out, p + in, sz);
        out += sz;
        in += sz;
        if (in < n && p[in] == '\r') in++;
        if (in < n && p[in] == '\n') in++;
    }
}

/* POST to the server: `sql` in the URL (plus `params`), the body from
 * body[blen] or from file `path`. The response body goes to *out (owned by
 * the caller, floe_free) with HTTP status in *status. */
static int http(cstate *s, const char *sql, const char *params, const char *body, size_t blen,
                const char *path, char **out, size_t *out_len, int *status, floe_err *err)
{
    struct sockaddr_in sa;
    floe_strbuf req = {0}, resp = {0};
    char chunk[65536], *hdr_end;
    int fd = -1, rc = FLOE_OK, in = -1;
    struct stat st;

    *out = NULL;
    *out_len = 0;
    *status = 0;
    if (path != NULL) {
        if ((in = open(path, O_RDONLY)) < 0 || fstat(in, &st) != 0) {
            rc = floe_err_set(err, FLOE_IOERR, "open %s: %s", path, strerror(errno));
            goto out;
        }
        blen = (size_t)st.st_size;
    }
    floe_strbuf_puts(&req, "POST /?");
    if (params) floe_strbuf_puts(&req, params);
    floe_strbuf_puts(&req, "query=");
    urlencode(&req, sql);
    floe_strbuf_printf(&req, " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n\r\n", blen);
    if (!floe_strbuf_ok(&req)) {
        rc = floe_err_nomem(err);
        goto out;
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)s->http_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        rc = floe_err_set(err, FLOE_IOERR, "clickhouse: connect 127.0.0.1:%d: %s", s->http_port,
                          strerror(errno));
        goto out;
    }
    if (send_all(fd, req.s, req.len) != 0) goto ioerr;
    if (path != NULL) {
        ssize_t r;
        while ((r = read(in, chunk, sizeof chunk)) > 0)
            if (send_all(fd, chunk, (size_t)r) != 0) goto ioerr;
        if (r < 0) goto ioerr;
    } else if (blen > 0 && send_all(fd, body, blen) != 0) {
        goto ioerr;
    }
    for (;;) {
        ssize_t r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) goto ioerr;
        if (r == 0) break;
        floe_strbuf_append(&resp, chunk, (size_t)r);
    }
    if (!floe_strbuf_ok(&resp)) {
        rc = floe_err_nomem(err);
        goto out;
    }
    if (resp.len < 12 || strncmp(floe_strbuf_str(&resp), "HTTP/1.", 7) != 0 ||
        (hdr_end = strstr(resp.s, "\r\n\r\n")) == NULL) {
        rc = floe_err_set(err, FLOE_IOERR, "clickhouse: malformed HTTP response");
        goto out;
    }
    *status = atoi(resp.s + 9);
    {
        size_t hlen = (size_t)(hdr_end - resp.s) + 4, n = resp.len - hlen;
        int chunked = 0;
        char *h;
        *hdr_end = '\0';
        for (h = resp.s; *h; h++) *h = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
        chunked = strstr(resp.s, "transfer-encoding: chunked") != NULL;
        memmove(resp.s, resp.s + hlen, n);
        resp.s[n] = '\0';
        if (chunked) {
            long m = dechunk(resp.s, n);
            if (m < 0) {
                rc = floe_err_set(err, FLOE_IOERR, "clickhouse: malformed chunked body");
                goto out;
            }
            n = (size_t)m;
            resp.s[n] = '\0';
        }
        *out_len = n;
        resp.len = n;
        *out = floe_strbuf_take(&resp);
    }
    goto out;
ioerr:
    rc = floe_err_set(err, FLOE_IOERR, "clickhouse: HTTP I/O: %s", strerror(errno));
out:
    if (fd >= 0) close(fd);
    if (in >= 0) close(in);
    floe_strbuf_free(&req);
    floe_strbuf_free(&resp);
    return rc;
}

/* Run a statement; the response body (owned, floe_free) to *out if not NULL. */
static int run(cstate *s, const char *sql, const char *params, const char *body, size_t blen,
               const char *path, char **out, size_t *out_len, floe_err *err)
{
    char *resp = NULL;
    size_t n = 0;
    int status = 0, rc = http(s, sql, params, body, blen, path, &resp, &n, &status, err);
    if (rc == FLOE_OK && status != 200) {
        while (n > 0 && (resp[n - 1] == '\n' || resp[n - 1] == '\r')) resp[--n] = '\0';
        rc = floe_err_set(err, FLOE_ERROR, "clickhouse (HTTP %d): %.300s", status, resp ? resp : "");
    }
    if (rc == FLOE_OK && out != NULL) {
        *out = resp;
        if (out_len) *out_len = n;
        resp = NULL;
    }
    floe_free(resp);
    return rc;
}

static int write_file(const char *path, const char *text, floe_err *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
        return floe_err_set(err, FLOE_IOERR, "write %s: %s", path, strerror(errno));
    return FLOE_OK;
}

static void ch_close(void *state)
{
    cstate *s = state;
    int i, st;
    if (s == NULL) return;
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        for (i = 0; i < 100 && waitpid(s->pid, &st, WNOHANG) == 0; i++) floe_bench_sleep_until(floe_bench_now() + 0.1);
        if (i == 100) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
        }
    }
    floe_free(s);
}

static int ch_open(const char *dir, void **out, floe_err *err)
{
    cstate *s;
    char path[1200], conf[4096], *resp = NULL;
    int rc, i, st;
    const char *sub[] = {"", "/data", "/tmp", "/log", "/user_files", "/format_schemas"};

    static const char *const servers[] = FLOE_BENCH_CH_SERVERS;
    const char *server = getenv("FLOE_BENCH_CH_SERVER");

    *out = NULL;
    for (i = 0; (server == NULL || *server == '\0') && i < 2; i++)
        if (access(servers[i], X_OK) == 0) server = servers[i];
    if (server == NULL || access(server, X_OK) != 0)
        return floe_err_set(err, FLOE_NOTFOUND, "clickhouse: no clickhouse-server (peers/install_peers.sh)");
    s = floe_calloc(1, sizeof *s);
    if (s == NULL) return floe_err_nomem(err);
    s->http_port = env_port("FLOE_BENCH_CH_HTTP_PORT", 18163);
    s->tcp_port = env_port("FLOE_BENCH_CH_PORT", 19063);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if (run(s, "SELECT 1", NULL, NULL, 0, NULL, NULL, NULL, NULL) == FLOE_OK) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "clickhouse: port %d already serves a ClickHouse; "
                          "set FLOE_BENCH_CH_HTTP_PORT/FLOE_BENCH_CH_PORT", s->http_port);
        goto fail;
    }
    for (i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s%s", dir, sub[i]);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            rc = floe_err_set(err, FLOE_IOERR, "mkdir %s: %s", path, strerror(errno));
            goto fail;
        }
    }
    snprintf(conf, sizeof conf,
             "<?xml version=\"1.0\"?>\n<yandex>\n"
             "  <logger><level>warning</level><log>%s/log/server.log</log><errorlog>%s/log/err.log</errorlog>"
             "<size>100M</size><count>1</count></logger>\n"
             "  <http_port>%d</http_port>\n  <tcp_port>%d</tcp_port>\n  <listen_host>127.0.0.1</listen_host>\n"
             "  <max_concurrent_queries>16</max_concurrent_queries>\n"
             "  <uncompressed_cache_size>1073741824</uncompressed_cache_size>\n"
             "  <mark_cache_size>1073741824</mark_cache_size>\n"
             "  <path>%s/data/</path>\n  <tmp_path>%s/tmp/</tmp_path>\n"
             "  <user_files_path>%s/user_files/</user_files_path>\n"
             "  <format_schema_path>%s/format_schemas/</format_schema_path>\n"
             "  <timezone>UTC</timezone>\n  <users_config>users.xml</users_config>\n"
             "  <default_profile>default</default_profile>\n  <default_database>default</default_database>\n"
             "</yandex>\n",
             dir, dir, s->http_port, s->tcp_port, dir, dir, dir, dir);
    snprintf(path, sizeof path, "%s/config.xml", dir);
    if ((rc = write_file(path, conf, err)) != FLOE_OK) goto fail;
    snprintf(path, sizeof path, "%s/users.xml", dir);
    rc = write_file(path,
                    "<?xml version=\"1.0\"?>\n<yandex>\n"
                    "  <profiles><default><max_memory_usage>16000000000</max_memory_usage>"
                    "<max_threads>2</max_threads></default></profiles>\n"
                    "  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
                    "<profile>default</profile><quota>default</quota></default></users>\n"
                    "  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>"
                    "<result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>"
                    "</interval></default></quotas>\n</yandex>\n",
                    err);
    if (rc != FLOE_OK) goto fail;
    snprintf(conf, sizeof conf, "--config-file=%s/config.xml", dir);
    snprintf(path, sizeof path, "%s/log/stdout.log", dir);
    s->pid = fork();
    if (s->pid < 0) {
        rc = floe_err_set(err, FLOE_IOERR, "fork: %s", strerror(errno));
        goto fail;
    }
    if (s->pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (chdir(dir) != 0) _exit(127);
        execl(server, "clickhouse-server", conf, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 300; i++) { /* up to 30 s */
        floe_err e = FLOE_ERR_INIT;
        if (run(s, "SELECT 1", NULL, NULL, 0, NULL, &resp, NULL, &e) == FLOE_OK) break;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            rc = floe_err_set(err, FLOE_NOTFOUND, "clickhouse-server exited at start (see %s)", path);
            goto fail;
        }
        floe_bench_sleep_until(floe_bench_now() + 0.1);
    }
    floe_free(resp);
    if (i == 300) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "clickhouse-server did not answer in 30 s (see %s)", path);
        goto fail;
    }
    *out = s;
    return FLOE_OK;
fail:
    ch_close(s);
    return rc;
}

static const char *type_sql(floe_type_id t)
{
    switch (t) {
    case FLOE_TYPE_TIMESTAMP: return "DateTime";
    case FLOE_TYPE_BIGINT: return "Int64";
    case FLOE_TYPE_INTEGER: return "Int32";
    case FLOE_TYPE_DOUBLE: return "Float64";
    case FLOE_TYPE_DATE: return "Date";
    default: return "String";
    }
}

static int ch_create(void *state, const floe_bench_schema *sc, floe_err *err)
{
    cstate *s = state;
    char sql[2048];
    size_t n;
    uint32_t c;
    int rc;
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", sc->table);
    if ((rc = run(s, sql, NULL, NULL, 0, NULL, NULL, NULL, err)) != FLOE_OK) return rc;
    n = (size_t)snprintf(sql, sizeof sql, "CREATE TABLE %s (", sc->table);
    for (c = 0; c < sc->ncols; c++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s %s", c ? ", " : "", sc->names[c],
                              type_sql(sc->types[c]));
    snprintf(sql + n, sizeof sql - n, ") ENGINE = MergeTree() ORDER BY %s",
             strcmp(sc->table, "lineitem") == 0 ? "(l_orderkey, l_linenumber)"
             : strcmp(sc->table, "events") == 0 ? "ts" : "tuple()");
    return run(s, sql, NULL, NULL, 0, NULL, NULL, NULL, err);
}

static int ch_durability(void *state, floe_bench_durability mode, floe_err *err)
{
    (void)state;
    if (mode == FLOE_BENCH_DUR_OFF) return FLOE_OK;
    return floe_err_set(err, FLOE_UNSUPPORTED, "clickhouse 18.16 writes parts without fsync; no '%s' mode",
                        floe_bench_durability_name(mode));
}

static void ch_app_close(void *app)
{
    capp *a = app;
    if (a == NULL) return;
    if (a->mem) fclose(a->mem);
    free(a->buf); /* allocated by open_memstream */
    floe_free(a);
}

static int ch_app_open(void *state, const floe_bench_schema *sc, void **out, floe_err *err)
{
    capp *a = floe_calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL) return floe_err_nomem(err);
    a->s = state;
    a->schema = sc;
    *out = a;
    return FLOE_OK;
}

static int ch_app_append(void *app, const floe_bench_batch *b, floe_err *err)
{
    capp *a = app;
    if (a->mem == NULL) {
        free(a->buf);
        a->buf = NULL;
        a->len = 0;
        a->mem = open_memstream(&a->buf, &a->len);
        if (a->mem == NULL) return floe_err_nomem(err);
    }
    return floe_bench_batch_write_csv(b, a->mem, err);
}

static const char *const insert_params = "date_time_input_format=best_effort&";

static int ch_app_flush(void *app, floe_err *err)
{
    capp *a = app;
    char sql[256];
    if (a->mem == NULL) return FLOE_OK;
    if (fclose(a->mem) != 0) {
        a->mem = NULL;
        return floe_err_nomem(err);
    }
    a->mem = NULL;
    if (a->len == 0) return FLOE_OK;
    snprintf(sql, sizeof sql, "INSERT INTO %s FORMAT CSV", a->schema->table);
    return run(a->s, sql, insert_params, a->buf, a->len, NULL, NULL, NULL, err);
}

static int ch_copy(void *state, const floe_bench_schema *sc, const char *path, floe_err *err)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO %s FORMAT CSVWithNames", sc->table);
    return run(state, sql, insert_params, NULL, 0, path, NULL, NULL, err);
}

static int ch_query(void *state, const char *sql, double *out_secs, floe_bench_table **out,
                    floe_err *err)
{
    char *resp = NULL, *line, *next;
    size_t n = 0;
    double t0 = floe_bench_now();
    floe_bench_table *t = NULL;
    uint32_t ncols = 1;
    int rc = run(state, sql, NULL, NULL, 0, NULL, &resp, &n, err);
    *out_secs = floe_bench_now() - t0;
    if (rc != FLOE_OK || out == NULL) {
        floe_free(resp);
        return rc;
    }
    /* TabSeparated; our values hold no tabs or newlines, \N is NULL */
    if (n > 0) {
        const char *p;
        for (p = resp; *p && *p != '\n'; p++) ncols += *p == '\t';
    }
    t = floe_bench_table_new(ncols);
    if (t == NULL) rc = floe_err_nomem(err);
    for (line = resp; rc == FLOE_OK && line && *line; line = next) {
        uint64_t row;
        uint32_t c = 0;
        char *cell = line, *end;
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        if ((rc = floe_bench_table_add_row(t, &row, err)) != FLOE_OK) break;
        for (; rc == FLOE_OK && cell && c < ncols; c++, cell = end) {
            end = strchr(cell, '\t');
            if (end) *end++ = '\0';
            if (strcmp(cell, "\\N") != 0) rc = floe_bench_table_set(t, row, c, cell, strlen(cell), err);
        }
    }
    floe_free(resp);
    if (rc != FLOE_OK) {
        floe_bench_table_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

/* OPTIMIZE FINAL every table, then the active parts' bytes (the data
 * directory keeps inactive parts for minutes) */
static int ch_disk(void *state, const char *dir, uint64_t *out, floe_err *err)
{
    cstate *s = state;
    char *resp = NULL, *line, *next;
    size_t n;
    int rc;
    (void)dir;
    *out = 0;
    rc = run(s, "SELECT name FROM system.tables WHERE database = 'default'", NULL, NULL, 0, NULL, &resp, &n, err);
    for (line = resp; rc == FLOE_OK && line && *line; line = next) {
        char sql[256];
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        snprintf(sql, sizeof sql, "OPTIMIZE TABLE %.200s FINAL", line);
        rc = run(s, sql, NULL, NULL, 0, NULL, NULL, NULL, err);
    }
    floe_free(resp);
    resp = NULL;
    if (rc == FLOE_OK)
        rc = run(s, "SELECT sum(bytes) FROM system.parts WHERE active AND database = 'default'", NULL, NULL, 0,
                 NULL, &resp, &n, err);
    if (rc == FLOE_OK) *out = strtoull(resp, NULL, 10);
    floe_free(resp);
    return rc;
}

const floe_bench_peer_ops floe_bench_peer_clickhouse_ops = {
    "clickhouse", "clickhouse", ch_open, ch_close, ch_create, ch_durability, ch_app_open,
    ch_app_append, ch_app_flush, ch_app_close, ch_copy, ch_query, ch_disk};
