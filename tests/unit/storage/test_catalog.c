/* tests/unit/storage/test_catalog.c: tables, columns, atomic part commits,
 * shard sequence state, offsets, producers, and persistence across reopen. */
#include <criterion/criterion.h>
#include <string.h>

#include "storage/catalog.h"
#include "storage_testutil.h"

static floe_column_def mkcol(const char *name, floe_type t, bool nn, const char *def)
{
    floe_column_def c;
    memset(&c, 0, sizeof c);
    c.name = (char *)name;
    c.type = t;
    c.not_null = nn;
    c.default_text = (char *)def;
    return c;
}

static void create_events(floe_catalog *c, int64_t *id)
{
    floe_column_def cols[3];
    floe_table_def d;
    uint32_t sort[1] = {1};
    floe_err err = FLOE_ERR_INIT;
    memset(&d, 0, sizeof d);
    cols[0] = mkcol("ts", floe_type_make(FLOE_TYPE_TIMESTAMP), true, NULL);
    cols[1] = mkcol("user_id", floe_type_make(FLOE_TYPE_BIGINT), false, NULL);
    cols[2] = mkcol("kind", floe_type_make(FLOE_TYPE_VARCHAR), false, "'view'");
    d.name = "events";
    d.cols = cols;
    d.ncols = 3;
    d.opts.partition_col = 2;
    d.opts.shards = 4;
    d.opts.sort_cols = sort;
    d.opts.nsort = 1;
    d.opts.flush_rows = 100000;
    d.opts.flush_bytes = 1 << 26;
    d.opts.flush_interval_ms = 1000;
    d.opts.ttl_seconds = 86400;
    d.opts.ttl_col = 1;
    cr_assert_eq(floe_catalog_create_table(c, &d, id, &err), FLOE_OK, "%s", err.msg);
}

static void check_events(floe_table_def *t)
{
    cr_assert_str_eq(t->name, "events");
    cr_assert_eq(t->ncols, 3);
    cr_assert_str_eq(t->cols[1].name, "user_id");
    cr_assert_eq(t->cols[0].id, 1);
    cr_assert_eq(t->cols[2].id, 3);
    cr_assert_eq(t->cols[0].type.id, FLOE_TYPE_TIMESTAMP);
    cr_assert(t->cols[0].not_null);
    cr_assert_str_eq(t->cols[2].default_text, "'view'");
    cr_assert_null(t->cols[1].default_text);
    cr_assert_eq(t->opts.shards, 4);
    cr_assert_eq(t->opts.partition_col, 2);
    cr_assert_eq(t->opts.nsort, 1);
    cr_assert_eq(t->opts.sort_cols[0], 1);
    cr_assert_eq(t->opts.flush_rows, 100000);
    cr_assert_eq(t->opts.ttl_seconds, 86400);
    cr_assert_eq(t->opts.ttl_col, 1);
}

/* A hand-made part info: 2 columns (1: BIGINT 5..90, 3: VARCHAR "aa".."zz"). */
static floe_part_info mkpart(int64_t id, uint64_t rows)
{
    floe_part_info p;
    static floe_part_col_info cols[2];
    memset(&p, 0, sizeof p);
    memset(cols, 0, sizeof cols);
    p.part_id = id;
    p.rows = rows;
    p.bytes = rows * 10;
    p.nblocks = 1;
    p.ncols = 2;
    p.cols = cols;
    cols[0].id = 1;
    cols[0].bytes = rows * 8;
    cols[0].has_minmax = true;
    cols[0].min = floe_value_null(floe_type_make(FLOE_TYPE_TIMESTAMP));
    cols[0].max = cols[0].min;
    cols[0].min.is_null = cols[0].max.is_null = false;
    cols[0].min.v.i = 5;
    cols[0].max.v.i = 90;
    cols[1].id = 3;
    cols[1].nulls = 2;
    cols[1].has_minmax = true;
    cols[1].max_trunc = true;
    cols[1].min = floe_value_null(floe_type_make(FLOE_TYPE_VARCHAR));
    cols[1].max = cols[1].min;
    cols[1].min.v.s.ptr = "aa";
    cols[1].min.v.s.len = 2;
    cols[1].max.v.s.ptr = "zz";
    cols[1].max.v.s.len = 2;
    return p;
}

