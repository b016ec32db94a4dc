/* tests/api/test_lake.c: files queried in place through SQL, against DuckDB.
 *
 * read_parquet over files DuckDB writes (every type, NULLs, dictionary and
 * plain pages, several row groups, every codec, a hive-partitioned
 * directory) gives the answers DuckDB gives to the same SQL; the table
 * functions work in joins, CTAS and INSERT ... SELECT; predicates on
 * partition columns skip files and predicates on Parquet columns skip row
 * groups (counted on the source); CSV columns that are not read are not
 * converted; a later CSV row that contradicts the sample fails naming the
 * file, line and column; COPY ... TO parquet (partitioned, each codec) is
 * read back by DuckDB with the same answers; read_json reads JSON lines and
 * arrays; a damaged Parquet footer is a clear error. The DuckDB cases skip
 * (with a message) when DuckDB's node bindings are not installed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/lake.h"
#include "floe.h"
#include "tests/api/api_test_util.h"

#ifndef FLOE_LAKE_DUCKDB_SQL
#define FLOE_LAKE_DUCKDB_SQL "tests/unit/lake/duckdb_sql.cjs"
#endif

/* Run SQL in DuckDB (statements as separate arguments); rows '|'-separated,
 * one a line, into a malloc'ed string. NULL when DuckDB is missing. */
static char *duckdb(const char *sql1, const char *sql2)
{
    char *cmd = malloc(65536), *out = NULL;
    size_t n = 0, cap = 0;
    FILE *p;
    int st;
    if (sql2) snprintf(cmd, 65536, "node '%s' \"%s\" \"%s\"", FLOE_LAKE_DUCKDB_SQL, sql1, sql2);
    else snprintf(cmd, 65536, "node '%s' \"%s\"", FLOE_LAKE_DUCKDB_SQL, sql1);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    for (;;) {
        size_t got;
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            out = realloc(out, cap);
        }
        got = fread(out + n, 1, cap - n - 1, p);
        if (got == 0) break;
        n += got;
    }
    out[n] = 0;
    st = pclose(p);
    free(cmd);
    if (WEXITSTATUS(st) == 2) {
        free(out);
        return NULL;
    }
    cr_assert_eq(WEXITSTATUS(st), 0, "duckdb failed on: %s", sql1);
    return out;
}

/* floe's rows for sql, rendered like duckdb(). */
static char *floe_rows(floe_db *db, const char *sql)
{
    floe_result *res = query_ok(db, sql);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    uint64_t r;
    uint32_t c;
    out[0] = 0;
    for (r = 0; r < floe_result_row_count(res); r++) {
        for (c = 0; c < floe_result_column_count(res); c++) {
            char *t = floe_value_text(res, c, r);
            const char *s = t ? t : "NULL";
            size_t k = strlen(s) + 2;
            if (n + k + 1 > cap) out = realloc(out, cap = (cap + k) * 2);
            n += (size_t)sprintf(out + n, "%s%s", c ? "|" : "", s);
            floe_free(t);
        }
        out[n++] = '\n';
        out[n] = 0;
    }
    floe_result_free(res);
    return out;
}

/* The same SQL in both engines gives the same rows. */
static void same_answer(floe_db *db, const char *sql)
{
    char *want = duckdb(sql, NULL), *got;
    if (want == NULL) return;
    got = floe_rows(db, sql);
    cr_assert_str_eq(got, want, "%s\nfloe:\n%s\nduckdb:\n%s", sql, got, want);
    free(got);
    free(want);
}

