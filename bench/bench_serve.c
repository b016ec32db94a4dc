/* bench/bench_serve.c: `floe-bench serve`, ingest and queries over HTTP.
 *
 * A small load generator: C threads, one keep-alive HTTP/1.1 connection
 * each, to 127.0.0.1 only, every case bounded in time. It starts `floe
 * serve`'s server in this process (server/server.h, the same code as the
 * floe binary, durability batch) on an ephemeral loopback port and
 * measures:
 *   1. rows/s of POST /v1/tables/ev/rows?ack=wal with 1, 4 and 16
 *      connections at 1, 100 and 10,000 CSV rows a request (each request
 *      one atomic batch), each case checked afterwards: count(*) grew by
 *      exactly the rows acknowledged;
 *   2. the acknowledgement latency p50/p99 at ack=none, wal and fsync (one
 *      connection, 100-row requests);
 *   3. the overhead of a query over HTTP: the median of a small query
 *      through floe_query in process and through GET /v1/query.
 * With --vs clickhouse the same request bodies go to a private
 * ClickHouse 18.16 server's HTTP interface (INSERT ... FORMAT CSV, the
 * peers kit's server started by peer_clickhouse.c), which does not fsync.
 * Output: one line per case on stdout and a CSV (--out).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench_peer.h"
#include "bench/bench_stats.h"
#include "floe.h"
#include "server/server.h"

int floe_bench_serve(int argc, char **argv);

typedef struct target {
    const char *engine;  /* "floe" or "clickhouse" */
    int port;
    char path[256];      /* request path of an insert (with the query string) */
} target;

/* ------------------------------------------------------------ client */

typedef struct conn {
    int fd, port;
    char *buf;
    size_t cap;
} conn;

static int conn_open(conn *c, int port)
{
    struct sockaddr_in sa;
    int one = 1;
    c->port = port;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

static void conn_close(conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->cap = 0;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decode a chunked body in place (NUL-terminated after). */
static void dechunk(char *p, size_t len)
{
    char *in = p, *end = p + len, *out = p;
    while (in < end) {
        char *e;
        unsigned long n = strtoul(in, &e, 16);
        if (e == in || (e = strstr(e, "\r\n")) == NULL || n == 0) break;
        e += 2;
        if ((size_t)(end - e) < n) break;
        memmove(out, e, n);
        out += n;
        in = e + n + 2;
    }
    *out = '\0';
}

/* One keep-alive request; the HTTP status (0: the connection failed; it is
 * then reopened by the next call). The body of the answer is in c->buf. */
static int request(conn *c, const char *method, const char *path, const char *body, size_t len)
{
    char head[512];
    size_t got = 0, need = 0, hlen = 0;
    int n, status = 0, chunked = 0;
    if (c->fd < 0 && conn_open(c, c->port) != 0) return 0;
    n = snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: %zu\r\n\r\n",
                 method, path, len);
    if (send_all(c->fd, head, (size_t)n) != 0 || (len && send_all(c->fd, body, len) != 0)) goto fail;
    for (;;) {
        ssize_t r;
        char *sep;
        if (got + 4096 + 1 > c->cap) {
            c->cap = c->cap ? c->cap * 2 : 65536;
            if ((c->buf = realloc(c->buf, c->cap)) == NULL) goto fail;
        }
        r = recv(c->fd, c->buf + got, c->cap - got - 1, 0);
        if (r <= 0) goto fail;
        got += (size_t)r;
        c->buf[got] = '\0';
        if (need == 0 && !chunked && (sep = strstr(c->buf, "\r\n\r\n")) != NULL) {
            const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
            const char *te = strcasestr(c->buf, "\r\nTransfer-Encoding: chunked");
            if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1) goto fail;
            hlen = (size_t)(sep + 4 - c->buf);
            if (te && te < sep) chunked = 1;
            else if (cl == NULL || cl > sep) goto fail;
            else need = hlen + strtoull(cl + 17, NULL, 10);
        }
        if (need && got >= need) break; /* one request at a time: nothing follows */
        if (chunked && got >= hlen + 5 && !memcmp(c->buf + got - 5, "0\r\n\r\n", 5) &&
            (got == hlen + 5 || !memcmp(c->buf + got - 7, "\r\n", 2))) {
            dechunk(c->buf + hlen, got - hlen);
            break;
        }
    }
    return status;
fail:
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    return 0;
}

/* ------------------------------------------------------------ bodies */

