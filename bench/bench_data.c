/* bench/bench_data.c: dataset streams, column batches and gen_data-identical CSV. */
#include "bench/bench_data.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "datagen/gen.h"
#include "bench/gen_tpch.h"
#include "util/datetime.h"
#include "util/mem.h"

static const char *const ev_names[] = {"ts", "user_id", "event_type", "country",
                                       "device", "duration_ms", "revenue", "url"};
static const floe_type_id ev_types[] = {FLOE_TYPE_TIMESTAMP, FLOE_TYPE_BIGINT, FLOE_TYPE_VARCHAR,
                                        FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR, FLOE_TYPE_INTEGER,
                                        FLOE_TYPE_DOUBLE, FLOE_TYPE_VARCHAR};
const floe_bench_schema floe_bench_events_schema = {"events", 8, ev_names, ev_types};

static const char *const li_names[] = {
    "l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice",
    "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate",
    "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"};
static const floe_type_id li_types[] = {
    FLOE_TYPE_BIGINT, FLOE_TYPE_BIGINT, FLOE_TYPE_BIGINT, FLOE_TYPE_INTEGER,
    FLOE_TYPE_DOUBLE, FLOE_TYPE_DOUBLE, FLOE_TYPE_DOUBLE, FLOE_TYPE_DOUBLE,
    FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR, FLOE_TYPE_DATE, FLOE_TYPE_DATE,
    FLOE_TYPE_DATE, FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR, FLOE_TYPE_VARCHAR};
const floe_bench_schema floe_bench_lineitem_schema = {"lineitem", 16, li_names, li_types};

#define B FLOE_TYPE_BIGINT
#define I FLOE_TYPE_INTEGER
#define D FLOE_TYPE_DOUBLE
#define V FLOE_TYPE_VARCHAR
#define T FLOE_TYPE_DATE
static const char *const o_names[] = {"o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice",
                                      "o_orderdate", "o_orderpriority", "o_clerk", "o_shippriority",
                                      "o_comment"};
static const floe_type_id o_types[] = {B, B, V, D, T, V, V, I, V};
static const char *const c_names[] = {"c_custkey", "c_name", "c_address", "c_nationkey",
                                      "c_phone", "c_acctbal", "c_mktsegment", "c_comment"};
static const floe_type_id c_types[] = {B, V, V, I, V, D, V, V};
static const char *const p_names[] = {"p_partkey", "p_name", "p_mfgr", "p_brand", "p_type",
                                      "p_size", "p_container", "p_retailprice", "p_comment"};
static const floe_type_id p_types[] = {B, V, V, V, V, I, V, D, V};
static const char *const s_names[] = {"s_suppkey", "s_name", "s_address", "s_nationkey",
                                      "s_phone", "s_acctbal", "s_comment"};
static const floe_type_id s_types[] = {B, V, V, I, V, D, V};
static const char *const ps_names[] = {"ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost",
                                       "ps_comment"};
static const floe_type_id ps_types[] = {B, B, I, D, V};
static const char *const n_names[] = {"n_nationkey", "n_name", "n_regionkey", "n_comment"};
static const floe_type_id n_types[] = {I, V, I, V};
static const char *const r_names[] = {"r_regionkey", "r_name", "r_comment"};
static const floe_type_id r_types[] = {I, V, V};
#undef B
#undef I
#undef D
#undef V
#undef T

static const floe_bench_schema tpch_schemas[] = {
    {"orders", 9, o_names, o_types},   {"customer", 8, c_names, c_types},
    {"part", 9, p_names, p_types},     {"supplier", 7, s_names, s_types},
    {"partsupp", 5, ps_names, ps_types}, {"nation", 4, n_names, n_types},
    {"region", 3, r_names, r_types}};

const floe_bench_schema *floe_bench_schema_find(const char *table)
{
    size_t i;
    if (strcmp(table, "events") == 0) return &floe_bench_events_schema;
    if (strcmp(table, "lineitem") == 0) return &floe_bench_lineitem_schema;
    for (i = 0; i < sizeof tpch_schemas / sizeof tpch_schemas[0]; i++)
        if (strcmp(table, tpch_schemas[i].table) == 0) return &tpch_schemas[i];
    return NULL;
}

static size_t type_width(floe_type_id t)
{
    switch (t) {
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return 4;
    case FLOE_TYPE_VARCHAR: return sizeof(floe_string);
    default: return 8;
    }
}

int floe_bench_batch_init(floe_bench_batch *b, const floe_bench_schema *schema, floe_err *err)
{
    uint32_t c;
    memset(b, 0, sizeof *b);
    b->schema = schema;
    for (c = 0; c < schema->ncols; c++) {
        b->cols[c] = floe_malloc(type_width(schema->types[c]) * FLOE_BENCH_BATCH_ROWS);
        if (b->cols[c] == NULL) {
            floe_bench_batch_free(b);
            return floe_err_nomem(err);
        }
    }
    return FLOE_OK;
}

