#!/usr/bin/env bash
# Runs the libFuzzer targets (fuzz/README.md), each for a fixed time, after
# building them (preset `fuzz`, clang 14, ASan + UBSan).
#
#   scripts/fuzz.sh [--time SECONDS] [--seed N] [--except TARGET]... [TARGET...]
#                                         default: 300 s each, every target
#
# --seed N fixes libFuzzer's random seed: from the same corpus (a fresh
# clone's: seeds and regressions) the same inputs are tried in the same
# order, so a run that fails fails again. The test run uses --seed 1, so CI
# judges a change, not the luck of a draw; without --seed each run draws a
# new seed (printed in the target's log) and explores further.
# The test run (scripts/test.sh) runs every target but sim_wide and
# conflict_replay for 20 s (both still find known violations:
# fuzz/README.md); give a long
# time here for real fuzzing. Each target starts from its seeds and regressions
# and grows a working corpus in build-fuzz/corpus/TARGET (kept between runs,
# never committed). A crash or a broken invariant stops that target and fails
# the run: the input is saved in build-fuzz/crashes/TARGET/, and the script
# prints how to reproduce it and how to keep it as a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
seed=0
targets=()
except=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds=${2:?--time needs a number of seconds}; shift 2 ;;
    --time=*) seconds=${1#--time=}; shift ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --seed=*) seed=${1#--seed=}; shift ;;
    --except) except+=("${2:?--except needs a target}"); shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (try --help)" >&2; exit 64 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz.sh: --time wants whole seconds > 0" >&2; exit 64; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seed wants a whole number (0: a new one each run)" >&2; exit 64; }

all=()
for d in fuzz/*/; do
  name=$(basename "$d")
  [ -f "$d/$name.dict" ] && all+=("$name")
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}" "${except[@]}"; do
  [ -f "fuzz/$t/$t.dict" ] || { echo "fuzz.sh: no target '$t' (have: ${all[*]})" >&2; exit 64; }
done
kept=()
for t in "${targets[@]}"; do
  [[ " ${except[*]} " == *" $t "* ]] || kept+=("$t")
done
targets=("${kept[@]}")

scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" -- --quiet  # warnings and errors only

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
summary=()
failed=()
for t in "${targets[@]}"; do
  bin=build-fuzz/fuzz/fuzz_$t
  work=build-fuzz/corpus/$t
  crashes=build-fuzz/crashes/$t
  mkdir -p "$work" "$crashes"
  corpora=("$work" "fuzz/$t/seeds")
  [ -d "fuzz/$t/regressions" ] && corpora+=("fuzz/$t/regressions")
  log=build-fuzz/fuzz-$t.log
  echo "== fuzz $t for ${seconds}s"
  touch "$log.start"
  status=0
  "$bin" -seed="$seed" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -dict="fuzz/$t/$t.dict" -artifact_prefix="$crashes/" "${corpora[@]}" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  units=$(find "$work" -type f | wc -l)
  if [ $status -ne 0 ]; then
    failed+=("$t")
    summary+=("$(printf '%-16s FAILED  (exit %d) see %s' "$t" "$status" "$log")")
    grep -E 'fuzz invariant broken|ERROR: |SUMMARY: |Test unit written' "$log" | head -20 >&2 || true
    find "$crashes" -type f -newer "$log.start" | while read -r c; do
      echo "  reproduce: $bin $c" >&2
      echo "  keep as a regression: mkdir -p fuzz/$t/regressions && cp $c fuzz/$t/regressions/ (then fix, and commit both)" >&2
    done
    rm -f "$log.start"
  else
    rm -f "$log.start"
    summary+=("$(printf '%-16s ok      %10s runs  cov %-6s corpus %s' "$t" "${execs:-?}" "${cov:-?}" "$units")")
  fi
done
echo "== fuzz summary (${seconds}s each)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
