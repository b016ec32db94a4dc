# Dot commands through a script on stdin.
printf "SELECT 40 + 2 AS from_read;\n" > more.sql
printf 'id,name\n1,ann\n2,bob\n3,"c, d"\n' > people.csv
(
"$FLOE" db <<'SQL'
CREATE TABLE t(id BIGINT, name VARCHAR);
CREATE TABLE people(id BIGINT, name VARCHAR);
INSERT INTO t VALUES (1, 'x'), (2, 'y');
.tables
.schema t
.schema
.import people.csv people
SELECT count(*) AS n FROM people;
.mode csv
SELECT * FROM people ORDER BY id;
.output out.csv
SELECT id FROM t ORDER BY id;
SELECT name FROM t ORDER BY id;
.output
.once once.csv
SELECT 'to the file' AS where_to;
SELECT 'to stdout' AS where_to;
.read more.sql
.flush t
.flush
.timer on
SELECT 1 AS one;
.timer off
.headers off
SELECT 2;
.bogus
.mode xml
.headers maybe
.import onlyonearg
.open db2
CREATE TABLE other(v BIGINT);
.tables
.open db
.tables
.quit
SELECT 'not reached';
SQL
) 2>&1 | sed 's/^Run Time: .*/Run Time: <time>/'
echo "exit=${PIPESTATUS[0]}"
echo "-- out.csv"; cat out.csv
echo "-- once.csv"; cat once.csv
echo "-- .stats prints floe_stats"
"$FLOE" db -c ".stats" > stats.txt 2>&1; echo "stats exit=$?"
test -s stats.txt && echo "stats output not empty"
