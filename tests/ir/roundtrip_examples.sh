#!/bin/sh
# roundtrip_examples.sh ASTROC EXAMPLES_DIR — for every model YAML under EXAMPLES_DIR (found at run
# time), the printed IR must read back and print byte for byte identically:
#   astroc ir X.yaml > a.ir && astroc ir a.ir > b.ir && cmp a.ir b.ir
# and, for models of at most MAX_NEURONS neurons (default 2000), the same after expansion with
# every synapse listed (--print-after expand --synapses). Files that are not models (no
# "astroc: 1" line) are skipped. Exit 1 on the first mismatch or failure.
set -u
astroc=$1
dir=$2
max=${MAX_NEURONS:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
for f in $(find "$dir" -name '*.yaml' | sort); do
  grep -q '^astroc: *1' "$f" || continue
  n=$((n + 1))
  if ! "$astroc" ir "$f" > "$tmp/a.ir" 2> "$tmp/err"; then
    echo "FAIL: astroc ir $f"; cat "$tmp/err"; fail=1; continue
  fi
  if ! "$astroc" ir "$tmp/a.ir" > "$tmp/b.ir" 2> "$tmp/err" || ! cmp -s "$tmp/a.ir" "$tmp/b.ir"; then
    echo "FAIL: round trip of $f"; cat "$tmp/err"; diff "$tmp/a.ir" "$tmp/b.ir" | head -20; fail=1; continue
  fi
  # neurons: sum of "size=" of population lines
  neurons=$(awk '/^population /{for(i=1;i<=NF;i++) if ($i ~ /^size=/) {sub("size=","",$i); s+=$i}} END{print s+0}' "$tmp/a.ir")
  if [ "$neurons" -le "$max" ]; then
    if ! "$astroc" ir "$f" --print-after expand --synapses > "$tmp/c.ir" 2> "$tmp/err"; then
      echo "FAIL: astroc ir $f --print-after expand --synapses"; cat "$tmp/err"; fail=1; continue
    fi
    if ! "$astroc" ir "$tmp/c.ir" --synapses > "$tmp/d.ir" 2> "$tmp/err" ||
       ! tail -n +2 "$tmp/c.ir" | cmp -s - "$tmp/d.ir"; then
      echo "FAIL: expanded round trip of $f"; cat "$tmp/err"; fail=1; continue
    fi
    echo "ok: $f ($neurons neurons, expanded)"
  else
    echo "ok: $f ($neurons neurons)"
  fi
done
echo "$n models checked"
[ "$n" -gt 0 ] || { echo "no example models found under $dir"; exit 1; }
exit $fail
