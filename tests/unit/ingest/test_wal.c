/* tests/unit/ingest/test_wal.c: WAL round trip, torn tails, corruption, sync modes. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#include "ingest/wal.h"
#include "util/hash.h"
#include "util/os.h"
#include "ingest_test_util.h"

typedef struct collect {
    tu_ref ref;
    uint64_t next_seq;    /* expected first_seq of the next record */
    uint64_t nrecords;
    uint64_t last_producer_seq;
} collect;

static int collect_cb(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    collect *cl = ctx;
    floe_value row[TU_NTYPES];
    uint32_t i;
    (void)err;
    cr_assert_eq(rec->first_seq, cl->next_seq);
    cr_assert_eq(rec->batch->n, rec->nrows);
    for (i = 0; i < rec->nrows; i++) {
        tu_batch_row(rec->batch, i, row);
        tu_ref_push(&cl->ref, row);
    }
    cl->next_seq += rec->nrows;
    cl->nrecords++;
    if (rec->has_producer) {
        cr_assert_eq(rec->producer_id, 77);
        cl->last_producer_seq = rec->producer_seq;
    }
    return FLOE_OK;
}

static floe_wal_opts mkopts(const char *dir, floe_durability d)
{
    floe_wal_opts o;
    memset(&o, 0, sizeof o);
    o.db_dir = dir;
    o.table_id = 5;
    o.shard = 2;
    o.durability = d;
    return o;
}

static void seg_file(const char *dir, uint64_t segno, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/wal/5-2-%llu.wal", dir, (unsigned long long)segno);
}

/* Append `nrec` random records (all types, NULLs, row subsets); reference in ref. */
static void write_records(floe_wal *w, int nrec, uint64_t seed, tu_ref *ref, uint64_t *seq)
{
    floe_type types[TU_NTYPES];
    floe_batch b;
    uint32_t rows[600];
    floe_value row[TU_NTYPES];
    int r;
    tu_all_types(types);
    cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 600), FLOE_OK);
    for (r = 0; r < nrec; r++) {
        uint32_t n = 1 + (uint32_t)(tu_rand(&seed) % 600), k = 0, i;
        uint64_t ticket, prod[2] = {77, (uint64_t)r + 1};
        floe_err err = FLOE_ERR_INIT;
        tu_fill_random(&b, n, &seed, r % 2 ? 6 : 0);
        for (i = 0; i < n; i++)
            if (r % 3 == 0 || tu_rand(&seed) % 3) rows[k++] = i;
        cr_assert_eq(floe_wal_append(w, &b, r % 3 == 0 ? NULL : rows, r % 3 == 0 ? n : k, *seq,
                                     r % 2 ? prod : NULL, &ticket, &err),
                     FLOE_OK, "%s", err.msg);
        cr_assert_eq(floe_wal_sync(w, ticket, &err), FLOE_OK, "%s", err.msg);
        if (r % 3 == 0) k = n;
        for (i = 0; i < k; i++) {
            tu_batch_row(&b, r % 3 == 0 ? i : rows[i], row);
            tu_ref_push(ref, row);
        }
        *seq += k;
    }
    floe_batch_free(&b);
}

static void assert_same(const tu_ref *a, const tu_ref *b, uint64_t nrows)
{
    uint64_t i;
    cr_assert_geq(a->nrows, nrows);
    cr_assert_geq(b->nrows, nrows);
    for (i = 0; i < nrows * a->ncols; i++)
        cr_assert(tu_value_eq(&a->vals[i], &b->vals[i]), "value %llu differs", (unsigned long long)i);
}

Test(wal, append_then_replay_returns_same_batches)
{
    char dir[512], warn[512];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    collect cl;
    uint64_t seq = 1;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    o.segment_bytes = 40000; /* several segments */
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK, "%s", err.msg);
    write_records(w, 25, 11, &ref, &seq);
    cr_assert_eq(floe_wal_last_seq(w), seq - 1);
    cr_assert_gt(floe_wal_segment_count(w), 2);
    floe_wal_close(w);

    memset(&cl, 0, sizeof cl);
    cl.ref.ncols = TU_NTYPES;
    cl.next_seq = 1;
    cr_assert_eq(floe_wal_open(&o, collect_cb, &cl, warn, sizeof warn, &w, &err), FLOE_OK, "%s",
                 err.msg);
    cr_assert_str_empty(warn);
    cr_assert_eq(cl.nrecords, 25);
    cr_assert_eq(cl.ref.nrows, ref.nrows);
    cr_assert_eq(cl.last_producer_seq, 24); /* odd records carry producer seq r+1 */
    assert_same(&cl.ref, &ref, ref.nrows);
    cr_assert_eq(floe_wal_last_seq(w), seq - 1);
    floe_wal_close(w);
    tu_ref_free(&ref);
    tu_ref_free(&cl.ref);
}

