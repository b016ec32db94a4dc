/* sql/bind_window.c: binding of window function calls (f(...) OVER ...).
 *
 * A call with OVER binds, in the SELECT block's space (gids and aggregate
 * placeholders: window functions run after GROUP BY / HAVING), its argument,
 * PARTITION BY and ORDER BY expressions and its frame into a bwin of the
 * block, and becomes the placeholder COLUMN WIN_BASE + i. bind_select.c
 * turns the block's bwins into one WINDOW plan node (engine/op_window.c).
 * Named windows (WINDOW w AS (...)) are resolved here against the block's
 * WINDOW list. Frames: ROWS, RANGE, GROUPS, with EXCLUDE. What the engine
 * does not compute yet (DISTINCT, FILTER, ORDER BY in aggregates over
 * windows, and holistic aggregates — quantiles, median, mode, string_agg,
 * approx_count_distinct — over frames other than the whole partition)
 * fails with FLOE_UNSUPPORTED naming the feature, never a wrong answer. A
 * two-argument aggregate's second argument goes in bwin.def.
 */
#include "sql/bind_internal.h"

#include <string.h>

#include "engine/agg_window.h"
#include "engine/aggregates.h"
#include "sql/bind_expr.h"

static int unsupported(binder *b, int off, const char *what)
{
    return floe_err_set_at(b->err, FLOE_UNSUPPORTED, off, "window functions: %s is not supported",
                           what);
}

/* A constant integer argument (>= lo). */
static int const_arg(block *bk, const floe_ast_expr *ae, const char *fname, int64_t lo, int64_t *out)
{
    binder *b = bk->b;
    floe_expr *e;
    int rc = floe_binder_expr(bk, ae, &e);
    if (rc) return rc;
    if (e->kind != FLOE_EXPR_CONST || !floe_type_is_integer(e->type) || e->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s: the argument must be a constant integer",
                               fname);
    if (e->value.v.i < lo)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s: the argument must be at least %lld",
                               fname, (long long)lo);
    *out = e->value.v.i;
    return FLOE_OK;
}

/* A frame offset: a non-negative integer for ROWS; for RANGE a distance in
 * the order key's units (key: its type). */
static int frame_offset(block *bk, const floe_ast_expr *ae, bool range, floe_type key, int64_t *out)
{
    binder *b = bk->b;
    floe_expr *e;
    int rc = floe_binder_expr(bk, ae, &e);
    if (rc) return rc;
    if (e->kind != FLOE_EXPR_CONST || e->value.is_null)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "a frame offset must be a constant");
    if (!range || key.id == FLOE_TYPE_INTEGER || key.id == FLOE_TYPE_BIGINT || key.id == FLOE_TYPE_DATE) {
        if (!floe_type_is_integer(e->type)) {
            if (range && key.id == FLOE_TYPE_DATE && e->type.id == FLOE_TYPE_INTERVAL &&
                e->value.v.iv.months == 0 && e->value.v.iv.micros == 0) {
                *out = e->value.v.iv.days;
                goto check;
            }
            return floe_err_set_at(b->err, range ? FLOE_UNSUPPORTED : FLOE_ERROR, ae->off,
                                   range ? "RANGE frame offset of this type for this ORDER BY key is not supported"
                                         : "a ROWS or GROUPS frame offset must be a constant integer");
        }
        *out = e->value.v.i;
    } else if (key.id == FLOE_TYPE_TIMESTAMP) {
        if (e->type.id != FLOE_TYPE_INTERVAL || e->value.v.iv.months != 0)
            return floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                   "a RANGE offset over a TIMESTAMP must be an INTERVAL without months or years");
        *out = e->value.v.iv.days * (int64_t)86400000000 + e->value.v.iv.micros;
    } else if (key.id == FLOE_TYPE_DECIMAL && floe_type_is_integer(e->type)) {
        *out = e->value.v.i * floe_pow10[key.scale];
    } else {
        return unsupported(b, ae->off, "a RANGE offset over this ORDER BY type");
    }
check:
    if (*out < 0) return floe_err_set_at(b->err, FLOE_ERROR, ae->off, "frame offset must not be negative");
    return FLOE_OK;
}

