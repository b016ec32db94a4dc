/* tests/bench/test_gen.c: the bench generators reproduce the peers kit's
 * gen_data output byte for byte, and the lineitem columns obey the TPC-H
 * rules checked here independently. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_data.h"
#include "bench/gen_tpch.h"
#include "util/datetime.h"

static void scratch(char *dir, size_t cap)
{
    const char *root = getenv("FLOE_TEST_TMP");
    snprintf(dir, cap, "%s/benchgenXXXXXX", root && *root ? root : "/tmp");
    cr_assert_not_null(mkdtemp(dir));
}

/* 1 when files a and b have the same bytes */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int ca, cb, same = fa && fb;
    while (same) {
        ca = fgetc(fa);
        cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

/* run the kit's gen_data into `out`; 0 when it is not available */
static int run_gen_data(const char *args, const char *out)
{
    const char *kit = getenv("FLOE_PEERS_DIR");
    char cmd[2048], exe[1024];
    if (kit == NULL || *kit == '\0') return 0;
    snprintf(exe, sizeof exe, "%s/gen_data", kit);
    if (access(exe, X_OK) != 0) return 0;
    snprintf(cmd, sizeof cmd, "'%s' %s --out '%s' 2>/dev/null", exe, args, out);
    return system(cmd) == 0;
}

static void compare_with_gen_data(const char *table, double size, uint64_t seed, const char *args)
{
    char dir[512], ours[600], theirs[600];
    floe_err err = FLOE_ERR_INIT;
    uint64_t bytes = 0;
    scratch(dir, sizeof dir);
    snprintf(ours, sizeof ours, "%s/ours.csv", dir);
    snprintf(theirs, sizeof theirs, "%s/theirs.csv", dir);
    cr_assert_eq(floe_bench_data_write_csv(table, size, seed, ours, &bytes, &err), FLOE_OK, "%s", err.msg);
    cr_assert_gt(bytes, 50);
    if (!run_gen_data(args, theirs)) {
        remove(ours);
        rmdir(dir);
        cr_skip_test("peers kit gen_data not available (FLOE_PEERS_DIR)");
    }
    cr_assert(same_file(ours, theirs), "%s differs from gen_data %s", ours, args);
    remove(ours);
    remove(theirs);
    rmdir(dir);
}

Test(gen, lineitem_csv_is_byte_identical_to_gen_data)
{
    compare_with_gen_data("lineitem", 0.01, 0, "lineitem --sf 0.01");
}

Test(gen, lineitem_csv_with_other_seed_is_byte_identical_to_gen_data)
{
    compare_with_gen_data("lineitem", 0.002, 7, "lineitem --sf 0.002 --seed 7");
}

Test(gen, events_csv_is_byte_identical_to_gen_data)
{
    compare_with_gen_data("events", 50000, 0, "events --rows 50000");
}

Test(gen, events_csv_with_other_seed_is_byte_identical_to_gen_data)
{
    compare_with_gen_data("events", 1234, 7, "events --rows 1234 --seed 7");
}

Test(gen, other_tpch_tables_are_byte_identical_to_gen_data)
{
    static const char *const t[] = {"orders", "customer", "part", "supplier", "partsupp", "nation", "region"};
    char args[128];
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(args, sizeof args, "%s --sf 0.01", t[i]);
        compare_with_gen_data(t[i], 0.01, 0, args);
        snprintf(args, sizeof args, "%s --sf 0.002 --seed 7", t[i]);
        compare_with_gen_data(t[i], 0.002, 7, args);
    }
}

/* the orders stream, read one row at a time */
typedef struct ocursor {
    floe_bench_data *d;
    floe_bench_batch b;
    uint32_t i;
} ocursor;

static void check_order(ocursor *c, int64_t okey, int64_t tot, int nf, int nl)
{
    if (c->i == c->b.n) {
        cr_assert_gt(floe_bench_data_next(c->d, &c->b, 2048), 0, "orders ended before order %lld", (long long)okey);
        c->i = 0;
    }
    cr_assert_eq(((int64_t *)c->b.cols[0])[c->i], okey);
    cr_assert_eq(llround(((double *)c->b.cols[3])[c->i] * 100), (tot + 5000) / 10000);
    cr_assert_eq(((floe_string *)c->b.cols[2])[c->i].ptr[0], nf == nl ? 'F' : nf == 0 ? 'O' : 'P');
    c->i++;
}