static uint32_t record_offsets(const char *path, uint64_t *offs, uint32_t cap);
static void flip_byte(const char *path, uint64_t off);

static void torn_case(int how)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    collect cl;
    uint64_t seq = 1;
    struct stat st;
    int fd;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_FULL);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 3, 5, &ref, &seq);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    cr_assert_eq(stat(path, &st), 0);
    {
        uint64_t offs[8], end;
        uint32_t len;
        cr_assert_eq(record_offsets(path, offs, 8), 3);
        fd = open(path, O_RDWR);
        cr_assert_eq(pread(fd, &len, 4, (off_t)offs[2]), 4);
        end = offs[2] + FLOE_WAL_RECORD_HEADER_BYTES + len;
        /* never synced: the SYNCED marker after the last record goes too */
        if (how == 0) {
            cr_assert_eq(ftruncate(fd, (off_t)end - 7), 0); /* short last record */
        } else {
            char c;
            cr_assert_eq(ftruncate(fd, (off_t)end), 0);
            cr_assert_eq(pread(fd, &c, 1, (off_t)end - 3), 1); /* flip a byte of the last record */
            c ^= 0x40;
            cr_assert_eq(pwrite(fd, &c, 1, (off_t)end - 3), 1);
        }
        close(fd);
    }

    memset(&cl, 0, sizeof cl);
    cl.ref.ncols = TU_NTYPES;
    cl.next_seq = 1;
    cr_assert_eq(floe_wal_open(&o, collect_cb, &cl, warn, sizeof warn, &w, &err), FLOE_OK, "%s",
                 err.msg);
    cr_assert_eq(cl.nrecords, 2);
    cr_assert(strstr(warn, "torn") != NULL, "warning: %s", warn);
    cr_assert(strstr(warn, path) != NULL, "warning names the segment: %s", warn);
    assert_same(&cl.ref, &ref, cl.ref.nrows);
    /* appends after recovery land in a new segment; the next open is clean */
    write_records(w, 1, 99, &cl.ref, &cl.next_seq);
    floe_wal_close(w);
    tu_ref_free(&cl.ref);
    memset(&cl, 0, sizeof cl);
    cl.ref.ncols = TU_NTYPES;
    cl.next_seq = 1;
    cr_assert_eq(floe_wal_open(&o, collect_cb, &cl, warn, sizeof warn, &w, &err), FLOE_OK, "%s",
                 err.msg);
    cr_assert_str_empty(warn);
    cr_assert_eq(cl.nrecords, 3);
    floe_wal_close(w);
    tu_ref_free(&ref);
    tu_ref_free(&cl.ref);
}

Test(wal, replay_drops_short_torn_tail_and_reports_it) { torn_case(0); }
Test(wal, replay_drops_checksum_torn_tail_and_reports_it) { torn_case(1); }

Test(wal, corruption_before_tail_is_corrupt_with_segment_and_offset)
{
    char dir[512], warn[512], path[600], want[700];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1;
    char c;
    int fd;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 3, 5, &ref, &seq);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    fd = open(path, O_RDWR);
    cr_assert_eq(pread(fd, &c, 1, FLOE_WAL_HEADER_BYTES + 20), 1); /* inside record 1 */
    c ^= 1;
    cr_assert_eq(pwrite(fd, &c, 1, FLOE_WAL_HEADER_BYTES + 20), 1);
    close(fd);
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_CORRUPT);
    cr_assert_null(w);
    snprintf(want, sizeof want, "%s: checksum mismatch at offset %d", path, FLOE_WAL_HEADER_BYTES);
    cr_assert(strstr(err.msg, want) != NULL, "message: %s", err.msg);
    tu_ref_free(&ref);
}

Test(wal, torn_record_in_a_non_last_segment_is_corrupt)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1;
    struct stat st;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    o.segment_bytes = 30000;
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 12, 8, &ref, &seq);
    cr_assert_gt(floe_wal_segment_count(w), 1);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size - 5), 0);
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, path) != NULL && strstr(err.msg, "offset") != NULL, "%s", err.msg);
    tu_ref_free(&ref);
}

Test(wal, random_byte_flips_never_crash_the_decoder)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1, seed = 1234;
    struct stat st;
    char *orig;
    int fd, it;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 4, 3, &ref, &seq);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    cr_assert_eq(stat(path, &st), 0);
    orig = malloc((size_t)st.st_size);
    fd = open(path, O_RDONLY);
    cr_assert_eq(read(fd, orig, (size_t)st.st_size), st.st_size);
    close(fd);
    for (it = 0; it < 200; it++) {
        off_t off = (off_t)(tu_rand(&seed) % (uint64_t)st.st_size);
        char c = orig[off] ^ (char)(1 + tu_rand(&seed) % 255);
        int rc;
        fd = open(path, O_WRONLY | O_TRUNC);
        cr_assert_eq(write(fd, orig, (size_t)st.st_size), st.st_size);
        cr_assert_eq(pwrite(fd, &c, 1, off), 1);
        close(fd);
        rc = floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err);
        cr_assert(rc == FLOE_OK || rc == FLOE_CORRUPT, "rc %d", rc);
        floe_wal_close(w);
        /* remove segments a successful open may have created */
        for (int s = 2; s < 10; s++) {
            char p2[600];
            seg_file(dir, (uint64_t)s, p2, sizeof p2);
            unlink(p2);
        }
    }
    free(orig);
    tu_ref_free(&ref);
}

