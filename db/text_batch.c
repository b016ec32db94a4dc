/* db/text_batch.c: append a CSV or JSON-lines text as one atomic batch.
 *
 * floe_append_text_batch (floe.h) lands here: a network server receives a
 * request body in memory and must apply all of its rows or none. The body
 * is parsed with COPY's readers (ingest/csv.h, ingest/jsonl.h) over the
 * memory buffer, every batch is held, the table's NOT NULL columns are
 * checked, and only then are all batches handed to floe_ingest_append_many:
 * one ingest transaction (one WAL record per shard, recovered all or
 * nothing). Nothing is visible before every row parsed.
 *
 * The first bad row stops the parse: the readers run in REJECTS mode with
 * a callback that records the row's line, column and reason and stops, so
 * the caller learns the exact line (res->error_line) besides the message
 * "body:12: column price (3): invalid DOUBLE 'x' (byte 341)". With
 * o->keep_rejects the callback instead hands each bad row's line and
 * reason to the caller's on_reject and lets the reader skip it; the good
 * rows are appended as one batch as above (NOT NULL violations still fail
 * the whole batch: once parsed, a row no longer knows its line).
 *
 * Per-shard sequence numbers (o->shard_cap > 0): ingest reports the first
 * and last seq the transaction assigned in each shard; they are copied to
 * the caller's arrays.
 *
 * Durability (FLOE_ACK_*): NONE and WAL append with FLOE_INGEST_DEFER_SYNC
 * and never wait for the sync; FSYNC (and DEFAULT on a syncing database)
 * wait for it; an idempotent batch always waits (its producer seq must not
 * advance before the rows are durable).
 *
 * Locks: db->ddl_lock is held shared from the table lookup to the end of
 * the append, so the table cannot be dropped or altered meanwhile.
 * Thread-safety: any number of calls at once; each owns its state. Memory:
 * the parsed batches of the whole body are held until the append (about
 * the size of the body); the caller bounds the body.
 */
#include <stdio.h>
#include <string.h>

#include "db/constraint.h"
#include "db/db.h"
#include "ingest/csv.h"
#include "ingest/jsonl.h"
#include "util/mem.h"

typedef struct mem_input {
    const char *p;
    size_t len, pos;
} mem_input;

static int mem_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    mem_input *in = ctx;
    size_t n = in->len - in->pos;
    (void)err;
    if (n > cap) n = cap;
    memcpy(buf, in->p + in->pos, n);
    in->pos += n;
    *out_n = n;
    return FLOE_OK;
}

/* The first rejected row: recorded, and the reader stops; with
 * keep_rejects every rejected row is passed to the caller's callback and
 * the reader goes on. */
typedef struct first_reject {
    floe_err *err;
    uint64_t line;
    const floe_text_batch_opts *o;
    uint64_t rejected;
} first_reject;

static int on_reject(void *ctx, const floe_reject *r)
{
    first_reject *fr = ctx;
    if (fr->o->keep_rejects) {
        char msg[512];
        if (r->column)
            snprintf(msg, sizeof msg, "column %s (%u): %s (byte %llu)", r->column, r->column_no,
                     r->reason, (unsigned long long)r->offset);
        else
            snprintf(msg, sizeof msg, "%s (byte %llu)", r->reason, (unsigned long long)r->offset);
        fr->rejected++;
        if (fr->o->on_reject) fr->o->on_reject(fr->o->reject_ctx, r->line, msg);
        return FLOE_OK;
    }
    fr->line = r->line;
    if (r->column)
        floe_err_set(fr->err, FLOE_PARSE, "%s:%llu: column %s (%u): %s (byte %llu)", r->source,
                     (unsigned long long)r->line, r->column, r->column_no, r->reason,
                     (unsigned long long)r->offset);
    else
        floe_err_set(fr->err, FLOE_PARSE, "%s:%llu: %s (byte %llu)", r->source,
                     (unsigned long long)r->line, r->reason, (unsigned long long)r->offset);
    return FLOE_PARSE;
}

/* Parse the whole input into *out_b / *out_n (owned by the caller, each
 * batch freed with floe_batch_free, the array with floe_free), checking
 * NOT NULL columns. On failure nothing is returned. */
