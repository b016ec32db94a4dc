/* sql/binder.h: name resolution, typing and planning of parsed statements.
 *
 * floe_bind_statement turns one floe_ast_stmt (sql/ast.h) into a
 * floe_bound_stmt: for every statement that reads rows (SELECT, VALUES, set
 * operations, EXPLAIN, COPY (query) TO, INSERT ... VALUES/SELECT, CREATE
 * TABLE AS) a physical floe_query_plan (engine/plan.h) ready for the
 * executor; for DDL and the other commands a resolved description the api
 * executes (table exists, columns resolved, types and options checked).
 *
 * The binder sees tables only through floe_sql_catalog, a table of callbacks the
 * api implements. Every distinct table a plan scans appears once in
 * plan->table_names / plan->table_refs (the catalog's opaque table_ref), and
 * SCAN nodes refer to it by that index.
 *
 * Semantics (PostgreSQL/DuckDB): see sql/bind_expr.h for typing. Integer
 * literals are INTEGER when they fit in 32 bits, else BIGINT, else DECIMAL(18,0)
 * or DOUBLE; decimal literals (0.05) are DECIMAL(p,s) with the written digits
 * (DOUBLE when they have an exponent or more than 18 digits), promoted to
 * DOUBLE next to a DOUBLE column. Aggregates are those of the registry
 * (engine/aggregates.h: names, argument and result types); quantile(x, q)
 * and quantile_disc are the nearest-rank quantile (FLOE_AGG_QUANTILE),
 * quantile_cont is rejected, and median is FLOE_AGG_MEDIAN. Result columns are named like DuckDB: alias, else
 * column name, else function text such as "count_star()" or "sum(x)", else
 * the expression text. Integer literals stand for ordinals in GROUP BY and
 * ORDER BY; ORDER BY also takes output aliases, GROUP BY takes aliases that do
 * not name an input column (PostgreSQL). now() and current_timestamp are the
 * statement start (now_us).
 *
 * Subqueries: uncorrelated ones are FLOE_EXPR_SUBQUERY (computed once);
 * `x IN (SELECT ...)` in a WHERE conjunct becomes a SEMI hash join. Correlated
 * ones with at least one equality `inner = outer` in the subquery's WHERE are
 * decorrelated: [NOT] EXISTS and IN conjuncts into SEMI/ANTI joins on those
 * equalities, the other correlated conjuncts (`l2.x <> l1.x`) becoming the
 * join's residual condition; scalar aggregates (not count) in WHERE, whose
 * correlations are all equalities, into a LEFT join with the aggregate
 * grouped by the inner keys (the planner then feeds the aggregate only the
 * outer keys, sql/plan_magic.c). Other correlations stay FLOE_EXPR_SUBQUERY with params
 * (each outer value a PARAM in the subplan and an arg of the node). NOT IN
 * keeps its NULL semantics as a subquery expression. A WITH query
 * referenced more than once (sql/bind_cte.c counts) and reading no outer
 * value is bound once and every reference is a CTE_SCAN of that plan
 * (computed once per query); one referenced once is inlined. EXCEPT / INTERSECT
 * group a tagged UNION ALL, so NULLs compare equal; their ALL forms, FULL
 * JOIN and WITH RECURSIVE are FLOE_UNSUPPORTED.
 *
 * NOT NULL: INSERT plans produce rows in table column order typed as the
 * table's columns; constant NULLs for NOT NULL columns are rejected here
 * (FLOE_CONSTRAINT), every other NOT NULL check is done by the api on the
 * rows the plan produces.
 *
 * Ownership: the bound statement owns its arena (descriptions) and its plan;
 * free both with floe_bound_stmt_free. The plan may point into the
 * statement's arena (column names, default values), so keep the statement
 * alive while its plan runs. Catalog data is copied, so the
 * catalog's borrows end when floe_bind_statement returns. The AST is only
 * read. Thread-safety: one bind per thread; the catalog callbacks are called
 * from the binding thread only.
 */
