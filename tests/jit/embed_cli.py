#!/usr/bin/env python3
"""embed_cli.py ASTROC EXAMPLES WORKDIR — `astroc compile --target cpu` embeds native code that
`astroc run --backend jit` loads without code generation (docs/jit.md, "Code in the image"); the raster
is the interpreter's; a flipped bit in the section is a corrupt image (exit 1); --no-native images and
images of other hosts still run."""
import os, struct, subprocess, sys

astroc, examples, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
env = dict(os.environ, ASTROC_JIT_CACHE="off")  # every code path below must not depend on a disk cache
model = os.path.join(examples, "lif_small.yaml")


def run(*args, expect=0):
    p = subprocess.run([astroc, *args], capture_output=True, text=True, env=env)
    if p.returncode != expect:
        sys.exit(f"astroc {' '.join(args)}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


def path(name):
    return os.path.join(work, name)


def native_section(img):
    """(offset, length) of section id 5 from the image's section table (docs/image-format.md)."""
    nsec = struct.unpack_from("<I", img, 32)[0]
    for i in range(nsec):
        sid, _, off, ln = struct.unpack_from("<IIQQ", img, 64 + 24 * i)
        if sid == 5:
            return off, ln
    return None


run("compile", model, "--target", "cpu", "-o", path("e.aimg"))
run("compile", model, "--target", "cpu", "--no-native", "-o", path("p.aimg"))
img = open(path("e.aimg"), "rb").read()
plain = open(path("p.aimg"), "rb").read()
sec = native_section(img)
assert sec and native_section(plain) is None, "section 'native' placement"
assert img[sec[0]:sec[0] + 8] == b"ASTRONC1", img[sec[0]:sec[0] + 8]

run("run", path("p.aimg"), "--steps", "300", "--spikes", path("interp.csv"))
p = run("run", path("e.aimg"), "--backend", "jit", "--steps", "300", "--spikes", path("jit.csv"))
assert "code: embedded object" in p.stderr and "ms load" in p.stderr, p.stderr
assert open(path("interp.csv")).read() == open(path("jit.csv")).read(), "embedded code: raster differs"
p = run("run", path("e.aimg"), "--backend", "jit", "--threads", "2", "--steps", "300", "--spikes", path("jit2.csv"))
assert "embedded object" in p.stderr, p.stderr
assert open(path("interp.csv")).read() == open(path("jit2.csv")).read(), "2 threads: raster differs"

# an image without the section: code generated as before
p = run("run", path("p.aimg"), "--backend", "jit", "--steps", "10")
assert "compiled in" in p.stderr and "embedded" not in p.stderr, p.stderr

# a flipped bit in the object code: the image checksum fails, for the interp and the jit alike
bad = bytearray(img)
bad[sec[0] + sec[1] - 5] ^= 0x04
open(path("bad.aimg"), "wb").write(bad)
for backend in ("jit", "interp"):
    p = run("run", path("bad.aimg"), "--backend", backend, "--steps", "10", expect=1)
    assert "checksum mismatch" in p.stderr, p.stderr

# the CPU name changed (and the checksum redone): another host's code, declined with a note
cpu_len = struct.unpack_from("<I", img, sec[0] + 16 + 4)[0]
tri_len = struct.unpack_from("<I", img, sec[0] + 16)[0]
assert cpu_len > 0
other = bytearray(img)
other[sec[0] + 40 + tri_len] ^= 0x20
crc = __import__("zlib").crc32(bytes(other[64:])) & 0xFFFFFFFF
struct.pack_into("<I", other, 36, crc)
open(path("other.aimg"), "wb").write(other)
p = run("run", path("other.aimg"), "--backend", "jit", "--steps", "300", "--spikes", path("other.csv"))
assert "does not fit this host" in p.stderr and "compiled in" in p.stderr and "code: embedded" not in p.stderr, p.stderr
assert open(path("interp.csv")).read() == open(path("other.csv")).read(), "fallback: raster differs"
print("ok")
