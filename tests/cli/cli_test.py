#!/usr/bin/python3
"""cli_test.py — command-level tests of `astroc compile`, `run` and `plot` (suite 'cli').

Usage: cli_test.py ASTROC EXAMPLES_DIR WORK_DIR TEST
Each TEST is registered separately in tests/cli/meson.build. Expectations are derived from the
model's definition (e.g. examples/lif_small.yaml: neuron a[i] is a perfect integrator with weight
11 mV > v_th 10 mV, so it spikes exactly one step after each replay spike of channel i), from file
format specifications (PNG, .npy), or from a second, uninterrupted run — never from the code under test.
"""
import csv
import os
import struct
import subprocess
import sys
import zlib

ASTROC, EXAMPLES, WORK, TEST = sys.argv[1:5]
LIF = os.path.join(EXAMPLES, "lif_small.yaml")


def run(*args, expect=0):
    p = subprocess.run([ASTROC, *args], capture_output=True, text=True)
    if "Sanitizer" in p.stderr or "runtime error:" in p.stderr:  # sanitizer builds: never acceptable
        sys.exit(f"astroc {' '.join(args)}: sanitizer report\n{p.stderr}")
    if p.returncode != expect:
        sys.exit(f"astroc {' '.join(args)}: exit {p.returncode}, expected {expect}\n"
                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def path(name):
    os.makedirs(WORK, exist_ok=True)
    return os.path.join(WORK, name)


def read_csv(p):
    with open(p) as f:
        lines = f.read().splitlines()
    return lines[0], [tuple(l.split(",")) for l in lines[1:]]


def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)


def test_csv_order():
    out = path("order.csv")
    run("run", LIF, "--spikes", out, "--quiet")
    header, rows = read_csv(out)
    check(header == "step,population,neuron", f"header {header!r}")
    check(len(rows) > 10, "too few spikes")
    rank = {"a": 0, "b": 1}
    keys = [(int(s), rank[p], int(n)) for s, p, n in rows]
    check(keys == sorted(keys), "rows not ordered by step, population (model order), neuron")
    check(len(set(keys)) == len(keys), "duplicate rows")
    check(all(p in rank for _, p, _ in rows), "inputs present without --include-inputs")
    # a[i] fires exactly one step after each replay spike on channel i (see the module docstring)
    with open(os.path.join(EXAMPLES, "data", "small_spikes.csv")) as f:
        replay = sorted((int(r["step"]) + 1, int(r["neuron"])) for r in csv.DictReader(f))
    a = sorted((int(s), int(n)) for s, p, n in rows if p == "a")
    replay = [r for r in replay if r[0] < 50]
    check(a == replay, f"a's spikes {a[:6]}... are not the replay shifted by one step {replay[:6]}...")
    out2 = path("order_inputs.csv")
    run("run", LIF, "--spikes", out2, "--quiet", "--include-inputs")
    _, rows2 = read_csv(out2)
    rank["replay"] = 2
    keys2 = [(int(s), rank[p], int(n)) for s, p, n in rows2]
    check(keys2 == sorted(keys2), "with inputs: rows not in (step, model order, neuron) order")
    with open(os.path.join(EXAMPLES, "data", "small_spikes.csv")) as f:
        inputs = sorted((int(r["step"]), int(r["neuron"])) for r in csv.DictReader(f) if int(r["step"]) < 50)
    check(sorted((int(s), int(n)) for s, p, n in rows2 if p == "replay") == inputs, "input spikes differ from the file")
    check(set(rows) <= set(rows2), "--include-inputs lost population spikes")


def test_image_equals_model():
    img = path("lif.aimg")
    p = run("compile", LIF, "--target", "cpu", "-o", img)
    check("7 neurons" in p.stdout and "bytes" in p.stdout, f"summary line: {p.stdout!r}")
    with open(img, "rb") as f:
        check(f.read(8) == b"ASTROIMG", "image magic")
    # detection is by content: an image with a .yaml name still runs as an image
    disguised = path("image_named.yaml")
    with open(img, "rb") as f, open(disguised, "wb") as g:
        g.write(f.read())
    a, b, c = path("m.csv"), path("i.csv"), path("d.csv")
    run("run", LIF, "--spikes", a, "--quiet")
    run("run", img, "--spikes", b, "--quiet")
    run("run", disguised, "--spikes", c, "--quiet")
    check(open(a).read() == open(b).read() == open(c).read(), "image run differs from model run")


