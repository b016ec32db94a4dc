/* tests/server/server_test.c: `floe serve` end to end.
 *
 * Starts the floe binary's `serve` subcommand on an ephemeral loopback port
 * (port 0, read back from --port-file) and talks HTTP/1.0 to it over plain
 * sockets: JSON-lines and CSV ingest read back exactly; malformed,
 * unknown-table, oversized, over-long-line and half-sent bodies give 4xx
 * (or nothing) and apply nothing; gzip/zstd/lz4 bodies, corrupt and
 * truncated ones, and zip bombs (413, the server's peak RSS checked);
 * per-shard sequence numbers in acks and ?rejects=keep; per-query timeout
 * and memory limit, query ids; ?format=arrow read back by the apache-arrow
 * npm reader (installed into ARROWJS_DIR when missing; skipped without
 * node/npm); results failing mid-stream end with the format's error record
 * (test seam --test-fail-stream-after) and curl sees a truncated HTTP/1.1
 * body; the shell attached over HTTP; an idempotent retry is applied once;
 * 16 concurrent producers, then SIGKILL x20 during their ingest, restart,
 * and with producers retrying every batch until acknowledged each row is
 * present exactly once; 429 + Retry-After under a tiny memtable bound;
 * SIGTERM exits 0; a trickling client is served and a stalled one cut off
 * with nothing applied; bearer tokens (missing, wrong, roles, table lists,
 * refusals at start) and HTTPS with a self-signed certificate (openssl,
 * curl). Usage: server_test FLOE_BINARY TMPDIR [ARROW_READ_MJS ARROWJS_DIR].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

static const char *floe_bin;
static const char *arrowjs_dir;   /* where the apache-arrow npm package is (or is installed) */
static const char *arrow_script; /* tests/server/arrow_read.mjs */
static char dir[4096], dbdir[4200], portfile[4200];
static int failures;

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                             \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------ the server */

static pid_t server_pid;
static atomic_int server_port;
/* more arguments of every server started (e.g. --token-file F), NULL-ended */
static const char *server_extra[8];
/* an extra request header line sent by every request ("Authorization: ...\r\n") */
static char auth_line[512];

static void start_server(const char *max_body)
{
    int i;
    unlink(portfile);
    server_pid = fork();
    if (server_pid == 0) {
        const char *args[32] = {floe_bin, "serve", dbdir, "--listen", "127.0.0.1:0", "--port-file",
                                portfile, "--max-body", max_body, "--timeout", "5", "--max-line", "65536"};
        int n = 13, fd = open("/dev/null", O_WRONLY);
        for (i = 0; server_extra[i]; i++) args[n++] = server_extra[i];
        args[n] = NULL;
        if (fd >= 0 && !getenv("SERVER_TEST_VERBOSE")) dup2(fd, 2);
        execv(floe_bin, (char *const *)args);
        _exit(127);
    }
    for (i = 0; i < 1000; i++) { /* up to 10 s */
        FILE *f = fopen(portfile, "r");
        int p = 0;
        if (f) {
            if (fscanf(f, "%d", &p) != 1) p = 0;
            fclose(f);
        }
        if (p > 0) {
            atomic_store(&server_port, p);
            return;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "FAIL: the server did not start\n");
    exit(1);
}

static int stop_server(int sig)
{
    int st = -1;
    atomic_store(&server_port, 0);
    kill(server_pid, sig);
    waitpid(server_pid, &st, 0);
    return st;
}

/* ------------------------------------------------------------ the client */

typedef struct resp {
    int status; /* 0: no reply (connection failed or cut) */
    char *body;
    size_t len;
    char *headers; /* the status line and headers, up to the blank line */
} resp;

static int connect_port(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
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

/* One HTTP/1.0 request (the server then closes after the reply, and a
 * streamed reply is not chunked). extra: more header lines or NULL. */
static resp http(const char *method, const char *path, const char *extra, const char *body,
                 size_t len)
{
    resp r = {0, NULL, 0, NULL};
    char head[8192];
    char *buf = NULL;
    size_t blen = 0, bcap = 0;
    int port = atomic_load(&server_port), fd, n;
    if (port == 0 || (fd = connect_port(port)) < 0) return r;
    n = snprintf(head, sizeof head, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n%s%s\r\n",
                 method, path, len, auth_line, extra ? extra : "");
    if (send_all(fd, head, (size_t)n) != 0 || (len && send_all(fd, body, len) != 0)) {
        close(fd);
        return r;
    }
    for (;;) {
        ssize_t got;
        if (blen + 4096 + 1 > bcap) {
            bcap = bcap ? bcap * 2 : 16384;
            buf = realloc(buf, bcap);
        }
        got = recv(fd, buf + blen, bcap - blen - 1, 0);
        if (got <= 0) break;
        blen += (size_t)got;
    }
    close(fd);
    if (buf == NULL) return r;
    buf[blen] = '\0';
    {
        char *sep = strstr(buf, "\r\n\r\n");
        if (sep && sscanf(buf, "HTTP/1.%*d %d", &r.status) == 1) {
            r.len = blen - (size_t)(sep + 4 - buf);
            r.body = malloc(r.len + 1);
            memcpy(r.body, sep + 4, r.len);
            r.body[r.len] = '\0';
            r.headers = strndup(buf, (size_t)(sep + 2 - buf));
        } else {
            r.status = 0;
        }
    }
    free(buf);
    return r;
}

static void resp_free(resp *r)
{
    free(r->body);
    free(r->headers);
}

static resp post(const char *path, const char *ctype, const char *body)
{
    char h[256];
    snprintf(h, sizeof h, "Content-Type: %s\r\n", ctype);
    return http("POST", path, h, body, strlen(body));
}

/* POST /v1/query?format=csv and return the CSV body (caller frees); NULL on failure. */
static char *query_csv(const char *sql)
{
    resp r = http("POST", "/v1/query?format=csv", NULL, sql, strlen(sql));
    if (r.status != 200) {
        fprintf(stderr, "query '%s': status %d: %s\n", sql, r.status, r.body ? r.body : "");
        resp_free(&r);
        return NULL;
    }
    free(r.headers);
    return r.body;
}

/* A single number of a one-row one-column query (-1 on failure). */
static long long query_num(const char *sql)
{
    char *b = query_csv(sql), *nl;
    long long v = -1;
    if (b && (nl = strchr(b, '\n')) && sscanf(nl + 1, "%lld", &v) != 1) v = -1;
    free(b);
    return v;
}

/* ------------------------------------------------------------ cases */

static void test_ingest_and_query(void)
{
    char *body = NULL, *csv;
    size_t len = 0, cap = 0;
    FILE *mf;
    long long want_sum = 0;
    int i;
    resp r;

    r = post("/v1/query", "text/plain", "CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR, v DOUBLE)");
    CHECK(r.status == 200, "create: %d %s", r.status, r.body);
    resp_free(&r);

    /* 100 JSON lines */
    mf = open_memstream(&body, &len);
    for (i = 1; i <= 100; i++) {
        fprintf(mf, "{\"id\":%d,\"name\":\"n%d\",\"v\":%d.5}\n", i, i, i);
        want_sum += i;
    }
    fclose(mf);
    r = post("/v1/tables/t/rows", "application/x-ndjson", body);
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":100"), "jsonl: %d %s", r.status, r.body);
    resp_free(&r);
    free(body);
    body = NULL;

    /* 100 CSV rows with a header, quoting and NULLs */
    mf = open_memstream(&body, &len);
    fprintf(mf, "id,name,v\n");
    for (i = 101; i <= 200; i++) {
        if (i % 10 == 0) fprintf(mf, "%d,,\n", i);
        else fprintf(mf, "%d,\"a,\"\"%d\",%d.25\n", i, i, i);
        want_sum += i;
    }
    fclose(mf);
    r = post("/v1/tables/t/rows?header=true&ack=wal", "text/csv", body);
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":100"), "csv: %d %s", r.status, r.body);
    resp_free(&r);
    free(body);
    (void)cap;

    CHECK(query_num("SELECT count(*) FROM t") == 200, "count");
    CHECK(query_num("SELECT sum(id) FROM t") == want_sum, "sum(id) want %lld", want_sum);
    CHECK(query_num("SELECT count(*) FROM t WHERE name IS NULL") == 10, "nulls");
    csv = query_csv("SELECT id, name, v FROM t WHERE id IN (7, 111, 120) ORDER BY id");
    CHECK(csv && !strcmp(csv, "id,name,v\n7,n7,7.5\n111,\"a,\"\"111\",111.25\n120,,\n"), "rows: %s", csv);
    free(csv);

    /* json and jsonl formats, the query id, GET */
    r = http("GET", "/v1/query?format=json&sql=SELECT%20id,name%20FROM%20t%20WHERE%20id%3D7", NULL, "", 0);
    CHECK(r.status == 200 &&
              !strcmp(r.body, "{\"columns\":[{\"name\":\"id\",\"type\":\"BIGINT\"},{\"name\":\"name\","
                              "\"type\":\"VARCHAR\"}],\"data\":[[7,\"n7\"]],\"rows\":1}\n"),
          "json: %d %s", r.status, r.body);
    resp_free(&r);
    r = http("GET", "/v1/query?format=jsonl&sql=SELECT%20id,v%20FROM%20t%20WHERE%20id%3D120", NULL, "", 0);
    CHECK(r.status == 200 && !strcmp(r.body, "{\"id\":120,\"v\":null}\n"), "jsonl: %d %s", r.status, r.body);
    resp_free(&r);
    r = http("GET", "/health", NULL, "", 0);
    CHECK(r.status == 200 && strstr(r.body, "ok"), "health %d", r.status);
    resp_free(&r);
}

