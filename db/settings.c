/* db/settings.c: memory_limit and threads, SET/RESET/current_setting, and
 * the database's memory accountant (see settings.h). */
#include "db/settings.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/result_build.h"
#include "ingest/table.h"
#include "util/sysmem.h"

#define MEMTABLE_MAX (512ULL << 20) /* memtables never get more by default */
#define MEMORY_LIMIT_MIN (1ULL << 20)
#define DEFAULT_WHEN_UNKNOWN (4ULL << 30) /* neither RAM nor cgroup could be read */

static const char *const known[] = {"memory_limit", "threads"};

static uint32_t cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

static uint64_t default_memory_limit(void)
{
    uint64_t d = floe_sysmem_default_limit();
    return d ? d : DEFAULT_WHEN_UNKNOWN;
}

void floe_settings_open(floe_db *db, const floe_open_options *o)
{
    floe_open_options defaults;
    if (o == NULL) {
        floe_open_options_init(&defaults);
        o = &defaults;
    }
    db->mem_limit_default = o->memory_limit ? o->memory_limit : default_memory_limit();
    atomic_init(&db->mem_limit, db->mem_limit_default);
    db->memtable_limit_opt = o->memtable_limit;
    atomic_init(&db->query_mem, 0);
    db->nthreads_default = o->threads ? o->threads : cpus();
    atomic_init(&db->nthreads, db->nthreads_default);
}

uint64_t floe_settings_memtable_limit(floe_db *db)
{
    uint64_t lim = atomic_load(&db->mem_limit);
    if (db->memtable_limit_opt) return db->memtable_limit_opt;
    return lim / 4 < MEMTABLE_MAX ? lim / 4 : MEMTABLE_MAX;
}

uint64_t floe_settings_query_limit(floe_db *db)
{
    uint64_t lim = atomic_load(&db->mem_limit), mt = floe_settings_memtable_limit(db);
    if (mt > lim / 2) mt = lim / 2; /* an explicit memtable_limit never starves queries */
    return lim - mt;
}

void floe_settings_apply_memtables(floe_db *db)
{
    if (db->ingest) floe_ingest_db_set_mem_limit(db->ingest, floe_settings_memtable_limit(db));
}

void floe_settings_exec_ctx(floe_db *db, floe_exec_ctx *ctx)
{
    ctx->mem_limit = floe_settings_query_limit(db);
    ctx->mem_shared = &db->query_mem;
    ctx->mem_limit_shown = atomic_load(&db->mem_limit);
    ctx->mem_hint = "SET memory_limit to raise it";
}

int floe_settings_charge(floe_db *db, int64_t delta, const char *what, floe_err *err)
{
    uint64_t all, limit;
    char lim[32], held[32];
    if (delta < 0) {
        atomic_fetch_sub(&db->query_mem, (uint64_t)-delta);
        return FLOE_OK;
    }
    all = atomic_fetch_add(&db->query_mem, (uint64_t)delta) + (uint64_t)delta;
    limit = floe_settings_query_limit(db);
    if (all <= limit) return FLOE_OK;
    return floe_err_set(err, FLOE_NOMEM,
                        "memory limit of %s exceeded by %s (%s held by all queries); SET "
                        "memory_limit to raise it",
                        floe_sysmem_format(atomic_load(&db->mem_limit), lim, sizeof lim), what,
                        floe_sysmem_format(all, held, sizeof held));
}

/* ------------------------------------------------------------------- SQL */

static int unknown_setting(const char *name, floe_err *err)
{
    return floe_err_set(err, FLOE_ERROR, "unknown setting '%s'; known settings: %s, %s", name,
                        known[0], known[1]);
}

/* The text of a SET value: a string, a number as written, or a bare word. */
static const char *value_text(const floe_ast_expr *e, char *buf, size_t cap)
{
    switch (e->kind) {
    case FLOE_AST_STRING: return e->str.s;
    case FLOE_AST_INT: return e->int_lit.text;
    case FLOE_AST_NUM: return e->num_lit.text;
    case FLOE_AST_COLUMN:
        if (e->column.table) return NULL;
        snprintf(buf, cap, "%s", e->column.name);
        return buf;
    default: return NULL;
    }
}

