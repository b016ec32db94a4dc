/* util/datetime.c: calendar arithmetic (proleptic Gregorian, UTC).
 * Day/civil conversions follow Howard Hinnant's days_from_civil algorithms. */
#include "util/datetime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Days since 1970-01-01 in 64 bits: exact for any |y| < 2^40, so callers
 * can range-check the result instead of wrapping. */
static int64_t days_from_ymd64(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int32_t floe_date_from_ymd(int y, int m, int d) { return (int32_t)days_from_ymd64(y, m, d); }

static bool fits_i64(__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

/* days * 1 day + tod as a TIMESTAMP; false when it leaves int64. In 128
 * bits: the first day of the range starts below INT64_MIN. */
static bool ts_compose(int64_t days, int64_t tod, int64_t *out)
{
    __int128 r = (__int128)days * FLOE_MICROS_PER_DAY + tod;
    if (!fits_i64(r)) return false;
    *out = (int64_t)r;
    return true;
}

bool floe_date_to_timestamp(int32_t d, int64_t *out) { return ts_compose(d, 0, out); }

void floe_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Read up to maxd digits at s[*i]; at least mind. */
static int read_num(const char *s, size_t n, size_t *i, int mind, int maxd, int64_t *out)
{
    int k = 0;
    int64_t v = 0;
    while (*i < n && k < maxd && isdigit((unsigned char)s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    *out = v;
    return k >= mind;
}

static void skip_ws(const char *s, size_t n, size_t *i)
{
    while (*i < n && isspace((unsigned char)s[*i])) (*i)++;
}

static int parse_date_part(const char *s, size_t n, size_t *i, int32_t *out)
{
    int64_t y, m, d;
    int neg = 0;
    if (*i < n && s[*i] == '-') {
        neg = 1;
        (*i)++;
    }
    if (!read_num(s, n, i, 1, 6, &y) || *i >= n || s[*i] != '-') return 0;
    (*i)++;
    if (!read_num(s, n, i, 1, 2, &m) || *i >= n || s[*i] != '-') return 0;
    (*i)++;
    if (!read_num(s, n, i, 1, 2, &d)) return 0;
    if (neg) y = -y;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month((int)y, (int)m)) return 0;
    *out = floe_date_from_ymd((int)y, (int)m, (int)d);
    return 1;
}

int floe_date_parse(const char *s, size_t n, int32_t *out, floe_err *err)
{
    size_t i = 0;
    skip_ws(s, n, &i);
    if (!parse_date_part(s, n, &i, out)) goto bad;
    skip_ws(s, n, &i);
    if (i != n) goto bad;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE, "invalid DATE '%.*s' (expected YYYY-MM-DD)",
                        (int)(n > 64 ? 64 : n), s);
}

int floe_timestamp_parse(const char *s, size_t n, int64_t *out, floe_err *err)
{
    size_t i = 0;
    int32_t days;
    int64_t hh = 0, mi = 0, ss = 0, frac = 0, tz = 0;
    skip_ws(s, n, &i);
    if (!parse_date_part(s, n, &i, &days)) goto bad;
    if (i < n && (s[i] == ' ' || s[i] == 'T' || s[i] == 't')) {
        size_t save = i;
        i++;
        skip_ws(s, n, &i);
        if (i < n && isdigit((unsigned char)s[i])) {
            if (!read_num(s, n, &i, 1, 2, &hh) || i >= n || s[i] != ':') goto bad;
            i++;
            if (!read_num(s, n, &i, 1, 2, &mi)) goto bad;
            if (i < n && s[i] == ':') {
                i++;
                if (!read_num(s, n, &i, 1, 2, &ss)) goto bad;
                if (i < n && s[i] == '.') {
                    int k = 0;
                    i++;
                    while (i < n && isdigit((unsigned char)s[i])) {
                        if (k < 6) {
                            frac = frac * 10 + (s[i] - '0');
                            k++;
                        }
                        i++;
                    }
                    if (k == 0) goto bad;
                    while (k < 6) {
                        frac *= 10;
                        k++;
                    }
                }
            }
            if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss || frac))) goto bad;
        } else {
            i = save;
        }
    }
    skip_ws(s, n, &i);
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1;
        int64_t th = 0, tm = 0;
        i++;
        if (!read_num(s, n, &i, 1, 2, &th)) goto bad;
        if (i < n && s[i] == ':') i++;
        read_num(s, n, &i, 0, 2, &tm);
        tz = sign * (th * 3600 + tm * 60) * FLOE_MICROS_PER_SEC;
    }
    skip_ws(s, n, &i);
    if (i != n) goto bad;
    /* the time of day and zone are small; only the day count can overflow */
    if (!ts_compose(days, (hh * 3600 + mi * 60 + ss) * FLOE_MICROS_PER_SEC + frac - tz, out))
        return floe_err_set(err, FLOE_RANGE, "timestamp out of range: '%.*s'",
                            (int)(n > 64 ? 64 : n), s);
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE,
                        "invalid TIMESTAMP '%.*s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])",
                        (int)(n > 64 ? 64 : n), s);
}

