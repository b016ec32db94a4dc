/* sql/binder.c: statements and query blocks to bound plans. */
#include "sql/binder.h"

#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/functions.h"
#include "sql/bind_expr.h"
#include "sql/planner.h"
#include "util/datetime.h"
#include "util/mem.h"

#define AGG_BASE 0x40000000u /* COLUMN index space of aggregate placeholders */

typedef struct cte_def {
    const char *name;
    const floe_ast_cte *ast;
    struct cte_def *visible; /* CTEs visible where this one was defined */
    struct cte_def *next;
} cte_def;

typedef struct binder {
    floe_arena *a; /* where bound nodes go (plan arena, or stmt arena for DDL) */
    floe_query_plan *qp;
    const floe_sql_catalog *cat;
    const char *sql;
    int64_t now_us;
    floe_err *err;
    cte_def *ctes;
    int depth;  /* expression nesting */
    int qdepth; /* query nesting */
} binder;

typedef struct scol {
    const char *rel;  /* alias of its relation, or NULL */
    const char *name;
    floe_type type;
    uint32_t gid;
    bool hidden;      /* right-hand copy of a USING column */
} scol;

struct block;

/* Parameters of one subquery: outer values it reads (correlation). */
/* Decorrelation request for the top block of a subquery: correlated
 * equalities `inner = outer` of its WHERE become join keys instead of
 * parameters; the subplan then outputs its values followed by the inner keys. */
typedef struct decorr {
    floe_subq_kind kind;
    floe_expr **inner;     /* inner key expressions (subquery's gids) */
    floe_expr **outer;     /* matching outer expressions (outer block's space) */
    uint32_t nkeys, cap;
    uint32_t nvals;        /* value columns before the keys */
    bool count_value;      /* scalar: the value is a bare count (0 on no rows) */
    bool failed;
} decorr;

typedef struct frame {
    struct block *outer;
    floe_expr **args; /* bound in outer's space */
    uint32_t n, cap;
    decorr *dc;       /* non-NULL: decorrelate the top block */
    bool dc_pending;  /* the next bind_select is the top block */
} frame;

typedef struct block {
    binder *b;
    frame *fr;
    scol *cols;
    uint32_t ncols, capcols;
    floe_prel *rels;
    uint32_t nrels, caprels;
    uint32_t ngids;
    bool agg_ok;  /* aggregates may appear here */
    bool in_agg;  /* inside an aggregate's argument */
    floe_agg *aggs;
    const char **agg_names;
    uint32_t naggs, capaggs;
    bool in_where;     /* binding WHERE: scalar subqueries may become joins */
    floe_psemi *semis; /* decorrelated EXISTS / IN conjuncts */
    uint32_t nsemis, capsemis;
    floe_pitem **sjoins; /* decorrelated scalar subqueries: LEFT join items */
    floe_expr ***sjoin_on;
    uint32_t nsjoins, capsjoins;
} block;

static int bind_query(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out);
static int bind_expr(block *bk, const floe_ast_expr *ae, floe_expr **out);

/* ------------------------------------------------------------------ utils */

static int nomem(binder *b) { return floe_err_nomem(b->err); }

static char *adup(binder *b, const char *s)
{
    if (s == NULL) return NULL;
    return floe_arena_strndup(b->a, s, strlen(s));
}

/* Put the error at `off` unless it already has a position. */
static int at(binder *b, int rc, int off)
{
    if (rc && rc != FLOE_NOMEM && b->err && b->err->offset < 0) b->err->offset = off;
    return rc;
}

static void *grow(binder *b, void *arr, uint32_t n, uint32_t *cap, size_t elem)
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

/* Best suggestion among names (distance small relative to the length). */
typedef struct hint {
    const char *best;
    int dist;
    const char *want;
} hint;

static void hint_try(hint *h, const char *cand)
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

static floe_type T(floe_type_id id) { return floe_type_make(id); }

static floe_expr *mk_const_i(binder *b, floe_type t, int64_t v)
{
    floe_value x;
    x.type = t;
    x.is_null = false;
    x.v.i = v;
    return floe_bind_expr_const(b->a, x);
}

static floe_expr *mk_const_str(binder *b, const char *s, size_t n)
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
static const char *expr_name(binder *b, const floe_ast_expr *ae)
{
    if (ae->kind == FLOE_AST_COLUMN) return adup(b, ae->column.name);
    if (ae->kind == FLOE_AST_CALL && ae->call.nargs == 1 && ae->call.args[0]->kind == FLOE_AST_STAR &&
        strcmp(ae->call.name, "count") == 0)
        return "count_star()";
    if (b->sql && ae->len > 0) return floe_arena_strndup(b->a, b->sql + ae->off, (size_t)ae->len);
    return "?column?";
}

/* ------------------------------------------------------------ catalog use */

static int find_table(binder *b, const char *name, int off, floe_cat_table *out)
{
    int rc;
    memset(out, 0, sizeof *out); /* fields a catalog leaves unset read as unknown */
    rc = b->cat->find_table(b->cat->self, name, out, b->err);
    if (rc == FLOE_NOTFOUND) {
        hint h = {NULL, 0, name};
        uint32_t i, n = b->cat->table_count ? b->cat->table_count(b->cat->self) : 0;
        cte_def *c;
        for (i = 0; i < n; i++) hint_try(&h, b->cat->table_name(b->cat->self, i));
        for (c = b->ctes; c; c = c->next) hint_try(&h, c->name);
        if (h.best)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "table \"%s\" does not exist; did you mean \"%s\"?", name,
                                   h.best);
        return floe_err_set_at(b->err, FLOE_ERROR, off, "table \"%s\" does not exist", name);
    }
    return at(b, rc, off);
}

/* Index of table_ref in the plan's table list (added when new). */
static int plan_table(binder *b, const floe_cat_table *t, uint32_t *out)
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
    if (nn == NULL || nr == NULL) return nomem(b);
    if (qp->ntables) {
        memcpy(nn, qp->table_names, qp->ntables * sizeof *nn);
        memcpy(nr, qp->table_refs, qp->ntables * sizeof *nr);
    }
    nn[qp->ntables] = floe_arena_strndup(qp->arena, t->name, strlen(t->name));
    if (nn[qp->ntables] == NULL) return nomem(b);
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
    bk->cols = grow(b, bk->cols, bk->ncols, &bk->capcols, sizeof *bk->cols);
    if (bk->cols == NULL) return nomem(b);
    c = &bk->cols[bk->ncols++];
    c->rel = rel;
    c->name = name;
    c->type = t;
    c->gid = gid;
    c->hidden = false;
    return FLOE_OK;
}

/* Add a relation with its columns to the block (aliases applied). */
static int add_rel(block *bk, floe_prel *r, const char *alias, const char **cols, int ncols,
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
    bk->rels = grow(b, bk->rels, bk->nrels, &bk->caprels, sizeof *bk->rels);
    if (bk->rels == NULL) return nomem(b);
    bk->rels[bk->nrels++] = *r;
    for (i = 0; i < r->ncols; i++) {
        const char *nm = (int)i < ncols ? adup(b, cols[i]) : r->names[i];
        if ((rc = scope_add(bk, alias ? adup(b, alias) : NULL, nm, r->types[i], bk->ngids + i)))
            return rc;
    }
    bk->ngids += r->ncols;
    return FLOE_OK;
}

/* Resolve a column reference in bk (then in outer frames as a parameter). */
static int resolve_column(block *bk, const char *rel, const char *name, int off, floe_expr **out,
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
    if (found >= 0) {
        *out = floe_bind_expr_column(b->a, bk->cols[found].gid, bk->cols[found].type);
        if (*out == NULL) return nomem(b);
        (*out)->name = bk->cols[found].name;
        return FLOE_OK;
    }
    /* outer query: becomes a parameter of this subquery */
    if (bk->fr && bk->fr->outer) {
        floe_expr *oe;
        int rc = resolve_column(bk->fr->outer, rel, name, off, &oe, false);
        if (rc == FLOE_OK) {
            frame *fr = bk->fr;
            floe_expr *p;
            uint32_t k;
            for (k = 0; k < fr->n; k++)
                if (floe_bind_expr_equal(fr->args[k], oe)) break;
            if (k == fr->n) {
                fr->args = grow(b, fr->args, fr->n, &fr->cap, sizeof *fr->args);
                if (fr->args == NULL) return nomem(b);
                fr->args[fr->n++] = oe;
            }
            p = floe_bind_expr_new(b->a, FLOE_EXPR_PARAM, oe->type, 0);
            if (p == NULL) return nomem(b);
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
                    hint_try(&h, o->cols[i].name);
        if (h.best)
            return floe_err_set_at(b->err, FLOE_ERROR, off,
                                   "column \"%s%s%s\" does not exist; did you mean \"%s\"?",
                                   rel ? rel : "", rel ? "." : "", name, h.best);
        return floe_err_set_at(b->err, FLOE_ERROR, off, "column \"%s%s%s\" does not exist",
                               rel ? rel : "", rel ? "." : "", name);
    }
}

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
    return *out ? FLOE_OK : nomem(b);
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
        return *out ? FLOE_OK : nomem(b);
    }
    {
        floe_value sv;
        sv.type = T(FLOE_TYPE_VARCHAR);
        sv.is_null = false;
        sv.v.s.ptr = s;
        sv.v.s.len = (uint32_t)strlen(s);
        int rc = floe_bind_expr_cast_value(b->a, &sv, floe_type_decimal(intd + frac ? intd + frac : 1, frac),
                                           &v, b->err);
        if (rc) return at(b, rc, ae->off);
    }
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : nomem(b);
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
        if (rc) return at(b, rc, ae->off);
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
                if (rc) return at(b, rc, ae->off);
                goto done;
            }
        } else {
            /* INTERVAL (expr) unit: the expression must fold to an integer */
            floe_expr *x;
            if ((rc = bind_expr(bk, ve, &x))) return rc;
            if (x->kind != FLOE_EXPR_CONST || x->value.is_null || !floe_type_is_integer(x->type))
                return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                       "INTERVAL needs a constant integer count");
            count = x->value.v.i;
        }
        rc = floe_interval_from_unit(count, u, strlen(u), &v.v.iv, b->err);
        if (rc) return at(b, rc, ae->off);
    }
done:
    *out = floe_bind_expr_const(b->a, v);
    return *out ? FLOE_OK : nomem(b);
}

/* ------------------------------------------------------------ functions */

static bool is_agg_name(const char *n)
{
    static const char *names[] = {"count", "sum", "avg", "min", "max", "approx_count_distinct",
                                  "quantile", "quantile_disc", "quantile_cont", "median",
                                  "any_value", "mean", NULL};
    int i;
    for (i = 0; names[i]; i++)
        if (strcmp(n, names[i]) == 0) return true;
    return false;
}

static int need_type(binder *b, floe_expr **x, floe_type t, const char *fname, int off)
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

static int bind_agg(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    floe_agg g;
    floe_expr *arg = NULL, *e;
    uint32_t i;
    int rc;
    char b1[32];

    memset(&g, 0, sizeof g);
    g.distinct = ae->call.distinct;
    if (!bk->agg_ok)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "aggregate functions are not allowed here");
    if (bk->in_agg)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               "aggregate function calls cannot be nested");
    if (strcmp(n, "count") == 0 && ae->call.nargs == 1 && ae->call.args[0]->kind == FLOE_AST_STAR) {
        g.fn = FLOE_AGG_COUNT_STAR;
        g.type = T(FLOE_TYPE_BIGINT);
    } else {
        int want = (strcmp(n, "quantile") == 0 || strcmp(n, "quantile_disc") == 0 ||
                    strcmp(n, "quantile_cont") == 0)
                       ? 2
                       : 1;
        if (ae->call.nargs != want)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                                   "function %s takes %d argument%s", n, want, want > 1 ? "s" : "");
        bk->in_agg = true;
        rc = bind_expr(bk, ae->call.args[0], &arg);
        bk->in_agg = false;
        if (rc) return rc;
        if (arg->type.id == FLOE_TYPE_NULL) {
            if ((rc = floe_bind_expr_cast(b->a, arg, T(FLOE_TYPE_INTEGER), &arg, b->err))) return rc;
        }
        g.arg = arg;
        g.type = arg->type;
        if (strcmp(n, "count") == 0) {
            g.fn = FLOE_AGG_COUNT;
            g.type = T(FLOE_TYPE_BIGINT);
        } else if (strcmp(n, "sum") == 0) {
            g.fn = FLOE_AGG_SUM;
            if (floe_type_is_integer(arg->type)) g.type = T(FLOE_TYPE_BIGINT);
            else if (arg->type.id == FLOE_TYPE_DECIMAL) g.type = floe_type_decimal(18, arg->type.scale);
            else if (arg->type.id != FLOE_TYPE_DOUBLE) goto badtype;
        } else if (strcmp(n, "avg") == 0 || strcmp(n, "mean") == 0) {
            g.fn = FLOE_AGG_AVG;
            if (!floe_type_is_numeric(arg->type)) goto badtype;
            g.type = T(FLOE_TYPE_DOUBLE);
        } else if (strcmp(n, "min") == 0) {
            g.fn = FLOE_AGG_MIN;
        } else if (strcmp(n, "max") == 0) {
            g.fn = FLOE_AGG_MAX;
        } else if (strcmp(n, "any_value") == 0) {
            g.fn = FLOE_AGG_ANY_VALUE;
        } else if (strcmp(n, "approx_count_distinct") == 0) {
            g.fn = FLOE_AGG_APPROX_COUNT_DISTINCT;
            g.type = T(FLOE_TYPE_BIGINT);
        } else if (strcmp(n, "median") == 0) {
            g.fn = FLOE_AGG_MEDIAN;
            if (floe_type_is_integer(arg->type)) g.type = T(FLOE_TYPE_DOUBLE);
        } else if (strcmp(n, "quantile_cont") == 0) {
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                   "quantile_cont is not supported; use quantile_disc or median");
        } else { /* quantile, quantile_disc: nearest rank */
            floe_expr *q;
            floe_value qv;
            g.fn = FLOE_AGG_QUANTILE;
            if ((rc = bind_expr(bk, ae->call.args[1], &q))) return rc;
            if (q->kind != FLOE_EXPR_CONST || !floe_type_is_numeric(q->type) || q->value.is_null)
                return floe_err_set_at(b->err, FLOE_ERROR, ae->call.args[1]->off,
                                       "%s: the quantile must be a constant number", n);
            rc = floe_bind_expr_cast_value(b->a, &q->value, T(FLOE_TYPE_DOUBLE), &qv, b->err);
            if (rc) return at(b, rc, ae->off);
            if (qv.v.d < 0 || qv.v.d > 1)
                return floe_err_set_at(b->err, FLOE_RANGE, ae->call.args[1]->off,
                                       "%s: the quantile must be between 0 and 1", n);
            g.param = qv.v.d;
        }
    }
    /* reuse an identical aggregate */
    for (i = 0; i < bk->naggs; i++) {
        floe_agg *o = &bk->aggs[i];
        if (o->fn == g.fn && o->distinct == g.distinct && o->param == g.param &&
            floe_bind_expr_equal(o->arg, g.arg))
            break;
    }
    if (i == bk->naggs) {
        bk->aggs = grow(b, bk->aggs, bk->naggs, &bk->capaggs, sizeof *bk->aggs);
        if (bk->aggs == NULL) return nomem(b);
        {
            uint32_t cap2 = bk->capaggs;
            const char **nn = floe_arena_alloc(b->a, cap2 * sizeof *nn);
            if (nn == NULL) return nomem(b);
            if (bk->naggs) memcpy(nn, bk->agg_names, bk->naggs * sizeof *nn);
            bk->agg_names = nn;
        }
        bk->aggs[bk->naggs] = g;
        bk->agg_names[bk->naggs] = expr_name(b, ae);
        bk->naggs++;
    }
    e = floe_bind_expr_column(b->a, AGG_BASE + i, g.type);
    if (e == NULL) return nomem(b);
    *out = e;
    return FLOE_OK;
