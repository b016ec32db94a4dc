/* db/lake_dataset.c: resolving read_parquet / read_csv / read_json calls (see db/lake.h).
 *
 * read_parquet also takes columns={...}: the declared schema, every file
 * matched to it by name (external tables use it: db/crawl.c), and
 * union_by_name = true: every file's columns (a file lacking one reads
 * NULL; the same name with two types is an error naming the file).
 * Arguments (DuckDB's names): the first positional is a path, glob or
 * directory, or a list of them. Every function takes filename (true or a
 * column name) and hive_partitioning (default: on when a path has
 * key=value directories). read_csv: header, delim (sep, delimiter), quote,
 * escape, nullstr (null), columns={'name': 'TYPE', ...} (the schema: no
 * type detection), types={'name': 'TYPE'} (dtypes, column_types: override
 * detected types, by name, or by position as a list), all_varchar,
 * sample_size, auto_detect (false: every column VARCHAR unless declared),
 * parallel (false: one morsel per file). read_json: format = 'auto' |
 * 'newline_delimited' | 'array', columns={...}. Unknown names are errors.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "db/lake.h"
#include "db/lake_files.h"
#include "ingest/sniff.h"
#include "util/datetime.h"
#include "util/mem.h"
#include "util/os.h"

#define LAKE_SAMPLE_BYTES (4u << 20)
#define LAKE_CSV_CHUNK (16u << 20)
#define LAKE_MAX_HIVE 32

typedef struct lake_args {
    const floe_tf_arg *paths; /* the positional argument */
    int filename;             /* -1 unset */
    const char *filename_col;
    int hive;                 /* -1 auto */
    int header;               /* -1 detect */
    char delim, quote, escape;
    const char *nullstr;
    const floe_tf_arg *columns, *types;
    int all_varchar, auto_detect, parallel;
    uint32_t sample_rows;
    int json_array;           /* -1 auto */
    int union_by_name;        /* Parquet: the union of every file's columns */
} lake_args;

static bool arg_bool(const floe_tf_arg *a, int *out)
{
    if (a->kind != FLOE_TF_SCALAR || a->value.is_null) return false;
    if (a->value.type.id == FLOE_TYPE_BOOLEAN || floe_type_is_integer(a->value.type)) {
        *out = a->value.v.i != 0;
        return true;
    }
    if (a->value.type.id == FLOE_TYPE_VARCHAR) {
        const char *s = a->value.v.s.ptr;
        if (!strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcmp(s, "1")) *out = 1;
        else if (!strcasecmp(s, "false") || !strcasecmp(s, "off") || !strcmp(s, "0")) *out = 0;
        else return false;
        return true;
    }
    return false;
}

static const char *arg_str(const floe_tf_arg *a)
{
    if (a->kind != FLOE_TF_SCALAR || a->value.is_null || a->value.type.id != FLOE_TYPE_VARCHAR)
        return NULL;
    return a->value.v.s.ptr;
}

static int arg_char(const floe_tf_arg *a, const char *func, char *out, floe_err *err)
{
    const char *s = arg_str(a);
    if (s == NULL || (strlen(s) != 1 && !(s[0] == '\\' && s[1] == 't' && s[2] == 0)))
        return floe_err_set(err, FLOE_ERROR, "%s: %s must be one character", func, a->name);
    *out = s[0] == '\\' && s[1] == 't' ? '\t' : s[0];
    return FLOE_OK;
}

