/* util/os.h: the one seam between floe and the operating system.
 *
 * Every file, directory, fsync, rename and clock call of the library goes
 * through these wrappers (SQLite's os.c), so that tests can inject I/O
 * faults at any call and, later, simulate power loss. Each wrapper is one
 * system call (plus a retry on EINTR and, for *_all, a loop over short
 * transfers): no extra syscall, no allocation, except where the function
 * says it allocates (read_all, list_dir).
 *
 * Errors: wrappers return FLOE_OK or FLOE_IOERR (FLOE_NOMEM where they
 * allocate) and set `err` (may be NULL) to a message naming the operation,
 * the file and the errno text: "fsync '/db/t/part-3': Input/output error".
 * ENOSPC reads "disk full (ENOSPC) writing '<file>'". On failure errno is
 * left as the failing call set it, so callers may still test ENOENT/EEXIST.
 * `path` arguments of fd-based wrappers only name the file in messages and
 * may be NULL ("fd 7" is used then).
 *
 * Fault injection (tests only): a process-wide hook, the single documented
 * exception to "no global mutable state" in the library, because a test must
 * reach the calls of threads it did not start (WAL syncers, flushers).
 * floe_os_fault_set() makes the nth call (counted from then) of any kind in
 * a mask fail with an errno, or transfer only part of the bytes (SHORT; for
 * read/write kinds; other kinds then fail with EIO). With FLOE_OS_PERSIST
 * every matching call from the nth on is hit. floe_os_calls() counts calls
 * per kind while the hook is armed (floe_os_hook_reset() arms it), so a test
 * can count the injection points of an operation and then loop over them.
 * Disarmed (the default), a wrapper pays one relaxed atomic load and a
 * predictable branch. The hook state is atomic, so threads may race through
 * it; tests that need an exact nth keep the operation single-threaded.
 *
 * Power-loss mode (util/os_powerloss.h, tests only): with the hook armed
 * and logging on, the write, truncate, open(O_CREAT), mkdir and rename
 * wrappers log what a power cut could take back and fsync/fdatasync forget
 * what they made durable, so a test can drop or tear the rest.
 *
 * Thread-safety: all wrappers are thread-safe (as their syscalls).
 */
#ifndef FLOE_UTIL_OS_H
#define FLOE_UTIL_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/err.h"

/* Kinds of calls the hook counts and can fail (bit masks). */
#define FLOE_OS_OPEN     (1u << 0)  /* open, opendir (list_dir), mmap_file's open */
#define FLOE_OS_READ     (1u << 1)  /* read, pread */
#define FLOE_OS_WRITE    (1u << 2)  /* write, pwrite (each syscall of *_all) */
#define FLOE_OS_FSYNC    (1u << 3)  /* fsync, fdatasync, fsync_dir, fsync_path */
#define FLOE_OS_RENAME   (1u << 4)
#define FLOE_OS_MKDIR    (1u << 5)
#define FLOE_OS_UNLINK   (1u << 6)  /* unlink, rmdir */
#define FLOE_OS_TRUNCATE (1u << 7)  /* ftruncate, fallocate */
#define FLOE_OS_STAT     (1u << 8)  /* stat, fstat */
#define FLOE_OS_CLOSE    (1u << 9)
#define FLOE_OS_NKINDS   10
#define FLOE_OS_ALL      ((1u << FLOE_OS_NKINDS) - 1)

/* Effects of an injected fault. */
#define FLOE_OS_FAIL    0   /* the call fails with the given errno, doing nothing */
#define FLOE_OS_SHORT   1   /* read/write transfer half the bytes (at least 1) */
#define FLOE_OS_PERSIST 0x100 /* or'ed into effect: hit every matching call from the nth on */

/* ---- test hook (process-wide; see the top of this file) ---- */

/* Arm the hook: zero the call counters, clear any fault, count from now. */
void floe_os_hook_reset(void);
/* Disarm the hook and clear any fault (the default state). */
void floe_os_hook_off(void);
/* Arm and make the nth (1-based, counted from now) call of any kind in
 * `kinds` fail: effect FLOE_OS_FAIL with `errnum` (EIO, ENOSPC...), or
 * FLOE_OS_SHORT; or'ed with FLOE_OS_PERSIST to hit every later one too.
 * Counters are not reset. */
void floe_os_fault_set(unsigned kinds, uint64_t nth, int effect, int errnum);
/* Clear the fault, keep counting. */
void floe_os_fault_clear(void);
/* Calls of the kinds in `kinds` since the last floe_os_hook_reset(). */
uint64_t floe_os_calls(unsigned kinds);
/* Faults injected since the last floe_os_hook_reset(). */
uint64_t floe_os_faults_hit(void);

/* An injection point outside these wrappers (storage/catalog_vfs.c, the
 * sqlite VFS shim, for the catalog's own writes, syncs and truncations):
 * counts a call of `kind` (one FLOE_OS_* bit) and returns 0, or the errno
 * an injected fault asks for (a SHORT fault counts as EIO). Disarmed: 0. */