static int set_bound(block *bk, const floe_ast_bound *ab, bool range, floe_type key, floe_win_bound *k,
                     int64_t *off)
{
    *off = 0;
    switch (ab->kind) {
    case FLOE_AST_BOUND_UNBOUNDED_PRECEDING: *k = FLOE_WB_UNBOUNDED_PRECEDING; return FLOE_OK;
    case FLOE_AST_BOUND_UNBOUNDED_FOLLOWING: *k = FLOE_WB_UNBOUNDED_FOLLOWING; return FLOE_OK;
    case FLOE_AST_BOUND_CURRENT: *k = FLOE_WB_CURRENT; return FLOE_OK;
    case FLOE_AST_BOUND_PRECEDING: *k = FLOE_WB_PRECEDING; break;
    case FLOE_AST_BOUND_FOLLOWING: *k = FLOE_WB_FOLLOWING; break;
    }
    return frame_offset(bk, ab->offset, range, key, off);
}

static const floe_ast_window *find_named(block *bk, const char *name, int off)
{
    int i;
    for (i = 0; i < bk->nnamed; i++)
        if (strcmp(bk->named[i].name, name) == 0) return bk->named[i].spec;
    floe_err_set_at(bk->b->err, FLOE_ERROR, off, "window \"%s\" does not exist", name);
    return NULL;
}

/* The window function and its arguments: fills bw->w.fn, type, param,
 * agg and bw->arg / bw->def. */
static int bind_win_function(block *bk, const floe_ast_expr *ae, bwin *bw)
{
    binder *b = bk->b;
    const char *n = ae->call.name;
    int na = ae->call.nargs, rc;

    if (strcmp(n, "row_number") == 0 || strcmp(n, "rank") == 0 || strcmp(n, "dense_rank") == 0 ||
        strcmp(n, "percent_rank") == 0 || strcmp(n, "cume_dist") == 0) {
        if (na != 0) {
            rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "function %s takes no arguments", n);
            return rc;
        }
        bw->w.fn = n[0] == 'r' ? (n[1] == 'o' ? FLOE_WIN_ROW_NUMBER : FLOE_WIN_RANK)
                  : n[0] == 'd' ? FLOE_WIN_DENSE_RANK
                  : n[0] == 'p' ? FLOE_WIN_PERCENT_RANK : FLOE_WIN_CUME_DIST;
        bw->w.type = T(bw->w.fn == FLOE_WIN_PERCENT_RANK || bw->w.fn == FLOE_WIN_CUME_DIST ? FLOE_TYPE_DOUBLE
                                                                                        : FLOE_TYPE_BIGINT);
    } else if (strcmp(n, "ntile") == 0) {
        if (na != 1) {
            rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "function ntile takes 1 argument");
            return rc;
        }
        bw->w.fn = FLOE_WIN_NTILE;
        if ((rc = const_arg(bk, ae->call.args[0], n, 1, &bw->w.param))) return rc;
        bw->w.type = T(FLOE_TYPE_BIGINT);
    } else if (strcmp(n, "lag") == 0 || strcmp(n, "lead") == 0 || strcmp(n, "first_value") == 0 ||
               strcmp(n, "last_value") == 0 || strcmp(n, "nth_value") == 0) {
        bool ll = n[0] == 'l' && n[1] == 'e' ? true : strcmp(n, "lag") == 0;
        int lo = 1, hi = ll ? 3 : n[0] == 'n' ? 2 : 1;
        if (n[0] == 'n') lo = 2;
        if (na < lo || na > hi) {
            rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "function %s takes %d to %d arguments", n,
                                 lo, hi);
            if (lo == hi)
                rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "function %s takes %d argument%s", n,
                                     lo, lo > 1 ? "s" : "");
            return rc;
        }
        bw->w.fn = strcmp(n, "lag") == 0 ? FLOE_WIN_LAG : strcmp(n, "lead") == 0 ? FLOE_WIN_LEAD
                  : n[0] == 'f' ? FLOE_WIN_FIRST_VALUE : n[0] == 'l' ? FLOE_WIN_LAST_VALUE
                  : FLOE_WIN_NTH_VALUE;
        if (ae->call.args[0]->kind == FLOE_AST_STAR) {
            rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "* is only allowed in count(*)");
            return rc;
        }
        if ((rc = floe_binder_expr(bk, ae->call.args[0], &bw->arg))) return rc;
        if (bw->arg->type.id == FLOE_TYPE_NULL &&
            (rc = floe_bind_expr_cast(b->a, bw->arg, T(FLOE_TYPE_INTEGER), &bw->arg, b->err)))
            return rc;
        bw->w.type = bw->arg->type;
        bw->w.param = 1;
        if (na >= 2 && (rc = const_arg(bk, ae->call.args[1], n, ll ? 0 : 1, &bw->w.param))) return rc;
        if (na == 3) {
            if ((rc = floe_binder_expr(bk, ae->call.args[2], &bw->def))) return rc;
            if ((rc = floe_binder_need_type(b, &bw->def, bw->w.type, n, ae->call.args[2]->off))) return rc;
        }
    } else if (floe_aggregates_lookup(n) != NULL) {
        bw->w.fn = FLOE_WIN_AGG;
        if ((rc = floe_binder_agg_spec(bk, ae, true, &bw->w.agg))) return rc;
        switch (bw->w.agg.fn) {
        case FLOE_AGG_COUNT_STAR: case FLOE_AGG_COUNT: case FLOE_AGG_SUM: case FLOE_AGG_AVG:
        case FLOE_AGG_MIN: case FLOE_AGG_MAX: break;
        default:
            /* the others through a segment tree of their states; not the
             * holistic ones (lists, sketches) */
            if (floe_agg_win_supported(bw->w.agg.fn) || floe_agg_win_holistic(bw->w.agg.fn)) break;
            rc = floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                                 "window functions: aggregate %s over a window is not supported", n);
            return rc;
        }
        bw->def = bw->w.agg.arg2; /* a two-argument aggregate's second argument */
        bw->w.agg.arg2 = NULL;
        if (bw->w.agg.fn == FLOE_AGG_SUM && bw->w.agg.arg->type.id == FLOE_TYPE_DOUBLE &&
            bw->w.agg.type.id != FLOE_TYPE_DOUBLE) {
            rc = unsupported(b, ae->off, "this SUM");
            return rc;
        }
        bw->arg = bw->w.agg.arg;
        bw->w.agg.arg = NULL;
        bw->w.type = bw->w.agg.type;
    } else {
        rc = floe_err_set_at(b->err, FLOE_ERROR, ae->off, "%s is not a window or aggregate function", n);
        return rc;
    }
    return FLOE_OK;
}

