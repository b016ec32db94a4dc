/* tests/unit/storage/test_fault.c: fault injection: every allocation failure
 * during a part write/read cycle yields FLOE_NOMEM and leaks nothing; a flip
 * of any single byte of a column file never yields wrong values. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/part.h"
#include "storage_testutil.h"

static floe_part_column fcols[3] = {{1, "a", {FLOE_TYPE_BIGINT, 0, 0}},
                                    {2, "s", {FLOE_TYPE_VARCHAR, 0, 0}},
                                    {3, "d", {FLOE_TYPE_DOUBLE, 0, 0}}};
static floe_part_schema fschema = {fcols, 3};

/* One full write + read cycle; returns the first failing status. */
static int cycle(const char *dir, int64_t id, const floe_batch *b)
{
    floe_part_writer *w = NULL;
    floe_part_reader *r = NULL;
    floe_part_info info;
    floe_err err = FLOE_ERR_INIT;
    char pdir[4200];
    uint32_t c, blk;
    int rc = floe_part_writer_open(dir, id, &fschema, 100, &w, &err);
    if (rc) return rc;
    rc = floe_part_writer_append(w, b, &err);
    if (rc) {
        floe_part_writer_abort(w);
        return rc;
    }
    rc = floe_part_writer_finish(w, &info, &err);
    if (rc) return rc;
    floe_part_info_free(&info);
    floe_part_dir(dir, id, pdir, sizeof pdir);
    rc = floe_part_reader_open(pdir, &fschema, &r, &err);
    for (c = 0; rc == FLOE_OK && c < 3; c++) {
        for (blk = 0; rc == FLOE_OK && blk < floe_part_reader_nblocks(r); blk++) {
            floe_vec v;
            rc = floe_part_read_block(r, c, blk, &v, &err);
            if (rc == FLOE_OK) {
                uint32_t i;
                for (i = 0; i < v.n; i++)
                    if (floe_vec_is_valid(&b->cols[c], blk * 100 + i))
                        cr_assert(tu_same(v.type, b->cols[c].data, blk * 100 + i, v.data, i));
                floe_vec_free(&v);
            }
        }
    }
    floe_part_reader_unref(r);
    return rc;
}

Test(fault, every_allocation_failure_is_nomem_without_leaks)
{
    char *dir = tu_tmpdir();
    floe_type ty[3] = {fcols[0].type, fcols[1].type, fcols[2].type};
    floe_batch b;
    int64_t k, base;
    int rc, ok = 0;
    uint32_t c;
    cr_assert_eq(floe_batch_init(&b, 3, ty, 350), FLOE_OK);
    for (c = 0; c < 3; c++) tu_fill(&b.cols[c], 350, (int)c + 2, 2, c);
    b.n = 350;
    base = floe_mem_live();
    for (k = 0; k < 5000 && !ok; k++) {
        floe_mem_fail_after(k, 0);
        rc = cycle(dir, k + 1, &b);
        floe_mem_fail_after(-1, 0);
        cr_assert(rc == FLOE_OK || rc == FLOE_NOMEM, "k=%lld rc=%d", (long long)k, rc);
        cr_assert_eq(floe_mem_live(), base, "leak after failing allocation %lld (rc %d)",
                     (long long)k, rc);
        ok = rc == FLOE_OK;
    }
    cr_assert(ok, "never succeeded");
    cr_assert_gt(k, 30, "only %lld allocations exercised", (long long)k);
    cr_log_info("fault: %lld allocation points exercised", (long long)k);
    floe_batch_free(&b);
    tu_rmrf(dir);
    free(dir);
}

Test(fault, any_flipped_byte_is_detected_or_harmless)
{
    char *dir = tu_tmpdir(), pdir[4200], path[4300];
    floe_type ty[3] = {fcols[0].type, fcols[1].type, fcols[2].type};
    floe_batch b;
    floe_part_writer *w;
    floe_err err = FLOE_ERR_INIT;
    struct stat st;
    uint8_t *orig;
    off_t off;
    uint32_t c;
    int fd;
    cr_assert_eq(floe_batch_init(&b, 3, ty, 300), FLOE_OK);
    for (c = 0; c < 3; c++) tu_fill(&b.cols[c], 300, (int)c + 1, 2, c + 9);
    b.n = 300;
    cr_assert_eq(floe_part_writer_open(dir, 1, &fschema, 100, &w, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_append(w, &b, &err), FLOE_OK);
    cr_assert_eq(floe_part_writer_finish(w, NULL, &err), FLOE_OK);
    floe_part_dir(dir, 1, pdir, sizeof pdir);
    snprintf(path, sizeof path, "%s/c2.col", pdir);
    cr_assert_eq(stat(path, &st), 0);
    orig = malloc((size_t)st.st_size);
    fd = open(path, O_RDWR);
    cr_assert_eq(pread(fd, orig, (size_t)st.st_size, 0), st.st_size);
    for (off = 0; off < st.st_size; off++) {
        floe_part_reader *r;
        uint8_t x = orig[off] ^ 0x21;
        int rc, blk;
        cr_assert_eq(pwrite(fd, &x, 1, off), 1);
        rc = floe_part_reader_open(pdir, &fschema, &r, &err);
        if (rc == FLOE_OK) {
            for (blk = 0; blk < 3; blk++) {
                floe_vec v;
                uint32_t i;
                rc = floe_part_read_block(r, 1, (uint32_t)blk, &v, &err);
                if (rc != FLOE_OK) {
                    cr_assert_eq(rc, FLOE_CORRUPT, "offset %lld", (long long)off);
                    cr_assert(strstr(err.msg, "part-1/c2.col") != NULL, "%s", err.msg);
                    continue;
                }
                for (i = 0; i < v.n; i++) {
                    uint32_t row = (uint32_t)blk * 100 + i;
                    cr_assert_eq(floe_vec_is_valid(&v, i), floe_vec_is_valid(&b.cols[1], row),
                                 "offset %lld row %u", (long long)off, row);
                    if (floe_vec_is_valid(&v, i))
                        cr_assert(tu_same(v.type, b.cols[1].data, row, v.data, i),
                                  "wrong value at offset %lld row %u", (long long)off, row);
                }
                floe_vec_free(&v);
            }
            floe_part_reader_unref(r);
        } else {
            cr_assert_eq(rc, FLOE_CORRUPT, "offset %lld: %s", (long long)off, err.msg);
            cr_assert(strstr(err.msg, "part-1/c2.col") != NULL, "%s", err.msg);
        }
        cr_assert_eq(pwrite(fd, &orig[off], 1, off), 1);
    }
    close(fd);
    free(orig);
    floe_batch_free(&b);
    tu_rmrf(dir);
    free(dir);
}
