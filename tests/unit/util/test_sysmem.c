/* tests/unit/util/test_sysmem.c: memory sizes as text and cgroup limits read
 * from fixture trees (util/sysmem.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/sysmem.h"

static uint64_t size_ok(const char *text, uint64_t avail)
{
    floe_err err = FLOE_ERR_INIT;
    uint64_t v = 0;
    cr_assert_eq(floe_sysmem_parse_size(text, avail, &v, &err), FLOE_OK, "%s: %s", text, err.msg);
    return v;
}

static void size_bad(const char *text)
{
    floe_err err = FLOE_ERR_INIT;
    uint64_t v = 0;
    cr_assert_eq(floe_sysmem_parse_size(text, 1000, &v, &err), FLOE_RANGE, "%s was accepted", text);
    cr_assert(strstr(err.msg, "is not a memory size") != NULL, "%s", err.msg);
}

Test(sysmem, parse_size_units_as_duckdb)
{
    cr_assert_eq(size_ok("1GB", 0), 1000000000ULL);
    cr_assert_eq(size_ok("1gb", 0), 1000000000ULL);
    cr_assert_eq(size_ok(" 512 MB ", 0), 512000000ULL);
    cr_assert_eq(size_ok("1.5GiB", 0), 3ULL << 29);
    cr_assert_eq(size_ok("64MiB", 0), 64ULL << 20);
    cr_assert_eq(size_ok("2KiB", 0), 2048);
    cr_assert_eq(size_ok("3KB", 0), 3000);
    cr_assert_eq(size_ok("1TB", 0), 1000000000000ULL);
    cr_assert_eq(size_ok("1TiB", 0), 1ULL << 40);
    cr_assert_eq(size_ok("100B", 0), 100);
    cr_assert_eq(size_ok("100 bytes", 0), 100);
    cr_assert_eq(size_ok("12345", 0), 12345);
    cr_assert_eq(size_ok("50%", 8000), 4000);
    cr_assert_eq(size_ok("80 %", 1000), 800);
}

Test(sysmem, parse_size_rejects_garbage)
{
    size_bad("");
    size_bad("GB");
    size_bad("-1GB");
    size_bad("1 XB");
    size_bad("1GBs");
    size_bad("101%");
    size_bad("1e30 TB");
    size_bad("nan");
}

Test(sysmem, format_uses_binary_units)
{
    char b[32];
    cr_assert_str_eq(floe_sysmem_format(1ULL << 30, b, sizeof b), "1.0 GiB");
    cr_assert_str_eq(floe_sysmem_format(1536ULL << 20, b, sizeof b), "1.5 GiB");
    cr_assert_str_eq(floe_sysmem_format(64ULL << 20, b, sizeof b), "64.0 MiB");
    cr_assert_str_eq(floe_sysmem_format(100, b, sizeof b), "100 bytes");
}

/* ------------------------------------------------------- cgroup fixtures */

static char *fixture_root(void)
{
    const char *tmp = getenv("FLOE_TEST_TMP");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/sysmem-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(p));
    return p;
}

/* Write root/rel with text, creating the directories on the way. */
static void put(const char *root, const char *rel, const char *text)
{
    char path[4096];
    size_t i, n;
    FILE *f;
    n = (size_t)snprintf(path, sizeof path, "%s/%s", root, rel);
    for (i = strlen(root) + 1; i < n; i++) {
        if (path[i] == '/') {
            path[i] = '\0';
            mkdir(path, 0755);
            path[i] = '/';
        }
    }
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(sysmem, cgroup_v2_reads_own_group_and_takes_smallest_ancestor)
{
    char *r = fixture_root();
    put(r, "proc/self/cgroup", "0::/user.slice/app.scope\n");
    put(r, "sys/fs/cgroup/memory.max", "max\n");
    put(r, "sys/fs/cgroup/user.slice/memory.max", "4294967296\n");
    put(r, "sys/fs/cgroup/user.slice/app.scope/memory.max", "1610612736\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 1610612736ULL);
    /* the parent is the smaller one: it applies */
    put(r, "sys/fs/cgroup/user.slice/memory.max", "1073741824\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 1073741824ULL);
    free(r);
}

Test(sysmem, cgroup_v2_max_means_no_limit)
{
    char *r = fixture_root();
    put(r, "proc/self/cgroup", "0::/\n");
    put(r, "sys/fs/cgroup/memory.max", "max\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 0);
    free(r);
}

Test(sysmem, cgroup_v2_container_namespace_uses_the_mount_root)
{
    /* inside a container /proc/self/cgroup names a path the mount does not show */
    char *r = fixture_root();
    put(r, "proc/self/cgroup", "0::/kubepods/pod1/c1\n");
    put(r, "sys/fs/cgroup/memory.max", "536870912\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 536870912ULL);
    free(r);
}

Test(sysmem, cgroup_v1_memory_controller)
{
    char *r = fixture_root();
    put(r, "proc/self/cgroup",
        "12:cpu,cpuacct:/docker/abc\n11:memory:/docker/abc\n1:name=systemd:/docker/abc\n");
    put(r, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
    put(r, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "2147483648\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 2147483648ULL);
    /* v1 says "no limit" with a page-rounded 2^63 */
    put(r, "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 0);
    free(r);
}

Test(sysmem, cgroup_missing_files_mean_no_limit)
{
    char *r = fixture_root();
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 0); /* no proc/self/cgroup */
    put(r, "proc/self/cgroup", "0::/a\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 0); /* no memory.max anywhere */
    put(r, "sys/fs/cgroup/a/memory.max", "garbage\n");
    cr_assert_eq(floe_sysmem_cgroup_limit(r), 0);
    free(r);
}

Test(sysmem, default_is_80_percent_of_the_smaller)
{
    uint64_t avail = floe_sysmem_available(), phys = floe_sysmem_physical();
    cr_assert_gt(phys, 0);
    cr_assert_leq(avail, phys);
    cr_assert_eq(floe_sysmem_default_limit(), avail / 100 * 80);
}
