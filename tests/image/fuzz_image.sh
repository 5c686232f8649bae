#!/bin/sh
# fuzz_image.sh SECONDS — fuzz the image reader with libFuzzer (clang, ASan, UBSan).
# Builds straight from ir/*.c (the IR library has no other dependency), seeds the corpus with images
# of the examples (compiled by an astroc found in $ASTROC, build-cli or build), runs for SECONDS, and
# exits non-zero on any crash, leak or sanitizer report (artifacts land in $WORK/artifacts/).
set -eu
SECONDS_TO_RUN=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-$ROOT/build-fuzz-image}
mkdir -p "$WORK/corpus" "$WORK/artifacts"
CC=${CC_FUZZ:-clang}
$CC -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$ROOT/ir" "$ROOT"/ir/*.c "$ROOT/tests/image/fuzz_image.c" -lm -o "$WORK/fuzz_image"
ASTROC=${ASTROC:-}
for b in "$ROOT/build-cli/compiler/astroc" "$ROOT/build/compiler/astroc"; do
  if [ -z "$ASTROC" ] && [ -x "$b" ]; then ASTROC=$b; fi
done
if [ -n "$ASTROC" ]; then
  for y in "$ROOT"/examples/*.yaml; do
    n=$(basename "$y" .yaml)
    [ -f "$WORK/corpus/$n.aimg" ] || "$ASTROC" compile "$y" -o "$WORK/corpus/$n.aimg" >/dev/null 2>&1 || true
  done
else
  echo "fuzz_image.sh: no astroc binary found; starting from an empty corpus" >&2
fi
# images are a few KB for the small examples; allow the bigger ones too
"$WORK/fuzz_image" -max_total_time="$SECONDS_TO_RUN" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$WORK/artifacts/" -print_final_stats=1 "$WORK/corpus"
