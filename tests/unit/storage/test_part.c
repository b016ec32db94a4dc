/* tests/unit/storage/test_part.c: parts end to end: round trips of every type
 * x encoding x NULL pattern x block size, block statistics, missing columns,
 * corruption detection, crash safety of the write sequence and GC. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/part.h"
#include "storage_testutil.h"
#include "util/os.h"

/* A table of all 9 types (column ids 10..18) filled with random data. */
typedef struct table {
    floe_part_column cols[TU_NTYPES];
    floe_part_schema schema;
    floe_batch batch;
    uint32_t n;
} table;

static void table_make(table *t, uint32_t n, int nulls, int shape0, uint64_t seed)
{
    floe_type types[TU_NTYPES];
    uint32_t k;
    static const char *names[TU_NTYPES] = {"b", "i", "bi", "d", "dec", "s", "dt", "ts", "iv"};
    for (k = 0; k < TU_NTYPES; k++) {
        types[k] = tu_type(k);
        t->cols[k].id = 10 + k;
        t->cols[k].name = names[k];
        t->cols[k].type = types[k];
    }
    t->schema.cols = t->cols;
    t->schema.ncols = TU_NTYPES;
    t->n = n;
    cr_assert_eq(floe_batch_init(&t->batch, TU_NTYPES, types, n ? n : 1), FLOE_OK);
    for (k = 0; k < TU_NTYPES; k++)
        tu_fill(&t->batch.cols[k], n, shape0 + (int)k, nulls, seed * 31 + k);
    t->batch.n = n;
}

/* Plain-loop min/max of rows [a, b) of v, for checking block statistics. */
static int ref_minmax(const floe_vec *v, uint32_t a, uint32_t b, floe_value *mn, floe_value *mx)
{
    uint32_t i;
    int any = 0;
    for (i = a; i < b; i++) {
        floe_value x;
        if (!floe_vec_is_valid(v, i)) continue;
        floe_value_load(v->type, v->data, i, &x);
        if (!any || floe_value_cmp(&x, mn) < 0) *mn = x;
        if (!any || floe_value_cmp(&x, mx) > 0) *mx = x;
        any = 1;
    }
    return any;
}

