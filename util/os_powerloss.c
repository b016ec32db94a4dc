/* util/os_powerloss.c: the power-loss simulator behind util/os (tests only).
 *
 * In the style of LevelDB's FaultInjectionTestEnv. While tracking is on
 * (floe_os_powerloss_begin), util/os's wrappers log every change to the
 * file system that a power cut could still take back:
 *   DATA    a write/pwrite: file (dev, ino), its path then, offset, the
 *           bytes it overwrote and the file size before (the pre-image);
 *   TRUNC   an ftruncate: the old size and the bytes it cut;
 *   CREATE  a file an open(O_CREAT) created, MKDIR a directory, RENAME a
 *           rename: the entry and its parent directory (dev, ino).
 * An fsync/fdatasync of a file forgets its DATA/TRUNC entries logged before
 * the sync started; an fsync of a directory forgets the entries whose parent
 * it is. What is left is exactly what the disk may not have.
 *
 * floe_os_powerloss_freeze() stops the machine: every later hooked call
 * fails with EIO (the process keeps running, but nothing it does reaches
 * the disk). floe_os_powerloss_apply() then cuts the power: it picks a
 * random point in the log (seeded), undoes every entry after it, newest
 * first, and tears the entry at the point (a DATA entry keeps a random
 * prefix of its bytes). Undoing newest first walks the file system back
 * through states it really had, so the paths recorded are valid again when
 * their entry is undone (a part directory's rename is undone before the
 * writes into its files).
 *
 * Not modelled: unlink/rmdir are taken as durable at once (undoing them
 * would need the contents), O_TRUNC on an existing file, and sqlite's own
 * I/O (the catalog syncs every commit itself, so what it committed is what
 * a power cut leaves: floe's promise is that nothing it commits points at
 * data not yet durable, which is what the tests check).
 *
 * Thread-safety: one mutex around the log; the wrappers of any thread may
 * call in. Process-wide like the fault hook; one database under test.
 */
#include "util/os_powerloss.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/os.h"

enum { PL_DATA, PL_TRUNC, PL_CREATE, PL_MKDIR, PL_RENAME };

typedef struct pl_op {
    int type;
    dev_t dev;          /* DATA/TRUNC: the file; others: the parent directory */
    ino_t ino;
    char *path;         /* DATA/TRUNC: the file then; CREATE/MKDIR/RENAME: the new entry */
    char *from;         /* RENAME: the old name */
    uint64_t off;       /* DATA: offset; TRUNC: new size */
    uint64_t old_size;  /* file size before */
    char *old;          /* DATA: old bytes at [off, off + n) below old_size; TRUNC: cut bytes */
    uint64_t n;         /* DATA: bytes written; TRUNC: bytes of `old` */
    uint64_t seq;       /* position in the log, for syncs that raced with writes */
} pl_op;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int g_on;
static pl_op *g_ops;
static size_t g_n, g_cap;
static uint64_t g_seq;
static uint64_t g_rng;
static floe_os_powerloss_stats g_stats;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void op_free(pl_op *o)
{
    free(o->path);
    free(o->from);
    free(o->old);
}

static void clear_log(void)
{
    size_t i;
    for (i = 0; i < g_n; i++) op_free(&g_ops[i]);
    free(g_ops);
    g_ops = NULL;
    g_n = g_cap = 0;
}

/* Append o (taking its strings); drops it when memory is short (the test
 * then simply loses power less precisely). Caller holds g_mu. */
static void push(pl_op *o)
{
    if (g_n == g_cap) {
        size_t nc = g_cap ? g_cap * 2 : 256;
        pl_op *no = realloc(g_ops, nc * sizeof *no);
        if (no == NULL) {
            op_free(o);
            return;
        }
        g_ops = no;
        g_cap = nc;
    }
    o->seq = ++g_seq;
    g_ops[g_n++] = *o;
}

bool floe_os_pl_active(void) { return atomic_load_explicit(&g_on, memory_order_relaxed) != 0; }

static char *fd_path(int fd)
{
    char link[64], buf[4096];
    ssize_t k;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    k = readlink(link, buf, sizeof buf - 1);
    if (k <= 0) return NULL;
    buf[k] = '\0';
    return strdup(buf);
}

/* pread that also works on a write-only fd (the WAL's segments are opened
 * O_WRONLY): reads through a second, read-only open of the same file. */
