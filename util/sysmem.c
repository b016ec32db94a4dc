/* util/sysmem.c: physical RAM, cgroup v1/v2 memory limits, size text (see
 * sysmem.h). */
#include "util/sysmem.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

uint64_t floe_sysmem_physical(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psize <= 0) return 0;
    return (uint64_t)pages * (uint64_t)psize;
}

/* First line of file `path` into buf; 0 on success, -1 when unreadable. */
static int read_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    int ok;
    if (f == NULL) return -1;
    ok = fgets(buf, (int)cap, f) != NULL;
    fclose(f);
    if (!ok) return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* The limit in a memory.max / memory.limit_in_bytes file: 0 for none,
 * unreadable or garbage. */
static uint64_t limit_file(const char *path)
{
    char line[64], *end;
    unsigned long long v;
    if (read_line(path, line, sizeof line) != 0) return 0;
    if (strcmp(line, "max") == 0) return 0;
    errno = 0;
    v = strtoull(line, &end, 10);
    if (errno || end == line || (*end && !isspace((unsigned char)*end))) return 0;
    if (v == 0 || v >= FLOE_SYSMEM_HUGE) return 0;
    return (uint64_t)v;
}

static uint64_t min_limit(uint64_t a, uint64_t b)
{
    if (a == 0) return b;
    if (b == 0) return a;
    return a < b ? a : b;
}

/* Smallest limit in `file` of directory mount+cg and its ancestors down to
 * mount (a path not visible in our cgroup namespace just has no files, so
 * the mount's own file still counts). cg starts with '/' and is modified. */
static uint64_t walk_up(const char *mount, char *cg, const char *file)
{
    char path[4096];
    uint64_t best = 0;
    for (;;) {
        size_t n = strlen(cg);
        while (n > 1 && cg[n - 1] == '/') cg[--n] = '\0';
        snprintf(path, sizeof path, "%s%s/%s", mount, strcmp(cg, "/") == 0 ? "" : cg, file);
        best = min_limit(best, limit_file(path));
        if (strcmp(cg, "/") == 0 || n == 0) break;
        {
            char *slash = strrchr(cg, '/');
            if (slash == cg) cg[1] = '\0';
            else if (slash) *slash = '\0';
            else break;
        }
    }
    return best;
}

uint64_t floe_sysmem_cgroup_limit(const char *root)
{
    char path[4096], line[4096], mount[4096];
    char v2path[4096] = "", v1path[4096] = "";
    int have_v2 = 0, have_v1 = 0;
    uint64_t lim = 0;
    FILE *f;

    if (root == NULL || root[0] == '\0') root = "/";
    snprintf(path, sizeof path, "%s%sproc/self/cgroup", root,
             root[strlen(root) - 1] == '/' ? "" : "/");
    f = fopen(path, "r");
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        line[strcspn(line, "\r\n")] = '\0';
        if (c1 == NULL || c2 == NULL) continue;
        *c1 = *c2 = '\0';
        if (strcmp(line, "0") == 0 && c1 + 1 == c2) {
            snprintf(v2path, sizeof v2path, "%s", c2[1] ? c2 + 1 : "/");
            have_v2 = 1;
        } else {
            /* controller list, comma-separated: is "memory" among them? */
            char *tok, *save = NULL;
            for (tok = strtok_r(c1 + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "memory") == 0) {
                    snprintf(v1path, sizeof v1path, "%s", c2[1] ? c2 + 1 : "/");
                    have_v1 = 1;
                }
            }
        }
    }
    fclose(f);
    if (have_v1) {
        snprintf(mount, sizeof mount, "%s%ssys/fs/cgroup/memory", root,
                 root[strlen(root) - 1] == '/' ? "" : "/");
        if (v1path[0] != '/') memmove(v1path, "/", 2);
        lim = min_limit(lim, walk_up(mount, v1path, "memory.limit_in_bytes"));
    }
    if (have_v2) {
        snprintf(mount, sizeof mount, "%s%ssys/fs/cgroup", root,
                 root[strlen(root) - 1] == '/' ? "" : "/");
        if (v2path[0] != '/') memmove(v2path, "/", 2);
        lim = min_limit(lim, walk_up(mount, v2path, "memory.max"));
    }
    return lim;
}

uint64_t floe_sysmem_available(void)
{
    return min_limit(floe_sysmem_physical(), floe_sysmem_cgroup_limit("/"));
}

uint64_t floe_sysmem_default_limit(void)
{
    uint64_t a = floe_sysmem_available();
    return a / 100 * FLOE_SYSMEM_DEFAULT_PERCENT;
}

int floe_sysmem_parse_size(const char *text, uint64_t avail, uint64_t *out, floe_err *err)
{
    static const struct {
        const char *name;
        double mult;
    } units[] = {
        {"b", 1.0},         {"byte", 1.0},      {"bytes", 1.0},     {"kb", 1e3},
        {"mb", 1e6},        {"gb", 1e9},        {"tb", 1e12},       {"kib", 1024.0},
        {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0},
    };
    const char *p = text, *num, *u;
    char unit[16];
    double v, mult = -1;
    size_t i, n;
    char *end;

    if (text == NULL) return floe_err_set(err, FLOE_RANGE, "memory size: no value");
    while (isspace((unsigned char)*p)) p++;
    num = p;
    if (*p == '-' || *p == '+' || !(isdigit((unsigned char)*p) || *p == '.'))
        goto bad;
    errno = 0;
    v = strtod(num, &end);
    if (errno || end == num || !isfinite(v) || v < 0) goto bad;
    p = end;
    while (isspace((unsigned char)*p)) p++;
    u = p;
    n = strlen(u);
    while (n > 0 && isspace((unsigned char)u[n - 1])) n--;
    if (n >= sizeof unit) goto bad;
    memcpy(unit, u, n);
    unit[n] = '\0';
    if (n == 0) {
        mult = 1.0;
    } else if (strcmp(unit, "%") == 0) {
        if (v > 100 || avail == 0) goto bad;
        mult = (double)avail / 100.0;
    } else {
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcasecmp(unit, units[i].name) == 0) mult = units[i].mult;
    }
    if (mult < 0) goto bad;
    v *= mult;
    if (v >= 18446744073709551615.0) goto bad;
    *out = (uint64_t)v;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_RANGE,
                        "'%s' is not a memory size (e.g. '1GB', '512MiB', '80%%'; units B, KB, MB, "
                        "GB, TB, KiB, MiB, GiB, TiB)",
                        text);
}

char *floe_sysmem_format(uint64_t bytes, char *buf, size_t cap)
{
    static const char *names[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int i = -1;
    if (cap == 0) return buf;
    if (bytes < 1024) {
        snprintf(buf, cap, "%" PRIu64 " bytes", bytes);
        return buf;
    }
    while (v >= 1024.0 && i < 5) {
        v /= 1024.0;
        i++;
    }
    snprintf(buf, cap, "%.1f %s", v, names[i]);
    return buf;
}
