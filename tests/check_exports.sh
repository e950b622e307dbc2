#!/bin/sh
# usage: check_exports.sh libkarak.so include/
# The shared library exports karak_* symbols only, and the public headers include nothing
# but jansson, the standard headers they need and each other.
set -eu
lib=$1 incdir=$2
# (AddressSanitizer adds an __odr_asan.<name> guard beside each exported variable)
bad=$(nm -D --defined-only "$lib" |
      awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^karak_/ && $3 !~ /^__odr_asan\.karak_/ {print $3}')
if [ -n "$bad" ]; then
    echo "symbols exported without the karak_ prefix:" >&2
    echo "$bad" >&2
    exit 1
fi
n=$(nm -D --defined-only "$lib" | awk '$3 ~ /^karak_/' | wc -l)
echo "$n exported symbols, all karak_*"
inc=$(grep -HE '^[[:space:]]*#[[:space:]]*include' "$incdir/karak.h" "$incdir"/karak/*.h |
      grep -vE '<(jansson|stdbool|stddef|stdint)\.h>|<karak/[a-z]+\.h>' || true)
if [ -n "$inc" ]; then
    echo "public headers include more than jansson, the standard headers and karak/*.h:" >&2
    echo "$inc" >&2
    exit 1
fi
echo "public headers include only <jansson.h>, <stdbool.h>, <stddef.h>, <stdint.h>, <karak/*.h>"
