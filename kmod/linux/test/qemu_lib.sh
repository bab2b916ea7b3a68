# Shared by the kernel module's QEMU runs (qemu_test.sh, qemu_bench.sh):
# build the module out of the source tree, find Debian's kernel, build static
# guest programs, pack an initramfs around a guest scenario, boot it.
# Source it after setting: here (this folder), build (the CMake build folder).
# Facts behind the choices: ../shared/notes/kernel-module-in-qemu.md.

qemu_src=$(cd "$here/.." && pwd)
qemu_repo=$(cd "$qemu_src/../.." && pwd)
qemu_out=$build/kmod/linux

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# Sets kver and kdir, or skips when the kernel packages are missing.
qemu_require() {
  kver=$(ls /boot 2>/dev/null | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
  [ -n "$kver" ] || skip "no kernel in /boot (scripts/install-deps.sh installs linux-image-amd64)"
  kdir=/usr/src/linux-headers-$kver
  [ -d "$kdir" ] || skip "no headers for $kver in $kdir"
  local tool
  for tool in qemu-system-x86_64 mkfs.ext4 debugfs cpio xz; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
  done
  [ -x /bin/busybox ] || skip "busybox-static is not installed"
  mkdir -p "$qemu_out"
}

# qemu_setup NAME DISK_SIZE PROG...: $work, a fresh folder removed at exit
# unless KEEP=1 (the function named by $qemu_on_exit, if any, runs first); the
# module, the kernel, the static PROGs; and $work/disk.img, an ext4 image of
# DISK_SIZE holding the fileset "demo" (made by mkizofs) in /fs.
qemu_setup() {
  local name=$1 size=$2
  shift 2
  work=$(mktemp -d "$qemu_out/$name.XXXXXX")
  trap qemu_cleanup EXIT
  qemu_build_module
  qemu_kernel
  qemu_static "$@"
  mkdir -p "$work/disk"
  "$build/lento/mkizofs" demo "$work/disk/fs" >/dev/null
  mkfs.ext4 -q -F -d "$work/disk" "$work/disk.img" "$size" 2>/dev/null
}

qemu_cleanup() {
  if [ -n "${qemu_on_exit:-}" ]; then "$qemu_on_exit"; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}

# Builds intermezzo.ko into $qemu_out/module; fails on any warning.
qemu_build_module() {
  local log=$qemu_out/module.log
  mkdir -p "$qemu_out/module"
  cp "$qemu_src"/*.c "$qemu_src"/*.h "$qemu_src"/Kbuild "$qemu_out/module/"
  make -s -C "$kdir" M="$qemu_out/module" IZO_INCLUDE="$qemu_repo/protocol/include/izo" modules \
    >"$log" 2>&1 || { cat "$log"; fail "the module does not build"; }
  if grep -E "warning|error" "$log"; then fail "the module builds with warnings"; fi
}

# Sets vmlinux: the uncompressed kernel (PVH entry boots ~2 s sooner under TCG),
# extracted once from the xz stream inside /boot/vmlinuz; the bzImage if that fails.
qemu_kernel() {
  vmlinux=$qemu_out/vmlinux-$kver
  [ -s "$vmlinux" ] && return 0
  local off
  off=$(grep -abo $'\xfd7zXZ\x00' "/boot/vmlinuz-$kver" | head -n 1 | cut -d: -f1 || true)
  if [ -n "$off" ]; then
    tail -c +$((off + 1)) "/boot/vmlinuz-$kver" | xz -dc >"$vmlinux.tmp" 2>/dev/null || true
  fi
  if [ -s "$vmlinux.tmp" ] && head -c 4 "$vmlinux.tmp" | grep -q ELF; then
    mv "$vmlinux.tmp" "$vmlinux"
  else
    rm -f "$vmlinux.tmp"
    vmlinux=/boot/vmlinuz-$kver
  fi
}

# Builds each named test/NAME.c as a static program in $qemu_out.
qemu_static() {
  local prog
  for prog in "$@"; do
    gcc -O2 -Wall -Wextra -Werror -static -I"$qemu_repo/protocol/include/izo" \
      -o "$qemu_out/$prog" "$here/$prog.c" \
      2>"$qemu_out/$prog.log" || { cat "$qemu_out/$prog.log"; fail "$prog does not build"; }
  done
}

# qemu_initrd CPIO SCENARIO PROG...: an initramfs whose /init (guest_init.sh)
# loads the modules, then runs SCENARIO (a guest_*.sh) with PROGs in /bin.
qemu_initrd() {
  local cpio=$1 scenario=$2 root m
  shift 2
  root=$(mktemp -d "$qemu_out/initrd.XXXXXX")
  mkdir -p "$root"/{bin,lib/modules,proc,sys,dev,disk,mnt,tmp}
  cp /bin/busybox "$root/bin/busybox"
  for m in "$@"; do cp "$qemu_out/$m" "$root/bin/"; done
  : >"$root/modules.order"
  while read -r m; do
    cp "$m" "$root/lib/modules/"
    basename "$m" >>"$root/modules.order"
  done < <(modprobe -S "$kver" -a --show-depends virtio_pci virtio_blk crc32c_generic ext4 libcrc32c \
             | awk '$1 == "insmod" && !seen[$2]++ {print $2}')
  cp "$qemu_out/module/intermezzo.ko" "$root/lib/modules/"
  echo intermezzo.ko >>"$root/modules.order"
  cp "$here/guest_init.sh" "$root/init"
  cp "$here/$scenario" "$root/scenario.sh"
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet) >"$cpio"
  rm -rf "$root"
}

# qemu_boot CPIO DISK CONSOLE [APPEND]: boots until the guest powers off (or the
# time limit), the console's text in CONSOLE; sets boot_ms. Passes when the
# guest said "IZO-GUEST ok", else prints the console's end and fails.
qemu_boot() {
  local cpio=$1 disk=$2 console=$3 started
  started=$(date +%s%N)
  timeout "${IZO_QEMU_TIMEOUT:-240}" qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 \
    -nographic -no-reboot -nic none -kernel "$vmlinux" -initrd "$cpio" \
    -drive "file=$disk,format=raw,if=virtio" \
    -append "console=ttyS0 quiet panic=-1 oops=panic ${4:-}" </dev/null 2>&1 | tr -d '\r' >"$console" || true
  boot_ms=$((($(date +%s%N) - started) / 1000000))
  if ! grep -q '^IZO-GUEST ok$' "$console"; then
    tail -n 60 "$console"
    fail "the guest did not finish (panic, oops, hang or a failed step: its console is above)"
  fi
}
