/* tests/fuzz/fuzz_parser.c: parser fuzz target (libFuzzer entry point).
 *
 * Property: for arbitrary bytes the parser never crashes, never leaks, and
 * every statement it accepts round-trips: format(parse(x)) parses again and
 * formats to the same text. The same check runs on the input as a single
 * expression. Then the input is parsed again with one allocation failing
 * (which one is taken from the input's length): the result must be a status
 * (FLOE_NOMEM, FLOE_PARSE or success) and nothing may leak. A violated
 * property calls abort() so libFuzzer (or the replay driver, replay_main.c)
 * reports the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser.h"
#include "util/mem.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *a, size_t na, const char *b, size_t nb)
{
    fprintf(stderr, "fuzz_parser: %s\n  first:  %.*s\n  second: %.*s\n", what, (int)na, a,
            (int)nb, b);
    abort();
}

/* The printer parenthesises every operation, so a long flat chain such as
 * 1+1+...+1 prints as deeply nested parentheses that may exceed the nesting
 * limit the original text stayed under: not a round-trip failure. */
static int too_deep(int rc, const floe_err *err)
{
    return rc == FLOE_PARSE && strstr(err->msg, "too deeply nested") != NULL;
}

/* Re-parse the formatted text `a` and check it formats to itself. */
static void check_stmt_round_trip(const floe_strbuf *a)
{
    floe_parser *p = NULL;
    floe_ast_stmt *s;
    floe_err err = FLOE_ERR_INIT;
    floe_strbuf b = FLOE_STRBUF_INIT;
    int rc = floe_parser_parse_one(a->s, a->len, &p, &s, &err);
    if (rc == FLOE_NOMEM || too_deep(rc, &err)) goto out;
    if (rc != FLOE_OK) fail(err.msg, a->s, a->len, "", 0);
    floe_ast_format_stmt(s, &b);
    if (!floe_strbuf_ok(&b)) goto out;
    if (a->len != b.len || memcmp(a->s, b.s, a->len) != 0)
        fail("statement round trip differs", a->s, a->len, b.s, b.len);
out:
    floe_strbuf_free(&b);
    floe_parser_free(p);
}

static void check_expr_round_trip(const floe_strbuf *a)
{
    floe_parser *p = NULL;
    floe_ast_expr *e;
    floe_err err = FLOE_ERR_INIT;
    floe_strbuf b = FLOE_STRBUF_INIT;
    int rc = floe_parser_parse_expr(a->s, a->len, &p, &e, &err);
    if (rc == FLOE_NOMEM || too_deep(rc, &err)) goto out;
    if (rc != FLOE_OK) fail(err.msg, a->s, a->len, "", 0);
    floe_ast_format_expr(e, &b);
    if (!floe_strbuf_ok(&b)) goto out;
    if (a->len != b.len || memcmp(a->s, b.s, a->len) != 0)
        fail("expression round trip differs", a->s, a->len, b.s, b.len);
out:
    floe_strbuf_free(&b);
    floe_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *sql = (const char *)data;
    int64_t live = floe_mem_live();
    floe_parser *p = NULL;
    floe_ast_stmt *s;
    floe_ast_expr *e;
    floe_err err = FLOE_ERR_INIT;
    int rc;

    if (floe_parser_new(sql, size, &p, &err) != FLOE_OK) return 0;
    while ((rc = floe_parser_next(p, &s, &err)) == FLOE_ROW) {
        floe_strbuf a = FLOE_STRBUF_INIT;
        if (s->off < 0 || s->len < 0 || (size_t)s->off + (size_t)s->len > size)
            fail("statement range outside the input", sql, size, "", 0);
        floe_ast_format_stmt(s, &a);
        if (floe_strbuf_ok(&a)) check_stmt_round_trip(&a);
        floe_strbuf_free(&a);
    }
    if (rc != FLOE_DONE && rc != FLOE_PARSE && rc != FLOE_NOMEM)
        fail("unexpected status", sql, size, floe_errstr(rc), strlen(floe_errstr(rc)));
    if (rc == FLOE_PARSE && (err.offset < 0 || (size_t)err.offset > size))
        fail("error offset outside the input", sql, size, err.msg, strlen(err.msg));
    floe_parser_free(p);

    p = NULL;
    if (floe_parser_parse_expr(sql, size, &p, &e, &err) == FLOE_OK) {
        floe_strbuf a = FLOE_STRBUF_INIT;
        floe_ast_format_expr(e, &a);
        if (floe_strbuf_ok(&a)) check_expr_round_trip(&a);
        floe_strbuf_free(&a);
    }
    floe_parser_free(p);
    if (floe_mem_live() != live) fail("memory leaked", sql, size, "", 0);

    /* the same parse with allocation number (size % 8) failing */
    p = NULL;
    floe_mem_fail_after((int64_t)(size % 8), 0);
    rc = floe_parser_new(sql, size, &p, &err);
    if (rc == FLOE_OK)
        while ((rc = floe_parser_next(p, &s, &err)) == FLOE_ROW) {
        }
    floe_mem_fail_after(-1, 0);
    if (rc != FLOE_DONE && rc != FLOE_PARSE && rc != FLOE_NOMEM)
        fail("unexpected status under OOM", sql, size, floe_errstr(rc), strlen(floe_errstr(rc)));
    floe_parser_free(p);
    if (floe_mem_live() != live) fail("memory leaked under OOM", sql, size, "", 0);
    return 0;
}
