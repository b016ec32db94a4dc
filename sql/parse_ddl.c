/* sql/parse_ddl.c: the parser rules of constraints, indexes and views.
 *
 * Column constraints (PRIMARY KEY, UNIQUE, CHECK (expr), CONSTRAINT name,
 * SQLite's AUTOINCREMENT), table constraints in CREATE TABLE's list,
 * INSERT's ON CONFLICT clause, CREATE [UNIQUE] INDEX / DROP INDEX and
 * CREATE [OR REPLACE] VIEW / DROP VIEW, and their printing. Split from
 * sql/parse_stmt.c, which calls in here; same contract as sql/parser.c:
 * trees in the parser's arena, errors in p->err.
 */
#include <string.h>

#include "sql/parse_internal.h"

/* CHECK ( expr ) */
static int parse_check(floe_parser *p, floe_ast_expr **out)
{
    TRY(floe_parse_expect_op(p, "(", "after CHECK"));
    TRY(floe_parse_expr(p, 0, out));
    return floe_parse_expect_op(p, ")", "after CHECK expression");
}

int floe_parse_col_constraint(floe_parser *p, floe_ast_coldef *c, int *matched)
{
    *matched = 1;
    if (floe_parse_accept_kw(p, "CONSTRAINT")) {
        const char *ignored;
        TRY(floe_parse_ident(p, &ignored, "constraint name"));
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "PRIMARY")) {
        TRY(floe_parse_expect_kw(p, "KEY", "after PRIMARY"));
        if (!floe_parse_accept_kw(p, "ASC")) floe_parse_accept_kw(p, "DESC");
        floe_parse_accept_kw(p, "AUTOINCREMENT");
        c->primary_key = true;
        c->not_null = true;
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "UNIQUE")) {
        c->unique = true;
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "CHECK")) {
        if (c->check) return floe_parse_error_at(p, p->prev.off, "CHECK given twice on a column");
        return parse_check(p, &c->check);
    }
    *matched = 0;
    return FLOE_OK;
}

int floe_parse_at_table_constraint(const floe_parser *p)
{
    floe_token n1 = floe_parse_peek(p, 1);
    if (floe_parse_at_kw(p, "CONSTRAINT")) return 1;
    if (floe_parse_at_kw(p, "PRIMARY")) return 1;
    /* UNIQUE ( and CHECK ( : a column named unique/check has a type next */
    if ((floe_parse_at_kw(p, "UNIQUE") || floe_parse_at_kw(p, "CHECK")) &&
        floe_parse_is_op(p, &n1, "("))
        return 1;
    return 0;
}

/* (col [ASC|DESC] [COLLATE x], ...) of a key or an index. */
static int key_cols(floe_parser *p, const char ***out, int *out_n, const char *what)
{
    const char **arr = NULL;
    int n = 0, cap = 0;
    TRY(floe_parse_expect_op(p, "(", what));
    do {
        const char *id;
        TRY(floe_parse_ident(p, &id, "column name"));
        PUSH_PTR(p, arr, n, cap, id);
        if (floe_parse_accept_kw(p, "COLLATE")) TRY(floe_parse_ident(p, &id, "collation"));
        if (!floe_parse_accept_kw(p, "ASC")) floe_parse_accept_kw(p, "DESC");
    } while (floe_parse_accept_op(p, ","));
    TRY(floe_parse_expect_op(p, ")", "after the column list"));
    *out = arr;
    *out_n = n;
    return FLOE_OK;
}

int floe_parse_table_constraint(floe_parser *p, floe_ast_tcons *t)
{
    memset(t, 0, sizeof *t);
    t->off = p->tok.off;
    if (floe_parse_accept_kw(p, "CONSTRAINT")) TRY(floe_parse_ident(p, &t->name, "constraint name"));
    if (floe_parse_accept_kw(p, "PRIMARY")) {
        TRY(floe_parse_expect_kw(p, "KEY", "after PRIMARY"));
        t->kind = FLOE_AST_CONS_PRIMARY;
        TRY(key_cols(p, &t->cols, &t->ncols, "before PRIMARY KEY columns"));
    } else if (floe_parse_accept_kw(p, "UNIQUE")) {
        t->kind = FLOE_AST_CONS_UNIQUE;
        TRY(key_cols(p, &t->cols, &t->ncols, "before UNIQUE columns"));
    } else if (floe_parse_accept_kw(p, "CHECK")) {
        t->kind = FLOE_AST_CONS_CHECK;
        TRY(parse_check(p, &t->check));
    } else {
        return floe_parse_syntax_error(p, "PRIMARY KEY, UNIQUE or CHECK");
    }
    t->len = floe_parse_set_len(p, t->off);
    return FLOE_OK;
}

