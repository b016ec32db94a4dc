/* tests/unit/ingest/test_csv.c: CSV reader/writer and text conversion. */
#include "ingest/csv.h"
#include "util/datetime.h"
#include "ingest_test_util.h"
#include "copy_test_util.h"

static const char *const NAMES9[TU_NTYPES] = {"b", "i", "big", "d", "dec", "s", "day", "ts", "iv"};

/* Read all of `text` into a reference table; returns the final status. */
static const char *const *csv_names;

static int read_csv(const floe_csv_opts *o, uint32_t ncols, const floe_type *types,
                    const char *text, size_t n, size_t chunk, tu_ref *out, floe_err *err)
{
    floe_csv_reader *r;
    mem_in in = {text, n, 0, chunk, 0};
    floe_value row[16];
    int rc;
    out->ncols = ncols;
    rc = floe_csv_reader_open(o, ncols, types, csv_names, mem_read, &in, &r, err);
    if (rc) return rc;
    for (;;) {
        floe_batch b;
        uint32_t i;
        rc = floe_csv_reader_next(r, &b, err);
        if (rc != FLOE_ROW) break;
        cr_assert_leq(b.n, FLOE_VEC_SIZE);
        cr_assert_gt(b.n, 0);
        for (i = 0; i < b.n; i++) {
            tu_batch_row(&b, i, row);
            tu_ref_push(out, row);
        }
        floe_batch_free(&b);
    }
    floe_csv_reader_close(r);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

static void roundtrip(const floe_csv_opts *o, size_t chunk, uint64_t seed)
{
    floe_type types[TU_NTYPES];
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref want = {0}, got = {0};
    floe_value row[TU_NTYPES];
    floe_err err = FLOE_ERR_INIT;
    int k;
    uint64_t i;

    tu_all_types(types);
    want.ncols = TU_NTYPES;
    if (o->header) cr_assert_eq(floe_csv_write_header(o, TU_NTYPES, NAMES9, sb_write, &sb, &err), FLOE_OK);
    for (k = 0; k < 3; k++) {
        floe_batch b;
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 2500), j;
        cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, n), FLOE_OK);
        fill_tricky(&b, n, &seed);
        cr_assert_eq(floe_csv_write_batch(o, &b, sb_write, &sb, &err), FLOE_OK);
        for (j = 0; j < n; j++) {
            tu_batch_row(&b, j, row);
            tu_ref_push(&want, row);
        }
        floe_batch_free(&b);
    }
    cr_assert(floe_strbuf_ok(&sb));
    cr_assert_eq(read_csv(o, TU_NTYPES, types, sb.s, sb.len, chunk, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.nrows, want.nrows);
    for (i = 0; i < want.nrows * TU_NTYPES; i++)
        cr_assert(tu_value_eq(&got.vals[i], &want.vals[i]), "row %llu col %llu differs",
                  (unsigned long long)(i / TU_NTYPES), (unsigned long long)(i % TU_NTYPES));
    tu_ref_free(&want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

Test(csv, round_trip_all_types_default_dialect)
{
    floe_csv_opts o;
    memset(&o, 0, sizeof o);
    o.header = true;
    roundtrip(&o, 7, 1);
    roundtrip(&o, 0, 2);
}

Test(csv, round_trip_custom_delimiter_quote_escape_and_null)
{
    floe_csv_opts o;
    memset(&o, 0, sizeof o);
    o.delimiter = '|';
    o.quote = '\'';
    o.escape = '\\';
    o.null_str = "NULL";
    roundtrip(&o, 5, 3);
}

Test(csv, rfc4180_quoting_and_line_endings)
{
    floe_type t[3] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_VARCHAR),
                      floe_type_make(FLOE_TYPE_INTEGER)};
    const char *text = "name,note,n\r\n"
                       "plain,\"a,b\",1\r\n"
                       "\"say \"\"hi\"\"\",\"two\nlines\",2\n"
                       ",\"\",\n"
                       "\n"
                       "last,x,3"; /* no final line break */
    floe_csv_opts o;
    tu_ref got = {0};
    floe_err err = FLOE_ERR_INIT;
    memset(&o, 0, sizeof o);
    o.header = true;
    cr_assert_eq(read_csv(&o, 3, t, text, strlen(text), 3, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.nrows, 4);
    cr_assert_eq(got.vals[3].v.s.len, 8);
    cr_assert(memcmp(got.vals[3].v.s.ptr, "say \"hi\"", 8) == 0);
    cr_assert(memcmp(got.vals[1].v.s.ptr, "a,b", 3) == 0);
    cr_assert(memcmp(got.vals[4].v.s.ptr, "two\nlines", 9) == 0);
    cr_assert(got.vals[6].is_null, "unquoted empty is NULL");
    cr_assert(!got.vals[7].is_null && got.vals[7].v.s.len == 0, "quoted empty is ''");
    cr_assert(got.vals[8].is_null);
    cr_assert_eq(got.vals[11].v.i, 3);
    tu_ref_free(&got);
}

static int read_err(const char *text, size_t max_field, floe_err *err)
{
    floe_type t[3] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_INTEGER),
                      floe_type_make(FLOE_TYPE_DOUBLE)};
    static const char *const names[3] = {"s", "i", "d"};
    floe_csv_opts o;
    tu_ref got = {0};
    int rc;
    memset(&o, 0, sizeof o);
    o.header = true;
    o.source_name = "data.csv";
    csv_names = names;
    o.max_field_bytes = max_field;
    rc = read_csv(&o, 3, t, text, strlen(text), 4, &got, err);
    csv_names = NULL;
    tu_ref_free(&got);
    return rc;
}

