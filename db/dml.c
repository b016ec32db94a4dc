/* db/dml.c: DELETE and UPDATE statements.
 *
 * Design ("flush first", doc/architecture.md): a statement applies to the
 * table's committed parts only. It first flushes the table (every row
 * acknowledged before the statement began is then in a part), then runs the
 * bound query (sql/bind_dml.c: row ids of the matching rows and, for
 * UPDATE, their new values) over the parts alone, and commits in ONE
 * catalog transaction (floe_catalog_commit_deletes) the new delete vector
 * of every part it touched and, for UPDATE, one new part holding the
 * rewritten rows. That transaction is the commit point: a crash before it
 * leaves the old rows (the new part is pending, removed at open), after it
 * the new ones; never both, never neither. Rows appended while the
 * statement runs stay in memtables and are not affected (they come after
 * it), so appends are never blocked by a DELETE.
 *
 * Visibility: delete vectors live in part readers (storage/part.h
 * floe_part_reader_with_deletes); after the commit, under the table's
 * visibility lock held exclusively (no I/O inside), every touched reader
 * in t->parts is swapped for one carrying its new vector and UPDATE's part
 * is listed, so a query sees the table wholly before or wholly after.
 *
 * Concurrency: t->dml_mu (db/db.h) is held from the flush to the swap, so
 * DELETE/UPDATE statements on a table run one at a time and no merge or
 * TTL drop (db/maintain.c takes the same mutex) removes a part between the
 * scan that found the rows and the commit that marks them. Flushes and
 * appends do not take it. Caller holds db->ddl_lock shared.
 *
 * Constraints (db/constraint.h): UPDATE's new rows pass NOT NULL and the
 * CHECKs as they are produced; on a table with keys, the key sets of the
 * table as the statement leaves it (untouched rows + new rows, so a key
 * may move from one row to another) are built under the constraints'
 * mutex before the commit (a duplicate fails the statement, nothing
 * committed) and installed after it, the mutex held throughout so no
 * INSERT adds a key in between. Lock order: dml_mu, cons mutex, ingest.
 *
 * Ownership: everything allocated here is freed before returning; on any
 * failure nothing is visible and UPDATE's part directory is removed.
 */
#include <stdlib.h>
#include <string.h>

#include "db/constraint.h"
#include "db/db.h"
#include "db/keyset.h"
#include "db/query.h"
#include "db/result_build.h"
#include "ingest/memtable.h"
#include "util/mem.h"
#include "util/os.h"

typedef struct dml_ctx {
    floe_db_table *t;
    bool update;
    uint64_t *ids;           /* row ids found (part id << 32 | row) */
    uint64_t nids, capids;
    floe_memtable *rows;     /* UPDATE: the rewritten rows, table column order */
} dml_ctx;

