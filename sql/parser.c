/* sql/parser.c: recursive-descent SQL parser producing sql/ast.h trees.
 *
 * Statements are parsed by plain recursive descent; expressions by
 * precedence climbing over PostgreSQL's operator table (lowest first):
 *   OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE/ILIKE < || < + - <
 *   * / % < unary + - < :: < primary.
 * Every recursive entry point (parse_expr, parse_query, unary chains, FROM
 * nesting, EXPLAIN) counts depth, so hostile input cannot overflow the stack.
 *
 * The statement rules live in sql/parse_stmt.c, the window specifications
 * (OVER, WINDOW clauses, frames) in sql/parse_window.c, the SQL-standard
 * spellings rewritten into calls (substring FROM/FOR, trim, position,
 * overlay, try_cast, ~, SIMILAR TO) in sql/parse_std.c; the parser state and
 * the helpers these files share are declared in sql/parse_internal.h.
 *
 * Lexer errors are deferred: the failing token becomes FLOE_TOK_ERROR, which
 * no rule accepts, and the error reported is then the lexer's own.
 */
#include "sql/parse_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/lexer.h"
#include "util/arena.h"
#include "util/mem.h"


/* ------------------------------------------------------------ basics */

void floe_sql_position(const char *sql, int offset, int *out_line, int *out_col)
{
    int line = 1, col = 1, i;
    for (i = 0; sql != NULL && i < offset; i++) {
        if (sql[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    *out_line = line;
    *out_col = col;
}

void floe_parse_advance(floe_parser *p)
{
    if (p->tok.kind == FLOE_TOK_EOF || p->tok.kind == FLOE_TOK_ERROR) return;
    p->prev = p->tok;
    /* the lexer writes p->lex_err only on failure, and after a failure the
     * ERROR token stops advancing, so it keeps the first lexer error */
    if (floe_lexer_next(&p->lx, &p->tok, &p->lex_err) != FLOE_OK) {
        p->lex_failed = 1;
        p->tok.kind = FLOE_TOK_ERROR;
        p->tok.off = p->lex_err.offset;
        p->tok.len = 0;
    }
}

/* The k-th token after the current one (k >= 1), without consuming. */
floe_token floe_parse_peek(const floe_parser *p, int k)
{
    floe_lexer lx = p->lx;
    floe_token t = p->tok;
    while (k-- > 0 && t.kind != FLOE_TOK_EOF && t.kind != FLOE_TOK_ERROR) {
        if (floe_lexer_next(&lx, &t, NULL) != FLOE_OK) {
            t.kind = FLOE_TOK_ERROR;
            break;
        }
    }
    return t;
}

COLD static int with_pos(floe_parser *p, int code, int off, const char *msg)
{
    int line, col;
    floe_sql_position(p->lx.sql, off, &line, &col);
    return floe_err_set_at(p->err, code, off, "%s (line %d, column %d)", msg, line, col);
}

/* Syntax error at the current token; `expected` may be NULL. Reports a
 * pending lexer error instead when the parser got stuck on it. */
COLD int floe_parse_syntax_error(floe_parser *p, const char *expected)
{
    char msg[FLOE_ERRMSG_MAX];
    const floe_token *t = &p->tok;
    if (t->kind == FLOE_TOK_ERROR && p->lex_failed)
        return with_pos(p, FLOE_PARSE, p->lex_err.offset, p->lex_err.msg);
    if (t->kind == FLOE_TOK_EOF) {
        snprintf(msg, sizeof msg, "syntax error at end of input%s%s", expected ? ": " : "",
                 expected ? expected : "");
    } else {
        int n = t->len > 40 ? 40 : t->len;
        char shown[41];
        int i;
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p->lx.sql[t->off + i];
            shown[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        shown[n] = '\0';
        snprintf(msg, sizeof msg, "syntax error at or near \"%s\"%s%s", shown,
                 expected ? ": " : "", expected ? expected : "");
    }
    return with_pos(p, FLOE_PARSE, t->off, msg);
}

COLD int floe_parse_error_at(floe_parser *p, int off, const char *msg)
{
    return with_pos(p, FLOE_PARSE, off, msg);
}

int floe_parse_nomem(floe_parser *p) { return floe_err_nomem(p->err); }

void *floe_parse_alloc(floe_parser *p, size_t n)
{
    void *q = floe_arena_alloc(p->arena, n);
    if (q != NULL) memset(q, 0, n);
    return q;
}

int floe_parse_is_op(const floe_parser *p, const floe_token *t, const char *op)
{
    size_t n = strlen(op);
    return t->kind == FLOE_TOK_OP && (size_t)t->len == n &&
           memcmp(p->lx.sql + t->off, op, n) == 0;
}

int floe_parse_at_op(const floe_parser *p, const char *op) { return floe_parse_is_op(p, &p->tok, op); }
int floe_parse_at_kw(const floe_parser *p, const char *kw) { return floe_lexer_is(&p->lx, &p->tok, kw); }
static int tok_kw(const floe_parser *p, const floe_token *t, const char *kw)
{
    return floe_lexer_is(&p->lx, t, kw);
}

int floe_parse_accept_op(floe_parser *p, const char *op)
{
    if (!floe_parse_at_op(p, op)) return 0;
    floe_parse_advance(p);
    return 1;
}

int floe_parse_accept_kw(floe_parser *p, const char *kw)
{
    if (!floe_parse_at_kw(p, kw)) return 0;
    floe_parse_advance(p);
    return 1;
}

COLD static int expect_op_fail(floe_parser *p, const char *op, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "expected '%s' %s", op, what);
    return floe_parse_syntax_error(p, msg);
}

int floe_parse_expect_op(floe_parser *p, const char *op, const char *what)
{
    if (floe_parse_accept_op(p, op)) return FLOE_OK;
    return expect_op_fail(p, op, what);
}

COLD static int expect_kw_fail(floe_parser *p, const char *kw, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "expected %s %s", kw, what);
    return floe_parse_syntax_error(p, msg);
}

int floe_parse_expect_kw(floe_parser *p, const char *kw, const char *what)
{
    if (floe_parse_accept_kw(p, kw)) return FLOE_OK;
    return expect_kw_fail(p, kw, what);
}

/* End offset of the last consumed token. */
static int end_of_prev(const floe_parser *p) { return p->prev.off + p->prev.len; }

int floe_parse_set_len(const floe_parser *p, int off) { return end_of_prev(p) - off; }

/* Arena copy of the token's bytes, lower-cased (ASCII only). */
char *floe_parse_lower_copy(floe_parser *p, const floe_token *t)
{
    char *s = floe_arena_strndup(p->arena, p->lx.sql + t->off, (size_t)t->len);
    int i;
    if (s == NULL) return NULL;
    for (i = 0; i < t->len; i++)
        if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] + 32);
    return s;
}

/* Arena copy of a STRING, ESTRING or QIDENT token, decoded. */
char *floe_parse_unquote(floe_parser *p, const floe_token *t, size_t *out_n)
{
    char *s = floe_arena_alloc(p->arena, (size_t)t->len + 1);
    size_t n;
    if (s == NULL) return NULL;
    n = floe_lexer_unquote(&p->lx, t, s);
    s[n] = '\0';
    if (out_n) *out_n = n;
    return s;
}

int floe_parse_is_string_tok(const floe_token *t)
{
    return t->kind == FLOE_TOK_STRING || t->kind == FLOE_TOK_ESTRING;
}

/* Growable pointer/struct arrays in the arena (old copies are abandoned). */
int floe_parse_grow(floe_parser *p, void **arr, int n, int *cap, size_t elsize)
{
    void *q;
    int ncap;
    if (n < *cap) return FLOE_OK;
    if (n > (1 << 28)) return floe_parse_error_at(p, p->tok.off, "list too long");
    ncap = *cap ? *cap * 2 : 4;
    q = floe_arena_alloc(p->arena, (size_t)ncap * elsize);
    if (q == NULL) return floe_parse_nomem(p);
    if (n) memcpy(q, *arr, (size_t)n * elsize);
    memset((char *)q + (size_t)n * elsize, 0, (size_t)(ncap - n) * elsize);
    *arr = q;
    *cap = ncap;
    return FLOE_OK;
}

