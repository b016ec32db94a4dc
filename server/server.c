/* server/server.c: the HTTP server of `floe serve` (contract in server.h).
 *
 * A request's state (struct req) lives in libmicrohttpd's per-request
 * pointer from its first callback to the completion callback: the body is
 * gathered into one buffer (bounded by max_body; beyond it the rest is
 * discarded and the reply is 413), and the handler runs only once the body
 * is complete, so a request cut off midway applies nothing.
 */
#include "server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "server/auth.h"
#include "server/decode.h"
#include "server/format.h"

struct floe_server {
    floe_db *db;
    struct MHD_Daemon *d;
    floe_server_config cfg;
    atomic_int inflight;          /* requests between first callback and completion */
    atomic_uint_least64_t next_query; /* query ids */
    uint64_t boot;                /* distinguishes query ids across restarts */
};

#define FLOE_SRV_MAX_SHARDS 1024 /* CREATE TABLE ... WITH (shards = n) allows up to 1024 */

typedef struct req {
    char *body;
    size_t len, cap;
    int too_big;
    int replied;               /* a reply was queued from the headers: the body is discarded */
    const floe_srv_token *tok; /* the request's token (NULL without --token-file) */
} req;

/* ------------------------------------------------------------- replies */

static const char *code_name(int rc)
{
    switch (rc) {
#define FLOE_X_(name, num, text) \
    case num: return #name;
        FLOE_STATUS_LIST(FLOE_X_)
#undef FLOE_X_
    default: return "UNKNOWN";
    }
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                             const char *body, size_t len, const char *qid)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;
    if (r == NULL) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    if (qid) MHD_add_response_header(r, "X-Floe-Query-Id", qid);
    if (status == 429 || status == 503) MHD_add_response_header(r, "Retry-After", "1");
    if (status == 401) MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"floe\"");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* {"error": msg, "code": name[, key: num]} */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg,
                                   const char *code, const char *key, long long num, const char *qid)
{
    char *b = NULL;
    size_t len = 0, cap = 0;
    enum MHD_Result ret;
    char tail[96];
    int bad = floe_srv_buf_put(&b, &len, &cap, "{\"error\":", 9) ||
              floe_srv_json_string(&b, &len, &cap, msg, strlen(msg)) ||
              floe_srv_buf_put(&b, &len, &cap, ",\"code\":", 8) ||
              floe_srv_json_string(&b, &len, &cap, code, strlen(code));
    if (key) snprintf(tail, sizeof tail, ",\"%s\":%lld}\n", key, num);
    else snprintf(tail, sizeof tail, "}\n");
    if (bad || floe_srv_buf_put(&b, &len, &cap, tail, strlen(tail))) {
        free(b);
        return MHD_NO;
    }
    ret = reply(c, status, "application/json", b, len, qid);
    free(b);
    return ret;
}

/* The HTTP status of a floe code. */
static unsigned http_status(int rc)
{
    switch (rc) {
    case FLOE_NOTFOUND: return 404;
    case FLOE_BUSY: return 429;
    case FLOE_READONLY: return 403;
    case FLOE_INTERRUPT: return 504; /* the query's timeout (or the server stopping) */
    case FLOE_NOMEM:
    case FLOE_IOERR:
    case FLOE_CORRUPT: return 500;
    default: return 400;
    }
}

/* ------------------------------------------------------------- ingest */

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Decimal > 0, nothing else; 0 when invalid. */
static uint64_t parse_seq(const char *s)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0') return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    return v;
}

static int truthy(const char *s)
{
    return s && (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes") ||
                 !strcasecmp(s, "on"));
}

/* Rejected rows of a ?rejects=keep batch, listed in the reply (the first
 * MAX_REJECTS; all are counted). */
#define MAX_REJECTS 1000
typedef struct rejects {
    char *buf;
    size_t len, cap;
    uint64_t n;
    int oom;
} rejects;

static void on_reject(void *ctx, uint64_t line, const char *reason)
{
    rejects *rj = ctx;
    char head[64];
    if (rj->n++ >= MAX_REJECTS || rj->oom) return;
    snprintf(head, sizeof head, "%s{\"line\":%llu,\"reason\":", rj->n > 1 ? "," : "", (unsigned long long)line);
    rj->oom = floe_srv_buf_put(&rj->buf, &rj->len, &rj->cap, head, strlen(head)) ||
              floe_srv_json_string(&rj->buf, &rj->len, &rj->cap, reason, strlen(reason)) ||
              floe_srv_buf_put(&rj->buf, &rj->len, &rj->cap, "}", 1);
}

