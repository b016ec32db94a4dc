/* util/datetime.c: calendar arithmetic (proleptic Gregorian, UTC).
 * Day/civil conversions follow Howard Hinnant's days_from_civil algorithms. */
#include "util/datetime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int32_t floe_date_from_ymd(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

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

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int y, int m)
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
    *out = (int64_t)days * FLOE_MICROS_PER_DAY + (hh * 3600 + mi * 60 + ss) * FLOE_MICROS_PER_SEC +
           frac - tz;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_PARSE,
                        "invalid TIMESTAMP '%.*s' (expected YYYY-MM-DD HH:MM:SS[.ffffff])",
                        (int)(n > 64 ? 64 : n), s);
}

static int unit_add(int64_t count, const char *u, size_t ul, floe_interval *iv)
{
    char w[16];
    size_t k;
    if (ul == 0 || ul >= sizeof w) return 0;
    for (k = 0; k < ul; k++) w[k] = (char)tolower((unsigned char)u[k]);
    w[ul] = '\0';
    if (ul > 1 && w[ul - 1] == 's' && strcmp(w, "s") != 0 && strcmp(w, "ms") != 0 &&
        strcmp(w, "us") != 0)
        w[ul - 1] = '\0'; /* plural */
    if (!strcmp(w, "microsecond") || !strcmp(w, "us") || !strcmp(w, "usec"))
        iv->micros += count;
    else if (!strcmp(w, "millisecond") || !strcmp(w, "ms") || !strcmp(w, "msec"))
        iv->micros += count * 1000;
    else if (!strcmp(w, "second") || !strcmp(w, "s") || !strcmp(w, "sec"))
        iv->micros += count * FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "minute") || !strcmp(w, "m") || !strcmp(w, "min"))
        iv->micros += count * 60 * FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "hour") || !strcmp(w, "h") || !strcmp(w, "hr"))
        iv->micros += count * 3600 * FLOE_MICROS_PER_SEC;
    else if (!strcmp(w, "day") || !strcmp(w, "d"))
        iv->days += (int32_t)count;
    else if (!strcmp(w, "week") || !strcmp(w, "w"))
        iv->days += (int32_t)(count * 7);
    else if (!strcmp(w, "month") || !strcmp(w, "mon"))
        iv->months += (int32_t)count;
    else if (!strcmp(w, "quarter"))
        iv->months += (int32_t)(count * 3);
    else if (!strcmp(w, "year") || !strcmp(w, "y") || !strcmp(w, "yr"))
        iv->months += (int32_t)(count * 12);
    else if (!strcmp(w, "decade"))
        iv->months += (int32_t)(count * 120);
    else if (!strcmp(w, "century"))
        iv->months += (int32_t)(count * 1200);
    else
        return 0;
    return 1;
}

int floe_interval_from_unit(int64_t count, const char *unit, size_t unit_len,
                            floe_interval *out, floe_err *err)
{
    memset(out, 0, sizeof *out);
    if (!unit_add(count, unit, unit_len, out))
        return floe_err_set(err, FLOE_PARSE, "unknown interval unit '%.*s'", (int)unit_len, unit);
    return FLOE_OK;
}