int floe_parse_enter(floe_parser *p)
{
    if (++p->depth > FLOE_PARSER_MAX_DEPTH) {
        p->depth--;
        return floe_parse_error_at(p, p->tok.off, "statement too deeply nested");
    }
    return FLOE_OK;
}

/* Identifier: a non-reserved word (lower-cased) or a quoted identifier. */
COLD static int expected_what(floe_parser *p, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "expected %s", what);
    return floe_parse_syntax_error(p, msg);
}

int floe_parse_ident(floe_parser *p, const char **out, const char *what)
{
    const floe_token *t = &p->tok;
    if (t->kind == FLOE_TOK_WORD && !floe_lexer_reserved(&p->lx, t)) {
        *out = floe_parse_lower_copy(p, t);
    } else if (t->kind == FLOE_TOK_QIDENT) {
        *out = floe_parse_unquote(p, t, NULL);
    } else {
        return expected_what(p, what);
    }
    if (*out == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    return FLOE_OK;
}

/* '(' ident, ... ')' */
int floe_parse_ident_list(floe_parser *p, const char ***out, int *out_n, const char *what)
{
    char msg[128];
    const char **arr = NULL;
    int n = 0, cap = 0;
    TRY(floe_parse_expect_op(p, "(", what));
    do {
        const char *id;
        TRY(floe_parse_ident(p, &id, "column name"));
        PUSH_PTR(p, arr, n, cap, id);
    } while (floe_parse_accept_op(p, ","));
    snprintf(msg, sizeof msg, "after %s", what + (strncmp(what, "before ", 7) == 0 ? 7 : 0));
    TRY(floe_parse_expect_op(p, ")", msg));
    *out = arr;
    *out_n = n;
    return FLOE_OK;
}

/* ------------------------------------------------------------ types */

/* type name: WORD [second word] ['(' INT [',' INT] ')'], resolved with
 * floe_type_parse. */
int floe_parse_type(floe_parser *p, floe_type *out, const char **out_name)
{
    char buf[160];
    size_t bn = 0;
    int off = p->tok.off, i;
    floe_err te = FLOE_ERR_INIT;
    char *name;

    if (p->tok.kind != FLOE_TOK_WORD) return floe_parse_syntax_error(p, "expected a type name");
#define APPEND_TOK(t)                                                          \
    do {                                                                       \
        int l_ = (t).len;                                                      \
        if (bn + (size_t)l_ + 2 >= sizeof buf) return floe_parse_error_at(p, (t).off, "type name too long"); \
        if (bn && buf[bn - 1] != '(' && buf[bn - 1] != ',') buf[bn++] = ' ';  \
        for (i = 0; i < l_; i++) {                                             \
            char c_ = p->lx.sql[(t).off + i];                                  \
            buf[bn++] = (c_ >= 'a' && c_ <= 'z') ? (char)(c_ - 32) : c_;       \
        }                                                                      \
    } while (0)
    APPEND_TOK(p->tok);
    if (floe_parse_at_kw(p, "DOUBLE")) {
        floe_token n1 = floe_parse_peek(p, 1);
        floe_parse_advance(p);
        if (tok_kw(p, &n1, "PRECISION")) {
            APPEND_TOK(p->tok);
            floe_parse_advance(p);
        }
    } else if (floe_parse_at_kw(p, "CHARACTER") || floe_parse_at_kw(p, "CHAR")) {
        floe_token n1 = floe_parse_peek(p, 1);
        floe_parse_advance(p);
        if (tok_kw(p, &n1, "VARYING")) {
            APPEND_TOK(p->tok);
            floe_parse_advance(p);
        }
    } else if (floe_parse_at_kw(p, "TIMESTAMP")) {
        floe_token n1 = floe_parse_peek(p, 1), n2 = floe_parse_peek(p, 2), n3 = floe_parse_peek(p, 3);
        floe_parse_advance(p);
        if ((tok_kw(p, &n1, "WITH") || tok_kw(p, &n1, "WITHOUT")) && tok_kw(p, &n2, "TIME") &&
            tok_kw(p, &n3, "ZONE")) {
            int k;
            for (k = 0; k < 3; k++) {
                APPEND_TOK(p->tok);
                floe_parse_advance(p);
            }
        }
    } else {
        floe_parse_advance(p);
    }
    if (floe_parse_at_op(p, "(")) {
        int nargs = 0;
        buf[bn++] = '(';
        floe_parse_advance(p);
        do {
            if (p->tok.kind != FLOE_TOK_INT || nargs == 2)
                return floe_parse_syntax_error(p, "expected a type modifier");
            if (p->tok.len > 9) return floe_parse_error_at(p, p->tok.off, "type modifier out of range");
            APPEND_TOK(p->tok);
            floe_parse_advance(p);
            nargs++;
            if (floe_parse_at_op(p, ",")) buf[bn++] = ',';
        } while (floe_parse_accept_op(p, ","));
        if (!floe_parse_at_op(p, ")")) return floe_parse_syntax_error(p, "expected ')' after type modifiers");
        buf[bn++] = ')';
        floe_parse_advance(p);
    }
#undef APPEND_TOK
    buf[bn] = '\0';
    if (floe_type_parse(buf, bn, out, &te) != FLOE_OK) {
        char msg[FLOE_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "type %s does not exist or is invalid: %.200s", buf, te.msg);
        return floe_parse_error_at(p, off, msg);
    }
    name = floe_arena_strndup(p->arena, buf, bn);
    if (name == NULL) return floe_parse_nomem(p);
    *out_name = name;
    return FLOE_OK;
}

/* ------------------------------------------------------------ expressions */

static int parse_unary(floe_parser *p, floe_ast_expr **out);

floe_ast_expr *floe_parse_new_expr(floe_parser *p, floe_ast_expr_kind kind, int off)
{
    floe_ast_expr *e = floe_parse_alloc(p, sizeof *e);
    if (e == NULL) return NULL;
    e->kind = kind;
    e->off = off;
    return e;
}

int floe_parse_starts_query(const floe_parser *p, const floe_token *t)
{
    return tok_kw(p, t, "SELECT") || tok_kw(p, t, "WITH") || tok_kw(p, t, "VALUES");
}

/* Fill an INT or NUM literal from digits s[0..n), negated when `neg`. */
static int make_number(floe_parser *p, floe_ast_expr *e, const char *s, int n, int neg)
{
    char *text = floe_arena_alloc(p->arena, (size_t)n + 2);
    int i;
    if (text == NULL) return floe_parse_nomem(p);
    text[0] = '-';
    memcpy(text + 1, s, (size_t)n);
    text[n + 1] = '\0';
    if (e->kind == FLOE_AST_INT) {
        uint64_t mag = 0;
        int over = 0;
        e->int_lit.text = neg ? text : text + 1;
        e->int_lit.fits = false;
        e->int_lit.value = 0;
        for (i = 0; i < n; i++) {
            unsigned d = (unsigned)(s[i] - '0');
            if (mag > (UINT64_MAX - d) / 10) over = 1;
            else mag = mag * 10 + d;
        }
        if (!over && !neg && mag <= (uint64_t)INT64_MAX) {
            e->int_lit.fits = true;
            e->int_lit.value = (int64_t)mag;
        } else if (!over && neg && mag <= (uint64_t)INT64_MAX + 1) {
            e->int_lit.fits = true;
            e->int_lit.value = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        }
    } else {
        e->num_lit.text = neg ? text : text + 1;
        e->num_lit.value = strtod(e->num_lit.text, NULL);
        e->num_lit.exponent = false;
        for (i = 0; i < n; i++)
            if (s[i] == 'e' || s[i] == 'E') e->num_lit.exponent = true;
    }
    return FLOE_OK;
}

static const char *interval_unit(const floe_parser *p, const floe_token *t)
{
    static const char *const units[] = {"year", "month", "week", "day", "hour",
                                        "minute", "second", "millisecond", "microsecond"};
    char w[16];
    size_t i, n = (size_t)t->len;
    if (t->kind != FLOE_TOK_WORD || n >= sizeof w) return NULL;
    for (i = 0; i < n; i++) {
        char c = p->lx.sql[t->off + i];
        w[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    if (n > 1 && w[n - 1] == 's') n--; /* plural */
    w[n] = '\0';
    for (i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(w, units[i]) == 0) return units[i];
    return NULL;
}

/* INTERVAL - <number> <unit>? (checked whole, so `interval - 1` stays a
 * column minus one) */
static int negative_interval(const floe_parser *p)
{
    floe_token n1 = floe_parse_peek(p, 1), n2 = floe_parse_peek(p, 2), n3 = floe_parse_peek(p, 3);
    return floe_parse_is_op(p, &n1, "-") && (n2.kind == FLOE_TOK_INT || n2.kind == FLOE_TOK_NUM) &&
           interval_unit(p, &n3) != NULL;
}

/* '(' [DISTINCT|ALL] [* | expr, ...] ')' after a function name, then the
 * aggregate clauses [WITHIN GROUP '(' ORDER BY expr [ASC|DESC] ')']
 * [FILTER '(' WHERE expr ')'] (neither word is reserved: they are clauses
 * only when followed by GROUP / '('). */
static int parse_call(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr **args = NULL;
    int n = 0, cap = 0;
    floe_parse_advance(p); /* ( */
    if (floe_parse_accept_kw(p, "DISTINCT")) e->call.distinct = true;
    else floe_parse_accept_kw(p, "ALL");
    if (floe_parse_at_op(p, "*") && !e->call.distinct) {
        floe_ast_expr *st = floe_parse_new_expr(p, FLOE_AST_STAR, p->tok.off);
        if (st == NULL) return floe_parse_nomem(p);
        st->len = 1;
        floe_parse_advance(p);
        PUSH_PTR(p, args, n, cap, st);
    } else if (!floe_parse_at_op(p, ")") || e->call.distinct) {
        do {
            floe_ast_expr *a;
            TRY(floe_parse_expr(p, 0, &a));
            PUSH_PTR(p, args, n, cap, a);
        } while (floe_parse_accept_op(p, ","));
        if (floe_parse_at_kw(p, "ORDER")) {
            /* an aggregate's ORDER BY: string_agg(x, ',' ORDER BY y) */
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "BY", "after ORDER"));
            TRY(floe_parse_order_by(p, &e->call.order, &e->call.norder));
        }
    }
    TRY(floe_parse_expect_op(p, ")", "after function arguments"));
    e->call.args = args;
    e->call.nargs = n;
    if (floe_parse_at_kw(p, "WITHIN")) {
        floe_token n1 = floe_parse_peek(p, 1);
        if (tok_kw(p, &n1, "GROUP")) {
            floe_parse_advance(p);
            floe_parse_advance(p);
            TRY(floe_parse_expect_op(p, "(", "after WITHIN GROUP"));
            TRY(floe_parse_expect_kw(p, "ORDER", "in WITHIN GROUP"));
            TRY(floe_parse_expect_kw(p, "BY", "after ORDER"));
            TRY(floe_parse_expr(p, 0, &e->call.within));
            if (floe_parse_accept_kw(p, "DESC")) e->call.within_desc = true;
            else floe_parse_accept_kw(p, "ASC");
            TRY(floe_parse_expect_op(p, ")", "after WITHIN GROUP (ORDER BY ..."));
        }
    }
    if (floe_parse_at_kw(p, "FILTER")) {
        floe_token n1 = floe_parse_peek(p, 1);
        if (floe_parse_is_op(p, &n1, "(")) {
            floe_parse_advance(p);
            floe_parse_advance(p);
            TRY(floe_parse_expect_kw(p, "WHERE", "in FILTER"));
            TRY(floe_parse_expr(p, 0, &e->call.filter));
            TRY(floe_parse_expect_op(p, ")", "after FILTER (WHERE ..."));
        }
    }
    return FLOE_OK;
}

static int parse_case(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr **whens = NULL, **thens = NULL;
    int n = 0, capw = 0, capt = 0, nt = 0;
    floe_parse_advance(p); /* CASE */
    if (!floe_parse_at_kw(p, "WHEN") && !floe_parse_at_kw(p, "END")) TRY(floe_parse_expr(p, 0, &e->case_.operand));
    if (!floe_parse_at_kw(p, "WHEN")) return floe_parse_syntax_error(p, "expected WHEN in CASE");
    while (floe_parse_accept_kw(p, "WHEN")) {
        floe_ast_expr *w, *t;
        TRY(floe_parse_expr(p, 0, &w));
        TRY(floe_parse_expect_kw(p, "THEN", "after WHEN condition"));
        TRY(floe_parse_expr(p, 0, &t));
        PUSH_PTR(p, whens, n, capw, w);
        PUSH_PTR(p, thens, nt, capt, t);
    }
    if (floe_parse_accept_kw(p, "ELSE")) TRY(floe_parse_expr(p, 0, &e->case_.else_));
    TRY(floe_parse_expect_kw(p, "END", "to close CASE"));
    e->case_.whens = whens;
    e->case_.thens = thens;
    e->case_.nwhens = n;
    return FLOE_OK;
}

/* INTERVAL 'text' | INTERVAL n unit | INTERVAL (expr) unit | INTERVAL -n unit. */
static int parse_interval(floe_parser *p, int off, floe_ast_expr **out)
{
    floe_ast_expr *e;
    floe_ast_expr *v;
    e = floe_parse_new_expr(p, FLOE_AST_INTERVAL, off);
    if (e == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    if (floe_parse_at_op(p, "(")) {
        floe_parse_advance(p);
        TRY(floe_parse_expr(p, 0, &v));
        TRY(floe_parse_expect_op(p, ")", "after INTERVAL expression"));
    } else if (floe_parse_at_op(p, "-")) {
        TRY(parse_unary(p, &v)); /* INTERVAL -1 DAY */
    } else {
        TRY(floe_parse_primary(p, &v));
    }
    e->interval.value = v;
    e->interval.unit = interval_unit(p, &p->tok);
    if (e->interval.unit != NULL) floe_parse_advance(p);
    else if (v->kind != FLOE_AST_STRING)
        return floe_parse_syntax_error(p, "expected an interval unit (DAY, HOUR, ...)");
    *out = e;
    return FLOE_OK;
}

/* name, table.name or table.* (the current token is not reserved). */
static int parse_column_ref(floe_parser *p, int off, floe_ast_expr **out)
{
    floe_ast_expr *e;
    const char *first;
    TRY(floe_parse_ident(p, &first, "column name"));
    if (floe_parse_at_op(p, ".")) {
        floe_parse_advance(p);
        if (floe_parse_at_op(p, "*")) {
            e = floe_parse_new_expr(p, FLOE_AST_STAR, off);
            if (e == NULL) return floe_parse_nomem(p);
            e->star.table = first;
            floe_parse_advance(p);
        } else {
            e = floe_parse_new_expr(p, FLOE_AST_COLUMN, off);
            if (e == NULL) return floe_parse_nomem(p);
            e->column.table = first;
            if (p->tok.kind == FLOE_TOK_WORD) { /* any word after "t." */
                if ((e->column.name = floe_parse_lower_copy(p, &p->tok)) == NULL) return floe_parse_nomem(p);
                floe_parse_advance(p);
            } else {
                TRY(floe_parse_ident(p, &e->column.name, "column name after '.'"));
            }
        }
    } else {
        e = floe_parse_new_expr(p, FLOE_AST_COLUMN, off);
        if (e == NULL) return floe_parse_nomem(p);
        e->column.name = first;
    }
    *out = e;
    return FLOE_OK;
}

int floe_parse_primary(floe_parser *p, floe_ast_expr **out)
{
    floe_token t = p->tok;
    floe_ast_expr *e = NULL;
    int off = t.off;

    if (t.kind == FLOE_TOK_OP && (p->lx.sql[t.off] == '$' || p->lx.sql[t.off] == '?'))
        return floe_parse_param(p, out);
    switch (t.kind) {
    case FLOE_TOK_INT:
    case FLOE_TOK_NUM:
        e = floe_parse_new_expr(p, t.kind == FLOE_TOK_INT ? FLOE_AST_INT : FLOE_AST_NUM, off);
        if (e == NULL) return floe_parse_nomem(p);
        TRY(make_number(p, e, p->lx.sql + t.off, t.len, 0));
        floe_parse_advance(p);
        break;
    case FLOE_TOK_STRING:
    case FLOE_TOK_ESTRING:
        e = floe_parse_new_expr(p, FLOE_AST_STRING, off);
        if (e == NULL || (e->str.s = floe_parse_unquote(p, &t, &e->str.n)) == NULL) return floe_parse_nomem(p);
        floe_parse_advance(p);
        break;
    case FLOE_TOK_QIDENT:
    case FLOE_TOK_WORD: {
        floe_token n1 = floe_parse_peek(p, 1);
        int reserved = floe_lexer_reserved(&p->lx, &t);
        if (t.kind == FLOE_TOK_WORD && (floe_parse_at_kw(p, "TRUE") || floe_parse_at_kw(p, "FALSE"))) {
            e = floe_parse_new_expr(p, FLOE_AST_BOOL, off);
            if (e == NULL) return floe_parse_nomem(p);
            e->bool_val = floe_parse_at_kw(p, "TRUE");
            floe_parse_advance(p);
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "NULL")) {
            e = floe_parse_new_expr(p, FLOE_AST_NULL, off);
            if (e == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "CASE")) {
            e = floe_parse_new_expr(p, FLOE_AST_CASE, off);
            if (e == NULL) return floe_parse_nomem(p);
            TRY(parse_case(p, e));
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "CAST")) {
            e = floe_parse_new_expr(p, FLOE_AST_CAST, off);
            if (e == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
            TRY(floe_parse_expect_op(p, "(", "after CAST"));
            TRY(floe_parse_expr(p, 0, &e->cast.arg));
            TRY(floe_parse_expect_kw(p, "AS", "in CAST"));
            TRY(floe_parse_type(p, &e->cast.type, &e->cast.type_name));
            TRY(floe_parse_expect_op(p, ")", "after CAST type"));
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "EXISTS")) {
            e = floe_parse_new_expr(p, FLOE_AST_EXISTS, off);
            if (e == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
            TRY(floe_parse_expect_op(p, "(", "after EXISTS"));
            TRY(floe_parse_query(p, &e->subquery.query));
            TRY(floe_parse_expect_op(p, ")", "after EXISTS subquery"));
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "EXTRACT") && floe_parse_is_op(p, &n1, "(")) {
            TRY(floe_parse_extract(p, off, &e));
        } else if (t.kind == FLOE_TOK_WORD && (floe_parse_at_kw(p, "DATE") || floe_parse_at_kw(p, "TIMESTAMP")) &&
                   floe_parse_is_string_tok(&n1)) {
            e = floe_parse_new_expr(p, FLOE_AST_TYPED, off);
            if (e == NULL) return floe_parse_nomem(p);
            e->typed.type = floe_type_make(floe_parse_at_kw(p, "DATE") ? FLOE_TYPE_DATE : FLOE_TYPE_TIMESTAMP);
            floe_parse_advance(p);
            if ((e->typed.s = floe_parse_unquote(p, &p->tok, &e->typed.n)) == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
        } else if (t.kind == FLOE_TOK_WORD && floe_parse_at_kw(p, "INTERVAL") &&
                   (floe_parse_is_string_tok(&n1) || n1.kind == FLOE_TOK_INT || n1.kind == FLOE_TOK_NUM ||
                    floe_parse_is_op(p, &n1, "(") || negative_interval(p))) {
            TRY(parse_interval(p, off, &e));
        } else if (reserved && !((floe_parse_at_kw(p, "LEFT") || floe_parse_at_kw(p, "RIGHT")) && floe_parse_is_op(p, &n1, "("))) {
            return floe_parse_syntax_error(p, NULL);
        } else if (floe_parse_is_op(p, &n1, "(")) {
            e = floe_parse_new_expr(p, FLOE_AST_CALL, off);
            if (e == NULL) return floe_parse_nomem(p);
            e->call.name = t.kind == FLOE_TOK_QIDENT ? floe_parse_unquote(p, &t, NULL) : floe_parse_lower_copy(p, &t);
            if (e->call.name == NULL) return floe_parse_nomem(p);
            floe_parse_advance(p);
            {
                bool done = false;
                TRY(floe_parse_std_call(p, e, &done));
                if (done) break;
            }
            TRY(parse_call(p, e));
            if (floe_parse_accept_kw(p, "OVER")) TRY(floe_parse_over(p, e));
        } else {
            TRY(parse_column_ref(p, off, &e));
        }
        break;
    }
    case FLOE_TOK_OP:
        if (floe_parse_at_op(p, "(")) {
            floe_token n1 = floe_parse_peek(p, 1);
            floe_parse_advance(p);
            if (floe_parse_starts_query(p, &n1)) {
                e = floe_parse_new_expr(p, FLOE_AST_SUBQUERY, off);
                if (e == NULL) return floe_parse_nomem(p);
                TRY(floe_parse_query(p, &e->subquery.query));
                TRY(floe_parse_expect_op(p, ")", "after subquery"));
            } else {
                TRY(floe_parse_expr(p, 0, &e));
                TRY(floe_parse_expect_op(p, ")", "to close '('"));
                /* parentheses make no node: the inner one covers them */
                e->off = off;
                e->len = floe_parse_set_len(p, off);
                *out = e;
                return FLOE_OK;
            }
            break;
        }
        return floe_parse_syntax_error(p, NULL);
    default:
        return floe_parse_syntax_error(p, NULL);
    }
    e->len = floe_parse_set_len(p, off);
    *out = e;
    return FLOE_OK;
}

/* primary { :: type } */
static int parse_postfix(floe_parser *p, floe_ast_expr **out)
{
    floe_ast_expr *e;
    TRY(floe_parse_primary(p, &e));
    while (floe_parse_at_op(p, "::")) {
        floe_ast_expr *c = floe_parse_new_expr(p, FLOE_AST_CAST, e->off);
        if (c == NULL) return floe_parse_nomem(p);
        floe_parse_advance(p);
        c->cast.arg = e;
        TRY(floe_parse_type(p, &c->cast.type, &c->cast.type_name));
        c->len = floe_parse_set_len(p, c->off);
        e = c;
    }
    *out = e;
    return FLOE_OK;
}

/* [+|-] unary | postfix. A '-' applied directly to a non-negative numeric
 * literal (also through parentheses: -(5)) is folded into it, as PostgreSQL
 * does; -(5::int) and - -5 stay NEG nodes. */
static int parse_unary(floe_parser *p, floe_ast_expr **out)
{
    int off = p->tok.off, neg, rc;
    floe_ast_expr *arg, *e;
    if (!floe_parse_at_op(p, "-") && !floe_parse_at_op(p, "+")) return parse_postfix(p, out);
    neg = floe_parse_at_op(p, "-");
    floe_parse_advance(p);
    TRY(floe_parse_enter(p));
    rc = parse_unary(p, &arg);
    p->depth--;
    if (rc != FLOE_OK) return rc;
    if (neg && (arg->kind == FLOE_AST_INT || arg->kind == FLOE_AST_NUM)) {
        const char *text = arg->kind == FLOE_AST_INT ? arg->int_lit.text : arg->num_lit.text;
        if (text[0] != '-') {
            TRY(make_number(p, arg, text, (int)strlen(text), 1));
            arg->off = off;
            arg->len = floe_parse_set_len(p, off);
            *out = arg;
            return FLOE_OK;
        }
    }
    e = floe_parse_new_expr(p, FLOE_AST_UNARY, off);
    if (e == NULL) return floe_parse_nomem(p);
    e->unary.op = neg ? FLOE_AST_NEG : FLOE_AST_PLUS;
    e->unary.arg = arg;
    e->len = floe_parse_set_len(p, off);
    *out = e;
    return FLOE_OK;
}

/* Is the current token a binary operator? Sets its precedence and kind.
 * Dispatches on the token's bytes: this runs after every operand. */
static int binop_of(const floe_parser *p, int *prec, floe_ast_binop *op)
{
    const floe_token *t = &p->tok;
    const char *s = p->lx.sql + t->off;
    if (t->kind == FLOE_TOK_WORD) {
        if (floe_parse_at_kw(p, "AND")) {
            *prec = PREC_AND;
            *op = FLOE_AST_AND;
            return 1;
        }
        if (floe_parse_at_kw(p, "OR")) {
            *prec = PREC_OR;
            *op = FLOE_AST_OR;
            return 1;
        }
        return 0;
    }
    if (t->kind != FLOE_TOK_OP) return 0;
    *prec = PREC_CMP;
    if (t->len == 2) {
        if (s[0] == '<' && s[1] == '>') *op = FLOE_AST_NE;
        else if (s[0] == '!' && s[1] == '=') *op = FLOE_AST_NE;
        else if (s[0] == '<' && s[1] == '=') *op = FLOE_AST_LE;
        else if (s[0] == '>' && s[1] == '=') *op = FLOE_AST_GE;
        else if (s[0] == '|' && s[1] == '|') {
            *prec = PREC_CONCAT;
            *op = FLOE_AST_CONCAT;
        } else
            return 0;
        return 1;
    }
    switch (s[0]) {
    case '=': *op = FLOE_AST_EQ; return 1;
    case '<': *op = FLOE_AST_LT; return 1;
    case '>': *op = FLOE_AST_GT; return 1;
    case '+': *prec = PREC_ADD; *op = FLOE_AST_ADD; return 1;
    case '-': *prec = PREC_ADD; *op = FLOE_AST_SUB; return 1;
    case '*': *prec = PREC_MUL; *op = FLOE_AST_MUL; return 1;
    case '/': *prec = PREC_MUL; *op = FLOE_AST_DIV; return 1;
    case '%': *prec = PREC_MUL; *op = FLOE_AST_MOD; return 1;
    default: return 0;
    }
}

/* The IS, BETWEEN, IN, LIKE forms after the left operand (at [NOT] keyword). */
static int parse_special(floe_parser *p, floe_ast_expr *left, floe_ast_expr **out)
{
    floe_ast_expr *e;
    int negated = 0;
    if (floe_parse_accept_kw(p, "IS")) {
        e = floe_parse_new_expr(p, FLOE_AST_IS, left->off);
        if (e == NULL) return floe_parse_nomem(p);
        e->is.arg = left;
        if (floe_parse_accept_kw(p, "NOT")) e->is.negated = true;
        if (floe_parse_accept_kw(p, "NULL")) e->is.what = FLOE_AST_IS_NULL;
        else if (floe_parse_accept_kw(p, "TRUE")) e->is.what = FLOE_AST_IS_TRUE;
        else if (floe_parse_accept_kw(p, "FALSE")) e->is.what = FLOE_AST_IS_FALSE;
        else if (floe_parse_accept_kw(p, "UNKNOWN")) e->is.what = FLOE_AST_IS_UNKNOWN;
        else if (floe_parse_accept_kw(p, "DISTINCT")) {
            e->is.what = FLOE_AST_IS_DISTINCT;
            TRY(floe_parse_expect_kw(p, "FROM", "after IS DISTINCT"));
            TRY(floe_parse_expr(p, PREC_IS + 1, &e->is.right));
        } else
            return floe_parse_syntax_error(p, "expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS");
        e->len = floe_parse_set_len(p, e->off);
        *out = e;
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "NOT")) negated = 1;
    if (floe_parse_accept_kw(p, "BETWEEN")) {
        e = floe_parse_new_expr(p, FLOE_AST_BETWEEN, left->off);
        if (e == NULL) return floe_parse_nomem(p);
        e->between.negated = negated;
        e->between.arg = left;
        TRY(floe_parse_expr(p, PREC_LIKE + 1, &e->between.lo));
        TRY(floe_parse_expect_kw(p, "AND", "in BETWEEN"));
        TRY(floe_parse_expr(p, PREC_LIKE + 1, &e->between.hi));
    } else if (floe_parse_accept_kw(p, "IN")) {
        floe_token n1 = floe_parse_peek(p, 1);
        TRY(floe_parse_expect_op(p, "(", "after IN"));
        if (floe_parse_starts_query(p, &n1)) {
            e = floe_parse_new_expr(p, FLOE_AST_IN_QUERY, left->off);
            if (e == NULL) return floe_parse_nomem(p);
            e->in_query.negated = negated;
            e->in_query.arg = left;
            TRY(floe_parse_query(p, &e->in_query.query));
        } else {
            floe_ast_expr **items = NULL;
            int n = 0, cap = 0;
            e = floe_parse_new_expr(p, FLOE_AST_IN_LIST, left->off);
            if (e == NULL) return floe_parse_nomem(p);
            e->in_list.negated = negated;
            e->in_list.arg = left;
            do {
                floe_ast_expr *it;
                TRY(floe_parse_expr(p, 0, &it));
                PUSH_PTR(p, items, n, cap, it);
            } while (floe_parse_accept_op(p, ","));
            e->in_list.items = items;
            e->in_list.nitems = n;
        }
        TRY(floe_parse_expect_op(p, ")", "after IN list"));
    } else if (floe_parse_at_kw(p, "LIKE") || floe_parse_at_kw(p, "ILIKE")) {
        e = floe_parse_new_expr(p, FLOE_AST_LIKE, left->off);
        if (e == NULL) return floe_parse_nomem(p);
        e->like.ilike = floe_parse_at_kw(p, "ILIKE");
        e->like.negated = negated;
        e->like.arg = left;
        floe_parse_advance(p);
        TRY(floe_parse_expr(p, PREC_LIKE + 1, &e->like.pattern));
        if (floe_parse_accept_kw(p, "ESCAPE")) TRY(floe_parse_expr(p, PREC_LIKE + 1, &e->like.escape));
    } else {
        return floe_parse_syntax_error(p, "expected BETWEEN, IN, LIKE or ILIKE after NOT");
    }
    e->len = floe_parse_set_len(p, e->off);
    *out = e;
    return FLOE_OK;
}

