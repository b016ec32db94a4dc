/* tests/shell/test_render.c: output modes of shell/render.c. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shell/render.h"

/* Render rows (nrows x ncols cells) into a malloc'd string. */
static char *render(shell_mode mode, int headers, int max_width, uint64_t max_rows, uint32_t ncols,
                    const char *const *names, const floe_type_id *types,
                    const char *const *tnames, uint64_t nrows, const char *const *cells)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    shell_render_opts o = {mode, headers, max_width, max_rows};
    shell_render *r;
    uint64_t i;
    cr_assert_not_null(f);
    r = shell_render_new(f, &o, ncols, names, types, tnames);
    cr_assert_not_null(r);
    for (i = 0; i < nrows; i++) cr_assert_eq(shell_render_row(r, cells + i * ncols), 0);
    cr_assert_eq(shell_render_end(r), 0);
    fclose(f);
    return buf;
}

static const char *names2[] = {"id", "name"};
static const floe_type_id types2[] = {FLOE_TYPE_BIGINT, FLOE_TYPE_VARCHAR};
static const char *tnames2[] = {"BIGINT", "VARCHAR"};
static const char *cells2[] = {"1", "ann", "22", NULL, "333", "a,b \"q\"", "4", ""};

Test(render, box_has_types_right_aligned_numbers_null_and_footer)
{
    char *s = render(SHELL_MODE_BOX, 1, 120, 40, 2, names2, types2, tnames2, 4, cells2);
    const char *want =
        "┌────────┬─────────┐\n"
        "│   id   │  name   │\n"
        "│ BIGINT │ VARCHAR │\n"
        "├────────┼─────────┤\n"
        "│      1 │ ann     │\n"
        "│     22 │ NULL    │\n"
        "│    333 │ a,b \"q\" │\n"
        "│      4 │         │\n"
        "└────────┴─────────┘\n"
        "4 rows\n";
    cr_assert_str_eq(s, want);
    free(s);
}

Test(render, box_single_row_footer_and_empty_result)
{
    char *s = render(SHELL_MODE_BOX, 1, 120, 40, 2, names2, types2, tnames2, 1, cells2);
    cr_assert(strstr(s, "\n1 row\n") != NULL, "%s", s);
    free(s);
    s = render(SHELL_MODE_BOX, 1, 120, 40, 2, names2, types2, tnames2, 0, cells2);
    cr_assert_str_eq(s, "┌────────┬─────────┐\n"
                        "│   id   │  name   │\n"
                        "│ BIGINT │ VARCHAR │\n"
                        "├────────┼─────────┤\n"
                        "└────────┴─────────┘\n");
    free(s);
}

Test(render, table_mode_is_ascii_without_types)
{
    char *s = render(SHELL_MODE_TABLE, 1, 120, 0, 2, names2, types2, tnames2, 2, cells2);
    cr_assert_str_eq(s, "+----+------+\n"
                        "| id | name |\n"
                        "+----+------+\n"
                        "|  1 | ann  |\n"
                        "| 22 | NULL |\n"
                        "+----+------+\n");
    free(s);
}

Test(render, csv_quotes_and_distinguishes_null_from_empty)
{
    char *s = render(SHELL_MODE_CSV, 1, 0, 0, 2, names2, types2, NULL, 4, cells2);
    cr_assert_str_eq(s, "id,name\n1,ann\n22,\n333,\"a,b \"\"q\"\"\"\n4,\"\"\n");
    free(s);
    s = render(SHELL_MODE_CSV, 0, 0, 0, 2, names2, types2, NULL, 1, cells2);
    cr_assert_str_eq(s, "1,ann\n");
    free(s);
}

Test(render, tsv_escapes_tabs_and_newlines)
{
    const char *cells[] = {"1", "a\tb\nc\\d"};
    char *s = render(SHELL_MODE_TSV, 1, 0, 0, 2, names2, types2, NULL, 1, cells);
    cr_assert_str_eq(s, "id\tname\n1\ta\\tb\\nc\\\\d\n");
    free(s);
}

Test(render, json_and_jsonl)
{
    const char *names[] = {"n", "s", "b", "d"};
    const floe_type_id types[] = {FLOE_TYPE_DOUBLE, FLOE_TYPE_VARCHAR, FLOE_TYPE_BOOLEAN,
                                  FLOE_TYPE_DOUBLE};
    const char *cells[] = {"1.5", "NULL", "true", "nan", NULL, "q\"\n\x01", "false", "-2e3"};
    char *s = render(SHELL_MODE_JSON, 1, 0, 0, 4, names, types, NULL, 2, cells);
    cr_assert_str_eq(s, "[{\"n\":1.5,\"s\":\"NULL\",\"b\":true,\"d\":\"nan\"},\n"
                        "{\"n\":null,\"s\":\"q\\\"\\n\\u0001\",\"b\":false,\"d\":-2e3}]\n");
    free(s);
    s = render(SHELL_MODE_JSONL, 1, 0, 0, 4, names, types, NULL, 2, cells);
    cr_assert_str_eq(s, "{\"n\":1.5,\"s\":\"NULL\",\"b\":true,\"d\":\"nan\"}\n"
                        "{\"n\":null,\"s\":\"q\\\"\\n\\u0001\",\"b\":false,\"d\":-2e3}\n");
    free(s);
    s = render(SHELL_MODE_JSON, 1, 0, 0, 4, names, types, NULL, 0, cells);
    cr_assert_str_eq(s, "[]\n");
    free(s);
}

