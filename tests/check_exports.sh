#!/bin/sh
# usage: check_exports.sh libkarak.so include/karak.h
set -eu
lib=$1 header=$2
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^karak_/ {print $3}')
if [ -n "$bad" ]; then
    echo "symbols exported without the karak_ prefix:" >&2
    echo "$bad" >&2
    exit 1
fi
n=$(nm -D --defined-only "$lib" | awk '$3 ~ /^karak_/' | wc -l)
echo "$n exported symbols, all karak_*"
inc=$(grep -E '^[[:space:]]*#[[:space:]]*include' "$header" | grep -vE '<(jansson|stdbool|stddef|stdint)\.h>' || true)
if [ -n "$inc" ]; then
    echo "karak.h includes more than jansson and the standard headers:" >&2
    echo "$inc" >&2
    exit 1
fi
echo "karak.h includes only <jansson.h>, <stdbool.h>, <stddef.h>, <stdint.h>"