static int parse_expr_in(floe_parser *p, int minprec, floe_ast_expr **out)
{
    floe_ast_expr *left;
    int off = p->tok.off;

    if (floe_parse_at_kw(p, "NOT")) {
        floe_ast_expr *arg;
        floe_parse_advance(p);
        TRY(floe_parse_expr(p, PREC_NOT, &arg));
        left = floe_parse_new_expr(p, FLOE_AST_UNARY, off);
        if (left == NULL) return floe_parse_nomem(p);
        left->unary.op = FLOE_AST_NOT;
        left->unary.arg = arg;
        left->len = floe_parse_set_len(p, off);
    } else {
        TRY(parse_unary(p, &left));
    }
    for (;;) {
        int prec;
        floe_ast_binop op;
        if (binop_of(p, &prec, &op)) {
            floe_ast_expr *right, *e;
            if (prec < minprec) break;
            floe_parse_advance(p);
            TRY(floe_parse_expr(p, prec + 1, &right));
            e = floe_parse_new_expr(p, FLOE_AST_BINARY, left->off);
            if (e == NULL) return floe_parse_nomem(p);
            e->binary.op = op;
            e->binary.left = left;
            e->binary.right = right;
            e->len = floe_parse_set_len(p, e->off);
            left = e;
            continue;
        }
        if (floe_parse_at_op(p, "~") || floe_parse_at_op(p, "~*") || floe_parse_at_op(p, "!~") ||
            floe_parse_at_op(p, "!~*")) {
            if (PREC_LIKE < minprec) break;
            TRY(floe_parse_regex_op(p, left, &left));
            continue;
        }
        if (p->tok.kind != FLOE_TOK_WORD) break;
        if (floe_parse_at_kw(p, "SIMILAR") || floe_parse_at_kw(p, "NOT")) {
            floe_token n1 = floe_parse_peek(p, 1);
            if (floe_parse_at_kw(p, "SIMILAR") || tok_kw(p, &n1, "SIMILAR")) {
                if (PREC_LIKE < minprec) break;
                TRY(floe_parse_similar(p, left, &left));
                continue;
            }
        }
        if (floe_parse_at_kw(p, "IS")) {
            if (PREC_IS < minprec) break;
            TRY(parse_special(p, left, &left));
            continue;
        }
        if (floe_parse_at_kw(p, "BETWEEN") || floe_parse_at_kw(p, "IN") || floe_parse_at_kw(p, "LIKE") || floe_parse_at_kw(p, "ILIKE")) {
            if (PREC_LIKE < minprec) break;
            TRY(parse_special(p, left, &left));
            continue;
        }
        if (floe_parse_at_kw(p, "NOT")) {
            floe_token n1 = floe_parse_peek(p, 1);
            if (tok_kw(p, &n1, "BETWEEN") || tok_kw(p, &n1, "IN") || tok_kw(p, &n1, "LIKE") ||
                tok_kw(p, &n1, "ILIKE")) {
                if (PREC_LIKE < minprec) break;
                TRY(parse_special(p, left, &left));
                continue;
            }
        }
        break;
    }
    *out = left;
    return FLOE_OK;
}

