#!/usr/bin/env bash
# The test run (README, second command; what CI runs): installs what is
# missing, builds from scratch where needed, and runs every test twice: once
# optimised, once under ASan+UBSan; then every libFuzzer target but the two
# simulator ones (whose known findings are in fuzz/) for 20 s each.
# Options: --fast skips the sanitizer pass and the fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."

presets=(default asan)
fuzz=yes
for arg in "$@"; do
  case "$arg" in
    --fast) presets=(default); fuzz=no ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
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

if [ "$fuzz" = yes ]; then
  echo "== fuzz: each target for 20 s"
  scripts/fuzz.sh --time 20 --except sim_wide
fi
