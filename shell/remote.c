/* shell/remote.c: the shell's HTTP client for `floe serve` (see remote.h). */
#include "shell/remote.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REPLY (1u << 30) /* answers over 1 GiB are refused (use LIMIT) */

struct shell_remote {
    char host[256], port[16], name[300];
    char *token;
};

int shell_remote_is_url(const char *s)
{
    return s && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8));
}

/* ------------------------------------------------------------ HTTP */

typedef struct reply {
    int status;
    char *body; /* NUL-terminated */
    size_t len;
} reply;

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One request; 0 with *out filled, or -1 with a message in err. */
static int http(shell_remote *r, const char *method, const char *path, const char *body, reply *out,
                char *err, size_t cap)
{
    struct addrinfo hints, *ai = NULL, *a;
    char *head = NULL, *buf = NULL;
    size_t blen = 0, bcap = 0, blen_body = body ? strlen(body) : 0;
    int fd = -1, n, rc = -1;
    memset(out, 0, sizeof *out);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if ((n = getaddrinfo(r->host, r->port, &hints, &ai)) != 0) {
        snprintf(err, cap, "cannot resolve %s: %s", r->host, gai_strerror(n));
        return -1;
    }
    for (a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        snprintf(err, cap, "cannot connect to %s", r->name);
        return -1;
    }
    n = asprintf(&head,
                 "%s %s HTTP/1.0\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                 "%s%s%s\r\n",
                 method, path, r->name, blen_body, r->token ? "Authorization: Bearer " : "",
                 r->token ? r->token : "", r->token ? "\r\n" : "");
    if (n < 0 || send_all(fd, head, (size_t)n) != 0 || (blen_body && send_all(fd, body, blen_body) != 0)) {
        snprintf(err, cap, "cannot send the request to %s", r->name);
        goto out;
    }
    for (;;) {
        ssize_t got;
        if (blen + 65536 + 1 > bcap) {
            char *nb;
            bcap = bcap ? bcap * 2 : 131072;
            if (bcap > MAX_REPLY || (nb = realloc(buf, bcap)) == NULL) {
                snprintf(err, cap, "the answer is too large (over 1 GiB: add a LIMIT)");
                goto out;
            }
            buf = nb;
        }
        got = recv(fd, buf + blen, bcap - blen - 1, 0);
        if (got < 0) {
            snprintf(err, cap, "connection to %s lost", r->name);
            goto out;
        }
        if (got == 0) break;
        blen += (size_t)got;
    }
    if (buf == NULL) {
        snprintf(err, cap, "%s closed the connection without an answer", r->name);
        goto out;
    }
    buf[blen] = '\0';
    {
        char *sep = strstr(buf, "\r\n\r\n");
        if (sep == NULL || sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1) {
            snprintf(err, cap, "%s did not answer HTTP", r->name);
            goto out;
        }
        out->len = blen - (size_t)(sep + 4 - buf);
        memmove(buf, sep + 4, out->len + 1);
        out->body = buf;
        buf = NULL;
    }
    rc = 0;
out:
    free(head);
    free(buf);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------ JSON */

typedef struct jp {
    const char *p, *end;
} jp;

static void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int lit(jp *j, const char *s)
{
    size_t n = strlen(s);
    ws(j);
    if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, s, n)) {
        j->p += n;
        return 1;
    }
    return 0;
}

