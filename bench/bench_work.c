/* bench/bench_work.c: the query, ingest, copy and mixed workloads. */
#include "bench/bench_work.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/bench_data.h"
#include "bench/bench_peer.h"
#include "bench/bench_queries.h"
#include "bench/bench_stats.h"
#include "bench/bench_table.h"
#include "util/mem.h"

void floe_bench_opts_defaults(floe_bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->workdir = "/tmp/floe-bench";
    o->sf = 0.5;
    o->rows = 2000000;
    o->runs = 5;
    o->threads = 2;
    o->modes = 7;
    o->batch = 10000;
    o->ingest_rows = 2000000;
    o->ingest_secs = 5.0;
    o->mixed_secs = 10.0;
    o->mixed_rate = 100000;
    o->mixed_producers = 2;
    o->mixed_batch = 1000;
    o->rtol = 1e-9;
    o->progress = stdout;
}

static int mkdirs(const char *dir, floe_err *err)
{
    char buf[1024];
    size_t i, n = strlen(dir);
    if (n >= sizeof buf) return floe_err_set(err, FLOE_RANGE, "path too long");
    memcpy(buf, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        buf[i] = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return floe_err_set(err, FLOE_IOERR, "mkdir %s: %s", buf, strerror(errno));
        buf[i] = dir[i];
    }
    return FLOE_OK;
}

static void peer_dir(const floe_bench_opts *o, const char *peer, const char *what, char *out,
                     size_t cap)
{
    snprintf(out, cap, "%s/%s-%s", o->workdir, peer, what);
}

