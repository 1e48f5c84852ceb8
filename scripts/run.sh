#!/usr/bin/env bash
# Set-up command 1: install what is missing, build, and run the main job:
# `wsfo demo`, the seed cutover played live (about 45 s), three clients
# printing like the seed, then the report (HTML in reports/out/).
source "$(dirname "$0")/lib.sh"
install_missing
build "$ROOT/build/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cd "$ROOT"
exec "$ROOT/build/release/cli/wsfo" demo "$@"
