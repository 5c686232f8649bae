#!/bin/sh
# rtl/scripts/coverage.sh — RTL coverage of the accelerator: builds a --coverage Verilator model with
# the replay driver, runs examples/lif_small.yaml (compiled with --target astro-sim) for 400 steps with
# random inputs, forced spikes and injected currents, and writes an annotated report.
# Usage: rtl/scripts/coverage.sh [BUILD_DIR]   (default build-rtl; needs BUILD_DIR/compiler/astroc)
# Output: BUILD_DIR/rtl-coverage/{coverage.dat,annotated/*.v} and a summary on stdout.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build-rtl}
OUT=$BUILD/rtl-coverage
mkdir -p "$OUT"
"$BUILD/compiler/astroc" compile examples/lif_small.yaml --target astro-sim -o "$OUT/lif_small" >/dev/null
verilator --cc --exe --build -j 2 --coverage --trace-fst --top-module astro_top --prefix Vastro_top -Mdir "$OUT/obj" \
  -CFLAGS "-I$(pwd)/rtl/harness" -o astro_replay \
  rtl/astro_lint.vlt rtl/astro_top.v rtl/astro_core.v rtl/astro_lif.v rtl/astro_ram.v \
  "$(pwd)/rtl/harness/astro_hw.cpp" "$(pwd)/rtl/harness/astro_replay.c" >"$OUT/build.log" 2>&1
# lif_small: 7 compartments, input axons 7..10
ASTRO_HW_COVERAGE="$OUT/coverage.dat" "$OUT/obj/astro_replay" "$OUT/lif_small/load.cmd" 400 7 10
rm -rf "$OUT/annotated"
verilator_coverage --annotate "$OUT/annotated" --annotate-min 1 "$OUT/coverage.dat" | tail -3
echo "coverage: annotated sources in $OUT/annotated (lines starting with %000000 were never hit)"