int floe_parse_on_conflict(floe_parser *p, floe_ast_stmt *s)
{
    if (!floe_parse_at_kw(p, "ON")) return FLOE_OK;
    floe_parse_advance(p);
    TRY(floe_parse_expect_kw(p, "CONFLICT", "after ON"));
    if (floe_parse_at_op(p, "("))
        TRY(key_cols(p, &s->insert.conflict_cols, &s->insert.nconflict_cols, "before conflict columns"));
    TRY(floe_parse_expect_kw(p, "DO", "after ON CONFLICT"));
    if (floe_parse_accept_kw(p, "NOTHING")) {
        s->insert.on_conflict = FLOE_AST_CONFLICT_NOTHING;
        return FLOE_OK;
    }
    TRY(floe_parse_expect_kw(p, "UPDATE", "NOTHING or UPDATE after DO"));
    TRY(floe_parse_expect_kw(p, "SET", "after DO UPDATE"));
    s->insert.on_conflict = FLOE_AST_CONFLICT_UPDATE;
    /* the assignments are parsed so the binder can name the limitation */
    do {
        const char *col;
        floe_ast_expr *e;
        TRY(floe_parse_ident(p, &col, "column name"));
        TRY(floe_parse_expect_op(p, "=", "after the column"));
        TRY(floe_parse_expr(p, 0, &e));
    } while (floe_parse_accept_op(p, ","));
    if (floe_parse_accept_kw(p, "WHERE")) {
        floe_ast_expr *e;
        TRY(floe_parse_expr(p, 0, &e));
    }
    return FLOE_OK;
}

static int if_not_exists(floe_parser *p, bool *out)
{
    if (!floe_parse_at_kw(p, "IF")) return FLOE_OK;
    floe_parse_advance(p);
    TRY(floe_parse_expect_kw(p, "NOT", "after IF"));
    TRY(floe_parse_expect_kw(p, "EXISTS", "after IF NOT"));
    *out = true;
    return FLOE_OK;
}

int floe_parse_create_ddl(floe_parser *p, floe_ast_stmt *s, int *matched)
{
    bool or_replace = false;
    *matched = 1;
    if (floe_parse_at_kw(p, "OR")) {
        floe_parse_advance(p);
        TRY(floe_parse_expect_kw(p, "REPLACE", "after CREATE OR"));
        or_replace = true;
        if (!floe_parse_at_kw(p, "VIEW")) return floe_parse_syntax_error(p, "VIEW after CREATE OR REPLACE");
    }
    if (floe_parse_accept_kw(p, "VIEW")) {
        s->kind = FLOE_AST_STMT_CREATE_VIEW;
        s->view.or_replace = or_replace;
        TRY(floe_parse_ident(p, &s->view.name, "view name"));
        if (floe_parse_at_op(p, "("))
            TRY(floe_parse_ident_list(p, &s->view.cols, &s->view.ncols, "view column list"));
        TRY(floe_parse_expect_kw(p, "AS", "after the view name"));
        return floe_parse_query(p, &s->view.query);
    }
    if (floe_parse_accept_kw(p, "UNIQUE")) {
        s->index.unique = true;
        if (!floe_parse_at_kw(p, "INDEX")) return floe_parse_syntax_error(p, "INDEX after CREATE UNIQUE");
    }
    if (floe_parse_accept_kw(p, "INDEX")) {
        s->kind = FLOE_AST_STMT_CREATE_INDEX;
        TRY(if_not_exists(p, &s->index.if_not_exists));
        TRY(floe_parse_ident(p, &s->index.name, "index name"));
        TRY(floe_parse_expect_kw(p, "ON", "after the index name"));
        TRY(floe_parse_ident(p, &s->index.table, "table name"));
        return key_cols(p, &s->index.cols, &s->index.ncols, "before the indexed columns");
    }
    *matched = 0;
    return FLOE_OK;
}

