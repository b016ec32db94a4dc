/* tests/fault/lock_test.c: one writer per database directory, and read-only
 * opens beside it (issue #12 item 1), with real processes.
 *
 *   lock_test DIR FLOE_SHELL
 *
 * Cases (each in DIR/<case>):
 *  - two_writers: a child process holds the database open for writing; the
 *    parent's writable open gets FLOE_BUSY naming the child's pid, a
 *    read-only open works; after SIGKILL of the child the parent opens it.
 *  - same_process: a second writable open in the same process gets FLOE_BUSY.
 *  - readonly_rejects: after a clean close, a read-only handle reads the data,
 *    rejects INSERT/CREATE/DROP/FLUSH/COPY FROM/appenders with FLOE_READONLY,
 *    and every file in the directory (names and bytes) is unchanged after it
 *    closes; a torn WAL tail stays untouched too.
 *  - readers_beside_writer (the tester's scenario): a writer process appends
 *    ids 1, 2, 3, ... in batches to a one-shard table that flushes every 300
 *    rows, with background merges every 20 ms, and publishes the number of
 *    acknowledged rows in shared memory. The parent reads 50 times, the shell
 *    binary (`FLOE_SHELL DIR -c SQL`, which falls back to a read-only open)
 *    and in-process FLOE_OPEN_READONLY opens in turn: every read succeeds and
 *    sees exactly ids 1..k (count, sum and max agree) with k at least what
 *    was acknowledged before the read, at most what was appended after it,
 *    and never less than the previous read. Then the writer is SIGKILLed and
 *    the database reopens writable with every acknowledged id exactly once
 *    (a reader that removed an in-flight part would make this open fail).
 * Prints "lock_test: N checks passed" or the failures; exit status 1 on any.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "floe.h"

static int failures, checks;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "lock_test:%d: FAILED %s: ", __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
        }                                                                  \
    } while (0)

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Run one query returning one row of BIGINTs into v[0..n). */
static int query_ints(floe_db *db, const char *sql, int64_t *v, uint32_t n)
{
    floe_result *res = NULL;
    uint32_t i;
    int rc = floe_query(db, sql, &res);
    if (rc != FLOE_OK) return rc;
    if (floe_result_row_count(res) != 1) {
        floe_result_free(res);
        return FLOE_ERROR;
    }
    for (i = 0; i < n; i++) v[i] = floe_value_is_null(res, i, 0) ? 0 : floe_value_int64(res, i, 0);
    floe_result_free(res);
    return FLOE_OK;
}

/* ------------------------------------------------------ directory hash */

typedef struct dir_sum {
    char text[65536]; /* "relpath size fnv\n" lines in readdir-sorted order */
    size_t len;
} dir_sum;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sum_dir(const char *root, const char *rel, dir_sum *s)
{
    char path[8400], *names[512];
    int n = 0, i;
    DIR *d;
    struct dirent *e;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    d = opendir(path);
    if (d == NULL) return;
    while ((e = readdir(d)) != NULL && n < 512) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++) {
        char r[4096];
        struct stat st;
        if (strlen(rel) + strlen(names[i]) + 2 > sizeof r) abort();
        if (snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]) >= (int)sizeof r) abort();
        snprintf(path, sizeof path, "%s/%s", root, r);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len, "%s/\n", r);
            sum_dir(root, r, s);
        } else {
            uint64_t h = 1469598103934665603ULL;
            unsigned char buf[8192];
            ssize_t k;
            int fd = open(path, O_RDONLY);
            while (fd >= 0 && (k = read(fd, buf, sizeof buf)) > 0) {
                ssize_t j;
                for (j = 0; j < k; j++) h = (h ^ buf[j]) * 1099511628211ULL;
            }
            if (fd >= 0) close(fd);
            s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                                       "%s %lld %016llx\n", r, (long long)st.st_size,
                                       (unsigned long long)h);
        }
        if (s->len >= sizeof s->text) s->len = sizeof s->text - 1;
        free(names[i]);
    }
}

/* ----------------------------------------------------------- cases */

/* Child: open `dir` writable, create table t, say "ready" on fd, wait to die. */
static void hold_open_child(const char *dir, int fd)
{
    floe_db *db;
    if (floe_db_open(dir, FLOE_OPEN_CREATE, &db) != FLOE_OK ||
        floe_exec(db, "CREATE TABLE t(id BIGINT); INSERT INTO t VALUES (1), (2), (3)") != FLOE_OK)
        _exit(3);
    if (write(fd, "r", 1) != 1) _exit(4);
    for (;;) pause();
}

