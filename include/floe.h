/* floe.h: the public C interface of floe, a columnar analytics engine with
 * streaming ingest.
 *
 * This header is the whole contract for users: open a database (a directory
 * or in memory), run SQL, read results column-wise or by typed getters, and
 * append rows fast through an appender. It is in the spirit of sqlite3.h and
 * duckdb.h.
 *
 * Conventions
 *  - Every fallible function returns an int status: FLOE_OK (0) or a positive
 *    FLOE_* code. The last error message is kept on the handle involved
 *    (floe_db_errmsg, floe_result_errmsg, floe_appender_errmsg) and stays valid
 *    until the next call on that handle. The message of a floe_db is per
 *    handle, not per thread (as in SQLite without its mutex): on a floe_db
 *    shared by threads, a call that fails in another thread replaces it, so
 *    read it under your own serialization of the calls on db, or rely on
 *    the returned code. Results and appenders, used by one thread at a time,
 *    keep their own messages and have no such race.
 *  - Pointers returned are borrowed unless their comment says "free with
 *    floe_free()"; the comment names the event that ends the borrow.
 *  - Destructors accept NULL. Closing a database whose results or appenders are
 *    still open returns FLOE_BUSY and frees nothing.
 *  - Thread-safety: a floe_db may be shared by threads; each floe_result and
 *    floe_appender is used by one thread at a time.
 */
#ifndef FLOE_H
#define FLOE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && !defined(FLOE_STATIC_BUILD)
#define FLOE_API __attribute__((visibility("default")))
#else
#define FLOE_API
#endif

#define FLOE_VERSION "0.1.0"
#define FLOE_VERSION_NUMBER 1000

/* Status codes: stable, add at the end, never renumber. */
#define FLOE_STATUS_LIST(X)                                              \
    X(OK, 0, "not an error")                                             \
    X(ERROR, 1, "SQL or generic error")                                  \
    X(NOMEM, 2, "out of memory")                                         \
    X(IOERR, 3, "I/O error")                                             \
    X(CORRUPT, 4, "data is corrupt (checksum or format)")                \
    X(MISUSE, 5, "library used incorrectly")                             \
    X(BUSY, 6, "resource busy; try again")                               \
    X(NOTFOUND, 7, "not found")                                          \
    X(CONSTRAINT, 8, "constraint violated")                              \
    X(RANGE, 9, "value out of range")                                    \
    X(INTERRUPT, 10, "operation interrupted")                            \
    X(TYPE, 11, "type mismatch")                                         \
    X(PARSE, 12, "syntax error")                                         \
    X(UNSUPPORTED, 13, "not supported")                                  \
    X(ROW, 100, "a row is ready")                                        \
    X(DONE, 101, "no more rows")                                         \
    X(READONLY, 14, "attempt to write a read-only database")

enum floe_status {
#define FLOE_X_(name, num, text) FLOE_##name = num,
    FLOE_STATUS_LIST(FLOE_X_)
#undef FLOE_X_
};

/* Text of a status code. The string is static. */
FLOE_API const char *floe_errstr(int rc);

/* Logical column types. Physical layout, as seen through floe_result_column_data:
 *   BOOLEAN   uint8_t (0 or 1)       INTEGER   int32_t
 *   BIGINT    int64_t                DOUBLE    double
 *   DECIMAL   int64_t scaled by 10^scale (precision <= 18)
 *   VARCHAR   floe_string (pointer + length, UTF-8, not NUL-terminated)
 *   DATE      int32_t days since 1970-01-01
 *   TIMESTAMP int64_t microseconds since 1970-01-01 00:00:00 UTC
 *   INTERVAL  floe_interval
 * Stable numbers: add at the end. */
typedef enum floe_type_id {
    FLOE_TYPE_INVALID = 0,
    FLOE_TYPE_BOOLEAN = 1,
    FLOE_TYPE_INTEGER = 2,
    FLOE_TYPE_BIGINT = 3,
    FLOE_TYPE_DOUBLE = 4,
    FLOE_TYPE_DECIMAL = 5,
    FLOE_TYPE_VARCHAR = 6,
    FLOE_TYPE_DATE = 7,
    FLOE_TYPE_TIMESTAMP = 8,
    FLOE_TYPE_INTERVAL = 9,
    FLOE_TYPE_NULL = 10 /* the type of a bare NULL literal */
} floe_type_id;

typedef struct floe_string {
    const char *ptr; /* not NUL-terminated */
    uint32_t len;    /* bytes */
} floe_string;

typedef struct floe_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} floe_interval;

typedef struct floe_db floe_db;
typedef struct floe_result floe_result;
typedef struct floe_appender floe_appender;

