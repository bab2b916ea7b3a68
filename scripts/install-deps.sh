#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, and nothing else.
# Idempotent: when every package is already present it does nothing (no apt-get
# call at all), so it is cheap to run before every build.
set -euo pipefail

packages=(
  # toolchain
  cmake ninja-build g++ pkg-config
  # libraries of the protocol core, the tools and their tests
  libboost-dev librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  # lento: XML configuration
  libxml2-dev
  # presto-fuse (kmod/fuse) and its mount tests
  libfuse3-dev fuse3
  # the libFuzzer targets (fuzz/): clang and its fuzzer runtime
  clang-14 libclang-rt-14-dev
  # the kernel module (kmod/linux): Debian's kernel and headers, booted under QEMU
  linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio
  e2fsprogs kmod xz-utils
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
