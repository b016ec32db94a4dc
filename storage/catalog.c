/* storage/catalog.c: sqlite3-backed catalog (the only sqlite3 user). */
#include "storage/catalog.h"
#include "storage/catalog_internal.h"
#include "util/os.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/mem.h"

/* ------------------------------------------------------------ table defs */

void floe_table_def_free(floe_table_def *t)
{
    uint32_t i;
    if (t == NULL) return;
    for (i = 0; i < t->ncols && t->cols; i++) {
        floe_free(t->cols[i].name);
        floe_free(t->cols[i].default_text);
    }
    floe_free(t->cols);
    floe_free(t->opts.sort_cols);
    floe_free(t->name);
    floe_free(t);
}

int floe_table_def_copy(const floe_table_def *src, floe_table_def **out, floe_err *err)
{
    floe_table_def *t = floe_calloc(1, sizeof *t);
    uint32_t i;
    *out = NULL;
    if (t == NULL) return floe_err_nomem(err);
    *t = *src;
    t->name = NULL;
    t->cols = NULL;
    t->opts.sort_cols = NULL;
    t->ncols = 0;
    t->name = floe_strdup(src->name ? src->name : "");
    t->cols = floe_calloc(src->ncols ? src->ncols : 1, sizeof *t->cols);
    t->opts.sort_cols = floe_calloc(src->opts.nsort ? src->opts.nsort : 1, sizeof(uint32_t));
    if (!t->name || !t->cols || !t->opts.sort_cols) goto nomem;
    if (src->opts.nsort) memcpy(t->opts.sort_cols, src->opts.sort_cols, src->opts.nsort * sizeof(uint32_t));
    for (i = 0; i < src->ncols; i++) {
        t->cols[i] = src->cols[i];
        t->cols[i].name = floe_strdup(src->cols[i].name ? src->cols[i].name : "");
        t->cols[i].default_text = NULL;
        t->ncols = i + 1;
        if (t->cols[i].name == NULL) goto nomem;
        if (src->cols[i].default_text &&
            (t->cols[i].default_text = floe_strdup(src->cols[i].default_text)) == NULL)
            goto nomem;
    }
    t->ncols = src->ncols;
    *out = t;
    return FLOE_OK;
nomem:
    floe_table_def_free(t);
    return floe_err_nomem(err);
}

int floe_table_def_find(const floe_table_def *t, const char *name)
{
    uint32_t i;
    for (i = 0; i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0) return (int)i;
    return -1;
}

floe_part_schema floe_table_def_schema(const floe_table_def *t, floe_part_column *cols)
{
    floe_part_schema s;
    uint32_t i;
    for (i = 0; i < t->ncols; i++) {
        cols[i].id = t->cols[i].id;
        cols[i].name = t->cols[i].name;
        cols[i].type = t->cols[i].type;
    }
    s.cols = cols;
    s.ncols = t->ncols;
    return s;
}

/* ---------------------------------------------------------- sqlite glue */

/* Map a failed sqlite call (result code `s`) to a floe code and message
 * naming the catalog file: damage -> FLOE_CORRUPT, a full disk (SQLITE_FULL
 * or an OS error ENOSPC under an I/O error) -> FLOE_IOERR saying so,
 * constraint -> FLOE_CONSTRAINT, other failures -> FLOE_IOERR. Every SQL text
 * is ours, so SQLITE_ERROR (e.g. "no such table") means the schema on disk is
 * not the one this build wrote: FLOE_CORRUPT too. */
static int sqlfail(floe_catalog *c, int s, const char *what, floe_err *err)
{
    const char *msg = c->db ? sqlite3_errmsg(c->db) : "out of memory";
    int prim = s & 0xff, sys = c->db ? sqlite3_system_errno(c->db) : 0;
    int ext = c->db ? sqlite3_extended_errcode(c->db) : s;
    if (ext == SQLITE_IOERR_FSYNC || ext == SQLITE_IOERR_DIR_FSYNC)
        floe_os_note_sync_failure(); /* the fail-stop rule (ingest/table.h) must see it */
    return floe_catalog_map_error(prim, sys, c->path, what, msg, err);
}

int floe_catalog_map_error(int sqlite_rc, int sys_errno, const char *file, const char *what,
                           const char *msg, floe_err *err)
{
    switch (sqlite_rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_ERROR:
    case SQLITE_MISMATCH:
    case SQLITE_FORMAT:
    case SQLITE_SCHEMA:
        return floe_err_set(err, FLOE_CORRUPT, "catalog: %s: '%s' is damaged: %s", what, file, msg);
    case SQLITE_CONSTRAINT:
        return floe_err_set(err, FLOE_CONSTRAINT, "catalog: %s: %s", what, msg);
    case SQLITE_NOMEM:
        return floe_err_set(err, FLOE_NOMEM, "catalog: %s: out of memory", what);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return floe_err_set(err, FLOE_BUSY, "catalog: %s: '%s' is locked: %s", what, file, msg);
    default:
        break;
    }
    if ((sqlite_rc & 0xff) == SQLITE_FULL || sys_errno == ENOSPC)
        return floe_err_set(err, FLOE_IOERR, "catalog: %s: disk full (ENOSPC) writing '%s': %s",
                            what, file, msg);
    return floe_err_set(err, FLOE_IOERR, "catalog: %s: '%s': %s", what, file, msg);
}

#define SQLERR(c, what) sqlfail((c), sqlite3_errcode((c)->db), (what), err)

