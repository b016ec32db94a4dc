/* db/open.c: opening and closing a database: the directory (or an
 * in-memory scratch directory), the writer lock, the catalog, the ingest
 * state with its flush callbacks (db/flush.c), every table (db/table.c),
 * background maintenance; and read-only snapshots. Settings come from
 * floe_open_options only (no environment): temp_directory for the in-memory
 * scratch directory, log/log_ctx (db/log.h), maintain_interval_ms. Contract in db/db.h.
 */
#include "db/db.h"
#include "db/ddl.h"
#include "db/prepared.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/log.h"
#include "db/maintain.h"
#include "db/settings.h"
#include "util/mem.h"
#include "util/os.h"

/* ----------------------------------------------------------- writer lock */

/* The writer lock is an open-file-description (OFD) write lock on all of
 * <dir>/LOCK: it conflicts with any other open of the file, in this process
 * too, closing some other fd of the file does not drop it, and the kernel
 * drops it when the process dies. The holder writes its pid into the file so
 * that others can name it. (A child forked while the lock is held shares it
 * until it exits or execs: the fd is O_CLOEXEC.) */

/* The pid written in <dir>/LOCK, 0 when unreadable. */
static long lock_file_pid(int fd)
{
    char b[32];
    size_t n = 0;
    if (floe_os_pread(fd, b, sizeof b - 1, 0, NULL, &n, NULL) != FLOE_OK || n == 0) return 0;
    b[n] = '\0';
    return strtol(b, NULL, 10);
}

/* Whether a writer holds the lock on <dir>/LOCK (*out_pid: its pid or 0).
 * Opens the file read-only and changes nothing; a missing file is no lock. */
static bool lock_probe(const char *dir, long *out_pid)
{
    char path[4096];
    struct flock fl;
    int fd;
    bool held = false;
    *out_pid = 0;
    snprintf(path, sizeof path, "%s/LOCK", dir);
    if (floe_os_open(path, O_RDONLY, 0, &fd, NULL) != FLOE_OK) return false;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        held = true;
        *out_pid = lock_file_pid(fd);
    }
    floe_os_close(fd, path, NULL);
    return held;
}

/* Take the writer lock of db->path into db->lock_fd; FLOE_BUSY naming the
 * holder when another open has it, FLOE_IOERR. */
static int db_lock(floe_db *db, floe_err *err)
{
    char path[4096], pid[32];
    struct flock fl;
    int fd, n;
    snprintf(path, sizeof path, "%s/LOCK", db->path);
    if (floe_os_open(path, O_RDWR | O_CREAT, 0644, &fd, NULL) != FLOE_OK)
        return floe_err_set(err, FLOE_IOERR, "cannot open lock file '%s': %s (open it read-only "
                            "to only read)", path, strerror(errno));
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        int e = errno;
        long holder = (e == EAGAIN || e == EACCES) ? lock_file_pid(fd) : 0;
        floe_os_close(fd, path, NULL);
        if (e != EAGAIN && e != EACCES)
            return floe_err_set(err, FLOE_IOERR, "cannot lock '%s': %s", path, strerror(e));
        if (holder > 0)
            return floe_err_set(err, FLOE_BUSY, "database '%s' is locked by process %ld",
                                db->path, holder);
        return floe_err_set(err, FLOE_BUSY, "database '%s' is locked by another process",
                            db->path);
    }
    n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (floe_os_ftruncate(fd, 0, path, NULL) != FLOE_OK ||
        floe_os_pwrite_all(fd, pid, (size_t)n, 0, path, NULL) != FLOE_OK) {
        int e = errno;
        floe_os_close(fd, path, NULL);
        return floe_err_set(err, FLOE_IOERR, "cannot write lock file '%s': %s", path, strerror(e));
    }
    db->lock_fd = fd;
    return FLOE_OK;
}


#define RO_ATTEMPTS 20   /* snapshot attempts before FLOE_BUSY */
#define RO_RETRY_MS 25

/* Release what a failed snapshot attempt opened. */
static void ro_release(floe_db *db)
{
    floe_catalog_read_end(db->cat);
    while (db->ntables > 0) floe_db_close_table(db, db->tables[db->ntables - 1], false, NULL);
    floe_ingest_db_close(db->ingest, NULL);
    db->ingest = NULL;
    floe_catalog_close(db->cat);
    db->cat = NULL;
}

