/* bench/bench_storage.c: encode/decode measurements of the column format.
 *
 * floe_bench_storage(argc, argv) writes synthetic columns (and, when present,
 * the columns of lineitem.csv and events.csv in $FLOE_PEERDATA, default
 * /tmp/peerdata; '|' or ',' separated, header line detected) as
 * one-column parts, reads every block back, checks each value against the
 * input, and prints one line per column: raw bytes, bytes on disk, ratio,
 * encodings chosen, write speed (raw bytes / second through the part writer,
 * fsyncs included) and decode speed (raw bytes / second, best of 3).
 * Arguments: [rows (default 1000000)] [seed (default 42)]. Returns 0, or 1
 * when a column does not read back exactly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lz4.h>

#include "storage/encode.h"
#include "storage/part.h"
#include "util/arena.h"
#include "util/datetime.h"
#include "util/mem.h"

int floe_bench_storage(int argc, char **argv);

static uint64_t bs_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void rm_part(const char *pdir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pdir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", pdir);
}

/* Totals of one data set's columns: raw bytes, bytes on disk. */
static uint64_t tot_raw, tot_disk;

/* Write v (n rows) as a part, read it back, verify and print one line. */
static int bench_column(const char *tmp, const char *label, const floe_vec *v, int64_t id)
{
    floe_part_column col = {1, label, v->type};
    floe_part_schema schema = {&col, 1};
    floe_part_writer *w;
    floe_part_reader *r;
    floe_part_info info;
    floe_err err = FLOE_ERR_INIT;
    floe_batch b;
    char pdir[4096], encs[128] = "";
    uint32_t enc_count[FLOE_ENC_COUNT] = {0}, lz4 = 0, zstd = 0, nb, blk, i, e;
    uint64_t raw = (uint64_t)v->n * floe_type_size(v->type), row = 0;
    double best = 1e30, t0, tw;
    int rep, bad = 0;
    size_t w_ = floe_type_size(v->type);

    if (v->type.id == FLOE_TYPE_VARCHAR)
        for (i = 0; i < v->n; i++) raw += ((const floe_string *)v->data)[i].len - sizeof(floe_string) + 4;
    memset(&b, 0, sizeof b);
    b.ncols = 1;
    b.n = v->n;
    b.cols = (floe_vec *)v;
    tw = now_s();
    if (floe_part_writer_open(tmp, id, &schema, 0, &w, &err) ||
        floe_part_writer_append(w, &b, &err) || floe_part_writer_finish(w, &info, &err)) {
        fprintf(stderr, "bench %s: %s\n", label, err.msg);
        return 1;
    }
    tw = now_s() - tw; /* includes the fsyncs */
    floe_part_dir(tmp, id, pdir, sizeof pdir);
    if (floe_part_reader_open(pdir, &schema, &r, &err)) {
        fprintf(stderr, "bench %s: %s\n", label, err.msg);
        floe_part_info_free(&info);
        return 1;
    }
    nb = floe_part_reader_nblocks(r);
    for (blk = 0; blk < nb; blk++) {
        const floe_block_info *bi = floe_part_reader_block_info(r, 0, blk);
        enc_count[bi->encoding]++;
        lz4 += (bi->flags & FLOE_BLOCK_LZ4) != 0;
        zstd += (bi->flags & FLOE_BLOCK_ZSTD) != 0;
    }
    for (e = 0; e < FLOE_ENC_COUNT; e++)
        if (enc_count[e]) {
            size_t l = strlen(encs);
            snprintf(encs + l, sizeof encs - l, "%s%s:%u", l ? "," : "", floe_encode_name((int)e),
                     enc_count[e]);
        }
    if (lz4) {
        size_t l = strlen(encs);
        snprintf(encs + l, sizeof encs - l, "+lz4:%u", lz4);
    }
    if (zstd) {
        size_t l = strlen(encs);
        snprintf(encs + l, sizeof encs - l, "+zstd:%u", zstd);
    }
    for (rep = 0; rep < 3; rep++) {
        t0 = now_s();
        for (blk = 0; blk < nb; blk++) {
            floe_vec out;
            if (floe_part_read_block(r, 0, blk, &out, &err)) {
                fprintf(stderr, "bench %s: %s\n", label, err.msg);
                bad = 1;
                break;
            }
            if (rep == 0) { /* verify against the input */
                for (i = 0; i < out.n && !bad; i++, row++) {
                    int valid = floe_vec_is_valid(v, (uint32_t)row);
                    if (valid != floe_vec_is_valid(&out, i)) bad = 1;
                    else if (!valid) continue;
                    else if (v->type.id == FLOE_TYPE_VARCHAR) {
                        floe_string a = ((floe_string *)v->data)[row], c = ((floe_string *)out.data)[i];
                        bad = a.len != c.len || (a.len && memcmp(a.ptr, c.ptr, a.len) != 0);
                    } else {
                        bad = memcmp((char *)v->data + row * w_, (char *)out.data + (size_t)i * w_, w_) != 0;
                    }
                }
            }
            floe_vec_free(&out);
        }
        t0 = now_s() - t0;
        if (t0 < best) best = t0;
    }
    printf("%-28s %-10s rows=%-9u raw=%-11llu disk=%-11llu ratio=%6.2f enc=%-28s encode=%6.3f GB/s decode=%6.2f GB/s%s\n",
           label, floe_type_name(v->type, (char[32]){0}, 32), v->n, (unsigned long long)raw,
           (unsigned long long)info.bytes, info.bytes ? (double)raw / (double)info.bytes : 0.0,
           encs, tw > 0 ? (double)raw / tw / 1e9 : 0.0, best > 0 ? (double)raw / best / 1e9 : 0.0, bad ? "  MISMATCH" : "");
    tot_raw += raw;
    tot_disk += info.bytes;
    floe_part_reader_unref(r);
    floe_part_info_free(&info);
    rm_part(pdir);
    return bad;
}

