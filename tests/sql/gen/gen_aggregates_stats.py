#!/usr/bin/env python3
"""Generate tests/sql/aggregates_stats.test: statistical, arg_min/arg_max,
mode, quantile_cont / percentile_* and FILTER aggregates, with expected
values computed by DuckDB (the node bindings in /opt/peers, see
../shared/peers/README.md) on the same rows.

    python3 tests/sql/gen/gen_aggregates_stats.py > tests/sql/aggregates_stats.test

Floats are compared as the runner does for R columns (printf %.3f); DuckDB's
doubles are formatted with the same rounding here. Where floe deliberately
differs from DuckDB (corr / regr_slope / regr_intercept / regr_r2 of a
constant x or y, as in the single-row group 'f': NULL as PostgreSQL, DuckDB
gives NaN) a NaN is written as NULL, and the hand-written queries of
aggregates_stats_tail.test (appended) cover the cases.
"""
import json, random, subprocess, sys, os, tempfile

SEED = 20260314
N = 2000
rnd = random.Random(SEED)
rows = []
for i in range(1, N + 1):
    g = rnd.choice("abcd")
    if i % 97 == 0:
        g = "e"  # group e: x and y always NULL
    x = None if (rnd.random() < 0.1 or g == "e") else rnd.randint(-50, 60)
    y = None if (rnd.random() < 0.1 or g == "e") else round(rnd.gauss(3 * (x or 0), 20), 3) + i * 1e-6
    # a skewed small column so that mode() has a clear winner per group
    m = rnd.choices([1, 2, 3, 4, 5], weights=[1, 2, 9, 3, 1])[0] if rnd.random() < 0.95 else None
    s = "s%04d" % rnd.randint(0, 9999)
    rows.append((i, g, x, y, m, s))
rows.append((N + 1, "f", 7, 2.5, 4, "only"))  # group f: a single row

def lit(v):
    if v is None: return "NULL"
    if isinstance(v, str): return "'" + v + "'"
    if isinstance(v, float): return repr(v)
    return str(v)

create = "CREATE TABLE st(id INTEGER, g VARCHAR, x INTEGER, y DOUBLE, m INTEGER, s VARCHAR)"
inserts = []
for k in range(0, len(rows), 500):
    inserts.append("INSERT INTO st VALUES " + ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows[k:k + 500]))

# (types, sort, sql)
Q = [
    ("TRRRRRR", "SELECT g, stddev_samp(x), stddev_pop(x), var_samp(x), var_pop(x), stddev(y), variance(y) FROM st GROUP BY g ORDER BY g"),
    ("RRRRRR", "SELECT stddev_samp(x), stddev_pop(x), var_samp(x), var_pop(x), stddev(y), variance(y) FROM st"),
    ("TRRRI", "SELECT g, covar_samp(y, x), covar_pop(y, x), corr(y, x), regr_count(y, x) FROM st GROUP BY g ORDER BY g"),
    ("TRRRRRRRRR", "SELECT g, regr_slope(y, x), regr_intercept(y, x), regr_r2(y, x), regr_avgx(y, x), regr_avgy(y, x), regr_sxx(y, x), regr_syy(y, x), regr_sxy(y, x), corr(x, y) FROM st GROUP BY g ORDER BY g"),
    ("RRRRRRRRRRI", "SELECT covar_samp(y, x), covar_pop(y, x), corr(y, x), regr_slope(y, x), regr_intercept(y, x), regr_r2(y, x), regr_avgx(y, x), regr_avgy(y, x), regr_sxx(y, x), regr_sxy(y, x), regr_count(y, x) FROM st"),
    # an argument that is an expression, over a WHERE
    ("TRRR", "SELECT g, stddev_samp(x * 2 + 1), covar_pop(x + 0.5, y / 2), regr_slope(y - x, x) FROM st WHERE id % 3 <> 0 GROUP BY g ORDER BY g"),
    # arg_min / arg_max and aliases (y is unique: no ties)
    ("TTTIITT", "SELECT g, arg_min(s, y), arg_max(s, y), min_by(id, y), max_by(id, y), argmin(s, y), argmax(s, y) FROM st GROUP BY g ORDER BY g"),
    ("TTRI", "SELECT arg_min(s, y), arg_max(s, y), arg_min(y, id), arg_max(x, id) FROM st"),
    # mode
    ("TII", "SELECT g, mode(m), mode(x % 3) FROM st GROUP BY g ORDER BY g"),
    # quantiles
    ("TRRRRR", "SELECT g, quantile_cont(y, 0.1), quantile_cont(y, 0.5), quantile_cont(x, 0.9), median(y), quantile_cont(x, 0.0) FROM st GROUP BY g ORDER BY g"),
    ("TRRIIII", "SELECT g, percentile_cont(0.25) WITHIN GROUP (ORDER BY y), percentile_cont(0.75) WITHIN GROUP (ORDER BY x), percentile_disc(0.25) WITHIN GROUP (ORDER BY x), quantile_disc(x, 0.3), quantile_disc(x, 0.5), quantile_disc(x, 1.0) FROM st GROUP BY g ORDER BY g"),
    ("RRI", "SELECT quantile_cont(y, 0.33), percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0.9) WITHIN GROUP (ORDER BY x) FROM st"),
    # DISTINCT inside statistical aggregates and quantiles
    ("TRRRR", "SELECT g, stddev_samp(DISTINCT x), var_pop(DISTINCT x), quantile_cont(DISTINCT x, 0.3), count(DISTINCT x) FROM st GROUP BY g ORDER BY g"),
    # FILTER on every kind of aggregate
    ("TIIIRRIITR", "SELECT g, count(*) FILTER (WHERE x > 0), count(x) FILTER (WHERE y > 0), sum(x) FILTER (WHERE m = 3), avg(y) FILTER (WHERE x < 0), stddev_samp(x) FILTER (WHERE m <> 3), min(x) FILTER (WHERE y > 10), max(x) FILTER (WHERE y < -10), arg_max(s, y) FILTER (WHERE x % 2 = 0), quantile_cont(y, 0.5) FILTER (WHERE m >= 3) FROM st GROUP BY g ORDER BY g"),
    ("IIIRI", "SELECT count(*) FILTER (WHERE x > 0), count(DISTINCT x) FILTER (WHERE m = 3), sum(x) FILTER (WHERE s < 's5000'), corr(y, x) FILTER (WHERE m < 3), min(x) FILTER (WHERE x > 20) FROM st"),
    # the same aggregate with and without FILTER, and a FILTER that is never TRUE (NULL predicate)
    ("TIIII", "SELECT g, count(*), count(*) FILTER (WHERE m = 3), sum(x), sum(x) FILTER (WHERE m IS NULL AND x IS NULL) FROM st GROUP BY g ORDER BY g"),
    ("TII", "SELECT g, count(*) FILTER (WHERE x > NULL), sum(m) FILTER (WHERE m > 2) FROM st GROUP BY g ORDER BY g"),
    # HAVING over FILTERed and statistical aggregates
    ("TIR", "SELECT g, count(*) FILTER (WHERE x > 0), stddev_pop(x) FROM st GROUP BY g HAVING count(*) FILTER (WHERE x > 0) > 200 AND stddev_pop(x) > 30 ORDER BY g"),
    # empty input: one row of NULLs (counts 0)
    ("RRRIITIR", "SELECT stddev_samp(x), var_pop(x), corr(y, x), regr_count(y, x), count(*) FILTER (WHERE x > 0), arg_min(s, y), mode(x), quantile_cont(y, 0.5) FROM st WHERE id < 0"),
    # single-row group and single value: sample statistics NULL, population 0
    ("RRRRRRI", "SELECT var_samp(x), var_pop(x), stddev_samp(y), stddev_pop(y), covar_samp(y, x), covar_pop(y, x), regr_count(y, x) FROM st WHERE g = 'f'"),
]

