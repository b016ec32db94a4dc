/* db/salvage.c: FLOE_OPEN_SALVAGE for parts -- check every block of every
 * committed part, and move a damaged one out of the way instead of refusing
 * the whole database.
 *
 * A part that does not open (manifest, header, trailer or footer damage) or
 * whose blocks do not all decode with good checksums is moved, whole and
 * unchanged, to <db>/quarantine/<table_id>/part-<id> (nothing is deleted),
 * and dropped from the catalog like a TTL drop (floe_catalog_replace_parts
 * without a replacement: the shards' dropped_seq covers its rows, so the
 * catalog stays consistent and its rows are not replayed from the WAL). One
 * line per part -- rows lost, the shard sequence ranges, the reason, where
 * it went -- goes to <db>/quarantine/REPORT (appended) and to the log
 * callback (FLOE_LOG_WARN). The WAL side is ingest/recover.c
 * (floe_wal_salvage), reported the same way through floe_db_warning.
 *
 * Called only at a writable open, holding everything alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/log.h"
#include "util/mem.h"
#include "util/os.h"

int floe_db_verify_part(const floe_part_reader *r, uint32_t ncols, floe_err *err)
{
    uint32_t c, b, nb = floe_part_reader_nblocks(r);
    for (c = 0; c < ncols; c++) {
        if (!floe_part_reader_has_col(r, c)) continue;
        for (b = 0; b < nb; b++) {
            floe_vec v;
            int rc;
            memset(&v, 0, sizeof v);
            rc = floe_part_read_block(r, c, b, &v, err);
            floe_vec_free(&v);
            if (rc != FLOE_OK) return rc;
        }
    }
    return FLOE_OK;
}

void floe_db_salvage_note(floe_db *db, const char *line)
{
    char path[4096];
    int fd;
    snprintf(path, sizeof path, "%s/quarantine", db->path);
    floe_os_mkdir(path, 0755, true, NULL);
    snprintf(path, sizeof path, "%s/quarantine/REPORT", db->path);
    if (floe_os_open(path, O_WRONLY | O_CREAT | O_APPEND, 0644, &fd, NULL) == FLOE_OK) {
        floe_os_write_all(fd, line, strlen(line), path, NULL);
        floe_os_write_all(fd, "\n", 1, path, NULL);
        floe_os_fsync(fd, path, NULL);
        floe_os_close(fd, path, NULL);
    }
    db->salvaged++;
    floe_db_log(db, FLOE_LOG_WARN, "%s", line);
}

int floe_db_salvage_part(floe_db *db, floe_db_table *t, const floe_catalog_part *p,
                         const char *why, floe_err *err)
{
    char from[4096], q[4096], to[4400], line[2048];
    size_t k;
    uint32_t s;
    int rc;
    snprintf(q, sizeof q, "%s/quarantine", db->path);
    if ((rc = floe_os_mkdir(q, 0755, true, err)) != FLOE_OK) return rc;
    snprintf(q, sizeof q, "%s/quarantine/%lld", db->path, (long long)t->def->id);
    if ((rc = floe_os_mkdir(q, 0755, true, err)) != FLOE_OK) return rc;
    floe_part_dir(t->dir, p->id, from, sizeof from);
    snprintf(to, sizeof to, "%s/part-%lld", q, (long long)p->id);
    if (floe_os_exists(to))
        snprintf(to, sizeof to, "%s/part-%lld.%lld", q, (long long)p->id,
                 (long long)floe_os_clock_wall_us());
    if (floe_os_exists(from)) {
        if ((rc = floe_os_rename(from, to, err)) != FLOE_OK) return rc;
        if ((rc = floe_os_fsync_dir(q, err)) != FLOE_OK) return rc;
        if ((rc = floe_os_fsync_dir(t->dir, err)) != FLOE_OK) return rc;
    }
    /* the commit point: the catalog forgets the part (a crash before it
     * leaves a committed part without its directory: the next salvage
     * open finds it missing and drops it then) */
    if ((rc = floe_catalog_replace_parts(db->cat, t->def->id, &p->id, 1, NULL, err)) != FLOE_OK)
        return rc;
    k = (size_t)snprintf(line, sizeof line,
                         "salvage: table %s: part-%lld damaged (%s): %llu rows lost (",
                         t->def->name, (long long)p->id, why, (unsigned long long)p->rows);
    for (s = 0; s < p->nshards && k < sizeof line; s++)
        k += (size_t)snprintf(line + k, sizeof line - k, "%sshard %u seqs %llu..%llu",
                              s ? ", " : "", p->shards[s].shard,
                              (unsigned long long)p->shards[s].min_seq,
                              (unsigned long long)p->shards[s].max_seq);
    if (k < sizeof line)
        snprintf(line + k, sizeof line - k, "); moved to quarantine/%lld/%s",
                 (long long)t->def->id, strrchr(to, '/') + 1);
    floe_db_salvage_note(db, line);
    return FLOE_OK;
}

int floe_db_salvage_parts(floe_db *db, floe_db_table *t, floe_catalog_part *parts,
                          uint32_t *nparts, floe_err *err)
{
    floe_part_column *pcols = floe_calloc(t->def->ncols + 1, sizeof *pcols);
    floe_part_schema schema;
    uint32_t i, n = *nparts;
    char dir[4096];
    int rc = FLOE_OK;
    if (pcols == NULL) return floe_err_nomem(err);
    schema = floe_table_def_schema(t->def, pcols);
    for (i = 0; i < n; i++) {
        floe_part_reader *r = NULL;
        floe_err e = FLOE_ERR_INIT;
        int prc;
        floe_part_dir(t->dir, parts[i].id, dir, sizeof dir);
        prc = floe_part_reader_open(dir, &schema, &r, &e);
        if (prc == FLOE_OK) prc = floe_db_verify_part(r, t->def->ncols, &e);
        floe_part_reader_unref(r);
        if (prc == FLOE_NOMEM) {
            rc = floe_err_nomem(err);
            break;
        }
        if (prc != FLOE_OK) {
            floe_catalog_part tmp;
            if ((rc = floe_db_salvage_part(db, t, &parts[i], e.msg, err)) != FLOE_OK) break;
            /* keep the array whole for floe_catalog_parts_free: move it last */
            tmp = parts[i];
            memmove(&parts[i], &parts[i + 1], (n - i - 1) * sizeof *parts);
            parts[n - 1] = tmp;
            n--;
            i--;
        }
    }
    floe_free(pcols);
    *nparts = n;
    return rc;
}
