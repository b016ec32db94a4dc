/* server/decode.c: bounded gzip/zstd/lz4 decoding of request bodies (see decode.h).
 *
 * Every decoder writes into one growable buffer whose capacity never
 * exceeds max_out + 1 bytes: when the decoder wants more room while the
 * buffer already holds max_out + 1 bytes, the body is too large (413).
 * The decoders' own state is bounded too: zlib's 32 KiB window, LZ4
 * frames' at most 4 MiB blocks, zstd's window capped at 2^WINDOW_LOG.
 */
#include "server/decode.h"

#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#define WINDOW_LOG 24 /* zstd frames needing a window over 16 MiB are refused */

typedef struct obuf {
    char *p;
    size_t len, cap, limit; /* limit = max_out + 1 */
} obuf;

/* Room for more output: 0, 413 when the buffer already holds limit bytes,
 * 500 out of memory. */
static int obuf_grow(obuf *o)
{
    size_t ncap;
    char *np;
    if (o->len < o->cap) return 0;
    if (o->cap >= o->limit) return 413;
    ncap = o->cap ? o->cap * 2 : 64 * 1024;
    if (ncap > o->limit || ncap < o->cap) ncap = o->limit;
    if ((np = realloc(o->p, ncap + 1)) == NULL) return 500; /* +1: the NUL */
    o->p = np;
    o->cap = ncap;
    return 0;
}

static int gunzip(const char *in, size_t len, obuf *o, char *errbuf, size_t cap)
{
    z_stream z;
    int zr = Z_OK, rc = 0;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) { /* +32: gzip or zlib header */
        snprintf(errbuf, cap, "gzip: cannot start the decoder");
        return 500;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = 0;
    while (rc == 0) {
        size_t step = len > (1u << 30) ? (1u << 30) : len;
        if (z.avail_in == 0 && len > 0) {
            z.next_in = (Bytef *)in;
            z.avail_in = (uInt)step;
            in += step;
            len -= step;
        }
        if ((rc = obuf_grow(o)) != 0) break;
        z.next_out = (Bytef *)o->p + o->len;
        z.avail_out = (uInt)(o->cap - o->len > (1u << 30) ? (1u << 30) : o->cap - o->len);
        {
            uInt before = z.avail_out;
            zr = inflate(&z, Z_NO_FLUSH);
            o->len += before - z.avail_out;
        }
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0 && len == 0) break;
            inflateReset(&z); /* another gzip member follows */
            continue;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && len == 0) {
            snprintf(errbuf, cap, "gzip: the body ends inside the stream (truncated)");
            rc = 400;
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            snprintf(errbuf, cap, "gzip: %s", z.msg ? z.msg : "bad stream");
            rc = zr == Z_MEM_ERROR ? 500 : 400;
        }
    }
    inflateEnd(&z);
    return rc;
}

static int unzstd(const char *in, size_t len, obuf *o, char *errbuf, size_t cap)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer ib = {in, len, 0};
    size_t r = 1;
    int rc = 0;
    if (d == NULL) {
        snprintf(errbuf, cap, "zstd: out of memory");
        return 500;
    }
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, WINDOW_LOG);
    while (rc == 0 && (ib.pos < ib.size || r != 0)) {
        ZSTD_outBuffer ob;
        if ((rc = obuf_grow(o)) != 0) break;
        ob.dst = o->p;
        ob.size = o->cap;
        ob.pos = o->len;
        r = ZSTD_decompressStream(d, &ob, &ib);
        o->len = ob.pos;
        if (ZSTD_isError(r)) {
            snprintf(errbuf, cap, "zstd: %s", ZSTD_getErrorName(r));
            rc = 400;
        } else if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) {
            snprintf(errbuf, cap, "zstd: the body ends inside a frame (truncated)");
            rc = 400;
        }
    }
    ZSTD_freeDCtx(d);
    return rc;
}

static int unlz4(const char *in, size_t len, obuf *o, char *errbuf, size_t cap)
{
    LZ4F_dctx *d = NULL;
    size_t pos = 0, r = 1;
    int rc = 0;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION))) {
        snprintf(errbuf, cap, "lz4: out of memory");
        return 500;
    }
    while (rc == 0 && (pos < len || r != 0)) {
        size_t src = len - pos, dst;
        if ((rc = obuf_grow(o)) != 0) break;
        dst = o->cap - o->len;
        r = LZ4F_decompress(d, o->p + o->len, &dst, in + pos, &src, NULL);
        o->len += dst;
        pos += src;
        if (LZ4F_isError(r)) {
            snprintf(errbuf, cap, "lz4: %s", LZ4F_getErrorName(r));
            rc = 400;
        } else if (r != 0 && pos == len && o->len < o->cap) {
            snprintf(errbuf, cap, "lz4: the body ends inside a frame (truncated)");
            rc = 400;
        }
    }
    LZ4F_freeDecompressionContext(d);
    return rc;
}

int floe_srv_decode(const char *enc, const char *in, size_t len, size_t max_out, char **out,
                    size_t *out_len, char *errbuf, size_t cap)
{
    obuf o = {NULL, 0, 0, max_out + 1};
    int rc;
    *out = NULL;
    *out_len = 0;
    if (enc == NULL || *enc == '\0' || !strcasecmp(enc, "identity")) return 0;
    if (!strcasecmp(enc, "gzip") || !strcasecmp(enc, "x-gzip") || !strcasecmp(enc, "deflate"))
        rc = gunzip(in, len, &o, errbuf, cap);
    else if (!strcasecmp(enc, "zstd"))
        rc = unzstd(in, len, &o, errbuf, cap);
    else if (!strcasecmp(enc, "lz4"))
        rc = unlz4(in, len, &o, errbuf, cap);
    else {
        snprintf(errbuf, cap, "unknown Content-Encoding '%.64s' (gzip, deflate, zstd, lz4, identity)", enc);
        return 415;
    }
    if (rc == 0 && o.len > max_out) rc = 413;
    if (rc == 413) snprintf(errbuf, cap, "the body decodes to more than %zu bytes", max_out);
    if (rc == 500 && errbuf[0] == '\0') snprintf(errbuf, cap, "out of memory");
    if (rc != 0) {
        free(o.p);
        return rc;
    }
    if (o.p == NULL && (o.p = malloc(1)) == NULL) {
        snprintf(errbuf, cap, "out of memory");
        return 500;
    }
    o.p[o.len] = '\0';
    *out = o.p;
    *out_len = o.len;
    return 0;
}
