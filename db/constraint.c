/* db/constraint.c: CHECK and unique keys on the write path. Contract in
 * db/constraint.h. */
#include "db/constraint.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "db/block_bloom.h"
#include "db/keyset.h"
#include "db/mem_source.h"
#include "db/part_source.h"
#include "engine/expr.h"
#include "engine/plan.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"

typedef struct ukey {
    const floe_catalog_object *obj; /* borrowed from c->objs */
    uint32_t ncols;
    uint32_t cols[16];   /* table column indexes */
    floe_keyset set;     /* every row's key (not when read-only) */
} ukey;

typedef struct check {
    const floe_catalog_object *obj;
    floe_query_plan *qp; /* owns the expression */
    floe_parser *parser;
    floe_expr *e;
} check;

struct floe_db_cons {
    pthread_mutex_t mu;
    floe_catalog_object *objs; /* owned (catalog copy + extra) */
    uint32_t nobjs;
    ukey *keys;
    uint32_t nkeys;
    check *checks;
    uint32_t nchecks;
    floe_db_blooms *blooms; /* filters of the CREATE INDEX columns, or NULL */
};

/* ------------------------------------------------------------ key encoding */

typedef struct kbuf {
    char *p;
    uint32_t n, cap;
    char small[256];
} kbuf;

static int kbuf_put(kbuf *k, const void *src, uint32_t len)
{
    if (k->n + len > k->cap) {
        uint32_t nc = k->cap * 2;
        char *np;
        while (nc < k->n + len) nc *= 2;
        np = floe_malloc(nc);
        if (np == NULL) return FLOE_NOMEM;
        memcpy(np, k->p, k->n);
        if (k->p != k->small) floe_free(k->p);
        k->p = np;
        k->cap = nc;
    }
    memcpy(k->p + k->n, src, len);
    k->n += len;
    return FLOE_OK;
}

static void kbuf_init(kbuf *k)
{
    k->p = k->small;
    k->n = 0;
    k->cap = sizeof k->small;
}

static void kbuf_free(kbuf *k)
{
    if (k->p != k->small) floe_free(k->p);
}

/* Value of row r of v (CONST and dictionary vectors included). */
static void load(const floe_vec *v, uint32_t r, floe_value *out)
{
    if (v->flags & FLOE_VEC_CONST) r = 0;
    out->type = v->type;
    out->is_null = !floe_vec_is_valid(v, r);
    if (out->is_null) return;
    if (v->type.id == FLOE_TYPE_VARCHAR && v->dict.codes) {
        out->v.s = v->dict.entries[v->dict.codes[r]];
        return;
    }
    floe_value_load(v->type, v->data, r, out);
}

/* Encode row r of vecs[0..n) into k; *has_null when a value is NULL. */
static int encode(const floe_vec *const *vecs, uint32_t n, uint32_t r, kbuf *k, bool *has_null)
{
    uint32_t i;
    int rc = FLOE_OK;
    k->n = 0;
    *has_null = false;
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        floe_value v;
        load(vecs[i], r, &v);
        if (v.is_null) {
            *has_null = true;
            return FLOE_OK;
        }
        switch (v.type.id) {
        case FLOE_TYPE_VARCHAR: {
            uint32_t len = (uint32_t)v.v.s.len;
            rc = kbuf_put(k, &len, 4);
            if (rc == FLOE_OK && len) rc = kbuf_put(k, v.v.s.ptr, len);
            break;
        }
        case FLOE_TYPE_DOUBLE:
            if (v.v.d == 0) v.v.d = 0; /* -0.0 and 0.0 are one value */
            rc = kbuf_put(k, &v.v.d, 8);
            break;
        case FLOE_TYPE_INTERVAL: rc = kbuf_put(k, &v.v.iv, sizeof v.v.iv); break;
        default: rc = kbuf_put(k, &v.v.i, 8); break;
        }
    }
    return rc;
}

