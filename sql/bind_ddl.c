/* sql/bind_ddl.c: binding of constraints, indexes and views.
 *
 * CREATE TABLE's PRIMARY KEY / UNIQUE / CHECK (column and table forms) into
 * floe_bound_cons (the columns resolved, a CHECK type-checked against the
 * new table and kept as SQL text); CREATE [UNIQUE] INDEX / DROP INDEX;
 * CREATE [OR REPLACE] VIEW (its query bound once to check it, then kept as
 * text) / DROP VIEW; view references in FROM (the stored query parsed by the
 * api and bound here like a CTE that sees no other CTE); INSERT's ON
 * CONFLICT target; and floe_bind_check, which db/ uses to compile a stored
 * CHECK for the write paths. Same contract as the rest of the binder
 * (sql/bind_internal.h).
 */
#include "sql/bind_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/bind_expr.h"
#include "sql/parser.h"
#include "util/mem.h"

/* Index of column `name` among cols (case-insensitive), with an error. */
static int col_index(binder *b, const floe_bound_column *cols, uint32_t n, const char *table,
                     const char *name, int off, uint32_t *out)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        if (strcasecmp(cols[i].name, name) == 0) {
            *out = i;
            return FLOE_OK;
        }
    return floe_err_set_at(b->err, FLOE_ERROR, off, "column \"%s\" of table \"%s\" does not exist",
                           name, table);
}

static bool has_subquery_or_agg(const floe_expr *e)
{
    uint32_t i;
    if (e == NULL) return false;
    if (e->kind == FLOE_EXPR_SUBQUERY) return true;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= WIN_BASE) return true;
    for (i = 0; i < e->nargs; i++)
        if (has_subquery_or_agg(e->args[i])) return true;
    return false;
}

/* Bind ae over the columns cols[0..n) (COLUMN i = column i) in b. */
static int bind_over_cols(binder *b, const floe_ast_expr *ae, const char *const *names,
                          const floe_type *types, uint32_t n, floe_expr **out)
{
    block bk;
    uint32_t i;
    floe_expr *e;
    int rc;
    memset(&bk, 0, sizeof bk);
    bk.b = b;
    bk.cols = floe_arena_alloc(b->a, (n ? n : 1) * sizeof *bk.cols);
    if (bk.cols == NULL) return floe_binder_nomem(b);
    for (i = 0; i < n; i++) {
        memset(&bk.cols[i], 0, sizeof bk.cols[i]);
        bk.cols[i].name = names[i];
        bk.cols[i].type = types[i];
        bk.cols[i].gid = i;
    }
    bk.ncols = bk.capcols = bk.ngids = n;
    if ((rc = floe_binder_expr(&bk, ae, &e))) return rc;
    if (has_subquery_or_agg(e) || bk.naggs)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "CHECK constraints cannot contain subqueries or aggregates");
    if (e->type.id == FLOE_TYPE_NULL && (rc = floe_bind_expr_cast(b->a, e, T(FLOE_TYPE_BOOLEAN), &e, b->err)))
        return rc;
    if (e->type.id != FLOE_TYPE_BOOLEAN)
        return floe_err_set_at(b->err, FLOE_TYPE, ae->off, "CHECK expression must be BOOLEAN");
    *out = e;
    return FLOE_OK;
}

static int add_cons(binder *b, floe_bound_create *c, uint32_t *cap, int kind, const char *name,
                    uint32_t *cols, uint32_t ncols, const floe_ast_expr *check)
{
    floe_bound_cons *k;
    char gen[256];
    c->cons = floe_binder_grow(b, c->cons, c->ncons, cap, sizeof *c->cons);
    if (c->cons == NULL) return floe_binder_nomem(b);
    k = &c->cons[c->ncons];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->cols = cols;
    k->ncols = ncols;
    if (check) {
        const char **names = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *names);
        floe_type *types = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *types);
        floe_expr *e;
        uint32_t i;
        int rc;
        if (names == NULL || types == NULL) return floe_binder_nomem(b);
        for (i = 0; i < c->ncols; i++) {
            names[i] = c->cols[i].name;
            types[i] = c->cols[i].type;
        }
        if ((rc = bind_over_cols(b, check, names, types, c->ncols, &e))) return rc;
        k->check_sql = floe_arena_strndup(b->a, b->sql + check->off, (size_t)check->len);
        if (k->check_sql == NULL) return floe_binder_nomem(b);
    }
    if (name == NULL) {
        if (kind == 1) snprintf(gen, sizeof gen, "%s_pkey", c->table);
        else if (kind == 2) snprintf(gen, sizeof gen, "%s_%s_key", c->table, c->cols[cols[0]].name);
        else snprintf(gen, sizeof gen, "%s_check%u", c->table, c->ncons + 1);
        name = gen;
    }
    if ((k->name = floe_binder_strdup(b, name)) == NULL) return floe_binder_nomem(b);
    c->ncons++;
    return FLOE_OK;
}