static void test_bad_requests(void)
{
    static const struct {
        const char *path, *ctype, *body;
        int status;
    } cases[] = {
        {"/v1/tables/t/rows", "application/x-ndjson", "{\"id\":900}\n{\"id\":901,\n", 400},
        {"/v1/tables/t/rows", "application/x-ndjson", "{\"id\":900}\n{\"id\":\"x\"}\n", 400},
        {"/v1/tables/t/rows", "application/x-ndjson", "{\"id\":900}\n{\"nope\":1,\"id\":2}\n", 400},
        {"/v1/tables/t/rows", "application/x-ndjson", "{\"id\":900}\n{\"name\":\"no id\"}\n", 400},
        {"/v1/tables/t/rows", "text/csv", "900,a,1\n901,b\n", 400},
        {"/v1/tables/t/rows", "text/csv", "900,a,1\n901,b,zz\n", 400},
        {"/v1/tables/nope/rows", "text/csv", "900,a,1\n", 404},
        {"/v1/tables/t/rows", "application/octet-stream", "900,a,1\n", 415},
        {"/v1/tables/t/rows?ack=maybe", "text/csv", "900,a,1\n", 400},
    };
    size_t i;
    resp r;
    char *big;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        r = post(cases[i].path, cases[i].ctype, cases[i].body);
        CHECK(r.status == cases[i].status && r.body && strstr(r.body, "\"error\""),
              "case %zu: %d %s", i, r.status, r.body);
        if (i == 1) CHECK(r.body && strstr(r.body, "\"line\":2"), "line named: %s", r.body);
        resp_free(&r);
    }
    /* oversized: over --max-body (1 MiB) */
    big = malloc(2u << 20);
    memset(big, ' ', 2u << 20);
    memcpy(big, "{\"id\":900}\n", 11);
    big[(2u << 20) - 1] = '\0';
    r = post("/v1/tables/t/rows", "application/x-ndjson", big);
    CHECK(r.status == 413 || r.status == 0, "oversized: %d", r.status);
    resp_free(&r);
    free(big);
    /* a line over --max-line (64 KiB), JSON lines and CSV: 413, nothing applied */
    {
        size_t L = 100000;
        char *line = malloc(L + 64);
        int k;
        for (k = 0; k < 2; k++) {
            size_t n = k == 0 ? (size_t)sprintf(line, "{\"id\":900}\n{\"id\":901,\"name\":\"")
                              : (size_t)sprintf(line, "900,a,1\n901,");
            memset(line + n, 'x', L);
            strcpy(line + n + L, k == 0 ? "\"}\n" : ",1\n");
            r = post("/v1/tables/t/rows", k == 0 ? "application/x-ndjson" : "text/csv", line);
            CHECK(r.status == 413 && strstr(r.body, "longer than 65536 bytes"), "long line %d: %d %s", k, r.status,
                  r.body);
            resp_free(&r);
        }
        free(line);
    }
    /* half-sent body: the client goes away after 10 of 1000 bytes */
    {
        int fd = connect_port(atomic_load(&server_port));
        const char *h = "POST /v1/tables/t/rows HTTP/1.0\r\nContent-Type: application/x-ndjson\r\n"
                        "Content-Length: 1000\r\n\r\n{\"id\":900}\n";
        CHECK(fd >= 0, "connect");
        if (fd >= 0) {
            send_all(fd, h, strlen(h));
            sleep_ms(50);
            close(fd);
        }
        sleep_ms(100);
    }
    /* writing statements on the read-only GET route */
    r = http("GET", "/v1/query?sql=DROP%20TABLE%20t", NULL, "", 0);
    CHECK(r.status == 403, "GET DROP: %d %s", r.status, r.body);
    resp_free(&r);
    r = http("POST", "/v1/query", NULL, "SELEC 1", 7);
    CHECK(r.status == 400 && strstr(r.body, "\"position\":0") && strstr(r.body, "\"code\":\"PARSE\""),
          "syntax error: %d %s", r.status, r.body);
    resp_free(&r);
    CHECK(query_num("SELECT count(*) FROM t WHERE id >= 900") == 0, "nothing of a bad batch applied");
    CHECK(query_num("SELECT count(*) FROM t") == 200, "count unchanged");
}

