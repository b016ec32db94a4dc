/* sql/planner.h: join ordering, predicate and projection pushdown.
 *
 * The binder describes the FROM clause of one query block as relations
 * (base tables or already planned subqueries) whose columns are numbered by
 * *global column ids* (gids): relation r owns gids [first_gid, first_gid +
 * ncols). Expressions handed to the planner are bound over gids (COLUMN.index
 * is a gid). floe_planner_from turns relations, join items and the WHERE/ON
 * conjuncts into a physical plan:
 *  - an OR over several inner-joined relations adds, per relation it
 *    restricts in every branch, the implied single-relation filter;
 *  - conjuncts that reference one base table become its SCAN filter, and the
 *    `col <op> constant` / `col IS [NOT] NULL` ones also floe_scan_pred hints;
 *  - every SCAN reads only the columns some expression needs;
 *  - relations are joined greedily following equality conjuncts (never a
 *    cross product while a connecting equality exists), each step taking the
 *    join with the smallest estimated result: |L||R| / max(ndv) per key, where
 *    a key with ndv close to its table's rows is unique (a lookup that keeps
 *    the other side's size, scaled by the filtered fraction); equalities between the two sides become HASH_JOIN keys, the
 *    smaller side is the build side (build_left when the left is smaller),
 *    other conjuncts covering both sides become the join `cond`; with no
 *    equality the join is an NL_JOIN;
 *  - `x IN (uncorrelated subquery)` conjuncts become SEMI hash joins placed
 *    as low as their operand allows; decorrelated semi/anti joins too,
 *    unless their build side is estimated no smaller than their probe side:
 *    those wait until every relation is joined;
 *  - LEFT JOIN items keep their ON conditions in the join (a right side that
 *    aggregates by the join keys gets the left side's keys as a semi join,
 *    plan_magic.c); WHERE conjuncts
 *    over the preserved side only are pushed into it;
 *  - LATERAL items run their relation's plan once per row of the items
 *    before it (FLOE_PLAN_LATERAL, a nested loop);
 *  - RIGHT / FULL items (FLOE_PITEM_OUTER) plan each side with its own inner
 *    join conditions only; ON conditions stay in the join (RIGHT/FULL hash
 *    join, build on the right), WHERE conjuncts filter above it;
 *  - conjuncts over a planned subquery go down into it (through PROJECT,
 *    FILTER, DISTINCT, SORT, UNION ALL, and AGGREGATE on group columns), and
 *    its unread columns are pruned.
 * The result maps each gid to its output column (UINT32_MAX when not
 * produced); the binder remaps the rest of the query with floe_planner_remap.
 *
 * Ownership: every node is allocated in the given arena (the query plan's);
 * input expressions may be shared by the output. Not thread-safe per arena.
 */
#ifndef FLOE_SQL_PLANNER_H
#define FLOE_SQL_PLANNER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"
#include "util/arena.h"
#include "util/err.h"

typedef struct floe_prel {
    bool is_table;        /* base table (SCAN) or a planned subquery */
    uint32_t table;       /* is_table: index into floe_query_plan tables */
    const char *table_name;
    floe_plan *plan;      /* !is_table: the subquery's plan (gids follow its columns) */
    uint32_t ncols;
    const floe_type *types; /* ncols */
    const char **names;     /* ncols */
    uint32_t first_gid;
    double est_rows;        /* rows before any filter */
    const double *ndv;      /* ncols distinct-value estimates (0: unknown), or NULL */
} floe_prel;

typedef enum floe_pitem_kind {
    FLOE_PITEM_REL,  /* relation `rel` */
    FLOE_PITEM_LEFT, /* (lefts inner-joined) LEFT JOIN right ON on[0..non) */
    FLOE_PITEM_OUTER,  /* (lefts inner-joined on lconj) jtype (rights inner-joined on rconj)
                        * ON on[0..non), jtype FLOE_JOIN_RIGHT or FLOE_JOIN_FULL: neither
                        * WHERE nor ON conjuncts go below the join */
    FLOE_PITEM_LATERAL, /* (lefts inner-joined) then relation `rel` run per row with its
                         * PARAMs = params[0..nparams) over the lefts' gids; jtype INNER
                         * or LEFT (then on[0..non) is its ON condition) */
    FLOE_PITEM_ASOF     /* (lefts inner-joined) ASOF [LEFT] JOIN right ON on[0..non):
                         * jtype INNER or LEFT; equalities and one inequality */
} floe_pitem_kind;

