/* tests/unit/storage/test_part_source.c: the part scan source (api/) returns
 * exactly the rows a plain-array filter selects, prunes blocks by min/max,
 * and works with readers shared by concurrent scans. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "db/part_source.h"
#include "storage_testutil.h"

#define NPARTS 3
#define PROWS 5000
#define BROWS 1000
#define NROWS (NPARTS * PROWS)

static const char *kinds[] = {"click", "view", "purchase",
                              "a-very-long-event-type-name-beyond-the-prefix-limit-1",
                              "a-very-long-event-type-name-beyond-the-prefix-limit-2"};

/* Reference table: ts BIGINT (sorted), uid INTEGER (NULL ~10%), kind VARCHAR, val DOUBLE. */
typedef struct ref {
    int64_t ts[NROWS];
    int32_t uid[NROWS];
    int uid_null[NROWS];
    int kind[NROWS]; /* index into kinds; the first two parts never use kinds[4] */
    double val[NROWS];
} ref;

static ref R;
static char *dir;
static floe_part_reader *readers[NPARTS];
static floe_part_column cols[4];
static floe_part_schema schema = {cols, 4};

static void setup(void)
{
    floe_type ty[4] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_INTEGER),
                       floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_DOUBLE)};
    uint64_t s = 1234;
    uint32_t p, i;
    dir = tu_tmpdir();
    cols[0] = (floe_part_column){1, "ts", ty[0]};
    cols[1] = (floe_part_column){2, "uid", ty[1]};
    cols[2] = (floe_part_column){3, "kind", ty[2]};
    cols[3] = (floe_part_column){4, "val", ty[3]};
    for (p = 0; p < NPARTS; p++) {
        floe_batch b;
        floe_part_writer *w;
        floe_err err = FLOE_ERR_INIT;
        char pdir[4200];
        cr_assert_eq(floe_batch_init(&b, 4, ty, PROWS), FLOE_OK);
        for (i = 0; i < PROWS; i++) {
            uint32_t g = p * PROWS + i;
            R.ts[g] = (int64_t)g * 10;
            R.uid[g] = (int32_t)(tu_rand(&s) % 1000);
            R.uid_null[g] = tu_rand(&s) % 10 == 0;
            R.kind[g] = (int)(tu_rand(&s) % (p == NPARTS - 1 ? 5 : 4));
            R.val[g] = (double)(tu_rand(&s) % 100000) / 100.0;
            FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = R.ts[g];
            FLOE_VEC_DATA(&b.cols[1], int32_t)[i] = R.uid[g];
            if (R.uid_null[g]) floe_vec_set_null(&b.cols[1], i);
            floe_vec_set_string(&b.cols[2], i, kinds[R.kind[g]], (uint32_t)strlen(kinds[R.kind[g]]));
            FLOE_VEC_DATA(&b.cols[3], double)[i] = R.val[g];
        }
        b.n = PROWS;
        cr_assert_eq(floe_part_writer_open(dir, p + 1, &schema, BROWS, &w, &err), FLOE_OK);
        cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
        cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK, "%s", err.msg);
        floe_batch_free(&b);
        floe_part_dir(dir, p + 1, pdir, sizeof pdir);
        cr_assert_eq(floe_part_reader_open(pdir, &schema, &readers[p], &err), FLOE_OK, "%s", err.msg);
    }
}

static void teardown(void)
{
    uint32_t p;
    for (p = 0; p < NPARTS; p++) floe_part_reader_unref(readers[p]);
    tu_rmrf(dir);
    free(dir);
}