/* The plan's batches: column 0 the row id, then (UPDATE) the new values. */
static int sink_dml(void *ctx, floe_batch *b, floe_err *err)
{
    dml_ctx *d = ctx;
    uint32_t live = floe_batch_rows(b), i, c;
    int rc;
    const floe_vec *idv = &b->cols[0];
    if (b->ncols < 1 || idv->type.id != FLOE_TYPE_BIGINT)
        return floe_err_set(err, FLOE_MISUSE, "DELETE/UPDATE: the plan yields no row ids");
    if (d->nids + live > d->capids) {
        uint64_t cap = d->capids ? d->capids * 2 : 1024, *n;
        while (cap < d->nids + live) cap *= 2;
        if ((n = floe_realloc(d->ids, cap * sizeof *n)) == NULL) return floe_err_nomem(err);
        d->ids = n;
        d->capids = cap;
    }
    for (i = 0; i < live; i++) {
        uint32_t r = b->sel ? b->sel[i] : i;
        uint32_t vr = (idv->flags & FLOE_VEC_CONST) ? 0 : r;
        d->ids[d->nids++] = (uint64_t)((const int64_t *)idv->data)[vr];
    }
    if (d->update) {
        floe_batch v;
        const floe_table_def *def = d->t->def;
        if (b->ncols != def->ncols + 1)
            return floe_err_set(err, FLOE_MISUSE, "UPDATE: %u columns for table %s of %u",
                                b->ncols - 1, def->name, def->ncols);
        for (c = 0; c < def->ncols; c++) {
            if (!def->cols[c].not_null) continue;
            for (i = 0; i < live; i++) {
                uint32_t r = b->sel ? b->sel[i] : i;
                if (!floe_vec_is_valid(&b->cols[c + 1], (b->cols[c + 1].flags & FLOE_VEC_CONST) ? 0 : r))
                    return floe_err_set(err, FLOE_CONSTRAINT, "NOT NULL constraint failed: %s.%s",
                                        def->name, def->cols[c].name);
            }
        }
        v = *b;
        v.cols = b->cols + 1;
        v.ncols = def->ncols;
        if ((rc = floe_db_cons_check_rows(d->t, &v, err)) != FLOE_OK) return rc;
        return floe_memtable_append(d->rows, &v, b->sel, live, err);
    }
    return FLOE_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void memtable_row(void *ctx, uint64_t row, uint32_t col, floe_value *out)
{
    floe_memtable_get(ctx, row, col, out);
}

/* UPDATE: write the rewritten rows as a new part (pending in the catalog
 * until the statement commits) and open it. *out_r NULL when no rows. */
static int write_rows(floe_db *db, floe_db_table *t, floe_memtable *m, floe_part_info *info,
                      floe_part_reader **out_r, floe_err *err)
{
    uint64_t nrows = floe_memtable_rows(m);
    floe_part_writer *w = NULL;
    floe_part_column *pcols;
    floe_part_schema schema;
    char dir[4096];
    int rc;
    *out_r = NULL;
    if (nrows == 0) return FLOE_OK;
    floe_memtable_freeze(m);
    if ((rc = floe_db_bulk_part_open(db, t, &w, err)) != FLOE_OK) return rc;
    if (t->nsort > 0) {
        rc = floe_db_write_sorted(w, t, memtable_row, m, nrows, err);
    } else {
        uint64_t ch, nch = floe_memtable_nchunks(nrows);
        floe_vec *cols = floe_calloc(t->def->ncols + 1, sizeof *cols);
        uint32_t c;
        if (cols == NULL) rc = floe_err_nomem(err);
        for (ch = 0; rc == FLOE_OK && ch < nch; ch++) {
            uint32_t n = (uint32_t)(ch + 1 < nch ? FLOE_VEC_SIZE : nrows - ch * FLOE_VEC_SIZE);
            floe_batch b;
            memset(&b, 0, sizeof b);
            for (c = 0; c < t->def->ncols; c++) floe_memtable_chunk_vec(m, ch, c, n, &cols[c]);
            b.ncols = t->def->ncols;
            b.n = n;
            b.cols = cols;
            rc = floe_part_writer_append(w, &b, err);
        }
        floe_free(cols);
    }
    if (rc != FLOE_OK) {
        floe_part_writer_abort(w);
        return rc;
    }
    if ((rc = floe_part_writer_finish(w, info, err)) != FLOE_OK) return rc;
    pcols = floe_calloc(t->def->ncols + 1, sizeof *pcols);
    floe_part_dir(t->dir, info->part_id, dir, sizeof dir);
    if (pcols == NULL) {
        rc = floe_err_nomem(err);
    } else {
        schema = floe_table_def_schema(t->def, pcols);
        rc = floe_part_reader_open(dir, &schema, out_r, err);
    }
    floe_free(pcols);
    if (rc != FLOE_OK) {
        floe_part_info_free(info);
        memset(info, 0, sizeof *info);
        floe_os_remove_tree(dir, NULL);
    }
    return rc;
}

/* One touched part: its listed reader, new vector and replacement reader. */
typedef struct touched {
    floe_part_reader *old;   /* referenced */
    floe_part_reader *repl;  /* referenced; swapped in after the commit */
    uint64_t *bits;          /* new vector; owned */
} touched;

/* Build the new vectors from the sorted ids: one entry per distinct part.
 * Every part must still be listed (dml_mu keeps merges away); a row found
 * twice or already deleted means the scan saw a row it must not: FLOE_ERROR. */
static int build_vectors(floe_db_table *t, const uint64_t *ids, uint64_t nids, touched **out,
                         floe_part_deletes **out_d, uint32_t *out_n, floe_err *err)
{
    uint64_t i = 0;
    uint32_t n = 0, cap = 0, j;
    touched *tv = NULL;
    floe_part_deletes *dv = NULL;
    int rc = FLOE_OK;
    while (i < nids && rc == FLOE_OK) {
        int64_t pid = (int64_t)(ids[i] >> 32);
        floe_part_reader *r = NULL;
        const uint64_t *old;
        uint64_t rows, ndel, words;
        if (n == cap) {
            uint32_t nc = cap ? cap * 2 : 8;
            touched *a = floe_realloc(tv, nc * sizeof *a);
            floe_part_deletes *b2 = a ? floe_realloc(dv, nc * sizeof *b2) : NULL;
            if (a) tv = a;
            if (b2) dv = b2;
            if (a == NULL || b2 == NULL) {
                rc = floe_err_nomem(err);
                break;
            }
            cap = nc;
        }
        floe_ingest_read_lock(t->ingest);
        for (j = 0; j < t->nparts; j++)
            if (floe_part_reader_id(t->parts[j]) == pid) {
                r = t->parts[j];
                floe_part_reader_ref(r);
                break;
            }
        floe_ingest_read_unlock(t->ingest);
        if (r == NULL) {
            rc = floe_err_set(err, FLOE_ERROR, "DELETE/UPDATE: part-%lld left the table meanwhile",
                              (long long)pid);
            break;
        }
        memset(&tv[n], 0, sizeof tv[n]);
        tv[n].old = r;
        rows = floe_part_reader_rows(r);
        words = (rows + 63) / 64;
        tv[n].bits = floe_calloc(words ? words : 1, sizeof(uint64_t));
        n++;
        if (tv[n - 1].bits == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        old = floe_part_reader_deletes(r, &ndel);
        if (old) memcpy(tv[n - 1].bits, old, words * sizeof(uint64_t));
        for (; i < nids && (int64_t)(ids[i] >> 32) == pid; i++) {
            uint64_t row = ids[i] & 0xffffffffu;
            uint64_t *w = &tv[n - 1].bits[row >> 6], bit = 1ull << (row & 63);
            if (row >= rows || (*w & bit)) {
                rc = floe_err_set(err, FLOE_ERROR,
                                  "DELETE/UPDATE: row %llu of part-%lld found twice or deleted",
                                  (unsigned long long)row, (long long)pid);
                break;
            }
            *w |= bit;
            ndel++;
        }
        if (rc != FLOE_OK) break;
        dv[n - 1].part_id = pid;
        dv[n - 1].rows = rows;
        dv[n - 1].bits = tv[n - 1].bits;
        dv[n - 1].ndeleted = ndel;
        rc = floe_part_reader_with_deletes(r, tv[n - 1].bits, ndel, &tv[n - 1].repl, err);
    }
    *out = tv;
    *out_d = dv;
    *out_n = n;
    return rc;
}

static void free_touched(touched *tv, uint32_t n)
{
    uint32_t i;
    for (i = 0; tv && i < n; i++) {
        floe_part_reader_unref(tv[i].old);
        floe_part_reader_unref(tv[i].repl);
        floe_free(tv[i].bits);
    }
    floe_free(tv);
}

/* After the commit: swap the touched readers and list UPDATE's part
 * (its slot was reserved), under the visibility lock. Cannot fail. */
static void publish(floe_db_table *t, touched *tv, uint32_t n, floe_part_reader *added,
                    const floe_part_info *info)
{
    uint32_t i, j;
    floe_ingest_write_lock(t->ingest);
    for (i = 0; i < n; i++) {
        for (j = 0; j < t->nparts && t->parts[j] != tv[i].old; j++) {
        }
        if (j < t->nparts) {
            floe_part_reader_unref(t->parts[j]); /* the list's reference */
            t->parts[j] = tv[i].repl;
            tv[i].repl = NULL;
        }
    }
    if (added != NULL) {
        t->reserved_parts--;
        floe_db_parts_push(t, added); /* a slot was reserved: cannot fail */
        t->part_bytes += info->bytes;
    }
    floe_ingest_write_unlock(t->ingest);
}

int floe_db_dml(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                floe_err *err)
{
    floe_db_table *t = bs->table.table_ref;
    dml_ctx d;
    touched *tv = NULL;
    floe_part_deletes *dv = NULL;
    uint32_t ntv = 0;
    floe_part_info info;
    floe_part_reader *added = NULL;
    bool reserved = false, locked = false;
    bool keys = t != NULL && floe_db_cons_has_keys(t) && !db->readonly;
    floe_keyset *staged = NULL;
    int rc;

    *out = NULL;
    memset(&d, 0, sizeof d);
    memset(&info, 0, sizeof info);
    d.t = t;
    d.update = bs->kind == FLOE_BOUND_UPDATE;
    if (t == NULL || bs->plan == NULL) return floe_err_set(err, FLOE_MISUSE, "DELETE/UPDATE: no table");
    if ((rc = floe_db_check_writable(db, d.update ? "UPDATE" : "DELETE", err)) != FLOE_OK) return rc;
    if (d.update) {
        floe_type *types = floe_calloc(t->def->ncols + 1, sizeof *types);
        uint32_t c;
        if (types == NULL) return floe_err_nomem(err);
        for (c = 0; c < t->def->ncols; c++) types[c] = t->def->cols[c].type;
        rc = floe_memtable_new(t->def->ncols, types, 1, &d.rows, err);
        floe_free(types);
        if (rc != FLOE_OK) return rc;
    }
    pthread_mutex_lock(&t->dml_mu);
    /* every row acknowledged before the statement is in a part from here */
    rc = floe_ingest_flush_table(t->ingest, true, err);
    if (rc == FLOE_OK) rc = floe_db_run_plan_ex(db, bs->plan, now_us, t, sink_dml, &d, err);
    if (rc == FLOE_OK && d.nids > 0) {
        qsort(d.ids, d.nids, sizeof *d.ids, cmp_u64);
        rc = build_vectors(t, d.ids, d.nids, &tv, &dv, &ntv, err);
        if (rc == FLOE_OK && d.update) rc = write_rows(db, t, d.rows, &info, &added, err);
        if (rc == FLOE_OK && added != NULL) {
            rc = floe_db_parts_reserve(t) == FLOE_OK ? FLOE_OK : floe_err_nomem(err);
            reserved = rc == FLOE_OK;
        }
        if (rc == FLOE_OK && keys) {
            /* the key sets of the table as the statement leaves it; a
             * duplicate fails it here, before the commit */
            floe_part_reader **olds = floe_calloc(ntv + 1, sizeof *olds);
            floe_part_reader **repls = floe_calloc(ntv + 1, sizeof *repls);
            uint32_t j;
            if (olds == NULL || repls == NULL) rc = floe_err_nomem(err);
            for (j = 0; rc == FLOE_OK && j < ntv; j++) {
                olds[j] = tv[j].old;
                repls[j] = tv[j].repl;
            }
            if (rc == FLOE_OK) {
                floe_db_cons_after after = {olds, repls, ntv, added};
                floe_db_cons_lock(t);
                locked = true;
                rc = floe_db_cons_stage(t, &after, &staged, err);
            }
            floe_free(olds);
            floe_free(repls);
        }
        /* the commit point */
        if (rc == FLOE_OK)
            rc = floe_catalog_commit_deletes(db->cat, t->def->id, dv, ntv, added ? &info : NULL, err);
        if (rc == FLOE_OK) {
            publish(t, tv, ntv, added, &info);
            added = NULL;
            reserved = false;
            if (staged) floe_db_cons_install(t, staged);
            staged = NULL;
        }
    }
    if (staged) floe_db_cons_staged_free(t, staged);
    if (locked) floe_db_cons_unlock(t);
    if (reserved) {
        floe_ingest_write_lock(t->ingest);
        t->reserved_parts--;
        floe_ingest_write_unlock(t->ingest);
    }
    if (added != NULL) { /* not committed: its id stays pending, the files go */
        char dir[4096];
        floe_part_reader_unref(added);
        floe_os_remove_tree(floe_part_dir(t->dir, info.part_id, dir, sizeof dir), NULL);
    }
    pthread_mutex_unlock(&t->dml_mu);
    floe_part_info_free(&info);
    free_touched(tv, ntv);
    floe_free(dv);
    floe_free(d.ids);
    floe_memtable_unref(d.rows);
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    if (*out == NULL) return floe_err_nomem(err);
    (*out)->rows_changed = d.nids;
    return FLOE_OK;
}
