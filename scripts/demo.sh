#!/usr/bin/env bash
# The main job (README, first command): the demo testbed. Installs what is
# missing and builds, then starts a server (muskox) and two clients (clientA,
# clientB) on loopback, each with a presto-fuse mount and a lento, under a
# temporary folder; shows an update propagating, cuts clientB off, updates the
# same file on both sides, reconnects, and shows the conflict detected and
# resolved by the server-wins policy with both versions kept. Everything it
# started is stopped and the folder removed at the end.
#
# Needs root (the filter keeps versions in trusted.* attributes) and /dev/fuse.
# DEMO_PORT picks the server's port (default 2222, the HOWTO's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (presto-fuse stamps trusted.* attributes and mounts with allow_other)" >&2
  exit 1
fi
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" >/dev/null

port=${DEMO_PORT:-2222}
if (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
  echo "demo: port $port is taken; run with DEMO_PORT=another" >&2
  exit 1
fi

. lento/e2e/testbed.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/izo-demo.XXXXXX")
chmod 755 "$work"
trap 'tb_cleanup; rm -rf "$work"' EXIT
tb_init "$work" "$root/build" "$port"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '   %-8s %-40s %s\n' "$1" "$2" "$(cat "$(tb_mnt "$1")/$2" 2>/dev/null || echo '(absent)')"; }
fail() { echo "demo: $*" >&2; for h in muskox clientA clientB; do echo "--- $h lento log" >&2; tail -n 20 "$work/$h/lento.log" >&2; done; exit 1; }

step "A fileset 'shared' served by muskox (127.0.0.1:$port), replicated by clientA (127.0.0.2) and clientB (127.0.0.3)"
tb_fileset shared muskox clientA clientB
for h in muskox clientA clientB; do tb_mount "$h"; done
for h in muskox clientA clientB; do tb_lento "$h"; done
echo "   configuration (the HOWTO's format), clientA's:"
sed 's/^/     /' "$work/clientA/etc/sysid" "$work/clientA/etc/fsetdb"
tb_wait 10 tb_all_connected muskox 2 ||
  fail "the clients did not connect"
tb_izoctl muskox status

step "clientA writes a file; it reaches muskox and clientB without polling"
echo "hello from clientA" >"$(tb_mnt clientA)/greeting"
tb_wait 10 tb_has clientB greeting "hello from clientA" || fail "the update did not reach clientB"
for h in muskox clientA clientB; do show "$h" greeting; done

step "clientB is cut off (izoctl disconnect) and keeps working, journaling"
tb_izoctl clientB disconnect
tb_wait 10 tb_cut_off clientB
echo "edited on clientB while disconnected" >"$(tb_mnt clientB)/greeting"
echo "a new file from clientB" >"$(tb_mnt clientB)/notes"
echo "edited on clientA meanwhile" >"$(tb_mnt clientA)/greeting"
tb_wait 10 tb_has muskox greeting "edited on clientA meanwhile" || fail "clientA's edit did not reach muskox"
for h in muskox clientA clientB; do show "$h" greeting; done
tb_izoctl clientB status

step "clientB reconnects: forward, conflicts, reintegrate"
tb_izoctl clientB reconnect
conflict_copy() { ls "$(tb_mnt "$1")" | grep -q 'greeting.izo-conflict'; }
tb_wait 15 conflict_copy clientA || fail "no conflict copy reached clientA"
tb_wait 15 tb_has clientA notes "a new file from clientB" || fail "clientB's new file did not reach clientA"
tb_izoctl clientB conflicts list
copy=$(ls "$(tb_mnt clientA)" | grep 'greeting.izo-conflict')
tb_wait 10 tb_has clientB "$copy" "edited on clientB while disconnected" || fail "clientB's version was not kept"
tb_wait 10 tb_has muskox "$copy" "edited on clientB while disconnected" || fail "clientB's version did not reach muskox"

step "Server wins: every replica has clientA's edit under the name, clientB's under $copy, and clientB's new file"
for h in muskox clientA clientB; do
  show "$h" greeting
  show "$h" "$copy"
  show "$h" notes
done
tb_izoctl muskox status

step "Stopping everything the demo started"