badtype:
    return floe_err_set_at(b->err, FLOE_TYPE, ae->off, "function %s(%s) does not exist", n,
                           floe_type_name(arg->type, b1, sizeof b1));
}

static int unit_const(binder *b, floe_expr *u, const char *fname, int off)
{
    floe_dt_unit unit;
    if (u->kind != FLOE_EXPR_CONST || u->type.id != FLOE_TYPE_VARCHAR || u->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, off, "%s: the unit must be a constant string",
                               fname);
    if (floe_dt_unit_parse(u->value.v.s.ptr, u->value.v.s.len, &unit, b->err))
        return at(b, b->err ? b->err->code : FLOE_ERROR, off);
    return FLOE_OK;
}

static int common_of(binder *b, floe_expr **args, uint32_t n, const char *what, int off,
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
        if ((rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err))) return at(b, rc, off);
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
            if ((rc = need_type(b, &args[i], t, n, off))) return rc;
            break;
        case FLOE_FA_CAST:
            if ((rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err))) return at(b, rc, off);
            break;
        case FLOE_FA_NUMERIC:
        case FLOE_FA_NUMTO:
            if (!floe_type_is_numeric(args[i]->type) &&
                (r->rule == FLOE_FA_NUMERIC || args[i]->type.id != FLOE_TYPE_NULL))
                return floe_err_set_at(b->err, FLOE_TYPE, off, "function %s(%s) does not exist", n,
                                       floe_type_name(args[0]->type, b1, sizeof b1));
            if (r->rule == FLOE_FA_NUMTO &&
                (rc = floe_bind_expr_cast(b->a, args[i], t, &args[i], b->err)))
                return at(b, rc, off);
            break;
        case FLOE_FA_COMMON:
            if (!have_common && (rc = common_of(b, args, na, n, off, &common))) return rc;
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

static int bind_call(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    uint32_t na = (uint32_t)ae->call.nargs, i;
    floe_expr **args;
    const floe_fn_def *fd;
    const floe_fn_sig *sig;
    floe_type t;
    int rc;

    if (is_agg_name(n)) return bind_agg(bk, ae, out);
    if (ae->call.distinct)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "DISTINCT is only allowed in aggregates");
    if ((strcmp(n, "now") == 0 || strcmp(n, "current_timestamp") == 0) && na == 0) {
        *out = mk_const_i(b, T(FLOE_TYPE_TIMESTAMP), b->now_us);
        return *out ? FLOE_OK : nomem(b);
    }
    if (strcmp(n, "current_date") == 0 && na == 0) {
        int64_t d = b->now_us / FLOE_MICROS_PER_DAY;
        if (b->now_us % FLOE_MICROS_PER_DAY < 0) d--;
        *out = mk_const_i(b, T(FLOE_TYPE_DATE), d);
        return *out ? FLOE_OK : nomem(b);
    }
    args = floe_arena_alloc(b->a, (na ? na : 1) * sizeof *args);
    if (args == NULL) return nomem(b);
    for (i = 0; i < na; i++) {
        if (ae->call.args[i]->kind == FLOE_AST_STAR)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->call.args[i]->off,
                                   "* is only allowed in count(*)");
        if ((rc = bind_expr(bk, ae->call.args[i], &args[i]))) return rc;
    }
    if (strcmp(n, "coalesce") == 0 || strcmp(n, "ifnull") == 0) {
        floe_expr *e;
        if (na < 1) return nargs_err(b, n, na, ae->off);
        if ((rc = common_of(b, args, na, "COALESCE", ae->off, &t))) return rc;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, t, na);
        if (e == NULL) return nomem(b);
        memcpy(e->args, args, na * sizeof *args);
        return floe_bind_expr_fold(b->a, e, out, b->err);
    }
    if (strcmp(n, "nullif") == 0) {
        floe_expr *e, *cmp, *nul;
        if (na != 2) return nargs_err(b, n, na, ae->off);
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", args[0], args[1], &cmp, b->err)))
            return at(b, rc, ae->off);
        t = args[0]->type.id == FLOE_TYPE_NULL ? args[1]->type : args[0]->type;
        if (t.id == FLOE_TYPE_NULL) t = T(FLOE_TYPE_INTEGER);
        if ((rc = floe_bind_expr_cast(b->a, args[0], t, &args[0], b->err))) return at(b, rc, ae->off);
        nul = floe_bind_expr_const(b->a, floe_value_null(t));
        e = floe_bind_expr_new(b->a, FLOE_EXPR_CASE, t, 3);
        if (e == NULL || nul == NULL) return nomem(b);
        e->args[0] = cmp;
        e->args[1] = nul;
        e->args[2] = args[0];
        e->has_else = true;
        return floe_bind_expr_fold(b->a, e, out, b->err);
    }
    if ((fd = floe_functions_lookup(n)) == NULL) {
        hint h = {NULL, 0, n};
        const char *cand;
        for (i = 0; (cand = floe_functions_sql_name(i)) != NULL; i++) hint_try(&h, cand);
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
    if (*out == NULL) return nomem(b);
    return at(b, floe_bind_expr_fold(b->a, *out, out, b->err), ae->off);
}

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
            if (p->u.agg.aggs[i].arg && has_kind(p->u.agg.aggs[i].arg, FLOE_EXPR_PARAM)) return true;
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
    default: break;
    }
    for (i = 0; i < p->nchildren; i++)
        if (plan_has_param(p->children[i])) return true;
    return false;
}

/* Move the correlated equalities of the WHERE conjuncts into dc. Fails
 * (dc->failed) on any other use of an outer value there. */
static int dc_extract(block *bk, floe_expr **conj, uint32_t *nconj, decorr *dc)
{
    binder *b = bk->b;
    uint32_t i, n = 0;
    for (i = 0; i < *nconj; i++) {
        floe_expr *e = conj[i];
        int pa;
        if (!has_kind(e, FLOE_EXPR_PARAM)) {
            conj[n++] = e;
            continue;
        }
        if (e->kind != FLOE_EXPR_CALL || e->fn != FLOE_FN_EQ) goto fail;
        for (pa = 0; pa < 2; pa++) {
            floe_expr *po = e->args[pa], *in = e->args[1 - pa];
            if (has_kind(po, FLOE_EXPR_PARAM) && !has_kind(po, FLOE_EXPR_COLUMN) &&
                !has_kind(po, FLOE_EXPR_SUBQUERY) && !has_kind(in, FLOE_EXPR_PARAM) &&
                has_kind(in, FLOE_EXPR_COLUMN) && !has_kind(in, FLOE_EXPR_SUBQUERY)) {
                floe_expr *oe = subst_params(b, po, bk->fr->args);
                if (oe == NULL) return nomem(b);
                dc->inner = grow(b, dc->inner, dc->nkeys, &dc->cap, sizeof *dc->inner);
                if (dc->inner == NULL) return nomem(b);
                {
                    uint32_t cap = dc->cap;
                    floe_expr **no = floe_arena_alloc(b->a, cap * sizeof *no);
                    if (no == NULL) return nomem(b);
                    if (dc->nkeys) memcpy(no, dc->outer, dc->nkeys * sizeof *no);
                    dc->outer = no;
                }
                dc->inner[dc->nkeys] = in;
                dc->outer[dc->nkeys] = oe;
                dc->nkeys++;
                break;
            }
        }
        if (pa == 2) goto fail;
    }
    *nconj = n;
    if (dc->nkeys == 0) goto fail;
    return FLOE_OK;
fail:
    dc->failed = true;
    return FLOE_UNSUPPORTED;
}

/* Bind subquery q in decorrelation mode for kind; FLOE_OK with *out and dc
 * filled, FLOE_UNSUPPORTED when the shape does not allow it (err cleared). */
static int bind_decorrelated(block *bk, const floe_ast_query *q, floe_subq_kind kind, decorr *dc,
                             floe_plan **out)
{
    binder *b = bk->b;
    frame *fr = floe_arena_alloc(b->a, sizeof *fr);
    int rc;
    if (fr == NULL) return nomem(b);
    memset(fr, 0, sizeof *fr);
    memset(dc, 0, sizeof *dc);
    dc->kind = kind;
    fr->outer = bk;
    fr->dc = dc;
    fr->dc_pending = true;
    if (q->kind != FLOE_AST_Q_SELECT || q->nctes || q->norder_by || q->limit || q->offset)
        return FLOE_UNSUPPORTED;
    rc = bind_query(b, fr, q, out);
    if (rc == FLOE_NOMEM) return rc;
    if (rc || dc->failed || dc->nkeys == 0 || plan_has_param(*out)) {
        floe_err_clear(b->err);
        return FLOE_UNSUPPORTED;
    }
    return FLOE_OK;
}

/* WHERE conjunct [NOT] EXISTS (...) or x IN (...) correlated by equalities:
 * a SEMI/ANTI join. *done false when the conjunct must be bound normally. */
static int try_semi(block *bk, const floe_ast_expr *ae, bool *done)
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
        if ((rc = bind_expr(bk, ae->in_query.arg, &x))) return rc;
        memset(&tmp, 0, sizeof tmp);
        tmp.kind = FLOE_EXPR_COLUMN;
        tmp.type = sub->types[0];
        if (!floe_bind_expr_common_type(x, &tmp, &t) || !floe_type_eq(t, sub->types[0]))
            return FLOE_OK;
        if ((rc = floe_bind_expr_cast(b->a, x, t, &x, b->err))) return at(b, rc, ae->off);
    }
    bk->semis = grow(b, bk->semis, bk->nsemis, &bk->capsemis, sizeof *bk->semis);
    if (bk->semis == NULL) return nomem(b);
    sj = &bk->semis[bk->nsemis];
    sj->type = negated ? FLOE_JOIN_ANTI : FLOE_JOIN_SEMI;
    sj->plan = sub;
    sj->nkeys = dc.nkeys + (x ? 1 : 0);
    sj->left_keys = floe_arena_alloc(b->a, sj->nkeys * sizeof *sj->left_keys);
    sj->right_cols = floe_arena_alloc(b->a, sj->nkeys * sizeof *sj->right_cols);
    if (sj->left_keys == NULL || sj->right_cols == NULL) return nomem(b);
    for (i = 0; i < dc.nkeys; i++) {
        sj->left_keys[i] = dc.outer[i];
        sj->right_cols[i] = off + i;
    }
    if (x) {
        sj->left_keys[dc.nkeys] = x;
        sj->right_cols[dc.nkeys] = 0;
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
    if (it == NULL || on == NULL) return nomem(b);
    memset(it, 0, sizeof *it);
    it->kind = FLOE_PITEM_REL;
    it->rel = bk->nrels;
    /* the subquery's columns get gids but no visible names */
    r.first_gid = bk->ngids;
    bk->rels = grow(b, bk->rels, bk->nrels, &bk->caprels, sizeof *bk->rels);
    if (bk->rels == NULL) return nomem(b);
    bk->rels[bk->nrels++] = r;
    bk->ngids += r.ncols;
    for (i = 0; i < dc.nkeys; i++) {
        floe_expr *rk = floe_bind_expr_column(b->a, gid0 + 1 + i, sub->types[1 + i]);
        if (rk == NULL) return nomem(b);
        if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", dc.outer[i], rk, &on[i], b->err)))
            return rc;
    }
    bk->sjoins = grow(b, bk->sjoins, bk->nsjoins, &bk->capsjoins, sizeof *bk->sjoins);
    if (bk->sjoins == NULL) return nomem(b);
    {
        uint32_t cap = bk->capsjoins;
        floe_expr ***no = floe_arena_alloc(b->a, cap * sizeof *no);
        if (no == NULL) return nomem(b);
        if (bk->nsjoins) memcpy(no, bk->sjoin_on, bk->nsjoins * sizeof *no);
        bk->sjoin_on = no;
    }
    /* the key count travels in the item's `non` */
    it->non = dc.nkeys;
    bk->sjoins[bk->nsjoins] = it;
    bk->sjoin_on[bk->nsjoins] = on;
    bk->nsjoins++;
    *out = floe_bind_expr_column(b->a, gid0, sub->types[0]);
    if (*out == NULL) return nomem(b);
    if (dc.count_value) {
        /* keys without rows: count is 0, not the LEFT join's NULL */
        floe_expr *co = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, sub->types[0], 2);
        if (co == NULL) return nomem(b);
        co->args[0] = *out;
        co->args[1] = mk_const_i(b, sub->types[0], 0);
        if (co->args[1] == NULL) return nomem(b);
        *out = co;
    }
    *done = true;
    return FLOE_OK;
}

