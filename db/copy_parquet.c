/* db/copy_parquet.c: COPY table|(query) TO 'path' (FORMAT parquet, ...).
 *
 * Options: FORMAT parquet (implied by a path ending in .parquet or by
 * PARTITION_BY), PARTITION_BY (col, ...), ROW_GROUP_SIZE n (rows, default
 * 122880), COMPRESSION zstd | snappy | gzip | lz4 | none (CODEC is an
 * alias; default snappy like DuckDB), COMPRESSION_LEVEL n (zstd), and
 * OVERWRITE / OVERWRITE_OR_IGNORE (accepted: files are replaced).
 *
 * Without PARTITION_BY the rows go to one file at `path`. With it, `path`
 * is a directory holding a hive-partitioned dataset: the rows of each
 * distinct value tuple go to `path/c1=v1/c2=v2/data_0.parquet` without the
 * partition columns (readers take them from the path, as DuckDB, Spark and
 * Trino do); NULL is __HIVE_DEFAULT_PARTITION__, a '/' or '%' in a value
 * is written %2F or %25 (readers decode them). Writers are opened as partitions appear (at most 4096).
 *
 * Failure: every file begun is removed (a partial dataset is never left
 * looking complete); directories made stay. The plan's batches come from
 * floe_db_run_plan on the calling thread.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db/copy.h"
#include "db/query.h"
#include "db/result_build.h"
#include "lake/parquet_format.h"
#include "lake/parquet_write.h"
#include "util/mem.h"
#include "util/os.h"

#define MAX_PARTS 4096
#define MAX_PCOLS 16

typedef struct pwriter {
    char *key;   /* the partition's directory suffix "a=1/b=x" */
    char *path;  /* the file */
    floe_pq_writer *w;
} pwriter;

typedef struct pq_copy {
    const char *path;
    floe_pq_write_options opt;
    uint32_t ncols;              /* plan columns */
    const char *const *names;
    const floe_type *types;
    uint32_t pcols[MAX_PCOLS];   /* partition columns (plan indexes) */
    uint32_t npcols;
    uint32_t *keep;              /* columns written into the files */
    uint32_t nkeep;
    const char **knames;
    floe_type *ktypes;
    pwriter *pw;
    uint32_t npw;
    uint32_t last;               /* index of the last writer used */
    uint64_t rows;
    uint32_t *sel;               /* FLOE_VEC_SIZE */
} pq_copy;

static const char *opt_str(const floe_bound_option *o)
{
    if (!o->has_value || o->value.is_null || o->value.type.id != FLOE_TYPE_VARCHAR) return NULL;
    return o->value.v.s.ptr;
}

bool floe_copy_is_parquet(const floe_bound_copy *bc)
{
    size_t pl = strlen(bc->path);
    bool parquet = pl > 8 && !strcasecmp(bc->path + pl - 8, ".parquet");
    uint32_t i;
    for (i = 0; i < bc->noptions; i++) {
        const char *s = opt_str(&bc->options[i]);
        if (!strcmp(bc->options[i].name, "format") && s) parquet = !strcasecmp(s, "parquet");
    }
    for (i = 0; i < bc->noptions; i++)
        if (!strcmp(bc->options[i].name, "partition_by")) parquet = true;
    return parquet;
}