int floe_parse_expr(floe_parser *p, int minprec, floe_ast_expr **out)
{
    int rc;
    TRY(floe_parse_enter(p));
    rc = parse_expr_in(p, minprec, out);
    p->depth--;
    return rc;
}

/* ------------------------------------------------------------ queries */

static int parse_from_item(floe_parser *p, floe_ast_from **out);

/* [AS] alias ['(' cols ')'] for FROM items. */
static int parse_from_alias(floe_parser *p, floe_ast_from *f)
{
    if (floe_parse_at_kw(p, "ASOF")) {
        /* t ASOF [LEFT] JOIN: not an alias */
        floe_token n1 = floe_parse_peek(p, 1);
        if (tok_kw(p, &n1, "JOIN") || tok_kw(p, &n1, "LEFT")) return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "AS")) {
        TRY(floe_parse_ident(p, &f->alias, "alias after AS"));
    } else if ((p->tok.kind == FLOE_TOK_WORD && !floe_lexer_reserved(&p->lx, &p->tok)) ||
               p->tok.kind == FLOE_TOK_QIDENT) {
        TRY(floe_parse_ident(p, &f->alias, "alias"));
    } else {
        return FLOE_OK;
    }
    if (floe_parse_at_op(p, "(")) TRY(floe_parse_ident_list(p, &f->cols, &f->ncols, "column alias list"));
    return FLOE_OK;
}

