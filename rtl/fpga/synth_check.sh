#!/bin/sh
# rtl/fpga/synth_check.sh — CI check of the FPGA build: synthesises, places and routes the iCEBreaker
# bitstream with `astroc synth` and fails when it no longer fits the UP5K or no longer closes timing
# at the board's run clock. Prints the report and the time taken (about 2 minutes on 2 cores).
# Usage: rtl/fpga/synth_check.sh [BUILD_DIR]   (default: build, as ./test.sh leaves it)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
ASTROC="$BUILD/compiler/astroc"
if [ ! -x "$ASTROC" ]; then
  echo "synth_check: $ASTROC is not built (run ./test.sh or ninja -C $BUILD first)" >&2
  exit 1
fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/astroc-synth.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
start=$(date +%s)
# exit 1 (with the reason) when a tool is missing, the design does not fit, or timing is missed
"$ASTROC" synth --board icebreaker -o "$OUT"
echo "synth_check: the iCEBreaker bitstream fits and meets timing ($(( $(date +%s) - start )) s)"
