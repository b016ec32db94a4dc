/* sql/parse_window.c: the window rules of the SQL parser: OVER name |
 * OVER (spec) after a call, the specification '(' [base] [PARTITION BY ...]
 * [ORDER BY ...] [ROWS|RANGE|GROUPS frame [EXCLUDE ...]] ')' also used by
 * the WINDOW clause, and the frame bounds. Split from sql/parser.c, whose
 * expression and ORDER BY rules it calls through sql/parse_internal.h. Same
 * contract as sql/parser.c: trees in the parser's arena, errors in p->err;
 * the binder (sql/bind_window.c) checks what the syntax allows but floe
 * does not support (chained named windows).
 */
#include <string.h>

#include "sql/parse_internal.h"

/* UNBOUNDED PRECEDING|FOLLOWING, CURRENT ROW, expr PRECEDING|FOLLOWING. */
static int parse_frame_bound(floe_parser *p, floe_ast_bound *b)
{
    if (floe_parse_accept_kw(p, "UNBOUNDED")) {
        if (floe_parse_accept_kw(p, "PRECEDING")) b->kind = FLOE_AST_BOUND_UNBOUNDED_PRECEDING;
        else if (floe_parse_accept_kw(p, "FOLLOWING")) b->kind = FLOE_AST_BOUND_UNBOUNDED_FOLLOWING;
        else return floe_parse_syntax_error(p, "expected PRECEDING or FOLLOWING after UNBOUNDED");
        return FLOE_OK;
    }
    if (floe_parse_accept_kw(p, "CURRENT")) {
        TRY(floe_parse_expect_kw(p, "ROW", "after CURRENT"));
        b->kind = FLOE_AST_BOUND_CURRENT;
        return FLOE_OK;
    }
    TRY(floe_parse_expr(p, PREC_ADD, &b->offset));
    if (floe_parse_accept_kw(p, "PRECEDING")) b->kind = FLOE_AST_BOUND_PRECEDING;
    else if (floe_parse_accept_kw(p, "FOLLOWING")) b->kind = FLOE_AST_BOUND_FOLLOWING;
    else return floe_parse_syntax_error(p, "expected PRECEDING or FOLLOWING after a frame offset");
    return FLOE_OK;
}

/* '(' [base] [PARTITION BY ...] [ORDER BY ...] [frame] ')' */
int floe_parse_window_spec(floe_parser *p, floe_ast_window **out)
{
    floe_ast_window *w = floe_parse_alloc(p, sizeof *w);
    floe_ast_expr **part = NULL;
    int np = 0, capp = 0;
    if (w == NULL) return floe_parse_nomem(p);
    memset(w, 0, sizeof *w);
    w->off = p->tok.off;
    TRY(floe_parse_expect_op(p, "(", "to start a window specification"));
    if ((p->tok.kind == FLOE_TOK_WORD && !floe_lexer_reserved(&p->lx, &p->tok) &&
         !floe_parse_at_kw(p, "PARTITION") && !floe_parse_at_kw(p, "ROWS") &&
         !floe_parse_at_kw(p, "RANGE") && !floe_parse_at_kw(p, "GROUPS")) ||
        p->tok.kind == FLOE_TOK_QIDENT)
        TRY(floe_parse_ident(p, &w->base, "window name"));
    if (floe_parse_accept_kw(p, "PARTITION")) {
        TRY(floe_parse_expect_kw(p, "BY", "after PARTITION"));
        do {
            floe_ast_expr *e;
            TRY(floe_parse_expr(p, 0, &e));
            PUSH_PTR(p, part, np, capp, e);
        } while (floe_parse_accept_op(p, ","));
        w->partition = part;
        w->npartition = np;
    }
    if (floe_parse_accept_kw(p, "ORDER")) {
        TRY(floe_parse_expect_kw(p, "BY", "after ORDER"));
        TRY(floe_parse_order_by(p, &w->order, &w->norder));
    }
    if (floe_parse_at_kw(p, "ROWS") || floe_parse_at_kw(p, "RANGE") || floe_parse_at_kw(p, "GROUPS")) {
        w->unit = floe_parse_at_kw(p, "ROWS") ? FLOE_AST_FRAME_ROWS
                  : floe_parse_at_kw(p, "RANGE") ? FLOE_AST_FRAME_RANGE : FLOE_AST_FRAME_GROUPS;
        floe_parse_advance(p);
        if (floe_parse_accept_kw(p, "BETWEEN")) {
            TRY(parse_frame_bound(p, &w->start));
            TRY(floe_parse_expect_kw(p, "AND", "between frame bounds"));
            TRY(parse_frame_bound(p, &w->end));
        } else {
            TRY(parse_frame_bound(p, &w->start));
            w->end.kind = FLOE_AST_BOUND_CURRENT;
        }
        if (floe_parse_accept_kw(p, "EXCLUDE")) {
            if (floe_parse_accept_kw(p, "CURRENT")) {
                TRY(floe_parse_expect_kw(p, "ROW", "after EXCLUDE CURRENT"));
                w->exclude = FLOE_AST_EXCLUDE_CURRENT;
            } else if (floe_parse_accept_kw(p, "GROUP")) {
                w->exclude = FLOE_AST_EXCLUDE_GROUP;
            } else if (floe_parse_accept_kw(p, "TIES")) {
                w->exclude = FLOE_AST_EXCLUDE_TIES;
            } else if (floe_parse_accept_kw(p, "NO")) {
                TRY(floe_parse_expect_kw(p, "OTHERS", "after EXCLUDE NO"));
            } else {
                return floe_parse_syntax_error(p, "expected CURRENT ROW, GROUP, TIES or NO OTHERS after EXCLUDE");
            }
        }
    }
    TRY(floe_parse_expect_op(p, ")", "to end a window specification"));
    w->len = floe_parse_set_len(p, w->off);
    *out = w;
    return FLOE_OK;
}

/* OVER name | OVER (spec), after a call. */
int floe_parse_over(floe_parser *p, floe_ast_expr *e)
{
    if (floe_parse_at_op(p, "(")) return floe_parse_window_spec(p, &e->call.over);
    e->call.over = floe_parse_alloc(p, sizeof *e->call.over);
    if (e->call.over == NULL) return floe_parse_nomem(p);
    memset(e->call.over, 0, sizeof *e->call.over);
    e->call.over->off = p->tok.off;
    TRY(floe_parse_ident(p, &e->call.over->base, "window name after OVER"));
    e->call.over->len = floe_parse_set_len(p, e->call.over->off);
    return FLOE_OK;
}
