# Shared by the end-to-end tests: skips without root or FUSE (exit 77, which
# ctest reports as skipped), sets up the testbed in a temporary folder that is
# removed at the end, and gives check/fail helpers that print the logs.
# Usage at the top of a test: . "$(dirname "$0")/common.sh" BUILD_DIR PORT
set -euo pipefail
if [ "$(id -u)" -ne 0 ] || [ ! -w /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
  echo "skipped: needs root, /dev/fuse and fusermount3"
  exit 77
fi
. "$(dirname "${BASH_SOURCE[0]}")/testbed.sh"
E2E_WORK=$(mktemp -d "${TMPDIR:-/tmp}/izo-e2e.XXXXXX")
chmod 755 "$E2E_WORK"
trap 'tb_cleanup; [ -n "${E2E_KEEP:-}" ] && echo "kept $E2E_WORK" || rm -rf "$E2E_WORK"' EXIT
tb_init "$E2E_WORK" "$1" "$2"

fail() {
  echo "FAILED: $*" >&2
  local h
  for h in "$TB_SERVER" "${TB_CLIENTS[@]}" ${E2E_EXTRA_HOSTS:-}; do
    echo "--- $h: lento log (last 40 lines)" >&2
    tail -n 40 "$E2E_WORK/$h/lento.log" >&2 2>/dev/null || true
    echo "--- $h: presto-fuse log (last 10 lines)" >&2
    tail -n 10 "$E2E_WORK/$h/presto.log" >&2 2>/dev/null || true
  done
  exit 1
}
check() {
  local what=$1
  shift
  tb_wait "${E2E_WAIT:-15}" "$@" || fail "$what"
  echo "ok: $what"
}

# Every host of the fileset shows the same tree (names, types, sizes, contents).
tree_of() { (cd "$(tb_mnt "$1")" && find . -mindepth 1 -printf '%y %s %p\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum); }
converged() {
  local ref h
  ref=$(tree_of "$TB_SERVER")
  for h in "${TB_CLIENTS[@]}"; do [ "$(tree_of "$h")" = "$ref" ] || return 1; done
}

# The usual world: fileset 'shared' served by muskox, replicated by clientA
# and clientB, all mounted and their lentos connected.
e2e_three_hosts() {
  tb_fileset shared muskox clientA clientB
  local h
  for h in muskox clientA clientB; do tb_mount "$h"; done
  for h in muskox clientA clientB; do tb_lento "$h"; done
  check "both clients connect" tb_all_connected muskox 2
}
