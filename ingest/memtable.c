/* ingest/memtable.c: chunked columnar append buffer with lock-free readers.
 *
 * Layout: dir[hi] is a block of 2^DIR_BITS chunk pointers, allocated when the
 * first chunk in it is created; a chunk is one allocation holding, per
 * column, a 64-byte aligned array of FLOE_VEC_SIZE values and a validity
 * pointer. Nothing is ever reallocated, so readers may keep pointers for as
 * long as they hold a reference. Validity words are written with relaxed
 * atomic stores by the writer (it may write bits of rows above the published
 * count in the same word a reader is reading) and the validity pointer is
 * published with a release store, so partial chunks are read race-free.
 */
#include "ingest/memtable.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "util/arena.h"
#include "util/mem.h"
#include "util/os.h"

#define DIR_SIZE ((uint64_t)1 << FLOE_MEMTABLE_DIR_BITS)
#define DIR_MASK (DIR_SIZE - 1)
#define BITMAP_BYTES (FLOE_BITMAP_WORDS(FLOE_VEC_SIZE) * sizeof(uint64_t))

typedef struct mt_col {
    void *data;         /* FLOE_VEC_SIZE values, 64-byte aligned */
    uint64_t *validity; /* NULL until the first NULL; release-published */
    floe_memtable_stats st; /* over every row ever written here (a superset
                             * of the published ones, so safe for pruning) */
} mt_col;

typedef struct mt_chunk {
    void *block;  /* the one aligned allocation holding every column's data */
    mt_col cols[]; /* ncols */
} mt_chunk;

struct floe_memtable {
    atomic_int refs;
    uint32_t ncols;
    floe_type *types;
    size_t *widths;     /* bytes per value, per column */
    size_t row_bytes;   /* sum of widths */
    size_t chunk_bytes; /* one chunk's data block: per column, rounded to 64 */
    mt_chunk **dir[DIR_SIZE];
    uint64_t nchunks;   /* chunks allocated (writer only) */
    atomic_uint_fast64_t count; /* committed rows */
    atomic_uint_fast64_t bytes; /* see floe_memtable_bytes */
    atomic_int_fast64_t first_row_ms;
    atomic_bool frozen;         /* no more appends: stats of every chunk are final */
    uint64_t seq_lo;
    uint32_t staged_rows;   /* written above count, not yet published */
    uint64_t staged_bytes;  /* their bytes (values + strings + new bitmaps) */
    floe_arena *strings; /* VARCHAR bytes */
    floe_ingest_producer *producers;
    uint32_t nproducers, capproducers;
};

static bool has_minmax_type(floe_type t)
{
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN:
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE:
    case FLOE_TYPE_BIGINT:
    case FLOE_TYPE_DECIMAL:
    case FLOE_TYPE_TIMESTAMP:
    case FLOE_TYPE_DOUBLE: return true;
    default: return false;
    }
}

static int64_t now_ms(void) { return floe_os_clock_mono_ns() / 1000000; }

int floe_memtable_new(uint32_t ncols, const floe_type *types, uint64_t seq_lo,
                      floe_memtable **out, floe_err *err)
{
    floe_memtable *m = floe_calloc(1, sizeof *m);
    uint32_t c;

    *out = NULL;
    if (m == NULL) return floe_err_nomem(err);
    atomic_init(&m->refs, 1); /* first: the failure path below unrefs */
    m->ncols = ncols;
    m->types = floe_malloc((ncols ? ncols : 1) * sizeof(floe_type));
    m->widths = floe_malloc((ncols ? ncols : 1) * sizeof(size_t));
    m->strings = floe_arena_new(256 * 1024);
    if (m->types == NULL || m->widths == NULL || m->strings == NULL) {
        floe_memtable_unref(m);
        return floe_err_nomem(err);
    }
    for (c = 0; c < ncols; c++) {
        m->types[c] = types[c];
        m->widths[c] = floe_type_size(types[c]);
        m->row_bytes += m->widths[c];
        m->chunk_bytes += (m->widths[c] * FLOE_VEC_SIZE + 63) & ~(size_t)63;
    }
    atomic_init(&m->count, 0);
    atomic_init(&m->bytes, 0);
    atomic_init(&m->first_row_ms, 0);
    atomic_init(&m->frozen, false);
    m->seq_lo = seq_lo;
    *out = m;
    return FLOE_OK;
}

