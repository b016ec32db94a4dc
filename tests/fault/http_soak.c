/* tests/fault/http_soak.c: kill -9 soak of the HTTP write path (issue #21).
 *
 * Runs the floe binary's `serve` on an ephemeral loopback port (port 0,
 * read back from --port-file) over a 4-shard table partitioned by id.
 * NPROD producer threads post JSON-lines batches with X-Floe-Producer and
 * X-Floe-Seq, alternating ?ack=wal and ?ack=fsync, each retried until a
 * 200 acknowledges it (a batch whose reply was lost comes back
 * "duplicate":true on the retry). Meanwhile the main thread SIGKILLs the
 * server at random times (seeded) and restarts it, timing each restart
 * until it answers. At the end every batch was acknowledged, so the table
 * must hold each row exactly once: count, count(DISTINCT id), sum(id) and
 * per producer the count are checked against the numbers computed here, and
 * the rows acknowledged as new plus the duplicates' rows must add up.
 *
 * The HTTP client is the one of tests/server/server_test.c (HTTP/1.0 over
 * plain sockets), copied: that file is a test driver with no library part.
 * Usage: http_soak FLOE_BINARY DIR. Kills: FLOE_CRASH_SOAK (default 5, the
 * ctest run), seed FLOE_CRASH_SEED. Prints kills, rows, lost, duplicated
 * and restart time p50/p99; exit 1 on any failure.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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

#define NPROD 8
#define ROWS 20 /* per batch */

static const char *floe_bin;
static char dbdir[4200], portfile[4200];
static pid_t server_pid;
static atomic_int server_port;
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

