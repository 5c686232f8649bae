#!/usr/bin/env bash
# build_and_run.sh SECONDS — builds the YAML frontend fuzz target with clang, libFuzzer, ASan and UBSan
# straight from the sources (no meson) and fuzzes it for SECONDS seconds, seeded with every example model.
# Exits non-zero if libFuzzer finds a crash, leak or sanitizer report (the reproducer is left in the work
# folder it prints).
set -eu
seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${FUZZ_WORK:-$(mktemp -d /tmp/astroc-fuzz.XXXXXX)}
mkdir -p "$work/corpus"
cc=${CC_FUZZ:-$(command -v clang || command -v clang-14)}

# The whole IR library (libc only), so a new ir/ file never breaks this build.
ir_src=$(cd "$root/ir" && ls *.c)
srcs=""
for f in $ir_src; do srcs="$srcs $root/ir/$f"; done
srcs="$srcs $(ls "$root"/compiler/frontend/*.c) $here/fuzz_yaml.c"

"$cc" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DFUZZ_EXAMPLES_DIR="\"$root/examples\"" \
  -I"$root/ir" -I"$root/compiler/frontend" $srcs -lyaml -lm -o "$work/fuzz_yaml"

find "$root/examples" -name '*.yaml' -exec cp {} "$work/corpus/" \;
for f in "$root"/tests/broken/*.yaml; do cp "$f" "$work/corpus/broken_$(basename "$f")"; done
echo "fuzzing for $seconds s in $work"
cd "$work"
"$work/fuzz_yaml" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  echo "fuzzing found a problem (exit $status); reproducers: $work/crash-* $work/leak-* $work/timeout-*"
  exit 1
fi
echo "no crash in $seconds s"