/* snprintf for status texts, which are cut at their buffer's size by design */
static void sstatus(char *dst, size_t cap, const char *fmt, ...) FLOE_PRINTF(3, 4);
static void sstatus(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

static void note(const floe_bench_opts *o, const char *fmt, const char *a, const char *b)
{
    if (o->progress == NULL) return;
    fprintf(o->progress, "# ");
    fprintf(o->progress, fmt, a, b);
    fprintf(o->progress, "\n");
    fflush(o->progress);
}

/* ------------------------------------------------------------------ query */

typedef struct qpeer {
    floe_bench_peer *p;
    const char *name;
    int ok;                    /* loaded and verified */
    char why[160];             /* why not ok */
} qpeer;

#define LOAD_FLUSH_ROWS 1000000 /* bulk loads flush (commit) every this many rows */

static const char *const tpch_tables[8] = {"lineitem", "orders", "customer", "part",
                                           "supplier", "partsupp", "nation", "region"};

/* Whether q runs on `dataset`: its own, except that the lineitem-only TPC-H
 * queries (Q1, Q6) run on the 8 TPC-H tables when those are loaded, so that
 * --tpch-sf runs all 22 queries on one data set. */
static bool query_in_dataset(const floe_bench_opts *o, const floe_bench_query *q, const char *dataset)
{
    if (o->tpch_sf > 0 && strcmp(q->dataset, "lineitem") == 0) return strcmp(dataset, "tpch") == 0;
    return strcmp(q->dataset, dataset) == 0;
}

/* Load `dataset` ("lineitem", "events", or "tpch" = the 8 TPC-H tables) into
 * every peer and run its queries. */
static int run_dataset(const floe_bench_opts *o, const char *dataset, double size,
                       floe_bench_report *rep, floe_err *err)
{
    const char *const *tables = strcmp(dataset, "tpch") == 0 ? tpch_tables : &dataset;
    int ntables = strcmp(dataset, "tpch") == 0 ? 8 : 1;
    qpeer qp[FLOE_BENCH_MAX_PEERS];
    const floe_bench_query *qs;
    size_t nq, qi;
    int i, r, rc = FLOE_OK;
    char dir[1100];

    memset(qp, 0, sizeof qp);
    for (i = 0; i < o->npeers; i++) {
        floe_err e = FLOE_ERR_INIT;
        int ti;
        qp[i].name = o->peers[i];
        peer_dir(o, o->peers[i], dataset, dir, sizeof dir);
        if (floe_bench_peer_open(o->peers[i], dir, &qp[i].p, &e) != FLOE_OK) {
            note(o, "%s skipped: %s", o->peers[i], e.msg);
            continue;
        }
        qp[i].ok = 1;
        for (ti = 0; ti < ntables && qp[i].ok; ti++) {
            floe_bench_data *d = NULL;
            int64_t rows = 0, counted = -1;
            uint64_t bytes = 0;
            double t0 = floe_bench_now(), secs;
            char lname[64];
            snprintf(lname, sizeof lname, "%s%s", ntables > 1 ? "tpch_" : "", tables[ti]);
            if (floe_bench_peer_create_table(qp[i].p, floe_bench_schema_find(tables[ti]), &e) == FLOE_OK &&
                floe_bench_data_new(tables[ti], size, o->seed, &d, &e) == FLOE_OK &&
                floe_bench_peer_load(qp[i].p, d, LOAD_FLUSH_ROWS, &rows, &bytes, &e) == FLOE_OK &&
                floe_bench_peer_count(qp[i].p, tables[ti], &counted, &e) == FLOE_OK) {
                secs = floe_bench_now() - t0;
                if (counted != rows || (floe_bench_data_rows(d) >= 0 && rows != floe_bench_data_rows(d))) {
                    sstatus(qp[i].why, sizeof qp[i].why, "%s: count(*) %lld after loading %lld rows", tables[ti],
                            (long long)counted, (long long)rows);
                    qp[i].ok = 0;
                }
                rc = floe_bench_report_add(rep, "load", lname, qp[i].name, "rows/s", (double)rows / secs,
                                           (double)rows / secs, (double)rows / secs, -1, 1,
                                           qp[i].ok ? NULL : qp[i].why, o->progress, err);
            } else {
                sstatus(qp[i].why, sizeof qp[i].why, "load %s: %s", tables[ti], e.msg);
                qp[i].ok = 0;
                rc = floe_bench_report_add(rep, "load", lname, qp[i].name, "rows/s", 0, 0, 0, -1, 0, qp[i].why,
                                           o->progress, err);
            }
            floe_bench_data_free(d);
            if (rc != FLOE_OK) goto out;
        }
        if (qp[i].ok) { /* on-disk size of the loaded tables */
            uint64_t bytes = 0;
            if (floe_bench_peer_disk_bytes(qp[i].p, dir, &bytes, &e) == FLOE_OK)
                rc = floe_bench_report_add(rep, "disk", dataset, qp[i].name, "MiB", (double)bytes / 1048576.0,
                                           (double)bytes / 1048576.0, (double)bytes / 1048576.0, -1, 1, NULL,
                                           o->progress, err);
            else
                rc = floe_bench_report_add(rep, "disk", dataset, qp[i].name, "MiB", 0, 0, 0, -1, 0, e.msg,
                                           o->progress, err);
            if (rc != FLOE_OK) goto out;
        }
    }

    qs = floe_bench_queries(&nq);
    for (qi = 0; qi < nq; qi++) {
        const floe_bench_query *q = &qs[qi];
        floe_bench_table *ans[FLOE_BENCH_MAX_PEERS] = {0};
        floe_bench_samples warm[FLOE_BENCH_MAX_PEERS];
        double cold[FLOE_BENCH_MAX_PEERS];
        char status[FLOE_BENCH_MAX_PEERS][160];
        int notext[FLOE_BENCH_MAX_PEERS] = {0};
        int ref = -1;

        if (!query_in_dataset(o, q, dataset)) continue;
        for (i = 0; i < o->npeers; i++) {
            floe_err e = FLOE_ERR_INIT;
            floe_bench_samples init = FLOE_BENCH_SAMPLES_INIT;
            warm[i] = init;
            cold[i] = -1;
            sstatus(status[i], sizeof status[i], "%s", qp[i].ok ? "ok" : qp[i].why);
            if (!qp[i].ok) continue;
            if (floe_bench_query_sql(q, floe_bench_peer_dialect(qp[i].p)) == NULL) {
                notext[i] = 1; /* not run on this peer: no record */
                continue;
            }
            if (floe_bench_peer_query(qp[i].p, floe_bench_query_sql(q, floe_bench_peer_dialect(qp[i].p)),
                                      &cold[i], &ans[i], &e) != FLOE_OK)
                sstatus(status[i], sizeof status[i], "%s", e.msg);
            else if (ref < 0)
                ref = i; /* the first peer that answered is the reference */
        }
        for (i = 0; i < o->npeers; i++) {
            char why[140];
            if (ans[i] == NULL || i == ref) continue;
            if (!floe_bench_table_same(ans[ref], ans[i], o->rtol, why, sizeof why))
                sstatus(status[i], sizeof status[i], "answer differs from %s: %s", qp[ref].name, why);
        }
        for (r = 0; r < o->runs; r++)
            for (i = 0; i < o->npeers; i++) {
                floe_err e = FLOE_ERR_INIT;
                double secs;
                if (ans[i] == NULL || strcmp(status[i], "ok") != 0) continue;
                if (floe_bench_peer_query(qp[i].p, floe_bench_query_sql(q, floe_bench_peer_dialect(qp[i].p)),
                                          &secs, NULL, &e) != FLOE_OK)
                    sstatus(status[i], sizeof status[i], "%s", e.msg);
                else if ((rc = floe_bench_samples_add(&warm[i], secs, err)) != FLOE_OK)
                    break;
            }
        for (i = 0; i < o->npeers && rc == FLOE_OK; i++) {
            if (qp[i].p == NULL || notext[i]) continue;
            rc = floe_bench_report_add(rep, "query", q->name, qp[i].name, "s",
                                       floe_bench_samples_median(&warm[i]), floe_bench_samples_min(&warm[i]),
                                       floe_bench_samples_max(&warm[i]), cold[i], (long)warm[i].n,
                                       status[i], o->progress, err);
        }
        for (i = 0; i < o->npeers; i++) {
            floe_bench_table_free(ans[i]);
            floe_bench_samples_free(&warm[i]);
        }
        if (rc != FLOE_OK) goto out;
    }
out:
    for (i = 0; i < o->npeers; i++) floe_bench_peer_close(qp[i].p);
    return rc;
}

int floe_bench_run_query(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err)
{
    int rc;
    if ((rc = mkdirs(o->workdir, err)) != FLOE_OK) return rc;
    /* with the TPC-H tables loaded, Q1 and Q6 run there (query_in_dataset) */
    if (o->sf > 0 && o->tpch_sf <= 0 && (rc = run_dataset(o, "lineitem", o->sf, rep, err)) != FLOE_OK)
        return rc;
    if (o->tpch_sf > 0 && (rc = run_dataset(o, "tpch", o->tpch_sf, rep, err)) != FLOE_OK) return rc;
    if (o->rows > 0 && (rc = run_dataset(o, "events", (double)o->rows, rep, err)) != FLOE_OK) return rc;
    return FLOE_OK;
}

/* ----------------------------------------------------------------- ingest */

#define POOL_BATCHES 64

/* pre-generated events batches with owned strings, cycled by a producer */
typedef struct pool {
    floe_bench_batch b[POOL_BATCHES];
    uint64_t bytes[POOL_BATCHES];
    int n;
} pool;

static void pool_free(pool *p)
{
    int i;
    for (i = 0; i < POOL_BATCHES; i++) floe_bench_batch_free(&p->b[i]);
}

static int pool_init(pool *p, uint64_t seed, int64_t stream_rows, uint32_t rows_per_batch, floe_err *err)
{
    floe_bench_data *d = NULL;
    int rc;
    memset(p, 0, sizeof *p);
    if ((rc = floe_bench_data_new("events", (double)stream_rows, seed, &d, err)) != FLOE_OK) return rc;
    for (p->n = 0; p->n < POOL_BATCHES; p->n++) {
        floe_bench_batch *b = &p->b[p->n];
        if ((rc = floe_bench_batch_init(b, &floe_bench_events_schema, err)) != FLOE_OK) break;
        if (floe_bench_data_next(d, b, rows_per_batch) == 0) {
            floe_bench_batch_free(b);
            break;
        }
        if ((rc = floe_bench_batch_own_strings(b, err)) != FLOE_OK) break;
        p->bytes[p->n] = floe_bench_batch_bytes(b);
    }
    floe_bench_data_free(d);
    if (rc == FLOE_OK && p->n == 0) rc = floe_err_set(err, FLOE_ERROR, "empty batch pool");
    if (rc != FLOE_OK) pool_free(p);
    return rc;
}

typedef struct producer {
    floe_bench_peer *peer;
    pool pool;
    int64_t max_rows;          /* stop after this many rows */
    double deadline;           /* or at this time */
    uint32_t flush_rows;
    double rate;               /* rows/s for this producer; 0 = as fast as possible */
    volatile int *stop;        /* mixed: set by the client */
    /* shared acknowledgement state (mixed) */
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int64_t *acked;
    double *acked_at;
    /* results */
    int64_t rows;
    uint64_t bytes;
    int rc;
    floe_err err;
} producer;

static void *produce(void *arg)
{
    producer *w = arg;
    floe_bench_app *a = NULL;
    int64_t since = 0;
    int k = 0;
    double t0 = floe_bench_now();
    w->err.code = FLOE_OK;
    w->err.msg[0] = '\0';
    if ((w->rc = floe_bench_app_open(w->peer, &floe_bench_events_schema, &a, &w->err)) != FLOE_OK)
        return NULL;
    while (w->rows < w->max_rows && floe_bench_now() < w->deadline && !(w->stop && *w->stop)) {
        const floe_bench_batch *b = &w->pool.b[k];
        if ((w->rc = floe_bench_app_append(a, b, &w->err)) != FLOE_OK) break;
        w->rows += b->n;
        w->bytes += w->pool.bytes[k];
        since += b->n;
        k = (k + 1) % w->pool.n;
        if (since >= (int64_t)w->flush_rows) {
            if ((w->rc = floe_bench_app_flush(a, &w->err)) != FLOE_OK) break;
            if (w->mu) {
                pthread_mutex_lock(w->mu);
                *w->acked += since;
                *w->acked_at = floe_bench_now();
                pthread_cond_broadcast(w->cv);
                pthread_mutex_unlock(w->mu);
            }
            since = 0;
            if (w->rate > 0) floe_bench_sleep_until(t0 + (double)w->rows / w->rate);
        }
    }
    if (w->rc == FLOE_OK && since > 0) {
        w->rc = floe_bench_app_flush(a, &w->err);
        if (w->rc == FLOE_OK && w->mu) {
            pthread_mutex_lock(w->mu);
            *w->acked += since;
            *w->acked_at = floe_bench_now();
            pthread_cond_broadcast(w->cv);
            pthread_mutex_unlock(w->mu);
        }
    }
    floe_bench_app_close(a);
    return NULL;
}

/* Start nprod producers on peer (each with its own pool); fills w[]. */
static int start_producers(producer *w, int nprod, floe_bench_peer *peer, uint64_t seed,
                           const producer *tmpl, uint32_t rows_per_batch, floe_err *err)
{
    int i, rc;
    for (i = 0; i < nprod; i++) {
        w[i] = *tmpl;
        w[i].peer = peer;
        if ((rc = pool_init(&w[i].pool, (seed ? seed : FLOE_BENCH_EVENTS_SEED) + (uint64_t)i, 10000000,
                            rows_per_batch, err)) != FLOE_OK) {
            while (i-- > 0) pool_free(&w[i].pool);
            return rc;
        }
    }
    return FLOE_OK;
}

static int ingest_case(const floe_bench_opts *o, const char *peer_name, floe_bench_durability mode,
                       int nthreads, floe_bench_report *rep, floe_err *err)
{
    floe_bench_peer *p = NULL;
    floe_err e = FLOE_ERR_INIT;
    producer w[64], tmpl;
    pthread_t th[64];
    char dir[1100], name[64], status[200] = "ok";
    int64_t rows = 0, counted = -1;
    uint64_t bytes = 0;
    double t0, secs;
    int i, rc, started = 0;

    snprintf(name, sizeof name, "appender_t%d_%s_n%u", nthreads, floe_bench_durability_name(mode),
             o->batch);
    peer_dir(o, peer_name, "ingest", dir, sizeof dir);
    if (floe_bench_peer_open(peer_name, dir, &p, &e) != FLOE_OK) {
        note(o, "%s skipped: %s", peer_name, e.msg);
        return FLOE_OK;
    }
    rc = floe_bench_peer_set_durability(p, mode, &e);
    if (rc == FLOE_UNSUPPORTED) {
        note(o, "%s: %s", peer_name, e.msg);
        floe_bench_peer_close(p);
        return FLOE_OK;
    }
    if (rc != FLOE_OK || floe_bench_peer_create_table(p, &floe_bench_events_schema, &e) != FLOE_OK) {
        sstatus(status, sizeof status, "%s", e.msg);
        goto record;
    }
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.max_rows = o->ingest_rows / nthreads;
    tmpl.flush_rows = o->batch;
    if ((rc = start_producers(w, nthreads, p, o->seed, &tmpl,
                              o->batch < FLOE_BENCH_BATCH_ROWS ? o->batch : FLOE_BENCH_BATCH_ROWS, err)) != FLOE_OK) {
        floe_bench_peer_close(p);
        return rc;
    }
    t0 = floe_bench_now();
    for (i = 0; i < nthreads; i++) {
        w[i].deadline = t0 + o->ingest_secs;
        if (pthread_create(&th[i], NULL, produce, &w[i]) != 0) break;
        started++;
    }
    for (i = 0; i < started; i++) pthread_join(th[i], NULL);
    secs = floe_bench_now() - t0;
    for (i = 0; i < nthreads; i++) {
        rows += w[i].rows;
        bytes += w[i].bytes;
        if (w[i].rc != FLOE_OK && strcmp(status, "ok") == 0)
            sstatus(status, sizeof status, "producer %d: %s", i, w[i].err.msg);
        pool_free(&w[i].pool);
    }
    if (started < nthreads && strcmp(status, "ok") == 0) sstatus(status, sizeof status, "pthread_create failed");
    if (strcmp(status, "ok") == 0) {
        if (floe_bench_peer_count(p, "events", &counted, &e) != FLOE_OK)
            sstatus(status, sizeof status, "count: %s", e.msg);
        else if (counted != rows)
            sstatus(status, sizeof status, "count(*) %lld after appending %lld rows", (long long)counted,
                     (long long)rows);
    }
    if (strcmp(status, "ok") == 0) {
        floe_bench_peer_close(p);
        rc = floe_bench_report_add(rep, "ingest", name, peer_name, "rows/s", (double)rows / secs,
                                   (double)rows / secs, (double)rows / secs, -1, 1, NULL, o->progress, err);
        if (rc == FLOE_OK)
            rc = floe_bench_report_add(rep, "ingest", name, peer_name, "MB/s", (double)bytes / secs / 1e6,
                                       (double)bytes / secs / 1e6, (double)bytes / secs / 1e6, -1, 1, NULL,
                                       o->progress, err);
        return rc;
    }
record:
    floe_bench_peer_close(p);
    return floe_bench_report_add(rep, "ingest", name, peer_name, "rows/s", 0, 0, 0, -1, 0, status,
                                 o->progress, err);
}

int floe_bench_run_ingest(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err)
{
    int i, m, t, rc;
    if ((rc = mkdirs(o->workdir, err)) != FLOE_OK) return rc;
    for (m = 0; m < 3; m++) {
        if (!(o->modes & (1u << m))) continue;
        /* 1, 2, 4, ... and the maximum itself */
        for (t = 1; t <= o->threads && t <= 64; t = t * 2 > o->threads && t != o->threads ? o->threads : t * 2)
            for (i = 0; i < o->npeers; i++)
                if ((rc = ingest_case(o, o->peers[i], (floe_bench_durability)m, t, rep, err)) != FLOE_OK)
                    return rc;
    }
    return FLOE_OK;
}

int floe_bench_run_copy(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err)
{
    static const char *const sets[2] = {"lineitem", "events"};
    char csv[1100], dir[1100], status[200];
    int s, i, rc;
    if ((rc = mkdirs(o->workdir, err)) != FLOE_OK) return rc;
    for (s = 0; s < 2; s++) {
        double size = s == 0 ? o->sf : (double)o->rows;
        uint64_t bytes = 0;
        int64_t rows;
        floe_bench_data *d = NULL;
        if (!(size > 0)) continue;
        if ((rc = floe_bench_data_new(sets[s], size, o->seed, &d, err)) != FLOE_OK) return rc;
        rows = floe_bench_data_rows(d);
        floe_bench_data_free(d);
        snprintf(csv, sizeof csv, "%s/%s.csv", o->workdir, sets[s]);
        if ((rc = floe_bench_data_write_csv(sets[s], size, o->seed, csv, &bytes, err)) != FLOE_OK) return rc;
        for (i = 0; i < o->npeers; i++) {
            floe_bench_peer *p = NULL;
            floe_err e = FLOE_ERR_INIT;
            int64_t counted = -1;
            double t0, secs = 0;
            peer_dir(o, o->peers[i], "copy", dir, sizeof dir);
            if (floe_bench_peer_open(o->peers[i], dir, &p, &e) != FLOE_OK) {
                note(o, "%s skipped: %s", o->peers[i], e.msg);
                continue;
            }
            if (!floe_bench_peer_can_copy(p)) {
                note(o, "%s: %s", o->peers[i], "no COPY from CSV through its library; skipped");
                floe_bench_peer_close(p);
                continue;
            }
            sstatus(status, sizeof status, "ok");
            if (floe_bench_peer_create_table(p, floe_bench_schema_find(sets[s]), &e) != FLOE_OK) {
                sstatus(status, sizeof status, "%s", e.msg);
            } else {
                t0 = floe_bench_now();
                if (floe_bench_peer_copy_csv(p, floe_bench_schema_find(sets[s]), csv, &e) != FLOE_OK)
                    sstatus(status, sizeof status, "%s", e.msg);
                secs = floe_bench_now() - t0;
                if (strcmp(status, "ok") == 0 && floe_bench_peer_count(p, sets[s], &counted, &e) != FLOE_OK)
                    sstatus(status, sizeof status, "count: %s", e.msg);
                else if (strcmp(status, "ok") == 0 && counted != rows)
                    sstatus(status, sizeof status, "count(*) %lld after COPY of %lld rows",
                             (long long)counted, (long long)rows);
            }
            floe_bench_peer_close(p);
            if (strcmp(status, "ok") != 0) secs = 0;
            rc = floe_bench_report_add(rep, "copy", sets[s], o->peers[i], "rows/s",
                                       secs > 0 ? (double)rows / secs : 0, secs > 0 ? (double)rows / secs : 0,
                                       secs > 0 ? (double)rows / secs : 0, -1, 1, status, o->progress, err);
            if (rc == FLOE_OK && secs > 0)
                rc = floe_bench_report_add(rep, "copy", sets[s], o->peers[i], "MB/s", (double)bytes / secs / 1e6,
                                           (double)bytes / secs / 1e6, (double)bytes / secs / 1e6, -1, 1,
                                           NULL, o->progress, err);
            if (rc != FLOE_OK) return rc;
        }
        remove(csv);
    }
    return FLOE_OK;
}

/* ------------------------------------------------------------------ mixed */

static int mixed_peer(const floe_bench_opts *o, const char *peer_name, floe_bench_report *rep,
                      floe_err *err)
{
    floe_bench_peer *p = NULL;
    floe_err e = FLOE_ERR_INIT;
    producer w[64], tmpl;
    pthread_t th[64];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    volatile int stop = 0;
    int64_t acked = 0, total = 0;
    double acked_at = 0, t0, end, secs = 0;
    floe_bench_samples lat = FLOE_BENCH_SAMPLES_INIT, fresh = FLOE_BENCH_SAMPLES_INIT;
    const floe_bench_query *qs;
    size_t nq, qi = 0;
    char dir[1100], status[200] = "ok";
    int i, rc = FLOE_OK, nprod = o->mixed_producers < 1 ? 1 : o->mixed_producers > 64 ? 64 : o->mixed_producers;
    int started = 0;

    peer_dir(o, peer_name, "mixed", dir, sizeof dir);
    if (floe_bench_peer_open(peer_name, dir, &p, &e) != FLOE_OK) {
        note(o, "%s skipped: %s", peer_name, e.msg);
        return FLOE_OK;
    }
    if (floe_bench_peer_create_table(p, &floe_bench_events_schema, &e) != FLOE_OK) {
        sstatus(status, sizeof status, "%s", e.msg);
        goto record;
    }
    memset(&tmpl, 0, sizeof tmpl);
    tmpl.max_rows = INT64_MAX;
    tmpl.flush_rows = o->mixed_batch;
    tmpl.rate = o->mixed_rate / nprod;
    tmpl.stop = &stop;
    tmpl.mu = &mu;
    tmpl.cv = &cv;
    tmpl.acked = &acked;
    tmpl.acked_at = &acked_at;
    if ((rc = start_producers(w, nprod, p, o->seed, &tmpl,
                              o->mixed_batch < FLOE_BENCH_BATCH_ROWS ? o->mixed_batch : FLOE_BENCH_BATCH_ROWS,
                              err)) != FLOE_OK) {
        floe_bench_peer_close(p);
        return rc;
    }
    t0 = floe_bench_now();
    end = t0 + o->mixed_secs;
    for (i = 0; i < nprod; i++) {
        w[i].deadline = end + 60; /* the client stops them */
        if (pthread_create(&th[i], NULL, produce, &w[i]) != 0) break;
        started++;
    }
    qs = floe_bench_queries(&nq);
    while (floe_bench_now() < end && strcmp(status, "ok") == 0) {
        const floe_bench_query *q = &qs[qi++ % nq];
        int64_t want, seen = -1;
        double at, secs_q;
        if (strcmp(q->dataset, "events") != 0) continue;
        /* freshness: wait for the next acknowledgement, then poll until count(*) covers it */
        pthread_mutex_lock(&mu);
        want = acked;
        while (acked == want && floe_bench_now() < end) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50000000;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&cv, &mu, &ts);
        }
        want = acked;
        at = acked_at;
        pthread_mutex_unlock(&mu);
        while (want > 0 && seen < want) {
            if (floe_bench_peer_count(p, "events", &seen, &e) != FLOE_OK) {
                sstatus(status, sizeof status, "count: %s", e.msg);
                break;
            }
            if (floe_bench_now() - at > 10.0) {
                sstatus(status, sizeof status, "acknowledged rows not visible after 10 s");
                break;
            }
        }
        if (want > 0 && strcmp(status, "ok") == 0 &&
            (rc = floe_bench_samples_add(&fresh, (floe_bench_now() - at) * 1e3, err)) != FLOE_OK)
            break;
        if (strcmp(status, "ok") != 0) break;
        if (floe_bench_peer_query(p, floe_bench_query_sql(q, floe_bench_peer_dialect(p)), &secs_q, NULL, &e) !=
            FLOE_OK) {
            sstatus(status, sizeof status, "%s: %s", q->name, e.msg);
            break;
        }
        if ((rc = floe_bench_samples_add(&lat, secs_q * 1e3, err)) != FLOE_OK) break;
    }
    stop = 1;
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (i = 0; i < started; i++) pthread_join(th[i], NULL);
    secs = floe_bench_now() - t0;
    for (i = 0; i < nprod; i++) {
        total += w[i].rows;
        if (w[i].rc != FLOE_OK && strcmp(status, "ok") == 0)
            sstatus(status, sizeof status, "producer %d: %s", i, w[i].err.msg);
        pool_free(&w[i].pool);
    }
    if (rc != FLOE_OK) goto out;
