/* tests/fuzz/fuzz_binder.c: libFuzzer target for the binder and planner.
 *
 * Property: any input that parses binds (against a small fake catalog of
 * three tables) to a bound statement or to an error with a code the binder
 * documents, its plan prints with EXPLAIN, and nothing leaks or crashes —
 * also when allocation number (size % 16) fails. The same file, linked with
 * replay_main.c, replays the parser corpus under ctest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/plan.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "util/mem.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define COL(n, id) {.name = n, .type = {FLOE_TYPE_##id, 0, 0}}

static const floe_cat_column t_cols[] = {COL("a", INTEGER), COL("b", BIGINT), COL("c", VARCHAR),
                                         COL("d", DOUBLE),  COL("e", DATE),   COL("f", TIMESTAMP),
                                         {.name = "g", .type = {FLOE_TYPE_DECIMAL, 15, 2}},
                                         COL("h", BOOLEAN)};
static const floe_cat_column u_cols[] = {
    {.name = "a", .type = {FLOE_TYPE_INTEGER, 0, 0}, .not_null = true},
    {.name = "x",
     .type = {FLOE_TYPE_VARCHAR, 0, 0},
     .has_default = true,
     .default_value = {.type = {FLOE_TYPE_VARCHAR, 0, 0}, .v.s = {"dflt", 4}}}};
static const floe_cat_column ev_cols[] = {COL("ts", TIMESTAMP), COL("user_id", BIGINT),
                                          COL("event_type", VARCHAR), COL("revenue", DOUBLE)};

static const struct {
    const char *name;
    const floe_cat_column *cols;
    uint32_t ncols;
    double nrows;
} tables[] = {{"t", t_cols, 8, 1000}, {"u", u_cols, 2, 10}, {"events", ev_cols, 4, 1e7}};
#define NTABLES (sizeof tables / sizeof tables[0])

static int find(void *self, const char *name, floe_cat_table *out, floe_err *err)
{
    uint32_t i;
    (void)self;
    (void)err;
    for (i = 0; i < NTABLES; i++)
        if (strcasecmp(tables[i].name, name) == 0) {
            memset(out, 0, sizeof *out);
            out->name = tables[i].name;
            out->cols = tables[i].cols;
            out->ncols = tables[i].ncols;
            out->nrows = tables[i].nrows;
            out->table_ref = (void *)&tables[i];
            return FLOE_OK;
        }
    return FLOE_NOTFOUND;
}

static uint32_t count(void *self)
{
    (void)self;
    return NTABLES;
}

static const char *name_of(void *self, uint32_t i)
{
    (void)self;
    return tables[i].name;
}

static const floe_sql_catalog cat = {NULL, find, count, name_of, NULL, NULL};

static int documented(int rc)
{
    return rc == FLOE_OK || rc == FLOE_ERROR || rc == FLOE_TYPE || rc == FLOE_UNSUPPORTED ||
           rc == FLOE_CONSTRAINT || rc == FLOE_RANGE || rc == FLOE_PARSE || rc == FLOE_NOMEM;
}

/* Parse and bind every statement of the input; abort on a broken property. */
static void bind_all(const char *sql, size_t size)
{
    floe_parser *p = NULL;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    int rc;
    if (floe_parser_new(sql, size, &p, &err) != FLOE_OK) return;
    while (floe_parser_next(p, &s, &err) == FLOE_ROW) {
        floe_bound_stmt *bs = NULL;
        floe_err berr = FLOE_ERR_INIT;
        rc = floe_bind_statement(s, sql, &cat, 1700000000000000LL, &bs, &berr);
        if (!documented(rc)) {
            fprintf(stderr, "fuzz_binder: undocumented status %d (%s): %.*s\n", rc, berr.msg,
                    (int)size, sql);
            abort();
        }
        if (rc == FLOE_OK && (bs == NULL)) abort();
        if (rc != FLOE_OK && bs != NULL) abort();
        if (rc == FLOE_OK && bs->plan != NULL) {
            floe_strbuf out = FLOE_STRBUF_INIT;
            floe_plan_explain(bs->plan->root, &out);
            floe_strbuf_free(&out);
        }
        floe_bound_stmt_free(bs);
    }
    floe_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the binder reads error offsets as C strings: give it a terminated copy */
    char *sql = malloc(size + 1);
    int64_t live = floe_mem_live();
    if (sql == NULL) return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';
    bind_all(sql, size);
    if (floe_mem_live() != live) {
        fprintf(stderr, "fuzz_binder: memory leaked: %.*s\n", (int)size, sql);
        abort();
    }
    floe_mem_fail_after((int64_t)(size % 16), 0);
    bind_all(sql, size);
    floe_mem_fail_after(-1, 0);
    if (floe_mem_live() != live) {
        fprintf(stderr, "fuzz_binder: memory leaked under OOM: %.*s\n", (int)size, sql);
        abort();
    }
    free(sql);
    return 0;
}
