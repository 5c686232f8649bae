#!/usr/bin/env python3
"""tests/experiment/ice40_rtl.py ASTROC MODEL WORK — examples/nalsm/nalsm_ice40.yaml on the accelerator:
(1) it fits one astro-ice40 core: the limits of targets/astro-ice40.yaml against the compiled network
    (`astroc compile --target astro-sim`: compartments, astrocytes, synapse words, input axons);
(2) three Fashion-MNIST samples (750 steps, astro-STDP and the astrocyte on) give the same raster, the same
    astrocyte state and the same ee weights on the rtl engine (the Verilator model) as on the interpreter.
Exit 77 (skip) without Fashion-MNIST or without the rtl engine."""
import os, re, shutil, subprocess, sys

astroc, model, work = sys.argv[1:4]
STEPS, SAMPLE = 750, 250

def fail(msg):
    sys.exit('FAIL: ' + msg)

def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)

if not os.path.isdir('/usr/share/datasets/fashion-mnist') and not os.environ.get('ASTROC_DATA'):
    print('Fashion-MNIST not installed: skipped')
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

# (1) The target's limits.
target = open(os.path.join(os.path.dirname(model), '..', '..', 'targets', 'astro-ice40.yaml')).read()
lim = {k: int(re.search(r'\b%s: (\d+)' % k, target).group(1))
       for k in ('compartments', 'astrocyte_slots', 'synapse_memory_bits', 'input_axons', 'word_bits')}
p = run([astroc, 'compile', model, '--target', 'astro-sim', '-o', os.path.join(work, 'sim')])
if p.returncode != 0:
    fail('compile: rc %d\n%s' % (p.returncode, p.stderr))
mm = open(os.path.join(work, 'sim', 'memory_map.txt')).read()
nneur = int(re.search(r'NNEUR=(\d+)', mm).group(1))
nastro = int(re.search(r'NASTRO=(\d+)', mm).group(1))
nsyn = int(re.search(r'(\d+) synapses ->', p.stdout).group(1))
lo, hi = map(int, re.search(r'pixels\s+(\d+) \.\.\s+(\d+)', mm).groups())
words = 2 * nsyn  # every synapse of the model is plastic: mantissa + index word, fraction word
print('compartments %d/%d, astrocytes %d/%d, synapse words %d/%d, input axons %d/%d' %
      (nneur, lim['compartments'], nastro, lim['astrocyte_slots'], words,
       lim['synapse_memory_bits'] // lim['word_bits'], hi - lo + 1, lim['input_axons']))
if (nneur > lim['compartments'] or nastro > lim['astrocyte_slots'] or hi - lo + 1 > lim['input_axons']
        or words > lim['synapse_memory_bits'] // lim['word_bits']):
    fail('nalsm_ice40 does not fit astro-ice40')
if nneur != 249 or hi - lo + 1 != 49:
    fail('expected 249 compartments and 49 input axons, got %d and %d' % (nneur, hi - lo + 1))

# (2) rtl against interp.
out = {}
for eng in ('interp', 'rtl'):
    f = lambda n: os.path.join(work, '%s-%s' % (eng, n))
    p = run([astroc, 'run', model, '--backend', eng, '--steps', str(STEPS), '-q', '--spikes', f('spikes.csv'),
             '--record', 'astro.a=' + f('a.npy'), '--record', 'ee.w=' + f('w.npy')])
    if eng == 'rtl' and p.returncode != 0 and 'not available' in p.stderr:
        print('rtl engine not built: skipped')
        sys.exit(77)
    if p.returncode != 0:
        fail('%s run: rc %d\n%s' % (eng, p.returncode, p.stderr))
    out[eng] = [open(f(n), 'rb').read() for n in ('spikes.csv', 'a.npy', 'w.npy')]
rows = out['interp'][0].decode().splitlines()[1:]
steps = [int(r.split(',')[0]) for r in rows]
per_sample = [sum(1 for s in steps if k * SAMPLE <= s < (k + 1) * SAMPLE) for k in range(STEPS // SAMPLE)]
print('interp raster: %d spikes, per sample %s' % (len(rows), per_sample))
if min(per_sample) < 100:
    fail('raster too sparse to compare: %s spikes per sample' % per_sample)
for k, name in enumerate(('spike raster', 'astrocyte a', 'ee weights')):
    if out['interp'][k] != out['rtl'][k]:
        fail('%s differs between interp and rtl' % name)
print('ok: %d spikes, astrocyte trace and %d-step ee weight record identical on rtl and interp' %
      (len(rows), STEPS))
