/* tests/fuzz/fuzz_wal.c: libFuzzer target for WAL recovery (ingest/wal.c:
 * segment and record framing, BATCH/ABORT/SYNCED decoding, the torn-tail
 * rules). The input, behind a valid segment header for table 1 shard 0, is
 * the last segment of a WAL opened in a scratch directory. Property: the
 * open replays records and succeeds, or fails with FLOE_CORRUPT naming the
 * segment and an offset (or FLOE_NOMEM); every record handed to the replay
 * callback is well formed (rows match its column vectors). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/wal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_dir[256];

static int check_record(void *ctx, const floe_wal_record *rec, floe_err *err)
{
    uint32_t c;
    (void)ctx;
    (void)err;
    if (rec->type == FLOE_WAL_REC_BATCH) {
        if (rec->batch == NULL || rec->batch->n != rec->nrows) abort();
        for (c = 0; c < rec->batch->ncols; c++)
            if (rec->batch->cols[c].n != rec->nrows) abort();
    }
    return FLOE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], warn[512];
    unsigned char hdr[FLOE_WAL_HEADER_BYTES];
    uint32_t version = FLOE_WAL_VERSION, shard = 0;
    uint64_t table = 1, segno = 1;
    floe_wal_opts o;
    floe_wal *w = NULL;
    floe_err err = FLOE_ERR_INIT;
    FILE *f;
    int rc;
    if (g_dir[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(g_dir, sizeof g_dir, "%s/floe-fuzz-wal-%d", base, (int)getpid());
        mkdir(g_dir, 0700);
        snprintf(path, sizeof path, "%s/wal", g_dir);
        mkdir(path, 0700);
    }
    if (size > 0) version = 1 + data[0] % FLOE_WAL_VERSION; /* every readable version */
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, FLOE_WAL_MAGIC, 8);
    memcpy(hdr + 8, &version, 4);
    memcpy(hdr + 12, &shard, 4);
    memcpy(hdr + 16, &table, 8);
    memcpy(hdr + 24, &segno, 8);
    snprintf(path, sizeof path, "%s/wal/1-0-1.wal", g_dir);
    f = fopen(path, "wb");
    if (f == NULL) abort();
    fwrite(hdr, 1, sizeof hdr, f);
    if (size > 1) fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    memset(&o, 0, sizeof o);
    o.db_dir = g_dir;
    o.table_id = 1;
    o.shard = 0;
    o.durability = FLOE_DURABILITY_OFF;
    rc = floe_wal_open(&o, check_record, NULL, warn, sizeof warn, &w, &err);
    if (rc == FLOE_OK) {
        rc = floe_wal_replay(w, check_record, NULL, &err); /* the second pass agrees */
        if (rc != FLOE_OK) abort();
    } else if (rc == FLOE_CORRUPT) {
        if (strstr(err.msg, "1-0-1.wal") == NULL || strstr(err.msg, "offset") == NULL) abort();
    } else if (rc != FLOE_NOMEM) {
        abort();
    }
    floe_wal_close(w);
    unlink(path);
    return 0;
}
