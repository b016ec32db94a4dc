/* tests/unit/sql/test_lexer.c: token kinds and byte ranges, comments,
 * quoting and escapes, reserved words, lexical errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "sql/lexer.h"

/* Lex all of `sql`; kinds[i] and texts (space-separated) must match. */
static void expect_tokens(const char *sql, const floe_tok_kind *kinds, const char *const *texts,
                          int n)
{
    floe_lexer lx;
    floe_token t;
    floe_err err = FLOE_ERR_INIT;
    int i;
    floe_lexer_init(&lx, sql, strlen(sql));
    for (i = 0; i < n; i++) {
        cr_assert_eq(floe_lexer_next(&lx, &t, &err), FLOE_OK, "%s", err.msg);
        cr_expect_eq(t.kind, kinds[i], "token %d of '%s': kind %d", i, sql, t.kind);
        cr_expect(t.len == (int)strlen(texts[i]) && memcmp(sql + t.off, texts[i], (size_t)t.len) == 0,
                  "token %d of '%s' is '%.*s', want '%s'", i, sql, t.len, sql + t.off, texts[i]);
    }
    cr_assert_eq(floe_lexer_next(&lx, &t, &err), FLOE_OK);
    cr_expect_eq(t.kind, FLOE_TOK_EOF);
    cr_expect_eq(t.off, (int)strlen(sql));
    cr_assert_eq(floe_lexer_next(&lx, &t, &err), FLOE_OK);
    cr_expect_eq(t.kind, FLOE_TOK_EOF);
}

Test(lexer, kinds_and_ranges)
{
    static const floe_tok_kind k[] = {FLOE_TOK_WORD,   FLOE_TOK_QIDENT, FLOE_TOK_OP,
                                      FLOE_TOK_INT,    FLOE_TOK_OP,     FLOE_TOK_NUM,
                                      FLOE_TOK_OP,     FLOE_TOK_NUM,    FLOE_TOK_OP,
                                      FLOE_TOK_NUM,    FLOE_TOK_OP,     FLOE_TOK_STRING,
                                      FLOE_TOK_OP,     FLOE_TOK_ESTRING, FLOE_TOK_OP,
                                      FLOE_TOK_WORD,   FLOE_TOK_OP,     FLOE_TOK_WORD,
                                      FLOE_TOK_OP};
    static const char *const t[] = {"select", "\"A\"\"b\"", ",", "12", ",", "1.5", ",", ".5e-2",
                                    ",", "3.", "||", "'it''s'", "::", "E'\\''", "<>", "x_1$",
                                    "!=", "y", ";"};
    expect_tokens("select \"A\"\"b\", 12 ,1.5,.5e-2 , 3.|| 'it''s'::E'\\''<>x_1$!=y;", k, t,
                  (int)(sizeof k / sizeof k[0]));
}

Test(lexer, operators)
{
    static const floe_tok_kind k[] = {FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP,
                                      FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP,
                                      FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP, FLOE_TOK_OP,
                                      FLOE_TOK_OP};
    static const char *const t[] = {"<=", ">=", "<>", "=", "+", "-", "*", "/", "%", "(", ")",
                                    "<", ">"};
    /* two-byte operators are matched greedily */
    expect_tokens("<=>=<>=+-*/%()< >", k, t, 13);
}

Test(lexer, comments_are_skipped)
{
    static const floe_tok_kind k[] = {FLOE_TOK_WORD, FLOE_TOK_OP, FLOE_TOK_WORD};
    static const char *const t[] = {"a", "-", "b"};
    expect_tokens("-- c1\na /* x /* nested */ y */ - -- c2\n b -- end", k, t, 3);
    expect_tokens("a-/**/b", k, t, 3);
}