static void test_idempotent(void)
{
    const char *h = "Content-Type: application/x-ndjson\r\nX-Floe-Producer: prod-a\r\nX-Floe-Seq: 1\r\n";
    const char *b = "{\"id\":1000}\n{\"id\":1001}\n";
    resp r = http("POST", "/v1/tables/t/rows", h, b, strlen(b));
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":2") && strstr(r.body, "\"duplicate\":false"),
          "first: %d %s", r.status, r.body);
    resp_free(&r);
    r = http("POST", "/v1/tables/t/rows", h, b, strlen(b));
    CHECK(r.status == 200 && strstr(r.body, "\"duplicate\":true"), "retry: %d %s", r.status, r.body);
    resp_free(&r);
    CHECK(query_num("SELECT count(*) FROM t WHERE id IN (1000, 1001)") == 2, "applied once");
}

/* ------------------------------------------------------------ producers */

#define NPROD 16
typedef struct producer {
    int id, nbatches, rows_per_batch;
    const char *table;
    long long acked_rows;
    int n429, retry_after; /* 429 replies seen, and how many had Retry-After */
} producer;

/* Send every batch with an idempotent seq, retrying each until it is
 * acknowledged (the server may be killed and restarted meanwhile). Row ids
 * are unique: producer * 1e6 + seq * 1000 + i. */
static void *produce(void *arg)
{
    producer *p = arg;
    char path[128], hdr[256];
    int seq, i;
    snprintf(path, sizeof path, "/v1/tables/%s/rows", p->table);
    for (seq = 1; seq <= p->nbatches; seq++) {
        char *body = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&body, &len);
        for (i = 0; i < p->rows_per_batch; i++)
            fprintf(mf, "%lld,p%d\n", (long long)p->id * 1000000 + seq * 1000 + i, p->id);
        fclose(mf);
        snprintf(hdr, sizeof hdr, "Content-Type: text/csv\r\nX-Floe-Producer: producer-%d\r\nX-Floe-Seq: %d\r\n",
                 p->id, seq);
        for (;;) {
            resp r = http("POST", path, hdr, body, len);
            int ok = r.status == 200;
            if (r.status == 429) {
                p->n429++;
                p->retry_after += r.headers && strstr(r.headers, "\r\nRetry-After: 1\r\n") != NULL;
            }
            if (ok && strstr(r.body, "\"duplicate\":false")) p->acked_rows += p->rows_per_batch;
            resp_free(&r);
            if (ok) break;
            sleep_ms(r.status == 429 ? 5 : 20);
        }
        free(body);
    }
    return NULL;
}

static atomic_int producers_left;

static void *produce_counted(void *arg)
{
    produce(arg);
    atomic_fetch_sub(&producers_left, 1);
    return NULL;
}

/* NPROD producers of nbatches x rows into table; meanwhile, every
 * kill_ms, SIGKILL the server and restart it, up to `kills` times while
 * they still run. Returns the 429 replies seen. */
static int run_producers(const char *table, int nbatches, int rows, int kills, int kill_ms)
{
    pthread_t th[NPROD];
    producer ps[NPROD];
    long long want = (long long)NPROD * nbatches * rows, got_distinct, acked = 0;
    int i, k = 0, n429 = 0, nretry = 0;
    char sql[256];
    atomic_store(&producers_left, NPROD);
    for (i = 0; i < NPROD; i++) {
        memset(&ps[i], 0, sizeof ps[i]);
        ps[i].id = i + 1;
        ps[i].nbatches = nbatches;
        ps[i].rows_per_batch = rows;
        ps[i].table = table;
        pthread_create(&th[i], NULL, produce_counted, &ps[i]);
    }
    while (k < kills && atomic_load(&producers_left) > 0) {
        sleep_ms(kill_ms);
        if (atomic_load(&producers_left) == 0) break;
        stop_server(SIGKILL);
        start_server("1048576");
        k++;
    }
    CHECK(k == kills, "%s: only %d of %d kills happened during ingest", table, k, kills);
    for (i = 0; i < NPROD; i++) pthread_join(th[i], NULL);
    for (i = 0; i < NPROD; i++) {
        acked += ps[i].acked_rows;
        n429 += ps[i].n429;
        nretry += ps[i].retry_after;
    }
    CHECK(nretry == n429, "every 429 has Retry-After: %d of %d", nretry, n429);
    /* with kills, some batches were applied but their reply was lost: the
     * retry was then a duplicate, so fewer rows were acknowledged as new */
    printf("%s: %d kill(s), %lld of %lld rows acknowledged as new, %d x 429\n", table, k, acked, want,
           n429);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    CHECK(query_num(sql) == want, "%s: every batch present once: count %lld want %lld", table,
          query_num(sql), want);
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT id) FROM %s", table);
    got_distinct = query_num(sql);
    CHECK(got_distinct == want, "%s: no duplicates: %lld distinct, want %lld", table, got_distinct, want);
    snprintf(sql, sizeof sql, "SELECT sum(id) FROM %s", table);
    {
        long long s = 0;
        int p, q, r;
        for (p = 1; p <= NPROD; p++)
            for (q = 1; q <= nbatches; q++)
                for (r = 0; r < rows; r++) s += (long long)p * 1000000 + q * 1000 + r;
        CHECK(query_num(sql) == s, "%s: sum of ids want %lld", table, s);
    }
    return n429;
}

/* ------------------------------------------------------------ acks and rejects */

/* Sum over the "shards" of an ack of (last - first + 1); -1 when malformed.
 * prev_last (NULL or 1024 entries): each shard's first must be prev_last+1
 * (when known), then prev_last is updated. */
static long long shard_rows(const char *ack, unsigned long long *prev_last)
{
    const char *p = ack ? strstr(ack, "\"shards\":[") : NULL;
    long long n = 0;
    if (p == NULL) return -1;
    while ((p = strstr(p, "{\"shard\":")) != NULL) {
        unsigned sh;
        unsigned long long f, l;
        if (sscanf(p, "{\"shard\":%u,\"first_seq\":%llu,\"last_seq\":%llu}", &sh, &f, &l) != 3 || f == 0 ||
            l < f || sh >= 1024)
            return -1;
        if (prev_last) {
            if (prev_last[sh] && f != prev_last[sh] + 1) return -1;
            prev_last[sh] = l;
        }
        n += (long long)(l - f + 1);
        p++;
    }
    return n;
}