Test(gen, orders_agree_with_lineitem)
{
    /* one orders row per order key of lineitem; total price and status derived from its lines */
    floe_bench_data *li = NULL;
    floe_bench_batch lb;
    ocursor oc;
    floe_err err = FLOE_ERR_INIT;
    int64_t norders = 0, okey = -1, tot = 0;
    int nf = 0, nl = 0;
    uint32_t i;
    memset(&oc, 0, sizeof oc);
    cr_assert_eq(floe_bench_data_new("lineitem", 0.005, 0, &li, &err), FLOE_OK);
    cr_assert_eq(floe_bench_data_new("orders", 0.005, 0, &oc.d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_data_rows(oc.d), -1);
    cr_assert_eq(floe_bench_batch_init(&lb, floe_bench_data_schema(li), &err), FLOE_OK);
    cr_assert_eq(floe_bench_batch_init(&oc.b, floe_bench_data_schema(oc.d), &err), FLOE_OK);
    while (floe_bench_data_next(li, &lb, 2048) > 0) {
        for (i = 0; i < lb.n; i++) {
            int64_t k = ((int64_t *)lb.cols[0])[i];
            if (k != okey && okey >= 0) {
                check_order(&oc, okey, tot, nf, nl);
                norders++;
                tot = nf = nl = 0;
            }
            okey = k;
            tot += llround(((double *)lb.cols[5])[i] * 100) * (100 - llround(((double *)lb.cols[6])[i] * 100)) *
                   (100 + llround(((double *)lb.cols[7])[i] * 100));
            nf += ((floe_string *)lb.cols[9])[i].ptr[0] == 'F';
            nl++;
        }
    }
    check_order(&oc, okey, tot, nf, nl);
    norders++;
    cr_assert_eq(oc.i, oc.b.n);
    cr_assert_eq(floe_bench_data_next(oc.d, &oc.b, 2048), 0);
    cr_assert_gt(norders, 7000);
    floe_bench_batch_free(&lb);
    floe_bench_batch_free(&oc.b);
    floe_bench_data_free(li);
    floe_bench_data_free(oc.d);
}

Test(gen, lineitem_columns_follow_tpch_rules)
{
    floe_bench_data *d = NULL;
    floe_bench_batch b;
    floe_err err = FLOE_ERR_INIT;
    int64_t rows = 0, prev_okey = 0, nparts = 2000, nsupp = 100;
    int32_t prev_line = 0;
    int32_t cur = floe_date_from_ymd(1995, 6, 17);
    uint32_t i;

    cr_assert_eq(floe_bench_data_new("lineitem", 0.01, 0, &d, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(floe_bench_data_rows(d), 60012); /* round(0.01 * 6001215) */
    cr_assert_eq(floe_bench_batch_init(&b, floe_bench_data_schema(d), &err), FLOE_OK);
    while (floe_bench_data_next(d, &b, 1000) > 0) {
        int64_t *okey = b.cols[0], *pk = b.cols[1], *sk = b.cols[2];
        int32_t *ln = b.cols[3], *ship = b.cols[10], *commit = b.cols[11], *receipt = b.cols[12];
        double *qty = b.cols[4], *ext = b.cols[5], *disc = b.cols[6], *tax = b.cols[7];
        floe_string *rf = b.cols[8], *ls = b.cols[9], *cmt = b.cols[15];
        for (i = 0; i < b.n; i++, rows++) {
            int64_t price = 90000 + ((pk[i] / 10) % 20001) + 100 * (pk[i] % 1000);
            if (okey[i] == prev_okey) {
                cr_assert_eq(ln[i], prev_line + 1);
            } else {
                cr_assert_gt(okey[i], prev_okey);
                cr_assert_eq(ln[i], 1);
                cr_assert_lt(((okey[i] - 1) % 32), 8, "order keys are sparse: 8 of 32");
            }
            cr_assert_leq(ln[i], 7);
            prev_okey = okey[i];
            prev_line = ln[i];
            cr_assert(pk[i] >= 1 && pk[i] <= nparts);
            cr_assert(sk[i] >= 1 && sk[i] <= nsupp);
            cr_assert(qty[i] >= 1 && qty[i] <= 50 && qty[i] == (double)(int64_t)qty[i]);
            cr_assert_eq(ext[i], (double)((int64_t)qty[i] * price) / 100.0);
            cr_assert(disc[i] >= 0 && disc[i] <= 0.10 + 1e-12);
            cr_assert(tax[i] >= 0 && tax[i] <= 0.08 + 1e-12);
            cr_assert(receipt[i] > ship[i] && receipt[i] <= ship[i] + 30);
            cr_assert(commit[i] >= ship[i] - 121 + 30 && commit[i] <= ship[i] - 1 + 90);
            cr_assert_eq(rf[i].len, 1);
            if (receipt[i] <= cur)
                cr_assert(rf[i].ptr[0] == 'R' || rf[i].ptr[0] == 'A');
            else
                cr_assert_eq(rf[i].ptr[0], 'N');
            cr_assert_eq(ls[i].ptr[0], ship[i] > cur ? 'O' : 'F');
            cr_assert(cmt[i].len >= 1 && cmt[i].len <= 43);
        }
    }
    cr_assert_eq(rows, 60012);
    floe_bench_batch_free(&b);
    floe_bench_data_free(d);
}

Test(gen, events_stream_is_bounded_and_owned_strings_survive)
{
    floe_bench_data *d = NULL;
    floe_bench_batch b, keep;
    floe_err err = FLOE_ERR_INIT;
    char first_url[64];
    int64_t rows = 0;
    cr_assert_eq(floe_bench_data_new("events", 5000, 0, &d, &err), FLOE_OK);
    cr_assert_eq(floe_bench_batch_init(&b, &floe_bench_events_schema, &err), FLOE_OK);
    cr_assert_eq(floe_bench_batch_init(&keep, &floe_bench_events_schema, &err), FLOE_OK);
    cr_assert_eq(floe_bench_data_next(d, &keep, 100), 100);
    cr_assert_eq(floe_bench_batch_own_strings(&keep, &err), FLOE_OK);
    snprintf(first_url, sizeof first_url, "%.*s", (int)((floe_string *)keep.cols[7])[0].len,
             ((floe_string *)keep.cols[7])[0].ptr);
    rows = 100;
    while (floe_bench_data_next(d, &b, 2048) > 0) rows += b.n;
    cr_assert_eq(rows, 5000);
    /* the generator reused its URL buffer; the owned copy did not change */
    cr_assert_eq(strncmp(((floe_string *)keep.cols[7])[0].ptr, first_url, strlen(first_url)), 0);
    cr_assert_eq(strncmp(first_url, "https://shop.example.com/", 25), 0);
    floe_bench_batch_free(&keep);
    floe_bench_batch_free(&b);
    floe_bench_data_free(d);
}
