#!/usr/bin/env bash
# run_both.sh GNS_LIBDIR TERN_LIBDIR CMD...: run CMD once with GNS's
# libGameNetworkingSockets.so and once with tern's (by LD_LIBRARY_PATH), check
# from the "LOADED <path>" line CMD prints on stderr that each run loaded the
# library it was meant to, and compare the two standard outputs.
set -uo pipefail
gns="$1" tern="$2"; shift 2
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
rc=0
for which in gns tern; do
  dir=$gns; [[ $which == tern ]] && dir=$tern
  LD_LIBRARY_PATH="$dir" timeout 60 "$@" >"$out/$which.out" 2>"$out/$which.err"
  st=$?
  if [[ $st -ne 0 ]]; then echo "FAIL: $which run exited $st"; tail -20 "$out/$which.err"; rc=1; fi
  loaded=$(sed -n 's/^LOADED //p' "$out/$which.err" | head -1)
  want=$(readlink -f "$dir/libGameNetworkingSockets.so")
  if [[ "$(readlink -f "$loaded" 2>/dev/null)" != "$want" ]]; then
    echo "FAIL: $which run loaded '$loaded', expected $want"; rc=1
  else
    echo "$which run loaded $loaded"
  fi
done
if ! diff -u "$out/gns.out" "$out/tern.out"; then
  echo "FAIL: output differs (- GNS, + tern)"; rc=1
else
  echo "same output on both libraries ($(wc -l <"$out/gns.out") lines)"
fi
exit $rc