Test(wal, durability_modes_sync_as_promised)
{
    floe_durability modes[2] = {FLOE_DURABILITY_FULL, FLOE_DURABILITY_OFF};
    int m;
    for (m = 0; m < 2; m++) {
        char dir[512];
        floe_wal_opts o;
        floe_wal *w;
        tu_ref ref = {0};
        uint64_t seq = 1;
        tu_tmpdir(dir, sizeof dir);
        o = mkopts(dir, modes[m]);
        ref.ncols = TU_NTYPES;
        cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w, NULL), FLOE_OK);
        write_records(w, 10, 1, &ref, &seq); /* appends and syncs each record */
        if (modes[m] == FLOE_DURABILITY_FULL)
            cr_assert_eq(floe_wal_sync_count(w), 10 + 1, "one per append + segment creation");
        else
            cr_assert_eq(floe_wal_sync_count(w), 0);
        floe_wal_close(w);
        tu_ref_free(&ref);
    }
}

typedef struct gc_ctx {
    floe_wal *w;
    pthread_mutex_t seq_mu;
    uint64_t seq;
} gc_ctx;

static void *gc_thread(void *arg)
{
    gc_ctx *g = arg;
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    floe_batch b;
    int i;
    floe_batch_init(&b, 1, &t, 10);
    b.n = b.cols[0].n = 10;
    for (i = 0; i < 50; i++) {
        uint64_t ticket, first;
        floe_err err = FLOE_ERR_INIT;
        int j;
        for (j = 0; j < 10; j++) FLOE_VEC_DATA(&b.cols[0], int64_t)[j] = i * 10 + j;
        pthread_mutex_lock(&g->seq_mu);
        first = g->seq;
        g->seq += 10;
        cr_assert_eq(floe_wal_append(g->w, &b, NULL, 10, first, NULL, &ticket, &err), FLOE_OK);
        pthread_mutex_unlock(&g->seq_mu);
        cr_assert_eq(floe_wal_sync(g->w, ticket, &err), FLOE_OK, "%s", err.msg);
    }
    floe_batch_free(&b);
    return NULL;
}

static int count_cb(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    (void)err;
    *(uint64_t *)ctx += rec->nrows;
    return FLOE_OK;
}

Test(wal, group_commit_shares_syncs_between_threads)
{
    char dir[512];
    floe_wal_opts o;
    gc_ctx g;
    pthread_t th[4];
    uint64_t syncs, rows = 0;
    int i;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_BATCH);
    o.group_commit_ms = 2;
    memset(&g, 0, sizeof g);
    pthread_mutex_init(&g.seq_mu, NULL);
    g.seq = 1;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &g.w, NULL), FLOE_OK);
    for (i = 0; i < 4; i++) pthread_create(&th[i], NULL, gc_thread, &g);
    for (i = 0; i < 4; i++) pthread_join(th[i], NULL);
    syncs = floe_wal_sync_count(g.w);
    cr_assert_gt(syncs, 1);
    cr_assert_lt(syncs, 200, "%llu syncs for 200 appends", (unsigned long long)syncs);
    floe_wal_close(g.w);
    cr_assert_eq(floe_wal_open(&o, count_cb, &rows, NULL, 0, &g.w, NULL), FLOE_OK);
    cr_assert_eq(rows, 2000);
    floe_wal_close(g.w);
}

Test(wal, truncate_upto_deletes_only_fully_flushed_closed_segments)
{
    char dir[512];
    floe_wal_opts o;
    floe_wal *w;
    tu_ref ref = {0};
    collect cl;
    uint64_t seq = 1, cut;
    uint32_t before;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    o.segment_bytes = 20000;
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w, NULL), FLOE_OK);
    write_records(w, 20, 4, &ref, &seq);
    before = floe_wal_segment_count(w);
    cr_assert_gt(before, 3);
    cut = ref.nrows / 2;
    cr_assert_eq(floe_wal_truncate_upto(w, cut, NULL), FLOE_OK);
    cr_assert_lt(floe_wal_segment_count(w), before);
    cr_assert_gt(floe_wal_segment_count(w), 0);
    floe_wal_close(w);
    /* what is left replays from a segment boundary at or below cut+1, in order */
    memset(&cl, 0, sizeof cl);
    cl.ref.ncols = TU_NTYPES;
    {
        /* find the first remaining record's seq through a first pass */
        uint64_t rows = 0;
        cr_assert_eq(floe_wal_open(&o, count_cb, &rows, NULL, 0, &w, NULL), FLOE_OK);
        floe_wal_close(w);
        cl.next_seq = ref.nrows - rows + 1;
        cr_assert_leq(cl.next_seq, cut + 1);
        cr_assert_gt(cl.next_seq, 1);
    }
    cr_assert_eq(floe_wal_open(&o, collect_cb, &cl, NULL, 0, &w, NULL), FLOE_OK);
    cr_assert_eq(cl.next_seq, seq);
    {
        uint64_t skip = ref.nrows - cl.ref.nrows, i;
        for (i = 0; i < cl.ref.nrows * TU_NTYPES; i++)
            cr_assert(tu_value_eq(&cl.ref.vals[i], &ref.vals[skip * TU_NTYPES + i]));
    }
    floe_wal_close(w);
    tu_ref_free(&ref);
    tu_ref_free(&cl.ref);
}

