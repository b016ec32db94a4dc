/* sql/parse_internal.h: the parser's state and the helpers its files share
 * (sql/parser.c: token helpers, expressions, queries and the API;
 * sql/parse_stmt.c: statement rules (also CRAWL); sql/parse_tablefn.c: table
 * functions in FROM; sql/parse_window.c: OVER, window specifications and
 * frames; sql/parse_std.c: SQL-standard spellings). Private to the sql/
 * parser files.
 *
 * Every floe_parse_* rule returns FLOE_OK or a code with the message in
 * p->err; trees come from p->arena (freed with the parser). Not thread-safe:
 * a parser is used by one thread.
 */
#ifndef FLOE_SQL_PARSE_INTERNAL_H
#define FLOE_SQL_PARSE_INTERNAL_H

#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/parser.h"
#include "util/arena.h"

struct floe_parser {
    floe_lexer lx;
    floe_arena *arena; /* owns every tree returned */
    floe_token tok;    /* current token */
    floe_token prev;   /* last consumed token (for node end offsets) */
    int depth;         /* current recursion depth */
    floe_err lex_err;  /* first lexer error, when tok.kind == ERROR */
    int lex_failed;
    int sticky_rc;     /* error state: every later call returns it */
    floe_err sticky;
    size_t done_off;   /* offset after the last statement returned */
    floe_err *err;     /* the caller's, during a call */
    int nqmarks;       /* ? parameters seen in the current statement */
};

enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_NOT,
    PREC_IS,
    PREC_CMP,
    PREC_LIKE, /* BETWEEN IN LIKE ILIKE */
    PREC_CONCAT,
    PREC_ADD,
    PREC_MUL
};

/* Error paths keep their message buffers out of the recursive frames. */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

#define TRY(x)                    \
    do {                          \
        int rc_ = (x);            \
        if (rc_ != FLOE_OK) return rc_; \
    } while (0)

#define PUSH_PTR(p, arr, n, cap, item)                                  \
    do {                                                                \
        void *arr_ = (void *)(arr);                                     \
        TRY(floe_parse_grow((p), &arr_, (n), &(cap), sizeof *(arr)));  \
        (arr) = arr_;                                                   \
        (arr)[(n)++] = (item);                                          \
    } while (0)

/* Token helpers (sql/parser.c): advance/peek move over tokens; at_* test
 * the current one, accept_* consume it when it matches, expect_* fail with
 * a syntax error when it does not; alloc/grow/lower_copy/unquote allocate
 * from p->arena (NULL or FLOE_NOMEM when out of memory); enter counts
 * recursion depth (the caller decrements p->depth when done). Error
 * helpers return the code they set. Rules (floe_parse_expr, _query,
 * _primary, _type, _ident, _stmt) parse one construct at the current
 * token. */
int floe_parse_accept_kw(floe_parser *p, const char *kw);
int floe_parse_accept_op(floe_parser *p, const char *op);
void floe_parse_advance(floe_parser *p);
void *floe_parse_alloc(floe_parser *p, size_t n);
int floe_parse_at_kw(const floe_parser *p, const char *kw);
int floe_parse_at_op(const floe_parser *p, const char *op);
int floe_parse_enter(floe_parser *p);
int floe_parse_error_at(floe_parser *p, int off, const char *msg);
int floe_parse_expect_kw(floe_parser *p, const char *kw, const char *what);
int floe_parse_expect_op(floe_parser *p, const char *op, const char *what);
int floe_parse_grow(floe_parser *p, void **arr, int n, int *cap, size_t elsize);
int floe_parse_is_op(const floe_parser *p, const floe_token *t, const char *op);
int floe_parse_is_string_tok(const floe_token *t);
char *floe_parse_lower_copy(floe_parser *p, const floe_token *t);
floe_ast_expr *floe_parse_new_expr(floe_parser *p, floe_ast_expr_kind kind, int off);
int floe_parse_nomem(floe_parser *p);
int floe_parse_expr(floe_parser *p, int minprec, floe_ast_expr **out);
int floe_parse_ident(floe_parser *p, const char **out, const char *what);
int floe_parse_ident_list(floe_parser *p, const char ***out, int *out_n, const char *what);
int floe_parse_primary(floe_parser *p, floe_ast_expr **out);
int floe_parse_query(floe_parser *p, floe_ast_query **out);
int floe_parse_type(floe_parser *p, floe_type *out, const char **out_name);
floe_token floe_parse_peek(const floe_parser *p, int k);
int floe_parse_set_len(const floe_parser *p, int off);
int floe_parse_starts_query(const floe_parser *p, const floe_token *t);
int floe_parse_syntax_error(floe_parser *p, const char *expected);
char *floe_parse_unquote(floe_parser *p, const floe_token *t, size_t *out_n);
int floe_parse_stmt(floe_parser *p, floe_ast_stmt **out);
/* ORDER BY items (sql/parser.c), after the ORDER BY keywords. */
int floe_parse_order_by(floe_parser *p, floe_ast_order **out, int *out_n);
/* Window rules (sql/parse_window.c): floe_parse_over after the OVER
 * keyword fills e->call.over; floe_parse_window_spec parses a
 * parenthesized specification into *out. */
