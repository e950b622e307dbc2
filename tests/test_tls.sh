#!/usr/bin/env bash
# usage: test_tls.sh QUICKSTART_BINARY
# HTTPS, black-box: a self-signed certificate made here (openssl), examples/quickstart
# started with --cert/--key on a free port, and requests over TLS (curl --cacert, openssl
# s_client): the Quick Start's statuses and bodies, keep-alive and pipelining on one TLS
# connection, a 307 whose Location says https://. What libkarak would otherwise write to the
# socket in plaintext (a chunked body beyond the limit, an unparsable Content-Length, a
# full connection table) closes the connection instead, and a plaintext request to the TLS
# port is closed at once, a client that never starts its handshake at the header deadline;
# the server goes on serving after each and exits 0 on SIGTERM.
# A start with a missing or mismatched key fails, naming the file. Without openssl or curl
# (and not root to apt-get them), or with a libmicrohttpd built without TLS, it prints SKIP
# and exits 77.
set -u
[ $# -eq 1 ] || { echo "usage: $0 QUICKSTART_BINARY" >&2; exit 2; }
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/npm_cache.sh" # skip, apt_need
apt_need openssl openssl || skip "openssl is not installed (Debian: apt-get install openssl)"
apt_need curl curl || skip "curl is not installed (Debian: apt-get install curl)"

work=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
pass() {
    echo "ok: $*"
}

cert=$work/cert.pem
key=$work/key.pem
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$key" -out "$cert" >"$work/openssl.log" 2>&1; then
    cat "$work/openssl.log"
    echo "FAIL: openssl could not make a self-signed certificate"
    exit 1
fi
other_key=$work/other-key.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$other_key" 2>/dev/null ||
    { echo "FAIL: openssl could not make a second key"; exit 1; }

# start NAME ARGS...: runs the Quick Start with ARGS, its log in $work/NAME.log; sets $port
# and $pid once it logs "serving on https://127.0.0.1:PORT" (10 s at most).
start() {
    local name=$1
    shift
    "$bin" --port 0 --workers 2 "$@" 2>"$work/$name.log" &
    pid=$!
    pids="$pids $pid"
    port=""
    for _ in $(seq 100); do
        port=$(sed -n 's|.*serving on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$work/$name.log")
        [ -n "$port" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q 'built without TLS' "$work/$name.log" && skip "$(cat "$work/$name.log")"
    cat "$work/$name.log"
    echo "FAIL: $name did not start serving HTTPS"
    exit 1
}

# stop NAME PID: SIGTERM, and the exit status must be 0 within 15 s.
stop() {
    kill -TERM "$2"
    local rc=""
    for _ in $(seq 150); do
        if ! kill -0 "$2" 2>/dev/null; then
            wait "$2"
            rc=$?
            break
        fi
        sleep 0.1
    done
    if [ "$rc" = 0 ]; then pass "$1 exits 0 on SIGTERM"; else fail "$1 exit status '$rc' on SIGTERM"; cat "$work/$1.log"; fi
}

# https PATH [CURL_ARGS...]: one request with curl over TLS, checked against the
# certificate; sets $status, $body and curl's exit status $crc.
https() {
    local path=$1
    shift
    rm -f "$work/body"
    status=$(curl -sS -m 10 --cacert "$cert" --resolve "localhost:$port:127.0.0.1" \
        -o "$work/body" -w '%{http_code}' "$@" "https://localhost:$port$path" 2>"$work/curl.err")
    crc=$?
    body=$(cat "$work/body" 2>/dev/null)
}

# expect NAME STATUS BODY PATH [CURL_ARGS...]
expect() {
    local name=$1 want_status=$2 want_body=$3
    shift 3
    https "$@"
    if [ "$status" = "$want_status" ] && [ "$body" = "$want_body" ]; then
        pass "$name: $status"
    else
        fail "$name: got $status '$body' ($(cat "$work/curl.err")), expected $want_status '$want_body'"
    fi
}

# tls_raw DATA: DATA (printf %b) written into one TLS connection (openssl s_client), which
# is read until the server closes it (-quiet: not at the end of DATA; 10 s at most); the
# decrypted answer in $work/raw.out, what s_client says in $work/raw.err.
tls_raw() {
    printf '%b' "$1" | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$port" \
        -servername localhost -CAfile "$cert" >"$work/raw.out" 2>"$work/raw.err"
}

start main --cert "$cert" --key "$key"
main=$pid
main_port=$port

# ---- the Quick Start over TLS ----
expect "GET /" 200 '{"message":"Hello, World!"}' /
expect "GET /items/42" 200 '{"id":42}' /items/42
expect "GET /items/abc" 422 '{"detail":[{"type":"int_parsing","loc":["path","item_id"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}' /items/abc
expect "POST /items" 200 '{"name":"pen","price":9.99}' /items \
    -H 'content-type: application/json' -d '{"name":"pen","price":9.99}'
expect "POST /items invalid" 422 '{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":{"price":"cheap"}},{"type":"float_parsing","loc":["body","price"],"msg":"Input should be a valid number, unable to parse string as a number","input":"cheap"}]}' /items \
    -H 'content-type: application/json' -d '{"price":"cheap"}'
expect "GET /nope" 404 '{"detail":"Not Found"}' /nope

# a 307 slash redirect names the scheme it was reached by
https /items/42/ -D "$work/head"
location=$(tr -d '\r' <"$work/head" | sed -n 's/^[Ll]ocation: //p')
if [ "$status" = 307 ] && [ "$location" = "https://localhost:$port/items/42" ]; then
    pass "307 Location $location"
else
    fail "307: got $status, Location '$location'"
fi
# ... also without a Host header (HTTP/1.0): the server's own address
tls_raw 'GET /items/42/ HTTP/1.0\r\n\r\n'
location=$(tr -d '\r' <"$work/raw.out" | sed -n 's/^Location: //p')
if [ "$location" = "https://127.0.0.1:$port/items/42" ]; then
    pass "307 without Host: Location $location"
else
    fail "307 without Host: Location '$location'; got: $(head -c 300 "$work/raw.out")"
fi

# ---- keep-alive: several requests on one TLS connection ----
out=$(curl -sS -v -m 10 --cacert "$cert" --resolve "localhost:$port:127.0.0.1" \
    "https://localhost:$port/" "https://localhost:$port/items/1" "https://localhost:$port/items/2" \
    2>"$work/keepalive.err")
connects=$(grep -c 'Connected to' "$work/keepalive.err")
if [ "$out" = '{"message":"Hello, World!"}{"id":1}{"id":2}' ] && [ "$connects" = 1 ]; then
    pass "keep-alive: 3 requests on 1 connection"
else
    fail "keep-alive: '$out' over $connects connections"
fi
# pipelined: three requests in one write, the last with Connection: close
tls_raw 'GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: a\r\n\r\nGET /items/3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'
answers=$(grep -o 'HTTP/1.1 200 OK' "$work/raw.out" | wc -l)
if [ "$answers" = 3 ] && grep -q '{"id":3}' "$work/raw.out"; then
    pass "pipelining: 3 answers, then the close"
else
    fail "pipelining: $answers answers: $(head -c 600 "$work/raw.out")"
fi

# ---- no plaintext into the TLS stream, and no plaintext served ----
# plaintext HTTP to the TLS port: the handshake fails and the connection is closed at once
t0=$(date +%s)
curl -sS -m 8 -o /dev/null "http://127.0.0.1:$port/" 2>"$work/plain.err"
rc=$?
if [ $rc = 52 ] || [ $rc = 56 ]; then
    pass "plaintext request to the TLS port: closed (curl $rc) in $(($(date +%s) - t0)) s"
else
    fail "plaintext request to the TLS port: curl exit $rc: $(cat "$work/plain.err")"
fi
# a chunked body beyond the limit (1 MiB): closed, with no plaintext 413 in the stream
head -c 1200000 /dev/zero | tr '\0' 'a' >"$work/big"
# (curl's status is the 100 Continue, if anything)
https /items -H 'content-type: application/json' -H 'Transfer-Encoding: chunked' \
    --data-binary @"$work/big"
if { [ $crc = 52 ] || [ $crc = 56 ]; } && ! grep -q 'wrong version number' "$work/curl.err"; then
    pass "chunked body beyond the limit: closed ($(cat "$work/curl.err"))"
else
    fail "chunked body beyond the limit: curl exit $crc, $status $(cat "$work/curl.err")"
fi
# an announced one is answered 413 through libmicrohttpd, over TLS
expect "Content-Length beyond the limit" 413 '{"detail":"Content Too Large"}' /items \
    -H 'content-type: application/json' --data-binary @"$work/big"
# a Content-Length that is not a number: closed, nothing written in plaintext
tls_raw 'POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n'
if [ -s "$work/raw.out" ] || grep -q 'wrong version number' "$work/raw.err"; then
    fail "Content-Length: abc: $(head -c 300 "$work/raw.out") $(cat "$work/raw.err")"
else
    pass "Content-Length: abc: closed"
fi
expect "still serving" 200 '{"id":7}' /items/7

# ---- a full connection table: the new client is closed, not sent a plaintext 503 ----
# (the key and certificate through the environment this time)
KARAK_TLS_CERT=$cert KARAK_TLS_KEY=$key start full --max-connections 1 --header-timeout 1
full=$pid
mkfifo "$work/hold"
# holds the one place: its head is complete, its body is not
openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$cert" <"$work/hold" \
    >/dev/null 2>&1 &
holder=$!
pids="$pids $holder"
exec 4>"$work/hold"
printf 'POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{' >&4
sleep 2
t0=$(date +%s)
got=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && timeout 5 cat <&3) 2>/dev/null | od -An -c | head -c 200)
took=$(($(date +%s) - t0))
if [ -z "$got" ] && [ $took -lt 4 ] && grep -q 'a new client was closed' "$work/full.log"; then
    pass "full connection table: the new client is closed, no bytes written"
else
    fail "full connection table: read '$got' in $took s; log: $(cat "$work/full.log")"
fi
exec 4>&-
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
for _ in $(seq 40); do # until libmicrohttpd has seen the holder go
    https /items/8
    [ "$status" = 200 ] && break
    sleep 0.25
done
expect "a place again" 200 '{"id":8}' /items/8
# a handshake that never starts meets the header deadline (1 s here)
t0=$(date +%s)
(exec 3<>"/dev/tcp/127.0.0.1/$port" && timeout 8 cat <&3 >/dev/null) 2>/dev/null
took=$(($(date +%s) - t0))
if [ $took -le 4 ] && grep -q 'past the 1 s header deadline' "$work/full.log"; then
    pass "silent client: closed at the header deadline ($took s)"
else
    fail "silent client: open $took s; log: $(cat "$work/full.log")"
fi
stop full "$full"
port=$main_port

# ---- start errors name the file ----
"$bin" --port 0 --cert "$cert" --key "$work/missing-key.pem" >/dev/null 2>"$work/missing.log"
rc=$?
if [ $rc != 0 ] && grep -q "missing-key.pem" "$work/missing.log"; then
    pass "missing key file: exit $rc, $(cat "$work/missing.log")"
else
    fail "missing key file: exit $rc, log: $(cat "$work/missing.log")"
fi
"$bin" --port 0 --cert "$cert" --key "$other_key" >/dev/null 2>"$work/mismatch.log"
rc=$?
if [ $rc != 0 ] && grep "other-key.pem" "$work/mismatch.log" | grep -q "do not match"; then
    pass "key of another certificate: exit $rc, $(grep other-key "$work/mismatch.log")"
else
    fail "key of another certificate: exit $rc, log: $(cat "$work/mismatch.log")"
fi
"$bin" --port 0 --cert "$cert" >/dev/null 2>"$work/alone.log"
rc=$?
if [ $rc = 2 ] && grep -q -- "--key" "$work/alone.log"; then
    pass "--cert without --key: usage error"
else
    fail "--cert without --key: exit $rc, log: $(cat "$work/alone.log")"
fi

expect "served throughout" 200 '{"message":"Hello, World!"}' /
stop main "$main"
if grep -q 'Sanitizer\|runtime error' "$work/main.log" "$work/full.log"; then
    fail "sanitizer report: $(cat "$work/main.log" "$work/full.log")"
fi
[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all TLS checks passed"
