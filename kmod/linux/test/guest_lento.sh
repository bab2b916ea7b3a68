# Scenario of qemu_lento_test.sh: the fileset mounted with its upcall device,
# fakelento plays Lento on it.
step mount -t ext4 /dev/vda /disk
step mount -t intermezzo -o fileset=demo,host=kvm1,prestodev=/dev/intermezzo0 /disk/fs /mnt
step /bin/fakelento /dev/intermezzo0 demo /mnt /disk/fs kvm1
step umount /mnt
step umount /disk