Test(wal, drop_table_removes_only_its_segments)
{
    char dir[512], path[600];
    floe_wal_opts o;
    floe_wal *w, *w2;
    tu_ref ref = {0};
    uint64_t seq = 1, seq2 = 1, rows = 0;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w, NULL), FLOE_OK);
    write_records(w, 2, 1, &ref, &seq);
    floe_wal_close(w);
    o.table_id = 6; /* another table */
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w2, NULL), FLOE_OK);
    write_records(w2, 3, 2, &ref, &seq2);
    floe_wal_close(w2);
    cr_assert_eq(floe_wal_drop_table(dir, 5, NULL), FLOE_OK);
    seg_file(dir, 1, path, sizeof path);
    cr_assert_neq(access(path, F_OK), 0);
    cr_assert_eq(floe_wal_open(&o, count_cb, &rows, NULL, 0, &w2, NULL), FLOE_OK);
    cr_assert_eq(rows, seq2 - 1, "table 6 keeps its rows");
    floe_wal_close(w2);
    cr_assert_eq(floe_wal_drop_table("/nonexistent-floe-dir", 5, NULL), FLOE_OK);
    tu_ref_free(&ref);
}

Test(wal, open_and_append_survive_every_failed_allocation)
{
    char dir[512];
    floe_wal_opts o;
    floe_wal *w;
    tu_ref ref = {0};
    uint64_t seq = 1;
    int fail, ok = 0;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_OFF);
    o.segment_bytes = 20000;
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w, NULL), FLOE_OK);
    write_records(w, 6, 1, &ref, &seq);
    floe_wal_close(w);
    for (fail = 0; fail < 300 && ok < 2; fail++) {
        uint64_t rows = 0;
        int rc;
        floe_mem_fail_after(fail, 0);
        rc = floe_wal_open(&o, count_cb, &rows, NULL, 0, &w, NULL);
        floe_mem_fail_after(-1, 0);
        if (rc == FLOE_OK) {
            cr_assert_eq(rows, ref.nrows);
            ok++;
            floe_wal_close(w);
        } else {
            cr_assert_eq(rc, FLOE_NOMEM, "fail %d: rc %d", fail, rc);
            cr_assert_null(w);
        }
    }
    cr_assert_gt(ok, 0);
    tu_ref_free(&ref);
}

/* Append `n` zero bytes to a file (what a crash leaves of a preallocated
 * segment), optionally with one nonzero byte at `bad` within them. */