/* nbodies CSV bodies of `rows` rows of ev (ts, user_id, kind, value). */
static char **make_bodies(int nbodies, int rows, size_t **out_lens)
{
    static const char *kinds[] = {"view", "click", "buy", "scroll"};
    char **b = calloc((size_t)nbodies, sizeof *b);
    size_t *lens = calloc((size_t)nbodies, sizeof *lens);
    int i, r;
    uint64_t x = 88172645463325252ull;
    for (i = 0; i < nbodies; i++) {
        FILE *mf = open_memstream(&b[i], &lens[i]);
        for (r = 0; r < rows; r++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            fprintf(mf, "2024-05-%02d %02d:%02d:%02d,%llu,%s,%.2f\n", 1 + (int)(x % 28), (int)((x >> 8) % 24),
                    (int)((x >> 16) % 60), (int)((x >> 24) % 60), (unsigned long long)((x >> 40) % 100000),
                    kinds[(x >> 32) % 4], (double)((x >> 20) % 100000) / 100.0);
        }
        fclose(mf);
    }
    *out_lens = lens;
    return b;
}

/* ------------------------------------------------------------ the load */

typedef struct loader {
    const target *t;
    char *const *bodies;
    const size_t *lens;
    int nbodies, rows, id;
    double until;
    uint64_t acked_rows, requests, errors;
    floe_bench_samples lat; /* seconds per request */
} loader;

static void *load(void *arg)
{
    loader *l = arg;
    conn c = {-1, l->t->port, NULL, 0};
    floe_err err = FLOE_ERR_INIT;
    int k = l->id;
    while (floe_bench_now() < l->until) {
        double t0 = floe_bench_now();
        int st = request(&c, "POST", l->t->path, l->bodies[k % l->nbodies], l->lens[k % l->nbodies]);
        k++;
        if (st == 200) {
            l->acked_rows += (uint64_t)l->rows;
            l->requests++;
            floe_bench_samples_add(&l->lat, floe_bench_now() - t0, &err);
        } else {
            l->errors++;
        }
    }
    conn_close(&c);
    return NULL;
}

typedef struct result {
    double secs, rows_per_s, p50_ms, p99_ms;
    uint64_t rows, requests, errors;
} result;

static result run_case(const target *t, int conns, int rows, double secs)
{
    size_t *lens = NULL;
    int nb = rows >= 10000 ? 4 : 32, i;
    char **bodies = make_bodies(nb, rows, &lens);
    loader *ls = calloc((size_t)conns, sizeof *ls);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    floe_bench_samples all = FLOE_BENCH_SAMPLES_INIT;
    floe_err err = FLOE_ERR_INIT;
    result r;
    double t0 = floe_bench_now();
    memset(&r, 0, sizeof r);
    for (i = 0; i < conns; i++) {
        ls[i].t = t;
        ls[i].bodies = bodies;
        ls[i].lens = lens;
        ls[i].nbodies = nb;
        ls[i].rows = rows;
        ls[i].id = i;
        ls[i].until = t0 + secs;
        pthread_create(&th[i], NULL, load, &ls[i]);
    }
    for (i = 0; i < conns; i++) {
        size_t j;
        pthread_join(th[i], NULL);
        r.rows += ls[i].acked_rows;
        r.requests += ls[i].requests;
        r.errors += ls[i].errors;
        for (j = 0; j < ls[i].lat.n; j++) floe_bench_samples_add(&all, ls[i].lat.v[j], &err);
        floe_bench_samples_free(&ls[i].lat);
    }
    r.secs = floe_bench_now() - t0;
    r.rows_per_s = (double)r.rows / r.secs;
    r.p50_ms = floe_bench_samples_pct(&all, 50) * 1e3;
    r.p99_ms = floe_bench_samples_pct(&all, 99) * 1e3;
    floe_bench_samples_free(&all);
    for (i = 0; i < nb; i++) free(bodies[i]);
    free(bodies);
    free(lens);
    free(ls);
    free(th);
    return r;
}

/* count(*) of ev through the engine's HTTP interface; -1 on failure. */
static long long count_rows(const target *t)
{
    conn c = {-1, t->port, NULL, 0};
    long long n = -1;
    int st = !strcmp(t->engine, "floe")
                 ? request(&c, "GET", "/v1/query?format=csv&sql=SELECT%20count(*)%20AS%20n%20FROM%20ev", NULL, 0)
                 : request(&c, "POST", "/?query=SELECT%20count()%20FROM%20ev", NULL, 0);
    if (st == 200) {
        char *body = strstr(c.buf, "\r\n\r\n") + 4, *p = body;
        if (!strcmp(t->engine, "floe")) p = strchr(body, '\n');
        if (p && sscanf(p, "%lld", &n) != 1) n = -1;
    }
    conn_close(&c);
    return n;
}

