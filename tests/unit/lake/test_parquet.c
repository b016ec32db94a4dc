/* tests/unit/lake/test_parquet.c: the Parquet reader and writer against
 * DuckDB (an independent implementation): files DuckDB writes (every type,
 * NULLs, dictionary and plain pages, several row groups, every codec, data
 * pages v1 and v2) read by floe give the rows DuckDB prints; files floe
 * writes read back by DuckDB give the same rows; damaged files fail cleanly.
 * Skips (with a message) when DuckDB's node bindings are not installed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lake/parquet_format.h"
#include "lake/parquet_read.h"
#include "lake/parquet_write.h"
#include "util/mem.h"
#include "util/os.h"

static char tmpdir[512];

static const char *tmp_path(const char *name)
{
    static char buf[4][768];
    static int k;
    const char *base = getenv("FLOE_TEST_TMP");
    k = (k + 1) & 3;
    snprintf(tmpdir, sizeof tmpdir, "%s", base ? base : "/tmp");
    snprintf(buf[k], sizeof buf[k], "%s/lake_%d_%s", tmpdir, (int)getpid(), name);
    return buf[k];
}

/* Run SQL in DuckDB; its rows ('|'-separated) into a malloc'ed string.
 * Returns NULL when DuckDB is not installed (the caller skips). */
static char *duckdb(const char *sql1, const char *sql2)
{
    char cmd[8192], *out = NULL;
    size_t n = 0, cap = 0;
    FILE *p;
    if (sql2) snprintf(cmd, sizeof cmd, "node '%s' \"%s\" \"%s\"", FLOE_LAKE_DUCKDB_SQL, sql1, sql2);
    else snprintf(cmd, sizeof cmd, "node '%s' \"%s\"", FLOE_LAKE_DUCKDB_SQL, sql1);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            out = realloc(out, cap);
        }
        size_t got = fread(out + n, 1, cap - n - 1, p);
        if (got == 0) break;
        n += got;
    }
    out[n] = 0;
    int st = pclose(p);
    if (WEXITSTATUS(st) == 2) {
        free(out);
        return NULL;
    }
    cr_assert_eq(WEXITSTATUS(st), 0, "duckdb failed on: %s", sql1);
    return out;
}

/* All rows of a file as floe renders them, '|'-separated lines. */
static char *floe_rows(const char *path, uint32_t *out_rgs)
{
    floe_err err = FLOE_ERR_INIT;
    floe_pq_file *f;
    floe_pq_scan *s;
    floe_batch b;
    uint32_t cols[64];
    size_t n = 0, cap = 1 << 16;
    char *out = malloc(cap);
    int rc;
    cr_assert_eq(floe_pq_open(path, &f, &err), FLOE_OK, "%s", err.msg);
    for (uint32_t i = 0; i < floe_pq_ncols(f); i++) cols[i] = i;
    cr_assert_eq(floe_pq_scan_open(f, cols, floe_pq_ncols(f), NULL, 0, &s, &err), FLOE_OK, "%s", err.msg);
    while ((rc = floe_pq_scan_next(s, &b, &err)) == FLOE_ROW) {
        for (uint32_t r = 0; r < b.n; r++) {
            for (uint32_t c = 0; c < b.ncols; c++) {
                floe_value v;
                char tmp[256];
                if (!floe_vec_is_valid(&b.cols[c], r)) snprintf(tmp, sizeof tmp, "NULL");
                else {
                    floe_value_load(b.cols[c].type, b.cols[c].data, r, &v);
                    floe_value_format(&v, tmp, sizeof tmp);
                }
                while (cap - n < 300) out = realloc(out, cap *= 2);
                n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "|" : "", tmp);
            }
            out[n++] = '\n';
        }
        floe_batch_free(&b);
    }
    floe_batch_free(&b);
    cr_assert_eq(rc, FLOE_DONE, "%s", err.msg);
    out[n] = 0;
    if (out_rgs) *out_rgs = floe_pq_nrowgroups(f);
    floe_pq_scan_close(s);
    floe_pq_close(f);
    return out;
}

static void assert_same_rows(const char *want, const char *got)
{
    const char *a = want, *b = got;
    int line = 1;
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        cr_assert(ea && eb);
        cr_assert(ea - a == eb - b && memcmp(a, b, (size_t)(ea - a)) == 0,
                  "row %d differs:\n duckdb: %.*s\n floe:   %.*s", line, (int)(ea - a), a, (int)(eb - b), b);
        a = ea + 1, b = eb + 1, line++;
    }
    cr_assert(*a == 0 && *b == 0, "row counts differ at row %d", line);
}

