#!/usr/bin/env bash
# bench/lake/lake_bench.sh: files queried in place, floe vs DuckDB on the same
# files in one run (issue #18's "done when"):
#   1. aggregates over read_parquet of lineitem (Parquet written by DuckDB),
#   2. aggregates over read_csv of events (the kit's generator),
#   3. COPY lineitem TO parquet (zstd): time and file size.
# Each query runs RUNS times per engine; the best time is reported (both
# engines warm: the files are in the page cache after the first run).
# floe is timed by its shell's .timer (statement wall time); DuckDB inside
# node (bench/lake/duckdb_time.cjs), so neither counts process start-up.
# Usage: bench/lake/lake_bench.sh BUILD_DIR WORK_DIR [SF] [EVENTS_ROWS] [RUNS]
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd); WORK=${2:?work dir}; SF=${3:-1}; ROWS=${4:-10000000}; RUNS=${5:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
FLOE="$BUILD/floe"; GEN="$BUILD/floe-bench"; DUCK="node $HERE/duckdb_time.cjs"
mkdir -p "$WORK"; cd "$WORK"
[ -f li.csv ] || "$GEN" gen lineitem --sf "$SF" --out li.csv
[ -f ev.csv ] || "$GEN" gen events --rows "$ROWS" --out ev.csv
[ -f li.parquet ] || $DUCK "COPY (SELECT * FROM read_csv('li.csv')) TO 'li.parquet' (FORMAT parquet)" >/dev/null

Q_PQ="SELECT l_returnflag, l_linestatus, count(*), sum(l_quantity), round(sum(l_extendedprice), 2), round(sum(l_extendedprice * (1 - l_discount)), 2), round(avg(l_discount), 6) FROM read_parquet('li.parquet') WHERE l_shipdate <= DATE '1998-09-02' GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus"
Q_PQ2="SELECT count(*), sum(l_quantity), min(l_shipdate), max(l_comment) FROM read_parquet('li.parquet')"
Q_CSV="SELECT event_type, count(*), sum(duration_ms), round(sum(revenue), 2) FROM read_csv('ev.csv') GROUP BY event_type ORDER BY event_type"
Q_CSV2="SELECT count(*), count(DISTINCT country), max(ts) FROM read_csv('ev.csv')"

floe_time() { # best of RUNS, seconds; first row of the answer on stderr
  local best=""
  for _ in $(seq "$RUNS"); do
    local t
    t=$("$FLOE" -csv -noheader :memory: ".timer on" "$1" 2>&1 | grep -o 'Run Time: [0-9.]*' | head -1 | awk '{print $3}')
    [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}' && best=$t
  done
  echo "$best"
}
duck_time() {
  local args=() best=""
  for _ in $(seq "$RUNS"); do args+=("$1"); done
  best=$($DUCK "${args[@]}" | cut -f1 | sort -n | head -1)
  echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

printf '%-34s %10s %10s %8s\n' case floe_s duckdb_s ratio
for name in Q_PQ Q_PQ2 Q_CSV Q_CSV2; do
  q=${!name}
  f=$(floe_time "$q"); d=$(duck_time "$q")
  printf '%-34s %10s %10s %8s\n' "$name" "$f" "$d" "$(ratio "$f" "$d")"
done

# COPY lineitem TO parquet (zstd) from a loaded table
rm -rf floe_db out_floe.parquet out_duck.parquet
"$FLOE" floe_db "CREATE TABLE li AS SELECT * FROM read_parquet('li.parquet')" >/dev/null
best=""
for _ in $(seq "$RUNS"); do
  t=$("$FLOE" -csv floe_db ".timer on" "COPY li TO 'out_floe.parquet' (FORMAT parquet, COMPRESSION zstd)" 2>&1 | grep -o 'Run Time: [0-9.]*' | head -1 | awk '{print $3}')
  [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}' && best=$t
done
dargs=("CREATE TABLE li AS SELECT * FROM read_parquet('li.parquet')")
for _ in $(seq "$RUNS"); do dargs+=("COPY li TO 'out_duck.parquet' (FORMAT parquet, COMPRESSION zstd)"); done
d=$($DUCK "${dargs[@]}" | tail -n "$RUNS" | cut -f1 | sort -n | head -1)
printf '%-34s %10s %10s %8s\n' "COPY li TO parquet (zstd)" "$best" "$d" "$(ratio "$best" "$d")"
fs=$(stat -c %s out_floe.parquet); ds=$(stat -c %s out_duck.parquet)
printf '%-34s %10s %10s %8s\n' "parquet size (MiB)" "$(awk -v a="$fs" 'BEGIN{printf "%.1f", a/1048576}')" \
  "$(awk -v a="$ds" 'BEGIN{printf "%.1f", a/1048576}')" "$(ratio "$fs" "$ds")"
# the answers agree: DuckDB reads floe's file
echo "# check: $($DUCK "SELECT count(*), sum(l_quantity), max(l_comment) FROM 'out_floe.parquet'" | cut -f2) (floe's file, read by DuckDB)"
echo "# check: $($DUCK "SELECT count(*), sum(l_quantity), max(l_comment) FROM 'li.parquet'" | cut -f2) (source)"
