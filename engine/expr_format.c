/* engine/expr_format.c: text form of expressions for EXPLAIN.
 *
 * Columns print as their display name when the binder set one, else as
 * "#index"; binary operators print infix inside parentheses, "(#2 > 10)";
 * AND/OR join their (parenthesized) operands and are themselves
 * parenthesized when nested; functions print as name(args). String
 * constants are quoted with '' doubling. Output goes to a floe_strbuf, which
 * records OOM itself.
 */
#include <string.h>

#include "engine/eval_internal.h"
#include "engine/functions.h"
#include "util/strbuf.h"

static const char *fn_name(floe_fn fn)
{
    const floe_fn_def *d = floe_functions_get(fn);
    return d ? d->name : "?";
}

static bool is_infix(floe_fn fn)
{
    const floe_fn_def *d = floe_functions_get(fn);
    return d && (d->flags & FLOE_FNF_INFIX);
}

static void put_value(const floe_value *v, floe_type t, floe_strbuf *b)
{
    char buf[128];
    floe_value x = *v;
    if (v->is_null || v->type.id == FLOE_TYPE_NULL) {
        floe_strbuf_puts(b, "NULL");
        return;
    }
    if (x.type.id == FLOE_TYPE_VARCHAR) {
        uint32_t i;
        floe_strbuf_putc(b, '\'');
        for (i = 0; i < x.v.s.len; i++) {
            if (x.v.s.ptr[i] == '\'') floe_strbuf_putc(b, '\'');
            floe_strbuf_putc(b, x.v.s.ptr[i]);
        }
        floe_strbuf_putc(b, '\'');
        return;
    }
    x.type = t.id == x.type.id ? t : x.type;
    floe_value_format(&x, buf, sizeof buf);
    switch ((floe_type_id)x.type.id) {
    case FLOE_TYPE_DATE: floe_strbuf_printf(b, "DATE '%s'", buf); break;
    case FLOE_TYPE_TIMESTAMP: floe_strbuf_printf(b, "TIMESTAMP '%s'", buf); break;
    case FLOE_TYPE_INTERVAL: floe_strbuf_printf(b, "INTERVAL '%s'", buf); break;
    default: floe_strbuf_puts(b, buf);
    }
}

static void fmt(const floe_expr *e, floe_strbuf *b, bool top);

static void fmt_list(floe_expr *const *args, uint32_t n, floe_strbuf *b)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        if (i) floe_strbuf_puts(b, ", ");
        fmt(args[i], b, true);
    }
}