/* What tells a snapshot attempt that the writer changed the catalog. */
typedef struct ro_mark {
    bool immutable;   /* no writer and no catalog -wal at the start */
    struct stat cat;  /* immutable: catalog.db as it was */
    int64_t version;  /* otherwise: PRAGMA data_version */
} ro_mark;

static bool ro_changed(floe_db *db, const ro_mark *m)
{
    char path[4096];
    struct stat st;
    long pid;
    int64_t v;
    floe_err e = FLOE_ERR_INIT;
    if (!m->immutable) return floe_catalog_data_version(db->cat, &v, &e) != FLOE_OK || v != m->version;
    snprintf(path, sizeof path, "%s/catalog.db-wal", db->path);
    if (lock_probe(db->path, &pid) || floe_os_exists(path)) return true;
    snprintf(path, sizeof path, "%s/catalog.db", db->path);
    return floe_os_stat(path, &st, NULL) != FLOE_OK || st.st_ino != m->cat.st_ino || st.st_size != m->cat.st_size ||
           st.st_mtim.tv_sec != m->cat.st_mtim.tv_sec || st.st_mtim.tv_nsec != m->cat.st_mtim.tv_nsec;
}

/* One attempt at a read-only snapshot: the tables, their committed parts and
 * flushed seqs in ONE catalog read transaction, every part opened (its files
 * stay open, so a later merge deleting them does not matter), then the WAL
 * above the flushed seqs. *out_retry says a failure or the check afterwards
 * saw the writer change things meanwhile. */
static int ro_snapshot(floe_db *db, bool *out_retry, floe_err *err)
{
    floe_ingest_db_opts io;
    floe_table_def **defs = NULL;
    uint32_t ndefs = 0, i, s;
    ro_mark m;
    char path[4096];
    int rc;

    *out_retry = false;
    memset(&m, 0, sizeof m);
    snprintf(path, sizeof path, "%s/catalog.db-wal", db->path);
    m.immutable = !lock_probe(db->path, &db->lock_pid) && !floe_os_exists(path);
    snprintf(path, sizeof path, "%s/catalog.db", db->path);
    if (floe_os_stat(path, &m.cat, NULL) != FLOE_OK)
        return floe_err_set(err, FLOE_NOTFOUND, "'%s' is not a floe database (no catalog.db)",
                            db->path);
    rc = floe_catalog_open_readonly(db->path, m.immutable, &db->cat, err);
    if (rc != FLOE_OK) {
        *out_retry = rc == FLOE_BUSY;
        return rc;
    }
    if (!m.immutable && (rc = floe_catalog_data_version(db->cat, &m.version, err)) != FLOE_OK)
        return rc;
    memset(&io, 0, sizeof io);
    io.dir = db->path;
    io.durability = FLOE_DURABILITY_OFF;
    io.readonly = true; /* no flusher, no callbacks: nothing is ever flushed */
    if ((rc = floe_ingest_db_open(&io, &db->ingest, err)) != FLOE_OK) return rc;
    if ((rc = floe_catalog_read_begin(db->cat, err)) != FLOE_OK) {
        *out_retry = true;
        return rc;
    }
    rc = floe_catalog_list_tables(db->cat, &defs, &ndefs, err);
    for (i = 0; rc == FLOE_OK && i < ndefs; i++) {
        floe_table_def *def = defs[i];
        defs[i] = NULL;
        rc = floe_db_add_table(db, def, err);
    }
    for (i = 0; i < ndefs; i++) floe_table_def_free(defs[i]);
    floe_free(defs);
    if (rc == FLOE_OK) rc = floe_db_load_views(db, err); /* db/ddl.c */
    floe_catalog_read_end(db->cat);
    if (rc != FLOE_OK) {
        if (rc != FLOE_NOMEM) *out_retry = ro_changed(db, &m);
        return rc;
    }
    /* The WAL was read after the catalog: a flush committed meanwhile may
     * have truncated segments holding rows above the flushed seq F we use.
     * Segments go oldest first and seqs are consecutive, so rows were lost
     * exactly when the WAL's lowest seq is above F + 1; when it was empty,
     * only an unchanged F proves that nothing was there to lose. */
    if (m.immutable && ro_changed(db, &m)) *out_retry = true;
    for (i = 0; !m.immutable && !*out_retry && i < db->ntables; i++) {
        floe_db_table *t = db->tables[i];
        for (s = 0; s < t->def->opts.shards && !*out_retry; s++) {
            uint64_t f = floe_ingest_table_flushed_seq(t->ingest, s), now = 0;
            uint64_t first = floe_ingest_table_wal_first_seq(t->ingest, s);
            if (first != 0) {
                *out_retry = first > f + 1;
                continue;
            }
            if ((rc = floe_catalog_flushed_seq(db->cat, t->def->id, s, &now, err)) != FLOE_OK)
                return rc;
            *out_retry = now != f;
        }
    }
    if (*out_retry)
        return floe_err_set(err, FLOE_BUSY, "database '%s' changed while its snapshot was read",
                            db->path);
    floe_catalog_close(db->cat); /* queries never read it; nothing stays open on it */
    db->cat = NULL;
    return FLOE_OK;
}

