/* db/maintain.c: background part merges and TTL retention.
 *
 * See api/maintain.h for the contract. Lock order: pass_mu -> ddl_lock
 * (shared) -> the table's dml_mu (db/db.h: per TTL pass and per merge, so
 * DELETE/UPDATE and maintenance never rewrite the same parts at once) ->
 * the table's visibility lock (exclusive, only around the
 * catalog commit and the part-list swap) -> the catalog's own mutex. The
 * thread's mutex `mu` is never held across a pass.
 */
#include "db/maintain.h"

#include "util/thread.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "db/log.h"
#include "util/mem.h"
#include "util/os.h"

enum { KIND_TTL, KIND_MERGE };
static const char *const kind_names[] = {"TTL cleanup", "merge"};

/* The last error reported for a (table, kind); FLOE_OK after a success. */
typedef struct failure {
    int64_t table_id;
    int kind;
    int code;
} failure;

/* A part directory a merge or TTL drop replaced. It is removed only
 * FLOE_MAINTAIN_RETIRE_MS later, so a read-only handle that listed the part
 * in the catalog just before the commit can still open it (once open, its
 * files stay readable after the unlink). The catalog records it as garbage
 * in the commit, so a crash meanwhile leaves nothing behind: the next
 * writable open removes it. */
typedef struct retired {
    char *path;     /* owned */
    int64_t due_us; /* monotonic clock */
} retired;

struct floe_maintain {
    floe_db *db;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;      /* guards opts, opts_gen, stop_req */
    pthread_cond_t cv;       /* signalled on stop and option changes */
    bool stop_req;
    uint64_t opts_gen;       /* bumped by floe_maintain_set_opts */
    floe_maintain_opts opts;
    atomic_bool stopping;    /* read by a running pass between merges */
    pthread_mutex_t pass_mu; /* one pass at a time; guards fails */
    failure fails[64];       /* fixed: reporting must not need memory */
    uint32_t nfails;         /* slots used; then reused round-robin */
    retired *ret;            /* replaced part directories not yet removed (pass_mu) */
    uint32_t nret, capret;
};

/* ------------------------------------------------------------- helpers */

static void remove_part_dir(const floe_db_table *t, int64_t id)
{
    char buf[4096];
    floe_part_dir(t->dir, id, buf, sizeof buf);
    floe_os_remove_tree(buf, NULL); /* best effort: floe_part_gc removes a leftover at the next open */
}

/* Schedule the removal of a replaced part's directory (caller holds
 * pass_mu); without memory for the list it is removed at once. */
static void retire_part_dir(floe_maintain *m, const floe_db_table *t, int64_t id)
{
    char buf[4096];
    char *path;
    uint32_t ms;
    pthread_mutex_lock(&m->mu);
    ms = m->opts.retire_ms;
    pthread_mutex_unlock(&m->mu);
    floe_part_dir(t->dir, id, buf, sizeof buf);
    if (ms == 0) {
        floe_os_remove_tree(buf, NULL);
        return;
    }
    if (m->nret == m->capret) {
        uint32_t cap = m->capret ? m->capret * 2 : 16;
        retired *r = floe_realloc(m->ret, cap * sizeof *r);
        if (r == NULL) {
            floe_os_remove_tree(buf, NULL);
            return;
        }
        m->ret = r;
        m->capret = cap;
    }
    if ((path = floe_strdup(buf)) == NULL) {
        floe_os_remove_tree(buf, NULL);
        return;
    }
    m->ret[m->nret].path = path;
    m->ret[m->nret].due_us = floe_os_clock_mono_us() + (int64_t)ms * 1000;
    m->nret++;
}

/* Remove the retired directories that are due (all with `all`); pass_mu. */
static void sweep_retired(floe_maintain *m, bool all)
{
    int64_t now = floe_os_clock_mono_us();
    uint32_t i, k = 0;
    for (i = 0; i < m->nret; i++) {
        if (all || m->ret[i].due_us <= now) {
            floe_os_remove_tree(m->ret[i].path, NULL);
            floe_free(m->ret[i].path);
        } else {
            m->ret[k++] = m->ret[i];
        }
    }
    m->nret = k;
}

static int cmp_reader_id(const void *a, const void *b)
{
    int64_t x = floe_part_reader_id(*(floe_part_reader *const *)a);
    int64_t y = floe_part_reader_id(*(floe_part_reader *const *)b);
    return (x > y) - (x < y);
}

