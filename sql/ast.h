/* sql/ast.h: the syntax tree the SQL parser produces.
 *
 * The parser (sql/parser.h) turns SQL text into one floe_ast_stmt per
 * statement. The tree is purely syntactic: names are not resolved, types of
 * expressions are not known, constants are not folded (except that a unary
 * minus directly in front of a numeric literal is folded into the literal's
 * text, as PostgreSQL does, so -9223372036854775808 is one BIGINT literal).
 *
 * Invariants
 *  - Every node carries `off` and `len`: the byte range in the SQL text it was
 *    parsed from (offsets are from the start of the whole text given to the
 *    parser, not of the statement), so later stages can point errors at it
 *    with floe_err_set_at(err, code, node->off, ...).
 *  - Identifiers are folded to lower case unless they were double-quoted;
 *    keywords stored as strings (interval units, EXTRACT fields, option
 *    names) are lower case.
 *  - Lists are an array of pointers (or of structs) plus a count; an empty
 *    list is (NULL, 0). Optional children are NULL when absent.
 *  - Strings are NUL-terminated; string literals also carry their length
 *    because they may contain NUL bytes.
 *
 * Ownership: every node and string lives in the arena of the floe_parser that
 * produced it and stays valid until floe_parser_free(). Trees are read-only
 * after parsing; several threads may read one tree.
 */
#ifndef FLOE_SQL_AST_H
#define FLOE_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/types.h"

typedef struct floe_ast_expr floe_ast_expr;
typedef struct floe_ast_query floe_ast_query;
typedef struct floe_ast_window floe_ast_window;
typedef struct floe_ast_from floe_ast_from;
typedef struct floe_ast_stmt floe_ast_stmt;

/* ---------------------------------------------------------------- expressions */

typedef enum floe_ast_expr_kind {
    FLOE_AST_INT,      /* integer literal: int_lit */
    FLOE_AST_NUM,      /* decimal/float literal (1.5, 1e3, .5): num_lit */
    FLOE_AST_STRING,   /* 'string' or E'string': str (escapes resolved) */
    FLOE_AST_BOOL,     /* TRUE / FALSE: bool_val */
    FLOE_AST_NULL,     /* NULL: no fields */
    FLOE_AST_TYPED,    /* DATE '...', TIMESTAMP '...': typed (text not checked) */
    FLOE_AST_INTERVAL, /* INTERVAL ...: interval */
    FLOE_AST_COLUMN,   /* a, t.a: column */
    FLOE_AST_STAR,     /* *, t.* in a select list or count(*)'s argument: star */
    FLOE_AST_UNARY,    /* -x, +x, NOT x: unary */
    FLOE_AST_BINARY,   /* x op y (arithmetic, comparison, AND, OR, ||): binary */
    FLOE_AST_IS,       /* x IS [NOT] NULL/TRUE/FALSE/UNKNOWN/DISTINCT FROM y: is */
    FLOE_AST_BETWEEN,  /* x [NOT] BETWEEN lo AND hi: between */
    FLOE_AST_IN_LIST,  /* x [NOT] IN (e1, e2, ...): in_list */
    FLOE_AST_IN_QUERY, /* x [NOT] IN (SELECT ...): in_query */
    FLOE_AST_LIKE,     /* x [NOT] LIKE|ILIKE p [ESCAPE e]: like */
    FLOE_AST_EXISTS,   /* EXISTS (query): subquery (NOT EXISTS is UNARY NOT) */
    FLOE_AST_SUBQUERY, /* scalar (SELECT ...): subquery */
    FLOE_AST_CALL,     /* f(args), count(*), count(DISTINCT x): call */
    FLOE_AST_CAST,     /* CAST(x AS type), x::type: cast */
    FLOE_AST_CASE,     /* CASE [x] WHEN .. THEN .. [ELSE ..] END: case_ */
    FLOE_AST_EXTRACT,  /* EXTRACT(field FROM x): extract */
    FLOE_AST_PARAM     /* $n or ? (numbered left to right in its statement): param */
} floe_ast_expr_kind;