def duck(stmts):
    js = r"""
const { DuckDBInstance } = require('/opt/peers/node_modules/@duckdb/node-api');
const stmts = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  await con.run("SET threads = 1");
  const out = [];
  for (const q of stmts) {
    const r = await con.runAndReadAll(q);
    out.push(r.getRowsJS().map(row => row.map(v => v === null ? null : typeof v === 'bigint' ? v.toString() : typeof v === 'number' ? (Number.isNaN(v) ? 'NaN' : v) : String(v))));
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e.message); process.exit(1); });
"""
    with tempfile.NamedTemporaryFile("w", suffix=".cjs", delete=False) as f:
        f.write(js)
    try:
        r = subprocess.run(["node", f.name], input=json.dumps(stmts), capture_output=True, text=True, check=True)
    finally:
        os.unlink(f.name)
    return json.loads(r.stdout)

def fmt(t, v):
    if v is None: return "NULL"
    if v == "NaN": return "NULL"  # constant x or y: floe gives NULL as PostgreSQL
    if t == "R": return "%.3f" % float(v)
    if t == "I": return str(int(float(v)))
    return str(v)

res = duck([create] + inserts + [q for _, q in Q])[1 + len(inserts):]
o = sys.stdout
o.write("# tests/sql/aggregates_stats.test: stddev_* / var_* / covar_* / corr / regr_*,\n")
o.write("# arg_min / arg_max (min_by / max_by), mode, quantile_cont, percentile_cont /\n")
o.write("# percentile_disc WITHIN GROUP, quantile_disc, DISTINCT inside them and FILTER\n")
o.write("# (WHERE ...) on every kind of aggregate; NULLs, empty input, a single-row group\n")
o.write("# ('f'), an all-NULL group ('e'), HAVING.\n#\n")
o.write("# Generated by tests/sql/gen/gen_aggregates_stats.py (seed %d): expected values\n" % SEED)
o.write("# computed by DuckDB 1.5 (node bindings in /opt/peers, SET threads = 1) on the\n")
o.write("# same rows:  python3 tests/sql/gen/gen_aggregates_stats.py > tests/sql/aggregates_stats.test\n")
o.write("# DuckDB's NaN (corr / regr_* of a constant x or y) is written as NULL: floe\n")
o.write("# follows PostgreSQL there; the hand-written block at the end checks it.\n\n")
o.write("statement ok\n%s\n\n" % create)
for ins in inserts:
    o.write("statement ok\n%s\n\n" % ins)
for (types, q), rs in zip(Q, res):
    o.write("query %s nosort\n%s\n----\n" % (types, q))
    for row in rs:
        for t, v in zip(types, row):
            o.write(fmt(t, v) + "\n")
    o.write("\n")
o.write(open(os.path.join(os.path.dirname(__file__), "aggregates_stats_tail.test")).read())
