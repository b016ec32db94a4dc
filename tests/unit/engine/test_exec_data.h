/* tests/unit/engine/test_exec_data.h: a random test table (two sources,
 * many morsels) with a plain-C copy of every column for reference results.
 *   col 0 k BIGINT   group key: 0..49, or 10^12 + 0..9, 5% NULL
 *   col 1 v BIGINT   -1000..1000, 10% NULL
 *   col 2 d DOUBLE   integer-valued -500..500, 5% NULL
 *   col 3 s VARCHAR  one of 20 strings, 5% NULL
 *   col 4 i INTEGER  0..99999 (unique-ish), never NULL
 *   col 5 t BIGINT   row number (sorted; for morsel skipping) */
#ifndef FLOE_TEST_EXEC_DATA_H
#define FLOE_TEST_EXEC_DATA_H

#include <stdio.h>

#include "test_exec_util.h"

#define TD_COLS 6

typedef struct tdata {
    uint64_t n;
    int64_t *k, *v, *t;
    double *d;
    floe_string *s;
    int32_t *i;
    uint8_t *nul[TD_COLS];
    char strs[20][24];
    tsrc src[2];
    floe_scan_source ss[2];
    floe_table_scan table;
} tdata;

static const floe_type td_types[TD_COLS] = {
    {FLOE_TYPE_BIGINT, 0, 0}, {FLOE_TYPE_BIGINT, 0, 0},  {FLOE_TYPE_DOUBLE, 0, 0},
    {FLOE_TYPE_VARCHAR, 0, 0}, {FLOE_TYPE_INTEGER, 0, 0}, {FLOE_TYPE_BIGINT, 0, 0}};

__attribute__((unused)) static void td_init(tdata *td, uint64_t n, uint64_t seed, uint32_t morsel_rows)
{
    uint64_t r, h = n / 3;
    uint32_t c, j;
    memset(td, 0, sizeof *td);
    td->n = n;
    td->k = calloc(n + 1, 8);
    td->v = calloc(n + 1, 8);
    td->t = calloc(n + 1, 8);
    td->d = calloc(n + 1, 8);
    td->s = calloc(n + 1, sizeof(floe_string));
    td->i = calloc(n + 1, 4);
    for (c = 0; c < TD_COLS; c++) td->nul[c] = calloc(n + 1, 1);
    for (j = 0; j < 20; j++) snprintf(td->strs[j], sizeof td->strs[j], "str-%02u-%s", j * 7 % 20, j % 3 ? "x" : "longer suffix");
    for (r = 0; r < n; r++) {
        uint64_t x = t_rng(&seed);
        td->k[r] = (x % 10 == 0) ? 1000000000000LL + (int64_t)((x >> 8) % 10) : (int64_t)((x >> 8) % 50);
        td->nul[0][r] = (x >> 20) % 20 == 0;
        td->v[r] = (int64_t)((x >> 24) % 2001) - 1000;
        td->nul[1][r] = (x >> 36) % 10 == 0;
        td->d[r] = (double)((int64_t)((x >> 40) % 1001) - 500);
        td->nul[2][r] = (x >> 50) % 20 == 0;
        x = t_rng(&seed);
        j = (uint32_t)(x % 20);
        td->s[r].ptr = td->strs[j];
        td->s[r].len = (uint32_t)strlen(td->strs[j]);
        td->nul[3][r] = (x >> 8) % 20 == 0;
        td->i[r] = (int32_t)((x >> 16) % 100000);
        td->t[r] = (int64_t)r;
    }
    for (j = 0; j < 2; j++) {
        tsrc *s = &td->src[j];
        uint64_t off = j ? h : 0;
        s->ncols = TD_COLS;
        memcpy(s->types, td_types, sizeof td_types);
        s->data[0] = td->k + off;
        s->data[1] = td->v + off;
        s->data[2] = td->d + off;
        s->data[3] = td->s + off;
        s->data[4] = td->i + off;
        s->data[5] = td->t + off;
        for (c = 0; c < TD_COLS; c++) s->isnull[c] = td->nul[c] + off;
        s->isnull[4] = NULL;
        s->isnull[5] = NULL;
        s->nrows = j ? n - h : h;
        s->morsel_rows = morsel_rows;
        s->batch_rows = 1000;
        td->ss[j].vt = &ts_vt;
        td->ss[j].self = s;
    }
    td->table.sources = td->ss;
    td->table.nsources = 2;
}

__attribute__((unused)) static void td_free(tdata *td)
{
    uint32_t c;
    free(td->k);
    free(td->v);
    free(td->t);
    free(td->d);
    free(td->s);
    free(td->i);
    for (c = 0; c < TD_COLS; c++) free(td->nul[c]);
}

#endif
