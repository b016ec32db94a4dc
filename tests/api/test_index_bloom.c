/* tests/api/test_index_bloom.c: CREATE INDEX's per-block bloom filters
 * (db/block_bloom.h) make part scans skip blocks for `=` predicates that
 * min/max cannot prune, without ever skipping a block that holds the value.
 *
 * 300,000 rows of pseudo-random keys (every block's min/max spans nearly
 * the whole range) are flushed into one part of 5 blocks, the column is
 * indexed, and for present and absent probe values the test compares the
 * blocks the part source keeps with the blocks that really hold the value,
 * found by decoding every block (an independent path). Reaches inside db/
 * (tests may). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "db/block_bloom.h"
#include "db/constraint.h"
#include "db/db.h"
#include "db/part_source.h"
#include "floe.h"
#include "tests/api/api_test_util.h"

#define NROWS 300000
#define KEYS 1000000

static int64_t key_of(int64_t i) { return (int64_t)(((uint64_t)i * 2654435761u) % KEYS); }

/* Blocks of the source's morsels that hold v, by decoding column 1. */
static void true_blocks(floe_scan_source *src, int64_t v, bool *has)
{
    uint32_t m, nm = src->vt->nmorsels(src->self), col = 1;
    for (m = 0; m < nm; m++) {
        floe_scan_cursor *cur = NULL;
        floe_err err = FLOE_ERR_INIT;
        has[m] = false;
        cr_assert_eq(src->vt->open(src->self, m, &col, 1, NULL, 0, &cur, &err), FLOE_OK);
        for (;;) {
            floe_batch b;
            uint32_t i;
            memset(&b, 0, sizeof b);
            if (src->vt->next(cur, &b, &err) != FLOE_ROW) {
                floe_batch_free(&b);
                break;
            }
            for (i = 0; i < b.n; i++)
                if (((int64_t *)b.cols[0].data)[i] == v) has[m] = true;
            floe_batch_free(&b);
        }
        src->vt->close(cur);
    }
}

Test(index_bloom, equality_skips_blocks_minmax_cannot)
{
    char *dir = scratch_dir("bloom");
    floe_db *db = NULL;
    floe_appender *app = NULL;
    static int64_t ids[NROWS], ks[NROWS];
    const void *data[2] = {ids, ks};
    floe_db_table *t;
    floe_scan_source plain, indexed;
    floe_part_blooms **bl;
    floe_err err = FLOE_ERR_INIT;
    uint32_t nm, m, p, kept_present = 0, true_present = 0, kept_absent = 0, probes_absent = 0;
    bool has[64];
    int64_t i;
    cr_assert_eq(floe_db_open(dir, FLOE_OPEN_CREATE, &db), FLOE_OK, "%s", floe_db_errmsg(db));
    exec_ok(db, "CREATE TABLE t(id BIGINT, k BIGINT) WITH (shards = 1, flush_rows = 10000000)");
    for (i = 0; i < NROWS; i++) {
        ids[i] = i;
        ks[i] = key_of(i);
    }
    cr_assert_eq(floe_appender_open(db, "t", &app), FLOE_OK);
    cr_assert_eq(floe_appender_append_columns(app, NROWS, data, NULL), FLOE_OK, "%s", floe_appender_errmsg(app));
    cr_assert_eq(floe_appender_close(app), FLOE_OK);
    exec_ok(db, "FLUSH t");
    exec_ok(db, "CREATE INDEX t_k ON t (k)");
    /* the answers with the index are the data's */
    for (p = 0; p < 5; p++) {
        char sql[96];
        int64_t v = key_of((int64_t)p * 40001), want = 0;
        for (i = 0; i < NROWS; i++) want += ks[i] == v;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM t WHERE k = %lld", (long long)v);
        cr_assert_eq(query_int(db, sql), want, "%s", sql);
    }

    { /* EXPLAIN names the index */
        floe_result *res = query_ok(db, "EXPLAIN SELECT id FROM t WHERE k = 5");
        uint64_t r;
        bool found = false;
        for (r = 0; r < floe_result_row_count(res); r++) {
            char *line = floe_value_text(res, 0, r);
            if (line && strstr(line, "Index t_k ON t (k)")) found = true;
            floe_free(line);
        }
        floe_result_free(res);
        cr_assert(found, "EXPLAIN does not show the index");
    }
    t = floe_db_find_table(db, "t");
    cr_assert_not_null(t);
    cr_assert_eq(t->nparts, 1);
    cr_assert_not_null(floe_db_cons_blooms(t));
    cr_assert_eq(floe_part_source_new(t->parts, t->nparts, &plain, &err), FLOE_OK);
    cr_assert_eq(floe_part_source_new(t->parts, t->nparts, &indexed, &err), FLOE_OK);
    bl = calloc(1, sizeof *bl);
    cr_assert_eq(floe_db_blooms_get(floe_db_cons_blooms(t), t->parts, t->nparts, bl, &err), FLOE_OK);
    floe_part_source_set_blooms(&indexed, bl);
    nm = plain.vt->nmorsels(plain.self);
    cr_assert(nm >= 4 && nm <= 64, "%u blocks", nm);
    for (p = 0; p < 200; p++) {
        floe_scan_pred pred;
        bool present = p % 2 == 0;
        int64_t v = present ? key_of((int64_t)p * 1499 % NROWS) : KEYS + (int64_t)p; /* absent: out of range */
        if (!present) v = (int64_t)((uint64_t)p * 7919 % KEYS);
        memset(&pred, 0, sizeof pred);
        pred.col = 1;
        pred.op = FLOE_PRED_EQ;
        pred.value.type = floe_type_make(FLOE_TYPE_BIGINT);
        pred.value.v.i = v;
        true_blocks(&plain, v, has);
        for (m = 0; m < nm; m++) {
            bool keep = indexed.vt->morsel_may_match(indexed.self, m, &pred, 1);
            if (!plain.vt->morsel_may_match(plain.self, m, &pred, 1)) cr_assert(!keep);
            if (has[m]) cr_assert(keep, "the filter dropped block %u holding %lld", m, (long long)v);
            bool any = false;
            uint32_t k;
            for (k = 0; k < nm; k++) any |= has[k];
            if (any) {
                kept_present += keep;
                true_present += has[m];
            } else {
                kept_absent += keep;
                probes_absent++;
            }
        }
    }
    /* values in no block: nearly every block skipped (~1-2 % false positives) */
    cr_assert(probes_absent > 0);
    cr_assert(kept_absent * 20 < probes_absent, "kept %u of %u absent-value blocks", kept_absent, probes_absent);
    cr_assert(kept_present < true_present + true_present / 5 + 10, "kept %u, true %u", kept_present, true_present);
    plain.vt->free(plain.self);
    indexed.vt->free(indexed.self);
    floe_db_close(db);
    free(dir);
}