static int parse_all(const floe_db_table *t, const char *data, size_t len,
                     const floe_text_batch_opts *o, floe_batch **out_b, uint32_t *out_n,
                     first_reject *fr, floe_err *err)
{
    const floe_table_def *def = t->def;
    mem_input in = {data, len, 0};
    floe_type *types = floe_calloc(def->ncols + 1, sizeof *types);
    const char **names = floe_calloc(def->ncols + 1, sizeof *names);
    floe_csv_reader *cr = NULL;
    floe_jsonl_reader *jr = NULL;
    floe_batch *bs = NULL;
    uint32_t n = 0, cap = 0, c;
    const char *src = o->source_name ? o->source_name : "body";
    int rc;

    *out_b = NULL;
    *out_n = 0;
    if (types == NULL || names == NULL) {
        rc = floe_err_nomem(err);
        goto out;
    }
    for (c = 0; c < def->ncols; c++) {
        types[c] = def->cols[c].type;
        names[c] = def->cols[c].name;
    }
    if (o->format == FLOE_TEXT_JSONL) {
        floe_jsonl_opts jo;
        memset(&jo, 0, sizeof jo);
        jo.source_name = src;
        jo.max_line_bytes = o->max_line_bytes;
        jo.on_reject = on_reject;
        jo.reject_ctx = fr;
        rc = floe_jsonl_reader_open(&jo, def->ncols, types, names, mem_read, &in, &jr, err);
    } else if (o->format == FLOE_TEXT_CSV) {
        floe_csv_opts co;
        memset(&co, 0, sizeof co);
        co.header = o->header != 0;
        co.source_name = src;
        co.max_record_bytes = o->max_line_bytes;
        co.on_reject = on_reject;
        co.reject_ctx = fr;
        rc = floe_csv_reader_open(&co, def->ncols, types, names, mem_read, &in, &cr, err);
    } else {
        rc = floe_err_set(err, FLOE_MISUSE, "append text batch: unknown format %d", o->format);
    }
    for (;;) {
        floe_batch b;
        if (rc != FLOE_OK) break;
        memset(&b, 0, sizeof b);
        rc = jr ? floe_jsonl_reader_next(jr, &b, err) : floe_csv_reader_next(cr, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) {
            floe_batch_free(&b);
            break;
        }
        rc = FLOE_OK;
        for (c = 0; c < def->ncols && rc == FLOE_OK; c++)
            if (def->cols[c].not_null && floe_vec_null_count(&b.cols[c]) > 0)
                rc = floe_err_set(err, FLOE_CONSTRAINT, "%s: NOT NULL constraint failed: %s.%s", src,
                                  def->name, def->cols[c].name);
        if (rc == FLOE_OK && n == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;
            floe_batch *nb = floe_realloc(bs, ncap * sizeof *nb);
            if (nb == NULL) rc = floe_err_nomem(err);
            else {
                bs = nb;
                cap = ncap;
            }
        }
        if (rc != FLOE_OK) {
            floe_batch_free(&b);
            break;
        }
        bs[n++] = b;
    }
    /* the reject callback's message is the error (the reader may have
     * written its own over it) */
    if (rc != FLOE_OK && fr->line) floe_err_set(err, FLOE_PARSE, "%s", fr->err->msg);
out:
    floe_csv_reader_close(cr);
    floe_jsonl_reader_close(jr);
    floe_free(types);
    floe_free(names);
    if (rc != FLOE_OK) {
        while (n > 0) floe_batch_free(&bs[--n]);
        floe_free(bs);
        return rc;
    }
    *out_b = bs;
    *out_n = n;
    return FLOE_OK;
}

