/* sql/parse_group.c: the GROUP BY clause of the SQL parser, with grouping
 * sets.
 *
 * GROUP BY item, ... where an item is an expression, `()` (the empty set),
 * a parenthesized list `(a, b)`, ROLLUP (e, ...), CUBE (e, ...) or GROUPING
 * SETS (element, ...) (elements: any of these, nested). ROLLUP and CUBE
 * elements may be parenthesized lists that act as one unit:
 * ROLLUP ((a, b), c). A clause made only of expressions stays a plain list
 * (select.group_by, ngroup_sets = 0), as before. Otherwise it is expanded as
 * PostgreSQL does: each item is a list of sets (ROLLUP (a, b) = (a, b), (a),
 * (); CUBE = every subset; GROUPING SETS = the concatenation of its
 * elements' lists), and the clause is the cross product of its items' lists
 * (each result set the union of one set of each). The distinct key
 * expressions (equal when they format to the same SQL text) go to
 * select.group_by in order of first appearance, and each set to
 * select.group_sets as a bit mask over them (bit k: group_by[k] is
 * grouped). Duplicate sets are kept: they give duplicate rows, as in
 * PostgreSQL and DuckDB.
 *
 * Limits: 64 distinct keys, 4096 sets (FLOE_PARSE errors naming them).
 * Same contract as sql/parser.c: trees in the parser's arena, errors in
 * p->err, one thread.
 */
#include <string.h>

#include "sql/parse_internal.h"
#include "util/mem.h"
#include "util/strbuf.h"

#define GS_MAX_KEYS 64
#define GS_MAX_SETS 4096

typedef struct gs_list {
    uint64_t *m; /* sets as key masks */
    int n, cap;
} gs_list;

typedef struct gs_state {
    floe_ast_expr **keys;
    const char **text; /* formatted keys, for equality */
    int nkeys, capk, capt;
    bool special;      /* some item was not a plain expression */
} gs_state;

static int gs_push(floe_parser *p, gs_list *l, uint64_t m)
{
    if (l->n >= GS_MAX_SETS) return floe_parse_error_at(p, p->tok.off, "GROUP BY expands to more than 4096 grouping sets");
    PUSH_PTR(p, l->m, l->n, l->cap, m);
    return FLOE_OK;
}

/* Index of key e (added when new). */
static int gs_key(floe_parser *p, gs_state *st, floe_ast_expr *e, int *out)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    char *t;
    int i;
    floe_ast_format_expr(e, &sb);
    if (!floe_strbuf_ok(&sb)) {
        floe_strbuf_free(&sb);
        return floe_parse_nomem(p);
    }
    for (i = 0; i < st->nkeys; i++)
        if (strcmp(st->text[i], floe_strbuf_str(&sb)) == 0) {
            floe_strbuf_free(&sb);
            *out = i;
            return FLOE_OK;
        }
    t = floe_arena_memdup(p->arena, floe_strbuf_str(&sb), sb.len + 1);
    floe_strbuf_free(&sb);
    if (t == NULL) return floe_parse_nomem(p);
    if (st->nkeys >= GS_MAX_KEYS) return floe_parse_error_at(p, e->off, "GROUP BY has more than 64 grouping keys");
    {
        int nk = st->nkeys;
        PUSH_PTR(p, st->text, nk, st->capt, t);
    }
    PUSH_PTR(p, st->keys, st->nkeys, st->capk, e);
    *out = st->nkeys - 1;
    return FLOE_OK;
}

/* At '(': whether the parenthesized tokens are followed by ',' or ')' (a
 * list, or the empty set), or, at the top level (`top`), by anything that
 * cannot continue an expression. */