static bool have_duckdb(void)
{
    char *r = duckdb("SELECT 1", NULL);
    if (r == NULL) {
        cr_log_warn("DuckDB's node bindings are not installed: skipping");
        return false;
    }
    free(r);
    return true;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The columns of the generated dataset (a format string: %% is %): every type floe reads, NULLs every
 * 7th row, a low-cardinality string (dictionary pages) and a unique one. */
#define GEN_SELECT                                                                             \
    "SELECT i::INTEGER AS i, i * 1000003 AS big, CASE WHEN i %% 7 = 0 THEN NULL ELSE i / 8.0 END " \
    "AS d, (i %% 1000 / 100.0)::DECIMAL(12,2) AS dec, 'k' || (i %% 13) AS cat, 'row-' || i AS s, "   \
    "DATE '2020-01-01' + (i %% 1500)::INTEGER AS day, TIMESTAMP '2024-01-01 00:00:00' + "            \
    "INTERVAL (i) SECOND AS ts, i %% 3 = 0 AS b, (i %% 4)::INTEGER AS part FROM range(60000) t(i)"

#define AGG_COLS                                                                                \
    "count(*), count(d), sum(i), sum(big), (sum(d) * 8)::BIGINT, (sum(dec) * 100)::BIGINT, "      \
    "min(cat), max(cat), min(s), max(s), min(day), max(day), min(ts), max(ts), "                  \
    "sum(CASE WHEN b THEN 1 ELSE 0 END)"

Test(lake, read_parquet_written_by_duckdb_every_codec)
{
    char *dir = scratch_dir("lakepq"), sql[16384], path[1024];
    const char *codecs[] = {"snappy", "zstd", "gzip", "uncompressed"};
    floe_db *db;
    if (!have_duckdb()) return;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/t_%s.parquet", dir, codecs[k]);
        snprintf(sql, sizeof sql, "COPY (" GEN_SELECT ") TO '%s' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 7000)",
                 path, codecs[k]);
        free(duckdb(sql, NULL));
        snprintf(sql, sizeof sql, "SELECT " AGG_COLS " FROM read_parquet('%s')", path);
        same_answer(db, sql);
    }
    /* a glob and a list over all four, group by, filter */
    snprintf(sql, sizeof sql,
             "SELECT cat, count(*), sum(i), min(day), max(ts) FROM read_parquet('%s/t_*.parquet') "
             "WHERE i %% 5 <> 1 GROUP BY cat ORDER BY cat",
             dir);
    same_answer(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*), sum(big) FROM read_parquet(['%s/t_zstd.parquet', '%s/t_gzip.parquet']) "
             "WHERE ts >= TIMESTAMP '2024-01-01 10:00:00' AND d IS NULL",
             dir, dir);
    same_answer(db, sql);
    floe_db_close(db);
    free(dir);
}

Test(lake, hive_partitions_filename_and_pruning)
{
    char *dir = scratch_dir("lakehive"), sql[16384];
    floe_db *db;
    floe_lake_dataset *d;
    floe_tf_arg arg;
    floe_err err = FLOE_ERR_INIT;
    floe_scan_source src;
    floe_scan_pred pred;
    uint32_t m, live = 0, partcol = UINT32_MAX, icol = UINT32_MAX, c;
    if (!have_duckdb()) return;
    snprintf(sql, sizeof sql,
             "COPY (" GEN_SELECT ") TO '%s/ds' (FORMAT parquet, PARTITION_BY (part), ROW_GROUP_SIZE 5000)",
             dir);
    free(duckdb(sql, NULL));
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    snprintf(sql, sizeof sql,
             "SELECT part, " AGG_COLS " FROM read_parquet('%s/ds/*/*.parquet', hive_partitioning = true) "
             "GROUP BY part ORDER BY part",
             dir);
    same_answer(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT count(*), sum(i) FROM read_parquet('%s/ds/**/*.parquet') WHERE part = 2 AND i < 30000",
             dir);
    same_answer(db, sql);
    /* filename = true names each row's file */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM read_parquet('%s/ds', filename = true) WHERE filename LIKE '%%part=3%%'",
             dir);
    cr_assert_eq(query_int(db, sql), 15000);

    /* pruning, counted on the source: part = 1 keeps one file's row groups,
     * i < 5000 keeps the row groups whose statistics allow it */
    snprintf(sql, sizeof sql, "%s/ds", dir);
    memset(&arg, 0, sizeof arg);
    arg.kind = FLOE_TF_SCALAR;
    arg.value.type = floe_type_make(FLOE_TYPE_VARCHAR);
    arg.value.v.s.ptr = sql;
    arg.value.v.s.len = (uint32_t)strlen(sql);
    cr_assert_eq(floe_lake_dataset_open("read_parquet", &arg, 1, &d, &err), FLOE_OK, "%s", err.msg);
    for (c = 0; c < d->ncols; c++) {
        if (!strcmp(d->names[c], "part")) partcol = c;
        if (!strcmp(d->names[c], "i")) icol = c;
    }
    cr_assert_neq(partcol, UINT32_MAX);
    cr_assert_eq(d->types[partcol].id, FLOE_TYPE_BIGINT);
    cr_assert_eq(floe_lake_source_new(d, &src, &err), FLOE_OK);
    pred.col = partcol;
    pred.op = FLOE_PRED_EQ;
    pred.value.type = floe_type_make(FLOE_TYPE_BIGINT);
    pred.value.is_null = false;
    pred.value.v.i = 1;
    for (m = 0; m < src.vt->nmorsels(src.self); m++) live += src.vt->morsel_may_match(src.self, m, &pred, 1);
    cr_assert_eq(live, 3, "15000 rows in 5000-row groups: 3 morsels of part=1, got %u of %u", live,
                 src.vt->nmorsels(src.self));
    cr_assert_gt(atomic_load(&d->files_skipped), 0);
    pred.col = icol;
    pred.op = FLOE_PRED_LT;
    pred.value.type = floe_type_make(FLOE_TYPE_INTEGER);
    pred.value.v.i = 100;
    live = 0;
    for (m = 0; m < src.vt->nmorsels(src.self); m++) live += src.vt->morsel_may_match(src.self, m, &pred, 1);
    cr_assert_eq(live, 4, "i < 100 lies in the first row group of each partition, got %u", live);
    src.vt->free(src.self);
    floe_lake_dataset_free(d);
    floe_db_close(db);
    free(dir);
}

