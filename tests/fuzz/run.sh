#!/usr/bin/env bash
# usage: tests/fuzz/run.sh [target...]        (default: every target)
#
# Builds the libFuzzer targets in build-fuzz (clang, KARAK_FUZZ=ON) and runs each for
# FUZZ_SECONDS (default 60) seconds, with its dictionary, on a working corpus under the
# build directory that starts from the committed seeds (tests/fuzz/corpus/<target>/) and
# grows from run to run; tests/fuzz/regressions/<target>/, when there is one, is read as
# seeds too, so an input that once crashed is replayed first. Prints one summary line per
# target; exits non-zero when any target found a crash, a leak, a timeout or ran out of
# memory. Crash inputs are saved in build-fuzz/artifacts/<target>/, full logs in
# build-fuzz/logs/<target>.log.
#
# Environment: FUZZ_SECONDS (per target), FUZZ_BUILD_DIR (default build-fuzz), CC (default
# clang), FUZZ_ARGS (more libFuzzer flags, e.g. "-jobs=4 -workers=4").
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/fuzz
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_dispatch fuzz_json fuzz_framing fuzz_numfmt)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKARAK_FUZZ=ON -DKARAK_BUILD_TESTS=OFF -DKARAK_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

# Leaks are errors (LeakSanitizer runs after every input that allocated more than it freed);
# UBSan stops at its first report, with the stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The value of libFuzzer's final "stat::<name>: <value>" line in a log.
final_stat() {
    sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

# One line: executions, rate, coverage at the start and the end, corpus size.
summary() {
    local t=$1 log=$2 seeds=$3
    local runs secs rate inited done_line cov0 cov1 ft corp
    runs=$(final_stat number_of_executed_units "$log")
    rate=$(final_stat average_exec_per_sec "$log")
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    inited=$(grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | tail -n 1 || true)
    done_line=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1 || true)
    cov0=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$inited")
    cov1=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")
    printf '%-14s %s runs in %s s (%s exec/s), cov %s -> %s, ft %s, ' "$t" "${runs:-?}" \
        "${secs:-?}" "${rate:-?}" "${cov0:-?}" "${cov1:-?}" "${ft:-?}"
    printf 'corpus %s (from %s seeds), %s new\n' "${corp:-?}" "$seeds" \
        "$(final_stat new_units_added "$log")"
}

failed=()
lines=()
for t in "${targets[@]}"; do
    work=$build/corpus/$t
    artifacts=$build/artifacts/$t
    log=$build/logs/$t.log
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    cp -n "$here/corpus/$t"/* "$work"/ 2>/dev/null || true
    dirs=("$work")
    [ -d "$here/regressions/$t" ] && dirs+=("$here/regressions/$t")
    seeds=$(find "$here/corpus/$t" -type f | wc -l)
    echo "=== $t: ${seconds} s ==="
    rc=0
    # shellcheck disable=SC2086
    "$build/tests/fuzz/$t" "${dirs[@]}" -dict="$here/$t.dict" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        lines+=("$(summary "$t" "$log" "$seeds")")
    else
        failed+=("$t")
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        lines+=("$(printf '%-14s FAILED (exit %d): %s; input %s; log %s' "$t" "$rc" \
            "$(grep -E '^SUMMARY|==fuzz==|ERROR: libFuzzer' "$log" | head -n 1)" \
            "${crash:-none}" "$log")")
        grep -E -A40 '==fuzz==|ERROR: (Address|Leak|libFuzzer|Undefined)|runtime error' "$log" |
            head -n 60 || true
    fi
    echo "${lines[-1]}"
done

echo "=== libFuzzer summary (${seconds} s per target) ==="
printf '%s\n' "${lines[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "failed: ${failed[*]}; reproduce with build-fuzz/tests/fuzz/<target> <input> (README)" >&2
    exit 1
fi