int floe_interval_parse(const char *s, size_t n, floe_interval *out, floe_err *err)
{
    size_t i = 0;
    int any = 0;
    memset(out, 0, sizeof *out);
    for (;;) {
        int neg = 0;
        int64_t num;
        size_t u0;
        skip_ws(s, n, &i);
        if (i >= n) break;
        if (s[i] == '-' || s[i] == '+') {
            neg = s[i] == '-';
            i++;
        }
        if (!read_num(s, n, &i, 1, 18, &num)) goto bad;
        if (i < n && s[i] == ':') { /* HH:MM[:SS[.f]] */
            int64_t mi = 0, sec = 0, frac = 0;
            int k = 0;
            i++;
            if (!read_num(s, n, &i, 1, 2, &mi)) goto bad;
            if (i < n && s[i] == ':') {
                i++;
                if (!read_num(s, n, &i, 1, 2, &sec)) goto bad;
                if (i < n && s[i] == '.') {
                    i++;
                    while (i < n && isdigit((unsigned char)s[i])) {
                        if (k < 6) {
                            frac = frac * 10 + (s[i] - '0');
                            k++;
                        }
                        i++;
                    }
                    while (k < 6) {
                        frac *= 10;
                        k++;
                    }
                }
            }
            num = (num * 3600 + mi * 60 + sec) * FLOE_MICROS_PER_SEC + frac;
            out->micros += neg ? -num : num;
            any = 1;
            continue;
        }
        if (i < n && s[i] == '.') { /* fractional seconds like '1.5 seconds' */
            int64_t frac = 0;
            int k = 0;
            i++;
            while (i < n && isdigit((unsigned char)s[i])) {
                if (k < 6) {
                    frac = frac * 10 + (s[i] - '0');
                    k++;
                }
                i++;
            }
            while (k < 6) {
                frac *= 10;
                k++;
            }
            skip_ws(s, n, &i);
            u0 = i;
            while (i < n && isalpha((unsigned char)s[i])) i++;
            if (!unit_add(neg ? -num : num, s + u0, i - u0, out)) goto bad;
            if (strncasecmp(s + u0, "s", 1) == 0) out->micros += neg ? -frac : frac;
            any = 1;
            continue;
        }
        skip_ws(s, n, &i);
        u0 = i;
        while (i < n && isalpha((unsigned char)s[i])) i++;
        if (i == u0) {
            /* bare number: seconds, as DuckDB does for '90' without a unit */
            out->micros += (neg ? -num : num) * FLOE_MICROS_PER_SEC;
        } else if (!unit_add(neg ? -num : num, s + u0, i - u0, out)) {
            goto bad;
        }
        any = 1;
    }
    if (!any) goto bad;
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

size_t floe_timestamp_format(int64_t micros, char *buf, size_t cap)
{
    int64_t days = floor_div(micros, FLOE_MICROS_PER_DAY);
    int64_t rem = micros - days * FLOE_MICROS_PER_DAY;
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
    if (iv.months / 12) IV_PUT("%d year%s", iv.months / 12, abs(iv.months / 12) == 1 ? "" : "s");
    if (iv.months % 12)
        IV_PUT("%s%d month%s", n ? " " : "", iv.months % 12, abs(iv.months % 12) == 1 ? "" : "s");
    if (iv.days) IV_PUT("%s%d day%s", n ? " " : "", iv.days, abs(iv.days) == 1 ? "" : "s");
    if (iv.micros || n == 0) {
        int64_t u = iv.micros < 0 ? -iv.micros : iv.micros;
        int64_t s = u / FLOE_MICROS_PER_SEC, f = u % FLOE_MICROS_PER_SEC;
        IV_PUT("%s%s%02lld:%02lld:%02lld", n ? " " : "", iv.micros < 0 ? "-" : "",
               (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
        if (f) IV_PUT(".%06lld", (long long)f);
    }
#undef IV_PUT
    return n < cap ? n : cap - 1;
}

int64_t floe_timestamp_add(int64_t ts, floe_interval iv)
{
    if (iv.months) {
        int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
        int64_t tod = ts - days * FLOE_MICROS_PER_DAY;
        int y, m, d, dim;
        int64_t mm;
        floe_date_to_ymd((int32_t)days, &y, &m, &d);
        mm = (int64_t)y * 12 + (m - 1) + iv.months;
        y = (int)floor_div(mm, 12);
        m = (int)(mm - (int64_t)y * 12) + 1;
        dim = days_in_month(y, m);
        if (d > dim) d = dim;
        ts = (int64_t)floe_date_from_ymd(y, m, d) * FLOE_MICROS_PER_DAY + tod;
    }
    return ts + (int64_t)iv.days * FLOE_MICROS_PER_DAY + iv.micros;
}

int32_t floe_date_add_days(int32_t d, int32_t days) { return d + days; }

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

int64_t floe_timestamp_trunc(floe_dt_unit unit, int64_t ts)
{
    int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
    int y, m, d;
    switch (unit) {
    case FLOE_DT_MICROSECOND: return ts;
    case FLOE_DT_MILLISECOND: return floor_div(ts, 1000) * 1000;
    case FLOE_DT_SECOND: return floor_div(ts, FLOE_MICROS_PER_SEC) * FLOE_MICROS_PER_SEC;
    case FLOE_DT_MINUTE: return floor_div(ts, 60 * FLOE_MICROS_PER_SEC) * 60 * FLOE_MICROS_PER_SEC;
    case FLOE_DT_HOUR:
        return floor_div(ts, 3600 * FLOE_MICROS_PER_SEC) * 3600 * FLOE_MICROS_PER_SEC;
    case FLOE_DT_DAY: return days * FLOE_MICROS_PER_DAY;
    case FLOE_DT_WEEK: {
        /* 1970-01-01 was a Thursday; Monday-based weeks */
        int64_t dow = ((days % 7) + 7 + 3) % 7; /* 0 = Monday */
        return (days - dow) * FLOE_MICROS_PER_DAY;
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
    default: return ts;
    }
    return (int64_t)floe_date_from_ymd(y, m, d) * FLOE_MICROS_PER_DAY;
}

int64_t floe_timestamp_extract(floe_dt_unit unit, int64_t ts)
{
    int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
    int64_t tod = ts - days * FLOE_MICROS_PER_DAY;
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

int64_t floe_time_bucket(floe_interval width, int64_t ts)
{
    if (width.months) {
        /* months since 2000-01-01 */
        int64_t days = floor_div(ts, FLOE_MICROS_PER_DAY);
        int y, m, d;
        int64_t mm, b;
        floe_date_to_ymd((int32_t)days, &y, &m, &d);
        mm = ((int64_t)y - 2000) * 12 + (m - 1);
        b = floor_div(mm, width.months) * width.months;
        y = (int)(2000 + floor_div(b, 12));
        m = (int)(b - floor_div(b, 12) * 12) + 1;
        return (int64_t)floe_date_from_ymd(y, m, 1) * FLOE_MICROS_PER_DAY;
    } else {
        int64_t w = (int64_t)width.days * FLOE_MICROS_PER_DAY + width.micros;
        /* origin 2000-01-03 00:00:00 (a Monday), DuckDB's default */
        int64_t origin = (int64_t)floe_date_from_ymd(2000, 1, 3) * FLOE_MICROS_PER_DAY;
        if (w <= 0) return ts;
        return origin + floor_div(ts - origin, w) * w;
    }
}