#ifndef FLOE_SQL_BINDER_H
#define FLOE_SQL_BINDER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/plan.h"
#include "sql/ast.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/types.h"

/* ---------------------------------------------------------------- catalog */

typedef struct floe_cat_column {
    const char *name;
    floe_type type;
    bool not_null;
    bool has_default;
    floe_value default_value; /* constant of `type` (as floe_bound_create gave it) */
} floe_cat_column;

typedef struct floe_cat_table {
    const char *name;
    const floe_cat_column *cols; /* ncols, in table order */
    uint32_t ncols;
    double nrows;    /* estimated rows (parts + memtables); used for join order */
    void *table_ref; /* api's handle, copied into floe_query_plan.table_refs */
    const double *ndv; /* ncols estimated distinct values (0: unknown), or NULL; when
                        * unknown, column 0 is taken as a key and the others unknown */
} floe_cat_table;

/* A table function's argument as the catalog gets it: positional (name
 * NULL) or named (lower case); a constant, a list or a struct (items named
 * by their keys). Borrowed until floe_bind_statement returns. */
typedef enum floe_tf_arg_kind { FLOE_TF_SCALAR, FLOE_TF_LIST, FLOE_TF_STRUCT } floe_tf_arg_kind;
typedef struct floe_tf_arg {
    const char *name;
    floe_tf_arg_kind kind;
    floe_value value;          /* SCALAR: a constant (VARCHAR bytes NUL-terminated) */
    struct floe_tf_arg *items; /* LIST / STRUCT */
    uint32_t nitems;
} floe_tf_arg;

/* The api implements this over its catalog. Returned data is borrowed until
 * floe_bind_statement returns. The binder zeroes *out before find_table, so
 * optional fields (ndv) may be left unset. */
typedef struct floe_sql_catalog {
    void *self;
    /* Find table `name` (case-insensitive): FLOE_OK with *out filled, or
     * FLOE_NOTFOUND. Other codes (FLOE_IOERR...) abort the bind with err set. */
    int (*find_table)(void *self, const char *name, floe_cat_table *out, floe_err *err);
    /* Number of tables and the name of table i, for "did you mean" hints. */
    uint32_t (*table_count)(void *self);
    const char *(*table_name)(void *self, uint32_t i);
    /* View `name` (case-insensitive), or NULL (no views): FLOE_OK with
     * *out_query (its parsed query), *out_sql (the text it was parsed from;
     * AST offsets point into it) and its column aliases; FLOE_NOTFOUND when
     * there is no such view. The AST stays valid until the statement that
     * is being bound has finished executing. */
    int (*find_view)(void *self, const char *name, const floe_ast_query **out_query,
                     const char **out_sql, const char *const **out_cols, int *out_ncols,
                     floe_err *err);
    /* A table function in FROM (read_parquet(...)): FLOE_OK with *out filled
     * like find_table (its table_ref stays valid while the statement runs),
     * FLOE_NOTFOUND for an unknown name, or an error with err set. May be
     * NULL (no table functions). */
    int (*table_function)(void *self, const char *name, const floe_tf_arg *args, uint32_t nargs,
                          floe_cat_table *out, floe_err *err);
} floe_sql_catalog;

/* --------------------------------------------------------- bound statements */