static int parse_table_ref(floe_parser *p, floe_ast_from **out)
{
    int off = p->tok.off;
    floe_ast_from *f = floe_parse_alloc(p, sizeof *f);
    if (f == NULL) return floe_parse_nomem(p);
    f->off = off;
    if (floe_parse_accept_kw(p, "LATERAL")) {
        f->lateral = true;
        if (!floe_parse_at_op(p, "(")) return floe_parse_syntax_error(p, "'(' subquery after LATERAL");
    }
    if (floe_parse_at_op(p, "(")) {
        floe_token n1 = floe_parse_peek(p, 1);
        if (floe_parse_starts_query(p, &n1) || floe_parse_is_op(p, &n1, "(")) {
            floe_parse_advance(p);
            f->kind = FLOE_AST_FROM_SUBQUERY;
            TRY(floe_parse_query(p, &f->query));
            TRY(floe_parse_expect_op(p, ")", "after subquery in FROM"));
            TRY(parse_from_alias(p, f));
        } else if (f->lateral) {
            return floe_parse_syntax_error(p, "a subquery after LATERAL");
        } else {
            int rc;
            floe_parse_advance(p);
            TRY(floe_parse_enter(p));
            rc = parse_from_item(p, &f);
            p->depth--;
            if (rc != FLOE_OK) return rc;
            TRY(floe_parse_expect_op(p, ")", "after parenthesised join"));
            *out = f; /* keep the inner node and range */
            return FLOE_OK;
        }
    } else if (p->tok.kind == FLOE_TOK_WORD && floe_parse_at_call(p)) {
        TRY(floe_parse_table_function(p, f));
        TRY(parse_from_alias(p, f));
    } else {
        f->kind = FLOE_AST_FROM_TABLE;
        TRY(floe_parse_ident(p, &f->table, "table name"));
        if (floe_parse_at_op(p, ".")) { /* schema.table: one name "schema.table" */
            const char *name;
            char *q;
            size_t a;
            floe_parse_advance(p);
            TRY(floe_parse_ident(p, &name, "table name"));
            a = strlen(f->table);
            if ((q = floe_parse_alloc(p, a + strlen(name) + 2)) == NULL) return floe_parse_nomem(p);
            memcpy(q, f->table, a);
            q[a] = '.';
            strcpy(q + a + 1, name);
            f->table = q;
            TRY(parse_from_alias(p, f));
            if (f->alias == NULL) f->alias = name; /* information_schema.tables is `tables` */
        } else {
            TRY(parse_from_alias(p, f));
        }
    }
    f->len = floe_parse_set_len(p, off);
    *out = f;
    return FLOE_OK;
}

