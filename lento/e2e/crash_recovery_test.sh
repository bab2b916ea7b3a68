#!/usr/bin/env bash
# kill -9 of a client's lento and of the server's lento in the middle of a
# reintegration, then restart: nothing acknowledged is lost and the replicas
# converge (recovery from the KML and last_rcvd).
. "$(dirname "$0")/common.sh" "$1" "${2:-23103}"
tb_fileset shared muskox clientA clientB
for h in muskox clientA clientB; do tb_mount "$h"; done
for h in muskox clientA clientB; do tb_lento "$h"; done
check "both clients connect" sh -c "[ \$('$TB_BUILD/lento/izoctl' --control '$(tb_ctl muskox)' --json status | grep -c '\"connected\": true') = 2 ]"
A=$(tb_mnt clientA)

# A reintegration of 300 files is under way when the client's lento dies.
tb_izoctl clientA disconnect >/dev/null
mkdir "$A/batch1"
for i in $(seq 1 300); do echo "one $i" >"$A/batch1/f$i"; done
tb_izoctl clientA reconnect >/dev/null
sleep 0.2
tb_kill9_lento clientA
echo "ok: clientA's lento killed mid-reintegration"
tb_lento clientA
check "after clientA restarts, its files all reach clientB" tb_has clientB batch1/f300 "one 300"

# And again with the server's lento killed.
tb_izoctl clientA disconnect >/dev/null
mkdir "$A/batch2"
for i in $(seq 1 300); do echo "two $i" >"$A/batch2/f$i"; done
tb_izoctl clientA reconnect >/dev/null
sleep 0.2
tb_kill9_lento muskox
echo "ok: the server's lento killed mid-reintegration"
echo "written while the server was down" >"$A/batch2/late"
tb_lento muskox
check "after the server restarts, clientA's files all reach clientB" tb_has clientB batch2/f300 "two 300"
check "and the update made while it was down" tb_has clientB batch2/late "written while the server was down"
check "all replicas converge" converged
n=$(ls "$(tb_mnt clientB)/batch1" | wc -l)
[ "$n" = 300 ] || fail "clientB has $n files of batch1, not 300"
echo "ok: nothing lost"
