/* shell/demo.c: the sample-data producer behind `floe PATH --demo[=ROWS_PER_SEC]`.
 *
 * Creates the `events` table (the peers kit's schema) when it is missing,
 * loads a history of sample events ending now when it is empty, then appends
 * new events from a background thread at a steady rate through the public
 * appender, so a person at the prompt sees counts grow and parts appear.
 * Uses only floe.h. One producer thread per process; it stops at exit.
 */
#include "shell/demo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "datagen/gen.h"

#define DEMO_HISTORY_ROWS 1000000

static struct {
    floe_db *db;
    double rate; /* rows per second */
    pthread_t thread;
    atomic_int running;
} demo;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Columns for one batch of generated rows. */
typedef struct demo_cols {
    int64_t ts[2048], uid[2048];
    floe_string et[2048], ct[2048], dv[2048], url[2048];
    int32_t dur[2048];
    double rev[2048];
} demo_cols;

/* Generate n rows; when ts_now_us > 0, stamp them with the wall clock
 * (spaced by gap_us) instead of the generator's simulated arrival times. */
static int append_batch(floe_appender *app, floe_gen_events *g, demo_cols *c, uint32_t n,
                        int64_t ts_now_us, double gap_us)
{
    const void *data[8];
    uint32_t i;
    floe_gen_events_next(g, n, c->ts, c->uid, c->et, c->ct, c->dv, c->dur, c->rev, c->url);
    if (ts_now_us > 0)
        for (i = 0; i < n; i++) c->ts[i] = ts_now_us - (int64_t)((double)(n - 1 - i) * gap_us);
    data[0] = c->ts;
    data[1] = c->uid;
    data[2] = c->et;
    data[3] = c->ct;
    data[4] = c->dv;
    data[5] = c->dur;
    data[6] = c->rev;
    data[7] = c->url;
    return floe_appender_append_columns(app, n, data, NULL);
}

static void *producer(void *arg)
{
    static demo_cols cols;
    floe_appender *app = NULL;
    /* the distributions of a 10M-row stream; timestamps come from the clock */
    floe_gen_events *g = floe_gen_events_new(10000000, 20240102);
    int64_t start = now_us();
    uint64_t sent = 0;
    (void)arg;
    if (g == NULL || floe_appender_open(demo.db, "events", &app) != FLOE_OK) {
        fprintf(stderr, "demo: cannot start producer: %s\n",
                app ? floe_appender_errmsg(app) : floe_db_errmsg(demo.db));
        floe_appender_close(app);
        floe_gen_events_free(g);
        return NULL;
    }
    while (demo.running) {
        struct timespec nap = {0, 50 * 1000000L};
        double elapsed = (double)(now_us() - start) / 1e6;
        uint64_t due = (uint64_t)(elapsed * demo.rate);
        while (sent < due) {
            uint32_t n = due - sent > 2048 ? 2048 : (uint32_t)(due - sent);
            if (append_batch(app, g, &cols, n, now_us(), 1e6 / demo.rate) != FLOE_OK ||
                floe_appender_flush(app, NULL) != FLOE_OK) {
                fprintf(stderr, "demo: append failed: %s\n", floe_appender_errmsg(app));
                demo.running = 0;
                break;
            }
            sent += n;
        }
        nanosleep(&nap, NULL);
    }
    floe_appender_close(app);
    floe_gen_events_free(g);
    return NULL;
}

/* Load DEMO_HISTORY_ROWS events spread over the 7 days before now. */
static int load_history(floe_db *db)
{
    static demo_cols cols;
    floe_appender *app = NULL;
    floe_gen_events *g = floe_gen_events_new(DEMO_HISTORY_ROWS, 20240101);
    int64_t left = DEMO_HISTORY_ROWS;
    int rc;
    if (g == NULL) return FLOE_NOMEM;
    /* the generated window [2024-01-01, +7 days) becomes [now - 7 days, now) */
    floe_gen_events_set_ts_offset(g, now_us() - 7LL * 86400000000LL - 19723LL * 86400000000LL);
    rc = floe_appender_open(db, "events", &app);
    while (rc == FLOE_OK && left > 0) {
        uint32_t n = left > 2048 ? 2048 : (uint32_t)left;
        rc = append_batch(app, g, &cols, n, 0, 0);
        left -= n;
    }
    if (rc == FLOE_OK) rc = floe_appender_flush(app, NULL);
    if (rc != FLOE_OK)
        fprintf(stderr, "demo: loading sample history failed: %s\n",
                app ? floe_appender_errmsg(app) : floe_db_errmsg(db));
    floe_appender_close(app);
    floe_gen_events_free(g);
    return rc;
}

int shell_demo_start(floe_db *db, double rate)
{
    floe_result *res = NULL;
    int rc;
    if (demo.running) return FLOE_OK;
    rc = floe_exec(db, "CREATE TABLE IF NOT EXISTS events (" FLOE_GEN_EVENTS_SCHEMA
                       ") PARTITION BY (user_id) ORDER BY (ts)"
                       " WITH (flush_interval_ms = 5000, ttl = '30 days')");
    if (rc != FLOE_OK) {
        fprintf(stderr, "demo: %s\n", floe_db_errmsg(db));
        return rc;
    }
    rc = floe_query(db, "SELECT count(*) FROM events", &res);
    if (rc != FLOE_OK) {
        fprintf(stderr, "demo: %s\n", floe_db_errmsg(db));
        return rc;
    }
    if (floe_value_int64(res, 0, 0) == 0) {
        fprintf(stderr, "demo: loading %d sample events into 'events'...\n", DEMO_HISTORY_ROWS);
        rc = load_history(db);
    }
    floe_result_free(res);
    if (rc != FLOE_OK) return rc;
    demo.db = db;
    demo.rate = rate > 0 ? rate : 1000;
    demo.running = 1;
    if (pthread_create(&demo.thread, NULL, producer, NULL) != 0) {
        demo.running = 0;
        return FLOE_ERROR;
    }
    fprintf(stderr,
            "demo: streaming %.0f events/s into 'events' (try: SELECT count(*) FROM events; "
            "then .stats)\n",
            demo.rate);
    return FLOE_OK;
}

void shell_demo_stop(void)
{
    if (!demo.running) return;
    demo.running = 0;
    pthread_join(demo.thread, NULL);
}
