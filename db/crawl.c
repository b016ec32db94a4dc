/* db/crawl.c: the crawler: datasets of files as external tables (see db/crawl.h). */
#include "db/crawl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "db/lake_files.h"
#include "db/result_build.h"
#include "ingest/sniff.h"
#include "storage/catalog_external.h"
#include "util/mem.h"
#include "util/os.h"
#include "util/strbuf.h"

#define MAX_HIVE 32

typedef struct dataset {
    char name[256];
    char location[4096];
    floe_lake_filelist files;
} dataset;

typedef struct dslist {
    dataset *d;
    uint32_t n, cap;
} dslist;

/* ------------------------------------------------------------ names */

static void table_name(const char *into, const char *base, size_t n, char *out, size_t cap)
{
    size_t o = 0, i;
    if (into) o = (size_t)snprintf(out, cap, "%s_", into);
    for (i = 0; i < n && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)base[i];
        out[o++] = isalnum(ch) ? (char)tolower(ch) : '_';
    }
    out[o] = 0;
    if ((o == 0 || isdigit((unsigned char)out[0])) && o + 3 < cap) {
        memmove(out + 2, out, o + 1);
        out[0] = 't';
        out[1] = '_';
    }
}

/* The stem of a path's last segment ("a/b/users.csv" -> "users"). */
static void stem(const char *path, const char **out, size_t *out_n)
{
    const char *s = strrchr(path, '/'), *dot;
    s = s ? s + 1 : path;
    dot = strchr(s, '.');
    *out = s;
    *out_n = dot && dot != s ? (size_t)(dot - s) : strlen(s);
}

static bool is_hive_name(const char *s) { return strchr(s, '=') != NULL; }

static int ds_push(dslist *l, const char *into, const char *base, size_t bn, const char *location,
                   floe_err *err)
{
    dataset *d;
    int rc;
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        dataset *nd = floe_realloc(l->d, cap * sizeof *nd);
        if (nd == NULL) return floe_err_nomem(err);
        l->d = nd;
        l->cap = cap;
    }
    d = &l->d[l->n];
    memset(d, 0, sizeof *d);
    table_name(into, base, bn, d->name, sizeof d->name);
    snprintf(d->location, sizeof d->location, "%s", location);
    if ((rc = floe_lake_glob(location, &d->files, err)) != FLOE_OK) {
        floe_lake_filelist_free(&d->files);
        return rc;
    }
    l->n++;
    return FLOE_OK;
}

static void ds_free(dslist *l)
{
    for (uint32_t i = 0; i < l->n; i++) floe_lake_filelist_free(&l->d[i].files);
    floe_free(l->d);
}

