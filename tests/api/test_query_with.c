/* tests/api/test_query_with.c: floe_query_with's per-call limits: a
 * timeout stops a long statement and nothing else, a cancel flag stops its
 * own call only (another call running at the same time on the same db
 * finishes), and a per-query memory limit fails one big GROUP BY while the
 * database's limit is untouched. */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "api_test_util.h"

/* u(v) = 0..9999 */
static floe_db *make_db(void)
{
    floe_db *db = NULL;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t (v BIGINT)");
    exec_ok(db, "INSERT INTO t VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)");
    exec_ok(db, "CREATE TABLE u AS SELECT a.v*1000 + b.v*100 + c.v*10 + d.v AS v "
                "FROM t a, t b, t c, t d");
    return db;
}

/* 10^12 pairs: never finishes in a test's time */
#define LONG_SQL "SELECT count(*) FROM u a, u b, u c WHERE a.v + b.v + c.v = -1"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(query_with, timeout_stops_the_statement_within_its_time)
{
    floe_db *db = make_db();
    floe_query_opts o;
    floe_error_info ei;
    floe_result *res = NULL;
    double t0;
    int rc;
    memset(&o, 0, sizeof o);
    o.timeout_ms = 200;
    t0 = now_s();
    rc = floe_query_with(db, LONG_SQL, &o, &res, &ei);
    cr_assert_eq(rc, FLOE_INTERRUPT, "rc %d: %s", rc, ei.msg);
    cr_assert_null(res);
    cr_assert(strstr(ei.msg, "query timeout of 200 ms exceeded") != NULL, "%s", ei.msg);
    cr_assert(now_s() - t0 < 5.0, "took %.2f s", now_s() - t0);
    /* a statement under its timeout runs normally; the db is fine */
    rc = floe_query_with(db, "SELECT count(*) FROM u", &o, &res, &ei);
    cr_assert_eq(rc, FLOE_OK, "%s", ei.msg);
    cr_assert_eq(floe_value_int64(res, 0, 0), 10000);
    floe_result_free(res);
    floe_db_close(db);
}

typedef struct call {
    floe_db *db;
    const char *sql;
    floe_cancel *cancel;
    int rc;
    int64_t value;
    floe_error_info ei;
} call;

static void *run_call(void *arg)
{
    call *c = arg;
    floe_query_opts o;
    floe_result *res = NULL;
    memset(&o, 0, sizeof o);
    o.cancel = c->cancel;
    c->rc = floe_query_with(c->db, c->sql, &o, &res, &c->ei);
    if (res) c->value = floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return NULL;
}

Test(query_with, cancel_stops_its_own_call_only)
{
    floe_db *db = make_db();
    floe_cancel *cx = NULL;
    pthread_t a, b;
    /* b: 10^8 pairs, about a second of work, not cancelled */
    call ca = {db, LONG_SQL, NULL, -1, 0, {0}};
    call cb = {db, "SELECT count(*) FROM u a, u b WHERE a.v + b.v >= 0", NULL, -1, 0, {0}};
    cr_assert_eq(floe_cancel_new(&cx), FLOE_OK);
    ca.cancel = cx;
    pthread_create(&a, NULL, run_call, &ca);
    pthread_create(&b, NULL, run_call, &cb);
    {
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    floe_cancel_fire(cx);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    cr_assert_eq(ca.rc, FLOE_INTERRUPT, "a: %d %s", ca.rc, ca.ei.msg);
    cr_assert_eq(cb.rc, FLOE_OK, "b: %d %s", cb.rc, cb.ei.msg);
    cr_assert_eq(cb.value, 100000000);
    floe_cancel_free(cx);
    floe_db_close(db);
}

Test(query_with, memory_limit_fails_one_query_not_the_database)
{
    floe_db *db = make_db();
    floe_query_opts o;
    floe_error_info ei;
    floe_result *res = NULL;
    int rc;
    /* 3,000,000 groups: far over 8 MB, well under the database's limit */
    const char *big = "SELECT count(*) FROM (SELECT a.v * 10000 + b.v AS k, count(*) FROM u a, u b "
                      "WHERE a.v < 300 GROUP BY k) s";
    memset(&o, 0, sizeof o);
    o.memory_limit = 8u << 20;
    rc = floe_query_with(db, big, &o, &res, &ei);
    cr_assert_eq(rc, FLOE_NOMEM, "rc %d: %s", rc, ei.msg);
    cr_assert(strstr(ei.msg, "query memory limit of 8.0 MiB exceeded") != NULL, "%s", ei.msg);
    o.memory_limit = 0;
    rc = floe_query_with(db, big, &o, &res, &ei);
    cr_assert_eq(rc, FLOE_OK, "%s", ei.msg);
    cr_assert_eq(floe_value_int64(res, 0, 0), 3000000);
    floe_result_free(res);
    floe_db_close(db);
}