/* "(a, b)=(1, x)" of row r for messages. */
static void describe_key(const floe_db_table *t, const ukey *u, const floe_vec *const *vecs,
                         uint32_t r, char *buf, size_t cap)
{
    size_t n = 0;
    uint32_t i;
    n += (size_t)snprintf(buf + n, cap - n, "(");
    for (i = 0; i < u->ncols && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", t->def->cols[u->cols[i]].name);
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, ")=(");
    for (i = 0; i < u->ncols && n < cap; i++) {
        floe_value v;
        char vb[128];
        load(vecs[i], r, &v);
        if (v.type.id == FLOE_TYPE_VARCHAR)
            snprintf(vb, sizeof vb, "%.*s", (int)(v.v.s.len > 100 ? 100 : v.v.s.len), v.v.s.ptr);
        else
            floe_value_format(&v, vb, sizeof vb);
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", vb);
    }
    if (n < cap) snprintf(buf + n, cap - n, ")");
}

static int dup_error(const floe_db_table *t, const ukey *u, const floe_vec *const *vecs, uint32_t r,
                     floe_err *err)
{
    char kb[512];
    describe_key(t, u, vecs, r, kb, sizeof kb);
    if (u->obj->kind == FLOE_OBJ_PRIMARY)
        return floe_err_set(err, FLOE_CONSTRAINT, "duplicate key value violates primary key %s", kb);
    return floe_err_set(err, FLOE_CONSTRAINT, "duplicate key value violates unique %s \"%s\" %s",
                        u->obj->kind == FLOE_OBJ_UNIQUE_INDEX ? "index" : "constraint",
                        u->obj->name, kb);
}

/* ------------------------------------------------------------ loading */

void floe_db_cons_free(floe_db_cons *c)
{
    uint32_t i;
    if (c == NULL) return;
    for (i = 0; i < c->nkeys; i++) floe_keyset_free(&c->keys[i].set);
    for (i = 0; i < c->nchecks; i++) {
        floe_query_plan_free(c->checks[i].qp);
        floe_parser_free(c->checks[i].parser);
    }
    floe_free(c->keys);
    floe_free(c->checks);
    floe_db_blooms_free(c->blooms);
    floe_catalog_objects_free(c->objs, c->nobjs);
    pthread_mutex_destroy(&c->mu);
    floe_free(c);
}

static int copy_object(const floe_catalog_object *src, floe_catalog_object *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->kind = src->kind;
    dst->table_id = src->table_id;
    dst->ncols = src->ncols;
    dst->name = floe_strdup(src->name ? src->name : "");
    dst->sql = src->sql ? floe_strdup(src->sql) : NULL;
    dst->col_ids = floe_calloc(src->ncols + 1, sizeof *dst->col_ids);
    if (dst->name == NULL || (src->sql && dst->sql == NULL) || dst->col_ids == NULL) return FLOE_NOMEM;
    if (src->ncols) memcpy(dst->col_ids, src->col_ids, src->ncols * sizeof *dst->col_ids);
    return FLOE_OK;
}

static int col_of(const floe_table_def *def, uint32_t id)
{
    uint32_t i;
    for (i = 0; i < def->ncols; i++)
        if (def->cols[i].id == id) return (int)i;
    return -1;
}

/* Scan the key columns of every row of t into *set: FLOE_CONSTRAINT on a
 * duplicate. With `after` (UPDATE and DELETE, db/dml.c): the table as the
 * statement will leave it, i.e. each listed part in after->old replaced by
 * the matching after->repl and after->added listed too; a duplicate is then
 * the statement's error, not an index creation's. */