/* PARTITION BY and ORDER BY: binds the keys into bw->part / bw->ord and
 * fills bw->w.npart, norder, order. */
static int bind_win_keys(block *bk, const floe_ast_expr *const *part, int npart, const floe_ast_order *ord,
                         int nord, bwin *bw)
{
    binder *b = bk->b;
    int k, rc;

    bw->w.npart = (uint32_t)npart;
    bw->w.norder = (uint32_t)nord;
    bw->part = floe_arena_alloc(b->a, (size_t)(npart ? npart : 1) * sizeof *bw->part);
    bw->ord = floe_arena_alloc(b->a, (size_t)(nord ? nord : 1) * sizeof *bw->ord);
    bw->w.order = floe_arena_alloc(b->a, (size_t)(nord ? nord : 1) * sizeof *bw->w.order);
    if (bw->part == NULL || bw->ord == NULL || bw->w.order == NULL) {
        rc = floe_binder_nomem(b);
        return rc;
    }
    for (k = 0; k < npart; k++)
        if ((rc = floe_binder_expr(bk, part[k], &bw->part[k]))) return rc;
    for (k = 0; k < nord; k++) {
        if ((rc = floe_binder_expr(bk, ord[k].expr, &bw->ord[k]))) return rc;
        bw->w.order[k].desc = ord[k].desc;
        bw->w.order[k].nulls_first = ord[k].nulls == FLOE_AST_NULLS_DEFAULT ? ord[k].desc
                                    : ord[k].nulls == FLOE_AST_NULLS_FIRST;
    }
    return FLOE_OK;
}

/* The frame: RANGE UNBOUNDED PRECEDING to CURRENT ROW (no ORDER BY: to
 * UNBOUNDED FOLLOWING) unless the window has one; needs bw->ord bound. */