static void fmt(const floe_expr *e, floe_strbuf *b, bool top)
{
    char tn[32];
    uint32_t i;
    switch (e->kind) {
    case FLOE_EXPR_CONST: put_value(&e->value, e->type, b); return;
    case FLOE_EXPR_COLUMN:
        if (e->name)
            floe_strbuf_puts(b, e->name);
        else
            floe_strbuf_printf(b, "#%u", e->index);
        return;
    case FLOE_EXPR_PARAM: floe_strbuf_printf(b, "$%u", e->index); return;
    case FLOE_EXPR_CALL:
        if (e->fn == FLOE_FN_NEG && e->nargs == 1) {
            floe_strbuf_puts(b, "(-");
            fmt(e->args[0], b, false);
            floe_strbuf_putc(b, ')');
        } else if (is_infix(e->fn) && e->nargs == 2) {
            floe_strbuf_putc(b, '(');
            fmt(e->args[0], b, false);
            floe_strbuf_printf(b, " %s ", fn_name(e->fn));
            fmt(e->args[1], b, false);
            floe_strbuf_putc(b, ')');
        } else {
            floe_strbuf_printf(b, "%s(", fn_name(e->fn));
            fmt_list(e->args, e->nargs, b);
            floe_strbuf_putc(b, ')');
        }
        return;
    case FLOE_EXPR_CAST:
        floe_strbuf_puts(b, "CAST(");
        fmt(e->args[0], b, true);
        floe_strbuf_printf(b, " AS %s)", floe_type_name(e->type, tn, sizeof tn));
        return;
    case FLOE_EXPR_AND:
    case FLOE_EXPR_OR:
        if (!top) floe_strbuf_putc(b, '(');
        for (i = 0; i < e->nargs; i++) {
            if (i) floe_strbuf_puts(b, e->kind == FLOE_EXPR_AND ? " AND " : " OR ");
            fmt(e->args[i], b, false);
        }
        if (!top) floe_strbuf_putc(b, ')');
        return;
    case FLOE_EXPR_NOT:
        floe_strbuf_puts(b, "(NOT ");
        fmt(e->args[0], b, false);
        floe_strbuf_putc(b, ')');
        return;
    case FLOE_EXPR_IS_NULL:
        floe_strbuf_putc(b, '(');
        fmt(e->args[0], b, false);
        floe_strbuf_puts(b, e->negated ? " IS NOT NULL)" : " IS NULL)");
        return;
    case FLOE_EXPR_CASE: {
        uint32_t npairs = (e->nargs - (e->has_else ? 1 : 0)) / 2;
        floe_strbuf_puts(b, "CASE");
        for (i = 0; i < npairs; i++) {
            floe_strbuf_puts(b, " WHEN ");
            fmt(e->args[2 * i], b, true);
            floe_strbuf_puts(b, " THEN ");
            fmt(e->args[2 * i + 1], b, true);
        }
        if (e->has_else) {
            floe_strbuf_puts(b, " ELSE ");
            fmt(e->args[e->nargs - 1], b, true);
        }
        floe_strbuf_puts(b, " END");
        return;
    }
    case FLOE_EXPR_IN_LIST:
        floe_strbuf_putc(b, '(');
        fmt(e->args[0], b, false);
        floe_strbuf_puts(b, e->negated ? " NOT IN (" : " IN (");
        fmt_list(e->args + 1, e->nargs - 1, b);
        floe_strbuf_puts(b, "))");
        return;
    case FLOE_EXPR_LIKE:
        floe_strbuf_putc(b, '(');
        fmt(e->args[0], b, false);
        floe_strbuf_printf(b, " %s%s ", e->negated ? "NOT " : "", e->ilike ? "ILIKE" : "LIKE");
        fmt(e->args[1], b, false);
        if (e->nargs > 2) {
            floe_strbuf_puts(b, " ESCAPE ");
            fmt(e->args[2], b, false);
        }
        floe_strbuf_putc(b, ')');
        return;
    case FLOE_EXPR_COALESCE:
        floe_strbuf_puts(b, "COALESCE(");
        fmt_list(e->args, e->nargs, b);
        floe_strbuf_putc(b, ')');
        return;
    case FLOE_EXPR_SUBQUERY:
        switch (e->subq_kind) {
        case FLOE_SUBQ_SCALAR: floe_strbuf_puts(b, "(SUBQUERY"); break;
        case FLOE_SUBQ_EXISTS: floe_strbuf_puts(b, e->negated ? "(NOT EXISTS" : "(EXISTS"); break;
        case FLOE_SUBQ_IN:
            floe_strbuf_putc(b, '(');
            if (e->nargs) fmt(e->args[0], b, false);
            floe_strbuf_puts(b, e->negated ? " NOT IN SUBQUERY" : " IN SUBQUERY");
            break;
        }
        if (e->correlated) {
            uint32_t off = e->subq_kind == FLOE_SUBQ_IN ? 1 : 0;
            floe_strbuf_puts(b, " correlated(");
            if (e->nargs > off) fmt_list(e->args + off, e->nargs - off, b);
            floe_strbuf_putc(b, ')');
        }
        floe_strbuf_putc(b, ')');
        return;
    }
    floe_strbuf_puts(b, "?");
}

void floe_expr_format(const floe_expr *e, struct floe_strbuf *buf)
{
    if (e == NULL) {
        floe_strbuf_puts(buf, "NULL");
        return;
    }
    fmt(e, buf, true);
}