typedef enum floe_ast_unop {
    FLOE_AST_NEG,  /* -x (not in front of a numeric literal: that is folded) */
    FLOE_AST_PLUS, /* +x */
    FLOE_AST_NOT   /* NOT x */
} floe_ast_unop;

typedef enum floe_ast_binop {
    FLOE_AST_OR,
    FLOE_AST_AND,
    FLOE_AST_EQ, /* = */
    FLOE_AST_NE, /* <> and != */
    FLOE_AST_LT,
    FLOE_AST_LE,
    FLOE_AST_GT,
    FLOE_AST_GE,
    FLOE_AST_CONCAT, /* || */
    FLOE_AST_ADD,
    FLOE_AST_SUB,
    FLOE_AST_MUL,
    FLOE_AST_DIV,
    FLOE_AST_MOD /* % */
} floe_ast_binop;

typedef enum floe_ast_is_kind {
    FLOE_AST_IS_NULL,
    FLOE_AST_IS_TRUE,
    FLOE_AST_IS_FALSE,
    FLOE_AST_IS_UNKNOWN,
    FLOE_AST_IS_DISTINCT /* IS [NOT] DISTINCT FROM is.right */
} floe_ast_is_kind;

struct floe_ast_expr {
    floe_ast_expr_kind kind;
    int off; /* byte offset of the node's first token in the SQL text */
    int len; /* bytes up to the end of its last token */
    union {
        struct {
            const char *text; /* digits as written, with a leading '-' if folded */
            bool fits;        /* the value fits in int64_t */
            int64_t value;    /* the value when `fits`, else 0 */
        } int_lit;
        struct {
            const char *text; /* as written ("1.50", "1e3", ".5", "-2.5") */
            bool exponent;    /* written with e/E: approximate (DOUBLE) */
            double value;     /* strtod of text (may be inf on overflow) */
        } num_lit;
        struct {
            const char *s; /* bytes, NUL-terminated */
            size_t n;      /* bytes, without the NUL */
        } str;
        bool bool_val;
        struct {
            floe_type type;      /* DATE or TIMESTAMP */
            const char *s;       /* the quoted text, escapes resolved */
            size_t n;            /* bytes */
        } typed;
        struct {
            floe_ast_expr *value; /* STRING ('1 hour', '90'), INT/NUM, or any expr */
            const char *unit;     /* singular lower-case unit: "year", "month",
                                   * "week", "day", "hour", "minute", "second",
                                   * "millisecond", "microsecond"; NULL when
                                   * the unit is inside the string */
        } interval;
        struct {
            const char *table; /* qualifier, NULL when unqualified */
            const char *name;  /* column name */
        } column;
        struct {
            const char *table; /* t of t.*, NULL for plain * */
        } star;
        struct {
            floe_ast_unop op;
            floe_ast_expr *arg;
        } unary;
        struct {
            floe_ast_binop op;
            floe_ast_expr *left, *right;
        } binary;
        struct {
            floe_ast_is_kind what;
            bool negated;         /* IS NOT ... */
            floe_ast_expr *arg;   /* the tested value */
            floe_ast_expr *right; /* DISTINCT FROM only, else NULL */
        } is;
        struct {
            bool negated;
            floe_ast_expr *arg, *lo, *hi;
        } between;
        struct {
            bool negated;
            floe_ast_expr *arg;
            floe_ast_expr **items; /* at least one */
            int nitems;
        } in_list;
        struct {
            bool negated;
            floe_ast_expr *arg;
            floe_ast_query *query;
        } in_query;
        struct {
            bool negated;
            bool ilike;             /* ILIKE: case-insensitive */
            floe_ast_expr *arg;
            floe_ast_expr *pattern;
            floe_ast_expr *escape;  /* NULL when absent */
        } like;
        struct {
            floe_ast_query *query; /* EXISTS and scalar subqueries */
        } subquery;
        struct {
            const char *name;     /* lower case unless quoted: "count", "coalesce" */
            floe_ast_expr **args; /* count(*) has one STAR argument */
            int nargs;
            bool distinct;        /* f(DISTINCT ...) */
            floe_ast_window *over; /* f(...) OVER (...) or OVER name; NULL when absent */
            floe_ast_expr *filter; /* f(...) FILTER (WHERE filter), or NULL */
            floe_ast_expr *within; /* f(...) WITHIN GROUP (ORDER BY within), or NULL */
            bool within_desc;      /* ... ORDER BY within DESC */
            struct floe_ast_order *order; /* f(args ORDER BY ...) (aggregates); (NULL, 0) */
            int norder;
        } call;
        struct {
            floe_ast_expr *arg;
            floe_type type;        /* resolved with floe_type_parse */
            const char *type_name; /* the type as written, normalised: upper case
                                    * words, single spaces ("DECIMAL(12,2)") */
            bool try_;             /* try_cast: NULL instead of a conversion error */
        } cast;
        struct {
            floe_ast_expr *operand; /* CASE x WHEN ...: x; NULL for searched CASE */
            floe_ast_expr **whens;  /* nwhens conditions (or values to compare x with) */
            floe_ast_expr **thens;  /* nwhens results */
            int nwhens;             /* >= 1 */
            floe_ast_expr *else_;   /* NULL when absent */
        } case_;
        struct {
            const char *field; /* lower case: "year", "month", "epoch", ... */
            floe_ast_expr *arg;
        } extract;
        struct {
            int index; /* 1-based */
        } param;
    };
};

