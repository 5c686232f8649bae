#!/bin/sh
# rtl/scripts/coverage.sh — RTL coverage of the accelerator: builds a --coverage Verilator model with
# the replay driver, runs examples/lif_small.yaml (compiled with --target astro-sim) for 400 steps with
# random inputs, forced spikes and injected currents, and writes an annotated report.
# Usage: rtl/scripts/coverage.sh [BUILD_DIR]   (default build-rtl; needs BUILD_DIR/compiler/astroc)
# Output: BUILD_DIR/rtl-coverage/{coverage.dat,annotated/*.v} and a summary on stdout. Three models: LEARN = 0
# replaying lif_small, LEARN = 1 replaying a small learning network (stdp, astro_stdp, nalsm astrocyte),
# and the 2 x 2 mesh replaying bench_rtl's learning network (astro_stdp, a nalsm astrocyte replicated on
# every core) split over four cores.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build-rtl}
OUT=$BUILD/rtl-coverage
mkdir -p "$OUT"
"$BUILD/compiler/astroc" compile examples/lif_small.yaml --target astro-sim -o "$OUT/lif_small" >/dev/null
# A learning network for the LEARN = 1 model: stdp and astro_stdp (hebbian and anti-hebbian), a nalsm
# astrocyte listening to a population, an input and a projection, a nalsm_lif population, an amsu
# population (input-driven, recurrent with a delay) and a tripartite astrocyte of 2 elements (listening
# to a projection, an input and a population; modulating a projection into lif, one into amsu, and the
# nalsm_lif population's current).
cat >"$OUT/learn.yaml" <<'YAML'
astroc: 1
network: {name: learn_cov, dt: 1 ms, seed: 3, numerics: fixed}
neurons:
  e: {model: lif, size: 12, params: {tau_u: 2 ms, tau_v: 10 ms, v_th: 8 mV, refractory: 1 ms}}
  i: {model: lif, size: 4, params: {tau_u: 2 ms, tau_v: 10 ms, v_th: 8 mV}}
  k: {model: nalsm_lif, size: 5, params: {tau_v: 20 ms, v_th: 6 mV, refractory: 2 ms, tau_syn: 2 ms}}
  m: {model: amsu, size: 6, params: {tau_u: 2 ms, tau_v: 10 ms, v_th: 6 mV, refractory: 1 ms, tau_astro: 50 ms,
                                   gain: 0.5, thresh_gain: 2 mV, astro_current: 0.5 mV, astro_pre: 0.1, astro_spike: 0.2}}
inputs:
  x: {kind: bernoulli, size: 6, p: 0.2}
astrocytes:
  astro:
    model: nalsm
    size: 1
    params: {a0: 0.5, w_a: 0.05, b_a: 0.2, tau: 20 ms}
    listen: [{source: e, sign: 1}, {source: x, sign: -1}, {source: ie, sign: 1}]
    modulates: [xe]
  glia:
    model: tripartite
    size: 2
    params: {tau_ca: 50 ms, ca_per_spike: 0.2, ca_threshold: 0.3, tau_glio: 20 ms, glio_release: 0.1,
             glio_gain: 1, glio_current: 0.5 mV}
    listen: [{source: ei, sign: 1}, {source: x, sign: -1}, {source: m, sign: 1}]
    modulates: [ei, xm, k]
synapses:
  xe:
    pre: x
    post: e
    connectivity: {rule: fixed_probability, p: 0.5}
    weight: 6 mV
    plasticity: {rule: astro_stdp, modulator: astro, form: hebbian,
                 params: {a_plus: 0.5 mV, a_minus: 1 mV, w_min: 0 mV, w_max: 8 mV}}
  ee:
    pre: e
    post: e
    connectivity: {rule: fixed_probability, p: 0.3}
    weight: 2 mV
    delay: 2 ms
    plasticity: {rule: stdp, form: hebbian, params: {a_plus: 0.3 mV, a_minus: 0.3 mV, w_min: 0 mV, w_max: 4 mV}}
  ei:
    pre: e
    post: i
    connectivity: {rule: all_to_all}
    weight: 2 mV
  xk:
    pre: x
    post: k
    connectivity: {rule: fixed_probability, p: 0.5}
    weight: 5 mV
    delay: 1 ms
  ek:
    pre: e
    post: k
    connectivity: {rule: fixed_probability, p: 0.4}
    weight: 4 mV
    plasticity: {rule: stdp, form: hebbian, params: {w_min: 0 mV, w_max: 6 mV}}
  xm:
    pre: x
    post: m
    connectivity: {rule: fixed_probability, p: 0.5}
    weight: 4 mV
  mm:
    pre: m
    post: m
    connectivity: {rule: fixed_probability, p: 0.3}
    weight: -2 mV
    delay: 1 ms
  ie:
    pre: i
    post: e
    connectivity: {rule: fixed_probability, p: 0.5}
    weight: -3 mV
    plasticity: {rule: stdp, form: anti_hebbian, params: {w_min: -5 mV, w_max: 0 mV}}
