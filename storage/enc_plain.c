/* storage/enc_plain.c: PLAIN (encoding 0): values as laid out in memory.
 *
 * Fixed-size types: n values in t's physical layout (NULL slots as they
 * are). VARCHAR: the n lengths (u32 base, u8 width, bit-packed len - base),
 * then the bytes of every string back to back (NULL slots repeat the
 * previous valid string). Applies to every type; it is also the fallback
 * every other candidate must beat. Layout: doc/format.md.
 */
#include "storage/enc.h"
#include "util/mem.h"

bool floe_enc_plain_applies(floe_type t)
{
    return t.id != FLOE_TYPE_INVALID;
}

int floe_enc_plain_plan(floe_enc_block *b, size_t best, size_t *out_size, floe_err *err)
{
    size_t bytes = 0;
    uint32_t i;
    (void)best;
    (void)err;
    if (b->t.id != FLOE_TYPE_VARCHAR) {
        *out_size = (size_t)b->n * floe_type_size(b->t);
        return FLOE_OK;
    }
    for (i = 0; i < b->n; i++) bytes += b->s[i].len;
    *out_size = bytes + floe_enc_lengths_size(b->s, b->n);
    return FLOE_OK;
}

int floe_enc_plain_write(floe_enc_block *b, floe_encbuf *out, floe_err *err)
{
    size_t bytes = 0;
    uint32_t i;
    int rc;
    if (b->t.id != FLOE_TYPE_VARCHAR) {
        bytes = (size_t)b->n * floe_type_size(b->t);
        rc = floe_encode_buf_reserve(out, bytes, err);
        if (rc) return rc;
        if (bytes) put_bytes(out, b->data, bytes);
        return FLOE_OK;
    }
    rc = floe_enc_put_lengths(out, b->s, b->n, err);
    if (rc) return rc;
    for (i = 0; i < b->n; i++) bytes += b->s[i].len;
    rc = floe_encode_buf_reserve(out, bytes, err);
    if (rc) return rc;
    for (i = 0; i < b->n; i++) put_bytes(out, b->s[i].ptr, b->s[i].len);
    return FLOE_OK;
}

static int decode_strings(const uint8_t *in, size_t len, uint32_t n, floe_string *out,
                          floe_arena *strings, floe_err *err)
{
    rd r = {in, len, 0};
    uint64_t total = 0, *lens = floe_malloc((size_t)(n ? n : 1) * sizeof *lens);
    int rc;
    if (lens == NULL) return floe_err_nomem(err);
    rc = floe_enc_get_lengths(&r, n, lens, &total, err);
    if (rc == FLOE_OK && total != r.len - r.off)
        rc = CORRUPT("string bytes: %llu expected, %zu present", (unsigned long long)total,
                     r.len - r.off);
    if (rc == FLOE_OK) rc = floe_enc_take_strings(&r, lens, n, total, strings, out, err);
    floe_free(lens);
    return rc;
}

int floe_enc_plain_decode(floe_type t, const uint8_t *in, size_t len, uint32_t n, void *out,
                          floe_arena *strings, floe_err *err)
{
    size_t bytes = (size_t)n * floe_type_size(t);
    if (t.id == FLOE_TYPE_VARCHAR) return decode_strings(in, len, n, out, strings, err);
    if (len != bytes) return CORRUPT("plain data: %zu bytes for %u rows", len, n);
    if (bytes) memcpy(out, in, bytes);
    return FLOE_OK;
}
