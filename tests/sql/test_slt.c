/* tests/sql/test_slt.c: MD5, the sqllogictest parser and result checks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sql/md5.h"
#include "tests/sql/slt_parse.h"

/* The shared corpus beside the checkout (tests/sql/CMakeLists.txt passes
 * its absolute path); the test skips when it is absent. */
#ifndef FLOE_SQLLOGICTEST_DIR
#define FLOE_SQLLOGICTEST_DIR "../shared/sqllogictest"
#endif

Test(md5, rfc1321_test_suite)
{
    static const char *in[] = {
        "", "a", "abc", "message digest", "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
    static const char *out[] = {
        "d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661",
        "900150983cd24fb0d6963f7d28e17f72", "f96b697d7cb7938d525a2f31aaf161d0",
        "c3fcd3d76192e4007dfb496cca67e13b", "d174ab98d277d9f5a5611c2c9f419d9f",
        "57edf4a22be3c955ac49da2e2107b67a"};
    size_t i;
    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char hex[33];
        slt_md5_hex(in[i], strlen(in[i]), hex);
        cr_assert_str_eq(hex, out[i], "md5(\"%s\")", in[i]);
    }
}

Test(md5, split_updates_equal_one_update)
{
    unsigned char data[1000];
    char whole[33], parts[33];
    size_t i, cut;
    for (i = 0; i < sizeof(data); i++) data[i] = (unsigned char)(i * 7 + 3);
    slt_md5_hex(data, sizeof(data), whole);
    for (cut = 0; cut <= sizeof(data); cut += 37) {
        slt_md5 m;
        slt_md5_init(&m);
        slt_md5_update(&m, data, cut);
        slt_md5_update(&m, data + cut, sizeof(data) - cut);
        slt_md5_final_hex(&m, parts);
        cr_assert_str_eq(parts, whole, "cut at %zu", cut);
    }
    /* 1,000,000 'a' (a classic extra vector) */
    {
        slt_md5 m;
        char a[1000];
        memset(a, 'a', sizeof(a));
        slt_md5_init(&m);
        for (i = 0; i < 1000; i++) slt_md5_update(&m, a, sizeof(a));
        slt_md5_final_hex(&m, parts);
        cr_assert_str_eq(parts, "7707d6ae4e027c70eea2a935c2296f21");
    }
}

static const char *script =
    "# a comment\n"
    "hash-threshold 8\n"
    "\n"
    "statement ok\n"
    "CREATE TABLE t1(a INTEGER, b INTEGER)\n"
    "\n"
    "skipif floe\n"
    "statement ok\n"
    "SELECT nothing\n"
    "\n"
    "onlyif mysql # comment after the engine\n"
    "statement ok\n"
    "SELECT mysql_only\n"
    "\n"
    "onlyif floe\n"
    "query IT rowsort label-1\n"
    "SELECT a,\n"
    "  b FROM t1\n"
    "----\n"
    "1\n"
    "x\n"
    "2\ty\n"
    "\n"
    "query I nosort\n"
    "SELECT 1\n"
    "----\n"
    "30 values hashing to 3c13dee48d9356ae19af2515e05e6b54\n"
    "\n"
    "statement error division by zero\n"
    "SELECT 1/0\n"
    "\n"
    "statement error\n"
    "SELECT bad\n"
    "\n"
    "loop i 0 10\n"
    "\n"
    "query\n"
    "\n"
    "halt\n";

Test(slt, parses_every_record_kind)
{
    slt_parser p;
    slt_record r;
    char err[256];
    slt_parser_init(&p, script, "floe");

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.kind, SLT_HASH_THRESHOLD);
    cr_assert_eq(r.threshold, 8);
    cr_assert_eq(r.line, 2);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.kind, SLT_STATEMENT);
    cr_assert_eq(r.expect_error, 0);
    cr_assert_str_eq(r.sql, "CREATE TABLE t1(a INTEGER, b INTEGER)");
    cr_assert_eq(r.skip, 0);
    cr_assert_eq(r.line, 4);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.skip, 1); /* skipif floe */
    cr_assert_eq(r.line, 8);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.skip, 1); /* onlyif mysql */
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.kind, SLT_QUERY);
    cr_assert_eq(r.skip, 0); /* onlyif floe */
    cr_assert_str_eq(r.types, "IT");
    cr_assert_eq(r.sort, SLT_ROWSORT);
    cr_assert_str_eq(r.label, "label-1");
    cr_assert_str_eq(r.sql, "SELECT a,\n  b FROM t1");
    cr_assert_eq(r.nexpected, 4);
    cr_assert_str_eq(r.expected[0], "1");
    cr_assert_str_eq(r.expected[1], "x");
    cr_assert_str_eq(r.expected[2], "2");
    cr_assert_str_eq(r.expected[3], "y");
    cr_assert_eq(r.hash_count, -1);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.hash_count, 30);
    cr_assert_str_eq(r.hash, "3c13dee48d9356ae19af2515e05e6b54");
    cr_assert_eq(r.nexpected, 0);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.expect_error, 1);
    cr_assert_str_eq(r.error_text, "division by zero");
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.expect_error, 1);
    cr_assert_null(r.error_text);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.kind, SLT_UNKNOWN);
    cr_assert_str_eq(r.command, "loop");
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), -1); /* query without types */
    cr_assert(strstr(err, "line 37") != NULL, "%s", err);
    slt_record_free(&r);

    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 1);
    cr_assert_eq(r.kind, SLT_HALT);
    slt_record_free(&r);
    cr_assert_eq(slt_next(&p, &r, err, sizeof(err)), 0);
}

