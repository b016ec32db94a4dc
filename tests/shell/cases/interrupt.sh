# SIGINT while a script runs a long statement: the statement is interrupted
# (floe_interrupt), the rest of the script is not run, exit status 1.
vals=$(seq 1 3000 | sed 's/.*/(&)/' | paste -sd, -)
"$FLOE" db -c "CREATE TABLE big(x BIGINT)" -c "INSERT INTO big VALUES $vals"
cat > long.sql <<'SQL'
SELECT 1 AS before_long;
SELECT count(*) AS n FROM big a, big b, big c WHERE a.x + b.x + c.x > 5;
SELECT 2 AS not_reached;
SQL
"$FLOE" db -csv < long.sql > out.txt 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
echo "exit=$?"
sed 's/^Error: .*/Error: <message>/' out.txt
