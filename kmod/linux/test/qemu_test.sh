#!/usr/bin/env bash
# The kernel module's test, run by CI (ctest label kmod): build intermezzo.ko
# against Debian's kernel headers, boot Debian's kernel under QEMU/TCG with a
# small initramfs (busybox, the modules, static test programs), mount the
# fileset through the module, run workload.c, power off; then, from the host:
#   - the KML decodes and is whole (kmldump --check),
#   - it equals, record by record, what presto-fuse writes for the same workload
#     (kmldiff; pid and times left out),
#   - replayed onto an empty folder (kmlreplay) it gives the tree the guest saw.
# A panic, an oops or a hang fails the test: the verdict comes from what the
# guest wrote on its console, never from QEMU's exit status.
#
# usage: qemu_test.sh BUILD_DIR     (KEEP=1 keeps the work folder)
# Exit 77 (skipped) without the kernel packages, root or /dev/fuse.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: qemu_test.sh BUILD_DIR}" && pwd)
. "$here/qemu_lib.sh"
qemu_require
[ "$(id -u)" -eq 0 ] || skip "needs root (presto-fuse on the host for the comparison)"
[ -c /dev/fuse ] || skip "needs /dev/fuse (presto-fuse on the host for the comparison)"

fuse_pid=""
stop_fuse() {
  if [ -n "$fuse_pid" ]; then
    fusermount3 -u "$work/fuse/mnt" 2>/dev/null || true
    kill "$fuse_pid" 2>/dev/null || true
  fi
}
qemu_on_exit=stop_fuse
qemu_setup run 64M workload treedigest
echo "built intermezzo.ko for $kver"

qemu_initrd "$work/initrd.cpio" guest_workload.sh workload treedigest
qemu_boot "$work/initrd.cpio" "$work/disk.img" "$work/console.txt"
echo "guest booted, ran the workload and powered off in ${boot_ms} ms"

# ---- from the host: the KML the module wrote -----------------------------------------
debugfs -R "dump /fs/.intermezzo/demo/kml $work/kernel.kml" "$work/disk.img" >/dev/null 2>&1
[ -s "$work/kernel.kml" ] || fail "no KML in the guest's holding tree"
"$build/replay/kmldump" --check "$work/kernel.kml" || fail "the module's KML is not sound"
e2fsck -fn "$work/disk.img" >"$work/fsck.log" 2>&1 || { cat "$work/fsck.log"; fail "the guest's ext4 is damaged"; }

# ---- the same workload through presto-fuse ---------------------------------------------
mkdir -p "$work/fuse/mnt"
"$build/lento/mkizofs" demo "$work/fuse/holding" >/dev/null
"$build/kmod/fuse/presto-fuse" "$work/fuse/holding" "$work/fuse/mnt" --fileset demo --host kvm1 \
  --no-lento >"$work/fuse/log" 2>&1 &
fuse_pid=$!
for _ in $(seq 100); do mountpoint -q "$work/fuse/mnt" && break; sleep 0.05; done
mountpoint -q "$work/fuse/mnt" || { cat "$work/fuse/log"; fail "presto-fuse did not mount"; }
"$qemu_out/workload" "$work/fuse/mnt" >/dev/null
fusermount3 -u "$work/fuse/mnt"
wait "$fuse_pid" || fail "presto-fuse exited with an error"
fuse_pid=""

echo "--- kmldiff kernel module vs presto-fuse"
"$build/replay/kmldiff" "$work/kernel.kml" "$work/fuse/holding/.intermezzo/demo/kml" \
  || { "$build/replay/kmldump" "$work/kernel.kml"; fail "the module's KML differs from presto-fuse's"; }

# An explicit utimensat is journaled with its exact times.
"$build/replay/kmldump" --json "$work/kernel.kml" | grep -q '"mtime_ns":1234567890123456789' \
  || fail "the utimensat record lost its mtime"

# ---- replay: the KML rebuilds the tree the guest saw -------------------------------------
# Contents come from presto-fuse's holding tree: the KMLs are equal, so the
# versions (and so the contents) are the same.
mkdir -p "$work/replayed"
"$build/replay/kmlreplay" -q --data-from "$work/fuse/holding" "$work/kernel.kml" "$work/replayed" \
  || fail "kmlreplay refused or found conflicts in the module's KML"
sed -n 's/^IZO-TREE //p' "$work/console.txt" >"$work/guest.tree"
"$qemu_out/treedigest" "$work/replayed" >"$work/replayed.tree"
[ -s "$work/guest.tree" ] || fail "the guest printed no tree"
diff -u "$work/guest.tree" "$work/replayed.tree" || fail "the replayed tree differs from the guest's"
echo "PASS: module KML == presto-fuse KML ($(grep -c . "$work/guest.tree") objects replayed identically)"
