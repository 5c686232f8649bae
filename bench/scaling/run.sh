#!/bin/sh
# bench/scaling/run.sh — the CUBA network (examples/cuba.yaml's dynamics) from 4x10^3 to 4x10^5 neurons on the
# jit engine (float, 1 thread), with the in-degree held constant (p = 80/N: 64 excitatory + 16 inhibitory
# inputs per neuron, as CUBA's 4000 x 0.02), next to the memory bandwidth of this machine (triad.c).
#
# Per size it prints ns per neuron-step and per synaptic event (loop wall time, and CPU time: on a shared
# machine the wall time includes waiting for a core), and the fraction of the memory-bandwidth bound reached:
#   bound = bytes a step must move at least / triad bandwidth, with
#   36 B per neuron-step (float: read v, u, the refractory period's end and 2 ring cells; write v, u and
#   the 2 cleared ring cells; the spike bits, 1/8 B, are left out) + 12 B per synaptic event (a 4-byte
#   column index read — 2 bytes up to 65,536 posts, counted as 4 — and a 4-byte ring cell read and written),
#   fraction = bound / CPU time per step. Small networks live in the caches and can beat the DRAM bound
#   (fraction > 1); the fraction means "as fast as streaming every byte from memory" only for large ones.
# Each size runs about 4x10^8 neuron-steps (10 s biological time at 4000 neurons, 100 ms at 4x10^5).
#   SIZES="4000 16000 64000 160000 400000" (default); BUILD=build-jit (default) the meson build folder;
#   NOBUILD=1 uses the binaries as they are.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-jit}
SIZES=${SIZES:-"4000 16000 64000 160000 400000"}
BUDGET=${BUDGET:-400000000}   # neuron-steps per size
[ -n "$NOBUILD" ] || ninja -C "$BUILD" bench/cuba/bench_cuba bench/scaling/triad >/dev/null
B=$BUILD/bench/cuba/bench_cuba
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

TRIAD=$("$BUILD/bench/scaling/triad" 256 5)
BW=$(echo "$TRIAD" | awk '{ print $4 }')
echo "memory bandwidth (triad, 1 thread, 3 x 256 MB arrays): $BW GB/s on CPU time ($(echo "$TRIAD" | awk '{ print $6 }') GB/s on wall time)"
echo "host: $(nproc) core(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
printf "%8s %9s %8s %10s %8s %8s %10s %10s %10s %10s %9s\n" neurons synapses steps "events" "wall [s]" "cpu [s]" \
  "ns/n-step" "ns/event" "bound [s]" "cpu/step" "of bound"
for N in $SIZES; do
  NE=$((N * 4 / 5)); NI=$((N - NE))
  P=$(awk "BEGIN { printf \"%.10g\", 80 / $N }")
  STEPS=$((BUDGET / N))
  SIM_MS=$(awk "BEGIN { print $STEPS / 10 }")   # dt = 0.1 ms
  sed -e "s/size: 3200/size: $NE/" -e "s/size: 800/size: $NI/" -e "s/p: 0.02/p: $P/" \
      -e "s/name: cuba/name: cuba_$N/" "$ROOT/examples/cuba.yaml" > "$TMP/cuba_$N.yaml"
  # The fastest of 3 runs (the machine may be shared).
  for k in 1 2 3; do "$B" "$TMP/cuba_$N.yaml" jit 1 "$SIM_MS" float; done | sort -k6 -g | head -1 |
  awk -v N="$N" -v steps="$STEPS" -v bw="$BW" '{
    wall = $6; ev = $8; cpu = $10
    per = ev / steps
    bytes = (36 * N + 12 * per) * steps
    bound = bytes / (bw * 1e9)
    # the neuron-step figure charges the whole loop to neurons, the event figure to events (both bounds)
    printf "%8d %9.3g %8d %10.3g %8.3f %8.3f %10.3f %10.2f %10.4f %8.2fus %8.0f%%\n", N, 80 * N, steps, ev, wall, cpu,
      cpu * 1e9 / (N * steps), cpu * 1e9 / ev, bound, cpu * 1e6 / steps, 100 * bound / cpu
  }'
done
echo "ns/n-step = CPU time / (neurons x steps); ns/event = CPU time / synaptic events (each charges the whole loop)."
echo "bound: the time to move the step's minimum bytes at the triad bandwidth; 'of bound' = bound / CPU time."
