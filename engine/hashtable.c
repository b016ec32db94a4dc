/* engine/hashtable.c: key -> id hash tables (see hashtable.h). */
#include "engine/hashtable.h"

#include <math.h>
#include <string.h>

#include "util/hash.h"
#include "util/mem.h"

#define HT_NULL_HASH 0x5bd1e9955bd1e995ULL

static int is_int_like(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DECIMAL: return 1;
    default: return 0;
    }
}

static inline int64_t load_int(const floe_vec *v, uint32_t r)
{
    switch ((floe_type_id)v->type.id) {
    case FLOE_TYPE_BOOLEAN: return ((const uint8_t *)v->data)[r];
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: return ((const int32_t *)v->data)[r];
    default: return ((const int64_t *)v->data)[r];
    }
}

static inline uint64_t double_bits(double d)
{
    uint64_t u;
    if (d == 0) d = 0; /* -0.0 -> 0.0 */
    if (isnan(d)) d = NAN;
    memcpy(&u, &d, sizeof u);
    return u;
}

static int alloc_slots(floe_hashtable *ht, uint64_t n)
{
    ht->nslots = n;
    if (ht->int_mode) {
        ht->islots = floe_calloc(n, sizeof *ht->islots);
        return ht->islots ? FLOE_OK : FLOE_NOMEM;
    }
    ht->slots = floe_calloc(n, sizeof *ht->slots);
    return ht->slots ? FLOE_OK : FLOE_NOMEM;
}

int floe_hashtable_init(floe_hashtable *ht, uint32_t nkeys, const floe_type *types, floe_err *err)
{
    int rc;
    memset(ht, 0, sizeof *ht);
    ht->nkeys = nkeys;
    ht->null_id = FLOE_HT_NONE;
    ht->int_mode = nkeys == 1 && is_int_like(types[0]);
    rc = floe_exec_rows_init(&ht->keys, nkeys, types, err);
    if (rc) return rc;
    ht->hbuf = floe_malloc(FLOE_VEC_SIZE * sizeof *ht->hbuf);
    if (ht->hbuf == NULL || alloc_slots(ht, 64) != FLOE_OK) {
        floe_hashtable_free(ht);
        return floe_err_nomem(err);
    }
    if (ht->int_mode) {
        ht->direct = floe_calloc(FLOE_HT_DIRECT, sizeof *ht->direct);
        if (ht->direct == NULL) {
            floe_hashtable_free(ht);
            return floe_err_nomem(err);
        }
    }
    return FLOE_OK;
}

void floe_hashtable_free(floe_hashtable *ht)
{
    if (ht == NULL) return;
    floe_free(ht->memo);
    floe_free(ht->dmap);
    floe_free(ht->dscratch);
    floe_exec_rows_free(&ht->keys);
    floe_free(ht->slots);
    floe_free(ht->islots);
    floe_free(ht->direct);
    floe_free(ht->hbuf);
    floe_free(ht->bloom);
    memset(ht, 0, sizeof *ht);
}

/* The bloom word and bits of hash h (the slot index uses the low bits). */
#define BLOOM_WORD(ht, h) (((h) >> 40) & (ht)->bloom_mask)
#define BLOOM_BITS(h) ((1ULL << ((h) & 63)) | (1ULL << (((h) >> 6) & 63)))

int floe_hashtable_seal_bloom(floe_hashtable *ht, floe_err *err)
{
    uint64_t words = 64, s;
    if (!ht->int_mode || ht->nslots < 8192 || ht->bloom) return FLOE_OK;
    while (words * 64 < (uint64_t)ht->count * 8) words *= 2;
    ht->bloom = floe_calloc(words, sizeof *ht->bloom);
    if (ht->bloom == NULL) return floe_err_nomem(err);
    ht->bloom_mask = words - 1;
    for (s = 0; s < ht->nslots; s++)
        if (ht->islots[s].id1) {
            uint64_t h = floe_hash_u64((uint64_t)ht->islots[s].key);
            ht->bloom[BLOOM_WORD(ht, h)] |= BLOOM_BITS(h);
        }
    return FLOE_OK;
}

