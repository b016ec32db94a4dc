/* engine/agg_scan.c: the aggregation's scan shortcuts (split from
 * engine/op_agg.c, whose operator calls them before driving its child).
 *
 * Only COUNT(*)s without GROUP BY over a bare SCAN count the rows of every
 * morsel without decoding a column; only MIN/MAX of integer-like columns
 * without GROUP BY skip the morsels whose statistics cannot beat the
 * running values. Both fill worker 0's local state (o->locals[0]) on the
 * calling thread, exactly as consuming the rows would; anything else is
 * left to the normal pipeline. Contract of the structs: engine/agg_internal.h.
 */
#include <string.h>

#include "engine/agg_internal.h"
#include "engine/exec.h"

/* The types op_agg.c keeps as integers (its CLS_INT). */
static int int_like(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DECIMAL: return 1;
    default: return 0;
    }
}

/* Only COUNT(*)s without GROUP BY over a bare SCAN (no filter, no pushed
 * predicate): no column needs to be read at all. */
static int count_only_scan(const agg_op *o)
{
    uint32_t a;
    if (o->ngroups || o->naggs == 0 || o->child->kind != FLOE_PLAN_SCAN ||
        o->child->u.scan.filter || o->child->u.scan.npreds)
        return 0;
    for (a = 0; a < o->naggs; a++)
        if (o->aggs[a].fn != FLOE_AGG_COUNT_STAR || o->aggs[a].filter) return 0;
    return 1;
}

/* Count the rows of every morsel of the scanned table through cursors that
 * produce no column (sources then decode nothing), into local 0. */
static int count_scan_rows(agg_op *o, floe_err *err)
{
    floe_executor *ex = o->base.ex;
    const floe_plan *p = o->child;
    const floe_table_scan *t;
    uint64_t total = 0;
    uint32_t s, m, a, nocol = 0; /* an empty column list, not a NULL one */
    int rc;
    if (p->u.scan.table >= ex->ctx->ntables)
        return floe_err_set(err, FLOE_MISUSE, "scan of table %u: only %u tables supplied",
                            p->u.scan.table, ex->ctx->ntables);
    t = &ex->ctx->tables[p->u.scan.table];
    for (s = 0; s < t->nsources; s++) {
        const floe_scan_source *src = &t->sources[s];
        uint32_t nm = src->vt->nmorsels(src->self);
        for (m = 0; m < nm; m++) {
            floe_scan_cursor *c;
            floe_batch b;
            rc = floe_exec_check(ex, err);
            if (rc) return rc;
            rc = src->vt->open(src->self, m, &nocol, 0, NULL, 0, &c, err);
            if (rc) return rc;
            for (;;) {
                memset(&b, 0, sizeof b);
                rc = src->vt->next(c, &b, err);
                if (rc == FLOE_ROW) total += floe_batch_rows(&b);
                floe_batch_free(&b);
                if (rc != FLOE_ROW) break;
            }
            src->vt->close(c);
            if (rc != FLOE_DONE) return rc;
        }
    }
    for (a = 0; a < o->naggs; a++) o->locals[0]->st[a].cnt[0] += (int64_t)total;
    return FLOE_OK;
}

/* Only MIN/MAX of integer-like columns without GROUP BY over a bare SCAN:
 * morsels whose statistics cannot beat the running values can be skipped. */
static int minmax_only_scan(const agg_op *o)
{
    const floe_plan *c = o->child;
    uint32_t a;
    if (o->ngroups || o->naggs == 0 || c->kind != FLOE_PLAN_SCAN || c->u.scan.filter ||
        c->u.scan.npreds)
        return 0;
    for (a = 0; a < o->naggs; a++) {
        const floe_agg *ag = &o->aggs[a];
        if ((ag->fn != FLOE_AGG_MIN && ag->fn != FLOE_AGG_MAX) || ag->arg == NULL || ag->filter ||
            ag->arg->kind != FLOE_EXPR_COLUMN || ag->arg->index >= c->ncols ||
            !int_like(ag->arg->type) || ag->arg->type.id != c->types[ag->arg->index].id)
            return 0;
    }
    return 1;
}

