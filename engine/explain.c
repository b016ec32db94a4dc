/* engine/explain.c: EXPLAIN text of a physical plan (floe_plan_explain). */
#include <inttypes.h>
#include <stdio.h>

#include "engine/aggregates.h"
#include "engine/plan.h"

static const char *agg_name(floe_agg_fn fn)
{
    const floe_agg_def *d = floe_aggregates_get(fn);
    return d ? d->name : "?";
}

static const char *join_name(floe_join_type t)
{
    switch (t) {
    case FLOE_JOIN_INNER: return "INNER";
    case FLOE_JOIN_LEFT: return "LEFT";
    case FLOE_JOIN_SEMI: return "SEMI";
    case FLOE_JOIN_ANTI: return "ANTI";
    case FLOE_JOIN_MARK: return "MARK";
    case FLOE_JOIN_RIGHT: return "RIGHT";
    case FLOE_JOIN_FULL: return "FULL";
    }
    return "?";
}

static const char *pred_op(floe_pred_op op)
{
    switch (op) {
    case FLOE_PRED_EQ: return "=";
    case FLOE_PRED_NE: return "<>";
    case FLOE_PRED_LT: return "<";
    case FLOE_PRED_LE: return "<=";
    case FLOE_PRED_GT: return ">";
    case FLOE_PRED_GE: return ">=";
    case FLOE_PRED_IS_NULL: return "IS NULL";
    case FLOE_PRED_IS_NOT_NULL: return "IS NOT NULL";
    }
    return "?";
}

static void put_expr(floe_strbuf *out, const floe_expr *e)
{
    if (e == NULL) {
        floe_strbuf_puts(out, "NULL");
    } else if (e->kind == FLOE_EXPR_COLUMN) {
        floe_strbuf_printf(out, "#%u", e->index);
    } else {
        floe_expr_format(e, out);
    }
}

static void put_exprs(floe_strbuf *out, floe_expr *const *es, uint32_t n)
{
    uint32_t i;
    floe_strbuf_putc(out, '[');
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(out, ", ");
        put_expr(out, es[i]);
    }
    floe_strbuf_putc(out, ']');
}

