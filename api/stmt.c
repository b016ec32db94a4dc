/* api/stmt.c: prepared statements of the C API (floe_prepare, floe_bind_*,
 * floe_stmt_execute, floe_stmt_finalize; contract in floe.h).
 *
 * A floe_stmt keeps its SQL text (checked by parsing once) and the bound
 * values; executing runs the text through db/ with the values as the
 * statement's parameters (db/query.h floe_db_run_params), so each execution
 * is bound and planned afresh with the values as constants. The statement
 * owns its copies of the text and of bound strings.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "db/query.h"
#include "sql/parser.h"
#include "util/mem.h"

struct floe_stmt {
    floe_db *db;
    char *sql;         /* owned */
    floe_value *vals;  /* nvals; VARCHAR bytes owned (floe_malloc) */
    uint32_t nvals, capvals;
};

int floe_prepare(floe_db *db, const char *sql, floe_stmt **out)
{
    floe_err err = FLOE_ERR_INIT;
    floe_parser *p = NULL;
    floe_ast_stmt *ast = NULL;
    floe_stmt *st;
    int rc;
    if (out) *out = NULL;
    if (db == NULL || sql == NULL || out == NULL || !db->is_open) return FLOE_MISUSE;
    rc = floe_parser_parse_one(sql, strlen(sql), &p, &ast, &err);
    floe_parser_free(p);
    if (rc != FLOE_OK) return floe_db_set_error(db, &err);
    st = floe_calloc(1, sizeof *st);
    if (st == NULL || (st->sql = floe_strdup(sql)) == NULL) {
        floe_free(st);
        floe_err_nomem(&err);
        return floe_db_set_error(db, &err);
    }
    st->db = db;
    *out = st;
    return FLOE_OK;
}

/* The slot of parameter idx, growing the array (new slots are NULL). */
static floe_value *slot(floe_stmt *st, int idx)
{
    uint32_t i = (uint32_t)idx - 1;
    if (idx < 1 || idx > 65535) return NULL;
    if (i >= st->capvals) {
        uint32_t nc = st->capvals ? st->capvals : 8, k;
        floe_value *nv;
        while (nc <= i) nc *= 2;
        if ((nv = floe_realloc(st->vals, nc * sizeof *nv)) == NULL) return NULL;
        for (k = st->capvals; k < nc; k++) nv[k] = floe_value_null(floe_type_make(FLOE_TYPE_NULL));
        st->vals = nv;
        st->capvals = nc;
    }
    if (i >= st->nvals) st->nvals = i + 1;
    if (!st->vals[i].is_null && st->vals[i].type.id == FLOE_TYPE_VARCHAR)
        floe_free((void *)st->vals[i].v.s.ptr);
    st->vals[i] = floe_value_null(floe_type_make(FLOE_TYPE_NULL));
    return &st->vals[i];
}

int floe_bind_int64(floe_stmt *st, int idx, int64_t v)
{
    floe_value *x = st ? slot(st, idx) : NULL;
    if (x == NULL) return st && idx >= 1 && idx <= 65535 ? FLOE_NOMEM : FLOE_MISUSE;
    x->type = floe_type_make(FLOE_TYPE_BIGINT);
    x->is_null = false;
    x->v.i = v;
    return FLOE_OK;
}

int floe_bind_double(floe_stmt *st, int idx, double v)
{
    floe_value *x = st ? slot(st, idx) : NULL;
    if (x == NULL) return st && idx >= 1 && idx <= 65535 ? FLOE_NOMEM : FLOE_MISUSE;
    x->type = floe_type_make(FLOE_TYPE_DOUBLE);
    x->is_null = false;
    x->v.d = v;
    return FLOE_OK;
}

int floe_bind_text(floe_stmt *st, int idx, const char *s, int64_t len)
{
    floe_value *x;
    char *copy;
    size_t n;
    if (st == NULL || s == NULL) return FLOE_MISUSE;
    n = len < 0 ? strlen(s) : (size_t)len;
    if (n > UINT32_MAX) return FLOE_RANGE;
    if ((x = slot(st, idx)) == NULL) return idx >= 1 && idx <= 65535 ? FLOE_NOMEM : FLOE_MISUSE;
    if ((copy = floe_malloc(n + 1)) == NULL) return FLOE_NOMEM;
    memcpy(copy, s, n);
    copy[n] = '\0';
    x->type = floe_type_make(FLOE_TYPE_VARCHAR);
    x->is_null = false;
    x->v.s.ptr = copy;
    x->v.s.len = (uint32_t)n;
    return FLOE_OK;
}

int floe_bind_null(floe_stmt *st, int idx)
{
    if (st == NULL) return FLOE_MISUSE;
    return slot(st, idx) ? FLOE_OK : idx >= 1 && idx <= 65535 ? FLOE_NOMEM : FLOE_MISUSE;
}

int floe_stmt_execute(floe_stmt *st, floe_result **out_res)
{
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (out_res) *out_res = NULL;
    if (st == NULL || out_res == NULL) return FLOE_MISUSE;
    rc = floe_db_run_params(st->db, st->sql, 0, st->vals, st->nvals, out_res, &err);
    if (rc == FLOE_OK) floe_err_clear(&err);
    floe_db_set_error(st->db, &err);
    return rc;
}

int floe_stmt_finalize(floe_stmt *st)
{
    uint32_t i;
    if (st == NULL) return FLOE_OK;
    for (i = 0; i < st->nvals; i++)
        if (!st->vals[i].is_null && st->vals[i].type.id == FLOE_TYPE_VARCHAR)
            floe_free((void *)st->vals[i].v.s.ptr);
    floe_free(st->vals);
    floe_free(st->sql);
    floe_free(st);
    return FLOE_OK;
}
