/* bench/bench_report.c: results table, CSV/JSON file and the SVG chart. */
#include "bench/bench_report.h"

#include <errno.h>
#include <string.h>

#include "util/mem.h"

void floe_bench_report_init(floe_bench_report *r, const char *ref_peer)
{
    memset(r, 0, sizeof *r);
    snprintf(r->ref, sizeof r->ref, "%s", ref_peer ? ref_peer : "");
}

void floe_bench_report_free(floe_bench_report *r)
{
    floe_free(r->recs);
    memset(r, 0, sizeof *r);
}

int floe_bench_report_add(floe_bench_report *r, const char *workload, const char *name,
                          const char *peer, const char *unit, double median, double min,
                          double max, double cold, long runs, const char *status,
                          FILE *progress, floe_err *err)
{
    floe_bench_record *x;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        floe_bench_record *v = floe_realloc(r->recs, cap * sizeof *v);
        if (v == NULL) return floe_err_nomem(err);
        r->recs = v;
        r->cap = cap;
    }
    x = &r->recs[r->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->workload, sizeof x->workload, "%s", workload);
    snprintf(x->name, sizeof x->name, "%s", name);
    snprintf(x->peer, sizeof x->peer, "%s", peer);
    snprintf(x->unit, sizeof x->unit, "%s", unit);
    x->median = median;
    x->min = min;
    x->max = max;
    x->cold = cold;
    x->runs = runs;
    snprintf(x->status, sizeof x->status, "%s", status ? status : "ok");
    if (progress) {
        fprintf(progress, "%s %s %s %.6g %.6g %.6g %.6g %s %s\n", x->workload, x->name, x->peer,
                x->median, x->min, x->max, x->cold, x->unit, x->status);
        fflush(progress);
    }
    return FLOE_OK;
}

static int ok(const floe_bench_record *x) { return strcmp(x->status, "ok") == 0; }

/* index of the first record of the same case, to walk cases in order */
static int same_case(const floe_bench_record *a, const floe_bench_record *b)
{
    return strcmp(a->workload, b->workload) == 0 && strcmp(a->name, b->name) == 0 &&
           strcmp(a->unit, b->unit) == 0;
}

static int first_of_case(const floe_bench_report *r, size_t i)
{
    size_t j;
    for (j = 0; j < i; j++)
        if (same_case(&r->recs[j], &r->recs[i])) return 0;
    return 1;
}

static const floe_bench_record *ref_of(const floe_bench_report *r, const floe_bench_record *x)
{
    size_t j;
    for (j = 0; j < r->n; j++)
        if (same_case(&r->recs[j], x) && strcmp(r->recs[j].peer, r->ref) == 0) return &r->recs[j];
    return NULL;
}

