/* examples/quickstart.c: floe from a C program.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs floe) -o quickstart && ./quickstart [DIR]
 *
 * Creates a table, appends rows through the appender, flushes them into a
 * part, and reads an aggregate back column-wise and with typed getters. */
#include <stdio.h>

#include <floe.h>

int main(int argc, char **argv)
{
    floe_db *db = NULL;
    floe_appender *app = NULL;
    floe_result *res = NULL;
    uint64_t r;
    int i;

    if (floe_db_open(argc > 1 ? argv[1] : NULL, FLOE_OPEN_CREATE, &db) != FLOE_OK) {
        fprintf(stderr, "open: %s\n", floe_db_errmsg(db));
        return 1;
    }
    if (floe_exec(db, "CREATE TABLE IF NOT EXISTS clicks (ts TIMESTAMP, page VARCHAR, ms BIGINT)") !=
            FLOE_OK ||
        floe_appender_open(db, "clicks", &app) != FLOE_OK) {
        fprintf(stderr, "error: %s\n", floe_db_errmsg(db));
        return 1;
    }
    for (i = 0; i < 1000; i++) {
        floe_append_int64(app, 1700000000000000LL + i * 1000000LL);
        floe_append_string(app, i % 3 ? "/home" : "/cart", -1);
        floe_append_int64(app, 10 + i % 47);
        if (floe_appender_end_row(app) != FLOE_OK) {
            fprintf(stderr, "append: %s\n", floe_appender_errmsg(app));
            return 1;
        }
    }
    floe_appender_close(app);
    if (floe_exec(db, "FLUSH clicks") != FLOE_OK ||
        floe_query(db, "SELECT page, count(*) AS n, avg(ms) AS avg_ms FROM clicks GROUP BY page ORDER BY page",
                   &res) != FLOE_OK) {
        fprintf(stderr, "query: %s\n", floe_db_errmsg(db));
        return 1;
    }
    for (r = 0; r < floe_result_row_count(res); r++) {
        char *page = floe_value_text(res, 0, r);
        printf("%s %lld %.2f\n", page, (long long)floe_value_int64(res, 1, r),
               floe_value_double(res, 2, r));
        floe_free(page);
    }
    floe_result_free(res);
    return floe_db_close(db) == FLOE_OK ? 0 : 1;
}
