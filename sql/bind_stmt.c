/* sql/bind_stmt.c: binding of statements.
 *
 * CREATE TABLE [AS], DROP, ALTER ADD, INSERT, COPY, EXPLAIN, SHOW TABLES,
 * DESCRIBE and FLUSH: tables resolved through the catalog, options and
 * defaults checked, and for the statements that read rows a plan from
 * bind_select.c.
 */
#include "sql/bind_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "util/datetime.h"
#include "util/mem.h"

/* ------------------------------------------------------------ statements */

static int copy_table(binder *b, const floe_cat_table *t, floe_bound_table *out)
{
    uint32_t i;
    out->name = floe_binder_strdup(b, t->name);
    out->table_ref = t->table_ref;
    out->ncols = t->ncols;
    out->cols = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *out->cols);
    if (out->name == NULL || out->cols == NULL) return floe_binder_nomem(b);
    for (i = 0; i < t->ncols; i++) {
        floe_bound_column *c = &out->cols[i];
        c->name = floe_binder_strdup(b, t->cols[i].name);
        c->type = t->cols[i].type;
        c->not_null = t->cols[i].not_null;
        c->has_default = t->cols[i].has_default;
        c->default_value = t->cols[i].default_value;
        if (c->has_default && !c->default_value.is_null &&
            c->default_value.type.id == FLOE_TYPE_VARCHAR) {
            char *p = floe_arena_strndup(b->a, c->default_value.v.s.ptr, c->default_value.v.s.len);
            if (p == NULL) return floe_binder_nomem(b);
            c->default_value.v.s.ptr = p;
        }
        if (c->name == NULL) return floe_binder_nomem(b);
    }
    return FLOE_OK;
}

static int column_index(binder *b, const floe_bound_table *t, const char *name, int off,
                        uint32_t *out)
{
    uint32_t i;
    hint h = {NULL, 0, name};
    for (i = 0; i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0) {
            *out = i;
            return FLOE_OK;
        }
    for (i = 0; i < t->ncols; i++) floe_binder_hint_try(&h, t->cols[i].name);
    if (h.best)
        return floe_err_set_at(b->err, FLOE_ERROR, off,
                               "column \"%s\" of table \"%s\" does not exist; did you mean \"%s\"?",
                               name, t->name, h.best);
    return floe_err_set_at(b->err, FLOE_ERROR, off, "column \"%s\" of table \"%s\" does not exist",
                           name, t->name);
}

/* Constant value of an expression in a context without columns. */
static int const_value(binder *b, const floe_ast_expr *ae, floe_type to, const char *what,
                       floe_value *out)
{
    block bk;
    floe_expr *e;
    int rc;
    memset(&bk, 0, sizeof bk);
    bk.b = b;
    if ((rc = floe_binder_expr(&bk, ae, &e))) return rc;
    if (to.id != FLOE_TYPE_INVALID &&
        (rc = floe_bind_expr_cast(b->a, e, to, &e, b->err)))
        return floe_binder_at(b, rc, ae->off);
    if (e->kind != FLOE_EXPR_CONST)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must be a constant", what);
    *out = e->value;
    return FLOE_OK;
}

static int bind_coldef(binder *b, const floe_ast_coldef *cd, floe_bound_column *out)
{
    int rc;
    out->name = floe_binder_strdup(b, cd->name);
    out->type = cd->type;
    out->not_null = cd->not_null;
    out->has_default = cd->default_ != NULL;
    out->default_value = floe_value_null(cd->type);
    if (out->name == NULL) return floe_binder_nomem(b);
    if (cd->type.id == FLOE_TYPE_NULL || cd->type.id == FLOE_TYPE_INVALID)
        return floe_err_set_at(b->err, FLOE_TYPE, cd->off, "invalid column type");
    if (cd->default_) {
        if ((rc = const_value(b, cd->default_, cd->type, "DEFAULT", &out->default_value)))
            return rc;
        if (out->default_value.is_null && cd->not_null)
            return floe_err_set_at(b->err, FLOE_CONSTRAINT, cd->off,
                                   "column \"%s\": DEFAULT NULL on a NOT NULL column", cd->name);
    }
    return FLOE_OK;
}

static const char *valid_options =
    "flush_rows, flush_bytes, flush_interval_ms, shards, ttl, ttl_column";

