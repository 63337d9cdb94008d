#!/usr/bin/env bash
# build_gns_programs.sh OUTDIR GNS_EXAMPLES_DIR TESTS_DIR: build, with g++ against
# GNS's own headers and linked against GNS's library (no rpath: LD_LIBRARY_PATH
# picks the library at run time), GNS's example_chat, the flat-API program and
# the vtable test. Writes OUTDIR/gns_libdir. Exit 77 (skip) without GNS.
set -euo pipefail
out="$1" examples="$2" tests="$3"
prefix=$("$tests/gns_prefix.sh")
mkdir -p "$out"
inc="$prefix/include" lib="$prefix/bin"
cxx=${CXX:-g++}
exec 9>"$out/.lock"; flock 9
$cxx -std=c++17 -O1 -w -I"$inc" "$examples/example_chat.cpp" -o "$out/example_chat" \
  -L"$lib" -lGameNetworkingSockets -lpthread
$cxx -std=c++17 -O1 -w -x c++ -I"$inc" "$tests/flat_api.c" -o "$out/flat_api_gnshdr" \
  -L"$lib" -lGameNetworkingSockets
$cxx -std=c++17 -O1 -Wall -I"$inc" "$tests/vtable_test.cpp" -o "$out/vtable_test" \
  -L"$lib" -lGameNetworkingSockets
echo "$lib" >"$out/gns_libdir"
echo "built example_chat, flat_api_gnshdr, vtable_test against $prefix"
