#!/usr/bin/env bash
# exports.sh LIB LIST... [--gns GNS_SO]: LIB (tern's libGameNetworkingSockets.so)
# must have SONAME libGameNetworkingSockets.so, export every name in each LIST
# file and, with --gns, every C name GNS's own library exports (its C++
# template and vtable symbols are not API: API.md §1), export tern_version (the
# tern-only name tests use to tell the libraries apart) and no other tern_
# internals, and not depend on a tern shared library (tern is linked in).
set -uo pipefail
lib="$1"; shift
fail=0
have=$(mktemp); want=$(mktemp); trap 'rm -f "$have" "$want"' EXIT
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$have"
while [[ $# -gt 0 ]]; do
  if [[ "$1" == --gns ]]; then
    nm -D --defined-only "$2" | awk '{print $3}' | grep -v '^_Z' >>"$want"
    echo "GNS's library exports $(nm -D --defined-only "$2" | awk '{print $3}' | grep -vc '^_Z') C names"
    shift 2
  else
    cat "$1" >>"$want"; shift
  fi
done
sort -u -o "$want" "$want"
missing=$(comm -23 "$want" "$have")
if [[ -n "$missing" ]]; then echo "FAIL: missing exports:"; echo "$missing"; fail=1; fi
echo "checked $(wc -l <"$want") names; tern's library exports $(wc -l <"$have")"
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ "$soname" == libGameNetworkingSockets.so ]] || { echo "FAIL: SONAME '$soname'"; fail=1; }
grep -qx tern_version "$have" || { echo "FAIL: tern_version not exported"; fail=1; }
leaks=$(grep '^tern_' "$have" | grep -vx tern_version)
[[ -z "$leaks" ]] || { echo "FAIL: tern internals exported:"; echo "$leaks"; fail=1; }
if readelf -d "$lib" | grep NEEDED | grep -q 'libtern\|libGameNetworkingSockets'; then
  echo "FAIL: depends on a shared tern or GNS library"; fail=1
fi
exit $fail