/* Append the body as one batch and answer
 * {"rows":n,"duplicate":b,"last_seq":s,"shards":[{"shard":i,"first_seq":f,
 *  "last_seq":l},..] (the shards the batch added rows to)[,"rejected":k,
 *  "rejects":[{"line":l,"reason":".."},..]]} */
static enum MHD_Result append_and_ack(floe_server *s, struct MHD_Connection *c, const char *table,
                                      req *rq, floe_text_batch_opts *o)
{
    floe_text_batch_result res;
    rejects rj = {NULL, 0, 0, 0, 0};
    uint64_t *seqs = calloc(2 * FLOE_SRV_MAX_SHARDS, sizeof *seqs);
    char *b = NULL, tmp[160];
    size_t len = 0, cap = 0;
    enum MHD_Result ret;
    uint32_t i;
    int rc, bad, first = 1;
    if (seqs == NULL) return reply_error(c, 500, "out of memory", "NOMEM", NULL, 0, NULL);
    o->shard_first_seq = seqs;
    o->shard_last_seq = seqs + FLOE_SRV_MAX_SHARDS;
    o->shard_cap = FLOE_SRV_MAX_SHARDS;
    o->on_reject = on_reject;
    o->reject_ctx = &rj;
    rc = floe_append_text_batch(s->db, table, rq->body ? rq->body : "", rq->len, o, &res);
    if (rc != FLOE_OK) {
        /* a line over max_line is a request too large */
        ret = reply_error(c, rc == FLOE_RANGE && strstr(res.error.msg, "longer than") ? 413 : http_status(rc),
                          res.error.msg, code_name(rc), res.error_line ? "line" : NULL,
                          (long long)res.error_line, NULL);
        goto out;
    }
    snprintf(tmp, sizeof tmp, "{\"rows\":%llu,\"duplicate\":%s,\"last_seq\":%llu,\"shards\":[",
             (unsigned long long)res.rows, res.duplicate ? "true" : "false",
             (unsigned long long)res.last_seq);
    bad = floe_srv_buf_put(&b, &len, &cap, tmp, strlen(tmp));
    for (i = 0; i < res.nshards && i < FLOE_SRV_MAX_SHARDS && !bad; i++) {
        if (o->shard_last_seq[i] == 0) continue;
        snprintf(tmp, sizeof tmp, "%s{\"shard\":%u,\"first_seq\":%llu,\"last_seq\":%llu}", first ? "" : ",",
                 (unsigned)i, (unsigned long long)o->shard_first_seq[i],
                 (unsigned long long)o->shard_last_seq[i]);
        first = 0;
        bad = floe_srv_buf_put(&b, &len, &cap, tmp, strlen(tmp));
    }
    bad = bad || floe_srv_buf_put(&b, &len, &cap, "]", 1);
    if (o->keep_rejects && !bad) {
        snprintf(tmp, sizeof tmp, ",\"rejected\":%llu,\"rejects\":[", (unsigned long long)res.rejected);
        bad = floe_srv_buf_put(&b, &len, &cap, tmp, strlen(tmp)) || rj.oom ||
              (rj.len && floe_srv_buf_put(&b, &len, &cap, rj.buf, rj.len)) ||
              floe_srv_buf_put(&b, &len, &cap, "]", 1);
    }
    bad = bad || floe_srv_buf_put(&b, &len, &cap, "}\n", 2);
    /* the rows are applied: an answer we cannot build is still a success */
    ret = bad ? reply(c, 200, "application/json", "{}\n", 3, NULL) : reply(c, 200, "application/json", b, len, NULL);
out:
    free(b);
    free(rj.buf);
    free(seqs);
    return ret;
}