/* ------------------------------------------------------------ subqueries */

static int bind_subquery(block *bk, const floe_ast_query *q, floe_subq_kind kind,
                         floe_expr *operand, bool negated, int off, floe_expr **out)
{
    binder *b = bk->b;
    frame *fr = floe_arena_alloc(b->a, sizeof *fr);
    floe_plan *sub;
    floe_expr *e;
    uint32_t extra = operand ? 1 : 0, i;
    int rc;
    if (fr == NULL) return nomem(b);
    memset(fr, 0, sizeof *fr);
    fr->outer = bk;
    if (kind == FLOE_SUBQ_SCALAR && bk->in_where && bk->nrels > 0 && !bk->in_agg) {
        bool done;
        if ((rc = try_scalar_join(bk, q, out, &done))) return rc;
        if (done) return FLOE_OK;
    }
    if ((rc = bind_query(b, fr, q, &sub))) return rc;
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
        if ((rc = floe_bind_expr_cast(b->a, operand, t, &operand, b->err))) return at(b, rc, off);
        if (!floe_type_eq(sub->types[0], t)) {
            floe_plan *p = floe_planner_node(b->a, FLOE_PLAN_PROJECT, 1, 1);
            floe_expr *c;
            if (p == NULL) return nomem(b);
            c = floe_bind_expr_column(b->a, 0, sub->types[0]);
            if (c == NULL) return nomem(b);
            if ((rc = floe_bind_expr_cast(b->a, c, t, &c, b->err))) return at(b, rc, off);
            p->u.project.exprs = floe_arena_alloc(b->a, sizeof(floe_expr *));
            if (p->u.project.exprs == NULL) return nomem(b);
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
    if (e == NULL) return nomem(b);
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
    if (e == NULL) return nomem(b);
    e->args[0] = x;
    e->negated = negated;
    return floe_bind_expr_fold(b->a, e, out, b->err);
}

static int coalesce_false(binder *b, floe_expr *x, floe_expr **out)
{
    floe_expr *e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, T(FLOE_TYPE_BOOLEAN), 2);
    if (e == NULL) return nomem(b);
    e->args[0] = x;
    e->args[1] = mk_const_i(b, T(FLOE_TYPE_BOOLEAN), 0);
    if (e->args[1] == NULL) return nomem(b);
    if (x->kind == FLOE_EXPR_CONST) {
        *out = x->value.is_null ? e->args[1] : x;
        return FLOE_OK;
    }
    *out = e;
    return FLOE_OK;
}

static int logic2(binder *b, floe_expr_kind k, floe_expr *x, floe_expr *y, floe_expr **out)
{
    floe_expr *args[2] = {x, y};
    return floe_bind_expr_logic(b->a, k, args, y ? 2 : 1, out, b->err);
}

static int bind_expr_inner(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    floe_expr *x = NULL, *y = NULL, *e;
    int rc = FLOE_OK;
    uint32_t i;

    switch (ae->kind) {
    case FLOE_AST_INT: return bind_literal_int(b, ae, out);
    case FLOE_AST_NUM: return bind_literal_num(b, ae, out);
    case FLOE_AST_STRING:
        *out = mk_const_str(b, ae->str.s, ae->str.n);
        return *out ? FLOE_OK : nomem(b);
    case FLOE_AST_BOOL:
        *out = mk_const_i(b, T(FLOE_TYPE_BOOLEAN), ae->bool_val);
        return *out ? FLOE_OK : nomem(b);
    case FLOE_AST_NULL:
        *out = floe_bind_expr_const(b->a, floe_value_null(T(FLOE_TYPE_NULL)));
        return *out ? FLOE_OK : nomem(b);
    case FLOE_AST_TYPED: {
        floe_value sv, v;
        sv.type = T(FLOE_TYPE_VARCHAR);
        sv.is_null = false;
        sv.v.s.ptr = ae->typed.s;
        sv.v.s.len = (uint32_t)ae->typed.n;
        rc = floe_bind_expr_cast_value(b->a, &sv, ae->typed.type, &v, b->err);
        if (rc) return at(b, rc, ae->off);
        *out = floe_bind_expr_const(b->a, v);
        return *out ? FLOE_OK : nomem(b);
    }
    case FLOE_AST_INTERVAL: return bind_interval(bk, ae, out);
    case FLOE_AST_COLUMN:
        rc = resolve_column(bk, ae->column.table, ae->column.name, ae->off, out, true);
        if (rc && ae->column.table == NULL &&
            (strcmp(ae->column.name, "current_timestamp") == 0 ||
             strcmp(ae->column.name, "current_date") == 0 || strcmp(ae->column.name, "now") == 0)) {
            floe_err_clear(b->err);
            if (strcmp(ae->column.name, "current_date") == 0) {
                int64_t d = b->now_us / FLOE_MICROS_PER_DAY;
                if (b->now_us % FLOE_MICROS_PER_DAY < 0) d--;
                *out = mk_const_i(b, T(FLOE_TYPE_DATE), d);
            } else {
                *out = mk_const_i(b, T(FLOE_TYPE_TIMESTAMP), b->now_us);
            }
            return *out ? FLOE_OK : nomem(b);
        }
        return rc;
    case FLOE_AST_STAR:
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "* is not allowed here");
    case FLOE_AST_UNARY:
        if ((rc = bind_expr(bk, ae->unary.arg, &x))) return rc;
        if (ae->unary.op == FLOE_AST_NOT) rc = logic2(b, FLOE_EXPR_NOT, x, NULL, out);
        else if (ae->unary.op == FLOE_AST_NEG) rc = floe_bind_expr_neg(b->a, x, out, b->err);
        else {
            char b1[32];
            if (!floe_type_is_numeric(x->type) && x->type.id != FLOE_TYPE_INTERVAL)
                return floe_err_set_at(b->err, FLOE_TYPE, ae->off,
                                       "operator does not exist: + %s",
                                       floe_type_name(x->type, b1, sizeof b1));
            *out = x;
        }
        return at(b, rc, ae->off);
    case FLOE_AST_BINARY:
        if ((rc = bind_expr(bk, ae->binary.left, &x)) || (rc = bind_expr(bk, ae->binary.right, &y)))
            return rc;
        if (ae->binary.op == FLOE_AST_AND || ae->binary.op == FLOE_AST_OR)
            rc = logic2(b, ae->binary.op == FLOE_AST_AND ? FLOE_EXPR_AND : FLOE_EXPR_OR, x, y, out);
        else
            rc = floe_bind_expr_binary(b->a, binop_fn(ae->binary.op),
                                       binop_name(ae->binary.op), x, y, out, b->err);
        return at(b, rc, ae->off);
    case FLOE_AST_IS:
        if ((rc = bind_expr(bk, ae->is.arg, &x))) return rc;
        switch (ae->is.what) {
        case FLOE_AST_IS_NULL:
        case FLOE_AST_IS_UNKNOWN: rc = is_not_null(b, x, ae->is.negated, out); break;
        case FLOE_AST_IS_TRUE:
        case FLOE_AST_IS_FALSE:
            if (x->type.id == FLOE_TYPE_NULL &&
                (rc = floe_bind_expr_cast(b->a, x, T(FLOE_TYPE_BOOLEAN), &x, b->err)))
                break;
            if (ae->is.what == FLOE_AST_IS_FALSE && (rc = logic2(b, FLOE_EXPR_NOT, x, NULL, &x))) break;
            if ((rc = logic2(b, FLOE_EXPR_AND, x, x, &x))) break; /* type check */
            if ((rc = coalesce_false(b, x, &x))) break;
            rc = ae->is.negated ? logic2(b, FLOE_EXPR_NOT, x, NULL, out) : (*out = x, FLOE_OK);
            break;
        case FLOE_AST_IS_DISTINCT: {
            floe_expr *eq, *n1, *n2, *both;
            if ((rc = bind_expr(bk, ae->is.right, &y))) return rc;
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "IS DISTINCT FROM", x, y, &eq, b->err)))
                break;
            if ((rc = is_not_null(b, x, false, &n1)) || (rc = is_not_null(b, y, false, &n2)) ||
                (rc = logic2(b, FLOE_EXPR_AND, n1, n2, &both)))
                break;
            e = floe_bind_expr_new(b->a, FLOE_EXPR_COALESCE, T(FLOE_TYPE_BOOLEAN), 2);
            if (e == NULL) return nomem(b);
            e->args[0] = eq;
            e->args[1] = both; /* eq is NULL only when a side is NULL */
            /* IS NOT DISTINCT FROM = coalesce(x = y, x IS NULL AND y IS NULL) */
            rc = ae->is.negated ? (*out = e, FLOE_OK) : logic2(b, FLOE_EXPR_NOT, e, NULL, out);
            break;
        }
        }
        return at(b, rc, ae->off);
    case FLOE_AST_BETWEEN: {
        floe_expr *lo, *hi, *c1, *c2;
        if ((rc = bind_expr(bk, ae->between.arg, &x)) || (rc = bind_expr(bk, ae->between.lo, &lo)) ||
            (rc = bind_expr(bk, ae->between.hi, &hi)))
            return rc;
        if (ae->between.negated) {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_LT, "<", x, lo, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_GT, ">", x, hi, &c2, b->err)))
                return at(b, rc, ae->off);
            rc = logic2(b, FLOE_EXPR_OR, c1, c2, out);
        } else {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_GE, ">=", x, lo, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_LE, "<=", x, hi, &c2, b->err)))
                return at(b, rc, ae->off);
            rc = logic2(b, FLOE_EXPR_AND, c1, c2, out);
        }
        return at(b, rc, ae->off);
    }
    case FLOE_AST_IN_LIST: {
        uint32_t n = (uint32_t)ae->in_list.nitems + 1;
        floe_type t;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_IN_LIST, T(FLOE_TYPE_BOOLEAN), n);
        if (e == NULL) return nomem(b);
        if ((rc = bind_expr(bk, ae->in_list.arg, &e->args[0]))) return rc;
        for (i = 1; i < n; i++)
            if ((rc = bind_expr(bk, ae->in_list.items[i - 1], &e->args[i]))) return rc;
        /* the operand's type wins over constant strings */
        if ((rc = common_of(b, e->args, n, "IN", ae->off, &t))) {
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
    case FLOE_AST_IN_QUERY:
        if ((rc = bind_expr(bk, ae->in_query.arg, &x))) return rc;
        return bind_subquery(bk, ae->in_query.query, FLOE_SUBQ_IN, x, ae->in_query.negated,
                             ae->off, out);
    case FLOE_AST_EXISTS:
        return bind_subquery(bk, ae->subquery.query, FLOE_SUBQ_EXISTS, NULL, false, ae->off, out);
    case FLOE_AST_SUBQUERY:
        return bind_subquery(bk, ae->subquery.query, FLOE_SUBQ_SCALAR, NULL, false, ae->off, out);
    case FLOE_AST_LIKE: {
        uint32_t n = ae->like.escape ? 3 : 2;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_LIKE, T(FLOE_TYPE_BOOLEAN), n);
        if (e == NULL) return nomem(b);
        if ((rc = bind_expr(bk, ae->like.arg, &e->args[0])) ||
            (rc = bind_expr(bk, ae->like.pattern, &e->args[1])) ||
            (ae->like.escape && (rc = bind_expr(bk, ae->like.escape, &e->args[2]))))
            return rc;
        for (i = 0; i < n; i++)
            if ((rc = need_type(b, &e->args[i], T(FLOE_TYPE_VARCHAR),
                                ae->like.ilike ? "ILIKE" : "LIKE", ae->off)))
                return rc;
        e->negated = ae->like.negated;
        e->ilike = ae->like.ilike;
        *out = e;
        return FLOE_OK;
    }
    case FLOE_AST_CALL: return bind_call(bk, ae, out);
    case FLOE_AST_CAST:
        if ((rc = bind_expr(bk, ae->cast.arg, &x))) return rc;
        if (x->type.id == FLOE_TYPE_VARCHAR && x->kind == FLOE_EXPR_CONST &&
            ae->cast.type.id == FLOE_TYPE_VARCHAR) {
            *out = x;
            return FLOE_OK;
        }
        rc = floe_bind_expr_cast(b->a, x, ae->cast.type, out, b->err);
        return at(b, rc, ae->off);
    case FLOE_AST_CASE: {
        uint32_t nw = (uint32_t)ae->case_.nwhens, n = nw * 2 + (ae->case_.else_ ? 1 : 0);
        floe_expr **res = floe_arena_alloc(b->a, (nw + 1) * sizeof *res);
        floe_expr *op = NULL;
        floe_type t;
        uint32_t nr = 0;
        e = floe_bind_expr_new(b->a, FLOE_EXPR_CASE, T(FLOE_TYPE_NULL), n);
        if (e == NULL || res == NULL) return nomem(b);
        if (ae->case_.operand && (rc = bind_expr(bk, ae->case_.operand, &op))) return rc;
        for (i = 0; i < nw; i++) {
            floe_expr *w;
            if ((rc = bind_expr(bk, ae->case_.whens[i], &w))) return rc;
            if (op) {
                if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", op, w, &w, b->err)))
                    return at(b, rc, ae->case_.whens[i]->off);
            } else if ((rc = logic2(b, FLOE_EXPR_AND, w, w, &x))) {
                return at(b, rc, ae->case_.whens[i]->off);
            } else if (w->type.id != FLOE_TYPE_BOOLEAN &&
                       (rc = floe_bind_expr_cast(b->a, w, T(FLOE_TYPE_BOOLEAN), &w, b->err))) {
                return at(b, rc, ae->case_.whens[i]->off);
            }
            e->args[2 * i] = w;
            if ((rc = bind_expr(bk, ae->case_.thens[i], &res[nr++]))) return rc;
        }
        if (ae->case_.else_) {
            if ((rc = bind_expr(bk, ae->case_.else_, &res[nr++]))) return rc;
            e->has_else = true;
        }
        if ((rc = common_of(b, res, nr, "CASE", ae->off, &t))) return rc;
        for (i = 0; i < nw; i++) e->args[2 * i + 1] = res[i];
        if (ae->case_.else_) e->args[2 * nw] = res[nw];
        e->type = t;
        return floe_bind_expr_fold(b->a, e, out, b->err);
    }
    case FLOE_AST_EXTRACT: {
        floe_expr *args[2];
        floe_dt_unit unit;
        if ((rc = bind_expr(bk, ae->extract.arg, &x))) return rc;
        if (floe_dt_unit_parse(ae->extract.field, strlen(ae->extract.field), &unit, b->err))
            return at(b, b->err ? b->err->code : FLOE_ERROR, ae->off);
        if ((rc = need_type(b, &x, T(FLOE_TYPE_TIMESTAMP), "extract", ae->off))) return rc;
        args[0] = mk_const_str(b, ae->extract.field, strlen(ae->extract.field));
        args[1] = x;
        if (args[0] == NULL) return nomem(b);
        *out = floe_bind_expr_call(b->a, FLOE_FN_DATE_PART, T(FLOE_TYPE_BIGINT), args, 2);
        return *out ? FLOE_OK : nomem(b);
    }
    }
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off, "unsupported expression");
}

