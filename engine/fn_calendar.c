/* engine/fn_calendar.c: strftime, strptime, date_diff, date_add, epoch_ms, epoch, make_date, make_timestamp, age, last_day, dayname, monthname.
 *
 * DuckDB semantics over floe's DATE (int32 days) and TIMESTAMP (int64
 * microseconds, UTC); DATE arguments arrive as TIMESTAMPs (the binder casts).
 *
 *   date_diff(part, a, b)  the number of `part` boundaries between a and b:
 *       year/quarter/month/decade/century from the calendar fields, day
 *       from the dates, hour..microsecond by flooring both to the unit,
 *       decade/century from year / 10 and year / 100 (not EXTRACT's century),
 *       week as whole days / 7 (truncated), as DuckDB does.
 *   age(a, b)  a - b symbolically (PostgreSQL): years and months, then days,
 *       then time, borrowing from the earlier timestamp's month; negative
 *       results are the negated age(b, a). The result has months, days, micros.
 *   epoch_ms(ts) truncates toward zero; epoch(ts) is DOUBLE seconds.
 *   strftime / strptime take DuckDB's specifiers (see fmt_one / parse_one):
 *       %Y %y %m %-m %d %-d %H %-H %I %-I %M %-M %S %-S %f %g %n %p %j %-j
 *       %a %A %b %h %B %w %u %c %x %X %z %Z %%. An unparsable input is FLOE_ERROR
 *       naming the value and the format.
 *
 * Every result that leaves DATE/TIMESTAMP is FLOE_RANGE (checked helpers of
 * util/datetime.h and overflow builtins). Stateless and thread-safe.
 */
#include <stdio.h>
#include <string.h>

#include "engine/eval_internal.h"
#include "engine/functions.h"
#include "util/datetime.h"

static const char *const DAYS[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
static const char *const MONTHS[12] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};

static inline int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - ((a % b != 0) & ((a < 0) != (b < 0)));
}

static inline int64_t iarg(const floe_vec *v, uint32_t r)
{
    uint32_t i = floe_vidx(v, r);
    switch (v->type.id) {
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return ((const int32_t *)v->data)[i];
    default: return ((const int64_t *)v->data)[i];
    }
}

/* Row r as a TIMESTAMP (DATE: midnight); false beyond the range. */
static inline bool ts_arg(const floe_vec *v, uint32_t r, int64_t *out)
{
    if (v->type.id == FLOE_TYPE_DATE) return floe_date_to_timestamp((int32_t)iarg(v, r), out);
    *out = iarg(v, r);
    return true;
}

static inline floe_string sarg(const floe_vec *v, uint32_t r)
{
    return ((const floe_string *)v->data)[floe_vidx(v, r)];
}

static int range_err(const char *fn, floe_err *err)
{
    return floe_err_set(err, FLOE_RANGE, "%s: result out of range", fn);
}

/* Broken-down timestamp. */
typedef struct tparts {
    int y, m, d, H, M, S, us;
    int64_t days;
} tparts;

