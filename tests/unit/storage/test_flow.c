/* tests/unit/storage/test_flow.c: the whole storage flow as the database
 * uses it: create a table, flush parts (write, commit), crash before a
 * commit, ALTER TABLE ADD COLUMN, reopen, GC, open readers from the catalog
 * and scan them through the part source. */
#include <criterion/criterion.h>
#include <sys/stat.h>

#include "db/part_source.h"
#include "storage/catalog.h"
#include "storage_testutil.h"

static void flush(floe_catalog *cat, const char *tdir, const floe_table_def *t, uint64_t first_seq,
                  uint32_t rows, bool commit, int64_t *out_pid)
{
    floe_part_column pcols[8];
    floe_part_schema sc = floe_table_def_schema(t, pcols);
    floe_type ty[8];
    floe_batch b;
    floe_part_writer *w;
    floe_part_info info;
    floe_err err = FLOE_ERR_INIT;
    floe_shard_range r = {0, first_seq, first_seq + rows - 1};
    floe_stream_offset off = {"kafka", "events", 0, (int64_t)(first_seq + rows), t->id};
    floe_part_commit pc = {t->id, &info, &r, 1, &off, 1, NULL, 0};
    uint32_t i, c;
    int64_t pid;
    for (c = 0; c < t->ncols; c++) ty[c] = t->cols[c].type;
    cr_assert_eq(floe_batch_init(&b, t->ncols, ty, rows), FLOE_OK);
    for (i = 0; i < rows; i++) {
        uint64_t seq = first_seq + i;
        FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = (int64_t)seq * 1000;
        floe_vec_set_string(&b.cols[1], i, seq % 3 ? "view" : "click", seq % 3 ? 4 : 5);
        FLOE_VEC_DATA(&b.cols[2], double)[i] = (double)seq / 4.0;
    }
    b.n = rows;
    cr_assert_eq(floe_catalog_alloc_part_id(cat, t->id, &pid, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_open(tdir, pid, &sc, 1000, &w, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, &info, &err), FLOE_OK, "%s", err.msg);
    if (commit) cr_assert_eq(floe_catalog_commit_part(cat, &pc, &err), FLOE_OK, "%s", err.msg);
    floe_part_info_free(&info);
    floe_batch_free(&b);
    *out_pid = pid;
}

Test(flow, flush_crash_alter_reopen_gc_scan)
{
    char *dir = tu_tmpdir(), tdir[4200], pdir[4300];
    floe_catalog *cat;
    floe_err err = FLOE_ERR_INIT;
    floe_column_def cols[3], extra;
    floe_table_def d, *t;
    int64_t tid, p1, p2, p3, *ids, next;
    floe_catalog_part *parts;
    floe_part_reader *readers[4];
    floe_part_column pcols[8];
    floe_part_schema sc;
    floe_scan_source src;
    uint32_t n, nparts, i, m, proj[2] = {0, 3};
    uint64_t seq, total = 0;
    struct stat st;

    memset(&d, 0, sizeof d);
    memset(cols, 0, sizeof cols);
    cols[0].name = "ts";
    cols[0].type = floe_type_make(FLOE_TYPE_TIMESTAMP);
    cols[1].name = "kind";
    cols[1].type = floe_type_make(FLOE_TYPE_VARCHAR);
    cols[2].name = "v";
    cols[2].type = floe_type_make(FLOE_TYPE_DOUBLE);
    d.name = "events";
    d.cols = cols;
    d.ncols = 3;
    d.opts.shards = 1;
    d.opts.partition_col = d.opts.ttl_col = -1;
    cr_assert_eq(floe_catalog_open(dir, &cat, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_create_table(cat, &d, &tid, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_get_table(cat, "events", &t, &err), FLOE_OK);
    snprintf(tdir, sizeof tdir, "%s/t%lld", dir, (long long)tid);
    cr_assert_eq(mkdir(tdir, 0755), 0);

    flush(cat, tdir, t, 1, 3000, true, &p1);
    flush(cat, tdir, t, 3001, 2500, true, &p2);
    flush(cat, tdir, t, 5501, 700, false, &p3); /* "crash" before the catalog commit */
    floe_table_def_free(t);
    memset(&extra, 0, sizeof extra);
    extra.name = "extra";
    extra.type = floe_type_make(FLOE_TYPE_BIGINT);
    cr_assert_eq(floe_catalog_add_column(cat, "events", &extra, NULL, &err), FLOE_OK);
    floe_catalog_close(cat);

    /* restart */
    cr_assert_eq(floe_catalog_open(dir, &cat, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_get_table(cat, "events", &t, &err), FLOE_OK);
    cr_assert_eq(t->ncols, 4);
    cr_assert_eq(floe_catalog_part_ids(cat, tid, &ids, &n, &err), FLOE_OK);
    cr_assert_eq(n, 2);
    {
        floe_catalog_gc g;
        floe_part_gc_opts o;
        cr_assert_eq(floe_catalog_gc_info(cat, tid, &g, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(g.npending, 1); /* p3: allocated, never committed */
        cr_assert_eq(g.pending[0], p3);
        memset(&o, 0, sizeof o);
        o.committed = ids;
        o.ncommitted = n;
        o.pending = g.pending;
        o.npending = g.npending;
        cr_assert_eq(floe_part_gc(tdir, &o, &err), FLOE_OK, "%s", err.msg);
        floe_catalog_gc_free(&g);
        cr_assert_eq(floe_catalog_gc_done(cat, tid, &err), FLOE_OK, "%s", err.msg);
    }
    floe_free(ids);
    floe_part_dir(tdir, p3, pdir, sizeof pdir);
    cr_assert_neq(stat(pdir, &st), 0, "uncommitted part survived GC");
    cr_assert_eq(floe_catalog_flushed_seq(cat, tid, 0, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 5500); /* WAL replay would start at 5501 */
    cr_assert_eq(floe_catalog_get_offset(cat, "kafka", "events", 0, &next, NULL, &err), FLOE_OK);
    cr_assert_eq(next, 5501);

    cr_assert_eq(floe_catalog_list_parts(cat, tid, &parts, &nparts, &err), FLOE_OK);
    cr_assert_eq(nparts, 2);
    {
        floe_scan_pred q;
        memset(&q, 0, sizeof q);
        q.col = 0;
        q.op = FLOE_PRED_LT;
        q.value = floe_value_null(t->cols[0].type);
        q.value.is_null = false;
        q.value.v.i = 3001000; /* only the first part has ts < 3001000 */
        cr_assert(floe_part_source_part_may_match(&parts[0], t, &q, 1));
        cr_assert(!floe_part_source_part_may_match(&parts[1], t, &q, 1));
        q.col = 3; /* added after both parts: all NULL */
        q.op = FLOE_PRED_IS_NOT_NULL;
        cr_assert(!floe_part_source_part_may_match(&parts[0], t, &q, 1));
        q.op = FLOE_PRED_IS_NULL;
        cr_assert(floe_part_source_part_may_match(&parts[0], t, &q, 1));
        q.col = 1;
        q.op = FLOE_PRED_EQ;
        q.value = floe_value_null(t->cols[1].type);
        q.value.is_null = false;
        q.value.v.s.ptr = "zzz";
        q.value.v.s.len = 3;
        cr_assert(!floe_part_source_part_may_match(&parts[1], t, &q, 1));
        q.value.v.s.ptr = "click";
        q.value.v.s.len = 5;
        cr_assert(floe_part_source_part_may_match(&parts[1], t, &q, 1));
    }
    sc = floe_table_def_schema(t, pcols);
    for (i = 0; i < nparts; i++) {
        floe_part_dir(tdir, parts[i].id, pdir, sizeof pdir);
        cr_assert_eq(floe_part_reader_open(pdir, &sc, &readers[i], &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(floe_part_reader_rows(readers[i]), parts[i].rows);
        cr_assert_eq(parts[i].cols[0].min.v.i, i == 0 ? 1000 : 3001000);
    }
    cr_assert_eq(floe_part_source_new(readers, nparts, &src, &err), FLOE_OK);
    for (i = 0; i < nparts; i++) floe_part_reader_unref(readers[i]);
    for (m = 0; m < src.vt->nmorsels(src.self); m++) {
        floe_scan_cursor *cur;
        floe_batch b;
        cr_assert_eq(src.vt->open(src.self, m, proj, 2, NULL, 0, &cur, &err), FLOE_OK, "%s", err.msg);
        while (src.vt->next(cur, &b, &err) == FLOE_ROW) {
            for (i = 0; i < b.n; i++) {
                cr_assert_eq(FLOE_VEC_DATA(&b.cols[0], int64_t)[i], (int64_t)(total + 1) * 1000);
                cr_assert(!floe_vec_is_valid(&b.cols[1], i)); /* added later: NULL */
                total++;
            }
            floe_batch_free(&b);
        }
        src.vt->close(cur);
    }
    cr_assert_eq(total, 5500);
    src.vt->free(src.self);
    floe_catalog_parts_free(parts, nparts);
    floe_table_def_free(t);
    floe_catalog_close(cat);
    tu_rmrf(dir);
    free(dir);
}