/* Interval units: how one unit splits into months, days and micros (exactly
 * one of them is non-zero). */
typedef struct iv_unit {
    int64_t months, days, micros;
} iv_unit;

static bool unit_lookup(const char *u, size_t ul, iv_unit *out)
{
    char w[16];
    size_t k;
    memset(out, 0, sizeof *out);
    if (ul == 0 || ul >= sizeof w) return false;
    for (k = 0; k < ul; k++) w[k] = (char)tolower((unsigned char)u[k]);
    w[ul] = '\0';
    if (ul > 1 && w[ul - 1] == 's' && strcmp(w, "s") != 0 && strcmp(w, "ms") != 0 &&
        strcmp(w, "us") != 0)
        w[ul - 1] = '\0'; /* plural */
    if (!strcmp(w, "microsecond") || !strcmp(w, "us") || !strcmp(w, "usec"))
        out->micros = 1;
    else if (!strcmp(w, "millisecond") || !strcmp(w, "ms") || !strcmp(w, "msec"))
        out->micros = 1000;
    else if (!strcmp(w, "second") || !strcmp(w, "s") || !strcmp(w, "sec"))
        out->micros = FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "minute") || !strcmp(w, "m") || !strcmp(w, "min"))
        out->micros = 60 * FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "hour") || !strcmp(w, "h") || !strcmp(w, "hr"))
        out->micros = 3600 * FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "day") || !strcmp(w, "d"))
        out->days = 1;
    else if (!strcmp(w, "week") || !strcmp(w, "w"))
        out->days = 7;
    else if (!strcmp(w, "month") || !strcmp(w, "mon"))
        out->months = 1;
    else if (!strcmp(w, "quarter"))
        out->months = 3;
    else if (!strcmp(w, "year") || !strcmp(w, "y") || !strcmp(w, "yr"))
        out->months = 12;
    else if (!strcmp(w, "decade"))
        out->months = 120;
    else if (!strcmp(w, "century"))
        out->months = 1200;
    else
        return false;
    return true;
}

/* iv += (count + frac / 10^6) units, negated when neg. The fraction spills
 * down like PostgreSQL: months -> 30-day days -> micros, days -> micros.
 * false when a field leaves its range (months/days int32, micros int64). */
static bool unit_add(uint64_t count, int64_t frac, bool neg, const iv_unit *u, floe_interval *iv)
{
    __int128 c = neg ? -(__int128)count : (__int128)count, f = neg ? -frac : frac;
    __int128 months = iv->months, days = iv->days, micros = iv->micros;
    if (u->months) {
        __int128 fm = f * u->months; /* 10^-6 months */
        __int128 fd = fm % 1000000 * 30; /* 10^-6 days */
        months += c * u->months + fm / 1000000;
        days += fd / 1000000;
        micros += fd % 1000000 * FLOE_MICROS_PER_DAY / 1000000;
    } else if (u->days) {
        days += c * u->days;
        micros += f * u->days * FLOE_MICROS_PER_DAY / 1000000;
    } else {
        micros += c * u->micros + f * u->micros / 1000000;
    }
    if (months < INT32_MIN || months > INT32_MAX || days < INT32_MIN || days > INT32_MAX ||
        !fits_i64(micros))
        return false;
    iv->months = (int32_t)months;
    iv->days = (int32_t)days;
    iv->micros = (int64_t)micros;
    return true;
}