/* Plain evaluation of one predicate on reference row g. */
static int ref_pass(uint32_t g, const floe_scan_pred *p)
{
    int c = 0, isnull = p->col == 1 && R.uid_null[g];
    if (p->op == FLOE_PRED_IS_NULL) return isnull;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return !isnull;
    if (isnull) return 0;
    switch (p->col) {
    case 0: c = (R.ts[g] > p->value.v.i) - (R.ts[g] < p->value.v.i); break;
    case 1: c = (R.uid[g] > p->value.v.i) - (R.uid[g] < p->value.v.i); break;
    case 2: {
        const char *k = kinds[R.kind[g]];
        size_t kl = strlen(k), vl = p->value.v.s.len, n = kl < vl ? kl : vl;
        c = memcmp(k, p->value.v.s.ptr, n);
        c = c ? (c > 0) - (c < 0) : (kl > vl) - (kl < vl);
        break;
    }
    default: c = (R.val[g] > p->value.v.d) - (R.val[g] < p->value.v.d); break;
    }
    switch (p->op) {
    case FLOE_PRED_EQ: return c == 0;
    case FLOE_PRED_NE: return c != 0;
    case FLOE_PRED_LT: return c < 0;
    case FLOE_PRED_LE: return c <= 0;
    case FLOE_PRED_GT: return c > 0;
    default: return c >= 0;
    }
}

/* Scan the source with predicates; check every batch against the reference:
 * projected values equal the reference, every matching row is in sel. Returns
 * the number of matching rows found; *seen marks their global row numbers. */
static uint64_t dict_rows; /* selected rows whose VARCHAR came with its dictionary */

static uint32_t scan(floe_scan_source *src, const floe_scan_pred *preds, uint32_t np, char *seen)
{
    uint32_t proj[3] = {0, 2, 1}, m, found = 0;
    for (m = 0; m < src->vt->nmorsels(src->self); m++) {
        floe_scan_cursor *cur;
        floe_batch b;
        floe_err err = FLOE_ERR_INIT;
        int rc;
        if (!src->vt->morsel_may_match(src->self, m, preds, np)) continue;
        cr_assert_eq(src->vt->open(src->self, m, proj, 3, preds, np, &cur, &err), FLOE_OK, "%s", err.msg);
        while ((rc = src->vt->next(cur, &b, &err)) == FLOE_ROW) {
            uint32_t i, k = 0;
            cr_assert_eq(b.ncols, 3);
            for (i = 0; i < b.n; i++) {
                int64_t ts = FLOE_VEC_DATA(&b.cols[0], int64_t)[i];
                uint32_t g = (uint32_t)(ts / 10), q;
                floe_string ks = FLOE_VEC_DATA(&b.cols[1], floe_string)[i];
                int all = 1, in_sel;
                cr_assert_lt(g, NROWS);
                cr_assert_eq(!floe_vec_is_valid(&b.cols[2], i), R.uid_null[g]);
                if (!R.uid_null[g]) cr_assert_eq(FLOE_VEC_DATA(&b.cols[2], int32_t)[i], R.uid[g]);
                for (q = 0; q < np; q++) all &= ref_pass(g, &preds[q]);
                while (b.sel && k < b.nsel && b.sel[k] < i) k++;
                in_sel = b.sel == NULL || (k < b.nsel && b.sel[k] == i);
                /* values are promised at selected rows only (a column read
                 * through its dictionary is materialised there alone) */
                if (in_sel) {
                    cr_assert_eq(ks.len, strlen(kinds[R.kind[g]]));
                    cr_assert(memcmp(ks.ptr, kinds[R.kind[g]], ks.len) == 0);
                    if (b.cols[1].dict.codes) { /* a dictionary handed along must agree */
                        const floe_vec_dict *dc = &b.cols[1].dict;
                        cr_assert_lt(dc->codes[i], dc->nentries);
                        cr_assert_eq(dc->entries[dc->codes[i]].len, ks.len);
                        cr_assert(memcmp(dc->entries[dc->codes[i]].ptr, ks.ptr, ks.len) == 0);
                        cr_assert_neq(dc->id, 0);
                        dict_rows++;
                    }
                }
                if (all) {
                    cr_assert(in_sel, "row %u matches but is not selected", g);
                    cr_assert(!seen[g], "row %u twice", g);
                    seen[g] = 1;
                    found++;
                }
            }
            floe_batch_free(&b);
        }
        cr_assert_eq(rc, FLOE_DONE, "%s", err.msg);
        src->vt->close(cur);
    }
    return found;
}