static int parse_args(floe_lake_format fmt, const char *func, const floe_tf_arg *args,
                      uint32_t nargs, lake_args *la, floe_err *err)
{
    uint32_t i;
    int rc;
    memset(la, 0, sizeof *la);
    la->filename = la->hive = la->header = la->json_array = -1;
    la->auto_detect = la->parallel = 1;
    for (i = 0; i < nargs; i++) {
        const floe_tf_arg *a = &args[i];
        const char *n = a->name;
        int b;
        if (n == NULL) {
            if (la->paths)
                return floe_err_set(err, FLOE_ERROR, "%s takes one positional argument (the files)", func);
            la->paths = a;
            continue;
        }
        if (!strcmp(n, "filename")) {
            if (arg_bool(a, &b)) la->filename = b;
            else if ((la->filename_col = arg_str(a)) != NULL) la->filename = 1;
            else goto bad;
        } else if (!strcmp(n, "hive_partitioning")) {
            if (!arg_bool(a, &la->hive)) goto bad;
        } else if (!strcmp(n, "union_by_name")) {
            if (!arg_bool(a, &la->union_by_name)) goto bad;
        } else if (!strcmp(n, "hive_types_autocast")) {
            if (!arg_bool(a, &b)) goto bad;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "header")) {
            if (!arg_bool(a, &la->header)) goto bad;
        } else if (fmt == FLOE_LAKE_CSV &&
                   (!strcmp(n, "delim") || !strcmp(n, "sep") || !strcmp(n, "delimiter"))) {
            if ((rc = arg_char(a, func, &la->delim, err))) return rc;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "quote")) {
            if ((rc = arg_char(a, func, &la->quote, err))) return rc;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "escape")) {
            if ((rc = arg_char(a, func, &la->escape, err))) return rc;
        } else if (fmt == FLOE_LAKE_CSV && (!strcmp(n, "nullstr") || !strcmp(n, "null"))) {
            if ((la->nullstr = arg_str(a)) == NULL) goto bad;
        } else if (!strcmp(n, "columns")) {
            if (a->kind != FLOE_TF_STRUCT) goto bad;
            la->columns = a;
        } else if (fmt == FLOE_LAKE_CSV &&
                   (!strcmp(n, "types") || !strcmp(n, "dtypes") || !strcmp(n, "column_types"))) {
            if (a->kind == FLOE_TF_SCALAR) goto bad;
            la->types = a;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "all_varchar")) {
            if (!arg_bool(a, &la->all_varchar)) goto bad;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "auto_detect")) {
            if (!arg_bool(a, &la->auto_detect)) goto bad;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "parallel")) {
            if (!arg_bool(a, &la->parallel)) goto bad;
        } else if (fmt == FLOE_LAKE_CSV && !strcmp(n, "sample_size")) {
            if (a->kind != FLOE_TF_SCALAR || !floe_type_is_integer(a->value.type)) goto bad;
            la->sample_rows = a->value.v.i <= 0 || a->value.v.i > (1 << 30) ? (1u << 30)
                                                                           : (uint32_t)a->value.v.i;
        } else if (fmt == FLOE_LAKE_JSON && !strcmp(n, "format")) {
            const char *s = arg_str(a);
            if (s == NULL) goto bad;
            if (!strcasecmp(s, "auto")) la->json_array = -1;
            else if (!strcasecmp(s, "newline_delimited") || !strcasecmp(s, "nd")) la->json_array = 0;
            else if (!strcasecmp(s, "array")) la->json_array = 1;
            else goto bad;
        } else {
            return floe_err_set(err, FLOE_ERROR, "%s: unknown argument '%s'%s", func, n,
                                fmt == FLOE_LAKE_CSV
                                    ? " (header, delim, quote, escape, nullstr, columns, types, "
                                      "all_varchar, auto_detect, sample_size, parallel, filename, "
                                      "hive_partitioning)"
                                : fmt == FLOE_LAKE_JSON ? " (format, columns, filename, hive_partitioning)"
                                                        : " (filename, hive_partitioning)");
        }
        continue;
    bad:
        return floe_err_set(err, FLOE_ERROR, "%s: bad value for argument '%s'", func, n);
    }
    if (la->paths == NULL)
        return floe_err_set(err, FLOE_ERROR, "%s needs the files to read (a path, glob or list)", func);
    return FLOE_OK;
}

static char *adup(floe_arena *a, const char *s) { return floe_arena_strndup(a, s, strlen(s)); }

/* ------------------------------------------------------------ files */

