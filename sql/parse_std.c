/* sql/parse_std.c: SQL-standard spellings that are rewritten while parsing.
 *
 *   substring(x FROM a [FOR b]), substring(x FOR b)  -> substring(x, a[, b])
 *   trim([BOTH|LEADING|TRAILING] [c] FROM x)         -> trim / ltrim / rtrim(x[, c])
 *   position(a IN b)                                 -> strpos(b, a)
 *   overlay(x PLACING y FROM a [FOR b])              -> substring(x, 1, a - 1) || y ||
 *                                                       substring(x, a + b); b defaults
 *                                                       to length(y)
 *   try_cast(x AS type)                              -> CAST with try_ (NULL on failure)
 *   x ~ p, x ~* p, x !~ p, x !~* p                   -> [NOT] regexp_full_match(x, p[, 'i'])
 *     (DuckDB: `~` matches the whole string, unlike PostgreSQL's search; ~* is
 *     the case-insensitive form, which DuckDB lacks)
 *   x [NOT] SIMILAR TO p [ESCAPE e]                  -> [NOT] regexp_full_match(x, p')
 *   EXTRACT(field FROM x)                            -> an EXTRACT node (field lower-cased)
 * where p' is the SIMILAR TO pattern translated to PCRE2 by the SQL
 * standard's and PostgreSQL's rules (not DuckDB's, which reads the pattern
 * as a regex): % is .*, _ is ., the escape character (default backslash)
 * quotes the next one, . ^ $ and other PCRE metacharacters are literal,
 * | * + ? {} () and bracket expressions keep their regex meaning; the
 * pattern must be a string literal. Nodes come from the parser's arena like
 * all others.
 */
#include <string.h>

#include "sql/parse_internal.h"
#include "util/strbuf.h"

static floe_ast_expr *call(floe_parser *p, const char *name, int off, int n, floe_ast_expr *a0,
                           floe_ast_expr *a1, floe_ast_expr *a2)
{
    floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_CALL, off);
    floe_ast_expr **args = floe_parse_alloc(p, 3 * sizeof *args);
    if (e == NULL || args == NULL) return NULL;
    args[0] = a0;
    args[1] = a1;
    args[2] = a2;
    e->call.name = name;
    e->call.args = args;
    e->call.nargs = n;
    return e;
}

static floe_ast_expr *int_lit(floe_parser *p, int64_t v, int off)
{
    floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_INT, off);
    if (e == NULL) return NULL;
    e->int_lit.text = v == 1 ? "1" : "?";
    e->int_lit.fits = true;
    e->int_lit.value = v;
    return e;
}

static floe_ast_expr *str_lit(floe_parser *p, const char *s, size_t n, int off)
{
    floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_STRING, off);
    char *c = floe_parse_alloc(p, n + 1);
    if (e == NULL || c == NULL) return NULL;
    memcpy(c, s, n);
    c[n] = '\0';
    e->str.s = c;
    e->str.n = n;
    return e;
}

static floe_ast_expr *binary(floe_parser *p, floe_ast_binop op, floe_ast_expr *l, floe_ast_expr *r)
{
    floe_ast_expr *e = floe_parse_new_expr(p, FLOE_AST_BINARY, l->off);
    if (e == NULL) return NULL;
    e->binary.op = op;
    e->binary.left = l;
    e->binary.right = r;
    return e;
}

/* The rest of a plain argument list after its first argument a0. */
static int rest_args(floe_parser *p, floe_ast_expr *e, floe_ast_expr *a0)
{
    floe_ast_expr **args = NULL;
    int n = 0, cap = 0;
    PUSH_PTR(p, args, n, cap, a0);
    while (floe_parse_accept_op(p, ",")) {
        floe_ast_expr *a;
        TRY(floe_parse_expr(p, 0, &a));
        PUSH_PTR(p, args, n, cap, a);
    }
    TRY(floe_parse_expect_op(p, ")", "after function arguments"));
    e->call.args = args;
    e->call.nargs = n;
    return FLOE_OK;
}

