/* db/ddl.c: constraints, indexes and views as statements. Contract in
 * db/ddl.h. */
#include "db/ddl.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/result_build.h"
#include "db/system.h"
#include "util/strbuf.h"
#include "db/block_bloom.h"
#include "db/constraint.h"
#include "sql/parser.h"
#include "util/mem.h"

/* ------------------------------------------------------------ views */

static const floe_catalog_object *view_obj(const floe_db *db, const char *name)
{
    uint32_t i;
    for (i = 0; i < db->nviews; i++)
        if (strcasecmp(db->views[i].name, name) == 0) return &db->views[i];
    return NULL;
}

int floe_db_find_view(floe_db_views *v, const char *name, const floe_ast_query **out_query,
                      const char **out_sql, const char *const **out_cols, int *out_ncols,
                      floe_err *err)
{
    const floe_catalog_object *o = view_obj(v->db, name);
    floe_parser *p = NULL;
    floe_ast_stmt *st = NULL;
    const char **cols = NULL;
    int ncols = 0, rc;
    if (o == NULL || o->sql == NULL) return FLOE_NOTFOUND;
    if (v->n == v->cap) {
        uint32_t nc = v->cap ? v->cap * 2 : 4;
        floe_parser **np = floe_realloc(v->parsers, nc * sizeof *np);
        if (np == NULL) return floe_err_nomem(err);
        v->parsers = np;
        v->cap = nc;
    }
    rc = floe_parser_parse_one(o->sql, strlen(o->sql), &p, &st, err);
    if (p) v->parsers[v->n++] = p; /* kept until the statement has run */
    if (rc != FLOE_OK) {
        floe_err_prefix(err, "view \"%s\": ", o->name);
        return rc;
    }
    if (st->kind != FLOE_AST_STMT_QUERY)
        return floe_err_set(err, FLOE_CORRUPT, "view \"%s\": stored text is not a query", o->name);
    if (o->aliases) {
        const char *s = o->aliases;
        int k = 0;
        if (v->arena == NULL && (v->arena = floe_arena_new(0)) == NULL) return floe_err_nomem(err);
        ncols = 1;
        for (; *s; s++) ncols += *s == '\x1f';
        cols = floe_arena_alloc(v->arena, (size_t)ncols * sizeof *cols);
        if (cols == NULL) return floe_err_nomem(err);
        for (s = o->aliases;; k++) {
            const char *e = strchr(s, '\x1f');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            if ((cols[k] = floe_arena_strndup(v->arena, s, len)) == NULL) return floe_err_nomem(err);
            if (e == NULL) break;
            s = e + 1;
        }
    }
    *out_query = st->query;
    *out_sql = o->sql;
    *out_cols = cols;
    *out_ncols = ncols;
    return FLOE_OK;
}

void floe_db_views_free(floe_db_views *v)
{
    uint32_t i;
    for (i = 0; i < v->n; i++) floe_parser_free(v->parsers[i]);
    floe_free(v->parsers);
    floe_arena_free(v->arena);
    v->parsers = NULL;
    v->arena = NULL;
    v->n = v->cap = 0;
}

int floe_db_load_views(floe_db *db, floe_err *err)
{
    floe_catalog_object *o = NULL;
    uint32_t n = 0;
    int rc = floe_catalog_list_objects(db->cat, 0, &o, &n, err);
    if (rc != FLOE_OK) return rc;
    floe_catalog_objects_free(db->views, db->nviews);
    db->views = o;
    db->nviews = n;
    return FLOE_OK;
}

/* ------------------------------------------------------------ tables */

int floe_db_create_table(floe_db *db, const floe_table_def *def, const floe_bound_create *bc,
                         floe_err *err)
{
    floe_catalog_object *objs = NULL;
    uint32_t i, j, n = bc->ncons;
    int rc;
    if (view_obj(db, def->name))
        return floe_err_set(err, FLOE_CONSTRAINT, "a view named '%s' already exists", def->name);
    if (n && (objs = floe_calloc(n, sizeof *objs)) == NULL) return floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        const floe_bound_cons *k = &bc->cons[i];
        objs[i].kind = (floe_object_kind)k->kind;
        objs[i].name = (char *)k->name;
        objs[i].sql = (char *)k->check_sql;
        objs[i].ncols = k->ncols;
        objs[i].col_ids = floe_calloc(k->ncols + 1, sizeof(uint32_t));
        if (objs[i].col_ids == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        for (j = 0; j < k->ncols; j++) objs[i].col_ids[j] = k->cols[j] + 1; /* ids are 1..n */
    }
    rc = floe_catalog_create_table_objs(db->cat, def, objs, n, NULL, err);
out:
    for (i = 0; i < n; i++) floe_free(objs[i].col_ids);
    floe_free(objs);
    return rc;
}