size_t floe_hashtable_bytes(const floe_hashtable *ht)
{
    size_t b = floe_exec_rows_bytes(&ht->keys);
    b += ht->int_mode ? ht->nslots * sizeof *ht->islots : ht->nslots * sizeof *ht->slots;
    if (ht->direct) b += FLOE_HT_DIRECT * sizeof *ht->direct;
    if (ht->bloom) b += (ht->bloom_mask + 1) * sizeof *ht->bloom;
    return b;
}

void floe_hashtable_hash_rows(const floe_vec *cols, uint32_t ncols, uint32_t n, const uint32_t *sel,
                              uint32_t nsel, uint64_t *out)
{
    uint32_t live = sel ? nsel : n, c, k;
    for (k = 0; k < live; k++) out[k] = 0x9e3779b97f4a7c15ULL;
    for (c = 0; c < ncols; c++) {
        const floe_vec *v = &cols[c];
        int cst = (v->flags & FLOE_VEC_CONST) != 0;
        for (k = 0; k < live; k++) {
            uint32_t r = cst ? 0 : (sel ? sel[k] : k);
            uint64_t h;
            if (!floe_vec_is_valid(v, r)) {
                h = HT_NULL_HASH;
            } else {
                switch ((floe_type_id)v->type.id) {
                case FLOE_TYPE_DOUBLE:
                    h = floe_hash_u64(double_bits(((const double *)v->data)[r]));
                    break;
                case FLOE_TYPE_VARCHAR: {
                    floe_string s = ((const floe_string *)v->data)[r];
                    h = floe_hash64(s.ptr, s.len);
                    break;
                }
                case FLOE_TYPE_INTERVAL:
                    h = floe_hash64((const floe_interval *)v->data + r, sizeof(floe_interval));
                    break;
                default: h = floe_hash_u64((uint64_t)load_int(v, r)); break;
                }
            }
            out[k] = c == 0 ? h : floe_hash_combine(out[k], h);
        }
    }
}

/* Row r of keys equals stored key id? NULL equals NULL. */
static int key_eq(const floe_hashtable *ht, const floe_vec *keys, uint32_t r, uint32_t id)
{
    uint32_t c;
    for (c = 0; c < ht->nkeys; c++) {
        const floe_vec *v = &keys[c];
        uint32_t vr = floe_exec_vrow(v, r);
        int va = floe_vec_is_valid(v, vr), vb = floe_exec_rows_is_valid(&ht->keys, c, id);
        const void *sd = ht->keys.data[c];
        if (va != vb) return 0;
        if (!va) continue;
        switch ((floe_type_id)v->type.id) {
        case FLOE_TYPE_DOUBLE:
            if (double_bits(((const double *)v->data)[vr]) != double_bits(((const double *)sd)[id]))
                return 0;
            break;
        case FLOE_TYPE_VARCHAR: {
            floe_string a = ((const floe_string *)v->data)[vr], b = ((const floe_string *)sd)[id];
            if (a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len) != 0)) return 0;
            break;
        }
        default: {
            size_t w = ht->keys.widths[c];
            if (memcmp((const char *)v->data + (size_t)vr * w, (const char *)sd + (size_t)id * w,
                       w) != 0)
                return 0;
        }
        }
    }
    return 1;
}

static int grow(floe_hashtable *ht)
{
    uint64_t old_n = ht->nslots, i;
    uint64_t mask = old_n * 2 - 1;
    if (ht->int_mode) {
        struct floe_ht_islot *old = ht->islots;
        if (alloc_slots(ht, old_n * 2) != FLOE_OK) {
            ht->islots = old;
            ht->nslots = old_n;
            return FLOE_NOMEM;
        }
        for (i = 0; i < old_n; i++) {
            uint64_t s;
            if (!old[i].id1) continue;
            s = floe_hash_u64((uint64_t)old[i].key) & mask;
            while (ht->islots[s].id1) s = (s + 1) & mask;
            ht->islots[s] = old[i];
        }
        floe_free(old);
    } else {
        struct floe_ht_slot *old = ht->slots;
        if (alloc_slots(ht, old_n * 2) != FLOE_OK) {
            ht->slots = old;
            ht->nslots = old_n;
            return FLOE_NOMEM;
        }
        for (i = 0; i < old_n; i++) {
            uint64_t s;
            if (!old[i].used) continue;
            s = old[i].hash & mask;
            while (ht->slots[s].used) s = (s + 1) & mask;
            ht->slots[s] = old[i];
        }
        floe_free(old);
    }
    return FLOE_OK;
}

