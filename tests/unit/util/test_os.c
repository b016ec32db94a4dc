/* tests/unit/util/test_os.c: util/os wrappers and the fault hook. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/os.h"

static void mktmp(char *buf, size_t cap)
{
    const char *root = getenv("FLOE_TEST_TMP");
    snprintf(buf, cap, "%s/os-XXXXXX", root && *root ? root : "/tmp");
    cr_assert_not_null(mkdtemp(buf));
}

static void fini(void) { floe_os_hook_off(); }

TestSuite(os, .fini = fini);

Test(os, write_read_rename_list_remove_tree_round_trip)
{
    char dir[512], p[600], q[600], sub[600], deep[700];
    char data[10000], *back;
    size_t n, i;
    int fd;
    floe_os_dirlist l;
    floe_err err = FLOE_ERR_INIT;
    struct stat st;
    for (i = 0; i < sizeof data; i++) data[i] = (char)(i * 7 + 3);
    mktmp(dir, sizeof dir);
    snprintf(p, sizeof p, "%s/a", dir);
    snprintf(q, sizeof q, "%s/b", dir);
    cr_assert_eq(floe_os_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_os_write_all(fd, data, 4000, p, &err), FLOE_OK);
    cr_assert_eq(floe_os_pwrite_all(fd, data + 4000, 6000, 4000, p, &err), FLOE_OK);
    cr_assert_eq(floe_os_fdatasync(fd, p, &err), FLOE_OK);
    cr_assert_eq(floe_os_fstat(fd, &st, p, &err), FLOE_OK);
    cr_assert_eq(st.st_size, 10000);
    cr_assert_eq(floe_os_close(fd, p, &err), FLOE_OK);
    cr_assert_eq(floe_os_rename(p, q, &err), FLOE_OK);
    cr_assert(!floe_os_exists(p));
    cr_assert_eq(floe_os_read_all(q, &back, &n, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(n, sizeof data);
    cr_assert_eq(memcmp(back, data, n), 0);
    cr_assert_eq(back[n], '\0');
    floe_free(back);
    /* pread: exact, and short at EOF */
    {
        char buf[100];
        size_t got;
        cr_assert_eq(floe_os_open(q, O_RDONLY, 0, &fd, &err), FLOE_OK);
        cr_assert_eq(floe_os_pread(fd, buf, 100, 9950, q, &got, &err), FLOE_OK);
        cr_assert_eq(got, 50);
        cr_assert_eq(memcmp(buf, data + 9950, 50), 0);
        cr_assert_eq(floe_os_pread(fd, buf, 100, 9950, q, NULL, &err), FLOE_IOERR);
        cr_assert(strstr(err.msg, "short") != NULL, "%s", err.msg);
        cr_assert_eq(floe_os_ftruncate(fd, 10, q, &err), FLOE_IOERR); /* read-only fd */
        floe_os_close(fd, q, NULL);
    }
    snprintf(sub, sizeof sub, "%s/d", dir);
    snprintf(deep, sizeof deep, "%s/d/e", dir);
    cr_assert_eq(floe_os_mkdir(sub, 0755, false, &err), FLOE_OK);
    cr_assert_eq(floe_os_mkdir(sub, 0755, false, &err), FLOE_IOERR);
    cr_assert_eq(errno, EEXIST);
    cr_assert(strstr(err.msg, sub) != NULL, "%s", err.msg);
    cr_assert_eq(floe_os_mkdir(sub, 0755, true, &err), FLOE_OK);
    cr_assert_eq(floe_os_mkdir(deep, 0755, false, &err), FLOE_OK);
    cr_assert_eq(floe_os_fsync_dir(dir, &err), FLOE_OK);
    cr_assert_eq(floe_os_list_dir(dir, &l, &err), FLOE_OK);
    cr_assert_eq(l.n, 2); /* b and d, never . or .. */
    cr_assert((strcmp(l.names[0], "b") == 0 && strcmp(l.names[1], "d") == 0) ||
              (strcmp(l.names[0], "d") == 0 && strcmp(l.names[1], "b") == 0));
    floe_os_dirlist_free(&l);
    cr_assert_eq(floe_os_list_dir(p, &l, &err), FLOE_NOTFOUND);
    cr_assert_eq(l.n, 0);
    cr_assert_eq(floe_os_unlink(p, false, &err), FLOE_IOERR);
    cr_assert_eq(floe_os_unlink(p, true, &err), FLOE_OK);
    cr_assert_eq(floe_os_remove_tree(dir, &err), FLOE_OK, "%s", err.msg);
    cr_assert(!floe_os_exists(dir));
    cr_assert_eq(floe_os_remove_tree(dir, &err), FLOE_OK); /* missing is fine */
}

