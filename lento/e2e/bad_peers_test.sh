#!/usr/bin/env bash
# Garbage on the server's port, a peer that never says hello, and a host
# that fsetdb does not name are refused with a logged reason, while the
# real replicators go on being served; the refused host backs off.
. "$(dirname "$0")/common.sh" "$1" "${2:-23104}"
e2e_three_hosts
log=$E2E_WORK/muskox/lento.log

# Garbage bytes instead of a packet.
exec 3<>/dev/tcp/127.0.0.1/"$TB_PORT"
printf 'GET / HTTP/1.0\r\n\r\n' >&3
exec 3>&-
check "garbage is refused with the reason logged" grep -q "bad packet" "$log"

# A well-formed packet header with a wrong checksum.
exec 3<>/dev/tcp/127.0.0.1/"$TB_PORT"
printf 'IZPK\x01\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\xde\xad\xbe\xef\x01\x00\x00\x00' >&3
exec 3>&-
check "a bad checksum is refused" grep -q "checksum" "$log"

# A host fsetdb does not name: it has its own configuration saying it replicates.
E2E_EXTRA_HOSTS=intruder
mkdir -p "$E2E_WORK/intruder"
cp -r "$E2E_WORK/clientB/etc" "$E2E_WORK/intruder/etc"
mkdir -p "$E2E_WORK/intruder/holding" "$E2E_WORK/intruder/mnt"
"$TB_BUILD/lento/mkizofs" shared "$E2E_WORK/intruder/holding"
sed -i "s/clientB/intruder/g; s/127.0.0.3/127.0.0.9/" "$E2E_WORK/intruder/etc/sysid" "$E2E_WORK/intruder/etc/fsetdb"
tb_mount intruder
tb_lento intruder
check "an unknown host is refused with the reason logged" grep -q "fsetdb does not name 'intruder'" "$log"

# The replicators are still served.
echo "still served" >"$(tb_mnt clientA)/after"
check "an update still reaches clientB" tb_has clientB after "still served"
[ ! -e "$(tb_mnt intruder)/after" ] || fail "the intruder received the fileset"
echo "ok: the intruder got nothing"

# A refused host asks again ever more slowly (0.2 s doubling to 5 s), not at
# every 0.2 s: in 3 s about five times.
sleep 3
n=$(grep -c "fsetdb does not name 'intruder'" "$log")
[ "$n" -le 7 ] || fail "the intruder was refused $n times in 3 s: no backoff"
echo "ok: the intruder asked $n times in 3 s"