static void case_two_writers(const char *base)
{
    char dir[4096], want[64], r;
    int p[2];
    pid_t pid;
    floe_db *db = NULL;
    int64_t v[1];
    int rc, status;

    snprintf(dir, sizeof dir, "%s/two_writers", base);
    if (pipe(p) != 0) abort();
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        hold_open_child(dir, p[1]);
    }
    close(p[1]);
    CHECK(read(p[0], &r, 1) == 1, "child did not open the database");
    close(p[0]);

    rc = floe_db_open(dir, 0, &db);
    snprintf(want, sizeof want, "locked by process %ld", (long)pid);
    CHECK(rc == FLOE_BUSY, "second writer: rc %d (%s)", rc, floe_db_errmsg(db));
    CHECK(strstr(floe_db_errmsg(db), want) != NULL, "message '%s' lacks '%s'", floe_db_errmsg(db),
          want);
    floe_db_close(db);

    rc = floe_db_open(dir, FLOE_OPEN_READONLY, &db);
    CHECK(rc == FLOE_OK, "read-only open beside the writer: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        rc = query_ints(db, "SELECT count(*) FROM t", v, 1);
        CHECK(rc == FLOE_OK && v[0] == 3, "read-only count: rc %d, %lld rows (want 3): %s", rc,
              (long long)v[0], floe_db_errmsg(db));
        rc = floe_exec(db, "INSERT INTO t VALUES (4)");
        CHECK(rc == FLOE_READONLY && strstr(floe_db_errmsg(db), want) != NULL,
              "insert read-only: rc %d: %s", rc, floe_db_errmsg(db));
    }
    floe_db_close(db);

    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    rc = floe_db_open(dir, 0, &db);
    CHECK(rc == FLOE_OK, "open after the writer was killed: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        rc = query_ints(db, "SELECT count(*) FROM t", v, 1);
        CHECK(rc == FLOE_OK && v[0] == 3, "count after kill: %lld (want 3)", (long long)v[0]);
    }
    floe_db_close(db);
}

static void case_same_process(const char *base)
{
    char dir[4096], want[64];
    floe_db *a = NULL, *b = NULL;
    int rc;
    snprintf(dir, sizeof dir, "%s/same_process", base);
    rc = floe_db_open(dir, FLOE_OPEN_CREATE, &a);
    CHECK(rc == FLOE_OK, "first open: %s", floe_db_errmsg(a));
    rc = floe_db_open(dir, FLOE_OPEN_CREATE, &b);
    snprintf(want, sizeof want, "locked by process %ld", (long)getpid());
    CHECK(rc == FLOE_BUSY && strstr(floe_db_errmsg(b), want) != NULL,
          "second open in the same process: rc %d: %s", rc, floe_db_errmsg(b));
    floe_db_close(b);
    CHECK(floe_db_close(a) == FLOE_OK, "close");
    rc = floe_db_open(dir, 0, &b);
    CHECK(rc == FLOE_OK, "open after close: %s", floe_db_errmsg(b));
    floe_db_close(b);
    /* an in-memory database takes no lock: two at once are fine */
    CHECK(floe_db_open(NULL, 0, &a) == FLOE_OK && floe_db_open(NULL, 0, &b) == FLOE_OK,
          "two in-memory databases");
    floe_db_close(a);
    floe_db_close(b);
}

