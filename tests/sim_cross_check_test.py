#!/usr/bin/env python3
"""The live-vs-simulated comparison of tests/sim_cross_check.py on made-up
histories: what it must call a difference, and what it must not."""
import importlib.util
import pathlib
import unittest

_spec = importlib.util.spec_from_file_location("sim_cross_check",
                                               pathlib.Path(__file__).with_name("sim_cross_check.py"))
cross = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cross)

S = 1_000_000_000


def action(t, index):
    return {"t_ns": t, "kind": "action", "source": "orchestrator", "action": "power-off", "index": index}


def disconnected(t, router_id, cause, closed_by="network"):
    return {"t_ns": t, "kind": "disconnected", "routerId": router_id, "cause": cause, "closed_by": closed_by}


def connected(t, router_id):
    return {"t_ns": t, "kind": "connected", "routerId": router_id}


def gap(t, router_id, missing):
    return {"t_ns": t, "kind": "gap", "routerId": router_id, "backend": "b", "missing": missing, "after_seq": 3}


# A power-off at 10 s: client 1 times out 1.2 s later, client 2 is reset by the
# new holder 3.5 s later; both reconnect 1 s after; then the harness's shutdown.
BASE = [action(10 * S, 0),
        disconnected(int(11.2 * S), 1, "idle_timeout", "client"), connected(int(12.2 * S), 1),
        disconnected(int(13.5 * S), 2, "connection_lost"), connected(int(14.5 * S), 2),
        disconnected(20 * S, 3, "shutdown", "client")]


def compare(live, sim, live_silent=(), sim_silent=(), sets_only=False):
    a, b = cross.per_event(live, list(live_silent)), cross.per_event(sim, list(sim_silent))
    return cross.compare_window(a[0], b[0], sets_only)


class CrossCheck(unittest.TestCase):
    def test_the_same_history_agrees_and_the_shutdown_is_no_effect(self):
        ok, lines = compare(BASE, BASE)
        self.assertTrue(ok, lines)
        self.assertEqual(lines[0], "live 2 disconnected, simulate 2")
        self.assertIn("connection_lost 1/1, idle_timeout 1/1", lines[1])
        self.assertTrue(any("detection by idle_timeout" in line for line in lines), lines)
        self.assertTrue(any("detection by connection_lost" in line for line in lines), lines)

    def test_one_cause_swapped_is_a_difference_even_with_equal_sets(self):
        sim = [dict(e) for e in BASE]
        sim[1]["cause"] = "pong_timeout"
        ok, lines = compare(BASE, sim)
        self.assertFalse(ok)
        self.assertEqual(lines[0], "live 2 disconnected, simulate 2")
        self.assertIn("idle_timeout 1/0 DIFFER (only live: 1; only simulate: -)", lines[1])

    def test_messages_lost_must_be_equal(self):
        ok, lines = compare(BASE + [gap(11 * S, 2, 3)], BASE)
        self.assertFalse(ok)
        self.assertIn("messages lost live 3, simulate 0 DIFFER", lines)

    def test_dead_connections_never_noticed_must_be_equal(self):
        live = [{"event": 0, "group": "silent", "affected": 20, "not_noticed": 20}]
        sim = [{"event": 0, "group": "silent", "affected": 20, "not_noticed": 19}]
        ok, lines = compare(BASE, BASE, live, sim)
        self.assertFalse(ok)
        ok, _ = compare(BASE, BASE, live, live)
        self.assertTrue(ok)

    def test_a_detection_median_outside_250ms_plus_a_quarter_differs_unless_sets_only(self):
        sim = [dict(e) for e in BASE]
        sim[1]["t_ns"] = int(11.8 * S)  # 600 ms later than live; bound 250 + 300 ms
        sim[2]["t_ns"] = int(12.8 * S)  # still back after 1 s
        ok, lines = compare(BASE, sim)
        self.assertFalse(ok)
        self.assertTrue(any("detection by idle_timeout" in line and "OUTSIDE" in line for line in lines), lines)
        ok, _ = compare(BASE, sim, sets_only=True)
        self.assertTrue(ok)
        sim[1]["t_ns"], sim[2]["t_ns"] = int(11.7 * S), int(12.7 * S)  # 500 ms: within
        ok, lines = compare(BASE, sim)
        self.assertTrue(ok, lines)

    def test_a_late_network_error_counts_as_detection_and_an_early_one_does_not(self):
        early = [action(10 * S, 0), disconnected(int(10.5 * S), 2, "connection_lost")]
        window = cross.per_event(early, [])[0]
        self.assertEqual(window.detection_delays(), {})
        late = [action(10 * S, 0), disconnected(int(11.5 * S), 2, "connection_lost")]
        self.assertEqual(cross.per_event(late, [])[0].detection_delays(), {"connection_lost": [int(1.5 * S)]})

    def test_ping_round_trips_are_printed_and_not_judged(self):
        live = [dict(e) for e in BASE]
        live[1]["ping_rtt_max_ns"] = 8_000_000
        ok, lines = compare(live, BASE)
        self.assertTrue(ok, lines)
        self.assertIn("ping round trip (median of the connections' longest): live 8.0 ms over 1, "
                      "simulate - over 0 (not judged)", lines)
        self.assertFalse(any("ping round trip" in line for line in compare(BASE, BASE)[1]))


if __name__ == "__main__":
    unittest.main()