static int parse_from_item(floe_parser *p, floe_ast_from **out)
{
    floe_ast_from *left;
    TRY(parse_table_ref(p, &left));
    for (;;) {
        floe_ast_join_kind kind;
        floe_ast_from *j;
        bool natural = floe_parse_accept_kw(p, "NATURAL");
        bool asof = !natural && floe_parse_accept_kw(p, "ASOF");
        if (asof) {
            kind = floe_parse_accept_kw(p, "LEFT") ? FLOE_AST_JOIN_LEFT : FLOE_AST_JOIN_INNER;
            floe_parse_accept_kw(p, "OUTER");
        } else if (!natural && floe_parse_accept_kw(p, "CROSS")) {
            kind = FLOE_AST_JOIN_CROSS;
        } else if (floe_parse_accept_kw(p, "INNER")) {
            kind = FLOE_AST_JOIN_INNER;
        } else if (floe_parse_at_kw(p, "JOIN")) {
            kind = FLOE_AST_JOIN_INNER;
        } else if (floe_parse_at_kw(p, "LEFT") || floe_parse_at_kw(p, "RIGHT") || floe_parse_at_kw(p, "FULL")) {
            kind = floe_parse_at_kw(p, "LEFT")    ? FLOE_AST_JOIN_LEFT
                   : floe_parse_at_kw(p, "RIGHT") ? FLOE_AST_JOIN_RIGHT
                                       : FLOE_AST_JOIN_FULL;
            floe_parse_advance(p);
            floe_parse_accept_kw(p, "OUTER");
        } else {
            break;
        }
        TRY(floe_parse_expect_kw(p, "JOIN", "in join"));
        j = floe_parse_alloc(p, sizeof *j);
        if (j == NULL) return floe_parse_nomem(p);
        j->kind = FLOE_AST_FROM_JOIN;
        j->off = left->off;
        j->join.kind = kind;
        j->join.left = left;
        j->join.natural = natural;
        j->join.asof = asof;
        TRY(parse_table_ref(p, &j->join.right));
        if (kind != FLOE_AST_JOIN_CROSS && !natural) {
            if (floe_parse_accept_kw(p, "ON")) {
                TRY(floe_parse_expr(p, 0, &j->join.on));
            } else if (floe_parse_accept_kw(p, "USING")) {
                TRY(floe_parse_ident_list(p, &j->join.using_cols, &j->join.nusing,
                                     "column list of USING"));
            } else {
                return floe_parse_syntax_error(p, "expected ON or USING after join");
            }
        }
        j->len = floe_parse_set_len(p, j->off);
        left = j;
    }
    *out = left;
    return FLOE_OK;
}

