/* sql/bind_internal.h: the binder's shared state and helpers (internal).
 *
 * The binder (sql/binder.h) is split by what it binds, as DuckDB's
 * planner/binder/{statement,query_node,expression}:
 *   binder.c        entry point, shared helpers, catalog use, scope and
 *                   column resolution
 *   bind_stmt.c     statements: CREATE/DROP/ALTER, INSERT, COPY, SHOW, ...
 *   bind_select.c   query nodes: SELECT, VALUES, set operations, ORDER BY and
 *                   LIMIT, the AGGREGATE node and post-aggregation rewriting
 *   bind_from.c     FROM items: tables, CTE references, derived tables, joins
 *   bind_tablefn.c  table functions in FROM (read_parquet(...)), through the catalog
 *   bind_scalar.c   expressions: literals, operators, CASE, casts, IN, LIKE
 *   bind_call.c     function calls (engine/functions.def) and aggregates
 *                   (engine/aggregates.def)
 *   bind_subquery.c subqueries and their decorrelation into joins
 *   bind_distinct_on.c  SELECT DISTINCT ON as a QUALIFY rewrite
 *   bind_recursive.c    WITH RECURSIVE CTEs (RECURSIVE / WORKTABLE plans)
 * Only these files include this header. Everything here lives for one
 * floe_bind_statement call: nodes go to binder.a (an arena), so nothing is
 * freed on error paths. Thread-safety: a binder is used by one thread.
 *
 * Column identities: every column of every relation of a query block gets a
 * block-wide id (gid); bound expressions of a block read COLUMN gid until the
 * block's FROM plan maps them to plan columns. Aggregate calls bind to COLUMN
 * AGG_BASE + i (the block's i-th aggregate) until post-aggregation rewrites
 * them to the AGGREGATE node's outputs. Outer references in a subquery are
 * PARAMs collected in its frame.
 */
#ifndef FLOE_SQL_BIND_INTERNAL_H
#define FLOE_SQL_BIND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/plan.h"
#include "sql/ast.h"
#include "sql/binder.h"
#include "sql/planner.h"
#include "util/arena.h"
#include "util/err.h"

#define AGG_BASE 0x40000000u /* COLUMN index space of aggregate placeholders */
#define WIN_BASE 0x20000000u /* COLUMN index space of window function placeholders */

typedef struct cte_def {
    const char *name;
    const floe_ast_cte *ast;
    struct cte_def *visible; /* CTEs visible where this one was defined */
    struct cte_def *next;
    bool recursive;          /* defined by WITH RECURSIVE */
    floe_plan *wt;           /* while its recursive term is bound: the WORKTABLE
                              * node a reference reads (and sets *wt_used) */
    bool *wt_used;
    uint32_t nrefs;          /* FROM references in its scope (bind_cte.c) */
    floe_plan *shared;       /* nrefs > 1: the plan every reference CTE_SCANs */
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
    const floe_value *params; /* $1.. values of EXECUTE / floe_stmt_execute; (NULL, 0) */
    uint32_t nparams;
} binder;

typedef struct scol {
    const char *rel;  /* alias of its relation, or NULL */
    const char *name;
    floe_type type;
    uint32_t gid;
    bool hidden;      /* right-hand copy of a USING column */
    floe_expr *merged;/* FULL JOIN USING column: COALESCE(left, right) over gids, which an
                       * unqualified reference and `*` read instead of the column */
} scol;

struct block;

/* A bound window call: the plan's floe_window (column fields filled by
 * bind_select.c when it builds the WINDOW node) and its expressions in the
 * block's space. */
typedef struct bwin {
    floe_window w;
    floe_expr *arg, *def;    /* NULL when absent */
    floe_expr **part;        /* w.npart */
    floe_expr **ord;         /* w.norder (w.order[k] has desc / nulls_first) */
} bwin;

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
    /* [NOT] EXISTS / IN only: the other correlated conjuncts (e.g. Q21's
     * `l2.l_suppkey <> l1.l_suppkey`), ANDed, as the semi/anti join's
     * residual condition. In `resid`, COLUMN i < DC_RIGHT is rleft[i] (an
     * outer expression, outer block's space) and COLUMN DC_RIGHT + j is
     * rinner[j] (an inner expression, output after the keys). */
    floe_expr *resid;
    floe_expr **rleft, **rinner;
    uint32_t nrleft, caprleft, nrinner, caprinner;
} decorr;