static int paren_is_list(const floe_parser *p, int top)
{
    floe_lexer lx = p->lx;
    floe_token t = p->tok;
    int depth = 0;
    static const char *const cont[] = {"AND", "OR", "IS", "IN", "LIKE", "ILIKE", "BETWEEN", "NOT",
                                       "SIMILAR", "COLLATE"};
    size_t i;
    floe_token n1 = floe_parse_peek(p, 1);
    if (floe_parse_starts_query(p, &n1)) return 0; /* (SELECT ...): a scalar subquery */
    for (;;) {
        if (t.kind == FLOE_TOK_EOF || t.kind == FLOE_TOK_ERROR) return 0;
        if (floe_parse_is_op(p, &t, "(")) depth++;
        else if (floe_parse_is_op(p, &t, ")") && --depth == 0) break;
        if (floe_lexer_next(&lx, &t, NULL) != FLOE_OK) return 0;
    }
    if (floe_lexer_next(&lx, &t, NULL) != FLOE_OK) return 0;
    if (floe_parse_is_op(p, &t, ",") || floe_parse_is_op(p, &t, ")")) return 1;
    if (!top) return 0;
    if (t.kind == FLOE_TOK_EOF || floe_parse_is_op(p, &t, ";")) return 1;
    if (t.kind == FLOE_TOK_OP) return 0;
    for (i = 0; i < sizeof cont / sizeof cont[0]; i++)
        if (floe_lexer_is(&lx, &t, cont[i])) return 0;
    return t.kind == FLOE_TOK_WORD;
}

/* At '(' of a list: '(' [expr, ...] ')' as one set mask. */
static int parse_key_list(floe_parser *p, gs_state *st, uint64_t *out)
{
    *out = 0;
    floe_parse_advance(p); /* ( */
    if (floe_parse_accept_op(p, ")")) return FLOE_OK;
    do {
        floe_ast_expr *e;
        int k;
        TRY(floe_parse_expr(p, 0, &e));
        TRY(gs_key(p, st, e, &k));
        *out |= 1ull << k;
    } while (floe_parse_accept_op(p, ","));
    return floe_parse_expect_op(p, ")", "after a grouping set");
}

/* A ROLLUP / CUBE element: a parenthesized list or one expression. */
static int parse_unit(floe_parser *p, gs_state *st, uint64_t *out)
{
    floe_ast_expr *e;
    int k;
    if (floe_parse_at_op(p, "(") && paren_is_list(p, 0)) return parse_key_list(p, st, out);
    TRY(floe_parse_expr(p, 0, &e));
    TRY(gs_key(p, st, e, &k));
    *out = 1ull << k;
    return FLOE_OK;
}

static int at_construct(const floe_parser *p, const char *word)
{
    floe_token n1 = floe_parse_peek(p, 1);
    if (!floe_parse_at_kw(p, word)) return 0;
    if (strcmp(word, "GROUPING") == 0) return floe_lexer_is(&p->lx, &n1, "SETS");
    return floe_parse_is_op(p, &n1, "(");
}

static int parse_element(floe_parser *p, gs_state *st, gs_list *out, int top);

/* ROLLUP (u, ...) / CUBE (u, ...) at the word. */
static int parse_rollup_cube(floe_parser *p, gs_state *st, gs_list *out, int cube)
{
    uint64_t units[GS_MAX_KEYS];
    int n = 0, i;
    floe_parse_advance(p);
    TRY(floe_parse_expect_op(p, "(", cube ? "after CUBE" : "after ROLLUP"));
    do {
        if (n >= GS_MAX_KEYS) return floe_parse_syntax_error(p, "at most 64 elements");
        TRY(parse_unit(p, st, &units[n]));
        n++;
    } while (floe_parse_accept_op(p, ","));
    TRY(floe_parse_expect_op(p, ")", cube ? "to close CUBE" : "to close ROLLUP"));
    if (!cube) {
        for (i = n; i >= 0; i--) {
            uint64_t m = 0;
            int j;
            for (j = 0; j < i; j++) m |= units[j];
            TRY(gs_push(p, out, m));
        }
        return FLOE_OK;
    }
    if (n > 12) return floe_parse_error_at(p, p->prev.off, "CUBE of more than 12 elements");
    for (i = 0; i < (1 << n); i++) {
        /* all elements first, the empty set last (PostgreSQL's order) */
        uint64_t m = 0;
        int j, sub = (1 << n) - 1 - i;
        for (j = 0; j < n; j++)
            if (sub & (1 << (n - 1 - j))) m |= units[j];
        TRY(gs_push(p, out, m));
    }
    return FLOE_OK;
}

