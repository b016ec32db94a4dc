/* tests/fault/crash_soak.c: kill -9 a process writing through every write
 * path at once, and check that acknowledged batches survive exactly once
 * and that no batch is ever partly present.
 *
 * The parent creates three tables, all (k BIGINT, bid BIGINT, id BIGINT,
 * payload VARCHAR), flushing every few thousand rows or tens of ms:
 *   idem  PARTITION BY (k), 4 shards: two idempotent producers
 *         (floe_appender_append_idempotent, rows of a batch on all shards);
 *   mix   unpartitioned, 3 shards: row-at-a-time appends (one batch = up to
 *         1500 rows then floe_appender_flush) and column batches (1..3
 *         floe_appender_append_columns per floe_appender_flush);
 *   stmt  unpartitioned, 2 shards: INSERT ... VALUES (up to 200 rows) through
 *         floe_exec, and COPY FROM files the parent wrote beforehand, small
 *         ones (ingest path) and big ones (>= FLOE_COPY_BULK_ROWS: the path
 *         that writes a part directly).
 * A child runs one thread per writer plus one issuing FLUSH, with
 * maintain_interval_ms shortened so merges run constantly (see
 * child_tuning). Even runs open with durability FULL, odd ones with the
 * default batch durability; in both, a batch counts as acknowledged only
 * when the API says it is durable: idempotent append, INSERT and COPY on
 * return, appender rows and column batches when floe_appender_flush returns.
 *
 * Batches: writer w numbers its batches c = 1, 2, ...; batch id bid =
 * w << 24 | c; its rows have id = bid << 20 | i for i < batch_rows(w, c) (a
 * pure function, so the parent knows every batch's size), k = id % 61 and
 * payload 'p<id>'. The child writes START(w, c) on a pipe before it sends a
 * batch and ACK(w, c) once it is durable, and FLUSH when it issues one.
 * Idempotent producers persist nothing: the parent tells the next child the
 * last acknowledged seq and the child RETRIES the next one (the one maybe in
 * flight) with the same (producer, seq) and the same rows, as a Kafka
 * producer would. The other writers continue after the last started batch.
 *
 * The parent SIGKILLs the child at random times or aimed (kill_mode): when a
 * part-*.tmp directory appears (a flush, merge or bulk COPY writing a part),
 * when one appears while the table has more than
 * FLOE_MAINTAIN_MIN_PARTS parts (likely a merge), just after a FLUSH was
 * issued, or just after a COPY started. Then it reopens the database
 * (timing the open: recovery time) and checks every table with one GROUP BY
 * bid query: every acknowledged batch whole and exactly once, no duplicate
 * row, no batch partly present, every row's k/payload matching its id (at
 * every 10th check and the last: string work on every row is slow), no
 * unknown batch. A batch seen whole must stay whole; a non-idempotent batch
 * seen absent must stay absent. Every problem is printed with table,
 * writer, batch and ids, counted once, and the soak goes on.
 *
 * Usage: crash_soak DIR [KILLS]   (env FLOE_CRASH_SOAK=N overrides KILLS,
 * FLOE_CRASH_SEED=S fixes the seed). DIR must not exist or be empty; the
 * COPY files go to DIR.copy. Prints the figures, then
 * "crash_soak: N passed, M failed"; exits 1 on any failure.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"

/* ------------------------------------------------------------- model */

enum { T_IDEM, T_MIX, T_STMT, NTABLES };
enum { W_IDEM1, W_IDEM2, W_ROWS, W_COLS, W_INSERT, W_COPY, NWRITERS };

static const char *const table_names[NTABLES] = {"idem", "mix", "stmt"};
static const char *const table_ddl[NTABLES] = {
    "CREATE TABLE idem (k BIGINT NOT NULL, bid BIGINT NOT NULL, id BIGINT NOT NULL, payload "
    "VARCHAR) PARTITION BY (k) WITH (shards = 4, flush_rows = 2000, flush_interval_ms = 30)",
    "CREATE TABLE mix (k BIGINT NOT NULL, bid BIGINT NOT NULL, id BIGINT NOT NULL, payload "
    "VARCHAR) WITH (shards = 3, flush_rows = 3000, flush_interval_ms = 30)",
    "CREATE TABLE stmt (k BIGINT NOT NULL, bid BIGINT NOT NULL, id BIGINT NOT NULL, payload "
    "VARCHAR) WITH (shards = 2, flush_rows = 5000, flush_interval_ms = 40)",
};

