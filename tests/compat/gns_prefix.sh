#!/usr/bin/env bash
# Print the prefix of a built GNS (bin/libGameNetworkingSockets.so, bin/example_chat,
# include/). From $TERN_GNS_PREFIX if set; else by running shared/tools/build-gns.sh
# (a failed build fails the caller); else exit 77 (CTest: skipped) with a reason.
set -euo pipefail
if [[ -n "${TERN_GNS_PREFIX:-}" ]]; then
  [[ -f "$TERN_GNS_PREFIX/bin/libGameNetworkingSockets.so" ]] ||
    { echo "TERN_GNS_PREFIX=$TERN_GNS_PREFIX has no bin/libGameNetworkingSockets.so" >&2; exit 1; }
  echo "$TERN_GNS_PREFIX"; exit 0
fi
script="${TERN_GNS_BUILD_SCRIPT:-}"
if [[ -n "$script" && -f "$script" ]]; then
  exec bash "$script"
fi
echo "SKIP: no GNS: set TERN_GNS_PREFIX, or provide ../shared/tools/build-gns.sh" >&2
exit 77
