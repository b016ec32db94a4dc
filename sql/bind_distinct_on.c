/* sql/bind_distinct_on.c: SELECT DISTINCT ON (exprs) as a QUALIFY rewrite.
 *
 * PostgreSQL / DuckDB semantics: of each group of rows with equal exprs
 * (NULLs equal), keep the first by the query's ORDER BY (an arbitrary one
 * without it). The SELECT is rebound as
 *   SELECT ... QUALIFY row_number() OVER (PARTITION BY exprs ORDER BY o) = 1
 *   ORDER BY o
 * so the window operator does the work (sort-based, parallel over
 * partitions). In the DISTINCT ON list and in the window's ORDER BY an
 * integer literal k names the k-th select item and an unqualified name
 * equal to a select alias that is not a FROM column names that item, as
 * in ORDER BY. The rewritten AST is an arena copy (the input is not
 * touched); it lives as long as the binder's arena.
 */
#include "sql/bind_internal.h"

#include <string.h>

static floe_ast_expr *new_expr(binder *b, floe_ast_expr_kind k, int off)
{
    floe_ast_expr *e = floe_arena_alloc(b->a, sizeof *e);
    if (e == NULL) return NULL;
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->off = off;
    return e;
}

/* The select item an ordinal or output alias refers to, else e itself. */
static floe_ast_expr *target_of(const floe_ast_query *q, floe_ast_expr *e)
{
    int i;
    if (e->kind == FLOE_AST_INT && e->int_lit.fits && e->int_lit.value >= 1 &&
        e->int_lit.value <= q->select.ntargets) {
        floe_ast_expr *t = q->select.targets[e->int_lit.value - 1].expr;
        return t->kind == FLOE_AST_STAR ? e : t;
    }
    if (e->kind == FLOE_AST_COLUMN && e->column.table == NULL)
        for (i = 0; i < q->select.ntargets; i++) {
            const floe_ast_target *t = &q->select.targets[i];
            if (t->alias && strcmp(t->alias, e->column.name) == 0 &&
                !(t->expr->kind == FLOE_AST_COLUMN && strcmp(t->expr->column.name, t->alias) == 0))
                return t->expr;
        }
    return e;
}

int floe_binder_distinct_on(binder *b, const floe_ast_query *q, const floe_ast_query **out)
{
    floe_ast_query *c = floe_arena_alloc(b->a, sizeof *c);
    floe_ast_window *w = floe_arena_alloc(b->a, sizeof *w);
    floe_ast_expr *rn = new_expr(b, FLOE_AST_CALL, q->off);
    floe_ast_expr *one = new_expr(b, FLOE_AST_INT, q->off);
    floe_ast_expr *eq = new_expr(b, FLOE_AST_BINARY, q->off);
    int i, n = q->select.ndistinct_on;
    if (c == NULL || w == NULL || rn == NULL || one == NULL || eq == NULL)
        return floe_binder_nomem(b);
    *c = *q;
    memset(w, 0, sizeof *w);
    w->off = q->off;
    w->partition = floe_arena_alloc(b->a, (size_t)n * sizeof *w->partition);
    if (w->partition == NULL) return floe_binder_nomem(b);
    for (i = 0; i < n; i++) w->partition[i] = target_of(q, q->select.distinct_on[i]);
    w->npartition = n;
    if (q->norder_by) {
        w->order = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *w->order);
        if (w->order == NULL) return floe_binder_nomem(b);
        for (i = 0; i < q->norder_by; i++) {
            w->order[i] = q->order_by[i];
            w->order[i].expr = target_of(q, q->order_by[i].expr);
        }
        w->norder = q->norder_by;
    }
    rn->call.name = "row_number";
    rn->call.over = w;
    one->int_lit.text = "1";
    one->int_lit.fits = true;
    one->int_lit.value = 1;
    eq->binary.op = FLOE_AST_EQ;
    eq->binary.left = rn;
    eq->binary.right = one;
    if (q->select.qualify) {
        floe_ast_expr *and = new_expr(b, FLOE_AST_BINARY, q->off);
        if (and == NULL) return floe_binder_nomem(b);
        and->binary.op = FLOE_AST_AND;
        and->binary.left = q->select.qualify;
        and->binary.right = eq;
        eq = and;
    }
    c->select.qualify = eq;
    c->select.distinct_on = NULL;
    c->select.ndistinct_on = 0;
    *out = c;
    return FLOE_OK;
}