static const struct writer_def {
    const char *name;
    int table;
    int idempotent;
} writers[NWRITERS] = {
    {"idempotent-1", T_IDEM, 1}, {"idempotent-2", T_IDEM, 1}, {"row-appends", T_MIX, 0},
    {"column-batches", T_MIX, 0}, {"insert", T_STMT, 0},      {"copy", T_STMT, 0},
};

#define BIG_COPY_ROWS 101000 /* above api/copy.h FLOE_COPY_BULK_ROWS (100000) */
#define COPY_AHEAD 6         /* COPY files the parent writes for each child */
#define MERGE_MIN_PARTS 8    /* api/maintain.h FLOE_MAINTAIN_MIN_PARTS */
#define MAX_BATCH 3000       /* largest non-COPY batch */
#define THROTTLE_MS 25       /* writers pause between batches: keeps the
                                tables small enough to check hundreds of times */

static int64_t make_bid(int w, uint64_t c) { return (int64_t)((uint64_t)w << 24 | c); }
static int64_t row_id(int64_t bid, uint32_t i) { return (int64_t)((uint64_t)bid << 20 | i); }

/* Rows of writer w's batch c: a pure function both processes compute. */
static uint32_t batch_rows(int w, uint64_t c)
{
    uint64_t h = (c + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)(w + 1) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    switch (w) {
    case W_IDEM1:
    case W_IDEM2: return 40 + (uint32_t)(h % 600);
    case W_ROWS: return 1 + (uint32_t)(h % 1500); /* < FLOE_VEC_SIZE: one hand-off */
    case W_COLS: return 1 + (uint32_t)(h % MAX_BATCH); /* some span 2 vectors */
    case W_INSERT: return 1 + (uint32_t)(h % 200);
    default: return h % 16 == 0 ? BIG_COPY_ROWS : 500 + (uint32_t)(h % 4500);
    }
}

static int payload_of(int64_t id, char *buf, size_t cap)
{
    return snprintf(buf, cap, "p%" PRId64, id);
}

/* The pipe protocol: fixed 16-byte messages (atomic on a pipe). */
enum { M_START = 1, M_ACK, M_FLUSH };
typedef struct msg {
    uint32_t type;
    uint32_t w; /* writer, or table for M_FLUSH */
    uint64_t c;
} msg;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)((ms - ts.tv_sec * 1000.0) * 1e6);
    nanosleep(&ts, NULL);
}

static void copy_path(const char *dir, uint64_t c, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s.copy/copy-%" PRIu64 ".csv", dir, c);
}

/* -------------------------------------------------------------- child */

/* What the parent tells a child. */
typedef struct child_plan {
    const char *dir;
    int fd;             /* pipe to the parent */
    int full;           /* FLOE_OPEN_DURABILITY_FULL, else batch */
    uint64_t next[NWRITERS]; /* first batch each writer sends (idempotent: the retry) */
    uint64_t copy_end;  /* COPY files exist for batches [next[W_COPY], copy_end) */
    unsigned seed;
} child_plan;

typedef struct writer_ctx {
    const child_plan *plan;
    floe_db *db;
    int w;
} writer_ctx;

/* Every tuning of this test's opens, in one place: merges every 20 ms
 * instead of every second. */
static void child_tuning(floe_open_options *o, unsigned flags)
{
    floe_open_options_init(o);
    o->flags = flags;
    o->maintain_interval_ms = 20;
}

static void child_die(const writer_ctx *x, const char *what, const char *msg_text)
{
    fprintf(stderr, "crash_soak: child %s: %s: %s\n",
            x->w < NWRITERS ? writers[x->w].name : "flusher", what, msg_text);
    _exit(3);
}

static void report(const writer_ctx *x, uint32_t type, uint64_t c)
{
    msg m;
    m.type = type;
    m.w = (uint32_t)x->w;
    m.c = c;
    if (write(x->plan->fd, &m, sizeof m) != (ssize_t)sizeof m) _exit(4);
}

/* Column buffers for one batch of up to MAX_BATCH rows. */
typedef struct colbuf {
    int64_t k[MAX_BATCH], bid[MAX_BATCH], id[MAX_BATCH];
    floe_string p[MAX_BATCH];
    char pbuf[MAX_BATCH][24];
    const void *data[4];
} colbuf;

static void colbuf_fill(colbuf *b, int64_t bid, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        b->id[i] = row_id(bid, i);
        b->k[i] = b->id[i] % 61;
        b->bid[i] = bid;
        b->p[i].len = (uint32_t)payload_of(b->id[i], b->pbuf[i], sizeof b->pbuf[i]);
        b->p[i].ptr = b->pbuf[i];
    }
    b->data[0] = b->k;
    b->data[1] = b->bid;
    b->data[2] = b->id;
    b->data[3] = b->p;
}