int floe_db_check_conflict_target(const floe_bound_stmt *bs, floe_err *err)
{
    const floe_db_table *t = bs->table.table_ref;
    if (bs->nconflict_cols == 0 || floe_db_cons_has_key(t, bs->conflict_cols, bs->nconflict_cols))
        return FLOE_OK;
    return floe_err_set(err, FLOE_ERROR,
                        "there is no unique or primary key constraint matching the ON CONFLICT "
                        "specification on table '%s'", t->def->name);
}

void floe_db_describe_keys(const floe_db_table *t, uint32_t col_id, char *buf, size_t cap)
{
    uint32_t k, c, n;
    const floe_catalog_object *o = floe_db_cons_objects(t, &n);
    bool pk = false, uq = false, ix = false;
    for (k = 0; k < n; k++)
        for (c = 0; c < o[k].ncols; c++)
            if (o[k].col_ids[c] == col_id) {
                pk |= o[k].kind == FLOE_OBJ_PRIMARY;
                uq |= o[k].kind == FLOE_OBJ_UNIQUE || o[k].kind == FLOE_OBJ_UNIQUE_INDEX;
                ix |= o[k].kind == FLOE_OBJ_INDEX;
            }
    if (pk) snprintf(buf + strlen(buf), cap - strlen(buf), "%sPRIMARY KEY", buf[0] ? ", " : "");
    if (uq) snprintf(buf + strlen(buf), cap - strlen(buf), "%sUNIQUE", buf[0] ? ", " : "");
    if (ix) snprintf(buf + strlen(buf), cap - strlen(buf), "%sINDEX", buf[0] ? ", " : "");
}

void floe_db_explain_indexes(const floe_query_plan *qp, floe_strbuf *out)
{
    uint32_t i, k, c, n;
    for (i = 0; i < qp->ntables; i++) {
        const floe_db_table *t = qp->table_refs[i];
        const floe_catalog_object *o;
        if (floe_system_is(t)) continue;
        o = floe_db_cons_objects(t, &n);
        for (k = 0; k < n; k++) {
            if (o[k].kind != FLOE_OBJ_INDEX && o[k].kind != FLOE_OBJ_UNIQUE_INDEX) continue;
            floe_strbuf_puts(out, "Index ");
            floe_strbuf_puts(out, o[k].name);
            floe_strbuf_puts(out, " ON ");
            floe_strbuf_puts(out, t->def->name);
            floe_strbuf_puts(out, " (");
            for (c = 0; c < o[k].ncols; c++) {
                uint32_t j;
                for (j = 0; j < t->def->ncols; j++)
                    if (t->def->cols[j].id == o[k].col_ids[c]) break;
                if (c) floe_strbuf_puts(out, ", ");
                floe_strbuf_puts(out, j < t->def->ncols ? t->def->cols[j].name : "?");
            }
            floe_strbuf_puts(out, "): block bloom filters skip blocks for = predicates\n");
        }
    }
}

/* ------------------------------------------------------------ statements */

int floe_db_reload_constraints(floe_db *db, floe_db_table *t, floe_err *err)
{
    floe_db_cons *c = NULL;
    int rc = floe_db_cons_load(db, t, NULL, &c, err);
    if (rc != FLOE_OK) return rc;
    floe_db_cons_free(t->cons);
    t->cons = c;
    return FLOE_OK;
}

/* Build the new index's filters for the parts there now (best effort: a
 * failure leaves them to the first query that scans the parts). */
static void warm_blooms(floe_db_table *t)
{
    floe_db_blooms *c = floe_db_cons_blooms(t);
    floe_part_reader **parts;
    floe_part_blooms **bl;
    floe_err e = FLOE_ERR_INIT;
    uint32_t n, i;
    if (c == NULL) return;
    floe_ingest_read_lock(t->ingest);
    n = t->nparts;
    parts = floe_calloc(n + 1, sizeof *parts);
    for (i = 0; parts && i < n; i++) {
        parts[i] = t->parts[i];
        floe_part_reader_ref(parts[i]);
    }
    floe_ingest_read_unlock(t->ingest);
    if (parts == NULL) return;
    if ((bl = floe_calloc(n + 1, sizeof *bl)) != NULL && floe_db_blooms_get(c, parts, n, bl, &e) == FLOE_OK)
        for (i = 0; i < n; i++) floe_part_blooms_unref(bl[i]);
    for (i = 0; i < n; i++) floe_part_reader_unref(parts[i]);
    floe_free(bl);
    floe_free(parts);
}

