/* sql/parse_tablefn.c: table functions in FROM (read_parquet('dir/part-N.parquet', ...)).
 *
 * Grammar (DuckDB's):
 *   name '(' [arg {',' arg}] ')'
 *   arg   := [ident ('=' | ':=')] value
 *   value := '[' [value {',' value}] ']'                       list
 *          | '{' [key ':' value {',' key ':' value}] '}'       struct
 *          | expression                                        scalar
 *   key   := 'string' | ident
 * Named arguments are lower-cased; struct keys keep their case (they name
 * columns). The binder folds scalars to constants (sql/bind_tablefn.c).
 * Trees come from the parser's arena; one thread per parser.
 */
#include <string.h>

#include "sql/parse_internal.h"

int floe_parse_at_call(const floe_parser *p)
{
    floe_token n1 = floe_parse_peek(p, 1);
    return floe_parse_is_op(p, &n1, "(");
}

static int parse_value(floe_parser *p, floe_ast_tfarg *a);

/* A struct key: 'string', "ident" or ident (case kept). */
static int parse_key(floe_parser *p, const char **out)
{
    const floe_token *t = &p->tok;
    if (floe_parse_is_string_tok(t) || t->kind == FLOE_TOK_QIDENT)
        *out = floe_parse_unquote(p, t, NULL);
    else if (t->kind == FLOE_TOK_WORD)
        *out = floe_arena_strndup(p->arena, p->lx.sql + t->off, (size_t)t->len);
    else
        return floe_parse_syntax_error(p, "a key ('name') in a struct");
    if (*out == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    return FLOE_OK;
}

/* '[' values ']' or '{' key: value, ... '}' (the opening token current). */
static int parse_items(floe_parser *p, floe_ast_tfarg *a, int is_struct)
{
    const char *close = is_struct ? "}" : "]";
    int cap = 0;
    a->kind = is_struct ? FLOE_AST_TFARG_STRUCT : FLOE_AST_TFARG_LIST;
    floe_parse_advance(p);
    TRY(floe_parse_enter(p));
    while (!floe_parse_at_op(p, close)) {
        floe_ast_tfarg it;
        memset(&it, 0, sizeof it);
        it.off = p->tok.off;
        if (is_struct) {
            TRY(parse_key(p, &it.name));
            TRY(floe_parse_expect_op(p, ":", "after a struct key"));
        }
        TRY(parse_value(p, &it));
        if (a->nitems == cap) {
            void *arr = a->items;
            TRY(floe_parse_grow(p, &arr, a->nitems, &cap, sizeof it));
            a->items = arr;
        }
        a->items[a->nitems++] = it;
        if (!floe_parse_accept_op(p, ",")) break;
    }
    p->depth--;
    return floe_parse_expect_op(p, close, is_struct ? "to close a struct" : "to close a list");
}

static int parse_value(floe_parser *p, floe_ast_tfarg *a)
{
    if (floe_parse_at_op(p, "[")) return parse_items(p, a, 0);
    if (floe_parse_at_op(p, "{")) return parse_items(p, a, 1);
    a->kind = FLOE_AST_TFARG_SCALAR;
    return floe_parse_expr(p, PREC_OR, &a->value);
}

int floe_parse_table_function(floe_parser *p, floe_ast_from *f)
{
    int cap = 0;
    f->kind = FLOE_AST_FROM_FUNCTION;
    f->func.name = floe_parse_lower_copy(p, &p->tok);
    if (f->func.name == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    TRY(floe_parse_expect_op(p, "(", "after a table function's name"));
    while (!floe_parse_at_op(p, ")")) {
        floe_ast_tfarg a;
        floe_token n1 = floe_parse_peek(p, 1);
        memset(&a, 0, sizeof a);
        a.off = p->tok.off;
        if ((p->tok.kind == FLOE_TOK_WORD || p->tok.kind == FLOE_TOK_QIDENT) &&
            (floe_parse_is_op(p, &n1, "=") || floe_parse_is_op(p, &n1, ":="))) {
            a.name = p->tok.kind == FLOE_TOK_WORD ? floe_parse_lower_copy(p, &p->tok)
                                                  : floe_parse_unquote(p, &p->tok, NULL);
            if (a.name == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
            floe_parse_advance(p);
        }
        TRY(parse_value(p, &a));
        if (f->func.nargs == cap) {
            void *arr = f->func.args;
            TRY(floe_parse_grow(p, &arr, f->func.nargs, &cap, sizeof a));
            f->func.args = arr;
        }
        f->func.args[f->func.nargs++] = a;
        if (!floe_parse_accept_op(p, ",")) break;
    }
    return floe_parse_expect_op(p, ")", "after a table function's arguments");
}
