# Second boot of qemu_crash_test.sh: ext4 replays its journal, the module
# recovers the KML at mount; print the tree, make one more update, unmount.
# Before the mount, the first 100 bytes of the KML are appended to it: the
# start of a record whose append never finished, which the mount must cut.
step mount -t ext4 /dev/vda /disk
step sh -c 'head -c 100 /disk/fs/.intermezzo/demo/kml >>/disk/fs/.intermezzo/demo/kml'
step mount -t intermezzo -o fileset=demo,host=kvm1 /disk/fs /mnt
/bin/treedigest /mnt | sed 's/^/IZO-TREE /'
step mkdir /mnt/after-crash
step umount /mnt
step umount /disk
