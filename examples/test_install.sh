#!/bin/sh
# test_install.sh BUILD WORK LIBDIR CC SANITIZE CMAKE GENERATOR
# Installs BUILD into WORK/prefix with `cmake --install`, checks what was
# installed (files, SONAME, pkg-config and CMake package metadata), then
# builds hello_server/hello_client against the installed copy three ways --
# pkg-config + shared library, pkg-config + static library, find_package(tern)
# -- and runs each pair over loopback with run_hello.sh.
set -eu
build=$1
work=$2
libdir=$3
cc=$4
sanitize=$5
cmake=$6
generator=$7
here=$(cd "$(dirname "$0")" && pwd)
prefix=$work/prefix
flags=""
if [ -n "$sanitize" ]; then
    flags="-fsanitize=$sanitize"
fi

step() { echo "=== $*"; }
fail() {
    echo "FAIL: $*"
    exit 1
}

rm -rf "$work"
mkdir -p "$work"

step "cmake --install $build --prefix $prefix"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || {
    cat "$work/install.log"
    fail "cmake --install"
}
lib=$prefix/$libdir
for f in "$lib/libtern.so.0.1.0" "$lib/libtern.a" "$prefix/include/tern/tern.h" \
    "$lib/pkgconfig/tern.pc" "$lib/cmake/tern/ternConfig.cmake" \
    "$lib/cmake/tern/ternConfigVersion.cmake"; do
    [ -f "$f" ] || fail "not installed: $f"
done
[ "$(readlink "$lib/libtern.so.0")" = libtern.so.0.1.0 ] || fail "libtern.so.0 -> libtern.so.0.1.0"
[ "$(readlink "$lib/libtern.so")" = libtern.so.0 ] || fail "libtern.so -> libtern.so.0"
readelf -d "$lib/libtern.so.0.1.0" | grep -q 'SONAME.*\[libtern\.so\.0\]' || fail "SONAME"
grep -q "prefix=$prefix\$" "$lib/pkgconfig/tern.pc" || fail "tern.pc names another prefix"
for f in $(cat "$build/install_manifest.txt"); do
    case $f in "$prefix"/*) ;; *) fail "installed outside the prefix: $f" ;; esac
done
grep -q "$lib/pkgconfig/tern.pc" "$build/install_manifest.txt" || fail "tern.pc not in the manifest"

export PKG_CONFIG_PATH="$lib/pkgconfig"
step "pkg-config: $(pkg-config --modversion tern); $(pkg-config --cflags --libs tern)"
[ "$(pkg-config --modversion tern)" = 0.1.0 ] || fail "pkg-config version"
static_libs=$(pkg-config --static --libs tern)
echo "$static_libs" | grep -q -- -lprotobuf-c || fail "--static lacks -lprotobuf-c"
echo "$static_libs" | grep -q -- -lcrypto || fail "--static lacks -lcrypto"

step "pkg-config, shared library"
mkdir -p "$work/pc-shared" "$work/pc-static"
for ex in hello_server hello_client; do
    # shellcheck disable=SC2046
    "$cc" $flags -std=c11 -Wall -Wextra -Werror -o "$work/pc-shared/$ex" "$here/$ex.c" \
        $(pkg-config --cflags --libs tern) -Wl,-rpath,"$lib"
done
ldd "$work/pc-shared/hello_client" | grep -q "$lib/libtern.so.0" ||
    fail "the shared build does not load the installed libtern.so.0"
sh "$here/run_hello.sh" "$work/pc-shared/hello_server" "$work/pc-shared/hello_client" >"$work/pc-shared.log" || {
    cat "$work/pc-shared.log"
    fail "pkg-config shared pair"
}

step "pkg-config, static library"
for ex in hello_server hello_client; do
    # -l:libtern.a picks the archive where -ltern would pick the .so
    # shellcheck disable=SC2046
    "$cc" $flags -std=c11 -Wall -Wextra -Werror -o "$work/pc-static/$ex" "$here/$ex.c" \
        $(pkg-config --cflags tern) $(echo "$static_libs" | sed 's/-ltern\b/-l:libtern.a/')
done
if ldd "$work/pc-static/hello_server" | grep -q libtern; then
    fail "the static build loads libtern"
fi
sh "$here/run_hello.sh" "$work/pc-static/hello_server" "$work/pc-shared/hello_client" >"$work/pc-static.log" || {
    cat "$work/pc-static.log"
    fail "pkg-config static server, shared client"
}

step "find_package(tern)"
mkdir -p "$work/cmake-src"
cat >"$work/cmake-src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(tern_consumer C)
find_package(tern 1.0 QUIET)
if(tern_FOUND)
  message(FATAL_ERROR "tern 0.1.0 must not satisfy a request for 1.0")
endif()
find_package(tern 0.1 REQUIRED)
if(NOT TARGET tern::tern OR NOT TARGET tern::tern_static)
  message(FATAL_ERROR "tern::tern and tern::tern_static must exist")
endif()
add_executable(hello_server $here/hello_server.c)
target_link_libraries(hello_server PRIVATE tern::tern)
add_executable(hello_client $here/hello_client.c)
target_link_libraries(hello_client PRIVATE tern::tern_static)
CMAKE
"$cmake" -S "$work/cmake-src" -B "$work/cmake-build" -G "$generator" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/cmake.log" 2>&1 || {
    cat "$work/cmake.log"
    fail "configuring the find_package(tern) project"
}
"$cmake" --build "$work/cmake-build" >>"$work/cmake.log" 2>&1 || {
    cat "$work/cmake.log"
    fail "building the find_package(tern) project"
}
ldd "$work/cmake-build/hello_server" | grep -q "$lib/libtern.so.0" ||
    fail "tern::tern does not load the installed libtern.so.0"
if ldd "$work/cmake-build/hello_client" | grep -q libtern; then
    fail "tern::tern_static loads libtern"
fi
sh "$here/run_hello.sh" "$work/cmake-build/hello_server" "$work/cmake-build/hello_client" >"$work/cmake-run.log" || {
    cat "$work/cmake-run.log"
    fail "find_package(tern) pair"
}
echo "PASS"
