#!/usr/bin/env bash
# tests/cli/recover.sh: `floe recover DIR` (issue #21). A database with two
# parts gets a byte of one part's manifest changed: a plain query refuses,
# `floe recover` exits 0, names the part it moved to DIR/quarantine/ and
# the rows lost, REPORT says the same, the damaged part is kept whole, and
# afterwards the database answers with the intact part's rows only.
# Usage: recover.sh PATH/TO/floe
set -u
FLOE=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/floe-recover-XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*"; echo "recover: 0 passed, 1 failed"; exit 1; }
"$FLOE" "$d/db" -c "CREATE TABLE t (id BIGINT) WITH (shards = 1)" -c "INSERT INTO t VALUES (1),(2)" \
    -c "FLUSH t" -c "INSERT INTO t VALUES (30),(40),(50)" -c "FLUSH t" >/dev/null || fail "setup"
meta="$d/db/tables/1/part-2/part.meta"
[ -f "$meta" ] || fail "no part-2"
cp "$meta" "$d/meta.orig"
printf '\x07' | dd of="$meta" bs=1 seek=8 conv=notrunc 2>/dev/null
cp "$meta" "$d/meta.damaged"
cmp -s "$d/meta.orig" "$d/meta.damaged" && fail "the byte did not change"
"$FLOE" "$d/db" -c "SELECT count(*) FROM t" >/dev/null 2>&1 && fail "a plain open accepted the damage"
out=$("$FLOE" recover "$d/db" 2>"$d/err") || fail "recover exited $?: $(cat "$d/err")"
[[ "$out" == *"table t: 2 rows"* && "$out" == *"1 damaged part"* ]] || fail "recover said: $out"
grep -q "part-2 damaged .*3 rows lost (shard 0 seqs 3..5); moved to quarantine/1/part-2" \
    "$d/db/quarantine/REPORT" || fail "REPORT: $(cat "$d/db/quarantine/REPORT")"
grep -q "salvage: table t: part-2" "$d/err" || fail "no log line: $(cat "$d/err")"
cmp -s "$d/meta.damaged" "$d/db/quarantine/1/part-2/part.meta" || fail "the damaged part was not kept"
sum=$("$FLOE" "$d/db" -c "SELECT sum(id) FROM t" 2>&1)
[[ "$sum" == *" 3 "* ]] || fail "after recover: $sum"
out=$("$FLOE" recover "$d/db" 2>&1) || fail "second recover"
[[ "$out" == *"nothing damaged"* ]] || fail "second recover said: $out"
echo "recover: 1 passed, 0 failed"