static floe_appender *open_appender(writer_ctx *x)
{
    floe_appender *app = NULL;
    if (floe_appender_open(x->db, table_names[writers[x->w].table], &app) != FLOE_OK)
        child_die(x, "appender open", app ? floe_appender_errmsg(app) : floe_db_errmsg(x->db));
    return app;
}

/* Idempotent producer: batch c is (producer w + 1, seq c); the first one is
 * the retry of the batch that may have been in flight at the last kill. */
static void *write_idempotent(void *arg)
{
    writer_ctx *x = arg;
    floe_appender *app = open_appender(x);
    colbuf *b = malloc(sizeof *b);
    uint64_t c;
    if (b == NULL) child_die(x, "malloc", "");
    for (c = x->plan->next[x->w];; c++) {
        uint32_t n = batch_rows(x->w, c);
        int dup = 0;
        colbuf_fill(b, make_bid(x->w, c), n);
        report(x, M_START, c);
        if (floe_appender_append_idempotent(app, (uint64_t)x->w + 1, c, n, b->data, NULL, &dup) !=
            FLOE_OK)
            child_die(x, "append_idempotent", floe_appender_errmsg(app));
        report(x, M_ACK, c);
        sleep_ms(THROTTLE_MS);
    }
    return NULL;
}

/* Row-at-a-time appends; a batch is acknowledged by floe_appender_flush. */
static void *write_rows(void *arg)
{
    writer_ctx *x = arg;
    floe_appender *app = open_appender(x);
    uint64_t c;
    char p[24];
    for (c = x->plan->next[x->w];; c++) {
        uint32_t n = batch_rows(x->w, c), i;
        int64_t bid = make_bid(x->w, c);
        report(x, M_START, c);
        for (i = 0; i < n; i++) {
            int64_t id = row_id(bid, i);
            int len = payload_of(id, p, sizeof p);
            if (floe_append_int64(app, id % 61) || floe_append_int64(app, bid) ||
                floe_append_int64(app, id) || floe_append_string(app, p, len) ||
                floe_appender_end_row(app))
                child_die(x, "append row", floe_appender_errmsg(app));
        }
        if (floe_appender_flush(app, NULL) != FLOE_OK)
            child_die(x, "flush", floe_appender_errmsg(app));
        report(x, M_ACK, c);
        sleep_ms(THROTTLE_MS);
    }
    return NULL;
}

/* Column batches: 1..3 appends, then one floe_appender_flush acknowledges
 * them all. */
static void *write_columns(void *arg)
{
    writer_ctx *x = arg;
    floe_appender *app = open_appender(x);
    colbuf *b = malloc(sizeof *b);
    uint64_t c = x->plan->next[x->w], c0;
    unsigned seed = x->plan->seed ^ 0x5bd1e995u;
    if (b == NULL) child_die(x, "malloc", "");
    for (;;) {
        int k, nb = 1 + rand_r(&seed) % 3;
        for (c0 = c, k = 0; k < nb; k++, c++) {
            uint32_t n = batch_rows(x->w, c);
            colbuf_fill(b, make_bid(x->w, c), n);
            report(x, M_START, c);
            if (floe_appender_append_columns(app, n, b->data, NULL) != FLOE_OK)
                child_die(x, "append_columns", floe_appender_errmsg(app));
        }
        if (floe_appender_flush(app, NULL) != FLOE_OK)
            child_die(x, "flush", floe_appender_errmsg(app));
        for (; c0 < c; c0++) report(x, M_ACK, c0);
        sleep_ms(2 * THROTTLE_MS);
    }
    return NULL;
}

/* INSERT INTO stmt VALUES (...), ... : acknowledged when floe_exec returns. */
static void *write_insert(void *arg)
{
    writer_ctx *x = arg;
    size_t cap = 256 + 200 * 96;
    char *sql = malloc(cap);
    uint64_t c;
    if (sql == NULL) child_die(x, "malloc", "");
    for (c = x->plan->next[x->w];; c++) {
        uint32_t n = batch_rows(x->w, c), i;
        int64_t bid = make_bid(x->w, c);
        size_t len = (size_t)snprintf(sql, cap, "INSERT INTO stmt VALUES ");
        for (i = 0; i < n; i++) {
            int64_t id = row_id(bid, i);
            len += (size_t)snprintf(sql + len, cap - len, "%s(%" PRId64 ", %" PRId64 ", %" PRId64
                                    ", 'p%" PRId64 "')", i ? ", " : "", id % 61, bid, id, id);
        }
        report(x, M_START, c);
        if (floe_exec(x->db, sql) != FLOE_OK) child_die(x, "INSERT", floe_db_errmsg(x->db));
        report(x, M_ACK, c);
        sleep_ms(THROTTLE_MS / 2);
    }
    return NULL;
}