static int bind_expr(block *bk, const floe_ast_expr *ae, floe_expr **out)
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

/* ------------------------------------------------------------ plan helpers */

static floe_plan *node(binder *b, floe_plan_kind k, uint32_t ncols, uint32_t nchildren)
{
    return floe_planner_node(b->a, k, ncols, nchildren);
}

static floe_plan *project(binder *b, floe_plan *child, floe_expr **exprs, const char **names,
                          uint32_t n)
{
    floe_plan *p;
    uint32_t i;
    /* an identity projection only renames: copy the child node with new names */
    for (i = 0; i < n; i++)
        if (exprs[i]->kind != FLOE_EXPR_COLUMN || exprs[i]->index != i) break;
    if (i == n && n == child->ncols && n > 0) {
        p = floe_arena_alloc(b->a, sizeof *p);
        if (p == NULL) return NULL;
        *p = *child;
        p->names = floe_arena_alloc(b->a, n * sizeof *p->names);
        if (p->names == NULL) return NULL;
        memcpy(p->names, names, n * sizeof *names);
        return p;
    }
    p = node(b, FLOE_PLAN_PROJECT, n, 1);
    if (p == NULL) return NULL;
    p->u.project.exprs = floe_arena_alloc(b->a, (n ? n : 1) * sizeof *p->u.project.exprs);
    if (p->u.project.exprs == NULL) return NULL;
    for (i = 0; i < n; i++) {
        p->u.project.exprs[i] = exprs[i];
        p->types[i] = exprs[i]->type;
        p->names[i] = names[i];
    }
    p->children[0] = child;
    p->est_rows = child->est_rows;
    return p;
}

static int const_int(block *bk, const floe_ast_expr *ae, const char *what, int64_t *out)
{
    binder *b = bk->b;
    floe_expr *e;
    floe_value v;
    int rc = bind_expr(bk, ae, &e);
    if (rc) return rc;
    if (e->kind != FLOE_EXPR_CONST || !floe_type_is_numeric(e->type) || e->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must be a constant integer", what);
    if ((rc = floe_bind_expr_cast_value(b->a, &e->value, T(FLOE_TYPE_BIGINT), &v, b->err)))
        return at(b, rc, ae->off);
    if (v.v.i < 0) return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must not be negative", what);
    *out = v.v.i;
    return FLOE_OK;
}

/* Sort/TopN/Limit on top of p per the query's ORDER BY keys and LIMIT/OFFSET. */
static int order_limit(binder *b, const floe_ast_query *q, floe_plan *p, floe_sort_key *keys,
                       uint32_t nkeys, floe_plan **out)
{
    block tmp;
    int64_t limit = -1, offset = 0;
    int rc;
    memset(&tmp, 0, sizeof tmp);
    tmp.b = b;
    if (q->limit && (rc = const_int(&tmp, q->limit, "LIMIT", &limit))) return rc;
    if (q->offset && (rc = const_int(&tmp, q->offset, "OFFSET", &offset))) return rc;
    if (nkeys) {
        floe_plan *s = node(b, limit >= 0 ? FLOE_PLAN_TOPN : FLOE_PLAN_SORT, p->ncols, 1);
        if (s == NULL) return nomem(b);
        memcpy(s->types, p->types, p->ncols * sizeof *s->types);
        memcpy(s->names, p->names, p->ncols * sizeof *s->names);
        s->children[0] = p;
        s->u.sort.keys = keys;
        s->u.sort.nkeys = nkeys;
        s->u.sort.limit = limit;
        s->u.sort.offset = limit >= 0 ? offset : 0;
        s->est_rows = limit >= 0 && limit < p->est_rows ? (double)limit : p->est_rows;
        p = s;
        if (limit >= 0) offset = 0; /* the TOPN applied both */
        limit = -1;
    }
    if (limit >= 0 || offset > 0) {
        floe_plan *l = node(b, FLOE_PLAN_LIMIT, p->ncols, 1);
        if (l == NULL) return nomem(b);
        memcpy(l->types, p->types, p->ncols * sizeof *l->types);
        memcpy(l->names, p->names, p->ncols * sizeof *l->names);
        l->children[0] = p;
        l->u.limit.limit = limit;
        l->u.limit.offset = offset;
        l->est_rows = limit >= 0 && limit < p->est_rows ? (double)limit : p->est_rows;
        p = l;
    }
    *out = p;
    return FLOE_OK;
}

static void sort_key_init(floe_sort_key *k, uint32_t col, const floe_ast_order *o)
{
    k->col = col;
    k->desc = o->desc;
    k->nulls_first = o->nulls == FLOE_AST_NULLS_DEFAULT ? o->desc : o->nulls == FLOE_AST_NULLS_FIRST;
}

/* ORDER BY of a set operation / VALUES: ordinals or output column names. */
static int order_by_outputs(binder *b, const floe_ast_query *q, floe_plan *p, floe_plan **out)
{
    floe_sort_key *keys = NULL;
    int i;
    uint32_t c;
    if (q->norder_by) {
        keys = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *keys);
        if (keys == NULL) return nomem(b);
    }
    for (i = 0; i < q->norder_by; i++) {
        const floe_ast_expr *e = q->order_by[i].expr;
        if (e->kind == FLOE_AST_INT && e->int_lit.fits) {
            if (e->int_lit.value < 1 || (uint64_t)e->int_lit.value > p->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, e->off,
                                       "ORDER BY position %lld is not in select list",
                                       (long long)e->int_lit.value);
            c = (uint32_t)e->int_lit.value - 1;
        } else if (e->kind == FLOE_AST_COLUMN && e->column.table == NULL) {
            for (c = 0; c < p->ncols; c++)
                if (p->names[c] && strcmp(p->names[c], e->column.name) == 0) break;
            if (c == p->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, e->off,
                                       "column \"%s\" does not exist in the result",
                                       e->column.name);
        } else {
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, e->off,
                                   "ORDER BY here must name an output column or position");
        }
        sort_key_init(&keys[i], c, &q->order_by[i]);
    }
    return order_limit(b, q, p, keys, (uint32_t)q->norder_by, out);
}

/* ------------------------------------------------------------ FROM */

typedef struct fromctx {
    block *bk;
    floe_expr **conj; /* WHERE + inner ON conjuncts over gids */
    uint32_t nconj, capconj;
} fromctx;

static int add_conj(fromctx *fc, floe_expr *e)
{
    return floe_planner_conjuncts(fc->bk->b->a, e, &fc->conj, &fc->nconj, &fc->capconj) ? nomem(fc->bk->b) : FLOE_OK;
}

static int push_item(binder *b, floe_pitem ***list, uint32_t *n, uint32_t *cap, floe_pitem *it)
{
    *list = grow(b, *list, *n, cap, sizeof **list);
    if (*list == NULL) return nomem(b);
    (*list)[(*n)++] = it;
    return FLOE_OK;
}

static int bind_cte_ref(binder *b, block *bk, cte_def *c, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc;
    /* a CTE sees the CTEs defined before it, not itself */
    b->ctes = c->visible;
    rc = bind_query(b, bk->fr, c->ast->query, out);
    b->ctes = saved;
    return rc;
}

static int bind_from(fromctx *fc, const floe_ast_from *f, floe_pitem ***items, uint32_t *nitems,
                     uint32_t *capitems)
{
    block *bk = fc->bk;
    binder *b = bk->b;
    int rc;
    uint32_t i;
    if (f->kind == FLOE_AST_FROM_TABLE || f->kind == FLOE_AST_FROM_SUBQUERY) {
        floe_prel r;
        floe_pitem *it = floe_arena_alloc(b->a, sizeof *it);
        const char *alias = f->alias;
        const char **cols = f->cols;
        int ncols = f->ncols;
        cte_def *c = NULL;
        if (it == NULL) return nomem(b);
        memset(it, 0, sizeof *it);
        memset(&r, 0, sizeof r);
        if (f->kind == FLOE_AST_FROM_TABLE)
            for (c = b->ctes; c; c = c->next)
                if (strcmp(c->name, f->table) == 0) break;
        if (f->kind == FLOE_AST_FROM_SUBQUERY || c) {
            floe_plan *p;
            if (c) {
                if ((rc = bind_cte_ref(b, bk, c, &p))) return rc;
                if (alias == NULL) alias = c->name;
                if (ncols == 0 && c->ast->ncols) {
                    cols = c->ast->cols;
                    ncols = c->ast->ncols;
                }
            } else if ((rc = bind_query(b, bk->fr, f->query, &p))) {
                return rc;
            }
            r.is_table = false;
            r.plan = p;
            r.ncols = p->ncols;
            r.types = p->types;
            r.names = p->names;
            r.est_rows = p->est_rows;
        } else {
            floe_cat_table t;
            floe_type *types;
            const char **names;
            if ((rc = find_table(b, f->table, f->off, &t))) return rc;
            r.is_table = true;
            if ((rc = plan_table(b, &t, &r.table))) return rc;
            r.table_name = b->qp->table_names[r.table];
            r.ncols = t.ncols;
            types = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *types);
            names = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *names);
            if (types == NULL || names == NULL) return nomem(b);
            for (i = 0; i < t.ncols; i++) {
                types[i] = t.cols[i].type;
                names[i] = adup(b, t.cols[i].name);
                if (names[i] == NULL) return nomem(b);
            }
            r.types = types;
            r.names = names;
            r.est_rows = t.nrows;
            {
                double *ndv = floe_arena_alloc(b->a, (t.ncols ? t.ncols : 1) * sizeof *ndv);
                if (ndv == NULL) return nomem(b);
                for (i = 0; i < t.ncols; i++)
                    ndv[i] = t.ndv && t.ndv[i] > 0 ? t.ndv[i] : (i == 0 ? t.nrows : 0);
                r.ndv = ndv;
            }
            if (alias == NULL) alias = f->table;
        }
        it->kind = FLOE_PITEM_REL;
        it->rel = bk->nrels;
        if ((rc = add_rel(bk, &r, alias, cols, ncols, f->off))) return rc;
        return push_item(b, items, nitems, capitems, it);
    }
    /* JOIN */
    {
        floe_ast_join_kind k = f->join.kind;
        const floe_ast_from *lf = f->join.left, *rf = f->join.right;
        uint32_t lcol0 = bk->ncols, rcol0, rcol1;
        floe_expr **onl = NULL;
        uint32_t non = 0, capon = 0;
        floe_pitem **lefts = NULL, **rights = NULL;
        uint32_t nl = 0, capl = 0, nr = 0, capr = 0;
        bool outer = k == FLOE_AST_JOIN_LEFT || k == FLOE_AST_JOIN_RIGHT;
        if (k == FLOE_AST_JOIN_FULL)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, f->off, "FULL JOIN is not supported");
        if (!outer) {
            if ((rc = bind_from(fc, lf, items, nitems, capitems))) return rc;
            rcol0 = bk->ncols;
            if ((rc = bind_from(fc, rf, items, nitems, capitems))) return rc;
        } else {
            if ((rc = bind_from(fc, lf, &lefts, &nl, &capl))) return rc;
            rcol0 = bk->ncols;
            if ((rc = bind_from(fc, rf, &rights, &nr, &capr))) return rc;
        }
        rcol1 = bk->ncols;
        /* ON / USING conditions */
        if (f->join.on) {
            floe_expr *on;
            bool saved = bk->agg_ok;
            bk->agg_ok = false;
            rc = bind_expr(bk, f->join.on, &on);
            bk->agg_ok = saved;
            if (rc) return rc;
            if (on->type.id != FLOE_TYPE_BOOLEAN &&
                (rc = floe_bind_expr_cast(b->a, on, T(FLOE_TYPE_BOOLEAN), &on, b->err)))
                return at(b, rc, f->join.on->off);
            if (outer) {
                if (floe_planner_conjuncts(b->a, on, &onl, &non, &capon)) return nomem(b);
            } else if ((rc = add_conj(fc, on))) {
                return rc;
            }
        }
        for (i = 0; i < (uint32_t)f->join.nusing; i++) {
            const char *u = f->join.using_cols[i];
            int li = -1, ri = -1;
            uint32_t j;
            floe_expr *lx, *rx, *eq;
            for (j = lcol0; j < rcol0; j++)
                if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) li = (int)j;
            for (j = rcol0; j < rcol1; j++)
                if (!bk->cols[j].hidden && strcmp(bk->cols[j].name, u) == 0) ri = (int)j;
            if (li < 0 || ri < 0)
                return floe_err_set_at(b->err, FLOE_ERROR, f->off,
                                       "column \"%s\" specified in USING clause does not exist in %s table",
                                       u, li < 0 ? "left" : "right");
            lx = floe_bind_expr_column(b->a, bk->cols[li].gid, bk->cols[li].type);
            rx = floe_bind_expr_column(b->a, bk->cols[ri].gid, bk->cols[ri].type);
            if (lx == NULL || rx == NULL) return nomem(b);
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", lx, rx, &eq, b->err)))
                return at(b, rc, f->off);
            bk->cols[k == FLOE_AST_JOIN_RIGHT ? li : ri].hidden = true;
            if (outer) {
                if (floe_planner_conjuncts(b->a, eq, &onl, &non, &capon)) return nomem(b);
            } else if ((rc = add_conj(fc, eq))) {
                return rc;
            }
        }
        if (outer) {
            floe_pitem *it = floe_arena_alloc(b->a, sizeof *it);
            if (it == NULL) return nomem(b);
            memset(it, 0, sizeof *it);
            if (k == FLOE_AST_JOIN_RIGHT) {
                floe_pitem **ts = lefts;
                uint32_t tn = nl;
                lefts = rights;
                nl = nr;
                rights = ts;
                nr = tn;
            }
            if (nr != 1)
                return floe_err_set_at(b->err, FLOE_UNSUPPORTED, f->off,
                                       "the inner side of an outer join must be a single table or subquery");
            it->kind = FLOE_PITEM_LEFT;
            it->lefts = lefts;
            it->nleft = nl;
            it->right = rights[0];
            it->on = onl;
            it->non = non;
            return push_item(b, items, nitems, capitems, it);
        }
        return FLOE_OK;
    }
}

