/* bench/peer_clickhouse.h: ClickHouse as a floe-bench peer, over HTTP on
 * loopback.
 *
 * Each peer open starts a private clickhouse-server (Debian 12 ships 18.16,
 * no clickhouse-local) with its data under the peer's directory, bound to
 * 127.0.0.1 on FLOE_BENCH_CH_HTTP_PORT (default 18163) and TCP port
 * FLOE_BENCH_CH_PORT (default 19063), as the peers kit's run_clickhouse.sh
 * does; close stops that server by its pid. When clickhouse-server is not
 * installed, or the ports are taken, open returns FLOE_NOTFOUND and the
 * peer is skipped. Tables are MergeTree ordered as in the kit (events by
 * ts, lineitem by (l_orderkey, l_linenumber)); ts is DateTime (seconds),
 * strings plain String. Ingest: the appender buffers CSV and every flush is
 * one HTTP INSERT (one part); COPY posts the CSV file. Queries are HTTP
 * POSTs, timed until the whole TabSeparated response is read. Durability:
 * only 'off' (18.16 writes parts without fsync and has no insert WAL).
 * Each request uses its own connection, so appenders in other threads and
 * the query client do not share state. The operations table is
 * floe_bench_peer_clickhouse_ops (bench_peer.h).
 */
#ifndef FLOE_BENCH_PEER_CLICKHOUSE_H
#define FLOE_BENCH_PEER_CLICKHOUSE_H

/* The server binary: $FLOE_BENCH_CH_SERVER, else the first of these that exists. */
#define FLOE_BENCH_CH_SERVERS {"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"}

#endif
