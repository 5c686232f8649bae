#!/usr/bin/python3
"""brian2_compare.py — float-mode cross-check of astroc against Brian2 (suite 'cli').

Usage: brian2_compare.py ASTROC DATA_DIR WORK_DIR

Runs tests/cli/data/brian_lif.yaml and brian_nalsm.yaml with `astroc run` (spikes CSV, membrane
voltage .npy) and the same networks written as Brian2 models whose discrete-time update is spelled
out statement by statement (run_regularly code, one arithmetic operation per statement, float32
variables), so that both compute the same map in the same order. Passes when the spike rasters are
identical and the voltages agree (see TOLERANCE). Exit 77 (skip) when brian2 cannot be imported.

Known differences, on purpose tolerated:
  * nalsm_lif: astroc multiplies the float32 weight by a float32 kernel table exp(-k*dt/tau_syn) and
    sums in float32; Brian2's summed variable evaluates exp in float64 and sums in float64 before
    storing into float32. Voltages may differ by a few float32 ulps; spikes are expected identical.
  * lif: weights are multiples of 1/4 mV, so synaptic sums are exact in any order; the u, v updates
    are the same float32 operations in the same order: voltages are expected bit-identical.
"""
import csv
import os
import subprocess
import sys

try:
    import numpy as np
    import brian2 as b2
except Exception as e:  # pragma: no cover - environment dependent
    print(f"skip: brian2 not importable ({e})")
    sys.exit(77)

TOLERANCE = {"lif": 0.0, "nalsm": 1e-4}  # max |v_astroc - v_brian2| in mV
STEPS = 200