/* Whether morsel m of src may hold a value beating some running MIN/MAX of
 * local 0 (asked as the pushed predicate `col > max` / `col < min`). */
static int minmax_morsel_useful(agg_op *o, const floe_scan_source *src, uint32_t m)
{
    agg_local *L = o->locals[0];
    uint32_t a;
    if (src->vt->morsel_may_match == NULL) return 1;
    for (a = 0; a < o->naggs; a++) {
        const floe_agg *ag = &o->aggs[a];
        floe_scan_pred pr;
        if (L->st[a].cnt[0] == 0) return 1;
        memset(&pr, 0, sizeof pr);
        pr.col = o->child->u.scan.cols[ag->arg->index];
        pr.op = ag->fn == FLOE_AGG_MAX ? FLOE_PRED_GT : FLOE_PRED_LT;
        pr.value = L->st[a].val[0];
        pr.value.type = ag->arg->type;
        pr.value.is_null = false;
        if (src->vt->morsel_may_match(src->self, m, &pr, 1)) return 1;
    }
    return 0;
}

/* Feed morsel m of src to local 0 through a cursor without predicates. */
static int minmax_feed(agg_op *o, const floe_scan_source *src, uint32_t m, floe_err *err)
{
    const floe_plan *p = o->child;
    floe_scan_cursor *c;
    floe_batch b;
    int rc;
    rc = src->vt->open(src->self, m, p->u.scan.cols, p->ncols, NULL, 0, &c, err);
    if (rc) return rc;
    for (;;) {
        memset(&b, 0, sizeof b);
        rc = src->vt->next(c, &b, err);
        if (rc == FLOE_ROW) rc = floe_batch_rows(&b) > 0 ? floe_agg_consume(o, 0, &b, err) : FLOE_OK;
        floe_batch_free(&b);
        if (rc != FLOE_OK) break;
    }
    src->vt->close(c);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

/* Feed local 0 the morsels that may improve the running values: the last
 * morsel first, then the others in order, so data sorted either way (time
 * columns) settles both MIN and MAX after two morsels. */
static int minmax_scan(agg_op *o, floe_err *err)
{
    floe_executor *ex = o->base.ex;
    const floe_plan *p = o->child;
    const floe_table_scan *t;
    uint32_t s, m, ls = UINT32_MAX, lm = 0;
    int rc;
    if (p->u.scan.table >= ex->ctx->ntables)
        return floe_err_set(err, FLOE_MISUSE, "scan of table %u: only %u tables supplied",
                            p->u.scan.table, ex->ctx->ntables);
    t = &ex->ctx->tables[p->u.scan.table];
    for (s = t->nsources; s-- > 0 && ls == UINT32_MAX;) {
        uint32_t nm = t->sources[s].vt->nmorsels(t->sources[s].self);
        if (nm) {
            ls = s;
            lm = nm - 1;
            rc = minmax_feed(o, &t->sources[s], lm, err);
            if (rc) return rc;
        }
    }
    for (s = 0; s < t->nsources; s++) {
        const floe_scan_source *src = &t->sources[s];
        uint32_t nm = src->vt->nmorsels(src->self);
        for (m = 0; m < nm; m++) {
            if (s == ls && m == lm) continue;
            rc = floe_exec_check(ex, err);
            if (rc) return rc;
            if (!minmax_morsel_useful(o, src, m)) continue;
            rc = minmax_feed(o, src, m, err);
            if (rc) return rc;
        }
    }
    return FLOE_OK;
}

int floe_agg_scan_shortcut(agg_op *o, int *done, floe_err *err)
{
    *done = 1;
    if (count_only_scan(o)) return count_scan_rows(o, err);
    if (minmax_only_scan(o)) return minmax_scan(o, err);
    *done = 0;
    return FLOE_OK;
}