static int opt_int(binder *b, const floe_ast_option *o, int64_t lo, int64_t hi, int64_t *out)
{
    floe_value v = floe_value_null(T(FLOE_TYPE_BIGINT));
    int rc;
    if (o->value == NULL)
        return floe_err_set_at(b->err, FLOE_ERROR, o->off, "option %s needs a value", o->name);
    if ((rc = const_value(b, o->value, T(FLOE_TYPE_BIGINT), o->name, &v))) return rc;
    if (v.is_null || v.v.i < lo || v.v.i > hi)
        return floe_err_set_at(b->err, FLOE_RANGE, o->off, "option %s must be between %lld and %lld",
                               o->name, (long long)lo, (long long)hi);
    *out = v.v.i;
    return FLOE_OK;
}

static int bind_create(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_create *c = &bs->create;
    const char *ttl_col = NULL;
    int ttl_off = s->off;
    int i, rc;
    uint32_t j;
    c->table = floe_binder_strdup(b, s->create_table.table);
    c->if_not_exists = s->create_table.if_not_exists;
    c->partition_col = -1;
    c->flush_rows = c->flush_bytes = c->flush_interval_ms = -1;
    c->ttl_col = -1;
    if (s->create_table.as_query) {
        floe_plan *p;
        b->a = bs->plan->arena;
        rc = floe_binder_query(b, NULL, s->create_table.as_query, &p);
        b->a = bs->arena;
        if (rc) return rc;
        bs->plan->root = p;
        c->ncols = p->ncols;
        c->cols = floe_arena_alloc(b->a, (p->ncols ? p->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return floe_binder_nomem(b);
        for (j = 0; j < p->ncols; j++) {
            memset(&c->cols[j], 0, sizeof c->cols[j]);
            c->cols[j].name = floe_binder_strdup(b, p->names[j] ? p->names[j] : "col");
            c->cols[j].type = p->types[j].id == FLOE_TYPE_NULL ? T(FLOE_TYPE_INTEGER) : p->types[j];
            c->cols[j].default_value = floe_value_null(c->cols[j].type);
        }
    } else {
        c->ncols = (uint32_t)s->create_table.ncols;
        c->cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return floe_binder_nomem(b);
        for (i = 0; i < s->create_table.ncols; i++)
            if ((rc = bind_coldef(b, &s->create_table.cols[i], &c->cols[i]))) return rc;
    }
    for (j = 0; j < c->ncols; j++) {
        uint32_t k;
        for (k = 0; k < j; k++)
            if (strcasecmp(c->cols[j].name, c->cols[k].name) == 0)
                return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                       "column \"%s\" specified more than once", c->cols[j].name);
    }
    {
        floe_bound_table tmp;
        tmp.name = c->table;
        tmp.cols = c->cols;
        tmp.ncols = c->ncols;
        if (s->create_table.npartition_by > 1)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off,
                                   "PARTITION BY takes one column");
        if (s->create_table.npartition_by == 1) {
            uint32_t k;
            if ((rc = column_index(b, &tmp, s->create_table.partition_by[0], s->off, &k))) return rc;
            c->partition_col = (int32_t)k;
        }
        if (s->create_table.norder_by) {
            c->order_cols = floe_arena_alloc(b->a, (size_t)s->create_table.norder_by * sizeof(uint32_t));
            if (c->order_cols == NULL) return floe_binder_nomem(b);
            for (i = 0; i < s->create_table.norder_by; i++)
                if ((rc = column_index(b, &tmp, s->create_table.order_by[i], s->off,
                                       &c->order_cols[i])))
                    return rc;
            c->norder_cols = (uint32_t)s->create_table.norder_by;
        }
        for (i = 0; i < s->create_table.noptions; i++) {
            const floe_ast_option *o = &s->create_table.options[i];
            int64_t v;
            if (strcmp(o->name, "flush_rows") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_rows))) return rc;
            } else if (strcmp(o->name, "flush_bytes") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_bytes))) return rc;
            } else if (strcmp(o->name, "flush_interval_ms") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_interval_ms))) return rc;
            } else if (strcmp(o->name, "shards") == 0) {
                if ((rc = opt_int(b, o, 1, 1024, &v))) return rc;
                c->shards = (int32_t)v;
            } else if (strcmp(o->name, "ttl") == 0) {
                floe_value tv;
                if (o->value == NULL)
                    return floe_err_set_at(b->err, FLOE_ERROR, o->off, "option ttl needs a value");
                if ((rc = const_value(b, o->value, T(FLOE_TYPE_INVALID), "ttl", &tv))) return rc;
                __int128 ttl; /* 128 bits: checked against int64 below */
                if (floe_type_is_integer(tv.type)) {
                    ttl = (__int128)tv.v.i * FLOE_MICROS_PER_SEC;
                } else {
                    floe_value iv;
                    if ((rc = floe_bind_expr_cast_value(b->a, &tv, T(FLOE_TYPE_INTERVAL), &iv, b->err)))
                        return floe_binder_at(b, rc, o->off);
                    ttl = ((__int128)iv.v.iv.months * 30 + iv.v.iv.days) * FLOE_MICROS_PER_DAY +
                          iv.v.iv.micros;
                }
                if (ttl > INT64_MAX)
                    return floe_err_set_at(b->err, FLOE_RANGE, o->off, "ttl out of range");
                c->ttl_us = ttl < 0 ? 0 : (int64_t)ttl;
                if (c->ttl_us <= 0)
                    return floe_err_set_at(b->err, FLOE_RANGE, o->off, "ttl must be positive");
            } else if (strcmp(o->name, "ttl_column") == 0) {
                if (o->value == NULL || (o->value->kind != FLOE_AST_COLUMN && o->value->kind != FLOE_AST_STRING))
                    return floe_err_set_at(b->err, FLOE_ERROR, o->off, "ttl_column needs a column name");
                ttl_col = o->value->kind == FLOE_AST_COLUMN ? o->value->column.name : o->value->str.s;
                ttl_off = o->off;
            } else {
                return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                       "unknown table option \"%s\"; valid options: %s", o->name,
                                       valid_options);
            }
        }
        if (ttl_col) {
            uint32_t k;
            if ((rc = column_index(b, &tmp, ttl_col, ttl_off, &k))) return rc;
            if (c->cols[k].type.id != FLOE_TYPE_TIMESTAMP)
                return floe_err_set_at(b->err, FLOE_TYPE, ttl_off,
                                       "ttl_column \"%s\" must be a TIMESTAMP column", ttl_col);
            c->ttl_col = (int32_t)k;
        } else if (c->ttl_us > 0) {
            for (j = 0; j < c->ncols; j++)
                if (c->cols[j].type.id == FLOE_TYPE_TIMESTAMP) break;
            if (j == c->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                       "ttl needs a TIMESTAMP column in the table");
            c->ttl_col = (int32_t)j;
        }
    }
    if (!s->create_table.as_query && (rc = floe_binder_create_cons(b, s, c))) return rc;
    bs->kind = FLOE_BOUND_CREATE_TABLE;
    if (!s->create_table.as_query) {
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
    }
    return FLOE_OK;
}

