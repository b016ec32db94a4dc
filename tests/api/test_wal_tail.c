/* tests/api/test_wal_tail.c: the WAL tail policy seen through floe.h
 * (issue #21). A child process appends two batches with durability FULL
 * and exits without closing; the parent then damages the WAL:
 *  - the last record torn and its SYNCED marker gone (a write that never
 *    reached the disk): the open drops it, says so through the log
 *    callback, counts it in floe_stats.wal_torn_tails, and every earlier
 *    acknowledged row is there;
 *  - a byte flipped in a record that later records say was synced: the
 *    open refuses with FLOE_CORRUPT naming the segment and the offset.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

static void child_writes(const char *dir)
{
    floe_db *db = NULL;
    if (floe_db_open(dir, FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) _exit(3);
    if (floe_exec(db, "CREATE TABLE t (id BIGINT) WITH (shards = 1)") != FLOE_OK) _exit(4);
    if (floe_exec(db, "INSERT INTO t VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10)") != FLOE_OK)
        _exit(5);
    if (floe_exec(db, "INSERT INTO t VALUES (11),(12),(13),(14),(15)") != FLOE_OK) _exit(6);
    _exit(0); /* no close: the rows stay in the WAL */
}

/* The one WAL segment of table 1 and its record offsets (SYNCED markers
 * excluded); returns the number of records, *out_end the end of the last. */
static int wal_records(const char *dir, char *path, size_t cap, long *offs, long *out_end)
{
    char wal[4096], buf[64];
    DIR *d;
    struct dirent *e;
    int fd, n = 0;
    long pos = 32;
    snprintf(wal, sizeof wal, "%s/wal", dir);
    d = opendir(wal);
    cr_assert_not_null(d);
    path[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".wal") && strlen(wal) + strlen(e->d_name) + 2 <= cap) {
            strcpy(path, wal);
            strcat(path, "/");
            strcat(path, e->d_name);
        }
    closedir(d);
    cr_assert(path[0]);
    fd = open(path, O_RDONLY);
    for (;;) {
        uint32_t len;
        if (pread(fd, buf, 17, pos) != 17 || (buf[8] != 1 && buf[8] != 2 && buf[8] != 3)) break;
        memcpy(&len, buf, 4);
        if (buf[8] != 3) {
            offs[n++] = pos;
            *out_end = pos + 17 + (long)len;
        }
        pos += 17 + (long)len;
    }
    close(fd);
    return n;
}

static void run_child(const char *dir)
{
    int st;
    pid_t pid = fork();
    if (pid == 0) child_writes(dir);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d", st);
}

static char g_log[4096];
static void log_cb(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (level == FLOE_LOG_WARN) snprintf(g_log + strlen(g_log), sizeof g_log - strlen(g_log), "%s\n", msg);
}

Test(wal_tail, torn_unsynced_tail_is_dropped_logged_and_counted)
{
    char *dir = scratch_dir("waltail"), path[4096];
    long offs[8], end = 0;
    floe_open_options o;
    floe_db *db = NULL;
    int fd;
    run_child(dir);
    cr_assert_eq(wal_records(dir, path, sizeof path, offs, &end), 2);
    fd = open(path, O_RDWR);
    cr_assert_eq(ftruncate(fd, end - 7), 0); /* the 5-row INSERT torn, its marker gone */
    close(fd);
    floe_open_options_init(&o);
    o.log = log_cb;
    g_log[0] = '\0';
    cr_assert_eq(floe_db_open_ex(dir, &o, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert(strstr(g_log, "torn") != NULL && strstr(g_log, path) != NULL, "log: %s", g_log);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 10);
    cr_assert_eq(query_int(db, "SELECT sum(id) FROM t"), 55);
    cr_assert_eq(query_int(db, "SELECT wal_torn_tails FROM floe_stats WHERE table_name = 't'"), 1);
    cr_assert_eq(query_int(db, "SELECT CAST(writes_stopped AS INTEGER) FROM floe_stats"), 0);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    /* the next open has nothing to drop */
    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT wal_torn_tails FROM floe_stats"), 0);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 10);
    floe_db_close(db);
    free(dir);
}

Test(wal_tail, damaged_synced_record_refuses_to_open_naming_file_and_offset)
{
    char *dir = scratch_dir("walcorrupt"), path[4096], want[4200], c;
    long offs[8], end = 0;
    floe_db *db = NULL;
    int fd, k;
    for (k = 0; k < 2; k++) { /* the first record, then the last one */
        char *d = k ? scratch_dir("walcorrupt2") : dir;
        run_child(d);
        cr_assert_eq(wal_records(d, path, sizeof path, offs, &end), 2);
        fd = open(path, O_RDWR);
        cr_assert_eq(pread(fd, &c, 1, offs[k] + 20), 1);
        c ^= 0x21;
        cr_assert_eq(pwrite(fd, &c, 1, offs[k] + 20), 1);
        close(fd);
        cr_assert_eq(floe_db_open(d, 0, &db), FLOE_CORRUPT, "record %d: %s", k,
                     floe_db_errmsg(db));
        snprintf(want, sizeof want, "%s: checksum mismatch at offset %ld", path, offs[k]);
        cr_assert(strstr(floe_db_errmsg(db), want) != NULL, "%s", floe_db_errmsg(db));
        floe_db_close(db);
        if (k) free(d);
    }
    free(dir);
}