#define HDR "s,i,d\n"

Test(csv, malformed_inputs_give_documented_errors)
{
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(read_err(HDR "a,1,2\n\"open,1,2\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "data.csv:3: unterminated quoted field") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "\"a\"x,1,2\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "after closing quote") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "a\"b,1,2\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "quote inside an unquoted field") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "a,1,2\nb,2\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "data.csv:3: expected 3 columns, found 2") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "a,1,2\nb,2,3,4\n", 0, &err), FLOE_PARSE);
    cr_assert_eq(read_err(HDR "a,1,2\nb,12x,3\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "data.csv:3: column i (2): invalid INTEGER '12x' (byte 14)") != NULL,
              "%s", err.msg);
    cr_assert_eq(read_err(HDR "b,2147483648,3\n", 0, &err), FLOE_RANGE);
    cr_assert(strstr(err.msg, "column i (2)") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "b,1,1e999\n", 0, &err), FLOE_RANGE);
    cr_assert_eq(read_err(HDR "b,1,nope\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "column d (3)") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "ok\xc3\x28,1,2\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "invalid UTF-8") != NULL && strstr(err.msg, "column s (1)") != NULL,
              "%s", err.msg);
    cr_assert_eq(read_err("", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "empty file") != NULL, "%s", err.msg);
    cr_assert_eq(read_err("s,i\n", 0, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "header has 2 fields") != NULL, "%s", err.msg);
    cr_assert_eq(read_err(HDR "", 0, &err), FLOE_OK, "header only: no rows");
}

Test(csv, huge_field_is_a_range_error)
{
    floe_err err = FLOE_ERR_INIT;
    char *text = malloc(200000);
    size_t n = 0;
    n += (size_t)sprintf(text, HDR "a,1,2\n\"");
    memset(text + n, 'x', 150000);
    n += 150000;
    strcpy(text + n, "\",1,2\n");
    cr_assert_eq(read_err(text, 100000, &err), FLOE_RANGE);
    cr_assert(strstr(err.msg, "data.csv:3: field longer than 100000 bytes") != NULL, "%s", err.msg);
    /* the same field unquoted, and under the limit it loads fine */
    text[strlen(HDR "a,1,2\n")] = 'y';
    cr_assert_eq(read_err(text, 100000, &err), FLOE_RANGE);
    cr_assert_eq(read_err(text, 1000000, &err), FLOE_PARSE, "the stray closing quote");
    free(text);
}

