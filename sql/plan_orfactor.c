/* sql/plan_orfactor.c: factoring the common conjuncts out of a disjunction,
 * and single-relation filters implied by one.
 *
 * (a AND x) OR (a AND y) is a AND (x OR y) under SQL's three-valued logic
 * (Kleene AND/OR distribute), so a join equality repeated in every branch of
 * an OR (TPC-H Q19's p_partkey = l_partkey) becomes a conjunct of its own
 * and the planner can make it a hash join key instead of evaluating the OR
 * over a cross product. A branch left with nothing (it was only common
 * conjuncts) makes the OR of the rest TRUE, so only the common part stays.
 *
 * An OR over several relations whose every branch restricts relation R on
 * its own also implies the OR of those restrictions on R (Q7's nation
 * pairs imply n1.n_name = 'FRANCE' OR n1.n_name = 'GERMANY'; Q19's part
 * and lineitem conditions): floe_planner_or_derive builds it, and the
 * planner adds it as an extra conjunct that filters R's scan (the OR itself
 * stays where it was).
 *
 * Ownership: new nodes go to the given arena; input nodes are shared, never
 * modified. Pure functions; thread-safe per arena.
 */
#include "sql/planner.h"

#include <string.h>

#include "sql/bind_expr.h"

/* Conjuncts of e (its AND arguments, flattened), appended to list[0..*n) of cap. */
static void flat_and(floe_expr *e, floe_expr **list, uint32_t *n, uint32_t cap)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_AND) {
        for (i = 0; i < e->nargs; i++) flat_and(e->args[i], list, n, cap);
        return;
    }
    if (*n < cap) list[*n] = e;
    (*n)++;
}

static uint32_t count_and(const floe_expr *e)
{
    uint32_t i, n = 0;
    if (e->kind != FLOE_EXPR_AND) return 1;
    for (i = 0; i < e->nargs; i++) n += count_and(e->args[i]);
    return n;
}

static bool has_volatile(const floe_expr *e)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_SUBQUERY) return true;
    for (i = 0; i < e->nargs; i++)
        if (has_volatile(e->args[i])) return true;
    return false;
}

static floe_expr *nary(floe_arena *a, floe_expr_kind k, floe_expr **list, uint32_t n)
{
    floe_expr *e;
    if (n == 1) return list[0];
    e = floe_bind_expr_new(a, k, floe_type_make(FLOE_TYPE_BOOLEAN), n);
    if (e == NULL) return NULL;
    memcpy(e->args, list, n * sizeof *list);
    return e;
}

/* Branches of e (its OR arguments, flattened). */
static void flat_or(floe_expr *e, floe_expr **list, uint32_t *n)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_OR) {
        for (i = 0; i < e->nargs; i++) flat_or(e->args[i], list, n);
        return;
    }
    if (list) list[*n] = e;
    (*n)++;
}