static void check_part(const char *dir, int64_t id, table *t, uint32_t bs, int enc)
{
    char pdir[4096];
    floe_part_reader *r;
    floe_err err = FLOE_ERR_INIT;
    uint32_t c, b, nb = (t->n + bs - 1) / bs;
    floe_part_dir(dir, id, pdir, sizeof pdir);
    cr_assert_eq(floe_part_reader_open(pdir, &t->schema, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_reader_rows(r), t->n);
    cr_assert_eq(floe_part_reader_nblocks(r), nb);
    for (c = 0; c < TU_NTYPES; c++) {
        const floe_vec *ref = &t->batch.cols[c];
        for (b = 0; b < nb; b++) {
            uint32_t start = b * bs, rows = t->n - start < bs ? t->n - start : bs, i;
            const floe_block_info *bi = floe_part_reader_block_info(r, c, b);
            floe_vec out;
            floe_value mn, mx;
            cr_assert_eq(floe_part_reader_block_start(r, b), start);
            cr_assert_eq(bi->rows, rows);
            if (enc >= 0 && floe_encode_applies(ref->type, enc))
                cr_assert_eq(bi->encoding, enc, "col %u block %u", c, b);
            cr_assert_eq(floe_part_read_block(r, c, b, &out, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(out.n, rows);
            for (i = 0; i < rows; i++) {
                int valid = floe_vec_is_valid(ref, start + i);
                cr_assert_eq(floe_vec_is_valid(&out, i), valid, "col %u block %u row %u", c, b, i);
                if (valid)
                    cr_assert(tu_same(ref->type, ref->data, start + i, out.data, i),
                              "type %u enc %s bs %u row %u", ref->type.id,
                              floe_encode_name(bi->encoding), bs, start + i);
            }
            /* statistics against a plain loop */
            if (ref_minmax(ref, start, start + rows, &mn, &mx) &&
                ref->type.id != FLOE_TYPE_INTERVAL) {
                cr_assert(bi->flags & FLOE_BLOCK_MINMAX);
                if (ref->type.id == FLOE_TYPE_VARCHAR) {
                    uint32_t l = mn.v.s.len < FLOE_STAT_PREFIX ? mn.v.s.len : FLOE_STAT_PREFIX;
                    cr_assert_eq(bi->min.v.s.len, l);
                    cr_assert(l == 0 || memcmp(bi->min.v.s.ptr, mn.v.s.ptr, l) == 0);
                    cr_assert_eq(!!(bi->flags & FLOE_BLOCK_MIN_TRUNC), l < mn.v.s.len);
                    l = mx.v.s.len < FLOE_STAT_PREFIX ? mx.v.s.len : FLOE_STAT_PREFIX;
                    cr_assert_eq(bi->max.v.s.len, l);
                    cr_assert(l == 0 || memcmp(bi->max.v.s.ptr, mx.v.s.ptr, l) == 0);
                } else {
                    cr_assert_eq(floe_value_cmp(&bi->min, &mn), 0, "col %u block %u", c, b);
                    cr_assert_eq(floe_value_cmp(&bi->max, &mx), 0, "col %u block %u", c, b);
                }
            } else {
                cr_assert(!(bi->flags & FLOE_BLOCK_MINMAX));
            }
            floe_vec_free(&out);
        }
    }
    floe_part_reader_unref(r);
}

static void round_trip(uint32_t bs, uint32_t n)
{
    char *dir = tu_tmpdir();
    int enc, nulls;
    int64_t id = 1;
    for (enc = -1; enc < FLOE_ENC_COUNT; enc++) {
        for (nulls = 0; nulls < 3; nulls++) {
            table t;
            floe_part_writer *w;
            floe_part_info info;
            floe_err err = FLOE_ERR_INIT;
            uint32_t k;
            table_make(&t, n, nulls, enc + 1, (uint64_t)(id * 7 + bs));
            cr_assert_eq(floe_part_writer_open(dir, id, &t.schema, bs, &w, &err), FLOE_OK, "%s",
                         err.msg);
            floe_part_writer_set_encoding(w, enc, -1);
            cr_assert_eq(floe_part_writer_append(w, &t.batch, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(floe_part_writer_finish(w, &info, &err), FLOE_OK, "%s", err.msg);
            cr_assert_eq(info.rows, n);
            cr_assert_eq(info.ncols, TU_NTYPES);
            for (k = 0; k < TU_NTYPES; k++) {
                cr_assert_eq(info.cols[k].nulls, n - (n - floe_vec_null_count(&t.batch.cols[k])));
                cr_assert_gt(info.cols[k].bytes, 0);
            }
            floe_part_info_free(&info);
            check_part(dir, id, &t, bs, enc);
            floe_batch_free(&t.batch);
            id++;
        }
    }
    tu_rmrf(dir);
    free(dir);
}

Test(part, round_trip_block_1) { round_trip(1, 10); }
Test(part, round_trip_block_7) { round_trip(7, 7 * 3 + 3); }
Test(part, round_trip_block_2048) { round_trip(2048, 2048 * 2 + 100); }
Test(part, round_trip_block_65536, .timeout = 120) { round_trip(65536, 65536 + 77); }

static char *slurp(const char *path, size_t *n)
{
    struct stat st;
    char *buf;
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(fstat(fd, &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
    close(fd);
    *n = (size_t)st.st_size;
    return buf;
}

/* Encoding a block's columns on several threads writes the same bytes. */
Test(part, threaded_column_encoding_writes_the_same_files)
{
    char *dir = tu_tmpdir();
    uint32_t nth, k;
    table t;
    table_make(&t, 5000, 2, 1, 99);
    for (nth = 1; nth <= 4; nth++) {
        floe_part_writer *w;
        floe_part_info info;
        floe_err err = FLOE_ERR_INIT;
        cr_assert_eq(floe_part_writer_open(dir, nth, &t.schema, 700, &w, &err), FLOE_OK, "%s", err.msg);
        floe_part_writer_set_threads(w, nth == 4 ? 64 : nth);
        cr_assert_eq(floe_part_writer_append(w, &t.batch, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(floe_part_writer_finish(w, &info, &err), FLOE_OK, "%s", err.msg);
        floe_part_info_free(&info);
        check_part(dir, nth, &t, 700, -1);
    }
    for (k = 0; k < TU_NTYPES; k++) {
        char p1[1024], pn[1024], name[64];
        size_t n1, nn;
        char *b1, *bn;
        snprintf(name, sizeof name, "c%u.col", 10 + k);
        snprintf(p1, sizeof p1, "%s/part-1/%s", dir, name);
        b1 = slurp(p1, &n1);
        for (nth = 2; nth <= 4; nth++) {
            snprintf(pn, sizeof pn, "%s/part-%u/%s", dir, nth, name);
            bn = slurp(pn, &nn);
            cr_assert(n1 == nn && memcmp(b1, bn, n1) == 0, "column %u differs with %u threads", k, nth);
            free(bn);
        }
        free(b1);
    }
    floe_batch_free(&t.batch);
    tu_rmrf(dir);
    free(dir);
}

Test(part, append_honours_selection_const_and_many_batches)
{
    char *dir = tu_tmpdir(), pdir[4096];
    floe_type ty[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR)};
    floe_part_column cols[2] = {{1, "x", ty[0]}, {2, "s", ty[1]}};
    floe_part_schema sc = {cols, 2};
    floe_part_writer *w;
    floe_part_reader *r;
    floe_err err = FLOE_ERR_INIT;
    int64_t expect_x[3000];
    char expect_s[3000][16];
    uint32_t ne = 0, round, i, b;
    cr_assert_eq(floe_part_writer_open(dir, 5, &sc, 100, &w, &err), FLOE_OK);
    for (round = 0; round < 10; round++) {
        floe_batch bt;
        char buf[16];
        cr_assert_eq(floe_batch_init(&bt, 2, ty, 300), FLOE_OK);
        for (i = 0; i < 300; i++) {
            FLOE_VEC_DATA(&bt.cols[0], int64_t)[i] = round * 1000 + i;
            snprintf(buf, sizeof buf, "r%u-%u", round, i);
            floe_vec_set_string(&bt.cols[1], i, buf, (uint32_t)strlen(buf));
        }
        bt.n = bt.cols[0].n = bt.cols[1].n = 300;
        if (round % 3 == 1) { /* column 1 is a constant vector */
            bt.cols[1].flags |= FLOE_VEC_CONST;
        }
        if (round % 2 == 0) { /* every third row selected */
            bt.sel = floe_malloc(100 * sizeof(uint32_t));
            for (i = 0; i < 100; i++) bt.sel[i] = i * 3;
            bt.nsel = 100;
        }
        for (i = 0; i < 300; i++) {
            uint32_t row = bt.sel ? (i < bt.nsel ? bt.sel[i] : UINT32_MAX) : i;
            if (row == UINT32_MAX) break;
            expect_x[ne] = round * 1000 + row;
            snprintf(expect_s[ne], 16, "r%u-%u", round, (round % 3 == 1) ? 0 : row);
            ne++;
        }
        cr_assert_eq(floe_part_writer_append(w, &bt, &err), FLOE_OK, "%s", err.msg);
        floe_batch_free(&bt);
    }
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK, "%s", err.msg);
    floe_part_dir(dir, 5, pdir, sizeof pdir);
    cr_assert_eq(floe_part_reader_open(pdir, &sc, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_reader_rows(r), ne);
    for (b = 0; b < floe_part_reader_nblocks(r); b++) {
        floe_vec x, s;
        uint64_t st = floe_part_reader_block_start(r, b);
        cr_assert_eq(floe_part_read_block(r, 0, b, &x, &err), FLOE_OK);
        cr_assert_eq(floe_part_read_block(r, 1, b, &s, &err), FLOE_OK);
        for (i = 0; i < x.n; i++) {
            floe_string v = FLOE_VEC_DATA(&s, floe_string)[i];
            cr_assert_eq(FLOE_VEC_DATA(&x, int64_t)[i], expect_x[st + i]);
            cr_assert_eq(v.len, strlen(expect_s[st + i]));
            cr_assert(memcmp(v.ptr, expect_s[st + i], v.len) == 0);
        }
        floe_vec_free(&x);
        floe_vec_free(&s);
    }
    floe_part_reader_unref(r);
    tu_rmrf(dir);
    free(dir);
}

Test(part, added_column_reads_as_null_and_dict_codes_are_exposed)
{
    char *dir = tu_tmpdir(), pdir[4096];
    floe_type ty = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_part_column cols[2] = {{1, "s", ty}, {7, "later", floe_type_make(FLOE_TYPE_BIGINT)}};
    floe_part_schema old = {cols, 1}, now = {cols, 2};
    floe_part_writer *w;
    floe_part_reader *r;
    floe_err err = FLOE_ERR_INIT;
    floe_batch bt;
    floe_vec v, codes, dict;
    uint32_t i;
    cr_assert_eq(floe_batch_init(&bt, 1, &ty, 1000), FLOE_OK);
    tu_fill(&bt.cols[0], 1000, 3, 2, 5);
    bt.n = 1000;
    cr_assert_eq(floe_part_writer_open(dir, 9, &old, 0, &w, &err), FLOE_OK);
    floe_part_writer_set_encoding(w, FLOE_ENC_DICT, 0);
    cr_assert_eq(floe_part_writer_append(w, &bt, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK, "%s", err.msg);
    floe_part_dir(dir, 9, pdir, sizeof pdir);
    cr_assert_eq(floe_part_reader_open(pdir, &now, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert(!floe_part_reader_has_col(r, 1));
    cr_assert_eq(floe_part_read_block(r, 1, 0, &v, &err), FLOE_OK);
    cr_assert_eq(v.n, 1000);
    cr_assert_eq(floe_vec_null_count(&v), 1000);
    cr_assert_eq(floe_part_reader_block_info(r, 1, 0)->nulls, 1000);
    floe_vec_free(&v);
    cr_assert_eq(floe_part_read_dict(r, 1, 0, &codes, &dict, &err), FLOE_NOTFOUND);
    cr_assert_eq(floe_part_read_dict(r, 0, 0, &codes, &dict, &err), FLOE_OK, "%s", err.msg);
    cr_assert_leq(dict.n, 8);
    for (i = 0; i < 1000; i++) {
        cr_assert_eq(floe_vec_is_valid(&codes, i), floe_vec_is_valid(&bt.cols[0], i));
        if (!floe_vec_is_valid(&bt.cols[0], i)) continue;
        cr_assert_lt(FLOE_VEC_DATA(&codes, uint32_t)[i], dict.n);
        cr_assert(tu_same(ty, bt.cols[0].data, i, dict.data, FLOE_VEC_DATA(&codes, uint32_t)[i]));
    }
    floe_vec_free(&codes);
    floe_vec_free(&dict);
    floe_part_reader_unref(r);
    floe_batch_free(&bt);
    tu_rmrf(dir);
    free(dir);
}

/* ------------------------------------------------------------ corruption */

static floe_part_column corr_cols[1] = {{3, "v", {FLOE_TYPE_BIGINT, 0, 0}}};
static floe_part_schema corr_schema = {corr_cols, 1};

static char *write_corr_part(void)
{
    char *dir = tu_tmpdir();
    floe_type ty = floe_type_make(FLOE_TYPE_BIGINT);
    floe_batch bt;
    floe_part_writer *w;
    floe_err err = FLOE_ERR_INIT;
    uint32_t i;
    cr_assert_eq(floe_batch_init(&bt, 1, &ty, 1000), FLOE_OK);
    for (i = 0; i < 1000; i++) FLOE_VEC_DATA(&bt.cols[0], int64_t)[i] = (int64_t)i * i;
    bt.n = bt.cols[0].n = 1000;
    cr_assert_eq(floe_part_writer_open(dir, 12, &corr_schema, 100, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &bt, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK);
    floe_batch_free(&bt);
    return dir;
}

static void flip(const char *path, long off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    struct stat st;
    cr_assert_geq(fd, 0);
    fstat(fd, &st);
    if (off < 0) off += st.st_size;
    cr_assert_eq(pread(fd, &c, 1, off), 1);
    c ^= 0x5a;
    cr_assert_eq(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

Test(part_corrupt, flipped_block_byte_names_file_and_block)
{
    char *dir = write_corr_part(), path[4200];
    floe_part_reader *r;
    floe_err err = FLOE_ERR_INIT;
    floe_vec v;
    uint64_t off;
    uint32_t b, i;
    snprintf(path, sizeof path, "%s/part-12", dir);
    cr_assert_eq(floe_part_reader_open(path, &corr_schema, &r, &err), FLOE_OK);
    off = floe_part_reader_block_info(r, 0, 5)->offset;
    floe_part_reader_unref(r);
    snprintf(path, sizeof path, "%s/part-12/c3.col", dir);
    flip(path, (long)off + 3);
    snprintf(path, sizeof path, "%s/part-12", dir);
    cr_assert_eq(floe_part_reader_open(path, &corr_schema, &r, &err), FLOE_OK);
    for (b = 0; b < 10; b++) {
        int rc = floe_part_read_block(r, 0, b, &v, &err);
        if (b == 5) {
            cr_assert_eq(rc, FLOE_CORRUPT);
            cr_assert_str_eq(err.msg, "part-12/c3.col: block 5: checksum mismatch");
            cr_assert_null(v.data);
        } else {
            cr_assert_eq(rc, FLOE_OK);
            for (i = 0; i < v.n; i++)
                cr_assert_eq(FLOE_VEC_DATA(&v, int64_t)[i], (int64_t)(b * 100 + i) * (b * 100 + i));
            floe_vec_free(&v);
        }
    }
    floe_part_reader_unref(r);
    tu_rmrf(dir);
    free(dir);
}

static void expect_open_corrupt(long off, const char *what)
{
    char *dir = write_corr_part(), path[4200];
    floe_part_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    snprintf(path, sizeof path, "%s/part-12/c3.col", dir);
    flip(path, off);
    snprintf(path, sizeof path, "%s/part-12", dir);
    cr_assert_eq(floe_part_reader_open(path, &corr_schema, &r, &err), FLOE_CORRUPT);
    cr_assert_null(r);
    cr_assert(strstr(err.msg, "part-12/c3.col") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, what) != NULL, "%s", err.msg);
    tu_rmrf(dir);
    free(dir);
}

Test(part_corrupt, flipped_header_byte) { expect_open_corrupt(13, "header"); }
Test(part_corrupt, flipped_footer_byte) { expect_open_corrupt(-30, "footer"); }
Test(part_corrupt, flipped_trailer_byte) { expect_open_corrupt(-2, "trailer"); }

Test(part_corrupt, truncated_and_missing_files)
{
    char *dir = write_corr_part(), path[4400], pdir[4200];
    floe_part_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    struct stat st;
    snprintf(pdir, sizeof pdir, "%s/part-12", dir);
    snprintf(path, sizeof path, "%s/c3.col", pdir);
    stat(path, &st);
    cr_assert_eq(truncate(path, st.st_size - 7), 0);
    cr_assert_eq(floe_part_reader_open(pdir, &corr_schema, &r, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-12/c3.col") != NULL, "%s", err.msg);
    cr_assert_eq(truncate(path, 10), 0);
    cr_assert_eq(floe_part_reader_open(pdir, &corr_schema, &r, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-12/c3.col") != NULL, "%s", err.msg);
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(floe_part_reader_open(pdir, &corr_schema, &r, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-12/c3.col") != NULL, "%s", err.msg);
    snprintf(path, sizeof path, "%s/part.meta", pdir);
    flip(path, 20);
    cr_assert_eq(floe_part_reader_open(pdir, &corr_schema, &r, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-12/part.meta") != NULL, "%s", err.msg);
    cr_assert_null(r);
    tu_rmrf(dir);
    free(dir);
}

/* ------------------------------------------------------- crash safety, GC */

static void write_simple(const char *dir, int64_t id, int crash_step)
{
    floe_type ty = floe_type_make(FLOE_TYPE_BIGINT);
    floe_batch bt;
    floe_part_writer *w;
    floe_err err = FLOE_ERR_INIT;
    uint32_t i;
    cr_assert_eq(floe_batch_init(&bt, 1, &ty, 50), FLOE_OK);
    for (i = 0; i < 50; i++) FLOE_VEC_DATA(&bt.cols[0], int64_t)[i] = id * 100 + i;
    bt.n = bt.cols[0].n = 50;
    cr_assert_eq(floe_part_writer_open(dir, id, &corr_schema, 0, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &bt, &err), FLOE_OK);
    if (crash_step)
        cr_assert_eq(floe_part_writer_crash_after(w, crash_step, &err), FLOE_OK, "%s", err.msg);
    else
        cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK, "%s", err.msg);
    floe_batch_free(&bt);
}

static int exists(const char *dir, const char *name)
{
    char p[4200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static void check_readable(const char *dir, int64_t id)
{
    char p[4200];
    floe_part_reader *r;
    floe_err err = FLOE_ERR_INIT;
    floe_vec v;
    floe_part_dir(dir, id, p, sizeof p);
    cr_assert_eq(floe_part_reader_open(p, &corr_schema, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_read_block(r, 0, 0, &v, &err), FLOE_OK);
    cr_assert_eq(FLOE_VEC_DATA(&v, int64_t)[49], id * 100 + 49);
    floe_vec_free(&v);
    floe_part_reader_unref(r);
}

/* floe_part_gc with committed ids and pending ids (allocated, uncommitted). */
static int gc(const char *dir, const int64_t *committed, uint32_t n, const int64_t *pending,
              uint32_t npending, floe_err *err)
{
    floe_part_gc_opts o;
    memset(&o, 0, sizeof o);
    o.committed = committed;
    o.ncommitted = n;
    o.pending = pending;
    o.npending = npending;
    return floe_part_gc(dir, &o, err);
}

Test(part_gc, crash_at_each_step_yields_old_or_new_state)
{
    int step;
    for (step = 1; step <= 4; step++) {
        char *dir = tu_tmpdir();
        floe_err err = FLOE_ERR_INIT;
        int64_t old_ids[1] = {1}, new_ids[2] = {1, 2};
        write_simple(dir, 1, 0);
        write_simple(dir, 2, step == 4 ? 0 : step);
        if (step <= 2) cr_assert(exists(dir, "part-2.tmp"));
        if (step >= 3) cr_assert(exists(dir, "part-2"));
        if (step == 4) {
            /* the catalog committed part 2: GC keeps it */
            cr_assert_eq(gc(dir, new_ids, 2, NULL, 0, &err), FLOE_OK, "%s", err.msg);
            check_readable(dir, 2);
        } else {
            /* crash before the catalog commit: the old state */
            cr_assert_eq(gc(dir, old_ids, 1, &new_ids[1], 1, &err), FLOE_OK, "%s", err.msg);
            cr_assert(!exists(dir, "part-2.tmp"));
            cr_assert(!exists(dir, "part-2"));
        }
        check_readable(dir, 1);
        tu_rmrf(dir);
        free(dir);
    }
}

Test(part_gc, unexplained_part_is_refused_and_kept_or_quarantined)
{
    char *dir = tu_tmpdir(), q[4200], note[4300];
    floe_err err = FLOE_ERR_INIT;
    int64_t ids[1] = {1}, garbage[1] = {3};
    floe_part_gc_opts o;
    write_simple(dir, 1, 0);
    write_simple(dir, 2, 0); /* committed nowhere: a damaged catalog */
    write_simple(dir, 3, 0); /* removed by a merge, directory left */
    memset(&o, 0, sizeof o);
    o.committed = ids;
    o.ncommitted = 1;
    o.garbage = garbage;
    o.ngarbage = 1;
    o.catalog_path = "db/catalog.db";
    cr_assert_eq(floe_part_gc(dir, &o, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-2") && strstr(err.msg, "db/catalog.db"), "%s", err.msg);
    /* refused before touching anything, even the explained garbage */
    cr_assert(exists(dir, "part-2") && exists(dir, "part-3"));
    /* a catalog that predates the bookkeeping: moved aside, never deleted */
    snprintf(q, sizeof q, "%s/quarantine/7", dir);
    o.quarantine_unknown = true;
    o.quarantine_dir = q;
    cr_assert_eq(floe_part_gc(dir, &o, &err), FLOE_OK, "%s", err.msg);
    cr_assert(!exists(dir, "part-2") && !exists(dir, "part-3"));
    cr_assert(exists(dir, "quarantine/7/part-2"));
    cr_assert(exists(dir, "quarantine/7/part-2/part.meta"));
    snprintf(note, sizeof note, "%s/NOTE", q);
    cr_assert(access(note, F_OK) == 0);
    check_readable(dir, 1);
    tu_rmrf(dir);
    free(dir);
}

Test(part_gc, committed_but_missing_part_is_reported)
{
    char *dir = tu_tmpdir(), p[4200];
    floe_err err = FLOE_ERR_INIT;
    int64_t ids[2] = {1, 3};
    write_simple(dir, 1, 0);
    cr_assert_eq(gc(dir, ids, 2, NULL, 0, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-3") != NULL, "%s", err.msg);
    write_simple(dir, 3, 0);
    cr_assert_eq(gc(dir, ids, 2, NULL, 0, &err), FLOE_OK);
    snprintf(p, sizeof p, "%s/part-3/c3.col", dir);
    unlink(p);
    cr_assert_eq(gc(dir, ids, 2, NULL, 0, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "part-3/c3.col") != NULL, "%s", err.msg);
    tu_rmrf(dir);
    free(dir);
}

Test(part, abort_removes_temporary_directory)
{
    char *dir = tu_tmpdir();
    floe_part_writer *w;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_part_writer_open(dir, 4, &corr_schema, 0, &w, &err), FLOE_OK);
    cr_assert(exists(dir, "part-4.tmp"));
    floe_part_writer_abort(w);
    cr_assert(!exists(dir, "part-4.tmp"));
    tu_rmrf(dir);
    free(dir);
}

Test(part, merge_concatenates_parts_and_fills_missing_columns)
{
    char *dir = tu_tmpdir(), p1[4200], p2[4200], p3[4200];
    floe_type ty[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR)};
    floe_part_column cols[2] = {{1, "x", ty[0]}, {2, "s", ty[1]}};
    floe_part_schema old = {cols, 1}, now = {cols, 2};
    floe_part_reader *src[2], *m;
    floe_part_info info;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    floe_part_writer *w;
    uint32_t i, blk, row = 0;
    /* part 1: only column x (rows 0..149); part 2: x and s (rows 150..399) */
    cr_assert_eq(floe_batch_init(&b, 2, ty, 250), FLOE_OK);
    for (i = 0; i < 250; i++) {
        char buf[16];
        FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = i;
        snprintf(buf, sizeof buf, "s%u", i + 150);
        floe_vec_set_string(&b.cols[1], i, buf, (uint32_t)strlen(buf));
    }
    b.n = 150;
    b.ncols = 1;
    cr_assert_eq(floe_part_writer_open(dir, 1, &old, 64, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK);
    b.ncols = 2;
    b.n = 250;
    for (i = 0; i < 250; i++) FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = i + 150;
    cr_assert_eq(floe_part_writer_open(dir, 2, &now, 100, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK);
    floe_part_dir(dir, 1, p1, sizeof p1);
    floe_part_dir(dir, 2, p2, sizeof p2);
    floe_part_dir(dir, 3, p3, sizeof p3);
    cr_assert_eq(floe_part_reader_open(p1, &now, &src[0], &err), FLOE_OK);
    cr_assert_eq(floe_part_reader_open(p2, &now, &src[1], &err), FLOE_OK);
    cr_assert_eq(floe_part_merge(dir, src, 2, 3, &now, 128, &info, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(info.rows, 400);
    cr_assert_eq(info.cols[1].nulls, 150);
    cr_assert_eq(info.cols[0].min.v.i, 0);
    cr_assert_eq(info.cols[0].max.v.i, 399);
    floe_part_info_free(&info);
    cr_assert_eq(floe_part_reader_open(p3, &now, &m, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_reader_nblocks(m), 4);
    for (blk = 0; blk < 4; blk++) {
        floe_vec x, s;
        cr_assert_eq(floe_part_read_block(m, 0, blk, &x, &err), FLOE_OK);
        cr_assert_eq(floe_part_read_block(m, 1, blk, &s, &err), FLOE_OK);
        for (i = 0; i < x.n; i++, row++) {
            cr_assert_eq(FLOE_VEC_DATA(&x, int64_t)[i], row);
            cr_assert_eq(floe_vec_is_valid(&s, i), row >= 150);
            if (row >= 150) {
                char buf[16];
                floe_string v = FLOE_VEC_DATA(&s, floe_string)[i];
                snprintf(buf, sizeof buf, "s%u", row);
                cr_assert(v.len == strlen(buf) && memcmp(v.ptr, buf, v.len) == 0);
            }
        }
        floe_vec_free(&x);
        floe_vec_free(&s);
    }
    cr_assert_eq(row, 400);
    floe_part_reader_unref(m);
    floe_part_reader_unref(src[0]);
    floe_part_reader_unref(src[1]);
    floe_batch_free(&b);
    tu_rmrf(dir);
    free(dir);
}

/* ------------------------------------------------- I/O fault injection */

/* Fail the nth write, fsync or rename of floe_part_writer_open..finish for
 * every n: a clean FLOE_IOERR, no finished part-N directory, and the next GC
 * (nothing committed, N pending) leaves the table directory empty. */
static void part_fault_every_point(unsigned kind)
{
    table t;
    uint64_t calls, nth;
    char *dir = tu_tmpdir();
    floe_part_writer *w;
    floe_part_info info;
    floe_err err = FLOE_ERR_INIT;
    table_make(&t, 3000, 2, 1, 5);
    floe_os_hook_reset();
    cr_assert_eq(floe_part_writer_open(dir, 1, &t.schema, 1000, &w, &err), FLOE_OK, "%s", err.msg);
    floe_part_writer_set_threads(w, 1);
    cr_assert_eq(floe_part_writer_append(w, &t.batch, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_part_writer_finish(w, &info, &err), FLOE_OK, "%s", err.msg);
    calls = floe_os_calls(kind);
    floe_os_hook_off();
    floe_part_info_free(&info);
    check_part(dir, 1, &t, 1000, -1);
    tu_rmrf(dir);
    free(dir);
    cr_assert_geq(calls, 1);
    for (nth = 1; nth <= calls; nth++) {
        int64_t pending = 7;
        floe_os_dirlist l;
        char final[4200];
        int rc;
        dir = tu_tmpdir();
        floe_os_hook_reset();
        floe_os_fault_set(kind, nth, FLOE_OS_FAIL, kind == FLOE_OS_WRITE ? ENOSPC : EIO);
        rc = floe_part_writer_open(dir, 7, &t.schema, 1000, &w, &err);
        if (rc == FLOE_OK) {
            floe_part_writer_set_threads(w, 1);
            rc = floe_part_writer_append(w, &t.batch, &err);
            if (rc == FLOE_OK)
                rc = floe_part_writer_finish(w, &info, &err);
            else
                floe_part_writer_abort(w);
        }
        cr_assert_eq(floe_os_faults_hit(), 1, "n=%llu", (unsigned long long)nth);
        floe_os_hook_off();
        cr_assert_eq(rc, FLOE_IOERR, "n=%llu: rc %d %s", (unsigned long long)nth, rc, err.msg);
        cr_assert(kind != FLOE_OS_WRITE || strstr(err.msg, "disk full (ENOSPC) writing '") != NULL,
                  "n=%llu: %s", (unsigned long long)nth, err.msg);
        floe_part_dir(dir, 7, final, sizeof final);
        cr_assert(!floe_os_exists(final), "n=%llu: no finished part after a failure", (unsigned long long)nth);
        cr_assert_eq(gc(dir, NULL, 0, &pending, 1, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(floe_os_list_dir(dir, &l, &err), FLOE_OK);
        cr_assert_eq(l.n, 0, "n=%llu: GC leaves nothing (first: %s)", (unsigned long long)nth,
                     l.n ? l.names[0] : "");
        floe_os_dirlist_free(&l);
        tu_rmrf(dir);
        free(dir);
    }
    floe_batch_free(&t.batch);
}

Test(part_fault, every_write_fails_cleanly) { part_fault_every_point(FLOE_OS_WRITE); }
Test(part_fault, every_fsync_fails_cleanly) { part_fault_every_point(FLOE_OS_FSYNC); }
Test(part_fault, every_rename_fails_cleanly) { part_fault_every_point(FLOE_OS_RENAME); }
