#!/usr/bin/env bash
# Runs every libFuzzer target of fuzz/ (docs/fuzzing.md) for SECONDS each,
# two at a time, after configuring and building build/fuzz with clang-15 when
# needed. Prints per target the executions, executions/s, coverage, the
# inputs saved as crashes (libFuzzer stops at the first) and the verdict.
# Exits 1 on any crash, timeout, leak, out-of-memory, sanitizer report or
# violated property (the input is kept under build/fuzz/artifacts/), 2 on a
# usage or setup error such as clang-15 or libFuzzer missing.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     SECONDS defaults to 60
#
# Environment: WSFO_FUZZ_CXX / WSFO_FUZZ_CC (default clang++-15 / clang-15),
# WSFO_FUZZ_BUILD (default build/fuzz), WSFO_FUZZ_JOBS (default 2),
# WSFO_FUZZ_TIMEOUT (seconds one input may take, default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
[ $# -gt 0 ] && shift
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]  (SECONDS: a whole number above 0, got '$seconds')" >&2
  exit 2
fi
build="${WSFO_FUZZ_BUILD:-$ROOT/build/fuzz}"
cxx="${WSFO_FUZZ_CXX:-clang++-15}"
cc="${WSFO_FUZZ_CC:-clang-15}"
jobs="${WSFO_FUZZ_JOBS:-2}"
per_input="${WSFO_FUZZ_TIMEOUT:-5}"

if ! command -v "$cxx" >/dev/null || ! command -v "$cc" >/dev/null; then
  echo "fuzz: $cxx / $cc not found: install clang-15 and libfuzzer-15-dev (Debian; scripts/test.sh installs them)" >&2
  exit 2
fi

if [ ! -f "$build/build.ninja" ]; then
  CC="$cc" CXX="$cxx" cmake -S "$ROOT" -B "$build" -G Ninja -DWSFO_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log" >&2; echo "fuzz: configuring $build failed" >&2; exit 2; }
fi
build_start=$SECONDS
cmake --build "$build" -j 2 >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log" >&2; echo "fuzz: building $build failed (log: $build/build.log)" >&2; exit 2; }
echo "fuzz: built $build in $((SECONDS - build_start)) s"

IFS=';' read -r -a all_targets <"$build/fuzz_targets.txt" || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [ -x "$build/fuzz/fuzz_$t" ] || { echo "fuzz: no target '$t' (targets: ${all_targets[*]})" >&2; exit 2; }
done

# Symbolized stacks in reports: clang-15's own symbolizer if there, else another LLVM's.
for s in llvm-symbolizer-15 /usr/lib/llvm-15/bin/llvm-symbolizer /usr/lib/llvm-14/bin/llvm-symbolizer llvm-symbolizer; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH="$(command -v "$s")"; break; fi
done
# Sanitizer reports end the run (UBSan is built not to recover); leaks count.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_one() {
  local t="$1" corpus="$build/corpus/$1" artifacts="$build/artifacts/$1/" status=0 dict=()
  mkdir -p "$corpus" "$artifacts"
  [ -f "$ROOT/fuzz/dict/$t.dict" ] && dict=(-dict="$ROOT/fuzz/dict/$t.dict")
  # The first folder gathers what the run finds; the seeds in fuzz/corpus are only read.
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout="$per_input" -rss_limit_mb=1536 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${dict[@]}" "$corpus" "$ROOT/fuzz/corpus/$t" \
    >"$build/logs/$t.log" 2>&1 || status=$?
  echo "$status" >"$build/logs/$t.status"
}

mkdir -p "$build/logs"
rm -f "$build"/logs/*.status
touch "$build/logs/started"  # what this run saves in artifacts/ is newer
echo "fuzz: ${#targets[@]} targets, $seconds s each, $jobs at a time, at most $per_input s per input"
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
wait || true

failed=0
printf '%-16s %12s %10s %8s %8s %8s %8s  %s\n' target executions execs/s cov ft corpus crashes result
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  status="$(cat "$build/logs/$t.status" 2>/dev/null || echo '?')"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  last="$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
  saved="$(find "$build/artifacts/$t" -type f -newer "$build/logs/started" 2>/dev/null | wc -l)"
  findings="$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|property violated' "$log" || true)"
  result=ok
  if [ "$status" != 0 ] || [ "$findings" != 0 ] || [ "$saved" != 0 ]; then
    result="FAILED (exit $status): $(grep -m1 -oE 'ERROR: [A-Za-z]+: [^(]*|runtime error: .*|property violated: .*|ALARM: .*' "$log" || echo 'see log')"
    failed=1
  fi
  printf '%-16s %12s %10s %8s %8s %8s %8s  %s\n' "$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" \
    "$saved" "$result"
done
if [ "$failed" != 0 ]; then
  echo "fuzz: FAILED; logs in $build/logs/, failing inputs in $build/artifacts/<target>/:" >&2
  find "$build/artifacts" -type f -newer "$build/logs/started" -printf '  %p\n' >&2
  exit 1
fi
echo "fuzz: 0 crashes, 0 timeouts, 0 sanitizer reports"
