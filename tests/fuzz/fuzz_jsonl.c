/* tests/fuzz/fuzz_jsonl.c: libFuzzer target for the JSON-lines reader
 * (ingest/jsonl.c) over a table with a column of every type. The first
 * input byte picks ignore_unknown and the read piece size; the rest is the
 * file. Any bytes give rows, the end, or FLOE_PARSE/FLOE_RANGE/FLOE_TYPE
 * (a JSON value of the wrong kind, as jsonl.h documents) with a message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ingest/jsonl.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_type types[FZ_NCOLS];
    floe_jsonl_opts o;
    floe_jsonl_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    fz_input in;
    floe_batch b;
    int rc, guard = 0;
    if (size < 1) return 0;
    fz_types(types);
    memset(&o, 0, sizeof o);
    o.ignore_unknown = (data[0] & 1) != 0;
    o.max_line_bytes = (data[0] & 2) ? 256 : 0;
    in.p = (const char *)data + 1;
    in.n = size - 1;
    in.pos = 0;
    in.piece = (data[0] & 4) ? 5 : 1 << 16;
    if (floe_jsonl_reader_open(&o, FZ_NCOLS, types, fz_names, fz_read, &in, &r, &err) != FLOE_OK)
        abort();
    memset(&b, 0, sizeof b);
    while ((rc = floe_jsonl_reader_next(r, &b, &err)) == FLOE_ROW) {
        if (b.n == 0 || b.ncols != FZ_NCOLS) abort();
        floe_batch_free(&b);
        if (++guard > 100000) abort();
    }
    floe_batch_free(&b);
    fz_check(rc, &err, FLOE_TYPE);
    floe_jsonl_reader_close(r);
    return 0;
}