static void split_ts(int64_t ts, tparts *t)
{
    int64_t tod;
    t->days = fdiv(ts, FLOE_MICROS_PER_DAY);
    tod = ts - t->days * FLOE_MICROS_PER_DAY;
    floe_date_to_ymd((int32_t)t->days, &t->y, &t->m, &t->d);
    t->H = (int)(tod / (3600 * FLOE_MICROS_PER_SEC));
    t->M = (int)(tod / (60 * FLOE_MICROS_PER_SEC) % 60);
    t->S = (int)(tod / FLOE_MICROS_PER_SEC % 60);
    t->us = (int)(tod % FLOE_MICROS_PER_SEC);
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int mdays(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* ------------------------------------------------------------ strftime */

static int fmt_one(char c, bool nopad, const tparts *t, char *b, size_t cap)
{
    int dow = (int)(((t->days % 7) + 7 + 4) % 7);
    int doy = (int)(t->days - floe_date_from_ymd(t->y, 1, 1) + 1);
    int h12 = t->H % 12 == 0 ? 12 : t->H % 12;
    switch (c) {
    case 'Y': return snprintf(b, cap, "%d", t->y);
    case 'y': return snprintf(b, cap, nopad ? "%d" : "%02d", ((t->y % 100) + 100) % 100);
    case 'm': return snprintf(b, cap, nopad ? "%d" : "%02d", t->m);
    case 'd': return snprintf(b, cap, nopad ? "%d" : "%02d", t->d);
    case 'H': return snprintf(b, cap, nopad ? "%d" : "%02d", t->H);
    case 'I': return snprintf(b, cap, nopad ? "%d" : "%02d", h12);
    case 'M': return snprintf(b, cap, nopad ? "%d" : "%02d", t->M);
    case 'S': return snprintf(b, cap, nopad ? "%d" : "%02d", t->S);
    case 'f': return snprintf(b, cap, "%06d", t->us);
    case 'g': return snprintf(b, cap, "%03d", t->us / 1000);
    case 'n': return snprintf(b, cap, "%06d000", t->us);
    case 'p': return snprintf(b, cap, "%s", t->H < 12 ? "AM" : "PM");
    case 'j': return snprintf(b, cap, nopad ? "%d" : "%03d", doy);
    case 'a': return snprintf(b, cap, "%.3s", DAYS[dow]);
    case 'A': return snprintf(b, cap, "%s", DAYS[dow]);
    case 'b':
    case 'h': return snprintf(b, cap, "%.3s", MONTHS[t->m - 1]);
    case 'B': return snprintf(b, cap, "%s", MONTHS[t->m - 1]);
    case 'w': return snprintf(b, cap, "%d", dow);
    case 'u': return snprintf(b, cap, "%d", dow == 0 ? 7 : dow);
    case 'c':
        return snprintf(b, cap, "%04d-%02d-%02d %02d:%02d:%02d", t->y, t->m, t->d, t->H, t->M, t->S);
    case 'x': return snprintf(b, cap, "%04d-%02d-%02d", t->y, t->m, t->d);
    case 'X': return snprintf(b, cap, "%02d:%02d:%02d", t->H, t->M, t->S);
    case 'z': return snprintf(b, cap, "+00");
    case 'Z': return 0;
    case '%': return snprintf(b, cap, "%%");
    default: return -1;
    }
}

static int strftime_fn(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *tv = &fa->args[0], *fv = &fa->args[1];
    FLOE_FOR_ROWS(fa, r, {
        char buf[512];
        size_t n = 0;
        uint32_t i;
        int64_t ts;
        tparts t;
        floe_string f;
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        if (!ts_arg(tv, r, &ts)) return range_err("strftime", err);
        split_ts(ts, &t);
        f = sarg(fv, r);
        for (i = 0; i < f.len; i++) {
            int k;
            bool nopad = false;
            if (n + 64 > sizeof buf)
                return floe_err_set(err, FLOE_RANGE, "strftime: result longer than %zu bytes", sizeof buf - 64);
            if (f.ptr[i] != '%') {
                buf[n++] = f.ptr[i];
                continue;
            }
            if (++i < f.len && f.ptr[i] == '-') {
                nopad = true;
                i++;
            }
            k = i < f.len ? fmt_one(f.ptr[i], nopad, &t, buf + n, sizeof buf - n) : -1;
            if (k < 0)
                return floe_err_set(err, FLOE_ERROR, "strftime: unsupported format specifier in '%.*s'",
                                    (int)f.len, f.ptr);
            n += (size_t)k;
        }
        if ((rc = floe_eval_set_str(out, r, buf, (uint32_t)n, err))) return rc;
    });
    return FLOE_OK;
}

/* ------------------------------------------------------------ strptime */

/* Read up to maxd digits (at least 1) at s[*i]. */
static bool digits(floe_string s, uint32_t *i, int maxd, int64_t *out)
{
    int64_t v = 0;
    int k = 0;
    bool neg = false;
    if (maxd > 6 && *i < s.len && (s.ptr[*i] == '-' || s.ptr[*i] == '+')) neg = s.ptr[(*i)++] == '-';
    while (k < maxd && *i < s.len && s.ptr[*i] >= '0' && s.ptr[*i] <= '9') {
        v = v * 10 + (s.ptr[(*i)++] - '0');
        k++;
    }
    *out = neg ? -v : v;
    return k > 0;
}

static bool name_at(floe_string s, uint32_t *i, const char *const *names, int n, bool full, int *out)
{
    int k;
    for (k = 0; k < n; k++) {
        size_t l = full ? strlen(names[k]) : 3;
        if (*i + l <= s.len && strncasecmp(s.ptr + *i, names[k], l) == 0) {
            *i += (uint32_t)l;
            *out = k;
            return true;
        }
    }
    return false;
}

static int strptime_row(floe_string s, floe_string f, int64_t *out, floe_err *err)
{
    int64_t y = 1900, m = 1, d = 1, H = 0, M = 0, S = 0, us = 0, doy = -1, v;
    int pm = -1, k = 0;
    uint32_t i = 0, j;
    bool ok = true;
    for (j = 0; j < f.len && ok; j++) {
        char c = f.ptr[j];
        if (c != '%') {
            if (c == ' ') {
                while (i < s.len && s.ptr[i] == ' ') i++;
                continue;
            }
            ok = i < s.len && s.ptr[i] == c;
            i++;
            continue;
        }
        if (++j < f.len && f.ptr[j] == '-') j++;
        if (j >= f.len) {
            ok = false;
            break;
        }
        switch (f.ptr[j]) {
        case 'Y': ok = digits(s, &i, 9, &y); break;
        case 'y':
            ok = digits(s, &i, 2, &v);
            y = v < 69 ? 2000 + v : 1900 + v; /* POSIX / DuckDB pivot */
            break;
        case 'm': ok = digits(s, &i, 2, &m); break;
        case 'd': ok = digits(s, &i, 2, &d); break;
        case 'H': ok = digits(s, &i, 2, &H); break;
        case 'I': ok = digits(s, &i, 2, &H) && H >= 1 && H <= 12; break;
        case 'M': ok = digits(s, &i, 2, &M); break;
        case 'S': ok = digits(s, &i, 2, &S); break;
        case 'j': ok = digits(s, &i, 3, &doy); break;
        case 'f':
        case 'g':
        case 'n': {
            uint32_t i0 = i;
            int nd = f.ptr[j] == 'g' ? 3 : f.ptr[j] == 'f' ? 6 : 9;
            ok = digits(s, &i, nd, &v);
            for (k = (int)(i - i0); k < nd; k++) v *= 10;
            us = nd == 3 ? v * 1000 : nd == 6 ? v : v / 1000;
            break;
        }
        case 'p':
            if (i + 2 <= s.len && strncasecmp(s.ptr + i, "AM", 2) == 0) pm = 0;
            else if (i + 2 <= s.len && strncasecmp(s.ptr + i, "PM", 2) == 0) pm = 1;
            else ok = false;
            i += 2;
            break;
        case 'a':
        case 'A': ok = name_at(s, &i, DAYS, 7, true, &k) || name_at(s, &i, DAYS, 7, false, &k); break;
        case 'b':
        case 'h':
        case 'B':
            ok = name_at(s, &i, MONTHS, 12, true, &k) || name_at(s, &i, MONTHS, 12, false, &k);
            m = k + 1;
            break;
        case 'z':
            if (i < s.len && (s.ptr[i] == 'Z' || s.ptr[i] == 'z')) { i++; break; }
            {
                int64_t hh = 0, mm = 0;
                int sign = i < s.len && s.ptr[i] == '-' ? -1 : 1;
                ok = i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-');
                i++;
                ok = ok && digits(s, &i, 2, &hh);
                if (ok && i < s.len && s.ptr[i] == ':') i++;
                if (ok && i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9') ok = digits(s, &i, 2, &mm);
                M -= sign * mm; /* to UTC */
                H -= sign * hh;
            }
            break;
        case '%': ok = i < s.len && s.ptr[i++] == '%'; break;
        default:
            return floe_err_set(err, FLOE_ERROR, "strptime: unsupported format specifier in '%.*s'",
                                (int)f.len, f.ptr);
        }
    }
    if (pm >= 0) H = (H % 12) + (pm ? 12 : 0);
    if (ok && i != s.len) ok = false;
    if (ok && (m < 1 || m > 12 || d < 1 || y < -290000 || y > 290000 || d > mdays((int)y, (int)m) || H > 23 ||
               M > 59 || S > 59 || H < -23 || M < -59))
        ok = false;
    if (!ok)
        return floe_err_set(err, FLOE_ERROR, "strptime: could not parse '%.*s' according to format '%.*s'",
                            (int)(s.len > 100 ? 100 : s.len), s.ptr, (int)f.len, f.ptr);
    {
        int64_t days = doy > 0 ? floe_date_from_ymd((int)y, 1, 1) + doy - 1 : floe_date_from_ymd((int)y, (int)m, (int)d);
        int64_t ts, tod = ((H * 60 + M) * 60 + S) * FLOE_MICROS_PER_SEC + us;
        if (__builtin_mul_overflow(days, FLOE_MICROS_PER_DAY, &ts) || __builtin_add_overflow(ts, tod, &ts))
            return range_err("strptime", err);
        *out = ts;
    }
    return FLOE_OK;
}

static int strptime_fn(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    int64_t *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        if ((rc = strptime_row(sarg(&fa->args[0], r), sarg(&fa->args[1], r), &o[r], err))) return rc;
    });
    return FLOE_OK;
}

/* ------------------------------------------------------------ the rest */

static int date_diff(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    int64_t *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        floe_dt_unit u;
        floe_string us;
        int64_t a, b, w = 0;
        tparts ta, tb;
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        us = sarg(&fa->args[0], r);
        if ((rc = floe_dt_unit_parse(us.ptr, us.len, &u, err))) return rc;
        if (!ts_arg(&fa->args[1], r, &a) || !ts_arg(&fa->args[2], r, &b)) return range_err("date_diff", err);
        split_ts(a, &ta);
        split_ts(b, &tb);
        switch (u) {
        case FLOE_DT_YEAR: o[r] = (int64_t)tb.y - ta.y; continue;
        case FLOE_DT_QUARTER:
            o[r] = ((int64_t)tb.y * 4 + (tb.m - 1) / 3) - ((int64_t)ta.y * 4 + (ta.m - 1) / 3);
            continue;
        case FLOE_DT_MONTH: o[r] = ((int64_t)tb.y * 12 + tb.m) - ((int64_t)ta.y * 12 + ta.m); continue;
        case FLOE_DT_DECADE: o[r] = fdiv(tb.y, 10) - fdiv(ta.y, 10); continue;
        case FLOE_DT_CENTURY: o[r] = fdiv(tb.y, 100) - fdiv(ta.y, 100); continue; /* DuckDB: year / 100 */
        case FLOE_DT_DAY:
        case FLOE_DT_DOW:
        case FLOE_DT_DOY:
        case FLOE_DT_ISODOW: o[r] = tb.days - ta.days; continue;
        case FLOE_DT_WEEK: o[r] = (tb.days - ta.days) / 7; continue;
        case FLOE_DT_HOUR: w = 3600 * FLOE_MICROS_PER_SEC; break;
        case FLOE_DT_MINUTE: w = 60 * FLOE_MICROS_PER_SEC; break;
        case FLOE_DT_SECOND:
        case FLOE_DT_EPOCH: w = FLOE_MICROS_PER_SEC; break;
        case FLOE_DT_MILLISECOND: w = 1000; break;
        case FLOE_DT_MICROSECOND: w = 1; break;
        }
        if (__builtin_sub_overflow(fdiv(b, w), fdiv(a, w), &o[r])) return range_err("date_diff", err);
    });
    return FLOE_OK;
}