record:
    if (strcmp(status, "ok") != 0) {
        rc = floe_bench_report_add(rep, "mixed", "query_latency", peer_name, "ms", 0, 0, 0, -1, 0, status,
                                   o->progress, err);
        goto out;
    }
    rc = floe_bench_report_add(rep, "mixed", "query_latency_p50", peer_name, "ms",
                               floe_bench_samples_pct(&lat, 50), floe_bench_samples_min(&lat),
                               floe_bench_samples_max(&lat), -1, (long)lat.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "query_latency_p95", peer_name, "ms",
                                   floe_bench_samples_pct(&lat, 95), floe_bench_samples_min(&lat),
                                   floe_bench_samples_max(&lat), -1, (long)lat.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "query_latency_p99", peer_name, "ms",
                                   floe_bench_samples_pct(&lat, 99), floe_bench_samples_min(&lat),
                                   floe_bench_samples_max(&lat), -1, (long)lat.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "freshness_p50", peer_name, "ms",
                                   floe_bench_samples_pct(&fresh, 50), floe_bench_samples_min(&fresh),
                                   floe_bench_samples_max(&fresh), -1, (long)fresh.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "freshness_p95", peer_name, "ms",
                                   floe_bench_samples_pct(&fresh, 95), floe_bench_samples_min(&fresh),
                                   floe_bench_samples_max(&fresh), -1, (long)fresh.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "freshness_p99", peer_name, "ms",
                                   floe_bench_samples_pct(&fresh, 99), floe_bench_samples_min(&fresh),
                                   floe_bench_samples_max(&fresh), -1, (long)fresh.n, NULL, o->progress, err);
    if (rc == FLOE_OK)
        rc = floe_bench_report_add(rep, "mixed", "append_rate", peer_name, "rows/s", (double)total / secs,
                                   (double)total / secs, (double)total / secs, -1, 1, NULL, o->progress, err);
out:
    floe_bench_samples_free(&lat);
    floe_bench_samples_free(&fresh);
    floe_bench_peer_close(p);
    return rc;
}

int floe_bench_run_mixed(const floe_bench_opts *o, floe_bench_report *rep, floe_err *err)
{
    int i, rc;
    if ((rc = mkdirs(o->workdir, err)) != FLOE_OK) return rc;
    for (i = 0; i < o->npeers; i++)
        if ((rc = mixed_peer(o, o->peers[i], rep, err)) != FLOE_OK) return rc;
    return FLOE_OK;
}