int floe_db_append_text(floe_db *db, const char *table, const char *data, size_t len,
                        const floe_text_batch_opts *opts, floe_text_batch_result *res, floe_err *err)
{
    floe_text_batch_opts o;
    floe_db_table *t;
    floe_batch *bs = NULL;
    uint32_t n = 0, i;
    floe_err rej = FLOE_ERR_INIT;
    first_reject fr = {&rej, 0, NULL, 0};
    floe_ingest_append_opts ao;
    floe_ingest_append_result ar;
    uint64_t *tickets = NULL, *shard_seqs = NULL;
    int ack, rc;

    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    fr.o = &o;
    ack = o.ack;
    if (ack < FLOE_ACK_DEFAULT || ack > FLOE_ACK_FSYNC)
        return floe_err_set(err, FLOE_MISUSE, "append text batch: unknown ack level %d", ack);
    if (ack == FLOE_ACK_DEFAULT) ack = db->no_sync ? FLOE_ACK_WAL : FLOE_ACK_FSYNC;
    if (ack == FLOE_ACK_FSYNC && db->no_sync)
        return floe_err_set(err, FLOE_UNSUPPORTED,
                            "ack=fsync: the database does not sync its WAL (in memory or "
                            "opened with durability off)");
    if ((rc = floe_db_check_writable(db, "append rows", err)) != FLOE_OK) return rc;

    pthread_rwlock_rdlock(&db->ddl_lock);
    t = floe_db_find_table(db, table);
    if (t == NULL) {
        rc = floe_err_set(err, FLOE_NOTFOUND, "table '%s' does not exist", table);
        goto out;
    }
    rc = parse_all(t, data, len, &o, &bs, &n, &fr, err);
    if (rc != FLOE_OK) {
        res->error_line = fr.line;
        goto out;
    }
    res->rejected = fr.rejected;
    res->nshards = floe_ingest_table_nshards(t->ingest);
    memset(&ao, 0, sizeof ao);
    if (o.nowait) ao.flags |= FLOE_INGEST_NOWAIT;
    if (o.shard_cap > 0) {
        shard_seqs = floe_calloc(2 * (size_t)res->nshards + 1, sizeof *shard_seqs);
        if (shard_seqs == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        ao.shard_first_seq = shard_seqs;
    }
    if (o.has_producer) {
        ao.has_producer = true;
        ao.producer_id = o.producer_id;
        ao.producer_seq = o.producer_seq;
    } else if (ack != FLOE_ACK_FSYNC) {
        /* written to the WAL when the call returns; nobody waits for the sync */
        tickets = floe_calloc(floe_ingest_table_nshards(t->ingest) + 1, sizeof *tickets);
        if (tickets == NULL) {
            rc = floe_err_nomem(err);
            goto out;
        }
        ao.flags |= FLOE_INGEST_DEFER_SYNC;
        ao.sync_tickets = tickets;
    }
    memset(&ar, 0, sizeof ar);
    /* zero batches still go through ingest: an idempotent producer's seq
     * advances with an empty batch as with any other */
    if (n > 0 || o.has_producer) {
        floe_batch empty;
        floe_batch *in = bs;
        uint32_t nin = n;
        if (n == 0) {
            floe_type *types = floe_calloc(t->def->ncols + 1, sizeof *types);
            uint32_t c;
            if (types == NULL) {
                rc = floe_err_nomem(err);
                goto out;
            }
            for (c = 0; c < t->def->ncols; c++) types[c] = t->def->cols[c].type;
            rc = floe_batch_init(&empty, t->def->ncols, types, 1);
            floe_free(types);
            if (rc != FLOE_OK) {
                rc = floe_err_nomem(err);
                goto out;
            }
            in = &empty;
            nin = 1;
        }
        rc = floe_db_append(t, in, nin, &ao, false, &ar,
                            shard_seqs ? shard_seqs + res->nshards : NULL, err);
        if (n == 0) floe_batch_free(&empty);
        if (rc != FLOE_OK) goto out;
    }
    atomic_fetch_add(&t->rows_ingested, ar.rows);
    res->rows = ar.rows;
    res->duplicate = ar.duplicate;
    res->last_seq = ar.last_seq;
    if (shard_seqs) { /* zeros for a duplicate or an empty batch */
        for (i = 0; i < res->nshards && i < o.shard_cap; i++) {
            if (o.shard_first_seq) o.shard_first_seq[i] = shard_seqs[i];
            if (o.shard_last_seq) o.shard_last_seq[i] = shard_seqs[res->nshards + i];
        }
    }
out:
    pthread_rwlock_unlock(&db->ddl_lock);
    for (i = 0; i < n; i++) floe_batch_free(&bs[i]);
    floe_free(bs);
    floe_free(tickets);
    floe_free(shard_seqs);
    return rc;
}
