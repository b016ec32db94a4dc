/* sql/binder.c: binder entry point and the helpers every part shares.
 *
 * floe_bind_statement sets up a binder and hands the statement to
 * bind_stmt.c; this file also holds what all bind_*.c use: arena helpers,
 * error positions, "did you mean" hints, catalog lookups, and the scope of a
 * query block (relations, columns, resolution into outer frames as PARAMs).
 * See sql/bind_internal.h for the layout of the binder.
 */
#include "sql/binder.h"

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

/* ------------------------------------------------------------------ utils */


char *floe_binder_strdup(binder *b, const char *s)
{
    if (s == NULL) return NULL;
    return floe_arena_strndup(b->a, s, strlen(s));
}

/* Put the error at `off` unless it already has a position. */
int floe_binder_at(binder *b, int rc, int off)
{
    if (rc && rc != FLOE_NOMEM && b->err && b->err->offset < 0) b->err->offset = off;
    return rc;
}

void *floe_binder_grow(binder *b, void *arr, uint32_t n, uint32_t *cap, size_t elem)
{
    void *na;
    uint32_t nc;
    if (n < *cap) return arr;
    nc = *cap ? *cap * 2 : 8;
    na = floe_arena_alloc(b->a, nc * elem);
    if (na == NULL) return NULL;
    if (n) memcpy(na, arr, n * elem);
    *cap = nc;
    return na;
}

int floe_binder_edit_distance(const char *x, const char *y)
{
    size_t n = strlen(x), m = strlen(y), i, j;
    int row[256], prev, tmp;
    if (m >= 255) m = 255;
    for (j = 0; j <= m; j++) row[j] = (int)j;
    for (i = 1; i <= n; i++) {
        prev = row[0];
        row[0] = (int)i;
        for (j = 1; j <= m; j++) {
            int cost = tolower((unsigned char)x[i - 1]) != tolower((unsigned char)y[j - 1]);
            tmp = row[j];
            row[j] = prev + cost;
            if (row[j - 1] + 1 < row[j]) row[j] = row[j - 1] + 1;
            if (tmp + 1 < row[j]) row[j] = tmp + 1;
            prev = tmp;
        }
    }
    return row[m];
}


void floe_binder_hint_try(hint *h, const char *cand)
{
    int d, lim;
    if (cand == NULL) return;
    d = floe_binder_edit_distance(h->want, cand);
    lim = (int)strlen(h->want) / 2;
    if (lim < 1) lim = 1;
    if (lim > 3) lim = 3;
    if (d <= lim && (h->best == NULL || d < h->dist)) {
        h->best = cand;
        h->dist = d;
    }
}


floe_expr *floe_binder_const_int(binder *b, floe_type t, int64_t v)
{
    floe_value x;
    x.type = t;
    x.is_null = false;
    x.v.i = v;
    return floe_bind_expr_const(b->a, x);
}

floe_expr *floe_binder_const_str(binder *b, const char *s, size_t n)
{
    floe_value x;
    char *p = floe_arena_strndup(b->a, s, n);
    if (p == NULL) return NULL;
    x.type = T(FLOE_TYPE_VARCHAR);
    x.is_null = false;
    x.v.s.ptr = p;
    x.v.s.len = (uint32_t)n;
    return floe_bind_expr_const(b->a, x);
}

/* Display name of an AST expression: column name, count_star(), else text. */
const char *floe_binder_expr_name(binder *b, const floe_ast_expr *ae)
{
    if (ae->kind == FLOE_AST_COLUMN) return floe_binder_strdup(b, ae->column.name);
    if (ae->kind == FLOE_AST_CALL && ae->call.nargs == 1 && ae->call.args[0]->kind == FLOE_AST_STAR &&
        strcmp(ae->call.name, "count") == 0)
        return "count_star()";
    if (b->sql && ae->len > 0) return floe_arena_strndup(b->a, b->sql + ae->off, (size_t)ae->len);
    return "?column?";
}

/* ------------------------------------------------------------ catalog use */

int floe_binder_find_table(binder *b, const char *name, int off, floe_cat_table *out)
{
    int rc;
    memset(out, 0, sizeof *out); /* fields a catalog leaves unset read as unknown */
    rc = b->cat->find_table(b->cat->self, name, out, b->err);
    if (rc == FLOE_NOTFOUND) {
        hint h = {NULL, 0, name};
        uint32_t i, n = b->cat->table_count ? b->cat->table_count(b->cat->self) : 0;
        cte_def *c;
        for (i = 0; i < n; i++) floe_binder_hint_try(&h, b->cat->table_name(b->cat->self, i));
        for (c = b->ctes; c; c = c->next) floe_binder_hint_try(&h, c->name);
        if (h.best)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "table \"%s\" does not exist; did you mean \"%s\"?", name,
                                   h.best);
        return floe_err_set_at(b->err, FLOE_ERROR, off, "table \"%s\" does not exist", name);
    }
    return floe_binder_at(b, rc, off);
}

