# Scenario of qemu_bench.sh: fsbench on plain ext4 and through the mount of
# the same disk, alternating, ROUNDS times. Parameters come on the kernel
# command line: izo_files=N izo_size=BYTES izo_rounds=R.
files=2000 size=4096 rounds=3
for arg in $(cat /proc/cmdline); do
  case $arg in
    izo_files=*) files=${arg#izo_files=} ;;
    izo_size=*) size=${arg#izo_size=} ;;
    izo_rounds=*) rounds=${arg#izo_rounds=} ;;
  esac
done
step mount -t ext4 /dev/vda /disk
step mkdir -p /disk/native
step mount -t intermezzo -o fileset=demo,host=kvm1 /disk/fs /mnt
r=0
while [ $r -lt $rounds ]; do
  for side in native intermezzo; do
    dir=/disk/native
    [ $side = intermezzo ] && dir=/mnt
    sync
    echo 3 >/proc/sys/vm/drop_caches
    /bin/fsbench $dir $files $size >/tmp/bench.out 2>&1 || { cat /tmp/bench.out; poweroff -f; }
    sed "s/^fsbench /IZO-BENCH $side /" /tmp/bench.out
  done
  r=$((r + 1))
done
step umount /mnt
step umount /disk
