/* util/os.c: thin OS wrappers with floe_err reporting and a fault hook.
 *
 * See os.h for the contract. The hook's state is the only process-wide
 * mutable state of the library (a test seam); everything else here is
 * stateless. A disarmed hook costs one relaxed load and a branch.
 */
#include "util/os.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/os_powerloss.h"

/* ---- fault hook ---- */

#define HOOK_NONE 0
#define HOOK_FAIL 1  /* errno is set */
#define HOOK_SHORT 2

static atomic_int g_armed;
static _Atomic uint64_t g_calls[FLOE_OS_NKINDS];
static _Atomic unsigned g_fault_kinds;
static _Atomic uint64_t g_fault_nth;
static _Atomic uint64_t g_fault_seen; /* matching calls since fault_set */
static atomic_int g_fault_effect;
static atomic_int g_fault_errno;
static _Atomic uint64_t g_hits;

void floe_os_hook_reset(void)
{
    int i;
    atomic_store(&g_fault_kinds, 0u);
    for (i = 0; i < FLOE_OS_NKINDS; i++) atomic_store(&g_calls[i], 0);
    atomic_store(&g_hits, 0);
    atomic_store(&g_armed, 1);
}

void floe_os_hook_off(void)
{
    atomic_store(&g_fault_kinds, 0u);
    atomic_store(&g_armed, 0);
}

void floe_os_fault_set(unsigned kinds, uint64_t nth, int effect, int errnum)
{
    atomic_store(&g_fault_kinds, 0u);
    atomic_store(&g_fault_nth, nth);
    atomic_store(&g_fault_seen, 0);
    atomic_store(&g_fault_effect, effect);
    atomic_store(&g_fault_errno, errnum ? errnum : EIO);
    atomic_store(&g_fault_kinds, kinds);
    atomic_store(&g_armed, 1);
}

void floe_os_fault_clear(void) { atomic_store(&g_fault_kinds, 0u); }

uint64_t floe_os_calls(unsigned kinds)
{
    uint64_t n = 0;
    int i;
    for (i = 0; i < FLOE_OS_NKINDS; i++)
        if (kinds & (1u << i)) n += atomic_load(&g_calls[i]);
    return n;
}

uint64_t floe_os_faults_hit(void) { return atomic_load(&g_hits); }

static int hook_slow(unsigned kind)
{
    unsigned kinds;
    uint64_t c, nth;
    int effect;
    atomic_fetch_add_explicit(&g_calls[__builtin_ctz(kind)], 1, memory_order_relaxed);
    kinds = atomic_load(&g_fault_kinds);
    if (!(kinds & kind)) return HOOK_NONE;
    c = atomic_fetch_add(&g_fault_seen, 1) + 1;
    nth = atomic_load(&g_fault_nth);
    effect = atomic_load(&g_fault_effect);
    if (c != nth && !((effect & FLOE_OS_PERSIST) && c > nth)) return HOOK_NONE;
    atomic_fetch_add(&g_hits, 1);
    if ((effect & 0xff) == FLOE_OS_SHORT && (kind & (FLOE_OS_READ | FLOE_OS_WRITE)))
        return HOOK_SHORT;
    errno = (effect & 0xff) == FLOE_OS_SHORT ? EIO : atomic_load(&g_fault_errno);
    return HOOK_FAIL;
}

static inline int hook(unsigned kind)
{
    if (__builtin_expect(atomic_load_explicit(&g_armed, memory_order_relaxed) == 0, 1))
        return HOOK_NONE;
    return hook_slow(kind);
}

int floe_os_fault_point(unsigned kind)
{
    int h = hook(kind);
    if (h == HOOK_NONE) return 0;
    return h == HOOK_SHORT ? EIO : errno;
}

/* Power-loss logging (util/os_powerloss.c) runs only with the hook armed. */
static inline bool pl(void)
{
    return __builtin_expect(atomic_load_explicit(&g_armed, memory_order_relaxed) != 0, 0) &&
           floe_os_pl_active();
}

static _Thread_local uint64_t t_sync_failures;

uint64_t floe_os_sync_failures(void) { return t_sync_failures; }
void floe_os_note_sync_failure(void) { t_sync_failures++; }

/* ---- errors ---- */

/* Set err for a failed `op` on `path` from errno; keeps errno. */
static int fail(floe_err *err, const char *op, const char *path, int fd)
{
    int e = errno;
    char fdname[32];
    if (path == NULL) {
        snprintf(fdname, sizeof fdname, "fd %d", fd);
        path = fdname;
    }
    if (e == ENOSPC)
        floe_err_set(err, FLOE_IOERR, "disk full (ENOSPC) writing '%s'", path);
    else
        floe_err_set(err, FLOE_IOERR, "%s '%s': %s", op, path, strerror(e));
    errno = e;
    return FLOE_IOERR;
}