/* Index of table_ref in the plan's table list (added when new). */
int floe_binder_plan_table(binder *b, const floe_cat_table *t, uint32_t *out)
{
    floe_query_plan *qp = b->qp;
    uint32_t i;
    const char **nn;
    void **nr;
    for (i = 0; i < qp->ntables; i++)
        if (qp->table_refs[i] == t->table_ref && strcasecmp(qp->table_names[i], t->name) == 0) {
            *out = i;
            return FLOE_OK;
        }
    nn = floe_arena_alloc(qp->arena, (qp->ntables + 1) * sizeof *nn);
    nr = floe_arena_alloc(qp->arena, (qp->ntables + 1) * sizeof *nr);
    if (nn == NULL || nr == NULL) return floe_binder_nomem(b);
    if (qp->ntables) {
        memcpy(nn, qp->table_names, qp->ntables * sizeof *nn);
        memcpy(nr, qp->table_refs, qp->ntables * sizeof *nr);
    }
    nn[qp->ntables] = floe_arena_strndup(qp->arena, t->name, strlen(t->name));
    if (nn[qp->ntables] == NULL) return floe_binder_nomem(b);
    nr[qp->ntables] = t->table_ref;
    qp->table_names = nn;
    qp->table_refs = nr;
    *out = qp->ntables++;
    return FLOE_OK;
}

/* ------------------------------------------------------------ scope */

static int scope_add(block *bk, const char *rel, const char *name, floe_type t, uint32_t gid)
{
    binder *b = bk->b;
    scol *c;
    bk->cols = floe_binder_grow(b, bk->cols, bk->ncols, &bk->capcols, sizeof *bk->cols);
    if (bk->cols == NULL) return floe_binder_nomem(b);
    c = &bk->cols[bk->ncols++];
    c->rel = rel;
    c->name = name;
    c->type = t;
    c->gid = gid;
    c->hidden = false;
    c->merged = NULL;
    return FLOE_OK;
}

/* Add a relation with its columns to the block (aliases applied). */
int floe_binder_add_rel(block *bk, floe_prel *r, const char *alias, const char **cols, int ncols,
                   int off)
{
    binder *b = bk->b;
    uint32_t i;
    int rc;
    if ((uint32_t)ncols > r->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, off,
                               "table \"%s\" has %u columns available but %d columns specified",
                               alias ? alias : "?", r->ncols, ncols);
    for (i = 0; i < bk->ncols; i++)
        if (alias && bk->cols[i].rel && strcmp(bk->cols[i].rel, alias) == 0)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "table name \"%s\" specified more than once", alias);
    r->first_gid = bk->ngids;
    bk->rels = floe_binder_grow(b, bk->rels, bk->nrels, &bk->caprels, sizeof *bk->rels);
    if (bk->rels == NULL) return floe_binder_nomem(b);
    bk->rels[bk->nrels++] = *r;
    for (i = 0; i < r->ncols; i++) {
        const char *nm = (int)i < ncols ? floe_binder_strdup(b, cols[i]) : r->names[i];
        if ((rc = scope_add(bk, alias ? floe_binder_strdup(b, alias) : NULL, nm, r->types[i], bk->ngids + i)))
            return rc;
    }
    bk->ngids += r->ncols;
    return FLOE_OK;
}