/* ---------------------------------------------------------------- database */

#define FLOE_OPEN_CREATE 0x1   /* create the directory if it does not exist */
/* Open without writing anything, beside a writer that may be running (see
 * "Locking and read-only opens" below). */
#define FLOE_OPEN_READONLY 0x2
/* Durability of acknowledged appends (default: batch, a shared group-commit
 * fsync at most every few ms). FULL: fsync before each append returns. OFF:
 * no fsync (survives a process crash, not an OS crash). */
#define FLOE_OPEN_DURABILITY_FULL 0x10
#define FLOE_OPEN_DURABILITY_OFF 0x20
/* Run sqlite's full PRAGMA integrity_check on the catalog at open (a
 * quick_check always runs); FLOE_CORRUPT naming catalog.db on damage. */
#define FLOE_OPEN_INTEGRITY_CHECK 0x100
/* Salvage what is intact instead of refusing a damaged database (issue #21;
 * `floe recover DIR` in the shell). Every block of every part is read and
 * checked; a part that does not open or verify is moved whole to
 * DIR/quarantine/<table id>/part-<id> and dropped from the catalog, and a
 * damaged WAL segment (with the later segments of its shard) to
 * DIR/quarantine/wal/, keeping the records before the damage. Nothing is
 * deleted. Each move is a line in DIR/quarantine/REPORT and a FLOE_LOG_WARN
 * message (rows and sequence ranges lost). Damage the salvage cannot
 * isolate (the catalog itself, a part directory that is missing) still
 * fails. Ignored with FLOE_OPEN_READONLY. */
#define FLOE_OPEN_SALVAGE 0x200

/* Levels of the log callback (floe_open_options.log). */
#define FLOE_LOG_ERROR 1
#define FLOE_LOG_WARN 2
#define FLOE_LOG_INFO 3

/* Options of floe_db_open_ex. Always call floe_open_options_init() first and
 * then set the fields you need: fields are only ever appended at the end
 * (never removed, reordered or retyped), and floe_open_options_init (inline,
 * so it is compiled into your program) records in `size` how large the
 * struct was in the floe.h you compiled against; the library reads only
 * that many bytes and gives every newer field its default. So a program
 * built against an older floe.h keeps working with a newer library, and a
 * field you do not set keeps its default. An options struct whose `size` is
 * not set (not initialised) is FLOE_MISUSE.
 *
 * memory_limit: bytes the database may use for memtables and queries
 * together (DuckDB's memory_limit). 0 (the default) means 80% of the smaller
 * of physical RAM and the process's cgroup memory limit (cgroup v2
 * memory.max, v1 memory.limit_in_bytes), detected at open. Memtables use at
 * most memtable_limit (default min(512 MiB, memory_limit / 4); appends then
 * wait for flushes, as before); running queries together use the rest
 * (memory_limit minus that share, at least half of memory_limit): hash tables of GROUP BY,
 * DISTINCT and joins, sort buffers and result buffers are counted, and a
 * query that would go over fails with FLOE_NOMEM and the message "memory
 * limit of 1.0 GiB exceeded by AGGREGATE (... held); SET memory_limit to
 * raise it" and frees what it held; the database stays usable. Change it at
 * run time with SQL: SET memory_limit = '1GB' (also TO; units B, KB, MB, GB,
 * TB, KiB, MiB, GiB, TiB, or '50%' of the detected memory), RESET
 * memory_limit, SELECT current_setting('memory_limit').
 *
 * threads: worker threads of a query (DuckDB's threads). 0 (the default)
 * means one per online CPU. SQL: SET threads = 4, RESET threads.
 *
 * log, log_ctx: the library never prints. Messages that have no caller to
 * return them to -- a background flush, merge or TTL pass that failed and
 * will retry, recovery warnings at open (a torn WAL tail cut, a partial
 * multi-shard transaction dropped, a part directory quarantined), a table
 * that could not be flushed at close -- go to log(log_ctx, level, msg), with
 * level FLOE_LOG_ERROR, FLOE_LOG_WARN or FLOE_LOG_INFO and msg a one-line
 * text without a trailing newline (valid for the call only). NULL (the
 * default) is silent. It may be called from floe's background threads and
 * concurrently; it must not call back into the database. The floe shell
 * installs one printing "floe: <msg>" to stderr.
 *
 * temp_directory: where an in-memory database keeps its private scratch
 * directory (removed at close). NULL (the default): P_tmpdir ("/tmp"). The
 * shell passes $TMPDIR.
 *
 * maintain_interval_ms: period of background merges and TTL. 0 (the
 * default): 1000 ms; UINT32_MAX: no background passes.
 *
 * The library reads no environment variable; the floe shell and test tools
 * map FLOE_MEM_LIMIT_MB (memtable_limit in MiB), FLOE_THREADS and TMPDIR to
 * these options. */
