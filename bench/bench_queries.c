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

/* The other 14 TPC-H queries as the specification writes them (qgen with the
 * validation parameters; Q15 in the CTE form DuckDB uses instead of the view).
 * Only floe and DuckDB run them (no SQLite or ClickHouse text). */
#define TPCH_Q2 \
    "SELECT s_acctbal, s_name, n_name, p_partkey, p_mfgr, s_address, s_phone, s_comment " \
    "FROM part, supplier, partsupp, nation, region " \
    "WHERE p_partkey = ps_partkey " \
    "  AND s_suppkey = ps_suppkey " \
    "  AND p_size = 15 " \
    "  AND p_type LIKE '%BRASS' " \
    "  AND s_nationkey = n_nationkey " \
    "  AND n_regionkey = r_regionkey " \
    "  AND r_name = 'EUROPE' " \
    "  AND ps_supplycost = ( " \
    "    SELECT min(ps_supplycost) " \
    "    FROM partsupp, supplier, nation, region " \
    "    WHERE p_partkey = ps_partkey " \
    "      AND s_suppkey = ps_suppkey " \
    "      AND s_nationkey = n_nationkey " \
    "      AND n_regionkey = r_regionkey " \
    "      AND r_name = 'EUROPE') " \
    "ORDER BY s_acctbal DESC, n_name, s_name, p_partkey " \
    "LIMIT 100 "

#define TPCH_Q4 \
    "SELECT o_orderpriority, count(*) AS order_count " \
    "FROM orders " \
    "WHERE o_orderdate >= DATE '1993-07-01' " \
    "  AND o_orderdate < DATE '1993-07-01' + INTERVAL '3' MONTH " \
    "  AND EXISTS ( " \
    "    SELECT * FROM lineitem " \
    "    WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) " \
    "GROUP BY o_orderpriority " \
    "ORDER BY o_orderpriority "

#define TPCH_Q7 \
    "SELECT supp_nation, cust_nation, l_year, sum(volume) AS revenue " \
    "FROM ( " \
    "  SELECT n1.n_name AS supp_nation, n2.n_name AS cust_nation, " \
    "         extract(year FROM l_shipdate) AS l_year, " \
    "         l_extendedprice * (1 - l_discount) AS volume " \
    "  FROM supplier, lineitem, orders, customer, nation n1, nation n2 " \
    "  WHERE s_suppkey = l_suppkey " \
    "    AND o_orderkey = l_orderkey " \
    "    AND c_custkey = o_custkey " \
    "    AND s_nationkey = n1.n_nationkey " \
    "    AND c_nationkey = n2.n_nationkey " \
    "    AND ((n1.n_name = 'FRANCE' AND n2.n_name = 'GERMANY') " \
    "      OR (n1.n_name = 'GERMANY' AND n2.n_name = 'FRANCE')) " \
    "    AND l_shipdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31') AS shipping " \
    "GROUP BY supp_nation, cust_nation, l_year " \
    "ORDER BY supp_nation, cust_nation, l_year "

#define TPCH_Q8 \
    "SELECT o_year, " \
    "       sum(CASE WHEN nation = 'BRAZIL' THEN volume ELSE 0 END) / sum(volume) AS mkt_share " \
    "FROM ( " \
    "  SELECT extract(year FROM o_orderdate) AS o_year, " \
    "         l_extendedprice * (1 - l_discount) AS volume, " \
    "         n2.n_name AS nation " \
    "  FROM part, supplier, lineitem, orders, customer, nation n1, nation n2, region " \
    "  WHERE p_partkey = l_partkey " \
    "    AND s_suppkey = l_suppkey " \
    "    AND l_orderkey = o_orderkey " \
    "    AND o_custkey = c_custkey " \
    "    AND c_nationkey = n1.n_nationkey " \
    "    AND n1.n_regionkey = r_regionkey " \
    "    AND r_name = 'AMERICA' " \
    "    AND s_nationkey = n2.n_nationkey " \
    "    AND o_orderdate BETWEEN DATE '1995-01-01' AND DATE '1996-12-31' " \
    "    AND p_type = 'ECONOMY ANODIZED STEEL') AS all_nations " \
    "GROUP BY o_year " \
    "ORDER BY o_year "