static void append_zeros(const char *path, size_t n, long bad)
{
    char *z = calloc(1, n);
    int fd = open(path, O_WRONLY | O_APPEND);
    cr_assert_geq(fd, 0);
    if (bad >= 0) z[bad] = 0x5a;
    cr_assert_eq(write(fd, z, n), (ssize_t)n);
    close(fd);
    free(z);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

/* Reopen, collecting every record; returns how many. */
static uint64_t reopen_count(const floe_wal_opts *o, char *warn, size_t wcap, tu_ref *ref)
{
    collect cl;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    memset(&cl, 0, sizeof cl);
    cl.ref.ncols = TU_NTYPES;
    cl.next_seq = 1;
    cr_assert_eq(floe_wal_open(o, collect_cb, &cl, warn, wcap, &w, &err), FLOE_OK, "%s", err.msg);
    if (ref) assert_same(&cl.ref, ref, cl.ref.nrows);
    floe_wal_close(w);
    tu_ref_free(&cl.ref);
    return cl.nrecords;
}

Test(wal, preallocated_zero_tail_is_the_end_of_the_log)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1, used;
    int fd;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_FULL);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 3, 5, &ref, &seq);
    seg_file(dir, 1, path, sizeof path);
    /* while open, the segment runs ahead of its records with zeros */
    cr_assert_geq(file_size(path), 256u << 10);
    floe_wal_close(w);
    /* a clean close cuts them off */
    used = file_size(path);
    cr_assert_lt(used, 256u << 10);

    /* A: records, then zeros (a crash while preallocated): all records, no
     * warning, and the zeros are cut off so the segment can stop being last */
    append_zeros(path, 300000, -1);
    warn[0] = 'x';
    warn[1] = 0;
    cr_assert_eq(reopen_count(&o, warn, sizeof warn, &ref), 3);
    cr_assert_str_empty(warn);
    cr_assert_eq(file_size(path), used);

    /* C: a nonzero byte inside the zeros: a torn write, dropped with a warning */
    append_zeros(path, 300000, 4000);
    cr_assert_eq(reopen_count(&o, warn, sizeof warn, &ref), 3);
    cr_assert(strstr(warn, "torn") != NULL, "warning: %s", warn);
    cr_assert_eq(file_size(path), used);

    /* B: the last record torn, zeros after it: dropped like a torn tail
     * (the SYNCED marker after it goes first: a record it covers is synced) */
    {
        uint64_t offs[8];
        uint32_t len;
        char c;
        cr_assert_eq(record_offsets(path, offs, 8), 3);
        fd = open(path, O_RDWR);
        cr_assert_eq(pread(fd, &len, 4, (off_t)offs[2]), 4);
        used = offs[2] + FLOE_WAL_RECORD_HEADER_BYTES + len;
        cr_assert_eq(ftruncate(fd, (off_t)used), 0);
        cr_assert_eq(pread(fd, &c, 1, (off_t)used - 3), 1);
        c ^= 0x40;
        cr_assert_eq(pwrite(fd, &c, 1, (off_t)used - 3), 1);
        close(fd);
    }
    append_zeros(path, 5000, -1);
    cr_assert_eq(reopen_count(&o, warn, sizeof warn, &ref), 2);
    cr_assert(strstr(warn, "torn") != NULL && strstr(warn, path) != NULL, "warning: %s", warn);
    tu_ref_free(&ref);
}

/* Issue #21: the last record damaged while the SYNCED marker after it
 * survives: it was synced, so this is corruption naming file and offset,
 * not a torn tail to drop (before the markers, 5 of 60 WAL byte flips were
 * acknowledged records dropped this way with only a warning). */
Test(wal, damaged_last_record_before_a_synced_marker_is_corrupt)
{
    char dir[512], warn[512], path[600], want[700];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1, offs[8];
    int d;
    for (d = 0; d < 2; d++) {
        tu_tmpdir(dir, sizeof dir);
        o = mkopts(dir, d ? FLOE_DURABILITY_BATCH : FLOE_DURABILITY_FULL);
        ref.ncols = TU_NTYPES;
        cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
        write_records(w, 3, 5, &ref, &seq);
        floe_wal_close(w);
        seg_file(dir, 1, path, sizeof path);
        cr_assert_eq(record_offsets(path, offs, 8), 3);
        flip_byte(path, offs[2] + FLOE_WAL_RECORD_HEADER_BYTES + 5);
        cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_CORRUPT,
                     "durability %d: %s / warning %s", d, err.msg, warn);
        snprintf(want, sizeof want, "%s: checksum mismatch at offset %llu", path,
                 (unsigned long long)offs[2]);
        cr_assert(strstr(err.msg, want) != NULL, "%s", err.msg);
        tu_ref_free(&ref);
        memset(&ref, 0, sizeof ref);
        seq = 1;
    }
}

Test(wal, zeros_in_a_non_last_segment_are_corrupt)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_BATCH);
    o.segment_bytes = 30000;
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 12, 8, &ref, &seq);
    cr_assert_gt(floe_wal_segment_count(w), 1);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    cr_assert_lt(file_size(path), 256u << 10); /* rolled segments are cut to their records */
    append_zeros(path, 1000, -1);
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_CORRUPT);
    cr_assert(strstr(err.msg, path) != NULL && strstr(err.msg, "offset") != NULL, "%s", err.msg);
    tu_ref_free(&ref);
}

/* Offsets of the records of a closed v2 segment file. */
static uint32_t record_offsets(const char *path, uint64_t *offs, uint32_t cap)
{
    FILE *f = fopen(path, "rb");
    uint64_t pos = FLOE_WAL_HEADER_BYTES, size = file_size(path);
    uint32_t k = 0;
    cr_assert_not_null(f);
    while (pos + FLOE_WAL_RECORD_HEADER_BYTES <= size && k < cap) {
        uint32_t len;
        char hdr[FLOE_WAL_RECORD_HEADER_BYTES];
        cr_assert_eq(fseek(f, (long)pos, SEEK_SET), 0);
        cr_assert_eq(fread(hdr, sizeof hdr, 1, f), 1);
        memcpy(&len, hdr, 4);
        if (hdr[8] != FLOE_WAL_REC_SYNCED) offs[k++] = pos; /* markers are not records */
        pos += FLOE_WAL_RECORD_HEADER_BYTES + len;
    }
    fclose(f);
    return k;
}