typedef struct floe_open_options {
    size_t size;           /* sizeof(floe_open_options) as compiled: set by init */
    unsigned flags;        /* FLOE_OPEN_* bits (default 0) */
    uint64_t memory_limit; /* bytes; 0: 80% of min(RAM, cgroup limit) */
    uint32_t threads;      /* query workers; 0: one per CPU */
    uint64_t memtable_limit; /* bytes of memtables before appends wait for
                              * flushes; 0: min(512 MiB, memory_limit / 4) */
    void (*log)(void *ctx, int level, const char *msg); /* NULL: silent */
    void *log_ctx;                /* passed to log */
    const char *temp_directory;   /* in-memory databases' scratch; NULL: P_tmpdir */
    uint32_t maintain_interval_ms; /* 0: 1000; UINT32_MAX: no background merges/TTL */
    /* new fields are appended here */
} floe_open_options;

/* Fill *o with the defaults (all zero but `size`). */
static inline void floe_open_options_init(floe_open_options *o)
{
    *o = (floe_open_options){0};
    o->size = sizeof *o;
}

/* Open the database in directory `path`, or an in-memory database when path
 * is NULL or ":memory:". *out_db is set even on failure (NULL only on
 * FLOE_NOMEM) so floe_db_errmsg() works; always floe_db_close() it. The
 * handle of a failed open serves floe_db_errcode/errmsg and floe_db_close
 * only: statements, appenders and batches on it return FLOE_MISUSE.
 * floe_db_open(path, flags, out) is floe_db_open_ex with default options
 * and those flags; o == NULL means the defaults.
 *
 * Locking and read-only opens. A database directory has at most one writer:
 * a writable open takes an exclusive lock on <path>/LOCK (an open-file-
 * description fcntl lock, released by the kernel when the process exits or
 * is killed) before it changes anything, and holds it until floe_db_close.
 * A second writable open, from another process or the same one, fails with
 * FLOE_BUSY and the message "database '<path>' is locked by process <pid>".
 * In-memory databases take no lock.
 *
 * With FLOE_OPEN_READONLY no lock is taken and nothing in the directory is
 * created, changed or removed (no cleanup, no WAL repair, no flush, no
 * background merges), so it works beside a running writer and on files the
 * process may only read (the catalog's sqlite -shm/-wal files excepted:
 * beside a writer, or after a crash left them, sqlite reads through them).
 * The handle sees a consistent snapshot taken at open: the parts committed
 * at one instant plus the rows the writer's WAL held above them (a record
 * the writer is still writing is simply not seen); it does not follow later
 * writes (reopen to refresh). When the writer changes the database while
 * the snapshot is taken, the open retries, and after repeated failures
 * returns FLOE_BUSY. Every writing statement (INSERT, COPY ... FROM, CREATE,
 * DROP, ALTER, FLUSH) and floe_appender_open fail with FLOE_READONLY.
 * FLOE_OPEN_READONLY needs an existing database directory (FLOE_OPEN_CREATE
 * is then ignored: FLOE_NOTFOUND when it is missing); an in-memory database
 * cannot be opened read-only (FLOE_MISUSE).
 *
 * Failed syncs stop writing (fail-stop). The first failed fsync anywhere
 * (WAL, part files, directories, the catalog), or any failed WAL write,
 * turns a writable handle read-only for good: the failing call returns
 * FLOE_IOERR, every later write (appends, INSERT, COPY, DDL, FLUSH,
 * background flushes and merges) fails with FLOE_READONLY naming that
 * first error, and queries keep working. A failed fsync is never retried
 * (the kernel may have dropped the data it could not write and marked the
 * pages clean). A background flush that fails on a plain write (disk full)
 * is retried with a new part, and the rows stay in memory and the WAL. floe_db_close then
 * flushes nothing and returns FLOE_IOERR; every acknowledged row is in the
 * WAL and the next open recovers it. Reopen to write again. */
FLOE_API int floe_db_open(const char *path, unsigned flags, floe_db **out_db);
FLOE_API int floe_db_open_ex(const char *path, const floe_open_options *o, floe_db **out_db);

/* Flush every memtable to parts (not for a read-only handle), release the
 * writer lock and close. Returns FLOE_BUSY (and closes nothing) while
 * results or appenders are open. When a flush fails it still closes and
 * frees db and returns that error's code (floe_db_close_msg gives its
 * message). NULL is a no-op. */
