/* tests/unit/sql/binder_testlib.h: fake catalog, binding helper and a small
 * plan printer shared by the binder and planner tests (header-only). */
#ifndef FLOE_TEST_BINDER_TESTLIB_H
#define FLOE_TEST_BINDER_TESTLIB_H

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/aggregates.h"
#include "engine/functions.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "util/strbuf.h"

typedef struct fake_table {
    const char *name;
    floe_cat_column cols[8];
    uint32_t ncols;
    double nrows;
} fake_table;

#define TY(id) {FLOE_TYPE_##id, 0, 0}
#define DEC(p, s) {FLOE_TYPE_DECIMAL, p, s}

static fake_table fake_tables[] = {
    {"t",
     {{"a", TY(INTEGER), false, false, {TY(NULL), true, {0}}},
      {"b", TY(BIGINT), false, false, {TY(NULL), true, {0}}},
      {"c", TY(VARCHAR), false, false, {TY(NULL), true, {0}}},
      {"d", TY(DOUBLE), false, false, {TY(NULL), true, {0}}},
      {"e", TY(DATE), false, false, {TY(NULL), true, {0}}},
      {"f", TY(TIMESTAMP), false, false, {TY(NULL), true, {0}}},
      {"g", DEC(15, 2), false, false, {TY(NULL), true, {0}}}},
     7,
     1000},
    {"u",
     {{"a", TY(INTEGER), true, false, {TY(NULL), true, {0}}},
      {"x", TY(VARCHAR), false, true, {TY(VARCHAR), false, {.s = {"dflt", 4}}}}},
     2,
     10},
    {"lineitem",
     {{"l_orderkey", TY(BIGINT), false, false, {TY(NULL), true, {0}}},
      {"l_quantity", DEC(15, 2), false, false, {TY(NULL), true, {0}}},
      {"l_extendedprice", DEC(15, 2), false, false, {TY(NULL), true, {0}}},
      {"l_discount", TY(DOUBLE), false, false, {TY(NULL), true, {0}}},
      {"l_shipdate", TY(DATE), false, false, {TY(NULL), true, {0}}}},
     5,
     6000000},
    {"orders",
     {{"o_orderkey", TY(BIGINT), false, false, {TY(NULL), true, {0}}},
      {"o_custkey", TY(BIGINT), false, false, {TY(NULL), true, {0}}},
      {"o_orderdate", TY(DATE), false, false, {TY(NULL), true, {0}}},
      {"o_totalprice", DEC(15, 2), false, false, {TY(NULL), true, {0}}}},
     4,
     1500000},
    {"customer",
     {{"c_custkey", TY(BIGINT), false, false, {TY(NULL), true, {0}}},
      {"c_name", TY(VARCHAR), false, false, {TY(NULL), true, {0}}},
      {"c_nationkey", TY(INTEGER), false, false, {TY(NULL), true, {0}}}},
     3,
     150000},
    {"nation",
     {{"n_nationkey", TY(INTEGER), false, false, {TY(NULL), true, {0}}},
      {"n_name", TY(VARCHAR), false, false, {TY(NULL), true, {0}}}},
     2,
     25},
};
#define NFAKE (sizeof fake_tables / sizeof fake_tables[0])

static int fake_find(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    uint32_t i;
    (void)self;
    (void)err;
    for (i = 0; i < NFAKE; i++)
        if (strcasecmp(fake_tables[i].name, name) == 0) {
            out->name = fake_tables[i].name;
            out->cols = fake_tables[i].cols;
            out->ncols = fake_tables[i].ncols;
            out->nrows = fake_tables[i].nrows;
            out->table_ref = &fake_tables[i];
            out->ndv = NULL;
            return FLOE_OK;
        }
    return FLOE_NOTFOUND;
}
static uint32_t fake_count(void *self)
{
    (void)self;
    return NFAKE;
}
static const char *fake_name(void *self, uint32_t i)
{
    (void)self;
    return fake_tables[i].name;
}
static const floe_sql_catalog fake_cat = {NULL, fake_find, fake_count, fake_name, NULL, NULL};

#define TEST_NOW_US 1700000000000000LL

