/* tests/api/test_index_bloom.c: CREATE INDEX's per-block bloom filters
 * (db/block_bloom.h) make part scans skip blocks for `=` predicates that
 * min/max cannot prune, without ever skipping a block that holds the value.
 *
 * 300,000 rows of pseudo-random keys (every block's min/max spans nearly
 * the whole range) are flushed into one part of 5 blocks, the column is
 * indexed, and for present and absent probe values the test compares the
 * blocks the part source keeps with the blocks that really hold the value,
 * found by decoding every block (an independent path). Reaches inside db/
 * (tests may).
 *
 * `k IN (v1, v2, v3)` (engine/scan_in.h): the scan's IN hint, over the
 * indexed source, keeps every block holding one of the values and skips
 * nearly every block holding none; over the plain source (min/max only)
 * it keeps every block; and SQL answers with IN equal the data's. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "db/block_bloom.h"
#include "db/constraint.h"
#include "db/db.h"
#include "db/part_source.h"
#include "engine/expr.h"
#include "engine/plan.h"
#include "engine/scan_in.h"
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

    { /* k IN (a, b, c): a scan plan over columns (id, k) filtered by the IN */
        floe_expr col, items[3], in, *args[4];
        floe_plan plan;
        uint32_t cols[2] = {0, 1};
        floe_scan_in_hints *hp = NULL, *hi = NULL;
        uint32_t kept_none = 0, blocks_none = 0, q;
        memset(&col, 0, sizeof col);
        col.kind = FLOE_EXPR_COLUMN;
        col.type = floe_type_make(FLOE_TYPE_BIGINT);
        col.index = 1;
        memset(&in, 0, sizeof in);
        in.kind = FLOE_EXPR_IN_LIST;
        in.type = floe_type_make(FLOE_TYPE_BOOLEAN);
        in.nargs = 4;
        in.args = args;
        args[0] = &col;
        memset(&plan, 0, sizeof plan);
        plan.kind = FLOE_PLAN_SCAN;
        plan.ncols = 2;
        plan.u.scan.cols = cols;
        plan.u.scan.filter = &in;
        for (q = 0; q < 60; q++) {
            bool hold[64], anyv = false;
            uint32_t j;
            memset(hold, 0, sizeof hold);
            for (j = 0; j < 3; j++) {
                /* q even: one present value among absent ones; odd: all absent */
                int64_t v = (q % 2 == 0 && j == 1) ? key_of((int64_t)q * 4999 % NROWS)
                                                    : KEYS + (int64_t)(q * 3 + j);
                if (v >= KEYS) v = (int64_t)(((uint64_t)q * 3 + j) * 104729 % KEYS);
                memset(&items[j], 0, sizeof items[j]);
                items[j].kind = FLOE_EXPR_CONST;
                items[j].type = col.type;
                items[j].value.type = col.type;
                items[j].value.v.i = v;
                args[j + 1] = &items[j];
                true_blocks(&plain, v, has);
                for (m = 0; m < nm; m++) hold[m] |= has[m];
            }
            cr_assert_eq(floe_scan_in_hints_new(&plan, &hp, &err), FLOE_OK);
            cr_assert_eq(floe_scan_in_hints_new(&plan, &hi, &err), FLOE_OK);
            cr_assert_not_null(hi, "k IN (...) gives no hint");
            for (m = 0; m < nm; m++) anyv |= hold[m];
            for (m = 0; m < nm; m++) {
                bool keep = floe_scan_in_hints_may_match(hi, &indexed, m, NULL, 0);
                cr_assert(floe_scan_in_hints_may_match(hp, &plain, m, NULL, 0),
                          "min/max alone cannot prune these blocks");
                if (hold[m]) cr_assert(keep, "the IN hint dropped block %u holding a value", m);
                if (!anyv) {
                    kept_none += keep;
                    blocks_none++;
                }
            }
            floe_scan_in_hints_free(hp);
            floe_scan_in_hints_free(hi);
            hp = hi = NULL;
        }
        /* three absent values: ~3 x 1-2 % false positives per block */
        cr_assert(blocks_none > 0);
        cr_assert(kept_none * 8 < blocks_none, "kept %u of %u blocks for absent lists", kept_none, blocks_none);
        /* NOT IN gives no hint */
        in.negated = true;
        cr_assert_eq(floe_scan_in_hints_new(&plan, &hi, &err), FLOE_OK);
        cr_assert_null(hi);
    }
    { /* SQL: IN over the indexed column answers as the data says */
        int64_t a = key_of(7), b = key_of(123457), want = 0;
        char sql[160];
        for (i = 0; i < NROWS; i++) want += ks[i] == a || ks[i] == b || ks[i] == KEYS + 5;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM t WHERE k IN (%lld, %lld, %lld, NULL)", (long long)a,
                 (long long)b, (long long)KEYS + 5);
        cr_assert_eq(query_int(db, sql), want, "%s", sql);
        cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE k IN (1000001, 1000002)"), 0);
    }
    plain.vt->free(plain.self);
    indexed.vt->free(indexed.self);
    floe_db_close(db);
    free(dir);
}