static bool pread_any(int fd, void *buf, uint64_t n, uint64_t off)
{
    char link[64];
    int rfd;
    ssize_t k = pread(fd, buf, n, (off_t)off);
    if (k == (ssize_t)n) return true;
    if (k >= 0 || errno != EBADF) return false;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    rfd = open(link, O_RDONLY | O_CLOEXEC);
    if (rfd < 0) return false;
    k = pread(rfd, buf, n, (off_t)off);
    close(rfd);
    return k == (ssize_t)n;
}

static bool parent_id(const char *path, dev_t *dev, ino_t *ino)
{
    char buf[4096];
    char *slash;
    struct stat st;
    snprintf(buf, sizeof buf, "%s", path);
    slash = strrchr(buf, '/');
    if (slash == NULL) snprintf(buf, sizeof buf, ".");
    else if (slash == buf) buf[1] = '\0';
    else *slash = '\0';
    if (stat(buf, &st) != 0) return false;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return true;
}

void floe_os_pl_before_write(int fd, uint64_t off, bool at_cursor, size_t n, void **out_tok)
{
    pl_op *o;
    struct stat st;
    *out_tok = NULL;
    if (!floe_os_pl_active() || n == 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    if (at_cursor) {
        off_t c = lseek(fd, 0, SEEK_CUR);
        if (c < 0) return;
        off = (uint64_t)c;
    }
    o = calloc(1, sizeof *o);
    if (o == NULL) return;
    o->type = PL_DATA;
    o->dev = st.st_dev;
    o->ino = st.st_ino;
    o->path = fd_path(fd);
    o->off = off;
    o->n = n;
    o->old_size = (uint64_t)st.st_size;
    if (off < o->old_size) {
        uint64_t k = o->old_size - off < n ? o->old_size - off : n;
        o->old = malloc(k);
        if (o->old == NULL || !pread_any(fd, o->old, k, off)) {
            op_free(o);
            free(o);
            return;
        }
    }
    *out_tok = o;
}

void floe_os_pl_after_write(void *tok, ssize_t written)
{
    pl_op *o = tok;
    if (o == NULL) return;
    if (written <= 0 || o->path == NULL) {
        op_free(o);
        free(o);
        return;
    }
    o->n = (uint64_t)written;
    pthread_mutex_lock(&g_mu);
    push(o);
    pthread_mutex_unlock(&g_mu);
    free(o);
}

void floe_os_pl_truncate(int fd, uint64_t len)
{
    pl_op o;
    struct stat st;
    if (!floe_os_pl_active() || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    memset(&o, 0, sizeof o);
    o.type = PL_TRUNC;
    o.dev = st.st_dev;
    o.ino = st.st_ino;
    o.path = fd_path(fd);
    o.off = len;
    o.old_size = (uint64_t)st.st_size;
    if (len < o.old_size && o.old_size - len <= (64u << 20)) {
        o.n = o.old_size - len;
        o.old = malloc(o.n);
        if (o.old && !pread_any(fd, o.old, o.n, len)) o.n = 0;
    }
    if (o.path == NULL) return;
    pthread_mutex_lock(&g_mu);
    push(&o);
    pthread_mutex_unlock(&g_mu);
}

void floe_os_pl_entry(int type, const char *path, const char *from)
{
    pl_op o;
    if (!floe_os_pl_active()) return;
    memset(&o, 0, sizeof o);
    o.type = type == FLOE_OS_PL_CREATE ? PL_CREATE : type == FLOE_OS_PL_MKDIR ? PL_MKDIR : PL_RENAME;
    if (!parent_id(path, &o.dev, &o.ino)) return;
    o.path = realpath(path, NULL);
    if (o.path == NULL) return;
    if (from) {
        /* the old name: its directory still exists, the entry no longer */
        char dir[4096], *slash, *rdir;
        snprintf(dir, sizeof dir, "%s", from);
        slash = strrchr(dir, '/');
        if (slash) *slash = '\0';
        rdir = realpath(slash ? dir : ".", NULL);
        if (rdir == NULL) {
            free(o.path);
            return;
        }
        o.from = malloc(strlen(rdir) + strlen(slash ? slash + 1 : from) + 2);
        if (o.from) sprintf(o.from, "%s/%s", rdir, slash ? slash + 1 : from);
        free(rdir);
        if (o.from == NULL) {
            free(o.path);
            return;
        }
    }
    pthread_mutex_lock(&g_mu);
    push(&o);
    pthread_mutex_unlock(&g_mu);
}

uint64_t floe_os_pl_sync_begin(void)
{
    uint64_t s;
    if (!floe_os_pl_active()) return 0;
    pthread_mutex_lock(&g_mu);
    s = g_seq;
    pthread_mutex_unlock(&g_mu);
    return s;
}

void floe_os_pl_synced(int fd, uint64_t upto)
{
    struct stat st;
    size_t i, k = 0;
    bool dir;
    if (!floe_os_pl_active() || fstat(fd, &st) != 0) return;
    dir = S_ISDIR(st.st_mode);
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_n; i++) {
        pl_op *o = &g_ops[i];
        bool data = o->type == PL_DATA || o->type == PL_TRUNC;
        if (o->seq <= upto && data != dir && o->dev == st.st_dev && o->ino == st.st_ino) {
            op_free(o);
            continue;
        }
        g_ops[k++] = *o;
    }
    g_n = k;
    pthread_mutex_unlock(&g_mu);
}

void floe_os_powerloss_begin(uint64_t seed)
{
    pthread_mutex_lock(&g_mu);
    clear_log();
    g_seq = 0;
    g_rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    memset(&g_stats, 0, sizeof g_stats);
    pthread_mutex_unlock(&g_mu);
    floe_os_hook_reset();
    atomic_store(&g_on, 1);
}

void floe_os_powerloss_freeze(void)
{
    floe_os_fault_set(FLOE_OS_ALL, 1, FLOE_OS_FAIL | FLOE_OS_PERSIST, EIO);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    remove(p);
    return 0;
}

/* Undo o (all of it, or keep `keep` bytes of a DATA entry). */
static void undo(const pl_op *o, uint64_t keep)
{
    int fd;
    switch (o->type) {
    case PL_DATA:
        fd = open(o->path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            g_stats.skipped++;
            return;
        }
        if (o->old && o->off + keep < o->old_size) {
            uint64_t from = o->off + keep;
            uint64_t end = o->off + o->n < o->old_size ? o->off + o->n : o->old_size;
            if (end > from && pwrite(fd, o->old + keep, end - from, (off_t)from) < 0)
                g_stats.skipped++;
        }
        if (o->off + o->n > o->old_size) {
            uint64_t len = o->off + keep > o->old_size ? o->off + keep : o->old_size;
            if (len < o->off + o->n && ftruncate(fd, (off_t)len) != 0) g_stats.skipped++;
        }
        close(fd);
        if (keep) g_stats.torn++;
        else g_stats.dropped_writes++;
        return;
    case PL_TRUNC:
        fd = open(o->path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            g_stats.skipped++;
            return;
        }
        if (o->off < o->old_size) {
            if (o->n && pwrite(fd, o->old, o->n, (off_t)o->off) < 0) g_stats.skipped++;
            if (!o->n && ftruncate(fd, (off_t)o->old_size) != 0) g_stats.skipped++;
        } else if (ftruncate(fd, (off_t)o->old_size) != 0) {
            g_stats.skipped++;
        }
        close(fd);
        g_stats.dropped_writes++;
        return;
    case PL_CREATE:
        if (unlink(o->path) != 0 && errno != ENOENT) g_stats.skipped++;
        g_stats.dropped_entries++;
        return;
    case PL_MKDIR:
        nftw(o->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        g_stats.dropped_entries++;
        return;
    case PL_RENAME:
        if (rename(o->path, o->from) != 0) g_stats.skipped++;
        g_stats.dropped_entries++;
        return;
    }
}

void floe_os_powerloss_apply(floe_os_powerloss_stats *out)
{
    size_t cut, i;
    atomic_store(&g_on, 0);
    pthread_mutex_lock(&g_mu);
    g_stats.unsynced = g_n;
    cut = g_n ? (size_t)(rnd() % (g_n + 1)) : 0; /* entries [cut, n) are lost */
    for (i = g_n; i > cut; i--) {
        const pl_op *o = &g_ops[i - 1];
        uint64_t keep = 0;
        if (i - 1 == cut && o->type == PL_DATA && o->n > 1 && (rnd() & 1)) keep = rnd() % o->n;
        undo(o, keep);
    }
    clear_log();
    if (out) *out = g_stats;
    pthread_mutex_unlock(&g_mu);
    floe_os_hook_off();
}

void floe_os_powerloss_end(void)
{
    atomic_store(&g_on, 0);
    pthread_mutex_lock(&g_mu);
    clear_log();
    pthread_mutex_unlock(&g_mu);
    floe_os_hook_off();
}