Test(catalog, create_get_list_drop_tables)
{
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    floe_table_def *t, **all;
    uint32_t n;
    int64_t id, id2, dropped;
    floe_column_def one = mkcol("x", floe_type_make(FLOE_TYPE_INTEGER), false, NULL);
    floe_table_def d2;
    cr_assert_eq(floe_catalog_open(NULL, &c, &err), FLOE_OK, "%s", err.msg);
    create_events(c, &id);
    cr_assert_eq(floe_catalog_get_table(c, "EVENTS", &t, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(t->id, id);
    check_events(t);
    floe_table_def_free(t);
    /* same name in another case: refused with a clear message */
    memset(&d2, 0, sizeof d2);
    d2.name = "Events";
    d2.cols = &one;
    d2.ncols = 1;
    cr_assert_eq(floe_catalog_create_table(c, &d2, &id2, &err), FLOE_CONSTRAINT);
    cr_assert_str_eq(err.msg, "catalog: create table 'Events': table already exists");
    d2.name = "aaa";
    cr_assert_eq(floe_catalog_create_table(c, &d2, &id2, &err), FLOE_OK);
    cr_assert_neq(id, id2);
    cr_assert_eq(floe_catalog_list_tables(c, &all, &n, &err), FLOE_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(all[0]->name, "aaa");
    cr_assert_str_eq(all[1]->name, "events");
    floe_table_def_free(all[0]);
    floe_table_def_free(all[1]);
    floe_free(all);
    cr_assert_eq(floe_catalog_drop_table(c, "events", &dropped, &err), FLOE_OK);
    cr_assert_eq(dropped, id);
    cr_assert_eq(floe_catalog_get_table(c, "events", &t, &err), FLOE_NOTFOUND);
    cr_assert_str_eq(err.msg, "catalog: table 'events' does not exist");
    cr_assert_eq(floe_catalog_drop_table(c, "events", NULL, &err), FLOE_NOTFOUND);
    /* ids are not reused */
    create_events(c, &id2);
    cr_assert_gt(id2, id);
    floe_catalog_close(c);
}

Test(catalog, add_column_assigns_new_id_and_version)
{
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    floe_table_def *t;
    int64_t id;
    uint32_t cid;
    floe_column_def nc = mkcol("country", floe_type_make(FLOE_TYPE_VARCHAR), false, "'NL'");
    cr_assert_eq(floe_catalog_open(NULL, &c, &err), FLOE_OK);
    create_events(c, &id);
    cr_assert_eq(floe_catalog_add_column(c, "events", &nc, &cid, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(cid, 4);
    cr_assert_eq(floe_catalog_add_column(c, "events", &nc, &cid, &err), FLOE_CONSTRAINT);
    cr_assert_str_eq(err.msg, "catalog: add column 'country' to 'events': column already exists");
    cr_assert_eq(floe_catalog_add_column(c, "nope", &nc, &cid, &err), FLOE_NOTFOUND);
    cr_assert_eq(floe_catalog_get_table(c, "events", &t, &err), FLOE_OK);
    cr_assert_eq(t->ncols, 4);
    cr_assert_eq(t->version, 2);
    cr_assert_eq(t->cols[3].id, 4);
    cr_assert_eq(t->cols[3].added_version, 2);
    cr_assert_str_eq(t->cols[3].default_text, "'NL'");
    cr_assert_eq(floe_table_def_find(t, "COUNTRY"), 3);
    floe_table_def_free(t);
    floe_catalog_close(c);
}

Test(catalog, commit_part_is_atomic_and_advances_flushed_seq)
{
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    int64_t tid, pid, pid2, next;
    floe_part_info p;
    floe_shard_range r[2] = {{0, 1, 100}, {3, 7, 50}}, bad[2] = {{1, 1, 900}, {1, 2, 901}};
    floe_stream_offset off = {"kafka", "events", 2, 1234, 0};
    floe_part_commit pc;
    floe_catalog_part *parts;
    uint32_t n;
    uint64_t seq;
    cr_assert_eq(floe_catalog_open(NULL, &c, &err), FLOE_OK);
    create_events(c, &tid);
    off.table_id = tid;
    cr_assert_eq(floe_catalog_alloc_part_id(c, tid, &pid, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_alloc_part_id(c, tid, &pid2, &err), FLOE_OK);
    cr_assert_eq(pid2, pid + 1);
    p = mkpart(pid, 1000);
    memset(&pc, 0, sizeof pc);
    pc.table_id = tid;
    pc.part = &p;
    pc.shards = r;
    pc.nshards = 2;
    pc.offsets = &off;
    pc.noffsets = 1;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 0, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 100);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 3, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 50);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 1, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 0);
    cr_assert_eq(floe_catalog_get_offset(c, "kafka", "events", 2, &next, NULL, &err), FLOE_OK);
    cr_assert_eq(next, 1234);

    /* a commit that fails half-way (duplicate shard row) leaves no trace */
    p = mkpart(pid2, 10);
    pc.part = &p;
    pc.shards = bad;
    off.next_offset = 9999;
    cr_assert_neq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK);
    cr_assert(strstr(err.msg, "catalog: commit part-") != NULL, "%s", err.msg);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 1, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 0);
    cr_assert_eq(floe_catalog_get_offset(c, "kafka", "events", 2, &next, NULL, &err), FLOE_OK);
    cr_assert_eq(next, 1234);
    cr_assert_eq(floe_catalog_list_parts(c, tid, &parts, &n, &err), FLOE_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(parts[0].id, pid);
    cr_assert_eq(parts[0].rows, 1000);
    cr_assert_eq(parts[0].ncols, 2);
    cr_assert_eq(parts[0].cols[0].min.v.i, 5);
    cr_assert_eq(parts[0].cols[0].max.v.i, 90);
    cr_assert_eq(parts[0].cols[1].nulls, 2);
    cr_assert(parts[0].cols[1].max_trunc);
    cr_assert_eq(parts[0].cols[1].max.v.s.len, 2);
    cr_assert(memcmp(parts[0].cols[1].max.v.s.ptr, "zz", 2) == 0);
    cr_assert_eq(parts[0].nshards, 2);
    cr_assert_eq(parts[0].shards[1].shard, 3);
    cr_assert_eq(parts[0].shards[1].min_seq, 7);
    floe_catalog_parts_free(parts, n);

    /* a later, lower max_seq never moves flushed_seq back */
    bad[1].shard = 0;
    bad[1].max_seq = 60;
    pc.shards = bad;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 0, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 100);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 1, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 900);
    /* committing to a missing table fails */
    pc.table_id = 999;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_NOTFOUND);
    floe_catalog_close(c);
}

