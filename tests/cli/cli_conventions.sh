#!/usr/bin/env bash
# tests/cli/cli_conventions.sh: the command-line conventions of floe's tools.
# Usage: cli_conventions.sh PATH/TO/floe-bench [PATH/TO/floe]
# --help (and each sub-command's --help) prints to stdout and exits 0; an
# unknown argument is named on stderr and exits 2; the shell refuses SQL
# where the database path belongs instead of creating a directory named
# "SELECT 1".
set -u
BENCH=$1
FLOE=${2:-}
fails=0 passes=0
check() { # name, expected rc, expected stdout regex ('' = empty), expected stderr regex, cmd...
    local name=$1 rc=$2 out_re=$3 err_re=$4; shift 4
    local out err got
    out=$("$@" 2>/tmp/cli_err.$$); got=$?; err=$(cat /tmp/cli_err.$$); rm -f /tmp/cli_err.$$
    if [ "$got" != "$rc" ] || ! [[ "$out" =~ $out_re ]] || ! [[ "$err" =~ $err_re ]] ||
       { [ -z "$out_re" ] && [ -n "$out" ]; }; then
        echo "FAIL: $name: rc=$got (want $rc)"; echo "stdout: ${out:0:300}"; echo "stderr: ${err:0:300}"
        fails=$((fails + 1))
    else
        passes=$((passes + 1))
    fi
}
check "bench --help" 0 "usage: floe-bench" "^$" "$BENCH" --help
check "bench -h" 0 "usage: floe-bench" "^$" "$BENCH" -h
for w in query ingest mixed all gen storage; do
    check "bench $w --help" 0 "usage: floe-bench $w" "^$" "$BENCH" $w --help
done
check "bench unknown option" 2 "" "unknown option '--bogus'" "$BENCH" query --bogus 1
check "bench unknown workload" 2 "" "unknown workload 'qeury'" "$BENCH" qeury
check "bench missing value" 2 "" "option '--runs' needs a value" "$BENCH" query --runs
check "bench stray argument" 2 "" "unexpected argument 'extra'" "$BENCH" query extra
check "bench no workload" 2 "" "no workload given" "$BENCH"
check "bench storage bad arg" 2 "" "unexpected argument 'x'" "$BENCH" storage x
if [ -n "$FLOE" ]; then
    tmp=$(mktemp -d); cd "$tmp" || exit 1
    check "floe --help" 0 "Usage: floe" "^$" "$FLOE" --help
    check "floe -h" 0 "Usage: floe" "^$" "$FLOE" -h
    check "floe --version" 0 "^floe [0-9]" "^$" "$FLOE" --version
    check "floe unknown option" 2 "" "unknown option '--bogus'" "$FLOE" --bogus
    check "floe -c without SQL" 2 "" "option '-c' needs an SQL argument" "$FLOE" :memory: -c
    check "floe SQL as path" 2 "" "'SELECT 1' looks like SQL; give a database path first, or :memory:" \
        "$FLOE" "SELECT 1"
    check "floe SQL as path (;)" 2 "" "'select;' looks like SQL" "$FLOE" "select;"
    check "floe keyword as path" 2 "" "'show' looks like SQL" "$FLOE" show
    if [ -e "SELECT 1" ] || [ -e "select;" ] || [ -e show ]; then
        echo "FAIL: a directory named after the SQL was created"; fails=$((fails + 1))
    fi
    check "floe :memory: SQL" 0 "^1$" "^$" "$FLOE" -csv -noheader :memory: "SELECT 1"
    check "floe plain path" 0 "^2$" "^$" "$FLOE" -csv -noheader db1 "SELECT 2"
    [ -d db1 ] || { echo "FAIL: floe db1 did not create db1"; fails=$((fails + 1)); }
    mkdir -p "select 3" && "$FLOE" "select 3" "CREATE TABLE t (a INTEGER)" >/dev/null 2>&1
    check "floe existing dir that looks like SQL" 0 "^0$" "^$" \
        "$FLOE" -csv -noheader "select 3" "SELECT count(*) FROM t"
    cd / && rm -rf "$tmp"
fi
echo "cli_conventions: $passes passed, $fails failed"
[ "$fails" = 0 ]