/* ---------------------------------------------------------------- queries */

typedef enum floe_ast_nulls {
    FLOE_AST_NULLS_DEFAULT, /* not written */
    FLOE_AST_NULLS_FIRST,
    FLOE_AST_NULLS_LAST
} floe_ast_nulls;

typedef struct floe_ast_order {
    floe_ast_expr *expr; /* may be an INT literal (ordinal) or an alias COLUMN */
    bool desc;           /* DESC written (ASC or nothing: false) */
    floe_ast_nulls nulls;
    int off, len;
} floe_ast_order;

/* Window frames: the unit, the bounds and EXCLUDE of an OVER clause. */
typedef enum floe_ast_frame_unit {
    FLOE_AST_FRAME_NONE, /* no frame written: the default */
    FLOE_AST_FRAME_ROWS,
    FLOE_AST_FRAME_RANGE,
    FLOE_AST_FRAME_GROUPS
} floe_ast_frame_unit;

typedef enum floe_ast_bound_kind {
    FLOE_AST_BOUND_UNBOUNDED_PRECEDING,
    FLOE_AST_BOUND_PRECEDING, /* offset PRECEDING */
    FLOE_AST_BOUND_CURRENT,   /* CURRENT ROW */
    FLOE_AST_BOUND_FOLLOWING, /* offset FOLLOWING */
    FLOE_AST_BOUND_UNBOUNDED_FOLLOWING
} floe_ast_bound_kind;

typedef struct floe_ast_bound {
    floe_ast_bound_kind kind;
    floe_ast_expr *offset; /* PRECEDING / FOLLOWING only, else NULL */
} floe_ast_bound;

typedef enum floe_ast_exclude {
    FLOE_AST_EXCLUDE_NONE, /* not written, or EXCLUDE NO OTHERS */
    FLOE_AST_EXCLUDE_CURRENT,
    FLOE_AST_EXCLUDE_GROUP,
    FLOE_AST_EXCLUDE_TIES
} floe_ast_exclude;

/* A window specification: OVER (...), OVER name, or WINDOW name AS (...).
 * `base` names a window it refines (OVER (w ORDER BY x)) or, for OVER name,
 * the whole window; the binder resolves it against the SELECT's WINDOW list. */
struct floe_ast_window {
    const char *base;             /* NULL when absent */
    floe_ast_expr **partition;    /* PARTITION BY exprs; (NULL, 0) */
    int npartition;
    floe_ast_order *order;        /* ORDER BY; (NULL, 0) */
    int norder;
    floe_ast_frame_unit unit;     /* NONE: start/end unused */
    floe_ast_bound start, end;    /* BETWEEN start AND end (a single bound: end = CURRENT ROW) */
    floe_ast_exclude exclude;
    int off, len;
};

/* WINDOW name AS (spec) */
typedef struct floe_ast_named_window {
    const char *name;
    floe_ast_window *spec;
    int off, len;
} floe_ast_named_window;