Test(os, read_all_reads_proc_files_of_size_zero)
{
    char *b;
    size_t n;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_os_read_all("/proc/self/status", &b, &n, &err), FLOE_OK, "%s", err.msg);
    cr_assert_gt(n, 0);
    cr_assert(strstr(b, "Name:") != NULL);
    floe_free(b);
}

Test(os, clocks_advance)
{
    int64_t m0 = floe_os_clock_mono_us(), w0 = floe_os_clock_wall_us(), m1;
    floe_os_sleep_ms(20);
    m1 = floe_os_clock_mono_us();
    cr_assert_geq(m1 - m0, 19000);
    cr_assert_lt(m1 - m0, 5000000);
    cr_assert_gt(w0, 1600000000LL * 1000000LL); /* after 2020 */
    cr_assert_lt(floe_os_clock_wall_us() - w0, 5000000);
    cr_assert_lt(floe_os_clock_mono_ns() / 1000 - floe_os_clock_mono_us(), 2);
}

/* The nth write fails with the errno given, only that one, and counters
 * count every call of the kind. */
Test(os, nth_call_fails_with_the_given_errno)
{
    char dir[512], p[600];
    int fd, i;
    floe_err err = FLOE_ERR_INIT;
    mktmp(dir, sizeof dir);
    snprintf(p, sizeof p, "%s/f", dir);
    floe_os_hook_reset();
    cr_assert_eq(floe_os_open(p, O_WRONLY | O_CREAT, 0644, &fd, &err), FLOE_OK);
    floe_os_fault_set(FLOE_OS_WRITE, 3, FLOE_OS_FAIL, EIO);
    for (i = 1; i <= 5; i++) {
        int rc = floe_os_write_all(fd, "abcd", 4, p, &err);
        if (i == 3) {
            cr_assert_eq(rc, FLOE_IOERR);
            cr_assert_eq(errno, EIO);
            cr_assert(strstr(err.msg, p) != NULL && strstr(err.msg, strerror(EIO)) != NULL, "%s",
                      err.msg);
        } else {
            cr_assert_eq(rc, FLOE_OK, "call %d: %s", i, err.msg);
        }
    }
    cr_assert_eq(floe_os_calls(FLOE_OS_WRITE), 5);
    cr_assert_eq(floe_os_calls(FLOE_OS_OPEN), 1);
    cr_assert_eq(floe_os_calls(FLOE_OS_WRITE | FLOE_OS_OPEN), 6);
    cr_assert_eq(floe_os_faults_hit(), 1);
    /* the failed call wrote nothing: 4 successful writes of 4 bytes */
    {
        struct stat st;
        cr_assert_eq(floe_os_fstat(fd, &st, p, &err), FLOE_OK);
        cr_assert_eq(st.st_size, 16);
    }
    /* ENOSPC has its own message; the fsync kind covers fdatasync and fsync_dir */
    floe_os_fault_set(FLOE_OS_WRITE, 1, FLOE_OS_FAIL, ENOSPC);
    cr_assert_eq(floe_os_pwrite_all(fd, "x", 1, 0, p, &err), FLOE_IOERR);
    {
        char want[700];
        snprintf(want, sizeof want, "disk full (ENOSPC) writing '%s'", p);
        cr_assert_str_eq(err.msg, want);
    }
    floe_os_fault_set(FLOE_OS_FSYNC, 2, FLOE_OS_FAIL | FLOE_OS_PERSIST, EIO);
    cr_assert_eq(floe_os_fdatasync(fd, p, &err), FLOE_OK);
    cr_assert_eq(floe_os_fsync(fd, p, &err), FLOE_IOERR);
    cr_assert(strstr(err.msg, "fsync") != NULL, "%s", err.msg);
    cr_assert_eq(floe_os_fsync_dir(dir, &err), FLOE_IOERR); /* persistent */
    floe_os_fault_clear();
    cr_assert_eq(floe_os_fsync_dir(dir, &err), FLOE_OK);
    /* other kinds */
    floe_os_fault_set(FLOE_OS_RENAME | FLOE_OS_MKDIR | FLOE_OS_UNLINK, 1, FLOE_OS_FAIL | FLOE_OS_PERSIST, EACCES);
    {
        char d2[700];
        snprintf(d2, sizeof d2, "%s/sub", dir);
        cr_assert_eq(floe_os_mkdir(d2, 0755, true, &err), FLOE_IOERR);
        cr_assert(!floe_os_exists(d2));
        cr_assert_eq(floe_os_rename(p, d2, &err), FLOE_IOERR);
        cr_assert(floe_os_exists(p));
        cr_assert_eq(floe_os_unlink(p, true, &err), FLOE_IOERR);
        cr_assert(floe_os_exists(p));
    }
    floe_os_close(fd, p, NULL);
    floe_os_hook_off();
    cr_assert_eq(floe_os_remove_tree(dir, &err), FLOE_OK, "%s", err.msg);
}