/* ---- files ---- */

int floe_os_open(const char *path, int flags, int mode, int *out_fd, floe_err *err)
{
    int fd;
    bool created = false;
    *out_fd = -1;
    if (hook(FLOE_OS_OPEN) == HOOK_FAIL) return fail(err, "open", path, -1);
    if ((flags & O_CREAT) && pl()) created = access(path, F_OK) != 0;
    do {
        fd = open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return fail(err, "open", path, -1);
    if (created) floe_os_pl_entry(FLOE_OS_PL_CREATE, path, NULL);
    *out_fd = fd;
    return FLOE_OK;
}

int floe_os_close(int fd, const char *path, floe_err *err)
{
    if (fd < 0) return FLOE_OK;
    if (hook(FLOE_OS_CLOSE) == HOOK_FAIL) {
        int e = errno;
        close(fd); /* the descriptor is released either way */
        errno = e;
        return fail(err, "close", path, fd);
    }
    /* no EINTR retry: on Linux the fd is closed even then */
    if (close(fd) != 0 && errno != EINTR) return fail(err, "close", path, fd);
    return FLOE_OK;
}

int floe_os_pread(int fd, void *buf, size_t n, uint64_t off, const char *path, size_t *out_got,
                  floe_err *err)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        size_t want = n - got;
        ssize_t k;
        int h = hook(FLOE_OS_READ);
        if (h == HOOK_FAIL) return fail(err, "read", path, fd);
        if (h == HOOK_SHORT && want > 1) want /= 2;
        k = pread(fd, p + got, want, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return fail(err, "read", path, fd);
        if (k == 0) break;
        got += (size_t)k;
    }
    if (out_got) {
        *out_got = got;
    } else if (got < n) {
        char fdname[32];
        if (path == NULL) snprintf(fdname, sizeof fdname, "fd %d", fd);
        return floe_err_set(err, FLOE_IOERR, "read '%s': %zu of %zu bytes at offset %llu (short file)",
                            path ? path : fdname, got, n, (unsigned long long)off);
    }
    return FLOE_OK;
}