YAML
"$BUILD/compiler/astroc" compile "$OUT/learn.yaml" --target astro-sim -o "$OUT/learn" >/dev/null
for learn in 0 1; do
  verilator --cc --exe --build -j 2 --coverage --trace-fst -GLEARN=$learn --top-module astro_top --prefix Vastro_top \
    -Mdir "$OUT/obj$learn" -CFLAGS "-I$(pwd)/rtl/harness -DASTRO_HW_NO_MESH" -o astro_replay \
    rtl/astro_lint.vlt rtl/astro_top.v rtl/astro_core.v rtl/astro_lif.v rtl/astro_ram.v rtl/astro_nalsm.v \
    rtl/astro_stdp.v rtl/astro_learn.v rtl/astro_kernel.v rtl/astro_nlif.v rtl/astro_amsu.v rtl/astro_tri.v \
    "$(pwd)/rtl/harness/astro_hw.cpp" "$(pwd)/rtl/harness/astro_replay.c" >"$OUT/build$learn.log" 2>&1
done
# The replay drives random spikes into the input axons, read from each image's memory map (lif_small: 7
# compartments, input axons 7..10; learn: 27 neurons + 3 astrocyte elements, input axons 30..35).
inputs() { sed -n '/^input axons/{n;p;}' "$1/memory_map.txt" | awk '{print $2, $4}'; }
ASTRO_HW_COVERAGE="$OUT/coverage0.dat" "$OUT/obj0/astro_replay" "$OUT/lif_small/load.cmd" 400 $(inputs "$OUT/lif_small")
ASTRO_HW_COVERAGE="$OUT/coverage1.dat" "$OUT/obj1/astro_replay" "$OUT/learn/load.cmd" 400 $(inputs "$OUT/learn")
# The mesh: the bench learning network (200 lif in four index blocks on 2 x 2 cores, both projections
# astro_stdp, the nalsm astrocyte = compartment 200 replicated on the four cores, 100 inputs = axons
# 201..300) written by bench_rtl, replayed on a --coverage astro_mesh model (routers, FIFOs, barrier,
# SEND / WAIT, LEARN and ASTRO on mesh cores).
"$BUILD/bench/rtl/bench_rtl" 200 20 1 meshastro "$OUT/mesh" >/dev/null
verilator --cc --exe --build -j 2 --coverage --trace-fst --top-module astro_mesh --prefix Vastro_mesh \
  -Mdir "$OUT/objm" -CFLAGS "-I$(pwd)/rtl/harness -DASTRO_HW_NO_TOP" -o astro_mesh_replay \
  rtl/astro_lint.vlt rtl/astro_mesh.v rtl/astro_router.v rtl/astro_fifo.v rtl/astro_core.v rtl/astro_lif.v \
  rtl/astro_ram.v rtl/astro_nalsm.v rtl/astro_stdp.v rtl/astro_learn.v rtl/astro_kernel.v rtl/astro_nlif.v rtl/astro_amsu.v rtl/astro_tri.v \
  "$(pwd)/rtl/harness/astro_hw.cpp" "$(pwd)/rtl/harness/astro_mesh_replay.c" >"$OUT/buildm.log" 2>&1
ASTRO_HW_COVERAGE="$OUT/coveragem.dat" "$OUT/objm/astro_mesh_replay" "$OUT/mesh/load.cmd" 400 201 300
verilator_coverage --write "$OUT/coverage.dat" "$OUT/coverage0.dat" "$OUT/coverage1.dat" "$OUT/coveragem.dat"
rm -rf "$OUT/annotated"
verilator_coverage --annotate "$OUT/annotated" --annotate-min 1 "$OUT/coverage.dat" | tail -3
echo "coverage: annotated sources in $OUT/annotated (lines starting with %000000 were never hit)"
