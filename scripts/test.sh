#!/usr/bin/env bash
# Set-up command 2: install what is missing, build with warnings as errors,
# and run the whole test suite through ctest. `--sanitize` builds and runs it
# with -fsanitize=address,undefined in its own build directory.
source "$(dirname "$0")/lib.sh"
# Line tables (-g1) are enough for backtraces and sanitizer reports; full -g
# costs a third of a Beast unit's compile time. Under the sanitizers -O1, as
# ASan advises: with -O2 a Beast unit took 152 s to compile instead of 67 s.
dir="$ROOT/build/test"; flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
case "${1:-}" in
  "") ;;
  --sanitize) dir="$ROOT/build/asan"; flags=(-DWSFO_SANITIZE=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG") ;;
  *) echo "usage: scripts/test.sh [--sanitize]" >&2; exit 2 ;;
esac
install_missing
build "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSFO_WERROR=ON "${flags[@]}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$dir" --output-on-failure --timeout 300 -j "$(nproc)"