/* COPY stmt FROM the files the parent wrote; acknowledged when floe_exec
 * returns. Idles when they are used up. */
static void *write_copy(void *arg)
{
    writer_ctx *x = arg;
    uint64_t c;
    char path[4096], sql[4200];
    for (c = x->plan->next[x->w]; c < x->plan->copy_end; c++) {
        copy_path(x->plan->dir, c, path, sizeof path);
        snprintf(sql, sizeof sql, "COPY stmt FROM '%s'", path);
        report(x, M_START, c);
        if (floe_exec(x->db, sql) != FLOE_OK) child_die(x, "COPY", floe_db_errmsg(x->db));
        report(x, M_ACK, c);
        sleep_ms(2 * THROTTLE_MS);
    }
    for (;;) sleep_ms(1000);
    return NULL;
}

/* FLUSH a random table every few ms, telling the parent first. */
static void *write_flushes(void *arg)
{
    writer_ctx *x = arg;
    unsigned seed = x->plan->seed;
    char sql[64];
    for (;;) {
        int t = rand_r(&seed) % NTABLES;
        msg m = {M_FLUSH, (uint32_t)t, 0};
        sleep_ms(5 + rand_r(&seed) % 40);
        if (write(x->plan->fd, &m, sizeof m) != (ssize_t)sizeof m) _exit(4);
        snprintf(sql, sizeof sql, "FLUSH %s", table_names[t]);
        if (floe_exec(x->db, sql) != FLOE_OK) child_die(x, "FLUSH", floe_db_errmsg(x->db));
    }
    return NULL;
}

static void child_main(const child_plan *plan)
{
    static void *(*const fns[NWRITERS])(void *) = {write_idempotent, write_idempotent,
                                                   write_rows,       write_columns,
                                                   write_insert,     write_copy};
    writer_ctx ctx[NWRITERS + 1];
    pthread_t th[NWRITERS + 1];
    floe_db *db = NULL;
    floe_open_options oo;
    int w;
    child_tuning(&oo, plan->full ? FLOE_OPEN_DURABILITY_FULL : 0);
    if (floe_db_open_ex(plan->dir, &oo, &db) != FLOE_OK) {
        fprintf(stderr, "crash_soak: child open: %s\n", floe_db_errmsg(db));
        _exit(3);
    }
    for (w = 0; w <= NWRITERS; w++) {
        ctx[w].plan = plan;
        ctx[w].db = db;
        ctx[w].w = w; /* NWRITERS: the FLUSH thread */
        if (pthread_create(&th[w], NULL, w < NWRITERS ? fns[w] : write_flushes, &ctx[w]) != 0)
            _exit(3);
    }
    for (;;) sleep_ms(1000); /* until SIGKILL */
}

/* ------------------------------------------------------------- parent */

/* Batch states in the parent. */
enum {
    S_NONE,    /* never sent */
    S_STARTED, /* sent, not acknowledged: may be present (whole) or absent */
    S_ACKED,   /* acknowledged: must be present, whole, once */
    S_PRESENT, /* seen whole after a kill: must stay */
    S_ABSENT,  /* seen absent and never retried: must stay absent */
    S_PARTIAL, /* idempotent, seen partial before its retry was acknowledged */
    S_FAILED   /* a failure was reported for it: not checked again */
};

typedef struct writer_state {
    uint8_t *st; /* by batch number */
    uint64_t cap;
    uint64_t last_started, last_acked;
} writer_state;

typedef struct soak {
    const char *dir;
    writer_state ws[NWRITERS];
    uint64_t copy_written; /* COPY files exist for batches < copy_written */
    /* figures */
    uint64_t acked_rows, acked_batches, lost_rows, lost_batches, dup_rows, partial_batches;
    uint64_t bad_rows, phantom_batches, resurrected, open_failures, child_failures;
    uint64_t flushes_seen;
    uint64_t w_lost[NWRITERS], w_partial[NWRITERS], w_dup[NWRITERS]; /* by write path */
    int kills_by_mode[5], aimed_hits[5];
    double *recovery_ms;
    int nrecovery;
} soak;

static const char *const mode_names[5] = {"random", "part-tmp", "merge", "after-FLUSH",
                                          "in-COPY"};

static uint8_t *state_at(writer_state *ws, uint64_t c)
{
    if (c >= ws->cap) {
        uint64_t cap = ws->cap ? ws->cap : 1024;
        uint8_t *st;
        while (cap <= c) cap *= 2;
        st = realloc(ws->st, cap);
        if (st == NULL) {
            fprintf(stderr, "crash_soak: out of memory\n");
            exit(2);
        }
        memset(st + ws->cap, 0, cap - ws->cap);
        ws->st = st;
        ws->cap = cap;
    }
    return &ws->st[c];
}

