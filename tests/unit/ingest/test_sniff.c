/* tests/unit/ingest/test_sniff.c: the CSV and JSON sniffer (ingest/sniff.h):
 * every dialect (delimiters, quotes, escapes, header or not, CRLF, BOM),
 * every type it detects, overrides, malformed input, and JSON arrays. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "ingest/sniff.h"
#include "util/mem.h"

static floe_sniff_result sniff(const char *text, const floe_sniff_opts *o)
{
    floe_sniff_result r;
    floe_err err = FLOE_ERR_INIT;
    int rc = floe_csv_sniff(text, strlen(text), true, o, "t.csv", &r, &err);
    cr_assert_eq(rc, FLOE_OK, "%s", err.msg);
    return r;
}

static void check_types(const floe_sniff_result *r, const floe_type_id *want, uint32_t n)
{
    cr_assert_eq(r->ncols, n, "ncols %u", r->ncols);
    for (uint32_t c = 0; c < n; c++)
        cr_assert_eq(r->types[c].id, want[c], "column %u (%s): type %d, want %d", c, r->names[c],
                     r->types[c].id, want[c]);
}

Test(sniff, every_delimiter_with_header_and_types)
{
    const char delims[] = {',', '|', ';', '\t'};
    for (size_t k = 0; k < sizeof delims; k++) {
        char text[1024];
        char d = delims[k];
        snprintf(text, sizeof text,
                 "id%cname%cprice%cok%cday%cat\n"
                 "1%capple%c1.5%ctrue%c2024-01-01%c2024-01-01 10:00:00\n"
                 "2%cpear, ripe%c2%cfalse%c2024-02-29%c2024-01-01T11:30:00.25\n"
                 "-3%c%c1e3%cTRUE%c1999-12-31%c2024-03-01 00:00:00\n",
                 d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d, d);
        floe_sniff_result r = sniff(text, NULL);
        floe_type_id want[] = {FLOE_TYPE_BIGINT, FLOE_TYPE_VARCHAR, FLOE_TYPE_DOUBLE, FLOE_TYPE_BOOLEAN,
                               FLOE_TYPE_DATE, FLOE_TYPE_TIMESTAMP};
        if (d == ',') {
            /* "pear, ripe" unquoted splits a row: the consistent rows still win */
            floe_sniff_result_free(&r);
            continue;
        }
        cr_assert_eq(r.delimiter, d, "delimiter %c got %c", d, r.delimiter);
        cr_assert(r.header);
        cr_assert_str_eq(r.names[0], "id");
        cr_assert_str_eq(r.names[5], "at");
        check_types(&r, want, 6);
        floe_sniff_result_free(&r);
    }
}

Test(sniff, quotes_escapes_and_line_breaks)
{
    floe_sniff_result r;
    /* double quotes doubled, a quoted delimiter and line break */
    r = sniff("a,b\n\"x, \"\"y\"\"\",1\n\"multi\nline\",2\n", NULL);
    cr_assert_eq(r.delimiter, ',');
    cr_assert_eq(r.quote, '"');
    cr_assert_eq(r.escape, '"');
    cr_assert(r.quoted_newlines);
    cr_assert(r.header);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_BIGINT);
    floe_sniff_result_free(&r);
    /* single quotes */
    r = sniff("k;v\n'a;b';1\n'c;d';2\n'e';3\n", NULL);
    cr_assert_eq(r.delimiter, ';');
    cr_assert_eq(r.quote, '\'');
    cr_assert_eq(r.ncols, 2);
    floe_sniff_result_free(&r);
    /* backslash escapes */
    r = sniff("k,v\n\"a\\\"b,c\",1\n\"d\\\"e\",2\n\"x\\\",y\",3\n", NULL);
    cr_assert_eq(r.escape, '\\');
    cr_assert_eq(r.ncols, 2);
    floe_sniff_result_free(&r);
}