int floe_parse_drop_ddl(floe_parser *p, floe_ast_stmt *s, int *matched)
{
    *matched = 1;
    if (floe_parse_accept_kw(p, "INDEX"))
        s->kind = FLOE_AST_STMT_DROP_INDEX;
    else if (floe_parse_accept_kw(p, "VIEW"))
        s->kind = FLOE_AST_STMT_DROP_VIEW;
    else {
        *matched = 0;
        return FLOE_OK;
    }
    if (floe_parse_at_kw(p, "IF")) {
        floe_parse_advance(p);
        TRY(floe_parse_expect_kw(p, "EXISTS", "after IF"));
        s->drop_obj.if_exists = true;
    }
    return floe_parse_ident(p, &s->drop_obj.name,
                            s->kind == FLOE_AST_STMT_DROP_INDEX ? "index name" : "view name");
}

/* ------------------------------------------------------------ printing */

static void put_list(floe_strbuf *b, const char **cols, int n)
{
    int i;
    floe_strbuf_puts(b, "(");
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(b, ", ");
        floe_strbuf_puts(b, cols[i]);
    }
    floe_strbuf_puts(b, ")");
}

void floe_ast_format_coldef_cons(const floe_ast_coldef *c, floe_strbuf *b)
{
    if (c->primary_key) floe_strbuf_puts(b, " PRIMARY KEY");
    if (c->unique) floe_strbuf_puts(b, " UNIQUE");
    if (c->check) {
        floe_strbuf_puts(b, " CHECK (");
        floe_ast_format_expr(c->check, b);
        floe_strbuf_puts(b, ")");
    }
}

void floe_ast_format_tcons(const floe_ast_tcons *t, floe_strbuf *b)
{
    if (t->name) {
        floe_strbuf_puts(b, "CONSTRAINT ");
        floe_strbuf_puts(b, t->name);
        floe_strbuf_puts(b, " ");
    }
    switch (t->kind) {
    case FLOE_AST_CONS_PRIMARY: floe_strbuf_puts(b, "PRIMARY KEY "); put_list(b, t->cols, t->ncols); break;
    case FLOE_AST_CONS_UNIQUE: floe_strbuf_puts(b, "UNIQUE "); put_list(b, t->cols, t->ncols); break;
    case FLOE_AST_CONS_CHECK:
        floe_strbuf_puts(b, "CHECK (");
        floe_ast_format_expr(t->check, b);
        floe_strbuf_puts(b, ")");
        break;
    }
}

void floe_ast_format_ddl(const floe_ast_stmt *s, floe_strbuf *b)
{
    switch (s->kind) {
    case FLOE_AST_STMT_CREATE_INDEX:
        floe_strbuf_puts(b, s->index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
        if (s->index.if_not_exists) floe_strbuf_puts(b, "IF NOT EXISTS ");
        floe_strbuf_puts(b, s->index.name);
        floe_strbuf_puts(b, " ON ");
        floe_strbuf_puts(b, s->index.table);
        floe_strbuf_puts(b, " ");
        put_list(b, s->index.cols, s->index.ncols);
        break;
    case FLOE_AST_STMT_DROP_INDEX:
    case FLOE_AST_STMT_DROP_VIEW:
        floe_strbuf_puts(b, s->kind == FLOE_AST_STMT_DROP_INDEX ? "DROP INDEX " : "DROP VIEW ");
        if (s->drop_obj.if_exists) floe_strbuf_puts(b, "IF EXISTS ");
        floe_strbuf_puts(b, s->drop_obj.name);
        break;
    case FLOE_AST_STMT_CREATE_VIEW:
        floe_strbuf_puts(b, s->view.or_replace ? "CREATE OR REPLACE VIEW " : "CREATE VIEW ");
        floe_strbuf_puts(b, s->view.name);
        if (s->view.ncols) {
            floe_strbuf_puts(b, " ");
            put_list(b, s->view.cols, s->view.ncols);
        }
        floe_strbuf_puts(b, " AS ");
        floe_ast_format_query(s->view.query, b);
        break;
    default: break;
    }
}

void floe_ast_format_on_conflict(const floe_ast_stmt *s, floe_strbuf *b)
{
    if (s->insert.on_conflict == FLOE_AST_CONFLICT_NONE) return;
    floe_strbuf_puts(b, " ON CONFLICT");
    if (s->insert.nconflict_cols) {
        floe_strbuf_puts(b, " ");
        put_list(b, s->insert.conflict_cols, s->insert.nconflict_cols);
    }
    floe_strbuf_puts(b, s->insert.on_conflict == FLOE_AST_CONFLICT_NOTHING ? " DO NOTHING"
                                                                         : " DO UPDATE SET ...");
}

/* ------------------------------------------------------------ prepared statements */

int floe_parse_param(floe_parser *p, floe_ast_expr **out)
{
    const char *s = p->lx.sql + p->tok.off;
    floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_PARAM, p->tok.off);
    long v = 0;
    int i;
    if (e == NULL) return floe_parse_nomem(p);
    if (s[0] == '?') {
        v = ++p->nqmarks;
    } else {
        for (i = 1; i < p->tok.len; i++) {
            v = v * 10 + (s[i] - '0');
            if (v > 65535) return floe_parse_error_at(p, p->tok.off, "parameter number too large");
        }
        if (v < 1) return floe_parse_error_at(p, p->tok.off, "parameters are numbered from $1");
    }
    e->param.index = (int)v;
    e->len = p->tok.len;
    floe_parse_advance(p);
    *out = e;
    return FLOE_OK;
}