Test(lake, table_functions_in_joins_ctas_and_insert)
{
    char *dir = scratch_dir("lakejoin"), sql[16384], p1[1024], p2[1024];
    floe_db *db;
    snprintf(p1, sizeof p1, "%s/a.csv", dir);
    snprintf(p2, sizeof p2, "%s/b.csv", dir);
    write_file(p1, "id,name\n1,one\n2,two\n3,three\n");
    write_file(p2, "id|qty|day\n1|10|2024-01-01\n1|5|2024-01-02\n3|7|2024-02-29\n4|1|2024-03-01\n");
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    snprintf(sql, sizeof sql,
             "SELECT a.name, sum(b.qty), max(b.day) FROM read_csv('%s') a JOIN read_csv('%s') b "
             "ON a.id = b.id GROUP BY a.name ORDER BY a.name",
             p1, p2);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "one|15|2024-01-02\nthree|7|2024-02-29\n");
        free(got);
    }
    snprintf(sql, sizeof sql, "CREATE TABLE t AS SELECT * FROM read_csv('%s')", p2);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql, "INSERT INTO t SELECT id + 10, qty, day FROM read_csv('%s')", p2);
    exec_ok(db, sql);
    cr_assert_eq(query_int(db, "SELECT sum(qty) FROM t"), 46);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM t WHERE day = DATE '2024-02-29'"), 2);
    cr_assert_eq(query_int(db, "SELECT max(id) FROM t"), 14);
    floe_db_close(db);
    free(dir);
}

