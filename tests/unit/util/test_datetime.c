/* tests/unit/util/test_datetime.c: range checks of util/datetime at the edges.
 *
 * Expected values are computed independently of datetime.c: INT64_MAX
 * micros = 106751991 days + 14454775807 us (04:00:54.775807), and day
 * 106751991 after 1970-01-01 is 294247-01-10 (the TIMESTAMP bound DuckDB
 * and PostgreSQL document); INT64_MIN = -106751992 days + 71945224192 us
 * (19:59:05.224192) on -290308-12-21. Unit limits are INT64_MAX / micros
 * per unit and INT32_MAX / units per month or day, done by hand below. */
#include <criterion/criterion.h>
#include <string.h>

#include "util/datetime.h"

static int parse_iv(const char *s, floe_interval *iv)
{
    floe_err err = FLOE_ERR_INIT;
    return floe_interval_parse(s, strlen(s), iv, &err);
}

static void assert_iv(const char *s, int32_t months, int32_t days, int64_t micros)
{
    floe_interval iv;
    cr_assert_eq(parse_iv(s, &iv), FLOE_OK, "%s", s);
    cr_assert(iv.months == months && iv.days == days && iv.micros == micros,
              "%s: got %d months %d days %lld micros", s, iv.months, iv.days, (long long)iv.micros);
}

static void assert_iv_range(const char *s)
{
    floe_interval iv;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_interval_parse(s, strlen(s), &iv, &err), FLOE_RANGE, "%s", s);
    cr_assert(strstr(err.msg, "interval out of range") != NULL, "%s: %s", s, err.msg);
}

Test(datetime_range, interval_units_at_their_last_count)
{
    /* micros: INT64_MAX = 9223372036854775807 */
    assert_iv("9223372036854775807 us", 0, 0, INT64_MAX);
    assert_iv_range("9223372036854775808 us");
    assert_iv("-9223372036854775807 us", 0, 0, -INT64_MAX);
    /* 9223372036854775807 / 1000 = 9223372036854775 ms */
    assert_iv("9223372036854775 ms", 0, 0, 9223372036854775000LL);
    assert_iv_range("9223372036854776 ms");
    /* / 10^6 = 9223372036854 s; / 6e7 = 153722867280 min; / 3.6e9 = 2562047788 h */
    assert_iv("9223372036854 seconds", 0, 0, 9223372036854000000LL);
    assert_iv_range("9223372036855 seconds");
    assert_iv("153722867280 minutes", 0, 0, 153722867280LL * 60000000LL);
    assert_iv_range("153722867281 minutes");
    assert_iv("2562047788 hours", 0, 0, 2562047788LL * 3600000000LL);
    assert_iv_range("2562047789 hours");
    /* days: INT32_MAX = 2147483647; weeks: 2147483647 / 7 = 306783378 */
    assert_iv("2147483647 days", 0, INT32_MAX, 0);
    assert_iv("-2147483648 days", 0, INT32_MIN, 0);
    assert_iv_range("2147483648 days");
    assert_iv("306783378 weeks", 0, 306783378 * 7, 0);
    assert_iv_range("306783379 weeks");
    /* months: years 2147483647 / 12 = 178956970 r 7; decades / 120 = 17895697 */
    assert_iv("178956970 years 7 months", 178956970 * 12 + 7, 0, 0);
    assert_iv_range("178956970 years 8 months");
    assert_iv("17895697 decades", 17895697 * 120, 0, 0);
    assert_iv_range("17895698 decades");
    assert_iv_range("555555555555555555 seconds"); /* the value */
    assert_iv_range("99999999999999999999999 days"); /* longer than int64 */
    assert_iv_range("1234567890123456789");          /* 19 digits: one count */
    assert_iv_range("2562047788:00:54.775808");
    assert_iv("2562047788:00:54.775807", 0, 0, INT64_MAX);
    /* sums of parts overflow too, in either direction */
    assert_iv_range("2147483647 days 1 day");
    assert_iv("2147483647 days -1 day", 0, INT32_MAX - 1, 0);
    assert_iv_range("-9223372036854775807 us -2 us");
}

