/* engine/fn_date.c: date_trunc, date_part (EXTRACT) and time_bucket over TIMESTAMP vectors.
 *
 * The unit argument is normally a constant and is parsed once per vector;
 * fixed-width units (microsecond .. day) truncate with one floor division
 * per row, calendar units go through util/datetime.h. DATE arguments are
 * accepted too (as midnight), although the binder normally casts them.
 */
#include <string.h>

#include "engine/eval_internal.h"
#include "util/datetime.h"

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q - ((a % b != 0) & ((a < 0) != (b < 0)));
}

/* Row r as a TIMESTAMP; false for a DATE beyond the TIMESTAMP range. */
static inline bool ts_at(const floe_vec *v, uint32_t r, int64_t *out)
{
    uint32_t i = floe_vidx(v, r);
    if (v->type.id == FLOE_TYPE_DATE) return floe_date_to_timestamp(((const int32_t *)v->data)[i], out);
    *out = ((const int64_t *)v->data)[i];
    return true;
}

/* FLOE_RANGE for row r of fn(.., t) whose result or input leaves TIMESTAMP. */
static int ts_range(const char *fn, const floe_vec *t, uint32_t r, floe_err *err)
{
    char buf[64];
    floe_value x;
    floe_eval_load(t, r, &x);
    floe_value_format(&x, buf, sizeof buf);
    return floe_err_set(err, FLOE_RANGE, "timestamp out of range in %s: %s", fn, buf);
}

/* One checked trunc of row r into o[r]. */
static int trunc_row(floe_dt_unit unit, const floe_vec *t, uint32_t r, int64_t *o, floe_err *err)
{
    int64_t ts;
    if (!ts_at(t, r, &ts) || !floe_timestamp_trunc(unit, ts, &o[r])) return ts_range("date_trunc", t, r, err);
    return FLOE_OK;
}

static int unit_at(const floe_vec *u, uint32_t r, floe_dt_unit *out, floe_err *err)
{
    floe_string s = ((const floe_string *)u->data)[floe_vidx(u, r)];
    return floe_dt_unit_parse(s.ptr, s.len, out, err);
}

static int64_t unit_width(floe_dt_unit u)
{
    switch (u) {
    case FLOE_DT_MICROSECOND: return 1;
    case FLOE_DT_MILLISECOND: return 1000;
    case FLOE_DT_SECOND: return FLOE_MICROS_PER_SEC;
    case FLOE_DT_MINUTE: return 60 * FLOE_MICROS_PER_SEC;
    case FLOE_DT_HOUR: return 3600 * FLOE_MICROS_PER_SEC;
    case FLOE_DT_DAY: return FLOE_MICROS_PER_DAY;
    default: return 0;
    }
}

static int date_trunc(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *u = &fa->args[0], *t = &fa->args[1];
    int64_t *o = out->data;
    floe_dt_unit unit;
    int rc;
    if (floe_vec_const(u)) {
        int64_t w;
        rc = unit_at(u, 0, &unit, err);
        if (rc) return rc;
        if (unit == FLOE_DT_DOW || unit == FLOE_DT_DOY || unit == FLOE_DT_EPOCH || unit == FLOE_DT_ISODOW)
            return floe_err_set(err, FLOE_ERROR, "date_trunc: unit not supported");
        w = unit_width(unit);
        if (w && t->type.id == FLOE_TYPE_TIMESTAMP && !floe_vec_const(t)) {
            const int64_t *x = t->data;
            int flag = 0;
            /* only the floor below INT64_MIN can overflow; recheck row by row then */
            FLOE_FOR_ROWS(fa, r, { flag |= __builtin_mul_overflow(floor_div(x[r], w), w, &o[r]); });
            if (!flag) return FLOE_OK;
        }
        FLOE_FOR_ROWS(fa, r, {
            if (!floe_bit(out->validity, r)) continue;
            if ((rc = trunc_row(unit, t, r, o, err))) return rc;
        });
        return FLOE_OK;
    }
    FLOE_FOR_ROWS(fa, r, {
        if (!floe_bit(out->validity, r)) continue;
        rc = unit_at(u, r, &unit, err);
        if (rc) return rc;
        if ((rc = trunc_row(unit, t, r, o, err))) return rc;
    });
    return FLOE_OK;
}

