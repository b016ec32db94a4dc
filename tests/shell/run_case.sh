#!/usr/bin/env bash
# tests/shell/run_case.sh: run one scripted shell case and compare its output.
# Usage: run_case.sh PATH/TO/floe cases/NAME.sh
# The case runs in a fresh scratch directory with $FLOE set; its stdout and
# stderr (merged) must equal cases/NAME.out exactly. Set FLOE_UPDATE=1 to
# rewrite the .out file instead (review the diff before committing it).
set -u
FLOE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CASE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
EXPECTED=${CASE%.sh}.out
ROOT=${FLOE_TEST_TMP:-/tmp}
mkdir -p "$ROOT"
TMP=$(mktemp -d "$ROOT/shell_case.XXXXXX")
cd "$TMP" || exit 2
FLOE="$FLOE" FLOE_HISTORY= bash "$CASE" > "$TMP/actual" 2>&1
if [ "${FLOE_UPDATE:-0}" = 1 ]; then
    cp "$TMP/actual" "$EXPECTED"
    echo "updated $EXPECTED"
    rm -rf "$TMP"
    exit 0
fi
if diff -u "$EXPECTED" "$TMP/actual"; then
    rm -rf "$TMP"
    exit 0
fi
echo "FAIL: $(basename "$CASE"): output differs (scratch dir $TMP)"
exit 1
