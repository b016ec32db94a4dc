/* sql/bind_cte.c: how often a WITH query is referenced, so that one used
 * more than once is computed once.
 *
 * floe_binder_cte_refs counts the FROM items naming a CTE in the scope where
 * it is visible: the body of the query that defines it (select list, FROM,
 * WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY, set operation operands, and
 * every subquery inside them, in expressions too) and the bodies of the CTEs
 * defined after it in the same WITH list. A nested WITH that redefines the
 * name is not looked through (its references are to the inner CTE). The
 * count may be low where the walk does not look (window specifications),
 * which only costs sharing, never correctness: the binder inlines a CTE
 * counted once, and makes every reference of one counted twice or more a
 * CTE_SCAN of one shared plan (engine/op_cte.c materializes it once).
 *
 * Pure functions over the AST; thread-safe.
 */
#include "sql/bind_internal.h"

#include <string.h>

static uint32_t refs_query(const floe_ast_query *q, const char *name);

static uint32_t refs_expr(const floe_ast_expr *e, const char *name)
{
    uint32_t n = 0;
    int i;
    if (e == NULL) return 0;
    switch (e->kind) {
    case FLOE_AST_INTERVAL: return refs_expr(e->interval.value, name);
    case FLOE_AST_UNARY: return refs_expr(e->unary.arg, name);
    case FLOE_AST_BINARY: return refs_expr(e->binary.left, name) + refs_expr(e->binary.right, name);
    case FLOE_AST_IS: return refs_expr(e->is.arg, name) + refs_expr(e->is.right, name);
    case FLOE_AST_BETWEEN:
        return refs_expr(e->between.arg, name) + refs_expr(e->between.lo, name) +
               refs_expr(e->between.hi, name);
    case FLOE_AST_IN_LIST:
        n = refs_expr(e->in_list.arg, name);
        for (i = 0; i < e->in_list.nitems; i++) n += refs_expr(e->in_list.items[i], name);
        return n;
    case FLOE_AST_IN_QUERY: return refs_expr(e->in_query.arg, name) + refs_query(e->in_query.query, name);
    case FLOE_AST_LIKE:
        return refs_expr(e->like.arg, name) + refs_expr(e->like.pattern, name) +
               refs_expr(e->like.escape, name);
    case FLOE_AST_EXISTS:
    case FLOE_AST_SUBQUERY: return refs_query(e->subquery.query, name);
    case FLOE_AST_CALL:
        for (i = 0; i < e->call.nargs; i++) n += refs_expr(e->call.args[i], name);
        return n + refs_expr(e->call.filter, name) + refs_expr(e->call.within, name);
    case FLOE_AST_CAST: return refs_expr(e->cast.arg, name);
    case FLOE_AST_CASE:
        n = refs_expr(e->case_.operand, name) + refs_expr(e->case_.else_, name);
        for (i = 0; i < e->case_.nwhens; i++)
            n += refs_expr(e->case_.whens[i], name) + refs_expr(e->case_.thens[i], name);
        return n;
    case FLOE_AST_EXTRACT: return refs_expr(e->extract.arg, name);
    default: return 0;
    }
}

static uint32_t refs_from(const floe_ast_from *f, const char *name)
{
    switch (f->kind) {
    case FLOE_AST_FROM_TABLE: return strcmp(f->table, name) == 0 ? 1 : 0;
    case FLOE_AST_FROM_SUBQUERY: return refs_query(f->query, name);
    case FLOE_AST_FROM_JOIN:
        return refs_from(f->join.left, name) + refs_from(f->join.right, name) +
               refs_expr(f->join.on, name);
    case FLOE_AST_FROM_FUNCTION: return 0; /* arguments are constants */
    }
    return 0;
}

/* References in q's body (not its own WITH list, which refs_scope handles). */
static uint32_t refs_body(const floe_ast_query *q, const char *name)
{
    uint32_t n = 0;
    int i, j;
    for (i = 0; i < q->norder_by; i++) n += refs_expr(q->order_by[i].expr, name);
    n += refs_expr(q->limit, name) + refs_expr(q->offset, name);
    switch (q->kind) {
    case FLOE_AST_Q_SELECT:
        for (i = 0; i < q->select.ntargets; i++) n += refs_expr(q->select.targets[i].expr, name);
        for (i = 0; i < q->select.nfrom; i++) n += refs_from(q->select.from[i], name);
        n += refs_expr(q->select.where, name) + refs_expr(q->select.having, name) +
             refs_expr(q->select.qualify, name);
        for (i = 0; i < q->select.ngroup_by; i++) n += refs_expr(q->select.group_by[i], name);
        break;
    case FLOE_AST_Q_SETOP: n += refs_query(q->setop.left, name) + refs_query(q->setop.right, name); break;
    case FLOE_AST_Q_VALUES:
        for (i = 0; i < q->values.nrows; i++)
            for (j = 0; j < q->values.ncols; j++) n += refs_expr(q->values.rows[i][j], name);
        break;
    }
    return n;
}

static uint32_t refs_query(const floe_ast_query *q, const char *name)
{
    uint32_t n = 0;
    int i;
    if (q == NULL) return 0;
    for (i = 0; i < q->nctes; i++) {
        if (strcmp(q->ctes[i].name, name) == 0) return n; /* shadowed from here on */
        n += refs_query(q->ctes[i].query, name);
    }
    return n + refs_body(q, name);
}

uint32_t floe_binder_cte_refs(const floe_ast_query *q, int i)
{
    const char *name = q->ctes[i].name;
    uint32_t n = 0;
    int j;
    for (j = i + 1; j < q->nctes; j++) {
        if (strcmp(q->ctes[j].name, name) == 0) return n;
        n += refs_query(q->ctes[j].query, name);
    }
    return n + refs_body(q, name);
}
