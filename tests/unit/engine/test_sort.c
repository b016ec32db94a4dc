/* tests/unit/engine/test_sort.c: SORT and TOPN vs qsort references, with
 * all key options (DESC, NULLS FIRST/LAST, VARCHAR, DOUBLE), 1 and 2 threads. */
#include "test_exec_data.h"

static const floe_type T_BIG = {FLOE_TYPE_BIGINT, 0, 0};

/* reference comparator over tdata rows, driven by a key list on table columns */
typedef struct rkey {
    uint32_t tcol;
    int desc, nulls_first;
} rkey;

static const tdata *g_td;
static const rkey *g_keys;
static uint32_t g_nkeys;

static int ref_cmp_rows(uint64_t a, uint64_t b)
{
    uint32_t k;
    for (k = 0; k < g_nkeys; k++) {
        uint32_t c = g_keys[k].tcol;
        int na = g_td->nul[c][a], nb = g_td->nul[c][b], d = 0;
        if (c == 4 || c == 5) na = nb = 0;
        if (na != nb) return (na ? -1 : 1) * (g_keys[k].nulls_first ? 1 : -1);
        if (na) continue;
        switch (c) {
        case 0: d = (g_td->k[a] > g_td->k[b]) - (g_td->k[a] < g_td->k[b]); break;
        case 1: d = (g_td->v[a] > g_td->v[b]) - (g_td->v[a] < g_td->v[b]); break;
        case 2: d = (g_td->d[a] > g_td->d[b]) - (g_td->d[a] < g_td->d[b]); break;
        case 3: {
            floe_string x = g_td->s[a], y = g_td->s[b];
            uint32_t n = x.len < y.len ? x.len : y.len;
            d = memcmp(x.ptr, y.ptr, n);
            if (d == 0) d = (x.len > y.len) - (x.len < y.len);
            d = (d > 0) - (d < 0);
            break;
        }
        case 4: d = (g_td->i[a] > g_td->i[b]) - (g_td->i[a] < g_td->i[b]); break;
        case 5: d = (g_td->t[a] > g_td->t[b]) - (g_td->t[a] < g_td->t[b]); break;
        }
        if (d) return g_keys[k].desc ? -d : d;
    }
    return 0;
}

static int ref_qcmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    int c = ref_cmp_rows(x, y);
    if (c) return c;
    return (x > y) - (x < y); /* stable */
}

/* Run SORT/TOPN over all 6 columns with keys; check against the reference. */
static void check_sort(tdata *td, const rkey *keys, uint32_t nkeys, int topn, int64_t limit,
                       int64_t offset, uint32_t nt)
{
    floe_query_plan *qp = floe_query_plan_new();
    uint32_t cols[6] = {0, 1, 2, 3, 4, 5}, k;
    floe_plan *scan = t_scan(qp, 0, &td->src[0], 6, cols);
    floe_plan *s = t_node(qp, topn ? FLOE_PLAN_TOPN : FLOE_PLAN_SORT, 6, scan->types, 1);
    uint64_t *idx = malloc((td->n + 1) * 8), i, from, to;
    tres res;
    floe_err err = FLOE_ERR_INIT;

    s->children[0] = scan;
    s->u.sort.keys = floe_arena_alloc(qp->arena, nkeys * sizeof(floe_sort_key));
    for (k = 0; k < nkeys; k++) {
        s->u.sort.keys[k].col = keys[k].tcol;
        s->u.sort.keys[k].desc = keys[k].desc;
        s->u.sort.keys[k].nulls_first = keys[k].nulls_first;
    }
    s->u.sort.nkeys = nkeys;
    s->u.sort.limit = topn ? limit : -1;
    s->u.sort.offset = topn ? offset : 0;
    qp->root = s;

    for (i = 0; i < td->n; i++) idx[i] = i;
    g_td = td;
    g_keys = keys;
    g_nkeys = nkeys;
    qsort(idx, td->n, 8, ref_qcmp);
    from = topn ? (uint64_t)offset : 0;
    if (from > td->n) from = td->n;
    to = topn && limit >= 0 && from + (uint64_t)limit < td->n ? from + (uint64_t)limit : td->n;

    cr_assert_eq(t_run(qp, &td->table, 1, nt, 0, NULL, &res, &err), FLOE_OK, "%s", err.msg);
    cr_assert_eq(res.n, to - from, "threads %u: %llu rows, want %llu", nt,
                 (unsigned long long)res.n, (unsigned long long)(to - from));
    for (i = 0; i < res.n; i++) {
        uint64_t got = (uint64_t)tres_at(&res, i, 5)->v.i, want = idx[from + i];
        /* same key tuple as the reference at this position */
        cr_assert_eq(ref_cmp_rows(got, want), 0, "threads %u, position %llu", nt, (unsigned long long)i);
        /* the row's other columns came along with it */
        cr_assert_eq(tres_at(&res, i, 4)->v.i, td->i[got]);
        cr_assert_eq(tres_at(&res, i, 0)->is_null, td->nul[0][got] != 0);
        if (!tres_at(&res, i, 0)->is_null) cr_assert_eq(tres_at(&res, i, 0)->v.i, td->k[got]);
        /* single-threaded full sort is stable: ties keep input order */
        if (nt == 1 && !topn) cr_assert_eq(got, want);
    }
    if (!topn) {
        /* a permutation of all rows */
        uint8_t *seen = calloc(td->n + 1, 1);
        for (i = 0; i < res.n; i++) {
            uint64_t t = (uint64_t)tres_at(&res, i, 5)->v.i;
            cr_assert(!seen[t]);
            seen[t] = 1;
        }
        free(seen);
    }
    tres_free(&res);
    free(idx);
    floe_query_plan_free(qp);
}

