/* tests/api/test_salvage.c: FLOE_OPEN_SALVAGE (issue #21). A database with
 * four parts (batches of known ids) and, for the WAL cases, rows a killed
 * child left in the WAL, is copied and damaged: a byte flipped in a part's
 * manifest, in a column file's header, inside a block and in the trailer;
 * a byte flipped in the first or the second WAL record. Each time:
 *  - a plain open refuses (FLOE_CORRUPT), or the damage shows at query time;
 *  - a salvage open succeeds, the damaged part (or WAL segment) is in
 *    quarantine/ byte for byte (nothing deleted), quarantine/REPORT names it
 *    with the rows lost, and the answer is exactly the undamaged batches'
 *    rows, each once (sum and count against the known ids);
 *  - the next plain open works and gives the same answer.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

#define NBATCH 4
#define BROWS 500 /* rows per batch: ids b*1000 .. b*1000+499 */

static int64_t batch_sum(int b) { return (int64_t)BROWS * b * 1000 + (int64_t)BROWS * (BROWS - 1) / 2; }

static void sh(const char *cmd)
{
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* The pristine database: batch b flushed into its own part. */
static char *make_db(void)
{
    char *dir = scratch_dir("salvage");
    floe_db *db = NULL;
    int b, i;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t (b BIGINT, id BIGINT, s VARCHAR) WITH (shards = 2)");
    for (b = 0; b < NBATCH; b++) {
        char sql[64];
        floe_appender *app = NULL;
        cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
        for (i = 0; i < BROWS; i++) {
            char s[32];
            snprintf(s, sizeof s, "v%d", b * 1000 + i);
            floe_append_int64(app, b);
            floe_append_int64(app, b * 1000 + i);
            floe_append_text(app, s);
            cr_assert_eq(floe_appender_end_row(app), FLOE_OK);
        }
        cr_assert_eq(floe_appender_close(app), FLOE_OK);
        snprintf(sql, sizeof sql, "FLUSH t");
        exec_ok(db, sql);
    }
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    return dir;
}

/* Sorted part directory names of table 1. */
static int part_dirs(const char *dir, char names[][64], int cap)
{
    char p[4096];
    DIR *d;
    struct dirent *e;
    int n = 0;
    snprintf(p, sizeof p, "%s/tables/1", dir);
    d = opendir(p);
    cr_assert_not_null(d, "%s", p);
    while ((e = readdir(d)) != NULL && n < cap)
        if (strncmp(e->d_name, "part-", 5) == 0 && !strstr(e->d_name, ".tmp") &&
            strlen(e->d_name) < 64)
            memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
    closedir(d);
    qsort(names, (size_t)n, 64, (int (*)(const void *, const void *))strcmp);
    return n;
}

static void flip(const char *path, long off_from_start, long off_from_end)
{
    int fd = open(path, O_RDWR);
    struct stat st;
    char c;
    long off;
    cr_assert_geq(fd, 0, "%s", path);
    fstat(fd, &st);
    off = off_from_end ? (long)st.st_size - off_from_end : off_from_start;
    cr_assert_eq(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    cr_assert_eq(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 65536);
    if (f) {
        size_t n = fread(buf, 1, 65535, f);
        buf[n] = '\0';
        fclose(f);
    }
    return buf;
}

/* Which batch a part holds (its rows' b), from the pristine copy. */
static int batch_of_part(const char *dir, const char *part)
{
    (void)dir;
    return atoi(part + 5) - 1; /* parts are allocated 1, 2, ... in flush order */
}

static void check_answer(floe_db *db, int lost_batch)
{
    int64_t cnt = 0, sum = 0;
    int b;
    for (b = 0; b < NBATCH; b++)
        if (b != lost_batch) {
            cnt += BROWS;
            sum += batch_sum(b);
        }
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), cnt);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT id) FROM t"), cnt);
    cr_assert_eq(query_int(db, "SELECT sum(id) FROM t"), sum);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE s <> 'v' || CAST(id AS VARCHAR)"), 0);
}

