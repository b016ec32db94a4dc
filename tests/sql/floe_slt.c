/* tests/sql/floe_slt.c: floe-slt, the sqllogictest runner for floe.
 *
 * Usage: floe-slt [--quiet] [--max-failures N] [--expect-pass-rate X]
 *                 [--engine-name NAME] [--flush] FILE.test...
 *
 * --flush: before a query that follows data changes, FLUSH every table, so
 * the query reads parts (storage/, the scan's predicate and dictionary
 * paths) instead of memtables; the expected results are the same.
 *
 * Runs each file against a fresh in-memory database (floe_db_open(NULL)),
 * through the public API only. Format: SQLite's sqllogictest (see
 * ../shared/sqllogictest/README.md and tests/sql/slt_parse.h):
 *   statement ok | statement error      then the SQL, ended by a blank line
 *   query <I|R|T...> [nosort|rowsort|valuesort] [label]
 *   <SQL>
 *   ----
 *   <expected values, one per line, or "N values hashing to <md5>">
 *   hash-threshold N, halt, skipif <engine>, onlyif <engine>, # comments
 * Values print as the reference runner does: I integers (%lld; a DOUBLE is
 * truncated toward zero, as SQLite's sqlite3_column_int does), R %.3f,
 * T text with "(empty)" for '' and bytes outside ' '..'~' as '@', NULL as
 * "NULL". Results with more values than hash-threshold (when > 0) may be
 * given hashed; a label makes every query with that label expect the same
 * hash as the first one.
 *
 * floe extensions (used by floe's own .test files in tests/sql):
 *   1. `statement error <text>`: the statement must fail AND its error
 *      message must contain <text> (case-insensitive).
 *   2. Type letters other than I and R (e.g. D for DATE/TIMESTAMP) are read
 *      as T: the value's text rendering. floe's own files use T.
 *
 * Output: `file:line: FAIL` with SQL, expected and actual for each failure
 * (unless --quiet), then the summary line
 *   floe-slt: P passed, F failed, S skipped, R run
 * Exit status: 0 when nothing failed, or with --expect-pass-rate X when
 * passed / run >= X; 1 otherwise; 2 on usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "floe.h"
#include "tests/sql/slt_parse.h"

/* The tool's environment, mapped to open options (the library reads none):
 * FLOE_MEM_LIMIT_MB bounds memtables (MiB), FLOE_THREADS the query workers. */
static void options_from_env(floe_open_options *o, unsigned flags)
{
    const char *mb = getenv("FLOE_MEM_LIMIT_MB"), *th = getenv("FLOE_THREADS");
    floe_open_options_init(o);
    o->flags = flags;
    if (mb && atoll(mb) > 0) o->memtable_limit = (uint64_t)atoll(mb) << 20;
    if (th && atoi(th) > 0) o->threads = (uint32_t)atoi(th);
}

typedef struct counts {
    long passed, failed, skipped;
} counts;

typedef struct label {
    char *name;
    char hash[33];
} label;