typedef struct floe_ast_target {
    floe_ast_expr *expr; /* STAR for * and t.* */
    const char *alias;   /* AS alias (or bare alias); NULL when absent */
    int off, len;
} floe_ast_target;

/* WITH name [(cols)] AS (query) */
typedef struct floe_ast_cte {
    const char *name;
    const char **cols; /* column aliases, (NULL, 0) when absent */
    int ncols;
    floe_ast_query *query;
    int off, len;
} floe_ast_cte;

typedef enum floe_ast_join_kind {
    FLOE_AST_JOIN_INNER, /* JOIN, INNER JOIN */
    FLOE_AST_JOIN_LEFT,  /* LEFT [OUTER] JOIN */
    FLOE_AST_JOIN_RIGHT, /* RIGHT [OUTER] JOIN */
    FLOE_AST_JOIN_FULL,  /* FULL [OUTER] JOIN */
    FLOE_AST_JOIN_CROSS  /* CROSS JOIN (no condition) */
} floe_ast_join_kind;

typedef enum floe_ast_from_kind {
    FLOE_AST_FROM_TABLE,    /* table [AS] alias [(cols)] */
    FLOE_AST_FROM_SUBQUERY, /* (query) [AS] alias [(cols)] */
    FLOE_AST_FROM_JOIN,     /* left JOIN right ON/USING: join */
    FLOE_AST_FROM_FUNCTION  /* name(args) [AS] alias [(cols)]: func (table function) */
} floe_ast_from_kind;

/* One argument of a table function: positional (name NULL) or named
 * (`name = value` / `name := value`); a value is a scalar expression, a
 * list `[v, ...]` or a struct `{'key': v, ...}` (items carry the keys as
 * names). */
typedef enum floe_ast_tfarg_kind {
    FLOE_AST_TFARG_SCALAR, /* value */
    FLOE_AST_TFARG_LIST,   /* items (names NULL) */
    FLOE_AST_TFARG_STRUCT  /* items (names are the keys) */
} floe_ast_tfarg_kind;

typedef struct floe_ast_tfarg {
    const char *name; /* lower case; NULL when positional */
    floe_ast_tfarg_kind kind;
    floe_ast_expr *value;          /* SCALAR */
    struct floe_ast_tfarg *items;  /* LIST / STRUCT */
    int nitems;
    int off;
} floe_ast_tfarg;

struct floe_ast_from {
    floe_ast_from_kind kind;
    int off, len;
    const char *alias;  /* TABLE and SUBQUERY: NULL when absent */
    const char **cols;  /* TABLE and SUBQUERY: column aliases (NULL, 0) */
    int ncols;
    union {
        const char *table;     /* TABLE: table name */
        floe_ast_query *query; /* SUBQUERY */
        struct {
            floe_ast_join_kind kind;
            floe_ast_from *left, *right; /* joins are left-deep: a JOIN b JOIN c
                                          * is ((a JOIN b) JOIN c) */
            floe_ast_expr *on;   /* ON condition, NULL for CROSS and USING */
            const char **using_cols; /* USING (cols); (NULL, 0) when ON/CROSS */
            int nusing;
            bool natural;        /* NATURAL: USING the common column names */
            bool asof;           /* ASOF [LEFT] JOIN (kind INNER or LEFT): ON equalities
                                  * and one inequality */
        } join;
        struct {
            const char *name;      /* lower case */
            floe_ast_tfarg *args;
            int nargs;
        } func;                    /* FUNCTION */
    };
    bool lateral;       /* SUBQUERY: LATERAL (may read earlier FROM items) */
};

typedef enum floe_ast_query_kind {
    FLOE_AST_Q_SELECT, /* SELECT ... : select */
    FLOE_AST_Q_SETOP,  /* left UNION/EXCEPT/INTERSECT [ALL] right: setop */
    FLOE_AST_Q_VALUES  /* VALUES (..), (..): values */
} floe_ast_query_kind;

typedef enum floe_ast_setop_kind {
    FLOE_AST_UNION,
    FLOE_AST_EXCEPT,
    FLOE_AST_INTERSECT
} floe_ast_setop_kind;