static int discover(const char *path, const char *into, dslist *l, floe_err *err)
{
    struct stat st;
    floe_os_dirlist dl;
    bool collection = false;
    uint32_t i;
    int rc = FLOE_OK;
    char p[4096];
    size_t pl;
    snprintf(p, sizeof p, "%s", path);
    pl = strlen(p);
    while (pl > 1 && p[pl - 1] == '/') p[--pl] = 0;
    if (strpbrk(p, "*?[")) {
        /* a glob: named after its last directory without wildcards */
        char dir[4096];
        const char *wild = strpbrk(p, "*?["), *slash;
        size_t dn = (size_t)(wild - p);
        memcpy(dir, p, dn);
        dir[dn] = 0;
        while (dn > 0 && dir[dn - 1] == '/') dir[--dn] = 0;
        while (dn > 0 && is_hive_name(dir + ((slash = strrchr(dir, '/')) ? (size_t)(slash - dir) + 1 : 0))) {
            if ((slash = strrchr(dir, '/')) == NULL) {
                dn = 0;
                break;
            }
            dn = (size_t)(slash - dir);
            dir[dn] = 0;
        }
        slash = strrchr(dir, '/');
        if (dn == 0) return ds_push(l, into, "files", 5, p, err);
        return ds_push(l, into, slash ? slash + 1 : dir, strlen(slash ? slash + 1 : dir), p, err);
    }
    if (floe_os_stat(p, &st, NULL) != FLOE_OK)
        return floe_err_set(err, FLOE_IOERR, "CRAWL: no such file or directory: '%s'", p);
    if (!S_ISDIR(st.st_mode)) {
        const char *s;
        size_t n;
        stem(p, &s, &n);
        return ds_push(l, into, s, n, p, err);
    }
    if ((rc = floe_os_list_dir(p, &dl, err)) != FLOE_OK) return rc;
    for (i = 0; i < dl.n; i++) {
        char c[8192];
        struct stat cs;
        if (dl.names[i][0] == '.' || dl.names[i][0] == '_' || is_hive_name(dl.names[i])) continue;
        snprintf(c, sizeof c, "%s/%s", p, dl.names[i]);
        if (floe_os_stat(c, &cs, NULL) == FLOE_OK && S_ISDIR(cs.st_mode)) collection = true;
    }
    if (!collection) {
        const char *s = strrchr(p, '/');
        s = s ? s + 1 : p;
        floe_os_dirlist_free(&dl);
        return ds_push(l, into, s, strlen(s), p, err);
    }
    for (i = 0; i < dl.n && rc == FLOE_OK; i++) {
        char c[8192];
        struct stat cs;
        const char *s;
        size_t n;
        if (dl.names[i][0] == '.' || dl.names[i][0] == '_') continue;
        snprintf(c, sizeof c, "%s/%s", p, dl.names[i]);
        if (floe_os_stat(c, &cs, NULL) != FLOE_OK) continue;
        if (S_ISDIR(cs.st_mode)) {
            if (is_hive_name(dl.names[i])) continue;
            rc = ds_push(l, into, dl.names[i], strlen(dl.names[i]), c, err);
            if (rc == FLOE_NOTFOUND) rc = FLOE_OK; /* an empty directory */
        } else if (S_ISREG(cs.st_mode)) {
            stem(c, &s, &n);
            rc = ds_push(l, into, s, n, c, err);
        }
    }
    floe_os_dirlist_free(&dl);
    return rc;
}

/* ------------------------------------------------------------ formats */

static const char *format_of(const char *path)
{
    const char *s = strrchr(path, '/'), *e;
    s = s ? s + 1 : path;
    e = strrchr(s, '.');
    if (e == NULL) return NULL;
    e++;
    if (!strcasecmp(e, "parquet") || !strcasecmp(e, "parq") || !strcasecmp(e, "pq")) return "parquet";
    if (!strcasecmp(e, "csv") || !strcasecmp(e, "tsv") || !strcasecmp(e, "txt")) return "csv";
    if (!strcasecmp(e, "json") || !strcasecmp(e, "jsonl") || !strcasecmp(e, "ndjson")) return "json";
    return NULL;
}

static const char *func_of(const char *format)
{
    return !strcmp(format, "parquet") ? "read_parquet" : !strcmp(format, "csv") ? "read_csv" : "read_json";
}

/* ------------------------------------------------------------ datasets as args */

typedef struct argbuf {
    floe_tf_arg args[8];
    uint32_t n;
    floe_tf_arg *items;   /* owned */
    char *texts;          /* owned: type names */
    char dl[2], qu[2], es[2]; /* the CSV dialect's characters */
} argbuf;

static floe_tf_arg str_arg(const char *name, const char *s)
{
    floe_tf_arg a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.kind = FLOE_TF_SCALAR;
    a.value.type = floe_type_make(FLOE_TYPE_VARCHAR);
    a.value.v.s.ptr = s;
    a.value.v.s.len = (uint32_t)strlen(s);
    return a;
}