static void flip_byte(const char *path, uint64_t off)
{
    int fd = open(path, O_RDWR);
    char c;
    cr_assert_eq(pread(fd, &c, 1, (off_t)off), 1);
    c ^= 0x11;
    cr_assert_eq(pwrite(fd, &c, 1, (off_t)off), 1);
    close(fd);
}

/* With group commit, records written after the last sync are not durable: a
 * power loss may tear one of them while a later one survives. Recovery drops
 * the torn one and everything after it (none was acknowledged); a bad record
 * that a later good record says was durable stays corruption. */
Test(wal, unsynced_record_torn_before_a_later_one_is_dropped)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    floe_type types[TU_NTYPES];
    floe_batch b;
    uint64_t seed = 3, seq = 1, ticket, offs[8];
    int r, how;
    tu_all_types(types);
    for (how = 0; how < 2; how++) {
        tu_tmpdir(dir, sizeof dir);
        o = mkopts(dir, FLOE_DURABILITY_BATCH);
        cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
        cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 100), FLOE_OK);
        for (r = 0; r < 4; r++) { /* A synced, then B, C, D written and not synced */
            tu_fill_random(&b, 100, &seed, 0);
            cr_assert_eq(floe_wal_append(w, &b, NULL, 100, seq, NULL, &ticket, &err), FLOE_OK);
            seq += 100;
            if (r == 0) cr_assert_eq(floe_wal_sync(w, ticket, &err), FLOE_OK);
        }
        floe_batch_free(&b);
        floe_wal_close(w);
        seg_file(dir, 1, path, sizeof path);
        cr_assert_eq(record_offsets(path, offs, 8), 4);
        if (how == 0) {
            /* C torn, D intact: C and D go, A and B stay */
            flip_byte(path, offs[2] + FLOE_WAL_RECORD_HEADER_BYTES + 30);
            cr_assert_eq(reopen_count(&o, warn, sizeof warn, NULL), 2);
            cr_assert(strstr(warn, "never synced") != NULL, "warning: %s", warn);
            cr_assert_eq(file_size(path), offs[2]);
        } else {
            /* A was synced before B was written, and B says so: corruption */
            flip_byte(path, offs[0] + FLOE_WAL_RECORD_HEADER_BYTES + 30);
            cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_CORRUPT);
            cr_assert(strstr(err.msg, "checksum mismatch at offset") != NULL, "%s", err.msg);
        }
    }
}

/* Segments of format version 1 (records without the durable offset) still
 * replay: rewrite a v2 segment as v1 and read it back. */
Test(wal, version_1_segments_replay)
{
    char dir[512], warn[512], path[600];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ref = {0};
    uint64_t seq = 1, offs[16], size;
    uint32_t nrec, i;
    char *in, *out;
    size_t olen = FLOE_WAL_HEADER_BYTES;
    FILE *f;
    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_FULL);
    ref.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK);
    write_records(w, 5, 21, &ref, &seq);
    floe_wal_close(w);
    seg_file(dir, 1, path, sizeof path);
    nrec = record_offsets(path, offs, 16);
    cr_assert_eq(nrec, 5);
    size = file_size(path);
    in = malloc(size);
    out = malloc(size);
    f = fopen(path, "rb");
    cr_assert_eq(fread(in, 1, size, f), size);
    fclose(f);
    memcpy(out, in, FLOE_WAL_HEADER_BYTES);
    out[8] = 1; /* version 1 */
    for (i = 0; i < nrec; i++) {
        uint32_t len, sum;
        memcpy(&len, in + offs[i], 4);
        memcpy(out + olen, &len, 4);
        out[olen + 8] = in[offs[i] + 8]; /* type */
        memcpy(out + olen + 9, in + offs[i] + FLOE_WAL_RECORD_HEADER_BYTES, len);
        sum = floe_checksum32(out + olen + 8, (size_t)len + 1);
        memcpy(out + olen + 4, &sum, 4);
        olen += FLOE_WAL_V1_RECORD_HEADER_BYTES + len;
    }
    f = fopen(path, "wb");
    cr_assert_eq(fwrite(out, 1, olen, f), olen);
    fclose(f);
    cr_assert_eq(reopen_count(&o, warn, sizeof warn, &ref), 5);
    cr_assert_str_empty(warn);
    free(in);
    free(out);
    tu_ref_free(&ref);
}

typedef struct txn_seen {
    uint64_t rows, txn_rows, aborts, last_abort_hi;
    uint32_t npieces;
} txn_seen;

static int txn_cb(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    txn_seen *s = ctx;
    (void)err;
    if (rec->type == FLOE_WAL_REC_ABORT) {
        cr_assert_eq(rec->txn_id, 99);
        s->aborts++;
        s->last_abort_hi = rec->abort_last_seq;
        return FLOE_OK;
    }
    s->rows += rec->nrows;
    if (rec->txn_id) {
        cr_assert_eq(rec->txn_id, 99);
        s->txn_rows += rec->nrows;
        s->npieces = rec->npieces;
        cr_assert_eq(rec->pieces[1].shard, 3);
        cr_assert_eq(rec->pieces[1].last_seq, 12);
    }
    return FLOE_OK;
}

