/* tests/unit/util/test_vec.c: vectors, batches, arena, datetime. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/arena.h"
#include "util/datetime.h"
#include "util/mem.h"
#include "util/types.h"
#include "util/vec.h"

Test(vec, compact_gathers_selected_rows_and_validity)
{
    floe_type t = floe_type_make(FLOE_TYPE_BIGINT);
    floe_batch b;
    uint32_t i;
    cr_assert_eq(floe_batch_init(&b, 1, &t, 0), FLOE_OK);
    for (i = 0; i < 100; i++) FLOE_VEC_DATA(&b.cols[0], int64_t)[i] = i * 10;
    b.n = b.cols[0].n = 100;
    floe_vec_set_null(&b.cols[0], 7);
    b.sel = floe_malloc(3 * sizeof(uint32_t));
    b.sel[0] = 3;
    b.sel[1] = 7;
    b.sel[2] = 99;
    b.nsel = 3;
    cr_assert_eq(floe_batch_compact(&b), FLOE_OK);
    cr_assert_eq(b.n, 3);
    cr_assert_eq(FLOE_VEC_DATA(&b.cols[0], int64_t)[0], 30);
    cr_assert_eq(FLOE_VEC_DATA(&b.cols[0], int64_t)[2], 990);
    cr_assert(floe_vec_is_valid(&b.cols[0], 0));
    cr_assert(!floe_vec_is_valid(&b.cols[0], 1));
    cr_assert(floe_vec_is_valid(&b.cols[0], 2));
    cr_assert_eq(floe_vec_null_count(&b.cols[0]), 1);
    floe_batch_free(&b);
}

Test(arena, pointers_stay_valid_across_growth)
{
    floe_arena *a = floe_arena_new(128);
    char *first = floe_arena_strndup(a, "hello", 5);
    int i;
    for (i = 0; i < 1000; i++) cr_assert_not_null(floe_arena_alloc(a, 100));
    cr_assert_not_null(floe_arena_alloc(a, 100000));
    cr_assert_str_eq(first, "hello");
    floe_arena_free(a);
}

Test(datetime, civil_round_trip_matches_known_days)
{
    int y, m, d;
    int32_t day;
    cr_assert_eq(floe_date_from_ymd(1970, 1, 1), 0);
    cr_assert_eq(floe_date_from_ymd(2000, 3, 1), 11017);
    cr_assert_eq(floe_date_from_ymd(1969, 12, 31), -1);
    for (day = -800000; day < 800000; day += 97) {
        floe_date_to_ymd(day, &y, &m, &d);
        cr_assert_eq(floe_date_from_ymd(y, m, d), day);
    }
}

Test(datetime, timestamp_parse_and_format)
{
    int64_t ts;
    char buf[64];
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_timestamp_parse("2024-01-04 01:40:48.5", 21, &ts, &err), FLOE_OK);
    /* 2024-01-04 = 19726 days */
    cr_assert_eq(ts, 19726LL * 86400000000LL + (1 * 3600 + 40 * 60 + 48) * 1000000LL + 500000);
    floe_timestamp_format(ts, buf, sizeof buf);
    cr_assert_str_eq(buf, "2024-01-04 01:40:48.5");
    cr_assert_eq(floe_timestamp_parse("2024-13-01", 10, &ts, &err), FLOE_PARSE);
    cr_assert(strstr(err.msg, "2024-13-01") != NULL);
}

Test(datetime, interval_spellings_agree)
{
    floe_interval a, b, c;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_interval_parse("1 hour", 6, &a, &err), FLOE_OK);
    cr_assert_eq(floe_interval_from_unit(1, "HOUR", 4, &b, &err), FLOE_OK);
    cr_assert_eq(floe_interval_parse("01:00:00", 8, &c, &err), FLOE_OK);
    cr_assert_eq(a.micros, 3600000000LL);
    cr_assert_eq(b.micros, a.micros);
    cr_assert_eq(c.micros, a.micros);
    cr_assert_eq(floe_interval_parse("90 days", 7, &a, &err), FLOE_OK);
    cr_assert_eq(a.days, 90);
}

Test(datetime, month_arithmetic_clamps_to_month_end)
{
    floe_interval one_month = {1, 0, 0};
    int64_t jan31 = (int64_t)floe_date_from_ymd(2024, 1, 31) * FLOE_MICROS_PER_DAY;
    int64_t r = 0;
    cr_assert(floe_timestamp_add(jan31, one_month, &r));
    cr_assert_eq(r, (int64_t)floe_date_from_ymd(2024, 2, 29) * FLOE_MICROS_PER_DAY);
}

Test(datetime, trunc_and_extract)
{
    int64_t ts = 0;
    floe_err err = FLOE_ERR_INIT;
    floe_timestamp_parse("2024-05-17 13:45:12", 19, &ts, &err);
    cr_assert_eq(floe_timestamp_extract(FLOE_DT_HOUR, ts), 13);
    cr_assert_eq(floe_timestamp_extract(FLOE_DT_MONTH, ts), 5);
    cr_assert_eq(floe_timestamp_extract(FLOE_DT_DOW, ts), 5); /* Friday */
    int64_t tr = 0;
    cr_assert(floe_timestamp_trunc(FLOE_DT_MONTH, ts, &tr));
    cr_assert_eq(tr, (int64_t)floe_date_from_ymd(2024, 5, 1) * FLOE_MICROS_PER_DAY);
    cr_assert(floe_timestamp_trunc(FLOE_DT_WEEK, ts, &tr));
    cr_assert_eq(tr, (int64_t)floe_date_from_ymd(2024, 5, 13) * FLOE_MICROS_PER_DAY);
}

Test(types, parse_names_and_format_values)
{
    floe_type t;
    floe_err err = FLOE_ERR_INIT;
    floe_value v;
    char buf[64];
    cr_assert_eq(floe_type_parse("decimal(12, 2)", 14, &t, &err), FLOE_OK);
    cr_assert_eq(t.id, FLOE_TYPE_DECIMAL);
    cr_assert_eq(t.precision, 12);
    cr_assert_eq(t.scale, 2);
    v.type = t;
    v.is_null = false;
    v.v.i = -1205;
    floe_value_format(&v, buf, sizeof buf);
    cr_assert_str_eq(buf, "-12.05");
    v.type = floe_type_make(FLOE_TYPE_DOUBLE);
    v.v.d = 0.1;
    floe_value_format(&v, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.1");
    cr_assert_eq(floe_type_parse("blob", 4, &t, &err), FLOE_PARSE);
}