int floe_os_read_all(const char *path, char **out, size_t *out_n, floe_err *err)
{
    int fd, rc;
    struct stat st;
    size_t cap, got = 0;
    char *buf;
    *out = NULL;
    *out_n = 0;
    rc = floe_os_open(path, O_RDONLY, 0, &fd, err);
    if (rc) return rc;
    rc = floe_os_fstat(fd, &st, path, err);
    if (rc) {
        floe_os_close(fd, path, NULL);
        return rc;
    }
    cap = (st.st_size > 0 ? (size_t)st.st_size : 4096) + 1;
    buf = floe_malloc(cap);
    if (buf == NULL) {
        floe_os_close(fd, path, NULL);
        return floe_err_nomem(err);
    }
    for (;;) {
        ssize_t k;
        int h;
        size_t want;
        if (got + 1 == cap) { /* full: EOF or a file that grew */
            char *nb = floe_realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        want = cap - 1 - got;
        h = hook(FLOE_OS_READ);
        if (h == HOOK_FAIL) {
            rc = fail(err, "read", path, fd);
            break;
        }
        if (h == HOOK_SHORT && want > 1) want /= 2;
        k = read(fd, buf + got, want);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            rc = fail(err, "read", path, fd);
            break;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    floe_os_close(fd, path, NULL);
    if (rc) {
        floe_free(buf);
        return rc;
    }
    buf[got] = '\0';
    *out = buf;
    *out_n = got;
    return FLOE_OK;
}

int floe_os_write(int fd, const void *p, size_t n, const char *path, size_t *out_k, floe_err *err)
{
    ssize_t k;
    void *tok = NULL;
    int h = hook(FLOE_OS_WRITE);
    *out_k = 0;
    if (h == HOOK_FAIL) return fail(err, "write", path, fd);
    if (h == HOOK_SHORT && n > 1) n /= 2;
    if (pl()) floe_os_pl_before_write(fd, 0, true, n, &tok);
    do {
        k = write(fd, p, n);
    } while (k < 0 && errno == EINTR);
    if (tok) floe_os_pl_after_write(tok, k);
    if (k < 0) return fail(err, "write", path, fd);
    *out_k = (size_t)k;
    return FLOE_OK;
}

int floe_os_write_all(int fd, const void *p, size_t n, const char *path, floe_err *err)
{
    const char *c = p;
    while (n) {
        size_t k;
        int rc = floe_os_write(fd, c, n, path, &k, err);
        if (rc) return rc;
        c += k;
        n -= k;
    }
    return FLOE_OK;
}

int floe_os_pwrite_all(int fd, const void *p, size_t n, uint64_t off, const char *path,
                       floe_err *err)
{
    const char *c = p;
    while (n) {
        size_t want = n;
        ssize_t k;
        int h = hook(FLOE_OS_WRITE);
        if (h == HOOK_FAIL) return fail(err, "write", path, fd);
        void *tok = NULL;
        if (h == HOOK_SHORT && want > 1) want /= 2;
        if (pl()) floe_os_pl_before_write(fd, off, false, want, &tok);
        k = pwrite(fd, c, want, (off_t)off);
        if (tok) floe_os_pl_after_write(tok, k);
        if (k < 0) {
            if (errno == EINTR) continue;
            return fail(err, "write", path, fd);
        }
        c += k;
        off += (uint64_t)k;
        n -= (size_t)k;
    }
    return FLOE_OK;
}

int floe_os_fsync(int fd, const char *path, floe_err *err)
{
    uint64_t mark;
    if (hook(FLOE_OS_FSYNC) == HOOK_FAIL) goto failed;
    mark = pl() ? floe_os_pl_sync_begin() : 0;
    if (fsync(fd) != 0) goto failed;
    if (mark) floe_os_pl_synced(fd, mark);
    return FLOE_OK;
failed:
    t_sync_failures++;
    return fail(err, "fsync", path, fd);
}

int floe_os_fdatasync(int fd, const char *path, floe_err *err)
{
    uint64_t mark;
    if (hook(FLOE_OS_FSYNC) == HOOK_FAIL) goto failed;
    mark = pl() ? floe_os_pl_sync_begin() : 0;
    if (fdatasync(fd) != 0) goto failed;
    if (mark) floe_os_pl_synced(fd, mark);
    return FLOE_OK;
failed:
    t_sync_failures++;
    return fail(err, "fdatasync", path, fd);
}

int floe_os_ftruncate(int fd, uint64_t len, const char *path, floe_err *err)
{
    int r;
    if (hook(FLOE_OS_TRUNCATE) == HOOK_FAIL) return fail(err, "truncate", path, fd);
    if (pl()) floe_os_pl_truncate(fd, len);
    do {
        r = ftruncate(fd, (off_t)len);
    } while (r != 0 && errno == EINTR);
    if (r != 0) return fail(err, "truncate", path, fd);
    return FLOE_OK;
}

int floe_os_fstat(int fd, struct stat *st, const char *path, floe_err *err)
{
    if (hook(FLOE_OS_STAT) == HOOK_FAIL || fstat(fd, st) != 0) return fail(err, "stat", path, fd);
    return FLOE_OK;
}

int floe_os_mmap_file(int fd, size_t n, const void **out, const char *path, floe_err *err)
{
    void *p;
    *out = NULL;
    if (n == 0) return FLOE_OK;
    if (hook(FLOE_OS_OPEN) == HOOK_FAIL) return fail(err, "mmap", path, fd);
    p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) return fail(err, "mmap", path, fd);
    *out = p;
    return FLOE_OK;
}

void floe_os_munmap(const void *p, size_t n)
{
    if (p != NULL && n > 0) munmap((void *)p, n);
}

/* ---- paths and directories ---- */

int floe_os_stat(const char *path, struct stat *st, floe_err *err)
{
    if (hook(FLOE_OS_STAT) == HOOK_FAIL || stat(path, st) != 0) return fail(err, "stat", path, -1);
    return FLOE_OK;
}

bool floe_os_exists(const char *path) { return access(path, F_OK) == 0; }

int floe_os_rename(const char *from, const char *to, floe_err *err)
{
    if (hook(FLOE_OS_RENAME) == HOOK_FAIL || rename(from, to) != 0) {
        int e = errno;
        if (e == ENOSPC)
            floe_err_set(err, FLOE_IOERR, "disk full (ENOSPC) writing '%s'", to);
        else
            floe_err_set(err, FLOE_IOERR, "rename '%s' to '%s': %s", from, to, strerror(e));
        errno = e;
        return FLOE_IOERR;
    }
    if (pl()) floe_os_pl_entry(FLOE_OS_PL_RENAME, to, from);
    return FLOE_OK;
}

int floe_os_unlink(const char *path, bool missing_ok, floe_err *err)
{
    if (hook(FLOE_OS_UNLINK) == HOOK_FAIL || unlink(path) != 0) {
        if (missing_ok && errno == ENOENT) return FLOE_OK;
        return fail(err, "unlink", path, -1);
    }
    return FLOE_OK;
}

int floe_os_rmdir(const char *path, bool missing_ok, floe_err *err)
{
    if (hook(FLOE_OS_UNLINK) == HOOK_FAIL || rmdir(path) != 0) {
        if (missing_ok && errno == ENOENT) return FLOE_OK;
        return fail(err, "rmdir", path, -1);
    }
    return FLOE_OK;
}

int floe_os_mkdir(const char *path, int mode, bool exist_ok, floe_err *err)
{
    if (hook(FLOE_OS_MKDIR) == HOOK_FAIL || mkdir(path, (mode_t)mode) != 0) {
        if (exist_ok && errno == EEXIST) return FLOE_OK;
        return fail(err, "mkdir", path, -1);
    }
    if (pl()) floe_os_pl_entry(FLOE_OS_PL_MKDIR, path, NULL);
    return FLOE_OK;
}

int floe_os_fsync_dir(const char *path, floe_err *err)
{
    int fd, rc, rc2;
    rc = floe_os_open(path, O_RDONLY, 0, &fd, err);
    if (rc) return rc;
    rc = floe_os_fsync(fd, path, err);
    rc2 = floe_os_close(fd, path, rc ? NULL : err);
    return rc ? rc : rc2;
}

int floe_os_list_dir(const char *path, floe_os_dirlist *out, floe_err *err)
{
    DIR *d;
    struct dirent *e;
    uint32_t cap = 0;
    out->names = NULL;
    out->n = 0;
    if (hook(FLOE_OS_OPEN) == HOOK_FAIL) return fail(err, "open directory", path, -1);
    d = opendir(path);
    if (d == NULL) {
        int e0 = errno;
        if (e0 == ENOENT) {
            floe_err_set(err, FLOE_NOTFOUND, "open directory '%s': %s", path, strerror(e0));
            errno = e0;
            return FLOE_NOTFOUND;
        }
        return fail(err, "open directory", path, -1);
    }
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (e == NULL) break;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (out->n == cap) {
            uint32_t ncap = cap ? cap * 2 : 16;
            char **nn = floe_realloc(out->names, ncap * sizeof *nn);
            if (nn == NULL) goto nomem;
            out->names = nn;
            cap = ncap;
        }
        out->names[out->n] = floe_strdup(e->d_name);
        if (out->names[out->n] == NULL) goto nomem;
        out->n++;
    }
    if (errno != 0) {
        int rc = fail(err, "read directory", path, -1);
        closedir(d);
        floe_os_dirlist_free(out);
        return rc;
    }
    closedir(d);
    return FLOE_OK;
nomem:
    closedir(d);
    floe_os_dirlist_free(out);
    return floe_err_nomem(err);
}

