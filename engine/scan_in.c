/* engine/scan_in.c: IN-list morsel hints. Contract in engine/scan_in.h. */
#include "engine/scan_in.h"

#include <string.h>

#include "engine/expr.h"
#include "util/mem.h"

typedef struct in_hint {
    uint32_t col;               /* table column index */
    const floe_value **values;  /* borrowed from the plan */
    uint32_t nvalues;
} in_hint;

struct floe_scan_in_hints {
    in_hint *h;
    uint32_t n;
    floe_scan_pred *scratch; /* the scan's predicates + one probe */
    uint32_t cap;
};

/* `column IN (c1, c2, ...)` with constant items of the column's type. */
static bool is_hint(const floe_plan *p, const floe_expr *e)
{
    uint32_t i;
    if (e->kind != FLOE_EXPR_IN_LIST || e->negated || e->nargs < 2 ||
        e->nargs - 1 > FLOE_SCAN_IN_MAX_VALUES || e->args[0]->kind != FLOE_EXPR_COLUMN ||
        e->args[0]->index >= p->ncols)
        return false;
    for (i = 1; i < e->nargs; i++)
        if (e->args[i]->kind != FLOE_EXPR_CONST || !floe_type_eq(e->args[i]->type, e->args[0]->type))
            return false;
    return true;
}

void floe_scan_in_hints_free(floe_scan_in_hints *h)
{
    uint32_t i;
    if (h == NULL) return;
    for (i = 0; i < h->n; i++) floe_free(h->h[i].values);
    floe_free(h->h);
    floe_free(h->scratch);
    floe_free(h);
}

int floe_scan_in_hints_new(const floe_plan *p, floe_scan_in_hints **out, floe_err *err)
{
    const floe_expr *f = p->u.scan.filter;
    const floe_expr *const *conj = &f;
    uint32_t nconj = 1, i, k, n = 0;
    floe_scan_in_hints *h;
    *out = NULL;
    if (f == NULL) return FLOE_OK;
    if (f->kind == FLOE_EXPR_AND) {
        conj = (const floe_expr *const *)f->args;
        nconj = f->nargs;
    }
    for (i = 0; i < nconj; i++) n += is_hint(p, conj[i]);
    if (n == 0) return FLOE_OK;
    if ((h = floe_calloc(1, sizeof *h)) == NULL || (h->h = floe_calloc(n, sizeof *h->h)) == NULL) {
        floe_free(h);
        return floe_err_nomem(err);
    }
    for (i = 0; i < nconj; i++) {
        const floe_expr *e = conj[i];
        in_hint *ih;
        if (!is_hint(p, e)) continue;
        ih = &h->h[h->n++];
        ih->col = p->u.scan.cols[e->args[0]->index];
        if ((ih->values = floe_calloc(e->nargs, sizeof *ih->values)) == NULL) {
            floe_scan_in_hints_free(h);
            return floe_err_nomem(err);
        }
        for (k = 1; k < e->nargs; k++)
            if (!e->args[k]->value.is_null) ih->values[ih->nvalues++] = &e->args[k]->value;
    }
    *out = h;
    return FLOE_OK;
}

bool floe_scan_in_hints_may_match(floe_scan_in_hints *h, const floe_scan_source *src, uint32_t m,
                                  const floe_scan_pred *preds, uint32_t np)
{
    uint32_t i, k;
    if (h == NULL || src->vt->morsel_may_match == NULL) return true;
    if (h->cap < np + 1) {
        floe_scan_pred *s = floe_realloc(h->scratch, (np + 1) * sizeof *s);
        if (s == NULL) return true; /* no memory: no skipping, still correct */
        h->scratch = s;
        h->cap = np + 1;
    }
    if (np) memcpy(h->scratch, preds, np * sizeof *preds);
    for (i = 0; i < h->n; i++) {
        const in_hint *ih = &h->h[i];
        bool any = false;
        for (k = 0; k < ih->nvalues && !any; k++) {
            h->scratch[np].col = ih->col;
            h->scratch[np].op = FLOE_PRED_EQ;
            h->scratch[np].value = *ih->values[k];
            any = src->vt->morsel_may_match(src->self, m, h->scratch, np + 1);
        }
        if (!any) return false; /* no value of this list can be in the morsel */
    }
    return true;
}
