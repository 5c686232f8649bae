#!/usr/bin/env bash
# run_broken.sh ASTROC [DIR] — runs `astroc check` on every deliberately broken model in DIR (default: this
# script's folder) and checks that each fails cleanly: exit status 1 (not a crash: < 128), and every
# "# expect: LINE:COL: error: TEXT" line of the file's header matches a diagnostic "FILE:LINE:COL: error: ..."
# containing TEXT, and no sanitizer report.
set -u
astroc=${1:?usage: run_broken.sh ASTROC [DIR]}
dir=${2:-$(cd "$(dirname "$0")" && pwd)}
fail=0
count=0
for f in "$dir"/*.yaml; do
  count=$((count + 1))
  out=$("$astroc" check --no-color "$f" 2>&1)
  rc=$?
  if [ "$rc" -ne 1 ]; then
    echo "FAIL $f: exit status $rc, expected 1"
    echo "$out" | sed 's/^/    /'
    fail=1
    continue
  fi
  if printf '%s\n' "$out" | grep -qE 'Sanitizer|runtime error:|internal error'; then
    echo "FAIL $f: sanitizer report or internal error"
    echo "$out" | sed 's/^/    /'
    fail=1
    continue
  fi
  nexp=0
  while IFS= read -r line; do
    spec=${line#"# expect: "}
    loc=${spec%%: error: *}
    text=${spec#*: error: }
    nexp=$((nexp + 1))
    if ! printf '%s\n' "$out" | grep -F -- "$f:$loc: error: " | grep -qF -- "$text"; then
      echo "FAIL $f: no diagnostic '$loc: error: ...$text...'"
      echo "$out" | sed 's/^/    /'
      fail=1
    fi
  done < <(grep '^# expect: ' "$f")
  if [ "$nexp" -eq 0 ]; then
    echo "FAIL $f: no '# expect:' line"
    fail=1
  fi
done
echo "checked $count broken models"
exit $fail