static void test_acks_and_rejects(void)
{
    static unsigned long long last[1024];
    resp r;
    char *body = NULL;
    size_t len = 0;
    FILE *mf;
    int i, round;
    r = post("/v1/query", "text/plain",
             "CREATE TABLE sp (id BIGINT NOT NULL, s VARCHAR) PARTITION BY (id) WITH (shards = 4)");
    CHECK(r.status == 200, "create sp: %d %s", r.status, r.body);
    resp_free(&r);
    /* per-shard seqs: the ranges cover the batch, and each shard's next
     * batch starts right after the previous one's last seq */
    for (round = 0; round < 3; round++) {
        int nshards = 0;
        const char *q;
        mf = open_memstream(&body, &len);
        for (i = 0; i < 100; i++) fprintf(mf, "%d,r%d\n", round * 100 + i, round);
        fclose(mf);
        r = post("/v1/tables/sp/rows?ack=wal", "text/csv", body);
        CHECK(r.status == 200 && shard_rows(r.body, last) == 100, "shard seqs round %d: %d %s", round, r.status,
              r.body);
        for (q = r.body; q && (q = strstr(q, "{\"shard\":")); q++) nshards++;
        CHECK(nshards > 1, "100 keys over 4 shards landed in %d", nshards);
        resp_free(&r);
        free(body);
        body = NULL;
    }
    /* rejects=keep: bad lines skipped and listed with their line numbers */
    r = post("/v1/tables/sp/rows?rejects=keep", "application/x-ndjson",
             "{\"id\":1000,\"s\":\"a\"}\n{\"id\":\"x\"}\n{\"id\":1001}\n{\"id\":1002,\"zz\":1}\n"
             "{\"id\":1003,\"s\":\"b\"}\n{\"id\":10\n");
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":3,") && strstr(r.body, "\"rejected\":3,") &&
              strstr(r.body, "{\"line\":2,\"reason\":") && strstr(r.body, "{\"line\":4,\"reason\":") &&
              strstr(r.body, "{\"line\":6,\"reason\":") && shard_rows(r.body, NULL) == 3,
          "jsonl keep: %d %s", r.status, r.body);
    resp_free(&r);
    r = post("/v1/tables/sp/rows?rejects=keep&header=true", "text/csv",
             "id,s\n1004,c\n1005,d,extra\nnope,e\n1006,f\n");
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":2,") && strstr(r.body, "\"rejected\":2,") &&
              strstr(r.body, "{\"line\":3,") && strstr(r.body, "{\"line\":4,"),
          "csv keep: %d %s", r.status, r.body);
    resp_free(&r);
    /* every row bad: 200 with no rows */
    r = post("/v1/tables/sp/rows?rejects=keep", "text/csv", "a,b\nc,d\n");
    CHECK(r.status == 200 && strstr(r.body, "\"rows\":0,") && strstr(r.body, "\"rejected\":2,"),
          "all rejected: %d %s", r.status, r.body);
    resp_free(&r);
    /* without keep the same body fails whole */
    r = post("/v1/tables/sp/rows", "text/csv", "2000,ok\nnope,e\n");
    CHECK(r.status == 400 && strstr(r.body, "\"line\":2"), "fail mode: %d %s", r.status, r.body);
    resp_free(&r);
    r = post("/v1/tables/sp/rows?rejects=maybe", "text/csv", "2001,ok\n");
    CHECK(r.status == 400, "bad rejects value: %d", r.status);
    resp_free(&r);
    CHECK(query_num("SELECT count(*) FROM sp WHERE id >= 1000") == 5, "kept rows only");
    CHECK(query_num("SELECT sum(id) FROM sp WHERE id >= 1000") == 1000 + 1001 + 1003 + 1004 + 1006, "kept ids");
    CHECK(query_num("SELECT count(*) FROM sp") == 305, "sp total");
}

/* ------------------------------------------------------------ query limits */

static void header_value(const resp *r, const char *name, char *out, size_t cap)
{
    const char *p = r->headers ? strcasestr(r->headers, name) : NULL;
    size_t n = 0;
    out[0] = '\0';
    if (p == NULL) return;
    p += strlen(name);
    while (*p == ' ' || *p == ':') p++;
    while (p[n] && p[n] != '\r' && n + 1 < cap) n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

static void test_query_limits(void)
{
    resp r;
    char id1[64], id2[64];
    double t0;
    r = post("/v1/query", "text/plain",
             "CREATE TABLE d (v BIGINT); INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
             "CREATE TABLE u AS SELECT a.v*1000 + b.v*100 + c.v*10 + e.v AS v FROM d a, d b, d c, d e");
    CHECK(r.status == 200, "create u: %d %s", r.status, r.body);
    header_value(&r, "X-Floe-Query-Id", id1, sizeof id1);
    resp_free(&r);
    r = post("/v1/query?timeout_ms=60000", "text/plain", "SELECT count(*) FROM u");
    CHECK(r.status == 200 && strstr(r.body, "10000"), "under the timeout: %d %s", r.status, r.body);
    header_value(&r, "X-Floe-Query-Id", id2, sizeof id2);
    resp_free(&r);
    CHECK(id1[0] && id2[0] && strcmp(id1, id2) != 0, "query ids '%s' '%s'", id1, id2);
    /* 10^12 pairs stopped by its timeout */
    t0 = now_s();
    r = post("/v1/query?timeout_ms=200", "text/plain",
             "SELECT count(*) FROM u a, u b, u c WHERE a.v + b.v + c.v = -1");
    CHECK(r.status == 504 && strstr(r.body, "query timeout of 200 ms exceeded") &&
              strstr(r.body, "\"code\":\"INTERRUPT\""),
          "timeout: %d %s", r.status, r.body);
    CHECK(now_s() - t0 < 5, "the timeout took %.1f s", now_s() - t0);
    resp_free(&r);
    r = post("/v1/query?timeout_ms=0", "text/plain", "SELECT 1");
    CHECK(r.status == 400, "timeout_ms=0: %d", r.status);
    resp_free(&r);
    /* 3,000,000 groups over an 8 MB per-query limit */
    r = post("/v1/query?memory_limit=8388608", "text/plain",
             "SELECT count(*) FROM (SELECT a.v * 10000 + b.v AS k, count(*) FROM u a, u b "
             "WHERE a.v < 300 GROUP BY k) s");
    CHECK(r.status == 500 && strstr(r.body, "query memory limit of 8.0 MiB exceeded"), "memory: %d %s",
          r.status, r.body);
    resp_free(&r);
    CHECK(query_num("SELECT count(*) FROM u") == 10000, "the server still answers");
}

/* ------------------------------------------------------------ arrow, mid-stream failures */

static int write_bytes(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) return -1;
    fwrite(p, 1, n, f);
    return fclose(f);
}

/* The output of a shell command (first cap-1 bytes). */
static void run_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    out[0] = '\0';
    if (p == NULL) return;
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
}

/* The arrow reader is ready: node is here and apache-arrow is installed
 * (installed now into arrowjs_dir with npm when missing). */
static int arrow_reader_ready(void)
{
    char cmd[8192];
    if (arrowjs_dir == NULL || system("command -v node >/dev/null 2>&1") != 0) return 0;
    snprintf(cmd, sizeof cmd, "test -f '%s/node_modules/apache-arrow/Arrow.node.mjs' || "
             "(command -v npm >/dev/null && timeout 300 npm install --silent --no-audit --no-fund "
             "--prefix '%s' apache-arrow@21 >/dev/null 2>&1)", arrowjs_dir, arrowjs_dir);
    return system(cmd) == 0;
}