#define TPCH_Q9 \
    "SELECT nation, o_year, sum(amount) AS sum_profit " \
    "FROM ( " \
    "  SELECT n_name AS nation, " \
    "         extract(year FROM o_orderdate) AS o_year, " \
    "         l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity AS amount " \
    "  FROM part, supplier, lineitem, partsupp, orders, nation " \
    "  WHERE s_suppkey = l_suppkey " \
    "    AND ps_suppkey = l_suppkey " \
    "    AND ps_partkey = l_partkey " \
    "    AND p_partkey = l_partkey " \
    "    AND o_orderkey = l_orderkey " \
    "    AND s_nationkey = n_nationkey " \
    "    AND p_name LIKE '%green%') AS profit " \
    "GROUP BY nation, o_year " \
    "ORDER BY nation, o_year DESC "

#define TPCH_Q11 \
    "SELECT ps_partkey, sum(ps_supplycost * ps_availqty) AS value " \
    "FROM partsupp, supplier, nation " \
    "WHERE ps_suppkey = s_suppkey " \
    "  AND s_nationkey = n_nationkey " \
    "  AND n_name = 'GERMANY' " \
    "GROUP BY ps_partkey " \
    "HAVING sum(ps_supplycost * ps_availqty) > ( " \
    "  SELECT sum(ps_supplycost * ps_availqty) * 0.0001 " \
    "  FROM partsupp, supplier, nation " \
    "  WHERE ps_suppkey = s_suppkey " \
    "    AND s_nationkey = n_nationkey " \
    "    AND n_name = 'GERMANY') " \
    "ORDER BY value DESC "

#define TPCH_Q13 \
    "SELECT c_count, count(*) AS custdist " \
    "FROM ( " \
    "  SELECT c_custkey, count(o_orderkey) " \
    "  FROM customer LEFT OUTER JOIN orders " \
    "    ON c_custkey = o_custkey AND o_comment NOT LIKE '%special%requests%' " \
    "  GROUP BY c_custkey) AS c_orders (c_custkey, c_count) " \
    "GROUP BY c_count " \
    "ORDER BY custdist DESC, c_count DESC "

#define TPCH_Q15 \
    "WITH revenue0 (supplier_no, total_revenue) AS ( " \
    "  SELECT l_suppkey, sum(l_extendedprice * (1 - l_discount)) " \
    "  FROM lineitem " \
    "  WHERE l_shipdate >= DATE '1996-01-01' " \
    "    AND l_shipdate < DATE '1996-01-01' + INTERVAL '3' MONTH " \
    "  GROUP BY l_suppkey) " \
    "SELECT s_suppkey, s_name, s_address, s_phone, total_revenue " \
    "FROM supplier, revenue0 " \
    "WHERE s_suppkey = supplier_no " \
    "  AND total_revenue = (SELECT max(total_revenue) FROM revenue0) " \
    "ORDER BY s_suppkey "

#define TPCH_Q16 \
    "SELECT p_brand, p_type, p_size, count(DISTINCT ps_suppkey) AS supplier_cnt " \
    "FROM partsupp, part " \
    "WHERE p_partkey = ps_partkey " \
    "  AND p_brand <> 'Brand#45' " \
    "  AND p_type NOT LIKE 'MEDIUM POLISHED%' " \
    "  AND p_size IN (49, 14, 23, 45, 19, 3, 36, 9) " \
    "  AND ps_suppkey NOT IN ( " \
    "    SELECT s_suppkey FROM supplier WHERE s_comment LIKE '%Customer%Complaints%') " \
    "GROUP BY p_brand, p_type, p_size " \
    "ORDER BY supplier_cnt DESC, p_brand, p_type, p_size "

#define TPCH_Q17 \
    "SELECT sum(l_extendedprice) / 7.0 AS avg_yearly " \
    "FROM lineitem, part " \
    "WHERE p_partkey = l_partkey " \
    "  AND p_brand = 'Brand#23' " \
    "  AND p_container = 'MED BOX' " \
    "  AND l_quantity < ( " \
    "    SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey) "

#define TPCH_Q19 \
    "SELECT sum(l_extendedprice * (1 - l_discount)) AS revenue " \
    "FROM lineitem, part " \
    "WHERE (p_partkey = l_partkey " \
    "    AND p_brand = 'Brand#12' " \
    "    AND p_container IN ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG') " \
    "    AND l_quantity >= 1 AND l_quantity <= 1 + 10 " \
    "    AND p_size BETWEEN 1 AND 5 " \
    "    AND l_shipmode IN ('AIR', 'AIR REG') " \
    "    AND l_shipinstruct = 'DELIVER IN PERSON') " \
    "   OR (p_partkey = l_partkey " \
    "    AND p_brand = 'Brand#23' " \
    "    AND p_container IN ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK') " \
    "    AND l_quantity >= 10 AND l_quantity <= 10 + 10 " \
    "    AND p_size BETWEEN 1 AND 10 " \
    "    AND l_shipmode IN ('AIR', 'AIR REG') " \
    "    AND l_shipinstruct = 'DELIVER IN PERSON') " \
    "   OR (p_partkey = l_partkey " \
    "    AND p_brand = 'Brand#34' " \
    "    AND p_container IN ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG') " \
    "    AND l_quantity >= 20 AND l_quantity <= 20 + 10 " \
    "    AND p_size BETWEEN 1 AND 15 " \
    "    AND l_shipmode IN ('AIR', 'AIR REG') " \
    "    AND l_shipinstruct = 'DELIVER IN PERSON') "

