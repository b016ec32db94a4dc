/* tests/unit/ingest/test_jsonl.c: JSON-lines reader and writer. */
#include "ingest/csv.h"
#include "ingest/jsonl.h"
#include "ingest_test_util.h"
#include "copy_test_util.h"

static const char *const J9[TU_NTYPES] = {"b", "i", "big", "d", "dec", "s", "day", "ts", "iv"};

static int read_jsonl(const floe_jsonl_opts *o, uint32_t ncols, const floe_type *types,
                      const char *const *names, const char *text, size_t n, size_t chunk,
                      tu_ref *out, floe_err *err)
{
    floe_jsonl_reader *r;
    mem_in in = {text, n, 0, chunk, 0};
    floe_value row[16];
    int rc;
    out->ncols = ncols;
    rc = floe_jsonl_reader_open(o, ncols, types, names, mem_read, &in, &r, err);
    if (rc) return rc;
    for (;;) {
        floe_batch b;
        uint32_t i;
        rc = floe_jsonl_reader_next(r, &b, err);
        if (rc != FLOE_ROW) break;
        for (i = 0; i < b.n; i++) {
            tu_batch_row(&b, i, row);
            tu_ref_push(out, row);
        }
        floe_batch_free(&b);
    }
    floe_jsonl_reader_close(r);
    return rc == FLOE_DONE ? FLOE_OK : rc;
}