/* Resolve a column reference in bk (then in outer frames as a parameter). */
int floe_binder_resolve_column(block *bk, const char *rel, const char *name, int off, floe_expr **out,
                          bool report)
{
    binder *b = bk->b;
    uint32_t i;
    int found = -1, nfound = 0;
    bool rel_seen = false;
    for (i = 0; i < bk->ncols; i++) {
        scol *c = &bk->cols[i];
        if (rel) {
            if (c->rel == NULL || strcmp(c->rel, rel) != 0) continue;
            rel_seen = true;
        } else if (c->hidden) {
            continue;
        }
        if (strcmp(c->name, name) != 0) continue;
        if (found < 0) found = (int)i;
        nfound++;
    }
    if (nfound > 1)
        return floe_err_set_at(b->err, FLOE_ERROR, off, "column reference \"%s\" is ambiguous",
                               name);
    if (found >= 0 && rel == NULL && bk->cols[found].merged) {
        *out = floe_bind_expr_copy(b->a, bk->cols[found].merged);
        if (*out == NULL) return floe_binder_nomem(b);
        (*out)->name = bk->cols[found].name;
        return FLOE_OK;
    }
    if (found >= 0) {
        *out = floe_bind_expr_column(b->a, bk->cols[found].gid, bk->cols[found].type);
        if (*out == NULL) return floe_binder_nomem(b);
        (*out)->name = bk->cols[found].name;
        return FLOE_OK;
    }
    /* outer query: becomes a parameter of this subquery */
    if (bk->fr && bk->fr->outer) {
        floe_expr *oe;
        int rc = floe_binder_resolve_column(bk->fr->outer, rel, name, off, &oe, false);
        if (rc == FLOE_OK) {
            frame *fr = bk->fr;
            floe_expr *p;
            uint32_t k;
            for (k = 0; k < fr->n; k++)
                if (floe_bind_expr_equal(fr->args[k], oe)) break;
            if (k == fr->n) {
                fr->args = floe_binder_grow(b, fr->args, fr->n, &fr->cap, sizeof *fr->args);
                if (fr->args == NULL) return floe_binder_nomem(b);
                fr->args[fr->n++] = oe;
            }
            p = floe_bind_expr_new(b->a, FLOE_EXPR_PARAM, oe->type, 0);
            if (p == NULL) return floe_binder_nomem(b);
            p->index = k;
            p->name = oe->name;
            *out = p;
            return FLOE_OK;
        }
        if (rc != FLOE_NOTFOUND) return rc;
    }
    if (!report) return FLOE_NOTFOUND;
    if (rel && !rel_seen) {
        bool any = false;
        block *o;
        for (o = bk; o && !any; o = o->fr ? o->fr->outer : NULL)
            for (i = 0; i < o->ncols; i++)
                if (o->cols[i].rel && strcmp(o->cols[i].rel, rel) == 0) any = true;
        if (!any)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "missing FROM-clause entry for table \"%s\"", rel);
    }
    {
        hint h = {NULL, 0, name};
        block *o;
        for (o = bk; o; o = o->fr ? o->fr->outer : NULL)
            for (i = 0; i < o->ncols; i++)
                if (!rel || (o->cols[i].rel && strcmp(o->cols[i].rel, rel) == 0))
                    floe_binder_hint_try(&h, o->cols[i].name);
        if (h.best)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "column \"%s%s%s\" does not exist; did you mean \"%s\"?",
                                   rel ? rel : "", rel ? "." : "", name, h.best);
        return floe_err_set_at(b->err, FLOE_ERROR, off, "column \"%s%s%s\" does not exist",
                               rel ? rel : "", rel ? "." : "", name);
    }
}

int floe_bind_statement(const floe_ast_stmt *stmt, const char *sql, const floe_sql_catalog *cat,
                        int64_t now_us, floe_bound_stmt **out, floe_err *err)
{
    return floe_bind_statement_params(stmt, sql, cat, now_us, NULL, 0, out, err);
}

int floe_bind_statement_params(const floe_ast_stmt *stmt, const char *sql,
                               const floe_sql_catalog *cat, int64_t now_us,
                               const floe_value *params, uint32_t nparams, floe_bound_stmt **out,
                               floe_err *err)
{
    binder b;
    floe_bound_stmt *bs;
    int rc;
    *out = NULL;
    if (stmt == NULL || cat == NULL || cat->find_table == NULL)
        return floe_err_set(err, FLOE_MISUSE, "floe_bind_statement: missing statement or catalog");
    bs = floe_calloc(1, sizeof *bs);
    if (bs == NULL) return floe_err_nomem(err);
    bs->arena = floe_arena_new(0);
    bs->plan = floe_query_plan_new();
    if (bs->arena == NULL || bs->plan == NULL) {
        floe_bound_stmt_free(bs);
        return floe_err_nomem(err);
    }
    memset(&b, 0, sizeof b);
    b.qp = bs->plan;
    b.cat = cat;
    b.sql = sql;
    b.now_us = now_us;
    b.err = err;
    b.params = params;
    b.nparams = nparams;
    if (err) err->offset = -1;
    rc = floe_binder_stmt(&b, stmt, bs);
    if (rc) {
        floe_bound_stmt_free(bs);
        return rc;
    }
    *out = bs;
    return FLOE_OK;
}

void floe_bound_stmt_free(floe_bound_stmt *s)
{
    if (s == NULL) return;
    floe_query_plan_free(s->plan);
    floe_arena_free(s->arena);
    floe_free(s);
}