static void check_query(const floe_scan_pred *preds, uint32_t np, uint64_t expect_blocks)
{
    floe_scan_source src;
    floe_err err = FLOE_ERR_INIT;
    static char seen[NROWS];
    uint32_t g, q, want = 0, found;
    cr_assert_eq(floe_part_source_new(readers, NPARTS, &src, &err), FLOE_OK);
    cr_assert_eq(src.vt->nmorsels(src.self), NROWS / BROWS);
    memset(seen, 0, sizeof seen);
    dict_rows = 0;
    found = scan(&src, preds, np, seen);
    /* the kinds column is dictionary-encoded: its batches carry the codes */
    if (found) cr_assert_gt(dict_rows, 0);
    for (g = 0; g < NROWS; g++) {
        int all = 1;
        for (q = 0; q < np; q++) all &= ref_pass(g, &preds[q]);
        want += all;
        if (all) cr_assert(seen[g], "row %u missing", g);
    }
    cr_assert_eq(found, want);
    if (expect_blocks != UINT64_MAX)
        cr_assert_eq(floe_part_source_blocks_opened(&src), expect_blocks, "opened %llu, expected %llu",
                     (unsigned long long)floe_part_source_blocks_opened(&src),
                     (unsigned long long)expect_blocks);
    src.vt->free(src.self);
}

static floe_scan_pred ipred(uint32_t col, floe_pred_op op, floe_type_id t, int64_t v)
{
    floe_scan_pred p;
    p.col = col;
    p.op = op;
    p.value = floe_value_null(floe_type_make(t));
    p.value.is_null = false;
    p.value.v.i = v;
    return p;
}

static floe_scan_pred dpred(floe_pred_op op, double v)
{
    floe_scan_pred p;
    p.col = 3;
    p.op = op;
    p.value = floe_value_null(floe_type_make(FLOE_TYPE_DOUBLE));
    p.value.is_null = false;
    p.value.v.d = v;
    return p;
}

static floe_scan_pred spred(floe_pred_op op, const char *s)
{
    floe_scan_pred p;
    p.col = 2;
    p.op = op;
    p.value = floe_value_null(floe_type_make(FLOE_TYPE_VARCHAR));
    p.value.is_null = false;
    p.value.v.s.ptr = s;
    p.value.v.s.len = (uint32_t)strlen(s);
    return p;
}

TestSuite(part_source, .init = setup, .fini = teardown);

Test(part_source, full_scan_returns_every_row)
{
    check_query(NULL, 0, NROWS / BROWS);
}

Test(part_source, range_predicates_prune_blocks)
{
    floe_scan_pred p[2];
    p[0] = ipred(0, FLOE_PRED_LT, FLOE_TYPE_BIGINT, 2500);     /* rows 0..249: block 0 */
    check_query(p, 1, 1);
    p[0] = ipred(0, FLOE_PRED_GE, FLOE_TYPE_BIGINT, 139990);   /* row 13999.. : blocks 13, 14 */
    check_query(p, 1, 2);
    p[0] = ipred(0, FLOE_PRED_EQ, FLOE_TYPE_BIGINT, 50000);    /* exactly row 5000 */
    check_query(p, 1, 1);
    p[0] = ipred(0, FLOE_PRED_GT, FLOE_TYPE_BIGINT, 20000);
    p[1] = ipred(0, FLOE_PRED_LE, FLOE_TYPE_BIGINT, 40000);    /* rows 2001..4000 */
    check_query(p, 2, 3);
    p[0] = ipred(0, FLOE_PRED_GT, FLOE_TYPE_BIGINT, 1000000);
    check_query(p, 1, 0);
    p[0] = ipred(1, FLOE_PRED_GE, FLOE_TYPE_INTEGER, 990);     /* random: no pruning, sel filters */
    check_query(p, 1, NROWS / BROWS);
    p[0] = ipred(1, FLOE_PRED_NE, FLOE_TYPE_INTEGER, 5);
    check_query(p, 1, UINT64_MAX);
    p[0] = dpred(FLOE_PRED_GT, 500.25);
    p[1] = dpred(FLOE_PRED_LE, 700.0);
    check_query(p, 2, UINT64_MAX);
    p[0] = dpred(FLOE_PRED_GT, 5000.0); /* above every max: pruned */
    check_query(p, 1, 0);
    p[0] = dpred(FLOE_PRED_EQ, R.val[777]);
    check_query(p, 1, UINT64_MAX);
}

