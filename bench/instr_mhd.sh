#!/usr/bin/env bash
# What a request costs in instructions: libkarak's Quick Start beside the hand-written
# libmicrohttpd server (bench/peers/mhd_server.c), each under valgrind's callgrind, counting
# every user-space instruction of the server process (libkarak, libmicrohttpd, jansson, libc)
# per request. Unlike req/s and CPU time, the count does not move with the machine's load or
# clock, so a difference of a few per cent shows; what it leaves out is the kernel, which
# `strace -c` shows does the same work for both: one recvfrom and one sendmsg per keep-alive
# request.
#
#   bench/instr_mhd.sh              # DURATION=4 CONNS=10 ENDPOINTS="/ /items/42"
#
# For each server and endpoint: start under callgrind, warm up with wrk for 1 s, zero the
# counters, run wrk for DURATION seconds, dump. Requests are counted in the dump itself
# (calls of MHD_queue_response, once per response in every server here), not from wrk.
# Reported per request: all instructions, and those besides glibc's memset, which here is
# libmicrohttpd 0.9.75 zeroing its connection pool: 16 KiB when the read buffer shrinks for
# the response (MHD_pool_reallocate) and the whole 32 KiB when the request ends
# (MHD_pool_reset), in every server alike. Callgrind counts `rep stosb` as one instruction
# per byte, so those 48 KiB weigh 49,152 "instructions", far more than their real cost
# (about a tenth of the CPU in a perf profile). Writes bench/results/instr_mhd.md. Needs:
# valgrind, wrk, libsqlite3-dev (the peer's common.h).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PEERS=${PEERS:-$here/peers}
DURATION=${DURATION:-4}
CONNS=${CONNS:-10}
ENDPOINTS=${ENDPOINTS:-"/ /items/42"}
out="$here/results/instr_mhd.md"

"$root/dev.sh" deps wrk valgrind libsqlite3-dev >/dev/null
BUILD_DIR="$root/build-bench" CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DKARAK_BUILD_TESTS=OFF" \
    "$root/dev.sh" build >/dev/null
work=$(mktemp -d)
vpid=
cleanup() { [ -n "$vpid" ] && kill "$vpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
cc -O2 -o "$work/mhd_server" "$PEERS/mhd_server.c" \
    $(pkg-config --cflags --libs libmicrohttpd jansson sqlite3) -lpthread

free_port() { local p; for p in $(seq "$1" $(( $1 + 100 ))); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }; done; }
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return
        sleep 0.05
    done
    echo "server on port $1 did not start" >&2
    exit 1
}

# measure NAME PATH CMD... -> "requests Ir_per_request Ir_per_request_besides_the_memset"
measure() {
    local name=$1 path=$2; shift 2
    local port; port=$(free_port 18600)
    rm -f "$work/cg.$name".*
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.$name.%p" "$@" --port "$port" \
        >/dev/null 2>"$work/vg.$name.log" &
    vpid=$!
    wait_port "$port"
    wrk -t1 -c"$CONNS" -d1s "http://127.0.0.1:$port$path" >/dev/null
    callgrind_control -z "$vpid" >/dev/null
    sleep 0.5 # (valgrind takes the command at its next look, within milliseconds)
    wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$port$path" >/dev/null
    callgrind_control -d "$vpid" >/dev/null
    local dump=
    for _ in $(seq 100); do # the dump is written when valgrind next looks at its commands
        dump=$(ls "$work/cg.$name".*.1 2>/dev/null | head -1)
        [ -n "$dump" ] && [ -s "$dump" ] && break
        sleep 0.1
    done
    sleep 0.5
    kill -INT "$vpid"; wait "$vpid" 2>/dev/null || true; vpid=""
    # callgrind names a function once, "(id) name", and by "(id)" alone after that
    local calls; calls=$(awk '
        /^c?fn=\(/ {id = substr($1, index($1, "(")); if (NF > 1) name[id] = $2}
        /^cfn=/ {q = name[id] == "MHD_queue_response"}
        /^calls=/ && q {split($1, c, "="); n += c[2]} END {print n + 0}' "$dump")
    callgrind_annotate --threshold=100 "$dump" 2>/dev/null | awk -v n="$calls" '
        /PROGRAM TOTALS/ {gsub(",", "", $1); t = $1}
        /memset/ && /libc/ {gsub(",", "", $1); m += $1}
        END {if (n == 0) {print "0 0 0"; exit}
             printf "%d %.0f %.0f\n", n, t / n, (t - m) / n}'
}

{
    echo "# Instructions per request: libkarak vs raw libmicrohttpd ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "valgrind --tool=callgrind, one I/O thread each, wrk -t1 -c$CONNS -d${DURATION}s" \
        "keep-alive after 1 s of warm-up; user-space instructions of the server process per" \
        "request."
    echo "libmicrohttpd $(dpkg-query -W -f='${Version}' libmicrohttpd-dev)," \
        "jansson $(dpkg-query -W -f='${Version}' libjansson-dev), $(cc --version | head -1)," \
        "$(valgrind --version)"
    echo
    echo "| endpoint | server | requests counted | instructions / request |" \
        "besides the pool zeroing (memset) | ÷ raw |"
    echo "|---|---|---:|---:|---:|---:|"
} >"$out"

qs="$root/build-bench/examples/quickstart"
for ep in $ENDPOINTS; do
    read -r rn ra rb < <(measure raw "$ep" "$work/mhd_server" --threads 1)
    for s in k n m j; do
        case $s in
        k) name="libkarak quickstart"; r=$(measure k "$ep" "$qs" --workers 1) ;;
        n) name="libkarak quickstart --no-memo"; r=$(measure n "$ep" "$qs" --workers 1 --no-memo) ;;
        m) name="libmicrohttpd by hand, raw"; r="$rn $ra $rb" ;;
        j) name="libmicrohttpd by hand, jansson bodies"
           r=$(measure j "$ep" "$work/mhd_server" --threads 1 --json jansson) ;;
        esac
        read -r n all besides <<<"$r"
        printf '| `GET %s` | %s | %s | %s | %s | %s |\n' "$ep" "$name" "$n" "$all" "$besides" \
            "$(awk -v a="$besides" -v b="$rb" 'BEGIN {printf "%.2f×", (b > 0 ? a / b : 0)}')" \
            >>"$out"
    done
done
cat "$out"
