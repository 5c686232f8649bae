#!/usr/bin/env python3
"""tests/experiment/examples.py MODEL... — every NALSM example runs its protocol for a handful of samples:
`astroc check` passes, then `astroc experiment --samples 20` writes a report whose sample counts, numerics
and liquid size are those of the model. Models whose data set is not installed are skipped (exit 77 when
all are)."""
import os, re, shutil, subprocess, sys

astroc, work, models = sys.argv[1], sys.argv[2], sys.argv[3:]
DATA = {'fashion_mnist': ['/usr/share/datasets/fashion-mnist'],
        'mnist': [os.path.expanduser('~/.cache/astroc/mnist'), '/usr/share/datasets/mnist']}
if os.environ.get('ASTROC_DATA'):
    for k, sub in (('fashion_mnist', 'fashion-mnist'), ('mnist', 'mnist')):
        DATA[k].insert(0, os.path.join(os.environ['ASTROC_DATA'], sub))

def fail(msg):
    sys.exit('FAIL: ' + msg)

os.makedirs(work, exist_ok=True)
ran = 0
for model in models:
    text = open(model).read()
    ds = re.search(r'dataset: \{name: (\w+)', text).group(1)
    liquid = sum(int(n) for n in re.findall(r'size: (\d+)\n    layout: liquid', text))
    numerics = re.search(r'^  numerics: (\w+)', text, re.M).group(1)
    has_init = 'kind: init' in text
    p = subprocess.run([astroc, 'check', model], capture_output=True, text=True)
    if p.returncode != 0:
        fail('astroc check %s: rc %d\n%s' % (model, p.returncode, p.stderr))
    if not any(os.path.isdir(d) for d in DATA[ds]):
        print('%s: data set %s not installed: skipped' % (os.path.basename(model), ds))
        continue
    out = os.path.join(work, os.path.basename(model)[:-5])
    shutil.rmtree(out, ignore_errors=True)
    cmd = [astroc, 'experiment', model, '--samples', '20', '--init-samples', '20', '--record', '2',
           '--epochs', '2', '-q', '--out', out]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 or 'runtime error' in p.stderr or 'Sanitizer' in p.stderr:
        fail('%s\nrc %d\n%s' % (' '.join(cmd), p.returncode, p.stderr))
    rep = open(os.path.join(out, 'report.md')).read()
    head = 'numerics `%s`, %d liquid neurons' % (numerics, liquid)
    if head not in rep:
        fail('%s: report does not say %r:\n%s' % (model, head, rep[:600]))
    want = 'responses train 20, validation 20, test 20'
    if want not in rep or not re.search(r'\*\*Test accuracy \d+\.\d\d%\*\*', rep):
        fail('%s: report without %r or a test accuracy:\n%s' % (model, want, rep[:800]))
    if has_init != ('initialisation 20 (split' in rep):
        fail('%s: init phase expected %s:\n%s' % (model, has_init, rep[:800]))
    print('%s: ok' % os.path.basename(model))
    ran += 1
sys.exit(0 if ran else 77)
