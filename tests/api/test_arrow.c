/* tests/api/test_arrow.c: floe_result_arrow checked against the Arrow C Data
 * Interface specification by a consumer written from the spec alone: it
 * reads each child's format string, validity bitmap and buffers as the spec
 * lays them out, renders every value, and must agree with floe's own
 * getters on every cell of a result holding every type and NULLs over
 * several chunks. Release semantics: a child moved out of the struct
 * survives its parent's release; releasing twice is not needed (release is
 * NULL afterwards); ASan/LSan runs prove nothing leaks. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe.h"
#include "tests/api/api_test_util.h"

/* ---- the consumer (spec only) ---- */

static bool valid(const struct ArrowArray *a, int64_t i)
{
    const uint8_t *bits = a->buffers[0];
    int64_t j = i + a->offset;
    if (a->null_count == 0 || bits == NULL) return true;
    return (bits[j >> 3] >> (j & 7)) & 1;
}

/* Render value i of array a with schema s; NULL -> "NULL". */
static void render(const struct ArrowSchema *s, const struct ArrowArray *a, int64_t i, char *out, size_t cap)
{
    const char *f = s->format;
    int64_t j = i + a->offset;
    if (!valid(a, i) || !strcmp(f, "n")) {
        snprintf(out, cap, "NULL");
        return;
    }
    if (!strcmp(f, "b")) {
        const uint8_t *b = a->buffers[1];
        snprintf(out, cap, "%s", (b[j >> 3] >> (j & 7)) & 1 ? "true" : "false");
    } else if (!strcmp(f, "i")) {
        snprintf(out, cap, "%" PRId32, ((const int32_t *)a->buffers[1])[j]);
    } else if (!strcmp(f, "l")) {
        snprintf(out, cap, "%" PRId64, ((const int64_t *)a->buffers[1])[j]);
    } else if (!strcmp(f, "g")) {
        snprintf(out, cap, "%.17g", ((const double *)a->buffers[1])[j]);
    } else if (!strncmp(f, "d:", 2)) {
        int p, sc;
        const uint8_t *d = (const uint8_t *)a->buffers[1] + j * 16;
        int64_t lo, hi;
        cr_assert_eq(sscanf(f, "d:%d,%d", &p, &sc), 2, "%s", f);
        memcpy(&lo, d, 8);
        memcpy(&hi, d + 8, 8);
        cr_assert_eq(hi, lo < 0 ? -1 : 0, "128-bit sign extension");
        snprintf(out, cap, "dec%" PRId64 "e-%d", lo, sc);
    } else if (!strcmp(f, "u")) {
        const int32_t *off = a->buffers[1];
        const char *data = a->buffers[2];
        snprintf(out, cap, "%.*s", (int)(off[j + 1] - off[j]), data + off[j]);
    } else if (!strcmp(f, "tdD")) {
        snprintf(out, cap, "day%" PRId32, ((const int32_t *)a->buffers[1])[j]);
    } else if (!strcmp(f, "tsu:")) {
        snprintf(out, cap, "us%" PRId64, ((const int64_t *)a->buffers[1])[j]);
    } else if (!strcmp(f, "tin")) {
        const uint8_t *d = (const uint8_t *)a->buffers[1] + j * 16;
        int32_t m, dd;
        int64_t ns;
        memcpy(&m, d, 4);
        memcpy(&dd, d + 4, 4);
        memcpy(&ns, d + 8, 8);
        snprintf(out, cap, "iv%d/%d/%" PRId64, m, dd, ns);
    } else {
        cr_assert_fail("unexpected format %s", f);
    }
}

/* The same value through floe's getters, rendered like the consumer. */
static void expect(floe_result *res, uint32_t c, uint64_t row, char *out, size_t cap)
{
    floe_type_id t = floe_result_column_type(res, c);
    if (floe_value_is_null(res, c, row)) {
        snprintf(out, cap, "NULL");
        return;
    }
    switch (t) {
    case FLOE_TYPE_BOOLEAN: snprintf(out, cap, "%s", floe_value_int64(res, c, row) ? "true" : "false"); break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT: snprintf(out, cap, "%" PRId64, floe_value_int64(res, c, row)); break;
    case FLOE_TYPE_DOUBLE: snprintf(out, cap, "%.17g", floe_value_double(res, c, row)); break;
    case FLOE_TYPE_DECIMAL: {
        int p, s;
        const void *data;
        uint32_t n;
        floe_result_column_decimal(res, c, &p, &s);
        floe_result_column_data(res, row / floe_result_chunk_size(), c, &n, &data, NULL);
        snprintf(out, cap, "dec%" PRId64 "e-%d", ((const int64_t *)data)[row % floe_result_chunk_size()], s);
        break;
    }
    case FLOE_TYPE_VARCHAR: {
        floe_string s = floe_value_string(res, c, row);
        snprintf(out, cap, "%.*s", (int)s.len, s.ptr);
        break;
    }
    case FLOE_TYPE_DATE: snprintf(out, cap, "day%" PRId64, floe_value_int64(res, c, row)); break;
    case FLOE_TYPE_TIMESTAMP: snprintf(out, cap, "us%" PRId64, floe_value_int64(res, c, row)); break;
    case FLOE_TYPE_INTERVAL: {
        const void *data;
        uint32_t n;
        const floe_interval *iv;
        floe_result_column_data(res, row / floe_result_chunk_size(), c, &n, &data, NULL);
        iv = (const floe_interval *)data + row % floe_result_chunk_size();
        snprintf(out, cap, "iv%d/%d/%" PRId64, iv->months, iv->days, iv->micros * 1000);
        break;
    }
    default: snprintf(out, cap, "?"); break;
    }
}

