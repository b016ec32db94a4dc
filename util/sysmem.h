/* util/sysmem.h: how much memory this process may use, and memory sizes as
 * text.
 *
 * The default memory limit of a database (include/floe.h, memory_limit) is
 * FLOE_SYSMEM_DEFAULT_PERCENT of the smaller of physical RAM and the
 * process's cgroup memory limit, as DuckDB does: in a container the cgroup,
 * not the host's RAM, decides when the OOM killer strikes.
 *
 * Cgroup detection reads, below a root directory (normally "/"; tests pass a
 * directory of fixture files):
 *   v2: proc/self/cgroup line "0::<path>", then sys/fs/cgroup<path>/memory.max
 *       and that of every ancestor up to sys/fs/cgroup/memory.max (the
 *       smallest applies; a path not visible in our mount namespace falls
 *       back to the mount's root);
 *   v1: proc/self/cgroup line "<n>:...memory...:<path>", then
 *       sys/fs/cgroup/memory<path>/memory.limit_in_bytes (and ancestors).
 * "max", a missing file or a value >= FLOE_SYSMEM_HUGE (v1 reports "no limit"
 * as a page-rounded 2^63) mean no limit.
 *
 * Sizes: floe_sysmem_parse_size accepts what DuckDB's SET memory_limit
 * accepts: a decimal number, optional blanks and a case-insensitive unit
 * B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024),
 * or '%' of the detected memory (floe_sysmem_available). No unit: bytes.
 *
 * Thread-safety: all functions are reentrant; nothing is cached.
 */
#ifndef FLOE_UTIL_SYSMEM_H
#define FLOE_UTIL_SYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define FLOE_SYSMEM_DEFAULT_PERCENT 80
#define FLOE_SYSMEM_HUGE (1ULL << 62) /* at or above: "no limit" */

/* Physical RAM in bytes (0 when unknown). */
uint64_t floe_sysmem_physical(void);
/* The cgroup memory limit in bytes of the process described by the files
 * below `root` (see above), or 0 when there is none or it cannot be read. */
uint64_t floe_sysmem_cgroup_limit(const char *root);
/* min(physical RAM, cgroup limit of "/") in bytes; 0 when both are unknown. */
uint64_t floe_sysmem_available(void);
/* FLOE_SYSMEM_DEFAULT_PERCENT of floe_sysmem_available(); 0 when unknown. */
uint64_t floe_sysmem_default_limit(void);

/* Parse a size as described above into *out (bytes); `avail` is what 100%
 * means. FLOE_RANGE with a message naming the text when it is not a size,
 * is negative, or overflows. */
int floe_sysmem_parse_size(const char *text, uint64_t avail, uint64_t *out, floe_err *err);
/* Format bytes as "1.0 GiB" / "512.0 MiB" / "100 bytes" into buf (always
 * terminated); returns buf. */
char *floe_sysmem_format(uint64_t bytes, char *buf, size_t cap);

#endif
