#!/usr/bin/env bash
# The kernel module's benchmark (not a test): inside the QEMU guest, the same
# small-file workload (fsbench.c: create+write, stat, read, rename, chmod,
# unlink) on plain ext4 and through the intermezzo mount of the same disk,
# alternating for a few rounds; prints the best time of each phase on each
# side and the ratios. Target (issue 8): total at most 1.10x native.
# TCG emulates the CPU, so absolute times are slow; the ratio is the figure.
#
# usage: qemu_bench.sh BUILD_DIR [FILES [SIZE [ROUNDS]]]   (defaults 2000 4096 3)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: qemu_bench.sh BUILD_DIR [FILES [SIZE [ROUNDS]]]}" && pwd)
files=${2:-2000} size=${3:-4096} rounds=${4:-3}
. "$here/qemu_lib.sh"
qemu_require
qemu_setup bench 512M fsbench
qemu_initrd "$work/initrd.cpio" guest_bench.sh fsbench
IZO_QEMU_TIMEOUT=${IZO_QEMU_TIMEOUT:-1800} qemu_boot "$work/initrd.cpio" "$work/disk.img" \
  "$work/console.txt" "izo_files=$files izo_size=$size izo_rounds=$rounds"

echo "kernel module benchmark: $files files of $size bytes, best of $rounds rounds, QEMU/TCG, kernel $kver"
awk '$1 == "IZO-BENCH" {
       key = $2 " " $3
       if (!(key in best) || $4 < best[key]) best[key] = $4
       if (!($3 in seen)) { seen[$3] = 1; order[n++] = $3 }
     }
     END {
       printf "%-8s %12s %12s %7s\n", "phase", "ext4 ms", "izo ms", "ratio"
       for (i = 0; i < n; i++) {
         p = order[i]; a = best["native " p]; b = best["intermezzo " p]
         ta += a; tb += b
         printf "%-8s %12.1f %12.1f %6.2fx\n", p, a, b, (a > 0 ? b / a : 0)
       }
       printf "%-8s %12.1f %12.1f %6.2fx   (target 1.10x)\n", "total", ta, tb, (ta > 0 ? tb / ta : 0)
     }' "$work/console.txt"
