/* sql/bind_call.c: binding of function and aggregate calls.
 *
 * Scalar functions read their overloads from the registry
 * (engine/functions.h); aggregates read theirs from engine/aggregates.h and
 * become placeholders COLUMN AGG_BASE + i of the block. COALESCE, NULLIF and
 * the statement clock (now(), current_date) are special forms bound here.
 */
#include "sql/bind_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/aggregates.h"
#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "util/datetime.h"
#include "util/mem.h"

/* ------------------------------------------------------------ functions */

/* The ordered-set aggregates called with WITHIN GROUP (ORDER BY x): the
 * registry aggregate they are, with x as its argument. */
static const char *ordered_set_agg(const char *n)
{
    if (strcmp(n, "percentile_cont") == 0) return "quantile_cont";
    if (strcmp(n, "percentile_disc") == 0) return "quantile_disc";
    return NULL;
}

/* Whether `n` names an aggregate. */
static bool is_agg_name(const char *n)
{
    return floe_aggregates_lookup(n) != NULL || ordered_set_agg(n) != NULL;
}

int floe_binder_need_type(binder *b, floe_expr **x, floe_type t, const char *fname, int off)
{
    char b1[32], b2[32];
    int rc;
    if ((*x)->type.id == t.id && t.id != FLOE_TYPE_DECIMAL) return FLOE_OK;
    if ((*x)->type.id == FLOE_TYPE_NULL || (*x)->kind == FLOE_EXPR_CONST ||
        floe_bind_expr_implicit_ok((*x)->type, t) ||
        (t.id == FLOE_TYPE_INTEGER && floe_type_is_integer((*x)->type)) ||
        (t.id == FLOE_TYPE_TIMESTAMP && (*x)->type.id == FLOE_TYPE_DATE)) {
        rc = floe_bind_expr_cast(b->a, *x, t, x, b->err);
        if (rc == FLOE_OK) return FLOE_OK;
        if (rc == FLOE_NOMEM) return rc;
    }
    return floe_err_set_at(b->err, FLOE_TYPE, off, "function %s(%s) does not exist (expected %s)",
                           fname, floe_type_name((*x)->type, b1, sizeof b1),
                           floe_type_name(t, b2, sizeof b2));
}

/* The constant fraction argument fa of a FLOE_AGGF_FRACTION aggregate into g. */
static int bind_fraction(block *bk, const floe_ast_expr *ae, const floe_ast_expr *fa, floe_agg *g)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    floe_expr *q;
    floe_value qv;
    int rc;
    if ((rc = floe_binder_expr(bk, fa, &q))) return rc;
    if (q->kind != FLOE_EXPR_CONST || !floe_type_is_numeric(q->type) || q->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, fa->off,
                               "%s: the quantile must be a constant number", n);
    rc = floe_bind_expr_cast_value(b->a, &q->value, T(FLOE_TYPE_DOUBLE), &qv, b->err);
    if (rc) return floe_binder_at(b, rc, ae->off);
    if (qv.v.d < 0 || qv.v.d > 1)
        return floe_err_set_at(b->err, FLOE_RANGE, fa->off,
                               "%s: the quantile must be between 0 and 1", n);
    g->param = qv.v.d;
    return FLOE_OK;
}

/* string_agg's separator: a constant string (copied into g). */
static int bind_separator(block *bk, const floe_ast_expr *ae, const floe_ast_expr *sa, floe_agg *g)
{
    binder *b = bk->b;
    floe_expr *x;
    int rc;
    if ((rc = floe_binder_expr(bk, sa, &x))) return rc;
    if (x->kind == FLOE_EXPR_CONST && !x->value.is_null && x->type.id != FLOE_TYPE_VARCHAR &&
        (rc = floe_bind_expr_cast(b->a, x, T(FLOE_TYPE_VARCHAR), &x, b->err)))
        return floe_binder_at(b, rc, sa->off);
    if (x->kind != FLOE_EXPR_CONST || x->value.is_null || x->type.id != FLOE_TYPE_VARCHAR)
        return floe_err_set_at(b->err, FLOE_ERROR, sa->off,
                               "%s: the separator must be a constant string", ae->call.name);
    g->sep_len = x->value.v.s.len;
    g->sep = g->sep_len ? floe_arena_memdup(b->a, x->value.v.s.ptr, g->sep_len) : "";
    return g->sep ? FLOE_OK : floe_binder_nomem(b);
}

