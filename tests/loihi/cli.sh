#!/bin/sh
# cli.sh — `astroc compile --target loihi1` (report, folder), `astroc run DIR --backend loihi` against
# interp, a limit error's message and exit status, and --target netx. Args: ASTROC SRCDIR.
set -u
astroc=$1
src=$2
tmp=$(mktemp -d /tmp/astroc_loihi_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$astroc" compile "$src/examples/lif_small.yaml" --target loihi1 -o "$tmp/small" > "$tmp/out.txt" || fail "compile"
grep -q '^loihi1: 1 cores on 1 chip' "$tmp/out.txt" || fail "report header"
grep -Eq '^ +0 +0 +7/1024 +11/16384 +8/4096 +4/4096 +2/32 +2/8 +2/8' "$tmp/out.txt" || fail "report row: $(cat "$tmp/out.txt")"
for f in loihi.json loihi.bin network.aimg; do test -s "$tmp/small/$f" || fail "missing $f"; done
"$astroc" run "$tmp/small" --backend loihi --spikes "$tmp/a.csv" -q || fail "run loihi"
"$astroc" run "$src/examples/lif_small.yaml" --spikes "$tmp/b.csv" -q || fail "run interp"
cmp -s "$tmp/a.csv" "$tmp/b.csv" || fail "rasters differ"
test "$(wc -l < "$tmp/a.csv")" -gt 10 || fail "too few spikes"

# a neuron with 5000 presynaptic inputs cannot fit a loihi1 core (4096 input axons)
cat > "$tmp/big.yaml" <<'YAML'
astroc: 1
network: {name: big, numerics: fixed}
neurons:
  p: {model: lif, size: 1}
inputs:
  in: {kind: bernoulli, size: 5000, p: 0.1}
synapses:
  j: {pre: in, post: p, connectivity: {rule: all_to_all}, weight: 1 mV}
YAML
"$astroc" compile "$tmp/big.yaml" --target loihi1 -o "$tmp/big" 2> "$tmp/err.txt"
test $? -eq 1 || fail "limit error exit status"
grep -q "core 0: neuron 0 of population 'p' alone needs more input axons than a loihi1 core has (limit 4096)" \
  "$tmp/err.txt" || fail "limit message: $(cat "$tmp/err.txt")"

# netx export of a chain, imported back by run
cat > "$tmp/chain.yaml" <<'YAML'
astroc: 1
network: {name: chain, numerics: fixed, duration: 50 ms}
neurons:
  a: {model: lif, size: 4, params: {v_th: 3 mV}}
  b: {model: lif, size: 3, params: {v_th: 3 mV}}
inputs:
  input: {kind: bernoulli, size: 4, p: 0.1}
synapses:
  ia: {pre: input, post: a, connectivity: {rule: one_to_one}, weight: 8 mV}
  ab: {pre: a, post: b, connectivity: {rule: all_to_all}, weight: 2 mV}
YAML
"$astroc" compile "$tmp/chain.yaml" --target netx -o "$tmp/chain.net" > /dev/null || fail "netx export"
"$astroc" run "$tmp/chain.net" --steps 50 --spikes "$tmp/n.csv" -q || fail "netx run"
"$astroc" run "$tmp/chain.yaml" --steps 50 --spikes "$tmp/y.csv" -q || fail "yaml run"
# population names differ (layer0, layer1 vs a, b): compare steps and neurons
cut -d, -f1,3 "$tmp/n.csv" > "$tmp/n2"; cut -d, -f1,3 "$tmp/y.csv" > "$tmp/y2"
cmp -s "$tmp/n2" "$tmp/y2" || fail "netx round trip raster differs"
echo ok