static int one_col(binder *b, uint32_t i, uint32_t **out)
{
    *out = floe_arena_alloc(b->a, sizeof **out);
    if (*out == NULL) return floe_binder_nomem(b);
    **out = i;
    return FLOE_OK;
}

int floe_binder_create_cons(binder *b, const floe_ast_stmt *s, floe_bound_create *c)
{
    uint32_t cap = 0, i, npk = 0;
    int rc, k;
    for (i = 0; i < (uint32_t)s->create_table.ncols; i++) {
        const floe_ast_coldef *cd = &s->create_table.cols[i];
        uint32_t *cols;
        if (cd->primary_key) {
            if ((rc = one_col(b, i, &cols)) || (rc = add_cons(b, c, &cap, 1, NULL, cols, 1, NULL))) return rc;
            npk++;
        }
        if (cd->unique) {
            if ((rc = one_col(b, i, &cols)) || (rc = add_cons(b, c, &cap, 2, NULL, cols, 1, NULL))) return rc;
        }
        if (cd->check && (rc = add_cons(b, c, &cap, 3, NULL, NULL, 0, cd->check))) return rc;
    }
    for (k = 0; k < s->create_table.ncons; k++) {
        const floe_ast_tcons *t = &s->create_table.cons[k];
        uint32_t *cols = NULL;
        int j;
        if (t->kind != FLOE_AST_CONS_CHECK) {
            cols = floe_arena_alloc(b->a, (size_t)t->ncols * sizeof *cols);
            if (cols == NULL) return floe_binder_nomem(b);
            for (j = 0; j < t->ncols; j++) {
                if ((rc = col_index(b, c->cols, c->ncols, c->table, t->cols[j], t->off, &cols[j]))) return rc;
                if (t->kind == FLOE_AST_CONS_PRIMARY) c->cols[cols[j]].not_null = true;
            }
        }
        if (t->kind == FLOE_AST_CONS_PRIMARY) npk++;
        if ((rc = add_cons(b, c, &cap, t->kind == FLOE_AST_CONS_PRIMARY ? 1 : t->kind == FLOE_AST_CONS_UNIQUE ? 2 : 3,
                           t->name, cols, (uint32_t)t->ncols, t->check)))
            return rc;
    }
    if (npk > 1)
        return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                               "multiple primary keys for table \"%s\" are not allowed", c->table);
    return FLOE_OK;
}

/* ------------------------------------------------------------ statements */

static int bind_create_index(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_cat_table t;
    uint32_t i, j;
    int rc;
    if ((rc = floe_binder_find_table(b, s->index.table, s->off, &t))) return rc;
    bs->table.name = floe_binder_strdup(b, t.name);
    bs->table.table_ref = t.table_ref;
    bs->index.name = floe_binder_strdup(b, s->index.name);
    bs->index.unique = s->index.unique;
    bs->index.if_not_exists = s->index.if_not_exists;
    bs->index.ncols = (uint32_t)s->index.ncols;
    bs->index.cols = floe_arena_alloc(b->a, bs->index.ncols * sizeof(uint32_t));
    if (bs->table.name == NULL || bs->index.name == NULL || bs->index.cols == NULL)
        return floe_binder_nomem(b);
    for (i = 0; i < bs->index.ncols; i++) {
        for (j = 0; j < t.ncols; j++)
            if (strcasecmp(t.cols[j].name, s->index.cols[i]) == 0) break;
        if (j == t.ncols)
            return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                   "column \"%s\" of table \"%s\" does not exist", s->index.cols[i], t.name);
        bs->index.cols[i] = j;
    }
    bs->kind = FLOE_BOUND_CREATE_INDEX;
    return FLOE_OK;
}