/* A query expression. WITH, ORDER BY, LIMIT and OFFSET belong to the query
 * node they are written on: in `SELECT a FROM t UNION SELECT b FROM u ORDER BY
 * 1` the ORDER BY is on the SETOP node; a parenthesised operand keeps its own.
 * Set operations are left-associative and INTERSECT binds tighter than UNION
 * and EXCEPT (SQL standard). */
struct floe_ast_query {
    floe_ast_query_kind kind;
    int off, len;
    floe_ast_cte *ctes; /* WITH list, (NULL, 0) when absent */
    int nctes;
    bool recursive;     /* WITH RECURSIVE written */
    floe_ast_order *order_by;
    int norder_by;
    floe_ast_expr *limit;  /* NULL when absent (or LIMIT ALL) */
    floe_ast_expr *offset; /* NULL when absent */
    union {
        struct {
            bool distinct;            /* SELECT DISTINCT (ALL: false) */
            floe_ast_target *targets; /* at least one */
            int ntargets;
            floe_ast_from **from;     /* comma-separated FROM items; (NULL, 0)
                                       * for SELECT without FROM */
            int nfrom;
            floe_ast_expr *where;     /* NULL when absent */
            floe_ast_expr **group_by; /* exprs, ordinals (INT) or aliases */
            int ngroup_by;
            floe_ast_expr *having;    /* NULL when absent */
            floe_ast_named_window *windows; /* WINDOW clause; (NULL, 0) */
            int nwindows;
            floe_ast_expr *qualify;   /* QUALIFY condition; NULL when absent */
            /* GROUPING SETS / ROLLUP / CUBE / (): the expanded grouping sets,
             * each a mask over group_by (bit k: group_by[k] is grouped; at
             * most 64 keys), duplicates kept; (NULL, 0) for a plain GROUP BY
             * list (sql/parse_group.c) */
            uint64_t *group_sets;
            int ngroup_sets;
            floe_ast_expr **distinct_on; /* DISTINCT ON (exprs); (NULL, 0) when absent */
            int ndistinct_on;
        } select;
        struct {
            floe_ast_setop_kind op;
            bool all; /* UNION ALL etc. */
            floe_ast_query *left, *right;
        } setop;
        struct {
            floe_ast_expr ***rows; /* rows[i][j]: row i, column j */
            int nrows;             /* >= 1 */
            int ncols;             /* every row has ncols values (checked) */
        } values;
    };
};

/* ---------------------------------------------------------------- statements */

/* Column definition in CREATE TABLE and ALTER TABLE ADD COLUMN. */
typedef struct floe_ast_coldef {
    const char *name;
    floe_type type;         /* resolved with floe_type_parse */
    const char *type_name;  /* normalised text, e.g. "VARCHAR(20)", "DOUBLE PRECISION" */
    bool not_null;          /* NOT NULL written (a bare NULL is accepted: false) */
    floe_ast_expr *default_; /* DEFAULT expr, NULL when absent */
    int off, len;
    bool primary_key;       /* PRIMARY KEY written on the column */
    bool unique;            /* UNIQUE written on the column */
    floe_ast_expr *check;   /* CHECK (expr) on the column, NULL when absent */
} floe_ast_coldef;

/* A table constraint in CREATE TABLE's column list (sql/parse_ddl.c):
 * [CONSTRAINT name] PRIMARY KEY (cols) | UNIQUE (cols) | CHECK (expr). A
 * column's own PRIMARY KEY / UNIQUE / CHECK stay on its floe_ast_coldef. */
typedef enum floe_ast_cons_kind {
    FLOE_AST_CONS_PRIMARY,
    FLOE_AST_CONS_UNIQUE,
    FLOE_AST_CONS_CHECK
} floe_ast_cons_kind;

typedef struct floe_ast_tcons {
    floe_ast_cons_kind kind;
    const char *name;    /* CONSTRAINT name, NULL when absent */
    const char **cols;   /* PRIMARY KEY / UNIQUE columns; (NULL, 0) for CHECK */
    int ncols;
    floe_ast_expr *check; /* CHECK only */
    int off, len;
} floe_ast_tcons;