static int age(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_interval *o = out->data;
    FLOE_FOR_ROWS(fa, r, {
        int64_t a, b, years, months, days, micros;
        tparts hi, lo;
        bool neg;
        if (!floe_bit(out->validity, r)) continue;
        if (!ts_arg(&fa->args[0], r, &a) || !ts_arg(&fa->args[1], r, &b)) return range_err("age", err);
        neg = a < b;
        split_ts(neg ? b : a, &hi);
        split_ts(neg ? a : b, &lo);
        years = (int64_t)hi.y - lo.y;
        months = (int64_t)hi.m - lo.m;
        days = (int64_t)hi.d - lo.d;
        micros = (((int64_t)hi.H - lo.H) * 3600 + ((int64_t)hi.M - lo.M) * 60 + (hi.S - lo.S)) * FLOE_MICROS_PER_SEC +
                 (hi.us - lo.us);
        if (micros < 0) {
            micros += FLOE_MICROS_PER_DAY;
            days--;
        }
        if (days < 0) {
            days += mdays(lo.y, lo.m);
            months--;
        }
        if (months < 0) {
            months += 12;
            years--;
        }
        months += years * 12;
        if (months > INT32_MAX) return range_err("age", err);
        o[r].months = (int32_t)(neg ? -months : months);
        o[r].days = (int32_t)(neg ? -days : days);
        o[r].micros = neg ? -micros : micros;
    });
    return FLOE_OK;
}

