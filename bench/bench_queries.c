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
    /* the TPC-H join queries over all 8 tables (the kit's --only tpch); ClickHouse 18.16
     * runs the kit's hand-written nested-JOIN equivalents, SQLite Q5 its CROSS JOIN order */
    {"tpch_q3", "tpch",
     "SELECT l_orderkey, "
     "       sum(l_extendedprice * (1 - l_discount)) AS revenue, "
     "       o_orderdate, o_shippriority "
     "FROM customer, orders, lineitem "
     "WHERE c_mktsegment = 'BUILDING' "
     "  AND c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND o_orderdate < DATE '1995-03-15' "
     "  AND l_shipdate > DATE '1995-03-15' "
     "GROUP BY l_orderkey, o_orderdate, o_shippriority "
     "ORDER BY revenue DESC, o_orderdate "
     "LIMIT 10",
     "SELECT l_orderkey, "
     "       sum(l_extendedprice * (1 - l_discount)) AS revenue, "
     "       o_orderdate, o_shippriority "
     "FROM customer, orders, lineitem "
     "WHERE c_mktsegment = 'BUILDING' "
     "  AND c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND o_orderdate < '1995-03-15' "
     "  AND l_shipdate > '1995-03-15' "
     "GROUP BY l_orderkey, o_orderdate, o_shippriority "
     "ORDER BY revenue DESC, o_orderdate "
     "LIMIT 10",
     "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority "
     "FROM lineitem "
     "ALL INNER JOIN ( "
     "    SELECT o_orderkey AS l_orderkey, o_orderdate, o_shippriority "
     "    FROM orders "
     "    ALL INNER JOIN (SELECT c_custkey AS o_custkey FROM customer WHERE c_mktsegment = 'BUILDING') USING (o_custkey) "
     "    WHERE o_orderdate < toDate('1995-03-15') "
     ") USING (l_orderkey) "
     "WHERE l_shipdate > toDate('1995-03-15') "
     "GROUP BY l_orderkey, o_orderdate, o_shippriority "
     "ORDER BY revenue DESC, o_orderdate "
     "LIMIT 10",
     NULL},
    {"tpch_q5", "tpch",
     "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
     "FROM customer, orders, lineitem, supplier, nation, region "
     "WHERE c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND l_suppkey = s_suppkey "
     "  AND c_nationkey = s_nationkey "
     "  AND s_nationkey = n_nationkey "
     "  AND n_regionkey = r_regionkey "
     "  AND r_name = 'ASIA' "
     "  AND o_orderdate >= DATE '1994-01-01' "
     "  AND o_orderdate < DATE '1995-01-01' "
     "GROUP BY n_name "
     "ORDER BY revenue DESC",
     "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
     "FROM region CROSS JOIN nation CROSS JOIN customer CROSS JOIN orders CROSS JOIN lineitem CROSS JOIN supplier "
     "WHERE c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND l_suppkey = s_suppkey "
     "  AND c_nationkey = s_nationkey "
     "  AND s_nationkey = n_nationkey "
     "  AND n_regionkey = r_regionkey "
     "  AND r_name = 'ASIA' "
     "  AND o_orderdate >= '1994-01-01' "
     "  AND o_orderdate < '1995-01-01' "
     "GROUP BY n_name "
     "ORDER BY revenue DESC",
     "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
     "FROM ( "
     "    SELECT l_extendedprice, l_discount, nationkey "
     "    FROM ( "
     "        SELECT l_extendedprice, l_discount, o_custkey, s_nationkey AS nationkey "
     "        FROM ( "
     "            SELECT l_extendedprice, l_discount, l_suppkey, o_custkey "
     "            FROM lineitem "
     "            ALL INNER JOIN ( "
     "                SELECT o_orderkey AS l_orderkey, o_custkey FROM orders "
     "                WHERE o_orderdate >= toDate('1994-01-01') AND o_orderdate < toDate('1995-01-01') "
     "            ) USING (l_orderkey) "
     "        ) "
     "        ALL INNER JOIN (SELECT s_suppkey AS l_suppkey, s_nationkey FROM supplier) USING (l_suppkey) "
     "    ) "
     "    ALL INNER JOIN (SELECT c_custkey AS o_custkey, c_nationkey AS nationkey FROM customer) USING (o_custkey, nationkey) "
     ") "
     "ALL INNER JOIN ( "
     "    SELECT n_nationkey AS nationkey, n_name "
     "    FROM nation "
     "    ALL INNER JOIN (SELECT r_regionkey AS n_regionkey FROM region WHERE r_name = 'ASIA') USING (n_regionkey) "
     ") USING (nationkey) "
     "GROUP BY n_name "
     "ORDER BY revenue DESC",
     NULL},
    {"tpch_q10", "tpch",
     "SELECT c_custkey, c_name, "
     "       sum(l_extendedprice * (1 - l_discount)) AS revenue, "
     "       c_acctbal, n_name, c_address, c_phone, c_comment "
     "FROM customer, orders, lineitem, nation "
     "WHERE c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND o_orderdate >= DATE '1993-10-01' "
     "  AND o_orderdate < DATE '1994-01-01' "
     "  AND l_returnflag = 'R' "
     "  AND c_nationkey = n_nationkey "
     "GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment "
     "ORDER BY revenue DESC "
     "LIMIT 20",
     "SELECT c_custkey, c_name, "
     "       sum(l_extendedprice * (1 - l_discount)) AS revenue, "
     "       c_acctbal, n_name, c_address, c_phone, c_comment "
     "FROM customer, orders, lineitem, nation "
     "WHERE c_custkey = o_custkey "
     "  AND l_orderkey = o_orderkey "
     "  AND o_orderdate >= '1993-10-01' "
     "  AND o_orderdate < '1994-01-01' "
     "  AND l_returnflag = 'R' "
     "  AND c_nationkey = n_nationkey "
     "GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment "
     "ORDER BY revenue DESC "
     "LIMIT 20",
     "SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, "
     "       c_acctbal, n_name, c_address, c_phone, c_comment "
     "FROM ( "
     "    SELECT l_extendedprice, l_discount, o_custkey AS c_custkey "
     "    FROM lineitem "
     "    ALL INNER JOIN ( "
     "        SELECT o_orderkey AS l_orderkey, o_custkey FROM orders "
     "        WHERE o_orderdate >= toDate('1993-10-01') AND o_orderdate < toDate('1994-01-01') "
     "    ) USING (l_orderkey) "
     "    WHERE l_returnflag = 'R' "
     ") "
     "ALL INNER JOIN ( "
     "    SELECT c_custkey, c_name, c_acctbal, c_address, c_phone, c_comment, n_name "
     "    FROM customer "
     "    ALL INNER JOIN (SELECT n_nationkey AS c_nationkey, n_name FROM nation) USING (c_nationkey) "
     ") USING (c_custkey) "
     "GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment "
     "ORDER BY revenue DESC "
     "LIMIT 20",
     NULL},
    {"tpch_q12", "tpch",
     "SELECT l_shipmode, "
     "       sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count, "
     "       sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count "
     "FROM orders, lineitem "
     "WHERE o_orderkey = l_orderkey "
     "  AND l_shipmode IN ('MAIL', 'SHIP') "
     "  AND l_commitdate < l_receiptdate "
     "  AND l_shipdate < l_commitdate "
     "  AND l_receiptdate >= DATE '1994-01-01' "
     "  AND l_receiptdate < DATE '1995-01-01' "
     "GROUP BY l_shipmode "
     "ORDER BY l_shipmode",
     "SELECT l_shipmode, "
     "       sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count, "
     "       sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count "
     "FROM orders, lineitem "
     "WHERE o_orderkey = l_orderkey "
     "  AND l_shipmode IN ('MAIL', 'SHIP') "
     "  AND l_commitdate < l_receiptdate "
     "  AND l_shipdate < l_commitdate "
     "  AND l_receiptdate >= '1994-01-01' "
     "  AND l_receiptdate < '1995-01-01' "
     "GROUP BY l_shipmode "
     "ORDER BY l_shipmode",
     "SELECT l_shipmode, "
     "       sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count, "
     "       sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count "
     "FROM lineitem "
     "ALL INNER JOIN (SELECT o_orderkey AS l_orderkey, o_orderpriority FROM orders) USING (l_orderkey) "
     "WHERE l_shipmode IN ('MAIL', 'SHIP') "
     "  AND l_commitdate < l_receiptdate "
     "  AND l_shipdate < l_commitdate "
     "  AND l_receiptdate >= toDate('1994-01-01') "
     "  AND l_receiptdate < toDate('1995-01-01') "
     "GROUP BY l_shipmode "
     "ORDER BY l_shipmode",
     NULL},
    {"tpch_q14", "tpch",
     "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END) "
     "       / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue "
     "FROM lineitem, part "
     "WHERE l_partkey = p_partkey "
     "  AND l_shipdate >= DATE '1995-09-01' "
     "  AND l_shipdate < DATE '1995-10-01'",
     "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END) "
     "       / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue "
     "FROM lineitem, part "
     "WHERE l_partkey = p_partkey "
     "  AND l_shipdate >= '1995-09-01' "
     "  AND l_shipdate < '1995-10-01'",
     "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END) "
     "       / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue "
     "FROM lineitem "
     "ALL INNER JOIN (SELECT p_partkey AS l_partkey, p_type FROM part) USING (l_partkey) "
     "WHERE l_shipdate >= toDate('1995-09-01') "
     "  AND l_shipdate < toDate('1995-10-01')",
     NULL},
    {"tpch_q18", "tpch",
     "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) AS sum_qty "
     "FROM customer, orders, lineitem "
     "WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300) "
     "  AND c_custkey = o_custkey "
     "  AND o_orderkey = l_orderkey "
     "GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice "
     "ORDER BY o_totalprice DESC, o_orderdate "
     "LIMIT 100",
     "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) AS sum_qty "
     "FROM customer, orders, lineitem "
     "WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300) "
     "  AND c_custkey = o_custkey "
     "  AND o_orderkey = l_orderkey "
     "GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice "
     "ORDER BY o_totalprice DESC, o_orderdate "
     "LIMIT 100",
     "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) AS sum_qty "
     "FROM ( "
     "    SELECT l_quantity, l_orderkey AS o_orderkey, o_orderdate, o_totalprice, o_custkey AS c_custkey "
     "    FROM lineitem "
     "    ALL INNER JOIN ( "
     "        SELECT o_orderkey AS l_orderkey, o_custkey, o_orderdate, o_totalprice FROM orders "
     "        WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300) "
     "    ) USING (l_orderkey) "
     ") "
     "ALL INNER JOIN (SELECT c_custkey, c_name FROM customer) USING (c_custkey) "
     "GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice "
     "ORDER BY o_totalprice DESC, o_orderdate "
     "LIMIT 100",
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