FLOE_API int floe_db_close(floe_db *db);
/* floe_db_close that also reports why: when the final flush fails (the rows
 * stay in the WAL and are recovered at the next open) the database is still
 * closed and freed, so floe_db_errmsg() cannot be used; the message of the
 * first failure is copied into msg (cap bytes, NUL-terminated; "" on
 * success or when nothing failed). msg may be NULL. */
FLOE_API int floe_db_close_msg(floe_db *db, char *msg, size_t cap);

/* Last error on the handle: code and message. The message is owned by db and
 * valid until the next call on db (from any thread: see "Conventions" for a
 * db shared by threads). Never NULL. */
FLOE_API int floe_db_errcode(floe_db *db);
FLOE_API const char *floe_db_errmsg(floe_db *db);
/* Byte offset into the SQL text of the last error, or -1 when unknown. */
FLOE_API int floe_db_erroffset(floe_db *db);

/* Run every statement in `sql` (separated by ';'), discarding results.
 * Stops at the first failing statement. */
FLOE_API int floe_exec(floe_db *db, const char *sql);

/* Run `sql` and return the result of its last statement in *out_res (NULL on
 * failure). The caller frees it with floe_result_free(). */
FLOE_API int floe_query(floe_db *db, const char *sql, floe_result **out_res);

/* The error of one call, kept by the caller: unlike floe_db_errmsg, which
 * is per handle and may be replaced by another thread's failing call, this
 * belongs to the call that filled it (a server running many statements at
 * once on one handle reads its own). code is FLOE_OK on success; offset is
 * the byte offset into the SQL text (or -1); msg is NUL-terminated. */
typedef struct floe_error_info {
    int code;
    int offset;
    char msg[512];
} floe_error_info;

/* floe_query_ex flags. READONLY: refuse (FLOE_READONLY, nothing run) any
 * statement other than a query, EXPLAIN, SHOW TABLES, DESCRIBE and
 * current_setting: INSERT, COPY (FROM and TO: they touch server files),
 * CREATE, DROP, ALTER, FLUSH and SET fail. Statements before the refused
 * one in a multi-statement text have run (they were read-only too). */
#define FLOE_QUERY_READONLY 0x1

/* floe_query with flags (FLOE_QUERY_*) and the error also written to *info
 * (when info is not NULL; info->code is FLOE_OK on success). The handle's
 * last error is set too, as floe_query does. */
FLOE_API int floe_query_ex(floe_db *db, const char *sql, unsigned flags, floe_result **out_res,
                           floe_error_info *info);

/* Prepared statements: one SQL statement with parameters $1, $2, ... (or
 * ?, numbered left to right), prepared once and executed many times with
 * typed values bound to the parameters.
 *  floe_prepare parses `sql` (exactly one statement; a syntax error is
 *    FLOE_PARSE with the handle's error set) and returns a new statement in
 *    *out (NULL on failure), owned by the caller until floe_stmt_finalize.
 *    Names and types are resolved at each execution (a table changed
 *    between two executions is seen by the second).
 *  floe_bind_*: give parameter `idx` (1-based, up to 65535) a value; it
 *    stays bound until rebound. Text is copied (len < 0: NUL-terminated).
 *    A value adapts to where it is used as a literal would: a text bound
 *    to an INTEGER column's parameter is parsed as an integer, an int64
 *    widens to DOUBLE. FLOE_MISUSE for idx < 1, FLOE_NOMEM.
 *  floe_stmt_execute runs it with the bound values (a parameter with no
 *    value is FLOE_ERROR) and returns its result as floe_query does; errors
 *    go to the database handle (floe_db_errmsg).
 *  floe_stmt_finalize frees the statement and its values (NULL ok). Every
 *    statement must be finalized before floe_db_close of its database.
 * A statement may be used by one thread at a time; different statements of
 * one database may run concurrently like floe_query calls. */
typedef struct floe_stmt floe_stmt;
FLOE_API int floe_prepare(floe_db *db, const char *sql, floe_stmt **out);
FLOE_API int floe_bind_int64(floe_stmt *st, int idx, int64_t v);
FLOE_API int floe_bind_double(floe_stmt *st, int idx, double v);
FLOE_API int floe_bind_text(floe_stmt *st, int idx, const char *s, int64_t len);
FLOE_API int floe_bind_null(floe_stmt *st, int idx);
FLOE_API int floe_stmt_execute(floe_stmt *st, floe_result **out_res);
FLOE_API int floe_stmt_finalize(floe_stmt *st);

/* Ask a running query on db to stop; it returns FLOE_INTERRUPT. Safe from a
 * signal handler and from another thread. */