int floe_interval_from_unit(int64_t count, const char *unit, size_t unit_len,
                            floe_interval *out, floe_err *err)
{
    iv_unit u;
    memset(out, 0, sizeof *out);
    if (!unit_lookup(unit, unit_len, &u))
        return floe_err_set(err, FLOE_PARSE, "unknown interval unit '%.*s'", (int)unit_len, unit);
    if (!unit_add(count < 0 ? 0 - (uint64_t)count : (uint64_t)count, 0, count < 0, &u, out))
        return floe_err_set(err, FLOE_RANGE, "interval out of range: %lld %.*s", (long long)count,
                            (int)unit_len, unit);
    return FLOE_OK;
}

/* Digits at s[*i] as an unsigned count; *ovf when they exceed int64 (the
 * digits are consumed anyway so the caller reports the whole text). */
static int read_count(const char *s, size_t n, size_t *i, uint64_t *out, bool *ovf)
{
    int k = 0;
    uint64_t v = 0;
    while (*i < n && isdigit((unsigned char)s[*i])) {
        unsigned d = (unsigned)(s[*i] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) *ovf = true;
        else v = v * 10 + d;
        (*i)++;
        k++;
    }
    *out = v;
    return k > 0;
}

/* ".ffffff" at s[*i] (after the point) as micro-units: 6 digits kept, the
 * rest dropped (truncated, like PostgreSQL's 6-digit precision). */
static int64_t read_frac6(const char *s, size_t n, size_t *i)
{
    int64_t frac = 0;
    int k = 0;
    while (*i < n && isdigit((unsigned char)s[*i])) {
        if (k < 6) {
            frac = frac * 10 + (s[*i] - '0');
            k++;
        }
        (*i)++;
    }
    for (; k < 6; k++) frac *= 10;
    return frac;
}

int floe_interval_parse(const char *s, size_t n, floe_interval *out, floe_err *err)
{
    static const iv_unit sec = {0, 0, FLOE_MICROS_PER_SEC};
    size_t i = 0;
    int any = 0;
    bool ovf = false;
    memset(out, 0, sizeof *out);
    for (;;) {
        bool neg = false;
        uint64_t num;
        int64_t frac = 0;
        size_t u0;
        iv_unit u;
        skip_ws(s, n, &i);
        if (i >= n) break;
        if (s[i] == '-' || s[i] == '+') {
            neg = s[i] == '-';
            i++;
        }
        if (!read_count(s, n, &i, &num, &ovf)) goto bad;
        if (i < n && s[i] == ':') { /* HH:MM[:SS[.f]] */
            int64_t mi = 0, ss = 0;
            static const iv_unit hour = {0, 0, 3600 * FLOE_MICROS_PER_SEC};
            i++;
            if (!read_num(s, n, &i, 1, 2, &mi)) goto bad;
            if (i < n && s[i] == ':') {
                i++;
                if (!read_num(s, n, &i, 1, 2, &ss)) goto bad;
                if (i < n && s[i] == '.') {
                    i++;
                    frac = read_frac6(s, n, &i);
                }
            }
            frac += (mi * 60 + ss) * FLOE_MICROS_PER_SEC; /* micros: the unit is 1 s */
            if (!ovf && !unit_add(num, 0, neg, &hour, out)) ovf = true;
            if (!ovf && !unit_add(0, frac, neg, &sec, out)) ovf = true;
            any = 1;
            continue;
        }
        if (i < n && s[i] == '.') { /* fractional count like '1.5 days' */
            i++;
            frac = read_frac6(s, n, &i);
        }
        skip_ws(s, n, &i);
        u0 = i;
        while (i < n && isalpha((unsigned char)s[i])) i++;
        if (i == u0) /* bare number: seconds, as DuckDB does for '90' without a unit */
            u = sec;
        else if (!unit_lookup(s + u0, i - u0, &u))
            goto bad;
        if (!ovf && !unit_add(num, frac, neg, &u, out)) ovf = true;
        any = 1;
    }
    if (!any) goto bad;
    if (ovf)
        return floe_err_set(err, FLOE_RANGE, "interval out of range: '%.*s'",
                            (int)(n > 64 ? 64 : n), s);
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE, "invalid INTERVAL '%.*s'", (int)(n > 64 ? 64 : n), s);
}

