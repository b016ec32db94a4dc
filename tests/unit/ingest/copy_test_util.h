/* tests/unit/ingest/copy_test_util.h: in-memory read/write streams for COPY tests. */
#ifndef FLOE_TEST_COPY_UTIL_H
#define FLOE_TEST_COPY_UTIL_H

#include "ingest/convert.h"
#include "util/strbuf.h"

/* Serves `p` in pieces of at most `chunk` bytes, to cross every boundary. */
typedef struct mem_in {
    const char *p;
    size_t n, pos, chunk;
    int reads;
} mem_in;

static inline int mem_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    mem_in *m = ctx;
    size_t k = m->n - m->pos;
    (void)err;
    if (k > cap) k = cap;
    if (m->chunk && k > m->chunk) k = m->chunk;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    m->reads++;
    *out_n = k;
    return FLOE_OK;
}

static inline int sb_write(void *ctx, const char *p, size_t n, floe_err *err)
{
    (void)err;
    floe_strbuf_append(ctx, p, n);
    return FLOE_OK;
}

typedef struct rejects {
    int n;
    uint64_t lines[16];
    uint32_t cols[16];
    char raw[16][128];
    char reason[16][256];
} rejects;

static inline int collect_reject(void *ctx, const floe_reject *r)
{
    rejects *rj = ctx;
    if (rj->n < 16) {
        rj->lines[rj->n] = r->line;
        rj->cols[rj->n] = r->column_no;
        snprintf(rj->raw[rj->n], sizeof rj->raw[0], "%.*s", (int)r->raw_len, r->raw);
        snprintf(rj->reason[rj->n], sizeof rj->reason[0], "%s", r->reason);
    }
    rj->n++;
    return FLOE_OK;
}

/* Random text from an alphabet heavy in CSV/JSON specials, valid UTF-8. */
static inline uint32_t tricky_string(char *buf, uint64_t *seed)
{
    static const char *const pieces[] = {"a", "b", ",", "\"", "\n", "\r\n", "\r", " ", "\\",
                                         "|", "'", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\t", "NULL", "{", "}", "x"};
    uint32_t n = 0, k = (uint32_t)(tu_rand(seed) % 12);
    while (k--) {
        const char *p = pieces[tu_rand(seed) % (sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        memcpy(buf + n, p, l);
        n += (uint32_t)l;
    }
    return n;
}

/* Random batch over all types where VARCHAR values are tricky strings. */
static inline void fill_tricky(floe_batch *b, uint32_t n, uint64_t *seed)
{
    uint32_t c, i;
    char buf[128];
    tu_fill_random(b, n, seed, 5);
    for (c = 0; c < b->ncols; c++) {
        floe_vec *v = &b->cols[c];
        if (v->type.id == FLOE_TYPE_DECIMAL)
            for (i = 0; i < n; i++) FLOE_VEC_DATA(v, int64_t)[i] %= 100000000000LL; /* DECIMAL(12,2) */
        if (v->type.id == FLOE_TYPE_TIMESTAMP)
            for (i = 0; i < n; i++) FLOE_VEC_DATA(v, int64_t)[i] %= 4000000000000000LL;
        if (v->type.id == FLOE_TYPE_INTERVAL)
            for (i = 0; i < n; i++) {
                floe_interval *iv = &FLOE_VEC_DATA(v, floe_interval)[i];
                iv->micros %= 100000000000LL;
            }
        if (v->type.id != FLOE_TYPE_VARCHAR) continue;
        for (i = 0; i < n; i++)
            if (floe_vec_is_valid(v, i)) floe_vec_set_string(v, i, buf, tricky_string(buf, seed));
    }
}

#endif