static floe_tf_arg bool_arg(const char *name, bool v)
{
    floe_tf_arg a;
    memset(&a, 0, sizeof a);
    a.name = name;
    a.kind = FLOE_TF_SCALAR;
    a.value.type = floe_type_make(FLOE_TYPE_BOOLEAN);
    a.value.v.i = v;
    return a;
}

static void argbuf_free(argbuf *ab)
{
    floe_free(ab->items);
    floe_free(ab->texts);
    memset(ab, 0, sizeof *ab);
}

/* The CSV dialect in an options string: delimiter, quote, escape, header. */
static void csv_options(const floe_lake_dataset *d, char *out)
{
    out[0] = d->csv.delimiter ? d->csv.delimiter : ',';
    out[1] = d->csv.quote ? d->csv.quote : '"';
    out[2] = d->csv.escape ? d->csv.escape : out[1];
    out[3] = d->csv.header ? '1' : '0';
    out[4] = 0;
}

/* Arguments reading `paths` (n) as `format`, with the file columns cols
 * (NULL: detect), the CSV dialect `opts` (NULL: detect) and hive on/off. */
static int make_args(argbuf *ab, const char *const *paths, uint32_t n, const floe_ext_column *cols,
                     uint32_t ncols, const char *format, const char *opts, int hive, floe_err *err)
{
    uint32_t i, nfile = 0;
    size_t off = 0;
    memset(ab, 0, sizeof *ab);
    for (i = 0; i < ncols; i++)
        if (!cols[i].partition) nfile++;
    ab->items = floe_calloc((size_t)n + nfile + 1, sizeof *ab->items);
    ab->texts = floe_malloc((size_t)nfile * 48 + 1);
    if (ab->items == NULL || ab->texts == NULL) {
        argbuf_free(ab);
        return floe_err_nomem(err);
    }
    for (i = 0; i < n; i++) ab->items[i] = str_arg(NULL, paths[i]);
    ab->args[0].kind = FLOE_TF_LIST;
    ab->args[0].items = ab->items;
    ab->args[0].nitems = n;
    ab->n = 1;
    if (cols && nfile) {
        floe_tf_arg *st = &ab->args[ab->n++];
        uint32_t k = 0;
        memset(st, 0, sizeof *st);
        st->name = "columns";
        st->kind = FLOE_TF_STRUCT;
        st->items = ab->items + n;
        for (i = 0; i < ncols; i++) {
            char *t = ab->texts + off;
            if (cols[i].partition) continue;
            floe_type_name(cols[i].type, t, 48);
            off += strlen(t) + 1;
            st->items[k] = str_arg(cols[i].name, t);
            k++;
        }
        st->nitems = k;
    }
    if (hive >= 0) ab->args[ab->n++] = bool_arg("hive_partitioning", hive != 0);
    if (opts && !strcmp(format, "csv") && strlen(opts) == 4) {
        ab->dl[0] = opts[0];
        ab->qu[0] = opts[1];
        ab->es[0] = opts[2];
        ab->args[ab->n++] = str_arg("delim", ab->dl);
        ab->args[ab->n++] = str_arg("quote", ab->qu);
        ab->args[ab->n++] = str_arg("escape", ab->es);
        ab->args[ab->n++] = bool_arg("header", opts[3] == '1');
    }
    return FLOE_OK;
}

