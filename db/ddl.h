/* db/ddl.h: running the DDL of constraints, indexes and views, and the
 * views the binder sees.
 *
 * CREATE TABLE with constraints stores them with the table in one catalog
 * transaction; CREATE [UNIQUE] INDEX / DROP INDEX change the catalog and
 * rebuild the table's runtime constraints (db/constraint.h), a UNIQUE index
 * first checking the existing rows; CREATE [OR REPLACE] VIEW / DROP VIEW
 * store the view's query as SQL text, and the binder gets views through
 * floe_db_find_view, which parses that text once per statement. Views are
 * kept in db->views (loaded at open, reloaded after each view DDL).
 *
 * Callers hold db->ddl_lock: exclusively for the DDL, shared for the rest.
 * Ownership: a floe_db_views lives for one statement and owns the parsed
 * view trees it handed out (freed with floe_db_views_free after the
 * statement has run).
 */
#ifndef FLOE_DB_DDL_H
#define FLOE_DB_DDL_H

#include "db/db.h"
#include "sql/binder.h"

typedef struct floe_db_views {
    floe_db *db;
    struct floe_parser **parsers; /* one per view parsed; owned */
    uint32_t n, cap;
    floe_arena *arena;            /* alias arrays; owned, created on first use */
} floe_db_views;

/* The binder's find_view callback over db->views. */
int floe_db_find_view(floe_db_views *v, const char *name, const floe_ast_query **out_query,
                      const char **out_sql, const char *const **out_cols, int *out_ncols,
                      floe_err *err);
void floe_db_views_free(floe_db_views *v); /* leaves it empty */
/* (Re)load db->views from the catalog. */
int floe_db_load_views(floe_db *db, floe_err *err);

/* Store a new table `def` with the constraints of `bc` (column ids 1..n). */
int floe_db_create_table(floe_db *db, const floe_table_def *def, const floe_bound_create *bc,
                         floe_err *err);
/* INSERT ... ON CONFLICT (cols): the columns must be a key of the table. */
int floe_db_check_conflict_target(const floe_bound_stmt *bs, floe_err *err);
/* EXPLAIN's lines for the indexes of the tables a plan scans:
 * "Index t_k ON t (k): block bloom filters for = predicates". */
struct floe_strbuf;
void floe_db_explain_indexes(const floe_query_plan *qp, struct floe_strbuf *out);
/* DESCRIBE's key column: append ", "-separated PRIMARY KEY / UNIQUE / INDEX
 * for the constraints and indexes of t that include column id `col_id`. */
void floe_db_describe_keys(const floe_db_table *t, uint32_t col_id, char *buf, size_t cap);
/* CREATE/DROP INDEX, CREATE/DROP VIEW. */
/* Rebuild t's constraints and key sets from the catalog and t's rows (after
 * a DELETE on a table with keys). Caller holds db->ddl_lock exclusively. */
int floe_db_reload_constraints(floe_db *db, floe_db_table *t, floe_err *err);
int floe_db_run_ddl(floe_db *db, const floe_bound_stmt *bs, floe_result **out, floe_err *err);

#endif