/* ---------------------------------------------------------------- CSV */

typedef struct csv_col {
    char name[64];
    int is_int, is_num, is_date, is_ts; /* all non-empty fields so far parse as ... */
} csv_col;

static int parse_i64(const char *s, size_t n, int64_t *out)
{
    char buf[32], *e;
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    *out = strtoll(buf, &e, 10);
    return *e == 0;
}

static int parse_dbl(const char *s, size_t n, double *out)
{
    char buf[64], *e;
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    *out = strtod(buf, &e);
    return *e == 0;
}

static int parse_date(const char *s, size_t n, int32_t *out)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return 0;
    return floe_date_parse(s, n, out, NULL) == FLOE_OK;
}

static int parse_ts(const char *s, size_t n, int64_t *out)
{
    if (n < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':') return 0;
    return floe_timestamp_parse(s, n, out, NULL) == FLOE_OK;
}

/* Split `line` at `delim` (no quoting beyond stripping surrounding quotes). */
static uint32_t split(char *line, char delim, char **f, size_t *fl, uint32_t max)
{
    uint32_t n = 0;
    char *p = line;
    while (n < max) {
        char *e = strchr(p, delim);
        size_t l = e ? (size_t)(e - p) : strcspn(p, "\r\n");
        if (l >= 2 && p[0] == '"' && p[l - 1] == '"') {
            f[n] = p + 1;
            fl[n++] = l - 2;
        } else {
            f[n] = p;
            fl[n++] = l;
        }
        if (!e) break;
        p = e + 1;
    }
    return n;
}