/* SHORT: the single write is short and reports it; write_all and
 * pwrite_all retry until every byte is written. */
Test(os, short_writes_are_reported_and_retried)
{
    char dir[512], p[600], data[1000], *back;
    size_t k, n, i;
    int fd;
    floe_err err = FLOE_ERR_INIT;
    for (i = 0; i < sizeof data; i++) data[i] = (char)(i ^ 0x5a);
    mktmp(dir, sizeof dir);
    snprintf(p, sizeof p, "%s/f", dir);
    cr_assert_eq(floe_os_open(p, O_WRONLY | O_CREAT, 0644, &fd, &err), FLOE_OK);
    floe_os_hook_reset();
    floe_os_fault_set(FLOE_OS_WRITE, 1, FLOE_OS_SHORT, 0);
    cr_assert_eq(floe_os_write(fd, data, 1000, p, &k, &err), FLOE_OK);
    cr_assert_eq(k, 500);
    floe_os_fault_set(FLOE_OS_WRITE, 1, FLOE_OS_SHORT | FLOE_OS_PERSIST, 0);
    cr_assert_eq(floe_os_write_all(fd, data + 500, 500, p, &err), FLOE_OK);
    /* each call writes half of what is left: 250 125 62 31 16 8 4 2 1 1 */
    cr_assert_eq(floe_os_calls(FLOE_OS_WRITE), 1 + 10);
    cr_assert_eq(floe_os_pwrite_all(fd, "ZZZZ", 4, 10, p, &err), FLOE_OK);
    floe_os_hook_off();
    floe_os_close(fd, p, NULL);
    cr_assert_eq(floe_os_read_all(p, &back, &n, &err), FLOE_OK);
    memcpy(data + 10, "ZZZZ", 4);
    cr_assert_eq(n, 1000);
    cr_assert_eq(memcmp(back, data, 1000), 0);
    floe_free(back);
    /* short reads are retried by pread and read_all too */
    floe_os_hook_reset();
    floe_os_fault_set(FLOE_OS_READ, 1, FLOE_OS_SHORT | FLOE_OS_PERSIST, 0);
    cr_assert_eq(floe_os_read_all(p, &back, &n, &err), FLOE_OK);
    cr_assert_eq(n, 1000);
    cr_assert_eq(memcmp(back, data, 1000), 0);
    cr_assert_gt(floe_os_calls(FLOE_OS_READ), 5);
    floe_free(back);
    floe_os_hook_off();
    cr_assert_eq(floe_os_remove_tree(dir, &err), FLOE_OK);
}

Test(os, disarmed_hook_counts_nothing)
{
    char dir[512];
    floe_err err = FLOE_ERR_INIT;
    floe_os_hook_reset();
    floe_os_hook_off();
    mktmp(dir, sizeof dir);
    cr_assert_eq(floe_os_fsync_dir(dir, &err), FLOE_OK);
    cr_assert_eq(floe_os_calls(FLOE_OS_ALL), 0);
    cr_assert_eq(floe_os_remove_tree(dir, &err), FLOE_OK);
}
