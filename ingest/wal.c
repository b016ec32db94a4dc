/* ingest/wal.c: segmented, checksummed WAL with group commit.
 *
 * See wal.h for the format. Every file call goes through util/os (so tests
 * can fail any of them). Writes go straight to the segment fd with
 * pwrite(2) under the WAL mutex; sync waiters elect one of them to fdatasync
 * outside the mutex (so writers keep appending meanwhile) and everybody whose
 * ticket is covered by that sync returns. Rolling a segment waits for an
 * in-flight sync on the old fd so no fd is closed under a syscall.
 *
 * Preallocation (durability FULL and BATCH): the open segment is extended
 * with zeros ahead of the records, a chunk at a time (256 KiB, doubling up
 * to 16 MiB), and that chunk is fdatasynced at once, so a commit's
 * fdatasync overwrites blocks the file system already allocated and only
 * flushes data (about half the cost of appending on ext4 here). The zero
 * tail is cut off when the segment is closed; recovery reads an all-zero
 * record header as the end of the log, and treats a bad record followed
 * only by zeros like a torn last record.
 */
#include "ingest/wal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/mem.h"
#include "util/os.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "floe's WAL format assumes a little-endian host"
#endif

typedef struct wal_seg {
    uint64_t segno;
    uint64_t last_seq; /* highest row seq in it; 0 when no records */
    uint64_t view_end; /* read-only handles: bytes of it the first pass read, so
                        * the replay pass sees exactly the same records */
} wal_seg;

struct floe_wal {
    floe_wal_opts o;
    char *dir;          /* <db_dir>/wal */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wal_seg *segs;      /* on disk, ascending segno; the open one is last */
    uint32_t nsegs, capsegs;
    int fd;             /* open segment, -1 until the first append */
    char seg_name[4096]; /* its path, for messages */
    uint64_t seg_size;  /* bytes in the open segment */
    uint64_t zeroed;    /* file size of the open segment (zeros past seg_size) */
    uint64_t synced_off; /* bytes of the open segment known durable */
    uint64_t marked_off; /* synced_off the last SYNCED marker stated */
    uint64_t seg_gen;   /* open_segment count: tells a sync which segment it covered */
    uint64_t next_segno;
    uint64_t last_seq;
    uint64_t first_seq; /* lowest row seq replayed at open, 0 none */
    uint64_t written;   /* records written (tickets) */
    uint64_t synced;    /* tickets known durable */
    bool syncing;       /* a waiter is in fdatasync */
    uint32_t inflight;  /* FULL-mode fdatasyncs running outside the mutex */
    int64_t last_sync_ns;
    int failed;         /* sticky write/sync error code */
    uint64_t nsyncs;
    uint64_t bad_off;   /* replay: offset of the damage behind a FLOE_CORRUPT */
    char *buf;          /* encode buffer */
    size_t bufcap;
};

static void seg_path(const floe_wal *w, uint64_t segno, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%" PRIu64 "-%" PRIu32 "-%" PRIu64 ".wal", w->dir, w->o.table_id,
             w->o.shard, segno);
}

static int seg_push(floe_wal *w, uint64_t segno, uint64_t last_seq, floe_err *err)
{
    if (w->nsegs == w->capsegs) {
        uint32_t cap = w->capsegs ? w->capsegs * 2 : 8;
        wal_seg *s = floe_realloc(w->segs, cap * sizeof *s);
        if (s == NULL) return floe_err_nomem(err);
        w->segs = s;
        w->capsegs = cap;
    }
    w->segs[w->nsegs].segno = segno;
    w->segs[w->nsegs].last_seq = last_seq;
    w->segs[w->nsegs].view_end = 0;
    w->nsegs++;
    return FLOE_OK;
}