static void bench_csv(const char *tmp, const char *path, uint32_t max_rows, int64_t *id, int *bad)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL, *f[64];
    size_t cap = 0, fl[64];
    ssize_t len;
    csv_col cols[64];
    uint32_t ncols = 0, nrows = 0, c, i, nf;
    char delim = ',';
    char **lines = NULL;
    int header = 0;
    if (fp == NULL) return;
    tot_raw = tot_disk = 0;
    lines = malloc((size_t)max_rows * sizeof *lines);
    while (nrows < max_rows && (len = getline(&line, &cap, fp)) > 0) lines[nrows++] = strdup(line);
    fclose(fp);
    free(line);
    if (nrows < 2) goto out;
    if (strchr(lines[0], '|')) delim = '|';
    nf = split(lines[0], delim, f, fl, 64);
    header = 1;
    for (c = 0; c < nf; c++) {
        double d;
        if (parse_dbl(f[c], fl[c], &d)) header = 0;
    }
    ncols = nf;
    for (c = 0; c < ncols; c++) {
        if (header)
            snprintf(cols[c].name, sizeof cols[c].name, "%.*s", (int)fl[c], f[c]);
        else
            snprintf(cols[c].name, sizeof cols[c].name, "col%u", c);
        cols[c].is_int = cols[c].is_num = cols[c].is_date = cols[c].is_ts = 1;
    }
    for (i = header; i < nrows; i++) {
        nf = split(lines[i], delim, f, fl, 64);
        for (c = 0; c < ncols && c < nf; c++) {
            int64_t x;
            double d;
            int32_t dt;
            int64_t ts;
            if (fl[c] == 0) continue;
            if (cols[c].is_ts && !parse_ts(f[c], fl[c], &ts)) cols[c].is_ts = 0;
            if (cols[c].is_int && !parse_i64(f[c], fl[c], &x)) cols[c].is_int = 0;
            if (cols[c].is_num && !parse_dbl(f[c], fl[c], &d)) cols[c].is_num = 0;
            if (cols[c].is_date && !parse_date(f[c], fl[c], &dt)) cols[c].is_date = 0;
        }
    }
    for (c = 0; c < ncols; c++) {
        floe_type t = floe_type_make(cols[c].is_int    ? FLOE_TYPE_BIGINT
                                     : cols[c].is_num  ? FLOE_TYPE_DOUBLE
                                     : cols[c].is_date ? FLOE_TYPE_DATE
                                     : cols[c].is_ts   ? FLOE_TYPE_TIMESTAMP
                                                       : FLOE_TYPE_VARCHAR);
        floe_vec v;
        char label[160];
        uint32_t n = nrows - (uint32_t)header;
        if (floe_vec_init(&v, t, n)) break;
        for (i = 0; i < n; i++) {
            nf = split(lines[i + (uint32_t)header], delim, f, fl, 64);
            if (c >= nf || (fl[c] == 0 && t.id != FLOE_TYPE_VARCHAR)) {
                floe_vec_set_null(&v, i);
                memset((char *)v.data + i * floe_type_size(t), 0, floe_type_size(t));
                continue;
            }
            if (t.id == FLOE_TYPE_BIGINT) parse_i64(f[c], fl[c], &((int64_t *)v.data)[i]);
            else if (t.id == FLOE_TYPE_DOUBLE) parse_dbl(f[c], fl[c], &((double *)v.data)[i]);
            else if (t.id == FLOE_TYPE_DATE) parse_date(f[c], fl[c], &((int32_t *)v.data)[i]);
            else if (t.id == FLOE_TYPE_TIMESTAMP) parse_ts(f[c], fl[c], &((int64_t *)v.data)[i]);
            else floe_vec_set_string(&v, i, f[c], (uint32_t)fl[c]);
        }
        v.n = n;
        snprintf(label, sizeof label, "%.60s:%.60s", strrchr(path, '/') + 1, cols[c].name);
        *bad |= bench_column(tmp, label, &v, (*id)++);
        floe_vec_free(&v);
    }
    printf("%-28s total      rows=%-9u raw=%-11llu disk=%-11llu ratio=%6.2f\n", strrchr(path, '/') + 1,
           nrows - (uint32_t)header, (unsigned long long)tot_raw, (unsigned long long)tot_disk,
           tot_disk ? (double)tot_raw / (double)tot_disk : 0.0);
out:
    for (i = 0; i < nrows; i++) free(lines[i]);
    free(lines);
}

/* Bit-unpacking kernel alone: GB/s of int64 output per width, verified. */
static int bench_unpack(uint64_t seed)
{
    static const uint32_t widths[] = {1, 3, 8, 13, 17, 32, 48, 57, 64};
    const uint32_t n = 65536;
    uint64_t *v = floe_malloc(n * sizeof *v), *out = floe_malloc(n * sizeof *out), s = seed;
    uint8_t *packed = floe_malloc((size_t)n * 8);
    int bad = 0;
    uint32_t k, i, rep;
    if (!v || !out || !packed) return 1;
    for (k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        uint32_t w = widths[k];
        uint64_t mask = w == 64 ? ~0ULL : (1ULL << w) - 1;
        double t0, best = 1e30;
        for (i = 0; i < n; i++) v[i] = bs_rand(&s) & mask;
        floe_encode_bitpack(v, n, w, packed);
        for (rep = 0; rep < 5; rep++) {
            uint32_t it;
            t0 = now_s();
            for (it = 0; it < 20; it++) floe_encode_bitunpack(packed, n, w, 7, out);
            t0 = (now_s() - t0) / 20;
            if (t0 < best) best = t0;
        }
        for (i = 0; i < n; i++) bad |= out[i] != v[i] + 7;
        printf("bitunpack w=%-2u %8.2f GB/s of int64 output%s\n", w,
               (double)n * 8 / best / 1e9, bad ? "  MISMATCH" : "");
    }
    floe_free(v);
    floe_free(out);
    floe_free(packed);
    return bad;
}

