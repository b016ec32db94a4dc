/* tests/fuzz/fuzz_sniff.c: libFuzzer target for the CSV/JSON sniffer
 * (ingest/sniff.c): any bytes either sniff or fail with a status; when they
 * sniff, the CSV reader with the detected dialect and types reads the same
 * bytes to the end or stops with an error that names itself — never a
 * crash or a read outside the input. JSON sniffing and the array-to-lines
 * conversion run on the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"
#include "ingest/sniff.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct in_buf {
    const char *p;
    size_t n, pos;
} in_buf;

static int rd(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    in_buf *b = ctx;
    size_t k = b->n - b->pos < cap ? b->n - b->pos : cap;
    (void)err;
    memcpy(buf, b->p + b->pos, k);
    b->pos += k;
    *out_n = k;
    return FLOE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_err err = FLOE_ERR_INIT;
    floe_sniff_result r;
    const char *p = (const char *)data;
    char *lines;
    size_t ln;
    if (floe_csv_sniff(p, size, true, NULL, "fuzz.csv", &r, &err) == FLOE_OK) {
        floe_csv_opts o;
        floe_csv_reader *cr;
        in_buf b = {p, size, 0};
        memset(&o, 0, sizeof o);
        o.delimiter = r.delimiter;
        o.quote = r.quote;
        o.escape = r.escape;
        o.header = r.header;
        if (floe_csv_reader_open(&o, r.ncols, r.types, (const char *const *)r.names, rd, &b, &cr, &err) ==
            FLOE_OK) {
            floe_batch bt;
            int rc;
            while ((rc = floe_csv_reader_next(cr, &bt, &err)) == FLOE_ROW) floe_batch_free(&bt);
            if (rc != FLOE_DONE && err.code == FLOE_OK) abort(); /* a failure names itself */
            floe_csv_reader_close(cr);
        }
        floe_sniff_result_free(&r);
    }
    if (floe_json_sniff(p, size, true, 0, "fuzz.json", &r, &err) == FLOE_OK) floe_sniff_result_free(&r);
    if (floe_json_array_to_lines(p, size, "fuzz.json", &lines, &ln, &err) == FLOE_OK) {
        if (floe_json_sniff(lines, ln, true, 0, "fuzz.json", &r, &err) == FLOE_OK) floe_sniff_result_free(&r);
        floe_free(lines);
    }
    return 0;
}
