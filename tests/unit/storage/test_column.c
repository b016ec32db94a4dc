/* tests/unit/storage/test_column.c: column files alone: the codec each block
 * gets (zstd only for VARCHAR text, LZ4 or none otherwise), round trips
 * through every codec, and damaged zstd data behind a valid checksum. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "storage/column.h"
#include "storage/format.h"
#include "storage_testutil.h"
#include "util/hash.h"

static const char *words[] = {"quickly", "final", "deposits", "sleep", "carefully", "regular",
                              "accounts", "the", "furiously", "ironic", "pending", "requests"};

/* n rows of comment-like text (compressible) with ~10% NULLs when nulls. */
static void fill_text(floe_vec *v, uint32_t n, int nulls, uint64_t seed)
{
    uint64_t s = seed;
    uint32_t i;
    for (i = 0; i < n; i++) {
        char buf[128];
        uint32_t len = 0, k, nw = 2 + (uint32_t)(tu_rand(&s) % 6);
        for (k = 0; k < nw; k++) {
            const char *w = words[tu_rand(&s) % 12];
            size_t l = strlen(w);
            memcpy(buf + len, w, l);
            len += (uint32_t)l;
            buf[len++] = ' ';
        }
        cr_assert_eq(floe_vec_set_string(v, i, buf, len), FLOE_OK);
        if (nulls && tu_rand(&s) % 10 == 0) floe_vec_set_null(v, i);
    }
    v->n = n;
}

