#!/usr/bin/env bash
# A client cut off keeps working and journaling; on reconnection its updates
# are reintegrated (and the server's are forwarded to it). An update of the
# same file on both sides is a conflict: the policy (server-wins) decides and
# both versions are kept on every replica.
. "$(dirname "$0")/common.sh" "$1" "${2:-23102}"
e2e_three_hosts
A=$(tb_mnt clientA)
B=$(tb_mnt clientB)
echo "base" >"$A/shared.txt"
check "the base version reaches clientB" tb_has clientB shared.txt base

tb_izoctl clientB disconnect >/dev/null
check "clientB is cut off" tb_cut_off clientB
mkdir "$B/offline"
for i in $(seq 1 30); do echo "offline $i" >"$B/offline/f$i"; done
echo "B's edit" >"$B/shared.txt"
echo "A's edit" >"$A/shared.txt"
echo "only on A" >"$A/a-only.txt"
check "clientA's edits reach the server meanwhile" tb_has muskox shared.txt "A's edit"
[ ! -e "$(tb_mnt muskox)/offline" ] || fail "clientB's offline work reached the server while cut off"
# izoctl wait says a cut-off client is not synced, and names why.
if why=$(tb_izoctl clientB wait --timeout 0.3 2>&1); then fail "izoctl wait returned 0 while clientB is cut off"; fi
grep -q "muskox not connected" <<<"$why" || fail "izoctl wait did not say why: $why"
echo "ok: izoctl wait times out on a cut-off client: $why"

tb_izoctl clientB reconnect >/dev/null
tb_izoctl clientB wait --timeout "${E2E_WAIT:-15}" || fail "izoctl wait: clientB did not sync after reconnecting"
tb_izoctl muskox wait --timeout "${E2E_WAIT:-15}" || fail "izoctl wait: the server did not sync with both clients"
echo "ok: izoctl wait returns once clientB and the server are synced"
check "clientB's offline files are reintegrated and reach clientA" tb_has clientA offline/f30 "offline 30"
check "the server's updates are forwarded to clientB" tb_has clientB a-only.txt "only on A"
check "all replicas converge" converged
copy=$(cd "$A" && ls | grep '^shared.txt.izo-conflict' || true)
[ -n "$copy" ] || fail "no conflict copy of shared.txt"
for h in muskox clientA clientB; do
  tb_has "$h" shared.txt "A's edit" || fail "$h: the server's version does not hold the name"
  tb_has "$h" "$copy" "B's edit" || fail "$h: clientB's version is not kept as $copy"
done
echo "ok: server wins, clientB's version kept as $copy on every replica"
tb_izoctl clientB --json conflicts list | grep -q '"winner": "server"' || fail "izoctl does not show the conflict resolved"
echo "ok: izoctl lists the conflict"

# The resolved conflict is kept in last_rcvd: a restarted lento still lists it,
# and the restarted server and client still agree.
tb_stop_lento clientB
tb_stop_lento muskox
tb_lento muskox
tb_lento clientB
check "the clients connect to the restarted server" tb_all_connected muskox 2
tb_izoctl clientB --json conflicts list | grep -q '"winner": "server"' ||
  fail "after a restart izoctl no longer lists the resolved conflict: $(tb_izoctl clientB conflicts list)"
echo "ok: the resolved conflict is listed after a restart"
echo "after restart" >"$A/after.txt"
check "an update after the restart reaches clientB" tb_has clientB after.txt "after restart"
check "all replicas converge after the restart" converged