static int bind_win_frame(block *bk, const floe_ast_window *frame, int nord, bwin *bw)
{
    binder *b = bk->b;
    int rc;

    bw->w.range = true;
    bw->w.start = FLOE_WB_UNBOUNDED_PRECEDING;
    bw->w.end = nord ? FLOE_WB_CURRENT : FLOE_WB_UNBOUNDED_FOLLOWING;
    if (frame->unit != FLOE_AST_FRAME_NONE) {
        floe_type key = nord ? bw->ord[0]->type : T(FLOE_TYPE_BIGINT);
        bw->w.range = frame->unit == FLOE_AST_FRAME_RANGE;
        bw->w.groups = frame->unit == FLOE_AST_FRAME_GROUPS;
        bw->w.exclude = frame->exclude == FLOE_AST_EXCLUDE_CURRENT ? FLOE_WX_CURRENT
                        : frame->exclude == FLOE_AST_EXCLUDE_GROUP ? FLOE_WX_GROUP
                        : frame->exclude == FLOE_AST_EXCLUDE_TIES  ? FLOE_WX_TIES
                                                                   : FLOE_WX_NONE;
        if (frame->start.kind == FLOE_AST_BOUND_UNBOUNDED_FOLLOWING ||
            frame->end.kind == FLOE_AST_BOUND_UNBOUNDED_PRECEDING) {
            rc = floe_err_set_at(b->err, FLOE_ERROR, frame->off,
                                 frame->start.kind == FLOE_AST_BOUND_UNBOUNDED_FOLLOWING
                                     ? "frame start cannot be UNBOUNDED FOLLOWING"
                                     : "frame end cannot be UNBOUNDED PRECEDING");
            return rc;
        }
        if (bw->w.range && (frame->start.offset || frame->end.offset)) {
            if (nord != 1) {
                rc = floe_err_set_at(b->err, FLOE_ERROR, frame->off,
                                     "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
                return rc;
            }
            if (key.id != FLOE_TYPE_INTEGER && key.id != FLOE_TYPE_BIGINT && key.id != FLOE_TYPE_DATE &&
                key.id != FLOE_TYPE_TIMESTAMP && key.id != FLOE_TYPE_DECIMAL) {
                rc = unsupported(b, frame->off, "a RANGE offset over this ORDER BY type");
                return rc;
            }
        }
        if ((rc = set_bound(bk, &frame->start, bw->w.range, key, &bw->w.start, &bw->w.start_off)) ||
            (rc = set_bound(bk, &frame->end, bw->w.range, key, &bw->w.end, &bw->w.end_off)))
            return rc;
    }
    return FLOE_OK;
}

int floe_binder_window(block *bk, const floe_ast_expr *ae, floe_expr **out)
{
    binder *b = bk->b;
    const floe_ast_window *w = ae->call.over, *base = NULL, *frame;
    const floe_ast_expr *const *part;
    const floe_ast_order *ord;
    int npart, nord, rc;
    bwin bw;
    floe_expr *e;

    memset(&bw, 0, sizeof bw);
    bw.w.arg = bw.w.def = UINT32_MAX;
    if (!bk->win_ok || bk->in_win || bk->in_agg)
        return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                               bk->in_win || bk->in_agg ? "window function calls cannot be nested"
                                                        : "window functions are not allowed here");
    if (w->base && (base = find_named(bk, w->base, w->off)) == NULL) return FLOE_ERROR;
    if (base && base->base) /* a named window refining another one */
        return unsupported(b, w->off, "a WINDOW definition referring to another window");
    if (base && w->npartition)
        return floe_err_set_at(b->err, FLOE_ERROR, w->off,
                               "cannot override PARTITION BY clause of window \"%s\"", w->base);
    part = (const floe_ast_expr *const *)(base ? base->partition : w->partition);
    npart = base ? base->npartition : w->npartition;
    ord = w->norder || !base ? w->order : base->order;
    nord = w->norder || !base ? w->norder : base->norder;
    frame = w->unit != FLOE_AST_FRAME_NONE || !base ? w : base;
    if (ae->call.distinct) return unsupported(b, ae->off, "DISTINCT in a window aggregate");

    bk->in_win = true;
    /* the function and its arguments, PARTITION BY / ORDER BY, the frame */
    if ((rc = bind_win_function(bk, ae, &bw)) || (rc = bind_win_keys(bk, part, npart, ord, nord, &bw)) ||
        (rc = bind_win_frame(bk, frame, nord, &bw)))
        goto out;
    if (bw.w.fn == FLOE_WIN_AGG && floe_agg_win_holistic(bw.w.agg.fn) &&
        (bw.w.start != FLOE_WB_UNBOUNDED_PRECEDING || bw.w.end != FLOE_WB_UNBOUNDED_FOLLOWING ||
         bw.w.exclude != FLOE_WX_NONE)) {
        rc = floe_err_set_at(b->err, FLOE_UNSUPPORTED, ae->off,
                             "window functions: %s over a frame other than the whole partition is not supported",
                             ae->call.name);
        goto out;
    }

    bk->wins = floe_binder_grow(b, bk->wins, bk->nwins, &bk->capwins, sizeof *bk->wins);
    if (bk->wins == NULL) {
        rc = floe_binder_nomem(b);
        goto out;
    }
    bk->wins[bk->nwins] = bw;
    e = floe_bind_expr_column(b->a, WIN_BASE + bk->nwins, bw.w.type);
    if (e == NULL) {
        rc = floe_binder_nomem(b);
        goto out;
    }
    e->name = floe_binder_expr_name(b, ae);
    bk->nwins++;
    *out = e;
    rc = FLOE_OK;
out:
    bk->in_win = false;
    return rc;
}
