#!/usr/bin/env bash
# The test run (README, second command; what CI runs): installs what is
# missing, builds from scratch where needed, and runs every test twice: once
# optimised, once under ASan+UBSan; then every libFuzzer target but sim_wide
# (the client-wins swarm still fails some runs: model/README.md) for 20 s each.
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

# ctest's whole report goes to a log in the build folder; what is printed is
# what a reader of a CI log needs: each failed, timed-out or skipped test with
# its output, and the summary (a CI log that keeps only part of a long output
# then still holds the reason).
failures_of() {
  awk '/^ *Start +[0-9]+: /                        { show = 0 }
       /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: /         { show = ($0 !~ /( Passed |Not Run)/) }
       /^[0-9]+% tests passed/                     { show = 1 }
       show' "$1"
}

scripts/install-deps.sh
jobs=$(nproc)
# What a failure on another machine is read against.
echo "== machine: $(uname -r), $jobs cores, open files $(ulimit -Sn)/$(ulimit -Hn)," \
  "/tmp on $(findmnt -no FSTYPE -T "${TMPDIR:-/tmp}" 2>/dev/null || echo '?'), user $(id -un)"
for p in "${presets[@]}"; do
  case "$p" in default) dir=build ;; *) dir=build-$p ;; esac
  echo "== configure, build and test: preset $p (ctest's report: $dir/ctest.log)"
  cmake --preset "$p" >/dev/null
  cmake --build --preset "$p" -j "$jobs" -- --quiet
  status=0
  ctest --preset "$p" -j "$jobs" >"$dir/ctest.log" 2>&1 || status=$?
  failures_of "$dir/ctest.log"
  [ "$status" = 0 ] || exit "$status"
done

if [ "$fuzz" = yes ]; then
  echo "== fuzz: each target for 20 s"
  scripts/fuzz.sh --time 20 --seed 1 --except sim_wide --except conflict_replay
fi
