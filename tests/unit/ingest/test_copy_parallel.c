/* tests/unit/ingest/test_copy_parallel.c: chunked parallel COPY parsing.
 *
 * Files are made of generated rows (values kept by the test), cut into
 * small chunks (a few KiB) so that many cuts fall inside quoted fields; the
 * parsed rows, errors and rejects are compared with the generated data and
 * with positions the test computes itself. */
#include "ingest/copy_parallel.h"
#include "ingest_test_util.h"
#include "copy_test_util.h"

static const char *const NAMES9[TU_NTYPES] = {"b", "i", "big", "d", "dec", "s", "day", "ts", "iv"};

/* Sink collecting every row into a tu_ref. */
static int ref_sink(void *ctx, floe_batch *b, floe_err *err)
{
    tu_ref *r = ctx;
    floe_value row[16];
    uint32_t i;
    (void)err;
    for (i = 0; i < b->n; i++) {
        tu_batch_row(b, i, row);
        tu_ref_push(r, row);
    }
    floe_batch_free(b);
    return FLOE_OK;
}

static void write_file(char *path, size_t cap, const char *name, const char *p, size_t n)
{
    char dir[4096];
    FILE *f;
    tu_tmpdir(dir, sizeof dir);
    snprintf(path, cap, "%s/%s", dir, name);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void assert_same(const tu_ref *got, const tu_ref *want)
{
    uint64_t i;
    cr_assert_eq(got->nrows, want->nrows, "rows %llu, want %llu", (unsigned long long)got->nrows,
                 (unsigned long long)want->nrows);
    for (i = 0; i < want->nrows * want->ncols; i++)
        cr_assert(tu_value_eq(&got->vals[i], &want->vals[i]), "row %llu col %llu differs",
                  (unsigned long long)(i / want->ncols), (unsigned long long)(i % want->ncols));
}

/* Generate nbatches random batches of all types with tricky strings, as CSV
 * (or JSON lines) text in sb, keeping the values in want. */
static void gen_all_types(bool jsonl, bool header, int nbatches, uint64_t seed, floe_strbuf *sb,
                          tu_ref *want)
{
    floe_type types[TU_NTYPES];
    floe_csv_opts o;
    floe_err err = FLOE_ERR_INIT;
    floe_value row[TU_NTYPES];
    int k;
    memset(&o, 0, sizeof o);
    tu_all_types(types);
    want->ncols = TU_NTYPES;
    if (header && !jsonl) cr_assert_eq(floe_csv_write_header(&o, TU_NTYPES, NAMES9, sb_write, sb, &err), FLOE_OK);
    for (k = 0; k < nbatches; k++) {
        floe_batch b;
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 2048), j;
        cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, n), FLOE_OK);
        fill_tricky(&b, n, &seed);
        if (jsonl)
            cr_assert_eq(floe_jsonl_write_batch(NAMES9, &b, sb_write, sb, &err), FLOE_OK);
        else
            cr_assert_eq(floe_csv_write_batch(&o, &b, sb_write, sb, &err), FLOE_OK);
        for (j = 0; j < n; j++) {
            tu_batch_row(&b, j, row);
            tu_ref_push(want, row);
        }
        floe_batch_free(&b);
    }
    cr_assert(floe_strbuf_ok(sb));
}

static int parse(const char *path, floe_copy_parse_opts *o, uint32_t ncols, const floe_type *types,
                 const char *const *names, tu_ref *got, floe_copy_parse_stats *st, floe_err *err)
{
    got->ncols = ncols;
    return floe_copy_parallel_parse(path, o, ncols, types, names, ref_sink, got, st, err);
}

Test(copy_parallel, csv_all_types_many_chunks_equal_generated_rows)
{
    int header;
    for (header = 0; header < 2; header++) {
        floe_strbuf sb = FLOE_STRBUF_INIT;
        tu_ref want = {0}, got = {0};
        floe_type types[TU_NTYPES];
        floe_copy_parse_opts o;
        floe_copy_parse_stats st;
        floe_err err = FLOE_ERR_INIT;
        char path[4200];
        gen_all_types(false, header, 12, 42 + (uint64_t)header, &sb, &want);
        write_file(path, sizeof path, "all.csv", sb.s, sb.len);
        tu_all_types(types);
        memset(&o, 0, sizeof o);
        o.csv.header = header;
        o.csv.source_name = "all.csv";
        o.chunk_bytes = 8192;
        o.nthreads = 2;
        cr_assert_eq(parse(path, &o, TU_NTYPES, types, NAMES9, &got, &st, &err), FLOE_OK, "%s", err.msg);
        cr_assert_gt(st.chunks, 20, "chunks %u", st.chunks);
        /* tricky strings hold line feeds: some cuts fall inside quoted fields */
        cr_assert_gt(st.reparsed, 0);
        cr_assert_eq(st.rows, want.nrows);
        assert_same(&got, &want);
        tu_ref_free(&want);
        tu_ref_free(&got);
        floe_strbuf_free(&sb);
    }
}