Test(slt, parses_the_shared_corpus_without_errors)
{
    /* Every record of select1.test parses; counts checked against a plain
     * line count of the record keywords. */
    FILE *f = fopen(FLOE_SQLLOGICTEST_DIR "/select1.test", "rb");
    char *text, err[256], line[65536];
    long size, want = 0, got = 0;
    slt_parser p;
    slt_record r;
    int st;
    if (f == NULL) cr_skip_test("shared sqllogictest corpus not present");
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "statement ", 10) || !strncmp(line, "query ", 6)) want++;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    text = malloc((size_t)size + 1);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    slt_parser_init(&p, text, "floe");
    while ((st = slt_next(&p, &r, err, sizeof(err))) != 0) {
        cr_assert_eq(st, 1, "%s", err);
        if (r.kind == SLT_STATEMENT || r.kind == SLT_QUERY) got++;
        slt_record_free(&r);
    }
    cr_assert_eq(got, want);
    free(text);
}

Test(slt, formats_values_like_the_reference_runner)
{
    char b[64];
    slt_value v = {0, FLOE_TYPE_BIGINT, -42, 0, "-42"};
    slt_format_value('I', &v, b, sizeof(b));
    cr_assert_str_eq(b, "-42");
    slt_format_value('R', &v, b, sizeof(b));
    cr_assert_str_eq(b, "-42.000");
    slt_format_value('T', &v, b, sizeof(b));
    cr_assert_str_eq(b, "-42");
    v = (slt_value){0, FLOE_TYPE_DOUBLE, 0, -7.9, "-7.9"};
    slt_format_value('I', &v, b, sizeof(b));
    cr_assert_str_eq(b, "-7"); /* truncated toward zero */
    slt_format_value('R', &v, b, sizeof(b));
    cr_assert_str_eq(b, "-7.900");
    v = (slt_value){0, FLOE_TYPE_DECIMAL, 0, 12.345, "12.345"};
    slt_format_value('R', &v, b, sizeof(b));
    cr_assert_str_eq(b, "12.345");
    v = (slt_value){0, FLOE_TYPE_VARCHAR, 0, 0, ""};
    slt_format_value('T', &v, b, sizeof(b));
    cr_assert_str_eq(b, "(empty)");
    v = (slt_value){0, FLOE_TYPE_VARCHAR, 0, 0, "a\tb\xc3\xa9"};
    slt_format_value('T', &v, b, sizeof(b));
    cr_assert_str_eq(b, "a@b@@");
    v = (slt_value){0, FLOE_TYPE_VARCHAR, 0, 0, "12abc"};
    slt_format_value('I', &v, b, sizeof(b));
    cr_assert_str_eq(b, "12");
    v = (slt_value){1, FLOE_TYPE_VARCHAR, 0, 0, NULL};
    slt_format_value('I', &v, b, sizeof(b));
    cr_assert_str_eq(b, "NULL");
    v = (slt_value){0, FLOE_TYPE_BOOLEAN, 1, 0, "true"};
    slt_format_value('I', &v, b, sizeof(b));
    cr_assert_str_eq(b, "1");
    v = (slt_value){0, FLOE_TYPE_DATE, 0, 0, "2024-02-29"};
    slt_format_value('T', &v, b, sizeof(b));
    cr_assert_str_eq(b, "2024-02-29");
}

Test(slt, rowsort_valuesort_and_hash_compare)
{
    char *vals[] = {"b", "2", "a", "9", "b", "1", "NULL", "0"};
    char *rows[8], *v2[8];
    slt_record rec;
    char hex[33], joined[64] = "";
    size_t i;
    memcpy(rows, vals, sizeof(vals));
    cr_assert_eq(slt_sort_values(rows, 4, 2, SLT_ROWSORT), 0);
    /* rows sorted by strcmp of the first value, then the second */
    cr_assert_str_eq(rows[0], "NULL");
    cr_assert_str_eq(rows[2], "a");
    cr_assert_str_eq(rows[4], "b");
    cr_assert_str_eq(rows[5], "1");
    cr_assert_str_eq(rows[6], "b");
    cr_assert_str_eq(rows[7], "2");
    memcpy(v2, vals, sizeof(vals));
    cr_assert_eq(slt_sort_values(v2, 4, 2, SLT_VALUESORT), 0);
    cr_assert_str_eq(v2[0], "0");
    cr_assert_str_eq(v2[7], "b");
    /* hash == md5 of the values joined with trailing newlines */
    for (i = 0; i < 8; i++) strcat(strcat(joined, rows[i]), "\n");
    slt_md5_hex(joined, strlen(joined), hex);
    memset(&rec, 0, sizeof(rec));
    rec.hash_count = 8;
    memcpy(rec.hash, hex, 33);
    cr_assert(slt_result_matches(&rec, rows, 8));
    cr_assert(!slt_result_matches(&rec, rows, 7));
    cr_assert(!slt_result_matches(&rec, v2, 8));
    rec.hash_count = -1;
    rec.expected = rows;
    rec.nexpected = 8;
    cr_assert(slt_result_matches(&rec, rows, 8));
    cr_assert(!slt_result_matches(&rec, v2, 8));
}