Test(csv, empty_input_without_header_has_no_rows)
{
    floe_type t = floe_type_make(FLOE_TYPE_INTEGER);
    floe_csv_opts o;
    tu_ref got = {0};
    memset(&o, 0, sizeof o);
    cr_assert_eq(read_csv(&o, 1, &t, "", 0, 0, &got, NULL), FLOE_OK);
    cr_assert_eq(got.nrows, 0);
    /* one column: an empty line is a NULL row */
    cr_assert_eq(read_csv(&o, 1, &t, "1\n\n3\n", 5, 0, &got, NULL), FLOE_OK);
    cr_assert_eq(got.nrows, 3);
    cr_assert(got.vals[1].is_null);
    tu_ref_free(&got);
}

Test(csv, rejects_mode_reports_bad_rows_and_continues)
{
    floe_type t[3] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_INTEGER),
                      floe_type_make(FLOE_TYPE_DOUBLE)};
    const char *text = HDR "a,1,1.5\n"
                           "b,x,2\n"
                           "c,3,3\n"
                           "d,4\n"
                           "\"e\nf\",5,5\n"
                           "g,\"6\",oops\n"
                           "h,7,7\n";
    floe_csv_opts o;
    rejects rj;
    tu_ref got = {0};
    floe_err err = FLOE_ERR_INIT;
    memset(&o, 0, sizeof o);
    memset(&rj, 0, sizeof rj);
    o.header = true;
    o.on_reject = collect_reject;
    o.reject_ctx = &rj;
    cr_assert_eq(read_csv(&o, 3, t, text, strlen(text), 0, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.nrows, 4);
    cr_assert_eq(got.vals[1 * 3 + 1].v.i, 3);
    cr_assert_eq(got.vals[2 * 3 + 1].v.i, 5);
    cr_assert_eq(got.vals[3 * 3 + 1].v.i, 7);
    cr_assert_eq(rj.n, 3);
    cr_assert_eq(rj.lines[0], 3);
    cr_assert_eq(rj.cols[0], 2);
    cr_assert_str_eq(rj.raw[0], "b,x,2");
    cr_assert(strstr(rj.reason[0], "invalid INTEGER") != NULL);
    cr_assert_eq(rj.lines[1], 5);
    cr_assert_eq(rj.cols[1], 0);
    cr_assert(strstr(rj.reason[1], "expected 3 columns") != NULL);
    cr_assert_eq(rj.lines[2], 8, "line numbers count the line break inside quotes");
    cr_assert_eq(rj.cols[2], 3);
    cr_assert_str_eq(rj.raw[2], "g,\"6\",oops");
    tu_ref_free(&got);
}

typedef struct gen_in {
    uint64_t rows, next;
    char pending[64];
    size_t plen, ppos;
} gen_in;

/* An endless-looking generated CSV: "i,i*2\n" for i < rows. */
static int gen_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    gen_in *g = ctx;
    size_t k = 0;
    (void)err;
    while (k < cap) {
        if (g->ppos == g->plen) {
            if (g->next == g->rows) break;
            g->plen = (size_t)sprintf(g->pending, "%llu,%llu\n", (unsigned long long)g->next,
                                      (unsigned long long)g->next * 2);
            g->ppos = 0;
            g->next++;
        }
        buf[k++] = g->pending[g->ppos++];
    }
    *out_n = k;
    return FLOE_OK;
}

Test(csv, streams_large_input_in_batches)
{
    floe_type t[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_BIGINT)};
    floe_csv_opts o;
    floe_csv_reader *r;
    gen_in g;
    uint64_t expect = 0, batches = 0;
    memset(&o, 0, sizeof o);
    memset(&g, 0, sizeof g);
    g.rows = 300000;
    cr_assert_eq(floe_csv_reader_open(&o, 2, t, NULL, gen_read, &g, &r, NULL), FLOE_OK);
    for (;;) {
        floe_batch b;
        uint32_t i;
        int rc = floe_csv_reader_next(r, &b, NULL);
        if (rc == FLOE_DONE) break;
        cr_assert_eq(rc, FLOE_ROW);
        for (i = 0; i < b.n; i++) {
            cr_assert_eq(FLOE_VEC_DATA(&b.cols[0], int64_t)[i], (int64_t)expect);
            cr_assert_eq(FLOE_VEC_DATA(&b.cols[1], int64_t)[i], (int64_t)expect * 2);
            expect++;
        }
        batches++;
        floe_batch_free(&b);
    }
    cr_assert_eq(expect, 300000);
    cr_assert_eq(floe_csv_reader_rows(r), 300000);
    cr_assert_geq(batches, 300000 / FLOE_VEC_SIZE);
    floe_csv_reader_close(r);
}

