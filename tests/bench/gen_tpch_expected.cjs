// tests/bench/gen_tpch_expected.cjs: DuckDB's answers to the 22 TPC-H queries
// of floe-bench's query set, for tests/bench/tpch_answers.c.
//
// Usage: node tests/bench/gen_tpch_expected.cjs DIR > tests/bench/tpch_sf001.expected
// DIR holds the 8 tables as CSV (`floe-bench gen <table> --sf 0.01 --out
// DIR/<table>.csv`) and queries.txt (`tpch_answers --dump-queries`: one
// "name<TAB>sql" line per query). Needs DuckDB's Node API
// (../shared/peers/install_peers.sh puts it under $PEERS_PREFIX, default
// /opt/peers). Output, per query: "Q <name> <nrows> <ncols>", then the rows,
// cells tab-separated, NULL as \N, DOUBLE with 17 significant digits,
// integers and dates as DuckDB prints them. Column types are floe-bench's
// (bench/bench_data.c): decimals DOUBLE, dates DATE.
'use strict';
const fs = require('fs');
const path = require('path');
const PREFIX = process.env.PEERS_PREFIX || '/opt/peers';
const { DuckDBInstance } = require(path.join(PREFIX, 'node_modules/@duckdb/node-api'));

const schema = `
CREATE TABLE lineitem (l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INTEGER, l_quantity DOUBLE, l_extendedprice DOUBLE, l_discount DOUBLE, l_tax DOUBLE, l_returnflag VARCHAR, l_linestatus VARCHAR, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipinstruct VARCHAR, l_shipmode VARCHAR, l_comment VARCHAR);
CREATE TABLE orders (o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus VARCHAR, o_totalprice DOUBLE, o_orderdate DATE, o_orderpriority VARCHAR, o_clerk VARCHAR, o_shippriority INTEGER, o_comment VARCHAR);
CREATE TABLE customer (c_custkey BIGINT, c_name VARCHAR, c_address VARCHAR, c_nationkey INTEGER, c_phone VARCHAR, c_acctbal DOUBLE, c_mktsegment VARCHAR, c_comment VARCHAR);
CREATE TABLE part (p_partkey BIGINT, p_name VARCHAR, p_mfgr VARCHAR, p_brand VARCHAR, p_type VARCHAR, p_size INTEGER, p_container VARCHAR, p_retailprice DOUBLE, p_comment VARCHAR);
CREATE TABLE supplier (s_suppkey BIGINT, s_name VARCHAR, s_address VARCHAR, s_nationkey INTEGER, s_phone VARCHAR, s_acctbal DOUBLE, s_comment VARCHAR);
CREATE TABLE partsupp (ps_partkey BIGINT, ps_suppkey BIGINT, ps_availqty INTEGER, ps_supplycost DOUBLE, ps_comment VARCHAR);
CREATE TABLE nation (n_nationkey INTEGER, n_name VARCHAR, n_regionkey INTEGER, n_comment VARCHAR);
CREATE TABLE region (r_regionkey INTEGER, r_name VARCHAR, r_comment VARCHAR);`;

function cell(v) {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(17);
  return v.toString();
}

(async () => {
  const dir = process.argv[2];
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(schema);
  for (const t of ['lineitem', 'orders', 'customer', 'part', 'supplier', 'partsupp', 'nation', 'region'])
    await con.run(`COPY ${t} FROM '${path.join(dir, t + '.csv')}' (HEADER)`);
  const out = [];
  for (const line of fs.readFileSync(path.join(dir, 'queries.txt'), 'utf8').split('\n')) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    const name = line.slice(0, tab), sql = line.slice(tab + 1);
    const r = await con.runAndReadAll(sql);
    const rows = r.getRows();
    out.push(`Q ${name} ${rows.length} ${r.columnCount}`);
    for (const row of rows) out.push(row.map(cell).join('\t'));
  }
  process.stdout.write(out.join('\n') + '\n');
})();