static int parse_opts(const floe_bound_stmt *bs, pq_copy *pc, const char **pby, floe_err *err)
{
    const floe_bound_copy *bc = &bs->copy;
    uint32_t i;
    pc->opt.codec = PQ_CODEC_SNAPPY;
    *pby = NULL;
    for (i = 0; i < bc->noptions; i++) {
        const floe_bound_option *o = &bc->options[i];
        const char *s = opt_str(o);
        if (!strcmp(o->name, "format")) {
            if (s == NULL || strcasecmp(s, "parquet"))
                return floe_err_set(err, FLOE_ERROR, "COPY: FORMAT must be parquet with PARTITION_BY");
        } else if (!strcmp(o->name, "partition_by")) {
            if (s == NULL) return floe_err_set(err, FLOE_ERROR, "COPY: PARTITION_BY needs column names");
            *pby = s;
        } else if (!strcmp(o->name, "row_group_size")) {
            if (!o->has_value || !floe_type_is_integer(o->value.type) || o->value.v.i <= 0 ||
                o->value.v.i > (1 << 30))
                return floe_err_set(err, FLOE_ERROR, "COPY: ROW_GROUP_SIZE must be a positive row count");
            pc->opt.row_group_rows = (uint32_t)o->value.v.i;
        } else if (!strcmp(o->name, "compression") || !strcmp(o->name, "codec")) {
            if (s == NULL) return floe_err_set(err, FLOE_ERROR, "COPY: COMPRESSION needs a name");
            if (!strcasecmp(s, "zstd")) pc->opt.codec = PQ_CODEC_ZSTD;
            else if (!strcasecmp(s, "snappy")) pc->opt.codec = PQ_CODEC_SNAPPY;
            else if (!strcasecmp(s, "gzip")) pc->opt.codec = PQ_CODEC_GZIP;
            else if (!strcasecmp(s, "lz4") || !strcasecmp(s, "lz4_raw")) pc->opt.codec = PQ_CODEC_LZ4_RAW;
            else if (!strcasecmp(s, "none") || !strcasecmp(s, "uncompressed")) pc->opt.codec = PQ_CODEC_UNCOMPRESSED;
            else
                return floe_err_set(err, FLOE_ERROR,
                                    "COPY: unknown COMPRESSION '%s' (zstd, snappy, gzip, lz4, none)", s);
        } else if (!strcmp(o->name, "compression_level")) {
            if (!o->has_value || !floe_type_is_integer(o->value.type))
                return floe_err_set(err, FLOE_ERROR, "COPY: COMPRESSION_LEVEL must be an integer");
            pc->opt.zstd_level = (int)o->value.v.i;
        } else if (!strcmp(o->name, "overwrite") || !strcmp(o->name, "overwrite_or_ignore")) {
            /* files are replaced either way */
        } else {
            return floe_err_set(err, FLOE_ERROR,
                                "COPY: unknown option '%s' for parquet (FORMAT, PARTITION_BY, "
                                "ROW_GROUP_SIZE, COMPRESSION, COMPRESSION_LEVEL)",
                                o->name);
        }
    }
    return FLOE_OK;
}

/* The partition columns named in "a,b" (plan indexes). */
static int partition_cols(pq_copy *pc, const char *pby, floe_err *err)
{
    const char *s = pby;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        uint32_t c;
        for (c = 0; c < pc->ncols; c++)
            if (strlen(pc->names[c]) == n && !strncasecmp(pc->names[c], s, n)) break;
        if (c == pc->ncols)
            return floe_err_set(err, FLOE_ERROR, "COPY: PARTITION_BY column \"%.*s\" is not in the output",
                                (int)n, s);
        if (pc->npcols == MAX_PCOLS)
            return floe_err_set(err, FLOE_RANGE, "COPY: at most %d PARTITION_BY columns", MAX_PCOLS);
        pc->pcols[pc->npcols++] = c;
        s += n;
        if (*s == ',') s++;
    }
    return FLOE_OK;
}

/* Row r's directory suffix into buf ("a=1/b=x"). */
static void row_key(const pq_copy *pc, const floe_batch *b, uint32_t r, char *buf, size_t cap)
{
    size_t o = 0;
    uint32_t k;
    buf[0] = 0;
    for (k = 0; k < pc->npcols && o + 1 < cap; k++) {
        const floe_vec *v = &b->cols[pc->pcols[k]];
        char val[256];
        floe_value x;
        size_t i;
        if (!floe_vec_is_valid(v, r)) {
            snprintf(val, sizeof val, "__HIVE_DEFAULT_PARTITION__");
        } else {
            floe_value_load(v->type, v->data, r, &x);
            floe_value_format(&x, val, sizeof val);
        }
        o += (size_t)snprintf(buf + o, cap - o, "%s%s=", k ? "/" : "", pc->names[pc->pcols[k]]);
        for (i = 0; val[i] && o + 4 < cap; i++) {
            if (val[i] == '/' || val[i] == '%') {
                memcpy(buf + o, val[i] == '/' ? "%2F" : "%25", 3);
                o += 3;
            } else {
                buf[o++] = val[i];
            }
        }
        buf[o] = 0;
    }
}

