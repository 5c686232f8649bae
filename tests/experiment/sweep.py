#!/usr/bin/env python3
"""tests/experiment/sweep.py ASTROC MODEL WORK — `astroc experiment --sweep astro.w_a=...` on nalsm_ice40:
the tool writes sweep.md (one row per value, numbers equal to each run's own report.md) and both plots,
and the branching factor falls as w_A rises (the NALSM paper's trend: 1.42 at w_A 0.002 to 0.89 at 0.2).
Exit 77 (skip) without Fashion-MNIST."""
import os, re, shutil, subprocess, sys

astroc, model, work = sys.argv[1:4]
if not os.path.isdir('/usr/share/datasets/fashion-mnist') and not os.environ.get('ASTROC_DATA'):
    print('Fashion-MNIST not installed: skipped')
    sys.exit(77)
shutil.rmtree(work, ignore_errors=True)
values = ['0.002', '0.02', '0.2']
cmd = [astroc, 'experiment', model, '--numerics', 'float', '--samples', '20', '--init-samples', '2000',
       '--record', '10', '--epochs', '2', '-q', '--out', work, '--sweep', 'astro.w_a=' + ','.join(values)]
p = subprocess.run(cmd, capture_output=True, text=True)
if p.returncode != 0 or 'runtime error' in p.stderr or 'Sanitizer' in p.stderr:
    sys.exit('FAIL: %s\nrc %d\n%s' % (' '.join(cmd), p.returncode, p.stderr))
for f in ('sweep.md', 'sweep_branching.svg', 'sweep_accuracy.svg'):
    if not os.path.exists(os.path.join(work, f)):
        sys.exit('FAIL: %s missing' % f)
table = open(os.path.join(work, 'sweep.md')).read()
sigma = []
for v in values:
    row = re.search(r'^\| %s \| ([0-9.]+) \| [0-9.]+ \| ([0-9.]+) \|' % re.escape(v), table, re.M)
    if not row:
        sys.exit('FAIL: no row for %s in\n%s' % (v, table))
    rep = open(os.path.join(work, 'astro.w_a=' + v, 'report.md')).read()
    if '`--set astro.w_a=%s`' % v not in rep:
        sys.exit('FAIL: the run of %s does not state its --set' % v)
    rs = re.search(r'Branching factor .*\*\*([0-9.]+)\*\*', rep).group(1)
    ra = re.search(r'\*\*Test accuracy ([0-9.]+)%\*\*', rep).group(1)
    if (rs, ra) != row.groups():
        sys.exit('FAIL: sweep row %s %s differs from the run report %s %s' % (v, row.groups(), rs, ra))
    sigma.append(float(rs))
print('branching factor at w_a %s: %s' % (values, sigma))
if not (sigma[0] > sigma[1] > sigma[2]):
    sys.exit('FAIL: the branching factor does not fall as w_a rises: %s' % sigma)
print('ok')