static int parse_select_core(floe_parser *p, floe_ast_query *q)
{
    floe_ast_target *targets = NULL;
    floe_ast_from **from = NULL;
    int nt = 0, capt = 0, nf = 0, capf = 0;

    q->kind = FLOE_AST_Q_SELECT;
    floe_parse_advance(p); /* SELECT */
    if (floe_parse_accept_kw(p, "DISTINCT")) {
        if (floe_parse_accept_kw(p, "ON")) {
            int cap = 0;
            TRY(floe_parse_expect_op(p, "(", "after DISTINCT ON"));
            do {
                TRY(floe_parse_grow(p, (void **)&q->select.distinct_on, q->select.ndistinct_on,
                                    &cap, sizeof *q->select.distinct_on));
                TRY(floe_parse_expr(p, 0, &q->select.distinct_on[q->select.ndistinct_on++]));
            } while (floe_parse_accept_op(p, ","));
            TRY(floe_parse_expect_op(p, ")", "after DISTINCT ON list"));
        } else {
            q->select.distinct = true;
        }
    } else {
        floe_parse_accept_kw(p, "ALL");
    }
    do {
        floe_ast_target *t;
        TRY(floe_parse_grow(p, (void **)&targets, nt, &capt, sizeof *targets));
        t = &targets[nt++];
        t->off = p->tok.off;
        if (floe_parse_at_op(p, "*")) {
            t->expr = floe_parse_new_expr(p, FLOE_AST_STAR, p->tok.off);
            if (t->expr == NULL) return floe_parse_nomem(p);
            t->expr->len = 1;
            floe_parse_advance(p);
        } else {
            TRY(floe_parse_expr(p, 0, &t->expr));
            if (floe_parse_accept_kw(p, "AS")) {
                if (p->tok.kind == FLOE_TOK_WORD) { /* AS takes any word, even reserved */
                    if ((t->alias = floe_parse_lower_copy(p, &p->tok)) == NULL) return floe_parse_nomem(p);
                    floe_parse_advance(p);
                } else {
                    TRY(floe_parse_ident(p, &t->alias, "alias after AS"));
                }
            } else if ((p->tok.kind == FLOE_TOK_WORD && !floe_lexer_reserved(&p->lx, &p->tok)) ||
                       p->tok.kind == FLOE_TOK_QIDENT) {
                TRY(floe_parse_ident(p, &t->alias, "alias"));
            }
        }
        t->len = floe_parse_set_len(p, t->off);
    } while (floe_parse_accept_op(p, ","));
    q->select.targets = targets;
    q->select.ntargets = nt;

    if (floe_parse_accept_kw(p, "FROM")) {
        do {
            floe_ast_from *f;
            TRY(parse_from_item(p, &f));
            PUSH_PTR(p, from, nf, capf, f);
        } while (floe_parse_accept_op(p, ","));
        q->select.from = from;
        q->select.nfrom = nf;
    }
    if (floe_parse_accept_kw(p, "WHERE")) TRY(floe_parse_expr(p, 0, &q->select.where));
    if (floe_parse_accept_kw(p, "GROUP")) {
        TRY(floe_parse_expect_kw(p, "BY", "after GROUP"));
        TRY(floe_parse_group_by(p, q)); /* sql/parse_group.c */
    }
    if (floe_parse_accept_kw(p, "HAVING")) TRY(floe_parse_expr(p, 0, &q->select.having));
    if (floe_parse_accept_kw(p, "WINDOW")) {
        floe_ast_named_window *ws = NULL;
        int nw = 0, capw = 0;
        do {
            floe_ast_named_window *w;
            TRY(floe_parse_grow(p, (void **)&ws, nw, &capw, sizeof *ws));
            w = &ws[nw++];
            w->off = p->tok.off;
            TRY(floe_parse_ident(p, &w->name, "window name"));
            TRY(floe_parse_expect_kw(p, "AS", "after the window name"));
            TRY(floe_parse_window_spec(p, &w->spec));
            w->len = floe_parse_set_len(p, w->off);
        } while (floe_parse_accept_op(p, ","));
        q->select.windows = ws;
        q->select.nwindows = nw;
    }
    if (floe_parse_accept_kw(p, "QUALIFY")) TRY(floe_parse_expr(p, 0, &q->select.qualify));
    return FLOE_OK;
}

static int parse_values(floe_parser *p, floe_ast_query *q)
{
    floe_ast_expr ***rows = NULL;
    int nrows = 0, caprows = 0, ncols = -1;
    q->kind = FLOE_AST_Q_VALUES;
    floe_parse_advance(p); /* VALUES */
    do {
        floe_ast_expr **row = NULL;
        int n = 0, cap = 0, roff = p->tok.off;
        TRY(floe_parse_expect_op(p, "(", "before VALUES row"));
        do {
            floe_ast_expr *v;
            TRY(floe_parse_expr(p, 0, &v));
            PUSH_PTR(p, row, n, cap, v);
        } while (floe_parse_accept_op(p, ","));
        TRY(floe_parse_expect_op(p, ")", "after VALUES row"));
        if (ncols >= 0 && n != ncols)
            return floe_parse_error_at(p, roff, "VALUES lists must all be the same length");
        ncols = n;
        PUSH_PTR(p, rows, nrows, caprows, row);
    } while (floe_parse_accept_op(p, ","));
    q->values.rows = rows;
    q->values.nrows = nrows;
    q->values.ncols = ncols;
    return FLOE_OK;
}

static int parse_set_expr(floe_parser *p, int level, floe_ast_query **out);

/* SELECT core | VALUES | '(' query ')' */
static int parse_set_primary(floe_parser *p, floe_ast_query **out)
{
    floe_ast_query *q;
    int off = p->tok.off;
    if (floe_parse_at_op(p, "(")) {
        floe_parse_advance(p);
        TRY(floe_parse_query(p, &q));
        TRY(floe_parse_expect_op(p, ")", "after parenthesised query"));
        *out = q;
        return FLOE_OK;
    }
    q = floe_parse_alloc(p, sizeof *q);
    if (q == NULL) return floe_parse_nomem(p);
    q->off = off;
    if (floe_parse_at_kw(p, "SELECT")) TRY(parse_select_core(p, q));
    else if (floe_parse_at_kw(p, "VALUES")) TRY(parse_values(p, q));
    else return floe_parse_syntax_error(p, "expected SELECT, VALUES or '('");
    q->len = floe_parse_set_len(p, off);
    *out = q;
    return FLOE_OK;
}

/* level 0: UNION/EXCEPT over level 1; level 1: INTERSECT over primaries. */
static int parse_set_expr(floe_parser *p, int level, floe_ast_query **out)
{
    floe_ast_query *left;
    if (level == 0) TRY(parse_set_expr(p, 1, &left));
    else TRY(parse_set_primary(p, &left));
    for (;;) {
        floe_ast_setop_kind op;
        floe_ast_query *q;
        if (level == 0 && floe_parse_at_kw(p, "UNION")) op = FLOE_AST_UNION;
        else if (level == 0 && floe_parse_at_kw(p, "EXCEPT")) op = FLOE_AST_EXCEPT;
        else if (level == 1 && floe_parse_at_kw(p, "INTERSECT")) op = FLOE_AST_INTERSECT;
        else break;
        floe_parse_advance(p);
        q = floe_parse_alloc(p, sizeof *q);
        if (q == NULL) return floe_parse_nomem(p);
        q->kind = FLOE_AST_Q_SETOP;
        q->off = left->off;
        q->setop.op = op;
        q->setop.left = left;
        if (floe_parse_accept_kw(p, "ALL")) q->setop.all = true;
        else floe_parse_accept_kw(p, "DISTINCT");
        if (level == 0) TRY(parse_set_expr(p, 1, &q->setop.right));
        else TRY(parse_set_primary(p, &q->setop.right));
        q->len = floe_parse_set_len(p, q->off);
        left = q;
    }
    *out = left;
    return FLOE_OK;
}

static int parse_with(floe_parser *p, floe_ast_cte **out, int *out_n, bool *recursive)
{
    floe_ast_cte *ctes = NULL;
    int n = 0, cap = 0;
    floe_parse_advance(p); /* WITH */
    if (floe_parse_accept_kw(p, "RECURSIVE")) *recursive = true;
    do {
        floe_ast_cte *c;
        TRY(floe_parse_grow(p, (void **)&ctes, n, &cap, sizeof *ctes));
        c = &ctes[n++];
        c->off = p->tok.off;
        TRY(floe_parse_ident(p, &c->name, "name of WITH query"));
        if (floe_parse_at_op(p, "(")) TRY(floe_parse_ident_list(p, &c->cols, &c->ncols, "column list of WITH query"));
        TRY(floe_parse_expect_kw(p, "AS", "after WITH query name"));
        TRY(floe_parse_expect_op(p, "(", "before WITH query"));
        TRY(floe_parse_query(p, &c->query));
        TRY(floe_parse_expect_op(p, ")", "after WITH query"));
        c->len = floe_parse_set_len(p, c->off);
    } while (floe_parse_accept_op(p, ","));
    *out = ctes;
    *out_n = n;
    return FLOE_OK;
}

