/* ingest/wal.h: the write-ahead log of one shard of one table (the raw zone).
 *
 * Every batch appended to a shard is first written here; after a crash the
 * rows above the shard's flushed sequence number are replayed from it. There
 * is one WAL per (table, shard), made of segment files
 *
 *     <db_dir>/wal/<table_id>-<shard>-<segno>.wal     (decimal numbers)
 *
 * The bytes — segment header, record framing, the BATCH and ABORT payloads,
 * transaction manifests — are specified in doc/format.md ("Write-ahead
 * log"); the constants below are the code's side of it. In short: records
 * are [length u32][checksum u32][type u8][durable u64][payload], `durable`
 * being the segment offset the writer knew synced when it wrote the record,
 * and a multi-record append (several shards or batches) is a transaction
 * whose records all carry its id and manifest. After each sync (FULL and
 * BATCH) an empty SYNCED record (version 4) states the offset the sync made
 * durable, so a damaged LAST record can be told apart: followed by a marker
 * or record saying it was synced, it is corruption; otherwise a torn write
 * that never reached the disk. A failed marker write fails the sync like any
 * WAL write error. The WAL itself does not
 * interpret manifests: ingest/recover.c replays a transaction only when every
 * piece is present (in parts or in the WAL) and no ABORT names it, and
 * writes ABORT records for a partial one (see table.h, Recovery).
 *
 * Durability (per database): FULL fdatasyncs before floe_wal_sync returns;
 * BATCH is group commit: a waiter starts an fdatasync at once when none is
 * running, and it covers every record written before it started; waiters
 * arriving meanwhile share the next one (no timer adds latency). FULL gives
 * each append an fdatasync of its own. OFF never syncs.
 * Segments roll at segment_bytes; the closed one is synced first (unless OFF)
 * and the new segment's directory entry is fsynced. With FULL and BATCH the
 * open segment is preallocated: extended with zeros a chunk ahead of the
 * records (256 KiB doubling to 16 MiB) and synced, so commits overwrite
 * allocated blocks and their fdatasync flushes data only; closing a segment
 * cuts the zeros off.
 *
 * Recovery (floe_wal_open): all segments are read in order and every record
 * is handed to the replay callback (the caller skips rows at or below what
 * its parts already hold). In the LAST segment, an all-zero record header
 * followed only by zeros is the end of the log (a crash while preallocated);
 * a torn last record (short, or a checksum mismatch with only zeros or
 * nothing after it, so nothing says it was synced), a nonzero byte among the trailing zeros, or a bad record
 * beyond the durable offset every earlier record states (unsynced records,
 * written out of order by a power loss) unless a good record right after it
 * says it was durable, is dropped with everything after it and a warning for
 * the caller to show. Either way the file is truncated to the last good
 * record. Anything malformed before that, or zeros in a segment that is not
 * the last, is FLOE_CORRUPT naming file and offset.
 * New records always go to a fresh segment.
 *
 * Read-only mode (opts.readonly, for read-only database handles beside a
 * running writer): floe_wal_open changes no file (no mkdir, no truncation,
 * no unlink) and sets no warning. A missing wal directory or a segment that
 * vanished after listing (the writer truncated it) is skipped. In the last
 * segment, a short or bad record ends the log (the writer may be writing
 * it); elsewhere damage is still FLOE_CORRUPT. floe_wal_append returns
 * FLOE_READONLY; close writes nothing.
 *
 * Thread-safety: append/sync/truncate may be called from many threads; the
 * WAL has its own mutex (the shard mutex orders appends by sequence number).
 */
#ifndef FLOE_INGEST_WAL_H
#define FLOE_INGEST_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/types.h"
#include "util/vec.h"

#define FLOE_WAL_MAGIC "FLOEWAL"
#define FLOE_WAL_VERSION 4 /* 1: records without `durable`; 2: no transactions; 3: no SYNCED
                            * markers (all still read) */
