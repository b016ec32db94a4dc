/* sql/bind_scalar.c: binding of expressions.
 *
 * Literals, intervals, column references, operators, IS, BETWEEN, IN,
 * LIKE, CASE, CAST and EXTRACT; calls go to bind_call.c and subqueries to
 * bind_subquery.c. Typing, implicit casts and folding are sql/bind_expr.h.
 */
#include "sql/bind_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "util/datetime.h"
#include "util/mem.h"

/* ------------------------------------------------------------ literals */

static int bind_literal_int(binder *b, const floe_ast_expr *ae, floe_expr **out)
{
    floe_value v;
    v.is_null = false;
    if (ae->int_lit.fits) {
        v.v.i = ae->int_lit.value;
        v.type = (v.v.i >= INT32_MIN && v.v.i <= INT32_MAX) ? T(FLOE_TYPE_INTEGER)
                                                            : T(FLOE_TYPE_BIGINT);
    } else {
        v.type = T(FLOE_TYPE_DOUBLE);
        v.v.d = strtod(ae->int_lit.text, NULL);
    }
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : floe_binder_nomem(b);
}

static int bind_literal_num(binder *b, const floe_ast_expr *ae, floe_expr **out)
{
    const char *s = ae->num_lit.text;
    int intd = 0, frac = 0, lead = 1;
    const char *p;
    floe_value v;
    v.is_null = false;
    for (p = s; *p && *p != '.'; p++)
        if (isdigit((unsigned char)*p)) {
            if (lead && *p == '0') continue;
            lead = 0;
            intd++;
        }
    if (*p == '.')
        for (p++; *p; p++)
            if (isdigit((unsigned char)*p)) frac++;
    if (ae->num_lit.exponent || intd + frac > 18 || intd + frac == 0) {
        v.type = T(FLOE_TYPE_DOUBLE);
        v.v.d = ae->num_lit.value;
        *out = floe_bind_expr_const(b->a, v);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    }
    {
        floe_value sv;
        sv.type = T(FLOE_TYPE_VARCHAR);
        sv.is_null = false;
        sv.v.s.ptr = s;
        sv.v.s.len = (uint32_t)strlen(s);
        int rc = floe_bind_expr_cast_value(b->a, &sv, floe_type_decimal(intd + frac ? intd + frac : 1, frac),
                                           &v, b->err);
        if (rc) return floe_binder_at(b, rc, ae->off);
    }
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : floe_binder_nomem(b);
}

static int bind_interval(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    const floe_ast_expr *ve = ae->interval.value;
    floe_value v;
    int rc;
    v.type = T(FLOE_TYPE_INTERVAL);
    v.is_null = false;
    if (ae->interval.unit == NULL) {
        if (ve->kind != FLOE_AST_STRING)
            return floe_err_set_at(b->err, FLOE_TYPE, ae->off, "INTERVAL needs a string or a unit");
        rc = floe_interval_parse(ve->str.s, ve->str.n, &v.v.iv, b->err);
        if (rc) return floe_binder_at(b, rc, ae->off);
    } else {
        int64_t count;
        const char *u = ae->interval.unit;
        if (ve->kind == FLOE_AST_INT && ve->int_lit.fits) {
            count = ve->int_lit.value;
        } else if (ve->kind == FLOE_AST_STRING) {
            char *end;
            char buf[64];
            size_t n = ve->str.n < sizeof buf - 1 ? ve->str.n : sizeof buf - 1;
            memcpy(buf, ve->str.s, n);
            buf[n] = '\0';
            errno = 0;
            count = strtoll(buf, &end, 10);
            if (errno == ERANGE)
                return floe_err_set_at(b->err, FLOE_RANGE, ae->off, "interval out of range: '%s' %s",
                                       buf, u);
            while (*end == ' ') end++;
            if (end == buf || *end) {
                /* '1 day' DAY style: parse the whole text */
                rc = floe_interval_parse(ve->str.s, ve->str.n, &v.v.iv, b->err);
                if (rc) return floe_binder_at(b, rc, ae->off);
                goto done;
            }
        } else {
            /* INTERVAL (expr) unit: the expression must fold to an integer */
            floe_expr *x;
            if ((rc = floe_binder_expr(bk, ve, &x))) return rc;
            if (x->kind != FLOE_EXPR_CONST || x->value.is_null || !floe_type_is_integer(x->type))
                return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                       "INTERVAL needs a constant integer count");
            count = x->value.v.i;
        }
        rc = floe_interval_from_unit(count, u, strlen(u), &v.v.iv, b->err);
        if (rc) return floe_binder_at(b, rc, ae->off);
    }