int floe_catalog_bad_value(floe_catalog *c, floe_err *err, const char *fmt, ...)
{
    char buf[FLOE_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return floe_err_set(err, FLOE_CORRUPT, "catalog: '%s' is inconsistent: %s", c->path, buf);
}

int floe_catalog_exec(floe_catalog *c, const char *sql, const char *what, floe_err *err)
{
    int s = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (s != SQLITE_OK) return sqlfail(c, s, what, err);
    return FLOE_OK;
}

int floe_catalog_prep(floe_catalog *c, const char *sql, sqlite3_stmt **st, const char *what,
                floe_err *err)
{
    int s = sqlite3_prepare_v2(c->db, sql, -1, st, NULL);
    if (s != SQLITE_OK) {
        *st = NULL;
        return sqlfail(c, s, what, err);
    }
    return FLOE_OK;
}

/* Step a statement: FLOE_ROW, FLOE_DONE, or an error code with `err` set.
 * Never treats a failure as the end of the rows. */
int floe_catalog_step(floe_catalog *c, sqlite3_stmt *st, const char *what, floe_err *err)
{
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) return FLOE_ROW;
    if (s == SQLITE_DONE) return FLOE_DONE;
    return sqlfail(c, s, what, err);
}

/* Step a statement that returns no rows, then finalize it. */
int floe_catalog_run(floe_catalog *c, sqlite3_stmt *st, const char *what, floe_err *err)
{
    int rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_DONE)
        rc = FLOE_OK;
    else if (rc == FLOE_ROW)
        rc = floe_err_set(err, FLOE_ERROR, "catalog: %s: unexpected row", what);
    sqlite3_finalize(st);
    return rc;
}

/* Integer column i that must be a non-NULL integer in [lo, hi]. */
bool floe_catalog_int_col(sqlite3_stmt *st, int i, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;
    if (sqlite3_column_type(st, i) != SQLITE_INTEGER) return false;
    v = sqlite3_column_int64(st, i);
    if (v < lo || v > hi) return false;
    *out = v;
    return true;
}

int floe_catalog_begin(floe_catalog *c, const char *what, floe_err *err)
{
    return floe_catalog_exec(c, "BEGIN IMMEDIATE", what, err);
}