static int bind_create_view(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_plan *p;
    floe_strbuf sb = FLOE_STRBUF_INIT;
    int rc, i;
    b->a = bs->plan->arena;
    rc = floe_binder_query(b, NULL, s->view.query, &p); /* checked now, bound again at use */
    b->a = bs->arena;
    if (rc) return rc;
    if (s->view.ncols > (int)p->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                               "CREATE VIEW specifies more column names (%d) than the query has (%u)",
                               s->view.ncols, p->ncols);
    for (i = 0; i < s->view.ncols; i++) {
        if (i) floe_strbuf_putc(&sb, '\x1f');
        floe_strbuf_puts(&sb, s->view.cols[i]);
    }
    if (!floe_strbuf_ok(&sb)) {
        floe_strbuf_free(&sb);
        return floe_binder_nomem(b);
    }
    bs->view.aliases = s->view.ncols ? floe_binder_strdup(b, floe_strbuf_str(&sb)) : NULL;
    floe_strbuf_free(&sb);
    bs->view.name = floe_binder_strdup(b, s->view.name);
    bs->view.sql = floe_arena_strndup(b->a, b->sql + s->view.query->off, (size_t)s->view.query->len);
    bs->view.or_replace = s->view.or_replace;
    if (bs->view.name == NULL || bs->view.sql == NULL || (s->view.ncols && bs->view.aliases == NULL))
        return floe_binder_nomem(b);
    floe_query_plan_free(bs->plan);
    bs->plan = NULL;
    bs->kind = FLOE_BOUND_CREATE_VIEW;
    return FLOE_OK;
}

int floe_binder_ddl(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    switch (s->kind) {
    case FLOE_AST_STMT_CREATE_INDEX:
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return bind_create_index(b, s, bs);
    case FLOE_AST_STMT_CREATE_VIEW: return bind_create_view(b, s, bs);
    case FLOE_AST_STMT_DROP_INDEX:
    case FLOE_AST_STMT_DROP_VIEW:
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        bs->kind = s->kind == FLOE_AST_STMT_DROP_INDEX ? FLOE_BOUND_DROP_INDEX : FLOE_BOUND_DROP_VIEW;
        bs->if_exists = s->drop_obj.if_exists;
        bs->obj_name = floe_binder_strdup(b, s->drop_obj.name);
        return bs->obj_name ? FLOE_OK : floe_binder_nomem(b);
    default: break;
    }
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off, "unsupported statement");
}

int floe_binder_on_conflict(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    int i;
    uint32_t k = 0;
    bs->on_conflict = s->insert.on_conflict;
    if (s->insert.on_conflict == FLOE_AST_CONFLICT_UPDATE)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off,
                               "INSERT ... ON CONFLICT DO UPDATE is not supported yet (DO NOTHING is)");
    if (s->insert.nconflict_cols == 0) return FLOE_OK;
    bs->conflict_cols = floe_arena_alloc(b->a, (size_t)s->insert.nconflict_cols * sizeof(uint32_t));
    if (bs->conflict_cols == NULL) return floe_binder_nomem(b);
    for (i = 0; i < s->insert.nconflict_cols; i++) {
        int rc = col_index(b, bs->table.cols, bs->table.ncols, bs->table.name, s->insert.conflict_cols[i],
                           s->off, &k);
        if (rc) return rc;
        bs->conflict_cols[i] = k;
    }
    bs->nconflict_cols = (uint32_t)s->insert.nconflict_cols;
    return FLOE_OK;
}

/* ------------------------------------------------------------ views */

int floe_binder_find_view(binder *b, const char *name, const floe_ast_query **out_q,
                          const char **out_sql, const char *const **out_cols, int *out_ncols)
{
    int rc;
    *out_q = NULL;
    if (b->cat->find_view == NULL) return FLOE_OK;
    rc = b->cat->find_view(b->cat->self, name, out_q, out_sql, out_cols, out_ncols, b->err);
    if (rc == FLOE_NOTFOUND) {
        *out_q = NULL;
        return FLOE_OK;
    }
    return rc;
}

