/* tests/unit/sql/test_parser_corpus.c: the parser accepts every query floe
 * is benchmarked with (peers/queries/duckdb.sql, copied in) and every SQL
 * statement of the shared sqllogictest files, and each parses back to the
 * same tree from its formatted text.
 *
 * The sqllogictest directory comes from env FLOE_SQLLOGICTEST_DIR, else the
 * compile-time FLOE_SQLLOGICTEST_DIR; the test skips when it is absent. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"
#include "util/mem.h"
#include "util/strbuf.h"

static const struct {
    const char *name;
    const char *sql;
} duckdb_queries[] = {
#include "test_parser_queries.inc"
};

/* Parse sql (one statement), format it, parse the format, format again and
 * compare. Returns NULL on success or a heap message (floe_free it). */
static char *check_round_trip(const char *sql, size_t len)
{
    floe_parser *p1 = NULL, *p2 = NULL;
    floe_ast_stmt *s1, *s2;
    floe_err err = FLOE_ERR_INIT;
    floe_strbuf a = FLOE_STRBUF_INIT, b = FLOE_STRBUF_INIT, msg = FLOE_STRBUF_INIT;
    int rc = floe_parser_parse_one(sql, len, &p1, &s1, &err);
    if (rc != FLOE_OK) {
        floe_strbuf_printf(&msg, "parse failed: %s\n  in: %.*s", err.msg, (int)len, sql);
        goto out;
    }
    floe_ast_format_stmt(s1, &a);
    rc = floe_parser_parse_one(a.s, a.len, &p2, &s2, &err);
    if (rc != FLOE_OK) {
        floe_strbuf_printf(&msg, "re-parse failed: %s\n  in: %s", err.msg, a.s);
        goto out;
    }
    floe_ast_format_stmt(s2, &b);
    if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0)
        floe_strbuf_printf(&msg, "round trip differs:\n  %s\n  %s", a.s, b.s);
out:
    floe_parser_free(p1);
    floe_parser_free(p2);
    floe_strbuf_free(&a);
    floe_strbuf_free(&b);
    return msg.len ? floe_strbuf_take(&msg) : (floe_strbuf_free(&msg), NULL);
}

Test(parser_corpus, duckdb_peer_queries_all_parse)
{
    size_t i;
    for (i = 0; i < sizeof duckdb_queries / sizeof duckdb_queries[0]; i++) {
        char *m = check_round_trip(duckdb_queries[i].sql, strlen(duckdb_queries[i].sql));
        cr_assert_null(m, "%s: %s", duckdb_queries[i].name, m);
    }
    cr_assert_eq(i, 16);
}

static const char *corpus_dir(void)
{
    const char *d = getenv("FLOE_SQLLOGICTEST_DIR");
    if (d && *d) return d;
#ifdef FLOE_SQLLOGICTEST_DIR
    return FLOE_SQLLOGICTEST_DIR;
#else
    return NULL;
#endif
}

typedef struct slt_stats {
    long statements; /* parsed and round-tripped */
    long skipped;    /* onlyif <other engine>, skipif floe, statement error */
    long failures;
    char first_failure[2048];
} slt_stats;

/* Run every record of one .test file through check_round_trip. */
static void run_slt_file(const char *path, slt_stats *st)
{
    FILE *f = fopen(path, "r");
    char line[65536];
    floe_strbuf sql = FLOE_STRBUF_INIT;
    int lineno = 0, in_sql = 0, skip = 0, sql_line = 0, want = 0;

    cr_assert_not_null(f, "open %s", path);
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        size_t n = got ? strlen(line) : 0;
        if (got) lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (in_sql && (!got || n == 0 || strcmp(line, "----") == 0)) {
            if (want && !skip) {
                char *m = check_round_trip(sql.s, sql.len);
                st->statements++;
                if (m) {
                    if (st->failures++ == 0)
                        snprintf(st->first_failure, sizeof st->first_failure, "%s:%d: %s",
                                 path, sql_line, m);
                    floe_free(m);
                }
            } else {
                st->skipped++;
            }
            in_sql = 0;
            skip = 0;
            floe_strbuf_reset(&sql);
            if (got && n && strcmp(line, "----") == 0) {
                /* skip expected results up to the blank line */
                while (fgets(line, sizeof line, f) && line[0] != '\n' && line[0] != '\r') lineno++;
                lineno++;
            }
            if (!got) break;
            continue;
        }
        if (!got) break;
        if (in_sql) {
            if (sql.len) floe_strbuf_putc(&sql, '\n');
            floe_strbuf_append(&sql, line, n);
            continue;
        }
        if (n == 0 || line[0] == '#') continue;
        if (strncmp(line, "onlyif ", 7) == 0) {
            if (strncmp(line + 7, "floe", 4) != 0) skip = 1;
        } else if (strncmp(line, "skipif ", 7) == 0) {
            if (strncmp(line + 7, "floe", 4) == 0) skip = 1;
        } else if (strcmp(line, "halt") == 0) {
            break;
        } else if (strncmp(line, "statement ", 10) == 0 || strncmp(line, "query ", 6) == 0) {
            in_sql = 1;
            sql_line = lineno + 1;
            want = strncmp(line, "statement error", 15) != 0;
        }
    }
    fclose(f);
    floe_strbuf_free(&sql);
}

Test(parser_corpus, every_sqllogictest_statement_parses)
{
    static const char *const files[] = {
        "select1.test",
        "select2.test",
        "random/aggregates/slt_good_0.test",
        "random/aggregates/slt_good_1.test",
        "random/aggregates/slt_good_2.test",
        "random/aggregates/slt_good_3.test",
        "random/aggregates/slt_good_4.test",
        "random/groupby/slt_good_0.test",
        "random/groupby/slt_good_1.test",
    };
    const char *dir = corpus_dir();
    slt_stats st;
    size_t i;
    DIR *d;

    if (dir == NULL || (d = opendir(dir)) == NULL) {
        cr_skip_test("sqllogictest dir not found (set FLOE_SQLLOGICTEST_DIR)");
        return;
    }
    closedir(d);
    memset(&st, 0, sizeof st);
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        FILE *f;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if ((f = fopen(path, "r")) == NULL) continue; /* subset may be trimmed */
        fclose(f);
        run_slt_file(path, &st);
    }
    cr_log_info("sqllogictest: %ld statements parsed, %ld skipped", st.statements, st.skipped);
    cr_assert_gt(st.statements, 0, "no statements found under %s", dir);
    cr_assert_eq(st.failures, 0, "%ld of %ld statements failed; first: %s", st.failures,
                 st.statements, st.first_failure);
}