/* ------------------------------------------------------------ post-aggregation */

typedef struct aggctx {
    block *bk;
    floe_expr **groups;
    uint32_t ngroups;
    int off;
} aggctx;

static const char *gid_name(block *bk, uint32_t gid)
{
    uint32_t i;
    for (i = 0; i < bk->ncols; i++)
        if (bk->cols[i].gid == gid) return bk->cols[i].name;
    return "?";
}

/* Rewrite e (over gids + aggregate placeholders) to the AGGREGATE output. */
static int post_agg(aggctx *ac, floe_expr *e, floe_expr **out)
{
    binder *b = ac->bk->b;
    uint32_t i;
    floe_expr *c;
    for (i = 0; i < ac->ngroups; i++)
        if (floe_bind_expr_equal(ac->groups[i], e)) {
            *out = floe_bind_expr_column(b->a, i, e->type);
            if (*out == NULL) return nomem(b);
            (*out)->name = e->name;
            return FLOE_OK;
        }
    if (e->kind == FLOE_EXPR_COLUMN) {
        if (e->index >= AGG_BASE) {
            *out = floe_bind_expr_column(b->a, ac->ngroups + (e->index - AGG_BASE), e->type);
            return *out ? FLOE_OK : nomem(b);
        }
        return floe_err_set_at(b->err, FLOE_ERROR, ac->off,
                               "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                               gid_name(ac->bk, e->index));
    }
    if (e->nargs == 0) {
        *out = e;
        return FLOE_OK;
    }
    c = floe_arena_alloc(b->a, sizeof *c);
    if (c == NULL) return nomem(b);
    *c = *e;
    c->args = floe_arena_alloc(b->a, e->nargs * sizeof *c->args);
    if (c->args == NULL) return nomem(b);
    for (i = 0; i < e->nargs; i++) {
        int rc = post_agg(ac, e->args[i], &c->args[i]);
        if (rc) return rc;
    }
    *out = c;
    return FLOE_OK;
}

static bool has_agg_ref(const floe_expr *e)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_COLUMN && e->index >= AGG_BASE) return true;
    for (i = 0; i < e->nargs; i++)
        if (has_agg_ref(e->args[i])) return true;
    return false;
}

/* ------------------------------------------------------------ SELECT */

typedef struct target {
    floe_expr *e;
    const char *name;
    const floe_ast_expr *ast; /* NULL for * expansions */
    const char *alias;
    int off;
} target;

static int bind_select(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    block *bk = floe_arena_alloc(b->a, sizeof *bk);
    fromctx fc;
    floe_pitem **items = NULL;
    uint32_t nitems = 0, capitems = 0, i, j;
    target *tg = NULL;
    uint32_t nt = 0, capt = 0, nvis;
    floe_expr **groups = NULL, *having = NULL, **oexprs = NULL;
    uint32_t ngroups = 0;
    uint32_t *ocol = NULL; /* ORDER BY: output column, or UINT32_MAX for expressions */
    floe_plan *p;
    uint32_t *map = NULL;
    bool *needed;
    bool aggregated;
    decorr *dc = NULL;
    int rc, k;

    if (bk == NULL) return nomem(b);
    memset(bk, 0, sizeof *bk);
    bk->b = b;
    bk->fr = fr;
    memset(&fc, 0, sizeof fc);
    fc.bk = bk;
    if (fr && fr->dc_pending) {
        dc = fr->dc;
        fr->dc_pending = false;
    }

    for (k = 0; k < q->select.nfrom; k++)
        if ((rc = bind_from(&fc, q->select.from[k], &items, &nitems, &capitems))) return rc;
    if (q->select.where) {
        /* AST conjuncts: correlated EXISTS / IN ones may become semi joins */
        const floe_ast_expr *stack[64], *wa;
        int sp = 0;
        stack[sp++] = q->select.where;
        bk->agg_ok = false;
        bk->in_where = true;
        while (sp > 0) {
            floe_expr *w;
            bool done = false;
            wa = stack[--sp];
            if (wa->kind == FLOE_AST_BINARY && wa->binary.op == FLOE_AST_AND && sp < 62) {
                stack[sp++] = wa->binary.right;
                stack[sp++] = wa->binary.left;
                continue;
            }
            if (nitems && (rc = try_semi(bk, wa, &done))) return rc;
            if (done) continue;
            if ((rc = bind_expr(bk, wa, &w))) return rc;
            if (w->type.id == FLOE_TYPE_NULL &&
                (rc = floe_bind_expr_cast(b->a, w, T(FLOE_TYPE_BOOLEAN), &w, b->err)))
                return rc;
            if (w->type.id != FLOE_TYPE_BOOLEAN) {
                char b1[32];
                return floe_err_set_at(b->err, FLOE_TYPE, wa->off,
                                       "argument of WHERE must be type BOOLEAN, not type %s",
                                       floe_type_name(w->type, b1, sizeof b1));
            }
            if ((rc = add_conj(&fc, w))) return rc;
        }
        bk->in_where = false;
    }
    if (dc && (rc = dc_extract(bk, fc.conj, &fc.nconj, dc))) return rc;

    /* select list */
    bk->agg_ok = true;
    for (k = 0; k < q->select.ntargets && !(dc && dc->kind == FLOE_SUBQ_EXISTS); k++) {
        const floe_ast_target *t = &q->select.targets[k];
        if (t->expr->kind == FLOE_AST_STAR) {
            const char *rel = t->expr->star.table;
            bool any = false;
            for (i = 0; i < bk->ncols; i++) {
                scol *c = &bk->cols[i];
                if (rel ? (c->rel == NULL || strcmp(c->rel, rel) != 0) : c->hidden) continue;
                tg = grow(b, tg, nt, &capt, sizeof *tg);
                if (tg == NULL) return nomem(b);
                tg[nt].e = floe_bind_expr_column(b->a, c->gid, c->type);
                if (tg[nt].e == NULL) return nomem(b);
                tg[nt].name = c->name;
                tg[nt].ast = NULL;
                tg[nt].alias = NULL;
                tg[nt].off = t->off;
                nt++;
                any = true;
            }
            if (!any)
                return floe_err_set_at(b->err, FLOE_ERROR, t->off,
                                       rel ? "missing FROM-clause entry for table \"%s\""
                                           : "SELECT * with no tables specified%s",
                                       rel ? rel : "");
            continue;
        }
        tg = grow(b, tg, nt, &capt, sizeof *tg);
        if (tg == NULL) return nomem(b);
        if ((rc = bind_expr(bk, t->expr, &tg[nt].e))) return rc;
        if (tg[nt].e->type.id == FLOE_TYPE_NULL &&
            (rc = floe_bind_expr_cast(b->a, tg[nt].e, T(FLOE_TYPE_INTEGER), &tg[nt].e, b->err)))
            return rc;
        tg[nt].ast = t->expr;
        tg[nt].alias = t->alias;
        tg[nt].name = t->alias ? adup(b, t->alias) : expr_name(b, t->expr);
        tg[nt].off = t->off;
        nt++;
    }
    nvis = nt;
    if (dc) {
        /* decorrelated subquery: values, then the inner keys as columns */
        bool agg = bk->naggs > 0 || q->select.ngroup_by > 0 || q->select.having;
        dc->nvals = nt;
        if (dc->kind == FLOE_SUBQ_SCALAR) {
            if (bk->naggs == 0 || q->select.ngroup_by > 0 || q->select.distinct || nt != 1)
                goto dc_fail;
            /* count of no rows is 0 where a LEFT join gives NULL: only a bare
             * count can be fixed up (coalesce to 0), other uses of counts fail */
            dc->count_value = tg[0].e->kind == FLOE_EXPR_COLUMN && tg[0].e->index >= AGG_BASE &&
                              (bk->aggs[tg[0].e->index - AGG_BASE].fn == FLOE_AGG_COUNT ||
                               bk->aggs[tg[0].e->index - AGG_BASE].fn == FLOE_AGG_COUNT_STAR);
            for (i = 0; i < bk->naggs; i++)
                if ((bk->aggs[i].fn == FLOE_AGG_COUNT || bk->aggs[i].fn == FLOE_AGG_COUNT_STAR) &&
                    !(dc->count_value && i == tg[0].e->index - AGG_BASE))
                    goto dc_fail;
            if (q->select.having && dc->count_value) goto dc_fail;
            groups = floe_arena_alloc(b->a, dc->nkeys * sizeof *groups);
            if (groups == NULL) return nomem(b);
            for (i = 0; i < dc->nkeys; i++) groups[ngroups++] = dc->inner[i];
        } else if (agg) {
            goto dc_fail;
        }
        for (i = 0; i < dc->nkeys; i++) {
            tg = grow(b, tg, nt, &capt, sizeof *tg);
            if (tg == NULL) return nomem(b);
            tg[nt].e = dc->inner[i];
            tg[nt].name = "key";
            tg[nt].ast = NULL;
            tg[nt].alias = NULL;
            tg[nt].off = q->off;
            nt++;
        }
        nvis = nt;
    }

    /* GROUP BY: ordinals, output aliases that do not shadow a column, expressions */
    if (q->select.ngroup_by) {
        groups = floe_arena_alloc(b->a, (size_t)q->select.ngroup_by * sizeof *groups);
        if (groups == NULL) return nomem(b);
    }
    for (k = 0; k < q->select.ngroup_by; k++) {
        const floe_ast_expr *g = q->select.group_by[k];
        const floe_ast_expr *use = g;
        floe_expr *ge;
        if (g->kind == FLOE_AST_INT && g->int_lit.fits) {
            if (g->int_lit.value < 1 || (uint64_t)g->int_lit.value > nvis)
                return floe_err_set_at(b->err, FLOE_ERROR, g->off,
                                       "GROUP BY position %lld is not in select list",
                                       (long long)g->int_lit.value);
            ge = tg[g->int_lit.value - 1].e;
            if (has_agg_ref(ge))
                return floe_err_set_at(b->err, FLOE_ERROR, g->off,
                                       "aggregate functions are not allowed in GROUP BY");
            groups[ngroups++] = ge;
            continue;
        }
        if (g->kind == FLOE_AST_COLUMN && g->column.table == NULL) {
            bool is_col = false;
            for (i = 0; i < bk->ncols; i++)
                if (!bk->cols[i].hidden && strcmp(bk->cols[i].name, g->column.name) == 0) is_col = true;
            if (!is_col)
                for (i = 0; i < nvis; i++)
                    if (tg[i].alias && strcmp(tg[i].alias, g->column.name) == 0 && tg[i].ast) {
                        use = tg[i].ast;
                        break;
                    }
        }
        bk->agg_ok = false;
        rc = bind_expr(bk, use, &ge);
        bk->agg_ok = true;
        if (rc) return rc;
        groups[ngroups++] = ge;
    }

    if (q->select.having) {
        if ((rc = bind_expr(bk, q->select.having, &having))) return rc;
        if (having->type.id != FLOE_TYPE_BOOLEAN &&
            (rc = floe_bind_expr_cast(b->a, having, T(FLOE_TYPE_BOOLEAN), &having, b->err)))
            return at(b, rc, q->select.having->off);
    }

    /* ORDER BY: ordinals, output names, else expressions (hidden columns) */
    if (q->norder_by) {
        ocol = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *ocol);
        oexprs = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *oexprs);
        if (ocol == NULL || oexprs == NULL) return nomem(b);
    }
    for (k = 0; k < q->norder_by; k++) {
        const floe_ast_expr *o = q->order_by[k].expr;
        ocol[k] = UINT32_MAX;
        oexprs[k] = NULL;
        if (o->kind == FLOE_AST_INT && o->int_lit.fits) {
            if (o->int_lit.value < 1 || (uint64_t)o->int_lit.value > nvis)
                return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                       "ORDER BY position %lld is not in select list",
                                       (long long)o->int_lit.value);
            ocol[k] = (uint32_t)o->int_lit.value - 1;
            continue;
        }
        if (o->kind == FLOE_AST_COLUMN && o->column.table == NULL) {
            for (i = 0; i < nvis; i++)
                if (tg[i].alias && strcmp(tg[i].alias, o->column.name) == 0) break;
            if (i < nvis) {
                ocol[k] = i;
                continue;
            }
        }
        if ((rc = bind_expr(bk, o, &oexprs[k]))) return rc;
        for (i = 0; i < nvis; i++)
            if (floe_bind_expr_equal(tg[i].e, oexprs[k])) break;
        if (i < nvis) {
            ocol[k] = i;
            continue;
        }
        if (q->select.distinct)
            return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                   "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        tg = grow(b, tg, nt, &capt, sizeof *tg);
        if (tg == NULL) return nomem(b);
        tg[nt].e = oexprs[k];
        tg[nt].name = expr_name(b, o);
        tg[nt].ast = o;
        tg[nt].alias = NULL;
        tg[nt].off = o->off;
        ocol[k] = nt++;
    }

    aggregated = ngroups > 0 || bk->naggs > 0;

    /* columns the rest of the query reads */
    needed = floe_arena_alloc(b->a, bk->ngids ? bk->ngids : 1);
    if (needed == NULL) return nomem(b);
    memset(needed, 0, bk->ngids ? bk->ngids : 1);
    for (i = 0; i < nt; i++) floe_planner_mark(tg[i].e, needed, bk->ngids);
    for (i = 0; i < ngroups; i++) floe_planner_mark(groups[i], needed, bk->ngids);
    for (i = 0; i < bk->naggs; i++)
        if (bk->aggs[i].arg) floe_planner_mark(bk->aggs[i].arg, needed, bk->ngids);
    if (having) floe_planner_mark(having, needed, bk->ngids);

    /* FROM + WHERE */
    for (i = 0; i < bk->nsjoins; i++) {
        /* decorrelated scalar subqueries: (FROM items) LEFT JOIN aggregate */
        floe_pitem *l = floe_arena_alloc(b->a, sizeof *l);
        floe_pitem **one = floe_arena_alloc(b->a, sizeof *one);
        if (l == NULL || one == NULL) return nomem(b);
        memset(l, 0, sizeof *l);
        l->kind = FLOE_PITEM_LEFT;
        l->lefts = items;
        l->nleft = nitems;
        l->right = bk->sjoins[i];
        l->on = bk->sjoin_on[i];
        l->non = bk->sjoins[i]->non;
        bk->sjoins[i]->non = 0;
        one[0] = l;
        items = one;
        nitems = 1;
    }
    if (nitems) {
        if ((rc = floe_planner_from(b->a, bk->rels, bk->nrels, items, nitems, fc.conj, fc.nconj,
                                    bk->semis, bk->nsemis, needed, bk->ngids, &p, &map, b->err)))
            return rc;
    } else {
        p = node(b, FLOE_PLAN_VALUES, 0, 0);
        if (p == NULL) return nomem(b);
        p->u.values.nrows = 1;
        p->est_rows = 1;
        if (fc.nconj) {
            floe_plan *f = node(b, FLOE_PLAN_FILTER, 0, 1);
            floe_expr *w;
            if (f == NULL) return nomem(b);
            if ((rc = floe_bind_expr_logic(b->a, FLOE_EXPR_AND, fc.conj, fc.nconj, &w, b->err)))
                return rc;
            f->u.filter.pred = w;
            f->children[0] = p;
            f->est_rows = 1;
            p = f;
        }
        map = floe_arena_alloc(b->a, sizeof *map);
        if (map == NULL) return nomem(b);
    }

    if (aggregated) {
        aggctx ac;
        floe_plan *ag = node(b, FLOE_PLAN_AGGREGATE, ngroups + bk->naggs, 1);
        if (ag == NULL) return nomem(b);
        ag->u.agg.groups = floe_arena_alloc(b->a, (ngroups ? ngroups : 1) * sizeof(floe_expr *));
        ag->u.agg.aggs = floe_arena_alloc(b->a, (bk->naggs ? bk->naggs : 1) * sizeof(floe_agg));
        if (ag->u.agg.groups == NULL || ag->u.agg.aggs == NULL) return nomem(b);
        for (i = 0; i < ngroups; i++) {
            ag->u.agg.groups[i] = floe_planner_remap(b->a, groups[i], map);
            if (ag->u.agg.groups[i] == NULL) return nomem(b);
            ag->types[i] = groups[i]->type;
            ag->names[i] = groups[i]->name ? groups[i]->name : "group";
        }
        for (i = 0; i < bk->naggs; i++) {
            ag->u.agg.aggs[i] = bk->aggs[i];
            if (bk->aggs[i].arg) {
                ag->u.agg.aggs[i].arg = floe_planner_remap(b->a, bk->aggs[i].arg, map);
                if (ag->u.agg.aggs[i].arg == NULL) return nomem(b);
            }
            ag->types[ngroups + i] = bk->aggs[i].type;
            ag->names[ngroups + i] = bk->agg_names[i];
        }
        ag->u.agg.ngroups = ngroups;
        ag->u.agg.naggs = bk->naggs;
        ag->children[0] = p;
        {
            double est = 1;
            if (ngroups) {
                est = p->est_rows;
                for (i = 0; i < ngroups && i < 3; i++) est *= 0.1;
                if (est < 1) est = 1;
            }
            ag->est_rows = est;
        }
        p = ag;
        ac.bk = bk;
        ac.groups = groups;
        ac.ngroups = ngroups;
        if (having) {
            floe_plan *f = node(b, FLOE_PLAN_FILTER, p->ncols, 1);
            if (f == NULL) return nomem(b);
            ac.off = q->select.having->off;
            if ((rc = post_agg(&ac, having, &f->u.filter.pred))) return rc;
            memcpy(f->types, p->types, p->ncols * sizeof *f->types);
            memcpy(f->names, p->names, p->ncols * sizeof *f->names);
            f->children[0] = p;
            f->est_rows = p->est_rows * 0.5 < 1 ? 1 : p->est_rows * 0.5;
            p = f;
        }
        for (i = 0; i < nt; i++) {
            ac.off = tg[i].off;
            if ((rc = post_agg(&ac, tg[i].e, &tg[i].e))) return rc;
        }
    } else {
        for (i = 0; i < nt; i++) {
            tg[i].e = floe_planner_remap(b->a, tg[i].e, map);
            if (tg[i].e == NULL) return nomem(b);
        }
    }
    if (!aggregated && having)
        return floe_err_set_at(b->err, FLOE_ERROR, q->select.having->off,
                               "HAVING requires GROUP BY or an aggregate");

    /* select list (+ hidden ORDER BY columns) */
    {
        floe_expr **ex = floe_arena_alloc(b->a, (nt ? nt : 1) * sizeof *ex);
        const char **nm = floe_arena_alloc(b->a, (nt ? nt : 1) * sizeof *nm);
        if (ex == NULL || nm == NULL) return nomem(b);
        for (i = 0; i < nt; i++) {
            ex[i] = tg[i].e;
            nm[i] = tg[i].name;
        }
        p = project(b, p, ex, nm, nt);
        if (p == NULL) return nomem(b);
    }
    if (q->select.distinct) {
        floe_plan *d = node(b, FLOE_PLAN_DISTINCT, p->ncols, 1);
        if (d == NULL) return nomem(b);
        memcpy(d->types, p->types, p->ncols * sizeof *d->types);
        memcpy(d->names, p->names, p->ncols * sizeof *d->names);
        d->children[0] = p;
        d->est_rows = p->est_rows;
        p = d;
    }
    {
        floe_sort_key *keys = NULL;
        if (q->norder_by) {
            keys = floe_arena_alloc(b->a, (size_t)q->norder_by * sizeof *keys);
            if (keys == NULL) return nomem(b);
            for (k = 0; k < q->norder_by; k++) sort_key_init(&keys[k], ocol[k], &q->order_by[k]);
        }
        if ((rc = order_limit(b, q, p, keys, (uint32_t)q->norder_by, &p))) return rc;
    }
    if (nt > nvis) {
        floe_expr **ex = floe_arena_alloc(b->a, nvis * sizeof *ex);
        if (ex == NULL) return nomem(b);
        for (j = 0; j < nvis; j++) {
            ex[j] = floe_bind_expr_column(b->a, j, p->types[j]);
            if (ex[j] == NULL) return nomem(b);
        }
        p = project(b, p, ex, p->names, nvis);
        if (p == NULL) return nomem(b);
    }
    *out = p;
    return FLOE_OK;