/* agg(... ORDER BY k, ...): kept by aggregates whose result depends on the
 * order (FLOE_AGGF_ORDERED), checked and dropped for the others (DuckDB).
 * With DISTINCT the keys must be the argument (PostgreSQL's rule): only
 * the direction of the value is kept (norder 0, okeys[0]). */
static int bind_agg_order(block *bk, const floe_ast_expr *ae, const floe_agg_def *d, bool window,
                          floe_agg *g)
{
    binder *b = bk->b;
    int k, rc;
    bool keep = d && (d->flags & FLOE_AGGF_ORDERED) && g->fn != FLOE_AGG_COUNT_STAR;
    if (ae->call.within)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "%s: ORDER BY inside the call cannot be combined with WITHIN GROUP",
                               ae->call.name);
    if (window && keep)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                               "%s(... ORDER BY ...) over a window is not supported", ae->call.name);
    g->order = floe_arena_alloc(b->a, (size_t)ae->call.norder * sizeof *g->order);
    g->okeys = floe_arena_alloc(b->a, (size_t)ae->call.norder * sizeof *g->okeys);
    if (g->order == NULL || g->okeys == NULL) return floe_binder_nomem(b);
    for (k = 0; k < ae->call.norder; k++) {
        const floe_ast_order *o = &ae->call.order[k];
        bk->in_agg = !window;
        rc = floe_binder_expr(bk, o->expr, &g->order[k]);
        bk->in_agg = false;
        if (rc) return rc;
        g->okeys[k].col = 0;
        g->okeys[k].desc = o->desc;
        g->okeys[k].nulls_first = o->nulls == FLOE_AST_NULLS_FIRST || (o->nulls == FLOE_AST_NULLS_DEFAULT && o->desc);
        if (g->distinct && keep) {
            const floe_expr *x = g->order[k], *a = g->arg;
            /* the argument may have been cast to the aggregate's type */
            if (a && a->kind == FLOE_EXPR_CAST && !floe_bind_expr_equal(a, x)) a = a->args[0];
            if (!floe_bind_expr_equal(a, x) && !floe_bind_expr_equal(g->arg, x))
                return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                       "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list");
        }
    }
    g->norder = keep && !g->distinct ? (uint32_t)ae->call.norder : 0;
    if (!keep) {
        g->order = NULL;
        g->okeys = NULL;
    }
    return FLOE_OK;
}

/* Result type of aggregate d over argument *arg (and *arg2 for two-argument
 * aggregates, else NULL) by d's bind rule (FLOE_TYPE when an argument is not
 * accepted); STAT and COUNT2 cast their arguments to DOUBLE. */
static int agg_result(binder *b, const floe_agg_def *d, floe_expr **arg, floe_expr **arg2, const char *n,
                      int off, floe_type *out)
{
    floe_type t = (*arg)->type;
    char b1[32], b2[32];
    int rc;
    switch (d->result) {
    case FLOE_AGGR_STAT:
    case FLOE_AGGR_COUNT2:
        if (!floe_type_is_numeric(t) || (arg2 && !floe_type_is_numeric((*arg2)->type))) {
            if (arg2)
                return floe_err_set_at(b->err, FLOE_TYPE, off, "function %s(%s, %s) does not exist", n,
                                       floe_type_name(t, b1, sizeof b1),
                                       floe_type_name((*arg2)->type, b2, sizeof b2));
            break;
        }
        if ((rc = floe_bind_expr_cast(b->a, *arg, T(FLOE_TYPE_DOUBLE), arg, b->err)) ||
            (arg2 && (rc = floe_bind_expr_cast(b->a, *arg2, T(FLOE_TYPE_DOUBLE), arg2, b->err))))
            return floe_binder_at(b, rc, off);
        *out = T(d->result == FLOE_AGGR_STAT ? FLOE_TYPE_DOUBLE : FLOE_TYPE_BIGINT);
        return FLOE_OK;
    case FLOE_AGGR_ARGBY: *out = t; return FLOE_OK;
    case FLOE_AGGR_BIGINT: *out = T(FLOE_TYPE_BIGINT); return FLOE_OK;
    case FLOE_AGGR_ARG: *out = t; return FLOE_OK;
    case FLOE_AGGR_SUM:
        if (floe_type_is_integer(t)) *out = T(FLOE_TYPE_BIGINT);
        else if (t.id == FLOE_TYPE_DECIMAL) *out = floe_type_decimal(18, t.scale);
        else if (t.id == FLOE_TYPE_DOUBLE) *out = t;
        else break;
        return FLOE_OK;
    case FLOE_AGGR_AVG:
        if (!floe_type_is_numeric(t)) break;
        *out = T(FLOE_TYPE_DOUBLE);
        return FLOE_OK;
    case FLOE_AGGR_MEDIAN:
        *out = floe_type_is_integer(t) ? T(FLOE_TYPE_DOUBLE) : t;
        return FLOE_OK;
    case FLOE_AGGR_BOOL:
        *out = T(FLOE_TYPE_BOOLEAN);
        return floe_binder_need_type(b, arg, *out, n, off);
    case FLOE_AGGR_STRAGG:
        *out = T(FLOE_TYPE_VARCHAR);
        if (t.id == FLOE_TYPE_VARCHAR) return FLOE_OK;
        if ((rc = floe_bind_expr_cast(b->a, *arg, *out, arg, b->err))) return floe_binder_at(b, rc, off);
        return FLOE_OK;
    }
    return floe_err_set_at(b->err, FLOE_TYPE, off, "function %s(%s) does not exist", n,
                           floe_type_name(t, b1, sizeof b1));
}