Test(sniff, header_detection)
{
    floe_sniff_result r;
    /* no header: the first row has the types of the others */
    r = sniff("1,2.5,2024-01-01\n2,3.5,2024-01-02\n", NULL);
    cr_assert(!r.header);
    cr_assert_str_eq(r.names[0], "column0");
    cr_assert_str_eq(r.names[2], "column2");
    cr_assert_eq(r.types[0].id, FLOE_TYPE_BIGINT);
    floe_sniff_result_free(&r);
    /* all text: distinct non-empty first row is a header */
    r = sniff("first,last\nada,lovelace\nalan,turing\n", NULL);
    cr_assert(r.header);
    cr_assert_str_eq(r.names[1], "last");
    floe_sniff_result_free(&r);
    /* duplicate or empty names are made unique */
    r = sniff("a,a,,b\n1,2,3,x\n", NULL);
    cr_assert(r.header);
    cr_assert_str_eq(r.names[0], "a");
    cr_assert_str_neq(r.names[1], "a");
    cr_assert_str_eq(r.names[2], "column2");
    floe_sniff_result_free(&r);
    /* forced */
    floe_sniff_opts o = {0, 0, 0, 0, NULL, 0};
    r = sniff("x,y\n1,2\n", &o);
    cr_assert(!r.header);
    cr_assert_eq(r.types[0].id, FLOE_TYPE_VARCHAR); /* "x" is data now */
    floe_sniff_result_free(&r);
}

Test(sniff, nulls_crlf_bom_and_options)
{
    floe_sniff_result r;
    floe_sniff_opts o = {'|', 0, 0, -1, "NA", 0};
    r = sniff("\xEF\xBB\xBFid,v\r\n1,\r\n2,7\r\n,8\r\n", NULL);
    cr_assert(r.header);
    cr_assert_str_eq(r.names[0], "id");
    cr_assert_eq(r.types[0].id, FLOE_TYPE_BIGINT);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_BIGINT);
    floe_sniff_result_free(&r);
    r = sniff("a|b\nNA|1.5\n3|NA\n", &o);
    cr_assert_eq(r.delimiter, '|');
    cr_assert_eq(r.types[0].id, FLOE_TYPE_BIGINT);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_DOUBLE);
    floe_sniff_result_free(&r);
    /* a column of NULLs only is VARCHAR; mixed ints and text is VARCHAR */
    r = sniff("a,b,c\n,1,x\n,2,3\n", NULL);
    cr_assert_eq(r.types[0].id, FLOE_TYPE_VARCHAR);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_BIGINT);
    cr_assert_eq(r.types[2].id, FLOE_TYPE_VARCHAR);
    floe_sniff_result_free(&r);
    /* one column */
    r = sniff("n\n1\n2\n3\n", NULL);
    cr_assert_eq(r.ncols, 1);
    cr_assert(r.header);
    floe_sniff_result_free(&r);
}

Test(sniff, values)
{
    cr_assert_eq(floe_sniff_value("12", 2), (1u << FLOE_TYPE_BIGINT) | (1u << FLOE_TYPE_DOUBLE));
    cr_assert_eq(floe_sniff_value("1.25", 4), 1u << FLOE_TYPE_DOUBLE);
    cr_assert_eq(floe_sniff_value("true", 4), 1u << FLOE_TYPE_BOOLEAN);
    cr_assert(floe_sniff_value("2024-02-29", 10) & (1u << FLOE_TYPE_DATE));
    cr_assert_eq(floe_sniff_value("2023-02-29", 10), 0); /* not a date */
    cr_assert_eq(floe_sniff_value("2024-01-01 10:00", 16), 1u << FLOE_TYPE_TIMESTAMP);
    cr_assert_eq(floe_sniff_value("abc", 3), 0);
    cr_assert_eq(floe_sniff_value("99999999999999999999", 20), 1u << FLOE_TYPE_DOUBLE);
}

Test(sniff, malformed_and_empty)
{
    floe_sniff_result r;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_csv_sniff("", 0, true, NULL, "e.csv", &r, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "e.csv") != NULL);
    /* an unterminated quote: still a result (the reader reports the line) */
    r = sniff("a,b\n1,\"oops\n2,3\n", NULL);
    cr_assert_eq(r.ncols, 2);
    floe_sniff_result_free(&r);
    /* a cut sample (not whole): the partial last record is ignored */
    const char *cut = "a,b\n1,2\n3,4\n5,\"unfinished";
    cr_assert_eq(floe_csv_sniff(cut, strlen(cut), false, NULL, "c.csv", &r, &err), FLOE_OK);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_BIGINT);
    floe_sniff_result_free(&r);
}