/* INSERT ... ON CONFLICT [(cols)] DO NOTHING | DO UPDATE SET c = e, ... */
typedef enum floe_ast_conflict {
    FLOE_AST_CONFLICT_NONE,    /* no ON CONFLICT clause: a duplicate is an error */
    FLOE_AST_CONFLICT_NOTHING, /* DO NOTHING: conflicting rows are skipped */
    FLOE_AST_CONFLICT_UPDATE   /* DO UPDATE SET ...: parsed, rejected by the binder */
} floe_ast_conflict;

/* name = value in WITH (...) of CREATE TABLE, and name [value] in COPY options.
 * A bare word value (FORMAT csv, wal = full) is a COLUMN expr whose name is the
 * word; a missing value (HEADER alone) is NULL. */
typedef struct floe_ast_option {
    const char *name; /* lower case */
    floe_ast_expr *value;
    int off, len;
} floe_ast_option;

typedef enum floe_ast_stmt_kind {
    FLOE_AST_STMT_QUERY,        /* SELECT / WITH / VALUES / set ops: query */
    FLOE_AST_STMT_CREATE_TABLE, /* create_table */
    FLOE_AST_STMT_DROP_TABLE,   /* drop_table */
    FLOE_AST_STMT_ALTER_ADD,    /* ALTER TABLE t ADD [COLUMN] coldef: alter_add */
    FLOE_AST_STMT_INSERT,       /* insert */
    FLOE_AST_STMT_COPY,         /* copy */
    FLOE_AST_STMT_EXPLAIN,      /* explain */
    FLOE_AST_STMT_SHOW_TABLES,  /* no fields */
    FLOE_AST_STMT_DESCRIBE,     /* DESCRIBE t, DESC t: table */
    FLOE_AST_STMT_FLUSH,        /* FLUSH [TABLE] t: table */
    FLOE_AST_STMT_SET,          /* SET name {=|TO} value, RESET name: set; run by
                                 * api/ (api/settings.c), never bound */
    FLOE_AST_STMT_CREATE_INDEX, /* CREATE [UNIQUE] INDEX [IF NOT EXISTS] n ON t (cols): index */
    FLOE_AST_STMT_DROP_INDEX,   /* DROP INDEX [IF EXISTS] n: drop_obj */
    FLOE_AST_STMT_CREATE_VIEW,  /* CREATE [OR REPLACE] VIEW v [(cols)] AS query: view */
    FLOE_AST_STMT_DROP_VIEW,    /* DROP VIEW [IF EXISTS] v: drop_obj */
    FLOE_AST_STMT_PREPARE,      /* PREPARE name AS statement: prepare */
    FLOE_AST_STMT_EXECUTE,      /* EXECUTE name [(args)]: execute */
    FLOE_AST_STMT_DEALLOCATE,   /* DEALLOCATE [PREPARE] name | ALL: drop_obj (name NULL: ALL) */
    FLOE_AST_STMT_DELETE,       /* DELETE FROM t [[AS] a] [WHERE c]: dml (sql/parse_dml.c) */
    FLOE_AST_STMT_UPDATE,       /* UPDATE t [[AS] a] SET col = e, ... [WHERE c]: dml */
    FLOE_AST_STMT_CRAWL         /* CRAWL 'path' [INTO name]: crawl; run by db/crawl.c,
                                 * never bound */
} floe_ast_stmt_kind;

