#!/usr/bin/env bash
# The main job (README, first command). Installs what is missing and builds,
# then shows what exists today: a KML journal written through the real
# appender, printed and checked by kmldump; a crash that tears its tail,
# detected and cut on reopen. Everything happens in a temporary folder that
# is removed at the end. (The lento issue turns this into the demo testbed.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null

bin=build/replay
work=$(mktemp -d "${TMPDIR:-/tmp}/izo-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
kml="$work/.intermezzo/shared/kml"
mkdir -p "$(dirname "$kml")"

step() { printf '\n== %s\n' "$*"; }

step "A fresh journal: every KML opcode once, appended and synced"
"$bin/kmlgen" "$kml" --records 13
step "kmldump: one record a line"
"$bin/kmldump" "$kml"
step "kmldump --json --from 6 --to 6: the rename record for scripts"
"$bin/kmldump" --json --from 6 --to 6 "$kml"
step "kmldump --check"
"$bin/kmldump" --check "$kml"

step "A crash in the middle of an append: 100 bytes of a record reach the disk"
"$bin/kmlgen" "$work/next.kml" --records 1 >/dev/null
head -c 100 "$work/next.kml" >> "$kml"
set +e
"$bin/kmldump" --check "$kml"
echo "(kmldump --check exit status: $? = torn tail)"
set -e
step "Reopening the journal cuts the torn tail, and appending goes on after record 13"
"$bin/kmlgen" "$kml" --records 2
"$bin/kmldump" --check "$kml"

step "Damage in the middle is never mistaken for a torn tail"
printf '\x55' | dd of="$kml" bs=1 seek=700 conv=notrunc status=none
set +e
"$bin/kmldump" --check "$kml"
echo "(kmldump --check exit status: $? = corrupt)"
set -e
echo
echo "demo: done (everything it made is removed)"