static int build_set(floe_db_table *t, const ukey *u, floe_keyset *set,
                     const floe_db_cons_after *after, floe_err *err)
{
    floe_scan_source src[2];
    floe_part_reader **parts = NULL;
    floe_ingest_snapshot *snap = NULL;
    uint32_t nparts, k, s, nsrc = 0;
    kbuf kb;
    int rc;
    memset(src, 0, sizeof src);
    floe_ingest_read_lock(t->ingest);
    nparts = t->nparts;
    parts = floe_calloc(nparts + 2, sizeof *parts);
    if (parts == NULL) {
        floe_ingest_read_unlock(t->ingest);
        return floe_err_nomem(err);
    }
    for (k = 0; k < nparts; k++) {
        uint32_t j;
        parts[k] = t->parts[k];
        for (j = 0; after && j < after->n; j++)
            if (after->old[j] == parts[k]) parts[k] = after->repl[j];
        floe_part_reader_ref(parts[k]);
    }
    if (after && after->added) {
        parts[nparts] = after->added;
        floe_part_reader_ref(parts[nparts++]);
    }
    rc = floe_ingest_snapshot_take(t->ingest, &snap, err);
    floe_ingest_read_unlock(t->ingest);
    if (rc == FLOE_OK) rc = floe_part_source_new(parts, nparts, &src[0], err);
    for (k = 0; k < nparts; k++) floe_part_reader_unref(parts[k]);
    floe_free(parts);
    if (rc != FLOE_OK) {
        floe_ingest_snapshot_free(snap);
        return rc;
    }
    nsrc = 1;
    if ((rc = floe_mem_source_new(snap, &src[1], err)) == FLOE_OK) nsrc = 2;
    kbuf_init(&kb);
    for (s = 0; s < nsrc && rc == FLOE_OK; s++) {
        uint32_t m, nm = src[s].vt->nmorsels(src[s].self);
        for (m = 0; m < nm && rc == FLOE_OK; m++) {
            floe_scan_cursor *cur = NULL;
            rc = src[s].vt->open(src[s].self, m, u->cols, u->ncols, NULL, 0, &cur, err);
            while (rc == FLOE_OK) {
                floe_batch b;
                const floe_vec *vecs[16];
                uint32_t i, live;
                memset(&b, 0, sizeof b);
                rc = src[s].vt->next(cur, &b, err);
                if (rc != FLOE_ROW) {
                    if (rc == FLOE_DONE) rc = FLOE_OK;
                    floe_batch_free(&b);
                    break;
                }
                rc = FLOE_OK;
                for (i = 0; i < u->ncols; i++) vecs[i] = &b.cols[i];
                live = floe_batch_rows(&b);
                for (i = 0; i < live && rc == FLOE_OK; i++) {
                    uint32_t r = b.sel ? b.sel[i] : i;
                    bool has_null;
                    int added;
                    if ((rc = encode(vecs, u->ncols, r, &kb, &has_null)) != FLOE_OK) {
                        rc = floe_err_nomem(err);
                        break;
                    }
                    if (has_null) continue;
                    added = floe_keyset_add(set, floe_hash64(kb.p, kb.n), kb.p, kb.n);
                    if (added < 0) rc = floe_err_nomem(err);
                    else if (added == 0) {
                        dup_error(t, u, vecs, r, err);
                        if (after == NULL)
                            floe_err_prefix(err, "could not create unique index \"%s\": ", u->obj->name);
                        rc = FLOE_CONSTRAINT;
                    }
                }
                floe_batch_free(&b);
                if (rc != FLOE_OK) break;
            }
            if (cur) src[s].vt->close(cur);
        }
    }
    kbuf_free(&kb);
    for (s = 0; s < nsrc; s++) src[s].vt->free(src[s].self);
    return rc;
}

static int add_key(floe_db_table *t, floe_db_cons *c, const floe_catalog_object *o, floe_err *err)
{
    ukey *u = &c->keys[c->nkeys];
    uint32_t i;
    memset(u, 0, sizeof *u);
    u->obj = o;
    if (o->ncols == 0 || o->ncols > 16)
        return floe_err_set(err, FLOE_UNSUPPORTED, "key \"%s\": 1 to 16 columns", o->name);
    for (i = 0; i < o->ncols; i++) {
        int ci = col_of(t->def, o->col_ids[i]);
        if (ci < 0) return floe_err_set(err, FLOE_CORRUPT, "key \"%s\": unknown column id %u", o->name, o->col_ids[i]);
        u->cols[i] = (uint32_t)ci;
    }
    u->ncols = o->ncols;
    c->nkeys++;
    return FLOE_OK;
}

