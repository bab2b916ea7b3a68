# First boot of qemu_crash_test.sh: updates, a sync, more updates, then the
# machine stops dead (sysrq b: no sync, no unmount).
step mount -t ext4 /dev/vda /disk
step mount -t intermezzo -o fileset=demo,host=kvm1 /disk/fs /mnt
step mkdir /mnt/synced /mnt/late
i=1
while [ $i -le 40 ]; do
  step sh -c "echo 'synced file $i' >/mnt/synced/f$i"
  i=$((i + 1))
done
step sync
echo "IZO-SYNCED"
i=1
while [ $i -le 40 ]; do
  step sh -c "echo 'late file $i' >/mnt/late/f$i"
  i=$((i + 1))
done
echo 1 >/proc/sys/kernel/sysrq
echo "IZO-GUEST ok"
echo b >/proc/sysrq-trigger