Test(copy_parallel, jsonl_all_types_many_chunks_equal_generated_rows)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref want = {0}, got = {0};
    floe_type types[TU_NTYPES];
    floe_copy_parse_opts o;
    floe_copy_parse_stats st;
    floe_err err = FLOE_ERR_INIT;
    char path[4200];
    gen_all_types(true, false, 10, 7, &sb, &want);
    write_file(path, sizeof path, "all.jsonl", sb.s, sb.len);
    tu_all_types(types);
    memset(&o, 0, sizeof o);
    o.jsonl = true;
    o.js.source_name = "all.jsonl";
    o.chunk_bytes = 8192;
    o.nthreads = 3;
    cr_assert_eq(parse(path, &o, TU_NTYPES, types, NAMES9, &got, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_gt(st.chunks, 20);
    cr_assert_eq(st.reparsed, 0);
    assert_same(&got, &want);
    tu_ref_free(&want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

/* Rows "<i>,\"<s>\"" where every other s holds line feeds and whole fake
 * records, so most chunk cuts fall inside a quoted field. */
static void quoted_newlines(int every)
{
    const size_t chunk = 4096;
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref want = {0}, got = {0};
    floe_type types[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR)};
    const char *names[2] = {"id", "s"};
    floe_copy_parse_opts o;
    floe_copy_parse_stats st;
    floe_err err = FLOE_ERR_INIT;
    char path[4200], val[2048];
    int64_t i;
    int long_fields = 0;
    want.ncols = 2;
    for (i = 0; sb.len < 40 * chunk; i++) {
        floe_value row[2];
        size_t vl = 0, k;
        memset(row, 0, sizeof row);
        if (i % every == 1) {
            /* most bytes sit in fields full of fake rows: most cuts fall inside one */
            while (vl < 600 + (size_t)(i % 5) * 100) vl += (size_t)snprintf(val + vl, sizeof val - vl, "\n%lld,\"\"q\"\"\n", (long long)(vl % 97));
            long_fields++;
        } else {
            vl = (size_t)snprintf(val, sizeof val, "v%lld", (long long)i * 7);
        }
        floe_strbuf_printf(&sb, "%lld,\"", (long long)i);
        for (k = 0; k < vl; k++) {
            if (val[k] == '"') floe_strbuf_putc(&sb, '"');
            floe_strbuf_putc(&sb, val[k]);
        }
        floe_strbuf_append(&sb, "\"\n", 2);
        /* the value as it reads back: doubled quotes undone */
        row[0].type = types[0];
        row[0].is_null = false;
        row[0].v.i = i;
        row[1].type = types[1];
        row[1].is_null = false;
        row[1].v.s.ptr = val;
        row[1].v.s.len = (uint32_t)vl;
        tu_ref_push(&want, row);
    }
    cr_assert(floe_strbuf_ok(&sb));
    cr_assert_gt(long_fields, 10);
    write_file(path, sizeof path, "q.csv", sb.s, sb.len);
    memset(&o, 0, sizeof o);
    o.chunk_bytes = chunk;
    o.nthreads = 2;
    cr_assert_eq(parse(path, &o, 2, types, names, &got, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_geq(st.reparsed, 1, "reparsed %u", st.reparsed);
    assert_same(&got, &want);
    tu_ref_free(&want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

Test(copy_parallel, quoted_newlines_across_chunk_cuts)
{
    quoted_newlines(2);  /* most cuts inside fields: widening gives up, sequential rest */
    quoted_newlines(40); /* some cuts inside fields: verified widening */
}

/* n rows "i,i*2" with row `bad` (0-based) replaced by "i,x<i>"; returns the
 * byte offset of the bad field. Lines are 1-based: line = row + 1. */
static uint64_t gen_simple(floe_strbuf *sb, int n, const int *bad, int nbad)
{
    uint64_t off = 0;
    int i, k;
    for (i = 0; i < n; i++) {
        bool is_bad = false;
        for (k = 0; k < nbad; k++) is_bad |= bad[k] == i;
        if (is_bad) {
            size_t at = sb->len;
            floe_strbuf_printf(sb, "%d,", i);
            off = sb->len;
            (void)at;
            floe_strbuf_printf(sb, "x%d\n", i);
        } else {
            floe_strbuf_printf(sb, "%d,%d\n", i, i * 2);
        }
    }
    return off;
}

Test(copy_parallel, bad_row_in_last_chunk_names_exact_line_and_byte)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref got = {0};
    floe_type types[2] = {floe_type_make(FLOE_TYPE_INTEGER), floe_type_make(FLOE_TYPE_BIGINT)};
    const char *names[2] = {"a", "b"};
    floe_copy_parse_opts o;
    floe_copy_parse_stats st;
    floe_err err = FLOE_ERR_INIT;
    char path[4200], want[256];
    int n = 20000, bad = n - 3;
    uint64_t off = gen_simple(&sb, n, &bad, 1);
    int rc;
    write_file(path, sizeof path, "bad.csv", sb.s, sb.len);
    memset(&o, 0, sizeof o);
    o.csv.source_name = "bad.csv";
    o.chunk_bytes = 4096;
    o.nthreads = 2;
    rc = parse(path, &o, 2, types, names, &got, &st, &err);
    cr_assert_eq(rc, FLOE_PARSE, "%d %s", rc, err.msg);
    cr_assert_gt(st.chunks, 10);
    snprintf(want, sizeof want, "bad.csv:%d: column b (2): ", bad + 1);
    cr_assert_not_null(strstr(err.msg, want), "%s (want %s)", err.msg, want);
    snprintf(want, sizeof want, "(byte %llu)", (unsigned long long)off);
    cr_assert_not_null(strstr(err.msg, want), "%s (want %s)", err.msg, want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

Test(copy_parallel, jsonl_bad_line_in_last_chunk_names_exact_line)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref got = {0};
    floe_type types[2] = {floe_type_make(FLOE_TYPE_INTEGER), floe_type_make(FLOE_TYPE_BIGINT)};
    const char *names[2] = {"a", "b"};
    floe_copy_parse_opts o;
    floe_err err = FLOE_ERR_INIT;
    char path[4200], want[256];
    int i, n = 20000, bad = n - 2;
    for (i = 0; i < n; i++) {
        if (i == bad) floe_strbuf_printf(&sb, "{\"a\": %d, \"b\": \"zz\"}\n", i);
        else floe_strbuf_printf(&sb, "{\"a\": %d, \"b\": %d}\n", i, i * 2);
    }
    write_file(path, sizeof path, "bad.jsonl", sb.s, sb.len);
    memset(&o, 0, sizeof o);
    o.jsonl = true;
    o.js.source_name = "bad.jsonl";
    o.chunk_bytes = 4096;
    o.nthreads = 2;
    cr_assert_neq(parse(path, &o, 2, types, names, &got, NULL, &err), FLOE_OK);
    snprintf(want, sizeof want, "bad.jsonl:%d: column b (2)", bad + 1);
    cr_assert_not_null(strstr(err.msg, want), "%s (want %s)", err.msg, want);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

/* REJECTS: every bad row reported once, in input order, with its line. */
Test(copy_parallel, rejects_reported_in_input_order_with_exact_lines)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref got = {0};
    floe_type types[2] = {floe_type_make(FLOE_TYPE_INTEGER), floe_type_make(FLOE_TYPE_BIGINT)};
    const char *names[2] = {"a", "b"};
    floe_copy_parse_opts o;
    floe_copy_parse_stats st;
    floe_err err = FLOE_ERR_INIT;
    rejects rj;
    char path[4200];
    int bad[8] = {0, 17, 1500, 1501, 7000, 12345, 19990, 19999};
    int n = 20000, i, k;
    uint64_t j;
    gen_simple(&sb, n, bad, 8);
    write_file(path, sizeof path, "rj.csv", sb.s, sb.len);
    memset(&rj, 0, sizeof rj);
    memset(&o, 0, sizeof o);
    o.csv.source_name = "rj.csv";
    o.csv.on_reject = collect_reject;
    o.csv.reject_ctx = &rj;
    o.chunk_bytes = 4096;
    o.nthreads = 2;
    cr_assert_eq(parse(path, &o, 2, types, names, &got, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(rj.n, 8);
    cr_assert_eq(st.rejected, 8);
    for (k = 0; k < 8; k++) {
        char raw[64];
        cr_assert_eq(rj.lines[k], (uint64_t)bad[k] + 1, "reject %d at line %llu", k,
                     (unsigned long long)rj.lines[k]);
        snprintf(raw, sizeof raw, "%d,x%d", bad[k], bad[k]);
        cr_assert_str_eq(rj.raw[k], raw);
        cr_assert_eq(rj.cols[k], 2);
    }
    /* the good rows, in order */
    cr_assert_eq(got.nrows, (uint64_t)(n - 8));
    for (i = 0, j = 0, k = 0; i < n; i++) {
        if (k < 8 && bad[k] == i) {
            k++;
            continue;
        }
        cr_assert_eq(got.vals[j * 2].v.i, i);
        cr_assert_eq(got.vals[j * 2 + 1].v.i, (int64_t)i * 2);
        j++;
    }
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

Test(copy_parallel, small_file_is_one_sequential_chunk)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    tu_ref got = {0};
    floe_type types[2] = {floe_type_make(FLOE_TYPE_INTEGER), floe_type_make(FLOE_TYPE_BIGINT)};
    const char *names[2] = {"a", "b"};
    floe_copy_parse_opts o;
    floe_copy_parse_stats st;
    floe_err err = FLOE_ERR_INIT;
    char path[4200];
    int i;
    gen_simple(&sb, 100, NULL, 0);
    write_file(path, sizeof path, "small.csv", sb.s, sb.len);
    memset(&o, 0, sizeof o);
    cr_assert_eq(parse(path, &o, 2, types, names, &got, &st, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(st.chunks, 1);
    cr_assert_eq(got.nrows, 100);
    for (i = 0; i < 100; i++) cr_assert_eq(got.vals[i * 2 + 1].v.i, (int64_t)i * 2);
    cr_assert_eq(parse("/nonexistent/x.csv", &o, 2, types, names, &got, &st, &err), FLOE_IOERR);
    tu_ref_free(&got);
    floe_strbuf_free(&sb);
}

/* Allocation failures anywhere (workers, consumer, widening, rejects): the
 * parse ends with FLOE_NOMEM or with every row exactly, and frees all. */
Test(copy_parallel, allocation_failures_give_nomem_or_exact_rows_and_no_leaks)
{
    floe_strbuf sb = FLOE_STRBUF_INIT;
    floe_type types[2] = {floe_type_make(FLOE_TYPE_BIGINT), floe_type_make(FLOE_TYPE_VARCHAR)};
    const char *names[2] = {"id", "s"};
    char path[4200];
    int i, fail, sticky, ok_runs = 0, nomem_runs = 0;
    const int n = 300;
    for (i = 0; i < n; i++) {
        if (i % 7 == 3) floe_strbuf_printf(&sb, "%d,\"multi\nline %d\nvalue\"\n", i, i);
        else if (i % 50 == 11) floe_strbuf_printf(&sb, "x%d,bad\n", i); /* rejected */
        else floe_strbuf_printf(&sb, "%d,v%d\n", i, i);
    }
    write_file(path, sizeof path, "oom.csv", sb.s, sb.len);
    for (sticky = 0; sticky < 2; sticky++) {
        for (fail = 0; fail < 300; fail++) {
            tu_ref got = {0};
            rejects rj;
            floe_copy_parse_opts o;
            floe_copy_parse_stats st;
            int64_t live = floe_mem_live();
            int rc;
            memset(&rj, 0, sizeof rj);
            memset(&o, 0, sizeof o);
            o.csv.on_reject = collect_reject;
            o.csv.reject_ctx = &rj;
            o.chunk_bytes = 512;
            o.nthreads = 2;
            got.ncols = 2;
            floe_mem_fail_after(fail, sticky);
            rc = floe_copy_parallel_parse(path, &o, 2, types, names, ref_sink, &got, &st, NULL);
            floe_mem_fail_after(-1, 0);
            if (rc == FLOE_OK) {
                uint64_t r;
                ok_runs++;
                cr_assert_eq(rj.n, n / 50 + (n % 50 > 11), "fail %d sticky %d: %d rejects", fail, sticky, rj.n);
                cr_assert_eq(got.nrows, (uint64_t)(n - rj.n), "fail %d sticky %d", fail, sticky);
                for (r = 0; r < got.nrows; r++) cr_assert(!got.vals[r * 2].is_null);
            } else {
                nomem_runs++;
                cr_assert_eq(rc, FLOE_NOMEM, "fail %d sticky %d: rc %d", fail, sticky, rc);
            }
            tu_ref_free(&got);
            cr_assert_eq(floe_mem_live(), live, "fail %d sticky %d: leak", fail, sticky);
        }
    }
    cr_assert_gt(ok_runs, 0);
    cr_assert_gt(nomem_runs, 0);
    floe_strbuf_free(&sb);
}