static int writer_for(pq_copy *pc, const char *key, pwriter **out, floe_err *err)
{
    uint32_t i;
    pwriter *w;
    char *dir, *p;
    size_t n;
    int rc;
    if (pc->npw && !strcmp(pc->pw[pc->last].key, key)) {
        *out = &pc->pw[pc->last];
        return FLOE_OK;
    }
    for (i = 0; i < pc->npw; i++)
        if (!strcmp(pc->pw[i].key, key)) {
            pc->last = i;
            *out = &pc->pw[i];
            return FLOE_OK;
        }
    if (pc->npw == MAX_PARTS)
        return floe_err_set(err, FLOE_RANGE, "COPY: more than %d partitions", MAX_PARTS);
    if (pc->npw % 16 == 0) {
        pwriter *np = floe_realloc(pc->pw, (pc->npw + 16) * sizeof *np);
        if (np == NULL) return floe_err_nomem(err);
        pc->pw = np;
    }
    w = &pc->pw[pc->npw];
    memset(w, 0, sizeof *w);
    n = strlen(pc->path) + strlen(key) + 32;
    w->key = floe_malloc(strlen(key) + 1);
    w->path = floe_malloc(n);
    dir = floe_malloc(n);
    if (!w->key || !w->path || !dir) {
        floe_free(w->key);
        floe_free(w->path);
        floe_free(dir);
        return floe_err_nomem(err);
    }
    strcpy(w->key, key);
    pc->npw++;
    /* make every directory of path/key (and of path itself) */
    snprintf(dir, n, "%s/%s", pc->path, key);
    for (p = dir + 1; (p = strchr(p, '/')) != NULL && p < dir + strlen(pc->path); p++) {
        *p = 0;
        rc = floe_os_mkdir(dir, 0755, true, err);
        *p = '/';
        if (rc != FLOE_OK) {
            floe_free(dir);
            return rc;
        }
    }
    if ((rc = floe_os_mkdir(pc->path, 0755, true, err)) != FLOE_OK) {
        floe_free(dir);
        return rc;
    }
    for (p = dir + strlen(pc->path) + 1; *key && (p = strchr(p, '/')) != NULL; p++) {
        *p = 0;
        rc = floe_os_mkdir(dir, 0755, true, err);
        *p = '/';
        if (rc != FLOE_OK) {
            floe_free(dir);
            return rc;
        }
    }
    if (*key && (rc = floe_os_mkdir(dir, 0755, true, err)) != FLOE_OK) {
        floe_free(dir);
        return rc;
    }
    snprintf(w->path, n, "%s/data_0.parquet", dir);
    floe_free(dir);
    rc = floe_pq_writer_open(w->path, pc->nkeep, pc->knames, pc->ktypes, &pc->opt, &w->w, err);
    if (rc != FLOE_OK) return rc;
    pc->last = pc->npw - 1;
    *out = w;
    return FLOE_OK;
}

/* Write the rows sel[0..n) of b (kept columns) through w. */
static int write_rows(pq_copy *pc, pwriter *w, const floe_batch *b, const uint32_t *sel, uint32_t n,
                      floe_err *err)
{
    floe_batch v;
    floe_vec cols[256], *vc = cols;
    uint32_t k;
    int rc;
    if (pc->nkeep > 256 && (vc = floe_malloc(pc->nkeep * sizeof *vc)) == NULL) return floe_err_nomem(err);
    for (k = 0; k < pc->nkeep; k++) vc[k] = b->cols[pc->keep[k]];
    memset(&v, 0, sizeof v);
    v.ncols = pc->nkeep;
    v.n = b->n;
    v.cols = vc;
    v.sel = (uint32_t *)sel;
    v.nsel = n;
    rc = floe_pq_writer_write(w->w, &v, err);
    if (vc != cols) floe_free(vc);
    return rc;
}

static int sink_parquet(void *ctx, floe_batch *b, floe_err *err)
{
    pq_copy *pc = ctx;
    uint32_t n = floe_batch_rows(b), i, j;
    char key[1024];
    pwriter *w;
    int rc = FLOE_OK;
    uint32_t *ids;
    if (n == 0) return FLOE_OK;
    pc->rows += n;
    if (pc->npcols == 0) {
        if ((rc = writer_for(pc, "", &w, err)) != FLOE_OK) return rc;
        return write_rows(pc, w, b, b->sel, b->sel ? b->nsel : b->n, err);
    }
    /* each live row's writer, then the rows of each writer in order */
    ids = floe_malloc(n * sizeof *ids);
    if (ids == NULL) return floe_err_nomem(err);
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        row_key(pc, b, b->sel ? b->sel[i] : i, key, sizeof key);
        if ((rc = writer_for(pc, key, &w, err)) == FLOE_OK) ids[i] = (uint32_t)(w - pc->pw);
    }
    for (i = 0; i < n && rc == FLOE_OK; i++) {
        uint32_t id = ids[i], m = 0;
        if (id == UINT32_MAX) continue;
        for (j = i; j < n; j++)
            if (ids[j] == id) {
                pc->sel[m++] = b->sel ? b->sel[j] : j;
                ids[j] = UINT32_MAX;
            }
        rc = write_rows(pc, &pc->pw[id], b, pc->sel, m, err);
    }
    floe_free(ids);
    return rc;
}