size_t floe_date_format(int32_t days, char *buf, size_t cap)
{
    int y, m, d;
    floe_date_to_ymd(days, &y, &m, &d);
    return (size_t)snprintf(buf, cap, "%04d-%02d-%02d", y, m, d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* a - floor(a / b) * b without the product (it leaves int64 at INT64_MIN). */
static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

size_t floe_timestamp_format(int64_t micros, char *buf, size_t cap)
{
    int64_t days = floor_div(micros, FLOE_MICROS_PER_DAY);
    int64_t rem = floor_mod(micros, FLOE_MICROS_PER_DAY);
    int64_t secs = rem / FLOE_MICROS_PER_SEC, frac = rem % FLOE_MICROS_PER_SEC;
    int y, m, d;
    size_t n;
    floe_date_to_ymd((int32_t)days, &y, &m, &d);
    n = (size_t)snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)(secs / 3600),
                         (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac && n < cap) {
        char f[8];
        int k = 6;
        snprintf(f, sizeof f, "%06lld", (long long)frac);
        while (k > 0 && f[k - 1] == '0') k--;
        f[k] = '\0';
        n += (size_t)snprintf(buf + n, cap - n, ".%s", f);
    }
    return n;
}

size_t floe_interval_format(floe_interval iv, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
#define IV_PUT(...)                                                   \
    do {                                                              \
        if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); \
    } while (0)
    /* magnitudes in 64 bits: -INT32_MIN and -INT64_MIN must not be negated in their type */
    if (iv.months / 12)
        IV_PUT("%d year%s", iv.months / 12, iv.months / 12 == 1 || iv.months / 12 == -1 ? "" : "s");
    if (iv.months % 12)
        IV_PUT("%s%d month%s", n ? " " : "", iv.months % 12,
               iv.months % 12 == 1 || iv.months % 12 == -1 ? "" : "s");
    if (iv.days)
        IV_PUT("%s%d day%s", n ? " " : "", iv.days, iv.days == 1 || iv.days == -1 ? "" : "s");
    if (iv.micros || n == 0) {
        uint64_t u = iv.micros < 0 ? 0 - (uint64_t)iv.micros : (uint64_t)iv.micros;
        uint64_t s = u / FLOE_MICROS_PER_SEC, f = u % FLOE_MICROS_PER_SEC;
        IV_PUT("%s%s%02llu:%02llu:%02llu", n ? " " : "", iv.micros < 0 ? "-" : "",
               (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
               (unsigned long long)(s % 60));
        if (f) IV_PUT(".%06llu", (unsigned long long)f);
    }
#undef IV_PUT
    return n < cap ? n : cap - 1;
}

bool floe_timestamp_add(int64_t ts, floe_interval iv, int64_t *out)
{
    __int128 r;
    if (iv.months) {
        int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
        int64_t tod = floor_mod(ts, FLOE_MICROS_PER_DAY);
        int y, m, d, dim;
        int64_t mm, yy;
        floe_date_to_ymd((int32_t)days, &y, &m, &d); /* |days| < 2^27 for any int64 ts */
        mm = (int64_t)y * 12 + (m - 1) + iv.months;
        yy = floor_div(mm, 12);
        m = (int)(mm - yy * 12) + 1;
        dim = days_in_month(yy, m);
        if (d > dim) d = dim;
        if (!ts_compose(days_from_ymd64(yy, m, d), tod, &ts)) return false;
    }
    /* days and micros together, so only the final result must fit */
    r = (__int128)ts + (__int128)iv.days * FLOE_MICROS_PER_DAY + iv.micros;
    if (!fits_i64(r)) return false;
    *out = (int64_t)r;
    return true;
}

bool floe_date_add_days(int32_t d, int64_t days, int32_t *out)
{
    int64_t r;
    if (__builtin_add_overflow((int64_t)d, days, &r) || r < INT32_MIN || r > INT32_MAX) return false;
    *out = (int32_t)r;
    return true;
}

bool floe_interval_neg(floe_interval iv, floe_interval *out)
{
    if (iv.months == INT32_MIN || iv.days == INT32_MIN || iv.micros == INT64_MIN) return false;
    out->months = -iv.months;
    out->days = -iv.days;
    out->micros = -iv.micros;
    return true;
}

bool floe_interval_add(floe_interval a, floe_interval b, floe_interval *out)
{
    floe_interval r;
    if (__builtin_add_overflow(a.months, b.months, &r.months) ||
        __builtin_add_overflow(a.days, b.days, &r.days) ||
        __builtin_add_overflow(a.micros, b.micros, &r.micros))
        return false;
    *out = r;
    return true;
}

bool floe_timestamp_diff(int64_t a, int64_t b, floe_interval *out)
{
    int64_t d;
    if (__builtin_sub_overflow(a, b, &d)) return false;
    out->months = 0;
    out->days = (int32_t)(d / FLOE_MICROS_PER_DAY); /* |d / 1 day| < 2^27 */
    out->micros = d % FLOE_MICROS_PER_DAY;
    return true;
}

int floe_dt_unit_parse(const char *s, size_t n, floe_dt_unit *out, floe_err *err)
{
    static const struct {
        const char *name;
        floe_dt_unit u;
    } names[] = {
        {"microsecond", FLOE_DT_MICROSECOND}, {"microseconds", FLOE_DT_MICROSECOND},
        {"us", FLOE_DT_MICROSECOND},          {"millisecond", FLOE_DT_MILLISECOND},
        {"milliseconds", FLOE_DT_MILLISECOND}, {"ms", FLOE_DT_MILLISECOND},
        {"second", FLOE_DT_SECOND},           {"seconds", FLOE_DT_SECOND},
        {"s", FLOE_DT_SECOND},                {"sec", FLOE_DT_SECOND},
        {"minute", FLOE_DT_MINUTE},           {"minutes", FLOE_DT_MINUTE},
        {"min", FLOE_DT_MINUTE},              {"m", FLOE_DT_MINUTE},
        {"hour", FLOE_DT_HOUR},               {"hours", FLOE_DT_HOUR},
        {"h", FLOE_DT_HOUR},                  {"day", FLOE_DT_DAY},
        {"days", FLOE_DT_DAY},                {"d", FLOE_DT_DAY},
        {"week", FLOE_DT_WEEK},               {"weeks", FLOE_DT_WEEK},
        {"month", FLOE_DT_MONTH},             {"months", FLOE_DT_MONTH},
        {"mon", FLOE_DT_MONTH},               {"quarter", FLOE_DT_QUARTER},
        {"quarters", FLOE_DT_QUARTER},        {"year", FLOE_DT_YEAR},
        {"years", FLOE_DT_YEAR},              {"y", FLOE_DT_YEAR},
        {"decade", FLOE_DT_DECADE},           {"century", FLOE_DT_CENTURY},
        {"dow", FLOE_DT_DOW},                 {"dayofweek", FLOE_DT_DOW},
        {"doy", FLOE_DT_DOY},                 {"dayofyear", FLOE_DT_DOY},
        {"epoch", FLOE_DT_EPOCH},             {"isodow", FLOE_DT_ISODOW},
    };
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strlen(names[k].name) == n && strncasecmp(names[k].name, s, n) == 0) {
            *out = names[k].u;
            return FLOE_OK;
        }
    }
    return floe_err_set(err, FLOE_PARSE, "unknown date part '%.*s'", (int)n, s);
}

