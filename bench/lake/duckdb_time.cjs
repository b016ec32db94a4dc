// bench/lake/duckdb_time.cjs: run SQL statements in DuckDB (the peers kit's
// node bindings) and print, for each, "<seconds>\t<first row>" timed inside
// the process (runAndReadAll, result materialized), so node's start-up is
// not counted. Usage: node duckdb_time.cjs [--threads N] SQL...
'use strict';
const path = require('path');
const PREFIX = process.env.PEERS_PREFIX || '/opt/peers';
const api = require(path.join(PREFIX, 'node_modules/@duckdb/node-api'));
(async () => {
  let args = process.argv.slice(2), threads = null;
  if (args[0] === '--threads') { threads = args[1]; args = args.slice(2); }
  const inst = await api.DuckDBInstance.create(':memory:', threads ? { threads } : {});
  const con = await inst.connect();
  for (const sql of args) {
    const t0 = process.hrtime.bigint();
    const r = await con.runAndReadAll(sql);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const rows = r.getRows();
    console.log(secs.toFixed(3) + '\t' + (rows.length ? rows[0].map(String).join('|') : ''));
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