static void write_col(const char *path, floe_type t, floe_vec *blocks, uint32_t nb, int lz4)
{
    floe_column_writer *w;
    floe_err err = FLOE_ERR_INIT;
    uint32_t b;
    cr_assert_eq(floe_column_writer_open(path, 3, t, &w, &err), FLOE_OK, "%s", err.msg);
    for (b = 0; b < nb; b++)
        cr_assert_eq(floe_column_writer_add(w, &blocks[b], FLOE_ENC_AUTO, lz4, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_column_writer_finish(w, &err), FLOE_OK, "%s", err.msg);
}

Test(column, text_blocks_use_zstd_and_round_trip)
{
    char *dir = tu_tmpdir(), path[4200];
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    static const uint32_t rows[] = {65536, 3000, 1};
    floe_vec in[3];
    floe_column_reader *r;
    floe_err err = FLOE_ERR_INIT;
    uint32_t b, i;
    snprintf(path, sizeof path, "%s/c3.col", dir);
    for (b = 0; b < 3; b++) {
        cr_assert_eq(floe_vec_init(&in[b], t, rows[b]), FLOE_OK);
        fill_text(&in[b], rows[b], (int)b != 1, 11 + b);
    }
    write_col(path, t, in, 3, -1);
    cr_assert_eq(floe_column_reader_open(path, "c3.col", 3, t, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_column_reader_nblocks(r), 3);
    /* 65536 rows of 12 words: far more than 10% smaller under zstd, and
     * smaller than under LZ4 */
    cr_assert(floe_column_reader_block(r, 0)->flags & FLOE_BLOCK_ZSTD);
    cr_assert(!(floe_column_reader_block(r, 0)->flags & FLOE_BLOCK_LZ4));
    cr_assert(!(floe_column_reader_block(r, 2)->flags & (FLOE_BLOCK_ZSTD | FLOE_BLOCK_LZ4)));
    for (b = 0; b < 3; b++) {
        floe_vec out;
        cr_assert_eq(floe_column_reader_read(r, b, &out, &err), FLOE_OK, "%s", err.msg);
        cr_assert_eq(out.n, rows[b]);
        for (i = 0; i < rows[b]; i++) {
            cr_assert_eq(floe_vec_is_valid(&out, i), floe_vec_is_valid(&in[b], i), "block %u row %u", b, i);
            if (floe_vec_is_valid(&in[b], i)) cr_assert(tu_same(t, in[b].data, i, out.data, i), "block %u row %u", b, i);
        }
        floe_vec_free(&out);
        floe_vec_free(&in[b]);
    }
    floe_column_reader_close(r);
    tu_rmrf(dir);
    free(dir);
}

Test(column, numbers_and_forced_lz4_never_use_zstd)
{
    char *dir = tu_tmpdir(), path[4200];
    floe_type ti = floe_type_make(FLOE_TYPE_BIGINT), ts = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_vec v;
    floe_column_reader *r;
    floe_err err = FLOE_ERR_INIT;
    uint32_t i, n = 65536;
    snprintf(path, sizeof path, "%s/c3.col", dir);
    /* repetitive integers that plain LZ4 compresses well */
    cr_assert_eq(floe_vec_init(&v, ti, n), FLOE_OK);
    for (i = 0; i < n; i++) ((int64_t *)v.data)[i] = (int64_t)((i / 3) % 17) * 1000000007LL;
    v.n = n;
    write_col(path, ti, &v, 1, -1);
    cr_assert_eq(floe_column_reader_open(path, "c3.col", 3, ti, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert(!(floe_column_reader_block(r, 0)->flags & FLOE_BLOCK_ZSTD));
    floe_column_reader_close(r);
    floe_vec_free(&v);
    /* text with lz4 forced on: LZ4, never zstd */
    cr_assert_eq(floe_vec_init(&v, ts, n), FLOE_OK);
    fill_text(&v, n, 0, 3);
    write_col(path, ts, &v, 1, 1);
    cr_assert_eq(floe_column_reader_open(path, "c3.col", 3, ts, &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert(floe_column_reader_block(r, 0)->flags & FLOE_BLOCK_LZ4);
    cr_assert(!(floe_column_reader_block(r, 0)->flags & FLOE_BLOCK_ZSTD));
    floe_column_reader_close(r);
    floe_vec_free(&v);
    tu_rmrf(dir);
    free(dir);
}

/* Damage bytes inside a zstd block and re-seal block and footer checksums,
 * so only the zstd decoder stands between the bytes and the caller: every
 * read must be FLOE_OK (harmless flip) or FLOE_CORRUPT, never a crash. */
Test(column, damaged_zstd_data_behind_valid_checksums_is_corrupt)
{
    char *dir = tu_tmpdir(), path[4200];
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_vec v;
    floe_err err = FLOE_ERR_INIT;
    uint8_t *file;
    uint64_t foff, s = 77;
    uint32_t fsize, stored, sum, trial, ncorrupt = 0;
    long len;
    FILE *fp;
    snprintf(path, sizeof path, "%s/c3.col", dir);
    cr_assert_eq(floe_vec_init(&v, t, 4000), FLOE_OK);
    fill_text(&v, 4000, 0, 9);
    write_col(path, t, &v, 1, -1);
    fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    file = malloc((size_t)len);
    cr_assert_eq(fread(file, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    memcpy(&foff, file + len - FLOE_COL_TRAILER_SIZE, 8);
    memcpy(&fsize, file + len - FLOE_COL_TRAILER_SIZE + 8, 4);
    memcpy(&stored, file + foff + FLOE_COL_FOOTER_FIXED + 8, 4);
    cr_assert(file[foff + FLOE_COL_FOOTER_FIXED + 29] & FLOE_BLOCK_ZSTD);
    for (trial = 0; trial < 300; trial++) {
        uint8_t *bad = malloc((size_t)len);
        floe_column_reader *r;
        floe_vec out;
        int rc, f;
        memcpy(bad, file, (size_t)len);
        for (f = 0; f < 1 + (int)(trial % 4); f++)
            bad[FLOE_COL_HEADER_SIZE + tu_rand(&s) % stored] ^= (uint8_t)(1 + tu_rand(&s) % 255);
        sum = floe_checksum32(bad + FLOE_COL_HEADER_SIZE, stored);
        memcpy(bad + foff + FLOE_COL_FOOTER_FIXED + 24, &sum, 4);
        sum = floe_checksum32(bad + foff, fsize);
        memcpy(bad + len - FLOE_COL_TRAILER_SIZE + 12, &sum, 4);
        fp = fopen(path, "wb");
        cr_assert_eq(fwrite(bad, 1, (size_t)len, fp), (size_t)len);
        fclose(fp);
        cr_assert_eq(floe_column_reader_open(path, "c3.col", 3, t, &r, &err), FLOE_OK, "%s", err.msg);
        rc = floe_column_reader_read(r, 0, &out, &err);
        cr_assert(rc == FLOE_OK || rc == FLOE_CORRUPT, "rc %d", rc);
        if (rc == FLOE_OK) floe_vec_free(&out);
        ncorrupt += rc == FLOE_CORRUPT;
        floe_column_reader_close(r);
        free(bad);
    }
    cr_assert_gt(ncorrupt, 250, "zstd caught only %u of 300 damaged blocks", ncorrupt);
    free(file);
    floe_vec_free(&v);
    tu_rmrf(dir);
    free(dir);
}

/* One write + read of a zstd-compressed text column; first failing status. */
static int zstd_cycle(const char *path, const floe_vec *v, uint32_t *out_flags)
{
    floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
    floe_column_writer *w;
    floe_column_reader *r;
    floe_err err = FLOE_ERR_INIT;
    floe_vec out;
    uint32_t i;
    int rc = floe_column_writer_open(path, 3, t, &w, &err);
    if (rc) return rc;
    rc = floe_column_writer_add(w, v, FLOE_ENC_AUTO, -1, &err);
    if (rc) {
        floe_column_writer_abort(w);
        return rc;
    }
    rc = floe_column_writer_finish(w, &err);
    if (rc) return rc;
    rc = floe_column_reader_open(path, "c3.col", 3, t, &r, &err);
    if (rc) return rc;
    *out_flags = floe_column_reader_block(r, 0)->flags;
    rc = floe_column_reader_read(r, 0, &out, &err);
    if (rc == FLOE_OK) {
        for (i = 0; i < v->n; i++)
            if (floe_vec_is_valid(v, i)) cr_assert(tu_same(t, v->data, i, out.data, i), "row %u", i);
        floe_vec_free(&out);
    }
    floe_column_reader_close(r);
    return rc;
}

/* zstd allocates through floe_malloc: every failure is FLOE_NOMEM, no leak. */
Test(column, zstd_allocation_failures_are_nomem_without_leaks)
{
    char *dir = tu_tmpdir(), path[4200];
    floe_vec v;
    int64_t k, base;
    uint32_t flags = 0;
    int rc, ok = 0;
    snprintf(path, sizeof path, "%s/c3.col", dir);
    cr_assert_eq(floe_vec_init(&v, floe_type_make(FLOE_TYPE_VARCHAR), 2000), FLOE_OK);
    fill_text(&v, 2000, 1, 21);
    base = floe_mem_live();
    for (k = 0; k < 2000 && !ok; k++) {
        floe_mem_fail_after(k, 0);
        rc = zstd_cycle(path, &v, &flags);
        floe_mem_fail_after(-1, 0);
        cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "k=%lld rc=%d", (long long)k, rc);
        cr_assert_eq(floe_mem_live(), base, "leak after failing allocation %lld", (long long)k);
        ok = rc == FLOE_OK;
    }
    cr_assert(ok, "never succeeded");
    cr_assert(flags & FLOE_BLOCK_ZSTD, "block was not zstd-compressed");
    floe_vec_free(&v);
    tu_rmrf(dir);
    free(dir);
}
