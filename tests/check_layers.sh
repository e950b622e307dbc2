#!/bin/sh
# usage: check_layers.sh lib/      or      check_layers.sh --self-test
# lib/ is layered and dependencies point down only:
#   util  <- json <- schema <- core <- server
#   util  <- http <- core
# A file may include its own layer's header and those of the layers below it; this fails,
# naming the file, when an #include points up or sideways.
set -eu
if [ "$1" = --self-test ]; then
    # The check must catch an upward include: a util file reaching into core.
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/util" "$tmp/core"
    printf '#include "util/util.h"\n' >"$tmp/core/ok.c"
    printf '#include "core/core.h"\n' >"$tmp/util/bad.c"
    if "$0" "$tmp" 2>/dev/null; then
        echo "self-test: an upward include was not caught" >&2
        exit 1
    fi
    printf '#include "../core/core.h"\n' >"$tmp/util/bad.c"
    if "$0" "$tmp" 2>/dev/null; then
        echo "self-test: a relative upward include was not caught" >&2
        exit 1
    fi
    echo "self-test: upward includes are caught, by layer name or relative path"
    exit 0
fi
libdir=$1
allowed() {
    case $1 in
    util) echo "util" ;;
    json) echo "util json" ;;
    http) echo "util http" ;;
    schema) echo "util json schema" ;;
    core) echo "util json http schema core" ;;
    server) echo "util json http schema core server" ;;
    *) echo "" ;;
    esac
}
status=0
for dir in "$libdir"/*/; do
    layer=$(basename "$dir")
    ok=$(allowed "$layer")
    if [ -z "$ok" ]; then
        echo "lib/$layer/: not a known layer (add it to check_layers.sh and CMakeLists.txt)" >&2
        status=1
        continue
    fi
    for f in "$dir"*.c "$dir"*.h; do
        [ -e "$f" ] || continue
        for target in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z]*\)\/.*/\1/p' "$f"); do
            case " $ok " in
            *" $target "*) ;;
            *)
                echo "lib/$layer/$(basename "$f") includes $target/, above or beside its layer" >&2
                status=1
                ;;
            esac
        done
    done
done
# a relative path would slip past the layer names: every include names its layer
rel=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*\.\./' "$libdir" || true)
if [ -n "$rel" ]; then
    echo "includes by relative path (name the layer instead): $rel" >&2
    status=1
fi
loose=$(find "$libdir" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \))
if [ -n "$loose" ]; then
    echo "files outside a layer folder: $loose" >&2
    status=1
fi
[ $status -eq 0 ] && echo "lib/ layers: every #include points down"
exit $status