/* True when p[0, n) is all zero bytes. */
static bool all_zero(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

static inline void put32(char *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(char *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t get32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
static inline uint64_t get64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ------------------------------------------------------------- decoding */

typedef struct rd {
    const char *p;
    size_t n, pos;
} rd;

static bool rd_take(rd *r, size_t k, const char **out)
{
    if (r->n - r->pos < k) return false;
    *out = r->p + r->pos;
    r->pos += k;
    return true;
}

static bool valid_type(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DOUBLE:
    case FLOE_TYPE_VARCHAR:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_INTERVAL: return true;
    case FLOE_TYPE_DECIMAL: return t.precision >= 1 && t.precision <= 18 && t.scale <= t.precision;
    default: return false;
    }
}

/* Decode a BATCH payload into rec/batch (batch owned by the caller, freed
 * with floe_batch_free even on failure). Returns FLOE_OK, FLOE_NOMEM, or
 * FLOE_CORRUPT with a short reason in err (the caller adds file/offset). */
static int decode_batch(const char *p, size_t n, floe_wal_record *rec, floe_batch *b,
                        floe_wal_piece **pieces, floe_err *err)
{
    rd r = {p, n, 0};
    const char *q;
    uint32_t ncols, c;
    uint8_t flags;

    memset(b, 0, sizeof *b);
    if (!rd_take(&r, 17, &q)) return floe_err_set(err, FLOE_CORRUPT, "short batch header");
    rec->shard = get32(q);
    rec->first_seq = get64(q + 4);
    rec->nrows = get32(q + 12);
    flags = (uint8_t)q[16];
    if (flags & ~3u) return floe_err_set(err, FLOE_CORRUPT, "bad flags %u", flags);
    rec->has_producer = (flags & 1) != 0;
    rec->producer_id = rec->producer_seq = 0;
    if (rec->has_producer) {
        if (!rd_take(&r, 16, &q)) return floe_err_set(err, FLOE_CORRUPT, "short producer");
        rec->producer_id = get64(q);
        rec->producer_seq = get64(q + 8);
    }
    if (flags & 2) {
        uint32_t np, i;
        if (!rd_take(&r, 12, &q)) return floe_err_set(err, FLOE_CORRUPT, "short transaction");
        rec->txn_id = get64(q);
        np = get32(q + 8);
        if (rec->txn_id == 0 || np == 0 || (uint64_t)np * 20 > r.n - r.pos)
            return floe_err_set(err, FLOE_CORRUPT, "bad transaction manifest");
        *pieces = floe_malloc((size_t)np * sizeof **pieces);
        if (*pieces == NULL) return floe_err_nomem(err);
        for (i = 0; i < np; i++) {
            rd_take(&r, 20, &q);
            (*pieces)[i].shard = get32(q);
            (*pieces)[i].first_seq = get64(q + 4);
            (*pieces)[i].last_seq = get64(q + 12);
        }
        rec->npieces = np;
        rec->pieces = *pieces;
    }
    if (!rd_take(&r, 4, &q)) return floe_err_set(err, FLOE_CORRUPT, "short column count");
    ncols = get32(q);
    if (ncols > 100000 || (uint64_t)ncols * 4 > n)
        return floe_err_set(err, FLOE_CORRUPT, "bad column count %u", ncols);
    if (rec->nrows > n * 8 + 8) /* every row takes at least one bit */
        return floe_err_set(err, FLOE_CORRUPT, "bad row count %u", rec->nrows);
    b->cols = floe_calloc(ncols ? ncols : 1, sizeof(floe_vec));
    if (b->cols == NULL) return floe_err_nomem(err);
    b->ncols = ncols;
    b->n = rec->nrows;
    for (c = 0; c < ncols; c++) {
        floe_vec *v = &b->cols[c];
        floe_type t;
        uint8_t has_nulls;
        size_t width, words = FLOE_BITMAP_WORDS(rec->nrows);
        if (!rd_take(&r, 4, &q)) return floe_err_set(err, FLOE_CORRUPT, "short column %u", c);
        t.id = (uint8_t)q[0];
        t.precision = (uint8_t)q[1];
        t.scale = (uint8_t)q[2];
        has_nulls = (uint8_t)q[3];
        if (!valid_type(t) || has_nulls > 1)
            return floe_err_set(err, FLOE_CORRUPT, "bad column %u header", c);
        if (floe_vec_init(v, t, rec->nrows ? rec->nrows : 1) != FLOE_OK) return floe_err_nomem(err);
        v->n = rec->nrows;
        if (has_nulls) {
            if (!rd_take(&r, words * 8, &q))
                return floe_err_set(err, FLOE_CORRUPT, "short validity in column %u", c);
            v->validity = floe_malloc(words ? words * 8 : 8);
            if (v->validity == NULL) return floe_err_nomem(err);
            if (words) memcpy(v->validity, q, words * 8);
        }
        width = floe_type_size(t);
        if (t.id == FLOE_TYPE_VARCHAR) {
            const char *lens, *bytes;
            uint64_t total = 0;
            uint32_t i;
            floe_string *s = v->data;
            if (!rd_take(&r, (size_t)rec->nrows * 4, &lens))
                return floe_err_set(err, FLOE_CORRUPT, "short lengths in column %u", c);
            for (i = 0; i < rec->nrows; i++) total += get32(lens + (size_t)i * 4);
            if (!rd_take(&r, total, &bytes))
                return floe_err_set(err, FLOE_CORRUPT, "short string bytes in column %u", c);
            total = 0;
            for (i = 0; i < rec->nrows; i++) {
                s[i].len = get32(lens + (size_t)i * 4);
                s[i].ptr = bytes + total;
                total += s[i].len;
            }
        } else {
            if (!rd_take(&r, (size_t)rec->nrows * width, &q))
                return floe_err_set(err, FLOE_CORRUPT, "short values in column %u", c);
            if (rec->nrows) memcpy(v->data, q, (size_t)rec->nrows * width);
            if (t.id == FLOE_TYPE_BOOLEAN) {
                uint32_t i;
                for (i = 0; i < rec->nrows; i++)
                    if (((uint8_t *)v->data)[i] > 1)
                        return floe_err_set(err, FLOE_CORRUPT, "bad boolean in column %u", c);
            }
        }
    }
    if (r.pos != r.n) return floe_err_set(err, FLOE_CORRUPT, "%zu trailing bytes", r.n - r.pos);
    return FLOE_OK;
}

/* Decode an ABORT payload into rec. FLOE_OK or FLOE_CORRUPT. */
static int decode_abort(const char *p, size_t n, floe_wal_record *rec, floe_err *err)
{
    if (n != 28) return floe_err_set(err, FLOE_CORRUPT, "bad abort record of %zu bytes", n);
    rec->shard = get32(p);
    rec->txn_id = get64(p + 4);
    rec->first_seq = get64(p + 12);
    rec->abort_last_seq = get64(p + 20);
    if (rec->txn_id == 0) return floe_err_set(err, FLOE_CORRUPT, "abort record without transaction");
    return FLOE_OK;
}

/* A v2 record starts at `at` with a good checksum and states that the file
 * was durable past `bad` (so the bad record at `bad` had been synced). */
static bool next_says_durable(const char *buf, size_t n, size_t at, size_t bad)
{
    uint32_t len;
    if (at > n || n - at < FLOE_WAL_RECORD_HEADER_BYTES) return false;
    len = get32(buf + at);
    if ((uint64_t)len > n - at - FLOE_WAL_RECORD_HEADER_BYTES) return false;
    if (floe_checksum32(buf + at + 8, (size_t)len + FLOE_WAL_RECORD_HEADER_BYTES - 8) != get32(buf + at + 4))
        return false;
    return get64(buf + at + 9) > bad;
}

/* Decode the record of `type` whose payload is p[0..len) (at offset `pos`
 * of segment `path`) and hand it to `cb`; raise *last_seq to its last row's
 * seq and w->first_seq down to its first. */
static int replay_record(floe_wal *w, const char *p, uint32_t len, uint8_t type, const char *path,
                         size_t pos, floe_wal_replay_fn cb, void *ctx, uint64_t *last_seq,
                         floe_err *err)
{
    floe_wal_record rec;
    floe_batch b;
    floe_err derr = FLOE_ERR_INIT;
    floe_wal_piece *pieces = NULL;
    int rc;

    memset(&rec, 0, sizeof rec);
    rec.type = type;
    if (type == FLOE_WAL_REC_ABORT) {
        memset(&b, 0, sizeof b);
        rc = decode_abort(p, len, &rec, &derr);
    } else {
        rc = decode_batch(p, len, &rec, &b, &pieces, &derr);
    }
    if (rc == FLOE_OK && rec.shard != w->o.shard) {
        rc = floe_err_set(&derr, FLOE_CORRUPT, "record of shard %u", rec.shard);
    }
    if (rc != FLOE_OK) {
        floe_batch_free(&b);
        floe_free(pieces);
        if (rc == FLOE_NOMEM) {
            rc = floe_err_nomem(err);
        } else {
            rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: %s at offset %zu", path,
                              derr.msg, pos);
        }
        return rc;
    }
    rec.batch = type == FLOE_WAL_REC_BATCH ? &b : NULL;
    rec.segment = path;
    rec.offset = pos;
    if (rec.nrows && rec.first_seq + rec.nrows - 1 > *last_seq)
        *last_seq = rec.first_seq + rec.nrows - 1;
    if (rec.nrows && (w->first_seq == 0 || rec.first_seq < w->first_seq))
        w->first_seq = rec.first_seq;
    rc = cb ? cb(ctx, &rec, err) : FLOE_OK;
    floe_batch_free(&b);
    floe_free(pieces);
    return rc;
}

/* Replay one segment. `last` says it is the final segment (a torn tail is
 * then dropped and the file truncated). For a read-only handle *view_end is
 * 0 on the first pass (set to the bytes read) and, on the replay pass, the
 * extent to read again: the writer may have appended since, and records the
 * first pass did not check must not be replayed. */
static int replay_segment(floe_wal *w, uint64_t segno, bool last, floe_wal_replay_fn cb,
                          void *ctx, char *warn, size_t warn_cap, uint64_t *out_last_seq,
                          bool *out_removed, uint64_t *view_end, floe_err *err)
{
    char path[4096];
    char *buf = NULL;
    size_t n = 0, pos = 0, hb, frontier;
    int rc;
    uint64_t last_seq = 0;
    uint32_t version;
    const char *torn = NULL;

    seg_path(w, segno, path, sizeof path);
    rc = floe_os_read_all(path, &buf, &n, err);
    if (rc && w->o.readonly && !floe_os_exists(path)) {
        if (*view_end) /* gone between the passes: the snapshot is stale */
            return floe_err_set(err, FLOE_BUSY, "wal segment %s was removed while it was read", path);
        floe_err_clear(err);
        *out_removed = true; /* the writer truncated it after we listed it */
        goto done;
    }
    if (rc) return rc;
    if (w->o.readonly && *view_end && n > *view_end) n = (size_t)*view_end;
    if (n < FLOE_WAL_HEADER_BYTES && last && w->o.readonly) {
        *out_removed = true; /* being created by the writer: no record yet */
        goto done;
    }
    if (n < FLOE_WAL_HEADER_BYTES) {
        if (!last) {
            rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: short header (%zu bytes) at offset 0",
                              path, n);
            goto out;
        }
        /* crashed while creating the segment: it holds no record */
        if (warn && warn_cap)
            snprintf(warn, warn_cap, "wal segment %s: dropped torn header (%zu bytes)", path, n);
        rc = floe_os_unlink(path, false, err);
        if (rc) goto out;
        *out_removed = true;
        goto done;
    }
    version = get32(buf + 8);
    if (memcmp(buf, FLOE_WAL_MAGIC, 8) != 0 || version < 1 || version > FLOE_WAL_VERSION ||
        get32(buf + 12) != w->o.shard || get64(buf + 16) != w->o.table_id ||
        get64(buf + 24) != segno) {
        rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: bad header at offset 0", path);
        goto out;
    }
    hb = get32(buf + 8) == 1 ? FLOE_WAL_V1_RECORD_HEADER_BYTES : FLOE_WAL_RECORD_HEADER_BYTES;
    frontier = hb == FLOE_WAL_RECORD_HEADER_BYTES ? FLOE_WAL_HEADER_BYTES : SIZE_MAX;
    pos = FLOE_WAL_HEADER_BYTES;
    while (pos < n) {
        uint32_t len, sum;
        uint8_t type;
        if (n - pos < hb) {
            torn = all_zero(buf + pos, n - pos) ? "" : "short record header";
            break;
        }
        len = get32(buf + pos);
        sum = get32(buf + pos + 4);
        type = (uint8_t)buf[pos + 8];
        if (len == 0 && sum == 0 && type == 0 && all_zero(buf + pos, hb)) {
            /* preallocated zeros: the end of the log when only zeros follow;
             * a torn write into them otherwise */
            torn = all_zero(buf + pos, n - pos) ? "" : "torn write after the last record";
            break;
        }
        if ((uint64_t)len > n - pos - hb) {
            torn = "short record";
            break;
        }
        if (floe_checksum32(buf + pos + 8, (size_t)len + hb - 8) != sum) {
            size_t end = pos + hb + len;
            if (end == n || all_zero(buf + end, n - end)) {
                torn = "checksum mismatch in last record";
                break;
            }
            if (last && (w->o.readonly || (pos >= frontier && !next_says_durable(buf, n, end, pos)))) {
                torn = "checksum mismatch in a record never synced";
                break;
            }
            rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: checksum mismatch at offset %zu",
                              path, pos);
            goto out;
        }
        if (type == FLOE_WAL_REC_SYNCED && version >= 4 && len == 0) {
            uint64_t d = get64(buf + pos + 9);
            if (d > frontier && d <= pos) frontier = (size_t)d;
            pos += hb;
            continue;
        }
        if (type != FLOE_WAL_REC_BATCH && (type != FLOE_WAL_REC_ABORT || version < 3)) {
            rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: unknown record type %u at offset %zu",
                              path, type, pos);
            goto out;
        }
        if (hb == FLOE_WAL_RECORD_HEADER_BYTES) {
            uint64_t d = get64(buf + pos + 9);
            if (d > frontier && d <= pos) frontier = (size_t)d;
        }
        rc = replay_record(w, buf + pos + hb, len, type, path, pos, cb, ctx, &last_seq, err);
        if (rc) goto out;
        pos += hb + len;
    }
    if (w->o.readonly && *view_end == 0) *view_end = pos;
    if (torn == NULL) goto done;
    if (!last) {
        rc = floe_err_set(err, FLOE_CORRUPT, "wal segment %s: %s at offset %zu", path,
                          *torn ? torn : "zero bytes after the last record", pos);
        goto out;
    }
    if (w->o.readonly) goto done; /* the writer's tail: where our view ends */
    if (*torn && warn && warn_cap) /* "": a clean end before preallocated zeros */
        snprintf(warn, warn_cap, "wal segment %s: dropped torn tail (%s, %zu bytes) at offset %zu",
                 path, torn, n - pos, pos);
    {
        int fd;
        rc = floe_os_open(path, O_WRONLY, 0, &fd, err);
        if (rc == FLOE_OK) rc = floe_os_ftruncate(fd, pos, path, err);
        if (rc == FLOE_OK && w->o.durability != FLOE_DURABILITY_OFF)
            rc = floe_os_fsync(fd, path, err);
        floe_os_close(fd, path, NULL);
        if (rc) goto out;
    }
