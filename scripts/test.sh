#!/usr/bin/env bash
# scripts/test.sh: install dependencies, build, and run the whole test suite twice:
# a release build, then an AddressSanitizer + UndefinedBehaviorSanitizer build;
# then the concurrency tests under ThreadSanitizer, and each fuzz target for a
# fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLOE_SANITIZE=ON -DFLOE_BUILD_BENCH=OFF >/dev/null
ninja -C build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")
# The concurrency tests again under ThreadSanitizer (any report fails them).
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFLOE_TSAN=ON \
    -DFLOE_BUILD_BENCH=OFF >/dev/null
ninja -C build-tsan -j"$jobs" concurrency_test lock_test atomic_test server_test floe_shell \
    dml_concurrent_test
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j"$jobs" \
    -R '^(concurrency_snapshots|lock_readonly|atomic_batches|server|dml_concurrent)$')
# The fuzz step: libFuzzer (clang) on the parser, the binder/planner, the
# Parquet reader, the CSV and JSON-lines readers, value conversion and WAL
# recovery, the CSV/JSON sniffer, the block decoders, part metadata, the
# catalog loader and floe serve's request handling, each for a fixed time on
# a scratch copy of its corpus (12 x 20 s: about 4 minutes); a crash, leak or
# broken property (round trip, documented error codes) fails the run.
FUZZ_SECONDS=${FLOE_FUZZ_SECONDS:-20}
CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFLOE_BUILD_FUZZ=ON \
    -DFLOE_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz -j"$jobs" fuzz_parser fuzz_binder fuzz_parquet fuzz_sniff fuzz_csv fuzz_jsonl \
    fuzz_convert fuzz_wal fuzz_decode fuzz_partmeta fuzz_catalog fuzz_http
for spec in fuzz_parser:parser:parser.dict fuzz_binder:parser:parser.dict fuzz_parquet:parquet: \
    fuzz_sniff:sniff: fuzz_csv:csv: fuzz_jsonl:jsonl: fuzz_convert:convert: fuzz_wal:wal: \
    fuzz_decode:decode: fuzz_partmeta:partmeta: fuzz_catalog:catalog: fuzz_http:http:; do
    IFS=: read -r target corpus dict <<<"$spec"
    fuzz_corpus=$(mktemp -d)
    cp tests/fuzz/corpus/"$corpus"/* "$fuzz_corpus"/
    build-fuzz/tests/fuzz/$target -max_total_time="$FUZZ_SECONDS" ${dict:+-dict=tests/fuzz/$dict} \
        -print_final_stats=1 "$fuzz_corpus" 2>&1 | tail -n 3
    rm -rf "$fuzz_corpus"
done
echo "fuzzing ran ${FUZZ_SECONDS}s per target without a crash, leak or broken property"
echo "fuzz: 12 passed, 0 failed"