static void test_arrow(void)
{
    char path[4300], cmd[16384], out[8192];
    resp r;
    if (!arrow_reader_ready()) {
        printf("arrow: SKIPPED (node or the apache-arrow npm package unavailable)\n");
        return;
    }
    r = post("/v1/query", "text/plain",
             "CREATE TABLE ar (b BOOLEAN, i INTEGER, g BIGINT, d DOUBLE, m DECIMAL(10,2), s VARCHAR, "
             "dt DATE, ts TIMESTAMP);"
             "INSERT INTO ar VALUES (true, 1, 10000000000, 1.5, 12.34, 'h\xc3\xa9llo', DATE '2024-05-01', "
             "TIMESTAMP '2024-05-01 10:00:00.123456'), (NULL, NULL, NULL, NULL, -0.05, NULL, NULL, NULL), "
             "(false, -7, -1, -2.25, 0, '', DATE '1969-12-31', TIMESTAMP '1970-01-01 00:00:00')");
    CHECK(r.status == 200, "create ar: %d %s", r.status, r.body);
    resp_free(&r);
    snprintf(path, sizeof path, "%s/r.arrow", dir);
    r = post("/v1/query?format=arrow", "text/plain", "SELECT * FROM ar ORDER BY i NULLS LAST");
    CHECK(r.status == 200 && r.headers && strstr(r.headers, "application/vnd.apache.arrow.stream"), "arrow: %d",
          r.status);
    if (r.body) write_bytes(path, r.body, r.len);
    resp_free(&r);
    snprintf(cmd, sizeof cmd, "node '%s' '%s/node_modules/apache-arrow/Arrow.node.mjs' '%s' 2>&1", arrow_script,
             arrowjs_dir, path);
    run_capture(cmd, out, sizeof out);
    /* DATE and TIMESTAMP as arrow-js renders them: epoch milliseconds */
    CHECK(!strcmp(out, "b:Bool i:Int32 g:Int64 d:Float64 m:Decimal[10e+2] s:Utf8 dt:Date32<DAY> "
                       "ts:Timestamp<MICROSECOND>\n"
                       "rows=3 batches=1\n"
                       "{\"b\":false,\"i\":-7,\"g\":\"-1\",\"d\":-2.25,\"m\":\"\\\"0\\\"\",\"s\":\"\","
                       "\"dt\":-86400000,\"ts\":0}\n"
                       "{\"b\":true,\"i\":1,\"g\":\"10000000000\",\"d\":1.5,\"m\":\"\\\"1234\\\"\","
                       "\"s\":\"h\xc3\xa9llo\",\"dt\":1714521600000,\"ts\":1714557600123.456}\n"
                       "{\"b\":null,\"i\":null,\"g\":null,\"d\":null,\"m\":\"\\\"-5\\\"\",\"s\":null,"
                       "\"dt\":null,\"ts\":null}\n"),
          "arrow-js read:\n%s", out);
    /* many batches: 10,000 rows in floe's chunks; sum checked by the reader's rows */
    r = post("/v1/query?format=arrow", "text/plain", "SELECT v, v * 2 AS w, 'x' || v AS s FROM u");
    CHECK(r.status == 200, "arrow u: %d", r.status);
    if (r.body) write_bytes(path, r.body, r.len);
    resp_free(&r);
    snprintf(cmd, sizeof cmd, "node '%s' '%s/node_modules/apache-arrow/Arrow.node.mjs' '%s' 2>&1 | "
             "awk 'NR==2{print} NR>2{ if (index($0, \"\\\"s\\\":\\\"x\")) n++ } END{print n}'",
             arrow_script, arrowjs_dir, path);
    run_capture(cmd, out, sizeof out);
    {
        long rows = 0, batches = 0, strs = 0;
        CHECK(sscanf(out, "rows=%ld batches=%ld\n%ld", &rows, &batches, &strs) == 3 && rows == 10000 &&
                  batches > 1 && strs == 10000,
              "arrow u: %s", out);
    }
    /* an empty result: the schema and no batch */
    r = post("/v1/query?format=arrow", "text/plain", "SELECT v FROM u WHERE v < 0");
    if (r.body) write_bytes(path, r.body, r.len);
    {
        /* schema message + end marker, nothing between */
        uint32_t ml = 0;
        if (r.len >= 8) memcpy(&ml, r.body + 4, 4);
        CHECK(r.len == 8 + (size_t)ml + 8, "arrow empty: %zu bytes, schema %u", r.len, ml);
    }
    resp_free(&r);
    snprintf(cmd, sizeof cmd, "node '%s' '%s/node_modules/apache-arrow/Arrow.node.mjs' '%s' 2>&1", arrow_script,
             arrowjs_dir, path);
    run_capture(cmd, out, sizeof out);
    /* (arrow-js hands out one empty placeholder batch for a schema-only stream) */
    CHECK(!strncmp(out, "v:Int64\nrows=0 batches=", 23), "arrow empty: %s", out);
}

/* A result that fails after the 200 went out ends with the format's error
 * record (and the connection cut), never as a clean truncated 200. */
static void test_midstream_failure(void)
{
    static const struct {
        const char *fmt, *tail;
    } cases[] = {
        {"json", "],\"error\":{\"message\":\"out of memory while streaming the result\",\"code\":\"NOMEM\"}}\n"},
        {"jsonl", "\n{\"floe_error\":{\"message\":\"out of memory while streaming the result\",\"code\":\"NOMEM\"}}\n"},
        {"csv", "\n#floe_error,NOMEM,\"out of memory while streaming the result\"\n"},
    };
    char path[128], cmd[8192], out[256];
    size_t i;
    stop_server(SIGTERM);
    server_extra[0] = "--test-fail-stream-after";
    server_extra[1] = "20000";
    server_extra[2] = NULL;
    start_server("1048576");
    for (i = 0; i < 3; i++) {
        resp r;
        size_t tl = strlen(cases[i].tail);
        snprintf(path, sizeof path, "/v1/query?format=%s", cases[i].fmt);
        r = http("POST", path, NULL, "SELECT v FROM u", 15);
        CHECK(r.status == 200 && r.len > 20000 && r.len < 200000 && r.len > tl &&
                  !memcmp(r.body + r.len - tl, cases[i].tail, tl) && !strstr(r.body, "\"rows\":"),
              "%s failing midway: %d, %zu bytes, ends '%s'", cases[i].fmt, r.status, r.len,
              r.body && r.len > 120 ? r.body + r.len - 120 : r.body);
        resp_free(&r);
    }
    /* arrow: the stream stops before its end-of-stream marker */
    {
        resp r = http("POST", "/v1/query?format=arrow", NULL, "SELECT v FROM u", 15);
        static const unsigned char eos[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
        CHECK(r.status == 200 && r.len > 8 && memcmp(r.body + r.len - 8, eos, 8) != 0, "arrow failing midway: %zu",
              r.len);
        resp_free(&r);
    }
    /* HTTP/1.1 (chunked): curl reports the transfer as incomplete (exit 18) */
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null --data-binary 'SELECT v FROM u' "
             "'http://127.0.0.1:%d/v1/query?format=csv'; echo $?", atomic_load(&server_port));
    if (system("command -v curl >/dev/null") == 0) {
        run_capture(cmd, out, sizeof out);
        CHECK(atoi(out) == 18, "curl over HTTP/1.1 sees a truncated body: exit %s", out);
    }
    stop_server(SIGTERM);
    server_extra[0] = NULL;
    start_server("1048576");
}

/* ------------------------------------------------------------ shell attach */

/* `floe http://127.0.0.1:PORT -csv ARGS...` with env (NULL or "X=Y"): its
 * stdout and stderr into out, and its exit status. */
