/* db/info_schema.h: information_schema.tables, .columns and
 * .table_constraints, system tables (db/system.h) over the catalog state.
 *
 *   tables             table_catalog, table_schema, table_name, table_type
 *                      ('BASE TABLE' or 'VIEW'), one row per table and view
 *   columns            table_catalog, table_schema, table_name, column_name,
 *                      ordinal_position (1-based), column_default, is_nullable
 *                      ('YES'/'NO'), data_type; tables only (a view's columns
 *                      are known when it is bound)
 *   table_constraints  table_name, constraint_name, constraint_type
 *                      ('PRIMARY KEY', 'UNIQUE', 'CHECK') and, floe's own,
 *                      the unique indexes as 'UNIQUE'
 * The catalog is 'floe' and the schema 'main' (DuckDB's names). Same
 * contract as db/system.h: rows built when the query starts.
 */
#ifndef FLOE_DB_INFO_SCHEMA_H
#define FLOE_DB_INFO_SCHEMA_H

#include <stdbool.h>

#include "db/db.h"
#include "engine/source.h"
#include "sql/binder.h"

bool floe_info_schema_find(const char *name, floe_cat_table *out);
bool floe_info_schema_is(const void *table_ref);
int floe_info_schema_source(floe_db *db, const void *table_ref, floe_scan_source *out,
                            floe_err *err);

#endif
