/* tests/shell/test_sqltext.c: statement ends and the error caret. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "shell/sqltext.h"

Test(sqltext, statement_ends_at_semicolon_outside_quotes_and_comments)
{
    cr_assert_eq(shell_sql_complete_len("SELECT 1;"), 9);
    cr_assert_eq(shell_sql_complete_len("SELECT 1"), 0);
    cr_assert_eq(shell_sql_complete_len("SELECT ';'"), 0);
    cr_assert_eq(shell_sql_complete_len("SELECT 'it''s;';"), 16);
    cr_assert_eq(shell_sql_complete_len("SELECT \"a;b\" FROM t;"), 20);
    cr_assert_eq(shell_sql_complete_len("SELECT 1 -- not here;\n"), 0);
    cr_assert_eq(shell_sql_complete_len("SELECT 1 -- c;\n;"), 16);
    cr_assert_eq(shell_sql_complete_len("SELECT /* ; */ 1;"), 17);
    cr_assert_eq(shell_sql_complete_len("SELECT /* ; 1;"), 0);
    cr_assert_eq(shell_sql_complete_len("SELECT 1; SELECT 2;"), 9);
}

Test(sqltext, splitting_random_statements_matches_a_reference_split)
{
    /* Statements built from pieces whose ';' content is known; joining
     * them and splitting again must give back the same statements. */
    static const char *pieces[] = {"SELECT 1", " 'a;b'", " \"x;\"", " /* ;; */", " -- ;\n",
                                   " 'it''s'", " + 2", "\n"};
    unsigned seed = 7;
    int round;
    for (round = 0; round < 200; round++) {
        char text[4096] = "", stmts[8][512];
        int n = 1 + (int)(seed % 5), i, k;
        size_t off = 0;
        for (i = 0; i < n; i++) {
            int np = 1 + (int)((seed >> 3) % 6);
            strcpy(stmts[i], "");
            for (k = 0; k < np; k++) {
                seed = seed * 1103515245u + 12345u;
                strcat(stmts[i], pieces[(seed >> 16) % 8]);
            }
            strcat(stmts[i], ";");
            strcat(text, stmts[i]);
        }
        for (i = 0; i < n; i++) {
            size_t len = shell_sql_complete_len(text + off);
            cr_assert_eq(len, strlen(stmts[i]), "round %d stmt %d: %s", round, i, text);
            cr_assert_eq(strncmp(text + off, stmts[i], len), 0);
            off += len;
        }
        cr_assert_eq(shell_sql_complete_len(text + off), 0);
        seed = seed * 1103515245u + 12345u;
    }
}

Test(sqltext, blank_and_open)
{
    cr_assert(shell_sql_is_blank(""));
    cr_assert(shell_sql_is_blank("  \n -- hi\n /* x */ ;; "));
    cr_assert(!shell_sql_is_blank(" x "));
    cr_assert(!shell_sql_is_blank("; SELECT 1"));
    cr_assert(shell_sql_is_open("SELECT 'abc"));
    cr_assert(shell_sql_is_open("SELECT /* abc"));
    cr_assert(!shell_sql_is_open("SELECT 'abc' -- '"));
    cr_assert_eq(shell_sql_skip_space(" \n\tSELECT"), 3);
}

Test(sqltext, error_context_points_at_the_offset)
{
    const char *sql = "SELECT a,\n       foo FROM t";
    char *s = shell_sql_error_context(sql, (int)(strstr(sql, "foo") - sql));
    cr_assert_str_eq(s, "LINE 2:        foo FROM t\n"
                        "               ^\n");
    free(s);
    s = shell_sql_error_context("SELECT x", 0);
    cr_assert_str_eq(s, "LINE 1: SELECT x\n        ^\n");
    free(s);
    s = shell_sql_error_context("SELECT", 100); /* clamped to the end */
    cr_assert_str_eq(s, "LINE 1: SELECT\n              ^\n");
    free(s);
    s = shell_sql_error_context("SELECT 'é' + z", 14); /* counts code points */
    cr_assert_str_eq(s, "LINE 1: SELECT 'é' + z\n                     ^\n");
    free(s);
    cr_assert_null(shell_sql_error_context("SELECT", -1));
}