/* An aggregate call: checked by its registry entry (engine/aggregates.h),
 * added to the block's aggregates (identical ones shared) and bound to the
 * placeholder COLUMN AGG_BASE + i. */
int floe_binder_agg_spec(block *bk, const floe_ast_expr *ae, bool window, floe_agg *out)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    const floe_agg_def *d = floe_aggregates_lookup(n);
    const floe_ast_expr *a0, *a1; /* the argument and the second (or fraction) one */
    floe_agg g;
    floe_expr *arg = NULL, *arg2 = NULL;
    int rc, nargs = ae->call.nargs;

    memset(&g, 0, sizeof g);
    g.distinct = ae->call.distinct;
    if (window && (ae->call.within || ae->call.filter))
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                               "%s with %s over a window is not supported", n,
                               ae->call.within ? "WITHIN GROUP" : "FILTER");
    if (ae->call.within) {
        /* percentile_cont(q) WITHIN GROUP (ORDER BY x) = quantile_cont(x, q) */
        if (ordered_set_agg(n) == NULL)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                   "WITHIN GROUP is only supported for percentile_cont and percentile_disc");
        if (nargs != 1 || g.distinct)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                                   "function %s takes 1 argument (the fraction) before WITHIN GROUP", n);
        d = floe_aggregates_lookup(ordered_set_agg(n));
        a0 = ae->call.within;
        a1 = ae->call.args[0];
        nargs = 2;
    } else if (d == NULL) {
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "%s is an ordered-set aggregate: write %s(fraction) WITHIN GROUP (ORDER BY x)",
                               n, n);
    } else {
        a0 = nargs > 0 ? ae->call.args[0] : NULL;
        a1 = nargs > 1 ? ae->call.args[1] : NULL;
    }
    if (strcmp(n, "count") == 0 && ae->call.nargs == 1 && ae->call.args[0]->kind == FLOE_AST_STAR) {
        g.fn = FLOE_AGG_COUNT_STAR;
        g.type = T(FLOE_TYPE_BIGINT);
    } else {
        bool two = (d->flags & FLOE_AGGF_TWO_ARGS) != 0;
        int want = two || (d->flags & FLOE_AGGF_FRACTION) ? 2 : 1;
        if (d->result == FLOE_AGGR_STRAGG && nargs == 2) want = 2; /* the separator */
        if (nargs != want)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                                   "function %s takes %d argument%s", n, want, want > 1 ? "s" : "");
        if (two && g.distinct)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                   "%s(DISTINCT ...) is not supported", n);
        bk->in_agg = !window;
        rc = floe_binder_expr(bk, a0, &arg);
        if (rc == FLOE_OK && two) rc = floe_binder_expr(bk, a1, &arg2);
        bk->in_agg = false;
        if (rc) return rc;
        if (arg->type.id == FLOE_TYPE_NULL) {
            if ((rc = floe_bind_expr_cast(b->a, arg, T(FLOE_TYPE_INTEGER), &arg, b->err))) return rc;
        }
        if (arg2 && arg2->type.id == FLOE_TYPE_NULL) {
            if ((rc = floe_bind_expr_cast(b->a, arg2, T(FLOE_TYPE_INTEGER), &arg2, b->err))) return rc;
        }
        g.fn = d->id;
        if ((rc = agg_result(b, d, &arg, two ? &arg2 : NULL, n, ae->off, &g.type))) return rc;
        g.arg = arg;
        g.arg2 = arg2;
        if ((d->flags & FLOE_AGGF_FRACTION) && (rc = bind_fraction(bk, ae, a1, &g))) return rc;
        if (ae->call.within && ae->call.within_desc) {
            /* WITHIN GROUP (ORDER BY x DESC): cont interpolates from the top,
             * which is the ascending fraction 1 - q; disc takes the first
             * value from the top whose share reaches q (okeys[0].desc) */
            if (g.fn == FLOE_AGG_QUANTILE_CONT) {
                g.param = 1 - g.param;
            } else {
                g.okeys = floe_arena_alloc(b->a, sizeof *g.okeys);
                if (g.okeys == NULL) return floe_binder_nomem(b);
                memset(g.okeys, 0, sizeof *g.okeys);
                g.okeys[0].desc = true;
            }
        }
        if (d->result == FLOE_AGGR_STRAGG && a1 && (rc = bind_separator(bk, ae, a1, &g))) return rc;
    }
    if (ae->call.norder && (rc = bind_agg_order(bk, ae, d, window, &g))) return rc;
    if (ae->call.filter) {
        /* FILTER (WHERE p): a predicate over the input rows, like WHERE */
        floe_expr *f;
        bk->in_agg = true;
        rc = floe_binder_expr(bk, ae->call.filter, &f);
        bk->in_agg = false;
        if (rc) return rc;
        if ((rc = floe_binder_need_type(b, &f, T(FLOE_TYPE_BOOLEAN), "FILTER", ae->call.filter->off)))
            return rc;
        g.filter = f;
    }
    *out = g;
    return FLOE_OK;
}

