/* tests/fuzz/fuzz_parquet.c: libFuzzer target for the Parquet footer and
 * page readers (lake/thrift.c, lake/parquet_read.c): any bytes either open
 * and scan or fail with a status, never touching memory outside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lake/parquet_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_err err = FLOE_ERR_INIT;
    floe_pq_file *f;
    floe_pq_scan *s;
    floe_batch b;
    uint32_t cols[64], n = 0;
    if (floe_pq_open_buffer(data, size, "fuzz.parquet", &f, &err) != FLOE_OK) return 0;
    for (uint32_t i = 0; i < floe_pq_ncols(f) && n < 64; i++)
        if (floe_pq_col(f, i)->type.id != FLOE_TYPE_INVALID) cols[n++] = i;
    if (floe_pq_scan_open(f, cols, n, NULL, 0, &s, &err) == FLOE_OK) {
        int rc;
        while ((rc = floe_pq_scan_next(s, &b, &err)) == FLOE_ROW) floe_batch_free(&b);
        floe_batch_free(&b);
        if (rc != FLOE_DONE && err.code == FLOE_OK) abort(); /* a failure names itself */
        floe_pq_scan_close(s);
    }
    floe_pq_close(f);
    return 0;
}
