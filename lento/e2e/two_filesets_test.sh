#!/usr/bin/env bash
# Several filesets per host, each lento serving one and replicating the
# other: 'shared' is served by muskox and replicated by clientA, 'docs' is
# served by clientA and replicated by muskox. An update reaches the other
# host in its own fileset only, and izoctl reports both filesets.
. "$(dirname "$0")/common.sh" "$1" "${2:-23106}"
port_docs=$((TB_PORT + 50))
TB_SERVER=muskox
TB_CLIENTS=(clientA)

# host address fileset... : the holding trees, mounts and configuration.
setup_host() {
  local h=$1 addr=$2 f
  mkdir -p "$TB_DIR/$h/etc"
  {
    echo "<sysid name=\"$h\" psdev=\"/dev/intermezzo0\" bindaddr=\"$addr\">"
    for f in shared docs; do
      mkdir -p "$TB_DIR/$h/$f/holding" "$TB_DIR/$h/$f/mnt"
      "$TB_BUILD/lento/mkizofs" "$f" "$TB_DIR/$h/$f/holding"
      echo "  <cache fileset=\"$f\" holding=\"$TB_DIR/$h/$f/holding\" mtpt=\"$TB_DIR/$h/$f/mnt\"/>"
    done
    echo "</sysid>"
  } >"$TB_DIR/$h/etc/sysid"
  cat >"$TB_DIR/$h/etc/serverdb" <<XML
<serverdb>
  <server name="muskox" ipaddr="127.0.0.1" port="$TB_PORT"/>
  <server name="clientA" ipaddr="127.0.0.2" port="$port_docs"/>
</serverdb>
XML
  cat >"$TB_DIR/$h/etc/fsetdb" <<XML
<fsetdb>
  <fileset name="shared" servername="muskox"><replicator>clientA</replicator></fileset>
  <fileset name="docs" servername="clientA"><replicator>muskox</replicator></fileset>
</fsetdb>
XML
}

mount_fileset() {
  local h=$1 f=$2
  "$TB_BUILD/kmod/fuse/presto-fuse" "$TB_DIR/$h/$f/holding" "$TB_DIR/$h/$f/mnt" --fileset "$f" --host "$h" \
    --permit-wait 20 2>>"$TB_DIR/$h/presto.log" &
  TB_PIDS+=($!)
  TB_MOUNTS+=("$TB_DIR/$h/$f/mnt")
  tb_wait 10 tb_mounted "$TB_DIR/$h/$f/mnt" || fail "$h did not mount $f"
}

has() { [ -f "$TB_DIR/$1/$2/mnt/$3" ] && [ "$(cat "$TB_DIR/$1/$2/mnt/$3")" = "$4" ]; }
connected_in() { tb_izoctl "$1" --json --fileset "$2" status | grep -q '"connected": true'; }

setup_host muskox 127.0.0.1
setup_host clientA 127.0.0.2
for h in muskox clientA; do
  for f in shared docs; do mount_fileset "$h" "$f"; done
done
tb_lento muskox
tb_lento clientA
check "shared: clientA connects to muskox" connected_in muskox shared
check "docs: muskox connects to clientA" connected_in clientA docs

echo "from clientA" >"$TB_DIR/clientA/shared/mnt/a.txt"
check "clientA's update of shared reaches the server muskox" has muskox shared a.txt "from clientA"
echo "from muskox" >"$TB_DIR/muskox/docs/mnt/m.txt"
check "muskox's update of docs reaches the server clientA" has clientA docs m.txt "from muskox"
echo "served here" >"$TB_DIR/clientA/docs/mnt/c.txt"
check "clientA's update of the fileset it serves reaches muskox" has muskox docs c.txt "served here"
for h in muskox clientA; do
  [ ! -e "$TB_DIR/$h/shared/mnt/m.txt" ] && [ ! -e "$TB_DIR/$h/shared/mnt/c.txt" ] ||
    fail "$h: an update of docs appeared in shared"
  [ ! -e "$TB_DIR/$h/docs/mnt/a.txt" ] || fail "$h: an update of shared appeared in docs"
done
status=$(tb_izoctl muskox --json status)
for f in shared docs; do
  grep -q "\"$f\"" <<<"$status" || fail "izoctl status on muskox does not name fileset $f: $status"
done
echo "ok: two filesets per host, each in its own lane"