Test(arrow, every_type_every_chunk_matches_the_getters)
{
    floe_db *db;
    floe_result *res;
    struct ArrowSchema sch;
    uint64_t chunk, row = 0;
    const char *want_formats[] = {"b", "i", "l", "g", "d:12,2", "u", "tdD", "tsu:", "tin"};
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    res = query_ok(db, "SELECT CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END AS b, i::INTEGER AS i, "
                       "CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000000007 END AS big, i / 4.0 AS d, "
                       "((i - 2500) / 8.0)::DECIMAL(12,2) AS dec, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i END AS s, "
                       "DATE '2024-01-01' + (i % 400)::INTEGER AS day, "
                       "epoch_ms(i * 1000 - 60000) AS ts, "
                       "CASE WHEN i % 2 = 0 THEN INTERVAL '90 minutes' ELSE INTERVAL '1 month 3 days' END AS iv "
                       "FROM range(5000) t(i)");
    cr_assert_eq(floe_result_chunk_count(res), 3);
    cr_assert_eq(floe_result_arrow(res, 0, &sch, NULL), FLOE_OK);
    cr_assert_str_eq(sch.format, "+s");
    cr_assert_eq(sch.n_children, 9);
    for (int c = 0; c < 9; c++) {
        cr_assert_str_eq(sch.children[c]->format, want_formats[c], "column %d", c);
        cr_assert_str_eq(sch.children[c]->name, floe_result_column_name(res, (uint32_t)c));
        cr_assert(sch.children[c]->flags & ARROW_FLAG_NULLABLE);
    }
    for (chunk = 0; chunk < floe_result_chunk_count(res); chunk++) {
        struct ArrowArray arr;
        cr_assert_eq(floe_result_arrow(res, chunk, NULL, &arr), FLOE_OK);
        cr_assert_str_eq(sch.format, "+s");
        cr_assert_eq(arr.n_children, 9);
        cr_assert_eq(arr.n_buffers, 1);
        cr_assert_eq(arr.offset, 0);
        for (int c = 0; c < 9; c++) {
            const struct ArrowArray *a = arr.children[c];
            int64_t nulls = 0;
            cr_assert_eq(a->length, arr.length);
            cr_assert_eq(a->n_buffers, !strcmp(want_formats[c], "u") ? 3 : 2);
            for (int64_t i = 0; i < a->length; i++) {
                char got[256], want[256];
                render(sch.children[c], a, i, got, sizeof got);
                expect(res, (uint32_t)c, row + (uint64_t)i, want, sizeof want);
                cr_assert_str_eq(got, want, "chunk %llu column %d row %lld", (unsigned long long)chunk, c,
                                 (long long)i);
                nulls += !valid(a, i);
            }
            cr_assert_eq(nulls, a->null_count, "column %d null_count", c);
        }
        row += (uint64_t)arr.length;
        arr.release(&arr);
        cr_assert_null(arr.release);
    }
    cr_assert_eq(row, 5000);
    sch.release(&sch);
    cr_assert_null(sch.release);
    cr_assert_eq(floe_result_arrow(res, 3, NULL, NULL), FLOE_OK); /* nothing asked */
    {
        struct ArrowArray arr;
        cr_assert_eq(floe_result_arrow(res, 3, NULL, &arr), FLOE_MISUSE);
        cr_assert_null(arr.release);
    }
    floe_result_free(res);
    floe_db_close(db);
}

Test(arrow, a_moved_child_outlives_the_result_and_its_parent)
{
    floe_db *db;
    floe_result *res;
    struct ArrowArray arr, moved;
    struct ArrowSchema sch, msch;
    char got[64];
    cr_assert_eq(floe_db_open(NULL, 0, &db), FLOE_OK);
    res = query_ok(db, "SELECT 'hello' || i AS s, i FROM range(3) t(i)");
    cr_assert_eq(floe_result_arrow(res, 0, &sch, &arr), FLOE_OK);
    floe_result_free(res); /* the export does not borrow from the result */
    floe_db_close(db);
    moved = *arr.children[0]; /* move the child out, per the spec */
    arr.children[0]->release = NULL;
    msch = *sch.children[0];
    sch.children[0]->release = NULL;
    arr.release(&arr);
    sch.release(&sch);
    render(&msch, &moved, 2, got, sizeof got);
    cr_assert_str_eq(got, "hello2");
    moved.release(&moved);
    msch.release(&msch);
}