static bool index_exists(const floe_db *db, const char *name)
{
    uint32_t i, k, n;
    for (i = 0; i < db->ntables; i++) {
        const floe_catalog_object *o = floe_db_cons_objects(db->tables[i], &n);
        for (k = 0; k < n; k++)
            if ((o[k].kind == FLOE_OBJ_INDEX || o[k].kind == FLOE_OBJ_UNIQUE_INDEX) &&
                strcasecmp(o[k].name, name) == 0)
                return true;
    }
    return false;
}

static int create_index(floe_db *db, const floe_bound_stmt *bs, floe_err *err)
{
    floe_db_table *t = bs->table.table_ref;
    floe_catalog_object o;
    uint32_t ids[64], i;
    floe_db_cons *c = NULL;
    int rc;
    if (index_exists(db, bs->index.name)) {
        if (bs->index.if_not_exists) return FLOE_OK;
        return floe_err_set(err, FLOE_CONSTRAINT, "index '%s' already exists", bs->index.name);
    }
    if (bs->index.ncols > 64) return floe_err_set(err, FLOE_UNSUPPORTED, "an index has at most 64 columns");
    memset(&o, 0, sizeof o);
    o.kind = bs->index.unique ? FLOE_OBJ_UNIQUE_INDEX : FLOE_OBJ_INDEX;
    o.name = (char *)bs->index.name;
    o.table_id = t->def->id;
    o.ncols = bs->index.ncols;
    o.col_ids = ids;
    for (i = 0; i < bs->index.ncols; i++) ids[i] = t->def->cols[bs->index.cols[i]].id;
    /* a unique index checks the rows already there before it is stored */
    if ((rc = floe_db_cons_load(db, t, &o, &c, err)) != FLOE_OK) return rc;
    if ((rc = floe_catalog_add_object(db->cat, &o, false, err)) != FLOE_OK) {
        floe_db_cons_free(c);
        return rc;
    }
    floe_db_cons_free(t->cons);
    t->cons = c;
    warm_blooms(t);
    return FLOE_OK;
}

static int drop_index(floe_db *db, const floe_bound_stmt *bs, floe_err *err)
{
    int64_t tid = 0;
    uint32_t i;
    int rc = floe_catalog_drop_object(db->cat, false, bs->obj_name, &tid, err);
    if (rc == FLOE_NOTFOUND && bs->if_exists) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (rc == FLOE_NOTFOUND) return floe_err_set(err, FLOE_ERROR, "index '%s' does not exist", bs->obj_name);
    if (rc != FLOE_OK) return rc;
    for (i = 0; i < db->ntables; i++)
        if (db->tables[i]->def->id == tid) return floe_db_reload_constraints(db, db->tables[i], err);
    return FLOE_OK;
}

static int create_view(floe_db *db, const floe_bound_stmt *bs, floe_err *err)
{
    floe_catalog_object o;
    int rc;
    if (floe_db_find_table(db, bs->view.name))
        return floe_err_set(err, FLOE_CONSTRAINT, "a table named '%s' already exists", bs->view.name);
    if (view_obj(db, bs->view.name) && !bs->view.or_replace)
        return floe_err_set(err, FLOE_CONSTRAINT, "view '%s' already exists", bs->view.name);
    memset(&o, 0, sizeof o);
    o.kind = FLOE_OBJ_VIEW;
    o.name = (char *)bs->view.name;
    o.sql = (char *)bs->view.sql;
    o.aliases = (char *)bs->view.aliases;
    if ((rc = floe_catalog_add_object(db->cat, &o, bs->view.or_replace, err)) != FLOE_OK) return rc;
    return floe_db_load_views(db, err);
}

static int drop_view(floe_db *db, const floe_bound_stmt *bs, floe_err *err)
{
    int rc = floe_catalog_drop_object(db->cat, true, bs->obj_name, NULL, err);
    if (rc == FLOE_NOTFOUND && bs->if_exists) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (rc == FLOE_NOTFOUND) return floe_err_set(err, FLOE_ERROR, "view '%s' does not exist", bs->obj_name);
    if (rc != FLOE_OK) return rc;
    return floe_db_load_views(db, err);
}

int floe_db_run_ddl(floe_db *db, const floe_bound_stmt *bs, floe_result **out, floe_err *err)
{
    int rc;
    switch (bs->kind) {
    case FLOE_BOUND_CREATE_INDEX: rc = create_index(db, bs, err); break;
    case FLOE_BOUND_DROP_INDEX: rc = drop_index(db, bs, err); break;
    case FLOE_BOUND_CREATE_VIEW: rc = create_view(db, bs, err); break;
    case FLOE_BOUND_DROP_VIEW: rc = drop_view(db, bs, err); break;
    default: return floe_err_set(err, FLOE_MISUSE, "floe_db_run_ddl: not a DDL statement");
    }
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}