static int add_agg(block *bk, const floe_ast_expr *ae, const floe_agg *gp, floe_expr **out);

static int bind_agg(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_agg g;
    int rc;

    if (!bk->agg_ok)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "aggregate functions are not allowed here");
    if (bk->in_agg)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "aggregate function calls cannot be nested");
    if ((rc = floe_binder_agg_spec(bk, ae, false, &g))) return rc;
    return add_agg(bk, ae, &g, out);
}

/* Whether two bound aggregates compute the same thing. */
static bool agg_same(const floe_agg *o, const floe_agg *g)
{
    uint32_t k;
    if (o->fn != g->fn || o->distinct != g->distinct || o->param != g->param ||
        !floe_bind_expr_equal(o->arg, g->arg) || !floe_bind_expr_equal(o->arg2, g->arg2) ||
        !floe_bind_expr_equal(o->filter, g->filter) || o->norder != g->norder ||
        (o->okeys == NULL) != (g->okeys == NULL) || o->sep_len != g->sep_len ||
        (o->sep == NULL) != (g->sep == NULL) || (o->sep && memcmp(o->sep, g->sep, o->sep_len) != 0))
        return false;
    if (o->okeys && o->norder == 0 && o->okeys[0].desc != g->okeys[0].desc) return false;
    for (k = 0; k < o->norder; k++)
        if (!floe_bind_expr_equal(o->order[k], g->order[k]) ||
            (o->okeys && (o->okeys[k].desc != g->okeys[k].desc ||
                          o->okeys[k].nulls_first != g->okeys[k].nulls_first)))
            return false;
    return true;
}

/* GROUPING(a, b, ...): an aggregate of the block whose arguments (kept in
 * g.order until the AGGREGATE node resolves them to group keys) must be
 * grouping expressions; BIGINT. */