static int resolve_table(binder *b, const char *name, int off, floe_bound_table *out)
{
    floe_cat_table t;
    int rc = floe_binder_find_table(b, name, off, &t);
    if (rc) return rc;
    return copy_table(b, &t, out);
}

static int bind_insert(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_table *t = &bs->table;
    int32_t *src; /* table column -> position in the source, -1 when absent */
    uint32_t nsrc, i, j;
    floe_plan *p;
    int rc;
    if ((rc = resolve_table(b, s->insert.table, s->off, t))) return rc;
    src = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *src);
    if (src == NULL) return floe_binder_nomem(b);
    for (i = 0; i < t->ncols; i++) src[i] = s->insert.ncols ? -1 : (int32_t)i;
    nsrc = s->insert.ncols ? (uint32_t)s->insert.ncols : t->ncols;
    for (i = 0; i < (uint32_t)s->insert.ncols; i++) {
        uint32_t k;
        if ((rc = column_index(b, t, s->insert.cols[i], s->off, &k))) return rc;
        if (src[k] >= 0)
            return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                   "column \"%s\" specified more than once", s->insert.cols[i]);
        src[k] = (int32_t)i;
    }
    b->a = bs->plan->arena;
    if (s->insert.query->kind == FLOE_AST_Q_VALUES && s->insert.query->norder_by == 0 &&
        !s->insert.query->limit && !s->insert.query->offset) {
        const floe_ast_query *q = s->insert.query;
        block bk;
        floe_expr **cells;
        memset(&bk, 0, sizeof bk);
        bk.b = b;
        if ((uint32_t)q->values.ncols != nsrc)
            return floe_err_set_at(b->err, FLOE_ERROR, q->off,
                                   "INSERT has %d expressions but %u target columns",
                                   q->values.ncols, nsrc);
        p = floe_binder_node(b, FLOE_PLAN_VALUES, t->ncols, 0);
        cells = floe_arena_alloc(b->a, ((size_t)q->values.nrows * t->ncols + 1) * sizeof *cells);
        if (p == NULL || cells == NULL) return floe_binder_nomem(b);
        for (i = 0; i < (uint32_t)q->values.nrows; i++)
            for (j = 0; j < t->ncols; j++) {
                floe_expr *e;
                const floe_bound_column *c = &t->cols[j];
                int off = q->off;
                const floe_ast_expr *ae = src[j] >= 0 ? q->values.rows[i][src[j]] : NULL;
                if (ae && ae->kind == FLOE_AST_COLUMN && ae->column.table == NULL &&
                    strcmp(ae->column.name, "default") == 0)
                    ae = NULL; /* DEFAULT keyword */
                if (ae) {
                    off = ae->off;
                    if ((rc = floe_binder_expr(&bk, ae, &e))) return rc;
                    if ((rc = floe_bind_expr_cast(b->a, e, c->type, &e, b->err)))
                        return floe_binder_at(b, rc, ae->off);
                } else {
                    e = floe_bind_expr_const(b->a, c->has_default ? c->default_value
                                                                  : floe_value_null(c->type));
                    if (e == NULL) return floe_binder_nomem(b);
                }
                if (c->not_null && e->kind == FLOE_EXPR_CONST && e->value.is_null)
                    return floe_err_set_at(b->err, FLOE_CONSTRAINT, off,
                                           "null value in column \"%s\" violates not-null constraint",
                                           c->name);
                cells[i * t->ncols + j] = e;
            }
        for (j = 0; j < t->ncols; j++) {
            p->types[j] = t->cols[j].type;
            p->names[j] = t->cols[j].name;
        }
        p->u.values.nrows = (uint32_t)q->values.nrows;
        p->u.values.cells = cells;
        p->est_rows = q->values.nrows;
    } else {
        floe_plan *sub;
        floe_expr **ex;
        const char **nm;
        if ((rc = floe_binder_query(b, NULL, s->insert.query, &sub))) return rc;
        if (sub->ncols != nsrc)
            return floe_err_set_at(b->err, FLOE_ERROR, s->insert.query->off,
                                   "INSERT has %u expressions but %u target columns", sub->ncols,
                                   nsrc);
        ex = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *ex);
        nm = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *nm);
        if (ex == NULL || nm == NULL) return floe_binder_nomem(b);
        for (j = 0; j < t->ncols; j++) {
            const floe_bound_column *c = &t->cols[j];
            if (src[j] >= 0) {
                char b1[32], b2[32];
                ex[j] = floe_bind_expr_column(b->a, (uint32_t)src[j], sub->types[src[j]]);
                if (ex[j] == NULL) return floe_binder_nomem(b);
                rc = floe_bind_expr_cast(b->a, ex[j], c->type, &ex[j], b->err);
                if (rc == FLOE_TYPE)
                    return floe_err_set_at(b->err, FLOE_TYPE, s->insert.query->off,
                                           "column \"%s\" is of type %s but expression is of type %s",
                                           c->name, floe_type_name(c->type, b1, sizeof b1),
                                           floe_type_name(sub->types[src[j]], b2, sizeof b2));
                if (rc) return rc;
            } else {
                if (c->not_null && !(c->has_default && !c->default_value.is_null))
                    return floe_err_set_at(b->err, FLOE_CONSTRAINT, s->off,
                                           "null value in column \"%s\" violates not-null constraint",
                                           c->name);
                ex[j] = floe_bind_expr_const(b->a, c->has_default ? c->default_value
                                                                  : floe_value_null(c->type));
                if (ex[j] == NULL) return floe_binder_nomem(b);
            }
            nm[j] = c->name;
        }
        p = floe_binder_project(b, sub, ex, nm, t->ncols);
        if (p == NULL) return floe_binder_nomem(b);
    }
    bs->plan->root = p;
    bs->kind = FLOE_BOUND_INSERT;
    b->a = bs->arena;
    return floe_binder_on_conflict(b, s, bs);
}