Test(part_source, null_predicates)
{
    floe_scan_pred p[1];
    p[0] = ipred(1, FLOE_PRED_IS_NULL, FLOE_TYPE_INTEGER, 0);
    check_query(p, 1, UINT64_MAX);
    p[0] = ipred(1, FLOE_PRED_IS_NOT_NULL, FLOE_TYPE_INTEGER, 0);
    check_query(p, 1, UINT64_MAX);
}

Test(part_source, varchar_predicates_with_truncated_statistics)
{
    floe_scan_pred p[2];
    /* kinds[4] only occurs in the last part: its stats are truncated prefixes */
    p[0] = spred(FLOE_PRED_EQ, kinds[4]); /* between min and max everywhere: no pruning */
    check_query(p, 1, NROWS / BROWS);
    p[0] = spred(FLOE_PRED_GT, kinds[3]);
    check_query(p, 1, UINT64_MAX);
    p[0] = spred(FLOE_PRED_GE, "a-very-long-event-type-name-beyond-the-prefix-limit-1");
    check_query(p, 1, UINT64_MAX);
    p[0] = spred(FLOE_PRED_LT, "b");
    check_query(p, 1, UINT64_MAX);
    /* above the 32-byte min prefix: truncated stats cannot exclude it */
    p[0] = spred(FLOE_PRED_LE, "a-very-long-event-type-name-beyond-the-prefix-limit-0");
    check_query(p, 1, NROWS / BROWS);
    /* below the min prefix "a-very-long-event-type-name-beyo": pruned */
    p[0] = spred(FLOE_PRED_LE, "a-very-long-event-type-name-beyn-zzz");
    check_query(p, 1, 0);
    p[0] = spred(FLOE_PRED_EQ, "a-very-long-event-type-name-beyo");
    check_query(p, 1, 0);
    p[0] = spred(FLOE_PRED_GT, "view");
    check_query(p, 1, 0);
    p[0] = spred(FLOE_PRED_EQ, "view");
    p[1] = ipred(0, FLOE_PRED_LT, FLOE_TYPE_BIGINT, 30000);
    check_query(p, 2, 3);
}