/* Parse and bind one statement. */
static inline int bind_sql(const char *sql, floe_bound_stmt **out, floe_err *err)
{
    floe_parser *p = NULL;
    floe_ast_stmt *st = NULL;
    int rc = floe_parser_parse_one(sql, strlen(sql), &p, &st, err);
    if (rc == FLOE_OK) rc = floe_bind_statement(st, sql, &fake_cat, TEST_NOW_US, out, err);
    floe_parser_free(p);
    return rc;
}

/* ------------------------------------------------------------ printer */

/* Function names come from the registry; unary minus prints as "neg". */
static const char *fn_name(floe_fn fn)
{
    return fn == FLOE_FN_NEG ? "neg" : floe_functions_get(fn)->name;
}

static void pr_type(floe_strbuf *o, floe_type t)
{
    char b[32];
    floe_strbuf_puts(o, floe_type_name(t, b, sizeof b));
}

static void pr_expr(floe_strbuf *o, const floe_expr *e);

static void pr_args(floe_strbuf *o, const floe_expr *e, uint32_t from)
{
    uint32_t i;
    for (i = from; i < e->nargs; i++) {
        if (i > from) floe_strbuf_puts(o, ", ");
        pr_expr(o, e->args[i]);
    }
}

static void pr_plan_rec(floe_strbuf *o, const floe_plan *p, int ind);

static void pr_expr(floe_strbuf *o, const floe_expr *e)
{
    char b[128];
    uint32_t i;
    switch (e->kind) {
    case FLOE_EXPR_CONST:
        floe_value_format(&e->value, b, sizeof b);
        if (e->type.id == FLOE_TYPE_VARCHAR) floe_strbuf_printf(o, "'%s'", b);
        else {
            floe_strbuf_puts(o, b);
            floe_strbuf_putc(o, ':');
            pr_type(o, e->type);
        }
        break;
    case FLOE_EXPR_COLUMN: floe_strbuf_printf(o, "#%u", e->index); break;
    case FLOE_EXPR_PARAM: floe_strbuf_printf(o, "$%u", e->index); break;
    case FLOE_EXPR_CALL:
        if (e->nargs == 2 && (e->fn <= FLOE_FN_MOD || (e->fn >= FLOE_FN_EQ && e->fn <= FLOE_FN_GE) ||
                              e->fn == FLOE_FN_CONCAT_OP)) {
            floe_strbuf_putc(o, '(');
            pr_expr(o, e->args[0]);
            floe_strbuf_printf(o, " %s ", fn_name(e->fn));
            pr_expr(o, e->args[1]);
            floe_strbuf_putc(o, ')');
        } else {
            floe_strbuf_printf(o, "%s(", fn_name(e->fn));
            pr_args(o, e, 0);
            floe_strbuf_putc(o, ')');
        }
        break;
    case FLOE_EXPR_CAST:
        floe_strbuf_puts(o, "CAST(");
        pr_expr(o, e->args[0]);
        floe_strbuf_puts(o, " AS ");
        pr_type(o, e->type);
        floe_strbuf_putc(o, ')');
        break;
    case FLOE_EXPR_AND:
    case FLOE_EXPR_OR:
        floe_strbuf_putc(o, '(');
        for (i = 0; i < e->nargs; i++) {
            if (i) floe_strbuf_puts(o, e->kind == FLOE_EXPR_AND ? " AND " : " OR ");
            pr_expr(o, e->args[i]);
        }
        floe_strbuf_putc(o, ')');
        break;
    case FLOE_EXPR_NOT:
        floe_strbuf_puts(o, "NOT ");
        pr_expr(o, e->args[0]);
        break;
    case FLOE_EXPR_IS_NULL:
        pr_expr(o, e->args[0]);
        floe_strbuf_puts(o, e->negated ? " IS NOT NULL" : " IS NULL");
        break;
    case FLOE_EXPR_CASE:
        floe_strbuf_puts(o, "CASE(");
        pr_args(o, e, 0);
        floe_strbuf_puts(o, e->has_else ? " else)" : ")");
        break;
    case FLOE_EXPR_IN_LIST:
        pr_expr(o, e->args[0]);
        floe_strbuf_puts(o, e->negated ? " NOT IN (" : " IN (");
        pr_args(o, e, 1);
        floe_strbuf_putc(o, ')');
        break;
    case FLOE_EXPR_LIKE:
        pr_expr(o, e->args[0]);
        floe_strbuf_printf(o, " %s%s ", e->negated ? "NOT " : "", e->ilike ? "ILIKE" : "LIKE");
        pr_expr(o, e->args[1]);
        break;
    case FLOE_EXPR_COALESCE:
        floe_strbuf_puts(o, "coalesce(");
        pr_args(o, e, 0);
        floe_strbuf_putc(o, ')');
        break;
    case FLOE_EXPR_SUBQUERY:
        floe_strbuf_printf(o, "SUBQ(%s%s%s", e->negated ? "NOT " : "",
                           e->subq_kind == FLOE_SUBQ_SCALAR   ? "scalar"
                           : e->subq_kind == FLOE_SUBQ_EXISTS ? "exists"
                                                              : "in",
                           e->correlated ? " correlated" : "");
        if (e->nargs) {
            floe_strbuf_puts(o, " args=");
            pr_args(o, e, 0);
        }
        floe_strbuf_puts(o, ")");
        break;
    }
}