#define DC_RIGHT (1u << 28) /* first right-side column index in decorr.resid */

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
    bool win_ok;       /* window calls may appear here (select list, ORDER BY, QUALIFY) */
    bool in_win;       /* inside a window call's arguments or specification */
    bwin *wins;        /* window calls: placeholders COLUMN WIN_BASE + i */
    uint32_t nwins, capwins;
    const floe_ast_named_window *named; /* the SELECT's WINDOW clause */
    int nnamed;
    floe_pitem **sjoins; /* decorrelated scalar subqueries: LEFT join items */
    floe_expr ***sjoin_on;
    uint32_t nsjoins, capsjoins;
} block;


/* Best suggestion among names (distance small relative to the length). */
typedef struct hint {
    const char *best;
    int dist;
    const char *want;
} hint;

typedef struct fromctx {
    block *bk;
    floe_expr **conj; /* WHERE + inner ON conjuncts over gids */
    uint32_t nconj, capconj;
} fromctx;

static inline floe_type T(floe_type_id id) { return floe_type_make(id); }

/* ---------------------------------------------------------- binder.c */

/* FLOE_NOMEM on b's error. */
static inline int floe_binder_nomem(binder *b) { return floe_err_nomem(b->err); }
/* Arena copy of s (NULL stays NULL; NULL on OOM). */
char *floe_binder_strdup(binder *b, const char *s);
/* rc, after putting the error at `off` unless it already has a position. */
int floe_binder_at(binder *b, int rc, int off);
/* arr with room for element n (doubled into the arena when full; *cap
 * updated); NULL on OOM. */
void *floe_binder_grow(binder *b, void *arr, uint32_t n, uint32_t *cap, size_t elem);
/* Offer cand as a "did you mean" suggestion for h->want. */
void floe_binder_hint_try(hint *h, const char *cand);
/* Constants of type t (integer-like payload) and VARCHAR; NULL on OOM. */
floe_expr *floe_binder_const_int(binder *b, floe_type t, int64_t v);
floe_expr *floe_binder_const_str(binder *b, const char *s, size_t n);
/* Display name of an AST expression: column name, count_star(), else text. */
const char *floe_binder_expr_name(binder *b, const floe_ast_expr *ae);
/* Catalog lookup with a "did you mean" error. */
int floe_binder_find_table(binder *b, const char *name, int off, floe_cat_table *out);
/* Index of the table in the plan's table list (added when new). */
int floe_binder_plan_table(binder *b, const floe_cat_table *t, uint32_t *out);
/* Add a relation with its columns to the block (aliases applied). */
int floe_binder_add_rel(block *bk, floe_prel *r, const char *alias, const char **cols, int ncols,
                        int off);
/* Resolve a column reference in bk (then in outer frames as a PARAM);
 * FLOE_NOTFOUND without an error when !report. */
int floe_binder_resolve_column(block *bk, const char *rel, const char *name, int off,
                               floe_expr **out, bool report);

/* ---------------------------------------------------------- bind_stmt.c */

/* Bind one statement into bs (bs->kind, description, plan). */
int floe_binder_stmt(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs);

/* ---------------------------------------------------------- bind_ddl.c */

/* CREATE TABLE's PRIMARY KEY / UNIQUE / CHECK into c->cons (c->cols bound). */
int floe_binder_create_cons(binder *b, const floe_ast_stmt *s, floe_bound_create *c);
/* CREATE/DROP INDEX and VIEW. */
int floe_binder_ddl(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs);
/* INSERT's ON CONFLICT clause (bs->table resolved). */
int floe_binder_on_conflict(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs);
/* $n: the constant value of parameter n (FLOE_ERROR when none was given). */
int floe_binder_param(binder *b, const floe_ast_expr *ae, floe_expr **out);
/* The view `name` through the catalog: *out_q NULL when there is none. */
int floe_binder_find_view(binder *b, const char *name, const floe_ast_query **out_q,
                          const char **out_sql, const char *const **out_cols, int *out_ncols);
/* Bind a view's query (parsed from sql) as a derived table of no frame. */
int floe_binder_view_query(binder *b, const char *name, const floe_ast_query *q, const char *sql,
                           int off, floe_plan **out);
/* ---------------------------------------------------------- bind_dml.c */

/* DELETE / UPDATE: bs->table and the plan finding the rows (sql/binder.h). */
int floe_binder_dml(binder *b, const floe_ast_stmt *s, floe_bound_stmt *bs);

/* ---------------------------------------------------------- bind_select.c */

/* Bind a query (WITH, SELECT, VALUES, set operation) in frame fr (NULL at
 * the top level) to a plan. */
