#!/usr/bin/env bash
# The handler pool's costs and benefits (bench/pool_app.c and tests/test_pool.c's server),
# in one run, written to bench/results/pool.md:
#   1. the hand-over: the same small answer on an inline route, on a pool route and on a
#      KARAK_RUN_AUTO route (the default), interleaved REPS times: median req/s and server
#      CPU µs per request;
#   2. CPU-bound /cpu (100,000 multiply-adds per request) with 1 and 2 I/O threads: how
#      inline work scales with --workers, and the same on the pool (--threads 1 and 2).
#
#   bench/pool.sh            # DURATION=5 REPS=3 CONNS=32
# Needs: wrk. wrk -t1 shares the machine's CPUs with the server: prefer the CPU column.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
DURATION=${DURATION:-5}
REPS=${REPS:-3}
CONNS=${CONNS:-32}
out="$here/results/pool.md"

"$root/dev.sh" deps wrk >/dev/null
BUILD_DIR="$root/build-bench" \
    CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DKARAK_BUILD_TESTS=OFF -DKARAK_BUILD_BENCH=ON" \
    "$root/dev.sh" build >/dev/null
app="$root/build-bench/bench/pool_app"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

free_port() { local p; for p in $(seq "$1" $(( $1 + 100 ))); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }; done; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done
    echo "server on port $1 did not start" >&2; exit 1; }
start() { # start WORKERS THREADS
    [ -n "$pid" ] && { kill "$pid"; wait "$pid" 2>/dev/null || true; }
    port=$(free_port 18400)
    "$app" --port "$port" --workers "$1" --threads "$2" 2>"$work/server.log" &
    pid=$!
    wait_port "$port"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
# run_wrk PATH -> "req/s requests errors cpu_us_per_req"
run_wrk() {
    local before after log="$work/wrk.txt"
    before=$(cpu_ticks "$pid")
    wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s "http://127.0.0.1:$port$1" >"$log"
    after=$(cpu_ticks "$pid")
    awk -v ticks=$((after - before)) -v tck="$tck" '
        /Requests\/sec/ {rps=$2}
        / requests in / {req=$1}
        /Socket errors/ {gsub(",",""); err=$4+$6+$8+$10}
        /Non-2xx/ {err+=$NF}
        END {printf "%.0f %d %d %.2f\n", rps, req, err+0, (req ? ticks*1e6/tck/req : 0)}' "$log"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# measure LABEL PATH...: REPS interleaved runs of each path; one table row per path
measure() {
    local label=$1; shift
    for p in "$@"; do : >"$work/$(echo "$p" | tr / _).txt"; done
    for _ in $(seq "$REPS"); do
        for p in "$@"; do run_wrk "$p" >>"$work/$(echo "$p" | tr / _).txt"; done
    done
    for p in "$@"; do
        f="$work/$(echo "$p" | tr / _).txt"
        printf '| %s | `GET %s` | %s | %s | %s | %s |\n' "$label" "$p" \
            "$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f4 "$f" | median)" \
            "$(awk '{s+=$3} END {print s}' "$f")" "$(cut -d' ' -f1 "$f" | paste -sd' ')" >>"$out"
    done
}

{
    echo "# The handler pool ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "\`bench/pool.sh\`: wrk -t1 -c$CONNS -d${DURATION}s keep-alive, $REPS interleaved reps, medians."
    echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared by wrk and the server."
    echo "libmicrohttpd $(dpkg-query -W -f='${Version}' libmicrohttpd-dev), $(cc --version | head -1)"
    echo
    echo "| server | endpoint | req/s | server CPU µs/req | errors | req/s runs |"
    echo "|---|---|---:|---:|---:|---|"
} >"$out"

start 1 40
measure "1 I/O thread" /inline /pool /auto
start 2 40
measure "2 I/O threads" /inline /pool /auto
start 1 1
measure "1 I/O thread, 1 pool thread" /cpu /cpu-pool
start 2 2
measure "2 I/O threads, 2 pool threads" /cpu /cpu-pool
cat >>"$out" <<'TEXT'

How to read it:
- `/inline`, `/pool` and `/auto` answer the same 27 bytes. The difference between `/pool` and
  `/inline` is the hand-over: suspending the connection, queueing the job, waking a pool
  thread, resuming the connection and waking its I/O thread again: two context switches
  and some system calls per request. That is why the default (`KARAK_RUN_AUTO`, the
  `/auto` row) keeps a route inline until it has shown it blocks: for a handler that
  blocks for a millisecond, the hand-over is a few percent; for a 12 µs request it would
  triple the cost. `/auto` costs what `/inline` does (two clock reads per request).
- `/cpu` is CPU-bound (100,000 multiply-adds per request). With 1 I/O thread one core does
  the work; with 2 it scales as far as wrk, which shares the two cores, lets it. On the
  pool, the I/O thread and the pool thread overlap, which helps on one I/O thread and costs
  the hand-over on two.
- What a blocking handler does to its neighbours is in tests/test_pool.c (its stderr line):
  20 requests of 200 ms each on the pool, and GET / on the same single I/O thread is not
  held up by them; the same 20 inline hold it up for seconds.
TEXT
cat "$out"
