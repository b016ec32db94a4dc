/* db/lake_files.c: glob expansion and hive partition paths (see lake_files.h). */
#include "db/lake_files.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mem.h"
#include "util/os.h"

#define GLOB_DEPTH 64

static bool has_wild(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[') return true;
    return false;
}

static char *join(const char *dir, const char *name, size_t nlen)
{
    size_t dl = strlen(dir);
    char *p = floe_malloc(dl + nlen + 2);
    if (p == NULL) return NULL;
    memcpy(p, dir, dl);
    if (dl && dir[dl - 1] != '/') p[dl++] = '/';
    memcpy(p + dl, name, nlen);
    p[dl + nlen] = 0;
    return p;
}

static int add_file(floe_lake_filelist *l, const char *path, const struct stat *st)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        floe_lake_entry *ne = floe_realloc(l->e, cap * sizeof *ne);
        if (ne == NULL) return FLOE_NOMEM;
        l->e = ne;
        l->cap = cap;
    }
    l->e[l->n].path = floe_malloc(strlen(path) + 1);
    if (l->e[l->n].path == NULL) return FLOE_NOMEM;
    strcpy(l->e[l->n].path, path);
    l->e[l->n].size = (uint64_t)st->st_size;
    l->e[l->n].mtime_us = (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
    l->n++;
    return FLOE_OK;
}

static bool skipped_name(const char *name) { return name[0] == '.' || name[0] == '_'; }

/* Every regular file below dir (depth-limited). */
static int walk_all(const char *dir, int depth, floe_lake_filelist *l, floe_err *err)
{
    floe_os_dirlist dl;
    uint32_t i;
    int rc;
    if (depth > GLOB_DEPTH) return FLOE_OK;
    if ((rc = floe_os_list_dir(dir, &dl, err)) != FLOE_OK) return rc;
    for (i = 0; i < dl.n && rc == FLOE_OK; i++) {
        struct stat st;
        char *p;
        if (skipped_name(dl.names[i])) continue;
        if ((p = join(dir, dl.names[i], strlen(dl.names[i]))) == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        if (floe_os_stat(p, &st, NULL) == FLOE_OK) {
            if (S_ISDIR(st.st_mode)) rc = walk_all(p, depth + 1, l, err);
            else if (S_ISREG(st.st_mode) && add_file(l, p, &st) != FLOE_OK) rc = floe_err_nomem(err);
        }
        floe_free(p);
    }
    floe_os_dirlist_free(&dl);
    return rc;
}

/* Match segments pat (rest of the pattern after `dir`) below dir. */
static int walk(const char *dir, const char *pat, int depth, floe_lake_filelist *l, floe_err *err)
{
    const char *slash;
    size_t sl;
    floe_os_dirlist dl;
    uint32_t i;
    int rc = FLOE_OK;
    char seg[512];
    struct stat st;
    if (depth > GLOB_DEPTH) return FLOE_OK;
    while (*pat == '/') pat++;
    if (*pat == 0) { /* the pattern named dir itself */
        if (floe_os_stat(dir, &st, NULL) != FLOE_OK) return FLOE_OK;
        if (S_ISDIR(st.st_mode)) return walk_all(dir, depth, l, err);
        if (S_ISREG(st.st_mode) && add_file(l, dir, &st) != FLOE_OK) return floe_err_nomem(err);
        return FLOE_OK;
    }
    slash = strchr(pat, '/');
    sl = slash ? (size_t)(slash - pat) : strlen(pat);
    if (sl >= sizeof seg) return floe_err_set(err, FLOE_RANGE, "glob segment too long");
    memcpy(seg, pat, sl);
    seg[sl] = 0;
    if (!has_wild(seg, sl)) {
        char *p = join(dir, seg, sl);
        if (p == NULL) return floe_err_nomem(err);
        if (floe_os_stat(p, &st, NULL) == FLOE_OK) rc = walk(p, pat + sl, depth + 1, l, err);
        floe_free(p);
        return rc;
    }
    if (strcmp(seg, "**") == 0) {
        /* zero directories, then one more for each subdirectory */
        if ((rc = walk(dir, pat + sl, depth + 1, l, err)) != FLOE_OK) return rc;
    }
    if (floe_os_list_dir(dir, &dl, NULL) != FLOE_OK) return FLOE_OK;
    for (i = 0; i < dl.n && rc == FLOE_OK; i++) {
        char *p;
        if (skipped_name(dl.names[i])) continue;
        if (strcmp(seg, "**") != 0 && fnmatch(seg, dl.names[i], FNM_PERIOD) != 0) continue;
        if ((p = join(dir, dl.names[i], strlen(dl.names[i]))) == NULL) {
            rc = floe_err_nomem(err);
            break;
        }
        if (floe_os_stat(p, &st, NULL) == FLOE_OK) {
            if (strcmp(seg, "**") == 0) {
                if (S_ISDIR(st.st_mode)) rc = walk(p, pat, depth + 1, l, err);
            } else if (slash == NULL) {
                if (S_ISREG(st.st_mode)) {
                    if (add_file(l, p, &st) != FLOE_OK) rc = floe_err_nomem(err);
                } else if (S_ISDIR(st.st_mode)) {
                    rc = walk_all(p, depth + 1, l, err);
                }
            } else if (S_ISDIR(st.st_mode)) {
                rc = walk(p, pat + sl, depth + 1, l, err);
            }
        }
        floe_free(p);
    }
    floe_os_dirlist_free(&dl);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const floe_lake_entry *)a)->path, ((const floe_lake_entry *)b)->path);
}

