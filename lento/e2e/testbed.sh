# A testbed of real processes on loopback, for the demo and the end-to-end
# tests: one server and some clients, each with a holding directory, a
# presto-fuse mount, a configuration directory in the HOWTO's format and a
# lento. Source it, then:
#
#   tb_init DIR BUILD PORT            where everything lives; the build tree; the server's port
#   tb_fileset NAME SERVER CLIENT...  declares the fileset and its hosts (addresses 127.0.0.1, .2, ...)
#   tb_mount HOST / tb_lento HOST [ARGS]   starts that host's filter / its lento
#   tb_stop_lento HOST / tb_kill9_lento HOST
#   tb_all_connected HOST N / tb_cut_off HOST   what HOST's lento says of its links
#   tb_wait SECONDS CMD...            retries CMD every 0.1 s until it succeeds or time is up
#   tb_cleanup                        stops every process it started (by its pid) and unmounts
#
# TB_LENTO_ARGS adds options to every lento (say --debuglevel 2 to log every
# message). Needs root (presto-fuse stamps trusted.* attributes) and /dev/fuse.

tb_init() {
  TB_DIR=$1
  TB_BUILD=$2
  TB_PORT=$3
  TB_PIDS=()
  TB_MOUNTS=()
  mkdir -p "$TB_DIR"
}

tb_fileset() {
  TB_FILESET=$1
  TB_SERVER=$2
  shift 2
  TB_CLIENTS=("$@")
  TB_POLICY=${TB_POLICY:-server-wins}
  local i=1 h
  for h in "$TB_SERVER" "${TB_CLIENTS[@]}"; do
    mkdir -p "$TB_DIR/$h/holding" "$TB_DIR/$h/mnt" "$TB_DIR/$h/etc"
    "$TB_BUILD/lento/mkizofs" "$TB_FILESET" "$TB_DIR/$h/holding"
    cat >"$TB_DIR/$h/etc/sysid" <<XML
<sysid name="$h" psdev="/dev/intermezzo0" bindaddr="127.0.0.$i">
  <cache fileset="$TB_FILESET" holding="$TB_DIR/$h/holding" mtpt="$TB_DIR/$h/mnt"/>
</sysid>
XML
    cat >"$TB_DIR/$h/etc/serverdb" <<XML
<serverdb>
  <server name="$TB_SERVER" ipaddr="127.0.0.1" port="$TB_PORT"/>
</serverdb>
XML
    {
      echo "<fsetdb>"
      echo "  <fileset name=\"$TB_FILESET\" servername=\"$TB_SERVER\" policy=\"$TB_POLICY\">"
      local c
      for c in "${TB_CLIENTS[@]}"; do echo "    <replicator>$c</replicator>"; done
      echo "  </fileset>"
      echo "</fsetdb>"
    } >"$TB_DIR/$h/etc/fsetdb"
    i=$((i + 1))
  done
}

tb_mnt() { echo "$TB_DIR/$1/mnt"; }
tb_ctl() { echo "$TB_DIR/$1.ctl"; }

tb_mounted() { [ "$(stat -c %d "$1")" != "$(stat -c %d "$1/..")" ]; }

tb_mount() {
  local h=$1
  "$TB_BUILD/kmod/fuse/presto-fuse" "$TB_DIR/$h/holding" "$TB_DIR/$h/mnt" --fileset "$TB_FILESET" --host "$h" \
    --permit-wait 20 2>>"$TB_DIR/$h/presto.log" &
  echo $! >"$TB_DIR/$h/presto.pid"
  TB_PIDS+=($!)
  TB_MOUNTS+=("$TB_DIR/$h/mnt")
  tb_wait 10 tb_mounted "$TB_DIR/$h/mnt" || { echo "testbed: $h did not mount" >&2; return 1; }
}

tb_lento() {
  local h=$1
  shift
  # shellcheck disable=SC2086 # TB_LENTO_ARGS is a list of words
  "$TB_BUILD/lento/lento" --configdir "$TB_DIR/$h/etc" --control "$(tb_ctl "$h")" ${TB_LENTO_ARGS:-} "$@" 2>>"$TB_DIR/$h/lento.log" &
  echo $! >"$TB_DIR/$h/lento.pid"
  TB_PIDS+=($!)
  # Started once its control socket answers: the socket file alone may be
  # the one a killed lento left behind (a restart after kill -9 then raced
  # the next izoctl, which found nobody listening).
  tb_wait 10 "$TB_BUILD/lento/izoctl" --control "$(tb_ctl "$h")" status ||
    { echo "testbed: lento $h did not start" >&2; cat "$TB_DIR/$h/lento.log" >&2; return 1; }
}

tb_izoctl() {
  local h=$1
  shift
  "$TB_BUILD/lento/izoctl" --control "$(tb_ctl "$h")" "$@"
}

# HOST's lento has N peers connected / has a peer not connected (cut off).
tb_all_connected() { [ "$(tb_izoctl "$1" --json status | grep -c '"connected": true')" = "$2" ]; }
tb_cut_off() { tb_izoctl "$1" --json status | grep -q '"connected": false'; }

tb_stop_lento() {
  local pid
  pid=$(cat "$TB_DIR/$1/lento.pid")
  kill -TERM "$pid" 2>/dev/null || true
  tb_wait 10 tb_gone "$pid"
}

tb_kill9_lento() {
  local pid
  pid=$(cat "$TB_DIR/$1/lento.pid")
  kill -KILL "$pid" 2>/dev/null || true
  tb_wait 10 tb_gone "$pid"
}

# Gone: no such process, or a zombie (dead, not yet reaped by this shell).
tb_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' /proc/"$1"/stat 2>/dev/null)" = Z ]; }

tb_wait() {
  local limit=$1
  shift
  local tries=$((limit * 10))
  while [ $tries -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# The file's content on a host equals the text.
tb_has() { [ -f "$(tb_mnt "$1")/$2" ] && [ "$(cat "$(tb_mnt "$1")/$2")" = "$3" ]; }

tb_cleanup() {
  local pid m
  # lentos first (they detach from their filters), then the filters. Never
  # fails: it runs from EXIT traps, under set -e.
  for pid in "${TB_PIDS[@]}"; do
    if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = lento ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for pid in "${TB_PIDS[@]}"; do
    if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = lento ]; then
      tb_wait 5 tb_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for m in "${TB_MOUNTS[@]}"; do fusermount3 -u -z "$m" 2>/dev/null || true; done
  for pid in "${TB_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    tb_wait 5 tb_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  TB_PIDS=()
  TB_MOUNTS=()
}