static int list_files(floe_lake_dataset *d, const lake_args *la, floe_err *err)
{
    floe_lake_filelist l;
    uint32_t i;
    int rc = FLOE_OK;
    memset(&l, 0, sizeof l);
    if (la->paths->kind == FLOE_TF_LIST) {
        for (i = 0; i < la->paths->nitems && rc == FLOE_OK; i++) {
            const char *p = arg_str(&la->paths->items[i]);
            if (p == NULL) rc = floe_err_set(err, FLOE_ERROR, "%s: the file list must hold strings", d->func);
            else rc = floe_lake_glob(p, &l, err);
        }
        if (rc == FLOE_OK && l.n == 0) rc = floe_err_set(err, FLOE_ERROR, "%s: an empty file list", d->func);
    } else {
        const char *p = arg_str(la->paths);
        if (p == NULL) rc = floe_err_set(err, FLOE_ERROR, "%s: the files must be a string or a list", d->func);
        else rc = floe_lake_glob(p, &l, err);
    }
    if (rc == FLOE_NOTFOUND) {
        char msg[FLOE_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        rc = floe_err_set(err, FLOE_IOERR, "%s: %s", d->func, msg);
    }
    if (rc != FLOE_OK) goto out;
    d->files = floe_arena_alloc(d->arena, l.n * sizeof *d->files);
    if (d->files == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    memset(d->files, 0, l.n * sizeof *d->files);
    for (i = 0; i < l.n; i++) {
        if ((d->files[i].path = adup(d->arena, l.e[i].path)) == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        d->files[i].size = l.e[i].size;
        d->files[i].mtime_us = l.e[i].mtime_us;
    }
    d->nfiles = l.n;
out:
    floe_lake_filelist_free(&l);
    return rc;
}

/* Hive keys across all files (first appearance order) and their values. */
static int hive_columns(floe_lake_dataset *d, int hive, const char ***out_keys, uint32_t *out_n,
                        floe_err *err)
{
    const char **keys = floe_arena_alloc(d->arena, LAKE_MAX_HIVE * sizeof *keys);
    uint32_t nk = 0, f, k, j;
    char buf[4096];
    *out_keys = keys;
    *out_n = 0;
    if (keys == NULL) return floe_err_nomem(err);
    if (hive == 0) return FLOE_OK;
    for (f = 0; f < d->nfiles; f++) {
        const char *fk[LAKE_MAX_HIVE], *fv[LAKE_MAX_HIVE];
        uint32_t n = floe_lake_hive_parse(d->files[f].path, buf, sizeof buf, fk, fv, LAKE_MAX_HIVE);
        for (k = 0; k < n; k++) {
            for (j = 0; j < nk && strcmp(keys[j], fk[k]) != 0; j++) {
            }
            if (j == nk && nk < LAKE_MAX_HIVE) {
                bool clash = false;
                for (uint32_t c = 0; c < d->nfilecols; c++)
                    if (!strcasecmp(d->names[c], fk[k])) clash = true;
                if (clash) continue; /* the file's column wins */
                if ((keys[nk++] = adup(d->arena, fk[k])) == NULL) return floe_err_nomem(err);
            }
        }
    }
    *out_n = nk;
    return FLOE_OK;
}

/* Type and per-file values of the hive keys. */
static int hive_values(floe_lake_dataset *d, const char **keys, uint32_t nk, floe_err *err)
{
    char buf[4096];
    unsigned *mask = floe_calloc(nk + 1, sizeof *mask);
    uint32_t f, k, j;
    if (mask == NULL) return floe_err_nomem(err);
    for (k = 0; k < nk; k++) mask[k] = ~0u;
    for (f = 0; f < d->nfiles; f++) {
        const char *fk[LAKE_MAX_HIVE], *fv[LAKE_MAX_HIVE];
        uint32_t n = floe_lake_hive_parse(d->files[f].path, buf, sizeof buf, fk, fv, LAKE_MAX_HIVE);
        d->files[f].part = floe_arena_alloc(d->arena, (nk + 1) * sizeof(floe_value));
        if (d->files[f].part == NULL) {
            floe_free(mask);
            return floe_err_nomem(err);
        }
        for (k = 0; k < nk; k++) {
            floe_value *v = &d->files[f].part[k];
            *v = floe_value_null(floe_type_make(FLOE_TYPE_VARCHAR));
            for (j = 0; j < n; j++)
                if (!strcmp(fk[j], keys[k])) break;
            if (j == n || !strcmp(fv[j], "__HIVE_DEFAULT_PARTITION__") || fv[j][0] == 0) continue;
            v->is_null = false;
            v->v.s.ptr = adup(d->arena, fv[j]);
            v->v.s.len = (uint32_t)strlen(fv[j]);
            if (v->v.s.ptr == NULL) {
                floe_free(mask);
                return floe_err_nomem(err);
            }
            mask[k] &= floe_sniff_value(fv[j], strlen(fv[j]));
        }
    }
    for (k = 0; k < nk; k++) {
        floe_type t = floe_type_make(FLOE_TYPE_VARCHAR);
        if (mask[k] != ~0u) {
            if (mask[k] & (1u << FLOE_TYPE_BIGINT)) t = floe_type_make(FLOE_TYPE_BIGINT);
            else if (mask[k] & (1u << FLOE_TYPE_DATE)) t = floe_type_make(FLOE_TYPE_DATE);
        }
        d->types[d->nfilecols + k] = t;
        d->names[d->nfilecols + k] = keys[k];
        for (f = 0; f < d->nfiles; f++) {
            floe_value *v = &d->files[f].part[k];
            floe_value tv = floe_value_null(t);
            if (!v->is_null && t.id == FLOE_TYPE_BIGINT) {
                tv.is_null = false;
                tv.v.i = strtoll(v->v.s.ptr, NULL, 10);
                *v = tv;
            } else if (!v->is_null && t.id == FLOE_TYPE_DATE) {
                int32_t dd = 0;
                floe_date_parse(v->v.s.ptr, v->v.s.len, &dd, NULL);
                tv.is_null = false;
                tv.v.i = dd;
                *v = tv;
            } else {
                v->type = t;
            }
        }
    }
    floe_free(mask);
    return FLOE_OK;
}

/* ------------------------------------------------------------ schemas */

static int alloc_cols(floe_lake_dataset *d, uint32_t n, floe_err *err)
{
    d->names = floe_arena_alloc(d->arena, (n + 1) * sizeof *d->names);
    d->types = floe_arena_alloc(d->arena, (n + 1) * sizeof *d->types);
    if (d->names == NULL || d->types == NULL) return floe_err_nomem(err);
    return FLOE_OK;
}

static int declared_types(floe_lake_dataset *d, const lake_args *la, floe_sniff_result *sr,
                          floe_err *err);

/* The first file's columns, or columns={...} when given (then every file is
 * matched by name to the declared columns: a missing one reads NULL). */
static int parquet_schema(floe_lake_dataset *d, const lake_args *la, floe_err *err)
{
    uint32_t f, c, k, ncols;
    int rc;
    for (f = 0; f < d->nfiles; f++)
        if ((rc = floe_pq_open(d->files[f].path, &d->files[f].pq, err)) != FLOE_OK) return rc;
    if (la->columns) {
        floe_sniff_result none;
        memset(&none, 0, sizeof none);
        if ((rc = declared_types(d, la, &none, err)) != FLOE_OK) return rc;
        ncols = d->nfilecols;
    } else if (la->union_by_name) {
        /* every file's columns, in order of first appearance */
        uint32_t cap = 0;
        for (f = 0; f < d->nfiles; f++) cap += floe_pq_ncols(d->files[f].pq);
        if ((rc = alloc_cols(d, cap + LAKE_MAX_HIVE + 1, err))) return rc;
        ncols = 0;
        for (f = 0; f < d->nfiles; f++)
            for (k = 0; k < floe_pq_ncols(d->files[f].pq); k++) {
                const floe_pq_column *pc = floe_pq_col(d->files[f].pq, k);
                for (c = 0; c < ncols && strcmp(d->names[c], pc->name) != 0; c++) {
                }
                if (c < ncols) continue;
                d->names[ncols] = adup(d->arena, pc->name);
                d->types[ncols] = pc->type.id == FLOE_TYPE_INVALID ? floe_type_make(FLOE_TYPE_VARCHAR) : pc->type;
                if (d->names[ncols++] == NULL) return floe_err_nomem(err);
            }
        d->nfilecols = ncols;
    } else {
        ncols = floe_pq_ncols(d->files[0].pq);
        d->nfilecols = ncols;
        if ((rc = alloc_cols(d, ncols + LAKE_MAX_HIVE + 1, err))) return rc;
    }
    for (c = 0; c < ncols && !la->columns && !la->union_by_name; c++) {
        const floe_pq_column *pc = floe_pq_col(d->files[0].pq, c);
        d->names[c] = adup(d->arena, pc->name);
        /* an unsupported (nested) column is listed; reading it is the
         * reader's FLOE_UNSUPPORTED naming it */
        d->types[c] = pc->type.id == FLOE_TYPE_INVALID ? floe_type_make(FLOE_TYPE_VARCHAR) : pc->type;
        if (d->names[c] == NULL) return floe_err_nomem(err);
    }
    for (f = 0; f < d->nfiles; f++) {
        floe_pq_file *pq = d->files[f].pq;
        uint32_t *map = floe_arena_alloc(d->arena, (ncols + 1) * sizeof *map);
        if (map == NULL) return floe_err_nomem(err);
        for (c = 0; c < ncols; c++) {
            map[c] = UINT32_MAX;
            for (k = 0; k < floe_pq_ncols(pq); k++) {
                const floe_pq_column *pc = floe_pq_col(pq, k);
                if (strcmp(pc->name, d->names[c]) != 0) continue;
                if (pc->type.id != FLOE_TYPE_INVALID && !floe_type_eq(pc->type, d->types[c])) {
                    char a[48], b[48];
                    if (la->columns || la->union_by_name)
                        return floe_err_set(err, FLOE_TYPE, "%s: column '%s' is %s in '%s', not %s",
                                            d->func, d->names[c], floe_type_name(pc->type, b, sizeof b),
                                            d->files[f].path, floe_type_name(d->types[c], a, sizeof a));
                    return floe_err_set(err, FLOE_TYPE,
                                        "%s: column '%s' is %s in '%s' but %s in '%s'", d->func,
                                        d->names[c], floe_type_name(d->types[c], a, sizeof a),
                                        d->files[0].path, floe_type_name(pc->type, b, sizeof b),
                                        d->files[f].path);
                }
                map[c] = k;
                break;
            }
        }
        d->files[f].colmap = map;
        d->est_rows += (uint64_t)floe_pq_nrows(pq);
    }
    return FLOE_OK;
}

/* Read the first `cap` bytes of a file into *out (floe_malloc'ed). */
static int read_head(const char *path, size_t cap, char **out, size_t *out_n, floe_err *err)
{
    int fd, rc;
    size_t got = 0;
    char *buf = floe_malloc(cap + 1);
    *out = NULL;
    if (buf == NULL) return floe_err_nomem(err);
    if ((rc = floe_os_open(path, O_RDONLY, 0, &fd, err)) != FLOE_OK) {
        floe_free(buf);
        return rc;
    }
    rc = floe_os_pread(fd, buf, cap, 0, path, &got, err);
    floe_os_close(fd, path, NULL);
    if (rc != FLOE_OK) {
        floe_free(buf);
        return rc;
    }
    *out = buf;
    *out_n = got;
    return FLOE_OK;
}

/* Apply columns={...} (the whole schema) or types={...} (overrides). */
static int declared_types(floe_lake_dataset *d, const lake_args *la, floe_sniff_result *sr,
                          floe_err *err)
{
    uint32_t i, c;
    floe_err terr = FLOE_ERR_INIT;
    if (la->columns) {
        if (la->columns->nitems == 0) return floe_err_set(err, FLOE_ERROR, "%s: columns is empty", d->func);
        if (sr->ncols && sr->ncols != la->columns->nitems)
            return floe_err_set(err, FLOE_ERROR,
                                "%s: columns names %u columns but '%s' has %u", d->func,
                                la->columns->nitems, d->files[0].path, sr->ncols);
        d->nfilecols = la->columns->nitems;
        if (alloc_cols(d, d->nfilecols + LAKE_MAX_HIVE + 1, err)) return FLOE_NOMEM;
        for (i = 0; i < la->columns->nitems; i++) {
            const char *ts = arg_str(&la->columns->items[i]);
            if (ts == NULL || floe_type_parse(ts, strlen(ts), &d->types[i], &terr) != FLOE_OK)
                return floe_err_set(err, FLOE_ERROR, "%s: columns: bad type for '%s'", d->func,
                                    la->columns->items[i].name);
            if ((d->names[i] = adup(d->arena, la->columns->items[i].name)) == NULL)
                return floe_err_nomem(err);
        }
        return FLOE_OK;
    }
    d->nfilecols = sr->ncols;
    if (alloc_cols(d, d->nfilecols + LAKE_MAX_HIVE + 1, err)) return FLOE_NOMEM;
    for (c = 0; c < sr->ncols; c++) {
        if ((d->names[c] = adup(d->arena, sr->names[c])) == NULL) return floe_err_nomem(err);
        d->types[c] = la->all_varchar || !la->auto_detect ? floe_type_make(FLOE_TYPE_VARCHAR)
                                                          : sr->types[c];
    }
    if (la->types) {
        for (i = 0; i < la->types->nitems; i++) {
            const floe_tf_arg *it = &la->types->items[i];
            const char *ts = arg_str(it);
            floe_type t;
            if (ts == NULL || floe_type_parse(ts, strlen(ts), &t, &terr) != FLOE_OK)
                return floe_err_set(err, FLOE_ERROR, "%s: types: bad type '%s'", d->func,
                                    ts ? ts : "?");
            if (la->types->kind == FLOE_TF_LIST) {
                if (i >= d->nfilecols)
                    return floe_err_set(err, FLOE_ERROR, "%s: types lists %u types for %u columns",
                                        d->func, la->types->nitems, d->nfilecols);
                d->types[i] = t;
                continue;
            }
            for (c = 0; c < d->nfilecols && strcmp(d->names[c], it->name) != 0; c++) {
            }
            if (c == d->nfilecols)
                return floe_err_set(err, FLOE_ERROR, "%s: types names column '%s', which '%s' does not have",
                                    d->func, it->name, d->files[0].path);
            d->types[c] = t;
        }
    }
    return FLOE_OK;
}

static int csv_schema(floe_lake_dataset *d, const lake_args *la, bool *quoted_nl, floe_err *err)
{
    char *buf = NULL;
    size_t n = 0;
    floe_sniff_opts so;
    floe_sniff_result sr;
    int rc;
    memset(&sr, 0, sizeof sr);
    memset(&so, 0, sizeof so);
    so.delimiter = la->delim;
    so.quote = la->quote;
    so.escape = la->escape;
    so.header = la->columns && la->header < 0 ? 0 : la->header;
    so.null_str = la->nullstr;
    so.sample_rows = la->sample_rows;
    if ((rc = read_head(d->files[0].path, LAKE_SAMPLE_BYTES, &buf, &n, err)) != FLOE_OK) return rc;
    rc = floe_csv_sniff(buf, n, n < LAKE_SAMPLE_BYTES, &so, d->files[0].path, &sr, err);
    if (rc == FLOE_OK) {
        d->csv.delimiter = sr.delimiter;
        d->csv.quote = sr.quote;
        d->csv.escape = sr.escape;
        d->csv.header = sr.header;
        *quoted_nl = sr.quoted_newlines;
        if (la->nullstr && (d->csv.null_str = adup(d->arena, la->nullstr)) == NULL)
            rc = floe_err_nomem(err);
        if (rc == FLOE_OK) rc = declared_types(d, la, &sr, err);
        if (rc == FLOE_OK && sr.datefmt) { /* non-ISO date layouts the reader must know */
            uint8_t *fm = floe_arena_alloc(d->arena, d->nfilecols + 1);
            bool any = false;
            if (fm == NULL) rc = floe_err_nomem(err);
            for (uint32_t c = 0; fm && c < d->nfilecols; c++) {
                fm[c] = c < sr.ncols && floe_type_eq(d->types[c], sr.types[c]) ? sr.datefmt[c] : 0;
                any |= fm[c] != 0;
            }
            if (any) d->csv.date_formats = fm;
        }
        if (rc == FLOE_OK && sr.rows > 0) {
            uint64_t total = 0;
            for (uint32_t f = 0; f < d->nfiles; f++) total += d->files[f].size;
            d->est_rows = (uint64_t)((double)total / ((double)n / (double)sr.rows)) + 1;
        }
    }
    floe_sniff_result_free(&sr);
    floe_free(buf);
    return rc;
}

int floe_lake_json_text(const floe_lake_dataset *d, const char *path, char **out, size_t *out_n,
                        floe_err *err)
{
    char *buf = NULL;
    size_t n = 0, i = 0;
    int rc = floe_os_read_all(path, &buf, &n, err);
    if (rc != FLOE_OK) return rc;
    while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
    if (d->json_array == 1 || (d->json_array < 0 && i < n && buf[i] == '[')) {
        char *lines;
        size_t ln;
        rc = floe_json_array_to_lines(buf, n, path, &lines, &ln, err);
        floe_free(buf);
        if (rc != FLOE_OK) return rc;
        buf = lines;
        n = ln;
    }
    *out = buf;
    *out_n = n;
    return FLOE_OK;
}

static int json_schema(floe_lake_dataset *d, const lake_args *la, floe_err *err)
{
    char *buf = NULL;
    size_t n = 0;
    floe_sniff_result sr;
    int rc;
    memset(&sr, 0, sizeof sr);
    d->json_array = la->json_array;
    if ((rc = floe_lake_json_text(d, d->files[0].path, &buf, &n, err)) != FLOE_OK) return rc;
    if (la->columns) {
        lake_args l2 = *la;
        rc = declared_types(d, &l2, &sr, err);
    } else {
        rc = floe_json_sniff(buf, n, true, 0, d->files[0].path, &sr, err);
        if (rc == FLOE_OK) rc = declared_types(d, la, &sr, err);
    }
    if (rc == FLOE_OK && sr.rows > 0) {
        uint64_t total = 0;
        for (uint32_t f = 0; f < d->nfiles; f++) total += d->files[f].size;
        d->est_rows = (uint64_t)((double)total / ((double)n / (double)sr.rows)) + 1;
    }
    floe_sniff_result_free(&sr);
    floe_free(buf);
    return rc;
}

/* ------------------------------------------------------------ morsels */

static int push_morsel(floe_lake_dataset *d, uint32_t *cap, uint32_t file, uint64_t a, uint64_t b,
                       uint64_t rows)
{
    if (d->nm == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 64;
        floe_lake_morsel *m = floe_realloc(d->m, nc * sizeof *m);
        if (m == NULL) return FLOE_NOMEM;
        d->m = m;
        *cap = nc;
    }
    d->m[d->nm].file = file;
    d->m[d->nm].a = a;
    d->m[d->nm].b = b;
    d->m[d->nm].rows = rows;
    d->nm++;
    return FLOE_OK;
}

/* Offset just after the first line feed at or after `from` (or size). */
static int next_line_start(int fd, const char *path, uint64_t from, uint64_t size, uint64_t *out,
                           floe_err *err)
{
    char buf[65536];
    while (from < size) {
        size_t got = 0;
        const char *nl;
        int rc = floe_os_pread(fd, buf, sizeof buf, from, path, &got, err);
        if (rc != FLOE_OK) return rc;
        if (got == 0) break;
        if ((nl = memchr(buf, '\n', got)) != NULL) {
            *out = from + (uint64_t)(nl - buf) + 1;
            return FLOE_OK;
        }
        from += got;
    }
    *out = size;
    return FLOE_OK;
}

static int make_morsels(floe_lake_dataset *d, bool split_csv, floe_err *err)
{
    uint32_t cap = 0, f;
    int rc = FLOE_OK;
    for (f = 0; f < d->nfiles && rc == FLOE_OK; f++) {
        floe_lake_file *lf = &d->files[f];
        uint64_t per_byte_rows = d->est_rows;
        if (d->fmt == FLOE_LAKE_PARQUET) {
            uint32_t g;
            for (g = 0; g < floe_pq_nrowgroups(lf->pq) && rc == FLOE_OK; g++)
                if (push_morsel(d, &cap, f, g, g + 1, (uint64_t)floe_pq_rowgroup_rows(lf->pq, g)))
                    rc = floe_err_nomem(err);
            continue;
        }
        (void)per_byte_rows;
        if (d->fmt == FLOE_LAKE_CSV && split_csv && lf->size > 2ull * LAKE_CSV_CHUNK) {
            int fd;
            uint64_t a = 0;
            if ((rc = floe_os_open(lf->path, O_RDONLY, 0, &fd, err)) != FLOE_OK) break;
            while (a < lf->size && rc == FLOE_OK) {
                uint64_t b;
                if (lf->size - a < LAKE_CSV_CHUNK + LAKE_CSV_CHUNK / 2) b = lf->size;
                else if ((rc = next_line_start(fd, lf->path, a + LAKE_CSV_CHUNK, lf->size, &b, err)))
                    break;
                if (push_morsel(d, &cap, f, a, b, 0)) rc = floe_err_nomem(err);
                a = b;
            }
            floe_os_close(fd, lf->path, NULL);
        } else if (push_morsel(d, &cap, f, 0, lf->size, 0)) {
            rc = floe_err_nomem(err);
        }
    }
    if (rc == FLOE_OK && d->fmt != FLOE_LAKE_PARQUET) {
        uint64_t total = 0;
        uint32_t i;
        for (f = 0; f < d->nfiles; f++) total += d->files[f].size;
        for (i = 0; i < d->nm; i++)
            d->m[i].rows = total ? (uint64_t)((double)d->est_rows * (double)(d->m[i].b - d->m[i].a) /
                                              (double)total) + 1
                                 : 1;
    }
    return rc;
}

/* ------------------------------------------------------------ open */

/* range(...) and generate_series(...): one BIGINT column, morsels of rows. */
static int range_open(const char *func, const floe_tf_arg *args, uint32_t nargs,
                      floe_lake_dataset **out, floe_err *err)
{
    int64_t v[3] = {0, 0, 1}, count;
    bool incl = !strcmp(func, "generate_series");
    uint32_t i, cap = 0;
    floe_lake_dataset *d;
    if (nargs < 1 || nargs > 3)
        return floe_err_set(err, FLOE_ERROR, "%s takes (stop), (start, stop) or (start, stop, step)", func);
    for (i = 0; i < nargs; i++)
        if (args[i].name || args[i].kind != FLOE_TF_SCALAR || args[i].value.is_null ||
            !floe_type_is_integer(args[i].value.type))
            return floe_err_set(err, FLOE_ERROR, "%s: arguments must be integer constants", func);
    if (nargs == 1) v[1] = args[0].value.v.i;
    for (i = 0; nargs > 1 && i < nargs; i++) v[i] = args[i].value.v.i;
    if (v[2] == 0) return floe_err_set(err, FLOE_ERROR, "%s: the step must not be 0", func);
    if ((v[2] > 0 && v[1] < v[0]) || (v[2] < 0 && v[1] > v[0])) count = 0;
    else {
        uint64_t span = v[2] > 0 ? (uint64_t)v[1] - (uint64_t)v[0] : (uint64_t)v[0] - (uint64_t)v[1];
        uint64_t step = v[2] > 0 ? (uint64_t)v[2] : 0 - (uint64_t)v[2];
        uint64_t c = span / step + (incl || span % step ? 1 : 0);
        if (c > ((uint64_t)1 << 40)) return floe_err_set(err, FLOE_RANGE, "%s: more than 2^40 rows", func);
        count = (int64_t)c;
    }
    d = floe_calloc(1, sizeof *d);
    if (d == NULL || (d->arena = floe_arena_new(0)) == NULL) {
        floe_free(d);
        return floe_err_nomem(err);
    }
    d->fmt = FLOE_LAKE_RANGE;
    d->filename_col = -1;
    d->func = adup(d->arena, func);
    d->ncols = d->nfilecols = 1;
    if (alloc_cols(d, 1, err) != FLOE_OK || d->func == NULL) {
        floe_lake_dataset_free(d);
        return floe_err_nomem(err);
    }
    d->names[0] = d->func;
    d->types[0] = floe_type_make(FLOE_TYPE_BIGINT);
    d->range_start = v[0];
    d->range_step = v[2];
    d->est_rows = (uint64_t)count;
    for (int64_t a = 0; a < count; a += 122880) {
        int64_t b = count - a < 122880 ? count : a + 122880;
        if (push_morsel(d, &cap, 0, (uint64_t)a, (uint64_t)b, (uint64_t)(b - a))) {
            floe_lake_dataset_free(d);
            return floe_err_nomem(err);
        }
    }
    *out = d;
    return FLOE_OK;
}

int floe_lake_dataset_open(const char *func, const floe_tf_arg *args, uint32_t nargs,
                           floe_lake_dataset **out, floe_err *err)
{
    floe_lake_format fmt;
    floe_lake_dataset *d;
    lake_args la;
    const char **hkeys = NULL;
    uint32_t nk = 0;
    bool quoted_nl = false;
    int rc, hive;
    *out = NULL;
    if (!strcmp(func, "read_parquet") || !strcmp(func, "parquet_scan")) fmt = FLOE_LAKE_PARQUET;
    else if (!strcmp(func, "read_csv") || !strcmp(func, "read_csv_auto")) fmt = FLOE_LAKE_CSV;
    else if (!strcmp(func, "read_json") || !strcmp(func, "read_json_auto") ||
             !strcmp(func, "read_ndjson") || !strcmp(func, "read_ndjson_auto"))
        fmt = FLOE_LAKE_JSON;
    else if (!strcmp(func, "range") || !strcmp(func, "generate_series"))
        return range_open(func, args, nargs, out, err);
    else return FLOE_NOTFOUND;
    if ((rc = parse_args(fmt, func, args, nargs, &la, err)) != FLOE_OK) return rc;
    if (!strncmp(func, "read_ndjson", 11)) la.json_array = 0;
    d = floe_calloc(1, sizeof *d);
    if (d == NULL) return floe_err_nomem(err);
    d->fmt = fmt;
    d->func = func;
    d->filename_col = -1;
    d->arena = floe_arena_new(0);
    if (d->arena == NULL) {
        floe_free(d);
        return floe_err_nomem(err);
    }
    d->func = adup(d->arena, func);
    if ((rc = list_files(d, &la, err)) != FLOE_OK) goto fail;
    if (fmt == FLOE_LAKE_PARQUET) rc = parquet_schema(d, &la, err);
    else if (fmt == FLOE_LAKE_CSV) rc = csv_schema(d, &la, &quoted_nl, err);
    else rc = json_schema(d, &la, err);
    if (rc != FLOE_OK) goto fail;
    /* hive partitions: on when asked, or when some path has key=value */
    hive = la.hive;
    if ((rc = hive_columns(d, hive, &hkeys, &nk, err)) != FLOE_OK) goto fail;
    d->nhive = nk;
    d->ncols = d->nfilecols + nk;
    if ((rc = hive_values(d, hkeys, nk, err)) != FLOE_OK) goto fail;
    if (la.filename == 1) {
        d->filename_col = (int)d->ncols;
        d->names[d->ncols] = la.filename_col ? adup(d->arena, la.filename_col) : "filename";
        d->types[d->ncols] = floe_type_make(FLOE_TYPE_VARCHAR);
        d->ncols++;
    }
    if ((rc = make_morsels(d, la.parallel && !quoted_nl, err)) != FLOE_OK) goto fail;
    *out = d;
    return FLOE_OK;
fail:
    floe_lake_dataset_free(d);
    return rc;
}

void floe_lake_dataset_free(floe_lake_dataset *d)
{
    uint32_t f;
    if (d == NULL) return;
    for (f = 0; f < d->nfiles; f++) floe_pq_close(d->files[f].pq);
    floe_free(d->m);
    floe_arena_free(d->arena);
    floe_free(d);
}
