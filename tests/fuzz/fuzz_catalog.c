/* tests/fuzz/fuzz_catalog.c: libFuzzer target for the catalog loader
 * (storage/catalog*.c read side and db/open.c's use of it): a read-only
 * floe_db_open over a catalog.db whose rows the input rewrote.
 *
 * Setup (once per process): a real database in a scratch directory (three
 * tables with shards, a TTL, a sort key, defaults and NOT NULL, an index
 * and a view, several flushed parts, a producer sequence), closed cleanly;
 * its catalog.db bytes are kept, and every catalog table and column is
 * listed from sqlite_master.
 * Input: a list of edits, each: table byte, column byte, row byte, kind
 * byte, then the value (kind 0: 8-byte integer, 1: NULL, 2: text of
 * length byte, 3: blob of length byte, 4: 8-byte double, 5: delete the
 * row, 6: small integer byte - 2, 7: duplicate the row). Values go in with
 * sqlite's own API, so the file itself stays a valid sqlite database: this
 * fuzzes floe's value sanity checks, not sqlite's page format (its own
 * fuzzers cover that; tests/api/test_catalog_damage.c flips bytes).
 * Property: the open succeeds, or fails with FLOE_CORRUPT and a message
 * (naming catalog.db, or the WAL segment or part file the edited catalog
 * no longer matches), or FLOE_UNSUPPORTED / FLOE_IOERR / FLOE_NOMEM naming
 * catalog.db; it never crashes, reads out of bounds or allocates without
 * bound. After a successful open, a count over every table answers or
 * fails with a message. Files of the database are never changed (the open
 * is read-only: the parts stay the template's). FUZZ_CATALOG_VERBOSE=1
 * prints each open's result. */
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXT 32
#define MAXC 16

static char g_dir[256], g_cat[512];
static unsigned char *g_bytes;
static size_t g_len;
static char g_tab[MAXT][64];
static char g_col[MAXT][MAXC][64];
static int g_ncol[MAXT], g_ntab, g_verbose;

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_catalog: could not remove %s\n", g_dir);
}

static void must(floe_db *db, const char *sql)
{
    if (floe_exec(db, sql) != FLOE_OK) {
        fprintf(stderr, "fuzz_catalog: template: %s: %s\n", sql, floe_db_errmsg(db));
        abort();
    }
}