void floe_memtable_ref(floe_memtable *m) { atomic_fetch_add(&m->refs, 1); }

void floe_memtable_unref(floe_memtable *m)
{
    uint64_t i, j;
    uint32_t c;
    if (m == NULL) return;
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
    for (i = 0; i < DIR_SIZE; i++) {
        if (m->dir[i] == NULL) continue;
        for (j = 0; j < DIR_SIZE; j++) {
            mt_chunk *ch = m->dir[i][j];
            if (ch == NULL) continue;
            for (c = 0; c < m->ncols; c++) floe_free(ch->cols[c].validity);
            floe_free_aligned(ch->block);
            floe_free(ch);
        }
        floe_free(m->dir[i]);
    }
    floe_arena_free(m->strings);
    floe_free(m->types);
    floe_free(m->widths);
    floe_free(m->producers);
    floe_free(m);
}

static inline mt_chunk *chunk_at(const floe_memtable *m, uint64_t chunk)
{
    return m->dir[chunk >> FLOE_MEMTABLE_DIR_BITS][chunk & DIR_MASK];
}

/* Make sure chunks [0, upto) exist. FLOE_NOMEM leaves the ones made so far
 * (harmless: they are reused by the next append). */
static int ensure_chunks(floe_memtable *m, uint64_t upto, floe_err *err)
{
    while (m->nchunks < upto) {
        uint64_t k = m->nchunks, hi = k >> FLOE_MEMTABLE_DIR_BITS;
        mt_chunk *ch;
        size_t off = 0;
        uint32_t c;
        char *block;
        if (m->dir[hi] == NULL) {
            m->dir[hi] = floe_calloc(DIR_SIZE, sizeof(mt_chunk *));
            if (m->dir[hi] == NULL) return floe_err_nomem(err);
        }
        ch = floe_calloc(1, sizeof *ch + m->ncols * sizeof(mt_col));
        if (ch == NULL) return floe_err_nomem(err);
        block = floe_malloc_aligned(m->chunk_bytes ? m->chunk_bytes : 64);
        if (block == NULL) {
            floe_free(ch);
            return floe_err_nomem(err);
        }
        ch->block = block;
        for (c = 0; c < m->ncols; c++) {
            floe_memtable_stats *st = &ch->cols[c].st;
            st->imin = INT64_MAX;
            st->imax = INT64_MIN;
            st->dmin = HUGE_VAL;
            st->dmax = -HUGE_VAL;
            st->has_minmax = has_minmax_type(m->types[c]);
            ch->cols[c].data = block + off;
            off += (m->widths[c] * FLOE_VEC_SIZE + 63) & ~(size_t)63;
        }
        m->dir[hi][k & DIR_MASK] = ch;
        m->nchunks++;
    }
    return FLOE_OK;
}

static inline void bit_store(uint64_t *w, uint32_t bit, int valid)
{
    uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED);
    uint64_t nw = valid ? (old | (1ULL << bit)) : (old & ~(1ULL << bit));
    if (nw != old) __atomic_store_n(w, nw, __ATOMIC_RELAXED);
}

/* Copy k values of width w from src (rows[i0..i0+k) or i0.., or slot 0
 * when is_const) to dst slots off0... Typed loops for the common widths. */
/* Fold slots [off0, off0+k) of a chunk column into its statistics. The
 * type switch is outside the loops; the common all-valid case has no bit
 * tests. */