typedef enum floe_bound_kind {
    FLOE_BOUND_QUERY,        /* plan: rows to return */
    FLOE_BOUND_INSERT,       /* insert: plan yields rows for every table column */
    FLOE_BOUND_CREATE_TABLE, /* create (plan non-NULL for CREATE TABLE AS) */
    FLOE_BOUND_DROP_TABLE,   /* table (may be NULL with if_exists when absent) */
    FLOE_BOUND_ALTER_ADD,    /* table + alter_col */
    FLOE_BOUND_COPY_FROM,    /* table + copy */
    FLOE_BOUND_COPY_TO,      /* plan + copy */
    FLOE_BOUND_SHOW_TABLES,  /* nothing */
    FLOE_BOUND_DESCRIBE,     /* table */
    FLOE_BOUND_FLUSH,        /* table */
    FLOE_BOUND_CREATE_INDEX, /* table + index */
    FLOE_BOUND_DROP_INDEX,   /* obj_name, if_exists */
    FLOE_BOUND_CREATE_VIEW,  /* view */
    FLOE_BOUND_DROP_VIEW,    /* obj_name, if_exists */
    FLOE_BOUND_DELETE,       /* table + plan: the row ids (column 0) of the rows to delete */
    FLOE_BOUND_UPDATE        /* table + plan: row id, then every table column's new value */
} floe_bound_kind;

/* A table constraint of CREATE TABLE; kinds numbered like storage's
 * FLOE_OBJ_* (PRIMARY 1, UNIQUE 2, CHECK 3). */
typedef struct floe_bound_cons {
    int kind;
    const char *name;      /* given or generated ("t_pkey", "t_a_key", "t_check1") */
    uint32_t *cols;        /* PRIMARY/UNIQUE: table column indexes */
    uint32_t ncols;
    const char *check_sql; /* CHECK: the expression's SQL text */
} floe_bound_cons;

typedef struct floe_bound_index {
    const char *name;
    bool unique, if_not_exists;
    uint32_t *cols; /* table column indexes */
    uint32_t ncols;
} floe_bound_index;

typedef struct floe_bound_view {
    const char *name;
    const char *sql;     /* the query's text as written */
    const char *aliases; /* column aliases separated by '\x1f', NULL when none */
    bool or_replace;
} floe_bound_view;

/* DELETE/UPDATE (sql/bind_dml.c): the api's find_table lists, for the
 * statement's target table only, one more column after the table's own:
 * this name, BIGINT, the row id of each row its scans produce. The bound
 * plan is SELECT of the row id (and, for UPDATE, every column's new value,
 * cast to the column's type) FROM the table WHERE the condition. */
#define FLOE_DML_ROWID "__floe_rowid"

typedef struct floe_bound_column {
    const char *name;
    floe_type type;
    bool not_null;
    bool has_default;
    floe_value default_value; /* constant of `type`, folded at bind time */
} floe_bound_column;

/* A resolved table: name as stored, api handle, columns (copied). */
typedef struct floe_bound_table {
    const char *name;
    void *table_ref;
    floe_bound_column *cols;
    uint32_t ncols;
} floe_bound_table;

/* A statement option (CREATE TABLE WITH (...), COPY ... (...)). */
typedef struct floe_bound_option {
    const char *name;  /* lower case */
    bool has_value;    /* false for a bare HEADER */
    floe_value value;  /* constant; a bare word is VARCHAR */
} floe_bound_option;

typedef struct floe_bound_create {
    const char *table;
    bool if_not_exists;
    floe_bound_column *cols;
    uint32_t ncols;
    int32_t partition_col;   /* PARTITION BY column index, -1 when absent */
    uint32_t *order_cols;    /* ORDER BY column indexes */
    uint32_t norder_cols;
    int64_t flush_rows;      /* WITH options; -1 when not given */
    int64_t flush_bytes;     /* bytes, -1 when not given */
    int64_t flush_interval_ms; /* -1 when not given */
    int32_t shards;          /* 0 when not given */
    int64_t ttl_us;          /* 0 when not given; intervals use 30-day months */
    int32_t ttl_col;         /* TIMESTAMP column for ttl (default: the first one), -1 */
    floe_bound_cons *cons;   /* PRIMARY KEY, UNIQUE and CHECK constraints */
    uint32_t ncons;
} floe_bound_create;