int floe_crawl_dataset(floe_db *db, const char *name, floe_lake_dataset **out, floe_err *err)
{
    floe_ext_table *t = NULL;
    argbuf ab;
    const char **paths = NULL;
    bool hive = false;
    uint32_t i;
    int rc;
    *out = NULL;
    if (db->cat == NULL) return FLOE_NOTFOUND;
    if ((rc = floe_catalog_ext_get(db->cat, name, &t, err)) != FLOE_OK) return rc;
    if (t->nfiles == 0) {
        floe_ext_table_free(t);
        return floe_err_set(err, FLOE_ERROR, "external table %s has no files: CRAWL its location again", name);
    }
    paths = floe_calloc(t->nfiles, sizeof *paths);
    if (paths == NULL) {
        floe_ext_table_free(t);
        return floe_err_nomem(err);
    }
    for (i = 0; i < t->nfiles; i++) paths[i] = t->files[i].path;
    for (i = 0; i < t->ncols; i++) hive |= t->cols[i].partition;
    rc = make_args(&ab, paths, t->nfiles, t->cols, t->ncols, t->format, t->options, hive, err);
    if (rc == FLOE_OK) {
        rc = floe_lake_dataset_open(func_of(t->format), ab.args, ab.n, out, err);
        if (rc != FLOE_OK && rc != FLOE_NOMEM) {
            char msg[FLOE_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            floe_err_set(err, rc, "external table %s: %s (CRAWL '%s' again if its files changed)", name,
                         msg, t->location);
        }
        if (rc == FLOE_OK) {
            /* the registered columns, in their order (hive keys last) */
            (*out)->func = floe_arena_strndup((*out)->arena, t->name, strlen(t->name));
            if ((*out)->func == NULL) rc = floe_err_nomem(err);
        }
    }
    argbuf_free(&ab);
    floe_free(paths);
    floe_ext_table_free(t);
    if (rc != FLOE_OK) {
        floe_lake_dataset_free(*out);
        *out = NULL;
    }
    return rc;
}

/* ------------------------------------------------------------ crawl one */

typedef struct colset {
    floe_ext_column *c;
    uint32_t n, cap;
} colset;

static int colset_add(colset *s, const char *name, floe_type t, bool part)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        floe_ext_column *nc = floe_realloc(s->c, cap * sizeof *nc);
        if (nc == NULL) return FLOE_NOMEM;
        s->c = nc;
        s->cap = cap;
    }
    s->c[s->n].name = floe_malloc(strlen(name) + 1);
    if (s->c[s->n].name == NULL) return FLOE_NOMEM;
    strcpy(s->c[s->n].name, name);
    s->c[s->n].type = t;
    s->c[s->n].partition = part;
    s->n++;
    return FLOE_OK;
}

static void colset_free(colset *s)
{
    for (uint32_t i = 0; i < s->n; i++) floe_free(s->c[i].name);
    floe_free(s->c);
    memset(s, 0, sizeof *s);
}

static int find_col(const colset *s, const char *name)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (!strcasecmp(s->c[i].name, name)) return (int)i;
    return -1;
}

/* Whether a new file's partition values fit the registered key types. */
static bool partitions_fit(const floe_ext_table *old, const char *path, char *why, size_t cap)
{
    char buf[4096];
    const char *keys[MAX_HIVE], *vals[MAX_HIVE];
    uint32_t n = floe_lake_hive_parse(path, buf, sizeof buf, keys, vals, MAX_HIVE), i, k;
    for (i = 0; old && i < old->ncols; i++) {
        const floe_ext_column *c = &old->cols[i];
        if (!c->partition || c->type.id == FLOE_TYPE_VARCHAR) continue;
        for (k = 0; k < n; k++) {
            if (strcasecmp(keys[k], c->name) != 0) continue;
            if (vals[k][0] == 0 || !strcmp(vals[k], "__HIVE_DEFAULT_PARTITION__")) continue;
            if (!(floe_sniff_value(vals[k], strlen(vals[k])) & (1u << c->type.id))) {
                char tn[48];
                snprintf(why, cap, "partition %s=%s in '%s' is not %s: file left out", c->name, vals[k],
                         path, floe_type_name(c->type, tn, sizeof tn));
                return false;
            }
        }
    }
    return true;
}

typedef struct report {
    floe_strbuf changes;
    uint64_t files, new_files, removed, partitions, columns;
} report;

static void note(report *r, const char *fmt, const char *a, const char *b, const char *c)
{
    char line[1024];
    snprintf(line, sizeof line, fmt, a, b, c);
    if (r->changes.len) floe_strbuf_puts(&r->changes, "; ");
    floe_strbuf_puts(&r->changes, line);
}