Test(part_source, block_may_match_bounds_for_prefix_stats)
{
    floe_block_info bi;
    floe_type vt = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_scan_pred p;
    memset(&bi, 0, sizeof bi);
    bi.rows = 10;
    bi.flags = FLOE_BLOCK_MINMAX | FLOE_BLOCK_MAX_TRUNC | FLOE_BLOCK_MIN_TRUNC;
    bi.min = bi.max = floe_value_null(vt);
    bi.min.is_null = bi.max.is_null = false;
    bi.min.v.s.ptr = "abc";
    bi.min.v.s.len = 3; /* real min is "abc" + more */
    bi.max.v.s.ptr = "abd";
    bi.max.v.s.len = 3; /* real max is "abd" + more */
    p = spred(FLOE_PRED_EQ, "abdzzz");
    cr_assert(floe_part_source_block_may_match(&bi, vt, &p));
    p = spred(FLOE_PRED_EQ, "abe");
    cr_assert(!floe_part_source_block_may_match(&bi, vt, &p));
    p = spred(FLOE_PRED_EQ, "abc");
    cr_assert(!floe_part_source_block_may_match(&bi, vt, &p)); /* below the real min */
    p = spred(FLOE_PRED_GT, "abd");
    cr_assert(floe_part_source_block_may_match(&bi, vt, &p));
    p = spred(FLOE_PRED_LE, "abc");
    cr_assert(!floe_part_source_block_may_match(&bi, vt, &p));
    p = spred(FLOE_PRED_LT, "abca");
    cr_assert(floe_part_source_block_may_match(&bi, vt, &p));
    bi.nulls = 10;
    p = spred(FLOE_PRED_NE, "x");
    cr_assert(!floe_part_source_block_may_match(&bi, vt, &p));
    p.op = FLOE_PRED_IS_NULL;
    cr_assert(floe_part_source_block_may_match(&bi, vt, &p));
}

static void *scan_thread(void *arg)
{
    floe_scan_source *src = arg;
    char *seen = calloc(NROWS, 1);
    floe_scan_pred p = ipred(0, FLOE_PRED_GE, FLOE_TYPE_BIGINT, 0);
    uint32_t found = scan(src, &p, 1, seen);
    free(seen);
    return (void *)(uintptr_t)found;
}

Test(part_source, shared_readers_concurrent_scans)
{
    floe_scan_source a, b;
    floe_err err = FLOE_ERR_INIT;
    pthread_t t[4];
    void *res;
    int i;
    cr_assert_eq(floe_part_source_new(readers, NPARTS, &a, &err), FLOE_OK);
    cr_assert_eq(floe_part_source_new(readers, NPARTS, &b, &err), FLOE_OK);
    for (i = 0; i < 4; i++) pthread_create(&t[i], NULL, scan_thread, i % 2 ? &a : &b);
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], &res);
        cr_assert_eq((uint32_t)(uintptr_t)res, NROWS);
    }
    a.vt->free(a.self);
    /* b still works after a dropped its references */
    cr_assert_eq((uint32_t)(uintptr_t)scan_thread(&b), NROWS);
    b.vt->free(b.self);
}

