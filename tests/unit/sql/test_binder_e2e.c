/* tests/unit/sql/test_binder_e2e.c: bind SQL, run the plan on the engine's
 * executor over in-memory tables, and compare with plain C loops over the
 * same random data. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "binder_testlib.h"
#include "engine/plan.h"
#include "util/datetime.h"
#include "util/mem.h"

#define NT 3000 /* rows of t */
#define NU 50   /* rows of u */

/* column data of t and u, physical layouts */
static int32_t ta[NT];
static int64_t tb[NT];
static floe_string tc[NT];
static double td[NT];
static int32_t te[NT];
static int64_t tf[NT];
static int64_t tg[NT];
static uint8_t ta_null[NT], tc_null[NT];
static int32_t ua[NU];
static floe_string ux[NU];
static const char *keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};

typedef struct mem_table {
    uint32_t ncols;
    floe_type types[8];
    void *data[8];
    uint8_t *isnull[8];
    uint64_t nrows;
} mem_table;

static mem_table mt_t, mt_u;

typedef struct mcur {
    mem_table *t;
    uint64_t pos, end;
    uint32_t cols[8], ncols;
} mcur;

#define MORSEL 1000
static uint32_t m_nmorsels(void *self)
{
    mem_table *t = self;
    return (uint32_t)((t->nrows + MORSEL - 1) / MORSEL);
}
static uint64_t m_rows(void *self, uint32_t m)
{
    mem_table *t = self;
    uint64_t a = (uint64_t)m * MORSEL, b = a + MORSEL;
    return (b > t->nrows ? t->nrows : b) - a;
}
static bool m_may(void *self, uint32_t m, const floe_scan_pred *p, uint32_t n)
{
    (void)self, (void)m, (void)p, (void)n;
    return true;
}
static int m_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                  const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out, floe_err *err)
{
    mcur *c = floe_calloc(1, sizeof *c);
    (void)preds, (void)npreds;
    if (c == NULL) return floe_err_nomem(err);
    c->t = self;
    c->pos = (uint64_t)m * MORSEL;
    c->end = c->pos + m_rows(self, m);
    memcpy(c->cols, cols, ncols * sizeof *cols);
    c->ncols = ncols;
    *out = (floe_scan_cursor *)c;
    return FLOE_OK;
}
static int m_next(floe_scan_cursor *cur, floe_batch *out, floe_err *err)
{
    mcur *c = (mcur *)cur;
    uint32_t n, k, i;
    (void)err;
    if (c->pos >= c->end) return FLOE_DONE;
    n = (uint32_t)(c->end - c->pos < 700 ? c->end - c->pos : 700);
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(c->ncols ? c->ncols : 1, sizeof *out->cols);
    out->ncols = c->ncols;
    out->n = n;
    for (k = 0; k < c->ncols; k++) {
        uint32_t tcn = c->cols[k];
        size_t w = floe_type_size(c->t->types[tcn]);
        floe_vec *v = &out->cols[k];
        floe_vec_init(v, c->t->types[tcn], n);
        memcpy(v->data, (char *)c->t->data[tcn] + c->pos * w, n * w);
        v->n = n;
        if (c->t->isnull[tcn])
            for (i = 0; i < n; i++)
                if (c->t->isnull[tcn][c->pos + i]) floe_vec_set_null(v, i);
    }
    c->pos += n;
    return FLOE_ROW;
}
static void m_close(floe_scan_cursor *c) { floe_free(c); }
static void m_free(void *self) { (void)self; }
static const floe_scan_source_vt m_vt = {m_nmorsels, m_rows, m_may, m_open, m_next, m_close, m_free};

