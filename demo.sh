#!/bin/sh
# demo.sh — set up (install missing Debian packages, build) and run astroc's main job: check every example,
# show its IR, map it onto cores, compile one network to every backend (interpreter, LLVM native code, the
# Verilog accelerator under Verilator, Loihi core tables) and show that all give the same spikes, simulate the
# astrocyte examples and draw their rasters, and run a small NALSM experiment. Results go to out/.
# Usage: ./demo.sh [OUT_DIR]
set -eu
cd "$(dirname "$0")"
OUT=${1:-out}
scripts/setup.sh build
ASTROC=build/compiler/astroc
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "check every example model"
$ASTROC check examples/*.yaml examples/nalsm/*.yaml

step "IR of the tripartite-synapse example (frontend output)"
$ASTROC ir examples/tripartite.yaml

step "expand the connectivity of NALSM 1000 (IR after the 'expand' pass, synapses summarised)"
$ASTROC ir examples/nalsm/nalsm1000_fashion.yaml --print-after expand | grep -E '^(population|projection|  csr)'

step "map NALSM 1000 onto Loihi 1 cores (partition, placement, routing; placed vs naive fill)"
$ASTROC map examples/nalsm/nalsm1000_fashion.yaml --target loihi1 | tail -8

step "one fixed-point network on every backend: interp, jit (LLVM), rtl (Verilator), loihi (core tables)"
$ASTROC compile examples/lif_small.yaml --target cpu -o "$OUT/lif_small.aimg"
$ASTROC run "$OUT/lif_small.aimg" --backend interp --spikes "$OUT/lif_small.interp.csv" -q
$ASTROC run "$OUT/lif_small.aimg" --backend jit --spikes "$OUT/lif_small.jit.csv" -q
$ASTROC compile examples/lif_small.yaml --target loihi1 -o "$OUT/lif_small.loihi1"
$ASTROC run "$OUT/lif_small.loihi1" --backend loihi --spikes "$OUT/lif_small.loihi.csv" -q
echo "  interp: $(($(wc -l < "$OUT/lif_small.interp.csv") - 1)) spikes (the reference)"
backends="jit loihi"
if $ASTROC compile examples/lif_small.yaml --target astro-sim -o "$OUT/lif_small.astro-sim" &&
   $ASTROC run "$OUT/lif_small.astro-sim" --backend rtl --spikes "$OUT/lif_small.rtl.csv" -q; then
  backends="$backends rtl"
fi
for b in $backends; do
  if cmp -s "$OUT/lif_small.interp.csv" "$OUT/lif_small.$b.csv"; then
    echo "  $b: $(($(wc -l < "$OUT/lif_small.$b.csv") - 1)) spikes, identical to interp"
  else
    echo "  $b: DIFFERS from interp" >&2; exit 1
  fi
done

for model in tripartite amsu li_rinzel cuba nalsm/nalsm1000_fashion; do
  name=$(basename "$model")
  backend=interp
  [ "$model" = cuba ] && backend=jit
  step "compile $model, simulate it ($backend), draw its raster -> $OUT/$name.png"
  $ASTROC compile "examples/$model.yaml" --target cpu -o "$OUT/$name.aimg"
  $ASTROC run "$OUT/$name.aimg" --backend $backend --spikes "$OUT/$name.csv"
  $ASTROC plot "$OUT/$name.csv" -o "$OUT/$name.svg" --title "$name"
  $ASTROC plot "$OUT/$name.csv" -o "$OUT/$name.png" --title "$name"
done

step "a small NALSM experiment on Fashion-MNIST (initialisation, responses, readout; report in $OUT/nalsm_tiny)"
$ASTROC experiment examples/nalsm/nalsm_tiny.yaml --samples 300 --out "$OUT/nalsm_tiny"

step "done: rasters, spike files, images and the experiment report are in $OUT/"
ls "$OUT"