int floe_settings_run(floe_db *db, const floe_ast_stmt *s, floe_result **out, floe_err *err)
{
    const char *name = s->set.name;
    char wbuf[128];
    const char *text = NULL;
    int rc;

    *out = NULL;
    if (s->set.value) {
        text = value_text(s->set.value, wbuf, sizeof wbuf);
        if (text == NULL)
            return floe_err_set_at(err, FLOE_ERROR, s->set.value->off,
                                   "SET %s: the value must be a literal (e.g. '1GB' or 4)", name);
    }
    if (strcmp(name, "memory_limit") == 0 || strcmp(name, "max_memory") == 0) {
        uint64_t v = db->mem_limit_default;
        if (text) {
            uint64_t avail = floe_sysmem_available();
            if ((rc = floe_sysmem_parse_size(text, avail, &v, err)) != FLOE_OK) return rc;
            if (v < MEMORY_LIMIT_MIN)
                return floe_err_set(err, FLOE_RANGE,
                                    "SET memory_limit: '%s' is below the minimum of 1 MiB", text);
        }
        atomic_store(&db->mem_limit, v);
        floe_settings_apply_memtables(db);
    } else if (strcmp(name, "threads") == 0 || strcmp(name, "worker_threads") == 0) {
        uint32_t v = db->nthreads_default;
        if (text) {
            char *end;
            unsigned long long n = strtoull(text, &end, 10);
            if (end == text || *end || n < 1 || n > 4096 || text[0] == '-')
                return floe_err_set(err, FLOE_RANGE,
                                    "SET threads: '%s' is not a number of threads (1..4096)", text);
            v = (uint32_t)n;
        }
        atomic_store(&db->nthreads, v);
    } else {
        return unknown_setting(name, err);
    }
    *out = floe_result_new(0, NULL, NULL);
    return *out ? FLOE_OK : floe_err_nomem(err);
}

int floe_settings_current(floe_db *db, const floe_ast_stmt *s, floe_result **out, floe_err *err)
{
    const floe_ast_query *q;
    const floe_ast_expr *e;
    const char *name, *col, *names[1], *vals[1];
    floe_type vt = floe_type_make(FLOE_TYPE_VARCHAR);
    char buf[64];
    floe_result *res;
    int rc;

    *out = NULL;
    if (s->kind != FLOE_AST_STMT_QUERY) return FLOE_NOTFOUND;
    q = s->query;
    if (q->kind != FLOE_AST_Q_SELECT || q->nctes || q->norder_by || q->limit || q->offset ||
        q->select.distinct || q->select.ntargets != 1 || q->select.nfrom || q->select.where ||
        q->select.ngroup_by || q->select.having)
        return FLOE_NOTFOUND;
    e = q->select.targets[0].expr;
    if (e->kind != FLOE_AST_CALL || strcmp(e->call.name, "current_setting") != 0 ||
        e->call.nargs != 1 || e->call.distinct || e->call.args[0]->kind != FLOE_AST_STRING)
        return FLOE_NOTFOUND;
    name = e->call.args[0]->str.s;
    if (strcasecmp(name, "memory_limit") == 0 || strcasecmp(name, "max_memory") == 0)
        floe_sysmem_format(atomic_load(&db->mem_limit), buf, sizeof buf);
    else if (strcasecmp(name, "threads") == 0 || strcasecmp(name, "worker_threads") == 0)
        snprintf(buf, sizeof buf, "%u", (unsigned)atomic_load(&db->nthreads));
    else
        return unknown_setting(name, err);
    col = q->select.targets[0].alias ? q->select.targets[0].alias : "current_setting";
    names[0] = col;
    vals[0] = buf;
    res = floe_result_new(1, names, &vt);
    if (res == NULL) return floe_err_nomem(err);
    if ((rc = floe_result_append_text_row(res, vals, err)) != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}