dc_fail:
    dc->failed = true;
    return FLOE_UNSUPPORTED;
}

/* ------------------------------------------------------------ VALUES, set ops */

static int bind_values(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    block bk;
    uint32_t nr = (uint32_t)q->values.nrows, nc = (uint32_t)q->values.ncols, r, c;
    floe_plan *p = node(b, FLOE_PLAN_VALUES, nc, 0);
    floe_expr **cells;
    int rc;
    memset(&bk, 0, sizeof bk);
    bk.b = b;
    bk.fr = fr;
    if (p == NULL) return nomem(b);
    cells = floe_arena_alloc(b->a, ((size_t)nr * nc + 1) * sizeof *cells);
    if (cells == NULL) return nomem(b);
    for (r = 0; r < nr; r++)
        for (c = 0; c < nc; c++)
            if ((rc = bind_expr(&bk, q->values.rows[r][c], &cells[r * nc + c]))) return rc;
    for (c = 0; c < nc; c++) {
        floe_expr **col = floe_arena_alloc(b->a, nr * sizeof *col);
        floe_type t;
        char nm[32];
        if (col == NULL) return nomem(b);
        for (r = 0; r < nr; r++) col[r] = cells[r * nc + c];
        if ((rc = common_of(b, col, nr, "VALUES", q->off, &t))) return rc;
        for (r = 0; r < nr; r++) cells[r * nc + c] = col[r];
        p->types[c] = t;
        snprintf(nm, sizeof nm, "col%u", c);
        p->names[c] = adup(b, nm);
    }
    p->u.values.nrows = nr;
    p->u.values.cells = cells;
    p->est_rows = nr;
    return order_by_outputs(b, q, p, out);
}

/* Cast plan p's columns to types t (PROJECT when any differs). */
static int cast_plan(binder *b, floe_plan *p, const floe_type *t, floe_plan **out)
{
    uint32_t i;
    bool same = true;
    floe_expr **ex;
    int rc;
    for (i = 0; i < p->ncols; i++)
        if (!floe_type_eq(p->types[i], t[i])) same = false;
    if (same) {
        *out = p;
        return FLOE_OK;
    }
    ex = floe_arena_alloc(b->a, p->ncols * sizeof *ex);
    if (ex == NULL) return nomem(b);
    for (i = 0; i < p->ncols; i++) {
        ex[i] = floe_bind_expr_column(b->a, i, p->types[i]);
        if (ex[i] == NULL) return nomem(b);
        if ((rc = floe_bind_expr_cast(b->a, ex[i], t[i], &ex[i], b->err))) return rc;
    }
    *out = project(b, p, ex, p->names, p->ncols);
    return *out ? FLOE_OK : nomem(b);
}

static floe_plan *distinct_of(binder *b, floe_plan *p)
{
    floe_plan *d = node(b, FLOE_PLAN_DISTINCT, p->ncols, 1);
    if (d == NULL) return NULL;
    memcpy(d->types, p->types, p->ncols * sizeof *d->types);
    memcpy(d->names, p->names, p->ncols * sizeof *d->names);
    d->children[0] = p;
    d->est_rows = p->est_rows;
    return d;
}

static int bind_setop(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    floe_plan *l, *r, *p;
    floe_type *t;
    uint32_t i;
    int rc;
    if ((rc = bind_query(b, fr, q->setop.left, &l)) || (rc = bind_query(b, fr, q->setop.right, &r)))
        return rc;
    if (l->ncols != r->ncols)
        return floe_err_set_at(b->err, FLOE_ERROR, q->off,
                               "each %s query must have the same number of columns",
                               q->setop.op == FLOE_AST_UNION    ? "UNION"
                               : q->setop.op == FLOE_AST_EXCEPT ? "EXCEPT"
                                                                : "INTERSECT");
    t = floe_arena_alloc(b->a, (l->ncols ? l->ncols : 1) * sizeof *t);
    if (t == NULL) return nomem(b);
    for (i = 0; i < l->ncols; i++) {
        floe_expr x, y;
        char b1[32], b2[32];
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        x.kind = y.kind = FLOE_EXPR_COLUMN;
        x.type = l->types[i];
        y.type = r->types[i];
        if (!floe_bind_expr_common_type(&x, &y, &t[i]))
            return floe_err_set_at(b->err, FLOE_TYPE, q->off,
                                   "set operation types %s and %s cannot be matched",
                                   floe_type_name(x.type, b1, sizeof b1),
                                   floe_type_name(y.type, b2, sizeof b2));
        if (t[i].id == FLOE_TYPE_NULL) t[i] = T(FLOE_TYPE_INTEGER);
    }
    if ((rc = cast_plan(b, l, t, &l)) || (rc = cast_plan(b, r, t, &r))) return rc;
    if (q->setop.op == FLOE_AST_UNION) {
        p = node(b, FLOE_PLAN_UNION_ALL, l->ncols, 2);
        if (p == NULL) return nomem(b);
        memcpy(p->types, t, l->ncols * sizeof *t);
        memcpy(p->names, l->names, l->ncols * sizeof *p->names);
        p->children[0] = l;
        p->children[1] = r;
        p->est_rows = l->est_rows + r->est_rows;
        if (!q->setop.all && (p = distinct_of(b, p)) == NULL) return nomem(b);
    } else {
        /* EXCEPT / INTERSECT (set semantics) by grouping, so NULLs compare
         * equal as the standard requires: tag left rows 1 and right rows 2,
         * UNION ALL, GROUP BY every column with min(tag) and max(tag), keep
         * groups with max = 1 (EXCEPT) or min = 1 and max = 2 (INTERSECT). */
        uint32_t n = l->ncols, side;
        floe_plan *tagged[2], *ag, *f;
        floe_expr **ex, *mn, *mx, *c1, *c2, *pred;
        const floe_type ti = T(FLOE_TYPE_INTEGER);
        if (q->setop.all)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, q->off,
                                   "EXCEPT ALL / INTERSECT ALL are not supported");
        for (side = 0; side < 2; side++) {
            floe_plan *in = side ? r : l;
            const char **nm = floe_arena_alloc(b->a, (n + 1) * sizeof *nm);
            ex = floe_arena_alloc(b->a, (n + 1) * sizeof *ex);
            if (ex == NULL || nm == NULL) return nomem(b);
            for (i = 0; i < n; i++) {
                if ((ex[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL) return nomem(b);
                nm[i] = l->names[i];
            }
            if ((ex[n] = mk_const_i(b, ti, side + 1)) == NULL) return nomem(b);
            nm[n] = "tag";
            /* not the identity: always a real PROJECT */
            tagged[side] = project(b, in, ex, nm, n + 1);
            if (tagged[side] == NULL) return nomem(b);
        }
        p = node(b, FLOE_PLAN_UNION_ALL, n + 1, 2);
        ag = node(b, FLOE_PLAN_AGGREGATE, n + 2, 1);
        f = node(b, FLOE_PLAN_FILTER, n + 2, 1);
        if (p == NULL || ag == NULL || f == NULL) return nomem(b);
        memcpy(p->types, tagged[0]->types, (n + 1) * sizeof *p->types);
        memcpy(p->names, tagged[0]->names, (n + 1) * sizeof *p->names);
        p->children[0] = tagged[0];
        p->children[1] = tagged[1];
        p->est_rows = l->est_rows + r->est_rows;
        ag->u.agg.groups = floe_arena_alloc(b->a, (n ? n : 1) * sizeof(floe_expr *));
        ag->u.agg.aggs = floe_arena_alloc(b->a, 2 * sizeof(floe_agg));
        if (ag->u.agg.groups == NULL || ag->u.agg.aggs == NULL) return nomem(b);
        for (i = 0; i < n; i++) {
            if ((ag->u.agg.groups[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL)
                return nomem(b);
            ag->types[i] = t[i];
            ag->names[i] = l->names[i];
        }
        ag->u.agg.ngroups = n;
        ag->u.agg.naggs = 2;
        for (i = 0; i < 2; i++) {
            floe_agg *g = &ag->u.agg.aggs[i];
            memset(g, 0, sizeof *g);
            g->fn = i ? FLOE_AGG_MAX : FLOE_AGG_MIN;
            g->type = ti;
            if ((g->arg = floe_bind_expr_column(b->a, n, ti)) == NULL) return nomem(b);
            ag->types[n + i] = ti;
            ag->names[n + i] = i ? "max_tag" : "min_tag";
        }
        ag->children[0] = p;
        ag->est_rows = l->est_rows;
        mn = floe_bind_expr_column(b->a, n, ti);
        mx = floe_bind_expr_column(b->a, n + 1, ti);
        c1 = mk_const_i(b, ti, 1);
        c2 = mk_const_i(b, ti, 2);
        if (mn == NULL || mx == NULL || c1 == NULL || c2 == NULL) return nomem(b);
        if (q->setop.op == FLOE_AST_EXCEPT) {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mx, c1, &pred, b->err)))
                return rc;
        } else {
            if ((rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mn, c1, &c1, b->err)) ||
                (rc = floe_bind_expr_binary(b->a, FLOE_FN_EQ, "=", mx, c2, &c2, b->err)) ||
                (rc = logic2(b, FLOE_EXPR_AND, c1, c2, &pred)))
                return rc;
        }
        memcpy(f->types, ag->types, (n + 2) * sizeof *f->types);
        memcpy(f->names, ag->names, (n + 2) * sizeof *f->names);
        f->children[0] = ag;
        f->u.filter.pred = pred;
        f->est_rows = l->est_rows * 0.5;
        ex = floe_arena_alloc(b->a, (n ? n : 1) * sizeof *ex);
        if (ex == NULL) return nomem(b);
        for (i = 0; i < n; i++)
            if ((ex[i] = floe_bind_expr_column(b->a, i, t[i])) == NULL) return nomem(b);
        p = project(b, f, ex, l->names, n);
        if (p == NULL) return nomem(b);
        p->est_rows = l->est_rows;
    }
    return order_by_outputs(b, q, p, out);
}

