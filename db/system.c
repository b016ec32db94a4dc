/* db/system.c: the floe_stats system table and a scan source over a batch. */
#include "db/system.h"

#include <string.h>
#include <strings.h>
#include <time.h>

#include "db/info_schema.h"
#include "util/mem.h"
#include "util/os.h"

/* ------------------------------------------------------- batch source */

typedef struct batch_src {
    floe_batch b;
} batch_src;

struct floe_scan_cursor {
    batch_src *src;
    uint32_t *cols;
    uint32_t ncols;
    bool done;
};

static uint32_t bs_nmorsels(void *self)
{
    (void)self;
    return 1;
}

static uint64_t bs_rows(void *self, uint32_t m)
{
    (void)m;
    return ((batch_src *)self)->b.n;
}

static bool bs_may_match(void *self, uint32_t m, const floe_scan_pred *p, uint32_t n)
{
    (void)self;
    (void)m;
    (void)p;
    (void)n;
    return true;
}

static int bs_open(void *self, uint32_t m, const uint32_t *cols, uint32_t ncols,
                   const floe_scan_pred *preds, uint32_t npreds, floe_scan_cursor **out,
                   floe_err *err)
{
    floe_scan_cursor *c = floe_calloc(1, sizeof *c);
    (void)m;
    (void)preds;
    (void)npreds;
    if (c == NULL) return floe_err_nomem(err);
    c->cols = floe_malloc((ncols + 1) * sizeof *cols);
    if (c->cols == NULL) {
        floe_free(c);
        return floe_err_nomem(err);
    }
    memcpy(c->cols, cols, ncols * sizeof *cols);
    c->ncols = ncols;
    c->src = self;
    *out = c;
    return FLOE_OK;
}

static int bs_next(floe_scan_cursor *c, floe_batch *out, floe_err *err)
{
    const floe_batch *b = &c->src->b;
    uint32_t i;
    if (c->done || b->n == 0) return FLOE_DONE;
    c->done = true;
    memset(out, 0, sizeof *out);
    out->cols = floe_calloc(c->ncols + 1, sizeof(floe_vec));
    if (out->cols == NULL) return floe_err_nomem(err);
    out->ncols = c->ncols;
    out->n = b->n;
    for (i = 0; i < c->ncols; i++) {
        const floe_vec *v = &b->cols[c->cols[i]];
        floe_vec_borrow(&out->cols[i], v->type, v->data, v->validity, b->n);
    }
    return FLOE_ROW;
}

static void bs_close(floe_scan_cursor *c)
{
    if (c == NULL) return;
    floe_free(c->cols);
    floe_free(c);
}

static void bs_free(void *self)
{
    batch_src *s = self;
    floe_batch_free(&s->b);
    floe_free(s);
}

static const floe_scan_source_vt batch_vt = {bs_nmorsels, bs_rows, bs_may_match, bs_open,
                                             bs_next,     bs_close, bs_free};

int floe_batch_source_new(floe_batch *b, floe_scan_source *out, floe_err *err)
{
    batch_src *s = floe_calloc(1, sizeof *s);
    if (s == NULL) {
        floe_batch_free(b);
        return floe_err_nomem(err);
    }
    s->b = *b;
    memset(b, 0, sizeof *b);
    out->vt = &batch_vt;
    out->self = s;
    return FLOE_OK;
}

/* ----------------------------------------------------------- floe_stats */

enum {
    ST_TABLE,
    ST_ROWS,
    ST_MEM_ROWS,
    ST_MEM_BYTES,
    ST_PARTS,
    ST_PART_ROWS,
    ST_DISK_BYTES,
    ST_INGESTED,
    ST_RATE,
    ST_FLUSHES,
    ST_RATIO,
    ST_SHARDS,
    ST_TORN,      /* issue #21: recovery and fail-stop state */
    ST_TXNS_DROPPED,
    ST_STOPPED,
    ST_NCOLS
};

static const floe_cat_column stats_cols[ST_NCOLS] = {
    {.name = "table_name", .type = {FLOE_TYPE_VARCHAR, 0, 0}, .not_null = true},
    {.name = "rows", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "memtable_rows", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "memtable_bytes", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "parts", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "part_rows", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "disk_bytes", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "rows_ingested", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "ingest_rows_per_s", .type = {FLOE_TYPE_DOUBLE, 0, 0}, .not_null = true},
    {.name = "flushes", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "compression_ratio", .type = {FLOE_TYPE_DOUBLE, 0, 0}, .not_null = false},
    {.name = "shards", .type = {FLOE_TYPE_INTEGER, 0, 0}, .not_null = true},
    {.name = "wal_torn_tails", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "wal_txns_dropped", .type = {FLOE_TYPE_BIGINT, 0, 0}, .not_null = true},
    {.name = "writes_stopped", .type = {FLOE_TYPE_BOOLEAN, 0, 0}, .not_null = true},
};

