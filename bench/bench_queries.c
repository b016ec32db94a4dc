/* bench/bench_queries.c: the peers kit's lineitem and events queries, per dialect. */
#include "bench/bench_queries.h"

#include <string.h>

#define Q1_BODY(date)                                                                         \
    "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, "                        \
    "sum(l_extendedprice) AS sum_base_price, "                                               \
    "sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, "                            \
    "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, "                  \
    "avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, "                        \
    "avg(l_discount) AS avg_disc, count(*) AS count_order FROM lineitem "                    \
    "WHERE l_shipdate <= " date " GROUP BY l_returnflag, l_linestatus "                      \
    "ORDER BY l_returnflag, l_linestatus"
#define Q6_BODY(d1, d2)                                                                       \
    "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem "                     \
    "WHERE l_shipdate >= " d1 " AND l_shipdate < " d2                                        \
    " AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24"
#define SAME(x) x, x, x

static const floe_bench_query queries[] = {
    {"tpch_q1", "lineitem", Q1_BODY("DATE '1998-09-02'"), Q1_BODY("'1998-09-02'"),
     Q1_BODY("toDate('1998-09-02')"), NULL},
    {"tpch_q6", "lineitem", Q6_BODY("DATE '1994-01-01'", "DATE '1995-01-01'"),
     Q6_BODY("'1994-01-01'", "'1995-01-01'"), Q6_BODY("toDate('1994-01-01')", "toDate('1995-01-01')"),
     NULL},
    {"ev_count", "events", SAME("SELECT count(*) AS n FROM events"), NULL},
    {"ev_count_purchase", "events",
     SAME("SELECT count(*) AS n FROM events WHERE event_type = 'purchase'"), NULL},
    {"ev_revenue_by_country", "events",
     SAME("SELECT country, sum(revenue) AS rev FROM events GROUP BY country ORDER BY rev DESC "
          "LIMIT 10"),
     NULL},
    {"ev_distinct_users", "events", SAME("SELECT count(DISTINCT user_id) AS users FROM events"),
     NULL},
    {"ev_last_hour_per_minute", "events",
     "SELECT date_trunc('minute', ts) AS minute, count(*) AS n FROM events "
     "WHERE ts >= (SELECT date_trunc('minute', max(ts)) - INTERVAL 1 HOUR FROM events) "
     "GROUP BY minute ORDER BY minute",
     "SELECT substr(ts, 1, 16) AS minute, count(*) AS n FROM events "
     "WHERE ts >= (SELECT datetime(substr(max(ts), 1, 16) || ':00', '-1 hour') FROM events) "
     "GROUP BY minute ORDER BY minute",
     "SELECT toStartOfMinute(ts) AS minute, count(*) AS n FROM events "
     "WHERE ts >= (SELECT toStartOfMinute(max(ts)) - 3600 FROM events) "
     "GROUP BY minute ORDER BY minute",
     NULL},
    {"ev_top_urls", "events",
     SAME("SELECT url, count(*) AS n FROM events GROUP BY url ORDER BY n DESC, url LIMIT 10"),
     NULL},
    {"ev_avg_duration_by_device_type", "events",
     SAME("SELECT device, event_type, avg(duration_ms) AS avg_ms FROM events "
          "GROUP BY device, event_type ORDER BY device, event_type"),
     NULL},
    {"ev_ts_range_1pct", "events",
     "SELECT count(*) AS n, sum(revenue) AS rev FROM events "
     "WHERE ts >= TIMESTAMP '2024-01-04 00:00:00' AND ts < TIMESTAMP '2024-01-04 01:40:48'",
     "SELECT count(*) AS n, sum(revenue) AS rev FROM events "
     "WHERE ts >= '2024-01-04 00:00:00' AND ts < '2024-01-04 01:40:48'",
     "SELECT count(*) AS n, sum(revenue) AS rev FROM events "
     "WHERE ts >= toDateTime('2024-01-04 00:00:00') AND ts < toDateTime('2024-01-04 01:40:48')",
     NULL},
};

const floe_bench_query *floe_bench_queries(size_t *out_n)
{
    *out_n = sizeof queries / sizeof queries[0];
    return queries;
}

const char *floe_bench_query_sql(const floe_bench_query *q, const char *dialect)
{
    if (strcmp(dialect, "floe") == 0) return q->floe ? q->floe : q->duckdb;
    if (strcmp(dialect, "duckdb") == 0) return q->duckdb;
    if (strcmp(dialect, "sqlite") == 0) return q->sqlite;
    if (strcmp(dialect, "clickhouse") == 0) return q->clickhouse;
    return NULL;
}
