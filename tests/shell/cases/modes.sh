# Every output mode on the same small table; NULL vs '' vs the string 'NULL'.
cat > setup.sql <<'SQL'
CREATE TABLE t(id BIGINT, name VARCHAR, score BIGINT);
INSERT INTO t VALUES (1, 'ann', 90), (2, NULL, NULL), (3, 'a,b "q"', -7), (4, '', 1000), (5, 'NULL', 0);
SQL
"$FLOE" db < setup.sql; echo "setup exit=$?"
for m in box table csv tsv json jsonl markdown line; do
    echo "== -$m"
    "$FLOE" db -$m -c "SELECT id, name, score FROM t ORDER BY id"
done
echo "== -csv -noheader"
"$FLOE" db -csv -noheader -c "SELECT id, name FROM t WHERE id <= 2 ORDER BY id"
echo "== -box -noheader"
"$FLOE" db -box -noheader -c "SELECT id, name FROM t WHERE id <= 2 ORDER BY id"
echo "== .mode switches inside a script"
"$FLOE" db <<'SQL'
.mode csv
SELECT id FROM t WHERE id = 1;
.mode json
SELECT id FROM t WHERE id = 1;
.mode
.headers off
.mode csv
SELECT id FROM t WHERE id = 1;
SQL
echo "== empty result"
"$FLOE" db -c "SELECT id, name FROM t WHERE id > 100"
"$FLOE" db -csv -c "SELECT id, name FROM t WHERE id > 100"
"$FLOE" db -json -c "SELECT id, name FROM t WHERE id > 100"
echo "== long values are cut to 120 columns when not a terminal"
"$FLOE" db -c "SELECT id, name || '$(printf 'x%.0s' $(seq 1 150))' AS long FROM t WHERE id = 1"
