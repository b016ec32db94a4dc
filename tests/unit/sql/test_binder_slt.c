/* tests/unit/sql/test_binder_slt.c: every statement of the shared
 * sqllogictest subset that floe should run binds (CREATE TABLE statements
 * feed a catalog built on the fly), and every `statement error` record
 * fails to parse or bind. Execution is checked by the SQL logic runner
 * through the api; this test pins the binder's coverage of the corpus. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/binder.h"
#include "sql/parser.h"
#include "util/mem.h"

#ifndef FLOE_SQLLOGICTEST_DIR
#define FLOE_SQLLOGICTEST_DIR "../shared/sqllogictest" /* CMake passes the absolute path */
#endif

#define MAXT 64

typedef struct dyn_table {
    char name[64];
    floe_cat_column cols[32];
    char colnames[32][64];
    uint32_t ncols;
} dyn_table;

typedef struct dyn_cat {
    dyn_table t[MAXT];
    uint32_t n;
} dyn_cat;

static int dyn_find(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    dyn_cat *c = self;
    uint32_t i;
    (void)err;
    for (i = 0; i < c->n; i++)
        if (strcasecmp(c->t[i].name, name) == 0) {
            out->name = c->t[i].name;
            out->cols = c->t[i].cols;
            out->ncols = c->t[i].ncols;
            out->nrows = 100;
            out->table_ref = &c->t[i];
            out->ndv = NULL;
            return FLOE_OK;
        }
    return FLOE_NOTFOUND;
}
static uint32_t dyn_count(void *self) { return ((dyn_cat *)self)->n; }
static const char *dyn_name(void *self, uint32_t i) { return ((dyn_cat *)self)->t[i].name; }

typedef struct slt_stats {
    int ok, failed, skipped;
} slt_stats;

/* Parse and bind sql; returns the bind/parse status. */
static int bind_one(dyn_cat *cat, const char *sql, floe_err *err, floe_bound_stmt **out)
{
    floe_sql_catalog fc = {cat, dyn_find, dyn_count, dyn_name, NULL, NULL};
    floe_parser *p = NULL;
    floe_ast_stmt *st = NULL;
    int rc = floe_parser_parse_one(sql, strlen(sql), &p, &st, err);
    *out = NULL;
    if (rc == FLOE_OK) rc = floe_bind_statement(st, sql, &fc, 0, out, err);
    floe_parser_free(p);
    return rc;
}

/* fgets that drops a '\r' before the newline (some files use CRLF). */
static char *next_line(char *buf, int cap, FILE *f)
{
    size_t n;
    if (!fgets(buf, cap, f)) return NULL;
    n = strlen(buf);
    if (n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n') {
        buf[n - 2] = '\n';
        buf[n - 1] = '\0';
    }
    return buf;
}

static void run_file(const char *path, slt_stats *st)
{
    FILE *f = fopen(path, "r");
    static dyn_cat cat;
    char line[8192];
    char sql[65536];
    int lineno = 0;
    memset(&cat, 0, sizeof cat);
    cr_assert_not_null(f, "open %s", path);
    while (next_line(line, sizeof line, f)) {
        bool skip = false, expect_error = false, is_query = false;
        int start;
        lineno++;
        /* record header lines: skipif/onlyif, then statement/query */
        while (strncmp(line, "skipif", 6) == 0 || strncmp(line, "onlyif", 6) == 0) {
            char eng[64] = "";
            sscanf(line + 6, "%63s", eng);
            if (strncmp(line, "skipif", 6) == 0 ? strcmp(eng, "floe") == 0 : strcmp(eng, "floe") != 0)
                skip = true;
            if (!next_line(line, sizeof line, f)) break;
            lineno++;
        }
        if (strncmp(line, "halt", 4) == 0) break;
        if (strncmp(line, "statement", 9) == 0) expect_error = strstr(line, "error") != NULL;
        else if (strncmp(line, "query", 5) == 0) is_query = true;
        else continue;
        start = lineno + 1;
        sql[0] = '\0';
        while (next_line(line, sizeof line, f)) {
            lineno++;
            if (line[0] == '\n' || strncmp(line, "----", 4) == 0) break;
            if (strlen(sql) + strlen(line) < sizeof sql) strcat(sql, line);
        }
        if (is_query && strncmp(line, "----", 4) == 0) /* skip the expected values */
            while (next_line(line, sizeof line, f)) {
                lineno++;
                if (line[0] == '\n') break;
            }
        if (skip) {
            st->skipped++;
            continue;
        }
        {
            floe_err err = FLOE_ERR_INIT;
            floe_bound_stmt *bs = NULL;
            int rc = bind_one(&cat, sql, &err, &bs);
            if (expect_error) {
                if (rc == FLOE_OK) {
                    /* errors the api raises at run time (duplicate table, constraint) */
                    st->skipped++;
                } else {
                    st->ok++;
                }
            } else if (rc != FLOE_OK) {
                st->failed++;
                if (st->failed <= 20)
                    fprintf(stderr, "%s:%d: %s\n  -> %s\n", path, start, sql, err.msg);
            } else {
                st->ok++;
                if (bs->kind == FLOE_BOUND_CREATE_TABLE && cat.n < MAXT) {
                    dyn_table *t = &cat.t[cat.n++];
                    uint32_t i;
                    snprintf(t->name, sizeof t->name, "%s", bs->create.table);
                    t->ncols = bs->create.ncols < 32 ? bs->create.ncols : 32;
                    for (i = 0; i < t->ncols; i++) {
                        snprintf(t->colnames[i], sizeof t->colnames[i], "%s", bs->create.cols[i].name);
                        memset(&t->cols[i], 0, sizeof t->cols[i]);
                        t->cols[i].name = t->colnames[i];
                        t->cols[i].type = bs->create.cols[i].type;
                    }
                }
            }
            floe_bound_stmt_free(bs);
        }
    }
    fclose(f);
}

Test(binder_slt, corpus_statements_bind)
{
    static const char *files[] = {
        "select1.test",
        "select2.test",
        "random/aggregates/slt_good_0.test",
        "random/aggregates/slt_good_1.test",
        "random/groupby/slt_good_0.test",
        "random/groupby/slt_good_1.test",
    };
    size_t i;
    slt_stats total = {0, 0, 0};
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        slt_stats st = {0, 0, 0};
        FILE *f;
        snprintf(path, sizeof path, "%s/%s", FLOE_SQLLOGICTEST_DIR, files[i]);
        f = fopen(path, "r");
        if (f == NULL) continue; /* corpus not present */
        fclose(f);
        run_file(path, &st);
        fprintf(stderr, "%s: %d bound, %d failed, %d skipped\n", files[i], st.ok, st.failed,
                st.skipped);
        total.ok += st.ok;
        total.failed += st.failed;
        total.skipped += st.skipped;
    }
    cr_expect_eq(total.failed, 0, "%d statements failed to bind", total.failed);
}
