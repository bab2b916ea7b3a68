# Scenario of qemu_test.sh: the workload through the mount, then the tree it left.
step mount -t ext4 /dev/vda /disk
step mount -t intermezzo -o fileset=demo,host=kvm1 /disk/fs /mnt
step /bin/workload /mnt
/bin/treedigest /mnt | sed 's/^/IZO-TREE /'
step umount /mnt
step umount /disk
