/* sql/parse_stmt.c: the statement rules of the SQL parser (CREATE, INSERT,
 * COPY, SET, SHOW, EXPLAIN, ...), split from sql/parser.c, which keeps the
 * token helpers, expressions and queries these rules call through
 * sql/parse_internal.h. Same contract as sql/parser.c: trees in the parser's
 * arena, errors in p->err, recursion counted by floe_parse_enter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parse_internal.h"
#include "util/arena.h"
#include "util/mem.h"

static int parse_coldef(floe_parser *p, floe_ast_coldef *c)
{
    c->off = p->tok.off;
    TRY(floe_parse_ident(p, &c->name, "column name"));
    TRY(floe_parse_type(p, &c->type, &c->type_name));
    for (;;) {
        if (floe_parse_at_kw(p, "NOT")) {
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "NULL", "after NOT"));
            c->not_null = true;
        } else if (floe_parse_accept_kw(p, "NULL")) {
            c->not_null = false;
        } else if (floe_parse_accept_kw(p, "DEFAULT")) {
            TRY(floe_parse_expr(p, 0, &c->default_));
        } else {
            int matched;
            TRY(floe_parse_col_constraint(p, c, &matched));
            if (!matched) break;
        }
    }
    c->len = floe_parse_set_len(p, c->off);
    return FLOE_OK;
}

/* One option: name [=] [value]. In a parenthesised list the value is an
 * expression, or any single word (wal = full); in a bare list (COPY ... WITH
 * FORMAT csv HEADER) it is a literal, ON/OFF, or a word after FORMAT. */
static int parse_option(floe_parser *p, floe_ast_option *o, int bare)
{
    floe_token n1;
    o->off = p->tok.off;
    if (p->tok.kind != FLOE_TOK_WORD) return floe_parse_syntax_error(p, "expected an option name");
    if ((o->name = floe_parse_lower_copy(p, &p->tok)) == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    floe_parse_accept_op(p, "=");
    n1 = floe_parse_peek(p, 1);
    if (strcmp(o->name, "partition_by") == 0 && floe_parse_at_op(p, "(")) {
        /* PARTITION_BY (a, b): the column names as one string "a,b" */
        const char **ids;
        int nids, i;
        size_t len = 0;
        char *j;
        floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_STRING, p->tok.off);
        if (e == NULL) return floe_parse_nomem(p);
        TRY(floe_parse_ident_list(p, &ids, &nids, "PARTITION_BY columns"));
        for (i = 0; i < nids; i++) len += strlen(ids[i]) + 1;
        if ((j = floe_parse_alloc(p, len + 1)) == NULL) return floe_parse_nomem(p);
        j[0] = 0;
        for (i = 0; i < nids; i++) {
            if (i) strcat(j, ",");
            strcat(j, ids[i]);
        }
        e->str.s = j;
        e->str.n = strlen(j);
        o->value = e;
        o->len = floe_parse_set_len(p, o->off);
        return FLOE_OK;
    }
    if (floe_parse_at_op(p, ",") || floe_parse_at_op(p, ")") || floe_parse_at_op(p, ";") || p->tok.kind == FLOE_TOK_EOF) {
        o->value = NULL;
    } else if (p->tok.kind == FLOE_TOK_WORD && !floe_parse_at_kw(p, "TRUE") && !floe_parse_at_kw(p, "FALSE") &&
               !floe_parse_at_kw(p, "NULL") &&
               (bare ? (strcmp(o->name, "format") == 0 || floe_parse_at_kw(p, "ON") || floe_parse_at_kw(p, "OFF"))
                     : (floe_parse_is_op(p, &n1, ",") || floe_parse_is_op(p, &n1, ")")))) {
        floe_ast_expr *w = floe_parse_new_expr(p, FLOE_AST_COLUMN, p->tok.off);
        if (w == NULL || (w->column.name = floe_parse_lower_copy(p, &p->tok)) == NULL) return floe_parse_nomem(p);
        w->len = p->tok.len;
        floe_parse_advance(p);
        o->value = w;
    } else if (!bare) {
        TRY(floe_parse_expr(p, 0, &o->value));
    } else if (p->tok.kind == FLOE_TOK_WORD && !floe_parse_at_kw(p, "TRUE") && !floe_parse_at_kw(p, "FALSE")) {
        o->value = NULL; /* the word is the next option */
    } else {
        TRY(floe_parse_primary(p, &o->value));
    }
    o->len = floe_parse_set_len(p, o->off);
    return FLOE_OK;
}

