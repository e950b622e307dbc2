#!/usr/bin/env bash
# usage: deploy_nginx.sh QUICKSTART_BINARY NGINX_CONF
# The deployment of examples/deploy/, under load: two Quick Start instances behind nginx
# with NGINX_CONF (its ports replaced by free ones, nothing else changed), restarted one at a
# time while wrk sends requests through nginx.
#   phase 1: wrk GET /items/42; instance A gets SIGTERM in the middle, is started again
#            once it has exited;
#   phase 2: wrk GET /items/42 and wrk GET / at once; the same for instance B.
# Each phase passes when wrk reports no socket error and no non-2xx answer, nginx logged no
# 5xx, the stopped instance exited 0 (its drain), the other one answered while it was away,
# and the restarted one answered again (nginx took it back after fail_timeout). The counts
# come from nginx's access log, which names the instance that answered ($upstream_addr).
# Without nginx or wrk (and not root to apt-get them) it prints SKIP and exits 77.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 QUICKSTART_BINARY NGINX_CONF" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/npm_cache.sh" # skip, apt_need
bin=$1 conf=$2
PATH=$PATH:/usr/sbin:/sbin # nginx lives in /usr/sbin, outside a user's PATH on Debian

apt_need nginx nginx || skip "nginx is not installed (Debian: apt-get install nginx, as root)"
apt_need wrk wrk || skip "wrk is not installed (Debian: apt-get install wrk, as root)"

DURATION=6  # seconds of load per phase
KILL_AT=2   # seconds into the phase
DEADLINE=50 # the whole test, whatever happens (ctest's TIMEOUT is 60)

work=$(mktemp -d "${TMPDIR:-/tmp}/deploy_nginx.XXXXXX")
chmod 755 "$work" # as root, nginx's workers run as nobody and must reach the prefix
prefix=$work/nginx
mkdir "$prefix"
declare -A pid=() port=() starts=()
nginx_pid="" watchdog="" wrk_pids=()

# SIGTERM, then SIGKILL after 5 s, and reap.
stop_pid() {
    local p=$1 i=0
    kill -TERM "$p" 2>/dev/null || return 0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}

