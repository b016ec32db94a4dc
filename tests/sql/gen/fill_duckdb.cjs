// tests/sql/gen/fill_duckdb.cjs: fill the expected results of a floe .test file from DuckDB.
//
// Usage: node tests/sql/gen/fill_duckdb.cjs tests/sql/FILE.test [...]
// Needs DuckDB's Node API (../shared/peers/install_peers.sh puts it under
// $PEERS_PREFIX, default /opt/peers). Rewrites the file in place:
//   * every `statement ok` runs in DuckDB too (it must succeed there);
//   * every `query <types> [sort]` record gets its expected block replaced
//     by DuckDB's answer, formatted as floe-slt prints values (I integers,
//     booleans 1/0 under I, R %.3f, T text with (empty) for '' and bytes
//     outside ' '..'~' as '@', NULL as NULL; rowsort/valuesort applied);
//   * `statement error <text>` must fail in DuckDB as well (the text is
//     floe's message and is kept);
//   * a query preceded by `# floe-only: <why>` is left as written (floe's
//     own documented semantics where it differs from DuckDB).
// It exits 1 when DuckDB disagrees with a record's kind (error vs ok).
'use strict';
const fs = require('fs');
const path = require('path');
const PREFIX = process.env.PEERS_PREFIX || '/opt/peers';
const { DuckDBInstance } = require(path.join(PREFIX, 'node_modules/@duckdb/node-api'));

function fmt(t, v) {
  if (v === null || v === undefined) return 'NULL';
  const s = v.toString();
  if (t === 'I') {
    if (s === 'true') return '1';
    if (s === 'false') return '0';
    return s.includes('.') ? String(Math.trunc(Number(s))) : s;
  }
  if (t === 'R') return Number(s).toFixed(3);
  if (s === '') return '(empty)';
  let o = '';
  for (const b of Buffer.from(s, 'utf8')) o += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '@';
  return o;
}

async function fill(file) {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  // latin1 keeps every byte as it is (floe-only records may hold invalid UTF-8)
  const lines = fs.readFileSync(file, 'latin1').split('\n');
  const u8 = (a) => Buffer.from(a.join('\n'), 'latin1').toString('utf8');
  const out = [];
  let bad = 0, i = 0, floeOnly = false;
  while (i < lines.length) {
    const l = lines[i];
    if (l.startsWith('# floe-only')) { floeOnly = true; out.push(l); i++; continue; }
    if (l.startsWith('statement ')) {
      const sql = [];
      out.push(l); i++;
      while (i < lines.length && lines[i].trim() !== '') { sql.push(lines[i]); out.push(lines[i]); i++; }
      let ok = true;
      try { await con.run(u8(sql)); } catch (e) { ok = false; }
      if (ok !== l.startsWith('statement ok') && !floeOnly) {
        console.error(`${file}: DuckDB ${ok ? 'accepts' : 'rejects'}: ${sql.join(' ')}`);
        bad++;
      }
      floeOnly = false;
      continue;
    }
    if (l.startsWith('query ')) {
      const parts = l.split(/\s+/), types = parts[1], sort = parts[2] || 'nosort';
      const sql = [];
      out.push(l); i++;
      while (i < lines.length && lines[i] !== '----') { sql.push(lines[i]); out.push(lines[i]); i++; }
      out.push('----'); i++;
      const old = [];
      while (i < lines.length && lines[i].trim() !== '') { old.push(lines[i]); i++; }
      if (floeOnly) { out.push(...old); floeOnly = false; continue; }
      let rows;
      try { rows = (await con.runAndReadAll(u8(sql))).getRows(); } catch (e) {
        console.error(`${file}: DuckDB error on ${sql.join(' ')}: ${e.message.split('\n')[0]}`);
        bad++; out.push(...old); continue;
      }
      let vals = rows.map(r => r.map((v, k) => fmt(types[k] || 'T', v)));
      if (sort === 'rowsort') vals.sort((a, b) => (a.join('\t') < b.join('\t') ? -1 : a.join('\t') > b.join('\t') ? 1 : 0));
      let flat = vals.flat();
      if (sort === 'valuesort') flat.sort();
      out.push(...flat);
      continue;
    }
    out.push(l); i++;
  }
  fs.writeFileSync(file, out.join('\n'), 'latin1');
  return bad;
}

(async () => {
  let bad = 0;
  for (const f of process.argv.slice(2)) bad += await fill(f);
  process.exit(bad ? 1 : 0);
})();