typedef struct floe_pitem floe_pitem;
struct floe_pitem {
    floe_pitem_kind kind;
    uint32_t rel;
    floe_pitem **lefts; /* LEFT: the preserved side, inner-joined items */
    uint32_t nleft;
    floe_pitem *right;
    floe_expr **on;
    uint32_t non;
    /* OUTER only */
    floe_join_type jtype;
    floe_pitem **rights;
    uint32_t nright;
    floe_expr **lconj, **rconj; /* inner join conditions within each side */
    uint32_t nlconj, nrconj;
    /* LATERAL only */
    floe_expr **params;
    uint32_t nparams;
};

/* A semi/anti join with a planned subquery (decorrelated EXISTS / IN):
 * rows whose left_keys (over gids) match right_cols of `plan` on a row for
 * which `cond` (when set) is true. */
typedef struct floe_psemi {
    floe_join_type type;   /* FLOE_JOIN_SEMI or FLOE_JOIN_ANTI */
    floe_plan *plan;
    floe_expr **left_keys; /* nkeys, over gids */
    uint32_t *right_cols;  /* nkeys columns of plan, same types as the left keys */
    uint32_t nkeys;
    /* residual condition or NULL: COLUMN i < ncond_left is cond_left[i]
     * (over gids), COLUMN ncond_left + j is column cond_right[j] of plan */
    floe_expr *cond;
    floe_expr **cond_left;
    uint32_t ncond_left;
    uint32_t *cond_right;
    uint32_t ncond_right;
} floe_psemi;

/* Plan FROM items (joined with conjuncts conj[0..nconj), all over gids).
 * Semi joins semis[0..nsemis) are applied as soon as their left keys are
 * available.
 * needed[gid] says which columns the rest of the query reads (conjunct
 * columns are added). *out_map (arena, ngids entries) maps gids to output
 * columns. FLOE_OK, FLOE_NOMEM, or FLOE_UNSUPPORTED (more than 64 relations). */
int floe_planner_from(floe_arena *a, const floe_prel *rels, uint32_t nrels, floe_pitem **items,
                      uint32_t nitems, floe_expr **conj, uint32_t nconj, const floe_psemi *semis,
                      uint32_t nsemis, const bool *needed, uint32_t ngids, floe_plan **out,
                      uint32_t **out_map, floe_err *err);

/* Copy of e with every COLUMN index i replaced by map[i] (which must not be
 * UINT32_MAX). Arguments of SUBQUERY nodes are remapped, subplans are not. */
floe_expr *floe_planner_remap(floe_arena *a, const floe_expr *e, const uint32_t *map);

/* Mark in needed[] (ngids entries) every gid e references (not inside subplans). */
void floe_planner_mark(const floe_expr *e, bool *needed, uint32_t ngids);

/* A node of `kind` with ncols output columns (types/names arrays allocated,
 * unset) and nchildren child slots; NULL on OOM. */
floe_plan *floe_planner_node(floe_arena *a, floe_plan_kind kind, uint32_t ncols,
                             uint32_t nchildren);

/* Split an AND tree into conjuncts appended to *list (arena-grown); an OR
 * whose branches share conjuncts contributes those and the OR of the rest
 * (floe_planner_factor_or). */
int floe_planner_conjuncts(floe_arena *a, floe_expr *e, floe_expr ***list, uint32_t *n,
                           uint32_t *cap);

/* sql/plan_orfactor.c: (a AND x) OR (a AND y) -> a AND (x OR y) in *out
 * (e itself when the branches share nothing). FLOE_OK or FLOE_NOMEM. */
int floe_planner_factor_or(floe_arena *a, floe_expr *e, floe_expr **out);

/* sql/plan_orfactor.c: the filter on relation rel implied by OR e (gid_rel
 * maps gids to relations): the OR of each branch's conjuncts that read only
 * rel; *out NULL when some branch has none. FLOE_OK or FLOE_NOMEM. */
int floe_planner_or_derive(floe_arena *a, floe_expr *e, const uint32_t *gid_rel, uint32_t ngids,
                           uint32_t rel, floe_expr **out);

/* sql/plan_magic.c: for a LEFT HASH_JOIN j whose right side aggregates
 * grouped by the join keys over an input estimated larger than the
 * left side (left_est rows; decorrelated scalar subqueries), read the left
 * side once (CTE_SCAN) and semi-join the aggregate's input with its keys.
 * j unchanged when the shape does not fit. FLOE_OK or FLOE_NOMEM. */
int floe_planner_magic_left(floe_arena *a, floe_plan *j, double left_est);
/* The same for a SEMI/ANTI HASH_JOIN j whose build side is estimated much
 * larger than its probe side (left_est rows): the build side is semi-joined
 * with the probe side's keys (read once, CTE_SCAN). FLOE_OK or FLOE_NOMEM. */
int floe_planner_magic_semi(floe_arena *a, floe_plan *j, double left_est);

/* Rough selectivity of a predicate (0..1], for estimates. */
double floe_planner_selectivity(const floe_expr *e);

#endif