static int std_substring(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr *x, *a = NULL, *b = NULL;
    TRY(floe_parse_expr(p, 0, &x));
    if (!floe_parse_at_kw(p, "FROM") && !floe_parse_at_kw(p, "FOR")) return rest_args(p, e, x);
    if (floe_parse_accept_kw(p, "FROM")) TRY(floe_parse_expr(p, 0, &a));
    if (floe_parse_accept_kw(p, "FOR")) TRY(floe_parse_expr(p, 0, &b));
    TRY(floe_parse_expect_op(p, ")", "after substring arguments"));
    if (a == NULL && (a = int_lit(p, 1, e->off)) == NULL) return floe_parse_nomem(p);
    e->call.name = "substring";
    e->call.args = floe_parse_alloc(p, 3 * sizeof *e->call.args);
    if (e->call.args == NULL) return floe_parse_nomem(p);
    e->call.args[0] = x;
    e->call.args[1] = a;
    e->call.args[2] = b;
    e->call.nargs = b ? 3 : 2;
    return FLOE_OK;
}

static int std_trim(floe_parser *p, floe_ast_expr *e)
{
    const char *name = "trim";
    floe_ast_expr *c = NULL, *x;
    bool mode = false;
    if (floe_parse_accept_kw(p, "BOTH")) mode = true;
    else if (floe_parse_accept_kw(p, "LEADING")) mode = true, name = "ltrim";
    else if (floe_parse_accept_kw(p, "TRAILING")) mode = true, name = "rtrim";
    if (!floe_parse_accept_kw(p, "FROM")) {
        TRY(floe_parse_expr(p, 0, &c));
        if (!mode && !floe_parse_at_kw(p, "FROM")) return rest_args(p, e, c);
        TRY(floe_parse_expect_kw(p, "FROM", "in trim"));
    }
    TRY(floe_parse_expr(p, 0, &x));
    TRY(floe_parse_expect_op(p, ")", "after trim arguments"));
    e->call.name = name;
    e->call.args = floe_parse_alloc(p, 2 * sizeof *e->call.args);
    if (e->call.args == NULL) return floe_parse_nomem(p);
    e->call.args[0] = x;
    e->call.args[1] = c;
    e->call.nargs = c ? 2 : 1;
    return FLOE_OK;
}

static int std_position(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr *a, *b;
    TRY(floe_parse_expr(p, PREC_LIKE + 1, &a));
    if (!floe_parse_accept_kw(p, "IN")) return rest_args(p, e, a);
    TRY(floe_parse_expr(p, 0, &b));
    TRY(floe_parse_expect_op(p, ")", "after position arguments"));
    e->call.name = "strpos";
    e->call.args = floe_parse_alloc(p, 2 * sizeof *e->call.args);
    if (e->call.args == NULL) return floe_parse_nomem(p);
    e->call.args[0] = b;
    e->call.args[1] = a;
    e->call.nargs = 2;
    return FLOE_OK;
}

static int std_overlay(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr *x, *y, *a, *b = NULL, *one, *head, *tail, *r;
    TRY(floe_parse_expr(p, 0, &x));
    if (!floe_parse_at_kw(p, "PLACING")) return rest_args(p, e, x);
    floe_parse_advance(p);
    TRY(floe_parse_expr(p, 0, &y));
    TRY(floe_parse_expect_kw(p, "FROM", "in overlay"));
    TRY(floe_parse_expr(p, 0, &a));
    if (floe_parse_accept_kw(p, "FOR")) TRY(floe_parse_expr(p, 0, &b));
    TRY(floe_parse_expect_op(p, ")", "after overlay arguments"));
    if ((one = int_lit(p, 1, e->off)) == NULL) return floe_parse_nomem(p);
    if (b == NULL && (b = call(p, "length", e->off, 1, y, NULL, NULL)) == NULL)
        return floe_parse_nomem(p);
    head = call(p, "substring", e->off, 3, x, one, binary(p, FLOE_AST_SUB, a, one));
    tail = call(p, "substring", e->off, 2, x, binary(p, FLOE_AST_ADD, a, b), NULL);
    if (head == NULL || tail == NULL || head->call.args[2] == NULL || tail->call.args[1] == NULL)
        return floe_parse_nomem(p);
    if ((r = binary(p, FLOE_AST_CONCAT, binary(p, FLOE_AST_CONCAT, head, y), tail)) == NULL ||
        r->binary.left == NULL)
        return floe_parse_nomem(p);
    *e = *r;
    return FLOE_OK;
}