static void fill_data(void)
{
    uint32_t i;
    srand(12345);
    for (i = 0; i < NT; i++) {
        ta[i] = rand() % 100;
        ta_null[i] = rand() % 20 == 0;
        tb[i] = (int64_t)(rand() % 2000001) - 1000000;
        tc[i].ptr = keys[rand() % 10];
        tc[i].len = 2;
        tc_null[i] = rand() % 25 == 0;
        td[i] = (rand() % 100000) / 100.0;
        te[i] = floe_date_from_ymd(2024, 1, 1) + rand() % 31;
        tf[i] = (int64_t)te[i] * FLOE_MICROS_PER_DAY + (int64_t)(rand() % 86400) * 1000000;
        tg[i] = rand() % 1000000; /* cents */
    }
    for (i = 0; i < NU; i++) {
        ua[i] = (int32_t)i * 2;
        ux[i].ptr = keys[i % 5];
        ux[i].len = 2;
    }
    mt_t.ncols = 7;
    mt_t.nrows = NT;
    for (i = 0; i < 7; i++) mt_t.types[i] = fake_tables[0].cols[i].type;
    mt_t.data[0] = ta;
    mt_t.data[1] = tb;
    mt_t.data[2] = tc;
    mt_t.data[3] = td;
    mt_t.data[4] = te;
    mt_t.data[5] = tf;
    mt_t.data[6] = tg;
    mt_t.isnull[0] = ta_null;
    mt_t.isnull[2] = tc_null;
    mt_u.ncols = 2;
    mt_u.nrows = NU;
    mt_u.types[0] = fake_tables[1].cols[0].type;
    mt_u.types[1] = fake_tables[1].cols[1].type;
    mt_u.data[0] = ua;
    mt_u.data[1] = ux;
}

static void fill_once(void)
{
    if (mt_t.nrows == 0) fill_data();
}

/* Result rows: cells as values (strings copied into `arena`). */
typedef struct result {
    uint32_t ncols;
    uint64_t nrows;
    floe_value *cells; /* nrows * ncols */
    floe_arena *arena;
} result;

static void result_free(result *r)
{
    floe_free(r->cells);
    floe_arena_free(r->arena);
}