/* A single 10000-row block: x = row number, y = row * 2. */
Test(part_source_lazy, skips_vectors_and_columns_without_matches)
{
    char *tdir = tu_tmpdir(), pdir[4200];
    floe_type ty[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_BIGINT)};
    floe_part_column pc[2] = {{1, "x", ty[0]}, {2, "y", ty[1]}};
    floe_part_schema sc = {pc, 2};
    floe_part_writer *w;
    floe_part_reader *r;
    floe_scan_source src;
    floe_scan_cursor *cur;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    floe_scan_pred p[2];
    uint32_t proj[1] = {1}, i, nb = 0, rows = 0;
    cr_assert_eq(floe_batch_init(&b, 2, ty, 10000), FLOE_OK);
    for (i = 0; i < 10000; i++) {
        FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = i % 2 ? 10000 + i : i; /* min/max cannot prune */
        FLOE_VEC_DATA(&b.cols[1], int64_t)[i] = (int64_t)i * 2;
    }
    b.n = 10000;
    cr_assert_eq(floe_part_writer_open(tdir, 1, &sc, 0, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK);
    floe_batch_free(&b);
    floe_part_dir(tdir, 1, pdir, sizeof pdir);
    cr_assert_eq(floe_part_reader_open(pdir, &sc, &r, &err), FLOE_OK);
    cr_assert_eq(floe_part_source_new(&r, 1, &src, &err), FLOE_OK);
    floe_part_reader_unref(r);

    /* rows 7000..7099 (even ones): only vector 3 (rows 6144..8191) has matches */
    p[0] = ipred(0, FLOE_PRED_GE, FLOE_TYPE_BIGINT, 7000);
    p[1] = ipred(0, FLOE_PRED_LT, FLOE_TYPE_BIGINT, 7100);
    cr_assert(src.vt->morsel_may_match(src.self, 0, p, 2));
    cr_assert_eq(src.vt->open(src.self, 0, proj, 1, p, 2, &cur, &err), FLOE_OK);
    while (src.vt->next(cur, &b, &err) == FLOE_ROW) {
        nb++;
        cr_assert_eq(b.n, 2048);
        for (i = 0; i < b.nsel; i++) {
            int64_t y = FLOE_VEC_DATA(&b.cols[0], int64_t)[b.sel[i]];
            cr_assert_eq(y % 4, 0);
            cr_assert(y >= 14000 && y < 14200, "y=%lld", (long long)y);
            rows++;
        }
        floe_batch_free(&b);
    }
    src.vt->close(cur);
    cr_assert_eq(nb, 1);
    cr_assert_eq(rows, 50);
    cr_assert_eq(floe_part_source_columns_decoded(&src), 2);

    /* x == 5001 matches nothing (odd rows hold 10000 + i): y is never decoded */
    p[0] = ipred(0, FLOE_PRED_EQ, FLOE_TYPE_BIGINT, 5001);
    cr_assert(src.vt->morsel_may_match(src.self, 0, p, 1));
    cr_assert_eq(src.vt->open(src.self, 0, proj, 1, p, 1, &cur, &err), FLOE_OK);
    cr_assert_eq(src.vt->next(cur, &b, &err), FLOE_DONE);
    src.vt->close(cur);
    cr_assert_eq(floe_part_source_columns_decoded(&src), 3);
    src.vt->free(src.self);
    tu_rmrf(tdir);
    free(tdir);
}

/* VARCHAR predicates on a dictionary-encoded column select exactly the
 * matching rows (the per-address comparison memo must not mix values). */
Test(part_source, varchar_predicates_select_exactly)
{
    static const floe_pred_op ops[6] = {FLOE_PRED_EQ, FLOE_PRED_NE, FLOE_PRED_LT,
                                        FLOE_PRED_LE, FLOE_PRED_GT, FLOE_PRED_GE};
    uint32_t o, kx, proj[1] = {0};
    for (kx = 0; kx < 5; kx++)
        for (o = 0; o < 6; o++) {
            floe_scan_source src;
            floe_err err = FLOE_ERR_INIT;
            floe_scan_pred p = spred(ops[o], kinds[kx]);
            uint32_t m, g, want = 0, got = 0;
            cr_assert_eq(floe_part_source_new(readers, NPARTS, &src, &err), FLOE_OK);
            for (g = 0; g < NROWS; g++) want += (uint32_t)ref_pass(g, &p);
            for (m = 0; m < src.vt->nmorsels(src.self); m++) {
                floe_scan_cursor *cur;
                floe_batch b;
                int rc;
                cr_assert_eq(src.vt->open(src.self, m, proj, 1, &p, 1, &cur, &err), FLOE_OK);
                while ((rc = src.vt->next(cur, &b, &err)) == FLOE_ROW) {
                    uint32_t i;
                    cr_assert_not_null(b.sel);
                    for (i = 0; i < b.nsel; i++) {
                        uint32_t r = b.sel[i];
                        g = (uint32_t)(FLOE_VEC_DATA(&b.cols[0], int64_t)[r] / 10);
                        cr_assert(ref_pass(g, &p), "row %u selected, op %u kind %u", g, o, kx);
                        got++;
                    }
                    floe_batch_free(&b);
                }
                cr_assert_eq(rc, FLOE_DONE);
                src.vt->close(cur);
            }
            cr_assert_eq(got, want, "op %u kind %u: %u selected, %u match", o, kx, got, want);
            src.vt->free(src.self);
        }
}