static int parse_options(floe_parser *p, floe_ast_option **out, int *out_n, int allow_bare)
{
    floe_ast_option *opts = NULL;
    int n = 0, cap = 0, paren = floe_parse_at_op(p, "(");
    if (!paren && !allow_bare) return floe_parse_syntax_error(p, "expected '(' before options");
    if (paren) floe_parse_advance(p);
    do {
        if (!paren && (floe_parse_at_op(p, ";") || p->tok.kind == FLOE_TOK_EOF)) break;
        TRY(floe_parse_grow(p, (void **)&opts, n, &cap, sizeof *opts));
        TRY(parse_option(p, &opts[n++], !paren));
        if (!paren && !floe_parse_at_op(p, ",") && p->tok.kind == FLOE_TOK_WORD) continue;
        if (!floe_parse_accept_op(p, ",")) break;
    } while (1);
    if (paren) TRY(floe_parse_expect_op(p, ")", "after options"));
    *out = opts;
    *out_n = n;
    return FLOE_OK;
}

static int parse_create(floe_parser *p, floe_ast_stmt *s)
{
    int matched;
    floe_parse_advance(p); /* CREATE */
    TRY(floe_parse_create_ddl(p, s, &matched));
    if (matched) return FLOE_OK;
    TRY(floe_parse_expect_kw(p, "TABLE", "after CREATE"));
    s->kind = FLOE_AST_STMT_CREATE_TABLE;
    if (floe_parse_at_kw(p, "IF")) {
        floe_parse_advance(p);
        TRY(floe_parse_expect_kw(p, "NOT", "after IF"));
        TRY(floe_parse_expect_kw(p, "EXISTS", "after IF NOT"));
        s->create_table.if_not_exists = true;
    }
    TRY(floe_parse_ident(p, &s->create_table.table, "table name"));
    if (floe_parse_accept_kw(p, "AS")) return floe_parse_query(p, &s->create_table.as_query);
    if (!floe_parse_at_op(p, "(")) return floe_parse_syntax_error(p, "expected '(' or AS after table name");
    floe_parse_advance(p);
    {
        floe_ast_coldef *cols = NULL;
        floe_ast_tcons *cons = NULL;
        int n = 0, cap = 0, ncons = 0, capcons = 0;
        do {
            if (floe_parse_at_table_constraint(p)) {
                TRY(floe_parse_grow(p, (void **)&cons, ncons, &capcons, sizeof *cons));
                TRY(floe_parse_table_constraint(p, &cons[ncons++]));
                continue;
            }
            TRY(floe_parse_grow(p, (void **)&cols, n, &cap, sizeof *cols));
            TRY(parse_coldef(p, &cols[n++]));
        } while (floe_parse_accept_op(p, ","));
        s->create_table.cons = cons;
        s->create_table.ncons = ncons;
        TRY(floe_parse_expect_op(p, ")", "after column list"));
        s->create_table.cols = cols;
        s->create_table.ncols = n;
    }
    for (;;) {
        if (floe_parse_at_kw(p, "PARTITION")) {
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "BY", "after PARTITION"));
            if (s->create_table.npartition_by) return floe_parse_error_at(p, p->prev.off, "PARTITION BY given twice");
            if (floe_parse_at_op(p, "(")) {
                TRY(floe_parse_ident_list(p, &s->create_table.partition_by,
                                     &s->create_table.npartition_by, "PARTITION BY list"));
            } else {
                const char **one = floe_parse_alloc(p, sizeof *one);
                if (one == NULL) return floe_parse_nomem(p);
                TRY(floe_parse_ident(p, &one[0], "partition column"));
                s->create_table.partition_by = one;
                s->create_table.npartition_by = 1;
            }
        } else if (floe_parse_at_kw(p, "ORDER")) {
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "BY", "after ORDER"));
            if (s->create_table.norder_by) return floe_parse_error_at(p, p->prev.off, "ORDER BY given twice");
            if (floe_parse_at_op(p, "(")) {
                TRY(floe_parse_ident_list(p, &s->create_table.order_by, &s->create_table.norder_by,
                                     "ORDER BY list"));
            } else {
                const char **arr = NULL;
                int n = 0, cap = 0;
                do {
                    const char *id;
                    TRY(floe_parse_ident(p, &id, "sort column"));
                    PUSH_PTR(p, arr, n, cap, id);
                } while (floe_parse_accept_op(p, ","));
                s->create_table.order_by = arr;
                s->create_table.norder_by = n;
            }
        } else if (floe_parse_at_kw(p, "WITH")) {
            floe_parse_advance(p);
            if (s->create_table.noptions) return floe_parse_error_at(p, p->prev.off, "WITH given twice");
            TRY(parse_options(p, &s->create_table.options, &s->create_table.noptions, 0));
        } else {
            break;
        }
    }
    return FLOE_OK;
}