/* Append key row r as a new id. */
static int add_key(floe_hashtable *ht, const floe_vec *keys, uint32_t r, uint32_t *out_id,
                   floe_err *err)
{
    uint32_t one = r;
    int rc = floe_exec_rows_append(&ht->keys, keys, r + 1, &one, 1, err);
    if (rc) return rc;
    *out_id = ht->count++;
    return FLOE_OK;
}

static int lookup(floe_hashtable *ht, const floe_vec *keys, uint32_t r, uint64_t h, int insert,
                  uint32_t *out_id, floe_err *err)
{
    uint64_t mask, s;
    int rc;
    if (ht->int_mode) {
        const floe_vec *v = &keys[0];
        uint32_t vr = floe_exec_vrow(v, r);
        int64_t key;
        if (!floe_vec_is_valid(v, vr)) {
            if (ht->null_id == FLOE_HT_NONE && insert) {
                rc = add_key(ht, keys, r, &ht->null_id, err);
                if (rc) return rc;
            }
            *out_id = ht->null_id;
            return FLOE_OK;
        }
        key = load_int(v, vr);
        if (key >= 0 && key < FLOE_HT_DIRECT) {
            uint32_t id1 = ht->direct[key];
            if (id1 == 0 && insert) {
                rc = add_key(ht, keys, r, &id1, err);
                if (rc) return rc;
                ht->direct[key] = ++id1;
            }
            *out_id = id1 ? id1 - 1 : FLOE_HT_NONE;
            return FLOE_OK;
        }
        mask = ht->nslots - 1;
        /* h: the key's hash when the caller computed it (0: compute it) */
        s = (h ? h : floe_hash_u64((uint64_t)key)) & mask;
        while (ht->islots[s].id1) {
            if (ht->islots[s].key == key) {
                *out_id = ht->islots[s].id1 - 1;
                return FLOE_OK;
            }
            s = (s + 1) & mask;
        }
        if (!insert) {
            *out_id = FLOE_HT_NONE;
            return FLOE_OK;
        }
        rc = add_key(ht, keys, r, out_id, err);
        if (rc) return rc;
        ht->islots[s].key = key;
        ht->islots[s].id1 = *out_id + 1;
    } else {
        mask = ht->nslots - 1;
        s = h & mask;
        while (ht->slots[s].used) {
            if (ht->slots[s].hash == h && key_eq(ht, keys, r, ht->slots[s].id)) {
                *out_id = ht->slots[s].id;
                return FLOE_OK;
            }
            s = (s + 1) & mask;
        }
        if (!insert) {
            *out_id = FLOE_HT_NONE;
            return FLOE_OK;
        }
        rc = add_key(ht, keys, r, out_id, err);
        if (rc) return rc;
        ht->slots[s].hash = h;
        ht->slots[s].id = *out_id;
        ht->slots[s].used = 1;
    }
    if (++ht->nused * 2 > ht->nslots && grow(ht) != FLOE_OK) return floe_err_nomem(err);
    return FLOE_OK;
}

/* Integer-key insert of a whole batch: width, validity and constness are
 * resolved once; keys in the direct range cost one load. */
