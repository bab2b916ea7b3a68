#!/bin/busybox sh
# /init of the QEMU guest (qemu_test.sh): load the modules, mount the ext4
# disk and the intermezzo filesystem over its holding tree, run the workload,
# print the tree seen through the mount, unmount and power off. Every result
# is a line on the console starting with IZO-.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo  # the firmware's last words end without a newline: markers start lines

step() {
  if ! "$@" >/tmp/step.out 2>&1; then
    echo "IZO-GUEST failed: $*"
    sed 's/^/IZO-GUEST   /' /tmp/step.out
    dmesg | tail -n 30 | sed 's/^/IZO-DMESG /'
    poweroff -f
  fi
}

mkdir -p /tmp
for m in $(cat /modules.order); do step insmod /lib/modules/$m; done
step mount -t ext4 /dev/vda /disk
step mount -t intermezzo -o fileset=demo,host=kvm1 /disk/fs /mnt
step /bin/workload /mnt
/bin/treedigest /mnt | sed 's/^/IZO-TREE /'
step umount /mnt
step umount /disk
dmesg | grep -i intermezzo | sed 's/^/IZO-DMESG /'
echo "IZO-GUEST ok"
poweroff -f