static int bind_grouping(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_agg g;
    int k, rc;
    if (!bk->agg_ok || bk->in_agg)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "GROUPING is not allowed here");
    if (ae->call.nargs < 1 || ae->call.nargs > 63 || ae->call.distinct || ae->call.filter ||
        ae->call.within || ae->call.norder)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "GROUPING takes 1 to 63 grouping expressions");
    memset(&g, 0, sizeof g);
    g.fn = FLOE_AGG_GROUPING;
    g.type = T(FLOE_TYPE_BIGINT);
    g.norder = (uint32_t)ae->call.nargs;
    g.order = floe_arena_alloc(b->a, g.norder * sizeof *g.order);
    if (g.order == NULL) return floe_binder_nomem(b);
    for (k = 0; k < ae->call.nargs; k++) {
        if (ae->call.args[k]->kind == FLOE_AST_STAR)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->call.args[k]->off,
                                   "* is only allowed in count(*)");
        bk->in_agg = true; /* no aggregate inside */
        rc = floe_binder_expr(bk, ae->call.args[k], &g.order[k]);
        bk->in_agg = false;
        if (rc) return rc;
    }
    return add_agg(bk, ae, &g, out);
}

/* Add g to the block's aggregates (an identical one is shared) and bind
 * the placeholder COLUMN AGG_BASE + i. */
static int add_agg(block *bk, const floe_ast_expr *ae, const floe_agg *gp, floe_expr **out)
{
    binder *b = bk->b;
    floe_agg g = *gp;
    floe_expr *e;
    uint32_t i;
    for (i = 0; i < bk->naggs; i++)
        if (agg_same(&bk->aggs[i], &g)) break;
    if (i == bk->naggs) {
        bk->aggs = floe_binder_grow(b, bk->aggs, bk->naggs, &bk->capaggs, sizeof *bk->aggs);
        if (bk->aggs == NULL) return floe_binder_nomem(b);
        {
            uint32_t cap2 = bk->capaggs;
            const char **nn = floe_arena_alloc(b->a, cap2 * sizeof *nn);
            if (nn == NULL) return floe_binder_nomem(b);
            if (bk->naggs) memcpy(nn, bk->agg_names, bk->naggs * sizeof *nn);
            bk->agg_names = nn;
        }
        bk->aggs[bk->naggs] = g;
        bk->agg_names[bk->naggs] = floe_binder_expr_name(b, ae);
        bk->naggs++;
    }
    e = floe_bind_expr_column(b->a, AGG_BASE + i, g.type);
    if (e == NULL) return floe_binder_nomem(b);
    *out = e;
    return FLOE_OK;
}

static int unit_const(binder *b, floe_expr *u, const char *fname, int off)
{
    floe_dt_unit unit;
    if (u->kind != FLOE_EXPR_CONST || u->type.id != FLOE_TYPE_VARCHAR || u->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, off, "%s: the unit must be a constant string",
                               fname);
    if (floe_dt_unit_parse(u->value.v.s.ptr, u->value.v.s.len, &unit, b->err))
        return floe_binder_at(b, b->err ? b->err->code : FLOE_ERROR, off);
    return FLOE_OK;
}

int floe_binder_common_type(binder *b, floe_expr **args, uint32_t n, const char *what, int off,
                     floe_type *out)
{
    floe_type t = args[0]->type;
    uint32_t i;
    int rc;
    char b1[32], b2[32];
    for (i = 1; i < n; i++) {
        floe_expr tmp = *args[0];
        floe_type nt;
        tmp.type = t;
        /* compare against a placeholder of the running type */
        if (!floe_bind_expr_common_type(i == 1 ? args[0] : &tmp, args[i], &nt)) {
            return floe_err_set_at(b->err, FLOE_TYPE, off, "%s types %s and %s cannot be matched",
                                   what, floe_type_name(t, b1, sizeof b1),
                                   floe_type_name(args[i]->type, b2, sizeof b2));
        }
        t = nt;
    }
    if (t.id == FLOE_TYPE_NULL) t = T(FLOE_TYPE_INTEGER);
    for (i = 0; i < n; i++)
        if ((rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err))) return floe_binder_at(b, rc, off);
    *out = t;
    return FLOE_OK;
}

static int nargs_err(binder *b, const char *n, uint32_t na, int off)
{
    return floe_err_set_at(b->err, FLOE_ERROR, off, "function %s does not take %u argument%s", n,
                           na, na == 1 ? "" : "s");
}

/* The rule for argument i of an overload (the last rule repeats). */
static const floe_fn_arg *sig_rule(const floe_fn_sig *sig, uint32_t i)
{
    return &sig->args[i < sig->nrules ? i : sig->nrules - 1u];
}

