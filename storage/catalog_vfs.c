/* storage/catalog_vfs.c: the catalog's sqlite VFS shim, "floe-os".
 *
 * Purpose: route sqlite's own writes, syncs and truncations of the catalog
 * (catalog.db and its -wal/-journal) through util/os's fault hook, so the
 * fault-injection loop (tests/fault/fault_loop_test.c) can fail catalog
 * commits like any other I/O call. The shim wraps the default VFS: every
 * method is the default one, except that a file's xWrite, xSync and
 * xTruncate first ask floe_os_fault_point() (kinds FLOE_OS_WRITE,
 * FLOE_OS_FSYNC, FLOE_OS_TRUNCATE) and, when a fault is injected, return
 * SQLITE_IOERR_WRITE (SQLITE_FULL for ENOSPC), SQLITE_IOERR_FSYNC or
 * SQLITE_IOERR_TRUNCATE without doing the call. With the hook disarmed (the
 * default) the cost is one relaxed atomic load per call.
 *
 * Invariants: the shim's sqlite3_file is the default VFS's file followed by
 * nothing else: pMethods is swapped for a copy of the default methods table
 * (per io-methods version) with the three entries wrapped, and the wrapped
 * entries call the saved original. Registered once (pthread_once), never as
 * the default VFS: only the catalog opens with it.
 * Ownership: static tables only. Thread-safety: registration is once;
 * the methods are as thread-safe as the default VFS's.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

#include "storage/catalog_internal.h"
#include "util/os.h"

#define MAX_METHODS 4 /* distinct default io-methods tables we wrap */

typedef struct wrapped {
    const sqlite3_io_methods *orig;
    sqlite3_io_methods shim;
} wrapped;

static sqlite3_vfs g_vfs;
static sqlite3_vfs *g_base;
static wrapped g_methods[MAX_METHODS];
static int g_nmethods;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_registered;

static const sqlite3_io_methods *orig_of(sqlite3_file *f)
{
    int i;
    for (i = 0; i < g_nmethods; i++)
        if (f->pMethods == &g_methods[i].shim) return g_methods[i].orig;
    return NULL;
}

static int shim_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
    int e = floe_os_fault_point(FLOE_OS_WRITE);
    if (e) return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return orig_of(f)->xWrite(f, p, n, off);
}

static int shim_sync(sqlite3_file *f, int flags)
{
    if (floe_os_fault_point(FLOE_OS_FSYNC)) return SQLITE_IOERR_FSYNC;
    return orig_of(f)->xSync(f, flags);
}

static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (floe_os_fault_point(FLOE_OS_TRUNCATE)) return SQLITE_IOERR_TRUNCATE;
    return orig_of(f)->xTruncate(f, size);
}

static int shim_close(sqlite3_file *f)
{
    const sqlite3_io_methods *o = orig_of(f);
    f->pMethods = o;
    return o->xClose(f);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    int rc, i;
    (void)vfs;
    rc = g_base->xOpen(g_base, name, f, flags, out_flags);
    if (rc != SQLITE_OK || f->pMethods == NULL) return rc;
    pthread_mutex_lock(&g_mu);
    for (i = 0; i < g_nmethods; i++)
        if (g_methods[i].orig == f->pMethods) break;
    if (i == g_nmethods && g_nmethods < MAX_METHODS) {
        wrapped *w = &g_methods[g_nmethods];
        w->orig = f->pMethods;
        w->shim = *f->pMethods;
        w->shim.xWrite = shim_write;
        w->shim.xSync = shim_sync;
        w->shim.xTruncate = shim_truncate;
        w->shim.xClose = shim_close;
        g_nmethods++;
    }
    if (i < g_nmethods) f->pMethods = &g_methods[i].shim; /* else: unwrapped, still correct */
    pthread_mutex_unlock(&g_mu);
    return rc;
}

static void do_register(void)
{
    g_base = sqlite3_vfs_find(NULL);
    if (g_base == NULL) return;
    g_vfs = *g_base;
    g_vfs.zName = FLOE_CATALOG_VFS;
    g_vfs.szOsFile = g_base->szOsFile;
    g_vfs.pNext = NULL;
    g_vfs.xOpen = shim_open;
    g_registered = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
}

const char *floe_catalog_vfs(void)
{
    pthread_once(&g_once, do_register);
    return g_registered ? FLOE_CATALOG_VFS : NULL;
}