FLOE_API void floe_interrupt(floe_db *db);

/* A cancel flag for one call of floe_query_with: floe_cancel_fire (from any
 * thread, or a signal handler) stops the statements of the call(s) given
 * it with FLOE_INTERRUPT, and no others (floe_interrupt stops every
 * statement running on db). Once fired it stays fired. */
typedef struct floe_cancel floe_cancel;
/* FLOE_OK or FLOE_NOMEM; free with floe_cancel_free once no call uses it. */
FLOE_API int floe_cancel_new(floe_cancel **out);
FLOE_API void floe_cancel_fire(floe_cancel *c);
FLOE_API void floe_cancel_free(floe_cancel *c); /* NULL ok */

/* Options of floe_query_with: zero them (memset) then set fields; fields
 * are only appended. */
typedef struct floe_query_opts {
    unsigned flags;        /* FLOE_QUERY_* */
    uint32_t timeout_ms;   /* 0: none; else each statement's plan stops with FLOE_INTERRUPT
                            * ("query timeout of N ms exceeded") once N ms have passed
                            * since the call began */
    uint64_t memory_limit; /* bytes one statement's plan may hold (operators' state and
                            * the result it builds); 0: only the database's memory_limit.
                            * Over it: FLOE_NOMEM "query memory limit of ... exceeded" */
    floe_cancel *cancel;   /* NULL, or a flag that stops this call when fired */
} floe_query_opts;

/* floe_query_ex with per-call limits (o may be NULL: none). The limits are
 * checked between vectors of work, so a statement stops within about one
 * vector's time of its deadline or cancel. Thread-safe like floe_query_ex:
 * calls on one db from several threads each have their own limits. */
FLOE_API int floe_query_with(floe_db *db, const char *sql, const floe_query_opts *o,
                             floe_result **out_res, floe_error_info *info);

/* Progress of the statement running on db: the fraction (0..1) of the rows
 * of its table scans read so far, or -1 when none is running or it has no
 * scan to measure. Safe from any thread while the statement runs (a shell
 * polls it to draw a progress bar). */
FLOE_API double floe_progress(floe_db *db);

/* ------------------------------------------------------------------ result */

/* A result is fully computed when floe_query returns. It is read in chunks
 * of up to floe_result_chunk_size() rows (column-wise), or by row with the
 * typed getters. */
FLOE_API void floe_result_free(floe_result *res);
FLOE_API uint32_t floe_result_column_count(floe_result *res);
/* Column name; owned by res, valid until floe_result_free. */
FLOE_API const char *floe_result_column_name(floe_result *res, uint32_t col);
FLOE_API floe_type_id floe_result_column_type(floe_result *res, uint32_t col);
/* For DECIMAL columns: precision and scale; 0 otherwise. */
FLOE_API int floe_result_column_decimal(floe_result *res, uint32_t col, int *out_precision,
                                        int *out_scale);
FLOE_API uint64_t floe_result_row_count(floe_result *res);
/* Rows changed by an INSERT/COPY/CREATE TABLE AS statement (whose result
 * has no columns), 0 for queries. */
FLOE_API uint64_t floe_result_rows_changed(floe_result *res);

/* Column-wise access. Chunks are numbered from 0; each holds up to
 * floe_result_chunk_size() rows, the last one possibly fewer. */
FLOE_API uint64_t floe_result_chunk_count(floe_result *res);
FLOE_API uint32_t floe_result_chunk_size(void);
/* Fill *out_rows, *out_data (values laid out as the type's physical layout)
 * and *out_validity (NULL when no value is NULL; else bit i of word i/64 is 1
 * when row i is valid) for column `col` of chunk `chunk`. The pointers are
 * owned by res, valid until floe_result_free. */
FLOE_API int floe_result_column_data(floe_result *res, uint64_t chunk, uint32_t col,
                                     uint32_t *out_rows, const void **out_data,
                                     const uint64_t **out_validity);

/* The Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html):
 * the ABI-stable structs, declared here unless the including program already
 * has them (ARROW_C_DATA_INTERFACE is the spec's guard). */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif

