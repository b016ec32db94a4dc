/* ingest/copy_parallel.c: chunked, multi-threaded COPY parsing with exact errors.
 *
 * The file is mapped read-only; chunk boundaries are found up front (first
 * line feed after each nominal cut). Workers pull chunk numbers from a
 * counter bounded by a window ahead of the consumer; each parses its range
 * with a private reader into a list of batches and a list of rejected rows.
 * The calling thread consumes chunks in order, verifying every cut (see the
 * header), and falls back to one sequential reader from the first chunk
 * that failed, which reproduces the sequential reader's exact outcome.
 * Widening a range re-parses it from its start, so after MAX_WIDEN chunks
 * (a file whose cuts keep landing inside multi-line fields) the rest of the
 * file is read sequentially instead, keeping the work linear.
 */
#include "ingest/copy_parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"
#include "util/os.h"

#define DEFAULT_CHUNK ((size_t)8 << 20)
#define MAX_WIDEN 4 /* chunks a re-parse may widen over before going sequential */

/* A floe_read_fn over bytes in memory. */
typedef struct mem_src {
    const char *p;
    size_t n, pos;
} mem_src;

static int mem_read(void *ctx, char *buf, size_t cap, size_t *out_n, floe_err *err)
{
    mem_src *m = ctx;
    size_t k = m->n - m->pos;
    (void)err;
    if (k > cap) k = cap;
    memcpy(buf, m->p + m->pos, k);
    m->pos += k;
    *out_n = k;
    return FLOE_OK;
}

/* A rejected row kept until its chunk is consumed. */
typedef struct rej_rec {
    uint64_t line, offset;
    uint32_t column_no;
    char *column; /* NULL when about the whole row */
    char *raw;
    size_t raw_len;
    char *reason;
} rej_rec;

/* What parsing one byte range produced. */
typedef struct range_result {
    int rc;
    floe_err err;
    floe_batch *b;
    uint32_t nb, capb;
    rej_rec *rj;
    uint32_t nrj, caprj;
    uint64_t lines;  /* line breaks consumed */
    bool ended_open; /* last record ended at the end of the range */
} range_result;

enum { CHUNK_TODO, CHUNK_DONE };

typedef struct chunk {
    uint64_t start, end; /* byte range [start, end) */
    int state;           /* under driver.mu */
    range_result res;
} chunk;

typedef struct driver {
    const floe_copy_parse_opts *o;
    uint32_t ncols;
    const floe_type *types;
    const char *const *names;
    const char *map;
    size_t size;
    chunk *ch;
    uint32_t nch;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint32_t next;     /* next chunk for a worker */
    uint32_t consumed; /* chunks the consumer is done with */
    uint32_t window;
    bool stop;
} driver;

/* One reader of either format. */
typedef struct rdr {
    floe_csv_reader *csv;
    floe_jsonl_reader *js;
} rdr;

static int rdr_open(const driver *d, uint64_t start, uint64_t first_line, floe_read_fn rd,
                    void *rd_ctx, floe_reject_fn on_reject, void *reject_ctx, rdr *out,
                    floe_err *err)
{
    memset(out, 0, sizeof *out);
    if (d->o->jsonl) {
        floe_jsonl_opts jo = d->o->js;
        jo.first_line = first_line;
        jo.first_offset = start;
        jo.on_reject = on_reject;
        jo.reject_ctx = reject_ctx;
        return floe_jsonl_reader_open(&jo, d->ncols, d->types, d->names, rd, rd_ctx, &out->js, err);
    } else {
        floe_csv_opts co = d->o->csv;
        co.first_line = first_line;
        co.first_offset = start;
        co.header = co.header && start == 0;
        co.on_reject = on_reject;
        co.reject_ctx = reject_ctx;
        return floe_csv_reader_open(&co, d->ncols, d->types, d->names, rd, rd_ctx, &out->csv, err);
    }
}

static int rdr_next(rdr *r, floe_batch *b, floe_err *err)
{
    return r->js ? floe_jsonl_reader_next(r->js, b, err) : floe_csv_reader_next(r->csv, b, err);
}

static uint64_t rdr_line(const rdr *r)
{
    return r->js ? floe_jsonl_reader_line(r->js) : floe_csv_reader_line(r->csv);
}

static void rdr_close(rdr *r)
{
    floe_csv_reader_close(r->csv);
    floe_jsonl_reader_close(r->js);
    memset(r, 0, sizeof *r);
}

static void result_free(range_result *res)
{
    uint32_t i;
    for (i = 0; i < res->nb; i++) floe_batch_free(&res->b[i]);
    floe_free(res->b);
    for (i = 0; i < res->nrj; i++) {
        floe_free(res->rj[i].column);
        floe_free(res->rj[i].raw);
        floe_free(res->rj[i].reason);
    }
    floe_free(res->rj);
    memset(res, 0, sizeof *res);
}

