/* tests/unit/ingest/test_mem_source.c: the engine scan source over snapshots. */
#include "db/mem_source.h"
#include "ingest/table.h"
#include "ingest_test_util.h"

/* Table of all types plus a leading BIGINT id (the partition key). */
#define NC (TU_NTYPES + 1)

static void scan_all(floe_scan_source *src, const tu_ref *ref, uint8_t *seen, uint64_t *out_rows)
{
    uint32_t m, nm = src->vt->nmorsels(src->self);
    /* produce the columns reversed to check the column mapping */
    uint32_t cols[NC], i;
    for (i = 0; i < NC; i++) cols[i] = NC - 1 - i;
    *out_rows = 0;
    for (m = 0; m < nm; m++) {
        floe_scan_cursor *cur;
        floe_batch b;
        floe_err err = FLOE_ERR_INIT;
        uint64_t mr = src->vt->morsel_rows(src->self, m);
        cr_assert(src->vt->morsel_may_match(src->self, m, NULL, 0));
        cr_assert_eq(src->vt->open(src->self, m, cols, NC, NULL, 0, &cur, &err), FLOE_OK, "%s", err.msg);
        memset(&b, 0, sizeof b);
        cr_assert_eq(src->vt->next(cur, &b, &err), FLOE_ROW);
        cr_assert_eq(b.n, mr);
        cr_assert_leq(b.n, FLOE_VEC_SIZE);
        cr_assert_eq(b.ncols, NC);
        for (i = 0; i < b.n; i++) {
            uint32_t c;
            int64_t id = FLOE_VEC_DATA(&b.cols[NC - 1], int64_t)[i];
            cr_assert(id >= 0 && (uint64_t)id < ref->nrows);
            cr_assert_eq(seen[id], 0, "id %lld twice", (long long)id);
            seen[id] = 1;
            for (c = 0; c < NC; c++) {
                floe_value got;
                const floe_vec *v = &b.cols[NC - 1 - c];
                cr_assert_eq(v->n, b.n);
                if (!floe_vec_is_valid(v, i)) got = floe_value_null(v->type);
                else floe_value_load(v->type, v->data, i, &got);
                cr_assert(tu_value_eq(&got, &ref->vals[(uint64_t)id * NC + c]), "id %lld col %u",
                          (long long)id, c);
            }
        }
        *out_rows += b.n;
        floe_batch_free(&b);
        memset(&b, 0, sizeof b);
        cr_assert_eq(src->vt->next(cur, &b, &err), FLOE_DONE);
        src->vt->close(cur);
    }
}

static void append_random(floe_ingest_table *t, tu_ref *ref, uint64_t *seed, uint32_t nbatches)
{
    floe_type types[NC];
    floe_value row[NC];
    uint32_t k, i;
    types[0] = floe_type_make(FLOE_TYPE_BIGINT);
    tu_all_types(types + 1);
    for (k = 0; k < nbatches; k++) {
        floe_batch b, sub;
        uint32_t n = 1 + (uint32_t)(tu_rand(seed) % 3000);
        cr_assert_eq(floe_batch_init(&b, NC, types, n), FLOE_OK);
        /* random data in columns 1.., unique ids in column 0 */
        sub = b;
        sub.cols = b.cols + 1;
        sub.ncols = NC - 1;
        tu_fill_random(&sub, n, seed, 4);
        for (i = 0; i < n; i++) FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = (int64_t)(ref->nrows + i);
        b.cols[0].n = n;
        b.n = n;
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        for (i = 0; i < n; i++) {
            tu_batch_row(&b, i, row);
            tu_ref_push(ref, row);
        }
        floe_batch_free(&b);
    }
}

