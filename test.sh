#!/bin/sh
# test.sh — set up (install missing Debian packages, build) and run every test suite.
# Usage: ./test.sh [BUILD_DIR [extra meson options...]]   (default build dir: build)
set -eu
cd "$(dirname "$0")"
BUILD=${1:-build}
[ $# -gt 0 ] && shift
scripts/setup.sh "$BUILD" "$@"
meson test -C "$BUILD" --print-errorlogs --num-processes 2
