/* tests/unit/engine/test_fastpaths.c: the executor's fast paths end to end
 * through floe.h on parts (several flushes) plus memtable rows: COUNT(*)
 * without columns, MIN/MAX by statistics, comparisons with a scalar subquery
 * pushed into the scan at run time, dictionary-address memos for VARCHAR
 * GROUP BY and filters. Every answer is checked against a plain C loop over
 * the generated rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe.h"

#define FP_ROWS 60000
#define FP_FLUSHED 45000 /* rows in parts; the rest stay in the memtable */

static const char *fp_kinds[5] = {"view", "click", "purchase", "a-rather-long-kind-name", ""};
static int64_t fp_ts[FP_ROWS], fp_v[FP_ROWS];
static int fp_k[FP_ROWS], fp_vnull[FP_ROWS];

static void fp_exec(floe_db *db, const char *sql) {
    cr_assert_eq(floe_exec(db, sql), FLOE_OK, "%s: %s", sql, floe_db_errmsg(db));
}

static int64_t fp_int(floe_db *db, const char *sql) {
    floe_result *res = NULL;
    int64_t v;
    cr_assert_eq(floe_query(db, sql, &res), FLOE_OK, "%s: %s", sql, floe_db_errmsg(db));
    cr_assert_eq(floe_result_row_count(res), 1, "%s", sql);
    v = floe_value_int64(res, 0, 0);
    floe_result_free(res);
    return v;
}

static floe_db *fp_open(char *dir) {
    const char *root = getenv("FLOE_TEST_TMP");
    floe_db *db = NULL;
    floe_appender *app = NULL;
    uint64_t s = 99;
    int i;
    snprintf(dir, 4096, "%s/fastpaths-XXXXXX", root && *root ? root : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK);
    fp_exec(db, "CREATE TABLE ev (ts BIGINT, kind VARCHAR, v BIGINT)");
    for (i = 0; i < FP_ROWS; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        fp_ts[i] = 1000 + (int64_t)i * 3; /* time-ordered */
        fp_k[i] = (int)(s % 5);
        fp_v[i] = (int64_t)((s >> 8) % 100000) - 50000;
        fp_vnull[i] = (s >> 40) % 23 == 0;
    }
    for (i = 0; i < FP_ROWS; i++) {
        if (app == NULL) cr_assert_eq(floe_appender_open(db, "ev", &app), FLOE_OK);
        floe_append_int64(app, fp_ts[i]);
        floe_append_text(app, fp_kinds[fp_k[i]]);
        if (fp_vnull[i])
            floe_append_null(app);
        else
            floe_append_int64(app, fp_v[i]);
        cr_assert_eq(floe_appender_end_row(app), FLOE_OK, "%s", floe_appender_errmsg(app));
        if ((i + 1) % 15000 == 0 && i + 1 <= FP_FLUSHED) {
            cr_assert_eq(floe_appender_close(app), FLOE_OK);
            app = NULL;
            fp_exec(db, "FLUSH ev");
        }
    }
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    return db;
}

Test(fastpaths, answers_match_plain_loops) {
    char dir[4096], sql[256];
    floe_db *db = fp_open(dir);
    int64_t mnv = INT64_MAX, mxv = INT64_MIN, lim, cnt;
    floe_result *res = NULL;
    int i, op, k;
    static const char *ops[6] = {">=", ">", "<", "<=", "=", "<>"};

    cr_assert_eq(fp_int(db, "SELECT count(*) FROM ev"), FP_ROWS);
    for (i = 0; i < FP_ROWS; i++)
        if (!fp_vnull[i]) {
            if (fp_v[i] < mnv) mnv = fp_v[i];
            if (fp_v[i] > mxv) mxv = fp_v[i];
        }
    cr_assert_eq(fp_int(db, "SELECT max(ts) FROM ev"), fp_ts[FP_ROWS - 1]);
    cr_assert_eq(fp_int(db, "SELECT min(ts) FROM ev"), fp_ts[0]);
    cr_assert_eq(fp_int(db, "SELECT min(v) FROM ev"), mnv);
    cr_assert_eq(fp_int(db, "SELECT max(v) FROM ev"), mxv);

    /* column <op> (scalar subquery), both ways round, over parts and memtable */
    lim = fp_ts[FP_ROWS - 1] - 3 * 20000;
    for (op = 0; op < 6; op++) {
        cnt = 0;
        for (i = 0; i < FP_ROWS; i++) {
            int64_t t = fp_ts[i];
            int pass = op == 0   ? t >= lim
                       : op == 1 ? t > lim
                       : op == 2 ? t < lim
                       : op == 3 ? t <= lim
                       : op == 4 ? t == lim
                                 : t != lim;
            cnt += pass;
        }
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ev WHERE ts %s (SELECT max(ts) - 60000 FROM ev)", ops[op]);
        cr_assert_eq(fp_int(db, sql), cnt, "%s", sql);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ev WHERE (SELECT max(ts) - 60000 FROM ev) %s ts AND v IS "
                 "NOT NULL",
                 ops[op]);
        cnt = 0;
        for (i = 0; i < FP_ROWS; i++) {
            int64_t t = fp_ts[i];
            int pass = op == 0   ? lim >= t
                       : op == 1 ? lim > t
                       : op == 2 ? lim < t
                       : op == 3 ? lim <= t
                       : op == 4 ? lim == t
                                 : lim != t;
            cnt += pass && !fp_vnull[i];
        }
        cr_assert_eq(fp_int(db, sql), cnt, "%s", sql);
    }
    /* a subquery yielding NULL: no row passes */
    cr_assert_eq(
        fp_int(db,
               "SELECT count(*) FROM ev WHERE ts >= (SELECT max(ts) FROM ev WHERE v > 1000000)"),
        0);

    /* VARCHAR filters and GROUP BY on dictionary-encoded parts */
    for (k = 0; k < 5; k++) {
        cnt = 0;
        for (i = 0; i < FP_ROWS; i++) cnt += fp_k[i] == k;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM ev WHERE kind = '%s'", fp_kinds[k]);
        cr_assert_eq(fp_int(db, sql), cnt, "%s", sql);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM ev WHERE kind < '%s'", fp_kinds[k]);
        cnt = 0;
        for (i = 0; i < FP_ROWS; i++) cnt += strcmp(fp_kinds[fp_k[i]], fp_kinds[k]) < 0;
        cr_assert_eq(fp_int(db, sql), cnt, "%s", sql);
    }
    cr_assert_eq(
        floe_query(db, "SELECT kind, count(*), sum(v) FROM ev GROUP BY kind ORDER BY kind", &res),
        FLOE_OK, "%s", floe_db_errmsg(db));
    cr_assert_eq(floe_result_row_count(res), 5);
    for (i = 0; i < 5; i++) {
        floe_string ks = floe_value_string(res, 0, (uint64_t)i);
        int64_t c = 0, sum = 0;
        int r;
        for (k = 0; k < 5; k++)
            if (strlen(fp_kinds[k]) == ks.len && memcmp(fp_kinds[k], ks.ptr, ks.len) == 0) break;
        cr_assert_lt(k, 5);
        for (r = 0; r < FP_ROWS; r++)
            if (fp_k[r] == k) {
                c++;
                if (!fp_vnull[r]) sum += fp_v[r];
            }
        cr_assert_eq(floe_value_int64(res, 1, (uint64_t)i), c);
        cr_assert_eq(floe_value_int64(res, 2, (uint64_t)i), sum);
    }
    floe_result_free(res);
    cr_assert_eq(floe_db_close(db), FLOE_OK);
}