static floe_reject_fn user_reject(const driver *d, void **ctx)
{
    *ctx = d->o->jsonl ? d->o->js.reject_ctx : d->o->csv.reject_ctx;
    return d->o->jsonl ? d->o->js.on_reject : d->o->csv.on_reject;
}

/* on_reject of speculative parses: keep a copy (FLOE_NOMEM stops the reader). */
static int collect_reject(void *ctx, const floe_reject *r)
{
    range_result *res = ctx;
    rej_rec *x;
    if (res->nrj == res->caprj) {
        uint32_t cap = res->caprj ? res->caprj * 2 : 16;
        rej_rec *nr = floe_realloc(res->rj, cap * sizeof *nr);
        if (nr == NULL) return FLOE_NOMEM;
        res->rj = nr;
        res->caprj = cap;
    }
    x = &res->rj[res->nrj];
    memset(x, 0, sizeof *x);
    x->line = r->line;
    x->offset = r->offset;
    x->column_no = r->column_no;
    x->raw_len = r->raw_len;
    x->raw = floe_malloc(r->raw_len + 1);
    x->reason = floe_strdup(r->reason);
    x->column = r->column ? floe_strdup(r->column) : NULL;
    if (x->raw == NULL || x->reason == NULL || (r->column && x->column == NULL)) {
        floe_free(x->raw);
        floe_free(x->reason);
        floe_free(x->column);
        return FLOE_NOMEM;
    }
    memcpy(x->raw, r->raw, r->raw_len);
    x->raw[r->raw_len] = '\0';
    res->nrj++;
    return FLOE_OK;
}

/* Parse [start, end) of the mapping with lines counted from first_line into
 * *res (batches and rejects kept). res->rc says how it went. */
