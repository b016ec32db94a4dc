/* datagen/gen.c: the peers kit's events stream, generated into column arrays.
 * The RNG call sequence mirrors ../shared/peers/gen_data.c (ev_gen_next). */
#include "datagen/gen.h"
#include "datagen/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dist {
    double *cdf;
    int n;
} dist;

struct floe_gen_events {
    uint64_t rs[4];
    int64_t t0_ms;
    double mean_gap, t;
    int64_t nusers;
    int64_t ts_offset_us;
    dist du, det, dctry, ddev, dsec, ditem;
    char urls[2048][48]; /* URL text of the last batch */
};

static const char *etypes[] = {"page_view", "click", "scroll", "search", "add_to_cart",
                               "login", "logout", "signup", "purchase", "error"};
static const double etw[] = {45, 20, 10, 7, 5, 4, 3, 2, 2, 2};
static const char *countries[] = {
    "US", "IN", "BR", "GB", "DE", "FR", "JP", "CA", "MX", "ID", "IT", "ES", "RU", "KR", "AU", "TR", "NL",
    "PL", "PH", "VN", "TH", "AR", "CO", "SE", "CH", "BE", "NG", "EG", "ZA", "PK", "BD", "SA", "AE", "MY",
    "SG", "CL", "PE", "AT", "NO", "DK", "FI", "IE", "PT", "GR", "CZ", "RO", "HU", "IL", "NZ", "UA"};
static const char *devices[] = {"android", "ios", "desktop", "tablet", "tv"};
static const double devw[] = {48, 27, 19, 5, 1};
static const char *sections[] = {"product", "category", "search", "cart", "checkout", "blog",
                                 "help", "account", "deals", "video", "news", "static"};
static const double secw[] = {35, 15, 12, 6, 3, 8, 4, 4, 5, 4, 3, 1};
static const double dur_med[10] = {1800, 250, 900, 1200, 400, 2500, 300, 9000, 6000, 150};







static int mkdist(dist *d, const double *w, int n)
{
    double s = 0, c = 0;
    int i;
    d->cdf = malloc(sizeof(double) * (size_t)n);
    if (d->cdf == NULL) return -1;
    d->n = n;
    for (i = 0; i < n; i++) s += w[i];
    for (i = 0; i < n; i++) {
        c += w[i] / s;
        d->cdf[i] = c;
    }
    d->cdf[n - 1] = 1.0;
    return 0;
}

static int mkzipf(dist *d, int n, double s)
{
    double *w = malloc(sizeof(double) * (size_t)n);
    int i, rc;
    if (w == NULL) return -1;
    for (i = 0; i < n; i++) w[i] = 1.0 / pow((double)(i + 1), s);
    rc = mkdist(d, w, n);
    free(w);
    return rc;
}

static inline int dsample(uint64_t *rs, const dist *d)
{
    double u = floe_rng_unit(rs);
    int lo = 0, hi = d->n - 1;
    while (lo < hi) {
        int mid = (lo + hi) >> 1;
        if (d->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

floe_gen_events *floe_gen_events_new(int64_t nrows, uint64_t seed)
{
    floe_gen_events *g = calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    floe_rng_seed(g->rs, seed);
    g->t0_ms = 19723LL * 86400000LL; /* 2024-01-01 */
    g->mean_gap = 7.0 * 86400000.0 / (double)(nrows > 0 ? nrows : 1);
    g->nusers = nrows / 5;
    if (g->nusers < 1000) g->nusers = 1000;
    if (mkzipf(&g->du, (int)g->nusers, 0.9) || mkdist(&g->det, etw, 10) ||
        mkzipf(&g->dctry, 50, 1.0) || mkdist(&g->ddev, devw, 5) || mkdist(&g->dsec, secw, 12) ||
        mkzipf(&g->ditem, 20000, 1.0)) {
        floe_gen_events_free(g);
        return NULL;
    }
    return g;
}

void floe_gen_events_free(floe_gen_events *g)
{
    if (g == NULL) return;
    free(g->du.cdf);
    free(g->det.cdf);
    free(g->dctry.cdf);
    free(g->ddev.cdf);
    free(g->dsec.cdf);
    free(g->ditem.cdf);
    free(g);
}

void floe_gen_events_set_ts_offset(floe_gen_events *g, int64_t offset_us) { g->ts_offset_us = offset_us; }

static floe_string str(const char *s)
{
    floe_string r;
    r.ptr = s;
    r.len = (uint32_t)strlen(s);
    return r;
}

void floe_gen_events_next(floe_gen_events *g, uint32_t n, int64_t *ts, int64_t *user_id,
                          floe_string *event_type, floe_string *country, floe_string *device,
                          int32_t *duration_ms, double *revenue, floe_string *url)
{
    uint32_t i;
    uint64_t *rs = g->rs;
    for (i = 0; i < n && i < 2048; i++) {
        int64_t t, rank, rev = 0;
        uint64_t x;
        int et, ct, dv, sec, item, len;
        double dur;
        g->t += -log(floe_rng_unit(rs)) * g->mean_gap;
        t = g->t0_ms + (int64_t)g->t;
        if (floe_rng_uniform(rs, 0, 99) == 0) t -= floe_rng_uniform(rs, 0, 5000);
        if (t < g->t0_ms) t = g->t0_ms;
        rank = dsample(rs, &g->du);
        x = (uint64_t)rank * 0x9E3779B97F4A7C15ULL;
        et = dsample(rs, &g->det);
        ct = dsample(rs, &g->dctry);
        dv = dsample(rs, &g->ddev);
        dur = dur_med[et] * exp(1.1 * floe_rng_normal(rs));
        if (dur > 3600000.0) dur = 3600000.0;
        if (et == 8) {
            rev = (int64_t)llround(3500.0 * exp(0.9 * floe_rng_normal(rs)));
            if (rev < 99) rev = 99;
        }
        sec = dsample(rs, &g->dsec);
        item = dsample(rs, &g->ditem) + 1;
        ts[i] = t * 1000 + g->ts_offset_us;
        user_id[i] = (int64_t)(((x ^ (x >> 29)) & ((1ULL << 40) - 1)) + 1);
        event_type[i] = str(etypes[et]);
        country[i] = str(countries[ct]);
        device[i] = str(devices[dv]);
        duration_ms[i] = (int32_t)dur;
        revenue[i] = (double)rev / 100.0;
        len = snprintf(g->urls[i], sizeof g->urls[i], "https://shop.example.com/%s/%d", sections[sec],
                       item);
        url[i].ptr = g->urls[i];
        url[i].len = (uint32_t)len;
    }
}

void floe_gen_events_columns(floe_gen_events *g, uint32_t n, void *const data[8])
{
    floe_gen_events_next(g, n, data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7]);
}
