# Command-line forms, persistence and exit status.
"$FLOE" --version
"$FLOE" --help | head -1
echo "== -c, positional SQL, several statements"
"$FLOE" db -c "CREATE TABLE t(a BIGINT); INSERT INTO t VALUES (1), (2), (3)"; echo "exit=$?"
"$FLOE" db -csv "SELECT sum(a) AS s FROM t"; echo "exit=$?"
"$FLOE" db -csv -c "SELECT min(a) AS lo FROM t" -c "SELECT max(a) AS hi FROM t; SELECT count(*) AS n FROM t"
echo "== reopen: the directory keeps the table"
"$FLOE" db -csv -c "SELECT a FROM t ORDER BY a DESC"
echo "== script on stdin, last statement without ';'"
printf 'SELECT 1 AS x;\nSELECT 2 AS y' | "$FLOE" -csv; echo "exit=$?"
echo "== in-memory when no path"
printf 'CREATE TABLE m(v BIGINT);\nINSERT INTO m VALUES (5);\nSELECT v FROM m;\n' | "$FLOE" -csv
printf 'SELECT v FROM m;\n' | "$FLOE" -csv 2>&1 | sed 's/^Error: .*/Error: <message>/'
echo "== a failing statement: the others still run, exit status 1"
printf 'SELECT 1 AS ok1;\nSELECT * FROM nope;\nSELECT 2 AS ok2;\n' | "$FLOE" db -csv 2>&1 | sed 's/^Error: .*/Error: <message>/'
echo "exit=${PIPESTATUS[1]}"
echo "== -bail stops at the first error"
printf 'SELECT 1 AS ok1;\nSELECT * FROM nope;\nSELECT 2 AS ok2;\n' | "$FLOE" db -csv -bail 2>&1 | sed 's/^Error: .*/Error: <message>/'
echo "exit=${PIPESTATUS[1]}"
echo "== -c failing"
"$FLOE" db -c "SELECT * FROM nope" 2>&1 | sed 's/^Error: .*/Error: <message>/'; echo "exit=${PIPESTATUS[0]}"
echo "== bad usage"
"$FLOE" --bogus > /dev/null 2>&1; echo "exit=$?"
"$FLOE" db -c > /dev/null 2>&1; echo "exit=$?"
"$FLOE" --demo=abc > /dev/null 2>&1; echo "exit=$?"