Test(datetime_range, interval_forms_and_fractions)
{
    assert_iv("1 day 2 hours", 0, 1, 2 * 3600000000LL);
    assert_iv("2 minutes 30 seconds", 0, 0, 150000000LL);
    assert_iv("-01:02:03.5", 0, 0, -(3723 * 1000000LL + 500000));
    assert_iv("90", 0, 0, 90000000LL);
    assert_iv("1.5 days", 0, 1, 12 * 3600000000LL);
    assert_iv("1.5 months", 1, 15, 0);  /* a month is 30 days */
    assert_iv("1.25 years", 15, 0, 0);  /* 15 months */
    assert_iv("-1.5 hours", 0, 0, -5400000000LL);
    assert_iv("1.5 minutes", 0, 0, 90000000LL);
}

Test(datetime_range, interval_from_unit_checks_the_count)
{
    floe_interval iv;
    floe_err err = FLOE_ERR_INIT;
    cr_assert_eq(floe_interval_from_unit(INT64_MIN, "microseconds", 12, &iv, &err), FLOE_OK);
    cr_assert_eq(iv.micros, INT64_MIN);
    cr_assert_eq(floe_interval_from_unit(INT64_MIN, "seconds", 7, &iv, &err), FLOE_RANGE);
    cr_assert_eq(floe_interval_from_unit(INT64_MAX, "day", 3, &iv, &err), FLOE_RANGE);
    cr_assert_eq(floe_interval_from_unit(INT32_MIN, "day", 3, &iv, &err), FLOE_OK);
    cr_assert_eq(iv.days, INT32_MIN);
}

Test(datetime_range, timestamp_parse_bounds)
{
    floe_err err = FLOE_ERR_INIT;
    int64_t ts = 0;
    const char *max = "294247-01-10 04:00:54.775807", *min = "-290308-12-21 19:59:05.224192";
    cr_assert_eq(floe_timestamp_parse(max, strlen(max), &ts, &err), FLOE_OK);
    cr_assert_eq(ts, INT64_MAX);
    cr_assert_eq(floe_timestamp_parse(min, strlen(min), &ts, &err), FLOE_OK);
    cr_assert_eq(ts, INT64_MIN);
    cr_assert_eq(floe_timestamp_parse("294247-01-10 04:00:54.775808", 28, &ts, &err), FLOE_RANGE);
    cr_assert(strstr(err.msg, "timestamp out of range") != NULL, "%s", err.msg);
    cr_assert_eq(floe_timestamp_parse("-290308-12-21 19:59:05.224191", 29, &ts, &err), FLOE_RANGE);
    cr_assert_eq(floe_timestamp_parse("999999-12-31", 12, &ts, &err), FLOE_RANGE);
    /* the largest date still fits as a DATE: day 106751991 is 294247-01-10 */
    cr_assert_eq(floe_date_from_ymd(294247, 1, 10), 106751991);
    cr_assert(floe_date_to_timestamp(106751991, &ts));
    cr_assert_eq(ts, 106751991LL * 86400000000LL);
    cr_assert(!floe_date_to_timestamp(106751992, &ts));
    cr_assert(!floe_date_to_timestamp(INT32_MIN, &ts));
}

