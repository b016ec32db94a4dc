/* sql/bind_dml.c: binding DELETE and UPDATE.
 *
 * A DELETE or UPDATE is bound as the query that finds its rows, which the
 * api then runs over the table's parts (db/dml.c):
 *
 *     DELETE FROM t WHERE c          SELECT __floe_rowid FROM t WHERE c
 *     UPDATE t SET b = e WHERE c     SELECT __floe_rowid, a, CAST(e AS <type of b>), ...
 *                                    FROM t WHERE c
 *
 * so the WHERE and the SET expressions get everything a SELECT has
 * (scalar and correlated subqueries, functions, CASE). The row-id column
 * is FLOE_DML_ROWID, which the catalog lists last for the statement's
 * target table only (sql/binder.h). Plan output: column 0 the row id, then
 * for UPDATE every table column in order with its new value, typed as the
 * column (assignment casts are CASTs: a value that does not convert fails
 * the whole statement). Errors: unknown or repeated SET columns
 * (FLOE_ERROR), a table the catalog lists without the row-id column (a
 * system table: FLOE_UNSUPPORTED).
 */
#include <string.h>
#include <strings.h>

#include "sql/bind_internal.h"

static floe_ast_expr *ast_node(binder *b, floe_ast_expr_kind k, int off)
{
    floe_ast_expr *e = floe_arena_alloc(b->a, sizeof *e);
    if (e == NULL) return NULL;
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->off = off;
    return e;
}

static floe_ast_expr *ast_column(binder *b, const char *rel, const char *name, int off)
{
    floe_ast_expr *e = ast_node(b, FLOE_AST_COLUMN, off);
    if (e == NULL) return NULL;
    e->column.table = rel;
    e->column.name = name;
    return e;
}

/* The SELECT that finds the statement's rows, in b's arena. */
static int build_query(binder *b, const floe_ast_stmt *s, const floe_cat_table *t,
                       floe_ast_query **out)
{
    uint32_t ncols = t->ncols - 1, i; /* without the row id */
    int k, nt = 1;
    floe_ast_query *q = floe_arena_alloc(b->a, sizeof *q);
    floe_ast_from *f = floe_arena_alloc(b->a, sizeof *f);
    floe_ast_from **fl = floe_arena_alloc(b->a, sizeof *fl);
    floe_ast_target *tg = floe_arena_alloc(b->a, (ncols + 1) * sizeof *tg);
    const char *rel = s->dml.alias ? s->dml.alias : t->name;
    if (q == NULL || f == NULL || fl == NULL || tg == NULL) return floe_binder_nomem(b);
    memset(q, 0, sizeof *q);
    memset(f, 0, sizeof *f);
    memset(tg, 0, (ncols + 1) * sizeof *tg);
    f->kind = FLOE_AST_FROM_TABLE;
    f->off = s->off;
    f->table = s->dml.table;
    f->alias = s->dml.alias;
    fl[0] = f;
    tg[0].expr = ast_column(b, rel, FLOE_DML_ROWID, s->off);
    tg[0].alias = FLOE_DML_ROWID;
    if (tg[0].expr == NULL) return floe_binder_nomem(b);
    if (s->kind == FLOE_AST_STMT_UPDATE) {
        for (k = 0; k < s->dml.nset; k++) {
            for (i = 0; i < ncols && strcasecmp(t->cols[i].name, s->dml.set_cols[k]) != 0; i++) {
            }
            if (i == ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, s->dml.set_exprs[k]->off,
                                       "column \"%s\" of table \"%s\" does not exist",
                                       s->dml.set_cols[k], t->name);
            if (tg[1 + i].expr != NULL)
                return floe_err_set_at(b->err, FLOE_ERROR, s->dml.set_exprs[k]->off,
                                       "column \"%s\" assigned more than once",
                                       s->dml.set_cols[k]);
            tg[1 + i].expr = ast_node(b, FLOE_AST_CAST, s->dml.set_exprs[k]->off);
            if (tg[1 + i].expr == NULL) return floe_binder_nomem(b);
            {
                char tb[64];
                tg[1 + i].expr->len = s->dml.set_exprs[k]->len;
                tg[1 + i].expr->cast.arg = s->dml.set_exprs[k];
                tg[1 + i].expr->cast.type = t->cols[i].type;
                tg[1 + i].expr->cast.type_name =
                    floe_binder_strdup(b, floe_type_name(t->cols[i].type, tb, sizeof tb));
                if (tg[1 + i].expr->cast.type_name == NULL) return floe_binder_nomem(b);
            }
        }
        for (i = 0; i < ncols; i++) {
            if (tg[1 + i].expr == NULL) {
                tg[1 + i].expr = ast_column(b, rel, t->cols[i].name, s->off);
                if (tg[1 + i].expr == NULL) return floe_binder_nomem(b);
            }
            tg[1 + i].alias = t->cols[i].name;
        }
        nt = (int)ncols + 1;
    }
    q->kind = FLOE_AST_Q_SELECT;
    q->off = s->off;
    q->len = s->len;
    q->select.targets = tg;
    q->select.ntargets = nt;
    q->select.from = fl;
    q->select.nfrom = 1;
    q->select.where = s->dml.where;
    *out = q;
    return FLOE_OK;
}

int floe_binder_dml(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_cat_table t;
    floe_ast_query *q = NULL;
    floe_plan *p;
    uint32_t i;
    int rc;
    bs->kind = s->kind == FLOE_AST_STMT_DELETE ? FLOE_BOUND_DELETE : FLOE_BOUND_UPDATE;
    if ((rc = floe_binder_find_table(b, s->dml.table, s->off, &t))) return rc;
    if (t.ncols == 0 || strcmp(t.cols[t.ncols - 1].name, FLOE_DML_ROWID) != 0 ||
        t.cols[t.ncols - 1].type.id != FLOE_TYPE_BIGINT)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off,
                               "%s: table \"%s\" cannot be changed (a system table)",
                               s->kind == FLOE_AST_STMT_DELETE ? "DELETE" : "UPDATE", t.name);
    bs->table.name = floe_binder_strdup(b, t.name);
    bs->table.table_ref = t.table_ref;
    bs->table.ncols = t.ncols - 1;
    bs->table.cols = floe_arena_alloc(b->a, t.ncols * sizeof *bs->table.cols);
    if (bs->table.name == NULL || bs->table.cols == NULL) return floe_binder_nomem(b);
    memset(bs->table.cols, 0, t.ncols * sizeof *bs->table.cols);
    for (i = 0; i + 1 < t.ncols; i++) {
        bs->table.cols[i].name = floe_binder_strdup(b, t.cols[i].name);
        bs->table.cols[i].type = t.cols[i].type;
        bs->table.cols[i].not_null = t.cols[i].not_null;
        if (bs->table.cols[i].name == NULL) return floe_binder_nomem(b);
    }
    if ((rc = build_query(b, s, &t, &q))) return rc;
    b->a = bs->plan->arena;
    if ((rc = floe_binder_query(b, NULL, q, &p))) return rc;
    bs->plan->root = p;
    return FLOE_OK;
}