static void update_stats(mt_col *col, floe_type t, uint32_t off0, uint32_t k)
{
    floe_memtable_stats *st = &col->st;
    const uint64_t *val = col->validity;
    uint32_t j, e = off0 + k;
    if (val) {
        for (j = off0; j < e; j++) {
            if ((val[j >> 6] >> (j & 63)) & 1) st->has_valid = true;
            else st->has_null = true;
        }
    } else {
        st->has_valid = true;
    }
    if (!st->has_minmax) return;
#define FOLD(T, LO, HI, CAST)                                                   \
    do {                                                                      \
        const T *d = (const T *)col->data;                                    \
        for (j = off0; j < e; j++) {                                          \
            if (val && !((val[j >> 6] >> (j & 63)) & 1)) continue;           \
            if ((CAST)d[j] < st->LO) st->LO = (CAST)d[j];                     \
            if ((CAST)d[j] > st->HI) st->HI = (CAST)d[j];                     \
        }                                                                     \
    } while (0)
    switch ((floe_type_id)t.id) {
    case FLOE_TYPE_BOOLEAN: FOLD(uint8_t, imin, imax, int64_t); break;
    case FLOE_TYPE_INTEGER:
    case FLOE_TYPE_DATE: FOLD(int32_t, imin, imax, int64_t); break;
    case FLOE_TYPE_DOUBLE: {
        const double *d = (const double *)col->data;
        for (j = off0; j < e; j++) {
            if (val && !((val[j >> 6] >> (j & 63)) & 1)) continue;
            if (d[j] != d[j]) {
                st->has_minmax = false; /* NaN: no usable range */
                return;
            }
        }
        FOLD(double, dmin, dmax, double);
        break;
    }
    default: FOLD(int64_t, imin, imax, int64_t);
    }
#undef FOLD
}

static void copy_fixed(void *dst, uint32_t off0, const void *src, size_t w, const uint32_t *rows,
                       uint32_t i0, uint32_t k, int is_const)
{
    uint32_t j;
    if (!is_const && rows == NULL) {
        memcpy((char *)dst + (size_t)off0 * w, (const char *)src + (size_t)i0 * w, (size_t)k * w);
        return;
    }
#define COPY_T(T)                                                        \
    do {                                                                 \
        T *d = (T *)dst + off0;                                          \
        const T *sv = (const T *)src;                                    \
        if (is_const)                                                    \
            for (j = 0; j < k; j++) d[j] = sv[0];                        \
        else                                                             \
            for (j = 0; j < k; j++) d[j] = sv[rows[i0 + j]];             \
    } while (0)
    switch (w) {
    case 1: COPY_T(uint8_t); break;
    case 4: COPY_T(uint32_t); break;
    case 8: COPY_T(uint64_t); break;
    case 16: COPY_T(floe_interval); break;
    default:
        for (j = 0; j < k; j++) {
            uint32_t sr = is_const ? 0 : rows[i0 + j];
            memcpy((char *)dst + (size_t)(off0 + j) * w, (const char *)src + (size_t)sr * w, w);
        }
    }
#undef COPY_T
}

/* Mark slots [off0, off0+k) valid, word by word (atomic stores: readers may
 * be reading lower bits of the same words). */
static void set_valid_range(uint64_t *bm, uint32_t off0, uint32_t k)
{
    uint32_t a = off0, e = off0 + k;
    while (a < e) {
        uint32_t wi = a >> 6, lo = a & 63, hi = (e - (wi << 6)) < 64 ? (e - (wi << 6)) : 64;
        uint64_t mask = (hi == 64 ? ~0ULL : ((1ULL << hi) - 1)) & ~((1ULL << lo) - 1);
        uint64_t old = __atomic_load_n(&bm[wi], __ATOMIC_RELAXED);
        if ((old | mask) != old) __atomic_store_n(&bm[wi], old | mask, __ATOMIC_RELAXED);
        a = (wi + 1) << 6;
    }
}

int floe_memtable_stage(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                        uint32_t nrows, floe_err *err)
{
    floe_memtable_unstage(m);
    return floe_memtable_stage_more(m, b, rows, nrows, err);
}

void floe_memtable_unstage(floe_memtable *m)
{
    m->staged_rows = 0;
    m->staged_bytes = 0;
}