static void start_server(void)
{
    int i;
    unlink(portfile);
    server_pid = fork();
    if (server_pid == 0) {
        const char *args[] = {floe_bin, "serve", dbdir, "--listen", "127.0.0.1:0", "--port-file",
                              portfile, "--timeout", "5", NULL};
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0 && !getenv("HTTP_SOAK_VERBOSE")) dup2(fd, 2);
        execv(floe_bin, (char *const *)args);
        _exit(127);
    }
    for (i = 0; i < 3000; i++) { /* up to 30 s */
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
        sleep_ms(2);
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

typedef struct resp {
    int status; /* 0: no reply (connection failed or cut) */
    char *body;
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

static resp http(const char *path, const char *extra, const char *body, size_t len)
{
    resp r = {0, NULL};
    char head[1024];
    char *buf = NULL;
    size_t blen = 0, bcap = 0;
    int port = atomic_load(&server_port), fd, n;
    if (port == 0 || (fd = connect_port(port)) < 0) return r;
    n = snprintf(head, sizeof head,
                 "POST %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n%s\r\n", path, len,
                 extra ? extra : "");
    if (send_all(fd, head, (size_t)n) != 0 || (len && send_all(fd, body, len) != 0)) {
        close(fd);
        return r;
    }
    for (;;) {
        ssize_t got;
        if (blen + 4096 + 1 > bcap) {
            bcap = bcap ? bcap * 2 : 16384;
            buf = realloc(buf, bcap);
            if (buf == NULL) abort();
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
        if (sep && sscanf(buf, "HTTP/1.%*d %d", &r.status) == 1)
            r.body = strdup(sep + 4);
        else
            r.status = 0;
    }
    free(buf);
    return r;
}

static long long query_num(const char *sql)
{
    resp r = http("/v1/query?format=csv", NULL, sql, strlen(sql));
    char *nl;
    long long v = -1;
    if (r.status == 200 && (nl = strchr(r.body, '\n')) && sscanf(nl + 1, "%lld", &v) != 1) v = -1;
    if (r.status != 200) fprintf(stderr, "query '%s': %d %s\n", sql, r.status, r.body ? r.body : "");
    free(r.body);
    return v;
}

typedef struct producer {
    int id;
    atomic_int next; /* batches fully acknowledged so far */
    long long new_rows, dup_rows, tries;
} producer;

static producer prods[NPROD];
static atomic_int stop_producers;

static long long row_id(int p, int seq, int i) { return (long long)p * 100000000LL + seq * 100LL + i; }

/* Batches 1, 2, ... until told to stop; each retried until acknowledged. */
static void *produce(void *arg)
{
    producer *p = arg;
    char hdr[256], path[128];
    int seq;
    for (seq = 1; !atomic_load(&stop_producers); seq++) {
        char *body = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&body, &len);
        int i;
        for (i = 0; i < ROWS; i++)
            fprintf(mf, "{\"id\":%lld,\"p\":%d,\"s\":\"b%d\"}\n", row_id(p->id, seq, i), p->id, seq);
        fclose(mf);
        snprintf(path, sizeof path, "/v1/tables/h/rows?ack=%s", seq % 2 ? "wal" : "fsync");
        snprintf(hdr, sizeof hdr,
                 "Content-Type: application/x-ndjson\r\nX-Floe-Producer: soak-%d\r\nX-Floe-Seq: %d\r\n",
                 p->id, seq);
        for (;;) {
            resp r = http(path, hdr, body, len);
            p->tries++;
            if (r.status == 200) {
                if (strstr(r.body, "\"duplicate\":false"))
                    p->new_rows += ROWS;
                else if (strstr(r.body, "\"duplicate\":true"))
                    p->dup_rows += ROWS;
                else
                    CHECK(0, "producer %d seq %d: ack without duplicate flag: %s", p->id, seq, r.body);
                free(r.body);
                break;
            }
            if (r.status != 0 && r.status != 429 && r.status != 503)
                CHECK(0, "producer %d seq %d: status %d: %s", p->id, seq, r.status,
                      r.body ? r.body : "");
            free(r.body);
            sleep_ms(r.status == 429 ? 5 : 10);
        }
        free(body);
        atomic_store(&p->next, seq);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *env = getenv("FLOE_CRASH_SOAK"), *seed_env = getenv("FLOE_CRASH_SEED");
    int kills = env ? atoi(env) : 5, k, i;
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
    double *restart, t0 = now_s();
    pthread_t th[NPROD];
    long long want = 0, sum = 0, acked_new = 0, dups = 0, tries = 0, got, distinct, gsum;
    if (argc != 3) {
        fprintf(stderr, "usage: http_soak FLOE_BINARY DIR\n");
        return 2;
    }
    floe_bin = argv[1];
    mkdir(argv[2], 0700);
    snprintf(dbdir, sizeof dbdir, "%s/db", argv[2]);
    snprintf(portfile, sizeof portfile, "%s/port", argv[2]);
    restart = calloc((size_t)kills + 1, sizeof *restart);
    srand(seed);
    printf("http_soak: %d kills, seed %u\n", kills, seed);
    start_server();
    {
        const char *ddl = "CREATE TABLE h (id BIGINT NOT NULL, p BIGINT, s VARCHAR)"
                          " PARTITION BY (id) WITH (shards = 4)";
        resp r = http("/v1/query", "Content-Type: text/plain\r\n", ddl, strlen(ddl));
        if (r.status != 200) {
            fprintf(stderr, "FAIL: create: %d %s\n", r.status, r.body ? r.body : "");
            return 1;
        }
        free(r.body);
    }
    for (i = 0; i < NPROD; i++) {
        prods[i].id = i + 1;
        pthread_create(&th[i], NULL, produce, &prods[i]);
    }
    for (k = 0; k < kills; k++) {
        double t;
        sleep_ms(5 + rand() % 150);
        stop_server(SIGKILL);
        t = now_s();
        start_server();
        /* restarted = answering a query (WAL recovery done) */
        while (query_num("SELECT 1") != 1) sleep_ms(1);
        restart[k] = (now_s() - t) * 1000;
    }
    sleep_ms(200);
    atomic_store(&stop_producers, 1);
    for (i = 0; i < NPROD; i++) pthread_join(th[i], NULL);
    /* one more kill after the last acknowledgement: acked rows survive it */
    stop_server(SIGKILL);
    start_server();
    for (i = 0; i < NPROD; i++) {
        int s, n = atomic_load(&prods[i].next), r;
        char sql[128];
        for (s = 1; s <= n; s++)
            for (r = 0; r < ROWS; r++) sum += row_id(i + 1, s, r);
        want += (long long)n * ROWS;
        acked_new += prods[i].new_rows;
        dups += prods[i].dup_rows;
        tries += prods[i].tries;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM h WHERE p = %d", i + 1);
        got = query_num(sql);
        CHECK(got == (long long)n * ROWS, "producer %d: %lld rows, acknowledged %lld", i + 1, got,
              (long long)n * ROWS);
    }
    got = query_num("SELECT count(*) FROM h");
    distinct = query_num("SELECT count(DISTINCT id) FROM h");
    gsum = query_num("SELECT sum(id) FROM h");
    CHECK(got == want, "count %lld, acknowledged %lld", got, want);
    CHECK(distinct == want, "distinct ids %lld, acknowledged %lld", distinct, want);
    CHECK(gsum == sum, "sum(id) %lld, want %lld", gsum, sum);
    CHECK(acked_new + dups == want, "new %lld + duplicate %lld acks != %lld rows", acked_new, dups,
          want);
    CHECK(WIFEXITED(stop_server(SIGTERM)), "SIGTERM exit");
    qsort(restart, (size_t)kills, sizeof *restart, cmp_double);
    printf("http_soak: %d kills, %lld acknowledged rows in %lld batches (%lld requests), "
           "%lld rows re-acknowledged as duplicates, lost %lld, duplicated %lld; restart p50 %.0f ms "
           "p99 %.0f ms; %.1f s\n",
           kills, want, want / ROWS, tries, dups, want - (distinct < 0 ? 0 : distinct),
           got - distinct, kills ? restart[kills / 2] : 0.0,
           kills ? restart[(kills * 99) / 100] : 0.0, now_s() - t0);
    free(restart);
    if (failures) fprintf(stderr, "http_soak: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}
