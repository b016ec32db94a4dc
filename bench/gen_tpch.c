/* bench/gen_tpch.c: the peers kit's lineitem stream, generated into column
 * arrays. The RNG call sequence mirrors gen_lineitem() in
 * ../shared/peers/gen_data.c; any change there must be copied here (the
 * test compares our CSV rendering with gen_data's output byte for byte). */
#include "bench/gen_tpch.h"

#include <math.h>
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

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rnext(uint64_t *rs)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

/* uniform integer in [lo, hi], multiply-shift as gen_data does */
static inline int64_t runi(uint64_t *rs, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(((unsigned __int128)rnext(rs) * span) >> 64);
}

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
    int i;
    if (!(sf > 0) || sf > 1000) return NULL;
    g = floe_calloc(1, sizeof *g);
    if (g == NULL) return NULL;
    for (i = 0; i < 4; i++) g->rs[i] = splitmix64(&seed);
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
    int target = (int)runi(rs, 10, 43), n = 0;
    while (n < target) {
        int64_t w = runi(rs, 0, NWORDS - 1);
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
        g->odate = runi(rs, g->startd, g->maxod);
        g->nlines = (int)runi(rs, 1, 7);
        g->ln = 1;
    }
    l->okey = g->okey;
    l->ln = g->ln++;
    l->pk = runi(rs, 1, g->nparts);
    {
        int64_t si = runi(rs, 0, 3);
        l->sk = (l->pk + si * (g->nsupp / 4 + (l->pk - 1) / g->nsupp)) % g->nsupp + 1;
    }
    l->q = runi(rs, 1, 50);
    pcents = 90000 + ((l->pk / 10) % 20001) + 100 * (l->pk % 1000);
    l->ext_cents = l->q * pcents;
    l->d = runi(rs, 0, 10);
    l->t = runi(rs, 0, 8);
    l->ship = g->odate + runi(rs, 1, 121);
    l->commit = g->odate + runi(rs, 30, 90);
    l->receipt = l->ship + runi(rs, 1, 30);
    l->rf = l->receipt <= g->curd ? (runi(rs, 0, 1) ? 4 : 0) : 2; /* R, A or N */
    l->ls = l->ship > g->curd ? 3 : 1;                              /* O or F */
    l->ins = (int)runi(rs, 0, 3);
    l->mode = (int)runi(rs, 0, 6);
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
