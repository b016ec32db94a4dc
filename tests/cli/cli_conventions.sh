#!/usr/bin/env bash
# tests/cli/cli_conventions.sh: the command-line conventions of floe's tools.
# Usage: cli_conventions.sh PATH/TO/floe-bench
# --help (and each sub-command's --help) prints to stdout and exits 0; an
# unknown argument is named on stderr and exits 2.
set -u
BENCH=$1
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
echo "cli_conventions: $passes passed, $fails failed"
[ "$fails" = 0 ]
