#!/usr/bin/env bash
# scripts/run.sh: install dependencies, build in release mode, and open the floe shell on the
# embedded database demo.floe while a background producer streams sample events into it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j"$(nproc)" floe_shell
exec ./build/floe demo.floe --demo "$@"
