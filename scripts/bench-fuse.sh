#!/usr/bin/env bash
# presto-fuse against native on the same large tree (issue 5's benchmark; not
# part of the test run). Steps: untar, copy, find, du, grep, rm; caches dropped
# and everything synced between steps. Prints each step's time, its ratio, and
# the total. Needs root (drop_caches, loop devices, the mount). Default tree: a
# tarball of /usr/include (about 25,000 entries, 300 MB); BENCH_TREE=DIR to
# choose another. Native and FUSE each run on a fresh ext4 image (loop
# mounted), so neither inherits the other's deleted inodes: ext4's inode
# allocator slows down badly in groups full of recently deleted inodes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default >/dev/null
[ "$(id -u)" -eq 0 ] || { echo "bench-fuse: needs root (drop_caches, FUSE mount)" >&2; exit 1; }

tree=${BENCH_TREE:-/usr/include}
work=$(mktemp -d /tmp/bench-fuse.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  fusermount3 -u -z "$work/fuse/mnt" 2>/dev/null || true
  umount "$work/native" 2>/dev/null || true
  umount "$work/fuse" 2>/dev/null || true
  rm -rf "$work"
}
fresh_fs() {  # fresh_fs DIR: a new ext4 filesystem mounted on DIR
  mkdir -p "$1"
  truncate -s 4G "$1.img"
  mkfs.ext4 -q -F "$1.img"
  mount -o loop "$1.img" "$1"
}
trap cleanup EXIT
tar -C "$(dirname "$tree")" -cf "$work/tree.tar" "$(basename "$tree")"
echo "tree: $tree ($(tar -tf "$work/tree.tar" | wc -l) entries, $(du -sh "$work/tree.tar" | cut -f1) tar)"

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
step() {  # step NAME DIR COMMAND...: prints seconds
  local dir=$2; shift 2
  drop
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$dir" && "$@") >/dev/null 2>&1 || true
  sync
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
run_all() {  # run_all DIR: prints "name seconds" lines
  local d=$1 name
  mkdir -p "$d"
  echo "untar $(step untar "$d" tar -xf "$work/tree.tar")"
  name=$(basename "$tree")
  echo "copy $(step copy "$d" cp -a "$name" "$name.copy")"
  echo "find $(step find "$d" find . -type f)"
  echo "du $(step du "$d" du -s .)"
  echo "grep $(step grep "$d" grep -r --count include .)"
  echo "rm $(step rm "$d" rm -rf "$name" "$name.copy")"
}

command -v bc >/dev/null || apt-get install -y -qq bc >/dev/null
fresh_fs "$work/native"
native=$(run_all "$work/native/tree")
fresh_fs "$work/fuse"
mkdir -p "$work/fuse/holding" "$work/fuse/mnt"
build/kmod/fuse/presto-fuse "$work/fuse/holding" "$work/fuse/mnt" --fileset bench --no-lento 2>"$work/presto.log" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$work/fuse/mnt" && break; sleep 0.05; done
fused=$(run_all "$work/fuse/mnt")
records=$(build/replay/kmldump --check "$work/fuse/holding/.intermezzo/bench/kml" 2>&1 | tail -1)

printf "%-6s %10s %10s %7s\n" step native_s fuse_s ratio
total_n=0; total_f=0
while read -r name n; do
  f=$(echo "$fused" | awk -v s="$name" '$1==s {print $2}')
  printf "%-6s %10.2f %10.2f %7.2f\n" "$name" "$n" "$f" "$(echo "$f / $n" | bc -l)"
  total_n=$(echo "$total_n + $n" | bc -l); total_f=$(echo "$total_f + $f" | bc -l)
done <<< "$native"
printf "%-6s %10.2f %10.2f %7.2f   (target: total at most 1.5x)\n" total "$total_n" "$total_f" "$(echo "$total_f / $total_n" | bc -l)"
echo "journal: $records"
