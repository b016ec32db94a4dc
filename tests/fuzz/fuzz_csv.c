/* tests/fuzz/fuzz_csv.c: libFuzzer target for the CSV reader
 * (ingest/csv.c) over a table with a column of every type. The first input
 * byte picks the options (delimiter, quote/escape, header, NULL string) and
 * the size of the pieces the input is read in; the rest is the file. Any
 * bytes give rows, the end, or FLOE_PARSE/FLOE_RANGE with a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ingest/csv.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_type types[FZ_NCOLS];
    floe_csv_opts o;
    floe_csv_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    fz_input in;
    floe_batch b;
    uint8_t sel;
    int rc, guard = 0;
    if (size < 1) return 0;
    sel = data[0];
    fz_types(types);
    memset(&o, 0, sizeof o);
    o.delimiter = (sel & 3) == 1 ? '|' : (sel & 3) == 2 ? '\t' : 0;
    o.quote = (sel & 4) ? '\'' : 0;
    o.escape = (sel & 8) ? '\\' : 0;
    o.header = (sel & 16) != 0;
    o.null_str = (sel & 32) ? "NULL" : NULL;
    o.max_record_bytes = 4096; /* also exercise the size limits */
    o.max_field_bytes = (sel & 64) ? 64 : 0;
    in.p = (const char *)data + 1;
    in.n = size - 1;
    in.pos = 0;
    in.piece = (sel & 128) ? 7 : 1 << 16;
    if (floe_csv_reader_open(&o, FZ_NCOLS, types, fz_names, fz_read, &in, &r, &err) != FLOE_OK)
        abort(); /* only memory can fail here */
    memset(&b, 0, sizeof b);
    while ((rc = floe_csv_reader_next(r, &b, &err)) == FLOE_ROW) {
        if (b.n == 0 || b.ncols != FZ_NCOLS) abort();
        floe_batch_free(&b);
        if (++guard > 100000) abort(); /* progress: every call consumes input */
    }
    floe_batch_free(&b);
    fz_check(rc, &err, 0);
    floe_csv_reader_close(r);
    return 0;
}