static void case_readonly_rejects(const char *base)
{
    static dir_sum before, after;
    char dir[4096], path[4500];
    floe_db *db = NULL;
    floe_appender *app = NULL;
    int64_t v[3];
    int rc, fd;
    static const char *const writes[] = {
        "INSERT INTO t VALUES (99)", "CREATE TABLE u(x INTEGER)", "DROP TABLE t",
        "ALTER TABLE t ADD COLUMN y INTEGER", "FLUSH TABLE t", "COPY t FROM '/dev/null'"};
    size_t i;

    snprintf(dir, sizeof dir, "%s/readonly_rejects", base);
    rc = floe_db_open(dir, FLOE_OPEN_CREATE, &db);
    CHECK(rc == FLOE_OK, "create: %s", floe_db_errmsg(db));
    rc = floe_exec(db, "CREATE TABLE t(id BIGINT) WITH (shards = 1);"
                       "INSERT INTO t VALUES (1), (2), (3); FLUSH TABLE t;"
                       "INSERT INTO t VALUES (4), (5)");
    CHECK(rc == FLOE_OK, "fill: %s", floe_db_errmsg(db));
    floe_db_close(db);
    /* rows 4 and 5 went to parts at close; add WAL-only rows by a writer that
     * dies without closing, and a torn record at the WAL's tail */
    if (fork() == 0) {
        if (floe_db_open(dir, FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK ||
            floe_exec(db, "INSERT INTO t VALUES (6), (7)") != FLOE_OK)
            _exit(3);
        _exit(0); /* no close: 6 and 7 stay in the WAL */
    }
    wait(NULL);
    {
        DIR *d;
        struct dirent *e;
        snprintf(path, sizeof path, "%s/wal", dir);
        d = opendir(path);
        while (d && (e = readdir(d)) != NULL) {
            if (strstr(e->d_name, ".wal") == NULL) continue;
            snprintf(path, sizeof path, "%s/wal/%s", dir, e->d_name);
            fd = open(path, O_WRONLY | O_APPEND);
            CHECK(fd >= 0 && write(fd, "\x40\0\0\0garbage", 11) == 11, "tear %s", path);
            if (fd >= 0) close(fd);
        }
        if (d) closedir(d);
    }
    sum_dir(dir, "", &before);

    rc = floe_db_open(dir, FLOE_OPEN_READONLY, &db);
    CHECK(rc == FLOE_OK, "read-only open: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        rc = query_ints(db, "SELECT count(*), sum(id), max(id) FROM t", v, 3);
        CHECK(rc == FLOE_OK && v[0] == 7 && v[1] == 28 && v[2] == 7,
              "read-only sees parts and WAL: rc %d count %lld sum %lld max %lld", rc,
              (long long)v[0], (long long)v[1], (long long)v[2]);
        for (i = 0; i < sizeof writes / sizeof writes[0]; i++) {
            rc = floe_exec(db, writes[i]);
            CHECK(rc == FLOE_READONLY && strstr(floe_db_errmsg(db), "read-only") != NULL,
                  "%s: rc %d: %s", writes[i], rc, floe_db_errmsg(db));
        }
        rc = floe_appender_open(db, "t", &app);
        CHECK(rc == FLOE_READONLY, "appender: rc %d", rc);
        floe_appender_close(app);
        rc = query_ints(db, "SELECT count(*) FROM t", v, 1);
        CHECK(rc == FLOE_OK && v[0] == 7, "count after the rejected writes: %lld", (long long)v[0]);
    }
    CHECK(floe_db_close(db) == FLOE_OK, "close read-only");
    sum_dir(dir, "", &after);
    CHECK(before.len == after.len && memcmp(before.text, after.text, before.len) == 0,
          "files changed by a read-only handle:\n--- before\n%s--- after\n%s", before.text,
          after.text);
    CHECK(floe_db_open(dir, FLOE_OPEN_READONLY | FLOE_OPEN_CREATE, &db) == FLOE_OK,
          "read-only with CREATE on an existing directory");
    floe_db_close(db);
    snprintf(path, sizeof path, "%s/missing", base);
    CHECK(floe_db_open(path, FLOE_OPEN_READONLY | FLOE_OPEN_CREATE, &db) == FLOE_NOTFOUND &&
              access(path, F_OK) != 0,
          "read-only never creates a directory");
    floe_db_close(db);
    CHECK(floe_db_open(NULL, FLOE_OPEN_READONLY, &db) == FLOE_MISUSE, "read-only in memory");
    floe_db_close(db);

    /* a writer recovers the torn tail afterwards, as before */
    rc = floe_db_open(dir, 0, &db);
    CHECK(rc == FLOE_OK, "writable reopen: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        rc = query_ints(db, "SELECT count(*) FROM t", v, 1);
        CHECK(rc == FLOE_OK && v[0] == 7, "writable count: %lld", (long long)v[0]);
    }
    floe_db_close(db);

    /* after a clean close sqlite's -wal/-shm are gone: a reader must not
     * create them (nor anything else) */
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    sum_dir(dir, "", &before);
    snprintf(path, sizeof path, "%s/catalog.db-wal", dir);
    CHECK(access(path, F_OK) != 0, "no catalog -wal after a clean close");
    rc = floe_db_open(dir, FLOE_OPEN_READONLY, &db);
    CHECK(rc == FLOE_OK, "read-only open after a clean close: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        rc = query_ints(db, "SELECT count(*), sum(id) FROM t", v, 2);
        CHECK(rc == FLOE_OK && v[0] == 7 && v[1] == 28, "clean read-only count %lld", (long long)v[0]);
        CHECK(access(path, F_OK) != 0, "a read-only handle created %s", path);
    }
    floe_db_close(db);
    sum_dir(dir, "", &after);
    CHECK(before.len == after.len && memcmp(before.text, after.text, before.len) == 0,
          "files changed by a read-only handle after a clean close:\n--- before\n%s--- after\n%s",
          before.text, after.text);
}

/* The writer of readers_beside_writer: appends ids 1.. forever. */
#define BATCH 150
static void writer_child(const char *dir, volatile int64_t *acked)
{
    floe_db *db;
    floe_appender *app;
    int64_t ids[BATCH], next = 1;
    const void *data[1] = {ids};
    int i;
    floe_open_options o;
    floe_open_options_init(&o);
    o.flags = FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_OFF;
    o.maintain_interval_ms = 20; /* merges all the time */
    if (floe_db_open_ex(dir, &o, &db) != FLOE_OK ||
        floe_exec(db, "CREATE TABLE t(id BIGINT) WITH (shards = 1, flush_rows = 300, "
                      "flush_interval_ms = 20)") != FLOE_OK ||
        floe_appender_open(db, "t", &app) != FLOE_OK)
        _exit(3);
    for (;;) {
        for (i = 0; i < BATCH; i++) ids[i] = next + i;
        if (floe_appender_append_columns(app, BATCH, data, NULL) != FLOE_OK ||
            floe_appender_flush(app, NULL) != FLOE_OK)
            _exit(4);
        next += BATCH;
        __atomic_store_n(acked, next - 1, __ATOMIC_SEQ_CST);
        sleep_ms(2);
    }
}

static int shell_read(const char *shell, const char *dir, int64_t *v)
{
    char cmd[8192], line[256];
    FILE *f;
    int st;
    snprintf(cmd, sizeof cmd,
             "'%s' '%s' -csv -noheader -c 'SELECT count(*), sum(id), max(id) FROM t' 2>&1", shell,
             dir);
    f = popen(cmd, "r");
    if (f == NULL) return -1;
    line[0] = '\0';
    if (fgets(line, sizeof line, f) == NULL) line[0] = '\0';
    st = pclose(f);
    if (st != 0 || sscanf(line, "%lld,%lld,%lld", (long long *)&v[0], (long long *)&v[1],
                          (long long *)&v[2]) != 3) {
        fprintf(stderr, "lock_test: shell read failed (status %d): %s", st, line);
        return -1;
    }
    return 0;
}

static void case_readers_beside_writer(const char *base, const char *shell)
{
    char dir[4096];
    volatile int64_t *acked = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                   -1, 0);
    pid_t pid;
    int64_t prev = 0, v[3];
    floe_db *db = NULL;
    int i, rc, status;

    snprintf(dir, sizeof dir, "%s/readers", base);
    *acked = 0;
    pid = fork();
    if (pid == 0) writer_child(dir, acked);
    while (__atomic_load_n(acked, __ATOMIC_SEQ_CST) < 2000) sleep_ms(5); /* parts exist */
    for (i = 0; i < 50; i++) {
        int64_t lo = __atomic_load_n(acked, __ATOMIC_SEQ_CST), hi;
        if (i % 2 == 0) {
            rc = shell_read(shell, dir, v);
            CHECK(rc == 0, "read %d through the shell", i);
        } else {
            rc = floe_db_open(dir, FLOE_OPEN_READONLY, &db);
            CHECK(rc == FLOE_OK, "read %d: read-only open: %s", i, floe_db_errmsg(db));
            if (rc == FLOE_OK) rc = query_ints(db, "SELECT count(*), sum(id), max(id) FROM t", v, 3);
            CHECK(rc == FLOE_OK, "read %d: query: %s", i, floe_db_errmsg(db));
            floe_db_close(db);
        }
        hi = __atomic_load_n(acked, __ATOMIC_SEQ_CST) + BATCH; /* one batch in flight */
        if (rc != 0) continue;
        CHECK(v[2] == v[0] && v[1] == v[0] * (v[0] + 1) / 2,
              "read %d: not ids 1..k: count %lld sum %lld max %lld", i, (long long)v[0],
              (long long)v[1], (long long)v[2]);
        CHECK(v[0] >= lo && v[0] <= hi, "read %d: count %lld outside [%lld, %lld]", i,
              (long long)v[0], (long long)lo, (long long)hi);
        CHECK(v[0] >= prev, "read %d: count went down from %lld to %lld", i, (long long)prev,
              (long long)v[0]);
        prev = v[0];
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    rc = floe_db_open(dir, 0, &db);
    CHECK(rc == FLOE_OK, "writable reopen after the writer was killed: %s", floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        int64_t a = *acked;
        rc = query_ints(db, "SELECT count(*), count(DISTINCT id), max(id) FROM t", v, 3);
        CHECK(rc == FLOE_OK && v[0] == v[1] && v[0] == v[2] && v[0] >= a && v[0] <= a + BATCH,
              "after recovery: count %lld distinct %lld max %lld, acknowledged %lld",
              (long long)v[0], (long long)v[1], (long long)v[2], (long long)a);
    }
    floe_db_close(db);
    fprintf(stderr, "lock_test: readers saw up to %lld rows\n", (long long)prev);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: lock_test DIR FLOE_SHELL\n");
        return 2;
    }
    case_same_process(argv[1]);
    case_two_writers(argv[1]);
    case_readonly_rejects(argv[1]);
    case_readers_beside_writer(argv[1], argv[2]);
    if (failures) {
        fprintf(stderr, "lock_test: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("lock_test: %d checks passed\n", checks);
    return 0;
}