static int insert_int_batch(floe_hashtable *ht, const floe_vec *v, uint32_t n, const uint32_t *sel,
                            uint32_t nsel, uint32_t *out_ids, floe_err *err)
{
    uint32_t live = sel ? nsel : n, k;
    size_t w = floe_type_size(v->type);
    int cst = (v->flags & FLOE_VEC_CONST) != 0;
    uint64_t *hb = ht->hbuf;
    int rc;
#define KEY_AT(r)                                                                          \
    (w == 8 ? ((const int64_t *)v->data)[r]                                                \
            : w == 4 ? ((const int32_t *)v->data)[r] : ((const uint8_t *)v->data)[r])
    /* hash first (0 for keys the direct array or the NULL id serve), so the
     * probe loop can prefetch the slot of a row a few rows ahead: large
     * tables miss the cache on nearly every probe */
    for (k = 0; k < live; k++) {
        uint32_t r = cst ? 0 : (sel ? sel[k] : k);
        int64_t key = KEY_AT(r);
        hb[k] = (uint64_t)key < FLOE_HT_DIRECT ? 0 : floe_hash_u64((uint64_t)key);
    }
    for (k = 0; k < live; k++) {
        uint32_t r = cst ? 0 : (sel ? sel[k] : k);
        int64_t key;
        uint32_t id1;
        if (k + 16 < live && hb[k + 16])
            __builtin_prefetch(&ht->islots[hb[k + 16] & (ht->nslots - 1)]);
        if (v->validity && !((v->validity[r >> 6] >> (r & 63)) & 1)) {
            rc = lookup(ht, v, r, 0, 1, &out_ids[k], err);
            if (rc) return rc;
            continue;
        }
        key = KEY_AT(r);
        if ((uint64_t)key < FLOE_HT_DIRECT && (id1 = ht->direct[key]) != 0) {
            out_ids[k] = id1 - 1;
            continue;
        }
        rc = lookup(ht, v, r, hb[k], 1, &out_ids[k], err);
        if (rc) return rc;
    }
#undef KEY_AT
    return FLOE_OK;
}


/* ------------------------------------------------ batch-local VARCHAR memo */

#define MEMO_BITS 10                 /* address table slots: 1024 */
#define MEMO_MAX_CODES 128           /* distinct addresses per column and batch */
#define MEMO_MAX_KEYS 4
#define MEMO_MAX_COMBOS 4096         /* product of the columns' code counts */

struct floe_ht_memo {
    struct memo_ent { const char *ptr; uint32_t len; uint32_t gen; uint32_t code; uint32_t pad; }
        ent[1u << MEMO_BITS];
    uint32_t gen;                    /* current generation of ent (0: never used) */
    uint16_t codes[MEMO_MAX_KEYS][FLOE_VEC_SIZE];
    uint32_t combo[MEMO_MAX_COMBOS]; /* id + 1 of a combination in this batch, 0 unseen */
    uint16_t touched[FLOE_VEC_SIZE]; /* combinations set in combo */
};

/* Code the live rows of VARCHAR vector v by string address into codes[];
 * returns the number of codes, or 0 when there are more than MEMO_MAX_CODES. */