Test(sort, multi_key_all_options_match_qsort_reference)
{
    tdata td;
    uint32_t nt;
    rkey keys[4] = {{3, 0, 1}, {0, 1, 0}, {2, 0, 0}, {4, 1, 1}};
    td_init(&td, 30000, 17, 2000);
    for (nt = 1; nt <= 2; nt++) check_sort(&td, keys, 4, 0, -1, 0, nt);
    td_free(&td);
}

Test(sort, nulls_first_last_and_desc_on_integers)
{
    tdata td;
    uint32_t nt, variant;
    td_init(&td, 12000, 23, 700);
    for (variant = 0; variant < 4; variant++) {
        rkey keys[2] = {{1, (int)(variant & 1), (int)((variant >> 1) & 1)}, {2, (int)(variant & 1), 1}};
        for (nt = 1; nt <= 2; nt++) check_sort(&td, keys, 2, 0, -1, 0, nt);
    }
    td_free(&td);
}

Test(sort, topn_with_offset_matches_sorted_prefix)
{
    tdata td;
    uint32_t nt;
    rkey k1[2] = {{1, 1, 1}, {5, 0, 0}};
    rkey k2[2] = {{3, 0, 0}, {5, 1, 0}};
    rkey k3[1] = {{2, 0, 1}};
    td_init(&td, 25000, 31, 1500);
    for (nt = 1; nt <= 2; nt++) {
        check_sort(&td, k1, 2, 1, 100, 17, nt);
        check_sort(&td, k2, 2, 1, 50, 0, nt);
        check_sort(&td, k3, 1, 1, 3000, 10, nt);
        check_sort(&td, k1, 2, 1, 0, 5, nt);
        check_sort(&td, k1, 2, 1, 10, 30000, nt);
        check_sort(&td, k2, 2, 1, -1, 24990, nt);
        check_sort(&td, k1, 2, 1, 5000000, 3, nt); /* too big for a heap: full sort */
    }
    td_free(&td);
}

Test(sort, empty_input_gives_no_rows)
{
    tdata td;
    uint32_t nt;
    rkey keys[1] = {{1, 0, 0}};
    td_init(&td, 0, 1, 100);
    for (nt = 1; nt <= 2; nt++) {
        check_sort(&td, keys, 1, 0, -1, 0, nt);
        check_sort(&td, keys, 1, 1, 10, 0, nt);
    }
    td_free(&td);
}

Test(sort, memory_limit_names_sort)
{
    tdata td;
    floe_query_plan *qp;
    uint32_t cols[2] = {0, 1};
    floe_plan *scan, *s;
    tres res;
    floe_err err = FLOE_ERR_INIT;
    td_init(&td, 40000, 3, 4000);
    qp = floe_query_plan_new();
    scan = t_scan(qp, 0, &td.src[0], 2, cols);
    s = t_node(qp, FLOE_PLAN_SORT, 2, scan->types, 1);
    s->children[0] = scan;
    s->u.sort.keys = floe_arena_alloc(qp->arena, sizeof(floe_sort_key));
    s->u.sort.keys[0].col = 1;
    s->u.sort.nkeys = 1;
    s->u.sort.limit = -1;
    qp->root = s;
    cr_assert_eq(t_run(qp, &td.table, 1, 2, 50000, NULL, &res, &err), FLOE_NOMEM);
    cr_assert(strstr(err.msg, "SORT") != NULL, "%s", err.msg);
    tres_free(&res);
    floe_query_plan_free(qp);
    (void)T_BIG;
    td_free(&td);
}