/* LZ4 through floe next to the library alone: the same 8 MB of values
 * (doubles of a random walk, which LZ4 shrinks a little) decoded by
 * LZ4_decompress_safe directly, and as a floe part column forced to
 * plain + LZ4 and read back block by block (checksums, headers, copies). */
static int bench_lz4(const char *tmp, uint64_t seed)
{
    const uint32_t n = 1u << 20;
    size_t raw = (size_t)n * 8;
    double *v = floe_malloc(raw), *out = floe_malloc(raw), x = 100.0, best_lib = 1e30, best_floe = 1e30;
    int cap = LZ4_compressBound((int)raw), clen, rep, bad = 0;
    char *comp = floe_malloc((size_t)cap), pdir[4096];
    uint64_t s = seed;
    uint32_t i, b;
    floe_part_column col = {1, "walk", {FLOE_TYPE_DOUBLE, 0, 0}};
    floe_part_schema schema = {&col, 1};
    floe_part_writer *w = NULL;
    floe_part_reader *r = NULL;
    floe_err err = FLOE_ERR_INIT;
    floe_batch batch;
    if (!v || !out || !comp) return 1;
    for (i = 0; i < n; i++) {
        x += (double)((int64_t)(bs_rand(&s) % 2001) - 1000) / 100.0;
        v[i] = x;
    }
    clen = LZ4_compress_default((const char *)v, comp, (int)raw, cap);
    for (rep = 0; rep < 5 && clen > 0; rep++) {
        double t0 = now_s();
        if (LZ4_decompress_safe(comp, (char *)out, clen, (int)raw) != (int)raw) bad = 1;
        t0 = now_s() - t0;
        if (t0 < best_lib) best_lib = t0;
    }
    bad |= memcmp(v, out, raw) != 0;
    memset(&batch, 0, sizeof batch);
    batch.ncols = 1;
    batch.n = n;
    batch.cols = floe_calloc(1, sizeof(floe_vec));
    if (batch.cols == NULL) return 1;
    floe_vec_borrow(&batch.cols[0], col.type, v, NULL, n);
    if (floe_part_writer_open(tmp, 999999, &schema, 0, &w, &err) == FLOE_OK) {
        floe_part_writer_set_encoding(w, FLOE_ENC_PLAIN, 1);
        if (floe_part_writer_append(w, &batch, &err) != FLOE_OK ||
            floe_part_writer_finish(w, NULL, &err) != FLOE_OK)
            bad = 1;
    } else {
        bad = 1;
    }
    floe_part_dir(tmp, 999999, pdir, sizeof pdir);
    if (!bad && floe_part_reader_open(pdir, &schema, &r, &err) == FLOE_OK) {
        for (rep = 0; rep < 5; rep++) {
            double t0 = now_s();
            uint64_t off = 0;
            for (b = 0; b < floe_part_reader_nblocks(r); b++) {
                floe_vec o;
                memset(&o, 0, sizeof o);
                if (floe_part_read_block(r, 0, b, &o, &err) != FLOE_OK) {
                    bad = 1;
                    break;
                }
                if (rep == 0) bad |= memcmp((const double *)o.data, v + off, (size_t)o.n * 8) != 0;
                off += o.n;
                floe_vec_free(&o);
            }
            t0 = now_s() - t0;
            if (t0 < best_floe) best_floe = t0;
        }
        floe_part_reader_unref(r);
    } else {
        bad = 1;
    }
    printf("lz4 decode: library %.2f GB/s, floe part column (plain+lz4) %.2f GB/s = %.0f%% of "
           "the library; ratio %.2f%s\n",
           (double)raw / best_lib / 1e9, (double)raw / best_floe / 1e9, 100.0 * best_lib / best_floe,
           clen > 0 ? (double)raw / clen : 0.0, bad ? "  MISMATCH" : "");
    rm_part(pdir);
    floe_free(batch.cols);
    floe_free(v);
    floe_free(out);
    floe_free(comp);
    return bad;
}

/* ---------------------------------------------------------- synthetic */

/* `floe-bench storage [ROWS [SEED]]`: --help prints this on stdout; any
 * other argument that is not a number is named and refused (exit 2). */
