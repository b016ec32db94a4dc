/* sql/parse_dml.c: the DELETE and UPDATE statements.
 *
 *     DELETE FROM table [[AS] alias] [WHERE condition]
 *     UPDATE table [[AS] alias] SET column = expr [, column = expr ...] [WHERE condition]
 *
 * (PostgreSQL's forms without USING/FROM/RETURNING; DuckDB accepts the
 * same.) The statement becomes FLOE_AST_STMT_DELETE / _UPDATE with its
 * `dml` fields; the binder (sql/bind_dml.c) turns it into the query that
 * finds the rows, db/dml.c runs it. Contract of the rules: sql/parse_internal.h.
 */
#include "sql/parse_internal.h"

#include <string.h>

/* [[AS] alias]: a bare word is an alias unless it starts the next clause. */
static int parse_alias(floe_parser *p, const char **out)
{
    *out = NULL;
    if (floe_parse_accept_kw(p, "AS")) return floe_parse_ident(p, out, "alias");
    if ((p->tok.kind == FLOE_TOK_WORD && !floe_parse_at_kw(p, "WHERE") &&
         !floe_parse_at_kw(p, "SET")) ||
        p->tok.kind == FLOE_TOK_QIDENT)
        return floe_parse_ident(p, out, "alias");
    return FLOE_OK;
}

/* SET column = expr [, ...] */
static int parse_set_list(floe_parser *p, floe_ast_stmt *s)
{
    int cap_c = 0, cap_e = 0, n = 0;
    do {
        const char *col;
        floe_ast_expr *e;
        int nn = n;
        TRY(floe_parse_ident(p, &col, "column name"));
        if (floe_parse_at_op(p, ".")) { /* alias.column: PostgreSQL refuses it too */
            return floe_parse_syntax_error(p, "expected '=' (SET takes a bare column name)");
        }
        TRY(floe_parse_expect_op(p, "=", "after the SET column"));
        TRY(floe_parse_expr(p, 0, &e));
        PUSH_PTR(p, s->dml.set_cols, nn, cap_c, col);
        PUSH_PTR(p, s->dml.set_exprs, n, cap_e, e);
    } while (floe_parse_accept_op(p, ","));
    s->dml.nset = n;
    return FLOE_OK;
}

int floe_parse_dml(floe_parser *p, floe_ast_stmt *s)
{
    if (floe_parse_accept_kw(p, "DELETE")) {
        s->kind = FLOE_AST_STMT_DELETE;
        TRY(floe_parse_expect_kw(p, "FROM", "after DELETE"));
        TRY(floe_parse_ident(p, &s->dml.table, "table name"));
        TRY(parse_alias(p, &s->dml.alias));
    } else {
        TRY(floe_parse_expect_kw(p, "UPDATE", "statement"));
        s->kind = FLOE_AST_STMT_UPDATE;
        TRY(floe_parse_ident(p, &s->dml.table, "table name"));
        TRY(parse_alias(p, &s->dml.alias));
        TRY(floe_parse_expect_kw(p, "SET", "after UPDATE table"));
        TRY(parse_set_list(p, s));
    }
    if (floe_parse_accept_kw(p, "WHERE")) TRY(floe_parse_expr(p, 0, &s->dml.where));
    return FLOE_OK;
}