int floe_copy_to_parquet(floe_db *db, floe_bound_stmt *bs, int64_t now_us, floe_result **out,
                         floe_err *err)
{
    pq_copy pc;
    const char *pby = NULL;
    uint32_t c, k, i;
    int rc;
    memset(&pc, 0, sizeof pc);
    pc.path = bs->copy.path;
    pc.ncols = bs->plan->root->ncols;
    pc.names = bs->plan->root->names;
    pc.types = bs->plan->root->types;
    if ((rc = parse_opts(bs, &pc, &pby, err)) != FLOE_OK) return rc;
    if (pby && (rc = partition_cols(&pc, pby, err)) != FLOE_OK) return rc;
    pc.keep = floe_calloc(pc.ncols + 1, sizeof *pc.keep);
    pc.knames = floe_calloc(pc.ncols + 1, sizeof *pc.knames);
    pc.ktypes = floe_calloc(pc.ncols + 1, sizeof *pc.ktypes);
    pc.sel = floe_calloc(FLOE_VEC_SIZE, sizeof *pc.sel);
    if (!pc.keep || !pc.knames || !pc.ktypes || !pc.sel) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (c = 0; c < pc.ncols; c++) {
        bool part = false;
        for (k = 0; k < pc.npcols; k++)
            if (pc.pcols[k] == c) part = true;
        if (part) continue;
        pc.keep[pc.nkeep] = c;
        pc.knames[pc.nkeep] = pc.names[c];
        pc.ktypes[pc.nkeep] = pc.types[c];
        pc.nkeep++;
    }
    if (pc.nkeep == 0) {
        rc = floe_err_set(err, FLOE_ERROR, "COPY: every column is a PARTITION_BY column");
        goto out;
    }
    if (pc.npcols == 0) {
        /* one file: open it even for zero rows */
        pwriter *w;
        pc.pw = floe_calloc(16, sizeof *pc.pw);
        if (pc.pw == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        w = &pc.pw[0];
        w->key = floe_calloc(1, 1);
        w->path = floe_malloc(strlen(pc.path) + 1);
        if (!w->key || !w->path) {
            floe_free(w->key);
            floe_free(w->path);
            rc = floe_err_nomem(err);
            goto out;
        }
        strcpy(w->path, pc.path);
        pc.npw = 1;
        rc = floe_pq_writer_open(w->path, pc.nkeep, pc.knames, pc.ktypes, &pc.opt, &w->w, err);
        if (rc != FLOE_OK) goto out;
    }
    rc = floe_db_run_plan(db, bs->plan, now_us, sink_parquet, &pc, err);
    for (i = 0; i < pc.npw; i++) {
        if (pc.pw[i].w == NULL) continue;
        if (rc == FLOE_OK) rc = floe_pq_writer_close(pc.pw[i].w, err);
        else floe_pq_writer_abort(pc.pw[i].w);
        pc.pw[i].w = NULL;
    }
out:
    for (i = 0; i < pc.npw; i++) {
        if (pc.pw[i].w) floe_pq_writer_abort(pc.pw[i].w);
        if (rc != FLOE_OK && pc.pw[i].path) floe_os_unlink(pc.pw[i].path, true, NULL);
        floe_free(pc.pw[i].key);
        floe_free(pc.pw[i].path);
    }
    floe_free(pc.pw);
    floe_free(pc.keep);
    floe_free(pc.knames);
    floe_free(pc.ktypes);
    floe_free(pc.sel);
    if (rc != FLOE_OK) return rc;
    *out = floe_result_new(0, NULL, NULL);
    if (*out == NULL) return floe_err_nomem(err);
    (*out)->rows_changed = pc.rows;
    return FLOE_OK;
}
