#!/usr/bin/env bash
# The test run (README, second command; what CI runs): installs what is
# missing, builds from scratch where needed, and runs every test twice: once
# optimised, once under ASan+UBSan. Options: --fast skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(default asan)
for arg in "$@"; do
  case "$arg" in
    --fast) presets=(default) ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option $arg (try --help)" >&2; exit 64 ;;
  esac
done

scripts/install-deps.sh
jobs=$(nproc)
for p in "${presets[@]}"; do
  echo "== configure, build and test: preset $p"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs"
  ctest --preset "$p" -j "$jobs"
done
