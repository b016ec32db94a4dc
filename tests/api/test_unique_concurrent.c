/* tests/api/test_unique_concurrent.c: writers racing on overlapping keys of
 * a PRIMARY KEY table: every batch is appended whole or refused whole with
 * FLOE_CONSTRAINT, and the table ends with each key once and exactly the
 * rows of the accepted batches (the check and the append are one step,
 * db/constraint.h). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

#define THREADS 4
#define BATCHES 60
#define ROWS 100

typedef struct worker {
    floe_db *db;
    int id;
    atomic_int *accepted;
    int bad;
} worker;

static void *run(void *arg)
{
    worker *w = arg;
    floe_appender *app = NULL;
    int64_t ids[ROWS], vs[ROWS];
    const void *data[2] = {ids, vs};
    int b, i;
    if (floe_appender_open(w->db, "t", &app) != FLOE_OK) {
        w->bad = 1;
        return NULL;
    }
    for (b = 0; b < BATCHES; b++) {
        int rc;
        /* batch b of thread t: keys [b*60 + t*15, +100): neighbours overlap */
        for (i = 0; i < ROWS; i++) {
            ids[i] = (int64_t)b * 60 + w->id * 15 + i;
            vs[i] = (int64_t)w->id * 1000 + b; /* the batch */
        }
        rc = floe_appender_append_columns(app, ROWS, data, NULL);
        if (rc == FLOE_OK)
            atomic_fetch_add(w->accepted, 1);
        else if (rc != FLOE_CONSTRAINT)
            w->bad = 1;
    }
    floe_appender_close(app);
    return NULL;
}

Test(unique_concurrent, racing_writers_never_duplicate_a_key)
{
    floe_db *db = NULL;
    pthread_t th[THREADS];
    worker w[THREADS];
    atomic_int accepted;
    int i;
    atomic_init(&accepted, 0);
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t(id BIGINT PRIMARY KEY, v BIGINT) WITH (shards = 4)");
    for (i = 0; i < THREADS; i++) {
        w[i].db = db;
        w[i].id = i;
        w[i].accepted = &accepted;
        w[i].bad = 0;
        cr_assert_eq(pthread_create(&th[i], NULL, run, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].bad, 0, "thread %d got an unexpected error", i);
    }
    cr_assert_gt(atomic_load(&accepted), 0);
    cr_assert_lt(atomic_load(&accepted), THREADS * BATCHES, "overlapping batches were all accepted");
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), (int64_t)atomic_load(&accepted) * ROWS);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT id) FROM t"), (int64_t)atomic_load(&accepted) * ROWS);
    /* a batch is whole: every accepted (thread, batch) has its 100 rows */
    cr_assert_eq(query_int(db, "SELECT count(*) FROM (SELECT v, count(*) AS n FROM t GROUP BY v) "
                               "WHERE n <> 100"), 0);
    cr_assert_eq(query_int(db, "SELECT count(DISTINCT v) FROM t"), (int64_t)atomic_load(&accepted));
    floe_db_close(db);
}