static int attach(const char *env, const char *args, char *out, size_t cap)
{
    char cmd[8192];
    FILE *p;
    size_t n;
    int st;
    snprintf(cmd, sizeof cmd, "%s '%s' http://127.0.0.1:%d -csv %s 2>&1", env ? env : "", floe_bin,
             atomic_load(&server_port), args);
    out[0] = '\0';
    if ((p = popen(cmd, "r")) == NULL) return -1;
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_shell_attach(void)
{
    char out[4096];
    int st;
    st = attach(NULL, "-c \"CREATE TABLE sh (a BIGINT, s VARCHAR, d DECIMAL(8,2))\" "
                      "-c \"INSERT INTO sh VALUES (1, 'x\\\"y', 1.5), (2, NULL, -3), (3, 'a,b', 0)\" "
                      "-c 'SELECT * FROM sh ORDER BY a' -c '.tables'",
                out, sizeof out);
    CHECK(st == 0 && strstr(out, "a,s,d\n1,\"x\"\"y\",1.50\n2,,-3.00\n3,\"a,b\",0.00\n") && strstr(out, "\nsh\n"),
          "attach: exit %d:\n%s", st, out);
    /* errors: the server's message and the caret; exit status 1 */
    st = attach(NULL, "-c 'SELEC 1'", out, sizeof out);
    CHECK(st == 1 && strstr(out, "Error: syntax error") && strstr(out, "LINE 1: SELEC 1"), "attach error: %d %s", st,
          out);
    st = attach(NULL, "-c '.schema sh'", out, sizeof out);
    CHECK(st == 1 && strstr(out, "not available when attached"), "attach .schema: %d %s", st, out);
}

/* ------------------------------------------------------------ Content-Encoding */

/* in compressed as enc ("gzip", "zstd", "lz4"); malloc'ed, *out_len set. */
static char *compress_as(const char *enc, const char *in, size_t len, size_t *out_len)
{
    char *out = NULL;
    if (!strcmp(enc, "gzip")) {
        z_stream z;
        size_t cap = deflateBound(NULL, (uLong)len) + 64;
        memset(&z, 0, sizeof z);
        out = malloc(cap);
        deflateInit2(&z, len > (1u << 20) ? 1 : 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY); /* +16: gzip */
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        deflate(&z, Z_FINISH);
        *out_len = cap - z.avail_out;
        deflateEnd(&z);
    } else if (!strcmp(enc, "zstd")) {
        size_t cap = ZSTD_compressBound(len);
        out = malloc(cap);
        *out_len = ZSTD_compress(out, cap, in, len, len > (1u << 20) ? 1 : 19);
    } else {
        LZ4F_preferences_t pr;
        size_t cap;
        memset(&pr, 0, sizeof pr);
        pr.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
        pr.compressionLevel = len > (1u << 20) ? 1 : 9;
        cap = LZ4F_compressFrameBound(len, &pr);
        out = malloc(cap);
        *out_len = LZ4F_compressFrame(out, cap, in, len, &pr);
    }
    return out;
}

/* Peak resident memory of the server process (VmHWM, KiB); -1 unknown. */
static long server_hwm_kib(void)
{
    char path[64], line[256];
    long v = -1;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/status", (int)server_pid);
    if ((f = fopen(path, "r")) == NULL) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &v) == 1) break;
    fclose(f);
    return v;
}

static resp post_encoded(const char *path, const char *enc, const char *body, size_t len)
{
    char h[256];
    snprintf(h, sizeof h, "Content-Type: application/x-ndjson\r\nContent-Encoding: %s\r\n", enc);
    return http("POST", path, h, body, len);
}

static void test_encodings(void)
{
    static const char *encs[] = {"gzip", "zstd", "lz4"};
    size_t bomb_len = 64u << 20, i; /* decodes to 64 MiB; --max-body is 1 MiB */
    char *bomb_plain = malloc(bomb_len);
    long hwm0, hwm1;
    resp r;
    for (i = 0; i < 3; i++) {
        char *body = NULL, *z;
        size_t len = 0, zlen;
        FILE *mf = open_memstream(&body, &len);
        int k;
        for (k = 0; k < 500; k++) fprintf(mf, "{\"id\":%d,\"name\":\"%s\",\"v\":%d}\n", 20000 + (int)i * 1000 + k, encs[i], k);
        fclose(mf);
        z = compress_as(encs[i], body, len, &zlen);
        r = post_encoded("/v1/tables/t/rows", encs[i], z, zlen);
        CHECK(r.status == 200 && strstr(r.body, "\"rows\":500"), "%s: %d %s", encs[i], r.status, r.body);
        resp_free(&r);
        /* truncated: 400, nothing applied */
        r = post_encoded("/v1/tables/t/rows", encs[i], z, zlen - 7);
        CHECK(r.status == 400 && strstr(r.body, encs[i]), "%s truncated: %d %s", encs[i], r.status, r.body);
        resp_free(&r);
        /* a flipped byte in the middle: 400 (gzip/lz4 checksums, zstd format), nothing applied */
        z[zlen / 2] ^= 0x5a;
        r = post_encoded("/v1/tables/t/rows", encs[i], z, zlen);
        CHECK(r.status == 400, "%s corrupt: %d %s", encs[i], r.status, r.body);
        resp_free(&r);
        free(z);
        free(body);
    }
    CHECK(query_num("SELECT count(*) FROM t WHERE id >= 20000 AND id < 23000") == 1500, "3 x 500 decoded rows");
    CHECK(query_num("SELECT sum(v) FROM t WHERE id >= 20000 AND id < 23000") == 3 * 499 * 500 / 2, "values");
    r = post_encoded("/v1/tables/t/rows", "br", "x", 1);
    CHECK(r.status == 415, "unknown encoding: %d", r.status);
    resp_free(&r);
    /* zip bombs: 64 MiB of one line repeated, under 1 MiB compressed: 413,
     * and the server's peak memory grows by far less than 64 MiB (about
     * 4 MiB; 16 MiB under ASan, its quarantine) */
    for (i = 0; i < bomb_len; i++) bomb_plain[i] = (i % 64 == 63) ? '\n' : ' ';
    hwm0 = server_hwm_kib();
    for (i = 0; i < 3; i++) {
        size_t zlen;
        char *z = compress_as(encs[i], bomb_plain, bomb_len, &zlen);
        CHECK(zlen < (1u << 20), "%s bomb fits the raw limit: %zu", encs[i], zlen);
        r = post_encoded("/v1/tables/t/rows", encs[i], z, zlen);
        CHECK(r.status == 413 && strstr(r.body, "decodes to more"), "%s bomb: %d %s", encs[i], r.status, r.body);
        resp_free(&r);
        free(z);
    }
    hwm1 = server_hwm_kib();
    printf("zip bombs: server peak RSS %ld -> %ld KiB\n", hwm0, hwm1);
    CHECK(hwm1 - hwm0 < 32 * 1024, "bounded decompression: peak RSS grew %ld KiB", hwm1 - hwm0);
    CHECK(query_num("SELECT count(*) FROM t WHERE id >= 20000 AND id < 23000") == 1500, "nothing else applied");
    free(bomb_plain);
}

/* ------------------------------------------------------------ slow clients */