/* Read a new file's own schema and merge it into cols: *ok when the file
 * joins the table (else a note says why). opts: the CSV dialect, detected
 * from the first file when empty. FLOE_NOMEM or the catalog's errors. */
static int check_file(const char *format, char *opts, const char *path, colset *cols,
                      bool report_added, report *r, bool *ok, floe_err *err)
{
    const char *paths[1] = {path};
    floe_lake_dataset *fd = NULL;
    floe_err ferr = FLOE_ERR_INIT;
    char why[1024], a[48], b[48];
    argbuf ab;
    uint32_t k;
    int rc;
    *ok = false;
    if ((rc = make_args(&ab, paths, 1, NULL, 0, format, opts[0] ? opts : NULL, 0, err)) != FLOE_OK) return rc;
    rc = floe_lake_dataset_open(func_of(format), ab.args, ab.n, &fd, &ferr);
    argbuf_free(&ab);
    if (rc == FLOE_NOMEM) return floe_err_nomem(err);
    if (rc != FLOE_OK) {
        note(r, "'%s' left out: %s", path, ferr.msg, "");
        return FLOE_OK;
    }
    if (!opts[0] && !strcmp(format, "csv")) csv_options(fd, opts);
    *ok = true;
    for (k = 0; k < fd->nfilecols && *ok; k++) {
        int at = find_col(cols, fd->names[k]);
        if (at >= 0 && !floe_type_eq(cols->c[at].type, fd->types[k])) {
            snprintf(why, sizeof why, "column %s is %s in '%s' but %s in the table: file left out (not coerced)",
                     fd->names[k], floe_type_name(fd->types[k], a, sizeof a), path,
                     floe_type_name(cols->c[at].type, b, sizeof b));
            *ok = false;
        } else if (!strcmp(format, "csv") && cols->n && (at != (int)k || fd->nfilecols != cols->n)) {
            snprintf(why, sizeof why, "'%s' has other columns than the table (a CSV file must keep "
                     "them in order): file left out", path);
            *ok = false;
        }
    }
    if (!*ok) note(r, "%s", why, "", "");
    for (k = 0; k < fd->nfilecols && *ok; k++)
        if (find_col(cols, fd->names[k]) < 0) {
            if (colset_add(cols, fd->names[k], fd->types[k], false)) {
                floe_lake_dataset_free(fd);
                return floe_err_nomem(err);
            }
            if (report_added)
                note(r, "added column %s %s (from '%s')", fd->names[k],
                     floe_type_name(fd->types[k], a, sizeof a), path);
        }
    floe_lake_dataset_free(fd);
    return FLOE_OK;
}