/* Copy t->parts, taking a reference on each, sorted by part id. On
 * FLOE_NOMEM nothing is referenced. Free with release_parts. */
static int snap_parts(floe_db_table *t, floe_part_reader ***out, uint32_t *out_n, floe_err *err)
{
    floe_part_reader **p;
    uint32_t n, i;
    floe_ingest_read_lock(t->ingest);
    n = t->nparts;
    p = floe_malloc((n + 1) * sizeof *p);
    if (p != NULL) {
        for (i = 0; i < n; i++) {
            p[i] = t->parts[i];
            floe_part_reader_ref(p[i]);
        }
    }
    floe_ingest_read_unlock(t->ingest);
    if (p == NULL) return floe_err_nomem(err);
    qsort(p, n, sizeof *p, cmp_reader_id);
    *out = p;
    *out_n = n;
    return FLOE_OK;
}

static void release_parts(floe_part_reader **p, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) floe_part_reader_unref(p[i]);
    floe_free(p);
}

/* The catalog entry of part `id` in cp[0, n) (ordered by id), or NULL. */
static const floe_catalog_part *find_cat_part(const floe_catalog_part *cp, uint32_t n, int64_t id)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cp[mid].id == id) return &cp[mid];
        if (cp[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Commit the replacement of old[0, nold) (listed in t->parts, each with
 * `old_bytes` bytes in total) by `add` (NULL: drop only) described by
 * `merged`: the catalog transaction first, then, under the table's
 * visibility lock held exclusively, the part-list swap, so queries see
 * either all old parts or the merged one and never wait for the fsync. On success the list's references to the
 * old readers are dropped, the list owns the reference to `add`, and the
 * old directories are removed. On failure nothing changed (the caller
 * still owns `add`). */
static int commit_replace(floe_db_table *t, floe_part_reader *const *old, uint32_t nold,
                          uint64_t old_bytes, const floe_part_info *merged, floe_part_reader *add,
                          floe_err *err)
{
    int64_t *ids = floe_malloc((nold + 1) * sizeof *ids);
    uint64_t old_rows = 0;
    uint32_t i, j, k;
    int rc = FLOE_OK;

    if (ids == NULL) return floe_err_nomem(err);
    for (i = 0; i < nold; i++) {
        ids[i] = floe_part_reader_id(old[i]);
        old_rows += floe_part_reader_rows(old[i]);
    }
    floe_ingest_read_lock(t->ingest);
    /* only a pass (serialized) removes parts, so they must all be listed */
    for (i = 0; i < nold && rc == FLOE_OK; i++) {
        for (j = 0; j < t->nparts && t->parts[j] != old[i]; j++) {
        }
        if (j == t->nparts)
            rc = floe_err_set(err, FLOE_ERROR, "part-%lld left the part list during maintenance",
                              (long long)ids[i]);
    }
    floe_ingest_read_unlock(t->ingest);
    /* the catalog transaction (fsync'ed) runs outside the visibility lock:
     * until the swap below, queries keep reading the old parts, whose files
     * stay until then; a crash in between reopens with the merged part */
    if (rc == FLOE_OK)
        rc = floe_catalog_replace_parts(t->db->cat, t->def->id, ids, nold, merged, err);
    if (rc == FLOE_OK) floe_ingest_write_lock(t->ingest);
    if (rc == FLOE_OK) {
        for (j = 0, k = 0; j < t->nparts; j++) {
            bool gone = false;
            for (i = 0; i < nold && !gone; i++) gone = t->parts[j] == old[i];
            if (!gone) t->parts[k++] = t->parts[j];
        }
        t->nparts = k;
        if (add != NULL) {
            /* nold >= 1 entries were removed: there is room; keep id order */
            int64_t id = floe_part_reader_id(add);
            for (j = t->nparts; j > 0 && floe_part_reader_id(t->parts[j - 1]) > id; j--)
                t->parts[j] = t->parts[j - 1];
            t->parts[j] = add;
            t->nparts++;
            t->part_rows += floe_part_reader_rows(add);
            t->part_bytes += merged->bytes;
        }
        t->part_rows = t->part_rows >= old_rows ? t->part_rows - old_rows : 0;
        t->part_bytes = t->part_bytes >= old_bytes ? t->part_bytes - old_bytes : 0;
        floe_ingest_write_unlock(t->ingest);
    }
    if (rc == FLOE_OK) {
        for (i = 0; i < nold; i++) {
            floe_part_reader_unref(old[i]); /* the list's reference */
            if (t->db->maint != NULL)
                retire_part_dir(t->db->maint, t, ids[i]);
            else
                remove_part_dir(t, ids[i]);
        }
    }
    floe_free(ids);
    return rc;
}

/* ------------------------------------------------------------------ TTL */

static int col_index(const floe_table_def *def, int64_t col_id)
{
    uint32_t i;
    for (i = 0; i < def->ncols; i++)
        if ((int64_t)def->cols[i].id == col_id) return (int)i;
    return -1;
}

/* Whether a committed part's rows are all older than `cutoff` in column
 * `col_id`: known max below it and no NULLs (a NULL never expires). */
static bool part_expired(const floe_catalog_part *cp, int64_t col_id, int64_t cutoff)
{
    uint32_t i;
    if (cp->rows == 0) return true;
    for (i = 0; i < cp->ncols; i++) {
        const floe_catalog_part_col *c = &cp->cols[i];
        if ((int64_t)c->col_id != col_id) continue;
        return c->has_minmax && c->nulls == 0 && !c->max.is_null && c->max.v.i < cutoff;
    }
    return false; /* the part predates the column: all NULL */
}

/* Drop the parts of t whose rows are all past the table's TTL. */
static int ttl_table(floe_db_table *t, int64_t now_us, floe_maintain_stats *st, floe_err *err)
{
    const floe_table_def *def = t->def;
    floe_part_reader **p = NULL, **exp = NULL;
    floe_catalog_part *cp = NULL;
    uint32_t n = 0, ncp = 0, nexp = 0, i;
    uint64_t bytes = 0, rows = 0;
    int64_t cutoff;
    int ci, rc;

    if (def->opts.ttl_seconds <= 0 || def->opts.ttl_col < 0) return FLOE_OK;
    ci = col_index(def, def->opts.ttl_col);
    if (ci < 0 || def->cols[ci].type.id != FLOE_TYPE_TIMESTAMP) return FLOE_OK;
    cutoff = now_us - def->opts.ttl_seconds * 1000000;

    if ((rc = snap_parts(t, &p, &n, err)) != FLOE_OK) return rc;
    if (n == 0) goto out;
    /* listed parts are committed: the snapshot is taken before the listing */
    if ((rc = floe_catalog_list_parts(t->db->cat, def->id, &cp, &ncp, err)) != FLOE_OK) goto out;
    exp = floe_malloc(n * sizeof *exp);
    if (exp == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const floe_catalog_part *c = find_cat_part(cp, ncp, floe_part_reader_id(p[i]));
        if (c == NULL || !part_expired(c, def->opts.ttl_col, cutoff)) continue;
        exp[nexp++] = p[i];
        bytes += c->bytes;
        rows += floe_part_reader_rows(p[i]);
    }
    if (nexp > 0 && (rc = commit_replace(t, exp, nexp, bytes, NULL, NULL, err)) == FLOE_OK &&
        st != NULL) {
        st->ttl_parts += nexp;
        st->ttl_rows += rows;
    }
out:
    floe_free(exp);
    floe_catalog_parts_free(cp, ncp);
    release_parts(p, n);
    return rc;
}

/* ---------------------------------------------------------- sorted merge */

/* A source part being read block by block. */
typedef struct cursor {
    floe_part_reader *r;
    uint32_t blk;   /* current block */
    uint32_t row;   /* next row in it */
    uint32_t nrows; /* rows in it; 0: exhausted */
    floe_vec *cols; /* ncols decoded vectors of block blk */
    floe_value key[16]; /* sort key of the current row (strings borrowed from cols) */
} cursor;

/* The cursor's current row is marked in its part's delete vector. */
static bool cursor_row_deleted(const cursor *c)
{
    const uint64_t *d = floe_part_reader_deletes(c->r, NULL);
    uint64_t r;
    if (d == NULL) return false;
    r = floe_part_reader_block_start(c->r, c->blk) + c->row;
    return (d[r >> 6] >> (r & 63)) & 1;
}

/* Decode block c->blk (skipping empty blocks and deleted rows: a merge
 * purges them) or mark c exhausted. */
static int cursor_load(cursor *c, uint32_t ncols, floe_err *err)
{
    uint32_t k;
    int rc;
    for (;;) {
        uint32_t nr;
        for (k = 0; k < ncols; k++) floe_vec_free(&c->cols[k]);
        c->row = 0;
        c->nrows = 0;
        if (c->blk >= floe_part_reader_nblocks(c->r)) return FLOE_OK;
        nr = floe_part_reader_block_rows(c->r, c->blk);
        if (nr == 0) {
            c->blk++;
            continue;
        }
        for (k = 0; k < ncols; k++)
            if ((rc = floe_part_read_block(c->r, k, c->blk, &c->cols[k], err)) != FLOE_OK) return rc;
        c->nrows = nr;
        while (c->row < nr && cursor_row_deleted(c)) c->row++;
        if (c->row < nr) return FLOE_OK;
        c->blk++; /* every row of the block is deleted */
    }
}

static void cell(const floe_vec *v, uint32_t row, floe_value *out)
{
    uint32_t i = (v->flags & FLOE_VEC_CONST) ? 0 : row;
    if (!floe_vec_is_valid(v, i)) {
        *out = floe_value_null(v->type);
        return;
    }
    floe_value_load(v->type, v->data, i, out);
}

/* Cache the sort key of c's current row (c not exhausted). */
static void cursor_key(const floe_db_table *t, cursor *c)
{
    uint32_t k;
    for (k = 0; k < t->nsort; k++) cell(&c->cols[t->sort_cols[k]], c->row, &c->key[k]);
}

/* Order of the current rows of a and b by the sort key, NULLs last (as
 * flushes sort in api/db.c), ties by source position (a stable merge). */
static bool cursor_less(const floe_db_table *t, const cursor *cur, uint32_t a, uint32_t b)
{
    uint32_t k;
    for (k = 0; k < t->nsort; k++) {
        const floe_value *va = &cur[a].key[k], *vb = &cur[b].key[k];
        int c;
        if (va->is_null || vb->is_null) {
            if (va->is_null != vb->is_null) return vb->is_null;
            continue;
        }
        if (va->type.id == FLOE_TYPE_BIGINT || va->type.id == FLOE_TYPE_TIMESTAMP ||
            va->type.id == FLOE_TYPE_INTEGER || va->type.id == FLOE_TYPE_DATE)
            c = (va->v.i > vb->v.i) - (va->v.i < vb->v.i);
        else
            c = floe_value_cmp(va, vb);
        if (c != 0) return c < 0;
    }
    return a < b;
}

/* Restore the min-heap property below position i. */
static void heap_down(const floe_db_table *t, const cursor *cur, uint32_t *heap, uint32_t n,
                      uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, m = i, x;
        if (l < n && cursor_less(t, cur, heap[l], heap[m])) m = l;
        if (l + 1 < n && cursor_less(t, cur, heap[l + 1], heap[m])) m = l + 1;
        if (m == i) return;
        x = heap[i];
        heap[i] = heap[m];
        heap[m] = x;
        i = m;
    }
}

/* Copy row `row` of src into row r of dst (same type; strings copied into
 * dst's heap). FLOE_NOMEM. */
static int put_cell(floe_vec *dst, uint32_t r, const floe_vec *src, uint32_t row)
{
    size_t sz = floe_type_size(dst->type);
    uint32_t i = (src->flags & FLOE_VEC_CONST) ? 0 : row;
    if (!floe_vec_is_valid(src, i)) {
        memset((char *)dst->data + (size_t)r * sz, 0, sz);
        return floe_vec_set_null(dst, r);
    }
    if (dst->type.id == FLOE_TYPE_VARCHAR) {
        const floe_string *s = (const floe_string *)src->data + i;
        return floe_vec_set_string(dst, r, s->ptr, s->len);
    }
    memcpy((char *)dst->data + (size_t)r * sz, (const char *)src->data + (size_t)i * sz, sz);
    return FLOE_OK;
}

/* Write part `new_id` holding the rows of src[0, n), each sorted by t's
 * sort key, in sort-key order (a k-way merge; ties keep source order). On
 * failure nothing is left on disk. */
static int merge_sorted(floe_maintain *m, floe_db_table *t, floe_part_reader *const *src,
                        uint32_t n, int64_t new_id, const floe_part_schema *schema,
                        floe_part_info *info, floe_err *err)
{
    uint32_t ncols = schema->ncols, i, c;
    cursor *cur = floe_calloc(n, sizeof *cur);
    uint32_t *heap = floe_calloc(n + 1, sizeof *heap), nheap = 0;
    floe_type *types = floe_calloc(ncols + 1, sizeof *types);
    floe_part_writer *w = NULL;
    floe_batch b;
    int rc = FLOE_OK;

    memset(&b, 0, sizeof b);
    if (cur == NULL || heap == NULL || types == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (c = 0; c < ncols; c++) types[c] = schema->cols[c].type;
    if (floe_batch_init(&b, ncols, types, FLOE_VEC_SIZE) != FLOE_OK) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        cur[i].r = src[i];
        if (floe_part_reader_ncols(src[i]) != ncols) {
            rc = floe_err_set(err, FLOE_MISUSE, "merge: part-%lld has %u columns, not %u",
                              (long long)floe_part_reader_id(src[i]),
                              floe_part_reader_ncols(src[i]), ncols);
            break;
        }
        cur[i].cols = floe_calloc(ncols + 1, sizeof(floe_vec));
        if (cur[i].cols == NULL) rc = floe_err_nomem(err);
        if (rc == FLOE_OK) rc = cursor_load(&cur[i], ncols, err);
    }
    if (rc != FLOE_OK) goto out;
    if (t->nsort > 16) {
        rc = floe_err_set(err, FLOE_MISUSE, "merge: sort key of %u columns", t->nsort);
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (cur[i].nrows == 0) continue;
        cursor_key(t, &cur[i]);
        heap[nheap++] = i;
    }
    for (i = nheap / 2; i-- > 0;) heap_down(t, cur, heap, nheap, i);
    if ((rc = floe_part_writer_open(t->dir, new_id, schema, 0, &w, err)) != FLOE_OK) goto out;

    for (;;) {
        uint32_t nout = 0;
        for (c = 0; c < ncols; c++) {
            floe_vec *v = &b.cols[c];
            floe_arena_reset(v->heap);
            if (v->validity) memset(v->validity, 0xff, FLOE_BITMAP_WORDS(v->cap) * 8);
        }
        while (nout < FLOE_VEC_SIZE && nheap > 0 && rc == FLOE_OK) {
            cursor *best = &cur[heap[0]];
            for (c = 0; c < ncols && rc == FLOE_OK; c++)
                if (put_cell(&b.cols[c], nout, &best->cols[c], best->row) != FLOE_OK)
                    rc = floe_err_nomem(err);
            nout++;
            best->row++;
            while (best->row < best->nrows && cursor_row_deleted(best)) best->row++;
            if (best->row == best->nrows && rc == FLOE_OK) {
                best->blk++;
                rc = cursor_load(best, ncols, err);
            }
            if (rc != FLOE_OK) break;
            if (best->nrows == 0)
                heap[0] = heap[--nheap]; /* exhausted */
            else
                cursor_key(t, best);
            heap_down(t, cur, heap, nheap, 0);
        }
        if (rc != FLOE_OK || nout == 0) break;
        for (c = 0; c < ncols; c++) b.cols[c].n = nout;
        b.n = nout;
        if ((rc = floe_part_writer_append(w, &b, err)) != FLOE_OK) break;
        if (atomic_load(&m->stopping)) {
            rc = floe_err_set(err, FLOE_INTERRUPT, "maintenance stopped");
            break;
        }
    }
    if (rc == FLOE_OK)
        rc = floe_part_writer_finish(w, info, err);
    else
        floe_part_writer_abort(w);
out:
    for (i = 0; cur != NULL && i < n; i++) {
        if (cur[i].cols == NULL) continue;
        for (c = 0; c < ncols; c++) floe_vec_free(&cur[i].cols[c]);
        floe_free(cur[i].cols);
    }
    floe_batch_free(&b);
    floe_free(types);
    floe_free(heap);
    floe_free(cur);
    return rc;
}

/* ----------------------------------------------------------------- merge */

/* Write the merge of src[0, n) as a new part and open it: *out holds one
 * reference, *info its description. On failure nothing is left on disk. */
static int write_merged(floe_maintain *m, floe_db_table *t, floe_part_reader *const *src,
                        uint32_t n, floe_part_info *info, floe_part_reader **out, floe_err *err)
{
    floe_part_column *pcols = floe_calloc(t->def->ncols + 1, sizeof *pcols);
    floe_part_schema schema;
    char dir[4096];
    int64_t id;
    int rc;

    if (pcols == NULL) return floe_err_nomem(err);
    schema = floe_table_def_schema(t->def, pcols);
    if ((rc = floe_catalog_alloc_part_id(t->db->cat, t->def->id, &id, err)) != FLOE_OK) goto out;
    if (t->nsort > 0)
        rc = merge_sorted(m, t, src, n, id, &schema, info, err);
    else
        rc = floe_part_merge(t->dir, src, n, id, &schema, 0, info, err);
    if (rc != FLOE_OK) goto out;
    floe_part_dir(t->dir, id, dir, sizeof dir);
    if ((rc = floe_part_reader_open(dir, &schema, out, err)) != FLOE_OK) {
        floe_part_info_free(info);
        floe_os_remove_tree(dir, NULL);
    }
out:
    floe_free(pcols);
    return rc;
}

/* Merge t's small parts while it has more than o->merge_min_parts of them
 * (at most 64 merges per pass, and none once stopping). */
static int merge_table(floe_maintain *m, floe_db_table *t, const floe_maintain_opts *o,
                       floe_maintain_stats *st, floe_err *err)
{
    uint32_t iter;
    int rc = FLOE_OK;

    for (iter = 0; iter < 64 && rc == FLOE_OK && !atomic_load(&m->stopping); iter++) {
        floe_part_reader **p = NULL, **src = NULL, *merged = NULL;
        floe_catalog_part *cp = NULL;
        uint32_t *small = NULL;
        uint32_t n = 0, ncp = 0, nsmall = 0, k, i, best = 0;
        uint64_t best_rows = UINT64_MAX, bytes = 0, rows = 0;
        floe_part_info info;
        bool done = false;

        memset(&info, 0, sizeof info);
        /* per merge, not per pass: a DELETE waits for one merge at most */
        pthread_mutex_lock(&t->dml_mu);
        if ((rc = snap_parts(t, &p, &n, err)) != FLOE_OK) {
            pthread_mutex_unlock(&t->dml_mu);
            break;
        }
        if (n <= o->merge_min_parts) {
            release_parts(p, n);
            pthread_mutex_unlock(&t->dml_mu);
            break;
        }
        rc = floe_catalog_list_parts(t->db->cat, t->def->id, &cp, &ncp, err);
        small = floe_malloc(n * sizeof *small);
        src = floe_malloc(n * sizeof *src);
        if (rc == FLOE_OK && (small == NULL || src == NULL)) rc = floe_err_nomem(err);
        for (i = 0; rc == FLOE_OK && i < n; i++) {
            const floe_catalog_part *c = find_cat_part(cp, ncp, floe_part_reader_id(p[i]));
            if (c != NULL && c->rows < o->small_rows && c->bytes < o->small_bytes)
                small[nsmall++] = i;
        }
        if (rc == FLOE_OK && nsmall > o->merge_min_parts) {
            /* the window of k small parts adjacent in id order with the fewest rows */
            k = nsmall < o->merge_max_parts ? nsmall : o->merge_max_parts;
            for (i = 0; i + k <= nsmall; i++) {
                uint64_t sum = 0;
                uint32_t j;
                for (j = i; j < i + k; j++) sum += floe_part_reader_rows(p[small[j]]);
                if (sum < best_rows) {
                    best_rows = sum;
                    best = i;
                }
            }
            for (i = 0; i < k; i++) {
                const floe_catalog_part *c;
                src[i] = p[small[best + i]];
                c = find_cat_part(cp, ncp, floe_part_reader_id(src[i]));
                bytes += c->bytes;
                rows += floe_part_reader_rows(src[i]);
            }
            rc = write_merged(m, t, src, k, &info, &merged, err);
            if (rc == FLOE_OK) {
                rc = commit_replace(t, src, k, bytes, &info, merged, err);
                if (rc != FLOE_OK) {
                    floe_part_reader_unref(merged);
                    remove_part_dir(t, info.part_id);
                } else if (st != NULL) {
                    st->merges++;
                    st->parts_merged += k;
                    st->rows_merged += rows;
                }
                floe_part_info_free(&info);
            }
        } else {
            done = true;
        }
        floe_free(small);
        floe_free(src);
        floe_catalog_parts_free(cp, ncp);
        release_parts(p, n);
        pthread_mutex_unlock(&t->dml_mu);
        if (done) break;
    }
    return rc;
}

/* ------------------------------------------------------------------ pass */

/* Report a failure once per (table, kind, code); a success re-arms it. */
static void note(floe_maintain *m, const floe_db_table *t, int kind, int rc, const floe_err *e)
{
    const uint32_t cap = (uint32_t)(sizeof m->fails / sizeof m->fails[0]);
    const uint32_t used = m->nfails < cap ? m->nfails : cap;
    failure *f = NULL;
    uint32_t i;
    for (i = 0; i < used && f == NULL; i++)
        if (m->fails[i].table_id == t->def->id && m->fails[i].kind == kind) f = &m->fails[i];
    if (rc == FLOE_OK) {
        if (f != NULL) f->code = FLOE_OK;
        return;
    }
    if (rc == FLOE_INTERRUPT) return;
    if (f == NULL) {
        for (i = 0; i < used && f == NULL; i++)
            if (m->fails[i].code == FLOE_OK) f = &m->fails[i]; /* a recovered one */
        if (f == NULL) f = &m->fails[m->nfails++ % cap];
        f->table_id = t->def->id;
        f->kind = kind;
        f->code = FLOE_OK;
    }
    if (f->code == rc) return;
    f->code = rc;
    floe_db_log(m->db, FLOE_LOG_ERROR, "background %s of table '%s' failed (%s): %s",
                kind_names[kind], t->def->name,
                floe_ingest_db_failed(m->db->ingest, NULL, 0)
                    ? "writing stops until the database is reopened"
                    : "will retry",
                e->code != FLOE_OK ? e->msg : floe_errstr(rc));
}

int floe_maintain_run(floe_db *db, floe_maintain_stats *out_stats, floe_err *err)
{
    floe_maintain *m = db ? db->maint : NULL;
    floe_maintain_opts o;
    floe_maintain_stats st;
    int64_t now = floe_os_clock_wall_us();
    int first = FLOE_OK;
    uint32_t i;

    if (m == NULL) return floe_err_set(err, FLOE_MISUSE, "maintenance is not running");
    memset(&st, 0, sizeof st);
    floe_maintain_get_opts(db, &o);
    /* fail-stop (ingest/table.h): after an I/O error nothing is written again */
    if (floe_ingest_db_failed(db->ingest, NULL, 0))
        return floe_db_check_writable(db, "merge or expire parts", err);
    pthread_mutex_lock(&m->pass_mu);
    sweep_retired(m, false);
    pthread_rwlock_rdlock(&db->ddl_lock);
    for (i = 0; i < db->ntables && !atomic_load(&m->stopping); i++) {
        floe_db_table *t = db->tables[i];
        floe_err e = FLOE_ERR_INIT;
        int rc, kind;
        for (kind = KIND_TTL; kind <= KIND_MERGE; kind++) {
            floe_err_clear(&e);
            if (floe_ingest_db_failed(db->ingest, NULL, 0)) break;
            uint64_t sync_fails = floe_os_sync_failures();
            if (kind == KIND_TTL) {
                pthread_mutex_lock(&t->dml_mu); /* merge_table takes it per merge */
                rc = ttl_table(t, now, &st, &e);
                pthread_mutex_unlock(&t->dml_mu);
            } else {
                rc = merge_table(m, t, &o, &st, &e);
            }
            if (floe_os_sync_failures() != sync_fails) /* fail-stop (ingest/table.h) */
                floe_ingest_db_fail_stop(db->ingest, e.code ? e.msg : "fsync failed");
            note(m, t, kind, rc, &e);
            if (rc != FLOE_OK && first == FLOE_OK) {
                first = rc;
                if (err) {
                    *err = e;
                    if (err->code == FLOE_OK) floe_err_set(err, rc, "%s", floe_errstr(rc));
                }
            }
        }
    }
    pthread_rwlock_unlock(&db->ddl_lock);
    pthread_mutex_unlock(&m->pass_mu);
    if (out_stats) {
        out_stats->merges += st.merges;
        out_stats->parts_merged += st.parts_merged;
        out_stats->rows_merged += st.rows_merged;
        out_stats->ttl_parts += st.ttl_parts;
        out_stats->ttl_rows += st.ttl_rows;
    }
    return first;
}

/* ---------------------------------------------------------------- thread */

static void *maint_main(void *arg)
{
    floe_maintain *m = arg;
    pthread_mutex_lock(&m->mu);
    while (!m->stop_req) {
        uint32_t ms = m->opts.interval_ms;
        uint64_t gen = m->opts_gen;
        struct timespec dl;
        int w = 0;
        if (ms == 0) {
            pthread_cond_wait(&m->cv, &m->mu);
            continue;
        }
        {
            int64_t ns = floe_os_clock_mono_ns() + (int64_t)ms * 1000000LL;
            dl.tv_sec = (time_t)(ns / 1000000000LL);
            dl.tv_nsec = (long)(ns % 1000000000LL);
        }
        while (!m->stop_req && gen == m->opts_gen && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&m->cv, &m->mu, &dl);
        if (m->stop_req || w != ETIMEDOUT) continue;
        pthread_mutex_unlock(&m->mu);
        floe_maintain_run(m->db, NULL, NULL); /* failures are reported by note() */
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

static void maint_free(floe_maintain *m)
{
    sweep_retired(m, true);
    floe_free(m->ret);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->pass_mu);
    floe_free(m);
}

int floe_maintain_start(floe_db *db, floe_err *err)
{
    floe_maintain *m = floe_calloc(1, sizeof *m);
    pthread_condattr_t ca;
    int rc;

    if (m == NULL) return floe_err_nomem(err);
    m->db = db;
    /* floe_open_options.maintain_interval_ms: 0 default, UINT32_MAX never */
    m->opts.interval_ms = db->maintain_interval_ms == 0          ? FLOE_MAINTAIN_INTERVAL_MS
                          : db->maintain_interval_ms == UINT32_MAX ? 0
                                                                   : db->maintain_interval_ms;
    m->opts.merge_min_parts = FLOE_MAINTAIN_MIN_PARTS;
    m->opts.merge_max_parts = FLOE_MAINTAIN_MAX_PARTS;
    m->opts.small_rows = FLOE_MAINTAIN_SMALL_ROWS;
    m->opts.small_bytes = FLOE_MAINTAIN_SMALL_BYTES;
    m->opts.retire_ms = FLOE_MAINTAIN_RETIRE_MS;
    atomic_init(&m->stopping, false);
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->pass_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* published before the thread starts: the thread reads db->maint */
    m->started = true;
    db->maint = m;
    rc = floe_thread_create(&m->thread, maint_main, m, "floe-maintain");
    if (rc != 0) {
        db->maint = NULL;
        maint_free(m);
        return floe_err_set(err, FLOE_ERROR, "cannot start the maintenance thread");
    }
    return FLOE_OK;
}

void floe_maintain_stop(floe_db *db)
{
    floe_maintain *m = db ? db->maint : NULL;
    if (m == NULL) return;
    atomic_store(&m->stopping, true);
    pthread_mutex_lock(&m->mu);
    m->stop_req = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    if (m->started) pthread_join(m->thread, NULL);
    /* a synchronous pass on another thread finishes before we free */
    pthread_mutex_lock(&m->pass_mu);
    pthread_mutex_unlock(&m->pass_mu);
    db->maint = NULL;
    maint_free(m);
}

void floe_maintain_set_opts(floe_db *db, const floe_maintain_opts *o)
{
    floe_maintain *m = db ? db->maint : NULL;
    if (m == NULL || o == NULL) return;
    pthread_mutex_lock(&m->mu);
    m->opts.interval_ms = o->interval_ms;
    m->opts.merge_min_parts = o->merge_min_parts ? o->merge_min_parts : FLOE_MAINTAIN_MIN_PARTS;
    m->opts.merge_max_parts = o->merge_max_parts ? o->merge_max_parts : FLOE_MAINTAIN_MAX_PARTS;
    if (m->opts.merge_max_parts < 2) m->opts.merge_max_parts = 2;
    m->opts.small_rows = o->small_rows ? o->small_rows : FLOE_MAINTAIN_SMALL_ROWS;
    m->opts.small_bytes = o->small_bytes ? o->small_bytes : FLOE_MAINTAIN_SMALL_BYTES;
    m->opts.retire_ms = o->retire_ms;
    m->opts_gen++;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

void floe_maintain_get_opts(floe_db *db, floe_maintain_opts *out)
{
    floe_maintain *m = db ? db->maint : NULL;
    if (m == NULL) {
        memset(out, 0, sizeof *out);
        return;
    }
    pthread_mutex_lock(&m->mu);
    *out = m->opts;
    pthread_mutex_unlock(&m->mu);
}
