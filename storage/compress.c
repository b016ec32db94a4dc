/* storage/compress.c: LZ4 and zstd around a block's encoded body (policy
 * and contract in compress.h). */
#include "storage/compress.h"

#include <lz4.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem: zstd allocates through floe_malloc */
#include <zstd.h>
#include <zstd_errors.h>

#include "storage/format.h"
#include "util/mem.h"

/* zstd allocates through floe's allocator (so OOM tests reach it too). */
static void *zstd_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return floe_malloc(size);
}
static void zstd_free(void *opaque, void *p)
{
    (void)opaque;
    floe_free(p);
}
static const ZSTD_customMem zstd_mem = {zstd_alloc, zstd_free, NULL};

/* zstd-compress body into c->zs; *out_len = compressed size, or SIZE_MAX
 * when zstd fails on the data. FLOE_NOMEM when the context or buffer cannot
 * be allocated. */
static int zstd_block(floe_compressor *c, const uint8_t *body, size_t len, size_t *out_len,
                      floe_err *err)
{
    size_t bound = ZSTD_compressBound(len), k;
    int rc;
    *out_len = SIZE_MAX;
    if (c->zctx == NULL) {
        c->zctx = ZSTD_createCCtx_advanced(zstd_mem);
        if (c->zctx == NULL) return floe_err_nomem(err);
    }
    c->zs.len = 0;
    rc = floe_encode_buf_reserve(&c->zs, bound, err);
    if (rc) return rc;
    k = ZSTD_compressCCtx(c->zctx, c->zs.p, bound, body, len, FLOE_ZSTD_LEVEL);
    if (ZSTD_isError(k)) {
        if (ZSTD_getErrorCode(k) == ZSTD_error_memory_allocation) return floe_err_nomem(err);
        return FLOE_OK;
    }
    *out_len = k;
    return FLOE_OK;
}

int floe_compress_block(floe_compressor *c, floe_type t, int enc, int mode, const uint8_t *body,
                        size_t len, const uint8_t **out_stored, size_t *out_len,
                        uint8_t *io_flags, floe_err *err)
{
    int bound, k, rc;
    size_t keep;
    *out_stored = body;
    *out_len = len;
    if (mode == 0 || len < 64) return FLOE_OK;
    bound = LZ4_compressBound((int)len);
    keep = mode == 1 ? SIZE_MAX
                     : len - len / (floe_encode_streams(t, enc) ? FLOE_LZ4_MIN_SAVING_DIV_STREAMED
                                                                : FLOE_LZ4_MIN_SAVING_DIV);
    c->lz.len = 0;
    rc = floe_encode_buf_reserve(&c->lz, (size_t)bound, err);
    if (rc) return rc;
    k = LZ4_compress_default((const char *)body, (char *)c->lz.p, (int)len, bound);
    if (k > 0 && (size_t)k <= keep) {
        *out_stored = c->lz.p;
        *out_len = (size_t)k;
        *io_flags |= FLOE_BLOCK_LZ4;
    }
    /* zstd only for text: it decodes at ~1 GB/s, too slow for numbers */
    if (mode == -1 && t.id == FLOE_TYPE_VARCHAR) {
        size_t zk;
        rc = zstd_block(c, body, len, &zk, err);
        if (rc) return rc;
        if (zk < *out_len && zk <= keep) {
            *out_stored = c->zs.p;
            *out_len = zk;
            *io_flags = (uint8_t)((*io_flags & ~FLOE_BLOCK_LZ4) | FLOE_BLOCK_ZSTD);
        }
    }
    return FLOE_OK;
}

void floe_compressor_free(floe_compressor *c)
{
    if (c == NULL) return;
    floe_encode_buf_free(&c->lz);
    floe_encode_buf_free(&c->zs);
    ZSTD_freeCCtx(c->zctx);
    c->zctx = NULL;
}

int floe_decompress_block(uint8_t flags, const uint8_t *st, size_t stored, uint8_t *raw,
                          size_t rawlen)
{
    if (flags & FLOE_BLOCK_ZSTD) {
        ZSTD_DCtx *dctx = ZSTD_createDCtx_advanced(zstd_mem);
        size_t k;
        if (dctx == NULL) return FLOE_NOMEM;
        k = ZSTD_decompressDCtx(dctx, raw, rawlen, st, stored);
        ZSTD_freeDCtx(dctx);
        if (ZSTD_isError(k) && ZSTD_getErrorCode(k) == ZSTD_error_memory_allocation)
            return FLOE_NOMEM;
        return ZSTD_isError(k) || k != rawlen ? FLOE_CORRUPT : FLOE_OK;
    }
    return LZ4_decompress_safe((const char *)st, (char *)raw, (int)stored, (int)rawlen) ==
                   (int)rawlen
               ? FLOE_OK
               : FLOE_CORRUPT;
}