int floe_binder_view_query(binder *b, const char *name, const floe_ast_query *q, const char *sql,
                           int off, floe_plan **out)
{
    const char *saved_sql = b->sql;
    cte_def *saved_ctes = b->ctes;
    int rc;
    b->sql = sql;
    b->ctes = NULL; /* a view sees tables and views, not the caller's CTEs */
    rc = floe_binder_query(b, NULL, q, out);
    b->sql = saved_sql;
    b->ctes = saved_ctes;
    if (rc != FLOE_OK && rc != FLOE_NOMEM) {
        /* the base changed under the view (a dropped table or column) */
        floe_err_prefix(b->err, "view \"%s\": ", name);
        if (b->err) b->err->offset = off;
    }
    return rc;
}

/* ------------------------------------------------------------ CHECK */

int floe_bind_check(const char *text, const floe_cat_column *cols, uint32_t ncols,
                    floe_query_plan **out_qp, floe_parser **out_parser, floe_expr **out,
                    floe_err *err)
{
    floe_parser *p = NULL;
    floe_ast_expr *ae = NULL;
    floe_query_plan *qp;
    const char **names;
    floe_type *types;
    binder b;
    uint32_t i;
    int rc;
    *out_qp = NULL;
    *out_parser = NULL;
    *out = NULL;
    if ((qp = floe_query_plan_new()) == NULL) return floe_err_nomem(err);
    rc = floe_parser_parse_expr(text, strlen(text), &p, &ae, err);
    if (rc != FLOE_OK) goto fail;
    memset(&b, 0, sizeof b);
    b.a = qp->arena;
    b.qp = qp;
    b.sql = text;
    b.err = err;
    names = floe_arena_alloc(b.a, (ncols ? ncols : 1) * sizeof *names);
    types = floe_arena_alloc(b.a, (ncols ? ncols : 1) * sizeof *types);
    if (names == NULL || types == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    for (i = 0; i < ncols; i++) {
        names[i] = floe_arena_strndup(b.a, cols[i].name, strlen(cols[i].name));
        types[i] = cols[i].type;
        if (names[i] == NULL) {
            rc = floe_err_nomem(err);
            goto fail;
        }
    }
    if ((rc = bind_over_cols(&b, ae, names, types, ncols, out)) != FLOE_OK) goto fail;
    *out_parser = p; /* the expression may point into its tree */
    *out_qp = qp;
    return FLOE_OK;
fail:
    floe_parser_free(p);
    floe_query_plan_free(qp);
    *out = NULL;
    return rc;
}

/* ------------------------------------------------------------ parameters */

int floe_binder_param(binder *b, const floe_ast_expr *ae, floe_expr **out)
{
    floe_value v;
    int i = ae->param.index;
    if (i < 1 || (uint32_t)i > b->nparams)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "no value given for parameter $%d", i);
    v = b->params[i - 1];
    if (!v.is_null && v.type.id == FLOE_TYPE_VARCHAR) {
        char *p = floe_arena_strndup(b->a, v.v.s.len ? v.v.s.ptr : "", v.v.s.len);
        if (p == NULL) return floe_binder_nomem(b);
        v.v.s.ptr = p;
    }
    if (v.is_null) v.type = T(FLOE_TYPE_NULL);
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : floe_binder_nomem(b);
}

int floe_bind_const_values(floe_ast_expr *const *args, uint32_t n, const char *sql,
                           int64_t now_us, floe_arena *arena, floe_value *out, floe_err *err)
{
    binder b;
    block bk;
    uint32_t i;
    memset(&b, 0, sizeof b);
    memset(&bk, 0, sizeof bk);
    b.a = arena;
    b.sql = sql;
    b.now_us = now_us;
    b.err = err;
    bk.b = &b;
    for (i = 0; i < n; i++) {
        floe_expr *e;
        int rc = floe_binder_expr(&bk, args[i], &e);
        if (rc) return rc;
        if (e->kind != FLOE_EXPR_CONST)
            return floe_err_set_at(err, FLOE_ERROR, args[i]->off, "EXECUTE arguments must be constants");
        out[i] = e->value;
    }
    return FLOE_OK;
}