Test(lexer, unquote_resolves_escapes)
{
    static const struct {
        const char *in, *out;
        size_t n;
    } cases[] = {
        {"'plain'", "plain", 5},         {"'it''s'", "it's", 4},
        {"''", "", 0},                   {"\"Col\"\"x\"", "Col\"x", 5},
        {"E'a\\tb\\nc'", "a\tb\nc", 5},  {"e'\\x41\\x4a\\x'", "AJx", 3},
        {"E'\\101\\0z'", "A\0z", 3},     {"E'\\\\ \\' '''", "\\ ' '", 5},
        {"'back\\slash'", "back\\slash", 10},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        floe_lexer lx;
        floe_token t;
        floe_err err = FLOE_ERR_INIT;
        char buf[64];
        size_t n;
        floe_lexer_init(&lx, cases[i].in, strlen(cases[i].in));
        cr_assert_eq(floe_lexer_next(&lx, &t, &err), FLOE_OK, "%s: %s", cases[i].in, err.msg);
        cr_expect_eq(t.len, (int)strlen(cases[i].in), "%s", cases[i].in);
        n = floe_lexer_unquote(&lx, &t, buf);
        cr_expect(n == cases[i].n && memcmp(buf, cases[i].out, n) == 0, "%s -> '%.*s'",
                  cases[i].in, (int)n, buf);
    }
}

Test(lexer, reserved_words)
{
    static const char *const yes[] = {"select", "from", "where", "and", "or", "not", "null",
                                      "join", "left", "on", "using", "union", "intersect",
                                      "into", "all", "as", "asc", "desc", "with", "values",
                                      "case", "end", "is", "in", "table", "window"};
    static const char *const no[] = {"date", "timestamp", "interval", "count", "day", "format",
                                     "header", "tables", "name", "value", "a", "selects",
                                     "ins", "fro", "zzz", "aaa", "extract", "nulls", "first"};
    size_t i;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_expect(floe_lexer_word_reserved(yes[i]), "%s should be reserved", yes[i]);
    for (i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_expect(!floe_lexer_word_reserved(no[i]), "%s should not be reserved", no[i]);
}

Test(lexer, keyword_match_ignores_case)
{
    floe_lexer lx;
    floe_token t;
    floe_err err = FLOE_ERR_INIT;
    floe_lexer_init(&lx, "SeLeCt", 6);
    cr_assert_eq(floe_lexer_next(&lx, &t, &err), FLOE_OK);
    cr_expect(floe_lexer_is(&lx, &t, "SELECT"));
    cr_expect(!floe_lexer_is(&lx, &t, "SELECTS"));
    cr_expect(!floe_lexer_is(&lx, &t, "SELEC"));
    cr_expect(floe_lexer_reserved(&lx, &t));
}

static void expect_lex_error(const char *sql, size_t len, int off, const char *part)
{
    floe_lexer lx;
    floe_token t;
    floe_err err = FLOE_ERR_INIT;
    int rc = FLOE_OK;
    floe_lexer_init(&lx, sql, len);
    while ((rc = floe_lexer_next(&lx, &t, &err)) == FLOE_OK && t.kind != FLOE_TOK_EOF) {
    }
    cr_expect_eq(rc, FLOE_PARSE, "no error for '%s'", sql);
    cr_expect_eq(err.offset, off, "'%s': offset %d", sql, err.offset);
    cr_expect(strstr(err.msg, part) != NULL, "'%s': %s", sql, err.msg);
}

Test(lexer, errors)
{
    expect_lex_error("a 'x", 4, 2, "unterminated string");
    expect_lex_error("a \"x", 4, 2, "unterminated quoted identifier");
    expect_lex_error("a /* x", 6, 2, "unterminated /* comment");
    expect_lex_error("a /* /* */", 10, 2, "unterminated /* comment");
    expect_lex_error("1e", 2, 0, "bad number");
    expect_lex_error("x 1.e5x", 7, 2, "bad number");
    expect_lex_error("9abc", 4, 0, "bad number");
    expect_lex_error("a @ b", 5, 2, "\"@\""); /* ? is a parameter now */
    expect_lex_error("a \x01", 3, 2, "0x01");
    expect_lex_error("a \0", 3, 2, "0x00");
    expect_lex_error("E'\\", 3, 0, "unterminated string");
    expect_lex_error("x \"a\0b\"", 7, 2, "NUL byte");
}