static void run(const char *sql, result *r)
{
    floe_err err = FLOE_ERR_INIT;
    floe_bound_stmt *s = NULL;
    floe_executor *ex = NULL;
    floe_exec_ctx ctx;
    floe_table_scan scans[4];
    floe_scan_source srcs[4];
    floe_batch out;
    uint32_t i;
    uint64_t cap = 0;
    int rc;

    memset(r, 0, sizeof *r);
    r->arena = floe_arena_new(0);
    cr_assert_eq(bind_sql(sql, &s, &err), FLOE_OK, "%s: %s", sql, err.msg);
    cr_assert(s->plan->ntables <= 4);
    for (i = 0; i < s->plan->ntables; i++) {
        srcs[i].vt = &m_vt;
        srcs[i].self = s->plan->table_refs[i] == &fake_tables[0] ? (void *)&mt_t : (void *)&mt_u;
        cr_assert(s->plan->table_refs[i] == &fake_tables[0] || s->plan->table_refs[i] == &fake_tables[1]);
        scans[i].sources = &srcs[i];
        scans[i].nsources = 1;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.tables = scans;
    ctx.ntables = s->plan->ntables;
    ctx.nthreads = 2;
    ctx.now_us = TEST_NOW_US;
    rc = floe_exec_open(s->plan, &ctx, &ex, &err);
    cr_assert_eq(rc, FLOE_OK, "%s: open: %s", sql, err.msg);
    r->ncols = s->plan->root->ncols;
    while ((rc = floe_exec_next(ex, &out, &err)) == FLOE_ROW) {
        uint32_t row, c;
        cr_assert_eq(out.ncols, r->ncols);
        for (row = 0; row < out.n; row++) {
            if (r->nrows == cap) {
                cap = cap ? cap * 2 : 64;
                r->cells = floe_realloc(r->cells, cap * r->ncols * sizeof *r->cells + 1);
            }
            for (c = 0; c < r->ncols; c++) {
                floe_value *v = &r->cells[r->nrows * r->ncols + c];
                const floe_vec *vec = &out.cols[c];
                uint32_t rr = (vec->flags & FLOE_VEC_CONST) ? 0 : row;
                if (!floe_vec_is_valid(vec, row)) {
                    *v = floe_value_null(vec->type);
                    continue;
                }
                floe_value_load(vec->type, vec->data, rr, v);
                if (v->type.id == FLOE_TYPE_VARCHAR)
                    v->v.s.ptr = floe_arena_strndup(r->arena, v->v.s.ptr, v->v.s.len);
            }
            r->nrows++;
        }
        floe_batch_free(&out);
    }
    cr_assert_eq(rc, FLOE_DONE, "%s: %s", sql, err.msg);
    floe_exec_close(ex);
    floe_bound_stmt_free(s);
}

static const floe_value *cell(const result *r, uint64_t row, uint32_t col)
{
    return &r->cells[row * r->ncols + col];
}

#define EXPECT_I(r, row, col, want)                                                           \
    cr_expect_eq(cell(r, row, col)->v.i, (int64_t)(want), "row %d col %d: got %lld want %lld", \
                 (int)(row), (int)(col), (long long)cell(r, row, col)->v.i, (long long)(want))

static bool str_is(floe_string s, const char *z)
{
    return s.len == strlen(z) && memcmp(s.ptr, z, s.len) == 0;
}

Test(binder_e2e, filtered_aggregates_match_c_loop)
{
    fill_once();
    result r;
    int64_t cnt = 0, sum = 0, mn = INT64_MAX, mx = INT64_MIN;
    uint32_t i;
    run("select count(*), sum(b), min(a), max(a) from t where a > 10 and c = 'k3'", &r);
    for (i = 0; i < NT; i++) {
        if (ta_null[i] || tc_null[i] || !(ta[i] > 10) || !str_is(tc[i], "k3")) continue;
        cnt++;
        sum += tb[i];
        if (ta[i] < mn) mn = ta[i];
        if (ta[i] > mx) mx = ta[i];
    }
    cr_assert_eq(r.nrows, 1);
    EXPECT_I(&r, 0, 0, cnt);
    EXPECT_I(&r, 0, 1, sum);
    EXPECT_I(&r, 0, 2, mn);
    EXPECT_I(&r, 0, 3, mx);
    result_free(&r);
}

Test(binder_e2e, group_by_with_order_matches)
{
    fill_once();
    result r;
    int64_t cnt[10] = {0}, sum[10] = {0}, ncnt = 0;
    uint32_t i, k;
    run("select c, count(*) as n, sum(a) from t group by c order by c nulls first", &r);
    for (i = 0; i < NT; i++) {
        if (tc_null[i]) {
            ncnt++;
            continue;
        }
        k = (uint32_t)(tc[i].ptr[1] - '0');
        cnt[k]++;
        if (!ta_null[i]) sum[k] += ta[i];
    }
    cr_assert_eq(r.nrows, 11);
    cr_expect(cell(&r, 0, 0)->is_null);
    EXPECT_I(&r, 0, 1, ncnt);
    for (k = 0; k < 10; k++) {
        cr_expect(str_is(cell(&r, k + 1, 0)->v.s, keys[k]));
        EXPECT_I(&r, k + 1, 1, cnt[k]);
        EXPECT_I(&r, k + 1, 2, sum[k]);
    }
    result_free(&r);
}

Test(binder_e2e, join_and_decimal_expression)
{
    fill_once();
    result r;
    int64_t cnt = 0, sumb = 0, sumg = 0;
    uint32_t i, j;
    run("select count(*), sum(t.b), sum(t.g * 2) from t, u where t.a = u.a and u.x <> 'k1'", &r);
    for (i = 0; i < NT; i++)
        for (j = 0; j < NU; j++)
            if (!ta_null[i] && ta[i] == ua[j] && !str_is(ux[j], "k1")) {
                cnt++;
                sumb += tb[i];
                sumg += tg[i] * 2;
            }
    cr_assert_eq(r.nrows, 1);
    EXPECT_I(&r, 0, 0, cnt);
    EXPECT_I(&r, 0, 1, sumb);
    cr_expect_eq(cell(&r, 0, 2)->type.id, FLOE_TYPE_DECIMAL);
    EXPECT_I(&r, 0, 2, sumg);
    result_free(&r);
}

static bool u_has(int32_t a, const char *x_not)
{
    uint32_t j;
    for (j = 0; j < NU; j++)
        if (ua[j] == a && (x_not == NULL || !str_is(ux[j], x_not))) return true;
    return false;
}

Test(binder_e2e, exists_not_exists_and_in_subqueries)
{
    fill_once();
    result r;
    int64_t e = 0, ne = 0, in = 0, cor = 0;
    uint32_t i, j;
    for (i = 0; i < NT; i++) {
        bool m = !ta_null[i] && u_has(ta[i], NULL);
        e += m;
        ne += !m;
        in += !ta_null[i] && u_has(ta[i], "k2");
        if (!ta_null[i])
            for (j = 0; j < NU; j++)
                if (ua[j] > ta[i] + 90) {
                    cor++;
                    break;
                }
    }
    run("select count(*) from t where exists (select 1 from u where u.a = t.a)", &r);
    EXPECT_I(&r, 0, 0, e);
    result_free(&r);
    run("select count(*) from t where not exists (select 1 from u where u.a = t.a)", &r);
    EXPECT_I(&r, 0, 0, ne);
    result_free(&r);
    run("select count(*) from t where a in (select a from u where x <> 'k2')", &r);
    EXPECT_I(&r, 0, 0, in);
    result_free(&r);
    /* correlated on a non-equality: parameterized subquery */
    run("select count(*) from t where exists (select 1 from u where u.a > t.a + 90)", &r);
    EXPECT_I(&r, 0, 0, cor);
    result_free(&r);
}

Test(binder_e2e, correlated_scalar_aggregate)
{
    fill_once();
    result r;
    int64_t cnt = 0;
    uint32_t i, j;
    /* per t row: the max of u.a over u rows with u.x = 'k' || (t.a % 5) */
    for (i = 0; i < NT; i++) {
        double s = 0;
        int n = 0;
        if (ta_null[i]) continue;
        for (j = 0; j < NU; j++)
            if (ua[j] == ta[i]) {
                s += ua[j];
                n++;
            }
        if (n && td[i] > s / n) cnt++;
    }
    run("select count(*) from t where d > (select avg(u.a) from u where u.a = t.a)", &r);
    EXPECT_I(&r, 0, 0, cnt);
    result_free(&r);
    /* a bare correlated count: 0 (not NULL) for rows without matches */
    cnt = 0;
    for (i = 0; i < NT; i++)
        if (ta_null[i] || !u_has(ta[i], NULL)) cnt++;
    run("select count(*) from t where (select count(*) from u where u.a = t.a) = 0", &r);
    EXPECT_I(&r, 0, 0, cnt);
    result_free(&r);
}

static int cmp_desc_b(const void *x, const void *y)
{
    int64_t a = tb[*(const uint32_t *)x], b = tb[*(const uint32_t *)y];
    return (a < b) - (a > b);
}

Test(binder_e2e, order_by_limit_topn_and_hidden_column)
{
    fill_once();
    result r;
    uint32_t idx[NT], i;
    for (i = 0; i < NT; i++) idx[i] = i;
    qsort(idx, NT, sizeof idx[0], cmp_desc_b);
    run("select g from t order by b desc limit 5", &r);
    cr_assert_eq(r.nrows, 5);
    cr_assert_eq(r.ncols, 1);
    for (i = 0; i < 5; i++) EXPECT_I(&r, i, 0, tg[idx[i]]);
    result_free(&r);
}

Test(binder_e2e, left_join_counts)
{
    fill_once();
    result r;
    int64_t cnt = 0, cx = 0;
    uint32_t i, j;
    for (i = 0; i < NT; i++) {
        int m = 0;
        for (j = 0; j < NU; j++)
            if (!ta_null[i] && ta[i] == ua[j] && str_is(ux[j], "k0")) m++;
        cnt += m ? m : 1;
        cx += m;
    }
    run("select count(*), count(u.x) from t left join u on t.a = u.a and u.x = 'k0'", &r);
    EXPECT_I(&r, 0, 0, cnt);
    EXPECT_I(&r, 0, 1, cx);
    result_free(&r);
}

Test(binder_e2e, dates_and_intervals)
{
    fill_once();
    result r;
    int64_t cnt = 0, cnt2 = 0;
    uint32_t i;
    int32_t lo = floe_date_from_ymd(2024, 1, 10);
    for (i = 0; i < NT; i++) {
        if (te[i] >= lo && te[i] < lo + 5) cnt++;
        if (tf[i] >= (int64_t)lo * FLOE_MICROS_PER_DAY + 12 * 3600LL * 1000000 && te[i] <= lo) cnt2++;
    }
    run("select count(*) from t where e >= '2024-01-10' and e < date '2024-01-10' + interval '5 days'",
        &r);
    EXPECT_I(&r, 0, 0, cnt);
    result_free(&r);
    run("select count(*) from t where f >= '2024-01-10 12:00' and e <= '2024-01-10'", &r);
    EXPECT_I(&r, 0, 0, cnt2);
    result_free(&r);
}

Test(binder_e2e, set_operations_and_values)
{
    fill_once();
    result r;
    bool seen[100] = {false};
    int64_t n = 0, ex = 0;
    uint32_t i;
    for (i = 0; i < NT; i++)
        if (!ta_null[i] && ta[i] < 20) seen[ta[i]] = true;
    for (i = 0; i < NU; i++)
        if (ua[i] < 20) seen[ua[i]] = true;
    for (i = 0; i < 100; i++) n += seen[i];
    run("select count(*) from (select a from t where a < 20 union select a from u where a < 20) s",
        &r);
    EXPECT_I(&r, 0, 0, n);
    result_free(&r);
    memset(seen, 0, sizeof seen);
    for (i = 0; i < NT; i++)
        if (!ta_null[i]) seen[ta[i]] = true;
    for (i = 0; i < 100; i++) ex += seen[i] && !u_has((int32_t)i, NULL);
    run("select count(*) from (select a from t where a is not null except select a from u) s", &r);
    EXPECT_I(&r, 0, 0, ex);
    result_free(&r);
    /* NULLs are equal in set operations: t's NULL survives EXCEPT once, and
     * INTERSECT with itself keeps it */
    run("select count(*), count(a) from (select a from t except select a from u) s", &r);
    EXPECT_I(&r, 0, 0, ex + 1);
    EXPECT_I(&r, 0, 1, ex);
    result_free(&r);
    run("select count(*) from (select a from t intersect select a from t where a is null or a < 10) s",
        &r);
    {
        int64_t want = 1; /* NULL */
        for (i = 0; i < 10; i++) want += seen[i];
        EXPECT_I(&r, 0, 0, want);
    }
    result_free(&r);
    run("insert into u (a) values (7), (8)", &r);
    cr_assert_eq(r.nrows, 2);
    EXPECT_I(&r, 1, 0, 8);
    cr_expect(str_is(cell(&r, 1, 1)->v.s, "dflt"));
    result_free(&r);
}

/* ---------------------------------------------------------------- random
 * predicates: SQL text and a C evaluator with three-valued logic built side
 * by side, compared on count(*). */

enum { TV_FALSE = 0, TV_TRUE = 1, TV_NULL = 2 };

typedef struct rpred {
    int kind; /* 0 leaf, 1 AND, 2 OR, 3 NOT */
    int leaf; /* leaf form */
    int op;   /* 0 = 1 <> 2 < 3 <= 4 > 5 >= */
    int64_t k, k2;
    struct rpred *l, *r;
} rpred;

static const char *ops_sql[] = {"=", "<>", "<", "<=", ">", ">="};

static int cmp_op(int op, double x, double y)
{
    switch (op) {
    case 0: return x == y;
    case 1: return x != y;
    case 2: return x < y;
    case 3: return x <= y;
    case 4: return x > y;
    default: return x >= y;
    }
}

static rpred *rp_gen(unsigned *seed, int depth, floe_strbuf *sql)
{
    rpred *p = calloc(1, sizeof *p);
    int r = (int)(rand_r(seed) % 10);
    if (depth < 3 && r < 4) {
        p->kind = r < 2 ? 1 : r < 3 ? 2 : 3;
        floe_strbuf_puts(sql, "(");
        if (p->kind == 3) {
            floe_strbuf_puts(sql, "NOT ");
            p->l = rp_gen(seed, depth + 1, sql);
        } else {
            p->l = rp_gen(seed, depth + 1, sql);
            floe_strbuf_puts(sql, p->kind == 1 ? " AND " : " OR ");
            p->r = rp_gen(seed, depth + 1, sql);
        }
        floe_strbuf_puts(sql, ")");
        return p;
    }
    p->leaf = (int)(rand_r(seed) % 7);
    p->op = (int)(rand_r(seed) % 6);
    p->k = rand_r(seed) % 100;
    p->k2 = p->k + rand_r(seed) % 30;
    switch (p->leaf) {
    case 0: floe_strbuf_printf(sql, "a %s %lld", ops_sql[p->op], (long long)p->k); break;
    case 1: floe_strbuf_printf(sql, "b %s %lld", ops_sql[p->op], (long long)(p->k * 20000 - 1000000)); break;
    case 2: floe_strbuf_printf(sql, "d %s %lld.5", ops_sql[p->op], (long long)(p->k * 10)); break;
    case 3: floe_strbuf_printf(sql, "c %s 'k%lld'", ops_sql[p->op], (long long)(p->k % 10)); break;
    case 4: floe_strbuf_printf(sql, "a IS %sNULL", p->op & 1 ? "NOT " : ""); break;
    case 5: floe_strbuf_printf(sql, "a %sBETWEEN %lld AND %lld", p->op & 1 ? "NOT " : "",
                               (long long)p->k, (long long)p->k2); break;
    default: floe_strbuf_printf(sql, "g %s %lld.%02lld", ops_sql[p->op], (long long)(p->k * 100),
                                (long long)(p->k2 % 100)); break;
    }
    return p;
}

static int rp_eval(const rpred *p, uint32_t i)
{
    int x, y;
    switch (p->kind) {
    case 1:
        x = rp_eval(p->l, i);
        y = rp_eval(p->r, i);
        if (x == TV_FALSE || y == TV_FALSE) return TV_FALSE;
        return x == TV_NULL || y == TV_NULL ? TV_NULL : TV_TRUE;
    case 2:
        x = rp_eval(p->l, i);
        y = rp_eval(p->r, i);
        if (x == TV_TRUE || y == TV_TRUE) return TV_TRUE;
        return x == TV_NULL || y == TV_NULL ? TV_NULL : TV_FALSE;
    case 3:
        x = rp_eval(p->l, i);
        return x == TV_NULL ? TV_NULL : !x;
    default: break;
    }
    switch (p->leaf) {
    case 0: return ta_null[i] ? TV_NULL : cmp_op(p->op, ta[i], (double)p->k);
    case 1: return cmp_op(p->op, (double)tb[i], (double)(p->k * 20000 - 1000000));
    case 2: return cmp_op(p->op, td[i], p->k * 10 + 0.5);
    case 3: {
        int c;
        char want[3] = {'k', (char)('0' + p->k % 10), 0};
        if (tc_null[i]) return TV_NULL;
        c = memcmp(tc[i].ptr, want, 2);
        return cmp_op(p->op, c, 0);
    }
    case 4: return (p->op & 1) ? !ta_null[i] : ta_null[i];
    case 5: {
        int in;
        if (ta_null[i]) return TV_NULL;
        in = ta[i] >= p->k && ta[i] <= p->k2;
        return (p->op & 1) ? !in : in;
    }
    default: {
        int64_t k = p->k * 10000 + p->k2 % 100; /* cents */
        return cmp_op(p->op, (double)tg[i], (double)k);
    }
    }
}

static void rp_free(rpred *p)
{
    if (p == NULL) return;
    rp_free(p->l);
    rp_free(p->r);
    free(p);
}

Test(binder_e2e, random_predicates_match_three_valued_c_evaluation)
{
    unsigned seed = 4242;
    int q;
    fill_once();
    for (q = 0; q < 150; q++) {
        floe_strbuf sql = FLOE_STRBUF_INIT;
        rpred *p;
        result r;
        int64_t want = 0;
        uint32_t i;
        floe_strbuf_puts(&sql, "select count(*) from t where ");
        p = rp_gen(&seed, 0, &sql);
        for (i = 0; i < NT; i++) want += rp_eval(p, i) == TV_TRUE;
        run(floe_strbuf_str(&sql), &r);
        cr_expect_eq(cell(&r, 0, 0)->v.i, want, "%s: got %lld want %lld", floe_strbuf_str(&sql),
                     (long long)cell(&r, 0, 0)->v.i, (long long)want);
        result_free(&r);
        rp_free(p);
        floe_strbuf_free(&sql);
    }
}

Test(binder_e2e, subqueries_with_pushed_filters_and_pruned_columns)
{
    result r;
    int64_t cnt[10] = {0}, sumb[10] = {0}, n_union = 0, n_proj = 0;
    uint32_t i, k;
    fill_once();
    for (i = 0; i < NT; i++) {
        if (!tc_null[i]) {
            k = (uint32_t)(tc[i].ptr[1] - '0');
            cnt[k]++;
            sumb[k] += tb[i];
        }
        if (!ta_null[i] && ta[i] > 90) n_union++;
        if (!ta_null[i] && ta[i] + 1 == 50 && td[i] < 500) n_proj++;
    }
    for (i = 0; i < NU; i++)
        if (ua[i] > 90) n_union++;
    /* filter on a group column goes below the aggregate, the other stays above;
     * the unused max(d) is pruned */
    run("select c, n, sb from (select c, count(*) as n, sum(b) as sb, max(d) as md from t group "
        "by c) s where c in ('k2', 'k5') and n > 0 order by c",
        &r);
    cr_assert_eq(r.nrows, 2);
    cr_expect(str_is(cell(&r, 0, 0)->v.s, "k2"));
    EXPECT_I(&r, 0, 1, cnt[2]);
    EXPECT_I(&r, 0, 2, sumb[2]);
    EXPECT_I(&r, 1, 1, cnt[5]);
    EXPECT_I(&r, 1, 2, sumb[5]);
    result_free(&r);
    run("with q as (select a from t union all select a from u) select count(*) from q where a > 90",
        &r);
    EXPECT_I(&r, 0, 0, n_union);
    result_free(&r);
    run("select count(*) from (select a + 1 as y, d, c from t) s where y = 50 and d < 500", &r);
    EXPECT_I(&r, 0, 0, n_proj);
    result_free(&r);
}

Test(binder_e2e, outer_joins_using_and_ctes)
{
    result r;
    int64_t unmatched = 0, right_rows = 0, using_rows = 0;
    uint32_t i, j;
    fill_once();
    for (i = 0; i < NT; i++) {
        int m = 0;
        for (j = 0; j < NU; j++)
            if (!ta_null[i] && ta[i] == ua[j]) m++;
        if (!m) unmatched++;
        using_rows += m;
    }
    for (j = 0; j < NU; j++) {
        int m = 0;
        for (i = 0; i < NT; i++)
            if (!ta_null[i] && ta[i] == ua[j] && tb[i] > 0) m++;
        right_rows += m ? m : 1;
    }
    /* WHERE on the nullable side runs after the LEFT JOIN */
    run("select count(*) from t left join u on t.a = u.a where u.x is null", &r);
    EXPECT_I(&r, 0, 0, unmatched);
    result_free(&r);
    /* RIGHT JOIN keeps every u row; the ON filter on t stays in the join */
    run("select count(*) from t right join u on t.a = u.a and t.b > 0", &r);
    EXPECT_I(&r, 0, 0, right_rows);
    result_free(&r);
    run("with m as (select * from t join u using (a)) select count(*), count(distinct a) from m",
        &r);
    EXPECT_I(&r, 0, 0, using_rows);
    result_free(&r);
}