Test(wal, transaction_manifests_and_aborts_round_trip_and_v2_segments_still_replay)
{
    char dir[512], path[700];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    uint64_t ticket, rows = 0;
    floe_wal_piece pieces[2] = {{0, 11, 20}, {3, 5, 12}};
    floe_wal_txn txn = {99, pieces, 2};
    txn_seen s;
    uint32_t v2 = 2;
    int fd;

    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, FLOE_DURABILITY_FULL);
    /* a v2 segment: records without transactions, header version 2 */
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, NULL, 0, &w, &err), FLOE_OK, "%s", err.msg);
    {
        floe_type types[TU_NTYPES];
        uint64_t seed = 1;
        tu_all_types(types);
        cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 10), FLOE_OK);
        tu_fill_random(&b, 10, &seed, 3);
    }
    cr_assert_eq(floe_wal_append(w, &b, NULL, 10, 1, NULL, &ticket, &err), FLOE_OK);
    floe_wal_close(w);
    snprintf(path, sizeof path, "%s/wal/%llu-%u-1.wal", dir, (unsigned long long)o.table_id,
             o.shard);
    fd = open(path, O_WRONLY);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(pwrite(fd, &v2, 4, 8), 4);
    close(fd);
    cr_assert_eq(floe_wal_open(&o, count_cb, &rows, NULL, 0, &w, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(rows, 10);
    /* then a v3 segment with a transaction's record and an ABORT */
    cr_assert_eq(floe_wal_append_txn(w, &b, NULL, 10, 11, NULL, &txn, &ticket, &err), FLOE_OK);
    cr_assert_eq(floe_wal_append_abort(w, 99, 11, 20, &ticket, &err), FLOE_OK);
    cr_assert_eq(floe_wal_sync(w, ticket, &err), FLOE_OK);
    floe_wal_close(w);
    memset(&s, 0, sizeof s);
    cr_assert_eq(floe_wal_open(&o, txn_cb, &s, NULL, 0, &w, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(s.rows, 20);
    cr_assert_eq(s.txn_rows, 10);
    cr_assert_eq(s.npieces, 2);
    cr_assert_eq(s.aborts, 1);
    cr_assert_eq(s.last_abort_hi, 20);
    cr_assert_eq(floe_wal_last_seq(w), 20);
    /* the second pass sees the same */
    memset(&s, 0, sizeof s);
    cr_assert_eq(floe_wal_replay(w, txn_cb, &s, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(s.rows, 20);
    cr_assert_eq(s.aborts, 1);
    floe_wal_close(w);
    floe_batch_free(&b);
}

/* ------------------------------------------------- I/O fault injection */

#define FAULT_RECORDS 6

/* Append+sync FAULT_RECORDS records (the 4th rolls to a new segment) with
 * the hook armed; stop at the first failure. Acknowledged rows (append and
 * sync both OK) go to `ack`; *out_failed_rows = rows of the record whose
 * append succeeded but whose sync failed (0 when the append failed). */
static int fault_run(floe_wal *w, tu_ref *ack, uint32_t *out_failed_rows, floe_err *err)
{
    floe_type types[TU_NTYPES];
    floe_batch b;
    floe_value row[TU_NTYPES];
    uint64_t seed = 42, seq = 1;
    int r, rc = FLOE_OK;
    tu_all_types(types);
    *out_failed_rows = 0;
    cr_assert_eq(floe_batch_init(&b, TU_NTYPES, types, 300), FLOE_OK);
    for (r = 0; r < FAULT_RECORDS && rc == FLOE_OK; r++) {
        uint32_t n = 100 + (uint32_t)(tu_rand(&seed) % 200), i;
        uint64_t ticket;
        tu_fill_random(&b, n, &seed, 5);
        rc = floe_wal_append(w, &b, NULL, n, seq, NULL, &ticket, err);
        if (rc) break;
        rc = floe_wal_sync(w, ticket, err);
        if (rc) {
            *out_failed_rows = n;
            break;
        }
        for (i = 0; i < n; i++) {
            tu_batch_row(&b, i, row);
            tu_ref_push(ack, row);
        }
        seq += n;
    }
    floe_batch_free(&b);
    return rc;
}

/* Fail the nth call of `kind` for every n the operation makes: a clean
 * FLOE_IOERR naming the segment, a sticky failure (no later append or sync
 * succeeds, so no fsync is ever retried after one failed), and a reopen
 * that recovers exactly the acknowledged records (plus, after a failed sync,
 * possibly the one record whose sync failed: its write reached the file). */
static void fault_every_point(floe_durability d, unsigned kind)
{
    char dir[512], warn[512];
    floe_wal_opts o;
    floe_wal *w;
    floe_err err = FLOE_ERR_INIT;
    tu_ref ack = {0};
    uint32_t failed_rows;
    uint64_t calls, nth;

    /* count the injection points of a clean run */
    tu_tmpdir(dir, sizeof dir);
    o = mkopts(dir, d);
    o.segment_bytes = 60000;
    ack.ncols = TU_NTYPES;
    cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK, "%s", err.msg);
    floe_os_hook_reset();
    cr_assert_eq(fault_run(w, &ack, &failed_rows, &err), FLOE_OK, "%s", err.msg);
    calls = floe_os_calls(kind);
    floe_os_hook_off();
    cr_assert_gt(floe_wal_segment_count(w), 1, "the run rolls a segment");
    floe_wal_close(w);
    tu_ref_free(&ack);
    cr_assert_geq(calls, 3);

    for (nth = 1; nth <= calls; nth++) {
        collect cl;
        uint64_t ticket;
        int rc;
        floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
        floe_batch b;
        tu_tmpdir(dir, sizeof dir);
        o.db_dir = dir;
        memset(&ack, 0, sizeof ack);
        ack.ncols = TU_NTYPES;
        cr_assert_eq(floe_wal_open(&o, NULL, NULL, warn, sizeof warn, &w, &err), FLOE_OK, "%s", err.msg);
        floe_os_hook_reset();
        floe_os_fault_set(kind, nth, FLOE_OS_FAIL, EIO);
        rc = fault_run(w, &ack, &failed_rows, &err);
        cr_assert_eq(floe_os_faults_hit(), 1, "n=%llu", (unsigned long long)nth);
        cr_assert_eq(rc, FLOE_IOERR, "n=%llu: rc %d", (unsigned long long)nth, rc);
        cr_assert(strstr(err.msg, "/wal") != NULL && strstr(err.msg, strerror(EIO)) != NULL,
                  "n=%llu: message names the file and errno: %s", (unsigned long long)nth, err.msg);
        /* sticky: later appends and syncs fail without touching the disk */
        floe_os_hook_reset();
        cr_assert_eq(floe_batch_init(&b, 1, &t, 4), FLOE_OK);
        ((int64_t *)b.cols[0].data)[0] = 1;
        b.n = 1;
        cr_assert_eq(floe_wal_append(w, &b, NULL, 1, 1000000, NULL, &ticket, &err), FLOE_IOERR,
                     "n=%llu: append after a failure", (unsigned long long)nth);
        rc = floe_wal_sync(w, floe_wal_written(w) + (failed_rows ? 0 : 1), &err);
        cr_assert_eq(rc, FLOE_IOERR, "n=%llu: sync after a failure", (unsigned long long)nth);
        cr_assert_eq(floe_os_calls(FLOE_OS_WRITE | FLOE_OS_FSYNC), 0,
                     "n=%llu: no write or sync after the failure", (unsigned long long)nth);
        floe_batch_free(&b);
        floe_wal_close(w);
        cr_assert_eq(floe_os_calls(FLOE_OS_FSYNC), 0, "close never retries an fsync");
        floe_os_hook_off();

        memset(&cl, 0, sizeof cl);
        cl.ref.ncols = TU_NTYPES;
        cl.next_seq = 1;
        cr_assert_eq(floe_wal_open(&o, collect_cb, &cl, warn, sizeof warn, &w, &err), FLOE_OK,
                     "n=%llu: %s", (unsigned long long)nth, err.msg);
        cr_assert(cl.ref.nrows == ack.nrows || cl.ref.nrows == ack.nrows + failed_rows,
                  "n=%llu: recovered %llu rows, acknowledged %llu (+%u unacknowledged)",
                  (unsigned long long)nth, (unsigned long long)cl.ref.nrows,
                  (unsigned long long)ack.nrows, failed_rows);
        assert_same(&cl.ref, &ack, ack.nrows);
        floe_wal_close(w);
        tu_ref_free(&cl.ref);
        tu_ref_free(&ack);
    }
}

Test(wal_fault, every_write_of_a_batch_mode_run_fails_cleanly)
{
    fault_every_point(FLOE_DURABILITY_BATCH, FLOE_OS_WRITE);
}
Test(wal_fault, every_fdatasync_of_a_batch_mode_run_fails_cleanly)
{
    fault_every_point(FLOE_DURABILITY_BATCH, FLOE_OS_FSYNC);
}
Test(wal_fault, every_write_of_a_full_mode_run_fails_cleanly)
{
    fault_every_point(FLOE_DURABILITY_FULL, FLOE_OS_WRITE);
}
Test(wal_fault, every_fdatasync_of_a_full_mode_run_fails_cleanly)
{
    fault_every_point(FLOE_DURABILITY_FULL, FLOE_OS_FSYNC);
}