Test(jsonl, round_trip_all_types)
{
    floe_type types[TU_NTYPES];
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref want = {0}, got = {0};
    floe_value row[TU_NTYPES];
    floe_jsonl_opts o;
    floe_err err = FLOE_ERR_INIT;
    uint64_t seed = 9, i;
    int k;

    tu_all_types(types);
    want.ncols = TU_NTYPES;
    memset(&o, 0, sizeof o);
    for (k = 0; k < 3; k++) {
        floe_batch b;
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 2500), j;
        cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, n), FLOE_OK);
        fill_tricky(&b, n, &seed);
        if (k == 1) { /* inf and nan go as strings */
            FLOE_VEC_DATA(&b.cols[3], double)[0] = 1.0 / 0.0;
            FLOE_VEC_DATA(&b.cols[3], double)[1 % n] = -1.0 / 0.0;
            if (b.cols[3].validity) b.cols[3].validity[0] |= 3;
        }
        cr_assert_eq(floe_jsonl_write_batch(J9, &b, sb_write, &sb, &err), FLOE_OK);
        for (j = 0; j < n; j++) {
            tu_batch_row(&b, j, row);
            tu_ref_push(&want, row);
        }
        floe_batch_free(&b);
    }
    cr_assert_eq(read_jsonl(&o, TU_NTYPES, types, J9, sb.s, sb.len, 11, &got, &err), FLOE_OK, "%s",
                 err.msg);
    cr_assert_eq(got.nrows, want.nrows);
    for (i = 0; i < want.nrows * TU_NTYPES; i++)
        cr_assert(tu_value_eq(&got.vals[i], &want.vals[i]), "row %llu col %llu differs",
                  (unsigned long long)(i / TU_NTYPES), (unsigned long long)(i % TU_NTYPES));
    tu_ref_free(&want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

static const char *const N3[3] = {"s", "n", "d"};

static int read3(const char *text, floe_jsonl_opts *o, tu_ref *got, floe_err *err)
{
    floe_type t[3] = {floe_type_make(FLOE_TYPE_VARCHAR), floe_type_make(FLOE_TYPE_BIGINT),
                      floe_type_make(FLOE_TYPE_DOUBLE)};
    floe_jsonl_opts def;
    if (o == NULL) {
        memset(&def, 0, sizeof def);
        def.source_name = "ev.jsonl";
        o = &def;
    }
    return read_jsonl(o, 3, t, N3, text, strlen(text), 3, got, err);
}

Test(jsonl, strings_escapes_and_surrogate_pairs)
{
    tu_ref got = {0};
    floe_err err = FLOE_ERR_INIT;
    const char *text =
        "{\"s\": \"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00\", \"n\": -12, \"d\": 2.5e1}\r\n"
        "\n"
        "{\"d\": \"7.25\", \"s\": {\"x\": [1, true, null]}}\n"
        "{\"n\": 3, \"n\": 4, \"s\": null}";
    cr_assert_eq(read3(text, NULL, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.nrows, 3);
    cr_assert_eq(got.vals[0].v.s.len, strlen("a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80"));
    cr_assert(memcmp(got.vals[0].v.s.ptr, "a\"b\\c/d\n\t\xc3\xa9\xf0\x9f\x98\x80",
                     got.vals[0].v.s.len) == 0);
    cr_assert_eq(got.vals[1].v.i, -12);
    cr_assert(got.vals[2].v.d == 25.0);
    cr_assert(memcmp(got.vals[3].v.s.ptr, "{\"x\": [1, true, null]}", got.vals[3].v.s.len) == 0,
              "nested value kept as raw JSON text");
    cr_assert(got.vals[4].is_null, "missing key is NULL");
    cr_assert(got.vals[5].v.d == 7.25, "strings convert to the column type");
    cr_assert(got.vals[6].is_null);
    cr_assert_eq(got.vals[7].v.i, 4, "the last repeated key wins");
    tu_ref_free(&got);
}

Test(jsonl, malformed_inputs_give_documented_errors)
{
    floe_err err = FLOE_ERR_INIT;
    tu_ref got = {0};
    struct {
        const char *text;
        int code;
        const char *msg;
    } cases[] = {
        {"{\"s\": \"x\"}\n{\"s\": \"\\ud800\"}\n", FLOE_PARSE, "ev.jsonl:2: column s (1): unpaired high surrogate"},
        {"{\"s\": \"\\udc00\"}", FLOE_PARSE, "unpaired low surrogate"},
        {"{\"s\": \"\\q\"}", FLOE_PARSE, "invalid escape"},
        {"{\"s\": \"a\tb\"}", FLOE_PARSE, "control character"},
        {"{\"s\": \"\xc3\x28\"}", FLOE_PARSE, "invalid UTF-8"},
        {"{\"s\": \"x\", \"zz\": 1}", FLOE_PARSE, "ev.jsonl:1: unknown key \"zz\" (byte 17)"},
        {"{\"n\": 1} x", FLOE_PARSE, "trailing characters"},
        {"{\"n\": 01}", FLOE_PARSE, "expected ',' or '}'"},
        {"{\"n\": 1.}", FLOE_PARSE, "column n (2): invalid number"},
        {"{\"n\": 1.5}", FLOE_PARSE, "column n (2): invalid BIGINT '1.5'"},
        {"{\"n\": 99999999999999999999}", FLOE_RANGE, "BIGINT out of range"},
        {"{\"d\": true}", FLOE_TYPE, "column d (3): a boolean cannot load"},
        {"{\"n\": [1]}", FLOE_TYPE, "nested value can only load a VARCHAR"},
        {"[1, 2]", FLOE_PARSE, "expected a JSON object"},
        {"{\"s\" 1}", FLOE_PARSE, "expected ':'"},
        {"{\"s\": \"abc}", FLOE_PARSE, "unterminated string"},
        {"{\"s\": nul}", FLOE_PARSE, "invalid value"},
    };
    size_t k;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int rc = read3(cases[k].text, NULL, &got, &err);
        cr_assert_eq(rc, cases[k].code, "case %zu: rc %d (%s)", k, rc, err.msg);
        cr_assert(strstr(err.msg, cases[k].msg) != NULL, "case %zu: %s", k, err.msg);
        tu_ref_free(&got);
    }
    /* empty input: no rows, no error */
    cr_assert_eq(read3("", NULL, &got, &err), FLOE_OK);
    cr_assert_eq(got.nrows, 0);
    tu_ref_free(&got);
}

Test(jsonl, unknown_keys_can_be_ignored)
{
    floe_jsonl_opts o;
    tu_ref got = {0};
    memset(&o, 0, sizeof o);
    o.ignore_unknown = true;
    cr_assert_eq(read3("{\"x\": {\"deep\": [1, {\"a\": \"b\"}]}, \"n\": 5}", &o, &got, NULL), FLOE_OK);
    cr_assert_eq(got.nrows, 1);
    cr_assert_eq(got.vals[1].v.i, 5);
    tu_ref_free(&got);
}

Test(jsonl, rejects_mode_reports_bad_lines_and_continues)
{
    floe_jsonl_opts o;
    rejects rj;
    tu_ref got = {0};
    floe_err err = FLOE_ERR_INIT;
    const char *text = "{\"n\": 1}\n"
                       "{\"n\": \"x\"}\n"
                       "{\"n\": 3}\n"
                       "not json\n"
                       "{\"n\": 5}\n";
    memset(&o, 0, sizeof o);
    memset(&rj, 0, sizeof rj);
    o.on_reject = collect_reject;
    o.reject_ctx = &rj;
    cr_assert_eq(read3(text, &o, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.nrows, 3);
    cr_assert_eq(got.vals[3 * 1 + 1].v.i, 3);
    cr_assert_eq(got.vals[3 * 2 + 1].v.i, 5);
    cr_assert_eq(rj.n, 2);
    cr_assert_eq(rj.lines[0], 2);
    cr_assert_eq(rj.cols[0], 2);
    cr_assert_str_eq(rj.raw[0], "{\"n\": \"x\"}");
    cr_assert(strstr(rj.reason[0], "invalid BIGINT") != NULL, "%s", rj.reason[0]);
    cr_assert_eq(rj.lines[1], 4);
    cr_assert_eq(rj.cols[1], 0);
    tu_ref_free(&got);
}

Test(jsonl, huge_line_is_a_range_error)
{
    floe_jsonl_opts o;
    tu_ref got = {0};
    floe_err err = FLOE_ERR_INIT;
    size_t n = 300000;
    char *text = malloc(n + 32);
    memset(&o, 0, sizeof o);
    o.max_line_bytes = 100000;
    strcpy(text, "{\"s\": \"");
    memset(text + 7, 'q', n);
    strcpy(text + 7 + n, "\"}\n");
    cr_assert_eq(read3(text, &o, &got, &err), FLOE_RANGE);
    cr_assert(strstr(err.msg, "line longer than 100000 bytes") != NULL, "%s", err.msg);
    o.max_line_bytes = 0;
    cr_assert_eq(read3(text, &o, &got, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(got.vals[0].v.s.len, n);
    free(text);
    tu_ref_free(&got);
}

/* Random mutations of valid input: the readers return an error or rows,
 * never crash or read out of bounds (run under ASan in the sanitizer build). */
Test(copy, random_garbage_never_crashes_the_readers)
{
    floe_type types[TU_NTYPES];
    floe_strbuf csv = FLOE_STRBUF_INIT, js = FLOE_STRBUF_INIT;
    floe_csv_opts co;
    floe_jsonl_opts jo;
    floe_batch b;
    uint64_t seed = 77;
    char *mut;
    int it;

    tu_all_types(types);
    memset(&co, 0, sizeof co);
    memset(&jo, 0, sizeof jo);
    cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 50), FLOE_OK);
    fill_tricky(&b, 50, &seed);
    floe_csv_write_batch(&co, &b, sb_write, &csv, NULL);
    floe_jsonl_write_batch(J9, &b, sb_write, &js, NULL);
    floe_batch_free(&b);
    mut = malloc(csv.len > js.len ? csv.len : js.len);
    for (it = 0; it < 300; it++) {
        const floe_strbuf *src = it % 2 ? &csv : &js;
        size_t n = src->len, k, flips = 1 + tu_rand(&seed) % 8;
        mem_in in;
        int rc;
        memcpy(mut, src->s, n);
        for (k = 0; k < flips; k++) mut[tu_rand(&seed) % n] = (char)(tu_rand(&seed) & 0xff);
        if (tu_rand(&seed) % 4 == 0) n = tu_rand(&seed) % n; /* truncated */
        memset(&in, 0, sizeof in);
        in.p = mut;
        in.n = n;
        in.chunk = 1 + tu_rand(&seed) % 64;
        if (it % 2) {
            floe_csv_reader *r;
            cr_assert_eq(floe_csv_reader_open(&co, TU_NTYPES, types, J9, mem_read, &in, &r, NULL), FLOE_OK);
            do {
                rc = floe_csv_reader_next(r, &b, NULL);
                if (rc == FLOE_ROW) floe_batch_free(&b);
            } while (rc == FLOE_ROW);
            floe_csv_reader_close(r);
        } else {
            floe_jsonl_reader *r;
            cr_assert_eq(floe_jsonl_reader_open(&jo, TU_NTYPES, types, J9, mem_read, &in, &r, NULL), FLOE_OK);
            do {
                rc = floe_jsonl_reader_next(r, &b, NULL);
                if (rc == FLOE_ROW) floe_batch_free(&b);
            } while (rc == FLOE_ROW);
            floe_jsonl_reader_close(r);
        }
        cr_assert(rc == FLOE_DONE || rc == FLOE_PARSE || rc == FLOE_RANGE || rc == FLOE_TYPE,
                  "iteration %d: rc %d", it, rc);
    }
    free(mut);
    floe_strbuf_free(&csv);
    floe_strbuf_free(&js);
}