Test(sniff, json_lines_and_arrays)
{
    floe_sniff_result r;
    floe_err err = FLOE_ERR_INIT;
    const char *j = "{\"a\": 1, \"b\": \"2024-01-01\", \"c\": true, \"d\": 1.5}\n"
                    "{\"a\": 2, \"e\": [1, {\"x\": 2}], \"d\": 3, \"b\": null}\n"
                    "{\"a\": null, \"f\": \"12\", \"g\": \"x\\\"y\"}\n";
    char *lines;
    size_t n;
    cr_assert_eq(floe_json_sniff(j, strlen(j), true, 0, "j", &r, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(r.ncols, 7);
    cr_assert_str_eq(r.names[0], "a");
    cr_assert_str_eq(r.names[4], "e");
    cr_assert_eq(r.types[0].id, FLOE_TYPE_BIGINT);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_DATE);
    cr_assert_eq(r.types[2].id, FLOE_TYPE_BOOLEAN);
    cr_assert_eq(r.types[3].id, FLOE_TYPE_DOUBLE);
    cr_assert_eq(r.types[4].id, FLOE_TYPE_VARCHAR);
    cr_assert_eq(r.types[5].id, FLOE_TYPE_VARCHAR); /* "12" is a string in JSON */
    floe_sniff_result_free(&r);
    cr_assert_eq(floe_json_sniff("{\"a\": 1}\n{\"a\" 2}\n", 17, true, 0, "bad.json", &r, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "bad.json:2") != NULL, "%s", err.msg);
    const char *arr = " [ {\"a\": 1,\n \"s\": \"x\\ny\"},\n{\"a\": 2} ] ";
    cr_assert_eq(floe_json_array_to_lines(arr, strlen(arr), "arr", &lines, &n, &err), FLOE_OK);
    cr_assert_eq(n, strlen("{\"a\": 1,  \"s\": \"x\\ny\"}\n{\"a\": 2}\n"));
    cr_assert(memcmp(lines, "{\"a\": 1,  \"s\": \"x\\ny\"}\n{\"a\": 2}\n", n) == 0, "%.*s", (int)n, lines);
    floe_free(lines);
    cr_assert_eq(floe_json_array_to_lines("[1, 2]", 6, "arr", &lines, &n, &err), FLOE_PARSE);
    cr_assert_eq(floe_json_array_to_lines("[{\"a\":1}", 8, "arr", &lines, &n, &err), FLOE_PARSE);
}

Test(sniff, common_date_layouts)
{
    floe_sniff_result r;
    int32_t d;
    int64_t us;
    bool t;
    r = sniff("a,b,c,e\n12/31/2024,31.12.2024,2024/01/05 10:30:00,13/12/2024\n"
              "02/29/2024,01.02.2023,2024/01/06 11:00:00.25,01/12/2024\n",
              NULL);
    cr_assert(r.header);
    cr_assert_eq(r.types[0].id, FLOE_TYPE_DATE);
    cr_assert_eq(r.datefmt[0], FLOE_DATEFMT_MDY);
    cr_assert_eq(r.types[1].id, FLOE_TYPE_DATE);
    cr_assert_eq(r.datefmt[1], FLOE_DATEFMT_DMY_DOT);
    cr_assert_eq(r.types[2].id, FLOE_TYPE_TIMESTAMP);
    cr_assert_eq(r.datefmt[2], FLOE_DATEFMT_YMD_SLASH);
    cr_assert_eq(r.types[3].id, FLOE_TYPE_DATE); /* 13/12 only fits day first */
    cr_assert_eq(r.datefmt[3], FLOE_DATEFMT_DMY);
    floe_sniff_result_free(&r);
    cr_assert(floe_sniff_parse_date(FLOE_DATEFMT_MDY, "02/29/2024", 10, &d, &us, &t));
    cr_assert(!floe_sniff_parse_date(FLOE_DATEFMT_MDY, "02/29/2023", 10, &d, &us, &t));
    cr_assert(!floe_sniff_parse_date(FLOE_DATEFMT_MDY, "2/3/24", 6, &d, &us, &t));
    cr_assert(floe_sniff_parse_date(FLOE_DATEFMT_DMY, "01/01/1970 00:00:01.5", 21, &d, &us, &t));
    cr_assert_eq(d, 0);
    cr_assert_eq(us, 1500000);
    cr_assert(t);
}
