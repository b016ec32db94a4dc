/* tests/bench/test_output.c: answer comparison rules, statistics, and the
 * results file / SVG chart the report writes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_report.h"
#include "bench/bench_stats.h"
#include "bench/bench_table.h"

static floe_bench_table *table1(const char *const *cells, uint32_t ncols, uint64_t nrows)
{
    floe_bench_table *t = floe_bench_table_new(ncols);
    floe_err err = FLOE_ERR_INIT;
    uint64_t r, row;
    uint32_t c;
    for (r = 0; r < nrows; r++) {
        cr_assert_eq(floe_bench_table_add_row(t, &row, &err), FLOE_OK);
        for (c = 0; c < ncols; c++) {
            const char *s = cells[r * ncols + c];
            cr_assert_eq(floe_bench_table_set(t, row, c, s, s ? strlen(s) : 0, &err), FLOE_OK);
        }
    }
    return t;
}

Test(table, timestamps_dates_and_numbers_normalise_like_check_results)
{
    const char *a[] = {"2024-01-07T23:02:00.000Z", "1995-03-05", "123.5", "x", NULL, "38347"};
    const char *b[] = {"2024-01-07 23:02", "1995-03-05T00:00:00.000Z", "123.50000000001", "x", NULL,
                       "38347.0"};
    const char *c[] = {"2024-01-07 23:03:00", "1995-03-05", "123.5", "x", NULL, "38347"};
    floe_bench_table *ta = table1(a, 6, 1), *tb = table1(b, 6, 1), *tc = table1(c, 6, 1);
    char why[200];
    cr_assert(floe_bench_table_same(ta, tb, 1e-9, why, sizeof why), "%s", why);
    cr_assert_not(floe_bench_table_same(ta, tc, 1e-9, why, sizeof why));
    cr_assert(strstr(why, "row 0 col 0") != NULL, "%s", why);
    floe_bench_table_free(ta);
    floe_bench_table_free(tb);
    floe_bench_table_free(tc);
}

Test(table, tolerance_is_relative_and_shape_must_match)
{
    const char *a[] = {"1000000", "0.5"}, *b[] = {"1000000.002", "0.5"}, *c[] = {"1000000.0000001", "0.5"};
    floe_bench_table *ta = table1(a, 2, 1), *tb = table1(b, 2, 1), *tc = table1(c, 2, 1),
                     *td = table1(a, 1, 2);
    char why[200];
    cr_assert_not(floe_bench_table_same(ta, tb, 1e-9, why, sizeof why));
    cr_assert(floe_bench_table_same(ta, tc, 1e-9, why, sizeof why), "%s", why);
    cr_assert_not(floe_bench_table_same(ta, td, 1e-9, why, sizeof why));
    cr_assert(strstr(why, "shape") != NULL);
    floe_bench_table_free(ta);
    floe_bench_table_free(tb);
    floe_bench_table_free(tc);
    floe_bench_table_free(td);
}

Test(table, empty_answers_are_equal_whatever_their_columns)
{
    floe_bench_table *a = floe_bench_table_new(6), *b = floe_bench_table_new(1);
    const char *one[] = {"1"};
    floe_bench_table *c = table1(one, 1, 1);
    char why[200];
    cr_assert(floe_bench_table_same(a, b, 1e-9, why, sizeof why));
    cr_assert_not(floe_bench_table_same(a, c, 1e-9, why, sizeof why));
    floe_bench_table_free(a);
    floe_bench_table_free(b);
    floe_bench_table_free(c);
}

Test(table, null_differs_from_text_and_text_is_exact)
{
    const char *a[] = {NULL, "A"}, *b[] = {"NULL", "A"}, *c[] = {NULL, "a"};
    floe_bench_table *ta = table1(a, 2, 1), *tb = table1(b, 2, 1), *tc = table1(c, 2, 1);
    char why[200];
    cr_assert_not(floe_bench_table_same(ta, tb, 1e-9, why, sizeof why));
    cr_assert_not(floe_bench_table_same(ta, tc, 1e-9, why, sizeof why));
    floe_bench_table_free(ta);
    floe_bench_table_free(tb);
    floe_bench_table_free(tc);
}

Test(stats, median_and_percentiles_match_a_sorted_array)
{
    floe_bench_samples s = FLOE_BENCH_SAMPLES_INIT;
    floe_err err = FLOE_ERR_INIT;
    int i;
    /* 1..100 in a scrambled order */
    for (i = 0; i < 100; i++) cr_assert_eq(floe_bench_samples_add(&s, (double)((i * 37) % 100 + 1), &err), FLOE_OK);
    cr_assert_float_eq(floe_bench_samples_median(&s), 50.5, 1e-12);
    cr_assert_float_eq(floe_bench_samples_pct(&s, 50), 50, 1e-12);
    cr_assert_float_eq(floe_bench_samples_pct(&s, 95), 95, 1e-12);
    cr_assert_float_eq(floe_bench_samples_pct(&s, 99), 99, 1e-12);
    cr_assert_float_eq(floe_bench_samples_pct(&s, 100), 100, 1e-12);
    cr_assert_float_eq(floe_bench_samples_min(&s), 1, 1e-12);
    cr_assert_float_eq(floe_bench_samples_max(&s), 100, 1e-12);
    floe_bench_samples_free(&s);
    cr_assert_float_eq(floe_bench_samples_median(&s), 0, 1e-12);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    char *buf;
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void fill(floe_bench_report *r)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bench_report_init(r, "floe");
    cr_assert_eq(floe_bench_report_add(r, "query", "tpch_q1", "floe", "s", 0.05, 0.04, 0.06, 0.07, 5, NULL,
                                       NULL, &err), FLOE_OK);
    cr_assert_eq(floe_bench_report_add(r, "query", "tpch_q1", "duckdb", "s", 0.10, 0.09, 0.11, 0.12, 5, NULL,
                                       NULL, &err), FLOE_OK);
    cr_assert_eq(floe_bench_report_add(r, "query", "tpch_q6", "floe", "s", 0.02, 0.02, 0.02, -1, 5, NULL,
                                       NULL, &err), FLOE_OK);
    cr_assert_eq(floe_bench_report_add(r, "query", "tpch_q6", "sqlite", "s", 0, 0, 0, -1, 0,
                                       "answer differs from floe: row 0 col 0: '1' vs '2'", NULL, &err),
                 FLOE_OK);
}