typedef struct floe_bound_copy {
    const char *path;
    uint32_t *cols;          /* COPY FROM: table column index of each file column */
    uint32_t ncols;          /* all columns in table order when not listed */
    floe_bound_option *options;
    uint32_t noptions;
} floe_bound_copy;

typedef struct floe_bound_stmt {
    floe_bound_kind kind;
    bool explain;            /* EXPLAIN [ANALYZE] of this statement */
    bool explain_analyze;
    floe_arena *arena;       /* owns everything below except plan */
    floe_query_plan *plan;   /* owned; NULL for statements without rows */
    floe_bound_table table;  /* INSERT/DROP/ALTER/COPY FROM/DESCRIBE/FLUSH target */
    bool if_exists;          /* DROP TABLE IF EXISTS */
    floe_bound_create create;
    floe_bound_column alter_col; /* ALTER ADD COLUMN */
    floe_bound_copy copy;
    floe_bound_index index;  /* CREATE INDEX */
    floe_bound_view view;    /* CREATE VIEW */
    const char *obj_name;    /* DROP INDEX / DROP VIEW */
    int on_conflict;         /* INSERT: floe_ast_conflict (NONE or NOTHING) */
    uint32_t *conflict_cols; /* INSERT ... ON CONFLICT (cols): column indexes */
    uint32_t nconflict_cols;
} floe_bound_stmt;

/* Bind `stmt` (parsed from `sql`, used for error offsets and expression
 * names) against `cat`. now_us is the statement start time (now(),
 * current_timestamp). On success *out is a new bound statement (free with
 * floe_bound_stmt_free). On failure returns FLOE_ERROR (unknown names, with
 * "did you mean" hints), FLOE_TYPE (type errors), FLOE_UNSUPPORTED,
 * FLOE_CONSTRAINT, FLOE_RANGE, FLOE_PARSE (bad literal text) or FLOE_NOMEM,
 * with err->offset pointing into sql when known; *out is NULL. */
int floe_bind_statement(const floe_ast_stmt *stmt, const char *sql, const floe_sql_catalog *cat,
                        int64_t now_us, floe_bound_stmt **out, floe_err *err);
/* floe_bind_statement with values for the parameters $1..$nparams (and the
 * ?s, numbered left to right): each PARAM binds as a constant of its
 * value's type (a VARCHAR adapts to the type it meets, like a literal; a
 * NULL is untyped). A parameter without a value is FLOE_ERROR. The values
 * are copied into the plan. */
int floe_bind_statement_params(const floe_ast_stmt *stmt, const char *sql,
                               const floe_sql_catalog *cat, int64_t now_us,
                               const floe_value *params, uint32_t nparams, floe_bound_stmt **out,
                               floe_err *err);
void floe_bound_stmt_free(floe_bound_stmt *s);
/* Constant values of args[0..n) (EXECUTE's arguments) into out[0..n);
 * VARCHAR bytes in `arena`. FLOE_ERROR when one is not constant. */
int floe_bind_const_values(floe_ast_expr *const *args, uint32_t n, const char *sql,
                           int64_t now_us, floe_arena *arena, floe_value *out, floe_err *err);

/* Bind the SQL text of a CHECK expression against a table's columns
 * (COLUMN i is table column i) into a BOOLEAN expression in a new plan's
 * arena: *out_qp and *out_parser own it (free both, with
 * floe_query_plan_free and floe_parser_free, after the last use of *out).
 * Subqueries and aggregates are rejected (FLOE_ERROR), a non-boolean type is
 * FLOE_TYPE. (sql/bind_ddl.c) */
struct floe_parser;
int floe_bind_check(const char *text, const floe_cat_column *cols, uint32_t ncols,
                    floe_query_plan **out_qp, struct floe_parser **out_parser, floe_expr **out,
                    floe_err *err);

/* Levenshtein distance between two names (case-insensitive), for hints. */
int floe_binder_edit_distance(const char *a, const char *b);

#endif