/* Whether argument x could satisfy rule r (no conversion done). */
static bool rule_accepts(const floe_fn_arg *r, const floe_expr *x)
{
    floe_type t = T((floe_type_id)r->type);
    switch ((floe_fn_argrule)r->rule) {
    case FLOE_FA_IMPLICIT:
        return (x->type.id == t.id) || x->type.id == FLOE_TYPE_NULL ||
               x->kind == FLOE_EXPR_CONST || floe_bind_expr_implicit_ok(x->type, t) ||
               (t.id == FLOE_TYPE_INTEGER && floe_type_is_integer(x->type)) ||
               (t.id == FLOE_TYPE_TIMESTAMP && x->type.id == FLOE_TYPE_DATE);
    case FLOE_FA_NUMERIC: return floe_type_is_numeric(x->type);
    case FLOE_FA_NUMTO: return floe_type_is_numeric(x->type) || x->type.id == FLOE_TYPE_NULL;
    default: return true;
    }
}

/* The overload of fd for these arguments: the first whose count fits and
 * whose rules accept every argument, else the first whose count fits (its
 * conversion then reports the type error). NULL when no count fits. */
static const floe_fn_sig *pick_sig(binder *b, const floe_fn_def *fd, floe_expr **args, uint32_t na)
{
    const floe_fn_sig *fit = NULL;
    uint32_t k, i;
    (void)b;
    for (k = 0; k < fd->nsigs; k++) {
        const floe_fn_sig *sg = &fd->sigs[k];
        if (na < sg->minargs || na > sg->maxargs) continue;
        if (fit == NULL) fit = sg;
        if (fd->nsigs == 1) break;
        for (i = 0; i < na && rule_accepts(sig_rule(sg, i), args[i]); i++) {}
        if (i == na) return sg;
    }
    return fit;
}

/* Check and convert the arguments of a call to overload sig and give its
 * result type in *out_t; errors name the function `n` at offset off. */
static int apply_sig(binder *b, const floe_fn_sig *sig, floe_expr **args, uint32_t na,
                     const char *n, int off, floe_type *out_t)
{
    floe_type common = T(FLOE_TYPE_NULL);
    bool have_common = false;
    uint32_t i;
    int rc;
    char b1[32];
    for (i = 0; i < na; i++) {
        const floe_fn_arg *r = sig_rule(sig, i);
        floe_type t = T((floe_type_id)r->type);
        switch ((floe_fn_argrule)r->rule) {
        case FLOE_FA_IMPLICIT:
            if ((rc = floe_binder_need_type(b, &args[i], t, n, off))) return rc;
            break;
        case FLOE_FA_CAST:
            if ((rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err))) return floe_binder_at(b, rc, off);
            break;
        case FLOE_FA_NUMERIC:
        case FLOE_FA_NUMTO:
            if (!floe_type_is_numeric(args[i]->type) &&
                (r->rule == FLOE_FA_NUMERIC || args[i]->type.id != FLOE_TYPE_NULL))
                return floe_err_set_at(b->err, FLOE_TYPE, off, "function %s(%s) does not exist", n,
                                       floe_type_name(args[0]->type, b1, sizeof b1));
            if (r->rule == FLOE_FA_NUMTO &&
                (rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err)))
                return floe_binder_at(b, rc, off);
            break;
        case FLOE_FA_COMMON:
            if (!have_common && (rc = floe_binder_common_type(b, args, na, n, off, &common))) return rc;
            have_common = true;
            break;
        case FLOE_FA_UNIT:
            if ((rc = unit_const(b, args[i], n, off))) return rc;
            break;
        }
        if (r->const_msg && args[i]->kind != FLOE_EXPR_CONST)
            return floe_err_set_at(b->err, FLOE_ERROR, off, "%s: %s", n, r->const_msg);
    }
    if (sig->ret == FLOE_FR_ARG0) *out_t = args[0]->type;
    else if (sig->ret == FLOE_FR_COMMON) *out_t = common;
    else *out_t = T((floe_type_id)sig->ret);
    return FLOE_OK;
}