static void make_template(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    floe_db *db = NULL;
    sqlite3 *s;
    sqlite3_stmt *st;
    FILE *f;
    int p;
    char sql[256];
    snprintf(g_dir, sizeof g_dir, "%s/floe-fuzz-catalog-%d", base, (int)getpid());
    snprintf(g_cat, sizeof g_cat, "%s/catalog.db", g_dir);
    if (floe_db_open(g_dir, FLOE_OPEN_CREATE | FLOE_OPEN_DURABILITY_OFF, &db) != FLOE_OK) abort();
    must(db, "CREATE TABLE a (k BIGINT NOT NULL, v DOUBLE, s VARCHAR DEFAULT 'x', ts TIMESTAMP)"
             " WITH (shards = 2)");
    must(db, "CREATE TABLE b (k INTEGER, d DATE, m DECIMAL(12,3)) WITH (shards = 1)");
    must(db, "CREATE TABLE c (k BIGINT, ts TIMESTAMP) WITH (shards = 1, ttl = '3000 days')");
    must(db, "CREATE INDEX a_k ON a (k)");
    must(db, "CREATE VIEW va AS SELECT k, v FROM a WHERE k > 3");
    for (p = 0; p < 3; p++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO a SELECT i, i * 0.5, 's' || i, TIMESTAMP '2026-01-01 00:00:00'"
                 " FROM range(%d, %d) t(i)", p * 50, p * 50 + 50);
        must(db, sql);
        must(db, "FLUSH a");
        snprintf(sql, sizeof sql,
                 "INSERT INTO b VALUES (%d, DATE '2026-02-03', 12.5), (%d, NULL, -1.25)", p, p + 10);
        must(db, sql);
        must(db, "FLUSH b");
    }
    must(db, "INSERT INTO c VALUES (1, TIMESTAMP '2026-03-01 00:00:00')");
    must(db, "FLUSH c");
    if (floe_db_close(db) != FLOE_OK) abort();
    if (sqlite3_open(g_cat, &s) != SQLITE_OK ||
        sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        abort();
    if (sqlite3_prepare_v2(s, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        abort();
    while (sqlite3_step(st) == SQLITE_ROW && g_ntab < MAXT)
        snprintf(g_tab[g_ntab++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    for (p = 0; p < g_ntab; p++) {
        snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s')", g_tab[p]);
        if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) abort();
        while (sqlite3_step(st) == SQLITE_ROW && g_ncol[p] < MAXC)
            snprintf(g_col[p][g_ncol[p]++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(s);
    f = fopen(g_cat, "rb");
    if (f == NULL) abort();
    fseek(f, 0, SEEK_END);
    g_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    g_bytes = malloc(g_len);
    if (g_bytes == NULL || fread(g_bytes, 1, g_len, f) != g_len) abort();
    fclose(f);
}

/* Apply the edits; stops at the first incomplete one. */
static void apply(sqlite3 *s, const uint8_t *d, size_t n)
{
    size_t i = 0;
    int edits = 0;
    while (i + 4 <= n && edits++ < 16) {
        int t = d[i] % g_ntab, kind = d[i + 3] % 8;
        const char *col;
        unsigned row = d[i + 2];
        char sql[512];
        sqlite3_stmt *st = NULL;
        if (g_ncol[t] == 0) return;
        col = g_col[t][d[i + 1] % g_ncol[t]];
        i += 4;
        if (kind == 5)
            snprintf(sql, sizeof sql,
                     "DELETE FROM \"%s\" WHERE rowid=(SELECT rowid FROM \"%s\" ORDER BY rowid"
                     " LIMIT 1 OFFSET %u)", g_tab[t], g_tab[t], row);
        else if (kind == 7)
            snprintf(sql, sizeof sql,
                     "INSERT OR IGNORE INTO \"%s\" SELECT * FROM \"%s\" ORDER BY rowid"
                     " LIMIT 1 OFFSET %u", g_tab[t], g_tab[t], row);
        else
            snprintf(sql, sizeof sql,
                     "UPDATE OR IGNORE \"%s\" SET \"%s\"=?1 WHERE rowid=(SELECT rowid FROM \"%s\""
                     " ORDER BY rowid LIMIT 1 OFFSET %u)", g_tab[t], col, g_tab[t], row);
        if (sqlite3_prepare_v2(s, sql, -1, &st, NULL) != SQLITE_OK) {
            sqlite3_finalize(st);
            continue;
        }
        if (kind == 0 || kind == 4) {
            int64_t v = 0;
            double x;
            if (i + 8 > n) {
                sqlite3_finalize(st);
                return;
            }
            memcpy(&v, d + i, 8);
            memcpy(&x, d + i, 8);
            i += 8;
            if (kind == 0)
                sqlite3_bind_int64(st, 1, v);
            else
                sqlite3_bind_double(st, 1, x);
        } else if (kind == 1) {
            sqlite3_bind_null(st, 1);
        } else if (kind == 2 || kind == 3) {
            size_t len = i < n ? d[i] : 0;
            i++;
            if (i + len > n) len = i < n ? n - i : 0;
            if (kind == 2)
                sqlite3_bind_text(st, 1, (const char *)d + (i < n ? i : n), (int)len,
                                  SQLITE_TRANSIENT);
            else
                sqlite3_bind_blob(st, 1, d + (i < n ? i : n), (int)len, SQLITE_TRANSIENT);
            i += len;
        } else if (kind == 6) {
            sqlite3_bind_int64(st, 1, i < n ? (int64_t)d[i] - 2 : 0);
            i++;
        }
        (void)sqlite3_step(st); /* constraint failures are just skipped edits */
        sqlite3_finalize(st);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[600];
    FILE *f;
    sqlite3 *s;
    floe_db *db = NULL;
    int rc, t;
    if (g_bytes == NULL) {
        make_template();
        g_verbose = getenv("FUZZ_CATALOG_VERBOSE") != NULL;
        atexit(cleanup);
    }
    if (size > 4096) return 0;
    f = fopen(g_cat, "wb");
    if (f == NULL || fwrite(g_bytes, 1, g_len, f) != g_len) abort();
    fclose(f);
    snprintf(path, sizeof path, "%s-wal", g_cat);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", g_cat);
    unlink(path);
    if (sqlite3_open(g_cat, &s) != SQLITE_OK) abort();
    sqlite3_exec(s, "PRAGMA foreign_keys=OFF", NULL, NULL, NULL);
    apply(s, data, size);
    sqlite3_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(s);

    rc = floe_db_open(g_dir, FLOE_OPEN_READONLY, &db);
    if (g_verbose) fprintf(stderr, "open: %s %s\n", floe_errstr(rc), floe_db_errmsg(db));
    if (rc == FLOE_OK) {
        static const char *const q[] = {"SELECT count(*), sum(k) FROM a",
                                        "SELECT count(*), sum(k) FROM b",
                                        "SELECT count(*) FROM c", "SELECT count(*) FROM va"};
        for (t = 0; t < 4; t++) {
            floe_result *r = NULL;
            rc = floe_query(db, q[t], &r);
            if (rc != FLOE_OK && floe_db_errmsg(db)[0] == '\0') {
                fprintf(stderr, "fuzz_catalog: query %s: %d without a message\n", q[t], rc);
                abort();
            }
            floe_result_free(r);
        }
        floe_db_close(db);
    } else {
        const char *m = floe_db_errmsg(db);
        /* damage is FLOE_CORRUPT naming what disagrees (catalog.db, or the
         * WAL segment or part the edited catalog no longer matches) */
        if (!((rc == FLOE_CORRUPT && m[0] != '\0') ||
              ((rc == FLOE_UNSUPPORTED || rc == FLOE_IOERR || rc == FLOE_NOMEM) &&
               strstr(m, "catalog.db") != NULL))) {
            fprintf(stderr, "fuzz_catalog: open: undocumented result %s: %s\n", floe_errstr(rc),
                    m);
            abort();
        }
        floe_db_close(db);
    }
    return 0;
}