void floe_bench_batch_free(floe_bench_batch *b)
{
    uint32_t c;
    if (b == NULL) return;
    for (c = 0; c < FLOE_BENCH_MAX_COLS; c++) {
        floe_free(b->cols[c]);
        b->cols[c] = NULL;
    }
    floe_free(b->strings);
    b->strings = NULL;
    b->n = 0;
}

int floe_bench_batch_own_strings(floe_bench_batch *b, floe_err *err)
{
    uint64_t total = 0, off = 0;
    uint32_t c, i;
    char *buf;
    for (c = 0; c < b->schema->ncols; c++)
        if (b->schema->types[c] == FLOE_TYPE_VARCHAR)
            for (i = 0; i < b->n; i++) total += ((floe_string *)b->cols[c])[i].len;
    buf = floe_malloc(total ? (size_t)total : 1);
    if (buf == NULL) return floe_err_nomem(err);
    for (c = 0; c < b->schema->ncols; c++) {
        floe_string *s = b->cols[c];
        if (b->schema->types[c] != FLOE_TYPE_VARCHAR) continue;
        for (i = 0; i < b->n; i++) {
            memcpy(buf + off, s[i].ptr, s[i].len);
            s[i].ptr = buf + off;
            off += s[i].len;
        }
    }
    floe_free(b->strings);
    b->strings = buf;
    return FLOE_OK;
}

uint64_t floe_bench_batch_bytes(const floe_bench_batch *b)
{
    uint64_t bytes = 0;
    uint32_t c, i;
    for (c = 0; c < b->schema->ncols; c++) {
        if (b->schema->types[c] == FLOE_TYPE_VARCHAR) {
            const floe_string *s = b->cols[c];
            for (i = 0; i < b->n; i++) bytes += s[i].len;
        } else {
            bytes += (uint64_t)type_width(b->schema->types[c]) * b->n;
        }
    }
    return bytes;
}

/* ---- CSV rendering, as gen_data.c writes it ---- */

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* a decimal with two digits; the double holds cents / 100 exactly rounded */
static char *put_cents(char *p, double x)
{
    int64_t c = llround(x * 100.0);
    int f;
    if (c < 0) {
        *p++ = '-';
        c = -c;
    }
    p = put_u64(p, (uint64_t)(c / 100));
    *p++ = '.';
    f = (int)(c % 100);
    *p++ = (char)('0' + f / 10);
    *p++ = (char)('0' + f % 10);
    return p;
}

