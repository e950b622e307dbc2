#!/usr/bin/env bash
# libkarak's Quick Start against a hand-written libmicrohttpd server (bench/peers/mhd_server.c,
# the peer of the cross-framework harness), measured back to back in one run with wrk. The peer runs
# twice: with bodies built once at start-up ("raw", the engine's floor) and with every body
# built per request through jansson ("jansson", what any framework serialising per request
# must at least do). libkarak runs twice too: as it serves by default (a route that reads
# nothing keeps its constant answer as a built response: `/` here) and with --no-memo (every
# response built per request, as for any route whose answer varies).
#
#   bench/compare_mhd.sh            # DURATION=5 REPS=3 CONNS=50 WORKERS=2 PIN=0
#   WORKERS=1 PIN=1 REPS=7 bench/compare_mhd.sh   # one I/O thread each, the servers on CPU 1
#                                                 # and wrk on CPU 0 (taskset): less noise
#   KARAK_FLAGS="--conn-memory 8192" OUT=/tmp/x.md bench/compare_mhd.sh   # libkarak tuned
#
# For each endpoint and repetition the four servers are measured one after the other (so
# drift hits both), wrk -t1 -cCONNS keep-alive. Reported: median req/s, median server CPU
# µs per request (utime+stime of the server process over the run / requests: less noisy than
# req/s on a 2-core box where wrk and the server share the CPUs), socket errors and non-2xx.
# Then "side by side": each server loaded at the same time as the raw peer, the ratio of their
# CPU per request taken run by run (the steadier figure on a machine whose speed wanders).
# Then one run with "Connection: close" against libkarak, to show what losing keep-alive costs.
# Writes bench/results/compare_mhd.md. Needs: wrk, libsqlite3-dev (the peer's common.h).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
PEERS=${PEERS:-$here/peers}
DURATION=${DURATION:-5}
REPS=${REPS:-3}
CONNS=${CONNS:-50}
WORKERS=${WORKERS:-2}
ENDPOINTS=${ENDPOINTS:-"/ /items/42"}
PIN=${PIN:-0}
suffix=; [ "$WORKERS" = 1 ] && suffix=_workers1; [ "$PIN" = 1 ] && suffix="${suffix}_pinned"
out=${OUT:-$here/results/compare_mhd$suffix.md}
# more flags for both libkarak servers, e.g. KARAK_FLAGS="--conn-memory 8192"
read -r -a karak_flags <<<"${KARAK_FLAGS:-}"
on_server=(); on_client=()
if [ "$PIN" = 1 ]; then on_server=(taskset -c 1); on_client=(taskset -c 0); fi

"$root/dev.sh" deps wrk libsqlite3-dev >/dev/null
BUILD_DIR="$root/build-bench" CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release -DKARAK_BUILD_TESTS=OFF" \
    "$root/dev.sh" build >/dev/null
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM
cc -O2 -o "$work/mhd_server" "$PEERS/mhd_server.c" \
    $(pkg-config --cflags --libs libmicrohttpd jansson sqlite3) -lpthread

free_port() { local p; for p in $(seq "$1" $(( $1 + 100 ))); do
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }; done; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return; sleep 0.05; done
    echo "server on port $1 did not start" >&2; exit 1; }

kport=$(free_port 18100)
"${on_server[@]}" "$root/build-bench/examples/quickstart" --port "$kport" --workers "$WORKERS" \
    "${karak_flags[@]}" 2>"$work/karak.log" &
pids+=($!); kpid=$!
nport=$(free_port 18150)
"${on_server[@]}" "$root/build-bench/examples/quickstart" --port "$nport" --workers "$WORKERS" \
    --no-memo "${karak_flags[@]}" 2>"$work/karakn.log" &
pids+=($!); npid=$!
mport=$(free_port 18200)
"${on_server[@]}" "$work/mhd_server" --port "$mport" --threads "$WORKERS" 2>"$work/mhd.log" &
pids+=($!); mpid=$!
jport=$(free_port 18300)
"${on_server[@]}" "$work/mhd_server" --port "$jport" --threads "$WORKERS" --json jansson \
    2>"$work/mhdj.log" &
pids+=($!); jpid=$!
wait_port "$kport"; wait_port "$nport"; wait_port "$mport"; wait_port "$jport"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

# run_wrk PID URL [extra wrk args] -> "req/s requests errors non2xx cpu_us_per_req"
run_wrk() {
    local pid=$1 url=$2; shift 2
    local before after log="$work/wrk.txt"
    before=$(cpu_ticks "$pid")
    "${on_client[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s "$@" "$url" >"$log"
    after=$(cpu_ticks "$pid")
    awk -v ticks=$((after - before)) -v tck="$tck" '
        /Requests\/sec/ {rps=$2}
        / requests in / {req=$1}
        /Socket errors/ {gsub(",",""); err=$4+$6+$8+$10}
        /Non-2xx/ {non2xx=$NF}
        END {printf "%.0f %d %d %d %.2f\n", rps, req, err+0, non2xx+0, (req ? ticks*1e6/tck/req : 0)}' "$log"
}