Test(datetime_range, timestamp_arithmetic_stops_at_the_bounds)
{
    int64_t r = 0;
    floe_interval us = {0, 0, 1}, day = {0, 1, 0}, month = {1, 0, 0}, big = {INT32_MAX, 0, 0};
    floe_interval back = {0, 1, -86400000000LL}; /* +1 day -1 day: only the total counts */
    cr_assert(floe_timestamp_add(INT64_MAX - 1, us, &r));
    cr_assert_eq(r, INT64_MAX);
    cr_assert(!floe_timestamp_add(INT64_MAX, us, &r));
    cr_assert(floe_timestamp_add(INT64_MAX, back, &r));
    cr_assert_eq(r, INT64_MAX);
    cr_assert(floe_timestamp_add(INT64_MAX - 86400000000LL, day, &r));
    cr_assert_eq(r, INT64_MAX);
    cr_assert(!floe_timestamp_add(INT64_MAX - 86400000000LL + 1, day, &r));
    cr_assert(!floe_timestamp_add(0, big, &r));
    /* 294246-12-10 + 1 month = 294247-01-10, the last day */
    cr_assert(floe_timestamp_add((int64_t)floe_date_from_ymd(294246, 12, 10) * 86400000000LL, month, &r));
    cr_assert_eq(r, 106751991LL * 86400000000LL);
    cr_assert(!floe_timestamp_add((int64_t)floe_date_from_ymd(294246, 12, 11) * 86400000000LL, month, &r));
}

Test(datetime_range, interval_and_date_helpers)
{
    floe_interval r;
    floe_interval min = {INT32_MIN, 0, 0}, one = {1, 1, 1}, top = {0, 0, INT64_MAX};
    int32_t d;
    cr_assert(!floe_interval_neg(min, &r));
    cr_assert(!floe_interval_add(top, one, &r));
    cr_assert(floe_interval_add(one, one, &r));
    cr_assert(r.months == 2 && r.days == 2 && r.micros == 2);
    cr_assert(floe_timestamp_diff(INT64_MAX, 0, &r));
    cr_assert(r.months == 0 && r.days == 106751991 && r.micros == 14454775807LL);
    cr_assert(!floe_timestamp_diff(INT64_MAX, -1, &r));
    cr_assert(floe_date_add_days(INT32_MAX - 1, 1, &d));
    cr_assert_eq(d, INT32_MAX);
    cr_assert(!floe_date_add_days(INT32_MAX, 1, &d));
    cr_assert(!floe_date_add_days(0, INT64_MIN, &d));
}

Test(datetime_range, trunc_and_bucket_below_the_first_instant)
{
    int64_t r = 0;
    floe_interval wide = {0, INT32_MAX, 0}, day = {0, 1, 0};
    cr_assert(floe_timestamp_trunc(FLOE_DT_MICROSECOND, INT64_MIN, &r));
    cr_assert_eq(r, INT64_MIN);
    cr_assert(!floe_timestamp_trunc(FLOE_DT_SECOND, INT64_MIN, &r));
    cr_assert(!floe_timestamp_trunc(FLOE_DT_YEAR, INT64_MIN, &r));
    cr_assert(floe_timestamp_trunc(FLOE_DT_DAY, INT64_MAX, &r));
    cr_assert_eq(r, 106751991LL * 86400000000LL);
    /* origin 2000-01-03 = day 10959; a 2^31-day bucket before it starts
     * 1.855e20 us earlier: below INT64_MIN */
    cr_assert(!floe_time_bucket(wide, 0, &r));
    cr_assert(floe_time_bucket(wide, 10959LL * 86400000000LL, &r));
    cr_assert_eq(r, 10959LL * 86400000000LL);
    cr_assert(floe_time_bucket(day, INT64_MAX, &r));
    cr_assert_eq(r, 106751991LL * 86400000000LL);
    cr_assert(!floe_time_bucket(day, INT64_MIN, &r));
}

Test(datetime_range, interval_format_of_the_extremes)
{
    char buf[128];
    floe_interval lo = {INT32_MIN, INT32_MIN, INT64_MIN};
    floe_interval_format(lo, buf, sizeof buf);
    /* -2147483648 months = -178956970 years -8 months; INT64_MIN us =
     * -(2562047788 h 0 min 54.775808 s) */
    cr_assert_str_eq(buf, "-178956970 years -8 months -2147483648 days -2562047788:00:54.775808");
}
