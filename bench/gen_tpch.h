/* bench/gen_tpch.h: TPC-H lineitem generated into column arrays.
 *
 * Reproduces, row for row, `../shared/peers/gen_data lineitem --sf X` (default
 * seed 19920101): the same xoshiro256** stream seeded by splitmix64, the same
 * call sequence (order date, line count, then per line part, supplier index,
 * quantity, discount, tax, ship/commit/receipt offsets, return flag, ship
 * instruct, ship mode and the comment words), so floe and the peers load the
 * same rows. Exactly round(sf * 6,001,215) rows; the last order is truncated.
 * Values come out in floe's physical layouts (floe.h), in column order:
 *   l_orderkey, l_partkey, l_suppkey BIGINT (int64_t); l_linenumber INTEGER
 *   (int32_t); l_quantity, l_extendedprice, l_discount, l_tax DOUBLE;
 *   l_returnflag, l_linestatus VARCHAR (floe_string); l_shipdate, l_commitdate,
 *   l_receiptdate DATE (int32_t days since 1970-01-01); l_shipinstruct,
 *   l_shipmode, l_comment VARCHAR.
 * Decimals are DOUBLE: cents / 100.0, the same double strtod gives for the
 * CSV text. VARCHAR values point at static strings or at the generator's
 * comment buffer, valid until the next call. One generator per thread.
 */
#ifndef FLOE_BENCH_GEN_TPCH_H
#define FLOE_BENCH_GEN_TPCH_H

#include <stdint.h>

#include "floe.h"

#define FLOE_GEN_TPCH_SEED 19920101ULL
#define FLOE_GEN_LINEITEM_COLS 16
#define FLOE_GEN_TPCH_BATCH 2048 /* rows per floe_gen_tpch_lineitem call, at most */

typedef struct floe_gen_tpch floe_gen_tpch;

/* A lineitem generator for scale factor `sf` (> 0). NULL on OOM or bad sf. */
floe_gen_tpch *floe_gen_tpch_new(double sf, uint64_t seed);
void floe_gen_tpch_free(floe_gen_tpch *g);

/* Total rows of the stream: round(sf * 6001215). */
int64_t floe_gen_tpch_rows(const floe_gen_tpch *g);

/* Generate up to n (<= FLOE_GEN_TPCH_BATCH) next rows into the 16 column
 * arrays `data` (order above; each with room for n values). Returns the rows
 * written: n, fewer at the end of the stream, 0 when it is exhausted. */
uint32_t floe_gen_tpch_lineitem(floe_gen_tpch *g, uint32_t n, void *const data[16]);

/* The other seven TPC-H tables of `gen_data tpch` (orders, customer, part,
 * supplier, partsupp, nation, region), row for row: each table has its own
 * RNG stream (seed + k * 1000003, k its index in that order + 1); orders is
 * derived from the lineitem stream (one row per order, in the same pass, as
 * gen_data does), so it is consistent with lineitem. Physical layouts in
 * column order as the DuckDB runner's schema: keys BIGINT (int64_t),
 * *_nationkey, *_regionkey, p_size, ps_availqty, o_shippriority INTEGER
 * (int32_t), money DOUBLE (cents / 100.0), o_orderdate DATE (int32_t),
 * text VARCHAR (floe_string into the generator's buffer, valid until the
 * next call). */
typedef struct floe_gen_tpch_table floe_gen_tpch_table;

/* A generator for table `name` at scale factor sf; NULL on OOM, unknown
 * table or bad sf. */
floe_gen_tpch_table *floe_gen_tpch_table_new(const char *name, double sf, uint64_t seed);
void floe_gen_tpch_table_free(floe_gen_tpch_table *t);
/* Rows of the table, or -1 when only generating tells (orders). */
int64_t floe_gen_tpch_table_rows(const floe_gen_tpch_table *t);
/* Up to n (<= FLOE_GEN_TPCH_BATCH) next rows into the column arrays; the
 * rows written, 0 at the end. */
uint32_t floe_gen_tpch_table_next(floe_gen_tpch_table *t, uint32_t n, void *const *data);

#endif
