#!/bin/sh
# bench/cuba/run.sh — the CUBA benchmark (Brette et al. 2007, examples/cuba.yaml): astroc's interp and jit
# engines (1 and 2 threads) against Brian2 2.5 C++ standalone (1 and 2 OpenMP threads), same network size,
# same biological time, in one invocation. Prints for each: the simulation loop's wall time and real-time
# factor (RTF = wall time / biological time), its CPU time and CPU real-time factor (all threads of the
# process; on a shared machine the wall time also counts the time spent waiting for a core), the firing
# rate, synaptic events per second, the JIT compile time (reported apart, not in the loop), and the ratio
# Brian2 / astroc, on wall time and (1 thread) on CPU time. Each astroc timing is the fastest of REPS runs
# (default 5; the median wall time is printed too), the configurations alternating run by run; Brian2's is
# the fastest of 3 runs of its compiled binary (its loop CPU time is measured against a one-step build,
# brian_cuba.py).
#   SIM_MS=10000 (default) biological time; BUILD=build-jit (default) the meson build folder;
#   RT=1 runs every measurement (astroc and Brian2 alike) under the real-time policy (chrt -f 10, needs
#   root): on a machine shared with other jobs, the benchmark then preempts them, which approximates a quiet
#   machine; the line "host:" says whether it was used;
#   PAIRS=N (default REPS) rounds of the paired comparison at the end (Brian2's compiled binary and the float jit with
#   1 and 2 threads in turn; 0: none);
#   NOBUILD=1 uses the binaries as they are; BRIAN_TIMEOUT=600 (default) seconds each Brian2 invocation may take
#   (its 2-thread OpenMP build can take minutes per run on a busy machine; a run cut short prints no line). The jit's disk cache is off here, so the compile time shown is a
#   real compilation (a cached run reports a few ms; docs/jit.md).
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-jit}
SIM_MS=${SIM_MS:-10000}
INTERP_MS=${INTERP_MS:-$SIM_MS}
MODEL=$ROOT/examples/cuba.yaml
[ -n "$NOBUILD" ] || ninja -C "$BUILD" bench/cuba/bench_cuba >/dev/null
B=$BUILD/bench/cuba/bench_cuba
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export ASTROC_JIT_CACHE=off

echo "CUBA: 4000 LIF (3200 exc / 800 inh), p = 0.02, dt = 0.1 ms, $(awk "BEGIN { print $SIM_MS / 1000 }") s biological time"
REPS=${REPS:-5}
PAIRS=${PAIRS:-$REPS}
for v in "REPS=$REPS" "PAIRS=$PAIRS"; do   # checked before minutes of runs, not after
  case ${v#*=} in
    ''|*[!0-9]*) echo "bench/cuba/run.sh: ${v%%=*} must be a whole number of runs (got '${v#*=}')" >&2; exit 2 ;;
  esac
done
[ "$REPS" -gt 0 ] || { echo "bench/cuba/run.sh: REPS must be at least 1" >&2; exit 2; }
PRE=""
[ -z "$RT" ] || PRE="chrt -f 10"
echo "host: $(nproc) core(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')${RT:+, real-time policy (RT=1)}"
# REPS rounds over the jit configurations (alternating, so a change in the machine's load hits them all),
# then per configuration the fastest run with the median loop time appended; interp once.
CONFIGS="1 float|2 float|1 fixed 0.125|2 fixed 0.125"
for r in $(seq "$REPS"); do
  echo "$CONFIGS" | tr '|' '\n' | while read -r thr num vu; do
    $PRE "$B" "$MODEL" jit "$thr" "$SIM_MS" "$num" $vu
  done
done > "$TMP/jit"
{
  $PRE "$B" "$MODEL" interp 1 "$INTERP_MS" float
  echo "$CONFIGS" | tr '|' '\n' | while read -r thr num vu; do
    awk -v t="$thr" -v n="$num" '$3 == t && $4 == n' "$TMP/jit" | sort -k6 -g |
      awk '{ l[NR] = $0; v[NR] = $6 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print l[1], m }'
  done
  S=$(awk "BEGIN { print $SIM_MS / 1000 }")
  BT=${BRIAN_TIMEOUT:-600}
  timeout "$BT" $PRE /usr/bin/python3 "$ROOT/bench/cuba/brian_cuba.py" "$S" 1 "$TMP/brian_1_astroc" astroc 2>/dev/null | tail -1
  timeout "$BT" $PRE /usr/bin/python3 "$ROOT/bench/cuba/brian_cuba.py" "$S" 2 "$TMP/brian_2_astroc" astroc --no-cpu 2>/dev/null | tail -1
  timeout "$BT" $PRE /usr/bin/python3 "$ROOT/bench/cuba/brian_cuba.py" "$S" 1 "$TMP/brian_1_brette" brette --no-cpu 2>/dev/null | tail -1
} > "$TMP/results"
sed 's/^/# /' "$TMP/results"   # the raw lines (bench_cuba.c and brian_cuba.py describe the fields)

