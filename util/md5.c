/* util/md5.c: MD5 (RFC 1321), written from the specification. */
#include "util/md5.h"

#include <string.h>

/* Per-round shift amounts and the sine-derived constants K[i] =
 * floor(abs(sin(i + 1)) * 2^32), as listed in RFC 1321 section 3.4. */
static const uint32_t S[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                               5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                               4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                               6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

static const uint32_t K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

static uint32_t rotl(uint32_t x, uint32_t c) { return (x << c) | (x >> (32 - c)); }

static void block(floe_md5 *m, const unsigned char *p)
{
    uint32_t w[16], a = m->state[0], b = m->state[1], c = m->state[2], d = m->state[3];
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[i * 4] | (uint32_t)p[i * 4 + 1] << 8 | (uint32_t)p[i * 4 + 2] << 16 |
               (uint32_t)p[i * 4 + 3] << 24;
    for (i = 0; i < 64; i++) {
        uint32_t f, t;
        int g;
        if (i < 16) {
            f = (b & c) | (~b & d);
            g = i;
        } else if (i < 32) {
            f = (d & b) | (~d & c);
            g = (5 * i + 1) % 16;
        } else if (i < 48) {
            f = b ^ c ^ d;
            g = (3 * i + 5) % 16;
        } else {
            f = c ^ (b | ~d);
            g = (7 * i) % 16;
        }
        t = d;
        d = c;
        c = b;
        b = b + rotl(a + f + K[i] + w[g], S[i]);
        a = t;
    }
    m->state[0] += a;
    m->state[1] += b;
    m->state[2] += c;
    m->state[3] += d;
}

void floe_md5_init(floe_md5 *m)
{
    m->state[0] = 0x67452301;
    m->state[1] = 0xefcdab89;
    m->state[2] = 0x98badcfe;
    m->state[3] = 0x10325476;
    m->nbytes = 0;
}

void floe_md5_update(floe_md5 *m, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t have = (size_t)(m->nbytes % 64);
    m->nbytes += n;
    if (have > 0) {
        size_t take = 64 - have < n ? 64 - have : n;
        memcpy(m->buf + have, p, take);
        p += take;
        n -= take;
        if (have + take < 64) return;
        block(m, m->buf);
    }
    while (n >= 64) {
        block(m, p);
        p += 64;
        n -= 64;
    }
    if (n > 0) memcpy(m->buf, p, n);
}

void floe_md5_final(floe_md5 *m, unsigned char out[16])
{
    static const unsigned char pad[64] = {0x80};
    unsigned char len[8];
    uint64_t bits = m->nbytes * 8;
    size_t have = (size_t)(m->nbytes % 64);
    int i;
    for (i = 0; i < 8; i++) len[i] = (unsigned char)(bits >> (8 * i));
    floe_md5_update(m, pad, have < 56 ? 56 - have : 120 - have);
    floe_md5_update(m, len, 8);
    for (i = 0; i < 4; i++) {
        out[i * 4] = (unsigned char)m->state[i];
        out[i * 4 + 1] = (unsigned char)(m->state[i] >> 8);
        out[i * 4 + 2] = (unsigned char)(m->state[i] >> 16);
        out[i * 4 + 3] = (unsigned char)(m->state[i] >> 24);
    }
}

void floe_md5_final_hex(floe_md5 *m, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[16];
    int i;
    floe_md5_final(m, d);
    for (i = 0; i < 16; i++) {
        hex[i * 2] = digits[d[i] >> 4];
        hex[i * 2 + 1] = digits[d[i] & 15];
    }
    hex[32] = '\0';
}

void floe_md5_hex(const void *data, size_t n, char hex[33])
{
    floe_md5 m;
    floe_md5_init(&m);
    floe_md5_update(&m, data, n);
    floe_md5_final_hex(&m, hex);
}