int floe_memtable_stage_more(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                             uint32_t nrows, floe_err *err)
{
    uint64_t base = atomic_load_explicit(&m->count, memory_order_relaxed) + m->staged_rows;
    uint64_t added_bytes = 0, str_bytes = 0;
    uint32_t c, i;
    int rc;

    if (nrows == 0) return FLOE_OK;
    if (b->ncols != m->ncols)
        return floe_err_set(err, FLOE_TYPE, "memtable append: %u columns, expected %u", b->ncols,
                            m->ncols);
    for (c = 0; c < m->ncols; c++)
        if (b->cols[c].type.id != m->types[c].id)
            return floe_err_set(err, FLOE_TYPE, "memtable append: column %u has type %u, expected %u",
                                c, b->cols[c].type.id, m->types[c].id);
    if (base + nrows > FLOE_MEMTABLE_MAX_ROWS)
        return floe_err_set(err, FLOE_RANGE, "memtable full (%llu rows)",
                            (unsigned long long)base);
    rc = ensure_chunks(m, floe_memtable_nchunks(base + nrows), err);
    if (rc) return rc;

    for (c = 0; c < m->ncols; c++) {
        const floe_vec *v = &b->cols[c];
        size_t w = m->widths[c];
        int is_const = (v->flags & FLOE_VEC_CONST) != 0;
        int is_str = m->types[c].id == FLOE_TYPE_VARCHAR;
        uint32_t i0 = 0;
        /* one chunk-sized segment of the input at a time */
        while (i0 < nrows) {
            uint64_t r0 = base + i0;
            mt_col *col = &chunk_at(m, r0 / FLOE_VEC_SIZE)->cols[c];
            uint32_t off0 = (uint32_t)(r0 % FLOE_VEC_SIZE);
            uint32_t k = FLOE_VEC_SIZE - off0;
            if (k > nrows - i0) k = nrows - i0;
            if (!is_str) copy_fixed(col->data, off0, v->data, w, rows, i0, k, is_const);
            if (v->validity == NULL && !is_str) {
                if (col->validity) set_valid_range(col->validity, off0, k);
            } else {
                for (i = 0; i < k; i++) {
                    uint32_t off = off0 + i;
                    uint32_t src = is_const ? 0 : (rows ? rows[i0 + i] : i0 + i);
                    int valid = v->validity == NULL || ((v->validity[src >> 6] >> (src & 63)) & 1);
                    if (!valid && col->validity == NULL) {
                        uint64_t *bm = floe_malloc(BITMAP_BYTES);
                        if (bm == NULL) return floe_err_nomem(err);
                        memset(bm, 0xff, BITMAP_BYTES);
                        __atomic_store_n(&col->validity, bm, __ATOMIC_RELEASE);
                        added_bytes += BITMAP_BYTES;
                    }
                    if (col->validity) bit_store(&col->validity[off >> 6], off & 63, valid);
                    if (is_str) {
                        floe_string *dst = (floe_string *)col->data + off;
                        const floe_string *sv = (const floe_string *)v->data + src;
                        if (!valid || sv->len == 0) {
                            dst->ptr = "";
                            dst->len = 0;
                        } else {
                            char *p = floe_arena_memdup(m->strings, sv->ptr, sv->len);
                            if (p == NULL) return floe_err_nomem(err);
                            dst->ptr = p;
                            dst->len = sv->len;
                            str_bytes += sv->len;
                        }
                    } else if (!valid) {
                        memset((char *)col->data + (size_t)off * w, 0, w);
                    }
                }
            }
            update_stats(col, m->types[c], off0, k);
            i0 += k;
        }
    }
    m->staged_rows += nrows;
    m->staged_bytes += added_bytes + str_bytes + (uint64_t)nrows * m->row_bytes;
    return FLOE_OK;
}

void floe_memtable_publish(floe_memtable *m)
{
    uint64_t base = atomic_load_explicit(&m->count, memory_order_relaxed);
    if (m->staged_rows == 0) return;
    if (base == 0) atomic_store_explicit(&m->first_row_ms, now_ms(), memory_order_relaxed);
    atomic_fetch_add_explicit(&m->bytes, m->staged_bytes, memory_order_relaxed);
    atomic_store_explicit(&m->count, base + m->staged_rows, memory_order_release);
    m->staged_rows = 0;
    m->staged_bytes = 0;
}

int floe_memtable_append(floe_memtable *m, const floe_batch *b, const uint32_t *rows,
                         uint32_t nrows, floe_err *err)
{
    int rc = floe_memtable_stage(m, b, rows, nrows, err);
    if (rc == FLOE_OK) floe_memtable_publish(m);
    return rc;
}

