#!/bin/sh
# bench/cuba/run.sh — the CUBA benchmark (Brette et al. 2007, examples/cuba.yaml): astroc's interp and jit
# engines (1 and 2 threads) against Brian2 2.5 C++ standalone (1 and 2 OpenMP threads), same network size,
# same biological time. Prints real-time factors (wall time / biological time, simulation loop only),
# synaptic events per second, the JIT compile time and the ratio Brian2 / astroc. Each timing is the fastest
# of 3 runs (Brian2: 3 runs of its compiled binary).
#   SIM_MS=10000 (default) biological time; BUILD=build-jit (default) the meson build folder.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-jit}
SIM_MS=${SIM_MS:-10000}
INTERP_MS=${INTERP_MS:-$SIM_MS}
MODEL=$ROOT/examples/cuba.yaml
ninja -C "$BUILD" bench/cuba/bench_cuba >/dev/null
B=$BUILD/bench/cuba/bench_cuba
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "CUBA: 4000 LIF (3200 exc / 800 inh), p = 0.02, dt = 0.1 ms, $(awk "BEGIN { print $SIM_MS / 1000 }") s biological time; host CPU: $(nproc) core(s)"
# The fastest of 3 runs (the machine may be shared); interp once.
best() { for k in 1 2 3; do "$B" "$@"; done | sort -k6 -g | head -1; }
{
  "$B" "$MODEL" interp 1 "$INTERP_MS" float
  best "$MODEL" jit 1 "$SIM_MS" float
  best "$MODEL" jit 2 "$SIM_MS" float
  best "$MODEL" jit 1 "$SIM_MS" fixed 0.125
  best "$MODEL" jit 2 "$SIM_MS" fixed 0.125
  S=$(awk "BEGIN { print $SIM_MS / 1000 }")
  for args in "1 astroc" "2 astroc" "1 brette"; do
    set -- $args
    /usr/bin/python3 "$ROOT/bench/cuba/brian_cuba.py" "$S" "$1" "$TMP/brian_$1_$2" "$2" 2>/dev/null | tail -1
  done
} > "$TMP/results"
sed 's/^/# /' "$TMP/results"   # the raw lines: simulator, threads, sim s, loop s, spikes, ...

awk '
$1 == "astroc" { n++; name[n] = "astroc " $2 " " $4; thr[n] = $3; sim[n] = $5; loop[n] = $6; spk[n] = $7; ev[n] = $8; cms[n] = $9 }
$1 == "brian2" { n++; name[n] = "brian2 standalone " $7; thr[n] = $2; sim[n] = $3; loop[n] = $4; spk[n] = $5; ev[n] = $5 * $6 / 4000; cms[n] = -1 }
END {
  for (i = 1; i <= n; i++) if (name[i] == "brian2 standalone astroc" && (best == 0 || loop[i] / sim[i] < best)) best = loop[i] / sim[i]
  printf "%-26s %7s %9s %8s %9s %10s %12s %14s\n", "simulator", "threads", "loop [s]", "RTF", "rate [Hz]", "events/s", "compile [ms]", "brian2/astroc";
  for (i = 1; i <= n; i++) {
    rtf = loop[i] / sim[i];
    c = "-"; if (cms[i] > 0) c = sprintf("%.1f", cms[i])
    r = "-"; if (substr(name[i], 1, 6) == "astroc") r = sprintf("%.2f", best / rtf)
    printf "%-26s %7d %9.3f %8.4f %9.1f %10.3g %12s %14s\n", name[i], thr[i], loop[i], rtf, spk[i] / sim[i] / 4000, ev[i] / loop[i], c, r
  }
}' "$TMP/results"
echo "RTF = wall time of the simulation loop / biological time (lower is faster). brian2/astroc: the best Brian2 RTF"
echo "on the same network (model 'astroc': examples/cuba.yaml's dynamics) over astroc's RTF. 'brette' is Brian2's"
echo "own CUBA (two currents, fires ~10x less), for reference. Events: synapses of every spike (Brian2: mean out-degree)."
echo "Fixed-point runs use v_unit = 0.125 mV (with 1 mV the rounded bias keeps the network silent)."