void floe_os_dirlist_free(floe_os_dirlist *l)
{
    uint32_t i;
    if (l == NULL) return;
    for (i = 0; i < l->n; i++) floe_free(l->names[i]);
    floe_free(l->names);
    l->names = NULL;
    l->n = 0;
}

int floe_os_remove_tree(const char *path, floe_err *err)
{
    char child[4096 + 256]; /* no allocation: cleanup must work when memory is short */
    struct dirent *e;
    DIR *d;
    int rc = FLOE_OK, r;
    if (hook(FLOE_OS_OPEN) == HOOK_FAIL) return fail(err, "open directory", path, -1);
    d = opendir(path);
    if (d == NULL) {
        if (errno == ENOENT) return FLOE_OK;
        return fail(err, "open directory", path, -1); /* ENOTDIR too: the top must be a directory */
    }
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (e == NULL) {
            if (errno != 0 && rc == FLOE_OK) rc = fail(err, "read directory", path, -1);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= (int)sizeof child) {
            if (rc == FLOE_OK)
                rc = floe_err_set(err, FLOE_IOERR, "remove '%s': entry '%s': path too long", path,
                                  e->d_name);
            continue;
        }
        /* unlink first (parts hold only files); Linux says EISDIR for a
         * directory, POSIX allows EPERM */
        r = floe_os_unlink(child, true, rc ? NULL : err);
        if (r && (errno == EISDIR || errno == EPERM)) {
            if (rc == FLOE_OK) floe_err_clear(err);
            r = floe_os_remove_tree(child, rc ? NULL : err);
        }
        if (r && rc == FLOE_OK) rc = r;
    }
    closedir(d);
    r = floe_os_rmdir(path, true, rc ? NULL : err);
    return rc ? rc : r;
}

/* ---- clocks ---- */

int64_t floe_os_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t floe_os_clock_mono_us(void) { return floe_os_clock_mono_ns() / 1000; }

int64_t floe_os_clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t floe_os_clock_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void floe_os_sleep_ms(uint32_t ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