static int add_check(floe_db_table *t, floe_db_cons *c, const floe_catalog_object *o, floe_err *err)
{
    check *k = &c->checks[c->nchecks];
    floe_cat_column *cols = floe_calloc(t->def->ncols + 1, sizeof *cols);
    uint32_t i;
    int rc;
    if (cols == NULL) return floe_err_nomem(err);
    for (i = 0; i < t->def->ncols; i++) {
        cols[i].name = t->def->cols[i].name;
        cols[i].type = t->def->cols[i].type;
    }
    memset(k, 0, sizeof *k);
    k->obj = o;
    rc = floe_bind_check(o->sql ? o->sql : "TRUE", cols, t->def->ncols, &k->qp, &k->parser, &k->e, err);
    floe_free(cols);
    if (rc != FLOE_OK) {
        floe_err_prefix(err, "CHECK constraint \"%s\": ", o->name);
        return rc;
    }
    c->nchecks++;
    return FLOE_OK;
}

/* The filter cache over the columns of the table's indexes (deduplicated). */
static int make_blooms(floe_db_table *t, floe_db_cons *c, floe_err *err)
{
    uint32_t cols[16], n = 0, i, k, j;
    for (i = 0; i < c->nobjs; i++) {
        const floe_catalog_object *o = &c->objs[i];
        if (o->kind != FLOE_OBJ_INDEX && o->kind != FLOE_OBJ_UNIQUE_INDEX) continue;
        for (k = 0; k < o->ncols && n < 16; k++) {
            int ci = col_of(t->def, o->col_ids[k]);
            if (ci < 0) continue;
            for (j = 0; j < n; j++)
                if (cols[j] == (uint32_t)ci) break;
            if (j == n) cols[n++] = (uint32_t)ci;
        }
    }
    return n ? floe_db_blooms_new(cols, n, &c->blooms, err) : FLOE_OK;
}

bool floe_db_cons_enforces(const floe_db_table *t)
{
    return t->cons && (t->cons->nkeys || t->cons->nchecks);
}

floe_db_blooms *floe_db_cons_blooms(const floe_db_table *t)
{
    return t->cons ? t->cons->blooms : NULL;
}

int floe_db_cons_load(floe_db *db, floe_db_table *t, const floe_catalog_object *extra,
                      floe_db_cons **out, floe_err *err)
{
    floe_catalog_object *objs = NULL;
    uint32_t n = 0, i;
    floe_db_cons *c;
    int rc;
    *out = NULL;
    if ((rc = floe_catalog_list_objects(db->cat, t->def->id, &objs, &n, err)) != FLOE_OK) return rc;
    if (n == 0 && extra == NULL) {
        floe_catalog_objects_free(objs, n);
        return FLOE_OK;
    }
    c = floe_calloc(1, sizeof *c);
    if (c == NULL) {
        floe_catalog_objects_free(objs, n);
        return floe_err_nomem(err);
    }
    pthread_mutex_init(&c->mu, NULL);
    c->objs = objs;
    c->nobjs = n;
    if (extra) {
        floe_catalog_object *na = floe_realloc(c->objs, (n + 1) * sizeof *na);
        if (na == NULL) {
            floe_db_cons_free(c);
            return floe_err_nomem(err);
        }
        c->objs = na;
        c->nobjs = n + 1;
        if (copy_object(extra, &c->objs[n]) != FLOE_OK) {
            floe_db_cons_free(c);
            return floe_err_nomem(err);
        }
    }
    c->keys = floe_calloc(c->nobjs + 1, sizeof *c->keys);
    c->checks = floe_calloc(c->nobjs + 1, sizeof *c->checks);
    if (c->keys == NULL || c->checks == NULL) {
        floe_db_cons_free(c);
        return floe_err_nomem(err);
    }
    rc = FLOE_OK;
    for (i = 0; i < c->nobjs && rc == FLOE_OK; i++) {
        const floe_catalog_object *o = &c->objs[i];
        if (o->kind == FLOE_OBJ_PRIMARY || o->kind == FLOE_OBJ_UNIQUE || o->kind == FLOE_OBJ_UNIQUE_INDEX)
            rc = add_key(t, c, o, err);
        else if (o->kind == FLOE_OBJ_CHECK)
            rc = add_check(t, c, o, err);
    }
    if (rc == FLOE_OK) rc = make_blooms(t, c, err);
    for (i = 0; i < c->nkeys && rc == FLOE_OK && !db->readonly; i++) rc = build_set(t, &c->keys[i], &c->keys[i].set, NULL, err);
    if (rc != FLOE_OK) {
        floe_db_cons_free(c);
        return rc;
    }
    *out = c;
    return FLOE_OK;
}