static int date_part(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *u = &fa->args[0], *t = &fa->args[1];
    bool dbl = out->type.id == FLOE_TYPE_DOUBLE;
    bool cu = floe_vec_const(u);
    floe_dt_unit unit = FLOE_DT_YEAR;
    int rc;
    if (cu) {
        rc = unit_at(u, 0, &unit, err);
        if (rc) return rc;
    }
    FLOE_FOR_ROWS(fa, r, {
        int64_t ts;
        if (!floe_bit(out->validity, r)) continue;
        if (!cu) {
            rc = unit_at(u, r, &unit, err);
            if (rc) return rc;
        }
        if (!ts_at(t, r, &ts)) return ts_range("date_part", t, r, err);
        if (dbl) {
            double v;
            if (unit == FLOE_DT_EPOCH) {
                v = (double)ts / 1e6;
            } else if (unit == FLOE_DT_SECOND) {
                /* the non-negative remainder: floor(ts / 1 min) * 1 min may leave int64 */
                int64_t rem = ts % (60 * FLOE_MICROS_PER_SEC);
                v = (double)(rem < 0 ? rem + 60 * FLOE_MICROS_PER_SEC : rem) / 1e6;
            } else {
                v = (double)floe_timestamp_extract(unit, ts);
            }
            ((double *)out->data)[r] = v;
        } else if (floe_eval_pclass(out->type) == FLOE_PC_I32) {
            ((int32_t *)out->data)[r] = (int32_t)floe_timestamp_extract(unit, ts);
        } else {
            ((int64_t *)out->data)[r] = floe_timestamp_extract(unit, ts);
        }
    });
    return FLOE_OK;
}

static int time_bucket(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *w = &fa->args[0], *t = &fa->args[1];
    const floe_interval *iv = w->data;
    int64_t *o = out->data;
    if (w->type.id != FLOE_TYPE_INTERVAL)
        return floe_err_set(err, FLOE_TYPE, "time_bucket: bucket width must be an INTERVAL");
    FLOE_FOR_ROWS(fa, r, {
        floe_interval x = iv[floe_vidx(w, r)];
        if (!floe_bit(out->validity, r)) continue;
        if (x.months < 0 || x.days < 0 || x.micros < 0 || (x.months == 0 && x.days == 0 && x.micros == 0))
            return floe_err_set(err, FLOE_RANGE, "time_bucket: bucket width must be positive");
        if (x.months && (x.days || x.micros))
            return floe_err_set(err, FLOE_RANGE,
                                "time_bucket: month intervals cannot have day or time component");
        {
            int64_t ts;
            if (!ts_at(t, r, &ts) || !floe_time_bucket(x, ts, &o[r]))
                return ts_range("time_bucket", t, r, err);
        }
    });
    return FLOE_OK;
}

int floe_fn_date_eval(const floe_fnargs *fa, floe_vec *out, floe_err *err)
{
    const floe_vec *t;
    if (fa->nargs != 2) return floe_err_set(err, FLOE_MISUSE, "date function needs 2 arguments");
    t = &fa->args[1];
    if (t->type.id != FLOE_TYPE_TIMESTAMP && t->type.id != FLOE_TYPE_DATE)
        return floe_err_set(err, FLOE_TYPE, "date function needs a TIMESTAMP argument");
    switch (fa->e->fn) {
    case FLOE_FN_DATE_TRUNC: return date_trunc(fa, out, err);
    case FLOE_FN_DATE_PART: return date_part(fa, out, err);
    case FLOE_FN_TIME_BUCKET: return time_bucket(fa, out, err);
    default: return floe_err_set(err, FLOE_MISUSE, "not a date function");
    }
}
