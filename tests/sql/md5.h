/* tests/sql/md5.h: MD5 (RFC 1321) for sqllogictest result hashing.
 *
 * sqllogictest gives large results as "N values hashing to <md5>", the MD5
 * of every value followed by a newline. A plain, portable implementation
 * written from the RFC (public-domain style): init, update any number of
 * times, final. A context is owned by its caller; no global state.
 */
#ifndef FLOE_SLT_MD5_H
#define FLOE_SLT_MD5_H

#include <stddef.h>
#include <stdint.h>

typedef struct slt_md5 {
    uint32_t state[4];    /* A, B, C, D */
    uint64_t nbytes;      /* message length so far */
    unsigned char buf[64];/* pending partial block */
} slt_md5;

void slt_md5_init(slt_md5 *m);
void slt_md5_update(slt_md5 *m, const void *data, size_t n);
/* Finish and write the 16-byte digest. */
void slt_md5_final(slt_md5 *m, unsigned char out[16]);
/* Digest of data as 32 lower-case hex digits + NUL into hex. */
void slt_md5_hex(const void *data, size_t n, char hex[33]);
/* Finish m and write its digest as hex. */
void slt_md5_final_hex(slt_md5 *m, char hex[33]);

#endif /* FLOE_SLT_MD5_H */