int floe_os_fault_point(unsigned kind);

/* Failed fsync/fdatasync/fsync_dir calls (real or injected) made by the
 * calling thread since it started. A caller compares it before and after
 * an operation to learn whether a sync failed anywhere below it, whatever
 * became of the floe_err on the way up (the fail-stop rule, ingest/table.h).
 * Thread-local, so threads never see each other's failures. */
uint64_t floe_os_sync_failures(void);
/* Count a sync failure seen outside these wrappers (sqlite's own fsync,
 * reported as SQLITE_IOERR_FSYNC) for floe_os_sync_failures. */
void floe_os_note_sync_failure(void);

/* ---- files ---- */

/* open(2) with O_CLOEXEC added; *out_fd is -1 on failure. */
int floe_os_open(const char *path, int flags, int mode, int *out_fd, floe_err *err);
/* close(2); fd < 0 is a no-op. A failed close is reported (it may hide a
 * lost write on some file systems), but the fd is gone either way. */
int floe_os_close(int fd, const char *path, floe_err *err);
/* Read the whole file at `path` into a new buffer (NUL-terminated, not
 * counted in *out_n); free with floe_free(). Reads to EOF, so it works on
 * /proc files whose size reads as 0. *out is NULL on failure. */
int floe_os_read_all(const char *path, char **out, size_t *out_n, floe_err *err);
/* pread until `n` bytes or EOF; *out_got = bytes read (may be NULL, then a
 * short read at EOF is an FLOE_IOERR). */
int floe_os_pread(int fd, void *buf, size_t n, uint64_t off, const char *path, size_t *out_got,
                  floe_err *err);
/* One write(2) (EINTR retried): *out_k bytes written, possibly fewer than n. */
int floe_os_write(int fd, const void *p, size_t n, const char *path, size_t *out_k, floe_err *err);
/* write(2) / pwrite(2) until every byte is written (short writes retried). */
int floe_os_write_all(int fd, const void *p, size_t n, const char *path, floe_err *err);
int floe_os_pwrite_all(int fd, const void *p, size_t n, uint64_t off, const char *path,
                       floe_err *err);
int floe_os_fsync(int fd, const char *path, floe_err *err);
int floe_os_fdatasync(int fd, const char *path, floe_err *err);
int floe_os_ftruncate(int fd, uint64_t len, const char *path, floe_err *err);
int floe_os_fstat(int fd, struct stat *st, const char *path, floe_err *err);
/* Map a whole regular file read-only (MAP_PRIVATE). An empty file maps to
 * *out = NULL, *out_n = 0. Release with floe_os_munmap(). */
int floe_os_mmap_file(int fd, size_t n, const void **out, const char *path, floe_err *err);
void floe_os_munmap(const void *p, size_t n);

/* ---- paths and directories ---- */

int floe_os_stat(const char *path, struct stat *st, floe_err *err);
/* True when `path` exists (no hook: it never fails). */
bool floe_os_exists(const char *path);
int floe_os_rename(const char *from, const char *to, floe_err *err);
/* unlink(2); with `missing_ok` a missing file is FLOE_OK. */
int floe_os_unlink(const char *path, bool missing_ok, floe_err *err);
/* mkdir(2); with `exist_ok` an existing entry is FLOE_OK. */
int floe_os_mkdir(const char *path, int mode, bool exist_ok, floe_err *err);
int floe_os_rmdir(const char *path, bool missing_ok, floe_err *err);
/* open + fsync + close of a directory (or any path): makes its entries
 * durable. */
int floe_os_fsync_dir(const char *path, floe_err *err);
/* Remove directory `path` and everything below it; a missing path is
 * FLOE_OK, a path that is not a directory FLOE_IOERR (ENOTDIR).
 * Continues past failures and reports the first. Never allocates (a failed
 * flush or merge cleans up even when memory is short): one open directory
 * per level of depth, entries removed while the directory is read. */
int floe_os_remove_tree(const char *path, floe_err *err);

/* A directory listing: names without "." and "..", in readdir order. */
typedef struct floe_os_dirlist {
    char **names;   /* n names, each NUL-terminated */
    uint32_t n;
} floe_os_dirlist;
/* List `path` into *out (free with floe_os_dirlist_free()). A missing
 * directory is FLOE_NOTFOUND (errno ENOENT) with an empty list. */
int floe_os_list_dir(const char *path, floe_os_dirlist *out, floe_err *err);
void floe_os_dirlist_free(floe_os_dirlist *l);

/* ---- clocks (never fail, never hooked) ---- */

int64_t floe_os_clock_mono_ns(void);
int64_t floe_os_clock_mono_us(void);
/* Microseconds since the Unix epoch. */
int64_t floe_os_clock_wall_us(void);
/* Nanoseconds since the Unix epoch. */
int64_t floe_os_clock_wall_ns(void);
void floe_os_sleep_ms(uint32_t ms);

#endif
