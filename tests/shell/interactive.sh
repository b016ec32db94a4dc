#!/usr/bin/env bash
# tests/shell/interactive.sh: drive `floe` through a pseudo-terminal (tmux):
# prompt and continuation prompt, Ctrl-C clearing the typed line, Ctrl-C
# cancelling a long query, tab completion, Ctrl-D, history across restarts.
# Usage: interactive.sh PATH/TO/floe
# The long query can be replaced with FLOE_LONG_QUERY (it must run > 2 s).
set -u
FLOE=$1
ROOT=${FLOE_TEST_TMP:-/tmp}
mkdir -p "$ROOT"
TMP=$(mktemp -d "$ROOT/shell_interactive.XXXXXX")
SOCK="floe_it_$$"
T="tmux -L $SOCK"
export FLOE_HISTORY="$TMP/history"
fails=0

cleanup() {
    $T kill-server 2>/dev/null
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; echo "---- screen ----"; screen; echo "----------------"; fails=$((fails + 1)); }
screen() { $T capture-pane -p -t it -S -300 2>/dev/null; }
# wait_for REGEX [SECONDS]: poll the screen until REGEX (grep -E) matches.
# Waits are scaled by FLOE_TEST_SLOW (default 4) so a loaded CI machine
# (sanitizers, parallel tests) does not turn slowness into failures.
wait_for() {
    local i max=$(( ${2:-10} * 10 * ${FLOE_TEST_SLOW:-4} ))
    for ((i = 0; i < max; i++)); do
        screen | grep -qE -- "$1" && return 0
        sleep 0.1
    done
    return 1
}
start() {
    $T new-session -d -s it -x 160 -y 60 \
        "FLOE_HISTORY='$FLOE_HISTORY' '$FLOE' '$TMP/db'; echo floe-exited-\$?; sleep 30"
    wait_for '^floe>' 10 || fail "no prompt at start"
}
keys() { $T send-keys -t it "$@"; }
# text TEXT: type TEXT literally; ';' goes as a hex key code because tmux
# takes a trailing ';' in an argument as its own command separator.
text() {
    local s=$1 part
    while [[ "$s" == *";"* ]]; do
        part=${s%%;*}
        [ -n "$part" ] && $T send-keys -t it -l -- "$part"
        $T send-keys -t it -H 3b
        s=${s#*;}
    done
    [ -n "$s" ] && $T send-keys -t it -l -- "$s"
    return 0
}
line() { text "$1"; keys Enter; }

# Data for the long query: 3000 rows, a 3-way cross join is 2.7e10 rows.
vals=$(seq 1 3000 | sed 's/.*/(&)/' | paste -sd, -)
"$FLOE" "$TMP/db" -c "CREATE TABLE big(x BIGINT)" -c "INSERT INTO big VALUES $vals" \
    || { echo "FAIL: setup"; exit 1; }
LONG=${FLOE_LONG_QUERY:-"SELECT count(*) AS n FROM big a, big b, big c WHERE a.x + b.x + c.x > 5;"}

start
# 1. banner, continuation prompt, result
wait_for 'Opened database directory' 2 || fail "banner"
line "SELECT 1 AS one,"
wait_for '^   \.\.\.>' 5 || fail "no continuation prompt"
line "2 AS two;"
wait_for '│ +1 │ +2 │' 5 || fail "multi-line statement result"
wait_for '^1 row$' 2 || fail "row-count footer"

# 2. Ctrl-C at the prompt drops the typed line
text "SELECT garbage_not_run"
wait_for '^floe> SELECT garbage_not_run' 5 || fail "typed text not echoed"
sleep 0.2
keys C-c
wait_for '\^C' 3 || fail "no ^C echo"
# libedit re-arms the terminal (TCSAFLUSH) when the next prompt starts, so
# keys sent before it would be discarded: wait for the fresh prompt first
wait_for '^floe> ?$' 5 || fail "no fresh prompt after Ctrl-C"
line "SELECT 42 AS answer;"
wait_for '│ +42 │' 5 || fail "statement after Ctrl-C at the prompt"
screen | grep -q 'garbage_not_run' && screen | grep -q 'Error' && fail "typed line was run after Ctrl-C"

# 3. Ctrl-C cancels a long query and returns to the prompt
line "$LONG"
wait_for 'big c WHERE' 5 || fail "long query not echoed"
sleep 1.5
keys C-c
wait_for 'Error:.*' 10 || fail "long query not interrupted"
wait_for '^floe> ?$' 5 || fail "no fresh prompt after the cancelled query"
line "SELECT 5 AS after_cancel;"
wait_for '│ +5 │' 10 || fail "no prompt after cancelling the query"

# 4. tab completion: dot commands and table names
text ".ti"; keys Tab
wait_for '^floe> \.timer' 3 || fail "dot-command completion"
keys C-u C-c
wait_for '^floe> \.timer \^C' 5 || fail "Ctrl-C after completion"
text "SELECT count(*) AS c FROM bi"; keys Tab
wait_for 'FROM big' 5 || fail "table-name completion"
line ";"
wait_for '│ +3000 │' 5 || fail "completed statement result"

# 5. Ctrl-D exits with status 0
keys C-d
wait_for 'floe-exited-0' 5 || fail "Ctrl-D did not exit cleanly"
$T kill-session -t it 2>/dev/null

# 6. history persists across restarts
# (libedit stores entries vis(3)-encoded: a space is \040)
grep -q 'AS.*answer' "$FLOE_HISTORY" || fail "history file lacks a statement"
start
keys Up
wait_for '^floe> SELECT count\(\*\) AS c FROM big ?;' 5 || fail "Up arrow does not recall the last statement"
keys Up
wait_for '^floe> \.ti|^floe> SELECT 5 AS after_cancel;' 5 || fail "second Up arrow"
keys C-c
sleep 0.5
keys C-d
wait_for 'floe-exited-0' 5 || fail "exit after history"

if [ "$fails" -eq 0 ]; then
    echo "interactive: all checks passed"
    rm -rf "$TMP"
    exit 0
fi
echo "interactive: $fails check(s) failed (scratch dir $TMP)"
exit 1
