#!/usr/bin/env bash
# Updates on any connected replicator reach every other one through the
# server, without polling; the permit passes between two writers, each
# update waiting for it, and nothing is lost on the way.
. "$(dirname "$0")/common.sh" "$1" "${2:-23101}"
e2e_three_hosts

A=$(tb_mnt clientA)
B=$(tb_mnt clientB)
S=$(tb_mnt muskox)
mkdir "$A/docs"
echo "from A" >"$A/docs/a.txt"
check "clientA's file reaches clientB" tb_has clientB docs/a.txt "from A"
check "and the server" tb_has muskox docs/a.txt "from A"
# A small file travels with its records: pushed, not fetched.
for h in muskox clientB; do
  st=$(tb_izoctl "$h" --json status)
  fetched=$(echo "$st" | python3 -c 'import json,sys; print(json.load(sys.stdin)["filesets"][0]["contents_fetched"])')
  pushed=$(echo "$st" | python3 -c 'import json,sys; print(json.load(sys.stdin)["filesets"][0]["contents_pushed"])')
  [ "$fetched" = 0 ] && [ "$pushed" -ge 1 ] || fail "$h fetched $fetched contents and took $pushed pushed ones"
done
echo "ok: the server and clientB got a.txt's content pushed with its records"

# The permit moves to clientB for its update, then back to clientA.
echo "from B" >"$B/docs/b.txt"
check "clientB's file reaches clientA" tb_has clientA docs/b.txt "from B"
holder=$(tb_izoctl muskox --json status | grep '"holder"')
case "$holder" in *clientB*) echo "ok: clientB holds the permit after its update" ;; *) fail "holder is $holder, not clientB" ;; esac
echo "A again" >>"$A/docs/a.txt"
check "clientA's second update reaches clientB" tb_has clientB docs/a.txt "$(printf 'from A\nA again')"
holder=$(tb_izoctl muskox --json status | grep '"holder"')
case "$holder" in *clientA*) echo "ok: the permit went back to clientA" ;; *) fail "holder is $holder, not clientA" ;; esac

# Interleaved writers: 20 rounds, each writing its own file, alternately.
for i in $(seq 1 20); do
  echo "A$i" >"$A/docs/A$i"
  echo "B$i" >"$B/docs/B$i"
done
mv "$A/docs/A1" "$A/docs/A1.renamed"
rm "$B/docs/B2"
ln -s a.txt "$S/docs/link"
check "all three replicas converge" converged
[ "$(cat "$B/docs/A20")" = A20 ] && [ "$(cat "$A/docs/B20")" = B20 ] || fail "the last updates are missing"
[ "$(readlink "$A/docs/link")" = a.txt ] || fail "the server's symlink did not reach clientA"
[ ! -e "$A/docs/B2" ] && [ -e "$B/docs/A1.renamed" ] || fail "a rename or an unlink did not propagate"
echo "ok: renames, unlinks, symlinks and the server's own updates propagate"
