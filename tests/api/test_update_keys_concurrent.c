/* tests/api/test_update_keys_concurrent.c: UPDATE of a table with UNIQUE
 * keys while another thread INSERTs rows claiming the same key values.
 *
 * For each j, the main thread runs UPDATE k SET u = 5000 + j WHERE id = j
 * while an inserter thread runs INSERT INTO k VALUES (100000 + j, 5000 + j)
 * (the two start each j together, at a barrier):
 * both claim u = 5000 + j, so for every j exactly one may win (the other
 * fails with FLOE_CONSTRAINT). db/dml.c holds the constraints' mutex from
 * the key check to the commit, so no INSERT slips a key in between. The
 * test checks, independently of the key sets, that u has no duplicate
 * (count = count DISTINCT), that every claimed value is held exactly once,
 * and that the database reopens (reopening rebuilds the key sets from the
 * data and fails on a duplicate). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

#define N 80

static floe_db *g_db;
static int ins_ok, ins_conflict, ins_other;
static pthread_barrier_t g_bar; /* both threads start each j together */

static void *inserter(void *arg)
{
    int j;
    (void)arg;
    for (j = 0; j < N; j++) {
        char sql[128];
        int rc;
        snprintf(sql, sizeof sql, "INSERT INTO k VALUES (%d, %d)", 100000 + j, 5000 + j);
        pthread_barrier_wait(&g_bar);
        rc = floe_exec(g_db, sql);
        if (rc == FLOE_OK) ins_ok++;
        else if (rc == FLOE_CONSTRAINT) ins_conflict++;
        else ins_other++; /* asserted by the main thread */
    }
    return NULL;
}

Test(update_keys, concurrent_insert_claims_same_keys)
{
    char *dir = scratch_dir("updkeys");
    pthread_t th;
    int j, upd_ok = 0, upd_conflict = 0;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &g_db), FLOE_OK);
    exec_ok(g_db, "CREATE TABLE k(id BIGINT PRIMARY KEY, u BIGINT UNIQUE)");
    exec_ok(g_db, "INSERT INTO k SELECT i, i FROM range(1000) r(i)");
    pthread_barrier_init(&g_bar, NULL, 2);
    pthread_create(&th, NULL, inserter, NULL);
    for (j = 0; j < N; j++) {
        char sql[128];
        int rc;
        snprintf(sql, sizeof sql, "UPDATE k SET u = %d WHERE id = %d", 5000 + j, j);
        pthread_barrier_wait(&g_bar);
        rc = floe_exec(g_db, sql);
        if (rc == FLOE_OK) upd_ok++;
        else if (rc == FLOE_CONSTRAINT) upd_conflict++;
        else cr_assert_fail("UPDATE: %d %s", rc, floe_db_errmsg(g_db));
    }
    pthread_join(th, NULL);
    pthread_barrier_destroy(&g_bar);
    cr_log_info("UPDATE won %d, INSERT won %d", upd_ok, ins_ok);
    cr_assert_eq(ins_other, 0, "INSERTs failing for another reason than a key");
    cr_assert_eq(upd_ok + ins_ok, N, "updates %d + inserts %d won, want %d (conflicts %d, %d)", upd_ok, ins_ok,
                 N, upd_conflict, ins_conflict);
    cr_assert_eq(upd_conflict + ins_conflict, N);
    cr_assert_eq(query_int(g_db, "SELECT count(*) - count(DISTINCT u) FROM k"), 0);
    cr_assert_eq(query_int(g_db, "SELECT count(*) FROM k WHERE u BETWEEN 5000 AND 5000 + 79"), N);
    cr_assert_eq(query_int(g_db, "SELECT count(*) FROM k"), 1000 + ins_ok);
    floe_db_close(g_db);
    cr_assert_eq(floe_db_open(dir, 0, &g_db), FLOE_OK, "reopen: %s", floe_db_errmsg(g_db));
    cr_assert_eq(query_int(g_db, "SELECT count(*) - count(DISTINCT u) FROM k"), 0);
    floe_db_close(g_db);
    free(dir);
}