done:
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : floe_binder_nomem(b);
}

/* ------------------------------------------------------------ expressions */

static floe_fn binop_fn(floe_ast_binop op)
{
    switch (op) {
    case FLOE_AST_EQ: return FLOE_FN_EQ;
    case FLOE_AST_NE: return FLOE_FN_NE;
    case FLOE_AST_LT: return FLOE_FN_LT;
    case FLOE_AST_LE: return FLOE_FN_LE;
    case FLOE_AST_GT: return FLOE_FN_GT;
    case FLOE_AST_GE: return FLOE_FN_GE;
    case FLOE_AST_CONCAT: return FLOE_FN_CONCAT_OP;
    case FLOE_AST_ADD: return FLOE_FN_ADD;
    case FLOE_AST_SUB: return FLOE_FN_SUB;
    case FLOE_AST_MUL: return FLOE_FN_MUL;
    case FLOE_AST_DIV: return FLOE_FN_DIV;
    case FLOE_AST_MOD: return FLOE_FN_MOD;
    default: return FLOE_FN_EQ;
    }
}

static const char *binop_name(floe_ast_binop op)
{
    static const char *names[] = {"OR", "AND", "=", "<>", "<", "<=", ">", ">=",
                                  "||", "+",  "-",   "*", "/", "%"};
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

static int is_not_null(binder *b, floe_expr *x, bool negated, floe_expr **out)
{
    floe_expr *e = floe_bind_expr_new(b->a, FLOE_EXPR_IS_NULL, T(FLOE_TYPE_BOOLEAN), 1);
    if (e == NULL) return floe_binder_nomem(b);
    e->args[0] = x;
    e->negated = negated;
    return floe_bind_expr_fold(b->a, e, out, b->err);
}

static int coalesce_false(binder *b, floe_expr *x, floe_expr **out)
{
    floe_expr *e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, T(FLOE_TYPE_BOOLEAN), 2);
    if (e == NULL) return floe_binder_nomem(b);
    e->args[0] = x;
    e->args[1] = floe_binder_const_int(b, T(FLOE_TYPE_BOOLEAN), 0);
    if (e->args[1] == NULL) return floe_binder_nomem(b);
    if (x->kind == FLOE_EXPR_CONST) {
        *out = x->value.is_null ? e->args[1] : x;
        return FLOE_OK;
    }
    *out = e;
    return FLOE_OK;
}

int floe_binder_logic2(binder *b, floe_expr_kind k, floe_expr *x, floe_expr *y, floe_expr **out)
{
    floe_expr *args[2] = {x, y};
    return floe_bind_expr_logic(b->a, k, args, y ? 2 : 1, out, b->err);
}