done:
    *out_last_seq = last_seq;
    rc = FLOE_OK;
out:
    if (rc == FLOE_CORRUPT) w->bad_off = n < FLOE_WAL_HEADER_BYTES || pos < FLOE_WAL_HEADER_BYTES ? 0 : pos;
    floe_free(buf);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* True when `name` is a segment file of `table_id` (of any shard with
 * `any_shard`, else of `want_shard`); sets *out_segno and *out_shard. */
static bool parse_seg_name(const char *name, uint64_t table_id, bool any_shard, uint32_t want_shard,
                           uint64_t *out_segno, uint32_t *out_shard)
{
    unsigned long long tid, segno;
    unsigned shard;
    int used = 0;
    if (sscanf(name, "%llu-%u-%llu.wal%n", &tid, &shard, &segno, &used) != 3) return false;
    if (name[used] != '\0' || tid != table_id || (!any_shard && shard != want_shard)) return false;
    *out_segno = segno;
    *out_shard = shard;
    return true;
}

/* Segment numbers of this table/shard found in w->dir, sorted. */
static int list_segments(floe_wal *w, uint64_t **out, uint32_t *out_n, floe_err *err)
{
    floe_os_dirlist l;
    uint64_t *v = NULL;
    uint32_t n = 0, i;
    int rc;
    *out = NULL;
    *out_n = 0;
    rc = floe_os_list_dir(w->dir, &l, err);
    if (rc == FLOE_NOTFOUND && w->o.readonly) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (rc == FLOE_NOTFOUND)
        return floe_err_set(err, FLOE_IOERR, "open directory '%s': %s", w->dir, strerror(ENOENT));
    if (rc) return rc;
    if (l.n) {
        v = floe_malloc(l.n * sizeof *v);
        if (v == NULL) {
            floe_os_dirlist_free(&l);
            return floe_err_nomem(err);
        }
    }
    for (i = 0; i < l.n; i++) {
        uint64_t segno;
        uint32_t shard;
        if (parse_seg_name(l.names[i], w->o.table_id, false, w->o.shard, &segno, &shard))
            v[n++] = segno;
    }
    floe_os_dirlist_free(&l);
    if (n) qsort(v, n, sizeof *v, cmp_u64);
    *out = v;
    *out_n = n;
    return FLOE_OK;
}