static int bind_query(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out)
{
    cte_def *saved = b->ctes;
    int rc = FLOE_OK, i;
    if (q->recursive)
        return floe_err_set_at(b->err, FLOE_UNSUPPORTED, q->off, "WITH RECURSIVE is not supported");
    if (++b->qdepth > 200) {
        b->qdepth--;
        return floe_err_set_at(b->err, FLOE_ERROR, q->off, "query nested too deeply");
    }
    for (i = 0; i < q->nctes; i++) {
        cte_def *c = floe_arena_alloc(b->a, sizeof *c), *o;
        if (c == NULL) {
            rc = nomem(b);
            goto done;
        }
        for (o = b->ctes; o != saved; o = o->next)
            if (strcmp(o->name, q->ctes[i].name) == 0) {
                rc = floe_err_set_at(b->err, FLOE_ERROR, q->ctes[i].off,
                                     "WITH query name \"%s\" specified more than once",
                                     q->ctes[i].name);
                goto done;
            }
        c->name = q->ctes[i].name;
        c->ast = &q->ctes[i];
        c->visible = b->ctes;
        c->next = b->ctes;
        b->ctes = c;
    }
    switch (q->kind) {
    case FLOE_AST_Q_SELECT: rc = bind_select(b, fr, q, out); break;
    case FLOE_AST_Q_VALUES: rc = bind_values(b, fr, q, out); break;
    case FLOE_AST_Q_SETOP: rc = bind_setop(b, fr, q, out); break;
    }
done:
    b->ctes = saved;
    b->qdepth--;
    return rc;
}

/* ------------------------------------------------------------ statements */

static int copy_table(binder *b, const floe_cat_table *t, floe_bound_table *out)
{
    uint32_t i;
    out->name = adup(b, t->name);
    out->table_ref = t->table_ref;
    out->ncols = t->ncols;
    out->cols = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *out->cols);
    if (out->name == NULL || out->cols == NULL) return nomem(b);
    for (i = 0; i < t->ncols; i++) {
        floe_bound_column *c = &out->cols[i];
        c->name = adup(b, t->cols[i].name);
        c->type = t->cols[i].type;
        c->not_null = t->cols[i].not_null;
        c->has_default = t->cols[i].has_default;
        c->default_value = t->cols[i].default_value;
        if (c->has_default && !c->default_value.is_null &&
            c->default_value.type.id == FLOE_TYPE_VARCHAR) {
            char *p = floe_arena_strndup(b->a, c->default_value.v.s.ptr, c->default_value.v.s.len);
            if (p == NULL) return nomem(b);
            c->default_value.v.s.ptr = p;
        }
        if (c->name == NULL) return nomem(b);
    }
    return FLOE_OK;
}

static int column_index(binder *b, const floe_bound_table *t, const char *name, int off,
                        uint32_t *out)
{
    uint32_t i;
    hint h = {NULL, 0, name};
    for (i = 0; i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0) {
            *out = i;
            return FLOE_OK;
        }
    for (i = 0; i < t->ncols; i++) hint_try(&h, t->cols[i].name);
    if (h.best)
        return floe_err_set_at(b->err, FLOE_ERROR, off,
                               "column \"%s\" of table \"%s\" does not exist; did you mean \"%s\"?",
                               name, t->name, h.best);
    return floe_err_set_at(b->err, FLOE_ERROR, off, "column \"%s\" of table \"%s\" does not exist",
                           name, t->name);
}

/* Constant value of an expression in a context without columns. */
static int const_value(binder *b, const floe_ast_expr *ae, floe_type to, const char *what,
                       floe_value *out)
{
    block bk;
    floe_expr *e;
    int rc;
    memset(&bk, 0, sizeof bk);
    bk.b = b;
    if ((rc = bind_expr(&bk, ae, &e))) return rc;
    if (to.id != FLOE_TYPE_INVALID &&
        (rc = floe_bind_expr_cast(b->a, e, to, &e, b->err)))
        return at(b, rc, ae->off);
    if (e->kind != FLOE_EXPR_CONST)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s must be a constant", what);
    *out = e->value;
    return FLOE_OK;
}

static int bind_coldef(binder *b, const floe_ast_coldef *cd, floe_bound_column *out)
{
    int rc;
    out->name = adup(b, cd->name);
    out->type = cd->type;
    out->not_null = cd->not_null;
    out->has_default = cd->default_ != NULL;
    out->default_value = floe_value_null(cd->type);
    if (out->name == NULL) return nomem(b);
    if (cd->type.id == FLOE_TYPE_NULL || cd->type.id == FLOE_TYPE_INVALID)
        return floe_err_set_at(b->err, FLOE_TYPE, cd->off, "invalid column type");
    if (cd->default_) {
        if ((rc = const_value(b, cd->default_, cd->type, "DEFAULT", &out->default_value)))
            return rc;
        if (out->default_value.is_null && cd->not_null)
            return floe_err_set_at(b->err, FLOE_CONSTRAINT, cd->off,
                                   "column \"%s\": DEFAULT NULL on a NOT NULL column", cd->name);
    }
    return FLOE_OK;
}

static const char *valid_options =
    "flush_rows, flush_bytes, flush_interval_ms, shards, ttl, ttl_column";

static int opt_int(binder *b, const floe_ast_option *o, int64_t lo, int64_t hi, int64_t *out)
{
    floe_value v = floe_value_null(T(FLOE_TYPE_BIGINT));
    int rc;
    if (o->value == NULL)
        return floe_err_set_at(b->err, FLOE_ERROR, o->off, "option %s needs a value", o->name);
    if ((rc = const_value(b, o->value, T(FLOE_TYPE_BIGINT), o->name, &v))) return rc;
    if (v.is_null || v.v.i < lo || v.v.i > hi)
        return floe_err_set_at(b->err, FLOE_RANGE, o->off, "option %s must be between %lld and %lld",
                               o->name, (long long)lo, (long long)hi);
    *out = v.v.i;
    return FLOE_OK;
}

static int bind_create(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_create *c = &bs->create;
    const char *ttl_col = NULL;
    int ttl_off = s->off;
    int i, rc;
    uint32_t j;
    c->table = adup(b, s->create_table.table);
    c->if_not_exists = s->create_table.if_not_exists;
    c->partition_col = -1;
    c->flush_rows = c->flush_bytes = c->flush_interval_ms = -1;
    c->ttl_col = -1;
    if (s->create_table.as_query) {
        floe_plan *p;
        b->a = bs->plan->arena;
        rc = bind_query(b, NULL, s->create_table.as_query, &p);
        b->a = bs->arena;
        if (rc) return rc;
        bs->plan->root = p;
        c->ncols = p->ncols;
        c->cols = floe_arena_alloc(b->a, (p->ncols ? p->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return nomem(b);
        for (j = 0; j < p->ncols; j++) {
            memset(&c->cols[j], 0, sizeof c->cols[j]);
            c->cols[j].name = adup(b, p->names[j] ? p->names[j] : "col");
            c->cols[j].type = p->types[j].id == FLOE_TYPE_NULL ? T(FLOE_TYPE_INTEGER) : p->types[j];
            c->cols[j].default_value = floe_value_null(c->cols[j].type);
        }
    } else {
        c->ncols = (uint32_t)s->create_table.ncols;
        c->cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return nomem(b);
        for (i = 0; i < s->create_table.ncols; i++)
            if ((rc = bind_coldef(b, &s->create_table.cols[i], &c->cols[i]))) return rc;
    }
    for (j = 0; j < c->ncols; j++) {
        uint32_t k;
        for (k = 0; k < j; k++)
            if (strcasecmp(c->cols[j].name, c->cols[k].name) == 0)
                return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                       "column \"%s\" specified more than once", c->cols[j].name);
    }
    {
        floe_bound_table tmp;
        tmp.name = c->table;
        tmp.cols = c->cols;
        tmp.ncols = c->ncols;
        if (s->create_table.npartition_by > 1)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off,
                                   "PARTITION BY takes one column");
        if (s->create_table.npartition_by == 1) {
            uint32_t k;
            if ((rc = column_index(b, &tmp, s->create_table.partition_by[0], s->off, &k))) return rc;
            c->partition_col = (int32_t)k;
        }
        if (s->create_table.norder_by) {
            c->order_cols = floe_arena_alloc(b->a, (size_t)s->create_table.norder_by * sizeof(uint32_t));
            if (c->order_cols == NULL) return nomem(b);
            for (i = 0; i < s->create_table.norder_by; i++)
                if ((rc = column_index(b, &tmp, s->create_table.order_by[i], s->off,
                                       &c->order_cols[i])))
                    return rc;
            c->norder_cols = (uint32_t)s->create_table.norder_by;
        }
        for (i = 0; i < s->create_table.noptions; i++) {
            const floe_ast_option *o = &s->create_table.options[i];
            int64_t v;
            if (strcmp(o->name, "flush_rows") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_rows))) return rc;
            } else if (strcmp(o->name, "flush_bytes") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_bytes))) return rc;
            } else if (strcmp(o->name, "flush_interval_ms") == 0) {
                if ((rc = opt_int(b, o, 1, INT64_MAX, &c->flush_interval_ms))) return rc;
            } else if (strcmp(o->name, "shards") == 0) {
                if ((rc = opt_int(b, o, 1, 1024, &v))) return rc;
                c->shards = (int32_t)v;
            } else if (strcmp(o->name, "ttl") == 0) {
                floe_value tv;
                if (o->value == NULL)
                    return floe_err_set_at(b->err, FLOE_ERROR, o->off, "option ttl needs a value");
                if ((rc = const_value(b, o->value, T(FLOE_TYPE_INVALID), "ttl", &tv))) return rc;
                __int128 ttl; /* 128 bits: checked against int64 below */
                if (floe_type_is_integer(tv.type)) {
                    ttl = (__int128)tv.v.i * FLOE_MICROS_PER_SEC;
                } else {
                    floe_value iv;
                    if ((rc = floe_bind_expr_cast_value(b->a, &tv, T(FLOE_TYPE_INTERVAL), &iv, b->err)))
                        return at(b, rc, o->off);
                    ttl = ((__int128)iv.v.iv.months * 30 + iv.v.iv.days) * FLOE_MICROS_PER_DAY +
                          iv.v.iv.micros;
                }
                if (ttl > INT64_MAX)
                    return floe_err_set_at(b->err, FLOE_RANGE, o->off, "ttl out of range");
                c->ttl_us = ttl < 0 ? 0 : (int64_t)ttl;
                if (c->ttl_us <= 0)
                    return floe_err_set_at(b->err, FLOE_RANGE, o->off, "ttl must be positive");
            } else if (strcmp(o->name, "ttl_column") == 0) {
                if (o->value == NULL || (o->value->kind != FLOE_AST_COLUMN && o->value->kind != FLOE_AST_STRING))
                    return floe_err_set_at(b->err, FLOE_ERROR, o->off, "ttl_column needs a column name");
                ttl_col = o->value->kind == FLOE_AST_COLUMN ? o->value->column.name : o->value->str.s;
                ttl_off = o->off;
            } else {
                return floe_err_set_at(b->err, FLOE_ERROR, o->off,
                                       "unknown table option \"%s\"; valid options: %s", o->name,
                                       valid_options);
            }
        }
        if (ttl_col) {
            uint32_t k;
            if ((rc = column_index(b, &tmp, ttl_col, ttl_off, &k))) return rc;
            if (c->cols[k].type.id != FLOE_TYPE_TIMESTAMP)
                return floe_err_set_at(b->err, FLOE_TYPE, ttl_off,
                                       "ttl_column \"%s\" must be a TIMESTAMP column", ttl_col);
            c->ttl_col = (int32_t)k;
        } else if (c->ttl_us > 0) {
            for (j = 0; j < c->ncols; j++)
                if (c->cols[j].type.id == FLOE_TYPE_TIMESTAMP) break;
            if (j == c->ncols)
                return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                       "ttl needs a TIMESTAMP column in the table");
            c->ttl_col = (int32_t)j;
        }
    }
    bs->kind = FLOE_BOUND_CREATE_TABLE;
    if (!s->create_table.as_query) {
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
    }
    return FLOE_OK;
}