static int std_try_cast(floe_parser *p, floe_ast_expr *e)
{
    floe_ast_expr *x;
    TRY(floe_parse_expr(p, 0, &x));
    if (!floe_parse_at_kw(p, "AS")) return rest_args(p, e, x);
    floe_parse_advance(p);
    memset(&e->cast, 0, sizeof e->cast);
    e->kind = FLOE_AST_CAST;
    e->cast.arg = x;
    e->cast.try_ = true;
    TRY(floe_parse_type(p, &e->cast.type, &e->cast.type_name));
    TRY(floe_parse_expect_op(p, ")", "after try_cast type"));
    return FLOE_OK;
}

int floe_parse_std_call(floe_parser *p, floe_ast_expr *e, bool *done)
{
    const char *n = e->call.name;
    int (*f)(floe_parser *, floe_ast_expr *) = NULL;
    int rc;
    *done = false;
    if (strcmp(n, "substring") == 0) f = std_substring;
    else if (strcmp(n, "trim") == 0) f = std_trim;
    else if (strcmp(n, "position") == 0) f = std_position;
    else if (strcmp(n, "overlay") == 0) f = std_overlay;
    else if (strcmp(n, "try_cast") == 0) f = std_try_cast;
    if (f == NULL || !floe_parse_at_op(p, "(")) return FLOE_OK;
    floe_parse_advance(p); /* ( */
    rc = f(p, e);
    if (rc) return rc;
    e->len = floe_parse_set_len(p, e->off);
    *done = true;
    return FLOE_OK;
}

int floe_parse_regex_op(floe_parser *p, floe_ast_expr *left, floe_ast_expr **out)
{
    bool neg = floe_parse_at_op(p, "!~") || floe_parse_at_op(p, "!~*");
    bool icase = floe_parse_at_op(p, "~*") || floe_parse_at_op(p, "!~*");
    floe_ast_expr *right, *e, *opt = NULL;
    floe_parse_advance(p);
    TRY(floe_parse_expr(p, PREC_LIKE + 1, &right));
    if (icase && (opt = str_lit(p, "i", 1, left->off)) == NULL) return floe_parse_nomem(p);
    e = call(p, "regexp_full_match", left->off, icase ? 3 : 2, left, right, opt);
    if (e == NULL) return floe_parse_nomem(p);
    e->len = floe_parse_set_len(p, left->off);
    if (neg) {
        floe_ast_expr *n = floe_parse_new_expr(p, FLOE_AST_UNARY, left->off);
        if (n == NULL) return floe_parse_nomem(p);
        n->unary.op = FLOE_AST_NOT;
        n->unary.arg = e;
        n->len = e->len;
        e = n;
    }
    *out = e;
    return FLOE_OK;
}

/* SIMILAR TO pattern s[0..n) with escape character esc (0: none) as a PCRE2
 * pattern matched against the whole string. */
static int similar_to_pcre(floe_parser *p, int off, const char *s, size_t n, char esc, floe_strbuf *b)
{
    size_t i;
    floe_strbuf_puts(b, "(?s:");
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (esc && c == esc) {
            if (++i >= n)
                return floe_parse_error_at(p, off,
                                           "SIMILAR TO pattern ends with the escape character");
            c = s[i];
            if (strchr("\\^$.|?*+()[]{}", c)) floe_strbuf_putc(b, '\\');
            floe_strbuf_putc(b, c);
        } else if (c == '%') {
            floe_strbuf_puts(b, ".*");
        } else if (c == '_') {
            floe_strbuf_putc(b, '.');
        } else if (c == '[') {
            /* a bracket expression: copied up to its closing ']' */
            size_t j = i + 1;
            if (j < n && s[j] == '^') j++;
            if (j < n && s[j] == ']') j++;
            while (j < n && s[j] != ']') j++;
            if (j >= n) return floe_parse_error_at(p, off, "SIMILAR TO pattern: unterminated [");
            for (; i <= j; i++) {
                if (s[i] == '\\') floe_strbuf_putc(b, '\\');
                floe_strbuf_putc(b, s[i]);
            }
            i = j;
        } else if (strchr("|*+?{}()", c)) {
            floe_strbuf_putc(b, c);
        } else if (strchr("\\^$.", c)) {
            floe_strbuf_putc(b, '\\');
            floe_strbuf_putc(b, c);
        } else {
            floe_strbuf_putc(b, c);
        }
    }
    floe_strbuf_putc(b, ')');
    return FLOE_OK;
}