/* x IS [NOT] NULL / UNKNOWN / TRUE / FALSE / DISTINCT FROM y. */
static int bind_is(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *x = NULL, *y = NULL, *e;
    int rc;
    if ((rc = floe_binder_expr(bk, ae->is.arg, &x))) return rc;
    switch (ae->is.what) {
    case FLOE_AST_IS_NULL:
    case FLOE_AST_IS_UNKNOWN: rc = is_not_null(b, x, ae->is.negated, out); break;
    case FLOE_AST_IS_TRUE:
    case FLOE_AST_IS_FALSE:
        if (x->type.id == FLOE_TYPE_NULL &&
            (rc = floe_bind_expr_cast(b->a, x, T(FLOE_TYPE_BOOLEAN), &x, b->err)))
            break;
        if (ae->is.what == FLOE_AST_IS_FALSE && (rc = floe_binder_logic2(b, FLOE_EXPR_NOT, x, NULL, &x))) break;
        if ((rc = floe_binder_logic2(b, FLOE_EXPR_AND, x, x, &x))) break; /* type check */
        if ((rc = coalesce_false(b, x, &x))) break;
        rc = ae->is.negated ? floe_binder_logic2(b, FLOE_EXPR_NOT, x, NULL, out) : (*out = x, FLOE_OK);
        break;
    case FLOE_AST_IS_DISTINCT: {
        floe_expr *eq, *n1, *n2, *both;
        if ((rc = floe_binder_expr(bk, ae->is.right, &y))) return rc;
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "IS DISTINCT FROM", x, y, &eq, b->err)))
            break;
        if ((rc = is_not_null(b, x, false, &n1)) || (rc = is_not_null(b, y, false, &n2)) ||
            (rc = floe_binder_logic2(b, FLOE_EXPR_AND, n1, n2, &both)))
            break;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, T(FLOE_TYPE_BOOLEAN), 2);
        if (e == NULL) return floe_binder_nomem(b);
        e->args[0] = eq;
        e->args[1] = both; /* eq is NULL only when a side is NULL */
        /* IS NOT DISTINCT FROM = coalesce(x = y, x IS NULL AND y IS NULL) */
        rc = ae->is.negated ? (*out = e, FLOE_OK) : floe_binder_logic2(b, FLOE_EXPR_NOT, e, NULL, out);
        break;
    }
    }
    return floe_binder_at(b, rc, ae->off);
}

/* x [NOT] IN (list): one common type for the operand and the items. */
static int bind_in_list(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *e;
    uint32_t i;
    int rc;
    uint32_t n = (uint32_t)ae->in_list.nitems + 1;
    floe_type t;
    e = floe_bind_expr_new(b->a, FLOE_EXPR_IN_LIST, T(FLOE_TYPE_BOOLEAN), n);
    if (e == NULL) return floe_binder_nomem(b);
    if ((rc = floe_binder_expr(bk, ae->in_list.arg, &e->args[0]))) return rc;
    for (i = 1; i < n; i++)
        if ((rc = floe_binder_expr(bk, ae->in_list.items[i - 1], &e->args[i]))) return rc;
    /* the operand's type wins over constant strings */
    if ((rc = floe_binder_common_type(b, e->args, n, "IN", ae->off, &t))) {
        char b1[32], b2[32];
        for (i = 1; i < n; i++) {
            floe_type u;
            if (!floe_bind_expr_common_type(e->args[0], e->args[i], &u)) break;
        }
        if (i < n)
            return floe_err_set_at(b->err, FLOE_TYPE, ae->off, "operator does not exist: %s = %s",
                                   floe_type_name(e->args[0]->type, b1, sizeof b1),
                                   floe_type_name(e->args[i]->type, b2, sizeof b2));
        return rc;
    }
    e->negated = ae->in_list.negated;
    return floe_bind_expr_fold(b->a, e, out, b->err);
}