cleanup() {
    local rc=$? p workers=""
    trap - EXIT INT TERM
    set +e # everything below is tried, whatever fails
    if [ -n "$watchdog" ]; then
        kill "$watchdog" 2>/dev/null
        wait "$watchdog" 2>/dev/null
    fi
    for p in "${wrk_pids[@]}"; do stop_pid "$p"; done
    if [ -n "$nginx_pid" ]; then
        workers=$(pgrep -P "$nginx_pid" || true) # its workers, should the master not stop them
        stop_pid "$nginx_pid"
        for p in $workers; do kill -KILL "$p" 2>/dev/null; done
    fi
    for p in "${pid[@]}"; do stop_pid "$p"; done
    if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
        for f in "$prefix/error.log" "$work"/*.log; do
            [ -s "$f" ] || continue
            echo "--- last lines of $f"
            tail -n 15 "$f"
        done
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
(
    sleep $DEADLINE &
    trap 'kill $! 2>/dev/null; wait $! || true; exit 0' TERM
    wait $! && echo "FAIL: still running after $DEADLINE s" >&2 && kill -TERM $$
) &
watchdog=$!

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

now() { date +%s.%N; }

# http_status PORT PATH: the status of GET PATH on 127.0.0.1:PORT, empty when refused.
http_status() {
    local status=""
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
    IFS=' ' read -r -t 2 _ status _ <&3 || true
    exec 3<&- 3>&-
    echo "$status"
}

# start_instance NAME PORT: the Quick Start on 127.0.0.1:PORT (0: any free port); sets
# pid[NAME] and port[NAME] once it says where it serves.
start_instance() {
    local name=$1 n log i=0 p=""
    n=$((${starts[$name]:-0} + 1))
    starts[$name]=$n
    log=$work/$name.$n.log
    "$bin" --host 127.0.0.1 --port "$2" --workers 2 2>"$log" &
    pid[$name]=$!
    while [ $i -lt 100 ]; do
        p=$(sed -n 's|.*serving on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -n 1)
        [ -n "$p" ] && break
        kill -0 "${pid[$name]}" 2>/dev/null || fail "instance $name did not start (see $log)"
        sleep 0.05
        i=$((i + 1))
    done
    [ -n "$p" ] || fail "instance $name did not say where it serves"
    port[$name]=$p
}

# sigterm_instance NAME: SIGTERM at $killed_at; once it has exited, its status in $exit_rc
# and how long it took in $exit_after.
sigterm_instance() {
    local name=$1 p=${pid[$1]} i=0
    exit_rc=0
    killed_at=$(now)
    kill -TERM "$p"
    while kill -0 "$p" 2>/dev/null && [ $i -lt 120 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    kill -0 "$p" 2>/dev/null && fail "instance $name still running 6 s after SIGTERM"
    wait "$p" || exit_rc=$?
    exit_after=$(awk -v a="$killed_at" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
    unset "pid[$name]"
}

# start_nginx: NGINX_CONF with the instances' ports and a free listening port, in $prefix.
start_nginx() {
    local i
    for _ in 1 2 3 4 5; do
        nginx_port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-)
        [ -n "$(http_status "$nginx_port" /)" ] && continue
        sed -e "s/127\.0\.0\.1:8101/127.0.0.1:${port[A]}/" \
            -e "s/127\.0\.0\.1:8102/127.0.0.1:${port[B]}/" \
            -e "s/listen 127\.0\.0\.1:8100;/listen 127.0.0.1:$nginx_port;/" \
            "$conf" >"$work/nginx.conf"
        if ! grep -q "127.0.0.1:${port[A]} " "$work/nginx.conf" ||
            ! grep -q "127.0.0.1:${port[B]} " "$work/nginx.conf" ||
            ! grep -q "listen 127.0.0.1:$nginx_port;" "$work/nginx.conf"; then
            fail "$conf no longer has the ports 8101, 8102 and 'listen 127.0.0.1:8100;'"
        fi
        nginx -p "$prefix" -c "$work/nginx.conf" 2>"$work/nginx.stderr.log" &
        nginx_pid=$!
        for i in $(seq 50); do
            [ "$(http_status "$nginx_port" /items/42)" = 200 ] && return 0
            kill -0 "$nginx_pid" 2>/dev/null || break
            sleep 0.1
        done
        wait "$nginx_pid" 2>/dev/null || true
        nginx_pid=""
        grep -qs "Address already in use" "$work/nginx.stderr.log" "$prefix/error.log" ||
            fail "nginx did not start"
    done
    fail "no free port for nginx after 5 tries"
}

# served_by NAME: requests the access log says instance NAME answered, so far.
served_by() {
    grep -c "upstream=\([0-9.:]*, \)*127\.0\.0\.1:${port[$1]} upstream_status" \
        "$prefix/access.log" || true
}

# phase N VICTIM OTHER URL_PATH...: wrk on each path at once (32 connections in all) for
# DURATION s; VICTIM gets SIGTERM at KILL_AT s and is started again on its port once it has
# exited. Then the checks, and one summary line.
phase() {
    local n=$1 victim=$2 other=$3 path w=0 conns threads rc line0 line1 err0 t_kill t_back
    shift 3
    conns=$((32 / $#)) threads=$((2 / $#))
    if [ "$(served_by "$victim")" -eq 0 ] || [ "$(served_by "$other")" -eq 0 ]; then
        fail "phase $n: nginx does not send requests to both instances before it starts"
    fi
    line0=$(wc -l <"$prefix/access.log")
    err0=$(wc -l <"$prefix/error.log")
    wrk_pids=()
    for path in "$@"; do
        w=$((w + 1))
        timeout $((DURATION + 10)) wrk -t"$threads" -c"$conns" -d"${DURATION}s" \
            "http://127.0.0.1:$nginx_port$path" >"$work/wrk.$n.$w.out" 2>&1 &
        wrk_pids+=($!)
    done
    sleep $KILL_AT
    sigterm_instance "$victim"
    t_kill=$killed_at rc=$exit_rc
    start_instance "$victim" "${port[$victim]}"
    t_back=$(now)
    for w in "${!wrk_pids[@]}"; do
        wait "${wrk_pids[$w]}" || fail "phase $n: wrk failed: $(cat "$work/wrk.$n.$((w + 1)).out")"
    done
    wrk_pids=()
    sleep 0.2 # nginx logs a request after its answer
    line1=$(wc -l <"$prefix/access.log")

    local out wrk_total=0 wrk_bad=0 wrk_sockerr=0 req bad sockerr
    w=0
    for path in "$@"; do
        w=$((w + 1))
        out=$work/wrk.$n.$w.out
        sed 's/^/    /' "$out"
        req=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out")
        [ -n "$req" ] || fail "phase $n: no request count in wrk's output"
        bad=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$out")
        # "Socket errors: connect 0, read 3, write 0, timeout 0", only when there are some
        sockerr=$(sed -n 's/^ *Socket errors: *//p' "$out" | tr -c '0-9\n' ' ' |
            awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }')
        wrk_total=$((wrk_total + req)) wrk_bad=$((wrk_bad + ${bad:-0}))
        wrk_sockerr=$((wrk_sockerr + sockerr))
    done

    # The access log of this phase, split at the SIGTERM and at the restart ($msec).
    local counts
    counts=$(sed -n "$((line0 + 1)),${line1}p" "$prefix/access.log" | awk \
        -v tk="$t_kill" -v tb="$t_back" -v v="127.0.0.1:${port[$victim]}" \
        -v o="127.0.0.1:${port[$other]}" '
        {
            t = $4; status = $8
            u = $0; sub(/.* upstream=/, "", u); sub(/ upstream_status=.*/, "", u)
            k = split(u, a, ", "); who = a[k]
            p = t < tk ? 0 : t < tb ? 1 : 2
            total++
            if (who == v) { vc[p]++; if (p == 2 && (first == "" || t < first)) first = t }
            else if (who == o) oc[p]++
            if (k > 1) retried++
            if (status >= 500 || (status != 200 && status != 499)) failed++
            if (status == 499) gone++
        }
        END {
            printf "%d %d %d %d %d %d %d %d %d %d %s\n", total, vc[0], vc[1], vc[2], oc[0], oc[1],
                oc[2], retried, failed, gone, first == "" ? "-" : sprintf("%.1f", first - tb)
        }')
    local total v0 v1 v2 o0 o1 o2 retried failed gone back_after refused other_err
    read -r total v0 v1 v2 o0 o1 o2 retried failed gone back_after <<<"$counts"
    # Why nginx went to the other instance: a refused connection means nothing was sent,
    # which nginx retries for any method; a connection that broke after the request was
    # sent is retried for idempotent methods only.
    refused=$(tail -n +$((err0 + 1)) "$prefix/error.log" | grep -c "\[error\].*Connection refused" || true)
    other_err=$(tail -n +$((err0 + 1)) "$prefix/error.log" | grep "\[error\]" |
        grep -vc "Connection refused" || true)

    echo "deploy_nginx: phase $n (GET $*): wrk $wrk_total requests, $wrk_bad non-2xx," \
        "$wrk_sockerr socket errors; nginx logged $total answered by" \
        "$victim (:${port[$victim]}) $v0 before its SIGTERM / $v1 from the SIGTERM to its" \
        "restart / $v2 after (back in rotation ${back_after} s after the restart)," \
        "$other (:${port[$other]}) $o0 / $o1 / $o2; $retried retried on the other instance," \
        "$failed failed, $gone cut by wrk's end (499); nginx's error log: $refused refused" \
        "connections, $other_err other upstream errors; $victim exited $rc" \
        "${exit_after} s after SIGTERM"

    [ "$wrk_bad" -eq 0 ] || fail "phase $n: wrk got $wrk_bad non-2xx answers"
    [ "$wrk_sockerr" -eq 0 ] || fail "phase $n: wrk reports socket errors"
    [ "$failed" -eq 0 ] || fail "phase $n: nginx answered $failed requests with an error"
    [ "$rc" -eq 0 ] || fail "phase $n: instance $victim exited $rc after SIGTERM, not 0"
    [ "$v0" -gt 0 ] || fail "phase $n: instance $victim answered nothing before its SIGTERM"
    [ "$o1" -gt 0 ] || fail "phase $n: instance $other answered nothing while $victim was away"
    [ "$v2" -gt 0 ] || fail "phase $n: nginx did not take instance $victim back after its restart"
}

start_instance A 0
start_instance B 0
start_nginx
echo "nginx on 127.0.0.1:$nginx_port, instance A on :${port[A]}, B on :${port[B]}" \
    "($(nginx -v 2>&1 | sed 's/.*: //'), $(basename "$bin"))"
for i in $(seq 10); do # a few requests, so that both instances are seen answering
    [ "$(http_status "$nginx_port" /)" = 200 ] || fail "GET / through nginx is not a 200"
done

phase 1 A B /items/42
phase 2 B A /items/42 /
echo "deploy_nginx: both instances restarted under load, nothing lost"