#define TPCH_Q20 \
    "SELECT s_name, s_address " \
    "FROM supplier, nation " \
    "WHERE s_suppkey IN ( " \
    "    SELECT ps_suppkey FROM partsupp " \
    "    WHERE ps_partkey IN (SELECT p_partkey FROM part WHERE p_name LIKE 'forest%') " \
    "      AND ps_availqty > ( " \
    "        SELECT 0.5 * sum(l_quantity) FROM lineitem " \
    "        WHERE l_partkey = ps_partkey " \
    "          AND l_suppkey = ps_suppkey " \
    "          AND l_shipdate >= DATE '1994-01-01' " \
    "          AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR)) " \
    "  AND s_nationkey = n_nationkey " \
    "  AND n_name = 'CANADA' " \
    "ORDER BY s_name "

#define TPCH_Q21 \
    "SELECT s_name, count(*) AS numwait " \
    "FROM supplier, lineitem l1, orders, nation " \
    "WHERE s_suppkey = l1.l_suppkey " \
    "  AND o_orderkey = l1.l_orderkey " \
    "  AND o_orderstatus = 'F' " \
    "  AND l1.l_receiptdate > l1.l_commitdate " \
    "  AND EXISTS ( " \
    "    SELECT * FROM lineitem l2 " \
    "    WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey) " \
    "  AND NOT EXISTS ( " \
    "    SELECT * FROM lineitem l3 " \
    "    WHERE l3.l_orderkey = l1.l_orderkey " \
    "      AND l3.l_suppkey <> l1.l_suppkey " \
    "      AND l3.l_receiptdate > l3.l_commitdate) " \
    "  AND s_nationkey = n_nationkey " \
    "  AND n_name = 'SAUDI ARABIA' " \
    "GROUP BY s_name " \
    "ORDER BY numwait DESC, s_name " \
    "LIMIT 100 "

#define TPCH_Q22 \
    "SELECT cntrycode, count(*) AS numcust, sum(c_acctbal) AS totacctbal " \
    "FROM ( " \
    "  SELECT substring(c_phone FROM 1 FOR 2) AS cntrycode, c_acctbal " \
    "  FROM customer " \
    "  WHERE substring(c_phone FROM 1 FOR 2) IN ('13', '31', '23', '29', '30', '18', '17') " \
    "    AND c_acctbal > ( " \
    "      SELECT avg(c_acctbal) FROM customer " \
    "      WHERE c_acctbal > 0.00 " \
    "        AND substring(c_phone FROM 1 FOR 2) IN ('13', '31', '23', '29', '30', '18', '17')) " \
    "    AND NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey)) AS custsale " \
    "GROUP BY cntrycode " \
    "ORDER BY cntrycode "
#define TPCH(n) {"tpch_q" #n, "tpch", TPCH_Q##n, NULL, NULL, NULL}

static const floe_bench_query queries[] = {
    {"tpch_q1", "lineitem", Q1_BODY("DATE '1998-09-02'"), Q1_BODY("'1998-09-02'"),
     Q1_BODY("toDate('1998-09-02')"), NULL},
    {"tpch_q6", "lineitem", Q6_BODY("DATE '1994-01-01'", "DATE '1995-01-01'"),
     Q6_BODY("'1994-01-01'", "'1995-01-01'"), Q6_BODY("toDate('1994-01-01')", "toDate('1995-01-01')"),
     NULL},
    /* the TPC-H join queries over all 8 tables (the kit's --only tpch); ClickHouse 18.16
     * runs the kit's hand-written nested-JOIN equivalents, SQLite Q5 its CROSS JOIN order */
    TPCH(2),
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
    TPCH(4),
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
    TPCH(7),
    TPCH(8),
    TPCH(9),
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
    TPCH(11),
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
    TPCH(13),
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
    TPCH(15),
    TPCH(16),
    TPCH(17),
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
    TPCH(19),
    TPCH(20),
    TPCH(21),
    TPCH(22),
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