static int storage_args(int argc, char **argv, uint32_t *n, uint64_t *seed)
{
    int i;
    for (i = 1; i < argc; i++) {
        char *end;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: floe-bench storage [ROWS [SEED]]\n"
                   "  writes synthetic columns of ROWS values (default 1000000, seed 42) and the\n"
                   "  columns of lineitem.csv and events.csv in $FLOE_PEERDATA (default\n"
                   "  /tmp/peerdata) as one-column parts, reads every block back and checks it,\n"
                   "  and prints per column: bytes, ratio, encodings, write and decode speed\n");
            return 0;
        }
        strtoull(argv[i], &end, 10);
        if (i > 2 || *argv[i] == '\0' || *end != '\0') {
            fprintf(stderr, "floe-bench storage: unexpected argument '%s' (see floe-bench storage --help)\n",
                    argv[i]);
            return 2;
        }
    }
    *n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
    *seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 42;
    return -1;
}

int floe_bench_storage(int argc, char **argv)
{
    uint32_t n;
    uint64_t seed, s;
    int arg_rc = storage_args(argc, argv, &n, &seed);
    char tmp[] = "/tmp/floe-bench-storage-XXXXXX";
    static const char *kinds[] = {"click", "view", "purchase", "signup", "logout", "add_to_cart"};
    int64_t id = 1;
    int bad = 0, shape;
    uint32_t i;
    if (arg_rc >= 0) return arg_rc;
    if (n == 0) n = 1;
    if (mkdtemp(tmp) == NULL) {
        perror("bench: mkdtemp");
        return 1;
    }
    printf("floe-bench storage: rows=%u seed=%llu\n", n, (unsigned long long)seed);
    bad |= bench_unpack(seed);
    bad |= bench_lz4(tmp, seed);
    for (shape = 0; shape < 9; shape++) {
        static const char *labels[] = {"timestamp_sorted_jitter", "bigint_small_range",
                                       "integer_low_cardinality", "bigint_random",
                                       "double_price_2dp",        "double_random",
                                       "varchar_event_kind",      "varchar_url_high_card",
                                       "boolean_random"};
        static const floe_type_id types[] = {FLOE_TYPE_TIMESTAMP, FLOE_TYPE_BIGINT,
                                             FLOE_TYPE_INTEGER,   FLOE_TYPE_BIGINT,
                                             FLOE_TYPE_DOUBLE,    FLOE_TYPE_DOUBLE,
                                             FLOE_TYPE_VARCHAR,   FLOE_TYPE_VARCHAR,
                                             FLOE_TYPE_BOOLEAN};
        floe_vec v;
        int64_t ts = 1700000000000000LL;
        s = seed + (uint64_t)shape;
        if (floe_vec_init(&v, floe_type_make(types[shape]), n)) return 1;
        for (i = 0; i < n; i++) {
            uint64_t r = bs_rand(&s);
            switch (shape) {
            case 0: ts += (int64_t)(r % 2000); ((int64_t *)v.data)[i] = ts; break;
            case 1: ((int64_t *)v.data)[i] = (int64_t)(r % 100000); break;
            case 2: ((int32_t *)v.data)[i] = (int32_t)(r % 12) * 1000; break;
            case 3: ((int64_t *)v.data)[i] = (int64_t)r; break;
            case 4: ((double *)v.data)[i] = (double)(r % 1000000) / 100.0; break;
            case 5: ((double *)v.data)[i] = (double)r / 3.3e7; break;
            case 6: floe_vec_set_string(&v, i, kinds[r % 6], (uint32_t)strlen(kinds[r % 6])); break;
            case 7: {
                char buf[96];
                int l = snprintf(buf, sizeof buf, "https://example.com/p/%llu/item?id=%llu",
                                 (unsigned long long)(r % 50000), (unsigned long long)(r >> 40));
                floe_vec_set_string(&v, i, buf, (uint32_t)l);
                break;
            }
            default: ((uint8_t *)v.data)[i] = (uint8_t)(r & 1); break;
            }
        }
        v.n = n;
        bad |= bench_column(tmp, labels[shape], &v, id++);
        floe_vec_free(&v);
    }
    {
        const char *pd = getenv("FLOE_PEERDATA"); /* default /tmp/peerdata */
        char path[4096];
        snprintf(path, sizeof path, "%s/lineitem.csv", pd && *pd ? pd : "/tmp/peerdata");
        bench_csv(tmp, path, n, &id, &bad);
        snprintf(path, sizeof path, "%s/events.csv", pd && *pd ? pd : "/tmp/peerdata");
        bench_csv(tmp, path, n, &id, &bad);
    }
    rmdir(tmp);
    return bad;
}