Test(lake, csv_projection_drift_and_overrides)
{
    char *dir = scratch_dir("lakecsv"), sql[16384], path[1024];
    FILE *f;
    floe_db *db;
    floe_result *res = NULL;
    snprintf(path, sizeof path, "%s/drift.csv", dir);
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    fprintf(f, "a;b;c\n");
    for (int i = 1; i <= 200; i++) fprintf(f, "%d;%s;%d.5\n", i, i == 150 ? "oops" : "7", i);
    fclose(f);
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    /* b is sniffed from the first 100 rows as BIGINT; row 150 contradicts */
    snprintf(sql, sizeof sql, "SELECT sum(b) FROM read_csv('%s', sample_size = 100)", path);
    cr_assert_neq(floe_query(db, sql, &res), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "drift.csv:151") != NULL, "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "column b") != NULL, "%s", floe_db_errmsg(db));
    /* b is not read: not converted, no error */
    snprintf(sql, sizeof sql, "SELECT sum(a), sum(c) * 2 FROM read_csv('%s', sample_size = 100)", path);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "20100|40400.0\n");
        free(got);
    }
    /* a per-column override reads b as text */
    snprintf(sql, sizeof sql,
             "SELECT count(*), max(b) FROM read_csv('%s', sample_size = 100, types = {'b': 'VARCHAR'})", path);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "200|oops\n");
        free(got);
    }
    /* columns= declares the schema (no header given: the first line is data) */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM read_csv('%s', header = true, columns = {'x': 'INTEGER', 'y': 'VARCHAR', 'z': 'DOUBLE'})",
             path);
    cr_assert_eq(query_int(db, sql), 200);
    /* dates in common layouts, and a later row that does not fit its layout */
    snprintf(path, sizeof path, "%s/dates.csv", dir);
    write_file(path, "id,us,eu\n1,12/31/2024,31.12.2024\n2,02/29/2024,01.02.2023\n3,13/01/2024,01.01.2020\n");
    snprintf(sql, sizeof sql, "SELECT max(us), min(eu) FROM read_csv('%s', sample_size = 2) WHERE id < 3", path);
    cr_assert_neq(floe_query(db, sql, &res), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "dates.csv:4: column us") != NULL, "%s", floe_db_errmsg(db));
    write_file(path, "id,us,eu\n1,12/31/2024,31.12.2024\n2,02/29/2024,01.02.2023\n");
    snprintf(sql, sizeof sql, "SELECT max(us), min(eu) FROM read_csv('%s')", path);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "2024-12-31|2023-02-01\n");
        free(got);
    }
    /* an unknown argument is an error that lists the known ones */
    snprintf(sql, sizeof sql, "SELECT * FROM read_csv('%s', bogus = 1)", path);
    cr_assert_neq(floe_query(db, sql, &res), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "unknown argument 'bogus'") != NULL, "%s", floe_db_errmsg(db));
    /* a missing file names it */
    snprintf(sql, sizeof sql, "SELECT * FROM read_csv('%s/nope.csv')", dir);
    cr_assert_neq(floe_query(db, sql, &res), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "nope.csv") != NULL, "%s", floe_db_errmsg(db));
    /* a read-only query may not read files */
    snprintf(sql, sizeof sql, "SELECT * FROM read_csv('%s')", path);
    cr_assert_eq(floe_query_ex(db, sql, FLOE_QUERY_READONLY, &res, NULL), FLOE_READONLY);
    floe_db_close(db);
    free(dir);
}

