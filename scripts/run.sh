#!/usr/bin/env bash
# Set-up command 1: install what is missing, build, and run the main job.
# Until `wsfo run` exists, the main job is the most complete thing that does:
# validate the seed scenarios and show the seed cutover's rule diff.
source "$(dirname "$0")/lib.sh"
install_missing
build "$ROOT/build/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo
WSFO="$ROOT/build/release/cli/wsfo"
for scenario in "$ROOT"/scenarios/seed-*.json; do
  "$WSFO" scenario check "$scenario"
done
"$WSFO" rules diff "$ROOT/scenarios/rules/seed-v1.json" "$ROOT/scenarios/rules/seed-v2.json"