static void put_utf8(char **o, unsigned cp)
{
    char *q = *o;
    if (cp < 0x80) *q++ = (char)cp;
    else if (cp < 0x800) {
        *q++ = (char)(0xc0 | (cp >> 6));
        *q++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *q++ = (char)(0xe0 | (cp >> 12));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *q++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *q++ = (char)(0xf0 | (cp >> 18));
        *q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *q++ = (char)(0x80 | (cp & 0x3f));
    }
    *o = q;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A JSON string (unescaped, malloc'ed) or NULL on a syntax error. */
static char *jstring(jp *j)
{
    char *out, *o;
    ws(j);
    if (j->p >= j->end || *j->p != '"') return NULL;
    j->p++;
    if ((out = o = malloc((size_t)(j->end - j->p) + 1)) == NULL) return NULL;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        if (j->p >= j->end) break;
        c = *j->p++;
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned cp, lo;
            if (j->end - j->p < 4 || hex4(j->p, &cp)) goto bad;
            j->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && j->end - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
                !hex4(j->p + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                j->p += 6;
            }
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = c; break; /* \" \\ \/ */
        }
    }
    if (j->p >= j->end) goto bad;
    j->p++;
    *o = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

/* A scalar as text: *out NULL for null; -1 on a syntax error. */
static int jscalar(jp *j, char **out)
{
    const char *s;
    *out = NULL;
    ws(j);
    if (j->p < j->end && *j->p == '"') return (*out = jstring(j)) ? 0 : -1;
    if (lit(j, "null")) return 0;
    s = j->p;
    while (j->p < j->end && strchr("+-0123456789.eEtruefalsinfNaIy", *j->p)) j->p++;
    if (j->p == s) return -1;
    *out = strndup(s, (size_t)(j->p - s));
    return *out ? 0 : -1;
}

/* Skip any value. */
static int jskip(jp *j)
{
    char *s;
    ws(j);
    if (j->p < j->end && (*j->p == '[' || *j->p == '{')) {
        char close = *j->p == '[' ? ']' : '}';
        int obj = close == '}';
        j->p++;
        if (lit(j, close == ']' ? "]" : "}")) return 0;
        do {
            if (obj) {
                if ((s = jstring(j)) == NULL || !lit(j, ":")) {
                    free(s);
                    return -1;
                }
                free(s);
            }
            if (jskip(j)) return -1;
        } while (lit(j, ","));
        return lit(j, close == ']' ? "]" : "}") ? 0 : -1;
    }
    if (jscalar(j, &s)) return -1;
    free(s);
    return 0;
}

static floe_type_id type_of(const char *t)
{
    static const struct {
        const char *name;
        floe_type_id id;
    } m[] = {{"BOOLEAN", FLOE_TYPE_BOOLEAN}, {"INTEGER", FLOE_TYPE_INTEGER}, {"BIGINT", FLOE_TYPE_BIGINT},
             {"DOUBLE", FLOE_TYPE_DOUBLE},   {"DECIMAL", FLOE_TYPE_DECIMAL}, {"VARCHAR", FLOE_TYPE_VARCHAR},
             {"DATE", FLOE_TYPE_DATE},       {"TIMESTAMP", FLOE_TYPE_TIMESTAMP},
             {"INTERVAL", FLOE_TYPE_INTERVAL}};
    size_t i;
    for (i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(t, m[i].name)) return m[i].id;
    return FLOE_TYPE_NULL;
}

static int parse_columns(jp *j, shell_remote_result *res)
{
    uint32_t cap = 0;
    if (!lit(j, "[")) return -1;
    if (lit(j, "]")) return 0;
    do {
        char *name = NULL, *type = NULL;
        if (!lit(j, "{")) return -1;
        do {
            char *k = jstring(j);
            int bad = k == NULL || !lit(j, ":");
            if (!bad && !strcmp(k, "name")) bad = (name = jstring(j)) == NULL;
            else if (!bad && !strcmp(k, "type")) bad = (type = jstring(j)) == NULL;
            else if (!bad) bad = jskip(j);
            free(k);
            if (bad) {
                free(name);
                free(type);
                return -1;
            }
        } while (lit(j, ","));
        if (!lit(j, "}") || name == NULL || type == NULL) {
            free(name);
            free(type);
            return -1;
        }
        if (res->ncols == cap) {
            cap = cap ? 2 * cap : 8;
            res->names = realloc(res->names, cap * sizeof(char *));
            res->type_names = realloc(res->type_names, cap * sizeof(char *));
            res->types = realloc(res->types, cap * sizeof(floe_type_id));
            if (!res->names || !res->type_names || !res->types) return -1;
        }
        res->names[res->ncols] = name;
        res->type_names[res->ncols] = type;
        res->types[res->ncols] = type_of(type);
        res->ncols++;
    } while (lit(j, ","));
    return lit(j, "]") ? 0 : -1;
}

static int parse_data(jp *j, shell_remote_result *res)
{
    size_t cap = 0, n = 0;
    if (!lit(j, "[")) return -1;
    if (lit(j, "]")) return 0;
    do {
        uint32_t c = 0;
        if (!lit(j, "[")) return -1;
        if (!lit(j, "]")) {
            do {
                char *v;
                if (c >= res->ncols || jscalar(j, &v)) return -1;
                if (n == cap) {
                    char **nc;
                    cap = cap ? 2 * cap : 1024;
                    if ((nc = realloc(res->cells, cap * sizeof(char *))) == NULL) {
                        free(v);
                        return -1;
                    }
                    res->cells = nc;
                }
                res->cells[n++] = v;
                c++;
            } while (lit(j, ","));
            if (!lit(j, "]")) return -1;
        }
        if (c != res->ncols) return -1;
        res->nrows++;
    } while (lit(j, ","));
    return lit(j, "]") ? 0 : -1;
}

/* The server's answer into res; -1 when it is not what floe serve sends. */
static int parse_answer(const char *body, size_t len, shell_remote_result *res)
{
    jp j = {body, body + len};
    if (!lit(&j, "{")) return -1;
    if (lit(&j, "}")) return 0;
    do {
        char *k = jstring(&j);
        int bad = k == NULL || !lit(&j, ":");
        if (!bad && !strcmp(k, "columns")) bad = parse_columns(&j, res);
        else if (!bad && !strcmp(k, "data")) bad = parse_data(&j, res);
        else if (!bad && !strcmp(k, "error")) {
            if (lit(&j, "{")) { /* a mid-stream failure: {"message":..,"code":..} */
                j.p--;
                free(res->error);
                res->error = strdup("the server failed while sending the result");
                bad = jskip(&j);
            } else {
                free(res->error);
                bad = (res->error = jstring(&j)) == NULL;
            }
        } else if (!bad && !strcmp(k, "position")) {
            char *v = NULL;
            bad = jscalar(&j, &v);
            if (v) res->error_offset = atoi(v);
            free(v);
        } else if (!bad)
            bad = jskip(&j);
        free(k);
        if (bad) return -1;
    } while (lit(&j, ","));
    return lit(&j, "}") ? 0 : -1;
}

/* ------------------------------------------------------------ API */

int shell_remote_open(const char *url, const char *token, shell_remote **out, char *err, size_t cap)
{
    shell_remote *r;
    const char *h, *colon, *slash;
    reply rp;
    *out = NULL;
    if (!strncmp(url, "https://", 8)) {
        snprintf(err, cap, "https:// is not supported by the shell (use curl, or http:// on loopback)");
        return -1;
    }
    if (strncmp(url, "http://", 7) != 0) {
        snprintf(err, cap, "not an http:// URL: %s", url);
        return -1;
    }
    if ((r = calloc(1, sizeof *r)) == NULL) {
        snprintf(err, cap, "out of memory");
        return -1;
    }
    h = url + 7;
    slash = strchr(h, '/');
    if (slash == NULL) slash = h + strlen(h);
    colon = memchr(h, ':', (size_t)(slash - h));
    if (slash == h || (size_t)(slash - h) >= sizeof r->host || (colon && (size_t)(slash - colon - 1) >= sizeof r->port)) {
        snprintf(err, cap, "bad URL: %s", url);
        free(r);
        return -1;
    }
    memcpy(r->host, h, (size_t)((colon ? colon : slash) - h));
    if (colon) memcpy(r->port, colon + 1, (size_t)(slash - colon - 1));
    else strcpy(r->port, "8123");
    snprintf(r->name, sizeof r->name, "%s:%s", r->host, r->port);
    if (token && *token && (r->token = strdup(token)) == NULL) {
        snprintf(err, cap, "out of memory");
        free(r);
        return -1;
    }
    if (http(r, "GET", "/health", NULL, &rp, err, cap) != 0) {
        shell_remote_close(r);
        return -1;
    }
    if (rp.status != 200) {
        snprintf(err, cap, "%s answered %d to GET /health", r->name, rp.status);
        free(rp.body);
        shell_remote_close(r);
        return -1;
    }
    free(rp.body);
    *out = r;
    return 0;
}

const char *shell_remote_name(const shell_remote *r) { return r->name; }

void shell_remote_close(shell_remote *r)
{
    if (r == NULL) return;
    free(r->token);
    free(r);
}

void shell_remote_result_clear(shell_remote_result *res)
{
    uint64_t i;
    for (i = 0; i < res->nrows * res->ncols; i++) free(res->cells[i]);
    for (i = 0; i < res->ncols; i++) {
        free(res->names[i]);
        free(res->type_names[i]);
    }
    free(res->cells);
    free(res->names);
    free(res->type_names);
    free(res->types);
    free(res->error);
    memset(res, 0, sizeof *res);
    res->error_offset = -1;
}

int shell_remote_query(shell_remote *r, const char *sql, shell_remote_result *res)
{
    char err[512];
    reply rp;
    memset(res, 0, sizeof *res);
    res->error_offset = -1;
    if (http(r, "POST", "/v1/query?format=json", sql, &rp, err, sizeof err) != 0) {
        res->error = strdup(err);
        return -1;
    }
    if (parse_answer(rp.body, rp.len, res) != 0) {
        uint64_t rows = res->nrows;
        shell_remote_result_clear(res);
        (void)rows;
        snprintf(err, sizeof err, "%s answered %d with %s", r->name, rp.status,
                 rp.status == 200 ? "a malformed or truncated body" : "a body that is not floe's JSON");
        res->error = strdup(err);
        free(rp.body);
        return -1;
    }
    free(rp.body);
    if (res->error == NULL && rp.status != 200) {
        snprintf(err, sizeof err, "%s answered HTTP %d", r->name, rp.status);
        res->error = strdup(err);
    }
    return res->error ? -1 : 0;
}
