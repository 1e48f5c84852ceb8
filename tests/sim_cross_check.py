#!/usr/bin/env python3
"""Live against simulated: one scenario played by `wsfo run` (live) and
`wsfo simulate` (SimGrid). For each timeline event (its window: from the event
to the next one) the two runs must agree on (docs/simulate.md, "Cross-check"):

- who disconnected: the same routerIds (their first disconnect in the window;
  the harness's own `shutdown` at the end is not an effect of any event);
- why: for each cause (`server_close`, `connection_lost`, `idle_timeout`,
  `pong_timeout`, ...), the same routerIds;
- messages lost: the same sum of the `gap` events' `missing`;
- dead connections (report.json's `silent_connections`): per client group,
  as many clients left on a dead connection by the event, and as many that
  had not noticed by the window's end;
- how fast: the median time from a client's disconnection to its next
  connection, and the median time from the event to a disconnection found by
  the client itself on a dead connection (a heartbeat's `idle_timeout` or
  `pong_timeout`, or a network error more than 1 s after the event: the reset
  a ping meets at a VIP's new holder), per cause; each within 250 ms + 25%
  of the live median.

The connections' longest ping round trips (`ping_rtt_max_ns`) are printed,
not judged.

usage: sim_cross_check.py [--expect-live-pass] [--sets-only] WSFO SCENARIO WORKDIR
--sets-only (the sanitizer build): the medians are printed but not judged,
because instrumentation slows the live run and not the model's virtual time.
--expect-live-pass (the regression suite): the live run's own verdict counts
too: it must exit 0 (every expectation held); a scenario the model does not
play is then judged by that verdict alone.
Exit 0 when both agree (and, with --expect-live-pass, the live run passed),
1 when they differ or the live run failed (the differences are printed), 2
when a run could not be made, 77 when the model does not play the scenario
(without --expect-live-pass)."""
import json
import pathlib
import shutil
import statistics
import subprocess
import sys

TOLERANCE_NS = 250_000_000
TOLERANCE_FRACTION = 0.25
# A disconnect on a dead connection later than this after the event was found
# by the client, not told at once (core/checks/silent_connections.hpp).
NOTICED_AT_ONCE_NS = 1_000_000_000
HEARTBEAT_CAUSES = {"idle_timeout", "pong_timeout"}

SKIP = 77  # ctest SKIP_RETURN_CODE: the model does not play this scenario


class NotModelled(Exception):
    """`wsfo simulate` refused the scenario: the model does not play it."""