/* Export chunk `chunk` of res (0 <= chunk < floe_result_chunk_count) as an
 * Arrow record batch: *out_array is a struct array ("+s") with one child per
 * column, and *out_schema its schema (either pointer may be NULL; the schema
 * is the same for every chunk). Types: BOOLEAN "b", INTEGER "i", BIGINT "l",
 * DOUBLE "g", DECIMAL(p,s) "d:p,s" (128-bit), VARCHAR "u" (utf8; "U" when a
 * chunk holds 2 GiB of text), DATE "tdD", TIMESTAMP "tsu:" (microseconds,
 * no time zone), INTERVAL "tin" (month_day_nano); every column is nullable.
 * Ownership: the values are copied, so the structs do not depend on res
 * (free res whenever); the caller owns them and calls their `release`
 * callbacks exactly once (a consumer may move children out, per the spec).
 * Returns FLOE_OK, FLOE_MISUSE (chunk out of range) or FLOE_NOMEM; on
 * failure nothing is exported (release is NULL). Thread-safety: like the
 * other getters (one thread per result); the exported structs may move to
 * any thread. */
FLOE_API int floe_result_arrow(floe_result *res, uint64_t chunk, struct ArrowSchema *out_schema,
                               struct ArrowArray *out_array);

/* Row-wise typed getters. Out-of-range or wrong-type access returns 0/NULL
 * and sets the error on res (floe_result_errmsg). A SQL NULL reads as 0/NULL
 * without an error (check floe_value_is_null). Conversions:
 *  floe_value_int64: BOOLEAN 0/1, INTEGER and BIGINT as is, DATE as days and
 *    TIMESTAMP as microseconds (their physical values); DECIMAL and DOUBLE
 *    as SQL's CAST(x AS BIGINT): rounded half away from zero (2.5 -> 3,
 *    -2.5 -> -3, 2.49 -> 2), never truncated; a DOUBLE outside the int64
 *    range (or NaN) returns 0 with a FLOE_RANGE message. VARCHAR and
 *    INTERVAL: 0 and a FLOE_TYPE message.
 *  floe_value_double: any number (a DECIMAL is divided by 10^scale; values
 *    beyond 2^53 lose precision as any double does).
 *  floe_value_string: VARCHAR only; floe_value_text: any type. */
FLOE_API int floe_value_is_null(floe_result *res, uint32_t col, uint64_t row);
FLOE_API int64_t floe_value_int64(floe_result *res, uint32_t col, uint64_t row);
FLOE_API double floe_value_double(floe_result *res, uint32_t col, uint64_t row);
/* The string bytes of a VARCHAR value; owned by res. */
FLOE_API floe_string floe_value_string(floe_result *res, uint32_t col, uint64_t row);
/* Any value rendered as text (NULL for SQL NULL). Free with floe_free(). */
FLOE_API char *floe_value_text(floe_result *res, uint32_t col, uint64_t row);
FLOE_API const char *floe_result_errmsg(floe_result *res);

/* Free memory that floe returned with "free with floe_free()". */
FLOE_API void floe_free(void *p);

/* ---------------------------------------------------------------- appender */

/* Open an appender on `table`; free it with floe_appender_close(). On
 * failure *out is NULL and there is nothing to free: the code is returned
 * and the message is on db (floe_db_errmsg): FLOE_NOTFOUND for a missing
 * table, FLOE_READONLY on a read-only handle, FLOE_NOMEM, or FLOE_MISUSE
 * (db or table NULL; no message).
 *
 * When appended rows become visible to queries (and durable):
 *  - row-at-a-time rows (floe_append_* + floe_appender_end_row) are staged
 *    inside the appender, like DuckDB's appender: they are NOT visible when
 *    floe_appender_end_row returns. They are handed to the table (visible)
 *    by floe_appender_flush, floe_appender_close, the next column-batch or
 *    idempotent call, and automatically each time floe_result_chunk_size()
 *    rows are staged (the end_row completing such a chunk returns when they
 *    are visible and durable). Staging is what makes one-row appends cheap;
 *    call floe_appender_flush when readers must see the rows now.
 *  - column batches are visible when floe_appender_append_columns returns
 *    and durable at the next floe_appender_flush.
 *  - idempotent batches are visible and durable when their call returns.
 * Durability follows the database's FLOE_OPEN_DURABILITY_* option. */
FLOE_API int floe_appender_open(floe_db *db, const char *table, floe_appender **out);
/* Last error of the appender's calls; owned by app, valid until the next
 * call on app. Never NULL. */
FLOE_API const char *floe_appender_errmsg(floe_appender *app);