/* Every type, NULLs, a dictionary-friendly and a unique string column.
 * DuckDB prints the rows in floe's text forms. */
#define GEN_SELECT                                                                                 \
    "SELECT i::INT AS id, CASE WHEN i %% 5 = 0 THEN NULL ELSE i %% 3 = 0 END AS b, "                  \
    "CASE WHEN i %% 7 = 0 THEN NULL ELSE (i * 37 - 5000)::INT END AS i32, "                          \
    "(i * 1000003 - 99999999)::BIGINT AS i64, CASE WHEN i %% 11 = 0 THEN NULL ELSE (i * 0.25 - 100)::DOUBLE END AS d, " \
    "(i * 0.5)::FLOAT AS f, (i * 12.34 - 999)::DECIMAL(12,2) AS dec, (i %% 1000 / 10)::DECIMAL(4,1) AS dec4, " \
    "CASE WHEN i %% 4 = 0 THEN NULL ELSE 'cat' || (i %% 10) END AS s, 'u' || (i * 7919) AS u, "        \
    "DATE '2020-01-01' + (i %% 900)::INT AS dt, TIMESTAMP '2024-03-01 10:00:00' + i * INTERVAL 1 SECOND AS ts, " \
    "(TIMESTAMP '2021-06-01 00:00:00.123' + i * INTERVAL 1 MINUTE)::TIMESTAMP_MS AS tsms, "       \
    "(TIMESTAMP '1969-12-31 23:59:59.999999' + i * INTERVAL 1 MILLISECOND)::TIMESTAMP_NS AS tsns " \
    "FROM range(5000) t(i)"

#define PRINT_SELECT                                                                               \
    "SELECT id, b, i32, i64, d::VARCHAR, f::DOUBLE::VARCHAR, dec, dec4, s, u, dt, ts, tsms::TIMESTAMP, tsns::TIMESTAMP " \
    "FROM '%s' ORDER BY id"

static void check_duckdb_file(const char *opts, const char *name)
{
    char sql1[4096], sql2[2048];
    const char *path = tmp_path(name);
    uint32_t rgs = 0;
    snprintf(sql1, sizeof sql1, "COPY (" GEN_SELECT ") TO '%s' (FORMAT parquet, %s)", path, opts);
    snprintf(sql2, sizeof sql2, PRINT_SELECT, path);
    char *want = duckdb(sql1, sql2);
    if (want == NULL) cr_skip("DuckDB (peers kit, /opt/peers) is not installed");
    char *got = floe_rows(path, &rgs);
    cr_assert_gt(rgs, 1, "several row groups expected");
    assert_same_rows(want, got);
    free(want);
    free(got);
    unlink(path);
}

Test(parquet_duckdb, zstd_rowgroups) { check_duckdb_file("COMPRESSION zstd, ROW_GROUP_SIZE 2048", "zstd.parquet"); }
Test(parquet_duckdb, snappy) { check_duckdb_file("COMPRESSION snappy, ROW_GROUP_SIZE 1000", "snappy.parquet"); }
Test(parquet_duckdb, uncompressed) { check_duckdb_file("COMPRESSION uncompressed, ROW_GROUP_SIZE 3000", "unc.parquet"); }
Test(parquet_duckdb, gzip) { check_duckdb_file("COMPRESSION gzip, ROW_GROUP_SIZE 2048", "gzip.parquet"); }
Test(parquet_duckdb, lz4_raw) { check_duckdb_file("COMPRESSION lz4_raw, ROW_GROUP_SIZE 2048", "lz4.parquet"); }
Test(parquet_duckdb, v2_pages_delta) { check_duckdb_file("COMPRESSION zstd, ROW_GROUP_SIZE 2048, PARQUET_VERSION v2", "v2.parquet"); }

/* ---- files floe writes ---- */

#define WROWS 10000
static const char *wnames[] = {"id", "b", "big", "d", "dec", "s", "u", "dt", "ts"};
static floe_type wtypes[9];

/* Write WROWS rows in batches of 1000; *expect gets floe's rendering of the
 * source values (the independent side of the comparison). */
