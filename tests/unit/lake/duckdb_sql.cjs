// tests/unit/lake/duckdb_sql.cjs: run SQL statements in DuckDB (the peers
// kit's node bindings) and print the last one's rows as '|'-separated text
// (NULL as "NULL"). Usage: node duckdb_sql.cjs SQL... Exit 2 when DuckDB is
// not installed (tests skip), 1 on a SQL error.
'use strict';
const path = require('path');
const PREFIX = process.env.PEERS_PREFIX || '/opt/peers';
let api;
try { api = require(path.join(PREFIX, 'node_modules/@duckdb/node-api')); } catch (e) { process.exit(2); }
(async () => {
  const inst = await api.DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  const stmts = process.argv.slice(2);
  for (let i = 0; i < stmts.length; i++) {
    const r = await con.runAndReadAll(stmts[i]);
    if (i < stmts.length - 1) continue;
    for (const row of r.getRows())
      console.log(row.map((v) => (v === null ? 'NULL' : String(v))).join('|'));
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