Test(report, csv_has_one_line_per_record_with_ratio_and_status)
{
    floe_bench_report r;
    floe_err err = FLOE_ERR_INIT;
    char path[512], *text;
    snprintf(path, sizeof path, "%s/bench_report_%d.csv", getenv("FLOE_TEST_TMP") ? getenv("FLOE_TEST_TMP") : "/tmp",
             (int)getpid());
    fill(&r);
    cr_assert_eq(floe_bench_report_write(&r, path, &err), FLOE_OK, "%s", err.msg);
    text = slurp(path);
    cr_assert(strstr(text, "workload,case,peer,unit,median,min,max,cold,runs,ratio_ref_over_peer,status\n") == text);
    /* floe 0.05 s vs duckdb 0.10 s: ratio 0.5 */
    cr_assert(strstr(text, "query,tpch_q1,duckdb,s,0.1,0.09,0.11,0.12,5,0.5,\"ok\"\n") != NULL, "%s", text);
    cr_assert(strstr(text, "query,tpch_q6,sqlite,s,0,0,0,,0,,\"answer differs from floe: row 0 col 0: '1' vs '2'\"") !=
              NULL, "%s", text);
    free(text);
    remove(path);
    floe_bench_report_free(&r);
}

Test(report, json_and_svg_are_written)
{
    floe_bench_report r;
    floe_err err = FLOE_ERR_INIT;
    char path[512], svg[600], *text;
    snprintf(path, sizeof path, "%s/bench_report_%d.json", getenv("FLOE_TEST_TMP") ? getenv("FLOE_TEST_TMP") : "/tmp",
             (int)getpid());
    fill(&r);
    cr_assert_eq(floe_bench_report_write(&r, path, &err), FLOE_OK, "%s", err.msg);
    text = slurp(path);
    cr_assert(strstr(text, "{\"reference\": \"floe\", \"results\": [") == text);
    cr_assert(strstr(text, "\"case\": \"tpch_q1\", \"peer\": \"duckdb\"") != NULL);
    cr_assert(strstr(text, "\"ratio_ref_over_peer\": 0.5") != NULL);
    cr_assert(strstr(text, "\"cold\": null") != NULL);
    free(text);
    floe_bench_report_svg_path(path, svg, sizeof svg);
    cr_assert(strcmp(svg + strlen(svg) - 4, ".svg") == 0);
    cr_assert(strstr(svg, ".json") == NULL);
    cr_assert_eq(floe_bench_report_svg(&r, svg, &err), FLOE_OK, "%s", err.msg);
    text = slurp(svg);
    cr_assert(strncmp(text, "<svg ", 5) == 0);
    cr_assert(strstr(text, "</svg>\n") != NULL);
    /* duckdb's bar is the longest of tpch_q1 (480 px), floe's half of it */
    cr_assert(strstr(text, "width=\"480\" height=\"14\" fill=\"#1c7ed6\"") != NULL, "%s", text);
    cr_assert(strstr(text, "width=\"240\" height=\"14\" fill=\"#d9480f\"") != NULL, "%s", text);
    cr_assert(strstr(text, "ERROR: answer differs") != NULL);
    free(text);
    remove(path);
    remove(svg);
    floe_bench_report_free(&r);
}