# run_pair PID_A URL_A PID_B URL_B -> "cpu_us_per_req_a cpu_us_per_req_b": both servers loaded
# at the same time by a wrk each, so that whatever the machine does meanwhile (its clock,
# other tenants) hits both alike; the ratio of the two is steadier than that of runs taken
# one after the other.
run_pair() {
    local a=$1 ua=$2 b=$3 ub=$4 a0 b0 a1 b1 w
    a0=$(cpu_ticks "$a"); b0=$(cpu_ticks "$b")
    "${on_client[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s "$ua" >"$work/pa.txt" &
    w=$!
    "${on_client[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s "$ub" >"$work/pb.txt"
    wait "$w"
    a1=$(cpu_ticks "$a"); b1=$(cpu_ticks "$b")
    awk -v ta=$((a1 - a0)) -v tb=$((b1 - b0)) -v tck="$tck" \
        -v ra="$(awk '/ requests in / {print $1}' "$work/pa.txt")" \
        -v rb="$(awk '/ requests in / {print $1}' "$work/pb.txt")" \
        'BEGIN {printf "%.2f %.2f\n", (ra ? ta*1e6/tck/ra : 0), (rb ? tb*1e6/tck/rb : 0)}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

{
    echo "# libkarak vs raw libmicrohttpd ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "wrk -t1 -c$CONNS -d${DURATION}s keep-alive, $REPS reps interleaved, medians; $WORKERS worker threads each;"
    [ "$PIN" = 1 ] && echo "pinned: every server on CPU 1, wrk on CPU 0 (taskset);"
    [ -n "${KARAK_FLAGS:-}" ] && echo "libkarak's servers with $KARAK_FLAGS;"
    echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), wrk and servers share them."
    echo "libmicrohttpd $(dpkg-query -W -f='${Version}' libmicrohttpd-dev), jansson $(dpkg-query -W -f='${Version}' libjansson-dev), $(cc --version | head -1)"
    echo
    echo "| endpoint | server | req/s (median) | server CPU µs/req (median) | CPU ÷ raw |" \
        "socket errors | non-2xx | req/s runs |"
    echo "|---|---|---:|---:|---:|---:|---:|---|"
} >"$out"

for ep in $ENDPOINTS; do
    : >"$work/k.txt"; : >"$work/n.txt"; : >"$work/m.txt"; : >"$work/j.txt"
    for _ in $(seq "$REPS"); do
        run_wrk "$kpid" "http://127.0.0.1:$kport$ep" >>"$work/k.txt"
        run_wrk "$npid" "http://127.0.0.1:$nport$ep" >>"$work/n.txt"
        run_wrk "$mpid" "http://127.0.0.1:$mport$ep" >>"$work/m.txt"
        run_wrk "$jpid" "http://127.0.0.1:$jport$ep" >>"$work/j.txt"
    done
    raw=$(cut -d' ' -f5 "$work/m.txt" | median)
    for s in k n m j; do
        case $s in
        k) name="libkarak quickstart" ;;
        n) name="libkarak quickstart --no-memo" ;;
        m) name="libmicrohttpd by hand, raw (mhd_server.c)" ;;
        j) name="libmicrohttpd by hand, jansson bodies (mhd_server.c --json jansson)" ;;
        esac
        f="$work/$s.txt"
        us=$(cut -d' ' -f5 "$f" | median)
        printf '| `GET %s` | %s | %s | %s | %s | %s | %s | %s |\n' "$ep" "$name" \
            "$(cut -d' ' -f1 "$f" | median)" "$us" "$(awk -v a="$us" -v b="$raw" \
            'BEGIN {printf "%.2f×", (b > 0 ? a / b : 0)}')" \
            "$(awk '{s+=$3} END {print s}' "$f")" "$(awk '{s+=$4} END {print s}' "$f")" \
            "$(cut -d' ' -f1 "$f" | paste -sd' ')" >>"$out"
    done
done

{
    echo
    echo "## Side by side"
    echo
    echo "Each server loaded at the same time as the raw one (a wrk each, both as above), $REPS runs;"
    echo "the ratio of their CPU µs per request in each run, and the median of those ratios."
    echo
    echo "| endpoint | server | CPU µs/req (median) | raw's, same runs (median) |" \
        "CPU ÷ raw (median) | ratios |"
    echo "|---|---|---:|---:|---:|---|"
} >>"$out"
for ep in $ENDPOINTS; do
    for s in k n j; do
        case $s in
        k) name="libkarak quickstart"; pid=$kpid; port=$kport ;;
        n) name="libkarak quickstart --no-memo"; pid=$npid; port=$nport ;;
        j) name="libmicrohttpd by hand, jansson bodies"; pid=$jpid; port=$jport ;;
        esac
        : >"$work/pair.txt"
        for _ in $(seq "$REPS"); do
            run_pair "$pid" "http://127.0.0.1:$port$ep" "$mpid" "http://127.0.0.1:$mport$ep" \
                >>"$work/pair.txt"
        done
        printf '| `GET %s` | %s | %s | %s | %s | %s |\n' "$ep" "$name" \
            "$(cut -d' ' -f1 "$work/pair.txt" | median)" \
            "$(cut -d' ' -f2 "$work/pair.txt" | median)" \
            "$(awk '$2 > 0 {printf "%.3f\n", $1 / $2}' "$work/pair.txt" | median)×" \
            "$(awk '$2 > 0 {printf "%.2f ", $1 / $2}' "$work/pair.txt" | sed 's/ $//')" >>"$out"
    done
done

read -r rps req err non2xx us < <(run_wrk "$kpid" "http://127.0.0.1:$kport/" -H "Connection: close")
{
    echo
    echo "Same libkarak server with \`-H 'Connection: close'\` (a new TCP connection per request):"
    echo "$rps req/s, $us server CPU µs/req, $err socket errors. Keep-alive is what the table above measures."
} >>"$out"
cat "$out"