static int crawl_one(floe_db *db, dataset *ds, report *r, floe_err *err)
{
    const char *format = NULL;
    floe_ext_table *old = NULL, nt;
    colset cols;
    const char **paths = NULL;
    uint32_t *keep = NULL, nkeep = 0, i, k, nother = 0, counts[3] = {0, 0, 0};
    char opts[8] = "";
    argbuf ab;
    floe_lake_dataset *d = NULL;
    int rc;
    memset(&cols, 0, sizeof cols);
    memset(&nt, 0, sizeof nt);
    if (floe_db_find_table(db, ds->name))
        return note(r, "not registered: a floe table is named %s%s%s", ds->name, "", ""), FLOE_OK;
    rc = floe_catalog_ext_get(db->cat, ds->name, &old, err);
    if (rc != FLOE_OK && rc != FLOE_NOTFOUND) return rc;
    /* the format: the registered one, else the most common extension */
    for (i = 0; i < ds->files.n; i++) {
        const char *f = format_of(ds->files.e[i].path);
        if (f == NULL) continue;
        counts[!strcmp(f, "parquet") ? 0 : !strcmp(f, "csv") ? 1 : 2]++;
    }
    if (old) format = old->format;
    else if (counts[0] || counts[1] || counts[2])
        format = counts[0] >= counts[1] && counts[0] >= counts[2] ? "parquet"
                 : counts[1] >= counts[2]                          ? "csv"
                                                                   : "json";
    if (format == NULL) {
        floe_ext_table_free(old);
        note(r, "not registered: no Parquet, CSV or JSON files", "", "", "");
        return FLOE_OK;
    }
    if (old) {
        for (i = 0; i < old->ncols; i++)
            if (!old->cols[i].partition && colset_add(&cols, old->cols[i].name, old->cols[i].type, false)) goto nomem;
        snprintf(opts, sizeof opts, "%s", old->options);
    }
    paths = floe_calloc(ds->files.n + 1, sizeof *paths);
    keep = floe_calloc(ds->files.n + 1, sizeof *keep);
    if (paths == NULL || keep == NULL) goto nomem;
    for (i = 0; i < ds->files.n; i++) {
        const floe_lake_entry *e = &ds->files.e[i];
        const char *f = format_of(e->path);
        bool known = false;
        char why[1024];
        if (f == NULL || strcmp(f, format) != 0) {
            nother++;
            continue;
        }
        for (k = 0; old && k < old->nfiles; k++)
            if (!strcmp(old->files[k].path, e->path)) {
                known = old->files[k].size == e->size && old->files[k].mtime_us == e->mtime_us;
                break;
            }
        if (known) {
            keep[nkeep++] = i;
            continue;
        }
        r->new_files++;
        if (!partitions_fit(old, e->path, why, sizeof why)) {
            note(r, "%s", why, "", "");
            continue;
        }
        {
            bool ok = false;
            rc = check_file(format, opts, e->path, &cols, old != NULL || nkeep > 0, r, &ok, err);
            if (rc != FLOE_OK) goto out;
            if (ok) keep[nkeep++] = i;
        }
    }
    for (k = 0; old && k < old->nfiles; k++) {
        bool still = false;
        for (i = 0; i < nkeep && !still; i++) still = !strcmp(ds->files.e[keep[i]].path, old->files[k].path);
        if (!still) r->removed++;
    }
    if (nother) {
        char n[32];
        snprintf(n, sizeof n, "%u", nother);
        note(r, "%s files of other formats ignored", n, "", "");
    }
    if (nkeep == 0) {
        note(r, "no files to register", "", "", "");
        rc = FLOE_OK;
        goto out;
    }
    /* the whole dataset: hive keys and their types come from the paths */
    for (i = 0; i < nkeep; i++) paths[i] = ds->files.e[keep[i]].path;
    if ((rc = make_args(&ab, paths, nkeep, cols.c, cols.n, format, opts[0] ? opts : NULL, -1, err)) != FLOE_OK)
        goto out;
    rc = floe_lake_dataset_open(func_of(format), ab.args, ab.n, &d, err);
    argbuf_free(&ab);
    if (rc != FLOE_OK) goto out;
    for (i = d->nfilecols; i < d->nfilecols + d->nhive; i++) {
        int at = -1;
        for (k = 0; old && k < old->ncols; k++)
            if (old->cols[k].partition && !strcasecmp(old->cols[k].name, d->names[i])) at = (int)k;
        if (colset_add(&cols, d->names[i], d->types[i], true)) goto nomem;
        if (old && at < 0) note(r, "added partition key %s", d->names[i], "", "");
    }
    nt.name = ds->name;
    nt.format = (char *)format;
    nt.location = ds->location;
    nt.options = opts;
    nt.crawled_us = floe_os_clock_wall_us();
    nt.cols = cols.c;
    nt.ncols = cols.n;
    nt.files = floe_calloc(nkeep, sizeof *nt.files);
    if (nt.files == NULL) goto nomem;
    for (i = 0; i < nkeep; i++) {
        nt.files[i].path = ds->files.e[keep[i]].path;
        nt.files[i].size = ds->files.e[keep[i]].size;
        nt.files[i].mtime_us = ds->files.e[keep[i]].mtime_us;
    }
    nt.nfiles = nkeep;
    rc = floe_catalog_ext_put(db->cat, &nt, err);
    if (rc == FLOE_OK) {
        r->files = nkeep;
        r->columns = cols.n;
        {
            /* distinct partition directories */
            uint64_t parts = 0;
            for (i = 0; d->nhive && i < d->nfiles; i++) {
                const char *a = d->files[i].path, *sa = strrchr(a, '/');
                bool seen = false;
                for (k = 0; k < i && !seen; k++) {
                    const char *b = d->files[k].path, *sb = strrchr(b, '/');
                    seen = sa && sb && sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
                }
                parts += !seen;
            }
            r->partitions = parts;
        }
        if (!old) note(r, "created", "", "", "");
        else if (r->changes.len == 0) note(r, r->new_files || r->removed ? "files updated" : "unchanged", "", "", "");
    }
    goto out;
nomem:
    rc = floe_err_nomem(err);
out:
    floe_free(nt.files);
    floe_lake_dataset_free(d);
    colset_free(&cols);
    floe_free(paths);
    floe_free(keep);
    floe_ext_table_free(old);
    return rc;
}