static int db_open_readonly(floe_db *db, floe_err *err)
{
    int attempt, rc = FLOE_OK;
    for (attempt = 0; attempt < RO_ATTEMPTS; attempt++) {
        bool retry = false;
        if (attempt > 0) floe_os_sleep_ms(RO_RETRY_MS);
        floe_err_clear(err);
        rc = ro_snapshot(db, &retry, err);
        if (rc == FLOE_OK) return FLOE_OK;
        ro_release(db);
        if (!retry) return rc;
    }
    {
        char last[FLOE_ERRMSG_MAX];
        snprintf(last, sizeof last, "%s", err->msg);
        return floe_err_set(err, FLOE_BUSY, "database '%s' kept changing while a read-only "
                            "snapshot was taken (%d attempts; last: %.200s)", db->path,
                            RO_ATTEMPTS, last);
    }
}

/* ------------------------------------------------------------ open/close */

int floe_db_open_dir(floe_db *db, const char *path, const floe_open_options *o, floe_err *err)
{
    floe_open_options defaults;
    floe_ingest_db_opts io;
    floe_table_def **defs = NULL;
    uint32_t ndefs = 0, i;
    unsigned flags;
    char buf[4096];
    struct stat st;
    int rc;

    if (o == NULL) {
        floe_open_options_init(&defaults);
        o = &defaults;
    }
    flags = o->flags;
    floe_settings_open(db, o); /* memory_limit, threads (db/settings.c) */
    db->log = o->log;         /* db/log.h; NULL: silent */
    db->log_ctx = o->log_ctx;
    db->maintain_interval_ms = o->maintain_interval_ms;
    db->lock_fd = -1;
    db->readonly = (flags & FLOE_OPEN_READONLY) != 0;
    db->salvage = (flags & FLOE_OPEN_SALVAGE) != 0 && !db->readonly;
    floe_mem_tune();
    pthread_rwlock_init(&db->ddl_lock, NULL);
    pthread_mutex_init(&db->err_mu, NULL);
    pthread_mutex_init(&db->prep_mu, NULL);
    floe_err_clear(&db->err);
    db->opened_us = floe_os_clock_wall_us();
    db->opened_mono_us = floe_os_clock_mono_us();

    if (path == NULL || strcmp(path, ":memory:") == 0 || path[0] == '\0') {
        const char *tmp = o->temp_directory;
        if (db->readonly) {
            rc = floe_err_set(err, FLOE_MISUSE, "an in-memory database cannot be opened read-only");
            goto fail;
        }
        snprintf(buf, sizeof buf, "%s/floe-mem-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
        if (mkdtemp(buf) == NULL) {
            rc = floe_err_set(err, FLOE_IOERR, "cannot create a scratch directory: %s",
                              strerror(errno));
            goto fail;
        }
        db->in_memory = true;
    } else {
        if (floe_os_stat(path, &st, NULL) != FLOE_OK) {
            if (!(flags & FLOE_OPEN_CREATE) || db->readonly) {
                rc = floe_err_set(err, FLOE_NOTFOUND, "database '%s' does not exist", path);
                goto fail;
            }
            if ((rc = floe_os_mkdir(path, 0755, true, err)) != FLOE_OK) goto fail;
        } else if (!S_ISDIR(st.st_mode)) {
            rc = floe_err_set(err, FLOE_ERROR, "'%s' is not a floe database directory", path);
            goto fail;
        }
        snprintf(buf, sizeof buf, "%s", path);
    }
    db->path = floe_strdup(buf);
    if (db->path == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    if (db->readonly) {
        if ((rc = db_open_readonly(db, err)) != FLOE_OK) goto fail;
        return FLOE_OK;
    }
    /* the writer lock comes before anything is written or cleaned up */
    if (!db->in_memory && (rc = db_lock(db, err)) != FLOE_OK) goto fail;
    snprintf(buf, sizeof buf, "%s/tables", db->path);
    if ((rc = floe_os_mkdir(buf, 0755, true, err)) != FLOE_OK) goto fail;
    if ((rc = floe_catalog_open(db->in_memory ? NULL : db->path, &db->cat, err)) != FLOE_OK)
        goto fail;
    if ((flags & FLOE_OPEN_INTEGRITY_CHECK) &&
        (rc = floe_catalog_integrity_check(db->cat, err)) != FLOE_OK)
        goto fail;

    memset(&io, 0, sizeof io);
    io.dir = db->in_memory ? NULL : db->path;
    io.durability = (flags & FLOE_OPEN_DURABILITY_FULL)  ? FLOE_DURABILITY_FULL
                    : (flags & FLOE_OPEN_DURABILITY_OFF) ? FLOE_DURABILITY_OFF
                                                          : FLOE_DURABILITY_BATCH;
    io.background_flush = true;
    io.salvage = db->salvage;
    db->no_sync = io.dir == NULL || io.durability == FLOE_DURABILITY_OFF;
    io.mem_limit_bytes = floe_settings_memtable_limit(db);
    floe_db_flush_callbacks(db, &io.cb);
    if ((rc = floe_ingest_db_open(&io, &db->ingest, err)) != FLOE_OK) goto fail;

    if ((rc = floe_catalog_list_tables(db->cat, &defs, &ndefs, err)) != FLOE_OK) goto fail;
    for (i = 0; i < ndefs; i++) {
        floe_table_def *def = defs[i];
        defs[i] = NULL;
        if ((rc = floe_db_add_table(db, def, err)) != FLOE_OK) break;
    }
    for (i = 0; i < ndefs; i++) floe_table_def_free(defs[i]);
    floe_free(defs);
    if (rc == FLOE_OK) rc = floe_db_load_views(db, err); /* db/ddl.c */
    if (rc != FLOE_OK) goto fail;
    /* background merges and TTL (db/maintain.c) */
    if ((rc = floe_maintain_start(db, err)) != FLOE_OK) goto fail;
    return FLOE_OK;
fail:
    /* keep the handle for floe_db_errmsg; release what was opened */
    while (db->ntables > 0) floe_db_close_table(db, db->tables[db->ntables - 1], false, NULL);
    floe_ingest_db_close(db->ingest, NULL);
    db->ingest = NULL;
    floe_catalog_close(db->cat);
    db->cat = NULL;
    floe_os_close(db->lock_fd, NULL, NULL);
    db->lock_fd = -1;
    return rc;
}

int floe_db_shutdown(floe_db *db, floe_err *err)
{
    floe_err e = FLOE_ERR_INIT;
    int rc = FLOE_OK;
    floe_maintain_stop(db); /* first: a pass uses the tables */
    /* flush every table; on failure rows stay in the WAL and are recovered */
    while (db->ntables > 0) {
        floe_db_table *t = db->tables[db->ntables - 1];
        if (floe_db_close_table(db, t, !db->in_memory && !db->readonly, &e) != FLOE_OK) {
            /* the first failure is the one reported; the db is freed below */
            if (rc == FLOE_OK) {
                *err = e;
                rc = e.code;
            } else {
                floe_db_log(db, FLOE_LOG_ERROR, "close: %s", e.msg); /* only the first is returned */
            }
            floe_db_close_table(db, t, false, NULL);
        }
    }
    if (rc == FLOE_OK && !db->readonly && floe_ingest_db_failed(db->ingest, NULL, 0)) {
        /* fail-stop: nothing was flushed; say so (the WAL keeps the rows) */
        char why[FLOE_ERRMSG_MAX];
        floe_ingest_db_failed(db->ingest, why, sizeof why);
        rc = floe_err_set(err, FLOE_IOERR, "close of '%s': nothing flushed, writing had stopped "
                          "after an I/O error (acknowledged rows stay in the WAL for the next "
                          "open): %.300s", db->path, why);
    }
    floe_ingest_db_close(db->ingest, NULL);
    floe_catalog_close(db->cat);
    floe_os_close(db->lock_fd, NULL, NULL); /* last: releases the writer lock */
    if (db->in_memory && db->path) floe_os_remove_tree(db->path, NULL);
    floe_free(db->path);
    floe_free(db->tables);
    floe_catalog_objects_free(db->views, db->nviews);
    floe_db_prepared_free(db);
    pthread_mutex_destroy(&db->prep_mu);
    pthread_rwlock_destroy(&db->ddl_lock);
    pthread_mutex_destroy(&db->err_mu);
    floe_free(db);
    return rc;
}
