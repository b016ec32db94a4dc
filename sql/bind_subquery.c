/* sql/bind_subquery.c: binding and decorrelation of subqueries.
 *
 * Subqueries bind in a frame whose outer references become PARAMs. In a
 * WHERE conjunct, [NOT] EXISTS / IN correlated by equalities become SEMI /
 * ANTI joins, and correlated scalar aggregates a LEFT join with the
 * aggregate grouped by the inner keys (sql/binder.h lists the rules).
 */
#include "sql/bind_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "util/datetime.h"
#include "util/mem.h"

/* ------------------------------------------------------------ decorrelation */

static bool has_kind(const floe_expr *e, floe_expr_kind k)
{
    uint32_t i;
    if (e->kind == k) return true;
    for (i = 0; i < e->nargs; i++)
        if (has_kind(e->args[i], k)) return true;
    return false;
}

/* Copy of e with PARAM k replaced by a copy of args[k]. */
static floe_expr *subst_params(binder *b, const floe_expr *e, floe_expr **args)
{
    floe_expr *c;
    uint32_t i;
    if (e->kind == FLOE_EXPR_PARAM) return floe_bind_expr_copy(b->a, args[e->index]);
    c = floe_arena_alloc(b->a, sizeof *c);
    if (c == NULL) return NULL;
    *c = *e;
    if (e->nargs) {
        c->args = floe_arena_alloc(b->a, e->nargs * sizeof *c->args);
        if (c->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((c->args[i] = subst_params(b, e->args[i], args)) == NULL) return NULL;
    }
    return c;
}

static bool plan_has_param(const floe_plan *p)
{
    uint32_t i;
    switch (p->kind) {
    case FLOE_PLAN_SCAN:
        if (p->u.scan.filter && has_kind(p->u.scan.filter, FLOE_EXPR_PARAM)) return true;
        break;
    case FLOE_PLAN_FILTER:
        if (has_kind(p->u.filter.pred, FLOE_EXPR_PARAM)) return true;
        break;
    case FLOE_PLAN_PROJECT:
        for (i = 0; i < p->ncols; i++)
            if (has_kind(p->u.project.exprs[i], FLOE_EXPR_PARAM)) return true;
        break;
    case FLOE_PLAN_AGGREGATE:
        for (i = 0; i < p->u.agg.ngroups; i++)
            if (has_kind(p->u.agg.groups[i], FLOE_EXPR_PARAM)) return true;
        for (i = 0; i < p->u.agg.naggs; i++)
            if ((p->u.agg.aggs[i].arg && has_kind(p->u.agg.aggs[i].arg, FLOE_EXPR_PARAM)) ||
                (p->u.agg.aggs[i].arg2 && has_kind(p->u.agg.aggs[i].arg2, FLOE_EXPR_PARAM)) ||
                (p->u.agg.aggs[i].filter && has_kind(p->u.agg.aggs[i].filter, FLOE_EXPR_PARAM)))
                return true;
        for (i = 0; i < p->u.agg.naggs; i++) {
            uint32_t k;
            for (k = 0; k < p->u.agg.aggs[i].norder; k++)
                if (has_kind(p->u.agg.aggs[i].order[k], FLOE_EXPR_PARAM)) return true;
        }
        break;
    case FLOE_PLAN_HASH_JOIN:
    case FLOE_PLAN_NL_JOIN:
        for (i = 0; i < p->u.join.nkeys; i++)
            if (has_kind(p->u.join.left_keys[i], FLOE_EXPR_PARAM) ||
                has_kind(p->u.join.right_keys[i], FLOE_EXPR_PARAM))
                return true;
        if (p->u.join.cond && has_kind(p->u.join.cond, FLOE_EXPR_PARAM)) return true;
        break;
    case FLOE_PLAN_VALUES:
        for (i = 0; i < p->u.values.nrows * p->ncols; i++)
            if (has_kind(p->u.values.cells[i], FLOE_EXPR_PARAM)) return true;
        break;
    case FLOE_PLAN_CTE_SCAN: return plan_has_param(p->u.cte.def);
    default: break;
    }
    for (i = 0; i < p->nchildren; i++)
        if (plan_has_param(p->children[i])) return true;
    return false;
}

/* Copy of inner conjunct e in decorr.resid's space: PARAM k becomes a new
 * left column (rleft = the outer value), each inner COLUMN a right column
 * (rinner, one per distinct gid). */
static floe_expr *resid_expr(block *bk, const floe_expr *e, decorr *dc)
{
    binder *b = bk->b;
    floe_expr *c;
    uint32_t i;
    if (e->kind == FLOE_EXPR_PARAM) {
        floe_expr *oe = floe_bind_expr_copy(b->a, bk->fr->args[e->index]);
        if (oe == NULL) return NULL;
        dc->rleft = floe_binder_grow(b, dc->rleft, dc->nrleft, &dc->caprleft, sizeof *dc->rleft);
        if (dc->rleft == NULL) return NULL;
        dc->rleft[dc->nrleft] = oe;
        return floe_bind_expr_column(b->a, dc->nrleft++, e->type);
    }
    if (e->kind == FLOE_EXPR_COLUMN) {
        for (i = 0; i < dc->nrinner; i++)
            if (dc->rinner[i]->index == e->index) break;
        if (i == dc->nrinner) {
            floe_expr *ie = floe_bind_expr_copy(b->a, e);
            if (ie == NULL) return NULL;
            dc->rinner = floe_binder_grow(b, dc->rinner, dc->nrinner, &dc->caprinner, sizeof *dc->rinner);
            if (dc->rinner == NULL) return NULL;
            dc->rinner[dc->nrinner++] = ie;
        }
        return floe_bind_expr_column(b->a, DC_RIGHT + i, e->type);
    }
    c = floe_arena_alloc(b->a, sizeof *c);
    if (c == NULL) return NULL;
    *c = *e;
    if (e->nargs) {
        c->args = floe_arena_alloc(b->a, e->nargs * sizeof *c->args);
        if (c->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((c->args[i] = resid_expr(bk, e->args[i], dc)) == NULL) return NULL;
    }
    return c;
}

/* AND correlated conjunct e into dc->resid ([NOT] EXISTS / IN only);
 * FLOE_UNSUPPORTED (dc->failed) for other kinds. */
static int add_resid(block *bk, floe_expr *e, decorr *dc)
{
    binder *b = bk->b;
    floe_expr *r;
    if (dc->kind == FLOE_SUBQ_SCALAR || has_kind(e, FLOE_EXPR_SUBQUERY)) {
        dc->failed = true;
        return FLOE_UNSUPPORTED;
    }
    if ((r = resid_expr(bk, e, dc)) == NULL) return floe_binder_nomem(b);
    if (dc->resid != NULL) {
        floe_expr *an = floe_bind_expr_new(b->a, FLOE_EXPR_AND, floe_type_make(FLOE_TYPE_BOOLEAN), 2);
        if (an == NULL) return floe_binder_nomem(b);
        an->args[0] = dc->resid;
        an->args[1] = r;
        r = an;
    }
    dc->resid = r;
    return FLOE_OK;
}

bool floe_binder_plan_has_param(const floe_plan *p) { return plan_has_param(p); }

/* Move the correlated equalities of the WHERE conjuncts into dc; for
 * [NOT] EXISTS / IN, other correlated conjuncts go to dc->resid. Fails
 * (dc->failed) on any other use of an outer value there. */
int floe_binder_dc_extract(block *bk, floe_expr **conj, uint32_t *nconj, decorr *dc)
{
    binder *b = bk->b;
    uint32_t i, n = 0;
    int rc;
    for (i = 0; i < *nconj; i++) {
        floe_expr *e = conj[i];
        int pa;
        if (!has_kind(e, FLOE_EXPR_PARAM)) {
            conj[n++] = e;
            continue;
        }
        if (e->kind != FLOE_EXPR_CALL || e->fn != FLOE_FN_EQ) {
            if ((rc = add_resid(bk, e, dc))) return rc;
            continue;
        }
        for (pa = 0; pa < 2; pa++) {
            floe_expr *po = e->args[pa], *in = e->args[1 - pa];
            if (has_kind(po, FLOE_EXPR_PARAM) && !has_kind(po, FLOE_EXPR_COLUMN) &&
                !has_kind(po, FLOE_EXPR_SUBQUERY) && !has_kind(in, FLOE_EXPR_PARAM) &&
                has_kind(in, FLOE_EXPR_COLUMN) && !has_kind(in, FLOE_EXPR_SUBQUERY)) {
                floe_expr *oe = subst_params(b, po, bk->fr->args);
                if (oe == NULL) return floe_binder_nomem(b);
                dc->inner = floe_binder_grow(b, dc->inner, dc->nkeys, &dc->cap, sizeof *dc->inner);
                if (dc->inner == NULL) return floe_binder_nomem(b);
                {
                    uint32_t cap = dc->cap;
                    floe_expr **no = floe_arena_alloc(b->a, cap * sizeof *no);
                    if (no == NULL) return floe_binder_nomem(b);
                    if (dc->nkeys) memcpy(no, dc->outer, dc->nkeys * sizeof *no);
                    dc->outer = no;
                }
                dc->inner[dc->nkeys] = in;
                dc->outer[dc->nkeys] = oe;
                dc->nkeys++;
                break;
            }
        }
        if (pa == 2 && (rc = add_resid(bk, e, dc))) return rc;
    }
    *nconj = n;
    if (dc->nkeys == 0) goto fail;
    return FLOE_OK;
fail:
    dc->failed = true;
    return FLOE_UNSUPPORTED;
}

/* Copy of resid with right columns DC_RIGHT + j renumbered nleft + j. */
static floe_expr *resid_shift(binder *b, const floe_expr *e, uint32_t nleft)
{
    floe_expr *c = floe_arena_alloc(b->a, sizeof *c);
    uint32_t i;
    if (c == NULL) return NULL;
    *c = *e;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= DC_RIGHT) c->index = e->index - DC_RIGHT + nleft;
    if (e->nargs) {
        c->args = floe_arena_alloc(b->a, e->nargs * sizeof *c->args);
        if (c->args == NULL) return NULL;
        for (i = 0; i < e->nargs; i++)
            if ((c->args[i] = resid_shift(b, e->args[i], nleft)) == NULL) return NULL;
    }
    return c;
}

/* Bind subquery q in decorrelation mode for kind; FLOE_OK with *out and dc
 * filled, FLOE_UNSUPPORTED when the shape does not allow it (err cleared). */
static int bind_decorrelated(block *bk, const floe_ast_query *q, floe_subq_kind kind, decorr *dc,
                             floe_plan **out)
{
    binder *b = bk->b;
    frame *fr = floe_arena_alloc(b->a, sizeof *fr);
    int rc;
    if (fr == NULL) return floe_binder_nomem(b);
    memset(fr, 0, sizeof *fr);
    memset(dc, 0, sizeof *dc);
    dc->kind = kind;
    fr->outer = bk;
    fr->dc = dc;
    fr->dc_pending = true;
    if (q->kind != FLOE_AST_Q_SELECT || q->nctes || q->norder_by || q->limit || q->offset)
        return FLOE_UNSUPPORTED;
    rc = floe_binder_query(b, fr, q, out);
    if (rc == FLOE_NOMEM) return rc;
    if (rc || dc->failed || dc->nkeys == 0 || plan_has_param(*out)) {
        floe_err_clear(b->err);
        return FLOE_UNSUPPORTED;
    }
    return FLOE_OK;
}

/* WHERE conjunct [NOT] EXISTS (...) or x IN (...) correlated by equalities:
 * a SEMI/ANTI join. *done false when the conjunct must be bound normally. */
int floe_binder_try_semi(block *bk, const floe_ast_expr *ae, bool *done)
{
    binder *b = bk->b;
    bool negated = false;
    const floe_ast_query *q;
    floe_expr *x = NULL;
    decorr dc;
    floe_plan *sub;
    floe_psemi *sj;
    uint32_t i, off;
    int rc;
    *done = false;
    if (ae->kind == FLOE_AST_UNARY && ae->unary.op == FLOE_AST_NOT &&
        ae->unary.arg->kind == FLOE_AST_EXISTS) {
        negated = true;
        ae = ae->unary.arg;
    }
    if (ae->kind == FLOE_AST_EXISTS) {
        q = ae->subquery.query;
    } else if (ae->kind == FLOE_AST_IN_QUERY && !ae->in_query.negated) {
        q = ae->in_query.query;
    } else {
        return FLOE_OK;
    }
    rc = bind_decorrelated(bk, q, ae->kind == FLOE_AST_EXISTS ? FLOE_SUBQ_EXISTS : FLOE_SUBQ_IN,
                           &dc, &sub);
    if (rc == FLOE_UNSUPPORTED) return FLOE_OK;
    if (rc) return rc;
    off = dc.nvals;
    if (ae->kind == FLOE_AST_IN_QUERY) {
        floe_type t;
        floe_expr tmp;
        if (dc.nvals != 1) return FLOE_OK; /* the normal path reports it */
        if ((rc = floe_binder_expr(bk, ae->in_query.arg, &x))) return rc;
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = FLOE_EXPR_COLUMN;
        tmp.type = sub->types[0];
        if (!floe_bind_expr_common_type(x, &tmp, &t) || !floe_type_eq(t, sub->types[0]))
            return FLOE_OK;
        if ((rc = floe_bind_expr_cast(b->a, x, t, &x, b->err))) return floe_binder_at(b, rc, ae->off);
    }
    bk->semis = floe_binder_grow(b, bk->semis, bk->nsemis, &bk->capsemis, sizeof *bk->semis);
    if (bk->semis == NULL) return floe_binder_nomem(b);
    sj = &bk->semis[bk->nsemis];
    sj->type = negated ? FLOE_JOIN_ANTI : FLOE_JOIN_SEMI;
    sj->plan = sub;
    sj->nkeys = dc.nkeys + (x ? 1 : 0);
    sj->left_keys = floe_arena_alloc(b->a, sj->nkeys * sizeof *sj->left_keys);
    sj->right_cols = floe_arena_alloc(b->a, sj->nkeys * sizeof *sj->right_cols);
    if (sj->left_keys == NULL || sj->right_cols == NULL) return floe_binder_nomem(b);
    for (i = 0; i < dc.nkeys; i++) {
        sj->left_keys[i] = dc.outer[i];
        sj->right_cols[i] = off + i;
    }
    if (x) {
        sj->left_keys[dc.nkeys] = x;
        sj->right_cols[dc.nkeys] = 0;
    }
    sj->cond = NULL;
    sj->ncond_left = sj->ncond_right = 0;
    if (dc.resid) {
        /* residual: left columns first, then the inner columns after the keys */
        sj->cond_left = dc.rleft;
        sj->ncond_left = dc.nrleft;
        sj->ncond_right = dc.nrinner;
        sj->cond_right = floe_arena_alloc(b->a, (dc.nrinner ? dc.nrinner : 1) * sizeof *sj->cond_right);
        if (sj->cond_right == NULL) return floe_binder_nomem(b);
        for (i = 0; i < dc.nrinner; i++) sj->cond_right[i] = off + dc.nkeys + i;
        if ((sj->cond = resid_shift(b, dc.resid, dc.nrleft)) == NULL) return floe_binder_nomem(b);
    }
    bk->nsemis++;
    *done = true;
    return FLOE_OK;
}

/* Correlated scalar aggregate subquery in WHERE: LEFT join with the
 * aggregate grouped by the inner keys; *out is the value column. */
static int try_scalar_join(block *bk, const floe_ast_query *q, floe_expr **out, bool *done)
{
    binder *b = bk->b;
    decorr dc;
    floe_plan *sub;
    floe_prel r;
    floe_pitem *it;
    floe_expr **on;
    uint32_t i, gid0;
    int rc;
    *done = false;
    rc = bind_decorrelated(bk, q, FLOE_SUBQ_SCALAR, &dc, &sub);
    if (rc == FLOE_UNSUPPORTED) return FLOE_OK;
    if (rc) return rc;
    if (dc.nvals != 1) return FLOE_OK;
    memset(&r, 0, sizeof r);
    r.is_table = false;
    r.plan = sub;
    r.ncols = sub->ncols;
    r.types = sub->types;
    r.names = sub->names;
    r.est_rows = sub->est_rows;
    gid0 = bk->ngids;
    it = floe_arena_alloc(b->a, sizeof *it);
    on = floe_arena_alloc(b->a, dc.nkeys * sizeof *on);
    if (it == NULL || on == NULL) return floe_binder_nomem(b);
    memset(it, 0, sizeof *it);
    it->kind = FLOE_PITEM_REL;
    it->rel = bk->nrels;
    /* the subquery's columns get gids but no visible names */
    r.first_gid = bk->ngids;
    bk->rels = floe_binder_grow(b, bk->rels, bk->nrels, &bk->caprels, sizeof *bk->rels);
    if (bk->rels == NULL) return floe_binder_nomem(b);
    bk->rels[bk->nrels++] = r;
    bk->ngids += r.ncols;
    for (i = 0; i < dc.nkeys; i++) {
        floe_expr *rk = floe_bind_expr_column(b->a, gid0 + 1 + i, sub->types[1 + i]);
        if (rk == NULL) return floe_binder_nomem(b);
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", dc.outer[i], rk, &on[i], b->err)))
            return rc;
    }
    bk->sjoins = floe_binder_grow(b, bk->sjoins, bk->nsjoins, &bk->capsjoins, sizeof *bk->sjoins);
    if (bk->sjoins == NULL) return floe_binder_nomem(b);
    {
        uint32_t cap = bk->capsjoins;
        floe_expr ***no = floe_arena_alloc(b->a, cap * sizeof *no);
        if (no == NULL) return floe_binder_nomem(b);
        if (bk->nsjoins) memcpy(no, bk->sjoin_on, bk->nsjoins * sizeof *no);
        bk->sjoin_on = no;
    }
    /* the key count travels in the item's `non` */
    it->non = dc.nkeys;
    bk->sjoins[bk->nsjoins] = it;
    bk->sjoin_on[bk->nsjoins] = on;
    bk->nsjoins++;
    *out = floe_bind_expr_column(b->a, gid0, sub->types[0]);
    if (*out == NULL) return floe_binder_nomem(b);
    if (dc.count_value) {
        /* keys without rows: count is 0, not the LEFT join's NULL */
        floe_expr *co = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, sub->types[0], 2);
        if (co == NULL) return floe_binder_nomem(b);
        co->args[0] = *out;
        co->args[1] = floe_binder_const_int(b, sub->types[0], 0);
        if (co->args[1] == NULL) return floe_binder_nomem(b);
        *out = co;
    }
    *done = true;
    return FLOE_OK;
}

