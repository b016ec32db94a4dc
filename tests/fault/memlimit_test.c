/* tests/fault/memlimit_test.c: a GROUP BY too big for the process fails
 * with a clean FLOE error instead of dying.
 *
 * A child process caps its address space with setrlimit(RLIMIT_AS) (as a
 * cgroup would cap its memory; the OOM killer's SIGKILL becomes a failed
 * malloc or a crash), opens an in-memory database with memory_limit below
 * that cap and runs a GROUP BY over many distinct keys generated with a
 * cross join (k = a.v * 10000 + b.v over u(v) = 0..9999). The query must fail
 * with FLOE_NOMEM and the memory_limit message, and the database must still
 * answer a query afterwards and close. The parent checks the child exited
 * normally with status 0 (a signal, a crash or another error fails).
 *
 * Default: RLIMIT_AS 1.5 GiB, memory_limit 256 MB, 20M keys (the query
 * stops at the limit, a few seconds). FLOE_MEMLIMIT_FULL=1: memory_limit
 * 1 GB, as in issue #12 (slower: it aggregates ~15M keys before failing).
 *
 * Under ASan/TSan (MEMLIMIT_NO_RLIMIT) the address space is not capped, the
 * shadow memory needs terabytes of it; the memory_limit path is still run.
 *
 * Usage: memlimit_test [MEMORY_LIMIT_BYTES]  (an explicit limit overrides
 * the above, e.g. 4294967296 reproduces the old fixed 4 GiB query limit).
 * Prints "memlimit_test: ok: <message>" on success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floe.h"

#define AS_LIMIT (3ULL << 29) /* 1.5 GiB */

static int run_child(uint64_t memory_limit, int keys_millions)
{
    struct rlimit rl = {AS_LIMIT, AS_LIMIT};
    floe_open_options o;
    floe_db *db = NULL;
    floe_result *res = NULL;
    char sql[512];
    int rc;

#ifndef MEMLIMIT_NO_RLIMIT
    if (setrlimit(RLIMIT_AS, &rl) != 0) {
        perror("memlimit_test: setrlimit");
        return 2;
    }
#else
    (void)rl; /* sanitizer build: the memory_limit path alone */
#endif
    floe_open_options_init(&o);
    o.memory_limit = memory_limit;
    o.threads = 2;
    if (floe_db_open_ex(NULL, &o, &db) != FLOE_OK) {
        fprintf(stderr, "memlimit_test: open: %s\n", db ? floe_db_errmsg(db) : "no memory");
        return 2;
    }
    if (floe_exec(db, "CREATE TABLE t (v BIGINT);"
                      "INSERT INTO t VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
                      "CREATE TABLE u AS SELECT a.v*1000 + b.v*100 + c.v*10 + d.v AS v "
                      "FROM t a, t b, t c, t d") != FLOE_OK) {
        fprintf(stderr, "memlimit_test: setup: %s\n", floe_db_errmsg(db));
        return 2;
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT a.v * 10000 + b.v AS k, count(*) AS n FROM u a, u b "
             "WHERE a.v < %d GROUP BY k) s",
             keys_millions * 100);
    rc = floe_query(db, sql, &res);
    if (rc == FLOE_OK) {
        fprintf(stderr, "memlimit_test: the GROUP BY fit (%lld keys): raise the key count\n",
                (long long)floe_value_int64(res, 0, 0));
        floe_result_free(res);
        return 3;
    }
    if (rc != FLOE_NOMEM || strstr(floe_db_errmsg(db), "memory limit of") == NULL ||
        strstr(floe_db_errmsg(db), "SET memory_limit to raise it") == NULL) {
        fprintf(stderr, "memlimit_test: expected the memory_limit error, got %s: %s\n",
                floe_errstr(rc), floe_db_errmsg(db));
        return 4;
    }
    printf("memlimit_test: ok: %s\n", floe_db_errmsg(db));
    fflush(stdout);
    /* still usable, and everything the query held was given back */
    if (floe_query(db, "SELECT count(*) FROM (SELECT v % 1000 AS k FROM u GROUP BY k) s", &res) !=
            FLOE_OK ||
        floe_value_int64(res, 0, 0) != 1000) {
        fprintf(stderr, "memlimit_test: after the failure: %s\n", floe_db_errmsg(db));
        return 5;
    }
    floe_result_free(res);
    if (floe_db_close(db) != FLOE_OK) return 6;
    return 0;
}

int main(int argc, char **argv)
{
    const char *full = getenv("FLOE_MEMLIMIT_FULL");
    uint64_t limit = full && *full && *full != '0' ? 1000000000ULL : 256000000ULL;
    int status;
    pid_t pid;

    if (argc > 1) limit = strtoull(argv[1], NULL, 10);
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("memlimit_test: fork");
        return 2;
    }
    if (pid == 0) _exit(run_child(limit, 20));
    if (waitpid(pid, &status, 0) != pid) {
        perror("memlimit_test: waitpid");
        return 2;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "memlimit_test: FAILED: the child was killed by signal %d\n",
                WTERMSIG(status));
        return 1;
    }
    if (WEXITSTATUS(status) != 0) {
        fprintf(stderr, "memlimit_test: FAILED: the child exited with %d\n", WEXITSTATUS(status));
        return 1;
    }
    return 0;
}