int floe_planner_factor_or(floe_arena *a, floe_expr *e, floe_expr **out)
{
    floe_expr ***br, **common, **rest, **branch;
    uint32_t *nbr, nb = 0, ncommon = 0, i, j, k;
    *out = e;
    if (e->kind != FLOE_EXPR_OR || has_volatile(e)) return FLOE_OK;
    flat_or(e, NULL, &nb);
    branch = floe_arena_alloc(a, nb * sizeof *branch);
    br = floe_arena_alloc(a, nb * sizeof *br);
    nbr = floe_arena_alloc(a, nb * sizeof *nbr);
    if (branch == NULL || br == NULL || nbr == NULL) return FLOE_NOMEM;
    nb = 0;
    flat_or(e, branch, &nb);
    if (nb < 2) return FLOE_OK;
    for (i = 0; i < nb; i++) {
        uint32_t cap = count_and(branch[i]);
        nbr[i] = 0;
        if ((br[i] = floe_arena_alloc(a, cap * sizeof **br)) == NULL) return FLOE_NOMEM;
        flat_and(branch[i], br[i], &nbr[i], cap);
    }
    common = floe_arena_alloc(a, nbr[0] * sizeof *common);
    if (common == NULL) return FLOE_NOMEM;
    /* a conjunct of the first branch found in every other branch is common;
     * it is removed from each branch (once) */
    for (j = 0; j < nbr[0]; j++) {
        floe_expr *c = br[0][j];
        bool everywhere = true;
        for (i = 1; i < nb && everywhere; i++) {
            for (k = 0; k < nbr[i]; k++)
                if (br[i][k] != NULL && floe_bind_expr_equal(br[i][k], c)) break;
            everywhere = k < nbr[i];
        }
        if (!everywhere) continue;
        common[ncommon++] = c;
        br[0][j] = NULL;
        for (i = 1; i < nb; i++)
            for (k = 0; k < nbr[i]; k++)
                if (br[i][k] != NULL && floe_bind_expr_equal(br[i][k], c)) {
                    br[i][k] = NULL;
                    break;
                }
    }
    if (ncommon == 0) return FLOE_OK;
    rest = floe_arena_alloc(a, nb * sizeof *rest);
    if (rest == NULL) return FLOE_NOMEM;
    for (i = 0; i < nb; i++) {
        uint32_t m = 0;
        for (k = 0; k < nbr[i]; k++)
            if (br[i][k] != NULL) br[i][m++] = br[i][k];
        if (m == 0) { /* this branch is just the common part: the OR is TRUE */
            *out = nary(a, FLOE_EXPR_AND, common, ncommon);
            return *out ? FLOE_OK : FLOE_NOMEM;
        }
        if ((rest[i] = nary(a, FLOE_EXPR_AND, br[i], m)) == NULL) return FLOE_NOMEM;
    }
    {
        floe_expr **all = floe_arena_alloc(a, (ncommon + 1) * sizeof *all);
        if (all == NULL) return FLOE_NOMEM;
        memcpy(all, common, ncommon * sizeof *all);
        if ((all[ncommon] = nary(a, FLOE_EXPR_OR, rest, nb)) == NULL) return FLOE_NOMEM;
        *out = nary(a, FLOE_EXPR_AND, all, ncommon + 1);
    }
    return *out ? FLOE_OK : FLOE_NOMEM;
}

/* Whether every column of e belongs to relation rel (and there is one). */
static bool only_rel(const floe_expr *e, const uint32_t *gid_rel, uint32_t ngids, uint32_t rel,
                     bool *any)
{
    uint32_t i;
    if (e->kind == FLOE_EXPR_SUBQUERY || e->kind == FLOE_EXPR_PARAM) return false;
    if (e->kind == FLOE_EXPR_COLUMN) {
        if (e->index >= ngids || gid_rel[e->index] != rel) return false;
        *any = true;
    }
    for (i = 0; i < e->nargs; i++)
        if (!only_rel(e->args[i], gid_rel, ngids, rel, any)) return false;
    return true;
}

int floe_planner_or_derive(floe_arena *a, floe_expr *e, const uint32_t *gid_rel, uint32_t ngids,
                           uint32_t rel, floe_expr **out)
{
    floe_expr **branch, **rest, **conj;
    uint32_t nb = 0, i, k;
    *out = NULL;
    if (e->kind != FLOE_EXPR_OR) return FLOE_OK;
    flat_or(e, NULL, &nb);
    branch = floe_arena_alloc(a, nb * sizeof *branch);
    rest = floe_arena_alloc(a, nb * sizeof *rest);
    if (branch == NULL || rest == NULL) return FLOE_NOMEM;
    nb = 0;
    flat_or(e, branch, &nb);
    for (i = 0; i < nb; i++) {
        uint32_t cap = count_and(branch[i]), n = 0, m = 0;
        if ((conj = floe_arena_alloc(a, cap * sizeof *conj)) == NULL) return FLOE_NOMEM;
        flat_and(branch[i], conj, &n, cap);
        for (k = 0; k < n; k++) {
            bool any = false;
            if (only_rel(conj[k], gid_rel, ngids, rel, &any) && any) conj[m++] = conj[k];
        }
        if (m == 0) return FLOE_OK; /* this branch does not restrict rel */
        if ((rest[i] = nary(a, FLOE_EXPR_AND, conj, m)) == NULL) return FLOE_NOMEM;
    }
    *out = nary(a, FLOE_EXPR_OR, rest, nb);
    return *out ? FLOE_OK : FLOE_NOMEM;
}