Test(render, markdown_aligns_numbers_and_escapes_pipes)
{
    const char *cells[] = {"7", "x|y"};
    char *s = render(SHELL_MODE_MARKDOWN, 1, 0, 0, 2, names2, types2, NULL, 1, cells);
    cr_assert_str_eq(s, "| id  | name |\n"
                        "|----:|------|\n"
                        "|   7 | x\\|y |\n");
    free(s);
}

Test(render, line_mode_aligns_names)
{
    char *s = render(SHELL_MODE_LINE, 1, 0, 0, 2, names2, types2, NULL, 2, cells2);
    cr_assert_str_eq(s, "  id = 1\nname = ann\n\n  id = 22\nname = NULL\n");
    free(s);
}

Test(render, headers_off_in_box)
{
    char *s = render(SHELL_MODE_BOX, 0, 120, 40, 2, names2, types2, tnames2, 1, cells2);
    cr_assert_str_eq(s, "┌───┬─────┐\n"
                        "│ 1 │ ann │\n"
                        "└───┴─────┘\n"
                        "1 row\n");
    free(s);
}

/* Display width of each line of s: code points, with the one wide
 * character the tests use (U+6F22, bytes e6 bc a2) counting two. */
static void line_widths(const char *s, size_t *out, size_t *n)
{
    size_t w = 0;
    *n = 0;
    for (; *s; s++) {
        if (*s == '\n') {
            out[(*n)++] = w;
            w = 0;
        } else if (((unsigned char)*s & 0xC0) != 0x80) {
            w += strncmp(s, "\xe6\xbc\xa2", 3) == 0 ? 2 : 1;
        }
    }
}

Test(render, box_truncates_long_values_to_the_width)
{
    const char *names[] = {"k", "text"};
    const floe_type_id types[] = {FLOE_TYPE_INTEGER, FLOE_TYPE_VARCHAR};
    const char *tn[] = {"INTEGER", "VARCHAR"};
    char longv[301];
    const char *cells[2];
    size_t widths[16], n, i;
    char *s;
    memset(longv, 'x', 300);
    longv[300] = '\0';
    cells[0] = "5";
    cells[1] = longv;
    s = render(SHELL_MODE_BOX, 1, 60, 40, 2, names, types, tn, 1, cells);
    line_widths(s, widths, &n);
    cr_assert_eq(n, 7, "%s", s);
    for (i = 0; i + 1 < n; i++) cr_assert_eq(widths[i], 60, "line %zu: %zu\n%s", i, widths[i], s);
    cr_assert(strstr(s, "x…") != NULL, "%s", s);
    free(s);
}

Test(render, box_elides_middle_rows_past_max_rows)
{
    static char vals[100][8];
    const char *cells[100];
    const char *names[] = {"v"};
    const floe_type_id types[] = {FLOE_TYPE_BIGINT};
    const char *tn[] = {"BIGINT"};
    char *s;
    int i;
    for (i = 0; i < 100; i++) {
        snprintf(vals[i], sizeof(vals[i]), "%d", i);
        cells[i] = vals[i];
    }
    s = render(SHELL_MODE_BOX, 1, 120, 10, 1, names, types, tn, 100, cells);
    /* first 5 and last 5 kept, in order, with one elision row */
    cr_assert(strstr(s, "│      4 │\n│   ·    │\n│     95 │\n") != NULL, "%s", s);
    cr_assert(strstr(s, "│      5 │") == NULL);
    cr_assert(strstr(s, "│     99 │\n└") != NULL, "%s", s);
    cr_assert(strstr(s, "100 rows (10 shown)\n") != NULL, "%s", s);
    free(s);
}

/* Parse one RFC 4180 CSV record starting at *p; fields into out. */
static int csv_parse_record(const char **p, char out[][64], int *isnull, int maxf)
{
    int nf = 0;
    const char *s = *p;
    for (;;) {
        size_t k = 0;
        isnull[nf] = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '"' && s[1] == '"') out[nf][k++] = '"', s += 2;
                else if (*s == '"') { s++; break; }
                else out[nf][k++] = *s++;
            }
        } else {
            while (*s != ',' && *s != '\n') out[nf][k++] = *s++;
            if (k == 0) isnull[nf] = 1;
        }
        out[nf][k] = '\0';
        nf++;
        if (*s == ',') { s++; continue; }
        cr_assert_eq(*s, '\n');
        s++;
        break;
    }
    cr_assert_leq(nf, maxf);
    *p = s;
    return nf;
}

