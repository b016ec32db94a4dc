/* server/auth.c: access tokens (contract in auth.h). */
#include "server/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MIN 16
#define TOKEN_MAX 256

struct floe_srv_token {
    unsigned char tok[TOKEN_MAX]; /* zero-padded */
    size_t len;
    floe_srv_role role;
    char **tables; /* NULL: every table */
    size_t ntables;
};

struct floe_srv_auth {
    floe_srv_token *t;
    size_t n;
};

static void token_clear(floe_srv_token *t)
{
    size_t i;
    for (i = 0; i < t->ntables; i++) free(t->tables[i]);
    free(t->tables);
}

void floe_srv_auth_free(floe_srv_auth *a)
{
    size_t i;
    if (a == NULL) return;
    for (i = 0; i < a->n; i++) token_clear(&a->t[i]);
    free(a->t);
    free(a);
}

/* 1 when a and b (each zero-padded to TOKEN_MAX) hold the same token:
 * every byte and the lengths are folded into one accumulator, no early
 * exit. */
static int ct_equal(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
    volatile unsigned char acc = 0;
    size_t i;
    for (i = 0; i < TOKEN_MAX; i++) acc |= (unsigned char)(a[i] ^ b[i]);
    acc |= (unsigned char)((alen ^ blen) & 0xff) | (unsigned char)(((alen ^ blen) >> 8) & 0xff);
    return acc == 0;
}

static int parse_tables(floe_srv_token *t, char *list)
{
    char *save = NULL, *p;
    for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char **nt;
        if (*p == '\0') continue;
        nt = realloc(t->tables, (t->ntables + 1) * sizeof *nt);
        if (nt == NULL) return -1;
        t->tables = nt;
        if ((t->tables[t->ntables] = strdup(p)) == NULL) return -1;
        t->ntables++;
    }
    return 0;
}

/* One line into *t; 0, or -1 with the reason in why. */
static int parse_line(char *line, floe_srv_token *t, const char **why)
{
    char *save = NULL, *tok, *role, *tables, *extra;
    size_t i;
    memset(t, 0, sizeof *t);
    tok = strtok_r(line, " \t", &save);
    role = strtok_r(NULL, " \t", &save);
    tables = strtok_r(NULL, " \t", &save);
    extra = strtok_r(NULL, " \t", &save);
    if (tok == NULL || role == NULL || extra != NULL) {
        *why = "want 'TOKEN ROLE [TABLE,TABLE...]'";
        return -1;
    }
    t->len = strlen(tok);
    if (t->len < TOKEN_MIN || t->len > TOKEN_MAX) {
        *why = "a token is 16 to 256 bytes";
        return -1;
    }
    for (i = 0; i < t->len; i++)
        if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f) {
            *why = "a token is printable ASCII without spaces";
            return -1;
        }
    memcpy(t->tok, tok, t->len);
    if (!strcmp(role, "read")) t->role = FLOE_SRV_READ;
    else if (!strcmp(role, "write")) t->role = FLOE_SRV_WRITE;
    else if (!strcmp(role, "admin")) t->role = FLOE_SRV_ADMIN;
    else {
        *why = "the role is read, write or admin";
        return -1;
    }
    if (tables) {
        if (t->role != FLOE_SRV_WRITE) {
            *why = "a table list is allowed with role write only";
            return -1;
        }
        if (parse_tables(t, tables) != 0) {
            token_clear(t);
            *why = "out of memory";
            return -1;
        }
        if (t->ntables == 0) {
            *why = "empty table list";
            return -1;
        }
    }
    return 0;
}

int floe_srv_auth_load(const char *path, floe_srv_auth **out, char *errbuf, size_t cap)
{
    FILE *f = fopen(path, "r");
    floe_srv_auth *a;
    char line[4096];
    unsigned lineno = 0;
    *out = NULL;
    if (f == NULL) {
        snprintf(errbuf, cap, "cannot read token file '%s'", path);
        return -1;
    }
    if ((a = calloc(1, sizeof *a)) == NULL) {
        fclose(f);
        snprintf(errbuf, cap, "out of memory");
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line), i;
        const char *why = NULL;
        floe_srv_token t, *nt;
        char *p = line;
        lineno++;
        if (l == sizeof line - 1 && line[l - 1] != '\n') why = "line too long";
        while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = '\0';
        while (*p == ' ' || *p == '\t') p++;
        if (why == NULL && (*p == '\0' || *p == '#')) continue;
        if (why == NULL && parse_line(p, &t, &why) == 0) {
            for (i = 0; i < a->n && why == NULL; i++)
                if (ct_equal(a->t[i].tok, a->t[i].len, t.tok, t.len)) why = "duplicate token";
            if (why == NULL && (nt = realloc(a->t, (a->n + 1) * sizeof *nt)) == NULL) why = "out of memory";
            if (why) token_clear(&t);
            else {
                a->t = nt;
                a->t[a->n++] = t;
            }
        }
        if (why) {
            snprintf(errbuf, cap, "%s:%u: %s", path, lineno, why);
            fclose(f);
            floe_srv_auth_free(a);
            return -1;
        }
    }
    fclose(f);
    if (a->n == 0) {
        snprintf(errbuf, cap, "%s: no tokens", path);
        floe_srv_auth_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

const floe_srv_token *floe_srv_auth_lookup(const floe_srv_auth *a, const char *authorization)
{
    unsigned char tok[TOKEN_MAX];
    const floe_srv_token *found = NULL;
    size_t len, i;
    if (a == NULL || authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0) return NULL;
    authorization += 7;
    while (*authorization == ' ') authorization++;
    len = strlen(authorization);
    while (len > 0 && authorization[len - 1] == ' ') len--;
    if (len < TOKEN_MIN || len > TOKEN_MAX) return NULL;
    memset(tok, 0, sizeof tok);
    memcpy(tok, authorization, len);
    /* every entry compared, the match kept without branching on the bytes */
    for (i = 0; i < a->n; i++) {
        int eq = ct_equal(a->t[i].tok, a->t[i].len, tok, len);
        if (eq && found == NULL) found = &a->t[i];
    }
    return found;
}

floe_srv_role floe_srv_token_role(const floe_srv_token *t) { return t->role; }

int floe_srv_token_limited(const floe_srv_token *t) { return t->tables != NULL; }

int floe_srv_token_may_ingest(const floe_srv_token *t, const char *table)
{
    size_t i;
    if (t->role < FLOE_SRV_WRITE) return 0;
    if (t->tables == NULL) return 1;
    for (i = 0; i < t->ntables; i++)
        if (!strcasecmp(t->tables[i], table)) return 1;
    return 0;
}