#define FLOE_WAL_HEADER_BYTES 32
#define FLOE_WAL_RECORD_HEADER_BYTES 17
#define FLOE_WAL_V1_RECORD_HEADER_BYTES 9
#define FLOE_WAL_REC_BATCH 1
#define FLOE_WAL_REC_ABORT 2
#define FLOE_WAL_REC_SYNCED 3 /* version 4: empty marker written after each sync; its
                               * `durable` proves the records before it were synced */

/* One piece of a transaction: its rows in one shard. */
typedef struct floe_wal_piece {
    uint32_t shard;
    uint64_t first_seq, last_seq;
} floe_wal_piece;

/* The transaction a record belongs to (see Transactions above). */
typedef struct floe_wal_txn {
    uint64_t id;                 /* nonzero */
    const floe_wal_piece *pieces;
    uint32_t npieces;
} floe_wal_txn;

typedef enum floe_durability {
    FLOE_DURABILITY_FULL = 0,
    FLOE_DURABILITY_BATCH = 1,
    FLOE_DURABILITY_OFF = 2
} floe_durability;

typedef struct floe_wal_opts {
    const char *db_dir;          /* segments go to <db_dir>/wal (created) */
    uint64_t table_id;
    uint32_t shard;
    floe_durability durability;
    uint32_t group_commit_ms;    /* reserved (BATCH needs no window); 0 = 2 */
    uint64_t segment_bytes;      /* roll size; 0 = 64 MiB */
    bool readonly;               /* read only: see "Read-only mode" above */
    /* When not NULL and floe_wal_open fails with FLOE_CORRUPT: the damaged
     * segment's number and the offset of the damage (for salvage). */
    uint64_t *corrupt_segno, *corrupt_offset;
} floe_wal_opts;

/* One decoded record, borrowed by the replay callback until it returns. */
typedef struct floe_wal_record {
    uint8_t type;           /* FLOE_WAL_REC_BATCH or FLOE_WAL_REC_ABORT */
    uint64_t txn_id;        /* 0: not part of a multi-record transaction */
    uint32_t npieces;       /* BATCH with txn_id: the transaction's manifest */
    const floe_wal_piece *pieces;
    uint64_t abort_last_seq; /* ABORT: rows first_seq..abort_last_seq (nrows = 0) */
    uint32_t shard;
    uint64_t first_seq;     /* seq of row 0; rows are first_seq .. +nrows-1 */
    uint32_t nrows;
    bool has_producer;
    uint64_t producer_id;
    uint64_t producer_seq;
    const floe_batch *batch; /* nrows rows; VARCHAR bytes point into the file buffer;
                              * NULL for ABORT */
    const char *segment;     /* file path, for messages */
    uint64_t offset;         /* byte offset of the record in the segment */
} floe_wal_record;

/* Non-OK stops the replay and is returned by floe_wal_open. */
typedef int (*floe_wal_replay_fn)(void *ctx, const floe_wal_record *rec, floe_err *err);

typedef struct floe_wal floe_wal;

/* Open (creating <db_dir>/wal) and recover the WAL of o->table_id/o->shard:
 * every existing record goes to `replay` (may be NULL) in order. When a torn
 * tail was dropped, `warn` (cap bytes, may be NULL) receives a message, else
 * it is set to "". Errors: FLOE_IOERR, FLOE_CORRUPT (message names segment
 * and byte offset), FLOE_NOMEM, or the callback's code; *out = NULL then. */
int floe_wal_open(const floe_wal_opts *o, floe_wal_replay_fn replay, void *ctx, char *warn,
                  size_t warn_cap, floe_wal **out, floe_err *err);
/* Hand every record of the WAL to `replay` again, in order (a second pass
 * after floe_wal_open, before anything is appended: FLOE_MISUSE after an
 * append). Errors as for floe_wal_open. */