static int bind_options(binder *b, const floe_ast_option *opts, int n, floe_bound_copy *out)
{
    int i, rc;
    out->noptions = (uint32_t)n;
    out->options = floe_arena_alloc(b->a, (n ? (size_t)n : 1) * sizeof *out->options);
    if (out->options == NULL) return floe_binder_nomem(b);
    for (i = 0; i < n; i++) {
        floe_bound_option *o = &out->options[i];
        o->name = floe_binder_strdup(b, opts[i].name);
        o->has_value = opts[i].value != NULL;
        o->value = floe_value_null(T(FLOE_TYPE_NULL));
        if (opts[i].value == NULL) continue;
        if (opts[i].value->kind == FLOE_AST_COLUMN && opts[i].value->column.table == NULL) {
            floe_expr *e = floe_binder_const_str(b, opts[i].value->column.name,
                                        strlen(opts[i].value->column.name));
            if (e == NULL) return floe_binder_nomem(b);
            o->value = e->value;
        } else if ((rc = const_value(b, opts[i].value, T(FLOE_TYPE_INVALID), opts[i].name,
                                     &o->value))) {
            return rc;
        }
    }
    return FLOE_OK;
}

static int bind_copy(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_copy *c = &bs->copy;
    int rc, i;
    c->path = floe_binder_strdup(b, s->copy.path);
    if ((rc = bind_options(b, s->copy.options, s->copy.noptions, c))) return rc;
    if (!s->copy.to || s->copy.table) {
        if ((rc = resolve_table(b, s->copy.table, s->off, &bs->table))) return rc;
        c->ncols = s->copy.ncols ? (uint32_t)s->copy.ncols : bs->table.ncols;
        c->cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return floe_binder_nomem(b);
        for (i = 0; i < (int)c->ncols; i++) {
            if (s->copy.ncols == 0) {
                c->cols[i] = (uint32_t)i;
                continue;
            }
            if ((rc = column_index(b, &bs->table, s->copy.cols[i], s->off, &c->cols[i]))) return rc;
        }
    }
    if (!s->copy.to) {
        bs->kind = FLOE_BOUND_COPY_FROM;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return FLOE_OK;
    }
    bs->kind = FLOE_BOUND_COPY_TO;
    b->a = bs->plan->arena;
    if (s->copy.query) {
        floe_plan *p;
        if ((rc = floe_binder_query(b, NULL, s->copy.query, &p))) return rc;
        bs->plan->root = p;
    } else {
        /* COPY t [(cols)] TO: scan of the listed columns */
        floe_cat_table t;
        floe_plan *p;
        uint32_t ti;
        if ((rc = floe_binder_find_table(b, s->copy.table, s->off, &t))) return rc;
        if ((rc = floe_binder_plan_table(b, &t, &ti))) return rc;
        p = floe_binder_node(b, FLOE_PLAN_SCAN, c->ncols, 0);
        if (p == NULL) return floe_binder_nomem(b);
        p->u.scan.table = ti;
        p->u.scan.table_name = b->qp->table_names[ti];
        p->u.scan.cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof(uint32_t));
        if (p->u.scan.cols == NULL) return floe_binder_nomem(b);
        for (i = 0; i < (int)c->ncols; i++) {
            p->u.scan.cols[i] = c->cols[i];
            p->types[i] = bs->table.cols[c->cols[i]].type;
            p->names[i] = floe_binder_strdup(b, bs->table.cols[c->cols[i]].name);
        }
        p->est_rows = t.nrows;
        bs->plan->root = p;
    }
    return FLOE_OK;
}