/* Row-at-a-time: call one append per column, in column order, then
 * floe_appender_end_row. These take VALUES, converted to the column's type
 * as SQL's CAST would (unlike column batches, which take the physical
 * layout):
 *  floe_append_int64/int32/bool: into BOOLEAN (nonzero is true), INTEGER
 *    (FLOE_RANGE outside int32), BIGINT, DOUBLE, DATE (days), TIMESTAMP
 *    (microseconds), and DECIMAL as the whole number: appending 5 to a
 *    DECIMAL(10,2) stores 5.00 (physical 500), FLOE_RANGE when it does not
 *    fit the precision. To append an exact fraction use floe_append_text
 *    ("12.34") or a column batch (physical 1234 at scale 2).
 *  floe_append_double: into DOUBLE, or DECIMAL rounded half away from zero
 *    at the column's scale; other columns FLOE_TYPE.
 *  floe_append_string/floe_append_text: into VARCHAR the bytes as given;
 *    into any other column the text is parsed as CAST(text AS type) would
 *    ('42' into INTEGER is 42), and text that is no value of that type
 *    ('abc' into INTEGER) fails with FLOE_TYPE naming the column (as the
 *    SQL CAST does; COPY reports its input errors as FLOE_PARSE).
 * A failed append leaves the row where it was: the value is not taken and
 * the same column may be appended again. A NULL into a NOT NULL column
 * fails with FLOE_CONSTRAINT. */
FLOE_API int floe_append_null(floe_appender *app);
FLOE_API int floe_append_bool(floe_appender *app, int v);
FLOE_API int floe_append_int32(floe_appender *app, int32_t v);
FLOE_API int floe_append_int64(floe_appender *app, int64_t v);
FLOE_API int floe_append_double(floe_appender *app, double v);
/* Copies the bytes. len < 0 means NUL-terminated. */
FLOE_API int floe_append_string(floe_appender *app, const char *s, int64_t len);
/* A value given as text, parsed by the column type (e.g. '2024-01-01 10:00:00'). */
FLOE_API int floe_append_text(floe_appender *app, const char *s);
FLOE_API int floe_appender_end_row(floe_appender *app);

/* Column batch: `nrows` rows; data[c] points at nrows values in column c's
 * physical layout, validity[c] is NULL (all valid) or a bitmap as above.
 * `validity` itself may be NULL. Data is copied. The rows are written to the
 * WAL (and visible to queries) when the call returns; floe_appender_flush
 * makes them durable, with one WAL sync for everything appended since the
 * previous flush. */
FLOE_API int floe_appender_append_columns(floe_appender *app, uint32_t nrows,
                                          const void *const *data,
                                          const uint64_t *const *validity);

/* Idempotent producers (like Kafka's): append a column batch (as
 * floe_appender_append_columns, any number of rows, applied all or nothing
 * whatever the number of shards it spans, also across crashes) tagged with
 * the producer's id and a sequence number that grows with every batch it
 * sends; durable when the call returns. A batch whose producer_seq is not
 * above the last one accepted from producer_id is skipped and
 * *out_duplicate (when not NULL) set to 1, so a producer that retries after
 * a crash or timeout never double-counts. A batch is accepted only once it
 * is wholly written and durable: after a failed call its retry is applied,
 * and after a crash the batch was either recovered whole (the retry is then
 * a duplicate) or not at all. The last accepted sequence survives restarts.
 * Calls of one producer id are serialized. Rows staged by the row-at-a-time
 * calls are sent first. */
FLOE_API int floe_appender_append_idempotent(floe_appender *app, uint64_t producer_id,
                                             uint64_t producer_seq, uint32_t nrows,
                                             const void *const *data,
                                             const uint64_t *const *validity, int *out_duplicate);

/* ------------------------------------------------------ text batch append */

/* Formats of floe_append_text_batch. */
#define FLOE_TEXT_CSV 0   /* RFC 4180 CSV, columns in table order (COPY's reader) */
#define FLOE_TEXT_JSONL 1 /* JSON lines keyed by column name (COPY's reader) */

/* Acknowledgement levels (floe_text_batch_opts.ack): when the call returns.
 *  DEFAULT: the database's durability (FSYNC unless opened with
 *    FLOE_OPEN_DURABILITY_OFF, then WAL).
 *  NONE: the rows are visible and their WAL record written; no sync waited
 *    for (today the same guarantee as WAL: the batch always goes through
 *    the WAL to be atomic).
 *  WAL: the WAL record is written (survives a crash of the process, not of
 *    the OS).
 *  FSYNC: the WAL record is synced (fdatasync, the database's group commit
 *    under the default durability); FLOE_UNSUPPORTED on a database opened
 *    with FLOE_OPEN_DURABILITY_OFF.
 * An idempotent batch (has_producer) is always synced: its producer seq
 * must not advance before the rows are durable. */
#define FLOE_ACK_DEFAULT 0
#define FLOE_ACK_NONE 1
#define FLOE_ACK_WAL 2
#define FLOE_ACK_FSYNC 3

/* Options of floe_append_text_batch: zero them (memset) then set fields;
 * fields are only appended. */