int floe_wal_replay(floe_wal *w, floe_wal_replay_fn replay, void *ctx, floe_err *err);
/* Close (syncing first unless OFF). NULL ok. */
void floe_wal_close(floe_wal *w);

/* Lowest row sequence number replayed at open; 0 if none. (A read-only
 * reader beside a writer checks with it that no segment holding rows it
 * needs was truncated before it read them.) */
uint64_t floe_wal_first_seq(floe_wal *w);
/* Highest row sequence number seen in the WAL (replayed or appended); 0 if none. */
uint64_t floe_wal_last_seq(floe_wal *w);

/* Encode rows[0..nrows) of b (NULL rows = 0..nrows-1; CONST vectors ok) as
 * one BATCH record with sequence numbers first_seq.. and write it (no sync).
 * `producer` is NULL or {id, seq}. *out_ticket receives the value to pass to
 * floe_wal_sync. After a write error the WAL refuses further appends
 * (FLOE_IOERR). */
int floe_wal_append(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                    uint64_t first_seq, const uint64_t *producer, uint64_t *out_ticket,
                    floe_err *err);
/* floe_wal_append for a record of transaction `txn` (NULL: none). */
int floe_wal_append_txn(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                        uint64_t first_seq, const uint64_t *producer, const floe_wal_txn *txn,
                        uint64_t *out_ticket, floe_err *err);
/* Write an ABORT record for transaction txn_id's rows first_seq..last_seq in
 * this shard (no sync). Errors as for floe_wal_append. */
int floe_wal_append_abort(floe_wal *w, uint64_t txn_id, uint64_t first_seq, uint64_t last_seq,
                          uint64_t *out_ticket, floe_err *err);
/* The ticket of the last record written (0 when none): floe_wal_sync of it
 * makes everything written so far durable. */
uint64_t floe_wal_written(floe_wal *w);
/* Wait until the record with `ticket` is durable per the durability mode
 * (returns at once for OFF). FLOE_IOERR when a sync failed. */
int floe_wal_sync(floe_wal *w, uint64_t ticket, floe_err *err);
/* Delete the oldest segments, in order, while their records all have
 * seq <= `seq` (call after the part holding them is committed); a segment
 * is never deleted while an older one stays, so an ABORT record outlives the
 * records it names. FLOE_IOERR on unlink failure. */
int floe_wal_truncate_upto(floe_wal *w, uint64_t seq, floe_err *err);

/* Delete every WAL segment of table `table_id` (all shards) under
 * <db_dir>/wal, e.g. for DROP TABLE after its ingest state is closed.
 * A missing directory is fine. FLOE_IOERR. */
int floe_wal_drop_table(const char *db_dir, uint64_t table_id, floe_err *err);
/* Salvage (FLOE_OPEN_SALVAGE): after floe_wal_open of o's shard failed with
 * FLOE_CORRUPT in segment `segno` at `offset`, move that segment and every
 * later one of the shard into <db_dir>/quarantine/wal/ (nothing is
 * deleted) and, when records precede the damage, put a copy of the intact
 * prefix [0, offset) back in their place (synced), so the next open replays
 * every record before the damage. `note` gets a one-line account (what
 * moved where). FLOE_IOERR, FLOE_NOMEM. */
int floe_wal_salvage(const floe_wal_opts *o, uint64_t segno, uint64_t offset, char *note,
                     size_t note_cap, floe_err *err);

/* Number of shards table `table_id` has WAL segments for (highest shard
 * number + 1; 0 when none), so a caller can refuse to open a table with
 * fewer shards than its WAL. FLOE_IOERR. */
int floe_wal_shard_count(const char *db_dir, uint64_t table_id, uint32_t *out, floe_err *err);

/* Testing and monitoring: fdatasync calls made, segments on disk. */
uint64_t floe_wal_sync_count(floe_wal *w);
uint32_t floe_wal_segment_count(floe_wal *w);

#endif
