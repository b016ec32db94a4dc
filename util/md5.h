/* util/md5.h: MD5 (RFC 1321), for the md5() SQL function.
 *
 * (tests/sql/md5.c is the test runner's own copy, kept apart so the runner
 * does not depend on the library it checks.) A plain, portable implementation
 * written from the RFC (public-domain style): init, update any number of
 * times, final. A context is owned by its caller; no global state.
 */
#ifndef FLOE_UTIL_MD5_H
#define FLOE_UTIL_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct floe_md5 {
    uint32_t state[4];    /* A, B, C, D */
    uint64_t nbytes;      /* message length so far */
    unsigned char buf[64];/* pending partial block */
} floe_md5;

void floe_md5_init(floe_md5 *m);
void floe_md5_update(floe_md5 *m, const void *data, size_t n);
/* Finish and write the 16-byte digest. */
void floe_md5_final(floe_md5 *m, unsigned char out[16]);
/* Digest of data as 32 lower-case hex digits + NUL into hex. */
void floe_md5_hex(const void *data, size_t n, char hex[33]);
/* Finish m and write its digest as hex. */
void floe_md5_final_hex(floe_md5 *m, char hex[33]);

#endif /* FLOE_UTIL_MD5_H */