int floe_wal_open(const floe_wal_opts *o, floe_wal_replay_fn replay, void *ctx, char *warn,
                  size_t warn_cap, floe_wal **out, floe_err *err)
{
    floe_wal *w;
    uint64_t *segnos = NULL;
    uint32_t nseg = 0, i;
    size_t dl;
    int rc;

    *out = NULL;
    if (warn && warn_cap) warn[0] = '\0';
    w = floe_calloc(1, sizeof *w);
    if (w == NULL) return floe_err_nomem(err);
    w->o = *o;
    if (w->o.group_commit_ms == 0) w->o.group_commit_ms = 2;
    if (w->o.segment_bytes == 0) w->o.segment_bytes = 64ULL << 20;
    w->fd = -1;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    dl = strlen(o->db_dir);
    w->dir = floe_malloc(dl + 5);
    if (w->dir == NULL) {
        rc = floe_err_nomem(err);
        goto fail;
    }
    memcpy(w->dir, o->db_dir, dl);
    memcpy(w->dir + dl, "/wal", 5);
    if (o->readonly) {
        /* no mkdir: list_segments treats a missing directory as empty */
    } else if (floe_os_mkdir(w->dir, 0755, false, err) == FLOE_OK) {
        /* make the new directory entry itself durable */
        if (o->durability != FLOE_DURABILITY_OFF) {
            rc = floe_os_fsync_dir(o->db_dir, err);
            if (rc) goto fail;
        }
    } else if (errno != EEXIST) {
        rc = FLOE_IOERR;
        goto fail;
    } else {
        floe_err_clear(err);
    }
    rc = list_segments(w, &segnos, &nseg, err);
    if (rc) goto fail;
    for (i = 0; i < nseg; i++) {
        uint64_t ls = 0, ve = 0;
        bool removed = false;
        rc = replay_segment(w, segnos[i], i + 1 == nseg, replay, ctx, warn, warn_cap, &ls,
                            &removed, &ve, err);
        if (rc == FLOE_CORRUPT && o->corrupt_segno) *o->corrupt_segno = segnos[i];
        if (rc == FLOE_CORRUPT && o->corrupt_offset) *o->corrupt_offset = w->bad_off;
        if (rc) goto fail;
        if (removed) continue;
        rc = seg_push(w, segnos[i], ls, err);
        if (rc) goto fail;
        w->segs[w->nsegs - 1].view_end = ve;
        if (ls > w->last_seq) w->last_seq = ls;
    }
    w->next_segno = nseg ? segnos[nseg - 1] + 1 : 1;
    floe_free(segnos);
    *out = w;
    return FLOE_OK;
fail:
    floe_free(segnos);
    floe_wal_close(w);
    return rc;
}