static const char *kind_names[] = {"SCAN",  "FILTER", "PROJECT",   "AGGREGATE", "SORT",   "TOPN",
                                   "LIMIT", "HASH_JOIN", "NL_JOIN", "UNION_ALL", "VALUES", "DISTINCT",
                                   "WINDOW", "RECURSIVE", "WORKTABLE", "LATERAL", "ASOF_JOIN",
                                   "CTE_SCAN"};
static const char *join_names[] = {"INNER", "LEFT", "SEMI", "ANTI", "MARK", "RIGHT", "FULL"};
static const char *agg_names[] = {"count_star", "count", "sum", "avg", "min", "max",
                                  "approx_count_distinct", "quantile", "median", "any_value"};
static const char *pred_ops[] = {"=", "<>", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"};

static void pr_plan_rec(floe_strbuf *o, const floe_plan *p, int ind)
{
    uint32_t i;
    floe_strbuf_printf(o, "%*s%s", ind * 2, "", kind_names[p->kind]);
    switch (p->kind) {
    case FLOE_PLAN_SCAN:
        floe_strbuf_printf(o, " %s cols=[", p->u.scan.table_name);
        for (i = 0; i < p->ncols; i++) floe_strbuf_printf(o, "%s%s", i ? "," : "", p->names[i]);
        floe_strbuf_puts(o, "]");
        for (i = 0; i < p->u.scan.npreds; i++) {
            char b[64];
            const floe_scan_pred *sp = &p->u.scan.preds[i];
            floe_strbuf_printf(o, " pred(c%u %s", sp->col, pred_ops[sp->op]);
            if (sp->op < FLOE_PRED_IS_NULL) {
                floe_value_format(&sp->value, b, sizeof b);
                floe_strbuf_printf(o, " %s:", b);
                pr_type(o, sp->value.type);
            }
            floe_strbuf_puts(o, ")");
        }
        if (p->u.scan.filter) {
            floe_strbuf_puts(o, " filter=");
            pr_expr(o, p->u.scan.filter);
        }
        break;
    case FLOE_PLAN_FILTER:
        floe_strbuf_puts(o, " ");
        pr_expr(o, p->u.filter.pred);
        break;
    case FLOE_PLAN_PROJECT:
        for (i = 0; i < p->ncols; i++) {
            floe_strbuf_puts(o, i ? ", " : " ");
            pr_expr(o, p->u.project.exprs[i]);
        }
        break;
    case FLOE_PLAN_AGGREGATE:
        floe_strbuf_puts(o, " groups=[");
        for (i = 0; i < p->u.agg.ngroups; i++) {
            if (i) floe_strbuf_puts(o, ", ");
            pr_expr(o, p->u.agg.groups[i]);
        }
        floe_strbuf_puts(o, "] aggs=[");
        for (i = 0; i < p->u.agg.naggs; i++) {
            const floe_agg *g = &p->u.agg.aggs[i];
            if (i) floe_strbuf_puts(o, ", ");
            floe_strbuf_printf(o, "%s(%s",
                               (size_t)g->fn < sizeof agg_names / sizeof *agg_names
                                   ? agg_names[g->fn]
                                   : floe_aggregates_get(g->fn)->name,
                               g->distinct ? "DISTINCT " : "");
            if (g->arg) pr_expr(o, g->arg);
            if (g->arg2) {
                floe_strbuf_puts(o, ", ");
                pr_expr(o, g->arg2);
            }
            if (floe_aggregates_get(g->fn)->flags & FLOE_AGGF_FRACTION) floe_strbuf_printf(o, ", %g", g->param);
            floe_strbuf_puts(o, ")");
            if (g->filter) {
                floe_strbuf_puts(o, " FILTER ");
                pr_expr(o, g->filter);
            }
        }
        floe_strbuf_puts(o, "]");
        break;
    case FLOE_PLAN_SORT:
    case FLOE_PLAN_TOPN:
        floe_strbuf_puts(o, " keys=[");
        for (i = 0; i < p->u.sort.nkeys; i++)
            floe_strbuf_printf(o, "%s#%u%s%s", i ? "," : "", p->u.sort.keys[i].col,
                               p->u.sort.keys[i].desc ? " DESC" : "",
                               p->u.sort.keys[i].nulls_first ? " NF" : "");
        floe_strbuf_puts(o, "]");
        if (p->kind == FLOE_PLAN_TOPN)
            floe_strbuf_printf(o, " limit=%lld offset=%lld", (long long)p->u.sort.limit,
                               (long long)p->u.sort.offset);
        break;
    case FLOE_PLAN_LIMIT:
        floe_strbuf_printf(o, " limit=%lld offset=%lld", (long long)p->u.limit.limit,
                           (long long)p->u.limit.offset);
        break;
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN:
        floe_strbuf_printf(o, " %s", join_names[p->u.join.type]);
        for (i = 0; i < p->u.join.nkeys; i++) {
            floe_strbuf_puts(o, i ? ", " : " keys=");
            pr_expr(o, p->u.join.left_keys[i]);
            floe_strbuf_puts(o, "=");
            pr_expr(o, p->u.join.right_keys[i]);
        }
        if (p->u.join.cond) {
            floe_strbuf_puts(o, " cond=");
            pr_expr(o, p->u.join.cond);
        }
        if (p->u.join.build_left) floe_strbuf_puts(o, " build_left");
        break;
    case FLOE_PLAN_VALUES:
        floe_strbuf_printf(o, " rows=%u", p->u.values.nrows);
        for (i = 0; i < p->u.values.nrows * p->ncols; i++) {
            floe_strbuf_puts(o, i ? ", " : " ");
            pr_expr(o, p->u.values.cells[i]);
        }
        break;
    case FLOE_PLAN_CTE_SCAN: floe_strbuf_printf(o, " %s", p->u.cte.name); break;
    default: break;
    }
    floe_strbuf_puts(o, "\n");
    for (i = 0; i < p->nchildren; i++) pr_plan_rec(o, p->children[i], ind + 1);
    if (p->kind == FLOE_PLAN_CTE_SCAN) pr_plan_rec(o, p->u.cte.def, ind + 1);
}

/* Plan text of a bound statement (caller frees with floe_free). */
static inline char *plan_text(const floe_bound_stmt *s)
{
    floe_strbuf o = FLOE_STRBUF_INIT;
    if (s->plan && s->plan->root) pr_plan_rec(&o, s->plan->root, 0);
    return floe_strbuf_take(&o);
}

/* Output column names joined by ','. */
static inline char *col_names(const floe_bound_stmt *s)
{
    floe_strbuf o = FLOE_STRBUF_INIT;
    uint32_t i;
    const floe_plan *p = s->plan->root;
    for (i = 0; i < p->ncols; i++) floe_strbuf_printf(&o, "%s%s", i ? "," : "", p->names[i]);
    return floe_strbuf_take(&o);
}

/* Find the first node of a kind (pre-order). */
static inline const floe_plan *find_node(const floe_plan *p, floe_plan_kind k)
{
    uint32_t i;
    if (p->kind == k) return p;
    for (i = 0; i < p->nchildren; i++) {
        const floe_plan *r = find_node(p->children[i], k);
        if (r) return r;
    }
    return NULL;
}

#endif