static void part_case(int how)
{
    char *pristine = make_db(), *dir = scratch_dir("salvage-case"), cmd[9000], path[4200];
    char names[16][64], q[4300];
    floe_db *db = NULL;
    int n, victim, lost, rc;
    char *report;
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s' '%s'", dir, pristine, dir);
    sh(cmd);
    n = part_dirs(dir, names, 16);
    cr_assert_eq(n, NBATCH);
    victim = 1 + how % (NBATCH - 1);
    lost = batch_of_part(dir, names[victim]);
    switch (how) {
    case 0: /* manifest */
        snprintf(path, sizeof path, "%s/tables/1/%s/part.meta", dir, names[victim]);
        flip(path, 10, 0);
        break;
    case 1: /* column file header */
        snprintf(path, sizeof path, "%s/tables/1/%s/c2.col", dir, names[victim]);
        flip(path, 5, 0);
        break;
    case 2: /* inside the first block of the VARCHAR column */
        snprintf(path, sizeof path, "%s/tables/1/%s/c3.col", dir, names[victim]);
        flip(path, 40, 0);
        break;
    default: /* trailer */
        snprintf(path, sizeof path, "%s/tables/1/%s/c1.col", dir, names[victim]);
        flip(path, 0, 6);
        break;
    }
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.damaged'", path, dir);
    sh(cmd);
    /* a plain open refuses, or the first query that reads the block does */
    rc = floe_db_open(dir, 0, &db);
    if (rc == FLOE_OK) {
        floe_result *r = NULL;
        cr_assert_eq(how, 2, "damage kind %d went unnoticed at open", how);
        cr_assert_eq(floe_query(db, "SELECT max(s) FROM t", &r), FLOE_CORRUPT, "query: %s",
                     floe_db_errmsg(db));
        floe_result_free(r);
    } else {
        cr_assert_eq(rc, FLOE_CORRUPT, "%s", floe_db_errmsg(db));
    }
    floe_db_close(db);
    /* salvage */
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_SALVAGE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    check_answer(db, lost);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    snprintf(q, sizeof q, "%s/quarantine/1/%s", dir, names[victim]);
    snprintf(cmd, sizeof cmd, "cmp -s '%s.damaged' '%s/%s'", dir, q, strrchr(path, '/') + 1);
    sh(cmd); /* the damaged file is kept, byte for byte */
    snprintf(q, sizeof q, "%s/quarantine/REPORT", dir);
    report = read_text(q);
    cr_assert(strstr(report, names[victim]) != NULL && strstr(report, "500 rows lost") != NULL,
              "REPORT: %s", report);
    free(report);
    /* the next plain open works and agrees */
    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    check_answer(db, lost);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    free(pristine);
    free(dir);
}

Test(salvage, damaged_part_manifest_is_quarantined) { part_case(0); }
Test(salvage, damaged_column_header_is_quarantined) { part_case(1); }
Test(salvage, damaged_block_is_quarantined) { part_case(2); }
Test(salvage, damaged_trailer_is_quarantined) { part_case(3); }

/* WAL: a child appends three batches (FULL) and exits without closing. */
static void child(const char *dir)
{
    floe_db *db = NULL;
    if (floe_db_open(dir, FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_FULL, &db) != FLOE_OK) _exit(3);
    if (floe_exec(db, "CREATE TABLE w (id BIGINT) WITH (shards = 1)") != FLOE_OK) _exit(4);
    if (floe_exec(db, "INSERT INTO w VALUES (1),(2),(3)") != FLOE_OK) _exit(5);
    if (floe_exec(db, "INSERT INTO w VALUES (10),(20)") != FLOE_OK) _exit(6);
    if (floe_exec(db, "INSERT INTO w VALUES (100)") != FLOE_OK) _exit(7);
    _exit(0);
}

static void wal_case(int rec, int64_t want_sum)
{
    char *dir = scratch_dir("salvage-wal"), wal[4200], seg[4400] = "", q[4400], *report;
    floe_db *db = NULL;
    DIR *d;
    struct dirent *e;
    long pos = 32;
    int st, k = 0, fd;
    pid_t pid = fork();
    if (pid == 0) child(dir);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(wal, sizeof wal, "%s/wal", dir);
    d = opendir(wal);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".wal") && strlen(wal) + strlen(e->d_name) + 2 < sizeof seg) {
            strcpy(seg, wal);
            strcat(seg, "/");
            strcat(seg, e->d_name);
        }
    closedir(d);
    cr_assert(seg[0]);
    fd = open(seg, O_RDONLY);
    for (;;) { /* find record `rec` (SYNCED markers skipped) */
        char h[17];
        uint32_t len;
        cr_assert_eq(pread(fd, h, 17, pos), 17);
        memcpy(&len, h, 4);
        if (h[8] == 1 && k++ == rec) break;
        pos += 17 + (long)len;
    }
    close(fd);
    flip(seg, pos + 25, 0);
    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_CORRUPT, "%s", floe_db_errmsg(db));
    floe_db_close(db);
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_SALVAGE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT coalesce(sum(id), 0) FROM w"), want_sum);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
    snprintf(q, sizeof q, "%s/quarantine/wal/%s", dir, strrchr(seg, '/') + 1);
    cr_assert(access(q, F_OK) == 0, "the damaged segment is kept: %s", q);
    snprintf(q, sizeof q, "%s/quarantine/REPORT", dir);
    report = read_text(q);
    cr_assert(strstr(report, "wal") != NULL && strstr(report, "damaged at offset") != NULL,
              "REPORT: %s", report);
    free(report);
    cr_assert_eq(floe_db_open(dir, 0, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(query_int(db, "SELECT coalesce(sum(id), 0) FROM w"), want_sum);
    floe_db_close(db);
    free(dir);
}

Test(salvage, damaged_first_wal_record_quarantines_the_segment) { wal_case(0, 0); }
Test(salvage, damaged_second_wal_record_keeps_the_first) { wal_case(1, 6); }
