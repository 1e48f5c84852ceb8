#!/usr/bin/env python3
"""ctest bench.fidelity.small: `wsfo bench fidelity --points storm-2k --runs 1`
end to end (docs/fidelity.md, "The small check").

Passes when the command ran (exit 0 or 1: one live run against the model may
miss a timing figure on a busy machine), printed a row with live and simulated
numbers for every figure of the point, and the figures that do not depend on
the machine's speed agree: the kill disconnected about a third of the 2000
clients, the same number in both engines, and the failed attempts of the
storm (retries that dial the dead node) agree within 5%: both engines draw
each client's address picks and delays from the live client's own random
stream (core/clients/client_stream.hpp). Neither run was saturated.
Usage: bench_fidelity_check.py WSFO REPORT_DIR
"""
import json
import re
import subprocess
import sys

wsfo, report_dir = sys.argv[1], sys.argv[2]
FIGURES = ["disconnected", "back_99_s", "storm_handshake_p99_ms", "storm_failed_attempts", "storm_handshake_timeouts"]
NUMBER = r"[0-9.e+-]+"

proc = subprocess.run([wsfo, "bench", "fidelity", "--points", "storm-2k", "--runs", "1", "--report-dir", report_dir],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=150)
out = proc.stdout
print(out)
failures = []
if proc.returncode not in (0, 1):
    failures.append(f"exit {proc.returncode}, expected 0 or 1")
for figure in FIGURES:
    row = rf"\nstorm-2k +{figure} +{NUMBER} +{NUMBER} +{NUMBER} +{NUMBER} +\S+ +(yes|no)\n"
    if not re.search(row, out):
        failures.append(f"no row with live and simulated figures for {figure}")
if not re.search(r"\nstorm-2k +saturated +no \(0/1\) +no +match\n", out):
    failures.append("the saturated verdict is not 'no' in both engines")
try:
    with open(f"{report_dir}/fidelity.json") as f:
        point = json.load(f)["points"][0]
    disconnected = next(f for f in point["figures"] if f["figure"] == "disconnected")
    if disconnected["simulated"] != disconnected["live_median"]:
        failures.append(f"disconnected: live {disconnected['live_median']}, simulated {disconnected['simulated']}")
    failed = next(f for f in point["figures"] if f["figure"] == "storm_failed_attempts")
    if abs(failed["simulated"] - failed["live_median"]) > 0.05 * failed["live_median"]:
        failures.append(f"storm_failed_attempts: live {failed['live_median']}, simulated {failed['simulated']}")
    if not 500 <= disconnected["live_median"] <= 840:
        failures.append(f"the kill of one of 3 nodes disconnected {disconnected['live_median']} of 2000 live clients")
except (OSError, ValueError, KeyError, IndexError, StopIteration, TypeError) as e:
    failures.append(f"fidelity.json unreadable or incomplete: {e!r}")
for failure in failures:
    print("FAILED:", failure)
sys.exit(1 if failures else 0)