Test(lake, csv_big_file_read_in_parallel_chunks_like_duckdb)
{
    char *dir = scratch_dir("lakecsvbig"), sql[16384], path[1024];
    floe_db *db;
    if (!have_duckdb()) return;
    snprintf(path, sizeof path, "%s/big.csv", dir);
    /* ~45 MiB: cut into chunks read in parallel */
    snprintf(sql, sizeof sql,
             "COPY (SELECT i AS id, 'user_' || (i %% 1000) AS u, i %% 97 AS k, i / 3.0 AS v, "
             "TIMESTAMP '2024-01-01' + INTERVAL (i) SECOND AS ts FROM range(800000) t(i)) TO '%s' (HEADER)",
             path);
    free(duckdb(sql, NULL));
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    snprintf(sql, sizeof sql,
             "SELECT count(*), sum(id), sum(k), min(u), max(ts), (sum(v) * 3)::BIGINT FROM read_csv('%s')",
             path);
    same_answer(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT k, count(*), sum(id) FROM read_csv('%s') WHERE k < 5 GROUP BY k ORDER BY k", path);
    same_answer(db, sql);
    floe_db_close(db);
    free(dir);
}

Test(lake, copy_to_parquet_read_back_by_duckdb)
{
    char *dir = scratch_dir("lakecopy"), sql[16384];
    const char *codecs[] = {"zstd", "snappy", "gzip", "lz4", "none"};
    floe_db *db;
    if (!have_duckdb()) return;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE src (i INTEGER, big BIGINT, d DOUBLE, dec DECIMAL(12,2), cat VARCHAR, "
                "s VARCHAR, day DATE, ts TIMESTAMP, b BOOLEAN, part INTEGER)");
    {
        char *csv;
        snprintf(sql, sizeof sql, "%s/src.csv", dir);
        csv = strdup(sql);
        snprintf(sql, sizeof sql, "COPY (" GEN_SELECT ") TO '%s' (HEADER)", csv);
        free(duckdb(sql, NULL));
        snprintf(sql, sizeof sql, "COPY src FROM '%s' (HEADER)", csv);
        exec_ok(db, sql);
        free(csv);
    }
    for (int k = 0; k < 5; k++) {
        snprintf(sql, sizeof sql, "COPY src TO '%s/out_%s.parquet' (FORMAT parquet, COMPRESSION %s, ROW_GROUP_SIZE 10000)",
                 dir, codecs[k], codecs[k]);
        exec_ok(db, sql);
        snprintf(sql, sizeof sql, "SELECT " AGG_COLS " FROM read_parquet('%s/out_%s.parquet')", dir, codecs[k]);
        {
            char *want = floe_rows(db, "SELECT " AGG_COLS " FROM src"), *got = duckdb(sql, NULL);
            cr_assert_str_eq(got, want, "%s", codecs[k]);
            free(got);
            free(want);
        }
    }
    /* a hive-partitioned dataset: DuckDB reads the same groups */
    snprintf(sql, sizeof sql,
             "COPY (SELECT * FROM src WHERE i %% 11 <> 0) TO '%s/hive' (FORMAT parquet, PARTITION_BY (part, b), COMPRESSION zstd)",
             dir);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT part, b, count(*), sum(i), min(s), max(day) FROM read_parquet('%s/hive/*/*/*.parquet', "
             "hive_partitioning = true) GROUP BY part, b ORDER BY part, b",
             dir);
    {
        char *got = duckdb(sql, NULL),
             *want = floe_rows(db, "SELECT part, b, count(*), sum(i), min(s), max(day) FROM src WHERE i % 11 <> 0 "
                                   "GROUP BY part, b ORDER BY part, b");
        cr_assert_str_eq(got, want);
        free(want);
        want = floe_rows(db, sql); /* and floe reads its own dataset back */
        cr_assert_str_eq(got, want);
        free(got);
        free(want);
    }
    floe_db_close(db);
    free(dir);
}

Test(lake, read_json_lines_and_arrays)
{
    char *dir = scratch_dir("lakejson"), sql[16384], p1[1024], p2[1024];
    floe_db *db;
    snprintf(p1, sizeof p1, "%s/a.jsonl", dir);
    snprintf(p2, sizeof p2, "%s/b.json", dir);
    write_file(p1, "{\"id\": 1, \"name\": \"x\", \"day\": \"2024-01-05\", \"v\": 1.5}\n"
                   "{\"id\": 2, \"name\": null, \"day\": \"2024-01-06\", \"v\": 2}\n\n"
                   "{\"id\": 3, \"day\": null, \"v\": -1, \"extra\": {\"a\": [1, 2]}}\n");
    write_file(p2, "[\n  {\"id\": 10, \"name\": \"y\",\n   \"day\": \"2023-12-31\", \"v\": 0.25},\n"
                   "  {\"id\": 11, \"name\": \"z\", \"day\": \"2023-12-30\", \"v\": 4}\n]\n");
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    snprintf(sql, sizeof sql, "SELECT count(*), sum(id), count(name), max(day), sum(v), max(extra) FROM read_json('%s')", p1);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "3|6|1|2024-01-06|2.5|{\"a\": [1, 2]}\n");
        free(got);
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_json('%s')", p1); /* no key read */
    cr_assert_eq(query_int(db, sql), 3);
    snprintf(sql, sizeof sql, "SELECT count(*), sum(id), min(day), max(name), sum(v) FROM read_json('%s')", p2);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "2|21|2023-12-30|z|4.25\n");
        free(got);
    }
    floe_db_close(db);
    free(dir);
}