int floe_parse_prepared(floe_parser *p, floe_ast_stmt *s, int *matched)
{
    *matched = 1;
    if (floe_parse_accept_kw(p, "PREPARE")) {
        int rc;
        s->kind = FLOE_AST_STMT_PREPARE;
        TRY(floe_parse_ident(p, &s->prepare.name, "statement name"));
        if (floe_parse_at_op(p, "(")) { /* parameter types: accepted, inferred at EXECUTE */
            do {
                floe_type t;
                const char *tn;
                floe_parse_advance(p);
                TRY(floe_parse_type(p, &t, &tn));
            } while (floe_parse_at_op(p, ","));
            TRY(floe_parse_expect_op(p, ")", "after parameter types"));
        }
        TRY(floe_parse_expect_kw(p, "AS", "after the statement name"));
        TRY(floe_parse_enter(p));
        rc = floe_parse_stmt(p, &s->prepare.stmt);
        p->depth--;
        if (rc == FLOE_OK && (s->prepare.stmt->kind == FLOE_AST_STMT_PREPARE ||
                              s->prepare.stmt->kind == FLOE_AST_STMT_EXECUTE ||
                              s->prepare.stmt->kind == FLOE_AST_STMT_DEALLOCATE))
            return floe_parse_error_at(p, s->prepare.stmt->off, "cannot PREPARE this statement");
        return rc;
    }
    if (floe_parse_accept_kw(p, "EXECUTE")) {
        s->kind = FLOE_AST_STMT_EXECUTE;
        TRY(floe_parse_ident(p, &s->execute.name, "statement name"));
        if (floe_parse_accept_op(p, "(")) {
            floe_ast_expr **args = NULL;
            int n = 0, cap = 0;
            if (!floe_parse_at_op(p, ")")) {
                do {
                    floe_ast_expr *e;
                    TRY(floe_parse_expr(p, 0, &e));
                    PUSH_PTR(p, args, n, cap, e);
                } while (floe_parse_accept_op(p, ","));
            }
            TRY(floe_parse_expect_op(p, ")", "after EXECUTE arguments"));
            s->execute.args = args;
            s->execute.nargs = n;
        }
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "DEALLOCATE")) {
        s->kind = FLOE_AST_STMT_DEALLOCATE;
        floe_parse_accept_kw(p, "PREPARE");
        if (floe_parse_accept_kw(p, "ALL")) return FLOE_OK;
        return floe_parse_ident(p, &s->drop_obj.name, "statement name");
    }
    *matched = 0;
    return FLOE_OK;
}

void floe_ast_format_prepared(const floe_ast_stmt *s, floe_strbuf *b)
{
    int i;
    switch (s->kind) {
    case FLOE_AST_STMT_PREPARE:
        floe_strbuf_puts(b, "PREPARE ");
        floe_strbuf_puts(b, s->prepare.name);
        floe_strbuf_puts(b, " AS ");
        floe_ast_format_stmt(s->prepare.stmt, b);
        break;
    case FLOE_AST_STMT_EXECUTE:
        floe_strbuf_puts(b, "EXECUTE ");
        floe_strbuf_puts(b, s->execute.name);
        if (s->execute.nargs) {
            floe_strbuf_puts(b, "(");
            for (i = 0; i < s->execute.nargs; i++) {
                if (i) floe_strbuf_puts(b, ", ");
                floe_ast_format_expr(s->execute.args[i], b);
            }
            floe_strbuf_puts(b, ")");
        }
        break;
    case FLOE_AST_STMT_DEALLOCATE:
        floe_strbuf_puts(b, "DEALLOCATE ");
        floe_strbuf_puts(b, s->drop_obj.name ? s->drop_obj.name : "ALL");
        break;
    default: break;
    }
}
