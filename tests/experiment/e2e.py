#!/usr/bin/env python3
"""tests/experiment/e2e.py — `astroc experiment` end to end on examples/nalsm/nalsm_tiny.yaml (Fashion-MNIST):
a run writes report.md and the plots; a second run resumes (init from its checkpoint, responses from the
features cache); features do not depend on the thread count. Exit 77 (skip) without Fashion-MNIST."""
import os, shutil, subprocess, sys

astroc, model, work = sys.argv[1:4]
if not os.path.isdir('/usr/share/datasets/fashion-mnist') and not os.environ.get('ASTROC_DATA'):
    print('Fashion-MNIST not installed: skipped')
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

def run(out, threads, extra=()):
    cmd = [astroc, 'experiment', model, '--samples', '40', '--init-samples', '30', '--threads', str(threads),
           '--epochs', '3', '--record', '2', '-q', '--out', os.path.join(work, out), *extra]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit('FAIL: %s\nrc %d\n%s' % (' '.join(cmd), p.returncode, p.stderr))
    if 'runtime error' in p.stderr or 'AddressSanitizer' in p.stderr:
        sys.exit('FAIL: sanitizer report\n' + p.stderr)
    return open(os.path.join(work, out, 'report.md')).read()

def row(report, name):
    for line in report.splitlines():
        if line.startswith('| ' + name + ' |'):
            return [c.strip() for c in line.strip('|').split('|')]
    sys.exit('FAIL: no row %r in the report' % name)

first = run('a', 2)
for f in ['report.md', 'accuracy.svg', 'raster.svg', 'astrocyte.svg', 'weights.svg', 'init.ckpt',
          'features-train.bin', 'features-validation.bin', 'features-test.bin']:
    if not os.path.exists(os.path.join(work, 'a', f)):
        sys.exit('FAIL: %s missing' % f)
if 'Test accuracy' not in first or 'Branching factor' not in first:
    sys.exit('FAIL: report without result:\n' + first)
if row(first, 'response train')[1:3] != ['40', '0'] or row(first, 'init')[1:3] != ['30', '0']:
    sys.exit('FAIL: first run should simulate everything:\n' + first)

second = run('a', 2)
if row(second, 'response train')[1:3] != ['0', '40'] or row(second, 'response test')[1:3] != ['0', '40']:
    sys.exit('FAIL: second run did not reuse the features cache:\n' + second)
if row(second, 'init')[1:3] != ['0', '30']:
    sys.exit('FAIL: second run did not resume the init phase:\n' + second)
acc1 = [l for l in first.splitlines() if 'Test accuracy' in l]
acc2 = [l for l in second.splitlines() if 'Test accuracy' in l]
if acc1 != acc2:
    sys.exit('FAIL: resumed run reports a different result: %s vs %s' % (acc1, acc2))

run('b', 1)
for f in ['features-train.bin', 'features-validation.bin', 'features-test.bin']:
    a = open(os.path.join(work, 'a', f), 'rb').read()
    b = open(os.path.join(work, 'b', f), 'rb').read()
    if a != b:
        sys.exit('FAIL: %s differs between 1 and 2 threads' % f)
# The readout is bit-identical for any thread count: the per-epoch table of run a (2 threads) is run b's.
def epochs_table(d):
    t = open(os.path.join(work, d, 'report.md')).read()
    return t[t.index('## Accuracy per epoch'):t.index('## Time')]
if epochs_table('a') != epochs_table('b'):
    sys.exit('FAIL: the readout differs between 1 and 2 threads')
# A model without a protocol is a user error (exit 1) that says what is missing.
cuba = os.path.join(os.path.dirname(os.path.dirname(model)), 'cuba.yaml')
p = subprocess.run([astroc, 'experiment', cuba, '--out', os.path.join(work, 'c')], capture_output=True, text=True)
if p.returncode != 1 or 'needs a \'protocol\'' not in p.stderr:
    sys.exit('FAIL: no-protocol model: rc %d\n%s' % (p.returncode, p.stderr))
print('ok')
