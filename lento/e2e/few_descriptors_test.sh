#!/usr/bin/env bash
# A reintegration of many more files than a lento may hold descriptors: every
# process runs under a hard limit of 128 open files, and a client cut off
# writes 600 files. Each content waiting to be installed once held a
# descriptor of its own; the server ran out, could not write last_rcvd and
# stopped its fileset. Now the contents past lento's share wait in closed
# files, and everything arrives.
. "$(dirname "$0")/common.sh" "$1" "${2:-23105}"
ulimit -n 128
e2e_three_hosts
A=$(tb_mnt clientA)
tb_izoctl clientA disconnect >/dev/null
check "clientA is cut off" tb_cut_off clientA
mkdir "$A/many"
for i in $(seq 1 600); do echo "file $i" >"$A/many/f$i"; done
tb_izoctl clientA reconnect >/dev/null
check "clientA's 600 files reach clientB" tb_has clientB many/f600 "file 600"
check "all replicas converge" converged
n=$(ls "$(tb_mnt clientB)/many" | wc -l)
[ "$n" = 600 ] || fail "clientB has $n files, not 600"
for h in muskox clientA clientB; do
  if grep -E "error|Too many open files" "$E2E_WORK/$h/lento.log"; then fail "$h's lento logged the errors above"; fi
done
echo "ok: nothing lost, no error"
