# DELETE and UPDATE show the rows they changed as a one-row "Count" table
# (as DuckDB's shell does), in every output mode; INSERT shows nothing.
"$FLOE" db -c "CREATE TABLE t(a BIGINT)" -c "INSERT INTO t VALUES (1), (2), (3), (4)"
"$FLOE" db -c "DELETE FROM t WHERE a > 2"
"$FLOE" db -csv -c "UPDATE t SET a = a * 10" -c "  -- a comment
update t set a = 0 where a < 0"
"$FLOE" db -json -c "DELETE FROM t"
"$FLOE" db -csv -c "SELECT count(*) FROM t"