int floe_crawl_run(floe_db *db, const char *path, const char *into, floe_result **out, floe_err *err)
{
    static const char *names[] = {"table",         "format",     "files",   "new_files",
                                  "removed_files", "partitions", "columns", "changes"};
    floe_type types[8];
    floe_result *res;
    dslist l;
    uint32_t i;
    int rc;
    *out = NULL;
    if (db->readonly || db->cat == NULL)
        return floe_err_set(err, FLOE_READONLY, "CRAWL writes the catalog: the database is read-only");
    memset(&l, 0, sizeof l);
    for (i = 0; i < 8; i++) types[i] = floe_type_make(FLOE_TYPE_VARCHAR);
    res = floe_result_new(8, names, types);
    if (res == NULL) return floe_err_nomem(err);
    rc = discover(path, into, &l, err);
    if (rc == FLOE_NOTFOUND) {
        char msg[FLOE_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        rc = floe_err_set(err, FLOE_IOERR, "CRAWL: %s", msg);
    }
    for (i = 0; i < l.n && rc == FLOE_OK; i++) {
        report r;
        char nums[5][24];
        const char *v[8];
        const char *format = NULL;
        memset(&r, 0, sizeof r);
        { floe_strbuf z = FLOE_STRBUF_INIT; r.changes = z; }
        rc = crawl_one(db, &l.d[i], &r, err);
        if (rc == FLOE_OK) {
            floe_ext_table *t = NULL;
            if (floe_catalog_ext_get(db->cat, l.d[i].name, &t, NULL) == FLOE_OK) format = t->format;
            snprintf(nums[0], 24, "%llu", (unsigned long long)r.files);
            snprintf(nums[1], 24, "%llu", (unsigned long long)r.new_files);
            snprintf(nums[2], 24, "%llu", (unsigned long long)r.removed);
            snprintf(nums[3], 24, "%llu", (unsigned long long)r.partitions);
            snprintf(nums[4], 24, "%llu", (unsigned long long)r.columns);
            v[0] = l.d[i].name;
            v[1] = format;
            v[2] = nums[0];
            v[3] = nums[1];
            v[4] = nums[2];
            v[5] = nums[3];
            v[6] = nums[4];
            v[7] = r.changes.len ? floe_strbuf_str(&r.changes) : "";
            rc = floe_result_append_text_row(res, v, err);
            floe_ext_table_free(t);
        }
        floe_strbuf_free(&r.changes);
    }
    ds_free(&l);
    if (rc != FLOE_OK) {
        floe_result_free(res);
        return rc;
    }
    *out = res;
    return FLOE_OK;
}