static uint32_t memo_code_col(struct floe_ht_memo *m, const floe_vec *v, uint32_t live,
                              const uint32_t *sel, uint16_t *codes)
{
    const floe_string *d = v->data;
    uint32_t k, card = 0, null_code = UINT32_MAX;
    const uint32_t mask = (1u << MEMO_BITS) - 1;
    if (v->flags & FLOE_VEC_CONST) {
        for (k = 0; k < live; k++) codes[k] = 0;
        return 1;
    }
    if (v->dict.codes && v->dict.nentries < MEMO_MAX_CODES) {
        /* the dictionary's codes already number the values; NULL gets the
         * code after the last entry */
        const uint32_t *dc = v->dict.codes;
        uint32_t nul = v->dict.nentries;
        for (k = 0; k < live; k++) {
            uint32_t r = sel ? sel[k] : k;
            codes[k] = (uint16_t)(v->validity && !((v->validity[r >> 6] >> (r & 63)) & 1) ? nul : dc[r]);
        }
        return nul + 1;
    }
    if (++m->gen == 0) {
        memset(m->ent, 0, sizeof m->ent);
        m->gen = 1;
    }
    for (k = 0; k < live; k++) {
        uint32_t r = sel ? sel[k] : k, s;
        const char *p;
        uint32_t len;
        if (v->validity && !((v->validity[r >> 6] >> (r & 63)) & 1)) {
            if (null_code == UINT32_MAX) {
                if (card == MEMO_MAX_CODES) return 0;
                null_code = card++;
            }
            codes[k] = (uint16_t)null_code;
            continue;
        }
        p = d[r].ptr;
        len = d[r].len;
        s = (uint32_t)(((uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS));
        for (;;) {
            struct memo_ent *e = &m->ent[s];
            if (e->gen != m->gen) {
                if (card == MEMO_MAX_CODES) return 0;
                e->gen = m->gen;
                e->ptr = p;
                e->len = len;
                e->code = card++;
                codes[k] = (uint16_t)e->code;
                break;
            }
            if (e->ptr == p && e->len == len) {
                codes[k] = (uint16_t)e->code;
                break;
            }
            s = (s + 1) & mask;
        }
    }
    return card;
}

/* Memoized insert (see floe_hashtable_insert): FLOE_OK with *done set when
 * the batch was handled, *done clear when the caller must take the slow path. */
static int insert_memo(floe_hashtable *ht, const floe_vec *keys, uint32_t n, const uint32_t *sel,
                       uint32_t nsel, uint32_t *out_ids, int *done, floe_err *err)
{
    struct floe_ht_memo *m = ht->memo;
    uint32_t live = sel ? nsel : n, c, k, ntouched = 0, mult = 1;
    uint32_t cards[MEMO_MAX_KEYS];
    int rc = FLOE_OK;
    *done = 0;
    (void)n;
    if (m == NULL) {
        m = ht->memo = floe_calloc(1, sizeof *m);
        if (m == NULL) return floe_err_nomem(err);
    }
    ht->memo_tries++;
    for (c = 0; c < ht->nkeys; c++) {
        cards[c] = memo_code_col(m, &keys[c], live, sel, m->codes[c]);
        if (cards[c] == 0 || (mult *= cards[c]) > MEMO_MAX_COMBOS) {
            ht->memo_fails++;
            return FLOE_OK;
        }
    }
    /* fold the columns' codes into one combination code per row (codes[0]) */
    mult = cards[0];
    for (c = 1; c < ht->nkeys; c++) {
        for (k = 0; k < live; k++)
            m->codes[0][k] = (uint16_t)(m->codes[0][k] + mult * m->codes[c][k]);
        mult *= cards[c];
    }
    for (k = 0; k < live; k++) {
        uint32_t cb = m->codes[0][k];
        if (m->combo[cb] == 0) {
            uint32_t r = sel ? sel[k] : k;
            uint64_t h;
            floe_hashtable_hash_rows(keys, ht->nkeys, r + 1, &r, 1, &h);
            rc = lookup(ht, keys, r, h, 1, &out_ids[k], err);
            if (rc) break;
            m->combo[cb] = out_ids[k] + 1;
            m->touched[ntouched++] = (uint16_t)cb;
        }
        out_ids[k] = m->combo[cb] - 1;
    }
    for (k = 0; k < ntouched; k++) m->combo[m->touched[k]] = 0;
    if (rc == FLOE_OK) *done = 1;
    return rc;
}

static int insert_rows(floe_hashtable *ht, const floe_vec *keys, uint32_t n, const uint32_t *sel,
                       uint32_t nsel, uint32_t *out_ids, floe_err *err);

/* One VARCHAR key carrying its dictionary: look each entry up once per
 * dictionary (ids cached in dmap across batches), map rows by code. The
 * entries first seen in a batch (and NULL rows) are looked up together
 * through insert_rows, which prefetches when the table is big. */
static int insert_dict(floe_hashtable *ht, const floe_vec *key, uint32_t n, const uint32_t *sel,
                       uint32_t nsel, uint32_t *out_ids, floe_err *err)
{
    const floe_vec_dict *d = &key->dict;
    uint32_t live = sel ? nsel : n, k;
    int rc;
    if (ht->dmap_id != d->id) {
        if (d->nentries > ht->dmap_cap) {
            uint32_t *nm = floe_realloc(ht->dmap, (size_t)d->nentries * sizeof *nm);
            if (nm == NULL) return floe_err_nomem(err);
            ht->dmap = nm;
            ht->dmap_cap = d->nentries;
        }
        memset(ht->dmap, 0, (size_t)d->nentries * sizeof *ht->dmap);
        ht->dmap_id = d->id;
    }
    if (ht->dscratch == NULL && (ht->dscratch = floe_malloc(3 * FLOE_VEC_SIZE * sizeof *ht->dscratch)) == NULL)
        return floe_err_nomem(err);
    {
        uint32_t *prow = ht->dscratch, *pk = prow + FLOE_VEC_SIZE, *pid = pk + FLOE_VEC_SIZE, m = 0, j;
        for (k = 0; k < live; k++) {
            uint32_t r = sel ? sel[k] : k;
            if (key->validity && !((key->validity[r >> 6] >> (r & 63)) & 1)) {
                prow[m] = r, pk[m++] = k;
            } else if (ht->dmap[d->codes[r]] == 0) {
                ht->dmap[d->codes[r]] = UINT32_MAX; /* pending: once per batch */
                prow[m] = r, pk[m++] = k;
            }
        }
        if (m) {
            rc = insert_rows(ht, key, n, prow, m, pid, err);
            if (rc) {
                for (j = 0; j < m; j++) /* forget the pending marks */
                    if (ht->dmap[d->codes[prow[j]]] == UINT32_MAX) ht->dmap[d->codes[prow[j]]] = 0;
                return rc;
            }
            for (j = 0; j < m; j++) {
                uint32_t r = prow[j];
                if (key->validity && !((key->validity[r >> 6] >> (r & 63)) & 1))
                    out_ids[pk[j]] = pid[j];
                else
                    ht->dmap[d->codes[r]] = pid[j] + 1;
            }
        }
        for (k = 0; k < live; k++) {
            uint32_t r = sel ? sel[k] : k;
            if (key->validity && !((key->validity[r >> 6] >> (r & 63)) & 1)) continue;
            out_ids[k] = ht->dmap[d->codes[r]] - 1;
        }
    }
    return FLOE_OK;
}

int floe_hashtable_insert(floe_hashtable *ht, const floe_vec *keys, uint32_t n, const uint32_t *sel,
                          uint32_t nsel, uint32_t *out_ids, floe_err *err)
{
    uint32_t live = sel ? nsel : n, k;
    int rc;
    if (ht->int_mode) return insert_int_batch(ht, keys, n, sel, nsel, out_ids, err);
    if (ht->nkeys == 1 && keys[0].dict.codes && keys[0].type.id == FLOE_TYPE_VARCHAR &&
        !(keys[0].flags & FLOE_VEC_CONST) && keys[0].dict.nentries <= (1u << 24))
        return insert_dict(ht, keys, n, sel, nsel, out_ids, err);
    if (ht->nkeys <= MEMO_MAX_KEYS && live >= 64 &&
        (ht->memo_fails < 16 || ht->memo_fails * 4 < ht->memo_tries)) {
        int all_str = 1, done;
        for (k = 0; k < ht->nkeys; k++) all_str &= keys[k].type.id == FLOE_TYPE_VARCHAR;
        if (all_str) {
            rc = insert_memo(ht, keys, n, sel, nsel, out_ids, &done, err);
            if (rc || done) return rc;
        }
    }
    return insert_rows(ht, keys, n, sel, nsel, out_ids, err);
}

/* Hash every live row and look it up (prefetching when the table is big). */
static int insert_rows(floe_hashtable *ht, const floe_vec *keys, uint32_t n, const uint32_t *sel,
                       uint32_t nsel, uint32_t *out_ids, floe_err *err)
{
    uint32_t live = sel ? nsel : n, k;
    int rc;
    floe_hashtable_hash_rows(keys, ht->nkeys, n, sel, nsel, ht->hbuf);
    if (ht->nslots < 8192) {
        for (k = 0; k < live; k++) {
            rc = lookup(ht, keys, sel ? sel[k] : k, ht->hbuf[k], 1, &out_ids[k], err);
            if (rc) return rc;
        }
        return FLOE_OK;
    }
    /* a table beyond the cache: prefetch in stages ahead of the probe, the
     * slot 16 rows ahead, its stored first key 8 rows ahead and, for a
     * VARCHAR first key, that key's bytes 4 rows ahead */
    for (k = 0; k < live; k++) {
        const uint64_t mask = ht->nslots - 1;
        const struct floe_ht_slot *sl;
        if (k + 16 < live) __builtin_prefetch(&ht->slots[ht->hbuf[k + 16] & mask]);
        if (k + 8 < live && (sl = &ht->slots[ht->hbuf[k + 8] & mask])->used)
            __builtin_prefetch((const char *)ht->keys.data[0] + sl->id * ht->keys.widths[0]);
        if (k + 4 < live && ht->keys.types[0].id == FLOE_TYPE_VARCHAR &&
            (sl = &ht->slots[ht->hbuf[k + 4] & mask])->used)
            __builtin_prefetch(((const floe_string *)ht->keys.data[0])[sl->id].ptr);
        rc = lookup(ht, keys, sel ? sel[k] : k, ht->hbuf[k], 1, &out_ids[k], err);
        if (rc) return rc;
    }
    return FLOE_OK;
}

void floe_hashtable_find(const floe_hashtable *ht, const floe_vec *keys, uint32_t n,
                         const uint32_t *sel, uint32_t nsel, uint64_t *hbuf, uint32_t *out_ids)
{
    uint32_t live = sel ? nsel : n, k;
    if (hbuf == NULL) hbuf = ht->hbuf;
    if (ht->int_mode && !(keys[0].flags & FLOE_VEC_CONST) && ht->nslots >= 8192) {
        /* a table beyond the cache: hash the batch first, then probe with
         * the slot of a row 16 rows ahead prefetched (independent misses
         * overlap instead of queueing one after the other) */
        const floe_vec *v = &keys[0];
        size_t w = floe_type_size(v->type);
        uint64_t mask = ht->nslots - 1;
        uint32_t *pending = (uint32_t *)(hbuf + FLOE_VEC_SIZE / 2), npending = 0;
        /* hbuf holds FLOE_VEC_SIZE hashes: the first half of a batch's
         * hashes stay in place, the list of rows to look up goes in the
         * second half, so batches are done in halves */
        if (live > FLOE_VEC_SIZE / 2) {
            uint32_t h1 = FLOE_VEC_SIZE / 2;
            if (sel) {
                floe_hashtable_find(ht, keys, n, sel, h1, hbuf, out_ids);
                floe_hashtable_find(ht, keys, n, sel + h1, live - h1, hbuf, out_ids + h1);
            } else {
                uint32_t idx[FLOE_VEC_SIZE / 2], i;
                for (i = 0; i < h1; i++) idx[i] = i;
                floe_hashtable_find(ht, keys, n, idx, h1, hbuf, out_ids);
                for (i = 0; i < live - h1; i++) idx[i] = h1 + i;
                floe_hashtable_find(ht, keys, n, idx, live - h1, hbuf, out_ids + h1);
            }
            return;
        }
        for (k = 0; k < live; k++) {
            uint32_t r = sel ? sel[k] : k;
            int64_t key = w == 8 ? ((const int64_t *)v->data)[r]
                                 : w == 4 ? ((const int32_t *)v->data)[r] : ((const uint8_t *)v->data)[r];
            uint64_t h = (uint64_t)key < FLOE_HT_DIRECT ? 0 : floe_hash_u64((uint64_t)key);
            hbuf[k] = h;
            if (h && ht->bloom) {
                uint64_t bits = BLOOM_BITS(h);
                if ((ht->bloom[BLOOM_WORD(ht, h)] & bits) != bits &&
                    (!v->validity || ((v->validity[r >> 6] >> (r & 63)) & 1))) {
                    out_ids[k] = FLOE_HT_NONE; /* surely absent */
                    continue;
                }
            }
            pending[npending++] = k;
        }
        for (k = 0; k < npending; k++) {
            uint32_t t = pending[k];
            if (k + 16 < npending && hbuf[pending[k + 16]])
                __builtin_prefetch(&ht->islots[hbuf[pending[k + 16]] & mask]);
            (void)lookup((floe_hashtable *)ht, keys, sel ? sel[t] : t, hbuf[t], 0, &out_ids[t], NULL);
        }
        return;
    }
    if (!ht->int_mode) floe_hashtable_hash_rows(keys, ht->nkeys, n, sel, nsel, hbuf);
    for (k = 0; k < live; k++)
        (void)lookup((floe_hashtable *)ht, keys, sel ? sel[k] : k, ht->int_mode ? 0 : hbuf[k], 0,
                     &out_ids[k], NULL);
}