/* x [NOT] [I]LIKE pattern [ESCAPE c] over strings. */
static int bind_like(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *e;
    uint32_t i;
    int rc;
    uint32_t n = ae->like.escape ? 3 : 2;
    e = floe_bind_expr_new(b->a, FLOE_EXPR_LIKE, T(FLOE_TYPE_BOOLEAN), n);
    if (e == NULL) return floe_binder_nomem(b);
    if ((rc = floe_binder_expr(bk, ae->like.arg, &e->args[0])) ||
        (rc = floe_binder_expr(bk, ae->like.pattern, &e->args[1])) ||
        (ae->like.escape && (rc = floe_binder_expr(bk, ae->like.escape, &e->args[2]))))
        return rc;
    for (i = 0; i < n; i++)
        if ((rc = floe_binder_need_type(b, &e->args[i], T(FLOE_TYPE_VARCHAR),
                            ae->like.ilike ? "ILIKE" : "LIKE", ae->off)))
            return rc;
    e->negated = ae->like.negated;
    e->ilike = ae->like.ilike;
    *out = e;
    return FLOE_OK;
}

/* CASE [operand] WHEN ... THEN ... [ELSE ...] END: one result type. */
static int bind_case(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *x, *e;
    uint32_t i;
    int rc;
    uint32_t nw = (uint32_t)ae->case_.nwhens, n = nw * 2 + (ae->case_.else_ ? 1 : 0);
    floe_expr **res = floe_arena_alloc(b->a, (nw + 1) * sizeof *res);
    floe_expr *op = NULL;
    floe_type t;
    uint32_t nr = 0;
    e = floe_bind_expr_new(b->a, FLOE_EXPR_CASE, T(FLOE_TYPE_NULL), n);
    if (e == NULL || res == NULL) return floe_binder_nomem(b);
    if (ae->case_.operand && (rc = floe_binder_expr(bk, ae->case_.operand, &op))) return rc;
    for (i = 0; i < nw; i++) {
        floe_expr *w;
        if ((rc = floe_binder_expr(bk, ae->case_.whens[i], &w))) return rc;
        if (op) {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", op, w, &w, b->err)))
                return floe_binder_at(b, rc, ae->case_.whens[i]->off);
        } else if ((rc = floe_binder_logic2(b, FLOE_EXPR_AND, w, w, &x))) {
            return floe_binder_at(b, rc, ae->case_.whens[i]->off);
        } else if (w->type.id != FLOE_TYPE_BOOLEAN &&
                   (rc = floe_bind_expr_cast(b->a, w, T(FLOE_TYPE_BOOLEAN), &w, b->err))) {
            return floe_binder_at(b, rc, ae->case_.whens[i]->off);
        }
        e->args[2 * i] = w;
        if ((rc = floe_binder_expr(bk, ae->case_.thens[i], &res[nr++]))) return rc;
    }
    if (ae->case_.else_) {
        if ((rc = floe_binder_expr(bk, ae->case_.else_, &res[nr++]))) return rc;
        e->has_else = true;
    }
    if ((rc = floe_binder_common_type(b, res, nr, "CASE", ae->off, &t))) return rc;
    for (i = 0; i < nw; i++) e->args[2 * i + 1] = res[i];
    if (ae->case_.else_) e->args[2 * nw] = res[nw];
    e->type = t;
    return floe_bind_expr_fold(b->a, e, out, b->err);
}