static void put_sort_keys(floe_strbuf *out, const floe_plan *p)
{
    uint32_t i;
    floe_strbuf_puts(out, " keys=[");
    for (i = 0; i < p->u.sort.nkeys; i++) {
        const floe_sort_key *k = &p->u.sort.keys[i];
        if (i) floe_strbuf_puts(out, ", ");
        floe_strbuf_printf(out, "#%u%s", k->col, k->desc ? " DESC" : "");
        if (k->nulls_first != k->desc) floe_strbuf_puts(out, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
    floe_strbuf_putc(out, ']');
}

static const char *scan_col_name(const floe_plan *p, uint32_t tcol, char *buf, size_t cap)
{
    uint32_t i;
    for (i = 0; i < p->ncols; i++)
        if (p->u.scan.cols[i] == tcol && p->names && p->names[i]) return p->names[i];
    snprintf(buf, cap, "col%u", tcol);
    return buf;
}

/* AGGREGATE groups=[...] sets=[...] aggs=[...] */
static void explain_agg(const floe_plan *p, floe_strbuf *out)
{
    uint32_t i;
    floe_strbuf_puts(out, "AGGREGATE groups=");
    put_exprs(out, p->u.agg.groups, p->u.agg.ngroups);
    if (p->u.agg.nsets) {
        /* grouping sets as key numbers: sets=[(0, 1), (0), ()] */
        uint32_t k, j;
        floe_strbuf_puts(out, " sets=[");
        for (k = 0; k < p->u.agg.nsets; k++) {
            int first = 1;
            floe_strbuf_puts(out, k ? ", (" : "(");
            for (j = 0; j < p->u.agg.ngroups; j++)
                if ((p->u.agg.sets[k] >> j) & 1) {
                    floe_strbuf_printf(out, "%s%u", first ? "" : ", ", j);
                    first = 0;
                }
            floe_strbuf_putc(out, ')');
        }
        floe_strbuf_putc(out, ']');
    }
    floe_strbuf_puts(out, " aggs=[");
    for (i = 0; i < p->u.agg.naggs; i++) {
        const floe_agg *a = &p->u.agg.aggs[i];
        if (i) floe_strbuf_puts(out, ", ");
        floe_strbuf_printf(out, "%s(%s", agg_name(a->fn), a->distinct ? "DISTINCT " : "");
        if (a->fn == FLOE_AGG_COUNT_STAR)
            floe_strbuf_putc(out, '*');
        else if (a->fn == FLOE_AGG_GROUPING) {
            uint32_t k;
            for (k = 0; k < a->ngkeys; k++) floe_strbuf_printf(out, "%s#%u", k ? ", " : "", a->gkeys[k]);
        } else
            put_expr(out, a->arg);
        if (a->norder) {
            uint32_t k;
            floe_strbuf_puts(out, " ORDER BY ");
            for (k = 0; k < a->norder; k++) {
                if (k) floe_strbuf_puts(out, ", ");
                put_expr(out, a->order[k]);
                if (a->okeys[k].desc) floe_strbuf_puts(out, " DESC");
            }
        }
        if (a->arg2) {
            floe_strbuf_puts(out, ", ");
            put_expr(out, a->arg2);
        }
        if (floe_aggregates_get(a->fn)->flags & FLOE_AGGF_FRACTION) floe_strbuf_printf(out, ", %g", a->param);
        if (a->okeys && a->norder == 0 && a->okeys[0].desc) floe_strbuf_puts(out, " DESC");
        floe_strbuf_putc(out, ')');
        if (a->filter) {
            floe_strbuf_puts(out, " FILTER ");
            put_expr(out, a->filter);
        }
    }
    floe_strbuf_putc(out, ']');
}

static void explain_node(const floe_plan *p, int depth, floe_strbuf *out)
{
    uint32_t i;
    char buf[128];
    floe_strbuf_printf(out, "%*s", depth * 2, "");
    switch (p->kind) {
    case FLOE_PLAN_SCAN:
        floe_strbuf_printf(out, "SCAN %s cols=[", p->u.scan.table_name ? p->u.scan.table_name : "?");
        for (i = 0; i < p->ncols; i++) {
            if (i) floe_strbuf_puts(out, ", ");
            floe_strbuf_puts(out, p->names && p->names[i] ? p->names[i] : "?");
        }
        floe_strbuf_putc(out, ']');
        if (p->u.scan.npreds) {
            floe_strbuf_puts(out, " pushed=[");
            for (i = 0; i < p->u.scan.npreds; i++) {
                const floe_scan_pred *sp = &p->u.scan.preds[i];
                if (i) floe_strbuf_puts(out, " AND ");
                floe_strbuf_printf(out, "%s %s", scan_col_name(p, sp->col, buf, sizeof buf),
                                   pred_op(sp->op));
                if (sp->op != FLOE_PRED_IS_NULL && sp->op != FLOE_PRED_IS_NOT_NULL) {
                    char vb[256];
                    int q = sp->value.type.id == FLOE_TYPE_VARCHAR && !sp->value.is_null;
                    floe_value_format(&sp->value, vb, sizeof vb);
                    floe_strbuf_printf(out, q ? " '%s'" : " %s", vb);
                }
            }
            floe_strbuf_putc(out, ']');
        }
        if (p->u.scan.filter) {
            floe_strbuf_puts(out, " filter=(");
            put_expr(out, p->u.scan.filter);
            floe_strbuf_putc(out, ')');
        }
        break;
    case FLOE_PLAN_FILTER:
        floe_strbuf_puts(out, "FILTER (");
        put_expr(out, p->u.filter.pred);
        floe_strbuf_putc(out, ')');
        break;
    case FLOE_PLAN_PROJECT:
        floe_strbuf_puts(out, "PROJECT ");
        put_exprs(out, p->u.project.exprs, p->ncols);
        break;
    case FLOE_PLAN_AGGREGATE: explain_agg(p, out); break;
    case FLOE_PLAN_SORT:
        floe_strbuf_puts(out, "SORT");
        put_sort_keys(out, p);
        break;
    case FLOE_PLAN_TOPN:
        floe_strbuf_puts(out, "TOPN");
        put_sort_keys(out, p);
        floe_strbuf_printf(out, " limit=%" PRId64, p->u.sort.limit);
        if (p->u.sort.offset) floe_strbuf_printf(out, " offset=%" PRId64, p->u.sort.offset);
        break;
    case FLOE_PLAN_LIMIT:
        floe_strbuf_printf(out, "LIMIT %" PRId64, p->u.limit.limit);
        if (p->u.limit.offset) floe_strbuf_printf(out, " offset=%" PRId64, p->u.limit.offset);
        break;
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN:
        floe_strbuf_printf(out, "%s %s", p->kind == FLOE_PLAN_HASH_JOIN ? "HASH_JOIN" : "NL_JOIN",
                           join_name(p->u.join.type));
        if (p->kind == FLOE_PLAN_HASH_JOIN) {
            floe_strbuf_puts(out, " keys=[");
            for (i = 0; i < p->u.join.nkeys; i++) {
                if (i) floe_strbuf_puts(out, ", ");
                put_expr(out, p->u.join.left_keys[i]);
                floe_strbuf_puts(out, " = ");
                put_expr(out, p->u.join.right_keys[i]);
            }
            floe_strbuf_putc(out, ']');
            floe_strbuf_puts(out, p->u.join.build_left && p->u.join.type == FLOE_JOIN_INNER
                                      ? " build=left"
                                      : " build=right");
        }
        if (p->u.join.cond) {
            floe_strbuf_puts(out, " cond=(");
            put_expr(out, p->u.join.cond);
            floe_strbuf_putc(out, ')');
        }
        break;
    case FLOE_PLAN_UNION_ALL: floe_strbuf_puts(out, "UNION_ALL"); break;
    case FLOE_PLAN_VALUES:
        floe_strbuf_printf(out, "VALUES rows=%u cols=%u", p->u.values.nrows, p->ncols);
        break;
    case FLOE_PLAN_DISTINCT: floe_strbuf_puts(out, "DISTINCT"); break;
    case FLOE_PLAN_WINDOW: floe_strbuf_printf(out, "WINDOW functions=%u", p->u.window.nfns); break;
    case FLOE_PLAN_RECURSIVE:
        floe_strbuf_puts(out, p->u.recursive.distinct ? "RECURSIVE UNION" : "RECURSIVE UNION ALL");
        break;
    case FLOE_PLAN_WORKTABLE: floe_strbuf_puts(out, "WORKTABLE"); break;
    case FLOE_PLAN_ASOF_JOIN:
        floe_strbuf_printf(out, "ASOF_JOIN %s keys=%u", p->u.join.type == FLOE_JOIN_LEFT ? "LEFT" : "INNER",
                           p->u.join.nkeys);
        break;
    case FLOE_PLAN_LATERAL:
        floe_strbuf_printf(out, "LATERAL params=%u (runs the right side once per left row)",
                           p->u.lateral.nparams);
        break;
    case FLOE_PLAN_CTE_SCAN:
        floe_strbuf_printf(out, "CTE_SCAN %s (materialized once)", p->u.cte.name ? p->u.cte.name : "");
        break;
    }
    if (p->est_rows > 0) floe_strbuf_printf(out, " (est. %.0f rows)", p->est_rows);
    floe_strbuf_putc(out, '\n');
    for (i = 0; i < p->nchildren; i++) explain_node(p->children[i], depth + 1, out);
    if (p->kind == FLOE_PLAN_CTE_SCAN) explain_node(p->u.cte.def, depth + 1, out);
}

void floe_plan_explain(const floe_plan *root, floe_strbuf *out)
{
    if (root) explain_node(root, 0, out);
}