int floe_parse_over(floe_parser *p, floe_ast_expr *e);
/* Constraint, index and view rules (sql/parse_ddl.c). The *_ddl rules and
 * col_constraint set *matched to 0 (consuming nothing) when the current
 * token does not start their construct. */
int floe_parse_col_constraint(floe_parser *p, floe_ast_coldef *c, int *matched);
int floe_parse_at_table_constraint(const floe_parser *p);
int floe_parse_table_constraint(floe_parser *p, floe_ast_tcons *t);
int floe_parse_on_conflict(floe_parser *p, floe_ast_stmt *s);
int floe_parse_create_ddl(floe_parser *p, floe_ast_stmt *s, int *matched); /* after CREATE */
int floe_parse_drop_ddl(floe_parser *p, floe_ast_stmt *s, int *matched);   /* after DROP */
/* PREPARE / EXECUTE / DEALLOCATE at the current token (sql/parse_ddl.c). */
int floe_parse_prepared(floe_parser *p, floe_ast_stmt *s, int *matched);
/* $n or ? at the current token (an OP token): a PARAM node. */
int floe_parse_param(floe_parser *p, floe_ast_expr **out);
int floe_parse_window_spec(floe_parser *p, floe_ast_window **out);
/* GROUP BY items, grouping sets included (sql/parse_group.c), after the
 * GROUP BY keywords: fills q->select.group_by / ngroup_by / group_sets /
 * ngroup_sets. */
int floe_parse_group_by(floe_parser *p, floe_ast_query *q);
/* SQL-standard spellings (sql/parse_std.c). floe_parse_std_call, with the
 * current token the '(' after the function name of CALL e: substring(x
 * FROM a FOR b), trim([BOTH|LEADING|TRAILING] [c] FROM x), position(a IN
 * b), overlay(x PLACING y FROM a [FOR b]) and try_cast(x AS type) become
 * plain calls (or a CAST); *done false (nothing consumed) for anything else.
 * floe_parse_regex_op at `~`, `~*`, `!~` or `!~*` after `left`;
 * floe_parse_similar at [NOT] SIMILAR TO after `left`. */
int floe_parse_std_call(floe_parser *p, floe_ast_expr *e, bool *done);
int floe_parse_regex_op(floe_parser *p, floe_ast_expr *left, floe_ast_expr **out);
int floe_parse_similar(floe_parser *p, floe_ast_expr *left, floe_ast_expr **out);
/* EXTRACT(field FROM expr), at EXTRACT followed by '(' (sql/parse_std.c). */
int floe_parse_extract(floe_parser *p, int off, floe_ast_expr **out);
/* DELETE / UPDATE (sql/parse_dml.c), at the DELETE or UPDATE keyword. */
int floe_parse_dml(floe_parser *p, floe_ast_stmt *s);

/* Table function rules (sql/parse_tablefn.c): with the current token the
 * function's name and the next one '(', fill f (kind FLOE_AST_FROM_FUNCTION)
 * through the closing ')' (the alias is parsed by the caller). */
int floe_parse_table_function(floe_parser *p, floe_ast_from *f);
/* True when the current token is followed by '(' (a call). */
int floe_parse_at_call(const floe_parser *p);

#endif /* FLOE_SQL_PARSE_INTERNAL_H */
