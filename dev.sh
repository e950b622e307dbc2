#!/usr/bin/env bash
# Developer entry point. Installs missing Debian packages (as root, or through sudo), builds
# with CMake into ./build and then:
#   ./dev.sh run [--port N ...]   builds and serves the Quick Start (127.0.0.1:8000)
#   ./dev.sh test                 builds and runs the whole test suite (ctest)
#   ./dev.sh deps | build         only installs the packages / only builds
# BUILD_DIR and CMAKE_ARGS (e.g. CMAKE_ARGS=-DKARAK_SANITIZE=address,undefined) adjust the build.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libpcre2-dev libsqlite3-dev check"
BUILD_DIR=${BUILD_DIR:-build}

deps() {
    local missing=""
    for p in $PACKAGES "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "dev.sh: installing$missing"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

build() {
    # shellcheck disable=SC2086
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-}
    cmake --build "$BUILD_DIR" -j"$(nproc)"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
run)
    deps
    build
    exec "$BUILD_DIR/examples/quickstart" "$@"
    ;;
test)
    deps
    build
    cd "$BUILD_DIR"
    exec ctest --output-on-failure "$@"
    ;;
deps) deps "$@" ;;
build) deps && build ;;
*)
    echo "usage: $0 run [quickstart options] | test [ctest options] | deps [packages] | build" >&2
    exit 2
    ;;
esac
