#!/bin/sh
# fuzz_ir.sh SECONDS — builds the ir_parse libFuzzer target (clang, ASan + UBSan) straight from
# ir/*.c and runs it for SECONDS (default 60), seeded with the golden files. Exit status 0 when
# no crash was found. Usage: tests/ir/fuzz_ir.sh 180   (from anywhere)
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${FUZZ_WORK:-/tmp/astroc-fuzz-ir}
mkdir -p "$work/corpus"
cp "$root"/tests/ir/golden/*.ir "$work/corpus/"
clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/ir" \
  "$root"/ir/*.c \
  "$root/tests/ir/fuzz_ir_parse.c" -lm -o "$work/fuzz_ir_parse"
cd "$work"
exec ./fuzz_ir_parse -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
  -dict="$root/tests/ir/fuzz_ir.dict" corpus
