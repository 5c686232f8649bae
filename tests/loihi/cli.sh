#!/bin/sh
# cli.sh — `astroc compile --target loihi1` (report, folder), `astroc run DIR --backend loihi` against
# interp, a limit error's message and exit status, every example for loihi1 and loihi2 (compiled within
# limits, or the documented error of what cannot be hosted), and --target netx. Args: ASTROC SRCDIR.
set -u
astroc=$1
src=$2
tmp=$(mktemp -d /tmp/astroc_loihi_cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$astroc" compile "$src/examples/lif_small.yaml" --target loihi1 -o "$tmp/small" > "$tmp/out.txt" || fail "compile"
grep -q '^loihi1: 2 cores on 1 chip' "$tmp/out.txt" || fail "report header: $(cat "$tmp/out.txt")"
grep -q '^cores assigned by the mapping passes' "$tmp/out.txt" || fail "report: assignment"
# the mapping puts each population on its own core: 'a' (4 neurons; 4 input axons from 'replay', one word
# each; 4 output axons, one per neuron to b's core), 'b' (3 neurons; 4 input axons from 'a', 7 words)
grep -Eq '^ +0 +0 +4/1024 +4/16384 +4/4096 +4/4096 +1/32 +1/8 +1/8' "$tmp/out.txt" || fail "report row 0: $(cat "$tmp/out.txt")"
grep -Eq '^ +1 +0 +3/1024 +7/16384 +4/4096 +0/4096 +1/32 +1/8 +1/8' "$tmp/out.txt" || fail "report row 1: $(cat "$tmp/out.txt")"
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

# every example, both targets, in fixed numerics: within limits, or the error of what a Loihi core cannot host
for f in "$src"/examples/*.yaml "$src"/examples/nalsm/*.yaml; do
  for t in loihi1 loihi2; do
    name=$(basename "$f" .yaml)
    "$astroc" compile "$f" --numerics fixed --target $t -o "$tmp/ex" > "$tmp/ex.txt" 2> "$tmp/ex.err"
    rc=$?
    case $name in
      li_rinzel) want="the li_rinzel model needs float numerics" ;;
      *) want= ;;
    esac
    if [ -n "$want" ]; then
      test $rc -eq 1 || fail "$name on $t: exit status $rc, expected 1"
      grep -q "$want" "$tmp/ex.err" || fail "$name on $t: expected '$want', got $(cat "$tmp/ex.err")"
    else
      test $rc -eq 0 || fail "$name on $t: $(cat "$tmp/ex.err")"
      grep -q "^compiled $name for $t" "$tmp/ex.txt" || fail "$name on $t: no summary"
      # nalsm_lif, amsu and tripartite need what Loihi 1 lacks: the loihi1 report must say so, loihi2's must not
      note="^note: Loihi 1 has no hardware for"
      case $name/$t in
        amsu/loihi1) want="amsu units' astrocyte joins" ;;
        tripartite/loihi1) want="tripartite astrocytes' joins" ;;
        *lsm*/loihi1) want="nalsm_lif last-spike kernels" ;;
        *) want= ;;
      esac
      if [ -n "$want" ]; then
        grep "$note" "$tmp/ex.txt" | grep -q "$want" || fail "$name on $t: no note on '$want': $(cat "$tmp/ex.txt")"
      else
        ! grep -q "$note" "$tmp/ex.txt" || fail "$name on $t: unexpected Loihi 1 note"
      fi
    fi
  done
done

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