int floe_catalog_end(floe_catalog *c, int rc, const char *what, floe_err *err)
{
    if (rc == FLOE_OK) {
        rc = floe_catalog_exec(c, "COMMIT", what, err);
        if (rc == FLOE_OK) return FLOE_OK;
    }
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static const char migration_v1[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "INSERT INTO meta VALUES('next_part_id', 1);"
    "CREATE TABLE tables(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE COLLATE NOCASE, created INTEGER NOT NULL,"
    " version INTEGER NOT NULL, next_col_id INTEGER NOT NULL);"
    "CREATE TABLE columns(table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    " col_id INTEGER NOT NULL, name TEXT NOT NULL COLLATE NOCASE, type_id INTEGER NOT NULL,"
    " precision INTEGER NOT NULL, scale INTEGER NOT NULL, not_null INTEGER NOT NULL,"
    " ordinal INTEGER NOT NULL, added_version INTEGER NOT NULL, default_text TEXT,"
    " PRIMARY KEY(table_id, col_id), UNIQUE(table_id, name));"
    "CREATE TABLE table_options(table_id INTEGER PRIMARY KEY REFERENCES tables(id) ON DELETE CASCADE,"
    " partition_col INTEGER NOT NULL, shards INTEGER NOT NULL, sort_cols TEXT NOT NULL,"
    " flush_rows INTEGER NOT NULL, flush_bytes INTEGER NOT NULL, flush_interval_ms INTEGER NOT NULL,"
    " ttl_seconds INTEGER NOT NULL, ttl_col INTEGER NOT NULL);"
    "CREATE TABLE parts(id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL REFERENCES tables(id)"
    " ON DELETE CASCADE, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL,"
    " state INTEGER NOT NULL);"
    "CREATE INDEX parts_by_table ON parts(table_id);"
    "CREATE TABLE part_columns(part_id INTEGER NOT NULL REFERENCES parts(id) ON DELETE CASCADE,"
    " col_id INTEGER NOT NULL, bytes INTEGER NOT NULL, nulls INTEGER NOT NULL, flags INTEGER NOT NULL,"
    " min BLOB, max BLOB, PRIMARY KEY(part_id, col_id));"
    "CREATE TABLE part_shards(part_id INTEGER NOT NULL REFERENCES parts(id) ON DELETE CASCADE,"
    " shard INTEGER NOT NULL, min_seq INTEGER NOT NULL, max_seq INTEGER NOT NULL,"
    " PRIMARY KEY(part_id, shard));"
    "CREATE TABLE shard_state(table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,"
    " shard INTEGER NOT NULL, flushed_seq INTEGER NOT NULL, PRIMARY KEY(table_id, shard));"
    "CREATE TABLE stream_offsets(source TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL, table_id INTEGER NOT NULL, PRIMARY KEY(source, topic, partition));"
    "CREATE TABLE producers(producer TEXT NOT NULL, table_id INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL, PRIMARY KEY(producer, table_id));"
    "INSERT INTO schema_version VALUES(1);";

/* v2: part-id bookkeeping that lets open-time cleanup tell a crash leftover
 * from damage (pending: allocated, not committed; garbage: removed from the
 * catalog, directory maybe still there), the legacy_gc tables whose unknown
 * part directories are quarantined once (v1 kept no such record), and per
 * shard the highest seq dropped whole by TTL. A v1 catalog trusts its
 * flushed_seq: dropped_seq starts equal to it. */
static const char migration_v2[] =
    "CREATE TABLE pending_parts(id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL);"
    "CREATE TABLE garbage_parts(id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL);"
    "CREATE TABLE legacy_gc(table_id INTEGER PRIMARY KEY);"
    "INSERT INTO legacy_gc SELECT id FROM tables;"
    "ALTER TABLE shard_state ADD COLUMN dropped_seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE shard_state SET dropped_seq = flushed_seq;";

/* v4: delete vectors of DELETE/UPDATE (storage/catalog_deletes.c): per part
 * the rows deleted, as a bitmap blob of FLOE_BITMAP_WORDS(rows) u64 words
 * (little-endian, bit set = deleted) and its population count; a merge or
 * TTL drop that removes the part removes its vector by the cascade. */
static const char migration_v4[] =
    "CREATE TABLE part_deletes(part_id INTEGER PRIMARY KEY REFERENCES parts(id) ON DELETE CASCADE,"
    " ndeleted INTEGER NOT NULL, bits BLOB NOT NULL);";

/* Forward migrations: migrations[v - 1] upgrades version v-1 to v;
 * v3 (constraints, indexes, views) is in storage/catalog_objects.c. */
static const char *const migrations[] = {migration_v1, migration_v2, floe_catalog_migration_v3,
                                         migration_v4};

static int migrate(floe_catalog *c, floe_err *err)
{
    const char *what = "read schema version";
    sqlite3_stmt *st;
    int64_t version = 0, n = 0;
    int rc, v;
    rc = floe_catalog_prep(c, "SELECT count(*) FROM sqlite_master WHERE name='schema_version'", &st, what, err);
    if (rc) return rc;
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW && !floe_catalog_int_col(st, 0, 0, 1, &n)) rc = BADVAL(c, "schema_version table");
    sqlite3_finalize(st);
    if (rc != FLOE_ROW) return rc == FLOE_DONE ? SQLERR(c, what) : rc;
    if (n > 0) {
        rc = floe_catalog_prep(c, "SELECT version FROM schema_version", &st, what, err);
        if (rc) return rc;
        rc = floe_catalog_step(c, st, what, err);
        if (rc == FLOE_ROW && !floe_catalog_int_col(st, 0, 1, INT32_MAX, &version))
            rc = BADVAL(c, "schema version is not a positive integer");
        else if (rc == FLOE_DONE)
            rc = BADVAL(c, "schema version is missing");
        if (rc == FLOE_ROW && floe_catalog_step(c, st, what, err) != FLOE_DONE)
            rc = BADVAL(c, "more than one schema version");
        sqlite3_finalize(st);
        if (rc != FLOE_ROW) return rc;
    }
    if (version > FLOE_CATALOG_VERSION)
        return floe_err_set(err, FLOE_UNSUPPORTED,
                            "catalog: schema version %lld of '%s' is newer than this floe (%d)",
                            (long long)version, c->path, FLOE_CATALOG_VERSION);
    for (v = (int)version + 1; v <= FLOE_CATALOG_VERSION; v++) {
        char upd[80];
        rc = floe_catalog_begin(c, "migrate", err);
        if (rc) return rc;
        rc = floe_catalog_exec(c, migrations[v - 1], "migrate", err);
        if (rc == FLOE_OK && v > 1) {
            snprintf(upd, sizeof upd, "UPDATE schema_version SET version=%d", v);
            rc = floe_catalog_exec(c, upd, "migrate", err);
        }
        rc = floe_catalog_end(c, rc, "migrate", err);
        if (rc) return rc;
    }
    return FLOE_OK;
}

/* One-row integer query (mutex held or during open). */
static int query_i64(floe_catalog *c, const char *sql, const char *what, int64_t *out,
                     floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, sql, &st, what, err);
    if (rc) return rc;
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW)
        rc = floe_catalog_int_col(st, 0, INT64_MIN, INT64_MAX, out) ? FLOE_OK
                                                       : BADVAL(c, "%s: not an integer", what);
    else if (rc == FLOE_DONE)
        rc = BADVAL(c, "%s: no row", what);
    sqlite3_finalize(st);
    return rc;
}