struct floe_ast_stmt {
    floe_ast_stmt_kind kind;
    int off; /* byte range of the statement, without the ';' and without */
    int len; /* leading/trailing blanks and comments */
    union {
        floe_ast_query *query; /* QUERY */
        struct {
            const char *table;
            bool if_not_exists;
            floe_ast_coldef *cols; /* (NULL, 0) for CREATE TABLE AS */
            int ncols;
            const char **partition_by; /* PARTITION BY (cols); (NULL, 0) */
            int npartition_by;
            const char **order_by;     /* ORDER BY (cols); (NULL, 0) */
            int norder_by;
            floe_ast_option *options;  /* WITH (name = value, ...); (NULL, 0) */
            int noptions;
            floe_ast_query *as_query;  /* CREATE TABLE t AS query; else NULL */
            floe_ast_tcons *cons;      /* table constraints; (NULL, 0) */
            int ncons;
        } create_table;
        struct {
            const char *table;
            bool if_exists;
        } drop_table;
        struct {
            const char *table;
            floe_ast_coldef col;
        } alter_add;
        struct {
            const char *table;
            const char **cols; /* (NULL, 0): all columns in table order */
            int ncols;
            floe_ast_query *query; /* VALUES (kind Q_VALUES) or SELECT ... */
            floe_ast_conflict on_conflict;
            const char **conflict_cols; /* ON CONFLICT (cols); (NULL, 0) when absent */
            int nconflict_cols;
        } insert;
        struct {
            bool to;               /* COPY ... TO file (false: FROM file) */
            const char *table;     /* NULL for COPY (query) TO */
            const char **cols;     /* (NULL, 0) when absent */
            int ncols;
            floe_ast_query *query; /* COPY (query) TO only; else NULL */
            const char *path;      /* the file name string */
            floe_ast_option *options; /* FORMAT, HEADER, DELIMITER, QUOTE, NULL,
                                       * REJECTS, ...; names are not checked */
            int noptions;
        } copy;
        struct {
            bool analyze;        /* EXPLAIN ANALYZE */
            floe_ast_stmt *stmt; /* the explained statement */
        } explain;
        struct {
            const char *name;     /* setting, lower case */
            floe_ast_expr *value; /* a literal or a bare word (FLOE_AST_COLUMN);
                                   * NULL for RESET */
        } set;
        const char *table; /* DESCRIBE, FLUSH */
        struct {
            const char *name;
            const char *table;
            const char **cols; /* at least one */
            int ncols;
            bool unique, if_not_exists;
        } index;
        struct {
            const char *name;
            bool if_exists;
        } drop_obj;
        struct {
            const char *name;
            floe_ast_stmt *stmt; /* its text is stmt->off .. +len of the SQL */
        } prepare;
        struct {
            const char *name;
            floe_ast_expr **args; /* (NULL, 0) when absent */
            int nargs;
        } execute;
        struct {
            const char *name;
            const char **cols; /* column aliases; (NULL, 0) when absent */
            int ncols;
            bool or_replace;
            floe_ast_query *query; /* its text is query->off .. +len of the SQL */
        } view;
        struct {
            const char *table;
            const char *alias;        /* NULL when absent */
            const char **set_cols;    /* UPDATE: assigned columns; (NULL, 0) for DELETE */
            floe_ast_expr **set_exprs; /* UPDATE: their values (nset) */
            int nset;
            floe_ast_expr *where;     /* NULL when absent */
        } dml;
        struct {
            const char *path; /* the path or glob string */
            const char *into; /* INTO name (a table name prefix), NULL when absent */
        } crawl;
    };
};

/* ---------------------------------------------------------------- printing */

/* Append the tree as SQL text that parses back to the same tree: every unary
 * and binary operation, IS, BETWEEN, IN and LIKE is parenthesised, keywords
 * are upper case, identifiers that need it are double-quoted, and literals
 * keep their written text. Used by tests and EXPLAIN. OOM is recorded in
 * `out` (floe_strbuf_ok). */
void floe_ast_format_expr(const floe_ast_expr *e, floe_strbuf *out);
void floe_ast_format_query(const floe_ast_query *q, floe_strbuf *out);
void floe_ast_format_stmt(const floe_ast_stmt *s, floe_strbuf *out);
/* Text of an operator ("+", "AND", "<>", ...). */
const char *floe_ast_binop_name(floe_ast_binop op);
/* Printing of constraints, ON CONFLICT, indexes and views (sql/parse_ddl.c),
 * called by floe_ast_format_stmt. */
void floe_ast_format_coldef_cons(const floe_ast_coldef *c, floe_strbuf *out);
void floe_ast_format_tcons(const floe_ast_tcons *t, floe_strbuf *out);
void floe_ast_format_ddl(const floe_ast_stmt *s, floe_strbuf *out);
void floe_ast_format_on_conflict(const floe_ast_stmt *s, floe_strbuf *out);
void floe_ast_format_prepared(const floe_ast_stmt *s, floe_strbuf *out);

#endif