static void on_msg(soak *s, const msg *m)
{
    writer_state *ws;
    uint8_t *st;
    if (m->type == M_FLUSH) {
        s->flushes_seen++;
        return;
    }
    if (m->w >= NWRITERS) return;
    ws = &s->ws[m->w];
    st = state_at(ws, m->c);
    if (m->type == M_START) {
        if (*st == S_NONE) *st = S_STARTED;
        if (m->c > ws->last_started) ws->last_started = m->c;
    } else if (m->type == M_ACK) {
        if (*st == S_NONE || *st == S_STARTED || *st == S_PARTIAL) {
            /* a partial idempotent batch whose retry is acknowledged (as a
             * duplicate) is checked again: are its rows there now? */
            *st = S_ACKED;
            s->acked_batches++;
            s->acked_rows += batch_rows((int)m->w, m->c);
        }
        if (m->c > ws->last_acked) ws->last_acked = m->c;
    }
}

/* Read the messages available (or wait up to timeout_ms for some). Returns
 * the messages read into *last (the last one) and their count. */
static int drain(soak *s, int fd, int timeout_ms, msg *last)
{
    static char buf[16 * 256];
    static size_t have;
    struct pollfd pf = {fd, POLLIN, 0};
    int got = 0;
    ssize_t r;
    size_t i;
    if (poll(&pf, 1, timeout_ms) <= 0) return 0;
    r = read(fd, buf + have, sizeof buf - have);
    if (r <= 0) return r == 0 ? -1 : 0;
    have += (size_t)r;
    for (i = 0; i + sizeof(msg) <= have; i += sizeof(msg)) {
        msg m;
        memcpy(&m, buf + i, sizeof m);
        on_msg(s, &m);
        if (last) *last = m;
        got++;
    }
    memmove(buf, buf + i, have - i);
    have -= i;
    return got;
}

/* Scan DIR/tables/<id>/ for part-*.tmp: returns 1 when one exists (and,
 * with want_merge, only in a table directory holding more than
 * MERGE_MIN_PARTS parts). */
static int tmp_part_exists(const char *dir, int want_merge)
{
    char path[4096];
    DIR *d, *td;
    struct dirent *e, *f;
    int found = 0;
    snprintf(path, sizeof path, "%s/tables", dir);
    if ((d = opendir(path)) == NULL) return 0;
    while (!found && (e = readdir(d)) != NULL) {
        char sub[4096 + 300];
        int parts = 0, tmp = 0;
        if (e->d_name[0] == '.') continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if ((td = opendir(sub)) == NULL) continue;
        while ((f = readdir(td)) != NULL) {
            size_t len = strlen(f->d_name);
            if (strncmp(f->d_name, "part-", 5) != 0) continue;
            if (len > 4 && strcmp(f->d_name + len - 4, ".tmp") == 0)
                tmp = 1;
            else
                parts++;
        }
        closedir(td);
        found = tmp && (!want_merge || parts > MERGE_MIN_PARTS);
    }
    closedir(d);
    return found;
}

/* Write the COPY files of batches [from, to). */
static void write_copy_files(soak *s, uint64_t from, uint64_t to)
{
    char path[4096], p[24];
    uint64_t c;
    for (c = from; c < to; c++) {
        int64_t bid = make_bid(W_COPY, c);
        uint32_t n = batch_rows(W_COPY, c), i;
        FILE *f;
        copy_path(s->dir, c, path, sizeof path);
        if ((f = fopen(path, "w")) == NULL) {
            fprintf(stderr, "crash_soak: %s: %s\n", path, strerror(errno));
            exit(2);
        }
        for (i = 0; i < n; i++) {
            int64_t id = row_id(bid, i);
            payload_of(id, p, sizeof p);
            fprintf(f, "%" PRId64 ",%" PRId64 ",%" PRId64 ",%s\n", id % 61, bid, id, p);
        }
        if (fclose(f) != 0) exit(2);
    }
}

/* Run one child until the kill; returns 0, or 1 when the child died by
 * itself (an API error it printed). */
