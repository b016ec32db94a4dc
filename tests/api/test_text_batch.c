/* tests/api/test_text_batch.c: floe_append_text_batch's per-shard sequence
 * numbers (shard_first_seq/shard_last_seq) and keep_rejects (bad rows
 * skipped and reported with their lines, the good ones one batch). */
#include <criterion/criterion.h>
#include <string.h>

#include "api_test_util.h"

typedef struct seen {
    uint64_t lines[16];
    int n;
} seen;

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    seen *s = ctx;
    cr_assert(reason && *reason);
    if (s->n < 16) s->lines[s->n++] = line;
}

Test(text_batch, shard_seqs_cover_the_batch_and_follow_each_other)
{
    floe_db *db = NULL;
    uint64_t first[8], last[8], prev[8] = {0};
    floe_text_batch_opts o;
    floe_text_batch_result res;
    char body[4096];
    int round, i, len;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t (k BIGINT) PARTITION BY (k) WITH (shards = 4)");
    for (round = 0; round < 3; round++) {
        uint64_t total = 0;
        len = 0;
        for (i = 0; i < 200; i++) len += snprintf(body + len, sizeof body - (size_t)len, "%d\n", round * 200 + i);
        memset(&o, 0, sizeof o);
        o.format = FLOE_TEXT_CSV;
        o.shard_first_seq = first;
        o.shard_last_seq = last;
        o.shard_cap = 8;
        cr_assert_eq(floe_append_text_batch(db, "t", body, (size_t)len, &o, &res), FLOE_OK, "%s", res.error.msg);
        cr_assert_eq(res.nshards, 4);
        cr_assert_eq(res.rows, 200);
        for (i = 0; i < 4; i++) {
            if (last[i] == 0) {
                cr_assert_eq(first[i], 0);
                continue;
            }
            cr_assert_eq(first[i], prev[i] + 1, "shard %d: first %llu after %llu", i,
                         (unsigned long long)first[i], (unsigned long long)prev[i]);
            total += last[i] - first[i] + 1;
            prev[i] = last[i];
        }
        cr_assert_eq(total, 200);
    }
    /* the shards' last seqs add up to every row appended */
    cr_assert_eq(prev[0] + prev[1] + prev[2] + prev[3], 600);
    floe_db_close(db);
}

Test(text_batch, keep_rejects_skips_bad_rows_and_names_their_lines)
{
    floe_db *db = NULL;
    floe_text_batch_opts o;
    floe_text_batch_result res;
    seen s;
    const char *csv = "1,a\nx,b\n3,c\n4\n5,e\n";
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t (k BIGINT, v VARCHAR)");
    memset(&o, 0, sizeof o);
    memset(&s, 0, sizeof s);
    o.format = FLOE_TEXT_CSV;
    o.keep_rejects = 1;
    o.on_reject = on_reject;
    o.reject_ctx = &s;
    cr_assert_eq(floe_append_text_batch(db, "t", csv, strlen(csv), &o, &res), FLOE_OK, "%s", res.error.msg);
    cr_assert_eq(res.rows, 3);
    cr_assert_eq(res.rejected, 2);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(s.lines[0], 2);
    cr_assert_eq(s.lines[1], 4);
    cr_assert_eq(query_int(db, "SELECT sum(k) FROM t"), 1 + 3 + 5);
    /* without keep_rejects the same text fails whole, at line 2 */
    o.keep_rejects = 0;
    cr_assert_eq(floe_append_text_batch(db, "t", csv, strlen(csv), &o, &res), FLOE_PARSE);
    cr_assert_eq(res.error_line, 2);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t"), 3);
    floe_db_close(db);
}
