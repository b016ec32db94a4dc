/* shell/recover.c: `floe recover DIR` (issue #21).
 *
 * Opens DIR with FLOE_OPEN_SALVAGE | FLOE_OPEN_INTEGRITY_CHECK: damaged
 * parts and WAL segments are moved to DIR/quarantine/ (never deleted) and
 * each move is reported through the log callback, which prints it; then
 * prints a summary with the tables' row counts and closes (flushing what
 * the WAL held). Uses floe.h only, like the rest of the shell.
 */
#include "shell/recover.h"

#include <stdio.h>
#include <string.h>

#include "floe.h"

static int g_moved;

static void log_cb(void *ctx, int level, const char *msg)
{
    (void)ctx;
    if (strncmp(msg, "salvage: ", 9) == 0 && strstr(msg, " lost (unless") == NULL) g_moved++;
    fprintf(stderr, "floe: %s%s\n", level == FLOE_LOG_ERROR ? "error: " : "", msg);
}

int floe_recover_main(int argc, char **argv)
{
    floe_open_options o;
    floe_db *db = NULL;
    floe_result *r = NULL;
    char msg[1024];
    int rc;
    if (argc != 2 || argv[1][0] == '-') {
        FILE *f = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
                      ? stdout
                      : stderr;
        fprintf(f, "usage: floe recover DIR\n"
                   "Open a damaged database, moving damaged parts and WAL segments to\n"
                   "DIR/quarantine/ (nothing is deleted; DIR/quarantine/REPORT lists what\n"
                   "was lost), and keep everything intact.\n");
        return f == stdout ? 0 : 2;
    }
    floe_open_options_init(&o);
    o.flags = FLOE_OPEN_SALVAGE | FLOE_OPEN_INTEGRITY_CHECK;
    o.log = log_cb;
    o.maintain_interval_ms = UINT32_MAX;
    rc = floe_db_open_ex(argv[1], &o, &db);
    if (rc != FLOE_OK) {
        fprintf(stderr, "floe recover: %s: %s\n", argv[1], db ? floe_db_errmsg(db) : floe_errstr(rc));
        floe_db_close(db);
        return 1;
    }
    if (floe_query(db, "SELECT table_name, rows FROM floe_stats ORDER BY table_name", &r) == FLOE_OK) {
        uint64_t i;
        for (i = 0; i < floe_result_row_count(r); i++) {
            floe_string s = floe_value_string(r, 0, i);
            printf("table %.*s: %lld rows\n", (int)s.len, s.ptr, (long long)floe_value_int64(r, 1, i));
        }
        floe_result_free(r);
    }
    if (g_moved)
        printf("recover: %d damaged part(s) or WAL segment(s) moved to %s/quarantine/ "
               "(see %s/quarantine/REPORT)\n", g_moved, argv[1], argv[1]);
    else
        printf("recover: nothing damaged\n");
    rc = floe_db_close_msg(db, msg, sizeof msg);
    if (rc != FLOE_OK) {
        fprintf(stderr, "floe recover: close: %s\n", msg);
        return 1;
    }
    return 0;
}
