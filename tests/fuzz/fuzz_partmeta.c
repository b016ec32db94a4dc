/* tests/fuzz/fuzz_partmeta.c: libFuzzer target for part metadata
 * (storage/part.c: part.meta, the manifest, and how floe_part_reader_open
 * checks it against the column files and the table schema).
 *
 * Setup (once per process): a real part, part-1, of 250 rows in 3 blocks of
 * two columns (BIGINT id 1, VARCHAR id 2) in a scratch directory.
 * Input: part.meta without its trailing checksum; the harness appends the
 * right checksum (checksum bypassed), so the fuzzer reaches every field.
 * Property: the open succeeds or fails with FLOE_CORRUPT (or FLOE_IOERR /
 * FLOE_NOMEM) with a message naming part-1; a successful open reads every
 * block of every column with exactly the rows the manifest promised, and
 * the reader's blocks add up to its row count.
 * FUZZ_PARTMETA_SEED=FILE writes the valid manifest body there (seed). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/format.h"
#include "storage/part.h"
#include "util/hash.h"
#include "util/vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_dir[256];
static floe_part_column g_cols[2];
static const floe_part_schema g_schema = {g_cols, 2};

static void cleanup(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_partmeta: could not remove %s\n", g_dir);
}

static void make_template(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    floe_type types[2];
    floe_batch b;
    floe_part_writer *w = NULL;
    floe_err err = FLOE_ERR_INIT;
    uint32_t i;
    char buf[64];
    snprintf(g_dir, sizeof g_dir, "%s/floe-fuzz-partmeta-%d", base, (int)getpid());
    mkdir(g_dir, 0700);
    g_cols[0].id = 1;
    g_cols[0].name = "a";
    g_cols[0].type = types[0] = floe_type_make(FLOE_TYPE_BIGINT);
    g_cols[1].id = 2;
    g_cols[1].name = "s";
    g_cols[1].type = types[1] = floe_type_make(FLOE_TYPE_VARCHAR);
    if (floe_batch_init(&b, 2, types, 250) != FLOE_OK) abort();
    for (i = 0; i < 250; i++) {
        FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = (int64_t)i * 7 - 100;
        snprintf(buf, sizeof buf, "row-%u", i % 17);
        if (floe_vec_set_string(&b.cols[1], i, buf, (uint32_t)strlen(buf)) != FLOE_OK) abort();
    }
    b.n = b.cols[0].n = b.cols[1].n = 250;
    if (floe_part_writer_open(g_dir, 1, &g_schema, 100, &w, &err) != FLOE_OK ||
        floe_part_writer_append(w, &b, &err) != FLOE_OK ||
        floe_part_writer_finish(w, NULL, &err) != FLOE_OK) {
        fprintf(stderr, "fuzz_partmeta: template: %s\n", err.msg);
        abort();
    }
    floe_batch_free(&b);
    {
        const char *seed = getenv("FUZZ_PARTMETA_SEED");
        if (seed != NULL) {
            char path[512], body[4096];
            size_t n;
            FILE *f, *o;
            snprintf(path, sizeof path, "%s/part-1/%s", g_dir, FLOE_PART_META_NAME);
            f = fopen(path, "rb");
            if (f == NULL) abort();
            n = fread(body, 1, sizeof body, f);
            fclose(f);
            o = fopen(seed, "wb");
            if (o == NULL || n < 4) abort();
            fwrite(body, 1, n - 4, o);
            fclose(o);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    uint32_t sum;
    floe_part_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    FILE *f;
    int rc;
    if (g_dir[0] == '\0') {
        make_template();
        atexit(cleanup);
    }
    if (size > 1 << 20) return 0;
    snprintf(path, sizeof path, "%s/part-1/%s", g_dir, FLOE_PART_META_NAME);
    f = fopen(path, "wb");
    if (f == NULL) abort();
    sum = floe_checksum32(data, size);
    if (size) fwrite(data, 1, size, f);
    fwrite(&sum, 1, 4, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/part-1", g_dir);
    rc = floe_part_reader_open(path, &g_schema, &r, &err);
    if (rc == FLOE_OK) {
        uint32_t c, b, nb = floe_part_reader_nblocks(r);
        uint64_t total = 0;
        for (b = 0; b < nb; b++) {
            uint32_t rows = floe_part_reader_block_rows(r, b);
            if (floe_part_reader_block_start(r, b) != total) abort();
            total += rows;
            for (c = 0; c < 2; c++) {
                floe_vec v;
                memset(&v, 0, sizeof v);
                rc = floe_part_read_block(r, c, b, &v, &err);
                if (rc == FLOE_OK) {
                    if (v.n != rows) {
                        fprintf(stderr, "fuzz_partmeta: block %u col %u: %u rows, manifest %u\n",
                                b, c, v.n, rows);
                        abort();
                    }
                    floe_vec_free(&v);
                } else if (rc != FLOE_CORRUPT || strstr(err.msg, "part-1") == NULL) {
                    fprintf(stderr, "fuzz_partmeta: read: %d %s\n", rc, err.msg);
                    abort();
                }
            }
        }
        if (total != floe_part_reader_rows(r)) abort();
        floe_part_reader_unref(r);
    } else if ((rc != FLOE_CORRUPT && rc != FLOE_IOERR && rc != FLOE_NOMEM) ||
               err.code != rc || strstr(err.msg, "part-1") == NULL) {
        fprintf(stderr, "fuzz_partmeta: open: undocumented result %d: %s\n", rc, err.msg);
        abort();
    }
    return 0;
}