typedef struct floe_text_batch_opts {
    int format;            /* FLOE_TEXT_CSV or FLOE_TEXT_JSONL */
    int header;            /* CSV: the first line names the columns (skipped) */
    int ack;               /* FLOE_ACK_* */
    int nowait;            /* FLOE_BUSY at once instead of waiting when memtables are full */
    int has_producer;      /* idempotent producer (see floe_appender_append_idempotent) */
    uint64_t producer_id;
    uint64_t producer_seq;
    const char *source_name; /* names the input in messages; NULL: "body" */
    /* Per-shard sequence numbers of the appended rows: when shard_cap > 0,
     * shard_first_seq[i] / shard_last_seq[i] (caller's arrays of shard_cap
     * entries) receive the first and last seq assigned in shard i, 0 and 0
     * where the batch added no row; res->nshards tells how many shards the
     * table has (entries past shard_cap are not written). */
    uint64_t *shard_first_seq;
    uint64_t *shard_last_seq;
    uint32_t shard_cap;
    /* Keep going past bad rows: when keep_rejects is set, a row that fails
     * to parse or convert is skipped and reported to on_reject (its 1-based
     * line and the message, valid during the call; on_reject may be NULL)
     * instead of failing the batch; the good rows are still ONE atomic
     * batch, res->rejected counts the skipped ones. Still fatal: a field or
     * record over the size limits, and a NULL in a NOT NULL column (such a
     * row is not tied to a line once parsed: the batch fails as without
     * keep_rejects). */
    int keep_rejects;
    void (*on_reject)(void *ctx, uint64_t line, const char *reason);
    void *reject_ctx;
    /* Longest line (JSON lines) or record (CSV) in bytes; 0: 64 MiB. A
     * longer one fails the batch with FLOE_RANGE (even with keep_rejects). */
    size_t max_line_bytes;
} floe_text_batch_opts;

typedef struct floe_text_batch_result {
    uint64_t rows;         /* rows appended (0 for a duplicate) */
    int duplicate;         /* an idempotent batch already accepted: nothing applied */
    uint64_t last_seq;     /* highest sequence number assigned (0: none) */
    uint64_t error_line;   /* 1-based line of the bad row, 0 when the error has none */
    floe_error_info error; /* this call's error (code FLOE_OK on success) */
    uint32_t nshards;      /* the table's shards (see floe_text_batch_opts.shard_cap) */
    uint64_t rejected;     /* rows skipped with keep_rejects */
} floe_text_batch_result;

/* Parse `len` bytes of `data` (CSV or JSON lines, as COPY ... FROM reads
 * them: same conversions, same messages "body:12: column price (3): ...")
 * for table `table` and append every row as ONE transaction: all rows or
 * none are applied, visible and recovered after a crash. A bad row (bad
 * syntax, wrong type, unknown JSON key, NULL in a NOT NULL column) fails the
 * whole batch with FLOE_PARSE, FLOE_TYPE, FLOE_RANGE or FLOE_CONSTRAINT and
 * applies nothing; FLOE_NOTFOUND for a missing table, FLOE_READONLY on a
 * read-only handle, FLOE_BUSY when memtables are full and o->nowait, and
 * FLOE_UNSUPPORTED for FLOE_ACK_FSYNC without durability. Returns when the
 * rows reach o->ack. o may be NULL (CSV, no header, default ack); res is
 * required. Thread-safe: any number of calls may run at once on one db. */
FLOE_API int floe_append_text_batch(floe_db *db, const char *table, const char *data, size_t len,
                                    const floe_text_batch_opts *o, floe_text_batch_result *res);

/* Back-pressure: when the database's memtables hold more than their memory
 * bound (flushing has fallen behind), appends block until a flush frees
 * memory (the default), or, after floe_appender_set_nowait(app, 1), return
 * FLOE_BUSY at once so the producer can retry later or shed load. */
FLOE_API int floe_appender_set_nowait(floe_appender *app, int nowait);

/* Make appended rows durable (per the database durability option) and
 * visible. Returns the sequence number of the last appended row in *out_seq
 * when out_seq is not NULL. */
FLOE_API int floe_appender_flush(floe_appender *app, uint64_t *out_seq);
/* Flush and free. The appender is freed whatever the result, also when the
 * final flush fails (staged rows it could not hand to the table are then
 * dropped, e.g. after a DROP TABLE): the message of that failure is copied
 * to the database (floe_db_errmsg), since app is gone. NULL is a no-op. */
FLOE_API int floe_appender_close(floe_appender *app);

#ifdef __cplusplus
}
#endif
#endif /* FLOE_H */