def play(wsfo, command, scenario, directory):
    shutil.rmtree(directory, ignore_errors=True)
    result = subprocess.run([wsfo, command, str(scenario), "--report-dir", str(directory)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    history = directory / "history.jsonl"
    if not history.exists():
        print(f"wsfo {command} wrote no history (exit {result.returncode}):\n{result.stdout[-3000:]}")
        if command == "simulate" and "not modelled" in result.stdout:
            raise NotModelled()
        sys.exit(2)
    events = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    report = directory / "report.json"
    report_json = json.loads(report.read_text()) if report.exists() else {}
    if not events:  # nothing was played: a part that failed to start is no verdict on the scenario
        failures = report_json.get("part_failures") or [result.stdout[-3000:]]
        print(f"wsfo {command} played nothing (exit {result.returncode}):\n  " + "\n  ".join(failures))
        sys.exit(2)
    return events, report_json.get("silent_connections", []), result.returncode


class Window:
    """What one timeline event's window shows in one run."""

    def __init__(self, start):
        self.start = start
        self.first_disconnect = {}  # routerId -> its first `disconnected` event in the window
        self.latencies = []         # disconnection -> next connection, of those that came back
        self.messages_lost = 0      # sum of the gaps' `missing`
        self.silent = {}            # client group -> (left on a dead connection, not noticed by the window's end)
        self.ping_rtts = []         # the `ping_rtt_max_ns` of the connections that ended in the window

    def ids(self):
        return set(self.first_disconnect)

    def by_cause(self):
        causes = {}
        for router_id, e in self.first_disconnect.items():
            causes.setdefault(e.get("cause", "?"), set()).add(router_id)
        return causes

    def detection_delays(self):
        """Per cause: event -> disconnection, of the clients that found a dead connection themselves."""
        delays = {}
        for e in self.first_disconnect.values():
            after = e["t_ns"] - self.start
            network_late = e.get("closed_by") == "network" and after > NOTICED_AT_ONCE_NS
            if e.get("cause") in HEARTBEAT_CAUSES or network_late:
                delays.setdefault(e["cause"], []).append(after)
        return delays


def per_event(events, silent):
    """For each timeline index: its Window."""
    actions = sorted((e["t_ns"], e["index"]) for e in events if e["kind"] == "action")
    end = max(e["t_ns"] for e in events) + 1
    connects = {}
    for e in events:
        if e["kind"] == "connected":
            connects.setdefault(e["routerId"], []).append(e["t_ns"])
    windows = {}
    for n, (start, index) in enumerate(actions):
        stop = actions[n + 1][0] if n + 1 < len(actions) else end
        window = Window(start)
        for e in events:
            if not start <= e["t_ns"] < stop:
                continue
            if e["kind"] == "disconnected" and "ping_rtt_max_ns" in e:
                window.ping_rtts.append(e["ping_rtt_max_ns"])
            # The clients' own close when the harness stops them is not an effect of the event.
            if e["kind"] == "disconnected" and e.get("cause") != "shutdown":
                window.first_disconnect.setdefault(e["routerId"], e)
            elif e["kind"] == "gap":
                window.messages_lost += int(e.get("missing", 0))
        for router_id, e in window.first_disconnect.items():
            back = [c for c in connects.get(router_id, []) if c > e["t_ns"]]
            if back:
                window.latencies.append(min(back) - e["t_ns"])
        windows[index] = window
    for group in silent:
        if group["event"] in windows:
            windows[group["event"]].silent[group["group"]] = (group["affected"], group["not_noticed"])
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


def compare_medians(what, live, sim, sets_only):
    """One median comparison: (agrees or not judged, its text); None when a side has no sample."""
    if not live or not sim:
        return None
    live_median, sim_median = statistics.median(live), statistics.median(sim)
    bound = TOLERANCE_NS + TOLERANCE_FRACTION * live_median
    agree = abs(sim_median - live_median) <= bound
    verdict = "not judged (--sets-only)" if sets_only else "within" if agree else "OUTSIDE"
    return (agree or sets_only,
            f"median {what} live {live_median / 1e6:.0f} ms, simulate {sim_median / 1e6:.0f} ms"
            f" ({verdict}, bound {bound / 1e6:.0f} ms)")


def compare_window(live, sim, sets_only):
    """The lines to print for one event and whether the two runs agree."""
    ok = True
    lines = []
    live_ids, sim_ids = live.ids(), sim.ids()
    head = f"live {len(live_ids)} disconnected, simulate {len(sim_ids)}"
    if live_ids != sim_ids:
        ok = False
        head += f"; only live: {ranges(live_ids - sim_ids) or '-'}; only simulate: {ranges(sim_ids - live_ids) or '-'}"
    lines.append(head)

    live_causes, sim_causes = live.by_cause(), sim.by_cause()
    causes = []
    for cause in sorted(set(live_causes) | set(sim_causes)):
        a, b = live_causes.get(cause, set()), sim_causes.get(cause, set())
        text = f"{cause} {len(a)}/{len(b)}"
        if a != b:
            ok = False
            text += f" DIFFER (only live: {ranges(a - b) or '-'}; only simulate: {ranges(b - a) or '-'})"
        causes.append(text)
    if causes:
        lines.append("causes live/simulate: " + ", ".join(causes))

    lost = f"messages lost live {live.messages_lost}, simulate {sim.messages_lost}"
    if live.messages_lost != sim.messages_lost:
        ok = False
        lost += " DIFFER"
    lines.append(lost)

    for group in sorted(set(live.silent) | set(sim.silent)):
        a, b = live.silent.get(group, (0, 0)), sim.silent.get(group, (0, 0))
        text = (f"dead connections of {group}: live {a[0]} ({a[1]} never noticed), "
                f"simulate {b[0]} ({b[1]} never noticed)")
        if a != b:
            ok = False
            text += " DIFFER"
        lines.append(text)

    medians = [("reconnect", live.latencies, sim.latencies)]
    live_found, sim_found = live.detection_delays(), sim.detection_delays()
    for cause in sorted(set(live_found) | set(sim_found)):
        medians.append((f"detection by {cause} (event -> disconnect)", live_found.get(cause, []),
                        sim_found.get(cause, [])))
    for what, a, b in medians:
        judged = compare_medians(what, a, b, sets_only)
        if judged:
            ok = ok and judged[0]
            lines.append(judged[1] + f" over {len(a)}/{len(b)}")
    if live.ping_rtts or sim.ping_rtts:
        def median_ms(values):
            return f"{statistics.median(values) / 1e6:.1f} ms" if values else "-"
        # Information only: live, the pings of one client process leave on one tick and queue.
        lines.append(f"ping round trip (median of the connections' longest): live {median_ms(live.ping_rtts)}"
                     f" over {len(live.ping_rtts)}, simulate {median_ms(sim.ping_rtts)} over {len(sim.ping_rtts)}"
                     " (not judged)")
    return ok, lines


def main():
    args = sys.argv[1:]
    flags = {"--sets-only", "--expect-live-pass"}
    sets_only = expect_live_pass = False
    while args and args[0] in flags:
        sets_only = sets_only or args[0] == "--sets-only"
        expect_live_pass = expect_live_pass or args[0] == "--expect-live-pass"
        args = args[1:]
    if len(args) != 3:
        sys.exit("usage: sim_cross_check.py [--expect-live-pass] [--sets-only] WSFO_BINARY SCENARIO.json WORK_DIR")
    wsfo, scenario, work = args[0], pathlib.Path(args[1]), pathlib.Path(args[2])
    try:
        sim, sim_silent, sim_code = play(wsfo, "simulate", scenario, work / "sim")  # first: it may refuse, and is quick
    except NotModelled:
        if not expect_live_pass:
            sys.exit(SKIP)
        _, _, live_code = play(wsfo, "run", scenario, work / "live")
        print(f"{scenario.name}: wsfo run exit {live_code}; the model does not play it: only the live verdict judged")
        sys.exit(0 if live_code == 0 else 1)
    live, live_silent, live_code = play(wsfo, "run", scenario, work / "live")
    print(f"{scenario.name}: wsfo run exit {live_code}, wsfo simulate exit {sim_code}")
    live_failed = expect_live_pass and live_code != 0
    if live_failed:
        print(f"  the live run's expectations did not all hold (wsfo run exit {live_code}; "
              f"its report: {work / 'live' / 'report.html'})")
    live_windows, sim_windows = per_event(live, live_silent), per_event(sim, sim_silent)
    ok = True
    for index in sorted(set(live_windows) | set(sim_windows)):
        empty = Window(0)
        agree, lines = compare_window(live_windows.get(index, empty), sim_windows.get(index, empty), sets_only)
        ok = ok and agree
        print(f"  event #{index}: " + lines[0])
        for line in lines[1:]:
            print("    " + line)
    print("RESULT: " + ("agree" if ok else "DIFFER") + ("; the live run FAILED its expectations" if live_failed else ""))
    sys.exit(0 if ok and not live_failed else 1)


if __name__ == "__main__":
    main()