def test_record_npy():
    import numpy as np
    v, s, pdir = path("b_v.npy"), path("spikes.npy"), path("probes")
    csvp = path("spikes_ref.csv")
    run("run", LIF, "--steps", "30", "--record", f"b.v={v}", "--spikes", s, "--probes", pdir, "--quiet")
    run("run", LIF, "--steps", "30", "--spikes", csvp, "--quiet")
    arr = np.load(v)
    check(arr.dtype == np.float64 and arr.shape == (30, 3), f"record shape {arr.shape} dtype {arr.dtype}")
    check(np.all(np.isfinite(arr)), "non-finite voltages")
    sp = np.load(s)
    _, rows = read_csv(csvp)
    got = [(int(r["step"]), r["population"].decode(), int(r["neuron"])) for r in sp]
    check(got == [(int(a), b, int(c)) for a, b, c in rows], ".npy spikes differ from the CSV")
    bs = np.load(os.path.join(pdir, "b_spikes.npy"))
    check(bs.shape[1] == 2 and [tuple(x) for x in bs.tolist()] ==
          [(int(a), int(c)) for a, b, c in rows if b == "b"], "probe b_spikes differs from the raster")
    bv = np.load(os.path.join(pdir, "b_v.npy"))
    check(bv.shape == (30, 3) and np.array_equal(bv, arr), "probe b_v differs from --record b.v")
    run("run", LIF, "--steps", "3", "--record", f"b.nothing={v}", "--quiet", expect=1)


def test_checkpoint_resume():
    full, p1, p2, ck = path("full.csv"), path("part1.csv"), path("part2.csv"), path("lif.ckpt")
    run("run", LIF, "--spikes", full, "--quiet")  # network.duration: 50 steps
    run("run", LIF, "--steps", "20", "--spikes", p1, "--checkpoint", ck, "--quiet")
    run("run", LIF, "--resume", ck, "--spikes", p2, "--quiet")  # the remaining 30 steps
    _, f = read_csv(full)
    _, a = read_csv(p1)
    _, b = read_csv(p2)
    check(all(int(r[0]) < 20 for r in a) and all(int(r[0]) >= 20 for r in b), "step ranges of the two parts")
    check(any(int(r[0]) >= 20 for r in f), "the full run has no spikes after step 20: the test would be vacuous")
    check(a + b == f, "checkpoint + resume raster differs from the uninterrupted run")