/* ------------------------------------------------------------ engines */

static int floe_setup(const char *dir, floe_db **db, floe_server **srv, target *t)
{
    floe_open_options oo;
    floe_server_config cfg;
    char msg[512];
    floe_open_options_init(&oo);
    oo.flags = FLOE_OPEN_CREATE;
    if (floe_db_open_ex(dir, &oo, db) != FLOE_OK) {
        fprintf(stderr, "floe-bench serve: open %s: %s\n", dir, floe_db_errmsg(*db));
        return -1;
    }
    if (floe_exec(*db, "CREATE TABLE ev (ts TIMESTAMP, user_id BIGINT, kind VARCHAR, value DOUBLE)") != FLOE_OK) {
        fprintf(stderr, "floe-bench serve: %s\n", floe_db_errmsg(*db));
        return -1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.addr = 0x7f000001u;
    cfg.port = 0;
    cfg.threads = 16;
    if (floe_server_start(*db, &cfg, srv, msg, sizeof msg) != 0) {
        fprintf(stderr, "floe-bench serve: %s\n", msg);
        return -1;
    }
    t->engine = "floe";
    t->port = floe_server_port(*srv);
    snprintf(t->path, sizeof t->path, "/v1/tables/ev/rows?ack=wal");
    return 0;
}

static int ch_setup(const char *dir, void **state, target *t)
{
    const floe_bench_peer_ops *ops = &floe_bench_peer_clickhouse_ops;
    floe_err err = FLOE_ERR_INIT;
    conn c = {-1, 0, NULL, 0};
    const char *p = getenv("FLOE_BENCH_CH_HTTP_PORT");
    static const char create[] = "CREATE TABLE ev (ts DateTime, user_id Int64, kind String, value Float64) "
                                 "ENGINE = MergeTree() ORDER BY ts";
    if (ops->open(dir, state, &err) != FLOE_OK) {
        fprintf(stderr, "floe-bench serve: clickhouse skipped: %s\n", err.msg);
        return -1;
    }
    t->engine = "clickhouse";
    t->port = p && atoi(p) > 0 ? atoi(p) : 18163; /* peer_clickhouse.c's default */
    c.port = t->port;
    if (request(&c, "POST", "/", create, sizeof create - 1) != 200) {
        fprintf(stderr, "floe-bench serve: clickhouse CREATE failed: %s\n", c.buf ? c.buf : "");
        conn_close(&c);
        return -1;
    }
    conn_close(&c);
    snprintf(t->path, sizeof t->path, "/?query=INSERT%%20INTO%%20ev%%20FORMAT%%20CSV");
    return 0;
}

/* ------------------------------------------------------------ driver */

static void emit(FILE *csv, const char *engine, const char *kase, int conns, int rows, const result *r)
{
    printf("%-10s %-14s conns=%-3d rows/req=%-6d %12.0f rows/s  %8llu req  p50 %8.3f ms  p99 %8.3f ms%s\n",
           engine, kase, conns, rows, r->rows_per_s, (unsigned long long)r->requests, r->p50_ms, r->p99_ms,
           r->errors ? "  (errors!)" : "");
    fflush(stdout);
    if (csv)
        fprintf(csv, "%s,%s,%d,%d,%.0f,%llu,%llu,%.3f,%.3f,%.2f\n", engine, kase, conns, rows, r->rows_per_s,
                (unsigned long long)r->rows, (unsigned long long)r->requests, r->p50_ms, r->p99_ms, r->secs);
}

static int throughput(const target *t, double secs, FILE *csv)
{
    static const int conns[] = {1, 4, 16}, rows[] = {1, 100, 10000};
    size_t i, j;
    int bad = 0;
    for (j = 0; j < 3; j++)
        for (i = 0; i < 3; i++) {
            long long before = count_rows(t), after;
            result r = run_case(t, conns[i], rows[j], secs);
            emit(csv, t->engine, "ingest", conns[i], rows[j], &r);
            after = count_rows(t);
            /* every acknowledged row is there, once */
            if (before < 0 || after - before != (long long)r.rows) {
                fprintf(stderr, "floe-bench serve: %s: count grew by %lld, %llu rows acknowledged\n", t->engine,
                        after - before, (unsigned long long)r.rows);
                bad = 1;
            }
        }
    return bad;
}

static void overhead(floe_db *db, const target *t, const char *name, const char *sql, FILE *csv)
{
    floe_bench_samples in = FLOE_BENCH_SAMPLES_INIT, over = FLOE_BENCH_SAMPLES_INIT;
    floe_err err = FLOE_ERR_INIT;
    conn c = {-1, t->port, NULL, 0};
    int i;
    for (i = 0; i < 30; i++) {
        floe_result *res = NULL;
        double t0 = floe_bench_now();
        floe_query(db, sql, &res);
        floe_bench_samples_add(&in, floe_bench_now() - t0, &err);
        floe_result_free(res);
        t0 = floe_bench_now();
        request(&c, "POST", "/v1/query?format=csv", sql, strlen(sql));
        floe_bench_samples_add(&over, floe_bench_now() - t0, &err);
    }
    printf("floe       %-14s in-process %.3f ms, over HTTP %.3f ms (median of 30): %+.3f ms\n", name,
           floe_bench_samples_median(&in) * 1e3, floe_bench_samples_median(&over) * 1e3,
           (floe_bench_samples_median(&over) - floe_bench_samples_median(&in)) * 1e3);
    if (csv)
        fprintf(csv, "floe,%s,1,0,%.3f,0,30,%.3f,%.3f,0\n", name,
                (floe_bench_samples_median(&over) - floe_bench_samples_median(&in)) * 1e3,
                floe_bench_samples_median(&in) * 1e3, floe_bench_samples_median(&over) * 1e3);
    conn_close(&c);
    floe_bench_samples_free(&in);
    floe_bench_samples_free(&over);
}

int floe_bench_serve(int argc, char **argv)
{
    const char *workdir = "/tmp/floe-bench-serve", *out = "floe-bench-serve.csv";
    double secs = 3;
    int vs_ch = 0, i, bad = 0;
    floe_db *db = NULL;
    floe_server *srv = NULL;
    target t;
    FILE *csv;
    char dir[1200], cmd[1400];
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: floe-bench serve [--vs clickhouse] [--secs S] [--workdir DIR] [--out FILE]\n"
                   "  ingest over HTTP on 127.0.0.1: 1/4/16 connections x 1/100/10000 rows a request\n"
                   "  (ack=wal), ack latency p50/p99 at none/wal/fsync, query overhead over HTTP.\n"
                   "  --secs S: seconds per case (default 3)\n");
            return 0;
        }
        if (v == NULL) {
            fprintf(stderr, "floe-bench serve: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--vs")) vs_ch = strstr(v, "clickhouse") != NULL;
        else if (!strcmp(a, "--secs")) secs = atof(v) > 0 ? atof(v) : secs;
        else if (!strcmp(a, "--workdir")) workdir = v;
        else if (!strcmp(a, "--out")) out = v;
        else {
            fprintf(stderr, "floe-bench serve: unknown option %s\n", a);
            return 2;
        }
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", workdir, workdir);
    if (system(cmd) != 0) return 1;
    if ((csv = fopen(out, "w")) != NULL)
        fprintf(csv, "engine,case,conns,rows_per_request,rows_per_s,rows,requests,p50_ms,p99_ms,secs\n");
    snprintf(dir, sizeof dir, "%s/floe", workdir);
    if (floe_setup(dir, &db, &srv, &t) != 0) return 1;
    bad |= throughput(&t, secs, csv);
    {
        static const char *acks[] = {"none", "wal", "fsync"};
        for (i = 0; i < 3; i++) {
            result r;
            snprintf(t.path, sizeof t.path, "/v1/tables/ev/rows?ack=%s", acks[i]);
            r = run_case(&t, 1, 100, secs);
            emit(csv, "floe", acks[i][0] == 'n' ? "ack_none" : acks[i][0] == 'w' ? "ack_wal" : "ack_fsync", 1,
                 100, &r);
        }
    }
    overhead(db, &t, "q_const", "SELECT 42 AS x", csv);
    overhead(db, &t, "q_group_by", "SELECT kind, count(*), avg(value) FROM ev GROUP BY kind ORDER BY kind", csv);
    floe_server_stop(srv, 10000);
    floe_db_close(db);
    if (vs_ch) {
        void *state = NULL;
        snprintf(dir, sizeof dir, "%s/clickhouse", workdir);
        mkdir(dir, 0755);
        if (ch_setup(dir, &state, &t) == 0) bad |= throughput(&t, secs, csv);
        if (state) floe_bench_peer_clickhouse_ops.close(state);
    }
    if (csv) fclose(csv);
    return bad;
}
