/* sql/bind_tablefn.c: binding of table functions in FROM.
 *
 * read_parquet('x/part-N.parquet', hive_partitioning = true) and its kind: the
 * arguments are folded to constants (a bare word is its text, like COPY's
 * options; lists and structs keep their shape) and handed to the catalog's
 * table_function callback, which answers like find_table: the columns,
 * an estimate of the rows and an opaque table_ref the plan's SCAN reads.
 * The binder knows no function names: the api owns them (db/lake_*.c).
 * Everything is allocated in the binder's arena.
 */
#include <string.h>

#include "sql/bind_internal.h"
#include "sql/bind_expr.h"

static int bind_arg(binder *b, const floe_ast_tfarg *a, floe_tf_arg *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    if (a->name && (out->name = floe_binder_strdup(b, a->name)) == NULL) return floe_binder_nomem(b);
    out->kind = a->kind == FLOE_AST_TFARG_LIST     ? FLOE_TF_LIST
                : a->kind == FLOE_AST_TFARG_STRUCT ? FLOE_TF_STRUCT
                                                   : FLOE_TF_SCALAR;
    if (out->kind == FLOE_TF_SCALAR) {
        const floe_ast_expr *ae = a->value;
        floe_expr *e;
        block bk;
        if (ae->kind == FLOE_AST_COLUMN && ae->column.table == NULL) {
            e = floe_binder_const_str(b, ae->column.name, strlen(ae->column.name));
            if (e == NULL) return floe_binder_nomem(b);
        } else {
            memset(&bk, 0, sizeof bk);
            bk.b = b;
            if ((rc = floe_binder_expr(&bk, ae, &e))) return rc;
        }
        if (e->kind != FLOE_EXPR_CONST)
            return floe_err_set_at(b->err, FLOE_ERROR, ae->off,
                                   "a table function's arguments must be constants");
        out->value = e->value;
        if (!e->value.is_null && e->value.type.id == FLOE_TYPE_VARCHAR) {
            char *s = floe_arena_strndup(b->a, e->value.v.s.ptr, e->value.v.s.len);
            if (s == NULL) return floe_binder_nomem(b);
            out->value.v.s.ptr = s;
        }
        return FLOE_OK;
    }
    out->nitems = (uint32_t)a->nitems;
    out->items = floe_arena_alloc(b->a, (a->nitems ? (size_t)a->nitems : 1) * sizeof *out->items);
    if (out->items == NULL) return floe_binder_nomem(b);
    for (int i = 0; i < a->nitems; i++) {
        if ((rc = bind_arg(b, &a->items[i], &out->items[i]))) return rc;
        if (a->kind == FLOE_AST_TFARG_STRUCT &&
            (out->items[i].name = floe_binder_strdup(b, a->items[i].name)) == NULL)
            return floe_binder_nomem(b);
    }
    return FLOE_OK;
}

int floe_binder_table_function(binder *b, const floe_ast_from *f, floe_cat_table *out)
{
    floe_tf_arg *args;
    int rc, i;
    memset(out, 0, sizeof *out);
    args = floe_arena_alloc(b->a, (f->func.nargs ? (size_t)f->func.nargs : 1) * sizeof *args);
    if (args == NULL) return floe_binder_nomem(b);
    for (i = 0; i < f->func.nargs; i++)
        if ((rc = bind_arg(b, &f->func.args[i], &args[i]))) return rc;
    if (b->cat->table_function == NULL)
        return floe_err_set_at(b->err, FLOE_ERROR, f->off, "table function \"%s\" does not exist",
                               f->func.name);
    rc = b->cat->table_function(b->cat->self, f->func.name, args, (uint32_t)f->func.nargs, out,
                                b->err);
    if (rc == FLOE_NOTFOUND)
        return floe_err_set_at(b->err, FLOE_ERROR, f->off,
                               "table function \"%s\" does not exist (read_parquet, read_csv, "
                               "read_json)",
                               f->func.name);
    return floe_binder_at(b, rc, f->off);
}