static const char stats_ref_marker = 's'; /* the table_ref of floe_stats */

bool floe_system_find(const char *name, floe_cat_table *out)
{
    if (floe_info_schema_find(name, out)) return true; /* db/info_schema.c */
    if (strcasecmp(name, "floe_stats") != 0) return false;
    memset(out, 0, sizeof *out);
    out->name = "floe_stats";
    out->cols = stats_cols;
    out->ncols = ST_NCOLS;
    out->nrows = 16;
    out->table_ref = (void *)&stats_ref_marker;
    return true;
}

bool floe_system_is(const void *table_ref)
{
    return table_ref == &stats_ref_marker || floe_info_schema_is(table_ref);
}

int floe_system_source(floe_db *db, const void *table_ref, floe_scan_source *out, floe_err *err)
{
    floe_type types[ST_NCOLS];
    floe_batch b;
    uint32_t c, i, n = db->ntables;
    double secs = (double)(floe_os_clock_mono_us() - db->opened_mono_us) / 1e6;
    int rc;
    if (floe_info_schema_is(table_ref)) return floe_info_schema_source(db, table_ref, out, err);
    for (c = 0; c < ST_NCOLS; c++) types[c] = stats_cols[c].type;
    if ((rc = floe_batch_init(&b, ST_NCOLS, types, n ? n : 1)) != FLOE_OK) return floe_err_nomem(err);
    for (i = 0; i < n; i++) {
        floe_db_table *t = db->tables[i];
        floe_ingest_snapshot *snap = NULL;
        uint64_t mem_rows = 0, mem_bytes = 0, part_rows, disk, nparts, raw, raw_disk;
        uint32_t k;
        floe_ingest_read_lock(t->ingest);
        part_rows = t->part_rows;
        disk = t->part_bytes;
        nparts = t->nparts;
        raw = t->flushed_raw_bytes;
        raw_disk = t->flushed_disk_bytes;
        rc = floe_ingest_snapshot_take(t->ingest, &snap, err);
        floe_ingest_read_unlock(t->ingest);
        if (rc != FLOE_OK) {
            floe_batch_free(&b);
            return rc;
        }
        for (k = 0; k < snap->nmems; k++) {
            mem_rows += snap->mems[k].rows;
            mem_bytes += floe_memtable_bytes(snap->mems[k].mem);
        }
        floe_ingest_snapshot_free(snap);
        if ((rc = floe_vec_set_string(&b.cols[ST_TABLE], i, t->def->name,
                                      (uint32_t)strlen(t->def->name))) != FLOE_OK) {
            floe_batch_free(&b);
            return floe_err_nomem(err);
        }
        ((int64_t *)b.cols[ST_ROWS].data)[i] = (int64_t)(part_rows + mem_rows);
        ((int64_t *)b.cols[ST_MEM_ROWS].data)[i] = (int64_t)mem_rows;
        ((int64_t *)b.cols[ST_MEM_BYTES].data)[i] = (int64_t)mem_bytes;
        ((int64_t *)b.cols[ST_PARTS].data)[i] = (int64_t)nparts;
        ((int64_t *)b.cols[ST_PART_ROWS].data)[i] = (int64_t)part_rows;
        ((int64_t *)b.cols[ST_DISK_BYTES].data)[i] = (int64_t)disk;
        ((int64_t *)b.cols[ST_INGESTED].data)[i] = (int64_t)atomic_load(&t->rows_ingested);
        ((double *)b.cols[ST_RATE].data)[i] =
            secs > 0 ? (double)atomic_load(&t->rows_ingested) / secs : 0.0;
        ((int64_t *)b.cols[ST_FLUSHES].data)[i] = (int64_t)atomic_load(&t->flushes);
        if (raw_disk > 0)
            ((double *)b.cols[ST_RATIO].data)[i] = (double)raw / (double)raw_disk;
        else
            floe_vec_set_null(&b.cols[ST_RATIO], i);
        ((int32_t *)b.cols[ST_SHARDS].data)[i] = (int32_t)floe_ingest_table_nshards(t->ingest);
        {
            uint32_t torn, dropped;
            floe_ingest_table_recovery(t->ingest, &torn, &dropped);
            ((int64_t *)b.cols[ST_TORN].data)[i] = torn;
            ((int64_t *)b.cols[ST_TXNS_DROPPED].data)[i] = dropped;
            ((uint8_t *)b.cols[ST_STOPPED].data)[i] =
                !db->readonly && floe_ingest_db_failed(db->ingest, NULL, 0);
        }
    }
    for (c = 0; c < ST_NCOLS; c++) b.cols[c].n = n;
    b.n = n;
    return floe_batch_source_new(&b, out, err);
}
