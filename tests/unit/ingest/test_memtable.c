/* tests/unit/ingest/test_memtable.c: memtable append, read-back, concurrency. */
#include <pthread.h>
#include <stdatomic.h>

#include "ingest/memtable.h"
#include "ingest_test_util.h"

static void check_against_ref(const floe_memtable *m, const tu_ref *ref)
{
    uint64_t rows = floe_memtable_rows(m), ch, r;
    uint32_t c;
    uint64_t words[FLOE_BITMAP_WORDS(FLOE_VEC_SIZE)];
    cr_assert_eq(rows, ref->nrows);
    for (ch = 0; ch < floe_memtable_nchunks(rows); ch++) {
        uint32_t n = (uint32_t)((rows - ch * FLOE_VEC_SIZE) < FLOE_VEC_SIZE
                                    ? rows - ch * FLOE_VEC_SIZE
                                    : FLOE_VEC_SIZE);
        for (c = 0; c < ref->ncols; c++) {
            floe_vec v;
            uint32_t i;
            bool has = floe_memtable_copy_validity(m, ch, c, n, words);
            floe_memtable_chunk_vec(m, ch, c, n, &v);
            cr_assert_eq(v.n, n);
            if (has) v.validity = words;
            else cr_assert_null(v.validity);
            for (i = 0; i < n; i++) {
                floe_value got;
                const floe_value *want = &ref->vals[(ch * FLOE_VEC_SIZE + i) * ref->ncols + c];
                if (!floe_vec_is_valid(&v, i)) got = floe_value_null(v.type);
                else floe_value_load(v.type, v.data, i, &got);
                cr_assert(tu_value_eq(&got, want), "row %llu col %u differs",
                          (unsigned long long)(ch * FLOE_VEC_SIZE + i), c);
            }
        }
    }
    for (r = 0; r < rows; r += 97) {
        for (c = 0; c < ref->ncols; c++) {
            floe_value got;
            floe_memtable_get(m, r, c, &got);
            cr_assert(tu_value_eq(&got, &ref->vals[r * ref->ncols + c]));
        }
    }
}

Test(memtable, random_batches_all_types_read_back_equal)
{
    floe_type types[TU_NTYPES];
    floe_memtable *m;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    tu_ref ref = {0};
    uint64_t seed = 42, prev_bytes = 0;
    uint32_t rows[3000];
    floe_value row[TU_NTYPES];
    int it;

    tu_all_types(types);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_memtable_new(TU_NTYPES, types, 100, &m, &err), FLOE_OK);
    cr_assert_eq(floe_memtable_rows(m), 0);
    cr_assert_eq(floe_memtable_first_row_ms(m), 0);
    cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 3000), FLOE_OK);
    for (it = 0; it < 12; it++) {
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 3000), k = 0, i;
        tu_fill_random(&b, n, &seed, it % 3 == 0 ? 0 : 5);
        /* append a random subset through the row index list */
        for (i = 0; i < n; i++)
            if (tu_rand(&seed) % 4 != 0) rows[k++] = i;
        cr_assert_eq(floe_memtable_append(m, &b, rows, k, &err), FLOE_OK, "%s", err.msg);
        for (i = 0; i < k; i++) {
            tu_batch_row(&b, rows[i], row);
            tu_ref_push(&ref, row);
        }
        cr_assert_gt(floe_memtable_bytes(m), prev_bytes);
        prev_bytes = floe_memtable_bytes(m);
    }
    cr_assert_neq(floe_memtable_first_row_ms(m), 0);
    cr_assert_eq(floe_memtable_seq_lo(m), 100);
    check_against_ref(m, &ref);
    /* a type mismatch leaves the count unchanged */
    b.cols[1].type = floe_type_make(FLOE_TYPE_DOUBLE);
    cr_assert_eq(floe_memtable_append(m, &b, NULL, 10, &err), FLOE_TYPE);
    cr_assert_eq(floe_memtable_rows(m), ref.nrows);
    floe_batch_free(&b);
    tu_ref_free(&ref);
    floe_memtable_unref(m);
}

Test(memtable, failed_allocation_publishes_nothing)
{
    floe_type types[TU_NTYPES];
    floe_memtable *m;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    tu_ref ref = {0};
    uint64_t seed = 7;
    floe_value row[TU_NTYPES];
    int fail, i, ok = 0;

    tu_all_types(types);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_memtable_new(TU_NTYPES, types, 0, &m, &err), FLOE_OK);
    cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 2500), FLOE_OK);
    for (fail = 0; fail < 40; fail++) {
        int rc;
        tu_fill_random(&b, 2500, &seed, 4);
        floe_mem_fail_after(fail, 0);
        rc = floe_memtable_append(m, &b, NULL, 2500, &err);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            ok++;
            for (i = 0; i < 2500; i++) {
                tu_batch_row(&b, (uint32_t)i, row);
                tu_ref_push(&ref, row);
            }
        } else {
            cr_assert_eq(rc, FLOE_NOMEM);
        }
        cr_assert_eq(floe_memtable_rows(m), ref.nrows);
    }
    cr_assert_gt(ok, 0);
    check_against_ref(m, &ref);
    floe_batch_free(&b);
    tu_ref_free(&ref);
    floe_memtable_unref(m);
}