def read_list(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return ([int(r["pre"]) for r in rows], [int(r["post"]) for r in rows],
            [float(r["weight"]) for r in rows], [int(round(float(r["delay"]))) for r in rows])


def read_input(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [int(r["neuron"]) for r in rows], [int(r["step"]) for r in rows]


def run_astroc(astroc, model, work, tag):
    spikes = os.path.join(work, f"{tag}_spikes.csv")
    volts = os.path.join(work, f"{tag}_v.npy")
    subprocess.run([astroc, "run", model, "--quiet", "--spikes", spikes, "--record", f"pop.v={volts}"],
                   check=True)
    with open(spikes) as f:
        rows = [(int(r["step"]), int(r["neuron"])) for r in csv.DictReader(f) if r["population"] == "pop"]
    return sorted(rows), np.load(volts)


def network(objects, schedule):
    net = b2.Network(*objects)
    net.schedule = schedule
    return net


def brian_common(data, tag):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.prefs.core.default_float_dtype = np.float32
    b2.defaultclock.dt = 1 * b2.ms
    idx, steps = read_input(os.path.join(data, "brian_input.csv"))
    gen = b2.SpikeGeneratorGroup(4, idx, np.array(steps) * b2.ms)
    lists = [read_list(os.path.join(data, f"brian_{tag}_{k}.csv")) for k in ("in", "rec")]
    return gen, lists


def brian_lif(data):
    """The `lif` float update (runtime/neuron_lif.c, docs/numerics.md), per step t:
    synaptic input of spikes from t-1-delay; u = u*fu + syn; refractory: count down, v = 0;
    else v = v*fv + u + bias; spike iff v > v_th; then v = 0, ref = nref."""
    gen, lists = brian_common(data, "lif")
    eqs = """v : 1
             u : 1
             syn : 1
             wasref : integer
             ref : integer
             fu : 1 (constant)
             fv : 1 (constant)
             vth : 1 (constant)
             bias : 1 (constant)
             nref : integer (constant)"""
    g = b2.NeuronGroup(5, eqs, threshold="v > vth and wasref == 0", reset="v = 0\nref = nref")
    g.fu = np.float32(np.exp(-1.0 / 5.0))
    g.fv = np.float32(np.exp(-1.0 / 20.0))
    g.vth = 10.0
    g.bias = 0.25
    g.nref = 2
    g.run_regularly("""u = u*fu
                       u = u + syn
                       syn = 0
                       wasref = int(ref > 0)
                       vn = v*fv
                       vn = vn + u
                       vn = vn + bias
                       v = vn*(1 - wasref)
                       ref = ref - wasref""", when="groups")
    syns = []
    for src, (pre, post, w, d) in zip((gen, g), lists):
        s = b2.Synapses(src, g, "w : 1 (constant)", on_pre="syn_post += w")
        s.connect(i=pre, j=post)
        s.w = w
        s.delay = np.array(d) * b2.ms  # a spike of step t-1 is read at t's 'synapses' slot
        syns.append(s)
    mon = b2.SpikeMonitor(g)
    vmon = b2.StateMonitor(g, "v", record=True, when="end")
    # Synaptic delivery first: the spikes of step t-1 (delay 0) reach the update of step t.
    net = network([gen, g, mon, vmon] + syns, ["start", "synapses", "groups", "thresholds", "resets", "end"])
    net.run(STEPS * b2.ms)
    return mon, vmon


def brian_nalsm(data):
    """The `nalsm_lif` float update (runtime/neuron_nalsm_lif.c), per step t: spike iff V >= v_th
    and not refractory, reset; kernel input sum_syn w*exp(-s/tau_syn), s = t - (last pre spike,
    this step included) - delay, 0 <= s <= cutoff; V += syn - V*dt/tau_v; refractory update."""
    gen, lists = brian_common(data, "nalsm")
    eqs = """v : 1
             syn_0 : 1
             syn_1 : 1
             ref : integer
             spiked : integer
             k : 1 (constant)
             vth : 1 (constant)
             nref : integer (constant)"""
    g = b2.NeuronGroup(5, eqs, threshold="v >= vth and ref == 0", reset="v = 0\nref = nref\nspiked = 1")
    g.k = np.float32(1.0 / 64.0)
    g.vth = 20.0
    g.nref = 2
    g.run_regularly("""leak = v*k
                       syn = syn_0 + syn_1
                       v = v + syn
                       v = v - leak
                       ref = ref - int(ref > 0)*(1 - spiked)
                       spiked = 0""", when="groups")
    syn_eqs = """w : 1 (constant)
                 dsteps : integer (constant)
                 lastpre : 1
                 s_k = floor(t/ms - lastpre + 0.5) - dsteps : 1
                 kern = int(s_k >= 0)*int(s_k <= 10)*exp(-s_k) : 1
                 syn_{k}_post = w*kern : 1 (summed)"""
    syns = []
    # one summed target per projection (Brian2 allows one summed updater per variable), added in
    # projection order like the runtime's accumulation
    for k, (src, (pre, post, w, d)) in enumerate(zip((gen, g), lists)):
        s = b2.Synapses(src, g, syn_eqs.replace("{k}", str(k)), on_pre="lastpre = t/ms")
        s.connect(i=pre, j=post)
        s.w = w
        s.dsteps = d
        s.lastpre = -1e6
        syns.append(s)
    mon = b2.SpikeMonitor(g)
    vmon = b2.StateMonitor(g, "v", record=True, when="end")
    # Spike and reset first, then the presynaptic last-spike times (this step's spikes included),
    # then the kernel sum (summed variable, before the group) and the integration.
    net = network([gen, g, mon, vmon] + syns, ["start", "thresholds", "resets", "synapses", "groups", "end"])
    net.run(STEPS * b2.ms)
    return mon, vmon


def compare(tag, astroc_rows, astroc_v, mon, vmon):
    brian_rows = sorted((int(round(float(t / b2.ms))), int(i)) for i, t in zip(mon.i, mon.t))
    bv = np.asarray(vmon.v).T  # (steps, n)
    ok = True
    if astroc_rows != brian_rows:
        ok = False
        a, b = set(astroc_rows), set(brian_rows)
        print(f"{tag}: rasters differ: {len(a - b)} spikes only in astroc, {len(b - a)} only in Brian2")
        print(f"  first differences: astroc-only {sorted(a - b)[:5]}, brian2-only {sorted(b - a)[:5]}")
    if astroc_v.shape != bv.shape:
        print(f"{tag}: voltage shapes differ: astroc {astroc_v.shape}, Brian2 {bv.shape}")
        return False
    dv = float(np.max(np.abs(astroc_v - bv)))
    if dv > TOLERANCE[tag]:
        ok = False
    print(f"{tag}: {len(astroc_rows)} astroc spikes, {len(brian_rows)} Brian2 spikes, identical={astroc_rows == brian_rows}, "
          f"max |dv| = {dv:.3g} mV (tolerance {TOLERANCE[tag]})")
    return ok


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    astroc, data, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    ok = True
    for tag, fn in (("lif", brian_lif), ("nalsm", brian_nalsm)):
        rows, v = run_astroc(astroc, os.path.join(data, f"brian_{tag}.yaml"), work, tag)
        if len(rows) < 20:
            print(f"{tag}: only {len(rows)} spikes: the test network is too quiet to mean anything")
            ok = False
        mon, vmon = fn(data)
        ok = compare(tag, rows, v, mon, vmon) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