/* GROUPING SETS (element, ...) at GROUPING. */
static int parse_grouping_sets(floe_parser *p, gs_state *st, gs_list *out)
{
    floe_parse_advance(p); /* GROUPING */
    floe_parse_advance(p); /* SETS */
    TRY(floe_parse_expect_op(p, "(", "after GROUPING SETS"));
    do {
        TRY(parse_element(p, st, out, 0));
    } while (floe_parse_accept_op(p, ","));
    return floe_parse_expect_op(p, ")", "to close GROUPING SETS");
}

/* One GROUP BY item (top) or GROUPING SETS element: its sets appended to out. */
static int parse_element(floe_parser *p, gs_state *st, gs_list *out, int top)
{
    uint64_t m;
    if (floe_parse_enter(p) != FLOE_OK) return floe_parse_syntax_error(p, "GROUP BY nested too deeply");
    if (at_construct(p, "ROLLUP") || at_construct(p, "CUBE")) {
        int rc = parse_rollup_cube(p, st, out, floe_parse_at_kw(p, "CUBE"));
        st->special = true;
        p->depth--;
        return rc;
    }
    if (at_construct(p, "GROUPING")) {
        int rc = parse_grouping_sets(p, st, out);
        st->special = true;
        p->depth--;
        return rc;
    }
    p->depth--;
    if (floe_parse_at_op(p, "(") && paren_is_list(p, top)) {
        floe_token n1 = floe_parse_peek(p, 1);
        if (floe_parse_is_op(p, &n1, ")") || !top) st->special = true;
        TRY(parse_key_list(p, st, &m));
        return gs_push(p, out, m);
    }
    {
        floe_ast_expr *e;
        int k;
        TRY(floe_parse_expr(p, 0, &e));
        TRY(gs_key(p, st, e, &k));
        return gs_push(p, out, 1ull << k);
    }
}

/* After GROUP BY: the items into q->select (group_by, group_sets). */
int floe_parse_group_by(floe_parser *p, floe_ast_query *q)
{
    gs_state st;
    gs_list acc = {NULL, 0, 0};
    floe_ast_expr **plain = NULL;
    int nplain = 0, capplain = 0, first = 1;
    memset(&st, 0, sizeof st);
    TRY(gs_push(p, &acc, 0));
    do {
        gs_list item = {NULL, 0, 0}, prod = {NULL, 0, 0};
        int i, j, before = st.nkeys;
        if (!floe_parse_at_op(p, "(") && !at_construct(p, "ROLLUP") && !at_construct(p, "CUBE") &&
            !at_construct(p, "GROUPING")) {
            /* a plain expression: also kept as written for a plain list */
            floe_ast_expr *e;
            int k;
            TRY(floe_parse_expr(p, 0, &e));
            PUSH_PTR(p, plain, nplain, capplain, e);
            TRY(gs_key(p, &st, e, &k));
            TRY(gs_push(p, &item, 1ull << k));
        } else {
            TRY(parse_element(p, &st, &item, 1));
            /* a parenthesized list at the top level: its keys as written */
            for (i = before; i < st.nkeys; i++) PUSH_PTR(p, plain, nplain, capplain, st.keys[i]);
        }
        for (i = 0; i < acc.n; i++)
            for (j = 0; j < item.n; j++) TRY(gs_push(p, &prod, acc.m[i] | item.m[j]));
        acc = prod;
        first = 0;
    } while (floe_parse_accept_op(p, ","));
    (void)first;
    if (!st.special) {
        q->select.group_by = plain;
        q->select.ngroup_by = nplain;
        return FLOE_OK;
    }
    q->select.group_by = st.keys;
    q->select.ngroup_by = st.nkeys;
    q->select.group_sets = acc.m;
    q->select.ngroup_sets = acc.n;
    return FLOE_OK;
}