/* ------------------------------------------------------------- conversion */

static int conv(floe_type t, const char *s, floe_value *out, floe_err *err)
{
    floe_vec v;
    int rc;
    cr_assert_eq(floe_vec_init(&v, t, 4), FLOE_OK);
    rc = floe_convert_text(&v, 1, s, strlen(s), err);
    if (rc == FLOE_OK) {
        cr_assert(floe_vec_is_valid(&v, 1));
        floe_value_load(t, v.data, 1, out);
    }
    floe_vec_free(&v);
    return rc;
}

Test(convert, numbers_are_fully_validated)
{
    floe_value v;
    floe_type i32 = floe_type_make(FLOE_TYPE_INTEGER), i64 = floe_type_make(FLOE_TYPE_BIGINT);
    floe_type dbl = floe_type_make(FLOE_TYPE_DOUBLE), dec = floe_type_decimal(5, 2);
    floe_type bo = floe_type_make(FLOE_TYPE_BOOLEAN);
    cr_assert_eq(conv(i32, "2147483647", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 2147483647);
    cr_assert_eq(conv(i32, " -2147483648 ", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, -2147483648LL);
    cr_assert_eq(conv(i32, "2147483648", &v, NULL), FLOE_RANGE);
    cr_assert_eq(conv(i64, "9223372036854775807", &v, NULL), FLOE_OK);
    cr_assert_eq(conv(i64, "9223372036854775808", &v, NULL), FLOE_RANGE);
    cr_assert_eq(conv(i64, "12 3", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(i64, "", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(i64, "0x10", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(dbl, "1e308", &v, NULL), FLOE_OK);
    cr_assert_eq(conv(dbl, "1e309", &v, NULL), FLOE_RANGE);
    cr_assert_eq(conv(dbl, "0x1p3", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(dbl, "2.5e-3", &v, NULL), FLOE_OK);
    cr_assert(v.v.d == 2.5e-3);
    cr_assert_eq(conv(dec, "123.456", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 12346);
    cr_assert_eq(conv(dec, "-0.005", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, -1);
    cr_assert_eq(conv(dec, "0.004", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 0);
    cr_assert_eq(conv(dec, "1.5e2", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 15000);
    cr_assert_eq(conv(dec, "999.99", &v, NULL), FLOE_OK);
    cr_assert_eq(conv(dec, "999.995", &v, NULL), FLOE_RANGE, "rounds up past the precision");
    cr_assert_eq(conv(dec, "1000", &v, NULL), FLOE_RANGE);
    cr_assert_eq(conv(dec, "1.2.3", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(dec, ".5", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 50);
    cr_assert_eq(conv(bo, "TRUE", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 1);
    cr_assert_eq(conv(bo, "off", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, 0);
    cr_assert_eq(conv(bo, "maybe", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(floe_type_make(FLOE_TYPE_DATE), "2024-02-30", &v, NULL), FLOE_PARSE);
    cr_assert_eq(conv(floe_type_make(FLOE_TYPE_DATE), "2024-02-29", &v, NULL), FLOE_OK);
    cr_assert_eq(v.v.i, floe_date_from_ymd(2024, 2, 29));
}

Test(convert, utf8_validation)
{
    size_t at;
    cr_assert(floe_utf8_valid("h\xc3\xa9llo \xf0\x9f\x98\x80", 11, &at));
    cr_assert(!floe_utf8_valid("ab\xc0\xaf", 4, &at));
    cr_assert_eq(at, 2, "overlong");
    cr_assert(!floe_utf8_valid("\xed\xa0\x80", 3, &at), "surrogate");
    cr_assert(!floe_utf8_valid("\xf4\x90\x80\x80", 4, &at), "above U+10FFFF");
    cr_assert(!floe_utf8_valid("x\xe2\x82", 3, &at));
    cr_assert_eq(at, 1, "truncated");
    cr_assert(!floe_utf8_valid("\x80", 1, &at), "stray continuation");
}
