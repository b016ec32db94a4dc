/* bench/bench_peer.c: dispatch over the peer engines, and the helpers every
 * workload shares (count, whole-stream load). */
#include "bench/bench_peer.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mem.h"

struct floe_bench_peer {
    const floe_bench_peer_ops *ops;
    void *state;
};

struct floe_bench_app {
    const floe_bench_peer_ops *ops;
    void *state;
};

const char *floe_bench_durability_name(floe_bench_durability d)
{
    switch (d) {
    case FLOE_BENCH_DUR_FULL: return "full";
    case FLOE_BENCH_DUR_BATCH: return "batch";
    default: return "off";
    }
}

static const floe_bench_peer_ops *const all_ops[] = {
    &floe_bench_peer_floe_ops,
    &floe_bench_peer_duckdb_ops, &floe_bench_peer_sqlite_ops, &floe_bench_peer_clickhouse_ops};

const floe_bench_peer_ops *floe_bench_peer_find(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof all_ops / sizeof all_ops[0]; i++)
        if (strcmp(all_ops[i]->name, name) == 0) return all_ops[i];
    return NULL;
}

int floe_bench_peer_open(const char *name, const char *dir, floe_bench_peer **out, floe_err *err)
{
    const floe_bench_peer_ops *ops = floe_bench_peer_find(name);
    floe_bench_peer *p;
    int rc;
    *out = NULL;
    if (ops == NULL) {
        if (strcmp(name, "floe") == 0)
            return floe_err_set(err, FLOE_NOTFOUND, "floe is not built yet (no api/db.c)");
        return floe_err_set(err, FLOE_NOTFOUND, "unknown peer '%s'", name);
    }
    p = floe_calloc(1, sizeof *p);
    if (p == NULL) return floe_err_nomem(err);
    p->ops = ops;
    if ((rc = ops->open(dir, &p->state, err)) != FLOE_OK) {
        floe_free(p);
        return rc;
    }
    *out = p;
    return FLOE_OK;
}

void floe_bench_peer_close(floe_bench_peer *p)
{
    if (p == NULL) return;
    p->ops->close(p->state);
    floe_free(p);
}

const char *floe_bench_peer_name(const floe_bench_peer *p) { return p->ops->name; }
const char *floe_bench_peer_dialect(const floe_bench_peer *p) { return p->ops->dialect; }
int floe_bench_peer_can_copy(const floe_bench_peer *p) { return p->ops->copy_csv != NULL; }

int floe_bench_peer_create_table(floe_bench_peer *p, const floe_bench_schema *s, floe_err *err)
{
    return p->ops->create_table(p->state, s, err);
}

int floe_bench_peer_set_durability(floe_bench_peer *p, floe_bench_durability d, floe_err *err)
{
    return p->ops->set_durability(p->state, d, err);
}

int floe_bench_peer_copy_csv(floe_bench_peer *p, const floe_bench_schema *s, const char *path,
                             floe_err *err)
{
    if (p->ops->copy_csv == NULL)
        return floe_err_set(err, FLOE_UNSUPPORTED, "%s: no COPY from CSV", p->ops->name);
    return p->ops->copy_csv(p->state, s, path, err);
}

int floe_bench_peer_query(floe_bench_peer *p, const char *sql, double *out_secs,
                          floe_bench_table **out, floe_err *err)
{
    double secs = 0;
    int rc;
    if (out) *out = NULL;
    rc = p->ops->query(p->state, sql, &secs, out, err);
    if (out_secs) *out_secs = secs;
    return rc;
}

static uint64_t dir_total; /* nftw has no user pointer; guarded by dir_mu */
static pthread_mutex_t dir_mu = PTHREAD_MUTEX_INITIALIZER;

static int add_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F && S_ISREG(st->st_mode)) dir_total += (uint64_t)st->st_blocks * 512;
    return 0;
}

uint64_t floe_bench_dir_bytes(const char *dir)
{
    uint64_t total;
    pthread_mutex_lock(&dir_mu);
    dir_total = 0;
    nftw(dir, add_file, 16, FTW_PHYS);
    total = dir_total;
    pthread_mutex_unlock(&dir_mu);
    return total;
}

int floe_bench_peer_disk_bytes(floe_bench_peer *p, const char *dir, uint64_t *out, floe_err *err)
{
    if (p->ops->disk_bytes != NULL) return p->ops->disk_bytes(p->state, dir, out, err);
    *out = floe_bench_dir_bytes(dir);
    return FLOE_OK;
}

int floe_bench_peer_count(floe_bench_peer *p, const char *table, int64_t *out, floe_err *err)
{
    char sql[128];
    floe_bench_table *t = NULL;
    const char *cell;
    char *end;
    int rc;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    if ((rc = floe_bench_peer_query(p, sql, NULL, &t, err)) != FLOE_OK) return rc;
    cell = t->nrows == 1 && t->ncols == 1 ? floe_bench_table_get(t, 0, 0) : NULL;
    if (cell == NULL) {
        floe_bench_table_free(t);
        return floe_err_set(err, FLOE_ERROR, "%s: count(*) gave no value", p->ops->name);
    }
    *out = (int64_t)strtoll(cell, &end, 10);
    floe_bench_table_free(t);
    return FLOE_OK;
}

int floe_bench_app_open(floe_bench_peer *p, const floe_bench_schema *s, floe_bench_app **out,
                        floe_err *err)
{
    floe_bench_app *a = floe_calloc(1, sizeof *a);
    int rc;
    *out = NULL;
    if (a == NULL) return floe_err_nomem(err);
    a->ops = p->ops;
    if ((rc = p->ops->app_open(p->state, s, &a->state, err)) != FLOE_OK) {
        floe_free(a);
        return rc;
    }
    *out = a;
    return FLOE_OK;
}

int floe_bench_app_append(floe_bench_app *a, const floe_bench_batch *b, floe_err *err)
{
    return a->ops->app_append(a->state, b, err);
}

int floe_bench_app_flush(floe_bench_app *a, floe_err *err) { return a->ops->app_flush(a->state, err); }

void floe_bench_app_close(floe_bench_app *a)
{
    if (a == NULL) return;
    a->ops->app_close(a->state);
    floe_free(a);
}

int floe_bench_peer_load(floe_bench_peer *p, floe_bench_data *d, uint64_t flush_rows,
                         int64_t *out_rows, uint64_t *out_bytes, floe_err *err)
{
    floe_bench_batch b;
    floe_bench_app *a = NULL;
    int64_t rows = 0;
    uint64_t bytes = 0, since = 0;
    int rc;
    if ((rc = floe_bench_batch_init(&b, floe_bench_data_schema(d), err)) != FLOE_OK) return rc;
    if ((rc = floe_bench_app_open(p, floe_bench_data_schema(d), &a, err)) != FLOE_OK) goto out;
    while (floe_bench_data_next(d, &b, FLOE_BENCH_BATCH_ROWS) > 0) {
        if ((rc = floe_bench_app_append(a, &b, err)) != FLOE_OK) goto out;
        rows += b.n;
        bytes += floe_bench_batch_bytes(&b);
        since += b.n;
        if (flush_rows && since >= flush_rows) {
            if ((rc = floe_bench_app_flush(a, err)) != FLOE_OK) goto out;
            since = 0;
        }
    }
    rc = floe_bench_app_flush(a, err);
out:
    floe_bench_app_close(a);
    floe_bench_batch_free(&b);
    if (out_rows) *out_rows = rows;
    if (out_bytes) *out_bytes = bytes;
    return rc;
}
