/* storage/catalog_deletes.c: the catalog's delete vectors (DELETE/UPDATE).
 *
 * Purpose: the commit point of a DELETE or UPDATE statement
 * (floe_catalog_commit_deletes: every touched part's new delete vector, and
 * UPDATE's part of rewritten rows, in one sqlite transaction, so a
 * statement is atomic across parts and a crash leaves it whole or absent),
 * and reading a part's vector back when parts are listed. Table
 * part_deletes(part_id, ndeleted, bits) is added by catalog migration v3
 * (storage/catalog.c); a part's row there goes with the part (ON DELETE
 * CASCADE) when a merge or TTL drop removes it. The blob is
 * FLOE_BITMAP_WORDS(rows) little-endian u64 words, bit set = row deleted;
 * a blob of another size, bits past `rows`, or a population count other
 * than ndeleted is FLOE_CORRUPT naming catalog.db (sqlite checksums pages
 * only with extensions, so this is the vector's own check).
 * Thread-safety and errors: as storage/catalog.h (the catalog mutex around
 * every statement; helpers of storage/catalog_internal.h).
 */
#include "storage/catalog.h"
#include "storage/catalog_internal.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "util/vec.h"

static uint64_t popcount_words(const uint64_t *w, size_t n)
{
    uint64_t c = 0;
    size_t i;
    for (i = 0; i < n; i++) c += (uint64_t)__builtin_popcountll(w[i]);
    return c;
}

/* The vector is well formed for a part of `rows` rows: no bit past the
 * last row, and `ndel` bits set. */
static bool vector_ok(const uint64_t *w, uint64_t rows, uint64_t ndel)
{
    size_t n = FLOE_BITMAP_WORDS(rows);
    if (n && (rows % 64) && (w[n - 1] >> (rows % 64)) != 0) return false;
    return popcount_words(w, n) == ndel && ndel <= rows;
}

int floe_catalog_load_deletes(floe_catalog *c, floe_catalog_part *p, const char *what,
                              floe_err *err)
{
    sqlite3_stmt *st;
    int rc = floe_catalog_prep(c, "SELECT ndeleted, bits FROM part_deletes WHERE part_id=?", &st,
                               what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, p->id);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_ROW) {
        int64_t nd;
        const void *b = sqlite3_column_blob(st, 1);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 1);
        size_t words = FLOE_BITMAP_WORDS(p->rows);
        if (!floe_catalog_int_col(st, 0, 0, INT64_MAX, &nd) || bytes != words * 8 ||
            (words && b == NULL)) {
            rc = BADVAL(c, "part-%lld: bad delete vector", (long long)p->id);
        } else if ((p->deleted = floe_malloc(words ? words * 8 : 8)) == NULL) {
            rc = floe_err_nomem(err);
        } else {
            if (words) memcpy(p->deleted, b, words * 8);
            p->ndeleted = (uint64_t)nd;
            rc = vector_ok(p->deleted, p->rows, p->ndeleted)
                     ? FLOE_OK
                     : BADVAL(c, "part-%lld: delete vector does not match its count",
                              (long long)p->id);
            if (rc == FLOE_OK && p->ndeleted == 0) {
                floe_free(p->deleted);
                p->deleted = NULL;
            }
        }
    } else if (rc == FLOE_DONE) {
        rc = FLOE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Store one vector (transaction and mutex held). */
static int put_vector(floe_catalog *c, int64_t table_id, const floe_part_deletes *d,
                      const char *what, floe_err *err)
{
    sqlite3_stmt *st;
    size_t words = FLOE_BITMAP_WORDS(d->rows);
    int rc;
    rc = floe_catalog_prep(c, "SELECT rows FROM parts WHERE id=? AND table_id=?", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, d->part_id);
    sqlite3_bind_int64(st, 2, table_id);
    rc = floe_catalog_step(c, st, what, err);
    if (rc == FLOE_DONE)
        rc = floe_err_set(err, FLOE_NOTFOUND, "catalog: %s: part-%lld is not committed", what,
                          (long long)d->part_id);
    else if (rc == FLOE_ROW)
        rc = sqlite3_column_int64(st, 0) == (int64_t)d->rows
                 ? FLOE_OK
                 : floe_err_set(err, FLOE_MISUSE, "catalog: %s: part-%lld has %lld rows, not %llu",
                                what, (long long)d->part_id,
                                (long long)sqlite3_column_int64(st, 0),
                                (unsigned long long)d->rows);
    sqlite3_finalize(st);
    if (rc) return rc;
    if (!vector_ok(d->bits, d->rows, d->ndeleted))
        return floe_err_set(err, FLOE_MISUSE, "catalog: %s: part-%lld: vector and count differ",
                            what, (long long)d->part_id);
    rc = floe_catalog_prep(c, "INSERT OR REPLACE INTO part_deletes VALUES(?,?,?)", &st, what, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, d->part_id);
    sqlite3_bind_int64(st, 2, (int64_t)d->ndeleted);
    sqlite3_bind_blob(st, 3, words ? (const void *)d->bits : (const void *)"", (int)(words * 8),
                      SQLITE_STATIC);
    return floe_catalog_run(c, st, what, err);
}

int floe_catalog_commit_deletes(floe_catalog *c, int64_t table_id, const floe_part_deletes *dels,
                                uint32_t ndels, const floe_part_info *added, floe_err *err)
{
    char what[80];
    uint32_t i;
    int rc;
    snprintf(what, sizeof what, "delete rows of %u parts of table %lld", ndels,
             (long long)table_id);
    pthread_mutex_lock(&c->mu);
    rc = floe_catalog_begin(c, what, err);
    if (rc) goto unlock;
    for (i = 0; rc == FLOE_OK && i < ndels; i++) rc = put_vector(c, table_id, &dels[i], what, err);
    if (rc == FLOE_OK && added != NULL) {
        rc = floe_catalog_insert_part(c, table_id, added, what, err);
        if (rc == FLOE_OK) rc = floe_catalog_clear_pending(c, added->part_id, what, err);
    }
    rc = floe_catalog_end(c, rc, what, err);
unlock:
    pthread_mutex_unlock(&c->mu);
    return rc;
}