def test_bad_images():
    img = path("good.aimg")
    run("compile", LIF, "-o", img)
    data = open(img, "rb").read()
    trunc = path("trunc.aimg")
    open(trunc, "wb").write(data[: len(data) // 2])
    p = run("run", trunc, "--quiet", expect=1)
    check("trunc.aimg: error: image truncated" in p.stderr, p.stderr)
    flip = bytearray(data)
    flip[len(data) // 2] ^= 0x04
    bad = path("flip.aimg")
    open(bad, "wb").write(bytes(flip))
    p = run("run", bad, "--quiet", expect=1)
    check("error: checksum mismatch (file corrupt)" in p.stderr, p.stderr)
    ver = bytearray(data)
    ver[8:12] = struct.pack("<I", 7)
    open(bad, "wb").write(bytes(ver))
    p = run("run", bad, "--quiet", expect=1)
    check("image format version 7, this astroc reads version 1" in p.stderr, p.stderr)
    open(bad, "wb").write(b"ASTROIMG")
    run("run", bad, "--quiet", expect=1)
    run("compile", img, "-o", path("again.aimg"), expect=1)  # compile takes a model, not an image


def test_targets_backends():
    p = run("compile", LIF, "--target", "astro-ice40", "-o", path("x.aimg"), expect=1)
    check("astroc synth" in p.stderr and "astro-sim" in p.stderr, p.stderr)
    run("compile", LIF, "--target", "gpu", "-o", path("x.aimg"), expect=2)
    # jit runs the model and gives the interpreter's raster; it reports its compile time apart from the run
    a, b = path("interp.csv"), path("jit.csv")
    run("run", LIF, "--spikes", a)
    p = run("run", LIF, "--backend", "jit", "--threads", "2", "--spikes", b)
    check("jit:" in p.stderr and "compiled in" in p.stderr, p.stderr)
    check(open(a).read() == open(b).read(), "jit raster differs from interp")
    p = run("run", LIF, "--backend", "nonsense", expect=2)
    check("interp, jit" in p.stderr, p.stderr)
    run("run", LIF, "--threads", "2", expect=2)  # threads are for the jit backend
    run("run", LIF, "--steps", "x", expect=2)
    run("run", LIF, "--time", "5", expect=2)  # a time needs a unit
    run("run", LIF, "--no-such-option", expect=2)
    run("run", path("missing.yaml"), expect=1)


def check_png(p, w, h):
    data = open(p, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
    pos, chunks = 8, []
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        check(zlib.crc32(typ + body) == crc, f"CRC of chunk {typ}")
        chunks.append((typ, body))
        pos += 12 + n
    check(chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", "chunk order")
    W, H, depth, ctype = struct.unpack(">IIBB", chunks[0][1][:10])
    check((W, H, depth, ctype) == (w, h, 8, 2), f"IHDR {W}x{H} depth {depth} type {ctype}")
    raw = zlib.decompress(b"".join(b for t, b in chunks if t == b"IDAT"))  # checks Adler-32
    check(len(raw) == H * (1 + 3 * W), "decompressed size")
    rows = [raw[y * (1 + 3 * W):(y + 1) * (1 + 3 * W)] for y in range(H)]
    check(all(r[0] == 0 for r in rows), "filter bytes")
    colours = {bytes(r[1 + 3 * x:4 + 3 * x]) for r in rows[::7] for x in range(0, W, 3)}
    check(len(colours) > 5, "the picture is nearly blank")


def test_plot():
    spikes, npy = path("plot.csv"), path("plot.npy")
    run("run", LIF, "--spikes", spikes, "--quiet", "--include-inputs")
    run("run", LIF, "--spikes", npy, "--quiet")
    png, svg = path("raster.png"), path("raster.svg")
    run("plot", spikes, "-o", png, "--title", "lif_small")
    check_png(png, 1000, 640)
    run("plot", npy, "-o", path("raster2.png"), "--width", "600", "--height", "400", "--from", "10 ms", "--to", "40ms")
    check_png(path("raster2.png"), 600, 400)
    run("plot", spikes, "-o", svg, "--dt", "1ms")
    text = open(svg).read()
    check(text.startswith("<svg ") and text.rstrip().endswith("</svg>"), "SVG framing")
    for label in ("a (4)", "b (3)", "replay (4)", "time (ms)"):
        check(label in text, f"SVG lacks the label {label!r}")
    check(text.index("a (4)") < text.index("b (3)") < text.index("replay (4)"), "bands not in model order")
    bad = path("bad.csv")
    open(bad, "w").write("step,neuron\n1,2\n")
    p = run("plot", bad, "-o", svg, expect=1)
    check("bad.csv:1:1: error:" in p.stderr, p.stderr)
    run("plot", spikes, expect=2)


def test_numerics_override_invalid():
    # li_rinzel is float-only: forcing fixed numerics is the user's error (exit 1, named at the astrocyte),
    # never an internal error blamed on a pass.
    model = os.path.join(EXAMPLES, "li_rinzel.yaml")
    for args in (("run", model, "--numerics", "fixed", "--quiet"),
                 ("compile", model, "--numerics", "fixed", "-o", path("lr.aimg"))):
        p = run(*args, expect=1)
        check("li_rinzel.yaml:25:3: error: astrocyte 'astro': the li_rinzel model needs float numerics" in p.stderr,
              p.stderr)
        check("internal error" not in p.stderr, p.stderr)

def test_t_epoch_not_on_accelerator():
    # t_epoch selects Loihi's learning arithmetic; the accelerator's learning engine implements only
    # astroc's exact rule, so it must refuse the model rather than silently run the other rule.
    text = open(os.path.join(EXAMPLES, "nalsm", "nalsm_tiny.yaml")).read()
    text = text.replace("numerics: float", "numerics: fixed", 1)
    text = text.replace("w_min: 0 mV, w_max: 3 mV}", "w_min: 0 mV, w_max: 3 mV, t_epoch: 2 ms}", 1)
    check("t_epoch: 2 ms" in text, "nalsm_tiny.yaml changed: the test cannot add t_epoch")
    model = path("tiny_t_epoch.yaml")
    open(model, "w").write(text)
    p = run("compile", model, "--target", "astro-sim", "-o", path("tiny_t_epoch"), expect=1)
    check("plastic projection 'ee': t_epoch (Loihi's learning arithmetic) is not supported by the verilog "
          "accelerator" in p.stderr, p.stderr)

TESTS = {n[5:]: f for n, f in globals().items() if n.startswith("test_")}
if TEST not in TESTS:
    sys.exit(f"unknown test {TEST}; known: {', '.join(TESTS)}")
TESTS[TEST]()
print(f"{TEST}: ok")