Test(render, csv_round_trips_random_text)
{
    enum { ROWS = 200, COLS = 3 };
    static char text[ROWS * COLS][40];
    const char *cells[ROWS * COLS];
    const char *names[COLS] = {"a", "b", "c"};
    const floe_type_id types[COLS] = {FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR};
    const char alphabet[] = "ab ,\"\n\r'x|\\";
    unsigned seed = 12345;
    char *s;
    const char *p;
    int i, j;
    for (i = 0; i < ROWS * COLS; i++) {
        int len;
        seed = seed * 1103515245u + 12345u;
        len = (int)((seed >> 16) % 12);
        for (j = 0; j < len; j++) {
            seed = seed * 1103515245u + 12345u;
            text[i][j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        text[i][len] = '\0';
        seed = seed * 1103515245u + 12345u;
        cells[i] = ((seed >> 16) % 10 == 0) ? NULL : text[i];
    }
    s = render(SHELL_MODE_CSV, 0, 0, 0, COLS, names, types, NULL, ROWS, cells);
    p = s;
    for (i = 0; i < ROWS; i++) {
        char f[COLS][64];
        int isnull[COLS];
        cr_assert_eq(csv_parse_record(&p, f, isnull, COLS), COLS);
        for (j = 0; j < COLS; j++) {
            const char *want = cells[i * COLS + j];
            if (want == NULL) cr_assert(isnull[j], "row %d col %d", i, j);
            else cr_assert_str_eq(f[j], want, "row %d col %d", i, j);
        }
    }
    cr_assert_eq(*p, '\0');
    free(s);
}

Test(render, mode_names_and_type_names)
{
    shell_mode m;
    char buf[32];
    cr_assert_eq(shell_mode_parse("markdown", &m), 0);
    cr_assert_eq(m, SHELL_MODE_MARKDOWN);
    cr_assert_str_eq(shell_mode_name(m), "markdown");
    cr_assert_eq(shell_mode_parse("xml", &m), -1);
    cr_assert_str_eq(shell_type_name(FLOE_TYPE_DECIMAL, 18, 2, buf, sizeof(buf)), "DECIMAL(18,2)");
    cr_assert_str_eq(shell_type_name(FLOE_TYPE_TIMESTAMP, 0, 0, buf, sizeof(buf)), "TIMESTAMP");
    cr_assert_eq(shell_text_width("héllo…"), 6);
    cr_assert_eq(shell_text_width("漢字ab"), 6);
    cr_assert_eq(shell_text_width("e\xcc\x81"), 1); /* e + combining acute */
}

Test(render, box_lines_have_equal_width_for_random_cells)
{
    /* Property: whatever the cells (multi-byte text, NULLs, long values)
     * and the width limit, every line of a box is equally wide, and no
     * wider than the limit when the limit leaves each column 3 columns. */
    static const char *pieces[] = {"a", "é", "…", "xyz", "12", " ", "\t", "\n", "漢"};
    enum { COLS = 4, ROWS = 12 };
    const char *names[COLS] = {"c0", "column_one", "é", "x"};
    const floe_type_id types[COLS] = {FLOE_TYPE_BIGINT, FLOE_TYPE_VARCHAR, FLOE_TYPE_DOUBLE,
                                      FLOE_TYPE_VARCHAR};
    const char *tn[COLS] = {"BIGINT", "VARCHAR", "DOUBLE", "VARCHAR"};
    unsigned seed = 99;
    int round;
    for (round = 0; round < 200; round++) {
        static char text[ROWS * COLS][256];
        const char *cells[ROWS * COLS];
        size_t widths[64], n, i;
        int maxw = 20 + (int)(seed % 120);
        char *s;
        for (i = 0; i < ROWS * COLS; i++) {
            int k, len;
            seed = seed * 1103515245u + 12345u;
            len = (int)((seed >> 16) % 30);
            text[i][0] = '\0';
            for (k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                strcat(text[i], pieces[(seed >> 16) % 9]);
            }
            seed = seed * 1103515245u + 12345u;
            cells[i] = (seed >> 16) % 8 == 0 ? NULL : text[i];
        }
        s = render(SHELL_MODE_BOX, 1, maxw, 40, COLS, names, types, tn, ROWS, cells);
        line_widths(s, widths, &n);
        cr_assert_eq(n, ROWS + 6, "%s", s); /* 3 rules, 2 header rows, rows, footer */
        for (i = 1; i + 1 < n; i++)
            cr_assert_eq(widths[i], widths[0], "round %d line %zu\n%s", round, i, s);
        if (maxw >= 1 + COLS * (3 + 3)) cr_assert_leq(widths[0], (size_t)maxw, "%s", s);
        free(s);
        seed = seed * 1103515245u + 12345u;
    }
}