typedef struct runner {
    const char *engine;
    int quiet;
    long max_failures; /* 0: no limit */
    counts c;
    label *labels;
    size_t nlabels;
    int flush; /* --flush */
    int dirty; /* a statement ran since the last flush */
} runner;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (f == NULL) return NULL;
    for (;;) {
        if (cap - n < 65536) {
            char *nb = realloc(buf, cap + 1048576 + 1);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap += 1048576;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void print_values(const char *what, char *const *vals, size_t n, size_t ncols)
{
    size_t i;
    fprintf(stdout, "  %s (%zu values):\n", what, n);
    for (i = 0; i < n && i < 200; i++) {
        fputs(i % (ncols ? ncols : 1) == 0 ? "    " : "\t", stdout);
        fputs(vals[i], stdout);
        if ((i + 1) % (ncols ? ncols : 1) == 0 || i + 1 == n) fputc('\n', stdout);
    }
    if (n > 200) fprintf(stdout, "    ... %zu more\n", n - 200);
}

static void fail_header(runner *r, const char *file, const slt_record *rec, const char *why)
{
    r->c.failed++;
    if (r->quiet) return;
    fprintf(stdout, "%s:%d: FAIL: %s\n", file, rec->line, why);
    fprintf(stdout, "  SQL: %s\n", rec->sql ? rec->sql : "");
}

static label *find_label(runner *r, const char *name)
{
    size_t i;
    for (i = 0; i < r->nlabels; i++)
        if (strcmp(r->labels[i].name, name) == 0) return &r->labels[i];
    return NULL;
}

static void forget_labels(runner *r)
{
    size_t i;
    for (i = 0; i < r->nlabels; i++) free(r->labels[i].name);
    free(r->labels);
    r->labels = NULL;
    r->nlabels = 0;
}

/* 1 when `needle` occurs in `hay`, ignoring ASCII case. */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return 1;
    return n == 0;
}

/* --flush: FLUSH every table (SHOW TABLES) when statements ran since the
 * last time. A failure is reported and counted against the file. */
static void flush_all(runner *r, floe_db *db, const char *file)
{
    floe_result *res = NULL;
    uint64_t i;
    if (!r->flush || !r->dirty) return;
    r->dirty = 0;
    if (floe_query(db, "SHOW TABLES", &res) != FLOE_OK) {
        fprintf(stdout, "%s: FLUSH: SHOW TABLES failed: %s\n", file, floe_db_errmsg(db));
        r->c.failed++;
        return;
    }
    for (i = 0; i < floe_result_row_count(res); i++) {
        char sql[512];
        floe_string t = floe_value_string(res, 0, i);
        snprintf(sql, sizeof sql, "FLUSH \"%.*s\"", (int)t.len, t.ptr);
        if (floe_exec(db, sql) != FLOE_OK) {
            fprintf(stdout, "%s: %s failed: %s\n", file, sql, floe_db_errmsg(db));
            r->c.failed++;
        }
    }
    floe_result_free(res);
}

static void run_statement(runner *r, floe_db *db, const char *file, const slt_record *rec)
{
    floe_result *res = NULL;
    int rc = floe_query(db, rec->sql, &res);
    floe_result_free(res);
    r->dirty = 1;
    if (!rec->expect_error) {
        if (rc == FLOE_OK) {
            r->c.passed++;
        } else {
            fail_header(r, file, rec, "statement failed");
            if (!r->quiet) fprintf(stdout, "  error: %s\n", floe_db_errmsg(db));
        }
        return;
    }
    if (rc == FLOE_OK) {
        fail_header(r, file, rec, "statement succeeded but an error was expected");
        return;
    }
    if (rec->error_text != NULL && !contains_nocase(floe_db_errmsg(db), rec->error_text)) {
        fail_header(r, file, rec, "wrong error message");
        if (!r->quiet)
            fprintf(stdout, "  expected error containing: %s\n  actual error: %s\n",
                    rec->error_text, floe_db_errmsg(db));
        return;
    }
    r->c.passed++;
}

static void run_query(runner *r, floe_db *db, const char *file, const slt_record *rec,
                      int threshold)
{
    floe_result *res = NULL;
    uint32_t ncols, c;
    uint64_t nrows, row;
    size_t n = 0, i, ntypes = strlen(rec->types);
    char **vals = NULL, buf[4096], hex[33];
    int rc = floe_query(db, rec->sql, &res), ok;

    if (rc != FLOE_OK) {
        fail_header(r, file, rec, "query failed");
        if (!r->quiet) fprintf(stdout, "  error: %s\n", floe_db_errmsg(db));
        floe_result_free(res);
        return;
    }
    ncols = floe_result_column_count(res);
    nrows = floe_result_row_count(res);
    if (ncols != ntypes) {
        fail_header(r, file, rec, "wrong number of columns");
        if (!r->quiet) fprintf(stdout, "  expected %zu columns, got %u\n", ntypes, ncols);
        floe_result_free(res);
        return;
    }
    vals = calloc((size_t)nrows * ncols + 1, sizeof(char *));
    if (vals == NULL) {
        fail_header(r, file, rec, "out of memory");
        floe_result_free(res);
        return;
    }
    for (row = 0; row < nrows; row++) {
        for (c = 0; c < ncols; c++) {
            slt_value v;
            char *text;
            memset(&v, 0, sizeof(v));
            v.type = floe_result_column_type(res, c);
            v.is_null = floe_value_is_null(res, c, row);
            text = v.is_null ? NULL : floe_value_text(res, c, row);
            v.text = text;
            if (!v.is_null) {
                if (v.type == FLOE_TYPE_BOOLEAN || v.type == FLOE_TYPE_INTEGER ||
                    v.type == FLOE_TYPE_BIGINT)
                    v.i = floe_value_int64(res, c, row);
                else if (v.type == FLOE_TYPE_DOUBLE || v.type == FLOE_TYPE_DECIMAL)
                    v.d = floe_value_double(res, c, row);
            }
            slt_format_value(rec->types[c], &v, buf, sizeof(buf));
            floe_free(text);
            vals[n] = malloc(strlen(buf) + 1);
            if (vals[n] == NULL) goto oom;
            strcpy(vals[n++], buf);
        }
    }
    floe_result_free(res);
    res = NULL;
    if (slt_sort_values(vals, (size_t)nrows, ncols, rec->sort) != 0) goto oom;
    ok = slt_result_matches(rec, vals, n);
    slt_hash_values(vals, n, hex);
    if (ok && rec->label != NULL) {
        label *l = find_label(r, rec->label);
        if (l != NULL && strcmp(l->hash, hex) != 0) {
            fail_header(r, file, rec, "result differs from an earlier query with the same label");
            if (!r->quiet) fprintf(stdout, "  label %s: %s vs %s\n", rec->label, l->hash, hex);
            goto out;
        }
        if (l == NULL) {
            label *nl = realloc(r->labels, (r->nlabels + 1) * sizeof(label));
            if (nl == NULL) goto oom;
            r->labels = nl;
            nl[r->nlabels].name = malloc(strlen(rec->label) + 1);
            if (nl[r->nlabels].name == NULL) goto oom;
            strcpy(nl[r->nlabels].name, rec->label);
            memcpy(nl[r->nlabels].hash, hex, 33);
            r->nlabels++;
        }
    }
    if (ok) {
        r->c.passed++;
    } else {
        fail_header(r, file, rec, "wrong result");
        if (!r->quiet) {
            if (rec->hash_count >= 0)
                fprintf(stdout, "  expected: %ld values hashing to %s\n", rec->hash_count,
                        rec->hash);
            else
                print_values("expected", rec->expected, rec->nexpected, ncols);
            if (threshold > 0 && n > (size_t)threshold)
                fprintf(stdout, "  actual: %zu values hashing to %s\n", n, hex);
            print_values("actual", vals, n, ncols);
        }
    }
    goto out;
oom:
    fail_header(r, file, rec, "out of memory");
out:
    floe_result_free(res);
    for (i = 0; i < n; i++) free(vals[i]);
    free(vals);
}

/* Run one file. Returns 0, or -1 when it could not be read or opened. */
static int run_file(runner *r, const char *file)
{
    char *text = read_file(file), err[512];
    floe_db *db = NULL;
    slt_parser p;
    slt_record rec;
    int threshold = 0, st;

    if (text == NULL) {
        fprintf(stderr, "floe-slt: cannot read %s\n", file);
        return -1;
    }
    floe_open_options o;
    options_from_env(&o, FLOE_OPEN_CREATE);
    if (floe_db_open_ex(NULL, &o, &db) != FLOE_OK) {
        fprintf(stderr, "floe-slt: cannot open an in-memory database: %s\n",
                db ? floe_db_errmsg(db) : "out of memory");
        floe_db_close(db);
        free(text);
        return -1;
    }
    slt_parser_init(&p, text, r->engine);
    while ((st = slt_next(&p, &rec, err, sizeof(err))) != 0) {
        if (r->max_failures > 0 && r->c.failed >= r->max_failures) {
            slt_record_free(&rec);
            break;
        }
        if (st < 0) {
            r->c.failed++;
            if (!r->quiet) fprintf(stdout, "%s:%s: FAIL: cannot parse the record\n", file, err);
        } else if (rec.skip) {
            if (rec.kind == SLT_STATEMENT || rec.kind == SLT_QUERY) r->c.skipped++;
        } else if (rec.kind == SLT_HALT) {
            slt_record_free(&rec);
            break;
        } else if (rec.kind == SLT_HASH_THRESHOLD) {
            threshold = rec.threshold;
        } else if (rec.kind == SLT_UNKNOWN) {
            r->c.skipped++;
            if (!r->quiet)
                fprintf(stdout, "%s:%d: skipped unknown command '%s'\n", file, rec.line,
                        rec.command);
        } else if (rec.kind == SLT_STATEMENT) {
            run_statement(r, db, file, &rec);
        } else {
            flush_all(r, db, file);
            run_query(r, db, file, &rec, threshold);
        }
        slt_record_free(&rec);
    }
    forget_labels(r);
    if (floe_db_close(db) != FLOE_OK)
        fprintf(stderr, "floe-slt: %s: closing the database: %s\n", file, floe_db_errmsg(db));
    free(text);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: floe-slt [--quiet] [--max-failures N] [--expect-pass-rate X]\n"
               "                [--engine-name NAME] [--flush] FILE.test...\n");
}