int floe_wal_replay(floe_wal *w, floe_wal_replay_fn replay, void *ctx, floe_err *err)
{
    uint32_t i;
    int rc = FLOE_OK;
    pthread_mutex_lock(&w->mu);
    if (w->fd >= 0 || w->written) {
        pthread_mutex_unlock(&w->mu);
        return floe_err_set(err, FLOE_MISUSE, "wal replay after an append");
    }
    /* the files were checked (and a torn tail cut) by floe_wal_open */
    for (i = 0; i < w->nsegs && rc == FLOE_OK; i++) {
        uint64_t ls = 0;
        bool removed = false;
        rc = replay_segment(w, w->segs[i].segno, i + 1 == w->nsegs, replay, ctx, NULL, 0, &ls,
                            &removed, &w->segs[i].view_end, err);
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Open a fresh segment (caller holds mu; no sync in flight). */
static int open_segment(floe_wal *w, floe_err *err)
{
    char path[4096], hdr[FLOE_WAL_HEADER_BYTES];
    int fd, rc;
    seg_path(w, w->next_segno, path, sizeof path);
    rc = floe_os_open(path, O_WRONLY | O_CREAT | O_EXCL, 0644, &fd, err);
    if (rc) return rc;
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, FLOE_WAL_MAGIC, 8);
    put32(hdr + 8, FLOE_WAL_VERSION);
    put32(hdr + 12, w->o.shard);
    put64(hdr + 16, w->o.table_id);
    put64(hdr + 24, w->next_segno);
    rc = floe_os_pwrite_all(fd, hdr, sizeof hdr, 0, path, err);
    if (rc) { /* fail-stop like every write error of the log */
        w->failed = FLOE_IOERR;
        floe_os_close(fd, path, NULL);
        floe_os_unlink(path, true, NULL);
        return rc;
    }
    if (w->o.durability != FLOE_DURABILITY_OFF) {
        rc = floe_os_fdatasync(fd, path, err);
        if (rc) {
            /* never retried (fsyncgate): the file's state is unknown */
            w->failed = FLOE_IOERR;
            floe_os_close(fd, path, NULL);
            return rc;
        }
        w->nsyncs++;
        rc = floe_os_fsync_dir(w->dir, err);
        if (rc) {
            w->failed = FLOE_IOERR;
            floe_os_close(fd, path, NULL);
            return rc;
        }
    }
    rc = seg_push(w, w->next_segno, 0, err);
    if (rc) { /* out of memory: no record is in it, the next try recreates it */
        floe_os_close(fd, path, NULL);
        floe_os_unlink(path, true, NULL);
        return rc;
    }
    memcpy(w->seg_name, path, sizeof w->seg_name);
    w->next_segno++;
    w->fd = fd;
    w->seg_size = FLOE_WAL_HEADER_BYTES;
    w->zeroed = FLOE_WAL_HEADER_BYTES;
    w->synced_off = FLOE_WAL_HEADER_BYTES;
    w->marked_off = FLOE_WAL_HEADER_BYTES;
    w->seg_gen++;
    return FLOE_OK;
}

/* Extend the open segment with synced zeros to hold `need` bytes (see the
 * top of this file). The fdatasync also covers every record written so far.
 * Caller holds mu. */
static int prealloc(floe_wal *w, uint64_t need, floe_err *err)
{
    static const char zeros[65536];
    uint64_t chunk = w->zeroed < (256u << 10) ? (256u << 10) : w->zeroed;
    uint64_t end, off;
    if (chunk > (16u << 20)) chunk = 16u << 20;
    end = w->zeroed + chunk;
    if (end < need) end = need;
    for (off = w->zeroed; off < end;) {
        size_t k = end - off < sizeof zeros ? (size_t)(end - off) : sizeof zeros;
        if (floe_os_pwrite_all(w->fd, zeros, k, off, w->seg_name, err) != FLOE_OK) {
            w->failed = FLOE_IOERR;
            return FLOE_IOERR;
        }
        off += k;
    }
    if (floe_os_fdatasync(w->fd, w->seg_name, err) != FLOE_OK) {
        w->failed = FLOE_IOERR;
        return FLOE_IOERR;
    }
    w->zeroed = end;
    w->synced_off = w->seg_size;
    if (w->written > w->synced) { /* that sync made every record so far durable */
        w->synced = w->written;
        pthread_cond_broadcast(&w->cv);
    }
    return FLOE_OK;
}

/* Close the open segment after syncing it (caller holds mu). */
static int close_segment(floe_wal *w, floe_err *err)
{
    int rc = FLOE_OK;
    while (w->syncing) pthread_cond_wait(&w->cv, &w->mu);
    if (w->fd < 0) return FLOE_OK;
    if (w->zeroed > w->seg_size &&
        floe_os_ftruncate(w->fd, w->seg_size, w->seg_name, err) != FLOE_OK) {
        rc = FLOE_IOERR;
        w->failed = FLOE_IOERR;
    }
    w->zeroed = w->seg_size;
    if (w->o.durability != FLOE_DURABILITY_OFF) {
        /* fsync, not fdatasync: the size just shrank */
        if (w->failed) { /* never sync again after a failure (fsyncgate) */
            if (rc == FLOE_OK) rc = floe_err_set(err, w->failed, "wal sync failed earlier");
        } else if (floe_os_fsync(w->fd, w->seg_name, rc ? NULL : err) != FLOE_OK) {
            rc = FLOE_IOERR;
            w->failed = FLOE_IOERR;
        } else {
            w->nsyncs++;
            w->synced = w->written;
            pthread_cond_broadcast(&w->cv);
        }
    }
    floe_os_close(w->fd, w->seg_name, NULL);
    w->fd = -1;
    return rc;
}

void floe_wal_close(floe_wal *w)
{
    if (w == NULL) return;
    pthread_mutex_lock(&w->mu);
    close_segment(w, NULL);
    pthread_mutex_unlock(&w->mu);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    floe_free(w->segs);
    floe_free(w->buf);
    floe_free(w->dir);
    floe_free(w);
}

uint64_t floe_wal_first_seq(floe_wal *w) { return w->first_seq; }

uint64_t floe_wal_last_seq(floe_wal *w)
{
    uint64_t s;
    pthread_mutex_lock(&w->mu);
    s = w->last_seq;
    pthread_mutex_unlock(&w->mu);
    return s;
}

static int write_record(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                        uint64_t first_seq, const uint64_t *producer, const floe_wal_txn *txn,
                        uint64_t abort_txn, uint64_t abort_last, uint64_t *out_ticket,
                        floe_err *err);

static inline uint32_t src_row(const floe_vec *v, const uint32_t *rows, uint32_t i)
{
    if (v->flags & FLOE_VEC_CONST) return 0;
    return rows ? rows[i] : i;
}

/* Encoded size of the BATCH record, header included. */
static size_t record_size(const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                          const uint64_t *producer, const floe_wal_txn *txn)
{
    size_t sz = FLOE_WAL_RECORD_HEADER_BYTES + 17 + (producer ? 16 : 0) + 4 +
                (txn ? 12 + (size_t)txn->npieces * 20 : 0);
    uint32_t c, i;
    for (c = 0; c < b->ncols; c++) {
        const floe_vec *v = &b->cols[c];
        sz += 4;
        if (v->validity) sz += FLOE_BITMAP_WORDS(nrows) * 8;
        if (v->type.id == FLOE_TYPE_VARCHAR) {
            sz += (size_t)nrows * 4;
            for (i = 0; i < nrows; i++) {
                uint32_t s = src_row(v, rows, i);
                if (floe_vec_is_valid(v, s)) sz += ((const floe_string *)v->data)[s].len;
            }
        } else {
            sz += (size_t)nrows * floe_type_size(v->type);
        }
    }
    return sz;
}

static void encode_record(char *out, size_t sz, const floe_batch *b, const uint32_t *rows,
                          uint32_t nrows, uint64_t first_seq, uint32_t shard,
                          const uint64_t *producer, const floe_wal_txn *txn)
{
    char *p = out + FLOE_WAL_RECORD_HEADER_BYTES;
    uint32_t c, i;
    out[8] = FLOE_WAL_REC_BATCH;
    put32(p, shard);
    put64(p + 4, first_seq);
    put32(p + 12, nrows);
    p[16] = (char)((producer ? 1 : 0) | (txn ? 2 : 0));
    p += 17;
    if (producer) {
        put64(p, producer[0]);
        put64(p + 8, producer[1]);
        p += 16;
    }
    if (txn) {
        put64(p, txn->id);
        put32(p + 8, txn->npieces);
        p += 12;
        for (i = 0; i < txn->npieces; i++) {
            put32(p, txn->pieces[i].shard);
            put64(p + 4, txn->pieces[i].first_seq);
            put64(p + 12, txn->pieces[i].last_seq);
            p += 20;
        }
    }
    put32(p, b->ncols);
    p += 4;
    for (c = 0; c < b->ncols; c++) {
        const floe_vec *v = &b->cols[c];
        size_t w = floe_type_size(v->type);
        p[0] = (char)v->type.id;
        p[1] = (char)v->type.precision;
        p[2] = (char)v->type.scale;
        p[3] = v->validity ? 1 : 0;
        p += 4;
        if (v->validity) {
            size_t words = FLOE_BITMAP_WORDS(nrows);
            memset(p, 0, words * 8);
            for (i = 0; i < nrows; i++)
                if (floe_vec_is_valid(v, src_row(v, rows, i))) p[i >> 3] |= (char)(1u << (i & 7));
            p += words * 8;
        }
        if (v->type.id == FLOE_TYPE_VARCHAR) {
            const floe_string *s = v->data;
            char *bytes = p + (size_t)nrows * 4;
            for (i = 0; i < nrows; i++) {
                uint32_t r = src_row(v, rows, i);
                uint32_t len = floe_vec_is_valid(v, r) ? s[r].len : 0;
                put32(p + (size_t)i * 4, len);
                if (len) memcpy(bytes, s[r].ptr, len);
                bytes += len;
            }
            p = bytes;
        } else if (rows == NULL && !(v->flags & FLOE_VEC_CONST)) {
            memcpy(p, v->data, (size_t)nrows * w);
            if (v->validity) /* zero NULL slots so the file is deterministic */
                for (i = 0; i < nrows; i++)
                    if (!floe_vec_is_valid(v, i)) memset(p + (size_t)i * w, 0, w);
            p += (size_t)nrows * w;
        } else {
            /* gather (unaligned destination: memcpy of a constant size
             * compiles to one move) */
            switch (w) {
            case 1:
                for (i = 0; i < nrows; i++) p[i] = ((const char *)v->data)[src_row(v, rows, i)];
                break;
            case 4:
                for (i = 0; i < nrows; i++)
                    memcpy(p + (size_t)i * 4, (const char *)v->data + (size_t)src_row(v, rows, i) * 4, 4);
                break;
            case 8:
                for (i = 0; i < nrows; i++)
                    memcpy(p + (size_t)i * 8, (const char *)v->data + (size_t)src_row(v, rows, i) * 8, 8);
                break;
            default:
                for (i = 0; i < nrows; i++)
                    memcpy(p + (size_t)i * w, (const char *)v->data + (size_t)src_row(v, rows, i) * w, w);
            }
            if (v->validity) /* zero NULL slots so the file is deterministic */
                for (i = 0; i < nrows; i++)
                    if (!floe_vec_is_valid(v, src_row(v, rows, i))) memset(p + (size_t)i * w, 0, w);
            p += (size_t)nrows * w;
        }
    }
    put32(out, (uint32_t)(sz - FLOE_WAL_RECORD_HEADER_BYTES));
    /* durable (offset 9) and the checksum are set by floe_wal_append */
}

int floe_wal_append(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                    uint64_t first_seq, const uint64_t *producer, uint64_t *out_ticket,
                    floe_err *err)
{
    return floe_wal_append_txn(w, b, rows, nrows, first_seq, producer, NULL, out_ticket, err);
}

int floe_wal_append_abort(floe_wal *w, uint64_t txn_id, uint64_t first_seq, uint64_t last_seq,
                          uint64_t *out_ticket, floe_err *err)
{
    return write_record(w, NULL, NULL, 0, first_seq, NULL, NULL, txn_id, last_seq, out_ticket,
                        err);
}

int floe_wal_append_txn(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                        uint64_t first_seq, const uint64_t *producer, const floe_wal_txn *txn,
                        uint64_t *out_ticket, floe_err *err)
{
    return write_record(w, b, rows, nrows, first_seq, producer, txn, 0, 0, out_ticket, err);
}

uint64_t floe_wal_written(floe_wal *w)
{
    uint64_t n;
    pthread_mutex_lock(&w->mu);
    n = w->written;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* Encode and write one record: a BATCH (b != NULL) or an ABORT of
 * abort_txn's rows first_seq..abort_last. */
static int write_record(floe_wal *w, const floe_batch *b, const uint32_t *rows, uint32_t nrows,
                        uint64_t first_seq, const uint64_t *producer, const floe_wal_txn *txn,
                        uint64_t abort_txn, uint64_t abort_last, uint64_t *out_ticket,
                        floe_err *err)
{
    size_t sz = b ? record_size(b, rows, nrows, producer, txn) : FLOE_WAL_RECORD_HEADER_BYTES + 28;
    int rc = FLOE_OK;

    if (sz - FLOE_WAL_RECORD_HEADER_BYTES > UINT32_MAX)
        return floe_err_set(err, FLOE_RANGE, "wal record of %zu bytes is too large", sz);
    if (w->o.readonly)
        return floe_err_set(err, FLOE_READONLY, "wal of table %" PRIu64 " shard %u is read-only",
                            w->o.table_id, w->o.shard);
    pthread_mutex_lock(&w->mu);
    if (w->failed) {
        rc = floe_err_set(err, w->failed, "wal of table %" PRIu64 " shard %u failed earlier",
                          w->o.table_id, w->o.shard);
        goto out;
    }
    if (sz > w->bufcap) {
        size_t cap = sz < 65536 ? 65536 : sz;
        char *nb = floe_realloc(w->buf, cap);
        if (nb == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        w->buf = nb;
        w->bufcap = cap;
    }
    if (b) {
        encode_record(w->buf, sz, b, rows, nrows, first_seq, w->o.shard, producer, txn);
    } else {
        char *p = w->buf + FLOE_WAL_RECORD_HEADER_BYTES;
        w->buf[8] = FLOE_WAL_REC_ABORT;
        put32(p, w->o.shard);
        put64(p + 4, abort_txn);
        put64(p + 12, first_seq);
        put64(p + 20, abort_last);
        put32(w->buf, 28);
    }
    if (w->fd >= 0 && w->seg_size > FLOE_WAL_HEADER_BYTES && w->seg_size + sz > w->o.segment_bytes) {
        rc = close_segment(w, err);
        if (rc) goto out;
    }
    if (w->fd < 0) {
        rc = open_segment(w, err);
        if (rc) goto out;
    }
    if (w->o.durability != FLOE_DURABILITY_OFF && w->seg_size + sz > w->zeroed) {
        rc = prealloc(w, w->seg_size + sz, err);
        if (rc) goto out;
    }
    /* the header's durable offset is only known now (after a roll or a
     * preallocation sync): set it and checksum the record here */
    /* durability off never syncs: claim what was written, so a bad record
     * that a later good one follows is still reported as corruption */
    put64(w->buf + 9, w->o.durability == FLOE_DURABILITY_OFF ? w->seg_size : w->synced_off);
    put32(w->buf + 4, floe_checksum32(w->buf + 8, sz - 8));
    if (floe_os_pwrite_all(w->fd, w->buf, sz, w->seg_size, w->seg_name, err) != FLOE_OK) {
        rc = FLOE_IOERR;
        w->failed = FLOE_IOERR;
        goto out;
    }
    w->seg_size += sz;
    w->written++;
    if (nrows) {
        uint64_t ls = first_seq + nrows - 1;
        if (ls > w->segs[w->nsegs - 1].last_seq) w->segs[w->nsegs - 1].last_seq = ls;
        if (ls > w->last_seq) w->last_seq = ls;
    }
    *out_ticket = w->written;
out:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* After a sync of segment generation `gen`: append a SYNCED marker (an
 * empty record whose `durable` is synced_off), so recovery can tell a
 * damaged record that was synced (corruption) from a torn one that never
 * was, even for the last record. Not synced itself (the next sync covers
 * it; a lost marker only makes recovery less sure, never wrong). Skipped
 * when nothing new was synced or the segment has no preallocated room (the
 * next record's `durable` says the same). Caller holds mu. A failed write
 * is a failed WAL write (FLOE_IOERR, err set): the log refuses appends from
 * then on, like after any write error. */
static int write_marker(floe_wal *w, uint64_t gen, floe_err *err)
{
    char rec[FLOE_WAL_RECORD_HEADER_BYTES];
    if (gen != w->seg_gen || w->fd < 0 || w->failed || w->synced_off <= w->marked_off ||
        w->seg_size + sizeof rec > w->zeroed)
        return FLOE_OK;
    memset(rec, 0, sizeof rec);
    rec[8] = FLOE_WAL_REC_SYNCED;
    put64(rec + 9, w->synced_off);
    put32(rec + 4, floe_checksum32(rec + 8, sizeof rec - 8));
    if (floe_os_pwrite_all(w->fd, rec, sizeof rec, w->seg_size, w->seg_name, err) != FLOE_OK) {
        w->failed = FLOE_IOERR;
        return FLOE_IOERR;
    }
    w->seg_size += sizeof rec;
    w->marked_off = w->synced_off;
    return FLOE_OK;
}

int floe_wal_sync(floe_wal *w, uint64_t ticket, floe_err *err)
{
    int rc = FLOE_OK;
    if (w->o.durability == FLOE_DURABILITY_OFF) return FLOE_OK;
    pthread_mutex_lock(&w->mu);
    if (w->failed) { /* sticky, even for tickets synced before the failure */
        pthread_mutex_unlock(&w->mu);
        return floe_err_set(err, w->failed, "wal sync failed earlier");
    }
    /* FULL: every append waits for an fdatasync of its own that starts after
     * its record was written (the "syncing" election below is skipped).
     * BATCH: group commit: a sync starts at once when none is running and
     * covers every record written before it started; appenders arriving
     * meanwhile share the next one, so concurrent producers share syncs
     * without any timer adding latency. */
    while (w->o.durability == FLOE_DURABILITY_FULL && w->synced < ticket) {
        int fd = w->fd, r;
        uint64_t target = w->written, toff = w->seg_size, gen = w->seg_gen;
        if (w->failed) { /* never retry an fsync after it failed (fsyncgate) */
            rc = floe_err_set(err, w->failed, "wal sync failed earlier");
            break;
        }
        w->inflight++;
        pthread_mutex_unlock(&w->mu);
        r = fd >= 0 ? floe_os_fdatasync(fd, w->seg_name, err) : FLOE_OK;
        pthread_mutex_lock(&w->mu);
        w->inflight--;
        w->nsyncs++;
        w->last_sync_ns = floe_os_clock_mono_ns();
        if (r != FLOE_OK) {
            w->failed = FLOE_IOERR;
            rc = FLOE_IOERR;
            break;
        }
        if (target > w->synced) w->synced = target;
        if (gen == w->seg_gen && toff > w->synced_off) w->synced_off = toff;
        if (w->inflight == 0) rc = write_marker(w, gen, err);
        pthread_cond_broadcast(&w->cv);
        if (rc) break;
    }
    while (rc == FLOE_OK && w->synced < ticket) {
        if (w->failed) {
            rc = floe_err_set(err, w->failed, "wal sync failed earlier");
            break;
        }
        if (!w->syncing) {
            uint64_t target, toff = w->seg_size, gen = w->seg_gen;
            int fd, r;
            w->syncing = true;
            target = w->written;
            fd = w->fd;
            pthread_mutex_unlock(&w->mu);
            r = fd >= 0 ? floe_os_fdatasync(fd, w->seg_name, err) : FLOE_OK;
            pthread_mutex_lock(&w->mu);
            w->nsyncs++;
            w->last_sync_ns = floe_os_clock_mono_ns();
            w->syncing = false;
            if (r != FLOE_OK) {
                w->failed = FLOE_IOERR;
                rc = FLOE_IOERR;
                pthread_cond_broadcast(&w->cv);
                break;
            }
            if (target > w->synced) w->synced = target;
            if (gen == w->seg_gen && toff > w->synced_off) w->synced_off = toff;
            if (w->inflight == 0) rc = write_marker(w, gen, err);
            pthread_cond_broadcast(&w->cv);
        } else {
            pthread_cond_wait(&w->cv, &w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int floe_wal_truncate_upto(floe_wal *w, uint64_t seq, floe_err *err)
{
    uint32_t i, k = 0;
    int rc = FLOE_OK;
    char path[4096];
    bool prefix = true; /* every older segment was deleted */
    pthread_mutex_lock(&w->mu);
    for (i = 0; i < w->nsegs; i++) {
        bool open_one = w->fd >= 0 && i + 1 == w->nsegs;
        if (!prefix) {
            w->segs[k++] = w->segs[i];
            continue;
        }
        /* the open segment too, once all its rows are in parts and no sync
         * uses its descriptor: the next append starts a new segment, so a
         * flushed table keeps no WAL on disk */
        if (open_one && seq > 0 && w->segs[i].last_seq <= seq && !w->syncing &&
            w->inflight == 0 && w->synced >= w->written) {
            floe_os_close(w->fd, w->seg_name, NULL);
            w->fd = -1;
            open_one = false;
        }
        if (!open_one && rc == FLOE_OK && w->segs[i].last_seq <= seq) {
            seg_path(w, w->segs[i].segno, path, sizeof path);
            if (floe_os_unlink(path, true, err) != FLOE_OK) {
                rc = FLOE_IOERR;
                w->segs[k++] = w->segs[i];
                prefix = false;
            }
            continue;
        }
        prefix = false;
        w->segs[k++] = w->segs[i];
    }
    w->nsegs = k;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

uint64_t floe_wal_sync_count(floe_wal *w)
{
    uint64_t n;
    pthread_mutex_lock(&w->mu);
    n = w->nsyncs;
    pthread_mutex_unlock(&w->mu);
    return n;
}

uint32_t floe_wal_segment_count(floe_wal *w)
{
    uint32_t n;
    pthread_mutex_lock(&w->mu);
    n = w->nsegs;
    pthread_mutex_unlock(&w->mu);
    return n;
}

int floe_wal_drop_table(const char *db_dir, uint64_t table_id, floe_err *err)
{
    char dir[4096], path[4400];
    floe_os_dirlist l;
    uint32_t i;
    int rc;
    snprintf(dir, sizeof dir, "%s/wal", db_dir);
    rc = floe_os_list_dir(dir, &l, err);
    if (rc == FLOE_NOTFOUND) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (rc) return rc;
    for (i = 0; i < l.n; i++) {
        uint64_t segno;
        uint32_t shard;
        if (!parse_seg_name(l.names[i], table_id, true, 0, &segno, &shard)) continue;
        snprintf(path, sizeof path, "%s/%s", dir, l.names[i]);
        if (floe_os_unlink(path, true, rc ? NULL : err) != FLOE_OK && rc == FLOE_OK)
            rc = FLOE_IOERR;
    }
    floe_os_dirlist_free(&l);
    if (rc == FLOE_OK) rc = floe_os_fsync_dir(dir, err);
    return rc;
}

int floe_wal_shard_count(const char *db_dir, uint64_t table_id, uint32_t *out, floe_err *err)
{
    char dir[4096];
    floe_os_dirlist l;
    uint32_t i;
    int rc;
    *out = 0;
    snprintf(dir, sizeof dir, "%s/wal", db_dir);
    rc = floe_os_list_dir(dir, &l, err);
    if (rc == FLOE_NOTFOUND) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (rc) return rc;
    for (i = 0; i < l.n; i++) {
        uint64_t segno;
        uint32_t shard;
        if (parse_seg_name(l.names[i], table_id, true, 0, &segno, &shard) && shard + 1 > *out)
            *out = shard + 1;
    }
    floe_os_dirlist_free(&l);
    return FLOE_OK;
}

int floe_wal_salvage(const floe_wal_opts *o, uint64_t segno, uint64_t offset, char *note,
                     size_t note_cap, floe_err *err)
{
    char wal[4096], q[4096], from[4400], to[4400];
    floe_os_dirlist l;
    uint32_t i, moved = 0;
    int rc;
    snprintf(wal, sizeof wal, "%s/wal", o->db_dir);
    snprintf(q, sizeof q, "%s/quarantine", o->db_dir);
    if ((rc = floe_os_mkdir(q, 0755, true, err)) != FLOE_OK) return rc;
    snprintf(q, sizeof q, "%s/quarantine/wal", o->db_dir);
    if ((rc = floe_os_mkdir(q, 0755, true, err)) != FLOE_OK) return rc;
    if ((rc = floe_os_list_dir(wal, &l, err)) != FLOE_OK) return rc;
    for (i = 0; i < l.n && rc == FLOE_OK; i++) {
        uint64_t s;
        uint32_t sh;
        if (!parse_seg_name(l.names[i], o->table_id, false, o->shard, &s, &sh) || s < segno) continue;
        snprintf(from, sizeof from, "%s/%s", wal, l.names[i]);
        snprintf(to, sizeof to, "%s/%s", q, l.names[i]);
        if (floe_os_exists(to)) /* an earlier salvage kept one of that name: never overwrite */
            snprintf(to, sizeof to, "%s/%s.%lld", q, l.names[i], (long long)floe_os_clock_wall_us());
        rc = floe_os_rename(from, to, err);
        if (rc == FLOE_OK) moved++;
        if (rc == FLOE_OK && s == segno && offset > FLOE_WAL_HEADER_BYTES) {
            /* the intact prefix goes back: a copy, the original stays in quarantine */
            char *buf = NULL;
            size_t n = 0;
            int fd;
            rc = floe_os_read_all(to, &buf, &n, err);
            if (rc == FLOE_OK && offset <= n) {
                rc = floe_os_open(from, O_WRONLY | O_CREAT | O_EXCL, 0644, &fd, err);
                if (rc == FLOE_OK) {
                    rc = floe_os_write_all(fd, buf, (size_t)offset, from, err);
                    if (rc == FLOE_OK) rc = floe_os_fsync(fd, from, err);
                    floe_os_close(fd, from, NULL);
                }
            }
            floe_free(buf);
        }
    }
    floe_os_dirlist_free(&l);
    if (rc == FLOE_OK) rc = floe_os_fsync_dir(q, err);
    if (rc == FLOE_OK) rc = floe_os_fsync_dir(wal, err);
    if (rc == FLOE_OK && note && note_cap)
        snprintf(note, note_cap, "salvage: wal of table %llu shard %u: segment %llu damaged at "
                 "offset %llu; %u segment(s) from it moved to quarantine/wal/%s",
                 (unsigned long long)o->table_id, o->shard, (unsigned long long)segno,
                 (unsigned long long)offset, moved,
                 offset > FLOE_WAL_HEADER_BYTES ? " (the records before the damage kept)" : "");
    return rc;
}