int floe_lake_glob(const char *pattern, floe_lake_filelist *l, floe_err *err)
{
    uint32_t before = l->n, i, o;
    int rc;
    if (!has_wild(pattern, strlen(pattern))) {
        struct stat st;
        if (floe_os_stat(pattern, &st, NULL) != FLOE_OK)
            return floe_err_set(err, FLOE_NOTFOUND, "no such file or directory: '%s'", pattern);
        if (S_ISDIR(st.st_mode)) rc = walk_all(pattern, 0, l, err);
        else rc = add_file(l, pattern, &st) == FLOE_OK ? FLOE_OK : floe_err_nomem(err);
    } else if (pattern[0] == '/') {
        rc = walk("/", pattern + 1, 0, l, err);
    } else {
        rc = walk(".", pattern, 0, l, err);
        /* "./x" -> "x": paths as the user wrote them */
        for (i = before; rc == FLOE_OK && i < l->n; i++)
            if (strncmp(l->e[i].path, "./", 2) == 0)
                memmove(l->e[i].path, l->e[i].path + 2, strlen(l->e[i].path + 2) + 1);
    }
    if (rc != FLOE_OK) return rc;
    if (l->n == before) return floe_err_set(err, FLOE_NOTFOUND, "no files match '%s'", pattern);
    qsort(l->e, l->n, sizeof *l->e, cmp_entry);
    for (i = 0, o = 0; i < l->n; i++) {
        if (o > 0 && strcmp(l->e[o - 1].path, l->e[i].path) == 0) {
            floe_free(l->e[i].path);
            continue;
        }
        l->e[o++] = l->e[i];
    }
    l->n = o;
    return FLOE_OK;
}

void floe_lake_filelist_free(floe_lake_filelist *l)
{
    uint32_t i;
    for (i = 0; i < l->n; i++) floe_free(l->e[i].path);
    floe_free(l->e);
    memset(l, 0, sizeof *l);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

uint32_t floe_lake_hive_parse(const char *path, char *buf, size_t cap_buf, const char **keys,
                              const char **vals, uint32_t cap)
{
    uint32_t n = 0;
    char *s, *seg;
    snprintf(buf, cap_buf, "%s", path);
    s = strrchr(buf, '/');
    if (s == NULL) return 0;
    *s = 0; /* directories only */
    for (seg = buf; seg && *seg && n < cap;) {
        char *next = strchr(seg, '/'), *eq;
        if (next) *next++ = 0;
        eq = strchr(seg, '=');
        if (eq && eq != seg) {
            char *r, *w;
            *eq = 0;
            keys[n] = seg;
            vals[n] = eq + 1;
            /* values are percent-encoded ("a%2Fb" is "a/b"), as writers escape them */
            for (r = w = eq + 1; *r; r++) {
                int hi, lo;
                if (r[0] == '%' && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0) {
                    *w++ = (char)(hi * 16 + lo);
                    r += 2;
                } else {
                    *w++ = *r;
                }
            }
            *w = 0;
            n++;
        }
        seg = next;
    }
    return n;
}