static int run_child(soak *s, int k, unsigned seed)
{
    child_plan plan;
    int fds[2], w, status, mode = k % 5, hit = 0;
    pid_t pid;
    double t0, budget;
    msg last;

    memset(&plan, 0, sizeof plan);
    plan.dir = s->dir;
    plan.full = k % 2 == 0;
    plan.seed = seed;
    for (w = 0; w < NWRITERS; w++)
        plan.next[w] = (writers[w].idempotent ? s->ws[w].last_acked : s->ws[w].last_started) + 1;
    plan.copy_end = plan.next[W_COPY] + COPY_AHEAD;
    if (s->copy_written < plan.copy_end) {
        write_copy_files(s, s->copy_written > plan.next[W_COPY] ? s->copy_written
                                                                : plan.next[W_COPY],
                         plan.copy_end);
        s->copy_written = plan.copy_end;
    }
    if (pipe(fds) != 0) exit(2);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) exit(2);
    if (pid == 0) {
        close(fds[0]);
        plan.fd = fds[1];
        child_main(&plan);
        _exit(0);
    }
    close(fds[1]);
    s->kills_by_mode[mode]++;
    t0 = now_ms();
    budget = 30 + rand() % 400;
    if (mode == 0) {
        while (now_ms() - t0 < budget)
            if (drain(s, fds[0], 5, NULL) < 0) break;
    } else if (mode == 1 || mode == 2) {
        /* after a warm-up, kill as soon as a part is being written */
        while (now_ms() - t0 < 20) drain(s, fds[0], 1, NULL);
        while (now_ms() - t0 < 2500) {
            if (tmp_part_exists(s->dir, mode == 2)) {
                hit = 1;
                break;
            }
            if (drain(s, fds[0], 0, NULL) < 0) break;
        }
    } else {
        /* kill a random 0..3 ms after the n-th FLUSH, or after a COPY started */
        int want = 1 + rand() % 4, seen = 0;
        double delay = (rand() % 4000) / 1000.0;
        if (mode == 4) delay = (rand() % 30000) / 1000.0;
        while (now_ms() - t0 < 2500) {
            int r = drain(s, fds[0], 1, &last);
            if (r < 0) break;
            if (r > 0 && ((mode == 3 && last.type == M_FLUSH) ||
                          (mode == 4 && last.type == M_START && last.w == W_COPY)) &&
                ++seen >= (mode == 3 ? want : 1)) {
                hit = 1;
                sleep_ms(delay);
                break;
            }
        }
    }
    s->aimed_hits[mode] += hit;
    kill(pid, SIGKILL);
    while (drain(s, fds[0], 1000, NULL) >= 0) {
    }
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
        fprintf(stderr, "crash_soak: kill %d: the child ended by itself (status 0x%x)\n", k,
                status);
        return 1;
    }
    return 0;
}

