#!/usr/bin/env bash
# tests/install/check.sh BUILD_DIR SOURCE_DIR CC [EXTRA_CFLAGS]: cmake --install into a scratch
# prefix, compile examples/quickstart.c with `pkg-config --cflags --libs floe`
# (shared library) and with `--static`, run both, and compare with the expected
# groups: 1000 rows, every third one "/cart".
set -euo pipefail
build=$1 src=$2 cc=$3 extra=${4:-}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH="$libdir"
expected=$'/cart 334 32.75\n/home 666 32.80'
"$cc" $extra "$src/examples/quickstart.c" $(pkg-config --cflags --libs floe) -o "$prefix/qs_shared" \
    -Wl,-rpath,"$(dirname "$libdir")"
got=$("$prefix/qs_shared")
[ "$got" = "$expected" ] || { echo "shared: got '$got', want '$expected'"; exit 1; }
# static: libfloe.a plus its private dependencies (Requires.private/Libs.private)
"$cc" $extra "$src/examples/quickstart.c" $(pkg-config --cflags floe) "$(dirname "$libdir")/libfloe.a" \
    $(pkg-config --static --libs floe | sed 's/-lfloe\b//; s/-L[^ ]*//g') -o "$prefix/qs_static"
got=$("$prefix/qs_static" "$prefix/db")
[ "$got" = "$expected" ] || { echo "static: got '$got', want '$expected'"; exit 1; }
echo "install_pkgconfig: 2 passed, 0 failed"