char *floe_bench_put_date(char *p, int32_t days)
{
    int y, m, d;
    floe_date_to_ymd(days, &y, &m, &d);
    p[0] = (char)('0' + y / 1000);
    p[1] = (char)('0' + y / 100 % 10);
    p[2] = (char)('0' + y / 10 % 10);
    p[3] = (char)('0' + y % 10);
    p[4] = '-';
    p[5] = (char)('0' + m / 10);
    p[6] = (char)('0' + m % 10);
    p[7] = '-';
    p[8] = (char)('0' + d / 10);
    p[9] = (char)('0' + d % 10);
    return p + 10;
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* ts in µs, rendered at millisecond precision: YYYY-MM-DD HH:MM:SS.mmm */
char *floe_bench_put_ts(char *p, int64_t us)
{
    int64_t ms = us / 1000;
    int64_t day = ms / 86400000LL, msd = ms % 86400000LL;
    int frac;
    if (msd < 0) {
        msd += 86400000LL;
        day--;
    }
    p = floe_bench_put_date(p, (int32_t)day);
    *p++ = ' ';
    p = put2(p, (int)(msd / 3600000));
    *p++ = ':';
    p = put2(p, (int)(msd / 60000 % 60));
    *p++ = ':';
    p = put2(p, (int)(msd / 1000 % 60));
    *p++ = '.';
    frac = (int)(msd % 1000);
    *p++ = (char)('0' + frac / 100);
    return put2(p, frac % 100);
}

static char *put_str(char *p, floe_string s)
{
    memcpy(p, s.ptr, s.len);
    return p + s.len;
}

int floe_bench_batch_write_csv(const floe_bench_batch *b, FILE *f, floe_err *err)
{
    char line[1024];
    uint32_t i, c;
    for (i = 0; i < b->n; i++) {
        char *p = line;
        for (c = 0; c < b->schema->ncols; c++) {
            const void *col = b->cols[c];
            if (c) *p++ = ',';
            switch (b->schema->types[c]) {
            case FLOE_TYPE_TIMESTAMP: p = floe_bench_put_ts(p, ((const int64_t *)col)[i]); break;
            case FLOE_TYPE_BIGINT: p = put_u64(p, (uint64_t)((const int64_t *)col)[i]); break;
            case FLOE_TYPE_INTEGER: p = put_u64(p, (uint64_t)((const int32_t *)col)[i]); break;
            case FLOE_TYPE_DATE: p = floe_bench_put_date(p, ((const int32_t *)col)[i]); break;
            case FLOE_TYPE_VARCHAR: p = put_str(p, ((const floe_string *)col)[i]); break;
            case FLOE_TYPE_DOUBLE: {
                double x = ((const double *)col)[i];
                /* l_quantity is a whole number in gen_data's text; money has cents */
                if (strcmp(b->schema->names[c], "l_quantity") == 0)
                    p = put_u64(p, (uint64_t)llround(x));
                else
                    p = put_cents(p, x);
                break;
            }
            default: return floe_err_set(err, FLOE_TYPE, "csv: unexpected column type");
            }
        }
        *p++ = '\n';
        if (fwrite(line, 1, (size_t)(p - line), f) != (size_t)(p - line))
            return floe_err_set(err, FLOE_IOERR, "csv write: %s", strerror(errno));
    }
    return FLOE_OK;
}

/* ---- streams ---- */

struct floe_bench_data {
    const floe_bench_schema *schema;
    int64_t rows, done;
    floe_gen_events *ev;
    floe_gen_tpch *li;
    floe_gen_tpch_table *tt;
};

int floe_bench_data_new(const char *table, double size, uint64_t seed, floe_bench_data **out,
                        floe_err *err)
{
    floe_bench_data *d;
    *out = NULL;
    if (floe_bench_schema_find(table) == NULL)
        return floe_err_set(err, FLOE_MISUSE, "unknown dataset '%s'", table);
    if (!(size > 0)) return floe_err_set(err, FLOE_RANGE, "dataset %s: size must be > 0", table);
    d = floe_calloc(1, sizeof *d);
    if (d == NULL) return floe_err_nomem(err);
    d->schema = floe_bench_schema_find(table);
    if (d->schema == &floe_bench_events_schema) {
        d->rows = (int64_t)llround(size);
        d->ev = floe_gen_events_new(d->rows, seed ? seed : FLOE_BENCH_EVENTS_SEED);
        if (d->ev == NULL) goto nomem;
    } else if (d->schema == &floe_bench_lineitem_schema) {
        d->li = floe_gen_tpch_new(size, seed ? seed : FLOE_GEN_TPCH_SEED);
        if (d->li == NULL) goto nomem;
        d->rows = floe_gen_tpch_rows(d->li);
    } else {
        d->tt = floe_gen_tpch_table_new(table, size, seed ? seed : FLOE_GEN_TPCH_SEED);
        if (d->tt == NULL) goto nomem;
        d->rows = floe_gen_tpch_table_rows(d->tt);
    }
    *out = d;
    return FLOE_OK;
nomem:
    floe_bench_data_free(d);
    return floe_err_nomem(err);
}

void floe_bench_data_free(floe_bench_data *d)
{
    if (d == NULL) return;
    if (d->ev) floe_gen_events_free(d->ev);
    floe_gen_tpch_free(d->li);
    floe_gen_tpch_table_free(d->tt);
    floe_free(d);
}

const floe_bench_schema *floe_bench_data_schema(const floe_bench_data *d) { return d->schema; }
int64_t floe_bench_data_rows(const floe_bench_data *d) { return d->rows; }

uint32_t floe_bench_data_next(floe_bench_data *d, floe_bench_batch *b, uint32_t max)
{
    uint32_t n = max > FLOE_BENCH_BATCH_ROWS ? FLOE_BENCH_BATCH_ROWS : max;
    if (d->rows >= 0 && (int64_t)n > d->rows - d->done) n = (uint32_t)(d->rows - d->done);
    if (n == 0) {
        b->n = 0;
        return 0;
    }
    if (d->ev)
        floe_gen_events_columns(d->ev, n, b->cols);
    else if (d->li)
        n = floe_gen_tpch_lineitem(d->li, n, b->cols);
    else
        n = floe_gen_tpch_table_next(d->tt, n, b->cols);
    d->done += n;
    b->n = n;
    return n;
}

int floe_bench_data_write_csv(const char *table, double size, uint64_t seed, const char *path,
                              uint64_t *out_bytes, floe_err *err)
{
    floe_bench_data *d = NULL;
    floe_bench_batch b;
    FILE *f = NULL;
    uint32_t c;
    int rc;
    long pos;

    memset(&b, 0, sizeof b);
    if ((rc = floe_bench_data_new(table, size, seed, &d, err)) != FLOE_OK) return rc;
    if ((rc = floe_bench_batch_init(&b, d->schema, err)) != FLOE_OK) goto out;
    f = fopen(path, "wb");
    if (f == NULL) {
        rc = floe_err_set(err, FLOE_IOERR, "open %s: %s", path, strerror(errno));
        goto out;
    }
    for (c = 0; c < d->schema->ncols; c++) {
        fputs(d->schema->names[c], f);
        fputc(c + 1 < d->schema->ncols ? ',' : '\n', f);
    }
    while (floe_bench_data_next(d, &b, FLOE_BENCH_BATCH_ROWS) > 0)
        if ((rc = floe_bench_batch_write_csv(&b, f, err)) != FLOE_OK) goto out;
    pos = ftell(f);
    if (out_bytes) *out_bytes = pos > 0 ? (uint64_t)pos : 0;
out:
    if (f != NULL && fclose(f) != 0 && rc == FLOE_OK)
        rc = floe_err_set(err, FLOE_IOERR, "close %s: %s", path, strerror(errno));
    floe_bench_batch_free(&b);
    floe_bench_data_free(d);
    return rc;
}
