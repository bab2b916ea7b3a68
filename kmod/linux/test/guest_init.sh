#!/bin/busybox sh
# /init of the QEMU guest (qemu_lib.sh): load the modules (virtio, ext4,
# libcrc32c, intermezzo), run /scenario.sh, power off. Results are console
# lines starting with IZO-; "IZO-GUEST ok" last when every step passed.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo  # the firmware's last words end without a newline: markers start lines

# step CMD...: runs CMD; on failure prints its output and the kernel's last
# words, and powers off without the ok marker.
step() {
  if ! "$@" >/tmp/step.out 2>&1; then
    echo "IZO-GUEST failed: $*"
    sed 's/^/IZO-GUEST   /' /tmp/step.out
    dmesg | tail -n 30 | sed 's/^/IZO-DMESG /'
    poweroff -f
  fi
}

for m in $(cat /modules.order); do step insmod /lib/modules/$m; done
. /scenario.sh
dmesg | grep -i intermezzo | sed 's/^/IZO-DMESG /'
echo "IZO-GUEST ok"
poweroff -f
