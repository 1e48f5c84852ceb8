#!/usr/bin/env python3
"""Cross-check of issue 7: one scenario played by `wsfo run` (live) and
`wsfo simulate` (SimGrid) must name the same disconnected routerIds for each
timeline event, and their median reconnect times must agree within the
tolerance of docs/simulate.md (250 ms + 25% of the live median).

usage: sim_cross_check.py [--sets-only] WSFO SCENARIO WORKDIR
--sets-only (the sanitizer build): the medians are printed but not judged,
because instrumentation slows the live run and not the model's virtual time.
Exit 0 when both agree, 1 when they differ (the differences are printed),
2 when a run could not be made, 77 when the model does not play the scenario
yet (VRRP, proxy correction)."""
import json
import pathlib
import shutil
import statistics
import subprocess
import sys

TOLERANCE_NS = 250_000_000
TOLERANCE_FRACTION = 0.25


SKIP = 77  # ctest SKIP_RETURN_CODE: the model does not play this scenario yet


def play(wsfo, command, scenario, directory):
    shutil.rmtree(directory, ignore_errors=True)
    result = subprocess.run([wsfo, command, str(scenario), "--report-dir", str(directory)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    history = directory / "history.jsonl"
    if not history.exists():
        print(f"wsfo {command} wrote no history (exit {result.returncode}):\n{result.stdout[-3000:]}")
        sys.exit(SKIP if command == "simulate" and "not modelled" in result.stdout else 2)
    return [json.loads(line) for line in history.read_text().splitlines() if line.strip()], result.returncode


def per_event(events):
    """For each timeline index: the disconnected routerIds and their reconnect latencies."""
    actions = sorted((e["t_ns"], e["index"]) for e in events if e["kind"] == "action")
    end = max(e["t_ns"] for e in events) + 1
    connects = {}
    for e in events:
        if e["kind"] == "connected":
            connects.setdefault(e["routerId"], []).append(e["t_ns"])
    windows = {}
    for n, (start, index) in enumerate(actions):
        stop = actions[n + 1][0] if n + 1 < len(actions) else end
        first_disconnect = {}
        for e in events:
            # The clients' own close when the harness stops them is not an effect of the event.
            if e["kind"] == "disconnected" and start <= e["t_ns"] < stop and e.get("cause") != "shutdown":
                first_disconnect.setdefault(e["routerId"], e["t_ns"])
        latencies = []
        for router_id, t in first_disconnect.items():
            back = [c for c in connects.get(router_id, []) if c > t]
            if back:
                latencies.append(min(back) - t)
        windows[index] = (set(first_disconnect), latencies)
    return windows


def ranges(ids):
    ids = sorted(ids)
    out, start = [], None
    for i, value in enumerate(ids):
        if start is None:
            start = value
        if i + 1 == len(ids) or ids[i + 1] != value + 1:
            out.append(str(start) if start == value else f"{start}-{value}")
            start = None
    return ", ".join(out[:20]) + (" ..." if len(out) > 20 else "")


def main():
    args = sys.argv[1:]
    sets_only = args[:1] == ["--sets-only"]
    if sets_only:
        args = args[1:]
    if len(args) != 3:
        sys.exit("usage: sim_cross_check.py [--sets-only] WSFO_BINARY SCENARIO.json WORK_DIR")
    wsfo, scenario, work = args[0], pathlib.Path(args[1]), pathlib.Path(args[2])
    sim, sim_code = play(wsfo, "simulate", scenario, work / "sim")  # first: it may refuse, and it is quick
    live, live_code = play(wsfo, "run", scenario, work / "live")
    print(f"{scenario.name}: wsfo run exit {live_code}, wsfo simulate exit {sim_code}")
    live_windows, sim_windows = per_event(live), per_event(sim)
    ok = True
    for index in sorted(set(live_windows) | set(sim_windows)):
        live_ids, live_lat = live_windows.get(index, (set(), []))
        sim_ids, sim_lat = sim_windows.get(index, (set(), []))
        line = f"  event #{index}: live {len(live_ids)} disconnected, simulate {len(sim_ids)}"
        if live_ids != sim_ids:
            ok = False
            line += f"; only live: {ranges(live_ids - sim_ids) or '-'}; only simulate: {ranges(sim_ids - live_ids) or '-'}"
        if live_lat and sim_lat:
            live_median, sim_median = statistics.median(live_lat), statistics.median(sim_lat)
            bound = TOLERANCE_NS + TOLERANCE_FRACTION * live_median
            agree = abs(sim_median - live_median) <= bound
            ok = ok and (agree or sets_only)
            verdict = "not judged (--sets-only)" if sets_only else "within" if agree else "OUTSIDE"
            line += (f"; median reconnect live {live_median / 1e6:.0f} ms, simulate {sim_median / 1e6:.0f} ms"
                     f" ({verdict}, bound {bound / 1e6:.0f} ms)")
        print(line)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