/* ------------------------------------------------------------ subqueries */

int floe_binder_subquery(block *bk, const floe_ast_query *q, floe_subq_kind kind,
                         floe_expr *operand, bool negated, int off, floe_expr **out)
{
    binder *b = bk->b;
    frame *fr = floe_arena_alloc(b->a, sizeof *fr);
    floe_plan *sub;
    floe_expr *e;
    uint32_t extra = operand ? 1 : 0, i;
    int rc;
    if (fr == NULL) return floe_binder_nomem(b);
    memset(fr, 0, sizeof *fr);
    fr->outer = bk;
    if (kind == FLOE_SUBQ_SCALAR && bk->in_where && bk->nrels > 0 && !bk->in_agg) {
        bool done;
        if ((rc = try_scalar_join(bk, q, out, &done))) return rc;
        if (done) return FLOE_OK;
    }
    if ((rc = floe_binder_query(b, fr, q, &sub))) return rc;
    if (kind != FLOE_SUBQ_EXISTS && sub->ncols != 1)
        return floe_err_set_at(b->err, FLOE_ERROR, off, "subquery must return only one column");
    if (kind == FLOE_SUBQ_IN) {
        floe_type t;
        floe_expr tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = FLOE_EXPR_COLUMN;
        tmp.type = sub->types[0];
        if (!floe_bind_expr_common_type(operand, &tmp, &t)) {
            char b1[32], b2[32];
            return floe_err_set_at(b->err, FLOE_TYPE, off, "operator does not exist: %s IN %s",
                                   floe_type_name(operand->type, b1, sizeof b1),
                                   floe_type_name(sub->types[0], b2, sizeof b2));
        }
        if (t.id == FLOE_TYPE_NULL) t = T(FLOE_TYPE_INTEGER);
        if ((rc = floe_bind_expr_cast(b->a, operand, t, &operand, b->err))) return floe_binder_at(b, rc, off);
        if (!floe_type_eq(sub->types[0], t)) {
            floe_plan *p = floe_planner_node(b->a, FLOE_PLAN_PROJECT, 1, 1);
            floe_expr *c;
            if (p == NULL) return floe_binder_nomem(b);
            c = floe_bind_expr_column(b->a, 0, sub->types[0]);
            if (c == NULL) return floe_binder_nomem(b);
            if ((rc = floe_bind_expr_cast(b->a, c, t, &c, b->err))) return floe_binder_at(b, rc, off);
            p->u.project.exprs = floe_arena_alloc(b->a, sizeof(floe_expr *));
            if (p->u.project.exprs == NULL) return floe_binder_nomem(b);
            p->u.project.exprs[0] = c;
            p->types[0] = t;
            p->names[0] = sub->names[0];
            p->children[0] = sub;
            p->est_rows = sub->est_rows;
            sub = p;
        }
    }
    e = floe_bind_expr_new(b->a, FLOE_EXPR_SUBQUERY,
                           kind == FLOE_SUBQ_SCALAR ? sub->types[0] : T(FLOE_TYPE_BOOLEAN),
                           extra + fr->n);
    if (e == NULL) return floe_binder_nomem(b);
    e->subq_kind = kind;
    e->subplan = sub;
    e->negated = negated;
    e->nparams = fr->n;
    e->correlated = fr->n > 0;
    if (operand) e->args[0] = operand;
    for (i = 0; i < fr->n; i++) e->args[extra + i] = fr->args[i];
    *out = e;
    return FLOE_OK;
}
