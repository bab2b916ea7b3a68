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
src=$(cd "$here/.." && pwd)
repo=$(cd "$src/../.." && pwd)
build=$(cd "${1:?usage: qemu_test.sh BUILD_DIR}" && pwd)
out=$build/kmod/linux
boot_timeout=${IZO_QEMU_TIMEOUT:-180}

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

kver=$(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
[ -n "$kver" ] || skip "no kernel in /boot (scripts/install-deps.sh installs linux-image-amd64)"
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || skip "no headers for $kver in $kdir"
for tool in qemu-system-x86_64 mkfs.ext4 debugfs cpio; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -x /bin/busybox ] || skip "busybox-static is not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root (presto-fuse on the host for the comparison)"
[ -c /dev/fuse ] || skip "needs /dev/fuse (presto-fuse on the host for the comparison)"

mkdir -p "$out"
work=$(mktemp -d "$out/run.XXXXXX")
fuse_pid=""
cleanup() {
  if [ -n "$fuse_pid" ]; then
    fusermount3 -u "$work/fuse/mnt" 2>/dev/null || true
    kill "$fuse_pid" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the module, built out of the source tree -------------------------------------
mkdir -p "$out/module"
cp "$src"/*.c "$src"/*.h "$src"/Kbuild "$out/module/"
make -s -C "$kdir" M="$out/module" IZO_INCLUDE="$repo/protocol/include/izo" modules \
  >"$work/make.log" 2>&1 || { cat "$work/make.log"; fail "the module does not build"; }
grep -E "warning|error" "$work/make.log" && fail "the module builds with warnings"
echo "built $out/module/intermezzo.ko for $kver"

# ---- the kernel: the uncompressed vmlinux boots faster under TCG (PVH entry) -----
vmlinux=$out/vmlinux-$kver
if [ ! -s "$vmlinux" ]; then
  off=$(grep -abo $'\xfd7zXZ\x00' "/boot/vmlinuz-$kver" | head -n 1 | cut -d: -f1)
  if [ -n "$off" ] && tail -c +$((off + 1)) "/boot/vmlinuz-$kver" | xz -dc >"$vmlinux.tmp" 2>/dev/null \
     || [ -s "$vmlinux.tmp" ]; then
    mv "$vmlinux.tmp" "$vmlinux"
  else
    rm -f "$vmlinux.tmp"
    vmlinux=/boot/vmlinuz-$kver
  fi
fi

# ---- static programs for the guest -----------------------------------------------
for prog in workload treedigest; do
  gcc -O2 -Wall -Wextra -Werror -static -o "$out/$prog" "$here/$prog.c" 2>"$work/$prog.log" \
    || { cat "$work/$prog.log"; fail "$prog does not build"; }
done

# ---- the disk: a holding tree made by mkizofs, on ext4 ---------------------------
mkdir -p "$work/disk"
"$build/lento/mkizofs" demo "$work/disk/fs" >/dev/null
mkfs.ext4 -q -F -d "$work/disk" "$work/disk.img" 64M

# ---- the initramfs -------------------------------------------------------------------
initrd=$work/initrd
mkdir -p "$initrd"/{bin,lib/modules,proc,sys,dev,disk,mnt}
cp /bin/busybox "$initrd/bin/busybox"
cp "$out/workload" "$out/treedigest" "$initrd/bin/"
modprobe -S "$kver" -a --show-depends virtio_pci virtio_blk crc32c_generic ext4 libcrc32c \
  | awk '$1 == "insmod" && !seen[$2]++ {print $2}' >"$work/modules"
: >"$initrd/modules.order"
while read -r m; do
  cp "$m" "$initrd/lib/modules/"
  basename "$m" >>"$initrd/modules.order"
done <"$work/modules"
cp "$out/module/intermezzo.ko" "$initrd/lib/modules/"
echo intermezzo.ko >>"$initrd/modules.order"
cp "$here/guest_init.sh" "$initrd/init"
chmod +x "$initrd/init"
(cd "$initrd" && find . | cpio -o -H newc --quiet) >"$work/initrd.cpio"

# ---- boot ------------------------------------------------------------------------------
started=$(date +%s%N)
timeout "$boot_timeout" qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 -nographic \
  -no-reboot -nic none -kernel "$vmlinux" -initrd "$work/initrd.cpio" \
  -drive "file=$work/disk.img,format=raw,if=virtio" \
  -append "console=ttyS0 quiet panic=-1 oops=panic" </dev/null >"$work/console.log" 2>&1 || true
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
tr -d '\r' <"$work/console.log" >"$work/console.txt"
if ! grep -q '^IZO-GUEST ok$' "$work/console.txt"; then
  tail -n 60 "$work/console.txt"
  fail "the guest did not finish its workload (panic, oops, hang or a failed step: console above)"
fi
echo "guest booted, ran the workload and powered off in ${elapsed_ms} ms"

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
"$out/workload" "$work/fuse/mnt" >/dev/null
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
"$out/treedigest" "$work/replayed" >"$work/replayed.tree"
[ -s "$work/guest.tree" ] || fail "the guest printed no tree"
diff -u "$work/guest.tree" "$work/replayed.tree" || fail "the replayed tree differs from the guest's"
echo "PASS: module KML == presto-fuse KML ($(grep -c . "$work/guest.tree") objects replayed identically)"