static void parse_range(const driver *d, uint64_t start, uint64_t end, uint64_t first_line,
                        range_result *res)
{
    mem_src src = {d->map + start, (size_t)(end - start), 0};
    rdr r;
    int rc;
    void *uctx;
    floe_reject_fn uf = user_reject(d, &uctx);
    memset(res, 0, sizeof *res);
    floe_err_clear(&res->err);
    /* REJECTS mode only when the caller asked for it; rejects wait in res */
    rc = rdr_open(d, start, first_line, mem_read, &src, uf ? collect_reject : NULL, res, &r,
                  &res->err);
    while (rc == FLOE_OK) {
        floe_batch b;
        rc = rdr_next(&r, &b, &res->err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        rc = FLOE_OK;
        if (res->nb == res->capb) {
            uint32_t cap = res->capb ? res->capb * 2 : 64;
            floe_batch *nb = floe_realloc(res->b, cap * sizeof *nb);
            if (nb == NULL) {
                floe_batch_free(&b);
                rc = floe_err_nomem(&res->err);
                break;
            }
            res->b = nb;
            res->capb = cap;
        }
        res->b[res->nb++] = b;
    }
    if (rc == FLOE_OK && (r.csv || r.js)) {
        res->lines = rdr_line(&r) - first_line;
        res->ended_open = r.csv ? floe_csv_reader_ended_open(r.csv) : false;
    }
    rdr_close(&r);
    res->rc = rc;
}

static void *worker_main(void *arg)
{
    driver *d = arg;
    for (;;) {
        uint32_t k;
        pthread_mutex_lock(&d->mu);
        while (!d->stop && d->next < d->nch && d->next >= d->consumed + d->window)
            pthread_cond_wait(&d->cv, &d->mu);
        if (d->stop || d->next >= d->nch) {
            pthread_mutex_unlock(&d->mu);
            break;
        }
        k = d->next++;
        pthread_mutex_unlock(&d->mu);
        parse_range(d, d->ch[k].start, d->ch[k].end, 1, &d->ch[k].res);
        pthread_mutex_lock(&d->mu);
        d->ch[k].state = CHUNK_DONE;
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
    }
    return NULL;
}

static void wait_done(driver *d, uint32_t k)
{
    pthread_mutex_lock(&d->mu);
    while (d->ch[k].state != CHUNK_DONE) pthread_cond_wait(&d->cv, &d->mu);
    pthread_mutex_unlock(&d->mu);
}

static void set_consumed(driver *d, uint32_t n)
{
    pthread_mutex_lock(&d->mu);
    d->consumed = n;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* Hand a consumed range's rejects (lines shifted by delta) and batches on,
 * in order; the batches move to the sink. */
static int emit(driver *d, range_result *res, uint64_t delta, floe_copy_sink_fn sink,
                void *sink_ctx, floe_copy_parse_stats *st, floe_err *err)
{
    void *rctx;
    floe_reject_fn rf = user_reject(d, &rctx);
    const char *source = d->o->jsonl ? d->o->js.source_name : d->o->csv.source_name;
    uint32_t i;
    int rc = FLOE_OK;
    if (source == NULL) source = "<input>";
    for (i = 0; i < res->nrj; i++) {
        floe_reject r;
        const rej_rec *x = &res->rj[i];
        r.source = source;
        r.line = x->line + delta;
        r.offset = x->offset;
        r.column = x->column;
        r.column_no = x->column_no;
        r.raw = x->raw;
        r.raw_len = x->raw_len;
        r.reason = x->reason;
        st->rejected++;
        if (rf && (rc = rf(rctx, &r)) != FLOE_OK)
            return floe_err_set(err, rc, "%s:%llu: stopped by the rejects handler", source,
                                (unsigned long long)r.line);
    }
    for (i = 0; i < res->nb; i++) {
        floe_batch b = res->b[i];
        memset(&res->b[i], 0, sizeof res->b[i]);
        st->rows += b.n;
        if ((rc = sink(sink_ctx, &b, err)) != FLOE_OK) return rc;
    }
    return FLOE_OK;
}

/* One sequential reader from byte `start` (line first_line) to the end of
 * the input given by rd, straight to the sink and the caller's on_reject. */
static int stream_parse(driver *d, floe_read_fn rd, void *rd_ctx, uint64_t start,
                        uint64_t first_line, floe_copy_sink_fn sink, void *sink_ctx,
                        floe_copy_parse_stats *st, floe_err *err)
{
    void *rctx;
    floe_reject_fn rf = user_reject(d, &rctx);
    rdr r;
    int rc = rdr_open(d, start, first_line, rd, rd_ctx, rf, rctx, &r, err);
    while (rc == FLOE_OK) {
        floe_batch b;
        rc = rdr_next(&r, &b, err);
        if (rc == FLOE_DONE) {
            rc = FLOE_OK;
            break;
        }
        if (rc != FLOE_ROW) break;
        st->rows += b.n;
        rc = sink(sink_ctx, &b, err);
    }
    if (r.csv || r.js)
        st->rejected += r.js ? floe_jsonl_reader_rejected(r.js) : floe_csv_reader_rejected(r.csv);
    rdr_close(&r);
    return rc;
}

/* Drop the mapped pages of a consumed byte range from memory (they are
 * never read again; were they, they would be read from the file again). */
static void release_range(driver *d, uint64_t a, uint64_t b)
{
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t lo = (a + pg - 1) / pg * pg, hi = b / pg * pg;
    if (hi > lo) madvise((void *)(d->map + lo), (size_t)(hi - lo), MADV_DONTNEED);
}

/* Consume the chunks in order (see the file comment). */
static int consume(driver *d, floe_copy_sink_fn sink, void *sink_ctx, floe_copy_parse_stats *st,
                   floe_err *err)
{
    uint64_t line = 1; /* line number at the current chunk's start */
    uint32_t k = 0, j;
    int rc;
    while (k < d->nch) {
        range_result *res = &d->ch[k].res, rr;
        wait_done(d, k);
        if (res->rc == FLOE_OK && (!res->ended_open || k + 1 == d->nch)) {
            rc = emit(d, res, line - 1, sink, sink_ctx, st, err);
            line += res->lines;
            result_free(res);
            release_range(d, d->ch[k].start, d->ch[k].end);
            set_consumed(d, k + 1);
            if (rc != FLOE_OK) return rc;
            k++;
            continue;
        }
        st->reparsed++;
        if (res->rc == FLOE_OK) {
            /* the cut after chunk k is inside a record: widen the range */
            for (j = k + 1;; j++) {
                parse_range(d, d->ch[k].start, d->ch[j].end, line, &rr);
                if (rr.rc != FLOE_OK || !rr.ended_open || j + 1 == d->nch) break;
                result_free(&rr);
                if (j - k >= MAX_WIDEN) { /* cuts keep landing in records: go sequential */
                    rr.rc = FLOE_ERROR;
                    break;
                }
            }
            if (rr.rc == FLOE_OK) {
                uint32_t i;
                rc = emit(d, &rr, 0, sink, sink_ctx, st, err);
                line += rr.lines;
                result_free(&rr);
                result_free(res);
                release_range(d, d->ch[k].start, d->ch[j].end);
                /* let workers past j first: chunks up to j may still be queued */
                set_consumed(d, j + 1);
                for (i = k + 1; i <= j; i++) {
                    wait_done(d, i);
                    result_free(&d->ch[i].res);
                }
                if (rc != FLOE_OK) return rc;
                k = j + 1;
                continue;
            }
            result_free(&rr);
        }
        /* a failure: one reader from chunk k to the end gives the exact outcome */
        {
            mem_src src = {d->map + d->ch[k].start, d->size - (size_t)d->ch[k].start, 0};
            pthread_mutex_lock(&d->mu);
            d->stop = true;
            pthread_cond_broadcast(&d->cv);
            pthread_mutex_unlock(&d->mu);
            return stream_parse(d, mem_read, &src, d->ch[k].start, line, sink, sink_ctx, st, err);
        }
    }
    return FLOE_OK;
}

/* Cut [0, size) into chunks ending just after a line feed. */
static int cut_chunks(driver *d, size_t chunk_bytes, floe_err *err)
{
    uint32_t cap = (uint32_t)(d->size / chunk_bytes) + 2;
    uint64_t s = 0;
    d->ch = floe_calloc(cap, sizeof *d->ch);
    if (d->ch == NULL) return floe_err_nomem(err);
    while (s < d->size) {
        uint64_t e = s + chunk_bytes;
        if (e >= d->size) {
            e = d->size;
        } else {
            const char *nl = memchr(d->map + e, '\n', d->size - (size_t)e);
            e = nl ? (uint64_t)(nl - d->map) + 1 : d->size;
        }
        d->ch[d->nch].start = s;
        d->ch[d->nch].end = e;
        d->nch++;
        s = e;
    }
    return FLOE_OK;
}

int floe_copy_parallel_parse(const char *path, const floe_copy_parse_opts *o, uint32_t ncols,
                         const floe_type *types, const char *const *names,
                         floe_copy_sink_fn sink, void *sink_ctx, floe_copy_parse_stats *st,
                         floe_err *err)
{
    floe_copy_parse_stats dummy;
    size_t chunk_bytes = o->chunk_bytes ? o->chunk_bytes : DEFAULT_CHUNK;
    uint32_t nthreads = o->nthreads, nw = 0, i;
    pthread_t *th = NULL;
    struct stat sb;
    driver d;
    int fd, rc;

    if (st == NULL) st = &dummy;
    memset(st, 0, sizeof *st);
    memset(&d, 0, sizeof d);
    d.o = o;
    d.ncols = ncols;
    d.types = types;
    d.names = names;
    if (nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = n > 0 ? (uint32_t)n : 1;
    }
    if (floe_os_open(path, O_RDONLY, 0, &fd, NULL) != FLOE_OK)
        return floe_err_set(err, FLOE_IOERR, "COPY: cannot open '%s': %s", path, strerror(errno));
    if (floe_os_fstat(fd, &sb, path, NULL) != FLOE_OK || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size < 2 * (uint64_t)chunk_bytes) {
        /* small or not a regular file: one sequential reader (stdio over
         * the descriptor util/os opened; its reads are not hooked) */
        FILE *f = fdopen(fd, "rb");
        if (f == NULL) {
            floe_os_close(fd, path, NULL);
            return floe_err_set(err, FLOE_IOERR, "COPY: cannot read '%s': %s", path, strerror(errno));
        }
        st->chunks = 1;
        rc = stream_parse(&d, floe_copy_read_file, f, 0, 1, sink, sink_ctx, st, err);
        fclose(f);
        return rc;
    }
    d.size = (size_t)sb.st_size;
    {
        const void *map = NULL;
        rc = floe_os_mmap_file(fd, d.size, &map, path, NULL);
        d.map = map;
    }
    floe_os_close(fd, path, NULL);
    if (rc != FLOE_OK)
        return floe_err_set(err, FLOE_IOERR, "COPY: cannot map '%s': %s", path, strerror(errno));
    madvise((void *)d.map, d.size, MADV_SEQUENTIAL);
    if ((rc = cut_chunks(&d, chunk_bytes, err)) != FLOE_OK) goto out;
    st->chunks = d.nch;
    d.window = 2 * nthreads;
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    th = floe_calloc(nthreads, sizeof *th);
    if (th == NULL) {
        rc = floe_err_nomem(err);
        goto sync_out;
    }
    for (nw = 0; nw < nthreads; nw++) {
        if (pthread_create(&th[nw], NULL, worker_main, &d) != 0) break;
    }
    if (nw == 0) {
        rc = floe_err_set(err, FLOE_ERROR, "COPY: cannot start parser threads");
        goto sync_out;
    }
    rc = consume(&d, sink, sink_ctx, st, err);
sync_out:
    pthread_mutex_lock(&d.mu);
    d.stop = true;
    pthread_cond_broadcast(&d.cv);
    pthread_mutex_unlock(&d.mu);
    for (i = 0; i < nw; i++) pthread_join(th[i], NULL);
    floe_free(th);
    pthread_mutex_destroy(&d.mu);
    pthread_cond_destroy(&d.cv);
out:
    for (i = 0; i < d.nch; i++) result_free(&d.ch[i].res);
    floe_free(d.ch);
    floe_os_munmap(d.map, d.size);
    return rc;
}
