#!/usr/bin/env bash
# with_gns.sh OUTDIR CMD...: run CMD with GNS_LIBDIR set from what
# build_gns_programs.sh found; exit 77 (skip) when it found no GNS.
set -euo pipefail
out="$1"; shift
if [[ ! -f "$out/gns_libdir" ]]; then
  # The setup test skipped (no GNS) or failed; find out which, again.
  "$(dirname "$0")/gns_prefix.sh" >/dev/null || exit $?
  echo "GNS is there but the programs were not built (see compat.gns_programs)" >&2
  exit 1
fi
GNS_LIBDIR=$(cat "$out/gns_libdir")
export GNS_LIBDIR
# "@GNS@" in an argument stands for GNS's library directory.
exec "${@//@GNS@/$GNS_LIBDIR}"
