#!/bin/sh
# Installs a libkarak build tree into a temporary prefix, builds consumer.c against it the way
# a user would (pkg-config, or CMake's find_package), and runs it.
# usage: run.sh pkg-config|cmake BUILD_DIR CONSUMER_SRC_DIR CC [SANITIZE]
set -eu
mode=$1 build=$2 src=$3 cc=$4 sanitize=${5:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name karak.pc | head -n 1)
[ -n "$pc" ] || { echo "karak.pc was not installed" >&2; exit 1; }
libdir=$(dirname "$(dirname "$pc")")
san=""
[ -n "$sanitize" ] && san="-fsanitize=$sanitize"
case "$mode" in
pkg-config)
    export PKG_CONFIG_PATH="$libdir/pkgconfig"
    flags=$(pkg-config --cflags --libs karak)
    echo "pkg-config --cflags --libs karak: $flags"
    # shellcheck disable=SC2086
    "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror $san "$src/consumer.c" -o "$work/consumer" \
        $flags -Wl,-rpath,"$libdir"
    ;;
cmake)
    cmake -S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
        -DCMAKE_BUILD_RPATH="$libdir" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
    cmake --build "$work/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
    cp "$work/build/consumer" "$work/consumer"
    ;;
*)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
"$work/consumer"
