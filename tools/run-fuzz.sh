#!/usr/bin/env bash
# Run every libFuzzer target in BUILD/fuzz for SECONDS each, starting from the
# committed seed corpus (copied, so the tree is not modified), and print one
# line per target with executions and coverage. Fails if any target crashed.
# Usage: tools/run-fuzz.sh BUILD_DIR SECONDS [TARGET...]
set -uo pipefail
build=${1:?build dir}
secs=${2:?seconds}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$build"/fuzz/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
fail=0
printf '%-24s %12s %10s %8s %s\n' target execs exec/s cov result
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  mkdir -p "$work" "$build/artifacts/$t"
  cp -n "$root/tests/fuzz/corpus/$t"/* "$work"/ 2>/dev/null || true
  # a tool keeps its own seeds beside it (tools/dump/corpus for fuzz_dump)
  cp -n "$root/tools/${t}/corpus"/* "$work"/ 2>/dev/null || true
  log="$build/artifacts/$t/log.txt"
  "$build/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 \
      -artifact_prefix="$build/artifacts/$t/" "$work" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  res=clean
  if [ $rc -ne 0 ]; then res="FAILED (see $log)"; fail=1; fi
  printf '%-24s %12s %10s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$res"
done
exit $fail