static int resolve_table(binder *b, const char *name, int off, floe_bound_table *out)
{
    floe_cat_table t;
    int rc = find_table(b, name, off, &t);
    if (rc) return rc;
    return copy_table(b, &t, out);
}

static int bind_insert(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_table *t = &bs->table;
    int32_t *src; /* table column -> position in the source, -1 when absent */
    uint32_t nsrc, i, j;
    floe_plan *p;
    int rc;
    if ((rc = resolve_table(b, s->insert.table, s->off, t))) return rc;
    src = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *src);
    if (src == NULL) return nomem(b);
    for (i = 0; i < t->ncols; i++) src[i] = s->insert.ncols ? -1 : (int32_t)i;
    nsrc = s->insert.ncols ? (uint32_t)s->insert.ncols : t->ncols;
    for (i = 0; i < (uint32_t)s->insert.ncols; i++) {
        uint32_t k;
        if ((rc = column_index(b, t, s->insert.cols[i], s->off, &k))) return rc;
        if (src[k] >= 0)
            return floe_err_set_at(b->err, FLOE_ERROR, s->off,
                                   "column \"%s\" specified more than once", s->insert.cols[i]);
        src[k] = (int32_t)i;
    }
    b->a = bs->plan->arena;
    if (s->insert.query->kind == FLOE_AST_Q_VALUES && s->insert.query->norder_by == 0 &&
        !s->insert.query->limit && !s->insert.query->offset) {
        const floe_ast_query *q = s->insert.query;
        block bk;
        floe_expr **cells;
        memset(&bk, 0, sizeof bk);
        bk.b = b;
        if ((uint32_t)q->values.ncols != nsrc)
            return floe_err_set_at(b->err, FLOE_ERROR, q->off,
                                   "INSERT has %d expressions but %u target columns",
                                   q->values.ncols, nsrc);
        p = node(b, FLOE_PLAN_VALUES, t->ncols, 0);
        cells = floe_arena_alloc(b->a, ((size_t)q->values.nrows * t->ncols + 1) * sizeof *cells);
        if (p == NULL || cells == NULL) return nomem(b);
        for (i = 0; i < (uint32_t)q->values.nrows; i++)
            for (j = 0; j < t->ncols; j++) {
                floe_expr *e;
                const floe_bound_column *c = &t->cols[j];
                int off = q->off;
                const floe_ast_expr *ae = src[j] >= 0 ? q->values.rows[i][src[j]] : NULL;
                if (ae && ae->kind == FLOE_AST_COLUMN && ae->column.table == NULL &&
                    strcmp(ae->column.name, "default") == 0)
                    ae = NULL; /* DEFAULT keyword */
                if (ae) {
                    off = ae->off;
                    if ((rc = bind_expr(&bk, ae, &e))) return rc;
                    if ((rc = floe_bind_expr_cast(b->a, e, c->type, &e, b->err)))
                        return at(b, rc, ae->off);
                } else {
                    e = floe_bind_expr_const(b->a, c->has_default ? c->default_value
                                                                  : floe_value_null(c->type));
                    if (e == NULL) return nomem(b);
                }
                if (c->not_null && e->kind == FLOE_EXPR_CONST && e->value.is_null)
                    return floe_err_set_at(b->err, FLOE_CONSTRAINT, off,
                                           "null value in column \"%s\" violates not-null constraint",
                                           c->name);
                cells[i * t->ncols + j] = e;
            }
        for (j = 0; j < t->ncols; j++) {
            p->types[j] = t->cols[j].type;
            p->names[j] = t->cols[j].name;
        }
        p->u.values.nrows = (uint32_t)q->values.nrows;
        p->u.values.cells = cells;
        p->est_rows = q->values.nrows;
    } else {
        floe_plan *sub;
        floe_expr **ex;
        const char **nm;
        if ((rc = bind_query(b, NULL, s->insert.query, &sub))) return rc;
        if (sub->ncols != nsrc)
            return floe_err_set_at(b->err, FLOE_ERROR, s->insert.query->off,
                                   "INSERT has %u expressions but %u target columns", sub->ncols,
                                   nsrc);
        ex = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *ex);
        nm = floe_arena_alloc(b->a, (t->ncols ? t->ncols : 1) * sizeof *nm);
        if (ex == NULL || nm == NULL) return nomem(b);
        for (j = 0; j < t->ncols; j++) {
            const floe_bound_column *c = &t->cols[j];
            if (src[j] >= 0) {
                char b1[32], b2[32];
                ex[j] = floe_bind_expr_column(b->a, (uint32_t)src[j], sub->types[src[j]]);
                if (ex[j] == NULL) return nomem(b);
                rc = floe_bind_expr_cast(b->a, ex[j], c->type, &ex[j], b->err);
                if (rc == FLOE_TYPE)
                    return floe_err_set_at(b->err, FLOE_TYPE, s->insert.query->off,
                                           "column \"%s\" is of type %s but expression is of type %s",
                                           c->name, floe_type_name(c->type, b1, sizeof b1),
                                           floe_type_name(sub->types[src[j]], b2, sizeof b2));
                if (rc) return rc;
            } else {
                if (c->not_null && !(c->has_default && !c->default_value.is_null))
                    return floe_err_set_at(b->err, FLOE_CONSTRAINT, s->off,
                                           "null value in column \"%s\" violates not-null constraint",
                                           c->name);
                ex[j] = floe_bind_expr_const(b->a, c->has_default ? c->default_value
                                                                  : floe_value_null(c->type));
                if (ex[j] == NULL) return nomem(b);
            }
            nm[j] = c->name;
        }
        p = project(b, sub, ex, nm, t->ncols);
        if (p == NULL) return nomem(b);
    }
    bs->plan->root = p;
    bs->kind = FLOE_BOUND_INSERT;
    return FLOE_OK;
}

static int bind_options(binder *b, const floe_ast_option *opts, int n, floe_bound_copy *out)
{
    int i, rc;
    out->noptions = (uint32_t)n;
    out->options = floe_arena_alloc(b->a, (n ? (size_t)n : 1) * sizeof *out->options);
    if (out->options == NULL) return nomem(b);
    for (i = 0; i < n; i++) {
        floe_bound_option *o = &out->options[i];
        o->name = adup(b, opts[i].name);
        o->has_value = opts[i].value != NULL;
        o->value = floe_value_null(T(FLOE_TYPE_NULL));
        if (opts[i].value == NULL) continue;
        if (opts[i].value->kind == FLOE_AST_COLUMN && opts[i].value->column.table == NULL) {
            floe_expr *e = mk_const_str(b, opts[i].value->column.name,
                                        strlen(opts[i].value->column.name));
            if (e == NULL) return nomem(b);
            o->value = e->value;
        } else if ((rc = const_value(b, opts[i].value, T(FLOE_TYPE_INVALID), opts[i].name,
                                     &o->value))) {
            return rc;
        }
    }
    return FLOE_OK;
}

static int bind_copy(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    floe_bound_copy *c = &bs->copy;
    int rc, i;
    c->path = adup(b, s->copy.path);
    if ((rc = bind_options(b, s->copy.options, s->copy.noptions, c))) return rc;
    if (!s->copy.to || s->copy.table) {
        if ((rc = resolve_table(b, s->copy.table, s->off, &bs->table))) return rc;
        c->ncols = s->copy.ncols ? (uint32_t)s->copy.ncols : bs->table.ncols;
        c->cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof *c->cols);
        if (c->cols == NULL) return nomem(b);
        for (i = 0; i < (int)c->ncols; i++) {
            if (s->copy.ncols == 0) {
                c->cols[i] = (uint32_t)i;
                continue;
            }
            if ((rc = column_index(b, &bs->table, s->copy.cols[i], s->off, &c->cols[i]))) return rc;
        }
    }
    if (!s->copy.to) {
        bs->kind = FLOE_BOUND_COPY_FROM;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return FLOE_OK;
    }
    bs->kind = FLOE_BOUND_COPY_TO;
    b->a = bs->plan->arena;
    if (s->copy.query) {
        floe_plan *p;
        if ((rc = bind_query(b, NULL, s->copy.query, &p))) return rc;
        bs->plan->root = p;
    } else {
        /* COPY t [(cols)] TO: scan of the listed columns */
        floe_cat_table t;
        floe_plan *p;
        uint32_t ti;
        if ((rc = find_table(b, s->copy.table, s->off, &t))) return rc;
        if ((rc = plan_table(b, &t, &ti))) return rc;
        p = node(b, FLOE_PLAN_SCAN, c->ncols, 0);
        if (p == NULL) return nomem(b);
        p->u.scan.table = ti;
        p->u.scan.table_name = b->qp->table_names[ti];
        p->u.scan.cols = floe_arena_alloc(b->a, (c->ncols ? c->ncols : 1) * sizeof(uint32_t));
        if (p->u.scan.cols == NULL) return nomem(b);
        for (i = 0; i < (int)c->ncols; i++) {
            p->u.scan.cols[i] = c->cols[i];
            p->types[i] = bs->table.cols[c->cols[i]].type;
            p->names[i] = adup(b, bs->table.cols[c->cols[i]].name);
        }
        p->est_rows = t.nrows;
        bs->plan->root = p;
    }
    return FLOE_OK;
}

static int bind_stmt(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs)
{
    int rc;
    b->a = bs->arena;
    switch (s->kind) {
    case FLOE_AST_STMT_QUERY: {
        floe_plan *p;
        b->a = bs->plan->arena;
        if ((rc = bind_query(b, NULL, s->query, &p))) return rc;
        bs->plan->root = p;
        bs->kind = FLOE_BOUND_QUERY;
        return FLOE_OK;
    }
    case FLOE_AST_STMT_CREATE_TABLE: return bind_create(b, s, bs);
    case FLOE_AST_STMT_DROP_TABLE: {
        floe_cat_table t;
        bs->kind = FLOE_BOUND_DROP_TABLE;
        bs->if_exists = s->drop_table.if_exists;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        memset(&t, 0, sizeof t);
        rc = b->cat->find_table(b->cat->self, s->drop_table.table, &t, b->err);
        if (rc == FLOE_NOTFOUND && s->drop_table.if_exists) {
            floe_err_clear(b->err);
            bs->table.name = adup(b, s->drop_table.table);
            return bs->table.name ? FLOE_OK : nomem(b);
        }
        if (rc == FLOE_NOTFOUND) return find_table(b, s->drop_table.table, s->off, &t);
        if (rc) return at(b, rc, s->off);
        return copy_table(b, &t, &bs->table);
    }
    case FLOE_AST_STMT_ALTER_ADD: {
        uint32_t i;
        bs->kind = FLOE_BOUND_ALTER_ADD;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        if ((rc = resolve_table(b, s->alter_add.table, s->off, &bs->table))) return rc;
        if ((rc = bind_coldef(b, &s->alter_add.col, &bs->alter_col))) return rc;
        for (i = 0; i < bs->table.ncols; i++)
            if (strcasecmp(bs->table.cols[i].name, bs->alter_col.name) == 0)
                return floe_err_set_at(b->err, FLOE_ERROR, s->alter_add.col.off,
                                       "column \"%s\" of table \"%s\" already exists",
                                       bs->alter_col.name, bs->table.name);
        if (bs->alter_col.not_null && !(bs->alter_col.has_default && !bs->alter_col.default_value.is_null))
            return floe_err_set_at(b->err, FLOE_CONSTRAINT, s->alter_add.col.off,
                                   "column \"%s\" is NOT NULL and needs a non-NULL DEFAULT",
                                   bs->alter_col.name);
        return FLOE_OK;
    }
    case FLOE_AST_STMT_INSERT: return bind_insert(b, s, bs);
    case FLOE_AST_STMT_COPY: return bind_copy(b, s, bs);
    case FLOE_AST_STMT_EXPLAIN:
        if (s->explain.stmt->kind == FLOE_AST_STMT_EXPLAIN)
            return floe_err_set_at(b->err, FLOE_ERROR, s->off, "EXPLAIN of EXPLAIN");
        if ((rc = bind_stmt(b, s->explain.stmt, bs))) return rc;
        bs->explain = true;
        bs->explain_analyze = s->explain.analyze;
        return FLOE_OK;
    case FLOE_AST_STMT_SHOW_TABLES:
        bs->kind = FLOE_BOUND_SHOW_TABLES;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return FLOE_OK;
    case FLOE_AST_STMT_DESCRIBE:
    case FLOE_AST_STMT_FLUSH:
        bs->kind = s->kind == FLOE_AST_STMT_DESCRIBE ? FLOE_BOUND_DESCRIBE : FLOE_BOUND_FLUSH;
        floe_query_plan_free(bs->plan);
        bs->plan = NULL;
        return resolve_table(b, s->table, s->off, &bs->table);
    case FLOE_AST_STMT_SET: break; /* run by api/settings.c without binding */
    }
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, s->off, "unsupported statement");
}

int floe_bind_statement(const floe_ast_stmt *stmt, const char *sql, const floe_sql_catalog *cat,
                        int64_t now_us, floe_bound_stmt **out, floe_err *err)
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
    if (err) err->offset = -1;
    rc = bind_stmt(&b, stmt, bs);
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