Test(mem_source, scans_every_snapshot_row_once_with_borrowed_vectors)
{
    floe_type types[NC];
    floe_ingest_db_opts dbo;
    floe_ingest_table_opts to;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    floe_scan_source src;
    tu_ref ref = {0};
    uint64_t seed = 17, rows, snap_rows;
    uint8_t *seen;

    types[0] = floe_type_make(FLOE_TYPE_BIGINT);
    tu_all_types(types + 1);
    ref.ncols = NC;
    memset(&dbo, 0, sizeof dbo);
    dbo.durability = FLOE_DURABILITY_OFF;
    cr_assert_eq(floe_ingest_db_open(&dbo, &db, NULL), FLOE_OK);
    memset(&to, 0, sizeof to);
    to.table_id = 1;
    to.ncols = NC;
    to.types = types;
    to.partition_col = 0;
    to.nshards = 3;
    to.flush_rows = 5000; /* frozen memtables show up in snapshots too */
    cr_assert_eq(floe_ingest_table_open(db, &to, &t, NULL), FLOE_OK);
    append_random(t, &ref, &seed, 12);

    floe_ingest_read_lock(t);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    floe_ingest_read_unlock(t);
    snap_rows = ref.nrows;
    cr_assert_eq(sn->rows, snap_rows);
    cr_assert_eq(floe_mem_source_new(sn, &src, NULL), FLOE_OK);
    /* rows appended after the snapshot are not seen by it */
    append_random(t, &ref, &seed, 3);
    seen = calloc(ref.nrows, 1);
    scan_all(&src, &ref, seen, &rows);
    cr_assert_eq(rows, snap_rows);
    for (uint64_t i = 0; i < snap_rows; i++) cr_assert(seen[i]);
    src.vt->free(src.self);
    free(seen);

    /* a fresh snapshot sees everything */
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(floe_mem_source_new(sn, &src, NULL), FLOE_OK);
    seen = calloc(ref.nrows, 1);
    scan_all(&src, &ref, seen, &rows);
    cr_assert_eq(rows, ref.nrows);
    src.vt->free(src.self);
    free(seen);

    tu_ref_free(&ref);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

Test(mem_source, empty_snapshot_has_no_morsels)
{
    floe_type ty = floe_type_make(FLOE_TYPE_INTEGER);
    floe_ingest_db_opts dbo;
    floe_ingest_table_opts to;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    floe_scan_source src;
    floe_scan_cursor *cur;
    uint32_t col = 0;
    memset(&dbo, 0, sizeof dbo);
    cr_assert_eq(floe_ingest_db_open(&dbo, &db, NULL), FLOE_OK);
    memset(&to, 0, sizeof to);
    to.ncols = 1;
    to.types = &ty;
    to.partition_col = -1;
    to.nshards = 2;
    cr_assert_eq(floe_ingest_table_open(db, &to, &t, NULL), FLOE_OK);
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(floe_mem_source_new(sn, &src, NULL), FLOE_OK);
    cr_assert_eq(src.vt->nmorsels(src.self), 0);
    cr_assert_eq(src.vt->open(src.self, 0, &col, 1, NULL, 0, &cur, NULL), FLOE_MISUSE);
    src.vt->free(src.self);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

/* Does row i of vector v satisfy p? (plain reference) */
static bool row_matches(const floe_vec *v, uint32_t i, const floe_scan_pred *p)
{
    bool valid = floe_vec_is_valid(v, i);
    double x, y;
    if (p->op == FLOE_PRED_IS_NULL) return !valid;
    if (p->op == FLOE_PRED_IS_NOT_NULL) return valid;
    if (!valid) return false;
    if (v->type.id == FLOE_TYPE_DOUBLE) {
        x = FLOE_VEC_DATA(v, double)[i];
        y = p->value.v.d;
    } else {
        x = (double)FLOE_VEC_DATA(v, int64_t)[i];
        y = (double)p->value.v.i;
    }
    switch (p->op) {
    case FLOE_PRED_EQ: return x == y;
    case FLOE_PRED_NE: return x != y;
    case FLOE_PRED_LT: return x < y;
    case FLOE_PRED_LE: return x <= y;
    case FLOE_PRED_GT: return x > y;
    case FLOE_PRED_GE: return x >= y;
    default: return true;
    }
}

Test(mem_source, chunk_statistics_prune_only_non_matching_morsels)
{
    floe_type types[2] = {floe_type_make(FLOE_TYPE_TIMESTAMP), floe_type_make(FLOE_TYPE_DOUBLE)};
    floe_ingest_db_opts dbo;
    floe_ingest_table_opts to;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_ingest_snapshot *sn;
    floe_scan_source src;
    uint64_t seed = 3, pruned = 0, kept = 0;
    int64_t ts = 1000000;
    uint32_t m, nm, k;
    int it;

    memset(&dbo, 0, sizeof dbo);
    cr_assert_eq(floe_ingest_db_open(&dbo, &db, NULL), FLOE_OK);
    memset(&to, 0, sizeof to);
    to.ncols = 2;
    to.types = types;
    to.partition_col = -1;
    to.nshards = 2;
    to.flush_rows = 7000; /* some memtables frozen, some active */
    cr_assert_eq(floe_ingest_table_open(db, &to, &t, NULL), FLOE_OK);
    for (it = 0; it < 20; it++) {
        floe_batch b;
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 3000), i;
        cr_assert_eq(floe_batch_init(&b, 2, types, n), FLOE_OK);
        for (i = 0; i < n; i++) {
            FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = ts;
            ts += (int64_t)(tu_rand(&seed) % 1000);
            if (tu_rand(&seed) % 10 == 0) floe_vec_set_null(&b.cols[0], i);
            FLOE_VEC_DATA(&b.cols[1], double)[i] = (double)(tu_rand(&seed) % 100000) / 7.0 - it * 50.0;
            if (it >= 15) floe_vec_set_null(&b.cols[1], i); /* all-NULL stretches */
        }
        b.n = b.cols[0].n = b.cols[1].n = n;
        cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
        floe_batch_free(&b);
    }
    cr_assert_eq(floe_ingest_snapshot_take(t, &sn, NULL), FLOE_OK);
    cr_assert_eq(floe_mem_source_new(sn, &src, NULL), FLOE_OK);
    nm = src.vt->nmorsels(src.self);
    for (k = 0; k < 400; k++) {
        floe_scan_pred p;
        uint32_t col = (uint32_t)(tu_rand(&seed) % 2);
        memset(&p, 0, sizeof p);
        p.col = col;
        p.op = (floe_pred_op)(tu_rand(&seed) % 8);
        p.value.type = types[col];
        if (col == 0) p.value.v.i = 1000000 + (int64_t)(tu_rand(&seed) % (uint64_t)(ts - 1000000));
        else p.value.v.d = (double)(tu_rand(&seed) % 100000) / 7.0 - 500.0;
        for (m = 0; m < nm; m++) {
            floe_scan_cursor *cur;
            floe_batch b;
            uint32_t i, cols[2] = {0, 1};
            bool any = false, may = src.vt->morsel_may_match(src.self, m, &p, 1);
            cr_assert_eq(src.vt->open(src.self, m, cols, 2, &p, 1, &cur, NULL), FLOE_OK);
            memset(&b, 0, sizeof b);
            cr_assert_eq(src.vt->next(cur, &b, NULL), FLOE_ROW);
            for (i = 0; i < b.n && !any; i++) any = row_matches(&b.cols[col], i, &p);
            cr_assert(may || !any, "morsel %u pruned but a row matches (op %d col %u)", m, p.op, col);
            if (may) kept++;
            else pruned++;
            floe_batch_free(&b);
            src.vt->close(cur);
        }
    }
    cr_assert_gt(pruned, nm, "statistics prune something");
    cr_assert_gt(kept, 0);
    src.vt->free(src.self);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}

Test(mem_source, snapshot_and_source_survive_every_failed_allocation)
{
    floe_type ty = floe_type_make(FLOE_TYPE_BIGINT);
    floe_ingest_db_opts dbo;
    floe_ingest_table_opts to;
    floe_ingest_db *db;
    floe_ingest_table *t;
    floe_batch b;
    int fail, ok = 0;
    uint32_t i;
    memset(&dbo, 0, sizeof dbo);
    cr_assert_eq(floe_ingest_db_open(&dbo, &db, NULL), FLOE_OK);
    memset(&to, 0, sizeof to);
    to.ncols = 1;
    to.types = &ty;
    to.partition_col = 0;
    to.nshards = 3;
    to.flush_rows = 1000;
    cr_assert_eq(floe_ingest_table_open(db, &to, &t, NULL), FLOE_OK);
    cr_assert_eq(floe_batch_init(&b, 1, &ty, 3000), FLOE_OK);
    for (i = 0; i < 3000; i++) FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = i;
    b.n = b.cols[0].n = 3000;
    cr_assert_eq(floe_ingest_append(t, &b, NULL, NULL, NULL, NULL), FLOE_OK);
    floe_batch_free(&b);
    for (fail = 0; fail < 100 && ok < 2; fail++) {
        floe_ingest_snapshot *sn = NULL;
        floe_scan_source src;
        floe_scan_cursor *cur = NULL;
        uint32_t col = 0;
        int rc;
        floe_mem_fail_after(fail, 0);
        rc = floe_ingest_snapshot_take(t, &sn, NULL);
        if (rc == FLOE_OK) rc = floe_mem_source_new(sn, &src, NULL); /* owns sn even on failure */
        if (rc == FLOE_OK) {
            rc = src.vt->open(src.self, 0, &col, 1, NULL, 0, &cur, NULL);
            if (rc == FLOE_OK) {
                memset(&b, 0, sizeof b);
                rc = src.vt->next(cur, &b, NULL);
                if (rc == FLOE_ROW) {
                    floe_batch_free(&b);
                    rc = FLOE_OK;
                    ok++;
                }
                src.vt->close(cur);
            }
            src.vt->free(src.self);
        }
        floe_mem_fail_after(-1, 0);
        cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "fail %d: rc %d", fail, rc);
    }
    cr_assert_gt(ok, 0);
    floe_ingest_table_close(t, false, NULL);
    floe_ingest_db_close(db, NULL);
}