awk '
$1 == "astroc" { n++; name[n] = "astroc " $2 " " $4; thr[n] = $3; sim[n] = $5; loop[n] = $6; spk[n] = $7; ev[n] = $8; cms[n] = $9; cpu[n] = $10; med[n] = NF > 11 ? $12 : -1 }
$1 == "brian2" { n++; name[n] = "brian2 standalone " $7; thr[n] = $2; sim[n] = $3; loop[n] = $4; spk[n] = $5; ev[n] = $5 * $6 / 4000; cms[n] = -1; cpu[n] = $8 }
END {
  for (i = 1; i <= n; i++) if (name[i] == "brian2 standalone astroc") {
    if (bw == 0 || loop[i] / sim[i] < bw) bw = loop[i] / sim[i]
    if (thr[i] == 1 && cpu[i] > 0) bc = cpu[i] / sim[i]
  }
  printf "%-26s %3s %8s %8s %7s %8s %7s %7s %9s %9s %13s %13s\n", "simulator", "thr", "wall [s]", "median", "RTF", "cpu [s]",
    "cpu RTF", "rate", "events/s", "compile", "brian2/astroc", "brian2/astroc";
  printf "%-26s %3s %8s %8s %7s %8s %7s %7s %9s %9s %13s %13s\n", "", "", "", "[s]", "", "", "", "[Hz]", "(cpu)", "[ms]", "wall",
    "cpu (1 thr)";
  for (i = 1; i <= n; i++) {
    rtf = loop[i] / sim[i]
    c = "-"; if (cms[i] > 0) c = sprintf("%.1f", cms[i])
    cs = "-"; cr = "-"; eps = ev[i] / loop[i]
    if (cpu[i] > 0) { cs = sprintf("%.3f", cpu[i]); cr = sprintf("%.4f", cpu[i] / sim[i]); if (thr[i] == 1) eps = ev[i] / cpu[i] }
    rw = "-"; rc = "-"
    if (substr(name[i], 1, 6) == "astroc") {
      rw = sprintf("%.2f", bw / rtf)
      if (thr[i] == 1 && bc > 0 && cpu[i] > 0) rc = sprintf("%.2f", bc / (cpu[i] / sim[i]))
    }
    md = "-"; if (med[i] > 0) md = sprintf("%.3f", med[i])
    printf "%-26s %3d %8.3f %8s %7.4f %8s %7s %7.1f %9.3g %9s %13s %13s\n", name[i], thr[i], loop[i], md, rtf, cs, cr,
      spk[i] / sim[i] / 4000, eps, c, rw, rc
    if (substr(name[i], 1, 10) == "astroc jit" && (best == 0 || rtf < best)) { best = rtf; bi = i }
  }
  if (bi && bw > 0)
    printf "astroc best: %s, %d thread(s), RTF %.4f: %.2fx Brian2 C++ standalone (RTF %.4f)\n", name[bi], thr[bi], best, bw / best, bw
}' "$TMP/results"
echo "wall: the fastest of REPS=$REPS runs, median: their median. RTF = wall time of the simulation loop /"
echo "biological time (lower is faster); cpu RTF the same with CPU time"
echo "(all threads; with 2 threads it counts spinning workers too, so it is not a speed). brian2/astroc: the best"
echo "Brian2 RTF on the same network (model 'astroc': examples/cuba.yaml's dynamics) over astroc's, on wall time"
echo "and, for 1 thread, on CPU time. 'brette' is Brian2's own CUBA (two currents, fires ~10x less), for reference."
echo "Events: synapses of every spike (Brian2: mean out-degree). Fixed-point runs use v_unit = 0.125 mV."

# Paired rounds: Brian2's compiled binary (the 1-thread 'astroc' model built above, run again as it is) and
# astroc's float jit with 1 and 2 threads, one after the other, PAIRS rounds (default REPS). This machine
# has fast and slow stretches of minutes (docs/jit.md, Measured); a stretch hits both sides of a round, so
# the per-round ratio is steadier than the ratio of bests or medians taken minutes apart above.
BD=$TMP/brian_1_astroc
if [ -x "$BD/main" ] && [ "$PAIRS" -gt 0 ]; then
  for r in $(seq "$PAIRS"); do
    bt=-1
    if (cd "$BD" && timeout "$BT" $PRE ./main >/dev/null 2>&1); then bt=$(cut -d' ' -f1 "$BD/results/last_run_info.txt"); fi
    a1=$($PRE "$B" "$MODEL" jit 1 "$SIM_MS" float | awk '{ print $6 }')
    a2=$($PRE "$B" "$MODEL" jit 2 "$SIM_MS" float | awk '{ print $6 }')
    echo "$bt $a1 $a2"
  done > "$TMP/pairs"
  awk -v n="$PAIRS" '
  # med sorts a[1..k] in place (insertion sort: k is small), so a[1] and a[k] are then its extremes
  function med(a, k,   i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                                   return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  $1 > 0 && $2 > 0 && $3 > 0 { k++; b[k] = $1; x[k] = $2; y[k] = $3; r1[k] = $1 / $2; r2[k] = $1 / $3 }
  END {
    if (!k) { print "paired rounds: no complete round (Brian2 binary or astroc failed)"; exit }
    mb = med(b, k); mx = med(x, k); my = med(y, k); m1 = med(r1, k); m2 = med(r2, k)
    printf "paired rounds (%d of %d complete; each: Brian2 binary, astroc jit float 1 thread, 2 threads): medians %.3f s / %.3f s / %.3f s\n", k, n, mb, mx, my
    printf "brian2/astroc per round: 1 thread %.2fx median (%.2f-%.2f), 2 threads %.2fx median (%.2f-%.2f)\n", m1, r1[1], r1[k], m2, r2[1], r2[k]
  }' "$TMP/pairs"
fi