/* PRAGMA quick_check or integrity_check: FLOE_CORRUPT unless "ok". */
static int check_pragma(floe_catalog *c, const char *pragma, floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, pragma, &st, pragma, err);
    if (rc) return rc;
    rc = floe_catalog_step(c, st, pragma, err);
    if (rc == FLOE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (r && strcmp(r, "ok") == 0)
            rc = FLOE_OK;
        else
            rc = floe_err_set(err, FLOE_CORRUPT, "catalog: %s: '%s' is damaged: %s", pragma,
                              c->path, r ? r : "(no message)");
    } else if (rc == FLOE_DONE) {
        rc = floe_err_set(err, FLOE_CORRUPT, "catalog: %s: '%s': no result", pragma, c->path);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Checks at open beyond sqlite's own: part ids are never reused, so the next
 * id must be above every id the catalog knows. */
static int check_ids(floe_catalog *c, floe_err *err)
{
    int64_t next = 0, maxid = 0;
    int rc = query_i64(c, "SELECT value FROM meta WHERE key='next_part_id'", "read next part id",
                       &next, err);
    if (rc == FLOE_OK)
        rc = query_i64(c,
                       "SELECT max(coalesce((SELECT max(id) FROM parts),0),"
                       " coalesce((SELECT max(id) FROM pending_parts),0),"
                       " coalesce((SELECT max(id) FROM garbage_parts),0))",
                       "read part ids", &maxid, err);
    if (rc == FLOE_OK && (next < 1 || next <= maxid))
        rc = BADVAL(c, "next part id %lld is not above the highest known part id %lld",
                    (long long)next, (long long)maxid);
    return rc;
}

int floe_catalog_open(const char *db_dir, floe_catalog **out, floe_err *err)
{
    floe_catalog *c;
    int rc, s;
    *out = NULL;
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    pthread_mutex_init(&c->mu, NULL);
    if (db_dir)
        snprintf(c->path, sizeof c->path, "%s/catalog.db", db_dir);
    else
        snprintf(c->path, sizeof c->path, ":memory:");
    s = sqlite3_open_v2(c->path, &c->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        db_dir ? floe_catalog_vfs() : NULL);
    if (s != SQLITE_OK) {
        rc = sqlfail(c, s, "open", err);
        floe_catalog_close(c);
        return rc;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, 5000);
    rc = floe_catalog_exec(c, "PRAGMA foreign_keys=ON", "open", err);
    if (rc == FLOE_OK && db_dir) rc = floe_catalog_exec(c, "PRAGMA journal_mode=WAL", "open", err);
    if (rc == FLOE_OK) rc = floe_catalog_exec(c, "PRAGMA synchronous=FULL", "open", err);
    if (rc == FLOE_OK && db_dir) rc = check_pragma(c, "PRAGMA quick_check", err);
    if (rc == FLOE_OK) rc = migrate(c, err);
    if (rc == FLOE_OK) rc = check_ids(c, err);
    if (rc) {
        floe_catalog_close(c);
        return rc;
    }
    *out = c;
    return FLOE_OK;
}

int floe_catalog_integrity_check(floe_catalog *c, floe_err *err)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = check_pragma(c, "PRAGMA integrity_check", err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

/* Percent-encode a path for a file: URI (RFC 3986 unreserved and '/' kept). */
static void uri_path(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *in && o + 4 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '/' || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

int floe_catalog_open_readonly(const char *db_dir, bool immutable, floe_catalog **out,
                               floe_err *err)
{
    floe_catalog *c;
    sqlite3_stmt *st;
    char path[4096], uri[12400];
    int rc, version = 0, has = 0;
    *out = NULL;
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) return floe_err_nomem(err);
    pthread_mutex_init(&c->mu, NULL);
    snprintf(path, sizeof path, "%s/catalog.db", db_dir);
    snprintf(c->path, sizeof c->path, "%s", path); /* messages name the file */
    memcpy(uri, "file:", 5);
    uri_path(path, uri + 5, sizeof uri - 40);
    if (immutable) strcat(uri, "?immutable=1");
    if (sqlite3_open_v2(uri, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX,
                        floe_catalog_vfs()) != SQLITE_OK) {
        rc = floe_err_set(err, FLOE_IOERR, "catalog: open %s read-only: %s", path,
                          c->db ? sqlite3_errmsg(c->db) : "out of memory");
        floe_catalog_close(c);
        return rc;
    }
    sqlite3_busy_timeout(c->db, 5000);
    /* never checkpoint (write) when this is the last connection to close */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    rc = floe_catalog_prep(c, "SELECT count(*) FROM sqlite_master WHERE name='schema_version'", &st,
              "read schema version", err);
    if (rc == FLOE_OK) {
        has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
        sqlite3_finalize(st);
        if (has && (rc = floe_catalog_prep(c, "SELECT max(version) FROM schema_version", &st,
                              "read schema version", err)) == FLOE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
                sqlite3_column_int64(st, 0) > 0 && sqlite3_column_int64(st, 0) < 1000000)
                version = sqlite3_column_int(st, 0);
            sqlite3_finalize(st);
        }
    }
    /* the table and its row are created in one transaction (migration_v1):
     * no table is a catalog still being created, a table without a sane
     * version is damage */
    if (rc == FLOE_OK && version == 0 && has)
        rc = floe_err_set(err, FLOE_CORRUPT, "catalog: '%s' is inconsistent: bad schema_version",
                          path);
    else if (rc == FLOE_OK && version == 0)
        rc = floe_err_set(err, FLOE_BUSY, "catalog: %s is not initialised yet", path);
    else if (rc == FLOE_OK && version != FLOE_CATALOG_VERSION)
        rc = floe_err_set(err, FLOE_UNSUPPORTED,
                          "catalog: %s: schema version %d, this floe reads %d (open the "
                          "database writable once to upgrade it)", path, version,
                          FLOE_CATALOG_VERSION);
    if (rc) {
        floe_catalog_close(c);
        return rc;
    }
    *out = c;
    return FLOE_OK;
}

int floe_catalog_read_begin(floe_catalog *c, floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_exec(c, "BEGIN", "read snapshot", err);
    /* a deferred transaction takes its snapshot at the first read */
    if (rc == FLOE_OK && (rc = floe_catalog_prep(c, "SELECT count(*) FROM tables", &st, "read snapshot", err)) ==
                             FLOE_OK) {
        if (sqlite3_step(st) != SQLITE_ROW) rc = SQLERR(c, "read snapshot");
        sqlite3_finalize(st);
        if (rc) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void floe_catalog_read_end(floe_catalog *c)
{
    if (c == NULL) return;
    pthread_mutex_lock(&c->mu);
    if (!sqlite3_get_autocommit(c->db)) sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&c->mu);
}

int floe_catalog_data_version(floe_catalog *c, int64_t *out, floe_err *err)
{
    sqlite3_stmt *st;
    int rc;
    *out = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "PRAGMA data_version", &st, "read data_version", err);
    if (rc == FLOE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            *out = sqlite3_column_int64(st, 0);
        else
            rc = SQLERR(c, "read data_version");
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void floe_catalog_close(floe_catalog *c)
{
    if (c == NULL) return;
    if (c->db) sqlite3_close_v2(c->db);
    pthread_mutex_destroy(&c->mu);
    floe_free(c);
}

/* -------------------------------------------------------------- tables */

/* Id of the table named `name` in *out (-1 when absent). */
static int lookup_table(floe_catalog *c, const char *name, int64_t *out, const char *what,
                        floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "SELECT id FROM tables WHERE name=?", &st, what, err);
    *out = -1;
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW)
        rc = floe_catalog_int_col(st, 0, 1, INT64_MAX, out) ? FLOE_OK : BADVAL(c, "table '%s': bad id", name);
    else if (rc == FLOE_DONE)
        rc = FLOE_OK;
    sqlite3_finalize(st);
    return rc;
}

static int insert_column(floe_catalog *c, int64_t tid, const floe_column_def *col, uint32_t id,
                         uint32_t ordinal, uint32_t version, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "INSERT INTO columns VALUES(?,?,?,?,?,?,?,?,?,?)", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, tid);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_text(st, 3, col->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, col->type.id);
    sqlite3_bind_int(st, 5, col->type.precision);
    sqlite3_bind_int(st, 6, col->type.scale);
    sqlite3_bind_int(st, 7, col->not_null);
    sqlite3_bind_int64(st, 8, ordinal);
    sqlite3_bind_int64(st, 9, version);
    if (col->default_text)
        sqlite3_bind_text(st, 10, col->default_text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    rc = floe_catalog_run(c, st, what, err);
    if (rc == FLOE_CONSTRAINT)
        floe_err_set(err, FLOE_CONSTRAINT, "%s: column '%s' is defined twice", what, col->name);
    return rc;
}

int floe_catalog_create_table(floe_catalog *c, const floe_table_def *def, int64_t *out_id,
                              floe_err *err)
{
    return floe_catalog_create_table_objs(c, def, NULL, 0, out_id, err);
}

int floe_catalog_create_table_objs(floe_catalog *c, const floe_table_def *def,
                                   const floe_catalog_object *objs, uint32_t nobjs,
                                   int64_t *out_id, floe_err *err)
{
    char what[320], sort[1024];
    sqlite3_stmt *st;
    int64_t tid = 0;
    uint32_t i;
    size_t sl = 0;
    int rc;
    snprintf(what, sizeof what, "create table '%s'", def->name);
    if (def->ncols == 0)
        return floe_err_set(err, FLOE_MISUSE, "catalog: %s: a table needs columns", what);
    sort[0] = '\0';
    for (i = 0; i < def->opts.nsort && sl < sizeof sort - 16; i++)
        sl += (size_t)snprintf(sort + sl, sizeof sort - sl, "%s%u", i ? "," : "", def->opts.sort_cols[i]);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto out_unlocked_tx;
    rc = lookup_table(c, def->name, &tid, what, err);
    if (rc) goto out;
    if (tid >= 0) {
        rc = floe_err_set(err, FLOE_CONSTRAINT, "catalog: %s: table already exists", what);
        goto out;
    }
    rc = floe_catalog_prep(c, "INSERT INTO tables(name, created, version, next_col_id) VALUES(?,?,1,?)", &st,
              what, err);
    if (rc) goto out;
    sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
    sqlite3_bind_int64(st, 3, (int64_t)def->ncols + 1);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    tid = sqlite3_last_insert_rowid(c->db);
    for (i = 0; i < def->ncols && rc == FLOE_OK; i++)
        rc = insert_column(c, tid, &def->cols[i], i + 1, i, 1, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "INSERT INTO table_options VALUES(?,?,?,?,?,?,?,?,?)", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    /* "no column" is stored as -1 (0 is no column id either) */
    sqlite3_bind_int64(st, 2, def->opts.partition_col > 0 ? def->opts.partition_col : -1);
    sqlite3_bind_int64(st, 3, def->opts.shards ? def->opts.shards : 1);
    sqlite3_bind_text(st, 4, sort, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (int64_t)def->opts.flush_rows);
    sqlite3_bind_int64(st, 6, (int64_t)def->opts.flush_bytes);
    sqlite3_bind_int64(st, 7, def->opts.flush_interval_ms);
    sqlite3_bind_int64(st, 8, def->opts.ttl_seconds);
    sqlite3_bind_int64(st, 9, def->opts.ttl_col > 0 ? def->opts.ttl_col : -1);
    rc = floe_catalog_run(c, st, what, err);
    if (rc == FLOE_OK && nobjs) rc = floe_catalog_insert_objects(c, tid, objs, nobjs, what, err);
out:
    rc = floe_catalog_end(c, rc, what, err);
out_unlocked_tx:
    pthread_mutex_unlock(&c->mu);
    if (rc == FLOE_OK && out_id) *out_id = tid;
    return rc;
}

int floe_catalog_drop_table(floe_catalog *c, const char *name, int64_t *out_id, floe_err *err)
{
    char what[320];
    sqlite3_stmt *st;
    int64_t tid;
    int rc;
    snprintf(what, sizeof what, "drop table '%s'", name);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    rc = lookup_table(c, name, &tid, what, err);
    if (rc) goto out;
    if (tid < 0) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: no such table", what);
        goto out;
    }
    /* the table's directory goes as a whole: its part bookkeeping too */
    rc = floe_catalog_prep(c, "DELETE FROM pending_parts WHERE table_id=?1; ", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "DELETE FROM garbage_parts WHERE table_id=?1", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "DELETE FROM legacy_gc WHERE table_id=?1", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "DELETE FROM stream_offsets WHERE table_id=?", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "DELETE FROM producers WHERE table_id=?", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "DELETE FROM tables WHERE id=?", &st, what, err); /* cascades */
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_run(c, st, what, err);
    if (rc == FLOE_OK && out_id) *out_id = tid;
out:
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_add_column(floe_catalog *c, const char *table, const floe_column_def *col,
                            uint32_t *out_col_id, floe_err *err)
{
    char what[400];
    sqlite3_stmt *st;
    int64_t tid;
    uint32_t id = 0, version = 0, ordinal = 0;
    int rc;
    snprintf(what, sizeof what, "add column '%s' to '%s'", col->name, table);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    rc = lookup_table(c, table, &tid, what, err);
    if (rc) goto out;
    if (tid < 0) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: no such table", what);
        goto out;
    }
    rc = floe_catalog_prep(c,
              "SELECT t.next_col_id, t.version, (SELECT max(ordinal)+1 FROM columns WHERE table_id=t.id),"
              " (SELECT count(*) FROM columns WHERE table_id=t.id AND name=?) FROM tables t WHERE t.id=?",
              &st, what, err);
    if (rc) goto out;
    sqlite3_bind_text(st, 1, col->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, tid);
    rc = floe_catalog_step(c, st, what, err);
    if (rc != FLOE_ROW) {
        sqlite3_finalize(st);
        if (rc == FLOE_DONE) rc = BADVAL(c, "table '%s' vanished", table);
        goto out;
    }
    rc = FLOE_OK;
    id = (uint32_t)sqlite3_column_int64(st, 0);
    version = (uint32_t)sqlite3_column_int64(st, 1) + 1;
    ordinal = (uint32_t)sqlite3_column_int64(st, 2);
    if (sqlite3_column_int(st, 3) > 0) {
        sqlite3_finalize(st);
        rc = floe_err_set(err, FLOE_CONSTRAINT, "catalog: %s: column already exists", what);
        goto out;
    }
    sqlite3_finalize(st);
    rc = insert_column(c, tid, col, id, ordinal, version, what, err);
    if (rc) goto out;
    rc = floe_catalog_prep(c, "UPDATE tables SET next_col_id=?, version=? WHERE id=?", &st, what, err);
    if (rc) goto out;
    sqlite3_bind_int64(st, 1, (int64_t)id + 1);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_int64(st, 3, tid);
    rc = floe_catalog_run(c, st, what, err);
out:
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    if (rc == FLOE_OK && out_col_id) *out_col_id = id;
    return rc;
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? floe_strdup((const char *)s) : NULL;
}

static bool valid_type(int64_t id)
{
    return id >= FLOE_TYPE_BOOLEAN && id <= FLOE_TYPE_INTERVAL;
}

/* Column id `id` of t exists (or id is -1 when allow_none). */
static bool has_col(const floe_table_def *t, int64_t id, bool allow_none)
{
    uint32_t i;
    if (id == -1) return allow_none;
    for (i = 0; i < t->ncols; i++)
        if ((int64_t)t->cols[i].id == id) return true;
    return false;
}

#define FLOE_CATALOG_MAX_SHARDS 4096 /* sanity bound on table_options.shards */

/* Load a table definition by id (mutex held). FLOE_NOTFOUND when absent;
 * FLOE_CORRUPT naming the catalog when a value read back is impossible
 * (NULL or wrong type where the schema forbids it, unknown type ids,
 * options naming columns the table lacks). */
int floe_catalog_load_table(floe_catalog *c, int64_t tid, floe_table_def **out, floe_err *err)
{
    floe_table_def *t;
    sqlite3_stmt *st = NULL;
    int64_t v[8], ncols = 0;
    int rc;
    const char *what = "read table";
    *out = NULL;
    t = floe_calloc(1, sizeof *t);
    if (t == NULL) return floe_err_nomem(err);
    t->id = tid;
    rc = floe_catalog_prep(c, "SELECT name, created, version, next_col_id,"
                 " (SELECT count(*) FROM columns WHERE table_id=?1) FROM tables WHERE id=?1",
              &st, what, err);
    if (rc) goto fail;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_DONE) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: table id %lld: no such table", (long long)tid);
        goto fail;
    }
    if (rc != FLOE_ROW) goto fail;
    if (sqlite3_column_type(st, 0) != SQLITE_TEXT || !floe_catalog_int_col(st, 1, INT64_MIN, INT64_MAX, &v[1]) ||
        !floe_catalog_int_col(st, 2, 1, UINT32_MAX, &v[2]) || !floe_catalog_int_col(st, 3, 2, UINT32_MAX, &v[3]) ||
        !floe_catalog_int_col(st, 4, 1, UINT32_MAX, &ncols)) {
        rc = BADVAL(c, "table id %lld: bad values in tables", (long long)tid);
        goto fail;
    }
    t->name = col_text(st, 0);
    t->created = v[1];
    t->version = (uint32_t)v[2];
    t->next_col_id = (uint32_t)v[3];
    sqlite3_finalize(st);
    st = NULL;
    if (t->name == NULL) goto nomem;
    t->cols = floe_calloc((size_t)ncols + 1, sizeof *t->cols);
    if (t->cols == NULL) goto nomem;
    rc = floe_catalog_prep(c,
              "SELECT col_id, name, type_id, precision, scale, not_null, added_version, default_text,"
              " ordinal FROM columns WHERE table_id=?1 ORDER BY ordinal",
              &st, what, err);
    if (rc) goto fail;
    sqlite3_bind_int64(st, 1, tid);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        floe_column_def *cd;
        if ((int64_t)t->ncols == ncols || !floe_catalog_int_col(st, 0, 1, (int64_t)t->next_col_id - 1, &v[0]) ||
            sqlite3_column_type(st, 1) != SQLITE_TEXT || !floe_catalog_int_col(st, 2, 0, 255, &v[2]) ||
            !valid_type(v[2]) || !floe_catalog_int_col(st, 3, 0, 255, &v[3]) || !floe_catalog_int_col(st, 4, 0, 255, &v[4]) ||
            !floe_catalog_int_col(st, 5, 0, 1, &v[5]) || !floe_catalog_int_col(st, 6, 1, t->version, &v[6]) ||
            !floe_catalog_int_col(st, 8, (int64_t)t->ncols, (int64_t)t->ncols, &v[7]) ||
            has_col(t, v[0], false)) {
            rc = BADVAL(c, "table '%s': bad column definition #%u", t->name, t->ncols + 1);
            goto fail;
        }
        cd = &t->cols[t->ncols++];
        cd->id = (uint32_t)v[0];
        cd->name = col_text(st, 1);
        cd->type.id = (uint8_t)v[2];
        cd->type.precision = (uint8_t)v[3];
        cd->type.scale = (uint8_t)v[4];
        cd->not_null = v[5] != 0;
        cd->added_version = (uint32_t)v[6];
        cd->default_text = col_text(st, 7);
        if (cd->name == NULL || (sqlite3_column_type(st, 7) != SQLITE_NULL && !cd->default_text))
            goto nomem;
    }
    if (rc != FLOE_DONE) goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if ((int64_t)t->ncols != ncols) {
        rc = BADVAL(c, "table '%s': %lld columns listed, %u read", t->name, (long long)ncols,
                    t->ncols);
        goto fail;
    }
    rc = floe_catalog_prep(c,
              "SELECT partition_col, shards, sort_cols, flush_rows, flush_bytes, flush_interval_ms,"
              " ttl_seconds, ttl_col FROM table_options WHERE table_id=?",
              &st, what, err);
    if (rc) goto fail;
    sqlite3_bind_int64(st, 1, tid);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_DONE) rc = BADVAL(c, "table '%s': options are missing", t->name);
    if (rc != FLOE_ROW) goto fail;
    {
        const char *s = (const char *)sqlite3_column_text(st, 2);
        uint32_t n = 0;
        if (!floe_catalog_int_col(st, 0, -1, UINT32_MAX, &v[0]) || !has_col(t, v[0], true) ||
            !floe_catalog_int_col(st, 1, 1, FLOE_CATALOG_MAX_SHARDS, &v[1]) ||
            !floe_catalog_int_col(st, 3, 0, INT64_MAX, &v[3]) || !floe_catalog_int_col(st, 4, 0, INT64_MAX, &v[4]) ||
            !floe_catalog_int_col(st, 5, 0, UINT32_MAX, &v[5]) || !floe_catalog_int_col(st, 6, 0, INT64_MAX, &v[6]) ||
            !floe_catalog_int_col(st, 7, -1, UINT32_MAX, &v[7]) || !has_col(t, v[7], true) ||
            sqlite3_column_type(st, 2) != SQLITE_TEXT) {
            rc = BADVAL(c, "table '%s': bad values in table_options", t->name);
            goto fail;
        }
        t->opts.partition_col = v[0];
        t->opts.shards = (uint32_t)v[1];
        t->opts.flush_rows = (uint64_t)v[3];
        t->opts.flush_bytes = (uint64_t)v[4];
        t->opts.flush_interval_ms = (uint32_t)v[5];
        t->opts.ttl_seconds = v[6];
        t->opts.ttl_col = v[7];
        t->opts.sort_cols = floe_calloc(s ? strlen(s) / 2 + 2 : 1, sizeof(uint32_t));
        if (t->opts.sort_cols == NULL) goto nomem;
        while (s && *s) {
            char *e;
            unsigned long sv = strtoul(s, &e, 10);
            if (e == s || (*e != ',' && *e != '\0') || !has_col(t, (int64_t)sv, false)) {
                rc = BADVAL(c, "table '%s': bad sort key '%s'", t->name,
                            (const char *)sqlite3_column_text(st, 2));
                goto fail;
            }
            t->opts.sort_cols[n++] = (uint32_t)sv;
            s = *e == ',' ? e + 1 : e;
        }
        t->opts.nsort = n;
    }
    sqlite3_finalize(st);
    *out = t;
    return FLOE_OK;