bool floe_db_cons_has_key(const floe_db_table *t, const uint32_t *cols, uint32_t n)
{
    const floe_db_cons *c = t->cons;
    uint32_t i, j, k;
    for (i = 0; c && i < c->nkeys; i++) {
        const ukey *u = &c->keys[i];
        if (u->ncols != n) continue;
        for (j = 0; j < n; j++) {
            for (k = 0; k < n; k++)
                if (u->cols[k] == cols[j]) break;
            if (k == n) break;
        }
        if (j == n) return true;
    }
    return false;
}

const floe_catalog_object *floe_db_cons_objects(const floe_db_table *t, uint32_t *out_n)
{
    *out_n = t->cons ? t->cons->nobjs : 0;
    return t->cons ? t->cons->objs : NULL;
}

uint64_t floe_db_cons_bytes(const floe_db_table *t)
{
    uint64_t b = 0;
    uint32_t i;
    for (i = 0; t->cons && i < t->cons->nkeys; i++) b += floe_keyset_bytes(&t->cons->keys[i].set);
    return b;
}

/* ------------------------------------------------------------ the write path */

static int run_checks(floe_db_table *t, floe_db_cons *c, const floe_batch *b, floe_err *err)
{
    uint32_t k;
    for (k = 0; k < c->nchecks; k++) {
        floe_eval_ctx ctx;
        floe_vec out;
        uint32_t i, live = floe_batch_rows(b);
        int rc;
        memset(&ctx, 0, sizeof ctx);
        ctx.now_us = floe_os_clock_wall_us();
        memset(&out, 0, sizeof out);
        rc = floe_expr_eval(c->checks[k].e, b, &ctx, &out, err);
        for (i = 0; rc == FLOE_OK && i < live; i++) {
            uint32_t r = b->sel ? b->sel[i] : i;
            floe_value v;
            load(&out, r, &v);
            if (!v.is_null && v.v.i == 0)
                rc = floe_err_set(err, FLOE_CONSTRAINT,
                                  "new row for table \"%s\" violates check constraint \"%s\" (%s)",
                                  t->def->name, c->checks[k].obj->name,
                                  c->checks[k].obj->sql ? c->checks[k].obj->sql : "");
        }
        floe_vec_free(&out);
        floe_eval_ctx_free(&ctx);
        if (rc != FLOE_OK) return rc;
    }
    return FLOE_OK;
}

/* Keys of one call: added to the table's sets as they are checked, with an
 * undo stack per key (the pool offset of each key added, newest last) to
 * take them out again, newest first, when the call fails; and, with
 * skip_conflicts, each batch's rows kept. */
typedef struct undo {
    uint64_t *off; /* pool offsets of the keys this call added */
    uint64_t n, cap;
} undo;

typedef struct pending {
    undo *added;         /* nkeys */
    uint32_t **sel;      /* n batches: kept rows (skip_conflicts) */
    uint32_t *nsel;
    bool any_dropped;
} pending;

static int push_undo(undo *u, uint64_t off)
{
    if (u->n == u->cap) {
        uint64_t nc = u->cap ? u->cap * 2 : 64;
        uint64_t *no = floe_realloc(u->off, nc * sizeof *no);
        if (no == NULL) return FLOE_NOMEM;
        u->off = no;
        u->cap = nc;
    }
    u->off[u->n++] = off;
    return FLOE_OK;
}

/* Take the newest key added to set k out again. */
static void pop_undo(floe_db_cons *c, pending *pd, uint32_t k)
{
    floe_keyset *s = &c->keys[k].set;
    uint64_t off = pd->added[k].off[--pd->added[k].n];
    uint32_t len;
    const char *key;
    memcpy(&len, s->pool + off, 4);
    key = s->pool + off + 4;
    (void)floe_keyset_remove_last(s, floe_hash64(key, len), key, len);
}