Test(memtable, refcount_keeps_data_alive_for_reader)
{
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_memtable *m;
    floe_batch b;
    floe_value v;
    cr_assert_eq(floe_memtable_new(1, &t, 0, &m, NULL), FLOE_OK);
    cr_assert_eq(floe_batch_init(&b, 1, &t, 4), FLOE_OK);
    floe_vec_set_string(&b.cols[0], 0, "hello", 5);
    b.n = b.cols[0].n = 1;
    cr_assert_eq(floe_memtable_append(m, &b, NULL, 1, NULL), FLOE_OK);
    floe_batch_free(&b);
    floe_memtable_ref(m);   /* a snapshot */
    floe_memtable_unref(m); /* the shard lets go */
    floe_memtable_get(m, 0, 0, &v);
    cr_assert_eq(v.v.s.len, 5);
    cr_assert(memcmp(v.v.s.ptr, "hello", 5) == 0);
    floe_memtable_unref(m);
}

typedef struct conc_ctx {
    floe_memtable *m;
    atomic_int done;
    uint64_t total;
} conc_ctx;

static void *writer_main(void *arg)
{
    conc_ctx *cx = arg;
    floe_type t[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_INTEGER)};
    floe_batch b;
    uint64_t next = 0, seed = 3;
    floe_batch_init(&b, 2, t, 700);
    while (next < cx->total) {
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 700), i;
        if (next + n > cx->total) n = (uint32_t)(cx->total - next);
        for (i = 0; i < n; i++) {
            uint64_t r = next + i;
            FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = (int64_t)r * 3;
            if (r % 7 == 0) {
                floe_vec_set_null(&b.cols[1], i);
            } else {
                if (b.cols[1].validity) b.cols[1].validity[i >> 6] |= 1ULL << (i & 63);
                FLOE_VEC_DATA(&b.cols[1], int32_t)[i] = (int32_t)r;
            }
        }
        b.n = b.cols[0].n = b.cols[1].n = n;
        cr_assert_eq(floe_memtable_append(cx->m, &b, NULL, n, NULL), FLOE_OK);
        next += n;
    }
    floe_batch_free(&b);
    atomic_store(&cx->done, 1);
    return NULL;
}

Test(memtable, concurrent_reader_sees_only_complete_rows)
{
    floe_type t[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_INTEGER)};
    conc_ctx cx;
    pthread_t th;
    uint64_t last = 0, words[FLOE_BITMAP_WORDS(FLOE_VEC_SIZE)];
    int loops = 0;

    cx.total = 300000;
    atomic_init(&cx.done, 0);
    cr_assert_eq(floe_memtable_new(2, t, 0, &cx.m, NULL), FLOE_OK);
    pthread_create(&th, NULL, writer_main, &cx);
    for (;;) {
        int finished = atomic_load(&cx.done);
        uint64_t rows = floe_memtable_rows(cx.m), ch;
        cr_assert_geq(rows, last, "count went backwards");
        /* check the last two chunks fully (the partial one included) */
        ch = floe_memtable_nchunks(rows);
        for (ch = ch >= 2 ? ch - 2 : 0; ch < floe_memtable_nchunks(rows); ch++) {
            uint32_t n = (uint32_t)(rows - ch * FLOE_VEC_SIZE < FLOE_VEC_SIZE
                                        ? rows - ch * FLOE_VEC_SIZE
                                        : FLOE_VEC_SIZE),
                     i;
            floe_vec a, v;
            floe_memtable_chunk_vec(cx.m, ch, 0, n, &a);
            floe_memtable_chunk_vec(cx.m, ch, 1, n, &v);
            v.validity = floe_memtable_copy_validity(cx.m, ch, 1, n, words) ? words : NULL;
            for (i = 0; i < n; i++) {
                uint64_t r = ch * FLOE_VEC_SIZE + i;
                cr_assert_eq(FLOE_VEC_DATA(&a, int64_t)[i], (int64_t)r * 3);
                if (r % 7 == 0) {
                    cr_assert(!floe_vec_is_valid(&v, i), "row %llu should be NULL",
                              (unsigned long long)r);
                } else {
                    cr_assert(floe_vec_is_valid(&v, i));
                    cr_assert_eq(FLOE_VEC_DATA(&v, int32_t)[i], (int32_t)r);
                }
            }
        }
        last = rows;
        loops++;
        if (finished && rows == cx.total) break;
    }
    pthread_join(th, NULL);
    cr_assert_eq(floe_memtable_rows(cx.m), cx.total);
    cr_assert_gt(loops, 1);
    floe_memtable_unref(cx.m);
}