static int parse_insert(floe_parser *p, floe_ast_stmt *s)
{
    floe_token n1;
    floe_parse_advance(p); /* INSERT */
    TRY(floe_parse_expect_kw(p, "INTO", "after INSERT"));
    s->kind = FLOE_AST_STMT_INSERT;
    TRY(floe_parse_ident(p, &s->insert.table, "table name"));
    n1 = floe_parse_peek(p, 1);
    if (floe_parse_at_op(p, "(") && !floe_parse_starts_query(p, &n1) && !floe_parse_is_op(p, &n1, "("))
        TRY(floe_parse_ident_list(p, &s->insert.cols, &s->insert.ncols, "column list"));
    if (!floe_parse_at_kw(p, "VALUES") && !floe_parse_at_kw(p, "SELECT") && !floe_parse_at_kw(p, "WITH") && !floe_parse_at_op(p, "("))
        return floe_parse_syntax_error(p, "expected VALUES or SELECT");
    TRY(floe_parse_query(p, &s->insert.query));
    return floe_parse_on_conflict(p, s);
}

static int parse_copy(floe_parser *p, floe_ast_stmt *s)
{
    floe_parse_advance(p); /* COPY */
    s->kind = FLOE_AST_STMT_COPY;
    if (floe_parse_at_op(p, "(")) {
        floe_parse_advance(p);
        TRY(floe_parse_query(p, &s->copy.query));
        TRY(floe_parse_expect_op(p, ")", "after COPY query"));
        TRY(floe_parse_expect_kw(p, "TO", "after COPY (query)"));
        s->copy.to = true;
    } else {
        TRY(floe_parse_ident(p, &s->copy.table, "table name"));
        if (floe_parse_at_op(p, "(")) TRY(floe_parse_ident_list(p, &s->copy.cols, &s->copy.ncols, "column list"));
        if (floe_parse_accept_kw(p, "TO")) s->copy.to = true;
        else TRY(floe_parse_expect_kw(p, "FROM", "or TO after COPY table"));
    }
    if (!floe_parse_is_string_tok(&p->tok)) return floe_parse_syntax_error(p, "expected a file name string");
    if ((s->copy.path = floe_parse_unquote(p, &p->tok, NULL)) == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    floe_parse_accept_kw(p, "WITH");
    if (floe_parse_at_op(p, ";") || p->tok.kind == FLOE_TOK_EOF) return FLOE_OK;
    return parse_options(p, &s->copy.options, &s->copy.noptions, 1);
}

static int parse_stmt_in(floe_parser *p, floe_ast_stmt *s)
{
    int matched;
    TRY(floe_parse_prepared(p, s, &matched));
    if (matched) return FLOE_OK;
    if (floe_parse_at_kw(p, "SELECT") || floe_parse_at_kw(p, "WITH") || floe_parse_at_kw(p, "VALUES") || floe_parse_at_op(p, "(")) {
        s->kind = FLOE_AST_STMT_QUERY;
        return floe_parse_query(p, &s->query);
    }
    if (floe_parse_at_kw(p, "CREATE")) return parse_create(p, s);
    if (floe_parse_at_kw(p, "INSERT")) return parse_insert(p, s);
    if (floe_parse_at_kw(p, "COPY")) return parse_copy(p, s);
    if (floe_parse_at_kw(p, "DELETE") || floe_parse_at_kw(p, "UPDATE")) return floe_parse_dml(p, s);
    if (floe_parse_accept_kw(p, "DROP")) {
        int matched;
        TRY(floe_parse_drop_ddl(p, s, &matched));
        if (matched) return FLOE_OK;
        s->kind = FLOE_AST_STMT_DROP_TABLE;
        TRY(floe_parse_expect_kw(p, "TABLE", "after DROP"));
        if (floe_parse_at_kw(p, "IF")) {
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "EXISTS", "after IF"));
            s->drop_table.if_exists = true;
        }
        return floe_parse_ident(p, &s->drop_table.table, "table name");
    }
    if (floe_parse_accept_kw(p, "ALTER")) {
        s->kind = FLOE_AST_STMT_ALTER_ADD;
        TRY(floe_parse_expect_kw(p, "TABLE", "after ALTER"));
        TRY(floe_parse_ident(p, &s->alter_add.table, "table name"));
        TRY(floe_parse_expect_kw(p, "ADD", "after ALTER TABLE name"));
        floe_parse_accept_kw(p, "COLUMN");
        return parse_coldef(p, &s->alter_add.col);
    }
    if (floe_parse_accept_kw(p, "EXPLAIN")) {
        int rc;
        s->kind = FLOE_AST_STMT_EXPLAIN;
        if (floe_parse_accept_kw(p, "ANALYZE")) s->explain.analyze = true;
        TRY(floe_parse_enter(p));
        rc = floe_parse_stmt(p, &s->explain.stmt);
        p->depth--;
        return rc;
    }
    if (floe_parse_accept_kw(p, "SHOW")) {
        s->kind = FLOE_AST_STMT_SHOW_TABLES;
        return floe_parse_expect_kw(p, "TABLES", "after SHOW");
    }
    if (floe_parse_accept_kw(p, "DESCRIBE") || floe_parse_accept_kw(p, "DESC")) {
        s->kind = FLOE_AST_STMT_DESCRIBE;
        floe_parse_accept_kw(p, "TABLE");
        return floe_parse_ident(p, &s->table, "table name");
    }
    if (floe_parse_accept_kw(p, "FLUSH")) {
        s->kind = FLOE_AST_STMT_FLUSH;
        floe_parse_accept_kw(p, "TABLE");
        return floe_parse_ident(p, &s->table, "table name");
    }
    if (floe_parse_accept_kw(p, "SET")) {
        /* DuckDB's spelling: SET [GLOBAL|SESSION] name {=|TO} value */
        s->kind = FLOE_AST_STMT_SET;
        if (!floe_parse_accept_kw(p, "GLOBAL")) floe_parse_accept_kw(p, "SESSION");
        TRY(floe_parse_ident(p, &s->set.name, "setting name"));
        if (!floe_parse_accept_op(p, "=")) TRY(floe_parse_expect_kw(p, "TO", "or '=' after the setting name"));
        return floe_parse_expr(p, 0, &s->set.value);
    }
    if (floe_parse_accept_kw(p, "RESET")) {
        s->kind = FLOE_AST_STMT_SET;
        if (!floe_parse_accept_kw(p, "GLOBAL")) floe_parse_accept_kw(p, "SESSION");
        return floe_parse_ident(p, &s->set.name, "setting name");
    }
    if (floe_parse_accept_kw(p, "CRAWL")) {
        s->kind = FLOE_AST_STMT_CRAWL;
        if (!floe_parse_is_string_tok(&p->tok)) return floe_parse_syntax_error(p, "a path string after CRAWL");
        if ((s->crawl.path = floe_parse_unquote(p, &p->tok, NULL)) == NULL) return floe_parse_nomem(p);
        floe_parse_advance(p);
        if (floe_parse_accept_kw(p, "INTO")) return floe_parse_ident(p, &s->crawl.into, "a name after INTO");
        return FLOE_OK;
    }
    return floe_parse_syntax_error(p, NULL);
}

int floe_parse_stmt(floe_parser *p, floe_ast_stmt **out)
{
    floe_ast_stmt *s = floe_parse_alloc(p, sizeof *s);
    if (s == NULL) return floe_parse_nomem(p);
    if (p->depth == 0) p->nqmarks = 0; /* ? counts from 1 in each statement */
    s->off = p->tok.off;
    TRY(parse_stmt_in(p, s));
    s->len = floe_parse_set_len(p, s->off);
    *out = s;
    return FLOE_OK;
}

/* ------------------------------------------------------------ API */

