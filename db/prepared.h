/* db/prepared.h: named prepared statements (PREPARE / EXECUTE / DEALLOCATE).
 *
 * A prepared statement is its SQL text, kept per database handle (floe has
 * no sessions: every connection of a handle shares the names, like one
 * PostgreSQL session). EXECUTE name(args) evaluates the arguments as
 * constants and runs the text again with them as the values of $1.. (the
 * binder makes each a constant, so the plan is that of the statement with
 * literals in their places; it is re-planned at each EXECUTE, which also
 * picks up schema changes). The C API's floe_stmt (api/stmt.c) works the
 * same way on an unnamed statement.
 *
 * Thread-safety: the list is guarded by db->prep_mu; texts are copied out.
 */
#ifndef FLOE_DB_PREPARED_H
#define FLOE_DB_PREPARED_H

#include "db/db.h"
#include "sql/ast.h"

typedef struct floe_db_prepared {
    char *name; /* owned */
    char *sql;  /* owned: the statement's text */
} floe_db_prepared;

/* Run PREPARE, EXECUTE or DEALLOCATE (`sql` is the text `s` was parsed
 * from). EXECUTE's result is the statement's. */
int floe_db_prepared_run(floe_db *db, const char *sql, unsigned flags, const floe_ast_stmt *s,
                         floe_result **out, floe_err *err);
/* Free every prepared statement of db (at close). */
void floe_db_prepared_free(floe_db *db);

#endif