static enum MHD_Result handle_rows(floe_server *s, struct MHD_Connection *c, const char *table,
                                   req *rq)
{
    floe_text_batch_opts o;
    const char *fmt = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *ack = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ack");
    const char *prod = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Floe-Producer");
    const char *seq = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Floe-Seq");

    memset(&o, 0, sizeof o);
    o.nowait = 1; /* memtables full: 429 + Retry-After now, not a handler thread parked */
    o.max_line_bytes = s->cfg.max_line;
    if (fmt) {
        if (!strcmp(fmt, "csv")) o.format = FLOE_TEXT_CSV;
        else if (!strcmp(fmt, "jsonl") || !strcmp(fmt, "ndjson") || !strcmp(fmt, "json"))
            o.format = FLOE_TEXT_JSONL;
        else return reply_error(c, 415, "unknown format (csv, jsonl)", "UNSUPPORTED", NULL, 0, NULL);
    } else if (ctype && !strncasecmp(ctype, "text/csv", 8)) {
        o.format = FLOE_TEXT_CSV;
    } else if (ctype && (!strncasecmp(ctype, "application/x-ndjson", 20) ||
                         !strncasecmp(ctype, "application/jsonl", 17) ||
                         !strncasecmp(ctype, "application/json", 16))) {
        o.format = FLOE_TEXT_JSONL;
    } else {
        return reply_error(c, 415,
                           "Content-Type must be application/x-ndjson or text/csv "
                           "(or give ?format=jsonl|csv)",
                           "UNSUPPORTED", NULL, 0, NULL);
    }
    o.header = truthy(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "header"));
    if (ack == NULL) o.ack = FLOE_ACK_DEFAULT;
    else if (!strcmp(ack, "none")) o.ack = FLOE_ACK_NONE;
    else if (!strcmp(ack, "wal")) o.ack = FLOE_ACK_WAL;
    else if (!strcmp(ack, "fsync")) o.ack = FLOE_ACK_FSYNC;
    else return reply_error(c, 400, "ack must be none, wal or fsync", "MISUSE", NULL, 0, NULL);
    if (prod || seq) {
        if (prod == NULL || *prod == '\0' || parse_seq(seq) == 0)
            return reply_error(c, 400,
                               "idempotent append needs both X-Floe-Producer and X-Floe-Seq "
                               "(a decimal number > 0)",
                               "MISUSE", NULL, 0, NULL);
        o.has_producer = 1;
        o.producer_id = fnv1a64(prod);
        o.producer_seq = parse_seq(seq);
    }
    {
        const char *rj = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "rejects");
        if (rj && strcmp(rj, "keep") != 0 && strcmp(rj, "fail") != 0)
            return reply_error(c, 400, "rejects must be keep or fail", "MISUSE", NULL, 0, NULL);
        o.keep_rejects = rj && !strcmp(rj, "keep");
    }
    return append_and_ack(s, c, table, rq, &o);
}

/* ------------------------------------------------------------- query */

typedef struct stream {
    floe_result *res;
    floe_srv_format *fmt;
    int failed; /* the format's error record is being sent: end with an error */
} stream;

/* A failure while rendering (out of memory) is answered by the format's
 * error record, then the reply ends WITH an error: libmicrohttpd closes
 * the connection without the last chunk, so an HTTP/1.1 client sees a
 * truncated chunked body, and an HTTP/1.0 one reads the record. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream *st = cls;
    long n;
    (void)pos;
    n = floe_srv_format_read(st->fmt, buf, max);
    if (n < 0 && !st->failed) {
        st->failed = 1;
        if (floe_srv_format_fail(st->fmt, "NOMEM", "out of memory while streaming the result") == 0)
            n = floe_srv_format_read(st->fmt, buf, max);
    }
    if (n < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (n == 0) return st->failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *st = cls;
    floe_srv_format_free(st->fmt);
    floe_result_free(st->res);
    free(st);
}

/* ?name=N (decimal > 0) lowers *limit (0: none) to N; 0, or -1 when bad. */
static int limit_arg(struct MHD_Connection *c, const char *name, void *limit_any)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    uint64_t n = parse_seq(v);
    if (v == NULL) return 0;
    if (n == 0) return -1;
    if (!strcmp(name, "timeout_ms")) {
        uint32_t *l = limit_any;
        if (n > UINT32_MAX) n = UINT32_MAX;
        if (*l == 0 || n < *l) *l = (uint32_t)n;
    } else {
        uint64_t *l = limit_any;
        if (*l == 0 || n < *l) *l = n;
    }
    return 0;
}

static enum MHD_Result handle_query(floe_server *s, struct MHD_Connection *c, int get, req *rq)
{
    const char *fmt_name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const char *sql = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sql");
    floe_srv_fmt fmt = FLOE_SRV_JSON;
    floe_query_opts qo;
    floe_error_info ei;
    floe_result *res = NULL;
    struct MHD_Response *r;
    stream *st;
    enum MHD_Result ret;
    char qid[48];
    int rc;