nomem:
    rc = floe_err_nomem(err);
fail:
    if (st) sqlite3_finalize(st);
    floe_table_def_free(t);
    return rc;
}

int floe_catalog_get_table(floe_catalog *c, const char *name, floe_table_def **out, floe_err *err)
{
    int64_t tid;
    int rc;
    *out = NULL;
    pthread_mutex_lock(&c->mu);
    rc = lookup_table(c, name, &tid, "get table", err);
    if (rc)
        ;
    else if (tid < 0)
        rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: table '%s' does not exist", name);
    else
        rc = floe_catalog_load_table(c, tid, out, err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_get_table_by_id(floe_catalog *c, int64_t id, floe_table_def **out, floe_err *err)
{
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_load_table(c, id, out, err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int floe_catalog_list_tables(floe_catalog *c, floe_table_def ***out, uint32_t *out_n, floe_err *err)
{
    sqlite3_stmt *st;
    int64_t *ids = NULL;
    uint32_t n = 0, cap = 0, i;
    floe_table_def **defs = NULL;
    int rc;
    *out = NULL;
    *out_n = 0;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_prep(c, "SELECT id FROM tables ORDER BY name", &st, "list tables", err);
    if (rc) goto out;
    while ((rc = floe_catalog_step(c, st, "list tables", err)) == FLOE_ROW) {
        int64_t id;
        if (n == cap) {
            int64_t *ni;
            cap = cap ? cap * 2 : 16;
            ni = floe_realloc(ids, cap * sizeof *ids);
            if (ni == NULL) {
                sqlite3_finalize(st);
                rc = floe_err_nomem(err);
                goto out;
            }
            ids = ni;
        }
        if (!floe_catalog_int_col(st, 0, 1, INT64_MAX, &id)) {
            sqlite3_finalize(st);
            rc = BADVAL(c, "a table id is not a positive integer");
            goto out;
        }
        ids[n++] = id;
    }
    sqlite3_finalize(st);
    if (rc != FLOE_DONE) goto out;
    rc = FLOE_OK;
    defs = floe_calloc(n ? n : 1, sizeof *defs);
    if (defs == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < n && rc == FLOE_OK; i++) rc = floe_catalog_load_table(c, ids[i], &defs[i], err);
    if (rc) {
        for (i = 0; i < n; i++) floe_table_def_free(defs[i]);
        floe_free(defs);
        goto out;
    }
    *out = defs;
    *out_n = n;
out:
    pthread_mutex_unlock(&c->mu);
    floe_free(ids);
    return rc;
}

/* ------------------------------------------------------ open-time cleanup */

/* Ids from a one-column query bound to table_id, appended to *ids. */
static int collect_ids(floe_catalog *c, const char *sql, int64_t table_id, int64_t **ids,
                       uint32_t *n, const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    uint32_t cap = *n;
    int rc = floe_catalog_prep(c, sql, &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, table_id);
    while ((rc = floe_catalog_step(c, st, what, err)) == FLOE_ROW) {
        int64_t id;
        if (!floe_catalog_int_col(st, 0, 1, INT64_MAX, &id)) {
            rc = BADVAL(c, "%s: a part id is not a positive integer", what);
            break;
        }
        if (*n == cap) {
            int64_t *ni;
            cap = cap ? cap * 2 : 16;
            ni = floe_realloc(*ids, cap * sizeof *ni);
            if (ni == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            *ids = ni;
        }
        (*ids)[(*n)++] = id;
    }
    sqlite3_finalize(st);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

int floe_catalog_gc_info(floe_catalog *c, int64_t table_id, floe_catalog_gc *out, floe_err *err)
{
    const char *what = "read part bookkeeping";
    int64_t legacy = 0;
    int rc;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_exec(c, "BEGIN", what, err);
    if (rc) goto unlock;
    rc = collect_ids(c, "SELECT id FROM pending_parts WHERE table_id=? ORDER BY id", table_id,
                     &out->pending, &out->npending, what, err);
    if (rc == FLOE_OK)
        rc = collect_ids(c, "SELECT id FROM garbage_parts WHERE table_id=? ORDER BY id", table_id,
                         &out->garbage, &out->ngarbage, what, err);
    if (rc == FLOE_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM legacy_gc WHERE table_id=%lld",
                 (long long)table_id);
        rc = query_i64(c, sql, what, &legacy, err);
    }
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
unlock:
    pthread_mutex_unlock(&c->mu);
    out->legacy = legacy > 0;
    if (rc) floe_catalog_gc_free(out);
    return rc;
}

void floe_catalog_gc_free(floe_catalog_gc *g)
{
    if (g == NULL) return;
    floe_free(g->pending);
    floe_free(g->garbage);
    memset(g, 0, sizeof *g);
}

int floe_catalog_gc_done(floe_catalog *c, int64_t table_id, floe_err *err)
{
    static const char *const sql[] = {"DELETE FROM pending_parts WHERE table_id=?",
                                      "DELETE FROM garbage_parts WHERE table_id=?",
                                      "DELETE FROM legacy_gc WHERE table_id=?"};
    const char *what = "clear part bookkeeping";
    sqlite3_stmt *st;
    size_t i;
    int rc;
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc == FLOE_OK) {
        for (i = 0; rc == FLOE_OK && i < sizeof sql / sizeof *sql; i++) {
            rc = floe_catalog_prep(c, sql[i], &st, what, err);
            if (rc) break;
            sqlite3_bind_int64(st, 1, table_id);
            rc = floe_catalog_run(c, st, what, err);
        }
        rc = floe_catalog_end(c, rc, what, err);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

const char *floe_catalog_path(const floe_catalog *c)
{
    return c->path;
}
