/* bench/gen_tpch.c: the peers kit's lineitem stream, generated into column
 * arrays. The RNG call sequence mirrors gen_lineitem() in
 * ../shared/peers/gen_data.c; any change there must be copied here (the
 * test compares our CSV rendering with gen_data's output byte for byte). */
#include "bench/gen_tpch.h"
#include "datagen/rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

struct floe_gen_tpch {
    uint64_t rs[4];             /* xoshiro256** state */
    int64_t target;             /* total rows */
    int64_t rows;               /* rows produced so far */
    int64_t nparts, nsupp;      /* key domains */
    int64_t startd, curd, maxod; /* days since 1970-01-01 */
    int64_t oi;                 /* order index of the current order (1-based) */
    int64_t okey, odate;        /* current order */
    int nlines, ln;             /* lines of the current order, next line number */
    char comments[FLOE_GEN_TPCH_BATCH][48]; /* comment text of the last batch */
};

/* word pool of gen_data.c (TPC-H text grammar words), in the same order */
static const char *words[] = {
    "furiously", "carefully", "quickly", "blithely", "slyly", "fluffily", "slowly",
    "quietly", "ruthlessly", "thinly", "closely", "doggedly", "daringly", "bravely",
    "stealthily", "permanently", "enticingly", "idly", "busily", "regularly", "finally",
    "ironically", "evenly", "boldly", "silently",
    "furious", "sly", "careful", "blithe", "quick", "fluffy", "slow", "quiet", "ruthless",
    "thin", "close", "dogged", "daring", "brave", "stealthy", "permanent", "enticing",
    "idle", "busy", "regular", "final", "ironic", "even", "bold", "silent",
    "foxes", "ideas", "theodolites", "pinto", "beans", "instructions", "dependencies",
    "excuses", "platelets", "asymptotes", "courts", "dolphins", "multipliers",
    "sauternes", "warthogs", "frets", "dinos", "attainments", "somas", "Tiresias",
    "patterns", "forges", "braids", "hockey", "players", "frays", "warhorses",
    "dugouts", "notornis", "epitaphs", "pearls", "tithes", "waters", "orbits", "gifts",
    "sheaves", "depths", "sentiments", "decoys", "realms", "pains", "grouches",
    "escapades", "packages", "requests", "accounts", "deposits", "pending",
    "sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost", "affix", "detect",
    "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash",
    "promise", "engage", "hinder", "print", "x-ray", "breach", "eat", "grow",
    "impress", "mold", "poach", "serve", "run", "dazzle", "snooze", "doze", "unwind",
    "kindle", "play", "hang", "believe", "doubt",
    "about", "above", "according", "to", "across", "after", "against", "along",
    "among", "around", "at", "atop", "before", "behind", "beneath", "beside",
    "between", "beyond", "by", "despite", "during", "except", "for", "from", "inside",
    "into", "near", "of", "on", "outside", "over", "past", "since", "through",
    "toward", "under", "until", "up", "upon", "without", "with", "within", "the",
};
#define NWORDS ((int64_t)(sizeof(words) / sizeof(words[0])))
static const char *instr[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
static const char *modes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
static const char *flags[] = {"A", "F", "N", "O", "R"};





static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

floe_gen_tpch *floe_gen_tpch_new(double sf, uint64_t seed)
{
    floe_gen_tpch *g;
    if (!(sf > 0) || sf > 1000) return NULL;
    g = floe_calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    floe_rng_seed(g->rs, seed);
    g->target = llround(sf * 6001215.0);
    g->nparts = llround(sf * 200000.0);
    if (g->nparts < 1) g->nparts = 1;
    g->nsupp = llround(sf * 10000.0);
    if (g->nsupp < 4) g->nsupp = 4;
    g->startd = days_from_civil(1992, 1, 1);
    g->curd = days_from_civil(1995, 6, 17);
    g->maxod = days_from_civil(1998, 12, 31) - 151;
    g->ln = 1;
    g->nlines = 0; /* no order yet: the first row starts one */
    return g;
}

void floe_gen_tpch_free(floe_gen_tpch *g) { floe_free(g); }

int64_t floe_gen_tpch_rows(const floe_gen_tpch *g) { return g->target; }

static floe_string sstr(const char *s)
{
    floe_string r;
    r.ptr = s;
    r.len = (uint32_t)strlen(s);
    return r;
}

/* The comment: words from the pool up to a random target length, cut there,
 * trailing blanks dropped (gen_data's ocomment). Returns its length. */
static int comment(uint64_t *rs, char *out)
{
    char buf[128];
    int target = (int)floe_rng_uniform(rs, 10, 43), n = 0;
    while (n < target) {
        int64_t w = floe_rng_uniform(rs, 0, NWORDS - 1);
        size_t wl = strlen(words[w]);
        if (n) buf[n++] = ' ';
        memcpy(buf + n, words[w], wl);
        n += (int)wl;
    }
    n = target;
    while (n > 1 && buf[n - 1] == ' ') n--;
    memcpy(out, buf, (size_t)n);
    return n;
}

/* One line of the stream, with the integer values gen_data prints. */
typedef struct line {
    int64_t okey, pk, sk, q, ext_cents, d, t; /* ext in cents, d and t in percent */
    int64_t ship, commit, receipt;            /* days */
    int ln, rf, ls, ins, mode, clen;          /* rf/ls index flags[] */
} line;

/* Next line into *l (comment text into cbuf[48]); 0 when the stream is done. */
static int next_line(floe_gen_tpch *g, line *l, char *cbuf)
{
    uint64_t *rs = g->rs;
    int64_t pcents;
    if (g->rows >= g->target) return 0;
    if (g->ln > g->nlines) { /* next order: sparse key, 8 of every 32 */
        int64_t oi = ++g->oi;
        g->okey = ((oi - 1) >> 3) * 32 + ((oi - 1) & 7) + 1;
        g->odate = floe_rng_uniform(rs, g->startd, g->maxod);
        g->nlines = (int)floe_rng_uniform(rs, 1, 7);
        g->ln = 1;
    }
    l->okey = g->okey;
    l->ln = g->ln++;
    l->pk = floe_rng_uniform(rs, 1, g->nparts);
    {
        int64_t si = floe_rng_uniform(rs, 0, 3);
        l->sk = (l->pk + si * (g->nsupp / 4 + (l->pk - 1) / g->nsupp)) % g->nsupp + 1;
    }
    l->q = floe_rng_uniform(rs, 1, 50);
    pcents = 90000 + ((l->pk / 10) % 20001) + 100 * (l->pk % 1000);
    l->ext_cents = l->q * pcents;
    l->d = floe_rng_uniform(rs, 0, 10);
    l->t = floe_rng_uniform(rs, 0, 8);
    l->ship = g->odate + floe_rng_uniform(rs, 1, 121);
    l->commit = g->odate + floe_rng_uniform(rs, 30, 90);
    l->receipt = l->ship + floe_rng_uniform(rs, 1, 30);
    l->rf = l->receipt <= g->curd ? (floe_rng_uniform(rs, 0, 1) ? 4 : 0) : 2; /* R, A or N */
    l->ls = l->ship > g->curd ? 3 : 1;                              /* O or F */
    l->ins = (int)floe_rng_uniform(rs, 0, 3);
    l->mode = (int)floe_rng_uniform(rs, 0, 6);
    l->clen = comment(rs, cbuf);
    g->rows++;
    return 1;
}

uint32_t floe_gen_tpch_lineitem(floe_gen_tpch *g, uint32_t n, void *const data[16])
{
    int64_t *okey = data[0], *pkey = data[1], *skey = data[2];
    int32_t *lnum = data[3];
    double *qty = data[4], *ext = data[5], *disc = data[6], *tax = data[7];
    floe_string *rflag = data[8], *lstat = data[9];
    int32_t *shipd = data[10], *commitd = data[11], *receiptd = data[12];
    floe_string *sinstr = data[13], *smode = data[14], *cmt = data[15];
    uint32_t i;
    line l;

    if (n > FLOE_GEN_TPCH_BATCH) n = FLOE_GEN_TPCH_BATCH;
    for (i = 0; i < n && next_line(g, &l, g->comments[i]); i++) {
        okey[i] = l.okey;
        pkey[i] = l.pk;
        skey[i] = l.sk;
        lnum[i] = l.ln;
        qty[i] = (double)l.q;
        ext[i] = (double)l.ext_cents / 100.0;
        disc[i] = (double)l.d / 100.0;
        tax[i] = (double)l.t / 100.0;
        rflag[i] = sstr(flags[l.rf]);
        lstat[i] = sstr(flags[l.ls]);
        shipd[i] = (int32_t)l.ship;
        commitd[i] = (int32_t)l.commit;
        receiptd[i] = (int32_t)l.receipt;
        sinstr[i] = sstr(instr[l.ins]);
        smode[i] = sstr(modes[l.mode]);
        cmt[i].ptr = g->comments[i];
        cmt[i].len = (uint32_t)l.clen;
    }
    return i;
}

/* ---------------- the other seven tables (gen_data.c gen_tpch) ---------------- */

static const char *const prios[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
static const char *const status_txt[] = {"F", "O", "P"};
static const struct {
    const char *name;
    int region;
} nations[25] = {{"ALGERIA", 0},   {"ARGENTINA", 1},  {"BRAZIL", 1},     {"CANADA", 1},
                 {"EGYPT", 4},     {"ETHIOPIA", 0},   {"FRANCE", 3},     {"GERMANY", 3},
                 {"INDIA", 2},     {"INDONESIA", 2},  {"IRAN", 4},       {"IRAQ", 4},
                 {"JAPAN", 2},     {"JORDAN", 4},     {"KENYA", 0},      {"MOROCCO", 0},
                 {"MOZAMBIQUE", 0}, {"PERU", 1},      {"CHINA", 2},      {"ROMANIA", 3},
                 {"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3},     {"UNITED KINGDOM", 3},
                 {"UNITED STATES", 1}};
static const char *const regions[5] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
static const char *const segments[5] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"};
static const char *const type1[6] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const type2[5] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const type3[5] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const cont1[5] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const cont2[8] = {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"};
static const char *const colors[] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
    "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
    "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
    "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew",
    "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen",
    "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo",
    "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
    "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
    "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
    "turquoise", "violet", "wheat", "white", "yellow"};
#define NCOLORS ((int)(sizeof(colors) / sizeof(colors[0])))
static const char valpha[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._";
static const char *const tables[8] = {"lineitem", "orders", "customer", "part",
                                      "supplier", "partsupp", "nation", "region"};

#define ROW_TEXT 640 /* text bytes one row may need, at most */

struct floe_gen_tpch_table {
    int kind;                  /* index in tables[] (1..7) */
    uint64_t rs[4];            /* this table's stream */
    int64_t rows, done;        /* rows of the table (-1: orders), rows produced */
    int64_t ncust, nclerk, nparts, nsupp;
    floe_gen_tpch *li;         /* orders: the lineitem stream it follows */
    unsigned char *mark;       /* supplier: 1 Complaints, 2 Recommends */
    int64_t ps_pk;             /* partsupp: current part, and its next supplier index */
    int ps_i;
    char *text;                /* FLOE_GEN_TPCH_BATCH * ROW_TEXT bytes */
    size_t used;
};

static int64_t at_least(int64_t v, int64_t lo) { return v < lo ? lo : v; }

static void seed_stream(uint64_t rs[4], uint64_t seed)
{
    int i;
    for (i = 0; i < 4; i++) rs[i] = floe_rng_splitmix64(&seed);
}

floe_gen_tpch_table *floe_gen_tpch_table_new(const char *name, double sf, uint64_t seed)
{
    floe_gen_tpch_table *t;
    int k;
    for (k = 1; k < 8 && strcmp(name, tables[k]) != 0; k++) {
    }
    if (k == 8 || !(sf > 0) || sf > 1000) return NULL;
    t = floe_calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->kind = k;
    seed_stream(t->rs, seed + 1000003ULL * (uint64_t)k);
    t->ncust = at_least(llround(sf * 150000.0), 1);
    t->nclerk = at_least(llround(sf * 1000.0), 1);
    t->nparts = at_least(llround(sf * 200000.0), 1);
    t->nsupp = at_least(llround(sf * 10000.0), 4);
    t->ps_pk = 1;
    t->text = floe_malloc((size_t)FLOE_GEN_TPCH_BATCH * ROW_TEXT);
    if (t->text == NULL) goto fail;
    switch (k) {
    case 1:
        t->rows = -1;
        if ((t->li = floe_gen_tpch_new(sf, seed)) == NULL) goto fail;
        break;
    case 2: t->rows = t->ncust; break;
    case 3: t->rows = t->nparts; break;
    case 4: {
        int64_t nmark = at_least(llround(sf * 5.0), 1), got;
        int kind;
        if (nmark * 2 > t->nsupp) nmark = t->nsupp / 2;
        t->rows = t->nsupp;
        if ((t->mark = floe_calloc((size_t)t->nsupp + 1, 1)) == NULL) goto fail;
        for (kind = 1; kind <= 2; kind++)
            for (got = 0; got < nmark;) {
                int64_t key = floe_rng_uniform(t->rs, 1, t->nsupp);
                if (!t->mark[key]) {
                    t->mark[key] = (unsigned char)kind;
                    got++;
                }
            }
        break;
    }
    case 5: t->rows = t->nparts * 4; break;
    case 6: t->rows = 25; break;
    default: t->rows = 5; break;
    }
    return t;
fail:
    floe_gen_tpch_table_free(t);
    return NULL;
}

void floe_gen_tpch_table_free(floe_gen_tpch_table *t)
{
    if (t == NULL) return;
    floe_gen_tpch_free(t->li);
    floe_free(t->mark);
    floe_free(t->text);
    floe_free(t);
}

int64_t floe_gen_tpch_table_rows(const floe_gen_tpch_table *t) { return t->rows; }

/* text helpers: write into the batch's text buffer, return the string */
static floe_string put_text(floe_gen_tpch_table *t, const char *s, size_t n)
{
    floe_string r;
    memcpy(t->text + t->used, s, n);
    r.ptr = t->text + t->used;
    r.len = (uint32_t)n;
    t->used += n;
    return r;
}

static floe_string fmt_text(floe_gen_tpch_table *t, const char *fmt, long long v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, fmt, v);
    return put_text(t, buf, (size_t)n);
}

/* gen_data text_fill: words to a random target length, cut, trailing blank dropped */
static int text_fill(uint64_t *rs, char *buf, int minlen, int maxlen)
{
    int target = (int)floe_rng_uniform(rs, minlen, maxlen), n = 0;
    while (n < target) {
        int64_t w = floe_rng_uniform(rs, 0, NWORDS - 1);
        size_t wl = strlen(words[w]);
        if (n) buf[n++] = ' ';
        memcpy(buf + n, words[w], wl);
        n += (int)wl;
    }
    n = target;
    while (n > 1 && buf[n - 1] == ' ') n--;
    return n;
}

static floe_string text(floe_gen_tpch_table *t, int minlen, int maxlen)
{
    char buf[256];
    int n = text_fill(t->rs, buf, minlen, maxlen);
    return put_text(t, buf, (size_t)n);
}

static floe_string vstr(floe_gen_tpch_table *t, int minlen, int maxlen)
{
    char buf[64];
    int n = (int)floe_rng_uniform(t->rs, minlen, maxlen), i;
    for (i = 0; i < n; i++) buf[i] = valpha[floe_rng_uniform(t->rs, 0, 63)];
    return put_text(t, buf, (size_t)n);
}

static floe_string phone(floe_gen_tpch_table *t, int64_t nk)
{
    char buf[32];
    int64_t a = floe_rng_uniform(t->rs, 100, 999), b, c;
    int n;
    b = floe_rng_uniform(t->rs, 100, 999);
    c = floe_rng_uniform(t->rs, 1000, 9999);
    n = snprintf(buf, sizeof buf, "%lld-%lld-%lld-%lld", (long long)(nk + 10), (long long)a,
                 (long long)b, (long long)c);
    return put_text(t, buf, (size_t)n);
}

#define COL(type, c) (((type *)data[c])[i])

static int orders_row(floe_gen_tpch_table *t, void *const *data, uint32_t i)
{
    char cbuf[48], obuf[128];
    int64_t tot = 0, r, ck, clerk;
    int nf = 0, nl = 0, pr, cn;
    line l;
    int32_t odate = 0;
    /* the order's lines, from the lineitem stream */
    do {
        if (!next_line(t->li, &l, cbuf)) break;
        odate = (int32_t)t->li->odate;
        tot += l.ext_cents * (100 - l.d) * (100 + l.t);
        nf += l.ls == 1;
        nl++;
    } while (t->li->ln <= t->li->nlines);
    if (nl == 0) return 0;
    r = floe_rng_uniform(t->rs, 0, t->ncust - t->ncust / 3 - 1);
    ck = (r / 2) * 3 + (r % 2) + 1;
    pr = (int)floe_rng_uniform(t->rs, 0, 4);
    clerk = floe_rng_uniform(t->rs, 1, t->nclerk);
    cn = text_fill(t->rs, obuf, 19, 78);
    COL(int64_t, 0) = l.okey;
    COL(int64_t, 1) = ck;
    COL(floe_string, 2) = sstr(status_txt[nf == nl ? 0 : nf == 0 ? 1 : 2]);
    COL(double, 3) = (double)((tot + 5000) / 10000) / 100.0;
    COL(int32_t, 4) = odate;
    COL(floe_string, 5) = sstr(prios[pr]);
    COL(floe_string, 6) = fmt_text(t, "Clerk#%09lld", clerk);
    COL(int32_t, 7) = 0;
    COL(floe_string, 8) = put_text(t, obuf, (size_t)cn);
    return 1;
}

static void customer_row(floe_gen_tpch_table *t, void *const *data, uint32_t i)
{
    int64_t ck = t->done + 1, nk = floe_rng_uniform(t->rs, 0, 24);
    COL(int64_t, 0) = ck;
    COL(floe_string, 1) = fmt_text(t, "Customer#%09lld", ck);
    COL(floe_string, 2) = vstr(t, 10, 40);
    COL(int32_t, 3) = (int32_t)nk;
    COL(floe_string, 4) = phone(t, nk);
    COL(double, 5) = (double)floe_rng_uniform(t->rs, -99999, 999999) / 100.0;
    COL(floe_string, 6) = sstr(segments[floe_rng_uniform(t->rs, 0, 4)]);
    COL(floe_string, 7) = text(t, 29, 116);
}

static void part_row(floe_gen_tpch_table *t, void *const *data, uint32_t i)
{
    int64_t pk = t->done + 1;
    int w[5], j, k, again, m, b, t1, t2, t3, size, c1, c2;
    char buf[160];
    size_t n = 0;
    for (j = 0; j < 5; j++) { /* five distinct colours */
        do {
            w[j] = (int)floe_rng_uniform(t->rs, 0, NCOLORS - 1);
            again = 0;
            for (k = 0; k < j; k++) again |= w[k] == w[j];
        } while (again);
    }
    m = (int)floe_rng_uniform(t->rs, 1, 5);
    b = (int)floe_rng_uniform(t->rs, 1, 5);
    t1 = (int)floe_rng_uniform(t->rs, 0, 5);
    t2 = (int)floe_rng_uniform(t->rs, 0, 4);
    t3 = (int)floe_rng_uniform(t->rs, 0, 4);
    size = (int)floe_rng_uniform(t->rs, 1, 50);
    c1 = (int)floe_rng_uniform(t->rs, 0, 4);
    c2 = (int)floe_rng_uniform(t->rs, 0, 7);
    for (j = 0; j < 5; j++) n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", j ? " " : "", colors[w[j]]);
    COL(int64_t, 0) = pk;
    COL(floe_string, 1) = put_text(t, buf, n);
    COL(floe_string, 2) = fmt_text(t, "Manufacturer#%lld", m);
    COL(floe_string, 3) = fmt_text(t, "Brand#%lld", m * 10 + b);
    n = (size_t)snprintf(buf, sizeof buf, "%s %s %s", type1[t1], type2[t2], type3[t3]);
    COL(floe_string, 4) = put_text(t, buf, n);
    COL(int32_t, 5) = size;
    n = (size_t)snprintf(buf, sizeof buf, "%s %s", cont1[c1], cont2[c2]);
    COL(floe_string, 6) = put_text(t, buf, n);
    COL(double, 7) = (double)(90000 + ((pk / 10) % 20001) + 100 * (pk % 1000)) / 100.0;
    COL(floe_string, 8) = text(t, 5, 22);
}

static void supplier_row(floe_gen_tpch_table *t, void *const *data, uint32_t i)
{
    int64_t sk = t->done + 1, nk = floe_rng_uniform(t->rs, 0, 24);
    char buf[256];
    int n;
    COL(int64_t, 0) = sk;
    COL(floe_string, 1) = fmt_text(t, "Supplier#%09lld", sk);
    COL(floe_string, 2) = vstr(t, 10, 40);
    COL(int32_t, 3) = (int32_t)nk;
    COL(floe_string, 4) = phone(t, nk);
    COL(double, 5) = (double)floe_rng_uniform(t->rs, -99999, 999999) / 100.0;
    n = text_fill(t->rs, buf, 25, 100);
    if (t->mark[sk]) { /* "Customer" <gap> "Complaints"/"Recommends" at a random spot */
        const char *tail = t->mark[sk] == 1 ? "Complaints" : "Recommends";
        int gap = (int)floe_rng_uniform(t->rs, 0, n - 18), pos = (int)floe_rng_uniform(t->rs, 0, n - 18 - gap);
        memcpy(buf + pos, "Customer", 8);
        memcpy(buf + pos + 8 + gap, tail, 10);
    }
    COL(floe_string, 6) = put_text(t, buf, (size_t)n);
}

static void partsupp_row(floe_gen_tpch_table *t, void *const *data, uint32_t i)
{
    int64_t pk = t->ps_pk, ns = t->nsupp;
    COL(int64_t, 0) = pk;
    COL(int64_t, 1) = (pk + t->ps_i * (ns / 4 + (pk - 1) / ns)) % ns + 1;
    COL(int32_t, 2) = (int32_t)floe_rng_uniform(t->rs, 1, 9999);
    COL(double, 3) = (double)floe_rng_uniform(t->rs, 100, 100000) / 100.0;
    COL(floe_string, 4) = text(t, 49, 198);
    if (++t->ps_i == 4) {
        t->ps_i = 0;
        t->ps_pk++;
    }
}

uint32_t floe_gen_tpch_table_next(floe_gen_tpch_table *t, uint32_t n, void *const *data)
{
    uint32_t i;
    if (n > FLOE_GEN_TPCH_BATCH) n = FLOE_GEN_TPCH_BATCH;
    t->used = 0;
    for (i = 0; i < n; i++, t->done++) {
        if (t->rows >= 0 && t->done >= t->rows) break;
        switch (t->kind) {
        case 1:
            if (!orders_row(t, data, i)) return i;
            break;
        case 2: customer_row(t, data, i); break;
        case 3: part_row(t, data, i); break;
        case 4: supplier_row(t, data, i); break;
        case 5: partsupp_row(t, data, i); break;
        case 6:
            COL(int32_t, 0) = (int32_t)t->done;
            COL(floe_string, 1) = sstr(nations[t->done].name);
            COL(int32_t, 2) = nations[t->done].region;
            COL(floe_string, 3) = text(t, 31, 114);
            break;
        default:
            COL(int32_t, 0) = (int32_t)t->done;
            COL(floe_string, 1) = sstr(regions[t->done]);
            COL(floe_string, 2) = text(t, 31, 115);
        }
    }
    return i;
}
