#!/usr/bin/env bash
# Benchmarks (not part of the test run): builds the default preset and runs
# them, printing records/s (items_per_second). Extra arguments go to Google
# Benchmark, e.g. --benchmark_filter=Scan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null
echo "KML benchmark (targets on one core: encode+append >= 1M records/s, scan >= 2M records/s)"
build/lento/kml_bench "$@"
