/* tests/shell/test_completion.c: tab-completion candidates. */
#include <criterion/criterion.h>
#include <string.h>

#include "shell/completion.h"

Test(completion, dot_commands_at_line_start)
{
    shell_names out = {0};
    cr_assert_eq(shell_complete(".h", 0, ".h", NULL, NULL, &out), 2);
    cr_assert_str_eq(out.v[0], ".help");
    cr_assert_str_eq(out.v[1], ".headers");
    shell_names_clear(&out);
}

Test(completion, keywords_follow_the_case_of_the_word)
{
    shell_names out = {0};
    cr_assert_eq(shell_complete("SEL", 0, "SEL", NULL, NULL, &out), 1);
    cr_assert_str_eq(out.v[0], "SELECT");
    shell_names_clear(&out);
    cr_assert_eq(shell_complete("select * fr", 9, "fr", NULL, NULL, &out), 1);
    cr_assert_str_eq(out.v[0], "from");
    shell_names_clear(&out);
}

Test(completion, tables_and_columns_after_keywords)
{
    shell_names tables = {0}, cols = {0}, out = {0};
    size_t i;
    int n;
    shell_names_add(&tables, "events");
    shell_names_add(&tables, "lineitem");
    shell_names_add(&cols, "event_type");
    shell_names_add(&cols, "ts");
    n = shell_complete("SELECT * FROM e", 14, "e", &tables, &cols, &out);
    /* keywords ELSE, END, EXISTS, EXPLAIN first (lower case), then table, column */
    cr_assert_eq(n, 6);
    cr_assert_str_eq(out.v[4], "events");
    cr_assert_str_eq(out.v[5], "event_type");
    for (i = 0; i < 4; i++) cr_assert(strchr("e", out.v[i][0]) != NULL);
    shell_names_clear(&out);
    /* not at line start: '.x' is not a dot command */
    cr_assert_eq(shell_complete("SELECT .h", 7, ".h", &tables, &cols, &out), 0);
    shell_names_clear(&out);
    shell_names_clear(&tables);
    shell_names_clear(&cols);
}
