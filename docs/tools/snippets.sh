#!/bin/sh
# usage: snippets.sh --check [ROOT] | --update [ROOT] | --self-test
#
# Every C code block of the tutorial (docs/tutorial/*.md) is a verbatim region of a source
# file the project compiles. In the source, a region is delimited by two comment lines:
#     /* [tutorial:NAME] */
#     ...
#     /* [/tutorial:NAME] */
# (other marker lines inside it are left out of the copy, so regions may nest). In the
# markdown, the line before the block names the file and the region:
#     <!-- include: examples/tutorial.c tutorial:NAME -->
#     ```c
#     ...
#     ```
# --check  fails, naming the chapter, the line and the region, when a block differs from its
#          region, when a region or its file is missing, or when a ```c block has no
#          include line before it;
# --update rewrites each block from its region (then --check passes, unless a region is
#          missing);
# --self-test  checks that --check catches a changed source line, a missing marker and a C
#          block without an include line, and that --update repairs a stale block.
# ROOT is the repository (default: the one holding this script). POSIX sh and awk only.
set -eu

usage() {
    echo "usage: $0 --check [ROOT] | --update [ROOT] | --self-test" >&2
    exit 2
}

[ $# -ge 1 ] || usage
mode=$1
case $mode in
--check | --update) ;;
--self-test)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/docs/tutorial" "$tmp/src"
    printf '%s\n' 'int a;' '/* [tutorial:one] */' 'int b;' '    /* [tutorial:inner] */' \
        'int c;' '    /* [/tutorial:inner] */' '/* [/tutorial:one] */' >"$tmp/src/x.c"
    printf '%s\n' '# T' '<!-- include: src/x.c tutorial:one -->' '```c' 'int b;' 'int c;' \
        '```' '' '```sh' 'echo ok' '```' >"$tmp/docs/tutorial/01-t.md"
    fail() {
        echo "self-test: $1" >&2
        exit 1
    }
    sh "$0" --check "$tmp" >/dev/null 2>&1 || fail "a block equal to its region was refused"
    sed 's/int c;/int c = 1;/' "$tmp/src/x.c" >"$tmp/x" && cp "$tmp/x" "$tmp/src/x.c"
    sh "$0" --check "$tmp" >/dev/null 2>&1 && fail "a changed source line was not caught"
    sh "$0" --update "$tmp" >/dev/null 2>&1 || fail "--update failed"
    sh "$0" --check "$tmp" >/dev/null 2>&1 || fail "--update did not repair the block"
    grep -v 'tutorial:one] \*/' "$tmp/src/x.c" >"$tmp/x" && cp "$tmp/x" "$tmp/src/x.c"
    sh "$0" --check "$tmp" >/dev/null 2>&1 && fail "a missing source marker was not caught"
    printf '%s\n' '# T' '```c' 'int b;' '```' >"$tmp/docs/tutorial/01-t.md"
    sh "$0" --check "$tmp" >/dev/null 2>&1 && fail "a C block without an include was not caught"
    echo "self-test: changed lines, missing markers and unmarked C blocks are caught"
    exit 0
    ;;
*) usage ;;
esac

root=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"

# One chapter: prints the chapter as it should be on stdout, problems on stderr (exit 1).
awk_prog='
function marker(line) {
    return line ~ /^[ \t]*\/\* \[\/?tutorial:[A-Za-z0-9_.-]+\] \*\/[ \t]*$/
}
# The region `id` of `file` into REGION; "" when all is well, else what is wrong.
function load(file, id,    line, rc, open_, close_, starts, ends, inside) {
    REGION = ""
    open_ = "[" id "]"
    close_ = "[/" id "]"
    starts = ends = inside = 0
    while ((rc = (getline line < file)) > 0) {
        if (marker(line) && index(line, close_)) {
            if (!inside) { close(file); return "its end marker comes before its start" }
            inside = 0
            ends++
        } else if (marker(line) && index(line, open_)) {
            inside = 1
            starts++
        } else if (inside && !marker(line)) {
            REGION = REGION line "\n"
        }
    }
    close(file)
    if (rc < 0) return "the file cannot be read"
    if (starts == 0) return "the marker /* [" id "] */ is missing from the file"
    if (starts > 1) return "the file marks it more than once"
    if (ends == 0) return "the marker /* [/" id "] */ is missing from the file"
    return ""
}
function problem(msg) {
    printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
    bad = 1
}
BEGIN { state = "text" }
state == "text" && /^<!-- include: [^ ]+ [^ ]+ -->$/ {
    split($0, w, " ")
    file = w[3]
    id = w[4]
    at = FNR
    state = "include"
    print
    next
}
state == "include" {
    if ($0 != "```c") {
        problem("the include line of " file " " id " is not followed by a ```c block")
        state = "text"
        print
        next
    }
    state = "block"
    block = ""
    print
    next
}
state == "block" && $0 == "```" {
    why = load(file, id)
    if (why != "") {
        printf "%s:%d: %s %s: %s\n", FILENAME, at, file, id, why > "/dev/stderr"
        bad = 1
        printf "%s", block
    } else {
        if (block != REGION) {
            if (mode == "--check")
                printf "%s:%d: the block differs from %s %s (run docs/tools/snippets.sh --update)\n", FILENAME, at, file, id > "/dev/stderr"
            if (mode == "--check") bad = 1
        }
        printf "%s", (mode == "--update" ? REGION : block)
    }
    state = "text"
    print
    next
}
state == "block" { block = block $0 "\n"; next }
state == "text" && /^```[cC][ \t]*$/ {
    problem("a C code block without an include line before it")
    state = "other"
    print
    next
}
state == "text" && /^```/ { state = "other"; print; next }
state == "other" && /^```[ \t]*$/ { state = "text"; print; next }
{ print }
END {
    if (state == "block") problem("a ```c block is not closed")
    exit bad
}
'

status=0
found=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for md in docs/tutorial/*.md; do
    [ -f "$md" ] || continue
    found=1
    if ! awk -v mode="$mode" "$awk_prog" "$md" >"$out"; then
        status=1
    fi
    if [ "$mode" = --update ] && ! cmp -s "$md" "$out"; then
        cp "$out" "$md"
        echo "updated $md"
    fi
done
if [ "$found" = 0 ]; then
    echo "$0: no docs/tutorial/*.md under $root" >&2
    exit 1
fi
if [ "$mode" = --check ] && [ "$status" = 0 ]; then
    echo "docs snippets: every C block matches its source region"
fi
exit "$status"
