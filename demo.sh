#!/bin/sh
# demo.sh — set up (install missing Debian packages, build) and run astroc's main job on the examples:
# check every model, print its IR, compile it, simulate it and draw its raster. Results go to out/.
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

step "expand connectivity of NALSM 1000 (IR after the 'expand' pass, synapses summarised)"
$ASTROC ir examples/nalsm/nalsm1000.yaml --print-after expand | grep -E '^(population|projection|  csr)' || true

for model in lif_small tripartite amsu cuba nalsm/nalsm1000; do
  name=$(basename "$model")
  step "compile $model -> $OUT/$name.aimg, simulate it on the interpreter, draw its raster"
  $ASTROC compile "examples/$model.yaml" --target cpu -o "$OUT/$name.aimg"
  $ASTROC run "$OUT/$name.aimg" --backend interp --spikes "$OUT/$name.csv"
  $ASTROC plot "$OUT/$name.csv" -o "$OUT/$name.svg" --title "$name"
  $ASTROC plot "$OUT/$name.csv" -o "$OUT/$name.png" --title "$name"
done

step "done: rasters and spike files are in $OUT/"
ls -l "$OUT"