/* floor(ts / w) * w; false when that lies below INT64_MIN. */
static bool floor_to(int64_t ts, int64_t w, int64_t *out)
{
    return !__builtin_mul_overflow(floor_div(ts, w), w, out);
}

bool floe_timestamp_trunc(floe_dt_unit unit, int64_t ts, int64_t *out)
{
    int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
    int y, m, d;
    switch (unit) {
    case FLOE_DT_MICROSECOND: *out = ts; return true;
    case FLOE_DT_MILLISECOND: return floor_to(ts, 1000, out);
    case FLOE_DT_SECOND: return floor_to(ts, FLOE_MICROS_PER_SEC, out);
    case FLOE_DT_MINUTE: return floor_to(ts, 60 * FLOE_MICROS_PER_SEC, out);
    case FLOE_DT_HOUR: return floor_to(ts, 3600 * FLOE_MICROS_PER_SEC, out);
    case FLOE_DT_DAY: return ts_compose(days, 0, out);
    case FLOE_DT_WEEK: {
        /* 1970-01-01 was a Thursday; Monday-based weeks */
        int64_t dow = ((days % 7) + 7 + 3) % 7; /* 0 = Monday */
        return ts_compose(days - dow, 0, out);
    }
    default: break;
    }
    floe_date_to_ymd((int32_t)days, &y, &m, &d);
    switch (unit) {
    case FLOE_DT_MONTH: d = 1; break;
    case FLOE_DT_QUARTER: m = (m - 1) / 3 * 3 + 1; d = 1; break;
    case FLOE_DT_YEAR: m = 1; d = 1; break;
    case FLOE_DT_DECADE: y = (int)floor_div(y, 10) * 10; m = 1; d = 1; break;
    case FLOE_DT_CENTURY: y = (int)floor_div(y - 1, 100) * 100 + 1; m = 1; d = 1; break;
    default: *out = ts; return true;
    }
    return ts_compose(days_from_ymd64(y, m, d), 0, out);
}