void floe_bench_report_print(const floe_bench_report *r, FILE *f)
{
    size_t i, j;
    fprintf(f, "\n%-8s %-32s %-8s %12s %12s %12s %12s %-7s %9s  %s\n", "workload", "case", "peer",
            "median", "min", "max", "cold", "unit", r->ref[0] ? "ref/peer" : "", "status");
    for (i = 0; i < r->n; i++) {
        if (!first_of_case(r, i)) continue;
        for (j = i; j < r->n; j++) {
            const floe_bench_record *x = &r->recs[j], *ref;
            char ratio[32] = "";
            char cold[32] = "-";
            if (!same_case(x, &r->recs[i])) continue;
            ref = ref_of(r, x);
            if (ref && ref != x && ok(ref) && ok(x) && x->median > 0)
                snprintf(ratio, sizeof ratio, "%.3f", ref->median / x->median);
            if (x->cold >= 0) snprintf(cold, sizeof cold, "%.6g", x->cold);
            if (ok(x))
                fprintf(f, "%-8s %-32s %-8s %12.6g %12.6g %12.6g %12s %-7s %9s  ok\n", x->workload,
                        x->name, x->peer, x->median, x->min, x->max, cold, x->unit, ratio);
            else
                fprintf(f, "%-8s %-32s %-8s %12s %12s %12s %12s %-7s %9s  ERROR: %s\n", x->workload,
                        x->name, x->peer, "-", "-", "-", "-", x->unit, "", x->status);
        }
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

int floe_bench_report_write(const floe_bench_report *r, const char *path, floe_err *err)
{
    FILE *f = fopen(path, "w");
    size_t i;
    int json = ends_with(path, ".json");
    if (f == NULL) return floe_err_set(err, FLOE_IOERR, "open %s: %s", path, strerror(errno));
    if (json)
        fprintf(f, "{\"reference\": \"%s\", \"results\": [\n", r->ref);
    else
        fprintf(f, "workload,case,peer,unit,median,min,max,cold,runs,ratio_ref_over_peer,status\n");
    for (i = 0; i < r->n; i++) {
        const floe_bench_record *x = &r->recs[i], *ref = ref_of(r, x);
        double ratio = ref && ok(ref) && ok(x) && x->median > 0 ? ref->median / x->median : -1;
        if (json) {
            fprintf(f, "  {\"workload\": ");
            json_str(f, x->workload);
            fprintf(f, ", \"case\": ");
            json_str(f, x->name);
            fprintf(f, ", \"peer\": ");
            json_str(f, x->peer);
            fprintf(f, ", \"unit\": ");
            json_str(f, x->unit);
            fprintf(f, ", \"median\": %.9g, \"min\": %.9g, \"max\": %.9g, ", x->median, x->min, x->max);
            if (x->cold >= 0)
                fprintf(f, "\"cold\": %.9g, ", x->cold);
            else
                fprintf(f, "\"cold\": null, ");
            fprintf(f, "\"runs\": %ld, ", x->runs);
            if (ratio >= 0)
                fprintf(f, "\"ratio_ref_over_peer\": %.6g, ", ratio);
            else
                fprintf(f, "\"ratio_ref_over_peer\": null, ");
            fprintf(f, "\"status\": ");
            json_str(f, x->status);
            fprintf(f, "}%s\n", i + 1 < r->n ? "," : "");
        } else {
            fprintf(f, "%s,%s,%s,%s,%.9g,%.9g,%.9g,", x->workload, x->name, x->peer, x->unit,
                    x->median, x->min, x->max);
            if (x->cold >= 0) fprintf(f, "%.9g", x->cold);
            fprintf(f, ",%ld,", x->runs);
            if (ratio >= 0) fprintf(f, "%.6g", ratio);
            fputc(',', f);
            csv_str(f, x->status);
            fputc('\n', f);
        }
    }
    if (json) fprintf(f, "]}\n");
    if (fclose(f) != 0) return floe_err_set(err, FLOE_IOERR, "close %s: %s", path, strerror(errno));
    return FLOE_OK;
}

void floe_bench_report_svg_path(const char *results, char *out, size_t cap)
{
    const char *slash = strrchr(results, '/'), *dot = strrchr(results, '.');
    size_t n = dot && (!slash || dot > slash) ? (size_t)(dot - results) : strlen(results);
    snprintf(out, cap, "%.*s.svg", (int)n, results);
}

static const char *color(const floe_bench_report *r, const char *peer)
{
    if (strcmp(peer, r->ref) == 0) return "#d9480f";
    if (strcmp(peer, "duckdb") == 0) return "#1c7ed6";
    if (strcmp(peer, "sqlite") == 0) return "#2b8a3e";
    if (strcmp(peer, "clickhouse") == 0) return "#e8a200";
    return "#868e96";
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

int floe_bench_report_svg(const floe_bench_report *r, const char *path, floe_err *err)
{
    const int width = 960, label_w = 330, bar_w = 480, bar_h = 14, gap = 10, title_h = 18;
    FILE *f;
    size_t i, j;
    int height = 40, y;

    for (i = 0; i < r->n; i++) {
        if (first_of_case(r, i)) height += title_h + gap;
        height += bar_h + 2;
    }
    f = fopen(path, "w");
    if (f == NULL) return floe_err_set(err, FLOE_IOERR, "open %s: %s", path, strerror(errno));
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n", width, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">floe-bench: ");
    xml_text(f, r->ref[0] ? r->ref : "peers");
    fprintf(f, " vs peers (bars scaled per case; time: shorter is better, rate: longer is better)"
               "</text>\n");
    y = 40;
    for (i = 0; i < r->n; i++) {
        double top = 0;
        if (!first_of_case(r, i)) continue;
        for (j = i; j < r->n; j++)
            if (same_case(&r->recs[j], &r->recs[i]) && ok(&r->recs[j]) && r->recs[j].median > top)
                top = r->recs[j].median;
        y += gap;
        fprintf(f, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">", y + 12);
        xml_text(f, r->recs[i].workload);
        fputc(' ', f);
        xml_text(f, r->recs[i].name);
        fprintf(f, " (%s)</text>\n", r->recs[i].unit);
        y += title_h;
        for (j = i; j < r->n; j++) {
            const floe_bench_record *x = &r->recs[j];
            int w;
            if (!same_case(x, &r->recs[i])) continue;
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 6, y + 11);
            xml_text(f, x->peer);
            fprintf(f, "</text>\n");
            if (ok(x)) {
                w = top > 0 ? (int)(x->median / top * bar_w + 0.5) : 0;
                if (w < 1) w = 1;
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>\n",
                        label_w, y, w, bar_h, color(r, x->peer));
                fprintf(f, "<text x=\"%d\" y=\"%d\">%.4g %s</text>\n", label_w + w + 4, y + 11,
                        x->median, x->unit);
            } else {
                fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#c92a2a\">ERROR: ", label_w, y + 11);
                xml_text(f, x->status);
                fprintf(f, "</text>\n");
            }
            y += bar_h + 2;
        }
    }
    fprintf(f, "</svg>\n");
    if (fclose(f) != 0) return floe_err_set(err, FLOE_IOERR, "close %s: %s", path, strerror(errno));
    return FLOE_OK;
}