int main(int argc, char **argv)
{
    runner r;
    double expect = -1.0, rate;
    int i, nfiles = 0, ioerr = 0;
    long run;

    memset(&r, 0, sizeof(r));
    r.engine = "floe";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            r.quiet = 1;
        } else if (strcmp(a, "--max-failures") == 0 && i + 1 < argc) {
            r.max_failures = atol(argv[++i]);
        } else if (strcmp(a, "--expect-pass-rate") == 0 && i + 1 < argc) {
            char *end;
            expect = strtod(argv[++i], &end);
            if (*end != '\0' || expect < 0 || expect > 1) {
                fprintf(stderr, "floe-slt: --expect-pass-rate takes a number in [0, 1]\n");
                return 2;
            }
        } else if (strcmp(a, "--flush") == 0) {
            r.flush = 1;
        } else if (strcmp(a, "--engine-name") == 0 && i + 1 < argc) {
            r.engine = argv[++i];
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "floe-slt: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            nfiles++;
            if (run_file(&r, a) != 0) ioerr = 1;
            if (r.max_failures > 0 && r.c.failed >= r.max_failures) break;
        }
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    run = r.c.passed + r.c.failed;
    rate = run > 0 ? (double)r.c.passed / (double)run : 1.0;
    printf("floe-slt: %ld passed, %ld failed, %ld skipped, %ld run\n", r.c.passed, r.c.failed,
           r.c.skipped, run);
    if (ioerr) return 2;
    if (expect >= 0) {
        if (rate + 1e-12 < expect) {
            printf("floe-slt: pass rate %.4f is below the expected %.4f\n", rate, expect);
            return 1;
        }
        return 0;
    }
    return r.c.failed > 0 ? 1 : 0;
}
