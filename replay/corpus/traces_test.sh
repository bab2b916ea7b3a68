#!/usr/bin/env bash
# Replays the captured traces of replay/corpus/traces (README.md there).
# usage: traces_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: traces_test.sh BUILD_DIR}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A tree's shape: path, type, mode, owner, link target (content is fetched, not replayed).
shape() { (cd "$1" && find . -path ./.intermezzo -prune -o -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort); }

for trace in "$here"/traces/*.kml; do
  name=$(basename "$trace" .kml)
  "$build/replay/kmldump" --check "$trace" >/dev/null || fail "$name is not whole"
  records=$("$build/replay/kmldump" "$trace" | grep -c .)
  first=$("$build/replay/kmlreplay" -q "$trace" "$work/$name") || fail "$name: $first"
  echo "$name: $first"
  echo "$first" | grep -q "$records records: $records applied" || fail "$name: not every record applied"
  again=$("$build/replay/kmlreplay" -q "$trace" "$work/$name") || fail "$name (again): $again"
  echo "$again" | grep -q " 0 applied" || fail "$name: a second replay changed something: $again"
  shape "$work/$name" >"$work/$name.shape"
done

"$build/replay/kmldiff" "$here/traces/workload.kmod.kml" "$here/traces/workload.presto-fuse.kml" \
  || fail "the kernel module's trace differs from presto-fuse's"
diff -u "$work/workload.kmod.shape" "$work/workload.presto-fuse.shape" \
  || fail "the two traces replay to different trees"
[ -s "$work/workload.kmod.shape" ] || fail "the replayed tree is empty"
echo "PASS: $(ls "$here"/traces/*.kml | wc -l) traces replayed"
