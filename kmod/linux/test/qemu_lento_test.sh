#!/usr/bin/env bash
# The upcall device's test (ctest label kmod): in the QEMU guest the fileset is
# mounted with prestodev=/dev/intermezzo0 and fakelento.c plays Lento through
# every conversation of protocol/upcall/FORMAT.md (see its header). Then, from
# the host, the KML holds exactly what should be journaled: the update made
# under the granted permit, and the peer's record Lento journaled, with its
# origin; nothing for the refused update, Lento's own, or those without Lento.
#
# usage: qemu_lento_test.sh BUILD_DIR     (KEEP=1 keeps the work folder)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: qemu_lento_test.sh BUILD_DIR}" && pwd)
. "$here/qemu_lib.sh"
qemu_require
qemu_setup lento 64M fakelento
qemu_initrd "$work/initrd.cpio" guest_lento.sh fakelento
qemu_boot "$work/initrd.cpio" "$work/disk.img" "$work/console.txt"
echo "guest: every upcall conversation checked (${boot_ms} ms)"

debugfs -R "dump /fs/.intermezzo/demo/kml $work/kml" "$work/disk.img" >/dev/null 2>&1
"$build/replay/kmldump" "$work/kml" >"$work/kml.txt" || fail "the KML is not whole"
cat "$work/kml.txt"
[ "$(grep -c . "$work/kml.txt")" -eq 2 ] || fail "the KML should hold exactly 2 records"
host=$(sed -n '1s/.*obj=none->\([0-9]*\):1.*/\1/p' "$work/kml.txt")
grep -q '^#1 @0 mkdir path="granted" .*origin='"$host"'#1 ' "$work/kml.txt" \
  || fail "record 1 is not the update made under the granted permit"
grep -q '^#2 @[0-9]* mkdir path="from-peer" .*origin=777#5 ' "$work/kml.txt" \
  || fail "record 2 is not the peer's record with its origin"
echo "PASS: the device's conversations hold, and the KML has exactly what they journaled"
