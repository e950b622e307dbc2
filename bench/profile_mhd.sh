#!/usr/bin/env bash
# Where the Quick Start's CPU goes while it serves one endpoint: `perf record` of the server
# (one I/O thread, keep-alive load from wrk), then the share of each library and the
# user-space functions at the top. The companion of compare_mhd.sh (the ratios) and
# instr_mhd.sh (the instruction counts).
#
#   bench/profile_mhd.sh            # ENDPOINTS="/ /items/42" DURATION=8 CONNS=50
#
# Needs: perf (linux-perf), wrk. Writes bench/results/compare_mhd_profile.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
DURATION=${DURATION:-8}
CONNS=${CONNS:-50}
ENDPOINTS=${ENDPOINTS:-"/ /items/42"}
out="$here/results/compare_mhd_profile.md"

"$root/dev.sh" deps wrk linux-perf >/dev/null
BUILD_DIR="$root/build-benchg" \
    CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DKARAK_BUILD_TESTS=OFF -DKARAK_BUILD_EXAMPLES=ON
                -DCMAKE_C_FLAGS=-fno-omit-frame-pointer" \
    "$root/dev.sh" build >/dev/null
work=$(mktemp -d)
spid=
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

port=18900
"$root/build-benchg/examples/quickstart" --port "$port" --workers 1 2>"$work/server.log" &
spid=$!
up=0
for _ in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && { up=1; break; }
    sleep 0.05
done
[ "$up" = 1 ] || { echo "the Quick Start did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

{
    echo "# perf profile of the Quick Start ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "build-benchg (Release, -fno-omit-frame-pointer), --workers 1, wrk -t1 -c$CONNS" \
        "-d${DURATION}s; perf record -F 2999 -g -p PID over $((DURATION - 3)) s of it;" \
        "perf report --no-children --sort dso[,symbol]. Command: \`bench/profile_mhd.sh\`."
} >"$out"

for ep in $ENDPOINTS; do
    wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port$ep" >"$work/wrk.txt" &
    wpid=$!
    sleep 1
    perf record -q -F 2999 -g -o "$work/perf.data" -p "$spid" -- sleep $((DURATION - 3)) \
        2>/dev/null
    wait "$wpid"
    {
        echo
        echo "## \`GET $ep\` ($(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s under perf)"
        echo
        echo "By library (share of all samples):"
        echo
        echo '```'
        perf report -i "$work/perf.data" --no-children --sort dso --stdio 2>/dev/null |
            grep -E '^ +[0-9.]+%' | head -8
        echo '```'
        echo
        echo "User-space functions, the first 30 (share of all samples):"
        echo
        echo '```'
        perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio -g none \
            2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v kernel.kallsyms | head -30 |
            sed 's/ *$//'
        echo '```'
    } >>"$out"
done
cat "$out"
