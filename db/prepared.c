/* db/prepared.c: PREPARE / EXECUTE / DEALLOCATE. Contract in db/prepared.h. */
#include "db/prepared.h"

#include <string.h>
#include <strings.h>

#include "db/query.h"
#include "db/result_build.h"
#include "sql/binder.h"
#include "util/mem.h"
#include "util/os.h"

static int find(const floe_db *db, const char *name)
{
    uint32_t i;
    for (i = 0; i < db->nprepared; i++)
        if (strcasecmp(db->prepared[i].name, name) == 0) return (int)i;
    return -1;
}

static int prepare(floe_db *db, const char *sql, const floe_ast_stmt *s, floe_err *err)
{
    const floe_ast_stmt *in = s->prepare.stmt;
    char *name = floe_strdup(s->prepare.name), *text = floe_strndup(sql + in->off, (size_t)in->len);
    int rc = FLOE_OK;
    if (name == NULL || text == NULL) rc = floe_err_nomem(err);
    pthread_mutex_lock(&db->prep_mu);
    if (rc == FLOE_OK && find(db, name) >= 0)
        rc = floe_err_set(err, FLOE_ERROR, "prepared statement \"%s\" already exists", name);
    if (rc == FLOE_OK && db->nprepared == db->capprepared) {
        uint32_t nc = db->capprepared ? db->capprepared * 2 : 8;
        floe_db_prepared *np = floe_realloc(db->prepared, nc * sizeof *np);
        if (np == NULL) rc = floe_err_nomem(err);
        else {
            db->prepared = np;
            db->capprepared = nc;
        }
    }
    if (rc == FLOE_OK) {
        db->prepared[db->nprepared].name = name;
        db->prepared[db->nprepared].sql = text;
        db->nprepared++;
    }
    pthread_mutex_unlock(&db->prep_mu);
    if (rc != FLOE_OK) {
        floe_free(name);
        floe_free(text);
    }
    return rc;
}

static int deallocate(floe_db *db, const char *name, floe_err *err)
{
    int rc = FLOE_OK, i;
    pthread_mutex_lock(&db->prep_mu);
    if (name == NULL) {
        pthread_mutex_unlock(&db->prep_mu);
        floe_db_prepared_free(db);
        return FLOE_OK;
    }
    if ((i = find(db, name)) < 0) {
        rc = floe_err_set(err, FLOE_ERROR, "prepared statement \"%s\" does not exist", name);
    } else {
        floe_free(db->prepared[i].name);
        floe_free(db->prepared[i].sql);
        memmove(&db->prepared[i], &db->prepared[i + 1], (db->nprepared - (uint32_t)i - 1) * sizeof *db->prepared);
        db->nprepared--;
    }
    pthread_mutex_unlock(&db->prep_mu);
    return rc;
}

static int execute(floe_db *db, const char *sql, unsigned flags, const floe_ast_stmt *s,
                   floe_result **out, floe_err *err)
{
    floe_arena *arena = floe_arena_new(0);
    floe_value *vals = NULL;
    char *text = NULL;
    int i, rc = FLOE_OK;
    if (arena == NULL) return floe_err_nomem(err);
    pthread_mutex_lock(&db->prep_mu);
    if ((i = find(db, s->execute.name)) < 0)
        rc = floe_err_set(err, FLOE_ERROR, "prepared statement \"%s\" does not exist", s->execute.name);
    else if ((text = floe_strdup(db->prepared[i].sql)) == NULL)
        rc = floe_err_nomem(err);
    pthread_mutex_unlock(&db->prep_mu);
    if (rc == FLOE_OK && s->execute.nargs) {
        if ((vals = floe_arena_alloc(arena, (size_t)s->execute.nargs * sizeof *vals)) == NULL)
            rc = floe_err_nomem(err);
        else
            rc = floe_bind_const_values(s->execute.args, (uint32_t)s->execute.nargs, sql,
                                        floe_os_clock_wall_us(), arena, vals, err);
    }
    if (rc == FLOE_OK) {
        rc = floe_db_run_params(db, text, flags, vals, (uint32_t)s->execute.nargs, out, err);
        if (rc != FLOE_OK && err) {
            err->offset = -1; /* it pointed into the prepared text */
            floe_err_prefix(err, "EXECUTE %s: ", s->execute.name);
        }
    }
    floe_free(text);
    floe_arena_free(arena);
    return rc;
}

int floe_db_prepared_run(floe_db *db, const char *sql, unsigned flags, const floe_ast_stmt *s,
                         floe_result **out, floe_err *err)
{
    int rc;
    *out = NULL;
    switch (s->kind) {
    case FLOE_AST_STMT_PREPARE: rc = prepare(db, sql, s, err); break;
    case FLOE_AST_STMT_DEALLOCATE: rc = deallocate(db, s->drop_obj.name, err); break;
    case FLOE_AST_STMT_EXECUTE: return execute(db, sql, flags, s, out, err);
    default: return floe_err_set(err, FLOE_MISUSE, "floe_db_prepared_run: not PREPARE/EXECUTE");
    }
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

void floe_db_prepared_free(floe_db *db)
{
    uint32_t i;
    pthread_mutex_lock(&db->prep_mu);
    for (i = 0; i < db->nprepared; i++) {
        floe_free(db->prepared[i].name);
        floe_free(db->prepared[i].sql);
    }
    floe_free(db->prepared);
    db->prepared = NULL;
    db->nprepared = db->capprepared = 0;
    pthread_mutex_unlock(&db->prep_mu);
}