int floe_memtable_note_producer(floe_memtable *m, uint64_t id, uint64_t seq, floe_err *err)
{
    uint32_t i;
    for (i = 0; i < m->nproducers; i++) {
        if (m->producers[i].id == id) {
            if (seq > m->producers[i].seq) m->producers[i].seq = seq;
            return FLOE_OK;
        }
    }
    if (m->nproducers == m->capproducers) {
        uint32_t cap = m->capproducers ? m->capproducers * 2 : 4;
        floe_ingest_producer *p = floe_realloc(m->producers, cap * sizeof *p);
        if (p == NULL) return floe_err_nomem(err);
        m->producers = p;
        m->capproducers = cap;
    }
    m->producers[m->nproducers].id = id;
    m->producers[m->nproducers].seq = seq;
    m->nproducers++;
    return FLOE_OK;
}

uint64_t floe_memtable_rows(const floe_memtable *m)
{
    return atomic_load_explicit(&((floe_memtable *)m)->count, memory_order_acquire);
}

uint64_t floe_memtable_bytes(const floe_memtable *m)
{
    return atomic_load_explicit(&((floe_memtable *)m)->bytes, memory_order_relaxed);
}

int64_t floe_memtable_first_row_ms(const floe_memtable *m)
{
    return atomic_load_explicit(&((floe_memtable *)m)->first_row_ms, memory_order_relaxed);
}

uint64_t floe_memtable_seq_lo(const floe_memtable *m) { return m->seq_lo; }
uint32_t floe_memtable_ncols(const floe_memtable *m) { return m->ncols; }
floe_type floe_memtable_type(const floe_memtable *m, uint32_t col) { return m->types[col]; }

const floe_ingest_producer *floe_memtable_producers(const floe_memtable *m, uint32_t *out_n)
{
    *out_n = m->nproducers;
    return m->producers;
}

void floe_memtable_chunk_vec(const floe_memtable *m, uint64_t chunk, uint32_t col, uint32_t n,
                             floe_vec *out)
{
    const mt_col *mc = &chunk_at(m, chunk)->cols[col];
    uint64_t *val = __atomic_load_n(&((mt_col *)mc)->validity, __ATOMIC_ACQUIRE);
    floe_vec_borrow(out, m->types[col], mc->data, val, n);
}

bool floe_memtable_copy_validity(const floe_memtable *m, uint64_t chunk, uint32_t col, uint32_t n,
                                 uint64_t *dst)
{
    mt_col *mc = &chunk_at(m, chunk)->cols[col];
    uint64_t *val = __atomic_load_n(&mc->validity, __ATOMIC_ACQUIRE);
    size_t i;
    if (val == NULL) return false;
    for (i = 0; i < FLOE_BITMAP_WORDS(n); i++) dst[i] = __atomic_load_n(&val[i], __ATOMIC_RELAXED);
    return true;
}

void floe_memtable_get(const floe_memtable *m, uint64_t row, uint32_t col, floe_value *out)
{
    mt_col *mc = &chunk_at(m, row / FLOE_VEC_SIZE)->cols[col];
    uint32_t off = (uint32_t)(row % FLOE_VEC_SIZE);
    uint64_t *val = __atomic_load_n(&mc->validity, __ATOMIC_ACQUIRE);
    if (val && !((__atomic_load_n(&val[off >> 6], __ATOMIC_RELAXED) >> (off & 63)) & 1)) {
        *out = floe_value_null(m->types[col]);
        return;
    }
    floe_value_load(m->types[col], mc->data, off, out);
}

void floe_memtable_freeze(floe_memtable *m)
{
    atomic_store_explicit(&m->frozen, true, memory_order_release);
}

bool floe_memtable_chunk_stats(const floe_memtable *m, uint64_t chunk, uint32_t col,
                               uint64_t rows, floe_memtable_stats *out)
{
    bool frozen = atomic_load_explicit(&((floe_memtable *)m)->frozen, memory_order_acquire);
    if (!frozen && rows < (chunk + 1) * FLOE_VEC_SIZE) return false; /* still being written */
    *out = chunk_at(m, chunk)->cols[col].st;
    return true;
}