static void undo_all(floe_db_cons *c, pending *pd)
{
    uint32_t k;
    for (k = 0; pd->added && k < c->nkeys; k++)
        while (pd->added[k].n) pop_undo(c, pd, k);
}

/* Check and add the keys of every live row; a conflict fails the call (err
 * set; the caller undoes) or, with skip, drops the row (its keys undone). */
static int add_keys(floe_db_table *t, floe_db_cons *c, const floe_batch *bs, uint32_t n, bool skip,
                    pending *pd, floe_err *err)
{
    kbuf kb;
    uint32_t bi, k;
    int rc = FLOE_OK;
    kbuf_init(&kb);
    for (bi = 0; bi < n && rc == FLOE_OK; bi++) {
        const floe_batch *b = &bs[bi];
        uint32_t i, live = floe_batch_rows(b);
        if (skip && (pd->sel[bi] = floe_malloc((live + 1) * sizeof(uint32_t))) == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        for (i = 0; i < live && rc == FLOE_OK; i++) {
            uint32_t r = b->sel ? b->sel[i] : i;
            bool added[16], conflict = false;
            for (k = 0; k < c->nkeys && rc == FLOE_OK; k++) {
                const ukey *u = &c->keys[k];
                const floe_vec *vecs[16];
                uint64_t off = u->set.pool_len;
                bool has_null;
                uint32_t j;
                int got;
                added[k] = false;
                for (j = 0; j < u->ncols; j++) vecs[j] = &b->cols[u->cols[j]];
                if (encode(vecs, u->ncols, r, &kb, &has_null) != FLOE_OK) {
                    rc = floe_err_nomem(err);
                    break;
                }
                if (has_null) continue;
                got = floe_keyset_add(&c->keys[k].set, floe_hash64(kb.p, kb.n), kb.p, kb.n);
                if (got < 0 || (got == 1 && push_undo(&pd->added[k], off) != FLOE_OK)) {
                    if (got == 1) /* added but not recorded: take it out now */
                        (void)floe_keyset_remove_last(&c->keys[k].set, floe_hash64(kb.p, kb.n), kb.p, kb.n);
                    rc = floe_err_nomem(err);
                    break;
                }
                if (got == 0) {
                    conflict = true;
                    if (!skip) rc = dup_error(t, u, vecs, r, err);
                    break;
                }
                added[k] = true;
            }
            if (rc != FLOE_OK) break;
            if (conflict) { /* ON CONFLICT DO NOTHING: the row goes, its keys too */
                while (k-- > 0)
                    if (added[k]) pop_undo(c, pd, k);
                pd->any_dropped = true;
                continue;
            }
            if (skip) pd->sel[bi][pd->nsel[bi]++] = r;
        }
    }
    kbuf_free(&kb);
    return rc;
}

static int ingest(floe_db_table *t, const floe_batch *bs, uint32_t n, const floe_ingest_append_opts *o,
                  floe_ingest_append_result *res, uint64_t *out_shard_seq, floe_err *err)
{
    if (n == 1) return floe_ingest_append(t->ingest, bs, o, res, out_shard_seq, err);
    return floe_ingest_append_many(t->ingest, bs, n, o, res, out_shard_seq, err);
}

int floe_db_append(floe_db_table *t, const floe_batch *batches, uint32_t n,
                   const floe_ingest_append_opts *o, bool skip_conflicts,
                   floe_ingest_append_result *res, uint64_t *out_shard_seq, floe_err *err)
{
    floe_db_cons *c = t->cons;
    pending pd;
    floe_batch *view = NULL;
    uint32_t i;
    int rc = FLOE_OK;
    if (c == NULL || (c->nkeys == 0 && c->nchecks == 0))
        return ingest(t, batches, n, o, res, out_shard_seq, err);
    memset(&pd, 0, sizeof pd);
    pthread_mutex_lock(&c->mu);
    for (i = 0; i < n && rc == FLOE_OK; i++) rc = run_checks(t, c, &batches[i], err);
    if (rc == FLOE_OK && c->nkeys) {
        pd.added = floe_calloc(c->nkeys, sizeof *pd.added);
        pd.sel = floe_calloc(n + 1, sizeof *pd.sel);
        pd.nsel = floe_calloc(n + 1, sizeof *pd.nsel);
        if (pd.added == NULL || pd.sel == NULL || pd.nsel == NULL) rc = floe_err_nomem(err);
        if (rc == FLOE_OK) rc = add_keys(t, c, batches, n, skip_conflicts, &pd, err);
    }
    if (rc == FLOE_OK && pd.any_dropped) {
        /* ON CONFLICT DO NOTHING: the same vectors with the kept rows selected */
        if ((view = floe_calloc(n, sizeof *view)) == NULL) rc = floe_err_nomem(err);
        for (i = 0; rc == FLOE_OK && i < n; i++) {
            view[i] = batches[i];
            view[i].sel = pd.sel[i];
            view[i].nsel = pd.nsel[i];
        }
    }
    if (rc == FLOE_OK) {
        uint64_t kept = 0;
        for (i = 0; view && i < n; i++) kept += view[i].nsel;
        if (view && kept == 0) {
            memset(res, 0, sizeof *res);
        } else {
            rc = ingest(t, view ? view : batches, n, o, res, out_shard_seq, err);
            if (rc == FLOE_OK && res->duplicate) undo_all(c, &pd); /* nothing was appended */
        }
    }
    if (rc != FLOE_OK) undo_all(c, &pd);
    pthread_mutex_unlock(&c->mu);
    for (i = 0; pd.added && i < c->nkeys; i++) floe_free(pd.added[i].off);
    for (i = 0; pd.sel && i < n; i++) floe_free(pd.sel[i]);
    floe_free(pd.added);
    floe_free(pd.sel);
    floe_free(pd.nsel);
    floe_free(view);
    return rc;
}

/* ------------------------------------------------------------ UPDATE and DELETE */

int floe_db_cons_check_rows(floe_db_table *t, const floe_batch *b, floe_err *err)
{
    floe_db_cons *c = t->cons;
    int rc;
    if (c == NULL || c->nchecks == 0) return FLOE_OK;
    pthread_mutex_lock(&c->mu);
    rc = run_checks(t, c, b, err);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

bool floe_db_cons_has_keys(const floe_db_table *t)
{
    return t->cons && t->cons->nkeys;
}

void floe_db_cons_lock(floe_db_table *t)
{
    pthread_mutex_lock(&t->cons->mu);
}

void floe_db_cons_unlock(floe_db_table *t)
{
    pthread_mutex_unlock(&t->cons->mu);
}

int floe_db_cons_stage(floe_db_table *t, const floe_db_cons_after *after, floe_keyset **out,
                       floe_err *err)
{
    floe_db_cons *c = t->cons;
    floe_keyset *sets;
    uint32_t k;
    int rc = FLOE_OK;
    *out = NULL;
    if ((sets = floe_calloc(c->nkeys + 1, sizeof *sets)) == NULL) return floe_err_nomem(err);
    for (k = 0; k < c->nkeys && rc == FLOE_OK; k++) rc = build_set(t, &c->keys[k], &sets[k], after, err);
    if (rc != FLOE_OK) {
        floe_db_cons_staged_free(t, sets);
        return rc;
    }
    *out = sets;
    return FLOE_OK;
}

void floe_db_cons_install(floe_db_table *t, floe_keyset *staged)
{
    floe_db_cons *c = t->cons;
    uint32_t k;
    for (k = 0; k < c->nkeys; k++) {
        floe_keyset_free(&c->keys[k].set);
        c->keys[k].set = staged[k];
    }
    floe_free(staged);
}

void floe_db_cons_staged_free(floe_db_table *t, floe_keyset *staged)
{
    uint32_t k;
    if (staged == NULL) return;
    for (k = 0; k < t->cons->nkeys; k++) floe_keyset_free(&staged[k]);
    floe_free(staged);
}