static void write_file(const char *path, int codec, char **expect)
{
    floe_err err = FLOE_ERR_INIT;
    floe_pq_writer *w;
    floe_pq_write_options o = {3000, codec, 0};
    size_t n = 0, cap = 1 << 20;
    char *out = malloc(cap);
    wtypes[0] = floe_type_make(FLOE_TYPE_INTEGER);
    wtypes[1] = floe_type_make(FLOE_TYPE_BOOLEAN);
    wtypes[2] = floe_type_make(FLOE_TYPE_BIGINT);
    wtypes[3] = floe_type_make(FLOE_TYPE_DOUBLE);
    wtypes[4] = floe_type_decimal(10, 2);
    wtypes[5] = floe_type_make(FLOE_TYPE_VARCHAR);
    wtypes[6] = floe_type_make(FLOE_TYPE_VARCHAR);
    wtypes[7] = floe_type_make(FLOE_TYPE_DATE);
    wtypes[8] = floe_type_make(FLOE_TYPE_TIMESTAMP);
    cr_assert_eq(floe_pq_writer_open(path, 9, wnames, wtypes, &o, &w, &err), FLOE_OK, "%s", err.msg);
    for (int base = 0; base < WROWS; base += 1000) {
        floe_batch b;
        cr_assert_eq(floe_batch_init(&b, 9, wtypes, 1000), FLOE_OK);
        b.n = 1000;
        for (int r = 0; r < 1000; r++) {
            int i = base + r;
            char sbuf[32];
            FLOE_VEC_DATA(&b.cols[0], int32_t)[r] = i;
            FLOE_VEC_DATA(&b.cols[1], uint8_t)[r] = i % 3 == 0;
            if (i % 5 == 0) floe_vec_set_null(&b.cols[1], (uint32_t)r);
            FLOE_VEC_DATA(&b.cols[2], int64_t)[r] = (int64_t)i * 1000000007LL - 5000000000LL;
            FLOE_VEC_DATA(&b.cols[3], double)[r] = i * 0.125 - 7;
            if (i % 11 == 0) floe_vec_set_null(&b.cols[3], (uint32_t)r);
            FLOE_VEC_DATA(&b.cols[4], int64_t)[r] = (int64_t)i * 1234 - 99999;
            snprintf(sbuf, sizeof sbuf, "cat%d", i % 17);
            cr_assert_eq(floe_vec_set_string(&b.cols[5], (uint32_t)r, sbuf, (uint32_t)strlen(sbuf)), FLOE_OK);
            if (i % 4 == 0) floe_vec_set_null(&b.cols[5], (uint32_t)r);
            snprintf(sbuf, sizeof sbuf, "unique-%d", i * 7919);
            cr_assert_eq(floe_vec_set_string(&b.cols[6], (uint32_t)r, sbuf, (uint32_t)strlen(sbuf)), FLOE_OK);
            FLOE_VEC_DATA(&b.cols[7], int32_t)[r] = 18000 + i % 1000;
            FLOE_VEC_DATA(&b.cols[8], int64_t)[r] = 1700000000000000LL + (int64_t)i * 1000123;
        }
        for (int r = 0; r < 1000; r++) {
            for (int c = 0; c < 9; c++) {
                char tmp[128];
                floe_value v;
                if (!floe_vec_is_valid(&b.cols[c], (uint32_t)r)) snprintf(tmp, sizeof tmp, "NULL");
                else {
                    floe_value_load(b.cols[c].type, b.cols[c].data, (size_t)r, &v);
                    floe_value_format(&v, tmp, sizeof tmp);
                }
                n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "|" : "", tmp);
            }
            out[n++] = '\n';
        }
        cr_assert_eq(floe_pq_writer_write(w, &b, &err), FLOE_OK, "%s", err.msg);
        floe_batch_free(&b);
    }
    out[n] = 0;
    cr_assert_eq(floe_pq_writer_close(w, &err), FLOE_OK, "%s", err.msg);
    *expect = out;
}

static void check_floe_file(int codec, const char *name)
{
    char *expect, *got, sql[1024];
    const char *path = tmp_path(name);
    uint32_t rgs;
    write_file(path, codec, &expect);
    got = floe_rows(path, &rgs);
    cr_assert_eq(rgs, 4);
    assert_same_rows(expect, got); /* floe's own reader */
    free(got);
    snprintf(sql, sizeof sql,
             "SELECT id, b, big, d::VARCHAR, dec, s, u, dt, ts FROM '%s' ORDER BY id", path);
    got = duckdb(sql, NULL);
    if (got != NULL) assert_same_rows(expect, got); /* DuckDB */
    else cr_log_warn("DuckDB not installed: floe-written file not cross-checked");
    free(got);
    free(expect);
    unlink(path);
}