static int make_ts(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    int64_t *o = out->data;
    bool is_date = fa->e->fn == FLOE_FN_MAKE_DATE;
    FLOE_FOR_ROWS(fa, r, {
        int64_t y, m, d, H = 0, M = 0, days, us = 0, ts;
        double sec = 0;
        if (!floe_bit(out->validity, r)) continue;
        if (!is_date && fa->nargs == 1) {
            o[r] = iarg(&fa->args[0], r);
            continue;
        }
        y = iarg(&fa->args[0], r);
        m = iarg(&fa->args[1], r);
        d = iarg(&fa->args[2], r);
        if (!is_date) {
            H = (int64_t)((const double *)fa->args[3].data)[floe_vidx(&fa->args[3], r)];
            M = (int64_t)((const double *)fa->args[4].data)[floe_vidx(&fa->args[4], r)];
            sec = ((const double *)fa->args[5].data)[floe_vidx(&fa->args[5], r)];
        }
        if (y < -290000 || y > 290000 || m < 1 || m > 12 || d < 1 || d > mdays((int)y, (int)m))
            return floe_err_set(err, FLOE_RANGE, "%s: date out of range: %lld-%lld-%lld",
                                is_date ? "make_date" : "make_timestamp", (long long)y, (long long)m,
                                (long long)d);
        if (!is_date && (H < 0 || H > 23 || M < 0 || M > 59 || !(sec >= 0 && sec < 60)))
            return floe_err_set(err, FLOE_RANGE, "make_timestamp: time out of range: %lld:%lld:%g", (long long)H,
                                (long long)M, sec);
        days = floe_date_from_ymd((int)y, (int)m, (int)d);
        if (is_date) {
            if (days < INT32_MIN || days > INT32_MAX) return range_err("make_date", err);
            ((int32_t *)out->data)[r] = (int32_t)days;
            continue;
        }
        us = (int64_t)(sec * 1e6 + 0.5);
        if (__builtin_mul_overflow(days, FLOE_MICROS_PER_DAY, &ts) ||
            __builtin_add_overflow(ts, (H * 3600 + M * 60) * FLOE_MICROS_PER_SEC + us, &ts))
            return range_err("make_timestamp", err);
        o[r] = ts;
    });
    return FLOE_OK;
}

