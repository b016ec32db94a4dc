# Exit status: a failed final flush at close, a failed dot command and a
# failed open all exit 1 with the reason on stderr (like sqlite3).

# Closing flushes the memtables. Write a row, then replace the table's
# directory with a plain file so the flush at close cannot create its part.
mkfifo in
"$FLOE" db < in > out 2> err &
pid=$!
exec 3> in
printf "CREATE TABLE t(a BIGINT);\nINSERT INTO t VALUES (1), (2);\nSELECT 'ready' AS s;\n" >&3
for i in $(seq 1 400); do grep -q ready out 2>/dev/null && break; sleep 0.05; done
rm -rf db/tables/1 && echo "not a directory" > db/tables/1
exec 3>&-
wait $pid
echo "script close: exit=$?"
# (background flush retries may also be reported; the close line is the contract)
grep '^floe: close: ' err | sed 's/Not a directory$/<reason>/'

# a failed .output
"$FLOE" -c ".output /nonexistent/dir/file" -c "SELECT 1 AS one" -csv 2>&1
echo ".output: exit=$?"
# an unknown mode
"$FLOE" -c ".mode nosuchmode" 2>&1
echo ".mode: exit=$?"
# a failed statement in a script without -bail still fails the run
printf "SELECT 1 AS a;\nSELECT nosuchcol;\nSELECT 2 AS b;\n" | "$FLOE" -csv 2>&1 | sed 's/^Error: .*/Error: <message>/'
echo "script: exit=${PIPESTATUS[1]}"
# an open that fails: the path is a file
echo "plain file" > notadir
"$FLOE" notadir -c "SELECT 1" > /dev/null 2>&1
echo "open: exit=$?"