int floe_binder_query(binder *b, frame *fr, const floe_ast_query *q, floe_plan **out);
/* A plan node in b's arena; NULL on OOM. */
floe_plan *floe_binder_node(binder *b, floe_plan_kind k, uint32_t ncols, uint32_t nchildren);
/* PROJECT of exprs over child (an identity projection only renames); NULL on OOM. */
floe_plan *floe_binder_project(binder *b, floe_plan *child, floe_expr **exprs, const char **names,
                               uint32_t n);

/* ---------------------------------------------------------- bind_from.c */

/* Bind one FROM item into the block: relations into fc->bk, inner join
 * conditions into fc's conjuncts, planner items appended to *items. */
int floe_binder_from(fromctx *fc, const floe_ast_from *f, floe_pitem ***items, uint32_t *nitems,
                     uint32_t *capitems);
/* Add e's conjuncts to the block's WHERE conjuncts. */
int floe_binder_add_conj(fromctx *fc, floe_expr *e);

/* ---------------------------------------------------------- bind_scalar.c */

/* Bind an expression in block bk (depth-limited). */
int floe_binder_expr(block *bk, const floe_ast_expr *ae, floe_expr **out);
/* A table function in FROM, resolved through the catalog (sql/bind_tablefn.c). */
int floe_binder_table_function(binder *b, const floe_ast_from *f, floe_cat_table *out);
/* NOT x (y NULL), x AND y, x OR y, folded. */
int floe_binder_logic2(binder *b, floe_expr_kind k, floe_expr *x, floe_expr *y, floe_expr **out);

/* ---------------------------------------------------------- bind_call.c */

/* Bind a function call or an aggregate call. */
int floe_binder_call(block *bk, const floe_ast_expr *ae, floe_expr **out);
/* The floe_agg (fn, type, arg in the block's space) of aggregate call ae,
 * without the checks of where it appears (window aggregates). */
int floe_binder_agg_spec(block *bk, const floe_ast_expr *ae, bool window, floe_agg *g);
/* Convert *x to t as a function argument would be; errors name fname. */
int floe_binder_need_type(binder *b, floe_expr **x, floe_type t, const char *fname, int off);
/* Cast args[0..n) to their common type *out (`what` names the construct). */
int floe_binder_common_type(binder *b, floe_expr **args, uint32_t n, const char *what, int off,
                            floe_type *out);

/* ---------------------------------------------------------- bind_window.c */

/* Bind a call with OVER into a placeholder COLUMN WIN_BASE + i of the block. */
int floe_binder_window(block *bk, const floe_ast_expr *ae, floe_expr **out);

/* ---------------------------------------------------------- bind_recursive.c */

/* The plan of a reference to CTE c defined by WITH RECURSIVE: a RECURSIVE
 * node when its query is `anchor UNION [ALL] step` and the step reads c,
 * else the query bound as a plain CTE. */
int floe_binder_recursive_cte(binder *b, frame *fr, cte_def *c, floe_plan **out);

/* ---------------------------------------------------------- bind_distinct_on.c */

/* SELECT DISTINCT ON (exprs) ... ORDER BY o as the same SELECT with
 * QUALIFY row_number() OVER (PARTITION BY exprs ORDER BY o) = 1 (an arena
 * copy of q in *out; ordinals and output aliases resolved to their targets). */
int floe_binder_distinct_on(binder *b, const floe_ast_query *q, const floe_ast_query **out);

/* ---------------------------------------------------------- bind_subquery.c */

/* Bind a subquery expression (scalar, EXISTS, [NOT] IN with operand). */
int floe_binder_subquery(block *bk, const floe_ast_query *q, floe_subq_kind kind,
                         floe_expr *operand, bool negated, int off, floe_expr **out);
/* WHERE conjunct [NOT] EXISTS / IN correlated by equalities as a SEMI/ANTI
 * join of the block; *done false when it must be bound as an expression. */
int floe_binder_try_semi(block *bk, const floe_ast_expr *ae, bool *done);
/* Move the correlated equalities of the WHERE conjuncts into dc
 * (FLOE_UNSUPPORTED and dc->failed on any other use of an outer value). */
int floe_binder_dc_extract(block *bk, floe_expr **conj, uint32_t *nconj, decorr *dc);
/* bind_subquery.c: whether plan p reads a PARAM (an outer value) anywhere. */
bool floe_binder_plan_has_param(const floe_plan *p);
/* bind_cte.c: FROM references to q->ctes[i] in its scope (later CTEs of the
 * list and q's body, subqueries included). */
uint32_t floe_binder_cte_refs(const floe_ast_query *q, int i);

#endif
