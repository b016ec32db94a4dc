#!/usr/bin/env bash
# tests/shell/readme_tour.sh: run the README's SQL tour exactly as written.
# Usage: readme_tour.sh PATH/TO/floe PATH/TO/README.md
# Extracts every ```sql block of the "A short tour" section, runs them in the
# shell (-bail: the first error fails the test) on a fresh database with the
# demo producer streaming events, in a scratch directory (the tour writes
# trades.csv, acme.jsonl, ticks_lake/ and ticks.csv there), and checks a few results against what the
# tour's own statements imply.
set -euo pipefail
FLOE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
README=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
ROOT=${FLOE_TEST_TMP:-/tmp}
mkdir -p "$ROOT"
TMP=$(mktemp -d "$ROOT/readme_tour.XXXXXX")
cd "$TMP"
awk '/^## A short tour/{on=1; next} /^## /{on=0} on && /^```sql/{inb=1; next}
     on && inb && /^```/{inb=0; next} on && inb' "$README" > tour.sql
[ -s tour.sql ] || { echo "FAIL: no tour SQL found in $README"; exit 1; }
# The tour drops trades at its end; check the table's contents just before.
awk '/^DESCRIBE trades;/{print "SELECT symbol, count(*), sum(qty) FROM trades GROUP BY symbol ORDER BY symbol;"} {print}' \
    tour.sql > run.sql
if ! "$FLOE" db --demo=1000 -bail -csv -noheader < run.sql > out.txt 2> err.txt; then
    echo "FAIL: the tour stopped with an error:"; cat err.txt; tail -5 out.txt; exit 1
fi
if grep -v '^demo: ' err.txt; then echo "FAIL: the tour wrote the above to stderr"; exit 1; fi
# 2 inserted rows + the 2 loaded back from trades.csv (qty doubled)
grep -qx 'ACME,2,300' out.txt || { echo "FAIL: ACME rows"; cat out.txt; exit 1; }
grep -qx 'BOLT,2,3000' out.txt || { echo "FAIL: BOLT rows"; cat out.txt; exit 1; }
grep -qx 'BOLT,Technology,3000' out.txt || { echo "FAIL: join with sectors"; cat out.txt; exit 1; }
[ "$(wc -l < trades.csv)" = 3 ] || { echo "FAIL: trades.csv"; exit 1; }
[ "$(wc -l < acme.jsonl)" = 2 ] || { echo "FAIL: acme.jsonl"; exit 1; }
# the lake block: a partitioned dataset read back, joined with its CSV, crawled
grep -qx 'S1,333,83083.5' out.txt || { echo "FAIL: read_parquet of ticks_lake"; cat out.txt; exit 1; }
grep -qx '1000,499.5' out.txt || { echo "FAIL: read_csv JOIN read_parquet"; cat out.txt; exit 1; }
grep -qx 'S2,333' out.txt || { echo "FAIL: the crawled external table"; cat out.txt; exit 1; }
rm -rf "$TMP"
echo "readme_tour: 1 passed, 0 failed"
