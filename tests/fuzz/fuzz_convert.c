/* tests/fuzz/fuzz_convert.c: libFuzzer target for value conversion
 * (ingest/convert.c: numbers, DECIMAL, dates, timestamps, intervals,
 * booleans, UTF-8). The first input byte picks the type (and a DECIMAL
 * scale), the rest is the text. Properties: the result is FLOE_OK or
 * FLOE_PARSE/FLOE_RANGE with a message; and a value that converts survives
 * a round trip through the CSV writer and reader unchanged (floe's text
 * forms read back exactly: same bits, same string). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"
#include "tests/fuzz/fuzz_common.h"
#include "util/vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_out {
    char buf[8192];
    size_t n;
} fz_out;

static int fz_write(void *ctx, const char *p, size_t n, floe_err *err)
{
    fz_out *o = ctx;
    if (o->n + n > sizeof o->buf) return floe_err_set(err, FLOE_RANGE, "too long");
    memcpy(o->buf + o->n, p, n);
    o->n += n;
    return FLOE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    floe_type types[FZ_NCOLS], t;
    floe_batch b, back;
    floe_err err = FLOE_ERR_INIT;
    floe_csv_opts o;
    floe_csv_reader *r = NULL;
    fz_out out;
    fz_input in;
    int rc;
    if (size < 1) return 0;
    fz_types(types);
    t = types[data[0] % FZ_NCOLS];
    if (t.id == FLOE_TYPE_DECIMAL) {
        t.precision = (uint8_t)(1 + (data[0] >> 4) % 18);
        t.scale = (uint8_t)((data[0] >> 2) % (t.precision + 1u));
    }
    if (floe_batch_init(&b, 1, &t, 1) != FLOE_OK) return 0;
    b.n = 1;
    b.cols[0].n = 1;
    rc = floe_convert_text(&b.cols[0], 0, (const char *)data + 1, size - 1, &err);
    if (rc != FLOE_OK) {
        if ((rc != FLOE_PARSE && rc != FLOE_RANGE && rc != FLOE_NOMEM) || err.msg[0] == '\0')
            abort();
        floe_batch_free(&b);
        return 0;
    }
    /* round trip: write the value as CSV, read it back */
    memset(&o, 0, sizeof o);
    out.n = 0;
    if (floe_csv_write_batch(&o, &b, fz_write, &out, &err) != FLOE_OK) {
        floe_batch_free(&b);
        return 0; /* longer than the scratch buffer */
    }
    in.p = out.buf;
    in.n = out.n;
    in.pos = 0;
    in.piece = 1 << 16;
    if (floe_csv_reader_open(&o, 1, &t, NULL, fz_read, &in, &r, &err) != FLOE_OK) abort();
    memset(&back, 0, sizeof back);
    rc = floe_csv_reader_next(r, &back, &err);
    if (rc != FLOE_ROW || back.n != 1) abort(); /* floe's own text must read back */
    if (t.id == FLOE_TYPE_VARCHAR) {
        const floe_string *x = b.cols[0].data, *y = back.cols[0].data;
        if (x->len != y->len || memcmp(x->ptr, y->ptr, x->len) != 0) abort();
    } else if (memcmp(b.cols[0].data, back.cols[0].data, floe_type_size(t)) != 0) {
        abort();
    }
    floe_batch_free(&back);
    floe_csv_reader_close(r);
    floe_batch_free(&b);
    return 0;
}