static int bind_expr_inner(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *x = NULL, *y = NULL;
    int rc = FLOE_OK;

    switch (ae->kind) {
    case FLOE_AST_INT: return bind_literal_int(b, ae, out);
    case FLOE_AST_NUM: return bind_literal_num(b, ae, out);
    case FLOE_AST_STRING:
        *out = floe_binder_const_str(b, ae->str.s, ae->str.n);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    case FLOE_AST_BOOL:
        *out = floe_binder_const_int(b, T(FLOE_TYPE_BOOLEAN), ae->bool_val);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    case FLOE_AST_NULL:
        *out = floe_bind_expr_const(b->a, floe_value_null(T(FLOE_TYPE_NULL)));
        return *out ? FLOE_OK : floe_binder_nomem(b);
    case FLOE_AST_TYPED: {
        floe_value sv, v;
        sv.type = T(FLOE_TYPE_VARCHAR);
        sv.is_null = false;
        sv.v.s.ptr = ae->typed.s;
        sv.v.s.len = (uint32_t)ae->typed.n;
        rc = floe_bind_expr_cast_value(b->a, &sv, ae->typed.type, &v, b->err);
        if (rc) return floe_binder_at(b, rc, ae->off);
        *out = floe_bind_expr_const(b->a, v);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    }
    case FLOE_AST_INTERVAL: return bind_interval(bk, ae, out);
    case FLOE_AST_COLUMN:
        rc = floe_binder_resolve_column(bk, ae->column.table, ae->column.name, ae->off, out, true);
        if (rc && ae->column.table == NULL &&
            (strcmp(ae->column.name, "current_timestamp") == 0 ||
             strcmp(ae->column.name, "current_date") == 0 || strcmp(ae->column.name, "now") == 0)) {
            floe_err_clear(b->err);
            if (strcmp(ae->column.name, "current_date") == 0) {
                int64_t d = b->now_us / FLOE_MICROS_PER_DAY;
                if (b->now_us % FLOE_MICROS_PER_DAY < 0) d--;
                *out = floe_binder_const_int(b, T(FLOE_TYPE_DATE), d);
            } else {
                *out = floe_binder_const_int(b, T(FLOE_TYPE_TIMESTAMP), b->now_us);
            }
            return *out ? FLOE_OK : floe_binder_nomem(b);
        }
        return rc;
    case FLOE_AST_STAR:
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "* is not allowed here");
    case FLOE_AST_UNARY:
        if ((rc = floe_binder_expr(bk, ae->unary.arg, &x))) return rc;
        if (ae->unary.op == FLOE_AST_NOT) rc = floe_binder_logic2(b, FLOE_EXPR_NOT, x, NULL, out);
        else if (ae->unary.op == FLOE_AST_NEG) rc = floe_bind_expr_neg(b->a, x, out, b->err);
        else {
            char b1[32];
            if (!floe_type_is_numeric(x->type) && x->type.id != FLOE_TYPE_INTERVAL)
                return floe_err_set_at(b->err, FLOE_TYPE, ae->off,
                                       "operator does not exist: + %s",
                                       floe_type_name(x->type, b1, sizeof b1));
            *out = x;
        }
        return floe_binder_at(b, rc, ae->off);
    case FLOE_AST_BINARY:
        if ((rc = floe_binder_expr(bk, ae->binary.left, &x)) || (rc = floe_binder_expr(bk, ae->binary.right, &y)))
            return rc;
        if (ae->binary.op == FLOE_AST_AND || ae->binary.op == FLOE_AST_OR)
            rc = floe_binder_logic2(b, ae->binary.op == FLOE_AST_AND ? FLOE_EXPR_AND : FLOE_EXPR_OR, x, y, out);
        else
            rc = floe_bind_expr_binary(b->a, binop_fn(ae->binary.op),
                                       binop_name(ae->binary.op), x, y, out, b->err);
        return floe_binder_at(b, rc, ae->off);
    case FLOE_AST_IS: return bind_is(bk, ae, out);
    case FLOE_AST_BETWEEN: {
        floe_expr *lo, *hi, *c1, *c2;
        if ((rc = floe_binder_expr(bk, ae->between.arg, &x)) || (rc = floe_binder_expr(bk, ae->between.lo, &lo)) ||
            (rc = floe_binder_expr(bk, ae->between.hi, &hi)))
            return rc;
        if (ae->between.negated) {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_LT, "<", x, lo, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_GT, ">", x, hi, &c2, b->err)))
                return floe_binder_at(b, rc, ae->off);
            rc = floe_binder_logic2(b, FLOE_EXPR_OR, c1, c2, out);
        } else {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_GE, ">=", x, lo, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_LE, "<=", x, hi, &c2, b->err)))
                return floe_binder_at(b, rc, ae->off);
            rc = floe_binder_logic2(b, FLOE_EXPR_AND, c1, c2, out);
        }
        return floe_binder_at(b, rc, ae->off);
    }
    case FLOE_AST_IN_LIST: return bind_in_list(bk, ae, out);
    case FLOE_AST_IN_QUERY:
        if ((rc = floe_binder_expr(bk, ae->in_query.arg, &x))) return rc;
        return floe_binder_subquery(bk, ae->in_query.query, FLOE_SUBQ_IN, x, ae->in_query.negated,
                             ae->off, out);
    case FLOE_AST_EXISTS:
        return floe_binder_subquery(bk, ae->subquery.query, FLOE_SUBQ_EXISTS, NULL, false, ae->off, out);
    case FLOE_AST_SUBQUERY:
        return floe_binder_subquery(bk, ae->subquery.query, FLOE_SUBQ_SCALAR, NULL, false, ae->off, out);
    case FLOE_AST_LIKE: return bind_like(bk, ae, out);
    case FLOE_AST_CALL: return floe_binder_call(bk, ae, out);
    case FLOE_AST_CAST:
        if ((rc = floe_binder_expr(bk, ae->cast.arg, &x))) return rc;
        if (x->type.id == FLOE_TYPE_VARCHAR && x->kind == FLOE_EXPR_CONST &&
            ae->cast.type.id == FLOE_TYPE_VARCHAR) {
            *out = x;
            return FLOE_OK;
        }
        if (ae->cast.try_) {
            /* try_cast: a constant that does not convert folds to NULL; other
             * casts are marked (negated) to give NULL per failing row */
            floe_err e2;
            floe_err_clear(&e2);
            if (x->kind == FLOE_EXPR_CONST &&
                floe_bind_expr_cast(b->a, x, ae->cast.type, out, &e2) != FLOE_OK) {
                *out = floe_binder_const_int(b, ae->cast.type, 0);
                if (*out == NULL) return floe_binder_nomem(b);
                (*out)->value = floe_value_null(ae->cast.type);
                return FLOE_OK;
            }
            if (x->kind == FLOE_EXPR_CONST) return FLOE_OK;
        }
        rc = floe_bind_expr_cast(b->a, x, ae->cast.type, out, b->err);
        if (rc == FLOE_OK && ae->cast.try_ && (*out)->kind == FLOE_EXPR_CAST) (*out)->negated = true;
        return floe_binder_at(b, rc, ae->off);
    case FLOE_AST_CASE: return bind_case(bk, ae, out);
    case FLOE_AST_EXTRACT: {
        floe_expr *args[2];
        floe_dt_unit unit;
        if ((rc = floe_binder_expr(bk, ae->extract.arg, &x))) return rc;
        if (floe_dt_unit_parse(ae->extract.field, strlen(ae->extract.field), &unit, b->err))
            return floe_binder_at(b, b->err ? b->err->code : FLOE_ERROR, ae->off);
        if ((rc = floe_binder_need_type(b, &x, T(FLOE_TYPE_TIMESTAMP), "extract", ae->off))) return rc;
        args[0] = floe_binder_const_str(b, ae->extract.field, strlen(ae->extract.field));
        args[1] = x;
        if (args[0] == NULL) return floe_binder_nomem(b);
        *out = floe_bind_expr_call(b->a, FLOE_FN_DATE_PART, T(FLOE_TYPE_BIGINT), args, 2);
        return *out ? FLOE_OK : floe_binder_nomem(b);
    }
    case FLOE_AST_PARAM: return floe_binder_param(b, ae, out); /* sql/bind_ddl.c */
    }
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off, "unsupported expression");
}

int floe_binder_expr(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    int rc;
    if (++bk->b->depth > 2000) {
        bk->b->depth--;
        return floe_err_set_at(bk->b->err, FLOE_ERROR, ae->off, "expression nested too deeply");
    }
    rc = bind_expr_inner(bk, ae, out);
    bk->b->depth--;
    return rc;
}