    snprintf(qid, sizeof qid, "%08llx-%llu", (unsigned long long)s->boot,
             (unsigned long long)atomic_fetch_add(&s->next_query, 1) + 1);
    if (fmt_name && floe_srv_format_parse(fmt_name, &fmt) != 0)
        return reply_error(c, 400, "format must be json, jsonl, csv or arrow", "MISUSE", NULL, 0, qid);
    if (!get && rq->len > 0) {
        sql = rq->body;
        if (strlen(sql) != rq->len)
            return reply_error(c, 400, "the SQL text holds a NUL byte", "MISUSE", NULL, 0, qid);
    }
    if (sql == NULL || *sql == '\0')
        return reply_error(c, 400, get ? "GET /v1/query needs ?sql=" : "POST /v1/query needs SQL as the body",
                           "MISUSE", NULL, 0, qid);
    memset(&qo, 0, sizeof qo);
    /* GET, and every role below admin, runs read-only statements only */
    if (get || (rq->tok && floe_srv_token_role(rq->tok) < FLOE_SRV_ADMIN)) qo.flags = FLOE_QUERY_READONLY;
    /* the client may lower the server's limits, never raise them */
    qo.timeout_ms = s->cfg.query_timeout_ms;
    qo.memory_limit = s->cfg.query_mem;
    if (limit_arg(c, "timeout_ms", &qo.timeout_ms) != 0)
        return reply_error(c, 400, "timeout_ms must be a number of milliseconds > 0", "MISUSE", NULL, 0, qid);
    if (limit_arg(c, "memory_limit", &qo.memory_limit) != 0)
        return reply_error(c, 400, "memory_limit must be a number of bytes > 0", "MISUSE", NULL, 0, qid);
    rc = floe_query_with(s->db, sql, &qo, &res, &ei);
    if (rc != FLOE_OK)
        return reply_error(c, http_status(rc), ei.msg, code_name(rc), "position", ei.offset, qid);
    st = calloc(1, sizeof *st);
    if (st == NULL || (st->fmt = floe_srv_format_new(res, fmt)) == NULL) {
        free(st);
        floe_result_free(res);
        return reply_error(c, 500, "out of memory", "NOMEM", NULL, 0, qid);
    }
    st->res = res;
    if (s->cfg.test_fail_stream_after) floe_srv_format_fail_after(st->fmt, s->cfg.test_fail_stream_after);
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st, stream_free);
    if (r == NULL) {
        stream_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, floe_srv_format_content_type(fmt));
    MHD_add_response_header(r, "X-Floe-Query-Id", qid);
    ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ------------------------------------------------------------- routing */