int floe_fn_calendar_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    floe_fn fn = fa->e->fn;
    const floe_vec *a = &fa->args[0];
    switch (fn) {
    case FLOE_FN_STRFTIME: return strftime_fn(fa, out, err);
    case FLOE_FN_STRPTIME: return strptime_fn(fa, out, err);
    case FLOE_FN_DATE_DIFF: return date_diff(fa, out, err);
    case FLOE_FN_AGE: return age(fa, out, err);
    case FLOE_FN_MAKE_DATE:
    case FLOE_FN_MAKE_TIMESTAMP: return make_ts(fa, out, err);
    default: break;
    }
    FLOE_FOR_ROWS(fa, r, {
        int64_t ts;
        tparts t;
        int rc;
        if (!floe_bit(out->validity, r)) continue;
        if (fn == FLOE_FN_EPOCH_MS && out->type.id == FLOE_TYPE_TIMESTAMP) {
            if (__builtin_mul_overflow(iarg(a, r), (int64_t)1000, &((int64_t *)out->data)[r]))
                return range_err("epoch_ms", err);
            continue;
        }
        if (!ts_arg(a, r, &ts)) return range_err(floe_functions_get(fn)->name, err);
        switch (fn) {
        case FLOE_FN_DATE_ADD: {
            floe_interval iv = ((const floe_interval *)fa->args[1].data)[floe_vidx(&fa->args[1], r)];
            if (!floe_timestamp_add(ts, iv, &((int64_t *)out->data)[r])) return range_err("date_add", err);
            break;
        }
        case FLOE_FN_EPOCH_MS: ((int64_t *)out->data)[r] = ts / 1000; break;
        case FLOE_FN_EPOCH: ((double *)out->data)[r] = (double)ts / 1e6; break;
        case FLOE_FN_LAST_DAY:
            split_ts(ts, &t);
            ((int32_t *)out->data)[r] = floe_date_from_ymd(t.y, t.m, mdays(t.y, t.m));
            break;
        case FLOE_FN_DAYNAME:
        case FLOE_FN_MONTHNAME: {
            const char *s;
            split_ts(ts, &t);
            s = fn == FLOE_FN_DAYNAME ? DAYS[((t.days % 7) + 7 + 4) % 7] : MONTHS[t.m - 1];
            if ((rc = floe_eval_set_str(out, r, s, (uint32_t)strlen(s), err))) return rc;
            break;
        }
        default: return floe_err_set(err, FLOE_MISUSE, "not a calendar function: %d", (int)fn);
        }
    });
    return FLOE_OK;
}