Test(lake, damaged_parquet_is_a_clear_error)
{
    char *dir = scratch_dir("lakebad"), sql[16384], path[1024];
    floe_db *db;
    floe_result *res = NULL;
    snprintf(path, sizeof path, "%s/bad.parquet", dir);
    write_file(path, "PAR1 this is not a parquet file at all PAR1");
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s')", path);
    cr_assert_eq(floe_query(db, sql, &res), FLOE_CORRUPT, "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "bad.parquet") != NULL, "%s", floe_db_errmsg(db));
    floe_db_close(db);
    free(dir);
}

/* The value of row 0, column c of a query, as text (caller frees). */
static char *cell(floe_db *db, const char *sql, uint32_t row, uint32_t c)
{
    floe_result *res = query_ok(db, sql);
    char *t, *out;
    cr_assert_gt(floe_result_row_count(res), row, "%s", sql);
    t = floe_value_text(res, c, row);
    out = strdup(t ? t : "NULL");
    floe_free(t);
    floe_result_free(res);
    return out;
}

Test(lake, crawl_registers_and_recrawl_follows_drift)
{
    char *dir = scratch_dir("lakecrawl"), *dbdir = scratch_dir("lakecrawldb"), sql[16384], p[1024];
    floe_db *db;
    floe_result *res = NULL;
    char *v;
    cr_assert_eq(floe_db_open(dbdir, 0, &db), FLOE_OK);
    /* a hive-partitioned Parquet dataset written by floe, a CSV and a JSON one */
    exec_ok(db, "CREATE TABLE src (id BIGINT, name VARCHAR, day DATE, region VARCHAR)");
    exec_ok(db, "INSERT INTO src VALUES (1, 'a', DATE '2024-01-01', 'eu'), (2, 'b', DATE '2024-01-02', 'us'), "
                "(3, 'c', DATE '2024-01-02', 'eu'), (4, NULL, DATE '2024-01-03', 'us')");
    snprintf(sql, sizeof sql, "COPY src TO '%s/lake/sales' (FORMAT parquet, PARTITION_BY (region))", dir);
    exec_ok(db, sql);
    snprintf(p, sizeof p, "%s/lake/users", dir);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/lake/users/u.csv", dir);
    write_file(p, "uid,score\n1,10.5\n2,7\n");
    snprintf(p, sizeof p, "%s/lake/log.jsonl", dir);
    write_file(p, "{\"t\": \"2024-01-01 10:00:00\", \"msg\": \"hi\"}\n");
    snprintf(sql, sizeof sql, "CRAWL '%s/lake' INTO raw", dir);
    res = query_ok(db, sql);
    cr_assert_eq(floe_result_row_count(res), 3);
    floe_result_free(res);
    cr_assert_eq(query_int(db, "SELECT sum(id) FROM raw_sales WHERE region = 'eu'"), 4);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM raw_sales s JOIN raw_users u ON s.id = u.uid"), 2);
    v = cell(db, "SELECT max(t), min(msg) FROM raw_log", 0, 0);
    cr_assert_str_eq(v, "2024-01-01 10:00:00");
    free(v);
    v = cell(db, "SELECT sum(score) FROM raw_users", 0, 0);
    cr_assert_str_eq(v, "17.5");
    free(v);
    /* external tables are read-only */
    cr_assert_neq(floe_exec(db, "INSERT INTO raw_users VALUES (3, 1.0)"), FLOE_OK);

    /* drift: a new partition with a new column, a file whose id is text */
    exec_ok(db, "CREATE TABLE more (id BIGINT, name VARCHAR, day DATE, region VARCHAR, extra INTEGER)");
    exec_ok(db, "INSERT INTO more VALUES (10, 'x', DATE '2024-02-01', 'apac', 5)");
    snprintf(sql, sizeof sql, "COPY more TO '%s/lake/sales' (FORMAT parquet, PARTITION_BY (region))", dir);
    exec_ok(db, sql);
    exec_ok(db, "CREATE TABLE bad (id VARCHAR, name VARCHAR)");
    exec_ok(db, "INSERT INTO bad VALUES ('ten', 'y')");
    snprintf(p, sizeof p, "%s/lake/sales/region=mx", dir);
    cr_assert_eq(mkdir(p, 0755), 0);
    snprintf(sql, sizeof sql, "COPY bad TO '%s/lake/sales/region=mx/data_0.parquet' (FORMAT parquet)", dir);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql, "CRAWL '%s/lake/sales' INTO raw", dir);
    v = cell(db, sql, 0, 7);
    cr_assert(strstr(v, "added column extra INTEGER") != NULL, "%s", v);
    cr_assert(strstr(v, "column id is VARCHAR") != NULL && strstr(v, "left out") != NULL, "%s", v);
    free(v);
    v = cell(db, sql, 0, 2); /* the crawl again: files registered */
    cr_assert_str_eq(v, "3");
    free(v);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM raw_sales"), 5);
    cr_assert_eq(query_int(db, "SELECT sum(extra) FROM raw_sales"), 5);
    cr_assert_eq(query_int(db, "SELECT count(extra) FROM raw_sales WHERE region <> 'apac'"), 0);
    /* the same drift read directly: union_by_name sees every file's columns */
    snprintf(sql, sizeof sql,
             "SELECT count(extra) FROM read_parquet('%s/lake/sales/region=[aeu]*/*.parquet', union_by_name = true)", dir);
    cr_assert_eq(query_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s/lake/sales/*/*.parquet', union_by_name = true)", dir);
    cr_assert_eq(floe_query(db, sql, &res), FLOE_TYPE);
    cr_assert(strstr(floe_db_errmsg(db), "region=mx") != NULL, "%s", floe_db_errmsg(db));
    /* survives reopening; DROP removes the record, never the files */
    floe_db_close(db);
    cr_assert_eq(floe_db_open(dbdir, 0, &db), FLOE_OK);
    cr_assert_eq(query_int(db, "SELECT count(*) FROM raw_sales WHERE day >= DATE '2024-01-02'"), 4);
    exec_ok(db, "DROP TABLE raw_users");
    cr_assert_neq(floe_query(db, "SELECT * FROM raw_users", &res), FLOE_OK);
    snprintf(p, sizeof p, "%s/lake/users/u.csv", dir);
    cr_assert_eq(access(p, F_OK), 0);
    /* a registered file gone: the query names it; DROP still works */
    snprintf(p, sizeof p, "%s/lake/log.jsonl", dir);
    cr_assert_eq(unlink(p), 0);
    cr_assert_neq(floe_query(db, "SELECT * FROM raw_log", &res), FLOE_OK);
    cr_assert(strstr(floe_db_errmsg(db), "log.jsonl") != NULL, "%s", floe_db_errmsg(db));
    cr_assert(strstr(floe_db_errmsg(db), "CRAWL") != NULL, "%s", floe_db_errmsg(db));
    exec_ok(db, "DROP TABLE raw_log");
    floe_db_close(db);
    free(dir);
    free(dbdir);
}

Test(lake, partition_values_round_trip_with_nulls_and_slashes)
{
    char *dir = scratch_dir("lakepart"), sql[16384];
    floe_db *db;
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    exec_ok(db, "CREATE TABLE t (k VARCHAR, d DATE, v INTEGER)");
    exec_ok(db, "INSERT INTO t VALUES ('a/b', DATE '2024-01-01', 1), ('100%', DATE '2024-01-01', 2), "
                "(NULL, NULL, 3), ('a/b', DATE '2024-01-02', 4)");
    snprintf(sql, sizeof sql, "COPY t TO '%s/ds' (FORMAT parquet, PARTITION_BY (k, d))", dir);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql,
             "SELECT coalesce(k, 'null'), coalesce(CAST(d AS VARCHAR), 'null'), sum(v) FROM read_parquet('%s/ds') "
             "GROUP BY k, d ORDER BY 3",
             dir);
    {
        char *got = floe_rows(db, sql);
        cr_assert_str_eq(got, "a/b|2024-01-01|1\n100%|2024-01-01|2\nnull|null|3\na/b|2024-01-02|4\n");
        free(got);
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s/ds') WHERE d = DATE '2024-01-01'", dir);
    cr_assert_eq(query_int(db, sql), 2);
    floe_db_close(db);
    free(dir);
}