/* A client trickling a whole body (a byte every 20 ms, under the 5 s idle
 * timeout) gets its batch applied; one that stalls halfway is cut off by
 * the idle timeout and nothing of its body is applied. */
static void test_slow_clients(void)
{
    const char *body = "{\"id\":7001}\n{\"id\":7002}\n";
    char head[512], buf[512];
    int fast, stall, i;
    double t0;
    ssize_t got;
    snprintf(head, sizeof head,
             "POST /v1/tables/t/rows HTTP/1.0\r\nContent-Type: application/x-ndjson\r\n"
             "Content-Length: %zu\r\n\r\n", strlen(body));
    fast = connect_port(atomic_load(&server_port));
    stall = connect_port(atomic_load(&server_port));
    CHECK(fast >= 0 && stall >= 0, "connect");
    if (fast < 0 || stall < 0) return;
    send_all(stall, head, strlen(head));
    send_all(stall, "{\"id\":7003}\n{\"id\"", 17);
    send_all(fast, head, strlen(head));
    for (i = 0; body[i]; i++) {
        send_all(fast, body + i, 1);
        sleep_ms(20);
    }
    got = recv(fast, buf, sizeof buf - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    CHECK(got > 0 && strstr(buf, " 200 ") && strstr(buf, "\"rows\":2"), "trickled body: %s", buf);
    close(fast);
    /* the stalled one: closed by the server after its idle timeout (5 s) */
    t0 = now_s();
    got = recv(stall, buf, sizeof buf - 1, 0);
    CHECK(got <= 0 && now_s() - t0 < 15, "stalled client cut off: got %zd after %.1f s", got, now_s() - t0);
    close(stall);
    CHECK(query_num("SELECT count(*) FROM t WHERE id IN (7001, 7002)") == 2, "trickled rows applied");
    CHECK(query_num("SELECT count(*) FROM t WHERE id = 7003") == 0, "nothing of a stalled body applied");
}

/* ------------------------------------------------------------ access control */

#define TOK_ADMIN "admin-0123456789abcdef"
#define TOK_READ "read-0123456789abcdef"
#define TOK_WRITE "write-0123456789abcdef"
#define TOK_LIMITED "limited-0123456789abcdef"

static void use_token(const char *tok)
{
    if (tok) snprintf(auth_line, sizeof auth_line, "Authorization: Bearer %s\r\n", tok);
    else auth_line[0] = '\0';
}

/* Run `floe serve` with args (after DB) to completion; its exit status. */
static int serve_status(const char *const *args)
{
    const char *argv[16] = {floe_bin, "serve", dbdir};
    int n = 3, st = -1;
    pid_t pid;
    while (*args) argv[n++] = *args++;
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 2);
        execv(floe_bin, (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int status_of(const char *method, const char *path, const char *ctype, const char *body,
                     const char *want_in_body)
{
    char h[128];
    resp r;
    int st;
    snprintf(h, sizeof h, "Content-Type: %s\r\n", ctype);
    r = http(method, path, h, body, strlen(body));
    st = r.status;
    if (want_in_body && (r.body == NULL || strstr(r.body, want_in_body) == NULL)) st = -st;
    resp_free(&r);
    return st;
}

static void test_auth(void)
{
    char tokfile[4300], bad[4300];
    long long before;
    snprintf(tokfile, sizeof tokfile, "%s/tokens", dir);
    snprintf(bad, sizeof bad, "%s/tokens.bad", dir);
    write_file(tokfile, "# floe tokens\n"
                        TOK_ADMIN " admin\n\n" TOK_READ " read\n" TOK_WRITE "\twrite\n"
                        TOK_LIMITED " write c,K\n");
    /* refusals at start: exit status 2 */
    {
        const char *a1[] = {"--listen", "0.0.0.0:0", NULL};
        const char *a2[] = {"--listen", "127.0.0.1:0", "--token-file", bad, NULL};
        const char *a3[] = {"--listen", "127.0.0.1:0", "--tls-cert", tokfile, NULL};
        CHECK(serve_status(a1) == 2, "non-loopback without tokens refused");
        write_file(bad, "short read\n");
        CHECK(serve_status(a2) == 2, "a short token refused");
        write_file(bad, TOK_READ " read t\n");
        CHECK(serve_status(a2) == 2, "a table list with role read refused");
        write_file(bad, TOK_READ " read\n" TOK_READ " admin\n");
        CHECK(serve_status(a2) == 2, "a duplicate token refused");
        write_file(bad, TOK_READ " root\n");
        CHECK(serve_status(a2) == 2, "an unknown role refused");
        CHECK(serve_status(a3) == 2, "a certificate without a key refused");
    }
    server_extra[0] = "--token-file";
    server_extra[1] = tokfile;
    server_extra[2] = NULL;
    start_server("1048576");
    use_token(TOK_ADMIN);
    before = query_num("SELECT count(*) FROM t");
    CHECK(before == 1704, "admin reads: %lld", before);

    /* missing, wrong, other-scheme tokens: 401, body discarded, nothing applied */
    use_token(NULL);
    CHECK(status_of("POST", "/v1/tables/t/rows", "text/csv", "5000,x,1\n", "\"error\"") == 401, "no token");
    CHECK(status_of("GET", "/v1/query?sql=SELECT%201", "text/plain", "", "bearer") == 401, "no token query");
    CHECK(status_of("GET", "/health", "text/plain", "", "ok") == 200, "health needs no token");
    use_token("admin-0123456789abcdeX");
    CHECK(status_of("POST", "/v1/tables/t/rows", "text/csv", "5001,x,1\n", "unknown token") == 401, "wrong token");
    use_token("admin-0123456789abcde");
    CHECK(status_of("POST", "/v1/query", "text/plain", "DROP TABLE t", NULL) == 401, "a prefix of a token");
    snprintf(auth_line, sizeof auth_line, "Authorization: Basic %s\r\n", TOK_ADMIN);
    CHECK(status_of("POST", "/v1/query", "text/plain", "DROP TABLE t", NULL) == 401, "Basic scheme");

    /* read: read-only queries; no ingest, no DDL */
    use_token(TOK_READ);
    CHECK(status_of("POST", "/v1/query", "text/plain", "SELECT count(*) FROM t", "1704") == 200, "read query");
    CHECK(status_of("POST", "/v1/query", "text/plain", "DROP TABLE t", NULL) == 403, "read DROP");
    CHECK(status_of("POST", "/v1/tables/t/rows", "text/csv", "5002,x,1\n", NULL) == 403, "read ingest");
    /* write: ingest anywhere, read-only queries */
    use_token(TOK_WRITE);
    CHECK(status_of("POST", "/v1/tables/t/rows", "text/csv", "5003,w,1\n", "\"rows\":1") == 200, "write ingest");
    CHECK(status_of("POST", "/v1/query", "text/plain", "SELECT 1", NULL) == 200, "write query");
    CHECK(status_of("POST", "/v1/query", "text/plain", "INSERT INTO t VALUES (5004, 'w', 1)", NULL) == 403,
          "write INSERT statement");
    /* limited: only its tables, no queries at all */
    use_token(TOK_LIMITED);
    CHECK(status_of("POST", "/v1/tables/c/rows", "text/csv", "5005,l\n", "\"rows\":1") == 200, "limited c");
    CHECK(status_of("POST", "/v1/tables/k/rows", "text/csv", "5006,l\n", "\"rows\":1") == 200, "limited k (case)");
    CHECK(status_of("POST", "/v1/tables/t/rows", "text/csv", "5007,l,1\n", NULL) == 403, "limited t");
    CHECK(status_of("POST", "/v1/query", "text/plain", "SELECT 1", NULL) == 403, "limited query");
    /* admin: DDL */
    snprintf(auth_line, sizeof auth_line, "Authorization: bearer %s\r\n", TOK_ADMIN);
    CHECK(status_of("POST", "/v1/query", "text/plain", "CREATE TABLE adm (x BIGINT)", NULL) == 200, "admin DDL");
    CHECK(query_num("SELECT count(*) FROM t WHERE id >= 5000 AND id < 6000") == 1, "only the write token's row in t");
    CHECK(query_num("SELECT count(*) FROM c WHERE id >= 5000 AND id < 6000") == 1, "limited's row in c");
    CHECK(query_num("SELECT count(*) FROM k WHERE id >= 5000 AND id < 6000") == 1, "limited's row in k");
    {
        char out[2048];
        int st = attach("FLOE_TOKEN=" TOK_READ, "-c 'SELECT count(*) AS n FROM adm'", out, sizeof out);
        CHECK(st == 0 && !strcmp(out, "n\n0\n"), "shell with a token: %d %s", st, out);
        st = attach(NULL, "-c 'SELECT 1'", out, sizeof out);
        CHECK(st == 1 && strstr(out, "missing bearer token"), "shell without a token: %d %s", st, out);
    }
    stop_server(SIGTERM);
    server_extra[0] = NULL;
    use_token(NULL);
}

/* HTTPS with a self-signed certificate made by openssl; curl is the client. */
static void test_tls(void)
{
    char cmd[32768], cert[4300], key[4300], out[4300];
    FILE *f;
    char got[256] = "";
    int port;
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(out, sizeof out, "%s/curl.out", dir);
    if (system("command -v openssl >/dev/null && command -v curl >/dev/null") != 0) {
        printf("tls: SKIPPED (openssl or curl missing: scripts/deps.sh installs them)\n");
        return;
    }
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
             "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' 2>/dev/null",
             key, cert);
    CHECK(system(cmd) == 0, "openssl made a certificate");
    server_extra[0] = "--tls-cert";
    server_extra[1] = cert;
    server_extra[2] = "--tls-key";
    server_extra[3] = key;
    server_extra[4] = NULL;
    start_server("1048576");
    port = atomic_load(&server_port);
    /* curl verifies the certificate against itself as the CA */
    snprintf(cmd, sizeof cmd,
             "curl -s --max-time 10 --cacert '%s' -H 'Content-Type: text/csv' --data-binary '9001,tls' "
             "'https://127.0.0.1:%d/v1/tables/c/rows?ack=wal' > '%s' && "
             "curl -s --max-time 10 --cacert '%s' --data-binary 'SELECT count(*) AS n FROM c WHERE id = 9001' "
             "'https://127.0.0.1:%d/v1/query?format=csv' >> '%s'",
             cert, port, out, cert, port, out);
    CHECK(system(cmd) == 0, "curl over TLS");
    if ((f = fopen(out, "r")) != NULL) {
        size_t n = fread(got, 1, sizeof got - 1, f);
        got[n] = '\0';
        fclose(f);
    }
    CHECK(strstr(got, "\"rows\":1") && strstr(got, "n\n1\n"), "TLS ingest and query: %s", got);
    /* plain HTTP to the TLS port gets no HTTP reply */
    {
        resp r = http("GET", "/health", NULL, "", 0);
        CHECK(r.status == 0, "plain HTTP on the TLS port: %d", r.status);
        resp_free(&r);
    }
    stop_server(SIGTERM);
    server_extra[0] = NULL;
}

int main(int argc, char **argv)
{
    struct stat st;
    int status;
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: server_test FLOE_BINARY TMPDIR [ARROW_READ_MJS ARROWJS_DIR]\n");
        return 2;
    }
    floe_bin = argv[1];
    if (argc == 5) {
        arrow_script = argv[3];
        arrowjs_dir = argv[4];
    }
    snprintf(dir, sizeof dir, "%s/server_test.%d", argv[2], (int)getpid());
    mkdir(argv[2], 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return 2;
    snprintf(dbdir, sizeof dbdir, "%s/db", dir);
    snprintf(portfile, sizeof portfile, "%s/port", dir);
    signal(SIGPIPE, SIG_IGN);

    start_server("1048576");
    test_ingest_and_query();
    test_bad_requests();
    test_encodings();
    test_acks_and_rejects();
    test_query_limits();
    test_arrow();
    test_midstream_failure();
    test_shell_attach();
    test_idempotent();
    {
        resp r = post("/v1/query", "text/plain", "CREATE TABLE c (id BIGINT, who VARCHAR)");
        CHECK(r.status == 200, "create c");
        resp_free(&r);
        r = post("/v1/query", "text/plain", "CREATE TABLE k (id BIGINT, who VARCHAR)");
        CHECK(r.status == 200, "create k");
        resp_free(&r);
    }
    run_producers("c", 10, 50, 0, 0); /* 16 concurrent producers */
    {
        double t0 = now_s();
        run_producers("k", 400, 10, 20, 40); /* ... and SIGKILL x20 during ingest */
        printf("20 kills: %.1f s\n", now_s() - t0);
    }
    /* back-pressure: memtables over a tiny bound answer 429 + Retry-After,
     * and the retried batches all land once */
    {
        resp r = post("/v1/query", "text/plain", "CREATE TABLE bp (id BIGINT, who VARCHAR)");
        CHECK(r.status == 200, "create bp");
        resp_free(&r);
        stop_server(SIGTERM);
        server_extra[0] = "--memtable-limit";
        server_extra[1] = "4096";
        server_extra[2] = NULL;
        start_server("1048576");
        CHECK(run_producers("bp", 20, 200, 0, 0) > 0, "memtables full gave 429");
        stop_server(SIGTERM);
        server_extra[0] = NULL;
        start_server("1048576");
    }
    /* everything from before the kills is still there */
    CHECK(query_num("SELECT count(*) FROM t") == 1702, "t after restarts");
    status = stop_server(SIGTERM);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM exits 0 (status %d)", status);
    /* a graceful stop flushed the memtables: the WAL replays nothing new,
     * and the data is all there after another start */
    start_server("1048576");
    CHECK(query_num("SELECT count(*) FROM k") == (long long)NPROD * 400 * 10, "k after SIGTERM");
    stop_server(SIGTERM);
    start_server("1048576");
    test_slow_clients();
    stop_server(SIGTERM);
    test_auth();
    test_tls();
    if (stat(dbdir, &st) == 0 && failures == 0) {
        char cmd[4400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
    }
    if (failures) fprintf(stderr, "server_test: %d failure(s)\n", failures);
    else printf("server_test: all passed\n");
    return failures ? 1 : 0;
}