/* Check one table after a restart; returns the number of problems. */
static int check_table(soak *s, floe_db *db, int t, int k, int payloads)
{
    char sql[512];
    floe_result *res = NULL;
    uint8_t *seen[NWRITERS];
    uint64_t r, nrows, c;
    int w, problems = 0;
    snprintf(sql, sizeof sql,
             "SELECT bid, count(*), count(DISTINCT id), min(id), max(id), %s FROM %s GROUP BY bid",
             payloads ? "sum(CASE WHEN payload = 'p' || CAST(id AS VARCHAR) AND k = id % 61 AND "
                        "id / 1048576 = bid THEN 0 ELSE 1 END)"
                      : "sum(CASE WHEN id / 1048576 = bid THEN 0 ELSE 1 END)",
             table_names[t]);
    if (floe_query(db, sql, &res) != FLOE_OK) {
        fprintf(stderr, "crash_soak: kill %d: %s: %s\n", k, sql, floe_db_errmsg(db));
        return 1;
    }
    for (w = 0; w < NWRITERS; w++)
        seen[w] = writers[w].table == t ? calloc(s->ws[w].last_started + 2, 1) : NULL;
    nrows = floe_result_row_count(res);
    for (r = 0; r < nrows; r++) {
        int64_t bid = floe_value_int64(res, 0, r), cnt = floe_value_int64(res, 1, r);
        int64_t distinct = floe_value_int64(res, 2, r), lo = floe_value_int64(res, 3, r);
        int64_t hi = floe_value_int64(res, 4, r), bad = floe_value_int64(res, 5, r);
        int64_t n;
        uint8_t *st;
        w = (int)(bid >> 24);
        c = (uint64_t)bid & 0xffffff;
        if (w < 0 || w >= NWRITERS || writers[w].table != t || c == 0 ||
            c > s->ws[w].last_started) {
            fprintf(stderr, "crash_soak: kill %d: %s: unknown batch %" PRId64 " (%" PRId64
                            " rows)\n", k, table_names[t], bid, cnt);
            s->phantom_batches++;
            problems++;
            continue;
        }
        n = batch_rows(w, c);
        st = state_at(&s->ws[w], c);
        seen[w][c] = 1;
        if (*st == S_FAILED) continue;
        if (*st == S_PARTIAL && cnt < n) continue; /* counted; its retry decides */
        if (bad != 0) {
            fprintf(stderr, "crash_soak: kill %d: %s %s batch %" PRIu64 ": %" PRId64
                            " rows whose k/payload/bid do not match their id\n",
                    k, table_names[t], writers[w].name, c, bad);
            s->bad_rows += (uint64_t)bad;
            problems++;
        }
        if (cnt == n && distinct == n && lo == row_id(bid, 0) && hi == row_id(bid, (uint32_t)n - 1)) {
            if (*st == S_ABSENT) {
                fprintf(stderr, "crash_soak: kill %d: %s %s batch %" PRIu64
                                " was absent after an earlier kill and is back\n",
                        k, table_names[t], writers[w].name, c);
                s->resurrected++;
                problems++;
                *st = S_FAILED;
            } else if (bad == 0) {
                *st = S_PRESENT;
            } else {
                *st = S_FAILED;
            }
            continue;
        }
        fprintf(stderr, "crash_soak: kill %d: %s %s batch %" PRIu64 " (bid %" PRId64
                        ", ids %" PRId64 "..%" PRId64 ", %" PRId64 " rows, %s): %" PRId64
                        " rows present, %" PRId64 " distinct, ids %" PRId64 "..%" PRId64 "\n",
                k, table_names[t], writers[w].name, c, bid, row_id(bid, 0),
                row_id(bid, (uint32_t)n - 1), n,
                *st == S_ACKED ? "acknowledged" : *st == S_PRESENT ? "seen whole before"
                                                                   : "not acknowledged",
                cnt, distinct, lo, hi);
        problems++;
        if (cnt > distinct) {
            s->dup_rows += (uint64_t)(cnt - distinct);
            s->w_dup[w] += (uint64_t)(cnt - distinct);
        }
        if (distinct < n) {
            if (*st != S_PARTIAL) {
                s->partial_batches++;
                s->w_partial[w]++;
            }
            if (*st == S_ACKED || *st == S_PRESENT) {
                s->lost_rows += (uint64_t)(n - distinct);
                s->w_lost[w] += (uint64_t)(n - distinct);
            }
            if (*st == S_STARTED && writers[w].idempotent && cnt == distinct) {
                *st = S_PARTIAL; /* the next child retries it */
                continue;
            }
        }
        *st = S_FAILED;
    }
    floe_result_free(res);
    /* batches not there at all */
    for (w = 0; w < NWRITERS; w++) {
        if (seen[w] == NULL) continue;
        for (c = 1; c <= s->ws[w].last_started; c++) {
            uint8_t *st = state_at(&s->ws[w], c);
            if (seen[w][c]) continue;
            if (*st == S_ACKED || *st == S_PRESENT) {
                fprintf(stderr, "crash_soak: kill %d: %s %s batch %" PRIu64 " (bid %" PRId64
                                ", %u rows, %s) is missing\n",
                        k, table_names[t], writers[w].name, c, make_bid(w, c),
                        batch_rows(w, c), *st == S_ACKED ? "acknowledged" : "seen whole before");
                s->lost_rows += batch_rows(w, c);
                s->w_lost[w] += batch_rows(w, c);
                s->lost_batches++;
                *st = S_FAILED;
                problems++;
            } else if (*st == S_STARTED && !writers[w].idempotent) {
                *st = S_ABSENT; /* never retried: must stay absent */
            }
        }
        free(seen[w]);
    }
    return problems;
}

