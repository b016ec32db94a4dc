/* tests/shell/test_dotcmd.c: dot-command parsing and generated SQL. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/dotcmd.h"

Test(dotcmd, parses_commands_and_arguments)
{
    shell_dotcmd c;
    char err[256];
    cr_assert_eq(shell_dotcmd_parse(".mode csv", &c, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(c.kind, SHELL_DOT_MODE);
    cr_assert_eq(c.argc, 1);
    cr_assert_str_eq(c.argv[0], "csv");
    cr_assert_eq(shell_dotcmd_parse(".import 'my file.csv' \"T x\"", &c, err, sizeof(err)), 0);
    cr_assert_eq(c.kind, SHELL_DOT_IMPORT);
    cr_assert_str_eq(c.argv[0], "my file.csv");
    cr_assert_str_eq(c.argv[1], "T x");
    cr_assert_eq(shell_dotcmd_parse(".output 'it''s.txt'", &c, err, sizeof(err)), 0);
    cr_assert_str_eq(c.argv[0], "it's.txt");
    cr_assert_eq(shell_dotcmd_parse(".output", &c, err, sizeof(err)), 0);
    cr_assert_eq(c.argc, 0);
    cr_assert_eq(shell_dotcmd_parse(".exit", &c, err, sizeof(err)), 0);
    cr_assert_eq(c.kind, SHELL_DOT_QUIT);
    cr_assert_eq(shell_dotcmd_parse(".quit  ", &c, err, sizeof(err)), 0);
    cr_assert_eq(c.kind, SHELL_DOT_QUIT);
    cr_assert_eq(shell_dotcmd_parse(".flush events", &c, err, sizeof(err)), 0);
    cr_assert_eq(c.kind, SHELL_DOT_FLUSH);
    cr_assert_eq(shell_dotcmd_parse(".headers OFF", &c, err, sizeof(err)), 0);
    cr_assert_eq(shell_onoff_parse(c.argv[0]), 0);
}

Test(dotcmd, rejects_bad_commands_with_usage)
{
    shell_dotcmd c;
    char err[256];
    cr_assert_eq(shell_dotcmd_parse(".bogus", &c, err, sizeof(err)), -1);
    cr_assert(strstr(err, "unknown command: .bogus") != NULL, "%s", err);
    cr_assert_eq(shell_dotcmd_parse(".mode xml", &c, err, sizeof(err)), -1);
    cr_assert(strstr(err, "unknown mode: xml") != NULL, "%s", err);
    cr_assert_eq(shell_dotcmd_parse(".import onlyfile", &c, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "usage: .import FILE TABLE");
    cr_assert_eq(shell_dotcmd_parse(".timer maybe", &c, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "usage: .timer on|off");
    cr_assert_eq(shell_dotcmd_parse(".read 'unterminated", &c, err, sizeof(err)), -1);
    cr_assert(strstr(err, "unterminated") != NULL);
    cr_assert_eq(shell_dotcmd_parse(".", &c, err, sizeof(err)), -1);
    cr_assert_eq(shell_dotcmd_parse(".tables extra", &c, err, sizeof(err)), -1);
}

Test(dotcmd, help_lists_every_command)
{
    const char *help = shell_dotcmd_help();
    int i;
    for (i = 0; shell_dot_names[i]; i++) {
        char want[32];
        snprintf(want, sizeof(want), "%s", shell_dot_names[i]);
        cr_assert(strstr(help, want) != NULL, "%s missing", want);
    }
}

Test(dotcmd, builds_copy_flush_and_create_table)
{
    const char *names[] = {"id", "Name", "ts"};
    const char *types[] = {"BIGINT", "VARCHAR", "TIMESTAMP"};
    char *s = shell_import_sql("data/it's.csv", "events");
    cr_assert_str_eq(s, "COPY events FROM 'data/it''s.csv' (FORMAT csv, HEADER)");
    free(s);
    s = shell_import_sql("x.JSONL", "t");
    cr_assert_str_eq(s, "COPY t FROM 'x.JSONL' (FORMAT jsonl)");
    free(s);
    s = shell_flush_sql("t");
    cr_assert_str_eq(s, "FLUSH t");
    free(s);
    s = shell_schema_sql("events", 3, names, types);
    cr_assert_str_eq(s, "CREATE TABLE events (\n    id BIGINT,\n    \"Name\" VARCHAR,\n"
                        "    ts TIMESTAMP\n);\n");
    free(s);
    s = shell_sql_ident("a\"b");
    cr_assert_str_eq(s, "\"a\"\"b\"");
    free(s);
}