int64_t floe_timestamp_extract(floe_dt_unit unit, int64_t ts)
{
    int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
    int64_t tod = floor_mod(ts, FLOE_MICROS_PER_DAY);
    int y, m, d;
    floe_date_to_ymd((int32_t)days, &y, &m, &d);
    switch (unit) {
    case FLOE_DT_MICROSECOND: return tod % (60 * FLOE_MICROS_PER_SEC);
    case FLOE_DT_MILLISECOND: return tod % (60 * FLOE_MICROS_PER_SEC) / 1000;
    case FLOE_DT_SECOND: return tod / FLOE_MICROS_PER_SEC % 60;
    case FLOE_DT_MINUTE: return tod / (60 * FLOE_MICROS_PER_SEC) % 60;
    case FLOE_DT_HOUR: return tod / (3600 * FLOE_MICROS_PER_SEC);
    case FLOE_DT_DAY: return d;
    case FLOE_DT_MONTH: return m;
    case FLOE_DT_QUARTER: return (m - 1) / 3 + 1;
    case FLOE_DT_YEAR: return y;
    case FLOE_DT_DECADE: return floor_div(y, 10);
    case FLOE_DT_CENTURY: return y > 0 ? (y - 1) / 100 + 1 : -((-y) / 100 + 1);
    case FLOE_DT_DOW: return ((days % 7) + 7 + 4) % 7; /* 0 = Sunday */
    case FLOE_DT_ISODOW: {
        int64_t w = ((days % 7) + 7 + 4) % 7;
        return w == 0 ? 7 : w;
    }
    case FLOE_DT_DOY: return days - floe_date_from_ymd(y, 1, 1) + 1;
    case FLOE_DT_EPOCH: return floor_div(ts, FLOE_MICROS_PER_SEC);
    case FLOE_DT_WEEK: {
        /* ISO week number */
        int64_t dow = ((days % 7) + 7 + 3) % 7; /* 0 = Monday */
        int64_t thursday = days - dow + 3;
        int ty, tm, td;
        floe_date_to_ymd((int32_t)thursday, &ty, &tm, &td);
        return (thursday - floe_date_from_ymd(ty, 1, 1)) / 7 + 1;
    }
    }
    return 0;
}

static __int128 floor_div128(__int128 a, __int128 b)
{
    __int128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

bool floe_time_bucket(floe_interval width, int64_t ts, int64_t *out)
{
    if (width.months) {
        /* months since 2000-01-01 */
        int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
        int y, m, d;
        int64_t mm, b, yy;
        floe_date_to_ymd((int32_t)days, &y, &m, &d);
        mm = ((int64_t)y - 2000) * 12 + (m - 1);
        b = floor_div(mm, width.months) * width.months; /* |b| <= |mm| + |months| */
        yy = 2000 + floor_div(b, 12);
        m = (int)(b - floor_div(b, 12) * 12) + 1;
        return ts_compose(days_from_ymd64(yy, m, 1), 0, out);
    } else {
        /* in 128 bits: the width (days up to 2^31) and ts - origin may exceed int64 */
        __int128 w = (__int128)width.days * FLOE_MICROS_PER_DAY + width.micros, r;
        /* origin 2000-01-03 00:00:00 (a Monday), DuckDB's default */
        __int128 origin = (__int128)floe_date_from_ymd(2000, 1, 3) * FLOE_MICROS_PER_DAY;
        if (w <= 0) {
            *out = ts;
            return true;
        }
        r = origin + floor_div128(ts - origin, w) * w;
        if (!fits_i64(r)) return false;
        *out = (int64_t)r;
        return true;
    }
}