Test(catalog, replace_parts_swaps_in_one_transaction)
{
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    int64_t tid, old[2] = {1, 2}, missing[2] = {1, 77}, *ids;
    floe_part_info p;
    floe_shard_range r1 = {0, 1, 10}, r2 = {0, 11, 20};
    floe_part_commit pc;
    floe_catalog_part *parts;
    uint32_t n;
    cr_assert_eq(floe_catalog_open(NULL, &c, &err), FLOE_OK);
    create_events(c, &tid);
    memset(&pc, 0, sizeof pc);
    pc.table_id = tid;
    pc.nshards = 1;
    p = mkpart(1, 10);
    pc.part = &p;
    pc.shards = &r1;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK);
    p = mkpart(2, 10);
    pc.shards = &r2;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK);
    p = mkpart(3, 20);
    cr_assert_eq(floe_catalog_replace_parts(c, tid, missing, 2, &p, &err), FLOE_NOTFOUND);
    cr_assert(strstr(err.msg, "part-77") != NULL, "%s", err.msg);
    cr_assert_eq(floe_catalog_part_ids(c, tid, &ids, &n, &err), FLOE_OK);
    cr_assert_eq(n, 2);
    floe_free(ids);
    cr_assert_eq(floe_catalog_replace_parts(c, tid, old, 2, &p, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_list_parts(c, tid, &parts, &n, &err), FLOE_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(parts[0].id, 3);
    cr_assert_eq(parts[0].nshards, 1);
    cr_assert_eq(parts[0].shards[0].min_seq, 1);
    cr_assert_eq(parts[0].shards[0].max_seq, 20);
    floe_catalog_parts_free(parts, n);
    floe_catalog_close(c);
}

Test(catalog, state_survives_reopen_from_disk)
{
    char *dir = tu_tmpdir();
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    int64_t tid, pid, pid2, next, otab;
    uint64_t seq, last;
    floe_part_info p;
    floe_shard_range r = {2, 5, 77};
    floe_part_commit pc;
    floe_stream_offset off = {"kafka", "t", 0, 42, 0};
    floe_table_def *t;
    floe_catalog_part *parts;
    uint32_t n;
    cr_assert_eq(floe_catalog_open(dir, &c, &err), FLOE_OK, "%s", err.msg);
    create_events(c, &tid);
    off.table_id = tid;
    cr_assert_eq(floe_catalog_alloc_part_id(c, tid, &pid, &err), FLOE_OK);
    p = mkpart(pid, 500);
    memset(&pc, 0, sizeof pc);
    pc.table_id = tid;
    pc.part = &p;
    pc.shards = &r;
    pc.nshards = 1;
    cr_assert_eq(floe_catalog_commit_part(c, &pc, &err), FLOE_OK);
    cr_assert_eq(floe_catalog_set_offset(c, &off, &err), FLOE_OK);
    cr_assert_eq(floe_catalog_set_producer(c, "prod-1", tid, 31337, &err), FLOE_OK);
    cr_assert_eq(floe_catalog_get_producer(c, "prod-2", tid, &last, &err), FLOE_NOTFOUND);
    floe_catalog_close(c);

    cr_assert_eq(floe_catalog_open(dir, &c, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_catalog_get_table(c, "events", &t, &err), FLOE_OK);
    check_events(t);
    floe_table_def_free(t);
    cr_assert_eq(floe_catalog_list_parts(c, tid, &parts, &n, &err), FLOE_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(parts[0].rows, 500);
    floe_catalog_parts_free(parts, n);
    cr_assert_eq(floe_catalog_flushed_seq(c, tid, 2, &seq, &err), FLOE_OK);
    cr_assert_eq(seq, 77);
    cr_assert_eq(floe_catalog_get_offset(c, "kafka", "t", 0, &next, &otab, &err), FLOE_OK);
    cr_assert_eq(next, 42);
    cr_assert_eq(otab, tid);
    cr_assert_eq(floe_catalog_get_producer(c, "prod-1", tid, &last, &err), FLOE_OK);
    cr_assert_eq(last, 31337);
    cr_assert_eq(floe_catalog_alloc_part_id(c, tid, &pid2, &err), FLOE_OK);
    cr_assert_gt(pid2, pid);
    /* dropping the table removes its offsets and producers too */
    cr_assert_eq(floe_catalog_drop_table(c, "events", NULL, &err), FLOE_OK);
    cr_assert_eq(floe_catalog_get_offset(c, "kafka", "t", 0, &next, &otab, &err), FLOE_NOTFOUND);
    cr_assert_eq(floe_catalog_list_parts(c, tid, &parts, &n, &err), FLOE_NOTFOUND);
    floe_catalog_close(c);
    tu_rmrf(dir);
    free(dir);
}

Test(catalog, copy_by_id_and_newer_schema_is_refused)
{
    char *dir = tu_tmpdir(), cmd[4400];
    floe_catalog *c;
    floe_err err = FLOE_ERR_INIT;
    floe_table_def *t, *cp;
    int64_t id;
    cr_assert_eq(floe_catalog_open(dir, &c, &err), FLOE_OK);
    create_events(c, &id);
    cr_assert_eq(floe_catalog_get_table_by_id(c, id, &t, &err), FLOE_OK);
    cr_assert_eq(floe_table_def_copy(t, &cp, &err), FLOE_OK);
    floe_table_def_free(t);
    check_events(cp); /* the copy owns everything it points at */
    floe_table_def_free(cp);
    cr_assert_eq(floe_catalog_get_table_by_id(c, id + 100, &t, &err), FLOE_NOTFOUND);
    floe_catalog_close(c);
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/catalog.db' 'UPDATE schema_version SET version=99'", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(floe_catalog_open(dir, &c, &err), FLOE_UNSUPPORTED);
    cr_assert_null(c);
    cr_assert(strstr(err.msg, "schema version 99") != NULL, "%s", err.msg);
    tu_rmrf(dir);
    free(dir);
}

Test(catalog, sqlite_errors_map_to_clear_codes_naming_the_file)
{
    floe_err err = FLOE_ERR_INIT;
    /* a full disk shows as SQLITE_FULL, or as an I/O error over ENOSPC */
    cr_assert_eq(floe_catalog_map_error(13 /* SQLITE_FULL */, 0, "/d/catalog.db", "commit part-3",
                                        "database or disk is full", &err),
                 FLOE_IOERR);
    cr_assert(strstr(err.msg, "disk full (ENOSPC)") && strstr(err.msg, "'/d/catalog.db'"), "%s",
              err.msg);
    cr_assert_eq(floe_catalog_map_error(10 /* SQLITE_IOERR */, 28 /* ENOSPC */, "/d/catalog.db",
                                        "open", "disk I/O error", &err),
                 FLOE_IOERR);
    cr_assert(strstr(err.msg, "disk full (ENOSPC) writing '/d/catalog.db'"), "%s", err.msg);
    cr_assert_eq(floe_catalog_map_error(11 /* SQLITE_CORRUPT */, 0, "/d/catalog.db", "list parts",
                                        "database disk image is malformed", &err),
                 FLOE_CORRUPT);
    cr_assert(strstr(err.msg, "/d/catalog.db") != NULL, "%s", err.msg);
    cr_assert_eq(floe_catalog_map_error(26 /* SQLITE_NOTADB */, 0, "x", "open", "m", &err),
                 FLOE_CORRUPT);
    cr_assert_eq(floe_catalog_map_error(10, 5 /* EIO */, "/d/catalog.db", "open", "disk I/O error",
                                        &err),
                 FLOE_IOERR);
    cr_assert(strstr(err.msg, "ENOSPC") == NULL && strstr(err.msg, "/d/catalog.db"), "%s", err.msg);
}

Test(catalog, garbage_file_is_refused_as_corrupt)
{
    char *dir = tu_tmpdir(), p[4200];
    floe_catalog *c = NULL;
    floe_err err = FLOE_ERR_INIT;
    FILE *f;
    snprintf(p, sizeof p, "%s/catalog.db", dir);
    f = fopen(p, "wb");
    cr_assert_not_null(f);
    fputs("this is not an sqlite database, just some bytes that are long enough to matter....", f);
    fclose(f);
    cr_assert_eq(floe_catalog_open(dir, &c, &err), FLOE_CORRUPT, "%s", err.msg);
    cr_assert(strstr(err.msg, "catalog.db") != NULL, "%s", err.msg);
    tu_rmrf(dir);
    free(dir);
}