/* ORDER BY items (after ORDER BY): expr [ASC|DESC] [NULLS FIRST|LAST], ... */
int floe_parse_order_by(floe_parser *p, floe_ast_order **out, int *out_n)
{
    floe_ast_order *items = NULL;
    int n = 0, cap = 0;
    do {
        floe_ast_order *o;
        TRY(floe_parse_grow(p, (void **)&items, n, &cap, sizeof *items));
        o = &items[n++];
        o->off = p->tok.off;
        TRY(floe_parse_expr(p, 0, &o->expr));
        if (floe_parse_accept_kw(p, "DESC")) o->desc = true;
        else floe_parse_accept_kw(p, "ASC");
        if (floe_parse_accept_kw(p, "NULLS")) {
            if (floe_parse_accept_kw(p, "FIRST")) o->nulls = FLOE_AST_NULLS_FIRST;
            else if (floe_parse_accept_kw(p, "LAST")) o->nulls = FLOE_AST_NULLS_LAST;
            else return floe_parse_syntax_error(p, "expected FIRST or LAST after NULLS");
        }
        o->len = floe_parse_set_len(p, o->off);
    } while (floe_parse_accept_op(p, ","));
    *out = items;
    *out_n = n;
    return FLOE_OK;
}

static int parse_query_in(floe_parser *p, floe_ast_query **out)
{
    floe_ast_cte *ctes = NULL;
    int nctes = 0, off = p->tok.off, with_off = -1;
    bool recursive = false;
    floe_ast_query *q;

    if (floe_parse_at_kw(p, "WITH")) {
        with_off = p->tok.off;
        TRY(parse_with(p, &ctes, &nctes, &recursive));
    }
    TRY(parse_set_expr(p, 0, &q));
    if (nctes) {
        if (q->nctes) return floe_parse_error_at(p, with_off, "multiple WITH clauses not allowed");
        q->ctes = ctes;
        q->nctes = nctes;
        q->recursive = recursive;
        q->off = off;
    }
    if (floe_parse_at_kw(p, "ORDER")) {
        int ooff = p->tok.off;
        floe_parse_advance(p);
        TRY(floe_parse_expect_kw(p, "BY", "after ORDER"));
        if (q->norder_by) return floe_parse_error_at(p, ooff, "multiple ORDER BY clauses not allowed");
        TRY(floe_parse_order_by(p, &q->order_by, &q->norder_by));
    }
    for (;;) {
        int loff = p->tok.off;
        if (floe_parse_accept_kw(p, "LIMIT")) {
            if (q->limit != NULL) return floe_parse_error_at(p, loff, "multiple LIMIT clauses not allowed");
            if (!floe_parse_accept_kw(p, "ALL")) TRY(floe_parse_expr(p, 0, &q->limit));
        } else if (floe_parse_accept_kw(p, "OFFSET")) {
            if (q->offset != NULL) return floe_parse_error_at(p, loff, "multiple OFFSET clauses not allowed");
            TRY(floe_parse_expr(p, 0, &q->offset));
            if (!floe_parse_accept_kw(p, "ROWS")) floe_parse_accept_kw(p, "ROW");
        } else {
            break;
        }
    }
    q->len = floe_parse_set_len(p, q->off);
    *out = q;
    return FLOE_OK;
}

int floe_parse_query(floe_parser *p, floe_ast_query **out)
{
    int rc;
    TRY(floe_parse_enter(p));
    rc = parse_query_in(p, out);
    p->depth--;
    return rc;
}

/* ------------------------------------------------------------ statements */

int floe_parser_new(const char *sql, size_t len, floe_parser **out, floe_err *err)
{
    floe_parser *p;
    *out = NULL;
    if (len > (size_t)INT32_MAX - 16)
        return floe_err_set(err, FLOE_RANGE, "SQL text too long (%zu bytes)", len);
    p = floe_calloc(1, sizeof *p);
    if (p == NULL) return floe_err_nomem(err);
    p->arena = floe_arena_new(0);
    if (p->arena == NULL) {
        floe_free(p);
        return floe_err_nomem(err);
    }
    floe_lexer_init(&p->lx, sql ? sql : "", sql ? len : 0);
    floe_err_clear(&p->lex_err);
    floe_err_clear(&p->sticky);
    /* prime the first token */
    p->tok.kind = FLOE_TOK_OP;
    p->tok.off = 0;
    p->tok.len = 0;
    floe_parse_advance(p);
    p->prev.off = 0;
    p->prev.len = 0;
    *out = p;
    return FLOE_OK;
}

void floe_parser_free(floe_parser *p)
{
    if (p == NULL) return;
    floe_arena_free(p->arena);
    floe_free(p);
}

static int fail(floe_parser *p, int rc, floe_err *err)
{
    p->sticky_rc = rc;
    if (err != NULL) p->sticky = *err;
    else floe_err_set(&p->sticky, rc, "%s", floe_errstr(rc));
    return rc;
}

int floe_parser_next(floe_parser *p, floe_ast_stmt **out_stmt, floe_err *err)
{
    floe_ast_stmt *s = NULL;
    int rc;
    floe_err local = FLOE_ERR_INIT;

    *out_stmt = NULL;
    if (err == NULL) err = &local;
    if (p->sticky_rc != FLOE_OK) {
        *err = p->sticky;
        return p->sticky_rc;
    }
    p->err = err;
    while (floe_parse_at_op(p, ";")) {
        floe_parse_advance(p);
        p->done_off = (size_t)end_of_prev(p);
    }
    if (p->tok.kind == FLOE_TOK_EOF) {
        p->done_off = p->lx.len;
        return FLOE_DONE;
    }
    p->depth = 0;
    rc = floe_parse_stmt(p, &s);
    if (rc == FLOE_OK && !floe_parse_at_op(p, ";") && p->tok.kind != FLOE_TOK_EOF)
        rc = floe_parse_syntax_error(p, NULL);
    if (rc != FLOE_OK) return fail(p, rc, err);
    if (floe_parse_at_op(p, ";")) floe_parse_advance(p);
    p->done_off = (size_t)end_of_prev(p);
    *out_stmt = s;
    return FLOE_ROW;
}

size_t floe_parser_offset(const floe_parser *p) { return p->done_off; }

int floe_parser_parse_one(const char *sql, size_t len, floe_parser **out_parser,
                          floe_ast_stmt **out_stmt, floe_err *err)
{
    floe_parser *p;
    floe_ast_stmt *extra;
    int rc;
    *out_stmt = NULL;
    TRY(floe_parser_new(sql, len, out_parser, err));
    p = *out_parser;
    rc = floe_parser_next(p, out_stmt, err);
    if (rc == FLOE_DONE) return floe_err_set_at(err, FLOE_PARSE, 0, "empty statement");
    if (rc != FLOE_ROW) return rc;
    rc = floe_parser_next(p, &extra, err);
    if (rc == FLOE_DONE) return FLOE_OK;
    *out_stmt = NULL;
    if (rc != FLOE_ROW) return rc;
    p->err = err;
    rc = with_pos(p, FLOE_PARSE, extra->off, "expected one statement, found more");
    return fail(p, rc, err);
}

int floe_parser_parse_expr(const char *sql, size_t len, floe_parser **out_parser,
                           floe_ast_expr **out_expr, floe_err *err)
{
    floe_parser *p;
    floe_err local = FLOE_ERR_INIT;
    int rc;
    *out_expr = NULL;
    TRY(floe_parser_new(sql, len, out_parser, err));
    p = *out_parser;
    p->err = err ? err : &local;
    rc = floe_parse_expr(p, 0, out_expr);
    if (rc == FLOE_OK && p->tok.kind != FLOE_TOK_EOF) rc = floe_parse_syntax_error(p, NULL);
    if (rc != FLOE_OK) {
        *out_expr = NULL;
        return fail(p, rc, p->err);
    }
    return FLOE_OK;
}
