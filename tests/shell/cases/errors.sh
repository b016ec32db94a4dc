# Error display: message, then the statement line with a caret.
"$FLOE" db -c "CREATE TABLE t(a BIGINT)"
printf 'SELECT a,\n       nosuchcol\nFROM t;\nSELECT 3 AS after;\n' | "$FLOE" db -csv 2>&1 | sed 's/^Error: .*/Error: <message>/'
echo "exit=${PIPESTATUS[1]}"
"$FLOE" db -csv -c "SELECT nosuchcol FROM t" 2>&1 | sed 's/^Error: .*/Error: <message>/'