static enum MHD_Result route(floe_server *s, struct MHD_Connection *c, const char *url,
                             const char *method, req *rq)
{
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    if (!strcmp(url, "/health")) {
        static const char ok[] = "{\"status\":\"ok\"}\n";
        if (!get) return reply_error(c, 405, "use GET", "MISUSE", NULL, 0, NULL);
        return reply(c, 200, "application/json", ok, sizeof ok - 1, NULL);
    }
    if (!strcmp(url, "/v1/query")) {
        if (!get && !post) return reply_error(c, 405, "use GET or POST", "MISUSE", NULL, 0, NULL);
        if (rq->tok && floe_srv_token_limited(rq->tok))
            return reply_error(c, 403, "this token may only ingest into its tables", "READONLY", NULL, 0, NULL);
        return handle_query(s, c, get, rq);
    }
    if (!strncmp(url, "/v1/tables/", 11)) {
        const char *name = url + 11, *slash = strchr(name, '/');
        char table[256];
        size_t n;
        if (slash && !strcmp(slash, "/rows") && slash > name && (n = (size_t)(slash - name)) < sizeof table) {
            if (!post) return reply_error(c, 405, "use POST", "MISUSE", NULL, 0, NULL);
            memcpy(table, name, n);
            table[n] = '\0';
            if (rq->tok && !floe_srv_token_may_ingest(rq->tok, table))
                return reply_error(c, 403, "this token may not ingest into this table", "READONLY", NULL, 0,
                                   NULL);
            return handle_rows(s, c, table, rq);
        }
    }
    return reply_error(c, 404, "no such route (GET /health, POST /v1/tables/<table>/rows, GET|POST /v1/query)",
                       "NOTFOUND", NULL, 0, NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    floe_server *s = cls;
    req *rq = *con_cls;
    (void)version;
    if (rq == NULL) { /* first call: headers only */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        rq = calloc(1, sizeof *rq);
        if (rq == NULL) return MHD_NO;
        *con_cls = rq;
        atomic_fetch_add(&s->inflight, 1);
        /* the token is checked before any of the body is read or buffered */
        if (s->cfg.auth && strcmp(url, "/health") != 0) {
            const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            rq->tok = floe_srv_auth_lookup(s->cfg.auth, h);
            if (rq->tok == NULL) {
                rq->replied = 1;
                return reply_error(c, 401, h ? "unknown token" : "missing bearer token (Authorization: Bearer ...)",
                                   "MISUSE", NULL, 0, NULL);
            }
        }
        if (cl && strtoull(cl, NULL, 10) > s->cfg.max_body) {
            rq->replied = 1;
            return reply_error(c, 413, "request body too large", "RANGE", "max_body",
                               (long long)s->cfg.max_body, NULL);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) { /* more of the body */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rq->too_big || rq->replied) return MHD_YES;
        if (rq->len + n > s->cfg.max_body) {
            rq->too_big = 1;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            return MHD_YES;
        }
        if (rq->len + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            char *nb;
            while (rq->len + n + 1 > cap) cap *= 2;
            if ((nb = realloc(rq->body, cap)) == NULL) return MHD_NO;
            rq->body = nb;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        rq->body[rq->len] = '\0';
        return MHD_YES;
    }
    /* the whole body is here */
    if (rq->replied) return MHD_YES;
    if (rq->too_big)
        return reply_error(c, 413, "request body too large", "RANGE", "max_body",
                           (long long)s->cfg.max_body, NULL);
    {
        const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
        char msg[256] = "", *dec;
        size_t dlen;
        int st = floe_srv_decode(enc, rq->body ? rq->body : "", rq->len, s->cfg.max_body, &dec, &dlen,
                                 msg, sizeof msg);
        if (st != 0)
            return reply_error(c, (unsigned)st, msg, st == 413 ? "RANGE" : st == 500 ? "NOMEM" : "CORRUPT",
                               st == 413 ? "max_body" : NULL, (long long)s->cfg.max_body, NULL);
        if (dec) { /* the decoded body replaces the received one */
            free(rq->body);
            rq->body = dec;
            rq->len = rq->cap = dlen;
        }
    }
    return route(s, c, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    floe_server *s = cls;
    req *rq = *con_cls;
    (void)c;
    (void)toe;
    if (rq == NULL) return;
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

int floe_server_start(floe_db *db, const floe_server_config *cfg, floe_server **out, char *errbuf,
                      size_t cap)
{
    floe_server *s = calloc(1, sizeof *s);
    struct sockaddr_in sa;
    struct timespec ts;
    *out = NULL;
    if (s == NULL) {
        snprintf(errbuf, cap, "out of memory");
        return -1;
    }
    s->db = db;
    s->cfg = *cfg;
    if (s->cfg.threads == 0) s->cfg.threads = 8;
    if (s->cfg.max_body == 0) s->cfg.max_body = 64u << 20;
    if (s->cfg.timeout_s == 0) s->cfg.timeout_s = 30;
    if (s->cfg.max_conns == 0) s->cfg.max_conns = 1024;
    if (s->cfg.max_line == 0) s->cfg.max_line = 1u << 20;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->boot = ((uint64_t)ts.tv_sec << 8) ^ (uint64_t)getpid();
    s->boot &= 0xffffffffu;
    if (cfg->tls_cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        snprintf(errbuf, cap, "this libmicrohttpd was built without TLS");
        free(s);
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    sa.sin_addr.s_addr = htonl(cfg->addr);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                                (cfg->tls_cert ? MHD_USE_TLS : 0),
                            cfg->port, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.timeout_s,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_conns,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            /* the TLS options last: without a certificate they end the list */
                            cfg->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cfg->tls_cert,
                            MHD_OPTION_HTTPS_MEM_KEY, cfg->tls_key,
                            MHD_OPTION_END);
    if (s->d == NULL) {
        char a[INET_ADDRSTRLEN];
        struct in_addr in;
        in.s_addr = htonl(cfg->addr);
        inet_ntop(AF_INET, &in, a, sizeof a);
        snprintf(errbuf, cap,
                 "cannot listen on %s:%u (address in use, not an address of this host, or a "
                 "certificate/key the TLS library refused)",
                 a, (unsigned)cfg->port);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

uint16_t floe_server_port(floe_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : s->cfg.port;
}

int floe_server_stop(floe_server *s, int drain_ms)
{
    int left, waited = 0;
    MHD_socket fd;
    if (s == NULL) return 0;
    fd = MHD_quiesce_daemon(s->d); /* no new connections */
    if (fd != MHD_INVALID_SOCKET) close(fd);
    while ((left = atomic_load(&s->inflight)) > 0 && waited < drain_ms) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited += 10;
    }
    if (left > 0) {
        /* queries still running past the drain (their own timeout may be
         * minutes away): interrupt them (504 to their clients) so the pool
         * threads can stop; ingest batches are not plans and finish */
        floe_interrupt(s->db);
        for (waited = 0; (left = atomic_load(&s->inflight)) > 0 && waited < 5000; waited += 10) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    MHD_stop_daemon(s->d);
    free(s);
    return left;
}