int floe_parse_similar(floe_parser *p, floe_ast_expr *left, floe_ast_expr **out)
{
    bool neg = floe_parse_accept_kw(p, "NOT");
    floe_ast_expr *pat, *esc = NULL, *e;
    floe_strbuf b = FLOE_STRBUF_INIT;
    char ec = '\\';
    int rc;
    TRY(floe_parse_expect_kw(p, "SIMILAR", "in SIMILAR TO"));
    TRY(floe_parse_expect_kw(p, "TO", "after SIMILAR"));
    TRY(floe_parse_expr(p, PREC_LIKE + 1, &pat));
    if (floe_parse_accept_kw(p, "ESCAPE")) {
        TRY(floe_parse_expr(p, PREC_LIKE + 1, &esc));
        if (esc->kind != FLOE_AST_STRING || esc->str.n > 1)
            return floe_parse_error_at(p, esc->off, "ESCAPE must be a string of at most one character");
        ec = esc->str.n ? esc->str.s[0] : 0;
    }
    if (pat->kind != FLOE_AST_STRING)
        return floe_parse_error_at(p, pat->off, "SIMILAR TO needs a constant string pattern");
    rc = similar_to_pcre(p, pat->off, pat->str.s, pat->str.n, ec, &b);
    if (rc == FLOE_OK && !floe_strbuf_ok(&b)) rc = floe_parse_nomem(p);
    if (rc == FLOE_OK) {
        floe_ast_expr *re = str_lit(p, floe_strbuf_str(&b), b.len, pat->off);
        e = re ? call(p, "regexp_full_match", left->off, 2, left, re, NULL) : NULL;
        if (e == NULL) rc = floe_parse_nomem(p);
    }
    floe_strbuf_free(&b);
    if (rc) return rc;
    e->len = floe_parse_set_len(p, left->off);
    if (neg) {
        floe_ast_expr *n = floe_parse_new_expr(p, FLOE_AST_UNARY, left->off);
        if (n == NULL) return floe_parse_nomem(p);
        n->unary.op = FLOE_AST_NOT;
        n->unary.arg = e;
        n->len = e->len;
        e = n;
    }
    *out = e;
    return FLOE_OK;
}

/* EXTRACT(field FROM expr), at EXTRACT followed by '('. */
int floe_parse_extract(floe_parser *p, int off, floe_ast_expr **out)
{
    floe_ast_expr *e;
    floe_token f;
    e = floe_parse_new_expr(p, FLOE_AST_EXTRACT, off);
    if (e == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    floe_parse_advance(p);
    f = p->tok;
    if (f.kind == FLOE_TOK_WORD) e->extract.field = floe_parse_lower_copy(p, &f);
    else if (floe_parse_is_string_tok(&f)) {
        char *s = floe_parse_unquote(p, &f, NULL);
        int i;
        if (s != NULL)
            for (i = 0; s[i]; i++)
                if (s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] + 32);
        e->extract.field = s;
    } else
        return floe_parse_syntax_error(p, "expected a field name in EXTRACT");
    if (e->extract.field == NULL) return floe_parse_nomem(p);
    floe_parse_advance(p);
    TRY(floe_parse_expect_kw(p, "FROM", "in EXTRACT"));
    TRY(floe_parse_expr(p, 0, &e->extract.arg));
    TRY(floe_parse_expect_op(p, ")", "after EXTRACT"));
    *out = e;
    return FLOE_OK;
}
