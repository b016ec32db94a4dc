/* util/os_powerloss.h: power-loss simulation for util/os (tests only).
 *
 * See os_powerloss.c for the model. A test calls floe_os_powerloss_begin,
 * runs a database, calls floe_os_powerloss_freeze (from then on every
 * util/os call fails with EIO: the machine has stopped), closes or
 * abandons the database so its threads stop, then floe_os_powerloss_apply:
 * everything written since its file's last fsync, and every directory
 * entry created or renamed since its directory's last fsync, is dropped
 * from a random point on (the write at that point torn), and the hook is
 * disarmed. Reopening the directory is then a restart after a power cut.
 * The floe_os_pl_* functions are util/os's side of it.
 */
#ifndef FLOE_UTIL_OS_POWERLOSS_H
#define FLOE_UTIL_OS_POWERLOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct floe_os_powerloss_stats {
    uint64_t unsynced;        /* log entries not yet durable at the cut */
    uint64_t dropped_writes;  /* writes/truncates undone whole */
    uint64_t torn;            /* writes cut inside (0 or 1) */
    uint64_t dropped_entries; /* created files/directories and renames undone */
    uint64_t skipped;         /* entries that could not be undone (path gone) */
} floe_os_powerloss_stats;

/* Start logging (arms the util/os hook, seeds the cut's randomness). */
void floe_os_powerloss_begin(uint64_t seed);
/* Every later util/os call fails with EIO (the hook, persistent). */
void floe_os_powerloss_freeze(void);
/* Cut the power (see above), stop logging, disarm the hook. out may be NULL. */
void floe_os_powerloss_apply(floe_os_powerloss_stats *out);
/* Stop logging without cutting anything; disarm the hook. */
void floe_os_powerloss_end(void);

/* ---- util/os's side (no-ops unless logging) ---- */
#define FLOE_OS_PL_CREATE 1
#define FLOE_OS_PL_MKDIR 2
#define FLOE_OS_PL_RENAME 3
bool floe_os_pl_active(void);
/* Around a write of n bytes at off (or at the fd's offset when at_cursor). */
void floe_os_pl_before_write(int fd, uint64_t off, bool at_cursor, size_t n, void **out_tok);
void floe_os_pl_after_write(void *tok, ssize_t written);
void floe_os_pl_truncate(int fd, uint64_t len);
/* A new entry `path` (renamed from `from` for RENAME). */
void floe_os_pl_entry(int type, const char *path, const char *from);
/* Around a successful fsync/fdatasync of fd: log position before, then
 * forget what it made durable. */
uint64_t floe_os_pl_sync_begin(void);
void floe_os_pl_synced(int fd, uint64_t upto);

#endif