Test(parquet_write, zstd) { check_floe_file(PQ_CODEC_ZSTD, "w_zstd.parquet"); }
Test(parquet_write, snappy) { check_floe_file(PQ_CODEC_SNAPPY, "w_snappy.parquet"); }
Test(parquet_write, uncompressed) { check_floe_file(PQ_CODEC_UNCOMPRESSED, "w_unc.parquet"); }

Test(parquet_write, rowgroup_skipping)
{
    floe_err err = FLOE_ERR_INIT;
    char *expect;
    const char *path = tmp_path("w_skip.parquet");
    floe_pq_file *f;
    floe_pq_scan *s;
    floe_batch b;
    uint32_t col = 0, rows = 0;
    int rc;
    floe_pq_pred p = {0, FLOE_PQ_GE, {floe_type_make(FLOE_TYPE_INTEGER), false, {.i = 7500}}};
    write_file(path, PQ_CODEC_ZSTD, &expect);
    free(expect);
    cr_assert_eq(floe_pq_open(path, &f, &err), FLOE_OK, "%s", err.msg);
    /* groups hold ids [0,3000) [3000,6000) [6000,9000) [9000,10000) */
    cr_assert(!floe_pq_rowgroup_may_match(f, 0, &p, 1));
    cr_assert(!floe_pq_rowgroup_may_match(f, 1, &p, 1));
    cr_assert(floe_pq_rowgroup_may_match(f, 2, &p, 1));
    cr_assert(floe_pq_rowgroup_may_match(f, 3, &p, 1));
    cr_assert_eq(floe_pq_scan_open(f, &col, 1, &p, 1, &s, &err), FLOE_OK);
    while ((rc = floe_pq_scan_next(s, &b, &err)) == FLOE_ROW) {
        rows += b.n;
        floe_batch_free(&b);
    }
    floe_batch_free(&b);
    cr_assert_eq(rc, FLOE_DONE, "%s", err.msg);
    cr_assert_eq(rows, 4000);
    cr_assert_eq(floe_pq_scan_skipped(s), 2);
    floe_pq_scan_close(s);
    floe_pq_close(f);
    unlink(path);
}

/* ---- damaged files: a clean error, never a crash (run under ASan too) ---- */

static int read_all_rows(const void *p, size_t n)
{
    floe_err err = FLOE_ERR_INIT;
    floe_pq_file *f;
    floe_pq_scan *s;
    floe_batch b;
    uint32_t cols[16];
    int rc = floe_pq_open_buffer(p, n, "damaged.parquet", &f, &err);
    if (rc) return rc;
    for (uint32_t i = 0; i < floe_pq_ncols(f); i++) cols[i] = i;
    rc = floe_pq_scan_open(f, cols, floe_pq_ncols(f) < 16 ? floe_pq_ncols(f) : 16, NULL, 0, &s, &err);
    if (rc == FLOE_OK) {
        while ((rc = floe_pq_scan_next(s, &b, &err)) == FLOE_ROW) floe_batch_free(&b);
        floe_batch_free(&b);
        floe_pq_scan_close(s);
    }
    floe_pq_close(f);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

Test(parquet_damage, flips_and_truncations)
{
    char *expect, *buf;
    size_t n;
    const char *path = tmp_path("w_damage.parquet");
    floe_err err = FLOE_ERR_INIT;
    int errors = 0;
    write_file(path, PQ_CODEC_SNAPPY, &expect);
    free(expect);
    cr_assert_eq(floe_os_read_all(path, &buf, &n, &err), FLOE_OK);
    cr_assert_eq(read_all_rows(buf, n), FLOE_OK);
    for (size_t k = 1; k < n; k += n / 97 + 1) /* truncations */
        errors += read_all_rows(buf, k) != FLOE_OK;
    cr_assert_eq(errors, (int)((n - 2) / (n / 97 + 1)) + 1, "every truncation is an error");
    /* byte flips: the footer densely, the pages sparsely */
    uint32_t flen;
    memcpy(&flen, buf + n - 8, 4);
    for (size_t i = 0; i < n; i += (i + 8 + flen >= n) ? 1 : 211) {
        for (int x = 0; x < 3; x++) {
            uint8_t save = (uint8_t)buf[i];
            buf[i] = (char)(x == 0 ? save ^ 0xff : x == 1 ? 0x7f : 0x00);
            int rc = read_all_rows(buf, n);
            cr_assert(rc == FLOE_OK || rc == FLOE_CORRUPT || rc == FLOE_UNSUPPORTED || rc == FLOE_RANGE ||
                      rc == FLOE_NOMEM, "byte %zu: unexpected status %d", i, rc);
            buf[i] = (char)save;
        }
    }
    floe_free(buf);
    unlink(path);
}