/* Reopen (timed), check every table, close. Returns the problems found. */
static int check_db(soak *s, int k, int payloads)
{
    floe_db *db = NULL;
    double t0 = now_ms(), t1, t2;
    int rc = floe_db_open(s->dir, 0, &db), t, problems = 0;
    s->recovery_ms[s->nrecovery++] = now_ms() - t0;
    if (rc != FLOE_OK) {
        fprintf(stderr, "crash_soak: kill %d: reopen failed: %s: %s\n", k, floe_errstr(rc),
                floe_db_errmsg(db));
        floe_db_close(db);
        s->open_failures++;
        return 1;
    }
    t1 = now_ms();
    for (t = 0; t < NTABLES; t++) problems += check_table(s, db, t, k, payloads);
    t2 = now_ms();
    if ((rc = floe_db_close(db)) != FLOE_OK) {
        fprintf(stderr, "crash_soak: kill %d: close: %s\n", k, floe_errstr(rc));
        problems++;
    }
    printf("crash_soak: kill %d (%s): open %.1f ms, check %.1f ms, close %.1f ms, %d problems\n",
           k, mode_names[k % 5], t1 - t0, t2 - t1, now_ms() - t2, problems);
    return problems;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(const double *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return n ? v[i] : 0;
}

int main(int argc, char **argv)
{
    const char *env = getenv("FLOE_CRASH_SOAK"), *seed_env = getenv("FLOE_CRASH_SEED");
    char path[4096];
    floe_db *db = NULL;
    soak s;
    int kills, k, t, passed = 0, failed = 0;
    unsigned seed;
    double t_start = now_ms();

    if (argc < 2) {
        fprintf(stderr, "usage: crash_soak DIR [KILLS]\n");
        return 2;
    }
    memset(&s, 0, sizeof s);
    s.dir = argv[1];
    s.copy_written = 1;
    kills = env && *env ? atoi(env) : argc > 2 ? atoi(argv[2]) : 25;
    seed = seed_env && *seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
    srand(seed);
    s.recovery_ms = calloc((size_t)kills + 1, sizeof *s.recovery_ms);
    printf("crash_soak: dir %s, %d kills, seed %u (FLOE_CRASH_SEED reproduces)\n", s.dir, kills,
           seed);
    snprintf(path, sizeof path, "%s.copy", s.dir);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "crash_soak: mkdir %s: %s\n", path, strerror(errno));
        return 2;
    }
    if (floe_db_open(s.dir, FLOE_OPEN_CREATE, &db) != FLOE_OK) {
        fprintf(stderr, "crash_soak: open: %s\n", floe_db_errmsg(db));
        return 2;
    }
    for (t = 0; t < NTABLES; t++)
        if (floe_exec(db, table_ddl[t]) != FLOE_OK) {
            fprintf(stderr, "crash_soak: %s: %s\n", table_ddl[t], floe_db_errmsg(db));
            return 2;
        }
    floe_db_close(db);

    for (k = 0; k < kills; k++) {
        int problems = run_child(&s, k, seed + (unsigned)k);
        if (problems) s.child_failures++;
        /* payloads are compared to their ids (slow: string work on every
         * row) at every 10th check and the last one */
        problems += check_db(&s, k, k % 10 == 9 || k == kills - 1);
        if (problems)
            failed++;
        else
            passed++;
    }

    qsort(s.recovery_ms, (size_t)s.nrecovery, sizeof *s.recovery_ms, cmp_double);
    printf("crash_soak: kills %d:", kills);
    for (k = 0; k < 5; k++)
        printf(" %s %d%s", mode_names[k], s.kills_by_mode[k], k == 0 ? "" : "");
    printf("; aimed kills that hit their target:");
    for (k = 1; k < 5; k++) printf(" %s %d/%d", mode_names[k], s.aimed_hits[k], s.kills_by_mode[k]);
    printf("\n");
    printf("crash_soak: acknowledged rows %" PRIu64 " (%" PRIu64 " batches), FLUSHes %" PRIu64
           "\n", s.acked_rows, s.acked_batches, s.flushes_seen);
    printf("crash_soak: lost rows %" PRIu64 " (whole batches missing %" PRIu64
           "), duplicated rows %" PRIu64 ", partial batches %" PRIu64 ", bad rows %" PRIu64
           ", unknown batches %" PRIu64 ", resurrected batches %" PRIu64 ", open failures %" PRIu64
           ", child failures %" PRIu64 "\n",
           s.lost_rows, s.lost_batches, s.dup_rows, s.partial_batches, s.bad_rows,
           s.phantom_batches, s.resurrected, s.open_failures, s.child_failures);
    for (k = 0; k < NWRITERS; k++)
        if (s.w_lost[k] || s.w_partial[k] || s.w_dup[k])
            printf("crash_soak:   %s (table %s): lost rows %" PRIu64 ", partial batches %" PRIu64
                   ", duplicated rows %" PRIu64 "\n",
                   writers[k].name, table_names[writers[k].table], s.w_lost[k], s.w_partial[k],
                   s.w_dup[k]);
    printf("crash_soak: recovery (open) ms p50 %.1f p99 %.1f max %.1f; wall %.1f s\n",
           percentile(s.recovery_ms, s.nrecovery, 0.5), percentile(s.recovery_ms, s.nrecovery, 0.99),
           s.nrecovery ? s.recovery_ms[s.nrecovery - 1] : 0, (now_ms() - t_start) / 1e3);
    printf("crash_soak: %d passed, %d failed\n", passed, failed);
    for (k = 0; k < NWRITERS; k++) free(s.ws[k].st);
    free(s.recovery_ms);
    return failed ? 1 : 0;
}