int floe_binder_stmt(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    int rc;
    b->a = bs->arena;
    switch (s->kind) {
    case FLOE_AST_STMT_QUERY: {
        floe_plan *p;
        b->a = bs->plan->arena;
        if ((rc = floe_binder_query(b, NULL, s->query, &p))) return rc;
        bs->plan->root = p;
        bs->kind = FLOE_BOUND_QUERY;
        return FLOE_OK;
    }
    case FLOE_AST_STMT_CREATE_TABLE: return bind_create(b, s, bs);
    case FLOE_AST_STMT_DROP_TABLE: {
        floe_cat_table t;
        bs->kind = FLOE_BOUND_DROP_TABLE;
        bs->if_exists = s->drop_table.if_exists;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        memset(&t, 0, sizeof t);
        rc = b->cat->find_table(b->cat->self, s->drop_table.table, &t, b->err);
        if (rc == FLOE_NOTFOUND && s->drop_table.if_exists) {
            floe_err_clear(b->err);
            bs->table.name = floe_binder_strdup(b, s->drop_table.table);
            return bs->table.name ? FLOE_OK : floe_binder_nomem(b);
        }
        if (rc == FLOE_NOTFOUND) return floe_binder_find_table(b, s->drop_table.table, s->off, &t);
        if (rc) return floe_binder_at(b, rc, s->off);
        return copy_table(b, &t, &bs->table);
    }
    case FLOE_AST_STMT_ALTER_ADD: {
        uint32_t i;
        bs->kind = FLOE_BOUND_ALTER_ADD;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        if ((rc = resolve_table(b, s->alter_add.table, s->off, &bs->table))) return rc;
        if (s->alter_add.col.primary_key || s->alter_add.col.unique || s->alter_add.col.check)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->alter_add.col.off,
                                   "ALTER TABLE ADD COLUMN with PRIMARY KEY, UNIQUE or CHECK is not "
                                   "supported (use CREATE UNIQUE INDEX)");
        if ((rc = bind_coldef(b, &s->alter_add.col, &bs->alter_col))) return rc;
        for (i = 0; i < bs->table.ncols; i++)
            if (strcasecmp(bs->table.cols[i].name, bs->alter_col.name) == 0)
                return floe_err_set_at(b->err, FLOE_ERROR, s->alter_add.col.off,
                                       "column \"%s\" of table \"%s\" already exists",
                                       bs->alter_col.name, bs->table.name);
        if (bs->alter_col.not_null && !(bs->alter_col.has_default && !bs->alter_col.default_value.is_null))
            return floe_err_set_at(b->err, FLOE_CONSTRAINT, s->alter_add.col.off,
                                   "column \"%s\" is NOT NULL and needs a non-NULL DEFAULT",
                                   bs->alter_col.name);
        return FLOE_OK;
    }
    case FLOE_AST_STMT_INSERT: return bind_insert(b, s, bs);
    case FLOE_AST_STMT_COPY: return bind_copy(b, s, bs);
    case FLOE_AST_STMT_EXPLAIN:
        if (s->explain.stmt->kind == FLOE_AST_STMT_EXPLAIN)
            return floe_err_set_at(b->err, FLOE_ERROR, s->off, "EXPLAIN of EXPLAIN");
        if ((rc = floe_binder_stmt(b, s->explain.stmt, bs))) return rc;
        bs->explain = true;
        bs->explain_analyze = s->explain.analyze;
        return FLOE_OK;
    case FLOE_AST_STMT_SHOW_TABLES:
        bs->kind = FLOE_BOUND_SHOW_TABLES;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return FLOE_OK;
    case FLOE_AST_STMT_DESCRIBE:
    case FLOE_AST_STMT_FLUSH:
        bs->kind = s->kind == FLOE_AST_STMT_DESCRIBE ? FLOE_BOUND_DESCRIBE : FLOE_BOUND_FLUSH;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return resolve_table(b, s->table, s->off, &bs->table);
    case FLOE_AST_STMT_SET: break; /* run by api/settings.c without binding */
    case FLOE_AST_STMT_PREPARE:    /* run by db/prepared.c without binding */
    case FLOE_AST_STMT_EXECUTE:
    case FLOE_AST_STMT_DEALLOCATE: break;
    case FLOE_AST_STMT_CREATE_INDEX:
    case FLOE_AST_STMT_DROP_INDEX:
    case FLOE_AST_STMT_CREATE_VIEW:
    case FLOE_AST_STMT_DROP_VIEW: return floe_binder_ddl(b, s, bs);
    case FLOE_AST_STMT_DELETE:
    case FLOE_AST_STMT_UPDATE: return floe_binder_dml(b, s, bs);
    case FLOE_AST_STMT_CRAWL: break; /* run by db/crawl.c without binding */
    }
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off, "unsupported statement");
}
