#!/usr/bin/env bash
# fuzz_seeds_are_current: the committed seed corpora are exactly what
# fuzz_write_seeds writes from the current encoders.
#   check_seeds.sh WRITE_SEEDS FUZZDIR
set -euo pipefail
writer=$1 fuzzdir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$writer" "$tmp"
status=0
for dir in "$tmp"/*/; do
  name=$(basename "$dir")
  if ! diff -r "$tmp/$name/seeds" "$fuzzdir/$name/seeds" >/dev/null 2>&1; then
    echo "fuzz/$name/seeds differ from what fuzz_write_seeds writes now:" >&2
    diff -rq "$tmp/$name/seeds" "$fuzzdir/$name/seeds" >&2 || true
    status=1
  fi
done
for dir in "$fuzzdir"/*/seeds; do
  name=$(basename "$(dirname "$dir")")
  [ -d "$tmp/$name" ] || { echo "fuzz/$name/seeds: no fuzz_write_seeds section writes these" >&2; status=1; }
done
[ $status -eq 0 ] && echo "every seed corpus is current ($(find "$tmp" -type f | wc -l) seeds)"
[ $status -eq 0 ] || echo "regenerate with: fuzz_write_seeds $fuzzdir (from the build), then commit" >&2
exit $status