int floe_binder_call(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    uint32_t na = (uint32_t)ae->call.nargs, i;
    floe_expr **args;
    const floe_fn_def *fd;
    const floe_fn_sig *sig;
    floe_type t;
    int rc;

    if (ae->call.over) return floe_binder_window(bk, ae, out);
    if (is_agg_name(n)) return bind_agg(bk, ae, out);
    if (strcmp(n, "grouping") == 0) return bind_grouping(bk, ae, out);
    if (strcmp(n, "array_agg") == 0 || strcmp(n, "list") == 0)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                               "%s: floe has no list type (string_agg(x, sep) concatenates values)", n);
    if (ae->call.norder)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "ORDER BY is only allowed in aggregates");
    if (ae->call.distinct)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "DISTINCT is only allowed in aggregates");
    if (ae->call.filter || ae->call.within)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s is only allowed in aggregates",
                               ae->call.filter ? "FILTER" : "WITHIN GROUP");
    if ((strcmp(n, "now") == 0 || strcmp(n, "current_timestamp") == 0) && na == 0) {
        *out = floe_binder_const_int(b, T(FLOE_TYPE_TIMESTAMP), b->now_us);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    }
    if (strcmp(n, "current_date") == 0 && na == 0) {
        int64_t d = b->now_us / FLOE_MICROS_PER_DAY;
        if (b->now_us % FLOE_MICROS_PER_DAY < 0) d--;
        *out = floe_binder_const_int(b, T(FLOE_TYPE_DATE), d);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    }
    args = floe_arena_alloc(b->a, (na ? na : 1) * sizeof *args);
    if (args == NULL) return floe_binder_nomem(b);
    for (i = 0; i < na; i++) {
        if (ae->call.args[i]->kind == FLOE_AST_STAR)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->call.args[i]->off,
                                   "* is only allowed in count(*)");
        if ((rc = floe_binder_expr(bk, ae->call.args[i], &args[i]))) return rc;
    }
    if (strcmp(n, "coalesce") == 0 || strcmp(n, "ifnull") == 0) {
        floe_expr *e;
        if (na < 1) return nargs_err(b, n, na, ae->off);
        if ((rc = floe_binder_common_type(b, args, na, "COALESCE", ae->off, &t))) return rc;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, t, na);
        if (e == NULL) return floe_binder_nomem(b);
        memcpy(e->args, args, na * sizeof *args);
        return floe_bind_expr_fold(b->a, e, out, b->err);
    }
    if (strcmp(n, "nullif") == 0) {
        floe_expr *e, *cmp, *nul;
        if (na != 2) return nargs_err(b, n, na, ae->off);
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", args[0], args[1], &cmp, b->err)))
            return floe_binder_at(b, rc, ae->off);
        t = args[0]->type.id == FLOE_TYPE_NULL ? args[1]->type : args[0]->type;
        if (t.id == FLOE_TYPE_NULL) t = T(FLOE_TYPE_INTEGER);
        if ((rc = floe_bind_expr_cast(b->a, args[0], t, &args[0], b->err))) return floe_binder_at(b, rc, ae->off);
        nul = floe_bind_expr_const(b->a, floe_value_null(t));
        e = floe_bind_expr_new(b->a, FLOE_EXPR_CASE, t, 3);
        if (e == NULL || nul == NULL) return floe_binder_nomem(b);
        e->args[0] = cmp;
        e->args[1] = nul;
        e->args[2] = args[0];
        e->has_else = true;
        return floe_bind_expr_fold(b->a, e, out, b->err);
    }
    if ((fd = floe_functions_lookup(n)) == NULL) {
        hint h = {NULL, 0, n};
        const char *cand;
        for (i = 0; (cand = floe_functions_sql_name(i)) != NULL; i++) floe_binder_hint_try(&h, cand);
        if (h.best)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                                   "function %s does not exist; did you mean \"%s\"?", n, h.best);
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "function %s does not exist", n);
    }
    if ((sig = pick_sig(b, fd, args, na)) == NULL) return nargs_err(b, n, na, ae->off);
    if ((rc = apply_sig(b, sig, args, na, n, ae->off, &t))) return rc;
    if ((fd->flags & FLOE_FNF_INT_IDENTITY) && floe_type_is_integer(args[0]->type)) {
        *out = args[0];
        return FLOE_OK;
    }
    *out = floe_bind_expr_call(b->a, fd->id, t, args, na);
    if (*out == NULL) return floe_binder_nomem(b);
    return floe_binder_at(b, floe_bind_expr_fold(b->a, *out, out, b->err), ae->off);
}
