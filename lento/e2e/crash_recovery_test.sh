#!/usr/bin/env bash
# kill -9 of a client's lento and of the server's lento in the middle of a
# reintegration, then restart: nothing acknowledged is lost and the replicas
# converge (recovery from the KML and last_rcvd).
. "$(dirname "$0")/common.sh" "$1" "${2:-23103}"
e2e_three_hosts
A=$(tb_mnt clientA)

# A reintegration of 300 files is under way when a lento dies: first the
# client's, then the server's (and clientA goes on writing while it is down).
kill_mid_reintegration() {
  local batch=$1 victim=$2
  tb_izoctl clientA disconnect >/dev/null
  mkdir "$A/$batch"
  for i in $(seq 1 300); do echo "$batch $i" >"$A/$batch/f$i"; done
  tb_izoctl clientA reconnect >/dev/null
  sleep 0.2
  tb_kill9_lento "$victim"
  echo "ok: $victim's lento killed mid-reintegration"
  [ "$victim" = clientA ] || echo "written while the server was down" >"$A/$batch/late"
  tb_lento "$victim"
  check "after $victim restarts, clientA's $batch reaches clientB" tb_has clientB "$batch/f300" "$batch 300"
}
kill_mid_reintegration batch1 clientA
kill_mid_reintegration batch2 muskox
check "and the update made while the server was down" tb_has clientB batch2/late "written while the server was down"
check "all replicas converge" converged
n=$(ls "$(tb_mnt clientB)/batch1" | wc -l)
[ "$n" = 300 ] || fail "clientB has $n files of batch1, not 300"
n=$(ls "$(tb_mnt clientB)/batch2" | wc -l)
[ "$n" = 301 ] || fail "clientB has $n files in batch2, not 300 and 'late' (a conflict copy?)"
# Only one writer: a crash must not make a conflict up (a record the
# server's store took only in part before it died once did).
for h in muskox clientA clientB; do
  if tb_izoctl "$h" --json conflicts list | grep -q '"path"'; then
    fail "$h reports a conflict: $(tb_izoctl "$h" conflicts list)"
  fi
done
echo "ok: nothing lost"
